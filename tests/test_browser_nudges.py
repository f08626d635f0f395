"""Fast slider moves never lose the session: every slider of every page, nudged in bursts after sidebar navigation.

A presenter taps or holds an arrow key on a slider; each step is a rerun (often of a fragment), and the next key
arrives before the last run has finished. With Streamlit's message cache on, such bursts ended the session
("Connection error ... Cached ForwardMsg MISS", 3 sessions of 3 on GAN samples and Face editing) until a reload;
.streamlit/config.toml turns the cache off. This test opens Home by its URL, reaches each page through the
sidebar (as those sessions did), and on every slider the page shows gives bursts of arrow keys, back and on,
BURSTS times; the tour is walked step by step with Next, its sliders nudged on each step. It fails on any lost
session (the browser logs it as a console error), any console error at all, an exception or error alert, or a
page that does not settle after the last key.

    python -m pytest tests/test_browser_nudges.py -q
"""
from __future__ import annotations

import pytest

from test_browser import Watched, chromium, server, srv  # noqa: F401  (chromium and server: fixtures)

pytestmark = pytest.mark.browser

WINDOW = {"width": 1280, "height": 720}
BURSTS = 2                        # back-and-on bursts on each slider
BURST = ["ArrowLeft"] * 3 + ["ArrowRight"] * 3
KEY_GAP_MS = 40                   # a held arrow key repeats about this often
SLIDERS = f'{srv.MAIN} input[type="range"]'
LAST_INPUT_JS = "() => window.__ll.finishedAtInput"  # runs finished at the last key press (bench/server.py)
HEADING = f"{srv.MAIN} h1"
NEW_HEADING_JS = f"""([path, home]) => location.pathname.endsWith('/' + path)
  && [...document.querySelectorAll('{HEADING}')].some(h => h.innerText !== home)"""
SETTLED_AGAIN_JS = "() => window.__ll.settled(window.__ll.finished - 1)"  # the last run has ended and is drawn


@pytest.fixture
def tab(chromium, server):  # noqa: F811  (the fixtures imported above)
    watched = Watched(chromium, server, viewport=WINDOW)
    yield watched
    watched.close()


def through_the_sidebar(tab: Watched, page: srv.Page) -> None:
    tab.open_link(tab.server.url)
    srv.open_sidebar(tab.page)
    home = tab.page.locator(HEADING).first.inner_text()
    since = srv.runs_finished(tab.page)
    tab.page.locator(f'{srv.SIDEBAR_NAV} a[href$="/{page.url_path}"]').first.click()
    tab.wait(since)
    # A run of Home's that ended after the click also counts as "a run finished" (once in CI the Decoded grid's
    # sliders were counted while Home was on screen): wait for the page's own heading, then for its run to end.
    tab.page.wait_for_function(NEW_HEADING_JS, arg=[page.url_path, home], polling=20)
    tab.page.wait_for_function(SETTLED_AGAIN_JS, polling=20)
    tab.assert_clean(f"{page.title}, opened from the sidebar")


def nudge_every_slider(tab: Watched, where: str) -> int:
    """Bursts of arrow keys on each slider in the main area, waiting for the page to settle after each burst;
    returns how many sliders were nudged. Sliders are found again after every burst: a move may add or drop some."""
    from playwright.sync_api import Error as PlaywrightError
    k = 0
    while k < tab.page.locator(SLIDERS).count():
        thumb = tab.page.locator(SLIDERS).nth(k)
        try:
            thumb.scroll_into_view_if_needed()
        except PlaywrightError:  # a late run redrew the slider as it was found (once, under load): find it again
            tab.page.wait_for_timeout(500)
            thumb = tab.page.locator(SLIDERS).nth(k)
            thumb.scroll_into_view_if_needed()
        for _ in range(BURSTS):
            thumb.focus()
            for key in BURST:
                tab.page.keyboard.press(key)
                tab.page.wait_for_timeout(KEY_GAP_MS)
            try:
                tab.wait(tab.page.evaluate(LAST_INPUT_JS))
            except Exception:  # a lost session never settles: say what the browser logged first
                tab.assert_clean(f"{where}, while slider {k + 1} was nudged (the page never settled)")
                raise
        tab.assert_clean(f"{where}, after bursts of arrow keys on slider {k + 1}")
        k += 1
    return k


def show_thumbnails(tab: Watched) -> None:
    """Latent scatter's one slider (Thumbnails) is there with "Draw: Images as markers"."""
    since = srv.runs_finished(tab.page)
    tab.page.locator(".st-key-view").get_by_text("Images as markers", exact=True).click()
    tab.wait(since)


# What brings out the sliders a page holds back at first.
REVEAL = {"latent_scatter": show_thumbnails}


@pytest.mark.parametrize("page", [p for p in srv.discover_pages() if p.url_path], ids=lambda p: p.slug)
def test_bursts_of_arrow_keys_on_every_slider_keep_the_session(tab, page):
    through_the_sidebar(tab, page)
    if page.slug in REVEAL:
        REVEAL[page.slug](tab)
    nudged = nudge_every_slider(tab, page.title)
    if page.slug == "tour":
        nxt = tab.page.locator(".st-key-tour_next button:visible").first
        while nxt.is_enabled():
            since = srv.runs_finished(tab.page)
            nxt.click()
            tab.wait(since)
            nudged += nudge_every_slider(tab, f"Tour, {tab.page.locator(HEADING).first.inner_text()}")
    assert nudged, f"{page.title} shows no slider to nudge"
    assert "Connection error" not in tab.page.locator("body").inner_text()
