"""The digit models' trainer: autoencoder, VAE, conditional VAE and the digit judges, on a seeded fit/validation
split of the training digits, with early stopping on the validation loss and a checkpoint every epoch."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from .. import registry
from ..data import load_dataset
from ..recipes import Recipe, model_options
from .common import fit_card, save_networks, split_train, strategy


def build_digit_model(recipe: Recipe, image_shape):
    """The model a digit recipe trains: an autoencoder, a VAE, a conditional VAE or a judge."""
    if recipe.family == "ae":
        from ..models.autoencoder import Autoencoder
        o = model_options(recipe.model_id)
        return Autoencoder(recipe.latent_dim, image_shape, likelihood=recipe.likelihood, denoise=o.get("denoise", 0.0),
                           decoder_widths=o.get("decoder_widths", (256, 512)), seed=recipe.seed)
    if recipe.family == "vae":
        from ..models.vae import VAE
        return VAE(recipe.latent_dim, image_shape, beta=recipe.beta, likelihood=recipe.likelihood, seed=recipe.seed)
    if recipe.family == "cvae":
        from ..models.cvae import CVAE
        return CVAE(recipe.latent_dim, num_classes=10, image_shape=image_shape, beta=recipe.beta,
                    likelihood=recipe.likelihood, seed=recipe.seed)
    if recipe.family == "judge":
        from ..judges import build_judge
        return build_judge(image_shape, architecture=model_options(recipe.model_id).get("architecture", "pooled"))
    raise ValueError(f"unknown family {recipe.family!r}")


def digit_datasets(recipe: Recipe, fit, val, batch_size):
    """tf.data pipelines: a judge gets (augmented digit, label), a conditional VAE (digit, one-hot label), the
    others the digits alone."""
    import tensorflow as tf
    from ..images import as_model_input
    (x_fit, y_fit), (x_val, y_val) = fit, val
    x_fit, x_val = as_model_input(x_fit), as_model_input(x_val)
    if recipe.family == "judge":
        from ..judges import augmenter
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


def fitted_prior(encoder, images) -> dict:
    """An autoencoder has no prior; sampling uses a Gaussian fitted to its training codes."""
    from ..images import as_model_input
    codes = encoder.predict(as_model_input(images), batch_size=1000, verbose=0)
    return {"mean": codes.mean(0).tolist(), "cov": np.atleast_2d(np.cov(codes, rowvar=False)).tolist(),
            "note": "Gaussian fitted to the training codes (an autoencoder has no prior of its own)"}


def train_digits(recipe: Recipe, data, out, runs: Path, fresh: bool, verbose: int, evaluate_after: bool) -> dict:
    """Early stopping on a validation part of the training digits, resumable from runs/<model_id>/backup; writes
    the model folder and its card, then measures it (core.evaluate) unless told not to."""
    import keras
    model_id = recipe.model_id
    (x_train, y_train), (x_test, _) = load_dataset(recipe.dataset, data)
    fit, val = split_train(x_train, y_train, recipe.val_fraction, recipe.seed)
    image_shape = (*x_train.shape[1:], 1)

    run_dir = runs / model_id
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    with strategy().scope():
        model = build_digit_model(recipe, image_shape)
        if recipe.family == "judge":
            model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate),
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        else:
            model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate))
            # Build, so checkpoints can restore into it.
            dummy = np.zeros((1, *image_shape), np.float32)
            model((dummy, np.zeros((1, 10), np.float32)) if recipe.family == "cvae" else dummy)
    train_ds, val_ds = digit_datasets(recipe, fit, val, recipe.batch_size)
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
    card = fit_card(recipe, image_shape, fit, val, x_test, history.history, wall, history.epoch)
    card["files"] = save_networks(model, folder, recipe.family, "judge")
    if model_options(model_id):
        card["training"]["options"] = model_options(model_id)
    if recipe.family == "ae":
        card["prior"] = fitted_prior(model.encoder, fit[0])
    (folder / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id, out)
    if evaluate_after:
        from ..evaluate import evaluate
        evaluate(model_id, data=data, root=out)
    return card
