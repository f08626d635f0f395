"""dashboard/slider_sprites.py: live sliders' sprites built off the run, into a folder the browser reads through its
index; a newer ask of the same slider replaces one not yet started, the folder holds at most KEEP sprites, a build
that fails is said once and not tried again, and a build waits for a quiet moment but never longer than DEFER_S."""
from __future__ import annotations

import json
import sys
import threading
import time

import numpy as np
import pytest

from conftest import ROOT
from core.atlas import decode_sheet
from core.slider_frames import Layout, Track, picture

sys.path.insert(0, str(ROOT / "dashboard"))
import slider_sprites  # noqa: E402


def grey_frames(values: np.ndarray) -> np.ndarray:
    return np.stack([np.full((4, 6), 40 + 100 * v, np.uint8) for v in values])


def build(shift: float = 0.0, log: list | None = None):
    track = Track(-1.0, 1.0, 0.1)
    stops = track.frame_stops(33)

    def made():
        if log is not None:
            log.append((shift, time.monotonic()))
        return slider_sprites.build_sheet(track.value(stops) + shift, stops, grey_frames)
    return made


def index(sprites: slider_sprites.Sprites) -> dict:
    return json.loads((sprites.folder / slider_sprites.INDEX).read_text())["ready"]


@pytest.fixture
def quick(tmp_path):
    return slider_sprites.Sprites(tmp_path, keep=3, quiet_s=0.01, defer_s=0.05)


def test_a_sprite_is_built_into_the_folder_listed_in_its_index_with_its_layout(quick):
    assert index(quick) == {}  # the index is there before any sprite: the browser's first read finds it
    name = quick.ask(("session", "x"), "x@abc", build())
    built = quick.wait(name, 10)
    assert index(quick) == {name: built["file"]} and (quick.folder / built["file"]).read_bytes() == built["data"]
    meta = json.loads((quick.folder / f"{name}.json").read_text())
    assert meta == built["meta"] and meta["bytes"] == len(built["data"]) and meta["stops"] == list(range(21))
    layout = Layout(**{"frames": meta["layout"]["frames"], "per_frame": meta["layout"]["per_frame"],
                       "height": meta["layout"]["h"], "width": meta["layout"]["w"], "cols": meta["layout"]["cols"]})
    pixels = decode_sheet(built["data"])
    for k, value in enumerate(np.round(np.arange(-1.0, 1.01, 0.1), 1)):
        assert (picture(pixels, layout, k, 0) == np.uint8(40 + 100 * value)).all()
    assert quick.ask(("another", "x"), "x@abc", build()) == name and quick.file(name) == built["file"]  # not again
    assert slider_sprites.sprite_name("x@abc") == name and name.isalnum()


def test_a_newer_ask_of_the_same_slider_replaces_one_not_yet_started(tmp_path):
    log = []
    slow = slider_sprites.Sprites(tmp_path, quiet_s=0.3, defer_s=5.0)
    first = slow.ask(("s", "x"), "x@1", build(0.0, log))
    second = slow.ask(("s", "x"), "x@2", build(0.1, log))
    other = slow.ask(("t", "x"), "x@3", build(0.2, log))  # another session's slider: its own slot
    slow.wait(second, 10)
    slow.wait(other, 10)
    assert [shift for shift, _ in log] == [0.1, 0.2] and slow.file(first) is None


def test_the_folder_keeps_the_newest_sprites_only(quick):
    names = [quick.ask(("s", k), f"k{k}", build(k / 10)) for k in range(5)]
    for name in names:
        quick.wait(name, 10)
    assert set(index(quick)) == set(names[-3:])
    kept = {p.name for p in quick.folder.iterdir()}
    assert kept == {slider_sprites.INDEX} | {f"{n}.png" for n in names[-3:]} | {f"{n}.json" for n in names[-3:]}


def test_a_build_that_fails_is_said_once_and_not_tried_again(quick, caplog):
    calls = []

    def broken():
        calls.append(1)
        raise ValueError("the decoder gave NaN")
    name = quick.ask(("s", "x"), "x@bad", broken)
    with pytest.raises(RuntimeError, match="gave NaN"):
        quick.wait(name, 10)
    assert quick.ask(("s", "x"), "x@bad", broken) == name
    time.sleep(0.2)
    assert len(calls) == 1 and name not in index(quick)
    assert "could not be built" in caplog.text


def test_a_build_waits_for_a_quiet_moment_but_not_longer_than_its_deferral(tmp_path):
    log = []
    waiting = slider_sprites.Sprites(tmp_path, quiet_s=0.25, defer_s=0.6)
    start = time.monotonic()
    first = waiting.ask(("s", "a"), "a@1", build(0.0, log))
    stop = threading.Event()

    def busy():  # other sliders asked for every 50 ms: the server is never quiet for 0.25 s
        k = 0
        while not stop.is_set():
            k += 1
            waiting.ask(("busy", k % 2), f"busy@{k}", build(1.0))
            time.sleep(0.05)
    threading.Thread(target=busy, daemon=True).start()
    try:
        waiting.wait(first, 10)
    finally:
        stop.set()
    began = log[0][1] - start
    assert 0.55 <= began <= 2.0, began  # after its deferral, though the server was never quiet
    (tmp_path / "quiet").mkdir()
    quiet = slider_sprites.Sprites(tmp_path / "quiet", quiet_s=0.25, defer_s=5.0)
    start, log = time.monotonic(), []
    quiet.wait(quiet.ask(("s", "a"), "a@2", build(0.0, log)), 10)
    assert 0.2 <= log[0][1] - start <= 2.0  # a quiet server builds it once quiet for 0.25 s
