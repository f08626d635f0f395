"""The user's own digit: one upload/draw widget for the app, both routes through core.data.uploads.

Anything core.data.uploads refuses (not a picture, damaged, too big, blank) is shown as its message, never a
traceback. The canvas and scipy load only when a page asks for a digit.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

UPLOAD, DRAW = "Upload a picture", "Draw it"
CANVAS_SIDE = 280   # 10 canvas pixels to each pixel of a 28 x 28 digit
CANVAS_STROKE = 22  # about MNIST's pen: 2 to 3 pixels wide once the digit is scaled to its 20-pixel box


def user_digit(key: str) -> np.ndarray | None:
    """A digit the user uploads or draws, as a (28, 28) uint8 MNIST-style digit; None until there is one.

    The one upload/draw widget of the app: both routes go through core.data.uploads, and anything
    it refuses (not a picture, damaged, too big, blank) is shown as its message, never a traceback.
    """
    how = st.segmented_control("Your digit", [UPLOAD, DRAW], default=UPLOAD, required=True, key=f"{key}_how",
                               persist_state="session")
    if how == UPLOAD:
        kept = f"{key}_upload"  # (name, bytes) of the last upload: it stays while the uploader is hidden
        st.file_uploader("A picture of one digit", key=f"{key}_file", on_change=_keep_upload, args=(key,),
                         help="A photo or scan of one handwritten digit, or a screenshot: PNG, JPEG, GIF, "
                              "BMP, WebP or TIFF, up to 5 MB. Dark ink on light paper or the other way round.")
        if kept not in st.session_state:
            return None
        name, data = st.session_state[kept]
        if st.session_state.get(f"{key}_file") is None:  # the uploader was hidden and came back empty
            with st.container(horizontal=True, vertical_alignment="center"):
                st.caption(f"Using `{name.replace('`', chr(39))}`, uploaded earlier.")  # the name as text
                st.button("Remove it", key=f"{key}_remove", on_click=st.session_state.pop, args=(kept, None))
        return digit_from_upload(data)
    # Imported here: the canvas registers its front end on import, which needs a running app.
    from streamlit_drawable_canvas import st_canvas
    st.caption("Draw one digit with the mouse or a finger; it is read when you lift the pen. "
               "Hover over the canvas to undo or clear.")  # also the room the canvas's hover toolbar opens into
    drawing = st_canvas(stroke_width=CANVAS_STROKE, stroke_color="#000000", background_color="",
                        width=CANVAS_SIDE, height=CANVAS_SIDE, return_image_data=True, key=f"{key}_canvas")
    if not (drawing.json_data or {}).get("objects") or drawing.image_data is None:
        return None
    return digit_from_canvas(drawing.image_data)


def _keep_upload(key: str) -> None:
    """The user added or removed a file: keep it (or forget it) beyond the uploader's own life on the page."""
    file = st.session_state.get(f"{key}_file")
    if file is None:
        st.session_state.pop(f"{key}_upload", None)
    else:
        st.session_state[f"{key}_upload"] = (file.name, file.getvalue())


def digit_from_upload(data: bytes) -> np.ndarray | None:
    """Uploaded bytes -> (28, 28) uint8 digit, or None after showing why the file cannot be one."""
    from core.data.uploads import UploadError  # with scipy: too slow to import for pages that take no uploads
    try:
        return _normalised_upload(data)
    except UploadError as e:
        st.error(str(e))
        return None


@st.cache_data(show_spinner=False, max_entries=16)
def _normalised_upload(data: bytes) -> np.ndarray:
    """Cached, because a large photo takes a while to decode and the page reruns on every control change."""
    from core.data.uploads import normalise_upload
    return normalise_upload(data)


def digit_from_canvas(rgba: np.ndarray) -> np.ndarray | None:
    """A canvas's RGBA pixels -> (28, 28) uint8 digit, or None after showing why (e.g. only faint specks)."""
    from core.data.uploads import UploadError, normalise_canvas
    try:
        return normalise_canvas(rgba)
    except UploadError as e:
        st.error(str(e))
        return None
