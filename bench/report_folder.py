"""The folder trainer's figures in the README (bench/report.py assembles the blocks): its section of the benches'
block from bench/results/folder_trainer.json and folder_example.json, and the worked example's block, in "Your own
model, your own pictures", from folder_example.json (`python -m bench.folder_trainer --example 10000`)."""
from __future__ import annotations

import json
from pathlib import Path

from bench.report_format import ms, per_s, table

EXAMPLE = Path(__file__).resolve().parent / "results" / "folder_example.json"
EXAMPLE_COMMAND = "python -m bench.folder_trainer --example 10000"
GOAL_S = 600.0  # a useful VAE on 10,000 pictures of 28-32 px, from the one command, in at most 10 minutes


def throughput_section(data: dict) -> list[str]:
    """bench.folder_trainer: pictures read, and images trained, a second (no goal)."""
    rows = [[r["operation"], r.get("batch"), r["n"], ms(r["p50_ms"]), ms(r["p95_ms"]), per_s(r["images_per_s"])]
            for r in data["rows"]]
    return ["The folder trainer (`python -m core.train vae --images`), no goal: a folder of generated PNGs of odd "
            "sizes read, decoded, centre-cropped and resized (the whole folder each time), and the trainer's compiled "
            "training step on random pictures of each size and latent it offers (milliseconds; images a second at "
            "the p50):", "", *table(["operation", "batch", "n", "p50", "p95", "images/s"], rows)]


def runs_table(data: dict) -> list[str]:
    rows = [[f"`{r['model']}`", f"{r['pictures']:,}", f"{r['size']} px", r["latent"],
             f"{r['epochs_run']} (best {r['best_epoch']})", f"{r['training_s']:,.1f}", f"{r['command_s']:,.1f}",
             per_s(r["images_per_s"]), f"{r['heldout']:,}", f"{r['reconstruction_mse']:.4f}"] for r in data["rows"]]
    return table(["model", "pictures", "size", "latent", "epochs", "training (s)", "whole command (s)",
                  "training images/s", "held out", "held-out recon. MSE"], rows)


def example_section(data: dict) -> list[str]:
    """The worked example's runs, in the benches' block: the folder trainer on real pictures."""
    return ["The README's worked example, end to end: Fashion-MNIST items exported as PNGs, then one "
            "`python -m core.train vae --images` a model (training: `fit` alone; whole command: reading the "
            "pictures, training, measuring and writing the model):", "", *runs_table(data)]


def example_block(path: Path = EXAMPLE) -> str:
    """The worked example's commands and what they gave, from the committed result of its run."""
    if not path.is_file():
        return f"Not run yet, so no figures here: `{EXAMPLE_COMMAND}` runs it and writes them."
    data = json.loads(path.read_text())
    rows = data["rows"]
    first = rows[0]
    commands = [f"python -m core.data.export_images fashion-mnist /tmp/fashion --count {first['pictures']}   "
                "# 00000.png ... and labels.csv", *(r["command"] for r in rows),
                f"streamlit run dashboard/Home.py   # then Latent scatter: ?model={first['model']}"]
    date = (data.get("date") or "")[:10]
    longest = max(r["command_s"] for r in rows)
    speed = data.get("reference_ms") or []
    return "\n".join(["```bash", *commands, "```", "",
                      f"What it gave on {date} (`{data['command']}` ran these commands; machine speed "
                      + " / ".join(f"{v:.0f}" for v in speed) + " ms before / after; `bench/results/"
                      f"{path.name}`): each model learned from {first['fit']:,} pictures, with "
                      f"{first['validation']:,} kept to stop early on and {first['heldout']:,} held out to measure "
                      f"it on; its card holds the same figures, which Home shows. Each whole command within "
                      f"{GOAL_S / 60:.0f} minutes (the goal): {'yes' if longest <= GOAL_S else 'NO'} (the longest "
                      f"{longest:,.1f} s).", "", *runs_table(data)])
