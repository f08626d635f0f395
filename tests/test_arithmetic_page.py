"""The "Latent arithmetic" page, driven headless through Streamlit's AppTest on every shipped MNIST model.

What the page draws is re-done here from core.latent and the shipped models: the interpolation strip, each step's
plausibility, the arithmetic's result and its nearest held-out codes, the analogy grid, the dimension sliders and
the 3-D view (its Plotly specs checked against Plotly's schema). Every control changes what is shown; the view
round-trips through the URL (a copied link reopens it) and bad or stale parameters fall back to the defaults with a
notice naming each; an uploaded digit becomes a point and a bad upload a message. Exports (PNG, GIF, .npy, CSV)
are read back as the browser would download them. Passes with $LATENT_LAB_DATA set or unset.
"""
from __future__ import annotations

import functools
import io
import json
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

import core
from conftest import (assert_clean, choose, chosen, digit_rows, link_notices, live_rows, live_sliders,
                      one_notice_naming_each, open_page, release, shipped_model_present, slider_frames, widget_keys)
from core.latent import (LEAVES_DATA, Plausibility, analogy, analogy_grid, class_means, interpolate, interpolate_at,
                         interpolation_times, label_mixture, nearest_codes)
from core.slider_frames import picture

PAGE = "pages/4_Latent_arithmetic.py"
MODELS = ["mnist-ae-2d", "mnist-vae-2d", "mnist-vae-16d", "mnist-cvae"]
SHOWCASE = "mnist-vae-16d"
# The rows of digits in page order (without an own digit): the walk, its point under the scrubber, the arithmetic,
# its neighbours, the grid, and for a latent above 2-D the point the sliders move.
WALK, SCRUBBED, SUM, NEAR, GRID, MOVED = range(6)
# A view far from the defaults in every setting the URL keeps (t inside the overshoot, before the start).
RESTORED = {"from": "item-5", "to": "seed-3", "method": "slerp", "steps": "7", "over": "0.5", "t": "-0.3",
            "a": "mean-1", "b": "item-2", "c": "seed-4", "w": "0.5,1,-1", "grid": "4"}

pytestmark = pytest.mark.skipif(not all(shipped_model_present(m) for m in MODELS),
                                reason="needs the shipped MNIST models (python -m core.train <model_id>)")


@functools.cache
def model(model_id: str):
    """The shipped model, loaded here to re-do what the page shows."""
    return core.load_model(model_id)


@functools.cache
def score(model_id: str) -> Plausibility:
    m = model(model_id)
    return Plausibility(m.heldout["means"], *m.prior())


def point(model_id: str, spec: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A point as the URL names it, with its one-hot label for a conditional model: built here independently."""
    m = model(model_id)
    kind, number = spec.split("-")
    number = int(number)
    if kind == "mean":
        z, label = class_means(m.heldout["means"], m.heldout["labels"], m.num_classes)[number], number
    elif kind == "item":
        z, label = m.heldout["means"][number], int(m.heldout["labels"][number])
    else:
        z, label = m.sample_latents(1, seed=number)[0], number % 10
    return z, (np.eye(10, dtype=np.float32)[label] if m.conditional else None)


def decoded(model_id: str, z, labels=None) -> list[Image.Image]:
    """Pictures as the page sends them (uint8 PNG), for comparing with what it shows."""
    from core.images import to_uint8
    m = model(model_id)
    return [Image.fromarray(x) for x in to_uint8(m.decode(z, labels if m.conditional else None))]


def assert_pictures(row, expected: list[Image.Image], atol: int = 1) -> None:
    shown = row.pictures()
    assert len(shown) == len(expected)
    for a, b in zip(shown, expected):
        assert np.abs(np.asarray(a, int) - np.asarray(b, int)).max() <= atol  # float noise at most


def expected_walk(model_id: str, view: dict) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    (a, la), (b, lb) = point(model_id, view["from"]), point(model_id, view["to"])
    steps, over = int(view["steps"]), float(view["over"])
    path = interpolate(a, b, steps, view["method"], overshoot=over)
    t = interpolation_times(steps, over)
    labels = label_mixture((1 - np.clip(t, 0, 1))[:, None] * la + np.clip(t, 0, 1)[:, None] * lb) \
        if la is not None else None
    return path, labels, t


def expected_sum(model_id: str, view: dict) -> tuple[np.ndarray, np.ndarray | None]:
    """A, B, C and wa·A − wb·B + wc·C, stacked, with their labels for a conditional model."""
    weights = [float(w) for w in view["w"].split(",")]
    (a, la), (b, lb), (c, lc) = (point(model_id, view[slot]) for slot in "abc")
    z = np.stack([a, b, c, analogy(a, b, c, weights)])
    if la is None:
        return z, None
    return z, np.stack([la, lb, lc, label_mixture(analogy(la, lb, lc, weights), fallback=lc)[0]])


def assert_shows(at, model_id: str, view: dict) -> None:
    """Every picture and plausibility on the page is what `view` asks of this model."""
    assert_clean(at)
    assert chosen(at) == model_id
    rows = digit_rows(at)
    path, labels, t = expected_walk(model_id, view)
    assert_pictures(rows[WALK], decoded(model_id, path, labels))
    scores = score(model_id)(path)
    judge = core.load_judge()
    m = model(model_id)
    read, confidence = judge.read(m.decode(path, labels if m.conditional else None))
    assert rows[WALK].captions == [f"{v:+.2f} · {s:.0f}%" + (" ⚠" if s < LEAVES_DATA else "")
                                   + f" · {r}" + ("?" if p < judge.confidence_threshold else "")
                                   for v, s, r, p in zip(t, scores, read, confidence)]
    (a, la), (b, lb) = point(model_id, view["from"]), point(model_id, view["to"])
    scrubbed = float(view["t"])
    z = interpolate_at(a, b, [scrubbed], view["method"])
    share = np.clip(scrubbed, 0, 1)
    labels = label_mixture(((1 - share) * la + share * lb)[None]) if la is not None else None
    assert rows[SCRUBBED] == live_rows(at, "arith_walk_point")[0]
    assert_pictures(rows[SCRUBBED], decoded(model_id, z, labels))
    read, confidence = judge.read(m.decode(z, labels if m.conditional else None))
    s = score(model_id)(z)[0]
    assert rows[SCRUBBED].captions[0].startswith(f"t = {scrubbed:+.2f} · plausibility {s:.0f}%"
                                                 + (" ⚠" if s < LEAVES_DATA else "") + " · ")
    z, labels = expected_sum(model_id, view)
    assert_pictures(rows[SUM], decoded(model_id, z, labels))
    assert [c.rsplit(" · ", 1)[1].rstrip(" ⚠") for c in rows[SUM].captions] == \
        [f"{s:.0f}%" for s in score(model_id)(z)]
    near, distance = nearest_codes(z[-1], model(model_id).heldout["means"], 6)
    assert rows[NEAR].captions == [f"#{i} · {d:.2f}" for i, d in zip(near, distance)]
    n = int(view["grid"])
    (a, la), (b, lb), (c, lc) = (point(model_id, view[slot]) for slot in "abc")
    grid_labels = label_mixture(analogy_grid(lb, la, lc, n, n), fallback=lc) if la is not None else None
    from core.images import tile, to_uint8
    m = model(model_id)
    mosaic = to_uint8(tile(m.decode(analogy_grid(b, a, c, n, n), grid_labels), n, n))
    assert_pictures(rows[GRID], [Image.fromarray(mosaic)])
    assert {k: at.query_params[k] for k in view} == view  # the URL says what is shown


# ---------------------------------------------------------------- opening and links

def test_opens_on_an_average_6_walking_past_an_average_8_on_the_showcase_model():
    at = open_page(PAGE)
    assert chosen(at) == SHOWCASE and at.query_params["model"] == SHOWCASE
    defaults = {"from": "mean-6", "to": "mean-8", "method": "linear", "steps": "12", "over": "0.25", "t": "0.5",
                "a": f"item-{int(np.flatnonzero(model(SHOWCASE).heldout['labels'] == 6)[0])}", "b": "mean-6",
                "c": "mean-8", "w": "1,1,1", "grid": "5"}
    assert_shows(at, SHOWCASE, defaults)
    assert not at.warning  # this walk stays among the data
    # The judge reads 6s, then 8s, and nothing else: the showcase walks cleanly from one digit to the other.
    path, _, _ = expected_walk(SHOWCASE, defaults)
    read, _ = core.load_judge().read(model(SHOWCASE).decode(path))
    first_eight = int(np.argmax(read == 8))
    assert read[0] == 6 and read[-1] == 8 and set(read[:first_eight]) == {6} and set(read[first_eight:]) == {8}


@pytest.mark.parametrize("model_id", MODELS)
def test_a_link_restores_the_whole_view_on_every_model(model_id):
    at = open_page(PAGE, model=model_id, **RESTORED)
    assert not link_notices(at)
    assert_shows(at, model_id, RESTORED)
    key = functools.partial(lambda name: f"{name}_{model_id}")
    assert at.selectbox(key=key("from_kind")).value == "Held-out item"
    assert at.number_input(key=key("from_item")).value == 5
    assert at.selectbox(key=key("to_kind")).value == "Random seed"
    assert at.number_input(key=key("to_seed")).value == 3
    assert at.segmented_control(key="arith_method").value == "slerp"
    assert [at.slider(key=k).value for k in ("arith_steps", "arith_over", "arith_grid")] == [7, 0.5, 4]
    assert [live_sliders(at)[f"weight_{slot}"]["value"] for slot in "abc"] == [0.5, 1.0, -1.0]
    scrubber = live_sliders(at)["arith_t"]  # over the walk's t, overshoot included
    assert (scrubber["min"], scrubber["max"], scrubber["step"], scrubber["value"]) == (-0.5, 1.5, 0.01, -0.3)
    # 3-D view: every held-out code, the path and the marks, in a figure Plotly accepts
    view = figure(at, "view_3d")
    codes = sum(len(t["x"]) for t in view.data if t.type == "scatter3d" and t.name in [str(c) for c in range(10)])
    assert codes == len(model(model_id).heldout["labels"])
    course = next(t for t in view.data if t.name == "path")  # the walk's course, whatever its steps
    (a, _), (b, _) = point(model_id, "item-5"), point(model_id, "seed-3")
    expected = interpolate(a, b, 33, "slerp", overshoot=0.5)
    if model(model_id).latent_dim == 2:  # the view's floor is the latent plane itself
        np.testing.assert_allclose(np.column_stack([course.x, course.y]), expected, rtol=1e-4, atol=1e-4)
    assert len(course.x) == 33
    marks = [t for t in view.data if t.type == "scatter3d" and t.mode == "markers" and t.name not in
             [str(c) for c in range(10)]]
    assert [t.name for t in marks] == ["from: #5, a " + str(model(model_id).heldout["labels"][5]), "to: seed 3",
                                       "A: average 1", "B: #2, a " + str(model(model_id).heldout["labels"][2]),
                                       "C: seed 4", "result"]
    symbols = [(t.marker.symbol, t.marker.color) for t in marks]
    assert len(set(symbols)) == len(symbols), "two marks look alike in the legend"


def test_a_copied_link_reopens_what_the_controls_made():
    at = open_page(PAGE, model="mnist-cvae")
    at.selectbox(key="to_kind_mnist-cvae").set_value("Held-out item").run()
    at.number_input(key="to_item_mnist-cvae").set_value(42).run()
    at.slider(key="arith_over").set_value(0.6).run()
    release(at, "weight_b", 0.3)
    at.selectbox(key="c_mean_mnist-cvae").set_value(2).run()
    assert_clean(at)
    link = at.query_params.to_dict() if hasattr(at.query_params, "to_dict") else dict(at.query_params)
    assert link["to"] == "item-42" and link["over"] == "0.6" and link["w"] == "1,0.3,1" and link["c"] == "mean-2"
    again = open_page(PAGE, **link)
    assert not link_notices(again)
    assert [row.value for row in digit_rows(again)] == [row.value for row in digit_rows(at)]
    assert_shows(again, "mnist-cvae", {k: link[k] for k in RESTORED})


def test_bad_and_stale_parameters_fall_back_to_the_defaults_with_a_notice_naming_each():
    bad = {"from": "mean-12", "to": "banana", "method": "cubic", "steps": "99", "over": "-1", "a": "item-2000",
           "b": "own", "w": "1,2", "grid": "x", "zoom": "3", "c": "seed-7", "t": "2.5"}
    at = open_page(PAGE, model="mnist-vae-2d", **bad)
    notice = one_notice_naming_each(at, bad, used=("c",))  # c is good, and used
    assert "`t=2.5` (a number from -1 to 2)" in notice
    assert "mean runs from 0 to 9" in notice and "item runs from 0 to 1999" in notice
    assert "your own digit is not part of a link" in notice and "not a setting of this page" in notice
    defaults = {"from": "mean-6", "to": "mean-8", "method": "linear", "steps": "12", "over": "0.25", "t": "0.5",
                "a": "item-" + str(int(np.flatnonzero(model("mnist-vae-2d").heldout["labels"] == 6)[0])),
                "b": "mean-6", "c": "seed-7", "w": "1,1,1", "grid": "5"}
    assert_shows(at, "mnist-vae-2d", defaults)  # and the URL now holds only good values
    at.slider(key="arith_steps").set_value(9).run()  # the notice was about the link: a control move drops it
    assert not link_notices(at) and "zoom" not in at.query_params


def test_switching_models_keeps_each_models_points_its_own():
    at = open_page(PAGE, model="mnist-vae-16d", **{"from": "item-7"})
    assert at.number_input(key="from_item_mnist-vae-16d").value == 7
    assert any(k.startswith("dim") and k.endswith("_mnist-vae-16d") for k in live_sliders(at))
    choose(at, "mnist-ae-2d")
    assert_clean(at)
    keys = widget_keys(at)
    assert not [k for k in keys if k.endswith("_mnist-vae-16d")]
    assert at.selectbox(key="from_kind_mnist-ae-2d").value == "Class mean"  # the new model's own default
    assert not [k for k in live_sliders(at) if k.startswith("dim")]  # a 2-D latent has no dimension sliders
    assert at.query_params["from"] == "mean-6" and at.query_params["model"] == "mnist-ae-2d"


# ---------------------------------------------------------------- every control

@pytest.mark.parametrize("model_id", ["mnist-vae-16d", "mnist-cvae"])
def test_every_control_changes_what_is_shown(model_id):
    at = open_page(PAGE, model=model_id)
    view = {k: at.query_params[k] for k in RESTORED}
    moves = [  # (widget, value, the URL parameter and value it gives)
        (("selectbox", f"from_kind_{model_id}"), "Random seed", ("from", "seed-0")),
        (("number_input", f"from_seed_{model_id}"), 11, ("from", "seed-11")),
        (("selectbox", f"to_kind_{model_id}"), "Held-out item", ("to", "item-0")),
        (("number_input", f"to_item_{model_id}"), 33, ("to", "item-33")),
        (("segmented_control", "arith_method"), "slerp", ("method", "slerp")),
        (("slider", "arith_steps"), 16, ("steps", "16")),
        (("live", "arith_t"), 1.2, ("t", "1.2")),
        (("slider", "arith_over"), 0.0, ("over", "0")),  # the scrubber is then held at the walk's end
        (("live", "arith_t"), 0.3, ("t", "0.3")),
        (("selectbox", f"a_kind_{model_id}"), "Class mean", ("a", "mean-0")),
        (("selectbox", f"a_mean_{model_id}"), 3, ("a", "mean-3")),
        (("live", "weight_a"), 1.5, ("w", "1.5,1,1")),
        (("selectbox", f"b_kind_{model_id}"), "Random seed", ("b", "seed-0")),
        (("number_input", f"b_seed_{model_id}"), 5, ("b", "seed-5")),
        (("live", "weight_b"), 0.5, ("w", "1.5,0.5,1")),
        (("selectbox", f"c_mean_{model_id}"), 1, ("c", "mean-1")),
        (("live", "weight_c"), -0.5, ("w", "1.5,0.5,-0.5")),
        (("slider", "arith_grid"), 3, ("grid", "3")),
    ]
    for (kind, key), value, (name, written) in moves:
        before = [row.value for row in digit_rows(at)]
        if kind == "live":
            release(at, key, value)
        else:
            getattr(at, kind)(key=key).set_value(value).run()
        view[name] = written
        assert at.query_params[name] == written, key
        assert [row.value for row in digit_rows(at)] != before, f"{key} changed nothing"
    assert_shows(at, model_id, view)
    # the dimension sliders move the result, and the bar chart marks where it is
    result = expected_sum(model_id, view)[0][-1]
    key, slider = next((key, s) for key, s in live_sliders(at).items() if key.startswith("dim"))
    k = int(re.match(r"dim(\d+)_", key)[1]) - 1
    assert slider["value"] == pytest.approx(np.clip(round(float(result[k]), 2), slider["min"], slider["max"]))
    assert slider["picture"] == "arith_moved" and live_rows(at, "arith_moved") == [digit_rows(at)[MOVED]]
    before = digit_rows(at)[MOVED].value
    release(at, key, round(slider["value"] + 1.0, 2) if slider["value"] + 1.0 <= slider["max"] else slider["min"])
    moved = result.copy()
    moved[k] = live_sliders(at)[key]["value"]
    assert digit_rows(at)[MOVED].value != before
    assert digit_rows(at)[MOVED].captions == [f"plausibility {score(model_id)(moved)[0]:.0f}%"
                                              + (" ⚠" if score(model_id)(moved)[0] < LEAVES_DATA else "")]
    bars = figure(at, "spread_chart")
    np.testing.assert_allclose(bars.data[1].y, moved, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bars.data[0].y, model(model_id).heldout["means"].mean(0), rtol=1e-5, atol=1e-6)
    assert "moved by the sliders" not in [t.name for t in figure(at, "view_3d").data]  # not redrawn: see below


def test_the_scrubbers_frames_run_past_both_ends_and_hold_the_walks_own_ends():
    """The scrubber's 33 frames and more: evenly from -overshoot to 1 + overshoot, with t = 0 and t = 1 among them
    (the walk's two points, exactly); each frame is the decoder's digit there, with a conditional model's blended
    label held beyond the ends."""
    view = {"from": "mean-6", "to": "mean-8", "method": "slerp", "over": "0.4"}
    at = open_page(PAGE, model="mnist-cvae", **view)
    frames = slider_frames(at, "arith_t")
    stops = np.asarray(frames["meta"]["stops"])
    values = np.round(-0.4 + stops * 0.01, 2)
    assert values[0] == -0.4 and values[-1] == 1.4 and {0.0, 1.0} <= set(values.tolist())
    assert len(values) == 33 and np.all(np.diff(values) <= 0.06 + 1e-9)  # the walk's ends among 33 even ones
    (a, la), (b, lb) = point("mnist-cvae", "mean-6"), point("mnist-cvae", "mean-8")
    share = np.clip(values, 0, 1)[:, None]
    expected = decoded("mnist-cvae", interpolate_at(a, b, values, "slerp"),
                       label_mixture((1 - share) * la + share * lb))
    cells = [Image.fromarray(picture(frames["pixels"], frames["layout"], k, 0)) for k in range(len(values))]
    for drawn, exact in zip(cells, expected, strict=True):
        assert np.abs(np.asarray(drawn, int) - np.asarray(exact, int)).max() <= 1
    release(at, "arith_t", -3.0)  # a thumb dragged past the start stays at the walk's overshoot
    assert at.query_params["t"] == "-0.4"


def test_a_dimension_sliders_frames_move_that_dimension_of_the_point_shown():
    at = open_page(PAGE, model="mnist-vae-16d")
    key, slider = next((key, s) for key, s in live_sliders(at).items() if key.startswith("dim"))
    k = int(re.match(r"dim(\d+)_", key)[1]) - 1
    view = {name: at.query_params[name] for name in ("a", "b", "c", "w")}
    result = expected_sum("mnist-vae-16d", view)[0][-1]
    frames = slider_frames(at, key)
    values = np.round(slider["min"] + np.asarray(frames["meta"]["stops"]) * 0.01, 2)
    assert len(values) == 33 and values[0] == slider["min"] and values[-1] == slider["max"]
    codes = np.repeat(result[None], 33, axis=0)
    codes[:, k] = values
    for f, exact in enumerate(decoded("mnist-vae-16d", codes)):
        assert np.abs(np.asarray(picture(frames["pixels"], frames["layout"], f, 0), int)
                      - np.asarray(exact, int)).max() <= 1


def test_a_weight_sliders_frames_are_the_sums_row_with_that_weight_and_the_others_where_they_stand():
    """Each frame holds the row the sliders draw over, A, B, C and the result, with weight B at the frame's value;
    a conditional model's label mixed by the same weights. Let go, the row is the exact sum there."""
    at = open_page(PAGE, model="mnist-cvae", w="1,0.5,1.5")
    view = {name: at.query_params[name] for name in ("a", "b", "c", "w")}
    slider = live_sliders(at)["weight_b"]
    assert (slider["min"], slider["max"], slider["step"], slider["value"], slider["picture"]) == \
        (-2.0, 2.0, 0.1, 0.5, "arith_sum")
    assert live_rows(at, "arith_sum") == [digit_rows(at)[SUM]]
    frames = slider_frames(at, "weight_b")
    values = np.round(-2.0 + np.asarray(frames["meta"]["stops"]) * 0.1, 1)
    assert frames["layout"].per_frame == 4 and len(values) == 33 and (values[0], values[-1]) == (-2.0, 2.0)
    for f, v in enumerate(values):
        exact = decoded("mnist-cvae", *expected_sum("mnist-cvae", {**view, "w": f"1,{v:g},1.5"}))
        for k in range(4):
            assert np.abs(np.asarray(picture(frames["pixels"], frames["layout"], f, k), int)
                          - np.asarray(exact[k], int)).max() <= 1, (v, k)
    release(at, "weight_b", -1.3)
    assert at.query_params["w"] == "1,-1.3,1.5"
    assert_pictures(digit_rows(at)[SUM], decoded("mnist-cvae", *expected_sum("mnist-cvae", {**view, "w": "1,-1.3,1.5"})))


def test_moving_the_steps_or_a_dimension_leaves_the_3d_view_as_it_is():
    """The browser redraws a changed 3-D view in software WebGL for a second or more: the steps slider, the page's
    main control, changes the strip but not the view (the walk's course is drawn the same whatever the steps), and
    a dimension slider changes the moved digit and the bars."""
    at = open_page(PAGE, model="mnist-vae-16d")
    spec = lambda: next(c for c in at.get("plotly_chart") if c.proto.id.endswith("view_3d")).proto.spec  # noqa: E731
    before, strip = spec(), digit_rows(at)[WALK].value
    at.slider(key="arith_steps").set_value(20).run()
    assert spec() == before and digit_rows(at)[WALK].value != strip
    key, slider = next((key, s) for key, s in live_sliders(at).items() if key.startswith("dim"))
    release(at, key, slider["max"])  # nor do the dimension sliders (their point is marked on the bars)
    assert spec() == before
    at.slider(key="arith_over").set_value(0.5).run()
    assert spec() != before


def test_a_path_that_leaves_the_data_is_flagged():
    at = open_page(PAGE, model="mnist-vae-2d", **{"from": "seed-1", "to": "mean-0", "over": "1", "steps": "24"})
    path, _, t = expected_walk("mnist-vae-2d", {"from": "seed-1", "to": "mean-0", "over": "1", "steps": "24",
                                                "method": "linear"})
    off = score("mnist-vae-2d")(path) < LEAVES_DATA
    assert off.any(), "not a test: this walk should leave the data"
    warning = next(w.value for w in at.warning if "leave the region the data occupies" in w.value)
    assert warning.startswith(f"{off.sum()} of 24 steps")
    assert sum("⚠" in c for c in digit_rows(at)[WALK].captions) == off.sum()


# ---------------------------------------------------------------- your own digit

def seven_png() -> bytes:
    img = Image.new("L", (120, 120), 235)
    ImageDraw.Draw(img).line([(30, 25), (92, 25), (55, 100)], fill=20, width=11)
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("model_id", ["mnist-vae-16d", "mnist-cvae"])
def test_an_uploaded_digit_becomes_a_point(model_id):
    at = open_page(PAGE, model=model_id)
    assert "Your digit" not in at.selectbox(key=f"from_kind_{model_id}").options
    at.toggle(key="arith_own_on").set_value(True).run()
    at.file_uploader(key="arith_file").set_value(("seven.png", seven_png(), "image/png")).run()
    assert_clean(at)
    at.selectbox(key=f"to_kind_{model_id}").set_value("Your digit").run()
    assert_clean(at)
    assert at.query_params["to"] == "own"
    from core.data.uploads import normalise_upload
    digit = normalise_upload(seven_png())
    m = model(model_id)
    label = None
    if m.conditional:  # told the judge's reading, which the user may correct
        read = int(core.load_judge().read(digit[None])[0][0])
        assert at.selectbox(key=f"own_label_{model_id}").value == read
        label = [read]
    z = m.encode(digit[None], label)[0]
    rows = digit_rows(at)[1:]  # the first row is the digit as the encoder sees it
    a, la = point(model_id, "mean-6")
    path = interpolate(a, z, 12, "linear", overshoot=0.25)
    t = interpolation_times(12, 0.25)
    labels = None if la is None else label_mixture((1 - np.clip(t, 0, 1))[:, None] * la
                                                   + np.clip(t, 0, 1)[:, None] * np.eye(10)[label[0]])
    assert_pictures(rows[WALK], decoded(model_id, path, labels))
    if m.conditional:  # a corrected label is the one the encoder is told
        at.selectbox(key=f"own_label_{model_id}").set_value((label[0] + 1) % 10).run()
        z = m.encode(digit[None], [(label[0] + 1) % 10])[0]
        path = interpolate(a, z, 12, "linear", overshoot=0.25)
        labels = label_mixture((1 - np.clip(t, 0, 1))[:, None] * la
                               + np.clip(t, 0, 1)[:, None] * np.eye(10)[(label[0] + 1) % 10])
        assert_pictures(digit_rows(at)[1 + WALK], decoded(model_id, path, labels))


def test_a_bad_upload_gives_a_message_and_the_page_goes_on():
    at = open_page(PAGE, model="mnist-vae-2d")
    at.toggle(key="arith_own_on").set_value(True).run()
    at.file_uploader(key="arith_file").set_value(("notes.png", b"this is not a picture", "image/png")).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "Your digit" not in at.selectbox(key="from_kind_mnist-vae-2d").options
    assert len(digit_rows(at)) == 5  # the walk, its scrubbed point, the sum, its neighbours, the grid: all drawn


# ---------------------------------------------------------------- exports and charts

def test_exports_hold_what_is_shown(downloads):
    at = open_page(PAGE, model="mnist-vae-2d", **RESTORED)
    assert_clean(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["PNG", "GIF", "Vectors (.npy)", "CSV", "PNG", "Vectors (.npy)", "CSV", "PNG", "Vectors (.npy)"]
    path, _, t = expected_walk("mnist-vae-2d", RESTORED)
    np.testing.assert_allclose(np.load(io.BytesIO(downloads["walk_mnist-vae-2d.npy"])), path, rtol=1e-6)
    rows = downloads["walk_mnist-vae-2d.csv"].decode().splitlines()
    assert rows[0] == "t,z1,z2,plausibility_percentile" and len(rows) == 8
    table = np.array([[float(v) for v in row.split(",")] for row in rows[1:]])
    np.testing.assert_allclose(table[:, 0], t, atol=5e-4)
    np.testing.assert_allclose(table[:, 1:3], path, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(table[:, 3], score("mnist-vae-2d")(path), atol=0.05)
    strip = Image.open(io.BytesIO(downloads["walk_mnist-vae-2d.png"]))
    assert strip.size == (7 * 30 + 2, 30 + 2)  # seven digits, 2 px apart
    walk = Image.open(io.BytesIO(downloads["walk_mnist-vae-2d.gif"]))
    assert walk.format == "GIF" and walk.n_frames == 7 and walk.info["loop"] == 0
    shown = digit_rows(at)[WALK].pictures()
    for k in range(7):
        walk.seek(k)
        frame = np.asarray(walk.convert("L").resize((28, 28), Image.NEAREST), int)
        assert np.abs(frame - np.asarray(shown[k], int)).max() <= 2
    z, _ = expected_sum("mnist-vae-2d", RESTORED)
    np.testing.assert_allclose(np.load(io.BytesIO(downloads["arithmetic_mnist-vae-2d.npy"])), z, rtol=1e-6)
    assert downloads["arithmetic_mnist-vae-2d.csv"].decode().splitlines()[1].startswith("A mean-1,")
    grid = Image.open(io.BytesIO(downloads["analogy_grid_mnist-vae-2d.png"]))
    assert grid.size == (4 * 28, 4 * 28)
    assert np.load(io.BytesIO(downloads["analogy_grid_mnist-vae-2d.npy"])).shape == (16, 2)


def figure(at, key: str):
    """A Plotly chart of the page, by key, rebuilt as a plotly Figure: which validates it against Plotly's schema
    (the page hands Streamlit its figures as plain data, unchecked)."""
    import plotly.graph_objects as go
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return go.Figure(json.loads(chart.proto.spec))


def test_nearest_neighbours_are_the_original_digits_when_the_data_is_here():
    """With the held-out digits on this machine the neighbours are the real digits; without, their codes redrawn."""
    from core.data import DatasetNotFound, load_dataset
    m = model("mnist-vae-2d")
    try:
        images, labels = load_dataset("mnist", download=False)[1]
    except DatasetNotFound:
        images = None
    if images is not None and not np.array_equal(labels, m.heldout["labels"]):
        images = None
    at = open_page(PAGE, model="mnist-vae-2d")
    z, _ = expected_sum("mnist-vae-2d", {k: at.query_params[k] for k in ("a", "b", "c", "w")})
    near, _ = nearest_codes(z[-1], m.heldout["means"], 6)
    row = digit_rows(at)[NEAR]
    if images is None:
        assert_pictures(row, decoded("mnist-vae-2d", m.heldout["means"][near]))
        assert any("redrawn from their codes" in md.value for md in at.markdown)
    else:
        assert [np.asarray(p).tolist() for p in row.pictures()] == [images[i].tolist() for i in near]


def test_a_rerun_carrying_a_url_the_page_has_since_rewritten_keeps_the_latest_setting():
    """Fast key presses: a rerun request carries the browser's URL from before the last rerun rewrote it. A value the
    page itself wrote earlier is that stale echo, not a link: the slider keeps its newest value (it used to jump
    back, dropping the keys pressed after it). A link to the page still sets it."""
    at = open_page(PAGE)
    at.slider(key="arith_steps").set_value(13).run()
    at.slider(key="arith_steps").set_value(14).run()
    assert at.query_params["steps"] == "14"
    at.query_params["steps"] = "13"  # the URL as it was one run ago
    at.run()
    assert_clean(at)
    assert at.slider(key="arith_steps").value == 14 and at.query_params["steps"] == "14" and not at.warning
    at.query_params["steps"] = "9"  # never written by this page: an edited URL
    at.run()
    assert at.slider(key="arith_steps").value == 9
    assert open_page(PAGE, steps="13").slider(key="arith_steps").value == 13  # arriving by a link
