"""A VAE trained on the user's own folder of pictures, then measured and written into their models folder.

    python -m core.train vae --images DIR [--labels labels.csv] [--size 28|32|64] [--latent 2|16] [--epochs N]
                             --name NAME [--fresh]

The shipped digit VAE's family (core/models/vae.py: two strided convolutions, an MLP decoder) at the size asked,
grey or colour as the pictures are. The pictures are split, seeded: 10% held out for the card's figures, 10% of
the rest to stop early on, the others to learn from. A checkpoint every epoch under runs/<NAME>/ resumes an
interrupted run (--fresh starts over); each epoch prints its loss and the time left.
"""
from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ..user_models import (UserModelError, attribute_edits, check_name, labels_card, measure, publish,
                           split_heldout)
from .common import RUNS, split_train

SIZES = (28, 32, 64)
BATCH, LEARNING_RATE, PATIENCE, SEED = 128, 1e-3, 5, 0


def _progress(epochs: int, say):
    """A Keras callback printing each epoch's losses, the time it took and the time left at that pace."""
    import keras

    class Progress(keras.callbacks.Callback):
        """Said when the next epoch begins (or training ends), after Keras' progress bar has closed its line."""
        line = None

        def on_epoch_begin(self, epoch, logs=None):
            self.flush()
            self.start = time.time()

        def on_epoch_end(self, epoch, logs=None):
            took = time.time() - self.start
            left = took * (epochs - epoch - 1)
            self.line = (f"epoch {epoch + 1}/{epochs}: loss {logs['loss']:.2f}, validation {logs['val_loss']:.2f}; "
                         f"{took:.0f} s, about {left / 60:.1f} min left (less if it stops early)")

        def on_train_end(self, logs=None):
            self.flush()

        def flush(self):
            if self.line:
                say(self.line)
            self.line = None
    return Progress()


def _datasets(images: np.ndarray, fit: np.ndarray, val: np.ndarray):
    import tensorflow as tf
    from ..images import as_model_input
    x_fit, x_val = as_model_input(images[fit]), as_model_input(images[val])
    train = tf.data.Dataset.from_tensor_slices(x_fit).shuffle(len(x_fit), seed=SEED).batch(BATCH)
    return train.prefetch(tf.data.AUTOTUNE), tf.data.Dataset.from_tensor_slices(x_val).batch(1000)


def build(latent: int, shape: tuple) -> "keras.Model":
    """The VAE the trainer fits, seeded, compiled and built (so a checkpoint can restore into it); bench.folder_trainer
    times its train_step."""
    import keras

    from ..models.vae import VAE
    keras.utils.set_random_seed(SEED)
    # Continuous pictures: the Bernoulli likelihood scores grey levels as they are, without binarising them.
    model = VAE(latent, shape, binarize=False, seed=SEED)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
    model(np.zeros((1, *shape), np.float32))
    return model


def train_folder(images, name: str, labels=None, size: int = 28, latent: int = 2, epochs: int = 30,
                 runs: Path = RUNS, fresh: bool = False, verbose: int = 1, say=print, command: str | None = None):
    """Train, measure and register a VAE on a folder of pictures; returns the model's folder."""
    import keras

    from ..data.image_folder import read_folder
    from ..latent_model import LatentModel
    if size not in SIZES:
        raise ValueError(f"--size must be one of {SIZES}, not {size}")
    check_name(name)
    pictures = read_folder(images, size, colour=None, labels_csv=labels)
    shape = (size, size, 3 if pictures.colour else 1)
    kept, heldout = split_heldout(len(pictures.images), seed=SEED)
    (fit, _), (val, _) = split_train(kept, kept, 0.1, SEED)
    say(f"{len(pictures.images)} {'colour' if pictures.colour else 'grey'} pictures, centre-cropped to {size} px: "
        f"{len(fit)} to learn from, {len(val)} to stop early on, {len(heldout)} held out for the card")

    run_dir = Path(runs) / name
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    say(f"resuming the interrupted run in {run_dir} (--fresh starts over)" if (run_dir / "backup").exists()
        else f"starting a new run (checkpoints in {run_dir})")
    model = build(latent, shape)
    train_ds, val_ds = _datasets(pictures.images, fit, val)
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True),
                 keras.callbacks.BackupAndRestore(str(run_dir / "backup")), _progress(epochs, say)]
    start = time.time()
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks, verbose=verbose,
                        shuffle=False)  # the pipeline shuffles itself
    wall = time.time() - start
    if not history.history.get("val_loss"):
        raise UserModelError(f"no epoch was run: the checkpoint in {run_dir} has already reached {epochs} epochs; "
                             f"pass --fresh to start over, or a larger --epochs")
    best = int(np.argmin(history.history["val_loss"]))
    command = command or f"python -m core.train vae --images {images} --size {size} --latent {latent} --name {name}"
    card = {"title": name, "family": "vae",
            "summary": f"A {latent}-D VAE trained on your pictures ({shape[0]} x {shape[1]}, "
                       f"{'colour' if pictures.colour else 'grey'}), as the shipped digit VAE is built.",
            "latent_dim": latent, "image_shape": list(shape), "conditional": False, **labels_card(pictures),
            "dataset": {"name": "images", "description": f"pictures from {images}, centre-cropped to a square and "
                        f"resized to {size} px", "fit": len(fit), "validation": len(val), "heldout": len(heldout)},
            "training": {"command": command, "epochs_run": history.epoch[-1] + 1,
                         "best_epoch": history.epoch[best] + 1, "wall_time_s": round(wall, 1),
                         "images_per_second": round(len(fit) * len(history.epoch) / wall, 1),
                         "final": {k: float(f"{float(v[best]):.5g}") for k, v in history.history.items()}},
            "metrics": {}}
    lm = LatentModel(card | {"id": name}, model.encoder, model.decoder)
    metrics, arrays = measure(lm, pictures, heldout)
    card["metrics"] = metrics
    edits, attributes = attribute_edits(lm, pictures, kept)  # from the pictures it learned from, not the held-out
    if edits:
        card["attribute_vectors"] = edits
    folder = publish(name, {"encoder": model.encoder, "decoder": model.decoder}, card, arrays, command, attributes)
    say(f"trained {name} in {wall:.0f} s ({len(history.epoch)} epochs, best {best + 1}); held-out reconstruction "
        f"MSE {metrics['reconstruction_mse']:.4f}; written to {folder}")
    return folder


def main(argv) -> int:
    """The command line of `python -m core.train vae --images ...` (core.train hands its arguments here)."""
    from ..data.image_folder import FolderError
    p = argparse.ArgumentParser(prog="python -m core.train vae", description=__doc__.split("\n")[0])
    p.add_argument("--images", required=True, help="a folder of PNG/JPEG/WebP pictures (any sizes)")
    p.add_argument("--labels", help="labels.csv: `file` and `label` columns, or one 0/1 column per attribute")
    p.add_argument("--size", type=int, default=28, choices=SIZES, help="side of the square pictures, in pixels")
    p.add_argument("--latent", type=int, default=2, help="latent dimensions (2 for the scatter and grid; 16 ...)")
    p.add_argument("--epochs", type=int, default=30, help="at most this many epochs (it stops early)")
    p.add_argument("--name", required=True, help="the model's name in your models folder")
    p.add_argument("--fresh", action="store_true", help="discard an interrupted run's checkpoint and start over")
    p.add_argument("--runs", type=Path, default=RUNS, help="where checkpoints are kept (default: runs/)")
    a = p.parse_args(argv)
    try:
        train_folder(a.images, a.name, a.labels, a.size, a.latent, a.epochs, a.runs, a.fresh,
                     command=shlex.join(["python", "-m", "core.train", "vae", *argv]))
    except (FolderError, UserModelError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
