"""The sliders' edits: the method chosen on validation figures, and an amount of 1 being exactly the measured edit."""
import numpy as np
import pytest

from core.face_edits import vector_edit
from core.measured_edits import ADD, REMOVE, MeasuredEdits, choose

GRID = [0.5, 1.0, 1.5]


def row(strength, success, kept, holds=(), test_success=0.5, removal=None):
    """A card row: validation figures along GRID, the default at `strength`."""
    out = {"strength": strength, "holds": list(holds),
           "validation": {"success": success, "kept": kept, "kept_independent": kept},
           "plain": {"success": test_success}, "goal_met": False}
    if removal:
        out["removal"] = removal
    return out


def card(per_attribute):
    return {"strength_grid": GRID, "per_attribute": per_attribute}


def test_the_method_meeting_the_goals_on_val_wins_whatever_the_test_says():
    edits = card({"Smiling": {**row(1.0, [.5, .90, .99], [.99, .93, .9], test_success=0.99),
                              "boundary": row(1.5, [.6, .8, .96], [.99, .97, .95], ["Male"], test_success=0.2),
                              "detied": None}})
    c = choose(edits, "Smiling")
    assert (c.method, c.strength, c.holds) == ("boundary", 1.5, ("Male",))
    assert c.validation == {"success": .96, "kept": .95} and c.test["plain"]["success"] == 0.2


def test_without_a_winner_the_most_successful_method_keeping_enough():
    # Eyeglasses' goals: 90% / 90%; neither meets both on val
    edits = card({"Eyeglasses": {**row(1.5, [.5, .8, .95], [.95, .92, .85]),
                                 "detied": row(1.0, [.5, .88, .9], [.95, .91, .89]), "boundary": None}})
    assert choose(edits, "Eyeglasses").method == "detied"   # 88% keeping 91%, against the vector's 95% keeping 85%


def test_a_removal_the_card_did_not_measure_mirrors_the_addition_and_a_measured_one_is_its_own():
    edits = card({"Smiling": {**row(1.0, [.5, .95, .99], [.99, .96, .9]), "boundary": None, "detied": None},
                  "Male": {**row(1.0, [.5, .95, .99], [.99, .96, .9], removal=row(-1.5, [.5, .8, .97], [.99, .95, .91])),
                           "boundary": None, "detied": None}})
    mirrored = choose(edits, "Smiling", REMOVE)
    assert mirrored.strength == -1.0 and mirrored.test is None and mirrored.validation == {}
    assert choose(edits, "Male", REMOVE).strength == -1.5
    assert choose(edits, "Unknown", ADD) is None


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    normals = rng.normal(size=(2, 6))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return {"names": np.array(["Smiling", "Male"]), "vectors": rng.normal(size=(2, 6)),
            "detied": rng.normal(size=(2, 6)), "normals": normals, "offsets": np.array([0.3, -0.2]),
            "spread": np.array([2.0, 1.5])}


def edits_for(smiling_method):
    methods = ("boundary", "detied", "detied_boundary")
    rows = {m: row(1.0, [.9, .95, .99], [.99, .99, .9], ["Male"] if m == "boundary" else []) for m in methods}
    smiling = {**row(1.0, [.5, .6, .7], [.99, .99, .99]), **{m: rows[m] if m == smiling_method else None
                                                             for m in methods}}
    return card({"Smiling": smiling, "Male": {**row(1.5, [.5, .95, .99], [.99, .96, .9]), "boundary": None,
                                              "detied": None}})


def test_one_slider_at_1_moves_faces_short_of_the_target_onto_it_holding_male(tables):
    m = MeasuredEdits(tables, edits_for("boundary"))
    normals, offsets, spread = tables["normals"], tables["offsets"], tables["spread"]
    z = np.random.default_rng(1).normal(size=(20, 6))
    short = z @ normals[0] + offsets[0] < 0.75 * spread[0]  # more than the least move short of the target
    # short of it, each face lands on the measured target: 1.0 spreads from Smiling's boundary
    np.testing.assert_allclose(m.edit(z[short], {"Smiling": 1}) @ normals[0] + offsets[0], 1.0 * spread[0], atol=1e-4)
    half = m.edit(z[short], {"Smiling": 0.5}) @ normals[0] + offsets[0]  # half the slider: half the way
    np.testing.assert_allclose(half, (z[short] @ normals[0] + offsets[0] + 1.0 * spread[0]) / 2, atol=1e-4)
    # holding Male: every face's distance from Male's boundary stays
    moved = m.edit(z, {"Smiling": 2})
    np.testing.assert_allclose(moved @ normals[1], z @ normals[1], atol=1e-4)
    # a face already past the target is not moved back: it moves on, a quarter of the target's distance
    past = m.edit(z[~short], {"Smiling": 1}) @ normals[0] - z[~short] @ normals[0]
    assert (~short).any() and np.all(past >= 0.25 * 1.0 * spread[0] - 1e-4)


def test_vector_methods_scale_with_the_amount_and_sliders_add_up_in_any_order(tables):
    m = MeasuredEdits(tables, edits_for("detied"))
    z = np.random.default_rng(2).normal(size=(6,))
    np.testing.assert_allclose(m.edit(z, {"Smiling": 0.5}), z + 0.5 * tables["detied"][0], atol=1e-5)
    np.testing.assert_allclose(m.edit(z, {"Male": 1}), vector_edit({"Male": tables["vectors"][1]})(z[None], "Male",
                                                                                                    1.5, ())[0],
                               atol=1e-5)
    both = m.edit(z, {"Smiling": 1, "Male": -0.5})
    np.testing.assert_allclose(both, m.edit(z, {"Male": -0.5, "Smiling": 1}), atol=1e-6)
    np.testing.assert_allclose(m.edit(z, {"Smiling": 0}), z, atol=1e-6)


@pytest.mark.parametrize("method", ["boundary", "detied", "detied_boundary"])
def test_a_sliders_frames_along_one_attribute_are_the_edits_one_by_one(tables, method):
    """along() scales two unit steps instead of editing each frame: the same codes, on either side of 0, with
    another slider standing and holds overridden."""
    way = 2 * tables["normals"][0] + tables["vectors"][1]  # a de-tied vector on the normal's side, as below
    m = MeasuredEdits({**tables, "detied": np.stack([way, tables["detied"][1]])}, edits_for(method))
    z = np.random.default_rng(4).normal(size=(6,))
    values = np.linspace(-3, 3, 33)
    for others, holds in (({}, None), ({"Male": -0.7}, {"Smiling": []}), ({"Male": 1.2}, {"Male": ["Smiling"]})):
        frames = m.along(z, "Smiling", values, others, holds)
        one_by_one = np.stack([m.edit(z, {**others, "Smiling": float(v)}, holds) for v in values])
        assert frames.dtype == np.float32 and frames.shape == (33, 6)
        np.testing.assert_allclose(frames, one_by_one, atol=1e-5)
        assert not np.allclose(frames[16], frames[-1], atol=1e-2)  # the frames do move (frame 16 is at 0)


def test_holds_override_the_measured_ones_and_an_unknown_attribute_is_named(tables):
    m = MeasuredEdits(tables, edits_for("boundary"))
    assert m.default_holds("Smiling") == ["Male"] and m.default_holds("Male") == []
    z = np.random.default_rng(3).normal(size=(4, 6)) - 3 * tables["normals"][0]
    free = m.edit(z, {"Smiling": 1}, holds={"Smiling": []})
    assert not np.allclose(free @ tables["normals"][1], z @ tables["normals"][1], atol=1e-3)
    with pytest.raises(KeyError, match="no edit for Beard"):
        m.edit(z, {"Beard": 1})


def test_per_face_detied_wins_on_val_on_its_own_finer_grid():
    fine = [1.0, 1.6, 1.7, 1.8, 2.0]
    per_face = {**row(1.8, None, None), "validation": {
        "strengths": fine, "success": [.6, .85, .89, .91, .95], "kept": [.99, .95, .92, .91, .88]}}
    # Eyeglasses' goals, 90% / 90%: the vector keeps too little at 1.5, the de-tied vector succeeds too little
    eyeglasses = {**row(1.5, [.5, .8, .95], [.95, .92, .85]), "boundary": None,
                  "detied": row(1.0, [.5, .88, .9], [.95, .91, .89]), "detied_boundary": per_face}
    c = choose(card({"Eyeglasses": eyeglasses}), "Eyeglasses")
    assert (c.method, c.strength) == ("detied_boundary", 1.8)
    assert c.validation == {"success": .91, "kept": .91}  # read at 1.8 on its own grid, not the card's
    short = {**per_face, "validation": {**per_face["validation"], "success": [.6, .8, .84, .87, .95]}}
    assert choose(card({"Eyeglasses": {**eyeglasses, "detied_boundary": short}}), "Eyeglasses").method == "detied"


def test_a_per_face_detied_slider_moves_each_face_along_the_detied_vector_to_its_target(tables):
    way = 2 * tables["normals"][0] + tables["vectors"][1]  # a de-tied vector tilted off the normal, on its side
    tables = {**tables, "detied": np.stack([way, tables["detied"][1]])}
    m = MeasuredEdits(tables, edits_for("detied_boundary"))
    assert m.default_holds("Smiling") == []
    normals, offsets, spread = tables["normals"], tables["offsets"], tables["spread"]
    assert 0.2 < way @ normals[0] / np.linalg.norm(way) < 0.95
    z = np.random.default_rng(4).normal(size=(30, 6))
    short = z @ normals[0] + offsets[0] < 0.75 * spread[0]
    moved = m.edit(z[short], {"Smiling": 1})
    np.testing.assert_allclose(moved @ normals[0] + offsets[0], 1.0 * spread[0], atol=1e-4)
    step = moved - z[short]
    np.testing.assert_allclose(step, np.outer(step @ way / (way @ way), way), atol=1e-4)  # along the vector only
    held = m.edit(z[short], {"Smiling": 1}, holds={"Smiling": ["Male"]})  # Male held: its distance stays
    np.testing.assert_allclose(held @ normals[1], z[short] @ normals[1], atol=1e-4)
    np.testing.assert_allclose(held @ normals[0] + offsets[0], 1.0 * spread[0], atol=1e-4)
    past = m.edit(z[~short], {"Smiling": 1}) @ normals[0] - z[~short] @ normals[0]
    assert (~short).any() and np.all(past >= 0.25 * 1.0 * spread[0] - 1e-4)  # the least move, never back
