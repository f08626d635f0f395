"""Measure the PixelCNN on the held-out digits, beside the latent models on the same likelihood scale.

    python -m core.evaluate mnist-pixelcnn

Its figures (METHOD says how each is made) and its goals (GOALS) go into its card with whether each is met.
"""
from __future__ import annotations

import json
import time

import numpy as np

from .. import registry
from ..data import load_dataset
from ..images import threshold
from ..recipes import JUDGE

GOALS = {"nats_below_vae_16d_min": 10.0, "completion_accuracy_min": 0.70, "sample_16_max_s": 3.0,
         "complete_half_max_s": 2.0}
LATENT_RIVALS = ("mnist-vae-2d", "mnist-vae-16d", "mnist-cvae")
KNOWN_ROWS, COMPLETIONS, TIMED_COMPLETIONS, TIMING_REPEATS = 14, 4, 8, 5
LATENT_TRAINING = ("trained on grey levels: each epoch scored a fresh binary sample of every training digit "
                   "(pixel ~ Bernoulli(grey level)) while the encoder read the grey levels")
METHOD = (
    "Every held-out digit is binarised once, at 0.5 (a pixel is 1 when its grey level exceeds 0.5), the "
    "binarisation the PixelCNN was trained on. -log p(x) is exact for the PixelCNN: the sum of its 784 "
    "conditionals' Bernoulli terms, in nats (bits per dimension: / (784 ln 2)). The latent models' bounds are "
    "on the same binary digits, their encoders reading them (core.evaluators.likelihood: -ELBO from 16 "
    "posterior samples, IWAE with 128; the cVAE's given each digit's label). Completion: the bottom 14 rows of "
    "each held-out digit are blanked and drawn 4 times (seed 0) given the top 14; mnist-judge reads each "
    "completion; the goal counts the digits whose top half alone (bottom blanked) the judge reads as the true "
    "digit. Times are the median of 5 warm runs, after one that compiles: 16 samples drawn, 8 completions "
    "of one digit's bottom half, and one digit drawn alone (the PixelCNN's 784 steps; a latent model's code drawn "
    "from its prior and decoded), the cost of a sample that 'What a latent buys' sets against the likelihood.")


def latent_bounds(x_bin: np.ndarray, labels: np.ndarray) -> dict:
    """-ELBO and IWAE bounds of each shipped latent model on the binary digits x_bin (N, H, W)."""
    from .likelihood import likelihood_bounds
    out = {}
    for rival in LATENT_RIVALS:
        try:
            model = registry.load_model(rival, heldout=False)
            theirs = registry.read_card(rival)
        except registry.PretrainedError as e:
            print(f"(no bounds of {rival}: {e})")
            continue
        bounds = likelihood_bounds(model, x_bin, labels if model.conditional else None)
        out[rival] = {"family": theirs["family"], "neg_elbo_nats": bounds["neg_elbo_nats"],
                      "neg_log_likelihood_iwae_nats": bounds["neg_log_likelihood_iwae_nats"],
                      "conditioned_on_label": model.conditional, "trained_on": LATENT_TRAINING,
                      "card_iwae_nats_stochastic_binarisation": theirs["metrics"].get("neg_log_likelihood_iwae_nats"),
                      "draw_one_s": _median_s(lambda: model.sample(1, seed=1, labels=[0] if model.conditional else None))}
    return out


def completion_scores(model, judge, x_bin: np.ndarray, labels: np.ndarray) -> dict:
    """How often the judge reads the true digit in completions of the held-out digits' bottom halves."""
    top = x_bin.copy()
    top[:, KNOWN_ROWS:] = 0.0
    readable = judge.predict_labels(top) == labels
    completions = model.complete(x_bin, KNOWN_ROWS, n=COMPLETIONS, seed=0)
    read = judge.predict_labels(completions.reshape(-1, *x_bin.shape[1:])).reshape(len(x_bin), COMPLETIONS)
    right = read == labels[:, None]
    return {"known_rows": KNOWN_ROWS, "completions_per_digit": COMPLETIONS, "digits": int(len(x_bin)),
            "judge_accuracy_whole_digits": float((judge.predict_labels(x_bin) == labels).mean()),
            "readable_top_halves": int(readable.sum()),
            "accuracy_readable_top_halves": float(right[readable].mean()) if readable.any() else None,
            "accuracy_all_digits": float(right.mean()),
            "kept_known_rows": bool((completions[:, :, :KNOWN_ROWS] == x_bin[:, None, :KNOWN_ROWS]).all())}


def _median_s(fn) -> float:
    fn()  # compiles for this batch size
    times = []
    for _ in range(TIMING_REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def timings(model, digit: np.ndarray) -> dict:
    return {"sample_16_s": _median_s(lambda: model.sample(16, seed=1)),
            "complete_half_s": _median_s(lambda: model.complete(digit, KNOWN_ROWS, n=TIMED_COMPLETIONS, seed=1)),
            "complete_half_completions": TIMED_COMPLETIONS, "draw_one_s": _median_s(lambda: model.sample(1, seed=1))}


def evaluate_pixelcnn(model_id: str, card: dict, data=None) -> dict:
    """The figures above, written into the card with the goals and whether each is met; the manifest follows."""
    (_, _), (x_test, y_test) = load_dataset(card["dataset"]["name"], data)
    model = registry.load_model(model_id)
    x_bin = threshold(x_test)[..., 0]
    nll = model.log_prob(x_bin)
    metrics = {"heldout_digits": int(len(x_bin)), "binarisation": card.get("binarisation"),
               "neg_log_likelihood_nats": float(nll.mean()),
               "neg_log_likelihood_standard_error_nats": float(nll.std(ddof=1) / np.sqrt(len(nll))),
               "bits_per_dim": float(nll.mean() / (model.pixels * np.log(2))),
               "latent_models": latent_bounds(x_bin, y_test.astype(np.int64)),
               **timings(model, x_bin[0])}
    try:
        metrics["completion"] = completion_scores(model, registry.load_judge(JUDGE), x_bin, y_test)
    except registry.PretrainedError as e:
        print(f"(no completion figures: {e})")
    metrics["goals"] = GOALS
    metrics["goals_met"] = goals_met(metrics)
    card["metrics"] = metrics
    card["evaluation"] = {"command": f"python -m core.evaluate {model_id}", "method": METHOD}
    (registry.pretrained_root() / model_id / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id)
    return metrics


def goals_met(metrics: dict) -> dict:
    """Each goal whose figures were measured: met or not."""
    met = {"sample_16": metrics["sample_16_s"] <= GOALS["sample_16_max_s"],
           "complete_half": metrics["complete_half_s"] <= GOALS["complete_half_max_s"]}
    vae = metrics["latent_models"].get("mnist-vae-16d")
    if vae:
        met["nats_below_vae_16d"] = (vae["neg_log_likelihood_iwae_nats"] - metrics["neg_log_likelihood_nats"]
                                     >= GOALS["nats_below_vae_16d_min"])
    accuracy = metrics.get("completion", {}).get("accuracy_readable_top_halves")
    if accuracy is not None:
        met["completion_accuracy"] = accuracy >= GOALS["completion_accuracy_min"]
    return met
