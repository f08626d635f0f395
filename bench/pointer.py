"""Live decoding under the pointer: digits drawn a second while the pointer sweeps a 2-D model's latent plane.

    python -m bench.pointer [--seconds 4] [--clicks 5] [--json bench/results/pointer.json | --no-json]

Starts the app as the other browser benches do (bench.server: `streamlit run dashboard/Home.py` on a free
loopback port, headless Chromium, software-rendered), opens Decoded grid in its live view on each 2-D model
(dashboard/live_plane.py), waits until the decode atlas is in the page, then sweeps the pointer across the plane
for --seconds in many small mouse moves (a Lissajous path, so it crosses many cells in every direction), and
reads the component's own counters (window.latentLabPointer):

- decodes/s: frames drawn (each one the digit under the pointer, copied from the atlas, plus the cross-hair and
  the coordinates) per second of sweeping; the goal is 30. The component draws at most one frame an animation
  frame, so this is bounded by the browser's frame rate;
- pointer events/s: the pointermove events the page received; cells/s, how many times the digit changed;
- frame interval p50 / p95: milliseconds between consecutive drawn frames while the pointer moves;
- draw p50 / p95: the component's own work in a frame (locate the cell, draw it and the overlay, write the text).

Then --clicks clicks, each keeping a new point: milliseconds from the click to the page's rerun on screen with the
decoder's own digit at that point (measured in the page, as bench.load does). No goal of its own; page reruns'
server-side goal is bench.latency's. Requests leaving 127.0.0.1 are blocked and counted.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from bench import server as srv  # noqa: E402
from bench.harness import (count, json_argument, json_target, print_table, reference_ms, speed_note,  # noqa: E402
                          write_json)

MODELS = ("mnist-vae-2d", "mnist-ae-2d")  # the shipped models with a 2-D latent (and no label)
GOAL_PER_S = 30.0
TIMEOUT_MS = 120_000
COUNTERS_JS = """() => { const c = window.latentLabPointer;
  return {frames: c.frames, moves: c.moves, cells: c.cells, draw_ms: c.draw_ms, frame_at: c.frame_at}; }"""


def sweep_path(seconds: float, rate: float = 120.0) -> np.ndarray:
    """(t, u, v): where the pointer is at time t, as fractions of the plane, kept 2% inside its edges."""
    t = np.arange(0.0, seconds, 1.0 / rate)
    u = 0.5 + 0.48 * np.sin(2 * math.pi * 0.37 * t)
    v = 0.5 + 0.48 * np.sin(2 * math.pi * 0.53 * t + 0.7)
    return np.stack([t, u, v], axis=1)


def sweep(page, seconds: float) -> dict:
    """Move the pointer along sweep_path in real time (as fast as the browser takes the moves); the counters."""
    left, top, width, height = page.evaluate("window.latentLabPointer.plane_rect()")
    page.evaluate("window.latentLabPointer.reset()")
    path = sweep_path(seconds)
    start = time.perf_counter()
    sent = 0
    while (elapsed := time.perf_counter() - start) < seconds:
        _, u, v = path[min(int(elapsed * 120), len(path) - 1)]
        page.mouse.move(left + u * width, top + v * height)
        sent += 1
    page.wait_for_timeout(100)  # the last frame
    counters = page.evaluate(COUNTERS_JS)
    return {**counters, "sent": sent, "seconds": time.perf_counter() - start}


def click_latencies(page, clicks: int) -> list[float]:
    """Milliseconds from each click on the plane to the rerun on screen with the kept point's digit."""
    left, top, width, height = page.evaluate("window.latentLabPointer.plane_rect()")
    out = []
    for k in range(clicks):
        u, v = 0.3 + 0.4 * ((k * 0.37) % 1), 0.3 + 0.4 * ((k * 0.61) % 1)
        x, y = left + u * width, top + v * height
        page.mouse.move(x, y)
        since, before = page.evaluate("() => { const ll = window.__ll; ll.arm(); return [ll.finished, ll.pictures()]; }")
        page.mouse.click(x, y)
        out.append(page.evaluate("([s, b, t]) => window.__ll.until(s, b, t)", [since, before, TIMEOUT_MS]))
        srv.wait_for_run(page, since, TIMEOUT_MS)
        page.wait_for_function("() => window.latentLabPointer && window.latentLabPointer.ready", timeout=TIMEOUT_MS)
    return out


def measure(browser, server, model: str, seconds: float, clicks: int) -> tuple[dict, list[float], list[str]]:
    with srv.loopback_tab(browser, TIMEOUT_MS) as (page, problems):
        page.goto(f"{server.url}/Decoded_grid?model={model}&view=live")
        srv.wait_for_run(page, 0, TIMEOUT_MS)
        page.wait_for_function("() => window.latentLabPointer && window.latentLabPointer.ready", timeout=TIMEOUT_MS)
        problems += srv.page_problems(page)
        sweep(page, 1.0)  # warm-up: the first frames pay for the canvas set-up
        result = sweep(page, seconds)
        latencies = click_latencies(page, clicks)
        problems += srv.page_problems(page)
    return result, latencies, problems


def row(model: str, r: dict) -> dict:
    intervals = np.diff(r["frame_at"])
    draw = np.asarray(r["draw_ms"])
    per_s = r["frames"] / r["seconds"]
    return {"model": model, "seconds": r["seconds"], "moves_sent": r["sent"], "moves": r["moves"],
            "frames": r["frames"], "cells": r["cells"], "decodes_per_s": per_s,
            "moves_per_s": r["moves"] / r["seconds"], "cells_per_s": r["cells"] / r["seconds"],
            "frame_p50_ms": float(np.percentile(intervals, 50)), "frame_p95_ms": float(np.percentile(intervals, 95)),
            "draw_p50_ms": float(np.percentile(draw, 50)), "draw_p95_ms": float(np.percentile(draw, 95)),
            "goal_per_s": GOAL_PER_S, "meets_goal": "yes" if per_s >= GOAL_PER_S else "NO"}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.pointer", description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=4.0, help="how long the pointer sweeps each plane")
    p.add_argument("--clicks", type=count, default=5, help="clicks timed on each plane")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    json_argument(p, "pointer")
    a = p.parse_args(argv)
    out = json_target(p, a)
    rows, clicks, problems, speed = [], [], [], [reference_ms()]
    with srv.bench_browser("pointer", TIMEOUT_MS / 1000) as (server, browser):
        for model in a.models:
            result, latencies, found = measure(browser, server, model, a.seconds, a.clicks)
            rows.append(row(model, result))
            clicks.append({"model": model, "operation": "click to kept digit on screen", "n": len(latencies),
                           "p50_ms": float(np.percentile(latencies, 50)), "p95_ms": float(np.percentile(latencies, 95)),
                           "max_ms": float(np.max(latencies))})
            problems += [f"{model}: {f}" for f in found]
    speed.append(reference_ms())
    print_table(rows, ["model", "seconds", "moves", "frames", "cells", "decodes_per_s", "moves_per_s", "frame_p50_ms",
                       "frame_p95_ms", "draw_p50_ms", "draw_p95_ms", "goal_per_s", "meets_goal"])
    print()
    print_table(clicks, ["model", "operation", "n", "p50_ms", "p95_ms", "max_ms"])
    if problems:
        print("\nPROBLEMS:\n" + "\n".join(problems))
    print("\n" + speed_note(*speed))
    write_json(out, rows, p.prog, argv, seconds=a.seconds, clicks=clicks, problems=problems, reference_ms=speed)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
