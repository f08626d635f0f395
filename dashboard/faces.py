"""What the face pages share (Face editing, the face VAE's scatter and grid, the tour's face step): start faces,
session keys, cached decodes and judge readings, samples, the held-out test faces and uploaded photos.

Edits are core.latent_model.LatentModel.measured_edit: each attribute's slider moves a face by the edit method that won
on validation faces, in units of its measured default (1: the edit whose figures the card reports), holding what that
edit held unless the user unticks it, and whatever else the user holds (core.measured_edits); readings are the face judge's (core.models.face_judge). Faces are drawn inline (pictures.show_digits,
smooth), never as st.image files, and decoded once per code (st.cache_data). Nothing here writes a face to disk.
The Face editing page's parts are face_link.py (its URL state), face_editor.py (the start face and the editor),
face_charts.py (charts and files) and face_card.py (the card's evidence and biases).
"""
from __future__ import annotations

import hashlib
import os
from functools import partial
from typing import NamedTuple

import numpy as np
import streamlit as st

import live_slider
import pictures
import ui
from core import registry
from core.data import ENV_VAR, CorruptDataFile, DatasetNotFound
from core.models.face_judge import FACE_JUDGE

RANDOM, TEST, PHOTO = "random", "test", "photo"
START_LABELS = {RANDOM: "Random face", TEST: "Held-out test face", PHOTO: "Your photo"}
SLIDERS = ("Smiling", "Eyeglasses", "Male", "Blond_Hair", "Mustache", "Young")  # the attributes with a slider at first
STRENGTH, STEP = (-3.0, 3.0), 0.05    # an edit slider's range, in units of the attribute's measured default edit
ZOOM, SHIFT = (1.0, 4.0), (-1.0, 1.0)  # the photo crop's sliders (core.data.uploads.face_crop_box)
STRIP_STEPS = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)  # units of the measured default edit
SAMPLES = 8           # faces in each row of the prior-against-trick comparison
FACE_SIZE = 256       # the edited face on screen
START_FACE_SIZE = 128  # the face(s) the edit starts from, beside it
STRIP_SIZE = 96
STRIP_WIDTH = 520  # px: ten faces of 52 px with their captions whole, the least the strip is shown at
SAMPLE_SIZE = 96
PREVIEW_SIDE = 256
EXPORT_SIDE = 256     # the edited face's PNG; the strip's faces are EXPORT_SIDE // 2 each
CHART_WIDTH = 560
# Session keys that hold no model's meaning (start faces are the same whatever model edits them).
START_KEY, SEED_KEY, TEST_KEY = "face_start", "face_seed", "face_test"
FILE_KEY, UPLOAD_KEY, REMOVE_KEY = "face_file", "face_upload", "face_remove"
UPLOADS_KEY, REFUSED_KEY = "face_uploads", "face_refused"  # uploads so far (the uploader's key); the last refused
ZOOM_KEY, DX_KEY, DY_KEY = "face_zoom", "face_dx", "face_dy"


class Start(NamedTuple):
    kind: str                     # RANDOM, TEST or PHOTO: what the editor starts from
    key: str                      # seed-3, test-12, photo-<digest>-<crop>: what cached pictures of it are keyed by
    z: np.ndarray                 # (latent_dim,): the start's code
    original: np.ndarray | None   # uint8 (64, 64, 3): the test face or the cropped photo; None for a generated one
    decoded: np.ndarray           # float (64, 64, 3): its reconstruction, or the generated face itself
    name: str                     # as captions say it


def pretty(name: str) -> str:
    """Blond_Hair -> Blond Hair: CelebA's names as labels (an underscore would turn markdown italic)."""
    return name.replace("_", " ")


def slider_key(model, name: str) -> str:
    return ui.model_key(model, f"face_s_{name}")


def attrs_key(model) -> str:
    return ui.model_key(model, "face_attrs")


def hold_key(model) -> str:
    return ui.model_key(model, "face_hold")


def strip_key(model) -> str:
    return ui.model_key(model, "face_strip")


def default_sliders(model) -> list[str]:
    return [n for n in SLIDERS if n in model.attribute_vectors] or model.attribute_names[:6]


def held_key(model, name: str) -> str:
    """The tick of a slider's measured holds (on unless the user unticks it)."""
    return ui.model_key(model, f"face_h_{name}")


def holds_for(model, names, free=(), hold=()) -> dict:
    """Per edited attribute, what its edit holds fixed: its measured holds (core.measured_edits) unless it is in
    `free`, and the user's `hold` for every slider."""
    return {n: list(dict.fromkeys([*([] if n in free else model.default_holds.get(n, [])), *hold])) for n in names}


def judge_id(model) -> str:
    """The judge that measured the model's card: its readings on the page are the card's."""
    return model.card.get("metrics", {}).get("judge") or FACE_JUDGE


def edits_card(model) -> dict:
    return model.card.get("metrics", {}).get("attribute_edits") or {}


def opening_seed(model) -> int:
    """The seed Face editing opens on: the card's typical, clearly read face (core.opening_face), else 0."""
    seed = (model.card.get("metrics", {}).get("opening_face") or {}).get("seed")
    return int(seed) if isinstance(seed, int) and 0 <= seed <= ui.MAX_SEED else 0


# ---------------------------------------------------------------- cached per model

@st.cache_data(show_spinner=False, max_entries=512)
def decoded(_model, model: str, z: np.ndarray) -> np.ndarray:
    """One face per code, decoded once: moving a slider back and forth decodes nothing twice."""
    return _model.decode(z[None])[0]


@st.cache_data(show_spinner=False, max_entries=64)
def encoded(_model, model: str, face: np.ndarray) -> np.ndarray:
    return _model.encode(face[None])[0]


def ident(model) -> str:
    """What cached pictures of a model are keyed by: its id and the folder it came from (ui keys models so)."""
    return f"{model.id}|{registry.root_of(model.id)}"


def code_key(z: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(z, np.float32).tobytes()).hexdigest()


@st.cache_data(show_spinner=False, max_entries=512)
def probabilities(_judge, judge_key: str, _image: np.ndarray, image_key: str) -> np.ndarray:
    """The judge's 40 probabilities for one face (float in [0, 1]), keyed by a name of the face, not its pixels."""
    return _judge.probabilities(_image[None])[0]


def edit_frames(model, z: np.ndarray, name: str, others: dict, holds: dict, values: np.ndarray) -> np.ndarray:
    """A live edit slider's frames: the face edited with `name` at each of `values` and the other strengths and
    holds as they stand, in one batched decode (dashboard/live_slider.py caches them)."""
    return model.decode(model.measured_edits.along(z, name, values, others, holds))


def edit_slider(model, name: str, key: str, label: str, z: np.ndarray, strengths: dict, holds: dict, picture: str,
                help: str, presets=()) -> float:
    """One attribute's live slider over STRENGTH (dashboard/live_slider.py), drawing over the face marked `picture`:
    its frames hold the other sliders' `strengths` and `holds` (per attribute, as holds_for) where they stand.
    `presets`: live_slider's buttons. Returns its value."""
    others = {n: s for n, s in strengths.items() if n != name and s}
    holds = {n: list(holds.get(n, [])) for n in [*others, name]}  # what the frames use: the edited ones' only
    return live_slider.live_slider(
        label, *STRENGTH, key=key, value=0.0, step=STEP, picture=picture,
        frames=partial(edit_frames, model, z, name, others, holds),
        depends_on=(ident(model), np.asarray(z, np.float32), name, sorted(others.items()),
                    sorted((n, tuple(h)) for n, h in holds.items())), help=help, presets=presets)


@st.cache_data(show_spinner=False, max_entries=64)
def strip_faces(_model, model: str, _z: np.ndarray, start_key: str, name: str, holds: tuple) -> np.ndarray:
    codes = np.stack([_model.measured_edit(_z, {name: k}, {name: list(holds)}) for k in STRIP_STEPS])
    return _model.decode(codes)


@st.cache_data(show_spinner=False, max_entries=64)
def row_html(key: str, _images, captions: tuple, size: int) -> pictures.DigitsMarkup:
    """A strip's markup (pictures.digits_html, smooth), made once for pictures that do not change with an edit slider."""
    return pictures.digits_html(list(_images), list(captions), size, one_row=True, pixelated=False)


@st.cache_data(show_spinner=False, max_entries=16)
def samples(_model, model: str, first_seed: int) -> tuple[pictures.DigitsMarkup, pictures.DigitsMarkup]:
    """Rows of faces of seeds first_seed ... from N(0, I) and from the sampling trick (their markup): the same
    standard-normal draw each seed, mean + spread * draw for the trick (LatentModel.sample_latents)."""
    seeds = range(first_seed, first_seed + SAMPLES)
    prior = np.concatenate([_model.sample_latents(1, seed=s) for s in seeds])
    trick = np.concatenate([_model.sample_latents(1, seed=s, trick=True) for s in seeds])
    captions = [f"seed {s}" for s in seeds]
    return tuple(pictures.digits_html(_model.decode(z), captions, SAMPLE_SIZE, one_row=True, pixelated=False)
                 for z in (prior, trick))


# ---------------------------------------------------------------- held-out test faces and photos

@st.cache_resource(show_spinner="Reading the CelebA test faces…", max_entries=2)
def _test_faces(data_folder: str | None):
    """The official test partition, read once per server; keyed by $LATENT_LAB_DATA so changing it takes effect."""
    from core.data import load_celeba
    return load_celeba(None, download=False, size=64, split="test")


def test_faces():
    """The CelebA test faces (images, attributes, attribute_names), or (None, why they are not available)."""
    try:
        faces = _test_faces(os.environ.get(ENV_VAR))
    except DatasetNotFound:
        return None, ("Held-out test faces need the CelebA data set, which is not on this machine. "
                      + ui.how_to_provide("celeba"))
    except CorruptDataFile as e:
        return None, f"The local CelebA files cannot be read ({e})."
    if not len(faces):
        return None, ("The local CelebA copy holds no faces of the official test partition. "
                      + ui.how_to_provide("celeba"))
    return faces, None


@st.cache_data(show_spinner="Reading your photo…", max_entries=16)
def photo_face(_data: bytes, digest: str, zoom: float, dx: float, dy: float):
    """The 64 x 64 face cropped from an upload, and the crop's box; keyed by the upload's digest (hashing megabytes
    of photo on every rerun would cost more than the crop)."""
    from core.data.uploads import normalise_face_upload
    return normalise_face_upload(_data, size=64, zoom=zoom, dx=dx, dy=dy)


def judged_attributes(model, judge) -> list[str]:
    names = edits_card(model).get("judged_attributes") or judge.card.get("metrics", {}).get("best_judged") \
        or judge.attribute_names
    return [n for n in names if n in judge.attribute_names]
