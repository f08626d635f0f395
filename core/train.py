"""Train a model from its recipe and write it into `pretrained/`.

    python -m core.train mnist-vae-2d [--data PATH] [--epochs N] [--seed S] [--fresh]

Progress bar and validation loss each epoch; early stopping on validation loss;
a checkpoint every epoch under runs/<model_id>/ so an interrupted run resumes
where it stopped (pass --fresh to start over). Runs under a tf.distribute
strategy (all local GPUs when there are several), then evaluates the model
(`core.evaluate`) so one command reproduces every shipped file.
"""
from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np

from . import registry
from .data import load_dataset
from .recipes import Recipe, get_recipe

RUNS = Path(__file__).resolve().parents[1] / "runs"


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


def build(recipe: Recipe, image_shape):
    if recipe.family == "ae":
        from .models.autoencoder import Autoencoder
        return Autoencoder(recipe.latent_dim, image_shape, likelihood=recipe.likelihood)
    if recipe.family == "vae":
        from .models.vae import VAE
        return VAE(recipe.latent_dim, image_shape, beta=recipe.beta, likelihood=recipe.likelihood, seed=recipe.seed)
    if recipe.family == "cvae":
        from .models.cvae import CVAE
        return CVAE(recipe.latent_dim, num_classes=10, image_shape=image_shape, beta=recipe.beta,
                    likelihood=recipe.likelihood, seed=recipe.seed)
    if recipe.family == "judge":
        from .judges import build_judge
        return build_judge(image_shape)
    raise ValueError(f"unknown family {recipe.family!r}")


def datasets(recipe: Recipe, fit, val, batch_size):
    import tensorflow as tf
    from .images import as_model_input
    (x_fit, y_fit), (x_val, y_val) = fit, val
    x_fit, x_val = as_model_input(x_fit), as_model_input(x_val)
    if recipe.family == "judge":
        from .judges import augmenter
        aug = augmenter()
        train = (tf.data.Dataset.from_tensor_slices((x_fit, y_fit.astype("int32")))
                 .shuffle(len(x_fit), seed=recipe.seed).batch(batch_size)
                 .map(lambda x, y: (aug(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE))
        valid = tf.data.Dataset.from_tensor_slices((x_val, y_val.astype("int32"))).batch(1000)
    elif recipe.family == "cvae":  # (images, one-hot labels): the label conditions both networks
        onehot = np.eye(10, dtype=np.float32)
        train = (tf.data.Dataset.from_tensor_slices((x_fit, onehot[y_fit])).shuffle(len(x_fit), seed=recipe.seed)
                 .batch(batch_size))
        valid = tf.data.Dataset.from_tensor_slices((x_val, onehot[y_val])).batch(1000)
    else:
        train = tf.data.Dataset.from_tensor_slices(x_fit).shuffle(len(x_fit), seed=recipe.seed).batch(batch_size)
        valid = tf.data.Dataset.from_tensor_slices(x_val).batch(1000)
    return train.prefetch(tf.data.AUTOTUNE), valid.prefetch(tf.data.AUTOTUNE)


def train(model_id: str, data=None, epochs: int | None = None, seed: int | None = None,
          out: Path | None = None, runs: Path = RUNS, fresh: bool = False, verbose: int = 1,
          evaluate_after: bool = True) -> dict:
    import keras
    recipe = get_recipe(model_id)
    if seed is not None or epochs is not None:
        from dataclasses import replace
        recipe = replace(recipe, seed=recipe.seed if seed is None else seed,
                         epochs=recipe.epochs if epochs is None else epochs)
    keras.utils.set_random_seed(recipe.seed)
    (x_train, y_train), (x_test, _) = load_dataset(recipe.dataset, data)
    fit, val = split_train(x_train, y_train, recipe.val_fraction, recipe.seed)
    image_shape = (*x_train.shape[1:], 1)

    run_dir = runs / model_id
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    with strategy().scope():
        model = build(recipe, image_shape)
        if recipe.family == "judge":
            model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate),
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        else:
            model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate))
            # Build, so checkpoints can restore into it.
            dummy = np.zeros((1, *image_shape), np.float32)
            model((dummy, np.zeros((1, 10), np.float32)) if recipe.family == "cvae" else dummy)
    train_ds, val_ds = datasets(recipe, fit, val, recipe.batch_size)
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=recipe.patience, restore_best_weights=True),
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
    ]
    if recipe.reduce_lr_patience:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                           patience=recipe.reduce_lr_patience, min_lr=1e-5))
    start = time.time()
    history = model.fit(train_ds, validation_data=val_ds, epochs=recipe.epochs, callbacks=callbacks, verbose=verbose)
    wall = time.time() - start
    if not history.history.get("val_loss"):
        raise RuntimeError(f"no epoch was run: the checkpoint in {run_dir} has already reached {recipe.epochs} "
                           f"epochs; pass --fresh to start over")

    out = out or registry.pretrained_root()
    folder = out / model_id
    folder.mkdir(parents=True, exist_ok=True)
    card = _card(recipe, image_shape, fit, val, x_test, history.history, wall, history.epoch)
    if recipe.family == "judge":
        # A fresh functional view shares the weights but not the optimizer, which users do not need.
        keras.Model(model.input, model.output, name="judge").save(folder / "classifier.keras")
        card["files"] = {"classifier": "classifier.keras"}
    else:
        model.encoder.save(folder / "encoder.keras")
        model.decoder.save(folder / "decoder.keras")
        card["files"] = {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz"}
        if recipe.family == "ae":
            card["prior"] = _fitted_prior(model.encoder, fit[0])
    (folder / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id, out)
    if evaluate_after:
        from .evaluate import evaluate
        evaluate(model_id, data=data, root=out)
    return card


def _fitted_prior(encoder, images) -> dict:
    """An autoencoder has no prior; sampling uses a Gaussian fitted to its training codes."""
    from .images import as_model_input
    codes = encoder.predict(as_model_input(images), batch_size=1000, verbose=0)
    return {"mean": codes.mean(0).tolist(), "cov": np.atleast_2d(np.cov(codes, rowvar=False)).tolist(),
            "note": "Gaussian fitted to the training codes (an autoencoder has no prior of its own)"}


def _card(recipe: Recipe, image_shape, fit, val, x_test, history: dict, wall: float, epochs=None) -> dict:
    from .data import mnist
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
            "final": {k: round(float(v[best]), 4) for k, v in history.items()},
        },
        "metrics": {},
    }


def main(argv=None):
    from .recipes import RECIPES
    p = argparse.ArgumentParser(prog="python -m core.train", description=__doc__.split("\n")[0])
    p.add_argument("model_id", choices=sorted(RECIPES))
    p.add_argument("--data", help="data folder (default: $LATENT_LAB_DATA, then the usual caches, then download)")
    p.add_argument("--epochs", type=int, help="override the recipe's maximum epochs")
    p.add_argument("--seed", type=int, help="override the recipe's seed")
    p.add_argument("--out", type=Path, help="pretrained folder to write (default: pretrained/)")
    p.add_argument("--fresh", action="store_true", help="discard the checkpoint and start over")
    p.add_argument("--no-eval", action="store_true", help="skip the evaluation that follows training")
    a = p.parse_args(argv)
    card = train(a.model_id, a.data, a.epochs, a.seed, a.out, fresh=a.fresh, evaluate_after=not a.no_eval)
    print(json.dumps({k: card[k] for k in ("id", "training")}, indent=2))


if __name__ == "__main__":
    main()
