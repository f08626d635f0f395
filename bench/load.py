"""Concurrent browser sessions against one dashboard server: interaction latency, errors and server memory.

    python -m bench.load [--sessions 10] [--moves 10] [--think 1.0] [--json bench/results/load.json]

Starts `streamlit run dashboard/Home.py` on a free loopback port and opens --sessions tabs in one
headless Chromium (each tab is its own Streamlit session). Every session opens the heaviest pages
and moves their slider --moves times, one arrow-key step each, pausing --think seconds (jittered
±50 %) between moves as a person looking at the result would:

    Decoded grid      grid size                  (key "grid_size")
    Latent scatter    thumbnails, Images as markers (key "thumbnails")
    Digits by label   a style slider             (key "style_z…"), when that page exists

Latency is measured inside the page: from the key press to the moment the run it caused has
finished, nothing is loading and the pictures on the page differ from before (p50_ms, p95_ms); the
run_done columns stop at the arrival of the server's "run finished" message, so the difference is the
browser's own drawing. Errors are exception
elements, error alerts, uncaught script errors and waits that time out. Server memory is the
resident set of the streamlit process and its children (/proc): at start, once one warm-up session
has loaded every model (st.cache_resource shares them with all sessions), and with all sessions open
after their moves; growth per session = (that − warm) / sessions.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import server as srv  # noqa: E402
from bench.report import print_table, write_json  # noqa: E402

GOALS = {"sessions": 10, "errors": 0, "p95_ms": 500.0, "mb_per_session": 30.0}
TIMEOUT_MS = 120_000
# Streamlit's page URL probe: a page opened by its own URL first asks /<page>/_stcore/health, then the root.
STREAMLIT_PROBE = re.compile(r"/_stcore/(health|host-config)\b")
LOOPBACK = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]")


@dataclass
class Scenario:
    """One heavy page: where it is, how to get its slider on screen, which slider to move."""
    name: str
    url_path: str
    model: str
    slider_key: str            # widget key, or key prefix ("style_z" matches style_z3)
    setup: tuple = ()          # (widget key, option text) clicks before the slider is there


SCENARIOS = [
    Scenario("Decoded grid", "Decoded_grid", "mnist-vae-2d", "grid_size"),
    Scenario("Latent scatter (markers)", "Latent_scatter", "mnist-vae-2d", "thumbnails",
             setup=(("view", "Images as markers"),)),
    Scenario("Digits by label", "Digits_by_label", "mnist-cvae", "style_z"),
]


@dataclass
class Tally:
    latencies_ms: dict = field(default_factory=dict)   # scenario name -> [ms], input to result on screen
    server_ms: dict = field(default_factory=dict)      # scenario name -> [ms], input to "run finished" received
    errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    external_requests: list = field(default_factory=list)

    def add(self, scenario: str, ms: float, server_ms: float) -> None:
        self.latencies_ms.setdefault(scenario, []).append(ms)
        self.server_ms.setdefault(scenario, []).append(server_ms)


def available_scenarios() -> list[Scenario]:
    present = {p.url_path for p in srv.discover_pages()}
    return [s for s in SCENARIOS if s.url_path in present]


async def new_session(browser, tally: Tally, who: str):
    context = await browser.new_context(viewport=srv.VIEWPORT)
    await context.add_init_script(srv.RUN_TRACKER)

    async def block(route):
        tally.external_requests.append(route.request.url)
        await route.abort()
    await context.route(lambda url: not LOOPBACK.match(url), block)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def console(message):
        if message.type == "error" and not STREAMLIT_PROBE.search(message.location.get("url", "")):
            tally.console_errors.append(f"{who}: {message.text}")
    page.on("console", console)
    page.on("pageerror", lambda e: tally.errors.append(f"{who}: uncaught script error: {e}"))
    return context, page


async def problems(page) -> list[str]:
    texts = await page.locator(srv.EXCEPTION).all_inner_texts()
    texts += await page.locator(srv.ERROR_ALERT).all_inner_texts()
    return [t.strip()[:300] for t in texts]


async def settle(page, since: int) -> None:
    await page.wait_for_function(srv.SETTLED_JS, arg=since, polling=20, timeout=TIMEOUT_MS)


async def open_scenario(page, server, scenario: Scenario):
    await page.goto(f"{server.url}/{scenario.url_path}?model={scenario.model}")
    await settle(page, 0)
    for key, option in scenario.setup:
        since = await page.evaluate(srv.RUNS_FINISHED_JS)
        await page.locator(f".st-key-{key}").get_by_text(option, exact=True).first.click()
        await settle(page, since)
    return page.locator(f'[class*="st-key-{scenario.slider_key}"] input[type="range"]').first


async def move_once(page, thumb, key: str) -> tuple[float, float]:
    """One arrow-key step of the slider: milliseconds until its result is on screen, and until the server said
    the run it caused had finished (both measured in the page, from the key press)."""
    since = await page.evaluate(srv.RUNS_FINISHED_JS)
    before = await page.evaluate(srv.PICTURES_JS)
    await page.evaluate("window.__ll.arm()")
    await thumb.focus()
    await page.keyboard.press(key)
    await page.wait_for_function(srv.CHANGED_JS, arg=[since, before], polling=10, timeout=TIMEOUT_MS)
    return await page.evaluate("[window.__ll.done - window.__ll.inputAt, window.__ll.finishedAt - window.__ll.inputAt]")


async def run_session(browser, server, scenarios, moves: int, think: float, tally: Tally, who: str,
                      start: asyncio.Event | None = None):
    context, page = await new_session(browser, tally, who)
    rng = random.Random(who)
    if start:
        await start.wait()
    for scenario in scenarios:
        try:
            thumb = await open_scenario(page, server, scenario)
            high = float(await thumb.get_attribute("max"))
            for _ in range(moves):
                value = float(await thumb.input_value())
                key = "ArrowLeft" if value >= high else "ArrowRight"  # up the scale, back at its top
                tally.add(scenario.name, *await move_once(page, thumb, key))
                for problem in await problems(page):
                    tally.errors.append(f"{who} {scenario.name}: {problem}")
                if think:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        except Exception as e:  # noqa: BLE001 - a timeout or missing widget counts as an error, the run goes on
            tally.errors.append(f"{who} {scenario.name}: {type(e).__name__}: {str(e).splitlines()[0]}")
    return context  # kept open until memory is measured


async def bench(sessions: int, moves: int, think: float) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright
    scenarios = available_scenarios()
    tally, warm_tally = Tally(), Tally()
    with srv.StreamlitServer(timeout=120) as server:
        time.sleep(1.0)
        rss_start = server.rss_bytes()
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=srv.chromium_path(), args=srv.CHROMIUM_ARGS)
            # One warm-up session loads every model and TensorFlow, then closes: the shared baseline.
            warm = await run_session(browser, server, scenarios, 2, 0.0, warm_tally, "warm-up")
            await warm.close()
            await asyncio.sleep(2.0)
            rss_warm = server.rss_bytes()
            go = asyncio.Event()
            tasks = [asyncio.create_task(run_session(browser, server, scenarios, moves, think, tally, f"s{i + 1}", go))
                     for i in range(sessions)]
            started = time.perf_counter()
            go.set()
            contexts = await asyncio.gather(*tasks)
            wall = time.perf_counter() - started
            await asyncio.sleep(2.0)
            rss_loaded = server.rss_bytes()
            for context in contexts:
                await context.close()
            await asyncio.sleep(3.0)
            rss_closed = server.rss_bytes()
            await browser.close()

    mb = 1024 * 1024
    rows = []
    for name in [*tally.latencies_ms, "all interactions"]:
        if name in tally.latencies_ms:
            values, server_values = np.asarray(tally.latencies_ms[name]), np.asarray(tally.server_ms[name])
        else:
            values = np.concatenate([np.asarray(v) for v in tally.latencies_ms.values()] or [np.zeros(0)])
            server_values = np.concatenate([np.asarray(v) for v in tally.server_ms.values()] or [np.zeros(0)])
        pct = (lambda v, q: float(np.percentile(v, q)) if len(v) else None)
        rows.append({"scenario": name, "sessions": sessions, "moves": len(values),
                     "p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "max_ms": pct(values, 100),
                     "run_done_p50_ms": pct(server_values, 50), "run_done_p95_ms": pct(server_values, 95),
                     "goal_p95_ms": GOALS["p95_ms"]})
    growth = (rss_loaded - rss_warm) / mb / sessions
    summary = {"sessions": sessions, "moves_per_slider": moves, "think_s": think, "wall_s": wall,
               "errors": len(tally.errors) + len(warm_tally.errors),
               "console_errors": len(tally.console_errors) + len(warm_tally.console_errors),
               "external_requests": sorted(set(tally.external_requests + warm_tally.external_requests)),
               "rss_start_mb": rss_start / mb, "rss_warm_mb": rss_warm / mb, "rss_loaded_mb": rss_loaded / mb,
               "rss_after_close_mb": rss_closed / mb, "mb_per_session": growth,
               "error_samples": (warm_tally.errors + tally.errors)[:10],
               "console_error_samples": sorted(set(warm_tally.console_errors + tally.console_errors))[:10]}
    return rows, summary


def goal_rows(rows: list[dict], s: dict) -> list[dict]:
    p95 = rows[-1]["p95_ms"]
    return [
        {"measure": "concurrent sessions", "value": s["sessions"], "goal": f">= {GOALS['sessions']}",
         "meets_goal": "yes" if s["sessions"] >= GOALS["sessions"] else "NO"},
        {"measure": "errors", "value": s["errors"], "goal": "0", "meets_goal": "yes" if s["errors"] == 0 else "NO"},
        {"measure": "interaction p95 (ms)", "value": p95, "goal": f"<= {GOALS['p95_ms']:.0f}",
         "meets_goal": "yes" if p95 is not None and p95 <= GOALS["p95_ms"] else "NO"},
        {"measure": "memory growth per session (MB)", "value": s["mb_per_session"],
         "goal": f"<= {GOALS['mb_per_session']:.0f}",
         "meets_goal": "yes" if s["mb_per_session"] <= GOALS["mb_per_session"] else "NO"},
        {"measure": "server RSS at start / warm / loaded / closed (MB)",
         "value": " / ".join(f"{s[k]:,.0f}" for k in ("rss_start_mb", "rss_warm_mb", "rss_loaded_mb",
                                                       "rss_after_close_mb")), "goal": "", "meets_goal": ""},
        {"measure": "console errors (not counted above)", "value": s["console_errors"], "goal": "", "meets_goal": ""},
    ]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=10, help="concurrent browser sessions (default 10)")
    p.add_argument("--moves", type=int, default=10, help="slider moves per page per session (default 10)")
    p.add_argument("--think", type=float, default=1.0,
                   help="seconds between a session's moves, jittered ±50%% (default 1.0; 0 = back to back)")
    p.add_argument("--json", help="also write the tables to this JSON file")
    a = p.parse_args(argv)
    reason = srv.browser_unavailable()
    if reason:
        sys.exit(f"cannot run the load benchmark: {reason}")
    rows, s = asyncio.run(bench(a.sessions, a.moves, a.think))
    print(f"{a.sessions} sessions x {a.moves} moves per slider, think {a.think:g} s, wall {s['wall_s']:.0f} s\n")
    print_table(rows, ["scenario", "sessions", "moves", "p50_ms", "p95_ms", "max_ms", "run_done_p50_ms",
                       "run_done_p95_ms", "goal_p95_ms"])
    print()
    goals = goal_rows(rows, s)
    print_table(goals, ["measure", "value", "goal", "meets_goal"])
    for title, key in (("errors", "error_samples"), ("console errors", "console_error_samples"),
                       ("requests leaving 127.0.0.1 (blocked)", "external_requests")):
        if s[key]:
            print(f"\n{title}:\n  " + "\n  ".join(s[key]))
    if a.json:
        write_json(a.json, rows, goals=goals, summary=s)


if __name__ == "__main__":
    main()
