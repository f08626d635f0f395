"""The background warm-up Home starts: once per server process, never when turned off, and it leaves every page's
opening model (and the judges) in the cache the pages read, so the first model page does not wait for TensorFlow."""
from __future__ import annotations

import sys
import threading
import time

import pytest

from conftest import HOME, ROOT, open_page

sys.path.insert(0, str(ROOT / "dashboard"))
import ui  # noqa: E402
import warmup  # noqa: E402


@pytest.fixture
def fresh_warmup(monkeypatch):
    """warmup with its once-per-process lock new and warm() replaced by a counter; the warm-up turned on."""
    calls = []
    monkeypatch.setattr(warmup, "_started", threading.Lock())
    monkeypatch.setattr(warmup, "warm", lambda: calls.append(threading.current_thread().name))
    monkeypatch.setenv(warmup.WARMUP_ENV, "1")
    return calls


def wait_for(calls, n, timeout=10.0):
    end = time.monotonic() + timeout
    while len(calls) < n and time.monotonic() < end:
        time.sleep(0.01)
    return calls


def test_home_starts_the_warm_up_once_per_process_in_a_thread_of_its_own(fresh_warmup):
    for _ in range(3):
        at = open_page(HOME)
        assert not at.exception
    assert wait_for(fresh_warmup, 1) == ["latent-lab-warmup"]
    time.sleep(0.1)
    assert len(fresh_warmup) == 1, "a second visit to Home started another warm-up"


def test_the_warm_up_can_be_turned_off(fresh_warmup, monkeypatch):
    monkeypatch.setenv(warmup.WARMUP_ENV, "0")
    assert warmup.start() is False
    open_page(HOME)
    time.sleep(0.1)
    assert fresh_warmup == []


def test_opening_models_are_every_pages_showcase_once():
    models = warmup.opening_models()
    assert len(models) == len(set(models))
    assert set(models) == {page.showcase for page in ui.PAGES.values()}


def test_warm_fills_the_cache_the_pages_read(shipped_pretrained):
    ui._load_model.clear()
    loaded = warmup.warm()
    assert loaded == warmup.opening_models()
    for model_id in loaded:  # now a cache hit: the very object the warm-up loaded
        assert ui.try_load_model(model_id)[0] is ui.try_load_model(model_id)[0]


def test_warm_leaves_a_model_that_cannot_load_to_its_page(monkeypatch, tmp_path):
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(tmp_path))  # an empty folder: nothing loads, nothing raises
    ui._load_model.clear()
    assert warmup.warm() == []
