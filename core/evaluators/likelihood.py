"""The likelihood of a VAE's held-out digits, as the digit models' cards report it: each digit binarised once, the
decoder read as a Bernoulli likelihood over its pixels, and two bounds on -log p(x) in nats (the negative ELBO and
the importance-weighted bound of Burda et al.)."""
from __future__ import annotations

import numpy as np

ELBO_SAMPLES, IWAE_SAMPLES = 16, 128


def binarise(x_grey: np.ndarray, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random(x_grey.shape) < x_grey).astype(np.float32)


def bernoulli_loglik(x_bin: np.ndarray, probs: np.ndarray) -> np.ndarray:
    p = np.clip(probs.reshape(len(probs), -1).astype(np.float64), 1e-6, 1 - 1e-6)
    x = x_bin.reshape(len(x_bin), -1)
    return (x * np.log(p) + (1 - x) * np.log1p(-p)).sum(1)


def likelihood_bounds(model, x_grey: np.ndarray, labels=None, seed: int = 0,
                      elbo_samples: int = ELBO_SAMPLES, iwae_samples: int = IWAE_SAMPLES) -> dict:
    """-ELBO and the IWAE bound on -log p(x) (nats, mean over digits) for a VAE's LatentModel.

    For a conditional VAE, pass the true labels: the bounds are then on -log p(x | label).
    The sample counts are arguments so tests can check the bound's approach to log p(x) as k grows;
    the cards use the defaults.
    """
    from scipy.special import logsumexp
    x_bin = binarise(x_grey, seed)
    mean, log_var = (a.astype(np.float64) for a in model.encode_distribution(x_grey, labels))
    std = np.exp(0.5 * log_var)
    kl = -0.5 * (1 + log_var - mean ** 2 - np.exp(log_var)).sum(1)
    rng = np.random.default_rng(seed + 1)

    def loglik(z):
        return bernoulli_loglik(x_bin, model.decode(z.astype(np.float32), labels))

    rec = np.mean([loglik(mean + std * rng.standard_normal(mean.shape)) for _ in range(elbo_samples)], axis=0)
    log_w = []
    for _ in range(iwae_samples):
        eps = rng.standard_normal(mean.shape)
        z = mean + std * eps
        log_prior = -0.5 * (z ** 2 + np.log(2 * np.pi)).sum(1)
        log_q = -0.5 * (eps ** 2 + np.log(2 * np.pi) + log_var).sum(1)
        log_w.append(loglik(z) + log_prior - log_q)
    iwae = logsumexp(np.stack(log_w), axis=0) - np.log(iwae_samples)
    return {"neg_elbo_nats": float(-(rec - kl).mean()), "neg_log_likelihood_iwae_nats": float(-iwae.mean()),
            "kl_nats": float(kl.mean()), "reconstruction_nats": float(-rec.mean())}
