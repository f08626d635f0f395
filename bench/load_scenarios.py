"""The load bench's scenarios: the heavy pages a session visits, each page's main control, and the moves made on
it (a slider's arrow-key step, a burst of fast nudges, a button press, a live slider's drag and release, a walk
through the tour's steps, a click on a chart's dot), each returning what the page showed just before its input. `python -m bench.load` runs them."""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from bench import server as srv

TIMEOUT_MS = 120_000  # each wait in the page (a slider drawn, a move's result, a page opened) runs out after this
# Few round trips a move (start, input, result; a click also finds its dot first): the harness's own CPU is
# taken from the same two cores as the server's. The start arms the page's measurement and returns the runs
# finished and what the page shows before the move: its pictures and its title (ll.shown(); a tour step's claim
# is its title, and its first two steps draw only on canvases, which pictures() does not see).
MOVE_START_JS = "() => { const ll = window.__ll, start = [ll.finished, ll.shown()]; ll.arm(); return start; }"
# The slider may not be drawn yet when its page's run has finished (React renders after the message arrives):
# wait for it, as a Playwright locator would; a live slider's markup comes before its script has run (it is
# fetched: served_components.py), and a key pressed before then moves nothing: wait for the script too.
SLIDER_START_JS = """async ([key, timeout]) => {
  const ll = window.__ll, find = () => { const t = document.querySelector(`[class*="st-key-${key}"] input[type="range"]`);
    const live = t && t.closest('.ls'); return t && (!live || live.__ls) ? t : null; };
  for (const t0 = performance.now(); !find(); await new Promise(wake => setTimeout(wake, 10)))
    if (performance.now() - t0 > timeout) throw new Error(`no slider "${key}" within ${timeout} ms`);
  const thumb = find(), start = [ll.finished, ll.shown()];
  thumb.focus(); ll.arm(); return [...start, Number(thumb.value) >= Number(thumb.max)]; }"""


@dataclass
class Scenario:
    """One heavy page: where it is and its main control, a slider (by widget key) or a click on a chart's dot,
    and a button pressed every other move where the page has one its users press as often; or, for a page of
    steps, its forward and back buttons (`walk`)."""
    name: str
    url_path: str
    query: str                 # the URL's parameters when it is the first page a session visits ("" for none)
    slider_key: str | None     # widget key, or key prefix ("style_z" matches style_z3); None: click a dot
    button_key: str | None = None  # a button's widget key: moves alternate, the slider's first, then a press
    walk: tuple[str, str] | None = None  # (forward, back) buttons' keys, pressed instead of a slider or a dot
    drag_key: str | None = None  # a live slider (key prefix) dragged and let go, in turn with the other moves
    step_key: str | None = None  # a number input (widget key) stepped up by its "+" button, where no slider is
    warm_moves: int = 2        # the warm-up session's moves here: enough to fill the caches the sessions' moves use


# The tour's steps (dashboard/tour_story.py STEPS; tests/test_bench_load.py checks the number): its warm-up walks to the
# last and back, so no session's move is the first of a step on this server.
TOUR_STEPS = 8
FLOOR = Scenario("Floor: a slider and one picture", "", "", "step")  # bench/floor_app.py, with --floor
SCENARIOS = [
    # Opened by a link to step 5, or through the sidebar on the session's own step (1 at first): either way the
    # sessions' walks together cover every step. The tour opened by its URL collapses the sidebar (open_scenario).
    Scenario("Tour (Next / Previous)", "Tour", "step=5", None, walk=("tour_next", "tour_previous"),
             warm_moves=2 * (TOUR_STEPS - 1)),
    Scenario("Decoded grid", "Decoded_grid", "model=mnist-vae-2d", "grid_size"),
    Scenario("Latent scatter (click a dot)", "Latent_scatter", "model=mnist-vae-2d", None),
    Scenario("Digits by label", "Digits_by_label", "model=mnist-cvae", "style_z", drag_key="style_z"),
    Scenario("Latent arithmetic", "Latent_arithmetic", "model=mnist-vae-16d", "arith_steps", drag_key="arith_t"),
    # No ?model=: a link naming the face VAE makes it the session's model (ui.pick_model), which the Decoded grid and
    # Latent scatter then show, with controls other than the ones moved here (the face grid has no "grid_size"
    # slider: each later wait of the session ran out). The page opens on the face VAE anyway, its only model.
    Scenario("Face editing", "Face_editing", "", "face_s_Smiling_celeba-vae", drag_key="face_s_Eyeglasses_celeba-vae"),
    Scenario("GAN samples", "GAN_samples", "model=mnist-dcgan", "gan_psi", "gan_new", drag_key="gan_walk_t"),
    # Its sliders redraw canvases the bench does not read (temperature) or need a digit (rows kept): the faces'
    # seed, whose samples are pictures, is its move.
    Scenario("Pixel by pixel (faces' seed)", "Pixel_by_pixel", "", None, step_key="px_face_seed"),
]


def available_scenarios() -> list[Scenario]:
    present = {p.url_path for p in srv.discover_pages()}
    return [s for s in SCENARIOS if s.url_path in present]


def slider_mover(page, key: str):
    """A move: one arrow-key step of the slider, up the scale and back down from its top; returns the runs
    finished and the pictures shown just before the key press."""
    async def move():
        since, before, at_top = await page.evaluate(SLIDER_START_JS, [key, TIMEOUT_MS])
        await page.keyboard.press("ArrowLeft" if at_top else "ArrowRight")
        return since, before
    return move


DRAG = "live drag"  # a drag's moves are reported apart: "<page>: live drag"
# The live slider (dashboard/live_slider.py) whose key starts with `key`, once drawn, scrolled into view: its key, its
# rail's rectangle and its thumb's x.
DRAG_START_JS = """async ([key, timeout]) => {
  const find = () => Object.keys(window.latentLabSliders || {}).find(k => k.startsWith(key)
    && (document.querySelector(`[class*="st-key-${k}_live"] .ls`) || {}).__ls);
  for (const t0 = performance.now(); !find(); await new Promise(wake => setTimeout(wake, 10)))
    if (performance.now() - t0 > timeout) throw new Error(`no live slider "${key}" within ${timeout} ms`);
  const k = find(), c = window.latentLabSliders[k];
  document.querySelector(`[class*="st-key-${k}_live"]`).scrollIntoView({block: 'center', behavior: 'instant'});
  return [...c.rail_rect(), c.x_of(c.value())]; }"""
DRAG_STEPS, DRAG_SHARE = 6, 0.15  # pointer moves a drag, and how far along the track it goes (towards the middle)


def drag_mover(page, key: str):
    """A move: press a live slider's thumb, drag it DRAG_SHARE of its track towards the middle in DRAG_STEPS moves
    (the picture drawn from its frames meanwhile) and let go; timed from the release, as the page then asks for the
    exact picture. Returns the runs finished and the pictures shown just before the release."""
    async def move():
        left, top, width, height, x = await page.evaluate(DRAG_START_JS, [key, TIMEOUT_MS])
        y, to = top + height / 2, x + (-1 if x > left + width / 2 else 1) * DRAG_SHARE * width
        await page.mouse.move(x, y)
        await page.mouse.down()
        for step in range(1, DRAG_STEPS + 1):
            await page.mouse.move(x + (to - x) * step / DRAG_STEPS, y)
        start = await page.evaluate(MOVE_START_JS)  # armed: the release (pointerup) is the input
        await page.mouse.up()
        return start
    return move


# A fast hand on the keyboard (or a held arrow key): BURST_BACK + BURST_ON presses BURST_GAP_S apart, three back and
# four on; the move ends when the run after the last key is on screen. Streamlit lost the session on such bursts
# while its message cache was on (.streamlit/config.toml), as a console error and a wait that never ends: both count
# as errors here.
BURST_BACK, BURST_ON, BURST_GAP_S = 3, 4, 0.04
NUDGES = "fast nudges"


def nudges_mover(page, key: str):
    """A move: a burst of arrow keys on the slider, BURST_BACK one way and BURST_ON the other (away from the end
    it is at); returns the runs finished at the last key press and the pictures shown before the first."""
    async def move():
        _, before, at_top = await page.evaluate(SLIDER_START_JS, [key, TIMEOUT_MS])
        on, back = ("ArrowLeft", "ArrowRight") if at_top else ("ArrowRight", "ArrowLeft")
        for k in [back] * BURST_BACK + [on] * BURST_ON:
            await page.keyboard.press(k)
            await asyncio.sleep(BURST_GAP_S)
        return await page.evaluate("() => window.__ll.finishedAtInput"), before
    move.burst = True
    return move


def button(page, key: str):
    """The button with this widget key. Streamlit 1.67 draws a button that has a tooltip twice, once hidden: the
    visible one."""
    return page.locator(f".st-key-{key} button:visible").first


async def press(page, target):
    """Click the button `target`, scrolled into view first (before the measurement's input: the press)."""
    await target.wait_for()
    await target.scroll_into_view_if_needed()
    start = await page.evaluate(MOVE_START_JS)
    await target.click()
    return start


def button_presser(page, key: str):
    """A move: a click on the button with this widget key."""
    return lambda: press(page, button(page, key))


def stepper(page, key: str):
    """A move: a click on the "+" of the number input with this widget key."""
    return lambda: press(page, page.locator(f".st-key-{key} [data-testid='stNumberInputStepUp']").first)


def walker(page, forward: str, back: str):
    """A move: a press of the `forward` button until it is disabled (the last step), then of `back` until that is,
    and so on: a presenter walking through the steps and back, never pressing a disabled button (a click on one
    would wait for it until the timeout). A new walker, on a return to the page, sets off forward again."""
    buttons, going = [button(page, forward), button(page, back)], [0]

    async def move():
        await buttons[going[0]].wait_for()
        if await buttons[going[0]].is_disabled():
            going[0] = 1 - going[0]
        return await press(page, buttons[going[0]])
    return move


def in_turn(*movers):
    """A move: each of `movers` in turn, the first one first."""
    made = [0]

    async def move():
        made[0] += 1
        return await movers[(made[0] - 1) % len(movers)]()
    return move


def dot_clicker(page, rng: random.Random):
    """A move: a click on a dot of the page's chart, picked at random (seeded per session) among those in the
    window, a few pixels away from the last one clicked (the chart picks the dot nearest the click: a new one)."""
    chart = page.locator(f"{srv.MAIN} {srv.VEGA_CHART} canvas").first  # the chart's code loads late
    last = {"x": -1e9, "y": -1e9, "points": 0}

    async def move():
        if not last["points"]:
            await chart.wait_for()
            last["points"] = (await page.evaluate(srv.CHART_DOT_JS, 0))["points"]
        for _ in range(1000):
            where = await page.evaluate(srv.CHART_DOT_JS, rng.randrange(last["points"]))
            if where["visible"] and abs(where["x"] - last["x"]) + abs(where["y"] - last["y"]) > 4:
                break
        else:
            raise RuntimeError("no dot of the chart lies inside the window")
        start = await page.evaluate(MOVE_START_JS)
        # Point first, then click: a click arriving with the pointer can land on the last dot's tooltip.
        await page.mouse.move(where["x"], where["y"])
        await page.mouse.click(where["x"], where["y"])
        last.update(where)
        return start
    return move
