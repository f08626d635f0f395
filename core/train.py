"""Train a model from its recipe and write it into `pretrained/`.

    python -m core.train mnist-vae-2d [--data PATH] [--epochs N] [--seed S] [--fresh]
    python -m core.train vae --images DIR [--labels CSV] [--size 28|32|64] [--latent D] [--epochs N] --name NAME

Progress bar and validation loss each epoch; early stopping on validation loss;
a checkpoint every epoch under runs/<model_id>/ so an interrupted run resumes
where it stopped (pass --fresh to start over). Runs under a tf.distribute
strategy (all local GPUs when there are several), then evaluates the model
(`core.evaluate`) so one command reproduces every shipped file.

Face models (CelebA) train on the official train partition, stop early on the
official val partition and never see test; their data flows through tf.data
from the cached uint8 arrays, and per-epoch wall and CPU times are kept in
runs/<model_id>/progress.json so a resumed run's card still gives the whole time.
Their checkpoint outlives the run, so a finished run goes on with a larger
--epochs; --extend starts that checkpoint from the shipped weights instead.

This module is the command line and picks the trainer a recipe's family needs; the trainers, one family a
module, are in core/trainers/.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .recipes import GAN_FAMILIES, Recipe, get_recipe
from .trainers.common import RUNS
from .trainers.digits import build_digit_model, train_digits
from .trainers.faces import build_face_model, train_faces
from .trainers.gans import build_gan, train_gan
from .trainers.pixelcnn import build_network, train_pixelcnn


def build(recipe: Recipe, image_shape):
    """The untrained model a recipe trains, built by its family's trainer (as `train` picks it)."""
    if recipe.family in GAN_FAMILIES:
        return build_gan(recipe, image_shape)
    if recipe.family == "pixelcnn":
        return build_network(recipe)
    if recipe.dataset == "celeba":
        return build_face_model(recipe, image_shape)
    return build_digit_model(recipe, image_shape)


def train(model_id: str, data=None, epochs: int | None = None, seed: int | None = None,
          out: Path | None = None, runs: Path = RUNS, fresh: bool = False, verbose: int = 1,
          evaluate_after: bool = True, extend: bool = False) -> dict:
    """Train one model by its recipe (epochs and seed overridable) with its family's trainer; returns its card."""
    import keras
    recipe = get_recipe(model_id)
    if seed is not None or epochs is not None:
        from dataclasses import replace
        recipe = replace(recipe, seed=recipe.seed if seed is None else seed,
                         epochs=recipe.epochs if epochs is None else epochs)
    keras.utils.set_random_seed(recipe.seed)
    if recipe.family in GAN_FAMILIES:
        return train_gan(recipe, data, out, runs, fresh, verbose, evaluate_after)
    if recipe.family == "pixelcnn":
        return train_pixelcnn(recipe, data, out, runs, fresh, verbose, evaluate_after)
    if recipe.dataset == "celeba":
        return train_faces(recipe, data, out, runs, fresh, verbose, evaluate_after, extend)
    if extend:
        raise ValueError("--extend serves the face models; the others train from scratch in minutes")
    return train_digits(recipe, data, out, runs, fresh, verbose, evaluate_after)


def main(argv=None):
    from .recipes import RECIPES
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["vae"]:  # a VAE on the user's own pictures: its own command line (core/trainers/folder.py)
        from .trainers.folder import main as train_on_folder
        return train_on_folder(argv[1:])
    p = argparse.ArgumentParser(prog="python -m core.train", description=__doc__.split("\n")[0])
    p.add_argument("model_id", choices=sorted(RECIPES))
    p.add_argument("--data", help="data folder (default: $LATENT_LAB_DATA, then the usual caches, then download)")
    p.add_argument("--epochs", type=int, help="override the recipe's maximum epochs")
    p.add_argument("--seed", type=int, help="override the recipe's seed")
    p.add_argument("--out", type=Path, help="pretrained folder to write (default: pretrained/)")
    p.add_argument("--fresh", action="store_true", help="discard the checkpoint and start over")
    p.add_argument("--no-eval", action="store_true", help="skip the evaluation that follows training")
    p.add_argument("--extend", action="store_true",
                   help="face models: go on training the shipped weights (pretrained/<id>) up to --epochs")
    p.add_argument("--sharpen", action="store_true",
                   help="celeba-vae: fine-tune the shipped decoder against a patch critic (core/trainers/sharpen.py)")
    a = p.parse_args(argv)
    if a.sharpen:
        from .trainers.sharpen import sharpen
        card = sharpen(a.model_id, a.data, a.epochs, a.out, fresh=a.fresh, evaluate_after=not a.no_eval)
        print(json.dumps(card["training"]["sharpened"]["epochs"][-1], indent=2))
        return
    card = train(a.model_id, a.data, a.epochs, a.seed, a.out, fresh=a.fresh, evaluate_after=not a.no_eval,
                 extend=a.extend)
    print(json.dumps({k: card[k] for k in ("id", "training")}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
