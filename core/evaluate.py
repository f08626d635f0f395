"""Measure a shipped model on the held-out split and write the figures into its model card.

    python -m core.evaluate mnist-vae-2d [--data PATH]      (or: all)

Generative models: negative ELBO and an importance-weighted bound in nats,
reconstruction error, judge accuracy on reconstructions, Frechet distance,
precision and recall of samples in two judges' features; also writes latents.npz (held-out latent means, labels and 2-D
projections) so the scatter page works without the data set.
Judges: held-out accuracy, overall and per class.

How the likelihood is measured: each held-out digit's grey levels are
binarised once (pixel ~ Bernoulli(intensity), NumPy seed 0); the decoder is a
Bernoulli likelihood over the 784 binary pixels; the KL term is closed form;
the ELBO averages 16 posterior samples a digit; the IWAE bound uses 128.
Samples (5,000 from the prior, seed 0) are measured against the held-out
digits in mnist-judge's features and in mnist-judge-b's (another architecture,
another seed): Frechet distance, and improved precision and recall with k = 3
nearest neighbours (Kynkaanniemi et al., 2019).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from . import registry
from .data import load_dataset
from .images import as_model_input, laplacian_energy
from .face_edits import evaluate_attribute_edits
from .latent import attribute_vectors, code_components, detied_vectors, linear_boundaries, trick_latents
from .opening_face import opening_face
from .recipes import GAN_FAMILIES, JUDGE, SECOND_JUDGE

ELBO_SAMPLES, IWAE_SAMPLES, FID_SAMPLES = 16, 128, 2000
SAMPLE_FID = 5000  # a digit model's samples for its Frechet distance against the 2,000 held-out digits (all alike)
PR_NEIGHBOURS = 3  # k of improved precision and recall (Kynkaanniemi et al., 2019)


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


def sample_quality(samples: np.ndarray, x_test: np.ndarray, judges: dict) -> dict:
    """Each judge's view of samples against the held-out digits, in its own features: Frechet distance (lower is
    better), improved precision (the share of samples that look like held-out digits) and recall (the share of
    held-out digits the samples cover)."""
    from .judges import frechet_distance, precision_recall
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
        from .judges import frechet_distance
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
    from .judges import confidence_threshold, frechet_distance, precision_recall
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


# ------------------------------------------------------------------ GANs (no encoder: samples only)

TRUNCATIONS = (0.25, 0.5, 0.75, 1.0, 1.25)  # the spreads of the truncation trade-off, 1 being the prior itself
GAN_GOALS = {"class_share_min": 0.05, "class_share_max": 0.15, "dcgan_frechet_max_share_of_vae_2d": 0.5,
             "label_accuracy_min": 0.97, "label_accuracy_per_class_min": 0.93,
             "dcgan_precision_min": 0.75, "dcgan_recall_min": 0.85}
GAN_METHOD = (
    f"{SAMPLE_FID:,} samples (seed 0; a conditional GAN's labels 0-9 in turn) are read by mnist-judge: the "
    "Frechet distance of their judge features to the 2,000 held-out digits' (the VAE cards use the same protocol), "
    "the share of samples the judge reads as each digit (mode coverage: a collapsed GAN draws a few digits "
    "only), its mean confidence and the share of readings at least its confidence threshold. Truncation psi "
    f"draws z from N(0, psi^2 I); the same figures at psi = {', '.join(map(str, TRUNCATIONS))}. A conditional "
    "GAN's label accuracy: 1,000 samples a digit, the share the judge reads as the digit asked for. "
    f"The samples at psi = 1 are measured in {SECOND_JUDGE}'s features too (another architecture, another seed): "
    f"in each judge's, the Frechet distance and improved precision and recall (k = {PR_NEIGHBOURS} nearest "
    "neighbours; Kynkaanniemi et al., 2019).")


def sample_scores(model, judge, real_features: np.ndarray, truncation: float, n: int) -> dict:
    """What the judge makes of n samples at one truncation: Frechet distance, class shares, confidence."""
    from .judges import frechet_distance
    labels = np.arange(n) % model.num_classes if model.conditional else None
    x = model.sample(n, seed=0, labels=labels, truncation=truncation)
    read, confidence = judge.read(x)
    shares = np.bincount(read, minlength=10) / n
    scores = {"truncation": truncation, "frechet_distance": frechet_distance(judge.features(x), real_features),
              "class_shares": [float(v) for v in shares], "smallest_class_share": float(shares.min()),
              "largest_class_share": float(shares.max()), "mean_confidence": float(confidence.mean()),
              "share_confident": float((confidence >= judge.confidence_threshold).mean())}
    if model.conditional:
        scores["label_accuracy"] = float((read == labels).mean())
    return scores


def evaluate_gan(model_id: str, data=None, judge=None, second=None) -> dict:
    """Sample quality, mode coverage and the truncation trade-off of a GAN (GAN_METHOD), with its goals."""
    if judge is None:
        raise registry.PretrainedError(f"{model_id} is measured by mnist-judge only: train it first "
                                       f"(python -m core.train mnist-judge)")
    card = registry.read_card(model_id)
    (_, _), (x_test, _) = load_dataset(card["dataset"]["name"], data)
    model = registry.load_model(model_id, heldout=False)
    real = judge.features(x_test)
    sweep = [sample_scores(model, judge, real, t, SAMPLE_FID) for t in TRUNCATIONS]
    plain = sweep[TRUNCATIONS.index(1.0)]
    metrics = {"heldout_digits": int(len(x_test)), "frechet_distance_samples": plain["frechet_distance"],
               "frechet_distance_samples_n": SAMPLE_FID, "class_shares": plain["class_shares"],
               "mean_confidence": plain["mean_confidence"], "share_confident": plain["share_confident"],
               "truncation": sweep, "goals": GAN_GOALS}
    labels = np.arange(SAMPLE_FID) % model.num_classes if model.conditional else None
    metrics["sample_quality"] = sample_quality(model.sample(SAMPLE_FID, seed=0, labels=labels), x_test,
                                               {JUDGE: judge, **({SECOND_JUDGE: second} if second else {})})
    if model.conditional:
        metrics.update(sample_label_accuracy(model, judge))
        per_class = metrics["label_accuracy_prior_samples_per_class"].values()
        metrics["goals_met"] = {
            "label_accuracy": metrics["label_accuracy_prior_samples"] >= GAN_GOALS["label_accuracy_min"],
            "label_accuracy_per_class": min(per_class) >= GAN_GOALS["label_accuracy_per_class_min"]}
    else:
        metrics["goals_met"] = {"mode_coverage": GAN_GOALS["class_share_min"] <= plain["smallest_class_share"]
                                and plain["largest_class_share"] <= GAN_GOALS["class_share_max"]}
    if card["family"] == "dcgan":
        metrics["goals_met"].update(_frechet_against_rivals(plain["frechet_distance"]))
        metrics["goals_met"].update(_under_both_judges(metrics["sample_quality"]))
    return metrics


def _under_both_judges(quality: dict) -> dict:
    """The DCGAN's goals in every judge's features: precision and recall at least the goals', and a Frechet
    distance below both VAEs' (from their cards, measured alike). Only when both judges measured it."""
    if set(quality) != {JUDGE, SECOND_JUDGE}:
        return {}
    met = {"precision_and_recall_both_judges": all(
        q["precision"] >= GAN_GOALS["dcgan_precision_min"] and q["recall"] >= GAN_GOALS["dcgan_recall_min"]
        for q in quality.values())}
    vaes = []
    for rival in ("mnist-vae-2d", "mnist-vae-16d"):
        try:
            vaes.append(registry.read_card(rival)["metrics"].get("sample_quality", {}))
        except registry.PretrainedError:
            return met
    if all(set(v) == set(quality) for v in vaes):
        met["frechet_below_both_vaes_both_judges"] = all(
            quality[j]["frechet_distance"] < v[j]["frechet_distance"] for v in vaes for j in quality)
    return met


def _frechet_against_rivals(frechet: float) -> dict:
    """The DCGAN's goals against the 2-D VAE's samples and the vanilla GAN's, from their cards (measured alike)."""
    share = GAN_GOALS["dcgan_frechet_max_share_of_vae_2d"]
    goals = (("mnist-vae-2d", "frechet_at_most_half_of_vae_2d", lambda theirs: frechet <= share * theirs),
             ("mnist-gan", "frechet_below_vanilla_gan", lambda theirs: frechet < theirs))
    met = {}
    for rival, key, goal in goals:
        try:
            theirs = registry.read_card(rival)["metrics"]
        except registry.PretrainedError:
            continue
        if theirs.get("frechet_distance_samples_n") == SAMPLE_FID:
            met[key] = goal(theirs["frechet_distance_samples"])
    return met


# ------------------------------------------------------------------ faces (CelebA)

FACE_COMPONENTS = 8  # principal axes of the training codes shipped in a face VAE's latents.npz
FACE_GOALS = {"reconstruction_mse_max": 0.0075, "judge_agreement_min": 0.90}
# A sharp decoder (measured in the face judge's features): the goals a decoder trained against a critic is set.
SHARP_GOALS = {"frechet_reconstructions_max": 5.0, "laplacian_ratio_min": 0.5, "frechet_samples_trick_max": 9.5,
               "frechet_samples_max": 30.0}
FACE_METHOD = (
    "Face models are measured on the official CelebA test partition only (the faces present in the data folder); "
    "anything chosen (the judge's thresholds, its 15 best-read attributes) is chosen on the val partition. "
    "The judge is celeba-judge, a network the face VAE never saw in training (its perceptual loss read another, "
    "celeba-perceptual). "
    "The judge reads an attribute as present when its sigmoid probability reaches that attribute's threshold, "
    "the one with the best balanced accuracy on val faces (grid 0.01 to 0.99); the 15 attributes it reads best "
    "on val are the ones judge agreement averages over. Reconstruction MSE is per pixel and channel on RGB levels "
    "in [0, 1], decoding the latent mean; judge agreement is the share of (face, attribute) readings that are "
    "the same on a test face and on its reconstruction (judge_agreement_at_0.5: the same with every threshold "
    "at 0.5, where rare attributes are seldom read at all). Frechet distances use the judge's 256-D features "
    "against the test faces; samples are 2,000 draws from N(0, I), seed 0. latents.npz holds aggregate "
    "statistics of the training faces' latent means only, never a face's own code: their mean and standard "
    "deviation per dimension, and their first 8 principal axes with the standard deviation along each.")


def _faces(data, split: str):
    from .data.celeba import load_celeba
    return load_celeba(data, size=64, split=split)


def evaluate_face_judge(model_id: str, data=None) -> dict:
    """Per-attribute test accuracy and balanced accuracy at thresholds chosen on val, and the 15 best-read."""
    from .judges import frechet_distance
    from .models.face_judge import FaceJudge, best_judged, choose_thresholds, per_attribute_scores
    card = registry.read_card(model_id)
    judge = FaceJudge(registry.load_keras(model_id, card["files"]["classifier"]), {})
    val, test = _faces(data, "val"), _faces(data, "test")
    names = list(val.attribute_names)
    thresholds = choose_thresholds(judge.probabilities(val.images), val.attributes > 0)
    val_scores = per_attribute_scores(judge.probabilities(val.images) >= thresholds, val.attributes > 0, names)
    best = best_judged({n: v["balanced_accuracy"] for n, v in val_scores.items()})
    probs = judge.probabilities(test.images)
    at_threshold = per_attribute_scores(probs >= thresholds, test.attributes > 0, names)
    at_half = per_attribute_scores(probs >= 0.5, test.attributes > 0, names)
    per_attribute = {n: {"accuracy": at_threshold[n]["accuracy"],
                         "balanced_accuracy": at_threshold[n]["balanced_accuracy"],
                         "accuracy_at_0.5": at_half[n]["accuracy"],
                         "balanced_accuracy_at_0.5": at_half[n]["balanced_accuracy"],
                         "positives": at_threshold[n]["positives"], "threshold": float(t)}
                     for n, t in zip(names, thresholds)}
    train = _faces(data, "train").images
    floor_n = min(FID_SAMPLES, len(train))
    pick = np.random.default_rng(0).choice(len(train), size=floor_n, replace=False)
    return {
        "heldout_faces": int(len(test)),
        "mean_accuracy": float(np.mean([v["accuracy"] for v in at_threshold.values()])),
        "mean_balanced_accuracy": float(np.nanmean([v["balanced_accuracy"] for v in at_threshold.values()])),
        "mean_accuracy_at_0.5": float(np.mean([v["accuracy"] for v in at_half.values()])),
        "mean_balanced_accuracy_at_0.5": float(np.nanmean([v["balanced_accuracy"] for v in at_half.values()])),
        "best_judged": best,
        "best_judged_mean_balanced_accuracy": float(np.mean([at_threshold[n]["balanced_accuracy"] for n in best])),
        "thresholds": {n: float(t) for n, t in zip(names, thresholds)},
        "validation_balanced_accuracy": {n: v["balanced_accuracy"] for n, v in val_scores.items()},
        "per_attribute": per_attribute,
        "frechet_distance_real_train_vs_heldout": frechet_distance(judge.features(train[pick]),
                                                                   judge.features(test.images)),
        "note": "Accuracy flatters rare attributes (always reading 'no Eyeglasses' is right for most faces); "
                "balanced accuracy, the mean of the hit rates on faces with and without the attribute, does not. "
                f"The Frechet distance between {floor_n:,} real training faces and the test faces is the floor "
                "a perfect generator would reach at this sample size.",
    }


def face_reconstruction_scores(model, judge, images, best: list[str]) -> dict:
    """Reconstruction MSE and judge agreement (original against reconstruction) for uint8 faces."""
    from .models.face_judge import agreement
    x = as_model_input(images)
    recon = model.decode(model.encode(images))
    p_x, p_recon = judge.probabilities(x), judge.probabilities(recon)
    agree = agreement(p_x >= judge.thresholds, p_recon >= judge.thresholds)
    index = [judge.attribute_names.index(n) for n in best]
    at_half = agreement(p_x >= 0.5, p_recon >= 0.5)
    return {"reconstruction_mse": float(((recon - x) ** 2).mean()),
            "judge_agreement": float(agree[index].mean()) if index else float("nan"),
            "judge_agreement_at_0.5": float(at_half[index].mean()) if index else float("nan"),
            "judge_agreement_per_attribute": {n: float(a) for n, a in zip(judge.attribute_names, agree)},
            "recon": recon}


def evaluate_face_vae(model_id: str, card: dict, data=None) -> dict:
    from .judges import frechet_distance
    from .models.face_judge import FACE_JUDGE, load_face_judge
    model = registry.load_model(model_id, heldout=False)
    judge = load_face_judge(FACE_JUDGE)  # not the network its perceptual loss read: that one it was trained to please
    best = judge.card["metrics"]["best_judged"]
    test, val, train = _faces(data, "test"), _faces(data, "val"), _faces(data, "train")
    codes = model.encode(train.images)  # aggregate statistics only: no face's code is kept
    code_mean, code_std = codes.mean(0), codes.std(0)
    on_test = face_reconstruction_scores(model, judge, test.images, best)
    on_val = face_reconstruction_scores(model, judge, val.images, best)
    real = judge.features(test.images)
    mean, log_var = model.encode_distribution(test.images)
    kl = -0.5 * (1 + log_var - mean ** 2 - np.exp(log_var)).sum(1)
    metrics = {
        "heldout_faces": int(len(test)),
        "judge": FACE_JUDGE,
        "reconstruction_mse": on_test["reconstruction_mse"],
        "judge_agreement": on_test["judge_agreement"],
        "judge_agreement_at_0.5": on_test["judge_agreement_at_0.5"],
        "judge_agreement_attributes": best,
        "judge_agreement_per_attribute": on_test["judge_agreement_per_attribute"],
        "kl_nats": float(kl.mean()),
        "frechet_distance_reconstructions": frechet_distance(judge.features(on_test["recon"]), real),
        "frechet_distance_samples": frechet_distance(judge.features(model.sample(FID_SAMPLES, seed=0)), real),
        "frechet_distance_samples_trick": frechet_distance(
            judge.features(model.decode(trick_latents(code_mean, code_std, FID_SAMPLES, seed=0))), real),
        # fine detail: mean squared 4-neighbour Laplacian of the grey reconstructions over the originals'
        "laplacian_energy_ratio": laplacian_energy(on_test["recon"]) / laplacian_energy(test.images),
        "validation": {"faces": int(len(val)), "reconstruction_mse": on_val["reconstruction_mse"],
                       "judge_agreement": on_val["judge_agreement"],
                       "judge_agreement_at_0.5": on_val["judge_agreement_at_0.5"]},
        "goals": FACE_GOALS,
        "goals_met": {"reconstruction_mse": on_test["reconstruction_mse"] <= FACE_GOALS["reconstruction_mse_max"],
                      "judge_agreement": on_test["judge_agreement"] >= FACE_GOALS["judge_agreement_min"]},
        "sharp_goals": SHARP_GOALS,
    }
    metrics["sharp_goals_met"] = sharp_goals_met(metrics)
    metrics["typical_faces"] = typical_faces(model, val.images, on_val["recon"], code_mean, code_std)
    metrics["opening_face"] = opening_face(model, judge, best, code_mean, code_std,
                                           metrics["typical_faces"]["median_code_distance"])
    folder = registry.pretrained_root() / model_id
    components, component_std = code_components(codes, FACE_COMPONENTS)  # the planes of Decoded grid and scatter
    np.savez_compressed(folder / card["files"]["latents"],
                        train_mean=codes.mean(0).astype(np.float32), train_std=codes.std(0).astype(np.float32),
                        train_components=components, train_component_std=component_std,
                        train_faces=np.int64(len(codes)))
    present = train.attributes > 0
    both = [a for a in range(present.shape[1]) if 0 < present[:, a].sum() < len(present)]  # else no direction
    names = [train.attribute_names[a] for a in both]
    vectors = attribute_vectors(codes, present[:, both])
    bounds = linear_boundaries(codes, present[:, both])  # aggregates too: a normal, an offset, a spread each
    detied = detied_vectors(codes, present[:, both])
    card["files"]["attributes"] = ATTRIBUTES_FILE
    np.savez_compressed(folder / ATTRIBUTES_FILE, names=np.array(names), vectors=vectors, detied=detied, **bounds)
    named = dict(zip(names, vectors))
    boundaries = {n: (bounds["normals"][k], float(bounds["offsets"][k]), float(bounds["spread"][k]))
                  for k, n in enumerate(names)}
    metrics["attribute_edits"] = evaluate_attribute_edits(model, judge, named, best, val, test, boundaries,
                                                          dict(zip(names, detied)))
    return metrics


def sharp_goals_met(metrics: dict) -> dict:
    g = SHARP_GOALS
    return {"frechet_reconstructions": metrics["frechet_distance_reconstructions"] <= g["frechet_reconstructions_max"],
            "laplacian_ratio": metrics["laplacian_energy_ratio"] >= g["laplacian_ratio_min"],
            "frechet_samples_trick": metrics["frechet_distance_samples_trick"] <= g["frechet_samples_trick_max"],
            "frechet_samples": metrics["frechet_distance_samples"] <= g["frechet_samples_max"]}


TYPICAL_PERCENTILES = (1, 99)


def typical_faces(model, faces, recon, code_mean, code_std) -> dict:
    """The range real faces keep (val faces, 1st to 99th percentile) in two figures a picture that is not a face
    like CelebA's leaves: its code's standardised distance from the training codes' mean, and how exactly the
    model redraws it (a plain picture is redrawn almost exactly, noise or clutter far worse)."""
    from .latent import standardised_distance
    distance = standardised_distance(model.encode(faces), code_mean, code_std)
    mse = ((recon - as_model_input(faces)) ** 2).mean(axis=(1, 2, 3))
    return {"split": "val", "faces": int(len(faces)), "percentiles": list(TYPICAL_PERCENTILES),
            "code_distance": np.percentile(distance, TYPICAL_PERCENTILES).tolist(),
            "median_code_distance": float(np.median(distance)),
            "reconstruction_mse": np.percentile(mse, TYPICAL_PERCENTILES).tolist()}


ATTRIBUTES_FILE = "attributes.npz"


def _evaluate_faces(model_id: str, card: dict, data=None) -> dict:
    metrics = evaluate_face_judge(model_id, data) if card["kind"] == "judge" else evaluate_face_vae(model_id, card,
                                                                                                     data)
    card["metrics"] = metrics
    card["evaluation"] = {"command": f"python -m core.evaluate {model_id}", "method": FACE_METHOD}
    (registry.pretrained_root() / model_id / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id)
    return metrics


def evaluate(model_id: str, data=None, root: Path | None = None) -> dict:
    """Measure one model and write its card, latents and manifest entry; `root` overrides pretrained/."""
    with registry.using_root(root):
        return _evaluate(model_id, data)


def _judge_or_none(judge_id: str):
    try:
        return registry.load_judge(judge_id)
    except registry.PretrainedError as e:
        print(f"(no {judge_id} metrics: {e})")
        return None


def _evaluate(model_id: str, data=None) -> dict:
    card = registry.read_card(model_id)
    if card.get("dataset", {}).get("name") == "celeba":
        return _evaluate_faces(model_id, card, data)
    if card.get("family") == "pixelcnn":  # issue 37: core/evaluators/pixelcnn.py
        from .evaluators.pixelcnn import evaluate_pixelcnn
        return evaluate_pixelcnn(model_id, card, data)
    if card["kind"] == "judge":
        metrics = evaluate_judge(model_id, data)
    else:
        judge, second = (_judge_or_none(j) for j in (JUDGE, SECOND_JUDGE))
        metrics = (evaluate_gan if card.get("family") in GAN_FAMILIES else evaluate_generative)(model_id, data, judge,
                                                                                                second)
    card["metrics"] = metrics
    method = GAN_METHOD if card.get("family") in GAN_FAMILIES else \
        __doc__.split("How the likelihood is measured: ")[1].strip().replace("\n", " ")
    card["evaluation"] = {"command": f"python -m core.evaluate {model_id}", "method": method}
    (registry.pretrained_root() / model_id / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id)
    return metrics


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m core.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("model_id", help="a shipped model id, or 'all'")
    p.add_argument("--data", help="data folder (default: $LATENT_LAB_DATA, then the usual caches)")
    p.add_argument("--out", type=Path, help="pretrained folder to read and write (default: pretrained/)")
    a = p.parse_args(argv)
    with registry.using_root(a.out):
        ids = list(registry.read_manifest()["models"]) if a.model_id == "all" else [a.model_id]
        # Judges first (the others are measured by them), GANs last (their goals compare with the VAEs' figures).
        ids.sort(key=lambda i: (registry.read_card(i).get("kind") != "judge",
                                registry.read_card(i).get("family") in GAN_FAMILIES))
        for model_id in ids:
            print(model_id, json.dumps(evaluate(model_id, a.data), indent=2))


if __name__ == "__main__":
    main()
