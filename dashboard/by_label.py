"""Parts of the Digits by label page (pages/3_Digits_by_label.py) that the tour shows too: cached decodes and
judge readings of a conditional model, the held-out digit whose style every label renders surest, one style
written as all ten digits, and the page's URL state (?digit=7&seed=12: the samples; ?style=42: the held-out digit
whose style is transferred), which the tour's link writes too.
"""
import numpy as np
import streamlit as st

import links
import pictures
import ui

HELDOUT, OWN = "A held-out digit", "Your own digit"  # where style transfer takes its style from
SAMPLE_DIGIT, SAMPLE_SEED, SOURCE = "sample_digit", "sample_seed", "transfer_source"  # the page's widgets
PARAMETERS = ("digit", "seed", "style")


def style_key(model) -> str:
    """The held-out digit whose style is transferred: one a model (the held-out sets differ)."""
    return ui.model_key(model, "heldout_index")


def apply_parameter(model, name: str, value: str) -> None:
    """One parameter of a new link (or an edited URL) put into the widgets' state, or a ValueError saying why not."""
    state = st.session_state
    if name == "digit":
        state[SAMPLE_DIGIT] = links.whole_number(value, 0, model.num_classes - 1)
    elif name == "seed":
        state[SAMPLE_SEED] = links.whole_number(value, 0, ui.MAX_SEED)
    elif name == "style":
        state[style_key(model)] = links.whole_number(value, 0, len(model.heldout["labels"]) - 1)
        state[SOURCE] = HELDOUT
    else:
        raise ValueError("not a setting of this page")


def keep_in_url(values: dict[str, str | None]) -> None:
    """A section's settings into the URL now (a fragment's rerun too), None taking one out; remembered as our own
    echo. Parameters that are no setting of this page leave the URL."""
    links.tidy(PARAMETERS)
    links.write(links.ECHO["label"], values)


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
    pictures.show_digits(digits, [ui.reading(model, judge, r, p, c) for c, r, p in zip(labels, read, confidence)],
                         size=size, one_row=True)
