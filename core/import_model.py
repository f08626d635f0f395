"""Bring your own Keras model into Latent Lab's models folder ($LATENT_LAB_MODELS, default ~/.latent_lab/models).

    python -m core.import_model NAME --decoder dec.keras [--encoder enc.keras] [--data DIR] [--labels labels.csv]
                                     [--custom-objects package.module]

A decoder alone is a generator (GAN-like); with an encoder, a VAE (mean, log-variance) or an autoencoder (one
code). Files are loaded with safe mode on: a `Lambda` layer is refused, and a custom layer loads only from the
module --custom-objects names (imported explicitly). Shapes, the encoder's outputs and the decoder's output range
(measured on decoded samples: sigmoid [0, 1] or tanh [-1, 1]) are checked; images shaped (H, W) are stored as
(H, W, 1). With --data (a folder of pictures, core.data.image_folder) an encoder's card is measured on them.
"""
from __future__ import annotations

import argparse
import re
import shlex
import sys
import zipfile
from pathlib import Path

import numpy as np

from . import registry
from .user_models import UserModelError, check_name, labels_card, measure, publish

RANGE_SAMPLES = 512  # decoded prior samples the output range is measured on
TOLERANCE = 1e-3


def load_network(path, role: str, custom_objects: str | None):
    """A .keras file loaded in safe mode, or a UserModelError saying what is wrong with it and how to fix it."""
    import keras
    path = Path(path)
    if not path.is_file():
        raise UserModelError(f"the {role} file {path} does not exist")
    if not zipfile.is_zipfile(path):
        kind = "a legacy HDF5 file: load it in Keras and save it again as .keras" if path.suffix == ".h5" else \
            "not a Keras model file (a .keras archive written by model.save('name.keras'))"
        raise UserModelError(f"the {role} file {path} is {kind}")
    try:
        objects = registry.custom_layers(custom_objects) if custom_objects else None
    except ImportError as e:
        raise UserModelError(f"--custom-objects {custom_objects} cannot be imported ({e}); put the module on the "
                             f"Python path (PYTHONPATH) and give its dotted name") from e
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True, custom_objects=objects)
    except Exception as e:  # Keras raises many types for a bad archive or an unknown class
        raise UserModelError(f"the {role} file {path} cannot be loaded: {_why(str(e))}") from e


def _why(message: str) -> str:
    """Keras' loading error in words that say what to do."""
    if "`Lambda` layer" in message:
        return ("it holds a `Lambda` layer (Python code inside the file), which safe-mode loading refuses. Write "
                "that step as a Keras layer class decorated with @keras.saving.register_keras_serializable() in a "
                "module of yours, save the model again, and pass --custom-objects your.module")
    unknown = re.search(r"Could not locate class '([^']+)'", message)
    if unknown:
        return (f"it uses a custom layer `{unknown.group(1)}` that Keras does not know. Register it: define it in a "
                f"module decorated with @keras.saving.register_keras_serializable() and pass --custom-objects "
                f"package.module (imported explicitly; nothing in the file runs)")
    return message.split("\n")[0][:400]


def _shape(tensor) -> tuple:
    return tuple(tensor.shape[1:])


def image_shape_of(decoder) -> tuple[int, int, int]:
    """The decoder's picture shape as (H, W, C), from (H, W) or (H, W, C) outputs; its input must be one code."""
    if len(decoder.inputs) != 1 or len(_shape(decoder.inputs[0])) != 1:
        raise UserModelError(f"the decoder must take one latent code shaped (d,); it takes "
                             f"{[ _shape(t) for t in decoder.inputs]} (a conditional model's label input is not "
                             f"supported yet)")
    if len(decoder.outputs) != 1:
        raise UserModelError(f"the decoder must return one picture; it returns {len(decoder.outputs)} outputs")
    shape = _shape(decoder.outputs[0])
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or shape[-1] not in (1, 3) or None in shape:
        raise UserModelError(f"the decoder returns shape {_shape(decoder.outputs[0])}; expected (H, W) or (H, W, 1) "
                             f"for grey pictures, (H, W, 3) for colour")
    return tuple(int(s) for s in shape)


def latent_dim_of(decoder) -> int:
    return int(_shape(decoder.inputs[0])[0])


def encoder_kind(encoder, image_shape, latent_dim: int) -> str:
    """"vae" (it returns mean and log-variance) or "ae" (one code), after checking it fits the decoder."""
    if len(encoder.inputs) != 1:
        raise UserModelError(f"the encoder must take one picture; it takes {len(encoder.inputs)} inputs")
    takes = _shape(encoder.inputs[0])
    if takes not in (image_shape, image_shape[:2] if image_shape[-1] == 1 else None):
        raise UserModelError(f"the encoder takes pictures shaped {takes}, but the decoder draws {image_shape}")
    outs = [_shape(t) for t in encoder.outputs]
    if outs == [(latent_dim,)]:
        return "ae"
    if outs == [(latent_dim,), (latent_dim,)]:
        return "vae"
    raise UserModelError(f"the encoder returns {outs}; expected one code ({latent_dim},) or a mean and a "
                         f"log-variance [({latent_dim},), ({latent_dim},)] to match the decoder's {latent_dim}-D input")


def channels_last(network, image_shape, role: str):
    """A network taking (or returning) (H, W) pictures wrapped to take (return) (H, W, 1), as every page expects."""
    import keras
    if role == "decoder":
        if _shape(network.outputs[0]) == image_shape:
            return network
        z = keras.Input(_shape(network.inputs[0]), name="z")
        return keras.Model(z, keras.layers.Reshape(image_shape, name="images")(network(z)), name="decoder")
    if _shape(network.inputs[0]) == image_shape:
        return network
    x = keras.Input(image_shape, name="images")
    return keras.Model(x, network(keras.layers.Reshape(image_shape[:2])(x)), name="encoder")


def output_range(decoder, latent_dim: int) -> tuple[tuple[float, float], str]:
    """((low, high), how it was found): measured on decoded N(0, I) samples, sigmoid [0, 1] or tanh [-1, 1]."""
    z = np.random.default_rng(0).normal(size=(RANGE_SAMPLES, latent_dim)).astype(np.float32)
    x = np.asarray(decoder.predict(z, batch_size=256, verbose=0))
    low, high = float(x.min()), float(x.max())
    seen = f"{RANGE_SAMPLES} decoded samples span [{low:.3g}, {high:.3g}]"
    if low >= -TOLERANCE and high <= 1 + TOLERANCE:
        return (0.0, 1.0), f"{seen}: sigmoid-like, read as [0, 1]"
    if low >= -1 - TOLERANCE and high <= 1 + TOLERANCE:
        return (-1.0, 1.0), f"{seen}: tanh-like, read as [-1, 1]"
    raise UserModelError(f"the decoder's {seen}: neither [0, 1] (sigmoid) nor [-1, 1] (tanh); end it in a "
                         f"sigmoid or tanh layer so its pictures can be shown")


def import_model(name: str, decoder_path, encoder_path=None, data=None, labels=None,
                 custom_objects: str | None = None, say=print, command: str | None = None) -> Path:
    """Check, measure and write one user model; returns its folder."""
    from .latent_model import LatentModel
    check_name(name)
    decoder = load_network(decoder_path, "decoder", custom_objects)
    shape, latent_dim = image_shape_of(decoder), latent_dim_of(decoder)
    decoder = channels_last(decoder, shape, "decoder")
    value_range, how = output_range(decoder, latent_dim)
    say(f"decoder: {latent_dim}-D code -> {shape} pictures; {how}")
    networks, family = {"decoder": decoder}, "generator"
    if encoder_path:
        encoder = load_network(encoder_path, "encoder", custom_objects)
        family = encoder_kind(encoder, shape, latent_dim)
        networks["encoder"] = channels_last(encoder, shape, "encoder")
        say(f"encoder: {'mean and log-variance (a VAE)' if family == 'vae' else 'one code (an autoencoder)'}")
    if labels and not data:
        raise UserModelError("--labels goes with --data (the pictures it labels)")
    pictures = None
    if data:
        from .data.image_folder import read_folder
        if shape[0] != shape[1]:
            raise UserModelError(f"--data pictures are cropped square, but the model draws {shape[0]} x {shape[1]}")
        pictures = read_folder(data, shape[0], colour=shape[-1] == 3, labels_csv=labels)
        say(f"data: {len(pictures.images)} pictures from {data}, centre-cropped and resized to {shape[0]} px")
    card = {"title": name, "family": family, "summary": f"Imported from {Path(decoder_path).name}"
            + (f" and {Path(encoder_path).name}" if encoder_path else "") + ".",
            "latent_dim": latent_dim, "image_shape": list(shape), "conditional": False,
            "output_range": list(value_range), **labels_card(pictures),
            "dataset": {"name": "images", "description": f"pictures from {data}" if data else "none given",
                        "fit": 0, "validation": 0, "heldout": len(pictures.images) if pictures else 0},
            "training": {"command": command or f"python -m core.import_model {name} --decoder {decoder_path}",
                         "epochs_run": 0, "wall_time_s": 0.0, "imported": True},
            "metrics": {"output_range_measured": how}}
    if custom_objects:
        card["custom_objects"] = custom_objects
    arrays = None
    if pictures is not None and "encoder" in networks:
        model = LatentModel(card | {"id": name}, networks.get("encoder"), decoder)
        metrics, arrays = measure(model, pictures, np.arange(len(pictures.images)))
        card["metrics"].update(metrics)
        say(f"measured on {len(pictures.images)} pictures: reconstruction MSE {metrics['reconstruction_mse']:.4f}")
    elif pictures is not None:
        say("a generator alone has no codes of pictures to measure: --data is checked but gives no figures yet")
    folder = publish(name, networks, card, arrays, card["training"]["command"])
    say(f"imported {name} into {folder}")
    return folder


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.import_model", description=__doc__.split("\n")[0])
    p.add_argument("name", help="the model's name (lower-case letters, digits, - _ .)")
    p.add_argument("--decoder", required=True, help="the decoder or generator, a .keras file")
    p.add_argument("--encoder", help="the encoder, a .keras file (a VAE's returns mean and log-variance)")
    p.add_argument("--data", help="a folder of PNG/JPEG/WebP pictures to measure the model on")
    p.add_argument("--labels", help="labels.csv: `file` and `label` columns, or one 0/1 column per attribute")
    p.add_argument("--custom-objects", help="the module (package.module) defining the model's custom layers")
    a = p.parse_args(argv)
    from .data.image_folder import FolderError
    try:
        import_model(a.name, a.decoder, a.encoder, a.data, a.labels, a.custom_objects,
                     command=shlex.join(["python", "-m", "core.import_model", *(argv or sys.argv[1:])]))
    except (UserModelError, FolderError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
