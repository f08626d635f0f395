"""The conditional VAE behind "Digits by label": conditioning shapes, label weights, and whether it obeys its label.

Shapes and label weights run on an untrained CVAE built here from core's own networks.
The obedience test asks the shipped judge to read prior samples: the shipped mnist-cvae
must name the right digit in nine of ten, and the untrained one must fail the same test,
so the bar is one that only training clears.
"""
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from conftest import requires_data, shipped_model_present  # noqa: E402
from core import load_judge, load_model, registry  # noqa: E402
from core.latent_model import LatentModel  # noqa: E402
from core.models import cvae, networks  # noqa: E402

LATENT, CLASSES, SHAPE = 8, 10, (28, 28, 1)
PER_CLASS = 20          # 200 prior samples in all
SHIPPED_FLOOR = 0.9     # the shipped model's card says about 96%
UNTRAINED_CEILING = 0.3  # chance is 10%
needs_shipped_cvae = pytest.mark.skipif(not shipped_model_present("mnist-cvae"),
                                        reason="pretrained/mnist-cvae is not built (python -m core.train mnist-cvae)")


def card(conditional: bool = True) -> dict:
    return {"id": "untrained-cvae" if conditional else "untrained-vae", "latent_dim": LATENT,
            "image_shape": list(SHAPE), "num_classes": CLASSES, "conditional": conditional}


@pytest.fixture(scope="module")
def untrained() -> LatentModel:
    keras.utils.set_random_seed(0)
    net = cvae.CVAE(LATENT, CLASSES)
    return LatentModel(card(), net.encoder, net.decoder)


@pytest.fixture(scope="module")
def judge():
    try:
        return load_judge()
    except registry.PretrainedError as e:
        pytest.skip(f"the shipped judge is missing: {e}")


def z(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, LATENT)).astype(np.float32)


# ---------------------------------------------------------------- label weights

def test_class_indices_become_one_hot_rows(untrained):
    np.testing.assert_array_equal(untrained.label_weights(3, 4), np.tile(np.eye(CLASSES)[3], (4, 1)))
    rows = untrained.label_weights(np.array([0, 9, 3], np.uint8), 3)  # latents.npz stores labels as uint8
    assert rows.dtype == np.float32 and rows.shape == (3, CLASSES)
    np.testing.assert_array_equal(rows.argmax(1), [0, 9, 3])
    np.testing.assert_array_equal(rows.sum(1), 1)


def test_float_weight_vectors_are_used_as_given_and_broadcast(untrained):
    mix = np.zeros(CLASSES, np.float32)
    mix[[8, 3]] = 0.5
    np.testing.assert_array_equal(untrained.label_weights(mix, 5), np.tile(mix, (5, 1)))
    uneven = np.random.default_rng(0).random((4, CLASSES)).astype(np.float32)  # not renormalised
    np.testing.assert_array_equal(untrained.label_weights(uneven, 4), uneven)


@pytest.mark.parametrize("labels, n, message", [
    (10, 2, r"class indices must lie in 0\.\.9"),
    (np.array([1, -1]), 2, r"class indices must lie in 0\.\.9"),
    (np.full(9, 0.1), 2, r"10 entries per item"),
    (np.zeros((2, 2, CLASSES)), 2, r"10 entries per item"),
    (np.array([1.0, 2.0]), 2, r"10 entries per item"),  # indices given as floats are not weight vectors
    (np.array([1, 2, 3]), 2, r"broadcast"),
])
def test_bad_labels_are_refused(untrained, labels, n, message):
    with pytest.raises(ValueError, match=message):
        untrained.label_weights(labels, n)


def test_conditional_model_needs_labels_and_unconditional_refuses_them(untrained):
    with pytest.raises(ValueError, match="conditional: pass labels"):
        untrained.decode(z(2))
    plain = LatentModel(card(conditional=False), None, networks.mlp_decoder(LATENT, SHAPE))
    with pytest.raises(ValueError, match="not conditional"):
        plain.decode(z(2), labels=3)


# ---------------------------------------------------------------- conditioning shapes

def test_encode_and_decode_shapes_with_labels(untrained):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    mean, log_var = untrained.encode_distribution(images, np.arange(5))
    assert mean.shape == log_var.shape == (5, LATENT)
    assert untrained.encode(images, 7).shape == (5, LATENT)  # one label for every image
    for labels in (4, np.arange(5), np.full(CLASSES, 0.1, np.float32), np.eye(CLASSES, dtype=np.float32)[:5]):
        out = untrained.decode(z(5), labels)
        assert out.shape == (5, 28, 28) and out.dtype == np.float32 and 0 <= out.min() <= out.max() <= 1
    assert untrained.decode(z(1)[0], 2).shape == (1, 28, 28)  # a single point
    assert untrained.decode(np.zeros((0, LATENT)), 2).shape == (0, 28, 28)


def test_one_hot_weights_decode_exactly_like_the_index(untrained):
    points = z(4)
    np.testing.assert_array_equal(untrained.decode(points, 3), untrained.decode(points, np.eye(CLASSES)[3]))
    assert not np.allclose(untrained.decode(points, 3), untrained.decode(points, 8))  # the label reaches the decoder


def test_the_label_also_reaches_the_encoder(untrained):
    images = np.random.default_rng(1).random((3, 28, 28)).astype(np.float32)
    assert not np.allclose(untrained.encode(images, 1), untrained.encode(images, 6))


def test_samples_follow_the_seed(untrained):
    np.testing.assert_array_equal(untrained.sample(6, seed=3, labels=5), untrained.sample(6, seed=3, labels=5))
    assert not np.allclose(untrained.sample(6, seed=3, labels=5), untrained.sample(6, seed=4, labels=5))


# ---------------------------------------------------------------- does it obey the label?

def label_accuracy(model, judge) -> float:
    """Share of PER_CLASS prior samples of each digit that the judge reads as the digit asked for."""
    wanted = np.repeat(np.arange(CLASSES), PER_CLASS)
    return float((judge.predict_labels(model.sample(len(wanted), seed=0, labels=wanted)) == wanted).mean())


@needs_shipped_cvae
def test_shipped_cvae_draws_the_digit_asked_for_and_an_untrained_one_does_not(untrained, judge, shipped_pretrained):
    shipped = label_accuracy(load_model("mnist-cvae"), judge)
    assert shipped >= SHIPPED_FLOOR, shipped
    assert label_accuracy(untrained, judge) <= UNTRAINED_CEILING


@needs_shipped_cvae
@requires_data
def test_shipped_cvae_transfers_real_styles(data_dir, judge, shipped_pretrained):
    """core.evaluators.digits.label_fidelity on 100 real held-out digits: each style, decoded as all ten labels,
    reads right."""
    from core.data import load_dataset
    from core.evaluators.digits import label_fidelity
    x_test, y_test = load_dataset("mnist", data_dir, download=False)[1]
    fidelity = label_fidelity(load_model("mnist-cvae"), judge, x_test[:100], y_test[:100].astype(int), per_class=10)
    assert fidelity["style_transfer_n"] == 1000
    assert fidelity["style_transfer_label_accuracy"] >= SHIPPED_FLOOR, fidelity
    assert fidelity["label_accuracy_prior_samples"] >= SHIPPED_FLOOR, fidelity
