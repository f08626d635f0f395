"""The Face editing page's charts (as plain data, checked against Plotly's schema by the tests) and its PNG files.
"""
from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image

from core.images import tile, to_uint8
from faces import EXPORT_SIDE, SLIDERS, STRENGTH, edits_card, pretty

# ---------------------------------------------------------------- charts and files

METHOD_NAMES = {"boundary": "boundary", "detied": "de-tied", "detied_boundary": "per-face de-tied"}  # the trade-off chart's words for the sliders' methods

def strengths_figure(names: list[str], strengths: dict) -> dict:
    """Horizontal bars of the current strengths (0 where a slider is at rest), 1 (the measured edit) marked."""
    labels = [pretty(n) for n in names]
    values = [strengths.get(n, 0.0) for n in names]
    return {
        "data": [{"type": "bar", "orientation": "h", "x": values, "y": labels, "name": "strength",
                  "marker": {"color": ["#1F77B4" if v >= 0 else "#D62728" for v in values]},
                  "hovertemplate": "%{y}: %{x:+.1f}<extra></extra>"},
                 {"type": "scatter", "mode": "markers", "x": [1.0] * len(names),
                  "y": labels, "name": "measured edit", "marker": {"symbol": "diamond", "color": "#555555",
                                                                       "size": 8},
                  "hovertemplate": "%{y}: the measured edit<extra></extra>"}],
        "layout": {"height": 60 + 26 * max(len(names), 1), "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
                   "showlegend": False, "bargap": 0.35,
                   "xaxis": {"range": [STRENGTH[0] - 0.2, STRENGTH[1] + 0.2], "zeroline": True,
                             "title": {"text": "strength (1: the measured edit)"}},
                   "yaxis": {"autorange": "reversed", "automargin": True}},
    }


@st.cache_data(show_spinner=False, max_entries=8)
def tradeoff_figure(_model, model: str) -> dict | None:
    """Success against kept on val faces, one point a strength of the method's grid, a line an attribute with a slider
    at first (and, dashed, the method its slider uses where that is not the plain vector): the trade-off each
    default was chosen on, the goal's corner shaded. None without figures."""
    from core.measured_edits import choose
    edits = edits_card(_model)
    per, grid = edits.get("per_attribute") or {}, edits.get("strength_grid") or []
    names = [n for n in SLIDERS if len((per.get(n) or {}).get("validation", {}).get("success", [])) == len(grid) > 0]
    if not names:
        return None
    # Per-attribute goals (over the readings an edit does not entail) have no one corner; the first goals had.
    tied = bool(edits.get("goals_by_attribute"))
    goals = {} if tied else edits.get("goals") or {}
    lines, defaults = [], {"x": [], "y": [], "text": []}
    for name in names:
        chosen = choose(edits, name)
        for method in dict.fromkeys(["vector", chosen.method]):
            row = per[name] if method == "vector" else per[name][method]
            val = row["validation"]
            strengths = val.get("strengths", grid)  # the row's own grid (finer beside the vector), else the card's
            success = [100 * v for v in val["success"]]
            kept = [100 * v for v in val["kept_independent" if tied and "kept_independent" in val else "kept"]]
            label = pretty(name) + ("" if method == "vector" else f" ({METHOD_NAMES[method]})")
            lines.append({"type": "scatter", "mode": "lines+markers", "x": kept, "y": success, "name": label,
                          "customdata": strengths, "marker": {"size": 5}, "legendgroup": name,
                          "line": {"dash": "solid" if method == "vector" else "dash"},
                          "hovertemplate": f"{label} %{{customdata:+.2f}}: success %{{y:.0f}}%, "
                                           "kept %{x:.1f}%<extra></extra>"})
            if method == chosen.method and abs(row.get("strength", 0)) in strengths:
                at = strengths.index(abs(row["strength"]))
                defaults["x"].append(kept[at])
                defaults["y"].append(success[at])
                defaults["text"].append(label)
    lines.append({"type": "scatter", "mode": "markers", "name": "the slider's edit at 1", **defaults,
                  "marker": {"symbol": "circle-open", "size": 13, "color": "#333333", "line": {"width": 2}},
                  "hovertemplate": "%{text}: the slider's edit at 1<extra></extra>"})
    lowest = min(min(t["x"]) for t in lines[:-1])
    corner = [{"type": "rect", "x0": 100 * goals["kept_min"], "x1": 100, "y0": 100 * goals["success_min"], "y1": 101,
               "fillcolor": "rgba(44, 160, 44, 0.15)", "line": {"width": 0}, "layer": "below"}] if goals else []
    return {"data": lines,
            "layout": {"height": 360, "margin": {"l": 10, "r": 10, "t": 10, "b": 40}, "shapes": corner,
                       "xaxis": {"title": {"text": "other readings kept" + (", independent" if tied else "") + " (%)"},
                                 "range": [lowest - 1, 100.5]},
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
