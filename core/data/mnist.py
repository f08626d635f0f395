"""MNIST digits: `mnist.npz` (Keras layout) or the four IDX files."""
from __future__ import annotations

from pathlib import Path

from .grayscale import Arrays, load_grayscale

CLASS_NAMES = [str(i) for i in range(10)]


def _download() -> Arrays:
    import keras  # only when no local copy exists
    return keras.datasets.mnist.load_data()


def load_mnist(path=None, download: bool = True) -> Arrays:
    """((x_train, y_train), (x_test, y_test)) as uint8, images (N, 28, 28).

    Looks in `path`, then $LATENT_LAB_DATA (`<root>/mnist/`), then Keras' cache
    `~/.keras/datasets`, then downloads through Keras when online.
    """
    return load_grayscale(
        "mnist", "mnist.npz", path,
        caches=[Path.home() / ".keras" / "datasets"],
        download=_download if download else None,
        expected="mnist.npz (Keras layout) or the four MNIST IDX files (train-images-idx3-ubyte.gz, ...)\n"
                 "as <data>/mnist/mnist.npz",
    )


def describe(n_train: int, n_test: int) -> str:
    """What a model card says about the digits it saw; the shared 13,000-digit subset is named as such."""
    if (n_train, n_test) == (13000, 2000):
        return ("13,000-digit subset of MNIST (5,000 official training digits, 500 a class, plus the first 8,000 "
                "official test digits); the last 2,000 official test digits are held out for evaluation")
    return f"MNIST with {n_train:,} training and {n_test:,} held-out digits"
