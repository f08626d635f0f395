"""Fashion-MNIST: the four IDX files as Keras caches them, or an npz in Keras layout."""
from __future__ import annotations

from pathlib import Path

from .grayscale import Arrays, load_grayscale

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _download() -> Arrays:
    import keras
    return keras.datasets.fashion_mnist.load_data()


def load_fashion_mnist(path=None, download: bool = True) -> Arrays:
    """((x_train, y_train), (x_test, y_test)) as uint8, images (N, 28, 28).

    Looks in `path`, $LATENT_LAB_DATA (`<root>/fashion-mnist/`), Keras' cache,
    Debian's `dataset-fashion-mnist` package, then the Keras downloader.
    """
    return load_grayscale(
        "fashion-mnist", "fashion-mnist.npz", path,
        caches=[Path.home() / ".keras" / "datasets" / "fashion-mnist",
                Path("/usr/share/datasets/fashion-mnist")],
        download=_download if download else None,
        expected="train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and\n"
                 "t10k-labels-idx1-ubyte.gz as <data>/fashion-mnist/",
    )
