"""Measure a shipped model on the held-out split and write the figures into its model card.

    python -m core.evaluate mnist-vae-2d [--data PATH]      (or: all)

Generative models: negative ELBO and an importance-weighted bound in nats,
reconstruction error, judge accuracy on reconstructions, Frechet distance of
samples; also writes latents.npz (held-out latent means, labels and 2-D
projections) so the scatter page works without the data set.
Judges: held-out accuracy, overall and per class.

How the likelihood is measured: each held-out digit's grey levels are
binarised once (pixel ~ Bernoulli(intensity), NumPy seed 0); the decoder is a
Bernoulli likelihood over the 784 binary pixels; the KL term is closed form;
the ELBO averages 16 posterior samples a digit; the IWAE bound uses 128.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from . import registry
from .data import load_dataset
from .images import as_model_input

ELBO_SAMPLES, IWAE_SAMPLES, FID_SAMPLES = 16, 128, 2000


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


def label_fidelity(model, judge, x_test, y_test, per_class: int = 1000) -> dict:
    """How well a conditional model obeys its label, as the judge sees it.

    Prior samples: `per_class` draws a class from N(0, I), decoded with that label.
    Style transfer: every held-out digit encoded with its own label, then decoded as each of the ten.
    """
    classes = np.arange(model.num_classes)
    wanted = np.repeat(classes, per_class)
    got = judge.predict_labels(model.sample(len(wanted), seed=0, labels=wanted))
    per_class_acc = {str(c): float((got[wanted == c] == c).mean()) for c in classes}
    style = model.encode(x_test, y_test)
    transfer_ok = [judge.predict_labels(model.decode(style, np.full(len(style), c))) == c for c in classes]
    return {"label_accuracy_prior_samples": float((got == wanted).mean()),
            "label_accuracy_prior_samples_per_class": per_class_acc,
            "label_accuracy_prior_samples_n": int(len(wanted)),
            "style_transfer_label_accuracy": float(np.mean(transfer_ok)),
            "style_transfer_n": int(len(style) * len(classes))}


def clearest_style(model, judge, means: np.ndarray, labels: np.ndarray, candidates: int = 100) -> int:
    """The held-out digit whose style, decoded as each of the labels, the judge reads as that label most surely
    (the highest lowest probability over the labels): the example a style-transfer view opens on."""
    from .latent import stratified_indices
    picked = stratified_indices(labels, candidates)
    classes = np.arange(model.num_classes)
    read, confidence = judge.read(model.decode(np.repeat(means[picked], len(classes), axis=0),
                                               np.tile(classes, len(picked))))
    sure = np.where(read == np.tile(classes, len(picked)), confidence, 0.0).reshape(len(picked), len(classes))
    return int(picked[sure.min(axis=1).argmax()])


def projections(means: np.ndarray, seed: int = 0) -> dict:
    """2-D views of the held-out codes for latents above 2-D: PCA, and t-SNE precomputed because it is slow."""
    if means.shape[1] <= 2:
        return {}
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    return {"pca": PCA(2, random_state=seed).fit_transform(means).astype(np.float32),
            "tsne": TSNE(2, init="pca", perplexity=30, random_state=seed).fit_transform(means).astype(np.float32)}


def evaluate_generative(model_id: str, data=None, judge=None) -> dict:
    card = registry.read_card(model_id)
    (_, _), (x_test, y_test) = load_dataset(card["dataset"]["name"], data)
    model = registry.load_model(model_id, heldout=False)
    labels = y_test.astype(np.int64) if model.conditional else None
    x_grey = as_model_input(x_test)[..., 0]
    means = model.encode(x_test, labels)
    recon = model.decode(means, labels)
    metrics = {
        "heldout_digits": int(len(x_test)),
        "reconstruction_mse": float(((recon - x_grey) ** 2).mean()),
        "reconstruction_nll_binarised_nats": float(-bernoulli_loglik(binarise(x_grey), recon).mean()),
    }
    if card["family"] in ("vae", "cvae"):
        metrics.update(likelihood_bounds(model, x_grey, labels))
    if model.conditional:
        metrics["likelihood_conditioned_on_label"] = True
    if judge is not None:
        from .judges import frechet_distance
        metrics["judge_accuracy_on_reconstructions"] = float((judge.predict_labels(recon) == y_test).mean())
        sample_labels = np.arange(FID_SAMPLES) % model.num_classes if model.conditional else None
        samples = model.sample(FID_SAMPLES, seed=0, labels=sample_labels)
        metrics["frechet_distance_samples"] = frechet_distance(judge.features(samples), judge.features(x_test))
        if model.conditional:
            metrics.update(label_fidelity(model, judge, x_test, labels))
    folder = registry.pretrained_root() / model_id
    np.savez_compressed(folder / card["files"]["latents"], means=means.astype(np.float32),
                        labels=y_test.astype(np.uint8), **projections(means))
    return metrics


def evaluate_judge(model_id: str, data=None) -> dict:
    from .judges import confidence_threshold, frechet_distance
    card = registry.read_card(model_id)
    (x_train, _), (x_test, y_test) = load_dataset(card["dataset"]["name"], data)
    judge = registry.load_judge(model_id)
    pred, confidence = judge.read(x_test)
    threshold = confidence_threshold(confidence, pred == y_test)
    confident = confidence >= threshold
    per_class = {str(c): float((pred[y_test == c] == c).mean()) for c in np.unique(y_test)}
    # A seeded random draw: the training split is sorted by class.
    pick = np.random.default_rng(0).choice(len(x_train), size=min(FID_SAMPLES, len(x_train)), replace=False)
    real = judge.features(x_train[pick])
    return {"heldout_digits": int(len(x_test)), "heldout_accuracy": float((pred == y_test).mean()),
            "per_class_accuracy": per_class,
            "frechet_distance_real_train_vs_heldout": frechet_distance(real, judge.features(x_test)),
            "confidence_threshold": threshold, "heldout_share_confident": float(confident.mean()),
            "heldout_accuracy_confident": float((pred == y_test)[confident].mean()),
            "note": "The Frechet distance between 2,000 real training digits and the held-out digits is the floor "
                    "a perfect generator would reach with this sample size. A reading counts as confident when "
                    "the judge gives it at least the confidence threshold: the lowest at which its confident "
                    "readings of held-out digits are wrong at most 0.1% of the time."}


def evaluate(model_id: str, data=None, root: Path | None = None) -> dict:
    """Measure one model and write its card, latents and manifest entry; `root` overrides pretrained/."""
    with registry.using_root(root):
        return _evaluate(model_id, data)


def _evaluate(model_id: str, data=None) -> dict:
    card = registry.read_card(model_id)
    if card["kind"] == "judge":
        metrics = evaluate_judge(model_id, data)
    else:
        try:
            judge = registry.load_judge()
        except registry.PretrainedError as e:
            print(f"(no judge metrics: {e})")
            judge = None
        metrics = evaluate_generative(model_id, data, judge)
    card["metrics"] = metrics
    card["evaluation"] = {"command": f"python -m core.evaluate {model_id}",
                          "method": __doc__.split("How the likelihood is measured: ")[1].strip().replace("\n", " ")}
    (registry.pretrained_root() / model_id / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id)
    return metrics


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m core.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("model_id", help="a shipped model id, or 'all'")
    p.add_argument("--data", help="data folder (default: $LATENT_LAB_DATA, then the usual caches)")
    a = p.parse_args(argv)
    ids = list(registry.read_manifest()["models"]) if a.model_id == "all" else [a.model_id]
    ids.sort(key=lambda i: registry.read_card(i).get("kind") != "judge")  # judge first: others use it
    for model_id in ids:
        print(model_id, json.dumps(evaluate(model_id, a.data), indent=2))


if __name__ == "__main__":
    main()
