"""Latent Lab as replicas behind nginx (deploy/): the load through nginx against one server, and a replica lost.

    python -m bench.replicas                # through nginx, 3 replicas, 30 sessions, then straight to one replica at
                                            # 10 sessions, same run (bench/results/replicas.json)
    python -m bench.replicas --failover     # 3 replicas, 9 sessions; the replica holding most of them is killed
                                            # (bench/results/replicas_failover.json)

The load is bench.load's, unchanged (its sessions, pages, moves, think time and measures): each session a context
of its own in one headless Chromium, so each gets its own affinity cookie as separate laptops would. With
replicas, the warm-up session visits every replica straight (each loads its own models), and the server's
turnaround is logged inside every replica. The measuring browsers share this machine's cores with the replicas:
on-screen times carry that; the server's turnaround is the goal's measure.

--failover: --sessions sessions each open a page with a slider by its URL, as a shared link would, and move the
slider --moves times; each session's replica is read from its affinity cookie. The replica serving most sessions
is killed (SIGKILL, as a crash). Every affected page must come back by itself, with no reload: a new Streamlit
session (on another replica, through nginx) whose run has finished on screen, showing the same URL and slider
value, with no "Connection error" and no error on the page. "back" is the time from the kill to that moment; a
page not back within --give-up seconds is lost. The other sessions must keep their session. Then the replica is
started again and new visitors are counted on it: nginx sends new browsers to every replica again.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import server as srv
from bench.harness import count, json_argument, json_target, print_table, result_path, with_machine_speed, write_json
from bench.load import bench as load_bench
from bench.load_report import GOALS, all_moves, scenario_rows
from bench.load_scenarios import available_scenarios, slider_mover
from bench.load_sessions import Tally, move_once, new_session, open_scenario, settle
from deploy import replicas as deploy

FAILOVER_GOALS = {"back_p95_s": 5.0, "lost": 0}
RECONNECTED_JS = ("([session, since]) => !!window.__ll && window.__ll.sessionId !== session"
                  " && window.__ll.settled(since)")
# What a page not back shows: a new session or not, runs finished since the kill, whether it is settled, the
# "Connection error" dialog, pictures not loaded.
STUCK_JS = """([session, since]) => ({newSession: window.__ll.sessionId !== session,
  runsSince: window.__ll.finished - since, settled: window.__ll.settled(since), lost: window.__ll.lost(),
  picturesNotLoaded: [...document.querySelectorAll('img')].filter(i => !i.complete || !i.naturalWidth).length})"""
SLIDER_VALUE_JS = """key => { const s = document.querySelector(`[class*="st-key-${key}"] input[type="range"]`);
  return s ? s.value : null; }"""


class Replicated(contextlib.AbstractContextManager):
    """nginx and `replicas` Streamlit replicas on free loopback ports (deploy.replicas.Deployment, in a run directory
    of its own), as bench.load's server: url (nginx), warm_urls (each replica), rss_bytes() and cpu_seconds() of
    every process together. With a turnaround log, each replica logs its runs' turnaround to it."""

    def __init__(self, replicas: int, turnaround_log: str | None = None, timeout: float = 180.0):
        command = ((lambda port: srv.StreamlitServer(port=port, turnaround_log=turnaround_log).command())
                   if turnaround_log else deploy.streamlit_command)
        self._dir = tempfile.TemporaryDirectory(prefix="latent-lab-replicas-")
        self.deployment = deploy.Deployment(self._dir.name, port=srv.free_port(), timeout=timeout,
                                            replica_ports=[srv.free_port() for _ in range(replicas)],
                                            replica_command=command)
        self.url = self.deployment.url
        self.warm_urls = [f"http://127.0.0.1:{port}" for port in self.deployment.ports]

    def rss_bytes(self) -> int:
        return sum(srv.tree_rss_bytes(pid) for pid in self.deployment.pids())

    def cpu_seconds(self) -> float:
        return sum(srv.tree_cpu_seconds(pid) for pid in self.deployment.pids())

    def __enter__(self) -> "Replicated":
        self.deployment.start()
        return self

    def __exit__(self, *exc) -> None:
        self.deployment.stop()
        self._dir.cleanup()


def replica_of(deployment, cookies: list[dict]) -> int | None:
    return deployment.replica_serving(next((c["value"] for c in cookies if c["name"] == deploy.COOKIE), ""))


# ---------------------------------------------------------------- the load, through nginx and straight

def load_row(target: str, replicas: int, s: dict) -> dict:
    moves = all_moves(scenario_rows(s["moves"], s["sessions"]))
    return {"target": target, "replicas": replicas, "sessions": s["sessions"], "moves": moves["moves"],
            "errors": s["errors"], "p50_ms": moves["p50_ms"], "p95_ms": moves["p95_ms"],
            "server_p50_ms": moves["server_p50_ms"], "server_p95_ms": moves["server_p95_ms"],
            "server_cpu_share": f"{s['server_cpu_share']:.0%}", "browser_cpu_share": f"{s['browser_cpu_share']:.0%}",
            "mb_per_replica_warm": s["rss_warm_mb"] / replicas,
            "meets_goals": "yes" if s["errors"] == GOALS["errors"] and moves["server_p95_ms"] is not None
            and moves["server_p95_ms"] <= GOALS["server_p95_ms"] else "NO"}


def compare(replicas: int, sessions: int, direct_sessions: int, moves: int, think: float,
            idle_browsers: bool) -> dict:
    """bench.load's run through nginx to `replicas` replicas, then straight to one replica: their summaries."""
    through = asyncio.run(load_bench(sessions, moves, think, idle_browsers=idle_browsers,
                                     serve=lambda log: Replicated(replicas, log)))
    print(f"  through nginx: done, {through['errors']} errors; now straight to one replica", flush=True)
    return {"through_nginx": through,
            "straight": asyncio.run(load_bench(direct_sessions, moves, think, idle_browsers=idle_browsers))}


# ---------------------------------------------------------------- a replica lost

async def failover(replicas: int, sessions: int, moves: int, give_up_s: float, timeout_s: float) -> dict:
    from playwright.async_api import async_playwright
    scenarios = [s for s in available_scenarios() if s.slider_key]
    tally = Tally()
    with Replicated(replicas, timeout=timeout_s) as served:
        async with contextlib.AsyncExitStack() as stack:
            deployment = served.deployment
            p = await stack.enter_async_context(async_playwright())
            browser = await p.chromium.launch(executable_path=srv.chromium_path(), args=srv.CHROMIUM_ARGS)
            stack.push_async_callback(browser.close)
            warm_started = time.perf_counter()
            for url in served.warm_urls:  # every replica loads its models and TensorFlow before the sessions come
                context, page = await new_session(browser, tally, "warm-up")
                for number, scenario in enumerate(scenarios):
                    await open_scenario(page, srv.Address(url), scenario, first=number == 0)
                await context.close()
            print(f"  warm-up: {replicas} replicas in {time.perf_counter() - warm_started:.0f} s; now {sessions} "
                  f"sessions", flush=True)
            await asyncio.sleep(2.0)
            warm_mb = [srv.tree_rss_bytes(deployment.processes[f"replica-{port}"]["pid"]) / 2**20
                       for port in deployment.ports]

            async def open_and_move(i: int):
                scenario = scenarios[i % len(scenarios)]
                context, page = await new_session(browser, tally, f"s{i + 1}")
                await open_scenario(page, served, scenario, first=True)
                mover = slider_mover(page, scenario.slider_key)
                try:
                    for _ in range(moves):
                        *_, problems = await move_once(page, mover)
                        tally.errors += [f"s{i + 1}: {problem}" for problem in problems]
                except Exception as e:  # noqa: BLE001 - a move not shown counts as an error; the session stays
                    tally.errors.append(f"s{i + 1} {scenario.name}: {type(e).__name__}: {str(e).splitlines()[0]}")
                await asyncio.sleep(0.5)  # the URL written by the last run reaches the address bar
                state = (page.url, await page.evaluate(SLIDER_VALUE_JS, scenario.slider_key))
                return {"who": f"s{i + 1}", "scenario": scenario.name, "key": scenario.slider_key, "page": page,
                        "state": state, "replica": replica_of(deployment, await context.cookies()),
                        "session": await page.evaluate("() => window.__ll.sessionId"),
                        "since": await page.evaluate(srv.RUNS_FINISHED_JS)}
            opened = await asyncio.gather(*(open_and_move(i) for i in range(sessions)))
            per_replica = {port: sum(o["replica"] == port for o in opened) for port in deployment.ports}
            victim = max(per_replica, key=per_replica.get)
            affected = [o for o in opened if o["replica"] == victim]
            errors_before = len(tally.errors)

            deployment.kill_replica(victim)
            killed = time.time()

            async def comes_back(o: dict) -> dict:
                page = o["page"]
                try:
                    await page.wait_for_function(RECONNECTED_JS, arg=[o["session"], o["since"]], polling=20,
                                                 timeout=give_up_s * 1e3)
                    back = time.time() - killed
                except Exception:  # noqa: BLE001 - not back within give_up_s: lost
                    return {"who": o["who"], "scenario": o["scenario"], "back_s": None, "same_state": False,
                            "problems": ["not back within %.0f s" % give_up_s],
                            "page_then": await page.evaluate(STUCK_JS, [o["session"], o["since"]]),
                            "replica_after": replica_of(deployment, await page.context.cookies())}
                await asyncio.sleep(0.5)
                state = (page.url, await page.evaluate(SLIDER_VALUE_JS, o["key"]))
                problems = await page.evaluate(
                    f"() => [...document.querySelectorAll('{srv.EXCEPTION}, {srv.ERROR_ALERT}')]"
                    ".map(e => e.innerText.trim().slice(0, 300))")
                if await page.evaluate("() => window.__ll.lost()"):
                    problems.append('"Connection error" shown')
                return {"who": o["who"], "scenario": o["scenario"], "back_s": back, "same_state": state == o["state"],
                        "state_before": o["state"], "state_after": state, "problems": problems,
                        "replica_after": replica_of(deployment, await page.context.cookies())}
            results = await asyncio.gather(*(comes_back(o) for o in affected))
            others_kept = [await o["page"].evaluate("() => window.__ll.sessionId") == o["session"]
                           and not await o["page"].evaluate("() => window.__ll.lost()")
                           for o in opened if o["replica"] != victim]

            # The replica back: once nginx's fail_timeout (5 s) has passed, new browsers reach it again.
            deployment.start_replica(victim)
            await asyncio.sleep(6)
            newcomers = []
            for number in range(2 * replicas):  # each opens Home, whose WebSocket's answer names its replica
                context, page = await new_session(browser, tally, f"new{number + 1}")
                await page.goto(served.url + "/")
                await settle(page, 0)
                newcomers.append(replica_of(deployment, await context.cookies()))
                await context.close()
            for o in opened:
                await o["page"].context.close()
            if any(r["back_s"] is None for r in results):  # nginx's account of the requests, for a look afterwards
                kept = Path(tempfile.gettempdir()) / "latent-lab-failover-access.log"
                shutil.copyfile(deployment.run_dir / "nginx-access.log", kept)
                print(f"  a page was not back: nginx's access log kept in {kept}", flush=True)

    backs = [r["back_s"] for r in results if r["back_s"] is not None]
    lost = [r for r in results if r["back_s"] is None or not r["same_state"] or r["problems"]]
    return {"replicas": replicas, "sessions": sessions, "moves": moves, "give_up_s": give_up_s,
            "replica_warm_mb": warm_mb,
            "sessions_per_replica": {str(k): v for k, v in per_replica.items()}, "killed": victim,
            "affected": len(affected), "back_p50_s": float(np.percentile(backs, 50)) if backs else None,
            "back_p95_s": float(np.percentile(backs, 95)) if backs else None, "back_max_s": max(backs, default=None),
            "lost": len(lost), "others_kept_session": f"{sum(others_kept)} of {len(others_kept)}",
            "errors_before_kill": errors_before, "error_samples": tally.errors[:10],
            "newcomers_on_restarted": f"{newcomers.count(victim)} of {len(newcomers)}",
            "sessions_back": [{k: v for k, v in r.items()} for r in results]}


def failover_rows(s: dict) -> list[dict]:
    def verdict(ok):
        return "yes" if ok else "NO"
    return [
        {"measure": "replicas / sessions / sessions on the killed replica",
         "value": f"{s['replicas']} / {s['sessions']} / {s['affected']}", "goal": "", "meets_goal": ""},
        {"measure": "resident memory of each replica, warm (MB)",
         "value": " / ".join(f"{mb:,.0f}" for mb in s["replica_warm_mb"]), "goal": "", "meets_goal": ""},
        {"measure": "page gone, kill to same state on screen: p50 / max (s)",
         "value": " / ".join("-" if v is None else f"{v:.1f}" for v in (s["back_p50_s"], s["back_max_s"])),
         "goal": "", "meets_goal": ""},
        {"measure": "page gone, p95 (s)", "value": s["back_p95_s"], "goal": f"<= {FAILOVER_GOALS['back_p95_s']:.0f}",
         "meets_goal": verdict(s["back_p95_s"] is not None and s["back_p95_s"] <= FAILOVER_GOALS["back_p95_s"])},
        {"measure": "sessions lost (not back, another state, or an error shown)", "value": s["lost"], "goal": "0",
         "meets_goal": verdict(s["lost"] == 0 and s["affected"] > 0)},
        {"measure": "other sessions kept their session", "value": s["others_kept_session"], "goal": "all",
         "meets_goal": verdict(s["others_kept_session"].split(" of ")[0] == s["others_kept_session"].split(" of ")[1])},
        {"measure": "new browsers on the restarted replica", "value": s["newcomers_on_restarted"], "goal": "> 0",
         "meets_goal": verdict(not s["newcomers_on_restarted"].startswith("0 "))},
        {"measure": "errors before the kill", "value": s["errors_before_kill"], "goal": "0",
         "meets_goal": verdict(s["errors_before_kill"] == 0)},
        {"measure": "machine speed: report.reference_ms before / after (ms, lower is faster)",
         "value": " / ".join(f"{v:.0f}" for v in s["reference_ms"]), "goal": "", "meets_goal": ""},
    ]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.split("\n")[0])
    p.add_argument("--replicas", type=count, default=3, help="Streamlit replicas behind nginx (default 3)")
    p.add_argument("--sessions", type=count, default=None,
                   help="sessions through nginx (default 30; --failover: 9)")
    p.add_argument("--direct-sessions", type=count, default=10,
                   help="sessions straight to one replica, for comparison (default 10)")
    p.add_argument("--moves", type=count, default=None, help="moves per page per session (default 10; --failover: 2)")
    p.add_argument("--think", type=float, default=1.0, help="seconds between moves, jittered ±50%% (default 1.0)")
    p.add_argument("--idle-browsers", action="store_true",
                   help="run the measuring browsers under SCHED_IDLE, standing in for the viewers' own laptops: the "
                        "replicas get this machine's cores first (bench.load's option of that name)")
    p.add_argument("--failover", action="store_true", help="kill the replica serving most sessions instead")
    p.add_argument("--give-up", type=float, default=60.0, help="--failover: seconds before a page counts as lost")
    json_argument(p, None, "bench/results/replicas.json (--failover: replicas_failover.json)")
    a = p.parse_args(argv)
    if a.json is None:
        a.json = result_path("replicas_failover" if a.failover else "replicas")
    out = json_target(p, a)
    srv.exit_without_browser("replicas")
    if deploy.nginx_binary() is None:
        p.exit(1, "cannot run the replicas benchmark: nginx is not installed (sudo apt-get install -y nginx)\n")
    if a.failover:
        s = with_machine_speed(lambda: asyncio.run(failover(a.replicas, a.sessions or 9, a.moves or 2, a.give_up,
                                                            180.0)))
        rows = failover_rows(s)
        print(f"\n{a.replicas} replicas behind nginx, {s['sessions']} sessions, replica 127.0.0.1:{s['killed']} "
              f"killed\n")
        print_table(rows, ["measure", "value", "goal", "meets_goal"])
        print()
        print_table(s["sessions_back"], ["who", "scenario", "back_s", "same_state", "replica_after"])
        if s["error_samples"]:
            print("\nerrors:\n  " + "\n  ".join(s["error_samples"]))
        write_json(out, rows, p.prog, argv, reference_ms=s["reference_ms"], summary=s)
        return
    sessions, moves = a.sessions or 30, a.moves or 10
    summaries = with_machine_speed(lambda: compare(a.replicas, sessions, a.direct_sessions, moves, a.think,
                                                                 a.idle_browsers))
    speed = summaries.pop("reference_ms")
    rows = [load_row(f"nginx, {a.replicas} replicas", a.replicas, summaries["through_nginx"]),
            load_row("one replica, straight", 1, summaries["straight"])]
    print(f"\n{moves} moves per page, think {a.think:g} s; the measuring browsers share the machine's "
          f"{summaries['straight']['cpu_cores']} cores with the servers"
          f"{' (browsers idle: the servers go first)' if a.idle_browsers else ''}\n")
    print_table(rows, list(rows[0]))
    print(f"\nmachine speed: report.reference_ms before / after: {' / '.join(f'{v:.0f}' for v in speed)} ms")
    for target, s in summaries.items():
        if s["error_samples"]:
            print(f"\nerrors ({target}):\n  " + "\n  ".join(s["error_samples"]))
    write_json(out, rows, p.prog, argv, reference_ms=speed, goals={"errors": GOALS["errors"],
               "server_p95_ms": GOALS["server_p95_ms"]}, summary=summaries)


if __name__ == "__main__":
    main()
