"""A user's folder of pictures (PNG, JPEG or WebP, any sizes) as the uint8 array a model trains or is measured on.

Each picture is centre-cropped to a square and resized to the model's side; grey or colour as the caller asks,
or, when it does not say, as the pictures are (then a folder mixing grey and colour is refused: a model is one or
the other). Labels come from a CSV with a `file` column (paths relative to the folder) and either a `label`
column (class names or numbers) or one 0/1 (or -1/1) column per attribute. Everything that is wrong gets a
FolderError saying which file and what to do, before anything is trained or written.
"""
from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

EXTENSIONS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
MIN_IMAGES = 20          # fewer cannot be split into pictures to learn from and pictures to measure on
MAX_PIXELS = 25_000_000  # as uploads (core.data.uploads): a 6000 x 4000 photo; more is a poster scan or a bomb
SHOWN = 5                # file names quoted in a message, at most


class FolderError(ValueError):
    """A picture folder or labels file that cannot be used; the message names the files and the fix."""


@dataclass
class Pictures:
    images: np.ndarray                    # (N, S, S) grey or (N, S, S, 3) colour, uint8
    files: list[str]                      # relative paths, in the order of `images`
    labels: np.ndarray | None = None      # (N,) class indices, when the labels file has a `label` column
    class_names: list[str] | None = None
    attributes: np.ndarray | None = None  # (N, A) of 0/1, when it has attribute columns instead
    attribute_names: list[str] = field(default_factory=list)

    @property
    def colour(self) -> bool:
        return self.images.ndim == 4


def _quoted(names) -> str:
    names = list(names)
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def list_pictures(folder: Path) -> list[Path]:
    """The picture files under `folder` (sorted); other files are refused by name, so none is silently skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FolderError(f"{folder} is not a folder; pass the folder that holds your PNG, JPEG or WebP pictures")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    pictures = [p for p in files if p.suffix.lower() in EXTENSIONS]
    others = [str(p.relative_to(folder)) for p in files if p.suffix.lower() not in {*EXTENSIONS, ".csv"}]
    if others:
        raise FolderError(f"{folder} holds {len(others)} file(s) that are not PNG, JPEG or WebP pictures: "
                          f"{_quoted(others)}; move them out of the folder")
    if len(pictures) < MIN_IMAGES:
        raise FolderError(f"{folder} holds {len(pictures)} picture(s); at least {MIN_IMAGES} are needed "
                          f"(some to learn from, some held out to measure on)")
    return pictures


def _open(path: Path, folder: Path) -> Image.Image:
    """One picture decoded whole, upright, as "L" or "RGB" (transparency onto white)."""
    name = path.relative_to(folder)
    try:
        with warnings.catch_warnings():  # Pillow's decompression-bomb guard, as an error past MAX_PIXELS
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=tuple(set(EXTENSIONS.values()))) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise FolderError(f"{name} is {img.width} x {img.height} pixels, more than the "
                                      f"{MAX_PIXELS / 1e6:g} megapixels accepted; resize it or remove it")
                img.load()  # a truncated file fails here
                img = ImageOps.exif_transpose(img)
    except FolderError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise FolderError(f"{name} is too large to decode safely ({e}); resize it or remove it") from e
    except Image.UnidentifiedImageError as e:
        raise FolderError(f"{name} is not a picture Pillow can read, whatever its name says; "
                          f"save it again as PNG or JPEG or remove it") from e
    except (OSError, SyntaxError, ValueError) as e:  # truncated or damaged data
        raise FolderError(f"{name} is damaged or incomplete ({e}); save it again or remove it") from e
    if img.mode in ("RGBA", "LA", "PA", "P") and ("transparency" in img.info or img.mode != "P"):
        back = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(back, img.convert("RGBA"))
        return img.convert("L" if img.mode == "LA" else "RGB")
    return img.convert("L" if img.mode in ("1", "L", "I", "I;16", "F") else "RGB")


def _is_grey(img: Image.Image) -> bool:
    """An "L" picture, or an RGB one whose three channels are equal (grey saved as colour)."""
    if img.mode == "L":
        return True
    r, g, b = (np.asarray(c, np.int16) for c in img.split())
    return bool(np.abs(r - g).max() <= 2 and np.abs(g - b).max() <= 2)


def _square(img: Image.Image, side: int) -> np.ndarray:
    """Centre-crop to the largest square, then resize to side x side."""
    return np.asarray(ImageOps.fit(img, (side, side), Image.Resampling.LANCZOS, centering=(0.5, 0.5)))


def read_folder(folder, side: int, colour: bool | None = None, labels_csv=None) -> Pictures:
    """Every picture of `folder` as (N, side, side[, 3]) uint8; `colour` None: as the pictures are."""
    folder = Path(folder)
    paths = list_pictures(folder)
    opened = [_open(p, folder) for p in paths]
    grey = [_is_grey(img) for img in opened]
    if colour is None:
        if any(grey) and not all(grey):
            greys = [str(p.relative_to(folder)) for p, g in zip(paths, grey) if g]
            colours = [str(p.relative_to(folder)) for p, g in zip(paths, grey) if not g]
            raise FolderError(f"{folder} mixes grey pictures ({len(greys)}: {_quoted(greys)}) and colour ones "
                              f"({len(colours)}: {_quoted(colours)}); a model is one or the other: convert them "
                              f"all to one, or keep them in two folders")
        colour = not all(grey)
    images = np.stack([_square(img.convert("RGB" if colour else "L"), side) for img in opened])
    files = [p.relative_to(folder).as_posix() for p in paths]
    pictures = Pictures(images, files)
    if labels_csv is not None:
        _read_labels(Path(labels_csv), pictures)
    return pictures


def _read_labels(path: Path, pictures: Pictures) -> None:
    """Fill `pictures`' labels (a `label` column) or attributes (0/1 or -1/1 columns) from a CSV."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise FolderError(f"the labels file {path} cannot be read ({e})") from e
    columns = list(rows[0]) if rows else []
    if "file" not in columns:
        raise FolderError(f"{path} has no `file` column (its columns: {', '.join(columns) or 'none'}); the first "
                          f"row must name a `file` column (each picture's path in the folder) and a `label` column "
                          f"or one 0/1 column per attribute")
    by_file = {row["file"].strip(): row for row in rows}
    missing = [f for f in by_file if f not in set(pictures.files)]
    if missing:
        raise FolderError(f"{path} names {len(missing)} picture(s) that are not in the folder: {_quoted(missing)}")
    unlabelled = [f for f in pictures.files if f not in by_file]
    if unlabelled:
        raise FolderError(f"{path} gives no label for {len(unlabelled)} picture(s): {_quoted(unlabelled)}")
    ordered = [by_file[f] for f in pictures.files]
    if "label" in columns:
        values = [row["label"].strip() for row in ordered]
        if any(not v for v in values):
            raise FolderError(f"{path} leaves the `label` of some pictures empty: "
                              f"{_quoted(f for f, v in zip(pictures.files, values) if not v)}")
        names = sorted(set(values), key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit()
                                                   else 0, v))
        pictures.class_names = names
        pictures.labels = np.array([names.index(v) for v in values], np.int64)
        return
    attributes = [c for c in columns if c != "file"]
    if not attributes:
        raise FolderError(f"{path} has a `file` column but no `label` column and no attribute columns")
    table = np.array([[row[c].strip() for c in attributes] for row in ordered])
    bad = sorted(set(table.ravel()) - {"0", "1", "-1"})
    if bad:
        raise FolderError(f"{path} has no `label` column, so its other columns ({_quoted(attributes)}) are read "
                          f"as attributes, which must be 0/1 or -1/1; it also holds {_quoted(bad)}")
    pictures.attributes = (table == "1").astype(np.uint8)
    pictures.attribute_names = attributes
