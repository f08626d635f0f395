"""The dashboard pages, driven headless through Streamlit's AppTest.

Every page renders for every shipped model; controls change what is drawn; a
missing model, a bad URL or a missing data set gives a message, never a
traceback. Pages are opened through Home, as `streamlit run dashboard/Home.py`
does, so `import ui` resolves the same way. Passes with $LATENT_LAB_DATA set or
unset: tests that need the data set skip without it, and tests of the no-data
path hide it themselves.
"""
from __future__ import annotations

import base64
import functools
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import core  # noqa: E402
from core import registry  # noqa: E402
from core.data import ENV_VAR, DatasetNotFound, load_dataset  # noqa: E402
from conftest import HOME, APPTEST_TIMEOUT as TIMEOUT, assert_clean, digit_rows, open_page  # noqa: E402

SCATTER = "pages/1_Latent_scatter.py"
GRID = "pages/2_Decoded_grid.py"

CARDS = {card["id"]: card for card in core.list_models() if "error" not in card}
MODELS = list(CARDS)
WIDE_MODELS = [i for i in MODELS if CARDS[i]["latent_dim"] > 2]
PLANE_MODELS = [i for i in MODELS if CARDS[i]["latent_dim"] == 2]


CHART = "vega_lite_chart"  # what AppTest calls a Vega-Lite (Altair) chart


def chart_layers(at: AppTest) -> list[tuple[dict, pd.DataFrame | None]]:
    """The scatter chart's layers, each with the table it draws: its own, or the chart's (Streamlit ships
    the tables as Arrow)."""
    proto = at.get(CHART)[0].proto
    tables = {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in proto.datasets}
    spec = json.loads(proto.spec)
    return [(layer, tables.get(layer.get("data", spec.get("data", {})).get("name"))) for layer in spec["layer"]]


def dots(at: AppTest) -> pd.DataFrame:
    """The table behind the chart's clickable dots: x, y, label and held-out index of every point."""
    return next(table for layer, table in chart_layers(at) if layer["mark"]["type"] == "circle")


def png(data_uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1])))


@functools.cache
def heldout(model_id: str) -> dict:
    """The shipped latents.npz of a model (means, labels, projections), read without TensorFlow."""
    with np.load(registry.verified_path(model_id, CARDS[model_id]["files"]["latents"])) as codes:
        return {key: codes[key] for key in codes.files}


def local_heldout_images(model_id: str):
    """The held-out originals matching the shipped codes, or None when this machine lacks them."""
    try:
        images, labels = load_dataset(CARDS[model_id]["dataset"]["name"], download=False)[1]
    except DatasetNotFound:
        return None
    return images if np.array_equal(labels, heldout(model_id)["labels"]) else None


@pytest.fixture
def without_data(tmp_path, monkeypatch):
    """No data set anywhere the loaders look: $LATENT_LAB_DATA names an empty folder and ~ is empty."""
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "empty"))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))


@pytest.fixture(scope="module")
def conditional_pretrained(tmp_path_factory) -> Path:
    """A pretrained folder holding one untrained conditional VAE with a 2-D latent, built from core's networks."""
    import keras

    from core.models import cvae, networks

    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("conditional") / "pretrained"
    folder = root / "tiny-cvae"
    folder.mkdir(parents=True)
    shape, classes = (28, 28, 1), 10
    cvae.build_encoder(2, shape, classes).save(folder / "encoder.keras")
    networks.mlp_decoder(2, shape, extra_inputs=(keras.Input(shape=(classes,), name="labels"),)).save(
        folder / "decoder.keras")
    rng = np.random.default_rng(0)
    np.savez_compressed(folder / "latents.npz", means=rng.normal(size=(40, 2)).astype(np.float32),
                        labels=np.arange(40, dtype=np.uint8) % classes)
    card = {"id": "tiny-cvae", "title": "Tiny conditional VAE", "kind": "generative", "family": "cvae",
            "conditional": True, "latent_dim": 2, "image_shape": list(shape), "num_classes": classes,
            "class_names": [str(c) for c in range(classes)],
            "files": {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz"},
            "dataset": {"name": "mnist", "fit": 1, "validation": 1, "heldout": 40},
            "training": {"command": "python -m core.train tiny-cvae", "epochs_run": 1, "best_epoch": 1,
                         "wall_time_s": 1.0},
            "metrics": {"label_accuracy_prior_samples": 0.5, "neg_elbo_nats": 500.0}}
    (folder / "card.json").write_text(json.dumps(card))
    registry.write_manifest_entry("tiny-cvae", root)
    return root


# ---------------------------------------------------------------- Home

def test_pages_say_how_to_build_models_when_none_are_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    for page in (None, SCATTER, GRID):
        at = open_page(page)
        assert not at.exception
        assert any("python -m core.train" in i.value for i in at.info)


# ---------------------------------------------------------------- Latent scatter

@pytest.mark.parametrize("model_id", MODELS)
def test_scatter_plots_every_heldout_code_by_label(model_id):
    at = open_page(SCATTER, model=model_id)
    assert_clean(at)
    assert at.selectbox(key="model_picker").value == model_id
    assert at.query_params["model"] == model_id
    plotted, codes = dots(at), heldout(model_id)
    assert len(plotted) == len(codes["labels"])
    names = np.array(CARDS[model_id]["class_names"])
    assert list(plotted["label"]) == list(names[codes["labels"][plotted["index"]]])
    expected = codes["means"] if CARDS[model_id]["latent_dim"] == 2 else codes["pca"]
    np.testing.assert_allclose(plotted[["x", "y"]], expected[plotted["index"]], rtol=1e-6)


def test_scatter_axes_hold_every_point_with_equal_units():
    """Distances read true: a unit of x is as many pixels as a unit of y, and no point falls off the plot."""
    at = open_page(SCATTER, model=MODELS[0])
    spec = json.loads(at.get(CHART)[0].proto.spec)
    layer = next(layer for layer, _ in chart_layers(at) if layer["mark"]["type"] == "circle")
    (x0, x1), (y0, y1) = (layer["encoding"][axis]["scale"]["domain"] for axis in ("x", "y"))
    assert (x1 - x0) / spec["width"] == pytest.approx((y1 - y0) / spec["height"])
    plotted = dots(at)
    assert x0 < plotted["x"].min() and plotted["x"].max() < x1 and y0 < plotted["y"].min() and plotted["y"].max() < y1


@pytest.mark.parametrize("model_id", WIDE_MODELS)
def test_scatter_projection_choice_changes_the_plotted_data(model_id):
    at = open_page(SCATTER, model=model_id)
    codes = heldout(model_id)
    for projection, key in (("t-SNE", "tsne"), ("PCA", "pca")):
        at.radio(key="projection").set_value(projection).run()
        assert_clean(at)
        plotted = dots(at)
        np.testing.assert_allclose(plotted[["x", "y"]], codes[key][plotted["index"]], rtol=1e-6)


def test_scatter_images_as_markers_draws_more_digits_when_asked():
    at = open_page(SCATTER, model=MODELS[0])
    at.radio(key="view").set_value("Images as markers").run()
    ink = []
    for count in (50, 1000):
        at.slider(key="thumbnails").set_value(count).run()
        assert_clean(at)
        images = [table for layer, table in chart_layers(at) if layer["mark"]["type"] == "image"]
        assert len(images) == 1 and len(images[0]) == 1
        sheet = np.asarray(png(images[0]["url"][0]))
        assert sheet.shape[-1] == 4 and sheet[..., 3].min() == 0  # transparent between digits
        ink.append(int((sheet[..., 3] > 0).sum()))
    assert ink[1] > 5 * ink[0]


def select(at: AppTest, clicked: int | None = None, box: dict | None = None) -> AppTest:
    """Feed the scatter chart a selection as the browser reports one: the clicked dot's index, the box's ranges."""
    at.session_state["latent_scatter"] = {"selection": {"digit": [] if clicked is None else [{"index": clicked}],
                                                        "box": box or {}}}
    return at.run()


def box_around(xy: np.ndarray, indices) -> dict:
    """The smallest box holding these points, as the chart reports a dragged box: a range for each axis."""
    inside = xy[list(indices)]
    return {"x": [float(inside[:, 0].max()), float(inside[:, 0].min())],  # dragged right to left: either order
            "y": [float(inside[:, 1].min()), float(inside[:, 1].max())]}


@pytest.mark.parametrize("with_data", [False, True], ids=["without-data", "with-data"])
def test_scatter_clicked_point_shows_its_digit_label_and_coordinates(with_data, request):
    model_id = MODELS[0]
    if with_data:
        if local_heldout_images(model_id) is None:
            pytest.skip(f"the {model_id} held-out digits are not on this machine (set {ENV_VAR})")
    else:
        request.getfixturevalue("without_data")
    at = select(open_page(SCATTER, model=model_id), clicked=7)
    assert_clean(at)
    label = CARDS[model_id]["class_names"][heldout(model_id)["labels"][7]]
    assert at.subheader[0].value == f"Digit #7 · label {label}"
    assert digit_rows(at)[0].captions == (["Original", "Decoded from its latent mean"] if with_data
                        else ["Decoded from its shipped latent mean"])
    assert any("Plotted at" in m.value for m in at.markdown)
    assert with_data or any(ENV_VAR in c.value for c in at.caption)


def test_scatter_box_selection_lists_the_digits_inside():
    model_id = PLANE_MODELS[0]
    codes = heldout(model_id)
    box = box_around(codes["means"], [3, 4])
    x, y = codes["means"].T
    inside = np.flatnonzero((x >= min(box["x"])) & (x <= max(box["x"])) & (y >= box["y"][0]) & (y <= box["y"][1]))
    assert {3, 4} <= set(inside)
    at = select(open_page(SCATTER, model=model_id), box=box)
    assert_clean(at)
    assert at.subheader[0].value == f"{len(inside)} digits selected"
    names = CARDS[model_id]["class_names"]
    assert digit_rows(at)[0].captions == [names[c] for c in codes["labels"][inside[:40]]]


def test_scatter_shows_whichever_selection_was_made_last():
    """The chart keeps a clicked dot and a dragged box at once; the page shows the one that just changed."""
    model_id = PLANE_MODELS[0]
    box = box_around(heldout(model_id)["means"], [3, 4])
    at = select(open_page(SCATTER, model=model_id), clicked=7)
    assert at.subheader[0].value.startswith("Digit #7 ")
    select(at, clicked=7, box=box)
    assert at.subheader[0].value.endswith("digits selected")
    select(at, clicked=9, box=box)
    assert at.subheader[0].value.startswith("Digit #9 ")
    select(at, clicked=None, box=box)  # a double-click clears the dot: the box is still there
    assert at.subheader[0].value.endswith("digits selected")
    select(at)
    assert not at.subheader and "Click near a dot" in at.info[0].value


def test_unknown_model_in_url_falls_back_with_a_message():
    at = open_page(SCATTER, model="nonsense")
    assert not at.exception
    assert any("nonsense" in w.value for w in at.warning)
    first = min(MODELS, key=lambda i: CARDS[i]["latent_dim"])
    assert at.selectbox(key="model_picker").value == first
    assert at.query_params["model"] == first
    assert at.get(CHART)


def test_model_choice_is_mirrored_in_the_url_and_kept_across_pages():
    if len(MODELS) < 2:
        pytest.skip("needs two shipped models")
    at = open_page(SCATTER)
    at.selectbox(key="model_picker").set_value(MODELS[1]).run()
    assert at.query_params["model"] == MODELS[1]
    at.query_params.clear()  # the sidebar navigation drops the query
    at.switch_page(GRID).run()
    assert_clean(at)
    assert at.selectbox(key="model_picker").value == MODELS[1]


# ---------------------------------------------------------------- Decoded grid

@pytest.fixture
def grid_picture(pictures):
    """The decoded grid as shown (the page's first st.image) and the caption under it, which gives its extent."""
    def shown(at: AppTest) -> tuple[Image.Image, str]:
        captions = [c.value for c in at.caption if c.value.startswith("Left to right")]
        return pictures(at.get("image")[0])[0], captions[0]
    return shown


def extent(caption: str) -> dict[str, tuple[str, float, float]]:
    """The caption's "Left to right: **z₁** from -3.24 to +3.19. Top to bottom: ..." as numbers, by direction."""
    spans = re.findall(r"(Left to right|Top to bottom): \*\*(.+?)\*\* from ([-+]\d+\.\d+) to ([-+]\d+\.\d+)", caption)
    return {where: (name, float(a), float(b)) for where, name, a, b in spans}


@pytest.mark.parametrize("model_id", MODELS)
def test_grid_renders_and_its_size_follows_the_slider(model_id, grid_picture):
    at = open_page(GRID, model=model_id)
    assert_clean(at)
    shown = {}
    for n in (4, 30):
        at.slider(key="grid_size").set_value(n).run()
        assert_clean(at)
        picture, caption = grid_picture(at)
        assert picture.size == (720, 720)  # the same size on screen whatever n
        assert f"In {n} " in caption
        shown[n] = np.asarray(picture)
    # n x n cells: with 4 cells a side, every 180-pixel block is one digit, so its edges are background
    border = np.concatenate([shown[4][::180].ravel(), shown[4][:, ::180].ravel()])
    assert np.median(border) < 30 and shown[4].max() > 200
    assert not np.array_equal(shown[4], shown[30])


@pytest.mark.parametrize("model_id", PLANE_MODELS)
def test_grid_caption_gives_latent_coordinates_and_quantiles_change_them(model_id, grid_picture):
    at = open_page(GRID, model=model_id)
    at.slider(key="grid_size").set_value(7).run()
    means = heldout(model_id)["means"]
    linear = extent(grid_picture(at)[1])
    name, left, right = linear["Left to right"]
    low, high = means[:, 0].mean() + np.array([-3, 3]) * means[:, 0].std()
    assert name == "z₁" and (left, right) == (pytest.approx(low, abs=0.01), pytest.approx(high, abs=0.01))
    name, top, bottom = linear["Top to bottom"]
    assert name == "z₂" and top > bottom  # up is larger z₂, as on a plot
    at.radio(key="sweep").set_value("Gaussian quantiles").run()
    assert_clean(at)
    _, left_q, right_q = extent(grid_picture(at)[1])["Left to right"]
    assert left < left_q < right_q < right  # 90% of the mass spans less than ±3 sd


@pytest.mark.parametrize("model_id", WIDE_MODELS)
def test_grid_sweeps_two_chosen_dimensions_or_principal_components(model_id, grid_picture):
    at = open_page(GRID, model=model_id)
    assert_clean(at)
    at.selectbox(key="dim_x").set_value(0).run()
    at.selectbox(key="dim_y").set_value(3).run()
    first, caption = grid_picture(at)
    axes = extent(caption)
    assert (axes["Left to right"][0], axes["Top to bottom"][0]) == ("z₁", "z₄")
    at.selectbox(key="dim_y").set_value(0).run()
    assert any("different" in w.value for w in at.warning)
    assert not at.get("image") and digit_rows(at)  # no grid, the strip stays
    assert not [c for c in at.caption if c.value.startswith("Left to right")]
    at.radio(key="plane").set_value("Two principal components").run()
    assert_clean(at)
    pcs, caption = grid_picture(at)
    assert extent(caption)["Left to right"][0].startswith("PC 1")
    assert np.asarray(pcs).tobytes() != np.asarray(first).tobytes()


def test_grid_strip_without_data_explains_and_shows_reconstructions(without_data):
    at = open_page(GRID, model=MODELS[0])
    assert_clean(at)
    assert any(ENV_VAR in i.value and "Originals" in i.value for i in at.info)
    assert any("shipped latent means" in c.value for c in at.caption)
    assert len(at.get("image")) == 1 and len(digit_rows(at)) == 1  # the grid, and the reconstructions only


def test_grid_strip_with_data_shows_originals_above_reconstructions():
    if local_heldout_images(MODELS[0]) is None:
        pytest.skip(f"the held-out digits are not on this machine (set {ENV_VAR})")
    at = open_page(GRID, model=MODELS[0])
    assert_clean(at)
    strips = digit_rows(at)
    assert len(strips) == 2 and strips[0].captions == strips[1].captions
    captions = [c.value for c in at.caption]
    assert captions.index("Originals:") < captions.index("Reconstructions, decoded from their latent means:")


# ---------------------------------------------------------------- conditional models

def test_conditional_model_decodes_with_the_label_on_every_page(conditional_pretrained, monkeypatch, grid_picture):
    """A conditional decoder needs a label with every code: the pages pass each digit's own, or the chosen one."""
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(conditional_pretrained))
    at = open_page()
    assert_clean(at)
    assert "Label accuracy (samples)" in [m.label for m in at.metric]
    assert any("given its label" in c.value for c in at.caption)

    at = select(open_page(SCATTER, model="tiny-cvae"), clicked=3)
    assert_clean(at)
    assert at.subheader[0].value == "Digit #3 · label 3"
    at.radio(key="view").set_value("Images as markers").run()
    assert_clean(at)

    at = open_page(GRID, model="tiny-cvae")
    assert_clean(at)
    # The grid, and the reconstruction strip, decoded with each digit's label.
    assert len(at.get("image")) == 1 and len(digit_rows(at)) == 1
    as_zero, _ = grid_picture(at)
    at.selectbox(key="digit").set_value(7).run()
    assert_clean(at)
    as_seven, _ = grid_picture(at)
    assert np.asarray(as_zero).tobytes() != np.asarray(as_seven).tobytes()
