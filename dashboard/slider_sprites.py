"""Live sliders' sprites (dashboard/live_slider.py), built in the background and fetched by the browser as files:
no script run carries them.

Why: a sprite sent in a run (the browser asking through a fragment of its own, the server answering in that
fragment's rerun) met the runs a person's moves cause; under load some moves were lost and some sessions ended
("Bad delta path"). Here a slider's run only names its sprite. One worker a process builds it, once the server has
been quiet for QUIET_S (the run that asked has drawn its page by then, so a page's first paint and a release's
exact picture are not slowed) or at most DEFER_S after the ask, and writes it into a folder of this process that
Streamlit serves as the asset directory of the component `latent_lab.frames`
(/_stcore/bidi-components/latent_lab.frames/<file>): the sprite, its layout beside it (<name>.json), and the
folder's index (index.json: which sprites are ready), which the browser reads until its sprite is listed
(components/sprite_files.js). A newer ask of the same slider in the same session replaces one not yet started.
Bounded: at most KEEP sprites, the oldest deleted first; the folder goes when the process ends.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Hashable

import numpy as np

import served_components
from core.slider_frames import as_frames, encode, pack

KEEP = 128       # sprites kept on disk (a face sprite is some 100 KB)
WAITING = 32     # asks not yet built; the oldest dropped first
QUIET_S = 0.2    # a build starts once no slider was asked for this long...
DEFER_S = 1.5    # ...or this long after its ask, whichever comes first
INDEX = "index.json"
COMPONENT = "frames"  # the folder's files are served as the assets of latent_lab.frames
EXTENSIONS = {"image/webp": "webp", "image/png": "png"}
log = logging.getLogger(__name__)

# What builds a sprite: returns (encoded bytes, mime type, meta)
Build = Callable[[], tuple[bytes, str, dict]]


def sprite_name(ident: str) -> str:
    """A sprite's file name (without extension) for a slider's frames id: safe in a path and a URL."""
    return hashlib.sha1(ident.encode()).hexdigest()[:24]


def build_sheet(values: np.ndarray, stops: np.ndarray, frames) -> tuple[bytes, str, dict]:
    """One batched decode of the frames at `values` (a callable) or the frames given, packed and encoded; with where
    each picture is, which stops are frames, and what it cost (build_ms: decode to encoded sprite)."""
    start = time.perf_counter()
    images = as_frames(frames(values) if callable(frames) else frames, len(stops))
    sheet, layout = pack(images)
    data, mime = encode(sheet)
    return data, mime, {"layout": layout.as_dict(), "stops": [int(s) for s in stops], "bytes": len(data),
                        "build_ms": round((time.perf_counter() - start) * 1e3, 2)}


class Sprites:
    """The folder of one process's sprites and the worker that fills it."""

    def __init__(self, folder: Path, keep: int = KEEP, quiet_s: float = QUIET_S, defer_s: float = DEFER_S):
        self.folder = folder
        self._keep, self._quiet_s, self._defer_s = keep, quiet_s, defer_s
        self._ready: OrderedDict[str, str] = OrderedDict()   # name -> file, oldest first
        self._failed: OrderedDict[str, str] = OrderedDict()  # name -> why, bounded as the ready ones
        self._waiting: OrderedDict[Hashable, tuple[str, Build, float]] = OrderedDict()  # slot -> ask
        self._asked_at = 0.0
        self._changed = threading.Condition()
        self._write_index()
        threading.Thread(target=self._work, name="latent-lab-sprites", daemon=True).start()

    def ask(self, slot: Hashable, ident: str, build: Build) -> str:
        """Have the sprite of frames `ident` built (unless it is on disk) by `build`; `slot` names who asks (a newer
        ask in the same slot replaces one not yet started). Returns the sprite's name."""
        name = sprite_name(ident)
        with self._changed:
            if name in self._ready:
                self._ready.move_to_end(name)
                return name
            if name in self._failed:
                return name
            self._asked_at = time.monotonic()
            self._waiting.pop(slot, None)
            self._waiting[slot] = (name, build, self._asked_at)
            while len(self._waiting) > WAITING:
                self._waiting.popitem(last=False)
            self._changed.notify_all()
        return name

    def file(self, name: str) -> str | None:
        """The sprite's file name in the folder, once it is built."""
        with self._changed:
            return self._ready.get(name)

    def wait(self, name: str, timeout_s: float = 60.0) -> dict:
        """Block until the sprite is built (for tests and notebooks); its bytes and meta. Raises TimeoutError, or
        RuntimeError with the build's error."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while name not in self._ready:
                if name in self._failed:
                    raise RuntimeError(f"the sprite could not be built: {self._failed[name]}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"sprite {name} not built within {timeout_s:g} s")
                self._changed.wait(left)
            file = self._ready[name]
        return {"file": file, "data": (self.folder / file).read_bytes(),
                "meta": json.loads((self.folder / f"{name}.json").read_text())}

    # ------------------------------------------------------------ the worker

    def _next(self) -> tuple[str, Build]:
        with self._changed:
            while True:
                if self._waiting:
                    oldest = next(iter(self._waiting.values()))[2]
                    now = time.monotonic()
                    left = min(self._asked_at + self._quiet_s, oldest + self._defer_s) - now
                    if left <= 0:
                        name, build, _ = self._waiting.popitem(last=False)[1]
                        if name not in self._ready and name not in self._failed:
                            return name, build
                        continue
                    self._changed.wait(left)
                else:
                    self._changed.wait()

    def _work(self) -> None:
        while True:
            name, build = self._next()
            try:
                data, mime, meta = build()
                file = f"{name}.{EXTENSIONS[mime]}"
                _write(self.folder / file, data)
                _write(self.folder / f"{name}.json", json.dumps(meta).encode())
            except Exception as error:  # noqa: BLE001 - the slider stays plain; the log says why
                log.warning("a live slider's sprite could not be built: %s", error)
                with self._changed:
                    self._failed[name] = str(error)[:200]
                    while len(self._failed) > self._keep:
                        self._failed.popitem(last=False)
                    self._changed.notify_all()
                continue
            with self._changed:
                self._ready[name] = file
                gone = [self._ready.popitem(last=False) for _ in range(len(self._ready) - self._keep)]
                self._write_index()  # first: the browser never finds a file listed that is gone
                for old, old_file in gone:
                    for path in (self.folder / old_file, self.folder / f"{old}.json"):
                        path.unlink(missing_ok=True)
                self._changed.notify_all()

    def _write_index(self) -> None:
        _write(self.folder / INDEX, json.dumps({"ready": dict(self._ready)}).encode())


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: the server may be reading the file as it is replaced."""
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)


_lock = threading.Lock()
_sprites: Sprites | None = None


def sprites() -> Sprites:
    """This process's sprites, in a folder of its own that goes with it."""
    global _sprites
    with _lock:
        if _sprites is None:
            folder = Path(tempfile.mkdtemp(prefix="latent-lab-sprites-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _sprites = Sprites(folder)
        return _sprites


def served() -> Sprites:
    """sprites(), their folder served by the runtime running the script."""
    found = sprites()
    served_components.serve_folder(COMPONENT, found.folder)
    return found
