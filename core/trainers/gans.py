"""The GANs' trainer (vanilla, DCGAN, conditional): fixed epochs on every training digit, resumable after any
epoch, keeping the story of training (the same fixed noise's samples after each epoch) that ships with the
generator."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from .. import registry
from ..data import load_dataset
from ..recipes import Recipe, model_options
from .common import publish, strategy

STORY_SAMPLES, STORY_SEED = 20, 1234  # the fixed noise whose samples, epoch by epoch, tell the training story
STORY_FILE = "training_story.npz"


def gan_dataset(recipe: Recipe, x, y, first_epoch: int = 0):
    """Training digits scaled to [-1, 1] (the generators' tanh range), with one-hot labels when conditional, in
    batches for epochs first_epoch+1 .. recipe.epochs. Each epoch's order is a permutation seeded by (seed, epoch),
    so a run resumed at any epoch sees the batches an uninterrupted one would."""
    import tensorflow as tf
    from ..images import as_model_input
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
    from ..models.gan import GAN
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
    from ..images import to_uint8
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
    return publish(card, out, data, evaluate_after)


def gan_card(recipe: Recipe, image_shape, n_train: int, n_test: int, log: list[dict]) -> dict:
    from ..data import mnist
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
