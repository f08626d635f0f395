"""dashboard/live_slider.py through AppTest, on a page of its own (no model): the value in session state, snapped
and held within the range on release, the frames built off the run, served as files and named by everything they
show, frames given as an array, and the picture's mark. The pages' own live sliders are their page tests'; the browser side is
tests/test_browser_sliders.py's."""
from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, digit_rows, live_sliders, release, slider_frames
from bench.live_sliders import LIVE_SLIDER, components
from core.slider_frames import picture

APP = f"""
import sys
sys.path.insert(0, {str(ROOT / "dashboard")!r})
import numpy as np
import streamlit as st
import live_slider, pictures

shade = st.number_input("shade", 0, 255, 40, key="shade")  # what the frames depend on besides the slider
frames = {{"fn": lambda v: np.stack([np.full((4, 6), shade + 100 * x, np.uint8) for x in v]),
          "array": np.stack([np.full((4, 6), shade + 100 * x, np.uint8)
                             for x in live_slider.frame_values(-1.0, 1.0, 0.1)])}}[st.session_state.get("kind", "fn")]
x = live_slider.live_slider("x", -1.0, 1.0, key="x", value=0.5, step=0.1, picture="square", frames=frames,
                            depends_on=(shade,), help="a test", presets=(("far", 0.26, "near 0.3"), ("out", 7, None)))
pictures.show_digits([np.full((4, 6), shade + 100 * x, np.uint8)], ["the square"], size=60,
                     live=live_slider.mark("square"))
"""


@pytest.fixture
def at():
    return AppTest.from_string(APP, default_timeout=30).run()


def test_the_value_starts_at_its_default_and_a_release_is_snapped_and_held_within_the_range(at):
    assert not at.exception
    slider = live_sliders(at)["x"]
    assert {k: slider[k] for k in ("label", "min", "max", "step", "value", "decimals", "shown_decimals", "picture",
                                   "help")} == {"label": "x", "min": -1.0, "max": 1.0, "step": 0.1, "value": 0.5,
                                                "decimals": 1, "shown_decimals": 2, "picture": "square",
                                                "help": "a test"}
    assert slider["presets"] == [["far", 0.3, "near 0.3"], ["out", 1.0, None]]  # snapped onto the track, as a release
    for sent, kept in [(0.26, 0.3), (-7.0, -1.0), (99, 1.0), ("0.2", 1.0), (float("nan"), 1.0), (True, 1.0)]:
        release(at, "x", sent)  # a value that is no number is ignored: the slider keeps its own
        assert not at.exception and at.session_state["x"] == kept == live_sliders(at)["x"]["value"], sent
    at.session_state["x"] = 0.44  # a link or a reset puts any value in session state: it is snapped too
    at.run()
    assert live_sliders(at)["x"]["value"] == 0.4


def test_frames_are_built_off_the_run_served_as_files_and_named_by_what_they_show(at):
    import slider_sprites
    first = live_sliders(at)["x"]
    frames = slider_frames(at, "x")
    assert frames["id"] == first["frames"] and frames["layout"].frames == 21  # every step of 0.1 from -1 to 1
    for k, value in enumerate(np.round(np.arange(-1.0, 1.01, 0.1), 1)):
        assert (picture(frames["pixels"], frames["layout"], k, 0) == np.uint8(40 + 100 * value)).all()
    assert frames["meta"]["build_ms"] > 0 and frames["meta"]["bytes"] == len(frames["sprite"])
    # In the folder Streamlit serves as latent_lab.frames' assets (tests/test_browser_sliders.py fetches it), listed
    # in its index as the browser reads it.
    sprites = slider_sprites.sprites()
    listed = json.loads((sprites.folder / "index.json").read_text())["ready"]
    assert (sprites.folder / listed[first["sprite"]]).read_bytes() == frames["sprite"]
    release(at, "x", 0.0)
    assert live_sliders(at)["x"]["frames"] == first["frames"]  # the slider's own value is not part of its frames
    at.number_input(key="shade").set_value(90).run()
    second = live_sliders(at)["x"]
    assert second["frames"] != first["frames"] and second["sprite"] != first["sprite"]  # what they depend on is
    assert (picture(slider_frames(at, "x")["pixels"], frames["layout"], 20, 0) == np.uint8(90 + 100)).all()


def test_frames_given_as_an_array_are_the_array(at):
    at.session_state["kind"] = "array"
    at.run()
    frames = slider_frames(at, "x")
    for k, value in enumerate(np.round(np.arange(-1.0, 1.01, 0.1), 1)):
        assert (picture(frames["pixels"], frames["layout"], k, 0) == np.uint8(40 + 100 * value)).all()
    function_id = live_sliders(AppTest.from_string(APP, default_timeout=30).run())["x"]["frames"]
    assert frames["id"] != function_id  # an array names its frames by its own content


def test_the_picture_says_which_slider_position_it_shows(at):
    row, = digit_rows(at)
    assert row.live == "square" and row.live_at == "x:15"  # 0.5 is stop 15 of -1..1 in steps of 0.1
    release(at, "x", -0.9)
    assert digit_rows(at)[0].live_at == "x:1"


def test_script_and_style_travel_as_the_addresses_of_files_the_server_serves(at):
    """Inline, they would be re-sent in every element on every run; by address, the browser fetches them once."""
    element, = components(at, LIVE_SLIDER)
    assert (element.proto.js_content, element.proto.css_content) == ("", "")
    assert (element.proto.js_source_path, element.proto.css_source_path) == ("live_slider.js", "live_slider.css")
    for js in ("live_slider.js", "sprite_files.js", "atlas_sheets.js"):  # the script and the modules it imports
        assert (ROOT / "dashboard" / "components" / js).is_file()
    assert 'class="ls-' in components(at, LIVE_SLIDER)[0].proto.html_content  # markup is inline, as Streamlit wants


def test_a_format_other_than_decimals_is_refused():
    at = AppTest.from_string(APP.replace('help="a test"', 'format="%d"'), default_timeout=30).run()
    assert at.exception and '"%.<n>f"' in at.exception[0].message
