"""The "Digits by label" page, driven headless through Streamlit's AppTest with the shipped mnist-cvae.

Every control changes what is shown; uploads (AppTest's file_uploader.set_value) and drawings
(the canvas's value injected into session state, as the browser would send it) reach the
encoder through core.data.uploads; hostile files give a message, never a traceback. Judge captions
are re-done here with the shipped judge and its measured confidence threshold, and switching between two
conditional models leaves nothing of one on the other. One
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

from conftest import (APPTEST_TIMEOUT as TIMEOUT, GRID, HOME, ROOT, assert_clean, build_tiny_cvae,
                      choose, chosen, digit_rows, go_to, live_rows, live_sliders, open_page, release,
                      shipped_model_present, slider_frames, widget_keys)
from core import registry
from core.images import to_uint8
from core.data import ENV_VAR, DatasetNotFound, load_dataset
from test_uploads import CORPUS, encode, paper_digit

PAGE = "pages/3_Digits_by_label.py"
MODEL = "mnist-cvae"
HOSTILE = ["zero bytes", "text named .png", "truncated PNG", "SVG", "bomb header 20000x20000 (Pillow error)",
           "bomb header 10000x10000 (Pillow warning)", "over-size file", "blank white page"]
# The rows of digits (pictures.show_digits) in page order; the last two appear once a style source is chosen.
SECTIONS = ("samples", "style", "strip", "mixed", "source", "ten")
STYLE_GRID_PIXELS = 520  # the style-by-digit grid's width on screen

pytestmark = pytest.mark.skipif(
    not (shipped_model_present(MODEL) and shipped_model_present("mnist-judge")),
    reason=f"needs the shipped {MODEL} and mnist-judge (python -m core.train {MODEL})")


def card(model_id: str = MODEL) -> dict:
    return registry.read_card(model_id, ROOT / "pretrained")


def heldout(model_id: str = MODEL, root: Path = ROOT / "pretrained") -> dict:
    with np.load(root / model_id / registry.read_card(model_id, root)["files"]["latents"]) as codes:
        return {key: codes[key] for key in codes.files}


def latent_name(k: int) -> str:
    return "z" + str(k + 1).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


HEADLINE = re.compile(r"The judge surely reads \*\*(\d+) of (\d+)\*\* as (\w+)(?:, and is unsure of (\d+))?\.$")
READING = re.compile(r"reads (\w+)( ✗)?|unsure: (\w+)\? (\d+(?:\.\d+)?)%")


def headline(at: AppTest) -> tuple[int, int, str, int]:
    """The samples' "The judge surely reads **k of n** as D[, and is unsure of m]." as (k, n, D, m)."""
    found = HEADLINE.fullmatch(at.markdown[0].value)
    assert found, at.markdown[0].value
    return int(found[1]), int(found[2]), found[3], int(found[4] or 0)


def judge_threshold() -> float:
    return card("mnist-judge")["metrics"]["confidence_threshold"]


@pytest.fixture(scope="module")
def shipped_models():
    """The shipped mnist-cvae and judge, loaded here to re-do what the page shows."""
    import core
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(registry.PRETRAINED_ENV, raising=False)
        return core.load_model(MODEL), core.load_judge()


def assert_reading(caption: str, read: int, confidence: float, wanted: int | None = None) -> None:
    """The caption rule: a reading only at or above the judge's measured threshold, else "unsure" with the best
    guess and its probability (to the digits shown)."""
    if confidence >= judge_threshold():
        assert caption == f"reads {read}" + (" ✗" if wanted is not None and read != wanted else ""), caption
        return
    found = READING.fullmatch(caption)
    assert found and found[3] == str(read), (caption, read, confidence)
    decimals = len(found[4].partition(".")[2])
    assert abs(float(found[4]) - 100 * confidence) <= 0.5 * 10 ** -decimals + 1e-9, (caption, confidence)


def images(at: AppTest) -> dict:
    """Each section's row of captioned digits, by name, and the style-by-digit grid (the one picture shown
    without a caption under it)."""
    rows = digit_rows(at)
    grids = [row for row in rows if not row.captions]
    return dict(zip(SECTIONS, [row for row in rows if row.captions])) | ({"grid": grids[-1]} if grids else {})


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
    page.file_uploader(key="transfer_file").set_value(None).run()  # forgets the upload it held
    if "transfer_remove" in widget_keys(page):  # one kept from before the uploader was hidden
        page.button(key="transfer_remove").click().run()
    assert "transfer_upload" not in page.session_state
    page.radio(key="transfer_source").set_value("A held-out digit").run()


# ---------------------------------------------------------------- the model and its figures

def test_quality_figures_come_from_the_cards(page):
    metrics = card()["metrics"]
    shown = {m.label: m.value for m in page.metric}
    assert shown["Label accuracy of samples"] == f"{metrics['label_accuracy_prior_samples']:.1%}"
    assert shown["Style-transfer accuracy"] == f"{metrics['style_transfer_label_accuracy']:.1%}"
    judges = ("mnist-judge", "mnist-judge-b")
    text = (lambda v: f"{v:,.0f}" if v >= 100 else f"{v:.3g}")  # three significant figures, at least the whole
    assert shown["Fréchet, each judge"] == " · ".join(text(metrics["sample_quality"][j]["frechet_distance"])
                                                      for j in judges)
    vae = card("mnist-vae-16d")  # the lowest first-judge distance of the models not told the label
    assert shown[f"Fréchet, {vae['title']}"] == " · ".join(
        text(vae["metrics"]["sample_quality"][j]["frechet_distance"]) for j in judges)
    assert shown["Fréchet, real digits (floor)"] == " · ".join(
        text(card(j)["metrics"]["frechet_distance_real_train_vs_heldout"]) for j in judges)
    per_class = next(c.value for c in page.caption if c.value.startswith("Label accuracy of samples, digit by"))
    assert sorted(metrics["label_accuracy_prior_samples_per_class"]) == [str(d) for d in range(10)]  # not vacuous
    for digit, accuracy in metrics["label_accuracy_prior_samples_per_class"].items():
        assert f"**{digit}** {accuracy:.1%}" in per_class


def test_only_conditional_models_are_offered(page):
    shipped = [c for c in registry.list_models() if "error" not in c]
    assert page.selectbox(key="model_picker").options == [c["title"] for c in shipped
                                                           if c.get("conditional") and c["files"].get("encoder")]
    assert len(shipped) > 1


def test_an_unconditional_model_in_the_url_falls_back_with_a_message(monkeypatch):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = open_page(PAGE, model="mnist-vae-2d")
    assert not at.exception
    assert any("this page needs a model that is told the label" in w.value for w in at.warning)
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
    correct, count, digit, unsure = headline(page)
    assert (count, digit) == (24, "0") and correct >= 20
    assert sum(c == "reads 0" for c in shown.captions) == correct  # confident, right readings only
    assert sum(c.startswith("unsure: ") for c in shown.captions) == unsure
    assert all(READING.fullmatch(c) for c in shown.captions), shown.captions
    before = shown.value
    page.segmented_control(key="sample_digit").set_value(6).run()
    assert images(page)["samples"].value != before and headline(page)[1:3] == (24, "6")
    page.slider(key="sample_count").set_value(8).run()
    assert len(images(page)["samples"].value) == 8
    first_seed = images(page)["samples"].value
    page.number_input(key="sample_seed").set_value(7).run()
    assert_clean(page)
    assert images(page)["samples"].value != first_seed


def test_judge_says_unsure_below_its_measured_threshold_and_counts_sure_readings_only(page, shipped_models):
    """Digit 7, 64 samples, seed 9999: some samples are blobs the judge must not claim to read."""
    page.segmented_control(key="sample_digit").set_value(7)
    page.slider(key="sample_count").set_value(64)
    page.number_input(key="sample_seed").set_value(9999).run()
    assert_clean(page)
    shown = images(page)["samples"]
    correct, count, digit, unsure = headline(page)
    assert (count, digit) == (64, "7") and len(shown.captions) == 64
    assert any(c.startswith("unsure: ") for c in shown.captions)
    assert correct == sum(c == "reads 7" for c in shown.captions)
    assert unsure == sum(c.startswith("unsure: ") for c in shown.captions) > 0
    # The same samples read here by the same judge: every caption follows the rule at the card's threshold.
    model, judge = shipped_models
    assert judge.confidence_threshold == judge_threshold() == 0.995
    digits = model.decode(model.sample_latents(64, seed=9999), 7)
    assert [np.asarray(p).tobytes() for p in shown.pictures()] == [d.tobytes() for d in to_uint8(digits)]
    read, confidence = judge.read(digits)
    for caption, r, c in zip(shown.captions, read, confidence, strict=True):
        assert_reading(caption, r, c, wanted=7)
    assert f"at least {judge_threshold():.1%} sure" in page.caption[0].value  # the rule is stated on the page
    page.segmented_control(key="sample_digit").set_value(0)
    page.slider(key="sample_count").set_value(24)
    page.number_input(key="sample_seed").set_value(0).run()


def test_mix_strip_marks_the_readings_the_judge_is_unsure_of(page, shipped_models):
    strip, mixed = images(page)["strip"], images(page)["mixed"]
    model, judge = shipped_models
    weights = np.linspace(0.0, 1.0, 11)
    labels = (1 - weights[:, None]) * np.eye(10)[8] + weights[:, None] * np.eye(10)[3]
    digits = model.decode(np.repeat(model.sample_latents(1, seed=0), 11, axis=0), labels.astype(np.float32))
    read, confidence = judge.read(digits)
    expected = [f"{t:.1f} · {r}{'' if c >= judge_threshold() else '?'}" for t, r, c in zip(weights, read, confidence)]
    assert strip.captions == expected
    assert any(c.endswith("?") for c in strip.captions) and not strip.captions[0].endswith("?")
    assert READING.fullmatch(mixed.captions[0].split(", ", 1)[1])


def style_sliders(at: AppTest) -> dict[str, dict]:
    return {key: data for key, data in live_sliders(at).items() if key.startswith("style_z")}


def test_style_sliders_move_the_most_used_dimensions_and_keep_the_label(page):
    spread = heldout()["means"].std(0)
    sliders = style_sliders(page)
    assert set(sliders) == {f"style_z{k + 1}_{MODEL}" for k in np.argsort(-spread)[:4]}
    assert all((s["min"], s["max"], s["step"], s["value"], s["picture"]) == (-3.0, 3.0, 0.1, 0.0, "style_digit")
               for s in sliders.values())
    assert live_rows(page, "style_digit") == [images(page)["style"]]  # the digit they draw over while dragged
    seen = {images(page)["style"].value[0]}
    for key in sliders:
        release(page, key, 1.5)
        assert_clean(page)
        seen.add(images(page)["style"].value[0])
        assert re.fullmatch(r"2 · judge (reads \d( ✗)?|unsure: \d\? \d+%)", images(page)["style"].captions[0])
    assert len(seen) == len(sliders) + 1  # every slider changed the digit
    assert {s["value"] for s in style_sliders(page).values()} == {1.5}
    for key in sliders:
        release(page, key, 0.0)
    page.segmented_control(key="style_digit").set_value(5).run()
    assert images(page)["style"].captions[0] == "5 · judge reads 5"  # the prior's centre, written clearly


def test_a_released_style_slider_shows_the_exact_digit_and_its_frames_hold_the_other_sliders(page, shipped_models):
    """The release path: the value sent is snapped to the step, the page decodes the digit exactly there; each
    slider's frames (33 along -3..3) are the decoder's digits with the other sliders where they stand, rebuilt
    when another slider moves."""
    model, judge = shipped_models
    page.segmented_control(key="style_digit").set_value(2).run()
    keys = sorted(style_sliders(page))
    first, second = keys[0], keys[1]
    k1, k2 = (int(re.match(r"style_z(\d+)_", key)[1]) - 1 for key in (first, second))
    before = style_sliders(page)[second]["frames"]
    release(page, first, 1.234)
    assert_clean(page)
    assert style_sliders(page)[first]["value"] == 1.2 and page.session_state[first] == 1.2
    # the digit says which position of each slider it shows: the browser then knows its exact picture has come
    assert set(images(page)["style"].live_at.split()) == {f"{key}:{42 if key == first else 30}" for key in keys}
    z = np.zeros(model.latent_dim, np.float32)
    z[k1] = 1.2
    expected = to_uint8(model.decode(z[None], 2))
    digit, = images(page)["style"].pictures()
    assert np.abs(np.asarray(digit, int) - expected[0].astype(int)).max() <= 1
    read, confidence = judge.read(expected)
    shown = images(page)["style"].captions[0]
    assert shown.startswith("2 · judge ")
    assert_reading(shown.removeprefix("2 · judge "), read[0], confidence[0], wanted=2)
    assert style_sliders(page)[second]["frames"] != before  # its frames now hold the first slider at 1.2
    frames = slider_frames(page, second)
    assert frames["id"] == style_sliders(page)[second]["frames"]
    stops = np.rint(np.linspace(0, 60, 33)).astype(int)
    assert frames["meta"]["stops"] == stops.tolist()
    codes = np.repeat(z[None], 33, axis=0)
    codes[:, k2] = np.round(-3.0 + stops * 0.1, 1)
    from core.slider_frames import picture
    cells = np.stack([picture(frames["pixels"], frames["layout"], k, 0) for k in range(33)])
    assert np.abs(cells.astype(int) - to_uint8(model.decode(codes, 2)).astype(int)).max() <= 1
    release(page, first, 0.0)


def test_label_mixing_runs_from_one_digit_to_the_other(page):
    strip, mixed = images(page)["strip"], images(page)["mixed"]
    assert len(strip.value) == 11
    assert strip.captions[0] == "0.0 · 8" and strip.captions[-1] == "1.0 · 3"
    assert mixed.captions[0].startswith("t = 0.50: 50% 8 + 50% 3")
    assert live_sliders(page)["mix_weight"]["picture"] == "mix_digit" == images(page)["mixed"].live
    release(page, "mix_weight", 0.98)  # a live slider: let go, it snaps to its step
    assert images(page)["mixed"].captions == ["t = 1.00: 0% 8 + 100% 3, reads 3"]
    assert images(page)["mixed"].value != mixed.value and images(page)["strip"].value == strip.value
    frames = slider_frames(page, "mix_weight")  # every step of t a frame: the style decoded with that blend
    assert frames["meta"]["stops"] == list(range(21))
    from core.slider_frames import picture
    for step, frame in ((10, 20), (5, 10), (0, 0)):  # the strip's steps of 0.1 are frames 2 apart
        drawn = picture(frames["pixels"], frames["layout"], frame, 0).astype(int)
        assert np.abs(np.asarray(images(page)["strip"].pictures()[step], int) - drawn).max() <= 1
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


@pytest.fixture(scope="module")
def measured_style(shipped_models) -> int:
    """The held-out digit style transfer should open on, measured here by core.judges.clearest_style."""
    from core.judges import clearest_style
    model, judge = shipped_models
    codes = heldout()
    index = clearest_style(model, judge, codes["means"], codes["labels"])
    assert index != 0  # not vacuous: digit #0 was the old default
    return index


@pytest.mark.parametrize("with_data", [False, True], ids=["without-data", "with-data"])
def test_heldout_style_is_written_as_all_ten_digits(with_data, request, tmp_path, monkeypatch, measured_style):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    if with_data:
        if local_originals() is None:
            pytest.skip(f"the {MODEL} held-out digits are not on this machine (set {ENV_VAR})")
    else:
        monkeypatch.setenv(ENV_VAR, str(tmp_path / "empty"))
        monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    at = open_page(PAGE)
    assert_clean(at)
    index = at.number_input(key=f"heldout_index_{MODEL}").value
    assert index == measured_style  # opens on the measured digit, not on #0
    label = int(heldout()["labels"][index])
    source, ten = images(at)["source"], images(at)["ten"]
    assert source.captions == [f"#{index}, a {label}" if with_data else f"#{index}, a {label}, redrawn"]
    notes = " ".join(c.value for c in at.caption)
    assert ("shipped latent mean" in notes) if with_data else (ENV_VAR in notes and "latents.npz" in notes)
    assert ten.captions == [f"reads {d}" for d in range(10)]  # every label rendered, each read surely
    other = 5 if index != 5 else 6
    at.number_input(key=f"heldout_index_{MODEL}").set_value(other).run()
    assert_clean(at)
    assert images(at)["source"].value != source.value and images(at)["ten"].value != ten.value
    label = int(heldout()["labels"][other])
    assert images(at)["source"].captions == [f"#{other}, a {label}" if with_data else f"#{other}, a {label}, redrawn"]


# ---------------------------------------------------------------- the URL

IGNORED = "Some settings in the link were ignored"


OPENING = {"look": "2", "mix": "8,3,0.5,0"}  # the style sliders' digit and label mixing as the page opens


def test_samples_and_style_are_kept_in_the_url_and_a_link_restores_them(monkeypatch, measured_style):
    """The samples' digit and seed and the style's held-out digit go into the URL as they change; the link, opened
    afresh, shows the same samples and the same style transfer. Your own digit is not part of a link."""
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = open_page(PAGE)
    assert dict(at.query_params) == {"model": MODEL, "digit": "0", "seed": "0", "style": str(measured_style), **OPENING}
    other = 5 if measured_style != 5 else 6
    at.segmented_control(key="sample_digit").set_value(7).run()
    at.number_input(key="sample_seed").set_value(12).run()
    at.number_input(key=f"heldout_index_{MODEL}").set_value(other).run()
    assert_clean(at)
    assert dict(at.query_params) == {"model": MODEL, "digit": "7", "seed": "12", "style": str(other), **OPENING}
    again = open_page(PAGE, **at.query_params)
    assert_clean(again)
    assert not again.warning
    assert again.segmented_control(key="sample_digit").value == 7 and again.number_input(key="sample_seed").value == 12
    assert again.number_input(key=f"heldout_index_{MODEL}").value == other
    assert dict(again.query_params) == dict(at.query_params)
    for section in ("samples", "source", "ten"):  # the same pictures
        assert images(again)[section].value == images(at)[section].value, section
    at.radio(key="transfer_source").set_value("Your own digit").run()
    assert "style" not in at.query_params and at.query_params["digit"] == "7"


def test_style_sliders_and_label_mixing_are_kept_in_the_url_and_a_link_restores_them(monkeypatch):
    """A replica lost mid-demo reconnects to another with the URL as it was: the style sliders' digit and values and
    label mixing's from, to, t and seed come back with it."""
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = open_page(PAGE)
    first, second = sorted(style_sliders(at))[:2]
    dim = int(re.match(r"style_z(\d+)_", first)[1])
    at.segmented_control(key="style_digit").set_value(5).run()
    release(at, first, 1.234)
    release(at, "mix_weight", 0.8)
    at.selectbox(key="mix_from").set_value(1).run()
    at.number_input(key="mix_seed").set_value(9).run()
    assert_clean(at)
    assert at.query_params["look"] == "5" and at.query_params["style_z"] == f"{dim}:1.2"
    assert at.query_params["mix"] == "1,3,0.8,9"
    again = open_page(PAGE, **at.query_params)
    assert_clean(again)
    assert not again.warning
    assert again.segmented_control(key="style_digit").value == 5
    assert style_sliders(again)[first]["value"] == 1.2 and style_sliders(again)[second]["value"] == 0.0
    assert (again.selectbox(key="mix_from").value, again.selectbox(key="mix_to").value) == (1, 3)
    assert again.number_input(key="mix_seed").value == 9 and live_sliders(again)["mix_weight"]["value"] == 0.8
    for section in ("style", "strip", "mixed"):  # the same pictures
        assert images(again)[section].value == images(at)[section].value, section
    assert dict(again.query_params) == dict(at.query_params)


@pytest.mark.parametrize("query, why", [
    ({"style_z": "1:9"}, "a number from -3 to 3"), ({"style_z": "999:1"}, "a whole number from 1 to"),
    ({"mix": "1,2,0.5"}, "from, to, t and style seed"), ({"mix": "1,2,2,0"}, "a number from 0 to 1"),
    ({"look": "10"}, "a whole number from 0 to 9"),
])
def test_a_bad_style_or_mix_value_gets_one_notice(monkeypatch, query, why):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = open_page(PAGE, **query)
    assert_clean(at)
    notices = [w.value for w in at.warning]
    (name, value), = query.items()
    assert len(notices) == 1 and f"`{name}={value}`" in notices[0] and why in notices[0]
    assert {k: at.query_params[k] for k in OPENING} == OPENING and "style_z" not in at.query_params


@pytest.mark.parametrize("query, why", [
    ({"digit": "10"}, "a whole number from 0 to 9"), ({"digit": "seven"}, "a whole number from 0 to 9"),
    ({"seed": "-1"}, "a whole number from 0 to 4294967295"), ({"seed": "4294967296"}, "a whole number from 0 to 4294967295"),
    ({"style": "99999"}, "a whole number from 0 to "), ({"style": "1.5"}, "a whole number from 0 to "),
    ({"colour": "blue"}, "not a setting of this page"),
])
def test_a_bad_link_value_gets_one_notice_naming_it_and_the_default(monkeypatch, measured_style, query, why):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = open_page(PAGE, **query)
    assert_clean(at)
    notices = [w.value for w in at.warning]
    (name, value), = query.items()
    assert len(notices) == 1 and IGNORED in notices[0] and f"`{name}={value}`" in notices[0] and why in notices[0]
    assert at.segmented_control(key="sample_digit").value == 0 and at.number_input(key="sample_seed").value == 0
    assert at.number_input(key=f"heldout_index_{MODEL}").value == measured_style
    assert dict(at.query_params) == {"model": MODEL, "digit": "0", "seed": "0", "style": str(measured_style), **OPENING}
    at.run()  # the notice is about the link: it does not come back on the next run
    assert not at.warning


def test_one_notice_names_every_bad_parameter_and_the_good_ones_are_used(monkeypatch):
    monkeypatch.delenv(registry.PRETRAINED_ENV, raising=False)
    at = open_page(PAGE, digit="3", seed="x", style="-4", colour="blue")
    notices = [w.value for w in at.warning]
    assert len(notices) == 1 and all(f"`{p}`" in notices[0] for p in ("seed=x", "style=-4", "colour=blue"))
    assert "digit=3" not in notices[0] and at.segmented_control(key="sample_digit").value == 3


def test_uploaded_digit_gets_the_judges_label_which_the_user_can_correct(own_digit, shipped_models):
    from core.data.uploads import normalise_upload
    at = own_digit
    assert "ten" not in images(at)  # nothing to transfer until there is a digit
    at.file_uploader(key="transfer_file").set_value(("one.png", encode(paper_digit()), "image/png")).run()
    assert_clean(at)
    assert at.selectbox(key=f"transfer_label_{MODEL}").value == 1
    read, confidence = shipped_models[1].read(normalise_upload(encode(paper_digit()))[None])
    assert read[0] == 1
    (caption,) = images(at)["source"].captions
    assert caption.startswith("yours, judge ")
    assert_reading(caption.removeprefix("yours, judge "), read[0], confidence[0])
    as_one = images(at)["ten"].value
    at.selectbox(key=f"transfer_label_{MODEL}").set_value(7).run()
    assert_clean(at)
    assert images(at)["ten"].value != as_one  # encoded again, told it is a 7
    assert any("encoded as a 7" in c.value for c in at.caption)
    ring = Image.new("L", (100, 100), 255)
    ImageDraw.Draw(ring).ellipse((25, 15, 75, 85), outline=0, width=9)
    at.file_uploader(key="transfer_file").set_value(("zero.png", encode(ring), "image/png")).run()
    assert at.selectbox(key=f"transfer_label_{MODEL}").value == 0  # a new digit starts again from the judge's guess


def test_an_upload_stays_until_the_user_removes_it(own_digit):
    at = own_digit
    at.file_uploader(key="transfer_file").set_value(("one.png", encode(paper_digit()), "image/png")).run()
    assert_clean(at)
    source, ten = images(at)["source"], images(at)["ten"]
    assert "transfer_remove" not in widget_keys(at)  # the uploader shows the file itself
    at.radio(key="transfer_source").set_value("A held-out digit").run()
    assert images(at)["source"].captions[0].startswith("#")
    at.radio(key="transfer_source").set_value("Your own digit").run()  # the uploader comes back empty ...
    assert_clean(at)
    assert at.file_uploader(key="transfer_file").value is None
    assert images(at)["source"] == source and images(at)["ten"] == ten  # ... but the digit and its ten are still there
    assert any(c.value == "Using `one.png`, uploaded earlier." for c in at.caption)
    at.button(key="transfer_remove").click().run()
    assert_clean(at)
    assert "ten" not in images(at) and "source" not in images(at)
    assert "transfer_remove" not in widget_keys(at) and not any("uploaded earlier" in c.value for c in at.caption)
    at.radio(key="transfer_source").set_value("A held-out digit").run()
    at.radio(key="transfer_source").set_value("Your own digit").run()
    assert "ten" not in images(at)  # forgotten for good


def test_a_kept_upload_keeps_its_label(own_digit):
    at = own_digit
    at.file_uploader(key="transfer_file").set_value(("one.png", encode(paper_digit()), "image/png")).run()
    at.selectbox(key=f"transfer_label_{MODEL}").set_value(7).run()  # the user's correction
    ten = images(at)["ten"]
    at.radio(key="transfer_source").set_value("A held-out digit").run()
    at.radio(key="transfer_source").set_value("Your own digit").run()
    assert_clean(at)
    assert at.selectbox(key=f"transfer_label_{MODEL}").value == 7
    assert any("encoded as a 7" in c.value for c in at.caption)
    assert images(at)["ten"] == ten


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
    assert at.selectbox(key=f"transfer_label_{MODEL}").value == 7
    assert len(images(at)["ten"].value) == 10
    at.session_state["transfer_canvas"] = canvas_value(
        lambda pen: pen.line([(70, 50), (210, 50)], fill=(0, 0, 0, 8), width=22))  # too faint to be ink
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] and "blank" in at.error[0].value and "ten" not in images(at)


# ---------------------------------------------------------------- style by digit

def test_style_by_digit_grid_follows_its_controls(page):
    def grid() -> tuple[np.ndarray, str]:
        caption = next(c.value for c in page.caption if c.value.startswith("Left to right: the label"))
        shown = images(page)["grid"]
        assert shown.widths == [STYLE_GRID_PIXELS]  # on screen, whatever the rows
        return np.asarray(shown.pictures()[0]), caption

    spread = heldout()["means"].std(0)
    assert page.selectbox(key=f"grid_dim_{MODEL}").value == int(np.argmax(spread))
    mosaic, caption = grid()
    assert mosaic.shape[:2] == (9 * 28, 10 * 28)  # nine rows of ten digits
    assert "**0** to **9**" in caption
    assert rows_caption(caption) == (f"z{chr(0x2080 + int(np.argmax(spread)) + 1)}", -3.0, 3.0, 9)
    page.slider(key="grid_rows").set_value(5).run()
    assert grid()[0].shape[:2] == (5 * 28, 10 * 28)
    page.slider(key="grid_extent").set_value(1.0).run()
    assert rows_caption(grid()[1])[1:] == (-1.0, 1.0, 5)
    before = grid()[0]
    other = int(np.argmin(spread))
    page.selectbox(key=f"grid_dim_{MODEL}").set_value(other).run()
    assert_clean(page)
    after, caption = grid()
    assert rows_caption(caption)[0] == f"z{chr(0x2080 + other + 1)}"
    assert not np.array_equal(after, before)


# ---------------------------------------------------------------- switching models

@pytest.fixture(scope="module")
def two_conditional(tmp_path_factory) -> Path:
    """A pretrained folder with the shipped mnist-cvae and judge (linked) and a tiny untrained conditional VAE."""
    root = tmp_path_factory.mktemp("two-conditional") / "pretrained"
    root.mkdir()
    for model_id in (MODEL, "mnist-judge"):
        (root / model_id).symlink_to(ROOT / "pretrained" / model_id, target_is_directory=True)
        registry.write_manifest_entry(model_id, root)
    return build_tiny_cvae(root)


def spread_options(means: np.ndarray) -> list[str]:
    return [f"{latent_name(k)}  (spread {s:.2f})" for k, s in enumerate(means.std(0))]


def test_every_section_follows_the_conditional_model_chosen(two_conditional, monkeypatch):
    """Shipped cVAE -> tiny cVAE -> shipped cVAE: sliders, boxes, held-out numbers, captions and pictures are the
    model's own, and nothing the user set on one model is carried to the other."""
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(two_conditional))
    fresh = {}
    for model_id in (MODEL, "tiny-cvae"):
        fresh[model_id] = open_page(PAGE, model=model_id)
        assert_clean(fresh[model_id])

    def assert_shows(at: AppTest, model_id: str) -> None:
        assert_clean(at)
        assert chosen(at) == model_id and at.query_params["model"] == model_id
        other = "tiny-cvae" if model_id == MODEL else MODEL
        assert not {k for k in widget_keys(at) if k.endswith(f"_{other}")}
        assert not [i for i in at.info if "told the label" in i.value]  # it can show the choice: no notice
        model_card, codes = registry.read_card(model_id, two_conditional), heldout(model_id, two_conditional)
        assert at.caption[0].value.startswith(f"**{model_card['title']}** is told which digit to draw; its "
                                              f"{model_card['latent_dim']}-D latent")
        assert {m.label: m.value for m in at.metric}["Label accuracy of samples"] == \
            f"{model_card['metrics']['label_accuracy_prior_samples']:.1%}"
        spread = codes["means"].std(0)
        assert set(style_sliders(at)) == {f"style_z{k + 1}_{model_id}" for k in np.argsort(-spread)[:4]}
        assert at.selectbox(key=f"grid_dim_{model_id}").options == spread_options(codes["means"])
        number = at.number_input(key=f"heldout_index_{model_id}")
        assert number.proto.max == len(codes["labels"]) - 1
        index = number.value
        assert images(at)["source"].captions[0].startswith(f"#{index}, a {codes['labels'][index]}")
        assert images(at)["samples"] == images(fresh[model_id])["samples"]  # the model's own pictures

    at = open_page(PAGE)
    assert_shows(at, MODEL)  # the showcase
    # Move every model-keyed control of the shipped cVAE away from what the tiny one opens on.
    tiny_start = fresh["tiny-cvae"].number_input(key="heldout_index_tiny-cvae").value
    at.number_input(key=f"heldout_index_{MODEL}").set_value(39 if tiny_start != 39 else 38)
    for key in style_sliders(at):
        at.session_state[key] = 2.5  # as a release would set it
    at.selectbox(key=f"grid_dim_{MODEL}").set_value(1).run()
    assert_clean(at)
    moved = images(at)
    choose(at, "tiny-cvae")
    assert_shows(at, "tiny-cvae")
    assert all(s["value"] == 0.0 for s in style_sliders(at).values())
    assert at.number_input(key="heldout_index_tiny-cvae").value == tiny_start
    tiny_spread = heldout("tiny-cvae", two_conditional)["means"].std(0)
    assert at.selectbox(key="grid_dim_tiny-cvae").value == int(np.argmax(tiny_spread))
    assert images(at)["style"] == images(fresh["tiny-cvae"])["style"]
    assert images(at)["ten"] == images(fresh["tiny-cvae"])["ten"]
    assert images(at)["ten"] != moved["ten"]
    choose(at, MODEL)  # and back
    assert_shows(at, MODEL)

    go_to(at, GRID)  # a conditional choice made here is followed by the other pages
    assert chosen(at) == MODEL
