"""GAN samples: digits drawn by generators trained against a discriminator (a vanilla GAN, a DCGAN and a
conditional GAN), from noise named by a seed.

Samples with the truncation trick beside its measured trade-off, the measured figures against their goals, a walk
from one seed's noise to another's, the training story (losses, and the same noise drawn after every epoch), and
the DCGAN beside two VAEs. The view is kept in the URL; the parts are in dashboard/gans.py and its gan_*.py
sections, the charts in dashboard/gan_charts.py; this script lays them out.
"""
from functools import partial

import streamlit as st

import gan_figures
import gan_samples
import gan_story
import gan_walk
import gans
import links
import ui

ui.setup_page("GAN samples")
st.title("GAN samples", anchor=False)  # before the picker, whose notices go under it
model = ui.pick_model("gans")
judge = ui.judge_for(model)  # None for the user's own generator: its pictures are no digits the judge reads
st.caption(gans.introduction(model, judge))
with st.container(horizontal=True):
    ui.page_link("grid", model.id)
    st.caption("A plane through this GAN's noise space, decoded cell by cell.")
notice = st.empty()
ignored = links.read(links.ECHO["gans"], partial(gans.apply_parameter, model))
link = {}  # the view as the URL keeps it: each section adds its settings
gan_samples.sample_grid(model, judge, link)
if judge is not None:
    gan_figures.measured_figures(model)
gan_walk.latent_walk(model, judge, link)
if judge is not None:
    gan_story.training_story(model, link)
    gans.gan_against_vae()
else:
    st.caption(gans.UNMEASURED)
links.tidy(link)
links.notice(notice, ignored)
