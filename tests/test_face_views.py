"""Latent scatter and Decoded grid serving a face VAE (dashboard/face_views.py), driven headless through AppTest on
the tiny untrained face VAE and face judge (conftest.build_tiny_faces) in a temporary pretrained folder.

What the pages draw is re-done here from the model's own API and the shipped aggregate statistics (the training
codes' mean and principal axes): the grid's faces are the decoder's pictures of the plane's points, the scatter's
dots are the sampling trick's faces of consecutive seeds projected on the axes and coloured by the judge's reading
of the decoded faces; a click shows that face. Without the principal axes both pages say which command writes them.
Held-out test faces (above their reconstructions, or as the scatter's points) come only from a synthetic CelebA
folder the test writes, and only when it is there. Digit controls never show for faces, nor face controls for digits.
"""
from __future__ import annotations

import copy
import json
import re

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from conftest import (GRID, SCATTER, assert_clean, build_tiny_cvae, build_tiny_faces, choose, chosen, digit_rows,
                      open_page, widget_keys)
from core import registry
from core.images import to_uint8
from test_face_page import faces_master, faces_pretrained, fake_celeba, tiny  # noqa: F401  (fixtures)

MODEL = "tiny-face-vae"
FACE = 64        # the tiny model's faces: 64 x 64 RGB
PAD = 2          # white pixels between the grid's faces
DIGIT_KEYS = ("sweep", "grid_size", "mass", "view", "thumbnails")  # the digit pages' own controls


def key(name: str) -> str:
    return f"{name}_{MODEL}"


def statistics(m):
    components, stds = m.principal_axes()
    mean, _ = m.training_code_stats()
    return mean.astype(np.float64), components.astype(np.float64), stds.astype(np.float64)


def as_uint8(images) -> np.ndarray:
    return np.asarray(to_uint8(images), int)


# ---------------------------------------------------------------- LatentModel.principal_axes

def test_principal_axes_are_read_from_latents_npz_and_missing_ones_name_the_command(faces_master, tiny):
    m, _ = tiny
    components, stds = m.principal_axes()
    with np.load(faces_master / MODEL / "latents.npz") as shipped:
        np.testing.assert_array_equal(components, shipped["train_components"])
        np.testing.assert_array_equal(stds, shipped["train_component_std"])
        assert set(shipped.files) == {"train_mean", "train_std", "train_faces", "train_components",
                                      "train_component_std"}  # aggregate statistics only
    assert components.shape == (8, m.latent_dim) and components.dtype == np.float32
    np.testing.assert_allclose(components @ components.T, np.eye(8), atol=1e-5)
    bare = copy.copy(m)
    bare.heldout = {k: v for k, v in m.heldout.items() if not k.startswith("train_component")}
    with pytest.raises(ValueError, match=re.escape(f"python -m core.evaluate {MODEL}")):
        bare.principal_axes()
    bare.heldout = {**m.heldout, "train_components": components[:, :3]}  # not this model's latent
    with pytest.raises(ValueError, match="wrong shape"):
        bare.principal_axes()


def test_evaluation_ships_the_principal_axes_of_the_training_codes_and_no_code(faces_pretrained, tmp_path,
                                                                              monkeypatch):
    """core.evaluate on a synthetic CelebA folder (colour gradients, no face): latents.npz gets the training codes'
    principal axes, computed from the encoder's means of the training faces, and nothing per face."""
    import core
    from conftest import FACE_ATTRIBUTES
    from core import evaluate
    from core.data import load_celeba
    from core.latent import code_components
    from test_face_page import gradient
    folder = tmp_path / "celeba-data" / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names, parts = [f"{i:06d}.jpg" for i in range(1, 21)], [0] * 12 + [1] * 4 + [2] * 4
    rng = np.random.default_rng(1)
    for i, name in enumerate(names):
        Image.fromarray(gradient(178, 218, 10 + i)).save(folder / "img_align_celeba" / name, quality=95)
    (folder / "list_attr_celeba.txt").write_text(f"{len(names)}\n{' '.join(FACE_ATTRIBUTES)}\n" + "\n".join(
        n + " " + " ".join(rng.choice(["1", "-1"], len(FACE_ATTRIBUTES))) for n in names) + "\n")
    (folder / "list_eval_partition.txt").write_text("".join(f"{n} {p}\n" for n, p in zip(names, parts)))
    monkeypatch.setattr("core.models.face_judge.FACE_JUDGE", "tiny-face-judge")  # the judge this folder has
    evaluate.evaluate(MODEL, folder.parent, root=faces_pretrained)
    with registry.using_root(faces_pretrained):
        m = core.load_model(MODEL)  # hash-checked against the manifest evaluation rewrote
    train = load_celeba(folder.parent, download=False, size=64, split="train", cache=False).images
    codes = m.encode(train)
    components, stds = m.principal_axes()
    assert set(m.heldout) == {"train_mean", "train_std", "train_faces", "train_components", "train_component_std"}
    assert components.shape == (8, 8) and int(m.heldout["train_faces"]) == 12
    expected, expected_stds = code_components(codes, 8)
    np.testing.assert_allclose(np.abs(components @ expected.T), np.eye(8), atol=1e-3)  # the same axes
    np.testing.assert_allclose(stds, expected_stds, rtol=1e-3, atol=1e-6)
    projected = (codes - codes.mean(0)) @ components[:2].T
    np.testing.assert_allclose(projected.std(0), stds[:2], rtol=1e-3)


# ---------------------------------------------------------------- Decoded grid

def expected_codes(m, i: int, j: int, extent: float, n: int) -> np.ndarray:
    """Row by row from the top: the mean code plus x sd along axis i and y sd along axis j, y from +extent down."""
    mean, components, stds = statistics(m)
    steps = np.linspace(-extent, extent, n)
    return np.array([mean + x * stds[i] * components[i] + y * stds[j] * components[j]
                     for y in steps[::-1] for x in steps], np.float32)


def grid_faces(at) -> np.ndarray:
    """The grid as sent (one picture, no captions), cut into its faces (n * n, 64, 64, 3), row-major."""
    grid, = [row for row in digit_rows(at) if not row.captions]
    picture = np.asarray(grid.pictures()[0].convert("RGB"), int)
    n = (picture.shape[1] - PAD) // (FACE + PAD)
    assert picture.shape == (n * (FACE + PAD) + PAD,) * 2 + (3,)
    return np.stack([picture[PAD + r * (FACE + PAD):][:FACE, PAD + c * (FACE + PAD):][:, :FACE]
                     for r in range(n) for c in range(n)])


def assert_grid(at, m, i: int, j: int, extent: float, n: int) -> None:
    assert_clean(at)
    shown = grid_faces(at)
    assert len(shown) == n * n
    assert np.abs(shown - as_uint8(m.decode(expected_codes(m, i, j, extent, n)))).max() <= 1


def grid_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Left to right"))


def test_grid_of_a_face_model_is_the_plane_of_two_principal_axes(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(GRID, model=MODEL)
    assert chosen(at) == MODEL and at.query_params["model"] == MODEL
    assert_grid(at, m, 0, 1, 2.5, 7)  # PC 1 x PC 2, ±2.5 sd, 7 x 7 faces
    html = next(e.proto.body for e in at.get("html") if "<figcaption" not in e.proto.body)
    assert "image-rendering:auto" in html and "pixelated" not in html  # faces are drawn smooth
    assert 'width="520"' in html
    share = statistics(m)[2] ** 2 / (m.training_code_stats()[1].astype(np.float64) ** 2).sum()
    caption = grid_caption(at)
    assert f"**PC 1 ({share[0]:.0%} of the variance)** from -2.5 to +2.5 standard deviations" in caption
    assert f"**PC 2 ({share[1]:.0%} of the variance)** from +2.5 to -2.5" in caption
    assert "the mean latent code of the 100 training faces" in caption
    # the controls change it
    at.slider(key=key("face_extent")).set_value(1.0).run()
    assert_grid(at, m, 0, 1, 1.0, 7)
    at.slider(key=key("face_grid_size")).set_value(4).run()
    assert_grid(at, m, 0, 1, 1.0, 4)
    at.selectbox(key=key("grid_pc_x")).set_value(2).run()
    at.selectbox(key=key("grid_pc_y")).set_value(5).run()
    assert_grid(at, m, 2, 5, 1.0, 4)
    assert "**PC 3 (" in grid_caption(at) and "**PC 6 (" in grid_caption(at)
    assert at.slider(key=key("face_grid_size")).max == 9  # a face decodes in milliseconds, not microseconds
    at.selectbox(key=key("grid_pc_y")).set_value(2).run()
    assert not at.exception and any("two different axes" in w.value for w in at.warning)


def test_grid_of_a_face_model_has_no_digit_controls_and_no_held_out_faces_without_the_data(faces_pretrained):
    at = open_page(GRID, model=MODEL)
    assert_clean(at)
    assert not set(DIGIT_KEYS) & widget_keys(at)
    assert not [k for k in widget_keys(at) if k.startswith(("plane_", "dim_", "extent_", "digit_"))]
    assert not [r for r in at.radio if r.label in ("Plane", "Steps")]
    assert len(digit_rows(at)) == 1  # the grid alone: no test faces, no reconstructions
    assert not [s for s in at.subheader if "reconstructions" in s.value]
    assert any("CelebA" in c.value and "LATENT_LAB_DATA" in c.value for c in at.caption)


def test_grid_shows_held_out_test_faces_above_their_reconstructions_with_the_data(fake_celeba, tiny):
    m, _ = tiny
    at = open_page(GRID, model=MODEL)
    assert_clean(at)
    originals, reconstructions = [r for r in digit_rows(at) if r.captions]
    numbers = [0, 1, 2]  # the three synthetic test faces
    assert originals.captions == reconstructions.captions == [f"test face #{k}" for k in numbers]
    shown = [np.asarray(p.convert("RGB"), int) for p in originals.pictures()]
    assert all(np.array_equal(s, fake_celeba.images[k]) for s, k in zip(shown, numbers))
    redrawn = np.stack([np.asarray(p.convert("RGB"), int) for p in reconstructions.pictures()])
    assert np.abs(redrawn - as_uint8(m.reconstruct(fake_celeba.images[numbers]))).max() <= 1


# ---------------------------------------------------------------- Latent scatter

CHART = "vega_lite_chart"


def chart(at):
    """The scatter's spec and the table behind its dots (Streamlit ships the tables as Arrow)."""
    proto = at.get(CHART)[0].proto
    tables = {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in proto.datasets}
    spec = json.loads(proto.spec)
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    return spec, dots, tables[dots.get("data", spec.get("data", {})).get("name")]


def trick_codes(m, first: int, n: int) -> np.ndarray:
    """The faces of seeds first ... as Face editing draws them: one sampling-trick code a seed."""
    return np.stack([m.sample_latents(1, seed=s, trick=True)[0] for s in range(first, first + n)])


def projections(m, codes, i: int = 0, j: int = 1) -> np.ndarray:
    mean, components, stds = statistics(m)
    return np.stack([(codes - mean) @ components[k] / stds[k] for k in (i, j)], axis=1)


def select(at, index: int | None):
    chart_key = at.get(CHART)[0].proto.id.split("-", 2)[2]
    at.session_state[chart_key] = {"selection": {"face": [] if index is None else [{"index": index}]}}
    return at.run()


def test_scatter_of_a_face_model_plots_generated_faces_coloured_by_the_judge(faces_pretrained, tiny):
    m, judge = tiny
    at = open_page(SCATTER, model=MODEL)
    assert_clean(at)
    assert chosen(at) == MODEL
    spec, dots, points = chart(at)
    codes = trick_codes(m, 0, 300)
    assert len(points) == 300 and list(points["number"]) == list(range(300))
    np.testing.assert_allclose(points[["x", "y"]], projections(m, codes), rtol=1e-4, atol=1e-4)
    probs = judge.probabilities(m.decode(codes))
    k = judge.attribute_names.index("Smiling")
    assert at.selectbox(key=key("face_colour_by")).value == "Smiling"
    np.testing.assert_allclose(points["p"], probs[:, k], atol=1e-5)
    assert list(points["read"]) == ["read" if p >= judge.thresholds[k] else "not read" for p in probs[:, k]]
    assert dots["encoding"]["color"]["field"] == "read"
    assert "Smiling" in dots["encoding"]["color"]["title"]
    assert dots["encoding"]["x"]["title"].startswith("PC 1") and dots["encoding"]["y"]["title"].startswith("PC 2")
    # equal units, centred on the mean code
    (x0, x1), (y0, y1) = (dots["encoding"][a]["scale"]["domain"] for a in ("x", "y"))
    assert (x0, x1) == (y0, y1) and x0 == -x1 and spec["width"] == spec["height"]
    assert np.abs(points[["x", "y"]].to_numpy()).max() < x1
    # another attribute, then its probability
    at.selectbox(key=key("face_colour_by")).set_value("Male").run()
    k = judge.attribute_names.index("Male")
    _, dots, points = chart(at)
    np.testing.assert_allclose(points["p"], probs[:, k], atol=1e-5)
    assert list(points["read"]) == ["read" if p >= judge.thresholds[k] else "not read" for p in probs[:, k]]
    read = int(sum(p >= judge.thresholds[k] for p in probs[:, k]))
    assert any(c.value == f"The judge reads **Male** in {read} of these 300 faces of seeds 0 to 299 "
               f"({read / 300:.0%})." for c in at.caption)
    at.radio(key=key("face_colouring")).set_value("Probability").run()
    _, dots, _ = chart(at)
    assert dots["encoding"]["color"]["field"] == "p" and dots["encoding"]["color"]["scale"]["domain"] == [0, 1]
    # other axes, fewer faces from another seed
    at.selectbox(key=key("scatter_pc_x")).set_value(3).run()
    at.select_slider(key=key("face_count")).set_value(100).run()
    at.number_input(key=key("face_first_seed")).set_value(40).run()
    assert_clean(at)
    _, _, points = chart(at)
    codes = trick_codes(m, 40, 100)
    assert list(points["number"]) == list(range(40, 140))
    np.testing.assert_allclose(points[["x", "y"]], projections(m, codes, 3, 1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(points["p"], judge.probabilities(m.decode(codes))[:, k], atol=1e-5)


def test_clicking_a_generated_face_shows_it_with_the_judges_reading(faces_pretrained, tiny):
    m, judge = tiny
    at = open_page(SCATTER, model=MODEL)
    assert any("Click near a dot" in i.value for i in at.info)
    at = select(at, 5)
    assert_clean(at)
    assert at.subheader[0].value == "Generated face, seed 5"
    row, = digit_rows(at)
    assert row.widths == [280] and row.captions == ["decoded from seed 5's code"]
    face = m.decode(trick_codes(m, 5, 1))
    assert np.abs(np.asarray(row.pictures()[0].convert("RGB"), int) - as_uint8(face[0])).max() <= 1
    p = judge.probabilities(face)[0]
    k = judge.attribute_names.index("Smiling")
    text = next(md.value for md in at.markdown if md.value.startswith("The judge reads"))
    read = "read" if p[k] >= judge.thresholds[k] else "not read"
    assert f"**Smiling**: {read} (probability {p[k]:.2f};" in text
    also = [n.replace("_", " ") for n in ("Male", "Eyeglasses", "Blond_Hair", "Young", "Wearing_Hat")
            if p[judge.attribute_names.index(n)] >= judge.thresholds[judge.attribute_names.index(n)]]
    assert text.endswith((", ".join(also) if also else "none") + ".")
    links = [(link.proto.label, link.proto.query_string) for link in at.get("page_link")]
    assert ("Edit this face", f"model={MODEL}&start=random&seed=5") in links
    at.selectbox(key=key("face_colour_by")).set_value("Male").run()  # the same face, read for another attribute
    assert at.subheader[0].value == "Generated face, seed 5"
    assert any(md.value.startswith("The judge reads **Male**") for md in at.markdown)
    select(at, None)
    assert not at.subheader and any("Click near a dot" in i.value for i in at.info)


def test_scatter_of_a_face_model_has_no_digit_controls_and_offers_test_faces_only_with_the_data(faces_pretrained):
    at = open_page(SCATTER, model=MODEL)
    assert_clean(at)
    assert not set(DIGIT_KEYS) & widget_keys(at)
    assert not [k for k in widget_keys(at) if k.startswith("projection_")]
    assert key("face_points") not in widget_keys(at)  # generated faces only
    assert any("CelebA" in c.value and "LATENT_LAB_DATA" in c.value for c in at.caption)


def test_scatter_plots_held_out_test_faces_encoded_at_run_time_with_the_data(fake_celeba, tiny):
    m, judge = tiny
    at = open_page(SCATTER, model=MODEL)
    assert at.radio(key=key("face_points")).options == ["Generated faces", "Held-out test faces"]
    at.radio(key=key("face_points")).set_value("test").run()
    assert_clean(at)
    assert key("face_first_seed") not in widget_keys(at)  # test faces have no seeds
    _, _, points = chart(at)
    images = fake_celeba.images
    assert list(points["number"]) == [0, 1, 2]
    np.testing.assert_allclose(points[["x", "y"]], projections(m, m.encode(images)), rtol=1e-4, atol=1e-4)
    k = judge.attribute_names.index("Smiling")
    np.testing.assert_allclose(points["p"], judge.probabilities(images)[:, k], atol=1e-5)  # the faces themselves
    at = select(at, 2)
    assert_clean(at)
    assert at.subheader[0].value == "Test face #2"
    row, = digit_rows(at)
    assert row.captions == ["original", "its reconstruction"]
    original, redrawn = (np.asarray(p.convert("RGB"), int) for p in row.pictures())
    assert np.array_equal(original, images[2])
    assert np.abs(redrawn - as_uint8(m.reconstruct(images[2:3])[0])).max() <= 1


# ---------------------------------------------------------------- not evaluated yet

def test_both_pages_say_plainly_when_the_principal_axes_are_not_shipped(faces_pretrained):
    folder = faces_pretrained / MODEL
    with np.load(folder / "latents.npz") as d:
        kept = {k: d[k] for k in d.files if not k.startswith("train_component")}
    np.savez_compressed(folder / "latents.npz", **kept)
    registry.write_manifest_entry(MODEL, faces_pretrained)
    for page in (GRID, SCATTER):
        at = open_page(page, model=MODEL)
        assert_clean(at)
        notes = [i.value for i in at.info if "not been evaluated for this page yet" in i.value]
        assert len(notes) == 1 and f"`python -m core.evaluate {MODEL}`" in notes[0]
        assert not digit_rows(at) and not at.get(CHART)
        assert ("Face editing", f"model={MODEL}") in [(k.proto.label, k.proto.query_string)
                                                      for k in at.get("page_link")]


# ---------------------------------------------------------------- digits and faces side by side

@pytest.fixture
def digits_and_faces(tmp_path, monkeypatch):
    """A pretrained folder with a tiny digit model (a 2-D conditional VAE) and the tiny face models."""
    root = tmp_path / "pretrained"
    build_tiny_cvae(root)
    build_tiny_faces(root)
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(root))
    monkeypatch.setenv("LATENT_LAB_DATA", str(tmp_path / "no-data"))
    return root


@pytest.mark.parametrize("page", [SCATTER, GRID])
def test_switching_between_digits_and_faces_carries_no_control_across(digits_and_faces, page):
    at = open_page(page, model="tiny-cvae")
    assert_clean(at)
    assert at.selectbox(key="model_picker").options == ["Tiny conditional VAE", "Tiny face VAE"]
    digit_keys = widget_keys(at) - {"model_picker"}
    assert not [k for k in digit_keys if "face" in k or "_pc_" in k]
    choose(at, MODEL)
    assert_clean(at)
    face_keys = widget_keys(at) - {"model_picker"}
    assert face_keys and all(k.endswith(f"_{MODEL}") for k in face_keys)
    assert not face_keys & digit_keys
    choose(at, "tiny-cvae")
    assert_clean(at)
    assert widget_keys(at) - {"model_picker"} == digit_keys
