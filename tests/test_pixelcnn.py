"""The PixelCNN (core/models/pixelcnn.py, core/pixel_model.py, its trainer and evaluator) on models the tests build.

What must hold for its likelihoods to mean anything: no output sees its own pixel or a later one (checked on the
network's forward derivatives, one input pixel at a time); the 512 images of a 3x3 grid get probabilities that sum
to 1, and the conditionals the joint implies are the network's; the cached raster sampler gives exactly what
the whole network gives, and draws what the conditionals say. Then completion, saving, bad input, and training
end to end on tiny data.
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from core.models.pixelcnn import RasterSampler, build_pixelcnn, causal_mask  # noqa: E402
from core.pixel_model import PixelCNNModel  # noqa: E402

DILATED = (1, 2, 4)
ROOT = Path(__file__).resolve().parents[1]


def tiny(shape=(10, 10, 1), seed=0, **options):
    """A small PixelCNN with random weights and random biases (Keras starts biases at 0, which hides nothing but
    makes every ReLU's threshold the same)."""
    keras.utils.set_random_seed(seed)
    network = build_pixelcnn(shape, **{"filters": 8, "blocks": 3, "head": 8, "dilations": DILATED, **options})
    rng = np.random.default_rng(seed)
    for layer in network.layers:
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(rng.normal(0, 0.3, layer.bias.shape).astype(np.float32))
    return network


def wrapped(network, model_id="tiny-pixelcnn") -> PixelCNNModel:
    return PixelCNNModel({"id": model_id, "image_shape": list(network.input.shape[1:])}, network)


def raster(shape) -> np.ndarray:
    return np.arange(shape[0] * shape[1]).reshape(shape[:2])


# ------------------------------------------------------------------ masks

def test_causal_masks():
    np.testing.assert_array_equal(causal_mask(3, "A"), [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(causal_mask(3, "B"), [[1, 1, 1], [1, 1, 0], [0, 0, 0]])
    a = causal_mask(7, "A")
    assert a.sum() == 24 and a[3, 3] == 0 and a[3, :3].all() and not a[4:].any()
    with pytest.raises(ValueError, match="'A' or 'B'"):
        causal_mask(3, "C")


@pytest.mark.parametrize("dilations", [(1,), DILATED], ids=["plain", "dilated"])
def test_no_output_sees_its_own_pixel_or_a_later_one(dilations):
    """d logit(k) / d x(j) for every input pixel j, one one-hot tangent each (forward-mode derivatives of the whole
    network): zero for every output k at or before j in raster order, and not zero for the next pixel and the one
    below (so the check is not passing because nothing flows)."""
    shape = (10, 10, 1)
    network = tiny(shape, dilations=dilations)
    order = raster(shape).ravel()
    pixels = len(order)
    base = (np.random.default_rng(1).random((1, *shape)) < 0.4).astype(np.float32)
    x = tf.constant(np.repeat(base, pixels, axis=0))
    tangents = tf.constant(np.eye(pixels, dtype=np.float32).reshape(pixels, *shape))
    with tf.autodiff.ForwardAccumulator(x, tangents) as acc:
        logits = network(x)
    jvp = acc.jvp(logits).numpy().reshape(pixels, pixels)  # row j: how every output moves with input pixel j
    seen_from_the_future = np.abs(jvp[order[:, None] >= order[None, :]])
    assert seen_from_the_future.max() == 0.0
    width = shape[1]
    for j in range(pixels - width):
        assert jvp[j, j + width] != 0.0 and ((j + 1) % width == 0 or jvp[j, j + 1] != 0.0), j


def test_dilation_widens_what_a_pixel_sees():
    """The last row's pixels see the first row through the dilated blocks (3 + 1 + 2 + 4 rows up), not through
    plain ones (3 + 3)."""
    shape = (10, 10, 1)
    for dilations, far in (((1,), False), (DILATED, True)):
        network = tiny(shape, dilations=dilations)
        x = tf.Variable(np.zeros((1, *shape), np.float32))
        with tf.GradientTape() as tape:
            out = network(x)[0, -1, 6, 0]
        assert (np.abs(tape.gradient(out, x).numpy()[0, 0]).max() > 0) == far, dilations


# ------------------------------------------------------------------ exact likelihood on a 3x3 grid

@pytest.fixture(scope="module")
def grid_model():
    network = tiny((3, 3, 1))
    images = np.array(list(itertools.product([0.0, 1.0], repeat=9)), np.float32).reshape(-1, 3, 3)  # pixel 0 first
    model = wrapped(network)
    return model, images, np.exp(-model.log_prob(images))


def test_probabilities_of_all_images_sum_to_one(grid_model):
    model, images, p = grid_model
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    assert p.min() > 0 and len(np.unique(np.round(p, 8))) > 100  # a real distribution, not a uniform one


def test_conditionals_are_those_the_joint_implies(grid_model):
    """p(x_k = 1 | x_<k) from brute-force sums of the 512 probabilities equals the network's conditional, for every
    pixel of every image; and log_prob is the sum of the per-pixel surprises."""
    model, images, p = grid_model
    joint = p.reshape((2,) * 9)
    conditionals = model.conditionals(images).reshape(-1, 9)
    for k in range(9):
        prefix = joint.sum(axis=tuple(range(k + 1, 9))) if k < 8 else joint  # p(x_0 .. x_k)
        implied = prefix[..., 1] / prefix.sum(axis=-1)  # p(x_k = 1 | x_0 .. x_k-1)
        index = tuple(images.reshape(-1, 9)[:, :k].astype(int).T)
        np.testing.assert_allclose(conditionals[:, k], implied[index], atol=2e-5)
    np.testing.assert_allclose(model.surprise(images).sum(axis=(1, 2)), model.log_prob(images), rtol=1e-12)


# ------------------------------------------------------------------ the raster sampler

@pytest.fixture(scope="module")
def digit_model():
    return wrapped(tiny((28, 28, 1), filters=16, blocks=4))


def test_sampler_gives_what_the_whole_network_gives(digit_model):
    """Each drawn pixel's probability, computed by the cached one-position steps, is the whole network's
    conditional for that pixel of the finished image: drawing from scratch and completing from row 9 alike."""
    d = digit_model.draw(5, seed=3)
    np.testing.assert_allclose(d.probabilities, digit_model.conditionals(d.images), atol=1e-5)
    given = (np.random.default_rng(0).random((5, 28, 28)) < 0.3).astype(np.float32)
    c = digit_model.draw(5, seed=4, given=given, known_rows=9)
    np.testing.assert_allclose(c.probabilities[:, 9:], digit_model.conditionals(c.images)[:, 9:], atol=1e-5)
    assert not c.probabilities[:, :9].any()
    assert set(np.unique(d.images)) <= {0.0, 1.0} and d.images.dtype == np.float32


def constant_model(probability: float, shape=(6, 6, 1)) -> PixelCNNModel:
    """A network whose every conditional is `probability`: the logits layer reads nothing, its bias is the logit."""
    network = tiny(shape)
    logits = network.get_layer("logits")
    logits.kernel.assign(np.zeros(logits.kernel.shape, np.float32))
    logits.bias.assign([np.log(probability / (1 - probability))])
    return wrapped(network)


def test_sampler_draws_what_the_conditionals_say():
    """A model sure of ones draws ones, one sure of zeros zeros; a model at 0.3 draws about 30% ones, and at
    temperature 2 about sigmoid(logit(0.3) / 2) = 0.396."""
    assert constant_model(1 - 1e-6).sample(8, seed=0).all()
    assert not constant_model(1e-6).sample(8, seed=0).any()
    model = constant_model(0.3)
    assert model.sample(300, seed=0).mean() == pytest.approx(0.3, abs=0.02)  # 10,800 pixels: s.e. 0.0044
    hot = model.draw(300, seed=1, temperature=2.0)
    assert hot.images.mean() == pytest.approx(0.396, abs=0.02)
    np.testing.assert_allclose(hot.probabilities, 0.396, atol=1e-3)


def test_seeds_repeat_and_differ(digit_model):
    a, b, c = (digit_model.sample(4, seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_batches_past_the_largest_bucket_agree(monkeypatch, digit_model):
    """Draws split into padded batches give the same images as one batch (the uniforms are drawn per image)."""
    import core.pixel_model as pm
    whole = digit_model.sample(20, seed=5)
    monkeypatch.setattr(pm, "BATCH", 16)
    monkeypatch.setattr(pm, "BUCKETS", (8, 16))
    np.testing.assert_array_equal(digit_model.sample(20, seed=5), whole)


# ------------------------------------------------------------------ completion

def test_completion_keeps_the_given_rows(digit_model):
    rng = np.random.default_rng(2)
    digits = (rng.random((3, 28, 28)) * 255).astype(np.uint8)  # grey levels: binarised at 0.5 inside
    out = digit_model.complete(digits, known_rows=14, n=4, seed=0)
    assert out.shape == (3, 4, 28, 28)
    binary = (digits > 127).astype(np.float32)
    np.testing.assert_array_equal(out[:, :, :14], np.repeat(binary[:, None, :14], 4, axis=1))
    assert any(not np.array_equal(out[i, 0, 14:], out[i, 1, 14:]) for i in range(3))  # drawn, not copied
    one = digit_model.complete(digits[0], known_rows=14, n=4, seed=0)
    np.testing.assert_array_equal(one, out[0])
    assert np.array_equal(digit_model.complete(digits[:1], known_rows=28)[0, 0], binary[0])


def test_binarised_at_one_half():
    model = constant_model(0.5)
    x = np.full((1, 6, 6), 0.5, np.float32)
    x[0, 0, 0] = 0.51
    np.testing.assert_array_equal(model.binarise(x)[0, 0, :2], [1.0, 0.0])
    np.testing.assert_array_equal(model.binarise(np.array([[[128] * 6] * 6], np.uint8)), 1.0)
    np.testing.assert_array_equal(model.binarise(np.array([[[127] * 6] * 6], np.uint8)), 0.0)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call, message", [
    (lambda m: m.log_prob(np.zeros((2, 27, 28))), r"images of shape \(28, 28\)"),
    (lambda m: m.log_prob(np.zeros((28, 28))), r"expected images shaped"),
    (lambda m: m.log_prob(np.full((1, 28, 28), 2.0)), r"\[0, 1\]"),
    (lambda m: m.complete(np.zeros((28, 30))), r"images of shape \(28, 28\)"),
    (lambda m: m.complete(np.zeros((1, 28, 28)), known_rows=29), "known_rows"),
    (lambda m: m.complete(np.zeros((1, 28, 28)), n=0), "completions"),
    (lambda m: m.sample(-1), "whole number"),
    (lambda m: m.sample(2, temperature=0.0), "temperature"),
    (lambda m: m.draw(2, known_rows=3), "pass given"),
    (lambda m: m.draw(3, given=np.zeros((2, 28, 28)), known_rows=3), "one for each"),
])
def test_bad_input_gets_a_clear_message(digit_model, call, message):
    with pytest.raises(ValueError, match=message):
        call(digit_model)


def test_bad_architectures_are_refused():
    with pytest.raises(ValueError, match="one binary channel"):
        build_pixelcnn((28, 28, 3))
    with pytest.raises(ValueError, match="at least one"):
        build_pixelcnn(blocks=0)
    from core.models.pixelcnn import MaskedConv2D
    with pytest.raises(ValueError, match="padding"):
        MaskedConv2D(4, 3, padding="valid")


# ------------------------------------------------------------------ saving and the registry

def test_round_trip_in_safe_mode_and_through_the_registry(tmp_path, monkeypatch):
    import core
    from core import registry
    network = tiny((28, 28, 1), filters=16, blocks=2)
    folder = tmp_path / "tiny-pixelcnn"
    folder.mkdir()
    network.save(folder / "pixelcnn.keras")
    loaded = keras.saving.load_model(folder / "pixelcnn.keras", compile=False, safe_mode=True)
    x = (np.random.default_rng(0).random((4, 28, 28, 1)) < 0.3).astype(np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), network(x).numpy(), atol=1e-6)
    assert [layer.mask_type for layer in loaded.layers if hasattr(layer, "mask_type")] == ["A", "B", "B"]
    assert [layer.dilation_rate for layer in loaded.layers if hasattr(layer, "mask_type")][1:] == [(1, 1), (2, 2)]
    card = {"id": "tiny-pixelcnn", "kind": "autoregressive", "family": "pixelcnn", "image_shape": [28, 28, 1],
            "files": {"network": "pixelcnn.keras"}}
    (folder / "card.json").write_text(json.dumps(card))
    registry.write_manifest_entry("tiny-pixelcnn", tmp_path)
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(tmp_path))
    model = core.load_model("tiny-pixelcnn")
    assert isinstance(model, PixelCNNModel)
    np.testing.assert_allclose(model.log_prob(x), wrapped(network).log_prob(x), rtol=1e-5)
    assert core.list_models() == [] and [c["id"] for c in core.list_models("autoregressive")] == ["tiny-pixelcnn"]
    fresh = subprocess.run([sys.executable, "-c", "import core; print(type(core.load_model('tiny-pixelcnn')).__name__)"],
                           cwd=ROOT, env={**os.environ, "LATENT_LAB_PRETRAINED": str(tmp_path)}, capture_output=True,
                           text=True, timeout=120)
    assert fresh.stdout.strip().endswith("PixelCNNModel"), fresh.stderr[-2000:]  # a process that imported nothing
    (folder / "pixelcnn.keras").write_bytes(b"not a model")
    with pytest.raises(registry.PretrainedError, match="damaged"):
        core.load_model("tiny-pixelcnn")


# ------------------------------------------------------------------ training and evaluation end to end

N_TRAIN, N_TEST = 200, 24


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory, make_data):
    folder = tmp_path_factory.mktemp("data")
    make_data.write_npz(folder / "mnist.npz", (make_data.blob_digits(N_TRAIN, 0), make_data.blob_digits(N_TEST, 1)))
    return folder


@pytest.fixture(scope="module")
def trained(tiny_data, tmp_path_factory):
    """mnist-judge, then mnist-pixelcnn, one epoch each, into a temporary pretrained folder (no VAEs there)."""
    from core.train import train
    base = tmp_path_factory.mktemp("train")
    out, runs = base / "pretrained", base / "runs"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATENT_LAB_PRETRAINED", str(out))
        train("mnist-judge", data=tiny_data, epochs=1, out=out, runs=runs, verbose=0)
        card = train("mnist-pixelcnn", data=tiny_data, epochs=1, out=out, runs=runs, verbose=0)
    return out, runs, card


def test_training_writes_the_model_its_card_and_manifest(trained):
    from core import registry
    out, runs, card = trained
    assert sorted(p.name for p in (out / "mnist-pixelcnn").iterdir()) == ["card.json", "pixelcnn.keras"]
    manifest = json.loads((out / "manifest.json").read_text())["models"]["mnist-pixelcnn"]
    assert manifest["rebuild"] == "python -m core.train mnist-pixelcnn"
    assert manifest["files"] == {p.name: registry.sha256(p) for p in sorted((out / "mnist-pixelcnn").iterdir())}
    assert card["kind"] == "autoregressive" and card["family"] == "pixelcnn" and card["latent_dim"] is None
    assert "0.5" in card["binarisation"]
    t = card["training"]
    assert t["command"] == "python -m core.train mnist-pixelcnn" and t["epochs_run"] == t["best_epoch"] == 1
    assert t["history"]["val_loss"] == [t["final"]["val_loss"]] and t["wall_time_s"] > 0
    assert (card["dataset"]["fit"], card["dataset"]["validation"], card["dataset"]["heldout"]) == (180, 20, N_TEST)
    assert not (runs / "mnist-pixelcnn" / "backup").exists()


def test_evaluation_figures_in_the_card(trained, tiny_data, monkeypatch):
    import core
    from core.images import threshold
    out, _, card = trained
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(out))
    m = card["metrics"]
    with np.load(tiny_data / "mnist.npz") as d:
        x_test, y_test = d["x_test"], d["y_test"]
    model = core.load_model("mnist-pixelcnn")
    nll = model.log_prob(x_test)
    assert m["heldout_digits"] == N_TEST
    assert m["neg_log_likelihood_nats"] == pytest.approx(nll.mean(), rel=1e-6)
    assert m["bits_per_dim"] == pytest.approx(nll.mean() / (784 * np.log(2)), rel=1e-6)
    np.testing.assert_allclose(model.log_prob(threshold(x_test)), nll)
    assert m["latent_models"] == {}  # no VAE in this folder: no bounds, and no goal against them
    c = m["completion"]
    assert c["digits"] == N_TEST and c["kept_known_rows"] is True and 0 <= c["accuracy_all_digits"] <= 1
    assert 0 <= c["readable_top_halves"] <= N_TEST
    assert 0 < m["sample_16_s"] and 0 < m["complete_half_s"] and 0 < m["draw_one_s"]
    assert "core.evaluators.likelihood" in card["evaluation"]["method"]
    assert set(m["goals_met"]) == {"sample_16", "complete_half"} | ({"completion_accuracy"}
                                                                   if c["readable_top_halves"] else set())
    assert card["evaluation"]["command"] == "python -m core.evaluate mnist-pixelcnn"


def test_goals_met_against_the_16d_vae():
    from core.evaluators.pixelcnn import goals_met
    metrics = {"sample_16_s": 2.9, "complete_half_s": 2.1, "neg_log_likelihood_nats": 74.0,
               "latent_models": {"mnist-vae-16d": {"neg_log_likelihood_iwae_nats": 84.0}},
               "completion": {"accuracy_readable_top_halves": 0.7}}
    assert goals_met(metrics) == {"sample_16": True, "complete_half": False, "nats_below_vae_16d": True,
                                  "completion_accuracy": True}
    metrics["neg_log_likelihood_nats"] = 74.01
    metrics["completion"]["accuracy_readable_top_halves"] = 0.69
    assert goals_met(metrics)["nats_below_vae_16d"] is False and goals_met(metrics)["completion_accuracy"] is False


class Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_with_its_history_and_best_weights(tiny_data, tmp_path, monkeypatch):
    from core.train import train
    out, runs = tmp_path / "pretrained", tmp_path / "runs"
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(out))
    real = keras.callbacks.BackupAndRestore

    class Crash(real):
        """Saves epoch 1 as usual, then stops the run at the end of epoch 2 before saving it."""
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1 and not hasattr(Crash, "done"):
                Crash.done = True
                raise Interrupted
            super().on_epoch_end(epoch, logs)
    monkeypatch.setattr(keras.callbacks, "BackupAndRestore", Crash)
    with pytest.raises(Interrupted):
        train("mnist-pixelcnn", data=tiny_data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    progress = json.loads((runs / "mnist-pixelcnn" / "progress.json").read_text())
    assert [e["epoch"] for e in progress] == [1]  # the progress log is written after the backup: epoch 2 is lost
    card = train("mnist-pixelcnn", data=tiny_data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    t = card["training"]
    assert t["epochs_run"] == 3 and len(t["history"]["val_loss"]) == 3
    assert t["final"]["val_loss"] == min(t["history"]["val_loss"]) == t["history"]["val_loss"][t["best_epoch"] - 1]
    # the shipped network is the best epoch's: its NLL of the validation digits is that epoch's val_loss
    import core
    from core.data import load_dataset
    from core.images import threshold
    from core.trainers.common import split_train
    (x, y), _ = load_dataset("mnist", tiny_data)
    _, (x_val, _) = split_train(x, y, 0.1, seed=0)
    nll = core.load_model("mnist-pixelcnn").log_prob(threshold(x_val)).mean()
    assert nll == pytest.approx(t["final"]["val_loss"], rel=1e-4)
