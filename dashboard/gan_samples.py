"""The GAN samples page's sample grid (pages/6_GAN_samples.py lays the page out): one seed's samples, the
truncation slider beside its measured trade-off, and what the judge reads in them.
"""
from functools import partial

import numpy as np
import streamlit as st

import faces
import gan_charts
import gans
import links
import live_slider
import pictures
import ui
from exports import chart
from core.evaluators.digits import SAMPLE_FID as SWEEP_SAMPLES

GRID_PIXELS = 480                  # the sample grid: beside its controls from 1280 px, below them at 800
CAPTIONED = 56                     # a sample with the judge's reading under it
TRADE_OFF_WIDTH = 480
GRID_PICTURE = "gan_grid"          # the samples, for the truncation slider that draws over them


@st.fragment
def sample_grid(model, judge, link: dict) -> None:
    """Samples of one seed, count and truncation; beside the truncation slider, its measured trade-off."""
    st.subheader("Samples", anchor=False)
    controls, shown = ui.beside(GRID_PIXELS)
    slider_box, trade_off = ui.beside(TRADE_OFF_WIDTH)
    with controls:
        digit = gans.digit_control(model, "Digits", gans.MODEL_KEYS["digit"], gans.DEFAULTS["digit"], every=True) \
            if model.conditional else None
        per_digit = digit == gans.EVERY
        count = st.segmented_control(
            "Samples a digit" if per_digit else "How many", gans.COUNTS,
            key=links.remembered(gans.KEYS["n"], gans.DEFAULTS["n"]), required=True,
            format_func=lambda n: str(gans.side(n)) if per_digit else str(n),
            help="Each row holds the same noises, so a column is one style written as ten digits."
            if per_digit else "A square grid of samples, each from its own noise.")
        seed = int(st.number_input("Seed", 0, ui.MAX_SEED,
                                   key=links.remembered(gans.KEYS["seed"], gans.DEFAULTS["seed"]),
                                   help="Which noises: the same seed draws the same samples, on every GAN and at "
                                        "every truncation."))
        st.button("New samples", key="gan_new", on_click=gans.new_seed, icon=":material/casino:",
                  help="A new random seed.")
    with slider_box:
        psi = live_slider.live_slider(
            "Truncation ψ", gans.PSIS[0], gans.PSIS[-1], step=0.25, key=gans.KEYS["psi"], value=gans.DEFAULTS["psi"],
            picture=GRID_PICTURE, frames=partial(gans.truncation_frames, model, seed, count, digit),
            depends_on=(faces.ident(model), seed, count, digit),
            help="The truncation trick: noise drawn from N(0, ψ²·I) instead of N(0, I). Below 1 the samples gather "
                 "towards the centre of the noise, with less variety; whether they also get cleaner depends on the "
                 "GAN: the caption and the chart say, for this one. Drag it: the samples follow.")
        sweep = model.card.get("metrics", {}).get("truncation", [])
        at_psi = next((p for p in sweep if p["truncation"] == psi), None)
        if at_psi:
            st.caption(f"Measured on {SWEEP_SAMPLES:,} samples at ψ = {psi:g}: Fréchet distance "
                       f"{at_psi['frechet_distance']:,.0f}, the judge {at_psi['mean_confidence']:.0%} confident on "
                       f"average, the rarest digit {at_psi['smallest_class_share']:.1%} of samples"
                       + (f", label accuracy {at_psi['label_accuracy']:.1%}" if "label_accuracy" in at_psi else "")
                       + ". " + truncation_effect(sweep))
    values = {"seed": str(seed), "n": str(count), "psi": f"{psi:g}"}
    if model.conditional:
        values["digit"] = str(digit)
    gans.keep_in_url(link, values)
    images = gans.samples(model, faces.ident(model), seed, count, psi, digit)
    with shown:
        if judge is None:  # pictures no judge reads: the user's own generator
            unread(model, images, count, digit)
            return
        read, confidence = gans.judged(judge, images)
        sure = confidence >= judge.confidence_threshold
        if not model.conditional:
            pictures.show_mosaic(gans.mosaic(images, gans.side(count), gans.side(count)), GRID_PIXELS,
                                 live=live_slider.mark(GRID_PICTURE))
            readings(model, read, sure)
        elif per_digit:
            per = gans.side(count)
            wanted = np.repeat(np.arange(model.num_classes), per)
            st.markdown(f"The judge surely reads **{int((sure & (read == wanted)).sum())} of {len(images)}** as the "
                        "digit asked for (✗ where it reads another). Each column keeps one noise: one style, ten "
                        "digits.")
            live, rows = live_slider.mark(GRID_PICTURE), []
            for c in range(model.num_classes):
                row = slice(c * per, (c + 1) * per)
                rows.append(pictures.digits_html(images[row], [ui.reading(model, judge, r, p, c) for r, p in
                                                               zip(read[row], confidence[row])], CAPTIONED,
                                                 one_row=True, live=live))
            pictures.show_markup(pictures.stacked(rows))
        else:
            unsure = f", and is unsure of {int((~sure).sum())}" if (~sure).any() else ""
            st.markdown(f"The judge surely reads **{int((sure & (read == digit)).sum())} of {count}** as "
                        f"{gans.name(model, digit)}{unsure}.")
            pictures.show_digits(images, [ui.reading(model, judge, r, p, digit) for r, p in zip(read, confidence)],
                                 size=CAPTIONED, live=live_slider.mark(GRID_PICTURE))
    with trade_off:
        points = model.card.get("metrics", {}).get("truncation")
        if points:
            chart(gan_charts.truncation_chart(points), "gan_truncation", displayModeBar=False)
        else:
            st.caption(f"The truncation trade-off is not measured yet: `python -m core.evaluate {model.id}`.")


def unread(model, images, count: int, digit) -> None:
    """The samples of a generator no judge reads (a model of the user's own pictures), as the judged ones are laid
    out: one grid, or a conditional model's row per label (each captioned with the label asked for)."""
    if not model.conditional:
        pictures.show_mosaic(gans.mosaic(images, gans.side(count), gans.side(count)), GRID_PIXELS,
                             live=live_slider.mark(GRID_PICTURE))
        return
    labels = np.repeat(np.arange(model.num_classes), gans.side(count)) if digit == gans.EVERY else \
        np.full(len(images), digit)
    pictures.show_digits(images, [f"asked for {gans.name(model, c)}" for c in labels], size=CAPTIONED,
                         live=live_slider.mark(GRID_PICTURE))


def truncation_effect(sweep: list[dict]) -> str:
    """What the smallest ψ measured did to this GAN's samples against ψ = 1, in the judge's figures."""
    plain = next((p for p in sweep if p["truncation"] == 1.0), None)
    low = min(sweep, key=lambda p: p["truncation"])
    if plain is None or low is plain:
        return ""

    def moved(key: str, fmt: str, better_when_lower: bool) -> str:
        worse = (low[key] > plain[key]) == better_when_lower
        return f"{fmt.format(plain[key])} → {fmt.format(low[key])} ({'worse' if worse else 'better'})"
    return (f"For this GAN, from ψ = 1 to {low['truncation']:g}: Fréchet distance "
            f"{moved('frechet_distance', '{:,.0f}', True)}, confidence {moved('mean_confidence', '{:.0%}', False)}, "
            f"rarest digit {moved('smallest_class_share', '{:.1%}', False)}.")


def readings(model, read: np.ndarray, sure: np.ndarray) -> None:
    """What the judge surely reads in a grid, digit by digit, as bars: a GAN that draws few kinds of digit shows
    it here."""
    counts = np.bincount(read[sure], minlength=model.num_classes)
    missing = [gans.name(model, c) for c, n in enumerate(counts) if not n]
    st.caption("How many of these samples the judge surely reads as each digit, and how many it is unsure of"
               + (f". No {', '.join(missing)} among them." if missing and counts.any() else "."))
    chart(gan_charts.readings_chart(counts.tolist(), int((~sure).sum()),
                                [gans.name(model, c) for c in range(model.num_classes)], ui.CLASS_COLORS),
          "gan_readings", displayModeBar=False)
