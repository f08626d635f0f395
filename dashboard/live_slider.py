"""A slider that redraws its picture while it is dragged: the picture follows the thumb at display rate, in the
browser, and the server decodes exactly when the thumb is let go.

    value = live_slider.live_slider("Smiling", -3.0, 3.0, key="face_Smiling", value=0.0, step=0.05,
                                    picture="edited_face", frames=lambda s: decode_strengths(s),
                                    depends_on=(faces.ident(model), start_key, other_strengths))
    pictures.show_digits([edited], [caption], size=256, live=live_slider.mark("edited_face"))  # what it drives

It looks and reads as Streamlit's slider (label, value over the thumb, ends on hover; arrow keys, Page Up/Down,
Home/End; touch), and returns the value as st.slider does; the value lives in st.session_state[key], so a link or a
reset sets it there. Alongside it travels a sprite of FRAMES pictures decoded in advance along its range
(core/slider_frames.py: which values, and how they are packed) for the current state of everything else
(`depends_on`); while the thumb moves, the component draws the frames on either side of its value, blended, over
the page's own picture (every <img> marked data-live=`picture`, in page order: a frame holds one picture for
each). On release it sends the value: the page reruns as for any widget, decodes exactly, and the drawn frame
gives way to the exact picture once it has come (mark() writes into the picture which slider positions it shows).
Keys send each step at once, as Streamlit's slider does.

The frames are built after the run, off it (dashboard/slider_sprites.py): the run names them, one worker a process
builds them in one batched decode through `frames` once the server is quiet, and the browser fetches the sprite as
a file (components/sprite_files.js); no rerun carries it. They are named by an id of the slider, its range and
`depends_on`, and rebuilt when that changes. Until they arrive the slider works as a plain one. The browser keeps
decoded sprites by id (atlas_sheets.js, shared with the live plane), so a state seen before fetches nothing.

Markup, style and script: live_slider.html, live_slider.css, live_slider.js and sprite_files.js in components/.
Counters for the bench and the browser tests: window.latentLabSliders[key].
"""
from __future__ import annotations

import hashlib
import math
import re
from functools import partial
from typing import Callable, Union

import numpy as np
import streamlit as st

from streamlit.runtime.scriptrunner import get_script_run_ctx

import pictures
import slider_sprites
from served_components import Component
from core.slider_frames import FRAMES, Track

# The frames: a callable given the frames' values (F,) that returns their pictures in one batch, (F, h, w[, 3])
# or (F, K, h, w[, 3]) for K page pictures, uint8 or floats in [0, 1]; or those pictures, made already.
Frames = Union[Callable[[np.ndarray], np.ndarray], np.ndarray]
# Session state: picture name -> the stop each of its live sliders was drawn at in this run; and the pictures
# marked (mark()) since, which start afresh with the next run's sliders, so sliders a page no longer shows drop out.
SHOWN, MARKED = "live_slider_shown", "live_slider_marked"


def live_slider(label: str, low: float, high: float, *, key: str, picture: str, frames: Frames, depends_on=(),
                value: float | None = None, step: float = 0.01, format: str = "%.2f", help: str | None = None,
                anchors=(), presets=()) -> float:
    """A live slider over [low, high] in steps of `step`, its value in st.session_state[key] (`value`, else
    `low`, the first time); returns it. `picture`: the name the page's picture is marked with
    (pictures.show_digits(..., live=mark(picture))). `frames`: see Frames (an array holds the pictures at
    frame_values(low, high, step, anchors)); `depends_on`: everything else they depend on, the model's faces.ident
    included (hashable values, NumPy arrays too). `anchors`: values that must be frames (a walk's ends). `format`:
    "%.<n>f", as the value is shown. `presets`: (label, value, help) buttons beside the track that move the thumb
    to their value, drawn from the frames at once and sent as a release is (no Streamlit button, no run of their
    own)."""
    track = Track(float(low), float(high), float(step))
    current = _current(key, track, low if value is None else value)
    shown, marked = st.session_state.setdefault(SHOWN, {}), st.session_state.setdefault(MARKED, set())
    if picture in marked:
        marked.discard(picture)
        shown[picture] = {}
    shown.setdefault(picture, {})[key] = track.stop(current)
    stops = track.frame_stops(FRAMES, anchors)
    ident = frames_id(key, track, stops, frames, depends_on)
    data = {"key": key, "label": label, "help": help, "min": track.low, "max": track.high, "step": track.step,
            "decimals": track.decimals, "shown_decimals": shown_decimals(format), "value": current,
            "picture": picture, "frames": ident, "sprite": _ask_sprite(key, ident, track, stops, frames),
            "presets": [[str(name), track.snap(float(at)), help_text] for name, at, help_text in presets]}
    component_key = f"{key}_live"
    _slider(key=component_key, data=data, width="stretch", on_value_change=partial(_released, key, component_key, track))
    return current


def mark(picture: str) -> pictures.Live:
    """What the page's picture carries (pictures.show_digits's `live`): its name and the position of each live slider
    that drew it, so that a slider, let go, knows when the exact picture of its value is on screen. Call it after
    the sliders, in the same run."""
    st.session_state.setdefault(MARKED, set()).add(picture)
    shown = st.session_state.get(SHOWN, {}).get(picture, {})
    return pictures.Live(picture, " ".join(f"{key}:{stop}" for key, stop in sorted(shown.items())))


def frame_values(low: float, high: float, step: float, anchors=()) -> np.ndarray:
    """The values a live slider over this range wants frames at (for a page that makes them itself)."""
    return Track(float(low), float(high), float(step)).frame_values(FRAMES, anchors)


def shown_decimals(format: str) -> int:
    found = re.fullmatch(r"%\.(\d)f", format)
    if not found:
        raise ValueError(f'a live slider shows its value as "%.<n>f", not {format!r}')
    return int(found[1])


def frames_id(key: str, track: Track, stops: np.ndarray, frames: Frames, depends_on) -> str:
    """What names a sprite, in the server's cache and the browser's: the slider, its frames and what they show."""
    digest = hashlib.sha1(repr((key, track, stops.tolist())).encode())
    for part in (depends_on, None if callable(frames) else frames):
        _feed(digest, part)
    return f"{key}@{digest.hexdigest()[:16]}"


def _feed(digest, value) -> None:
    if isinstance(value, np.ndarray):
        digest.update(repr((value.dtype.str, value.shape)).encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (tuple, list)):
        digest.update(b"(")
        for item in value:
            _feed(digest, item)
        digest.update(b")")
    else:
        digest.update(repr(value).encode() + b",")


def value_of(key: str, low: float, high: float, step: float, default: float | None = None) -> float:
    """The value the live slider `key` takes in this run, read before it is drawn: a page whose sliders' frames
    hold each other where they stand reads them all first."""
    return _snapped(key, Track(float(low), float(high), float(step)), low if default is None else default)


def _snapped(key: str, track: Track, default: float) -> float:
    """Session state's value (a link may have put anything there), snapped onto the track."""
    try:
        return track.snap(float(st.session_state.get(key, default)))
    except (TypeError, ValueError):
        return track.snap(float(default))


def _current(key: str, track: Track, default: float) -> float:
    """The slider's value (_snapped), written back into session state."""
    st.session_state[key] = value = _snapped(key, track, default)
    return value


def _released(key: str, component_key: str, track: Track) -> None:
    """The thumb let go (or a key pressed): its value into session state, snapped, before the rerun."""
    sent = _sent(component_key, "value")
    if isinstance(sent, (int, float)) and not isinstance(sent, bool) and math.isfinite(sent):
        st.session_state[key] = track.snap(sent)


def _sent(component_key: str, event: str):
    """What a component's event sent; None from an element the page no longer shows (a burst of keys can leave a
    request from a slider that a newer run has taken away)."""
    state = st.session_state.get(component_key)
    return state.get(event) if state is not None else None


# ---------------------------------------------------------------- the frames

def _ask_sprite(key: str, ident: str, track: Track, stops: np.ndarray, frames: Frames) -> str:
    """Have the frames built off the run (a newer state of this slider in this session replaces an ask not yet
    started); the sprite's name, by which the browser finds it."""
    ctx = get_script_run_ctx()
    slot = (ctx.session_id if ctx is not None else None, key)
    return slider_sprites.served().ask(slot, ident, partial(slider_sprites.build_sheet, track.value(stops), stops,
                                                            frames))


# ---------------------------------------------------------------- the components (files: served_components.py)

# In the page's own DOM, not a shadow root: its range input is then found as Streamlit's sliders' are (bench.load
# focuses it with document.querySelector); its classes (ls-*) are its own.
_slider = Component("live_slider", html="live_slider.html", css="live_slider.css", js="live_slider.js",
                    isolate_styles=False)
