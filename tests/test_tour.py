"""The tour (pages/0_Tour.py, dashboard/tour.py), driven headless through Streamlit's AppTest with the shipped models.

Every step opens from its URL (?step=k) without an exception; each figure beside a step is the card's number, by this
test's own table of which card key each label stands for; a bad ?step= gives one notice and step 1; Previous and Next
move the step and the URL; each step's link opens its page, which takes every parameter of the link (no "ignored"
notice) and shows the link's model and the step's state (step 1: digits as markers; step 4: its held-out digit); Home's start button opens the tour. The arrow keys and the one-screen layout
are tests/test_browser_tour.py's. Passes with $LATENT_LAB_DATA set or unset.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

import numpy as np
import pytest

import core
from conftest import (ROOT, assert_clean, live_rows, live_sliders, open_page, release, shipped_model_present,
                      slider_frames)
from core.images import to_uint8
from core.latent import class_means
from core.slider_frames import picture

TOUR = "pages/0_Tour.py"
STEPS = 8
MODELS = ("mnist-ae-2d", "mnist-vae-2d", "mnist-vae-16d", "mnist-cvae", "mnist-dcgan", "celeba-vae", "mnist-judge")

pytestmark = pytest.mark.skipif(not all(shipped_model_present(m) for m in MODELS),
                                reason="the tour needs the shipped models: " + ", ".join(MODELS))

def each_judge(quality: dict) -> str:
    """mnist-judge's then mnist-judge-b's Fréchet distance, three significant figures (at least the whole number)."""
    return " · ".join(f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
                      for v in (quality[j]["frechet_distance"] for j in ("mnist-judge", "mnist-judge-b")))


# Which card figure each label of each step stands for: (model, path in the card, format, reduce). The test's own
# table, so a label wired to the wrong model or key fails.
GLASSES = "metrics.attribute_edits.per_attribute.Eyeglasses.detied_boundary.plain"  # the slider's edit
FIGURES = {
    1: {"Numbers per digit": ("mnist-ae-2d", "latent_dim", "{:d}", None),
        "Redraws read right": ("mnist-ae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}", None),
        "Autoencoder's Fréchet, each judge": ("mnist-ae-2d", "metrics.sample_quality", "{}", each_judge)},
    2: {"VAE's Fréchet, each judge": ("mnist-vae-2d", "metrics.sample_quality", "{}", each_judge),
        "Autoencoder's Fréchet, each judge": ("mnist-ae-2d", "metrics.sample_quality", "{}", each_judge),
        "VAE's KL to the prior": ("mnist-vae-2d", "metrics.kl_nats", "{:.1f} nats", None)},
    3: {"Redraw error, 2-D VAE": ("mnist-vae-2d", "metrics.reconstruction_mse", "{:.4f}", None),
        "Redraw error, 16-D VAE": ("mnist-vae-16d", "metrics.reconstruction_mse", "{:.4f}", None),
        "2-D redraws read right": ("mnist-vae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}", None),
        "16-D redraws read right": ("mnist-vae-16d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}", None)},
    4: {"Style transfer accuracy": ("mnist-cvae", "metrics.style_transfer_label_accuracy", "{:.1%}", None),
        "Samples read as asked": ("mnist-cvae", "metrics.label_accuracy_prior_samples", "{:.1%}", None)},
    5: {},  # the comparison's own Fréchet distances: test_gan_step_shows_each_cards_frechet_distance
    # The sliders' edits: the methods that won on the card's validation faces (core.measured_edits, whose choice
    # tests/test_measured_edits.py tests): Smiling's boundary, Eyeglasses' per-face de-tied edit.
    6: {"Smile edit succeeds": ("celeba-vae", "metrics.attribute_edits.per_attribute.Smiling.boundary.plain.success",
                                "{:.0%}", None),
        "Glasses edit succeeds": ("celeba-vae", GLASSES + ".success", "{:.0%}", None),
        "Redraws keep attributes": ("celeba-vae", "metrics.judge_agreement", "{:.1%}", None)},
    7: {"Glasses edit succeeds": ("celeba-vae", GLASSES + ".success", "{:.0%}", None),
        "Other attributes kept": ("celeba-vae", GLASSES + ".kept_independent", "{:.0%}", None)},
    8: {"2-D redraws read right": ("mnist-vae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}", None),
        "Fréchet of face samples": ("celeba-vae", "metrics.frechet_distance_samples", "{:,.1f}", None),
        "Fréchet of face redraws": ("celeba-vae", "metrics.frechet_distance_reconstructions", "{:,.1f}", None),
        "DCGAN's rarest digit": ("mnist-dcgan", "metrics.class_shares", "{:.1%}", min)},
}
# The page each step's link opens, and the parameters that page must take from it.
LINKS = {1: ("Latent scatter", "pages/1_Latent_scatter.py"), 2: ("Decoded grid", "pages/2_Decoded_grid.py"),
         3: ("Decoded grid", "pages/2_Decoded_grid.py"), 4: ("Digits by label", "pages/3_Digits_by_label.py"),
         5: ("GAN samples", "pages/6_GAN_samples.py"), 6: ("Face editing", "pages/5_Face_editing.py"),
         7: ("Latent arithmetic", "pages/4_Latent_arithmetic.py"), 8: ("Face editing", "pages/5_Face_editing.py")}
# The state a step's link must carry beyond ?model= (the step's own defaults), and the widget of the opened page that
# must then show it: (widget kind, key, value).
LINK_STATE = {1: ({"view": "images", "thumbnails": "300"},
                  [("radio", "view", "images"), ("slider", "thumbnails", 300)]),
              4: ({"style": None},  # the held-out digit the step opens on: the one the page opens on too
                  [("number_input", "heldout_index_mnist-cvae", "style")])}
IGNORED = "could not be used"          # the tour's notice for a bad link
PAGE_IGNORED = "Some settings in the link were ignored"  # the pages' own


def card(model_id: str) -> dict:
    return json.loads((ROOT / "pretrained" / model_id / "card.json").read_text())


def card_number(model_id: str, path: str, reduce):
    value = card(model_id)
    for part in path.split("."):
        value = value[part]
    return reduce(value) if reduce else value


def progress(at) -> str:
    return at.get("progress")[0].proto.text


@pytest.fixture(scope="module")
def steps():
    """Each step opened by its URL, once for the module (the first loads TensorFlow and the models)."""
    return {k: open_page(TOUR, step=str(k)) for k in range(1, STEPS + 1)}


@pytest.mark.parametrize("k", range(1, STEPS + 1))
def test_every_step_opens_from_its_url_with_its_claim_figures_and_link(steps, k):
    at = steps[k]
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert progress(at).startswith(f"Step {k} of {STEPS} · ")
    assert len(at.title) == 1 and at.title[0].value.endswith(".")  # one sentence, in large type: the page's h1
    assert at.query_params["step"] == str(k)
    label, _ = LINKS[k]
    links = [link for link in at.get("page_link") if link.proto.label == f"Open this in {label}"]
    assert len(links) == 1, [link.proto.label for link in at.get("page_link")]


@pytest.mark.parametrize("k", [k for k in FIGURES if FIGURES[k]])
def test_each_figure_is_its_cards_number(steps, k):
    shown = {m.label: m.value for m in steps[k].metric}
    assert set(shown) == set(FIGURES[k])
    for label, (model_id, path, fmt, reduce) in FIGURES[k].items():
        assert shown[label] == fmt.format(card_number(model_id, path, reduce)), (k, label)


def test_gan_step_shows_each_cards_frechet_distance(steps):
    """The GAN step's figures are the comparison's: each model's Fréchet distance from its card, in model order."""
    at = steps[5]
    frechet = [m.value for m in at.metric if m.label == "Fréchet, each judge"]
    assert frechet == [each_judge(card(m)["metrics"]["sample_quality"])
                       for m in ("mnist-dcgan", "mnist-vae-2d", "mnist-vae-16d")]
    assert len(at.metric) == 6  # with the solid-ink share of each


@pytest.mark.parametrize("k", range(1, STEPS + 1))
def test_each_link_opens_a_page_that_takes_its_parameters(steps, k):
    label, page = LINKS[k]
    link = next(link for link in steps[k].get("page_link") if link.proto.label == f"Open this in {label}")
    assert link.proto.page == page.split("/")[-1].removesuffix(".py").split("_", 1)[1]  # its URL path: Face_editing
    query = dict(parse_qsl(link.proto.query_string))
    assert query["model"], query
    at = open_page(page, **query)
    assert_clean(at)
    assert not [w.value for w in at.warning if PAGE_IGNORED in w.value or "cannot be shown" in w.value]
    assert at.selectbox(key="model_picker").value == query["model"]
    for name, value in query.items():  # the page keeps what the link gave it
        assert at.query_params[name] == value, (name, at.query_params)
    carried, shown = LINK_STATE.get(k, ({}, []))
    for name, value in carried.items():
        assert name in query and (value is None or query[name] == value), (name, query)
    for kind, key, value in shown:  # and shows it: a name stands for the link's value of that parameter
        wanted = int(query[value]) if value in query else value
        assert getattr(at, kind)(key=key).value == wanted, (kind, key)


@pytest.mark.parametrize("bad", ["0", "9", "three", "-1", "2.5", ""])
def test_a_bad_step_gives_one_notice_and_step_1(bad):
    at = open_page(TOUR, step=bad)
    assert_clean(at)
    notices = [w.value for w in at.warning]
    assert len(notices) == 1 and IGNORED in notices[0] and "step 1" in notices[0], notices
    assert "a step from 1 to 8" in notices[0]
    assert progress(at).startswith(f"Step 1 of {STEPS}")
    assert at.query_params["step"] == "1"


def test_an_unknown_parameter_is_named_and_the_tour_starts():
    at = open_page(TOUR, step="4", colour="blue")
    notices = [w.value for w in at.warning]
    assert len(notices) == 1 and "`colour=blue`" in notices[0]
    assert progress(at).startswith("Step 1 of")
    assert dict(at.query_params) == {"step": "1"}


def test_next_and_previous_move_the_step_and_the_url():
    at = open_page(TOUR)
    assert progress(at).startswith("Step 1 of") and at.query_params["step"] == "1"
    assert at.button(key="tour_previous").disabled
    at.button(key="tour_next").click().run()
    assert_clean(at)
    assert progress(at).startswith("Step 2 of") and at.query_params["step"] == "2"
    at.button(key="tour_next").click().run()
    at.button(key="tour_previous").click().run()
    assert progress(at).startswith("Step 2 of") and at.query_params["step"] == "2"
    assert not at.warning  # our own echo in the URL is not a new link


def test_the_last_step_has_no_next():
    at = open_page(TOUR, step=str(STEPS))
    assert at.button(key="tour_next").disabled and not at.button(key="tour_previous").disabled


def test_an_edited_url_moves_the_tour():
    at = open_page(TOUR, step="2")
    at.query_params["step"] = "6"
    at.run()
    assert progress(at).startswith("Step 6 of")


def test_home_starts_the_tour():
    at = open_page()
    at.button(key="start_tour").click().run()
    assert_clean(at)
    assert progress(at).startswith(f"Step 1 of {STEPS}")


def test_the_tour_is_linked_from_no_model_card():
    """Home's model cards link the pages that can show their model; the tour picks its own models."""
    links = {link.proto.label for link in open_page().get("page_link")}
    assert "Tour" not in links and links


def test_the_live_planes_kept_point_stays_in_the_url_and_goes_into_the_link():
    """Step 2's live plane (dashboard/live_plane.py) keeps a link's point; the tour leaves it in the URL, the step's link
    opens the Decoded grid's live view on it, and another step takes it out of the URL."""
    at = open_page(TOUR, step="2", point="0.5,-0.25")
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert at.query_params["point"] == "0.5,-0.25"
    link = next(link for link in at.get("page_link") if link.proto.label == "Open this in Decoded grid")
    query = dict(parse_qsl(link.proto.query_string))
    assert query == {"model": "mnist-vae-2d", "view": "live", "point": "0.5,-0.25"}
    at.button(key="tour_next").click().run()
    assert "point" not in at.query_params and at.query_params["step"] == "3"


def test_a_step_whose_models_are_not_built_says_what_is_coming(tiny_pretrained):
    """Without the shipped models (a folder of two untrained ones), every step still opens: its claim, and what it
    needs with the command that builds it, never a traceback."""
    for k in range(1, STEPS + 1):
        at = open_page(TOUR, step=str(k))
        assert_clean(at)
        assert progress(at).startswith(f"Step {k} of")
        coming = [i.value for i in at.info if i.value.startswith("**Coming:**")]
        assert len(coming) == 1 and "python -m core.train" in coming[0], [i.value for i in at.info]


def test_the_style_steps_digit_carries_into_its_link():
    """Step 4's held-out digit, moved, opens Digits by label's style transfer on the same digit."""
    at = open_page(TOUR, step="4")
    at.number_input(key="tour_style_digit").set_value(42).run()
    assert_clean(at)
    link = next(link for link in at.get("page_link") if link.proto.label == "Open this in Digits by label")
    query = dict(parse_qsl(link.proto.query_string))
    assert query == {"model": "mnist-cvae", "style": "42"}
    page = open_page("pages/3_Digits_by_label.py", **query)
    assert not page.warning and page.number_input(key="heldout_index_mnist-cvae").value == 42


def test_the_face_steps_slider_frames_hold_the_other_slider_where_it_stands():
    """Step 6's Smiling frames (33 along -3..3, one batched decode) are the face edited at each value with Eyeglasses
    at its opening 1 and each edit's measured holds: within the lossy sprite's error of the exact decode (WebP: a
    few grey levels on average), and far from the frames of a Smiling edit alone."""
    at = open_page(TOUR, step="6")
    frames = slider_frames(at, "tour_face_Smiling", "RGB")
    stops = np.asarray(frames["meta"]["stops"])
    assert stops.tolist() == np.rint(np.linspace(0, 120, 33)).astype(int).tolist()
    vae = core.load_model("celeba-vae")
    z = vae.sample_latents(1, seed=vae.card["metrics"]["opening_face"]["seed"], trick=True)[0]
    holds = {n: vae.default_holds.get(n, []) for n in ("Smiling", "Eyeglasses")}

    def faces(others: dict) -> np.ndarray:
        codes = [vae.measured_edit(z, {**others, "Smiling": float(v)}, holds) for v in np.round(-3 + stops * 0.05, 2)]
        return to_uint8(vae.decode(np.asarray(codes, np.float32))).astype(int)
    cells = np.stack([picture(frames["pixels"], frames["layout"], k, 0) for k in range(len(stops))]).astype(int)
    error, alone = np.abs(cells - faces({"Eyeglasses": 1.0})).mean(), np.abs(cells - faces({})).mean()
    assert error <= 5 and error < alone / 3, (error, alone)


@pytest.mark.parametrize("step, key, values, strip", [("7", "tour_overshoot", [0.0, 0.25, 0.5, 0.75, 1.0], 12),
                                                      ("8", "tour_far", list(np.arange(1.0, 8.01, 0.5)), 10)])
def test_the_walks_sliders_frames_are_the_strip_at_each_value(step, key, values, strip):
    """Step 7's overshoot and step 8's walk out are live: every stop a frame, each the step's strip there (the walk
    from the average 6 to the average 8 past each end; the walk out along z1), and a release shows that strip."""
    from core.latent import interpolate
    at = open_page(TOUR, step=step)
    slider = live_sliders(at)[key]
    picture_name = slider["picture"]
    assert [len(row.value) for row in live_rows(at, picture_name)] == [strip]
    frames = slider_frames(at, key)
    assert frames["meta"]["stops"] == list(range(len(values))) and frames["layout"].per_frame == strip
    if step == "7":
        digits = core.load_model("mnist-vae-16d")
        means = class_means(digits.heldout["means"], digits.heldout["labels"], 10)
        exact = [to_uint8(digits.decode(interpolate(means[6], means[8], 12, "linear", overshoot=v))) for v in values]
    else:
        vae = core.load_model("mnist-vae-2d")
        codes = vae.heldout["means"]
        exact = []
        for v in values:
            path = np.repeat(codes.mean(0, keepdims=True), 10, axis=0)
            path[:, 0] += np.linspace(0, v, 10) * codes[:, 0].std()
            exact.append(to_uint8(vae.decode(path)))
    for f, pictures in enumerate(exact):
        for k in range(strip):
            assert np.abs(picture(frames["pixels"], frames["layout"], f, k).astype(int)
                          - pictures[k].reshape(28, 28).astype(int)).max() <= 1, (values[f], k)
    release(at, key, values[1])
    assert_clean(at)
    shown = live_rows(at, picture_name)[0]
    assert shown.live_at == f"{key}:1"


def test_a_steps_controls_carry_into_its_link():
    """Moving the face step's sliders and the walk's overshoot changes what the link opens: the page gets the same
    edit and the same walk."""
    at = open_page(TOUR, step="6")
    sliders = live_sliders(at)  # live: the edited face follows a dragged thumb (dashboard/live_slider.py)
    assert {k: (s["value"], s["picture"]) for k, s in sliders.items()} == {
        "tour_face_Smiling": (0.0, "tour_edited_face"), "tour_face_Eyeglasses": (1.0, "tour_edited_face")}
    assert [row.captions[0].split(":")[0] for row in live_rows(at, "tour_edited_face")] == ["edited"]
    release(at, "tour_face_Smiling", 2.0)
    release(at, "tour_face_Eyeglasses", 0.5)
    assert_clean(at)
    assert live_rows(at, "tour_edited_face")[0].captions == ["edited: Smiling +2, Eyeglasses +0.5"]
    link = next(link for link in at.get("page_link") if link.proto.label == "Open this in Face editing")
    query = dict(parse_qsl(link.proto.query_string))
    assert query["edit"] == "Smiling:2,Eyeglasses:0.5" and query["start"] == "random"
    face = open_page("pages/5_Face_editing.py", **query)
    assert live_sliders(face)["face_s_Smiling_celeba-vae"]["value"] == 2.0
    assert live_sliders(face)["face_s_Eyeglasses_celeba-vae"]["value"] == 0.5
    at = open_page(TOUR, step="7")
    release(at, "tour_overshoot", 0.75)
    link = next(link for link in at.get("page_link") if link.proto.label == "Open this in Latent arithmetic")
    query = dict(parse_qsl(link.proto.query_string))
    assert query["over"] == "0.75"
    assert open_page("pages/4_Latent_arithmetic.py", **query).slider(key="arith_over").value == 0.75
