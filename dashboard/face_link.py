"""The Face editing page's URL state: ?start=random&seed=3 or ?start=test&face=12, and the editor's
?edit=Smiling:1.5,Male:-1&hold=Eyeglasses&free=Smiling&strip=Smiling (strengths in units of each attribute's measured
edit; hold: held for every slider; free: sliders whose measured holds are unticked), read into the widgets' state
(never an uploaded photo).
"""
from __future__ import annotations

from functools import partial

import streamlit as st

import links
import ui
from faces import (PHOTO, RANDOM, SEED_KEY, START_KEY, START_LABELS, STEP, STRENGTH, TEST, TEST_KEY, UPLOAD_KEY,
                   attrs_key, default_sliders, hold_key, held_key, slider_key, strip_key, test_faces)

URL_ECHO = links.ECHO["faces"]
START_PARAMS, EDITOR_PARAMS = ("start", "seed", "face"), ("edit", "hold", "free", "strip")



def read_link(model) -> list[str]:
    """Parameters of a new link (or an edited URL) put into this model's widgets; what could not be used, including
    a start face's setting for another start than the one shown (a seed with a test face, a face number with a
    generated face)."""
    ignored = links.read(URL_ECHO, partial(apply_parameter, model))
    start, echo = st.session_state.get(START_KEY, RANDOM), st.session_state.get(URL_ECHO, {})
    for name, belongs in (("seed", RANDOM), ("face", TEST)):
        value = st.query_params.get(name)
        if (value is not None and start != belongs and echo.get(name) != value
                and not links.stale(URL_ECHO, name, value) and not any(f"`{name}=" in i for i in ignored)):
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
        state[SEED_KEY] = links.whole_number(value, 0, ui.MAX_SEED)
    elif name == "face":
        faces, _ = test_faces()
        if faces is None:
            raise ValueError("the held-out faces need the CelebA data set, which is not on this machine")
        state[TEST_KEY] = links.whole_number(value, 0, len(faces) - 1)
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
    elif name == "free":
        free = parse_names(model, value)
        holding = [n for n in free if not model.default_holds.get(n)]
        if holding:
            raise ValueError(f"{', '.join(holding)} holds nothing to untick")
        for attribute in model.attribute_names:
            state[held_key(model, attribute)] = attribute not in free
    elif name == "strip":
        state[strip_key(model)] = parse_names(model, value, one=True)[0]
    else:
        raise ValueError("not a setting of this page")


def attribute(model, text: str) -> str:
    """An attribute of the model by its name, in any letter case."""
    by_lower = {n.lower(): n for n in model.attribute_names}
    found = by_lower.get(text.strip().lower())
    if found is None:
        known = ("the 40 CelebA attributes" if model.card.get("dataset", {}).get("name") == "celeba"
                 else f"this model's attributes ({', '.join(model.attribute_names)})")
        raise ValueError(f"{text.strip()[:30] or 'an empty name'} is not one of {known}")
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
            strengths[name] = links.snapped(number, *STRENGTH, STEP)
        except ValueError as why:
            raise ValueError(f"{name}: {why}") from None
    return strengths


def parse_names(model, value: str, one: bool = False) -> list[str]:
    names = [attribute(model, part) for part in value.split(",")]
    if one and len(names) != 1:
        raise ValueError("one attribute")
    return list(dict.fromkeys(names))


def edit_text(strengths: dict) -> str:
    return ",".join(f"{name}:{strength:g}" for name, strength in strengths.items())
