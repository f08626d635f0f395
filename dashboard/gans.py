"""The parts of the GAN samples page (pages/6_GAN_samples.py): its URL state, the sample grid with the truncation
trade-off, the measured figures, the latent walk, the training story and GANs against VAEs; the page script lays
them out.

A module for the reason dashboard/arithmetic.py gives: an imported module is compiled once, a page script on every
run. Nothing here runs on import. A GAN has no encoder: every picture starts from noise z ~ N(0, I), drawn from a
seed, so a seed names a sample and a copied link draws the same digits again. Each section is a fragment: its
controls rerun only that section, and each section writes its own settings into the URL.
"""
from __future__ import annotations

import secrets
from typing import NamedTuple

import numpy as np
import streamlit as st

import gan_charts as charts
import links
import pictures
import ui
from exports import chart, downloads
from core import registry
from core.images import gif, tile, to_uint8
from core.evaluate import SAMPLE_FID as SWEEP_SAMPLES
from core.latent import interpolate, interpolation_times
from core.recipes import JUDGE, SECOND_JUDGE

COUNTS = (16, 36, 64)              # square grids: 4, 6 and 8 a side (a conditional GAN: that many a digit)
PSIS = (0.25, 0.5, 0.75, 1.0, 1.25)  # the truncations core.evaluate measures: the slider stops on them
WALK_STEPS = (3, 24)
PATHS = {"linear": "Linear", "slerp": "Spherical (slerp)"}
EVERY = "all"                      # a conditional GAN's grid: one row per digit
DEFAULTS = {"seed": 0, "n": 36, "psi": 1.0, "digit": EVERY, "from": 1, "to": 2, "path": "slerp", "steps": 10,
            "walk_digit": 7}
KEYS = {"seed": "gan_seed", "n": "gan_count", "psi": "gan_psi", "from": "gan_from", "to": "gan_to",
        "path": "gan_path", "steps": "gan_steps"}
MODEL_KEYS = {"digit": "gan_digit", "walk_digit": "gan_walk_digit", "epoch": "gan_epoch"}  # one per model
GRID_PIXELS = 480                  # the sample grid: beside its controls from 1280 px, below them at 800
GRID_LINE = 70                     # grey between the samples of a grid, so each reads as one picture
CAPTIONED = 56                     # a sample with the judge's reading under it
WALK_SIZE, WALK_WIDTH = 56, 560
STORY_SIZE, STORY_WIDTH = 44, 480
TRADE_OFF_WIDTH = 480
FIGURES_WIDTH = 390                # two charts of the measured figures side by side from 1280 px
COMPARED = ("mnist-dcgan", "mnist-vae-2d", "mnist-vae-16d")  # GAN against VAE, side by side
COMPARE_WIDTH, COMPARE_COUNTS = 216, (9, 16, 25)  # two side by side in an 800 px window, three from 1280 px
INK, SOLID = 26, 229               # a pixel over 10% of full ink has ink; over 90%, it is solid ink


# ---------------------------------------------------------------- the URL

def apply_parameter(model, name: str, value: str) -> None:
    """One parameter of a new link (or an edited URL) put into the widgets' state, or a ValueError saying why not."""
    state = st.session_state
    if name in ("seed", "from", "to"):
        state[KEYS[name]] = links.whole_number(value, 0, ui.MAX_SEED)
    elif name == "n":
        if value not in [str(n) for n in COUNTS]:
            raise ValueError(f"one of {', '.join(map(str, COUNTS))}")
        state[KEYS["n"]] = int(value)
    elif name == "psi":
        state[KEYS["psi"]] = truncation(value)
    elif name == "path":
        if value not in PATHS:
            raise ValueError(f"use {' or '.join(PATHS)}")
        state[KEYS["path"]] = value
    elif name == "steps":
        state[KEYS["steps"]] = links.whole_number(value, *WALK_STEPS)
    elif name in ("digit", "walk_digit"):
        if not model.conditional:
            raise ValueError(f"{model.id} is not told which digit to draw")
        if name == "digit" and value == EVERY:
            state[ui.model_key(model, MODEL_KEYS[name])] = EVERY
        else:
            try:
                state[ui.model_key(model, MODEL_KEYS[name])] = links.whole_number(value, 0, model.num_classes - 1)
            except ValueError:
                raise ValueError(f"a digit from 0 to {model.num_classes - 1}"
                                 + (f" or {EVERY}" if name == "digit" else "")) from None
    elif name == "epoch":
        epochs = story_epochs(model)
        if not epochs:
            raise ValueError(f"{model.id} ships no training story")
        epoch = links.whole_number(value, epochs[0], epochs[-1])
        if epoch not in epochs:
            raise ValueError(f"not an epoch of the story: {epochs[0]} to {epochs[-1]}")
        state[ui.model_key(model, MODEL_KEYS[name])] = epoch
    else:
        raise ValueError("not a setting of this page")


def truncation(value: str) -> float:
    try:
        psi = float(value)
    except ValueError:
        psi = float("nan")
    match = [p for p in PSIS if abs(p - psi) < 1e-9]  # nan matches nothing
    if not match:
        raise ValueError(f"one of {', '.join(f'{p:g}' for p in PSIS)}, the measured truncations")
    return match[0]


def keep_in_url(link: dict, values: dict) -> None:
    """A section's settings into the URL now (a fragment's rerun too); `link` collects what a whole run wrote, so
    that the page can take out what no section wrote (another model's digit, a bad one)."""
    links.write(links.ECHO["gans"], values)
    link.update(values)


def new_seed() -> None:
    """"New samples": a random seed other than the one shown."""
    shown = st.session_state.get(KEYS["seed"], DEFAULTS["seed"])
    seed = secrets.randbelow(ui.MAX_SEED)
    st.session_state[KEYS["seed"]] = seed if seed != shown else ui.MAX_SEED


# ---------------------------------------------------------------- cached pictures

@st.cache_data(show_spinner=False, max_entries=128)
def samples(_model, model_id: str, seed: int, count: int, psi: float, digit) -> np.ndarray:
    """uint8 samples. A conditional GAN with digit EVERY: sqrt(count) noises, each drawn as all ten digits, row by
    row (row c is digit c; a column keeps one noise); with a digit, `count` noises drawn as it."""
    if not _model.conditional:
        return to_uint8(_model.decode(_model.sample_latents(count, seed=seed, truncation=psi)))
    if digit == EVERY:
        z = _model.sample_latents(side(count), seed=seed, truncation=psi)
        labels = np.repeat(np.arange(_model.num_classes), len(z))
        return to_uint8(_model.decode(np.tile(z, (_model.num_classes, 1)), labels))
    return to_uint8(_model.decode(_model.sample_latents(count, seed=seed, truncation=psi), int(digit)))


@st.cache_data(show_spinner=False, max_entries=128)
def walk(_model, model_id: str, start: int, end: int, path: str, steps: int, digit) -> tuple[np.ndarray, np.ndarray]:
    """The path's points from one seed's noise to another's, and their pictures (uint8)."""
    a, b = _model.sample_latents(1, seed=start)[0], _model.sample_latents(1, seed=end)[0]
    z = interpolate(a, b, steps, path)
    return z, to_uint8(_model.decode(z, None if digit is None else int(digit)))


@st.cache_data(show_spinner=False, max_entries=256)
def judged(_judge, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The judge's reading of each picture and its probability (the judge's CNN is the costliest step of a run)."""
    return _judge.read(images)


def side(count: int) -> int:
    return int(round(np.sqrt(count)))


def mosaic(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    return tile(images, rows, cols, pad=2, fill=GRID_LINE)


def name(model, label) -> str:
    return ui.class_name(model, int(label))


# ---------------------------------------------------------------- samples and truncation

def digit_control(model, label: str, key: str, default, every: bool):
    options = ([EVERY] if every else []) + list(range(model.num_classes))
    key = links.remembered(ui.model_key(model, key), default)
    if st.session_state[key] not in options:
        st.session_state[key] = default
    return st.selectbox(label, options, key=key,
                        format_func=lambda c: "Every digit, a row each" if c == EVERY else f"Only {name(model, c)}",
                        help="This GAN is told which digit to draw; its noise holds only the style.")


@st.fragment
def sample_grid(model, judge, link: dict) -> None:
    """Samples of one seed, count and truncation; beside the truncation slider, its measured trade-off."""
    st.subheader("Samples", anchor=False)
    controls, shown = ui.beside(GRID_PIXELS)
    slider_box, trade_off = ui.beside(TRADE_OFF_WIDTH)
    with controls:
        digit = digit_control(model, "Digits", MODEL_KEYS["digit"], DEFAULTS["digit"], every=True) \
            if model.conditional else None
        per_digit = digit == EVERY
        count = st.segmented_control(
            "Samples a digit" if per_digit else "How many", COUNTS, key=links.remembered(KEYS["n"], DEFAULTS["n"]),
            required=True, format_func=lambda n: str(side(n)) if per_digit else str(n),
            help="Each row holds the same noises, so a column is one style written as ten digits."
            if per_digit else "A square grid of samples, each from its own noise.")
        seed = int(st.number_input("Seed", 0, ui.MAX_SEED, key=links.remembered(KEYS["seed"], DEFAULTS["seed"]),
                                   help="Which noises: the same seed draws the same samples, on every GAN and at "
                                        "every truncation."))
        st.button("New samples", key="gan_new", on_click=new_seed, icon=":material/casino:",
                  help="A new random seed.")
    with slider_box:
        psi = st.slider("Truncation ψ", PSIS[0], PSIS[-1], step=0.25, key=links.remembered(KEYS["psi"], DEFAULTS["psi"]),
                        format="%.2f",
                        help="The truncation trick: noise drawn from N(0, ψ²·I) instead of N(0, I). Below 1 the "
                             "samples gather towards the centre of the noise, with less variety; whether they also "
                             "get cleaner depends on the GAN: the caption and the chart say, for this one.")
        sweep = model.card.get("metrics", {}).get("truncation", [])
        at_psi = next((p for p in sweep if p["truncation"] == psi), None)
        if at_psi:
            st.caption(f"Measured on {SWEEP_SAMPLES:,} samples at ψ = {psi:g}: Fréchet distance "
                       f"{at_psi['frechet_distance']:,.0f}, the judge {at_psi['mean_confidence']:.0%} confident on "
                       f"average, the rarest digit {at_psi['smallest_class_share']:.1%} of samples"
                       + (f", label accuracy {at_psi['label_accuracy']:.1%}" if "label_accuracy" in at_psi else "")
                       + ". " + truncation_effect(sweep))
    values = {"seed": str(seed), "n": str(count), "psi": f"{psi:g}"}
    if model.conditional:
        values["digit"] = str(digit)
    keep_in_url(link, values)
    images = samples(model, model.id, seed, count, psi, digit)
    read, confidence = judged(judge, images)
    sure = confidence >= judge.confidence_threshold
    with shown:
        if not model.conditional:
            pictures.show_mosaic(mosaic(images, side(count), side(count)), GRID_PIXELS)
            readings(model, read, sure)
        elif per_digit:
            per = side(count)
            wanted = np.repeat(np.arange(model.num_classes), per)
            st.markdown(f"The judge surely reads **{int((sure & (read == wanted)).sum())} of {len(images)}** as the "
                        "digit asked for (✗ where it reads another). Each column keeps one noise: one style, ten "
                        "digits.")
            for c in range(model.num_classes):
                row = slice(c * per, (c + 1) * per)
                pictures.show_digits(images[row], [ui.reading(model, judge, r, p, c)
                                             for r, p in zip(read[row], confidence[row])], size=CAPTIONED,
                               one_row=True)
        else:
            unsure = f", and is unsure of {int((~sure).sum())}" if (~sure).any() else ""
            st.markdown(f"The judge surely reads **{int((sure & (read == digit)).sum())} of {count}** as "
                        f"{name(model, digit)}{unsure}.")
            pictures.show_digits(images, [ui.reading(model, judge, r, p, digit) for r, p in zip(read, confidence)],
                                 size=CAPTIONED)
    with trade_off:
        points = model.card.get("metrics", {}).get("truncation")
        if points:
            chart(charts.truncation_chart(points, psi), "gan_truncation", displayModeBar=False)
        else:
            st.caption(f"The truncation trade-off is not measured yet: `python -m core.evaluate {model.id}`.")


def truncation_effect(sweep: list[dict]) -> str:
    """What the smallest ψ measured did to this GAN's samples against ψ = 1, in the judge's figures."""
    plain = next((p for p in sweep if p["truncation"] == 1.0), None)
    low = min(sweep, key=lambda p: p["truncation"])
    if plain is None or low is plain:
        return ""

    def moved(key: str, fmt: str, better_when_lower: bool) -> str:
        worse = (low[key] > plain[key]) == better_when_lower
        return f"{fmt.format(plain[key])} → {fmt.format(low[key])} ({'worse' if worse else 'better'})"
    return (f"For this GAN, from ψ = 1 to {low['truncation']:g}: Fréchet distance "
            f"{moved('frechet_distance', '{:,.0f}', True)}, confidence {moved('mean_confidence', '{:.0%}', False)}, "
            f"rarest digit {moved('smallest_class_share', '{:.1%}', False)}.")


def readings(model, read: np.ndarray, sure: np.ndarray) -> None:
    """What the judge surely reads in a grid, digit by digit, as bars: a GAN that draws few kinds of digit shows
    it here."""
    counts = np.bincount(read[sure], minlength=model.num_classes)
    missing = [name(model, c) for c, n in enumerate(counts) if not n]
    st.caption("How many of these samples the judge surely reads as each digit, and how many it is unsure of"
               + (f". No {', '.join(missing)} among them." if missing and counts.any() else "."))
    chart(charts.readings_chart(counts.tolist(), int((~sure).sum()),
                                [name(model, c) for c in range(model.num_classes)], ui.CLASS_COLORS),
          "gan_readings", displayModeBar=False)


# ---------------------------------------------------------------- measured figures

GOALS = {  # goals_met key -> what it asks, from the card's goals
    "mode_coverage": lambda g: f"every digit between {g['class_share_min']:.0%} and {g['class_share_max']:.0%} of "
                               "samples (mode coverage)",
    "frechet_at_most_half_of_vae_2d": lambda g: f"a Fréchet distance at most "
                                                f"{g['dcgan_frechet_max_share_of_vae_2d']:.0%} of the 2-D VAE's",
    "frechet_below_vanilla_gan": lambda g: "a Fréchet distance below the vanilla GAN's",
    "precision_and_recall_both_judges": lambda g: f"precision at least {g['dcgan_precision_min']:.2f} and recall at "
                                                  f"least {g['dcgan_recall_min']:.2f}, in both judges' features",
    "frechet_below_both_vaes_both_judges": lambda g: "a Fréchet distance below both VAEs', in both judges' features",
    "label_accuracy": lambda g: f"label accuracy at least {g['label_accuracy_min']:.0%}",
    "label_accuracy_per_class": lambda g: f"every digit's label accuracy at least "
                                          f"{g['label_accuracy_per_class_min']:.0%}",
}


def frechet_help(metrics: dict) -> str:
    n, heldout = metrics.get("frechet_distance_samples_n"), metrics.get("heldout_digits")
    return (f"Between {f'{n:,}' if n else 'samples'}{' samples' if n else ''} and the "
            f"{f'{heldout:,} ' if heldout else ''}held-out digits, on the judge's 128-D features: how far the "
            "samples are, as a crowd, from real digits. Lower is better.")


def judged_by_both(metrics: dict) -> tuple[dict, dict] | None:
    """The samples in each judge's features (the card's sample_quality), the first judge's then the second's; None
    before both measured them."""
    quality = metrics.get("sample_quality") or {}
    return (quality[JUDGE], quality[SECOND_JUDGE]) if {JUDGE, SECOND_JUDGE} <= set(quality) else None


def frechet_figure(metrics: dict) -> tuple[str, str, str]:
    """The Fréchet distance of the samples, in both judges' features once both measured it."""
    both = judged_by_both(metrics)
    if both is None:
        return "Fréchet distance", f"{metrics['frechet_distance_samples']:,.0f}", frechet_help(metrics)
    return ("Fréchet, each judge", ui.each_judge(metrics),
            frechet_help(metrics) + f" The second figure is the same in {SECOND_JUDGE}'s features, a classifier built "
            "differently and trained from another seed: a distance only one judge's features favour does not hold.")


def precision_recall_figures(metrics: dict) -> list[tuple[str, str, str]]:
    """Improved precision and recall of the samples in each judge's features; none before both measured them."""
    both = judged_by_both(metrics)
    if both is None:
        return []
    return [("Precision, each judge", ui.each_judge(metrics, "precision"),
             "Of the samples, the share lying among the held-out digits in each judge's features (within the reach "
             "of a held-out digit's 3rd nearest neighbour): low, the model draws off the data. The first judge's, "
             "then the second's."),
            ("Recall, each judge", ui.each_judge(metrics, "recall"),
             "Of the held-out digits, the share the samples reach in each judge's features: low, the model misses "
             "kinds of digit or ways of writing them. The first judge's, then the second's.")]


def headline_figures(model) -> list[tuple[str, str, str]]:
    """(label, value, meaning) of a GAN's measured figures, from its card."""
    metrics = model.card.get("metrics", {})
    figures = []
    if "frechet_distance_samples" in metrics:
        figures += [frechet_figure(metrics), *precision_recall_figures(metrics)]
    shares = metrics.get("class_shares")
    if shares:
        low, high = int(np.argmin(shares)), int(np.argmax(shares))
        figures += [("Smallest class share", f"{shares[low]:.1%}",
                     f"The digit the judge reads least often in the samples ({name(model, low)}). An even spread "
                     f"over {len(shares)} digits is {1 / len(shares):.0%} each; near 0 the GAN misses that digit."),
                    ("Largest class share", f"{shares[high]:.1%}",
                     f"The digit the judge reads most often ({name(model, high)}): far above an even share, the GAN "
                     "has collapsed towards it.")]
    if "label_accuracy_prior_samples" in metrics:
        figures.append(("Label accuracy", f"{metrics['label_accuracy_prior_samples']:.1%}",
                        f"{metrics.get('label_accuracy_prior_samples_n', 0):,} samples drawn with the labels in "
                        "turn, at ψ = 1: how often the judge reads the digit asked for. The truncation caption's "
                        f"figure at ψ = 1 comes from the {SWEEP_SAMPLES:,} samples of that sweep, so it differs a "
                        "little."))
    if "mean_confidence" in metrics:
        figures.append(("Judge confidence", f"{metrics['mean_confidence']:.1%}",
                        "The judge's mean probability for its own reading of a sample: clear digits score high."))
    if "share_confident" in metrics:
        figures.append(("Sure readings", f"{metrics['share_confident']:.1%}",
                        "Samples the judge reads at least as surely as its confidence threshold, above which its "
                        "readings of real digits are almost never wrong."))
    return figures


def measured_figures(model) -> None:
    """The card's figures with its goals; the class shares (and a conditional GAN's label accuracy) as charts."""
    st.subheader("Measured figures", anchor=False)
    metrics = model.card.get("metrics", {})
    if "frechet_distance_samples" not in metrics:
        st.caption(f"Not evaluated yet: `python -m core.evaluate {model.id}` measures it.")
        return
    ui.metrics_row(headline_figures(model))
    goals, met = metrics.get("goals", {}), metrics.get("goals_met", {})
    if met:
        lines = []
        for key, ok in met.items():
            try:
                what = GOALS[key](goals) if key in GOALS else key.replace("_", " ")
            except KeyError:  # a goal whose bound the card does not give
                what = key.replace("_", " ")
            lines.append(f"- {'✓ met' if ok else '✗ not met'}: {what}")
        st.markdown("**Goals** (from its card):\n" + "\n".join(lines))
    names = [name(model, c) for c in range(model.num_classes)]
    with st.container(horizontal=True, gap="medium"):
        if metrics.get("class_shares"):
            with st.container(width=FIGURES_WIDTH):
                st.markdown("**What the judge reads in the samples**")
                band = (goals["class_share_min"], goals["class_share_max"]) \
                    if {"class_share_min", "class_share_max"} <= set(goals) else None
                chart(charts.class_shares_chart(metrics["class_shares"], names, ui.CLASS_COLORS, band),
                      "gan_class_shares", displayModeBar=False)
                if band:
                    st.caption(f"Green: the goal, every digit between {band[0]:.0%} and {band[1]:.0%} of samples.")
        per_class = metrics.get("label_accuracy_prior_samples_per_class")
        if per_class:
            with st.container(width=FIGURES_WIDTH):
                st.markdown("**Label accuracy, digit by digit**")
                floor = goals.get("label_accuracy_per_class_min")
                chart(charts.label_accuracy_chart(per_class, names, floor), "gan_label_accuracy",
                      displayModeBar=False)
                if floor is not None:
                    st.caption(f"Dashed: the goal, at least {floor:.0%} for every digit.")
    method = model.card.get("evaluation", {}).get("method")
    if method:
        st.caption(f"How: {method}")


# ---------------------------------------------------------------- the latent walk

@st.fragment
def latent_walk(model, judge, link: dict) -> None:
    """From one seed's noise to another's, in straight or spherical steps, as a strip and an animated GIF."""
    st.subheader("Latent walk", anchor=False)
    controls, shown = ui.beside(WALK_WIDTH)
    with controls:
        start = int(st.number_input("From seed", 0, ui.MAX_SEED, key=links.remembered(KEYS["from"], DEFAULTS["from"])))
        end = int(st.number_input("To seed", 0, ui.MAX_SEED, key=links.remembered(KEYS["to"], DEFAULTS["to"])))
        path = st.segmented_control("Path", list(PATHS), key=links.remembered(KEYS["path"], DEFAULTS["path"]),
                                    format_func=PATHS.get, required=True,
                                    help="Noise from N(0, I) in 100-D lies near a sphere of radius 10. Spherical "
                                         "steps (slerp) stay on it; straight ones cut inside, through noise the "
                                         "generator seldom saw.")
        steps = st.slider("Steps", *WALK_STEPS, key=links.remembered(KEYS["steps"], DEFAULTS["steps"]))
        digit = digit_control(model, "Drawn as", MODEL_KEYS["walk_digit"], DEFAULTS["walk_digit"], every=False) \
            if model.conditional else None
    values = {"from": str(start), "to": str(end), "path": path, "steps": str(steps)}
    if model.conditional:
        values["walk_digit"] = str(digit)
    keep_in_url(link, values)
    z, images = walk(model, model.id, start, end, path, steps, digit)
    read, confidence = judged(judge, images)
    sure = confidence >= judge.confidence_threshold
    t = interpolation_times(steps)
    lengths = np.linalg.norm(z, axis=1)
    with shown:
        st.markdown(f"Seed {start} (t = 0) to seed {end} (t = 1), {PATHS[path].lower()}"
                    + (f", drawn as {name(model, digit)}" if model.conditional else "")
                    + ". Under each step: t and what the judge reads (? where it is unsure).")
        pictures.show_digits(images, [f"{v:.2f} · {name(model, r)}{'' if ok else '?'}" for v, r, ok in zip(t, read, sure)],
                             size=WALK_SIZE, one_row=True)
        st.caption(f"Length of the noise |z|: {lengths[0]:.1f} and {lengths[-1]:.1f} at the ends, "
                   f"{lengths.min():.1f} at the shortest step. The generator was trained on noise of length about "
                   f"{np.sqrt(model.latent_dim):.0f} (√{model.latent_dim}).")
        downloads(f"gan_walk_{model.id}", [
            ("GIF", lambda: gif(images), ".gif", "image/gif"),  # made on the click
            ("PNG", pictures.png_bytes(tile(images, 1, len(images), pad=2)), ".png", "image/png")])


# ---------------------------------------------------------------- the training story

def story_epochs(model) -> list[int]:
    story = model.story or {}
    return [int(e) for e in story.get("epochs", [])] if "samples" in story else []


def recipe_note(card: dict) -> str:
    """The remedies the recipe used, from the card's training options."""
    options = card.get("training", {}).get("options", {})
    remedies = []
    if options.get("real_label") is not None and options["real_label"] < 1:
        remedies.append(f"one-sided label smoothing (the discriminator learns to call real digits "
                        f"{options['real_label']:g}, not 1, so it cannot grow over-sure)")
    if options.get("ema_decay"):
        remedies.append(f"a moving average of the generator's weights (decay {options['ema_decay']:g}), which "
                        "smooths out the swings of the tug of war; the pictures are the average's")
    if options.get("pack", 1) > 1:
        remedies.append(f"packing (PacGAN): the discriminator judges {options['pack']} digits at once, so a "
                        "generator that keeps drawing the same few digits is caught")
    if remedies:
        return "Trained with " + ", ".join(remedies[:-1]) + (" and " if len(remedies) > 1 else "") + remedies[-1] + "."
    if options:
        return "Trained with the plain recipe: no label smoothing, no averaging of the generator's weights."
    return ""


def vanilla_note(card: dict, rival: dict | None) -> str:
    """What goes wrong with the vanilla GAN, read from its card's numbers and the DCGAN's."""
    metrics, sentences = card.get("metrics", {}), []
    shares = metrics.get("class_shares")
    goals = metrics.get("goals", {})
    if shares:
        low, high = int(np.argmin(shares)), int(np.argmax(shares))
        names = card.get("class_names") or [str(c) for c in range(len(shares))]
        missed = [names[c] for c, s in enumerate(shares) if s < goals.get("class_share_min", 0)]
        sentences.append(f"The judge reads {shares[high]:.0%} of its samples as {names[high]} and only "
                         f"{shares[low]:.1%} as {names[low]}, where an even spread is {1 / len(shares):.0%} each"
                         + (f": it hardly draws {', '.join(missed)} (mode collapse: the generator settles on the "
                            "digits that fool the discriminator best)." if missed else "."))
    theirs = (rival or {}).get("metrics", {})
    if "frechet_distance_samples" in metrics and "frechet_distance_samples" in theirs:
        ours, dc = metrics["frechet_distance_samples"], theirs["frechet_distance_samples"]
        sentences.append(f"Its Fréchet distance is {ours:,.0f}, {'above' if ours > dc else 'below'} the "
                         f"{rival.get('title', 'DCGAN')}'s {dc:,.0f} (lower is better).")
    if "share_confident" in metrics and "share_confident" in theirs:
        sentences.append(f"The judge is sure of {metrics['share_confident']:.0%} of its samples, against "
                         f"{theirs['share_confident']:.0%} of the DCGAN's.")
    fake = card.get("training", {}).get("history", {}).get("d_fake")
    if fake and len(fake) > 1:
        sentences.append(f"Over the epochs, D's mean probability for generated digits ranged from {min(fake):.2f} "
                         f"to {max(fake):.2f} (0.5: it cannot tell them from real ones).")
    if not sentences:
        return ""
    return ("**What goes wrong with the plain recipe.** Dense layers see a digit as 784 unrelated pixels, and "
            "nothing damps the tug of war between the two networks. " + " ".join(sentences))


@st.fragment
def training_story(model, link: dict) -> None:
    """The losses epoch by epoch, and the same fixed noise drawn after each epoch: the digits emerging."""
    st.subheader("Training story", anchor=False)
    card, epochs = model.card, story_epochs(model)
    training = card.get("training", {})
    history = training.get("history", {})
    if not epochs:
        st.caption(f"{model.id} ships no training story; `{training.get('command', 'python -m core.train')}` "
                   "writes one.")
        return
    controls, shown = ui.beside(STORY_WIDTH)
    key = links.remembered(ui.model_key(model, MODEL_KEYS["epoch"]), epochs[0])
    if st.session_state[key] not in epochs:
        st.session_state[key] = epochs[0]
    with controls:
        if len(epochs) > 1:
            epoch = st.select_slider("After epoch", epochs, key=key,
                                     help="The shipped generator's pictures of the same 20 noises after each epoch.")
        else:
            epoch = epochs[0]
            st.markdown(f"After epoch **{epoch}**, its only one.")
        run = training.get("epochs_run")
        facts = [f"{run} epoch{'' if run == 1 else 's'}" if run else "",
                 f"in {ui.duration(training['wall_time_s'])} on CPU" if "wall_time_s" in training else "",
                 f"({training['images_per_second']:,.0f} images a second)" if "images_per_second" in training
                 else ""]
        st.caption(" ".join(f for f in facts if f) + ". " + recipe_note(card))
    keep_in_url(link, {"epoch": str(epoch)})
    drawn = model.story["samples"][epochs.index(epoch)]
    with shown:
        labels = np.arange(len(drawn)) % model.num_classes if model.conditional else None
        st.markdown(f"The same {len(drawn)} noises after epoch {epoch} of {epochs[-1]}"
                    + (", each told the digit under it." if model.conditional else "."))
        pictures.show_digits(drawn, None if labels is None else [f"asked {name(model, c)}" for c in labels],
                             size=STORY_SIZE)
    if history:
        after = list(range(1, 1 + max(len(v) for v in history.values())))  # history[k][i]: after epoch i + 1
        chart(charts.story_chart(history, after, epoch), "gan_story", displayModeBar=False)
        st.caption("D(x) is the discriminator's mean probability that real digits are real, D(G(z)) that generated "
                   "ones are; at the dotted 0.5 it cannot tell them apart. Each network's loss rises when the other "
                   "gains on it.")
    if card.get("family") == "gan":
        rival = next((c for c in ui.shipped_cards() if c.get("family") == "dcgan" and "error" not in c), None)
        note = vanilla_note(card, rival)
        if note:
            st.markdown(note)


# ---------------------------------------------------------------- GAN against VAE

def compared_model(model_id: str):
    """A model for the comparison, or None and why: one missing model leaves a note in its place, not an empty page
    (ui.load_model would stop the page)."""
    cards = {card["id"]: card for card in ui.shipped_cards()}
    if model_id not in cards:
        return None, f"Not shipped: `{registry.rebuild_command(model_id)}` builds it."
    if "error" in cards[model_id]:
        return None, cards[model_id]["error"]
    return ui.try_load_model(model_id)


def solid_share(images: np.ndarray) -> float:
    """Of the pixels with ink, the share that is solid ink: a blurred stroke fades through grey at its edges."""
    inked = images > INK
    return float((images[inked] >= SOLID).mean()) if inked.any() else 0.0


@st.fragment
def gan_against_vae() -> None:
    """The same number of samples from the DCGAN and the two VAEs, with each card's Fréchet distance."""
    st.subheader("GAN against VAE", anchor=False)
    with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
        count = st.segmented_control("Samples each", COMPARE_COUNTS, default=16, required=True, key="gan_vs_count",
                                     width="content")
        seed = int(st.number_input("Seed", 0, ui.MAX_SEED, 0, key="gan_vs_seed", width=ui.CONTROLS_WIDTH))
    compared = side_by_side(seed, count, COMPARE_WIDTH)
    note = sharper_note(compared)
    if note:
        st.markdown(note)
    counts = {m: c.frechet_n for m, c in compared.items()}
    if len(set(counts.values())) > 1:
        st.caption("These Fréchet distances were measured with different numbers of samples ("
                   + ", ".join(f"{compared[m].title}: {f'{n:,}' if n else 'not recorded'}" for m, n in counts.items())
                   + "): fewer samples give a larger distance, so compare them with care until every card is "
                     "re-measured with `python -m core.evaluate all`.")


class Compared(NamedTuple):
    """What one model of the comparison showed: the note under the samples draws on it."""
    title: str
    solid: float               # solid_share of the samples shown
    encoder: bool
    frechet_n: int | None      # the samples the card's Fréchet distance was measured with


def side_by_side(seed: int, count: int, width: int, compact: bool = False) -> dict[str, Compared]:
    """COMPARED's samples of one seed, `width` pixels each, side by side, under each its card's Fréchet distances and
    its share of solid ink, and (not `compact`: the tour's note says it) whether it has an encoder; a model that
    cannot load leaves its message in its place. Shared with the tour."""
    compared = {}
    with st.container(horizontal=True, gap="medium"):
        for model_id in COMPARED:
            with st.container(width=width):
                model, why = compared_model(model_id)
                if model is None:
                    st.markdown(f"**{model_id}**")
                    st.caption(why)
                    continue
                images = samples(model, model.id, seed, count, 1.0, None)
                metrics = model.card.get("metrics", {})
                shown = compared[model_id] = Compared(model.card.get("title", model_id), solid_share(images),
                                                      model.has_encoder, metrics.get("frechet_distance_samples_n"))
                st.markdown(f"**{shown.title}**")
                pictures.show_mosaic(mosaic(images, side(count), side(count)), width)
                figures = [("Solid ink", f"{shown.solid:.0%}",
                            "Of the inked pixels shown here (over 10% intensity), the share at nearly full ink (over "
                            "90%): a blurred stroke fades through grey.")]
                if "frechet_distance_samples" in metrics:
                    figures.insert(0, frechet_figure(metrics))
                ui.metrics_row(figures)
                if not compact:
                    st.caption("Encoder: " + ("yes, so it has a scatter and reconstructions." if model.has_encoder
                                              else "none, so no scatter and no reconstruction."))
    return compared


def sharper_note(compared: dict[str, Compared]) -> str | None:
    """Why the GAN's digits are sharper (when, with these samples, they are) and what it lacks; None without both a
    GAN and a VAE to compare."""
    gan = next((m for m, c in compared.items() if not c.encoder), None)
    vaes = [m for m, c in compared.items() if c.encoder]
    if not (gan and vaes):
        return None
    sharper = all(compared[gan].solid > compared[v].solid for v in vaes)
    return (f"A GAN is trained to fool a discriminator, not to match pixels on average, so nothing pulls its digits "
            f"towards a blurred mean: here {compared[gan].solid:.0%} of the {compared[gan].title}'s inked pixels are "
            "solid ink, against " + " and ".join(f"{compared[v].solid:.0%} of the {compared[v].title}'s" for v in vaes)
            + (" (sharper)." if sharper else " (not sharper, with these samples).")
            + " But it has **no encoder**: nothing maps a digit back to a point, so it has no Latent scatter and no "
              "reconstructions, and its latent codes carry no meaning until you explore them.")
