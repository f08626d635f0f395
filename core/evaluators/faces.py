"""The face models' measures (CelebA, official test partition; anything chosen, chosen on val): the face judge's
per-attribute accuracy and thresholds; the face VAE's reconstructions, samples, sharpness goals, typical-face
ranges, opening face, attribute directions and edits. Only aggregate statistics of the training codes ship."""
from __future__ import annotations

import numpy as np

from .. import registry
from ..face_edits import evaluate_attribute_edits
from ..images import as_model_input, laplacian_energy
from ..latent import attribute_vectors, code_components, detied_vectors, linear_boundaries, trick_latents
from ..opening_face import opening_face

FID_SAMPLES = 2000  # a face VAE's samples for a Frechet distance; real training faces for the judge's floor
FACE_COMPONENTS = 8  # principal axes of the training codes shipped in a face VAE's latents.npz
ATTRIBUTES_FILE = "attributes.npz"
FACE_GOALS = {"reconstruction_mse_max": 0.0075, "judge_agreement_min": 0.90}
# A sharp decoder (measured in the face judge's features): the goals a decoder trained against a critic is set.
SHARP_GOALS = {"frechet_reconstructions_max": 5.0, "laplacian_ratio_min": 0.5, "frechet_samples_trick_max": 9.5,
               "frechet_samples_max": 30.0}
FACE_METHOD = (
    "Face models are measured on the official CelebA test partition only (the faces present in the data folder); "
    "anything chosen (the judge's thresholds, its 15 best-read attributes) is chosen on the val partition. "
    "The judge is celeba-judge, a network the face VAE never saw in training (its perceptual loss read another, "
    "celeba-perceptual). "
    "The judge reads an attribute as present when its sigmoid probability reaches that attribute's threshold, "
    "the one with the best balanced accuracy on val faces (grid 0.01 to 0.99); the 15 attributes it reads best "
    "on val are the ones judge agreement averages over. Reconstruction MSE is per pixel and channel on RGB levels "
    "in [0, 1], decoding the latent mean; judge agreement is the share of (face, attribute) readings that are "
    "the same on a test face and on its reconstruction (judge_agreement_at_0.5: the same with every threshold "
    "at 0.5, where rare attributes are seldom read at all). Frechet distances use the judge's 256-D features "
    "against the test faces; samples are 2,000 draws from N(0, I), seed 0. latents.npz holds aggregate "
    "statistics of the training faces' latent means only, never a face's own code: their mean and standard "
    "deviation per dimension, and their first 8 principal axes with the standard deviation along each.")


def _faces(data, split: str):
    from ..data.celeba import load_celeba
    return load_celeba(data, size=64, split=split)


def evaluate_face_judge(model_id: str, data=None) -> dict:
    """Per-attribute test accuracy and balanced accuracy at thresholds chosen on val, and the 15 best-read."""
    from ..judges import frechet_distance
    from ..models.face_judge import FaceJudge, best_judged, choose_thresholds, per_attribute_scores
    card = registry.read_card(model_id)
    judge = FaceJudge(registry.load_keras(model_id, card["files"]["classifier"]), {})
    val, test = _faces(data, "val"), _faces(data, "test")
    names = list(val.attribute_names)
    thresholds = choose_thresholds(judge.probabilities(val.images), val.attributes > 0)
    val_scores = per_attribute_scores(judge.probabilities(val.images) >= thresholds, val.attributes > 0, names)
    best = best_judged({n: v["balanced_accuracy"] for n, v in val_scores.items()})
    probs = judge.probabilities(test.images)
    at_threshold = per_attribute_scores(probs >= thresholds, test.attributes > 0, names)
    at_half = per_attribute_scores(probs >= 0.5, test.attributes > 0, names)
    per_attribute = {n: {"accuracy": at_threshold[n]["accuracy"],
                         "balanced_accuracy": at_threshold[n]["balanced_accuracy"],
                         "accuracy_at_0.5": at_half[n]["accuracy"],
                         "balanced_accuracy_at_0.5": at_half[n]["balanced_accuracy"],
                         "positives": at_threshold[n]["positives"], "threshold": float(t)}
                     for n, t in zip(names, thresholds)}
    train = _faces(data, "train").images
    floor_n = min(FID_SAMPLES, len(train))
    pick = np.random.default_rng(0).choice(len(train), size=floor_n, replace=False)
    return {
        "heldout_faces": int(len(test)),
        "mean_accuracy": float(np.mean([v["accuracy"] for v in at_threshold.values()])),
        "mean_balanced_accuracy": float(np.nanmean([v["balanced_accuracy"] for v in at_threshold.values()])),
        "mean_accuracy_at_0.5": float(np.mean([v["accuracy"] for v in at_half.values()])),
        "mean_balanced_accuracy_at_0.5": float(np.nanmean([v["balanced_accuracy"] for v in at_half.values()])),
        "best_judged": best,
        "best_judged_mean_balanced_accuracy": float(np.mean([at_threshold[n]["balanced_accuracy"] for n in best])),
        "thresholds": {n: float(t) for n, t in zip(names, thresholds)},
        "validation_balanced_accuracy": {n: v["balanced_accuracy"] for n, v in val_scores.items()},
        "per_attribute": per_attribute,
        "frechet_distance_real_train_vs_heldout": frechet_distance(judge.features(train[pick]),
                                                                   judge.features(test.images)),
        "note": "Accuracy flatters rare attributes (always reading 'no Eyeglasses' is right for most faces); "
                "balanced accuracy, the mean of the hit rates on faces with and without the attribute, does not. "
                f"The Frechet distance between {floor_n:,} real training faces and the test faces is the floor "
                "a perfect generator would reach at this sample size.",
    }


def face_reconstruction_scores(model, judge, images, best: list[str]) -> dict:
    """Reconstruction MSE and judge agreement (original against reconstruction) for uint8 faces."""
    from ..models.face_judge import agreement
    x = as_model_input(images)
    recon = model.decode(model.encode(images))
    p_x, p_recon = judge.probabilities(x), judge.probabilities(recon)
    agree = agreement(p_x >= judge.thresholds, p_recon >= judge.thresholds)
    index = [judge.attribute_names.index(n) for n in best]
    at_half = agreement(p_x >= 0.5, p_recon >= 0.5)
    return {"reconstruction_mse": float(((recon - x) ** 2).mean()),
            "judge_agreement": float(agree[index].mean()) if index else float("nan"),
            "judge_agreement_at_0.5": float(at_half[index].mean()) if index else float("nan"),
            "judge_agreement_per_attribute": {n: float(a) for n, a in zip(judge.attribute_names, agree)},
            "recon": recon}


def evaluate_face_vae(model_id: str, card: dict, data=None) -> dict:
    from ..judges import frechet_distance
    from ..models.face_judge import FACE_JUDGE
    model = registry.load_model(model_id, heldout=False)
    # not the network its perceptual loss read: that one it was trained to please
    judge = registry.load_face_judge(FACE_JUDGE)
    best = judge.card["metrics"]["best_judged"]
    test, val, train = _faces(data, "test"), _faces(data, "val"), _faces(data, "train")
    codes = model.encode(train.images)  # aggregate statistics only: no face's code is kept
    code_mean, code_std = codes.mean(0), codes.std(0)
    on_test = face_reconstruction_scores(model, judge, test.images, best)
    on_val = face_reconstruction_scores(model, judge, val.images, best)
    real = judge.features(test.images)
    mean, log_var = model.encode_distribution(test.images)
    kl = -0.5 * (1 + log_var - mean ** 2 - np.exp(log_var)).sum(1)
    metrics = {
        "heldout_faces": int(len(test)),
        "judge": FACE_JUDGE,
        "reconstruction_mse": on_test["reconstruction_mse"],
        "judge_agreement": on_test["judge_agreement"],
        "judge_agreement_at_0.5": on_test["judge_agreement_at_0.5"],
        "judge_agreement_attributes": best,
        "judge_agreement_per_attribute": on_test["judge_agreement_per_attribute"],
        "kl_nats": float(kl.mean()),
        "frechet_distance_reconstructions": frechet_distance(judge.features(on_test["recon"]), real),
        "frechet_distance_samples": frechet_distance(judge.features(model.sample(FID_SAMPLES, seed=0)), real),
        "frechet_distance_samples_trick": frechet_distance(
            judge.features(model.decode(trick_latents(code_mean, code_std, FID_SAMPLES, seed=0))), real),
        # fine detail: mean squared 4-neighbour Laplacian of the grey reconstructions over the originals'
        "laplacian_energy_ratio": laplacian_energy(on_test["recon"]) / laplacian_energy(test.images),
        "validation": {"faces": int(len(val)), "reconstruction_mse": on_val["reconstruction_mse"],
                       "judge_agreement": on_val["judge_agreement"],
                       "judge_agreement_at_0.5": on_val["judge_agreement_at_0.5"]},
        "goals": FACE_GOALS,
        "goals_met": {"reconstruction_mse": on_test["reconstruction_mse"] <= FACE_GOALS["reconstruction_mse_max"],
                      "judge_agreement": on_test["judge_agreement"] >= FACE_GOALS["judge_agreement_min"]},
        "sharp_goals": SHARP_GOALS,
    }
    metrics["sharp_goals_met"] = sharp_goals_met(metrics)
    metrics["typical_faces"] = typical_faces(model, val.images, on_val["recon"], code_mean, code_std)
    metrics["opening_face"] = opening_face(model, judge, best, code_mean, code_std,
                                           metrics["typical_faces"]["median_code_distance"])
    folder = registry.pretrained_root() / model_id
    components, component_std = code_components(codes, FACE_COMPONENTS)  # the planes of Decoded grid and scatter
    np.savez_compressed(folder / card["files"]["latents"],
                        train_mean=codes.mean(0).astype(np.float32), train_std=codes.std(0).astype(np.float32),
                        train_components=components, train_component_std=component_std,
                        train_faces=np.int64(len(codes)))
    present = train.attributes > 0
    both = [a for a in range(present.shape[1]) if 0 < present[:, a].sum() < len(present)]  # else no direction
    names = [train.attribute_names[a] for a in both]
    vectors = attribute_vectors(codes, present[:, both])
    bounds = linear_boundaries(codes, present[:, both])  # aggregates too: a normal, an offset, a spread each
    detied = detied_vectors(codes, present[:, both])
    card["files"]["attributes"] = ATTRIBUTES_FILE
    np.savez_compressed(folder / ATTRIBUTES_FILE, names=np.array(names), vectors=vectors, detied=detied, **bounds)
    named = dict(zip(names, vectors))
    boundaries = {n: (bounds["normals"][k], float(bounds["offsets"][k]), float(bounds["spread"][k]))
                  for k, n in enumerate(names)}
    metrics["attribute_edits"] = evaluate_attribute_edits(model, judge, named, best, val, test, boundaries,
                                                          dict(zip(names, detied)))
    return metrics


def sharp_goals_met(metrics: dict) -> dict:
    g = SHARP_GOALS
    return {"frechet_reconstructions": metrics["frechet_distance_reconstructions"] <= g["frechet_reconstructions_max"],
            "laplacian_ratio": metrics["laplacian_energy_ratio"] >= g["laplacian_ratio_min"],
            "frechet_samples_trick": metrics["frechet_distance_samples_trick"] <= g["frechet_samples_trick_max"],
            "frechet_samples": metrics["frechet_distance_samples"] <= g["frechet_samples_max"]}


TYPICAL_PERCENTILES = (1, 99)


def typical_faces(model, faces, recon, code_mean, code_std) -> dict:
    """The range real faces keep (val faces, 1st to 99th percentile) in two figures a picture that is not a face
    like CelebA's leaves: its code's standardised distance from the training codes' mean, and how exactly the
    model redraws it (a plain picture is redrawn almost exactly, noise or clutter far worse)."""
    from ..latent import standardised_distance
    distance = standardised_distance(model.encode(faces), code_mean, code_std)
    mse = ((recon - as_model_input(faces)) ** 2).mean(axis=(1, 2, 3))
    return {"split": "val", "faces": int(len(faces)), "percentiles": list(TYPICAL_PERCENTILES),
            "code_distance": np.percentile(distance, TYPICAL_PERCENTILES).tolist(),
            "median_code_distance": float(np.median(distance)),
            "reconstruction_mse": np.percentile(mse, TYPICAL_PERCENTILES).tolist()}
