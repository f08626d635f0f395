"""Measure a shipped model on the held-out split and write the figures into its model card.

    python -m core.evaluate mnist-vae-2d [--data PATH]      (or: all)

This module is the command line: it sends each model to its family's measures (core/evaluators/, one family a
module) and writes the figures into the model's card.

Generative models: negative ELBO and an importance-weighted bound in nats,
reconstruction error, judge accuracy on reconstructions, Frechet distance,
precision and recall of samples in two judges' features; also writes latents.npz (held-out latent means, labels and 2-D
projections) so the scatter page works without the data set.
Judges: held-out accuracy, overall and per class.

How the likelihood is measured: each held-out digit's grey levels are
binarised once (pixel ~ Bernoulli(intensity), NumPy seed 0); the decoder is a
Bernoulli likelihood over the 784 binary pixels; the KL term is closed form;
the ELBO averages 16 posterior samples a digit; the IWAE bound uses 128.
Samples (5,000 from the prior, seed 0) are measured against the held-out
digits in mnist-judge's features and in mnist-judge-b's (another architecture,
another seed): Frechet distance, and improved precision and recall with k = 3
nearest neighbours (Kynkaanniemi et al., 2019).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import registry
from .evaluators import digits, faces, gans
from .recipes import GAN_FAMILIES, JUDGE, SECOND_JUDGE


def evaluate(model_id: str, data=None, root: Path | None = None) -> dict:
    """Measure one model and write its card, latents and manifest entry; `root` overrides pretrained/."""
    with registry.using_root(root):
        return _evaluate(model_id, data)


def _judge_or_none(judge_id: str):
    try:
        return registry.load_judge(judge_id)
    except registry.PretrainedError as e:
        print(f"(no {judge_id} metrics: {e})")
        return None


def _evaluate(model_id: str, data=None) -> dict:
    card = registry.read_card(model_id)
    if card.get("dataset", {}).get("name") == "celeba":
        return _evaluate_faces(model_id, card, data)
    if card.get("family") == "pixelcnn":  # no latent: core/evaluators/pixelcnn.py
        from .evaluators.pixelcnn import evaluate_pixelcnn
        return evaluate_pixelcnn(model_id, card, data)
    if card["kind"] == "judge":
        metrics = digits.evaluate_judge(model_id, data)
    else:
        judge, second = (_judge_or_none(j) for j in (JUDGE, SECOND_JUDGE))
        measure = gans.evaluate_gan if card.get("family") in GAN_FAMILIES else digits.evaluate_generative
        metrics = measure(model_id, data, judge, second)
    card["metrics"] = metrics
    method = gans.GAN_METHOD if card.get("family") in GAN_FAMILIES else \
        __doc__.split("How the likelihood is measured: ")[1].strip().replace("\n", " ")
    card["evaluation"] = {"command": f"python -m core.evaluate {model_id}", "method": method}
    (registry.pretrained_root() / model_id / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id)
    return metrics


def _evaluate_faces(model_id: str, card: dict, data=None) -> dict:
    """A face model's figures (core/evaluators/faces.py) written into its card."""
    metrics = (faces.evaluate_face_judge(model_id, data) if card["kind"] == "judge"
               else faces.evaluate_face_vae(model_id, card, data))
    card["metrics"] = metrics
    card["evaluation"] = {"command": f"python -m core.evaluate {model_id}", "method": faces.FACE_METHOD}
    (registry.pretrained_root() / model_id / registry.CARD).write_text(json.dumps(card, indent=2) + "\n")
    registry.write_manifest_entry(model_id)
    return metrics


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m core.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("model_id", help="a shipped model id, or 'all'")
    p.add_argument("--data", help="data folder (default: $LATENT_LAB_DATA, then the usual caches)")
    p.add_argument("--out", type=Path, help="pretrained folder to read and write (default: pretrained/)")
    a = p.parse_args(argv)
    with registry.using_root(a.out):
        ids = list(registry.read_manifest()["models"]) if a.model_id == "all" else [a.model_id]
        # Judges first (the others are measured by them), GANs last (their goals compare with the VAEs' figures).
        ids.sort(key=lambda i: (registry.read_card(i).get("kind") != "judge",
                                registry.read_card(i).get("family") in GAN_FAMILIES))
        for model_id in ids:
            print(model_id, json.dumps(evaluate(model_id, a.data), indent=2))


if __name__ == "__main__":
    main()
