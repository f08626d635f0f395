"""The Latent arithmetic page's walk (pages/4_Latent_arithmetic.py, its first section): from one point to another,
past both ends, as a strip of steps and a live scrubber over t. The points, the URL and the other sections are
arithmetic.py's.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

import faces
import links
import live_slider
import pictures
import ui
from arithmetic import (DEFAULTS, METHODS, OVERSHOOT, SCRUBBED_SIZE, SHOWN_WIDTH, WALK_STEPS, Point, choose_point,
                        csv, decode, defaults, npy, plausibility, png, score_caption)
from exports import downloads
from core.images import gif
from core.latent import LEAVES_DATA, interpolate, interpolate_at, interpolation_times, label_mixture

COURSE_POINTS = 33   # the walk's line in the 3-D view: the same whatever the steps, so moving them redraws no 3-D
STRIP_SIZE = 56      # each step of the walk on screen
WALK_PICTURE = "arith_walk_point"  # the picture the scrubber draws over


def interpolation(model, own: Point | None, link: dict) -> tuple[np.ndarray, list[Point]]:
    """From one point to another, linear or along the great circle, past both ends by the overshoot; returns the
    course of the walk (COURSE_POINTS along it, whatever the steps) for the 3-D view, and its two ends."""
    st.subheader("Interpolation", anchor=False)
    controls, shown = ui.beside(SHOWN_WIDTH)
    with controls:
        start = choose_point(model, "from", defaults(model)["from"], own)
        end = choose_point(model, "to", defaults(model)["to"], own)
        method = st.segmented_control("Path", list(METHODS), key=links.remembered("arith_method", DEFAULTS["method"]),
                                      format_func=METHODS.get, required=True,
                                      help="Spherical paths keep the distance from the centre that points drawn "
                                           "from a Gaussian prior have (White, 2016); straight ones cut inside.")
        over = st.slider("Overshoot", *OVERSHOOT, step=0.05, key=links.remembered("arith_over", DEFAULTS["over"]),
                         help="How far the walk goes on beyond each end, as a share of the way from one to the "
                              "other: past the 8 to a more extreme 8.")
    link.update({"from": start.spec, "to": end.spec, "method": method, "over": f"{over:g}"})
    with shown:
        walk_strip(model, start, end, method, over, link)
        scrubber(model, start, end, method, over, ui.judge_for(model), link)
    # Software-drawn WebGL takes the browser a second to redraw the 3-D view: a steps move leaves it as it is.
    return interpolate(start.z, end.z, COURSE_POINTS, method, overshoot=over), [start, end]


@st.fragment
def walk_strip(model, start: Point, end: Point, method: str, over: float, link: dict) -> None:
    """The walk's steps, decoded in a strip with each one's plausibility and reading, and its downloads. A fragment:
    a steps move reruns it alone (nothing else on the page depends on the steps: the 3-D view draws the walk's
    course, the scrubber its own t), and it writes the steps into the URL itself. Not around the scrubber: a
    fragment in a fragment lost moves under load (bench.load)."""
    steps = st.slider("Steps", *WALK_STEPS, key=links.remembered("arith_steps", DEFAULTS["steps"]),
                      width=ui.CONTROLS_WIDTH)
    written = {"steps": str(steps)}
    links.write(links.ECHO["arithmetic"], written)
    link.update(written)
    t = interpolation_times(steps, over)
    path, labels = walk(model, start, end, t, method)
    digits = decode(model, path, labels)
    scores = plausibility(model, faces.ident(model))(path)
    judge = ui.judge_for(model)
    read, confidence = judge.read(digits) if judge else (np.zeros(len(digits), int), np.ones(len(digits)))
    unsure = confidence < (judge.confidence_threshold if judge else 0)
    ends = "" if over == 0 or (np.isclose(t, 0).any() and np.isclose(t, 1).any()) else \
        f" (the steps run from t = {t[0]:+.2f} to {t[-1]:+.2f}; not every end falls on a step)"
    st.markdown(f"**{start.name}** (t = 0) to **{end.name}** (t = 1), {METHODS[method].lower()}"
                + (f", {over:.0%} beyond each end" if over else "") + ends + ". Under each step: t, its "
                + ("plausibility and what the judge reads (? where it is unsure)." if judge else "plausibility."))
    pictures.show_digits(digits, [f"{v:+.2f} · {score_caption(s)}"
                                  + (f" · {ui.class_name(model, int(r))}{'?' * bool(u)}" if judge else "")
                                  for v, s, r, u in zip(t, scores, read, unsure)], size=STRIP_SIZE, one_row=True)
    off = np.flatnonzero(scores < LEAVES_DATA)
    if len(off):
        st.warning(f"{len(off)} of {steps} steps leave the region the data occupies (⚠, plausibility under "
                   f"{LEAVES_DATA:.0f}%: less typical than 95% of the held-out digits), at t = "
                   + ", ".join(f"{t[k]:+.2f}" for k in off) + ". The decoder draws there what it never saw.")
    else:
        st.caption(f"Every step lies among the held-out digits' codes (plausibility {scores.min():.0f}% at least; "
                   f"under {LEAVES_DATA:.0f}% a step would be flagged ⚠).")
    if unsure.any():
        st.caption(f"The judge is unsure of {int(unsure.sum())} of {steps} steps (?), at t = "
                   + ", ".join(f"{v:+.2f}" for v in t[unsure]) + ": there the walk passes between kinds of "
                   "digit and the decoder draws a blend. Plausibility says where a code lies, not how clearly "
                   "it decodes.")
    downloads(f"walk_{model.id}", [
        ("PNG", png(digits, 1, steps), ".png", "image/png"),
        ("GIF", lambda: gif(digits), ".gif", "image/gif"),  # made on the click: the costliest file
        ("Vectors (.npy)", npy(path), ".npy", "application/octet-stream"),
        ("CSV", csv(model, [f"{v:.3f}" for v in t], path, scores, first="t"), ".csv", "text/csv")])


@st.fragment
def scrubber(model, start: Point, end: Point, method: str, over: float, judge, link: dict) -> None:
    """A live slider over the walk's t, overshoot included, under the strip, and the walk's point there, decoded
    exactly, with its plausibility and what the judge reads. A fragment: letting it go reruns it alone (nothing else
    depends on t), and it writes t into the URL itself."""
    t = live_slider.live_slider(
        "Scrub along the walk: t", -over, 1 + over, key="arith_t", value=DEFAULTS["t"], step=0.01,
        picture=WALK_PICTURE, anchors=(0.0, 1.0), frames=partial(walk_frames, model, start, end, method),
        depends_on=(faces.ident(model), start.z, end.z, start.label, end.label, method),
        help="Drag along the walk: the digit below follows, from frames decoded along it; let go and it is decoded "
             "exactly there. t = 0 is the start, 1 the end; beyond them, the overshoot.")
    z, labels = walk(model, start, end, t, method)
    digit = decode(model, z, labels)
    score = plausibility(model, faces.ident(model))(z)[0]
    reading = "" if judge is None else " · " + ui.reading(model, judge, *(r[0] for r in judge.read(digit)))
    pictures.show_digits(digit, [f"t = {t:+.2f} · plausibility {score_caption(score)}{reading}"], size=SCRUBBED_SIZE,
                         live=live_slider.mark(WALK_PICTURE))
    shown = {"t": f"{t + 0.0:g}"}  # + 0.0: no "-0"
    links.write(links.ECHO["arithmetic"], shown)
    link.update(shown)


def walk(model, start: Point, end: Point, t, method: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The walk's points at parameters t, and a conditional model's labels: blended along the way, held beyond the
    ends."""
    t = np.atleast_1d(np.asarray(t, np.float64))
    labels = None
    if model.conditional:
        share = np.clip(t, 0, 1)[:, None]
        labels = label_mixture((1 - share) * start.label + share * end.label)
    return interpolate_at(start.z, end.z, t, method), labels


def walk_frames(model, start: Point, end: Point, method: str, t: np.ndarray) -> np.ndarray:
    """The scrubber's frames: the walk decoded at each t, in one batch."""
    return decode(model, *walk(model, start, end, t, method))
