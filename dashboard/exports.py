"""What several pages hand the browser beyond rows of digits: download buttons and Plotly figures written as plain
data (animated GIFs of walks are core.images.gif). Shared by the Latent arithmetic, Face editing and GAN samples
pages; nothing here runs on import, and plotly is imported on the first chart only.
"""
from __future__ import annotations

import streamlit as st

def downloads(name: str, files: list[tuple[str, bytes, str, str]]) -> None:
    """Download buttons in a row that wraps: (label, data or a function making it, file suffix, MIME type) each.

    Every file is handed over on the click (deferred), never stored with the run: a run's stored files go when the
    next run ends, and with fast slider moves the browser asked for files already gone (404s in its console)."""
    with st.container(horizontal=True, gap="small"):
        for label, data, suffix, mime in files:
            deferred = data if callable(data) else (lambda made=data: made)
            st.download_button(label, deferred, file_name=f"{name}{suffix}", mime=mime, on_click="ignore",
                               icon=":material/download:", key=f"download_{name}{suffix}")


class _Checked:
    """Made on first use (plotly is imported only by pages that draw with it): see chart()."""
    figure = None


def chart(spec: dict, key: str, **config) -> None:
    """A Plotly figure written as plain data (the page tests check each against Plotly's schema), drawn as wide as
    its container. st.plotly_chart validates a dict property by property on every rerun, more time than everything
    else a page draws; a Figure it takes as already valid, and asks only for its dict."""
    if _Checked.figure is None:
        import plotly.graph_objects as go

        class Figure(go.Figure):
            def __init__(self, figure: dict):  # not go.Figure.__init__: that is the validation
                self._figure = figure

            def to_dict(self) -> dict:
                return self._figure
        _Checked.figure = Figure
    st.plotly_chart(_Checked.figure(spec), width="stretch", key=key, config={"displaylogo": False, **config})
