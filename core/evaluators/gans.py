"""The GANs' measures (no encoder: samples only): sample quality in both judges' features, mode coverage, the
truncation trade-off, a conditional GAN's label accuracy, and the goals, some against the VAEs' cards."""
from __future__ import annotations

import numpy as np

from .. import registry
from ..data import load_dataset
from ..recipes import JUDGE, SECOND_JUDGE
from .digits import PR_NEIGHBOURS, SAMPLE_FID, sample_label_accuracy, sample_quality

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
    from ..judges import frechet_distance
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

