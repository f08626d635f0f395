"""core.slider_frames: a live slider's track (values and stops, ends, a pointer past them, a walk's overshoot), which
stops are frames and which frames show a value, and the sprite that packs them. What the browser draws from it is
tests/test_browser_sliders.py's; that a page's frames are its own pictures, the page tests'."""
import io

import numpy as np
import pytest
from PIL import Image

from core.atlas import SPRITE_MAX_ERROR, decode_sheet
from core.slider_frames import FRAMES, LOSSLESS_BUDGET, Layout, Track, as_frames, encode, pack, picture


def test_values_and_stops_are_inverse_and_written_to_the_steps_decimals():
    track = Track(-3.0, 3.0, 0.1)
    assert track.stops == 61 and track.decimals == 1
    assert track.value(0) == -3.0 and track.value(60) == 3.0 and track.value(32) == 0.2  # not 0.20000000000000018
    assert all(track.stop(track.value(s)) == s for s in range(61))
    assert track.snap(1.234) == 1.2 and track.snap(-0.05000001) == -0.1
    psi = Track(0.25, 1.25, 0.25)
    assert psi.stops == 5 and psi.decimals == 2 and psi.value(np.arange(5)).tolist() == [0.25, 0.5, 0.75, 1.0, 1.25]
    assert Track(-4.13, 3.87, 0.01).stops == 801


def test_a_value_past_either_end_is_held_at_that_end():
    """A pointer dragged beyond the track (or a link's value outside it) puts the thumb at the end it passed."""
    track = Track(-0.25, 1.25, 0.01)
    assert track.snap(-7.0) == -0.25 and track.snap(99.0) == 1.25
    assert track.stop(-1e9) == 0 and track.stop(1e9) == track.stops - 1
    with pytest.raises(ValueError):
        track.stop(float("nan"))


@pytest.mark.parametrize("low, high, step", [(1.0, 1.0, 0.1), (1.0, 0.0, 0.1), (0.0, 1.0, 0.0), (0.0, 1.0, 0.3),
                                             (0.0, float("inf"), 0.1)])
def test_a_track_that_is_no_slider_is_refused(low, high, step):
    with pytest.raises(ValueError):
        Track(low, high, step)


def test_frames_are_every_stop_of_a_short_track_and_even_ones_from_end_to_end_of_a_long_one():
    assert Track(0.25, 1.25, 0.25).frame_stops().tolist() == [0, 1, 2, 3, 4]  # truncation: each value a frame
    track = Track(-3.0, 3.0, 0.1)
    stops = track.frame_stops()
    assert len(stops) == FRAMES and stops[0] == 0 and stops[-1] == 60
    assert set(np.diff(stops)) <= {1, 2}  # spread evenly
    long = Track(-4.0, 4.0, 0.01)
    gaps = np.diff(long.frame_values())
    assert len(gaps) == FRAMES - 1 and np.allclose(gaps, 0.25, atol=0.006)


def test_a_walks_overshoot_runs_the_frames_past_both_ends_with_the_ends_themselves_among_them():
    """The interpolation's scrubber: t from -overshoot to 1 + overshoot; t = 0 and t = 1 (the walk's two points)
    take the place of the nearest even frames, so dragging onto an end shows that point exactly."""
    for over in (0.0, 0.25, 0.4, 1.0):
        track = Track(-over, 1.0 + over, 0.01)
        values = track.frame_values(anchors=(0.0, 1.0))
        assert values[0] == -over and values[-1] == 1.0 + over
        assert 0.0 in values.tolist() and 1.0 in values.tolist()
        assert len(values) == FRAMES and np.all(np.diff(values) > 0)
        assert np.diff(values).max() <= 1.5 * (1 + 2 * over) / (FRAMES - 1) + 0.01
    assert Track(0.0, 1.0, 0.01).frame_values(anchors=(0.5, 7.0)).tolist().count(0.5) == 1  # 7: outside, ignored


def test_a_value_on_a_frame_shows_it_and_one_between_frames_blends_the_two_around_it():
    track = Track(-3.0, 3.0, 0.1)
    stops = track.frame_stops()  # 0, 2, 4, 6, 8, 9, ...
    assert track.frame_position(-3.0, stops) == (0, 1, 0.0)
    assert track.frame_position(-2.9, stops) == (0, 1, 0.5)
    assert track.frame_position(-2.8, stops) == (1, 2, 0.0)
    assert track.frame_position(3.0, stops) == (FRAMES - 1, FRAMES - 1, 0.0)  # the last frame
    assert track.frame_position(50.0, stops) == (FRAMES - 1, FRAMES - 1, 0.0)  # past the end
    assert track.nearest_frame(-2.9, stops) == 0 and track.nearest_frame(-2.2, stops) == 4
    for value in track.value(np.arange(track.stops)):  # every value lies between (or on) its two frames
        a, b, w = track.frame_position(value, stops)
        stop = track.stop(value)
        assert stops[a] <= stop <= stops[b] and 0 <= w < 1
        assert np.isclose(stops[a] + w * (stops[b] - stops[a]), stop)


def frames_of(n_frames: int, per_frame: int, h: int = 5, w: int = 4, colour: bool = False) -> np.ndarray:
    """Frames whose every picture is different and says which it is."""
    shape = (n_frames, per_frame, h, w) + ((3,) if colour else ())
    return np.random.default_rng(n_frames * 100 + per_frame).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("n_frames, per_frame, colour", [(33, 1, False), (5, 40, False), (5, 1, True), (1, 1, False)])
def test_the_sprite_holds_each_picture_of_each_frame_where_the_layout_says(n_frames, per_frame, colour):
    frames = frames_of(n_frames, per_frame, colour=colour)
    sheet, layout = pack(frames)
    assert layout == Layout(n_frames, per_frame, 5, 4, layout.cols)
    assert sheet.shape[0] % 5 == 0 and sheet.shape[1] == layout.cols * 4
    rows = sheet.shape[0] // 5
    assert rows * layout.cols >= n_frames * per_frame > (rows - 1) * layout.cols  # no empty row
    assert 0.5 <= sheet.shape[0] / sheet.shape[1] <= 2  # about square: no side runs past the browser's limits
    for f in range(n_frames):
        for k in range(per_frame):
            np.testing.assert_array_equal(picture(sheet, layout, f, k), frames[f, k])
    with pytest.raises(ValueError):
        layout.cell(n_frames, 0)


def test_frames_come_as_one_or_many_pictures_a_frame_in_grey_or_colour_as_uint8():
    assert as_frames(np.zeros((7, 28, 28), np.float32), 7).shape == (7, 1, 28, 28)
    assert as_frames(np.zeros((7, 64, 64, 3), np.uint8), 7).shape == (7, 1, 64, 64, 3)
    assert as_frames(np.zeros((7, 28, 28, 1), np.float32), 7).shape == (7, 1, 28, 28)  # a decoder's channel axis
    assert as_frames(np.zeros((5, 40, 28, 28), np.uint8), 5).shape == (5, 40, 28, 28)
    floats = as_frames(np.full((2, 3, 3), 0.5), 2)
    assert floats.dtype == np.uint8 and floats.max() == 128
    with pytest.raises(ValueError, match="expected 7 frames"):
        as_frames(np.zeros((6, 28, 28)), 7)
    with pytest.raises(ValueError):
        as_frames(np.zeros((7, 28)), 7)


def test_a_small_sprite_is_exact_png_and_a_large_one_lossy_webp_within_the_atlas_error():
    digits = frames_of(33, 1, 28, 28)
    data, mime = encode(pack(digits)[0])
    assert mime == "image/png" and len(data) <= LOSSLESS_BUDGET
    sheet, layout = pack(digits)
    np.testing.assert_array_equal(decode_sheet(data), sheet)  # every pixel the decoder's
    yy, xx = np.mgrid[0:96, 0:96] / 95.0  # 33 pictures of soft shading with grain, like decoded photographs
    grain = np.random.default_rng(0).normal(0, 4, (33, 96, 96))
    pictures = np.stack([255 * (0.5 + 0.4 * np.sin(3 * xx + k / 5) * np.cos(2 * yy)) for k in range(33)]) + grain
    sheet = pack(as_frames(pictures.clip(0, 255).astype(np.uint8), 33))[0]
    data, mime = encode(sheet)  # too large for PNG's budget
    assert mime == "image/webp" and Image.open(io.BytesIO(data)).format == "WEBP" and len(data) < LOSSLESS_BUDGET
    assert np.abs(decode_sheet(data).astype(int) - sheet.astype(int)).max() <= SPRITE_MAX_ERROR
    flat = np.full((2 * LOSSLESS_BUDGET // 64 + 1, 64), 128, np.uint8)  # would be tiny as PNG, but is not tried
    assert encode(flat)[1] == "image/webp" and encode(flat[1:])[1] == "image/png"
