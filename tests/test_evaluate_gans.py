"""The GAN measurements (core/evaluators/gans.py) and core.evaluate's GAN branch, with scripted generators and
judges: no network is built or trained.

`sample_scores` on a generator whose 'images' are (index, truncation, label) rows and a judge reading them from a
table, so every share, mean and count below is worked out by hand; `evaluate_gan` with `sample_scores` recorded
(the sweep, the plain row, the goals at their inclusive edges); `_frechet_against_rivals` against rival cards
written into a temporary pretrained folder; `_evaluate`'s GAN branch (judge or none, the card and manifest it
writes). tests/test_gans.py runs the same code on tiny trained GANs (slow: outside the mutation selection).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from core import evaluate as ev
from core.evaluators import digits as ev_digits
from core.evaluators import gans as ev_gans
from core import registry

# ------------------------------------------------------------------ scripted generator and judge (the recorded
# Fréchet distance, `frechet`, is in conftest.py)


class ScriptedGAN:
    """A generator whose 'images' are (index, truncation, label) rows; it records every call to sample."""
    num_classes = 10

    def __init__(self, conditional=False):
        self.conditional, self.calls = conditional, []

    def sample(self, n, seed=None, labels=None, truncation=1.0):
        self.calls.append({"n": n, "seed": seed, "truncation": truncation,
                           "labels": None if labels is None else np.asarray(labels).copy()})
        lab = np.full(n, -1.0) if labels is None else np.asarray(labels, float)
        return np.column_stack([np.arange(n), np.full(n, truncation), lab])


class DigitJudge:
    """Reads image i (the row's first entry) as digits[i] with confidence[i]; 2-D 'features' (index, 10 x psi)."""
    confidence_threshold = 0.6

    def __init__(self, digits, confidence):
        self.digits, self.confidence = np.asarray(digits), np.asarray(confidence, float)
        self.featured = []

    def read(self, x):
        i = x[:, 0].astype(int)
        return self.digits[i], self.confidence[i]

    def features(self, x):
        self.featured.append(np.array(x))
        return np.asarray(x, float)[:, :2] * [1.0, 10.0]


# ------------------------------------------------------------------ sample_scores

DIGITS_20 = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 5, 5, 5, 5, 5, 6, 7, 7, 8, 8]  # no 4, no 9
SHARES_20 = [0.2, 0.15, 0.1, 0.05, 0.0, 0.25, 0.05, 0.1, 0.1, 0.0]    # counts 4 3 2 1 0 5 1 2 2 0 of 20
CONFIDENCE_20 = [0.6] * 5 + [0.59] * 5 + [0.9] * 10                      # five exactly at the threshold 0.6


def test_sample_scores_counts_what_the_judge_reads(frechet):
    model, judge = ScriptedGAN(), DigitJudge(DIGITS_20, CONFIDENCE_20)
    real = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]])
    got = ev_gans.sample_scores(model, judge, real, 0.75, 20)
    assert model.calls == [{"n": 20, "seed": 0, "truncation": 0.75, "labels": None}]  # seed 0, unconditional
    assert set(got) == {"truncation", "frechet_distance", "class_shares", "smallest_class_share",
                        "largest_class_share", "mean_confidence", "share_confident"}
    assert got["truncation"] == 0.75
    assert got["class_shares"] == SHARES_20 and all(type(v) is float for v in got["class_shares"])  # ten, 0-9
    assert got["smallest_class_share"] == 0.0 and got["largest_class_share"] == 0.25
    assert got["mean_confidence"] == pytest.approx((5 * 0.6 + 5 * 0.59 + 10 * 0.9) / 20, abs=1e-12)
    assert got["share_confident"] == 15 / 20  # at least the judge's threshold: the five at 0.6 count
    # the Frechet distance of the samples' features against the real ones given
    assert got["frechet_distance"] == 42.0 and len(frechet) == 1
    samples_features, real_features = frechet[0]
    np.testing.assert_array_equal(samples_features, np.column_stack([np.arange(20), np.full(20, 7.5)]))
    np.testing.assert_array_equal(real_features, real)
    assert all(type(got[k]) is float for k in got if k not in ("class_shares", "truncation"))


def test_sample_scores_of_a_conditional_gan_cycle_the_labels_and_score_them(frechet):
    model = ScriptedGAN(conditional=True)
    labels = np.arange(20) % 10
    digits = labels.copy()
    digits[[3, 12, 19]] = [4, 4, 0]         # three misread: 17 of 20 as asked; 4 read three times, 2 and 9 once
    confidence = np.linspace(0.3, 0.95, 20)
    got = ev_gans.sample_scores(model, DigitJudge(digits, confidence), np.zeros((3, 2)), 1.25, 20)
    assert len(model.calls) == 1 and model.calls[0]["seed"] == 0 and model.calls[0]["truncation"] == 1.25
    wanted = model.calls[0]["labels"]
    assert wanted.dtype.kind == "i"
    np.testing.assert_array_equal(wanted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert got["label_accuracy"] == 17 / 20 and type(got["label_accuracy"]) is float
    assert got["class_shares"] == [0.15, 0.1, 0.05, 0.05, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05]
    assert got["smallest_class_share"] == 0.05 and got["largest_class_share"] == 0.2
    assert got["mean_confidence"] == pytest.approx(confidence.mean(), abs=1e-12)
    assert got["share_confident"] == 11 / 20  # 0.3 + k * 0.65 / 19 reaches 0.6 from k = 9
    np.testing.assert_array_equal(frechet[0][0], np.column_stack([np.arange(20), np.full(20, 12.5)]))


def test_sample_scores_without_readings_of_the_top_digits_still_give_ten_shares(frechet):
    """A judge that reads only 0s and 1s: ten shares all the same (bincount's minlength), most of them 0."""
    got = ev_gans.sample_scores(ScriptedGAN(), DigitJudge([0, 1, 1, 1], [0.7] * 4), np.zeros((2, 2)), 1.0, 4)
    assert got["class_shares"] == [0.25, 0.75] + [0.0] * 8
    assert got["share_confident"] == 1.0 and got["mean_confidence"] == pytest.approx(0.7, abs=1e-12)


# ------------------------------------------------------------------ evaluate_gan with sample_scores recorded

X_TEST = np.arange(24, dtype=float).reshape(12, 2)


def scores_at(t: float, smallest=0.07, largest=0.12) -> dict:
    """A made-up sample_scores row, different at every truncation."""
    return {"truncation": t, "frechet_distance": 100.0 + t, "class_shares": [round(t / 10, 3)] * 10,
            "smallest_class_share": smallest if t == 1.0 else 0.0, "largest_class_share": largest if t == 1.0 else 1.0,
            "mean_confidence": 0.5 + t / 10, "share_confident": t / 2}


@pytest.fixture
def gan_world(tmp_path, monkeypatch):
    """A temporary pretrained folder for cards, a recorded load_dataset, load_model and sample_scores."""
    root = tmp_path / "pretrained"
    root.mkdir()
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(root))
    w = type("World", (), {})()
    w.root, w.loaded, w.models, w.swept = root, [], [], []
    w.model, w.judge = ScriptedGAN(), DigitJudge(DIGITS_20, CONFIDENCE_20)
    w.shares = {"smallest": 0.07, "largest": 0.12}

    def card(model_id, **fields):
        (root / model_id).mkdir(exist_ok=True)
        (root / model_id / registry.CARD).write_text(json.dumps({"id": model_id, **fields}))
    w.card = card

    def load_dataset(name, data):
        w.loaded.append((name, data))
        return (None, None), (X_TEST, np.arange(12) % 10)

    def load_model(model_id, heldout=True):
        w.models.append((model_id, heldout))
        return w.model

    def sample_scores(model, judge, real, truncation, n):
        w.swept.append((model, judge, np.array(real), truncation, n))
        return scores_at(truncation, w.shares["smallest"], w.shares["largest"])
    w.quality = []

    def sample_quality(samples, x_test, judges):
        w.quality.append((np.array(samples), np.array(x_test), dict(judges)))
        return {judge_id: {"frechet_distance": 50.0, "precision": 0.8, "recall": 0.9} for judge_id in judges}
    monkeypatch.setattr(ev_gans, "load_dataset", load_dataset)
    monkeypatch.setattr(registry, "load_model", load_model)
    monkeypatch.setattr(ev_gans, "sample_scores", sample_scores)
    monkeypatch.setattr(ev_gans, "sample_quality", sample_quality)
    return w


def quality(*judges: str) -> dict:
    """What gan_world's recorded sample_quality returns for these judges."""
    return {"sample_quality": {j: {"frechet_distance": 50.0, "precision": 0.8, "recall": 0.9} for j in judges}}


def test_gan_constants_are_the_documented_protocol():
    assert ev_gans.SAMPLE_FID == 5000
    assert ev_gans.TRUNCATIONS == (0.25, 0.5, 0.75, 1.0, 1.25)
    assert ev_gans.GAN_GOALS == {"class_share_min": 0.05, "class_share_max": 0.15,
                                 "dcgan_frechet_max_share_of_vae_2d": 0.5,
                                 "label_accuracy_min": 0.97, "label_accuracy_per_class_min": 0.93,
                                 "dcgan_precision_min": 0.75, "dcgan_recall_min": 0.85}
    assert (ev_gans.JUDGE, ev_gans.SECOND_JUDGE, ev_gans.PR_NEIGHBOURS) == ("mnist-judge", "mnist-judge-b", 3)
    assert ev_gans.GAN_METHOD.endswith("in mnist-judge-b's features too (another architecture, another seed): in "
                                       "each judge's, the Frechet distance and improved precision and recall (k = 3 "
                                       "nearest neighbours; Kynkaanniemi et al., 2019).")
    assert ev_gans.GAN_METHOD.startswith("5,000 samples (seed 0;")
    assert "psi = 0.25, 0.5, 0.75, 1.0, 1.25. A conditional" in ev_gans.GAN_METHOD


def test_evaluate_gan_sweeps_the_truncations_and_reports_the_plain_row(gan_world):
    w = gan_world
    w.card("my-gan", kind="generative", family="gan", dataset={"name": "mnist"})
    got = ev_gans.evaluate_gan("my-gan", "DATA", w.judge)
    assert w.loaded == [("mnist", "DATA")] and w.models == [("my-gan", False)]
    np.testing.assert_array_equal(w.judge.featured[0], X_TEST)  # the real features: the held-out digits'
    assert [s[3] for s in w.swept] == [0.25, 0.5, 0.75, 1.0, 1.25]
    for model, judge, real, _, n in w.swept:
        assert model is w.model and judge is w.judge and n == 5000
        np.testing.assert_array_equal(real, X_TEST * [1.0, 10.0])
    plain = scores_at(1.0)
    assert got == {"heldout_digits": 12, "frechet_distance_samples": 101.0, "frechet_distance_samples_n": 5000,
                   "class_shares": plain["class_shares"], "mean_confidence": 0.6, "share_confident": 0.5,
                   "truncation": [scores_at(t) for t in (0.25, 0.5, 0.75, 1.0, 1.25)],
                   "goals": ev_gans.GAN_GOALS, "goals_met": {"mode_coverage": True}, **quality("mnist-judge")}
    assert type(got["heldout_digits"]) is int
    # The plain samples (psi = 1, seed 0, no labels) against the held-out digits, in the one judge given.
    (samples, real, judges), = w.quality
    assert w.model.calls[-1] == {"n": 5000, "seed": 0, "truncation": 1.0, "labels": None}
    np.testing.assert_array_equal(samples, w.model.sample(5000, seed=0))
    np.testing.assert_array_equal(real, X_TEST)
    assert judges == {"mnist-judge": w.judge}


def test_evaluate_gan_measures_its_samples_in_the_second_judge_too(gan_world, monkeypatch):
    w = gan_world
    w.card("my-cgan", kind="generative", family="cgan", dataset={"name": "mnist"})
    w.model = ScriptedGAN(conditional=True)
    monkeypatch.setattr(ev_gans, "sample_label_accuracy", lambda model, judge: {
        "label_accuracy_prior_samples": 1.0, "label_accuracy_prior_samples_per_class": {"0": 1.0}})
    second = DigitJudge(DIGITS_20, CONFIDENCE_20)
    got = ev_gans.evaluate_gan("my-cgan", None, w.judge, second)
    assert got["sample_quality"] == quality("mnist-judge", "mnist-judge-b")["sample_quality"]
    (samples, _, judges), = w.quality
    assert judges == {"mnist-judge": w.judge, "mnist-judge-b": second}
    np.testing.assert_array_equal(w.model.calls[-1]["labels"], np.arange(5000) % 10)  # the labels in turn


@pytest.mark.parametrize("smallest,largest,covered", [
    (0.05, 0.15, True),      # both edges inclusive
    (0.0499, 0.15, False),
    (0.05, 0.1501, False),
    (0.04, 0.10, False),     # one side out is enough
    (0.06, 0.20, False),
])
def test_mode_coverage_goal_needs_every_digit_between_5_and_15_percent(gan_world, smallest, largest, covered):
    w = gan_world
    w.card("my-gan", kind="generative", family="gan", dataset={"name": "mnist"})
    w.shares.update(smallest=smallest, largest=largest)
    assert ev_gans.evaluate_gan("my-gan", None, w.judge)["goals_met"] == {"mode_coverage": covered}
    assert w.loaded == [("mnist", None)]


def test_evaluate_gan_needs_a_judge(gan_world):
    gan_world.card("my-gan", kind="generative", family="gan", dataset={"name": "mnist"})
    with pytest.raises(registry.PretrainedError) as e:
        ev_gans.evaluate_gan("my-gan", None, None)
    assert str(e.value) == ("my-gan is measured by mnist-judge only: train it first "
                            "(python -m core.train mnist-judge)")
    assert gan_world.swept == []


@pytest.mark.parametrize("overall,per_class,met", [
    (0.97, {"0": 0.93, "1": 1.0}, {"label_accuracy": True, "label_accuracy_per_class": True}),  # inclusive
    (0.9699, {"0": 1.0, "1": 0.9299}, {"label_accuracy": False, "label_accuracy_per_class": False}),
    (0.99, {"0": 0.99, "1": 0.92, "2": 1.0}, {"label_accuracy": True, "label_accuracy_per_class": False}),
])
def test_conditional_gan_goals_are_label_accuracy(gan_world, monkeypatch, overall, per_class, met):
    w = gan_world
    w.card("my-cgan", kind="generative", family="cgan", dataset={"name": "mnist"})
    w.model = ScriptedGAN(conditional=True)
    asked = []
    accuracy = {"label_accuracy_prior_samples": overall, "label_accuracy_prior_samples_per_class": per_class,
                "label_accuracy_prior_samples_n": 10000}

    def label_accuracy(model, judge, *rest, **options):
        asked.append((model, judge, rest, options))
        return dict(accuracy)
    monkeypatch.setattr(ev_gans, "sample_label_accuracy", label_accuracy)
    got = ev_gans.evaluate_gan("my-cgan", None, w.judge)
    assert asked == [(w.model, w.judge, (), {})]  # the default 1,000 samples a class
    plain = scores_at(1.0)
    assert got == {"heldout_digits": 12, "frechet_distance_samples": 101.0, "frechet_distance_samples_n": 5000,
                   "class_shares": plain["class_shares"], "mean_confidence": 0.6, "share_confident": 0.5,
                   "truncation": [scores_at(t) for t in ev_gans.TRUNCATIONS], "goals": ev_gans.GAN_GOALS,
                   **accuracy, "goals_met": met, **quality("mnist-judge")}


def test_dcgan_goals_add_the_rivals_from_their_cards(gan_world):
    w = gan_world
    w.card("my-dcgan", kind="generative", family="dcgan", dataset={"name": "mnist"})
    # measured alike (5,000 samples); the DCGAN's plain Frechet distance is 101.0
    w.card("mnist-vae-2d", kind="generative", metrics={"frechet_distance_samples": 202.0,
                                                        "frechet_distance_samples_n": 5000})
    w.card("mnist-gan", kind="generative", metrics={"frechet_distance_samples": 101.0,
                                                     "frechet_distance_samples_n": 5000})
    got = ev_gans.evaluate_gan("my-dcgan", None, w.judge)
    assert got["goals_met"] == {"mode_coverage": True, "frechet_at_most_half_of_vae_2d": True,
                                "frechet_below_vanilla_gan": False}


def test_only_the_dcgan_is_compared_with_rivals(gan_world):
    w = gan_world
    w.card("my-gan", kind="generative", family="gan", dataset={"name": "mnist"})
    w.card("mnist-vae-2d", kind="generative", metrics={"frechet_distance_samples": 900.0,
                                                        "frechet_distance_samples_n": 5000})
    assert ev_gans.evaluate_gan("my-gan", None, w.judge)["goals_met"] == {"mode_coverage": True}


# ------------------------------------------------------------------ _frechet_against_rivals


@pytest.mark.parametrize("frechet,vae,gan,want", [
    (50.0, (100.0, 5000), (50.0001, 5000), {"frechet_at_most_half_of_vae_2d": True, "frechet_below_vanilla_gan": True}),
    (50.5, (100.0, 5000), (50.5, 5000), {"frechet_at_most_half_of_vae_2d": False, "frechet_below_vanilla_gan": False}),
    (120.0, (300.0, 5000), (119.0, 5000), {"frechet_at_most_half_of_vae_2d": True, "frechet_below_vanilla_gan": False}),
    (50.0, None, (60.0, 5000), {"frechet_below_vanilla_gan": True}),                 # no 2-D VAE card: next rival
    (50.0, (100.0, 2000), (60.0, 5000), {"frechet_below_vanilla_gan": True}),        # measured on 2,000: no rival
    (50.0, (100.0, 5000), (60.0, 5001), {"frechet_at_most_half_of_vae_2d": True}),
    (50.0, (100.0, None), None, {}),                                                   # no sample count: no rival
    (50.0, None, None, {}),
], ids=["at-half-and-below", "just-above-half-and-equal", "below-half-above-gan", "no-vae", "vae-2000",
        "gan-5001", "vae-unknown-n", "no-cards"])
def test_dcgan_rivals_at_half_the_vae_and_strictly_below_the_vanilla_gan(tmp_path, monkeypatch, frechet, vae, gan,
                                                                        want):
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    for rival, figures in (("mnist-vae-2d", vae), ("mnist-gan", gan)):
        if figures is not None:
            metrics = {"frechet_distance_samples": figures[0]}
            if figures[1] is not None:
                metrics["frechet_distance_samples_n"] = figures[1]
            (tmp_path / rival).mkdir()
            (tmp_path / rival / registry.CARD).write_text(json.dumps({"id": rival, "metrics": metrics}))
    got = ev_gans._frechet_against_rivals(frechet)
    assert got == want
    assert all(type(v) is bool for v in got.values())


def test_dcgan_rival_share_is_the_stated_goal(tmp_path, monkeypatch):
    """The bound against the 2-D VAE is GAN_GOALS' share, not a second copy of it: changing the goal changes it."""
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    (tmp_path / "mnist-vae-2d").mkdir()
    (tmp_path / "mnist-vae-2d" / registry.CARD).write_text(json.dumps(
        {"id": "mnist-vae-2d", "metrics": {"frechet_distance_samples": 100.0, "frechet_distance_samples_n": 5000}}))
    assert ev_gans._frechet_against_rivals(60.0) == {"frechet_at_most_half_of_vae_2d": False}
    monkeypatch.setitem(ev_gans.GAN_GOALS, "dcgan_frechet_max_share_of_vae_2d", 0.6)
    assert ev_gans._frechet_against_rivals(60.0) == {"frechet_at_most_half_of_vae_2d": True}
    assert ev_gans._frechet_against_rivals(60.5) == {"frechet_at_most_half_of_vae_2d": False}


# ------------------------------------------------------------------ _evaluate: the GAN branch


@pytest.fixture
def dispatch(tmp_path, monkeypatch):
    """A pretrained folder with a card per family, every evaluation function recorded."""
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    calls = []

    def recorder(name):
        def run(*args):
            calls.append((name, *args))
            return {"measured_by": name, "figure": 1.5}
        return run
    for module, name in ((ev_gans, "evaluate_gan"), (ev_digits, "evaluate_generative"), (ev_digits, "evaluate_judge"),
                         (ev, "_evaluate_faces")):
        monkeypatch.setattr(module, name, recorder(name))
    judge = object()
    judges_asked = []

    def load_judge(*args):
        judges_asked.append(args)
        return judge
    monkeypatch.setattr(registry, "load_judge", load_judge)
    w = type("Dispatch", (), {})()
    w.root, w.calls, w.judge, w.judges_asked = tmp_path, calls, judge, judges_asked

    def card(model_id, **fields):
        (tmp_path / model_id).mkdir()
        body = {"id": model_id, "kind": "generative", **fields}
        (tmp_path / model_id / registry.CARD).write_text(json.dumps(body))
        registry.write_manifest_entry(model_id, tmp_path)
        return body
    w.card = card
    return w


LIKELIHOOD_METHOD = ("each held-out digit's grey levels are binarised once (pixel ~ Bernoulli(intensity), NumPy seed 0); "
                     "the decoder is a Bernoulli likelihood over the 784 binary pixels; the KL term is closed form; the "
                     "ELBO averages 16 posterior samples a digit; the IWAE bound uses 128. Samples (5,000 from the "
                     "prior, seed 0) are measured against the held-out digits in mnist-judge's features and in "
                     "mnist-judge-b's (another architecture, another seed): Frechet distance, and improved precision "
                     "and recall with k = 3 nearest neighbours (Kynkaanniemi et al., 2019).")


def assert_card_written(root, model_id, before, metrics, method):
    text = (root / model_id / registry.CARD).read_text()
    want = {**before, "metrics": metrics, "evaluation": {"command": f"python -m core.evaluate {model_id}",
                                                         "method": method}}
    assert text == json.dumps(want, indent=2) + "\n"
    manifest = json.loads((root / registry.MANIFEST).read_text())
    assert manifest["models"][model_id]["files"][registry.CARD] == registry.sha256(root / model_id / registry.CARD)


@pytest.mark.parametrize("family", ["gan", "dcgan", "cgan"])
def test_evaluate_sends_gans_to_evaluate_gan_with_the_judge(dispatch, family):
    before = dispatch.card("some-gan", family=family)  # no "dataset" in the card: not a face model
    got = ev.evaluate("some-gan", "DATA")
    assert got == {"measured_by": "evaluate_gan", "figure": 1.5}
    assert dispatch.calls == [("evaluate_gan", "some-gan", "DATA", dispatch.judge, dispatch.judge)]
    assert dispatch.judges_asked == [("mnist-judge",), ("mnist-judge-b",)]  # the judge, then the second opinion
    assert_card_written(dispatch.root, "some-gan", before, got, ev_gans.GAN_METHOD)


def test_evaluate_a_gan_without_a_judge_says_so_and_passes_none(dispatch, monkeypatch, capsys):
    before = dispatch.card("some-dcgan", family="dcgan", dataset={"name": "mnist"})

    def no_judge(judge_id):
        raise registry.PretrainedError(f"{judge_id} is missing")
    monkeypatch.setattr(registry, "load_judge", no_judge)
    got = ev.evaluate("some-dcgan")
    assert capsys.readouterr().out == ("(no mnist-judge metrics: mnist-judge is missing)\n"
                                       "(no mnist-judge-b metrics: mnist-judge-b is missing)\n")
    assert dispatch.calls == [("evaluate_gan", "some-dcgan", None, None, None)]
    assert_card_written(dispatch.root, "some-dcgan", before, got, ev_gans.GAN_METHOD)


@pytest.mark.parametrize("family", ["vae", "cvae", "ae"])
def test_evaluate_sends_other_digit_models_to_evaluate_generative(dispatch, family):
    before = dispatch.card("some-vae", family=family, dataset={"name": "mnist"})
    got = ev.evaluate("some-vae", "DATA")
    assert dispatch.calls == [("evaluate_generative", "some-vae", "DATA", dispatch.judge, dispatch.judge)]
    assert_card_written(dispatch.root, "some-vae", before, got, LIKELIHOOD_METHOD)


def test_evaluate_sends_judges_to_evaluate_judge(dispatch):
    before = dispatch.card("some-judge", kind="judge", dataset={"name": "mnist"})
    got = ev.evaluate("some-judge", "DATA")
    assert dispatch.calls == [("evaluate_judge", "some-judge", "DATA")] and dispatch.judges_asked == []
    assert_card_written(dispatch.root, "some-judge", before, got, LIKELIHOOD_METHOD)


def test_command_line_measures_judges_first_and_gans_last(tmp_path, monkeypatch):
    """GANs' goals compare with the VAEs' figures, so `all` measures them after every other model."""
    for model_id, fields in (("a-gan", {"family": "gan"}), ("b-vae", {"family": "vae"}),
                             ("c-cgan", {"family": "cgan"}), ("d-judge", {"kind": "judge"}),
                             ("e-dcgan", {"family": "dcgan"}), ("f-ae", {"family": "ae"})):
        (tmp_path / model_id).mkdir()
        card = {"id": model_id, "kind": "generative", **fields}
        (tmp_path / model_id / registry.CARD).write_text(json.dumps(card))
        registry.write_manifest_entry(model_id, tmp_path)
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    done = []
    monkeypatch.setattr(ev, "evaluate", lambda model_id, data: done.append(model_id) or {})
    ev.main(["all"])
    assert done == ["d-judge", "b-vae", "f-ae", "a-gan", "c-cgan", "e-dcgan"]


# ------------------------------------------------------------------ _under_both_judges

def judged(f1, p1, r1, f2, p2, r2) -> dict:
    return {"mnist-judge": {"frechet_distance": f1, "precision": p1, "recall": r1},
            "mnist-judge-b": {"frechet_distance": f2, "precision": p2, "recall": r2}}


@pytest.mark.parametrize("mine,want", [
    (judged(50, 0.75, 0.85, 60, 0.75, 0.85), {"precision_and_recall_both_judges": True,        # both edges inclusive
                                              "frechet_below_both_vaes_both_judges": True}),
    (judged(50, 0.7499, 0.9, 60, 0.8, 0.9), {"precision_and_recall_both_judges": False,
                                             "frechet_below_both_vaes_both_judges": True}),
    (judged(50, 0.8, 0.9, 60, 0.8, 0.8499), {"precision_and_recall_both_judges": False,       # one judge is enough
                                             "frechet_below_both_vaes_both_judges": True}),
    (judged(100, 0.8, 0.9, 60, 0.8, 0.9), {"precision_and_recall_both_judges": True,          # equal is not below
                                           "frechet_below_both_vaes_both_judges": False}),
    (judged(50, 0.8, 0.9, 151, 0.8, 0.9), {"precision_and_recall_both_judges": True,          # the 16-D VAE's, judge b
                                           "frechet_below_both_vaes_both_judges": False}),
])
def test_dcgan_goals_under_both_judges(tmp_path, monkeypatch, mine, want):
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    for model_id, quality_ in (("mnist-vae-2d", judged(100, 0.5, 0.2, 200, 0.5, 0.2)),
                               ("mnist-vae-16d", judged(150, 0.6, 0.8, 150, 0.6, 0.8))):
        (tmp_path / model_id).mkdir()
        (tmp_path / model_id / registry.CARD).write_text(json.dumps({"metrics": {"sample_quality": quality_}}))
    assert ev_gans._under_both_judges(mine) == want


def test_dcgan_goals_under_both_judges_need_both_judges_and_the_vaes_measured_alike(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    one = {"mnist-judge": {"frechet_distance": 1.0, "precision": 1.0, "recall": 1.0}}
    assert ev_gans._under_both_judges(one) == {}
    both = judged(1, 1, 1, 1, 1, 1)
    assert ev_gans._under_both_judges(both) == {"precision_and_recall_both_judges": True}  # no VAE cards
    for model_id in ("mnist-vae-2d", "mnist-vae-16d"):
        (tmp_path / model_id).mkdir()
        (tmp_path / model_id / registry.CARD).write_text(json.dumps({"metrics": {"sample_quality": one}}))
    assert ev_gans._under_both_judges(both) == {"precision_and_recall_both_judges": True}  # measured by one judge only
