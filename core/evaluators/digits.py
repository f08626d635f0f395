"""The digit models' measures on the held-out digits: reconstructions, likelihood bounds, samples in two judges'
features, a conditional model's obedience to its label, the 2-D views of the held-out codes; and the digit judges'
own held-out accuracy and confidence threshold. The GANs (evaluators/gans.py) share the sample measures."""
from __future__ import annotations

import numpy as np

from .. import registry
from ..data import load_dataset
from ..images import as_model_input
from ..recipes import JUDGE, SECOND_JUDGE
from .likelihood import bernoulli_loglik, binarise, likelihood_bounds

SAMPLE_FID = 5000  # a digit model's samples for its Frechet distance against the 2,000 held-out digits (all alike)
PR_NEIGHBOURS = 3  # k of improved precision and recall (Kynkaanniemi et al., 2019)


def sample_label_accuracy(model, judge, per_class: int = 1000) -> dict:
    """How often the judge reads the requested digit in a conditional model's samples: `per_class` draws a class
    from the prior, decoded with that label."""
    classes = np.arange(model.num_classes)
    wanted = np.repeat(classes, per_class)
    got = judge.predict_labels(model.sample(len(wanted), seed=0, labels=wanted))
    return {"label_accuracy_prior_samples": float((got == wanted).mean()),
            "label_accuracy_prior_samples_per_class": {str(c): float((got[wanted == c] == c).mean()) for c in classes},
            "label_accuracy_prior_samples_n": int(len(wanted))}


def label_fidelity(model, judge, x_test, y_test, per_class: int = 1000) -> dict:
    """How well a conditional model obeys its label, as the judge sees it: its samples (sample_label_accuracy),
    and style transfer, every held-out digit encoded with its own label, then decoded as each of the ten."""
    classes = np.arange(model.num_classes)
    samples = sample_label_accuracy(model, judge, per_class)
    style = model.encode(x_test, y_test)
    transfer_ok = [judge.predict_labels(model.decode(style, np.full(len(style), c))) == c for c in classes]
    return {**samples,
            "style_transfer_label_accuracy": float(np.mean(transfer_ok)),
            "style_transfer_n": int(len(style) * len(classes))}



def projections(means: np.ndarray, seed: int = 0) -> dict:
    """2-D views of the held-out codes for latents above 2-D: PCA, and t-SNE precomputed because it is slow."""
    if means.shape[1] <= 2:
        return {}
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    return {"pca": PCA(2, random_state=seed).fit_transform(means).astype(np.float32),
            "tsne": TSNE(2, init="pca", perplexity=30, random_state=seed).fit_transform(means).astype(np.float32)}


def sample_quality(samples: np.ndarray, x_test: np.ndarray, judges: dict) -> dict:
    """Each judge's view of samples against the held-out digits, in its own features: Frechet distance (lower is
    better), improved precision (the share of samples that look like held-out digits) and recall (the share of
    held-out digits the samples cover)."""
    from ..judges import frechet_distance, precision_recall
    out = {}
    for judge_id, judge in judges.items():
        real, fake = judge.features(x_test), judge.features(samples)
        precision, recall = precision_recall(real, fake, k=PR_NEIGHBOURS)
        out[judge_id] = {"frechet_distance": frechet_distance(fake, real), "precision": precision, "recall": recall}
    return out


def evaluate_generative(model_id: str, data=None, judge=None, second=None) -> dict:
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
        from ..judges import frechet_distance
        metrics["judge_accuracy_on_reconstructions"] = float((judge.predict_labels(recon) == y_test).mean())
        sample_labels = np.arange(SAMPLE_FID) % model.num_classes if model.conditional else None
        samples = model.sample(SAMPLE_FID, seed=0, labels=sample_labels)
        metrics["frechet_distance_samples"] = frechet_distance(judge.features(samples), judge.features(x_test))
        metrics["frechet_distance_samples_n"] = SAMPLE_FID
        metrics["sample_quality"] = sample_quality(samples, x_test, {JUDGE: judge, **({SECOND_JUDGE: second}
                                                                                       if second else {})})
        if model.conditional:
            metrics.update(label_fidelity(model, judge, x_test, labels))
    folder = registry.pretrained_root() / model_id
    np.savez_compressed(folder / card["files"]["latents"], means=means.astype(np.float32),
                        labels=y_test.astype(np.uint8), **projections(means))
    return metrics


def evaluate_judge(model_id: str, data=None) -> dict:
    from ..judges import confidence_threshold, frechet_distance, precision_recall
    card = registry.read_card(model_id)
    (x_train, _), (x_test, y_test) = load_dataset(card["dataset"]["name"], data)
    judge = registry.load_judge(model_id)
    pred, confidence = judge.read(x_test)
    threshold = confidence_threshold(confidence, pred == y_test)
    confident = confidence >= threshold
    per_class = {str(c): float((pred[y_test == c] == c).mean()) for c in np.unique(y_test)}
    # A seeded random draw: the training split is sorted by class.
    pick = np.random.default_rng(0).choice(len(x_train), size=min(SAMPLE_FID, len(x_train)), replace=False)
    real = judge.features(x_train[pick])
    floor_precision, floor_recall = precision_recall(judge.features(x_test), real, k=PR_NEIGHBOURS)
    return {"heldout_digits": int(len(x_test)), "heldout_accuracy": float((pred == y_test).mean()),
            "precision_real_train_vs_heldout": floor_precision, "recall_real_train_vs_heldout": floor_recall,
            "per_class_accuracy": per_class,
            "frechet_distance_real_train_vs_heldout": frechet_distance(real, judge.features(x_test)),
            "confidence_threshold": threshold, "heldout_share_confident": float(confident.mean()),
            "heldout_accuracy_confident": float((pred == y_test)[confident].mean()) if confident.any() else None,
            "frechet_floor_samples": int(len(pick)),
            "note": f"The Frechet distance, precision and recall of {len(pick):,} real training digits against the "
                    "held-out digits are what a perfect generator would reach with the models' sample size. A reading "
                    "counts as confident when "
                    "the judge gives it at least the confidence threshold: the lowest at which its confident "
                    "readings of held-out digits are wrong at most 0.1% of the time."}

