"""Latent arithmetic: walk from one point of latent space to another (and past it), add and subtract points,
move one dimension at a time, and see it all in a 3-D view of the held-out codes.

Points are held-out items (by number), class means, random seeds or your own uploaded or drawn digit. Under every
decoded picture is its plausibility (core.latent.Plausibility): where it ranks among the held-out codes' own
typicality, 50 being the median real item. The view (model, points, seeds, weights, steps, overshoot, the scrubber's
t) is kept in the URL, so a copied link reopens it. The maths is in core.latent, the widgets and pictures in
dashboard/arithmetic.py and arithmetic_walk.py; this script lays them out. A conditional model's point is a style
code with a label: labels follow the same arithmetic (core.latent.label_mixture), so an average 6 walking to an
average 8 is told a blend of the two labels.
"""
from functools import partial

import streamlit as st

import arithmetic
import arithmetic_walk
import links
import ui
from core.latent import LEAVES_DATA

ui.setup_page("Latent arithmetic")
st.title("Latent arithmetic", anchor=False)  # before the picker, whose notices go under it
model = ui.pick_model("arithmetic")
ui.heldout_codes(model)  # stops with a message when the model ships none
st.caption("Walk from one point of latent space to another, add and subtract points, and see where it all lies "
           "among the held-out digits. Under each picture, its **plausibility**: where the point ranks among "
           "the held-out digits' own typicality (its density under the "
           + ("Gaussian fitted to this autoencoder's codes" if model.card.get("prior") else "prior")
           + " and its distance to the nearest real digit's code): 50% is as typical as the median real digit; "
           f"under {LEAVES_DATA:.0f}% (⚠) the point has left the region the data occupies."
           + (" This model is told the label: each point carries one, and labels follow the arithmetic."
              if model.conditional else ""))
notice = st.empty()
own = arithmetic.own_point(model)
ignored = links.read(links.ECHO["arithmetic"], partial(arithmetic.apply_parameter, model))
link = {}  # the view as the URL keeps it: each section adds its settings
path, ends = arithmetic_walk.interpolation(model, own, link)
arithmetic.sum_and_what_follows(model, own, path, ends, link)
links.tidy(link)
links.write(links.ECHO["arithmetic"], link, arithmetic.PARAMS)
links.notice(notice, ignored)
