"""Digits drawn pixel by pixel, replayed in the browser: one components-v2 element that receives a drawing once
(the drawn pixels and each one's probability of ink, core.pixel_model.Drawing) and animates it in raster order,
with no rerun a pixel. Its markup, style and script are the pixel_draw.* files in dashboard/components/ (script and
style sent once, by address: served_components)."""
from __future__ import annotations

import numpy as np

from served_components import Component

PIXELS_PER_S = 120  # 784 pixels in about 6.5 s
SCALE, PROB_SCALE, COLUMNS = 3, 6, 8  # screen pixels per digit pixel in the grid and in the first digit's map

_component = Component("pixel_draw", html="pixel_draw.html", css="pixel_draw.css", js="pixel_draw.js")


def drawing_data(images: np.ndarray, probabilities: np.ndarray, given_rows: int = 0) -> dict:
    """The element's message: each digit's pixels as a string of 0 / 1 and their probabilities of ink as whole
    numbers 0-255, in raster order; the first `given_rows` rows appear at once."""
    side = images.shape[-1]
    return {"side": int(side), "scale": SCALE, "prob_scale": PROB_SCALE, "cols": min(COLUMNS, len(images)),
            "given": int(given_rows * side), "pixels_per_s": PIXELS_PER_S,
            "images": ["".join("1" if v > 0.5 else "0" for v in image.ravel()) for image in images],
            "probs": [np.rint(255 * p.ravel()).astype(int).tolist() for p in probabilities]}


def replay(images: np.ndarray, probabilities: np.ndarray, key: str, given_rows: int = 0) -> None:
    """Draw the animation of these digits (N, H, W) of 0 / 1 and their probabilities (N, H, W)."""
    _component(key=key, data=drawing_data(images, probabilities, given_rows), width="stretch")
