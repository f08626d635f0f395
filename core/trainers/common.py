"""What every family's trainer shares: where runs are kept, the seeded fit/validation split, the distribution
strategy, and writing a trained model (its networks, its card, its manifest entry), then measuring it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import registry
from ..recipes import Recipe

RUNS = Path(__file__).resolve().parents[2] / "runs"


def split_train(x, y, fraction: float, seed: int):
    """Seeded split of the training split into fit and validation parts (the test split is never touched)."""
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = int(round(len(x) * fraction))
    val, fit = order[:n_val], order[n_val:]
    return (x[fit], y[fit]), (x[val], y[val])


def strategy():
    import tensorflow as tf
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def publish(card: dict, out: Path, data, evaluate_after: bool) -> dict:
    """Write a trained model's card and manifest entry, then measure it (core.evaluate): the card as it ends."""
    (out / card["id"] / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(card["id"], out)
    if not evaluate_after:
        return card
    from ..evaluate import evaluate
    evaluate(card["id"], data=data, root=out)
    return registry.read_card(card["id"], out)


def save_networks(model, folder: Path, family: str, judge_name: str) -> dict:
    """Write a trained model's networks as the .keras files the registry loads; returns the card's "files".

    A judge is saved as a fresh functional view: it shares the weights but not the optimizer, which users
    do not need. A generative model's encoder and decoder are saved apart (latents.npz comes from evaluation).
    """
    import keras
    if family == "judge":
        keras.Model(model.input, model.output, name=judge_name).save(folder / "classifier.keras")
        return {"classifier": "classifier.keras"}
    model.encoder.save(folder / "encoder.keras")
    model.decoder.save(folder / "decoder.keras")
    return {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz"}


def fit_card(recipe: Recipe, image_shape, fit, val, x_test, history: dict, wall: float, epochs=None) -> dict:
    """The card of a model trained by Keras' fit with early stopping (digit and face models): what it is, the
    data it saw, and its best epoch's figures; the metrics come from evaluation."""
    from ..data import mnist
    n_train = len(fit[0]) + len(val[0])
    best = int(np.argmin(history["val_loss"]))
    # Absolute epoch numbers: a run resumed from runs/<id>/backup only holds history for the epochs it ran.
    epochs = list(epochs) if epochs else list(range(len(history["loss"])))
    return {
        "id": recipe.model_id,
        "title": recipe.title,
        "kind": "judge" if recipe.family == "judge" else "generative",
        "family": recipe.family,
        "summary": recipe.summary,
        "latent_dim": recipe.latent_dim,
        "image_shape": list(image_shape),
        "conditional": recipe.family == "cvae",
        "num_classes": 10,
        "class_names": mnist.CLASS_NAMES if recipe.dataset == "mnist" else None,
        "dataset": {
            "name": recipe.dataset,
            "description": mnist.describe(n_train, len(x_test)) if recipe.dataset == "mnist" else recipe.dataset,
            "fit": len(fit[0]), "validation": len(val[0]), "heldout": len(x_test),
        },
        "training": {
            "command": registry.rebuild_command(recipe.model_id),
            "recipe": recipe.as_dict(),
            "epochs_run": epochs[-1] + 1,
            "best_epoch": epochs[best] + 1,
            "wall_time_s": round(wall, 1),
            "final": {k: float(f"{float(v[best]):.5g}") for k, v in history.items()},
        },
        "metrics": {},
    }
