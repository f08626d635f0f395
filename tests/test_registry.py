"""core.registry and LatentModel: listing without TensorFlow, hash-checked loading, clear errors, encode/decode.

The pretrained folder is built in tmp_path from untrained tiny models (conftest's
`tiny_pretrained`), and $LATENT_LAB_PRETRAINED points at it.
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import core
from core import pixel_aggregates, registry
from core.registry import PretrainedError

ROOT = Path(__file__).resolve().parents[1]


def rebuild(model_id):
    return f"python -m core.train {model_id}"


# ------------------------------------------------------------------ listing

def test_list_models_does_not_import_tensorflow(tiny_pretrained):
    code = ("import json, sys, core\n"
            "cards = core.list_models()\n"
            "print(json.dumps({'ids': [c['id'] for c in cards], "
            "'heavy': sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)}))\n")
    env = {**os.environ, "LATENT_LAB_PRETRAINED": str(tiny_pretrained)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ids"] == ["tiny-ae", "tiny-vae"]
    assert result["heavy"] == []


def test_list_models_returns_cards_filtered_by_kind(tiny_pretrained):
    cards = core.list_models()
    assert [c["id"] for c in cards] == ["tiny-ae", "tiny-vae"]
    assert cards[0]["latent_dim"] == 2 and cards[0]["family"] == "ae"
    assert core.list_models(kind="judge") == []
    assert [c["id"] for c in core.list_models(kind=None)] == ["tiny-ae", "tiny-vae"]


def test_list_models_reports_an_unreadable_card(tiny_pretrained):
    (tiny_pretrained / "tiny-vae" / "card.json").write_text("{ not json")
    cards = {c["id"]: c for c in core.list_models()}
    assert "error" not in cards["tiny-ae"]
    assert "damaged" in cards["tiny-vae"]["error"] and rebuild("tiny-vae") in cards["tiny-vae"]["error"]


def test_cards_stamp_changes_with_any_manifest_or_card_and_only_then(tiny_pretrained, tmp_path, monkeypatch):
    """ui.shipped_cards reads the cards again only when this key changes: an edited or damaged card, a manifest
    rewritten, a user's model added."""
    monkeypatch.setenv(registry.USER_ENV, str(tmp_path / "mine"))
    first = registry.cards_stamp()
    assert first == registry.cards_stamp()
    assert {Path(path).name for path, *_ in first} == {"manifest.json", "card.json"}
    card = tiny_pretrained / "tiny-vae" / "card.json"
    card.write_text(card.read_text() + " ")
    edited = registry.cards_stamp()
    assert edited != first
    (tmp_path / "mine" / "yours").mkdir(parents=True)
    (tmp_path / "mine" / "yours" / "card.json").write_text("{}")
    assert len(registry.cards_stamp()) == len(edited) + 1


def test_root_of_follows_each_manifest_as_it_is_rewritten_or_damaged(tiny_pretrained, tmp_path, monkeypatch):
    """root_of parses a manifest once a version of the file: a model added to the user's manifest is found there at
    once, a damaged user manifest leaves it unknown (shipped folder), a damaged shipped one is named."""
    monkeypatch.setenv(registry.USER_ENV, str(tmp_path / "mine"))
    assert registry.root_of("tiny-ae") == tiny_pretrained
    assert registry.root_of("yours") == tiny_pretrained  # unknown: where a shipped one would be
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "manifest.json").write_text(json.dumps({"models": {"yours": {"files": {}}}}))
    assert registry.root_of("yours") == tmp_path / "mine"
    (tmp_path / "mine" / "manifest.json").write_text("{damaged")
    assert registry.root_of("yours") == tiny_pretrained
    (tiny_pretrained / "manifest.json").write_text('{"models": []}')
    with pytest.raises(PretrainedError, match=r"damaged.*python -m core\.train tiny-ae"):
        registry.root_of("tiny-ae")


def test_no_manifest_means_no_models(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(tmp_path))
    assert core.list_models() == []


def test_manifest_hashes_every_file(tiny_pretrained):
    manifest = json.loads((tiny_pretrained / "manifest.json").read_text())
    entry = manifest["models"]["tiny-vae"]
    assert entry["rebuild"] == rebuild("tiny-vae")
    files = sorted(p.name for p in (tiny_pretrained / "tiny-vae").iterdir())
    assert sorted(entry["files"]) == files == ["card.json", "decoder.keras", "encoder.keras", "latents.npz"]
    for name, digest in entry["files"].items():
        assert digest == hashlib.sha256((tiny_pretrained / "tiny-vae" / name).read_bytes()).hexdigest()


# ------------------------------------------------------------------ loading and its errors

def test_load_model_gives_a_working_latent_model(tiny_pretrained):
    model = core.load_model("tiny-vae")
    assert model.id == "tiny-vae" and model.latent_dim == 2 and model.image_shape == (28, 28, 1)
    assert model.has_encoder and not model.conditional
    with np.load(tiny_pretrained / "tiny-vae" / "latents.npz") as d:
        np.testing.assert_array_equal(model.heldout["means"], d["means"])
        np.testing.assert_array_equal(model.heldout["labels"], d["labels"])
    assert core.load_model("tiny-vae", heldout=False).heldout is None


def test_damaged_file_is_refused(tiny_pretrained):
    path = tiny_pretrained / "tiny-vae" / "decoder.keras"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(PretrainedError) as err:
        core.load_model("tiny-vae")
    assert "damaged" in str(err.value) and "SHA-256" in str(err.value)
    assert rebuild("tiny-vae") in str(err.value) and str(path) in str(err.value)
    core.load_model("tiny-ae")  # the other model is unaffected


def test_damaged_latents_are_refused(tiny_pretrained):
    path = tiny_pretrained / "tiny-ae" / "latents.npz"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(PretrainedError, match="damaged") as err:
        core.load_model("tiny-ae")
    assert rebuild("tiny-ae") in str(err.value)


def test_missing_file(tiny_pretrained):
    path = tiny_pretrained / "tiny-ae" / "encoder.keras"
    path.unlink()
    with pytest.raises(PretrainedError) as err:
        core.load_model("tiny-ae")
    assert "missing" in str(err.value) and str(path) in str(err.value)
    assert rebuild("tiny-ae") in str(err.value)


def test_missing_card(tiny_pretrained):
    (tiny_pretrained / "tiny-ae" / "card.json").unlink()
    with pytest.raises(PretrainedError, match="missing") as err:
        core.load_model("tiny-ae")
    assert rebuild("tiny-ae") in str(err.value)


def test_unknown_id(tiny_pretrained):
    with pytest.raises(PretrainedError) as err:
        core.load_model("mnist-vae-99d")
    assert rebuild("mnist-vae-99d") in str(err.value)


def test_model_folder_not_in_manifest(tiny_pretrained):
    manifest = json.loads((tiny_pretrained / "manifest.json").read_text())
    del manifest["models"]["tiny-vae"]
    (tiny_pretrained / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PretrainedError) as err:
        core.load_model("tiny-vae")
    assert "tiny-vae" in str(err.value) and "tiny-ae" in str(err.value)  # names what is shipped
    assert rebuild("tiny-vae") in str(err.value)


def test_file_not_listed_in_manifest(tiny_pretrained):
    manifest = json.loads((tiny_pretrained / "manifest.json").read_text())
    del manifest["models"]["tiny-vae"]["files"]["encoder.keras"]
    (tiny_pretrained / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PretrainedError, match="not listed") as err:
        core.load_model("tiny-vae")
    assert rebuild("tiny-vae") in str(err.value)


@pytest.mark.parametrize("content", ['{"models": {"tiny-ae": ', "[]", '{"models": []}', "\x00\x01garbage"])
def test_damaged_manifest(tiny_pretrained, content):
    (tiny_pretrained / "manifest.json").write_text(content)
    with pytest.raises(PretrainedError) as err:
        core.load_model("tiny-ae")
    msg = str(err.value)
    assert "manifest.json" in msg and "damaged" in msg
    assert rebuild("tiny-ae") in msg
    with pytest.raises(PretrainedError, match="python -m core.train"):
        core.list_models()


def test_judge_ids_are_refused_by_load_model(tiny_pretrained):
    card_path = tiny_pretrained / "tiny-ae" / "card.json"
    card = json.loads(card_path.read_text())
    card["kind"] = "judge"
    card_path.write_text(json.dumps(card))
    registry.write_manifest_entry("tiny-ae")
    with pytest.raises(PretrainedError, match="load_judge"):
        core.load_model("tiny-ae")


def test_model_files_load_in_safe_mode(tiny_pretrained):
    """A .keras file with a Python lambda inside must not run: safe_mode refuses it."""
    import keras
    inputs = keras.Input((2,))
    evil = keras.Model(inputs, keras.layers.Lambda(lambda z: z * 2)(inputs))
    evil.save(tiny_pretrained / "tiny-ae" / "decoder.keras")
    registry.write_manifest_entry("tiny-ae")  # hashes match: only safe mode stands in the way
    with pytest.raises(PretrainedError, match="cannot be loaded") as err:
        core.load_model("tiny-ae")
    assert rebuild("tiny-ae") in str(err.value)


def test_write_manifest_entry_keeps_other_models(tiny_pretrained):
    before = json.loads((tiny_pretrained / "manifest.json").read_text())
    (tiny_pretrained / "tiny-ae" / "notes.txt").write_text("hello")
    registry.write_manifest_entry("tiny-ae")
    after = json.loads((tiny_pretrained / "manifest.json").read_text())
    assert after["models"]["tiny-vae"] == before["models"]["tiny-vae"]
    assert after["models"]["tiny-ae"]["files"]["notes.txt"] == hashlib.sha256(b"hello").hexdigest()
    assert list(after["models"]) == sorted(after["models"])


# ------------------------------------------------------------------ LatentModel behaviour

@pytest.fixture
def vae(tiny_pretrained):
    return core.load_model("tiny-vae")


@pytest.fixture
def ae(tiny_pretrained):
    return core.load_model("tiny-ae")


def digits(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


def test_encode_shapes_and_dtype(vae, ae):
    for model in (vae, ae):
        z = model.encode(digits(5))
        assert z.shape == (5, 2) and z.dtype == np.float32 and np.isfinite(z).all()
        assert model.encode(digits(0)).shape == (0, 2)


def test_vae_encode_returns_the_posterior_mean(vae):
    x = digits(4)
    mean, _ = vae.encoder(x[..., None].astype(np.float32) / 255.0, training=False)
    np.testing.assert_allclose(vae.encode(x), np.asarray(mean), rtol=1e-5, atol=1e-6)


def test_encode_accepts_uint8_and_float_alike(ae):
    x = digits(3)
    np.testing.assert_allclose(ae.encode(x), ae.encode(x / 255.0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ae.encode(x), ae.encode(x[..., None]), rtol=1e-6)


def test_encode_rejects_other_image_sizes(ae):
    with pytest.raises(ValueError, match="28, 28"):
        ae.encode(np.zeros((2, 32, 32), np.uint8))


def test_decode_shapes_dtype_and_range(vae):
    z = np.random.default_rng(0).normal(size=(6, 2)) * 3
    x = vae.decode(z)
    assert x.shape == (6, 28, 28) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert vae.decode([0.5, -0.5]).shape == (1, 28, 28)  # one point
    assert vae.decode(np.zeros((0, 2))).shape == (0, 28, 28)
    assert vae.reconstruct(digits(3)).shape == (3, 28, 28)


def test_batching_gives_the_same_answer(vae, monkeypatch):
    import core.latent_model as lm
    x, z = digits(11), np.random.default_rng(1).normal(size=(11, 2))
    whole_codes, whole_images = vae.encode(x), vae.decode(z)
    monkeypatch.setattr(lm, "BATCH", 4)
    np.testing.assert_allclose(vae.encode(x), whole_codes, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vae.decode(z), whole_images, rtol=1e-5, atol=1e-6)


def test_decode_refuses_labels_for_an_unconditional_model(vae):
    with pytest.raises(ValueError, match="not conditional"):
        vae.decode(np.zeros((1, 2)), labels=[3])


def test_priors_and_sampling(vae, ae):
    mean, cov = vae.prior()
    np.testing.assert_array_equal(mean, [0, 0])  # a VAE samples its training prior, N(0, I)
    np.testing.assert_array_equal(cov, np.eye(2))
    z = ae.sample_latents(20000, seed=0)
    assert z.shape == (20000, 2) and z.dtype == np.float32
    np.testing.assert_allclose(z.mean(0), [1.0, 1.0], atol=0.03)  # the card's fitted prior
    np.testing.assert_allclose(np.cov(z, rowvar=False), np.diag([0.5, 0.5]), atol=0.03)
    np.testing.assert_array_equal(ae.sample_latents(5, seed=3), ae.sample_latents(5, seed=3))
    samples = vae.sample(4, seed=1)
    assert samples.shape == (4, 28, 28)
    np.testing.assert_array_equal(samples, vae.decode(vae.sample_latents(4, seed=1)))


# ------------------------------------------------------------------ conditional decoders

@pytest.fixture(scope="module")
def conditional():
    import keras

    from core.latent_model import LatentModel
    from core.models.networks import mlp_decoder
    keras.utils.set_random_seed(1)
    decoder = mlp_decoder(3, (8, 8, 1), extra_inputs=(keras.Input(shape=(4,), name="label"),))
    card = {"id": "tiny-cvae", "latent_dim": 3, "image_shape": [8, 8, 1], "conditional": True, "num_classes": 4}
    return LatentModel(card, None, decoder), decoder


def test_conditional_decode_with_class_indices(conditional):
    model, decoder = conditional
    z = np.random.default_rng(0).normal(size=(3, 3)).astype(np.float32)
    labels = np.array([0, 2, 3])
    x = model.decode(z, labels=labels)
    assert x.shape == (3, 8, 8) and x.dtype == np.float32
    expected = np.asarray(decoder([z, np.eye(4, dtype=np.float32)[labels]], training=False))[..., 0]
    np.testing.assert_allclose(x, expected, rtol=1e-5, atol=1e-6)
    # one class index for every point
    np.testing.assert_allclose(model.decode(z, labels=2), model.decode(z, labels=[2, 2, 2]), rtol=1e-6)
    # the label matters
    assert not np.allclose(model.decode(z, labels=0), model.decode(z, labels=1))


def test_conditional_decode_with_weight_vectors(conditional):
    model, decoder = conditional
    z = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)
    mix = np.array([0.5, 0.0, 0.5, 0.0], np.float32)
    x = model.decode(z, labels=mix)  # one weight vector broadcast to every point
    expected = np.asarray(decoder([z, np.tile(mix, (2, 1))], training=False))[..., 0]
    np.testing.assert_allclose(x, expected, rtol=1e-5, atol=1e-6)
    # a one-hot weight vector is the same as its class index
    np.testing.assert_allclose(model.decode(z, labels=[[0, 1, 0, 0], [0, 0, 0, 1.0]]),
                               model.decode(z, labels=[1, 3]), rtol=1e-6)


def test_conditional_decode_needs_labels_and_has_no_encoder(conditional):
    model, _ = conditional
    with pytest.raises(ValueError, match="pass labels"):
        model.decode(np.zeros((1, 3)))
    assert not model.has_encoder
    with pytest.raises(ValueError, match="no encoder"):
        model.encode(np.zeros((1, 8, 8), np.uint8))


def test_label_weights(conditional):
    model, _ = conditional
    np.testing.assert_array_equal(model.label_weights(1, 2), [[0, 1, 0, 0], [0, 1, 0, 0]])
    np.testing.assert_array_equal(model.label_weights(np.array([3, 0], np.uint8), 2), [[0, 0, 0, 1], [1, 0, 0, 0]])
    w = model.label_weights([0.25, 0.25, 0.25, 0.25], 3)
    assert w.shape == (3, 4) and w.dtype == np.float32 and w.flags.c_contiguous
    for bad in (4, [-1, 0], [0.5, 0.5], np.ones((2, 3))):
        with pytest.raises(ValueError):
            model.label_weights(bad, 2)


def test_encode_distribution(vae, ae):
    x = digits(4)
    mean, log_var = vae.encode_distribution(x)
    ref_mean, ref_log_var = vae.encoder(x[..., None].astype(np.float32) / 255.0, training=False)
    np.testing.assert_allclose(mean, np.asarray(ref_mean), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(log_var, np.asarray(ref_log_var), rtol=1e-5, atol=1e-6)
    codes, none = ae.encode_distribution(x)
    assert none is None and codes.shape == (4, 2)


# ------------------------------------------------------------------ the shipped folder

def test_shipped_manifest_matches_shipped_files(shipped_pretrained):
    manifest = registry.read_manifest()
    assert manifest["models"], "pretrained/manifest.json lists no models"
    for model_id, entry in manifest["models"].items():
        card = registry.read_card(model_id)
        command = pixel_aggregates.COMMAND if card.get("kind") == "aggregates" else rebuild(model_id)
        assert entry["rebuild"] == command
        on_disk = sorted(p.name for p in (shipped_pretrained / model_id).iterdir() if p.is_file())
        assert sorted(entry["files"]) == on_disk, model_id
        for name in entry["files"]:
            registry.verified_path(model_id, name)  # raises PretrainedError on a hash mismatch
        assert card["id"] == model_id and card["training"]["command"] == command
        assert set(card["files"].values()) <= set(entry["files"])
