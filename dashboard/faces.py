"""The parts of the Face editing page (pages/5_Face_editing.py): its start faces, URL state, editor, strip, samples,
measured table, notes and exports; the page script lays them out.

A module for the reason dashboard/arithmetic.py gives: an imported module is compiled once, a page script on
every run. Nothing here runs on import. Edits are core.latent_model.LatentModel.edit (mean-difference attribute
vectors, optionally made orthogonal to held attributes); readings are the face judge's (core.models.face_judge).
Faces are drawn inline (ui.show_digits, smooth), never as st.image files, and decoded once per code (st.cache_data).
Nothing here writes a face to disk.
"""
from __future__ import annotations

import hashlib
import io
import os
from typing import NamedTuple

import numpy as np
import streamlit as st
from PIL import Image

import ui
from exports import chart, downloads
from core import registry
from core.data import ENV_VAR, CorruptDataFile, DatasetNotFound
from core.images import as_model_input, tile, to_uint8
from core.models.face_judge import FACE_JUDGE

RANDOM, TEST, PHOTO = "random", "test", "photo"
START_LABELS = {RANDOM: "Random face", TEST: "Held-out test face", PHOTO: "Your photo"}
SLIDERS = ("Smiling", "Eyeglasses", "Male", "Blond_Hair", "Mustache", "Young")  # the attributes with a slider at first
STRENGTH, STEP = (-4.0, 4.0), 0.05    # an edit slider's range, in multiples of the attribute's vector (the default
# strengths are multiples of 0.25: core.evaluate.EDIT_STRENGTHS)
ZOOM, SHIFT = (1.0, 4.0), (-1.0, 1.0)  # the photo crop's sliders (core.data.uploads.face_crop_box)
STRIP_STEPS = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)  # multiples of the default strength
SAMPLES = 8           # faces in each row of the prior-against-trick comparison
FACE_SIZE = 256       # the edited face on screen
START_FACE_SIZE = 128  # the face(s) the edit starts from, beside it
STRIP_SIZE = 96
STRIP_WIDTH = 520  # px: ten faces of 52 px with their captions whole, the least the strip is shown at
SAMPLE_SIZE = 96
PREVIEW_SIDE = 256
EXPORT_SIDE = 256     # the edited face's PNG; the strip's faces are EXPORT_SIDE // 2 each
CHART_WIDTH = 560
URL_ECHO = "faces_url"  # the parameters this session last wrote: tells a new link from our own echo
START_PARAMS, EDITOR_PARAMS = ("start", "seed", "face"), ("edit", "hold", "strip")
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


def default_strength(model, name: str) -> float:
    """What "+" sets: the strength chosen on validation faces (core.evaluate), 1 when the card has none."""
    return float(model.default_strengths.get(name, 1.0))


def judge_id(model) -> str:
    """The judge that measured the model's card: its readings on the page are the card's."""
    return model.card.get("metrics", {}).get("judge") or FACE_JUDGE


def edits_card(model) -> dict:
    return model.card.get("metrics", {}).get("attribute_edits") or {}


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
    return f"{model.id}|{registry.pretrained_root()}"


def code_key(z: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(z, np.float32).tobytes()).hexdigest()


@st.cache_data(show_spinner=False, max_entries=512)
def probabilities(_judge, judge_key: str, _image: np.ndarray, image_key: str) -> np.ndarray:
    """The judge's 40 probabilities for one face (float in [0, 1]), keyed by a name of the face, not its pixels."""
    return _judge.probabilities(_image[None])[0]


@st.cache_data(show_spinner=False, max_entries=64)
def strip_faces(_model, model: str, _z: np.ndarray, start_key: str, name: str, hold: tuple,
                strength: float) -> np.ndarray:
    codes = np.stack([_model.edit(_z, {name: k * strength}, hold) for k in STRIP_STEPS])
    return _model.decode(codes)


@st.cache_data(show_spinner=False, max_entries=64)
def row_html(key: str, _images, captions: tuple, size: int) -> ui.DigitsMarkup:
    """A strip's markup (ui.digits_html, smooth), made once for pictures that do not change with an edit slider."""
    return ui.digits_html(list(_images), list(captions), size, one_row=True, pixelated=False)


@st.cache_data(show_spinner=False, max_entries=16)
def samples(_model, model: str, first_seed: int) -> tuple[ui.DigitsMarkup, ui.DigitsMarkup]:
    """Rows of faces of seeds first_seed ... from N(0, I) and from the sampling trick (their markup): the same
    standard-normal draw each seed, mean + spread * draw for the trick (LatentModel.sample_latents)."""
    seeds = range(first_seed, first_seed + SAMPLES)
    prior = np.concatenate([_model.sample_latents(1, seed=s) for s in seeds])
    trick = np.concatenate([_model.sample_latents(1, seed=s, trick=True) for s in seeds])
    captions = [f"seed {s}" for s in seeds]
    return tuple(ui.digits_html(_model.decode(z), captions, SAMPLE_SIZE, one_row=True, pixelated=False)
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


@st.cache_data(show_spinner=False, max_entries=16)
def photo_preview(_data: bytes, digest: str, box: tuple) -> np.ndarray:
    from core.data.uploads import face_preview
    return face_preview(_data, box, max_side=PREVIEW_SIDE)


def uploader_key() -> str:
    """The photo uploader's key: a new one after every upload, so the uploader is an empty drop zone again (a
    refused file's entry gone) while the page names the photo in use."""
    return f"{FILE_KEY}_{st.session_state.get(UPLOADS_KEY, 0)}"


def _keep_upload(key: str) -> None:
    """The user dropped a photo: a usable one replaces the photo in use and starts from its own centred crop; one
    that cannot be used changes nothing but the message saying why. Kept beyond the uploader's own life."""
    from core.data.uploads import UploadError, normalise_face_upload
    file = st.session_state.get(key)
    if file is None:
        return
    data = file.getvalue()
    try:
        normalise_face_upload(data)
    except UploadError as e:
        st.session_state[REFUSED_KEY] = (file.name, str(e))
    else:
        st.session_state[UPLOAD_KEY] = (file.name, data, hashlib.sha1(data).hexdigest())
        st.session_state.pop(REFUSED_KEY, None)
        for crop_key, centred in ((ZOOM_KEY, ZOOM[0]), (DX_KEY, 0.0), (DY_KEY, 0.0)):
            st.session_state[crop_key] = centred
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1


def _remove_upload() -> None:
    for key in (UPLOAD_KEY, REFUSED_KEY):
        st.session_state.pop(key, None)


# ---------------------------------------------------------------- the URL

def read_link(model) -> list[str]:
    """Parameters of a new link (or an edited URL) put into this model's widgets; what could not be used, including
    a start face's setting for another start than the one shown (a seed with a test face, a face number with a
    generated face)."""
    ignored = ui.read_link(URL_ECHO, lambda name, value: apply_parameter(model, name, value))
    start, echo = st.session_state.get(START_KEY, RANDOM), st.session_state.get(URL_ECHO, {})
    for name, belongs in (("seed", RANDOM), ("face", TEST)):
        value = st.query_params.get(name)
        if (value is not None and start != belongs and echo.get(name) != value
                and not ui.stale_echo(URL_ECHO, name, value) and not any(f"`{name}=" in i for i in ignored)):
            ignored.append(f"`{name}={value[:40]}` (it sets the start face with `start={belongs}`)")
    return ignored


def apply_parameter(model, name: str, value: str) -> None:
    state = st.session_state
    if name == "start":
        if value not in START_LABELS:
            raise ValueError(f"use {', '.join(START_LABELS)}")
        if value == TEST:
            faces, why = test_faces()
            if faces is None:
                raise ValueError("the held-out faces need the CelebA data set, which is not on this machine")
        if value == PHOTO and UPLOAD_KEY not in state:
            raise ValueError("a photo is never part of a link: upload it again")
        state[START_KEY] = value
    elif name == "seed":
        state[SEED_KEY] = ui.whole_number(value, 0, ui.MAX_SEED)
    elif name == "face":
        faces, _ = test_faces()
        if faces is None:
            raise ValueError("the held-out faces need the CelebA data set, which is not on this machine")
        state[TEST_KEY] = ui.whole_number(value, 0, len(faces) - 1)
    elif name == "edit":
        strengths = parse_edit(model, value)
        for key in [k for k in state if isinstance(k, str) and k.startswith("face_s_")
                    and k.endswith(f"_{model.id}")]:
            state[key] = 0.0  # a link's edit is the whole edit
        for attribute, strength in strengths.items():
            state[slider_key(model, attribute)] = strength
        shown = list(state.get(attrs_key(model), default_sliders(model)))
        state[attrs_key(model)] = shown + [a for a in strengths if a not in shown]
    elif name == "hold":
        state[hold_key(model)] = parse_names(model, value)
    elif name == "strip":
        state[strip_key(model)] = parse_names(model, value, one=True)[0]
    else:
        raise ValueError("not a setting of this page")


def attribute(model, text: str) -> str:
    """An attribute of the model by its name, in any letter case."""
    by_lower = {n.lower(): n for n in model.attribute_names}
    found = by_lower.get(text.strip().lower())
    if found is None:
        raise ValueError(f"{text.strip()[:30] or 'an empty name'} is not one of the 40 CelebA attributes")
    return found


def parse_edit(model, value: str) -> dict[str, float]:
    """Smiling:1.5,Male:-1 -> {"Smiling": 1.5, "Male": -1.0}, each strength on the sliders' range and steps."""
    strengths = {}
    for part in value.split(","):
        text, colon, number = part.partition(":")
        if not colon:
            raise ValueError("an edit is Name:strength, as Smiling:1.5,Male:-1")
        name = attribute(model, text)
        if name in strengths:
            raise ValueError(f"{name} is edited twice")
        try:
            strengths[name] = ui.snapped(number, *STRENGTH, STEP)
        except ValueError as why:
            raise ValueError(f"{name}: {why}") from None
    return strengths


def parse_names(model, value: str, one: bool = False) -> list[str]:
    names = [attribute(model, part) for part in value.split(",")]
    if one and len(names) != 1:
        raise ValueError("one attribute")
    return list(dict.fromkeys(names))


def write_link(values: dict, owned: tuple | None) -> None:
    """Parameters as the URL keeps them, remembered as our own echo. `owned`: the names this part of the page
    writes (others' stay); None: every name not in `values` but the editor's goes (unknown ones too)."""
    for name in list(st.query_params):
        if name == ui.MODEL_PARAM or name in values:
            continue
        if (name in owned) if owned is not None else name not in EDITOR_PARAMS:
            del st.query_params[name]
    for name, value in values.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    echo = st.session_state.setdefault(URL_ECHO, {})
    for name in owned or START_PARAMS:
        echo.pop(name, None)
    echo.update(values)
    for name, value in values.items():  # the editor is a fragment: remembered now, not at the next full run
        ui.remember_echo(URL_ECHO, name, value)


def edit_text(strengths: dict) -> str:
    return ",".join(f"{name}:{strength:g}" for name, strength in strengths.items())


# ---------------------------------------------------------------- the start face

def start_face(model) -> Start:
    """The face the editor starts from: a random one, a held-out test face or the user's photo."""
    st.subheader("Start face", anchor=False)
    kind = st.segmented_control("Start from", list(START_LABELS), format_func=START_LABELS.get, required=True,
                                key=ui.remembered(START_KEY, RANDOM), persist_state="session",
                                help="A random face is drawn by the decoder; a held-out test face is one of "
                                     "CelebA's test partition, which the model never saw (needs the data set); "
                                     "your photo is cropped the way CelebA's faces were.")
    link = {"start": kind}
    start = None
    if kind == TEST:
        start = held_out_face(model, link)
    elif kind == PHOTO:
        start = your_photo(model)
    if start is None:
        start = random_face(model, fallback=kind != RANDOM)
        link["seed"] = str(st.session_state[SEED_KEY])
    write_link(link, None)
    return start


def random_face(model, fallback: bool = False) -> Start:
    if fallback:
        st.caption("Until then the editor starts from a random face:")
    seed = int(st.number_input("Seed", 0, ui.MAX_SEED, key=ui.remembered(SEED_KEY, 0), persist_state="session", width=240,
                               help="A face drawn with the sampling trick: from N(mean, spread²) of the training "
                                    "faces' codes, where the encoder put real faces, so it looks like a face."))
    z = model.sample_latents(1, seed=seed, trick=True)[0]
    return Start(RANDOM, f"seed-{seed}", z, None, decoded(model, ident(model), z), f"seed {seed}")


def held_out_face(model, link: dict) -> Start | None:
    faces, why = test_faces()
    if faces is None:
        st.info(why)
        return None
    number = int(st.number_input(f"Test face # (0 to {len(faces) - 1:,})", 0, len(faces) - 1,
                                 key=ui.remembered(TEST_KEY, 0), persist_state="session", width=240,
                                 help="One of CelebA's official test partition, which the model never saw."))
    link["face"] = str(number)
    labelled = [pretty(n) for n, v in zip(faces.attribute_names, faces.attributes[number])
                if v > 0 and n in SLIDERS]
    st.caption("CelebA's labellers marked this face: "
               + (", ".join(labelled) or "none of " + ", ".join(map(pretty, SLIDERS))) + ".")
    face = faces.images[number]
    z = encoded(model, ident(model), face)
    return Start(TEST, f"test-{number}-{os.environ.get(ENV_VAR)}", z, face, decoded(model, ident(model), z),
                 f"test face #{number}")


def your_photo(model) -> Start | None:
    """The user's photo, cropped (zoom and offsets move the square), kept in the session until removed."""
    from core.data.uploads import MAX_ZOOM, UploadError
    controls, shown = ui.beside(PREVIEW_SIDE, controls_width=300)
    with controls:
        key = uploader_key()
        st.file_uploader("A photo of one face", key=key, on_change=_keep_upload, args=(key,),
                         help="A photo with one face, looking at the camera, PNG, JPEG, GIF, BMP, WebP or TIFF, up to "
                              "5 MB. It is turned upright by its EXIF orientation, and a square is cropped as "
                              "CelebA's faces were: move it with the zoom and the offsets. Kept for this session "
                              "only, never in a link.")
        if REFUSED_KEY in st.session_state:
            refused, why = st.session_state[REFUSED_KEY]
            st.error(f"`{refused.replace('`', chr(39))}` cannot be used: {why}")
        if UPLOAD_KEY not in st.session_state:
            st.info("Upload a photo of a face to edit it.")
            return None
        name, data, digest = st.session_state[UPLOAD_KEY]
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(f"Using `{name.replace('`', chr(39))}`.")
            st.button("Remove it", key=REMOVE_KEY, on_click=_remove_upload)
        zoom = st.slider("Zoom", ZOOM[0], float(MAX_ZOOM), step=0.1, key=ui.remembered(ZOOM_KEY, 1.0),
                         persist_state="session", help="1: the largest centred square; 4: a square a quarter as "
                                                       "wide, for a face in a wider picture.")
        dx = st.slider("Left ↔ right", *SHIFT, step=0.05, key=ui.remembered(DX_KEY, 0.0), persist_state="session")
        dy = st.slider("Up ↕ down", *SHIFT, step=0.05, key=ui.remembered(DY_KEY, 0.0), persist_state="session")
    try:
        face, box = photo_face(data, digest, zoom, dx, dy)
        preview = photo_preview(data, digest, tuple(box))
    except UploadError as e:
        with controls:
            st.error(str(e))
        return None
    with shown:
        ui.show_digits([preview], ["the crop used, outlined"], size=int(preview.shape[1]), pixelated=False)
    z = encoded(model, ident(model), face)
    redrawn = decoded(model, ident(model), z)
    unlike = unlike_training_faces(model, face, z, redrawn)
    if unlike:
        with shown:
            st.warning(f"This picture is unlike the faces the model learned from: {unlike}. Its edits and the "
                       "judge's readings of it may mean little; a photo of one face, upright and filling the "
                       "square, works best.")
    return Start(PHOTO, f"photo-{digest}-{zoom:g}-{dx:g}-{dy:g}", z, face, redrawn, "your photo")


def unlike_training_faces(model, face: np.ndarray, z: np.ndarray, redrawn: np.ndarray) -> str:
    """Why a face is unlike the real faces (the card's val ranges, core.evaluate), in words; "" when it is not,
    or when the card has no ranges."""
    typical = model.card.get("metrics", {}).get("typical_faces")
    if not typical:
        return ""
    from core.latent import standardised_distance, unlike_real_items
    mean, std = model.training_code_stats()
    mse = float(((as_model_input(face[None]) - redrawn[None]) ** 2).mean())
    return " and ".join(unlike_real_items(float(standardised_distance(z, mean, std)[0]), mse, typical))


# ---------------------------------------------------------------- the editor

def _set(key: str, value) -> None:
    st.session_state[key] = value


def _reset(model) -> None:
    for name in model.attribute_names:
        if slider_key(model, name) in st.session_state:
            st.session_state[slider_key(model, name)] = 0.0
    st.session_state[hold_key(model)] = []
    st.session_state[attrs_key(model)] = default_sliders(model)


@st.fragment
def editor(model, start: Start) -> None:
    """The faces beside their sliders (so the face changes where the eye is while a slider moves), the judge's reading
    folded under the faces, presets, held attributes and reset, the strengths chart and the strip. A fragment: moving
    a slider reruns this and nothing else of the page."""
    st.subheader("Edit", anchor=False)
    names = model.attribute_names
    with st.container(horizontal=True, gap="medium"):
        faces_area = st.container(width=START_FACE_SIZE + FACE_SIZE + 16)
        controls = st.container(width="stretch")
    with controls:
        sliders_area = st.container()
        # Below the sliders, but read first: which sliders there are.
        shown = st.multiselect("Attributes with a slider", names, key=ui.remembered(attrs_key(model),
                               default_sliders(model)), format_func=pretty, persist_state="session", wrap=True,
                               help="Add any of CelebA's 40 attributes, or take one away (its edit goes with it).")
        with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
            hold = st.multiselect("Hold fixed", names, key=ui.remembered(hold_key(model), []), format_func=pretty,
                                  persist_state="session", width="stretch", wrap=True,
                                  help="Make every edit direction orthogonal to these attributes' vectors, so their "
                                       "coordinates stay as they were, at the direction's own length (InterFaceGAN's "
                                       "conditional manipulation): e.g. hold Male while adding Mustache.")
            st.button("Reset", key=ui.model_key(model, "face_reset"), on_click=_reset, args=(model,),
                      icon=":material/restart_alt:", help="Every strength back to 0, nothing held, the first sliders.")
    with sliders_area:
        strengths = sliders(model, shown)
    z = np.asarray(model.edit(start.z, strengths, hold) if strengths else start.z, np.float32)
    edited = decoded(model, ident(model), z)
    with faces_area:
        show_faces(start, edited, strengths, hold)
        reading(model, start, z, edited)
    with st.container(width=CHART_WIDTH):
        st.caption("The edit's strengths, in multiples of each attribute's vector; ◆ marks each default strength.")
        chart(strengths_figure(model, shown, strengths), "face_strengths", displayModeBar=False)
        downloads(f"face_edited_{model.id}", [("Edited face (PNG)", lambda: png_upscaled(edited), ".png", "image/png")])
    strip(model, start, hold)
    write_link({**({"edit": edit_text(strengths)} if strengths else {}),
                **({"hold": ",".join(hold)} if hold else {}),
                "strip": st.session_state[strip_key(model)]}, EDITOR_PARAMS)


def sliders(model, shown: list[str]) -> dict:
    """A slider a shown attribute, with buttons that set its default strength either way; the strengths not at 0."""
    strengths = {}
    for name in shown:
        d = default_strength(model, name)
        key = slider_key(model, name)
        with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
            value = st.slider(pretty(name), *STRENGTH, step=STEP, key=ui.remembered(key, 0.0), persist_state="session",
                              help=f"In multiples of {pretty(name)}'s vector: the mean code of training faces "
                                   f"labelled with it minus that of faces without. {d:+g} is its default strength, "
                                   "at which the judge reads it after the edit in most validation faces.")
            st.button(f"+{d:g}", key=ui.model_key(model, f"face_plus_{name}"), on_click=_set, args=(key, d),
                      help=f"Add {pretty(name)} at its default strength ({d:+g}).")
            st.button(f"−{d:g}", key=ui.model_key(model, f"face_minus_{name}"), on_click=_set, args=(key, -d),
                      help=f"Take {pretty(name)} away at its default strength ({-d:+g}).")
        if value:
            strengths[name] = round(float(value), 2)
    return strengths


def show_faces(start: Start, edited: np.ndarray, strengths: dict, hold: list[str]) -> None:
    """The start face(s), small, beside the edited face, large: the one that moves with the sliders."""
    what = ", ".join(f"{pretty(n)} {s:+g}" for n, s in strengths.items()) or "no edit yet"
    held = f"; {', '.join(map(pretty, hold))} held fixed" if hold and strengths else ""
    with st.container(horizontal=True, gap="small"):
        with st.container(width=START_FACE_SIZE, gap="small"):
            if start.original is None:
                ui.show_digits([start.decoded], [f"generated face ({start.name})"], size=START_FACE_SIZE,
                               pixelated=False)
            else:
                ui.show_digits([start.original, start.decoded], [f"original: {start.name}", "its reconstruction"],
                               size=START_FACE_SIZE, pixelated=False)
        with st.container(width=FACE_SIZE):
            ui.show_digits([edited], [f"edited: {what}{held}"], size=FACE_SIZE, pixelated=False)
    st.caption("A generated face has no separate original: the decoder's face is where the edit starts."
               if start.original is None else
               "The edit moves the reconstruction's code: compare the edited face with the reconstruction; "
               "what the reconstruction lost, the edit cannot bring back.")


def judged_attributes(model, judge) -> list[str]:
    names = edits_card(model).get("judged_attributes") or judge.card.get("metrics", {}).get("best_judged") \
        or judge.attribute_names
    return [n for n in names if n in judge.attribute_names]


def reading(model, start: Start, z: np.ndarray, edited: np.ndarray) -> None:
    """The judge's reading of the edited face, against its reading of the reconstruction (or generated face)."""
    judge = ui.load_face_judge(judge_id(model))
    if judge is None:
        return
    key = f"{judge.card.get('id', judge_id(model))}|{registry.pretrained_root()}"
    before = probabilities(judge, key, start.decoded, f"{ident(model)}|{start.key}")
    after = probabilities(judge, key, edited, f"{ident(model)}|{code_key(z)}")
    index = {n: k for k, n in enumerate(judge.attribute_names)}
    before_face = "generated face" if start.original is None else "reconstruction"
    rows, changed = [], []
    for name in judged_attributes(model, judge):
        k = index[name]
        was, now = before[k] >= judge.thresholds[k], after[k] >= judge.thresholds[k]
        change = "" if was == now else "now read" if now else "no longer read"
        if change:
            changed.append(f"**{pretty(name)}** {change}")
        rows.append(f"| {pretty(name)} | {'✓ ' if was else ''}{before[k]:.2f} "
                    f"| {'✓ ' if now else ''}{after[k]:.2f} | {change} |")
    st.caption(("The judge's readings: changed against the " + before_face + ": " + ", ".join(changed) + ".")
               if changed else f"The judge's readings: no reading changed against the {before_face}.")
    # "before", not the start face's name, heads its column: "reconstruction" made the table wider than its box.
    with st.expander(f"The judge's reading of {len(rows)} attributes", key=ui.model_key(model, "face_readings")):
        st.markdown(f"**The judge's reading** of the {before_face} (before) and of the edited face (✓ read: "
                    "probability at its threshold or above)\n\n"
                    "| attribute | before | edited | change |\n| --- | --- | --- | --- |\n" + "\n".join(rows))
        low = sorted((float(judge.thresholds[index[n]]), n) for n in judged_attributes(model, judge))[:3]
        st.caption("Each attribute's threshold is the one that best tells validation photos with it from photos "
                   "without it (balanced accuracy), so a rare attribute's is low ("
                   + ", ".join(f"{pretty(n)} {t:.2f}" for t, n in low) + "): there ✓ means likelier than in most "
                   "faces without it, not likely.")


def strip(model, start: Start, hold: list[str]) -> None:
    """The chapter's strip for one attribute: the original, minus steps, the reconstruction, plus steps."""
    st.subheader("One attribute, step by step", anchor=False)
    names = model.attribute_names
    key = ui.remembered(strip_key(model), default_sliders(model)[0])
    if st.session_state[key] not in names:
        st.session_state[key] = default_sliders(model)[0]
    controls, shown = ui.beside(STRIP_WIDTH)  # below the box when the window cannot give the strip its width
    with controls:
        name = st.selectbox("Attribute", names, key=key, format_func=pretty, persist_state="session")
    d = default_strength(model, name)
    faces = strip_faces(model, ident(model), start.z, start.key, name, tuple(hold), d)
    captions = [f"{k * d:+g}" if k else "0" for k in STRIP_STEPS]
    pictures = list(faces)
    if start.original is not None:
        pictures, captions = [start.original, *pictures], ["original", *captions]
    with shown:
        st.caption(f"{pretty(name)} from −2 to +2 times its default strength ({d:g}); at 0 the "
                   + ("reconstruction" if start.original is not None else "generated face")
                   + (f", with {', '.join(map(pretty, hold))} held fixed" if hold else "") + ".")
        ui.show_markup(row_html(f"{ident(model)}|{start.key}|{name}|{hold}|{d}", pictures, tuple(captions),
                                STRIP_SIZE))
        downloads(f"face_strip_{name}_{model.id}", [("Strip (PNG)", lambda: png_strip(pictures), ".png", "image/png")])


# ---------------------------------------------------------------- charts and files

def strengths_figure(model, names: list[str], strengths: dict) -> dict:
    """Horizontal bars of the current strengths (0 where a slider is at rest), the default strengths marked."""
    labels = [pretty(n) for n in names]
    values = [strengths.get(n, 0.0) for n in names]
    return {
        "data": [{"type": "bar", "orientation": "h", "x": values, "y": labels, "name": "strength",
                  "marker": {"color": ["#1F77B4" if v >= 0 else "#D62728" for v in values]},
                  "hovertemplate": "%{y}: %{x:+.1f}<extra></extra>"},
                 {"type": "scatter", "mode": "markers", "x": [default_strength(model, n) for n in names],
                  "y": labels, "name": "default strength", "marker": {"symbol": "diamond", "color": "#555555",
                                                                       "size": 8},
                  "hovertemplate": "%{y}: default %{x:+.1f}<extra></extra>"}],
        "layout": {"height": 60 + 26 * max(len(names), 1), "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
                   "showlegend": False, "bargap": 0.35,
                   "xaxis": {"range": [STRENGTH[0] - 0.2, STRENGTH[1] + 0.2], "zeroline": True,
                             "title": {"text": "strength"}},
                   "yaxis": {"autorange": "reversed", "automargin": True}},
    }


@st.cache_data(show_spinner=False, max_entries=8)
def tradeoff_figure(_model, model: str) -> dict | None:
    """Success against kept on val faces, one point a strength of the card's grid, a line an attribute with a slider
    at first: the trade-off each default strength was chosen on, the goal's corner shaded. None without figures."""
    edits = edits_card(_model)
    per, grid = edits.get("per_attribute") or {}, edits.get("strength_grid") or []
    names = [n for n in SLIDERS if len((per.get(n) or {}).get("validation", {}).get("success", [])) == len(grid) > 0]
    if not names:
        return None
    goals = edits.get("goals") or {}
    lines, defaults = [], {"x": [], "y": [], "text": []}
    for name in names:
        val = per[name]["validation"]
        success, kept = [100 * v for v in val["success"]], [100 * v for v in val["kept"]]
        lines.append({"type": "scatter", "mode": "lines+markers", "x": kept, "y": success, "name": pretty(name),
                      "customdata": grid, "marker": {"size": 5},
                      "hovertemplate": f"{pretty(name)} %{{customdata:+.2f}}: success %{{y:.0f}}%, "
                                       "kept %{x:.1f}%<extra></extra>"})
        if per[name].get("strength") in grid:
            at = grid.index(per[name]["strength"])
            defaults["x"].append(kept[at])
            defaults["y"].append(success[at])
            defaults["text"].append(pretty(name))
    lines.append({"type": "scatter", "mode": "markers", "name": "default strength", **defaults,
                  "marker": {"symbol": "circle-open", "size": 13, "color": "#333333", "line": {"width": 2}},
                  "hovertemplate": "%{text}: default<extra></extra>"})
    lowest = min(min(t["x"]) for t in lines[:-1])
    corner = [{"type": "rect", "x0": 100 * goals["kept_min"], "x1": 100, "y0": 100 * goals["success_min"], "y1": 101,
               "fillcolor": "rgba(44, 160, 44, 0.15)", "line": {"width": 0}, "layer": "below"}] if goals else []
    return {"data": lines,
            "layout": {"height": 360, "margin": {"l": 10, "r": 10, "t": 10, "b": 40}, "shapes": corner,
                       "xaxis": {"title": {"text": "other readings kept (%)"}, "range": [lowest - 1, 100.5]},
                       "yaxis": {"title": {"text": "success (%)"}, "range": [0, 101], "automargin": True},
                       "legend": {"orientation": "h", "y": -0.2}}}


def upscaled(face: np.ndarray, side: int) -> Image.Image:
    return Image.fromarray(to_uint8(face) if face.dtype != np.uint8 else face).resize((side, side),
                                                                                      Image.Resampling.LANCZOS)


def png_upscaled(face: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    upscaled(face, EXPORT_SIDE).save(buffer, format="PNG")
    return buffer.getvalue()


def png_strip(faces: list[np.ndarray]) -> bytes:
    side = EXPORT_SIDE // 2
    pictures = np.stack([np.asarray(upscaled(face, side)) for face in faces])
    buffer = io.BytesIO()
    Image.fromarray(tile(pictures, 1, len(pictures), pad=4, fill=255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------- the rest of the page

def prior_against_trick(model) -> None:
    """The same seeds drawn from N(0, I) and with the sampling trick, one row each."""
    st.subheader("Random faces: N(0, I) or the sampling trick", anchor=False)
    first = int(st.session_state.get(SEED_KEY, 0))
    first = min(first, ui.MAX_SEED + 1 - SAMPLES)
    st.caption("The same standard-normal draw for each seed in both rows: the top row takes it as the code, from "
               "the prior N(0, I); the bottom row scales and shifts it to N(mean, spread²) of the training faces' "
               "codes (the sampling trick). A VAE's codes do not fill N(0, I) evenly, so prior draws can land "
               "where the decoder saw few faces.")
    prior, trick = samples(model, ident(model), first)
    st.markdown("**From N(0, I)**")
    ui.show_markup(prior)
    st.markdown("**With the sampling trick**")
    ui.show_markup(trick)


def in_percent(share: float | None) -> float | None:
    return None if share is None else 100.0 * share


@st.cache_data(show_spinner=False, max_entries=8)
def edit_table(_model, model: str):
    """The card's measured edits, one row an attribute (the page's first sliders first); None without figures."""
    import pandas as pd
    per = edits_card(_model).get("per_attribute") or {}
    order = [n for n in SLIDERS if n in per] + [n for n in per if n not in SLIDERS]
    rows = []
    for name in order:
        plain, held = per[name].get("plain", {}), per[name].get("held_fixed", {})
        rows.append({"attribute": pretty(name), "default strength": per[name].get("strength"),
                     **{column: in_percent(share) for column, share in (
                         ("success", plain.get("success")), ("kept", plain.get("kept")),
                         ("success, held fixed", held.get("success")), ("kept, held fixed", held.get("kept")))},
                     "faces": plain.get("faces")})
    return pd.DataFrame(rows) if rows else None


def measured(model) -> None:
    st.subheader("How well the edits work", anchor=False)
    table = edit_table(model, ident(model))
    if table is None:
        st.info(f"{model.id} has no measured edits yet: `python -m core.evaluate {model.id}` measures them.")
        return
    percent = st.column_config.NumberColumn(format="%.1f%%")  # one decimal in every row
    st.caption("On held-out test faces the judge reads without the attribute, edited at the default strength. "
               "**Success**: the share the judge then reads with it. **Kept**: the share of the other judged "
               "attributes' readings that stay as they were. **Held fixed**: the same edit made orthogonal to the "
               "other judged attributes' vectors.")
    # As wide as its columns and inside a container: there Streamlit draws no resize handle, which juts 10 px
    # past the table's box (it does for a stretched table or one at the page's top level).
    with st.container():
        st.dataframe(table, hide_index=True, key="face_edit_table", width="content", column_config={
            "success": percent, "kept": percent, "success, held fixed": percent, "kept, held fixed": percent,
            "default strength": st.column_config.NumberColumn(format="%+.2f")})
    figure = tradeoff_figure(model, ident(model))
    if figure:
        goals = edits_card(model).get("goals") or {}
        st.caption("**Why the defaults sit where they do.** On validation faces, each strength of the grid trades "
                   "success for kept readings: stronger edits change more of the face. A default is the weakest "
                   "strength in the shaded corner (the goal"
                   + (f": success ≥ {goals['success_min']:.0%}, kept ≥ {goals['kept_min']:.0%}" if goals else "")
                   + "), else the most successful that keeps enough; ringed.")
        chart(figure, "face_tradeoff", displayModeBar=False)
    with st.expander("How this was measured"):
        st.markdown(edits_card(model).get("method") or "The model card gives no description of the method; "
                    f"`python -m core.evaluate {model.id}` writes one.")


@st.cache_data(show_spinner=False, max_entries=4)
def judge_card(judge: str, root: str) -> dict | None:
    try:
        return registry.read_card(judge)
    except registry.PretrainedError:
        return None


def figures_for(model, names: list[str]) -> list[str]:
    """Per attribute on the page, the card's figures: the judge's balanced accuracy, how often a reconstruction
    keeps the judge's reading, and the share of test faces labelled with it."""
    card = judge_card(judge_id(model), str(registry.pretrained_root())) or {}
    judge_metrics = card.get("metrics", {})
    per_judge = judge_metrics.get("per_attribute", {})
    heldout = judge_metrics.get("heldout_faces")
    agreement = model.card.get("metrics", {}).get("judge_agreement_per_attribute") or {}
    lines = []
    for name in names:
        parts = []
        if name in per_judge and per_judge[name].get("balanced_accuracy") is not None:
            parts.append(f"the judge reads it with {per_judge[name]['balanced_accuracy']:.0%} balanced accuracy")
        if heldout and name in per_judge and "positives" in per_judge[name]:
            parts.append(f"{per_judge[name]['positives'] / heldout:.0%} of the test faces are labelled with it")
        if name in agreement:
            parts.append(f"a reconstruction keeps the judge's reading in {agreement[name]:.0%} of test faces")
        carried = carried_along(edits_card(model).get("per_attribute", {}).get(name) or {})
        if parts or carried:
            lines.append(f"- **{pretty(name)}**: " + "; ".join(parts) + ("." if parts else "") + carried)
    return lines


def most(shares: dict, unit: str, k: int = 3) -> str:
    """The k largest non-zero shares, largest first: 'Male 31%, Heavy Makeup 18%'."""
    top = sorted(((v, n) for n, v in shares.items() if v > 0), reverse=True)[:k]
    return ", ".join(f"{pretty(n)} {v * 100:.0f}{unit}" for v, n in top)


def carried_along(figures: dict) -> str:
    """What the card measured an attribute's default edit to carry along, beside what the data ties to it."""
    text = ""
    changed = most((figures.get("plain") or {}).get("changed") or {}, "%")
    if changed:
        text += (f" At its default strength ({figures['strength']:+.2f}) the edit also changes the judge's reading "
                 f"of {changed} of test faces.")
    ties = figures.get("real_faces") or {}
    differ = most(ties.get("differ") or {}, " points")
    if differ:
        text += f" In the test photos themselves, faces the judge reads with it differ from those without in {differ}."
    return text


def biases(model, names: list[str]) -> None:
    st.subheader("What the attributes are, and what they carry", anchor=False)
    st.markdown(
        "The 40 attributes are **CelebA's labels**: yes-or-no marks that labellers gave photos of celebrities. "
        "An attribute's vector is the average code of the training faces marked with it minus the average of "
        "those without, so it carries everything that went with the mark in those photos, not the attribute "
        "alone:\n\n"
        "- **Attributes are entangled.** Faces marked with a beard or a moustache are mostly marked Male, often "
        "older and in a suit, so such a vector can add a tie, change the hair or age the face. *Hold fixed* "
        "takes out the directions of the attributes you name, and only those.\n"
        "- **Reconstructions are not equally good for everyone.** Celebrity photos are not a cross-section of "
        "people; faces, skin tones, ages and poses the training set holds fewer of are redrawn less faithfully, "
        "and an edit starts from the reconstruction.\n"
        "- **Some labels are judgements, not facts.** \"Attractive\", \"Young\" or \"Male\" (one yes-or-no mark) "
        "record what labellers ticked; the vectors, the judge and its readings learn their judgement.\n"
        "- **The judge learnt from the same labels**, so it shares their biases; its readings are a second "
        "opinion, not the truth.")
    lines = figures_for(model, names)
    if lines:
        st.markdown("From the model cards, for the attributes with a slider (what a default edit carries along "
                    "follows what real photos with the attribute differ in: the vector is an average over such "
                    "photos):\n\n" + "\n".join(lines))
