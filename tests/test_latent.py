"""core.latent: sweeps, planes, axes and interpolation (pure NumPy, checked against NumPy/SciPy/scikit-learn)."""
import re

import numpy as np
import pytest
from scipy.stats import norm

from core.latent import coordinate_axes, interpolate, plane_points, principal_axes, sweep_values


def whole(message: str) -> str:
    """A `pytest.raises(match=...)` pattern for exactly this message."""
    return f"^{re.escape(message)}$"


# ------------------------------------------------------------------ sweep_values

@pytest.mark.parametrize("extent", [2.5, 0.5])  # any positive extent, below 1 too
def test_linear_sweep_endpoints_and_spacing(extent):
    v = sweep_values(7, "linear", extent=extent)
    assert v.shape == (7,)
    assert v[0] == pytest.approx(-extent) and v[-1] == pytest.approx(extent)
    np.testing.assert_allclose(np.diff(v), 2 * extent / 6)


def test_linear_sweep_is_the_default():
    np.testing.assert_array_equal(sweep_values(5), np.linspace(-3, 3, 5))


def test_quantile_sweep_equals_norm_ppf():
    v = sweep_values(9, "quantile", tail=0.05)
    np.testing.assert_allclose(v, norm.ppf(np.linspace(0.05, 0.95, 9)))
    assert np.all(np.diff(v) > 0)
    np.testing.assert_allclose(v, -v[::-1], atol=1e-12)  # symmetric about 0
    # equal prior mass between neighbours
    np.testing.assert_allclose(np.diff(norm.cdf(v)), 0.9 / 8)


def test_single_step_sweeps():
    assert sweep_values(1, "linear").tolist() == [-3.0]
    assert sweep_values(1, "quantile").shape == (1,)


@pytest.mark.parametrize("kwargs,message", [
    (dict(n=0), "a sweep needs at least one step"),
    (dict(n=-3), "a sweep needs at least one step"),
    (dict(n=5, mode="cubic"), "unknown sweep mode 'cubic'; use 'linear' or 'quantile'"),
    (dict(n=5, extent=0.0), "extent must be positive"),
    (dict(n=5, extent=-1.0), "extent must be positive"),
    (dict(n=5, mode="quantile", tail=0.0), "tail must lie in (0, 0.5)"),
    (dict(n=5, mode="quantile", tail=0.5), "tail must lie in (0, 0.5)"),
    (dict(n=5, mode="quantile", tail=0.7), "tail must lie in (0, 0.5)"),
])
def test_bad_sweep_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=whole(message)):
        sweep_values(**kwargs)


# ------------------------------------------------------------------ plane_points

def test_plane_points_row_major_with_top_row_largest_y():
    xs, ys = [-1.0, 0.0, 1.0], [-2.0, 2.0]
    pts = plane_points([0, 0], [1, 0], [0, 1], xs, ys)
    assert pts.shape == (6, 2) and pts.dtype == np.float32
    expected = np.array([[-1, 2], [0, 2], [1, 2], [-1, -2], [0, -2], [1, -2]], np.float32)
    np.testing.assert_array_equal(pts, expected)


def test_plane_points_general_center_and_axes():
    rng = np.random.default_rng(0)
    center, ax, ay = rng.normal(size=(3, 5))
    xs, ys = np.linspace(-1, 1, 4), np.linspace(-2, 3, 3)
    pts = plane_points(center, ax, ay, xs, ys)
    assert pts.shape == (len(ys) * len(xs), 5)
    grid = pts.reshape(len(ys), len(xs), 5)
    for r, y in enumerate(ys[::-1]):
        for c, x in enumerate(xs):
            np.testing.assert_allclose(grid[r, c], center + x * ax + y * ay, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ coordinate_axes

@pytest.mark.parametrize("i,j", [(1, 3), (0, 2), (3, 0)])  # dimension 0 on either axis, and the last one
def test_coordinate_axes_scale_by_spread_and_keep_others_at_mean(i, j):
    rng = np.random.default_rng(0)
    codes = rng.normal([1.0, -2.0, 3.0, 0.0], [0.5, 2.0, 1.0, 3.0], size=(500, 4))
    center, ax, ay = coordinate_axes(codes, i, j)
    np.testing.assert_allclose(center, codes.mean(0))
    np.testing.assert_allclose(ax, np.eye(4)[i] * codes[:, i].std())
    np.testing.assert_allclose(ay, np.eye(4)[j] * codes[:, j].std())
    # the plane's corner moves only dims i and j
    others = [k for k in range(4) if k not in (i, j)]
    corner = plane_points(center, ax, ay, [1.0], [1.0])[0]
    np.testing.assert_allclose(corner[others], codes.mean(0)[others], rtol=1e-5)


@pytest.mark.parametrize("i,j", [(0, 0), (-1, 1), (0, 4), (4, 1), (5, 1)])
def test_coordinate_axes_bad_dimensions_raise(i, j):
    with pytest.raises(ValueError, match=whole("choose two different dimensions in 0..3")):
        coordinate_axes(np.zeros((10, 4)), i, j)


# ------------------------------------------------------------------ principal_axes

def test_principal_axes_match_svd_on_synthetic_data():
    rng = np.random.default_rng(0)
    # Known principal directions: a rotated axis-aligned Gaussian with std 5, 2, 0.5, 0.1.
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    codes = (rng.normal(size=(4000, 4)) * [5.0, 2.0, 0.5, 0.1]) @ q.T + [1.0, 2.0, 3.0, 4.0]
    center, axes, ratio = principal_axes(codes, k=2)
    assert axes.shape == (2, 4) and ratio.shape == (2,)
    np.testing.assert_allclose(center, codes.mean(0))

    centred = codes - codes.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    std = s / np.sqrt(len(codes) - 1)
    for k in range(2):
        # same line (sign is arbitrary), length one standard deviation along it
        assert abs(abs(axes[k] @ vt[k]) / np.linalg.norm(axes[k]) - 1) < 1e-8
        np.testing.assert_allclose(np.linalg.norm(axes[k]), std[k], rtol=1e-8)
    np.testing.assert_allclose(ratio, (s ** 2 / (s ** 2).sum())[:2], rtol=1e-8)
    # and they recover the generating directions
    assert abs(axes[0] @ q[:, 0]) / np.linalg.norm(axes[0]) > 0.999
    np.testing.assert_allclose(np.linalg.norm(axes, axis=1), [5.0, 2.0], rtol=0.05)


def test_principal_axes_default_to_a_plane():
    codes = np.random.default_rng(2).normal(size=(50, 4))
    center, axes, ratio = principal_axes(codes)
    assert axes.shape == (2, 4) and ratio.shape == (2,)


def test_principal_axes_match_sklearn():
    from sklearn.decomposition import PCA
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6))
    center, axes, ratio = principal_axes(codes, k=3)
    ref = PCA(3).fit(codes)
    np.testing.assert_allclose(np.abs(axes / np.linalg.norm(axes, axis=1, keepdims=True)), np.abs(ref.components_),
                               atol=1e-6)
    np.testing.assert_allclose(ratio, ref.explained_variance_ratio_, rtol=1e-6)


# ------------------------------------------------------------------ code_components (shipped for face models)

def test_code_components_recover_exact_axes_and_spreads():
    """Codes put exactly along two known orthogonal directions: the axes are those directions (largest spread
    first, sign fixed), the spreads their population standard deviations."""
    from core.latent import code_components
    u = np.array([0.6, 0.8, 0.0, 0.0])  # largest entry positive: the sign the function fixes
    v = np.array([0.0, 0.0, -0.28, 0.96])
    mean = np.array([1.0, -2.0, 0.5, 3.0])
    codes = mean + np.array([3 * u, -3 * u, 1 * v, -1 * v])  # spreads: 3/sqrt(2) along u, 1/sqrt(2) along v
    components, stds = code_components(codes, k=2)
    assert components.shape == (2, 4) and stds.shape == (2,) and components.dtype == stds.dtype == np.float32
    np.testing.assert_allclose(components, [u, v], atol=1e-6)
    np.testing.assert_allclose(stds, [3 / np.sqrt(2), 1 / np.sqrt(2)], rtol=1e-6)
    flipped, _ = code_components(mean - (codes - mean), k=2)  # the same cloud mirrored: the same signed axes
    np.testing.assert_allclose(flipped, components, atol=1e-6)


def test_code_components_are_orthonormal_ordered_and_carry_the_variance():
    from core.latent import code_components
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    codes = (rng.normal(size=(500, 6)) * [4.0, 3.0, 2.0, 1.0, 0.5, 0.2]) @ q.T + 7.0
    components, stds = code_components(codes, k=8)  # k beyond the dimensions: all six
    assert components.shape == (6, 6)
    np.testing.assert_allclose(components @ components.T, np.eye(6), atol=1e-5)
    assert np.all(np.diff(stds) < 0)
    np.testing.assert_allclose((stds.astype(np.float64) ** 2).sum(), codes.var(0).sum(), rtol=1e-5)
    projected = (codes - codes.mean(0)) @ components.T.astype(np.float64)
    np.testing.assert_allclose(projected.std(0), stds, rtol=1e-5)  # the spread along each axis, as shipped
    assert all(abs(c @ q[:, k]) > 0.98 for k, c in enumerate(components[:3]))  # the generating directions


def test_code_components_of_the_fewest_codes_and_axes():
    """Two codes (the fewest) make one line: its axis with the sign fixed, the spread half their distance."""
    from core.latent import code_components
    codes = np.array([[0.0, 0.0, 1.0], [3.0, -4.0, 1.0]])
    components, stds = code_components(codes, k=1)
    np.testing.assert_allclose(components, [[-0.6, 0.8, 0.0]], atol=1e-7)  # -0.8 is the largest entry: flipped
    np.testing.assert_allclose(stds, [2.5], rtol=1e-6)


def test_code_components_default_to_eight_axes():
    from core.latent import code_components
    codes = np.random.default_rng(4).normal(size=(50, 10)) * np.arange(10, 0, -1)
    components, stds = code_components(codes)
    assert components.shape == (8, 10) and stds.shape == (8,)
    np.testing.assert_array_equal(components, code_components(codes, k=8)[0])


def test_code_components_of_a_whole_training_set():
    """The face cards' axes come from every training code (CelebA has 162,770): the SVD must not build the
    N x N left factor (200,000 codes would need 320 GB for it)."""
    from core.latent import code_components
    codes = (np.random.default_rng(5).standard_normal((200_000, 3)) * [3.0, 2.0, 1.0]).astype(np.float32)
    components, stds = code_components(codes, k=3)
    np.testing.assert_allclose(np.abs(components), np.eye(3), atol=0.01)
    np.testing.assert_allclose(stds, [3.0, 2.0, 1.0], rtol=0.01)


@pytest.mark.parametrize("codes,k,message", [
    (np.zeros((1, 4)), 8, "principal axes need at least two codes (N, d), got shape (1, 4)"),
    (np.zeros(4), 8, "principal axes need at least two codes (N, d), got shape (4,)"),
    (np.zeros((3, 4)), 0, "k must be at least 1"),
])
def test_code_components_reject_too_few_codes_or_axes(codes, k, message):
    from core.latent import code_components
    with pytest.raises(ValueError, match=whole(message)):
        code_components(codes, k)


# ------------------------------------------------------------------ interpolate

@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_interpolate_endpoints_and_shape(method):
    a, b = np.array([1.0, 2.0, -1.0]), np.array([-0.5, 0.3, 2.0])
    path = interpolate(a, b, 6, method)
    assert path.shape == (6, 3) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], a, rtol=1e-6)
    np.testing.assert_allclose(path[-1], b, rtol=1e-6, atol=1e-6)


def test_linear_interpolation_is_evenly_spaced_on_the_segment():
    a, b = np.zeros(2), np.array([4.0, 8.0])
    np.testing.assert_allclose(interpolate(a, b, 5, "linear"), [[0, 0], [1, 2], [2, 4], [3, 6], [4, 8]])


def test_slerp_keeps_norm_for_equal_norm_endpoints():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=16), rng.normal(size=16)
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    path = interpolate(a, b, 11, "slerp")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(a), rtol=1e-5)
    # whereas the straight line dips inside the sphere
    assert np.linalg.norm(interpolate(a, b, 11, "linear")[5]) < 0.95 * np.linalg.norm(a)


@pytest.mark.parametrize("degrees", [20, 90, 160])  # narrow and wide angles slerp too (only ~0 and ~180 do not)
def test_slerp_follows_the_great_circle_at_constant_angular_speed(degrees):
    angle = np.radians(degrees)
    a, b = np.array([1.0, 0.0]), np.array([np.cos(angle), np.sin(angle)])
    path = interpolate(a, b, 5, "slerp")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, rtol=1e-6)
    angles = np.arctan2(path[:, 1], path[:, 0])
    np.testing.assert_allclose(angles, np.linspace(0, angle, 5), atol=1e-6)


def test_slerp_of_parallel_endpoints_falls_back_to_linear():
    a = np.array([1.0, 1.0])
    path = interpolate(a, 3 * a, 3, "slerp")
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, [[1, 1], [2, 2], [3, 3]], rtol=1e-6)


def test_unknown_interpolation_raises():
    with pytest.raises(ValueError, match=whole("unknown interpolation 'cubic'; use 'linear' or 'slerp'")):
        interpolate([0, 0], [1, 1], 3, "cubic")


# ------------------------------------------------------------------ stratified_indices

def test_stratified_indices_balance_classes():
    from core.latent import stratified_indices
    labels = np.repeat(np.arange(4), [100, 50, 6, 44])  # sorted by class, one small class
    idx = stratified_indices(labels, 40, seed=0)
    assert idx.shape == (40,) and np.all(np.diff(idx) > 0)  # sorted, no repeats
    counts = np.bincount(labels[idx], minlength=4)
    assert counts[2] == 6  # the small class is taken whole
    assert sorted(counts[[0, 1, 3]].tolist()) == [11, 11, 12]  # the rest shared as evenly as possible
    assert counts.sum() == 40


def test_stratified_indices_even_split_and_seeding():
    from core.latent import stratified_indices
    labels = np.random.default_rng(0).integers(0, 10, 1000)
    idx = stratified_indices(labels, 50, seed=1)
    assert np.bincount(labels[idx], minlength=10).tolist() == [5] * 10
    np.testing.assert_array_equal(idx, stratified_indices(labels, 50, seed=1))
    np.testing.assert_array_equal(stratified_indices(labels, 50), stratified_indices(labels, 50, seed=0))
    assert not np.array_equal(idx, stratified_indices(labels, 50, seed=2))
    # clamped to the available points
    assert stratified_indices(labels[:7], 20).tolist() == list(range(7))
    assert stratified_indices(labels, 0).shape == (0,)


def test_plane_coordinates_recover_where_points_were_put():
    from core.latent import plane_coordinates
    center, axes = np.array([1.0, -2.0, 0.5]), np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.5]])
    xy = np.array([[0.0, 0.0], [1.0, -1.0], [-2.5, 3.0]])
    points = center + xy @ axes
    np.testing.assert_allclose(plane_coordinates(points, center, axes), xy)


def test_occupied_extent_is_the_widest_grid_that_stays_among_the_codes():
    from core.latent import occupied_extent
    rng = np.random.default_rng(0)
    square = rng.uniform(-2, 2, (20_000, 2))       # codes fill [-2, 2]²: any grid inside is covered
    assert occupied_extent(square) == 2.25          # 2.25: the outer ring (56 of 225 cells) lies within a spacing
    assert occupied_extent(square, share=1.0) == 2.0
    lopsided = np.column_stack([rng.uniform(-1, 4, 20_000), rng.uniform(-1, 1, 20_000)])  # empty below -1
    assert occupied_extent(lopsided, share=1.0) == 1.0   # the emptiness on one side limits the grid
    assert occupied_extent(rng.uniform(-8, 8, (50_000, 2))) == 5.0   # clipped to the slider's range
    assert occupied_extent(square / 100) == 0.5
    # A 15 x 15 grid unless told otherwise: 16 x 16 cells cover the square's margin differently.
    assert occupied_extent(square, share=0.6) == occupied_extent(square, n=15, share=0.6) == 2.75
    assert occupied_extent(square, n=5, step=0.5) == 3.5  # a coarse grid: cells 1.75 apart, only its 4 corners bare
    assert occupied_extent(square, n=16, share=0.6) == 2.5


def test_occupied_extent_counts_a_cell_exactly_one_spacing_away():
    """A 3 x 3 grid over [-2, 2]² around one code at the centre: the four edge cells lie exactly one spacing (2)
    away and count, so 5 of 9 cells (more than half) are covered at half-width 2."""
    from core.latent import occupied_extent
    assert occupied_extent(np.zeros((1, 2)), n=3, share=0.5, step=1.0, limits=(1.0, 2.0)) == 2.0
    assert occupied_extent(np.zeros((1, 2)), n=3, share=0.6, step=1.0, limits=(1.0, 2.0)) == 1.0


# ------------------------------------------------------------------ interpolation with overshoot

from core.latent import (LEAVES_DATA, Plausibility, analogy, analogy_grid, class_means,  # noqa: E402
                         interpolation_times, nearest_codes, widest_dimensions)


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_no_overshoot_is_the_plain_interpolation(method):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 8))
    np.testing.assert_array_equal(interpolate(a, b, 9, method, overshoot=0.0), interpolate(a, b, 9, method))
    np.testing.assert_allclose(interpolation_times(5), [0, 0.25, 0.5, 0.75, 1])


@pytest.mark.parametrize("overshoot", [0.0, 0.25, 0.5, 1.0])
def test_linear_overshoot_lengthens_the_path_by_that_fraction_beyond_each_end(overshoot):
    a, b = np.array([1.0, -2.0, 0.5]), np.array([4.0, 2.0, 0.5])  # 5 apart
    path = interpolate(a, b, 11, "linear", overshoot=overshoot)
    assert path.shape == (11, 3)
    length = np.linalg.norm(np.diff(path, axis=0), axis=1)
    np.testing.assert_allclose(length.sum(), 5.0 * (1 + 2 * overshoot), rtol=1e-5)
    np.testing.assert_allclose(length, length[0], rtol=1e-5)  # even steps
    np.testing.assert_allclose(path[0], a - overshoot * (b - a), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(path[-1], b + overshoot * (b - a), rtol=1e-5, atol=1e-6)
    # every point on the line through a and b
    direction = (b - a) / 5.0
    off_line = (path - a) - ((path - a) @ direction)[:, None] * direction
    np.testing.assert_allclose(off_line, 0, atol=1e-5)


def test_overshoot_passes_through_both_ends_when_the_steps_fall_on_them():
    a, b = np.zeros(2), np.array([2.0, 0.0])
    path = interpolate(a, b, 5, "linear", overshoot=0.5)  # t = -0.5, 0, 0.5, 1, 1.5
    np.testing.assert_allclose(path, [[-1, 0], [0, 0], [1, 0], [2, 0], [3, 0]], atol=1e-6)
    np.testing.assert_allclose(interpolation_times(5, 0.5), [-0.5, 0, 0.5, 1, 1.5])


def test_slerp_overshoot_continues_along_the_great_circle():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    path = interpolate(a, b, 5, "slerp", overshoot=0.5)  # a quarter turn, and an eighth beyond each end
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, rtol=1e-6)
    angles = np.unwrap(np.arctan2(path[:, 1], path[:, 0]))
    np.testing.assert_allclose(angles, np.linspace(-np.pi / 4, 3 * np.pi / 4, 5), atol=1e-6)


def test_slerp_keeps_gaussian_points_at_their_typical_norm_and_linear_does_not():
    """White (2016): two independent standard Gaussian points in many dimensions have nearly equal norms, about
    sqrt(d), and are nearly orthogonal; the straight line between them dips to about sqrt(d / 2) midway."""
    d = 512
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.standard_normal((2, d))
        typical = np.sqrt(d)
        slerp = np.linalg.norm(interpolate(a, b, 9, "slerp", overshoot=0.25), axis=1)
        np.testing.assert_allclose(slerp, typical, rtol=0.08)
        # the norm varies only about as much as the two ends' norms differ
        assert np.ptp(slerp) <= abs(np.linalg.norm(a) - np.linalg.norm(b)) * 1.6 + 1e-6
        lerp = np.linalg.norm(interpolate(a, b, 9, "linear")[4])
        assert lerp == pytest.approx(typical / np.sqrt(2), rel=0.08)


@pytest.mark.parametrize("scale", [3.0, 2.0, -2.0])
@pytest.mark.parametrize("a", [[0.5, -1.0, 2.0], [1000.0, 2000.0, 3000.0]])  # far out, cos rounds beyond ±1
def test_slerp_of_parallel_or_opposite_vectors_is_the_straight_line(a, scale):
    a = np.array(a)
    for overshoot in (0.0, 0.4):
        path = interpolate(a, scale * a, 7, "slerp", overshoot=overshoot)
        assert np.all(np.isfinite(path))
        np.testing.assert_allclose(path, interpolate(a, scale * a, 7, "linear", overshoot=overshoot), rtol=1e-6)


def test_negative_overshoot_raises():
    with pytest.raises(ValueError, match=whole("overshoot must not be negative")):
        interpolate([0, 0], [1, 1], 3, overshoot=-0.1)


# ------------------------------------------------------------------ analogies

def test_analogy_is_a_minus_b_plus_c_with_weights():
    a, b, c = np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([-3.0, 4.0])
    np.testing.assert_allclose(analogy(a, b, c), [1 - 0.5 - 3, 2 + 1 + 4])
    np.testing.assert_allclose(analogy(a, b, c, weights=(2, 0.5, 0)), 2 * a - 0.5 * b)
    assert analogy(a, b, c).dtype == np.float32


def test_analogy_completes_a_parallelogram():
    """king - man + woman: the offset man -> king applied to woman lands on queen."""
    rng = np.random.default_rng(1)
    man, royal, female = rng.normal(size=(3, 6))
    king, woman, queen = man + royal, man + female, man + royal + female
    np.testing.assert_allclose(analogy(king, man, woman), queen, rtol=1e-5, atol=1e-6)
    # stacks: row by row
    stack = analogy(np.stack([king, woman]), np.stack([man, man]), np.stack([woman, king]))
    np.testing.assert_allclose(stack, [queen, queen], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rows,cols", [(4, 3), (2, 2)])  # 2 x 2: the corners alone
def test_analogy_grid_corners_are_the_inputs_and_the_analogy(rows, cols):
    origin, right, down = np.array([0.0, 0.0, 1.0]), np.array([2.0, 0.0, 1.0]), np.array([0.0, 3.0, 1.0])
    flat = analogy_grid(origin, right, down, rows=rows, cols=cols)
    assert flat.shape == (rows * cols, 3)  # one code per cell, row-major
    grid = flat.reshape(rows, cols, 3)
    np.testing.assert_allclose(grid[0, 0], origin)
    np.testing.assert_allclose(grid[0, -1], right)
    np.testing.assert_allclose(grid[-1, 0], down)
    np.testing.assert_allclose(grid[-1, -1], analogy(right, origin, down))
    np.testing.assert_allclose(grid[0, :, 0], np.linspace(0, 2, cols))   # columns step along right - origin
    np.testing.assert_allclose(grid[:, 0, 1], np.linspace(0, 3, rows))   # rows along down - origin


@pytest.mark.parametrize("rows,cols", [(1, 3), (3, 1), (0, 0)])
def test_analogy_grid_needs_two_rows_and_two_columns(rows, cols):
    with pytest.raises(ValueError, match=whole("an analogy grid needs at least two rows and two columns")):
        analogy_grid(np.zeros(2), np.ones(2), np.ones(2), rows=rows, cols=cols)


# ------------------------------------------------------------------ class means, neighbours, spreads

def test_class_means_average_each_class_and_mark_empty_ones():
    codes = np.array([[0.0, 0.0], [2.0, 4.0], [10.0, 10.0], [1.0, 1.0]])
    labels = np.array([0, 0, 2, 2])
    means = class_means(codes, labels, 4)
    np.testing.assert_allclose(means[[0, 2]], [[1, 2], [5.5, 5.5]])
    assert np.isnan(means[1]).all() and np.isnan(means[3]).all()


def test_nearest_codes_are_sorted_by_distance():
    codes = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0], [-2.0, 0.0], [0.0, 0.5]])
    idx, dist = nearest_codes([0.0, 0.0], codes, k=3)
    assert idx.tolist() == [0, 4, 2]
    np.testing.assert_allclose(dist, [0.0, 0.5, 1.0])
    idx, dist = nearest_codes([3.0, 3.0], codes, k=10)  # clamped to the codes there are
    assert idx.tolist() == [1, 2, 4, 0, 3] and np.all(np.diff(dist) >= 0)
    rng = np.random.default_rng(0)
    many, point = rng.normal(size=(1000, 4)), rng.normal(size=4)
    brute = np.argsort(np.linalg.norm(many - point, axis=1))
    for k in (1, 7):
        assert nearest_codes(point, many, k=k)[0].tolist() == brute[:k].tolist()


@pytest.mark.parametrize("k", [0, -2, 1, 2, 5, 6, 9])  # none, the nearest alone, all but one, all (clamped)
def test_nearest_codes_are_the_k_nearest(k):
    codes = np.array([[5.0, 5.0], [0.3, 0.0], [-2.0, 1.0], [0.0, -0.1], [4.0, 0.0], [1.0, 1.0]])
    idx, dist = nearest_codes([0.0, 0.0], codes, k=k)
    order = [3, 1, 5, 2, 4, 0]  # by distance 0.1, 0.3, 1.41, 2.24, 4, 7.07
    assert idx.tolist() == order[:max(0, k)]
    np.testing.assert_allclose(dist, np.linalg.norm(codes[order[:max(0, k)]], axis=1))


def test_nearest_codes_default_to_five_and_accept_no_codes():
    codes = np.random.default_rng(0).normal(size=(20, 3))
    idx, dist = nearest_codes(np.zeros(3), codes)
    assert idx.tolist() == np.argsort(np.linalg.norm(codes, axis=1))[:5].tolist() and dist.shape == (5,)
    idx, dist = nearest_codes(np.zeros(3), np.zeros((0, 3)))  # e.g. a class with no held-out codes
    assert idx.shape == dist.shape == (0,)


def test_widest_dimensions_by_spread():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(1000, 5)) * [0.1, 3.0, 1.0, 0.01, 2.0]
    assert widest_dimensions(codes, 3).tolist() == [1, 4, 2]


def test_widest_dimensions_keep_equally_spread_ones_in_order():
    """A VAE's collapsed dimensions (all with zero spread) follow the live ones in dimension order."""
    codes = np.zeros((10, 64))
    codes[:, [5, 17, 40]] = np.tile([[1.0, 3.0, 2.0], [-1.0, -3.0, -2.0]], (5, 1))  # spreads 1, 3 and 2
    collapsed = [d for d in range(64) if d not in (5, 17, 40)]
    assert widest_dimensions(codes, 64).tolist() == [17, 40, 5] + collapsed


# ------------------------------------------------------------------ plausibility

@pytest.fixture(scope="module")
def gaussian_codes():
    return np.random.default_rng(0).standard_normal((2000, 4))


def test_plausibility_of_the_heldout_codes_themselves_spans_the_percentiles(gaussian_codes):
    score = Plausibility(gaussian_codes, np.zeros(4), np.eye(4))
    own = score(gaussian_codes)
    assert own.shape == (2000,) and own.min() >= 0 and own.max() <= 100
    # A held-out code sits at least where its own typicality ranks: its nearest code is itself.
    assert 45 <= np.median(own) <= 75
    assert (own < LEAVES_DATA).mean() <= 0.05 + 1e-9


def test_plausibility_ranks_a_heldout_code_above_a_point_far_outside(gaussian_codes):
    score = Plausibility(gaussian_codes, np.zeros(4), np.eye(4))
    typical = gaussian_codes[np.argmin(np.linalg.norm(gaussian_codes, axis=1))]  # the one nearest the centre
    far = np.full(4, 6.0)
    inside, outside = score(np.stack([typical, far]))
    assert inside > 50 and outside < LEAVES_DATA
    assert outside == 0.0
    # along a ray out of the data, plausibility falls
    ray = score(np.linspace(0, 1, 8)[:, None] * far)
    assert np.all(np.diff(ray) <= 1e-9) and ray[0] > ray[-1]


def test_plausibility_uses_the_fitted_gaussian_of_an_autoencoder():
    """Codes far from the origin (an autoencoder's): scored under their own Gaussian, they are typical; under
    N(0, I) everything would look equally improbable."""
    rng = np.random.default_rng(2)
    mean, cov = np.array([20.0, -30.0]), np.array([[40.0, 5.0], [5.0, 10.0]])
    codes = rng.multivariate_normal(mean, cov, size=1500)
    score = Plausibility(codes, mean, cov)
    assert score(mean)[0] > 50
    assert score(np.zeros(2))[0] < LEAVES_DATA
    np.testing.assert_allclose(score.log_density(mean[None]),
                               -0.5 * (np.log(np.linalg.det(cov)) + 2 * np.log(2 * np.pi)), rtol=1e-9)


def test_plausibility_is_low_in_a_gap_between_clusters_even_where_the_prior_is_dense():
    """Two clusters either side of the prior's centre: the centre is dense under the prior but no real code
    lies near it."""
    rng = np.random.default_rng(3)
    codes = np.concatenate([rng.normal(-2.0, 0.2, size=(500, 2)), rng.normal(2.0, 0.2, size=(500, 2))])
    score = Plausibility(codes, np.zeros(2), np.eye(2) * 4)
    assert score(np.zeros(2))[0] < LEAVES_DATA
    assert score(np.array([2.0, 2.0]))[0] > 20


def test_plausibility_percentiles_worked_by_hand():
    """Five 1-D codes under N(0, 1). Mid-rank shares (ties count half) of density and of distance to the
    nearest code give the codes' own typicalities 0.3, 0.6, 0.6, 0.6, 0.1 (for -2, -1, 0, 1, 3); a point's
    percentile is its typicality's mid-rank among those."""
    score = Plausibility(np.array([[-2.0], [-1.0], [0.0], [1.0], [3.0]]), np.zeros(1), np.eye(1))
    # 1: density ties with -1 and 1 (0.6), on a code (near 1): 0.6 ties three scores -> (2 + 5) / 10.
    # 0.5: denser than all but 0 (0.8), on no code but nearer than any gap (1): above every score.
    # -2: density 0.3 (second lowest), on a code: 0.3, tying one score -> (1 + 2) / 10.
    np.testing.assert_allclose(score([[1.0], [0.5], [-2.0], [10.0]]), [70.0, 100.0, 30.0, 0.0])


def test_plausibility_needs_two_codes_and_two_are_enough():
    # codes (0, 0) and (2, 0) under N(0, I): typicalities 0.5 and 0.25; the points on them score 0.75 and 0.25.
    score = Plausibility(np.array([[0.0, 0.0], [2.0, 0.0]]), np.zeros(2), np.eye(2))
    np.testing.assert_allclose(score([[0.0, 0.0], [2.0, 0.0]]), [100.0, 25.0])
    with pytest.raises(ValueError, match=whole("plausibility needs at least two held-out codes")):
        Plausibility(np.zeros((1, 2)), np.zeros(2), np.eye(2))


def test_plausibility_log_density_is_the_gaussian_log_pdf():
    from scipy.stats import multivariate_normal
    mean, cov = np.array([1.0, -2.0, 0.5]), np.array([[2.0, 0.3, 0.0], [0.3, 1.0, -0.2], [0.0, -0.2, 0.5]])
    points = np.random.default_rng(6).normal(size=(10, 3)) * 2
    score = Plausibility(np.random.default_rng(7).normal(size=(50, 3)), mean, cov)
    np.testing.assert_allclose(score.log_density(points), multivariate_normal(mean, cov).logpdf(points), rtol=1e-12)


def test_label_mixture_drops_negative_weights_and_sums_to_one():
    from core.latent import label_mixture
    eye = np.eye(4)
    six_minus_six_plus_eight = analogy(eye[1], eye[1], eye[3])  # the label of "this 6 − average 6 + average 8"
    np.testing.assert_allclose(label_mixture(six_minus_six_plus_eight), [eye[3]])
    np.testing.assert_allclose(label_mixture(analogy(eye[0], eye[1], eye[2])), [[0.5, 0, 0.5, 0]])
    np.testing.assert_allclose(label_mixture([[0.2, 0.6, 0, 0]]), [[0.25, 0.75, 0, 0]])
    np.testing.assert_allclose(label_mixture(-eye[:2], fallback=eye[2]), [eye[2], eye[2]])
    np.testing.assert_allclose(label_mixture(-eye[:1]), [[0, 0, 0, 0]])


def test_label_mixture_fallback_replaces_only_the_rows_with_nothing_left():
    from core.latent import label_mixture
    weights = [[0.2, 0.6, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]]
    np.testing.assert_allclose(label_mixture(weights, fallback=np.eye(4)[3]),
                               [[0.25, 0.75, 0, 0], [0, 0, 0, 1], [0, 0, 0.5, 0.5]])


@pytest.mark.parametrize("total,fallback,expected", [
    (1e-9, None, [0.0, 0.0]), (1e-9, [0.0, 1.0], [0.0, 1.0]),   # 1e-9 in all counts as nothing left
    (2e-9, None, [1.0, 0.0]), (2e-9, [0.0, 1.0], [1.0, 0.0]),   # anything above it is scaled to sum to 1
])
def test_label_mixture_nothing_left_is_at_most_1e_9(total, fallback, expected):
    from core.latent import label_mixture
    np.testing.assert_allclose(label_mixture([[total, 0.0]], fallback=fallback), [expected])


# ---------------------------------------------------------------- attribute vectors (face editing)

def test_attribute_vectors_are_mean_with_minus_mean_without():
    from core.latent import attribute_vectors
    codes = np.array([[1.0, 0.0], [3.0, 2.0], [0.0, 4.0], [2.0, 6.0]])
    present = np.array([[True, False], [True, True], [False, False], [False, True]])
    v = attribute_vectors(codes, present)
    # attribute 0: mean of rows 0, 1 = (2, 1), of rows 2, 3 = (1, 5); attribute 1: rows 1, 3 = (2.5, 4), rows 0, 2 = (0.5, 2)
    np.testing.assert_allclose(v, [[1.0, -4.0], [2.0, 2.0]])
    assert v.dtype == np.float32
    moved = codes + v[0]  # adding the vector to the faces without it lands on the mean of those with it
    np.testing.assert_allclose(moved[~present[:, 0]].mean(0), codes[present[:, 0]].mean(0))
    np.testing.assert_array_equal(attribute_vectors(codes, present.astype(int)), v)  # a 0/1 table reads as bool


def test_attribute_vectors_one_item_either_side_is_enough():
    from core.latent import attribute_vectors
    codes = np.array([[3.0, 0.0], [1.0, 2.0], [2.0, 4.0]])
    present = np.array([[True, False], [False, True], [False, True]])  # one item with the first, one without the second
    np.testing.assert_allclose(attribute_vectors(codes, present), [[1.5, -3.0], [-1.5, 3.0]])


@pytest.mark.parametrize("column", [[True, True, True], [False, False, False]])
def test_attribute_vectors_need_both_sides(column):
    from core.latent import attribute_vectors
    present = np.array([[i == 0, c] for i, c in enumerate(column)])
    with pytest.raises(ValueError, match=whole("every attribute needs items with it and items without it; "
                                               "columns [1] have only one side")):
        attribute_vectors(np.zeros((3, 2)), present)
    with pytest.raises(ValueError, match=whole("3 codes but 2 rows of attributes")):
        attribute_vectors(np.zeros((3, 2)), present[:2, :1])


def test_orthogonal_to_removes_exactly_the_held_directions():
    from core.latent import orthogonal_to
    rng = np.random.default_rng(0)
    direction, held = rng.normal(size=16), rng.normal(size=(3, 16))
    out = orthogonal_to(direction, held).astype(np.float64)
    np.testing.assert_allclose(held @ out, 0.0, atol=1e-5)  # no move along any held direction
    # what is removed lies in the held span: direction - out = held^T c for some c
    c, *_ = np.linalg.lstsq(held.T, direction - out, rcond=None)
    np.testing.assert_allclose(held.T @ c, direction - out, atol=1e-5)
    np.testing.assert_allclose(orthogonal_to(direction, np.zeros((0, 16))), direction, rtol=1e-6)


def test_orthogonal_to_with_a_repeated_or_dependent_held_direction():
    from core.latent import orthogonal_to
    a, b = np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0])
    held = np.stack([a, 2 * a, b, a + b])  # rank 2: the span of x and y
    np.testing.assert_allclose(orthogonal_to([3.0, 4.0, 5.0], held), [0.0, 0.0, 5.0], atol=1e-6)
    np.testing.assert_allclose(orthogonal_to([3.0, 4.0, 5.0], [2 * a, a]), [0.0, 4.0, 5.0], atol=1e-6)


@pytest.mark.parametrize("held,expected", [
    ([[1e-9, 0.0, 0.0]], [1.0, 2.0, 3.0]),                     # as short as 1e-9: no direction to hold
    ([[1.5e-9, 0.0, 0.0]], [0.0, 2.0, 3.0]),                   # longer: held, however short
    ([[1e6, 0.0, 0.0], [0.0, 1e-3, 0.0]], [0.0, 2.0, 3.0]),    # beside a long one, the cut is 1e-9 of its length
    ([[1e6, 0.0, 0.0], [0.0, 2e-3, 0.0]], [0.0, 0.0, 3.0]),
])
def test_orthogonal_to_ignores_held_vectors_too_short_to_point_anywhere(held, expected):
    from core.latent import orthogonal_to
    np.testing.assert_allclose(orthogonal_to([1.0, 2.0, 3.0], held), expected, atol=1e-6)


def test_held_fixed_is_orthogonal_to_the_held_vectors_at_the_vector_s_own_length():
    from core.latent import held_fixed
    rng = np.random.default_rng(9)
    vector, held = rng.normal(size=32), rng.normal(size=(3, 32))
    out = held_fixed(vector, held)
    np.testing.assert_allclose(held @ out, 0.0, atol=1e-5)  # orthogonal_to answers in float32
    assert np.linalg.norm(out) == pytest.approx(np.linalg.norm(vector), rel=1e-6)
    assert out @ vector > 0  # still towards the attribute
    np.testing.assert_allclose(held_fixed([3.0, 4.0, 0.0], [[0.0, 1.0, 0.0]]), [5.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(held_fixed([3.0, 4.0, 0.0], np.zeros((0, 3))), [3.0, 4.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("vector,held", [
    ([1.0, 1.0, 0.0], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),   # wholly in the held span
    ([1.0, 1.0, 0.0], [[1.0, 1.0, 1e-9]]),                    # all but a rounding error of it
])
def test_held_fixed_leaves_no_direction_when_nothing_of_the_vector_is_free(vector, held):
    from core.latent import held_fixed
    np.testing.assert_array_equal(held_fixed(vector, held), [0.0, 0.0, 0.0])


def test_edit_direction_sums_strength_times_vector_in_double_precision():
    from core.latent import edit_direction
    rng = np.random.default_rng(8)
    vectors = dict(zip("abc", rng.normal(size=(3, 64))))
    strengths = {"a": 0.7, "b": -1.3, "c": 2.1}
    expected = np.zeros(64)
    for name, strength in strengths.items():
        expected += strength * vectors[name]
    np.testing.assert_array_equal(edit_direction(vectors, strengths), expected.astype(np.float32))


def test_edit_latents_adds_strength_times_vector_and_holds():
    from core.latent import edit_direction, edit_latents
    vectors = {"Smiling": np.array([1.0, 1.0, 0.0]), "Male": np.array([0.0, 1.0, 0.0]),
               "Young": np.array([0.0, 0.0, 2.0])}
    z = np.array([[0.5, 0.5, 0.5], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(edit_latents(z, vectors, {"Smiling": 2.0, "Young": -0.5}),
                               z + [2.0, 2.0, -1.0])
    held = edit_latents(z, vectors, {"Smiling": 2.0}, hold=["Male"])  # Smiling without its Male component,
    np.testing.assert_allclose(held, z + [2.0 * np.sqrt(2.0), 0.0, 0.0], atol=1e-6)  # at Smiling's length
    np.testing.assert_allclose(held @ vectors["Male"], z @ vectors["Male"], atol=1e-6)  # Male coordinate unmoved
    # an attribute being edited is not held against itself; a zero strength moves nothing
    np.testing.assert_allclose(edit_direction(vectors, {"Male": 1.0}, hold=["Male"]), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(edit_latents(z[0], vectors, {"Smiling": 0.0}, hold=["Male"]), z[0])
    np.testing.assert_allclose(edit_latents(z[0], vectors, {"Smiling": 0.0, "Young": 1.0}), z[0] + [0.0, 0.0, 2.0])


@pytest.mark.parametrize("strengths,hold,names", [
    ({"Smiles": 1.0}, (), "Smiles"),
    ({"Smiling": 1.0}, ["Beard"], "Beard"),
    ({"Smiles": 1.0}, ["Beard"], "Beard, Smiles"),
])
def test_edit_latents_name_unknown_attributes_and_the_known_ones(strengths, hold, names):
    from core.latent import edit_latents
    vectors = {"Smiling": np.ones(3), "Male": np.ones(3), "Young": np.ones(3)}
    with pytest.raises(KeyError) as raised:
        edit_latents(np.zeros(3), vectors, strengths, hold)
    assert raised.value.args[0] == f"no attribute vector for {names}; known: Male, Smiling, Young"


# ---------------------------------------------------------------- dtypes: float32 out, any float precision in

def _decoder_inputs():
    from core.latent import class_means, edit_direction, edit_latents, label_mixture, orthogonal_to
    vectors = {"Smiling": np.array([1.0, 1.0, 0.0]), "Male": np.array([0.0, 1.0, 0.0])}
    return {
        "class_means": lambda: class_means([[0.0, 1.0], [2.0, 3.0]], [0, 0], 2),
        "label_mixture": lambda: label_mixture([[1.0, 3.0]]),
        "orthogonal_to nothing held": lambda: orthogonal_to([1.0, 2.0, 3.0], np.zeros((0, 3))),
        "orthogonal_to": lambda: orthogonal_to([1.0, 2.0, 3.0], [[1.0, 0.0, 0.0]]),
        "edit_direction": lambda: edit_direction(vectors, {"Smiling": 1.0}),
        "edit_latents": lambda: edit_latents(np.zeros(3, np.float32), vectors, {"Smiling": 1.0}),
        "slerp of parallel codes": lambda: interpolate([1.0, 2.0], [2.0, 4.0], 3, "slerp"),
        "analogy_grid": lambda: analogy_grid([0.0, 0.0], [1.0, 0.0], [0.0, 1.0], 2, 2),
    }


@pytest.mark.parametrize("name", list(_decoder_inputs()))
def test_codes_for_the_decoder_come_as_float32(name):
    """Everything a page hands to a decoder is float32, the models' dtype, whatever the inputs were."""
    assert _decoder_inputs()[name]().dtype == np.float32


def _float_precision_cases():
    from core.latent import class_means, code_components, label_mixture, orthogonal_to, plane_coordinates
    rng = np.random.default_rng(9)
    codes, (a, b, c), points = rng.normal(3.0, 2.0, (60, 4)), rng.normal(size=(3, 4)), rng.normal(size=(20, 4))
    axes, (start, end) = rng.normal(size=(2, 4)), rng.normal(size=(2, 64))
    cov = np.cov(codes.T)
    return {
        "plane_coordinates": lambda x: plane_coordinates(x(codes), x(codes.mean(0)), x(axes)),
        "code_components": lambda x: code_components(x(codes), k=3),
        "slerp": lambda x: interpolate(x(start), x(end), 9, "slerp"),
        "analogy": lambda x: analogy(x(a), x(b), x(c), weights=(1.5, 0.5, 1.0)),
        "analogy_grid": lambda x: analogy_grid(x(a), x(b), x(c), 3, 4),
        "class_means": lambda x: class_means(x(codes), np.arange(60) % 3, 3),
        "label_mixture": lambda x: label_mixture(x(np.abs(codes))),
        "Plausibility.log_density": lambda x: Plausibility(x(codes), x(codes.mean(0)), x(cov)).log_density(x(points)),
        "orthogonal_to": lambda x: orthogonal_to(x(a), x(np.stack([b, c]))),
    }


@pytest.mark.parametrize("name", list(_float_precision_cases()))
def test_float32_codes_give_the_same_answer_as_the_same_values_in_float64(name):
    """Encoders give float32 codes, saved statistics and means are float64: the maths runs in double precision
    either way, so the same values give the same answer to the last bit."""
    case = _float_precision_cases()[name]
    as_float32, as_float64 = (case(lambda v: np.asarray(v, np.float32).astype(dtype))
                              for dtype in (np.float32, np.float64))
    for got, expected in zip(*((r if isinstance(r, tuple) else (r,)) for r in (as_float32, as_float64))):
        np.testing.assert_array_equal(got, expected)


# ---------------------------------------------------------------- how unlike the real items one picture is

from core import latent  # noqa: E402

def test_standardised_distance_is_the_rms_of_standardised_dimensions():
    mean, std = np.array([1.0, -2.0]), np.array([2.0, 0.5])
    codes = np.array([[1.0, -2.0], [3.0, -2.5], [5.0, -2.0]])
    np.testing.assert_allclose(latent.standardised_distance(codes, mean, std), [0.0, 1.0, np.sqrt(2)])
    assert latent.standardised_distance(codes[1], mean, std).shape == (1,)


TYPICAL = {"percentiles": [1, 99], "code_distance": [0.6, 1.5], "reconstruction_mse": [0.002, 0.015]}


@pytest.mark.parametrize("distance,mse,reasons", [
    (1.0, 0.005, []),
    (0.6, 0.002, []),  # at the edges of the range: still typical
    (0.3, 0.005, ["nearer the average code than that of 99% of real faces"]),
    (1.6, 0.005, ["farther from the average code than that of 99% of real faces"]),
    (1.0, 0.0001, ["more exactly than 99% of real faces"]),
    (1.0, 0.09, ["less exactly than 99% of real faces"]),
    (0.3, 0.0001, ["nearer the average code", "more exactly"]),  # a grey square: both
])
def test_unlike_real_items_names_each_range_a_picture_leaves(distance, mse, reasons):
    found = latent.unlike_real_items(distance, mse, TYPICAL)
    assert len(found) == len(reasons)
    for why, part in zip(found, reasons):
        assert part in why


# ---------------------------------------------------------------- linear boundaries and per-face moves

def test_linear_boundaries_find_the_separating_direction_and_signed_distances():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(400, 3)) * [1.0, 5.0, 0.2] + [2.0, -1.0, 0.5]
    present = np.column_stack([codes[:, 0] > 2.3, codes[:, 2] < 0.4])
    got = latent.linear_boundaries(codes, present)
    assert got["normals"].shape == (2, 3) and got["offsets"].shape == (2,) and got["spread"].shape == (2,)
    np.testing.assert_allclose(np.linalg.norm(got["normals"], axis=1), 1.0, rtol=1e-5)
    assert abs(got["normals"][0, 0]) > 0.99 and got["normals"][0, 0] > 0    # along x, pointing to "present"
    assert abs(got["normals"][1, 2]) > 0.99 and got["normals"][1, 2] < 0    # along z, pointing down
    distance = codes @ got["normals"][0] + got["offsets"][0]
    assert np.mean((distance > 0) == present[:, 0]) > 0.97                   # the sign says which side
    np.testing.assert_allclose(got["spread"][0], distance.std(), rtol=1e-5)


def test_move_to_distance_puts_every_code_at_the_target_and_keeps_held_distances():
    normal = np.array([1.0, 0.0, 0.0])
    z = np.array([[0.0, 1.0, 2.0], [-3.0, 0.0, 0.0], [5.0, 1.0, 1.0]])
    moved = latent.move_to_distance(z, normal, 1.0, 2.5)
    np.testing.assert_allclose(moved @ normal + 1.0, 2.5, rtol=1e-6)         # each code at the target
    np.testing.assert_allclose(moved[:, 1:], z[:, 1:])                       # only along the normal
    held = np.array([[0.6, 0.8, 0.0]])
    kept = latent.move_to_distance(z, normal, 1.0, 2.5, held)
    np.testing.assert_allclose(kept @ normal + 1.0, 2.5, rtol=1e-5)
    np.testing.assert_allclose(kept @ held[0], z @ held[0], atol=1e-5)     # the held boundary's distance stays
    np.testing.assert_array_equal(latent.move_to_distance(z, normal, 1.0, 2.5, [normal]), z.astype(np.float32))


def test_move_to_distance_with_a_least_move_goes_on_past_the_target_and_never_back():
    normal = np.array([1.0, 0.0, 0.0])
    z = np.array([[0.0, 1.0, 2.0], [2.0, 0.0, 0.0], [5.0, 1.0, 1.0]])      # distances 1, 3, 6 from x = -1
    moved = latent.move_to_distance(z, normal, 1.0, 2.5, least=0.5) @ normal + 1.0
    np.testing.assert_allclose(moved, [2.5, 3.5, 6.5], rtol=1e-6)          # short: to 2.5; near or past: on by 0.5
    back = latent.move_to_distance(z, normal, 1.0, -2.5, least=0.5) @ normal + 1.0
    np.testing.assert_allclose(back, [-2.5, -2.5, -2.5], rtol=1e-6)
    beyond = latent.move_to_distance(z - [6, 0, 0], normal, 1.0, -2.5, least=0.5) @ normal + 1.0
    np.testing.assert_allclose(beyond, [-5.5, -3.5, -2.5], rtol=1e-6)     # distances -5, -3, 0


def test_move_to_distance_along_another_direction_reaches_the_target_on_its_way_holding_and_moving_least():
    normal = np.array([1.0, 0.0, 0.0])
    z = np.array([[0.0, 1.0, 2.0], [2.0, 0.0, 0.0], [5.0, 1.0, 1.0]])      # distances 1, 3, 6 from x = -1
    way = np.array([2.0, 1.0, 0.0])                                        # a de-tied vector, tilted off the normal
    moved = latent.move_to_distance(z, normal, 1.0, 4.0, direction=way)
    np.testing.assert_allclose(moved @ normal + 1.0, 4.0, rtol=1e-6)       # each code at the target distance
    np.testing.assert_allclose(np.cross(moved - z, way), 0.0, atol=1e-6)   # moved along the direction only
    np.testing.assert_allclose((moved - z)[:, 1], [1.5, 0.5, -1.0], rtol=1e-6)  # half the normal step, per face
    held = np.array([[0.0, 1.0, 0.0]])                                     # hold the second coordinate's boundary
    kept = latent.move_to_distance(z, normal, 1.0, 4.0, held, direction=way)
    np.testing.assert_allclose(kept @ normal + 1.0, 4.0, rtol=1e-6)
    np.testing.assert_allclose(kept @ held[0], z @ held[0], atol=1e-6)     # the held distance stays
    least = latent.move_to_distance(z, normal, 1.0, 4.0, least=2.0, direction=way) @ normal + 1.0
    np.testing.assert_allclose(least, [4.0, 5.0, 8.0], rtol=1e-6)          # near or past: still on by 2
    for flat in ([0.0, 1.0, 1.0], [-1.0, 0.0, 0.0]):                       # along the boundary, or against it
        np.testing.assert_array_equal(latent.move_to_distance(z, normal, 1.0, 4.0, direction=flat),
                                      z.astype(np.float32))


def test_detied_vectors_recover_each_attributes_own_effect_where_mean_differences_carry_the_tie():
    rng = np.random.default_rng(1)
    n = 4000
    woman = rng.random(n) < 0.5
    lipstick = np.where(woman, rng.random(n) < 0.8, rng.random(n) < 0.05)   # tied, as in CelebA
    present = np.column_stack([woman, lipstick])
    effects = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])                   # each attribute moves its own axis
    codes = present @ effects + rng.normal(0, 0.1, (n, 3)) + [0.5, -0.5, 1.0]
    detied = latent.detied_vectors(codes, present)
    np.testing.assert_allclose(detied, effects, atol=0.02)
    tied = latent.attribute_vectors(codes, present)
    assert tied[1, 0] > 1.0  # the mean difference of lipstick drags along most of "woman"
