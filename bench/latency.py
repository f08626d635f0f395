"""Decode and page-rerun latency against the dashboard's goals (and the GANs' own).

    python -m bench.latency [--repeats 200] [--models ID ...] [--json bench/results/latency.json | --no-json]

Compiled decode (LatentModel.decode: tf.function, batched) is timed beside the
naive way (`model.predict` per image) so the ratio shows; a conditional model
decodes with a label. The page reruns are AppTest runs, warm, opened through
Home: the Decoded grid page after a grid-size change, the Latent arithmetic
page after a steps-slider change and, for conditional models, the Digits by
label page after a style-slider change. The Latent arithmetic page's own work
is timed apart: a 16-step interpolation decoded (a conditional model with the
labels blending along it), and its 3-D view of the 2,000 held-out codes built
from scratch (principal components, traces, the path and the marks) and
serialised as Streamlit sends it.

A GAN (no encoder, no held-out codes) is timed on what its pages do: one point, a 64-sample grid drawn with a
seed, a 16-frame slerp walk between two seeds' noise decoded and encoded as an animated GIF, the GAN samples page
rerun (AppTest, warm, opened through Home) after its truncation slider moves to another stop, with a seed not drawn
before so that its caches cannot answer; and its training throughput, images a second through the compiled
train_step on random data, beside its card's figure.

The tour is timed on a step change, Next or Previous and the whole page rerun for the step it lands on,
back and forth over the eight steps once each has been shown (a warm server: goal 1 s), and on a control inside a
step, the face step's Smiling slider (the standing goal for a control, 150 ms).

Pixel by pixel is timed on an attribute picked (Male: yes, no, either in turn; the faces' aggregates, samples and the
face VAE's faces for it, cached after their first visit), on the seed's "+" pressed a second after the last press (a
user looking at the digits: the next seed's were drawn meanwhile, dashboard/ahead.py) and on a seed typed in, never
drawn before or ahead (16 digits drawn pixel by pixel, 784 passes of the network one after another, most of it).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.harness import (count, dashboard_module, json_argument, json_target, print_table,  # noqa: E402
                          reference_ms, speed_note, summary, timings_ms, write_json)
from bench.live_sliders import live_sliders, release  # noqa: E402

GOALS_MS = {"decode 1 point": 2.0, "decode 30x30 grid": 60.0, "grid page rerun": 150.0,
            "decode 10x10 style-by-digit grid": 30.0, "label page rerun (style slider)": 150.0,
            "decode 16-step interpolation": 20.0, "build 3-D view of the held-out codes": 100.0,
            "arithmetic page rerun (steps slider)": 150.0,
            "decode 1 face": 8.0, "decode 9-face strip": 40.0, "face page rerun (Smiling slider)": 150.0,
            "decode 64-sample grid": 40.0, "16-frame walk with its GIF": 300.0,
            "GAN page rerun (truncation slider)": 150.0,
            "tour step change (Next, Previous)": 1000.0, "tour step rerun (step 6 Smiling slider)": 150.0,
            "pixel page rerun (an attribute picked)": 150.0,
            "pixel page rerun (the seed's +, a second after the last)": 150.0,
            # A new seed is 16 new samples drawn pixel by pixel, whose goal is the PixelCNN's for 16 samples (3 s); 150
            # ms is for a rerun that draws nothing new (the replay's frames play in the browser, not a rerun a pixel).
            "pixel page rerun (a seed typed in, not drawn before)": 3000.0}
HOME = ROOT / "dashboard" / "Home.py"
GRID_PAGE = "pages/2_Decoded_grid.py"  # relative to Home, as AppTest.switch_page wants
LABEL_PAGE = "pages/3_Digits_by_label.py"
ARITHMETIC_PAGE = "pages/4_Latent_arithmetic.py"
FACE_PAGE = "pages/5_Face_editing.py"
GAN_PAGE = "pages/6_GAN_samples.py"
TOUR_PAGE = "pages/0_Tour.py"
PIXEL_PAGE = "pages/7_Pixel_by_pixel.py"
GAN_WALK, GAN_DIGIT = (3, 8), 3  # the walk's end points (two seeds' noise); a conditional GAN's digit


def decode_rows(model, repeats: int) -> list[dict]:
    rng = np.random.default_rng(0)
    one = rng.standard_normal((1, model.latent_dim)).astype(np.float32)
    grid = rng.standard_normal((900, model.latent_dim)).astype(np.float32)
    # A conditional decoder takes a label with every code: digit 3 for one point, all ten across the grid.
    one_label, grid_labels = (3, np.arange(len(grid)) % model.num_classes) if model.conditional else (None, None)

    def predict(z, labels):
        inputs = [z, model.label_weights(labels, len(z))] if model.conditional else z
        return model.decoder.predict(inputs, verbose=0)

    naive_one = timings_ms(lambda: predict(one, one_label), max(repeats // 10, 10))
    # The naive grid decodes 900 images one predict call at a time: time it a few times only.
    naive_grid = timings_ms(lambda: [predict(grid[i:i + 1], None if grid_labels is None else grid_labels[i:i + 1])
                                     for i in range(len(grid))], 2, warmup=0)
    rows = []
    for op, fn, naive in (("decode 1 point", lambda: model.decode(one, one_label), naive_one),
                          ("decode 30x30 grid", lambda: model.decode(grid, grid_labels), naive_grid)):
        fast = summary(timings_ms(fn, repeats))
        rows.append({"model": model.id, "operation": op, **fast, "naive_p50_ms": float(np.median(naive)),
                     "speedup": float(np.median(naive)) / fast["p50_ms"], "goal_ms": GOALS_MS[op]})
    return rows


def style_grid_row(model, repeats: int) -> dict:
    """The Digits by label page's style-by-digit grid: one dimension swept down 10 rows, the ten labels across."""
    z = np.zeros((10, model.latent_dim), np.float32)
    z[:, 0] = np.linspace(-3, 3, 10)
    codes, labels = np.repeat(z, model.num_classes, axis=0), np.tile(np.arange(model.num_classes), 10)
    op = "decode 10x10 style-by-digit grid"
    return {"model": model.id, "operation": op, **summary(timings_ms(lambda: model.decode(codes, labels), repeats)),
            "goal_ms": GOALS_MS[op]}


def open_page(page: str, model_id: str | None, **query: str):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(HOME), default_timeout=120)
    at.switch_page(page)  # through Home, so dashboard/ is on sys.path as under `streamlit run`
    if model_id is not None:
        at.query_params["model"] = model_id
    at.query_params.update(query)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page} failed: {at.exception}")
    return at


def page_rerun_row(model_id: str, repeats: int) -> dict:
    at = open_page(GRID_PAGE, model_id)
    sizes = [10, 20, 30]

    def rerun(state={"i": 0}):
        state["i"] += 1
        at.slider(key="grid_size").set_value(sizes[state["i"] % len(sizes)]).run()

    ms = timings_ms(rerun, repeats, warmup=3)
    return {"model": model_id, "operation": "grid page rerun", **summary(ms), "goal_ms": GOALS_MS["grid page rerun"]}


def label_page_rerun_row(model_id: str, repeats: int) -> dict:
    """A style slider moved to a position not seen before, so the page's decode and judge caches cannot answer."""
    at = open_page(LABEL_PAGE, model_id)
    slider = next(key for key in live_sliders(at) if key.startswith("style_z"))  # a live slider: let go there
    positions = iter([v for v in np.round(np.arange(-3.0, 3.01, 0.1), 1) if v != 0])  # it starts at 0

    def rerun():
        release(at, slider, float(next(positions)))

    op = "label page rerun (style slider)"
    return {"model": model_id, "operation": op, **summary(timings_ms(rerun, min(repeats, 57), warmup=3)),
            "goal_ms": GOALS_MS[op]}


def interpolation_row(model, repeats: int) -> dict:
    """The arithmetic page's walk: 16 steps from an average 6 past an average 8, interpolated and decoded."""
    from core.latent import class_means, interpolate, interpolation_times, label_mixture
    means = class_means(model.heldout["means"], model.heldout["labels"], model.num_classes)
    t = np.clip(interpolation_times(16, 0.25), 0, 1)[:, None]
    eye = np.eye(model.num_classes, dtype=np.float32)

    def walk():
        path = interpolate(means[6], means[8], 16, "linear", overshoot=0.25)
        labels = label_mixture((1 - t) * eye[6] + t * eye[8]) if model.conditional else None
        return model.decode(path, labels)

    op = "decode 16-step interpolation"
    return {"model": model.id, "operation": op, **summary(timings_ms(walk, repeats)), "goal_ms": GOALS_MS[op]}


def three_d_view_row(model, repeats: int) -> dict:
    """The arithmetic page's 3-D view built from nothing (the page caches the held-out part per model) and turned
    into the JSON Streamlit sends."""
    import plotly.io
    charts = dashboard_module("arithmetic_charts")
    from core.latent import Plausibility, interpolate
    codes, labels = model.heldout["means"], model.heldout["labels"]
    density = Plausibility(codes, *model.prior()).log_density
    names, colors = [str(c) for c in range(model.num_classes)], ["#1F77B4"] * model.num_classes
    path = interpolate(codes[0], codes[1], 16, "linear", overshoot=0.25)
    marks = [charts.Mark(f"m{k}", codes[k], "circle", "#000000") for k in range(6)]

    def build():
        view = charts.view_of(codes, ["z1", "z2"], density)
        traces = charts.heldout_traces(charts.coordinates(view, codes), labels, names, colors)
        return plotly.io.to_json(charts.view_figure(view, traces, path, marks, model.id), validate=False)

    op = "build 3-D view of the held-out codes"
    return {"model": model.id, "operation": op, **summary(timings_ms(build, repeats)), "goal_ms": GOALS_MS[op]}


def arithmetic_page_rerun_row(model_id: str, repeats: int) -> dict:
    """Steps moved through values not seen in a while (the page caches no decode), the whole page rerun."""
    at = open_page(ARITHMETIC_PAGE, model_id)
    steps = [10, 14, 11, 15, 12, 16, 13]

    def rerun(state={"i": 0}):
        state["i"] += 1
        at.slider(key="arith_steps").set_value(steps[state["i"] % len(steps)]).run()

    op = "arithmetic page rerun (steps slider)"
    return {"model": model_id, "operation": op, **summary(timings_ms(rerun, repeats, warmup=3)),
            "goal_ms": GOALS_MS[op]}


def new_strengths(opening: float) -> list[float]:
    """A live edit slider's values (-3 to 3 in steps of 0.05, dashboard/faces.py) but the one it opens at: each
    release a value not decoded before."""
    return [float(v) for v in np.round(np.arange(-3.0, 3.001, 0.05), 2) if v != opening]


def face_rows(model, repeats: int) -> list[dict]:
    """A face VAE: one face decoded, the Face editing page's 9-face strip (4 minus steps, the face, 4 plus steps,
    edited along Smiling), and the page rerun after its Smiling slider moves to a value not seen before."""
    z = model.sample_latents(1, seed=0, trick=True)
    strip = np.concatenate([model.edit(z, {"Smiling": s}) for s in np.linspace(-2, 2, 9)])
    rows = [{"model": model.id, "operation": op, **summary(timings_ms(fn, repeats)), "goal_ms": GOALS_MS[op]}
            for op, fn in (("decode 1 face", lambda: model.decode(z)),
                           ("decode 9-face strip", lambda: model.decode(strip)))]
    at = open_page(FACE_PAGE, model.id)
    key = f"face_s_Smiling_{model.id}"
    positions = iter(new_strengths(0.0))
    op = "face page rerun (Smiling slider)"
    ms = timings_ms(lambda: release(at, key, next(positions)), min(repeats, 60), warmup=3)
    return rows + [{"model": model.id, "operation": op, **summary(ms), "goal_ms": GOALS_MS[op]}]


def gan_rows(model, repeats: int) -> list[dict]:
    """A GAN: one point (beside the naive predict), a 64-sample grid sampled with a seed (a conditional
    GAN: labels 0-9 in turn), and a 16-frame slerp walk between two seeds' noise (a conditional GAN: one digit all
    the way), decoded and made into its GIF."""
    from core.images import gif
    from core.latent import interpolate
    digit = GAN_DIGIT if model.conditional else None
    one = model.sample_latents(1, seed=0)
    grid_labels = np.arange(64) % model.num_classes if model.conditional else None
    start, end = (model.sample_latents(1, seed=s)[0] for s in GAN_WALK)

    def walk():
        return gif(model.decode(interpolate(start, end, 16, "slerp"), digit))

    def predict(z, labels):
        inputs = [z, model.label_weights(labels, len(z))] if model.conditional else z
        return model.decoder.predict(inputs, verbose=0)

    naive = float(np.median(timings_ms(lambda: predict(one, digit), max(repeats // 10, 10))))
    fast = summary(timings_ms(lambda: model.decode(one, digit), repeats))
    rows = [{"model": model.id, "operation": "decode 1 point", **fast, "naive_p50_ms": naive,
             "speedup": naive / fast["p50_ms"], "goal_ms": GOALS_MS["decode 1 point"]}]
    for op, fn in (("decode 64-sample grid", lambda: model.sample(64, seed=0, labels=grid_labels)),
                   ("16-frame walk with its GIF", walk)):
        rows.append({"model": model.id, "operation": op, **summary(timings_ms(fn, repeats)), "goal_ms": GOALS_MS[op]})
    return rows


def gan_page_rerun_row(model_id: str, repeats: int) -> dict:
    """The truncation slider moved to another of its stops, the whole page rerun. Its five stops alone would be
    answered from the page's caches after five moves, so each move also draws a seed not drawn before (typed into
    the seed box, untimed, and sent with the slider's move in one run): the samples are decoded and read by the
    judge every time, as after "New samples"."""
    at = open_page(GAN_PAGE, model_id)
    stops = [0.25, 0.5, 0.75, 1.0, 1.25]  # dashboard/gans.py's PSIS; the page opens at 1 with seed 0
    seeds = iter(range(1, 10_000))  # the seed box's range: 0 to 9999

    def rerun():
        k = next(seeds)
        at.number_input(key="gan_seed").set_value(k)  # no run of its own: sent with the slider's release
        release(at, "gan_psi", stops[(3 + k) % len(stops)])

    op = "GAN page rerun (truncation slider)"
    return {"model": model_id, "operation": op, **summary(timings_ms(rerun, min(repeats, 9_000), warmup=3)),
            "goal_ms": GOALS_MS[op]}


def gan_throughput_row(card: dict, steps: int) -> dict:
    """Training images a second: the GAN as core.train builds it from its recipe, its train_step (both networks'
    moves, and the moving average where there is one) compiled with tf.function, timed per step on a fixed batch
    of the recipe's size of random pixels in [-1, 1] after 3 untimed steps (the first traces). No data pipeline,
    no callbacks: the card's figure (whole epochs of model.fit) includes both, so it comes out somewhat lower."""
    import tensorflow as tf
    from core.recipes import get_recipe
    from core.trainers.gans import build_gan
    recipe = get_recipe(card["id"])
    shape = tuple(card["image_shape"])
    model = build_gan(recipe, shape)
    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(-1, 1, (recipe.batch_size, *shape)).astype(np.float32))
    if model.conditional:  # labels 0-9 in turn, one-hot as gan_dataset gives them
        k = card["num_classes"]
        batch = (images, tf.constant(np.eye(k, dtype=np.float32)[np.arange(recipe.batch_size) % k]))
    else:
        batch = images
    step = tf.function(model.train_step)
    ms = timings_ms(lambda: float(step(batch)["d_loss"]), steps)  # float(): wait for the step's result
    return {"model": card["id"], "operation": f"training throughput (batch {recipe.batch_size})", **summary(ms),
            "goal_ms": None, "batch": recipe.batch_size,
            "images_per_s": recipe.batch_size / (float(np.median(ms)) / 1e3),
            "card_images_per_s": card.get("training", {}).get("images_per_second")}


def tour_rows(repeats: int) -> list[dict]:
    """The tour: a step change, Next or Previous pressed and the whole page rerun for the new step, back
    and forth across all eight steps after each was shown once (a warm server); and a control inside a step, the
    face step's Smiling slider moved to a strength not shown before."""
    at = open_page(TOUR_PAGE, None, step="1")
    for _ in range(7):  # every step drawn once: models loaded, atlases and judges' readings cached
        at.button(key="tour_next").click().run()
    moves = iter((["tour_previous"] * 7 + ["tour_next"] * 7) * (repeats // 14 + 2))  # from step 8 to 1 and back

    def change():
        at.button(key=next(moves)).click().run()
        if at.exception:
            raise RuntimeError(f"the tour failed: {at.exception}")

    op = "tour step change (Next, Previous)"
    rows = [{"model": "tour", "operation": op, **summary(timings_ms(change, repeats, warmup=0)), "goal_ms": GOALS_MS[op]}]
    at = open_page(TOUR_PAGE, None, step="6")
    positions = iter(new_strengths(0.0))
    op = "tour step rerun (step 6 Smiling slider)"
    ms = timings_ms(lambda: release(at, "tour_face_Smiling", next(positions)), min(repeats, 60), warmup=3)
    return rows + [{"model": "tour", "operation": op, **summary(ms), "goal_ms": GOALS_MS[op]}]


def pixel_rows(repeats: int) -> list[dict]:
    at = open_page(PIXEL_PAGE, None)
    choices, seeds = ["yes", "no", "either"], iter(range(50_000, 60_000, 7))  # far from the +'s seeds

    def pick(state={"i": 0}):
        state["i"] += 1
        at.segmented_control(key="px_attr_Male").set_value(choices[state["i"] % len(choices)]).run()

    def next_seed():
        at.number_input(key="px_seed").increment().run()

    def typed_seed():
        at.number_input(key="px_seed").set_value(next(seeds)).run()

    ops = (("pixel page rerun (an attribute picked)", pick, 0.0),
           ("pixel page rerun (the seed's +, a second after the last)", next_seed, 1.0),
           ("pixel page rerun (a seed typed in, not drawn before)", typed_seed, 0.0))
    return [{"model": "mnist-pixelcnn", "operation": op, **summary(timings_ms(move, repeats, warmup=3, pause_s=pause)),
             "goal_ms": GOALS_MS[op]} for op, move, pause in ops]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=count, default=200)
    p.add_argument("--models", nargs="+", metavar="ID",
                   help="time only these models (a smoke run: pair it with --no-json or --json elsewhere, since "
                        "the committed result file holds every model)")
    json_argument(p, "latency")
    a = p.parse_args(argv)
    out = json_target(p, a)
    if a.models and out is not None and out.resolve().parent == (ROOT / "bench" / "results").resolve():
        p.error("--models times a subset: write it with --json FILE outside bench/results/ or --no-json, so the "
                "committed results (and the README generated from them) keep every model")
    import core
    from core.recipes import GAN_FAMILIES
    cards = core.list_models()
    if a.models:
        unknown = sorted(set(a.models) - {c["id"] for c in cards})
        if unknown:
            p.error(f"--models: no shipped generative model {', '.join(unknown)}")
        cards = [c for c in cards if c["id"] in a.models]
    rows, speed = [], [reference_ms()]
    for card in cards:
        if "error" in card:
            print(f"skipping {card['id']}: {card['error']}")
            continue
        model = core.load_model(card["id"])
        if card.get("family") in GAN_FAMILIES:
            rows += gan_rows(model, a.repeats)
            rows.append(gan_page_rerun_row(card["id"], max(a.repeats // 10, 20)))
            rows.append(gan_throughput_row(card, max(a.repeats // 10, 20)))
            continue
        if card.get("dataset", {}).get("name") == "celeba":
            rows += face_rows(model, a.repeats)
            continue
        rows += decode_rows(model, a.repeats)
        rows.append(page_rerun_row(card["id"], max(a.repeats // 10, 20)))
        if model.heldout is not None and card.get("dataset", {}).get("name") == "mnist":
            rows.append(interpolation_row(model, a.repeats))
            rows.append(three_d_view_row(model, max(a.repeats // 10, 20)))
            rows.append(arithmetic_page_rerun_row(card["id"], max(a.repeats // 10, 20)))
        if model.conditional:
            rows.append(style_grid_row(model, a.repeats))
            rows.append(label_page_rerun_row(card["id"], max(a.repeats // 10, 20)))
    if not a.models:
        rows += tour_rows(max(a.repeats // 10, 28))
        rows += pixel_rows(max(a.repeats // 10, 20))
    for r in rows:
        r["meets_goal"] = None if r["goal_ms"] is None else "yes" if r["p50_ms"] <= r["goal_ms"] else "NO"
    speed.append(reference_ms())
    timed = [r for r in rows if "images_per_s" not in r]
    print_table(timed, ["model", "operation", "n", "p50_ms", "p95_ms", "naive_p50_ms", "speedup", "goal_ms",
                        "meets_goal"])
    throughput = [r for r in rows if "images_per_s" in r]
    if throughput:  # no goal: measured beside what the card's training run achieved
        print("\nGAN training throughput (compiled train_step, random data; ms per step):")
        print_table(throughput, ["model", "batch", "n", "p50_ms", "p95_ms", "images_per_s", "card_images_per_s"])
    print("\n" + speed_note(*speed))
    write_json(out, rows, p.prog, argv, repeats=a.repeats, reference_ms=speed)


if __name__ == "__main__":
    main()
