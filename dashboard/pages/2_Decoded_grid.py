"""Decoded grid: decode evenly spaced points on a plane through latent space and watch the digits morph.

A 2-D latent is its own plane. For more dimensions pick two latent dimensions
or two principal components; the other dimensions stay at the mean of the
held-out codes. A GAN has no held-out codes: its plane runs through one seed's
noise, along two of its dimensions or two random directions, in standard
deviations of the noise. The face VAE's plane runs through the mean of its
training codes along their principal axes (dashboard/face_views.py). The grid
lives in a fragment, so moving its controls reruns only the grid, not the page.
A 2-D model also has a live view: the digit under the pointer at display rate (dashboard/live_plane.py). The grid's
parts are in dashboard/grid.py, the choice of view in dashboard/grid_views.py; this script lays them out.
"""
import streamlit as st

import face_views
import grid
import grid_views
import links
import live_plane
import ui

ui.setup_page("Decoded grid")
st.title("Decoded grid", anchor=False)  # before the picker, whose notices go under it
model = ui.pick_model("grid")
# As the link had them: the grid view takes the point out of the URL.
notice = st.empty()
linked_point, linked_view = st.query_params.get(live_plane.POINT_PARAM), st.query_params.get(grid_views.VIEW_PARAM)
view = grid_views.choose_view(model)
links.notice(notice, grid_views.unused_link_settings(model, linked_point, linked_view, view))
if face_views.is_face_model(model):
    face_views.decoded_grid(model)
elif model.has_encoder:
    codes = ui.heldout_codes(model)
    if view != grid_views.GRID:
        st.caption("The digit under the pointer is the decoder's picture of that point of the latent plane, drawn "
                   "in the browser as fast as the pointer moves.")
        live_plane.live_plane(model, key=grid_views.LIVE_KEY)
    else:
        st.caption("Every cell is the decoder's picture of one point on a plane through latent space. Steps are "
                   "measured in standard deviations of the held-out codes; under the grid, the latent coordinates it "
                   "spans.")
        grid.decoded_grid(model, codes["means"])
    grid.heldout_strip(model, codes)
else:
    st.caption("Every cell is the generator's picture of one point on a plane through its noise space. Steps are "
               "measured in standard deviations of the noise N(0, I) it draws from; under the grid, the coordinates "
               "it spans.")
    grid.decoded_grid(model, None)
    st.caption(f"No held-out digits and reconstructions here: {model.card.get('title', model.id)} is a generator "
               "with no encoder, so nothing maps a digit back to a point it could redraw.")
