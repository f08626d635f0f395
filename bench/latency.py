"""Decode and page-rerun latency against the goals of the foundation issue.

    python -m bench.latency [--json bench/results/latency.json] [--repeats 200]

Compiled decode (LatentModel.decode: tf.function, batched) is timed beside the
naive way (`model.predict` per image) so the ratio shows. The page rerun is
the Decoded grid page under AppTest, warm, after changing the grid size.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.report import print_table, summary, timings_ms, write_json  # noqa: E402

GOALS_MS = {"decode 1 point": 2.0, "decode 30x30 grid": 60.0, "grid page rerun": 150.0}
HOME = ROOT / "dashboard" / "Home.py"
GRID_PAGE = "pages/2_Decoded_grid.py"  # relative to Home, as AppTest.switch_page wants


def decode_rows(model, repeats: int) -> list[dict]:
    rng = np.random.default_rng(0)
    one = rng.standard_normal((1, model.latent_dim)).astype(np.float32)
    grid = rng.standard_normal((900, model.latent_dim)).astype(np.float32)
    predict = model.decoder.predict
    naive_one = timings_ms(lambda: predict(one, verbose=0), max(repeats // 10, 10))
    # The naive grid decodes 900 images one predict call at a time: time it a few times only.
    naive_grid = timings_ms(lambda: [predict(grid[i:i + 1], verbose=0) for i in range(len(grid))], 2, warmup=0)
    rows = []
    for op, fn, naive in (("decode 1 point", lambda: model.decode(one), naive_one),
                          ("decode 30x30 grid", lambda: model.decode(grid), naive_grid)):
        fast = summary(timings_ms(fn, repeats))
        rows.append({"model": model.id, "operation": op, **fast, "naive_p50_ms": float(np.median(naive)),
                     "speedup": float(np.median(naive)) / fast["p50_ms"], "goal_ms": GOALS_MS[op]})
    return rows


def page_rerun_row(model_id: str, repeats: int) -> dict:
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(HOME), default_timeout=120)
    at.switch_page(GRID_PAGE)  # through Home, so dashboard/ is on sys.path as under `streamlit run`
    at.query_params["model"] = model_id
    at.run()
    if at.exception:
        raise RuntimeError(f"grid page failed: {at.exception}")
    sizes = [10, 20, 30]

    def rerun(state={"i": 0}):
        state["i"] += 1
        at.slider(key="grid_size").set_value(sizes[state["i"] % len(sizes)]).run()

    ms = timings_ms(rerun, repeats, warmup=3)
    return {"model": model_id, "operation": "grid page rerun", **summary(ms), "goal_ms": GOALS_MS["grid page rerun"]}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--json", help="also write the rows to this JSON file")
    a = p.parse_args(argv)
    import core
    rows = []
    for card in core.list_models():
        if "error" in card:
            print(f"skipping {card['id']}: {card['error']}")
            continue
        rows += decode_rows(core.load_model(card["id"]), a.repeats)
        rows.append(page_rerun_row(card["id"], max(a.repeats // 10, 20)))
    for r in rows:
        r["meets_goal"] = "yes" if r["p50_ms"] <= r["goal_ms"] else "NO"
    print_table(rows, ["model", "operation", "n", "p50_ms", "p95_ms", "naive_p50_ms", "speedup", "goal_ms", "meets_goal"])
    if a.json:
        write_json(a.json, rows)


if __name__ == "__main__":
    main()
