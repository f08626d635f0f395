"""Concurrent browser sessions against one dashboard server: interaction latency, errors and server memory.

    python -m bench.load [--sessions 10] [--moves 10] [--think 1.0]   # writes bench/results/load.json
    python -m bench.load --sessions 5   # the on-screen goal's load (load_5_sessions.json)
    python -m bench.load --floor      # the same load on a page holding only a slider and a picture (load_floor.json)
    python -m bench.load --sweep      # p95 against sessions and think time: how much load this machine holds
                                      # (load_sweep.json)
    python -m bench.load --repeats 3  # three runs, their moves pooled: a steadier p95 than one run gives
                                      # (load_repeats.json)

Each mode writes its own file under bench/results/ (--json FILE elsewhere, --no-json none); --in-step
adds "_in_step" to the name. `python -m bench.report --readme` puts them in README.md.

Starts `streamlit run dashboard/Home.py` on a free loopback port and opens --sessions tabs in one headless
Chromium (each tab is its own Streamlit session). Each session opens its first page by its URL, as a
shared link would (a model page's ?model=, the tour's ?step=5; Face editing's without ?model=: a session
keeps its first link's model on every page that can show it, and a link to the face VAE would turn the
Decoded grid and Latent scatter to faces, whose controls are not the ones moved here: the face grid has no
"grid_size" slider), reaches the others through the sidebar, as a person would (opening it first where the
tour, opened by its URL, collapsed it), and works each page's main control --moves times in all, pausing
--think seconds (jittered ±50 %) between moves as a person looking at the result would. Independent users
are neither on one page at once nor change page together: session i starts on heavy page i (mod the
pages), makes (i + 1) / sessions of its moves there, then all of them on each other page, then the rest
back on the first (--in-step: every session starts at the beginning of its first page, so all change page
within a second or two). The moves start once every session has its first page open (wall time, CPU shares
and the profile cover that phase), each session's after a random part of one think time (started together,
all ten first moves land in the same tenth of a second):

    Tour              Next (key "tour_next") until the last step, then Previous ("tour_previous") back to
                      the first, and so on: a presenter walking through the story and back, never pressing a
                      disabled button; each press reruns the page with another step's widget, figures and
                      claim. The warm-up session walks every step there and back first (TOUR_STEPS), so no
                      measured press is a step's first on the server (its models, the live plane's atlas)
    Decoded grid      the grid-size slider, one arrow-key step          (key "grid_size")
    Latent scatter    a click on a dot, a different one each time (the page then shows that digit)
    Digits by label   a style slider, one arrow-key step               (key "style_z…"), when that page exists
    Latent arithmetic the interpolation's steps slider, one arrow-key step (key "arith_steps"): the whole
                      page reruns and the walk is redrawn; the 3-D view stays (it draws the walk's course)
    Face editing      the Smiling strength slider, one arrow-key step of 0.05 (key "face_s_Smiling_celeba-vae"):
                      the editor's fragment reruns and draws the edited face (a new code) with the face
                      judge's reading of it. Every session starts from the same generated face (seed 0) with
                      its own Smiling at 0, so a strength some session reached before is decoded and read from
                      the page's caches (per code), as the digit pages' slider steps are
    GAN samples       the truncation slider, one arrow-key step (key "gan_psi"), and the "New samples"
                      button (key "gan_new"), in turn: the sample grid's fragment reruns and its samples
                      are drawn again (a new seed's after the button, never drawn before, so neither its
                      decode nor the judge's reading is cached); when that page exists

The Latent scatter's "Thumbnails" slider is left out: it is a setting rather than how people work
that page, and each step rebuilds the 2,000-point chart from scratch (Streamlit replaces a changed
chart whole).

Latency (p50_ms, p95_ms) is measured inside the page: from the key press (or click) to the moment the run it
caused has finished, nothing is loading and the pictures on the page, or its title, differ from before (the title
for the tour, whose steps are told apart by their claims: steps 1 and 2 draw only on canvases).
server_p50_ms and server_p95_ms are the server's own turnaround for the same moves, logged inside
the server process (bench.server.record_turnaround): from the rerun request reaching the session to
its "run finished" message being queued. The rest of the on-screen time is the network and the
browser drawing: here --sessions tabs of software-rendered Chromium on the same cores as the server.
The CPU rows show how the machine was split, and the browsers' CPU (Chromium, Playwright and this
process) per move, page openings included: the load a user's own machine would carry instead.
Errors are exception elements, error alerts,
uncaught script errors and waits that time out. Server memory is the resident set of the streamlit
process and its children (/proc): at start, once one warm-up session has loaded every model
(st.cache_resource shares them with all sessions), and with all sessions open after their moves;
growth per session = (that − warm) / sessions.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from bench import server as srv  # noqa: E402
from bench.harness import count, json_argument, json_target, print_table, reference_ms, result_path, write_json  # noqa: E402

# The brief's load goals. At 10 sessions: no errors, at most 30 MB a session, the server's own turnaround p95 and
# its CPU per move. On screen (input to new picture, the measuring browsers sharing the server's 2 cores): p95 at
# 5 sessions; real viewers' browsers run on their own machines.
GOALS = {"sessions": 10, "errors": 0, "server_p95_ms": 500.0, "mb_per_session": 30.0,
         "server_cpu_ms_per_move": 50.0, "p95_ms": 500.0, "screen_sessions": 5}
ALL = "all interactions"
TIMEOUT_MS = 120_000
# Streamlit's page URL probe: a page opened by its own URL first asks /<page>/_stcore/health, then the root.
STREAMLIT_PROBE = re.compile(r"/_stcore/(health|host-config)\b")
# What the browser logs when Streamlit's client drops its session (then shows "Connection error" until a reload).
LOST_SESSION = srv.LOST_SESSION
# Matched inside Playwright's driver: a Python predicate would stop every request for a round trip to this process.
NOT_LOOPBACK = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])")
# Few round trips a move (start, input, result; a click also finds its dot first): the harness's own CPU is
# taken from the same two cores as the server's. The start arms the page's measurement and returns the runs
# finished and what the page shows before the move: its pictures and its title (ll.shown(); a tour step's claim
# is its title, and its first two steps draw only on canvases, which pictures() does not see).
MOVE_START_JS = "() => { const ll = window.__ll, start = [ll.finished, ll.shown()]; ll.arm(); return start; }"
# The slider may not be drawn yet when its page's run has finished (React renders after the message arrives):
# wait for it, as a Playwright locator would.
SLIDER_START_JS = """async ([key, timeout]) => {
  const ll = window.__ll, find = () => document.querySelector(`[class*="st-key-${key}"] input[type="range"]`);
  for (const t0 = performance.now(); !find(); await new Promise(wake => setTimeout(wake, 10)))
    if (performance.now() - t0 > timeout) throw new Error(`no slider "${key}" within ${timeout} ms`);
  const thumb = find(), start = [ll.finished, ll.shown()];
  thumb.focus(); ll.arm(); return [...start, Number(thumb.value) >= Number(thumb.max)]; }"""
# Waits in the page (checked every 10 ms) until the move's result is on screen, then returns its latency,
# the session's id and the problems then on the page.
MOVE_RESULT_JS = f"""([since, before, timeout, what]) => window.__ll.until(since, before, timeout, what).then(ms => [ms,
  window.__ll.sessionId, window.__ll.received - window.__ll.receivedAtArm,
  [...document.querySelectorAll('{srv.EXCEPTION}, {srv.ERROR_ALERT}')].map(e => e.innerText.trim().slice(0, 300))])"""


@dataclass
class Scenario:
    """One heavy page: where it is and its main control, a slider (by widget key) or a click on a chart's dot,
    and a button pressed every other move where the page has one its users press as often; or, for a page of
    steps, its forward and back buttons (`walk`)."""
    name: str
    url_path: str
    query: str                 # the URL's parameters when it is the first page a session visits ("" for none)
    slider_key: str | None     # widget key, or key prefix ("style_z" matches style_z3); None: click a dot
    button_key: str | None = None  # a button's widget key: moves alternate, the slider's first, then a press
    walk: tuple[str, str] | None = None  # (forward, back) buttons' keys, pressed instead of a slider or a dot
    warm_moves: int = 2        # the warm-up session's moves here: enough to fill the caches the sessions' moves use


# The tour's steps (dashboard/tour.py STEPS; tests/test_bench_load.py checks the number): its warm-up walks to the
# last and back, so no session's move is the first of a step on this server.
TOUR_STEPS = 8
FLOOR = Scenario("Floor: a slider and one picture", "", "", "step")  # bench/floor_app.py, with --floor
SCENARIOS = [
    # Opened by a link to step 5, or through the sidebar on the session's own step (1 at first): either way the
    # sessions' walks together cover every step. The tour opened by its URL collapses the sidebar (open_scenario).
    Scenario("Tour (Next / Previous)", "Tour", "step=5", None, walk=("tour_next", "tour_previous"),
             warm_moves=2 * (TOUR_STEPS - 1)),
    Scenario("Decoded grid", "Decoded_grid", "model=mnist-vae-2d", "grid_size"),
    Scenario("Latent scatter (click a dot)", "Latent_scatter", "model=mnist-vae-2d", None),
    Scenario("Digits by label", "Digits_by_label", "model=mnist-cvae", "style_z"),
    Scenario("Latent arithmetic", "Latent_arithmetic", "model=mnist-vae-16d", "arith_steps"),
    # No ?model=: a link naming the face VAE makes it the session's model (ui.pick_model), which the Decoded grid and
    # Latent scatter then show, with controls other than the ones moved here (the face grid has no "grid_size"
    # slider: each later wait of the session ran out). The page opens on the face VAE anyway, its only model.
    Scenario("Face editing", "Face_editing", "", "face_s_Smiling_celeba-vae"),
    Scenario("GAN samples", "GAN_samples", "model=mnist-dcgan", "gan_psi", "gan_new"),
]
@dataclass
class Tally:
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


def is_burst(move: dict) -> bool:
    return move["scenario"].endswith(NUDGES)


def scenario_rows(moves: list[dict], sessions: int) -> list[dict]:
    """On-screen and server p50/p95 and the WebSocket kB received per scenario, then of all single moves (pooled,
    with --repeats, over every run), then of all bursts of fast nudges (timed from their first key to the last
    one's result: not single moves, so outside the on-screen goal)."""
    pct = (lambda v, q: float(np.percentile(v, q)) if len(v) else None)
    rows = []
    every_burst = f"all {NUDGES}"
    names = dict.fromkeys(m["scenario"] for m in moves)
    for name in [*(n for n in names if not n.endswith(NUDGES)), ALL, *(n for n in names if n.endswith(NUDGES)),
                 *[every_burst] * any(n.endswith(NUDGES) for n in names)]:
        chosen = [m for m in moves if m["scenario"] == name or (name == ALL and not is_burst(m))
                  or (name == every_burst and is_burst(m))]
        values = [m["ms"] for m in chosen]
        server = [m["server_ms"] for m in chosen if m["server_ms"] is not None]
        received = [m["kb"] for m in chosen if m.get("kb") is not None]
        rows.append({"scenario": name, "sessions": sessions, "moves": len(values),
                     "p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "max_ms": pct(values, 100),
                     "server_p50_ms": pct(server, 50), "server_p95_ms": pct(server, 95),
                     "kb_per_move": float(np.mean(received)) if received else None,
                     "goal_p95_ms": GOALS["p95_ms"] if name != every_burst and not name.endswith(NUDGES) else None})
    return rows


def all_moves(rows: list[dict]) -> dict:
    """The row of every single move (bursts of fast nudges apart)."""
    return next(row for row in rows if row["scenario"] == ALL)


def available_scenarios() -> list[Scenario]:
    present = {p.url_path for p in srv.discover_pages()}
    return [s for s in SCENARIOS if s.url_path in present]


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


def slider_mover(page, key: str):
    """A move: one arrow-key step of the slider, up the scale and back down from its top; returns the runs
    finished and the pictures shown just before the key press."""
    async def move():
        since, before, at_top = await page.evaluate(SLIDER_START_JS, [key, TIMEOUT_MS])
        await page.keyboard.press("ArrowLeft" if at_top else "ArrowRight")
        return since, before
    return move


# A fast hand on the keyboard (or a held arrow key): BURST_BACK + BURST_ON presses BURST_GAP_S apart, three back and
# four on; the move ends when the run after the last key is on screen. Streamlit lost the session on such bursts while its message cache was on
# (.streamlit/config.toml), as a console error and a wait that never ends: both count as errors here.
BURST_BACK, BURST_ON, BURST_GAP_S = 3, 4, 0.04
NUDGES = "fast nudges"
NUDGES_NOTE = (f"A burst of {NUDGES} ends each visit to a slider page: {BURST_BACK + BURST_ON} arrow keys "
               f"{BURST_GAP_S * 1e3:.0f} ms apart ({BURST_BACK} back, {BURST_ON} on), timed from the first key to the "
               f"last one's picture on screen; not in \"{ALL}\", whose p95 the on-screen goal judges.")


def nudges_mover(page, key: str):
    """A move: a burst of arrow keys on the slider, BURST_BACK one way and BURST_ON the other (away from the end
    it is at); returns the runs finished at the last key press and the pictures shown before the first."""
    async def move():
        _, before, at_top = await page.evaluate(SLIDER_START_JS, [key, TIMEOUT_MS])
        on, back = ("ArrowLeft", "ArrowRight") if at_top else ("ArrowRight", "ArrowLeft")
        for k in [back] * BURST_BACK + [on] * BURST_ON:
            await page.keyboard.press(k)
            await asyncio.sleep(BURST_GAP_S)
        return await page.evaluate("() => window.__ll.finishedAtInput"), before
    move.burst = True
    return move


def button(page, key: str):
    """The button with this widget key. Streamlit 1.67 draws a button that has a tooltip twice, once hidden: the
    visible one."""
    return page.locator(f".st-key-{key} button:visible").first


async def press(page, target):
    """Click the button `target`, scrolled into view first (before the measurement's input: the press)."""
    await target.wait_for()
    await target.scroll_into_view_if_needed()
    start = await page.evaluate(MOVE_START_JS)
    await target.click()
    return start


def button_presser(page, key: str):
    """A move: a click on the button with this widget key."""
    return lambda: press(page, button(page, key))


def walker(page, forward: str, back: str):
    """A move: a press of the `forward` button until it is disabled (the last step), then of `back` until that is,
    and so on: a presenter walking through the steps and back, never pressing a disabled button (a click on one
    would wait for it until the timeout). A new walker, on a return to the page, sets off forward again."""
    buttons, going = [button(page, forward), button(page, back)], [0]

    async def move():
        await buttons[going[0]].wait_for()
        if await buttons[going[0]].is_disabled():
            going[0] = 1 - going[0]
        return await press(page, buttons[going[0]])
    return move


def in_turn(*movers):
    """A move: each of `movers` in turn, the first one first."""
    made = [0]

    async def move():
        made[0] += 1
        return await movers[(made[0] - 1) % len(movers)]()
    return move


def dot_clicker(page, rng: random.Random):
    """A move: a click on a dot of the page's chart, picked at random (seeded per session) among those in the
    window, a few pixels away from the last one clicked (the chart picks the dot nearest the click: a new one)."""
    chart = page.locator(f"{srv.MAIN} {srv.VEGA_CHART} canvas").first  # the chart's code loads late
    last = {"x": -1e9, "y": -1e9, "points": 0}

    async def move():
        if not last["points"]:
            await chart.wait_for()
            last["points"] = (await page.evaluate(srv.CHART_DOT_JS, 0))["points"]
        for _ in range(1000):
            where = await page.evaluate(srv.CHART_DOT_JS, rng.randrange(last["points"]))
            if where["visible"] and abs(where["x"] - last["x"]) + abs(where["y"] - last["y"]) > 4:
                break
        else:
            raise RuntimeError("no dot of the chart lies inside the window")
        start = await page.evaluate(MOVE_START_JS)
        # Point first, then click: a click arriving with the pointer can land on the last dot's tooltip.
        await page.mouse.move(where["x"], where["y"])
        await page.mouse.click(where["x"], where["y"])
        last.update(where)
        return start
    return move


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
                    if scenario.slider_key else dot_clicker(page, rng))
            if scenario.button_key:
                move = in_turn(move, button_presser(page, scenario.button_key))
            # A slider page's visit ends with a burst of key presses, measured apart from the single moves.
            burst = [(f"{scenario.name}: {NUDGES}", nudges_mover(page, scenario.slider_key))] * bool(
                scenario.slider_key and moves)
            for name, mover in [(scenario.name, move)] * moves + burst:
                if who in tally.lost:
                    break
                *measured, problems = await move_once(page, mover)
                tally.moves.append((name, *measured))
                tally.errors += [f"{who} {name}: {problem}" for problem in problems]
                if think:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        except Exception as e:  # noqa: BLE001 - a timeout or missing widget counts as an error, the run goes on
            tally.errors.append(f"{who} {scenario.name}: {type(e).__name__}: {str(e).splitlines()[0]}")
    return context  # kept open until memory is measured


def machine_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def machine_cpu_fraction(since: tuple[int, int]) -> float | None:
    now = machine_ticks()
    return (now[0] - since[0]) / max(1, now[1] - since[1]) if now else None


def start_profiler(server, out: str):
    """py-spy (pip install py-spy) sampling the server's threads, waiting ones included, while the sessions run.

    Collapsed stacks, or speedscope JSON when `out` ends in .json.
    """
    fmt = "speedscope" if out.endswith(".json") else "raw"
    return subprocess.Popen(["py-spy", "record", "--pid", str(server.proc.pid), "--rate", "100", "--format", fmt,
                             "--output", out, "--nonblocking", "--threads", "--idle"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def bench(sessions: int, moves: int, think: float, profile: str | None = None,
                browser_nice: int = 0, floor: bool = False, in_step: bool = False, options: tuple = ()) -> dict:
    from playwright.async_api import async_playwright
    scenarios = [FLOOR] if floor else available_scenarios()
    tally, warm_tally = Tally(), Tally()
    log = tempfile.NamedTemporaryFile(prefix="turnaround-", suffix=".log", delete=False).name
    script = ROOT / "bench" / "floor_app.py" if floor else srv.HOME
    speed = [reference_ms()]
    with srv.StreamlitServer(timeout=120, turnaround_log=log, script=script, options=options) as server:
        time.sleep(1.0)
        rss_start = server.rss_bytes()
        if browser_nice:
            os.nice(browser_nice)  # this process, and the Playwright driver and Chromium it starts; not the server
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=srv.chromium_path(), args=srv.CHROMIUM_ARGS)
            # One warm-up session loads every model and TensorFlow, then closes: the shared baseline.
            warm_started = time.perf_counter()
            warm = await run_session(browser, server, [(s, s.warm_moves) for s in scenarios], 0.0, warm_tally,
                                     "warm-up")
            await warm.close()
            # A sign of life a few minutes in (the table comes at the end), and of trouble: each failed wait takes
            # TIMEOUT_MS.
            pages = f"{len(scenarios)} page{'s' * (len(scenarios) > 1)}"
            print(f"  warm-up: {pages} in {time.perf_counter() - warm_started:.0f} s, {len(warm_tally.errors)} errors; "
                  f"now {sessions} sessions", flush=True)
            await asyncio.sleep(2.0)
            rss_warm = server.rss_bytes()
            spy = start_profiler(server, profile) if profile else None
            opened = asyncio.Barrier(sessions + 1)  # every session's first page, and this coroutine
            # Independent users are not all on the same page at once, nor do they change page together:
            # session i starts on page i (mod the pages), (i + 1) / sessions of the way through its visit.
            tasks = [asyncio.create_task(run_session(
                browser, server, visits(scenarios[i % len(scenarios):] + scenarios[:i % len(scenarios)], moves,
                                        1.0 if in_step else (i + 1) / sessions),
                think, tally, f"s{i + 1}", opened)) for i in range(sessions)]
            await opened.wait()
            started, started_at = time.perf_counter(), time.time()
            cpu_server, cpu_all = srv.tree_cpu_seconds(server.proc.pid), srv.tree_cpu_seconds(os.getpid())
            started_ticks = machine_ticks()
            contexts = await asyncio.gather(*tasks)
            wall = time.perf_counter() - started
            cpu_server = srv.tree_cpu_seconds(server.proc.pid) - cpu_server
            cpu_browser = srv.tree_cpu_seconds(os.getpid()) - cpu_all - cpu_server  # Chromium, Playwright, this
            machine_busy = machine_cpu_fraction(started_ticks) if started_ticks else None
            if spy:
                spy.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
                spy.wait(60)
            await asyncio.sleep(2.0)
            rss_loaded = server.rss_bytes()
            for context in contexts:
                await context.close()
            await asyncio.sleep(3.0)
            rss_closed = server.rss_bytes()
            await browser.close()

    speed.append(reference_ms())
    moves_made = tally.measured(srv.read_turnarounds(log), started_at)
    os.unlink(log)
    mb = 1024 * 1024
    growth = (rss_loaded - rss_warm) / mb / sessions
    cores = os.cpu_count() or 1
    summary = {"sessions": sessions, "moves_per_page": moves, "think_s": think, "browser_nice": browser_nice,
               "in_step": in_step, "reference_ms": speed, "nudges": NUDGES_NOTE, "streamlit_options": list(options),
               "wall_s": wall,
               "cpu_cores": cores, "server_cpu_share": cpu_server / (wall * cores),
               "browser_cpu_share": cpu_browser / (wall * cores), "machine_busy_share": machine_busy,
               "browser_cpu_ms_per_move": 1e3 * cpu_browser / max(1, len(tally.moves)),
               "server_cpu_ms_per_move": 1e3 * cpu_server / max(1, len(tally.moves)),
               "errors": len(tally.errors) + len(warm_tally.errors),
               "console_errors": len(tally.console_errors) + len(warm_tally.console_errors),
               "external_requests": sorted(set(tally.external_requests + warm_tally.external_requests)),
               "rss_start_mb": rss_start / mb, "rss_warm_mb": rss_warm / mb, "rss_loaded_mb": rss_loaded / mb,
               "rss_after_close_mb": rss_closed / mb, "mb_per_session": growth,
               "error_samples": (warm_tally.errors + tally.errors)[:10],
               # Every move and every page opening, in seconds from the start of the moves: a slow move among
               # page loads tells a different story from one in steady clicking.
               "moves": moves_made,
               "pages_opened_at_s": sorted(when - started_at for _, _, when in tally.pages_opened),
               "console_error_samples": [f"{n} x {text}" for text, n in Counter(
                   e.split(": ", 1)[1] for e in warm_tally.console_errors + tally.console_errors).most_common(10)]}
    return summary


def combined(runs: list[dict]) -> dict:
    """The summaries of --repeats runs as one: moves pooled (each tagged with its run), errors added up, memory
    from the run that grew most, CPU figures averaged, and each run's own p95 kept."""
    worst = max(runs, key=lambda r: r["mb_per_session"])
    mean = (lambda key: None if any(r[key] is None for r in runs) else float(np.mean([r[key] for r in runs])))
    return {**worst, "runs": len(runs), "wall_s": sum(r["wall_s"] for r in runs),
            **{key: mean(key) for key in ("server_cpu_share", "browser_cpu_share", "machine_busy_share",
                                          "browser_cpu_ms_per_move", "server_cpu_ms_per_move")},
            **{key: sum(r[key] for r in runs) for key in ("errors", "console_errors")},
            "external_requests": sorted({url for r in runs for url in r["external_requests"]}),
            **{key: [text for r in runs for text in r[key]][:10] for key in ("error_samples", "console_error_samples")},
            "reference_ms": [ms for r in runs for ms in r["reference_ms"]],
            "run_p95_ms": [float(np.percentile([m["ms"] for m in r["moves"] if not is_burst(m)], 95)) for r in runs],
            "moves": [{**m, "run": k} for k, r in enumerate(runs, 1) for m in r["moves"]],
            "pages_opened_at_s": [r["pages_opened_at_s"] for r in runs]}


def goal_rows(rows: list[dict], s: dict) -> list[dict]:
    everything = all_moves(rows)
    p95 = everything["p95_ms"]
    each_run = [] if s["runs"] == 1 else [
        {"measure": "  p95 of each run on its own (ms)", "value": " / ".join(f"{v:,.0f}" for v in s["run_p95_ms"]),
         "goal": "", "meets_goal": ""}]
    full_load = s["sessions"] >= GOALS["sessions"]  # the goals at 10 sessions are judged only at 10 or more

    def verdict(ok: bool, applies: bool = True) -> str:
        return ("yes" if ok else "NO") if applies else "n/a"
    screen = s["sessions"] <= GOALS["screen_sessions"]
    return [
        {"measure": "concurrent sessions", "value": s["sessions"], "goal": "", "meets_goal": ""},
        {"measure": "errors", "value": s["errors"], "goal": "0", "meets_goal": verdict(s["errors"] == 0)},
        {"measure": "interaction p95, input to new image on screen (ms)"
                    + (f", all {everything['moves']} moves of {s['runs']} runs" if s["runs"] > 1 else ""),
         "value": p95, "goal": f"<= {GOALS['p95_ms']:.0f} at {GOALS['screen_sessions']} sessions",
         "meets_goal": verdict(p95 is not None and p95 <= GOALS["p95_ms"], screen)},
        {"measure": "  of which the server's own turnaround, p95 (ms)", "value": everything["server_p95_ms"],
         "goal": f"<= {GOALS['server_p95_ms']:.0f} at {GOALS['sessions']} sessions",
         "meets_goal": verdict(everything["server_p95_ms"] is not None
                               and everything["server_p95_ms"] <= GOALS["server_p95_ms"], full_load)},
        {"measure": "server's CPU per move, page openings included (ms)", "value": s["server_cpu_ms_per_move"],
         "goal": f"<= {GOALS['server_cpu_ms_per_move']:.0f} at {GOALS['sessions']} sessions",
         "meets_goal": verdict(s["server_cpu_ms_per_move"] <= GOALS["server_cpu_ms_per_move"], full_load)},
        *each_run,
        {"measure": "memory growth per session (MB)", "value": s["mb_per_session"],
         "goal": f"<= {GOALS['mb_per_session']:.0f} at {GOALS['sessions']} sessions",
         "meets_goal": verdict(s["mb_per_session"] <= GOALS["mb_per_session"], full_load)},
        {"measure": "server RSS at start / warm / loaded / closed (MB)",
         "value": " / ".join(f"{s[k]:,.0f}" for k in ("rss_start_mb", "rss_warm_mb", "rss_loaded_mb",
                                                       "rss_after_close_mb")), "goal": "", "meets_goal": ""},
        {"measure": "console errors (not counted above)", "value": s["console_errors"], "goal": "", "meets_goal": ""},
        {"measure": f"CPU share of {s['cpu_cores']} cores: server / browsers / whole machine",
         "value": " / ".join("?" if v is None else f"{v:.0%}" for v in (
             s["server_cpu_share"], s["browser_cpu_share"], s["machine_busy_share"])), "goal": "", "meets_goal": ""},
        {"measure": "browsers' CPU per move, page openings included (ms)", "value": s["browser_cpu_ms_per_move"],
         "goal": "", "meets_goal": ""},
        {"measure": "machine speed: report.reference_ms before / after each run (ms, lower is faster)",
         "value": " / ".join(f"{v:.0f}" for v in s["reference_ms"]), "goal": "", "meets_goal": ""},
    ]


# (sessions, think s) of --sweep: fewer users at the default pace, and ten users at a calmer one.
SWEEP = [(5, 1.0), (7, 1.0), (10, 1.0), (10, 1.5), (10, 2.0)]


def sweep(moves: int, floor: bool, in_step: bool) -> list[dict]:
    """One run per SWEEP point, a row each: where the on-screen p95 crosses the goal, and how busy the machine was."""
    rows = []
    for sessions, think in SWEEP:
        s = asyncio.run(bench(sessions, moves, think, floor=floor, in_step=in_step))
        everything = all_moves(scenario_rows(s["moves"], sessions))
        rows.append({"sessions": sessions, "think_s": think, "p50_ms": everything["p50_ms"],
                     "p95_ms": everything["p95_ms"], "server_p95_ms": everything["server_p95_ms"],
                     "machine_busy": f"{s['machine_busy_share']:.0%}" if s["machine_busy_share"] is not None else "?",
                     "browser_cpu_ms_per_move": s["browser_cpu_ms_per_move"],
                     "reference_ms": " / ".join(f"{v:.0f}" for v in s["reference_ms"]),
                     "reference_ms_values": s["reference_ms"], "errors": s["errors"],
                     "meets_p95_goal": "yes" if everything["p95_ms"] <= GOALS["p95_ms"] else "NO"})
        print(f"  {sessions} sessions, think {think:g} s: p95 {everything['p95_ms']:,.0f} ms", flush=True)
    return rows


def result_name(a: argparse.Namespace) -> str:
    """The default result file of a mode: load, load_repeats, load_sweep; _floor and _in_step added; a run at
    another number of sessions than 10 (the on-screen goal's 5) adds _<n>_sessions."""
    return ("load" + ("_floor" if a.floor else "") + ("_in_step" if a.in_step else "")
            + ("" if a.sweep or a.sessions == GOALS["sessions"] else f"_{a.sessions}_sessions")
            + ("_sweep" if a.sweep else "_repeats" if a.repeats > 1 else ""))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=count, default=10, help="concurrent browser sessions (default 10)")
    p.add_argument("--moves", type=count, default=10, help="slider moves per page per session (default 10)")
    p.add_argument("--think", type=float, default=1.0,
                   help="seconds between a session's moves, jittered ±50%% (default 1.0; 0 = back to back)")
    json_argument(p, None, "bench/results/load.json, load_repeats.json, load_sweep.json; _floor, _in_step added "
                           "with --floor, --in-step")
    p.add_argument("--browser-nice", type=int, default=0, metavar="N",
                   help="run the browsers at this nice level (e.g. 19), so they stand in for users' own machines "
                        "and the server gets the CPU first; the on-screen times then include a starved browser")
    p.add_argument("--floor", action="store_true",
                   help="the same load against bench/floor_app.py (a slider and one picture) instead of the dashboard: "
                        "what any Streamlit page gets from this machine")
    p.add_argument("--in-step", action="store_true",
                   help="every session starts at the beginning of its first page, so all change page at about "
                        "the same moment: the worst case, ten page openings at once")
    p.add_argument("--repeats", type=count, default=1,
                   help="runs of the whole load, one after another, their moves pooled for the p50 and p95 "
                        "(default 1; this machine's speed varies from minute to minute)")
    p.add_argument("--sweep", action="store_true",
                   help=f"instead of one run, one per (sessions, think) in {SWEEP}, a line each (about 6 minutes)")
    p.add_argument("--streamlit-option", action="append", default=[], metavar="SECTION.OPTION=VALUE",
                   help="a setting for the server over .streamlit/config.toml's (repeatable), e.g. "
                        "global.minCachedMessageSize=10000 to measure with Streamlit's message cache on")
    p.add_argument("--profile", metavar="FILE",
                   help="sample the server with py-spy while the sessions run (FILE.json: speedscope, else collapsed)")
    a = p.parse_args(argv)
    if a.think < 0:
        p.error("--think takes 0 or more seconds")
    if a.browser_nice and a.repeats > 1:
        p.error("--browser-nice lowers this process's priority for good, and so the next run's server's: one run")
    if a.sweep and a.repeats > 1:
        p.error("--sweep and --repeats are separate runs: give one of them")
    if a.json is None:
        a.json = result_path(result_name(a))
    out = json_target(p, a)
    reason = srv.browser_unavailable()
    if reason:
        sys.exit(f"cannot run the load benchmark: {reason}")
    if a.sweep:
        rows = sweep(a.moves, a.floor, a.in_step)
        print(f"\n{a.moves} moves per page, {'in step' if a.in_step else 'page changes spread out'}\n")
        print_table(rows, [c for c in rows[0] if c != "reference_ms_values"])
        write_json(out, rows, p.prog, argv, moves_per_page=a.moves, in_step=a.in_step, floor=a.floor,
                   reference_ms=[v for r in rows for v in r.pop("reference_ms_values")])
        return
    runs = []
    for run in range(a.repeats):
        runs.append(asyncio.run(bench(a.sessions, a.moves, a.think, a.profile, a.browser_nice, a.floor, a.in_step,
                                      tuple(f"--{o}" for o in a.streamlit_option))))
        if a.repeats > 1:
            print(f"  run {run + 1}: p95 {all_moves(scenario_rows(runs[-1]['moves'], a.sessions))['p95_ms']:,.0f} ms",
                  flush=True)
    s = combined(runs)
    rows = scenario_rows(s["moves"], a.sessions)
    print(f"{a.sessions} sessions x {a.moves} moves per page, think {a.think:g} s, "
          f"{'in step' if a.in_step else 'page changes spread out'}, browsers at nice {a.browser_nice}, "
          f"{a.repeats} run{'s' if a.repeats > 1 else ''}, wall {s['wall_s']:.0f} s\n")
    print_table(rows, ["scenario", "sessions", "moves", "p50_ms", "p95_ms", "max_ms", "server_p50_ms",
                       "server_p95_ms", "kb_per_move", "goal_p95_ms"])
    print()
    goals = goal_rows(rows, s)
    print_table(goals, ["measure", "value", "goal", "meets_goal"])
    for title, key in (("errors", "error_samples"), ("console errors", "console_error_samples"),
                       ("requests leaving 127.0.0.1 (blocked)", "external_requests")):
        if s[key]:
            print(f"\n{title}:\n  " + "\n  ".join(s[key]))
    write_json(out, rows, p.prog, argv, reference_ms=s["reference_ms"], goals=goals, summary=s)


if __name__ == "__main__":
    main()
