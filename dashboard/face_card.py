"""The rest of the Face editing page: the prior against the sampling trick, the card's measured edits, and what
the judge's readings carry along (biases), all read from the model card and the judge's card.
"""
from __future__ import annotations


import streamlit as st

import pictures
import ui
from exports import chart
from core import registry
from faces import SAMPLES, SEED_KEY, SLIDERS, edits_card, ident, judge_id, pretty, samples
from face_charts import tradeoff_figure

# ---------------------------------------------------------------- the rest of the page

def prior_against_trick(model) -> None:
    """The same seeds drawn from N(0, I) and with the sampling trick, one row each."""
    st.subheader("Random faces: N(0, I) or the sampling trick", anchor=False)
    first = int(st.session_state.get(SEED_KEY, 0))
    first = min(first, ui.MAX_SEED + 1 - SAMPLES)
    st.caption("The same standard-normal draw for each seed in both rows: the top row takes it as the code, from "
               "the prior N(0, I); the bottom row scales and shifts it to N(mean, spread²) of the training faces' "
               "codes (the sampling trick). A VAE's codes do not fill N(0, I) evenly, so prior draws can land "
               "where the decoder saw few faces.")
    prior, trick = samples(model, ident(model), first)
    st.markdown("**From N(0, I)**")
    pictures.show_markup(prior)
    st.markdown("**With the sampling trick**")
    pictures.show_markup(trick)


def in_percent(share: float | None) -> float | None:
    return None if share is None else 100.0 * share


def flips_text(scores: dict, ceilings: dict) -> str:
    """'Male 12% (photos 2%)': each confounder's flip share beside the judge's real-photo ceiling."""
    return ", ".join(f"{pretty(c)} {100 * share:.0f}%"
                     + (f" (photos {100 * ceilings[c]['ceiling']:.0f}%)" if c in ceilings else "")
                     for c, share in (scores.get("confounder_flips") or {}).items())


@st.cache_data(show_spinner=False, max_entries=8)
def edit_table(_model, model: str):
    """What each slider's edit at 1 does on test faces (core.measured_edits), one row an attribute (the page's
    first sliders first; Male's removal too, which the card measures on its own); None without figures."""
    import pandas as pd
    from core.measured_edits import ADD, REMOVE, choose
    edits = edits_card(_model)
    per = edits.get("per_attribute") or {}
    order = [n for n in SLIDERS if n in per] + [n for n in per if n not in SLIDERS]
    rows = []
    for name in order:
        for direction in (ADD, REMOVE):
            c = choose(edits, name, direction)
            if c is None or c.test is None or "plain" not in c.test:
                continue
            plain = c.test["plain"]
            by_male = plain.get("success_by_male") or {}
            rows.append({"attribute": pretty(name) + (" (remove)" if direction == REMOVE else ""),
                         "method": METHODS[c.method], "held fixed": ", ".join(map(pretty, c.holds)),
                         **{column: in_percent(share) for column, share in (
                             ("success", plain.get("success")), ("on men", by_male.get("men")),
                             ("on women", by_male.get("women")), ("kept (independent)", plain.get("kept_independent")),
                             ("kept", plain.get("kept")))},
                         "confounders flipped": flips_text(plain, c.test.get("real_photo_ceilings") or {}),
                         "faces": plain.get("faces")})
    table = pd.DataFrame(rows) if rows else None
    # Columns no row has a figure for (a card measured before them) are left out rather than shown empty.
    return None if table is None else table.loc[:, table.notna().any() & (table != "").any()]


METHODS = {"vector": "mean-difference vector", "boundary": "boundary, confounders held", "detied": "de-tied vector",
           "detied_boundary": "de-tied vector, per face to a boundary distance"}


@st.cache_data(show_spinner=False, max_entries=8)
def methods_table(_model, model: str):
    """The attributes with goals, each edit method's test figures against them, the sliders' own marked: None
    before the card has them."""
    import pandas as pd
    from core.measured_edits import ADD, REMOVE, choose
    edits = edits_card(_model)
    goals = (edits.get("goals_by_attribute") or {}).get("attributes") or {}
    per = edits.get("per_attribute") or {}
    rows = []
    for name, goal in goals.items():
        for method, label in METHODS.items():
            added = (per.get(name) or {}) if method == "vector" else (per.get(name) or {}).get(method)
            for removal, scores in ((False, added), (True, (added or {}).get("removal"))):
                if not scores or "plain" not in scores:
                    continue
                plain = scores["plain"]
                chosen = choose(edits, name, REMOVE if removal else ADD)
                rows.append({"attribute": pretty(name) + (" (remove)" if removal else ""), "method": label,
                             "slider": "✓" if chosen and chosen.method == method else "",
                             "strength": scores.get("strength"), "success": in_percent(plain.get("success")),
                             "kept (independent)": in_percent(plain.get("kept_independent")),
                             "confounders flipped": flips_text(plain, scores.get("real_photo_ceilings") or {}),
                             "goal": f"success ≥ {goal['success_min']:.0%}, kept ≥ {goal['kept_min']:.0%}",
                             "met": "✓" if scores.get("goal_met") else "✗"})
    return pd.DataFrame(rows) if rows else None


def entailed_words(model) -> str:
    """The card's entailed sets in plain words: what an edit may change without counting against it."""
    entailed = (edits_card(model).get("goals_by_attribute") or {}).get("entailed") or {}
    return "; ".join(f"{pretty(a)} may change {', '.join(map(pretty, e)) if e else 'nothing else'}"
                     for a, e in entailed.items())


def measured(model) -> None:
    st.subheader("How well the edits work", anchor=False)
    table = edit_table(model, ident(model))
    if table is None:
        st.info(f"{model.id} has no measured edits yet: `python -m core.evaluate {model.id}` measures them.")
        return
    percent = st.column_config.NumberColumn(format="%.1f%%")  # one decimal in every row
    st.caption("What each slider does at 1, on held-out test faces the judge reads without the attribute (with "
               "it, for a removal), by the method that won on validation faces, holding what it holds. "
               "**Success**: the share the judge then reads with it (also among faces it read as men and as "
               "women). **Kept (independent)**: the share of the other judged attributes' readings that stay as "
               "they were, leaving out what the edit entails; **kept**: over all of them. **Confounders "
               "flipped**: how often the edit changes the judge's reading of sex (and age, for glasses), beside "
               "how much more often the judge itself misreads it on real photos with the attribute (photos).")
    entailed = entailed_words(model)
    if entailed:
        st.caption(f"What each edit entails, fixed before measuring: {entailed}.")
    # As wide as its columns and inside a container: there Streamlit draws no resize handle, which juts 10 px
    # past the table's box (it does for a stretched table or one at the page's top level).
    with st.container():
        st.dataframe(table, hide_index=True, key="face_edit_table", width="content", column_config={
            **{c: percent for c in ("success", "on men", "on women", "kept (independent)", "kept")}})
    methods = methods_table(model, ident(model))
    if methods is not None:
        margin = (edits_card(model).get("goals_by_attribute") or {}).get("confounder_margin", 0.0)
        st.caption("**Four ways to edit, against each attribute's goal** (test faces; strengths and targets "
                   "chosen on validation faces; ✓: the one the slider uses): the mean-difference vector; a "
                   "logistic boundary per attribute, each face moved to a target distance from it with its "
                   "confounders held; a de-tied vector, the attribute's own effect with the other 39 labels held "
                   "fixed; and that de-tied vector taken face by face to a target distance from the boundary. A "
                   f"confounder may flip at most {100 * margin:.0f} points more often than the judge misreads it on "
                   "real photos.")
        with st.container():
            st.dataframe(methods, hide_index=True, key="face_methods_table", width="content", column_config={
                "success": percent, "kept (independent)": percent,
                "strength": st.column_config.NumberColumn(format="%+.2f")})
    figure = tradeoff_figure(model, ident(model))
    if figure:
        st.caption("**Why the defaults sit where they do.** On validation faces, each strength of the grid trades "
                   "success for kept readings: stronger edits change more of the face. Solid: the mean-difference "
                   "vector; dashed: the method a slider uses instead, where another won. A slider's edit at 1 "
                   "(ringed) is the weakest strength that meets its attribute's goal, else the most successful "
                   "that keeps enough"
                   + ("" if methods is not None else
                      f" (the shaded corner: success ≥ {(edits_card(model).get('goals') or {}).get('success_min', 0):.0%}"
                      f", kept ≥ {(edits_card(model).get('goals') or {}).get('kept_min', 0):.0%})") + ".")
        chart(figure, "face_tradeoff", displayModeBar=False)
    with st.expander("How this was measured"):
        st.markdown(edits_card(model).get("method") or "The model card gives no description of the method; "
                    f"`python -m core.evaluate {model.id}` writes one.")


@st.cache_data(show_spinner=False, max_entries=4)
def judge_card(judge: str, root: str) -> dict | None:
    try:
        return registry.read_card(judge)
    except registry.PretrainedError:
        return None


def figures_for(model, names: list[str]) -> list[str]:
    """Per attribute on the page, the card's figures: the judge's balanced accuracy, how often a reconstruction
    keeps the judge's reading, and the share of test faces labelled with it."""
    card = judge_card(judge_id(model), str(registry.pretrained_root())) or {}
    judge_metrics = card.get("metrics", {})
    per_judge = judge_metrics.get("per_attribute", {})
    heldout = judge_metrics.get("heldout_faces")
    agreement = model.card.get("metrics", {}).get("judge_agreement_per_attribute") or {}
    lines = []
    for name in names:
        parts = []
        if name in per_judge and per_judge[name].get("balanced_accuracy") is not None:
            parts.append(f"the judge reads it with {per_judge[name]['balanced_accuracy']:.0%} balanced accuracy")
        if heldout and name in per_judge and "positives" in per_judge[name]:
            parts.append(f"{per_judge[name]['positives'] / heldout:.0%} of the test faces are labelled with it")
        if name in agreement:
            parts.append(f"a reconstruction keeps the judge's reading in {agreement[name]:.0%} of test faces")
        carried = carried_along(edits_card(model).get("per_attribute", {}).get(name) or {})
        if parts or carried:
            lines.append(f"- **{pretty(name)}**: " + "; ".join(parts) + ("." if parts else "") + carried)
    return lines


def most(shares: dict, unit: str, k: int = 3) -> str:
    """The k largest non-zero shares, largest first: 'Male 31%, Heavy Makeup 18%'."""
    top = sorted(((v, n) for n, v in shares.items() if v > 0), reverse=True)[:k]
    return ", ".join(f"{pretty(n)} {v * 100:.0f}{unit}" for v, n in top)


def carried_along(figures: dict) -> str:
    """What the card measured an attribute's default edit to carry along, beside what the data ties to it."""
    text = ""
    changed = most((figures.get("plain") or {}).get("changed") or {}, "%")
    if changed:
        text += (f" At its default strength ({figures['strength']:+.2f}) the edit also changes the judge's reading "
                 f"of {changed} of test faces.")
    ties = figures.get("real_faces") or {}
    differ = most(ties.get("differ") or {}, " points")
    if differ:
        text += f" In the test photos themselves, faces the judge reads with it differ from those without in {differ}."
    return text


def biases(model, names: list[str]) -> None:
    st.subheader("What the attributes are, and what they carry", anchor=False)
    st.markdown(
        "The 40 attributes are **CelebA's labels**: yes-or-no marks that labellers gave photos of celebrities. "
        "An attribute's vector is the average code of the training faces marked with it minus the average of "
        "those without, so it carries everything that went with the mark in those photos, not the attribute "
        "alone:\n\n"
        "- **Attributes are entangled.** Faces marked with a beard or a moustache are mostly marked Male, often "
        "older and in a suit, so such a vector can add a tie, change the hair or age the face. *Hold fixed* "
        "takes out the directions of the attributes you name, and only those.\n"
        "- **Reconstructions are not equally good for everyone.** Celebrity photos are not a cross-section of "
        "people; faces, skin tones, ages and poses the training set holds fewer of are redrawn less faithfully, "
        "and an edit starts from the reconstruction.\n"
        "- **Some labels are judgements, not facts.** \"Attractive\", \"Young\" or \"Male\" (one yes-or-no mark) "
        "record what labellers ticked; the vectors, the judge and its readings learn their judgement.\n"
        "- **The judge learnt from the same labels**, so it shares their biases; its readings are a second "
        "opinion, not the truth.")
    lines = figures_for(model, names)
    if lines:
        st.markdown("From the model cards, for the attributes with a slider (what a default edit carries along "
                    "follows what real photos with the attribute differ in: the vector is an average over such "
                    "photos):\n\n" + "\n".join(lines))
