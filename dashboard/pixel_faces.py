"""Pixel by pixel, part 1: faces as independent pixels (no network), beside the face VAE for the same attributes.

The statistics come from core.pixel_aggregates: the shipped aggregates of five attributes, or, with the CelebA
data set present, any combination of the 40 computed live from the training faces. A combination of fewer than
MIN_FACES faces is never drawn: the page gives its count and says it is too few.
"""
from __future__ import annotations

import os

import numpy as np
import streamlit as st

import links
import pictures
import pixels
import ui
from core import pixel_aggregates as pa
from core import registry
from core.data import ENV_VAR, CorruptDataFile, DatasetNotFound

FACE_VAE = "celeba-vae"
YES, NO, EITHER = "yes", "no", "either"
SAMPLES, SIZE = 6, 112  # faces a row, and how wide each is drawn


@st.cache_resource(show_spinner="Reading the shipped face aggregates…")
def _shipped(root: str) -> pa.Shipped:
    return pa.Shipped.load()


@st.cache_resource(show_spinner="Reading the CelebA training faces (once per server)…", max_entries=1)
def _training_faces(data_folder: str | None):
    """The training faces at SIDE x SIDE and their attribute table, or None without the data set."""
    from core.data.celeba import load_celeba
    try:
        faces = load_celeba(download=False, split="train")
    except (DatasetNotFound, CorruptDataFile):
        return None
    return pa.shrink(faces.images), faces.attributes, list(faces.attribute_names)


def training_faces():
    return _training_faces(os.environ.get(ENV_VAR))


@st.cache_data(show_spinner=False, max_entries=64)
def _live(wanted: tuple, data_folder: str | None) -> pa.Aggregate:
    small, attributes, names = training_faces()
    return pa.aggregate(small[pa.matching(attributes, names, dict(wanted))])


@st.cache_data(show_spinner=False, max_entries=32)
def _samples(_agg: pa.Aggregate, wanted: tuple, live: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return pa.gaussian_samples(_agg, SAMPLES, seed), pa.histogram_samples(_agg, SAMPLES, seed)


@st.cache_data(show_spinner=False, max_entries=32)
def _vae_faces(_model, model: str, wanted: tuple, seed: int) -> np.ndarray:
    return pa.attribute_faces(_model, dict(wanted), SAMPLES, seed)


def _choice(name: str) -> bool | None:
    key = links.remembered(f"px_attr_{name}", EITHER)
    value = st.segmented_control(name.replace("_", " "), [YES, NO, EITHER], required=True, key=key)
    return None if value == EITHER else value == YES


def apply_choices(value: str) -> None:
    """?faces=Male:yes,Eyeglasses:no into the pickers' state (the others either), or a ValueError saying why not:
    an attribute beyond the shipped five needs the data set."""
    live = training_faces()
    names = list(pa.ATTRIBUTES) if live is None else live[2]
    wanted = {}
    for part in value.split(","):
        name, _, choice = part.partition(":")
        if name not in names or choice not in (YES, NO):
            known = ("the 40 CelebA attributes" if live
                     else ", ".join(pa.ATTRIBUTES) + " (any of the 40 with the data set)")
            raise ValueError(f"attribute:yes or attribute:no, apart by commas, of {known}")
        wanted[name] = choice
    for name in names:
        st.session_state[f"px_attr_{name}"] = wanted.get(name, EITHER)
    st.session_state["px_more"] = [n for n in wanted if n not in pa.ATTRIBUTES]


def choices_text(wanted: dict) -> str:
    """The pickers' answers as ?faces= keeps them: Male:yes,Eyeglasses:no."""
    return ",".join(f"{name}:{YES if present else NO}" for name, present in wanted.items())


def pickers(names: list[str] | None) -> dict:
    """The attribute pickers: the shipped five first; with the data set (`names`), any of the others added."""
    wanted = {}
    with st.container(horizontal=True, gap="medium"):
        for name in pa.ATTRIBUTES:
            wanted[name] = _choice(name)
    if names is None:
        st.caption(f"Without the CelebA data set the page has the shipped aggregates of these {len(pa.ATTRIBUTES)} "
                   "attributes; with it, any of the 40. " + ui.how_to_provide("celeba"))
    else:
        more = st.multiselect("More attributes", [n for n in names if n not in pa.ATTRIBUTES],
                              key=links.remembered("px_more", []), placeholder="Any of the other CelebA attributes")
        if more:
            with st.container(horizontal=True, gap="medium"):
                for name in more:
                    wanted[name] = _choice(name)
    return {k: v for k, v in wanted.items() if v is not None}


def spread_picture(std: np.ndarray) -> np.ndarray:
    """Per-pixel spread as grey, the largest spread of the picture white."""
    grey = std.mean(-1)
    return grey / max(float(grey.max()), 1e-6)


def faces_section() -> str:
    """The faces part; returns the pickers' answers as the URL keeps them."""
    st.header("Pixels as probabilities", anchor="pixels-as-probabilities")
    st.caption("A model with no network at all: a face as 32 × 32 × 3 numbers, each drawn on its own from the "
               "matching training faces' values at that pixel. The mean face is sharp, but faces drawn pixel by "
               "pixel are noise: independent pixels cannot agree on where an eye or an edge is. The face VAE, a "
               "joint model, draws whole faces for the same attributes.")
    live = training_faces()
    wanted = pickers(None if live is None else live[2])
    key = tuple(sorted(wanted.items()))
    try:
        agg = _live(key, os.environ.get(ENV_VAR)) if live is not None else \
            _shipped(str(registry.pretrained_root())).lookup(wanted)
    except registry.PretrainedError as e:
        st.error(f"The face aggregates cannot be read. {e}")
        return choices_text(wanted)
    seed = st.number_input("Seed", 0, ui.MAX_SEED, key=pixels.widget("px_face_seed"), width=180,
                           help="Draws the same faces again for the same seed.")
    source = "the training faces" if live is not None else "the shipped aggregates"
    if not agg.shown:
        st.warning(f"{agg.count:,} faces: too few to show (a combination needs at least {pa.MIN_FACES}).")
    else:
        st.caption(f"**{agg.count:,} training faces** match ({source}).")
        pictures.show_digits([agg.mean, spread_picture(agg.std)],
                             ["mean face", f"spread (white: {agg.std.mean(-1).max() * 255:.0f} grey levels)"],
                             size=2 * SIZE, pixelated=False)
        gaussian, histogram = _samples(agg, key, live is not None, int(seed))
        st.markdown("**Each pixel from a Gaussian** (its mean and spread)")
        pictures.show_digits(gaussian, None, size=SIZE, pixelated=False)
        st.markdown("**Each pixel from its histogram** (16 bins a channel)")
        pictures.show_digits(histogram, None, size=SIZE, pixelated=False)
    _vae_row(key, int(seed))
    return choices_text(wanted)


def _vae_row(key: tuple, seed: int) -> None:
    st.markdown(f"**The face VAE ({FACE_VAE}), for the same attributes**")
    model, error = ui.try_load_model(FACE_VAE)
    if error:
        st.info(f"The face VAE cannot be loaded, so its faces are not shown. {error}")
        return
    try:
        faces = _vae_faces(model, model.id, key, seed)
    except (ValueError, KeyError) as e:
        st.info(f"The face VAE cannot draw these attributes: {e}")
        return
    pictures.show_digits(faces, None, size=SIZE, pixelated=False)
    st.caption("Codes drawn where its training faces lie, each moved across the attribute boundaries it ships "
               "(at least one spread onto the asked side of each), then decoded: every pixel depends on the others "
               "through the code.")
