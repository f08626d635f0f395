"""Pixel by pixel's times against their goals: 16 PixelCNN samples in 3 s, a half digit completed in 2 s, the face
aggregates loaded in 1 s.

    python -m bench.pixelcnn [--repeats 20] [--json bench/results/pixelcnn.json | --no-json]

Times `core.load_model("mnist-pixelcnn")` as notebooks and pages use it: `sample(16)` and `complete(digit,
known_rows=14, n=8)` (the bottom 14 rows drawn 8 times; the digit is one of the model's own samples, so no data
is needed), both through the compiled raster loop (core.models.pixelcnn.RasterSampler), warm, each call with a
new seed. Beside each, the naive way measured once: 784 passes of the whole compiled network, one a pixel, on the
same batch. Then what the page's first draw of a batch size costs (XLA compiling the loop for it, in a fresh
model), and the per-pixel probabilities of one digit (`conditionals`: one pass of the network), which the page's
surprise map and its -log p(x) need. Last, the face part's shipped aggregates (pretrained/celeba-pixels, checked
against the manifest: core.pixel_aggregates.Shipped.load) read from disk as a page's first visit reads them, and one
combination added up from them (Male and Smiling, the rest either).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.harness import (count, json_argument, json_target, print_table, reference_ms,  # noqa: E402
                           speed_note, summary, timings_ms, write_json)

MODEL = "mnist-pixelcnn"
KNOWN_ROWS, COMPLETIONS = 14, 8
AGGREGATES = "load the face aggregates and add up one combination"
GOALS_MS = {"draw 16 samples": 3000.0, f"complete a half digit, {COMPLETIONS} times": 2000.0, AGGREGATES: 1000.0}


def naive_ms(model, start: np.ndarray, first_pixel: int) -> float:
    """One timed run of the naive raster sampler: the whole network on the batch once a pixel, from first_pixel."""
    import tensorflow as tf
    forward = tf.function(lambda x: tf.sigmoid(model.network(x, training=False)))
    x = start[..., None].copy()
    forward(tf.constant(x))  # traced before the clock starts
    u = np.random.default_rng(0).random((len(x), model.pixels))
    began = time.perf_counter()
    for p in range(first_pixel, model.pixels):
        r, c = divmod(p, x.shape[2])
        x[:, r, c, 0] = u[:, p] < forward(tf.constant(x)).numpy()[:, r, c, 0]
    return (time.perf_counter() - began) * 1e3


def rows(model, repeats: int) -> list[dict]:
    import core
    digit = model.sample(1, seed=0)[0]
    seeds = iter(range(1, 1_000_000))
    sample = summary(timings_ms(lambda: model.sample(16, seed=next(seeds)), repeats))
    complete = summary(timings_ms(lambda: model.complete(digit, KNOWN_ROWS, n=COMPLETIONS, seed=next(seeds)),
                                  repeats))
    given = np.zeros((COMPLETIONS, *digit.shape), np.float32)
    given[:, :KNOWN_ROWS] = digit[:KNOWN_ROWS]
    out = []
    for op, fast, naive in (("draw 16 samples", sample, naive_ms(model, np.zeros((16, *digit.shape), np.float32), 0)),
                            (f"complete a half digit, {COMPLETIONS} times", complete,
                             naive_ms(model, given, KNOWN_ROWS * digit.shape[1]))):
        out.append({"model": model.id, "operation": op, **fast, "naive_p50_ms": naive,
                    "speedup": naive / fast["p50_ms"], "goal_ms": GOALS_MS[op]})
    fresh = core.load_model(MODEL)  # its loop not yet compiled for any batch size
    began = time.perf_counter()
    fresh.sample(16, seed=0)
    out.append({"model": model.id, "operation": "first draw of 16 (compiles the loop)", "n": 1,
                "p50_ms": (time.perf_counter() - began) * 1e3, "p95_ms": None, "goal_ms": None})
    out.append({"model": model.id, "operation": "conditionals of 1 digit (surprise map, -log p(x))",
                **summary(timings_ms(lambda: model.conditionals(digit[None]), repeats * 5)), "goal_ms": None})
    return out + [aggregates_row(repeats)]


def aggregates_row(repeats: int) -> dict:
    from core.pixel_aggregates import Shipped

    def load_and_look_up():
        Shipped.load().lookup({"Male": True, "Smiling": True})

    return {"model": "celeba-pixels", "operation": AGGREGATES, **summary(timings_ms(load_and_look_up, repeats)),
            "goal_ms": GOALS_MS[AGGREGATES]}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.pixelcnn", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=count, default=20)
    json_argument(p, "pixelcnn")
    a = p.parse_args(argv)
    out = json_target(p, a)
    import core
    speed = [reference_ms()]
    model = core.load_model(MODEL)
    table = rows(model, a.repeats)
    for r in table:
        r["meets_goal"] = None if r["goal_ms"] is None else "yes" if r["p50_ms"] <= r["goal_ms"] else "NO"
    speed.append(reference_ms())
    print_table(table, ["model", "operation", "n", "p50_ms", "p95_ms", "naive_p50_ms", "speedup", "goal_ms",
                        "meets_goal"])
    print("\n" + speed_note(*speed))
    write_json(out, table, p.prog, argv, repeats=a.repeats, reference_ms=speed)


if __name__ == "__main__":
    main()
