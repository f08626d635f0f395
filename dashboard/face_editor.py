"""The Face editing page's start face (random, a held-out test face or your photo) and its editor: attribute
sliders, the edited face with the judge's reading, and the strip along one attribute. The sliders are live
(dashboard/live_slider.py): the face follows a dragged thumb from frames decoded along its range, and is decoded
exactly when it is let go. The editor is a fragment: moving a slider reruns it alone; the strip is another (what is
held, which it shows too, reruns the page). Each part writes its settings into the URL (face_link.py).
"""
from __future__ import annotations

import hashlib
import os

import numpy as np
import streamlit as st

import links
import live_slider
import pictures
import ui
from exports import chart, downloads
from core import registry
from core.data import ENV_VAR
from core.images import as_model_input
from faces import (CHART_WIDTH, DX_KEY, DY_KEY, FACE_SIZE, FILE_KEY, PHOTO, PREVIEW_SIDE, RANDOM, REFUSED_KEY,
                   REMOVE_KEY, SEED_KEY, SHIFT, SLIDERS, START_FACE_SIZE, START_KEY, START_LABELS, STEP, STRENGTH,
                   STRIP_SIZE, STRIP_STEPS, STRIP_WIDTH, TEST, TEST_KEY, UPLOADS_KEY, UPLOAD_KEY, ZOOM, ZOOM_KEY, Start,
                   attrs_key, code_key, decoded, default_sliders, edit_slider, encoded, hold_key, held_key, holds_for,
                   ident, judge_id, judged_attributes, opening_seed, photo_face, pretty, probabilities, row_html,
                   slider_key, strip_faces, strip_key, test_faces)
from face_link import EDITOR_PARAMS, START_PARAMS, URL_ECHO, edit_text
from face_charts import png_strip, png_upscaled, strengths_figure

EDITED = "edited_face"  # the picture the edit sliders draw over while dragged (dashboard/live_slider.py)
EDIT_PARAMS = tuple(p for p in EDITOR_PARAMS if p != "strip")  # the editor's; the strip writes its own

# ---------------------------------------------------------------- the start face

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



def start_face(model) -> Start:
    """The face the editor starts from: a random one, a held-out test face or the user's photo."""
    st.subheader("Start face", anchor=False)
    kind = st.segmented_control("Start from", list(START_LABELS), format_func=START_LABELS.get, required=True,
                                key=links.remembered(START_KEY, RANDOM), persist_state="session",
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
    links.tidy([*link, *EDITOR_PARAMS])  # the start face's settings, the editor's, and nothing else (unknown ones too)
    links.write(URL_ECHO, link, START_PARAMS)
    return start


def random_face(model, fallback: bool = False) -> Start:
    if fallback:
        st.caption("Until then the editor starts from a random face:")
    seed = int(st.number_input("Seed", 0, ui.MAX_SEED, key=links.remembered(SEED_KEY, opening_seed(model)),
                               persist_state="session", width=240,
                               help="A face drawn with the sampling trick: from N(mean, spread²) of the training "
                                    "faces' codes, where the encoder put real faces, so it looks like a face. The "
                                    "page opens on a typical face the judge reads clearly."))
    z = model.sample_latents(1, seed=seed, trick=True)[0]
    return Start(RANDOM, f"seed-{seed}", z, None, decoded(model, ident(model), z), f"seed {seed}")


def held_out_face(model, link: dict) -> Start | None:
    faces, why = test_faces()
    if faces is None:
        st.info(why)
        return None
    number = int(st.number_input(f"Test face # (0 to {len(faces) - 1:,})", 0, len(faces) - 1,
                                 key=links.remembered(TEST_KEY, 0), persist_state="session", width=240,
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
        zoom = st.slider("Zoom", ZOOM[0], float(MAX_ZOOM), step=0.1, key=links.remembered(ZOOM_KEY, 1.0),
                         persist_state="session", help="1: the largest centred square; 4: a square a quarter as "
                                                       "wide, for a face in a wider picture.")
        dx = st.slider("Left ↔ right", *SHIFT, step=0.05, key=links.remembered(DX_KEY, 0.0), persist_state="session")
        dy = st.slider("Up ↕ down", *SHIFT, step=0.05, key=links.remembered(DY_KEY, 0.0), persist_state="session")
    try:
        face, box = photo_face(data, digest, zoom, dx, dy)
        preview = photo_preview(data, digest, tuple(box))
    except UploadError as e:
        with controls:
            st.error(str(e))
        return None
    with shown:
        pictures.show_digits([preview], ["the crop used, outlined"], size=int(preview.shape[1]), pixelated=False)
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

def _holds_changed() -> None:
    """What the strip holds may have changed: its fragment is outside the editor's, so the next run is the page's."""
    st.rerun(scope="app")


def unticked(model, shown: list[str]) -> list[str]:
    """The shown sliders whose measured holds the user unticked (their ticks' state, read before or after they are
    drawn)."""
    return [n for n in shown if model.default_holds.get(n) and not st.session_state.get(held_key(model, n), True)]


def _reset(model) -> None:
    for name in model.attribute_names:
        if slider_key(model, name) in st.session_state:
            st.session_state[slider_key(model, name)] = 0.0
        if held_key(model, name) in st.session_state:
            st.session_state[held_key(model, name)] = True
    st.session_state[hold_key(model)] = []
    st.session_state[attrs_key(model)] = default_sliders(model)
    _holds_changed()


@st.fragment
def editor(model, start: Start) -> None:
    """The faces beside their sliders (so the face changes where the eye is while a slider moves), the judge's reading
    folded under the faces, presets, held attributes and reset, and the strengths chart. A fragment: moving a slider
    reruns this and nothing else of the page (the strip below, a fragment of its own, is not sent again); a change
    of what is held reruns the page, strip included."""
    st.subheader("Edit", anchor=False)
    names = model.attribute_names
    with st.container(horizontal=True, gap="medium"):
        faces_area = st.container(width=START_FACE_SIZE + FACE_SIZE + 16)
        controls = st.container(width="stretch")
    with controls:
        sliders_area = st.container()
        # Below the sliders, but read first: which sliders there are.
        shown = st.multiselect("Attributes with a slider", names, key=links.remembered(attrs_key(model),
                               default_sliders(model)), format_func=pretty, persist_state="session", wrap=True,
                               on_change=_holds_changed,  # a slider taken away takes its unticked holds with it
                               help="Add any of CelebA's 40 attributes, or take one away (its edit goes with it).")
        with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
            hold = st.multiselect("Also hold fixed", names, key=links.remembered(hold_key(model), []),
                                  format_func=pretty, persist_state="session", width="stretch", wrap=True,
                                  on_change=_holds_changed,
                                  help="For every slider, make its edit direction orthogonal to these attributes' "
                                       "own (InterFaceGAN's conditional manipulation), so they stay as they were: "
                                       "e.g. hold Male while adding Mustache.")
            st.button("Reset", key=ui.model_key(model, "face_reset"), on_click=_reset, args=(model,),
                      icon=":material/restart_alt:",
                      help="Every strength back to 0, each slider's own holds ticked, nothing else held, the first "
                           "sliders.")
    with sliders_area:
        strengths, free = sliders(model, start, shown, hold)
    holds = holds_for(model, strengths, free, hold)
    z = np.asarray(model.measured_edit(start.z, strengths, holds) if strengths else start.z, np.float32)
    edited = decoded(model, ident(model), z)
    with faces_area:
        show_faces(start, edited, strengths, holds)
        reading(model, start, z, edited)
    with st.container(width=CHART_WIDTH):
        st.caption("The edit's strengths, in units of each attribute's measured edit; ◆ marks 1, the edit whose "
                   "figures the card reports.")
        chart(strengths_figure(shown, strengths), "face_strengths", displayModeBar=False)
        downloads(f"face_edited_{model.id}", [("Edited face (PNG)", lambda: png_upscaled(edited), ".png", "image/png")])
    links.write(URL_ECHO, {**({"edit": edit_text(strengths)} if strengths else {}),
                           **({"hold": ",".join(hold)} if hold else {}),
                           **({"free": ",".join(free)} if free else {})}, EDIT_PARAMS)


METHOD_WORDS = {
    "vector": "the mean code of training faces labelled with it minus that of the faces without, times {s:g}",
    "boundary": "each face moved to {s:g} spreads past a logistic boundary between training faces with it and "
                "without, along the boundary's normal",
    "detied": "its coefficient in a regression of the training faces' codes on all 40 labels (the others held "
              "fixed), times {s:g}",
    "detied_boundary": "each face moved along its coefficient in a regression of the training faces' codes on all "
                       "40 labels (the others held fixed) until it lies {s:g} spreads past a logistic boundary "
                       "between training faces with it and without",
}


def slider_help(model, name: str) -> str:
    """What 1 on a slider is: the measured edit's method and, when the card has them, its test figures."""
    c = model.measured_edits.choice(name, 1.0)
    text = f"1 is {pretty(name)}'s measured edit: " + METHOD_WORDS[c.method].format(s=abs(c.strength))
    if c.test:
        p = c.test["plain"]
        text += (f". On held-out test faces the judge reads it after the edit on {p['success']:.0%}, and "
                 f"{p.get('kept_independent', p['kept']):.0%} of its other readings stay")
    return text + ". −1 takes it away the same way; the method was chosen on validation faces."


def sliders(model, start: Start, shown: list[str], hold: list[str]) -> tuple[dict, list[str]]:
    """A live slider a shown attribute (faces.edit_slider: its frames hold the other strengths and holds where they
    stand), in units of its measured edit, with +1 / −1 buttons and, when the measured edit held attributes fixed,
    their tick; the strengths not at 0, and the attributes whose holds were unticked."""
    keys = {name: links.remembered(slider_key(model, name), 0.0) for name in shown}
    standing = {name: live_slider.value_of(keys[name], *STRENGTH, STEP) for name in shown}  # every slider's, first
    every_hold = holds_for(model, shown, unticked(model, shown), hold)
    strengths, free = {}, []
    for name in shown:
        key = keys[name]
        value = edit_slider(model, name, key, pretty(name), start.z, standing, every_hold, EDITED,
                            help=slider_help(model, name),
                            presets=(("+1", 1.0, f"Add {pretty(name)}: its measured edit."),
                                     ("−1", -1.0, f"Take {pretty(name)} away: its measured edit, the other way.")))
        held = model.default_holds.get(name, [])
        if held and not st.checkbox(f"{', '.join(map(pretty, held))} held fixed", persist_state="session",
                                    key=links.remembered(held_key(model, name), True), on_change=_holds_changed,
                                    help=f"The measured {pretty(name)} edit holds these as they were; untick to "
                                         "let the edit carry them along (as the plain vector would)."):
            free.append(name)
        if value:
            strengths[name] = round(float(value), 2)
    return strengths, free


def show_faces(start: Start, edited: np.ndarray, strengths: dict, holds: dict) -> None:
    """The start face(s), small, beside the edited face, large: the one that moves with the sliders."""
    what = ", ".join(f"{pretty(n)} {s:+g}" for n, s in strengths.items()) or "no edit yet"
    held = sorted({h for n in strengths for h in holds.get(n, []) if h != n})
    held = f"; {', '.join(map(pretty, held))} held fixed" if held else ""
    with st.container(horizontal=True, gap="small"):
        with st.container(width=START_FACE_SIZE, gap="small"):
            if start.original is None:
                pictures.show_digits([start.decoded], [f"generated face ({start.name})"], size=START_FACE_SIZE,
                                     pixelated=False)
            else:
                pictures.show_digits([start.original, start.decoded], [f"original: {start.name}", "its reconstruction"],
                                     size=START_FACE_SIZE, pixelated=False)
        with st.container(width=FACE_SIZE):
            pictures.show_digits([edited], [f"edited: {what}{held}"], size=FACE_SIZE, pixelated=False,
                                 live=live_slider.mark(EDITED))
    st.caption("A generated face has no separate original: the decoder's face is where the edit starts."
               if start.original is None else
               "The edit moves the reconstruction's code: compare the edited face with the reconstruction; "
               "what the reconstruction lost, the edit cannot bring back.")


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


@st.fragment
def strip(model, start: Start) -> None:
    """The chapter's strip for one attribute: the original, minus steps, the reconstruction, plus steps; with what the
    editor holds (read from its controls' state). A fragment: choosing the attribute reruns this alone."""
    st.subheader("One attribute, step by step", anchor=False)
    names = model.attribute_names
    key = links.remembered(strip_key(model), default_sliders(model)[0])
    if st.session_state[key] not in names:
        st.session_state[key] = default_sliders(model)[0]
    controls, shown = ui.beside(STRIP_WIDTH)  # below the box when the window cannot give the strip its width
    with controls:
        name = st.selectbox("Attribute", names, key=key, format_func=pretty, persist_state="session")
    shown_sliders = st.session_state.get(attrs_key(model)) or default_sliders(model)
    hold = list(st.session_state.get(hold_key(model), []))
    held = holds_for(model, [name], unticked(model, shown_sliders), hold)[name]
    faces = strip_faces(model, ident(model), start.z, start.key, name, tuple(held))
    captions = [f"{k:+g}" if k else "0" for k in STRIP_STEPS]
    row = list(faces)
    if start.original is not None:
        row, captions = [start.original, *row], ["original", *captions]
    with shown:
        st.caption(f"{pretty(name)} from −2 to +2 times its measured edit; at 0 the "
                   + ("reconstruction" if start.original is not None else "generated face")
                   + (f", with {', '.join(map(pretty, held))} held fixed" if held else "") + ".")
        pictures.show_markup(row_html(f"{ident(model)}|{start.key}|{name}|{held}", row, tuple(captions),
                                      STRIP_SIZE))
        downloads(f"face_strip_{name}_{model.id}", [("Strip (PNG)", lambda: png_strip(row), ".png", "image/png")])
    links.write(URL_ECHO, {"strip": name}, ("strip",))
