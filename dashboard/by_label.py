"""The Digits by label page's parts (pages/3_Digits_by_label.py lays them out), some shown by the tour too:
cached decodes and judge readings of a conditional model, the held-out digit whose style every label renders
surest, one style written as all ten digits, the page's URL state (?digit=7&seed=12: the samples; ?style=42: the
held-out digit whose style is transferred; ?look=2&style_z=3:0.5,7:-1.2: the style sliders' digit and values;
?mix=8,3,0.5,0: label mixing's from, to, t and style seed), which the tour's link writes too, and the page's
sections, each a fragment.
"""
import hashlib
from functools import partial

import numpy as np
import streamlit as st

import digit_input
import faces
import links
import live_slider
import pictures
import ui
from core.images import tile, to_uint8

HELDOUT, OWN = "A held-out digit", "Your own digit"  # where style transfer takes its style from
SAMPLE_DIGIT, SAMPLE_SEED, SOURCE = "sample_digit", "sample_seed", "transfer_source"  # the page's widgets
STYLE_DIGIT = "style_digit"
PARAMETERS = ("digit", "seed", "style", "look", "style_z", "mix")
MIX_KEYS = ("mix_from", "mix_to", "mix_weight", "mix_seed")  # label mixing's widgets, in the order ?mix= lists them
STYLE_SLIDERS = 4   # the latent dimensions the encoder uses most
MIX_STEPS = 11      # strip from one label to the other, in steps of 0.1
STYLE_DIGIT_SIZE = 196  # the one digit the style sliders move
STYLE_PICTURE, MIX_PICTURE = "style_digit", "mix_digit"  # names for the live sliders that draw over them
STYLE_GRID_PIXELS = 520  # the style-by-digit grid on screen: ten digits across at almost twice their size
SHOWN_WIDTH = 520  # what a section's controls drive: beside them at 1280 px, below them in a narrower window
TRANSFER_WIDTH = 460  # beside the wider controls that hold the drawing canvas


def style_key(model) -> str:
    """The held-out digit whose style is transferred: one a model (the held-out sets differ)."""
    return ui.model_key(model, "heldout_index")


def style_dims(spread: np.ndarray) -> list[int]:
    """The latent dimensions the style sliders move: the STYLE_SLIDERS the encoder spreads held-out digits most along."""
    return sorted(np.argsort(-spread)[:STYLE_SLIDERS].tolist())


def style_slider_key(model, k: int) -> str:
    return ui.model_key(model, f"style_z{k + 1}")


def style_values(model, dims: list[int], value: str) -> dict[str, float]:
    """?style_z=3:0.5,7:-1.2 (dimensions named as on the sliders, z3 is 3) as the sliders' session keys and values."""
    pairs, values = value.split(","), {}
    if len(pairs) > len(dims):
        raise ValueError(f"at most {len(dims)} pairs of a dimension and a value")
    for pair in pairs:
        number, _, amount = pair.partition(":")
        k = links.whole_number(number, 1, model.latent_dim) - 1
        if k not in dims:
            raise ValueError("a dimension the style sliders move: " + ", ".join(str(d + 1) for d in dims))
        values[style_slider_key(model, k)] = links.snapped(amount, -3.0, 3.0, 0.1)
    return values


def mix_values(model, value: str) -> dict[str, float | int]:
    """?mix=8,3,0.5,0 (from, to, t, style seed) as label mixing's widget values."""
    parts = value.split(",")
    if len(parts) != len(MIX_KEYS):
        raise ValueError("from, to, t and style seed, separated by commas")
    last = model.num_classes - 1
    return dict(zip(MIX_KEYS, (links.whole_number(parts[0], 0, last), links.whole_number(parts[1], 0, last),
                               links.snapped(parts[2], 0.0, 1.0, 0.05), links.whole_number(parts[3], 0, ui.MAX_SEED))))


def apply_parameter(model, spread: np.ndarray, name: str, value: str) -> None:
    """One parameter of a new link (or an edited URL) put into the widgets' state, or a ValueError saying why not."""
    state = st.session_state
    if name == "digit":
        state[SAMPLE_DIGIT] = links.whole_number(value, 0, model.num_classes - 1)
    elif name == "seed":
        state[SAMPLE_SEED] = links.whole_number(value, 0, ui.MAX_SEED)
    elif name == "style":
        state[style_key(model)] = links.whole_number(value, 0, len(model.heldout["labels"]) - 1)
        state[SOURCE] = HELDOUT
    elif name == "look":
        state[STYLE_DIGIT] = links.whole_number(value, 0, model.num_classes - 1)
    elif name == "style_z":
        dims = style_dims(spread)
        values = style_values(model, dims, value)
        state.update({style_slider_key(model, k): 0.0 for k in dims} | values)  # the ones a link leaves out at 0
    elif name == "mix":
        state.update(mix_values(model, value))
    else:
        raise ValueError("not a setting of this page")


def keep_in_url(values: dict[str, str | None]) -> None:
    """A section's settings into the URL now (a fragment's rerun too), None taking one out; remembered as our own
    echo. Parameters that are no setting of this page leave the URL."""
    links.tidy(PARAMETERS)
    links.write(links.ECHO["label"], values)


@st.cache_data(show_spinner=False, max_entries=256)
def decoded(_model, model: str, z: np.ndarray, labels) -> np.ndarray:
    """Cached decodes: a full-page rerun (a page load, the test harness) redoes only the sections that changed."""
    return _model.decode(z, labels)


@st.cache_data(show_spinner=False, max_entries=256)
def judged(_judge, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cached judge readings and their probabilities, for the same reason: the judge's CNN is the costliest
    step of a rerun."""
    return _judge.read(images)


@st.cache_data(show_spinner="Finding a digit whose style every label renders…", max_entries=8)
def clearest_style(_model, _judge, model: str) -> int:
    """The held-out digit style transfer opens on: measured, the one whose ten renderings the judge reads surest."""
    from core.judges import clearest_style as measure
    return measure(_model, _judge, _model.heldout["means"], _model.heldout["labels"])


def all_ten(model, judge, style: np.ndarray, size: int) -> None:
    """One style code decoded as each of the ten digits, in a row, each captioned with what the judge reads in it
    (flagged ✗ when that is not the digit asked for); without a judge (the user's own pictures), with its label."""
    labels = np.arange(model.num_classes)
    digits = decoded(model, faces.ident(model), np.repeat(style[None], len(labels), axis=0), labels)
    pictures.show_digits(digits, readings(model, judge, digits, labels), size=size, one_row=True)


def readings(model, judge, digits: np.ndarray, labels) -> list[str]:
    """Under each picture drawn as a label: what the judge reads (✗ when not that label), or without a judge (the
    user's own pictures) the label asked for."""
    labels = np.broadcast_to(labels, len(digits))
    if judge is None:
        return [f"as {name(model, c)}" for c in labels]
    read, confidence = judged(judge, digits)
    return [ui.reading(model, judge, r, p, c) for c, r, p in zip(labels, read, confidence)]


def name(model, label: int) -> str:
    return ui.class_name(model, int(label))


def digit_choice(model, label: str, key: str, default: int) -> int:
    return st.segmented_control(label, range(model.num_classes), required=True, key=links.remembered(key, default),
                                wrap=True, format_func=lambda c: name(model, c))


def judge_rule(judge) -> str:
    """The confidence rule behind every caption, with what it means on real digits (from the judge's card)."""
    metrics = judge.card.get("metrics", {})
    if metrics.get("heldout_accuracy_confident") is None:  # not measured, or no reading reached the threshold
        return "The judge's card holds no confidence threshold yet (`python -m core.evaluate mnist-judge`)."
    return (f"The judge names a digit only when it is at least {judge.confidence_threshold:.1%} sure: on real "
            f"held-out digits that holds for {metrics['heldout_share_confident']:.1%} of them, and those readings "
            f"are right {metrics['heldout_accuracy_confident']:.2%} of the time. Otherwise the caption says "
            "\"unsure\" with its best guess.")


def floors() -> str | None:
    """Real training digits against the held-out digits, each digit judge's Fréchet distance, in name order."""
    shown = [ui.frechet_text(c["metrics"]["frechet_distance_real_train_vs_heldout"])
             for c in sorted(ui.shipped_cards("judge"), key=lambda c: c["id"])
             if c.get("dataset", {}).get("name") == "mnist"
             and "frechet_distance_real_train_vs_heldout" in c.get("metrics", {})]
    return " · ".join(shown) or None


def quality_figures(model) -> None:
    """How well the model obeys its label, from its card, beside Fréchet distances that put its samples in context."""
    metrics = model.card.get("metrics", {})
    if not ui.of_digits(model):
        mse = metrics.get("reconstruction_mse")
        st.caption("A model of your own pictures: no judge reads them, so how well it obeys the label is not measured"
                   + (f"; it redraws its held-out pictures with a mean squared error of {mse:.4f} a pixel." if mse
                      is not None else "."))
        return
    if "label_accuracy_prior_samples" not in metrics:
        st.caption(f"Not evaluated yet: `python -m core.evaluate {model.id}` measures how well it obeys the label.")
        return
    unconditional = [c for c in ui.shipped_cards() if not c.get("conditional") and ui.serves(ui.PAGES["grid"], c)
                     and c.get("dataset", {}).get("name", "mnist") == "mnist"  # the grid also serves faces
                     and c["files"].get("encoder")  # an autoencoder family, like this one: GANs have their page
                     and "frechet_distance_samples" in c.get("metrics", {})]  # digit models: the same judge
    rival = min(unconditional, key=lambda c: c["metrics"]["frechet_distance_samples"], default={})
    judge = next((c for c in ui.shipped_cards("judge") if c.get("dataset", {}).get("name") == "mnist"), {})
    n = metrics.get("frechet_distance_samples_n", 2000)  # cards measured before the 5,000-sample protocol: 2,000
    floor_n = judge.get("metrics", {}).get("frechet_floor_samples", 2000)
    figures = [  # (label, value or None when not measured, format, what it means)
        ("Label accuracy of samples", metrics.get("label_accuracy_prior_samples"), "{:.1%}",
         "Prior samples decoded with each label; how often the judge reads the label asked for."),
        ("Style-transfer accuracy", metrics.get("style_transfer_label_accuracy"), "{:.1%}",
         "Every held-out digit's style decoded as each of the ten digits; how often the judge reads the label "
         "asked for."),
        ("Fréchet, each judge", ui.each_judge(metrics), "{}",
         f"Between {n:,} samples ({n // 10:,} of each digit) and the held-out digits, in the features of each judge "
         "(mnist-judge's, then mnist-judge-b's, a classifier built differently). Lower is better."),
        (f"Fréchet, {rival.get('title', rival.get('id'))}", ui.each_judge(rival.get("metrics", {})), "{}",
         "The shipped model not told the label with the lowest first-judge distance, measured the same way."),
        ("Fréchet, real digits (floor)", floors(), "{}",
         f"{floor_n:,} real training digits against the held-out digits, in each judge's features: what a perfect "
         "generator would score with this many samples."),
    ]
    ui.metrics_row((label, fmt.format(value), meaning) for label, value, fmt, meaning in figures if value is not None)
    per_class = metrics.get("label_accuracy_prior_samples_per_class", {})
    if per_class:
        st.caption("Label accuracy of samples, digit by digit: "
                   + " · ".join(f"**{name(model, int(c))}** {acc:.1%}" for c, acc in per_class.items()))


@st.fragment
def samples(model, judge) -> None:
    """Prior samples decoded as one chosen digit: the same label, many styles."""
    st.subheader("Samples of one digit", anchor=False)
    controls, shown = ui.beside(SHOWN_WIDTH)
    with controls:
        label = digit_choice(model, "Digit", SAMPLE_DIGIT, default=0)
        count = st.slider("How many", 8, 64, 24, step=8, key="sample_count")
        st.session_state.setdefault(SAMPLE_SEED, 0)
        seed = st.number_input("Seed", 0, ui.MAX_SEED, key=SAMPLE_SEED,
                               help="Each seed draws other styles from the prior; the same seed gives the same ones.")
    keep_in_url({"digit": str(label), "seed": str(int(seed))})
    digits = decoded(model, faces.ident(model), model.sample_latents(count, seed=int(seed)), label)
    if judge is None:
        with shown:
            pictures.show_digits(digits, None, size=64)
        return
    read, confidence = judged(judge, digits)
    sure = confidence >= judge.confidence_threshold
    with shown:
        unsure = f", and is unsure of {int((~sure).sum())}" if (~sure).any() else ""
        st.markdown(f"The judge surely reads **{int((sure & (read == label)).sum())} of {count}** as "
                    f"{name(model, label)}{unsure}.")
        pictures.show_digits(digits, [ui.reading(model, judge, r, c, label) for r, c in zip(read, confidence)], size=64)


@st.fragment
def style_sliders(model, judge, spread: np.ndarray) -> None:
    """One digit whose style the user moves, dimension by dimension, while its label stays put. The sliders are live
    (dashboard/live_slider.py): the digit follows a dragged thumb from frames decoded along its range."""
    st.subheader("Style sliders", anchor=False)
    dims = style_dims(spread)
    st.caption(f"The label stays fixed while each slider moves one of the {len(dims)} latent dimensions the encoder "
               "uses most, in standard deviations of the prior; the others stay at 0, the prior's centre.")
    controls, shown = ui.beside(STYLE_DIGIT_SIZE, controls_width=2 * ui.CONTROLS_WIDTH)
    keys = {k: style_slider_key(model, k) for k in dims}
    z = np.zeros(model.latent_dim, np.float32)
    for k in dims:  # every slider's value first: each one's frames hold the others where they are
        z[k] = st.session_state.get(keys[k], 0.0)
    with controls:
        label = digit_choice(model, "Digit", STYLE_DIGIT, default=2 % model.num_classes)
        for column, k in zip(st.columns(2) * len(dims), dims):
            with column:
                z[k] = live_slider.live_slider(
                    ui.latent_name(k), -3.0, 3.0, key=keys[k], value=0.0, step=0.1, picture=STYLE_PICTURE,
                    frames=partial(style_frames, model, z.copy(), k, label),
                    depends_on=(faces.ident(model), label, k, np.delete(z, k)),
                    help=f"Spread of the held-out digits' codes along it: {spread[k]:.2f}.")
    keep_in_url({"look": str(label), "style_z": ",".join(f"{k + 1}:{z[k]:g}" for k in dims if z[k]) or None})
    digit = decoded(model, faces.ident(model), z, label)
    with shown:
        caption = name(model, label) + ("" if judge is None else f" · judge {readings(model, judge, digit, label)[0]}")
        pictures.show_digits(digit, [caption], size=STYLE_DIGIT_SIZE, live=live_slider.mark(STYLE_PICTURE))


def style_frames(model, z: np.ndarray, k: int, label: int, values: np.ndarray) -> np.ndarray:
    """The style digit with dimension k at each of `values` and the rest of z as it is: one batched decode."""
    codes = np.repeat(z[None], len(values), axis=0)
    codes[:, k] = values
    return model.decode(codes, label)


def blend(num_classes: int, a: int, b: int, t) -> np.ndarray:
    """Label weight vectors (1 − t)·onehot(a) + t·onehot(b), one row per t."""
    eye = np.eye(num_classes, dtype=np.float32)
    t = np.atleast_1d(np.asarray(t, np.float32))[:, None]
    return (1 - t) * eye[a] + t * eye[b]


@st.fragment
def label_mixing(model, judge) -> None:
    """One style decoded with a blend of two labels, and the strip from the first digit to the second."""
    st.subheader("Label mixing", anchor=False)
    st.caption("The decoder is given a mix of two labels instead of one: (1 − t) of the first digit and t of the "
               "second, always in the same style.")
    controls, shown = ui.beside(SHOWN_WIDTH)
    with controls:
        first, second = st.columns(2)
        a = first.selectbox("From", range(model.num_classes), key=links.remembered("mix_from", 8 % model.num_classes),
                            format_func=lambda c: name(model, c))
        b = second.selectbox("To", range(model.num_classes), key=links.remembered("mix_to", 3 % model.num_classes),
                             format_func=lambda c: name(model, c))
        style_seed = int(st.session_state.get("mix_seed", 0))  # the box's value, drawn under the slider
        t = live_slider.live_slider("Mix weight t", 0.0, 1.0, key="mix_weight", value=0.5, step=0.05,
                                    picture=MIX_PICTURE, frames=partial(mix_frames, model, a, b, style_seed),
                                    depends_on=(faces.ident(model), a, b, style_seed))
        seed = st.number_input("Style seed", 0, ui.MAX_SEED, key=links.remembered("mix_seed", 0),
                               help="Which style, drawn from the prior.")
    keep_in_url({"mix": f"{a},{b},{t:g},{int(seed)}"})
    steps = np.linspace(0.0, 1.0, MIX_STEPS)
    style = model.sample_latents(1, seed=int(seed))
    digits = decoded(model, faces.ident(model), np.repeat(style, MIX_STEPS + 1, axis=0),
                     blend(model.num_classes, a, b, np.append(steps, t)))
    strip, reading = [f"{s:.1f}" for s in steps], ""
    if judge is not None:
        read, confidence = judged(judge, digits)
        strip = [f"{s} · {name(model, r)}{'' if p >= judge.confidence_threshold else '?'}"
                 for s, r, p in zip(strip, read, confidence)]
        reading = f", {ui.reading(model, judge, read[-1], confidence[-1])}"
    with shown:
        st.markdown(f"From {name(model, a)} (t = 0) to {name(model, b)} (t = 1)"
                    + (", and what the judge reads in each (? where it is unsure):" if judge else ":"))
        pictures.show_digits(digits[:-1], strip, size=56, one_row=True)
        pictures.show_digits(digits[-1:], [f"t = {t:.2f}: {1 - t:.0%} {name(model, a)} + {t:.0%} {name(model, b)}"
                                           f"{reading}"], size=168, live=live_slider.mark(MIX_PICTURE))


def mix_frames(model, a: int, b: int, seed: int, t: np.ndarray) -> np.ndarray:
    """One seed's style decoded with each blend of the two labels in `t`, in one batch: the mix weight's frames."""
    return model.decode(np.repeat(model.sample_latents(1, seed=seed), len(t), axis=0), blend(model.num_classes, a, b, t))


def heldout_style(model, judge, codes: dict) -> tuple[np.ndarray, np.ndarray, str, str]:
    """A held-out digit picked by number: its picture, its style code (its shipped latent mean), caption and note."""
    labels = codes["labels"]
    clearest = 0 if judge is None else clearest_style(model, judge, faces.ident(model))
    st.session_state.setdefault(style_key(model), clearest)  # or a link's digit
    index = int(st.number_input("Held-out digit #", 0, len(labels) - 1, key=style_key(model),
                                help="One of the digits the model never saw in training." + (
                                    "" if judge is None else f" It opens on #{clearest}: of 100 held-out digits, the "
                                    "one whose style the judge reads most surely as every label.")))
    label, style = int(labels[index]), codes["means"][index]
    originals, missing = ui.heldout_originals(model)
    if originals is None:
        note = (f"{missing} Without them, the style comes from the shipped `latents.npz`: the code the encoder gave "
                f"held-out digit #{index} when told its true label ({name(model, label)}). The picture of it is the "
                "model's own redrawing.")
        return (decoded(model, faces.ident(model), style, label)[0], style, f"#{index}, a {name(model, label)}, redrawn",
                note)
    note = (f"The style is held-out digit #{index}'s shipped latent mean: the code the encoder gives it when told its "
            f"true label ({name(model, label)}).")
    return originals[index], style, f"#{index}, a {name(model, label)}", note


def own_style(model, judge) -> tuple[np.ndarray, np.ndarray, str, str] | None:
    """An uploaded or drawn digit: the judge guesses its label, the user may correct it, the encoder takes its style."""
    digit = digit_input.user_digit("transfer")
    if digit is None:
        return None
    read, confidence = judged(judge, digit[None])
    guess = int(read[0])
    fingerprint = hashlib.sha1(digit.tobytes()).hexdigest()
    label_key = ui.model_key(model, "transfer_label")
    if st.session_state.get(f"{label_key}_seen") != fingerprint:  # a new digit starts from the judge's guess
        st.session_state[f"{label_key}_seen"] = fingerprint
        st.session_state[label_key] = guess
    label = st.selectbox("Its label", range(model.num_classes), key=label_key, persist_state="session",
                         format_func=lambda c: name(model, c),
                         help=f"The judge's best guess is {name(model, guess)} ({confidence[0]:.0%}); correct it if "
                              "that is wrong. The encoder needs the true label to tell the digit's style from its "
                              "identity.")
    return (digit, model.encode(digit[None], [label])[0],
            f"yours, judge {ui.reading(model, judge, guess, confidence[0])}",
            f"Your digit, normalised the way MNIST's were (20-pixel box, centred by mass), encoded as a "
            f"{name(model, label)}.")


@st.fragment
def style_transfer(model, judge, codes: dict) -> None:
    """One digit's style, taken by the encoder told its label, decoded as each of the ten digits."""
    st.subheader("Style transfer", anchor=False)
    st.caption("Told a digit's label, the encoder keeps only its style; decoding that style with every label "
               "writes all ten digits in the same hand.")
    controls, shown = ui.beside(TRANSFER_WIDTH, controls_width=digit_input.CANVAS_SIDE + 20)  # room for the drawing canvas
    with controls:
        source = st.radio("Style from", [HELDOUT, OWN] if judge else [HELDOUT], horizontal=True, key=SOURCE)
        picked = heldout_style(model, judge, codes) if source == HELDOUT else own_style(model, judge)
        keep_in_url({"style": str(st.session_state[style_key(model)]) if source == HELDOUT
                              else None})  # your own digit is not part of a link
        if picked is None:
            return
        image, style, caption, note = picked
        pictures.show_digits([image], [caption], size=112)
    with shown:
        st.markdown("Its style, decoded as each of the ten digits:")
        all_ten(model, judge, style, size=56)
        st.caption(note)


def style_grid_caption(model, values: np.ndarray, dim: int) -> str:
    """What the columns and rows of the style-by-digit grid are, end to end."""
    labels = [name(model, c) for c in range(model.num_classes)]
    return (f"Left to right: the label given to the decoder, **{labels[0]}** to **{labels[-1]}**. Top to bottom: "
            f"**{ui.latent_name(dim)}** from {values[0]:+.2f} to {values[-1]:+.2f}, in {len(values)} even steps; "
            "the other dimensions stay at 0.")


@st.fragment
def style_by_digit(model, spread: np.ndarray) -> None:
    """One style dimension swept down the rows, the ten labels across: style and identity, disentangled."""
    st.subheader("Style by digit", anchor=False)
    st.caption("Each row is one style, each column one label. If the model separates the two, a row keeps its "
               "slant and stroke across all ten digits.")
    controls, shown = ui.beside(STYLE_GRID_PIXELS)
    with controls:
        dim = st.selectbox("Dimension swept down the rows", range(model.latent_dim), index=int(np.argmax(spread)),
                           key=ui.model_key(model, "grid_dim"),
                           format_func=lambda k: f"{ui.latent_name(k)}  (spread {spread[k]:.2f})",
                           help="Spread is the standard deviation of the held-out digits' codes along it; near 0 "
                                "means the encoder ignores it. The other dimensions stay at 0.")
        rows = st.slider("Rows", 3, 15, 9, key="grid_rows")
        extent = st.slider("Range (± prior standard deviations)", 0.5, 4.0, 3.0, 0.25, key="grid_extent")
    values = np.linspace(-extent, extent, rows)
    z = np.zeros((rows, model.latent_dim), np.float32)
    z[:, dim] = values
    labels = np.arange(model.num_classes)
    digits = decoded(model, faces.ident(model), np.repeat(z, len(labels), axis=0), np.tile(labels, rows))
    with shown:  # a picture, not a chart: it changes with every slider step (see the Decoded grid page)
        pictures.show_mosaic(to_uint8(tile(digits, rows, len(labels))), STYLE_GRID_PIXELS)
        st.caption(style_grid_caption(model, values, dim))
