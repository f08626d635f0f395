"""The README's sections of the serving benches (bench.replicas, bench.churn): replicas behind nginx against one
server, a replica lost, and a day of sessions. bench/report.py calls them by result file name."""
from __future__ import annotations

from bench.report_format import ms, table


def goal_table(rows: list[dict]) -> list[str]:
    """A bench's measure / value / goal / met rows (the machine's speed is in the heading already)."""
    cell = (lambda v: ms(v) if isinstance(v, float) else v)
    return table(["measure", "value", "goal", "met"], [[r["measure"].strip(), cell(r["value"]), r["goal"],
                                                         r["meets_goal"]] for r in rows
                                                        if not r["measure"].startswith("machine speed")])


def idle_note(data: dict) -> str:
    """How the run's browsers were lowered, if they were: they then stand in for the viewers' own laptops."""
    idle = data.get("summary", {}).get("through_nginx", {}).get("idle_browsers", False)
    return (", run idle (Linux's SCHED_IDLE) to stand in for the viewers' own laptops: the servers get the cores "
            "first, and on-screen times carry the starved browsers") if idle else ""


def replicas_section(data: dict) -> list[str]:
    rows = [[r["target"], r["sessions"], r["moves"], r["errors"], ms(r["p50_ms"]), ms(r["p95_ms"]),
             ms(r["server_p95_ms"]), r["server_cpu_share"], r["browser_cpu_share"], ms(r["mb_per_replica_warm"]),
             r["meets_goals"]] for r in data["rows"]]
    return ["The same load (bench.load's sessions and moves) through nginx to replicas, then straight to one replica, "
            "in one run; milliseconds from the input to the new picture on screen, and the server's own turnaround. "
            f"The measuring browsers share the machine's cores with the servers{idle_note(data)}. Goals: no errors, "
            "server p95 at most "
            f"{data.get('goals', {}).get('server_p95_ms', 500):g} ms.", "",
            *table(["target", "sessions", "moves", "errors", "p50", "p95", "server p95", "servers' CPU",
                    "browsers' CPU", "MB a replica, warm", "goals met"], rows)]


def failover_section(data: dict) -> list[str]:
    return ["The replica serving most sessions killed mid-demo: each of its pages must come back by itself through "
            "nginx, on another replica, in the same state (URL and slider), with no error shown.", "",
            *goal_table(data["rows"])]


def churn_section(data: dict) -> list[str]:
    s = data.get("summary", {})
    return [f"Sessions that open a page, move its control {s.get('moves', '?')} times and leave, "
            f"{s.get('at_once', '?')} at a time, on one server; memory, file handles and threads compared once "
            "Streamlit has dropped the sessions that left (after its disconnected-session TTL).", "",
            *goal_table(data["rows"])]


SECTIONS = {"replicas_failover": ("Replicas: one lost mid-demo", failover_section),
            "replicas": ("Replicas behind nginx", replicas_section),
            "churn": ("A day of sessions (churn soak)", churn_section)}


def deploy_section(name: str):
    """(title, renderer) of a serving bench's result file (its name, or a name it starts), or None."""
    return next((found for prefix, found in SECTIONS.items() if name.startswith(prefix)), None)
