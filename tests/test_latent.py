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
