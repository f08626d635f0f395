"""The Latent arithmetic page's Plotly charts as plain data, built without Streamlit: the page caches and draws
them, and bench.latency times them exactly as the page builds them.

The page hands these dicts to Plotly unchecked (its per-property validation costs more than the rest of a rerun);
tests/test_arithmetic_page.py checks every figure the page sends against Plotly's schema.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from core.latent import plane_coordinates, principal_axes


class View(NamedTuple):
    """Where latent points go in the 3-D view: the first three principal components of the held-out codes (in
    code units), or for a 2-D latent the plane itself raised by the log density under the prior."""
    center: np.ndarray
    axes: np.ndarray
    titles: list[str]
    log_density: Callable | None  # for a 2-D latent


class Mark(NamedTuple):
    name: str
    z: np.ndarray
    symbol: str
    color: str


def view_of(codes: np.ndarray, axis_names: list[str], log_density: Callable) -> View:
    if codes.shape[1] == 2:
        return View(np.zeros(2), np.eye(2), [*axis_names[:2], "log density"], log_density)
    center, axes, explained = principal_axes(codes, k=3)
    return View(center, axes, [f"PC {k + 1} ({explained[k]:.0%})" for k in range(3)], None)


def coordinates(view: View, points) -> np.ndarray:
    """(N, 3) places in the view of latent points (N, d)."""
    points = np.atleast_2d(np.asarray(points, np.float64))
    if view.log_density is not None:
        return np.column_stack([points, view.log_density(points)])
    return plane_coordinates(points, view.center, view.axes) * np.linalg.norm(view.axes, axis=1)


def heldout_traces(xyz: np.ndarray, labels: np.ndarray, names: list[str], colors: list[str]) -> list[dict]:
    """The held-out codes, one trace per class, so that clicking a class in the legend hides it."""
    return [{"type": "scatter3d", "mode": "markers", "name": names[c], "x": xyz[labels == c, 0],
             "y": xyz[labels == c, 1], "z": xyz[labels == c, 2], "hoverinfo": "name",
             "marker": {"size": 2, "color": colors[c], "opacity": 0.45}}
            for c in range(len(names)) if (labels == c).any()]


def view_figure(view: View, heldout: list[dict], path: np.ndarray, marks: list[Mark], revision: str) -> dict:
    """The 3-D view: the held-out traces, the interpolation's course as a black line, and one marker a mark.
    `revision` keeps the camera where the user turned it while the same model is shown."""
    walk, places = coordinates(view, path), coordinates(view, np.stack([m.z for m in marks]))
    traces = [*heldout, {"type": "scatter3d", "mode": "lines+markers", "name": "path", "x": walk[:, 0],
                         "y": walk[:, 1], "z": walk[:, 2], "line": {"color": "#000000", "width": 5},
                         "marker": {"size": 2, "color": "#000000"}}]
    for mark, (x, y, z) in zip(marks, places):
        traces.append({"type": "scatter3d", "mode": "markers", "name": mark.name, "x": [x], "y": [y], "z": [z],
                       "marker": {"size": 7, "symbol": mark.symbol, "color": mark.color}})
    axes = {f"{axis}axis": {"title": {"text": title}} for axis, title in zip("xyz", view.titles)}
    return {"data": traces, "layout": {"height": 560, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                                       "scene": {**axes, "aspectmode": "cube"}, "uirevision": revision,
                                       "legend": {"itemsizing": "constant"}}}


def spread_chart(names: list[str], mean: np.ndarray, spread: np.ndarray, z: np.ndarray) -> dict:
    """Each latent dimension's held-out mean as a bar, ± its spread, and the current point as a red diamond."""
    return {"data": [
        {"type": "bar", "x": names, "y": mean, "name": "held-out mean ± spread", "marker": {"color": "#9ecae1"},
         "error_y": {"type": "data", "array": spread, "color": "#4a6f8a"}},
        {"type": "scatter", "mode": "markers", "x": names, "y": z, "name": "the point",
         "marker": {"color": "#D62728", "size": 9, "symbol": "diamond"}}],
        # The legend sits in the top margin, above the plot, where it covers no dimension's marker.
        "layout": {"height": 280, "margin": {"l": 40, "r": 10, "t": 34, "b": 30}, "bargap": 0.3,
                   "legend": {"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
                   "yaxis": {"title": {"text": "code"}}}}
