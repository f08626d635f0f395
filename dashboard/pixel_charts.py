"""The Pixel by pixel page's Plotly charts as plain data, built without Streamlit: a digit's per-pixel surprise,
and what a latent buys (likelihood against the time to draw one digit, from the PixelCNN's card)."""
from __future__ import annotations

import numpy as np

GRID_COLOR = "rgba(128, 128, 128, 0.25)"
NAMES = {"mnist-pixelcnn": "PixelCNN (exact)", "mnist-vae-2d": "VAE 2-D (IWAE bound)",
         "mnist-vae-16d": "VAE 16-D (IWAE bound)", "mnist-cvae": "cVAE, told the label (IWAE bound)"}
LABEL_AT = {"mnist-vae-16d": "bottom center"}  # below its marker: the cVAE's label sits just above it
COLORS = {"mnist-pixelcnn": "#D62728", "mnist-vae-2d": "#1F77B4", "mnist-vae-16d": "#2CA02C", "mnist-cvae": "#9467BD"}


def surprise_map(surprise: np.ndarray) -> dict:
    """-log p of each pixel given the pixels before it (H, W), nats, as a heat map read like the digit."""
    h, w = surprise.shape
    return {"data": [{"type": "heatmap", "z": np.round(surprise, 3).tolist(), "colorscale": "Reds", "zmin": 0,
                      "colorbar": {"title": {"text": "nats"}},
                      "hovertemplate": "row %{y}, column %{x}: -log p = %{z:.2f} nats<extra></extra>"}],
            "layout": {"height": 360, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
                       "xaxis": {"visible": False, "range": [-0.5, w - 0.5], "constrain": "domain"},
                       "yaxis": {"visible": False, "autorange": "reversed", "scaleanchor": "x"}}}


def latent_points(card: dict) -> list[dict]:
    """(model, nats, seconds to draw one digit) from the PixelCNN's card: its own -log p(x) and each latent
    model's IWAE bound on the same binary held-out digits; models without a measured draw time are left out."""
    metrics = card.get("metrics", {})
    points = []
    if "draw_one_s" in metrics:
        points.append({"model": card["id"], "nats": metrics["neg_log_likelihood_nats"],
                       "seconds": metrics["draw_one_s"]})
    for rival, figures in metrics.get("latent_models", {}).items():
        if "draw_one_s" in figures:
            points.append({"model": rival, "nats": figures["neg_log_likelihood_iwae_nats"],
                           "seconds": figures["draw_one_s"]})
    return points


def latent_chart(points: list[dict], digits: int) -> dict:
    """-log p(x) (nats, lower is better) against the time to draw one digit (log scale), one marker a model."""
    traces = [{"type": "scatter", "mode": "markers+text", "name": NAMES.get(p["model"], p["model"]),
               "x": [p["seconds"] * 1e3], "y": [p["nats"]], "text": [NAMES.get(p["model"], p["model"])],
               "textposition": LABEL_AT.get(p["model"], "top center"),
               "marker": {"size": 14, "color": COLORS.get(p["model"], "#7F7F7F")},
               "hovertemplate": "%{y:.1f} nats; one digit in %{x:.3g} ms<extra>" + p["model"] + "</extra>"}
              for p in points]
    ms = np.log10([p["seconds"] * 1e3 for p in points])
    return {"data": traces,
            "layout": {"height": 420, "showlegend": False, "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
                       "xaxis": {"type": "log", "dtick": 1, "range": [float(ms.min()) - 0.4, float(ms.max()) + 0.3],
                                 "title": {"text": "time to draw one digit (ms, log scale)"}, "gridcolor": GRID_COLOR},
                       "yaxis": {"title": {"text": f"-log p(x), nats ({digits:,} binary held-out digits)"},
                                 "gridcolor": GRID_COLOR}}}
