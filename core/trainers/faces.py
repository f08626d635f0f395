"""The face models' trainer (CelebA): the face judges and the face VAE, on the official train partition, stopping
early on the official val partition and never seeing test. Faces flow through tf.data from the cached uint8
arrays; per-epoch wall and CPU times are kept in runs/<model_id>/progress.json, so a resumed run's card still gives
the whole time. The checkpoint outlives the run: a finished run goes on with a larger --epochs, and --extend starts
it from the shipped weights instead."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from .. import registry
from ..recipes import Recipe, model_options
from .common import fit_card, publish, save_networks, strategy

FACE_SIZE = 64


def build_face_model(recipe: Recipe, image_shape, perceptual=None, steps_per_epoch: int = 0):
    """The model a face recipe trains: the face VAE (`perceptual`, the face judge's blocks, gives it its perceptual
    loss; `steps_per_epoch` times its KL warm-up) or a face judge."""
    if recipe.family == "face-vae":
        from ..models.face_vae import FaceVAE
        o = model_options(recipe.model_id)
        return FaceVAE(recipe.latent_dim, image_shape, beta=recipe.beta, sigma=o.get("sigma", 0.1),
                       perceptual=perceptual, perceptual_weight=o.get("perceptual_weight", 1.0),
                       warmup_steps=o.get("kl_warmup_epochs", 0) * steps_per_epoch,
                       widths=tuple(o.get("widths", (32, 64, 128, 256))), residual=o.get("residual", True),
                       seed=recipe.seed)
    from ..models.face_judge import build_face_judge
    return build_face_judge(image_shape, convs_per_block=model_options(recipe.model_id).get("convs_per_block", 1))


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


def progress_callback(path: Path):
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


def perceptual_judge(recipe: Recipe, out: Path):
    """The trained face judge's conv blocks (from the same pretrained folder), frozen, and its file's hash."""
    from ..models.face_judge import feature_extractor
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
    """Early stopping on the val partition, resumable from runs/<model_id>/backup (`extend`: seeded with the
    shipped weights); writes the model folder and its card, then measures it (core.evaluate) unless told not to."""
    import keras
    from ..data.celeba import load_celeba, read_annotations
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
    perceptual, judge_used = (None, None) if recipe.family == "judge" else perceptual_judge(recipe, out)
    with strategy().scope():
        model = build_face_model(recipe, image_shape, perceptual=perceptual, steps_per_epoch=steps)
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
        progress_callback(progress),
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
    card = fit_card(recipe, image_shape, fit, val, range(n_test), history.history, wall, history.epoch)
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
    card["files"] = save_networks(model, folder, recipe.family, "face_judge")
    if recipe.family != "judge":
        card["training"]["options"] = model.config_for_card()
        card["training"]["perceptual_judge"] = judge_used
    if (run_dir / "extended_from.json").is_file():
        card["training"]["extended_from"] = json.loads((run_dir / "extended_from.json").read_text())
    return publish(card, out, data, evaluate_after)
