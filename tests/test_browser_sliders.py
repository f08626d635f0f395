"""Live sliders (dashboard/live_slider.py) in a real browser: the picture redrawn while the thumb is dragged, the
exact picture after it is let go, the keys, and a page whose frames are still building.

Headless Chromium (through tests/test_browser.py's fixtures: the server runs without the data set) drives the
sliders as a hand does, with the mouse and the keyboard. While a style slider of Digits by label is dragged, the
pixels drawn over the digit change, with no rerun, and are the sprite's two frames around the thumb's value, blended
as core/slider_frames.py says; once it is let go the page's digit is the server's exact decode there, which this
test redoes from the shipped model. On GAN samples the walk's scrubber takes the arrow keys, Page Up/Down and
Home/End, each step kept in the URL. With the frames held back (window.latentLabFramesHeld) the slider works as a
plain one: nothing drawn while dragging, the exact digit after. A picture of a drag in progress goes to
screenshots/digits_by_label_dragging.png.

    python -m pytest tests/test_browser_sliders.py -q
"""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from test_browser import Watched, chromium, query, server, srv  # noqa: F401  (chromium and server: fixtures)

pytestmark = pytest.mark.browser

LABEL_URL, GAN_URL = "/Digits_by_label?model=mnist-cvae", "/GAN_samples?model=mnist-dcgan"
FACE_URL = "/Face_editing?model=celeba-vae"
STYLE, WALK = "style_digit", "gan_walk_point"  # the pictures the sliders draw over
SLIDER = "window.latentLabSliders[{key!r}]"
READY_JS = "() => { const all = Object.values(window.latentLabSliders || {}); return all.length && all.every(c => c.ready); }"
SHOWN_JS = """([picture, token]) => { const imgs = [...document.querySelectorAll(`img[data-live="${picture}"]`)];
  return imgs.length > 0 && imgs.every(i => i.complete && (i.dataset.liveAt || '').split(' ').includes(token)); }"""


@pytest.fixture
def tab(chromium, server):  # noqa: F811  (the fixtures imported above)
    watched = Watched(chromium, server)
    yield watched
    watched.close()


@pytest.fixture(scope="module")
def cvae():
    import core
    return core.load_model("mnist-cvae")


def counter(tab: Watched, key: str, what: str):
    return tab.page.evaluate(f"{SLIDER.format(key=key)}.{what}")


def sprite(page, key: str) -> bytes:
    """The sprite the slider draws from, fetched again from the address the page fetched it from."""
    return page.request.get(page.evaluate(f"{SLIDER.format(key=key)}.sprite_src()")).body()


def style_keys(tab: Watched) -> list[str]:
    """The style sliders, top to bottom and left to right."""
    tab.page.wait_for_function("() => Object.keys(window.latentLabSliders || {}).length >= 4")
    return tab.page.evaluate("""() => Object.entries(window.latentLabSliders).filter(([k]) => k.startsWith('style_z'))
      .map(([k, c]) => [c.rail_rect(), k]).sort(([a], [b]) => (a[1] - b[1]) || (a[0] - b[0])).map(([, k]) => k)""")


def picture(tab: Watched, name: str, mode: str = "L") -> tuple[str, np.ndarray]:
    """The page's own picture by its live name: its source and its pixels (grey levels; mode "RGB": colour)."""
    src = tab.page.locator(f'img[data-live="{name}"]').first.get_attribute("src")
    return src, np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert(mode), int)


def wait_exact(tab: Watched, key: str, picture_name: str) -> None:
    """Until the page shows its exact picture of the slider's value (live_slider.mark's token) and draws nothing
    over it."""
    token = f"{key}:{counter(tab, key, 'stop()')}"
    tab.page.wait_for_function(SHOWN_JS, arg=[picture_name, token])
    tab.page.wait_for_function(f"() => !{SLIDER.format(key=key)}.waiting() && {SLIDER.format(key=key)}.overlays() === 0")


def style_decode(cvae, tab: Watched, keys: list[str], label: int = 2) -> np.ndarray:
    """The server's exact digit for the style sliders' values, redone here from the shipped model."""
    from core.images import to_uint8
    z = np.zeros(cvae.latent_dim, np.float32)
    for key in keys:
        z[int(key.split("_")[1][1:]) - 1] = counter(tab, key, "value()")
    return to_uint8(cvae.decode(z[None], label))[0].astype(int)


# The box around the elements a selector finds (a picture's whole figure), 16 px wider each side.
AROUND_JS = """selectors => { const boxes = [...document.querySelectorAll(selectors)]
    .map(e => e.closest('figure') || e).map(e => e.getBoundingClientRect());
  const x = Math.min(...boxes.map(b => b.left)) - 16, y = Math.min(...boxes.map(b => b.top)) - 16;
  return {x, y, width: Math.max(...boxes.map(b => b.right)) + 16 - x,
          height: Math.max(...boxes.map(b => b.bottom)) + 16 - y}; }"""


def screenshot_around(tab: Watched, selectors: str, file_name: str) -> None:
    """A picture of the page around what `selectors` find, into screenshots/."""
    tab.page.screenshot(path=srv.SCREENSHOTS / file_name, clip=tab.page.evaluate(AROUND_JS, selectors))


def test_dragging_redraws_the_digit_from_its_frames_and_letting_go_shows_the_exact_decode(tab, cvae):
    from core.atlas import decode_sheet
    from core.slider_frames import Layout, picture as cell
    tab.open_link(tab.server.url + LABEL_URL)
    tab.page.wait_for_function(READY_JS)
    keys = style_keys(tab)
    key = keys[0]
    tab.page.locator(f'[class*="st-key-{key}_live"]').scroll_into_view_if_needed()
    before_src, before = picture(tab, STYLE)
    meta = counter(tab, key, "meta()")
    layout = Layout(**{"frames": meta["layout"]["frames"], "per_frame": meta["layout"]["per_frame"],
                       "height": meta["layout"]["h"], "width": meta["layout"]["w"], "cols": meta["layout"]["cols"]})
    sheet = decode_sheet(sprite(tab.page, key))
    left, top, width, height = counter(tab, key, "rail_rect()")
    y, runs = top + height / 2, srv.runs_finished(tab.page)
    tab.page.mouse.move(counter(tab, key, "x_of(0)"), y)
    tab.page.mouse.down()
    seen = []
    for u in (0.62, 0.7, 0.77, 0.86):  # to the right of 0, not on the end
        frames = counter(tab, key, "frames")
        tab.page.mouse.move(left + u * width, y)
        tab.page.wait_for_function(f"() => {SLIDER.format(key=key)}.frames > {frames}")
        a, b, w = counter(tab, key, "last")
        value, stop = counter(tab, key, "value()"), counter(tab, key, "stop()")
        # the frames either side of the thumb's stop, and its place between them: core's maths, here
        assert meta["stops"][a] <= stop <= meta["stops"][b] and np.isclose(
            meta["stops"][a] + w * (meta["stops"][b] - meta["stops"][a]), stop)
        drawn = np.asarray(counter(tab, key, "drawn(0)"), int).reshape(28, 28, 4)[..., 0]
        blend = (1 - w) * cell(sheet, layout, a, 0) + w * cell(sheet, layout, b, 0)
        assert np.abs(drawn - blend).max() <= 2, (value, a, b, w)
        assert np.abs(drawn - before).max() > 20, "the drawn digit is the one before the drag"
        seen.append(drawn)
    assert any(np.abs(seen[0] - s).max() > 20 for s in seen[1:]), "the drawn digit did not change along the drag"
    assert srv.runs_finished(tab.page) == runs and picture(tab, STYLE)[0] == before_src  # nothing asked of the server
    screenshot_around(tab, f'[class*="st-key-style_z"][class*="_live"], img[data-live="{STYLE}"], '
                           '[class*="st-key-style_digit"]', "digits_by_label_dragging.png")  # the hand still down
    tab.page.mouse.up()
    wait_exact(tab, key, STYLE)
    tab.assert_clean("after letting a style slider go")
    src, shown = picture(tab, STYLE)
    assert src != before_src
    assert np.abs(shown - style_decode(cvae, tab, keys)).max() <= 1  # the server's decode at the released value
    assert counter(tab, key, "value()") == pytest.approx(round(-3.0 + counter(tab, key, "stop()") * 0.1, 1))
    assert len(counter(tab, key, "exact_ms")) == 1  # the drawn frame gave way once, to that picture
    served = tab.page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)"
                               ".filter(name => name.includes('/_stcore/bidi-components/'))")
    # script and style came as files from the server (dashboard/components/), the shared modules by their imports;
    # the sprite as a file too, from the folder the server builds sprites into (dashboard/slider_sprites.py), found
    # through its index: no run carried it
    assert {name.rsplit("/", 1)[1] for name in served} >= {"live_slider.js", "live_slider.css", "sprite_files.js",
                                                            "atlas_sheets.js"}, served
    address = counter(tab, key, "sprite_src()")
    assert "/_stcore/bidi-components/latent_lab.frames/" in address and address in served
    assert any(name.endswith("/latent_lab.frames/index.json") for name in served)


def test_dragging_a_face_slider_redraws_the_generated_face_and_letting_go_shows_the_exact_edit(tab):
    """Face editing's Eyeglasses slider (a generated face: the server has no data set): while dragged, the face
    drawn over the page's is the sprite's two frames around the thumb, blended, and changes with it; let go, the
    page's face is the measured edit there, redone here from the shipped model. A picture of the drag goes to
    screenshots/face_editing_dragging.png (generated faces only)."""
    import core
    from core.atlas import decode_sheet
    from core.images import to_uint8
    from core.slider_frames import Layout, picture as cell
    vae = core.load_model("celeba-vae")
    key, name = "face_s_Eyeglasses_celeba-vae", "edited_face"
    tab.open_link(tab.server.url + FACE_URL)
    tab.page.wait_for_function(READY_JS)
    tab.page.locator(f'[class*="st-key-{key}_live"]').scroll_into_view_if_needed()
    before = picture(tab, name, "RGB")[1]
    meta = counter(tab, key, "meta()")
    layout = Layout(meta["layout"]["frames"], meta["layout"]["per_frame"], meta["layout"]["h"], meta["layout"]["w"],
                    meta["layout"]["cols"])
    sheet = decode_sheet(sprite(tab.page, key), "RGB").astype(int)
    left, top, width, height = counter(tab, key, "rail_rect()")
    y, runs = top + height / 2, srv.runs_finished(tab.page)
    tab.page.mouse.move(counter(tab, key, "x_of(0)"), y)
    tab.page.mouse.down()
    seen = []
    for u in (0.6, 0.7, 0.8, 0.9):  # Eyeglasses from 0 towards +3
        frames = counter(tab, key, "frames")
        tab.page.mouse.move(left + u * width, y)
        tab.page.wait_for_function(f"() => {SLIDER.format(key=key)}.frames > {frames}")
        a, b, w = counter(tab, key, "last")
        drawn = np.asarray(counter(tab, key, "drawn(0)"), int).reshape(layout.height, layout.width, 4)[..., :3]
        blend = (1 - w) * cell(sheet, layout, a, 0) + w * cell(sheet, layout, b, 0)
        assert np.abs(drawn - blend).max() <= 2, (a, b, w)
        seen.append(drawn)
    assert np.abs(seen[-1] - seen[0]).mean() > 2, "the drawn face did not change along the drag"
    assert srv.runs_finished(tab.page) == runs  # nothing asked of the server while dragging
    screenshot_around(tab, f'[class*="st-key-{key}_live"], img[data-live="{name}"]',
                      "face_editing_dragging.png")  # the hand still down
    tab.page.mouse.up()
    wait_exact(tab, key, name)
    tab.assert_clean("after letting the Eyeglasses slider go")
    value = counter(tab, key, "value()")
    assert value == pytest.approx(round(-3.0 + counter(tab, key, "stop()") * 0.05, 2)) and value > 1
    z = vae.sample_latents(1, seed=vae.card["metrics"]["opening_face"]["seed"], trick=True)[0]  # the opening face
    edited = vae.measured_edit(z, {"Eyeglasses": value}, {"Eyeglasses": vae.default_holds.get("Eyeglasses", [])})
    exact = to_uint8(vae.decode(np.asarray(edited, np.float32)[None]))[0].astype(int)
    shown = picture(tab, name, "RGB")[1]
    assert np.abs(shown - exact).max() <= 1 and np.abs(shown - before).mean() > 2


def test_keys_step_the_walk_scrubber_and_each_step_is_kept_in_the_url(tab):
    """Arrow keys one step (0.01), Page Up/Down a tenth of the range, Home and End its ends; each sent at once."""
    tab.open_link(tab.server.url + GAN_URL)
    key = "gan_walk_t"
    tab.page.wait_for_function(READY_JS)
    thumb = tab.page.locator(f'[class*="st-key-{key}_live"] input[type="range"]')
    thumb.scroll_into_view_if_needed()
    assert thumb.input_value() == "0.5" and query(tab)["walk_t"] == "0.5"
    for press, value in [("End", "1"), ("PageDown", "0.9"), ("ArrowLeft", "0.89"), ("ArrowDown", "0.88"),
                         ("Home", "0"), ("ArrowLeft", "0"), ("PageUp", "0.1"), ("ArrowRight", "0.11"),
                         ("ArrowUp", "0.12")]:
        thumb.focus()
        tab.page.keyboard.press(press)
        assert thumb.input_value() == value, press
        wait_exact(tab, key, WALK)
        tab.wait(0)
        assert query(tab)["walk_t"] == value, press
        assert tab.page.locator(f'img[data-live="{WALK}"]').get_attribute("alt").startswith(f"t = {float(value):.2f}")
    tab.assert_clean("after the keys on the walk's scrubber")


def test_while_its_frames_are_building_a_live_slider_works_as_a_plain_one(chromium, server, cvae):  # noqa: F811
    tab = Watched(chromium, server)
    try:
        tab.context.add_init_script("window.latentLabFramesHeld = true;")  # no sprite fetched
        tab.open_link(tab.server.url + LABEL_URL)
        keys = style_keys(tab)
        key = keys[-1]
        assert not any(counter(tab, k, "ready") for k in keys)
        tab.page.locator(f'[class*="st-key-{key}_live"]').scroll_into_view_if_needed()
        before_src, _ = picture(tab, STYLE)
        left, top, width, height = counter(tab, key, "rail_rect()")
        y = top + height / 2
        tab.page.mouse.move(counter(tab, key, "x_of(0)"), y)
        tab.page.mouse.down()
        for u in (0.3, 0.25, 0.2):
            plain = counter(tab, key, "plain")
            tab.page.mouse.move(left + u * width, y)
            tab.page.wait_for_function(f"() => {SLIDER.format(key=key)}.plain > {plain}")
        assert counter(tab, key, "value()") == pytest.approx(round(-3.0 + round(0.2 * 60) * 0.1, 1))  # the thumb moved
        assert counter(tab, key, "frames") == 0 and counter(tab, key, "overlays()") == 0  # nothing drawn over
        assert picture(tab, STYLE)[0] == before_src
        tab.page.mouse.up()
        wait_exact(tab, key, STYLE)
        tab.assert_clean("after letting a slider go with its frames held back")
        src, shown = picture(tab, STYLE)
        assert src != before_src and np.abs(shown - style_decode(cvae, tab, keys)).max() <= 1
        assert not any(counter(tab, k, "ready") for k in keys)
    finally:
        tab.close()


def test_a_finger_drags_the_truncation_slider_and_the_samples_follow(chromium, server):  # noqa: F811
    """Touch (a tablet): a finger on the thumb, moved and lifted, as touch events. While it moves, the grid drawn over
    the page's is the frame of the ψ under it (every ψ is a frame: drawn exactly, no blend); once lifted, ψ is in the
    URL and the page's grid is that frame."""
    from core.atlas import decode_sheet
    from core.slider_frames import Layout, picture as cell
    context = chromium.new_context(viewport=srv.VIEWPORT, has_touch=True)
    srv.track_runs(context)
    page = context.new_page()
    try:
        page.goto(server.url + GAN_URL)
        srv.wait_for_run(page, 0, 90_000)
        page.wait_for_function(READY_JS, timeout=90_000)
        key, grid = "gan_psi", "gan_grid"
        page.locator(f'[class*="st-key-{key}_live"]').scroll_into_view_if_needed()
        meta = page.evaluate(f"{SLIDER.format(key=key)}.meta()")
        layout = Layout(meta["layout"]["frames"], meta["layout"]["per_frame"], meta["layout"]["h"],
                        meta["layout"]["w"], meta["layout"]["cols"])
        sheet = decode_sheet(sprite(page, key))
        left, top, width, height = page.evaluate(f"{SLIDER.format(key=key)}.rail_rect()")
        y, touch = top + height / 2, context.new_cdp_session(page)
        point = lambda x: {"touchPoints": [{"x": x, "y": y}]}  # noqa: E731
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", **point(left + 0.75 * width)})  # ψ = 1
        for x in np.linspace(0.75, 0.02, 8):
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", **point(left + x * width)})
            page.wait_for_timeout(40)
        page.wait_for_function(f"() => {SLIDER.format(key=key)}.value() === 0.25")
        frames = page.evaluate(f"{SLIDER.format(key=key)}.frames")
        assert frames > 0 and page.evaluate(f"{SLIDER.format(key=key)}.last") == [0, 1, 0]  # the first frame
        drawn = np.asarray(page.evaluate(f"{SLIDER.format(key=key)}.drawn(0)"), int)
        drawn = drawn.reshape(layout.height, layout.width, 4)[..., 0]
        assert np.abs(drawn - cell(sheet, layout, 0, 0)).max() == 0
        since = srv.runs_finished(page)
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_function(SHOWN_JS, arg=[grid, f"{key}:0"], timeout=90_000)
        srv.wait_for_run(page, since, 90_000)
        assert dict(part.split("=") for part in page.evaluate("location.search")[1:].split("&"))["psi"] == "0.25"
        src = page.locator(f'img[data-live="{grid}"]').get_attribute("src")
        shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("L"), int)
        assert np.abs(shown - cell(sheet, layout, 0, 0)).max() <= 1  # the frame was the server's grid at 0.25
        assert not srv.page_problems(page)
    finally:
        context.close()
