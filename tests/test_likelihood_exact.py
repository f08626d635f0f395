"""`core.evaluators.likelihood.likelihood_bounds` against an exact answer.

The cards' -ELBO and IWAE figures are otherwise checked only against themselves. Here a VAE small
enough to integrate by hand: a 2-D latent, a Bernoulli decoder over 2x2 pixels (logits linear in z),
so log p(x) = log of the integral of p(x|z) N(z; 0, I) dz is computed on a fine grid (the integrand
is smooth with Gaussian tails, so the grid sum is exact to ~1e-12; the 16 patterns' p(x) summing to 1
checks it). The encoder is a linear map fitted to the true posterior's moments, then made
over-confident (log-variance - 0.7) as trained VAEs are, so the ELBO gap is clear. Both networks are
Keras models run through `LatentModel` and `likelihood_bounds`, the code path the cards use.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import log_expit, logsumexp

from core.evaluators.likelihood import likelihood_bounds

# Decoder: logits = z @ W + b over 4 pixels.
W = np.array([[3.0, -2.0, 1.5, -1.0], [1.0, 2.5, -2.0, -3.0]])
B = np.array([0.5, -0.5, 0.0, 1.0])
PATTERNS = np.array(list(itertools.product([0.0, 1.0], repeat=4)))  # every binary 2x2 image
COPIES = 200          # each pattern 200 times: 3,200 digits, so Monte Carlo noise is ~0.005 nats
OVERCONFIDENT = -0.7  # added to q's fitted log-variance
TOLERANCE = 0.03      # nats: IWAE-512 must land this close to log p(x) (expected gap ~0.01)


def grid(n: int = 401, extent: float = 8.0):
    g = np.linspace(-extent, extent, n)
    z = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    return z, 2 * np.log(g[1] - g[0])


def log_joint(x, z):
    """log p(x|z) + log N(z; 0, I) for patterns x (P, 4) at grid points z (G, 2) -> (P, G), in NumPy."""
    logits = z @ W + B
    return x @ log_expit(logits).T + (1 - x) @ log_expit(-logits).T - 0.5 * (z ** 2).sum(1) - np.log(2 * np.pi)


def exact(n: int = 401):
    """Per pattern: log p(x), the true posterior's mean and variance, by quadrature."""
    z, log_cell = grid(n)
    lj = log_joint(PATTERNS, z)
    log_px = logsumexp(lj, axis=1) + log_cell
    post = np.exp(lj - logsumexp(lj, axis=1, keepdims=True))
    mean = post @ z
    return log_px, mean, post @ z ** 2 - mean ** 2


def exact_elbo(q_mean, q_log_var):
    """E_q[log p(x, z) - log q(z|x)] per pattern, by the same quadrature."""
    z, log_cell = grid()
    var = np.exp(q_log_var)
    log_q = (-0.5 * (z[None] - q_mean[:, None]) ** 2 / var[:, None] - 0.5 * np.log(2 * np.pi * var[:, None])).sum(-1)
    return (np.exp(log_q + log_cell) * (log_joint(PATTERNS, z) - log_q)).sum(1)


@pytest.fixture(scope="module")
def setup():
    """The model (Keras encoder/decoder in a LatentModel), the digits, and the exact answers."""
    import keras

    from core.latent_model import LatentModel

    log_px, post_mean, post_var = exact()
    design = np.hstack([PATTERNS, np.ones((len(PATTERNS), 1))])
    fit_mean = np.linalg.lstsq(design, post_mean, rcond=None)[0]
    fit_log_var = np.linalg.lstsq(design, np.log(post_var), rcond=None)[0]
    fit_log_var[-1] += OVERCONFIDENT

    images = keras.Input((2, 2, 1))
    flat = keras.layers.Flatten()(images)  # row-major: pixel order of PATTERNS
    z_mean, z_log_var = keras.layers.Dense(2), keras.layers.Dense(2)
    encoder = keras.Model(images, [z_mean(flat), z_log_var(flat)])
    z_mean.set_weights([fit_mean[:4], fit_mean[4]])
    z_log_var.set_weights([fit_log_var[:4], fit_log_var[4]])
    z = keras.Input((2,))
    logits = keras.layers.Dense(4, activation="sigmoid")
    decoder = keras.Model(z, keras.layers.Reshape((2, 2, 1))(logits(z)))
    logits.set_weights([W, B])
    card = {"id": "exact-vae", "latent_dim": 2, "image_shape": [2, 2, 1], "conditional": False, "num_classes": 0}
    model = LatentModel(card, encoder, decoder)

    q_mean, q_log_var = design @ fit_mean, design @ fit_log_var
    digits = np.repeat(PATTERNS, COPIES, axis=0).reshape(-1, 2, 2).astype(np.float32)
    return {"model": model, "digits": digits, "log_px": log_px.mean(), "q_log_var": q_log_var,
            "elbo": exact_elbo(q_mean, q_log_var).mean()}


@pytest.fixture(scope="module")
def bounds(setup):
    """likelihood_bounds at k = 1, 8, 64, 512 importance samples (same seed: each k's samples extend the last's)."""
    return {k: likelihood_bounds(setup["model"], setup["digits"], iwae_samples=k) for k in (1, 8, 64, 512)}


def test_quadrature_is_exact():
    """The reference itself: the 16 patterns' p(x) sum to 1, and a grid twice as coarse agrees to 1e-9."""
    log_px = exact()[0]
    assert np.exp(log_px).sum() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(exact(201)[0], log_px, atol=1e-9)


def test_model_is_a_fair_test(setup):
    """Preconditions: q's log-variance is far from 0 (else log q's variance term would be invisible),
    and binary digits pass through likelihood_bounds' binarisation unchanged."""
    from core.evaluators.likelihood import binarise
    assert setup["q_log_var"].sum(1).max() < -2.0
    np.testing.assert_array_equal(binarise(setup["digits"]), setup["digits"])
    assert setup["model"].encode_distribution(setup["digits"][:1])[1] == pytest.approx(setup["q_log_var"][:1], abs=1e-5)


def test_elbo_is_the_exact_elbo_and_below_log_px(setup, bounds):
    """-ELBO matches the quadrature ELBO (16 samples a digit) and lies a clear 0.2 nats above -log p(x)."""
    elbo, log_px = setup["elbo"], setup["log_px"]
    assert log_px - elbo > 0.15  # the gap is KL(q || posterior) > 0: here about 0.21 nats
    for b in bounds.values():
        assert -b["neg_elbo_nats"] == pytest.approx(elbo, abs=0.015)
        assert -b["neg_elbo_nats"] < log_px - 0.15
        assert b["neg_elbo_nats"] == pytest.approx(b["reconstruction_nats"] + b["kl_nats"])


def test_iwae_rises_to_log_px(setup, bounds):
    """IWAE-1 is an unbiased ELBO estimate; IWAE-k climbs with k and ends within TOLERANCE of log p(x)."""
    log_px = setup["log_px"]
    iwae = {k: -b["neg_log_likelihood_iwae_nats"] for k, b in bounds.items()}
    assert iwae[1] == pytest.approx(setup["elbo"], abs=0.04)  # one sample a digit: standard error ~0.009
    ks = sorted(iwae)
    for small, large in zip(ks, ks[1:]):
        assert iwae[small] < iwae[large], iwae
    assert all(v < log_px + 0.01 for v in iwae.values()), (iwae, log_px)  # a lower bound, up to sampling noise
    assert abs(iwae[512] - log_px) < TOLERANCE, (iwae, log_px)
    assert log_px - iwae[512] < (log_px - iwae[8]) / 3  # most of the ELBO gap is closed
