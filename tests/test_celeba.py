"""core.data.celeba: the official layout, only present images, splits, limits, lookup, damaged files, the fallback.

Offline tests build a tiny CelebA folder in tmp_path: generated 178x218 JPEGs
and annotation files in the official format (CRLF, padded values) that also
list images which are absent, as the real files do. `no_home_cache` clears
$LATENT_LAB_DATA. Real-data tests skip unless $LATENT_LAB_DATA is set.
"""
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import core.data.celeba as celeba
from core.data import ENV_VAR, CorruptDataFile, DatasetNotFound, load_celeba, load_dataset
from core.data.celeba import read_annotations

pytestmark = pytest.mark.usefixtures("no_home_cache")

NAMES = ("5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
         "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
         "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
         "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
         "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()
ALL = [f"{i:06d}.jpg" for i in range(1, 9)]
PRESENT = ["000002.jpg", "000003.jpg", "000005.jpg", "000007.jpg", "000008.jpg"]
PARTITION = dict(zip(ALL, [0, 0, 0, 0, 1, 1, 2, 2]))
VALUES = dict(zip(ALL, np.where(np.random.default_rng(0).random((8, 40)) < 0.5, -1, 1).astype(np.int8)))


def green(name: str) -> int:
    """Each face is green inside the crop box, at a level that tells the images apart."""
    return 60 + 20 * ALL.index(name)


def write_face(path, level: int, size=(178, 218)):
    """Red outside the (0, 20, 178, 198) crop box, green inside it."""
    a = np.zeros((size[1], size[0], 3), np.uint8)
    a[:, :, 0] = 255
    a[20:198] = (0, level, 0)
    Image.fromarray(a).save(path, quality=95)


def make_celeba(root, attr_lines=None, partition_lines=None):
    """A tiny official-layout CelebA folder at root/celeba; the annotation files list absent images too."""
    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    for name in PRESENT:
        write_face(folder / "img_align_celeba" / name, green(name))
    for name, lines in (("list_attr_celeba.txt", attr_lines or official_attr_lines()),
                        ("list_eval_partition.txt", partition_lines or official_partition_lines())):
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return folder


def official_attr_lines():
    """Count, names, then `000001.jpg -1  1 ...` as in the official file."""
    return [str(len(ALL)), " ".join(NAMES)] + [f"{n} " + " ".join(f"{v:2d}" for v in VALUES[n]) for n in ALL]


def official_partition_lines():
    return [f"{name} {PARTITION[name]}" for name in ALL]


# ------------------------------------------------------------------ what comes back

def test_shapes_dtypes_and_only_the_present_images(tmp_path):
    make_celeba(tmp_path)
    r = load_celeba(tmp_path, download=False, size=32)
    assert r.filenames == PRESENT and len(r) == 5
    assert r.images.shape == (5, 32, 32, 3) and r.images.dtype == np.uint8
    assert r.attributes.shape == (5, 40) and r.attributes.dtype == np.int8
    assert r.partition.dtype == np.int8 and r.partition.tolist() == [0, 0, 1, 2, 2]
    assert r.attribute_names == NAMES
    np.testing.assert_array_equal(r.attributes, [VALUES[n] for n in PRESENT])


@pytest.mark.parametrize("size", [16, 64, 200])  # JPEG draft scales 1/8, 1/2 and none (upsampling)
def test_crop_box_then_resize(tmp_path, size):
    make_celeba(tmp_path)
    images = load_celeba(tmp_path, download=False, size=size).images.astype(int)
    assert images.shape == (5, size, size, 3)
    inner = images[:, 1:-1, 1:-1]  # the resampling filter may blend the outermost row with the red border
    assert inner[..., 0].max() < 40 and inner[..., 2].max() < 40  # no red from outside the box
    np.testing.assert_allclose(inner[..., 1].mean(axis=(1, 2)), [green(n) for n in PRESENT], atol=4)


def test_face_of_a_decoded_image_matches_the_file_loader(tmp_path):
    path = tmp_path / "face.jpg"
    write_face(path, 120)
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"))
    from_array = celeba.face(Image.fromarray(pixels), 64).astype(int)  # no draft: as the online fallback sees it
    from_file = celeba._decode(path, 64).astype(int)
    assert np.abs(from_array - from_file).mean() < 3


@pytest.mark.parametrize("split, names", [("train", PRESENT[:2]), ("val", PRESENT[2:3]), ("test", PRESENT[3:])])
def test_split_selects_the_official_partition(tmp_path, split, names):
    make_celeba(tmp_path)
    r = load_celeba(tmp_path, download=False, size=8, split=split)
    assert r.filenames == names and len(r.images) == len(names)
    assert set(r.partition.tolist()) == {celeba.SPLITS[split]}
    np.testing.assert_array_equal(r.attributes, [VALUES[n] for n in names])
    assert read_annotations(tmp_path, split=split).filenames == names


def test_bad_arguments(tmp_path):
    make_celeba(tmp_path)
    for kwargs in ({"split": "validation"}, {"size": 0}, {"limit": -1}):
        with pytest.raises(ValueError):
            load_celeba(tmp_path, download=False, **kwargs)


def test_limit_decodes_only_the_first_images(tmp_path):
    folder = make_celeba(tmp_path)
    (folder / "img_align_celeba" / PRESENT[-1]).write_bytes(b"not a jpeg")  # beyond the limit: never opened
    r = load_celeba(tmp_path, download=False, size=8, limit=2)
    assert r.filenames == PRESENT[:2] and r.images.shape == (2, 8, 8, 3)
    assert r.attributes.shape == (2, 40) and r.partition.shape == (2,)
    assert load_celeba(tmp_path, download=False, size=8, split="val", limit=5).filenames == ["000005.jpg"]
    assert load_celeba(tmp_path, download=False, size=8, limit=0).images.shape == (0, 8, 8, 3)


def test_read_annotations_decodes_nothing(tmp_path):
    folder = make_celeba(tmp_path)
    for name in PRESENT:
        (folder / "img_align_celeba" / name).write_bytes(b"")
    a = read_annotations(folder)
    assert a.filenames == PRESENT and a.attribute_names == NAMES
    np.testing.assert_array_equal(a.attributes, [VALUES[n] for n in PRESENT])
    assert a.partition.tolist() == [0, 0, 1, 2, 2]


# ------------------------------------------------------------------ where it looks

def test_path_may_be_the_root_or_the_celeba_folder(tmp_path):
    folder = make_celeba(tmp_path)
    assert load_celeba(folder, download=False, size=8).filenames == PRESENT
    assert load_celeba(str(tmp_path), download=False, size=8).filenames == PRESENT


@pytest.mark.parametrize("point_at", ["root", "celeba folder"])
def test_env_var(tmp_path, monkeypatch, point_at):
    folder = make_celeba(tmp_path)
    monkeypatch.setenv(ENV_VAR, str(tmp_path if point_at == "root" else folder))
    assert load_celeba(download=False, size=8).filenames == PRESENT
    assert read_annotations().filenames == PRESENT
    assert load_dataset("celeba", download=False).images.shape == (5, 64, 64, 3)


def test_argument_wins_over_env_var(tmp_path, monkeypatch):
    make_celeba(tmp_path / "arg")
    (tmp_path / "env").mkdir()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert load_dataset("celeba", tmp_path / "arg", download=False).filenames == PRESENT


# ------------------------------------------------------------------ nothing there

def test_missing_celeba_says_what_to_put_where(tmp_path):
    with pytest.raises(DatasetNotFound) as err:
        load_celeba(tmp_path, download=False)
    msg = str(err.value)
    for text in ("<data>/celeba/img_align_celeba/*.jpg", "<data>/celeba/list_attr_celeba.txt",
                 "<data>/celeba/list_eval_partition.txt", ENV_VAR, str(tmp_path / "celeba")):
        assert text in msg
    assert "download" not in msg.lower().split("searched")[-1]  # no download was attempted


def test_missing_celeba_with_no_path_and_no_env_var():
    with pytest.raises(DatasetNotFound, match=ENV_VAR):
        load_celeba(download=False)
    with pytest.raises(DatasetNotFound, match=ENV_VAR):
        read_annotations()


def test_without_tensorflow_datasets_the_message_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # import raises ImportError
    with pytest.raises(DatasetNotFound) as err:
        load_dataset("celeba", tmp_path, download=True)
    assert "pip install tensorflow-datasets" in str(err.value)
    assert "img_align_celeba/*.jpg" in str(err.value)


@pytest.mark.parametrize("missing", ["list_attr_celeba.txt", "list_eval_partition.txt"])
def test_images_without_an_annotation_file(tmp_path, missing):
    folder = make_celeba(tmp_path)
    (folder / missing).unlink()
    with pytest.raises(DatasetNotFound) as err:
        load_celeba(tmp_path, download=True)  # local faces found: no download attempted
    assert str(folder / missing) in str(err.value)


def test_empty_image_folder(tmp_path):
    folder = make_celeba(tmp_path)
    for name in PRESENT:
        (folder / "img_align_celeba" / name).unlink()
    with pytest.raises(DatasetNotFound, match="no .jpg files"):
        load_celeba(tmp_path, download=False)


# ------------------------------------------------------------------ damaged files

def _with_row(i, row):
    lines = official_attr_lines()
    lines[i] = row
    return lines


ATTR_DAMAGE = {
    "a value missing": (lambda: _with_row(4, official_attr_lines()[4].rsplit(" ", 1)[0]), 5, "39 values"),
    "a value too many": (lambda: _with_row(3, official_attr_lines()[3] + "  1"), 4, "41 values"),
    "a zero": (lambda: _with_row(9, official_attr_lines()[9].replace("-1", " 0", 1)), 10, "1 or -1"),
    "a two": (lambda: _with_row(2, official_attr_lines()[2][:-2] + " 2"), 3, "1 or -1"),
    "count says 9": (lambda: ["9"] + official_attr_lines()[1:], 1, "says 9 images, the file lists 8"),
    "row missing": (lambda: official_attr_lines()[:-1], 1, "the file lists 7"),
    "no count line": (lambda: official_attr_lines()[1:], 1, "number of images"),
}


@pytest.mark.parametrize("case", sorted(ATTR_DAMAGE))
def test_malformed_attribute_file_names_file_and_line(tmp_path, case):
    lines, line, words = ATTR_DAMAGE[case]
    folder = make_celeba(tmp_path, attr_lines=lines())
    with pytest.raises(CorruptDataFile) as err:
        read_annotations(tmp_path)
    msg = str(err.value)
    assert f"{folder / 'list_attr_celeba.txt'}, line {line}:" in msg and words in msg


def test_malformed_partition_file(tmp_path):
    lines = official_partition_lines()
    lines[5] = "000006.jpg 3"
    folder = make_celeba(tmp_path, partition_lines=lines)
    with pytest.raises(CorruptDataFile, match="line 6") as err:
        load_celeba(tmp_path, download=False)
    assert str(folder / "list_eval_partition.txt") in str(err.value)


def test_present_image_without_an_annotation_row(tmp_path):
    _, names, *rows = official_attr_lines()
    folder = make_celeba(tmp_path, attr_lines=[str(len(ALL) - 1), names] + [r for r in rows if "000003" not in r])
    with pytest.raises(CorruptDataFile, match="000003.jpg") as err:
        read_annotations(tmp_path)
    assert str(folder / "list_attr_celeba.txt") in str(err.value)


@pytest.mark.parametrize("damage, words", [
    (lambda raw: raw[: len(raw) // 2], "truncated"),
    (lambda raw: b"", "not a readable JPEG"),
    (lambda raw: b"GIF89a nonsense", "not a readable JPEG"),
])
def test_unreadable_jpeg_names_the_file(tmp_path, damage, words):
    path = make_celeba(tmp_path) / "img_align_celeba" / "000005.jpg"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CorruptDataFile) as err:
        load_celeba(tmp_path, download=False)
    assert str(path) in str(err.value) and words in str(err.value)


def test_image_that_is_not_an_aligned_face(tmp_path):
    path = make_celeba(tmp_path) / "img_align_celeba" / "000007.jpg"
    write_face(path, 100, size=(218, 178))
    with pytest.raises(CorruptDataFile, match="218x178; aligned CelebA faces are 178x218") as err:
        load_celeba(tmp_path, download=False)
    assert str(path) in str(err.value)


# ------------------------------------------------------------------ online fallback

def fake_tfds(monkeypatch, per_split=3, fail=None):
    """A stand-in tensorflow_datasets whose celeb_a splits hold `per_split` records; returns the splits asked for."""
    asked = []

    def load(name, split):
        assert name == "celeb_a"
        if fail:
            raise fail
        asked.append(split)
        level = {"train": 50, "validation": 100, "test": 150}[split]
        face = np.full((218, 178, 3), (0, level, 0), np.uint8)
        return [{"image": face, "attributes": {"Smiling": i % 2 == 0, "Male": False}} for i in range(per_split)]

    monkeypatch.setitem(sys.modules, "tensorflow_datasets", types.SimpleNamespace(load=load, as_numpy=iter))
    return asked


def test_download_through_tensorflow_datasets(tmp_path, monkeypatch):
    asked = fake_tfds(monkeypatch)
    r = load_celeba(tmp_path, size=16)
    assert asked == ["train", "validation", "test"]
    assert r.images.shape == (9, 16, 16, 3) and r.images.dtype == np.uint8
    assert r.partition.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert r.attribute_names == ["Smiling", "Male"] and r.attributes.dtype == np.int8
    assert r.attributes[:3].tolist() == [[1, -1], [-1, -1], [1, -1]]
    assert abs(int(r.images[3, 8, 8, 1]) - 100) <= 2
    small = load_celeba(tmp_path, size=16, split="val", limit=2)
    assert asked[-1] == "validation" and small.partition.tolist() == [1, 1]


def test_download_is_not_tried_when_local_files_exist(tmp_path, monkeypatch):
    asked = fake_tfds(monkeypatch)
    make_celeba(tmp_path)
    assert load_celeba(tmp_path, size=8).filenames == PRESENT
    assert asked == []


def test_failed_download_is_reported(tmp_path, monkeypatch):
    fake_tfds(monkeypatch, fail=ConnectionError("no network in tests"))
    with pytest.raises(DatasetNotFound) as err:
        load_celeba(tmp_path)
    assert "download also failed" in str(err.value) and "no network in tests" in str(err.value)
    assert "list_eval_partition.txt" in str(err.value)


def test_importing_the_loader_imports_neither_tensorflow_nor_streamlit():
    code = ("import sys, core.data.celeba; "
            "print(sorted(m for m in ('tensorflow', 'streamlit', 'tensorflow_datasets', 'keras') if m in sys.modules))")
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ the real data

@pytest.mark.requires_data
def test_real_celeba_preview(data_dir):
    r = load_celeba(data_dir, download=False, size=64, limit=500)
    assert r.images.shape == (500, 64, 64, 3) and r.images.dtype == np.uint8
    assert r.attributes.shape == (500, 40) and set(np.unique(r.attributes)) == {-1, 1}
    assert r.filenames == sorted(r.filenames) and all((data_dir / "celeba" / "img_align_celeba" / f).is_file()
                                                      for f in r.filenames)
    assert set(r.partition.tolist()) <= {0, 1, 2}
    assert len(r.attribute_names) == 40 and "Smiling" in r.attribute_names
    assert 60 < r.images.mean() < 190 and r.images.std() > 30  # photographs, not blank or saturated frames
    assert r.images.std(axis=(1, 2, 3)).min() > 5


@pytest.mark.requires_data
def test_real_celeba_annotations_match_the_readme(data_dir):
    a = read_annotations(data_dir)
    assert len(a) == 20000 and a.attributes.shape == (20000, 40)
    assert np.bincount(a.partition).tolist() == [15979, 2044, 1977]
    count = {name: int((a.attributes[:, a.attribute_names.index(name)] == 1).sum())
             for name in ("Smiling", "Male", "Blond_Hair", "Eyeglasses")}
    assert count == {"Smiling": 9675, "Male": 8332, "Blond_Hair": 2960, "Eyeglasses": 1326}


@pytest.mark.requires_data
def test_real_celeba_split_through_the_env_var(data_dir, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(data_dir))
    val = read_annotations(split="val")
    assert len(val) == 2044 and set(val.partition.tolist()) == {1}


# ------------------------------------------------------------------ the decoded-face cache

def _decodes(monkeypatch):
    """Count calls to the JPEG decoder."""
    calls = []
    real = celeba._decode_all

    def counting(paths, size):
        calls.append(len(paths))
        return real(paths, size)

    monkeypatch.setattr(celeba, "_decode_all", counting)
    return calls


def test_cache_lives_outside_the_repository(no_home_cache, monkeypatch, tmp_path):
    assert celeba.cache_dir() == no_home_cache / ".cache" / "latent-lab"
    monkeypatch.setenv(celeba.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert celeba.cache_dir() == tmp_path / "elsewhere"


def test_second_load_comes_from_the_cache(tmp_path, monkeypatch):
    make_celeba(tmp_path)
    calls = _decodes(monkeypatch)
    first = load_celeba(tmp_path, download=False, size=16, split="train")
    again = load_celeba(tmp_path, download=False, size=16, split="train")
    assert calls == [2]  # decoded once
    np.testing.assert_array_equal(first.images, again.images)
    assert again.images.dtype == np.uint8 and again.filenames == first.filenames
    cached = list(celeba.cache_dir().glob("celeba-16px-train-*.npy"))
    assert len(cached) == 1 and not list(celeba.cache_dir().glob("*.tmp"))


def test_cache_is_keyed_by_size_split_and_folder(tmp_path, monkeypatch):
    make_celeba(tmp_path / "a")
    make_celeba(tmp_path / "b")
    calls = _decodes(monkeypatch)
    for root, size, split in [("a", 16, None), ("a", 8, None), ("a", 16, "test"), ("b", 16, None)]:
        r = load_celeba(tmp_path / root, download=False, size=size, split=split)
        assert r.images.shape[1] == size
    assert calls == [5, 5, 2, 5]  # each a decode of its own
    assert len(list(celeba.cache_dir().glob("*.npy"))) == 4


def test_a_changed_face_is_decoded_again(tmp_path, monkeypatch):
    folder = make_celeba(tmp_path)
    before = load_celeba(tmp_path, download=False, size=16).images
    path = folder / "img_align_celeba" / PRESENT[1]
    write_face(path, 250)
    os.utime(path, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    calls = _decodes(monkeypatch)
    after = load_celeba(tmp_path, download=False, size=16).images
    assert calls == [5]
    assert after[1, 8, 8, 1] > before[1, 8, 8, 1] + 100
    np.testing.assert_array_equal(after[0], before[0])


def test_a_damaged_cache_file_is_rebuilt(tmp_path, monkeypatch):
    make_celeba(tmp_path)
    good = load_celeba(tmp_path, download=False, size=16).images
    (path,) = celeba.cache_dir().glob("*.npy")
    for damage in (b"garbage", path.read_bytes()[:200]):
        path.write_bytes(damage)
        np.testing.assert_array_equal(load_celeba(tmp_path, download=False, size=16).images, good)
    np.save(path, np.zeros((5, 8, 8, 3), np.uint8))  # readable, but the wrong shape
    np.testing.assert_array_equal(load_celeba(tmp_path, download=False, size=16).images, good)


def test_limit_and_cache_false_bypass_the_cache(tmp_path, monkeypatch):
    make_celeba(tmp_path)
    calls = _decodes(monkeypatch)
    load_celeba(tmp_path, download=False, size=16, limit=3)
    load_celeba(tmp_path, download=False, size=16, cache=False)
    assert calls == [3, 5] and not celeba.cache_dir().exists()


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    make_celeba(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(celeba.CACHE_ENV, str(blocker / "cache"))
    r = load_celeba(tmp_path, download=False, size=16)
    assert r.images.shape == (5, 16, 16, 3)


@pytest.mark.requires_data
def test_real_celeba_partition_counts(data_dir):
    """The shared data's 20,000 faces split as its README says (one pass over the annotation files, no decoding)."""
    counts = np.bincount(read_annotations(data_dir).partition, minlength=3)
    assert counts.tolist() == [15979, 2044, 1977]
