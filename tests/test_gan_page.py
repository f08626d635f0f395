"""The "GAN samples" page, driven headless through Streamlit's AppTest on the three shipped GANs.

What the page draws is re-done here from the shipped generators, the judge and the cards: the sample grid (every
cell), the truncated samples, a conditional GAN's rows with the judge's reading under each sample, the latent walk
and its GIF, the training story's pictures, the measured figures and the Plotly charts (checked against Plotly's
schema). Every control changes what is shown and is kept in the URL; a copied link reopens the view; bad
parameters fall back with one notice naming each; a damaged generator gives an error message, not a traceback.
Nothing here depends on how well the shipped GANs draw: every expectation is computed from them.
"""
from __future__ import annotations

import functools
import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

import core
from conftest import (SHIPPED, assert_clean, choose, chosen, digit_rows, link_notices, live_rows, live_sliders,
                      one_notice_naming_each, open_page, release, shipped_model_present, slider_frames)
from core import registry
from core.images import to_uint8
from core.latent import interpolate, interpolate_at, interpolation_times
from core.slider_frames import picture

PAGE = "pages/6_GAN_samples.py"
GANS = ["mnist-gan", "mnist-dcgan", "mnist-cgan"]
SHOWCASE = "mnist-dcgan"
PAD, CELL = 2, 28          # the sample grid: 2 grey pixels around every 28-pixel sample
STORY_SIZE, COMPARE_WIDTH = 44, 216  # how wide the page draws a story picture and a comparison grid

pytestmark = pytest.mark.skipif(not all(shipped_model_present(m) for m in [*GANS, "mnist-judge"]),
                                reason="needs the shipped GANs and judge (python -m core.train <model_id>)")


@functools.cache
def model(model_id: str):
    return core.load_model(model_id)


@functools.cache
def judge():
    return core.load_judge()


def card(model_id: str) -> dict:
    return model(model_id).card


# ---------------------------------------------------------------- what the page should show, re-done here

def expected_samples(model_id: str, seed: int, count: int, psi: float = 1.0, digit="all") -> list[np.ndarray]:
    """Each sample as uint8. A conditional GAN's "all": sqrt(count) noises, each drawn as every digit, row by row."""
    m = model(model_id)
    if not m.conditional:
        return list(to_uint8(m.sample(count, seed=seed, truncation=psi)))
    if digit == "all":
        z = m.sample_latents(int(round(count ** 0.5)), seed=seed, truncation=psi)
        return [x for c in range(10) for x in to_uint8(m.decode(z, c))]
    return list(to_uint8(m.sample(count, seed=seed, labels=int(digit), truncation=psi)))


def cells(mosaic: Image.Image, side: int) -> list[np.ndarray]:
    """The samples of a grid the page drew, read back cell by cell."""
    pixels = np.asarray(mosaic)
    assert pixels.shape == (side * (CELL + PAD) + PAD,) * 2
    return [pixels[PAD + r * (CELL + PAD):][:CELL, PAD + c * (CELL + PAD):][:, :CELL]
            for r in range(side) for c in range(side)]


def assert_same(shown: list, expected: list[np.ndarray], atol: int = 1) -> None:
    assert len(shown) == len(expected)
    for a, b in zip(shown, expected):
        assert np.abs(np.asarray(a, int) - np.asarray(b, int)).max() <= atol  # float noise at most


def reading(read: int, confidence: float, wanted: int | None = None) -> str:
    """The caption under a generated digit, as Digits by label writes it."""
    if confidence < judge().confidence_threshold:
        return f"unsure: {read}? {confidence:.1%}"
    return f"reads {read}" + (" ✗" if wanted is not None and read != wanted else "")


def grid_row(at):
    return digit_rows(at)[0]


def walk_row(at):
    return next(r for r in digit_rows(at) if r.captions and r.captions[0].startswith("0.00 · "))


def story_row(at):
    return next(r for r in digit_rows(at) if r.widths and r.widths[0] == STORY_SIZE)


def compared_rows(at):
    return [r for r in digit_rows(at) if r.widths == [COMPARE_WIDTH] and not r.captions]


def assert_grid(at, model_id: str, seed: int, count: int, psi: float = 1.0) -> None:
    """An unconditional GAN's grid: every cell is that model's sample from that seed and truncation."""
    side = int(round(count ** 0.5))
    expected = expected_samples(model_id, seed, count, psi)
    assert_same(cells(grid_row(at).pictures()[0], side), expected)
    # Under it, what the judge surely reads, digit by digit, and how many samples it is unsure of.
    read, confidence = judge().read(np.stack(expected))
    sure = confidence >= judge().confidence_threshold
    bars = figure(at, "gan_readings")
    assert list(bars.data[0].x) == [*map(str, range(10)), "unsure"]
    assert list(bars.data[0].y) == [*np.bincount(read[sure], minlength=10), int((~sure).sum())]
    assert sum(bars.data[0].y) == count


def expected_walk(model_id: str, start: int, end: int, path: str, steps: int, digit=None):
    m = model(model_id)
    a, b = m.sample_latents(1, seed=start)[0], m.sample_latents(1, seed=end)[0]
    return to_uint8(m.decode(interpolate(a, b, steps, path), digit))


def assert_walk(at, model_id: str, start: int, end: int, path: str, steps: int, digit=None) -> None:
    images = expected_walk(model_id, start, end, path, steps, digit)
    row = walk_row(at)
    assert_same(row.pictures(), list(images))
    read, confidence = judge().read(images)
    sure = confidence >= judge().confidence_threshold
    assert row.captions == [f"{t:.2f} · {r}{'' if ok else '?'}"
                            for t, r, ok in zip(interpolation_times(steps), read, sure)]


def frechet_text(value: float) -> str:
    """A Fréchet distance as the page writes it: three significant figures, at least the whole number."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def figure(at, key: str):
    """A Plotly chart of the page by key, rebuilt as a plotly Figure, which validates it against Plotly's schema."""
    import plotly.graph_objects as go
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return go.Figure(json.loads(chart.proto.spec))


def figures(at) -> dict[str, str]:
    """The page's first metric of each label: the measured figures come before the comparison's."""
    shown = {}
    for metric in at.metric:
        shown.setdefault(metric.label, metric.value)
    return shown


def url(at) -> dict:
    return at.query_params.to_dict() if hasattr(at.query_params, "to_dict") else dict(at.query_params)


# ---------------------------------------------------------------- opening

def test_opens_on_the_dcgan_with_its_samples_walk_story_and_figures():
    at = open_page(PAGE)
    assert_clean(at)
    assert chosen(at) == SHOWCASE
    link = url(at)
    assert link == {"model": SHOWCASE, "seed": "0", "n": "36", "psi": "1", "from": "1", "to": "2",
                    "path": "slerp", "steps": "10", "walk_t": "0.5",
                    "epoch": str(int(model(SHOWCASE).story["epochs"][0]))}
    assert_grid(at, SHOWCASE, 0, 36)
    assert_walk(at, SHOWCASE, 1, 2, "slerp", 10)
    assert_same(story_row(at).pictures(), list(model(SHOWCASE).story["samples"][0]))
    assert story_row(at).captions == []  # unconditional: no digit asked for
    # the figures are the card's, formatted as shown
    metrics = card(SHOWCASE)["metrics"]
    shown = figures(at)
    quality = [metrics["sample_quality"][j] for j in ("mnist-judge", "mnist-judge-b")]  # each judge's, in order
    assert shown["Fréchet, each judge"] == " · ".join(frechet_text(q["frechet_distance"]) for q in quality)
    assert shown["Precision, each judge"] == " · ".join(f"{q['precision']:.2f}" for q in quality)
    assert shown["Recall, each judge"] == " · ".join(f"{q['recall']:.2f}" for q in quality)
    assert shown["Smallest class share"] == f"{min(metrics['class_shares']):.1%}"
    assert shown["Largest class share"] == f"{max(metrics['class_shares']):.1%}"
    assert "Label accuracy" not in shown
    bars = figure(at, "gan_class_shares")
    np.testing.assert_allclose(bars.data[0].y, metrics["class_shares"])
    goals = next(md.value for md in at.markdown if md.value.startswith("**Goals**"))
    assert ("✓ met" if metrics["goals_met"]["mode_coverage"] else "✗ not met") in goals
    # the truncation trade-off, as measured
    trade_off = figure(at, "gan_truncation")
    points = metrics["truncation"]
    np.testing.assert_allclose(trade_off.data[0].y, [p["frechet_distance"] for p in points])
    np.testing.assert_allclose(trade_off.data[1].y, [p["mean_confidence"] for p in points])
    # ... and what the smallest psi did to this GAN, in words that follow its own figures
    plain, low = (next(p for p in points if p["truncation"] == t) for t in (1.0, 0.25))
    worse = "worse" if low["frechet_distance"] > plain["frechet_distance"] else "better"
    assert any(f"from ψ = 1 to 0.25: Fréchet distance {plain['frechet_distance']:,.0f} → "
               f"{low['frechet_distance']:,.0f} ({worse})" in c.value for c in at.caption)
    story = figure(at, "gan_story")
    history = card(SHOWCASE)["training"]["history"]
    np.testing.assert_allclose(story.data[0].y, history["d_loss"])
    assert [t.name for t in story.data] == ["D's loss", "G's loss", "D(x): real digits", "D(G(z)): generated"]


def test_gan_against_vae_shows_the_same_number_of_samples_with_each_cards_frechet_distance():
    at = open_page(PAGE, model="mnist-gan")
    assert_clean(at)
    compared = ["mnist-dcgan", "mnist-vae-2d", "mnist-vae-16d"]
    rows = compared_rows(at)
    assert len(rows) == len(compared)
    for row, model_id in zip(rows, compared):
        m = core.load_model(model_id)
        assert_same(cells(row.pictures()[0], 4), list(to_uint8(m.sample(16, seed=0))))
    values = [m.value for m in at.metric if m.label == "Fréchet, each judge"][-3:]
    assert values == [" · ".join(frechet_text(core.load_model(i).card["metrics"]["sample_quality"][j]["frechet_distance"])
                                 for j in ("mnist-judge", "mnist-judge-b")) for i in compared]
    text = " ".join(md.value for md in at.markdown)
    assert "no encoder" in text and "no Latent scatter and no reconstructions" in text
    before = rows[0].value
    at.segmented_control(key="gan_vs_count").set_value(9).run()
    at.number_input(key="gan_vs_seed").set_value(3).run()
    rows = compared_rows(at)
    assert rows[0].value != before
    assert_same(cells(rows[1].pictures()[0], 3), list(to_uint8(core.load_model("mnist-vae-2d").sample(9, seed=3))))


# ---------------------------------------------------------------- every control

@pytest.mark.parametrize("model_id", ["mnist-gan", "mnist-dcgan"])
def test_seed_count_new_samples_and_truncation_change_the_grid(model_id):
    at = open_page(PAGE, model=model_id)
    at.number_input(key="gan_seed").set_value(7).run()
    assert url(at)["seed"] == "7"
    assert_grid(at, model_id, 7, 36)
    at.segmented_control(key="gan_count").set_value(16).run()
    assert url(at)["n"] == "16"
    assert_grid(at, model_id, 7, 16)
    at.segmented_control(key="gan_count").set_value(64).run()
    assert_grid(at, model_id, 7, 64)
    assert grid_row(at).widths == [480]  # the same room whatever the count: 64 samples are not tiny
    before = grid_row(at).value
    at.button(key="gan_new").click().run()
    seed = int(url(at)["seed"])
    assert seed != 7 and at.number_input(key="gan_seed").value == seed
    assert grid_row(at).value != before
    assert_grid(at, model_id, seed, 64)
    trade_off = figure(at, "gan_truncation")
    release(at, "gan_psi", 0.5)
    assert_clean(at)
    assert live_sliders(at)["gan_psi"]["value"] == 0.5
    assert url(at)["psi"] == "0.5"
    assert_grid(at, model_id, seed, 64, psi=0.5)  # the same seed, its noise shrunk towards 0
    assert figure(at, "gan_truncation") == trade_off  # the same at every psi: the browser does not draw it again
    measured = next(p for p in card(model_id)["metrics"]["truncation"] if p["truncation"] == 0.5)
    assert any(f"Fréchet distance {measured['frechet_distance']:,.0f}" in c.value for c in at.caption)


def test_the_model_switch_shows_each_gans_own_samples():
    at = open_page(PAGE)
    shown = {}
    for model_id in ["mnist-gan", "mnist-cgan", "mnist-dcgan", "mnist-gan"]:
        choose(at, model_id)
        assert_clean(at)
        assert chosen(at) == model_id and url(at)["model"] == model_id
        assert at.title[0].value == "GAN samples"
        assert card(model_id)["title"] in at.caption[0].value
        assert ("digit" in url(at)) == (model_id == "mnist-cgan")  # only the conditional GAN keeps a digit
        if model_id != "mnist-cgan":
            assert_grid(at, model_id, 0, 36)
        shown[model_id] = grid_row(at).value
        assert_same(story_row(at).pictures(), list(model(model_id).story["samples"][0]))
    assert len({tuple(v) for v in shown.values()}) == 3  # three models, three different pictures


def test_the_conditional_gan_draws_one_row_per_digit_with_the_judges_reading():
    at = open_page(PAGE, model="mnist-cgan")
    assert_clean(at)
    grid = digit_rows(at)[0]  # one element: a row a digit, stacked (one delta, drawn once by the browser)
    per = 6  # 36 samples: six noises, each drawn as every digit
    images = expected_samples("mnist-cgan", 0, 36)
    read, confidence = judge().read(np.stack(images))
    wanted = np.repeat(np.arange(10), per)
    assert_same(grid.pictures(), images)
    assert grid.captions == [reading(r, p, wanted=c) for r, p, c in zip(read, confidence, wanted)]
    markup = next(e.proto.body for e in at.get("html") if not e.proto.unsafe_allow_javascript)
    assert markup.count("flex-wrap:nowrap") == 10  # ten rows, each kept on one line
    sure = confidence >= judge().confidence_threshold
    assert any(f"**{int((sure & (read == wanted)).sum())} of 60**" in md.value for md in at.markdown)
    assert figures(at)["Label accuracy"] == \
        f"{card('mnist-cgan')['metrics']['label_accuracy_prior_samples']:.1%}"
    per_class = figure(at, "gan_label_accuracy")
    accuracy = card("mnist-cgan")["metrics"]["label_accuracy_prior_samples_per_class"]
    np.testing.assert_allclose(per_class.data[0].y, [accuracy[str(c)] for c in range(10)])
    assert story_row(at).captions == [f"asked {c % 10}" for c in range(20)]  # the story's labels 0-9 twice

    # one chosen digit: that many samples of it, each captioned
    at.selectbox(key="gan_digit_mnist-cgan").set_value(7).run()
    assert_clean(at)
    assert url(at)["digit"] == "7"
    at.segmented_control(key="gan_count").set_value(16).run()
    row = digit_rows(at)[0]
    images = expected_samples("mnist-cgan", 0, 16, digit=7)
    assert_same(row.pictures(), images)
    read, confidence = judge().read(np.stack(images))
    assert row.captions == [reading(r, p, wanted=7) for r, p in zip(read, confidence)]
    sure = confidence >= judge().confidence_threshold
    assert any(md.value.startswith(f"The judge surely reads **{int((sure & (read == 7)).sum())} of 16** as 7")
               for md in at.markdown)
    at.selectbox(key="gan_digit_mnist-cgan").set_value(2).run()
    assert_same(digit_rows(at)[0].pictures(), expected_samples("mnist-cgan", 0, 16, digit=2))


def test_the_walk_follows_its_seeds_path_steps_and_digit():
    at = open_page(PAGE, model="mnist-cgan")
    assert_walk(at, "mnist-cgan", 1, 2, "slerp", 10, digit=7)
    moves = [(("number_input", "gan_from"), 5, ("from", "5")),
             (("number_input", "gan_to"), 9, ("to", "9")),
             (("segmented_control", "gan_path"), "linear", ("path", "linear")),
             (("slider", "gan_steps"), 6, ("steps", "6")),
             (("selectbox", "gan_walk_digit_mnist-cgan"), 3, ("walk_digit", "3"))]
    for (kind, key), value, (name, written) in moves:
        before = walk_row(at).value
        getattr(at, kind)(key=key).set_value(value).run()
        assert_clean(at)
        assert url(at)[name] == written
        assert walk_row(at).value != before, f"{key} changed nothing"
    assert_walk(at, "mnist-cgan", 5, 9, "linear", 6, digit=3)
    # a straight walk between two noises cuts inside the sphere they lie near; the caption measures it
    m = model("mnist-cgan")
    z = interpolate(m.sample_latents(1, seed=5)[0], m.sample_latents(1, seed=9)[0], 6, "linear")
    lengths = np.linalg.norm(z, axis=1)
    assert any(f"{lengths.min():.1f} at the shortest step" in c.value for c in at.caption)


# ---------------------------------------------------------------- the live sliders (dashboard/live_slider.py)

@pytest.mark.parametrize("model_id, digit", [("mnist-dcgan", None), ("mnist-cgan", "all"), ("mnist-cgan", 3)])
def test_the_truncation_sliders_frames_are_the_grid_at_each_psi(model_id, digit):
    """Truncation ψ is live: a frame at each of its five stops holds the page's own pictures at that ψ (the mosaic,
    or a conditional GAN's samples one by one, in page order), from one batched decode."""
    query = {"model": model_id, "n": "16", "seed": "4"} | ({"digit": str(digit)} if digit is not None else {})
    at = open_page(PAGE, **query)
    slider = live_sliders(at)["gan_psi"]
    assert (slider["min"], slider["max"], slider["step"], slider["value"]) == (0.25, 1.25, 0.25, 1.0)
    assert slider["picture"] == "gan_grid" and slider["label"] == "Truncation ψ"
    frames = slider_frames(at, "gan_psi")
    assert frames["id"] == slider["frames"] and frames["meta"]["stops"] == [0, 1, 2, 3, 4]
    assert frames["sprite"].startswith(b"\x89PNG")  # small enough to be exact
    shown = live_rows(at, "gan_grid")
    per_frame = sum(len(row.value) for row in shown)
    assert frames["layout"].frames == 5  # a mosaic, or 4 noises as each of 10 digits, or 16 samples of one digit
    assert frames["layout"].per_frame == per_frame == {None: 1, "all": 40, 3: 16}[digit]
    for k, psi in enumerate((0.25, 0.5, 0.75, 1.0, 1.25)):
        expected = expected_samples(model_id, 4, 16, psi, digit="all" if digit is None else digit)
        drawn = [picture(frames["pixels"], frames["layout"], k, i) for i in range(per_frame)]
        if digit is None:
            assert_same(cells(Image.fromarray(drawn[0]), 4), expected)
        else:
            assert_same(drawn, expected)
    # the frame at the value shown is the picture the page drew
    assert_same([picture(frames["pixels"], frames["layout"], 3, i) for i in range(per_frame)],
                [p for row in shown for p in row.pictures()], atol=0)


def test_scrubbing_the_walk_decodes_its_point_and_keeps_t_in_the_url():
    at = open_page(PAGE, model="mnist-cgan")
    slider = live_sliders(at)["gan_walk_t"]
    assert (slider["min"], slider["max"], slider["step"], slider["value"]) == (0.0, 1.0, 0.01, 0.5)
    m = model("mnist-cgan")
    a, b = m.sample_latents(1, seed=1)[0], m.sample_latents(1, seed=2)[0]

    def expected(t):
        return to_uint8(m.decode(interpolate_at(a, b, [t], "slerp"), 7))
    row, = live_rows(at, "gan_walk_point")
    assert_same(row.pictures(), list(expected(0.5)))
    release(at, "gan_walk_t", 0.237)  # snapped to the slider's step
    assert_clean(at)
    assert url(at)["walk_t"] == "0.24" and live_sliders(at)["gan_walk_t"]["value"] == 0.24
    row, = live_rows(at, "gan_walk_point")
    assert_same(row.pictures(), list(expected(0.24)))
    read, confidence = judge().read(expected(0.24))
    assert row.captions == [f"t = 0.24 · {reading(read[0], confidence[0], wanted=7)}"]
    frames = slider_frames(at, "gan_walk_t")  # 33 points along the walk, from end to end
    values = np.round(np.rint(np.linspace(0, 100, 33)) * 0.01, 2)
    assert frames["meta"]["stops"] == np.rint(np.linspace(0, 100, 33)).astype(int).tolist()
    assert_same([picture(frames["pixels"], frames["layout"], k, 0) for k in range(33)],
                list(to_uint8(m.decode(interpolate_at(a, b, values, "slerp"), 7))))
    release(at, "gan_walk_t", 7.0)  # past the end: held there
    assert url(at)["walk_t"] == "1"


def test_the_walk_downloads_as_an_animated_gif_of_the_strip(downloads):
    files = downloads
    at = open_page(PAGE, model="mnist-gan", steps="7")
    assert_clean(at)
    walk = Image.open(io.BytesIO(files["gan_walk_mnist-gan.gif"]))
    shown = [np.asarray(p, int) for p in walk_row(at).pictures()]
    assert len(shown) == 7
    # a GIF keeps one frame for a run of equal pictures (and adds up their time)
    distinct = [p for k, p in enumerate(shown) if k == 0 or not np.array_equal(p, shown[k - 1])]
    assert walk.format == "GIF" and walk.n_frames == len(distinct) and walk.info["loop"] == 0
    for k, picture in enumerate(distinct):
        walk.seek(k)
        frame = np.asarray(walk.convert("L").resize((28, 28), Image.NEAREST), int)
        assert np.abs(frame - picture).max() <= 2
    strip = Image.open(io.BytesIO(files["gan_walk_mnist-gan.png"]))
    assert strip.size == (7 * 30 + 2, 30 + 2)
    assert_same(np.asarray(strip)[2:30, 2:][:, :7 * 30].reshape(28, 7, 30)[:, :, :28].transpose(1, 0, 2), shown)


@pytest.mark.parametrize("model_id", GANS)
def test_the_story_slider_shows_each_epochs_pictures_and_marks_it(model_id):
    epochs = [int(e) for e in model(model_id).story["epochs"]]
    at = open_page(PAGE, model=model_id)
    assert_clean(at)
    key = f"gan_epoch_{model_id}"
    if len(epochs) == 1:  # nothing to slide over: the one epoch is said, not offered
        assert key not in {s.key for s in at.get("select_slider")}
        assert any("its only one" in md.value for md in at.markdown)
        return
    assert at.select_slider(key=key).value == epochs[0]
    for k in (len(epochs) - 1, len(epochs) // 2):
        at.select_slider(key=key).set_value(epochs[k]).run()
        assert_clean(at)
        assert url(at)["epoch"] == str(epochs[k])
        assert_same(story_row(at).pictures(), list(model(model_id).story["samples"][k]), atol=0)
        marks = [s.x0 for s in figure(at, "gan_story").layout.shapes if s.x0 == s.x1 and s.yref == "paper"]
        assert marks == [epochs[k]]


def test_the_vanilla_gans_note_reads_its_numbers_against_the_dcgans():
    at = open_page(PAGE, model="mnist-gan")
    note = next(md.value for md in at.markdown if md.value.startswith("**What goes wrong"))
    ours, theirs = card("mnist-gan")["metrics"], card("mnist-dcgan")["metrics"]
    shares = ours["class_shares"]
    assert f"{max(shares):.0%} of its samples as {int(np.argmax(shares))}" in note
    word = "above" if ours["frechet_distance_samples"] > theirs["frechet_distance_samples"] else "below"
    assert f"{ours['frechet_distance_samples']:,.0f}, {word} the" in note
    assert f"{theirs['frechet_distance_samples']:,.0f} (lower is better)" in note
    dcgan = open_page(PAGE, model="mnist-dcgan")
    assert not [md for md in dcgan.markdown if md.value.startswith("**What goes wrong")]


def test_the_story_names_each_recipes_remedies_from_its_card():
    """The remedies said beside the story are the card's training options, each named once."""
    def note(model_id):
        at = open_page(PAGE, model=model_id)
        return next(c.value for c in at.caption if "Trained with" in c.value)
    for model_id in ("mnist-gan", "mnist-dcgan", "mnist-cgan"):
        options, said = card(model_id)["training"]["options"], note(model_id)
        assert ("one-sided label smoothing" in said) == (options.get("real_label", 1.0) < 1), model_id
        assert ("moving average" in said) == bool(options.get("ema_decay")), model_id
        assert ("packing (PacGAN)" in said) == (options.get("pack", 1) > 1), model_id
        assert ("plain recipe" in said) == (options.get("real_label", 1.0) == 1 and not options.get("ema_decay")
                                            and options.get("pack", 1) == 1), model_id


# ---------------------------------------------------------------- links

RESTORED = {"seed": "5", "n": "16", "psi": "0.75", "from": "3", "to": "8", "path": "linear", "steps": "5",
            "walk_t": "0.3"}


def test_a_copied_link_reopens_the_view():
    at = open_page(PAGE, model="mnist-dcgan")
    for (kind, key), value in [(("number_input", "gan_seed"), 5), (("segmented_control", "gan_count"), 16),
                               (("live", "gan_psi"), 0.75), (("number_input", "gan_from"), 3),
                               (("number_input", "gan_to"), 8), (("segmented_control", "gan_path"), "linear"),
                               (("slider", "gan_steps"), 5), (("live", "gan_walk_t"), 0.3)]:
        if kind == "live":
            release(at, key, value)
        else:
            getattr(at, kind)(key=key).set_value(value).run()
    link = url(at)
    assert {k: link[k] for k in RESTORED} == RESTORED
    again = open_page(PAGE, **link)
    assert_clean(again)
    assert not link_notices(again)
    assert [row.value for row in digit_rows(again)] == [row.value for row in digit_rows(at)]
    assert_grid(again, "mnist-dcgan", 5, 16, psi=0.75)
    assert_walk(again, "mnist-dcgan", 3, 8, "linear", 5)
    assert {k: s["value"] for k, s in live_sliders(again).items()} == {"gan_psi": 0.75, "gan_walk_t": 0.3}
    cgan = open_page(PAGE, model="mnist-cgan", digit="4", walk_digit="0", n="16", seed="2")
    assert not link_notices(cgan)
    assert cgan.selectbox(key="gan_digit_mnist-cgan").value == 4
    assert_same(digit_rows(cgan)[0].pictures(), expected_samples("mnist-cgan", 2, 16, digit=4))
    assert_walk(cgan, "mnist-cgan", 1, 2, "slerp", 10, digit=0)


def test_bad_parameters_fall_back_to_the_defaults_with_one_notice_naming_each():
    bad = {"seed": "abc", "n": "17", "psi": "0.3", "path": "cubic", "steps": "99", "digit": "3", "epoch": "999",
           "zoom": "2", "to": "99999999999", "from": "7", "walk_t": "1.5"}
    at = open_page(PAGE, model="mnist-dcgan", **bad)
    notice = one_notice_naming_each(at, bad, used=("from",))  # from is good, and used
    assert "is not told which digit to draw" in notice and "not a setting of this page" in notice
    assert "one of 0.25, 0.5, 0.75, 1, 1.25" in notice
    link = url(at)
    assert {k: link[k] for k in ("seed", "n", "psi", "path", "steps", "from", "to", "walk_t")} == \
        {"seed": "0", "n": "36", "psi": "1", "path": "slerp", "steps": "10", "from": "7", "to": "2", "walk_t": "0.5"}
    assert "`walk_t=1.5` (a number from 0 to 1)" in notice
    assert "zoom" not in link and "digit" not in link
    assert_grid(at, "mnist-dcgan", 0, 36)
    assert_walk(at, "mnist-dcgan", 7, 2, "slerp", 10)
    cgan = open_page(PAGE, model="mnist-cgan", digit="12", walk_digit="all")
    notice, = link_notices(cgan)
    assert "`digit=12` (a digit from 0 to 9 or all)" in notice and "`walk_digit=all` (a digit from 0 to 9)" in notice
    assert cgan.selectbox(key="gan_digit_mnist-cgan").value == "all"


def test_a_damaged_generator_gives_its_message_not_a_traceback(tmp_path, monkeypatch):
    root = tmp_path / "pretrained"
    for model_id in ("mnist-dcgan", "mnist-judge"):
        shutil.copytree(SHIPPED / model_id, root / model_id)
        registry.write_manifest_entry(model_id, root)
    (root / "mnist-dcgan" / "generator.keras").write_bytes(b"not a keras file")  # no longer what the manifest says
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(root))
    at = open_page(PAGE)
    assert not at.exception
    assert len(at.error) == 1 and "mnist-dcgan" in at.error[0].value
    assert not digit_rows(at)


def test_without_gans_the_page_says_how_to_build_one(tmp_path, monkeypatch):
    root = tmp_path / "pretrained"
    shutil.copytree(SHIPPED / "mnist-vae-2d", root / "mnist-vae-2d")
    registry.write_manifest_entry("mnist-vae-2d", root)
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(root))
    at = open_page(PAGE)
    assert not at.exception
    assert any("python -m core.train mnist-dcgan" in i.value for i in at.info)
