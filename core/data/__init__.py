"""Data-set loaders. Each takes a path (or $LATENT_LAB_DATA) and fails with a message saying what to put where."""
from .celeba import load_celeba
from .fashion_mnist import load_fashion_mnist
from .idx import CorruptDataFile
from .locate import ENV_VAR, DatasetNotFound
from .mnist import load_mnist

LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist, "celeba": load_celeba}


def load_dataset(name: str, path=None, download: bool = True):
    """Dispatch by data-set name, as recipes and model cards name them."""
    if name not in LOADERS:
        raise KeyError(f"unknown data set {name!r}; known: {sorted(LOADERS)}")
    return LOADERS[name](path, download=download)


__all__ = ["load_mnist", "load_fashion_mnist", "load_celeba", "load_dataset", "DatasetNotFound", "CorruptDataFile",
           "ENV_VAR", "LOADERS"]
