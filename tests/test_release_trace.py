"""bench.release_trace's reading of a Chrome trace: the renderer's main thread, each release's window from its
pointerup to its exact picture, and the time spent there by kind (a synthetic trace: no browser)."""
import pytest

from bench.release_trace import main_thread, spent, windows

MAIN, OTHER = (1, 10), (1, 11)


def event(name, ts, dur=0, where=MAIN, ph="X", **data):
    return {"name": name, "ph": ph, "pid": where[0], "tid": where[1], "ts": ts, "dur": dur,
            "args": {"data": data} if data else {}}


TRACE = [
    {"name": "thread_name", "ph": "M", "pid": 1, "tid": 10, "args": {"name": "CrRendererMain"}},
    {"name": "thread_name", "ph": "M", "pid": 1, "tid": 11, "args": {"name": "Compositor"}},
    event("EventDispatch", 500, 100, type="pointerup"),        # a drag's own release, before the timed ones
    event("EventDispatch", 1_000, 100, type="pointerup"),
    event("RunTask", 2_000, 30_000), event("MessagePort::Accept", 2_000, 20_000), event("FunctionCall", 3_000, 9_000),
    event("Layout", 25_000, 4_000), event("FunctionCall", 29_000, 2_000),
    event("RunTask", 50_000, 10_000, where=OTHER),              # another thread: not counted
    event("RunTask", 200_000, 50_000),                           # after the picture: not counted
    event("EventDispatch", 300_000, 100, type="pointerup"),
    event("RunTask", 310_000, 10_000), event("Paint", 312_000, 2_000), event("Commit", 315_000, 1_000),
]


def test_each_release_is_read_from_its_pointerup_to_its_picture_on_the_main_thread_only():
    main = main_thread(TRACE)
    assert main == {MAIN}
    spans = windows(TRACE, main, [[100.0, 80.0], [50.0, None]])  # the last two pointerups: the timed releases
    assert spans == [(1_000, 101_000), (300_000, 350_000)]
    per = spent(TRACE, main, spans)
    assert per["main thread busy"] == pytest.approx((30 + 10) / 2)
    assert per["React (Streamlit's scheduler)"] == pytest.approx(20 / 2)
    assert per["style and layout"] == pytest.approx(4 / 2)
    assert per["paint and compositing"] == pytest.approx((2 + 1) / 2)
    assert per["other script"] == pytest.approx((0.1 + 2 + 0.1) / 2)  # React's own script is React's
