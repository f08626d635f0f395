"""The guided tour (pages/0_Tour.py): eight steps that tell the app's story to someone who has never seen it.

Each step is one screen: a one-sentence claim, one live widget already set up to show it, the measured figures
behind it (read from the model cards, never typed in) and a link that opens the full page in the same state,
through the URL parameters that page already reads. The widgets are the pages' own parts (scatter.py, by_label.py,
gans.py, faces.py, arithmetic.py, live_plane.py), not copies; a step whose controls change something is a fragment,
so moving them reruns that step alone (its widget, figures and link). The step is kept in the URL (?step=3, counted from 1), so a presenter can
open any step directly; the arrow keys move through the steps (a listener in the app page, st.components.v2).
"""
from __future__ import annotations

from functools import partial
from typing import Callable, NamedTuple

import numpy as np
import streamlit as st

import arithmetic
import face_link
import faces
import gans
import links
import pictures
import live_plane
import live_slider
import scatter
import ui
from by_label import all_ten, clearest_style, decoded
from core import registry
from core.measured_edits import measured_figure
from core.latent import analogy, class_means, interpolate, interpolation_times, stratified_indices

STEP_PARAM = "step"    # ?step=3: the step shown, 1-based
STEP_KEY = "tour_step"  # the step shown, in session state (1-based)
URL_ECHO = links.ECHO["tour"]
KEYS_KEY = "tour_keys"  # the arrow-key listener
POINTER_KEY = "tour_pointer"  # step 2's live plane (its kept point's echo: POINTER_KEY + "_url")
WIDGET_WIDTH = 740     # the live widget, left; the figures and the link beside it, right
PANEL_WIDTH = 340
FACE_ROWS = 480        # eight faces a row, shrunk to fit
CHART_SIDE = 340       # a scatter's plotting area: with its axes it fits under the claim in a 720 px window
STRIP = 58             # a digit in a strip of steps
FACE = 220             # a face of the face step


class Figure(NamedTuple):
    """A measured figure from a model card: `path` leads through the card (metrics.reconstruction_mse);
    `reduce` turns a list into one number (the smallest class share)."""
    label: str
    model: str
    path: str
    fmt: str
    meaning: str
    reduce: Callable | None = None


class Step(NamedTuple):
    name: str                     # the progress indicator's words
    claim: str                    # one sentence, in large type
    page: str                     # the ui.PAGES page that its link opens
    models: tuple[str, ...]       # the models it needs: without one, the step says what is coming
    figures: tuple[Figure, ...]   # the card figures beside the widget
    show: Callable                # draws the widget; returns the link's URL parameters (and a note it
                                  # measured, to say under the figures instead of `note`)
    note: str                     # how to read the widget, under the figures


# ---------------------------------------------------------------- figures from the cards

def card_value(cards: dict, figure: Figure):
    """The figure's number from its card, or None when the model is not shipped or its card lacks it."""
    value = cards.get(figure.model)
    for part in figure.path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is not None and figure.reduce is not None:
        value = figure.reduce(value)
    return value


def show_figures(step: Step, cards: dict) -> None:
    figures = [(f, card_value(cards, f)) for f in step.figures]
    ui.metrics_row((f.label, f.fmt.format(value), f.meaning) for f, value in figures if value is not None)
    missing = sorted({f.model for f, value in figures if value is None})
    if missing:
        st.caption("Not measured yet: " + ", ".join(f"`python -m core.evaluate {m}`" for m in missing) + ".")


# ---------------------------------------------------------------- the widgets

def model(model_id: str):
    """The cached model; a step only runs once tour.missing() found every model it needs, so an error here is a
    damaged file, which stops the step with its message."""
    return ui.load_model(model_id)


def two_number_codes() -> dict:
    """Step 1: the 2-D autoencoder's held-out codes, 300 of their digits drawn where they lie (the Latent scatter's
    chart, as its "Images as markers" view draws it: the link opens that view)."""
    shown, count = model("mnist-ae-2d"), scatter.DEFAULT_THUMBNAILS
    codes = ui.heldout_codes(shown)
    st.vega_lite_chart(scatter.scatter_chart(shown, codes["means"], shown.id, "Latent coordinates", ("z₁", "z₂"),
                                             count, side=CHART_SIDE, legend="right"),
                       key="tour_codes", width="content")
    return {"model": shown.id, **scatter.link("images", count)}


@st.cache_data(show_spinner=False, max_entries=2)
def clearest_class_mean(_model, model: str) -> np.ndarray:
    """The average code of the digit class whose average the judge reads most surely as that digit, (d,): where
    the live plane rests (its centre, where every class meets, decodes to a blend of several)."""
    means = class_means(_model.heldout["means"], _model.heldout["labels"], _model.num_classes)
    read, confidence = ui.load_judge().read(_model.decode(means))
    return means[int(np.argmax(np.where(read == np.arange(len(means)), confidence, -1.0)))]


def disc() -> dict:
    """Step 2: the 2-D VAE's plane, decoded live under the pointer (dashboard/live_plane.py), resting on a clear
    digit; a click keeps a point, which the link carries to the Decoded grid's live view."""
    vae = model("mnist-vae-2d")
    kept = live_plane.live_plane(vae, key=POINTER_KEY, compact=True,  # a kept point must not push it off screen
                                 rest=clearest_class_mean(vae, faces.ident(vae)))
    return {"model": vae.id, "view": "live",
            **({} if kept is None else {live_plane.POINT_PARAM: live_plane.point_text(kept)})}


def bigger_latent() -> dict:
    """Step 3: the same held-out digits redrawn from 2 numbers and from 16."""
    small, large = model("mnist-vae-2d"), model("mnist-vae-16d")
    seed = int(st.number_input("Held-out digits drawn with seed", 0, ui.MAX_SEED, 0, key="tour_recon_seed", width=240,
                               help="One held-out digit of each class, picked with this seed."))
    labels = ui.heldout_codes(small)["labels"]
    picked = stratified_indices(labels, small.num_classes, seed=seed)
    picked = picked[np.argsort(labels[picked], kind="stable")]
    originals, missing = ui.heldout_originals(small)
    if originals is not None:
        st.markdown("**Held-out digits** the models never saw")
        pictures.show_digits(originals[picked], None, size=STRIP, one_row=True)
    for shown in (small, large):
        st.markdown(f"**Redrawn from {shown.latent_dim} numbers** ({shown.card.get('title', shown.id)})")
        pictures.show_digits(ui.decode_heldout(shown, ui.heldout_codes(shown), picked), None, size=STRIP, one_row=True)
    if missing:
        st.caption("The originals need the data set, which is not on this machine: the rows are the models' "
                   "redrawings of the same held-out digits.")
    return {"model": large.id}


def style_apart() -> dict:
    """Step 4: one held-out digit's style written as all ten digits by the conditional VAE; the link opens the
    page's style transfer on the same digit."""
    cvae, judge = model("mnist-cvae"), ui.load_judge()
    codes = ui.heldout_codes(cvae)
    clearest = clearest_style(cvae, judge, faces.ident(cvae))
    index = int(st.number_input("Style of held-out digit #", 0, len(codes["labels"]) - 1, clearest,
                                key="tour_style_digit", width=240,
                                help=f"It opens on #{clearest}, the held-out digit whose style the judge reads most "
                                     "surely as every label."))
    label, style = int(codes["labels"][index]), codes["means"][index]
    originals, _ = ui.heldout_originals(cvae)
    source = originals[index] if originals is not None else decoded(cvae, faces.ident(cvae), style[None], label)[0]
    what = "" if originals is not None else ", as the model redraws it"
    pictures.show_digits([source], [f"#{index}, a {ui.class_name(cvae, label)}{what}"], size=112)
    st.markdown("**Its style, told each of the ten labels** (under each: what the judge reads)")
    all_ten(cvae, judge, style, size=70)
    return {"model": cvae.id, "style": str(index)}  # the page's style transfer opens on the same digit


def gan_sharper() -> tuple[dict, str | None]:
    """Step 5: 16 samples of the DCGAN beside 16 of each VAE (seed 0), with each card's Fréchet distance; the note
    on sharpness goes beside them, in the panel."""
    note = gans.sharper_note(gans.side_by_side(0, 16, 224, compact=True))  # the note says which has an encoder
    return {"model": "mnist-dcgan", "seed": "0", "n": "16"}, note


FACE_SLIDERS = ("Smiling", "Eyeglasses")
FACE_PICTURE = "tour_edited_face"  # what they draw over while dragged (dashboard/live_slider.py)


def face_sliders() -> dict:
    """Step 6: a generated face and two live attribute sliders (faces.edit_slider): the face follows the thumb."""
    vae = model("celeba-vae")
    controls, shown = ui.beside(2 * FACE + 4, controls_width=260)
    with controls:
        seed = int(st.number_input("Face drawn with seed", 0, ui.MAX_SEED, faces.opening_seed(vae),
                                   key="tour_face_seed",
                                   help="A generated face: drawn from where the encoder put the training faces "
                                        "(the sampling trick), opening on the typical face Face editing opens on. "
                                        "No real face is shown."))
    start = vae.sample_latents(1, seed=seed, trick=True)[0]
    keys = {name: f"tour_face_{name}" for name in FACE_SLIDERS}
    opening = {name: 1.0 if name == "Eyeglasses" else 0.0 for name in FACE_SLIDERS}  # the opening face smiles already
    standing = {name: live_slider.value_of(keys[name], *faces.STRENGTH, faces.STEP, opening[name])
                for name in FACE_SLIDERS}
    with controls:
        strengths = {}
        for name in FACE_SLIDERS:
            st.session_state.setdefault(keys[name], opening[name])
            value = faces.edit_slider(vae, name, keys[name], faces.pretty(name), start, standing,
                                      faces.holds_for(vae, FACE_SLIDERS), FACE_PICTURE,
                                      help=f"In units of the {faces.pretty(name)} edit the model card measured (1: "
                                           "that edit), as on Face editing.")
            if value:
                strengths[name] = round(float(value), 2)
    edited = vae.measured_edit(start, strengths, faces.holds_for(vae, strengths)) if strengths else start
    with shown:
        what = ", ".join(f"{faces.pretty(n)} {s:+g}" for n, s in strengths.items()) or "no edit"
        with st.container(horizontal=True, gap="xxsmall"):  # the edited face alone is drawn over while dragging
            with st.container(width=FACE):
                pictures.show_digits([faces.decoded(vae, faces.ident(vae), start)], [f"generated face, seed {seed}"],
                                     size=FACE, pixelated=False)
            with st.container(width=FACE):
                pictures.show_digits([faces.decoded(vae, faces.ident(vae), np.asarray(edited, np.float32))],
                                     [f"edited: {what}"], size=FACE, pixelated=False,
                                     live=live_slider.mark(FACE_PICTURE))
    return {"model": vae.id, "start": "random", "seed": str(seed),
            **({"edit": face_link.edit_text(strengths)} if strengths else {})}


WALK = {"from": "mean-6", "to": "mean-8", "method": "linear", "steps": 12}
ANALOGY = "Eyeglasses"


def arithmetic_step() -> dict:
    """Step 7: the walk from 6 to 8 and past it, and a face analogy."""
    digits = model("mnist-vae-16d")
    over = st.slider("How far past each end", 0.0, 1.0, 0.5, 0.25, key="tour_overshoot",
                     help="As a share of the way from the 6 to the 8.", width=300)
    means = arithmetic.means_of_classes(digits, faces.ident(digits))
    steps = WALK["steps"]
    path = interpolate(means[6], means[8], steps, WALK["method"], overshoot=over)
    t = interpolation_times(steps, over)
    scores = arithmetic.plausibility(digits, faces.ident(digits))(path)
    st.markdown(f"**From an average 6 (t = 0) to an average 8 (t = 1)** and {over:.0%} past each end; under each "
                "step, t and its plausibility (⚠: outside the region the data occupies)")
    pictures.show_digits(digits.decode(path), [f"{v:+.2f} · {arithmetic.score_caption(s)}" for v, s in zip(t, scores)],
                         size=STRIP, one_row=True)
    vae = model("celeba-vae")
    one, other = (vae.sample_latents(1, seed=s, trick=True)[0] for s in (3, 11))
    with_it = np.asarray(vae.measured_edit(one, {ANALOGY: 1.0}), np.float32)
    result = np.asarray(analogy(with_it, one, other), np.float32)
    shown = [faces.decoded(vae, faces.ident(vae), z) for z in (with_it, one, other, result)]
    name = faces.pretty(ANALOGY).lower()
    st.markdown(f"**A face analogy**: a face with {name}, minus the same face without, plus another face")
    pictures.show_digits(shown, [f"A: with {name}", "B: without", "C: another face", "A − B + C"], size=110,
                         pixelated=False, one_row=True)
    return {"model": digits.id, **{k: str(v) for k, v in WALK.items()}, "over": f"{over:g}"}


def mistakes() -> dict:
    """Step 8: where the models go wrong: decoding off the data, blur, and faces drawn from the bare prior."""
    vae = model("mnist-vae-2d")
    codes = ui.heldout_codes(vae)["means"]
    far = st.slider("Walk out along z₁, in standard deviations of the codes", 1.0, 8.0, 6.0, 0.5,
                    key="tour_far", width=380)
    path = np.repeat(codes.mean(0, keepdims=True), 10, axis=0)
    path[:, 0] += np.linspace(0, far, 10) * codes[:, 0].std()
    scores = arithmetic.plausibility(vae, faces.ident(vae))(path)
    st.markdown("**Implausible regions**: the 2-D VAE decodes points beyond its data as well as points inside it, "
                "and nothing says which is which but their plausibility")
    pictures.show_digits(vae.decode(path), [arithmetic.score_caption(s) for s in scores], size=STRIP, one_row=True)
    face_vae = model("celeba-vae")
    prior, trick = faces.samples(face_vae, faces.ident(face_vae), 0)
    st.markdown("**Faces from N(0, I)**, where the face VAE put few training faces, then **with the sampling trick**")
    with st.container(width=FACE_ROWS):
        pictures.show_markup(prior)
        pictures.show_markup(trick)
    return {"model": face_vae.id}


# ---------------------------------------------------------------- the story

FRECHET = ("Fréchet distance between 5,000 samples and the held-out digits, in the features of each of two judges "
           "(mnist-judge, then mnist-judge-b, built differently): a claim stands only if both agree. Lower is better.")

REDRAW_ERROR = "Mean squared error per pixel between held-out digits and their reconstructions. Lower is better."
REDRAWS_READ = "How often the judge classifier names the right digit in a reconstruction."
STEPS = (
    Step("A code is a few numbers",
         "A code is a few numbers: this autoencoder writes every digit as two. Some kinds of digit reach out on "
         "arms of their own, the rest crowd together where the arms meet.",
         "scatter", ("mnist-ae-2d",),
         (Figure("Numbers per digit", "mnist-ae-2d", "latent_dim", "{:d}", "The size of the latent code."),
          Figure("Redraws read right", "mnist-ae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 "How often the judge classifier names the right digit in a held-out digit redrawn from its two "
                 "numbers."),
          Figure("Autoencoder's Fréchet, each judge", "mnist-ae-2d", "metrics", "{}",
                 FRECHET + " Points drawn between the arms decode poorly.", ui.each_judge)),
         two_number_codes,
         "Each digit is drawn where the encoder puts it, coloured by its true label. Between the arms lies empty "
         "space: points there were never a digit's code."),
    Step("A VAE packs the digits",
         "A VAE packs all ten digits into one disc with no gaps: wherever the pointer goes inside it, the decoder "
         "draws a digit or a blend of two.",
         "grid", ("mnist-vae-2d",),
         (Figure("VAE's Fréchet, each judge", "mnist-vae-2d", "metrics", "{}",
                 FRECHET + " Its samples are drawn from the disc it was trained to fill.", ui.each_judge),
          Figure("Autoencoder's Fréchet, each judge", "mnist-ae-2d", "metrics", "{}",
                 FRECHET + " The 2-D autoencoder of step 1, whose codes leave gaps.", ui.each_judge),
          Figure("VAE's KL to the prior", "mnist-vae-2d", "metrics.kl_nats", "{:.1f} nats",
                 "How far, on average, the encoder's posterior for a digit lies from the prior N(0, I): the "
                 "price of packing the codes into the disc.")),
         disc,
         "Move the pointer over the plane: the digit under it is decoded as you move."),
    Step("A bigger latent",
         "A bigger latent keeps more of each digit: sixteen numbers redraw it far better than two.",
         "grid", ("mnist-vae-2d", "mnist-vae-16d"),
         (Figure("Redraw error, 2-D VAE", "mnist-vae-2d", "metrics.reconstruction_mse", "{:.4f}", REDRAW_ERROR),
          Figure("Redraw error, 16-D VAE", "mnist-vae-16d", "metrics.reconstruction_mse", "{:.4f}", REDRAW_ERROR),
          Figure("2-D redraws read right", "mnist-vae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 REDRAWS_READ),
          Figure("16-D redraws read right", "mnist-vae-16d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 REDRAWS_READ)),
         bigger_latent,
         "The same held-out digits, one of each class, redrawn by the 2-D and the 16-D VAE."),
    Step("Identity and style apart",
         "Told the label, a model keeps identity and style apart: one hand writes all ten digits.",
         "label", ("mnist-cvae", "mnist-judge"),
         (Figure("Style transfer accuracy", "mnist-cvae", "metrics.style_transfer_label_accuracy", "{:.1%}",
                 "Every held-out digit's style decoded as each of the ten digits: how often the judge reads the "
                 "label asked for."),
          Figure("Samples read as asked", "mnist-cvae", "metrics.label_accuracy_prior_samples", "{:.1%}",
                 "Prior samples decoded with each label: how often the judge reads the label asked for.")),
         style_apart,
         "The conditional VAE's code holds only the style (slant, width, stroke); the label says which digit."),
    Step("A GAN draws sharper",
         "A GAN draws sharper digits than a VAE, but it has no encoder: it cannot find a digit's code.",
         "gans", ("mnist-dcgan", "mnist-vae-2d", "mnist-vae-16d", "mnist-judge"),
         (),
         gan_sharper,
         "The same number of samples from each model; under each, its card's Fréchet distance (lower is better) "
         "and the share of its ink that is solid."),
    Step("A face and its sliders",
         "A face is 128 numbers, and moving them along one direction adds a smile or glasses.",
         "faces", ("celeba-vae",),
         (Figure("Smile edit succeeds", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "Held-out test faces the face judge reads without a smile, given the slider's edit at 1: the share "
                 "it then reads as smiling.", partial(measured_figure, name="Smiling", figure="success")),
          Figure("Glasses edit succeeds", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "The same for glasses: the share of faces read without glasses that the judge reads with them "
                 "after the edit.", partial(measured_figure, name="Eyeglasses", figure="success")),
          Figure("Redraws keep attributes", "celeba-vae", "metrics.judge_agreement", "{:.1%}",
                 "How often the face judge reads an attribute the same way in a held-out test face and in its "
                 "reconstruction.")),
         face_sliders,
         "Every face here is generated; each slider moves its code by the edit the model card measured for it "
         "(1: that edit)."),
    Step("Latent arithmetic",
         "Directions mean something: walk from a 6 to an 8 and past it, or give another face the first one's glasses.",
         "arithmetic", ("mnist-vae-16d", "celeba-vae"),
         (Figure("Glasses edit succeeds", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "Held-out test faces the judge reads without glasses, given the Eyeglasses slider's edit at 1: the "
                 "share it then reads with them. The analogy adds the same edit.",
                 partial(measured_figure, name="Eyeglasses", figure="success")),
          Figure("Other attributes kept", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "Of the judge's other readings of those faces, the share the glasses edit leaves as they were "
                 "(glasses entail no other attribute, so every reading counts).",
                 partial(measured_figure, name="Eyeglasses", figure="kept_independent"))),
         arithmetic_step,
         "Plausibility ranks a point among the held-out digits' own typicality: 50% is as typical as the median "
         "real digit."),
    Step("What the models get wrong",
         "The models blur, inherit their data's biases and decode nonsense as readily as sense.",
         "faces", ("mnist-vae-2d", "celeba-vae", "mnist-dcgan"),
         (Figure("2-D redraws read right", "mnist-vae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 "Blur: the 2-D VAE's redrawings are averages, and the judge misreads this many fewer than all."),
          Figure("Fréchet of face samples", "celeba-vae", "metrics.frechet_distance_samples", "{:,.1f}",
                 "Faces drawn from N(0, I) against the test faces, on the face judge's features. Lower is better."),
          Figure("Fréchet of face redraws", "celeba-vae", "metrics.frechet_distance_reconstructions", "{:,.1f}",
                 "Reconstructions of test faces against the test faces. Samples from N(0, I) lie farther (the "
                 "figure beside it), since the prior holds regions no face was encoded to."),
          Figure("DCGAN's rarest digit", "mnist-dcgan", "metrics.class_shares", "{:.1%}",
                 "Bias in a generator: of its samples, the share the judge reads as the digit it draws least (an "
                 "even spread is 10%).", min)),
         mistakes,
         "CelebA's attributes are labellers' yes-or-no marks on photos of celebrities: the attribute vectors and "
         "the judge learn what went with each mark, and whom the photos left out."),
)


# ---------------------------------------------------------------- the step in the URL

def current_step() -> tuple[int, list[str]]:
    """The step to show (1-based), after a new link's ?step= (with why, if it cannot be used)."""
    def apply(name: str, value: str) -> None:
        if name == live_plane.POINT_PARAM:
            return  # the live plane's kept point (step 2): live_plane.live_plane reads it
        if name != STEP_PARAM:
            raise ValueError("not a setting of the tour")
        if not (value.isdigit() and 1 <= int(value) <= len(STEPS)):
            raise ValueError(f"a step from 1 to {len(STEPS)}")
        st.session_state[STEP_KEY] = int(value)

    ignored = links.read(URL_ECHO, apply)
    model = st.query_params.get(links.MODEL_PARAM)  # read_link leaves ?model= to the model picker, which the tour has not
    if model is not None and not links.stale(URL_ECHO, links.MODEL_PARAM, model):
        ignored.append(f"`{links.MODEL_PARAM}={model[:40]}` (the tour picks each step's models itself)")
    if ignored:
        st.session_state[STEP_KEY] = 1  # a link that cannot be followed starts the tour from the beginning
    step = st.session_state.setdefault(STEP_KEY, 1)
    point = st.query_params.get(live_plane.POINT_PARAM)  # read by the live plane, which only one step has
    if point is not None and STEPS[step - 1].show is not disc and not links.stale(
            f"{POINTER_KEY}_url", live_plane.POINT_PARAM, point):
        ignored.append(f"`{live_plane.POINT_PARAM}={point[:40]}` (a kept point belongs to step "
                       f"{1 + [s.show for s in STEPS].index(disc)}'s live plane)")
    return step, ignored


def keep_in_url(step: int) -> None:
    """Only ?step= in the URL (a model or other page's setting has no meaning here), and the live plane's kept point
    on its step; remembered as our own echo."""
    kept = (STEP_PARAM, live_plane.POINT_PARAM) if STEPS[step - 1].show is disc else (STEP_PARAM,)
    links.tidy(kept, model=False)
    links.write(URL_ECHO, {STEP_PARAM: str(step)})


def go(delta: int) -> None:
    st.session_state[STEP_KEY] = min(max(st.session_state.get(STEP_KEY, 1) + delta, 1), len(STEPS))


# ---------------------------------------------------------------- the arrow keys

ARROWS_JS = """
export default function ({ setTriggerValue }) {
  const ignore = 'input, textarea, select, [contenteditable="true"], [role="slider"], [role="combobox"], '
    + '[role="listbox"], [role="spinbutton"], [data-baseweb="select"], [data-baseweb="slider"]';
  const onKey = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) return;
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const target = event.target;
    if (target && target.closest && target.closest(ignore)) return;  // the key moves that control, not the tour
    event.preventDefault();
    setTriggerValue('key', event.key === 'ArrowRight' ? 'next' : 'previous');
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
"""
# One screen a step: Streamlit's room above (6rem, under its 3.75rem header) and below (10rem) the page would
# push a step past a 720 px window. Not isolated, so it styles the page while the tour is on it, and only then.
SCREEN_CSS = """
[data-testid="stMainBlockContainer"] {
  padding: 4rem 3rem 1rem 3rem;
}
[data-testid="stMainBlockContainer"] h1 {
  font-size: 2.25rem;
}
"""  # over one line: Streamlit would take a one-line string for the path of a file
_arrows = st.components.v2.component("latent_lab_tour_arrows", js=ARROWS_JS, css=SCREEN_CSS, isolate_styles=False)


def _on_arrow() -> None:
    pressed = (st.session_state.get(KEYS_KEY) or {}).get("key")
    if pressed in ("next", "previous"):
        go(1 if pressed == "next" else -1)


def arrow_keys() -> None:
    """Left and right arrows move the tour, unless focus is in a control that takes them (a slider, a box)."""
    _arrows(key=KEYS_KEY, on_key_change=_on_arrow, width=1, height=1)


# ---------------------------------------------------------------- one step on screen

def missing(step: Step, cards: dict) -> list[str]:
    """The models a step needs that are not shipped (or whose card is damaged)."""
    judges = {c["id"] for c in ui.shipped_cards("judge") if "error" not in c}
    return [m for m in step.models if m not in judges and (m not in cards or "error" in cards[m])]


def show(number: int) -> None:
    """The step's claim, widget, figures and link."""
    step = STEPS[number - 1]
    cards = {card["id"]: card for card in ui.shipped_cards()}
    st.title(step.claim, anchor=False)
    absent = missing(step, cards)
    if absent:
        st.info(f"**Coming:** this step needs {', '.join(f'`{m}`' for m in absent)}, which "
                + ("is" if len(absent) == 1 else "are") + " not built yet ("
                + "; ".join(f"`{registry.rebuild_command(m)}`" for m in absent) + ").")
        return
    body(number, cards)


@st.fragment
def body(number: int, cards: dict) -> None:
    """The widget, and beside it the figures and the link: a control of the widget reruns this alone, and the link
    follows it."""
    step = STEPS[number - 1]
    with st.container(horizontal=True, gap="large"):
        widget, panel = st.container(width=WIDGET_WIDTH), st.container(width=PANEL_WIDTH)
    with widget:
        shown = step.show()
    link, note = shown if isinstance(shown, tuple) else (shown, None)
    with panel:
        show_figures(step, cards)
        st.caption(note or step.note)
        page = ui.PAGES[step.page]
        st.page_link(page.path, label=f"Open this in {page.label}", icon=":material/open_in_new:",
                     query_params=link)


def navigation(number: int) -> None:
    """Previous, where the tour is, and next; the arrow keys do the same."""
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.button("Previous", icon=":material/arrow_back:", key="tour_previous", on_click=go, args=(-1,),
                  disabled=number == 1)
        with st.container(width=460):
            st.progress(number / len(STEPS), text=f"Step {number} of {len(STEPS)} · {STEPS[number - 1].name}")
        st.button("Next", icon=":material/arrow_forward:", key="tour_next", on_click=go, args=(1,),
                  disabled=number == len(STEPS), type="primary")
        st.caption("or the ← → keys")
        if number == len(STEPS):  # the story's end: on to the models it left out, those with no latent space
            ui.page_link("pixels")
        arrow_keys()
