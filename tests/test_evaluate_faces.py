"""The face measurements (core/evaluators/faces.py) and core.evaluate's face branch, with scripted models and
judges: no network is built, trained or loaded.

'Faces' here are integer ids (or 1 x 1 pixel images) that a scripted judge looks up in a table, so every
accuracy, agreement, share and draw below is worked out by hand or by plain NumPy: the face judge's card at its
thresholds and at 0.5, reconstruction scores with readings exactly at the thresholds, the face VAE's card, its
latents.npz and attributes.npz, attribute edits and the strength chosen for them, and the card `_evaluate_faces`
writes. tests/test_faces.py runs the same code on tiny trained networks (slow: outside the mutation selection).
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from core import evaluate as ev
from core.evaluators import digits as ev_digits
from core.evaluators import faces as ev_faces
from core.evaluators import gans as ev_gans
from core.latent import detied_vectors, linear_boundaries, trick_latents
from core import registry
from core.data.celeba import CelebA
from core.models import face_judge as fj


def faces(ids, attributes=None, names=()):
    """A CelebA split whose 'images' are the ids; `attributes` attribute-major (one row of 1 / -1 an attribute)."""
    ids = np.asarray(ids)
    rows = np.asarray(attributes if attributes is not None else np.ones((len(names), len(ids))), np.int8)
    return CelebA(attributes=rows.T.reshape(len(ids), len(names)), attribute_names=list(names),
                  partition=np.zeros(len(ids), np.int8), filenames=[f"{i:06d}.jpg" for i in ids], images=ids)


def serve_splits(monkeypatch, world, splits: dict) -> None:
    """_faces answered from world.splits by split name (a test may swap one), each call kept in world.split_calls."""
    world.splits, world.split_calls = splits, []
    monkeypatch.setattr(ev_faces, "_faces", lambda data, split: world.split_calls.append((data, split))
                        or world.splits[split])


def id_features(images) -> np.ndarray:
    """2-D 'features' of id images: (id, id squared)."""
    ids = np.asarray(images, float)
    return np.column_stack([ids, ids ** 2])


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    return tmp_path


def write_card(root, card: dict) -> dict:
    (root / card["id"]).mkdir(exist_ok=True)
    (root / card["id"] / registry.CARD).write_text(json.dumps(card))
    return card


def test_faces_are_the_split_loaded_at_64_pixels(monkeypatch):
    from core.data import celeba
    asked = []
    monkeypatch.setattr(celeba, "load_celeba", lambda *a, **k: asked.append((a, k)) or "the split")
    assert ev_faces._faces("DATA", "val") == "the split"
    assert asked == [(("DATA",), {"size": 64, "split": "val"})]


# ------------------------------------------------------------------ evaluate_face_judge

NAMES4 = ["A", "B", "C", "D"]
THRESHOLDS4 = [0.3, 0.6, 0.45, 0.5]  # chosen on val (recorded stand-in for choose_thresholds)
VAL_IDS, TEST_IDS, TRAIN_IDS = np.arange(4), np.arange(10, 16), np.arange(100, 2200)
VAL_TRUTH = [[1, 1, -1, -1], [1, -1, -1, -1], [1, 1, 1, 1], [1, -1, 1, -1]]
VAL_PROBS = [[0.3, 0.2, 0.1, 0.4],     # A at 0.3: reads faces 0 and 3: balanced (1/2 + 1/2) / 2 = 0.5
             [0.6, 0.1, 0.2, 0.3],     # B at 0.6: face 0 exactly at it: balanced 1.0
             [0.9, 0.9, 0.9, 0.9],     # C: every val face has it: no balanced accuracy (NaN), never best
             [0.7, 0.1, 0.6, 0.55]]    # D at 0.5: reads 0, 2, 3: balanced (1 + 1/2) / 2 = 0.75
TEST_TRUTH = [[1, 1, 1, -1, -1, -1], [1, -1, -1, -1, -1, -1], [1, 1, -1, -1, -1, -1], [1, -1, -1, -1, -1, -1]]
TEST_PROBS = [[0.3, 0.5, 0.35, 0.2, 0.45, 0.05],
              [0.6, 0.7, 0.1, 0.2, 0.5, 0.3],
              [0.45, 0.2, 0.5, 0.1, 0.3, 0.05],
              [0.5, 0.1, 0.1, 0.1, 0.1, 0.1]]
# Worked by hand. At the thresholds: A reads faces 0 1 2 4 (hits 3/3, 2/3 of the rest clear): accuracy 5/6,
# balanced 5/6; B reads 0 1: 5/6, (1 + 4/5) / 2 = 0.9; C reads 0 2: 4/6, (1/2 + 3/4) / 2 = 0.625; D reads 0: 1, 1.
# At 0.5: A reads 1: 4/6, (1/3 + 1) / 2; B reads 0 1 4: 4/6, (1 + 3/5) / 2 = 0.8; C reads 2: 3/6, (0 + 3/4) / 2; D: 1, 1.
AT_THRESHOLD = {"A": (5 / 6, 5 / 6), "B": (5 / 6, 0.9), "C": (4 / 6, 0.625), "D": (1.0, 1.0)}
AT_HALF = {"A": (4 / 6, 2 / 3), "B": (4 / 6, 0.8), "C": (3 / 6, 0.375), "D": (1.0, 1.0)}
POSITIVES = {"A": 3, "B": 1, "C": 2, "D": 1}


@pytest.fixture
def face_judge_world(root, monkeypatch, frechet):
    write_card(root, {"id": "face-judge", "kind": "judge", "dataset": {"name": "celeba"},
                      "files": {"classifier": "judge.keras"}})
    table = {**{i: p for i, p in zip(VAL_IDS, np.array(VAL_PROBS).T)},
             **{i: p for i, p in zip(TEST_IDS, np.array(TEST_PROBS).T)}}
    w = type("World", (), {})()
    w.frechet, w.loaded, w.made, w.chosen = frechet, [], [], []
    serve_splits(monkeypatch, w, {"val": faces(VAL_IDS, VAL_TRUTH, NAMES4), "test": faces(TEST_IDS, TEST_TRUTH, NAMES4),
                                  "train": faces(TRAIN_IDS, np.ones((4, len(TRAIN_IDS))), NAMES4)})

    class TableJudge:
        def __init__(self, classifier, card):
            w.made.append((classifier, card))

        def probabilities(self, images):
            return np.array([table[i] for i in images])

        def features(self, images):
            return id_features(images)

    def load_keras(model_id, filename):
        w.loaded.append((model_id, filename))
        return "the classifier"

    def choose_thresholds(probs, truth):
        w.chosen.append((np.array(probs), np.array(truth)))
        return np.array(THRESHOLDS4)
    monkeypatch.setattr(registry, "load_keras", load_keras)
    monkeypatch.setattr(fj, "FaceJudge", TableJudge)
    monkeypatch.setattr(fj, "choose_thresholds", choose_thresholds)
    return w


def test_face_judge_card_figures_at_the_val_thresholds_and_at_one_half(face_judge_world):
    w = face_judge_world
    got = ev_faces.evaluate_face_judge("face-judge", "DATA")
    assert w.loaded == [("face-judge", "judge.keras")] and w.made == [("the classifier", {})]
    assert w.split_calls == [("DATA", "val"), ("DATA", "test"), ("DATA", "train")]
    # thresholds are chosen on val probabilities against val labels (1 / -1 -> bool)
    (probs, truth), = w.chosen
    np.testing.assert_array_equal(probs, np.array(VAL_PROBS).T)
    np.testing.assert_array_equal(truth, np.array(VAL_TRUTH).T == 1)

    assert got["heldout_faces"] == 6 and type(got["heldout_faces"]) is int
    assert got["thresholds"] == dict(zip(NAMES4, THRESHOLDS4))
    assert list(got["per_attribute"]) == NAMES4
    for n, t in zip(NAMES4, THRESHOLDS4):
        assert got["per_attribute"][n] == pytest.approx(
            {"accuracy": AT_THRESHOLD[n][0], "balanced_accuracy": AT_THRESHOLD[n][1], "accuracy_at_0.5": AT_HALF[n][0],
             "balanced_accuracy_at_0.5": AT_HALF[n][1], "positives": POSITIVES[n], "threshold": t}, abs=1e-12), n
    assert got["mean_accuracy"] == pytest.approx((5 / 6 + 5 / 6 + 4 / 6 + 1) / 4, abs=1e-12)
    assert got["mean_balanced_accuracy"] == pytest.approx((5 / 6 + 0.9 + 0.625 + 1) / 4, abs=1e-12)
    assert got["mean_accuracy_at_0.5"] == pytest.approx((4 / 6 + 4 / 6 + 3 / 6 + 1) / 4, abs=1e-12)
    assert got["mean_balanced_accuracy_at_0.5"] == pytest.approx((2 / 3 + 0.8 + 0.375 + 1) / 4, abs=1e-12)
    # best read on val, best first (C has no balanced accuracy there); their test balanced accuracy
    assert got["best_judged"] == ["B", "D", "A"]
    assert got["best_judged_mean_balanced_accuracy"] == pytest.approx((0.9 + 1.0 + 5 / 6) / 3, abs=1e-12)
    val = got["validation_balanced_accuracy"]
    assert list(val) == NAMES4 and np.isnan(val["C"])
    assert {n: val[n] for n in "ABD"} == {"A": 0.5, "B": 1.0, "D": 0.75}
    assert got["note"] == (
        "Accuracy flatters rare attributes (always reading 'no Eyeglasses' is right for most faces); balanced "
        "accuracy, the mean of the hit rates on faces with and without the attribute, does not. The Frechet "
        "distance between 2,000 real training faces and the test faces is the floor a perfect generator would "
        "reach at this sample size.")
    assert set(got) == {"heldout_faces", "mean_accuracy", "mean_balanced_accuracy", "mean_accuracy_at_0.5",
                        "mean_balanced_accuracy_at_0.5", "best_judged", "best_judged_mean_balanced_accuracy",
                        "thresholds", "validation_balanced_accuracy", "per_attribute",
                        "frechet_distance_real_train_vs_heldout", "note"}


def test_face_judge_frechet_floor_is_a_seeded_draw_of_2000_training_faces(face_judge_world):
    w = face_judge_world
    got = ev_faces.evaluate_face_judge("face-judge", None)
    assert got["frechet_distance_real_train_vs_heldout"] == 42.0
    (train_features, test_features), = w.frechet
    pick = np.random.default_rng(0).choice(2100, size=2000, replace=False)  # in the drawn order
    np.testing.assert_array_equal(train_features, id_features(TRAIN_IDS[pick]))
    np.testing.assert_array_equal(test_features, id_features(TEST_IDS))
    assert w.split_calls == [(None, "val"), (None, "test"), (None, "train")]


def test_face_judge_frechet_floor_uses_every_training_face_when_fewer(face_judge_world):
    w = face_judge_world
    w.splits["train"] = faces(np.arange(100, 130), np.ones((4, 30)), NAMES4)
    got = ev_faces.evaluate_face_judge("face-judge", None)
    pick = np.random.default_rng(0).choice(30, size=30, replace=False)
    np.testing.assert_array_equal(w.frechet[0][0], id_features(np.arange(100, 130)[pick]))
    assert "The Frechet distance between 30 real training faces and the test faces" in got["note"]


# ------------------------------------------------------------------ face_reconstruction_scores

# Four 1 x 1 faces; the judge's probability of attribute a is channel a of the pixel, so readings are worked
# out from the levels. Thresholds are exact float32 levels 102, 153 and 51 (of 255).
PIXELS = np.array([[102, 200, 10], [50, 153, 60], [150, 100, 51], [101, 154, 255]], np.uint8)
LEVEL = np.array([102, 153, 51], np.float32) / np.float32(255)
RECON = np.array([[0.5, 0.1, 0.3], [0.41, 0.7, 0.1], [0.45, 0.65, 0.25], [0.39, LEVEL[1], 0.1]], np.float32)
# At the thresholds, faces read  A: T F T F  B: T T F T  C: F T T T
#          reconstructions read  A: T T T F  B: F T T T  C: T F T F   -> agreement A 3/4, B 2/4, C 1/4
# At 0.5,            faces read  A: F F T F  B: T T F T  C: F F F T
#          reconstructions read  A: T F F F  B: F T T T  C: F F F F   -> agreement A 2/4, B 2/4, C 3/4


class PixelJudge:
    attribute_names = ["A", "B", "C"]
    thresholds = LEVEL.astype(np.float64)

    def __init__(self):
        self.seen = []

    def probabilities(self, x):
        self.seen.append(np.array(x))
        return np.asarray(x).reshape(len(x), -1).astype(np.float64)


class RecordingAutoencoder:
    def __init__(self, recon):
        self.recon, self.encoded = recon, []

    def encode(self, images):
        self.encoded.append(np.array(images))
        return np.arange(len(images)) + 7

    def decode(self, codes):
        np.testing.assert_array_equal(codes, np.arange(len(codes)) + 7)
        return self.recon[np.asarray(codes) - 7].reshape(len(codes), 1, 1, 3)


def test_reconstruction_scores_agreement_over_the_best_read_attributes():
    model, judge = RecordingAutoencoder(RECON), PixelJudge()
    images = PIXELS.reshape(4, 1, 1, 3)
    got = ev_faces.face_reconstruction_scores(model, judge, images, ["C", "A"])
    np.testing.assert_array_equal(model.encoded[0], images)  # the uint8 faces are encoded
    x = PIXELS.astype(np.float64) / 255
    assert set(got) == {"reconstruction_mse", "judge_agreement", "judge_agreement_at_0.5",
                        "judge_agreement_per_attribute", "recon"}
    assert got["reconstruction_mse"] == pytest.approx(((RECON.astype(np.float64) - x) ** 2).mean(), rel=1e-6)
    assert got["judge_agreement_per_attribute"] == {"A": 0.75, "B": 0.5, "C": 0.25}
    assert got["judge_agreement"] == 0.5            # C and A: (1/4 + 3/4) / 2
    assert got["judge_agreement_at_0.5"] == 0.625   # C and A at 0.5: (3/4 + 2/4) / 2
    assert all(type(got[k]) is float for k in ("reconstruction_mse", "judge_agreement", "judge_agreement_at_0.5"))
    np.testing.assert_array_equal(got["recon"], RECON.reshape(4, 1, 1, 3))
    # the judge read the faces as model input (levels in [0, 1]), then the reconstructions
    np.testing.assert_allclose(judge.seen[0].reshape(4, 3), x, rtol=1e-6)
    np.testing.assert_array_equal(judge.seen[1], RECON.reshape(4, 1, 1, 3))


def test_reconstruction_scores_read_a_face_at_exactly_one_half_as_present():
    """Float faces in [0, 1] are read as they are, so a probability of exactly 0.5 can be met on either side."""
    images = np.array([[0.5, 0.9, 0.1], [0.2, 0.5, 0.7]], np.float32).reshape(2, 1, 1, 3)
    recon = np.array([[0.6, 0.9, 0.1], [0.2, 0.6, 0.7]], np.float32)
    got = ev_faces.face_reconstruction_scores(RecordingAutoencoder(recon), PixelJudge(), images, ["A", "B"])
    assert got["judge_agreement_at_0.5"] == 1.0  # 0.5 and 0.6 both read as present
    assert got["reconstruction_mse"] == pytest.approx((0.1 ** 2 * 2) / 6, rel=1e-5)


def test_reconstruction_scores_without_best_attributes_are_nan_and_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no mean of an empty selection
        got = ev_faces.face_reconstruction_scores(RecordingAutoencoder(RECON), PixelJudge(), PIXELS.reshape(4, 1, 1, 3),
                                                  [])
    assert np.isnan(got["judge_agreement"]) and np.isnan(got["judge_agreement_at_0.5"])
    assert got["judge_agreement_per_attribute"] == {"A": 0.75, "B": 0.5, "C": 0.25}


# ------------------------------------------------------------------ evaluate_face_vae

TRAIN_NAMES = ["P", "All", "One", "None", "AllButOne"]
TRAIN_ATTRIBUTES = [[1, -1, 1, -1, 1, -1], [1] * 6, [-1, -1, -1, 1, -1, -1], [-1] * 6, [1, 1, 1, 1, -1, 1]]
TRAIN_CODES = np.array([[1, 0, 2], [3, -1, 0], [0, 2, 1], [-2, 1, 4], [5, 0, -1], [1, 1, 0]], np.float32)
TEST_MEAN = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]], np.float32)
TEST_LOG_VAR = np.array([[0.0, np.log(2)], [-1.0, 0.5], [0.3, 0.0]], np.float32)


class CodeModel:
    """A face VAE stand-in: the training faces' codes from a table, the test faces' posterior, recorded samples."""

    def __init__(self):
        self.sampled, self.decoded = [], []

    def encode(self, images):
        np.testing.assert_array_equal(images, np.arange(100, 106))  # only the training faces are encoded here
        return TRAIN_CODES.copy()

    def encode_distribution(self, images):
        np.testing.assert_array_equal(images, [10, 11, 12])
        return TEST_MEAN, TEST_LOG_VAR

    def sample(self, n, seed=None):
        self.sampled.append((n, seed))
        return np.arange(5000, 5000 + n)

    def decode(self, z):  # the sampling trick's draws: the faces 9000 ...
        self.decoded.append(np.array(z))
        return np.arange(9000, 9000 + len(z))


class FeatureJudge:
    card = {"metrics": {"best_judged": ["P", "One"]}}

    def features(self, images):
        return id_features(images)


@pytest.fixture
def face_vae_world(root, monkeypatch, frechet):
    w = type("World", (), {})()
    w.root, w.frechet, w.model, w.judge = root, frechet, CodeModel(), FeatureJudge()
    w.models, w.judges, w.scored, w.edited, w.opening = [], [], [], [], []
    serve_splits(monkeypatch, w, {"test": faces([10, 11, 12], names=TRAIN_NAMES),
                                  "val": faces([20, 21, 22, 23], names=TRAIN_NAMES),
                                  "train": faces(np.arange(100, 106), TRAIN_ATTRIBUTES, TRAIN_NAMES)})
    w.card = write_card(root, {"id": "face-vae", "kind": "generative", "dataset": {"name": "celeba"},
                               "files": {"encoder": "e.keras", "decoder": "d.keras", "latents": "codes.npz"},
                               "training": {"perceptual_judge": {"id": "my-judge", "blocks": 3}}})
    w.scores = {"test": {"reconstruction_mse": 0.0075, "judge_agreement": 0.9, "judge_agreement_at_0.5": 0.61,
                         "judge_agreement_per_attribute": {"P": 0.95, "One": 0.85}, "recon": np.array([70, 71, 72])},
                "val": {"reconstruction_mse": 0.02, "judge_agreement": 0.7, "judge_agreement_at_0.5": 0.65,
                        "judge_agreement_per_attribute": {"P": 0.5, "One": 0.9}, "recon": np.array([80, 81])}}

    def load_model(model_id, heldout=True):
        w.models.append((model_id, heldout))
        return w.model

    def load_face_judge(*args):
        w.judges.append(args)
        return w.judge

    def reconstruction_scores(model, judge, images, best):
        w.scored.append((model, judge, np.array(images), best))
        return w.scores["test" if images[0] < 20 else "val"]

    def attribute_edits(*args):
        w.edited.append(args)
        return {"edits": "scored"}

    def typical_faces(*args):
        w.typical = args
        return {"ranges": "of val faces", "median_code_distance": 0.9}
    monkeypatch.setattr(registry, "load_model", load_model)
    monkeypatch.setattr(ev_faces, "typical_faces", typical_faces)
    monkeypatch.setattr(ev_faces, "opening_face", lambda *args: w.opening.append(args) or {"seed": 7})
    # fine detail of a stand-in picture: its first id (reconstructions 70..., test faces 10...)
    monkeypatch.setattr(ev_faces, "laplacian_energy", lambda images: float(np.asarray(images).ravel()[0]))
    monkeypatch.setattr(registry, "load_face_judge", load_face_judge)
    monkeypatch.setattr(ev_faces, "face_reconstruction_scores", reconstruction_scores)
    monkeypatch.setattr(ev_faces, "evaluate_attribute_edits", attribute_edits)
    return w


def test_face_vae_card_figures(face_vae_world):
    w = face_vae_world
    got = ev_faces.evaluate_face_vae("face-vae", w.card, "DATA")
    assert w.models == [("face-vae", False)] and w.judges == [("celeba-judge",)]
    assert w.split_calls == [("DATA", "test"), ("DATA", "val"), ("DATA", "train")]
    assert [(m, j, list(i), b) for m, j, i, b in w.scored] == [(w.model, w.judge, [10, 11, 12], ["P", "One"]),
                                                               (w.model, w.judge, [20, 21, 22, 23], ["P", "One"])]
    # KL(q || N(0, I)) in closed form, summed over dimensions, averaged over the test faces
    var = np.exp(TEST_LOG_VAR.astype(np.float64))
    kl = 0.5 * (TEST_MEAN.astype(np.float64) ** 2 + var - 1 - np.log(var)).sum(axis=1)
    assert got.pop("kl_nats") == pytest.approx(kl.mean(), rel=1e-6)
    assert got == {
        "heldout_faces": 3, "judge": "celeba-judge", "reconstruction_mse": 0.0075, "judge_agreement": 0.9, "judge_agreement_at_0.5": 0.61,
        "judge_agreement_attributes": ["P", "One"], "judge_agreement_per_attribute": {"P": 0.95, "One": 0.85},
        "frechet_distance_reconstructions": 42.0, "frechet_distance_samples": 43.0,
        "frechet_distance_samples_trick": 44.0, "laplacian_energy_ratio": 7.0,  # 70 / 10
        "validation": {"faces": 4, "reconstruction_mse": 0.02, "judge_agreement": 0.7, "judge_agreement_at_0.5": 0.65},
        "goals": {"reconstruction_mse_max": 0.0075, "judge_agreement_min": 0.90},
        "goals_met": {"reconstruction_mse": True, "judge_agreement": True},  # both goals inclusive
        "sharp_goals": ev_faces.SHARP_GOALS,
        "sharp_goals_met": {"frechet_reconstructions": False, "laplacian_ratio": True, "frechet_samples_trick": False,
                            "frechet_samples": False},
        "attribute_edits": {"edits": "scored"},
        "typical_faces": {"ranges": "of val faces", "median_code_distance": 0.9}, "opening_face": {"seed": 7}}
    # The typical ranges come from the val faces and their reconstructions, against the training codes' statistics
    model, val_faces, val_recon, code_mean, code_std = w.typical
    assert model is w.model and list(val_faces) == [20, 21, 22, 23] and list(val_recon) == [80, 81]
    np.testing.assert_allclose(code_mean, TRAIN_CODES.mean(0))
    np.testing.assert_allclose(code_std, TRAIN_CODES.std(0))
    # Frechet distances against the test faces' features: reconstructions, then 2,000 samples drawn with seed 0
    # from N(0, I) and 2,000 with the sampling trick
    assert w.model.sampled == [(2000, 0)]
    trick, = w.model.decoded  # 2,000 draws from N(mean, std^2) of the training codes, seed 0
    np.testing.assert_allclose(trick, trick_latents(TRAIN_CODES.mean(0), TRAIN_CODES.std(0), 2000, seed=0), rtol=1e-6)
    # the opening face: chosen from the judge's best-read attributes, near the val faces' median code distance
    (model, judge, best, code_mean, code_std, median), = w.opening
    assert model is w.model and judge is w.judge and best == ["P", "One"] and median == 0.9
    (recon_features, real_1), (sample_features, real_2), (trick_features, real_3) = w.frechet
    np.testing.assert_array_equal(trick_features, id_features(np.arange(9000, 11000)))
    np.testing.assert_array_equal(real_3, id_features([10, 11, 12]))
    np.testing.assert_array_equal(recon_features, id_features([70, 71, 72]))
    np.testing.assert_array_equal(sample_features, id_features(np.arange(5000, 7000)))
    np.testing.assert_array_equal(real_1, id_features([10, 11, 12]))
    np.testing.assert_array_equal(real_2, id_features([10, 11, 12]))


@pytest.mark.parametrize("mse,agreement", [(0.00751, 0.8999), (0.0076, 0.5)])
def test_face_vae_goals_missed(face_vae_world, mse, agreement):
    w = face_vae_world
    w.scores["test"].update(reconstruction_mse=mse, judge_agreement=agreement)
    got = ev_faces.evaluate_face_vae("face-vae", w.card, None)
    assert got["goals_met"] == {"reconstruction_mse": False, "judge_agreement": False}
    assert got["validation"]["reconstruction_mse"] == 0.02


@pytest.mark.parametrize("training", [
    {"perceptual_judge": {"id": "my-judge"}}, {"perceptual_judge": {"id": "celeba-perceptual"}},
    {"perceptual_judge": None}, {},
])
def test_face_vae_is_measured_by_celeba_judge_never_by_its_perceptual_network(face_vae_world, training):
    w = face_vae_world
    w.card["training"] = training
    got = ev_faces.evaluate_face_vae("face-vae", w.card, None)
    assert w.judges == [("celeba-judge",)] and got["judge"] == "celeba-judge"


def sign_fixed_axes(codes):
    """Principal axes of codes by an eigendecomposition of their population covariance; each axis's largest entry
    made positive; and the standard deviation along each (independent of core.latent's SVD)."""
    centred = codes - codes.mean(0)
    values, vectors = np.linalg.eigh(centred.T @ centred / len(codes))
    order = np.argsort(values)[::-1]
    axes = vectors[:, order].T
    axes *= np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(1)])[:, None]
    return axes, np.sqrt(np.clip(values[order], 0, None))


def test_face_vae_ships_aggregate_code_statistics_and_attribute_vectors(face_vae_world):
    w = face_vae_world
    ev_faces.evaluate_face_vae("face-vae", w.card, None)
    codes = TRAIN_CODES.astype(np.float64)
    with np.load(w.root / "face-vae" / "codes.npz") as saved:  # the card's latents file
        assert set(saved.files) == {"train_mean", "train_std", "train_components", "train_component_std",
                                    "train_faces"}
        assert saved["train_mean"].dtype == saved["train_std"].dtype == np.float32
        np.testing.assert_allclose(saved["train_mean"], codes.mean(0), rtol=1e-6)
        np.testing.assert_allclose(saved["train_std"], np.sqrt(((codes - codes.mean(0)) ** 2).mean(0)), rtol=1e-6)
        assert saved["train_faces"] == 6 and saved["train_faces"].dtype == np.int64
        axes, stds = sign_fixed_axes(codes)   # 3-D codes: 3 of the 8 axes asked for
        np.testing.assert_allclose(saved["train_components"], axes, atol=1e-5)
        np.testing.assert_allclose(saved["train_component_std"], stds, rtol=1e-5)
    # attribute vectors for the attributes some training faces have and some lack: the lone one and the all-but-one
    assert w.card["files"]["attributes"] == "attributes.npz"
    with np.load(w.root / "face-vae" / "attributes.npz") as saved:
        assert set(saved.files) == {"names", "vectors", "detied", "normals", "offsets", "spread"}
        assert saved["names"].tolist() == ["P", "One", "AllButOne"]
        has = np.array(TRAIN_ATTRIBUTES)[[0, 2, 4]] == 1
        want = [codes[h].mean(0) - codes[~h].mean(0) for h in has]
        np.testing.assert_allclose(saved["vectors"], want, rtol=1e-6)
        vectors = saved["vectors"]
        # and their linear boundaries (core.latent.linear_boundaries, tested there), fitted on the same codes
        bounds = linear_boundaries(codes, has.T)
        for key in ("normals", "offsets", "spread"):
            np.testing.assert_allclose(saved[key], bounds[key], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(saved["detied"], detied_vectors(codes, has.T), rtol=1e-4, atol=1e-5)
    # the same vectors and boundaries, by name, are what the edits are scored with, on val and test
    (model, judge, named, best, val, test, boundaries, detied_named), = w.edited
    assert model is w.model and judge is w.judge and best == ["P", "One"]
    assert val is w.splits["val"] and test is w.splits["test"]
    assert list(named) == ["P", "One", "AllButOne"]
    np.testing.assert_array_equal(np.array(list(named.values())), vectors)
    assert list(boundaries) == list(detied_named) == ["P", "One", "AllButOne"]
    np.testing.assert_allclose(np.array([b[0] for b in boundaries.values()]), bounds["normals"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.array(list(detied_named.values())), detied_vectors(codes, has.T), rtol=1e-4,
                               atol=1e-5)


# ------------------------------------------------------------------ _evaluate_faces and _evaluate's CelebA branch


@pytest.fixture
def face_cards(root, monkeypatch):
    calls = []

    def judge_figures(*args):
        calls.append(("evaluate_face_judge", *args))
        return {"mean_accuracy": 0.9}

    def vae_figures(model_id, card, data):
        calls.append(("evaluate_face_vae", model_id, data))
        card["files"]["attributes"] = "attributes.npz"  # as the real one does, before the card is written
        return {"reconstruction_mse": 0.007}
    monkeypatch.setattr(ev_faces, "evaluate_face_judge", judge_figures)
    monkeypatch.setattr(ev_faces, "evaluate_face_vae", vae_figures)
    for module, name in ((ev_digits, "evaluate_judge"), (ev_digits, "evaluate_generative"), (ev_gans, "evaluate_gan")):
        monkeypatch.setattr(module, name, lambda *a: pytest.fail("a face model measured as a digit model"))
    judge = write_card(root, {"id": "celeba-judge", "kind": "judge", "dataset": {"name": "celeba"},
                              "files": {"classifier": "c.keras"}})
    vae = write_card(root, {"id": "celeba-vae", "kind": "generative", "dataset": {"name": "celeba"},
                            "files": {"encoder": "e.keras"}})
    for model_id in ("celeba-judge", "celeba-vae"):
        registry.write_manifest_entry(model_id, root)
    return calls, judge, vae


def assert_face_card(root, model_id, want_card):
    text = (root / model_id / registry.CARD).read_text()
    assert text == json.dumps(want_card, indent=2) + "\n"
    manifest = json.loads((root / registry.MANIFEST).read_text())
    assert manifest["models"][model_id]["files"][registry.CARD] == registry.sha256(root / model_id / registry.CARD)


@pytest.mark.parametrize("through", ["evaluate", "_evaluate_faces"])
def test_face_vae_card_is_written_with_its_figures_and_method(root, face_cards, through):
    calls, _, vae = face_cards
    if through == "evaluate":
        got = ev.evaluate("celeba-vae", "DATA")
    else:
        got = ev._evaluate_faces("celeba-vae", json.loads(json.dumps(vae)), "DATA")
    assert got == {"reconstruction_mse": 0.007}
    assert calls == [("evaluate_face_vae", "celeba-vae", "DATA")]
    want = {**vae, "files": {"encoder": "e.keras", "attributes": "attributes.npz"}, "metrics": got,
            "evaluation": {"command": "python -m core.evaluate celeba-vae", "method": ev_faces.FACE_METHOD}}
    assert_face_card(root, "celeba-vae", want)


def test_face_judge_card_is_written_with_its_figures_and_method(root, face_cards):
    calls, judge, _ = face_cards
    got = ev.evaluate("celeba-judge", "DATA")
    assert got == {"mean_accuracy": 0.9}
    assert calls == [("evaluate_face_judge", "celeba-judge", "DATA")]
    assert_face_card(root, "celeba-judge", {**judge, "metrics": got, "evaluation": {
        "command": "python -m core.evaluate celeba-judge", "method": ev_faces.FACE_METHOD}})


def test_evaluate_sends_celeba_models_to_the_face_code_with_their_card(root, monkeypatch):
    seen = []
    monkeypatch.setattr(ev, "_evaluate_faces", lambda *args: seen.append(args) or {"faces": True})
    monkeypatch.setattr(registry, "load_judge", lambda *a: pytest.fail("the digit judge is not for faces"))
    card = write_card(root, {"id": "celeba-vae", "kind": "generative", "family": "vae",
                             "dataset": {"name": "celeba"}})
    assert ev.evaluate("celeba-vae", "DATA") == {"faces": True}
    assert seen == [("celeba-vae", card, "DATA")]
    assert json.loads((root / "celeba-vae" / registry.CARD).read_text()) == card  # written by the face code only


def test_face_method_states_the_protocol():
    for words in ("official CelebA test partition only", "chosen on the val partition", "grid 0.01 to 0.99",
                  "samples are 2,000 draws from N(0, I), seed 0", "first 8 principal axes"):
        assert words in ev_faces.FACE_METHOD
    assert ev_faces.FACE_COMPONENTS == 8


def test_typical_faces_are_the_1st_to_99th_percentiles_of_val_faces():
    class Codes:
        def encode(self, faces):
            return np.stack([np.full(2, k, np.float32) for k in range(len(faces))])  # distance k from mean 0, std 1
    faces = np.zeros((101, 4, 4, 3), np.uint8)
    recon = np.zeros((101, 4, 4, 3), np.float32) + np.arange(101).reshape(-1, 1, 1, 1) / 100.0
    got = ev_faces.typical_faces(Codes(), faces, recon, np.zeros(2), np.ones(2))
    assert got["split"] == "val" and got["faces"] == 101 and got["percentiles"] == [1, 99]
    np.testing.assert_allclose(got["code_distance"], [1.0, 99.0])
    assert got["median_code_distance"] == 50.0
    np.testing.assert_allclose(got["reconstruction_mse"], [0.01 ** 2, 0.99 ** 2])

