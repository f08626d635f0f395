"""Live sliders (dashboard/live_slider.py) driven through Streamlit's AppTest, for the tests and bench.latency.

AppTest runs no JavaScript: a live slider is a components-v2 element whose data it reads, and what the browser would
send (the value on release) is that component's trigger, given to the next run with the other widgets' values, as
the browser does. Its frames are built off the run (dashboard/slider_sprites.py) and read as the browser does, once
built, from the sprites' folder.
"""
from __future__ import annotations

import json

LIVE_SLIDER = "latent_lab.live_slider"  # the component's name


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


def element_of(at, key: str):
    """The live slider `key`'s element."""
    element, = [e for e in components(at, LIVE_SLIDER) if e.proto.id.endswith(f"{key}_live")]
    return element


def release(at, key: str, value: float):
    """Let a live slider go at `value` (a drag's end, or a key press); the run it causes."""
    return trigger(at, element_of(at, key), "value", value)


def ask_frames(at, key: str, timeout_s: float = 120.0) -> dict:
    """What the browser gets once the slider's frames are built: their id, the sprite (bytes) and its meta."""
    import slider_sprites  # dashboard/, on the path of every AppTest's script
    data = live_sliders(at)[key]
    built = slider_sprites.sprites().wait(data["sprite"], timeout_s)
    return {"id": data["frames"], "sprite": built["data"], "meta": built["meta"]}
