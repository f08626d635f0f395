"""The load bench's report: its goals, the table of on-screen and server latency per scenario, the summaries of
repeated runs pooled into one, and the rows that judge a run against the goals."""
from __future__ import annotations

import numpy as np

from bench.load_scenarios import BURST_BACK, BURST_GAP_S, BURST_ON, NUDGES

# The brief's load goals. At 10 sessions: no errors, at most 30 MB a session, the server's own turnaround p95 and
# its CPU per move. On screen (input to new picture, the measuring browsers sharing the server's 2 cores): p95 at
# 5 sessions; real viewers' browsers run on their own machines.
GOALS = {"sessions": 10, "errors": 0, "server_p95_ms": 500.0, "mb_per_session": 30.0,
         "server_cpu_ms_per_move": 50.0, "p95_ms": 500.0, "screen_sessions": 5,
         "one_session_page_p95_ms": 150.0}  # every page's on-screen p95 with one session (live sliders' issue)
ALL = "all interactions"
NUDGES_NOTE = (f"A burst of {NUDGES} ends each visit to a slider page: {BURST_BACK + BURST_ON} arrow keys "
               f"{BURST_GAP_S * 1e3:.0f} ms apart ({BURST_BACK} back, {BURST_ON} on), timed from the first key to the "
               f"last one's picture on screen; not in \"{ALL}\", whose p95 the on-screen goal judges.")


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
    pages = [r for r in rows if r["scenario"] != ALL and r.get("goal_p95_ms") is not None and r["p95_ms"] is not None]
    slowest = max(pages, key=lambda r: r["p95_ms"], default=None)
    alone = [] if s["sessions"] != 1 or slowest is None else [
        {"measure": "slowest page's on-screen p95 at one session (ms)",
         "value": f"{slowest['scenario']}: {slowest['p95_ms']:,.0f}",
         "goal": f"<= {GOALS['one_session_page_p95_ms']:.0f} on every page",
         "meets_goal": verdict(slowest["p95_ms"] <= GOALS["one_session_page_p95_ms"])}]
    return [
        {"measure": "concurrent sessions", "value": s["sessions"], "goal": "", "meets_goal": ""},
        {"measure": "errors", "value": s["errors"], "goal": "0", "meets_goal": verdict(s["errors"] == 0)},
        {"measure": "interaction p95, input to new image on screen (ms)"
                    + (f", all {everything['moves']} moves of {s['runs']} runs" if s["runs"] > 1 else ""),
         "value": p95, "goal": f"<= {GOALS['p95_ms']:.0f} at {GOALS['screen_sessions']} sessions",
         "meets_goal": verdict(p95 is not None and p95 <= GOALS["p95_ms"], screen)},
        *alone,
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
