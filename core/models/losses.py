"""Loss maths shared by the autoencoder families, written once and unit-tested."""
from __future__ import annotations

import math

from keras import ops

EPS = 1e-6


def kl_divergence(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) in closed form, summed over latent dims: one value per item."""
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def reparameterize(mean, log_var, seed):
    """z = mean + sigma * eps, eps ~ N(0, I): a sample that gradients flow through."""
    import keras
    eps = keras.random.normal(ops.shape(mean), seed=seed)
    return mean + ops.exp(0.5 * log_var) * eps


def reconstruction_nll(targets, probs, likelihood="bernoulli", sigma=0.1):
    """Negative log-likelihood of targets under the decoder, in nats, summed over pixels: one value per item.

    bernoulli: targets in [0, 1] (binary for a true likelihood), probs are the Bernoulli means.
    gaussian: fixed standard deviation `sigma`, including the normalising constant.
    """
    axes = tuple(range(1, len(targets.shape)))
    if likelihood == "bernoulli":
        p = ops.clip(probs, EPS, 1.0 - EPS)
        return -ops.sum(targets * ops.log(p) + (1.0 - targets) * ops.log(1.0 - p), axis=axes)
    if likelihood == "gaussian":
        per_pixel = 0.5 * ops.square((targets - probs) / sigma) + math.log(sigma * math.sqrt(2 * math.pi))
        return ops.sum(per_pixel, axis=axes)
    raise ValueError(f"unknown likelihood {likelihood!r}; use 'bernoulli' or 'gaussian'")
