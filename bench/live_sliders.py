"""Live sliders (dashboard/live_slider.py) driven through Streamlit's AppTest, for the tests and bench.latency.

AppTest runs no JavaScript: a live slider is a components-v2 element whose data it reads, and what the browser would
send (the value on release; the sprite's element asking for its frames) is that component's trigger, given to the
next run with the other widgets' values, as the browser does.
"""
from __future__ import annotations

import json

LIVE_SLIDER, SLIDER_FRAMES = "latent_lab.live_slider", "latent_lab.slider_frames"  # the components' names


def components(at, name: str) -> list:
    """The page's elements of one components-v2 component, in page order."""
    return [e for e in at.main if type(e).__name__ == "UnknownElement"
            and getattr(e.proto, "component_name", None) == name]


def live_sliders(at) -> dict[str, dict]:
    """Each live slider's data, by the key of its value in session state."""
    return {data["key"]: data for data in (json.loads(e.proto.json) for e in components(at, LIVE_SLIDER))}


def trigger(at, element, event: str, value):
    """Send `event` with `value` from a component's element, as the browser does; the run it causes."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{element.proto.id}__events",
                                      json_trigger_value=json.dumps([{"event": event, "value": value}])))
    return at._run(states)


def element_of(at, name: str, key: str):
    """The element of component `name` that belongs to the live slider `key`."""
    suffix = "_live" if name == LIVE_SLIDER else "_frames"
    element, = [e for e in components(at, name) if e.proto.id.endswith(f"{key}{suffix}")]
    return element


def release(at, key: str, value: float):
    """Let a live slider go at `value` (a drag's end, or a key press); the run it causes."""
    return trigger(at, element_of(at, LIVE_SLIDER, key), "value", value)


def ask_frames(at, key: str) -> dict:
    """What the browser does once the page is drawn: the slider's sprite element asks for its frames; that element's
    data after the run (id, sprite, meta)."""
    element = element_of(at, SLIDER_FRAMES, key)
    trigger(at, element, "want", json.loads(element.proto.json)["id"])
    return json.loads(element_of(at, SLIDER_FRAMES, key).proto.json)
