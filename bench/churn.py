"""A day of sessions on one server: hundreds of sessions open a page, move its control for a while and leave.
Does the server's memory come back, and do its file handles and threads stay put?

    python -m bench.churn                       # 300 sessions, 5 at a time, 3 moves each (bench/results/churn.json)
    python -m bench.churn --sessions 40 --at-once 4 --moves 2     # a short run: the same measures

Sessions are bench.load's (load_sessions.run_session: a context of its own in one headless Chromium, its first page
by its URL, its control moved with think time between moves); session i opens page i (mod the load's pages), so
every page's caches and widgets come and go. --at-once sessions run at a time; as one leaves (its context closed,
so its WebSocket too), the next opens.

Streamlit keeps a disconnected session for server.disconnectedSessionTTL seconds (120 unless set) in case its
browser comes back, and drops expired ones at the next session's disconnect. So memory is compared at two
settled points, each taken after the TTL (and a margin) has passed and one probe session has opened and left:
"after the first sessions" (the first --at-once sessions gone) and "after the churn" (all of them gone). Memory
left behind per session = (after the churn − after the first) / (sessions in between); the slope during the churn
(a line through the resident memory after each session left, disconnected sessions still held included) is printed
too. File handles (/proc/<pid>/fd) and threads of the server process are taken at the same two points.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import time
from pathlib import Path

import numpy as np

from bench import server as srv
from bench.harness import count, json_argument, json_target, print_table, with_machine_speed, write_json
from bench.load_scenarios import available_scenarios
from bench.load_sessions import Tally, run_session

GOALS = {"sessions": 300, "rss_back_within": 0.10, "mb_left_per_session": 0.5}
MB = 1024 * 1024


def session_ttl_s() -> float:
    """Streamlit's server.disconnectedSessionTTL as the app runs it (.streamlit/config.toml, else its default)."""
    from streamlit import config
    return float(config.get_option("server.disconnectedSessionTTL"))


def handles(pid: int) -> tuple[int, int]:
    """(open file descriptors, threads) of one process, from /proc."""
    with contextlib.suppress(OSError):
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        threads = int(re.search(r"^Threads:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))
        return fds, threads
    return 0, 0


async def settled_point(browser, server, scenario, wait_s: float, tally: Tally) -> dict:
    """Memory, handles and threads once sessions that left have outlived Streamlit's TTL: wait, then a probe
    session opens the page and leaves (its disconnect drops the expired sessions), then measure."""
    await asyncio.sleep(wait_s)
    context = await run_session(browser, server, [(scenario, 0)], 0.0, tally, "probe")
    await context.close()
    await asyncio.sleep(3.0)
    fds, threads = handles(server.proc.pid)
    return {"rss_mb": server.rss_bytes() / MB, "fds": fds, "threads": threads}


async def churn(sessions: int, at_once: int, moves: int, think: float, settle_s: float) -> dict:
    from playwright.async_api import async_playwright
    scenarios = available_scenarios()
    tally, warm_tally = Tally(), Tally()
    samples: list[tuple[int, float]] = []  # (sessions gone, server RSS MB) after each session left
    with srv.StreamlitServer(timeout=120) as server:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=srv.chromium_path(), args=srv.CHROMIUM_ARGS)
            warm = await run_session(browser, server, [(s, s.warm_moves) for s in scenarios], 0.0, warm_tally,
                                     "warm-up")
            await warm.close()
            started = time.perf_counter()
            gone = [0]

            async def one(i: int) -> None:
                context = await run_session(browser, server, [(scenarios[i % len(scenarios)], moves)], think, tally,
                                            f"s{i + 1}")
                await context.close()
                gone[0] += 1
                samples.append((gone[0], server.rss_bytes() / MB))

            async def worker(numbers) -> None:
                for i in numbers:
                    await one(i)

            await asyncio.gather(*(one(i) for i in range(at_once)))
            print(f"  first {at_once} sessions gone; waiting {settle_s:.0f} s for Streamlit to drop them", flush=True)
            first = await settled_point(browser, server, scenarios[0], settle_s, warm_tally)
            rest = list(range(at_once, sessions))
            churn_started = time.perf_counter()
            await asyncio.gather(*(worker(rest[k::at_once]) for k in range(at_once)))
            churn_s = time.perf_counter() - churn_started
            print(f"  {sessions} sessions gone in {churn_s:.0f} s, {len(tally.errors)} errors; waiting "
                  f"{settle_s:.0f} s again", flush=True)
            after = await settled_point(browser, server, scenarios[0], settle_s, warm_tally)
            await browser.close()
    during = [(n, mb) for n, mb in samples if n > at_once]
    slope = float(np.polyfit(*zip(*during), 1)[0]) if len(during) >= 2 else None
    return {"sessions": sessions, "at_once": at_once, "moves": moves, "think_s": think, "settle_s": settle_s,
            "wall_s": time.perf_counter() - started, "churn_s": churn_s, "first": first, "after": after,
            "rss_back_ratio": after["rss_mb"] / first["rss_mb"] - 1,
            "mb_left_per_session": (after["rss_mb"] - first["rss_mb"]) / max(1, sessions - at_once),
            "slope_mb_per_session_during": slope, "peak_rss_mb": max((mb for _, mb in samples), default=None),
            "errors": len(tally.errors) + len(warm_tally.errors), "lost": len(tally.lost),
            "error_samples": (warm_tally.errors + tally.errors)[:10], "samples": samples}


def goal_rows(s: dict) -> list[dict]:
    def verdict(ok: bool) -> str:
        return "yes" if ok else "NO"
    first, after = s["first"], s["after"]
    return [
        {"measure": "sessions over the run (at once)", "value": f"{s['sessions']} ({s['at_once']})",
         "goal": f">= {GOALS['sessions']}", "meets_goal": verdict(s["sessions"] >= GOALS["sessions"])},
        {"measure": "errors", "value": s["errors"], "goal": "0", "meets_goal": verdict(s["errors"] == 0)},
        {"measure": "server RSS after the first sessions / after the churn (MB)",
         "value": f"{first['rss_mb']:,.0f} / {after['rss_mb']:,.0f}", "goal": "", "meets_goal": ""},
        {"measure": "RSS after the churn against after the first sessions", "value": f"{s['rss_back_ratio']:+.1%}",
         "goal": f"within {GOALS['rss_back_within']:.0%}",
         "meets_goal": verdict(abs(s["rss_back_ratio"]) <= GOALS["rss_back_within"])},
        {"measure": "memory left behind per session (MB)", "value": s["mb_left_per_session"],
         "goal": f"<= {GOALS['mb_left_per_session']}",
         "meets_goal": verdict(s["mb_left_per_session"] <= GOALS["mb_left_per_session"])},
        {"measure": "  slope during the churn, disconnected sessions still held (MB a session)",
         "value": s["slope_mb_per_session_during"], "goal": "", "meets_goal": ""},
        {"measure": "peak RSS during the churn (MB)", "value": s["peak_rss_mb"], "goal": "", "meets_goal": ""},
        {"measure": "file handles: after the first / after the churn", "value": f"{first['fds']} / {after['fds']}",
         "goal": "no growth", "meets_goal": verdict(after["fds"] <= first["fds"])},
        {"measure": "threads: after the first / after the churn", "value": f"{first['threads']} / {after['threads']}",
         "goal": "no growth", "meets_goal": verdict(after["threads"] <= first["threads"])},
        {"measure": "machine speed: report.reference_ms before / after (ms, lower is faster)",
         "value": " / ".join(f"{v:.0f}" for v in s["reference_ms"]), "goal": "", "meets_goal": ""},
    ]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.churn", description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=count, default=300, help="sessions over the run (default 300)")
    p.add_argument("--at-once", type=count, default=5, help="sessions open at a time (default 5)")
    p.add_argument("--moves", type=count, default=3, help="moves each session makes before it leaves (default 3)")
    p.add_argument("--think", type=float, default=1.0, help="seconds between moves, jittered ±50%% (default 1.0)")
    p.add_argument("--settle", type=float, default=None,
                   help="seconds to wait before each settled measure (default Streamlit's disconnectedSessionTTL "
                        "+ 10)")
    json_argument(p, "churn")
    a = p.parse_args(argv)
    if a.sessions <= a.at_once:
        p.error("--sessions must exceed --at-once: the first --at-once sessions are the baseline")
    out = json_target(p, a)
    srv.exit_without_browser("churn")
    settle = a.settle if a.settle is not None else session_ttl_s() + 10
    s = with_machine_speed(lambda: asyncio.run(churn(a.sessions, a.at_once, a.moves, a.think, settle)))
    rows = goal_rows(s)
    print(f"\n{s['sessions']} sessions, {s['at_once']} at a time, {s['moves']} moves each, think {s['think_s']:g} s; "
          f"wall {s['wall_s']:.0f} s\n")
    print_table(rows, ["measure", "value", "goal", "meets_goal"])
    if s["error_samples"]:
        print("\nerrors:\n  " + "\n  ".join(s["error_samples"]))
    write_json(out, rows, p.prog, argv, reference_ms=s["reference_ms"], goals=GOALS, summary=s)


if __name__ == "__main__":
    main()
