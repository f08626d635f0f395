"""core.data: both on-disk layouts, every way of giving the path, corrupt files and the not-found message.

All files are tiny arrays the tests write into tmp_path. `no_home_cache` points
Path.home() at an empty folder and clears $LATENT_LAB_DATA, and loaders are
called with download=False (or a failing downloader), so nothing here depends
on the user's ~/.keras cache or the network.
"""
import gzip
import zipfile

import numpy as np
import pytest

from core.data import (ENV_VAR, LOADERS, CorruptDataFile, DatasetNotFound, load_dataset, load_fashion_mnist,
                       load_mnist)
from core.data.idx import read_idx

pytestmark = pytest.mark.usefixtures("no_home_cache")


def assert_same(got, want):
    (gx, gy), (tx, ty) = got
    (wx, wy), (ux, uy) = want
    for a, b in ((gx, wx), (gy, wy), (tx, ux), (ty, uy)):
        assert a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ IDX reader

@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_read_idx_plain_and_gz(tmp_path, make_data, name):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(read_idx(make_data.write_idx(tmp_path / name, a)), a)


def test_read_idx_big_endian_int32(tmp_path):
    # dtype code 0x0C: big-endian int32, returned in native byte order
    a = np.array([1, -2, 70000], dtype=">i4")
    (tmp_path / "x").write_bytes(bytes([0, 0, 0x0C, 1]) + (3).to_bytes(4, "big") + a.tobytes())
    out = read_idx(tmp_path / "x")
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, [1, -2, 70000])


# ------------------------------------------------------------------ layouts and paths

def test_mnist_npz_by_path_to_file_folder_and_root(tmp_path, make_data):
    arrays = make_data.tiny_arrays()
    npz = make_data.write_npz(tmp_path / "data" / "mnist" / "mnist.npz", arrays)
    assert_same(load_mnist(npz.parent, download=False), arrays)            # the data set's own folder
    assert_same(load_mnist(tmp_path / "data", download=False), arrays)     # the root holding mnist/
    assert_same(load_mnist(str(npz), download=False), arrays)              # the file itself


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_files(tmp_path, make_data, gz):
    arrays = make_data.tiny_arrays(seed=1)
    make_data.write_idx_set(tmp_path / "mnist", arrays, gz=gz)
    assert_same(load_mnist(tmp_path, download=False), arrays)
    assert_same(load_mnist(tmp_path / "mnist", download=False), arrays)


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_idx_files(tmp_path, make_data, gz):
    arrays = make_data.tiny_arrays(n_train=9, n_test=4, seed=2)
    make_data.write_idx_set(tmp_path / "fashion-mnist", arrays, gz=gz)
    assert_same(load_fashion_mnist(tmp_path, download=False), arrays)
    assert_same(load_fashion_mnist(tmp_path / "fashion-mnist", download=False), arrays)


def test_fashion_mnist_npz(tmp_path, make_data):
    arrays = make_data.tiny_arrays(seed=3)
    make_data.write_npz(tmp_path / "fashion-mnist" / "fashion-mnist.npz", arrays)
    assert_same(load_fashion_mnist(tmp_path, download=False), arrays)


def test_env_var_names_the_root(tmp_path, make_data, monkeypatch):
    mnist, fashion = make_data.tiny_arrays(seed=4), make_data.tiny_arrays(seed=5)
    make_data.write_npz(tmp_path / "mnist" / "mnist.npz", mnist)
    make_data.write_idx_set(tmp_path / "fashion-mnist", fashion)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert_same(load_mnist(download=False), mnist)
    assert_same(load_fashion_mnist(download=False), fashion)
    assert_same(load_dataset("mnist", download=False), mnist)
    assert_same(load_dataset("fashion-mnist", download=False), fashion)


def test_env_var_names_the_data_set_folder(tmp_path, make_data, monkeypatch):
    arrays = make_data.tiny_arrays(seed=6)
    make_data.write_npz(tmp_path / "somewhere" / "mnist.npz", arrays)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "somewhere"))
    assert_same(load_mnist(download=False), arrays)


def test_argument_wins_over_env_var(tmp_path, make_data, monkeypatch):
    env_arrays, arg_arrays = make_data.tiny_arrays(seed=7), make_data.tiny_arrays(seed=8)
    make_data.write_npz(tmp_path / "env" / "mnist" / "mnist.npz", env_arrays)
    make_data.write_npz(tmp_path / "arg" / "mnist" / "mnist.npz", arg_arrays)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert_same(load_mnist(tmp_path / "arg", download=False), arg_arrays)


def test_keras_cache_is_used_when_nothing_else_is_given(no_home_cache, make_data):
    arrays = make_data.tiny_arrays(seed=9)
    make_data.write_npz(no_home_cache / ".keras" / "datasets" / "mnist.npz", arrays)
    assert_same(load_mnist(download=False), arrays)


def test_unknown_data_set_name():
    with pytest.raises(KeyError, match="mnist"):
        load_dataset("cifar-11")
    assert set(LOADERS) == {"mnist", "fashion-mnist", "celeba"}


# ------------------------------------------------------------------ corrupt files

def _idx_set_with(tmp_path, make_data, damaged_name, damage):
    """A valid gzipped IDX set in tmp_path/mnist with one file replaced by `damage(bytes) -> bytes`."""
    folder = make_data.write_idx_set(tmp_path / "mnist", make_data.tiny_arrays(), gz=damaged_name.endswith(".gz"))
    path = folder / damaged_name
    path.write_bytes(damage(path.read_bytes()))
    return path


def _gz(raw: bytes) -> bytes:
    return gzip.compress(raw)


CORRUPTIONS = {
    "truncated data": ("t10k-images-idx3-ubyte.gz", lambda b: _gz(gzip.decompress(b)[:-10]), "data bytes"),
    "truncated header": ("train-labels-idx1-ubyte.gz", lambda b: _gz(gzip.decompress(b)[:6]), "truncated"),
    "wrong magic": ("train-images-idx3-ubyte.gz", lambda b: _gz(b"\x12\x34" + gzip.decompress(b)[2:]), "IDX header"),
    "unknown dtype code": ("train-images-idx3-ubyte", lambda b: b[:2] + b"\x42" + b[3:], "IDX header"),
    "not gzip at all": ("t10k-labels-idx1-ubyte.gz", lambda b: b"this is not gzip data", "not a readable IDX"),
    "cut-off gzip stream": ("train-images-idx3-ubyte.gz", lambda b: b[: len(b) // 2], "not a readable IDX"),
    "empty file": ("t10k-images-idx3-ubyte", lambda b: b"", "IDX header"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupt_idx_file_names_the_file(tmp_path, make_data, case):
    name, damage, words = CORRUPTIONS[case]
    path = _idx_set_with(tmp_path, make_data, name, damage)
    with pytest.raises(CorruptDataFile) as err:
        load_mnist(tmp_path, download=False)
    assert str(path) in str(err.value)
    assert words in str(err.value)


def test_idx_images_of_the_wrong_shape(tmp_path, make_data):
    arrays = make_data.tiny_arrays()
    (x, y), test = arrays
    make_data.write_idx_set(tmp_path / "mnist", ((x[:, :20, :20], y), test))
    with pytest.raises(CorruptDataFile, match=r"expected \(N, 28, 28\)") as err:
        load_mnist(tmp_path, download=False)
    assert str(tmp_path / "mnist") in str(err.value)


def test_idx_label_count_mismatch(tmp_path, make_data):
    (x, y), test = make_data.tiny_arrays()
    make_data.write_idx_set(tmp_path / "mnist", ((x, y[:-1]), test))
    with pytest.raises(CorruptDataFile, match="train"):
        load_mnist(tmp_path, download=False)


def test_npz_missing_keys(tmp_path):
    path = tmp_path / "mnist" / "mnist.npz"
    path.parent.mkdir()
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8))
    with pytest.raises(CorruptDataFile) as err:
        load_mnist(tmp_path, download=False)
    assert str(path) in str(err.value)
    assert "x_test" in str(err.value) and "y_test" in str(err.value)


@pytest.mark.parametrize("content", [b"definitely not a zip file", b"PK\x03\x04 truncated zip", b""])
def test_npz_that_is_not_a_zip(tmp_path, content):
    path = tmp_path / "mnist" / "mnist.npz"
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(CorruptDataFile) as err:
        load_mnist(tmp_path, download=False)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_with_a_damaged_member(tmp_path, make_data, compressed):
    import struct
    path = tmp_path / "mnist" / "mnist.npz"
    path.parent.mkdir()
    (x, y), (xt, yt) = make_data.tiny_arrays()
    (np.savez_compressed if compressed else np.savez)(path, x_train=x, y_train=y, x_test=xt, y_test=yt)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        offset = z.getinfo("x_train.npy").header_offset
    name_len, extra_len = struct.unpack("<HH", raw[offset + 26: offset + 30])
    start = offset + 30 + name_len + extra_len  # first byte of x_train's stored or deflated data
    raw[start:start + 8] = bytes(255 - b for b in raw[start:start + 8])
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptDataFile) as err:
        load_mnist(tmp_path, download=False)
    assert str(path) in str(err.value)


def test_npz_with_wrong_image_shape(tmp_path, make_data):
    (x, y), (xt, yt) = make_data.tiny_arrays()
    path = make_data.write_npz(tmp_path / "mnist.npz", ((x.reshape(len(x), -1), y), (xt, yt)))
    with pytest.raises(CorruptDataFile, match=r"\(N, 28, 28\)") as err:
        load_mnist(path, download=False)
    assert str(path) in str(err.value)


# ------------------------------------------------------------------ nothing found

def test_missing_mnist_says_what_to_put_where(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetNotFound) as err:
        load_mnist(empty, download=False)
    msg = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    assert "mnist.npz" in msg and "mnist/" in msg and "IDX" in msg
    assert ENV_VAR in msg
    assert str(empty / "mnist") in msg and str(empty) in msg  # where it looked
    assert "download" not in msg.lower().split("searched")[-1]  # no download was attempted


def test_missing_data_with_env_var_unset_and_no_path():
    with pytest.raises(DatasetNotFound, match=ENV_VAR):
        load_mnist(download=False)


def test_missing_fashion_mnist_names_the_idx_files(tmp_path):
    from pathlib import Path
    if Path("/usr/share/datasets/fashion-mnist").is_dir():
        pytest.skip("Debian's dataset-fashion-mnist package is installed, so Fashion-MNIST is never missing here")
    with pytest.raises(DatasetNotFound) as err:
        load_fashion_mnist(tmp_path, download=False)
    msg = str(err.value)
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "fashion-mnist/", ENV_VAR):
        assert name in msg


def test_failed_download_is_reported(tmp_path, monkeypatch):
    from urllib.error import URLError

    import core.data.mnist as mnist_module

    def offline():
        raise URLError("no network in tests")

    monkeypatch.setattr(mnist_module, "_download", offline)
    with pytest.raises(DatasetNotFound) as err:
        load_mnist(tmp_path, download=True)
    assert "download also failed" in str(err.value) and "no network in tests" in str(err.value)
    assert ENV_VAR in str(err.value)


def test_download_is_the_last_resort(tmp_path, make_data, monkeypatch):
    import core.data.mnist as mnist_module
    calls = []
    monkeypatch.setattr(mnist_module, "_download", lambda: calls.append(1) or make_data.tiny_arrays(seed=11))
    arrays = make_data.tiny_arrays(seed=10)
    make_data.write_npz(tmp_path / "mnist.npz", arrays)
    assert_same(load_mnist(tmp_path), arrays)
    assert calls == []
    assert_same(load_mnist(tmp_path / "nothing-here"), make_data.tiny_arrays(seed=11))
    assert calls == [1]


# ------------------------------------------------------------------ the real data

@pytest.mark.requires_data
def test_real_mnist_shapes(data_dir):
    (x, y), (xt, yt) = load_mnist(data_dir, download=False)
    assert x.shape == (13000, 28, 28) and y.shape == (13000,)
    assert xt.shape == (2000, 28, 28) and yt.shape == (2000,)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    assert set(np.unique(y)) == set(range(10)) and y.max() <= 9
    assert x.max() == 255


@pytest.mark.requires_data
def test_real_fashion_mnist_shapes(data_dir):
    (x, y), (xt, yt) = load_fashion_mnist(data_dir, download=False)
    assert x.shape == (60000, 28, 28) and y.shape == (60000,)
    assert xt.shape == (10000, 28, 28) and yt.shape == (10000,)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10


@pytest.mark.requires_data
def test_real_data_through_the_env_var(data_dir, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(data_dir))
    (x, _), (xt, _) = load_dataset("mnist", download=False)
    assert (len(x), len(xt)) == (13000, 2000)
