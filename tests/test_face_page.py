"""The "Face editing" page, driven headless through Streamlit's AppTest on the tiny untrained face VAE and face judge
(conftest.build_tiny_faces), in a temporary pretrained folder.

What the page draws is re-done here from the model's own API: the start face (a seed's face drawn with the
sampling trick, a held-out test face from a small synthetic CelebA folder the test writes, or an uploaded photo
cropped by core.data.uploads), LatentModel.edit with and without held attributes, the strip, the N(0, I) and
sampling-trick rows, and the judge's readings. Every control changes what is shown; the edit round-trips through
the URL, and bad parameters fall back to the defaults with one notice naming each; bad uploads, a missing data set
and a missing or damaged judge give a message and the rest of the page goes on. Exports are read back as the
browser would download them. No real face is used: the synthetic "faces" are colour gradients.
"""
from __future__ import annotations

import functools
import io
import json
import re
import shutil
from typing import NamedTuple

import numpy as np
import pytest
from PIL import Image

import core
from conftest import (FACE_ATTRIBUTES, assert_clean, build_tiny_faces, digit_rows, live_sliders, open_page, release,
                      slider_frames)
from core import registry
from core.images import to_uint8

PAGE = "pages/5_Face_editing.py"
MODEL, JUDGE = "tiny-face-vae", "tiny-face-judge"
SHOWN = ["Smiling", "Eyeglasses", "Male", "Blond_Hair", "Mustache", "Young"]  # the sliders the page opens with
JUDGED = ["Smiling", "Male", "Eyeglasses", "Blond_Hair", "Young", "Wearing_Hat"]  # the tiny card's judged attributes
STEPS = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)


def key(name: str) -> str:
    """A widget key of the tiny face model (ui.model_key)."""
    return f"{name}_{MODEL}"


def slider(name: str) -> str:
    return key(f"face_s_{name}")


def edit(m, z, strengths: dict, hold=(), free=()) -> np.ndarray:
    """The page's edit: each slider's measured edit (core.measured_edits), holding its measured holds unless
    unticked (`free`) and the user's `hold` for every slider."""
    holds = {n: list(dict.fromkeys([*([] if n in free else m.default_holds.get(n, [])), *hold])) for n in strengths}
    return m.measured_edit(z, strengths, holds)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def faces_master(tmp_path_factory):
    return build_tiny_faces(tmp_path_factory.mktemp("faces-master"))


@pytest.fixture
def faces_pretrained(faces_master, tmp_path, monkeypatch):
    """A fresh copy of the tiny face models (tests may damage it), and no CelebA data anywhere."""
    root = tmp_path / "pretrained"
    shutil.copytree(faces_master, root)
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(root))
    monkeypatch.setenv("LATENT_LAB_DATA", str(tmp_path / "no-data"))
    monkeypatch.setenv("LATENT_LAB_CACHE", str(tmp_path / "cache"))
    return root


@functools.cache
def loaded(root: str):
    """The tiny model and judge, loaded here to re-do what the page shows (one load per folder)."""
    from core.registry import load_face_judge
    with registry.using_root(root):
        return core.load_model(MODEL), load_face_judge(JUDGE)


@pytest.fixture
def tiny(faces_master):
    return loaded(str(faces_master))


def gradient(width: int, height: int, seed: int) -> np.ndarray:
    """A synthetic colour picture (no face): smooth gradients, different for every seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    a, b, c = rng.uniform(0.2, 1.0, 3)
    return to_uint8(np.stack([x * a, y * b, (1 - x) * c], axis=-1))


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def fake_celeba(faces_pretrained, tmp_path, monkeypatch):
    """A CelebA folder of six synthetic 178 x 218 'faces' (two train, one val, three test) with both annotation
    files, as the official ones are laid out; $LATENT_LAB_DATA points at it."""
    folder = tmp_path / "data" / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    rng = np.random.default_rng(1)
    names = [f"{i:06d}.jpg" for i in range(1, 7)]
    parts = [0, 0, 1, 2, 2, 2]
    rows = []
    for i, name in enumerate(names):
        Image.fromarray(gradient(178, 218, i)).save(folder / "img_align_celeba" / name, quality=95)
        rows.append(name + " " + " ".join(rng.choice(["1", "-1"], len(FACE_ATTRIBUTES))))
    (folder / "list_attr_celeba.txt").write_text(f"{len(names)}\n{' '.join(FACE_ATTRIBUTES)}\n"
                                                 + "\n".join(rows) + "\n")
    (folder / "list_eval_partition.txt").write_text("".join(f"{n} {p}\n" for n, p in zip(names, parts)))
    monkeypatch.setenv("LATENT_LAB_DATA", str(tmp_path / "data"))
    from core.data import load_celeba
    return load_celeba(None, download=False, size=64, split="test", cache=False)


@pytest.fixture
def fragment_reruns(monkeypatch):
    """Turn AppTest's next runs into reruns of one fragment alone, as the browser asks for when a widget inside
    the fragment moves (AppTest itself always reruns the whole script): set ["id"] to the fragment's id."""
    import dataclasses

    from streamlit.runtime.scriptrunner import script_runner
    fragment = {"id": None}
    run_script = script_runner.ScriptRunner._run_script

    def only_the_fragment(self, rerun_data):
        if fragment["id"] and rerun_data.widget_states is not None:  # a widget's, not the page's own st.rerun
            rerun_data = dataclasses.replace(rerun_data, fragment_id_queue=[fragment["id"]])
        return run_script(self, rerun_data)
    monkeypatch.setattr(script_runner.ScriptRunner, "_run_script", only_the_fragment)
    return fragment


# ---------------------------------------------------------------- reading the page

class FacesRow(NamedTuple):
    """The editor's pictures, drawn as the start face(s) beside the edited face."""
    rows: list

    def pictures(self) -> list:
        return [p for row in self.rows for p in row.pictures()]

    @property
    def captions(self) -> list[str]:
        return [c for row in self.rows for c in row.captions]

    @property
    def widths(self) -> list[int]:
        return [w for row in self.rows for w in row.widths]


def faces_row(at):
    """The editor's pictures: [generated, edited] or [original, reconstruction, edited] (the row of start faces
    just before the edited face's)."""
    rows = digit_rows(at)
    edited = [k for k, r in enumerate(rows) if any(c.startswith("edited") for c in r.captions)]
    assert len(edited) == 1 and edited[0] > 0
    return FacesRow(rows[edited[0] - 1:edited[0] + 1])


def strip_row(at):
    rows = [r for r in digit_rows(at) if "0" in r.captions]
    assert len(rows) == 1
    return rows[0]


def sample_rows(at):
    return [r for r in digit_rows(at) if r.captions and r.captions[0].startswith("seed ")]


def arrays(row) -> list[np.ndarray]:
    return [np.asarray(p.convert("RGB"), int) for p in row.pictures()]


def assert_same(shown: np.ndarray, expected, atol: int = 1) -> None:
    """A picture as the page sent it (uint8 PNG) against one decoded here (float in [0, 1], or uint8)."""
    expected = np.asarray(expected if np.asarray(expected).dtype == np.uint8 else to_uint8(expected), int)
    assert shown.shape == expected.shape
    assert np.abs(shown - expected).max() <= atol


def differs(a: np.ndarray, b: np.ndarray) -> bool:
    return np.abs(a - b).max() > 2


def readings(at) -> dict[str, tuple[str, str, str]]:
    """The judge's reading table: attribute -> (before, edited, change), as shown ('✓ 0.51', '0.48', 'now read')."""
    table = next(m.value for m in at.markdown if m.value.startswith("**The judge's reading**"))
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]+?) \| ?([^|]*?) ?\|$", table, re.M)
    return {name: (before, after, change) for name, before, after, change in rows
            if name != "attribute" and not set(name) <= {"-", " "}}


def shown_probability(text: str) -> tuple[bool, float]:
    return text.startswith("✓"), float(text.removeprefix("✓ "))


def start_z(m, seed: int) -> np.ndarray:
    return m.sample_latents(1, seed=seed, trick=True)[0]


def decoded(m, z) -> np.ndarray:
    return m.decode(np.asarray(z, np.float32)[None])[0]


def edit_param(at) -> str | None:
    return at.query_params.get("edit")


def figure(at, key_suffix: str):
    """A Plotly chart of the page rebuilt as a plotly Figure, which validates it against Plotly's schema."""
    import plotly.graph_objects as go
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key_suffix))
    return go.Figure(json.loads(chart.proto.spec))


# ---------------------------------------------------------------- opening, sliders and presets

def test_opens_on_a_generated_face_with_the_default_sliders(faces_pretrained, tiny):
    m, judge = tiny
    at = open_page(PAGE)
    assert_clean(at)
    assert at.selectbox(key="model_picker").value == MODEL
    assert list(live_sliders(at)) == [slider(n) for n in SHOWN]
    assert all(s["value"] == 0 for s in live_sliders(at).values())
    assert at.segmented_control(key="face_start").value == "random"
    row = faces_row(at)
    assert row.widths == [128, 256]  # a generated face has no separate original; the edited face large
    assert row.captions == ["generated face (seed 0)", "edited: no edit yet"]
    assert any("no separate original" in c.value for c in at.caption)
    generated, edited = arrays(row)
    assert_same(generated, decoded(m, start_z(m, 0)))
    assert_same(edited, decoded(m, start_z(m, 0)))
    html = next(e.proto.body for e in at.get("html") if "edited: no edit yet" in e.proto.body)
    assert "image-rendering:auto" in html and "pixelated" not in html  # faces are drawn smooth
    assert dict(at.query_params) == {"model": MODEL, "start": "random", "seed": "0", "strip": "Smiling"}


def test_the_judge_reads_every_judged_attribute_of_the_edited_face(faces_pretrained, tiny):
    m, judge = tiny
    at = open_page(PAGE)
    release(at, slider("Male"), -3.0)
    assert_clean(at)
    shown = readings(at)
    assert list(shown) == [n.replace("_", " ") for n in JUDGED]
    z = start_z(m, 0)
    before = judge.probabilities(decoded(m, z)[None])[0]
    after = judge.probabilities(decoded(m, edit(m, z, {"Male": -3.0}))[None])[0]
    for name in JUDGED:
        k = judge.attribute_names.index(name)
        was, p_before = shown_probability(shown[name.replace("_", " ")][0])
        now, p_after = shown_probability(shown[name.replace("_", " ")][1])
        assert abs(p_before - before[k]) <= 0.005 and abs(p_after - after[k]) <= 0.005
        assert was == (before[k] >= judge.thresholds[k]) and now == (after[k] >= judge.thresholds[k])
        expected = "" if was == now else "now read" if now else "no longer read"
        assert shown[name.replace("_", " ")][2] == expected
    changed = [n for n in JUDGED if shown[n.replace("_", " ")][2]]
    summary = next(c.value for c in at.caption if "against the generated" in c.value)
    assert all(f"**{n.replace('_', ' ')}**" in summary for n in changed)
    assert summary.startswith("The judge's readings: no reading changed") == (not changed)


def test_moving_a_slider_edits_the_face_and_nothing_else(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    before = arrays(faces_row(at))
    strip_before = arrays(strip_row(at))
    release(at, slider("Smiling"), 1.5)
    assert_clean(at)
    generated, edited = arrays(faces_row(at))
    z = start_z(m, 0)
    assert_same(edited, decoded(m, edit(m, z, {"Smiling": 1.5})))
    assert differs(edited, before[1])
    assert np.array_equal(generated, before[0])  # the start face stays as it was
    assert all(np.array_equal(a, b) for a, b in zip(arrays(strip_row(at)), strip_before))  # the strip too
    assert faces_row(at).captions[1] == "edited: Smiling +1.5; Male held fixed"  # its measured hold
    assert edit_param(at) == "Smiling:1.5"
    release(at, slider("Young"), -1.0)
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, z, {"Smiling": 1.5, "Young": -1.0})))
    assert edit_param(at) == "Smiling:1.5,Young:-1"
    bars = figure(at, "face_strengths").data[0]
    assert list(bars.y) == [n.replace("_", " ") for n in SHOWN]
    assert list(bars.x) == [1.5, 0, 0, 0, 0, -1.0]
    assert list(figure(at, "face_strengths").data[1].x) == [1.0] * len(SHOWN)  # 1: each measured edit


def test_each_sliders_frames_are_the_edit_along_it_with_the_other_strengths_and_holds_where_they_stand(
        faces_pretrained, tiny, monkeypatch):
    """The sliders are live (dashboard/live_slider.py): each one's 33 frames along -3..3 are the page's edit with
    that slider at the frame's value and the others, and every hold, as they stand; another slider's release, or a
    hold, rebuilds them. Let go, a slider's value is snapped to its step and the face is the exact edit there."""
    import sys
    from core.slider_frames import encode, picture
    m, _ = tiny
    at = open_page(PAGE)
    # Lossless sprites, every pixel the decoder's: the untrained model's noisy faces are far from photographs, whose
    # lossy WebP sprites (core.slider_frames.encode) tests/test_atlas.py holds to its error.
    monkeypatch.setattr(sys.modules["slider_sprites"], "encode", lambda sheet: encode(sheet, budget=2**31))
    sliders = live_sliders(at)
    assert all((s["min"], s["max"], s["step"], s["picture"]) == (-3.0, 3.0, 0.05, "edited_face")
               for s in sliders.values())
    assert faces_row(at).rows[-1].live == "edited_face"  # the edited face alone is drawn over
    assert faces_row(at).rows[0].live is None
    before = sliders[slider("Eyeglasses")]["frames"]
    release(at, slider("Smiling"), 1.234)
    assert_clean(at)
    assert live_sliders(at)[slider("Smiling")]["value"] == 1.25 and edit_param(at) == "Smiling:1.25"
    z = start_z(m, 0)
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, z, {"Smiling": 1.25})))
    assert f"{slider('Smiling')}:85" in faces_row(at).rows[-1].live_at.split()  # (1.25 + 3) / 0.05
    at.multiselect(key=key("face_hold")).set_value(["Young"]).run()
    assert live_sliders(at)[slider("Eyeglasses")]["frames"] != before  # built again: Smiling moved, Young held
    frames = slider_frames(at, slider("Eyeglasses"), "RGB")
    stops = np.rint(np.linspace(0, 120, 33)).astype(int)
    assert frames["meta"]["stops"] == stops.tolist()
    cells = np.stack([picture(frames["pixels"], frames["layout"], k, 0) for k in range(33)]).astype(int)
    expected = [to_uint8(decoded(m, edit(m, z, {"Smiling": 1.25, "Eyeglasses": v}, hold=["Young"])))
                for v in np.round(-3.0 + stops * 0.05, 2)]
    assert frames["sprite"].startswith(b"\x89PNG")
    assert np.abs(cells - np.asarray(expected, int)).max() <= 1
    assert differs(cells[0], cells[-1])  # the slider's own edit moves them


def test_moving_a_slider_reruns_the_editor_alone(faces_pretrained, tiny, fragment_reruns, monkeypatch):
    import sys
    m, _ = tiny
    at = open_page(PAGE)
    ran = []
    for module, name in (("face_editor", "start_face"), ("face_card", "prior_against_trick"),
                         ("face_card", "measured")):
        parts = sys.modules[module]  # the page's modules, as the app imported them
        part = getattr(parts, name)
        monkeypatch.setattr(parts, name, lambda *a, _part=part, _name=name: (ran.append(_name), _part(*a))[1])
    fragment_reruns["id"], = [i for i, run in at._fragment_storage._fragments.items()  # the editor's (the sliders'
                              if "editor" in {getattr(c.cell_contents, "__name__", None)  # frames are fragments too)
                                              for c in run.__closure__ or ()}]
    release(at, slider("Smiling"), 2.0)
    release(at, slider("Young"), -1.0)  # its −1 preset sends this
    assert not at.exception
    assert ran == []  # neither the start face, the samples nor the table was made again
    assert not [r for r in digit_rows(at) if "0" in r.captions]  # nor the strip (a fragment of its own) sent again
    at.multiselect(key=key("face_hold")).set_value(["Male"]).run()  # what is held: the strip holds it too
    assert ran == ["start_face", "prior_against_trick", "measured"]  # so the page ran, strip and all
    assert len(strip_row(at).captions) == len(STEPS)
    ran.clear()
    z = start_z(m, 0)
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, z, {"Smiling": 2.0, "Young": -1.0}, hold=["Male"])))
    assert at.query_params["edit"] == "Smiling:2,Young:-1" and at.query_params["hold"] == "Male"
    assert at.query_params["seed"] == "0"  # the start's parameters, written by the whole run, stay
    fragment_reruns["id"] = None
    at.run()  # a whole run (a fragment run's tree holds the fragment alone)
    assert_clean(at)
    assert ran == ["start_face", "prior_against_trick", "measured"]
    at.number_input(key="face_seed").set_value(1).run()  # outside the editor: the whole page reruns
    assert_same(arrays(faces_row(at))[1],
                decoded(m, edit(m, start_z(m, 1), {"Smiling": 2.0, "Young": -1.0}, hold=["Male"])))
    assert not at.warning  # the editor's own parameters are our echo, not a new link


def test_plus_and_minus_set_the_measured_edit_and_reset_clears_everything(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    for name, data in live_sliders(at).items():  # each slider's +1 and −1 beside its track (the browser sends them)
        assert [(label, at_value) for label, at_value, _ in data["presets"]] == [("+1", 1.0), ("−1", -1.0)], name
    plus, minus = (at_value for _, at_value, _ in live_sliders(at)[slider("Eyeglasses")]["presets"])
    release(at, slider("Eyeglasses"), plus)
    assert live_sliders(at)[slider("Eyeglasses")]["value"] == 1.0
    assert edit_param(at) == "Eyeglasses:1"
    release(at, slider("Mustache"), minus)
    assert live_sliders(at)[slider("Mustache")]["value"] == -1.0
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, start_z(m, 0), {"Eyeglasses": 1.0, "Mustache": -1.0})))
    at.checkbox(key=key("face_h_Smiling")).uncheck().run()
    assert at.query_params.get("free") == "Smiling"
    at.multiselect(key=key("face_hold")).set_value(["Male"]).run()
    assert at.query_params.get("hold") == "Male"
    at.button(key=key("face_reset")).click().run()
    assert_clean(at)
    assert all(s["value"] == 0 for s in live_sliders(at).values()) and at.checkbox(key=key("face_h_Smiling")).value
    assert at.multiselect(key=key("face_hold")).value == []
    assert not {"edit", "hold", "free"} & set(at.query_params)
    generated, edited = arrays(faces_row(at))
    assert np.array_equal(generated, edited)


def test_holding_an_attribute_fixed_changes_the_edit_direction(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    release(at, slider("Mustache"), 2.0)
    plain = arrays(faces_row(at))[1]
    at.multiselect(key=key("face_hold")).set_value(["Male", "Young"]).run()
    assert_clean(at)
    held = arrays(faces_row(at))[1]
    z = start_z(m, 0)
    assert_same(plain, decoded(m, edit(m, z, {"Mustache": 2.0})))
    assert_same(held, decoded(m, edit(m, z, {"Mustache": 2.0}, hold=["Male", "Young"])))
    assert differs(held, plain)
    assert faces_row(at).captions[1] == "edited: Mustache +2; Male, Young held fixed"
    assert at.query_params.get("hold") == "Male,Young"
    # The strip holds them too: its +1 step is the measured edit made orthogonal to the held ones.
    strip = arrays(strip_row(at))
    assert_same(strip[STEPS.index(1.0)], decoded(m, edit(m, z, {"Smiling": 1.0}, hold=["Male", "Young"])))


def test_a_slider_holds_what_its_measured_edit_held_until_unticked_and_the_link_says_so(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    tick = at.checkbox(key=key("face_h_Smiling"))
    assert tick.value and tick.label == "Male held fixed"
    assert [c.key for c in at.checkbox] == [key("face_h_Smiling")]  # the tiny card's other edits hold nothing
    assert "moved to 1 spreads past a logistic boundary" in live_sliders(at)[slider("Smiling")]["help"]
    release(at, slider("Smiling"), 1.0)
    held = arrays(faces_row(at))[1]
    z = start_z(m, 0)
    assert_same(held, decoded(m, m.measured_edit(z, {"Smiling": 1.0}, {"Smiling": ["Male"]})))
    at.checkbox(key=key("face_h_Smiling")).uncheck().run()
    assert_clean(at)
    free = arrays(faces_row(at))[1]
    assert_same(free, decoded(m, m.measured_edit(z, {"Smiling": 1.0}, {"Smiling": []})))
    assert differs(free, held) and faces_row(at).captions[1] == "edited: Smiling +1"
    assert at.query_params["free"] == "Smiling"
    again = open_page(PAGE, edit="Smiling:1", free="smiling")
    assert_clean(again)
    assert not again.checkbox(key=key("face_h_Smiling")).value and not again.warning
    assert np.array_equal(arrays(faces_row(again))[1], free)
    bad = open_page(PAGE, free="Mustache")
    assert "`free=Mustache` (Mustache holds nothing to untick)" in bad.warning[0].value


def test_adding_and_removing_an_attribute_gives_and_takes_its_slider(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    at.multiselect(key=key("face_attrs")).select("Bald").run()
    assert list(live_sliders(at)) == [slider(n) for n in [*SHOWN, "Bald"]]
    release(at, slider("Bald"), 2.5)
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, start_z(m, 0), {"Bald": 2.5})))
    assert edit_param(at) == "Bald:2.5"
    at.multiselect(key=key("face_attrs")).unselect("Bald").run()
    assert_clean(at)
    assert slider("Bald") not in live_sliders(at)
    assert "edit" not in at.query_params  # its edit went with it
    generated, edited = arrays(faces_row(at))
    assert np.array_equal(generated, edited)


def test_the_seed_draws_another_face_and_moves_the_sample_rows(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    at.number_input(key="face_seed").set_value(5).run()
    assert_clean(at)
    assert_same(arrays(faces_row(at))[0], decoded(m, start_z(m, 5)))
    assert at.query_params["seed"] == "5"
    prior, trick = sample_rows(at)
    assert prior.captions == trick.captions == [f"seed {s}" for s in range(5, 13)]
    for k, s in enumerate(range(5, 13)):
        assert_same(arrays(prior)[k], decoded(m, m.sample_latents(1, seed=s)[0]))
        assert_same(arrays(trick)[k], decoded(m, start_z(m, s)))
    assert any(not np.array_equal(a, b) for a, b in zip(arrays(prior), arrays(trick)))  # two distributions
    assert np.array_equal(arrays(trick)[0], arrays(faces_row(at))[0])  # the start face is the first trick face
    assert any("N(0, I)" in m.value for m in at.markdown) and any("sampling trick" in c.value for c in at.caption)


def test_the_strip_walks_the_chosen_attribute_either_side_of_the_start(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    row = strip_row(at)
    assert row.captions == ["-2", "-1.5", "-1", "-0.5", "0", "+0.5", "+1", "+1.5", "+2"]
    assert any("at 0 the generated face" in c.value for c in at.caption)
    z = start_z(m, 0)
    for picture, k in zip(arrays(row), STEPS):
        assert_same(picture, decoded(m, edit(m, z, {"Smiling": k})))
    at.selectbox(key=key("face_strip")).set_value("Eyeglasses").run()
    assert_clean(at)
    assert at.query_params["strip"] == "Eyeglasses"
    shown = arrays(strip_row(at))
    assert_same(shown[0], decoded(m, edit(m, z, {"Eyeglasses": -2})))
    assert_same(shown[-1], decoded(m, edit(m, z, {"Eyeglasses": 2})))
    assert differs(shown[-1], arrays(row)[-1])


# ---------------------------------------------------------------- the URL

def test_a_link_restores_the_edit(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE, edit="Smiling:1.5", hold="Male", seed="3")
    assert_clean(at)
    assert not at.warning
    assert at.number_input(key="face_seed").value == 3
    assert live_sliders(at)[slider("Smiling")]["value"] == 1.5
    assert all(s["value"] == 0 for k, s in live_sliders(at).items() if k != slider("Smiling"))
    assert at.multiselect(key=key("face_hold")).value == ["Male"]
    z = start_z(m, 3)
    generated, edited = arrays(faces_row(at))
    assert_same(generated, decoded(m, z))
    assert_same(edited, decoded(m, edit(m, z, {"Smiling": 1.5}, hold=["Male"])))
    assert differs(edited, np.asarray(to_uint8(decoded(m, edit(m, z, {"Smiling": 1.5}, free=["Smiling"]))), int))
    assert at.query_params["edit"] == "Smiling:1.5" and at.query_params["hold"] == "Male"
    at.run()  # our own echo is not a new link: moving on keeps working
    release(at, slider("Smiling"), -1.0)
    assert live_sliders(at)[slider("Smiling")]["value"] == -1.0 and at.query_params["edit"] == "Smiling:-1"


def test_a_link_adds_sliders_for_the_attributes_it_edits(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE, edit="wearing_hat:-2,Male:1", strip="Bald")
    assert_clean(at)
    assert live_sliders(at)[slider("Wearing_Hat")]["value"] == -2.0 and live_sliders(at)[slider("Male")]["value"] == 1.0
    assert at.selectbox(key=key("face_strip")).value == "Bald"
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, start_z(m, 0), {"Male": 1.0, "Wearing_Hat": -2.0})))


def test_a_copied_link_reopens_what_the_controls_made(faces_pretrained):
    at = open_page(PAGE)
    at.number_input(key="face_seed").set_value(7).run()
    release(at, slider("Blond_Hair"), 2.0)
    release(at, slider("Male"), -0.5)
    at.multiselect(key=key("face_hold")).set_value(["Young"]).run()
    at.selectbox(key=key("face_strip")).set_value("Male").run()
    link = {k: v for k, v in at.query_params.items() if k != "model"}
    assert link == {"start": "random", "seed": "7", "edit": "Male:-0.5,Blond_Hair:2", "hold": "Young", "strip": "Male"}
    again = open_page(PAGE, **link)
    assert_clean(again)
    assert not again.warning
    assert all(np.array_equal(a, b) for a, b in zip(arrays(faces_row(again)), arrays(faces_row(at))))
    assert all(np.array_equal(a, b) for a, b in zip(arrays(strip_row(again)), arrays(strip_row(at))))


def test_bad_link_values_fall_back_to_the_defaults_with_one_notice_naming_each(faces_pretrained, tiny):
    m, _ = tiny
    bad = {"seed": "4294967296", "edit": "Smiling:9", "hold": "Nose", "strip": "Smiling,Male", "start": "moon",
           "face": "3", "junk": "1"}
    at = open_page(PAGE, **bad)
    assert_clean(at)
    assert len(at.warning) == 1
    notice = at.warning[0].value
    for name, value in bad.items():
        assert f"`{name}={value}`" in notice
    assert "Smiling: a number from -3 to 3" in notice and "Nose is not one of the 40 CelebA attributes" in notice
    assert "CelebA data set" in notice  # face=3 without the data
    assert at.number_input(key="face_seed").value == 0
    assert all(s["value"] == 0 for s in live_sliders(at).values())
    assert at.multiselect(key=key("face_hold")).value == []
    assert at.selectbox(key=key("face_strip")).value == "Smiling"
    assert at.segmented_control(key="face_start").value == "random"
    assert dict(at.query_params) == {"model": MODEL, "start": "random", "seed": "0", "strip": "Smiling"}
    generated, edited = arrays(faces_row(at))
    assert_same(generated, decoded(m, start_z(m, 0))) and np.array_equal(generated, edited)
    at.run()  # the notice is for the link only
    assert not at.warning


def test_an_edit_link_with_one_bad_entry_is_ignored_whole(faces_pretrained):
    at = open_page(PAGE, edit="Smiling:1,Smiling:2")
    assert len(at.warning) == 1 and "Smiling is edited twice" in at.warning[0].value
    assert all(s["value"] == 0 for s in live_sliders(at).values())
    at = open_page(PAGE, edit="Smiling=1")
    assert "an edit is Name:strength" in at.warning[0].value


# ---------------------------------------------------------------- held-out test faces

def test_without_the_data_the_held_out_option_says_how_to_provide_it(faces_pretrained, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    at.segmented_control(key="face_start").set_value("test").run()
    assert_clean(at)
    why = [i.value for i in at.info if "Held-out test faces need the CelebA data set" in i.value]
    assert len(why) == 1 and "LATENT_LAB_DATA" in why[0] and "celeba/" in why[0]
    assert any("Until then the editor starts from a random face" in c.value for c in at.caption)
    assert_same(arrays(faces_row(at))[0], decoded(m, start_z(m, 0)))  # the editor goes on
    release(at, slider("Smiling"), 1.0)
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, start_z(m, 0), {"Smiling": 1.0})))
    assert open_page(PAGE, start="test").warning[0].value.count("CelebA data set") == 1


def test_a_held_out_face_beside_its_reconstruction_and_edit(fake_celeba, tiny):
    m, _ = tiny
    at = open_page(PAGE)
    at.segmented_control(key="face_start").set_value("test").run()
    at.number_input(key="face_test").set_value(2).run()
    assert_clean(at)
    assert at.number_input(key="face_test").max == len(fake_celeba.images) - 1 == 2
    face = fake_celeba.images[2]
    z = m.encode(face[None])[0]
    row = faces_row(at)
    assert row.widths == [128, 128, 256]  # the test face and its reconstruction small, the edited face large
    assert row.captions[:2] == ["original: test face #2", "its reconstruction"]
    original, reconstruction, edited = arrays(row)
    assert_same(original, face, atol=0)
    assert_same(reconstruction, decoded(m, z))
    assert_same(edited, decoded(m, z))
    release(at, slider("Smiling"), 2.0)
    again = arrays(faces_row(at))
    assert np.array_equal(again[0], original) and np.array_equal(again[1], reconstruction)
    assert_same(again[2], decoded(m, edit(m, z, {"Smiling": 2.0})))
    strip = strip_row(at)
    assert strip.captions[0] == "original" and strip.captions[5] == "0" and len(strip.captions) == 10
    assert any("at 0 the reconstruction" in c.value for c in at.caption)
    assert_same(arrays(strip)[0], face, atol=0)
    labelled = [n.replace("_", " ") for n, v in zip(FACE_ATTRIBUTES, fake_celeba.attributes[2]) if v > 0 and n in SHOWN]
    assert any(c.value == "CelebA's labellers marked this face: " + (", ".join(labelled) or "none of "
               + ", ".join(n.replace("_", " ") for n in SHOWN)) + "." for c in at.caption)
    assert any("against the reconstruction" in c.value for c in at.caption)
    assert at.query_params["start"] == "test" and at.query_params["face"] == "2" and "seed" not in at.query_params
    restored = open_page(PAGE, start="test", face="2", edit="Smiling:2")
    assert_clean(restored)
    assert not restored.warning
    assert all(np.array_equal(a, b) for a, b in zip(arrays(faces_row(restored)), again))
    out_of_range = open_page(PAGE, start="test", face="3")
    assert "`face=3` (a whole number from 0 to 2)" in out_of_range.warning[0].value
    assert out_of_range.number_input(key="face_test").value == 0


# ---------------------------------------------------------------- uploads

def upload(at, name: str, data: bytes, mime: str = "image/png"):
    """Drop a file on the photo uploader (a new one after each upload: face_editor.uploader_key)."""
    at.segmented_control(key="face_start").set_value("photo").run()
    uploader, = at.file_uploader
    uploader.set_value((name, data, mime)).run()
    return at


def crop(at) -> tuple[float, float, float]:
    return tuple(at.slider(key=k).value for k in ("face_zoom", "face_dx", "face_dy"))


def test_an_uploaded_photo_is_cropped_shown_and_edited(faces_pretrained, tiny):
    from core.data.uploads import face_preview, normalise_face_upload
    m, _ = tiny
    data = png_bytes(gradient(300, 200, 7))
    at = open_page(PAGE)
    at.segmented_control(key="face_start").set_value("photo").run()
    assert any("Upload a photo of a face" in i.value for i in at.info)
    upload(at, "me.png", data)
    assert_clean(at)
    face, box = normalise_face_upload(data)
    preview = next(r for r in digit_rows(at) if r.captions == ["the crop used, outlined"])
    assert_same(arrays(preview)[0], face_preview(data, box, max_side=256), atol=0)
    original, reconstruction, _ = arrays(faces_row(at))
    assert_same(original, face, atol=0)
    assert_same(reconstruction, decoded(m, m.encode(face[None])[0]))
    assert faces_row(at).captions[0] == "original: your photo"
    at.slider(key="face_zoom").set_value(2.0).run()
    at.slider(key="face_dx").set_value(-1.0).run()
    zoomed, box2 = normalise_face_upload(data, zoom=2.0, dx=-1.0)
    assert box2 != box
    assert_same(arrays(faces_row(at))[0], zoomed, atol=0)
    release(at, slider("Eyeglasses"), 1.0)
    assert_same(arrays(faces_row(at))[2], decoded(m, edit(m, m.encode(zoomed[None])[0], {"Eyeglasses": 1.0})))
    assert at.query_params["start"] == "photo" and not {"seed", "face"} & set(at.query_params)  # no photo in a link
    # The photo stays for the session while the uploader is hidden, until removed.
    at.segmented_control(key="face_start").set_value("random").run()
    at.segmented_control(key="face_start").set_value("photo").run()
    assert_same(arrays(faces_row(at))[0], zoomed, atol=0)
    assert any(c.value == "Using `me.png`." for c in at.caption)
    assert at.file_uploader[0].value is None  # an empty drop zone for the next photo
    at.button(key="face_remove").click().run()
    assert_clean(at)
    assert any("Upload a photo of a face" in i.value for i in at.info)
    assert faces_row(at).captions[0] == "generated face (seed 0)"
    assert "photo is never part of a link" in open_page(PAGE, start="photo").warning[0].value


def tiny_png() -> bytes:
    return png_bytes(np.full((10, 10, 3), 128, np.uint8))


@pytest.mark.parametrize("name,data,mime", [
    ("notes.png", b"this is not a picture at all, only words", "image/png"),
    ("tiny.png", tiny_png(), "image/png"),
    ("paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "application/pdf"),
])
def test_a_bad_upload_gives_its_message_and_the_page_goes_on(faces_pretrained, tiny, name, data, mime):
    from core.data.uploads import UploadError, normalise_face_upload
    m, _ = tiny
    with pytest.raises(UploadError) as refused:
        normalise_face_upload(data)
    at = upload(open_page(PAGE), name, data, mime)
    assert not at.exception
    assert [e.value for e in at.error] == [f"`{name}` cannot be used: {refused.value}"]
    assert faces_row(at).captions[0] == "generated face (seed 0)"  # the editor goes on with a random face
    release(at, slider("Smiling"), 1.0)
    assert not at.exception
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, start_z(m, 0), {"Smiling": 1.0})))
    assert len(strip_row(at).captions) == 9 and len(sample_rows(at)) == 2 and at.dataframe


def test_each_photo_starts_centred_and_a_refused_upload_changes_nothing_else(faces_pretrained, tiny):
    from core.data.uploads import normalise_face_upload
    first, second = png_bytes(gradient(300, 200, 7)), png_bytes(gradient(200, 320, 3))
    at = upload(open_page(PAGE), "first.png", first)
    at.slider(key="face_zoom").set_value(2.0).run()
    at.slider(key="face_dy").set_value(-1.0).run()
    kept = arrays(faces_row(at))
    assert crop(at) == (2.0, 0.0, -1.0)
    upload(at, "tiny.png", tiny_png())
    assert not at.exception
    assert [e.value[:27] for e in at.error] == ["`tiny.png` cannot be used: "]
    assert crop(at) == (2.0, 0.0, -1.0)  # the photo in use and its crop stay as they were
    assert all(np.array_equal(a, b) for a, b in zip(arrays(faces_row(at)), kept))
    assert any(c.value == "Using `first.png`." for c in at.caption)
    assert at.file_uploader[0].value is None  # the refused file is not left in the uploader
    upload(at, "second.png", second)
    assert_clean(at)
    assert crop(at) == (1.0, 0.0, 0.0)  # its own centred crop
    assert_same(arrays(faces_row(at))[0], normalise_face_upload(second)[0], atol=0)


# ---------------------------------------------------------------- exports, table, notes

def test_downloads_hold_the_edited_face_and_the_strip(faces_pretrained, tiny, downloads):
    m, _ = tiny
    at = open_page(PAGE, edit="Smiling:1.5", seed="2")
    assert_clean(at)
    assert [b.proto.label for b in at.get("download_button")] == ["Edited face (PNG)", "Strip (PNG)"]
    made = downloads[f"face_edited_{MODEL}.png"]
    edited = Image.open(io.BytesIO(made))
    assert edited.format == "PNG" and edited.size == (256, 256)
    expected = decoded(m, edit(m, start_z(m, 2), {"Smiling": 1.5}))
    small = np.asarray(edited.convert("RGB").resize((64, 64), Image.Resampling.BOX), int)
    assert np.abs(small - np.asarray(to_uint8(expected), int)).mean() < 4  # the same face, scaled up smoothly
    made = downloads[f"face_strip_Smiling_{MODEL}.png"]
    strip = Image.open(io.BytesIO(made))
    assert strip.format == "PNG" and strip.size == (9 * 128 + 10 * 4, 128 + 8)
    last = np.asarray(strip.convert("RGB"), int)[4:132, 4 + 8 * 132:4 + 8 * 132 + 128]
    far = decoded(m, edit(m, start_z(m, 2), {"Smiling": 2}))
    assert np.abs(np.asarray(Image.fromarray(np.uint8(last)).resize((64, 64), Image.Resampling.BOX), int)
                  - np.asarray(to_uint8(far), int)).mean() < 4


def test_the_measured_table_and_method_come_from_the_card(faces_pretrained):
    card_path = faces_pretrained / MODEL / "card.json"
    card = json.loads(card_path.read_text())
    edits = card["metrics"]["attribute_edits"]
    edits["per_attribute"]["Mustache"] = {"strength": 2.0, "plain": {"success": 0.71, "kept": 0.83, "faces": 40},
                                          "held_fixed": {"success": 0.64, "kept": 0.91, "faces": 40}}
    edits["default_strengths"]["Mustache"] = 2.0
    del edits["per_attribute"]["Smiling"]["validation"]  # no vector's grid on val: no trade-off chart
    edits["method"] = "Vectors are mean differences; success counts faces read with the attribute."
    card_path.write_text(json.dumps(card))
    registry.write_manifest_entry(MODEL, faces_pretrained)
    at = open_page(PAGE)
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table["attribute"][:6]) == [n.replace("_", " ") for n in SHOWN]
    assert len(table) == 40
    row = table[table["attribute"] == "Mustache"].iloc[0]
    # shares as percentages, shown with one decimal in every row (Streamlit's "percent" drops trailing zeros)
    assert (row["method"], row["success"], row["kept"], row["faces"]) == (
        "mean-difference vector", pytest.approx(71.0), pytest.approx(83.0), 40)
    smiling = table[table["attribute"] == "Smiling"].iloc[0]  # its slider's method: the boundary, holding Male
    assert (smiling["method"], smiling["held fixed"]) == ("boundary, confounders held", "Male")
    assert np.allclose(smiling[["success", "kept"]].astype(float), [90, 88])
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["success"]["type_config"]["format"] == "%.1f%%"
    measured = next(e for e in at.expander if e.label == "How this was measured")
    assert measured.markdown[0].value == edits["method"]
    assert "held-out test faces the judge reads it after the edit on 71%" in live_sliders(at)[slider("Mustache")]["help"]
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("face_tradeoff")]  # no val grid, no chart


def test_the_tradeoff_chart_draws_the_cards_validation_figures(faces_pretrained):
    """Success against kept per strength on val, from the card; the default ringed, the goal's corner shaded."""
    card_path = faces_pretrained / MODEL / "card.json"
    card = json.loads(card_path.read_text())
    edits = card["metrics"]["attribute_edits"]  # grid 0.5, 1.0, 1.5, 2.0, 3.0; defaults at 1.5
    edits["goals"] = {"success_min": 0.9, "kept_min": 0.85, "attributes": ["Male"]}
    edits["per_attribute"]["Male"]["validation"] = {"success": [0.1, 0.5, 0.8, 0.95, 1.0],
                                                    "kept": [0.99, 0.95, 0.9, 0.8, 0.7], "faces": 30}
    edits["per_attribute"]["Mustache"]["validation"] = {"success": [0.0, 0.1, 0.2, 0.3, 0.4],
                                                        "kept": [1.0, 0.98, 0.96, 0.94, 0.92], "faces": 30}
    edits["per_attribute"]["Young"]["validation"] = {"success": [0.5], "kept": [0.9], "faces": 30}  # not the grid's
    card_path.write_text(json.dumps(card))
    registry.write_manifest_entry(MODEL, faces_pretrained)
    at = open_page(PAGE)
    assert_clean(at)
    fig = figure(at, "face_tradeoff")
    smiling, boundary, male, mustache, ringed = fig.data
    assert [d.name for d in fig.data] == ["Smiling", "Smiling (boundary)", "Male", "Mustache",
                                          "the slider's edit at 1"]
    assert (smiling.line.dash, boundary.line.dash) == ("solid", "dash")  # the plain vector, and the slider's method
    assert list(male.x) == pytest.approx([99, 95, 90, 80, 70]) and list(male.y) == pytest.approx([10, 50, 80, 95, 100])
    assert list(male.customdata) == [0.5, 1.0, 1.5, 2.0, 3.0]
    # ringed where each slider's 1 sits: Smiling's boundary at its 1.0, the vectors at their 1.5
    assert list(ringed.x) == pytest.approx([95, 90, 96]) and list(ringed.y) == pytest.approx([96, 80, 20])
    corner = fig.layout.shapes[0]
    assert (corner.x0, corner.x1, corner.y0) == (pytest.approx(85), 100, pytest.approx(90))
    assert fig.layout.xaxis.range[0] == pytest.approx(69)


def test_the_note_on_biases_cites_the_cards_figures(faces_pretrained):
    judge_path = faces_pretrained / JUDGE / "card.json"
    card = json.loads(judge_path.read_text())
    card["metrics"]["per_attribute"]["Smiling"]["balanced_accuracy"] = 0.934
    card["metrics"]["per_attribute"]["Smiling"]["positives"] = 480
    card["metrics"]["heldout_faces"] = 1000
    judge_path.write_text(json.dumps(card))
    registry.write_manifest_entry(JUDGE, faces_pretrained)
    model_path = faces_pretrained / MODEL / "card.json"
    model_card = json.loads(model_path.read_text())
    model_card["metrics"]["judge_agreement_per_attribute"] = {"Smiling": 0.87}
    model_path.write_text(json.dumps(model_card))
    registry.write_manifest_entry(MODEL, faces_pretrained)
    at = open_page(PAGE)
    assert_clean(at)
    note = "\n".join(m.value for m in at.markdown)
    assert "CelebA's labels" in note and "entangled" in note and "not equally good for everyone" in note
    assert "\"Attractive\"" in note and "\"Male\"" in note
    assert ("- **Smiling**: the judge reads it with 93% balanced accuracy; 48% of the test faces are labelled with "
            "it; a reconstruction keeps the judge's reading in 87% of test faces.") in note
    assert "- **Eyeglasses**: the judge reads it with 80% balanced accuracy" in note
    caption = at.caption[0].value
    assert "0.0200" in caption and "80%" in caption  # the model's own figures under the title


def test_the_note_on_biases_says_what_each_default_edit_carries_along(faces_pretrained):
    model_path = faces_pretrained / MODEL / "card.json"
    card = json.loads(model_path.read_text())
    edits = card["metrics"]["attribute_edits"]["per_attribute"]
    edits["Male"]["plain"]["changed"] = {"Smiling": 0.02, "Wearing_Hat": 0.0, "Eyeglasses": 0.31, "Young": 0.184,
                                         "Blond_Hair": 0.1}
    edits["Male"]["real_faces"] = {"differ": {"Smiling": 0.0, "Young": 0.45, "Eyeglasses": 0.2},
                                   "kept_if_typical": 0.78}
    edits["Smiling"]["plain"]["changed"] = {"Male": 0.0, "Young": 0.0}  # changes nothing: no sentence
    model_path.write_text(json.dumps(card))
    registry.write_manifest_entry(MODEL, faces_pretrained)
    at = open_page(PAGE)
    assert_clean(at)
    lines = "\n".join(m.value for m in at.markdown).splitlines()
    male = next(line for line in lines if line.startswith("- **Male**"))
    # the three largest, largest first, in percent of test faces; the data's ties in points, zeros left out
    assert male.endswith(". At its default strength (+1.50) the edit also changes the judge's reading of Eyeglasses "
                         "31%, Young 18%, Blond Hair 10% of test faces. In the test photos themselves, faces the "
                         "judge reads with it differ from those without in Young 45 points, Eyeglasses 20 points.")
    assert "what a default edit carries along follows what real photos with the attribute differ in" in "\n".join(lines)
    smiling = next(line for line in lines if line.startswith("- **Smiling**"))
    assert "default strength" not in smiling and "photos themselves" not in smiling


# ---------------------------------------------------------------- missing pieces

@pytest.mark.parametrize("damage", ["missing", "damaged"])
def test_without_a_working_judge_the_page_says_so_and_still_edits(faces_pretrained, tiny, damage):
    m, _ = tiny
    if damage == "missing":
        shutil.rmtree(faces_pretrained / JUDGE)
    else:
        (faces_pretrained / JUDGE / "classifier.keras").write_bytes(b"not a keras file")
    at = open_page(PAGE)
    assert not at.exception
    assert len(at.error) == 1 and "face judge **tiny-face-judge** cannot be loaded" in at.error[0].value
    assert ("missing" if damage == "missing" else "damaged") in at.error[0].value
    assert not [x for x in at.markdown if x.value.startswith("**The judge's reading**")]
    release(at, slider("Smiling"), 1.0)
    assert_same(arrays(faces_row(at))[1], decoded(m, edit(m, start_z(m, 0), {"Smiling": 1.0})))


def test_a_face_model_without_attribute_vectors_says_how_to_make_them(faces_pretrained):
    card_path = faces_pretrained / MODEL / "card.json"
    card = json.loads(card_path.read_text())
    del card["files"]["attributes"]
    card_path.write_text(json.dumps(card))
    registry.write_manifest_entry(MODEL, faces_pretrained)
    at = open_page(PAGE)
    assert not at.exception
    assert any("ships no attribute vectors" in i.value and "python -m core.evaluate" in i.value for i in at.info)
    assert not live_sliders(at) and not at.slider


def test_digit_models_are_not_offered_here_and_home_shows_the_face_card(faces_pretrained):
    at = open_page(PAGE, model="mnist-vae-2d")
    assert not at.exception
    assert at.selectbox(key="model_picker").options == ["Tiny face VAE"]
    home = open_page()
    assert_clean(home)
    block = next(b for b in home.main.children.values()
                 if hasattr(b, "subheader") and b.subheader and b.subheader[0].value == "Tiny face VAE")
    text = "\n".join(x.value for x in block.markdown)
    assert "100 faces to fit" in text and "digits" not in text
    assert [(x.label, x.value) for x in block.metric] == [("Reconstruction MSE", "0.0200"),
                                                          ("Judge agreement", "80.0%")]
    assert any("held-out test faces" in c.value for c in block.caption)
    links = {(link.proto.label, link.proto.query_string) for link in home.get("page_link")}
    card_links = {label for label, query in links if query == f"model={MODEL}"}
    assert card_links == {"Face editing", "Latent scatter", "Decoded grid"}  # both serve the face VAE


def test_a_picture_unlike_the_training_faces_is_warned_of_and_still_edited(faces_pretrained, tiny):
    """The card's val ranges (core/evaluators/faces.py's typical_faces) set around one picture: it passes quietly,
    another outside them gets a warning naming the range it leaves, and the page goes on editing it."""
    from core.data.uploads import normalise_face_upload
    from core.latent import standardised_distance
    m, _ = tiny
    usual, other = png_bytes(gradient(300, 200, 7)), png_bytes(np.full((90, 90, 3), 128, np.uint8))

    def figures(data):
        face = normalise_face_upload(data)[0]
        z = m.encode(face[None])[0]
        mse = float(((face / 255.0 - decoded(m, z)) ** 2).mean())
        return float(standardised_distance(z, *m.training_code_stats())[0]), mse

    distance, mse = figures(usual)
    card_path = faces_pretrained / MODEL / registry.CARD
    card = json.loads(card_path.read_text())
    card["metrics"]["typical_faces"] = {"split": "val", "faces": 10, "percentiles": [1, 99],
                                        "code_distance": [distance * 0.95, distance * 1.05],
                                        "reconstruction_mse": [mse * 0.8, mse * 1.25]}
    card_path.write_text(json.dumps(card))
    registry.write_manifest_entry(MODEL, faces_pretrained)
    at = upload(open_page(PAGE), "usual.png", usual)
    assert_clean(at)
    assert not [w for w in at.warning if "unlike the faces" in w.value]
    at = upload(at, "grey.png", other)
    other_distance, other_mse = figures(other)
    expected = ("nearer the average code" if other_distance < distance * 0.95 else
                "farther from the average code" if other_distance > distance * 1.05 else "redraws it")
    warning, = [w.value for w in at.warning if "unlike the faces" in w.value]
    assert expected in warning
    release(at, slider("Eyeglasses"), 1.0)
    assert_clean(at)
    assert_same(arrays(faces_row(at))[2], decoded(m, edit(m, m.encode(normalise_face_upload(other)[0][None])[0],
                                                            {"Eyeglasses": 1.0})))


def tied_scores(success, kept_independent, flips, men=None, women=None):
    return {"success": success, "kept": 0.8, "kept_independent": kept_independent, "faces": 50,
            "confounder_flips": flips, "changed": {},
            **({"success_by_male": {"men": men, "women": women, "men_faces": 20, "women_faces": 30}}
               if men is not None else {})}


def with_eyeglasses_goals(root, card: dict, entailed: dict):
    """The card given goals for Eyeglasses (90% / 90%), written, and the page opened: the page and the measured
    table's Eyeglasses row."""
    card["metrics"]["attribute_edits"]["goals_by_attribute"] = {
        "attributes": {"Eyeglasses": {"success_min": 0.9, "kept_min": 0.9}}, "confounder_margin": 0.05,
        "entailed": entailed}
    (root / MODEL / "card.json").write_text(json.dumps(card))
    registry.write_manifest_entry(MODEL, root)
    at = open_page(PAGE)
    assert_clean(at)
    table = at.dataframe[0].value
    return at, table[table["attribute"] == "Eyeglasses"].iloc[0]


def test_the_measured_tables_score_edits_as_tied_attributes_are_scored_and_compare_the_methods(faces_pretrained):
    """The card's tied-attribute figures (core.face_edits): success on men and women, kept over what the edit does
    not entail, confounder flips beside the judge's real-photo ceiling; the methods against each goal."""
    card_path = faces_pretrained / MODEL / "card.json"
    card = json.loads(card_path.read_text())
    edits = card["metrics"]["attribute_edits"]
    ceiling = {"Male": {"ceiling": 0.19}}
    edits["per_attribute"]["Eyeglasses"].update(
        plain=tied_scores(0.66, 0.87, {"Male": 0.28}, men=0.7, women=0.63), real_photo_ceilings=ceiling, goal_met=False,
        boundary={"strength": 3.0, "holds": ["Male"], "plain": tied_scores(0.95, 0.9, {"Male": 0.22}),
                  "real_photo_ceilings": ceiling, "goal_met": True},
        detied=None)
    at, row = with_eyeglasses_goals(faces_pretrained, card, {"Eyeglasses": [], "Smiling": ["High_Cheekbones"]})
    assert (row["success"], row["on men"], row["on women"], row["kept (independent)"]) == (
        pytest.approx(66.0), pytest.approx(70.0), pytest.approx(63.0), pytest.approx(87.0))
    assert row["confounders flipped"] == "Male 28% (photos 19%)"
    assert any("Smiling may change High Cheekbones" in c.value and "Eyeglasses may change nothing else" in c.value
               for c in at.caption)
    methods = at.dataframe[1].value
    assert list(methods["method"]) == ["mean-difference vector", "boundary, confounders held"]
    assert list(methods["met"]) == ["✗", "✓"] and list(methods["confounders flipped"]) == [
        "Male 28% (photos 19%)", "Male 22% (photos 19%)"]
    assert methods.iloc[1]["success"] == pytest.approx(95.0) and methods.iloc[1]["strength"] == 3.0
    assert any("at most 5 points more often" in c.value for c in at.caption)


def test_a_per_face_detied_edit_that_won_on_val_is_the_sliders_in_every_table_and_the_chart(faces_pretrained):
    """The fourth method (de-tied vector, each face to a boundary distance), chosen on its own finer grid."""
    card_path = faces_pretrained / MODEL / "card.json"
    card = json.loads(card_path.read_text())
    edits = card["metrics"]["attribute_edits"]  # the card's grid: 0.5, 1.0, 1.5, 2.0, 3.0
    ceiling = {"Male": {"ceiling": 0.15}}
    edits["per_attribute"]["Eyeglasses"].update(
        validation={"success": [.2, .5, .8, .95, 1], "kept": [.99, .95, .92, .85, .8]},
        plain=tied_scores(0.8, 0.85, {"Male": 0.28}), real_photo_ceilings=ceiling, goal_met=False,
        detied_boundary={"strength": 1.8, "holds": [], "plain": tied_scores(0.91, 0.92, {"Male": 0.16}, .9, .92),
                         "real_photo_ceilings": ceiling, "goal_met": True,
                         "validation": {"strengths": [1.0, 1.6, 1.8, 2.0], "success": [.6, .85, .91, .95],
                                        "kept": [.97, .93, .91, .88]}})
    at, row = with_eyeglasses_goals(faces_pretrained, card, {"Eyeglasses": []})
    assert (row["method"], row["held fixed"], row["success"]) == (
        "de-tied vector, per face to a boundary distance", "", pytest.approx(91.0))
    methods = at.dataframe[1].value
    assert list(methods["method"]) == ["mean-difference vector", "de-tied vector, per face to a boundary distance"]
    assert list(methods["slider"]) == ["", "✓"] and list(methods["strength"]) == [1.5, 1.8]
    assert "until it lies 1.8 spreads past a logistic boundary" in live_sliders(at)[slider("Eyeglasses")]["help"]
    fig = figure(at, "face_tradeoff")
    lines = {d.name: d for d in fig.data}
    per_face = lines["Eyeglasses (per-face de-tied)"]
    assert list(per_face.customdata) == [1.0, 1.6, 1.8, 2.0] and per_face.line.dash == "dash"  # its own grid
    assert list(lines["Eyeglasses"].customdata) == [0.5, 1.0, 1.5, 2.0, 3.0]
    ringed = lines["the slider's edit at 1"]
    assert (91, 91) in zip(np.round(ringed.x), np.round(ringed.y))  # its 1 at 1.8 on its own grid


def test_without_tied_figures_the_table_shows_the_first_columns_only(faces_pretrained):
    at = open_page(PAGE)
    assert_clean(at)
    assert list(at.dataframe[0].value.columns) == ["attribute", "method", "held fixed", "success", "kept", "faces"]
    assert len(at.dataframe) == 1  # no methods table before the card has the methods


def test_the_editor_opens_on_the_cards_opening_face(faces_pretrained, tiny):
    card_path = faces_pretrained / MODEL / "card.json"
    card = json.loads(card_path.read_text())
    card["metrics"]["opening_face"] = {"seed": 37, "certainty": 0.9, "code_distance": 1.0, "candidates": 200}
    card_path.write_text(json.dumps(card))
    registry.write_manifest_entry(MODEL, faces_pretrained)
    at = open_page(PAGE)
    assert_clean(at)
    assert at.number_input(key="face_seed").value == 37
    assert faces_row(at).captions[0] == "generated face (seed 37)"
    m, _ = tiny
    assert_same(arrays(faces_row(at))[0], decoded(m, start_z(m, 37)))
    assert open_page(PAGE, seed="5").number_input(key="face_seed").value == 5  # a link's seed still wins
