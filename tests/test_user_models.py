"""The user's own models: pictures read from a folder, Keras models imported, a VAE trained on a folder,
all written into a models folder of the test's own ($LATENT_LAB_MODELS), then listed, loaded, checked and shown.

Every bad input gets its own message; nothing here downloads anything or needs a data set.
"""
from __future__ import annotations

import io
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import core  # noqa: E402
from conftest import (GRID, LABEL, SCATTER, assert_clean, chosen, digit_rows, live_sliders,  # noqa: E402
                      one_notice_naming_each, open_page, release, slider_frames)
from core import registry  # noqa: E402
from core.data.image_folder import FolderError, read_folder  # noqa: E402
from core.import_model import import_model  # noqa: E402
from core.user_models import UserModelError  # noqa: E402
from test_pages import dots  # noqa: E402

SIDE = 28


@pytest.fixture
def models_dir(tmp_path, monkeypatch) -> Path:
    """An empty user models folder of this test's own."""
    root = tmp_path / "my-models"
    monkeypatch.setenv(registry.USER_ENV, str(root))
    return root


def write_pictures(folder: Path, n: int = 40, colour: bool = False, labels: bool = True, seed: int = 0) -> Path:
    """n small pictures of two kinds (a bright square or a bright bar on dark), odd sizes, with labels.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        h, w = 30 + i % 7, 36 + i % 5
        x = rng.integers(0, 40, (h, w), dtype=np.uint8)
        kind = i % 2
        if kind:
            x[:, w // 2 - 3:w // 2 + 3] = 230
        else:
            x[h // 3:2 * h // 3, w // 3:2 * w // 3] = 230
        img = Image.fromarray(np.stack([x, x // 2, 255 - x], -1) if colour else x)
        name = f"{'bar' if kind else 'square'}-{i:03d}.png"
        img.save(folder / name)
        rows.append(f"{name},{'bar' if kind else 'square'}")
    if labels:
        (folder / "labels.csv").write_text("file,label\n" + "\n".join(rows) + "\n")
    return folder


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb's header, without its pixels)."""
    buf = io.BytesIO()
    Image.new("L", (8, 8)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


@pytest.fixture(scope="module")
def networks(tmp_path_factory) -> Path:
    """Small untrained Keras files as users save them: a VAE's encoder and decoder (core's own networks), a tanh
    decoder drawing (28, 28) pictures, an encoder for 32 px, one with a Lambda, one with an unregistered layer."""
    import keras
    from keras import layers

    from core.models import networks as nets
    from core.models import vae
    folder = tmp_path_factory.mktemp("networks")
    keras.utils.set_random_seed(0)
    vae.build_encoder(2, (SIDE, SIDE, 1)).save(folder / "enc.keras")
    nets.mlp_decoder(2, (SIDE, SIDE, 1)).save(folder / "dec.keras")
    vae.build_encoder(2, (32, 32, 1)).save(folder / "enc32.keras")
    z = keras.Input((3,))
    keras.Model(z, layers.Reshape((SIDE, SIDE))(layers.Dense(SIDE * SIDE, activation="tanh")(z))).save(
        folder / "gen_tanh.keras")
    z = keras.Input((2,))
    keras.Model(z, layers.Reshape((SIDE, SIDE))(layers.Dense(SIDE * SIDE)(layers.Lambda(lambda t: t * 2)(z)))).save(
        folder / "lambda.keras")
    z = keras.Input((2,))
    keras.Model(z, layers.Reshape((SIDE, SIDE))(layers.Dense(SIDE * SIDE, activation="relu")(z) * 5.0)).save(
        folder / "relu.keras")
    (folder / "notes.keras").write_text("not a model")
    # A custom layer in a module of the test's own; saved while registered, then forgotten, as a fresh process is.
    (folder / "my_layers_36.py").write_text(
        "import keras\n\n\n@keras.saving.register_keras_serializable(package='mine')\n"
        "class Halve(keras.layers.Layer):\n    def call(self, x):\n        return x * 0.5\n")
    sys.path.insert(0, str(folder))
    import my_layers_36
    z = keras.Input((2,))
    keras.Model(z, layers.Reshape((SIDE, SIDE, 1))(layers.Dense(SIDE * SIDE, activation="sigmoid")(
        my_layers_36.Halve()(z)))).save(folder / "custom.keras")
    keras.saving.get_custom_objects().pop("mine>Halve")
    del sys.modules["my_layers_36"]
    return folder


# ---------------------------------------------------------------- a folder of pictures

def test_folder_reads_any_sizes_as_square_pictures_with_labels(tmp_path):
    pictures = read_folder(write_pictures(tmp_path / "pics"), SIDE, labels_csv=tmp_path / "pics" / "labels.csv")
    assert pictures.images.shape == (40, SIDE, SIDE) and pictures.images.dtype == np.uint8
    assert pictures.class_names == ["bar", "square"]
    assert [pictures.class_names[c] for c in pictures.labels] == [f.split("-")[0] for f in pictures.files]
    colour = read_folder(write_pictures(tmp_path / "colour", colour=True, labels=False), 32)
    assert colour.images.shape == (40, 32, 32, 3) and colour.labels is None
    assert read_folder(tmp_path / "colour", SIDE, colour=False).images.shape == (40, SIDE, SIDE)  # as a model wants


def test_folder_with_attribute_columns(tmp_path):
    folder = write_pictures(tmp_path / "pics", labels=False)
    files = sorted(p.name for p in folder.glob("*.png"))
    (folder / "attrs.csv").write_text("file,Bright,Bar\n" + "".join(f"{f},{i % 2},{-1 if f.startswith('s') else 1}\n"
                                                                      for i, f in enumerate(files)))
    pictures = read_folder(folder, SIDE, labels_csv=folder / "attrs.csv")
    assert pictures.attribute_names == ["Bright", "Bar"] and pictures.labels is None
    assert pictures.attributes[:, 1].tolist() == [int(f.startswith("bar")) for f in pictures.files]


def _error(folder, labels=None, **kw) -> str:
    with pytest.raises(FolderError) as e:
        read_folder(folder, SIDE, labels_csv=labels, **kw)
    return str(e.value)


def test_folder_bad_inputs_each_get_their_message(tmp_path):
    few = write_pictures(tmp_path / "few", n=3, labels=False)
    assert "holds 3 picture(s); at least 20" in _error(few)

    junk = write_pictures(tmp_path / "junk", labels=False)
    (junk / "readme.txt").write_text("hello")
    assert "not PNG, JPEG or WebP pictures: readme.txt" in _error(junk)

    mixed = write_pictures(tmp_path / "mixed", labels=False)
    Image.new("RGB", (30, 30), (200, 10, 10)).save(mixed / "red.png")
    message = _error(mixed)
    assert "mixes grey pictures (40:" in message and "colour ones (1: red.png)" in message

    bomb = write_pictures(tmp_path / "bomb", labels=False)
    (bomb / "huge.png").write_bytes(png_claiming(20_000, 20_000))
    message = _error(bomb)
    assert message.startswith("huge.png is") and ("20000 x 20000" in message or "too large" in message)

    cut = write_pictures(tmp_path / "cut", labels=False)
    whole = (cut / "square-000.png").read_bytes()
    (cut / "square-000.png").write_bytes(whole[:len(whole) // 2])
    assert _error(cut).startswith("square-000.png is damaged or incomplete")

    fake = write_pictures(tmp_path / "fake", labels=False)
    (fake / "photo.jpg").write_text("<html>not a picture</html>")
    assert _error(fake).startswith("photo.jpg is not a picture Pillow can read")


def test_labels_file_bad_inputs_each_get_their_message(tmp_path):
    folder = write_pictures(tmp_path / "pics")
    (folder / "ghost.csv").write_text((folder / "labels.csv").read_text() + "nowhere.png,bar\n")
    assert "names 1 picture(s) that are not in the folder: nowhere.png" in _error(folder, folder / "ghost.csv")
    (folder / "nofile.csv").write_text("name,label\na.png,1\n")
    assert "has no `file` column (its columns: name, label)" in _error(folder, folder / "nofile.csv")
    (folder / "short.csv").write_text("\n".join((folder / "labels.csv").read_text().splitlines()[:-1]) + "\n")
    assert "gives no label for 1 picture(s)" in _error(folder, folder / "short.csv")
    (folder / "onlyfile.csv").write_text("file\n" + "".join(f"{p.name}\n" for p in folder.glob("*.png")))
    assert "no `label` column and no attribute columns" in _error(folder, folder / "onlyfile.csv")


# ---------------------------------------------------------------- importing a Keras model

def test_imported_generator_loads_through_the_registry_and_its_manifest(models_dir, networks):
    folder = import_model("my-gen", networks / "gen_tanh.keras", say=lambda *_: None)
    card = json.loads((folder / "card.json").read_text())
    assert card["source"] == "user" and card["family"] == "generator" and card["image_shape"] == [SIDE, SIDE, 1]
    assert card["output_range"] == [-1.0, 1.0] and "tanh" in card["metrics"]["output_range_measured"]
    model = core.load_model("my-gen")
    assert not model.has_encoder and model.latent_dim == 3
    samples = model.sample(8, seed=0)
    assert samples.shape == (8, SIDE, SIDE) and samples.min() >= 0 and samples.max() <= 1
    assert registry.verified_path("my-gen", "decoder.keras") == models_dir / "my-gen" / "decoder.keras"
    listed = {c["id"]: c for c in core.list_models()}
    assert listed["my-gen"]["source"] == "user"


def test_imported_vae_with_pictures_is_measured_and_checked(models_dir, networks, tmp_path):
    pics = write_pictures(tmp_path / "pics")
    import_model("my-vae", networks / "dec.keras", networks / "enc.keras", pics, pics / "labels.csv",
                 say=lambda *_: None)
    model = core.load_model("my-vae")
    assert model.card["family"] == "vae" and model.card["class_names"] == ["bar", "square"]
    assert model.heldout["means"].shape == (40, 2) and sorted(set(model.heldout["labels"])) == [0, 1]
    assert model.heldout["class_means"].shape == (2, 2)
    recon = model.reconstruct(read_folder(pics, SIDE).images)
    x = read_folder(pics, SIDE).images / 255.0
    assert model.card["metrics"]["reconstruction_mse"] == pytest.approx(((recon - x) ** 2).mean(), rel=1e-4)
    # The manifest guards the folder: a changed file is refused, the other models are still listed.
    import_model("my-gen", networks / "gen_tanh.keras", say=lambda *_: None)
    with open(models_dir / "my-vae" / "decoder.keras", "ab") as f:
        f.write(b"x")
    with pytest.raises(core.PretrainedError, match="damaged .SHA-256 differs"):
        core.load_model("my-vae")
    (models_dir / "my-gen" / "card.json").unlink()
    listed = {c["id"]: c for c in core.list_models()}
    message = listed["my-gen"]["error"]
    assert "card.json is missing" in message and "core.import_model my-gen" in message
    assert "error" not in listed["my-vae"]


def _import_error(*args, **kw) -> str:
    with pytest.raises((UserModelError, FolderError)) as e:
        import_model(*args, say=lambda *_: None, **kw)
    return str(e.value)


def test_import_bad_inputs_each_get_their_message(models_dir, networks, tmp_path):
    assert "holds a `Lambda` layer" in _import_error("a", networks / "lambda.keras")
    message = _import_error("a", networks / "custom.keras")
    assert "custom layer `Halve`" in message and "--custom-objects package.module" in message
    assert "is not a Keras model file" in _import_error("a", networks / "notes.keras")
    assert "does not exist" in _import_error("a", networks / "nowhere.keras")
    assert ("the encoder takes pictures shaped (32, 32, 1), but the decoder draws (28, 28, 1)"
            in _import_error("a", networks / "dec.keras", networks / "enc32.keras"))
    assert "expected one code (3,)" in _import_error("a", networks / "gen_tanh.keras", networks / "enc.keras")
    assert "neither [0, 1] (sigmoid) nor [-1, 1] (tanh)" in _import_error("a", networks / "relu.keras")
    assert "cannot name a model" in _import_error("Bad Name", networks / "dec.keras")
    assert not models_dir.exists() or not any(p.name != registry.MANIFEST for p in models_dir.iterdir())  # none half


def test_custom_layers_load_from_the_module_named(models_dir, networks):
    import_model("my-custom", networks / "custom.keras", custom_objects="my_layers_36", say=lambda *_: None)
    assert core.load_model("my-custom").decode(np.zeros((1, 2))).shape == (1, SIDE, SIDE)


def test_names_taken_and_unwritable_folders_are_refused(models_dir, networks, tiny_pretrained, monkeypatch):
    import_model("mine", networks / "dec.keras", say=lambda *_: None)
    assert "already exists" in _import_error("mine", networks / "dec.keras")
    assert "is the name of a shipped model" in _import_error("tiny-vae", networks / "dec.keras")
    # A user model named as a shipped one (copied in by hand) is listed as refused; the shipped one wins.
    import shutil
    shutil.copytree(models_dir / "mine", models_dir / "tiny-ae")
    registry.write_manifest_entry("tiny-ae", models_dir)
    listed = [c for c in core.list_models() if c["id"] == "tiny-ae"]
    assert "source" not in listed[0] and "name of a shipped model" in listed[1]["error"]
    assert core.load_model("tiny-ae").card["family"] == "ae"
    # Root ignores permission bits, so an unwritable folder is one whose path runs through a file.
    blocker = models_dir.parent / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(registry.USER_ENV, str(blocker / "models"))
    assert "cannot be written" in _import_error("other", networks / "dec.keras")


def test_a_damaged_user_manifest_leaves_the_shipped_models_listed(models_dir, tiny_pretrained):
    models_dir.mkdir()
    (models_dir / registry.MANIFEST).write_text("{not json")
    cards = core.list_models()
    assert {"tiny-ae", "tiny-vae"} <= {c["id"] for c in cards if "error" not in c}
    assert "Your models folder cannot be read" in cards[-1]["error"]


# ---------------------------------------------------------------- training on a folder, and the pages

@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A 2-D VAE trained for one epoch on 40 generated pictures by `python -m core.train vae`, in its own folder."""
    import os

    from core.train import main
    base = tmp_path_factory.mktemp("trained")
    pics = write_pictures(base / "pics")
    before = os.environ.get(registry.USER_ENV)
    os.environ[registry.USER_ENV] = str(base / "models")
    try:
        code = main(["vae", "--images", str(pics), "--labels", str(pics / "labels.csv"), "--epochs", "1",
                     "--name", "shapes", "--runs", str(base / "runs")])
    finally:
        os.environ[registry.USER_ENV] = before
    assert code == 0
    return base / "models"


def write_attributes(folder: Path) -> Path:
    """attrs.csv beside write_pictures' pictures: Bright (every other picture) and Bar (the bars), 0/1 columns."""
    files = sorted(p.name for p in folder.glob("*.png"))
    (folder / "attrs.csv").write_text("file,Bright,Bar\n" + "".join(f"{f},{i % 2},{int(f.startswith('bar'))}\n"
                                                                     for i, f in enumerate(files)))
    return folder / "attrs.csv"


@pytest.fixture(scope="module")
def trained_attrs(tmp_path_factory) -> Path:
    """A 2-D VAE trained for a few epochs by `python -m core.train vae` on pictures with an attribute file."""
    import os

    from core.train import main
    base = tmp_path_factory.mktemp("trained_attrs")
    pics = write_pictures(base / "pics", labels=False)
    before = os.environ.get(registry.USER_ENV)
    os.environ[registry.USER_ENV] = str(base / "models")
    try:
        code = main(["vae", "--images", str(pics), "--labels", str(write_attributes(pics)), "--epochs", "3",
                     "--name", "marked", "--runs", str(base / "runs")])
    finally:
        os.environ[registry.USER_ENV] = before
    assert code == 0
    return base / "models"


def shown(monkeypatch, models: Path, page: str, model: str, **query):
    """A page opened by a link naming one of the user's models (in `models`), which it shows cleanly."""
    monkeypatch.setenv(registry.USER_ENV, str(models))
    at = open_page(page, model=model, **query)
    assert_clean(at)
    assert chosen(at) == model and at.query_params["model"] == model
    return at


def test_folder_trainer_registers_a_model_that_loads(trained, monkeypatch):
    monkeypatch.setenv(registry.USER_ENV, str(trained))
    model = core.load_model("shapes")
    card = model.card
    assert card["source"] == "user" and card["family"] == "vae" and card["image_shape"] == [SIDE, SIDE, 1]
    assert card["training"]["epochs_run"] == 1 and card["dataset"]["heldout"] == 4
    assert card["dataset"]["fit"] + card["dataset"]["validation"] + card["dataset"]["heldout"] == 40
    assert model.heldout["means"].shape == (4, 2) and 0 < card["metrics"]["reconstruction_mse"] < 1
    assert "core.train vae --images" in card["training"]["command"]


def test_folder_trainer_says_what_is_wrong(tmp_path, models_dir, capsys):
    from core.train import main
    assert main(["vae", "--images", str(write_pictures(tmp_path / "few", n=3)), "--name", "x"]) == 2
    assert "holds 3 picture(s)" in capsys.readouterr().err


def test_home_lists_the_user_model_as_theirs(trained, shipped_pretrained, monkeypatch):
    monkeypatch.setenv(registry.USER_ENV, str(trained))
    card = registry.read_card("shapes")
    at = open_page()
    assert_clean(at)
    assert [s.value for s in at.subheader if s.value == "shapes"]
    assert any(c.value.startswith("Your model, from") and str(trained) in c.value for c in at.caption)
    assert any(c.value.startswith("Measured on 4 of your pictures. Made with: `python -m core.train vae --images")
               for c in at.caption)
    assert any(m.label == "Reconstruction MSE" and m.value == f"{card['metrics']['reconstruction_mse']:.4f}"
               for m in at.metric)


def test_scatter_opens_the_user_model_by_its_link(trained, shipped_pretrained, monkeypatch):
    at = shown(monkeypatch, trained, SCATTER, "shapes")
    plotted = dots(at)  # every held-out picture, coloured by its label
    codes = core.load_model("shapes").heldout
    assert len(plotted) == len(codes["labels"]) == 4
    assert list(plotted["label"]) == [["bar", "square"][c] for c in codes["labels"][plotted["index"]]]
    np.testing.assert_allclose(plotted[["x", "y"]], codes["means"][plotted["index"]], rtol=1e-6)


def test_scatter_of_unlabelled_pictures_opens_on_their_thumbnails(imported, shipped_pretrained, monkeypatch):
    at = shown(monkeypatch, imported, SCATTER, "plain")
    assert at.radio(key="view").value == "images" and at.query_params["view"] == "images"
    assert set(dots(at)["label"]) == {"picture"}  # one colour
    at = shown(monkeypatch, imported, SCATTER, "plain", view="dots")  # a link's choice still wins
    assert at.radio(key="view").value == "dots"


def test_decoded_grid_opens_the_user_model(trained, shipped_pretrained, monkeypatch):
    at = shown(monkeypatch, trained, GRID, "shapes")
    assert "Held-out pictures and their reconstructions" in [s.value for s in at.subheader]


def test_an_interrupted_folder_run_resumes_and_says_so(tmp_path, models_dir, monkeypatch):
    from core.trainers import folder
    pics, runs, said = write_pictures(tmp_path / "pics", labels=False), tmp_path / "runs", []
    progress = folder._progress

    def stopped_after_first_epoch(epochs, say):
        callback = progress(epochs, say)
        report = callback.on_epoch_end

        def end(epoch, logs=None):
            report(epoch, logs)
            callback.flush()
            raise KeyboardInterrupt  # as Ctrl-C after the first epoch's checkpoint
        callback.on_epoch_end = end
        return callback
    monkeypatch.setattr(folder, "_progress", stopped_after_first_epoch)
    with pytest.raises(KeyboardInterrupt):
        folder.train_folder(pics, "resumed", epochs=2, runs=runs, verbose=0, say=said.append)
    assert not (models_dir / "resumed").exists() and (runs / "resumed" / "backup").is_dir()
    monkeypatch.setattr(folder, "_progress", progress)
    folder.train_folder(pics, "resumed", epochs=2, runs=runs, verbose=0, say=said.append)
    assert any(s.startswith("starting a new run") for s in said)
    assert any(s.startswith("resuming the interrupted run") for s in said)
    assert [s.split(":")[0] for s in said if s.startswith("epoch ")] == ["epoch 1/2", "epoch 2/2"]  # not again
    assert core.load_model("resumed").card["training"]["epochs_run"] == 2
    # Interrupted again, then started over with --fresh: it says so and runs every epoch anew.
    monkeypatch.setattr(folder, "_progress", stopped_after_first_epoch)
    with pytest.raises(KeyboardInterrupt):
        folder.train_folder(pics, "again", epochs=2, runs=runs, verbose=0, say=said.append)
    monkeypatch.setattr(folder, "_progress", progress)
    said.clear()
    folder.train_folder(pics, "again", epochs=2, runs=runs, fresh=True, verbose=0, say=said.append)
    assert [s for s in said if s.startswith(("starting", "resuming"))] == [
        f"starting a new run (checkpoints in {runs / 'again'})"]
    assert [s.split(":")[0] for s in said if s.startswith("epoch ")] == ["epoch 1/2", "epoch 2/2"]


def test_home_shows_an_imported_generator_as_imported(models_dir, networks, shipped_pretrained):
    import_model("my-gen", networks / "gen_tanh.keras", say=lambda *_: None, command="python -m core.import_model x")
    at = open_page()
    assert_clean(at)
    assert any("**Training** elsewhere: imported" in m.value for m in at.markdown)
    assert any(c.value == "Made with: `python -m core.import_model x`" for c in at.caption)
    assert any(c.value.startswith("No figures: a model imported without an encoder") for c in at.caption)


def test_exported_items_are_a_folder_the_trainer_reads(tmp_path, make_data):
    from core.data.export_images import export_images, main
    from core.data.fashion_mnist import CLASS_NAMES
    arrays = make_data.tiny_arrays(n_train=25)
    make_data.write_idx_set(tmp_path / "data" / "fashion-mnist", arrays)
    out = export_images("fashion-mnist", tmp_path / "out", count=21, data=tmp_path / "data")
    pictures = read_folder(out, SIDE, labels_csv=out / "labels.csv")
    (x, y), _ = arrays
    np.testing.assert_array_equal(pictures.images, x[:21])  # 28 px pictures come back as they were
    assert [pictures.class_names[c] for c in pictures.labels] == [CLASS_NAMES[c] for c in y[:21]]
    assert main(["fashion-mnist", str(tmp_path / "more"), "--count", "26", "--data", str(tmp_path / "data")]) == 2


# ---------------------------------------------------------------- a conditional model (a label input)

@pytest.fixture(scope="module")
def conditional(tmp_path_factory) -> Path:
    """A conditional VAE's encoder and decoder as core builds them (code, then a one-hot label of 2 classes), and a
    decoder whose label input comes first."""
    import keras

    from core.models import cvae
    from core.models import networks as nets
    folder = tmp_path_factory.mktemp("conditional")
    keras.utils.set_random_seed(0)
    cvae.build_encoder(2, (SIDE, SIDE, 1), 2).save(folder / "cenc.keras")
    nets.mlp_decoder(2, (SIDE, SIDE, 1), extra_inputs=(keras.Input((2,), name="labels"),)).save(folder / "cdec.keras")
    label, z = keras.Input((2,)), keras.Input((3,))
    keras.Model([label, z], keras.layers.Reshape((SIDE, SIDE))(keras.layers.Dense(SIDE * SIDE, activation="sigmoid")(
        keras.layers.Concatenate()([label, z])))).save(folder / "swapped.keras")
    return folder


def test_a_conditional_import_is_checked_measured_and_recorded(models_dir, conditional, tmp_path):
    pics = write_pictures(tmp_path / "pics")
    said = []
    import_model("my-cvae", conditional / "cdec.keras", conditional / "cenc.keras", pics, pics / "labels.csv",
                 say=said.append)
    assert any("a one-hot label of 2 classes" in s for s in said) and any("told the label" in s for s in said)
    model = core.load_model("my-cvae")
    card = model.card
    assert card["conditional"] and card["num_classes"] == 2 and card["class_names"] == ["bar", "square"]
    assert card["label_input"] == {"classes": 2, "encoding": "one-hot", "position": "after the code"}
    assert model.decode(np.zeros((3, 2)), labels=[0, 1, 1]).shape == (3, SIDE, SIDE)
    pictures = read_folder(pics, SIDE, labels_csv=pics / "labels.csv")
    recon = model.reconstruct(pictures.images, pictures.labels)  # read and drawn with each picture's label
    assert card["metrics"]["reconstruction_mse"] == pytest.approx(((recon - pictures.images / 255.0) ** 2).mean(),
                                                                  rel=1e-4)
    assert model.heldout["class_means"].shape == (2, 2)
    # A conditional generator alone: its classes are numbered.
    gen = core.load_model(import_model("my-cgen", conditional / "cdec.keras", say=lambda *_: None).name)
    assert gen.conditional and gen.card["class_names"] == ["0", "1"] and not gen.has_encoder


def test_conditional_bad_inputs_each_get_their_message(models_dir, conditional, networks, tmp_path):
    pics = write_pictures(tmp_path / "pics")
    three = write_pictures(tmp_path / "three", labels=False)
    (three / "labels.csv").write_text("file,label\n" + "".join(f"{p.name},{i % 3}\n"
                                                               for i, p in enumerate(sorted(three.glob("*.png")))))
    assert "label input takes 2 classes, but the labels file names 3" in _import_error(
        "a", conditional / "cdec.keras", data=three, labels=three / "labels.csv")
    message = _import_error("a", conditional / "swapped.keras", data=pics, labels=pics / "labels.csv")
    assert "label input takes 3 classes, but the labels file names 2 (are its inputs swapped?" in message
    assert "so the encoder must take the picture and then that label (2,)" in _import_error(
        "a", conditional / "cdec.keras", networks / "enc.keras")
    assert "a label input needs a decoder told the label too" in _import_error(
        "a", networks / "dec.keras", conditional / "cenc.keras")
    assert "give --labels with --data" in _import_error("a", conditional / "cdec.keras", conditional / "cenc.keras",
                                                        data=pics)
    assert not models_dir.exists() or not any(p.name != registry.MANIFEST for p in models_dir.iterdir())


# ---------------------------------------------------------------- every other page, for the user's models

ARITHMETIC, FACES, GANS = "pages/4_Latent_arithmetic.py", "pages/5_Face_editing.py", "pages/6_GAN_samples.py"


@pytest.fixture(scope="module")
def imported(networks, conditional, tmp_path_factory) -> Path:
    """A models folder of the module's own with an imported generator ("my-gen") and a conditional one ("my-cgen"),
    an unlabelled VAE ("plain"), a
    conditional VAE told its pictures' labels ("my-cvae") and a VAE measured on pictures with attributes ("attrs")."""
    import os
    base = tmp_path_factory.mktemp("imported")
    pics, plain = write_pictures(base / "pics"), write_pictures(base / "plain", labels=False)
    write_attributes(plain)
    before = os.environ.get(registry.USER_ENV)
    os.environ[registry.USER_ENV] = str(base / "models")
    quiet = dict(say=lambda *_: None)
    try:
        import_model("my-gen", networks / "gen_tanh.keras", **quiet)
        import_model("my-cgen", conditional / "cdec.keras", **quiet)
        import_model("plain", networks / "dec.keras", networks / "enc.keras", plain, **quiet)
        import_model("my-cvae", conditional / "cdec.keras", conditional / "cenc.keras", pics, pics / "labels.csv",
                     **quiet)
        import_model("attrs", networks / "dec.keras", networks / "enc.keras", plain, plain / "attrs.csv", **quiet)
    finally:
        os.environ[registry.USER_ENV] = before
    return base / "models"


def test_arithmetic_serves_a_labelled_user_model_with_its_class_means(trained, shipped_pretrained, monkeypatch):
    at = shown(monkeypatch, trained, ARITHMETIC, "shapes")
    assert at.query_params["from"] == "mean-0" and at.query_params["to"] == "mean-1"  # bar's mean to square's
    assert at.selectbox(key="from_kind_shapes").options == ["Class mean", "Held-out item", "Random seed"]
    assert [o for o in at.selectbox(key="from_mean_shapes").options] == ["every held-out bar", "every held-out square"]
    assert not [t for t in at.toggle if t.key == "arith_own_on"]  # an uploaded digit does not fit its pictures
    assert any(m.value.endswith("Under each step: t, its plausibility.") for m in at.markdown)  # no judge readings
    at.query_params.update({"from": "item-3", "to": "seed-9"})
    at.run()
    assert_clean(at)
    assert at.selectbox(key="from_kind_shapes").value == "Held-out item"


def test_arithmetic_serves_an_unlabelled_user_model_without_class_means(imported, shipped_pretrained, monkeypatch):
    monkeypatch.setenv(registry.USER_ENV, str(imported))
    at = open_page(ARITHMETIC, model="plain", to="mean-0")
    assert chosen(at) == "plain"
    assert at.selectbox(key="from_kind_plain").options == ["Held-out item", "Random seed"]
    assert at.query_params["from"] == "item-0"
    notice = one_notice_naming_each(at, {"to": "mean-0"})
    assert "pictures have no labels, so no class means" in notice


def test_gan_samples_serves_an_imported_generator(imported, shipped_pretrained, monkeypatch):
    at = shown(monkeypatch, imported, GANS, "my-gen", seed="5")
    assert at.query_params["seed"] == "5"
    assert any(c.value.startswith("**my-gen** draws a picture from 3 random numbers") for c in at.caption)
    assert any(c.value.startswith("Not shown for a generator of your own pictures") for c in at.caption)
    assert not [s for s in at.subheader if s.value in ("Measured figures", "Training story", "GAN against VAE")]
    assert [s.value for s in at.subheader] == ["Samples", "Latent walk"]


def test_gan_samples_draws_a_conditional_generator_a_row_a_label(imported, shipped_pretrained, monkeypatch):
    at = shown(monkeypatch, imported, GANS, "my-cgen", n="16")
    assert at.query_params["digit"] == "all"
    assert any(c.value.endswith("It is told which label to draw.") for c in at.caption)
    rows = [r for r in digit_rows(at) if r.captions and r.captions[0].startswith("asked for")]
    assert [c for r in rows for c in r.captions] == ["asked for 0"] * 4 + ["asked for 1"] * 4  # 4 noises a label


def test_digits_by_label_serves_a_conditional_user_model(imported, shipped_pretrained, monkeypatch):
    at = shown(monkeypatch, imported, LABEL, "my-cvae", digit="1")
    assert at.query_params["digit"] == "1"
    assert at.segmented_control(key="sample_digit").value == 1
    assert at.radio(key="transfer_source").options == ["A held-out digit"]  # no drawn digit for its pictures
    assert any("Its labels are those of your pictures; no judge reads them." in c.value for c in at.caption)
    assert not any("judge surely reads" in m.value for m in at.markdown)


def edited(at, key: str) -> tuple[str, np.ndarray]:
    """Face editing's edited picture for a user's model (the one its live sliders draw over): caption and pixels."""
    row, = [r for r in digit_rows(at) if r.live == key]
    picture, = row.pictures()
    return row.captions[0], np.asarray(picture, int)


def test_imported_attribute_vectors_are_in_the_card_and_under_the_manifest(imported, monkeypatch):
    """An import with an attribute file: each attribute's mean-difference vector of the encoded pictures."""
    from core.latent import attribute_vectors
    from core.user_models import attribute_edits
    monkeypatch.setenv(registry.USER_ENV, str(imported))
    card = registry.read_card("attrs")
    assert card["files"]["attributes"] == "attributes.npz"
    assert card["attribute_vectors"]["with"] == {"Bright": 20, "Bar": 20}
    assert card["attribute_vectors"]["pictures"] == 40 and card["attribute_vectors"]["left_out"] == []
    entry = registry.read_manifest(imported)["models"]["attrs"]["files"]
    assert entry["attributes.npz"] == registry.sha256(imported / "attrs" / "attributes.npz")
    m = core.load_model("attrs")
    pics = read_folder(imported.parent / "plain", SIDE, labels_csv=imported.parent / "plain" / "attrs.csv")
    assert m.attribute_names == ["Bright", "Bar"]
    np.testing.assert_allclose(np.stack(list(m.attribute_vectors.values())),
                               attribute_vectors(m.encode(pics.images), pics.attributes > 0), atol=1e-5)
    assert "attributes" not in registry.read_card("plain")["files"]  # no attribute file, no vectors
    pics.attributes = np.column_stack([pics.attributes, np.ones(len(pics.images), np.uint8)])
    pics.attribute_names = [*pics.attribute_names, "Always"]  # every picture has it: no direction
    card, arrays = attribute_edits(m, pics, np.arange(len(pics.images)))
    assert card["left_out"] == ["Always"] and arrays["names"].tolist() == ["Bright", "Bar"]
    pics.attributes = pics.attributes[:, 2:]
    pics.attribute_names = ["Always"]
    assert attribute_edits(m, pics, np.arange(len(pics.images))) == (None, None)


def test_face_editing_serves_a_user_model_with_an_attribute_file(trained_attrs, shipped_pretrained, monkeypatch):
    """A trained model's vectors come from the pictures it learned from; a live slider each, the picture following
    a release, in units of the plain vector; the link reopens the edit; none of the judge's measured figures."""
    from core.images import to_uint8
    from core.slider_frames import picture
    from core.user_models import split_heldout
    monkeypatch.setenv(registry.USER_ENV, str(trained_attrs))
    kept, _ = split_heldout(40)
    assert registry.read_card("marked")["attribute_vectors"]["pictures"] == len(kept)
    m = core.load_model("marked")
    at = shown(monkeypatch, trained_attrs, FACES, "marked", start="heldout", item="3")
    assert any("These edits are unmeasured" in c.value for c in at.caption)
    assert not at.subheader and not at.expander and not at.get("plotly_chart")  # none of the judge's figures
    keys = ["yours_s_Bright_marked", "yours_s_Bar_marked"]
    assert list(live_sliders(at)) == keys
    z = m.heldout["means"][3]
    caption, before = edited(at, "edited_picture")
    assert caption == "edited: no edit yet" and before.shape == (SIDE, SIDE)
    np.testing.assert_allclose(before, to_uint8(m.decode(z[None])[0]), atol=1)
    frames = slider_frames(at, keys[1])  # grey 28 px frames along -3..3, the middle one the unedited picture
    middle = picture(frames["pixels"], frames["layout"], len(frames["meta"]["stops"]) // 2, 0)
    assert middle.shape == (SIDE, SIDE) and np.abs(middle.astype(int) - before).max() <= 2
    release(at, keys[1], -3)
    assert_clean(at)
    assert at.query_params["edit"] == "Bar:-3" and at.query_params["item"] == "3"
    caption, after = edited(at, "edited_picture")
    assert caption == "edited: Bar -3" and (after != before).sum() > SIDE  # a barely trained model: small changes
    np.testing.assert_allclose(after, to_uint8(m.decode(z[None] - 3 * m.attribute_vectors["Bar"])[0]), atol=1)

    again = shown(monkeypatch, trained_attrs, FACES, "marked", start="sample", seed="4", edit="bright:-1")
    assert live_sliders(again)["yours_s_Bright_marked"]["value"] == -1.0
    assert again.query_params["edit"] == "Bright:-1" and again.query_params["seed"] == "4"
    assert edited(again, "edited_picture")[0] == "edited: Bright -1"
    wrong = open_page(FACES, model="marked", edit="Nose:1", item="99")
    notice = one_notice_naming_each(wrong, {"edit": "Nose:1", "item": "99"})
    assert "Nose is not one of this model's attributes (Bright, Bar)" in notice
    assert all(s["value"] == 0 for s in live_sliders(wrong).values()) and "edit" not in wrong.query_params


def test_face_editing_draws_colour_pictures_of_another_size(models_dir, tmp_path, shipped_pretrained, monkeypatch):
    """A 32 px colour model imported with an attribute file: the page draws its pictures in colour."""
    import keras

    from core.models import networks as nets
    from core.models import vae
    keras.utils.set_random_seed(0)
    vae.build_encoder(2, (32, 32, 3)).save(tmp_path / "enc.keras")
    nets.mlp_decoder(2, (32, 32, 3)).save(tmp_path / "dec.keras")
    pics = write_pictures(tmp_path / "pics", colour=True, labels=False)
    import_model("colour", tmp_path / "dec.keras", tmp_path / "enc.keras", pics, write_attributes(pics),
                 say=lambda *_: None)
    at = shown(monkeypatch, models_dir, FACES, "colour")
    assert at.query_params["start"] == "heldout"
    caption, picture = edited(at, "edited_picture")
    assert picture.shape == (32, 32, 3) and list(live_sliders(at)) == ["yours_s_Bright_colour", "yours_s_Bar_colour"]


def test_pages_that_cannot_show_a_user_model_say_why_in_one_line(imported, shipped_pretrained, monkeypatch):
    monkeypatch.setenv(registry.USER_ENV, str(imported))
    assert registry.read_card("attrs")["attribute_names"] == ["Bright", "Bar"]  # a multi-label attribute file
    for page, model, why in (
            (FACES, "plain", "a model with an encoder, imported or trained with an attribute file (labels.csv with "
                             "one 0/1 column per attribute)"),
            (FACES, "my-cvae", "a model with an encoder, imported or trained with an attribute file"),
            (LABEL, "plain", "a model that is told the label and has an encoder"),
            (LABEL, "my-gen", "a model that is told the label and has an encoder"),
            (ARITHMETIC, "my-gen", "a model with an encoder"),
            (GANS, "plain", "a generator with no encoder")):
        at = open_page(page, model=model)
        assert not at.exception, page
        warning, = [w.value for w in at.warning if w.value.startswith(f"`{model}` cannot be shown here")]
        assert f"this page needs {why}" in warning, (page, warning)


def test_a_user_generator_and_conditional_model_on_the_decoded_grid(imported, shipped_pretrained, monkeypatch):
    monkeypatch.setenv(registry.USER_ENV, str(imported))
    for model in ("my-gen", "my-cvae"):
        at = open_page(GRID, model=model)
        assert_clean(at)
        assert chosen(at) == model


def test_home_links_each_user_model_to_the_pages_that_show_it(imported, shipped_pretrained, monkeypatch):
    monkeypatch.setenv(registry.USER_ENV, str(imported))
    at = open_page()
    assert_clean(at)
    links = {}
    for link in at.get("page_link"):
        links.setdefault(link.proto.query_string, set()).add(link.proto.label)
    assert links["model=my-gen"] == {"Decoded grid", "GAN samples"}
    assert links["model=plain"] == {"Latent scatter", "Decoded grid", "Latent arithmetic"}
    assert links["model=attrs"] == {"Latent scatter", "Decoded grid", "Latent arithmetic", "Face editing"}
    assert links["model=my-cvae"] == {"Latent scatter", "Decoded grid", "Digits by label", "Latent arithmetic"}
