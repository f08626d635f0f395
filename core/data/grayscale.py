"""Shared reader for 28x28 grayscale sets (MNIST, Fashion-MNIST) in their two standard layouts.

Layouts: a Keras `*.npz` with keys x_train/y_train/x_test/y_test, or the four
IDX files (`train-images-idx3-ubyte[.gz]` ...). Returns Keras' tuple shape.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Callable

import numpy as np

from .idx import CorruptDataFile, read_idx
from .locate import DatasetNotFound, candidates, not_found_message

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
_IDX = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz(path: Path) -> Arrays:
    try:
        with np.load(path, allow_pickle=False) as d:
            missing = [k for k in _KEYS if k not in d.files]
            if missing:
                raise CorruptDataFile(f"{path} lacks the arrays {missing}; expected keys {list(_KEYS)}")
            arrays = [d[k] for k in _KEYS]
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as e:  # zlib: damaged compressed member
        if isinstance(e, CorruptDataFile):
            raise
        raise CorruptDataFile(f"{path} is not a readable .npz file: {e}") from e
    return _checked(path, *arrays)


def read_idx_folder(folder: Path) -> Arrays | None:
    files = []
    for stem in _IDX:
        hit = next((folder / (stem + ext) for ext in (".gz", "") if (folder / (stem + ext)).is_file()), None)
        if hit is None:
            return None
        files.append(hit)
    return _checked(folder, *(read_idx(f) for f in files))


def _checked(where: Path, x_train, y_train, x_test, y_test) -> Arrays:
    for x, y, split in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise CorruptDataFile(f"{where}: {split} images have shape {x.shape}, labels {y.shape}; expected (N, 28, 28) and (N,)")
    return (x_train.astype(np.uint8), y_train.astype(np.uint8)), (x_test.astype(np.uint8), y_test.astype(np.uint8))


def load_grayscale(name: str, npz_name: str | None, path, caches: list[Path],
                   download: Callable[[], Arrays] | None, expected: str) -> Arrays:
    """Search `path`/$LATENT_LAB_DATA/caches for either layout, then try `download`."""
    tried = candidates(name, path, caches)
    for folder in tried:
        if npz_name and (folder / npz_name).is_file():
            return read_npz(folder / npz_name)
        if folder.is_file() and folder.suffix == ".npz":
            return read_npz(folder)
        if folder.is_dir() and (arrays := read_idx_folder(folder)) is not None:
            return arrays
    error = None
    if download is not None:
        try:
            return download()
        except Exception as e:  # offline machines fail in many ways (URLError, socket, SSL)
            error = f"{type(e).__name__}: {e}"
    raise DatasetNotFound(not_found_message(name, expected, tried, error))
