"""The "Digits by label" page, driven headless through Streamlit's AppTest with the shipped mnist-cvae.

Every control changes what is shown; uploads (AppTest's file_uploader.set_value) and drawings
(the canvas's value injected into session state, as the browser would send it) reach the
encoder through core.data.uploads; hostile files give a message, never a traceback. One
AppTest run is shared by the tests that only move controls, since each section is independent.
Passes with $LATENT_LAB_DATA set or unset; needs the shipped mnist-cvae and judge, else skips.
"""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from conftest import (APPTEST_TIMEOUT as TIMEOUT, HOME, ROOT, assert_clean, digit_rows, open_page,
                      shipped_model_present)
from core import registry
from core.data import ENV_VAR, DatasetNotFound, load_dataset
from test_uploads import CORPUS, encode, paper_digit

PAGE = "pages/3_Digits_by_label.py"
MODEL = "mnist-cvae"
HOSTILE = ["zero bytes", "text named .png", "truncated PNG", "SVG", "bomb header 20000x20000 (Pillow error)",
           "bomb header 10000x10000 (Pillow warning)", "over-size file", "blank white page"]
# The rows of digits (ui.show_digits) in page order; the last two appear once a style source is chosen.
SECTIONS = ("samples", "style", "strip", "mixed", "source", "ten")

pytestmark = pytest.mark.skipif(
    not (shipped_model_present(MODEL) and shipped_model_present("mnist-judge")),
    reason=f"needs the shipped {MODEL} and mnist-judge (python -m core.train {MODEL})")


def card(model_id: str = MODEL) -> dict:
    return registry.read_card(model_id, ROOT / "pretrained")


def heldout() -> dict:
    with np.load(ROOT / "pretrained" / MODEL / card()["files"]["latents"]) as codes:
        return {key: codes[key] for key in codes.files}


def images(at: AppTest) -> dict:
    """Each section's row of digits, by name, and the style-by-digit grid (the page's one st.image)."""
    return dict(zip(SECTIONS, digit_rows(at))) | {"grid": at.get("image")[-1]}


def rows_caption(caption: str) -> tuple[str, float, float, int]:
    """The style grid's caption "... Top to bottom: **z₃** from -3.00 to +3.00, in 9 even steps ..." as values."""
    found = re.search(r"Top to bottom: \*\*(.+?)\*\* from ([-+]\d+\.\d+) to ([-+]\d+\.\d+), in (\d+) even steps",
                      caption)
    return found[1], float(found[2]), float(found[3]), int(found[4])


def canvas_value(draw) -> dict:
    """What the drawing canvas sends back: its Fabric.js objects and the pixels as a PNG data URL."""
    img = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    draw(ImageDraw.Draw(img))
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return {"drawing": {"raw": {"objects": [{"type": "path"}]},
                        "data": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()}}


@pytest.fixture(scope="module")
def page():
    """One warm run of the page on the shipped models, shared by the tests that only move its controls."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(registry.PRETRAINED_ENV, raising=False)
        at = open_page(PAGE)
        assert_clean(at)
        yield at


@pytest.fixture
def own_digit(page):
    """The style-transfer section switched to the user's own digit, switched back afterwards."""
    page.radio(key="transfer_source").set_value("Your own digit").run()
    yield page
    page.segmented_control(key="transfer_how").set_value("Upload a picture").run()
    page.file_uploader(key="transfer_file").set_value(None)
    page.radio(key="transfer_source").set_value("A held-out digit").run()


# ---------------------------------------------------------------- the model and its figures

def test_quality_figures_come_from_the_cards(page):
    metrics = card()["metrics"]
    shown = {m.label: m.value for m in page.metric}
    assert shown["Label accuracy of samples"] == f"{metrics['label_accuracy_prior_samples']:.1%}"
    assert shown["Style-transfer accuracy"] == f"{metrics['style_transfer_label_accuracy']:.1%}"
    assert shown["Fréchet distance"] == f"{metrics['frechet_distance_samples']:,.0f}"
    vae = card("mnist-vae-16d")
    assert shown[f"Fréchet, {vae['title']}"] == f"{vae['metrics']['frechet_distance_samples']:,.0f}"
    floor = card("mnist-judge")["metrics"]["frechet_distance_real_train_vs_heldout"]
    assert shown["Fréchet, real digits (floor)"] == f"{floor:,.0f}"
    per_class = next(c.value for c in page.caption if c.value.startswith("Label accuracy of samples, digit by"))
    for digit, accuracy in metrics["label_accuracy_prior_samples_per_class"].items():
        assert f"**{digit}** {accuracy:.1%}" in per_class


def test_only_conditional_models_are_offered(page):
    shipped = [c for c in registry.list_models() if "error" not in c]
    assert page.selectbox(key="model_picker").options == [c["title"] for c in shipped if c.get("conditional")]
    assert len(shipped) > 1


def test_an_unconditional_model_in_the_url_falls_back_with_a_message(monkeypatch):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = open_page(PAGE, model="mnist-vae-2d")
    assert not at.exception
    assert any("not told the label" in w.value for w in at.warning)
    assert at.selectbox(key="model_picker").value == MODEL and at.query_params["model"] == MODEL


def test_without_conditional_models_the_page_says_how_to_build_one(tiny_pretrained):
    at = open_page(PAGE)
    assert not at.exception
    assert any("python -m core.train mnist-cvae" in i.value for i in at.info)


def test_home_links_the_page_for_conditional_models_only(monkeypatch):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = AppTest.from_file(str(HOME), default_timeout=TIMEOUT).run()
    links = {(link.proto.label, link.proto.query_string) for link in at.get("page_link")}
    assert ("Digits by label", "") in links and ("Digits by label", f"model={MODEL}") in links
    assert ("Digits by label", "model=mnist-vae-2d") not in links


# ---------------------------------------------------------------- samples, style sliders, label mixing

def test_samples_follow_the_digit_count_and_seed(page):
    shown = images(page)["samples"]
    assert len(shown.value) == 24
    readings = page.markdown[0].value
    correct = int(re.search(r"\*\*(\d+) of 24\*\*", readings)[1])
    assert correct >= 20 and readings.endswith("as 0.")
    assert sum(c == "reads 0" for c in shown.captions) == correct
    before = shown.value
    page.segmented_control(key="sample_digit").set_value(6).run()
    assert images(page)["samples"].value != before and page.markdown[0].value.endswith("as 6.")
    page.slider(key="sample_count").set_value(8).run()
    assert len(images(page)["samples"].value) == 8
    first_seed = images(page)["samples"].value
    page.number_input(key="sample_seed").set_value(7).run()
    assert_clean(page)
    assert images(page)["samples"].value != first_seed


def test_style_sliders_move_the_most_used_dimensions_and_keep_the_label(page):
    spread = heldout()["means"].std(0)
    sliders = {s.key for s in page.slider if s.key.startswith("style_z")}
    assert sliders == {f"style_z{k + 1}" for k in np.argsort(-spread)[:4]}
    seen = {images(page)["style"].value[0]}
    for key in sliders:
        page.slider(key=key).set_value(1.5).run()
        assert_clean(page)
        seen.add(images(page)["style"].value[0])
        assert images(page)["style"].captions[0].startswith("2 · judge reads")
    assert len(seen) == len(sliders) + 1  # every slider changed the digit
    page.segmented_control(key="style_digit").set_value(5).run()
    assert images(page)["style"].captions[0].startswith("5 · judge reads")


def test_label_mixing_runs_from_one_digit_to_the_other(page):
    strip, mixed = images(page)["strip"], images(page)["mixed"]
    assert len(strip.value) == 11
    assert strip.captions[0] == "0.0 · 8" and strip.captions[-1] == "1.0 · 3"
    assert mixed.captions[0].startswith("t = 0.50: 50% 8 + 50% 3")
    page.slider(key="mix_weight").set_value(1.0).run()
    assert images(page)["mixed"].captions == ["t = 1.00: 0% 8 + 100% 3, reads 3"]
    assert images(page)["mixed"].value != mixed.value and images(page)["strip"].value == strip.value
    page.selectbox(key="mix_to").set_value(1).run()
    assert images(page)["strip"].captions[-1] == "1.0 · 1"
    page.selectbox(key="mix_from").set_value(0).run()
    assert images(page)["strip"].captions[0] == "0.0 · 0"
    before = images(page)["strip"].value
    page.number_input(key="mix_seed").set_value(3).run()
    assert_clean(page)
    assert images(page)["strip"].value != before


# ---------------------------------------------------------------- style transfer

def local_originals():
    try:
        x, y = load_dataset("mnist", download=False)[1]
    except DatasetNotFound:
        return None
    return x if np.array_equal(y, heldout()["labels"]) else None


@pytest.mark.parametrize("with_data", [False, True], ids=["without-data", "with-data"])
def test_heldout_style_is_written_as_all_ten_digits(with_data, request, tmp_path, monkeypatch):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    if with_data:
        if local_originals() is None:
            pytest.skip(f"the {MODEL} held-out digits are not on this machine (set {ENV_VAR})")
    else:
        monkeypatch.setenv(ENV_VAR, str(tmp_path / "empty"))
        monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    at = open_page(PAGE)
    assert_clean(at)
    label = int(heldout()["labels"][0])
    source, ten = images(at)["source"], images(at)["ten"]
    assert source.captions == [f"#0, a {label}" if with_data else f"#0, a {label}, redrawn"]
    notes = " ".join(c.value for c in at.caption)
    assert ("shipped latent mean" in notes) if with_data else (ENV_VAR in notes and "latents.npz" in notes)
    assert sum(c == f"reads {d}" for d, c in enumerate(ten.captions)) >= 8
    at.number_input(key="heldout_index").set_value(5).run()
    assert_clean(at)
    assert images(at)["source"].value != source.value and images(at)["ten"].value != ten.value


def test_uploaded_digit_gets_the_judges_label_which_the_user_can_correct(own_digit):
    at = own_digit
    assert "ten" not in images(at)  # nothing to transfer until there is a digit
    at.file_uploader(key="transfer_file").set_value(("one.png", encode(paper_digit()), "image/png")).run()
    assert_clean(at)
    assert at.selectbox(key="transfer_label").value == 1
    assert images(at)["source"].captions == ["yours, judge reads 1"]
    as_one = images(at)["ten"].value
    at.selectbox(key="transfer_label").set_value(7).run()
    assert_clean(at)
    assert images(at)["ten"].value != as_one  # encoded again, told it is a 7
    assert any("encoded as a 7" in c.value for c in at.caption)
    ring = Image.new("L", (100, 100), 255)
    ImageDraw.Draw(ring).ellipse((25, 15, 75, 85), outline=0, width=9)
    at.file_uploader(key="transfer_file").set_value(("zero.png", encode(ring), "image/png")).run()
    assert at.selectbox(key="transfer_label").value == 0  # a new digit starts again from the judge's guess


@pytest.mark.parametrize("name", HOSTILE)
def test_unreadable_uploads_give_a_clear_message(own_digit, name):
    make, expected = CORPUS[name]
    own_digit.file_uploader(key="transfer_file").set_value((f"{name}.png", make(), "image/png")).run()
    assert not own_digit.exception, [e.message for e in own_digit.exception]
    assert len(own_digit.error) == 1 and re.search(expected, own_digit.error[0].value), own_digit.error[0].value
    assert "ten" not in images(own_digit)


def test_drawn_digit_is_read_and_encoded(own_digit):
    at = own_digit
    at.segmented_control(key="transfer_how").set_value("Draw it").run()
    assert_clean(at)
    assert any("Draw one digit" in c.value for c in at.caption) and "ten" not in images(at)
    at.session_state["transfer_canvas"] = canvas_value(
        lambda pen: pen.line([(70, 50), (210, 50), (120, 240)], fill=(0, 0, 0, 255), width=22))
    at.run()
    assert_clean(at)
    assert at.selectbox(key="transfer_label").value == 7
    assert len(images(at)["ten"].value) == 10
    at.session_state["transfer_canvas"] = canvas_value(
        lambda pen: pen.line([(70, 50), (210, 50)], fill=(0, 0, 0, 8), width=22))  # too faint to be ink
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] and "blank" in at.error[0].value and "ten" not in images(at)


# ---------------------------------------------------------------- style by digit

def test_style_by_digit_grid_follows_its_controls(page, pictures):
    def grid() -> tuple[np.ndarray, str]:
        caption = next(c.value for c in page.caption if c.value.startswith("Left to right: the label"))
        return np.asarray(pictures(images(page)["grid"])[0]), caption

    spread = heldout()["means"].std(0)
    assert page.selectbox(key="grid_dim").value == int(np.argmax(spread))
    page.run()  # a run the pictures fixture sees
    mosaic, caption = grid()
    assert mosaic.shape[:2] == (2 * 28 * 9, 2 * 28 * 10)  # nine rows of ten digits, each shown twice its size
    assert "**0** to **9**" in caption
    assert rows_caption(caption) == (f"z{chr(0x2080 + int(np.argmax(spread)) + 1)}", -3.0, 3.0, 9)
    page.slider(key="grid_rows").set_value(5).run()
    assert grid()[0].shape[:2] == (2 * 28 * 5, 2 * 28 * 10)
    page.slider(key="grid_extent").set_value(1.0).run()
    assert rows_caption(grid()[1])[1:] == (-1.0, 1.0, 5)
    before = grid()[0]
    other = int(np.argmin(spread))
    page.selectbox(key="grid_dim").set_value(other).run()
    assert_clean(page)
    after, caption = grid()
    assert rows_caption(caption)[0] == f"z{chr(0x2080 + other + 1)}"
    assert not np.array_equal(after, before)
