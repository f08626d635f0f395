"""Faces as independent pixels (core.pixel_aggregates: the counts, the 50-face rule, the parts adding up, the
samplers, the face VAE's codes for the same attributes) and the "Pixel by pixel" page driven through AppTest:
every control changes what is shown, without the data set and with it. What the page draws is re-done here from
the shipped aggregates and models."""
from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest
from PIL import Image

import core
from conftest import (APPTEST_TIMEOUT, HOME, ROOT, assert_clean, digit_rows, link_notices, one_notice_naming_each,
                      open_page, requires_data, shipped_model_present)
from core import pixel_aggregates as pa
from core.images import to_uint8

sys.path.insert(0, str(ROOT / "dashboard"))
import pixel_charts  # noqa: E402

PAGE = "pages/7_Pixel_by_pixel.py"
NAMES = [f"attr{k}" for k in range(35)] + list(pa.ATTRIBUTES)  # a 40-column table with the shipped five last


def random_faces(n: int, seed: int = 0, side: int = 64):
    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, (n, side, side, 3), dtype=np.uint8)
    attributes = np.where(rng.random((n, len(NAMES))) < 0.3, 1, -1).astype(np.int8)
    return faces, attributes


# ---------------------------------------------------------------- core.pixel_aggregates

@pytest.fixture(scope="module")
def built():
    faces, attributes = random_faces(600)
    return faces, attributes, pa.build(faces, attributes, NAMES)


def test_counts_are_the_matching_faces_and_either_is_yes_plus_no(built):
    faces, attributes, arrays = built
    counts = dict(zip(arrays["keys"].tolist(), arrays["counts"].tolist()))
    assert len(counts) == 3 ** len(pa.ATTRIBUTES) and counts["-" * len(pa.ATTRIBUTES)] == len(faces)
    for wanted in pa.combinations():
        key = pa.key_of(wanted)
        assert counts[key] == pa.matching(attributes, NAMES, wanted).sum(), key
        for i, letter in enumerate(key):
            if letter == "-":
                assert counts[key] == counts[key[:i] + "y" + key[i + 1:]] + counts[key[:i] + "n" + key[i + 1:]]


def test_no_part_holds_fewer_than_50_faces_and_small_combinations_show_only_their_count(built):
    faces, attributes, arrays = built
    assert (arrays["part_counts"] >= pa.MIN_FACES).all()
    shipped = pa.Shipped(arrays)
    small = [w for w in pa.combinations() if shipped.counts[pa.key_of(w)] < pa.MIN_FACES]
    assert small, "the random table should leave some combinations under 50 faces"
    for wanted in small:
        agg = shipped.lookup(wanted)
        assert not agg.shown and agg.mean is None and agg.hist is None
        assert agg.count == pa.matching(attributes, NAMES, wanted).sum()


def test_every_combination_of_50_faces_adds_up_from_the_parts_to_its_own_statistics(built):
    faces, attributes, arrays = built
    shipped, small = pa.Shipped(arrays), pa.shrink(faces)
    shown = [w for w in pa.combinations() if shipped.counts[pa.key_of(w)] >= pa.MIN_FACES]
    assert len(arrays["parts"]) < len(shown)  # the parts are fewer than what they make
    for wanted in shown:
        got, own = shipped.lookup(wanted), pa.aggregate(small[pa.matching(attributes, NAMES, wanted)])
        assert got.shown and got.count == own.count
        np.testing.assert_allclose(got.mean, own.mean, atol=1e-6)
        np.testing.assert_allclose(got.std, own.std, atol=1e-5)
        np.testing.assert_array_equal(got.hist, own.hist)
        assert (got.hist.sum(-1) == got.count).all()


def test_statistics_are_the_faces_own_at_the_small_side():
    faces = np.zeros((60, 64, 64, 3), np.uint8)
    faces[:30] = 200  # half the faces at 200, half at 0: mean 100, spread 100 at every pixel
    agg = pa.aggregate(pa.shrink(faces))
    assert agg.mean.shape == (pa.SIDE, pa.SIDE, 3)
    np.testing.assert_allclose(agg.mean, 100 / 255, atol=1e-6)
    np.testing.assert_allclose(agg.std, 100 / 255, atol=1e-6)
    assert (agg.hist[..., 0] == 30).all() and (agg.hist[..., 200 // 16] == 30).all() and (agg.hist.sum(-1) == 60).all()
    assert not pa.aggregate(pa.shrink(faces[:49])).shown and pa.aggregate(pa.shrink(faces[:49])).count == 49
    with pytest.raises(ValueError, match="multiple of 32"):
        pa.shrink(np.zeros((2, 40, 40, 3), np.uint8))


def test_samplers_draw_each_pixel_from_its_own_distribution():
    hist = np.zeros((pa.SIDE, pa.SIDE, 3, pa.BINS), np.int64)
    hist[..., 3] = 70
    hist[:, :16, :, 3], hist[:, :16, :, 12] = 0, 70  # the left half always in bin 12
    agg = pa.Aggregate(70, np.full((pa.SIDE, pa.SIDE, 3), 0.5, np.float32), np.zeros((pa.SIDE, pa.SIDE, 3)), hist)
    drawn = pa.histogram_samples(agg, 5, seed=1)
    assert drawn.shape == (5, pa.SIDE, pa.SIDE, 3)
    assert ((drawn[:, :, 16:] >= 3 / 16) & (drawn[:, :, 16:] < 4 / 16)).all()
    assert ((drawn[:, :, :16] >= 12 / 16) & (drawn[:, :, :16] < 13 / 16)).all()
    np.testing.assert_array_equal(drawn, pa.histogram_samples(agg, 5, seed=1))
    assert not np.array_equal(drawn, pa.histogram_samples(agg, 5, seed=2))
    np.testing.assert_allclose(pa.gaussian_samples(agg, 3), 0.5)  # no spread: the mean itself
    wide = agg._replace(std=np.full((pa.SIDE, pa.SIDE, 3), 2.0, np.float32))
    g = pa.gaussian_samples(wide, 3, seed=0)
    assert g.min() == 0.0 and g.max() == 1.0  # clipped to grey levels
    assert pa.key_of({"Male": True, "Young": False}) == "y--n-"
    with pytest.raises(KeyError, match="Bald"):
        pa.key_of({"Bald": True})


shipped_faces = pytest.mark.skipif(not shipped_model_present(pa.MODEL_ID),
                                   reason=f"needs pretrained/{pa.MODEL_ID} (python -m core.pixel_aggregates)")


@shipped_faces
def test_the_shipped_aggregates_keep_the_50_face_rule_and_add_up(shipped_pretrained):
    shipped = pa.Shipped.load()
    card = json.loads((shipped_pretrained / pa.MODEL_ID / "card.json").read_text())
    assert shipped.counts["-----"] == card["dataset"]["faces"] and card["min_faces"] == pa.MIN_FACES
    assert (shipped.arrays["part_counts"] >= pa.MIN_FACES).all()
    assert (shipped_pretrained / pa.MODEL_ID / pa.FILE).stat().st_size < 5e6
    for wanted in pa.combinations():
        agg = shipped.lookup(wanted)
        assert agg.count == shipped.counts[pa.key_of(wanted)] and agg.shown == (agg.count >= pa.MIN_FACES)
        if agg.shown:
            assert (agg.hist.sum(-1) == agg.count).all() and 0 <= agg.mean.min() and agg.mean.max() <= 1


@pytest.mark.skipif(not shipped_model_present("celeba-vae"), reason="needs pretrained/celeba-vae")
def test_the_face_vaes_codes_lie_on_the_asked_side_of_each_boundary():
    model = core.load_model("celeba-vae")
    t = model.measured_edits.tables
    wanted = {"Smiling": True, "Eyeglasses": True, "Male": False}
    z = pa.attribute_codes(model, wanted, 32, seed=3)
    for name, present in wanted.items():
        k = model.measured_edits.names.index(name)
        distance = (z @ t["normals"][k] + t["offsets"][k]) * (1 if present else -1)
        assert (distance >= t["spread"][k] - 1e-3).all(), name
    free = pa.attribute_codes(model, {}, 32, seed=3)
    np.testing.assert_array_equal(free, model.sample_latents(32, 3, trick=True))
    with pytest.raises(KeyError, match="Unicorn"):
        pa.attribute_codes(model, {"Unicorn": True}, 2)


# ---------------------------------------------------------------- the page

needs_models = pytest.mark.skipif(
    not all(shipped_model_present(m) for m in ("mnist-pixelcnn", "mnist-judge", pa.MODEL_ID)),
    reason="needs the shipped PixelCNN, judge and face aggregates")


def open_pixels(tmp_path, monkeypatch, data=None, **query):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("LATENT_LAB_DATA", str(data or tmp_path))  # an empty folder: no data set
    at = AppTest.from_file(str(HOME), default_timeout=APPTEST_TIMEOUT * 4)
    at.switch_page(PAGE)
    at.query_params.update(query)
    return at.run()


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def face_rows(at) -> list:
    """The face part's rows: mean and spread, Gaussian samples, histogram samples, the VAE's faces."""
    return [r for r in digit_rows(at) if r.pictures() and r.pictures()[0].mode == "RGB"]


def drawing(at, key: str) -> dict:
    element = next(e for e in at.get("bidi_component") if e.proto.id.endswith(key))
    return json.loads(element.proto.json)


def figure(at, key: str):
    import plotly.graph_objects as go
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return go.Figure(json.loads(chart.proto.spec))


def digit_png(digit: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(255 - to_uint8(digit)).save(buffer, format="PNG")  # dark ink on light paper, as a scan is
    return buffer.getvalue()


@needs_models
def test_face_pickers_count_and_show_the_matching_faces_or_say_too_few(tmp_path, monkeypatch):
    at = open_pixels(tmp_path, monkeypatch)
    assert_clean(at)
    shipped = pa.Shipped.load()
    everyone = shipped.lookup({})
    assert f"**{everyone.count:,} training faces** match (the shipped aggregates)." in captions(at)
    rows = face_rows(at)
    assert [len(r.value) for r in rows] == [2, 6, 6, 6], [len(r.value) for r in rows]
    mean = np.asarray(rows[0].pictures()[0])
    np.testing.assert_array_equal(mean, to_uint8(everyone.mean))
    np.testing.assert_array_equal(np.asarray(rows[1].pictures()[0]), to_uint8(pa.gaussian_samples(everyone, 6, 0)[0]))
    np.testing.assert_array_equal(np.asarray(rows[2].pictures()[0]), to_uint8(pa.histogram_samples(everyone, 6, 0)[0]))

    at.segmented_control(key="px_attr_Eyeglasses").set_value("yes").run()
    glasses = shipped.lookup({"Eyeglasses": True})
    assert f"**{glasses.count:,} training faces** match (the shipped aggregates)." in captions(at)
    assert not np.array_equal(np.asarray(face_rows(at)[0].pictures()[0]), mean)
    vae_before = face_rows(at)[3].value

    at.number_input(key="px_face_seed").set_value(7).run()
    rows = face_rows(at)
    np.testing.assert_array_equal(np.asarray(rows[1].pictures()[0]), to_uint8(pa.gaussian_samples(glasses, 6, 7)[0]))
    assert rows[3].value != vae_before  # the face VAE draws other faces for another seed

    for name in pa.ATTRIBUTES:  # every one yes: a handful of faces
        at.segmented_control(key=f"px_attr_{name}").set_value("yes").run()
    few = shipped.counts["yyyyy"]
    assert few < pa.MIN_FACES
    assert [w.value for w in at.warning] == [f"{few:,} faces: too few to show (a combination needs at least 50)."]
    assert len(face_rows(at)) == 1  # the face VAE's faces only: no mean face, no samples of so few faces
    at.segmented_control(key="px_attr_Male").set_value("no").run()
    assert shipped.counts["nyyyy"] == pa.Shipped.load().lookup(
        {"Male": False, "Smiling": True, "Eyeglasses": True, "Young": True, "Blond_Hair": True}).count
    assert_clean(at)
    assert not at.multiselect  # "More attributes" needs the data set


@needs_models
def test_pixelcnn_controls_draw_again_and_the_drawing_is_the_models(tmp_path, monkeypatch):
    at = open_pixels(tmp_path, monkeypatch)
    model = core.load_model("mnist-pixelcnn")
    sent = drawing(at, "px_draw")
    expected = model.draw(16, 0, 1.0)
    assert len(sent["images"]) == 16 and sent["given"] == 0 and sent["side"] == 28
    assert sent["images"][0] == "".join(str(int(v)) for v in expected.images[0].ravel())
    np.testing.assert_allclose(np.array(sent["probs"][0]) / 255, expected.probabilities[0].ravel(),
                               atol=0.5 / 255 + 1e-6)
    at.number_input(key="px_seed").set_value(5).run()
    reseeded = drawing(at, "px_draw")
    assert reseeded["images"] != sent["images"]
    assert reseeded["images"][0] == "".join(str(int(v)) for v in model.draw(16, 5, 1.0).images[0].ravel())
    at.slider(key="px_temperature").set_value(0.5).run()
    cooler = drawing(at, "px_draw")
    assert cooler["images"][0] == "".join(str(int(v)) for v in model.draw(16, 5, 0.5).images[0].ravel())
    assert_clean(at)
    # Without the data set the held-out digits are explained, not drawn; the latent chart names its command.
    infos = [i.value for i in at.info]
    assert any(i.startswith("Held-out digits need the MNIST data set") for i in infos), infos


@needs_models
def test_the_next_seed_is_drawn_ahead_and_is_the_models_own(tmp_path, monkeypatch):
    """Once seed 3's samples are shown, seed 4's are drawn in the background (ahead.py); pressing "+" shows them,
    the same pictures the model draws for seed 4, and starts seed 5's."""
    import pixel_digits
    at = open_pixels(tmp_path, monkeypatch, seed="3")
    model = core.load_model("mnist-pixelcnn")
    store, ident = pixel_digits._drawn_ahead(), pixel_digits.faces.ident(model)
    ahead_of_time = store.get((ident, 4, 1.0))
    assert ahead_of_time is not None
    at.number_input(key="px_seed").increment().run()
    shown = drawing(at, "px_draw")
    expected = model.draw(16, 4, 1.0)
    np.testing.assert_array_equal(ahead_of_time.images, expected.images)
    assert shown["images"][0] == "".join(str(int(v)) for v in expected.images[0].ravel())
    assert store.get((ident, 5, 1.0)) is not None
    assert_clean(at)


@needs_models
def test_completing_an_uploaded_digit_keeps_its_rows_reads_each_and_scores_it(tmp_path, monkeypatch):
    at = open_pixels(tmp_path, monkeypatch)
    model, judge = core.load_model("mnist-pixelcnn"), core.load_judge()
    at.segmented_control(key="px_source").set_value("Your own digit").run()
    assert_clean(at)
    assert not at.get("plotly_chart") or not any(c.proto.id.endswith("px_surprise") for c in at.get("plotly_chart"))
    from core.data.uploads import normalise_upload
    digit_bytes = digit_png(model.sample(1, seed=4)[0])
    at.session_state["px_user_upload"] = ("four.png", digit_bytes)  # as the uploader's on_change keeps it
    at.run()
    assert_clean(at)
    x = model.binarise(normalise_upload(digit_bytes)[None])
    sent = drawing(at, "px_complete_draw")
    assert sent["given"] == 14 * 28 and len(sent["images"]) == 8
    done = model.draw(8, 0, 1.0, x, 14).images
    for image, drawn in zip(sent["images"], done):
        assert image == "".join(str(int(v)) for v in drawn.ravel())
        assert image[:14 * 28] == "".join(str(int(v)) for v in x[0, :14].ravel())  # the kept rows kept
    row = next(r for r in digit_rows(at) if r.captions and r.captions[0] == "given")
    read, confidence = judge.read(done)
    assert row.captions[1:] == [(f"reads {r}" if c >= judge.confidence_threshold else f"unsure: {r}? {c:.1%}")
                                for r, c in zip(read, confidence)]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["PixelCNN -log p(x)"] == f"{model.log_prob(x)[0]:.1f} nats"
    assert {"mnist-vae-2d IWAE", "mnist-vae-16d IWAE", "mnist-cvae IWAE"} <= set(metrics)
    np.testing.assert_allclose(np.array(figure(at, "px_surprise").data[0].z), model.surprise(x)[0], atol=1e-3)

    at.slider(key="px_rows").set_value(20).run()
    assert drawing(at, "px_complete_draw")["given"] == 20 * 28
    at.number_input(key="px_complete_seed").set_value(3).run()
    assert drawing(at, "px_complete_draw")["images"][0] == "".join(
        str(int(v)) for v in model.draw(8, 3, 1.0, x, 20).images[0].ravel())
    assert_clean(at)


def test_latent_chart_takes_its_figures_from_the_card_and_passes_plotlys_schema():
    import plotly.graph_objects as go

    card = {"id": "mnist-pixelcnn", "metrics": {
        "neg_log_likelihood_nats": 60.0, "draw_one_s": 0.3, "heldout_digits": 2000,
        "latent_models": {"mnist-vae-16d": {"neg_log_likelihood_iwae_nats": 85.0, "draw_one_s": 0.001},
                          "mnist-cvae": {"neg_log_likelihood_iwae_nats": 91.0}}}}  # no time: left out
    points = pixel_charts.latent_points(card)
    assert points == [{"model": "mnist-pixelcnn", "nats": 60.0, "seconds": 0.3},
                      {"model": "mnist-vae-16d", "nats": 85.0, "seconds": 0.001}]
    fig = go.Figure(pixel_charts.latent_chart(points, 2000))
    assert [t.y[0] for t in fig.data] == [60.0, 85.0] and [t.x[0] for t in fig.data] == [300.0, 1.0]
    go.Figure(pixel_charts.surprise_map(np.ones((28, 28))))


@needs_models
def test_latent_section_shows_the_cards_figures_or_names_the_command(tmp_path, monkeypatch):
    at = open_pixels(tmp_path, monkeypatch)
    card = core.registry.read_card("mnist-pixelcnn")
    points = pixel_charts.latent_points(card)
    if len(points) < 2:
        assert any("python -m core.evaluate mnist-pixelcnn" in i.value for i in at.info)
    else:
        fig = figure(at, "px_latent_chart")
        assert sorted(t.y[0] for t in fig.data) == sorted(p["nats"] for p in points)


@requires_data
@needs_models
def test_with_the_data_set_any_attribute_and_held_out_digits(data_dir, tmp_path, monkeypatch):
    at = open_pixels(tmp_path, monkeypatch, data=data_dir)
    assert_clean(at)
    assert "(the training faces)." in " ".join(captions(at))
    at.multiselect(key="px_more").set_value(["Bald"]).run()
    at.segmented_control(key="px_attr_Bald").set_value("yes").run()
    from core.data.celeba import load_celeba
    faces = load_celeba(download=False, split="train")
    bald = int(pa.matching(faces.attributes, list(faces.attribute_names), {"Bald": True}).sum())
    assert f"**{bald:,} training faces** match (the training faces)." in captions(at)
    at.number_input(key="px_index").set_value(3).run()
    assert_clean(at)
    assert any("held-out digit 3" in c and "the true digit is" in c for c in captions(at))
    assert at.query_params["faces"] in ("Bald:yes", ["Bald:yes"]) and at.query_params["digit"] in ("3", ["3"])
    linked = open_pixels(tmp_path, monkeypatch, data=data_dir, faces="Bald:yes", digit="3")
    assert not link_notices(linked) and linked.multiselect(key="px_more").value == ["Bald"]
    assert f"**{bald:,} training faces** match (the training faces)." in captions(linked)


def test_home_and_the_tours_last_step_point_at_the_page(shipped_pretrained):
    from tour_story import STEPS
    pointers = [link for link in open_page().get("page_link") if link.proto.label == "Pixel by pixel"]
    assert len(pointers) == 1 and pointers[0].proto.page == "Pixel_by_pixel"
    last, first = (open_page("pages/0_Tour.py", step=str(k)) for k in (len(STEPS), 1))
    assert_clean(last)
    assert [link.proto.label for link in last.get("page_link")].count("Pixel by pixel") == 1
    assert "Pixel by pixel" not in [link.proto.label for link in first.get("page_link")]


@needs_models
def test_the_view_is_kept_in_the_url_and_a_link_reopens_it(tmp_path, monkeypatch):
    at = open_pixels(tmp_path, monkeypatch)
    assert dict(at.query_params) == {}  # every setting at its default
    at.segmented_control(key="px_attr_Eyeglasses").set_value("yes").run()
    at.segmented_control(key="px_attr_Male").set_value("no").run()
    at.number_input(key="px_seed").set_value(5).run()
    at.slider(key="px_temperature").set_value(0.5).run()
    at.number_input(key="px_face_seed").set_value(2).run()
    kept = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert kept == {"faces": "Male:no,Eyeglasses:yes", "seed": "5", "temperature": "0.5", "face_seed": "2"}, kept
    again = open_pixels(tmp_path, monkeypatch, **kept)
    assert_clean(again)
    assert not link_notices(again)
    assert again.segmented_control(key="px_attr_Eyeglasses").value == "yes"
    assert again.segmented_control(key="px_attr_Male").value == "no"
    assert again.number_input(key="px_seed").value == 5 and again.slider(key="px_temperature").value == 0.5
    assert drawing(again, "px_draw") == drawing(at, "px_draw")
    assert [r.value for r in face_rows(again)] == [r.value for r in face_rows(at)]


@needs_models
def test_bad_link_parameters_fall_back_with_one_notice(tmp_path, monkeypatch):
    bad = {"faces": "Bald:yes", "seed": "-3", "temperature": "9", "rows": "40", "colour": "blue",
           "model": "mnist-vae-2d"}
    at = open_pixels(tmp_path, monkeypatch, **bad, face_seed="4")
    one_notice_naming_each(at, bad)
    assert at.number_input(key="px_face_seed").value == 4  # the good one used
    assert at.slider(key="px_temperature").value == 1.0 and at.segmented_control(key="px_attr_Male").value == "either"
    assert "Bald" in link_notices(at)[0] and "data set" in link_notices(at)[0]
