"""Timing and table helpers shared by the benchmark commands."""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np


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

    This shared virtual machine runs the same loop some 40% slower at some times than at others, which
    moves every figure of a benchmark: printed beside them, it tells a slow machine from a slow change."""
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


def write_json(path: str | Path, rows: list[dict], **extra) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps({"machine": machine(), **extra, "rows": rows}, indent=2) + "\n")
