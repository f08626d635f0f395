"""Latent scatter: where each held-out digit lands in latent space, and what the points decode to.

Click near a dot, or drag a box, to see the digits behind it. "Images as
markers" draws decoded digits where their codes lie, like the sprite view of
TensorFlow's Embedding Projector, so the layout of the space reads at a glance.
The chart, its controls and the selection are one fragment: a click reruns only them. The view (dots or
images, how many) is kept in the URL (?view=images&thumbnails=300), so a copied link reopens it.
A GAN has no encoder, so there is nothing to scatter: asked for one, the page says so
and links to its own page. The face VAE ships no face's code: its scatter (dashboard/face_views.py)
plots faces it generates on the principal axes of its training codes, coloured by the face judge.
"""
import numpy as np
from functools import partial

import streamlit as st

import face_views
import links
import pictures
import ui
import scatter
from scatter import BOX, CLICK, projections, scatter_chart

GALLERY_LIMIT = 40
PANEL_WIDTH = 300  # the controls and selection beside the chart; below it when the window is too narrow for both


def picked_digits(event, xy: np.ndarray, chart_key: str) -> np.ndarray:
    """Held-out indices of what the user picked last on this chart: the clicked digit, or the digits inside the box.

    The chart keeps both selections; whichever changed in this run is the one the user just made.
    Each chart (one per model and projection) remembers its own, so a selection never follows a switch.
    """
    selection = event["selection"]
    box = selection.get(BOX) or {}
    inside = np.ones(len(xy), bool)
    for k, axis in enumerate(("x", "y")):
        low, high = sorted(box.get(axis) or (np.inf, np.inf))
        inside &= (xy[:, k] >= low) & (xy[:, k] <= high)
    picks = {CLICK: [int(p["index"]) for p in selection.get(CLICK, [])], BOX: np.flatnonzero(inside).tolist()}
    seen = st.session_state.setdefault(f"{chart_key}_seen", {CLICK: [], BOX: [], "latest": CLICK})
    for kind, picked in picks.items():
        if picked != seen[kind]:
            seen[kind] = picked
            if picked:
                seen["latest"] = kind
    latest = seen["latest"] if picks[seen["latest"]] else next((k for k in picks if picks[k]), CLICK)
    return np.array(picks[latest], dtype=int)


def show_point(model, codes: dict, index: int, xy: np.ndarray, originals) -> None:
    """One clicked digit: original beside its decoded latent mean, label and coordinates."""
    name = ui.class_name(model, int(codes["labels"][index]))
    st.subheader(f"Digit #{index} · label {name}", anchor=False)
    mean = codes["means"][index]
    decoded = ui.decode_heldout(model, codes, [index])
    if originals is None:
        pictures.show_digits(decoded, ["Decoded from its shipped latent mean"], size=140)
    else:
        pictures.show_digits([originals[index], decoded[0]], ["Original", "Decoded from its latent mean"], size=140)
    st.markdown(f"Plotted at **({xy[index, 0]:.2f}, {xy[index, 1]:.2f})**")
    if model.latent_dim > 2:
        import pandas as pd
        st.markdown(f"Its latent mean, {model.latent_dim} numbers:")
        st.dataframe(pd.DataFrame([np.round(mean, 2)], columns=[ui.latent_name(k) for k in range(model.latent_dim)]),
                     hide_index=True)


def show_group(model, codes: dict, picked: np.ndarray, originals) -> None:
    """A box selection: how many of each class, and the digits themselves."""
    labels = codes["labels"][picked]
    st.subheader(f"{len(picked)} digits selected", anchor=False)
    counts = np.bincount(labels, minlength=model.num_classes)
    parts = [f"{n} labelled {ui.class_name(model, c)}" for c, n in enumerate(counts) if n]
    st.caption("Of them, " + (", ".join(parts[:-1]) + " and " if len(parts) > 1 else "") + parts[-1] + ".")
    shown = picked[:GALLERY_LIMIT]
    if originals is None:
        images, what = ui.decode_heldout(model, codes, shown), "Reconstructions decoded from the shipped latent means"
    else:
        images, what = originals[shown], "Original held-out digits"
    more = f" (the first {GALLERY_LIMIT} of {len(picked)})" if len(picked) > GALLERY_LIMIT else ""
    st.markdown(f"{what}{more}, captioned with their labels:")
    pictures.show_digits(images, [ui.class_name(model, int(c)) for c in labels[:GALLERY_LIMIT]], size=56)


@st.fragment
def explorer(model, codes: dict) -> None:
    """The chart, its controls and what is selected in it: a click or a control change reruns only this part.

    Chart and panel sit side by side, and the panel moves under the chart when the window is too narrow.
    The controls are in the panel, so nothing sits under the chart's hover toolbar.
    """
    views = projections(model, codes)
    with st.container(horizontal=True, gap="medium"):
        chart_box, panel = st.container(width="content"), st.container(width=PANEL_WIDTH)
    with panel:
        projection = st.radio("Projection", list(views), horizontal=True, key=ui.model_key(model, "projection"),
                              help="PCA keeps global distances; t-SNE keeps neighbours together but distorts distances "
                                   "between clusters. Both were computed from the full latent means."
                              if len(views) > 1 else "A 2-D latent needs no projection: the axes are its coordinates.")
        view = st.radio("Draw", list(scatter.VIEWS), horizontal=True, key=scatter.VIEW_KEY,
                        format_func=scatter.VIEWS.get)
        thumbnails = None
        if view == "images":
            st.session_state.setdefault(scatter.THUMBNAILS_KEY, scatter.DEFAULT_THUMBNAILS)  # or a link's number
            thumbnails = st.slider("Thumbnails", scatter.THUMBNAILS.start, scatter.THUMBNAILS[-1],
                                   step=scatter.THUMBNAILS.step, key=scatter.THUMBNAILS_KEY,
                                   help="How many digits to draw, as evenly spread over the labels as possible "
                                        "(seeded).")
        scatter.keep_in_url(scatter.link(view, thumbnails))
    xy, axis_titles = views[projection]
    chart_key = f"latent_scatter_{model.id}_{projection}"  # a selection belongs to the model and view it was made on
    with chart_box:
        event = st.vega_lite_chart(scatter_chart(model, xy, model.id, projection, axis_titles, thumbnails),
                                   key=chart_key, on_select="rerun", selection_mode=(CLICK, BOX), width="content")
    with panel:
        picked = picked_digits(event, xy, chart_key)
        originals, missing_originals = ui.heldout_originals(model)
        if len(picked) == 0:
            st.info("Click near a dot to decode the nearest digit, or drag a box over a region to see its digits "
                    "(double-click clears it). Click a label in the legend to fade the other classes.")
        elif len(picked) == 1:
            show_point(model, codes, int(picked[0]), xy, originals)
        else:
            show_group(model, codes, picked, originals)
        if missing_originals:
            st.caption(missing_originals)


def generator_asked_for() -> dict | None:
    """The card of a generator without an encoder (a GAN) that a link or the user's last choice asks for: this page
    cannot show it, and says why. Read before pick_model, which answers the same link."""
    requested = st.query_params.get(links.MODEL_PARAM)
    wanted = requested if requested is not None and requested != st.session_state.get(ui.URL_KEY) \
        else st.session_state.get(ui.CHOSEN_KEY)
    card = next((c for c in ui.shipped_cards() if c["id"] == wanted and "error" not in c), None)
    if card is None or ui.serves(ui.PAGES["scatter"], card) or not ui.serves(ui.PAGES["gans"], card):
        return None
    return card


ui.setup_page("Latent scatter")
st.title("Latent scatter", anchor=False)  # before the picker, whose notices go under it
generator = generator_asked_for()
model = ui.pick_model("scatter")
notice = st.empty()
ignored = links.read(links.ECHO["scatter"], partial(scatter.apply_parameter, model))
links.notice(notice, ignored)
if generator is not None:
    with st.container(border=True):
        st.markdown(f"**There is no scatter of {generator.get('title', generator['id'])}.** It is a GAN: it draws "
                    "digits from random noise and has no encoder, so nothing maps a digit to a point to plot. Its "
                    "samples, walks and training story are on its own page:")
        ui.page_link("gans", generator["id"])
if face_views.is_face_model(model):
    scatter.keep_in_url({})
    face_views.latent_scatter(model)
    st.stop()
codes = ui.heldout_codes(model)
st.caption(f"Each dot is one of the {len(codes['labels']):,} held-out digits, placed at the latent mean the "
           "encoder gives it, coloured by its true label. The model never saw these digits in training."
           + (" This model is told each digit's label, so its code holds only the style (slant, width, stroke): "
              "the colours mix, and that is what it was trained to do." if model.conditional else ""))

explorer(model, codes)
