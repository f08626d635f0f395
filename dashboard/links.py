"""A page's settings in the URL, so a copied address reopens the same view: one way to read, write and tidy them.

Each page keeps an echo (session_state[echo_key]: the parameters it wrote last) and the values it wrote lately
(`<echo_key>_written`). A parameter that matches either is the page's own echo, not a link: a rerun request
carries the browser's URL as it was when a control moved, so after fast moves it brings back a value the page has
since rewritten, and taking it for a link would set a slider back. A page reads its parameters with read(), shows
what it refused with notice(), and writes them with write() (None takes one out) and tidy().
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

import streamlit as st

MODEL_PARAM = "model"  # ?model=<id> in the URL names the model a page opens with (ui.pick_model's)
PAGE_KEY, ARRIVED_KEY = "page_shown", "page_arrived"  # the page that ran last; whether this run arrived on it
WRITTEN_KEPT = 64  # values of a URL parameter remembered as the session's own (stale)
# Each page's echo in session state: the parameters it wrote last (its values written lately: "<key>_written").
ECHO = {"tour": "tour_url", "scatter": "scatter_url", "grid": "grid_url", "label": "label_url",
        "arithmetic": "arith_url", "faces": "faces_url", "gans": "gan_url", "pixels": "pixels_url"}


def note_arrival(title: str) -> None:
    """Note whether this run arrived on the page (a link, the sidebar) or reruns it (a control moved), for stale."""
    st.session_state[ARRIVED_KEY] = st.session_state.get(PAGE_KEY) != title
    st.session_state[PAGE_KEY] = title


def stale(echo_key: str, name: str, value: str) -> bool:
    """Whether a URL parameter is this session's own earlier echo rather than a link. A rerun request carries the
    browser's URL as it was when the control moved: with fast moves, one the page has since rewritten, so a value
    the page wrote some runs ago comes back and must not be taken for a link (it set a slider back, dropping the
    key presses after it). Only on a rerun of the same page: a page arrived at by a link takes the link whole."""
    written = st.session_state.setdefault(f"{echo_key}_written", {}).get(name, ())
    return not st.session_state.get(ARRIVED_KEY, True) and value in written


def remember(echo_key: str, name: str, value: str) -> None:
    """Note a value this page wrote into the URL (the last WRITTEN_KEPT of each parameter), for stale."""
    written = st.session_state.setdefault(f"{echo_key}_written", {}).setdefault(name, [])
    if value not in written:
        written.append(value)
        del written[:-WRITTEN_KEPT]


def read(echo_key: str, apply: Callable[[str, str], None]) -> list[str]:
    """URL parameters new to a page (a link or an edited URL, not its own echo in session_state[echo_key]), each
    given to apply(name, value); those it refuses with a ValueError, with why, for the page's single notice."""
    echo = st.session_state.get(echo_key, {})
    for name, value in echo.items():  # what the page wrote by the end of its last run
        if value is not None:
            remember(echo_key, name, value)
    ignored = []
    for name, value in st.query_params.to_dict().items():
        if name == MODEL_PARAM or echo.get(name) == value or stale(echo_key, name, value):
            continue
        try:
            apply(name, value)
        except ValueError as why:
            ignored.append(f"`{name}={value[:40]}` ({why})")
    return ignored


def write(echo_key: str, values: dict[str, str | None], params: Iterable[str] = ()) -> None:
    """Parameters into the URL now (a fragment's run too), None taking one out; each remembered as this page's own
    echo at once, not at the next full run. Those of `params` that `values` leaves out are taken out as well."""
    echo = st.session_state.setdefault(echo_key, {})
    for name, value in {**values, **{name: None for name in params if name not in values}}.items():
        if value is None:
            st.query_params.pop(name, None)
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
        echo[name] = value
        if value is not None:
            remember(echo_key, name, value)


def tidy(keep: Iterable[str], model: bool = True) -> None:
    """Parameters not in `keep` leave the URL (another page's, a bad one); ?model= stays unless `model` is False."""
    keep = set(keep) | ({MODEL_PARAM} if model else set())
    for name in [name for name in st.query_params if name not in keep]:
        del st.query_params[name]


def notice(place, ignored: list[str]) -> None:
    """The page's single notice of what read refused, in `place`: an st.empty() made near the top before the
    sections ran, so the notice is seen first whichever section refused a setting."""
    if ignored:
        place.warning("Some settings in the link were ignored and their defaults used instead: " + "; ".join(ignored)
                      + ".")


def whole_number(value: str, low: int, high: int) -> int:
    """A URL parameter as a whole number from low to high, or a ValueError that says so (read shows it).
    ASCII digits only, at most ten (any seed up to ui.MAX_SEED): no sign, no spaces, no long string for int() to
    parse."""
    if not re.fullmatch(r"[0-9]{1,10}", value) or not low <= int(value) <= high:
        raise ValueError(f"a whole number from {low} to {high}")
    return int(value)


def snapped(value: str, low: float, high: float, step: float) -> float:
    """A URL parameter as a number from low to high, rounded to the slider's step it will set, or a ValueError."""
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"a number from {low:g} to {high:g}") from None
    if not low <= number <= high:  # also refuses nan
        raise ValueError(f"a number from {low:g} to {high:g}")
    return round(round(number / step) * step, 2)


def remembered(key: str, default):
    """A widget's key, with its default put in session state first: a link may have set the value there already,
    and a widget given a default as well as a state value warns."""
    st.session_state.setdefault(key, default)
    return key
