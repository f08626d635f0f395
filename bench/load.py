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

This module runs the server and the sessions and is the command line; the pages and their moves are in
load_scenarios.py, a browser session in load_sessions.py, the goals and the tables in load_report.py.

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

On the pages with live sliders (dashboard/live_slider.py), every other move is a drag of one instead, reported
apart as "<page>: live drag": its thumb pressed, dragged 15 % of its track towards the middle in six pointer moves
(the picture drawn from its frames meanwhile) and let go, timed from the release to the exact picture on screen:
Digits by label's style slider ("style_z…", the first the page registered), Latent arithmetic's scrubber
("arith_t"), Face editing's Eyeglasses ("face_s_Eyeglasses_celeba-vae") and GAN samples' walk scrubber
("gan_walk_t").

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
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import server as srv
from bench.harness import count, json_argument, json_target, print_table, reference_ms, result_path, write_json
from bench.load_report import GOALS, NUDGES_NOTE, all_moves, combined, goal_rows, scenario_rows
from bench.load_scenarios import FLOOR, available_scenarios
from bench.load_sessions import Tally, run_session, visits

ROOT = Path(__file__).resolve().parents[1]


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
                idle_browsers: bool = False, floor: bool = False, in_step: bool = False, options: tuple = (),
                serve=None) -> dict:
    """One run of the load: a server, a warm-up session that loads every model, then `sessions` sessions at once;
    returns its summary (every move, CPU shares, memory, errors) for the report.

    `serve(turnaround_log)`, when given, makes the server instead of one StreamlitServer: a context manager giving
    an object with url, rss_bytes(), cpu_seconds() and warm_urls (each process a warm-up session must visit), as
    bench.replicas's nginx and replicas do."""
    from playwright.async_api import async_playwright
    scenarios = [FLOOR] if floor else available_scenarios()
    tally, warm_tally = Tally(), Tally()
    log = tempfile.NamedTemporaryFile(prefix="turnaround-", suffix=".log", delete=False).name
    script = ROOT / "bench" / "floor_app.py" if floor else srv.HOME
    speed = [reference_ms()]
    with (serve(log) if serve else
          srv.StreamlitServer(timeout=120, turnaround_log=log, script=script, options=options)) as server:
        time.sleep(1.0)
        rss_start = server.rss_bytes()
        others = set(srv.children(os.getpid()))
        async with async_playwright() as p:
            if idle_browsers:  # the Playwright driver, and so the Chromium it starts; not the server, not this process
                for driver in set(srv.children(os.getpid())) - others:
                    srv.idle_tree(driver)
            browser = await p.chromium.launch(executable_path=srv.chromium_path(), args=srv.CHROMIUM_ARGS)
            # One warm-up session loads every model and TensorFlow, then closes: the shared baseline.
            warm_started = time.perf_counter()
            for url in getattr(server, "warm_urls", [server.url]):  # with replicas, each loads its own models
                warm = await run_session(browser, srv.Address(url), [(s, s.warm_moves) for s in scenarios], 0.0,
                                         warm_tally, "warm-up")
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
            cpu_server, cpu_all = server.cpu_seconds(), srv.tree_cpu_seconds(os.getpid())
            started_ticks = machine_ticks()
            contexts = await asyncio.gather(*tasks)
            wall = time.perf_counter() - started
            cpu_server = server.cpu_seconds() - cpu_server
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
    summary = {"sessions": sessions, "moves_per_page": moves, "think_s": think, "idle_browsers": idle_browsers,
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
    p.add_argument("--idle-browsers", action="store_true",
                   help="run the browsers under Linux's SCHED_IDLE policy, so they stand in for users' own machines "
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
        runs.append(asyncio.run(bench(a.sessions, a.moves, a.think, a.profile, a.idle_browsers, a.floor, a.in_step,
                                      tuple(f"--{o}" for o in a.streamlit_option))))
        if a.repeats > 1:
            print(f"  run {run + 1}: p95 {all_moves(scenario_rows(runs[-1]['moves'], a.sessions))['p95_ms']:,.0f} ms",
                  flush=True)
    s = combined(runs)
    rows = scenario_rows(s["moves"], a.sessions)
    print(f"{a.sessions} sessions x {a.moves} moves per page, think {a.think:g} s, "
          f"{'in step' if a.in_step else 'page changes spread out'}, "
          f"browsers {'idle' if a.idle_browsers else 'at normal priority'}, "
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
