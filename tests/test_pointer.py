"""The Decoded grid's live view (dashboard/live_plane.py) through AppTest: the view and the kept point in the URL, bad
links, the switch between views, a click on the plane, and what the component is sent.

AppTest runs no JavaScript: the component is an element whose data it can read (the atlas's range, the held-out
codes, the kept point), and a click is the trigger value the browser would send, given to the next run. What the
browser draws is tests/test_browser.py's; the atlas's maths and sheet are tests/test_atlas.py's.
"""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import GRID, assert_clean, digit_rows, open_page, shipped_model_present

VAE, AE = "mnist-vae-2d", "mnist-ae-2d"
COMPONENT, SHEET = "latent_lab.live_plane", "latent_lab.atlas_sheet"
VIEW_NOTICE = "The link's view was ignored"
POINT_NOTICE = "The link's point was ignored"


@pytest.fixture(autouse=True)
def shipped_2d_models(shipped_pretrained):
    for model_id in (VAE, AE):
        if not shipped_model_present(model_id):
            pytest.skip(f"{model_id} is not shipped here")


@pytest.fixture(scope="module")
def vae():
    import core
    return core.load_model(VAE)


def components(at: AppTest, name: str) -> list:
    return [e for e in at.main if type(e).__name__ == "UnknownElement"
            and getattr(e.proto, "component_name", None) == name]


def live_planes(at: AppTest) -> list:
    return components(at, COMPONENT)


def sent(at: AppTest) -> dict:
    plane, = live_planes(at)
    return json.loads(plane.proto.json)


def grid_size(at: AppTest) -> list:
    """The grid view's size slider (the live view has none)."""
    return [s for s in at.slider if s.key == "grid_size"]


def notices(at: AppTest, start: str) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith(start)]


def kept_digits(at: AppTest, compact: bool = False) -> list:
    """The decoder's digit at the kept point: the page's one row of a single picture without a caption, sent at
    the kept size (the grid's mosaic is not shown in the live view), or the compact layout's smaller size."""
    from live_plane import COMPACT_KEPT_PIXELS, KEPT_PIXELS
    size = COMPACT_KEPT_PIXELS if compact else KEPT_PIXELS
    return [row for row in digit_rows(at) if row.widths == [size] and not row.captions]


def click(at: AppTest, value) -> AppTest:
    """What the browser sends when the plane is clicked: the component's "point" trigger with `value` (the latent
    point), given to the next run with the other widgets' values, as the browser does."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    plane, = live_planes(at)
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{plane.proto.id}__events",
                                      json_trigger_value=json.dumps([{"event": "point", "value": value}])))
    return at._run(states)


def test_live_view_from_a_link_restores_the_kept_point_and_decodes_it_on_the_server(vae):
    at = open_page(GRID, model=VAE, view="live", point="0.5,-1.25")
    assert_clean(at)
    assert not at.warning
    assert at.radio(key="grid_view").value == "live"
    data = sent(at)
    # The default range of the Decoded grid (its Range slider opens there), and the plane's scale: the codes' spread
    from core.latent import coordinate_axes, occupied_extent, plane_coordinates
    means = vae.heldout["means"]
    center, axis_x, axis_y = coordinate_axes(means, 0, 1)
    axes = np.stack([axis_x, axis_y])
    assert data["extent"] == occupied_extent(plane_coordinates(means, center, axes))
    np.testing.assert_allclose(data["origin"], center, rtol=1e-6)
    np.testing.assert_allclose(data["scale"], means.std(0), rtol=1e-6)
    np.testing.assert_allclose(data["kept"], (np.array([0.5, -1.25]) - center) / means.std(0), rtol=1e-5)
    # the sheet, in an element of its own (a click re-sends only the plane's data), named in the plane's data
    carrier, = components(at, SHEET)
    sheet = json.loads(carrier.proto.json)
    assert data["n"] == 96 and data["sheet"] == sheet["id"] and sheet["sprite"].startswith("data:image/webp;base64,")
    from core.atlas import decode_sheet
    assert decode_sheet(base64.b64decode(sheet["sprite"].split(",", 1)[1])).shape == (96 * 28, 96 * 28)
    xs, ys, labels = data["codes"]  # the held-out codes on the plane, with their classes
    assert 0.9 * len(means) < len(xs) == len(ys) == len(labels) <= len(means)
    assert max(map(abs, xs + ys)) <= data["extent"] and set(labels) == set(range(10))
    digit, = kept_digits(at)
    expected = np.rint(vae.decode(np.array([[0.5, -1.25]]))[0] * 255)
    assert np.abs(np.asarray(digit.pictures()[0], int) - expected).max() <= 1
    assert any("z₁ = +0.500, z₂ = -1.250" in m.value for m in at.markdown)
    assert at.query_params["point"] == "0.5,-1.25" and at.query_params["view"] == "live"


@pytest.mark.parametrize("value, why", [
    ("abc", "two numbers"), ("1,2,3", "two numbers"), ("nan,0", "two numbers"), ("0.5", "two numbers"),
    (",", "two numbers"), ("1e9,0", "outside the widest plane"), ("0,-40", "outside the widest plane"),
])
def test_a_bad_point_in_the_link_gives_one_clear_notice_and_no_kept_point(value, why):
    at = open_page(GRID, model=VAE, view="live", point=value)
    assert_clean(at)
    notice, = notices(at, POINT_NOTICE)
    assert f"`point={value}`" in notice and why in notice
    assert len(at.warning) == 1
    assert sent(at)["kept"] is None and not kept_digits(at)
    assert "point" not in at.query_params and at.query_params["view"] == "live"
    at.run()  # the notice is about the link: it does not come back on the next run
    assert not at.warning


@pytest.mark.parametrize("model_id, view, why", [
    (VAE, "bogus", "one of grid, live"), ("mnist-vae-16d", "live", "has no live plane"),
    ("mnist-dcgan", "live", "has no live plane"),
])
def test_a_view_the_model_cannot_show_falls_back_to_the_grid_with_one_notice(model_id, view, why):
    at = open_page(GRID, model=model_id, view=view, point="0,0")
    assert_clean(at)
    notice, = notices(at, VIEW_NOTICE)
    assert why in notice and len(at.warning) == 1
    assert not live_planes(at)
    assert "view" not in at.query_params and "point" not in at.query_params


def test_switching_views_changes_what_is_shown_and_the_url():
    at = open_page(GRID, model=AE)
    assert at.radio(key="grid_view").options == ["Grid", "Live under the pointer"]
    assert not live_planes(at) and grid_size(at)
    at.radio(key="grid_view").set_value("live").run()
    assert_clean(at)
    assert live_planes(at) and not grid_size(at) and at.query_params["view"] == "live"
    at.radio(key="grid_view").set_value("grid").run()
    assert not live_planes(at) and grid_size(at)
    assert "view" not in at.query_params


def test_a_model_without_a_live_plane_offers_no_view_choice():
    at = open_page(GRID, model="mnist-vae-16d")
    assert_clean(at)
    assert not [r for r in at.radio if r.key == "grid_view"]


def test_a_click_keeps_the_point_in_the_url_and_forget_clears_it(vae):
    at = open_page(GRID, model=VAE, view="live")
    assert sent(at)["kept"] is None and not kept_digits(at)
    sheet_before = json.loads(components(at, SHEET)[0].proto.json)
    click(at, [-1.234, 0.875])
    assert_clean(at)
    assert at.query_params["point"] == "-1.234,0.875"
    digit, = kept_digits(at)
    expected = np.rint(vae.decode(np.array([[-1.234, 0.875]]))[0] * 255)
    assert np.abs(np.asarray(digit.pictures()[0], int) - expected).max() <= 1
    assert sent(at)["kept"] is not None
    assert json.loads(components(at, SHEET)[0].proto.json) == sheet_before  # the same sheet message: not re-sent
    # the link, opened afresh, shows the same point
    again = open_page(GRID, model=VAE, view="live", point=at.query_params["point"])
    assert not again.warning and sent(again)["kept"] == sent(at)["kept"]
    at.button(key=f"grid_live_plane_{VAE}_forget").click().run()
    assert "point" not in at.query_params and not kept_digits(at) and sent(at)["kept"] is None


def test_a_malformed_click_is_ignored():
    at = open_page(GRID, model=VAE, view="live")
    for value in ("x", [1.0], [1.0, "2"], None):
        click(at, value)
        assert_clean(at)
        assert "point" not in at.query_params and not kept_digits(at)


def test_the_grid_view_leaves_the_kept_point_out_of_the_url():
    at = open_page(GRID, model=VAE, view="live", point="0.25,0.25")
    assert at.query_params["point"] == "0.25,0.25"
    at.radio(key="grid_view").set_value("grid").run()
    assert "point" not in at.query_params and "view" not in at.query_params
    at.radio(key="grid_view").set_value("live").run()  # the session still remembers it
    assert at.query_params["point"] == "0.25,0.25" and kept_digits(at)


def test_the_compact_layout_shows_the_kept_digit_small_with_one_short_caption(vae):
    """The tour's step 2 (compact=True): the same plane and kept point as the Decoded grid's, but the decoder's digit
    at COMPACT_KEPT_PIXELS beside its coordinates in place of the long caption, and Forget still clears it."""
    at = open_page("pages/0_Tour.py", step="2", point="0.5,-1.25")
    assert_clean(at)
    assert not at.warning
    digit, = kept_digits(at, compact=True)
    assert not kept_digits(at)  # not also at the full size
    expected = np.rint(vae.decode(np.array([[0.5, -1.25]]))[0] * 255)
    assert np.abs(np.asarray(digit.pictures()[0], int) - expected).max() <= 1
    assert any(m.value.startswith("**Kept point** z₁ = +0.500, z₂ = -1.250") for m in at.markdown)
    assert not [c.value for c in at.caption if c.value.startswith("Left to right")]  # the long caption is gone
    grid = open_page(GRID, model=VAE, view="live", point="0.5,-1.25")
    # The same plane, range and kept point for the component; the tour rests on a clear digit, the grid on the centre.
    assert {**sent(at), "rest": None} == sent(grid)
    assert sent(grid)["rest"] is None and len(sent(at)["rest"]) == 2
    assert [c.value for c in grid.caption if c.value.startswith("Left to right")]
    at.button(key=f"tour_pointer_plane_{VAE}_forget").click().run()
    assert "point" not in at.query_params and not kept_digits(at, compact=True) and sent(at)["kept"] is None
    short, = [c.value for c in at.caption if "click to keep a point" in c.value]
    assert short.startswith("**z₁** from ") and "±" in short


def test_the_tour_rests_on_the_class_mean_the_judge_reads_most_surely(vae):
    """Step 2 claims every point decodes to a digit or a blend: it opens on a clear one, not the plane's centre
    (where every class meets), and the component draws that point's digit while the pointer is away."""
    import core
    from core.latent import class_means
    at = open_page("pages/0_Tour.py", step="2")
    assert_clean(at)
    means = class_means(vae.heldout["means"], vae.heldout["labels"], vae.num_classes)
    read, confidence = core.load_judge().read(vae.decode(means))
    assert (read == np.arange(10)).sum() >= 5  # most averages read as their own digit
    best = means[int(np.argmax(np.where(read == np.arange(10), confidence, -1)))]
    grid = open_page(GRID, model=VAE, view="live")
    center, scale = np.array(sent(grid)["origin"]), np.array(sent(grid)["scale"])
    assert np.allclose(center + np.array(sent(at)["rest"]) * scale, best, atol=1e-4)
