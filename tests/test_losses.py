"""core.models.losses: KL term, reparameterisation and reconstruction likelihoods against independent computations."""
import numpy as np
import pytest
from scipy import stats

keras = pytest.importorskip("keras")
from keras import ops  # noqa: E402

from core.models.losses import kl_divergence, reconstruction_nll, reparameterize  # noqa: E402


def np_(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


MEANS = np.array([[0.0, 0.0, 0.0], [1.5, -0.7, 0.2], [-2.0, 0.3, 1.0]], np.float32)
LOG_VARS = np.array([[0.0, 0.0, 0.0], [-1.2, 0.5, 0.0], [0.8, -2.0, -0.3]], np.float32)


def test_kl_is_zero_for_the_prior_itself():
    kl = np_(kl_divergence(np.zeros((4, 5), np.float32), np.zeros((4, 5), np.float32)))
    assert kl.shape == (4,)
    np.testing.assert_allclose(kl, 0.0, atol=1e-7)


def test_kl_matches_monte_carlo_estimate():
    """KL(q || p) = E_q[log q(z) - log p(z)], estimated with many samples of q."""
    kl = np_(kl_divergence(MEANS, LOG_VARS))
    assert kl.shape == (3,)
    rng = np.random.default_rng(0)
    n = 400_000
    for m, lv, got in zip(MEANS.astype(np.float64), LOG_VARS.astype(np.float64), kl):
        std = np.exp(0.5 * lv)
        z = m + std * rng.standard_normal((n, len(m)))
        log_ratio = (stats.norm.logpdf(z, m, std) - stats.norm.logpdf(z)).sum(1)
        estimate, se = log_ratio.mean(), log_ratio.std() / np.sqrt(n)
        assert abs(got - estimate) < 5 * se + 1e-6, (got, estimate, se)
    assert kl[1] > 0 and kl[2] > 0


def test_kl_closed_form_per_dimension():
    # One dimension, mean 1, variance e: 0.5 * (e + 1 - 1 - 1) = 0.5 * (e - 1)
    kl = np_(kl_divergence(np.array([[1.0]], np.float32), np.array([[1.0]], np.float32)))
    np.testing.assert_allclose(kl, [0.5 * (np.e - 1.0)], rtol=1e-6)


def test_kl_sums_over_the_last_axis_whatever_the_rank():
    """One value per item of any batch shape: (samples, batch, latent) codes give (samples, batch) values."""
    stacked_means, stacked_log_vars = np.stack([MEANS, -MEANS]), np.stack([LOG_VARS, LOG_VARS[::-1]])
    kl = np_(kl_divergence(stacked_means, stacked_log_vars))
    assert kl.shape == (2, 3)
    np.testing.assert_allclose(kl[0], np_(kl_divergence(MEANS, LOG_VARS)), rtol=1e-6)
    np.testing.assert_allclose(kl[1], np_(kl_divergence(-MEANS, LOG_VARS[::-1])), rtol=1e-6)


def test_reparameterize_sample_statistics():
    n = 100_000
    mean = np.tile(np.array([[2.0, -1.0, 0.0]], np.float32), (n, 1))
    log_var = np.tile(np.log(np.array([[0.25, 4.0, 1.0]], np.float32)), (n, 1))
    z = np_(reparameterize(mean, log_var, seed=1))
    assert z.shape == (n, 3)
    np.testing.assert_allclose(z.mean(0), [2.0, -1.0, 0.0], atol=0.03)
    np.testing.assert_allclose(z.std(0), [0.5, 2.0, 1.0], rtol=0.02)
    # independent coordinates
    assert abs(np.corrcoef(z, rowvar=False)[0, 1]) < 0.02


def test_reparameterize_lets_gradients_through():
    import tensorflow as tf
    mean = tf.Variable([[0.5, -0.5]])
    log_var = tf.Variable([[0.2, -0.4]])
    with tf.GradientTape() as tape:
        z = reparameterize(mean, log_var, seed=3)
        total = tf.reduce_sum(z)
    g_mean, g_log_var = tape.gradient(total, [mean, log_var])
    np.testing.assert_allclose(g_mean.numpy(), 1.0)
    # dz/dlog_var = 0.5 * sigma * eps = 0.5 * (z - mean)
    np.testing.assert_allclose(g_log_var.numpy(), 0.5 * (z.numpy() - mean.numpy()), rtol=1e-5, atol=1e-7)


def test_reparameterize_is_seeded():
    mean, log_var = np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float32)
    a, b = np_(reparameterize(mean, log_var, seed=7)), np_(reparameterize(mean, log_var, seed=7))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, np_(reparameterize(mean, log_var, seed=8)))


def test_bernoulli_nll_against_numpy_and_scipy():
    rng = np.random.default_rng(0)
    targets = (rng.random((4, 6, 5, 1)) < 0.4).astype(np.float32)
    probs = rng.uniform(0.05, 0.95, targets.shape).astype(np.float32)
    got = np_(reconstruction_nll(targets, probs, "bernoulli"))
    assert got.shape == (4,)
    by_hand = -(targets * np.log(probs.astype(np.float64)) + (1 - targets) * np.log1p(-probs.astype(np.float64)))
    np.testing.assert_allclose(got, by_hand.sum((1, 2, 3)), rtol=1e-5)
    by_scipy = -stats.bernoulli.logpmf(targets.astype(int), probs.astype(np.float64)).sum((1, 2, 3))
    np.testing.assert_allclose(got, by_scipy, rtol=1e-5)


def test_bernoulli_nll_grey_targets_is_cross_entropy():
    # Grey targets: the same cross-entropy formula, smallest where probs == targets.
    t = np.full((1, 4), 0.3, np.float32)
    at_target = np_(reconstruction_nll(t, t, "bernoulli"))[0]
    np.testing.assert_allclose(at_target, -4 * (0.3 * np.log(0.3) + 0.7 * np.log(0.7)), rtol=1e-5)
    assert np_(reconstruction_nll(t, np.full_like(t, 0.5), "bernoulli"))[0] > at_target


def test_bernoulli_nll_stays_finite_at_saturated_probs():
    targets = np.array([[0.0, 1.0]], np.float32)
    probs = np.array([[1.0, 0.0]], np.float32)  # both pixels certain and wrong
    got = np_(reconstruction_nll(targets, probs, "bernoulli"))[0]
    assert np.isfinite(got)
    np.testing.assert_allclose(got, -2 * np.log(1e-6), rtol=1e-3)


@pytest.mark.parametrize("sigma", [0.1, 0.5, 1.0])
def test_gaussian_nll_against_scipy(sigma):
    rng = np.random.default_rng(1)
    targets = rng.random((3, 7, 7)).astype(np.float32)
    means = rng.random((3, 7, 7)).astype(np.float32)
    got = np_(reconstruction_nll(targets, means, "gaussian", sigma=sigma))
    assert got.shape == (3,)
    expected = -stats.norm.logpdf(targets.astype(np.float64), means.astype(np.float64), sigma).sum((1, 2))
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_unknown_likelihood_raises():
    x = np.zeros((1, 2), np.float32)
    with pytest.raises(ValueError, match="likelihood"):
        reconstruction_nll(x, x, "poisson")


def test_defaults_are_bernoulli_and_sigma_one_tenth():
    """What the VAE trains with when a recipe says nothing (found untested by the mutation run, tests/MUTATION.md)."""
    rng = np.random.default_rng(2)
    t, p = rng.random((2, 3, 3)).astype(np.float32), rng.uniform(0.1, 0.9, (2, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(np_(reconstruction_nll(t, p)), np_(reconstruction_nll(t, p, "bernoulli")))
    np.testing.assert_array_equal(np_(reconstruction_nll(t, p, "gaussian")),
                                  np_(reconstruction_nll(t, p, "gaussian", sigma=0.1)))
