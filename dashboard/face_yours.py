"""Face editing for a model of the user's own pictures made with an attribute file (core.user_models.attribute_edits):
a live slider per attribute moves a held-out picture's code, or a sample's, along that attribute's mean-difference
vector, in units of the vector. Nothing is measured: no judge reads the user's pictures, so the page shows the
edits and says they are unmeasured, with none of the face VAE's measured tables and charts.

URL: ?start=heldout&item=3 or ?start=sample&seed=7, and ?edit=Name:1.5,Other:-1 (face_link.parse_edit).
"""
from __future__ import annotations

import numpy as np
import streamlit as st

import links
import live_slider
import pictures
import ui
from face_link import URL_ECHO, edit_text, parse_edit
from faces import FACE_SIZE, START_FACE_SIZE, STEP, STRENGTH, decoded, edit_slider, ident, pretty

HELDOUT, SAMPLE = "heldout", "sample"
START_LABELS = {HELDOUT: "Held-out picture", SAMPLE: "Sample"}
PARAMS = ("start", "item", "seed", "edit")
EDITED = "edited_picture"  # the picture the sliders draw over while dragged


def start_key(model) -> str:
    return ui.model_key(model, "yours_start")


def item_key(model) -> str:
    return ui.model_key(model, "yours_item")


def seed_key(model) -> str:
    return ui.model_key(model, "yours_seed")


def slider_key(model, name: str) -> str:
    return ui.model_key(model, f"yours_s_{name}")


def heldout_count(model) -> int:
    return len(model.heldout["means"]) if model.heldout and "means" in model.heldout else 0


def page(model) -> None:
    """The page for a user's model: its caption, the start picture, the sliders and the edited picture."""
    edits = model.card.get("attribute_vectors", {})
    st.caption(f"Move a picture's latent code in **{model.card.get('title', model.id)}** to add or take away one of "
               f"your attributes. Each slider adds its attribute's mean-difference vector (the mean code of your "
               f"{edits.get('pictures', 'labelled')} pictures with it minus that of those without) times its value. "
               "These edits are unmeasured: no judge reads your pictures, so no figures of how well they work are "
               "shown.")
    notice = st.empty()
    ignored = links.read(URL_ECHO, lambda name, value: apply_parameter(model, name, value))
    z, name, link = start(model)
    editor(model, z, name, link)
    links.notice(notice, ignored)


def apply_parameter(model, name: str, value: str) -> None:
    state = st.session_state
    if name == "start":
        if value not in START_LABELS:
            raise ValueError(f"use {', '.join(START_LABELS)}")
        if value == HELDOUT and not heldout_count(model):
            raise ValueError("this model has no held-out pictures")
        state[start_key(model)] = value
    elif name == "item":
        state[item_key(model)] = links.whole_number(value, 0, max(heldout_count(model) - 1, 0))
    elif name == "seed":
        state[seed_key(model)] = links.whole_number(value, 0, ui.MAX_SEED)
    elif name == "edit":
        strengths = parse_edit(model, value)
        for attribute in model.attribute_names:  # a link's edit is the whole edit
            state[slider_key(model, attribute)] = strengths.get(attribute, 0.0)
    else:
        raise ValueError("not a setting of this page")


def start(model) -> tuple[np.ndarray, str, dict]:
    """The code the edit starts from, what to call it, and its URL parameters: a held-out picture's code (the model
    never learned from it; latents.npz keeps its code, not the picture), or a sample from the prior."""
    kinds = list(START_LABELS) if heldout_count(model) else [SAMPLE]
    key = links.remembered(start_key(model), kinds[0])
    if st.session_state[key] not in kinds:
        st.session_state[key] = kinds[0]
    kind = st.segmented_control("Start from", kinds, format_func=START_LABELS.get, required=True, key=key,
                                help="A held-out picture is one of yours the model did not learn from, shown as "
                                     "the model redraws it from its code; a sample is drawn from the prior.")
    if kind == HELDOUT:
        n = heldout_count(model)
        item = int(st.number_input(f"Held-out picture # (0 to {n - 1:,})", 0, n - 1,
                                   key=links.remembered(item_key(model), 0), width=240))
        return (np.asarray(model.heldout["means"][item], np.float32), f"held-out picture #{item}",
                {"start": HELDOUT, "item": str(item)})
    seed = int(st.number_input("Seed", 0, ui.MAX_SEED, key=links.remembered(seed_key(model), 0), width=240))
    return model.sample_latents(1, seed=seed)[0], f"sample, seed {seed}", {"start": SAMPLE, "seed": str(seed)}


@st.fragment
def editor(model, z0: np.ndarray, name: str, link: dict) -> None:
    """The start and edited pictures beside a live slider per attribute; moving one reruns this alone."""
    with st.container(horizontal=True, gap="medium"):
        shown = st.container(width=START_FACE_SIZE + FACE_SIZE + 16)
        controls = st.container(width="stretch")
    names = model.attribute_names
    keys = {n: links.remembered(slider_key(model, n), 0.0) for n in names}
    standing = {n: live_slider.value_of(keys[n], *STRENGTH, STEP) for n in names}
    strengths = {}
    with controls:
        for n in names:
            with_it = model.card.get("attribute_vectors", {}).get("with", {}).get(n)
            value = edit_slider(model, n, keys[n], pretty(n), z0, standing, {}, EDITED,
                                help=f"1 adds {pretty(n)}'s mean-difference vector"
                                     + (f" (from {with_it} pictures with it)" if with_it else "")
                                     + "; −1 takes it away. Unmeasured.")
            if value:
                strengths[n] = round(float(value), 2)
    z = np.asarray(model.measured_edit(z0, strengths) if strengths else z0, np.float32)
    crisp = model.image_shape[0] < 64  # small pictures stay sharp-edged when enlarged, as digits do
    what = ", ".join(f"{pretty(n)} {s:+g}" for n, s in strengths.items()) or "no edit yet"
    with shown, st.container(horizontal=True, gap="small"):
        with st.container(width=START_FACE_SIZE):
            pictures.show_digits([decoded(model, ident(model), z0)], [name], size=START_FACE_SIZE, pixelated=crisp)
        with st.container(width=FACE_SIZE):
            pictures.show_digits([decoded(model, ident(model), z)], [f"edited: {what}"], size=FACE_SIZE,
                                 pixelated=crisp, live=live_slider.mark(EDITED))
    links.tidy(PARAMS)
    links.write(URL_ECHO, {**link, **({"edit": edit_text(strengths)} if strengths else {})}, PARAMS)
