"""The one place that knows which pretrained models exist, where their files are, and whether they are intact.

`pretrained/manifest.json` lists every model folder and the SHA-256 of each
file in it. The user's own models (imported or trained on their pictures: core.import_model, core.train vae
--images) live in a folder of the same layout, $LATENT_LAB_MODELS or ~/.latent_lab/models, listed beside the
shipped ones with card["source"] = "user"; a shipped name always wins, and a user folder that is damaged
only loses its own models. Listing models reads only JSON (no TensorFlow), so the Home page
starts fast; loading verifies the hashes first and names the command that
rebuilds anything missing or damaged.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path

PRETRAINED_ENV = "LATENT_LAB_PRETRAINED"
USER_ENV = "LATENT_LAB_MODELS"
USER_SOURCE = "user"  # card["source"] of a user's model
MANIFEST = "manifest.json"
CARD = "card.json"


class PretrainedError(RuntimeError):
    """A pretrained model is unknown, missing or damaged; the message says how to fix it."""


SHIPPED = Path(__file__).resolve().parents[1] / "pretrained"  # resolved once: pages ask for it many times a run


def pretrained_root() -> Path:
    """`pretrained/` beside `core/`, or $LATENT_LAB_PRETRAINED (tests point it at a temporary folder)."""
    env = os.environ.get(PRETRAINED_ENV)
    return Path(env) if env else SHIPPED


def user_root() -> Path:
    """The user's models folder: $LATENT_LAB_MODELS, or ~/.latent_lab/models."""
    env = os.environ.get(USER_ENV)
    return Path(env).expanduser() if env else Path.home() / ".latent_lab" / "models"


def root_of(model_id: str) -> Path:
    """The folder holding a model: pretrained/ for a shipped one (or an unknown one), else the user's folder."""
    shipped = pretrained_root()
    if _lists(shipped, model_id):
        return shipped
    user = user_root()
    try:
        if _lists(user, model_id):
            return user
    except PretrainedError:
        pass  # a damaged user manifest: the model is then unknown, as verified_path says
    return shipped


def _lists(root: Path, model_id: str) -> bool:
    """Whether root's manifest lists the model, the manifest parsed once a version of the file: pages ask root_of
    many times a run (every cached picture is keyed by it)."""
    try:
        found = (root / MANIFEST).stat()
    except OSError:
        return False
    try:
        return model_id in _listed(root, found.st_mtime_ns, found.st_size)
    except PretrainedError:
        read_manifest(root, model_id)  # raises again, naming this model's rebuild
        raise


@functools.lru_cache(maxsize=8)
def _listed(root: Path, modified_ns: int, size: int) -> frozenset[str]:
    return frozenset(read_manifest(root)["models"])


@contextmanager
def using_root(root: Path | None):
    """Point the registry at another pretrained folder for the duration of a block (training to --out)."""
    if root is None:
        yield
        return
    before = os.environ.get(PRETRAINED_ENV)
    os.environ[PRETRAINED_ENV] = str(root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PRETRAINED_ENV, None)
        else:
            os.environ[PRETRAINED_ENV] = before


def rebuild_command(model_id: str) -> str:
    return f"python -m core.train {model_id}"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(root: Path | None = None, model_id: str | None = None) -> dict:
    """The manifest's contents; `model_id` (when known) makes a damaged manifest's message name its rebuild."""
    path = (root or pretrained_root()) / MANIFEST
    if not path.is_file():
        return {"models": {}}
    try:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest.get("models"), dict):
            raise ValueError("no 'models' table")
        return manifest
    except (ValueError, AttributeError) as e:
        # Training updates the manifest, so it cannot rebuild over a damaged one: delete it first.
        raise PretrainedError(f"{path} is damaged ({e}); restore it with `git checkout -- {path}`, "
                              f"or delete it and rebuild with `{rebuild_command(model_id or '<model_id>')}`") from e


def write_manifest_entry(model_id: str, root: Path | None = None, rebuild: str | None = None) -> None:
    """Hash every file of one model folder into the manifest (called by training and evaluation); `rebuild` is
    the command that makes it again (a user's model: the command that imported or trained it)."""
    root = root or pretrained_root()
    manifest = read_manifest(root, model_id)
    folder = root / model_id
    files = {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}
    before = manifest["models"].get(model_id, {}).get("rebuild")
    manifest["models"][model_id] = {"files": files, "rebuild": rebuild or before or rebuild_command(model_id)}
    manifest["models"] = dict(sorted(manifest["models"].items()))
    tmp = root / f".{MANIFEST}.tmp"  # replaced whole: a reader never sees half a manifest
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(root / MANIFEST)


def _rebuild(model_id: str, root: Path) -> str:
    """The command that makes a model again, as its manifest says (a user's model has its own)."""
    try:
        return read_manifest(root, model_id)["models"].get(model_id, {}).get("rebuild") or rebuild_command(model_id)
    except PretrainedError:
        return rebuild_command(model_id)


def read_card(model_id: str, root: Path | None = None) -> dict:
    root = root or root_of(model_id)
    path = root / model_id / CARD
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise PretrainedError(f"{path} is missing; rebuild it with `{_rebuild(model_id, root)}`") from None
    except ValueError as e:
        raise PretrainedError(f"{path} is damaged ({e}); rebuild it with `{_rebuild(model_id, root)}`") from e


def list_models(kind: str | None = "generative") -> list[dict]:
    """Model cards of the shipped models in manifest order, then the user's; `kind` "generative" (latent models),
    "autoregressive" (the PixelCNN), "judge" or None for all.

    A model whose card cannot be read appears as {"id", "error"} so a page can say so; so does a damaged user
    folder, and a user's model named as a shipped one (which is refused: the shipped one is listed).
    """
    shipped = read_manifest()["models"]
    cards = _cards(shipped, pretrained_root(), kind)
    user = user_root()
    try:
        mine = read_manifest(user)["models"] if user.resolve() != pretrained_root().resolve() else {}
    except PretrainedError as e:
        return cards + [{"id": "your models", "kind": "generative", "source": USER_SOURCE,
                         "error": f"Your models folder cannot be read: {e}"}]
    for model_id in [m for m in mine if m in shipped]:
        cards.append({"id": model_id, "kind": "generative", "source": USER_SOURCE,
                      "error": f"{user / model_id} has the name of a shipped model, which wins; rename your folder "
                               f"and its entry in {user / MANIFEST}, or import it again under another name"})
    return cards + [dict(c, source=USER_SOURCE) for c in _cards([m for m in mine if m not in shipped], user, kind)]


def cards_stamp() -> tuple:
    """What list_models reads, as (path, modified ns, size) of both manifests and every card beside them: a key for
    caching its answer (a page asks on every run, and celeba-vae's card alone is 300 KB of JSON) that changes
    whenever a model is trained, imported or damaged. Stat calls only: a fraction of a millisecond."""
    stamp = []
    for root in (pretrained_root(), user_root()):
        for path in (root / MANIFEST, *sorted(root.glob(f"*/{CARD}"))):
            try:
                found = path.stat()
            except OSError:
                continue
            stamp.append((str(path), found.st_mtime_ns, found.st_size))
    return tuple(stamp)


def _cards(model_ids, root: Path, kind: str | None) -> list[dict]:
    cards = []
    for model_id in model_ids:
        try:
            card = read_card(model_id, root)
        except PretrainedError as e:
            cards.append({"id": model_id, "kind": "generative", "error": str(e)})
            continue
        if kind is None or card.get("kind") == kind:
            cards.append(card)
    return cards


def verified_path(model_id: str, filename: str, root: Path | None = None) -> Path:
    """Path of one model file after checking it exists and matches its manifest hash."""
    root = root or root_of(model_id)
    models = read_manifest(root, model_id)["models"]
    entry = models.get(model_id)
    if entry is None:
        known = ", ".join(models) or "none"
        raise PretrainedError(f"no pretrained model named {model_id!r} in {MANIFEST} (shipped: {known}); "
                              f"build it with `{rebuild_command(model_id)}`")
    path = root / model_id / filename
    expected = entry["files"].get(filename)
    rebuild = entry.get("rebuild") or rebuild_command(model_id)
    if not path.is_file():
        raise PretrainedError(f"{path} is missing; rebuild it with `{rebuild}`")
    if expected is None:
        raise PretrainedError(f"{path} is not listed in {MANIFEST}; rebuild with `{rebuild}`")
    if sha256(path) != expected:
        raise PretrainedError(f"{path} is damaged (SHA-256 differs from {root / MANIFEST}); "
                              f"rebuild it with `{rebuild}`" + (" or restore it from git" if root == pretrained_root()
                                                                else ""))
    return path


def load_keras(model_id: str, filename: str, custom_objects: str | None = None):
    """Load one verified `.keras` file with safe mode on (no code inside model files runs); `custom_objects` names
    a module whose Keras layers a user's model needs (imported explicitly, as its card says)."""
    import keras
    path = verified_path(model_id, filename)
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True,
                                       custom_objects=custom_layers(custom_objects) if custom_objects else None)
    except Exception as e:  # Keras raises many types for a bad zip or config
        raise PretrainedError(f"{path} cannot be loaded ({type(e).__name__}: {e}); "
                              f"rebuild it with `{_rebuild(model_id, root_of(model_id))}`") from e


def custom_layers(module_name: str) -> dict:
    """The Keras layer (and other serialisable) classes a module defines, by name: what --custom-objects names."""
    import importlib
    import inspect

    import keras
    module = importlib.import_module(module_name)
    bases = (keras.layers.Layer, keras.Model, keras.initializers.Initializer, keras.regularizers.Regularizer,
             keras.constraints.Constraint)
    return {name: obj for name, obj in vars(module).items() if inspect.isclass(obj) and issubclass(obj, bases)}


def load_model(model_id: str, heldout: bool = True):
    """A `LatentModel` for a shipped generative model: encode, decode, sample, card, held-out codes; for an
    autoregressive one (the PixelCNN) a `PixelCNNModel`: log_prob, sample, complete.

    heldout=False skips latents.npz (evaluation loads the model before it has written them).
    """
    from .latent_model import LatentModel
    card = read_card(model_id)
    if card.get("kind") == "autoregressive":  # a PixelCNN: no latent space, its own interface
        from .pixel_model import PixelCNNModel
        return PixelCNNModel(card, load_keras(model_id, card["files"]["network"]))
    if card.get("kind") != "generative":
        raise PretrainedError(f"{model_id!r} is a {card.get('kind')} model; use load_judge for judges")
    files, custom = card["files"], card.get("custom_objects")
    encoder = load_keras(model_id, files["encoder"], custom) if files.get("encoder") else None
    decoder = load_keras(model_id, files.get("decoder") or files["generator"], custom)  # a GAN ships a generator
    codes = _arrays(model_id, files.get("latents")) if heldout else None
    attributes = _arrays(model_id, files.get("attributes")) if heldout else None
    story = _arrays(model_id, files.get("story")) if heldout else None
    return LatentModel(card, encoder, decoder, codes, attributes, story)


def _arrays(model_id: str, filename: str | None) -> dict | None:
    """A verified .npz of the model as a dict of arrays (no pickles), or None when the card names none."""
    if not filename:
        return None
    import numpy as np
    try:
        with np.load(verified_path(model_id, filename), allow_pickle=False) as d:
            return {k: d[k] for k in d.files}
    except (ValueError, OSError) as e:  # a damaged zip, or an object array that would need pickle
        raise PretrainedError(f"{filename} of {model_id} cannot be read ({e}); "
                              f"rebuild it with `{_rebuild(model_id, root_of(model_id))}`") from e


def load_judge(model_id: str = "mnist-judge"):
    """The digit judge (`core.judges.Judge`) that scores digit models, hash-checked and loaded in safe mode."""
    from .judges import Judge
    return _classifier(model_id, Judge)


def load_face_judge(model_id: str = "celeba-judge"):
    """The face judge (`core.models.face_judge.FaceJudge`) that scores face models, loaded as the digit judge is."""
    from .models.face_judge import FaceJudge
    return _classifier(model_id, FaceJudge)


def _classifier(model_id: str, judge_class):
    """A judge's classifier from its verified file, wrapped in its class with its card (thresholds, best read)."""
    card = read_card(model_id)
    return judge_class(load_keras(model_id, card["files"]["classifier"]), card)
