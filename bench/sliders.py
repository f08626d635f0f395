"""Live sliders: the picture redrawn while each live slider is dragged, and the exact picture after it is let go.

    python -m bench.sliders [--seconds 3] [--releases 5] [--json bench/results/sliders.json | --no-json]

Starts the app as the other browser benches do (bench.server: `streamlit run dashboard/Home.py` on a free loopback
port, headless Chromium, software-rendered), opens each page of SCENARIOS in one session, waits for the frames of
every live slider on it (dashboard/live_slider.py: a sprite decoded along the slider's range, built after the page
is drawn), and on each slider in turn, once the page is idle (no chart still being redrawn):

- drags the thumb to and fro along the track for --seconds, in many small mouse moves (a sine, so it crosses every
  frame both ways), and reads the component's counters (window.latentLabSliders[key]): frames drawn a second (each
  one the frames either side of the thumb's value, blended, drawn over the page's picture; at most one an animation
  frame), milliseconds from a pointer move to the frame it caused drawn (p95), and the draw's own work;
- lets it go --releases times, each after a short drag to another place: milliseconds from the release
  (pointerup, in the page) to the page's exact picture of that value on screen, loaded (measured in the page: the
  picture carries the slider positions it shows, live_slider.mark), and to the end of the run it caused as the page
  heard it (the server's part and the wire; none where the picture came before the run had ended);
- reports the server's time to build the slider's frames (one batched decode, packing and encoding, as the server
  measured it; the median of every build of them while the page was driven, as other sliders' releases change
  what they show, and as a button that changes them is pressed: REBUILT_BY) and the sprite's size.

Goals: GOALS below. A page of SCENARIOS with no live slider yet gets a line saying so, not a row. Requests leaving
127.0.0.1 are blocked and counted as problems, as exceptions, error alerts and console errors on a page are.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import time

import numpy as np

from bench import server as srv
from bench.load_scenarios import button as visible_button
from bench.harness import count, json_argument, json_target, print_table, reference_ms, speed_note, write_json

# (page title, URL path, query[, model]): every page with live sliders, on the models that show them all; the model
# named where the query does not name it (the tour's steps choose their own).
SCENARIOS = (("Digits by label", "Digits_by_label", "model=mnist-cvae"),
             ("Latent arithmetic", "Latent_arithmetic", "model=mnist-vae-16d"),
             ("GAN samples", "GAN_samples", "model=mnist-dcgan"),
             ("GAN samples", "GAN_samples", "model=mnist-cgan"),
             ("Face editing", "Face_editing", "model=celeba-vae"),
             ("Tour, step 6", "Tour", "step=6", "celeba-vae"),
             ("Tour, step 7", "Tour", "step=7", "mnist-vae-16d"),
             ("Tour, step 8", "Tour", "step=8", "mnist-vae-2d"))
# A page's button that changes what a slider's frames show, pressed REBUILDS times once its sliders are measured:
# the truncation's frames are one seed's samples, which no other slider changes, so without it they were built
# once, as the page opened (its pictures still loading in the same two cores), and that one build was the row's.
REBUILT_BY = {"GAN_samples": "gan_new"}
REBUILDS = 4
GOALS = {"drawn_per_s": 30.0, "move_p95_ms": 33.0, "release_p50_ms": 150.0, "build_ms_digits": 50.0,
         "build_ms_faces": 150.0, "sprite_kb": 300.0}
FACE_MODELS = re.compile(r"^celeba")  # their frames' build goal is the faces' one
TIMEOUT_MS = 120_000
STREAMLIT_PROBE = re.compile(r"Failed to load resource: .* 404")  # a page opened by URL first probes /<page>/_stcore
SLIDER = "window.latentLabSliders[{key!r}]"
# The page's live sliders, top to bottom and left to right.
KEYS_JS = """() => Object.entries(window.latentLabSliders || {}).map(([key, c]) => [c.rail_rect(), key])
  .sort(([a], [b]) => (a[1] - b[1]) || (a[0] - b[0])).map(([, key]) => key)"""
# Resolves with the number of live sliders once it has held for a second (their scripts are fetched from the server
# and run after the run is drawn), or after 15 s (a page without one).
REGISTERED_JS = """() => new Promise(resolve => { let last = -1, since = performance.now(); const t0 = since;
  (function poll() { const n = Object.keys(window.latentLabSliders || {}).length, now = performance.now();
    if (n !== last) { last = n; since = now; }
    if ((n > 0 && now - since > 1000) || now - t0 > 15000) resolve(n); else setTimeout(poll, 100); })(); })"""
READY_JS = "() => { const all = Object.values(window.latentLabSliders || {}); return all.every(c => c.ready); }"
COUNTERS_JS = """key => { const c = window.latentLabSliders[key];
  return {frames: c.frames, plain: c.plain, moves: c.moves, changes: c.changes, draw_ms: c.draw_ms, move_ms: c.move_ms,
          bytes: c.bytes, meta: c.meta()}; }"""
# Resolves once ten animation frames in a row came at display rate (the page is idle), or after 10 s.
IDLE_JS = """() => new Promise(resolve => { let last = null, calm = 0; const t0 = performance.now();
  requestAnimationFrame(function tick(now) {
    calm = last !== null && now - last < 34 ? calm + 1 : 0; last = now;
    if (calm >= 10 || now - t0 > 10000) resolve(); else requestAnimationFrame(tick); }); })"""
# Armed before a release: the time of the next pointerup, in the page.
ARM_JS = """() => { const b = window.__sliderBench = {upAt: null};
  document.addEventListener('pointerup', () => { if (b.upAt === null) b.upAt = performance.now(); }, {capture: true, once: true}); }"""
# After it: milliseconds from the pointerup to the first animation frame with the page's exact picture of the
# slider's new position in place and loaded (live_slider.mark writes "<key>:<stop>" into data-live-at), and to the
# moment the run it caused had finished, as the page heard it (bench/run_tracker.js): the server's part and the wire.
EXACT_JS = """([key, timeout]) => new Promise((resolve, reject) => {
  const c = window.latentLabSliders[key], b = window.__sliderBench, t0 = performance.now();
  const token = `${key}:${c.stop()}`, picture = c.picture();
  (function check() {
    const imgs = [...document.querySelectorAll(`img[data-live="${CSS.escape(picture)}"]`)];
    if (b.upAt !== null && imgs.length && imgs.every(i => i.complete && (i.dataset.liveAt || '').split(' ').includes(token)))
      resolve([performance.now() - b.upAt, window.__ll.finishedAt > b.upAt ? window.__ll.finishedAt - b.upAt : null]);
    else if (performance.now() - t0 > timeout) reject(new Error(`no exact picture for ${token} within ${timeout} ms: `
      + `the page's shows ${[...new Set(imgs.map(i => i.dataset.liveAt))].join(', ')} (${imgs.filter(i => !i.complete).length} `
      + `of ${imgs.length} not loaded); values sent ${c.sent}; let go ${b.upAt === null ? 'never' : 'at ' + b.upAt}`));
    else requestAnimationFrame(check);
  })();
})"""


def drag(page, key: str, seconds: float) -> dict:
    """The thumb held and swept to and fro along the track for `seconds` (0.4 sweeps a second, 2% inside the ends),
    then let go where it is; the counters of the sweep."""
    page.locator(f'[class*="st-key-{key}_live"]').scroll_into_view_if_needed()
    left, top, width, height = page.evaluate(f"{SLIDER.format(key=key)}.rail_rect()")
    y = top + height / 2
    start_x = page.evaluate(f"{SLIDER.format(key=key)}.x_of({SLIDER.format(key=key)}.value())")
    page.mouse.move(start_x, y)
    page.mouse.down()
    page.evaluate(f"{SLIDER.format(key=key)}.reset()")
    phase = math.asin(max(-1.0, min(1.0, ((start_x - left) / width - 0.5) / 0.48)))
    sent, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        page.mouse.move(left + width * (0.5 + 0.48 * math.sin(phase + 2 * math.pi * 0.4 * elapsed)), y)
        sent += 1
    page.wait_for_timeout(50)  # the last frame
    counters = page.evaluate(COUNTERS_JS, key)
    release(page, key, None, y)  # let go where it is (not timed: a sweep's end need not move the value)
    return {**counters, "sent": sent, "seconds": time.perf_counter() - began}


def release(page, key: str, x: float | None, y: float) -> list:
    """Let go (at x, else where the pointer is), after a short drag there; ms to the exact picture on screen, and to
    the end of the run it caused (None when it caused none)."""
    page.evaluate(ARM_JS)
    if x is not None:
        start = _thumb_x(page, key)
        for step in range(1, 6):
            page.mouse.move(start + (x - start) * step / 5, y)
    page.mouse.up()
    return page.evaluate("args => (" + EXACT_JS + ")(args)", [key, TIMEOUT_MS])


def _thumb_x(page, key: str) -> float:
    return page.evaluate(f"{SLIDER.format(key=key)}.x_of({SLIDER.format(key=key)}.value())")


def releases(page, key: str, n: int) -> list[list]:
    """n releases, each after pressing the thumb and dragging it to another place along the track (found again
    each time: a rerun may move the slider, as a grid above it changes height)."""
    out = []
    for k in range(n):
        page.locator(f'[class*="st-key-{key}_live"]').scroll_into_view_if_needed()
        left, top, width, height = page.evaluate(f"{SLIDER.format(key=key)}.rail_rect()")
        y = top + height / 2
        here = (_thumb_x(page, key) - left) / width
        there = 0.15 + 0.7 * ((k * 0.37 + 0.2) % 1)
        if abs(there - here) < 0.2:
            there = 1 - there
        page.mouse.move(_thumb_x(page, key), y)
        page.mouse.down()
        out.append(release(page, key, left + there * width, y))
        settle(page, key)
    return out


def settle(page, key: str) -> None:
    """Until the slider draws nothing more over the page's picture, every live slider holds its frames (the others'
    are built again once a value has moved) and the page is idle: a drag measures the slider, not a chart still
    being redrawn after the last release."""
    page.wait_for_function(f"() => !{SLIDER.format(key=key)}.waiting()", timeout=TIMEOUT_MS)
    page.wait_for_function(READY_JS, timeout=TIMEOUT_MS)
    page.evaluate(IDLE_JS)


def rebuild(page, button: str) -> None:
    """Press the button REBUILDS times, each once the page and every live slider's frames have settled."""
    for _ in range(REBUILDS):
        since = srv.runs_finished(page)
        visible_button(page, button).click()
        srv.wait_for_run(page, since, TIMEOUT_MS)
        page.wait_for_function(READY_JS, timeout=TIMEOUT_MS)
        page.evaluate(IDLE_JS)


def row(title: str, model: str, key: str, sweep: dict, released: list[list]) -> dict:
    meta = sweep["meta"]
    drawn_per_s = sweep["frames"] / sweep["seconds"]
    move = np.asarray(sweep["move_ms"]) if sweep["move_ms"] else np.array([np.nan])
    draw = np.asarray(sweep["draw_ms"]) if sweep["draw_ms"] else np.array([np.nan])
    on_screen, run = [r[0] for r in released], [r[1] for r in released if r[1] is not None]
    build_goal = GOALS["build_ms_faces" if FACE_MODELS.match(model) else "build_ms_digits"]
    return {"page": title, "model": model, "slider": key, "frames": meta["layout"]["frames"],
           "pictures_a_frame": meta["layout"]["per_frame"], "sprite_kb": sweep["bytes"] / 1000, "seconds": sweep["seconds"], "moves_sent": sweep["sent"],
           "moves": sweep["moves"], "drawn": sweep["frames"], "plain": sweep["plain"],
           "drawn_per_s": drawn_per_s, "new_frames_per_s": sweep["changes"] / sweep["seconds"],
           "move_p50_ms": float(np.percentile(move, 50)), "move_p95_ms": float(np.percentile(move, 95)),
           "draw_p50_ms": float(np.percentile(draw, 50)), "draw_p95_ms": float(np.percentile(draw, 95)),
           "releases": len(released), "release_p50_ms": float(np.percentile(on_screen, 50)),
           "release_p95_ms": float(np.percentile(on_screen, 95)),
           "release_run_p50_ms": float(np.percentile(run, 50)) if run else None, "build_goal_ms": build_goal}


def meets(r: dict) -> str:
    """"yes", or which goals a row misses."""
    missed = [name for name, ok in (
        ("drawn/s", r["drawn_per_s"] >= GOALS["drawn_per_s"]), ("move p95", r["move_p95_ms"] <= GOALS["move_p95_ms"]),
        ("release p50", r["release_p50_ms"] <= GOALS["release_p50_ms"]), ("build", r["build_ms"] <= r["build_goal_ms"]),
        ("sprite", r["sprite_kb"] <= GOALS["sprite_kb"])) if not ok]
    return "yes" if not missed else "NO: " + ", ".join(missed)


def stable(key: str) -> str:
    """A slider's key without the fingerprint of the point it starts from (dim2_465e9a37_mnist-vae-16d: dim2_mnist-vae-16d)."""
    return re.sub(r"_[0-9a-f]{8}_", "_", key)


def measure(browser, server, scenario, seconds: float, n_releases: int) -> tuple[list[dict], list[str], list[str]]:
    """Every live slider of one page, in one session: its rows, notes (a page without live sliders), problems."""
    title, path, query, *named = scenario
    model = named[0] if named else dict(part.split("=") for part in query.split("&"))["model"]
    rows, notes = [], []
    with srv.loopback_tab(browser, TIMEOUT_MS) as (page, problems):
        page.on("console", lambda m: m.type == "error" and not STREAMLIT_PROBE.search(m.text)
                and problems.append(f"console error: {m.text}"))
        page.goto(f"{server.url}/{path}?{query}")
        srv.wait_for_run(page, 0, TIMEOUT_MS)
        page.evaluate(REGISTERED_JS)
        if not page.evaluate(KEYS_JS):
            notes.append(f"{title} ({model}): no live slider on this page yet")
        done = set()
        # The keys are read again before each slider: one let go may give others new keys (a weight of Latent
        # arithmetic moves the result, and the dimension sliders start afresh, their keys named by it).
        while key := next((k for k in page.evaluate(KEYS_JS) if stable(k) not in done), None):
            done.add(stable(key))
            print(f"{title} ({model}): {key}", file=sys.stderr, flush=True)
            settle(page, key)
            drag(page, key, 0.5)  # warm-up: the first frames pay for the canvases' set-up
            settle(page, key)
            sweep = drag(page, key, seconds)
            settle(page, key)
            rows.append(row(title, model, key, sweep, releases(page, key, n_releases)))
            rows[-1]["builds"] = page.evaluate(f"{SLIDER.format(key=key)}.builds")
        if path in REBUILT_BY:
            rebuild(page, REBUILT_BY[path])
        present = set(page.evaluate(KEYS_JS))
        for r in rows:  # every sprite a slider got while the page was driven: its frames built again and again
            if r["slider"] in present:
                r["builds"] = page.evaluate(f"{SLIDER.format(key=r['slider'])}.builds")
            r["build_ms"], r["builds_n"] = float(np.median(r["builds"])), len(r["builds"])
            r["meets_goals"] = meets(r)
        problems += srv.page_problems(page)
    return rows, notes, [f"{title} ({model}): {p}" for p in problems]


COLUMNS = ["page", "model", "slider", "frames", "pictures_a_frame", "sprite_kb", "build_ms", "builds_n", "drawn_per_s",
           "new_frames_per_s", "move_p95_ms", "draw_p95_ms", "release_p50_ms", "release_p95_ms", "release_run_p50_ms",
           "meets_goals"]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.sliders", description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=3.0, help="how long each slider is dragged to and fro")
    p.add_argument("--releases", type=count, default=5, help="releases timed on each slider")
    p.add_argument("--pages", nargs="+", choices=sorted({s[1] for s in SCENARIOS}),
                   help="only these pages (URL paths)")
    json_argument(p, "sliders")
    a = p.parse_args(argv)
    out = json_target(p, a)
    rows, notes, problems, speed = [], [], [], [reference_ms()]
    with srv.bench_browser("sliders", TIMEOUT_MS / 1000) as (server, browser):
        for scenario in SCENARIOS:
            if a.pages and scenario[1] not in a.pages:
                continue
            found, said, wrong = measure(browser, server, scenario, a.seconds, a.releases)
            rows += found
            notes += said
            problems += wrong
    speed.append(reference_ms())
    print_table(rows, COLUMNS)
    for note in notes:
        print(note)
    if problems:
        print("\nPROBLEMS:\n" + "\n".join(problems))
    print("\n" + speed_note(*speed))
    write_json(out, rows, p.prog, argv, seconds=a.seconds, goals=GOALS, notes=notes, problems=problems,
               reference_ms=speed)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
