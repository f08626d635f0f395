"""core.models and the judge network: shapes, loss wiring, and .keras save/load round trips in safe mode."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.judges import FEATURES_LAYER, build_judge  # noqa: E402
from core.models import autoencoder, networks, vae  # noqa: E402
from core.models.losses import reconstruction_nll  # noqa: E402

SHAPE = (28, 28, 1)


def images(n, seed=0):
    return np.random.default_rng(seed).random((n, *SHAPE)).astype(np.float32)


def reload(model, path):
    model.save(path)
    return keras.saving.load_model(path, compile=False, safe_mode=True)


# ------------------------------------------------------------------ builders

def test_encoders_and_decoder_shapes():
    x = images(3)
    assert autoencoder.build_encoder(5, SHAPE)(x).shape == (3, 5)
    mean, log_var = vae.build_encoder(4, SHAPE)(x)
    assert mean.shape == (3, 4) and log_var.shape == (3, 4)
    dec = networks.mlp_decoder(4, SHAPE)
    out = np.asarray(dec(np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32) * 10))
    assert out.shape == (3, *SHAPE)
    assert out.min() >= 0 and out.max() <= 1  # sigmoid intensities


def test_decoder_for_colour_images_and_extra_inputs():
    label = keras.Input(shape=(10,), name="label")
    dec = networks.mlp_decoder(2, (8, 6, 3), extra_inputs=(label,))
    assert [tuple(i.shape) for i in dec.inputs] == [(None, 2), (None, 10)]
    out = dec([np.zeros((2, 2), np.float32), np.eye(10, dtype=np.float32)[:2]])
    assert out.shape == (2, 8, 6, 3)


def test_judge_network():
    judge = build_judge(SHAPE)
    assert judge.output.shape == (None, 10)
    assert judge.get_layer(FEATURES_LAYER).output.shape == (None, 128)


# ------------------------------------------------------------------ save / load round trips

def test_autoencoder_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    enc, dec = autoencoder.build_encoder(2, SHAPE), networks.mlp_decoder(2, SHAPE)
    x, z = images(5), np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
    enc2, dec2 = reload(enc, tmp_path / "encoder.keras"), reload(dec, tmp_path / "decoder.keras")
    np.testing.assert_array_equal(np.asarray(enc2(x)), np.asarray(enc(x)))
    np.testing.assert_array_equal(np.asarray(dec2(z)), np.asarray(dec(z)))


def test_vae_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    enc, dec = vae.build_encoder(3, SHAPE), networks.mlp_decoder(3, SHAPE)
    x, z = images(5), np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    enc2, dec2 = reload(enc, tmp_path / "encoder.keras"), reload(dec, tmp_path / "decoder.keras")
    for a, b in zip(enc2(x), enc(x)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(dec2(z)), np.asarray(dec(z)))
    assert [o.name for o in enc2.layers if o.name.startswith("z_")] == ["z_mean", "z_log_var"]


def test_conditional_decoder_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    dec = networks.mlp_decoder(2, SHAPE, extra_inputs=(keras.Input(shape=(10,), name="label"),))
    z = np.random.default_rng(2).normal(size=(4, 2)).astype(np.float32)
    c = np.eye(10, dtype=np.float32)[[1, 5, 7, 9]]
    dec2 = reload(dec, tmp_path / "decoder.keras")
    np.testing.assert_array_equal(np.asarray(dec2([z, c])), np.asarray(dec([z, c])))


def test_judge_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    judge = build_judge(SHAPE)
    x = images(4)
    judge2 = reload(judge, tmp_path / "classifier.keras")
    np.testing.assert_array_equal(np.asarray(judge2(x)), np.asarray(judge(x)))
    assert judge2.get_layer(FEATURES_LAYER).output.shape == (None, 128)


def test_untrained_round_trip_is_not_trivially_equal(tmp_path):
    """Guard for the round-trip tests: two differently seeded builds do differ, so equality above means something."""
    keras.utils.set_random_seed(0)
    a = networks.mlp_decoder(2, SHAPE)
    keras.utils.set_random_seed(1)
    b = networks.mlp_decoder(2, SHAPE)
    z = np.ones((1, 2), np.float32)
    assert not np.allclose(np.asarray(a(z)), np.asarray(b(z)))


# ------------------------------------------------------------------ the training models

def test_autoencoder_forward_and_loss_fall_with_training():
    keras.utils.set_random_seed(0)
    model = autoencoder.Autoencoder(2, SHAPE)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    x = (images(64) > 0.7).astype(np.float32) * images(64, seed=1)
    assert model(x[:2]).shape == (2, *SHAPE)
    before = model.evaluate(x, batch_size=64, verbose=0, return_dict=True)["loss"]
    manual = float(np.mean(keras.ops.convert_to_numpy(reconstruction_nll(x, model(x), "bernoulli"))))
    assert before == pytest.approx(manual, rel=1e-4)
    model.fit(x, epochs=15, batch_size=32, verbose=0, shuffle=False)
    after = model.evaluate(x, batch_size=64, verbose=0, return_dict=True)["loss"]
    assert after < 0.9 * before


def test_denoising_autoencoder_drops_pixels_for_the_encoder_in_training_only():
    """denoise p: in training the encoder sees the digit with a share p of its pixels zeroed, the rest unchanged,
    while the loss scores the whole digit; evaluation shows the encoder the whole digit."""
    keras.utils.set_random_seed(0)
    x = images(8) + 0.01  # no pixel is 0 before dropping
    plain = autoencoder.Autoencoder(2, SHAPE, decoder_widths=(16, 32))
    assert [l.units for l in plain.decoder.layers if hasattr(l, "units")] == [16, 32, 784]
    for p in (1.0, 0.5):
        model = autoencoder.Autoencoder(2, SHAPE, denoise=p, decoder_widths=(16, 32), seed=3)
        seen = []

        def spy(images, training=False):
            seen.append(keras.ops.convert_to_numpy(images))
            return plain.encoder(images, training=training)
        model.encoder, model.decoder = spy, plain.decoder
        loss = float(model._loss(x, training=True))
        dropped = seen[-1] == 0
        assert dropped.mean() == pytest.approx(p, abs=0.02)
        np.testing.assert_array_equal(seen[-1][~dropped], x[~dropped])
        expected = reconstruction_nll(x, plain.decoder(plain.encoder(seen[-1])), "bernoulli")  # whole targets
        assert loss == pytest.approx(float(np.mean(keras.ops.convert_to_numpy(expected))), rel=1e-5)
        model._loss(x, training=False)
        np.testing.assert_array_equal(seen[-1], x)


def test_vae_loss_is_reconstruction_plus_beta_kl():
    keras.utils.set_random_seed(0)
    model = vae.VAE(2, SHAPE, beta=2.5, binarize=False, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = images(32)
    m = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    assert set(m) == {"loss", "reconstruction", "kl"}
    assert m["kl"] >= 0
    assert m["loss"] == pytest.approx(m["reconstruction"] + 2.5 * m["kl"], rel=1e-5)


def test_vae_call_decodes_the_posterior_mean():
    keras.utils.set_random_seed(0)
    model = vae.VAE(2, SHAPE)
    x = images(3)
    mean, _ = model.encoder(x)
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(model.decoder(mean)), rtol=1e-6)


def test_vae_training_lowers_its_loss():
    keras.utils.set_random_seed(0)
    model = vae.VAE(2, SHAPE, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    x = np.zeros((64, *SHAPE), np.float32)
    x[:, 8:20, 8:20] = 0.9  # one bright square: easy to learn
    history = model.fit(x, epochs=10, batch_size=32, verbose=0, shuffle=False).history
    assert set(history) >= {"loss", "reconstruction", "kl"}
    assert history["loss"][-1] < 0.8 * history["loss"][0]


@pytest.mark.parametrize("binarize,likelihood", [(True, "bernoulli"), (False, "bernoulli"), (True, "gaussian")])
def test_vae_dynamic_binarisation(monkeypatch, binarize, likelihood):
    """Bernoulli VAEs score a fresh binary sample of each grey digit (pixel on with probability = grey level)."""
    seen = []

    def spy(targets, probs, lik="bernoulli", **kw):
        seen.append(keras.ops.convert_to_numpy(targets))
        return reconstruction_nll(targets, probs, lik, **kw)

    monkeypatch.setattr(vae, "reconstruction_nll", spy)
    keras.utils.set_random_seed(0)
    model = vae.VAE(2, SHAPE, binarize=binarize, likelihood=likelihood, seed=0)
    grey = np.random.default_rng(0).uniform(0.1, 0.9, (64, *SHAPE)).astype(np.float32)
    model._terms(grey, training=False)
    model._terms(grey, training=False)
    first, second = seen
    if binarize and likelihood == "bernoulli":
        assert set(np.unique(first)) == {0.0, 1.0}
        # on with probability equal to the grey level: E[target] = grey, checked over 50,176 pixels
        assert abs((first - grey).mean()) < 0.01
        assert np.corrcoef(first.ravel(), grey.ravel())[0, 1] > 0.4
        assert not np.array_equal(first, second)  # a fresh sample each time
    else:
        np.testing.assert_array_equal(first, grey)
