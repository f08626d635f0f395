"""Attribute edits as the card measured them: each attribute's slider moves a face by the edit method that won on
validation faces, in units of that method's default edit, so +1 is exactly the edit whose test figures the card
reports (and the page's measured table shows).

Why: a mean-difference vector is one edit among several the card measures (core.face_edits: vector, boundary with
the attribute's confounders held, de-tied vector, de-tied vector taken face by face to a boundary distance), and
which wins differs by attribute and direction (on val, Smiling by its boundary, removing Male by its vector). A
slider in one method's own units would make +1 mean a different thing on every slider; in units of the winner's
default it always means "the measured edit". Choosing reads validation figures only; the test figures are what is
reported.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .face_edits import ATTRIBUTE_GOALS, EDIT_GOALS, ENTAILED, OTHER_METHODS, boundary_edit
from .latent import held_fixed

METHODS = ("vector", *OTHER_METHODS)  # the card's edit methods (core.face_edits), in order of preference
ADD, REMOVE = "add", "remove"


class Choice(NamedTuple):
    method: str             # one of METHODS
    strength: float         # the method's own default strength, signed (a removal's is negative)
    holds: tuple            # the attributes the measured edit held fixed
    validation: dict        # {"success", "kept"} at that strength, on val: what it was chosen on
    test: dict | None       # the card's test figures for it ("plain" scores, ceilings, goal_met)


def _row(per_attribute: dict, name: str, method: str, direction: str) -> dict | None:
    row = per_attribute[name] if method == "vector" else per_attribute[name].get(method)
    if row and direction == REMOVE:
        row = row.get("removal")
    return row


def _choice(row: dict, method: str, kept: str, grid: list) -> Choice:
    """A card row as a Choice; its validation figures at its strength ({} when the card has none on the grid): the
    row's own grid (`strengths`), else the card's."""
    val = row.get("validation") or {}
    kept = kept if kept in val else "kept"
    grid = val.get("strengths", grid)
    figures = {}
    if grid and len(val.get("success", ())) == len(val.get(kept, ())) == len(grid):
        i = int(np.argmin(np.abs(np.asarray(grid) - abs(row["strength"]))))
        figures = {"success": val["success"][i], "kept": val[kept][i]}
    return Choice(method, float(row["strength"]), tuple(row.get("holds", ())), figures,
                  {"plain": row.get("plain", {}), "real_photo_ceilings": row.get("real_photo_ceilings", {}),
                   "goal_met": row.get("goal_met")})


def choose(edits: dict, name: str, direction: str = ADD) -> Choice | None:
    """The method a slider uses for `name` one way, chosen on the card's validation figures (card
    metrics.attribute_edits): among methods whose default meets the attribute's goals on val, the one keeping the
    most; else the most successful keeping enough; else the mean-difference vector. A removal the card did not
    measure mirrors the addition (None when the card has no edit of `name`)."""
    per_attribute, grid = edits.get("per_attribute", {}), edits.get("strength_grid", [])
    if name not in per_attribute:
        return None
    goals = ATTRIBUTE_GOALS.get(name, EDIT_GOALS)
    kept = "kept_independent" if name in ENTAILED else "kept"
    rows = {m: _row(per_attribute, name, m, direction) for m in METHODS}
    if direction == REMOVE and rows["vector"] is None:
        added = choose(edits, name, ADD)
        return added._replace(strength=-added.strength, validation={}, test=None)
    options = [_choice(r, m, kept, grid) for m, r in rows.items() if r]
    scored = [c for c in options if c.validation]
    met = [c for c in scored if c.validation["success"] >= goals["success_min"]
           and c.validation["kept"] >= goals["kept_min"]]
    if met:
        return max(met, key=lambda c: (c.validation["kept"], c.validation["success"]))
    enough = [c for c in scored if c.validation["kept"] >= goals["kept_min"]]
    return max(enough, key=lambda c: c.validation["success"]) if enough else options[0]


def measured_figure(edits: dict, name: str, figure: str, direction: str = ADD) -> float | None:
    """One test figure ("success", "kept_independent", ...) of the edit a slider makes: what pages quote."""
    c = choose(edits, name, direction)
    return c.test["plain"].get(figure) if c and c.test else None


class MeasuredEdits:
    """Edits in units of each attribute's measured default: `edit(z, {"Smiling": 1})` is the card's Smiling edit.

    `tables`: the model's attributes.npz (names, vectors, detied, normals, offsets, spread); `edits`: the card's
    metrics.attribute_edits. An attribute the card did not score is edited by its mean-difference vector at 1."""

    def __init__(self, tables: dict, edits: dict):
        self.names = [str(n) for n in tables["names"]]
        self.tables = {k: np.asarray(tables[k], np.float64) for k in ("vectors", "detied", "normals", "offsets",
                                                                      "spread") if k in tables}
        self.choices = {(n, d): choose(edits, n, d) for n in self.names for d in (ADD, REMOVE)}

    def choice(self, name: str, amount: float) -> Choice:
        found = self.choices.get((name, ADD if amount >= 0 else REMOVE))
        if found is None:
            if name not in self.names:
                raise KeyError(f"no edit for {name}; known: {', '.join(self.names)}")
            return Choice("vector", 1.0 if amount >= 0 else -1.0, (), {}, None)
        return found

    def default_holds(self, name: str) -> list[str]:
        """What the slider holds fixed unless the user unticks it: what the measured addition held."""
        return list(self.choice(name, 1.0).holds)

    def _index(self, name: str) -> int:
        return self.names.index(name)

    def step(self, z, name: str, amount: float, holds=None) -> np.ndarray:
        """(N, d): how far `amount` times the default edit of `name` moves each code, with `holds` (None: the
        measured edit's own) held fixed. Boundary edits, along the normal or the de-tied vector, are per face
        (core.face_edits.boundary_edit): one already at the target, or past it, still moves on the slider's way."""
        z = np.atleast_2d(np.asarray(z, np.float64))
        if not amount:
            return np.zeros_like(z)
        c = self.choice(name, amount)
        held = [h for h in (c.holds if holds is None else holds) if h != name and h in self.names]
        a = self._index(name)
        if c.method in ("boundary", "detied_boundary"):
            t = self.tables
            edit = boundary_edit({n: (t["normals"][k], t["offsets"][k], t["spread"][k])
                                  for k, n in enumerate(self.names) if n == name or n in held},
                                 {name: t["detied"][a]} if c.method == "detied_boundary" else None)
            return abs(amount) * (edit(z, name, c.strength, held).astype(np.float64) - z)
        vectors = self.tables["vectors" if c.method == "vector" else "detied"]
        vector = held_fixed(vectors[a], [vectors[self._index(h)] for h in held]) if held else vectors[a]
        return np.broadcast_to(abs(amount) * c.strength * np.asarray(vector, np.float64), z.shape)

    def along(self, z, name: str, values, amounts: dict, holds: dict | None = None) -> np.ndarray:
        """(len(values), d) float32: the code z (d,) edited with `amounts` and `name` at each of `values`, as edit()
        gives them one by one. A step is |amount| times its sign's unit step, so a live slider's frames cost two
        steps of `name` and one of each other attribute, not an edit a frame."""
        flat = np.atleast_2d(np.asarray(z, np.float64))
        base = self._moved(flat, {n: k for n, k in amounts.items() if n != name}, holds)
        up, down = (self.step(flat, name, sign, (holds or {}).get(name)) for sign in (1.0, -1.0))
        v = np.asarray(values, np.float64)[:, None]
        return (base + np.abs(v) * np.where(v >= 0, up, down)).astype(np.float32)

    def edit(self, z, amounts: dict, holds: dict | None = None) -> np.ndarray:
        """z (d,) or (N, d) moved by every attribute's step, each measured from z itself (so the order of the
        sliders does not matter, and one slider alone is exactly its measured edit); `holds` per attribute
        overrides the measured holds. float32, z's shape."""
        z = np.asarray(z, np.float64)
        return self._moved(np.atleast_2d(z), amounts, holds).reshape(z.shape).astype(np.float32)

    def _moved(self, flat: np.ndarray, amounts: dict, holds: dict | None) -> np.ndarray:
        """(N, d) float64 codes moved by every attribute's step, each measured from the codes as given."""
        return flat + sum((self.step(flat, n, float(k), (holds or {}).get(n)) for n, k in amounts.items()),
                          np.zeros_like(flat))
