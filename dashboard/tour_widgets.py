"""The tour's live widgets, one a step (tour_story.STEPS says which step shows which, with its claim and figures).

Each is a page's own part (scatter.py, by_label.py, gans.py, faces.py, arithmetic.py, live_plane.py), not a copy,
set up to show its step's claim; each returns the URL parameters of the link that opens the full page in the same
state (and, for step 5, a note it measured).
"""
from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

import arithmetic
import face_link
import faces
import gans
import pictures
import live_plane
import live_slider
import scatter
import ui
from by_label import all_ten, clearest_style, decoded
from core.latent import analogy, class_means, interpolate, interpolation_times, stratified_indices

POINTER_KEY = "tour_pointer"  # step 2's live plane (its kept point's echo: POINTER_KEY + "_url")
FACE_ROWS = 480        # eight faces a row, shrunk to fit
CHART_SIDE = 340       # a scatter's plotting area: with its axes it fits under the claim in a 720 px window
STRIP = 58             # a digit in a strip of steps
FACE = 220             # a face of the face step


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
PAST_PICTURE, OUT_PICTURE = "tour_walk_past", "tour_walk_out"  # the strips steps 7 and 8's sliders draw over
OUT_STEPS = 10


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
    means = arithmetic.means_of_classes(digits, faces.ident(digits))
    steps = WALK["steps"]
    with st.container(width=300):
        over = live_slider.live_slider(
            "How far past each end", 0.0, 1.0, key="tour_overshoot", value=0.5, step=0.25, picture=PAST_PICTURE,
            frames=partial(walk_past_frames, digits, means[6], means[8]), depends_on=(faces.ident(digits),),
            help="As a share of the way from the 6 to the 8.")
    path = interpolate(means[6], means[8], steps, WALK["method"], overshoot=over)
    t = interpolation_times(steps, over)
    scores = arithmetic.plausibility(digits, faces.ident(digits))(path)
    st.markdown(f"**From an average 6 (t = 0) to an average 8 (t = 1)** and {over:.0%} past each end; under each "
                "step, t and its plausibility (⚠: outside the region the data occupies)")
    pictures.show_digits(digits.decode(path), [f"{v:+.2f} · {arithmetic.score_caption(s)}" for v, s in zip(t, scores)],
                         size=STRIP, one_row=True, live=live_slider.mark(PAST_PICTURE))
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


def walk_past_frames(digits, start: np.ndarray, end: np.ndarray, overs: np.ndarray) -> np.ndarray:
    """The walk's strip at each overshoot, in one batched decode: the overshoot slider's frames."""
    paths = [interpolate(start, end, WALK["steps"], WALK["method"], overshoot=float(o)) for o in overs]
    return digits.decode(np.concatenate(paths)).reshape(len(overs), WALK["steps"], *digits.image_shape[:2])


def mistakes() -> dict:
    """Step 8: where the models go wrong: decoding off the data, blur, and faces drawn from the bare prior."""
    vae = model("mnist-vae-2d")
    codes = ui.heldout_codes(vae)["means"]
    with st.container(width=380):
        far = live_slider.live_slider(
            "Walk out along z₁, in standard deviations of the codes", 1.0, 8.0, key="tour_far", value=6.0, step=0.5,
            picture=OUT_PICTURE, frames=partial(walk_out_frames, vae, codes), depends_on=(faces.ident(vae),))
    path = walk_out(codes, far)
    scores = arithmetic.plausibility(vae, faces.ident(vae))(path)
    st.markdown("**Implausible regions**: the 2-D VAE decodes points beyond its data as well as points inside it, "
                "and nothing says which is which but their plausibility")
    pictures.show_digits(vae.decode(path), [arithmetic.score_caption(s) for s in scores], size=STRIP, one_row=True,
                         live=live_slider.mark(OUT_PICTURE))
    face_vae = model("celeba-vae")
    prior, trick = faces.samples(face_vae, faces.ident(face_vae), 0)
    st.markdown("**Faces from N(0, I)**, where the face VAE put few training faces, then **with the sampling trick**")
    with st.container(width=FACE_ROWS):
        pictures.show_markup(prior)
        pictures.show_markup(trick)
    return {"model": face_vae.id}


def walk_out(codes: np.ndarray, far: float) -> np.ndarray:
    """OUT_STEPS points from the codes' mean out along z1, `far` standard deviations at the last."""
    path = np.repeat(codes.mean(0, keepdims=True), OUT_STEPS, axis=0)
    path[:, 0] += np.linspace(0, far, OUT_STEPS) * codes[:, 0].std()
    return path


def walk_out_frames(vae, codes: np.ndarray, fars: np.ndarray) -> np.ndarray:
    """The walk out's strip at each distance, in one batched decode: its slider's frames."""
    return vae.decode(np.concatenate([walk_out(codes, float(f)) for f in fars])).reshape(
        len(fars), OUT_STEPS, *vae.image_shape[:2])
