"""Latent scatter: where each held-out digit lands in latent space, and what the points decode to.

Click near a dot, or drag a box, to see the digits behind it. "Images as
markers" draws decoded digits where their codes lie, like the sprite view of
TensorFlow's Embedding Projector, so the layout of the space reads at a glance.
The chart, its controls and the selection are one fragment: a click reruns only them. The view (dots or
images, how many) is kept in the URL (?view=images&thumbnails=300), so a copied link reopens it.
A GAN has no encoder, so there is nothing to scatter: asked for one, the page says so
and links to its own page. The face VAE ships no face's code: its scatter (dashboard/face_views.py)
plots faces it generates on the principal axes of its training codes, coloured by the face judge. The parts are in
dashboard/scatter.py; this script lays them out.
"""
from functools import partial

import streamlit as st

import face_views
import links
import scatter
import ui

ui.setup_page("Latent scatter")
st.title("Latent scatter", anchor=False)  # before the picker, whose notices go under it
generator = scatter.generator_asked_for()
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
items = "digits" if ui.of_digits(model) else "pictures"
st.caption(f"Each dot is one of the {len(codes['labels']):,} held-out {items}, placed at the latent mean the encoder "
           f"gives it, {'coloured by its true label' if model.num_classes > 1 else 'in one colour (no labels)'}. "
           f"The model never saw these {items} in training."
           + (" This model is told each digit's label, so its code holds only the style (slant, width, stroke): "
              "the colours mix, and that is what it was trained to do." if model.conditional else ""))

scatter.explorer(model, codes)
