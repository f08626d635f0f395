"""The dashboard pages, driven headless through Streamlit's AppTest.

Every page renders for every shipped model; controls change what is drawn; a
missing model, a bad URL or a missing data set gives a message, never a
traceback. Switching models, in both directions and across pages, leaves no
option, caption, selection or picture of the previous model behind. Pages are
opened through Home, as `streamlit run dashboard/Home.py` does, so `import ui`
resolves the same way. Passes with $LATENT_LAB_DATA set or
unset: tests that need the data set skip without it, and tests of the no-data
path hide it themselves.
"""
from __future__ import annotations

import base64
import functools
import io
import json
import re
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
from conftest import (GRID, LABEL, SCATTER, assert_clean, build_tiny_cvae, choose, chosen,  # noqa: E402
                      digit_rows, go_to, open_page, shipped_model_present, widget_keys)

DIGIT_CARDS = {card["id"]: card for card in core.list_models()  # digits: face models' views are test_face_views.py's
               if "error" not in card and card.get("dataset", {}).get("name") == "mnist"}
FACE_TITLES = [card["title"] for card in core.list_models()  # Latent scatter and Decoded grid serve them too
               if "error" not in card and card.get("dataset", {}).get("name") == "celeba"]
# Models with an encoder, which every digit page shows; GANs (generators alone) have their own page and the grid.
CARDS = {i: card for i, card in DIGIT_CARDS.items() if card.get("files", {}).get("encoder")}
GANS = [i for i, card in DIGIT_CARDS.items() if not card.get("files", {}).get("encoder")]
MODELS = list(CARDS)
WIDE_MODELS = [i for i in MODELS if CARDS[i]["latent_dim"] > 2]
PLANE_MODELS = [i for i in MODELS if CARDS[i]["latent_dim"] == 2]
# The model each page opens on before the user chooses: the one that shows its idea best.
SHOWCASE = "mnist-vae-2d"
GRID_PIXELS = 520  # the decoded grid's width on screen


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
    return build_tiny_cvae(tmp_path_factory.mktemp("conditional") / "pretrained")


def needs(*model_ids: str) -> None:
    missing = [m for m in model_ids if m not in CARDS and not shipped_model_present(m)]
    if missing:
        pytest.skip(f"needs the shipped {', '.join(missing)} (python -m core.train <model_id>)")


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
    assert at.radio(key=f"projection_{model_id}").options == ["PCA", "t-SNE"]
    for projection, key in (("t-SNE", "tsne"), ("PCA", "pca")):
        at.radio(key=f"projection_{model_id}").set_value(projection).run()
        assert_clean(at)
        plotted = dots(at)
        np.testing.assert_allclose(plotted[["x", "y"]], codes[key][plotted["index"]], rtol=1e-6)


def test_scatter_images_as_markers_draws_more_digits_when_asked():
    at = open_page(SCATTER, model=MODELS[0])
    at.radio(key="view").set_value("images").run()
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


def sprite_layers(at: AppTest) -> list:
    return [table for layer, table in chart_layers(at) if layer["mark"]["type"] == "image"]


SCATTER_IGNORED = "Some settings in the link were ignored"


def test_scatter_view_is_kept_in_the_url_and_a_link_restores_it():
    """Draw and Thumbnails go into the URL as they change; the link, opened afresh, draws the same sheet of digits."""
    at = open_page(SCATTER, model=SHOWCASE)
    assert at.query_params["view"] == "dots" and "thumbnails" not in at.query_params and not sprite_layers(at)
    at.radio(key="view").set_value("images").run()
    at.slider(key="thumbnails").set_value(150).run()
    assert_clean(at)
    assert dict(at.query_params) == {"model": SHOWCASE, "view": "images", "thumbnails": "150"}
    again = open_page(SCATTER, **at.query_params)
    assert_clean(again)
    assert not again.warning
    assert again.radio(key="view").value == "images" and again.slider(key="thumbnails").value == 150
    assert dict(again.query_params) == dict(at.query_params)
    assert sprite_layers(again)[0]["url"][0] == sprite_layers(at)[0]["url"][0]  # the same digits, drawn the same
    at.radio(key="view").set_value("dots").run()
    assert dict(at.query_params) == {"model": SHOWCASE, "view": "dots"} and not sprite_layers(at)


@pytest.mark.parametrize("query, why", [
    ({"view": "sprites"}, "use dots or images"),
    ({"view": "images", "thumbnails": "75"}, "a multiple of 50 from 50 to 1000"),
    ({"view": "images", "thumbnails": "5000"}, "a multiple of 50 from 50 to 1000"),
    ({"view": "images", "thumbnails": "many"}, "a multiple of 50 from 50 to 1000"),
    ({"colour": "blue"}, "not a setting of this page"),
])
def test_scatter_bad_link_values_get_one_notice_naming_each_and_the_defaults(query, why):
    at = open_page(SCATTER, model=SHOWCASE, **query)
    assert_clean(at)
    notices = [w.value for w in at.warning]
    assert len(notices) == 1 and SCATTER_IGNORED in notices[0], notices
    bad = {name: value for name, value in query.items() if not (name == "view" and value == "images")}
    for name, value in bad.items():
        assert f"`{name}={value}`" in notices[0] and why in notices[0], notices
    wanted = "images" if query.get("view") == "images" else "dots"
    assert at.radio(key="view").value == wanted
    if wanted == "images":
        assert at.slider(key="thumbnails").value == 300  # the default, not the bad number
    assert dict(at.query_params) == {"model": SHOWCASE, "view": wanted,
                                     **({"thumbnails": "300"} if wanted == "images" else {})}
    at.run()  # the notice is about the link: it does not come back on the next run
    assert not at.warning


def test_scatter_link_names_every_bad_parameter_in_one_notice():
    at = open_page(SCATTER, model=SHOWCASE, view="sprites", thumbnails="7", colour="blue")
    notices = [w.value for w in at.warning]
    assert len(notices) == 1 and all(f"`{p}`" in notices[0] for p in ("view=sprites", "thumbnails=7", "colour=blue"))


@pytest.mark.skipif(not FACE_TITLES, reason="no face model shipped")
def test_scatter_view_in_a_link_for_the_face_scatter_is_named_and_dropped():
    """The face VAE's scatter (dashboard/face_views.py) has no Draw or Thumbnails: a link's are named in the notice."""
    face = next(c["id"] for c in core.list_models() if "error" not in c and c.get("dataset", {}).get("name") == "celeba")
    at = open_page(SCATTER, model=face, view="images", thumbnails="300")
    assert_clean(at)
    notices = [w.value for w in at.warning]
    assert len(notices) == 1 and "`view=images`" in notices[0] and "`thumbnails=300`" in notices[0], notices
    assert "face scatter has no such setting" in notices[0]
    assert dict(at.query_params) == {"model": face}


def chart_key(at: AppTest) -> str:
    """The user key of the scatter chart now shown (its element id ends with it), where the browser's selection goes."""
    return at.get(CHART)[0].proto.id.split("-", 2)[2]


def select(at: AppTest, clicked: int | None = None, box: dict | None = None) -> AppTest:
    """Feed the chart now shown a selection as the browser reports one: the clicked dot's index, the box's ranges."""
    at.session_state[chart_key(at)] = {"selection": {"digit": [] if clicked is None else [{"index": clicked}],
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
    counts = np.bincount(codes["labels"][inside], minlength=len(names))
    parts = [f"{n} labelled {names[c]}" for c, n in enumerate(counts) if n]
    assert any(c.value == "Of them, " + (", ".join(parts[:-1]) + " and " if len(parts) > 1 else "") + parts[-1] + "."
               for c in at.caption)  # in words, not code


def test_scatter_clicked_point_of_a_wide_latent_shows_its_code_as_a_rounded_table():
    model_id = next(m for m in MODELS if CARDS[m]["latent_dim"] > 2)
    at = select(open_page(SCATTER, model=model_id), clicked=7)
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table.columns) == [f"z{''.join('₀₁₂₃₄₅₆₇₈₉'[int(d)] for d in str(k + 1))}"
                                   for k in range(CARDS[model_id]["latent_dim"])]
    np.testing.assert_array_equal(table.iloc[0].to_numpy(), np.round(heldout(model_id)["means"][7], 2))


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


@pytest.mark.parametrize("page", [SCATTER, GRID])
def test_pages_open_on_their_showcase_model_until_the_user_chooses(page):
    needs(SHOWCASE)
    assert min(MODELS, key=lambda i: CARDS[i]["latent_dim"]) != SHOWCASE  # not vacuous: not the old default
    at = open_page(page)
    assert_clean(at)
    assert chosen(at) == SHOWCASE and at.query_params["model"] == SHOWCASE


def test_unknown_model_in_url_falls_back_with_a_message():
    needs(SHOWCASE)
    at = open_page(SCATTER, model="nonsense")
    assert not at.exception
    assert any("nonsense" in w.value for w in at.warning)
    assert chosen(at) == SHOWCASE  # no choice yet: the page's showcase
    assert at.query_params["model"] == SHOWCASE  # the URL names the model shown
    assert at.get(CHART)


def test_unknown_model_in_url_falls_back_to_the_users_choice():
    needs(SHOWCASE, "mnist-ae-2d")
    at = choose(open_page(SCATTER), "mnist-ae-2d")
    at.query_params["model"] = "nonsense"  # an edited URL
    at.run()
    assert not at.exception
    assert any("nonsense" in w.value for w in at.warning)
    assert chosen(at) == "mnist-ae-2d" and at.query_params["model"] == "mnist-ae-2d"
    np.testing.assert_allclose(dots(at)[["x", "y"]], heldout("mnist-ae-2d")["means"][dots(at)["index"]], rtol=1e-6)


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

def grids(at: AppTest) -> list:
    """The page's decoded grids (pictures.show_mosaic: one picture, no caption under it)."""
    return [row for row in digit_rows(at) if not row.captions]


@pytest.fixture
def grid_picture():
    """The decoded grid as sent (one digit a 28-pixel cell) and the caption under it, which gives its extent;
    the grid is drawn GRID_PIXELS wide whatever its size."""
    def shown(at: AppTest) -> tuple[Image.Image, str]:
        captions = [c.value for c in at.caption if c.value.startswith("Left to right")]
        grid, = grids(at)
        assert grid.widths == [GRID_PIXELS]
        return grid.pictures()[0], captions[0]
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
        picture, caption = grid_picture(at)  # on screen GRID_PIXELS wide whatever n (checked there)
        assert picture.size == (28 * n, 28 * n)
        assert f"In {n} " in caption
        shown[n] = np.asarray(picture)
    # n x n cells: with 4 cells a side, every 28-pixel block is one digit, so its edges are background
    cell = 28
    border = np.concatenate([shown[4][::cell].ravel(), shown[4][:, ::cell].ravel()])
    assert np.median(border) < 30 and shown[4].max() > 200
    assert not np.array_equal(shown[4], shown[30])


def latent_name(k: int) -> str:
    return "z" + str(k + 1).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def reach_of_codes(means: np.ndarray, i: int, j: int) -> float:
    """The grid's measured default range, re-done here by brute force: the widest half-width, in standard
    deviations and steps of 0.25 within [0.5, 5], whose 15 x 15 grid over dimensions i and j has at least 80% of
    its points within one grid spacing of a held-out code."""
    coords = (means[:, [i, j]] - means[:, [i, j]].mean(0)) / means[:, [i, j]].std(0)
    for reach in np.arange(5.0, 0.49, -0.25):
        steps = np.linspace(-reach, reach, 15)
        grid = np.stack(np.meshgrid(steps, steps), axis=-1).reshape(-1, 1, 2)
        nearest = np.sqrt(((grid - coords[None]) ** 2).sum(-1)).min(1)
        if (nearest <= 2 * reach / 14).mean() >= 0.8:
            return float(reach)
    return 0.5


def default_dims(model_id: str) -> tuple[int, int]:
    """The plane the grid opens on: a 2-D latent itself, else the two dimensions with the widest spread."""
    spread = heldout(model_id)["means"].std(0)
    return (0, 1) if len(spread) == 2 else tuple(int(k) for k in np.argsort(-spread)[:2])


def expected_extent(model_id: str, i: int, j: int, reach: float) -> dict[str, tuple]:
    """What the caption must say for a linear sweep of ±reach sd over dimensions i and j of this model's codes."""
    means = heldout(model_id)["means"]
    mean, std = means.mean(0), means.std(0)
    return {"Left to right": (latent_name(i), mean[i] - reach * std[i], mean[i] + reach * std[i]),
            "Top to bottom": (latent_name(j), mean[j] + reach * std[j], mean[j] - reach * std[j])}


def assert_extent(caption: str, expected: dict) -> None:
    shown = extent(caption)
    for where, (name, a, b) in expected.items():
        assert shown[where] == (name, pytest.approx(a, abs=0.006), pytest.approx(b, abs=0.006)), (where, caption)


@pytest.mark.parametrize("model_id", PLANE_MODELS)
def test_grid_caption_gives_latent_coordinates_and_quantiles_change_them(model_id, grid_picture):
    at = open_page(GRID, model=model_id)
    at.slider(key="grid_size").set_value(7).run()
    means = heldout(model_id)["means"]
    reach = reach_of_codes(means, 0, 1)  # the range opens where the codes are, not at a fixed ±3
    assert at.slider(key=f"extent_z_{model_id}").value == reach
    assert model_id != "mnist-vae-2d" or reach == 2.75
    assert model_id != "mnist-ae-2d" or reach == 1.0  # its codes leave wide empty regions beside them
    linear = extent(grid_picture(at)[1])
    name, left, right = linear["Left to right"]
    low, high = means[:, 0].mean() + np.array([-reach, reach]) * means[:, 0].std()
    assert name == "z₁" and (left, right) == (pytest.approx(low, abs=0.01), pytest.approx(high, abs=0.01))
    name, top, bottom = linear["Top to bottom"]
    assert name == "z₂" and top > bottom  # up is larger z₂, as on a plot
    at.slider(key=f"extent_z_{model_id}").set_value(3.0).run()
    _, left, right = extent(grid_picture(at)[1])["Left to right"]
    low, high = means[:, 0].mean() + np.array([-3, 3]) * means[:, 0].std()
    assert (left, right) == (pytest.approx(low, abs=0.01), pytest.approx(high, abs=0.01))
    at.radio(key="sweep").set_value("Gaussian quantiles").run()
    assert_clean(at)
    _, left_q, right_q = extent(grid_picture(at)[1])["Left to right"]
    assert left < left_q < right_q < right  # 90% of the mass spans less than ±3 sd


@pytest.mark.parametrize("model_id", WIDE_MODELS)
def test_grid_sweeps_two_chosen_dimensions_or_principal_components(model_id, grid_picture):
    at = open_page(GRID, model=model_id)
    assert_clean(at)
    at.selectbox(key=f"dim_x_{model_id}").set_value(0).run()
    at.selectbox(key=f"dim_y_{model_id}").set_value(3).run()
    first, caption = grid_picture(at)
    reach = at.slider(key=f"extent_z0z3_{model_id}").value  # each plane opens on its own measured range
    assert reach == reach_of_codes(heldout(model_id)["means"], 0, 3)
    assert_extent(caption, expected_extent(model_id, 0, 3, reach))
    at.selectbox(key=f"dim_y_{model_id}").set_value(0).run()
    assert any("different" in w.value for w in at.warning)
    assert not grids(at) and digit_rows(at)  # no grid, the strip stays
    assert not [c for c in at.caption if c.value.startswith("Left to right")]
    at.radio(key=f"plane_{model_id}").set_value("Two principal components").run()
    assert_clean(at)
    pcs, caption = grid_picture(at)
    assert extent(caption)["Left to right"][0].startswith("PC 1")
    assert np.asarray(pcs).tobytes() != np.asarray(first).tobytes()


def test_grid_strip_without_data_explains_and_shows_reconstructions(without_data):
    at = open_page(GRID, model=MODELS[0])
    assert_clean(at)
    assert any(ENV_VAR in i.value and "Originals" in i.value for i in at.info)
    assert any("shipped latent means" in c.value for c in at.caption)
    assert len(grids(at)) == 1 and len(digit_rows(at)) == 2  # the grid, and the reconstructions only


def test_grid_strip_with_data_shows_originals_above_reconstructions():
    if local_heldout_images(MODELS[0]) is None:
        pytest.skip(f"the held-out digits are not on this machine (set {ENV_VAR})")
    at = open_page(GRID, model=MODELS[0])
    assert_clean(at)
    strips = [row for row in digit_rows(at) if row.captions]  # the grid is a row without captions
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
    at.radio(key="view").set_value("images").run()
    assert_clean(at)

    at = open_page(GRID, model="tiny-cvae")
    assert_clean(at)
    # The grid, and the reconstruction strip, decoded with each digit's label.
    assert len(grids(at)) == 1 and len(digit_rows(at)) == 2
    as_zero, _ = grid_picture(at)
    at.selectbox(key="digit_tiny-cvae").set_value(7).run()
    assert_clean(at)
    as_seven, _ = grid_picture(at)
    assert np.asarray(as_zero).tobytes() != np.asarray(as_seven).tobytes()


# ---------------------------------------------------------------- switching models

def spread_options(model_id: str) -> list[str]:
    """The grid's axis boxes for this model, as shown: each latent dimension with the spread of its codes."""
    spread = heldout(model_id)["means"].std(0)
    return [f"{latent_name(k)}  (spread {spread[k]:.2f})" for k in range(len(spread))]


def own_keys(at: AppTest, model_id: str) -> set[str]:
    """The widgets keyed by a model: each belongs to the model shown, none to another."""
    others = {m for m in MODELS if m != model_id}
    keys = widget_keys(at)
    assert not {k for k in keys for m in others if k.endswith(f"_{m}")}, keys
    return {k for k in keys if k.endswith(f"_{model_id}")}


def labelled(at: AppTest, kind: str, label: str) -> list:
    """The widgets of one kind with this label: found as the user finds them, whatever their keys."""
    return [w for w in at.get(kind) if w.label == label]


AXIS_BOXES, RANGE = ("Horizontal axis", "Vertical axis"), "Range (± standard deviations)"


def assert_grid_belongs_to(at: AppTest, model_id: str, grid_picture) -> tuple[int, int, float]:
    """Options, caption and range of the grid are the model's own, whatever the controls now say."""
    assert_clean(at)
    assert chosen(at) == model_id and at.query_params["model"] == model_id
    own_keys(at, model_id)
    assert bool(labelled(at, "selectbox", "Decode as digit")) == CARDS[model_id]["conditional"]
    boxes = [box for label in AXIS_BOXES for box in labelled(at, "selectbox", label)]
    if CARDS[model_id]["latent_dim"] == 2:
        assert not boxes and not labelled(at, "radio", "Plane")
        i, j = 0, 1
    else:
        assert [b.options for b in boxes] == [spread_options(model_id)] * 2  # this model's spreads
        i, j = (b.value for b in boxes)
    (reach,) = (s.value for s in labelled(at, "slider", RANGE))
    assert_extent(grid_picture(at)[1], expected_extent(model_id, i, j, reach))
    return i, j, reach


def test_grid_follows_the_model_chosen_in_both_directions(grid_picture):
    """cVAE -> 16-D VAE (the issue's example) and back, through the 2-D models: the axis boxes, their spreads, the
    range and the caption belong to the model now chosen, and the grid is the one that model opens on."""
    path = ["mnist-vae-2d", "mnist-cvae", "mnist-vae-16d", "mnist-ae-2d", "mnist-vae-2d", "mnist-vae-16d",
            "mnist-cvae"]
    needs(*path)
    fresh = {}  # each model's grid as a page opened on it shows it
    for model_id in dict.fromkeys(path):
        page = open_page(GRID, model=model_id)
        fresh[model_id] = np.asarray(grid_picture(page)[0])
    at = open_page(GRID)
    seen = set()
    for model_id in path:
        if model_id != chosen(at):
            choose(at, model_id)
        i, j, reach = assert_grid_belongs_to(at, model_id, grid_picture)
        if model_id not in seen:  # first visit: the model's own defaults, not what the last model was left at
            assert (i, j) == default_dims(model_id)
            assert reach == reach_of_codes(heldout(model_id)["means"], i, j)
            np.testing.assert_array_equal(np.asarray(grid_picture(at)[0]), fresh[model_id])
        seen.add(model_id)
        # Leave this model's controls where no default is, so carrying them over would show on the next model.
        if CARDS[model_id]["latent_dim"] > 2:
            labelled(at, "selectbox", AXIS_BOXES[0])[0].set_value(int(np.argmin(heldout(model_id)["means"].std(0))))
            at.run()
        if CARDS[model_id]["conditional"]:
            labelled(at, "selectbox", "Decode as digit")[0].set_value(7).run()
        labelled(at, "slider", RANGE)[0].set_value(4.75).run()
        assert_grid_belongs_to(at, model_id, grid_picture)


def test_scatter_projections_and_selections_belong_to_their_model():
    path = ["mnist-vae-2d", "mnist-vae-16d", "mnist-cvae", "mnist-vae-16d", "mnist-vae-2d"]
    needs(*path)

    def assert_shows(at: AppTest, model_id: str, projection: str) -> None:
        assert_clean(at)
        assert chosen(at) == model_id and at.query_params["model"] == model_id
        radio = at.radio(key=f"projection_{model_id}")
        assert radio.options == (["Latent coordinates"] if CARDS[model_id]["latent_dim"] == 2 else ["PCA", "t-SNE"])
        assert radio.value == projection
        own_keys(at, model_id)
        codes = heldout(model_id)
        expected = codes["means"] if projection == "Latent coordinates" else codes[projection.lower().replace("-", "")]
        plotted = dots(at)
        assert len(plotted) == len(codes["labels"])
        np.testing.assert_allclose(plotted[["x", "y"]], expected[plotted["index"]], rtol=1e-6)
        told = "told each digit's label" in at.caption[0].value
        assert told == CARDS[model_id]["conditional"]

    def assert_nothing_selected(at: AppTest) -> None:
        assert not at.subheader and "Click near a dot" in at.info[0].value
        assert not digit_rows(at)

    at = open_page(SCATTER)
    assert_shows(at, "mnist-vae-2d", "Latent coordinates")
    select(at, clicked=7)
    assert at.subheader[0].value.startswith("Digit #7 ")
    choose(at, "mnist-vae-16d")  # a click on one model shows no digit on another
    assert_shows(at, "mnist-vae-16d", "PCA")
    assert_nothing_selected(at)
    select(at, clicked=5)
    assert at.subheader[0].value.startswith("Digit #5 ")
    at.radio(key="projection_mnist-vae-16d").set_value("t-SNE").run()  # nor on another projection
    assert_shows(at, "mnist-vae-16d", "t-SNE")
    assert_nothing_selected(at)
    select(at, box=box_around(heldout("mnist-vae-16d")["tsne"], [3, 4]))
    assert at.subheader[0].value.endswith("digits selected")
    choose(at, "mnist-cvae")  # the 16-D model's t-SNE choice and box stay with it
    assert_shows(at, "mnist-cvae", "PCA")
    assert_nothing_selected(at)
    select(at, clicked=3)
    label = CARDS["mnist-cvae"]["class_names"][heldout("mnist-cvae")["labels"][3]]
    assert at.subheader[0].value == f"Digit #3 · label {label}"
    choose(at, "mnist-vae-16d")
    assert at.radio(key="projection_mnist-vae-16d").value in ("PCA", "t-SNE")
    assert_shows(at, "mnist-vae-16d", at.radio(key="projection_mnist-vae-16d").value)
    assert not any(s.value.startswith("Digit #3 ") for s in at.subheader)
    choose(at, "mnist-vae-2d")
    assert_shows(at, "mnist-vae-2d", "Latent coordinates")
    assert not any(s.value.startswith(("Digit #3 ", "Digit #5 ")) for s in at.subheader)


def test_the_choice_survives_a_page_that_cannot_show_it():
    """Chosen on Latent scatter, the 16-D VAE gives way to the conditional VAE on Digits by label, which says so,
    and returns on Decoded grid and Latent scatter; the URL always names the model shown."""
    needs("mnist-vae-16d", "mnist-cvae", "mnist-judge")
    at = choose(open_page(SCATTER), "mnist-vae-16d")
    assert chosen(at) == "mnist-vae-16d" and at.query_params["model"] == "mnist-vae-16d"

    go_to(at, LABEL)
    assert_clean(at)
    assert chosen(at) == "mnist-cvae" and at.query_params["model"] == "mnist-cvae"
    cvae, vae = CARDS["mnist-cvae"]["title"], CARDS["mnist-vae-16d"]["title"]
    notes = [i.value for i in at.info if "told the label" in i.value]
    assert len(notes) == 1 and f"**{cvae}**" in notes[0] and f"**{vae}**" in notes[0]
    assert "returns on the other pages" in notes[0]
    assert at.session_state["chosen_model"] == "mnist-vae-16d"  # not overwritten
    at.run()  # a rerun (any control) keeps it so: the URL now names the cvae, which is our own echo
    assert chosen(at) == "mnist-cvae" and at.session_state["chosen_model"] == "mnist-vae-16d"

    go_to(at, GRID)
    assert_clean(at)
    assert chosen(at) == "mnist-vae-16d" and at.query_params["model"] == "mnist-vae-16d"
    assert at.selectbox(key="dim_x_mnist-vae-16d").options == spread_options("mnist-vae-16d")
    assert not [i for i in at.info if "told the label" in i.value]

    go_to(at, SCATTER)
    assert_clean(at)
    assert chosen(at) == "mnist-vae-16d" and at.query_params["model"] == "mnist-vae-16d"
    np.testing.assert_allclose(dots(at)[["x", "y"]], heldout("mnist-vae-16d")["pca"][dots(at)["index"]], rtol=1e-6)


def test_choosing_a_conditional_model_on_digits_by_label_is_followed_elsewhere():
    needs("mnist-vae-2d", "mnist-cvae", "mnist-judge")
    at = open_page(LABEL, model="mnist-cvae")  # a link naming the model the page shows anyway
    assert_clean(at)
    assert at.session_state["chosen_model"] == "mnist-cvae"
    assert not [i for i in at.info if "told the label" in i.value]
    go_to(at, SCATTER)
    assert chosen(at) == "mnist-cvae" and at.query_params["model"] == "mnist-cvae"


def test_a_home_link_makes_its_model_the_choice():
    needs("mnist-ae-2d", "mnist-vae-2d", "mnist-cvae", "mnist-judge")
    at = open_page()
    assert_clean(at)
    links = {(link.proto.label, link.proto.query_string) for link in at.get("page_link")}
    assert ("Decoded grid", "model=mnist-ae-2d") in links
    at.switch_page(GRID)  # follow that link: its page, its query
    at.query_params["model"] = "mnist-ae-2d"
    at.run()
    assert_clean(at)
    assert chosen(at) == "mnist-ae-2d" and at.session_state["chosen_model"] == "mnist-ae-2d"
    assert_extent(next(c.value for c in at.caption if c.value.startswith("Left to right")),
                  expected_extent("mnist-ae-2d", 0, 1, reach_of_codes(heldout("mnist-ae-2d")["means"], 0, 1)))
    go_to(at, SCATTER)  # not the scatter's showcase: the link's model is the choice now
    assert chosen(at) == "mnist-ae-2d" and at.query_params["model"] == "mnist-ae-2d"
    go_to(at, LABEL)
    assert chosen(at) == "mnist-cvae"
    assert any(f"**{CARDS['mnist-ae-2d']['title']}**" in i.value for i in at.info)
    go_to(at, GRID)
    assert chosen(at) == "mnist-ae-2d" and at.query_params["model"] == "mnist-ae-2d"


# ---------------------------------------------------------------- GANs: no encoder

GAN_PAGE = "pages/6_GAN_samples.py"


def needs_gans(*model_ids: str) -> None:
    missing = [m for m in model_ids if m not in GANS]
    if missing:
        pytest.skip(f"needs the shipped {', '.join(missing)} (python -m core.train <model_id>)")


@functools.cache
def generator(model_id: str):
    return core.load_model(model_id)


def noise_grid(model_id: str, axes: np.ndarray, seed: int = 0, n: int = 15, reach: float = 3.0,
               label: int | None = None) -> np.ndarray:
    """The grid the page should draw for a GAN: n x n points on the plane through seed's noise along `axes` (two
    unit vectors, in standard deviations of the noise N(0, I)), over ±reach, decoded and tiled, rows top down."""
    from core.images import tile, to_uint8
    m = generator(model_id)
    center = m.sample_latents(1, seed=seed)[0]
    steps = np.linspace(-reach, reach, n)
    points = [center + x * axes[0] + y * axes[1] for y in steps[::-1] for x in steps]
    return to_uint8(tile(m.decode(np.array(points, np.float32), label), n, n))


def unit_axes(latent_dim: int, i: int, j: int) -> np.ndarray:
    axes = np.zeros((2, latent_dim), np.float32)
    axes[0, i] = axes[1, j] = 1
    return axes


def assert_grid_is(at: AppTest, grid_picture, expected: np.ndarray) -> None:
    assert_clean(at)
    shown = np.asarray(grid_picture(at)[0], int)
    assert shown.shape == expected.shape and np.abs(shown - expected).max() <= 1  # float noise at most


def test_pages_offer_only_the_models_they_can_show():
    """A GAN has no encoder: the grid and the GAN page offer it, the scatter, arithmetic and label pages do not.
    The face VAE is on the scatter and the grid (dashboard/face_views.py), not on the GAN page."""
    needs_gans("mnist-gan", "mnist-dcgan", "mnist-cgan")
    title = {i: c["title"] for i, c in DIGIT_CARDS.items()}
    offered = {page: open_page(page).selectbox(key="model_picker").options for page in (SCATTER, GRID, GAN_PAGE)}
    assert sorted(offered[SCATTER]) == sorted([title[i] for i in MODELS] + FACE_TITLES)
    assert sorted(offered[GRID]) == sorted([*title.values(), *FACE_TITLES])
    assert sorted(offered[GAN_PAGE]) == sorted(title[i] for i in GANS)
    arithmetic = open_page("pages/4_Latent_arithmetic.py").selectbox(key="model_picker").options
    assert not set(arithmetic) & {title[i] for i in GANS} and set(arithmetic) >= {title[i] for i in MODELS}


@pytest.mark.parametrize("model_id", ["mnist-dcgan", "mnist-gan"])
def test_grid_draws_a_plane_through_a_gans_noise(model_id, grid_picture):
    needs_gans(model_id)
    at = open_page(GRID, model=model_id)
    assert chosen(at) == model_id and at.query_params["model"] == model_id
    d = DIGIT_CARDS[model_id]["latent_dim"]
    assert_grid_is(at, grid_picture, noise_grid(model_id, unit_axes(d, 0, 1)))
    assert at.slider(key=f"extent_z0z1_{model_id}").value == 3.0  # ±3 sd of the noise: where 99.7% of it lies
    center = generator(model_id).sample_latents(1, seed=0)[0]
    assert_extent(grid_picture(at)[1], {"Left to right": ("z₁", center[0] - 3, center[0] + 3),
                                        "Top to bottom": ("z₂", center[1] + 3, center[1] - 3)})
    # no held-out digits or reconstructions for a model without an encoder, and it says why
    assert not [s for s in at.subheader if "reconstructions" in s.value]
    assert len(digit_rows(at)) == 1
    assert any("no encoder" in c.value and "nothing maps a digit back" in c.value for c in at.caption)
    # other dimensions, another seed's noise, then two random directions
    at.selectbox(key=f"dim_x_{model_id}").set_value(4).run()
    at.selectbox(key=f"dim_y_{model_id}").set_value(9).run()
    assert_grid_is(at, grid_picture, noise_grid(model_id, unit_axes(d, 4, 9)))
    at.number_input(key=f"plane_seed_{model_id}").set_value(3).run()
    assert_grid_is(at, grid_picture, noise_grid(model_id, unit_axes(d, 4, 9), seed=3))
    at.radio(key=f"plane_{model_id}").set_value("Two random directions").run()
    at.number_input(key=f"directions_{model_id}").set_value(5).run()
    axes = np.linalg.qr(np.random.default_rng(5).standard_normal((d, 2)))[0].T
    np.testing.assert_allclose(axes @ axes.T, np.eye(2), atol=1e-9)  # orthonormal: one sd of the noise each
    assert_grid_is(at, grid_picture, noise_grid(model_id, axes, seed=3))
    assert extent(grid_picture(at)[1])["Left to right"] == ("direction 1", pytest.approx(-3), pytest.approx(3))
    at.slider(key="grid_size").set_value(6).run()
    at.slider(key=f"extent_random_{model_id}").set_value(1.5).run()
    assert_grid_is(at, grid_picture, noise_grid(model_id, axes, seed=3, n=6, reach=1.5))


def test_grid_draws_every_cell_of_the_conditional_gan_as_the_chosen_digit(grid_picture):
    needs_gans("mnist-cgan")
    at = open_page(GRID, model="mnist-cgan")
    d = DIGIT_CARDS["mnist-cgan"]["latent_dim"]
    assert_grid_is(at, grid_picture, noise_grid("mnist-cgan", unit_axes(d, 0, 1), label=0))
    at.selectbox(key="digit_mnist-cgan").set_value(7).run()
    assert_grid_is(at, grid_picture, noise_grid("mnist-cgan", unit_axes(d, 0, 1), label=7))


def test_scatter_says_why_a_gan_has_no_scatter_and_links_to_its_page():
    needs(SHOWCASE)
    needs_gans("mnist-dcgan")
    title = DIGIT_CARDS["mnist-dcgan"]["title"]
    at = open_page(SCATTER, model="mnist-dcgan")  # a link naming the GAN
    assert_clean(at)
    assert any("`mnist-dcgan` cannot be shown here" in w.value and "encoder" in w.value for w in at.warning)
    assert any(m.value.startswith(f"**There is no scatter of {title}.**") and "no encoder" in m.value
               and "nothing maps a digit to a point" in m.value for m in at.markdown)
    links = [(link.proto.label, link.proto.query_string) for link in at.get("page_link")]
    assert ("GAN samples", "model=mnist-dcgan") in links
    assert chosen(at) == SHOWCASE and at.get(CHART)  # the showcase's scatter, below the message

    # chosen on the GAN page, the GAN gives way here with the same message, and returns on the grid
    at = open_page(GAN_PAGE, model="mnist-dcgan")
    go_to(at, SCATTER)
    assert_clean(at)
    assert chosen(at) == SHOWCASE and at.query_params["model"] == SHOWCASE
    assert any("no encoder" in m.value for m in at.markdown)
    assert any(f"**{title}**" in i.value and "returns on the other pages" in i.value for i in at.info)
    go_to(at, GRID)
    assert_clean(at)
    assert chosen(at) == "mnist-dcgan"
    at = open_page(SCATTER, model=SHOWCASE)
    assert not [m for m in at.markdown if "no scatter" in m.value]


# ---------------------------------------------------------------- the grid's settings in the URL

def grid_link(at) -> dict:
    return {k: v for k, v in at.query_params.items() if k != "model"}


def test_grid_settings_are_kept_in_the_url_and_a_copied_link_reopens_them(grid_picture):
    model_id = "mnist-vae-16d"
    at = open_page(GRID, model=model_id)
    at.selectbox(key=f"dim_x_{model_id}").set_value(0).run()
    at.selectbox(key=f"dim_y_{model_id}").set_value(3).run()
    at.slider(key=f"extent_z0z3_{model_id}").set_value(2.5).run()
    at.slider(key="grid_size").set_value(6).run()
    assert grid_link(at) == {"plane": "dims", "x": "0", "y": "3", "steps": "linear", "range": "2.5", "n": "6"}
    shown = grid_picture(at)
    again = open_page(GRID, model=model_id, **grid_link(at))
    assert_clean(again)
    assert not again.warning
    assert grid_picture(again)[1] == shown[1]
    assert np.asarray(grid_picture(again)[0]).tobytes() == np.asarray(shown[0]).tobytes()
    # quantile steps and the principal plane; the range leaves the URL with the linear steps
    at.radio(key="sweep").set_value("Gaussian quantiles").run()
    at.slider(key="mass").set_value(80).run()
    at.radio(key=f"plane_{model_id}").set_value("Two principal components").run()
    assert grid_link(at) == {"plane": "pc", "steps": "quantile", "mass": "80", "n": "6"}
    again = open_page(GRID, model=model_id, **grid_link(at))
    assert_clean(again)
    assert again.radio(key=f"plane_{model_id}").value == "Two principal components"
    assert again.radio(key="sweep").value == "Gaussian quantiles" and again.slider(key="mass").value == 80
    assert grid_picture(again)[1] == grid_picture(at)[1]


def test_a_gans_noise_plane_and_a_conditional_digit_come_back_from_a_link(grid_picture):
    needs_gans("mnist-cgan")
    at = open_page(GRID, model="mnist-cgan", digit="7", plane="random", through="3", directions="5", n="5",
                   range="1.5")
    assert_clean(at)
    assert not at.warning
    d = DIGIT_CARDS["mnist-cgan"]["latent_dim"]
    axes = np.linalg.qr(np.random.default_rng(5).standard_normal((d, 2)))[0].T
    assert_grid_is(at, grid_picture, noise_grid("mnist-cgan", axes, seed=3, n=5, reach=1.5, label=7))
    assert grid_link(at) == {"digit": "7", "plane": "random", "through": "3", "directions": "5", "steps": "linear",
                             "range": "1.5", "n": "5"}


@pytest.mark.parametrize("query,why", [
    ({"plane": "diagonal"}, "`plane=diagonal` (one of dims, pc)"),
    ({"x": "99"}, "`x=99` (a whole number from 0 to 15)"),
    ({"range": "9"}, "`range=9` (a number from 0.5 to 5)"),
    ({"n": "1"}, "`n=1` (a whole number from 2 to 30)"),
    ({"steps": "log"}, "`steps=log` (linear or quantile)"),
    ({"digit": "3"}, "`digit=3` (mnist-vae-16d is not told which digit to draw)"),
    ({"through": "3"}, "`through=3` (only a GAN's plane runs through a seed's noise)"),
])
def test_grid_bad_link_values_are_named_and_the_defaults_kept(query, why):
    at = open_page(GRID, model="mnist-vae-16d", **query)
    assert_clean(at)
    warning, = [w.value for w in at.warning]
    assert why in warning
    assert at.slider(key="grid_size").value == 15 and at.radio(key="sweep").value == "Linear steps"


def test_a_2d_models_grid_names_no_plane():
    at = open_page(GRID, model="mnist-vae-2d", plane="pc")
    assert "`plane=pc` (a 2-D latent is its own plane)" in at.warning[0].value
    assert set(grid_link(at)) == {"steps", "range", "n"}
