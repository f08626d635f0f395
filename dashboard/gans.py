"""The GAN samples page's shared parts (pages/6_GAN_samples.py lays the page out): its URL state, the cached
samples and walks and the judge's readings of them, and the GAN against VAE that the tour shows too. Its other
sections are modules of their own: gan_samples.py (the sample grid and the truncation trade-off), gan_figures.py
(the measured figures), gan_walk.py (the latent walk) and gan_story.py (the training story).

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

import faces
import gan_figures
import links
import pictures
import ui
from core import registry
from core.images import tile, to_uint8
from core.latent import interpolate, interpolate_at

COUNTS = (16, 36, 64)              # square grids: 4, 6 and 8 a side (a conditional GAN: that many a digit)
PSIS = (0.25, 0.5, 0.75, 1.0, 1.25)  # the truncations core.evaluate measures: the slider stops on them
WALK_STEPS = (3, 24)
PATHS = {"linear": "Linear", "slerp": "Spherical (slerp)"}
EVERY = "all"                      # a conditional GAN's grid: one row per digit
DEFAULTS = {"seed": 0, "n": 36, "psi": 1.0, "digit": EVERY, "from": 1, "to": 2, "path": "slerp", "steps": 10,
            "walk_digit": 7, "walk_t": 0.5}
KEYS = {"seed": "gan_seed", "n": "gan_count", "psi": "gan_psi", "from": "gan_from", "to": "gan_to",
        "path": "gan_path", "steps": "gan_steps", "walk_t": "gan_walk_t"}
MODEL_KEYS = {"digit": "gan_digit", "walk_digit": "gan_walk_digit", "epoch": "gan_epoch"}  # one per model
GRID_LINE = 70                     # grey between the samples of a grid, so each reads as one picture
COMPARED = ("mnist-dcgan", "mnist-vae-2d", "mnist-vae-16d")  # GAN against VAE, side by side
COMPARE_WIDTH, COMPARE_COUNTS = 216, (9, 16, 25)  # two side by side in an 800 px window, three from 1280 px
INK, SOLID = 26, 229               # a pixel over 10% of full ink has ink; over 90%, it is solid ink


UNMEASURED = ("Not shown for a generator of your own pictures: the measured figures and the comparison with the "
              "VAEs, which need the digit judge to read the samples, and the training story, which training here "
              "records.")


def introduction(model, judge) -> str:
    """What the generator is, under the page's title: a shipped GAN, or the user's own generator (no judge)."""
    if judge is None:
        return (f"**{model.card.get('title', model.id)}** draws a picture from {model.latent_dim} random numbers, its "
                "noise z. It has no encoder: nothing maps a picture back to noise, so it has no Latent scatter and no "
                "reconstructions." + (" It is told which label to draw." if model.conditional else ""))
    return (f"**{model.card.get('title', model.id)}** draws a digit from {model.latent_dim} random numbers, its "
            "noise z, and was trained against a discriminator that learned to tell its digits from real ones. It has "
            "no encoder: nothing maps a digit back to noise, so it has no Latent scatter and no reconstructions. "
            + ("It is told which digit to draw. " if model.conditional else "")
            + "What the judge classifier reads in the samples is shown with them: "
            + ("under each picture, or that it is unsure (with its best guess)." if model.conditional
               else "counted digit by digit under the grid, and under each step of the walk."))


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
    elif name == "walk_t":
        state[KEYS["walk_t"]] = links.snapped(value, 0.0, 1.0, 0.01)
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


def story_epochs(model) -> list[int]:
    story = model.story or {}
    return [int(e) for e in story.get("epochs", [])] if "samples" in story else []


def new_seed() -> None:
    """"New samples": a random seed other than the one shown."""
    shown = st.session_state.get(KEYS["seed"], DEFAULTS["seed"])
    seed = secrets.randbelow(ui.MAX_SEED)
    st.session_state[KEYS["seed"]] = seed if seed != shown else ui.MAX_SEED


# ---------------------------------------------------------------- cached pictures

def codes(model, seed: int, count: int, psi: float, digit) -> tuple[np.ndarray, np.ndarray | int | None]:
    """The noises and labels a grid is drawn from (see samples)."""
    if not model.conditional:
        return model.sample_latents(count, seed=seed, truncation=psi), None
    if digit == EVERY:
        z = model.sample_latents(side(count), seed=seed, truncation=psi)
        return np.tile(z, (model.num_classes, 1)), np.repeat(np.arange(model.num_classes), len(z))
    return model.sample_latents(count, seed=seed, truncation=psi), int(digit)


@st.cache_data(show_spinner=False, max_entries=128)
def samples(_model, model: str, seed: int, count: int, psi: float, digit) -> np.ndarray:
    """uint8 samples. A conditional GAN with digit EVERY: sqrt(count) noises, each drawn as all ten digits, row by
    row (row c is digit c; a column keeps one noise); with a digit, `count` noises drawn as it."""
    return to_uint8(_model.decode(*codes(_model, seed, count, psi, digit)))


def truncation_frames(model, seed: int, count: int, digit, psis: np.ndarray) -> np.ndarray:
    """The sample grid at each truncation, in one batched decode, as the page shows it: one mosaic a frame, or (a
    conditional GAN, whose samples are shown one by one) every sample."""
    drawn = [codes(model, seed, count, float(psi), digit) for psi in psis]
    labels = drawn[0][1]
    z = np.concatenate([noise for noise, _ in drawn])
    images = to_uint8(model.decode(z, np.tile(labels, len(psis)) if isinstance(labels, np.ndarray) else labels))
    frames = images.reshape(len(psis), -1, *images.shape[1:])
    if model.conditional:
        return frames
    return np.stack([mosaic(frame, side(count), side(count)) for frame in frames])


def walk_ends(model, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    return model.sample_latents(1, seed=start)[0], model.sample_latents(1, seed=end)[0]


@st.cache_data(show_spinner=False, max_entries=128)
def walk(_model, model: str, start: int, end: int, path: str, steps: int, digit) -> tuple[np.ndarray, np.ndarray]:
    """The path's points from one seed's noise to another's, and their pictures (uint8)."""
    z = interpolate(*walk_ends(_model, start, end), steps, path)
    return z, to_uint8(_model.decode(z, None if digit is None else int(digit)))


def walk_at(model, start: int, end: int, path: str, digit, t: np.ndarray) -> np.ndarray:
    """The walk's pictures at parameters t (uint8), in one batch: the scrubber's frames and its exact picture."""
    z = interpolate_at(*walk_ends(model, start, end), t, path)
    return to_uint8(model.decode(z, None if digit is None else int(digit)))


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


def digit_control(model, label: str, key: str, default, every: bool):
    options = ([EVERY] if every else []) + list(range(model.num_classes))
    key = links.remembered(ui.model_key(model, key), default)
    if st.session_state[key] not in options:
        st.session_state[key] = default
    return st.selectbox(label, options, key=key,
                        format_func=lambda c: "Every digit, a row each" if c == EVERY else f"Only {name(model, c)}",
                        help="This GAN is told which digit to draw; its noise holds only the style.")


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
                images = samples(model, faces.ident(model), seed, count, 1.0, None)
                metrics = model.card.get("metrics", {})
                shown = compared[model_id] = Compared(model.card.get("title", model_id), solid_share(images),
                                                      model.has_encoder, metrics.get("frechet_distance_samples_n"))
                st.markdown(f"**{shown.title}**")
                pictures.show_mosaic(mosaic(images, side(count), side(count)), width)
                figures = [("Solid ink", f"{shown.solid:.0%}",
                            "Of the inked pixels shown here (over 10% intensity), the share at nearly full ink (over "
                            "90%): a blurred stroke fades through grey.")]
                if "frechet_distance_samples" in metrics:
                    figures.insert(0, gan_figures.frechet_figure(metrics))
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
