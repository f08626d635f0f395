"""Where a live slider's release spends the browser's time: its page's main thread, traced in headless Chromium.

    python -m bench.release_trace [--releases 6] [--json bench/results/release_trace.json | --no-json]

For each slider of SLIDERS, on its page in a session of its own (bench.server, software-rendered Chromium, as
bench.sliders): drag it once to warm up, then let it go --releases times as bench.sliders does, each after a short
drag, under Chrome's trace (devtools.timeline). Prints, per slider, the milliseconds from the release (pointerup) to
the page's exact picture on screen, and how the renderer's main thread spent that window, per release: busy in all,
Streamlit's React rendering (MessagePort::Accept: the scheduler's tasks), other script, style and layout, paint and
compositing. The same page with one slider and one picture, bench/floor_app.py, is what any Streamlit page costs
here: `python -m bench.load --floor --sessions 1`.

Why: a release's exact picture arrives after the server's run (tens of milliseconds, bench.load's server turnaround)
and the browser's work on the run's messages; this says how large the second part is and what it is made of.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from bench import server as srv
from bench import sliders
from bench.harness import count, json_argument, json_target, print_table, reference_ms, speed_note, write_json

# (page title, URL path, query, slider key prefix): a face edit, the conditional GAN's truncation, a digit style.
SLIDERS = (("Face editing", "Face_editing", "model=celeba-vae", "face_s_Smiling"),
           ("GAN samples", "GAN_samples", "model=mnist-cgan", "gan_psi"),
           ("Digits by label", "Digits_by_label", "model=mnist-cvae", "style_z"))
CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink"]
# Trace events (renderer main thread, complete events) by what they are. Script inside React's tasks is React's;
# style, layout and paint are counted wherever they ran (a layout React forced is also in React's time).
REACT = "React (Streamlit's scheduler)"
KINDS = {REACT: ("MessagePort::Accept",),
         "other script": ("FunctionCall", "TimerFire", "FireAnimationFrame", "EventDispatch"),
         "style and layout": ("UpdateLayoutTree", "Layout"),
         "paint and compositing": ("Paint", "PrePaint", "Layerize", "Commit", "Decode Image")}
TIMEOUT_MS = sliders.TIMEOUT_MS


def main_thread(events: list[dict]) -> set[tuple]:
    return {(e["pid"], e["tid"]) for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}


def windows(events: list[dict], main: set[tuple], released: list[list]) -> list[tuple[float, float]]:
    """(start, end) in trace microseconds of each timed release: its pointerup to its exact picture."""
    ups = sorted(e["ts"] for e in events if (e.get("pid"), e.get("tid")) in main and e.get("name") == "EventDispatch"
                 and e.get("args", {}).get("data", {}).get("type") == "pointerup")
    return [(up, up + ms * 1e3) for up, (ms, _) in zip(ups[-len(released):], released)]


def spent(events: list[dict], main: set[tuple], spans: list[tuple[float, float]]) -> dict[str, float]:
    """Milliseconds a release of the main thread's top-level tasks (RunTask) and of each kind, over the spans."""
    inside = [e for e in events if e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in main
              and any(start <= e["ts"] <= end for start, end in spans)]
    react = [(e["ts"], e["ts"] + e.get("dur", 0)) for e in inside if e["name"] in KINDS[REACT]]
    totals = Counter()
    for e in inside:
        if e["name"] in KINDS["other script"] and any(a <= e["ts"] < b for a, b in react):
            continue  # React's own script
        totals[e["name"]] += e.get("dur", 0) / 1e3
    per = {"main thread busy": totals["RunTask"]}
    per.update({kind: sum(totals[n] for n in names) for kind, names in KINDS.items()})
    return {k: v / len(spans) for k, v in per.items()}


def trace(browser, server, scenario, n: int) -> dict:
    title, path, query, prefix = scenario
    with srv.loopback_tab(browser, TIMEOUT_MS) as (page, problems):
        page.goto(f"{server.url}/{path}?{query}")
        srv.wait_for_run(page, 0, TIMEOUT_MS)
        page.evaluate(sliders.REGISTERED_JS)
        key = next(k for k in page.evaluate(sliders.KEYS_JS) if k.startswith(prefix))
        sliders.settle(page, key)
        sliders.drag(page, key, 0.5)
        sliders.settle(page, key)
        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder) / "trace.json"
            browser.start_tracing(page=page, path=str(file), categories=CATEGORIES)
            released = sliders.releases(page, key, n)
            browser.stop_tracing()
            events = json.loads(file.read_text())
        problems += srv.page_problems(page)
    events = events["traceEvents"] if isinstance(events, dict) else events
    main = main_thread(events)
    on_screen = [ms for ms, _ in released]
    return {"page": title, "slider": key, "releases": n, "release_p50_ms": float(np.median(on_screen)),
            **{f"{k} (ms)": v for k, v in spent(events, main, windows(events, main, released)).items()},
            "problems": problems}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.release_trace", description=__doc__.split("\n")[0])
    p.add_argument("--releases", type=count, default=6, help="releases traced on each slider")
    json_argument(p, "release_trace")
    a = p.parse_args(argv)
    out = json_target(p, a)
    speed = [reference_ms()]
    with srv.bench_browser("release_trace", TIMEOUT_MS / 1000) as (server, browser):
        rows = [trace(browser, server, scenario, a.releases) for scenario in SLIDERS]
    speed.append(reference_ms())
    problems = [f"{r['page']}: {q}" for r in rows for q in r.pop("problems")]
    print_table(rows, list(rows[0]))
    if problems:
        print("\nPROBLEMS:\n" + "\n".join(problems))
    print("\n" + speed_note(*speed))
    write_json(out, rows, p.prog, argv, problems=problems, reference_ms=speed)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
