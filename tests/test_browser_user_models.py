"""A user's own model in a real browser: a small VAE trained by the test on pictures it draws itself (`python -m
core.train vae --images`, into a models folder of its own), then its Latent scatter and Decoded grid opened by their
links (?model=shapes) in headless Chromium, driven once each, with screenshots in screenshots/user_model_*.png.

Each page must finish its run without an exception element, an error alert, a console error or a request leaving
127.0.0.1 (tests/test_browser.py's checks). The server runs without the data set, as the other browser tests' do.

    python -m pytest tests/test_browser_user_models.py -q
"""
from __future__ import annotations

import os

import pytest

from test_browser import LIVE_READY_JS, Watched, choose, nudge, query, srv
from test_user_models import write_pictures

pytestmark = pytest.mark.browser

PORT = 8631  # this test's own, apart from the other browser tests' free ports
MODEL = "shapes"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A models folder holding one 2-D VAE trained for a few epochs on 1,000 generated squares and bars."""
    from core import registry
    from core.train import main
    base = tmp_path_factory.mktemp("user-browser")
    pictures = write_pictures(base / "pictures", n=1000)
    before = os.environ.get(registry.USER_ENV)
    os.environ[registry.USER_ENV] = str(base / "models")
    try:
        assert main(["vae", "--images", str(pictures), "--labels", str(pictures / "labels.csv"), "--epochs", "25",
                     "--name", MODEL, "--runs", str(base / "runs")]) == 0
    finally:
        os.environ[registry.USER_ENV] = before
    return base / "models"


@pytest.fixture(scope="module")
def server(models, tmp_path_factory):
    reason = srv.browser_unavailable()
    if reason:
        pytest.skip(reason)
    nothing = tmp_path_factory.mktemp("no-data")
    env = {"LATENT_LAB_DATA": str(nothing), "HOME": str(nothing), "LATENT_LAB_MODELS": str(models)}
    with srv.StreamlitServer(port=PORT, timeout=90, extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def chromium(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p, srv.chromium(p) as b:
        yield b


@pytest.fixture
def tab(chromium, server):
    watched = Watched(chromium, server)
    yield watched
    watched.close()


def shows_the_model(tab: Watched) -> None:
    """The page shows the user's model: the address names it, and the sidebar says what it is (its card's summary)."""
    assert f"model={MODEL}" in tab.page.url, tab.page.url
    assert "A 2-D VAE trained on your pictures (28 x 28, grey)" in tab.page.locator('[data-testid="stSidebar"]').inner_text()


def test_the_scatter_of_a_user_model(tab, server):
    tab.open_link(f"{server.url}/Latent_scatter?model={MODEL}")
    tab.assert_clean("Latent scatter of the user's model")
    shows_the_model(tab)
    assert tab.page.get_by_text("Each dot is one of the 100 held-out pictures").count()  # 10% of 1,000
    tab.screenshot("user_model_scatter")
    choose(tab, "view", "Images as markers", "after choosing Images as markers", new_pictures=False)
    tab.page.wait_for_function(f"() => ({srv.CHART_IMAGES_JS})().length === 1")  # one sheet of decoded pictures
    assert query(tab)["view"] == "images"
    tab.screenshot("user_model_scatter_markers")


def test_the_decoded_grid_of_a_user_model(tab, server):
    tab.open_link(f"{server.url}/Decoded_grid?model={MODEL}")
    tab.assert_clean("Decoded grid of the user's model")
    shows_the_model(tab)
    assert nudge(tab, "grid_size") == ("15", "16")
    tab.screenshot("user_model_grid")
    choose(tab, "grid_view", "Live under the pointer", "after choosing the live view", new_pictures=False)
    tab.page.wait_for_function(LIVE_READY_JS)
    assert query(tab)["view"] == "live"
    tab.assert_clean("the live plane of the user's model")
