"""Pixel by pixel: images as a joint distribution of pixels, with no latent space. Faces as independent pixels
(no network), a PixelCNN drawing digits pixel by pixel, and what a latent buys, measured. The parts are in
dashboard/pixels.py, pixel_faces.py and pixel_digits.py; this script lays them out. The view is kept in the
URL."""
import streamlit as st

import links
import pixel_digits
import pixel_faces
import pixels
import ui

ui.setup_page("Pixel by pixel")
st.title("Pixel by pixel", anchor=False)
st.caption("Before any latent space: an image as a joint distribution of its pixels. First a model with no network "
           "at all, then a PixelCNN, which has the best likelihood here and no code to explore.")
notice = st.empty()
ignored = pixels.read_link()
faces = pixel_faces.faces_section()
model = ui.load_model(pixel_digits.MODEL)
judge = ui.load_judge()
pixel_digits.samples_section(model)
pixel_digits.completion_section(model, judge)
pixels.latent_section(model)
pixels.keep_in_url(pixels.view(faces))
links.notice(notice, ignored)
