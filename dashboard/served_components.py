"""The dashboard's own Streamlit components (components v2), their script and style served as files.

    slider = served_components.Component("live_slider", html="live_slider.html", css="live_slider.css",
                                         js="live_slider.js", isolate_styles=False)
    slider(key=..., data=..., on_value_change=...)   # as st.components.v2.component's callable

Given inline, a component's JavaScript and CSS travel inside every one of its elements on every run (a Face
editing move re-sent some 90 KB of them). Given as paths into the component's asset directory, an element carries
only their address: the browser fetches each file once (/_stcore/bidi-components/...) and keeps the module.
Streamlit resolves such paths only for a component declared in a package manifest (`asset_dir` under
[tool.streamlit.component] in an installed package's pyproject.toml), and the dashboard is no installed package
(`streamlit run dashboard/Home.py`): so this module declares its components on the runtime that runs the script,
as Streamlit's manifest scanner would have, before each mount (every AppTest brings a runtime of its own).

The files are in dashboard/components/, which holds nothing else (Streamlit serves all of it). A script shares a
module by importing it relatively (`import { sheets } from "./atlas_sheets.js"`). The HTML is read here: Streamlit
takes markup inline only.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest
from streamlit.runtime import Runtime

PROJECT = "latent_lab"  # a component's name is "latent_lab.<name>", as for a package's manifest
ASSETS = "components"   # the asset directory, under this file's directory
ROOT = Path(__file__).parent


class Component:
    """A components-v2 component whose css and js are file names in components/; called as Streamlit's is."""

    def __init__(self, name: str, *, html: str | None = None, css: str | None = None, js: str | None = None,
                 isolate_styles: bool = True):
        self.name = f"{PROJECT}.{name}"
        self._manifest = ComponentManifest(name=PROJECT, version="0", components=[ComponentConfig(name, ASSETS)])
        self._inputs = {"html": (ROOT / ASSETS / html).read_text() if html else None, "css": css, "js": js,
                        "isolate_styles": isolate_styles}
        self._mount = None  # made at the first mount, inside a script run (a runtime to declare it on)

    def __call__(self, **kwargs):
        _declare(self.name, self._manifest, ROOT)
        if self._mount is None:
            self._mount = st.components.v2.component(self.name, **self._inputs)
        return self._mount(**kwargs)



def serve_folder(name: str, folder: Path) -> None:
    """Serve the files of `folder` at /_stcore/bidi-components/latent_lab.<name>/<file> on the runtime running the
    script: a component with assets only, which nothing mounts (live sliders' sprites, dashboard/slider_sprites.py).
    Files written there later are served too: Streamlit reads each one when it is asked for."""
    _declare(f"{PROJECT}.{name}", ComponentManifest(name=PROJECT, version="0",
                                                    components=[ComponentConfig(name, folder.name)]), folder.parent)


def _declare(full_name: str, manifest: ComponentManifest, root: Path) -> None:
    """Declare a manifest's component on the runtime that runs the script, once (every AppTest has a runtime)."""
    manager = Runtime.instance().bidi_component_registry if Runtime.exists() else None
    if manager is not None and manager.get_component_asset_root(full_name) is None:
        manager.register_from_manifest(manifest, root)
