"""Faces as independent pixels: per-pixel statistics of the CelebA training faces that match some attributes.

    python -m core.pixel_aggregates    (needs LATENT_LAB_DATA; writes pretrained/celeba-pixels/)

The model with no network at all (the chapter's first): every pixel of a face drawn on its own, from the matching
training faces' per-pixel Gaussian or per-pixel histogram. The page needs only aggregates, never a face. For every
combination of ATTRIBUTES (each yes, no or either) the file holds the number of matching training faces; for those
of MIN_FACES faces or more it holds, at SIDE x SIDE, what adds up: per-pixel sums, sums of squares and histogram
counts (BINS bins a channel), of as few of them (the parts) as make up every other by addition (yes + no = either).
A combination of fewer faces ships its count only, and no part is one: its mean face would come close to a
person's. (Every shipped figure is an aggregate of 50 faces or more; the difference of two of them need not be,
which no design that shows every combination of 50 faces can prevent.) With the data set present, any
combination of the 40 attributes is computed live from the faces with the same functions.
"""
from __future__ import annotations

import argparse
import itertools
import json
from typing import NamedTuple

import numpy as np

MODEL_ID = "celeba-pixels"
FILE = "aggregates.npz"
COMMAND = "python -m core.pixel_aggregates"  # the manifest's rebuild command for MODEL_ID
ATTRIBUTES = ("Male", "Smiling", "Eyeglasses", "Young", "Blond_Hair")  # shipped: every yes / no / either of these
SIDE, BINS, MIN_FACES = 32, 16, 50
YES, NO = "y", "n"  # a combination's key: one letter an attribute of ATTRIBUTES, "-" for either


class Aggregate(NamedTuple):
    """Per-pixel statistics of `count` faces, (SIDE, SIDE, 3) grey levels in [0, 1]; hist (SIDE, SIDE, 3, BINS)
    counts. Only the count when there are fewer than MIN_FACES faces (the rest None)."""
    count: int
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    hist: np.ndarray | None = None

    @property
    def shown(self) -> bool:
        return self.mean is not None


class Totals(NamedTuple):
    """What adds up across disjoint groups of faces: their number, per-pixel sums and sums of squares of the grey
    levels (0-255), and per-pixel histogram counts; flat, SIDE * SIDE * 3 values (times BINS for the counts)."""
    count: int
    total: np.ndarray
    squares: np.ndarray
    hist: np.ndarray

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.count + other.count, self.total + other.total, self.squares + other.squares,
                      self.hist + other.hist)

    def aggregate(self) -> Aggregate:
        """The statistics these totals make, or their count alone below MIN_FACES faces."""
        if self.count < MIN_FACES:
            return Aggregate(int(self.count))
        mean = self.total / self.count
        std = np.sqrt(np.maximum(self.squares / self.count - mean ** 2, 0.0))
        shape = (SIDE, SIDE, 3)
        return Aggregate(int(self.count), (mean / 255).reshape(shape).astype(np.float32),
                         (std / 255).reshape(shape).astype(np.float32), self.hist.reshape(*shape, BINS))


def key_of(wanted: dict) -> str:
    """{attribute: True / False} over ATTRIBUTES (absent: either) -> the shipped combination's key."""
    unknown = sorted(set(wanted) - set(ATTRIBUTES))
    if unknown:
        raise KeyError(f"only {', '.join(ATTRIBUTES)} are shipped; not {', '.join(unknown)}")
    return "".join("-" if a not in wanted else (YES if wanted[a] else NO) for a in ATTRIBUTES)


def matching(attributes: np.ndarray, names: list[str], wanted: dict) -> np.ndarray:
    """Which faces (CelebA's 1 / -1 attribute table, (N, 40)) have every wanted attribute (True) and lack every
    unwanted one (False): a boolean mask (N,)."""
    mask = np.ones(len(attributes), bool)
    for name, present in wanted.items():
        mask &= (attributes[:, names.index(name)] > 0) == bool(present)
    return mask


def shrink(faces: np.ndarray) -> np.ndarray:
    """uint8 faces (N, S, S, 3), S a multiple of SIDE -> (N, SIDE, SIDE, 3) uint8, block means."""
    k = faces.shape[1] // SIDE
    if faces.ndim != 4 or k < 1 or faces.shape[1:] != (k * SIDE, k * SIDE, 3):
        raise ValueError(f"faces must be (N, S, S, 3) with S a multiple of {SIDE}, got {faces.shape}")
    if k == 1:
        return faces
    blocks = faces.reshape(len(faces), SIDE, k, SIDE, k, 3).mean(axis=(2, 4))
    return np.rint(blocks).astype(np.uint8)


def totals(small: np.ndarray) -> Totals:
    """The totals of uint8 faces already at SIDE x SIDE (shrink), (N, SIDE, SIDE, 3)."""
    flat = small.reshape(len(small), -1)
    bins = (flat // (256 // BINS)).astype(np.int64) + np.arange(flat.shape[1]) * BINS
    return Totals(len(small), flat.sum(0, dtype=np.uint64), np.square(flat, dtype=np.uint64).sum(0),
                  np.bincount(bins.ravel(), minlength=flat.shape[1] * BINS).astype(np.uint64))


def aggregate(small: np.ndarray) -> Aggregate:
    """Per-pixel statistics of uint8 faces at SIDE x SIDE (N, SIDE, SIDE, 3), or the count alone below MIN_FACES."""
    return totals(small).aggregate()


def combinations() -> list[dict]:
    """Every yes / no / either of ATTRIBUTES, as {attribute: True / False}, fewest either first."""
    every = [{a: v for a, v in zip(ATTRIBUTES, values) if v is not None}
             for values in itertools.product((True, False, None), repeat=len(ATTRIBUTES))]
    return sorted(every, key=len, reverse=True)


def _halves(key: str, i: int) -> tuple[str, str]:
    return key[:i] + YES + key[i + 1:], key[:i] + NO + key[i + 1:]


def _split(key: str, derivable) -> tuple[str, str] | None:
    """The first either of `key` whose yes and no halves are both derivable (the shipped parts add up to them)."""
    for i, letter in enumerate(key):
        if letter == "-" and all(derivable(h) for h in _halves(key, i)):
            return _halves(key, i)
    return None


def build(faces: np.ndarray, attributes: np.ndarray, names: list[str]) -> dict:
    """The shipped arrays: every combination's key and count, and the totals of as few combinations of MIN_FACES
    faces or more as make up every such combination by addition (the `parts`: a combination of MIN_FACES or more
    whose yes and no halves along some either can both be made is not shipped itself)."""
    small = shrink(faces)
    keys, counts, parts, sums = [], [], [], []
    made = set()
    for wanted in combinations():
        key, mask = key_of(wanted), matching(attributes, names, wanted)
        keys.append(key)
        counts.append(int(mask.sum()))
        if counts[-1] < MIN_FACES:
            continue
        made.add(key)
        if _split(key, made.__contains__) is None:
            parts.append(key)
            sums.append(totals(small[mask]))
    size = (len(parts), SIDE, SIDE, 3)
    return {"attributes": np.asarray(ATTRIBUTES), "keys": np.asarray(keys), "counts": np.asarray(counts, np.uint32),
            "parts": np.asarray(parts), "part_counts": np.asarray([t.count for t in sums], np.uint32),
            "total": np.asarray([t.total for t in sums], np.uint64).reshape(size).astype(_fitting(sums, "total")),
            "squares": np.asarray([t.squares for t in sums], np.uint64).reshape(size).astype(_fitting(sums, "squares")),
            "hist": np.asarray([t.hist for t in sums], np.uint64).reshape(*size, BINS).astype(_fitting(sums, "hist"))}


def _fitting(sums: list[Totals], field: str):
    """The smallest unsigned type that holds every value of one field."""
    top = max((int(getattr(t, field).max(initial=0)) for t in sums), default=0)
    return next(t for t in (np.uint16, np.uint32, np.uint64) if top <= np.iinfo(t).max)


class Shipped:
    """The shipped aggregates (pretrained/celeba-pixels/aggregates.npz, checked against the manifest): any
    combination of ATTRIBUTES, added up from its shipped parts."""

    def __init__(self, arrays: dict):
        self.arrays = {k: np.asarray(v) for k, v in arrays.items()}
        self.counts = dict(zip(self.arrays["keys"].tolist(), self.arrays["counts"].tolist()))
        self.parts = {k: i for i, k in enumerate(self.arrays["parts"].tolist())}

    @classmethod
    def load(cls) -> Shipped:
        from . import registry
        with np.load(registry.verified_path(MODEL_ID, FILE)) as f:
            return cls({k: f[k] for k in f.files})

    def _totals(self, key: str) -> Totals:
        row = self.parts.get(key)
        if row is not None:
            a = self.arrays
            return Totals(int(a["part_counts"][row]), a["total"][row].ravel().astype(np.uint64),
                          a["squares"][row].ravel().astype(np.uint64), a["hist"][row].ravel().astype(np.uint64))
        yes, no = _split(key, lambda k: k in self.parts or self.counts[k] >= MIN_FACES)
        return self._totals(yes) + self._totals(no)

    def lookup(self, wanted: dict) -> Aggregate:
        key = key_of(wanted)
        if self.counts[key] < MIN_FACES:
            return Aggregate(int(self.counts[key]))
        return self._totals(key).aggregate()


def gaussian_samples(agg: Aggregate, n: int, seed: int = 0) -> np.ndarray:
    """n faces with every pixel and channel drawn on its own from a Gaussian of its mean and spread: (n, SIDE,
    SIDE, 3) float32 in [0, 1]."""
    z = np.random.default_rng(seed).standard_normal((n, *agg.mean.shape))
    return np.clip(agg.mean + agg.std * z, 0.0, 1.0).astype(np.float32)


def histogram_samples(agg: Aggregate, n: int, seed: int = 0) -> np.ndarray:
    """n faces with every pixel and channel drawn on its own from its histogram (a bin as often as the matching
    faces fell in it, then a level uniformly within the bin): (n, SIDE, SIDE, 3) float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(agg.hist, axis=-1, dtype=np.float64)
    u = rng.random((n, *agg.mean.shape)) * cdf[..., -1]
    bins = (u[..., None] >= cdf).sum(-1)  # the first bin whose cumulative count passes u
    return ((bins + rng.random(bins.shape)) / BINS).astype(np.float32)


def attribute_codes(model, wanted: dict, n: int, seed: int = 0, spreads: float = 1.0) -> np.ndarray:
    """The face VAE's answer for the same attributes, as codes: n drawn where its training faces lie, each moved
    along its attribute boundaries (the model's attributes.npz) until it lies at least `spreads` spreads on the
    wanted side of every wanted (True) or unwanted (False) attribute, each move holding the others' distances."""
    from .latent import move_to_distance
    edits = model.measured_edits
    if edits is None or "normals" not in edits.tables:
        raise ValueError(f"{model.id} ships no attribute boundaries")
    t = edits.tables
    unknown = sorted(set(wanted) - set(edits.names))
    if unknown:
        raise KeyError(f"{model.id} has no boundary for {', '.join(unknown)}")
    index = {name: edits.names.index(name) for name in wanted}
    z = model.sample_latents(n, seed, trick=True)
    for name, present in wanted.items():
        k, sign = index[name], 1.0 if present else -1.0
        held = [t["normals"][index[h]] for h in wanted if h != name]
        target = sign * spreads * t["spread"][k]
        short = sign * (z @ t["normals"][k] + t["offsets"][k]) < sign * target  # not yet that far on its side
        if short.any():
            z[short] = move_to_distance(z[short], t["normals"][k], t["offsets"][k], target, held)
    return z


def attribute_faces(model, wanted: dict, n: int, seed: int = 0) -> np.ndarray:
    """attribute_codes decoded: (n, H, W, 3) faces in [0, 1]."""
    return model.decode(attribute_codes(model, wanted, n, seed))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m core.pixel_aggregates", description=__doc__.split("\n")[0])
    p.add_argument("--data", help="the data folder (default: $LATENT_LAB_DATA)")
    a = p.parse_args(argv)
    from . import registry
    from .data.celeba import load_celeba
    faces = load_celeba(a.data, download=False, split="train")
    arrays = build(faces.images, faces.attributes, faces.attribute_names)
    folder = registry.pretrained_root() / MODEL_ID
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / FILE, **arrays)
    card = {"id": MODEL_ID, "title": "CelebA faces as independent pixels", "kind": "aggregates",
            "dataset": {"name": "celeba", "split": "train", "faces": int(len(faces.images))},
            "attributes": list(ATTRIBUTES), "side": SIDE, "bins": BINS, "min_faces": MIN_FACES,
            "combinations": len(arrays["keys"]), "shown": int((arrays["counts"] >= MIN_FACES).sum()),
            "parts": len(arrays["parts"]),
            "files": {"aggregates": FILE}, "training": {"command": COMMAND},
            "method": __doc__.split("\n\n")[2].replace("\n", " ").strip()}
    (folder / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(MODEL_ID, rebuild=COMMAND)
    print(f"{card['shown']} of {card['combinations']} combinations of {len(faces.images)} training faces "
          f"shown (at least {MIN_FACES} faces), made of {card['parts']} parts; "
          f"{(folder / FILE).stat().st_size / 1e6:.1f} MB in {folder / FILE}")


if __name__ == "__main__":
    main()
