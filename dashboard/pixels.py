"""Pixel by pixel: images as a joint distribution of pixels, before any latent space. The page's three parts are
pixel_faces.py (faces as independent pixels), pixel_digits.py (the PixelCNN) and, here, what a latent buys: the
PixelCNN's likelihood against the latent models' bounds and the time each takes to draw a digit."""
from __future__ import annotations

import streamlit as st

import exports
import pixel_charts
import ui


def latent_section(model) -> None:
    st.header("What a latent buys", anchor="latent")
    metrics = model.card.get("metrics", {})
    points = pixel_charts.latent_points(model.card)
    if len(points) < 2:
        st.info("The PixelCNN's card holds no draw times of the latent models yet: "
                f"`python -m core.evaluate {model.id}` measures them.")
        return
    vae = metrics.get("latent_models", {}).get("mnist-vae-16d")
    gap = (f" The PixelCNN's -log p(x) is {vae['neg_log_likelihood_iwae_nats'] - metrics['neg_log_likelihood_nats']:.1f}"
           " nats below the 16-D VAE's bound." if vae else "")
    st.caption(f"On the same {metrics['heldout_digits']:,} held-out digits, binarised once at 0.5: lower is a better "
               "model of the digits. The PixelCNN's figure is exact, each VAE's an upper bound (IWAE, 128 samples)."
               + gap + " A latent model draws a digit in one pass of its decoder, and gives a code to explore; the "
               "PixelCNN needs 784 steps, one a pixel, and has no code. Times from the card, measured on its "
               "machine (median of 5 warm runs).")
    exports.chart(pixel_charts.latent_chart(points, metrics["heldout_digits"]), key="px_latent_chart")
