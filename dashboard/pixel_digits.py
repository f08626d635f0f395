"""Pixel by pixel, part 2: the PixelCNN on digits. Samples drawn in raster order (replayed pixel by pixel in the
browser, pixel_draw.py), completions of a held-out or the user's own digit with the judge's reading of each, and
how surprised the model is by each pixel of that digit, its -log p(x) beside the VAEs' bounds on the same digit."""
from __future__ import annotations

import numpy as np
import streamlit as st

import ahead
import digit_input
import exports
import faces
import pictures
import pixel_charts
import pixel_draw
import pixels
import ui
from core.data import CorruptDataFile, DatasetNotFound

MODEL = "mnist-pixelcnn"
RIVALS = ("mnist-vae-2d", "mnist-vae-16d", "mnist-cvae")
SAMPLES, COMPLETIONS = 16, 8
HELDOUT, OWN = "A held-out digit", "Your own digit"


@st.cache_data(show_spinner="Drawing pixel by pixel…", max_entries=16)
def _draw(_model, model: str, n: int, seed: int, temperature: float, given: bytes | None = None,
          known_rows: int = 0):
    image = None if given is None else np.frombuffer(given, np.float32).reshape(1, *_model.image_shape[:2])
    return _model.draw(n, seed, temperature, image, known_rows)


@st.cache_resource(show_spinner=False)
def _drawn_ahead() -> ahead.Ahead:
    """The next seed's samples, drawn while the page is read (ahead.py): one store a process."""
    return ahead.Ahead()


def _samples(model, seed: int, temperature: float):
    """The samples of this seed: drawn ahead if the last seed's page asked for them, else drawn now; then the next
    seed's are started, as "+" is the seed's likeliest press."""
    store, key = _drawn_ahead(), (faces.ident(model), seed, temperature)
    drawing = store.get(key)
    if drawing is None:
        drawing = _draw(model, model.id, SAMPLES, seed, temperature)
    if seed < ui.MAX_SEED:
        store.start((faces.ident(model), seed + 1, temperature), model.draw, SAMPLES, seed + 1, temperature)
    return drawing


@st.cache_data(show_spinner=False, max_entries=16)
def _bounds(_models: tuple, models: tuple, digit: bytes, label: int) -> dict:
    """Each VAE's -ELBO and IWAE bound on this binary digit (the cVAE told `label`), nats."""
    from core.evaluators.likelihood import likelihood_bounds
    x = np.frombuffer(digit, np.float32).reshape(1, 28, 28, 1)
    return {m.id: likelihood_bounds(m, x, [label] if m.conditional else None) for m in _models}


def samples_section(model) -> None:
    st.header("A PixelCNN on digits", anchor="pixelcnn")
    st.caption("No latent space: each pixel's probability of ink is predicted from every pixel above it and to its "
               "left (masked convolutions), and a digit is drawn one pixel at a time, in reading order, each pixel "
               "from that probability. The replay shows it: grey is not drawn yet, the coloured pixel is being "
               "drawn (blue: ink unlikely, red: likely).")
    with st.container(horizontal=True, gap="medium"):
        seed = st.number_input("Seed", 0, ui.MAX_SEED, key=pixels.widget("px_seed"), width=180)
        temperature = st.slider("Temperature", *pixels.TEMPERATURE[:2], step=pixels.TEMPERATURE[2],
                                key=pixels.widget("px_temperature"), width=320,
                                help="Divides each pixel's logit: below 1 the likelier choice is taken more often "
                                     "(cleaner, more alike), above 1 less (noisier).")
    drawing = _samples(model, int(seed), float(temperature))
    pixel_draw.replay(drawing.images, drawing.probabilities, key="px_draw")


def _digit(model) -> tuple[np.ndarray | None, int | None, str]:
    """The digit to complete (28, 28) and its true label when known, with where it came from."""
    source = st.segmented_control("Digit to complete", [HELDOUT, OWN], default=HELDOUT, required=True,
                                  key="px_source")
    if source == OWN:
        return digit_input.user_digit("px_user"), None, "your digit"
    try:
        images, labels = ui.heldout_split(model.card["dataset"]["name"])
    except (DatasetNotFound, CorruptDataFile) as e:
        st.info(f"Held-out digits need the MNIST data set, which cannot be read here ({type(e).__name__}). "
                f"{ui.how_to_provide('mnist')} Or complete your own digit.")
        return None, None, ""
    index = st.number_input("Held-out digit", 0, len(images) - 1, key=pixels.widget("px_index"), width=180,
                            help=f"One of the {len(images):,} held-out digits, by its place in the split.")
    return images[int(index)], int(labels[int(index)]), f"held-out digit {int(index)}"


def completion_section(model, judge) -> None:
    st.header("Completion and surprise", anchor="completion")
    digit, label, name = _digit(model)
    if digit is None:
        return
    x = model.binarise(digit[None])
    with st.container(horizontal=True, gap="medium"):
        rows = st.slider("Rows kept", *pixels.ROWS, key=pixels.widget("px_rows"), width=320,
                         help="The digit's top rows are kept; the model draws the rest.")
        seed = st.number_input("Completion seed", 0, ui.MAX_SEED, key=pixels.widget("px_complete_seed"), width=180)
    drawing = _draw(model, model.id, COMPLETIONS, int(seed), 1.0, x.tobytes(), int(rows))
    read, confidence = judge.read(drawing.images)
    kept = x[0].copy()
    kept[rows:] = 0.5
    st.caption(f"The top {rows} rows of {name} (binarised at 0.5), then {COMPLETIONS} completions, each read by "
               "the judge" + (f"; the true digit is {label}." if label is not None else "."))
    pictures.show_digits([kept, *drawing.images], ["given", *[ui.reading(model, judge, r, c, label)
                                                             for r, c in zip(read, confidence)]], size=72)
    pixel_draw.replay(drawing.images, drawing.probabilities, key="px_complete_draw", given_rows=int(rows))
    _surprise(model, judge, x, label)


def _surprise(model, judge, x: np.ndarray, label: int | None) -> None:
    st.subheader("How surprised the model is, pixel by pixel", anchor=False)
    surprise = model.surprise(x)[0]
    if label is None:
        label = int(judge.predict_labels(x)[0])
        told = f"the cVAE is told {label}, the judge's reading"
    else:
        told = f"the cVAE is told the true label, {label}"
    shown = []
    loaded = [m for m in (ui.try_load_model(rival)[0] for rival in RIVALS) if m is not None]  # those that load
    bounds = _bounds(tuple(loaded), tuple(m.id for m in loaded), x[..., None].tobytes(), label)
    for m in loaded:
        shown.append((f"{m.id} IWAE", f"{bounds[m.id]['neg_log_likelihood_iwae_nats']:.1f} nats",
                      f"An upper bound on -log p(x) from 128 importance samples of {m.id}'s encoder"
                      + (f" ({told})" if m.conditional else "") + f"; -ELBO {bounds[m.id]['neg_elbo_nats']:.1f}."))
    left, right = st.columns([1, 1])
    with left:
        exports.chart(pixel_charts.surprise_map(surprise), key="px_surprise")
    with right:
        ui.metrics_row([("PixelCNN -log p(x)", f"{surprise.sum():.1f} nats",
                         "Exact: the sum of the map's 784 values."), *shown])
        st.caption("The same binary digit under every model. The VAEs were trained on grey levels (each epoch a "
                   "fresh binary sample of every digit), the PixelCNN on digits binarised at 0.5. Dark red pixels "
                   "are the ones the model did not expect: usually where a stroke starts or ends.")
