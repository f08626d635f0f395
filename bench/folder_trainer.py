"""The folder trainer's speed (`python -m core.train vae --images`): pictures read a second, and images trained a
second, for the sizes and latents it offers; with --example, the README's worked example run end to end.

    python -m bench.folder_trainer [--steps 30] [--pictures 1000]      # -> bench/results/folder_trainer.json
    python -m bench.folder_trainer --example 10000                      # -> bench/results/folder_example.json

The first needs no data: it writes `--pictures` generated PNGs of odd sizes and times core.data.image_folder
reading them (decoding, centre-cropping, resizing), grey at 28 px and colour at 32 px; then, on random pictures of
each configuration, the trainer's own compiled training step (the function `fit` runs, batch of the trainer's
size), milliseconds a step and images a second at its p50. No goal: the issue asks only that a useful VAE on
10,000 pictures train in 10 minutes, which the worked example shows.

--example N (needs $LATENT_LAB_DATA) is the README's worked example: the first N Fashion-MNIST training items
exported as PNGs with their labels (core.data.export_images), then a 2-D and a 16-D VAE trained on them by the one
command (a process of its own), each into a temporary models folder; the figures (epochs, training time, images a second, held-out
reconstruction error) are each card's. It trains: run it when nothing else trains (`pgrep -af core.train`).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.harness import (ROOT, count, json_argument, json_target, print_table, reference_ms,  # noqa: E402
                           result_path, speed_note, summary, timings_ms, write_json)

from bench.report import README, render_readme  # noqa: E402
from bench.report_folder import EXAMPLE, example_block  # noqa: E402

CONFIGS = ((28, 1, 2), (28, 1, 16), (32, 3, 16), (64, 3, 16))  # (side, channels, latent) the trainer offers
EXAMPLE_LATENTS = (2, 16)


def write_pictures(folder: Path, n: int, colour: bool) -> Path:
    """n random PNGs of odd sizes (40 to 56 px a side), as a user's folder might hold."""
    from PIL import Image
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for i in range(n):
        h, w = 40 + i % 17, 44 + i % 13
        pixels = rng.integers(0, 256, (h, w, 3) if colour else (h, w), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i:05d}.png")
    return folder


def reading_rows(n: int, repeats: int) -> list[dict]:
    """Pictures read a second by core.data.image_folder.read_folder: the whole folder, `repeats` times."""
    from core.data.image_folder import read_folder
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for side, colour in ((28, False), (32, True)):
            folder = write_pictures(Path(tmp) / f"{side}-{colour}", n, colour)
            ms = timings_ms(lambda: read_folder(folder, side, colour=colour), repeats, warmup=1)
            out.append({"operation": f"read {n:,} PNGs ({'colour' if colour else 'grey'}) at {side} px",
                        **summary(ms), "images_per_s": n / (float(np.median(ms)) / 1e3)})
    return out


def training_rows(steps: int) -> list[dict]:
    """The trainer's compiled training step (what fit runs each batch) on random pictures of each configuration."""
    import tensorflow as tf

    from core.trainers.folder import BATCH, build
    out = []
    for side, channels, latent in CONFIGS:
        shape = (side, side, channels)
        model = build(latent, shape)
        batch = np.random.default_rng(0).random((BATCH, *shape), dtype=np.float32)
        batches = iter(tf.data.Dataset.from_tensors(batch).repeat())
        model.make_train_function()
        step = model.train_function
        ms = timings_ms(lambda: float(step(batches)["loss"]), steps)  # float(): wait for the step's result
        out.append({"operation": f"train step, {side} px {'colour' if channels == 3 else 'grey'}, {latent}-D",
                    "batch": BATCH, **summary(ms), "images_per_s": BATCH / (float(np.median(ms)) / 1e3)})
    return out


def example_rows(count_: int, data: str | None) -> list[dict]:
    """The README's worked example: Fashion-MNIST exported as PNGs, then a 2-D and a 16-D VAE trained on them, each
    by the one command in a process of its own (which `pgrep -af core.train` shows), into a temporary models folder."""
    from core import registry
    from core.data.export_images import export_images
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        pictures = export_images("fashion-mnist", Path(tmp) / "fashion", count_, data)
        env = {**os.environ, registry.USER_ENV: str(Path(tmp) / "models")}
        for latent in EXAMPLE_LATENTS:
            name = f"fashion-vae-{latent}d"
            args = ["vae", "--images", "/tmp/fashion", "--labels", "/tmp/fashion/labels.csv", "--latent", str(latent),
                    "--name", name]
            shown = shlex.join(["python", "-m", "core.train", *args])  # as the README's reader types it
            args = [str(pictures) if a == "/tmp/fashion" else str(pictures / "labels.csv")
                    if a == "/tmp/fashion/labels.csv" else a for a in args] + ["--runs", str(Path(tmp) / "runs")]
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "core.train", *args], env=env, cwd=ROOT, check=True)
            whole = time.perf_counter() - began
            card = json.loads((Path(tmp) / "models" / name / registry.CARD).read_text())
            training, split = card["training"], card["dataset"]
            out.append({"model": name, "command": shown, "pictures": count_, "size": card["image_shape"][0],
                        "latent": latent, "epochs_run": training["epochs_run"], "best_epoch": training["best_epoch"],
                        "training_s": training["wall_time_s"], "command_s": round(whole, 1),
                        "images_per_s": training["images_per_second"], "fit": split["fit"],
                        "validation": split["validation"], "heldout": split["heldout"],
                        "reconstruction_mse": card["metrics"]["reconstruction_mse"]})
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.folder_trainer", description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=count, default=30, help="timed training steps a configuration")
    p.add_argument("--pictures", type=count, default=1000, help="generated PNGs the reading is timed on")
    p.add_argument("--repeats", type=count, default=3, help="times the folder is read")
    p.add_argument("--example", type=count, metavar="N",
                   help="run the README's worked example on N Fashion-MNIST items instead (needs LATENT_LAB_DATA)")
    p.add_argument("--data", help="data folder for --example (default: $LATENT_LAB_DATA)")
    json_argument(p, None, f"{result_path('folder_trainer')}, or {result_path('folder_example')} with --example")
    a = p.parse_args(argv)
    if a.json is None:
        a.json = result_path("folder_example" if a.example else "folder_trainer")
    out = json_target(p, a)
    speed = [reference_ms()]
    if a.example:
        from core.data import DatasetNotFound
        try:
            rows = example_rows(a.example, a.data)
        except (DatasetNotFound, ValueError) as e:
            p.error(str(e))
        speed.append(reference_ms())
        print_table(rows, ["model", "pictures", "latent", "epochs_run", "best_epoch", "training_s", "command_s",
                           "images_per_s", "reconstruction_mse"])
        extra = {"pictures": a.example}
    else:
        rows = reading_rows(a.pictures, a.repeats) + training_rows(a.steps)
        speed.append(reference_ms())
        print_table(rows, ["operation", "batch", "n", "p50_ms", "p95_ms", "images_per_s"])
        extra = {"steps": a.steps, "pictures": a.pictures}
    print("\n" + speed_note(*speed))
    write_json(out, rows, p.prog, argv, reference_ms=speed, **extra)
    if out is not None and out.resolve() == EXAMPLE.resolve():  # and the README's worked example follows
        README.write_text(render_readme(README.read_text(encoding="utf-8"), {"example": example_block()}),
                          encoding="utf-8")
        print("rewrote README.md's worked example from it: commit them together")


if __name__ == "__main__":
    main()
