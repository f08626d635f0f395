"""The GAN samples page's Plotly charts as plain data, built without Streamlit from a GAN's card: the measured
truncation trade-off, the training story's curves, the class shares and a conditional GAN's label accuracy.

The page hands these dicts to Plotly unchecked (exports.chart); tests/test_gan_page.py checks every figure the page
sends against Plotly's schema.
"""
from __future__ import annotations

GRID_COLOR = "rgba(128, 128, 128, 0.25)"
FRECHET, CONFIDENCE, SMALLEST, LABELS = "#1F77B4", "#2CA02C", "#D62728", "#9467BD"
LOSSES = {"d_loss": ("D's loss", "#D62728"), "g_loss": ("G's loss", "#1F77B4")}
SCORES = {"d_real": ("D(x): real digits", "#2CA02C"), "d_fake": ("D(G(z)): generated", "#FF7F0E")}


def truncation_chart(points: list[dict]) -> dict:
    """The measured trade-off: Fréchet distance (left axis, lower is better) against the judge's mean confidence,
    the smallest class share and, for a conditional GAN, label accuracy (right axis, shares), by truncation psi.
    The psi shown is not marked (the caption beside it gives its figures): a chart that is the same at every psi is
    not drawn again when the truncation slider moves, which saved the browser some 70 ms of a 250 ms move (traced
    in headless Chromium, conditional GAN)."""
    points = sorted(points, key=lambda p: p["truncation"])
    x = [p["truncation"] for p in points]
    traces = [{"type": "scatter", "mode": "lines+markers", "name": "Fréchet distance (left)", "x": x,
               "y": [p["frechet_distance"] for p in points], "line": {"color": FRECHET},
               "hovertemplate": "ψ %{x}: Fréchet %{y:,.0f}<extra></extra>"},
              {"type": "scatter", "mode": "lines+markers", "name": "judge's confidence", "x": x, "yaxis": "y2",
               "y": [p["mean_confidence"] for p in points], "line": {"color": CONFIDENCE},
               "hovertemplate": "ψ %{x}: mean confidence %{y:.1%}<extra></extra>"},
              {"type": "scatter", "mode": "lines+markers", "name": "smallest class share", "x": x, "yaxis": "y2",
               "y": [p["smallest_class_share"] for p in points], "line": {"color": SMALLEST, "dash": "dot"},
               "hovertemplate": "ψ %{x}: rarest digit %{y:.1%} of samples<extra></extra>"}]
    if all("label_accuracy" in p for p in points):
        traces.append({"type": "scatter", "mode": "lines+markers", "name": "label accuracy", "x": x, "yaxis": "y2",
                       "y": [p["label_accuracy"] for p in points], "line": {"color": LABELS},
                       "hovertemplate": "ψ %{x}: label accuracy %{y:.1%}<extra></extra>"})
    return {"data": traces, "layout": {
        "height": 300, "margin": {"l": 56, "r": 48, "t": 56, "b": 40},
        "legend": {"orientation": "h", "x": 0, "y": 1.2, "yanchor": "bottom"}, "hovermode": "closest",
        "xaxis": {"title": {"text": "truncation ψ"}, "tickvals": x, "gridcolor": GRID_COLOR},
        "yaxis": {"title": {"text": "Fréchet distance"}, "rangemode": "tozero", "gridcolor": GRID_COLOR},
        "yaxis2": {"overlaying": "y", "side": "right", "range": [0, 1.05], "tickformat": ".0%", "showgrid": False,
                   "tickmode": "array", "tickvals": [0, 0.25, 0.5, 0.75, 1]}}}


def story_chart(history: dict, epochs: list[int], epoch: int | None) -> dict:
    """Training, epoch by epoch: both networks' losses above, and below the discriminator's mean probability that
    real digits are real, D(x), and that generated ones are, D(G(z)); 0.5 is a discriminator that cannot tell.
    The epoch whose pictures are shown is marked."""
    traces = [{"type": "scatter", "mode": "lines+markers", "name": name, "x": epochs, "y": history[key],
               "line": {"color": color}, "marker": {"size": 4}, "xaxis": "x", "yaxis": "y",
               "hovertemplate": f"epoch %{{x}}: {name} %{{y:.3f}}<extra></extra>"}
              for key, (name, color) in LOSSES.items() if key in history]
    traces += [{"type": "scatter", "mode": "lines+markers", "name": name, "x": epochs, "y": history[key],
                "line": {"color": color}, "marker": {"size": 4}, "xaxis": "x2", "yaxis": "y2",
                "hovertemplate": f"epoch %{{x}}: {name} %{{y:.2f}}<extra></extra>"}
               for key, (name, color) in SCORES.items() if key in history]
    shapes = [{"type": "line", "xref": "x2 domain", "yref": "y2", "x0": 0, "x1": 1, "y0": 0.5, "y1": 0.5,
               "line": {"color": "#888888", "width": 1, "dash": "dot"}}]
    annotations = []
    if epoch is not None:
        shapes.append({"type": "line", "xref": "x2", "yref": "paper", "x0": epoch, "x1": epoch, "y0": 0, "y1": 1,
                       "line": {"color": "#555555", "width": 1.5, "dash": "dash"}})
        annotations.append({"x": epoch, "y": 1, "xref": "x2", "yref": "paper", "text": f"epoch {epoch}",
                            "showarrow": False, "yanchor": "bottom", "font": {"size": 12}})
    span = [min(epochs) - 0.5, max(epochs) + 0.5] if epochs else None
    return {"data": traces, "layout": {
        "height": 440, "margin": {"l": 56, "r": 16, "t": 64, "b": 40}, "shapes": shapes, "annotations": annotations,
        "legend": {"orientation": "h", "x": 0, "y": 1.1, "yanchor": "bottom"}, "hovermode": "closest",
        "xaxis": {"domain": [0, 1], "anchor": "y", "matches": "x2", "showticklabels": False, "range": span,
                  "gridcolor": GRID_COLOR},
        "yaxis": {"domain": [0.6, 1], "title": {"text": "loss"}, "gridcolor": GRID_COLOR},
        "xaxis2": {"domain": [0, 1], "anchor": "y2", "title": {"text": "epoch"}, "range": span,
                   "gridcolor": GRID_COLOR},
        "yaxis2": {"domain": [0, 0.4], "title": {"text": "D's probability"}, "range": [0, 1.02],
                   "tickmode": "array", "tickvals": [0, 0.5, 1], "gridcolor": GRID_COLOR}}}


def bars(x: list[str], y: list, colors, hover: str, x_title: str, y_axis: dict, shapes: list | None = None,
         height: int = 260) -> dict:
    """One bar a category, no legend: the shape of every bar chart on the page."""
    return {"data": [{"type": "bar", "x": x, "y": y, "marker": {"color": colors}, "hovertemplate": hover}],
            "layout": {"height": height, "margin": {"l": 56, "r": 16, "t": 16, "b": 40}, "shapes": shapes or [],
                       "showlegend": False, "bargap": 0.25,
                       "xaxis": {"title": {"text": x_title}, "type": "category"},
                       "yaxis": {"gridcolor": GRID_COLOR, **y_axis}}}


def class_shares_chart(shares: list[float], names: list[str], colors: list[str], band: tuple | None) -> dict:
    """The share of samples the judge reads as each digit, with the goal band (every digit between its bounds)."""
    shapes = []
    if band is not None:
        shapes.append({"type": "rect", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": band[0], "y1": band[1],
                       "fillcolor": "rgba(44, 160, 44, 0.15)", "line": {"width": 0}, "layer": "below"})
    top = max([*shares, *(band or ())], default=1) * 1.1 or 1
    return bars(names, shares, colors[:len(shares)], "read as %{x}: %{y:.1%}<extra></extra>", "digit the judge reads",
                {"title": {"text": "share of samples"}, "tickformat": ".0%", "range": [0, top]}, shapes)


def readings_chart(counts: list[int], unsure: int, names: list[str], colors: list[str]) -> dict:
    """How many of the samples shown the judge surely reads as each digit, and how many it is unsure of (grey): a GAN
    that draws few kinds of digit shows it here."""
    return bars([*names, "unsure"], [*counts, unsure], [*colors[:len(counts)], "#B0B0B0"],
                "%{x}: %{y} samples<extra></extra>", "what the judge reads",
                {"title": {"text": "samples"}, "rangemode": "tozero", "dtick": max(1, -(-max(*counts, unsure) // 5))},
                height=200)


def label_accuracy_chart(per_class: dict, names: list[str], floor: float | None) -> dict:
    """A conditional GAN's label accuracy digit by digit, with the per-digit goal as a dashed line."""
    digits = sorted(per_class, key=int)
    shapes = [] if floor is None else [
        {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": floor, "y1": floor,
         "line": {"color": "#2CA02C", "width": 1.5, "dash": "dash"}}]
    return bars([names[int(d)] for d in digits], [per_class[d] for d in digits], LABELS,
                "asked for %{x}: %{y:.1%} read as it<extra></extra>", "digit asked for",
                {"title": {"text": "read as asked"}, "tickformat": ".0%", "range": [0, 1.05]}, shapes)
