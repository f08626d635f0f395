"""Timing, table and result-file helpers shared by the benchmark commands; the README's generated blocks.

    python -m bench.report --readme     # rewrite README.md's generated blocks from bench/results/*.json and the model cards
    python -m bench.report --check      # exit 1, saying which block differs, when README.md is out of date

Every bench writes its table to bench/results/<name>.json (see RESULT_FILES) with the machine-speed
reference before and after, the date, the git commit and the command line, and then rewrites README.md's
bench block from those files. README.md's figures are read from them and from pretrained/*/card.json;
tests/test_readme.py fails when they disagree.
This module imports no TensorFlow.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
PRETRAINED = ROOT / "pretrained"
REGENERATE = "python -m bench.report --readme"
from core.recipes import GAN_FAMILIES  # noqa: E402  (plain data: imports no TensorFlow)


def dashboard_module(name: str):
    """A module of dashboard/ (not a package: `streamlit run` puts the folder on the path), loaded from its file
    for a bench that times it outside the app. Only for modules that import nothing else of dashboard/."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, ROOT / "dashboard" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def count(text: str) -> int:
    """argparse type for how many runs, repeats, sessions or moves: a whole number, 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def timings_ms(fn, repeats: int, warmup: int = 3) -> np.ndarray:
    """Wall-clock milliseconds of `repeats` calls of fn() after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    out = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        out[i] = (time.perf_counter() - start) * 1e3
    return out


def reference_ms(repeats: int = 5) -> float:
    """CPU milliseconds of a fixed pure-Python loop, median of `repeats`: how fast this machine is right now.

    This shared virtual machine runs the same loop slower at some times than at others, which moves every
    figure of a benchmark: printed and saved beside them, it tells a slow machine from a slow change."""
    times = []
    for _ in range(repeats):
        start, total = time.process_time(), 0
        for i in range(1_000_000):
            total += i * i
        times.append((time.process_time() - start) * 1e3)
    return float(np.median(times))


def speed_note(before: float, after: float) -> str:
    return (f"machine speed: report.reference_ms {before:.0f} ms before, {after:.0f} ms after "
            "(lower is faster; compare runs by it)")


def summary(ms: np.ndarray) -> dict:
    return {"n": int(len(ms)), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


def machine() -> dict:
    import os
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()}


def print_table(rows: list[dict], columns: list[str]) -> None:
    def fmt(v):
        if isinstance(v, float):
            return f"{v:,.2f}"
        return "" if v is None else str(v)
    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def result_path(name: str) -> str:
    """Where a bench writes its table by default: bench/results/<name>.json, as a path relative to the repo."""
    return str((RESULTS / f"{name}.json").relative_to(ROOT))


def json_argument(parser: argparse.ArgumentParser, name: str | None, default_help: str | None = None) -> None:
    """--json FILE (default bench/results/<name>.json) and --no-json, the same on every bench. With name None
    the bench picks the default file after parsing (bench.load: one per mode)."""
    default_help = default_help or result_path(name)
    parser.add_argument("--json", default=name and result_path(name), metavar="FILE",
                        help=f"where to write the table (default {default_help}, committed; the README is "
                             f"generated from it by `{REGENERATE}`)")
    parser.add_argument("--no-json", action="store_true", help="print the table only, write no file")


def json_target(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Path | None:
    """The file the bench will write (None with --no-json), checked before the run: a run of minutes should
    not end in a traceback because its output cannot be written."""
    if args.no_json:
        return None
    path = Path(args.json)
    path = path if path.is_absolute() else ROOT / path
    if path.is_dir():
        parser.error(f"--json {args.json} is a folder; give a file name such as {result_path('name')}")
    folder = next((f for f in [path.parent, *path.parent.parents] if f.exists()), None)
    if folder is None or not folder.is_dir():
        parser.error(f"--json {args.json}: {folder} is not a folder")
    import os
    if not os.access(folder, os.W_OK):
        parser.error(f"--json {args.json}: cannot write in {folder}")
    return path


def git_state() -> dict:
    """The commit the bench ran on, and the files that differed from it then (other people's edits included)."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if not line[3:].startswith("bench/results/")]
    return {"commit": git("rev-parse", "HEAD") or None, "uncommitted_changes": changed}


def write_json(path: str | Path | None, rows: list[dict], prog: str, argv: list[str] | None, **extra) -> None:
    """The table, its rows and `extra`, with the machine, the date, the git commit and the command line.
    `reference_ms` (the machine speed before and after) belongs in `extra`. Nothing is written when path is None."""
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    command = shlex.join([*prog.split(), *(sys.argv[1:] if argv is None else argv)])
    meta = {"command": command, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            **git_state(), "machine": machine()}
    path.write_text(json.dumps({**meta, **extra, "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if path.resolve().parent == RESULTS.resolve():
        update_readme_bench_block()


def update_readme_bench_block() -> None:
    """After a bench wrote to bench/results/: README.md's bench block follows (commit both together)."""
    text = README.read_text(encoding="utf-8")
    if _bounds(text, "bench") is None:
        print(f"README.md has no bench block: `{REGENERATE}` says where it goes")
        return
    new = render_readme(text, {"bench": bench_block()})
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("rewrote README.md's bench block from bench/results/*.json: commit it with the result file")


# ------------------------------------------------------------------ README.md's generated blocks
#
# README.md holds blocks between <!-- NAME:begin ... --> and <!-- NAME:end --> lines that
# `python -m bench.report --readme` rewrites: "models" from the model cards, "bench" from bench/results/*.json.
# tests/test_readme.py fails when they differ from what those files give.

BEGIN = "<!-- {name}:begin: generated by `" + REGENERATE + "` from {source}; edit those, not this block -->"
END = "<!-- {name}:end -->"
# The result files the README always mentions, in order, and the command that writes each.
RESULT_FILES = {"latency": "python -m bench.latency", "cold_start": "python -m bench.cold_start",
                "load": "python -m bench.load", "load_5_sessions": "python -m bench.load --sessions 5",
                "load_repeats": "python -m bench.load --repeats 3",
                "load_sweep": "python -m bench.load --sweep", "pointer": "python -m bench.pointer"}


def _ms(v) -> str:
    """A duration in ms, to a precision its size deserves."""
    if v is None:
        return "–"
    return f"{v:,.2f}" if v < 10 else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def _table(header: list[str], rows: list[list]) -> list[str]:
    cell = (lambda v: "–" if v is None or v == "" else str(v).replace("|", "\\|"))
    return ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header),
            *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)]


def provenance(data: dict, name: str) -> str:
    """`command` · date · commit · machine speed: where a table's figures came from."""
    command = data.get("command") or RESULT_FILES.get(name, f"bench/results/{name}.json")
    date = (data.get("date") or "date not recorded")[:16].replace("T", " ")
    commit = (data.get("commit") or "")[:7]
    changed = data.get("uncommitted_changes") or []
    where = (f"commit `{commit}`" + (f" with {len(changed)} uncommitted file{'s' * (len(changed) != 1)}"
                                     if changed else "")) if commit else "commit not recorded"
    speed = data.get("reference_ms") or []
    machine_speed = ("machine speed " + " / ".join(f"{v:.0f}" for v in speed)
                     + f" ms (before / after{' each run' if len(speed) > 2 else ''})"
                     if speed else "machine speed not recorded")
    return f"`{command}` · {date} · {where} · {machine_speed}"


def _per_s(v) -> str | None:
    return None if v is None else f"{v:,.0f}"


def latency_section(data: dict) -> list[str]:
    timed = [r for r in data["rows"] if "images_per_s" not in r]
    rows = [[f"`{r['model']}`", r["operation"], r["n"], _ms(r["p50_ms"]), _ms(r["p95_ms"]),
             _ms(r.get("naive_p50_ms")), f"{r['speedup']:,.0f}×" if r.get("speedup") else None,
             _ms(r["goal_ms"]), r.get("meets_goal")] for r in timed]
    out = ["Decoding and page reruns, warm (milliseconds; \"naive\" is `model.predict` per image):", "",
           *_table(["model", "operation", "n", "p50", "p95", "naive p50", "speed-up", "goal", "met"], rows)]
    throughput = [[f"`{r['model']}`", r.get("batch"), r["n"], _ms(r["p50_ms"]), _ms(r["p95_ms"]),
                   _per_s(r["images_per_s"]), _per_s(r.get("card_images_per_s"))]
                  for r in data["rows"] if "images_per_s" in r]
    if throughput:
        out += ["", "GAN training throughput, no goal: the compiled `train_step` on random data, milliseconds a step "
                    "and images a second at its p50, beside the card's figure from its training run (whole epochs of "
                    "`model.fit`, data pipeline and callbacks included):", "",
                *_table(["model", "batch", "steps", "p50", "p95", "images/s", "card's images/s"], throughput)]
    return out


def cold_start_section(data: dict) -> list[str]:
    rows = [[r["milestone"], r["n"], f"{r['p50_s']:.1f}", f"{r['min_s']:.1f} – {r['max_s']:.1f}",
             None if r.get("goal_s") is None else f"{r['goal_s']:g}", r.get("meets_goal")] for r in data["rows"]]
    return ["From `streamlit run` to a page drawn in Chromium (seconds since the server process started; the row "
            "\"from the click\" counts from the sidebar click, made on another fresh server after reading Home for "
            "the seconds it names, while Home's background warm-up loads the models):", "",
            *_table(["milestone", "runs", "p50", "min – max", "goal", "met"], rows)]


def load_section(data: dict) -> list[str]:
    s = data.get("summary", {})
    runs = s.get("runs", 1)
    what = (f"{s.get('sessions', '?')} browser sessions at once, {s.get('moves_per_page', '?')} moves a page each, "
            f"{s.get('think_s', '?'):g} s between moves" if isinstance(s.get("think_s"), (int, float))
            else "browser sessions at once")
    what += (f", {runs} runs pooled" if runs > 1 else "") + (", all changing page in step" if s.get("in_step") else "")
    received = any(r.get("kb_per_move") is not None for r in data["rows"])  # measured since the fast nudges
    rows = [[r["scenario"], r["moves"], _ms(r["p50_ms"]), _ms(r["p95_ms"]), _ms(r["max_ms"]),
             _ms(r["server_p50_ms"]), _ms(r["server_p95_ms"]), *[_ms(r.get("kb_per_move"))] * received]
            for r in data["rows"]]
    goals = [[g["measure"].strip(), g["value"] if not isinstance(g["value"], float) else _ms(g["value"]),
              g.get("goal"), g.get("meets_goal")] for g in data.get("goals", [])
             if not g["measure"].startswith("machine speed")]  # already in the heading
    out = [f"{what}; milliseconds from the input to the new picture on screen, and the server's own share:", "",
           *_table(["scenario", "moves", "p50", "p95", "max", "server p50", "server p95",
                    *["WebSocket kB a move"] * received], rows)]
    if s.get("nudges"):
        out += ["", s["nudges"]]
    if goals:
        out += ["", *_table(["measure", "value", "goal", "met"], goals)]
    server, browsers = s.get("server_cpu_share"), s.get("browser_cpu_share")
    notes = []
    if server and browsers:
        notes.append(f"The browsers (all tabs, on the same cores as the server) used {browsers / server:.1f} times "
                     "the server's CPU in this run.")
    if s.get("machine_busy_share") is not None:
        notes.append("The whole machine's share counts everything running then, other people's work included.")
    if notes:
        out += ["", " ".join(notes)]
    return out


def sweep_section(data: dict) -> list[str]:
    rows = [[r["sessions"], f"{r['think_s']:g}", _ms(r["p50_ms"]), _ms(r["p95_ms"]), _ms(r["server_p95_ms"]),
             r["machine_busy"], _ms(r["browser_cpu_ms_per_move"]), r["reference_ms"], r["errors"],
             r["meets_p95_goal"]] for r in data["rows"]]
    return [f"One run per number of sessions and pace, {data.get('moves_per_page', '?')} moves a page "
            "(milliseconds, input to picture on screen):", "",
            *_table(["sessions", "think (s)", "p50", "p95", "server p95", "machine busy", "browsers' CPU per move",
                     "machine speed", "errors", "p95 goal met"], rows)]


def pointer_section(data: dict) -> list[str]:
    rows = [[f"`{r['model']}`", f"{r['seconds']:.1f}", r["moves"], r["frames"], f"{r['decodes_per_s']:.1f}",
             f"{r['moves_per_s']:.1f}", _ms(r["frame_p50_ms"]), _ms(r["frame_p95_ms"]), _ms(r["draw_p50_ms"]),
             _ms(r["draw_p95_ms"]), f"{r['goal_per_s']:g}", r["meets_goal"]] for r in data["rows"]]
    out = ["In the Decoded grid's live view (headless, software-rendered Chromium): digits "
           "drawn a second while the pointer sweeps the plane, and milliseconds between drawn frames and of the "
           "component's own work in one:", "",
           *_table(["model", "seconds", "pointer events", "frames drawn", "decodes/s", "pointer events/s",
                    "frame p50", "frame p95", "draw p50", "draw p95", "goal (decodes/s)", "met"], rows)]
    clicks = [[f"`{c['model']}`", c["n"], _ms(c["p50_ms"]), _ms(c["p95_ms"]), _ms(c["max_ms"])]
              for c in data.get("clicks", [])]
    if clicks:
        out += ["", "A click that keeps a point, to the page's rerun on screen with the decoder's digit there "
                    "(milliseconds, measured in the page):", "",
                *_table(["model", "clicks", "p50", "p95", "max"], clicks)]
    return out


TITLES = {"latency": "Decode and page-rerun latency", "cold_start": "Cold start", "load": "Load: one run",
          "load_5_sessions": "Load: one run at 5 sessions (the on-screen goal)",
          "load_repeats": "Load: repeated runs", "load_sweep": "Load sweep", "pointer": "Live decoding under the pointer"}


def section(name: str, data: dict) -> list[str]:
    render = (latency_section if name == "latency" else cold_start_section if name == "cold_start"
              else pointer_section if name == "pointer" else sweep_section if name.endswith("_sweep")
              else load_section)
    title = TITLES.get(name, f"`{name}`")
    return [f"**{title}** ({provenance(data, name)}; `bench/results/{name}.json`).", "", *render(data)]


def read_results(results: Path = RESULTS) -> dict[str, dict]:
    """Every bench/results/*.json, by name: the README's files in RESULT_FILES order, then any others."""
    found = {p.stem: p for p in sorted(results.glob("*.json"))}
    order = [n for n in RESULT_FILES if n in found] + [n for n in found if n not in RESULT_FILES]
    return {n: json.loads(found[n].read_text()) for n in order}


def bench_block(results: Path = RESULTS) -> str:
    data = read_results(results)
    lines = []
    for name, content in data.items():
        lines += [*section(name, content), ""]
    missing = [f"`{RESULT_FILES[n]}`" for n in RESULT_FILES if n not in data]
    if missing:
        lines += ["Not run yet, so not shown: " + ", ".join(missing) + "."]
    return "\n".join(lines).strip()


def _pct(v) -> str:
    return "–" if v is None else f"{v:.1%}"


def read_cards(pretrained: Path = PRETRAINED) -> list[dict]:
    """The shipped models' cards, in the manifest's list (cards not in it are not shipped)."""
    names = json.loads((pretrained / "manifest.json").read_text())["models"]
    return [json.loads((pretrained / n / "card.json").read_text()) for n in names]


def _is_gan(card: dict) -> bool:
    return card.get("kind") == "generative" and card.get("family") in GAN_FAMILIES


def models_block(pretrained: Path = PRETRAINED) -> str:
    cards = read_cards(pretrained)
    models = sorted((c for c in cards if c.get("kind") == "generative" and c["dataset"]["name"] != "celeba"
                     and not _is_gan(c)),
                    key=lambda c: (bool(c.get("conditional")), c["latent_dim"], c["family"]))
    gans = sorted((c for c in cards if _is_gan(c)), key=lambda c: GAN_FAMILIES.index(c["family"]))
    faces = [c for c in cards if c.get("kind") == "generative" and c["dataset"]["name"] == "celeba"]
    data_sets = {(c["dataset"]["description"], c["dataset"]["fit"], c["dataset"]["validation"],
                  c["dataset"]["heldout"]) for c in models}
    lines = []
    for description, fit, validation, heldout in sorted(data_sets):
        lines.append(f"Trained on CPU on the {description}: {fit:,} digits to fit, {validation:,} to stop early. "
                     f"Measured on the {heldout:,} held-out digits by `python -m core.evaluate`:")
    lines.append("")
    rows = []
    for c in models:
        m, t = c.get("metrics", {}), c["training"]
        nats = (lambda key: f"{m[key]:.1f}" if key in m else None)
        rows.append([f"`{c['id']}`", c["family"].upper(), c["latent_dim"], nats("neg_elbo_nats"),
                     nats("neg_log_likelihood_iwae_nats"),
                     f"{m['reconstruction_mse']:.4f}" if "reconstruction_mse" in m else None,
                     _pct(m.get("judge_accuracy_on_reconstructions")),
                     f"{m['frechet_distance_samples']:.1f}" if "frechet_distance_samples" in m else None,
                     f"{t['epochs_run']} / {t['wall_time_s'] / 60:.1f} min"])
    lines += _table(["model", "family", "latent", "−ELBO (nats)", "−log p(x), IWAE-128 (nats)", "recon. MSE",
                     "judge acc. on recon.", "Fréchet dist. of samples", "epochs / wall-clock time"], rows)
    lines.append("")
    for judge in (c for c in cards if c.get("kind") == "judge"):
        m = judge.get("metrics", {})
        if "heldout_accuracy" not in m:
            continue
        line = (f"- `{judge['id']}`: {judge.get('summary', '').rstrip('.')}. {_pct(m['heldout_accuracy'])} accurate "
                f"on the {m['heldout_digits']:,} held-out digits (every class ≥ "
                f"{_pct(min(m['per_class_accuracy'].values()))}).")
        if "frechet_distance_real_train_vs_heldout" in m:
            line += (" Real training digits against the held-out digits score a Fréchet distance of "
                     f"{m['frechet_distance_real_train_vs_heldout']:.3g} in its features"
                     + (f", precision {m['precision_real_train_vs_heldout']:.2f} and recall "
                        f"{m['recall_real_train_vs_heldout']:.2f}" if "precision_real_train_vs_heldout" in m else "")
                     + ": the best a model can do at this sample size.")
        lines.append(line)
    for c in models:
        m = c.get("metrics", {})
        if not c.get("conditional") or "label_accuracy_prior_samples" not in m:
            continue
        n, per_class = m["label_accuracy_prior_samples_n"], m["label_accuracy_prior_samples_per_class"]
        line = (f"- `{c['id']}`: its likelihoods are of each digit given its label. Of {n:,} prior samples "
                f"({n // len(per_class):,} a class) decoded with a label, the judge reads that label in "
                f"{_pct(m['label_accuracy_prior_samples'])} (every class ≥ {_pct(min(per_class.values()))})")
        if "style_transfer_label_accuracy" in m:
            line += (f"; re-rendering each held-out digit's style as all ten labels keeps the label in "
                     f"{_pct(m['style_transfer_label_accuracy'])} of {m['style_transfer_n']:,} cases")
        lines.append(line + ".")
    if gans:
        lines += ["", *gan_lines(gans, models)]
    lines += ["", *two_judges_lines([*models, *gans], [c for c in cards if c.get("kind") == "judge"])]
    lines += [""] + [face_line(c, cards) for c in faces]
    return "\n".join(lines).strip()


def two_judges_lines(models: list[dict], judges: list[dict]) -> list[str]:
    """Every digit model's samples in each judge's features (cards' metrics.sample_quality): Fréchet distance,
    precision and recall, beside what real training digits score (the judges' cards); none without figures."""
    measured = [c for c in models if c.get("metrics", {}).get("sample_quality")]
    names = sorted({j for c in measured for j in c["metrics"]["sample_quality"]})
    if not measured:
        return []
    floors = {j["id"]: j.get("metrics", {}) for j in judges if j["id"] in names}

    def cells(quality: dict) -> list:
        return [cell for name in names for cell in (
            (f"{quality[name]['frechet_distance']:.3g}", f"{quality[name]['precision']:.2f}",
             f"{quality[name]['recall']:.2f}") if name in quality else (None, None, None))]
    rows = [[f"`{c['id']}`", c["family"].upper(), *cells(c["metrics"]["sample_quality"])] for c in measured]
    floor = {name: {"frechet_distance": m["frechet_distance_real_train_vs_heldout"],
                    "precision": m["precision_real_train_vs_heldout"], "recall": m["recall_real_train_vs_heldout"]}
             for name, m in floors.items() if "precision_real_train_vs_heldout" in m}
    rows.append(["real training digits", "–", *cells(floor)])
    n = next(iter({c["metrics"].get("frechet_distance_samples_n") for c in measured}), None)
    return [f"Samples under two judges: {n:,} samples of each model against the held-out digits, in each judge's "
            "features: Fréchet distance (lower is better), improved precision (the share of samples that look like "
            "held-out digits) and recall (the share of held-out digits the samples cover), k = 3 nearest "
            "neighbours. The last row is real training digits, what a perfect model would score:", "",
            *_table(["model", "family", *[f"{label}, `{name}`" for name in names
                                          for label in ("Fréchet", "precision", "recall")]], rows)]


# What a GAN card's goals_met keys mean, as the table says it (other keys are shown as they are named).
GOAL_NAMES = {"mode_coverage": "mode coverage", "label_accuracy": "label accuracy",
              "label_accuracy_per_class": "every class's label accuracy",
              "frechet_at_most_half_of_vae_2d": "Fréchet ≤ half `mnist-vae-2d`'s",
              "frechet_below_vanilla_gan": "Fréchet below `mnist-gan`'s",
              "precision_and_recall_both_judges": "precision and recall, both judges",
              "frechet_below_both_vaes_both_judges": "Fréchet below both VAEs', both judges"}


def gan_lines(gans: list[dict], others: list[dict]) -> list[str]:
    """The GANs' table (samples only: no encoder, so no ELBO or reconstruction), its goals read from the cards,
    and whether the other digit models' Fréchet distances are of as many samples (their cards say)."""
    lines, seen = [], {c["dataset"]["description"] for c in others}
    for description, fit, heldout in sorted({(c["dataset"]["description"], c["dataset"]["fit"],
                                               c["dataset"]["heldout"]) for c in gans}):
        where = "the same subset" if description in seen else f"the {description}"
        lines.append(f"GANs, trained on CPU on {where}: all {fit:,} digits for a fixed number of epochs (no early "
                     f"stopping, so none kept apart for it). Their samples are measured against the {heldout:,} "
                     "held-out digits by `python -m core.evaluate`, through the judge:")
    lines.append("")
    goals = next((c["metrics"]["goals"] for c in gans if c.get("metrics", {}).get("goals")), {})
    sample_ns = {c.get("metrics", {}).get("frechet_distance_samples_n") for c in gans} - {None}
    one_n = next(iter(sample_ns)) if len(sample_ns) == 1 else None
    rows = []
    for c in gans:
        m, t = c.get("metrics", {}), c["training"]
        fid = m.get("frechet_distance_samples")
        if fid is not None:
            n = m.get("frechet_distance_samples_n")
            fid = (f"{fid:.1f}" if one_n else f"{fid:.1f} ({n:,} samples)" if n
                   else f"{fid:.1f} (samples not recorded)")
        shares = m.get("class_shares")
        per_class = m.get("label_accuracy_prior_samples_per_class")
        label = (f"{_pct(m['label_accuracy_prior_samples'])} (every class ≥ {_pct(min(per_class.values()))})"
                 if "label_accuracy_prior_samples" in m and per_class else None)
        met = ", ".join(f"{GOAL_NAMES.get(k, k.replace('_', ' '))}: {'yes' if v else 'NO'}"
                        for k, v in m.get("goals_met", {}).items())
        ips = t.get("images_per_second")
        rows.append([f"`{c['id']}`", c["family"].upper(), fid,
                     f"{_pct(min(shares))} / {_pct(max(shares))}" if shares else None, label,
                     f"{t['epochs_run']} / {t['wall_time_s'] / 60:.1f} min", _per_s(ips), met or None])

    def goal(text: str, *keys: str) -> str:
        return f" (goal {text.format(*(f'{goals[k]:.0%}' for k in keys))})" if all(k in goals for k in keys) else ""
    lines += _table(["model", "family",
                     f"Fréchet dist. of {one_n:,} samples" if one_n else "Fréchet dist. of samples",
                     "smallest / largest class share" + goal("{} – {}", "class_share_min", "class_share_max"),
                     "label accuracy" + goal("≥ {}, every class ≥ {}", "label_accuracy_min",
                                             "label_accuracy_per_class_min"),
                     "epochs / wall-clock time", "training images/s", "goals met"], rows)
    note = ("The class shares are of the judge's readings of those samples (mode coverage: a GAN that collapsed "
            "draws a few digits only); a conditional GAN's samples ask for each digit in turn")
    labelled = next((c for c in gans if c.get("metrics", {}).get("label_accuracy_prior_samples_n")), None)
    if labelled:
        n, k = labelled["metrics"]["label_accuracy_prior_samples_n"], labelled.get("num_classes") or 10
        note += (f", and its label accuracy is the share of {n:,} samples ({n // k:,} a digit) read as the digit "
                 "asked for")
    lines += ["", note + "."]
    measured = [c for c in others if "frechet_distance_samples" in c.get("metrics", {})]
    if one_n and measured:
        heldout = {c["dataset"]["heldout"] for c in gans}
        differ = [c for c in measured if c["metrics"].get("frechet_distance_samples_n") != one_n
                  or c["dataset"]["heldout"] not in heldout]
        if not differ:
            lines.append(f"The first table's Fréchet distances are measured the same way ({one_n:,} samples "
                         "against the same held-out digits), so the two tables' figures compare.")
        else:
            by_n: dict = {}
            for c in differ:
                by_n.setdefault(c["metrics"].get("frechet_distance_samples_n"), []).append(f"`{c['id']}`")
            said = [f"{', '.join(ids)} " + (f"({n:,} samples)" if n else
                                            f"(no sample count on {'their cards' if len(ids) > 1 else 'its card'})")
                    for n, ids in by_n.items()]
            lines.append(f"The first table's Fréchet distances do not yet compare with these ({one_n:,} samples): "
                         f"{'; '.join(said)}. Re-evaluate those models with `python -m core.evaluate`.")
    return lines


def face_line(card: dict, cards: list[dict]) -> str:
    """A face VAE's test-partition figures against its goals, and the four goal attributes' default edits."""
    m, t = card["metrics"], card["training"]
    goals = m.get("goals", {})
    line = (f"- `{card['id']}` ({card['latent_dim']}-D, {t['epochs_run']} epochs / {t['wall_time_s'] / 60:.1f} min "
            f"on CPU), on the {m['heldout_faces']:,} CelebA test faces: reconstruction MSE "
            f"{m['reconstruction_mse']:.4f} (goal ≤ {goals.get('reconstruction_mse_max')}), judge agreement "
            f"{_pct(m['judge_agreement'])} (goal ≥ {_pct(goals.get('judge_agreement_min'))}; "
            + (f"read by `{m['judge']}`; " if m.get("judge") else "") +
            f"{_pct(m['judge_agreement_at_0.5'])} with every threshold at 0.5)")
    edits = m.get("attribute_edits", {})
    shown = [f"{n} {_pct(r['plain']['success'])} / {_pct(r['plain']['kept'])}"
             for n, r in edits.get("per_attribute", {}).items() if n in edits.get("goals", {}).get("attributes", [])]
    if shown:
        line += ("; default edits, success / other readings kept (goal ≥ 90% / ≥ 85%): " + ", ".join(shown))
    return line + "."


BLOCKS = {"models": ("pretrained/*/card.json", models_block), "bench": ("bench/results/*.json", bench_block)}


def _bounds(text: str, name: str) -> tuple[int, int] | None:
    """Character offsets of the block's body (between its begin and end lines), None when it is not there."""
    begin = text.find(f"<!-- {name}:begin")
    if begin < 0:
        return None
    start = text.index("\n", begin) + 1
    end = text.find(END.format(name=name), start)
    return None if end < 0 else (start, end)


def readme_block(text: str, name: str) -> str | None:
    where = _bounds(text, name)
    return None if where is None else text[where[0]:where[1]].strip()


def rendered_blocks() -> dict[str, str]:
    return {name: make() for name, (_, make) in BLOCKS.items()}


def render_readme(text: str, blocks: dict[str, str] | None = None) -> str:
    """README text with every generated block rewritten (a missing block is an error: say where it goes)."""
    blocks = blocks or rendered_blocks()
    for name, body in blocks.items():
        where = _bounds(text, name)
        if where is None:
            raise SystemExit(f"README.md has no {name} block: put a line `<!-- {name}:begin -->` and a line "
                             f"`{END.format(name=name)}` where it belongs, then run `{REGENERATE}`")
        begin = text.rfind("\n", 0, where[0] - 1) + 1
        text = (text[:begin] + BEGIN.format(name=name, source=BLOCKS[name][0]) + "\n" + body + "\n"
                + text[where[1]:])
    return text


def stale_blocks(text: str) -> list[str]:
    """The generated blocks of README text that differ from what the committed files give."""
    return [name for name, body in rendered_blocks().items() if readme_block(text, name) != body]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n")[0])
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--readme", action="store_true",
                      help="rewrite README.md's generated blocks from bench/results/*.json and pretrained/*/card.json")
    what.add_argument("--check", action="store_true", help="exit 1 when README.md's generated blocks are out of date")
    a = p.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    if a.check:
        stale = stale_blocks(text)
        if stale:
            sys.exit(f"README.md's {', '.join(stale)} block{'s' * (len(stale) > 1)} differ from the committed "
                     f"files: run `{REGENERATE}`")
        print("README.md's generated blocks match the committed results and model cards")
        return
    new = render_readme(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print(f"rewrote README.md's generated blocks ({', '.join(BLOCKS)})")
    else:
        print("README.md's generated blocks were already up to date")


if __name__ == "__main__":
    main()
