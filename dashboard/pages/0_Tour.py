"""Tour: the app's story in eight steps, one claim a screen, for a presenter or a first-time visitor.

Each step shows a claim, a live widget set up to show it, the measured figures behind it (from the model cards)
and a link that opens the full page in the same state. Previous and Next, or the arrow keys, move through it; the
step is kept in the URL (?step=3). The steps are in dashboard/tour.py; this script lays them out.
"""
import streamlit as st

import tour
import ui

ui.setup_page("Tour")
st.set_page_config(initial_sidebar_state="collapsed")  # the whole window for the story; the pages stay one click away
notice = st.empty()
step, ignored = tour.current_step()
tour.keep_in_url(step)
tour.navigation(step)
tour.show(step)
if ignored:
    notice.warning("The link's " + "; ".join(ignored) + " could not be used, so the tour starts at step 1.")
