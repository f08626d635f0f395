"""Timing, table and result-file helpers shared by the benchmark commands (bench.latency, bench.load,
bench.cold_start, bench.pointer, bench.sliders): how many runs, timings and the machine's speed, the printed table,
and the result file with its provenance, after which README.md's bench block follows (bench/report.py).
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

from bench.report import REGENERATE, RESULTS, ROOT, update_readme_bench_block


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


def timings_ms(fn, repeats: int, warmup: int = 3, pause_s: float = 0.0) -> np.ndarray:
    """Wall-clock milliseconds of `repeats` calls of fn() after `warmup` untimed calls; `pause_s` untimed seconds
    before each (a user who looks before the next press)."""
    for _ in range(warmup):
        fn()
    out = np.empty(repeats)
    for i in range(repeats):
        time.sleep(pause_s)
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


def with_machine_speed(run) -> dict:
    """run()'s summary, with the machine's speed before and after it (reference_ms): a bench's figures on a shared
    machine mean little without it."""
    before = reference_ms()
    summary = run()
    summary["reference_ms"] = [before, reference_ms()]
    return summary


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
            # rstrip only: a status line starts with a space (" M README.md"), which strip() took from the first one
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip()
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
