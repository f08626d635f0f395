"""Load TensorFlow and every page's opening model in the background once Home is drawn.

Why: Home reads JSON only and appears at once, but the first model page would then pay for importing
TensorFlow and loading its model while the visitor waits. A visitor spends seconds on Home; one thread per
server process spends them loading, into the same `st.cache_resource` entries the pages read (a page that
asks for a model while it is loading waits for it rather than loading it twice). Set LATENT_LAB_WARMUP=0
to turn it off (the tests do: an interpreter that runs Home must not import TensorFlow there).
"""
from __future__ import annotations

import logging
import os
import threading

import ui
from core.models.face_judge import FACE_JUDGE

WARMUP_ENV = "LATENT_LAB_WARMUP"
_started = threading.Lock()  # held for good by the first caller: one warm-up per server process
log = logging.getLogger(__name__)


def enabled() -> bool:
    return os.environ.get(WARMUP_ENV, "1") != "0"


def start() -> bool:
    """Start the warm-up thread unless it has started already (or is turned off); True when this call started it."""
    if not enabled() or not _started.acquire(blocking=False):
        return False
    threading.Thread(target=warm, name="latent-lab-warmup", daemon=True).start()
    return True


def opening_models() -> list[str]:
    """The models pages open on, in page order, each once."""
    return list(dict.fromkeys(page.showcase for page in ui.PAGES.values()))


def warm() -> list[str]:
    """Load the judges and every opening model into the cache and decode one point with each (which traces its
    compiled decoder; a PixelCNN draws one digit); returns the ids that loaded. A model that cannot load is left for its page to explain."""
    loaded = []
    try:
        ui.warm_judges(FACE_JUDGE)
        for model_id in opening_models():
            model, error = ui.try_load_model(model_id)
            if model is None:
                continue
            if hasattr(model, "sample_latents"):
                model.decode(model.sample_latents(1), [0] if model.conditional else None)
            else:  # a model of pixels (core.pixel_model): compiles the raster loop its page's first draw needs
                model.sample(1)
            loaded.append(model_id)
    except Exception as e:  # a warm-up must never take the server down; the page will say what is wrong
        log.warning("background warm-up stopped: %s", e)
    return loaded
