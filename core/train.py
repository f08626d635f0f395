"""Train a model from its recipe and write it into `pretrained/`.

    python -m core.train mnist-vae-2d [--data PATH] [--epochs N] [--seed S] [--fresh]

Progress bar and validation loss each epoch; early stopping on validation loss;
a checkpoint every epoch under runs/<model_id>/ so an interrupted run resumes
where it stopped (pass --fresh to start over). Runs under a tf.distribute
strategy (all local GPUs when there are several), then evaluates the model
(`core.evaluate`) so one command reproduces every shipped file.

Face models (CelebA) train on the official train partition, stop early on the
official val partition and never see test; their data flows through tf.data
from the cached uint8 arrays, and per-epoch wall and CPU times are kept in
runs/<model_id>/progress.json so a resumed run's card still gives the whole time.
Their checkpoint outlives the run, so a finished run goes on with a larger
--epochs; --extend starts that checkpoint from the shipped weights instead.
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
from .recipes import GAN_FAMILIES, Recipe, get_recipe, model_options

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


def build(recipe: Recipe, image_shape, perceptual=None, steps_per_epoch: int = 0):
    """The model a recipe trains; `perceptual` (the face judge's blocks) and `steps_per_epoch` serve the face VAE."""
    if recipe.family in GAN_FAMILIES:
        return build_gan(recipe, image_shape)
    if recipe.family == "pixelcnn":
        from .trainers.pixelcnn import build_network
        return build_network(recipe)
    if recipe.family == "face-vae":
        from .models.face_vae import FaceVAE
        o = model_options(recipe.model_id)
        return FaceVAE(recipe.latent_dim, image_shape, beta=recipe.beta, sigma=o.get("sigma", 0.1),
                       perceptual=perceptual, perceptual_weight=o.get("perceptual_weight", 1.0),
                       warmup_steps=o.get("kl_warmup_epochs", 0) * steps_per_epoch,
                       widths=tuple(o.get("widths", (32, 64, 128, 256))), residual=o.get("residual", True),
                       seed=recipe.seed)
    if recipe.family == "judge" and recipe.dataset == "celeba":
        from .models.face_judge import build_face_judge
        return build_face_judge(image_shape, convs_per_block=model_options(recipe.model_id).get("convs_per_block", 1))
    if recipe.family == "ae":
        from .models.autoencoder import Autoencoder
        o = model_options(recipe.model_id)
        return Autoencoder(recipe.latent_dim, image_shape, likelihood=recipe.likelihood, denoise=o.get("denoise", 0.0),
                           decoder_widths=o.get("decoder_widths", (256, 512)), seed=recipe.seed)
    if recipe.family == "vae":
        from .models.vae import VAE
        return VAE(recipe.latent_dim, image_shape, beta=recipe.beta, likelihood=recipe.likelihood, seed=recipe.seed)
    if recipe.family == "cvae":
        from .models.cvae import CVAE
        return CVAE(recipe.latent_dim, num_classes=10, image_shape=image_shape, beta=recipe.beta,
                    likelihood=recipe.likelihood, seed=recipe.seed)
    if recipe.family == "judge":
        from .judges import build_judge
        return build_judge(image_shape, architecture=model_options(recipe.model_id).get("architecture", "pooled"))
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
          evaluate_after: bool = True, extend: bool = False) -> dict:
    import keras
    recipe = get_recipe(model_id)
    if seed is not None or epochs is not None:
        from dataclasses import replace
        recipe = replace(recipe, seed=recipe.seed if seed is None else seed,
                         epochs=recipe.epochs if epochs is None else epochs)
    keras.utils.set_random_seed(recipe.seed)
    if recipe.family in GAN_FAMILIES:
        return train_gan(recipe, data, out, runs, fresh, verbose, evaluate_after)
    if recipe.family == "pixelcnn":  # issue 37: core/trainers/pixelcnn.py
        from .trainers.pixelcnn import train_pixelcnn
        return train_pixelcnn(recipe, data, out, runs, fresh, verbose, evaluate_after)
    if recipe.dataset == "celeba":
        return train_faces(recipe, data, out, runs, fresh, verbose, evaluate_after, extend)
    if extend:
        raise ValueError("--extend serves the face models; the others train from scratch in minutes")
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
    card["files"] = _save_networks(model, folder, recipe.family, "judge")
    if model_options(model_id):
        card["training"]["options"] = model_options(model_id)
    if recipe.family == "ae":
        card["prior"] = _fitted_prior(model.encoder, fit[0])
    (folder / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id, out)
    if evaluate_after:
        from .evaluate import evaluate
        evaluate(model_id, data=data, root=out)
    return card


# ------------------------------------------------------------------ faces

FACE_SIZE = 64


def face_datasets(recipe: Recipe, fit, val, batch_size):
    """tf.data pipelines over uint8 faces: shuffled, batched, scaled to [0, 1] in the pipeline (the arrays stay
    uint8, a quarter of the memory); judges get 0/1 attribute targets and mirrored faces half the time."""
    import keras
    import tensorflow as tf
    (x_fit, y_fit), (x_val, y_val) = fit, val

    def scale(x):
        return tf.cast(x, tf.float32) / 255.0

    if recipe.family == "judge":
        flip = keras.layers.RandomFlip("horizontal", seed=recipe.seed)
        train = (tf.data.Dataset.from_tensor_slices((x_fit, y_fit)).shuffle(len(x_fit), seed=recipe.seed)
                 .batch(batch_size).map(lambda x, y: (flip(scale(x), training=True), y),
                                        num_parallel_calls=tf.data.AUTOTUNE))
        valid = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(256).map(lambda x, y: (scale(x), y))
    else:  # the VAE mirrors faces inside its train step
        train = (tf.data.Dataset.from_tensor_slices(x_fit).shuffle(len(x_fit), seed=recipe.seed)
                 .batch(batch_size).map(scale, num_parallel_calls=tf.data.AUTOTUNE))
        valid = tf.data.Dataset.from_tensor_slices(x_val).batch(256).map(scale)
    return train.prefetch(tf.data.AUTOTUNE), valid.prefetch(tf.data.AUTOTUNE)


def face_targets(attributes: np.ndarray) -> np.ndarray:
    """CelebA's 1 / -1 attribute values -> float32 1 / 0 targets."""
    return (np.asarray(attributes) > 0).astype(np.float32)


def _progress_callback(path: Path):
    """Appends each finished epoch's wall and CPU seconds (and logs) to progress.json, which survives resumes."""
    import keras

    class Progress(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start, self.cpu = time.time(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            done = json.loads(path.read_text()) if path.is_file() else []
            done = [e for e in done if e["epoch"] < epoch + 1]
            done.append({"epoch": epoch + 1, "wall_s": round(time.time() - self.start, 1),
                         "cpu_s": round(time.process_time() - self.cpu, 1),
                         **{k: round(float(v), 5) for k, v in (logs or {}).items()}})
            path.write_text(json.dumps(done, indent=1) + "\n")

    return Progress()


def _perceptual_judge(recipe: Recipe, out: Path):
    """The trained face judge's conv blocks (from the same pretrained folder), frozen, and its file's hash."""
    from .models.face_judge import feature_extractor
    judge_id = model_options(recipe.model_id).get("perceptual_judge")
    if not judge_id:
        return None, None
    with registry.using_root(out):
        try:
            card = registry.read_card(judge_id)
            path = registry.verified_path(judge_id, card["files"]["classifier"])
            classifier = registry.load_keras(judge_id, card["files"]["classifier"])
        except registry.PretrainedError as e:
            raise registry.PretrainedError(f"{recipe.model_id} learns through {judge_id}'s features: train it first "
                                           f"into the same folder (python -m core.train {judge_id} --out {out}); "
                                           f"{e}") from e
    return feature_extractor(classifier), {"id": judge_id, "sha256": registry.sha256(path)}


def _seed_checkpoint(model, model_id: str, backup: Path, progress: Path, steps_per_epoch: int):
    """Writes the checkpoint a run of the shipped model would have left: its weights, its epoch count and its
    last learning rate, so that training goes on from it. Adam's moments were not shipped and start at zero."""
    card = registry.read_card(model_id)
    for part in ("encoder", "decoder"):
        shipped = registry.load_keras(model_id, card["files"][part])
        getattr(model, part).set_weights(shipped.get_weights())
    done = card["training"]["epochs_run"]
    model.optimizer.build(model.encoder.trainable_weights + model.decoder.trainable_weights)
    model.optimizer.learning_rate.assign(card["training"]["final"]["learning_rate"])
    model.optimizer.iterations.assign(done * steps_per_epoch)  # the KL warm-up is over
    backup.mkdir(parents=True)
    model.save_weights(backup / "latest.weights.h5")
    (backup / "training_metadata.json").write_text(json.dumps({"epoch": done, "batch": 0}))
    logged = json.loads(progress.read_text()) if progress.is_file() else []
    if len(logged) != done:  # the card's totals, spread over its epochs by wall time
        walls, t = card["training"]["epoch_times_s"], card["training"]
        logged = [{"epoch": i + 1, "wall_s": w, "cpu_s": round(w * t["cpu_time_s"] / t["wall_time_s"], 1)}
                  for i, w in enumerate(walls)]
        progress.write_text(json.dumps(logged, indent=1) + "\n")
    seeded = {"epochs": done, "learning_rate": card["training"]["final"]["learning_rate"],
              "encoder_sha256": registry.sha256(registry.verified_path(model_id, card["files"]["encoder"])),
              "note": "training went on from the shipped weights of this many epochs, at their last learning rate, "
                      "with Adam's moments reset (they are not shipped)"}
    (backup.parent / "extended_from.json").write_text(json.dumps(seeded, indent=1) + "\n")


def train_faces(recipe: Recipe, data, out, runs: Path, fresh: bool, verbose: int, evaluate_after: bool,
                extend: bool = False) -> dict:
    import keras
    from .data.celeba import load_celeba, read_annotations
    train_set = load_celeba(data, size=FACE_SIZE, split="train")
    val_set = load_celeba(data, size=FACE_SIZE, split="val")
    n_test = len(read_annotations(data, split="test"))  # counted, never decoded here
    fit = (train_set.images, face_targets(train_set.attributes))
    val = (val_set.images, face_targets(val_set.attributes))
    image_shape = (FACE_SIZE, FACE_SIZE, 3)
    out = Path(out) if out else registry.pretrained_root()

    run_dir = runs / recipe.model_id
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    progress, backup = run_dir / "progress.json", run_dir / "backup"
    if extend and backup.exists():
        raise RuntimeError(f"{backup} already holds a run: go on with it by a larger --epochs, or pass --fresh")
    if not backup.exists() and not extend:
        progress.unlink(missing_ok=True)  # a new run: times of an older, finished one do not count
    steps = -(-len(fit[0]) // recipe.batch_size)
    perceptual, judge_used = (None, None) if recipe.family == "judge" else _perceptual_judge(recipe, out)
    with strategy().scope():
        model = build(recipe, image_shape, perceptual=perceptual, steps_per_epoch=steps)
        if recipe.family == "judge":
            model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate),
                          loss=keras.losses.BinaryCrossentropy(from_logits=True),
                          metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
        else:
            model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate))
            model(np.zeros((1, *image_shape), np.float32))  # build, so checkpoints can restore into it
    if extend:
        _seed_checkpoint(model, recipe.model_id, backup, progress, steps)
    train_ds, val_ds = face_datasets(recipe, fit, val, recipe.batch_size)
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=recipe.patience, restore_best_weights=True),
        keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False),
        _progress_callback(progress),
    ]
    if recipe.reduce_lr_patience:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                           patience=recipe.reduce_lr_patience, min_lr=1e-5))
    history = model.fit(train_ds, validation_data=val_ds, epochs=recipe.epochs, callbacks=callbacks, verbose=verbose)
    if not history.history.get("val_loss"):
        raise RuntimeError(f"no epoch was run: the checkpoint in {run_dir} has already reached {recipe.epochs} "
                           f"epochs; pass --fresh to start over")
    epochs_log = json.loads(progress.read_text()) if progress.is_file() else []

    folder = out / recipe.model_id
    folder.mkdir(parents=True, exist_ok=True)
    wall = sum(e["wall_s"] for e in epochs_log)
    card = _card(recipe, image_shape, fit, val, range(n_test), history.history, wall, history.epoch)
    card.update({"num_classes": 0, "class_names": None, "attribute_names": list(train_set.attribute_names)})
    card["dataset"]["description"] = (
        f"CelebA aligned faces, cropped to (0, 20, 178, 198) and resized to {FACE_SIZE}x{FACE_SIZE}: "
        f"{len(fit[0]):,} faces of the official train partition to fit, {len(val[0]):,} of the official val "
        f"partition to stop early and choose settings, {n_test:,} of the official test partition held out "
        f"for the figures (the faces present in the data folder).")
    card["training"].update({
        "cpu_time_s": round(sum(e["cpu_s"] for e in epochs_log), 1),
        "epoch_times_s": [e["wall_s"] for e in epochs_log],
        "time_note": "wall_time_s sums every epoch's wall time, over resumed runs too; training ran at nice 19 "
                     "on a shared 2-core CPU, so cpu_time_s says more about the cost than wall time does",
    })
    card["files"] = _save_networks(model, folder, recipe.family, "face_judge")
    if recipe.family != "judge":
        card["training"]["options"] = model.config_for_card()
        card["training"]["perceptual_judge"] = judge_used
    if (run_dir / "extended_from.json").is_file():
        card["training"]["extended_from"] = json.loads((run_dir / "extended_from.json").read_text())
    return _publish(card, out, data, evaluate_after)


# ------------------------------------------------------------------ GANs

STORY_SAMPLES, STORY_SEED = 20, 1234  # the fixed noise whose samples, epoch by epoch, tell the training story
STORY_FILE = "training_story.npz"


def gan_dataset(recipe: Recipe, x, y, first_epoch: int = 0):
    """Training digits scaled to [-1, 1] (the generators' tanh range), with one-hot labels when conditional, in
    batches for epochs first_epoch+1 .. recipe.epochs. Each epoch's order is a permutation seeded by (seed, epoch),
    so a run resumed at any epoch sees the batches an uninterrupted one would."""
    import tensorflow as tf
    from .images import as_model_input
    steps = len(x) // recipe.batch_size
    order = np.concatenate([np.random.default_rng([recipe.seed, e]).permutation(len(x))[:steps * recipe.batch_size]
                            for e in range(first_epoch, recipe.epochs)] or [np.zeros(0, np.int64)])
    images = tf.constant(as_model_input(x) * 2.0 - 1.0)
    labels = tf.constant(np.eye(10, dtype=np.float32)[y])
    pick = ((lambda i: (tf.gather(images, i), tf.gather(labels, i))) if recipe.family == "cgan"
            else (lambda i: tf.gather(images, i)))
    return tf.data.Dataset.from_tensor_slices(order).batch(recipe.batch_size).map(pick).prefetch(tf.data.AUTOTUNE)


def reseed(model, seed: int, epoch: int) -> None:
    """Set every random stream of a GAN (its noise, the discriminator's dropout) to a state of (seed, epoch), so
    that each epoch draws the same numbers whether the run was interrupted before it or not."""
    streams = [model.seed_generator] + [layer.seed_generator for layer in model.discriminator.layers
                                        if hasattr(layer, "seed_generator")]
    for k, stream in enumerate(streams):
        stream.state.assign(np.array([np.random.default_rng([seed, epoch, k]).integers(2 ** 31), 0], np.int64))


def build_gan(recipe: Recipe, image_shape):
    import keras
    from .models.gan import GAN
    o = model_options(recipe.model_id)
    model = GAN(recipe.family, recipe.latent_dim, image_shape, num_classes=10 if recipe.family == "cgan" else 0,
                real_label=o.get("real_label", 1.0), ema_decay=o.get("ema_decay"), pack=o.get("pack", 1),
                seed=recipe.seed)
    model.compile(d_optimizer=keras.optimizers.Adam(recipe.learning_rate, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(recipe.learning_rate, beta_1=0.5))
    model.d_optimizer.build(model.discriminator.trainable_weights)
    model.g_optimizer.build(model.generator.trainable_weights)
    return model


def story_inputs(recipe: Recipe):
    """The fixed inputs of the per-epoch sample grid: seeded noise, and labels 0-9 twice for a conditional GAN."""
    z = np.random.default_rng(STORY_SEED).standard_normal((STORY_SAMPLES, recipe.latent_dim)).astype(np.float32)
    return [z, np.eye(10, dtype=np.float32)[np.arange(STORY_SAMPLES) % 10]] if recipe.family == "cgan" else z


class GanCheckpoint:
    """Everything a GAN run needs to resume after any epoch, under runs/<model_id>/: the three networks'
    weights, both optimizers' state, and the story so far (per-epoch losses and times, the fixed-noise samples)."""

    NETWORKS = ("generator", "discriminator", "ema_generator")

    def __init__(self, run_dir: Path):
        self.dir = run_dir
        self.progress, self.frames = run_dir / "progress.json", run_dir / "story_frames.npy"

    def epochs_done(self) -> list[dict]:
        return json.loads(self.progress.read_text()) if self.progress.is_file() else []

    def restore(self, model) -> list[dict]:
        done = self.epochs_done()
        if not done:
            return []
        for name in self.NETWORKS:
            if getattr(model, name) is not None:
                getattr(model, name).load_weights(self.dir / f"{name}.weights.h5")
        with np.load(self.dir / "optimizers.npz") as saved:
            for prefix, opt in (("d", model.d_optimizer), ("g", model.g_optimizer)):
                for i, v in enumerate(opt.variables):
                    v.assign(saved[f"{prefix}{i}"])
        return done

    def save(self, model, epoch_log: dict, frame: np.ndarray) -> None:
        for name in self.NETWORKS:
            if getattr(model, name) is not None:
                getattr(model, name).save_weights(self.dir / f"{name}.weights.h5")
        np.savez(self.dir / "optimizers.npz",
                 **{f"{p}{i}": np.asarray(v) for p, opt in (("d", model.d_optimizer), ("g", model.g_optimizer))
                    for i, v in enumerate(opt.variables)})
        done = [e for e in self.epochs_done() if e["epoch"] < epoch_log["epoch"]]
        frames = np.load(self.frames)[:len(done)] if self.frames.is_file() else np.zeros((0, *frame.shape), np.uint8)
        np.save(self.frames, np.concatenate([frames, frame[None]]))
        self.progress.write_text(json.dumps(done + [epoch_log], indent=1) + "\n")  # last: marks the epoch done


def _story_callback(recipe: Recipe, checkpoint: GanCheckpoint, images_per_epoch: int):
    import keras
    from .images import to_uint8
    inputs = story_inputs(recipe)

    class Story(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            reseed(self.model, recipe.seed, epoch)
            self.start, self.cpu = time.time(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            wall = time.time() - self.start
            frame = to_uint8(self.model.sampler(inputs, training=False).numpy() * 0.5 + 0.5)
            log = {"epoch": epoch + 1, "wall_s": round(wall, 1), "cpu_s": round(time.process_time() - self.cpu, 1),
                   "images_per_s": round(images_per_epoch / wall, 1),
                   **{k: round(float(v), 5) for k, v in (logs or {}).items()}}
            checkpoint.save(self.model, log, frame)

    return Story()


def train_gan(recipe: Recipe, data, out, runs: Path, fresh: bool, verbose: int, evaluate_after: bool) -> dict:
    """Fixed epochs on every training digit; resumable after any epoch (GanCheckpoint); ships the sampling
    generator, its card (losses per epoch in it) and the story's per-epoch samples."""
    (x_train, y_train), (x_test, _) = load_dataset(recipe.dataset, data)
    image_shape = (*x_train.shape[1:], 1)
    run_dir = runs / recipe.model_id
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = GanCheckpoint(run_dir)
    with strategy().scope():
        model = build_gan(recipe, image_shape)
    done = checkpoint.restore(model)
    steps = len(x_train) // recipe.batch_size
    if len(done) < recipe.epochs:
        model.fit(gan_dataset(recipe, x_train, y_train, len(done)), epochs=recipe.epochs, initial_epoch=len(done),
                  steps_per_epoch=steps, callbacks=[_story_callback(recipe, checkpoint, steps * recipe.batch_size)],
                  verbose=verbose)
    log = checkpoint.epochs_done()

    out = Path(out) if out else registry.pretrained_root()
    folder = out / recipe.model_id
    folder.mkdir(parents=True, exist_ok=True)
    model.sampler.save(folder / "generator.keras")
    np.savez_compressed(folder / STORY_FILE, epochs=np.array([e["epoch"] for e in log]),
                        samples=np.load(checkpoint.frames)[:len(log)], inputs_seed=np.int64(STORY_SEED))
    card = gan_card(recipe, image_shape, len(x_train), len(x_test), log)
    return _publish(card, out, data, evaluate_after)


def gan_card(recipe: Recipe, image_shape, n_train: int, n_test: int, log: list[dict]) -> dict:
    from .data import mnist
    wall = sum(e["wall_s"] for e in log)
    images = sum(e["images_per_s"] * e["wall_s"] for e in log)
    return {
        "id": recipe.model_id, "title": recipe.title, "kind": "generative", "family": recipe.family,
        "summary": recipe.summary, "latent_dim": recipe.latent_dim, "image_shape": list(image_shape),
        "output_range": [-1.0, 1.0],
        "conditional": recipe.family == "cgan", "num_classes": 10, "class_names": mnist.CLASS_NAMES,
        "dataset": {"name": recipe.dataset, "description": mnist.describe(n_train, n_test),
                    "fit": n_train, "validation": 0, "heldout": n_test},
        "training": {
            "command": registry.rebuild_command(recipe.model_id), "recipe": recipe.as_dict(),
            "options": model_options(recipe.model_id), "epochs_run": len(log),
            "wall_time_s": round(wall, 1), "cpu_time_s": round(sum(e["cpu_s"] for e in log), 1),
            "images_per_second": round(images / wall, 1) if wall else None,
            "history": {k: [e[k] for e in log] for k in ("d_loss", "g_loss", "d_real", "d_fake")},
            "story": {"file": STORY_FILE, "samples": STORY_SAMPLES, "seed": STORY_SEED,
                      "note": "the shipped (sampling) generator's pictures of the same fixed noise after each epoch"},
            "time_note": "wall_time_s sums every epoch's wall time, over resumed runs too",
        },
        "files": {"generator": "generator.keras", "story": STORY_FILE},
        "metrics": {},
    }


def _publish(card: dict, out: Path, data, evaluate_after: bool) -> dict:
    """Write a trained model's card and manifest entry, then measure it (core.evaluate): the card as it ends."""
    (out / card["id"] / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(card["id"], out)
    if not evaluate_after:
        return card
    from .evaluate import evaluate
    evaluate(card["id"], data=data, root=out)
    return registry.read_card(card["id"], out)


def _save_networks(model, folder: Path, family: str, judge_name: str) -> dict:
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
            "final": {k: float(f"{float(v[best]):.5g}") for k, v in history.items()},
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
    p.add_argument("--extend", action="store_true",
                   help="face models: go on training the shipped weights (pretrained/<id>) up to --epochs")
    p.add_argument("--sharpen", action="store_true",
                   help="celeba-vae: fine-tune the shipped decoder against a patch critic (core/sharpen.py)")
    a = p.parse_args(argv)
    if a.sharpen:
        from .sharpen import sharpen
        card = sharpen(a.model_id, a.data, a.epochs, a.out, fresh=a.fresh, evaluate_after=not a.no_eval)
        print(json.dumps(card["training"]["sharpened"]["epochs"][-1], indent=2))
        return
    card = train(a.model_id, a.data, a.epochs, a.seed, a.out, fresh=a.fresh, evaluate_after=not a.no_eval,
                 extend=a.extend)
    print(json.dumps({k: card[k] for k in ("id", "training")}, indent=2))


if __name__ == "__main__":
    main()
