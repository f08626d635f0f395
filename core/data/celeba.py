"""CelebA aligned faces: the official `img_align_celeba/` folder and its two annotation files.

The annotation files list all 202,599 faces, while local copies often hold a
subset of the images; only the images present are used.

Decoding 20,000 JPEGs takes a while, so whole-split loads keep the resized
uint8 arrays in a cache (`cache_dir()`), keyed by the data folder, the size,
the split and every image's name, byte size and modification time: a changed
file is decoded again, never served stale.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from .idx import CorruptDataFile
from .locate import DatasetNotFound, candidates, not_found_message

NAME = "celeba"
IMAGES = "img_align_celeba"
ATTRIBUTES = "list_attr_celeba.txt"
PARTITION = "list_eval_partition.txt"
SPLITS = {"train": 0, "val": 1, "test": 2}
FULL_SIZE = (178, 218)  # every aligned-and-cropped CelebA image
CROP = (0, 20, 178, 198)  # the square face crop commonly used before resizing
EXPECTED = (f"the official CelebA files (any subset of the 202,599 aligned faces) as\n"
            f"  <data>/{NAME}/{IMAGES}/*.jpg\n"
            f"  <data>/{NAME}/{ATTRIBUTES}\n"
            f"  <data>/{NAME}/{PARTITION}")
CACHE_ENV = "LATENT_LAB_CACHE"
NO_TFDS = "tensorflow-datasets is not installed; `pip install tensorflow-datasets` lets load_celeba fetch celeb_a"


@dataclass(frozen=True)
class Annotations:
    """Annotations of the present images, in filename order.

    `attributes` is int8 (N, 40) holding the file's 1 / -1; `partition` is int8 (N,)
    with the official 0 train, 1 val, 2 test.
    """
    attributes: np.ndarray
    attribute_names: list[str]
    partition: np.ndarray
    filenames: list[str]

    def __len__(self) -> int:
        return len(self.filenames)


@dataclass(frozen=True)
class CelebA(Annotations):
    """Annotations plus `images`, uint8 (N, size, size, 3)."""
    images: np.ndarray


def _find(path) -> tuple[Path | None, list[Path]]:
    """The first searched folder holding `img_align_celeba/`, and every folder searched."""
    tried = candidates(NAME, path, [])
    return next((folder for folder in tried if (folder / IMAGES).is_dir()), None), tried


def _present(folder: Path) -> list[str]:
    """The JPEG names in `img_align_celeba/`; the annotation files must sit beside it."""
    for name in (ATTRIBUTES, PARTITION):
        if not (folder / name).is_file():
            raise DatasetNotFound(f"{folder / IMAGES} holds the faces, but {folder / name} is missing; "
                                  f"put the official {name} beside {IMAGES}/")
    names = sorted(e.name for e in os.scandir(folder / IMAGES) if e.name.endswith(".jpg") and e.is_file())
    if not names:
        raise DatasetNotFound(f"{folder / IMAGES} holds no .jpg files; put the CelebA faces (000001.jpg ...) there")
    return names


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise CorruptDataFile(f"{path} is not a readable text file: {e}") from e


def _read_attributes(path: Path, wanted: set[str]) -> tuple[list[str], dict[str, str]]:
    """Attribute names and, for the wanted files, the values as text; checks every row."""
    lines = _lines(path)
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise CorruptDataFile(f"{path}, line 1: expected the number of images, then the attribute names on line 2")
    names = lines[1].split()
    row = re.compile(r"(\S+)((?:[ \t]+-?1){%d})[ \t]*" % len(names))
    found, count = {}, 0
    for number, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        count += 1
        match = row.fullmatch(line)
        if match is None:
            values = line.split()[1:]
            problem = (f"{len(values)} values, the header names {len(names)} attributes" if len(values) != len(names)
                       else f"values must be 1 or -1, got {sorted(set(values) - {'1', '-1'})}")
            raise CorruptDataFile(f"{path}, line {number}: {problem}")
        if match[1] in wanted:
            found[match[1]] = match[2]
    if count != int(lines[0]):
        raise CorruptDataFile(f"{path}, line 1: says {int(lines[0])} images, the file lists {count}")
    return names, found


def _read_partition(path: Path, wanted: set[str]) -> dict[str, int]:
    row = re.compile(r"(\S+)[ \t]+([012])[ \t]*")
    found = {}
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        match = row.fullmatch(line)
        if match is None:
            raise CorruptDataFile(f"{path}, line {number}: expected `filename 0|1|2`, got {line[:60]!r}")
        if match[1] in wanted:
            found[match[1]] = int(match[2])
    return found


def _annotations(folder: Path, split: str | None) -> Annotations:
    filenames = _present(folder)
    wanted = set(filenames)
    names, attributes = _read_attributes(folder / ATTRIBUTES, wanted)
    partition = _read_partition(folder / PARTITION, wanted)
    for table, source in ((attributes, ATTRIBUTES), (partition, PARTITION)):
        missing = [f for f in filenames if f not in table]
        if missing:
            raise CorruptDataFile(f"{folder / source} has no row for {len(missing)} image(s) in {folder / IMAGES}, "
                                  f"e.g. {missing[0]}; is it the official file?")
    parts = np.array([partition[f] for f in filenames], dtype=np.int8)
    if split is not None:
        filenames = [f for f, p in zip(filenames, parts) if p == SPLITS[split]]
        parts = parts[parts == SPLITS[split]]
    values = np.array([attributes[f].split() for f in filenames], dtype=np.int8).reshape(len(filenames), len(names))
    return Annotations(values, names, parts, filenames)


def _check(split, size=1, limit=None) -> None:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)} or None, got {split!r}")
    if int(size) < 1 or (limit is not None and int(limit) < 0):
        raise ValueError(f"size must be positive and limit non-negative, got size={size}, limit={limit}")


def read_annotations(path=None, split: str | None = None) -> Annotations:
    """Attributes and partition of the present images, without decoding any.

    Looks in `path`, then $LATENT_LAB_DATA (`<root>/celeba/`), like `load_celeba`.
    """
    _check(split)
    folder, tried = _find(path)
    if folder is None:
        raise DatasetNotFound(not_found_message(NAME, EXPECTED, tried, None))
    return _annotations(folder, split)


def face(image: Image.Image, size: int) -> np.ndarray:
    """The (0, 20, 178, 198) crop of an aligned face, resized to (size, size, 3) uint8.

    For JPEGs, `draft` has the decoder scale down by up to 8 first, which makes
    small sizes several times faster to decode.
    """
    drafted = image.draft("RGB", (size, -(-size * FULL_SIZE[1] // FULL_SIZE[0])))
    scale = drafted[1][2] / FULL_SIZE[0] if drafted else 1.0
    box = tuple(c * scale for c in CROP)
    return np.asarray(image.convert("RGB").resize((size, size), Image.Resampling.LANCZOS, box=box))


def _decode(path: Path, size: int) -> np.ndarray:
    try:
        with Image.open(path) as image:
            if image.size == FULL_SIZE:
                return face(image, size)
            found = image.size
    except (OSError, SyntaxError, ValueError) as e:  # Pillow: UnidentifiedImageError, "image file is truncated" ...
        raise CorruptDataFile(f"{path} is not a readable JPEG: {e}") from e
    raise CorruptDataFile(f"{path} is {found[0]}x{found[1]}; aligned CelebA faces are 178x218")


def _decode_all(paths: list[Path], size: int) -> np.ndarray:
    """Decode in threads: Pillow releases the GIL while decoding and resizing."""
    images = np.empty((len(paths), size, size, 3), np.uint8)
    pool = ThreadPoolExecutor(min(8, os.cpu_count() or 1))
    try:
        for i, image in enumerate(pool.map(partial(_decode, size=size), paths)):
            images[i] = image
    finally:
        pool.shutdown(cancel_futures=True)  # a corrupt file stops the rest
    return images


def _download(size: int, split: str | None, limit: int | None) -> CelebA:
    """celeb_a through tensorflow-datasets, when installed; its records carry no filenames."""
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise RuntimeError(NO_TFDS) from None
    images, attributes, partition = [], [], []
    for name in [split] if split else list(SPLITS):
        records = tfds.load("celeb_a", split={"val": "validation"}.get(name, name))
        for record in tfds.as_numpy(records):
            if limit is not None and len(images) >= limit:
                break
            images.append(face(Image.fromarray(record["image"]), size))
            attributes.append(record["attributes"])
            partition.append(SPLITS[name])
    names = list(attributes[0]) if attributes else []
    values = np.array([[1 if a[n] else -1 for n in names] for a in attributes], np.int8).reshape(-1, len(names))
    return CelebA(attributes=values, attribute_names=names, partition=np.array(partition, np.int8),
                  filenames=[""] * len(images), images=np.array(images, np.uint8).reshape(-1, size, size, 3))


def cache_dir() -> Path:
    """$LATENT_LAB_CACHE, else ~/.cache/latent-lab: outside the repository, since the arrays are the faces."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "latent-lab"


def cache_path(folder: Path, filenames: list[str], size: int, split: str | None) -> Path:
    """Where the decoded faces of these files live: the key changes when any file is added, removed or changed."""
    h = hashlib.sha256(f"{Path(folder).resolve()}|{size}|{split}".encode())
    for name in filenames:
        st = os.stat(folder / IMAGES / name)
        h.update(f"|{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return cache_dir() / f"celeba-{size}px-{split or 'all'}-{h.hexdigest()[:20]}.npy"


def _cached_decode(folder: Path, filenames: list[str], size: int, split: str | None) -> np.ndarray:
    """Decoded faces from the cache when it holds exactly these files, else decoded now and cached.

    A cache that cannot be read or written is skipped: it only saves time.
    """
    path = cache_path(folder, filenames, size, split)
    try:
        images = np.load(path, allow_pickle=False)
        if images.shape == (len(filenames), size, size, 3) and images.dtype == np.uint8:
            return images
    except (OSError, ValueError, EOFError):
        pass
    images = _decode_all([folder / IMAGES / f for f in filenames], size)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            tmp = f.name
            np.save(f, images)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return images


def load_celeba(path=None, download: bool = True, size: int = 64, split: str | None = None,
                limit: int | None = None, cache: bool = True) -> CelebA:
    """CelebA faces cropped to (0, 20, 178, 198) and resized to `size`, with their attributes.

    Looks in `path`, then $LATENT_LAB_DATA (`<root>/celeba/`); either may name the
    root or the celeba folder. Offline copies are usually a subset, so only the
    images present are used. `split` is "train", "val" or "test" (official
    partition); `limit` keeps the first images in filename order, for quick previews.
    Without a local copy and with `download`, tries tensorflow-datasets' celeb_a.
    `cache` keeps whole-split loads (no `limit`) in `cache_dir()`.
    """
    _check(split, size, limit)
    size = int(size)
    folder, tried = _find(path)
    if folder is None:
        error = None
        if download:
            try:
                return _download(size, split, limit)
            except Exception as e:  # offline machines fail in many ways (URLError, socket, SSL)
                error = str(e) if str(e) == NO_TFDS else f"{type(e).__name__}: {e}"
        raise DatasetNotFound(not_found_message(NAME, EXPECTED, tried, error))
    ann = _annotations(folder, split)
    keep = slice(None if limit is None else int(limit))
    filenames = ann.filenames[keep]
    if cache and limit is None and filenames:
        images = _cached_decode(folder, filenames, size, split)
    else:
        images = _decode_all([folder / IMAGES / f for f in filenames], size)
    return CelebA(attributes=ann.attributes[keep], attribute_names=ann.attribute_names, partition=ann.partition[keep],
                  filenames=filenames, images=images)
