"""dashboard/ahead.py: work drawn ahead of the hand, computed once in the background, kept within bounds, and a
failure left for the caller to meet."""
from __future__ import annotations

import sys
import threading

from conftest import ROOT

sys.path.insert(0, str(ROOT / "dashboard"))
from ahead import Ahead  # noqa: E402


def test_a_result_started_ahead_is_computed_once_and_handed_over():
    calls = []
    store = Ahead()
    store.start("k", lambda x: calls.append(x) or x * 2, 21)
    store.start("k", lambda x: calls.append(x) or x * 3, 21)  # kept already: not started again
    assert store.get("k") == 42 and store.get("k") == 42
    assert calls == [21]
    assert store.get("never started") is None


def test_only_the_newest_are_kept_and_a_dropped_job_never_runs():
    gate, ran = threading.Event(), []
    store = Ahead(keep=2)

    def job(k):
        ran.append(k)
        return k

    store.start("slow", gate.wait)  # holds the one worker until the gate opens
    for k in range(3):
        store.start(k, job, k)
    gate.set()
    assert store.get(1) == 1 and store.get(2) == 2
    assert ran == [1, 2]  # job 0, dropped before it started, never ran
    assert store.get("slow") is None and store.get(0) is None  # the oldest two of four: dropped


def test_a_failure_is_left_to_the_caller_and_forgotten():
    store = Ahead()

    def broken():
        raise OSError("damaged weights")

    store.start("k", broken)
    assert store.get("k") is None
    store.start("k", lambda: "drawn")  # forgotten, so it can be started again
    assert store.get("k") == "drawn"
