"""Convert between what users hold (uint8 or float arrays, with or without a channel axis) and model tensors, and
measure what pictures hold (their fine detail)."""
from __future__ import annotations

import numpy as np


def as_model_input(images) -> np.ndarray:
    """(N, H, W) or (N, H, W, C), uint8 0-255 or float 0-1 -> float32 (N, H, W, C) in [0, 1]."""
    x = np.asarray(images)
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 255.0
    else:
        x = x.astype(np.float32)
        if x.size and (x.min() < 0.0 or x.max() > 1.0):
            raise ValueError("float images must lie in [0, 1]; pass uint8 for 0-255 data")
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(f"expected images shaped (N, H, W) or (N, H, W, C), got {x.shape}")
    return x


def to_uint8(images) -> np.ndarray:
    """Float images in [0, 1] -> uint8, channel axis dropped for grayscale."""
    x = np.asarray(images)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def tile(images, rows: int, cols: int, pad: int = 0, fill: float = 0.0) -> np.ndarray:
    """Lay N = rows*cols images (N, H, W[, C]) out as one (rows*H, cols*W[, C]) mosaic, row-major."""
    x = np.asarray(images)
    if len(x) != rows * cols:
        raise ValueError(f"{len(x)} images do not fill a {rows}x{cols} grid")
    n, h, w = x.shape[:3]
    rest = x.shape[3:]
    canvas = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, *rest), fill, dtype=x.dtype)
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        canvas[top:top + h, left:left + w] = x[i]
    return canvas


def paste_sprites(sprites, corners, shape) -> np.ndarray:
    """Alpha-composite RGBA sprites (N, h, w, 4) uint8 onto a transparent (H, W, 4) canvas, later ones on top.

    `corners` holds each sprite's top-left (row, col); parts outside the canvas are clipped.
    Drawing many small images as one picture is far cheaper, in Python and in the browser,
    than one plot image apiece (the scatter page's "images as markers" view).
    """
    sprites = np.asarray(sprites, np.float32) / 255.0
    premultiplied = np.zeros((*shape, 4), np.float32)
    h, w = sprites.shape[1:3]
    for sprite, (row, col) in zip(sprites, np.asarray(corners, int)):
        top, left, bottom, right = max(row, 0), max(col, 0), min(row + h, shape[0]), min(col + w, shape[1])
        if top >= bottom or left >= right:
            continue
        src = sprite[top - row:bottom - row, left - col:right - col]
        alpha = src[..., 3:]
        under = premultiplied[top:bottom, left:right]
        under[..., :3] = src[..., :3] * alpha + under[..., :3] * (1 - alpha)
        under[..., 3:] = alpha + under[..., 3:] * (1 - alpha)
    coverage = premultiplied[..., 3:]
    rgb = np.divide(premultiplied[..., :3], coverage, out=np.zeros_like(premultiplied[..., :3]), where=coverage > 0)
    return to_uint8(np.concatenate([rgb, coverage], axis=-1))


GIF_SCALE, GIF_FRAME_MS = 4, 120


def gif(images, scale: int = GIF_SCALE, frame_ms: int = GIF_FRAME_MS) -> bytes:
    """A walk as an animated GIF that loops, each picture (uint8, or float in [0, 1]) scaled up with crisp pixels."""
    import io
    from PIL import Image
    frames = [Image.fromarray(x if x.dtype == np.uint8 else to_uint8(x)).resize(
        (x.shape[1] * scale, x.shape[0] * scale), Image.NEAREST) for x in np.asarray(images)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=frame_ms, loop=0)
    return buffer.getvalue()


def laplacian_energy(images: np.ndarray) -> float:
    """Mean squared 4-neighbour Laplacian of the grey images (N, H, W, C), levels in [0, 1] (uint8 scaled): fine
    detail, which a soft decoder lacks."""
    from scipy.ndimage import laplace
    grey = as_model_input(images).mean(axis=-1)
    return float(np.mean([np.mean(laplace(g, mode="nearest") ** 2) for g in grey]))


def threshold(images, level: float = 0.5) -> np.ndarray:
    """Binary images: 1 where the grey level (uint8 scaled to [0, 1]) exceeds `level`, else 0; float32 (N, H, W, C).
    The one binarisation the PixelCNN is trained and measured on, and the VAEs' bounds beside it."""
    return (as_model_input(images) > level).astype(np.float32)
