"""Cold start: from `streamlit run dashboard/Home.py` to Home, then to the first model page, rendered in Chromium.

    python -m bench.cold_start [--repeats 3] [--json bench/results/cold_start.json | --no-json]

Each repeat starts a fresh server process on a free loopback port (headless Chromium is already
running, as a user's browser would be), opens Home as soon as the server answers its health check,
waits until Home's run has finished and is drawn, then clicks the first model page in the sidebar and
waits for it the same way. Then, on another fresh server, the same after reading Home for READING_S
seconds (the time Home's background warm-up has to import TensorFlow and load the pages' models), timed
from the click. Then, on another
fresh server, the tour's first step: Home drawn, "Start the tour" pressed, the step drawn.
Times are seconds since the server process was started; the table shows their p50 over the repeats.
"""
from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from bench import server as srv  # noqa: E402
from bench.harness import count, json_argument, json_target, print_table, reference_ms, speed_note, write_json  # noqa: E402

GOALS_S = {"home": 4.0, "model_page": 10.0, "click_to_model_page": 4.0, "tour": 10.0}
READING_S = 5.0  # a visitor reads Home's opening before choosing a page
TIMEOUT_MS = 120_000


@contextmanager
def home_on_a_new_server(browser, viewport: dict):
    """A new server process started and Home opened in a new page as soon as it answers its health check;
    yields (page, server, seconds to the health check) once Home is drawn, and stops both afterwards."""
    context = browser.new_context(viewport=viewport)
    srv.track_runs(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    server = srv.StreamlitServer(timeout=TIMEOUT_MS / 1000)
    try:
        server.start(wait=False)
        health = server.wait_healthy()
        page.goto(server.url)
        srv.wait_for_run(page, 0, TIMEOUT_MS)
        yield page, server, health
    finally:
        context.close()
        server.stop()


def one_start(browser, reading_s: float = 0.0) -> dict:
    """Seconds from process start to: health check answered, Home drawn, first model page drawn (clicked
    `reading_s` after Home was drawn); and from the click to that page."""
    model_page = next(p for p in srv.discover_pages()[1:] if p.slug != "tour")  # the tour is timed on its own
    with home_on_a_new_server(browser, srv.VIEWPORT) as (page, server, health):
        home = time.perf_counter() - server.started_at
        problems = srv.page_problems(page)
        page.wait_for_timeout(reading_s * 1000)
        since = srv.runs_finished(page)
        clicked = time.perf_counter()
        page.locator(f'{srv.SIDEBAR_NAV} a[href$="/{model_page.url_path}"]').first.click()
        srv.wait_for_run(page, since, TIMEOUT_MS)
        model = time.perf_counter() - server.started_at
        problems += srv.page_problems(page)
    return {"health_s": health, "home_s": home, "model_page_s": model, "click_to_model_page_s": model - (
        clicked - server.started_at), "model_page": model_page.title, "problems": problems}


def tour_start(browser) -> dict:
    """Seconds from process start to the tour's first step drawn, opened from Home's start button."""
    with home_on_a_new_server(browser, {"width": 1280, "height": 720}) as (page, server, _):
        since = srv.runs_finished(page)
        page.get_by_role("button", name="Start the tour").click()
        srv.wait_for_run(page, since, TIMEOUT_MS)
        tour = time.perf_counter() - server.started_at
        problems = srv.page_problems(page)
    return {"tour_s": tour, "problems": problems}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=count, default=3)
    json_argument(p, "cold_start")
    a = p.parse_args(argv)
    out = json_target(p, a)
    srv.exit_without_browser("cold-start")
    from playwright.sync_api import sync_playwright
    runs, speed = [], [reference_ms()]
    with sync_playwright() as pw, srv.chromium(pw) as browser:
        for i in range(a.repeats):
            r, read, tour = one_start(browser), one_start(browser, READING_S), tour_start(browser)
            runs.append({**r, "click_to_model_page_s": read["click_to_model_page_s"], "tour_s": tour["tour_s"],
                         "problems": r["problems"] + read["problems"] + tour["problems"]})
            r = runs[-1]
            print(f"run {i + 1}: server answers {r['health_s']:.2f} s, Home {r['home_s']:.2f} s, "
                  f"{r['model_page']} {r['model_page_s']:.2f} s (after reading Home: {r['click_to_model_page_s']:.2f} s "
                  f"from the click), tour's first step {r['tour_s']:.2f} s"
                  + (f"  PROBLEMS: {r['problems']}" if r["problems"] else ""))
    speed.append(reference_ms())
    print()
    rows = []
    for key, what in (("health_s", "server answers /_stcore/health"), ("home_s", "Home rendered"),
                      ("model_page_s", f"first model page rendered ({runs[0]['model_page']})"),
                      ("click_to_model_page_s", f"first model page, from the click after reading Home {READING_S:g} s"),
                      ("tour_s", "tour's first step rendered (from Home's start button)")):
        values = np.array([r[key] for r in runs])
        goal = GOALS_S.get(key[:-2])
        rows.append({"milestone": what, "n": len(values), "p50_s": float(np.median(values)),
                     "min_s": float(values.min()), "max_s": float(values.max()), "goal_s": goal,
                     "meets_goal": "" if goal is None else "yes" if np.median(values) <= goal else "NO"})
    print_table(rows, ["milestone", "n", "p50_s", "min_s", "max_s", "goal_s", "meets_goal"])
    print("\n" + speed_note(*speed))
    write_json(out, rows, p.prog, argv, repeats=a.repeats, runs=runs, reference_ms=speed)


if __name__ == "__main__":
    main()
