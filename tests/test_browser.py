"""The dashboard in a real browser: `streamlit run dashboard/Home.py` driven by headless Chromium through Playwright.

Every page (Home, then each dashboard/pages/*.py, found on disk so new pages are covered) is
opened the way a user would: Home first, then a model card's link or the sidebar. Each must
finish its run without an exception element, an error alert, a browser console error, an
uncaught script error or any request leaving 127.0.0.1; its main control is driven once and
the page must change and stay clean. A full-page screenshot of each (1400 px wide) is written
to screenshots/<page>.png: the README's pictures, kept current by this test. The server runs
without the data set, so no picture from it lands in the repository.

    python -m pytest tests/test_browser.py -q       # or deselect with: pytest -m "not browser"

Skips, with the reason, where Playwright or a Chromium binary (Debian's `chromium`) is missing
or cannot be launched; never downloads a browser.
"""
from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import server as srv  # noqa: E402

browser = pytest.mark.browser  # the tests that start the server and a browser; the static checks run anywhere

PAGES = srv.discover_pages()
# The model each page is opened on through its Home card link (the README pictures); other pages use the sidebar.
SHOWCASE = {"latent_scatter": "mnist-vae-2d", "decoded_grid": "mnist-vae-2d", "digits_by_label": "mnist-cvae",
            "gan_samples": "mnist-dcgan"}
# Pages read whole in a second view too, opened by a link with this model: the conditional GAN draws a row of
# captioned samples per digit and has digit pickers the showcase has not.
SECOND_MODEL = {"gan_samples": ("conditional", "mnist-cgan")}
RUN_TIMEOUT_MS = 90_000  # the first model page of a server loads TensorFlow and a model on a shared 2-core machine
LOOPBACK = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]")
# A page opened by its own URL first asks /<page>/_stcore/health and host-config, which answer 404, then the root:
# Streamlit's own probe, whose console errors bench.load ignores too.
STREAMLIT_PROBE = re.compile(r"^console error: Failed to load resource: .* 404 .*/_stcore/(health|host-config)\)$")


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app without the data set (an empty $LATENT_LAB_DATA and home folder): the screenshots, which the
    repository keeps, then hold only what the models drew and no picture taken from the data."""
    reason = srv.browser_unavailable()
    if reason:
        pytest.skip(reason)
    nothing = tmp_path_factory.mktemp("no-data")
    with srv.StreamlitServer(timeout=90, extra_env={"LATENT_LAB_DATA": str(nothing), "HOME": str(nothing)}) as running:
        yield running


@pytest.fixture(scope="module")
def chromium(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p, srv.chromium(p) as b:
        yield b


class Watched:
    """A browser tab with every console error, uncaught script error and non-loopback request recorded."""

    def __init__(self, browser, server, viewport: dict = srv.VIEWPORT):
        self.context = browser.new_context(viewport=viewport)
        srv.track_runs(self.context)
        self.context.route(lambda url: not LOOPBACK.match(url), self._block)
        self.page = self.context.new_page()
        self.page.set_default_timeout(RUN_TIMEOUT_MS)
        self.server = server
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console error: {m.text} (at {m.location.get('url', '?')})"))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught script error: {e}"))

    def _block(self, route):
        self.problems.append(f"request leaving 127.0.0.1 (blocked): {route.request.url}")
        route.abort()

    def open_link(self, url: str) -> None:
        """A page opened by a link (its URL typed or pasted: a full page load), Streamlit's probe excused."""
        self.page.goto(url)
        self.wait()
        self.problems = [p for p in self.problems if not STREAMLIT_PROBE.match(p)]

    def wait(self, since: int = 0) -> None:
        srv.wait_for_run(self.page, since, timeout_ms=RUN_TIMEOUT_MS)

    def assert_clean(self, where: str) -> None:
        found = srv.page_problems(self.page) + self.problems
        assert not found, f"{where}:\n" + "\n".join(dict.fromkeys(found))

    def act(self, action, where: str, new_pictures: bool = True) -> None:
        """Do `action`, wait for the run it causes (and, by default, for the pictures to change), check clean."""
        since, before = srv.runs_finished(self.page), srv.pictures(self.page)
        action()
        if new_pictures:
            srv.wait_for_new_pictures(self.page, since, before, timeout_ms=RUN_TIMEOUT_MS)
        else:
            self.wait(since)
        self.assert_clean(where)

    def screenshot(self, name: str, hover: tuple[float, float] | None = None) -> Path:
        """The whole page, as wide as the window, into screenshots/<name>.png (written aside first, so a failure
        keeps the old one); the pointer at `hover`, else out of the way.

        Streamlit scrolls inside its main element, not the document, so the window is made as tall as
        that element's content for the picture, then put back.
        """
        page, size = self.page, self.page.viewport_size
        page.mouse.move(*(hover or (size["width"] - 2, size["height"] - 2)))  # else away from the sidebar's buttons
        height = page.evaluate(f"document.querySelector('{srv.MAIN}').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 8000))})
        try:
            page.wait_for_function("() => window.__ll.settled(window.__ll.finished - 1)", polling=50)
            page.wait_for_timeout(300)  # charts answer the resize on their next frame
            path = srv.SCREENSHOTS / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial.png")
            page.screenshot(path=partial, animations="disabled")
            os.replace(partial, path)
        finally:
            page.set_viewport_size(size)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(chromium, server):
    watched = Watched(chromium, server)
    yield watched
    watched.close()


# ---------------------------------------------------------------- opening a page

def open_page(tab: Watched, page: srv.Page) -> None:
    """Home by its URL; any other page from Home, by its model card link or else the sidebar, as a user goes."""
    tab.page.goto(tab.server.url)
    tab.wait()
    tab.assert_clean("Home")
    if page.url_path == "":
        return
    model = SHOWCASE.get(page.slug)
    card_link = tab.page.locator(f'{srv.MAIN} a[href$="{page.url_path}?model={model}"]')
    link = card_link if model and card_link.count() else tab.page.locator(
        f'{srv.SIDEBAR_NAV} a[href$="/{page.url_path}"]')
    assert link.count(), f"no link to {page.title} on Home or in the sidebar"
    opened = link is not card_link and srv.open_sidebar(tab.page)  # folded in a narrow window: a user opens it
    since = srv.runs_finished(tab.page)
    link.first.click()
    tab.wait(since)
    if opened:
        srv.fold_sidebar(tab.page)  # and folds it again to read the page
    assert tab.page.url.split("?")[0].endswith("/" + page.url_path), tab.page.url
    if link is card_link:
        assert f"model={model}" in tab.page.url, tab.page.url  # the card's model, kept in the URL
    tab.assert_clean(page.title)


# ---------------------------------------------------------------- each page's main control

# A live slider's markup is on the page before its script has run, and a key pressed before then moves nothing.
SLIDER_TAKES_KEYS_JS = """key => { const t = document.querySelector(`[class*="st-key-${key}"] input[type="range"]`);
  const live = t && t.closest('.ls'); return !!t && (!live || !!live.__ls); }"""


def slider(tab: Watched, key: str):
    """The range input of the slider with this widget key (or key prefix), once it takes keys."""
    tab.page.wait_for_function(SLIDER_TAKES_KEYS_JS, arg=key, timeout=RUN_TIMEOUT_MS)
    return tab.page.locator(f'[class*="st-key-{key}"] input[type="range"]').first


def nudge(tab: Watched, key: str, presses: int = 1) -> tuple[str, str]:
    """Move a slider by keyboard, as a user does with the arrow keys; returns its value before and after."""
    thumb = slider(tab, key)
    before = thumb.input_value()

    def press():
        thumb.focus()
        for _ in range(presses):
            tab.page.keyboard.press("ArrowRight")
    tab.act(press, f"after moving slider {key!r}")
    return before, thumb.input_value()


def choose(tab: Watched, key: str, option: str, where: str, new_pictures: bool = True) -> None:
    """Click one option of a radio or segmented control by its text."""
    tab.act(lambda: tab.page.locator(f".st-key-{key}").get_by_text(option, exact=True).first.click(),
            where, new_pictures)


def drive_home(tab: Watched) -> None:
    pass  # no controls: its links are what open_page follows to every other page


def drive_latent_scatter(tab: Watched) -> None:
    """A click on a dot shows that digit; Draw -> Images as markers draws decoded digits under the dots."""
    index = click_a_dot(tab)
    assert tab.page.locator(f"{srv.MAIN} h3").first.inner_text().startswith(f"Digit #{index} ")
    tab.screenshot("latent_scatter_clicked")
    assert tab.page.evaluate(srv.CHART_IMAGES_JS) == []
    choose(tab, "view", "Images as markers", "after choosing Images as markers", new_pictures=False)
    tab.page.wait_for_function(f"() => ({srv.CHART_IMAGES_JS})().length === 1")
    width, height = tab.page.evaluate(srv.CHART_IMAGES_JS)[0]
    assert width > 300 and height > 300  # one sheet of digits over the whole plot
    assert slider(tab, "thumbnails").input_value() == "300"
    tab.screenshot("latent_scatter_markers")


def drive_decoded_grid(tab: Watched) -> None:
    """Grid size 15 -> 16: the decoded mosaic is redrawn. Then the live view (drive_live_plane)."""
    before, after = nudge(tab, "grid_size")
    assert (before, after) == ("15", "16")
    choose(tab, "grid_view", "Live under the pointer", "after choosing the live view", new_pictures=False)
    assert query(tab)["view"] == "live"
    drive_live_plane(tab)


LIVE_MODEL = "mnist-vae-2d"  # the Decoded grid's showcase
LIVE_READY_JS = "() => !!window.latentLabPointer && window.latentLabPointer.ready"


def live_atlas():
    """The atlas the live view should be showing, from core alone: the 2-D VAE's latent plane, one standard
    deviation of its held-out codes a unit, over the Decoded grid's default range."""
    import numpy as np
    from core.atlas import Atlas
    from core.latent import coordinate_axes, occupied_extent, plane_coordinates
    means = np.load(ROOT / "pretrained" / LIVE_MODEL / "latents.npz")["means"]
    center, axis_x, axis_y = coordinate_axes(means, 0, 1)
    axes = np.stack([axis_x, axis_y])
    return Atlas(center, axes, occupied_extent(plane_coordinates(means, center, axes)))


def plane_in_view(tab: Watched) -> list[float]:
    """The live plane scrolled into the window; its left, top, width and height there."""
    tab.page.locator(f"{srv.MAIN} .ll-plane").scroll_into_view_if_needed()  # inside the component's shadow root
    return tab.page.evaluate("window.latentLabPointer.plane_rect()")


def hover(tab: Watched, x: float, y: float) -> dict:
    """Move the pointer to (x, y) and wait for the frame it causes; the component's counters then."""
    frames = tab.page.evaluate("window.latentLabPointer.frames")
    tab.page.mouse.move(x, y)
    tab.page.wait_for_function(f"() => window.latentLabPointer.frames > {frames}")
    return tab.page.evaluate("""() => { const c = window.latentLabPointer;
        return {cell: c.last_cell, text: c.shown_text(), pixels: c.digit_pixels()}; }""")


def drive_live_plane(tab: Watched) -> None:
    """Hover at known pixels of the plane: the shown coordinates and the drawn digit are the ones core's mapping
    (core/atlas.py) gives for them, cell for cell; a click keeps the point, in the URL too, and the decoder's digit
    there appears; the link, opened afresh, shows it again. Writes screenshots/decoded_grid_live.png."""
    import base64

    import numpy as np
    from core.atlas import cell, decode_sheet
    tab.page.wait_for_function(LIVE_READY_JS)
    atlas = live_atlas()
    left, top, width, height = plane_in_view(tab)
    assert width == height == 320, (width, height)
    sheet = decode_sheet(base64.b64decode(tab.page.evaluate("window.latentLabPointer.sprite_src()").split(",")[1]))
    assert sheet.shape == (atlas.n * 28, atlas.n * 28)
    for u, v in [(0.5, 0.5), (0.1, 0.12), (0.83, 0.27), (0.25, 0.9), (0.99, 0.01)]:
        x, y = round(left + u * width), round(top + v * height)  # whole pixels, as a mouse reports them
        shown = hover(tab, x, y)
        xy = np.array([-atlas.extent + 2 * atlas.extent * (x - left) / width,
                       atlas.extent - 2 * atlas.extent * (y - top) / height])
        row, col = atlas.cell_of(xy)
        assert shown["cell"] == [row, col], (u, v, shown["cell"], (row, col))
        latent = atlas.to_latent(xy)
        names = [text.split()[0] for text in shown["text"]]
        values = [float(text.split()[1]) for text in shown["text"]]
        assert names == ["z₁", "z₂"] and np.allclose(values, latent, atol=0.0051), (shown["text"], latent)
        drawn = np.array(shown["pixels"]).reshape(28, 28)
        assert np.abs(drawn - cell(sheet, row, col, atlas.n).astype(int)).max() <= 3, (u, v)
        other = cell(sheet, (row + atlas.n // 2) % atlas.n, (col + atlas.n // 2) % atlas.n, atlas.n)
        assert np.abs(drawn - other.astype(int)).max() > 3  # another cell would not have passed
    x, y = round(left + 0.62 * width), round(top + 0.41 * height)
    hover(tab, x, y)
    tab.screenshot("decoded_grid_live", hover=(x, y))
    kept = atlas.to_latent([-atlas.extent + 2 * atlas.extent * (x - left) / width,
                            atlas.extent - 2 * atlas.extent * (y - top) / height])
    tab.act(lambda: tab.page.mouse.click(x, y), "after a click on the live plane")
    shown = query(tab)
    assert np.allclose([float(v) for v in shown["point"].split(",")], kept, atol=0.0006), (shown, kept)
    assert shown["view"] == "live" and shown["model"] == LIVE_MODEL
    assert tab.page.get_by_text("Kept point", exact=True).count() == 1
    tab.open_link(tab.server.url + tab.page.evaluate("location.pathname + location.search"))
    tab.assert_clean("the live view's link, opened afresh")
    tab.page.wait_for_function(LIVE_READY_JS)
    assert tab.page.get_by_text("Kept point", exact=True).count() == 1 and query(tab) == shown
    assert not tab.page.get_by_text("was ignored").count()


def digit_png() -> bytes:
    """A thick dark "7" on light paper, as a phone photo of a handwritten digit might look once cropped."""
    from PIL import Image, ImageDraw
    img = Image.new("L", (120, 120), 235)
    draw = ImageDraw.Draw(img)
    draw.line([(30, 25), (92, 25), (55, 100)], fill=20, width=11)
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def drive_digits_by_label(tab: Watched) -> None:
    """A style slider; then the upload and the drawing routes of the style-transfer widget, end to end."""
    before, after = nudge(tab, "style_z")
    assert before != after
    choose(tab, "transfer_source", "Your own digit", "after choosing Your own digit", new_pictures=False)
    upload = tab.page.locator('.st-key-transfer_file input[type="file"]')
    limit = tab.page.locator('.st-key-transfer_file [data-testid="stFileUploaderDropzoneInstructions"]')
    assert f"{MAX_UPLOAD_MB}MB" in limit.inner_text().replace(" ", ""), limit.inner_text()  # config.toml's cap
    tab.act(lambda: upload.set_input_files({"name": "seven.png", "mimeType": "image/png", "buffer": digit_png()}),
            "after uploading a digit")
    # the judge's guess, to confirm or correct
    assert tab.page.locator('[class*="st-key-transfer_label_"]').count() == 1
    choose(tab, "transfer_how", "Draw it", "after choosing Draw it", new_pictures=False)
    canvas = tab.page.locator(".st-key-transfer_canvas canvas.upper-canvas")  # Fabric.js's drawing layer
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 50, "the drawing canvas is not shown"

    def draw_a_one():
        x = box["x"] + box["width"] / 2
        tab.page.mouse.move(x, box["y"] + box["height"] * 0.2)
        tab.page.mouse.down()
        for k in range(1, 11):
            tab.page.mouse.move(x, box["y"] + box["height"] * (0.2 + 0.06 * k))
        tab.page.mouse.up()
    tab.act(draw_a_one, "after drawing a digit")


def drive_latent_arithmetic(tab: Watched) -> None:
    """Steps 12 -> 13: the walk from an average 6 to an average 8 is decoded again, one step longer; the 3-D view
    and the bar chart (Plotly, WebGL for the 3-D one) are drawn."""
    charts = tab.page.locator(f'{srv.MAIN} [data-testid="stPlotlyChart"]')
    charts.last.locator("canvas").first.wait_for()
    assert charts.count() == 2, charts.count()
    strip = tab.page.locator(f"{srv.MAIN} figure")
    shown = strip.count()
    before, after = nudge(tab, "arith_steps")
    assert (before, after) == ("12", "13")
    assert strip.count() == shown + 1
    assert "steps=13" in tab.page.url, tab.page.url  # the view is kept in the URL


def drive_generic(tab: Watched) -> None:
    """A page this test does not know yet: move its first slider, or failing that pick its first radio's other option."""
    main = tab.page.locator(srv.MAIN)
    sliders = main.locator('input[type="range"]')
    if sliders.count():
        def press():
            sliders.first.focus()
            tab.page.keyboard.press("ArrowRight")
        since, before = srv.runs_finished(tab.page), main.inner_text() + srv.pictures(tab.page)
        press()
        tab.wait(since)
        assert main.inner_text() + srv.pictures(tab.page) != before, "moving the first slider changed nothing"
        tab.assert_clean("after moving the first slider")
        return
    radios = main.locator('[data-testid="stRadio"] label:not(:has(input:checked))')
    assert radios.count(), "no slider or radio to drive; teach test_browser.py this page's main control"
    tab.act(lambda: radios.first.click(), "after picking a radio option", new_pictures=False)


def query(tab: Watched) -> dict[str, str]:
    """The page's URL parameters now (Streamlit rewrites the address in place: page.url can be stale)."""
    from urllib.parse import parse_qsl
    return dict(parse_qsl(tab.page.evaluate("location.search").lstrip("?")))


def drive_gan_samples(tab: Watched) -> None:
    """Truncation 1.00 -> 1.25: the samples are drawn again and the URL keeps psi; "New samples" draws another
    seed's and keeps it; the link, opened afresh, shows the same view without a notice."""
    assert query(tab)["psi"] == "1"
    before, after = nudge(tab, "gan_psi")
    assert (float(before), float(after)) == (1.0, 1.25), (before, after)
    shown = query(tab)
    assert shown["psi"] == "1.25" and shown["model"] == "mnist-dcgan", shown
    new_samples = tab.page.locator(".st-key-gan_new").get_by_role("button", name="New samples")  # not its hidden twin
    tab.act(new_samples.click, "after pressing New samples")
    drawn = query(tab)
    assert drawn["seed"] != shown["seed"] and drawn["psi"] == "1.25", (shown, drawn)
    tab.open_link(tab.server.url + tab.page.evaluate("location.pathname + location.search"))
    tab.assert_clean("the GAN samples link, opened afresh")
    assert float(slider(tab, "gan_psi").input_value()) == 1.25
    assert tab.page.locator('.st-key-gan_seed input').input_value() == drawn["seed"]
    assert not tab.page.get_by_text("Some settings in the link were ignored").count()  # the page's link notice
    assert query(tab) == drawn


FACE_MODEL = "celeba-vae"  # Face editing's showcase, and its only model
FACE_SIDE, START_SIDE = 256, 128  # px: faces.FACE_SIZE (the edited face) and START_FACE_SIZE (the start face)
EDITOR_FACE = re.compile(r"^(generated face \(|original: |its reconstruction$|edited: )")  # faces.show_faces's captions
FIGURES_JS = """figures => figures.map(f => { const img = f.querySelector('img'), box = img.getBoundingClientRect(),
    caption = f.querySelector('figcaption');
    return {caption: caption ? caption.innerText.trim() : '', src: img.getAttribute('src') || '', width: box.width,
            height: box.height, loaded: img.complete && img.naturalWidth > 0}; })"""


def editor_faces(tab: Watched) -> list[dict]:
    """The Face editing editor's faces as drawn: caption, src, size on screen; the strip's and samples' left out."""
    shown = tab.page.locator(f"{srv.MAIN} figure").evaluate_all(FIGURES_JS)
    return [face for face in shown if EDITOR_FACE.match(face["caption"])]


def face_pixels(src: str):
    """An inline PNG's pixels (int, so differences do not wrap)."""
    import base64

    import numpy as np
    from PIL import Image
    assert src.startswith("data:image/png;base64,"), src[:40]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB"), dtype=int)


def edit_shown(tab: Watched, caption: str) -> list[dict]:
    """Wait until the edited face's caption reads `caption` (the keys of a slider may cause more than one run) and
    that run has settled; the editor's faces then."""
    tab.page.locator(f"{srv.MAIN} figcaption").get_by_text(caption, exact=True).wait_for()
    tab.page.wait_for_function("() => window.__ll.settled(window.__ll.finished - 1)", polling=50)
    return editor_faces(tab)


def drive_face_editing(tab: Watched) -> None:
    """From a generated face (the card's opening seed, never a test face: the server has no data): the start face at 128 px beside
    the edited face at 256 px; six arrow
    keys on Eyeglasses redraw the edited face (new pixels, the start face kept) and the caption and URL name the
    edit; Smiling's "−1" (the measured edit, which holds Male) takes the opening face's smile away and unticking its
    Male hold changes the edit again;
    the link, opened afresh, shows the same edited face without a notice."""
    import numpy as np
    shown = query(tab)
    from core import registry
    opening = str(registry.read_card(FACE_MODEL)["metrics"].get("opening_face", {}).get("seed", 0))
    assert (shown.get("model"), shown.get("start"), shown.get("seed")) == (FACE_MODEL, "random", opening), shown
    assert "edit" not in shown and "hold" not in shown, shown
    start, edited = faces = editor_faces(tab)
    assert [f["caption"] for f in faces] == [f"generated face (seed {opening})", "edited: no edit yet"], faces
    for face in faces:
        side = FACE_SIDE if face["caption"].startswith("edited") else START_SIDE
        assert face["loaded"] and round(face["width"]) >= side and round(face["height"]) >= side, face
    assert edited["src"] == start["src"]  # no edit yet: the edited face is the start face

    glasses, smiling = f"face_s_Eyeglasses_{FACE_MODEL}", f"face_s_Smiling_{FACE_MODEL}"
    before, after = nudge(tab, glasses, presses=6)  # steps of 0.05
    assert (float(before), round(float(after), 2)) == (0.0, 0.3), (before, after)
    start_now, edited_now = faces = edit_shown(tab, "edited: Eyeglasses +0.3")
    assert [f["caption"] for f in faces] == [f"generated face (seed {opening})", "edited: Eyeglasses +0.3"]
    assert start_now["src"] == start["src"]  # the start face stays as it was
    assert edited_now["loaded"] and round(edited_now["width"]) >= FACE_SIDE
    change = np.abs(face_pixels(edited_now["src"]) - face_pixels(start["src"]))
    assert change.mean() > 0.5, f"Eyeglasses +0.3 changed the face by {change.mean():.2f} grey levels a pixel"
    tab.assert_clean("after moving the Eyeglasses slider")
    assert query(tab) == {**shown, "edit": "Eyeglasses:0.3"}, query(tab)

    # The opening face smiles already: take the smile away, by the measured edit, which holds Male.
    minus = tab.page.locator(f".st-key-{smiling}_live .ls-preset", has_text="−1")  # drawn at once, then sent
    tab.act(minus.click, "after pressing Smiling's −1")
    _, at_default = edit_shown(tab, "edited: Smiling -1, Eyeglasses +0.3; Male held fixed")
    assert float(slider(tab, smiling).input_value()) == -1.0
    assert at_default["src"] != edited_now["src"]
    assert query(tab)["edit"] == "Smiling:-1,Eyeglasses:0.3", query(tab)

    tick = tab.page.locator(f".st-key-face_h_Smiling_{FACE_MODEL}").get_by_text("Male held fixed", exact=True)
    tab.act(tick.click, "after unticking Smiling's Male held fixed")
    _, free = edit_shown(tab, "edited: Smiling -1, Eyeglasses +0.3")
    change = np.abs(face_pixels(free["src"]) - face_pixels(at_default["src"]))
    assert change.mean() > 0.5, f"letting Male go changed the edited face by {change.mean():.2f} grey levels a pixel"
    linked = query(tab)
    assert linked == {**shown, "edit": "Smiling:-1,Eyeglasses:0.3", "free": "Smiling"}, linked

    tab.open_link(tab.server.url + tab.page.evaluate("location.pathname + location.search"))
    tab.assert_clean("the Face editing link, opened afresh")
    reopened = editor_faces(tab)
    assert [f["caption"] for f in reopened] == [f"generated face (seed {opening})",
                                                "edited: Smiling -1, Eyeglasses +0.3"]
    assert [f["src"] for f in reopened] == [start["src"], free["src"]]  # the same faces, redrawn from the link
    assert float(slider(tab, smiling).input_value()) == -1.0
    assert not tab.page.locator(f".st-key-face_h_Smiling_{FACE_MODEL} input").is_checked()
    assert not tab.page.get_by_text("Some settings in the link were ignored").count()  # the page's link notice
    assert query(tab) == linked


def drive_pixel_by_pixel(tab: Watched) -> None:
    """The PixelCNN's digits replay pixel by pixel in the browser, with no rerun; Eyeglasses yes draws the mean face
    of the faces with glasses (the shipped aggregates: 50 faces or more) and new samples; a higher temperature
    draws new digits, replayed to the end."""
    tab.page.wait_for_function("() => window.latentLabDraw && window.latentLabDraw.total === 784", polling=50)
    runs = srv.runs_finished(tab.page)
    first = tab.page.evaluate("window.latentLabDraw.drawn")
    tab.page.wait_for_function(f"() => window.latentLabDraw.drawn > {first} || window.latentLabDraw.runs > 0",
                               polling=50)
    assert srv.runs_finished(tab.page) == runs, "the replay reran the page"
    main = tab.page.locator(srv.MAIN)
    everyone = re.search(r"([\d,]+) training faces match", main.inner_text()).group(1)
    choose(tab, "px_attr_Eyeglasses", "yes", "after asking for Eyeglasses")
    glasses = re.search(r"([\d,]+) training faces match", main.inner_text()).group(1)
    assert int(glasses.replace(",", "")) < int(everyone.replace(",", "")), (everyone, glasses)
    before = tab.page.evaluate("window.latentLabDraw.runs")
    thumb = slider(tab, "px_temperature")

    def warmer():
        thumb.focus()
        tab.page.keyboard.press("ArrowRight")
    tab.act(warmer, "after moving the temperature", new_pictures=False)
    assert thumb.input_value() == "1.05"
    tab.page.wait_for_function(f"() => window.latentLabDraw.runs > {before}", polling=100, timeout=30_000)
    tab.screenshot("pixel_by_pixel_glasses")


def drive_tour(tab: Watched) -> None:
    """The tour's own driver (tests/test_browser_tour.py, which imports this module's fixtures: hence the late
    import)."""
    from test_browser_tour import drive_tour as right_arrow_to_step_2
    right_arrow_to_step_2(tab)


DRIVERS = {"home": drive_home, "latent_scatter": drive_latent_scatter, "decoded_grid": drive_decoded_grid,
           "digits_by_label": drive_digits_by_label, "latent_arithmetic": drive_latent_arithmetic,
           "face_editing": drive_face_editing, "gan_samples": drive_gan_samples, "tour": drive_tour,
           "pixel_by_pixel": drive_pixel_by_pixel}


# ---------------------------------------------------------------- the test

def test_every_file_in_the_pages_folder_is_visited():
    assert PAGES[0].slug == "home"
    assert sorted(p.file for p in PAGES[1:]) == sorted(f"pages/{f.name}" for f in srv.PAGES_DIR.glob("*.py"))
    assert {"latent_scatter", "decoded_grid"} <= {p.slug for p in PAGES}


@browser
@pytest.mark.parametrize("page", PAGES, ids=[p.slug for p in PAGES])
def test_page_renders_cleanly_and_its_main_control_works(tab, page):
    open_page(tab, page)
    assert tab.page.locator(f"{srv.MAIN} h1").count(), f"{page.title} shows no title"
    shot = tab.screenshot(page.slug)
    from PIL import Image
    assert Image.open(shot).size[0] == srv.VIEWPORT["width"]
    DRIVERS.get(page.slug, drive_generic)(tab)
    tab.assert_clean(f"{page.title}, at the end")


# ---------------------------------------------------------------- layouts that hold

# A projector, a laptop's split screen and the README's pictures: every page must read whole at each.
WINDOW_SIZES = [{"width": 1400, "height": 900}, {"width": 1280, "height": 720}, {"width": 800, "height": 900}]
LAYOUT_PROBLEMS_JS = (Path(__file__).parent / "layout_problems.js").read_text()


def click_a_dot(tab: Watched) -> int:
    """Click dot 17 of the Latent scatter's chart, scrolled into view first; returns that digit's index."""
    tab.page.locator(srv.VEGA_CHART).first.scroll_into_view_if_needed()
    dot = tab.page.evaluate(srv.CHART_DOT_JS, 17)
    assert dot["visible"] and dot["points"] > 100, dot

    def click():
        tab.page.mouse.move(dot["x"], dot["y"])
        tab.page.mouse.click(dot["x"], dot["y"])
    tab.act(click, "after clicking a dot")
    return dot["index"]


@browser
@pytest.mark.parametrize("size", WINDOW_SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_every_page_reads_whole_at_this_window_size(chromium, server, size):
    """Each page, as it opens, (Latent scatter) with a digit clicked, (Decoded grid) also in its live view with the
    pointer over the plane and (GAN samples) also opened on the conditional GAN by a link: no text cut or spilling, no word broken, no controls drawn over one another, nothing
    scrolling sideways. Writes screenshots/sizes/<page>_<size>.png (and <page>_<view>_<size>.png)."""
    tab = Watched(chromium, server, viewport=size)
    found = []
    try:
        for page in PAGES:
            open_page(tab, page)
            views = [page.slug]
            if page.slug == "latent_scatter":
                tab.screenshot(f"sizes/{page.slug}_{size['width']}x{size['height']}")
                found += [f"{page.title}: {p}" for p in tab.page.evaluate(LAYOUT_PROBLEMS_JS)]
                click_a_dot(tab)
                views = [f"{page.slug}_clicked"]
            found += [f"{views[0]}: {p}" for p in tab.page.evaluate(LAYOUT_PROBLEMS_JS)]
            tab.screenshot(f"sizes/{views[0]}_{size['width']}x{size['height']}")
            if page.slug == "decoded_grid":  # its live view too, the pointer over the plane
                tab.open_link(page.url(server, model=LIVE_MODEL, view="live"))
                tab.assert_clean(f"{page.title}, live")
                tab.page.wait_for_function(LIVE_READY_JS)
                left, top, width, height = plane_in_view(tab)
                at = (round(left + 0.62 * width), round(top + 0.41 * height))
                hover(tab, *at)
                found += [f"{page.slug}_live: {p}" for p in tab.page.evaluate(LAYOUT_PROBLEMS_JS)]
                tab.screenshot(f"sizes/{page.slug}_live_{size['width']}x{size['height']}", hover=at)
            if page.slug in SECOND_MODEL:
                view, model = SECOND_MODEL[page.slug]
                tab.open_link(page.url(server, model=model))
                tab.assert_clean(f"{page.title} on {model}")
                found += [f"{page.slug}_{view}: {p}" for p in tab.page.evaluate(LAYOUT_PROBLEMS_JS)]
                tab.screenshot(f"sizes/{page.slug}_{view}_{size['width']}x{size['height']}")
    finally:
        tab.close()
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- secure defaults

CONFIG = ROOT / ".streamlit" / "config.toml"
MAX_UPLOAD_MB = 5  # core.data.uploads.MAX_BYTES, which refuses anything larger anyway


@browser
def test_face_editing_shows_the_edited_face_and_every_slider_on_one_screen(chromium, server):
    """At 1280 x 720, with the editor scrolled into view: the edited face and every slider the editor opens with lie
    inside the window together, so a presenter watches the face while moving a slider."""
    tab = Watched(chromium, server, viewport={"width": 1280, "height": 720})
    try:
        tab.open_link(f"{server.url}/Face_editing")
        tab.assert_clean("Face editing")
        edited = tab.page.locator(f"{srv.MAIN} figure").filter(has_text="edited: ").first
        sliders = tab.page.locator(f'{srv.MAIN} [class*="st-key-face_s_"] input[type="range"]')
        assert sliders.count() == 6, sliders.count()
        tab.page.locator(f"{srv.MAIN} h3").filter(has_text="Edit").first.evaluate("e => e.scrollIntoView()")
        tab.page.wait_for_timeout(300)
        boxes = [edited.bounding_box()] + [sliders.nth(k).bounding_box() for k in range(sliders.count())]
        outside = [b for b in boxes if b is None or b["y"] < 0 or b["y"] + b["height"] > 720 or b["x"] < 0
                   or b["x"] + b["width"] > 1280]
        assert not outside, f"out of the 1280 x 720 window: {outside}"
    finally:
        tab.close()


@browser
@pytest.mark.parametrize("width,folded", [(800, True), (1280, False)])
def test_the_sidebar_folds_once_in_a_narrow_window_and_stays_as_the_reader_sets_it(chromium, server, width, folded):
    tab = Watched(chromium, server, viewport={"width": width, "height": 900})
    try:
        tab.open_link(server.url)
        tab.assert_clean("Home")
        sidebar = tab.page.locator('section[data-testid="stSidebar"]')
        collapsed = "() => document.querySelector('section[data-testid=\"stSidebar\"]').dataset.collapsed"
        tab.page.wait_for_function(f"{collapsed} === '{'true' if folded else 'false'}'")
        if folded:  # opened again by the reader, it stays open on the next page
            srv.open_sidebar(tab.page)
            tab.act(lambda: tab.page.locator(f'{srv.SIDEBAR_NAV} a[href$="/Decoded_grid"]').first.click(),
                    "Decoded grid", new_pictures=False)
            tab.page.wait_for_timeout(500)
            assert sidebar.get_attribute("data-collapsed") == "false"
    finally:
        tab.close()


def test_config_keeps_secure_defaults():
    import tomllib
    config = tomllib.loads(CONFIG.read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True  # Streamlit turns XSRF off when CORS is off
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"].get("address") == "127.0.0.1"  # a local tool: not reachable from the network
    from core.data.uploads import MAX_BYTES
    assert MAX_BYTES == MAX_UPLOAD_MB * 1024 * 1024


def test_no_page_renders_raw_html():
    """User-supplied text reaches pages (file names, URL parameters); none may be rendered as HTML. Two exceptions:
    rows of digits from markup that pictures.digits_html builds and escapes (tested below), and the app's own constant
    script that folds the sidebar in a narrow window (a file of the repository)."""
    risky = re.compile(r"unsafe_allow_html|unsafe_allow_javascript|\.html\(|components\.v1\.html|components\.html\(")
    found = [f"{path.relative_to(ROOT)}: {line.strip()}"
             for path in sorted((ROOT / "dashboard").rglob("*.py"))
             for line in path.read_text().splitlines() if risky.search(line)]
    assert found == ["dashboard/pictures.py: st.html(markup)",
                     "dashboard/ui.py: st.sidebar.html(NARROW_SIDEBAR, unsafe_allow_javascript=True)"], found


def test_rows_of_digits_show_any_caption_as_text_and_only_inline_pngs():
    import numpy as np
    from streamlit.testing.v1 import AppTest
    from conftest import digit_rows
    hostile = ['<script>alert(1)</script>', '" onerror="alert(1)', "<img src=x onerror=alert(1)>", "8 & 3 ✗"]
    at = AppTest.from_string(f"""
import sys
sys.path.insert(0, {str(ROOT / "dashboard")!r})
import numpy as np
import pictures
pictures.show_digits([np.full((28, 28), k * 60, np.uint8) for k in range(4)], {hostile!r}, size=56)
""").run()
    assert not at.exception
    markup = at.get("html")[0].proto.body
    assert set(re.findall(r"<(\w+)", markup)) == {"div", "figure", "img", "figcaption"}
    for tag in re.findall(r"<img [^>]*>", markup):  # attribute values are quoted; quotes inside them escaped
        assert sorted(re.findall(r'([\w-]+)="', tag)) == ["alt", "height", "src", "style", "width"], tag
    row, = digit_rows(at)
    assert row.captions == hostile  # shown as written, not read as markup
    assert all(uri.startswith("data:image/png;base64,") for uri in row.value)
    assert [np.asarray(p).max() for p in row.pictures()] == [0, 60, 120, 180]


@browser
def test_server_refuses_uploads_without_the_xsrf_token(tab):
    """The browser gets the XSRF cookie; an upload without the matching header is refused (XSRF protection on)."""
    tab.page.goto(tab.server.url)
    tab.wait()
    assert "_streamlit_xsrf" in {c["name"] for c in tab.context.cookies()}
    response = tab.context.request.put(f"{tab.server.url}/_stcore/upload_file/some-session/some-file",
                                       multipart={"file": {"name": "x.png", "mimeType": "image/png",
                                                           "buffer": b"not a picture"}})
    assert response.status == 403, (response.status, response.text())


def test_streamlit_message_cache_is_off():
    """With it on, fast slider moves lost the session (tests/test_browser_nudges.py drives them): no message may be
    large enough to be cached."""
    import tomllib
    assert tomllib.loads(CONFIG.read_text())["global"]["minCachedMessageSize"] >= 1e12
