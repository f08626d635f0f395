"""Shared test set-up: repo root on sys.path, quiet TensorFlow, real-data and shipped-model gates, tiny fixtures.

Real data is found only through $LATENT_LAB_DATA (CI sets it to ../shared/data).
Tests that need it use the `requires_data` marker or the `data_dir` fixture and
SKIP, with a reason, when it is unset or the folder is missing. Everything else
runs on small arrays the tests write themselves into tmp_path, offline.
"""
from __future__ import annotations

import base64
import gzip
import io
import os
import struct
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

# Before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# No background warm-up thread in test processes: tests that run Home must not load every model as a side effect
# (tests/test_warmup.py turns it on where it is the subject).
os.environ["LATENT_LAB_WARMUP"] = "0"
# Never the user's own models folder (~/.latent_lab/models): an empty one of the tests' own, which the user-model
# tests replace with theirs (tests/test_user_models.py).
os.environ["LATENT_LAB_MODELS"] = tempfile.mkdtemp(prefix="latent-lab-test-models-")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bench.live_sliders import ask_frames, live_sliders, release  # noqa: E402,F401  (the page tests' helpers)

DATA_ENV = "LATENT_LAB_DATA"
SHIPPED = ROOT / "pretrained"
# Read once, before any test monkeypatches the environment.
_DATA_ENV_VALUE = os.environ.get(DATA_ENV)


def real_data_dir() -> Path | None:
    """The folder $LATENT_LAB_DATA names, if set and present (relative paths resolve against the repo root)."""
    env = _DATA_ENV_VALUE
    if not env:
        return None
    path = Path(env).expanduser()
    if not path.is_absolute():
        path = (ROOT / path) if (ROOT / path).is_dir() else path.resolve()
    return path if path.is_dir() else None


def _data_skip_reason() -> str | None:
    env = _DATA_ENV_VALUE
    if not env:
        return f"{DATA_ENV} is not set; point it at the shared data folder (e.g. ../shared/data) to run real-data tests"
    if real_data_dir() is None:
        return f"{DATA_ENV}={env} is not a folder; real-data tests skipped"
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", f"requires_data: needs the real data sets via ${DATA_ENV}; skipped otherwise")
    config.addinivalue_line("markers", "browser: drives the running app in headless Chromium (deselect: -m 'not browser')")
    config.addinivalue_line("markers", "fuzz: property-based cases through the pages and uploads (tests/test_fuzz.py)")
    # Keras' own .keras writer converts variables with np.array(x), which NumPy 2 flags; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword")
    # core.train hands fit() a tf.data pipeline that shuffles itself; Keras warns about its own default.
    config.addinivalue_line("filterwarnings", "ignore:`shuffle=True` was passed, but will be ignored")


def pytest_runtest_setup(item):
    if item.get_closest_marker("requires_data") is not None:
        reason = _data_skip_reason()
        if reason:
            pytest.skip(reason)


requires_data = pytest.mark.requires_data


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Root of the real data (holding mnist/, fashion-mnist/ ...); skips when $LATENT_LAB_DATA is unusable."""
    reason = _data_skip_reason()
    if reason:
        pytest.skip(reason)
    return real_data_dir()


def shipped_model_present(model_id: str) -> bool:
    return (SHIPPED / "manifest.json").is_file() and (SHIPPED / model_id / "card.json").is_file()


@pytest.fixture
def shipped_pretrained(monkeypatch) -> Path:
    """The repo's own pretrained/ folder (skips when its manifest is absent); $LATENT_LAB_PRETRAINED cleared."""
    if not (SHIPPED / "manifest.json").is_file():
        pytest.skip("no shipped models in pretrained/ (run `python -m core.train <model_id>`)")
    monkeypatch.delenv("LATENT_LAB_PRETRAINED", raising=False)
    return SHIPPED


# ---------------------------------------------------------------- tiny data writers

def write_idx(path: Path, array: np.ndarray) -> Path:
    """Write `array` (uint8) in IDX format; gzipped when the name ends in .gz."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    raw = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape) + array.tobytes()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(raw)
    else:
        path.write_bytes(raw)
    return path


def tiny_arrays(n_train: int = 12, n_test: int = 5, seed: int = 0):
    """Random uint8 digits and labels in Keras' tuple shape."""
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, n_train).astype(np.uint8)
    y_test = rng.integers(0, 10, n_test).astype(np.uint8)
    return (x_train, y_train), (x_test, y_test)


def write_npz(path: Path, arrays) -> Path:
    (x_train, y_train), (x_test, y_test) = arrays
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def write_idx_set(folder: Path, arrays, gz: bool = True) -> Path:
    (x_train, y_train), (x_test, y_test) = arrays
    ext = ".gz" if gz else ""
    for stem, a in (("train-images-idx3-ubyte", x_train), ("train-labels-idx1-ubyte", y_train),
                    ("t10k-images-idx3-ubyte", x_test), ("t10k-labels-idx1-ubyte", y_test)):
        write_idx(Path(folder) / (stem + ext), a)
    return Path(folder)


def blob_digits(n: int, seed: int = 0):
    """Learnable fake digits: class c is a bright 8x8 square at one of ten positions, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(y):
        r, col = divmod(int(c), 5)
        x[i, 4 + 12 * r: 12 + 12 * r, 1 + 5 * col: 9 + 5 * col] = 230
    return x, y


@pytest.fixture(scope="session")
def make_data():
    """The tiny-data writers above, for tests to call: make_data.write_npz(path, make_data.tiny_arrays()) ..."""
    from types import SimpleNamespace
    return SimpleNamespace(write_idx=write_idx, tiny_arrays=tiny_arrays, write_npz=write_npz,
                           write_idx_set=write_idx_set, blob_digits=blob_digits)


@pytest.fixture
def no_home_cache(tmp_path, monkeypatch) -> Path:
    """Point Path.home() at an empty folder so loaders never find the user's ~/.keras cache."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.delenv(DATA_ENV, raising=False)
    return home


# ---------------------------------------------------------------- scripted stand-ins for core.evaluate's tests

@pytest.fixture
def frechet(monkeypatch):
    """judges.frechet_distance recorded: each call's two feature arrays, answered 42.0, 43.0, ... in turn, so a
    test of the GAN or face evaluation knows which figure came from which call."""
    from core import judges
    calls = []

    def record(a, b):
        calls.append((np.array(a), np.array(b)))
        return 41.0 + len(calls)
    monkeypatch.setattr(judges, "frechet_distance", record)
    return calls


# ---------------------------------------------------------------- tiny pretrained folder

def build_tiny_pretrained(root: Path, latent_dim: int = 2) -> Path:
    """A pretrained folder with untrained (randomly initialised) 'tiny-ae' and 'tiny-vae' models and a manifest.

    Uses the real network builders from core.models, so what loads is what training writes.
    """
    import json

    import keras

    from core import registry
    from core.models import autoencoder, networks, vae

    keras.utils.set_random_seed(0)
    shape = (28, 28, 1)
    rng = np.random.default_rng(0)
    for model_id, family, enc in (("tiny-ae", "ae", autoencoder.build_encoder(latent_dim, shape)),
                                  ("tiny-vae", "vae", vae.build_encoder(latent_dim, shape))):
        folder = root / model_id
        folder.mkdir(parents=True)
        enc.save(folder / "encoder.keras")
        networks.mlp_decoder(latent_dim, shape).save(folder / "decoder.keras")
        np.savez_compressed(folder / "latents.npz", means=rng.normal(size=(20, latent_dim)).astype(np.float32),
                            labels=rng.integers(0, 10, 20).astype(np.uint8))
        card = {"id": model_id, "title": model_id, "kind": "generative", "family": family,
                "latent_dim": latent_dim, "image_shape": list(shape), "conditional": False, "num_classes": 10,
                "files": {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz"},
                "metrics": {}}
        if family == "ae":
            card["prior"] = {"mean": [1.0] * latent_dim, "cov": np.diag([0.5] * latent_dim).tolist()}
        (folder / registry.CARD).write_text(json.dumps(card, indent=2))
        registry.write_manifest_entry(model_id, root)
    return root


def build_tiny_cvae(root: Path, model_id: str = "tiny-cvae", heldout: int = 40) -> Path:
    """An untrained conditional VAE with a 2-D latent in `root` (manifest entry too), built from core's networks:
    a second model told the label, with `heldout` codes whose labels match no real data set's split."""
    import json

    import keras

    from core import registry
    from core.models import cvae, networks

    keras.utils.set_random_seed(0)
    folder = root / model_id
    folder.mkdir(parents=True)
    shape, classes = (28, 28, 1), 10
    cvae.build_encoder(2, shape, classes).save(folder / "encoder.keras")
    networks.mlp_decoder(2, shape, extra_inputs=(keras.Input(shape=(classes,), name="labels"),)).save(
        folder / "decoder.keras")
    rng = np.random.default_rng(0)
    np.savez_compressed(folder / "latents.npz", means=rng.normal(size=(heldout, 2)).astype(np.float32),
                        labels=np.arange(heldout, dtype=np.uint8) % classes)
    card = {"id": model_id, "title": "Tiny conditional VAE", "kind": "generative", "family": "cvae",
            "conditional": True, "latent_dim": 2, "image_shape": list(shape), "num_classes": classes,
            "class_names": [str(c) for c in range(classes)],
            "files": {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz"},
            "dataset": {"name": "mnist", "fit": 1, "validation": 1, "heldout": heldout},
            "training": {"command": f"python -m core.train {model_id}", "epochs_run": 1, "best_epoch": 1,
                         "wall_time_s": 1.0},
            "metrics": {"label_accuracy_prior_samples": 0.5, "neg_elbo_nats": 500.0}}
    (folder / registry.CARD).write_text(json.dumps(card))
    registry.write_manifest_entry(model_id, root)
    return root


@pytest.fixture(scope="session")
def tiny_pretrained_master(tmp_path_factory) -> Path:
    return build_tiny_pretrained(tmp_path_factory.mktemp("pretrained-master"))


@pytest.fixture
def tiny_pretrained(tiny_pretrained_master, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the tiny pretrained folder, with $LATENT_LAB_PRETRAINED pointing at it (tests may damage it)."""
    import shutil
    root = tmp_path / "pretrained"
    shutil.copytree(tiny_pretrained_master, root)
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(root))
    return root


# ---------------------------------------------------------------- AppTest helpers shared by the page tests

HOME = ROOT / "dashboard" / "Home.py"
APPTEST_TIMEOUT = 60  # the first page in a process loads TensorFlow and a model
SCATTER, GRID, LABEL = "pages/1_Latent_scatter.py", "pages/2_Decoded_grid.py", "pages/3_Digits_by_label.py"
PICKER = "model_picker"  # the sidebar's model selectbox


def open_page(page: str | None = None, /, **query: str):
    """Run Home, or one page of it as `streamlit run dashboard/Home.py` serves it, with the given URL query (which
    may hold a parameter called `page`: the page is positional only)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(HOME), default_timeout=APPTEST_TIMEOUT)
    if page:
        at.switch_page(page)
    at.query_params.update(query)
    return at.run()


LINK_NOTICE = "Some settings in the link were ignored"  # links.notice's opening words


def link_notices(at) -> list[str]:
    """The page's notices about parameters of its link that it could not use."""
    return [w.value for w in at.warning if w.value.startswith(LINK_NOTICE)]


def one_notice_naming_each(at, bad: dict, used=()) -> str:
    """A page opened with bad link parameters runs cleanly and shows one notice naming each `name=value` it could
    not use (every one of `bad` but those in `used`); returns the notice."""
    assert not at.exception and not at.error
    notice, = link_notices(at)
    for name, value in bad.items():
        assert (f"`{name}={value}`" in notice) == (name not in used), name
    return notice


def chosen(at) -> str:
    """The model the page shows: the sidebar picker's value."""
    return at.selectbox(key=PICKER).value


def choose(at, model_id: str):
    """Pick a model in the sidebar, as the user does."""
    at.selectbox(key=PICKER).set_value(model_id).run()
    return at


def go_to(at, page: str):
    """Another page, reached through the sidebar navigation, which drops the URL query (AppTest would keep it)."""
    at.query_params.clear()
    at.switch_page(page)
    return at.run()


def widget_keys(at) -> set[str]:
    """User keys of every widget on the page (selectboxes, radios, sliders, number inputs), for 'whose is this?'."""
    found = set()
    for kind in ("selectbox", "radio", "slider", "number_input", "segmented_control", "button"):
        found |= {w.key for w in at.get(kind) if getattr(w, "key", None)}
    return found


def assert_clean(at) -> None:
    """No exception and no error alert on the page."""
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def downloads(monkeypatch):
    """What each download button would hand the browser, by file name (every file is deferred: the bytes its click
    would make), so a page's test reads its exports back as the user gets them."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    files = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def kept(self, data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        files[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, is_for_static_download)

    def kept_deferred(self, make, mimetype, coordinates, file_name=None, **kw):
        files[file_name] = make()
        return add_deferred(self, make, mimetype, coordinates, file_name, **kw)
    monkeypatch.setattr(MediaFileManager, "add", kept)
    monkeypatch.setattr(MediaFileManager, "add_deferred", kept_deferred)
    return files


class DigitRow(NamedTuple):
    """One row of digits a page drew with pictures.show_digits (an st.html element), or a grid pictures.show_mosaic
    drew."""
    value: list[str]       # each picture's PNG data URI: equal strings, equal pictures
    captions: list[str]    # empty for pictures shown without captions (a grid)
    widths: list[int]      # each picture's width on screen, in pixels
    live: str | None = None  # the name live sliders draw over it by (pictures.show_digits's `live`)
    live_at: str | None = None  # which live sliders' positions it shows ("<key>:<stop>", space-separated)

    def pictures(self) -> list:
        from PIL import Image
        return [Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) for uri in self.value]


def digit_rows(at) -> list[DigitRow]:
    """The page's rows of digits and grids, in page order: each picture's source, the text under it, its width.
    (Not the sidebar's script, ui.NARROW_SIDEBAR, the app's other st.html.)"""
    from html.parser import HTMLParser
    rows = []
    for element in at.get("html"):
        if element.proto.unsafe_allow_javascript:
            continue
        sources, captions, widths, live = [], [], [], set()

        class Reader(HTMLParser):
            in_caption = False

            def handle_starttag(self, tag, attrs):
                if tag == "img":
                    sources.append(dict(attrs)["src"])
                    widths.append(int(dict(attrs)["width"]))
                    live.add((dict(attrs).get("data-live"), dict(attrs).get("data-live-at")))
                elif tag == "figcaption":
                    self.in_caption = True
                    captions.append("")

            def handle_endtag(self, tag):
                self.in_caption = self.in_caption and tag != "figcaption"

            def handle_data(self, data):
                if self.in_caption:
                    captions[-1] += data
        Reader().feed(element.proto.body)
        assert len(live) <= 1, f"one row, one name for live sliders: {live}"
        rows.append(DigitRow(sources, captions, widths, *next(iter(live), (None, None))))
    return rows


def live_rows(at, picture: str) -> list[DigitRow]:
    """The rows of a picture live sliders draw over (pictures.show_digits(..., live=picture)), in page order."""
    return [row for row in digit_rows(at) if row.live == picture]


# ---------------------------------------------------------------- live sliders (dashboard/live_slider.py) in AppTest

def slider_frames(at, key: str, mode: str = "L") -> dict:
    """A live slider's frames as the browser gets them once the server has built them off the run: their id, the
    sprite's bytes and meta, with the sprite decoded: `pixels` (uint8, grey; mode "RGB" for colour) and `layout`."""
    from core.atlas import decode_sheet
    from core.slider_frames import Layout
    data = ask_frames(at, key)
    layout = data["meta"]["layout"]
    pixels = decode_sheet(data["sprite"], mode)
    return {**data, "pixels": pixels, "layout": Layout(layout["frames"], layout["per_frame"], layout["h"],
                                                        layout["w"], layout["cols"])}


FACE_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair Blond_Hair "
    "Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup High_Cheekbones "
    "Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline "
    "Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick "
    "Wearing_Necklace Wearing_Necktie Young").split()


def build_tiny_faces(root: Path, latent_dim: int = 8) -> Path:
    """An untrained face VAE ('tiny-face-vae', 64x64 RGB, narrow networks from core.models.face_vae) with attribute
    vectors and training-code statistics (principal axes too), and an untrained face judge ('tiny-face-judge'), in `root` with their
    manifest entries: cards shaped like the ones core.train and core.evaluate write for celeba-vae / celeba-judge."""
    import json

    import keras

    from core import registry
    from core.models import face_judge, face_vae

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    shape, names = (64, 64, 3), list(FACE_ATTRIBUTES)
    judged = ["Smiling", "Male", "Eyeglasses", "Blond_Hair", "Young", "Wearing_Hat"]
    folder = root / "tiny-face-judge"
    folder.mkdir(parents=True)
    face_judge.build_face_judge(shape, widths=(4, 8), features=16).save(folder / "classifier.keras")
    (folder / registry.CARD).write_text(json.dumps({
        "id": "tiny-face-judge", "title": "Tiny face judge", "kind": "judge", "family": "judge",
        "attribute_names": names, "image_shape": list(shape), "files": {"classifier": "classifier.keras"},
        "dataset": {"name": "celeba", "fit": 1, "validation": 1, "heldout": 1},
        "metrics": {"thresholds": {n: 0.5 for n in names}, "best_judged": judged,
                    "per_attribute": {n: {"accuracy": 0.9, "balanced_accuracy": 0.8, "positives": 10,
                                          "threshold": 0.5} for n in names}}}))
    registry.write_manifest_entry("tiny-face-judge", root)

    folder = root / "tiny-face-vae"
    folder.mkdir(parents=True)
    face_vae.build_encoder(latent_dim, shape, widths=(4, 8), residual=False).save(folder / "encoder.keras")
    face_vae.build_decoder(latent_dim, shape, widths=(4, 8), residual=False).save(folder / "decoder.keras")
    # Principal axes of the training codes as core.evaluate ships them: orthonormal, spreads largest first (their
    # own generator, so the other arrays stay as they were).
    axes_rng = np.random.default_rng(1)
    components = np.linalg.qr(axes_rng.normal(size=(latent_dim, latent_dim)))[0].T.astype(np.float32)
    np.savez_compressed(folder / "latents.npz", train_mean=rng.normal(0, 0.1, latent_dim).astype(np.float32),
                        train_std=rng.uniform(0.5, 1.0, latent_dim).astype(np.float32), train_faces=np.int64(100),
                        train_components=components,
                        train_component_std=np.sort(axes_rng.uniform(0.3, 1.5, latent_dim))[::-1].astype(np.float32))
    # The boundary tables as core.evaluate ships them (their own generator, so the other arrays stay as they were).
    edit_rng = np.random.default_rng(2)
    normals = edit_rng.normal(0, 1, (len(names), latent_dim))
    np.savez_compressed(folder / "attributes.npz", names=np.array(names),
                        vectors=rng.normal(0, 1, (len(names), latent_dim)).astype(np.float32),
                        detied=edit_rng.normal(0, 1, (len(names), latent_dim)).astype(np.float32),
                        normals=(normals / np.linalg.norm(normals, axis=1, keepdims=True)).astype(np.float32),
                        offsets=edit_rng.normal(0, 0.5, len(names)).astype(np.float32),
                        spread=np.ones(len(names), np.float32))
    scores = {"success": 0.9, "kept": 0.88, "faces": 50}
    card = {"id": "tiny-face-vae", "title": "Tiny face VAE", "kind": "generative", "family": "face-vae",
            "summary": "An untrained face VAE for tests.", "latent_dim": latent_dim, "image_shape": list(shape),
            "conditional": False, "num_classes": 0, "class_names": None, "attribute_names": names,
            "files": {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz",
                      "attributes": "attributes.npz"},
            "dataset": {"name": "celeba", "fit": 100, "validation": 10, "heldout": 10},
            "training": {"command": "python -m core.train tiny-face-vae", "epochs_run": 1, "best_epoch": 1,
                         "wall_time_s": 1.0, "perceptual_judge": {"id": "tiny-face-judge", "sha256": ""}},
            "metrics": {"judge": "tiny-face-judge", "reconstruction_mse": 0.02, "judge_agreement": 0.8,
                        "judge_agreement_attributes": judged,
                        "attribute_edits": {
                            "default_strengths": {n: 1.5 for n in names},
                            "strength_grid": [0.5, 1.0, 1.5, 2.0, 3.0], "judged_attributes": judged,
                            "per_attribute": {n: {"strength": 1.5, "plain": scores, "held_fixed": scores}
                                              for n in names}}}}
    # Smiling's slider moves by its boundary, holding Male: on val it meets the goals and the vector does not
    smiling = card["metrics"]["attribute_edits"]["per_attribute"]["Smiling"]
    smiling["validation"] = {"success": [.5, .7, .9, .95, .99], "kept": [.95, .9, .88, .85, .8]}
    smiling["boundary"] = {"strength": 1.0, "holds": ["Male"], "plain": scores,
                           "validation": {"success": [.8, .96, .99, 1, 1], "kept": [.97, .95, .9, .85, .8]}}
    (folder / registry.CARD).write_text(json.dumps(card, indent=2))
    registry.write_manifest_entry("tiny-face-vae", root)
    return root
