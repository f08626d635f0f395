"""Latent-space maths the pages share: sweeps, planes through the latent space, projections, interpolation,
arithmetic (analogies, class means), nearest codes, how plausible a point is, and attribute-vector edits.

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


def code_components(codes: np.ndarray, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The first k principal axes of `codes` (N, d) as unit vectors (k, d), largest variance first, and the
    standard deviation of the codes along each (k,): an SVD of the centred codes, population variance (as
    `codes.std(0)`), so stds**2 / codes.var(0).sum() is the share of the total variance each axis carries.

    Aggregate statistics only, like a mean: no single code can be read back from them. Each axis's sign is
    fixed (its largest entry in absolute value is positive), so re-running on the same codes gives the same axes.
    """
    codes = np.asarray(codes, np.float64)
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(f"principal axes need at least two codes (N, d), got shape {codes.shape}")
    k = min(int(k), *codes.shape)
    if k < 1:
        raise ValueError("k must be at least 1")
    centred = codes - codes.mean(0)
    _, singular, rows = np.linalg.svd(centred, full_matrices=False)
    components = rows[:k]
    flip = np.sign(components[np.arange(k), np.abs(components).argmax(1)])
    components = components * np.where(flip == 0, 1.0, flip)[:, None]
    return components.astype(np.float32), (singular[:k] / np.sqrt(len(codes))).astype(np.float32)


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


def interpolation_times(steps: int, overshoot: float = 0.0) -> np.ndarray:
    """The path parameter t of each of `steps` points: evenly spaced over [-overshoot, 1 + overshoot], so t = 0
    is the start, t = 1 the end and the overshoot runs that fraction of the way again beyond each end."""
    if overshoot < 0:
        raise ValueError("overshoot must not be negative")
    return np.linspace(-overshoot, 1.0 + overshoot, steps)


def interpolate(a, b, steps: int, method: str = "linear", overshoot: float = 0.0) -> np.ndarray:
    """`steps` points from a to b inclusive. slerp follows the great circle, which keeps
    Gaussian samples at a typical norm (White, 2016). With `overshoot` the path runs that fraction of its
    length further beyond both ends (a 6 -> 8 walk with 0.5 goes on past the 8 to a more extreme one), the
    steps spread evenly over the whole path (interpolation_times)."""
    return interpolate_at(a, b, interpolation_times(steps, overshoot), method)


def interpolate_at(a, b, t, method: str = "linear") -> np.ndarray:
    """The path's points at parameters t (t = 0 is a, t = 1 is b; beyond them, the path goes on): (len(t), d)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if method not in ("linear", "slerp"):
        raise ValueError(f"unknown interpolation {method!r}; use 'linear' or 'slerp'")
    t = np.asarray(t, np.float64).reshape(-1, 1)
    if method == "linear":
        return ((1 - t) * a + t * b).astype(np.float32)
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6 or np.pi - omega < 1e-6:  # parallel (or opposite): no single great circle, so the line
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)


def analogy(a, b, c, weights=(1.0, 1.0, 1.0)) -> np.ndarray:
    """wa·a − wb·b + wc·c: "a is to b as c is to ?" read as b → a applied to c (with unit weights a − b + c).

    Works on single points (d,) or row-wise on stacks (N, d); float32."""
    wa, wb, wc = (float(w) for w in weights)
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    return (wa * a - wb * b + wc * c).astype(np.float32)


def analogy_grid(origin, right, down, rows: int, cols: int, extent: float = 1.0) -> np.ndarray:
    """White's J-diagram: origin + u·(right − origin) + v·(down − origin) for u over `cols` steps and v over
    `rows` steps of [0, extent], row-major from the top left. With extent 1 the corners are origin (top left),
    right (top right), down (bottom left) and right − origin + down, the analogy (bottom right)."""
    if rows < 2 or cols < 2:
        raise ValueError("an analogy grid needs at least two rows and two columns")
    origin, right, down = (np.asarray(v, np.float64) for v in (origin, right, down))
    u, v = np.linspace(0.0, extent, cols), np.linspace(0.0, extent, rows)
    grid = origin + u[None, :, None] * (right - origin) + v[:, None, None] * (down - origin)
    return grid.reshape(rows * cols, -1).astype(np.float32)


def class_means(codes, labels, num_classes: int) -> np.ndarray:
    """(num_classes, d): the mean code of each class ("the average 6"); NaN for a class with no codes."""
    codes, labels = np.asarray(codes, np.float64), np.asarray(labels)
    means = np.full((num_classes, codes.shape[1]), np.nan)
    for k in range(num_classes):
        members = labels == k
        if members.any():
            means[k] = codes[members].mean(0)
    return means.astype(np.float32)


def nearest_codes(point, codes, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Indices and Euclidean distances of the k codes nearest `point`, nearest first."""
    codes = np.asarray(codes, np.float64)
    distance = np.linalg.norm(codes - np.asarray(point, np.float64).reshape(1, -1), axis=1)
    k = max(0, min(k, len(codes)))
    order = np.argpartition(distance, k - 1)[:k] if 0 < k < len(codes) else np.arange(len(codes))[:k]
    order = order[np.argsort(distance[order], kind="stable")]
    return order, distance[order]


def widest_dimensions(codes, k: int) -> np.ndarray:
    """The k latent dimensions along which the codes spread most (standard deviation), widest first."""
    return np.argsort(-np.asarray(codes).std(0), kind="stable")[:k]


def trick_latents(mean, std, n: int, seed: int = 0) -> np.ndarray:
    """n draws of the sampling trick, N(mean, std^2) per dimension of the training codes (a VAE's aggregate codes
    do not fill N(0, I) evenly): (n, d) float32, the same draws for the same seed wherever they are made."""
    mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    return (mean + std * np.random.default_rng(seed).standard_normal((n, len(mean)))).astype(np.float32)


def standardised_distance(codes, mean, std) -> np.ndarray:
    """Root mean square over dimensions of (code - mean) / std, (N,): near 1 for a typical training item in many
    dimensions. Far below is atypical too: a featureless picture (a grey square) lands near the average code."""
    codes = np.atleast_2d(np.asarray(codes, np.float64))
    return np.sqrt((((codes - np.asarray(mean)) / np.asarray(std)) ** 2).mean(axis=1))


def unlike_real_items(distance: float, mse: float, typical: dict) -> list[str]:
    """Why one picture is unlike the real items, in words: its code's standardised distance and its
    reconstruction error against the ranges real items keep (`typical`: a card's typical_faces, with
    "percentiles", "code_distance" and "reconstruction_mse" as [low, high]); empty when both are in range."""
    lower, upper = typical["percentiles"]
    (near, far), (exact, rough) = typical["code_distance"], typical["reconstruction_mse"]
    checks = ((distance < near, f"its code lies nearer the average code than that of {100 - lower:g}% of real faces, "
                                "where featureless pictures land"),
              (distance > far, f"its code lies farther from the average code than that of {upper:g}% of real faces"),
              (mse < exact, f"the model redraws it more exactly than {100 - lower:g}% of real faces, as it does a "
                            "plain picture"),
              (mse > rough, f"the model redraws it less exactly than {upper:g}% of real faces"))
    return [why for unlike, why in checks if unlike]


LEAVES_DATA = 5.0  # a plausibility below this percentile: less typical than 95% of the real held-out items


class Plausibility:
    """How typical a latent point is, as a percentile of the held-out codes' own scores: 50 is as typical as the
    median real item, 0 less typical than all of them, 100 more than all.

    A point's typicality combines two ranks among the held-out codes: of its density under a Gaussian (the
    prior of a VAE; for an autoencoder the Gaussian fitted to its codes) and of its distance to the nearest
    held-out code (each held-out code's own: to its nearest other code). The lower of the two counts, so a
    point must be both dense and near real items: the prior's centre can lie in a gap between classes, and a
    point beside one stray code can still be improbable.
    """

    def __init__(self, codes, prior_mean, prior_cov):
        from scipy.spatial import cKDTree
        codes = np.asarray(codes, np.float64)
        if len(codes) < 2:
            raise ValueError("plausibility needs at least two held-out codes")
        self.mean = np.asarray(prior_mean, np.float64)
        chol = np.linalg.cholesky(np.asarray(prior_cov, np.float64))
        self._whiten = np.linalg.inv(chol)  # small (d x d): a product per call, not a solver's checks
        self._log_norm = 2 * np.log(np.diag(chol)).sum() + len(self.mean) * np.log(2 * np.pi)
        self._tree = cKDTree(codes)
        self._densities = np.sort(self.log_density(codes))
        own = self._tree.query(codes, k=2)[0][:, 1]  # each code's distance to its nearest other code
        self._gaps = np.sort(own)
        self._scores = np.sort(self._typicality(self.log_density(codes), own))

    def log_density(self, points) -> np.ndarray:
        """log N(points; mean, cov), (N,)."""
        white = (np.atleast_2d(np.asarray(points, np.float64)) - self.mean) @ self._whiten.T
        return -0.5 * ((white ** 2).sum(1) + self._log_norm)

    def nearest_distance(self, points) -> np.ndarray:
        return self._tree.query(np.atleast_2d(np.asarray(points, np.float64)), k=1)[0]

    def _typicality(self, log_density: np.ndarray, distance: np.ndarray) -> np.ndarray:
        dense = _share_at_most(self._densities, log_density)    # codes no denser than the point
        near = 1.0 - _share_at_most(self._gaps, distance)       # codes farther from their neighbour than it is
        return np.minimum(dense, near)

    def __call__(self, points) -> np.ndarray:
        """Percentiles in [0, 100], one per point (N,), or (1,) for one point."""
        score = self._typicality(self.log_density(points), self.nearest_distance(points))
        return 100.0 * _share_at_most(self._scores, score)


def _share_at_most(reference_sorted: np.ndarray, values) -> np.ndarray:
    """Mid-rank share of the sorted reference below each value: ties count half, so the median scores 0.5."""
    values = np.asarray(values, np.float64)
    below = np.searchsorted(reference_sorted, values, side="left")
    at_most = np.searchsorted(reference_sorted, values, side="right")
    return (below + at_most) / (2.0 * len(reference_sorted))


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


def label_mixture(weights, fallback=None) -> np.ndarray:
    """Label weight vectors made by arithmetic (wa·la − wb·lb + wc·lc, a blend along a path) as a conditional
    decoder takes them: negative weights dropped, each row scaled to sum to 1. A row with nothing left takes
    `fallback`'s row (or stays all zero without one)."""
    w = np.clip(np.atleast_2d(np.asarray(weights, np.float64)), 0.0, None)
    total = w.sum(1, keepdims=True)
    out = np.divide(w, total, out=np.zeros_like(w), where=total > 1e-9)
    if fallback is not None:
        empty = total[:, 0] <= 1e-9
        out[empty] = np.broadcast_to(np.atleast_2d(np.asarray(fallback, np.float64)), w.shape)[empty]
    return out.astype(np.float32)


# ---------------------------------------------------------------- attribute vectors (face editing)

def attribute_vectors(codes, present) -> np.ndarray:
    """(A, d): per attribute, the mean code of the items with it minus the mean code of those without.

    `present` is (N, A) bool. The sign is positive minus negative, so adding the vector adds the attribute.
    An attribute that every item, or none, has gives no direction and raises.
    """
    codes, present = np.asarray(codes, np.float64), np.asarray(present, bool)
    if present.shape[0] != codes.shape[0]:
        raise ValueError(f"{codes.shape[0]} codes but {present.shape[0]} rows of attributes")
    count = present.sum(0)
    if np.any(count == 0) or np.any(count == len(codes)):
        raise ValueError("every attribute needs items with it and items without it; columns "
                         f"{np.flatnonzero((count == 0) | (count == len(codes))).tolist()} have only one side")
    with_mean = (present.T.astype(np.float64) @ codes) / count[:, None]
    without_mean = ((~present).T.astype(np.float64) @ codes) / (len(codes) - count)[:, None]
    return (with_mean - without_mean).astype(np.float32)


def orthogonal_to(direction, others) -> np.ndarray:
    """`direction` minus its projection onto the span of `others` (k, d): moving along the result leaves every
    other direction's coordinate unchanged (InterFaceGAN's conditional manipulation, Shen et al. 2020)."""
    direction = np.asarray(direction, np.float64)
    others = np.atleast_2d(np.asarray(others, np.float64)).reshape(-1, direction.shape[-1])
    if not len(others):
        return direction.astype(np.float32)
    # Orthonormal columns spanning the others; a repeated direction, or a combination of others, adds none.
    basis, spread, _ = np.linalg.svd(others.T, full_matrices=False)
    basis = basis[:, spread > 1e-9 * max(1.0, spread.max(initial=0.0))]
    return (direction - basis @ (basis.T @ direction)).astype(np.float32)


def held_fixed(vector, held) -> np.ndarray:
    """`vector` made orthogonal to the `held` vectors, then stretched back to its own length (InterFaceGAN
    renormalises its conditional directions too), so that a strength moves a code as far held as plain; a
    vector lying wholly in the span of the held ones has no direction left and gives zeros."""
    vector = np.asarray(vector, np.float64)
    free = orthogonal_to(vector, held).astype(np.float64)
    length = np.linalg.norm(free)
    return free * (np.linalg.norm(vector) / length) if length > 1e-6 * np.linalg.norm(vector) else free * 0.0


def detied_vectors(codes, present) -> np.ndarray:
    """(A, d): per attribute, its coefficient in a least-squares regression of the codes on every attribute (0 / 1,
    with an intercept): how far a code moves with the attribute when the others are held fixed. A direction
    without the ties a mean difference carries from the data (lipstick along with being a woman)."""
    codes, present = np.asarray(codes, np.float64), np.asarray(present, np.float64)
    design = np.column_stack([np.ones(len(codes)), present])
    coefficients = np.linalg.lstsq(design, codes, rcond=None)[0]
    return coefficients[1:].astype(np.float32)


def linear_boundaries(codes, present) -> dict:
    """Per attribute, a logistic-regression boundary between the codes with it and those without (InterFaceGAN's
    linear boundaries, with intercept; classes weighted equally, so a rare attribute's boundary is not pushed to
    the edge). Returns unit `normals` (A, d) and `offsets` (A,), so that normal . z + offset is a code's signed
    distance from the boundary, and `spread` (A,), the standard deviation of the codes' distances: targets are
    measured in it. Fitted on standardised codes, then carried back to code space."""
    from sklearn.linear_model import LogisticRegression
    codes, present = np.asarray(codes, np.float64), np.asarray(present, bool)
    mean, std = codes.mean(0), codes.std(0)
    std = np.where(std > 0, std, 1.0)
    standard = (codes - mean) / std
    normals, offsets, spread = [], [], []
    for a in range(present.shape[1]):
        fit = LogisticRegression(class_weight="balanced", max_iter=2000).fit(standard, present[:, a])
        w = fit.coef_[0] / std
        b = fit.intercept_[0] - (fit.coef_[0] * mean / std).sum()
        norm = np.linalg.norm(w)
        normals.append(w / norm)
        offsets.append(b / norm)
        spread.append(float((codes @ normals[-1] + offsets[-1]).std()))
    return {"normals": np.array(normals, np.float32), "offsets": np.array(offsets, np.float32),
            "spread": np.array(spread, np.float32)}


def move_to_distance(z, normal, offset: float, target: float, held_normals=(), least: float = 0.0,
                     direction=None) -> np.ndarray:
    """Each code moved along `direction` (default: the normal), made orthogonal to `held_normals` (whose distances
    then stay), until its signed distance from the boundary is `target` (InterFaceGAN's linear_interpolate, face by
    face: a code far from the boundary moves less than one near it, where one multiple of a vector overshoots or
    undershoots). A `direction` other than the normal (a de-tied vector) sets the way a code moves, the boundary
    only how far. With `least` > 0 every code moves at least that far towards the target's side, so one already
    there, or past it, still goes further that way rather than back. A direction left at under a thousandth of its
    length along the normal (or pointing against it) moves nothing. (N, d) float32."""
    z = np.atleast_2d(np.asarray(z, np.float64))
    normal = np.asarray(normal, np.float64)
    way = normal if direction is None else np.asarray(direction, np.float64)
    way = orthogonal_to(way, held_normals).astype(np.float64)
    along = float(normal @ way)
    if along <= 1e-3 * np.linalg.norm(way):  # (nearly) parallel to the boundary: no way to reach the target
        return z.astype(np.float32)
    gap = target - (z @ normal + offset)
    if least > 0:
        gap = np.maximum(gap, least) if target >= 0 else np.minimum(gap, -least)
    step = gap / along
    return (z + step[:, None] * way).astype(np.float32)


def edit_direction(vectors: dict, strengths: dict, hold=()) -> np.ndarray:
    """Σ strength · vector over the edited attributes, each first made orthogonal to the held attributes'
    vectors and kept at its length (held_fixed; an attribute being edited is not held against itself)."""
    unknown = sorted((set(strengths) | set(hold)) - set(vectors))
    if unknown:
        raise KeyError(f"no attribute vector for {', '.join(unknown)}; known: {', '.join(sorted(vectors))}")
    d = len(next(iter(vectors.values())))
    total = np.zeros(d, np.float64)
    for name, strength in strengths.items():
        if not strength:
            continue
        held = [vectors[h] for h in hold if h != name]
        total += float(strength) * (held_fixed(vectors[name], held) if held else np.asarray(vectors[name]))
    return total.astype(np.float32)


def edit_latents(z, vectors: dict, strengths: dict, hold=()) -> np.ndarray:
    """z (d,) or (N, d) moved by edit_direction: strengths are multiples of each attribute's mean-difference
    vector (1 moves a face as far as the average face with the attribute lies from the average without)."""
    z = np.asarray(z, np.float32)
    return (z + edit_direction(vectors, strengths, hold)).astype(np.float32)
