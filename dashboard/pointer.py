"""Live decoding under the pointer: a 2-D model's latent plane where the decoded digit follows the pointer at display
rate, with no server round trip, and a click keeps a point (in the URL too, so a copied link reopens it).

The server decodes the plane once per model as a decode atlas (core/atlas.py: 96 x 96 cells in one sprite sheet,
cached); a small Streamlit component (components v2: it runs in the app's page, fetches nothing) draws the plane
and, on each animation frame after the pointer moved, copies the cell under it from the sheet into a large canvas.
The sheet arrives in an element of its own that is the same on every run (sent and decoded once). A click sends
the point back; the page then shows the real decoder's digit at that exact point. The component sits in a
fragment, so controls elsewhere on a page do not rerun it; a click reruns the whole page, so what live_plane
returns is always the point on screen.

Also the plane that the Decoded grid opens on for a model with codes (Plane, coordinate_plane, measured_extent),
shared by its grid and this live view. Counters for the bench and the browser test: window.latentLabPointer.
"""
from __future__ import annotations

import base64
import math
from typing import NamedTuple

import numpy as np
import streamlit as st

import links
import pictures
import ui
from core import registry
from core.atlas import CELLS, SPRITE_MIME, Atlas, encode_sheet, sheet
from core.latent import coordinate_axes, occupied_extent, plane_coordinates

POINT_PARAM = "point"  # ?point=z1,z2: the kept point, in latent coordinates
PLANE_PIXELS = 320     # the plane on screen
DIGIT_PIXELS = 280     # the digit under the pointer: ten screen pixels a pixel of the 28-pixel digit
KEPT_PIXELS = 112
COMPACT_KEPT_PIXELS = 56  # the kept digit in the compact layout: two lines of caption tall
MAX_EXTENT = 5.0       # a link's point may lie this many standard deviations out (the Decoded grid's widest range)


class Plane(NamedTuple):
    """The plane centre + x·axes[0] + y·axes[1], with x and y counted in standard deviations of the codes."""
    center: np.ndarray
    axes: np.ndarray            # (2, latent_dim), each one standard deviation of the codes long
    titles: tuple[str, str]
    origins: np.ndarray         # the coordinates the caption gives for the centre
    name: str                   # which plane of this model: keys the controls whose defaults depend on it


def coordinate_plane(means: np.ndarray, i: int, j: int) -> Plane:
    """The plane of latent dimensions i and j through the mean code, one standard deviation of the codes a unit
    (the other dimensions at their mean): for a 2-D latent, the latent space itself."""
    center, axis_x, axis_y = coordinate_axes(means, i, j)
    name = "z" if means.shape[1] == 2 else f"z{i}z{j}"
    return Plane(center, np.stack([axis_x, axis_y]), (ui.latent_name(i), ui.latent_name(j)), center[[i, j]], name)


@st.cache_data(show_spinner=False, max_entries=64)
def measured_extent(_means: np.ndarray, _plane: Plane, model_id: str, plane_name: str) -> float:
    """The default range: the widest grid whose cells lie among the held-out codes (80% of them within a cell's
    spacing of one), so the grid opens on digits, not on the noise a decoder draws far from its data."""
    return occupied_extent(plane_coordinates(_means, _plane.center, _plane.axes))


def serves(model) -> bool:
    """Whether a model has a live plane: a 2-D latent that is the whole code (not told a label) and held-out codes."""
    return (model.latent_dim == 2 and not model.conditional and model.has_encoder
            and bool(model.heldout) and "means" in model.heldout)


def default_plane(model) -> tuple[Plane, float]:
    """The plane and range the Decoded grid opens on for a 2-D model."""
    means = model.heldout["means"]
    plane = coordinate_plane(means, 0, 1)
    return plane, measured_extent(means, plane, model.id, plane.name)


def atlas_of(plane: Plane, extent: float) -> Atlas:
    return Atlas(np.asarray(plane.center, np.float64), np.asarray(plane.axes, np.float64), float(extent), CELLS)


@st.cache_data(show_spinner="Decoding the plane, 96 × 96 points (once per model)…", max_entries=8)
def sheet_data(_model, model_id: str, pretrained_root: str, extent: float) -> dict:
    """The atlas's encoded sheet as the page receives it, named by what it shows. Built once per model and range."""
    plane, _ = default_plane(_model)
    sprite = base64.b64encode(encode_sheet(sheet(_model, atlas_of(plane, extent)))).decode()
    return {"id": f"{model_id}@{extent:g}@{pretrained_root}", "sprite": f"data:{SPRITE_MIME};base64,{sprite}"}


@st.cache_data(show_spinner=False, max_entries=8)
def plane_data(_model, model_id: str, pretrained_root: str, extent: float) -> dict:
    """The rest of what the plane needs, all but the kept point: its cells, range and scale, and the held-out codes
    in plane coordinates (drawn faintly behind it)."""
    plane, _ = default_plane(_model)
    atlas = atlas_of(plane, extent)
    xy = atlas.to_plane(_model.heldout["means"])
    inside = np.all(np.abs(xy) <= extent, axis=1)
    scale = np.linalg.norm(plane.axes, axis=1)
    return {"n": atlas.n, "cell": int(_model.image_shape[0]), "extent": float(extent),
            "origin": [float(v) for v in plane.origins], "scale": [float(v) for v in scale],
            "names": list(plane.titles), "colors": ui.CLASS_COLORS,
            "codes": [np.round(xy[inside, 0], 3).tolist(), np.round(xy[inside, 1], 3).tolist(),
                      _model.heldout["labels"][inside].astype(int).tolist()]}


def parse_point(value: str, plane: Plane) -> np.ndarray:
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
    plane, default = default_plane(model)
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
def _live_view(model, plane: Plane, extent: float, key: str, kept_key: str, echo_key: str, compact: bool,
               rest: np.ndarray | None) -> None:
    """The component and, under it, the decoder's own digit at the kept point. A click or "Forget" changes what
    live_plane returns, so they rerun the whole page, once."""
    component_key = ui.model_key(model, f"{key}_plane")
    if st.session_state.pop(f"{component_key}_changed", False):
        st.rerun()
    atlas = atlas_of(plane, extent)
    kept = st.session_state.get(kept_key)
    root = str(registry.pretrained_root())
    sheet_part = sheet_data(model, model.id, root, extent)
    data = {**plane_data(model, model.id, root, extent), "sheet": sheet_part["id"],
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


def kept_text(plane: Plane, kept: np.ndarray) -> str:
    return f"{plane.titles[0]} = {kept[0]:+.3f}, {plane.titles[1]} = {kept[1]:+.3f}"


def _kept_row(model, plane: Plane, kept: np.ndarray, forget: dict, compact: bool) -> None:
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


# ---------------------------------------------------------------- the component (registered once, on import)

HTML = """
<div class="ll-live">
  <div class="ll-plane">
    <canvas class="ll-base"></canvas><span class="ll-axis ll-ax"></span><span class="ll-axis ll-ay"></span>
    <canvas class="ll-over"></canvas>
  </div>
  <div class="ll-side">
    <canvas class="ll-digit" aria-label="The decoded digit under the pointer"></canvas>
    <div class="ll-coords"><span class="ll-x"></span><span class="ll-y"></span></div>
    <div class="ll-hint">Move over the plane; click to keep a point.</div>
  </div>
</div>
"""

CSS = """
.ll-live { display: flex; flex-wrap: wrap; gap: 1.25rem; align-items: flex-start;
           font-family: var(--st-font); color: var(--st-text-color); }
.ll-plane { position: relative; flex: none; border: 1px solid var(--st-border-color, #d5dae5);
            border-radius: var(--st-base-radius, 0.5rem); overflow: hidden; background: #fff; }
.ll-plane canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
.ll-over { cursor: crosshair; touch-action: none; }
.ll-axis { position: absolute; font-size: 0.8rem; opacity: 0.55; pointer-events: none; }
.ll-ax { right: 0.4rem; bottom: 0.2rem; }
.ll-ay { left: 0.4rem; top: 0.2rem; }
.ll-side { display: flex; flex-direction: column; gap: 0.5rem; }
.ll-digit { display: block; background: #000; border-radius: var(--st-base-radius, 0.5rem); image-rendering: pixelated; }
.ll-coords { display: flex; gap: 1.25rem; font-size: 1.15rem; font-variant-numeric: tabular-nums; min-height: 1.6rem; }
.ll-hint { font-size: 0.875rem; opacity: 0.6; max-width: 18rem; }
"""

# Draws at most once an animation frame, and only after the pointer moved. Called again (same elements) whenever
# the data changes; the sheet is decoded again only when it differs. window.latentLabPointer: counters and probes
# for the bench and the browser test.
JS = r"""
export default function ({ data, setTriggerValue, parentElement }) {
  const root = parentElement.querySelector('.ll-live');
  const s = root.__ll || (root.__ll = setup(root));
  s.trigger = setTriggerValue;
  s.update(data);
  window.latentLabPointer = s.counters;
  return () => { s.alive = false; };
}

function setup(root) {
  const $ = sel => root.querySelector(sel);
  const plane = $('.ll-plane'), base = $('.ll-base'), over = $('.ll-over'), digit = $('.ll-digit');
  const xText = $('.ll-x'), yText = $('.ll-y');
  const s = { alive: true, data: null, kept: null, sheetId: null, sprite: null, spriteSrc: null, pending: false,
              pointer: null, shown: null };
  const counters = s.counters = {
    frames: 0, moves: 0, cells: 0, last_cell: null, last_xy: null, last_latent: null, ready: false,
    sprite_ms: null, draw_ms: [], frame_at: [],
    reset() { this.frames = 0; this.moves = 0; this.cells = 0; this.draw_ms = []; this.frame_at = []; },
    shown_text() { return [xText.textContent, yText.textContent]; },
    // The digit as drawn: the centre of each of its cell x cell blocks, grey levels (red channel).
    digit_pixels() {
      const c = s.data.cell, k = digit.width / c, ctx = digit.getContext('2d'), out = [];
      const px = ctx.getImageData(0, 0, digit.width, digit.height).data;
      for (let r = 0; r < c; r++) for (let q = 0; q < c; q++)
        out.push(px[(Math.floor((r + 0.5) * k) * digit.width + Math.floor((q + 0.5) * k)) * 4]);
      return out;
    },
    sprite_src() { return s.spriteSrc; },
    plane_rect() { const r = over.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; },
  };
  const fmt = v => (v >= 0 ? '+' : '') + v.toFixed(2);

  // The mapping core/atlas.py documents: fractions (u, v) from the top-left corner -> plane point and cell.
  function locate(clientX, clientY) {
    const r = over.getBoundingClientRect(), d = s.data, e = d.extent, n = d.n;
    const u = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
    const v = Math.min(1, Math.max(0, (clientY - r.top) / r.height));
    const xy = [-e + 2 * e * u, e - 2 * e * v];
    const cell = [Math.min(n - 1, Math.floor(v * n)), Math.min(n - 1, Math.floor(u * n))];
    const latent = [d.origin[0] + xy[0] * d.scale[0], d.origin[1] + xy[1] * d.scale[1]];
    return { u, v, xy, cell, latent };
  }

  function drawDigit(cell) {
    const ctx = digit.getContext('2d'), c = s.data.cell;
    ctx.imageSmoothingEnabled = false;
    if (!s.sprite) { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, digit.width, digit.height); return; }
    ctx.drawImage(s.sprite, cell[1] * c, cell[0] * c, c, c, 0, 0, digit.width, digit.height);
  }

  function showText(latent) {
    const names = s.data.names;
    xText.textContent = `${names[0]} ${fmt(latent[0])}`;
    yText.textContent = `${names[1]} ${fmt(latent[1])}`;
  }

  function drawOverlay(at) {
    const ctx = over.getContext('2d'), w = over.width, h = over.height, ratio = w / over.clientWidth;
    ctx.clearRect(0, 0, w, h);
    if (!at) return;
    const n = s.data.n, cw = w / n, ch = h / n, x = at.u * w, y = at.v * h;
    ctx.strokeStyle = 'rgba(29, 36, 51, 0.35)';
    ctx.lineWidth = ratio;
    ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke();
    ctx.strokeStyle = '#1D2433'; ctx.lineWidth = 1.5 * ratio;
    ctx.strokeRect(at.cell[1] * cw - 2 * ratio, at.cell[0] * ch - 2 * ratio, cw + 4 * ratio, ch + 4 * ratio);
  }

  function frame(now) {
    s.pending = false;
    if (!s.alive || !s.pointer || !s.data) return;
    const t0 = performance.now();
    const at = locate(s.pointer[0], s.pointer[1]);
    drawOverlay(at);
    const key = at.cell[0] * s.data.n + at.cell[1];
    if (key !== s.shown) { drawDigit(at.cell); s.shown = key; counters.cells++; }
    showText(at.latent);
    counters.frames++;
    counters.last_cell = at.cell; counters.last_xy = at.xy; counters.last_latent = at.latent;
    counters.draw_ms.push(performance.now() - t0);
    counters.frame_at.push(now);
    if (counters.frame_at.length > 5000) { counters.frame_at.shift(); counters.draw_ms.shift(); }
  }

  over.addEventListener('pointermove', ev => {
    counters.moves++;
    s.pointer = [ev.clientX, ev.clientY];
    if (!s.pending) { s.pending = true; requestAnimationFrame(frame); }
  });
  over.addEventListener('pointerleave', () => { s.pointer = null; drawOverlay(null); showRest(); });
  over.addEventListener('click', ev => {
    if (!s.data) return;
    const at = locate(ev.clientX, ev.clientY);
    s.kept = at.xy; drawBase();  // marked at once; the page's rerun then shows the decoder's own digit there
    s.trigger('point', at.latent.map(v => Math.round(v * 1000) / 1000));
  });

  // With the pointer away: the kept point's cell, else the resting point's, else the plane's centre.
  function showRest() {
    const d = s.data, e = d.extent, k = s.kept || d.rest || [0, 0];
    const at = { u: (k[0] + e) / (2 * e), v: (e - k[1]) / (2 * e) };
    const n = d.n, cell = [Math.min(n - 1, Math.floor(at.v * n)), Math.min(n - 1, Math.floor(at.u * n))];
    drawDigit(cell); s.shown = cell[0] * n + cell[1];
    showText([d.origin[0] + k[0] * d.scale[0], d.origin[1] + k[1] * d.scale[1]]);
  }

  function drawBase() {
    const d = s.data, ratio = window.devicePixelRatio || 1, size = d.plane_px;
    plane.style.width = plane.style.height = size + 'px';
    $('.ll-ax').textContent = `${d.names[0]} →`;
    $('.ll-ay').textContent = `↑ ${d.names[1]}`;
    for (const c of [base, over]) { c.width = c.height = Math.round(size * ratio); }
    digit.width = digit.height = Math.round(d.digit_px * ratio);
    digit.style.width = digit.style.height = d.digit_px + 'px';
    const ctx = base.getContext('2d'), w = base.width, e = d.extent, at = v => (v + e) / (2 * e) * w;
    ctx.clearRect(0, 0, w, w);
    ctx.strokeStyle = 'rgba(29, 36, 51, 0.12)'; ctx.lineWidth = ratio;
    ctx.beginPath(); ctx.moveTo(w / 2, 0); ctx.lineTo(w / 2, w); ctx.moveTo(0, w / 2); ctx.lineTo(w, w / 2); ctx.stroke();
    const [xs, ys, labels] = d.codes, radius = 1.7 * ratio;
    ctx.globalAlpha = 0.45;
    for (let i = 0; i < xs.length; i++) {
      ctx.fillStyle = d.colors[labels[i] % d.colors.length];
      ctx.beginPath(); ctx.arc(at(xs[i]), w - at(ys[i]), radius, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.globalAlpha = 1;
    const k = s.kept;
    if (k && Math.abs(k[0]) <= e && Math.abs(k[1]) <= e) {
      const x = at(k[0]), y = w - at(k[1]);
      ctx.lineWidth = 2.5 * ratio; ctx.strokeStyle = '#fff';
      ctx.beginPath(); ctx.arc(x, y, 7 * ratio, 0, 2 * Math.PI); ctx.stroke();
      ctx.lineWidth = 1.5 * ratio; ctx.strokeStyle = '#D62728';
      ctx.beginPath(); ctx.arc(x, y, 7 * ratio, 0, 2 * Math.PI); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x - 11 * ratio, y); ctx.lineTo(x + 11 * ratio, y);
      ctx.moveTo(x, y - 11 * ratio); ctx.lineTo(x, y + 11 * ratio); ctx.stroke();
    }
  }

  s.update = async data => {
    s.data = data; s.kept = data.kept;
    drawBase();
    drawDigit([0, 0]);
    if (data.sheet !== s.sheetId) {
      s.sheetId = data.sheet; s.sprite = null; counters.ready = false;
      const t0 = performance.now(), sheet = await sheets().get(data.sheet);
      if (s.sheetId !== data.sheet) return;  // a newer sheet arrived meanwhile
      s.sprite = sheet.bitmap; s.spriteSrc = sheet.src;
      counters.sprite_ms = performance.now() - t0;
      counters.ready = true;
    }
    s.shown = null;
    if (s.pointer) { if (!s.pending) { s.pending = true; requestAnimationFrame(frame); } } else showRest();
  };
  return s;
}
"""

# The sheet travels in an element of its own, whose message is the same on every run: Streamlit sends it once and
# the browser decodes it once, while a click changes (and re-sends) only the plane's small message. It hands the
# decoded sheet to the plane through a registry on the page (components v2 run in the page itself).
SHEETS_JS = r"""
export function sheets() {
  const registry = window.latentLabSheets || (window.latentLabSheets = { entries: new Map() });
  return {
    get(id) {  // a promise of {bitmap, src}, kept until a sheet with the same id is put
      if (!registry.entries.has(id)) { let put; registry.entries.set(id, { promise: new Promise(r => { put = r; }), put }); }
      return registry.entries.get(id).promise;
    },
    async put(id, src) {
      this.get(id);
      const entry = registry.entries.get(id);
      if (entry.src !== undefined) return;  // an id names one sheet: decoded once
      entry.src = src;
      for (const old of registry.entries.keys())  // the two latest sheets are kept (some 30 MB each, decoded)
        if (registry.entries.size > 2 && old !== id) registry.entries.delete(old);
      const img = new Image();
      img.src = src;
      await img.decode();
      entry.put({ bitmap: await createImageBitmap(img), src });
    },
  };
}
"""

SHEET_JS = SHEETS_JS + r"""
export default function ({ data }) { sheets().put(data.id, data.sprite); }
"""

_component = st.components.v2.component("latent_lab_live_plane", html=HTML, css=CSS, js=SHEETS_JS + JS)
_sheet_component = st.components.v2.component("latent_lab_atlas_sheet", js=SHEET_JS)
