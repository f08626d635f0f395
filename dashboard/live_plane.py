"""Live decoding under the pointer: a 2-D model's latent plane where the decoded digit follows the pointer at display
rate, with no server round trip, and a click keeps a point (in the URL too, so a copied link reopens it).

The server decodes the plane once per model as a decode atlas (core/atlas.py: 96 x 96 cells in one sprite sheet,
cached); a small Streamlit component (components v2: it runs in the app's page) draws the plane
and, on each animation frame after the pointer moved, copies the cell under it from the sheet into a large canvas.
The sheet arrives in an element of its own that is the same on every run (sent and decoded once). A click sends
the point back; the page then shows the real decoder's digit at that exact point. The component sits in a
fragment, so controls elsewhere on a page do not rerun it; a click reruns the whole page, so what live_plane
returns is always the point on screen.

The plane is the one the Decoded grid opens on (dashboard/grid.py); the component's markup, style and script are in
components/: live_plane.html, live_plane.css, live_plane.js and atlas_sheet(s).js. Counters for the bench and the
browser test: window.latentLabPointer.
"""
from __future__ import annotations

import base64
import math

import numpy as np
import streamlit as st

import faces
import grid
import links
import pictures
import ui
from served_components import Component
from core.atlas import CELLS, SPRITE_MIME, Atlas, encode_sheet, sheet
from core.latent import plane_coordinates

POINT_PARAM = "point"  # ?point=z1,z2: the kept point, in latent coordinates
PLANE_PIXELS = 320     # the plane on screen
DIGIT_PIXELS = 280     # the digit under the pointer: ten screen pixels a pixel of the 28-pixel digit
KEPT_PIXELS = 112
COMPACT_KEPT_PIXELS = 56  # the kept digit in the compact layout: two lines of caption tall
MAX_EXTENT = 5.0       # a link's point may lie this many standard deviations out (the Decoded grid's widest range)


def serves(model) -> bool:
    """Whether a model has a live plane: a 2-D latent that is the whole code (not told a label) and held-out codes."""
    return (model.latent_dim == 2 and not model.conditional and model.has_encoder
            and bool(model.heldout) and "means" in model.heldout)


def atlas_of(plane: grid.Plane, extent: float) -> Atlas:
    return Atlas(np.asarray(plane.center, np.float64), np.asarray(plane.axes, np.float64), float(extent), CELLS)


@st.cache_data(show_spinner="Decoding the plane, 96 × 96 points (once per model)…", max_entries=8)
def sheet_data(_model, model: str, extent: float) -> dict:
    """The atlas's encoded sheet as the page receives it, named by what it shows. Built once per model and range."""
    plane, _ = grid.default_plane(_model)
    sprite = base64.b64encode(encode_sheet(sheet(_model, atlas_of(plane, extent)))).decode()
    return {"id": f"{model}@{extent:g}", "sprite": f"data:{SPRITE_MIME};base64,{sprite}"}


@st.cache_data(show_spinner=False, max_entries=8)
def plane_data(_model, model: str, extent: float) -> dict:
    """The rest of what the plane needs, all but the kept point: its cells, range and scale, and the held-out codes
    in plane coordinates (drawn faintly behind it)."""
    plane, _ = grid.default_plane(_model)
    atlas = atlas_of(plane, extent)
    xy = atlas.to_plane(_model.heldout["means"])
    inside = np.all(np.abs(xy) <= extent, axis=1)
    scale = np.linalg.norm(plane.axes, axis=1)
    return {"n": atlas.n, "cell": int(_model.image_shape[0]), "extent": float(extent),
            "origin": [float(v) for v in plane.origins], "scale": [float(v) for v in scale],
            "names": list(plane.titles), "colors": ui.CLASS_COLORS,
            "codes": [np.round(xy[inside, 0], 3).tolist(), np.round(xy[inside, 1], 3).tolist(),
                      _model.heldout["labels"][inside].astype(int).tolist()]}


def parse_point(value: str, plane: grid.Plane) -> np.ndarray:
    """A ?point= value, "z1,z2" in latent coordinates, as a latent point; ValueError (saying what is wanted) for
    anything else, or for a point further out than the widest range the Decoded grid offers."""
    parts = value.split(",")
    try:
        point = np.array([float(p) for p in parts], np.float64)
    except ValueError:
        point = np.array([])
    if point.shape != (2,) or not np.all(np.isfinite(point)):
        raise ValueError("two numbers, the latent coordinates z₁,z₂, such as 0.5,-1.25")
    if np.any(np.abs(plane_coordinates(point[None], plane.center, plane.axes)) > MAX_EXTENT):
        reach = MAX_EXTENT * np.linalg.norm(plane.axes, axis=1)
        low, high = plane.origins - reach, plane.origins + reach
        raise ValueError(f"outside the widest plane shown: {plane.titles[0]} from {low[0]:+.2f} to {high[0]:+.2f}, "
                         f"{plane.titles[1]} from {low[1]:+.2f} to {high[1]:+.2f}")
    return point.astype(np.float32)


def point_text(point: np.ndarray) -> str:
    """A latent point as the URL carries it: three decimals each, no spaces."""
    return ",".join(f"{round(float(v), 3) + 0.0:g}" for v in point)  # + 0.0: no "-0"


def live_plane(model, *, key: str, extent: float | None = None, compact: bool = False,
               rest: np.ndarray | None = None) -> np.ndarray | None:
    """The live plane of a 2-D model (extent None: the Decoded grid's default range), and the point kept by a click
    or a link's ?point=, (2,) in latent coordinates, or None. A model without one gets a note, and None.
    `compact`: one short line under the plane, the kept digit small at its start, for a screen with no room to
    spare (the tour); otherwise the full caption and, under it, the kept digit at KEPT_PIXELS. `rest`: the latent
    point whose digit shows while the pointer is away and nothing is kept (the plane's centre without it)."""
    if not serves(model):
        st.info(f"**{model.card.get('title', model.id)}** has no live plane: it needs a 2-D latent that holds the "
                "whole code (a model not told the label) and its held-out codes.")
        return None
    plane, default = grid.default_plane(model)
    extent = default if extent is None else float(extent)
    kept_key, echo_key = ui.model_key(model, f"{key}_point"), f"{key}_url"
    value = st.query_params.get(POINT_PARAM)
    if (value is not None and value != st.session_state.get(echo_key)  # a link or an edited URL, not our echo
            and not links.stale(echo_key, POINT_PARAM, value)):
        try:
            st.session_state[kept_key] = parse_point(value, plane)
        except ValueError as why:
            st.session_state.pop(kept_key, None)
            st.warning(f"The link's point was ignored: `{POINT_PARAM}={value[:40]}` ({why}).")
    _show_in_url(st.session_state.get(kept_key), echo_key)
    _live_view(model, plane, extent, key, kept_key, echo_key, compact, rest)
    return st.session_state.get(kept_key)


def forget_url_point(key: str) -> None:
    """Take the kept point out of the URL (a page leaving its live view); the session still remembers it."""
    if POINT_PARAM in st.query_params:
        del st.query_params[POINT_PARAM]
    st.session_state.pop(f"{key}_url", None)


def _show_in_url(point: np.ndarray | None, echo_key: str) -> None:
    text = None if point is None else point_text(point)
    if text is None:
        if POINT_PARAM in st.query_params:
            del st.query_params[POINT_PARAM]
    elif st.query_params.get(POINT_PARAM) != text:
        st.query_params[POINT_PARAM] = text
    st.session_state[echo_key] = text
    if text is not None:
        links.remember(echo_key, POINT_PARAM, text)


def _kept(kept_key: str, echo_key: str, component_key: str) -> None:
    """A click on the plane: keep the point it sent (latent coordinates), into the URL before the rerun."""
    clicked = st.session_state[component_key].get("point")
    if not (isinstance(clicked, list) and len(clicked) == 2
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in clicked)):
        return
    st.session_state[kept_key] = np.asarray(clicked, np.float32)
    _show_in_url(st.session_state[kept_key], echo_key)
    st.session_state[f"{component_key}_changed"] = True


def _forget(kept_key: str, echo_key: str, component_key: str) -> None:
    st.session_state.pop(kept_key, None)
    _show_in_url(None, echo_key)
    st.session_state[f"{component_key}_changed"] = True


@st.fragment
def _live_view(model, plane: grid.Plane, extent: float, key: str, kept_key: str, echo_key: str, compact: bool,
               rest: np.ndarray | None) -> None:
    """The component and, under it, the decoder's own digit at the kept point. A click or "Forget" changes what
    live_plane returns, so they rerun the whole page, once."""
    component_key = ui.model_key(model, f"{key}_plane")
    if st.session_state.pop(f"{component_key}_changed", False):
        st.rerun()
    atlas = atlas_of(plane, extent)
    kept = st.session_state.get(kept_key)
    sheet_part = sheet_data(model, faces.ident(model), extent)
    data = {**plane_data(model, faces.ident(model), extent), "sheet": sheet_part["id"],
            "plane_px": PLANE_PIXELS, "digit_px": DIGIT_PIXELS,
            "kept": None if kept is None else [float(v) for v in atlas.to_plane(kept)],
            "rest": None if rest is None else [float(v) for v in atlas.to_plane(rest)]}
    with st.container(gap=None):  # the sheet's element shows nothing: no gap for it
        _sheet_component(key=f"{component_key}_sheet", data=sheet_part, width="stretch")
        _component(key=component_key, data=data, width="stretch",
                   on_point_change=lambda: _kept(kept_key, echo_key, component_key))
    scale = np.linalg.norm(plane.axes, axis=1)
    low, high = plane.origins - extent * scale, plane.origins + extent * scale
    ranges = (f"**{plane.titles[0]}** from {low[0]:+.2f} to {high[0]:+.2f}",
              f"**{plane.titles[1]}** from {low[1]:+.2f} to {high[1]:+.2f}")
    forget = dict(key=f"{component_key}_forget", type="tertiary", on_click=_forget,
                  args=(kept_key, echo_key, component_key))
    if not compact:
        st.caption(f"Left to right {ranges[0]}; bottom to top {ranges[1]} (±{extent:g} standard deviations of the "
                   f"held-out codes, drawn faintly by class). The digit is the decoder's at the centre of the nearest "
                   f"of {atlas.n} × {atlas.n} points, decoded once; click to keep a point and decode it exactly.")
    elif kept is None:  # compact: the kept point's row takes the caption's place
        st.caption(f"{ranges[0]}, {ranges[1]} (±{extent:g} standard deviations of the held-out codes). The digit is "
                   f"the nearest of {atlas.n} × {atlas.n} points decoded once; click to keep a point and decode it "
                   "exactly.")
    if kept is not None:
        _kept_row(model, plane, kept, forget, compact)


def kept_text(plane: grid.Plane, kept: np.ndarray) -> str:
    return f"{plane.titles[0]} = {kept[0]:+.3f}, {plane.titles[1]} = {kept[1]:+.3f}"


def _kept_row(model, plane: grid.Plane, kept: np.ndarray, forget: dict, compact: bool) -> None:
    """The kept point's exact digit, what it is, and a Forget button. Compact: one row no taller than the small
    digit, in place of the caption, so a tour step stays on one screen (the button beside the text, not under it)."""
    pixels = COMPACT_KEPT_PIXELS if compact else KEPT_PIXELS
    with st.container(horizontal=True, vertical_alignment="center", gap="small" if compact else "medium"):
        with st.container(width=pixels):
            pictures.show_digits(model.decode(kept[None]), None, size=pixels)
        with st.container(width="stretch"):
            st.markdown(f"**Kept point** {kept_text(plane, kept)}: the decoder's own digit there, "
                        + ("decoded exactly. The link keeps it." if compact
                           else "decoded on the server. The page's link keeps it."))
            if not compact:
                st.button("Forget the kept point", **forget)
        if compact:
            st.button("Forget it", **forget)


# ---------------------------------------------------------------- the components (files: served_components.py)

# The plane's markup, style and script: draws at most once an animation frame, and only after the pointer moved.
# Called again (same elements) whenever the data changes; the sheet is decoded again only when it differs.
# window.latentLabPointer: counters and probes for the bench and the browser test.
_component = Component("live_plane", html="live_plane.html", css="live_plane.css", js="live_plane.js")
# The sheet travels in an element of its own, whose message is the same on every run: Streamlit sends it once and
# the browser decodes it once, while a click changes (and re-sends) only the plane's small message. It hands the
# decoded sheet to the plane through a registry on the page (atlas_sheets.js; components v2 run in the page itself).
_sheet_component = Component("atlas_sheet", js="atlas_sheet.js")
