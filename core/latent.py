"""Latent-space maths the pages share: sweeps, planes through the latent space, projections, interpolation.

Pure NumPy/scikit-learn; no model needed, so every function here is cheap to test.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm


def sweep_values(n: int, mode: str = "linear", extent: float = 3.0, tail: float = 0.05) -> np.ndarray:
    """n standardised coordinates along one axis, ascending.

    linear: evenly spaced in [-extent, extent].
    quantile: the standard normal's quantiles at evenly spaced probabilities in
    [tail, 1 - tail], so each cell covers equal prior mass (as in Kingma & Welling's figures).
    """
    if n < 1:
        raise ValueError("a sweep needs at least one step")
    if mode == "linear":
        if extent <= 0:
            raise ValueError("extent must be positive")
        return np.linspace(-extent, extent, n)
    if mode == "quantile":
        if not 0 < tail < 0.5:
            raise ValueError("tail must lie in (0, 0.5)")
        return norm.ppf(np.linspace(tail, 1 - tail, n))
    raise ValueError(f"unknown sweep mode {mode!r}; use 'linear' or 'quantile'")


def plane_points(center, axis_x, axis_y, xs, ys) -> np.ndarray:
    """Points center + x*axis_x + y*axis_y for a grid, row-major with y descending.

    Row 0 is the top of the picture (largest y), so the mosaic reads like a plot.
    Returns (len(ys) * len(xs), latent_dim) float32.
    """
    center, axis_x, axis_y = (np.asarray(a, np.float64) for a in (center, axis_x, axis_y))
    gx, gy = np.meshgrid(np.asarray(xs, np.float64), np.asarray(ys, np.float64)[::-1])
    pts = center + gx.reshape(-1, 1) * axis_x + gy.reshape(-1, 1) * axis_y
    return pts.astype(np.float32)


def coordinate_axes(codes: np.ndarray, i: int, j: int):
    """Centre and axes for a plane spanned by latent dimensions i and j, scaled by their spread in `codes`.

    The other dimensions stay at their mean over `codes`.
    """
    d = codes.shape[1]
    if not (0 <= i < d and 0 <= j < d) or i == j:
        raise ValueError(f"choose two different dimensions in 0..{d - 1}")
    std = codes.std(0)
    axis_x, axis_y = np.zeros(d), np.zeros(d)
    axis_x[i], axis_y[j] = std[i], std[j]
    return codes.mean(0), axis_x, axis_y


def principal_axes(codes: np.ndarray, k: int = 2, seed: int = 0):
    """Centre and the first k principal directions of `codes`, each scaled to one standard deviation.

    Also returns the fraction of variance each explains.
    """
    from sklearn.decomposition import PCA
    pca = PCA(k, random_state=seed).fit(codes)
    axes = pca.components_ * np.sqrt(pca.explained_variance_)[:, None]
    return pca.mean_, axes, pca.explained_variance_ratio_


def plane_coordinates(codes: np.ndarray, center: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Where codes fall on the plane center + x·axes[0] + y·axes[1] (orthogonal axes): (N, 2), in axis lengths."""
    axes = np.asarray(axes, np.float64)
    return (np.asarray(codes, np.float64) - center) @ axes.T / (axes ** 2).sum(1)


def occupied_extent(coords: np.ndarray, n: int = 15, share: float = 0.8, step: float = 0.25,
                    limits: tuple[float, float] = (0.5, 5.0)) -> float:
    """The largest half-width e (a multiple of `step`, within `limits`) for which at least `share` of an n x n
    grid over [-e, e]² lies within one grid spacing of some code: a sweep over it decodes where the codes are,
    not the empty space an unevenly spread encoder (an autoencoder's) leaves beside them."""
    from scipy.spatial import cKDTree
    tree = cKDTree(np.asarray(coords, np.float64))
    for extent in np.arange(limits[1], limits[0], -step):
        steps = np.linspace(-extent, extent, n)
        distance, _ = tree.query(np.stack(np.meshgrid(steps, steps), axis=-1).reshape(-1, 2))
        if (distance <= 2 * extent / (n - 1)).mean() >= share:
            return float(extent)
    return float(limits[0])


def interpolate(a, b, steps: int, method: str = "linear") -> np.ndarray:
    """`steps` points from a to b inclusive. slerp follows the great circle, which keeps
    Gaussian samples at a typical norm (White, 2016)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if method == "linear":
        return ((1 - t) * a + t * b).astype(np.float32)
    if method == "slerp":
        cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)
        omega = np.arccos(np.clip(cos, -1.0, 1.0))
        if omega < 1e-6:
            return ((1 - t) * a + t * b).astype(np.float32)
        return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)
    raise ValueError(f"unknown interpolation {method!r}; use 'linear' or 'slerp'")


def stratified_indices(labels, n: int, seed: int = 0) -> np.ndarray:
    """n indices (sorted) drawn so every class is as evenly represented as its size allows; seeded.

    Picks which held-out points to draw as thumbnails, so a small class is not crowded
    out by a large one and the same slider value always shows the same digits.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    rank = np.empty(len(labels))  # each point's position in its class's shuffled order
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        rank[rng.permutation(members)] = np.arange(len(members))
    order = np.lexsort((rng.random(len(labels)), rank))  # by rank; ties (one per class) in random order
    return np.sort(order[:max(0, min(n, len(labels)))])
