"""Writing a user's model into their models folder (core.registry.user_root): the name and folder checked first,
its measures taken on their pictures, and the folder written whole or not at all.

Both ways in use it: `python -m core.import_model` (a saved Keras model) and `python -m core.train vae --images`
(a VAE trained on a folder of pictures). Files go into a hidden temporary folder beside the final one, which is
renamed into place once everything is written; only then does the manifest name the model.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from . import registry

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
HELDOUT_FRACTION = 0.1
ATTRIBUTES_FILE = "attributes.npz"  # as the face VAE's: names and mean-difference vectors (LatentModel.edit)


class UserModelError(ValueError):
    """A name, folder, model file or picture that cannot make a user's model; the message says what to do."""


def check_name(name: str) -> Path:
    """The user's folder, after checking the name is free and the folder writable; returns the folder."""
    if not NAME.match(name):
        raise UserModelError(f"{name!r} cannot name a model: use lower-case letters, digits, '-', '_' or '.', "
                             f"starting with a letter or digit (at most 64)")
    if name in registry.read_manifest(registry.pretrained_root())["models"]:
        raise UserModelError(f"{name!r} is the name of a shipped model; choose another name")
    root = registry.user_root()
    try:
        mine = registry.read_manifest(root)["models"]
    except registry.PretrainedError as e:
        raise UserModelError(f"your models folder's manifest cannot be read: {e}") from e
    if name in mine or (root / name).exists():
        raise UserModelError(f"{root / name} already exists; choose another name, or delete that folder "
                             f"(and its entry in {root / registry.MANIFEST}) first")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root):
            pass
    except OSError as e:
        raise UserModelError(f"your models folder {root} cannot be written ({e.strerror or e}); make it writable, "
                             f"or point ${registry.USER_ENV} at a folder you can write") from e
    return root


def split_heldout(n: int, fraction: float = HELDOUT_FRACTION, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (kept, held-out) indices: at least 2 held out."""
    order = np.random.default_rng(seed).permutation(n)
    k = max(2, int(round(n * fraction)))
    return np.sort(order[k:]), np.sort(order[:k])


def measure(model, pictures, heldout: np.ndarray) -> tuple[dict, dict]:
    """(metrics for the card, arrays for latents.npz) of a LatentModel on its held-out pictures: reconstruction
    error, the held-out codes and their 2-D projections, the class means when the pictures are labelled."""
    from .evaluators.digits import projections
    from .images import as_model_input
    from .latent import class_means
    x = as_model_input(pictures.images[heldout])
    labelled = pictures.labels is not None
    labels = pictures.labels[heldout] if labelled else np.zeros(len(heldout), np.int64)
    told = labels if model.conditional else None  # a conditional model reads and draws each with its label
    means = model.encode(x, told)
    recon = model.decode(means, told)
    target = x[..., 0] if x.shape[-1] == 1 else x
    metrics = {"heldout_items": int(len(heldout)), "reconstruction_mse": float(((recon - target) ** 2).mean())}
    arrays = {"means": means.astype(np.float32), "labels": labels.astype(np.int64), **projections(means)}
    if labelled:
        arrays["class_means"] = class_means(means, labels, len(pictures.class_names)).astype(np.float32)
        metrics["heldout_per_class"] = {n: int((labels == c).sum()) for c, n in enumerate(pictures.class_names)}
    return metrics, arrays


def attribute_edits(model, pictures, items: np.ndarray) -> tuple[dict, dict] | tuple[None, None]:
    """(what the card says, arrays for attributes.npz) of the pictures' attributes, or (None, None) when they have
    none: per attribute, the mean code of the pictures with it minus that of those without (core.latent, as the
    face VAE's vectors are), over the pictures `items` (a trained model's training pictures). Aggregates only; an
    attribute every picture has, or none, gives no direction and is left out. No judge reads them: unmeasured."""
    from .images import as_model_input
    from .latent import attribute_vectors
    if pictures.attributes is None or model.conditional:
        return None, None
    present = pictures.attributes[items] > 0
    counts = present.sum(0)
    both = [a for a in range(present.shape[1]) if 0 < counts[a] < len(items)]
    if not both:
        return None, None
    codes = model.encode(as_model_input(pictures.images[items]))
    names = [pictures.attribute_names[a] for a in both]
    arrays = {"names": np.array(names), "vectors": attribute_vectors(codes, present[:, both]).astype(np.float32)}
    card = {"method": "mean difference of the encoded pictures' codes, unmeasured (no judge reads your pictures)",
            "pictures": int(len(items)),
            "with": {n: int(counts[a]) for n, a in zip(names, both)},
            "left_out": [n for a, n in enumerate(pictures.attribute_names) if a not in both]}
    return card, arrays


def labels_card(pictures, told: int = 0) -> dict:
    """What a card says about the pictures' labels: classes (one colour when there are none) or attributes; `told`:
    the classes of a conditional decoder's label input (named 0, 1 ... when no labels file names them), recorded as
    `label_input`."""
    if pictures is not None and pictures.labels is not None:
        card = {"num_classes": len(pictures.class_names), "class_names": pictures.class_names}
    elif told:
        card = {"num_classes": told, "class_names": [str(c) for c in range(told)]}
    else:
        card = {"num_classes": 1, "class_names": ["picture"]}
    if told:
        card["label_input"] = {"classes": told, "encoding": "one-hot", "position": "after the code"}
    if pictures is not None and pictures.attribute_names:
        card["attribute_names"] = pictures.attribute_names
    return card


def publish(name: str, networks: dict, card: dict, arrays: dict | None, rebuild: str,
            attributes: dict | None = None) -> Path:
    """Write networks ({"encoder": model, "decoder": model}), latents.npz, attributes.npz (attribute_edits) and the
    card into the user's folder, all or nothing, then its manifest entry; returns the model's folder."""
    root = check_name(name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    tmp.chmod(0o755)  # mkdtemp's 0700 would hide the model from others who share the folder
    try:
        files = {}
        for role, network in networks.items():
            network.save(tmp / f"{role}.keras")
            files[role] = f"{role}.keras"
        if arrays:
            np.savez_compressed(tmp / "latents.npz", **arrays)
            files["latents"] = "latents.npz"
        if attributes:
            np.savez_compressed(tmp / ATTRIBUTES_FILE, **attributes)
            files["attributes"] = ATTRIBUTES_FILE
        card = {**card, "id": name, "kind": "generative", "source": registry.USER_SOURCE, "files": files}
        (tmp / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
        tmp.rename(root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    registry.write_manifest_entry(name, root, rebuild=rebuild)
    return root / name
