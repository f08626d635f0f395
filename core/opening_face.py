"""The face Face editing opens on: a sampling-trick face chosen for being typical and clearly read, not seed 0.

Why: the first face a visitor sees is the one they remember; seed 0 of N(0, I) was a smear. As Digits by label
opens on its clearest digit, this picks, among the first CANDIDATES seeds' sampling-trick faces, those whose
code lies nearest the typical real face's distance from the average code (the half closest to the val faces'
median), and of those the one the face judge reads most clearly (the highest mean certainty, max(p, 1 - p),
over its best-read attributes). The judge reads the face, never an edit of it.
"""
from __future__ import annotations

import numpy as np

CANDIDATES = 200


def opening_face(model, judge, judged: list[str], code_mean, code_std, median_distance: float,
                 candidates: int = CANDIDATES) -> dict:
    """{"seed", "code_distance", "certainty", "candidates", "rule"} for the face the editor opens on; `code_mean`,
    `code_std`: the training codes' statistics the sampling trick draws from (a seed's face as the editor draws it)."""
    from .latent import standardised_distance, trick_latents
    codes = np.concatenate([trick_latents(code_mean, code_std, 1, seed=s) for s in range(candidates)])
    distance = standardised_distance(codes, code_mean, code_std)
    typical = np.argsort(np.abs(distance - median_distance), kind="stable")[:max(1, candidates // 2)]
    probs = judge.probabilities(model.decode(codes[typical]))
    columns = [judge.attribute_names.index(n) for n in judged]
    certainty = np.maximum(probs[:, columns], 1 - probs[:, columns]).mean(1)
    best = int(np.argmax(certainty))
    return {"seed": int(typical[best]), "code_distance": float(distance[typical[best]]),
            "certainty": float(certainty[best]), "candidates": candidates,
            "rule": __doc__.split("\n\n")[1].replace("\n", " ")}
