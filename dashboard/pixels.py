"""Pixel by pixel: images as a joint distribution of pixels, before any latent space. The page's three parts are
pixel_faces.py (faces as independent pixels), pixel_digits.py (the PixelCNN) and, here, what a latent buys: the
PixelCNN's likelihood against the latent models' bounds and the time each takes to draw a digit."""
from __future__ import annotations

import streamlit as st

import exports
import links
import pixel_charts
import ui
from core import registry

ECHO = links.ECHO["pixels"]
# The view in the URL: each parameter's widget key, its default and how a link's value is read into it.
SEEDS = {"face_seed": "px_face_seed", "seed": "px_seed", "complete_seed": "px_complete_seed"}
DEFAULTS = {"px_face_seed": 0, "px_seed": 0, "px_complete_seed": 0, "px_temperature": 1.0, "px_rows": 14,
            "px_index": 0}
TEMPERATURE, ROWS = (0.25, 2.0, 0.05), (1, 27)  # the sliders' ranges (and the temperature's step)


def widget(key: str) -> str:
    """A widget's key with its default in session state first (a link may have set it already)."""
    return links.remembered(key, DEFAULTS[key])


def apply_parameter(name: str, value: str) -> None:
    """One parameter of a new link put into the widgets' state, or a ValueError saying why not."""
    import pixel_faces
    state = st.session_state
    if name in SEEDS:
        state[SEEDS[name]] = links.whole_number(value, 0, ui.MAX_SEED)
    elif name == "temperature":
        state["px_temperature"] = links.snapped(value, *TEMPERATURE)
    elif name == "rows":
        state["px_rows"] = links.whole_number(value, *ROWS)
    elif name == "digit":
        from pixel_digits import MODEL
        state["px_index"] = links.whole_number(value, 0, registry.read_card(MODEL)["dataset"]["heldout"] - 1)
    elif name == "faces":
        pixel_faces.apply_choices(value)
    else:
        raise ValueError("not a setting of this page")


def read_link() -> list[str]:
    """A new link's settings put into the widgets; what it could not use, with why, for the page's one notice. The
    page picks its own models, so a ?model= is refused too (the model picker, which reads it elsewhere, is absent)."""
    ignored = links.read(ECHO, apply_parameter)
    model = st.query_params.get(links.MODEL_PARAM)
    if model is not None and not links.stale(ECHO, links.MODEL_PARAM, model):
        ignored.append(f"`{links.MODEL_PARAM}={model[:40]}` (this page picks its own models)")
    return ignored


def keep_in_url(values: dict) -> None:
    """The view's settings into the URL, a default left out; every other parameter taken out."""
    shown = {name: (None if value is None else str(value)) for name, value in values.items()}
    links.write(ECHO, shown)
    links.tidy([name for name, value in shown.items() if value is not None], model=False)


def view(faces: str | None) -> dict:
    """The settings now, as the URL keeps them: each left out at its default."""
    state = st.session_state
    out = {name: state.get(key) for name, key in SEEDS.items()}
    out.update(temperature=state.get("px_temperature"), rows=state.get("px_rows"), digit=state.get("px_index"),
               faces=faces)
    defaults = {**{name: DEFAULTS[key] for name, key in SEEDS.items()}, "temperature": DEFAULTS["px_temperature"],
                "rows": DEFAULTS["px_rows"], "digit": DEFAULTS["px_index"]}
    return {name: None if value is None or value == defaults.get(name) or value == "" else
            (f"{value:g}" if isinstance(value, float) else value) for name, value in out.items()}


def latent_section(model) -> None:
    st.header("What a latent buys", anchor="latent")
    metrics = model.card.get("metrics", {})
    points = pixel_charts.latent_points(model.card)
    if len(points) < 2:
        st.info("The PixelCNN's card holds no draw times of the latent models yet: "
                f"`python -m core.evaluate {model.id}` measures them.")
        return
    vae = metrics.get("latent_models", {}).get("mnist-vae-16d")
    gap = "" if not vae else (f" The PixelCNN's -log p(x) is "
                              f"{vae['neg_log_likelihood_iwae_nats'] - metrics['neg_log_likelihood_nats']:.1f} nats "
                              "below the 16-D VAE's bound.")
    st.caption(f"On the same {metrics['heldout_digits']:,} held-out digits, binarised once at 0.5: lower is a better "
               "model of the digits. The PixelCNN's figure is exact, each VAE's an upper bound (IWAE, 128 samples)."
               + gap + " A latent model draws a digit in one pass of its decoder, and gives a code to explore; the "
               "PixelCNN needs 784 steps, one a pixel, and has no code. Times from the card, measured on its "
               "machine (median of 5 warm runs).")
    exports.chart(pixel_charts.latent_chart(points, metrics["heldout_digits"]), key="px_latent_chart")
