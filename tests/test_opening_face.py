"""core.opening_face: the face Face editing opens on is a typical sampling-trick face the judge reads clearly."""
import numpy as np

from core.latent import standardised_distance, trick_latents
from core.opening_face import opening_face


class CodesAsFaces:
    def decode(self, z):
        return np.asarray(z)


class FirstCoordinateJudge:
    """Reads attribute A with probability sigmoid(4 z0) (certain far from 0), B always at one half (no certainty)."""
    attribute_names = ["A", "B"]

    def probabilities(self, z):
        p = 1 / (1 + np.exp(-4 * np.asarray(z)[:, 0]))
        return np.column_stack([p, np.full(len(p), 0.5)])


def test_the_clearest_face_among_the_typical_half_of_the_candidates():
    mean, std = np.zeros(3), np.ones(3)
    got = opening_face(CodesAsFaces(), FirstCoordinateJudge(), ["A"], mean, std, 1.0, candidates=40)
    faces = np.concatenate([trick_latents(mean, std, 1, seed=s) for s in range(40)])
    distance = standardised_distance(faces, mean, std)
    typical = np.argsort(np.abs(distance - 1.0), kind="stable")[:20]
    clearest = typical[np.argmax(np.abs(faces[typical, 0]))]  # certainty rises with |z0|
    assert got["seed"] == clearest and got["candidates"] == 40
    assert got["code_distance"] == distance[clearest]
    assert abs(got["certainty"] - max(1 / (1 + np.exp(-4 * faces[clearest, 0])), 1 / (1 + np.exp(4 * faces[clearest, 0])))) < 1e-9
    assert "typical" in got["rule"] and "clearly" in got["rule"]
