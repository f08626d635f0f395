"""Work done ahead of the hand: what the next press of a control will ask for, computed in a background thread
while the page is being read, so that the press finds it made.

A PixelCNN draws its samples one pixel at a time (0.3 s for 16 digits on this machine, over the 150 ms a rerun
may take), and the seed's "+" asks for the next seed's: pixel_digits.py starts it here once a seed's samples are on
screen. One worker a process, so that work drawn ahead never takes more than one core from the sessions; the
results kept are bounded (KEEP), the oldest dropped first, and a job not yet started when it is dropped never runs.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Hashable

KEEP = 8


class Ahead:
    """Results by key, each computed once in the background (`start`) and handed to whoever asks (`get`)."""

    def __init__(self, keep: int = KEEP):
        self._keep = keep
        self._jobs: OrderedDict[Hashable, Future] = OrderedDict()
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="latent-lab-ahead")

    def start(self, key: Hashable, fn: Callable, *args) -> None:
        """Compute fn(*args) in the background under `key`, unless it is kept already."""
        with self._lock:
            if key in self._jobs:
                self._jobs.move_to_end(key)
                return
            self._jobs[key] = self._worker.submit(fn, *args)
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)[1].cancel()

    def get(self, key: Hashable):
        """The result under `key` (waiting for it if it is being computed), or None if it was never started, was
        dropped, or failed (the caller then computes it itself, and meets the error there)."""
        with self._lock:
            job = self._jobs.get(key)
        if job is None or job.cancelled():
            return None
        try:
            return job.result()
        except Exception:  # noqa: BLE001 - the caller's own call raises it again, with the page's message
            with self._lock:
                self._jobs.pop(key, None)
            return None
