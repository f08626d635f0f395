"""core.atlas: the decode atlas's cells and points, their orientation, and the sheet against the decoder."""
import numpy as np
import pytest

from core.atlas import CELLS, SPRITE_MAX_ERROR, Atlas, cell, decode_sheet, encode_sheet, sheet
from core.latent import coordinate_axes, plane_coordinates


def skewed_atlas(n: int = 7, extent: float = 2.0) -> Atlas:
    """A plane in 3-D through a centre off the origin, along axes of different lengths: nothing cancels out."""
    center = np.array([0.3, -1.0, 2.0])
    axes = np.array([[0.5, 0.0, 0.0], [0.0, 0.0, 1.5]])
    return Atlas(center, axes, extent, n)


def test_cells_cover_the_plane_in_equal_squares_centred_in_each():
    atlas = skewed_atlas(n=4, extent=2.0)
    np.testing.assert_allclose(atlas.steps(), [-1.5, -0.5, 0.5, 1.5])
    assert atlas.cell_size == pytest.approx(1.0)


def test_cell_of_a_point_and_the_point_of_a_cell_are_inverse():
    atlas = skewed_atlas(n=9, extent=2.5)
    rows, cols = np.meshgrid(np.arange(9), np.arange(9), indexing="ij")
    centres = atlas.centre_of(rows.ravel(), cols.ravel())
    np.testing.assert_array_equal(atlas.cell_of(centres), np.stack([rows.ravel(), cols.ravel()], axis=1))
    # any point of a cell, not only its centre, maps back to it; and the cell's centre is within half a cell
    rng = np.random.default_rng(0)
    xy = rng.uniform(-2.5, 2.5, size=(500, 2))
    back = atlas.centre_of(*atlas.cell_of(xy).T)
    assert np.all(np.abs(back - xy) <= atlas.cell_size / 2 + 1e-12)


def test_latent_and_plane_coordinates_are_inverse():
    atlas = skewed_atlas()
    xy = np.array([[0.0, 0.0], [1.0, -2.0], [-1.75, 0.25]])
    latent = atlas.to_latent(xy)
    np.testing.assert_allclose(latent[0], atlas.center, rtol=1e-6)
    np.testing.assert_allclose(latent[1], [0.8, -1.0, -1.0], rtol=1e-6)
    np.testing.assert_allclose(atlas.to_plane(latent), xy, atol=1e-6)
    np.testing.assert_allclose(atlas.to_plane(latent[2]), xy[2], atol=1e-6)  # one point as (d,)


def test_top_row_is_the_largest_y_and_left_column_the_smallest_x():
    """As the Decoded grid draws it: row 0 at the top of the picture."""
    atlas = skewed_atlas(n=5, extent=2.0)
    points = atlas.points().reshape(5, 5, 3)
    xy = atlas.to_plane(points.reshape(-1, 3)).reshape(5, 5, 2)
    assert np.all(np.diff(xy[:, 0, 1]) < 0)   # y falls down the rows
    assert np.all(np.diff(xy[0, :, 0]) > 0)   # x grows along a row
    np.testing.assert_allclose(xy[0, 0], [-1.6, 1.6])  # the top-left cell's centre
    assert atlas.cell_of([-2.0, 2.0]).tolist() == [0, 0]
    assert atlas.cell_of([2.0, -2.0]).tolist() == [4, 4]  # the far edges belong to the last cells
    assert atlas.cell_of([0.9, 1.9]).tolist() == [0, 3]
    np.testing.assert_allclose(atlas.points()[3], atlas.to_latent(atlas.centre_of(0, 3)), rtol=1e-6)


def test_points_off_the_plane_and_cells_off_the_sheet_are_refused():
    atlas = skewed_atlas(n=5, extent=2.0)
    with pytest.raises(ValueError, match="outside the plane"):
        atlas.cell_of([2.01, 0.0])
    with pytest.raises(ValueError, match="cells run from"):
        atlas.centre_of(5, 0)
    with pytest.raises(ValueError, match="cells run from"):
        atlas.centre_of(0, -1)
    with pytest.raises(ValueError, match="positive extent"):
        Atlas(np.zeros(2), np.eye(2), 0.0)
    assert atlas.contains([2.0, -2.0]) and not atlas.contains([0.0, -2.5])


class LinearDecoder:
    """A stand-in model whose every pixel is a different linear function of z: two cells decode alike only if their
    points are alike, so a cell in the wrong place shows."""
    image_shape = (4, 3, 1)

    def __init__(self):
        rng = np.random.default_rng(1)
        self.weights = rng.normal(size=(2, 12))
        self.calls = []

    def decode(self, z, labels=None):
        self.calls.append(np.asarray(z))
        z = np.asarray(z, np.float64)
        return (1 / (1 + np.exp(-(z @ self.weights)))).reshape(-1, 4, 3).astype(np.float32)


def test_each_cell_of_the_sheet_is_the_decoders_digit_at_that_cells_point():
    model = LinearDecoder()
    atlas = Atlas(np.array([0.2, -0.4]), np.array([[0.9, 0.0], [0.0, 1.3]]), 2.0, 6)
    pixels = sheet(model, atlas)
    assert pixels.shape == (6 * 4, 6 * 3) and pixels.dtype == np.uint8
    assert len(model.calls) == 1 and model.calls[0].shape == (36, 2)  # one batch for the whole plane
    for row, col in [(0, 0), (0, 5), (5, 0), (2, 3), (5, 5)]:
        expected = model.decode(atlas.to_latent(atlas.centre_of(row, col))[None])[0]
        np.testing.assert_array_equal(cell(pixels, row, col, 6), np.rint(expected * 255).astype(np.uint8))


@pytest.fixture(scope="module")
def vae_2d():
    from conftest import shipped_model_present
    if not shipped_model_present("mnist-vae-2d"):
        pytest.skip("mnist-vae-2d is not shipped here")
    import core
    return core.load_model("mnist-vae-2d")


def test_the_shipped_vae_sheet_as_sent_matches_the_decoder_at_sampled_cells(vae_2d):
    """The atlas the live plane sends (96 x 96 cells of the real decoder, encoded as the browser gets it): right
    shape, and every sampled cell within SPRITE_MAX_ERROR grey levels of the decoder at that cell's point."""
    means = vae_2d.heldout["means"]
    center, axis_x, axis_y = coordinate_axes(means, 0, 1)
    atlas = Atlas(center, np.stack([axis_x, axis_y]), 2.75)
    pixels = sheet(vae_2d, atlas)
    assert atlas.n == CELLS and pixels.shape == (CELLS * 28, CELLS * 28)
    sent = decode_sheet(encode_sheet(pixels))
    assert sent.shape == pixels.shape
    assert np.abs(sent.astype(int) - pixels).max() <= SPRITE_MAX_ERROR
    rng = np.random.default_rng(0)
    cells = rng.integers(0, CELLS, size=(12, 2))
    expected = vae_2d.decode(atlas.to_latent(atlas.centre_of(cells[:, 0], cells[:, 1])))
    for (row, col), digit in zip(cells, expected):
        assert np.abs(cell(sent, row, col, CELLS).astype(int) - np.rint(digit * 255)).max() <= SPRITE_MAX_ERROR
    # a held-out code's cell shows a digit of its class's shape: the decoded cell is the one under the code
    code = means[0]
    row, col = atlas.cell_of(plane_coordinates(code[None], atlas.center, atlas.axes)[0])
    at_code = vae_2d.decode(code[None])[0]
    assert np.abs(cell(pixels, row, col, CELLS) / 255 - at_code).mean() < 0.05
