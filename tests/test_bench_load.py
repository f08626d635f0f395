"""bench.load's scenarios (bench/load_scenarios.py) fit the pages they drive, through Streamlit's AppTest with the
shipped models (no browser).

A session of the bench opens its first page by the scenario's URL and then keeps that link's model choice on every
other page (ui.pick_model). A first link that changes what another page shows, so that the control the bench moves
there is missing, makes each later wait of that session run out (load_scenarios.TIMEOUT_MS each) instead of
measuring: so whichever scenario opens a session, every scenario's page must then hold its control. The tour's walk
turns at its last step, which load_scenarios.TOUR_STEPS names. The browser side (the sidebar, the walk, what a move
changes on screen) is the bench's own trial run: `python -m bench.load --sessions 2 --moves 4 --no-json`.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from bench import load_scenarios
from bench.server import discover_pages
from conftest import assert_clean, go_to, live_sliders, open_page, shipped_model_present

MODELS = ("mnist-ae-2d", "mnist-vae-2d", "mnist-vae-16d", "mnist-cvae", "mnist-dcgan", "celeba-vae", "mnist-judge")
needs_models = pytest.mark.skipif(not all(shipped_model_present(m) for m in MODELS),
                                  reason="the bench's pages need the shipped models: " + ", ".join(MODELS))

PAGE_FILE = {page.url_path: page.file for page in discover_pages()}
CHART = "vega_lite_chart"  # what AppTest calls a Vega-Lite chart: the dot clicker's


def missing_controls(at, scenario: load_scenarios.Scenario) -> list[str]:
    """What the bench would wait for on this page in vain: its slider (a key prefix, as SLIDER_START_JS matches it;
    Streamlit's or a live slider, whose range input it finds the same way), the live slider it drags (a prefix),
    its buttons (exact keys), the number input it steps (an exact key), or, for a dot click, a chart."""
    sliders, buttons = {s.key for s in at.slider if s.key} | set(live_sliders(at)), {b.key for b in at.button if b.key}
    missing = [f"button {key}" for key in (scenario.button_key, *(scenario.walk or ())) if key and key not in buttons]
    if scenario.slider_key and not any(key.startswith(scenario.slider_key) for key in sliders):
        missing.append(f"slider {scenario.slider_key}")
    if scenario.drag_key and not any(key.startswith(scenario.drag_key) for key in live_sliders(at)):
        missing.append(f"live slider {scenario.drag_key}")
    if scenario.step_key and scenario.step_key not in {n.key for n in at.number_input}:
        missing.append(f"number input {scenario.step_key}")
    if not (scenario.slider_key or scenario.walk or scenario.step_key or at.get(CHART)):
        missing.append("a chart to click")
    return missing


def test_every_scenario_is_a_page_of_the_dashboard():
    assert {s.url_path for s in load_scenarios.SCENARIOS} <= set(PAGE_FILE)
    assert set(PAGE_FILE) - {""} == {s.url_path for s in load_scenarios.available_scenarios()}, \
        "a page the bench leaves out"


@needs_models
@pytest.mark.parametrize("first", load_scenarios.SCENARIOS, ids=lambda s: s.url_path)
def test_after_any_first_link_every_page_holds_the_control_the_bench_moves(first):
    at = open_page(PAGE_FILE[first.url_path], **dict(parse_qsl(first.query)))
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]  # the link's parameters are all used
    assert not missing_controls(at, first)
    for other in load_scenarios.SCENARIOS:
        if other is not first:
            go_to(at, PAGE_FILE[other.url_path])
            assert_clean(at)
            assert not missing_controls(at, other), f"{other.name} after a session opened by {first.name}'s link"


@needs_models
def test_the_tours_last_step_is_the_one_bench_load_turns_at():
    tour = next(s for s in load_scenarios.SCENARIOS if s.url_path == "Tour")
    at = open_page(PAGE_FILE["Tour"], step=str(load_scenarios.TOUR_STEPS))
    assert not at.warning, [w.value for w in at.warning]  # a step the tour has
    assert at.button(key=tour.walk[0]).disabled and not at.button(key=tour.walk[1]).disabled


def test_idle_tree_puts_a_process_and_what_it_starts_below_everything_else():
    """--idle-browsers puts the Playwright driver's tree under SCHED_IDLE, not the bench, so a later server starts at
    the bench's own priority: the tree's processes are set, the caller is not, and a child started afterwards
    inherits the policy."""
    import os
    import subprocess
    import sys
    import time

    from bench.server import children, idle_tree
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                               "subprocess.Popen(['sleep', '30']); time.sleep(1.0); "
                               "subprocess.Popen(['sleep', '31']); time.sleep(30)"])
    try:
        deadline = time.time() + 10
        while not children(parent.pid) and time.time() < deadline:
            time.sleep(0.02)
        assert len(children(parent.pid)) == 1
        assert idle_tree(parent.pid) >= 2
        deadline = time.time() + 10
        while len(children(parent.pid)) < 2 and time.time() < deadline:
            time.sleep(0.02)
        kids = children(parent.pid)
        assert len(kids) == 2
        assert [os.sched_getscheduler(pid) for pid in (parent.pid, *kids)] == [os.SCHED_IDLE] * 3
        assert os.sched_getscheduler(0) != os.SCHED_IDLE
    finally:
        for pid in children(parent.pid):
            os.kill(pid, 9)
        parent.kill()
        parent.wait()
