"""The Decoded grid page's two views (pages/2_Decoded_grid.py lays the page out): the grid (dashboard/grid.py) or,
for a 2-D model's latent, the live plane (dashboard/live_plane.py), named by ?view= in the URL; and what a link asks
that neither can use, for the page's single notice.
"""
import streamlit as st

import face_views
import grid
import links
import live_plane

VIEWS = {"grid": "Grid", "live": "Live under the pointer"}  # ?view=live: a 2-D model's live plane (dashboard/live_plane.py)
GRID = "grid"
VIEW_PARAM, VIEW_KEY, VIEW_ECHO = "view", "grid_view", "grid_view_url"
LIVE_KEY = "grid_live"


def choose_view(model) -> str:
    """The grid, or (a 2-D model's latent) the live plane; ?view= in the URL names it. A link's view that this model
    cannot show is ignored, with a notice; the live view's kept point leaves the URL with it."""
    shown = list(VIEWS) if live_plane.serves(model) else [GRID]
    requested = st.query_params.get(VIEW_PARAM)
    if requested is not None and requested != st.session_state.get(VIEW_ECHO):  # a link, not our own echo
        if requested in shown:
            st.session_state[VIEW_KEY] = requested
        else:
            why = (f"one of {', '.join(VIEWS)}" if requested not in VIEWS
                   else f"{model.card.get('title', model.id)} has no live plane: it needs a 2-D latent")
            point = st.query_params.get(live_plane.POINT_PARAM)
            st.warning(f"The link's view was ignored and the grid shown: `{VIEW_PARAM}={requested[:40]}` ({why})"
                       + (f"; its kept point `{live_plane.POINT_PARAM}={point[:40]}` goes with it." if point else "."))
    if st.session_state.get(VIEW_KEY) not in shown:
        st.session_state[VIEW_KEY] = GRID
    if len(shown) > 1:
        st.radio("View", shown, key=VIEW_KEY, horizontal=True, format_func=VIEWS.get,
                 help="Live: the digit under the pointer, decoded as fast as the pointer moves, from a 96 × 96 "
                      "atlas of this plane decoded once.")
    view = st.session_state[VIEW_KEY]
    if view == GRID:
        st.query_params.pop(VIEW_PARAM, None)
        live_plane.forget_url_point(LIVE_KEY)
    else:
        st.query_params[VIEW_PARAM] = view
        grid.keep_grid_in_url({})  # the live view has no grid settings
    st.session_state[VIEW_ECHO] = view if view != GRID else None
    return view


def unused_link_settings(model, point: str | None, view_asked: str | None, view: str) -> list[str]:
    """What a link asks that this page cannot use: a parameter of another page or a grid setting out of range (the
    others wait in grid.LINKED_KEY for their widgets), or the live view's kept `point` (as the link had it) in the grid
    view, unless it is this session's own echo, left by the live view, or the link asked for a view the page did
    not show (`view_asked`), whose notice names the point already."""
    pending = st.session_state[grid.LINKED_KEY] = {}

    def apply(name: str, value: str) -> None:
        if name in (VIEW_PARAM, live_plane.POINT_PARAM):  # choose_view's and the live plane's
            return
        if name not in grid.GRID_PARAMS or face_views.is_face_model(model):  # the face grid keeps its settings in view
            raise ValueError("not a setting of this page")
        pending[name] = grid.grid_setting(model, name, value)
    ignored = links.read(grid.GRID_ECHO, apply)
    if (view == GRID and point is not None and not links.stale(f"{LIVE_KEY}_url", live_plane.POINT_PARAM, point)
            and view_asked in (None, view)):
        ignored.append(f"`{live_plane.POINT_PARAM}={point[:40]}` (a kept point belongs to the live view: add "
                       f"`{VIEW_PARAM}=live`)")
    return ignored
