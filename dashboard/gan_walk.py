"""The GAN samples page's latent walk (pages/6_GAN_samples.py lays the page out): from one seed's noise to
another's, in straight or spherical steps, as a strip and an animated GIF, and a live slider that scrubs along it.
"""
from functools import partial

import numpy as np
import streamlit as st

import faces
import gans
import links
import live_slider
import pictures
import ui
from exports import downloads
from core.images import gif, tile
from core.latent import interpolation_times

WALK_SIZE, WALK_WIDTH, SCRUBBED_SIZE = 56, 560, 112
WALK_PICTURE = "gan_walk_point"  # the point under the scrubber, for the live slider that draws over it


@st.fragment
def latent_walk(model, judge, link: dict) -> None:
    """From one seed's noise to another's, in straight or spherical steps, as a strip and an animated GIF."""
    st.subheader("Latent walk", anchor=False)
    controls, shown = ui.beside(WALK_WIDTH)
    with controls:
        start = int(st.number_input("From seed", 0, ui.MAX_SEED,
                                    key=links.remembered(gans.KEYS["from"], gans.DEFAULTS["from"])))
        end = int(st.number_input("To seed", 0, ui.MAX_SEED,
                                  key=links.remembered(gans.KEYS["to"], gans.DEFAULTS["to"])))
        path = st.segmented_control("Path", list(gans.PATHS),
                                    key=links.remembered(gans.KEYS["path"], gans.DEFAULTS["path"]),
                                    format_func=gans.PATHS.get, required=True,
                                    help="Noise from N(0, I) in 100-D lies near a sphere of radius 10. Spherical "
                                         "steps (slerp) stay on it; straight ones cut inside, through noise the "
                                         "generator seldom saw.")
        steps = st.slider("Steps", *gans.WALK_STEPS, key=links.remembered(gans.KEYS["steps"], gans.DEFAULTS["steps"]))
        digit = gans.digit_control(model, "Drawn as", gans.MODEL_KEYS["walk_digit"], gans.DEFAULTS["walk_digit"],
                                   every=False) if model.conditional else None
    values = {"from": str(start), "to": str(end), "path": path, "steps": str(steps)}
    if model.conditional:
        values["walk_digit"] = str(digit)
    z, images = gans.walk(model, faces.ident(model), start, end, path, steps, digit)
    read, sure = read_surely(judge, images)
    t = interpolation_times(steps)
    lengths = np.linalg.norm(z, axis=1)
    with shown:
        st.markdown(f"Seed {start} (t = 0) to seed {end} (t = 1), {gans.PATHS[path].lower()}"
                    + (f", drawn as {gans.name(model, digit)}" if model.conditional else "")
                    + (". Under each step: t and what the judge reads (? where it is unsure)." if judge else
                       ". Under each step: t."))
        pictures.show_digits(images, [f"{v:.2f}" + ("" if judge is None else
                                                    f" · {gans.name(model, r)}{'' if ok else '?'}")
                                      for v, r, ok in zip(t, read, sure)], size=WALK_SIZE, one_row=True)
        st.caption(f"Length of the noise |z|: {lengths[0]:.1f} and {lengths[-1]:.1f} at the ends, "
                   f"{lengths.min():.1f} at the shortest step. The generator was trained on noise of length about "
                   f"{np.sqrt(model.latent_dim):.0f} (√{model.latent_dim}).")
        values["walk_t"] = f"{scrubber(model, judge, start, end, path, digit):g}"
        gans.keep_in_url(link, values)
        downloads(f"gan_walk_{model.id}", [
            ("GIF", lambda: gif(images), ".gif", "image/gif"),  # made on the click
            ("PNG", pictures.png_bytes(tile(images, 1, len(images), pad=2)), ".png", "image/png")])


def scrubber(model, judge, start: int, end: int, path: str, digit) -> float:
    """A live slider along the walk, and the walk's point there, decoded exactly, with what the judge reads; t."""
    t = live_slider.live_slider(
        "Scrub along the walk: t", 0.0, 1.0, key=gans.KEYS["walk_t"], value=gans.DEFAULTS["walk_t"], step=0.01,
        picture=WALK_PICTURE, frames=partial(gans.walk_at, model, start, end, path, digit),
        depends_on=(faces.ident(model), start, end, path, digit),
        help="Drag along the walk: the digit below follows, from frames decoded along it; let go and it is decoded "
             "exactly there.")
    image = gans.walk_at(model, start, end, path, digit, np.array([t]))
    reading = "" if judge is None else " · " + ui.reading(model, judge, *(r[0] for r in gans.judged(judge, image)),
                                                          digit)
    pictures.show_digits(image, [f"t = {t:.2f}{reading}"], size=SCRUBBED_SIZE, live=live_slider.mark(WALK_PICTURE))
    return t


def read_surely(judge, images) -> tuple[np.ndarray, np.ndarray]:
    """What the judge reads in each picture and whether it is sure; (nothing, none sure) without a judge."""
    if judge is None:
        return np.zeros(len(images), int), np.zeros(len(images), bool)
    read, confidence = gans.judged(judge, images)
    return read, confidence >= judge.confidence_threshold
