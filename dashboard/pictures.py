"""Pictures on screen: rows of digits or faces and grids as one inline HTML element each, and PNG encoding.

Inline rather than st.image: st.image gives every picture of a list its own element, media file and request, and
on quick slider moves a rerun deleted a file the browser was still fetching. The markup is built here only, of
PNGs encoded here, whole numbers and escaped text, so no text from a user, a card or a URL can become HTML.
"""
from __future__ import annotations

import base64
import html
import io
from typing import NamedTuple

import numpy as np
import streamlit as st
from PIL import Image

from core.images import to_uint8


class Live(NamedTuple):
    """Pictures live sliders draw over while dragged (dashboard/live_slider.py): their name, and each slider's
    position they show ("<key>:<stop>" apart by spaces), which tells a slider that its exact picture has come."""
    name: str
    at: str = ""


def show_digits(images, captions: list[str] | None, size: int = 84, one_row: bool = False,
                pixelated: bool = True, live: Live | None = None) -> None:
    """A row of crisp digits (each uint8, or float in [0, 1]), `size` pixels wide, a caption under each.

    The row wraps; with `one_row` it stays one row and shrinks as a whole where the window is too narrow
    (a strip read left to right); a picture wider than the window shrinks to fit it. One HTML element with
    the pictures inline, not st.image, which gives every picture of a list its own element, media file and
    request. `pixelated=False` scales the pictures smoothly, as photographs are (faces); digits stay crisp. `live`
    marks the pictures for the live sliders that draw over them while dragged (live_slider.mark makes it).
    """
    show_markup(digits_html(images, captions, size, one_row, pixelated, live))


class DigitsMarkup(str):
    """Markup that digits_html made: PNGs encoded here, whole numbers and escaped text, nothing else."""


def show_markup(markup: DigitsMarkup) -> None:
    """Draw what digits_html made (a page may cache it for rows that seldom change): the app's one st.html of
    content (the other is setup_page's constant script), which takes nothing but digits_html's own markup, so no
    text from a user, a card or a URL can become HTML."""
    if not isinstance(markup, DigitsMarkup):
        raise TypeError("show_markup draws only markup made by digits_html")
    st.html(markup)


def digits_html(images, captions: list[str] | None, size: int, one_row: bool = False,
                pixelated: bool = True, live: Live | None = None) -> DigitsMarkup:
    """show_digits's markup, made only of PNGs encoded here, whole numbers and escaped text: nothing a caption,
    a model card or an upload holds can become markup. No captions: pictures alone. `live`: each picture marked
    data-live and data-live-at (escaped, as captions are), in a figure a live slider can draw over."""
    rendering = "pixelated" if pixelated else "auto"
    mark = "" if live is None else (f' data-live="{html.escape(live.name, quote=True)}"'
                                    f' data-live-at="{html.escape(live.at, quote=True)}"')
    place = "" if live is None else "position:relative;"
    figures = []
    for image, caption in zip(images, [""] * len(images) if captions is None else captions, strict=True):
        pixels = image if image.dtype == np.uint8 else to_uint8(image)
        height = round(size * pixels.shape[0] / pixels.shape[1])
        text = html.escape(caption, quote=True)
        figures.append(f'<figure style="{place}margin:0;flex:0 1 {size:d}px;min-width:0;text-align:center">'
                       f'<img src="{png_data_uri(pixels)}" alt="{text}" width="{size:d}" height="{height:d}"{mark} '
                       f'style="image-rendering:{rendering};display:block;border-radius:0.375rem;width:100%;'
                       'height:auto">'
                       + ('<figcaption style="font-size:0.875rem;opacity:0.6;line-height:1.4;overflow-wrap:anywhere">'
                          f'{text}</figcaption>' if captions is not None else '') + '</figure>')
    return DigitsMarkup(f'<div style="display:flex;flex-wrap:{"nowrap" if one_row else "wrap"};gap:0.5rem 2px">'
                        f'{"".join(figures)}</div>')


def stacked(rows: list[DigitsMarkup]) -> DigitsMarkup:
    """Rows of digits_html one under the other, spaced as Streamlit spaces its elements, in one element: a page that
    redraws ten rows at once sends one delta, and the browser renders it once (not ten times)."""
    if not all(isinstance(r, DigitsMarkup) for r in rows):
        raise TypeError("stacked takes only markup made by digits_html")
    return DigitsMarkup(f'<div style="display:flex;flex-direction:column;gap:1rem">{"".join(rows)}</div>')


def show_mosaic(mosaic: np.ndarray, width: int, live: Live | None = None) -> None:
    """A grid of digits (uint8) as one crisp picture `width` pixels wide (narrower when the window is).

    Inline, like rows of digits, not an st.image media file: on quick slider moves a rerun deleted the
    previous grid's file while the browser was still fetching it ("Image source error", a 404).
    """
    show_digits([mosaic], None, size=width, live=live)


def png_bytes(image: np.ndarray) -> bytes:
    """A uint8 array as PNG, at the fastest compression: pictures here are small and change on every step."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png_data_uri(image: np.ndarray) -> str:
    """A uint8 array as an inline PNG, the form a chart's image layer takes."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def tinted(image: np.ndarray, color: str) -> np.ndarray:
    """A grayscale digit (float in [0, 1]) as RGBA in one colour, ink opaque and background transparent."""
    rgb = [int(color[k:k + 2], 16) for k in (1, 3, 5)]
    rgba = np.empty((*image.shape, 4), np.uint8)
    rgba[..., :3] = rgb
    rgba[..., 3] = to_uint8(image)
    return rgba
