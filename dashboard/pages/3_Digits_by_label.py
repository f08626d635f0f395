"""Digits by label: a conditional VAE draws the digit you ask for, in the style its latent code holds.

The label says which digit; the latent code says how it is written (slant, width, stroke).
Sample a digit, move its style, blend two labels, copy one digit's style onto all ten, and
sweep one style dimension across every digit; the judge classifier says what it reads in
each picture. Every section is a fragment, so its controls rerun only that section. The samples' digit and seed and
the held-out digit whose style is transferred, the style sliders and label mixing are kept in the URL
(?digit=7&seed=12&style=42&look=2&style_z=3:0.5&mix=8,3,0.5,0). The sections are in
dashboard/by_label.py; this script lays them out.
"""
from functools import partial

import streamlit as st

import by_label
import links
import ui

ui.setup_page("Digits by label")
st.title("Digits by label", anchor=False)  # before the picker, whose notices go under it
model = ui.pick_model("label")
codes = ui.heldout_codes(model)
judge = ui.judge_for(model)  # None for a model of the user's own pictures: no reading under them
spread = codes["means"].std(0)
notice = st.empty()
ignored = links.read(links.ECHO["label"], partial(by_label.apply_parameter, model, spread))
links.notice(notice, ignored)
st.caption(f"**{model.card.get('title', model.id)}** is told which digit to draw; its {model.latent_dim}-D latent "
           "code holds only the style. " + ("Under each picture: what the judge classifier reads in it (✗ when that "
           "is not the digit asked for). " + by_label.judge_rule(judge) if judge else "Its labels are those of your "
           "pictures; no judge reads them."))
by_label.quality_figures(model)
by_label.samples(model, judge)
by_label.style_sliders(model, judge, spread)
by_label.label_mixing(model, judge)
by_label.style_transfer(model, judge, codes)
by_label.style_by_digit(model, spread)
