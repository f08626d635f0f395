"""Train the PixelCNN (core/models/pixelcnn.py) from its recipe and write it into `pretrained/`.

The training digits are binarised once, at 0.5 (core.images.threshold), and so are the validation and held-out
ones: one binarisation for training and every figure. The loss is -log p(x) in nats a digit. Each epoch's wall
and CPU times and losses go to runs/<model_id>/progress.json, the weights of the best validation epoch so far to
runs/<model_id>/best.weights.h5, and Keras' backup of the last epoch to runs/<model_id>/backup, so an interrupted
run resumes after its last finished epoch with its history and its best weights (--fresh starts over).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from .. import registry
from ..data import load_dataset
from ..images import threshold
from ..recipes import Recipe, model_options
from .common import publish, split_train, strategy
from .faces import progress_callback

IMAGE_SHAPE = (28, 28, 1)
NETWORK_FILE = "pixelcnn.keras"
BINARISATION = ("each digit's grey levels (uint8 / 255) thresholded at 0.5: a pixel is 1 when its level exceeds 0.5, "
                "once, for training, validation and every held-out figure")


def build_network(recipe: Recipe):
    """The recipe's PixelCNN, compiled with -log p(x) in nats a digit as its loss."""
    import keras
    from ..models.pixelcnn import build_pixelcnn, image_nll
    network = build_pixelcnn(IMAGE_SHAPE, **model_options(recipe.model_id))
    network.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate), loss=image_nll)
    return network


def _datasets(recipe: Recipe, x_fit: np.ndarray, x_val: np.ndarray):
    """(image, image) pairs: the network reads a digit and is scored on the same digit's pixels."""
    import tensorflow as tf
    train = (tf.data.Dataset.from_tensor_slices((x_fit, x_fit)).shuffle(len(x_fit), seed=recipe.seed)
             .batch(recipe.batch_size))
    valid = tf.data.Dataset.from_tensor_slices((x_val, x_val)).batch(500)
    return train.prefetch(tf.data.AUTOTUNE), valid.prefetch(tf.data.AUTOTUNE)


def _best_so_far(log: list[dict]) -> float | None:
    return min((e["val_loss"] for e in log if "val_loss" in e), default=None)


def train_pixelcnn(recipe: Recipe, data, out, runs: Path, fresh: bool, verbose: int, evaluate_after: bool) -> dict:
    """Fit on the training split, stop early on the validation split's NLL, ship the best epoch's network."""
    import keras
    (x_train, y_train), (x_test, _) = load_dataset(recipe.dataset, data)
    fit, val = split_train(x_train, y_train, recipe.val_fraction, recipe.seed)
    x_fit, x_val = threshold(fit[0]), threshold(val[0])
    run_dir = runs / recipe.model_id
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    progress, backup, best = run_dir / "progress.json", run_dir / "backup", run_dir / "best.weights.h5"
    if not backup.exists():  # a new run: an older, finished one's times and weights do not count
        progress.unlink(missing_ok=True)
        best.unlink(missing_ok=True)
    log = json.loads(progress.read_text()) if progress.is_file() else []
    with strategy().scope():
        network = build_network(recipe)
    callbacks = [  # in this order, so that an epoch the backup lacks has not replaced the best weights either
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=recipe.patience),
        keras.callbacks.BackupAndRestore(str(backup)),
        keras.callbacks.ModelCheckpoint(best, monitor="val_loss", save_best_only=True, save_weights_only=True,
                                        initial_value_threshold=_best_so_far(log)),
    ]
    if recipe.reduce_lr_patience:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                           patience=recipe.reduce_lr_patience, min_lr=1e-5))
    callbacks.append(progress_callback(progress))  # last: it logs the epoch as the others left it
    train_ds, val_ds = _datasets(recipe, x_fit, x_val)
    network.fit(train_ds, validation_data=val_ds, epochs=recipe.epochs, callbacks=callbacks, verbose=verbose)
    log = json.loads(progress.read_text()) if progress.is_file() else []
    if not best.is_file():
        raise RuntimeError(f"no epoch was run into {run_dir}: pass --fresh to start over")
    network.load_weights(best)

    out = Path(out) if out else registry.pretrained_root()
    folder = out / recipe.model_id
    folder.mkdir(parents=True, exist_ok=True)
    keras.Model(network.input, network.output, name="pixelcnn").save(folder / NETWORK_FILE)  # no optimizer
    card = pixelcnn_card(recipe, len(x_fit), len(x_val), len(x_test), log, network.count_params())
    return publish(card, out, data, evaluate_after)


def pixelcnn_card(recipe: Recipe, n_fit: int, n_val: int, n_test: int, log: list[dict], parameters: int) -> dict:
    """The card as training leaves it: data, binarisation, recipe, per-epoch losses and times (core.evaluate adds
    the figures). Losses are -log p(x) in nats a digit; the best epoch is the one shipped."""
    from ..data import mnist
    best = min(range(len(log)), key=lambda i: log[i]["val_loss"])
    return {
        "id": recipe.model_id, "title": recipe.title, "kind": "autoregressive", "family": recipe.family,
        "summary": recipe.summary, "latent_dim": None, "image_shape": list(IMAGE_SHAPE), "conditional": False,
        "num_classes": 10, "class_names": mnist.CLASS_NAMES, "binarisation": BINARISATION,
        "dataset": {"name": recipe.dataset, "description": mnist.describe(n_fit + n_val, n_test),
                    "fit": n_fit, "validation": n_val, "heldout": n_test},
        "training": {
            "command": registry.rebuild_command(recipe.model_id), "recipe": recipe.as_dict(),
            "options": model_options(recipe.model_id), "parameters": int(parameters),
            "epochs_run": len(log), "best_epoch": log[best]["epoch"],
            "wall_time_s": round(sum(e["wall_s"] for e in log), 1),
            "cpu_time_s": round(sum(e["cpu_s"] for e in log), 1),
            "history": {k: [e.get(k) for e in log] for k in ("loss", "val_loss", "learning_rate")},
            "final": {k: v for k, v in log[best].items() if k not in ("epoch", "wall_s", "cpu_s")},
            "time_note": "wall_time_s sums every epoch's wall time, over resumed runs too; training ran at nice on a "
                         "shared 2-core CPU, so cpu_time_s says more about the cost than wall time does",
        },
        "files": {"network": NETWORK_FILE},
        "metrics": {},
    }
