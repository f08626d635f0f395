"""Sharpen the shipped face VAE's decoder against a patch critic (core.models.face_vaegan), encoder kept.

    python -m core.train celeba-vae --sharpen [--epochs N] [--out PATH] [--fresh]

Runs after `python -m core.train celeba-vae` has written pretrained/celeba-vae. A checkpoint every epoch
under runs/celeba-vae-sharpen/ (resumes where it stopped; the optimizers' moments restart); each epoch's
decoder is kept there with its validation figures in progress.json: reconstruction MSE, the Laplacian
energy of reconstructions over the originals', and Fréchet distances in the face judge's features of
reconstructions and of samples (sampling trick and N(0, I)) against the val faces. The shipped decoder is
the epoch chosen on those val figures (see `choose_epoch`); the test faces are only read by core.evaluate.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from .. import registry
from ..recipes import get_recipe, model_options
from .common import RUNS, publish
from .faces import face_datasets, perceptual_judge

SHARPEN = {"epochs": 7, "decoder_learning_rate": 1e-4, "critic_learning_rate": 2e-4, "beta_1": 0.5,
           "adversarial_weight": 0.5, "warmup_steps": 250}
VAL_FACES = 2000  # decoded from val codes and drawn from each prior, against as many val faces
GOAL_MSE = 0.0075


def choose_epoch(log: list[dict]) -> dict:
    """The epoch with the lowest val Fréchet distance of reconstructions among those that keep the val MSE
    within the goal; the first epoch's when none does (it moved least from the trained decoder)."""
    kept = [e for e in log if e["val_mse"] <= GOAL_MSE] or log[:1]
    return min(kept, key=lambda e: e["val_frechet_reconstructions"])


def _val_figures(model, judge, val_images, code_mean, code_std):
    from ..images import laplacian_energy
    from ..judges import frechet_distance
    faces = val_images[:VAL_FACES].astype(np.float32) / 255.0
    real = judge.features(faces)
    z_mean, _ = model.encoder.predict(faces, batch_size=256, verbose=0)
    recon = model.decoder.predict(z_mean, batch_size=256, verbose=0)
    noise = np.random.default_rng(0).standard_normal(z_mean.shape).astype(np.float32)
    trick = model.decoder.predict(code_mean + code_std * noise, batch_size=256, verbose=0)
    prior = model.decoder.predict(noise, batch_size=256, verbose=0)
    return {"val_mse": float(np.mean((faces - recon) ** 2)),
            "val_laplacian_ratio": laplacian_energy(recon) / laplacian_energy(faces),
            "val_frechet_reconstructions": frechet_distance(judge.features(recon), real),
            "val_frechet_trick": frechet_distance(judge.features(trick), real),
            "val_frechet_prior": frechet_distance(judge.features(prior), real)}


def _epoch_callback(run_dir: Path, judge, val_images, code_mean, code_std):
    """After each epoch: keep its decoder, measure it on val faces, append wall/CPU time and figures."""
    import keras
    progress = run_dir / "progress.json"

    class Epochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start, self.cpu = time.time(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            wall, cpu = round(time.time() - self.start, 1), round(time.process_time() - self.cpu, 1)
            self.model.decoder.save(run_dir / f"decoder_{epoch + 1:02d}.keras")
            figures = _val_figures(self.model, judge, val_images, code_mean, code_std)
            done = [e for e in (json.loads(progress.read_text()) if progress.is_file() else []) if e["epoch"] <= epoch]
            done.append({"epoch": epoch + 1, "wall_s": wall, "cpu_s": cpu, **figures,
                         **{k: round(float(v), 5) for k, v in (logs or {}).items()}})
            progress.write_text(json.dumps(done, indent=1) + "\n")
            print(json.dumps(done[-1]), flush=True)

    return Epochs()


def sharpen(model_id: str = "celeba-vae", data=None, epochs: int | None = None, out: Path | None = None,
            runs: Path | None = None, fresh: bool = False, verbose: int = 2, evaluate_after: bool = True) -> dict:
    import keras
    from ..data.celeba import load_celeba
    from ..models.face_judge import FACE_JUDGE
    from ..models.face_vaegan import SharpenedDecoder
    recipe, options = get_recipe(model_id), model_options(model_id)
    settings = {**SHARPEN, **({"epochs": epochs} if epochs else {})}
    out = Path(out) if out else registry.pretrained_root()
    run_dir = (runs or RUNS) / f"{model_id}-sharpen"
    if fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(recipe.seed)

    fit = load_celeba(data, size=64, split="train").images
    val = load_celeba(data, size=64, split="val").images
    with registry.using_root(out):
        card = registry.read_card(model_id)
        trained = card["training"].get("sharpened", {}).get("from_decoder_sha256") is None
        if not trained and not (run_dir / "backup").exists():
            raise RuntimeError(f"{out / model_id} already holds a sharpened decoder: retrain {model_id} first "
                               f"({registry.rebuild_command(model_id)}), then sharpen it")
        encoder = registry.load_keras(model_id, card["files"]["encoder"])
        decoder = registry.load_keras(model_id, card["files"]["decoder"])
        decoder_sha = registry.sha256(registry.verified_path(model_id, card["files"]["decoder"]))
        stats = np.load(registry.verified_path(model_id, card["files"]["latents"]))
        judge = registry.load_face_judge(FACE_JUDGE)
    perceptual, judge_used = perceptual_judge(recipe, out)
    code_mean, code_std = stats["train_mean"], stats["train_std"]
    model = SharpenedDecoder(encoder, decoder, perceptual, code_mean, code_std, sigma=options["sigma"],
                             perceptual_weight=options["perceptual_weight"],
                             adversarial_weight=settings["adversarial_weight"], warmup_steps=settings["warmup_steps"],
                             seed=recipe.seed)
    adam = keras.optimizers.Adam
    model.compile(adam(settings["decoder_learning_rate"], beta_1=settings["beta_1"]),
                  adam(settings["critic_learning_rate"], beta_1=settings["beta_1"]))
    model(np.zeros((1, 64, 64, 3), np.float32))
    train_ds, val_ds = face_datasets(recipe, (fit, None), (val, None), recipe.batch_size)
    callbacks = [_epoch_callback(run_dir, judge, val, code_mean, code_std),
                 keras.callbacks.BackupAndRestore(str(run_dir / "backup"), delete_checkpoint=False)]
    model.fit(train_ds, validation_data=val_ds, epochs=settings["epochs"], callbacks=callbacks, verbose=verbose)

    log = json.loads((run_dir / "progress.json").read_text())
    chosen = choose_epoch(log)
    folder = out / model_id
    shutil.copyfile(run_dir / f"decoder_{chosen['epoch']:02d}.keras", folder / card["files"]["decoder"])
    card["training"]["sharpened"] = {
        "command": f"{registry.rebuild_command(model_id)} --sharpen", "settings": settings,
        "options": model.config_for_card(), "perceptual_judge": judge_used, "from_decoder_sha256": decoder_sha,
        "chosen_epoch": chosen["epoch"],
        "choice": f"lowest val Fréchet distance of reconstructions among epochs with val MSE <= {GOAL_MSE}",
        "epochs": log, "wall_time_s": round(sum(e["wall_s"] for e in log), 1),
        "cpu_time_s": round(sum(e["cpu_s"] for e in log), 1),
        "method": __doc__.split("\n\n")[0].split("\n")[0]}
    return publish(card, out, data, evaluate_after)
