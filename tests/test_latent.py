"""core.latent: sweeps, planes, axes and interpolation (pure NumPy, checked against NumPy/SciPy/scikit-learn)."""
import numpy as np
import pytest
from scipy.stats import norm

from core.latent import coordinate_axes, interpolate, plane_points, principal_axes, sweep_values


# ------------------------------------------------------------------ sweep_values

def test_linear_sweep_endpoints_and_spacing():
    v = sweep_values(7, "linear", extent=2.5)
    assert v.shape == (7,)
    assert v[0] == pytest.approx(-2.5) and v[-1] == pytest.approx(2.5)
    np.testing.assert_allclose(np.diff(v), 5.0 / 6)


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


@pytest.mark.parametrize("kwargs", [
    dict(n=0), dict(n=-3), dict(n=5, mode="cubic"), dict(n=5, extent=0.0), dict(n=5, extent=-1.0),
    dict(n=5, mode="quantile", tail=0.0), dict(n=5, mode="quantile", tail=0.5), dict(n=5, mode="quantile", tail=0.7),
])
def test_bad_sweep_arguments_raise(kwargs):
    with pytest.raises(ValueError):
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

def test_coordinate_axes_scale_by_spread_and_keep_others_at_mean():
    rng = np.random.default_rng(0)
    codes = rng.normal([1.0, -2.0, 3.0, 0.0], [0.5, 2.0, 1.0, 3.0], size=(500, 4))
    center, ax, ay = coordinate_axes(codes, 1, 3)
    np.testing.assert_allclose(center, codes.mean(0))
    np.testing.assert_allclose(ax, [0, codes[:, 1].std(), 0, 0])
    np.testing.assert_allclose(ay, [0, 0, 0, codes[:, 3].std()])
    # the plane's corner moves only dims 1 and 3
    corner = plane_points(center, ax, ay, [1.0], [1.0])[0]
    np.testing.assert_allclose(corner[[0, 2]], codes.mean(0)[[0, 2]], rtol=1e-5)


@pytest.mark.parametrize("i,j", [(0, 0), (-1, 1), (0, 4), (5, 1)])
def test_coordinate_axes_bad_dimensions_raise(i, j):
    with pytest.raises(ValueError):
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


def test_code_components_need_two_codes():
    from core.latent import code_components
    with pytest.raises(ValueError, match="at least two codes"):
        code_components(np.zeros((1, 4)))


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


def test_slerp_follows_the_great_circle_at_constant_angular_speed():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    path = interpolate(a, b, 5, "slerp")
    angles = np.arctan2(path[:, 1], path[:, 0])
    np.testing.assert_allclose(angles, np.linspace(0, np.pi / 2, 5), atol=1e-6)


def test_slerp_of_parallel_endpoints_falls_back_to_linear():
    a = np.array([1.0, 1.0])
    path = interpolate(a, 3 * a, 3, "slerp")
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, [[1, 1], [2, 2], [3, 3]], rtol=1e-6)


def test_unknown_interpolation_raises():
    with pytest.raises(ValueError):
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
    assert occupied_extent(square, n=5, step=0.5) == 3.5  # a coarse grid: cells 1.75 apart, only its 4 corners bare


# ------------------------------------------------------------------ interpolation with overshoot (issue 18)

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


@pytest.mark.parametrize("scale", [3.0, -2.0])
def test_slerp_of_parallel_or_opposite_vectors_is_the_straight_line(scale):
    a = np.array([0.5, -1.0, 2.0])
    for overshoot in (0.0, 0.4):
        path = interpolate(a, scale * a, 7, "slerp", overshoot=overshoot)
        assert np.all(np.isfinite(path))
        np.testing.assert_allclose(path, interpolate(a, scale * a, 7, "linear", overshoot=overshoot), rtol=1e-6)


def test_negative_overshoot_raises():
    with pytest.raises(ValueError, match="overshoot must not be negative"):
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


def test_analogy_grid_corners_are_the_inputs_and_the_analogy():
    origin, right, down = np.array([0.0, 0.0, 1.0]), np.array([2.0, 0.0, 1.0]), np.array([0.0, 3.0, 1.0])
    grid = analogy_grid(origin, right, down, rows=4, cols=3).reshape(4, 3, 3)
    np.testing.assert_allclose(grid[0, 0], origin)
    np.testing.assert_allclose(grid[0, -1], right)
    np.testing.assert_allclose(grid[-1, 0], down)
    np.testing.assert_allclose(grid[-1, -1], analogy(right, origin, down))
    np.testing.assert_allclose(grid[0, :, 0], [0, 1, 2])   # columns step along right - origin
    np.testing.assert_allclose(grid[:, 0, 1], [0, 1, 2, 3])  # rows along down - origin
    with pytest.raises(ValueError):
        analogy_grid(origin, right, down, rows=1, cols=3)


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
    many, point = rng.normal(size=(500, 4)), rng.normal(size=4)
    idx, dist = nearest_codes(point, many, k=7)
    brute = np.argsort(np.linalg.norm(many - point, axis=1))[:7]
    assert idx.tolist() == brute.tolist()


def test_widest_dimensions_by_spread():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(1000, 5)) * [0.1, 3.0, 1.0, 0.01, 2.0]
    assert widest_dimensions(codes, 3).tolist() == [1, 4, 2]


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


def test_label_mixture_drops_negative_weights_and_sums_to_one():
    from core.latent import label_mixture
    eye = np.eye(4)
    six_minus_six_plus_eight = analogy(eye[1], eye[1], eye[3])  # the label of "this 6 − average 6 + average 8"
    np.testing.assert_allclose(label_mixture(six_minus_six_plus_eight), [eye[3]])
    np.testing.assert_allclose(label_mixture(analogy(eye[0], eye[1], eye[2])), [[0.5, 0, 0.5, 0]])
    np.testing.assert_allclose(label_mixture([[0.2, 0.6, 0, 0]]), [[0.25, 0.75, 0, 0]])
    np.testing.assert_allclose(label_mixture(-eye[:2], fallback=eye[2]), [eye[2], eye[2]])
    np.testing.assert_allclose(label_mixture(-eye[:1]), [[0, 0, 0, 0]])


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


@pytest.mark.parametrize("column", [[True, True, True], [False, False, False]])
def test_attribute_vectors_need_both_sides(column):
    from core.latent import attribute_vectors
    present = np.array([[i == 0, c] for i, c in enumerate(column)])
    with pytest.raises(ValueError, match=r"columns \[1\] have only one side"):
        attribute_vectors(np.zeros((3, 2)), present)
    with pytest.raises(ValueError, match="3 codes but 2 rows"):
        attribute_vectors(np.zeros((3, 2)), present[:2])


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


def test_edit_latents_adds_strength_times_vector_and_holds():
    from core.latent import edit_direction, edit_latents
    vectors = {"Smiling": np.array([1.0, 1.0, 0.0]), "Male": np.array([0.0, 1.0, 0.0]),
               "Young": np.array([0.0, 0.0, 2.0])}
    z = np.array([[0.5, 0.5, 0.5], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(edit_latents(z, vectors, {"Smiling": 2.0, "Young": -0.5}),
                               z + [2.0, 2.0, -1.0])
    held = edit_latents(z, vectors, {"Smiling": 2.0}, hold=["Male"])  # Smiling without its Male component
    np.testing.assert_allclose(held, z + [2.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(held @ vectors["Male"], z @ vectors["Male"], atol=1e-6)  # Male coordinate unmoved
    # an attribute being edited is not held against itself; a zero strength moves nothing
    np.testing.assert_allclose(edit_direction(vectors, {"Male": 1.0}, hold=["Male"]), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(edit_latents(z[0], vectors, {"Smiling": 0.0}, hold=["Male"]), z[0])
    with pytest.raises(KeyError, match="no attribute vector for Smiles"):
        edit_latents(z, vectors, {"Smiles": 1.0})
    with pytest.raises(KeyError, match="no attribute vector for Beard"):
        edit_latents(z, vectors, {"Smiling": 1.0}, hold=["Beard"])
