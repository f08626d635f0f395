"""The guided tour (pages/0_Tour.py): eight steps that tell the app's story to someone who has never seen it.

This module moves through them: the step kept in the URL (?step=3, counted from 1, so a presenter can open any
step directly), the arrow keys (a listener in the app page, st.components.v2), and one step on screen: its claim,
its live widget, the measured figures beside it (read from the model cards, never typed in) and a link that opens
the full page in the same state. The steps themselves are tour_story.py's; their widgets, the pages' own parts
rather than copies, tour_widgets.py's. A step's widget is a fragment, so moving its controls reruns that step
alone (its widget, figures and link).
"""
from __future__ import annotations

import streamlit as st

import links
import live_plane
import ui
from core import registry
from tour_story import STEPS, Figure, Step
from tour_widgets import POINTER_KEY, disc

STEP_PARAM = "step"    # ?step=3: the step shown, 1-based
STEP_KEY = "tour_step"  # the step shown, in session state (1-based)
URL_ECHO = links.ECHO["tour"]
KEYS_KEY = "tour_keys"  # the arrow-key listener
WIDGET_WIDTH = 740     # the live widget, left; the figures and the link beside it, right
PANEL_WIDTH = 340


# ---------------------------------------------------------------- figures from the cards

def card_value(cards: dict, figure: Figure):
    """The figure's number from its card, or None when the model is not shipped or its card lacks it."""
    value = cards.get(figure.model)
    for part in figure.path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is not None and figure.reduce is not None:
        value = figure.reduce(value)
    return value


def show_figures(step: Step, cards: dict) -> None:
    figures = [(f, card_value(cards, f)) for f in step.figures]
    ui.metrics_row((f.label, f.fmt.format(value), f.meaning) for f, value in figures if value is not None)
    missing = sorted({f.model for f, value in figures if value is None})
    if missing:
        st.caption("Not measured yet: " + ", ".join(f"`python -m core.evaluate {m}`" for m in missing) + ".")


# ---------------------------------------------------------------- the step in the URL

def current_step() -> tuple[int, list[str]]:
    """The step to show (1-based), after a new link's ?step= (with why, if it cannot be used)."""
    def apply(name: str, value: str) -> None:
        if name == live_plane.POINT_PARAM:
            return  # the live plane's kept point (step 2): live_plane.live_plane reads it
        if name != STEP_PARAM:
            raise ValueError("not a setting of the tour")
        if not (value.isdigit() and 1 <= int(value) <= len(STEPS)):
            raise ValueError(f"a step from 1 to {len(STEPS)}")
        st.session_state[STEP_KEY] = int(value)

    ignored = links.read(URL_ECHO, apply)
    model = st.query_params.get(links.MODEL_PARAM)  # read_link leaves ?model= to the model picker, which the tour has not
    if model is not None and not links.stale(URL_ECHO, links.MODEL_PARAM, model):
        ignored.append(f"`{links.MODEL_PARAM}={model[:40]}` (the tour picks each step's models itself)")
    if ignored:
        st.session_state[STEP_KEY] = 1  # a link that cannot be followed starts the tour from the beginning
    step = st.session_state.setdefault(STEP_KEY, 1)
    point = st.query_params.get(live_plane.POINT_PARAM)  # read by the live plane, which only one step has
    if point is not None and STEPS[step - 1].show is not disc and not links.stale(
            f"{POINTER_KEY}_url", live_plane.POINT_PARAM, point):
        ignored.append(f"`{live_plane.POINT_PARAM}={point[:40]}` (a kept point belongs to step "
                       f"{1 + [s.show for s in STEPS].index(disc)}'s live plane)")
    return step, ignored


def keep_in_url(step: int) -> None:
    """Only ?step= in the URL (a model or other page's setting has no meaning here), and the live plane's kept point
    on its step; remembered as our own echo."""
    kept = (STEP_PARAM, live_plane.POINT_PARAM) if STEPS[step - 1].show is disc else (STEP_PARAM,)
    links.tidy(kept, model=False)
    links.write(URL_ECHO, {STEP_PARAM: str(step)})


def go(delta: int) -> None:
    st.session_state[STEP_KEY] = min(max(st.session_state.get(STEP_KEY, 1) + delta, 1), len(STEPS))


# ---------------------------------------------------------------- the arrow keys

ARROWS_JS = """
export default function ({ setTriggerValue }) {
  const ignore = 'input, textarea, select, [contenteditable="true"], [role="slider"], [role="combobox"], '
    + '[role="listbox"], [role="spinbutton"], [data-baseweb="select"], [data-baseweb="slider"]';
  const onKey = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) return;
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const target = event.target;
    if (target && target.closest && target.closest(ignore)) return;  // the key moves that control, not the tour
    event.preventDefault();
    setTriggerValue('key', event.key === 'ArrowRight' ? 'next' : 'previous');
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
"""
# One screen a step: Streamlit's room above (6rem, under its 3.75rem header) and below (10rem) the page would
# push a step past a 720 px window. Not isolated, so it styles the page while the tour is on it, and only then.
SCREEN_CSS = """
[data-testid="stMainBlockContainer"] {
  padding: 4rem 3rem 1rem 3rem;
}
[data-testid="stMainBlockContainer"] h1 {
  font-size: 2.25rem;
}
"""  # over one line: Streamlit would take a one-line string for the path of a file
_arrows = st.components.v2.component("latent_lab_tour_arrows", js=ARROWS_JS, css=SCREEN_CSS, isolate_styles=False)


def _on_arrow() -> None:
    pressed = (st.session_state.get(KEYS_KEY) or {}).get("key")
    if pressed in ("next", "previous"):
        go(1 if pressed == "next" else -1)


def arrow_keys() -> None:
    """Left and right arrows move the tour, unless focus is in a control that takes them (a slider, a box)."""
    _arrows(key=KEYS_KEY, on_key_change=_on_arrow, width=1, height=1)


# ---------------------------------------------------------------- one step on screen

def missing(step: Step, cards: dict) -> list[str]:
    """The models a step needs that are not shipped (or whose card is damaged)."""
    judges = {c["id"] for c in ui.shipped_cards("judge") if "error" not in c}
    return [m for m in step.models if m not in judges and (m not in cards or "error" in cards[m])]


def show(number: int) -> None:
    """The step's claim, widget, figures and link."""
    step = STEPS[number - 1]
    cards = {card["id"]: card for card in ui.shipped_cards()}
    st.title(step.claim, anchor=False)
    absent = missing(step, cards)
    if absent:
        st.info(f"**Coming:** this step needs {', '.join(f'`{m}`' for m in absent)}, which "
                + ("is" if len(absent) == 1 else "are") + " not built yet ("
                + "; ".join(f"`{registry.rebuild_command(m)}`" for m in absent) + ").")
        return
    body(number, cards)


@st.fragment
def body(number: int, cards: dict) -> None:
    """The widget, and beside it the figures and the link: a control of the widget reruns this alone, and the link
    follows it."""
    step = STEPS[number - 1]
    with st.container(horizontal=True, gap="large"):
        widget, panel = st.container(width=WIDGET_WIDTH), st.container(width=PANEL_WIDTH)
    with widget:
        shown = step.show()
    link, note = shown if isinstance(shown, tuple) else (shown, None)
    with panel:
        show_figures(step, cards)
        st.caption(note or step.note)
        page = ui.PAGES[step.page]
        st.page_link(page.path, label=f"Open this in {page.label}", icon=":material/open_in_new:",
                     query_params=link)


def navigation(number: int) -> None:
    """Previous, where the tour is, and next; the arrow keys do the same."""
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.button("Previous", icon=":material/arrow_back:", key="tour_previous", on_click=go, args=(-1,),
                  disabled=number == 1)
        with st.container(width=460):
            st.progress(number / len(STEPS), text=f"Step {number} of {len(STEPS)} · {STEPS[number - 1].name}")
        st.button("Next", icon=":material/arrow_forward:", key="tour_next", on_click=go, args=(1,),
                  disabled=number == len(STEPS), type="primary")
        st.caption("or the ← → keys")
        if number == len(STEPS):  # the story's end: on to the models it left out, those with no latent space
            ui.page_link("pixels")
        arrow_keys()
