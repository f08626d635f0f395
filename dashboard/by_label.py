"""Parts of the Digits by label page (pages/3_Digits_by_label.py) that the tour shows too: cached decodes and
judge readings of a conditional model, the held-out digit whose style every label renders surest, and one style
written as all ten digits.
"""
import numpy as np
import streamlit as st

import ui


@st.cache_data(show_spinner=False, max_entries=256)
def decoded(_model, model_id: str, z: np.ndarray, labels) -> np.ndarray:
    """Cached decodes: a full-page rerun (a page load, the test harness) redoes only the sections that changed."""
    return _model.decode(z, labels)


@st.cache_data(show_spinner=False, max_entries=256)
def judged(_judge, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cached judge readings and their probabilities, for the same reason: the judge's CNN is the costliest
    step of a rerun."""
    return _judge.read(images)


@st.cache_data(show_spinner="Finding a digit whose style every label renders…", max_entries=8)
def clearest_style(_model, _judge, model_id: str) -> int:
    """The held-out digit style transfer opens on: measured, the one whose ten renderings the judge reads surest."""
    from core.evaluate import clearest_style as measure
    return measure(_model, _judge, _model.heldout["means"], _model.heldout["labels"])


def all_ten(model, judge, style: np.ndarray, size: int) -> None:
    """One style code decoded as each of the ten digits, in a row, each captioned with what the judge reads in it
    (flagged ✗ when that is not the digit asked for)."""
    labels = np.arange(model.num_classes)
    digits = decoded(model, model.id, np.repeat(style[None], len(labels), axis=0), labels)
    read, confidence = judged(judge, digits)
    ui.show_digits(digits, [ui.reading(model, judge, r, p, c) for c, r, p in zip(labels, read, confidence)],
                   size=size, one_row=True)
