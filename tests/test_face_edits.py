"""core.face_edits: how an attribute edit is scored (success, kept over all and over the attributes it does not
entail, success on men and women, confounder flips against the judge's real-photo ceiling), how its default
strength is chosen on val, and the whole evaluation (Male also removed), on codes and judges worked by hand."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from core import face_edits as fe
from core.data.celeba import CelebA
from test_evaluate_faces import faces


class ThresholdJudge:
    """Reads A when a code's first coordinate is above 1, B when its second is above 0, C when the first is below 0."""
    attribute_names = ["A", "B", "C"]

    def read(self, images):
        x = np.asarray(images)
        return np.stack([x[:, 0] > 1.0, x[:, 1] > 0.0, x[:, 0] < 0.0], axis=1)


class IdentityModel:
    def encode(self, faces):
        return np.asarray(faces, np.float32)

    def decode(self, z):
        return np.asarray(z)


CODES = np.array([[0.5, -1.0], [0.0, -0.2], [-1.0, -0.5], [0.9, 0.5]])  # read: C on face 2, B on face 3
TILTED = {"A": np.array([1.0, 0.5]), "B": np.array([0.0, 1.0]), "C": np.array([-1.0, 0.0])}
TILT = fe.vector_edit(TILTED)


def scores(success, kept, faces_, changed, independent=None, flips=None):
    return {"success": success, "kept": kept, "kept_independent": kept if independent is None else independent,
            "faces": faces_, "changed": changed, "confounder_flips": flips or {}}


# ------------------------------------------------------------------ edit_scores


def test_edit_scores_success_on_the_attribute_and_kept_on_the_other_judged_ones():
    judge = ThresholdJudge()
    base = judge.read(CODES)
    got = fe.edit_scores(IdentityModel(), judge, CODES, base, TILT, "A", 1.0, ["A", "B", "C"])
    # + (1, 0.5): (1.5, -0.5) (1.0, 0.3) (0, 0) (1.9, 1.0): A on faces 0 and 3; B turns on for face 1 and C off
    # for face 2: 6 of the 8 other readings kept
    assert got == scores(0.5, 0.75, 4, {"B": 0.25, "C": 0.25})
    assert all(type(got[k]) is float for k in ("success", "kept")) and type(got["faces"]) is int
    # only the judged attributes other than the edited one count for kept
    assert fe.edit_scores(IdentityModel(), judge, CODES, base, TILT, "A", 1.0, ["B", "A"])["kept"] == 0.75
    assert fe.edit_scores(IdentityModel(), judge, CODES, base, TILT, "A", 1.0, ["C"])["changed"] == {"C": 0.25}
    assert fe.edit_scores(IdentityModel(), judge, CODES, base, TILT, "A", 2.0, ["B"])["kept"] == 0.5
    # held fixed: the edit made orthogonal to B's vector and stretched back to A's length, (1.118, 0): A on faces
    # 0, 1 and 3; B stays on every face, C still goes off on face 2
    held = fe.edit_scores(IdentityModel(), judge, CODES, base, TILT, "A", 1.0, ["A", "B", "C"], ["B"])
    assert held == scores(0.75, 0.875, 4, {"B": 0.0, "C": 0.25})


def test_kept_independent_leaves_out_what_the_edit_entails_and_flips_count_each_confounder():
    judge = ThresholdJudge()
    base = judge.read(CODES)
    got = fe.edit_scores(IdentityModel(), judge, CODES, base, TILT, "A", 1.0, ["A", "B", "C"], entailed=["B"],
                         confounders=["B", "C"])
    # B turned on for face 1 (entailed: not counted), C off for face 2: 3 of the 4 C readings kept
    assert got == scores(0.5, 0.75, 4, {"B": 0.25, "C": 0.25}, independent=0.75, flips={"B": 0.25, "C": 0.25})
    got = fe.edit_scores(IdentityModel(), judge, CODES, base, TILT, "A", 1.0, ["A", "B", "C"],
                         entailed=["B", "C"])
    assert np.isnan(got["kept_independent"])  # everything else entailed: nothing left to keep


def test_a_negative_strength_removes_and_success_is_read_without_it():
    judge = ThresholdJudge()
    codes = np.array([[1.5, 0.0], [3.0, 0.0], [1.2, 0.0]])  # A on every face
    got = fe.edit_scores(IdentityModel(), judge, codes, judge.read(codes), TILT, "A", -1.0, ["A", "B"])
    # - (1, 0.5): (0.5, -0.5) (2, -0.5) (0.2, -0.5): A gone from faces 0 and 2; B stays off
    assert got["success"] == pytest.approx(2 / 3) and got["kept"] == 1.0


class MaleJudge:
    """Male when the first coordinate is above 0, Smiling when the second is above 0."""
    attribute_names = ["Male", "Smiling"]

    def read(self, images):
        x = np.asarray(images)
        return np.stack([x[:, 0] > 0.0, x[:, 1] > 0.0], axis=1)


def test_success_is_split_by_the_faces_male_reading():
    codes = np.array([[1.0, -0.5], [2.0, -2.0], [-1.0, -0.5], [-1.0, -0.2], [-3.0, -3.0]])  # 2 men, 3 women
    vectors = {"Smiling": np.array([0.0, 1.0])}
    judge = MaleJudge()
    got = fe.edit_scores(IdentityModel(), judge, codes, judge.read(codes), fe.vector_edit(vectors), "Smiling", 1.0,
                         ["Male", "Smiling"], confounders=["Male"])
    # + (0, 1): smiling on faces 0, 2, 3: men 1 of 2, women 2 of 3; no Male reading changes
    assert got["success_by_male"] == {"men": 0.5, "women": pytest.approx(2 / 3), "men_faces": 2, "women_faces": 3}
    assert got["confounder_flips"] == {"Male": 0.0}
    women = codes[2:]
    only = fe.edit_scores(IdentityModel(), judge, women, judge.read(women), fe.vector_edit(vectors), "Smiling", 1.0, ["Smiling"])
    assert only["success_by_male"]["men"] is None and only["success_by_male"]["men_faces"] == 0


def test_edit_scores_kept_is_nan_without_other_judged_attributes_and_quiet():
    judge = ThresholdJudge()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = fe.edit_scores(IdentityModel(), judge, CODES, judge.read(CODES), TILT, "C", 1.0, ["C"])
    # - (1, 0): (-0.5, -1) (-1, -0.2) (-2, -0.5) (-0.1, 0.5): C on every face
    assert got["success"] == 1.0 and np.isnan(got["kept"]) and got["faces"] == 4 and got["changed"] == {}


# ------------------------------------------------------------------ the judge's real-photo ceiling


def test_real_photo_ceiling_is_the_excess_misreading_within_each_true_class_weighted_by_the_edited_faces():
    names = ["Eyeglasses", "Male"]
    # truth (Eyeglasses, Male) and the judge's Male reading, photo by photo
    truth = np.array([[1, 0], [1, 0], [1, 0], [1, 0],    # women with glasses: 2 of 4 read as men
                      [0, 0], [0, 0], [0, 0], [0, 0],    # women without: 0 of 4
                      [1, 1], [1, 1],                    # men with glasses: 0 of 2 read as women
                      [0, 1], [0, 1]], bool)             # men without: 1 of 2 read as women
    male_read = np.array([1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1], bool)
    read = np.column_stack([truth[:, 0], male_read])
    edited = np.array([[0, 0], [0, 0], [0, 0], [0, 1]], bool)  # the faces edited: read as 3 women and 1 man
    got = fe.real_photo_ceiling(read, truth, names, "Eyeglasses", "Male", edited)
    assert got["by_true_class"]["without"] == {"photos_with_attribute": 4, "photos_without": 4, "misread_with": 0.5,
                                               "misread_without": 0.0, "excess": 0.5}
    assert got["by_true_class"]["with"]["excess"] == -0.5  # glasses make real men read as men more often
    assert got["edited_read_with"] == 0.25
    assert got["ceiling"] == pytest.approx(0.75 * 0.5 + 0.25 * 0.0)  # a negative excess counts as none
    lone = fe.real_photo_ceiling(read[:4], truth[:4], names, "Eyeglasses", "Male", edited)
    assert lone["by_true_class"]["without"]["excess"] == 0.0 and lone["ceiling"] == 0.0  # no photos to compare


# ------------------------------------------------------------------ attribute_ties, _readings, faces_to_edit


def test_attribute_ties():
    read = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]], bool)
    names = ["A", "B", "C", "D"]
    got = fe.attribute_ties(read, names, "A", ["D", "A", "B", "C"])
    # with A: faces 0, 1 (B 1/2, C 0, D 1); without: faces 2-4 (B 1/3, C 2/3, D 1/3); only judged ones, in order
    assert got == {"faces_with": 2, "faces_without": 3,
                   "differ": pytest.approx({"D": 2 / 3, "B": 1 / 6, "C": 2 / 3}),
                   "kept_if_typical": pytest.approx(1 - (2 / 3 + 1 / 6 + 2 / 3) / 3)}
    assert list(got["differ"]) == ["D", "B", "C"] and type(got["faces_with"]) is int
    assert fe.attribute_ties(read, names, "B", ["C"])["differ"] == {"C": pytest.approx(2 / 3)}  # 0 of 2, 2 of 3
    assert np.isnan(fe.attribute_ties(read, names, "A", ["A"])["kept_if_typical"])
    assert fe.attribute_ties(read[:2], names, "A", names) is None       # every face read with it
    assert fe.attribute_ties(read[2:], names, "A", names) is None       # none


def test_readings_are_the_codes_and_the_judges_reading_of_their_reconstructions():
    class Shifted:
        def encode(self, faces):
            return np.asarray(faces, float) * 2

        def decode(self, codes):
            return codes + 0.5
    codes, read = fe._readings(Shifted(), ThresholdJudge(), np.array([[0.0, 0.0], [1.0, -1.0], [-2.0, 0.1]]))
    np.testing.assert_array_equal(codes, [[0.0, 0.0], [2.0, -2.0], [-4.0, 0.2]])
    np.testing.assert_array_equal(read, [[False, True, False], [True, False, False], [False, True, True]])


def test_faces_to_edit_are_a_seeded_draw_of_the_faces_read_without_the_attribute_or_with_it_in_face_order():
    codes = np.arange(40.0).reshape(20, 2)
    read = np.zeros((20, 3), bool)
    read[::3, 1] = True                     # faces 0, 3, ..., 18 read with attribute 1
    without = np.array([i for i in range(20) if i % 3])
    got_codes, got_read = fe.faces_to_edit(codes, read, 1, 5)
    pick = np.sort(np.random.default_rng(0).permutation(without)[:5])
    assert not np.array_equal(pick, np.sort(np.random.default_rng(1).permutation(without)[:5]))
    np.testing.assert_array_equal(got_codes, codes[pick])
    np.testing.assert_array_equal(got_read, read[pick])
    other = np.sort(np.random.default_rng(7).permutation(without)[:5])
    np.testing.assert_array_equal(fe.faces_to_edit(codes, read, 1, 5, seed=7)[0], codes[other])
    # a limit above the count: every face without it, in order
    np.testing.assert_array_equal(fe.faces_to_edit(codes, read, 1, 100)[0], codes[without])
    assert len(fe.faces_to_edit(codes, read, 0, 100)[0]) == 20 and len(fe.faces_to_edit(codes, ~read, 0, 100)[0]) == 0
    # for a removal: the faces read with it
    np.testing.assert_array_equal(fe.faces_to_edit(codes, read, 1, 100, adding=False)[0], codes[::3])


# ------------------------------------------------------------------ choose_strength


def grid(*pairs):
    return [{"success": s, "kept": k} for s, k in pairs]


@pytest.mark.parametrize("scores_,index", [
    (grid((0.5, 0.99), (0.91, 0.9), (0.97, 0.86)), 1),                # the smallest strength meeting both goals
    (grid((0.9, 0.9), (0.95, 0.9)), 0),                               # success 90% inclusive
    (grid((0.99, 0.85), (0.95, 0.9)), 0),                             # kept 85% inclusive
    (grid((0.95, 0.84), (0.9, 0.85), (0.92, 0.8)), 1),                # kept rules out the others
    (grid((0.5, 0.99), (0.8, 0.9), (0.89, 0.86), (0.95, 0.7)), 2),    # none reaches: most successful with kept
    (grid((0.99, 0.5), (0.7, 0.9)), 1),
    (grid((0.6, 0.9), (0.8, 0.9), (0.8, 0.95), (0.7, 0.9)), 1),       # a tie: the smaller strength
    (grid((0.5, 0.8), (0.9, 0.7)), 0),                                # nothing keeps enough: the gentlest
])
def test_choose_strength(scores_, index):
    assert fe.choose_strength(scores_, fe.EDIT_GOALS) == index


def test_choose_strength_follows_the_goals_and_the_kept_figure_given():
    scores_ = grid((0.4, 0.9), (0.6, 0.6), (0.99, 0.99))
    assert fe.choose_strength(scores_, fe.EDIT_GOALS) == 2
    assert fe.choose_strength(scores_, {"success_min": 0.5, "kept_min": 0.5}) == 1
    independent = [{**s, "kept_independent": k} for s, k in zip(scores_, (0.9, 0.95, 0.2))]
    assert fe.choose_strength(independent, {"success_min": 0.5, "kept_min": 0.9}, "kept_independent") == 1


def test_edit_constants_are_the_documented_protocol():
    assert fe.EDIT_STRENGTHS == (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.5, 4.0)
    assert fe.FINE_STRENGTHS == (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.6, 1.7, 1.75, 1.8, 1.9, 2.0, 2.25, 2.5, 2.75,
                                 3.0, 3.5, 4.0)
    assert fe.OTHER_METHODS == {"boundary": fe.CONFOUNDERS, "detied": {}, "detied_boundary": {}}
    assert fe.EDIT_GOALS == {"success_min": 0.90, "kept_min": 0.85,
                             "attributes": ["Smiling", "Eyeglasses", "Male", "Blond_Hair"]}
    assert fe.ATTRIBUTE_GOALS == {"Smiling": {"success_min": 0.95, "kept_min": 0.94},
                                  "Eyeglasses": {"success_min": 0.90, "kept_min": 0.90},
                                  "Male": {"success_min": 0.90, "kept_min": 0.90},
                                  "Blond_Hair": {"success_min": 0.85, "kept_min": 0.90}}
    assert fe.CONFOUNDERS == {"Smiling": ["Male"], "Eyeglasses": ["Male", "Young"], "Blond_Hair": ["Male"],
                              "Male": []} and fe.CONFOUNDER_MARGIN == 0.05
    assert fe.ENTAILED["Smiling"] == ["Mouth_Slightly_Open", "High_Cheekbones"] and fe.ENTAILED["Eyeglasses"] == []
    assert set(fe.ENTAILED["Blond_Hair"]) == {"Black_Hair", "Brown_Hair", "Gray_Hair"} and len(fe.ENTAILED["Male"]) == 10
    assert (fe.EDIT_FACES_VAL, fe.EDIT_FACES_TEST) == (600, 600)
    assert "smallest of 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.5, 4.0 reaching" in \
        fe.EDIT_METHOD and "up to 600 val" in fe.EDIT_METHOD and "Smiling -> Mouth_Slightly_Open" in fe.EDIT_METHOD


# ------------------------------------------------------------------ evaluate_attribute_edits, end to end


class SmileJudge:
    """Male when x > 0, Smiling when y > 0, Young when x < -2 (codes are the faces themselves)."""
    attribute_names = ["Male", "Smiling", "Young"]

    def read(self, x):
        x = np.asarray(x)
        return np.stack([x[:, 0] > 0.0, x[:, 1] > 0.0, x[:, 0] < -2.0], axis=1)


def split(points, labels):
    base = faces(np.arange(len(points)), names=SmileJudge.attribute_names)
    return CelebA(**{**base.__dict__, "images": np.array(points, np.float32),
                     "attributes": np.where(np.array(labels, bool), 1, -1)})


def test_attribute_edits_end_to_end_choose_on_val_score_on_test_and_remove_male():
    val = split([[1, -0.3], [-1, -0.6], [1, 0.5], [-1, 0.2], [2, -1.2]],
                [[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0]])
    test = split([[1, -0.1], [-1, -0.4], [-0.5, 0.5], [0.5, -2.0]],
                 [[1, 0, 0], [0, 0, 0], [0, 1, 0], [1, 0, 0]])
    vectors = {"Smiling": np.array([0.0, 1.0]), "Male": np.array([1.0, 0.0]), "Young": np.array([-1.0, 0.0])}
    got = fe.evaluate_attribute_edits(IdentityModel(), SmileJudge(), vectors, ["Male", "Smiling", "Young"], val,
                                      test)
    # Smiling on val faces 0, 1, 4 (y -0.3, -0.6, -1.2): success 0, 1/3, 2/3, 2/3, 1 at 0.25, 0.5, ... 1.25
    # (y + s > 0), kept (independent: Male, Young) 1 throughout -> 1.25, the first to reach 95%
    smiling = got["per_attribute"]["Smiling"]
    assert got["default_strengths"]["Smiling"] == 1.25 and smiling["strength"] == 1.25
    assert smiling["validation"]["success"][:5] == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3, 1.0])
    # on test faces 0, 1, 3 (y -0.1, -0.4, -2.0): smiling on 0 and 1; men 0 and 3 (1 of 2), woman 1 (1 of 1)
    assert smiling["plain"]["success"] == pytest.approx(2 / 3)
    assert smiling["plain"]["success_by_male"] == {"men": 0.5, "women": 1.0, "men_faces": 2, "women_faces": 1}
    assert smiling["plain"]["confounder_flips"] == {"Male": 0.0}
    assert smiling["real_photo_ceilings"]["Male"]["ceiling"] == 0.0  # the judge reads every real photo right
    assert smiling["goal_met"] is False  # 67% against 95%
    # Male added (faces read as women) and removed (faces read as men), each chosen on val
    male = got["per_attribute"]["Male"]
    assert male["strength"] > 0 and male["removal"]["strength"] < 0
    assert male["plain"]["success"] == 1.0 and male["removal"]["plain"]["success"] == 1.0
    assert "success_by_male" not in male["plain"]
    assert got["goals_by_attribute_met"] == {"Smiling": False, "Male": True}
    assert got["goals_by_attribute"]["attributes"] is fe.ATTRIBUTE_GOALS
    assert got["goals_met"] == {"Smiling": False, "Male": True}  # the first goals, at the new defaults


def test_an_attribute_the_judge_reads_on_every_face_is_left_unscored():
    everyone = split([[1, 0.5], [-1, 0.2]], [[1, 1, 0], [0, 1, 0]])  # both read smiling
    got = fe.evaluate_attribute_edits(IdentityModel(), SmileJudge(), {"Smiling": np.array([0.0, 1.0])},
                                      ["Male", "Smiling"], everyone, everyone)
    assert got["per_attribute"] == {} and got["default_strengths"] == {} and got["goals_by_attribute_met"] == {}


def test_the_boundary_method_moves_each_face_to_its_target_holding_the_confounders():
    val = split([[1, -0.3], [-1, -0.6], [1, 0.5], [-1, 0.2], [2, -1.2]],
                [[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0]])
    test = split([[1, -0.1], [-1, -0.4], [-0.5, 0.5], [0.5, -2.0]], [[1, 0, 0], [0, 0, 0], [0, 1, 0], [1, 0, 0]])
    vectors = {"Smiling": np.array([0.0, 1.0]), "Male": np.array([1.0, 0.0]), "Young": np.array([-1.0, 0.0])}
    boundaries = {"Smiling": (np.array([0.0, 1.0]), 0.0, 1.0), "Male": (np.array([1.0, 0.0]), 0.0, 1.0),
                  "Young": (np.array([-1.0, 0.0]), -2.0, 1.0)}
    got = fe.evaluate_attribute_edits(IdentityModel(), SmileJudge(), vectors, ["Male", "Smiling", "Young"], val,
                                      test, boundaries)
    smiling = got["per_attribute"]["Smiling"]["boundary"]
    # every face moved to y = 0.25, the first target: all smile, x (Male, Young) untouched
    assert smiling["strength"] == 0.25 and smiling["holds"] == ["Male"] and "held_fixed" not in smiling
    assert smiling["plain"]["success"] == 1.0 and smiling["plain"]["kept_independent"] == 1.0
    assert smiling["plain"]["confounder_flips"] == {"Male": 0.0}
    male = got["per_attribute"]["Male"]["boundary"]
    assert male["strength"] == 0.25 and male["removal"]["strength"] == -0.25
    assert got["boundary_goals_met"] == {"Smiling": True, "Male": True}
    assert got["goals_by_attribute_met"]["Smiling"] is False  # the vector method, as before
    assert got["per_attribute"]["Young"]["boundary"] is None  # held for others, but no attribute with goals
    assert "detied_goals_met" not in got and got["per_attribute"]["Smiling"]["detied"] is None


def test_detied_vectors_are_scored_as_a_third_method_without_holds():
    val = split([[1, -0.3], [-1, -0.6], [1, 0.5], [-1, 0.2], [2, -1.2]],
                [[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0]])
    test = split([[1, -0.1], [-1, -0.4], [-0.5, 0.5], [0.5, -2.0]], [[1, 0, 0], [0, 0, 0], [0, 1, 0], [1, 0, 0]])
    vectors = {"Smiling": np.array([0.5, 1.0]), "Male": np.array([1.0, 0.0])}  # Smiling's drags Male along
    got = fe.evaluate_attribute_edits(IdentityModel(), SmileJudge(), vectors, ["Male", "Smiling"], val, test,
                                      detied={"Smiling": np.array([0.0, 1.0])})
    detied = got["per_attribute"]["Smiling"]["detied"]
    assert detied["holds"] == [] and detied["plain"]["confounder_flips"] == {"Male": 0.0}
    assert got["per_attribute"]["Male"]["detied"] is None  # no de-tied vector given for it
    assert set(got["detied_goals_met"]) == {"Smiling"} and "boundary_goals_met" not in got


def test_per_face_detied_edits_reach_the_boundary_target_along_the_detied_vector_holding_orthogonally():
    boundaries = {"Smiling": (np.array([0.0, 1.0]), -0.5, 2.0), "Male": (np.array([1.0, 0.0]), 0.0, 1.0)}
    edit = fe.boundary_edit(boundaries, {"Smiling": np.array([0.5, 1.0])})  # a de-tied vector dragging x along
    codes = np.array([[1.0, -1.0], [-1.0, 0.0], [0.0, 3.0]])  # distances -1.5, -0.5, 2.5 from y = 0.5
    moved = edit(codes, "Smiling", 1.0, ())
    np.testing.assert_allclose(moved[:2, 1] - 0.5, 2.0, rtol=1e-6)              # target: 1 spread (2.0)
    np.testing.assert_allclose(moved[:2, 0] - codes[:2, 0], [1.75, 1.25], rtol=1e-6)  # half each face's own step
    np.testing.assert_allclose(moved[2] - codes[2], [0.25, 0.5], rtol=1e-6)     # past it: the least move, 0.25 of 2
    held = edit(codes, "Smiling", 1.0, ["Male"])                                # Male's normal held: x stays
    np.testing.assert_allclose(held[:, 0], codes[:, 0], atol=1e-6)
    np.testing.assert_allclose(held[:2, 1] - 0.5, 2.0, rtol=1e-6)


def test_per_face_detied_is_scored_as_a_fourth_method_on_the_finer_grid():
    val = split([[1, -0.3], [-1, -0.6], [1, 0.5], [-1, 0.2], [2, -1.2]],
                [[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0]])
    test = split([[1, -0.1], [-1, -0.4], [-0.5, 0.5], [0.5, -2.0]], [[1, 0, 0], [0, 0, 0], [0, 1, 0], [1, 0, 0]])
    vectors = {"Smiling": np.array([0.5, 1.0]), "Male": np.array([1.0, 0.0])}
    boundaries = {"Smiling": (np.array([0.0, 1.0]), 0.0, 1.0), "Male": (np.array([1.0, 0.0]), 0.0, 1.0)}
    got = fe.evaluate_attribute_edits(IdentityModel(), SmileJudge(), vectors, ["Male", "Smiling"], val, test,
                                      boundaries, detied={"Smiling": np.array([0.0, 1.0])})
    row = got["per_attribute"]["Smiling"]["detied_boundary"]
    # every face moved straight up to y = 0.25: all smile, Male untouched
    assert row["strength"] == 0.25 and row["holds"] == [] and "held_fixed" not in row
    assert row["plain"]["success"] == 1.0 and row["plain"]["confounder_flips"] == {"Male": 0.0}
    assert row["validation"]["strengths"] == list(fe.FINE_STRENGTHS) and len(row["validation"]["success"]) == 18
    assert got["per_attribute"]["Smiling"]["validation"]["strengths"] == list(fe.EDIT_STRENGTHS)  # the vector's
    assert got["per_attribute"]["Male"]["detied_boundary"] is None  # no de-tied vector for it
    assert got["detied_boundary_goals_met"] == {"Smiling": True}
    assert "detied_boundary" in fe.EDIT_METHOD and "1.6, 1.7, 1.75, 1.8, 1.9, 2.0" in fe.EDIT_METHOD
    # without boundaries the per-face de-tied method is not scored
    alone = fe.evaluate_attribute_edits(IdentityModel(), SmileJudge(), vectors, ["Male", "Smiling"], val, test,
                                        detied={"Smiling": np.array([0.0, 1.0])})
    assert alone["per_attribute"]["Smiling"]["detied_boundary"] is None and "detied_boundary_goals_met" not in alone
