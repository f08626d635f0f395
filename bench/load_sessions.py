"""One load-bench session: a browser tab that opens its first page by its URL and the next through the sidebar,
makes each page's moves (load_scenarios) with think time between them, and records every move's on-screen latency,
bytes received and problems, page openings, errors and blocked requests in a Tally."""
from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field

from bench import server as srv
from bench.load_scenarios import (DRAG, NUDGES, TIMEOUT_MS, Scenario, button_presser, dot_clicker, drag_mover, in_turn,
                                  nudges_mover, slider_mover, stepper, walker)

# Streamlit's page URL probe: a page opened by its own URL first asks /<page>/_stcore/health, then the root.
STREAMLIT_PROBE = re.compile(r"/_stcore/(health|host-config)\b")
# What the browser logs when Streamlit's client drops its session (then shows "Connection error" until a reload).
LOST_SESSION = srv.LOST_SESSION
# Matched inside Playwright's driver: a Python predicate would stop every request for a round trip to this process.
NOT_LOOPBACK = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])")
# Waits in the page (checked every 10 ms) until the move's result is on screen, then returns its latency,
# the session's id and the problems then on the page.
# Said with a move's error: where the keyboard's focus is, and each live slider's keys, values sent and whether it
# still waits for its exact picture (dashboard/components/live_slider.js): a key that never reached the slider, or a
# value sent whose run never came, tell two causes of a move whose picture never changed apart.
LIVE_STATE_JS = """() => { const a = document.activeElement, at = a && a.closest && a.closest('[class*="st-key-"]');
  const focus = at ? [...at.classList].find(c => c.startsWith('st-key-')) : (a ? a.tagName : 'nothing');
  return [`focus: ${focus}`, `page: ${location.pathname}, ${window.__ll.finished} runs, ${window.__ll.unsettled()}`,
    ...Object.entries(window.latentLabSliders || {}).map(([k, c]) =>
    `${k}: ${c.keys} keys, ${c.sent} sent${c.waiting() ? ', waiting' : ''}`)].join('; '); }"""
MOVE_RESULT_JS = f"""([since, before, timeout, what]) => window.__ll.until(since, before, timeout, what).then(ms => [ms,
  window.__ll.sessionId, window.__ll.received - window.__ll.receivedAtArm,
  [...document.querySelectorAll('{srv.EXCEPTION}, {srv.ERROR_ALERT}')].map(e => e.innerText.trim().slice(0, 300))])"""


@dataclass
class Tally:
    """What a run's sessions record: their moves, errors, console errors, blocked requests and page openings."""
    moves: list = field(default_factory=list)  # (scenario, on-screen ms, session id, bytes received, pressed, done)
    errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    external_requests: list = field(default_factory=list)
    pages_opened: list = field(default_factory=list)  # (session id, scenario, when the page had run), time.time()
    lost: set = field(default_factory=set)  # sessions the browser gave up on: they make no more moves

    def measured(self, turnarounds: dict, started_at: float) -> list[dict]:
        """Every move, in the order made: scenario, on-screen ms, the server's turnaround ms of the same move
        (None when no run of the session falls inside the move) and when it was made (s from the start)."""
        out = []
        for scenario, ms, session, received, pressed, done in sorted(self.moves, key=lambda m: m[4]):
            run = next(((start, end) for start, end in turnarounds.get(session, ())
                        if pressed - 0.05 <= start <= done), None)
            out.append({"scenario": scenario, "ms": ms, "server_ms": (run[1] - run[0]) * 1e3 if run else None,
                        "kb": received / 1e3, "at_s": pressed - started_at})
        return out


async def new_session(browser, tally: Tally, who: str):
    context = await browser.new_context(viewport=srv.VIEWPORT)
    await context.add_init_script(srv.RUN_TRACKER)

    async def block(route):
        tally.external_requests.append(route.request.url)
        await route.abort()
    await context.route(NOT_LOOPBACK, block)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def console(message):
        url = message.location.get("url", "")
        if message.type == "error" and not STREAMLIT_PROBE.search(url):
            tally.console_errors.append(f"{who}: {message.text} ({re.sub(r'^https?://[^/]+', '', url)})")
            if LOST_SESSION.search(message.text):
                tally.errors.append(f"{who}: session lost: {message.text[:200]}")
                tally.lost.add(who)
    page.on("console", console)
    page.on("pageerror", lambda e: tally.errors.append(f"{who}: uncaught script error: {e}"))
    return context, page


async def settle(page, since: int) -> None:
    await page.wait_for_function(srv.SETTLED_JS, arg=since, polling=20, timeout=TIMEOUT_MS)


async def open_scenario(page, server, scenario: Scenario, first: bool) -> None:
    """The session's first page by its URL (a full page load); the next ones by the sidebar's link to them."""
    if first:
        await page.goto(f"{server.url}/{scenario.url_path}" + (f"?{scenario.query}" if scenario.query else ""))
        await settle(page, 0)
        return
    since = await page.evaluate(srv.RUNS_FINISHED_JS)
    expand = page.locator(srv.EXPAND_SIDEBAR)
    if await expand.count():  # a page that collapses the sidebar (the tour) was opened by its URL: open it first
        await expand.click()
    await page.locator(f'{srv.SIDEBAR_NAV} a[href$="/{scenario.url_path}"]').click()
    await settle(page, since)


async def move_once(page, move) -> tuple[float, str, int, float, float, list[str]]:
    """One move: milliseconds from the input until its result is on screen (measured in the page), the
    session's id, the WebSocket bytes the page received meanwhile, the wall-clock window of the move (to find its
    server run) and the problems then on the page."""
    pressed = time.time()
    since, before = await move()
    # A burst's result is the run after its last key: Streamlit's slider may drop keys pressed during a rerun, so
    # where it ends, and whether the picture differs from before, is not known in advance.
    what = "settled" if getattr(move, "burst", False) else "shown"
    on_screen, session, received, problems = await page.evaluate(MOVE_RESULT_JS, [since, before, TIMEOUT_MS, what])
    return on_screen, session, received, pressed, time.time(), problems


def visits(scenarios: list[Scenario], moves: int, phase: float) -> list[tuple[Scenario, int]]:
    """The pages a session visits and the moves it makes on each: round(moves × phase) on the first page,
    `moves` on each of the others, then the rest back on the first, so that sessions with different
    phases change page at different times, as independent users do (phase 1: `moves` on each, in order)."""
    first = moves if len(scenarios) == 1 else max(1, min(moves, round(moves * phase)))
    plan = [(scenarios[0], first), *((s, moves) for s in scenarios[1:])]
    return plan + [(scenarios[0], moves - first)] if first < moves else plan


async def live_state(page) -> str:
    """LIVE_STATE_JS's words, after an error's: nothing if the page cannot say."""
    try:
        return f" ({await page.evaluate(LIVE_STATE_JS)})"
    except Exception:  # noqa: BLE001 - a closed or lost page: the error says enough
        return ""


async def run_session(browser, server, plan: list[tuple[Scenario, int]], think: float, tally: Tally, who: str,
                      opened: asyncio.Barrier | None = None):
    """Visit the plan's pages in order, making its number of moves on each; with `opened`, wait there once the
    first page is open, so that the moves measured are made with every session's page loaded, then start
    after a random part of one think time, as independent users are not in step."""
    context, page = await new_session(browser, tally, who)
    rng = random.Random(who)
    for number, (scenario, moves) in enumerate(plan):
        if who in tally.lost:  # every later wait would run out: one error is enough
            break
        try:
            try:
                await open_scenario(page, server, scenario, first=number == 0)
                tally.pages_opened.append((who, scenario.name, time.time()))
            finally:
                if number == 0 and opened:
                    await opened.wait()
                    await asyncio.sleep(think * rng.random())
            move = (walker(page, *scenario.walk) if scenario.walk else slider_mover(page, scenario.slider_key)
                    if scenario.slider_key else stepper(page, scenario.step_key) if scenario.step_key
                    else dot_clicker(page, rng))
            if scenario.button_key:
                move = in_turn(move, button_presser(page, scenario.button_key))
            kinds = [(scenario.name, move)] + [(f"{scenario.name}: {DRAG}", drag_mover(page, scenario.drag_key))] * bool(
                scenario.drag_key)  # a page's kinds of single move, in turn; a drag's reported apart
            # A slider page's visit ends with a burst of key presses, measured apart from the single moves.
            burst = [(f"{scenario.name}: {NUDGES}", nudges_mover(page, scenario.slider_key))] * bool(
                scenario.slider_key and moves)
            for name, mover in [kinds[k % len(kinds)] for k in range(moves)] + burst:
                if who in tally.lost:
                    break
                *measured, problems = await move_once(page, mover)
                tally.moves.append((name, *measured))
                tally.errors += [f"{who} {name}: {problem}" for problem in problems]
                if think:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        except Exception as e:  # noqa: BLE001 - a timeout or missing widget counts as an error, the run goes on
            tally.errors.append(f"{who} {scenario.name}: {type(e).__name__}: {str(e).splitlines()[0]}"
                                + await live_state(page))
    return context  # kept open until memory is measured
