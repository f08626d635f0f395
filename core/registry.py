"""The one place that knows which pretrained models exist, where their files are, and whether they are intact.

`pretrained/manifest.json` lists every model folder and the SHA-256 of each
file in it. Listing models reads only JSON (no TensorFlow), so the Home page
starts fast; loading verifies the hashes first and names the command that
rebuilds anything missing or damaged.
"""
from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path

PRETRAINED_ENV = "LATENT_LAB_PRETRAINED"
MANIFEST = "manifest.json"
CARD = "card.json"


class PretrainedError(RuntimeError):
    """A pretrained model is unknown, missing or damaged; the message says how to fix it."""


def pretrained_root() -> Path:
    """`pretrained/` beside `core/`, or $LATENT_LAB_PRETRAINED (tests point it at a temporary folder)."""
    env = os.environ.get(PRETRAINED_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[1] / "pretrained"


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


def write_manifest_entry(model_id: str, root: Path | None = None) -> None:
    """Hash every file of one model folder into the manifest (called by training and evaluation)."""
    root = root or pretrained_root()
    manifest = read_manifest(root, model_id)
    folder = root / model_id
    files = {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}
    manifest["models"][model_id] = {"files": files, "rebuild": rebuild_command(model_id)}
    manifest["models"] = dict(sorted(manifest["models"].items()))
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def read_card(model_id: str, root: Path | None = None) -> dict:
    root = root or pretrained_root()
    path = root / model_id / CARD
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise PretrainedError(f"{path} is missing; rebuild it with `{rebuild_command(model_id)}`") from None
    except ValueError as e:
        raise PretrainedError(f"{path} is damaged ({e}); rebuild it with `{rebuild_command(model_id)}`") from e


def list_models(kind: str | None = "generative") -> list[dict]:
    """Model cards of the shipped models, in manifest order; `kind` "generative" (latent models), "autoregressive"
    (the PixelCNN), "judge" or None for all.

    A model whose card cannot be read appears as {"id", "error"} so a page can say so.
    """
    cards = []
    for model_id in read_manifest()["models"]:
        try:
            card = read_card(model_id)
        except PretrainedError as e:
            cards.append({"id": model_id, "kind": "generative", "error": str(e)})
            continue
        if kind is None or card.get("kind") == kind:
            cards.append(card)
    return cards


def verified_path(model_id: str, filename: str, root: Path | None = None) -> Path:
    """Path of one model file after checking it exists and matches its manifest hash."""
    root = root or pretrained_root()
    models = read_manifest(root, model_id)["models"]
    entry = models.get(model_id)
    if entry is None:
        known = ", ".join(models) or "none"
        raise PretrainedError(f"no pretrained model named {model_id!r} in {MANIFEST} (shipped: {known}); "
                              f"build it with `{rebuild_command(model_id)}`")
    path = root / model_id / filename
    expected = entry["files"].get(filename)
    if not path.is_file():
        raise PretrainedError(f"{path} is missing; rebuild it with `{rebuild_command(model_id)}`")
    if expected is None:
        raise PretrainedError(f"{path} is not listed in {MANIFEST}; rebuild with `{rebuild_command(model_id)}`")
    if sha256(path) != expected:
        raise PretrainedError(f"{path} is damaged (SHA-256 differs from {MANIFEST}); "
                              f"rebuild it with `{rebuild_command(model_id)}` or restore it from git")
    return path


def load_keras(model_id: str, filename: str):
    """Load one verified `.keras` file with safe mode on (no code inside model files runs)."""
    import keras
    path = verified_path(model_id, filename)
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # Keras raises many types for a bad zip or config
        raise PretrainedError(f"{path} cannot be loaded ({type(e).__name__}: {e}); "
                              f"rebuild it with `{rebuild_command(model_id)}`") from e


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
    files = card["files"]
    encoder = load_keras(model_id, files["encoder"]) if files.get("encoder") else None
    decoder = load_keras(model_id, files.get("decoder") or files["generator"])  # a GAN ships a generator
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
                              f"rebuild it with `{rebuild_command(model_id)}`") from e


def load_judge(model_id: str = "mnist-judge"):
    from .judges import Judge
    card = read_card(model_id)
    return Judge(load_keras(model_id, card["files"]["classifier"]), card)
