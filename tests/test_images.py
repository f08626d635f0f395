"""core.images: converting user arrays to model input and back, and mosaics."""
import numpy as np
import pytest

from core.images import as_model_input, tile, to_uint8


def test_uint8_is_scaled_to_unit_range_with_channel_axis():
    x = np.array([[[0, 255], [51, 102]]], np.uint8)  # (1, 2, 2)
    out = as_model_input(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[..., 0], [[[0.0, 1.0], [0.2, 0.4]]], rtol=1e-6)


def test_float_in_unit_range_passes_through_unscaled():
    x = np.random.default_rng(0).random((3, 4, 5, 3))
    out = as_model_input(x)
    assert out.shape == (3, 4, 5, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, x, rtol=1e-6)


def test_float_image_with_values_1_is_not_rescaled():
    # A float image that happens to be all ones must stay ones, not 1/255.
    np.testing.assert_array_equal(as_model_input(np.ones((1, 2, 2))), np.ones((1, 2, 2, 1), np.float32))


@pytest.mark.parametrize("bad", [np.full((1, 2, 2), 255.0), np.full((1, 2, 2), -0.1), np.full((1, 2, 2), 1.0001)])
def test_float_outside_unit_range_raises(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        as_model_input(bad)


@pytest.mark.parametrize("shape", [(28,), (5, 5), (2, 3, 4, 5, 1)])
def test_wrong_rank_raises(shape):
    with pytest.raises(ValueError, match="expected images shaped"):
        as_model_input(np.zeros(shape, np.uint8))


def test_list_input_is_accepted():
    out = as_model_input([[[0.0, 0.5]]])
    assert out.shape == (1, 1, 2, 1)


def test_to_uint8_rounds_clips_and_drops_grey_channel():
    x = np.array([[[[0.0], [1.0]], [[0.5], [1.2]]]])  # (1, 2, 2, 1)
    out = to_uint8(x)
    assert out.dtype == np.uint8 and out.shape == (1, 2, 2)
    np.testing.assert_array_equal(out, [[[0, 255], [128, 255]]])
    assert to_uint8(np.array([-0.3]))[0] == 0


def test_to_uint8_keeps_colour_channels():
    assert to_uint8(np.zeros((2, 4, 4, 3))).shape == (2, 4, 4, 3)


def test_uint8_round_trip_is_lossless():
    x = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    np.testing.assert_array_equal(to_uint8(as_model_input(x)), x)


def test_tile_row_major_layout():
    imgs = np.arange(6)[:, None, None] * np.ones((6, 2, 3))  # image i filled with i
    mosaic = tile(imgs, rows=2, cols=3)
    assert mosaic.shape == (4, 9)
    expected = np.array([[0, 1, 2], [3, 4, 5]]).repeat(2, axis=0).repeat(3, axis=1)
    np.testing.assert_array_equal(mosaic, expected)


def test_tile_with_padding_and_fill():
    imgs = np.ones((4, 2, 2), np.float32)
    mosaic = tile(imgs, 2, 2, pad=1, fill=0.5)
    assert mosaic.shape == (2 * 3 + 1, 2 * 3 + 1)
    np.testing.assert_array_equal(mosaic[1:3, 1:3], 1.0)
    np.testing.assert_array_equal(mosaic[4:6, 4:6], 1.0)
    np.testing.assert_array_equal(mosaic[0], 0.5)
    np.testing.assert_array_equal(mosaic[:, 3], 0.5)
    assert (mosaic == 1.0).sum() == 16


def test_tile_colour_images():
    imgs = np.zeros((2, 3, 3, 3), np.uint8)
    imgs[1, ..., 0] = 200
    mosaic = tile(imgs, 1, 2)
    assert mosaic.shape == (3, 6, 3) and mosaic.dtype == np.uint8
    assert (mosaic[:, 3:, 0] == 200).all() and (mosaic[:, :3] == 0).all()


def test_tile_wrong_count_raises():
    with pytest.raises(ValueError, match="2x3"):
        tile(np.zeros((5, 2, 2)), 2, 3)
