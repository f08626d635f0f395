"""Bring your own Keras model into Latent Lab's models folder ($LATENT_LAB_MODELS, default ~/.latent_lab/models).

    python -m core.import_model NAME --decoder dec.keras [--encoder enc.keras] [--data DIR] [--labels labels.csv]
                                     [--custom-objects package.module]

A decoder alone is a generator (GAN-like); with an encoder, a VAE (mean, log-variance) or an autoencoder (one
code). A conditional model's decoder takes the code and then a one-hot label (k,), as core's CVAE does; its encoder,
if any, takes the picture and then that label. Files are loaded with safe mode on: a `Lambda` layer is refused,
and a custom layer loads only from the module --custom-objects names (imported explicitly). Shapes, the encoder's
outputs and the decoder's output range (measured on decoded samples: sigmoid [0, 1] or tanh [-1, 1]) are checked;
images shaped (H, W) are stored as (H, W, 1). With --data (a folder of pictures, core.data.image_folder) an
encoder's card is measured on them.
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
from .user_models import UserModelError, attribute_edits, check_name, labels_card, measure, publish

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


def inputs_of(decoder, classes: int | None = None) -> tuple[int, int]:
    """(latent dimensions, classes of its label input: 0 for a decoder told no label), after checking it takes a
    code (d,), or a code and then a one-hot label (k,); `classes`: how many the labels file names, when given."""
    shapes = [_shape(t) for t in decoder.inputs]
    if len(shapes) not in (1, 2) or any(len(s) != 1 or s[0] is None for s in shapes):
        raise UserModelError(f"the decoder must take one latent code shaped (d,), or a code (d,) and then a one-hot "
                             f"label (k,) (a conditional model); it takes {shapes}")
    latent, k = shapes[0][0], (shapes[1][0] if len(shapes) == 2 else 0)
    if k == 1:
        raise UserModelError("the decoder's label input has 1 entry: a one-hot label needs one entry a class (2 or "
                             "more)")
    if k and classes is not None and k != classes:
        swapped = " (are its inputs swapped? the code comes first, then the label)" if latent == classes else ""
        raise UserModelError(f"the decoder's label input takes {k} classes, but the labels file names {classes}"
                             f"{swapped}")
    return int(latent), int(k)


def image_shape_of(decoder) -> tuple[int, int, int]:
    """The decoder's picture shape as (H, W, C), from (H, W) or (H, W, C) outputs."""
    if len(decoder.outputs) != 1:
        raise UserModelError(f"the decoder must return one picture; it returns {len(decoder.outputs)} outputs")
    shape = _shape(decoder.outputs[0])
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or shape[-1] not in (1, 3) or None in shape:
        raise UserModelError(f"the decoder returns shape {_shape(decoder.outputs[0])}; expected (H, W) or (H, W, 1) "
                             f"for grey pictures, (H, W, 3) for colour")
    return tuple(int(s) for s in shape)


def encoder_kind(encoder, image_shape, latent_dim: int, classes: int = 0) -> str:
    """"vae" (it returns mean and log-variance) or "ae" (one code), after checking it fits the decoder (told the
    label too when the decoder is: `classes`)."""
    if classes and [_shape(t) for t in encoder.inputs[1:]] != [(classes,)]:
        raise UserModelError(f"the decoder is told a label of {classes} classes, so the encoder must take the picture "
                             f"and then that label ({classes},); it takes {[_shape(t) for t in encoder.inputs]}")
    if not classes and len(encoder.inputs) != 1:
        raise UserModelError(f"the encoder must take one picture; it takes {len(encoder.inputs)} inputs (a label "
                             f"input needs a decoder told the label too)")
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
        ins = [keras.Input(_shape(t)) for t in network.inputs]
        drawn = network(ins if len(ins) > 1 else ins[0])
        return keras.Model(ins if len(ins) > 1 else ins[0], keras.layers.Reshape(image_shape, name="images")(drawn),
                           name="decoder")
    if _shape(network.inputs[0]) == image_shape:
        return network
    ins = [keras.Input(image_shape, name="images"), *(keras.Input(_shape(t)) for t in network.inputs[1:])]
    flat = [keras.layers.Reshape(image_shape[:2])(ins[0]), *ins[1:]]
    return keras.Model(ins if len(ins) > 1 else ins[0], network(flat if len(flat) > 1 else flat[0]), name="encoder")


def output_range(decoder, latent_dim: int, classes: int = 0) -> tuple[tuple[float, float], str]:
    """((low, high), how it was found): measured on decoded N(0, I) samples (every label in turn, for a conditional
    decoder), sigmoid [0, 1] or tanh [-1, 1]."""
    z = np.random.default_rng(0).normal(size=(RANGE_SAMPLES, latent_dim)).astype(np.float32)
    told = [np.eye(classes, dtype=np.float32)[np.arange(RANGE_SAMPLES) % classes]] if classes else []
    x = np.asarray(decoder.predict([z, *told] if told else z, batch_size=256, verbose=0))
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
    if labels and not data:
        raise UserModelError("--labels goes with --data (the pictures it labels)")
    decoder = load_network(decoder_path, "decoder", custom_objects)
    shape = image_shape_of(decoder)
    pictures = None
    if data:
        from .data.image_folder import read_folder
        if shape[0] != shape[1]:
            raise UserModelError(f"--data pictures are cropped square, but the model draws {shape[0]} x {shape[1]}")
        pictures = read_folder(data, shape[0], colour=shape[-1] == 3, labels_csv=labels)
        say(f"data: {len(pictures.images)} pictures from {data}, centre-cropped and resized to {shape[0]} px")
    classes_named = len(pictures.class_names) if pictures is not None and pictures.labels is not None else None
    latent_dim, classes = inputs_of(decoder, classes_named)
    decoder = channels_last(decoder, shape, "decoder")
    value_range, how = output_range(decoder, latent_dim, classes)
    say(f"decoder: {latent_dim}-D code" + (f" and a one-hot label of {classes} classes" if classes else "")
        + f" -> {shape} pictures; {how}")
    networks, family = {"decoder": decoder}, "generator"
    if encoder_path:
        encoder = load_network(encoder_path, "encoder", custom_objects)
        family = encoder_kind(encoder, shape, latent_dim, classes)
        networks["encoder"] = channels_last(encoder, shape, "encoder")
        say(f"encoder: {'mean and log-variance (a VAE)' if family == 'vae' else 'one code (an autoencoder)'}"
            + (", told the label" if classes else ""))
        if classes and pictures is not None and classes_named is None:
            raise UserModelError("a conditional encoder reads each picture with its label: give --labels with --data "
                                 "(a `label` column), or leave out --data")
    card = {"title": name, "family": family, "summary": f"Imported from {Path(decoder_path).name}"
            + (f" and {Path(encoder_path).name}" if encoder_path else "") + ".",
            "latent_dim": latent_dim, "image_shape": list(shape), "conditional": bool(classes),
            "output_range": list(value_range), **labels_card(pictures, classes),
            "dataset": {"name": "images", "description": f"pictures from {data}" if data else "none given",
                        "fit": 0, "validation": 0, "heldout": len(pictures.images) if pictures else 0},
            "training": {"command": command or f"python -m core.import_model {name} --decoder {decoder_path}",
                         "epochs_run": 0, "wall_time_s": 0.0, "imported": True},
            "metrics": {"output_range_measured": how}}
    if custom_objects:
        card["custom_objects"] = custom_objects
    arrays = attributes = None
    if pictures is not None and "encoder" in networks:
        model = LatentModel(card | {"id": name}, networks.get("encoder"), decoder)
        everything = np.arange(len(pictures.images))
        metrics, arrays = measure(model, pictures, everything)
        card["metrics"].update(metrics)
        say(f"measured on {len(pictures.images)} pictures: reconstruction MSE {metrics['reconstruction_mse']:.4f}")
        edits, attributes = attribute_edits(model, pictures, everything)
        if edits:
            card["attribute_vectors"] = edits
            say(f"attribute vectors (mean differences, unmeasured): {', '.join(edits['with'])}")
    elif pictures is not None:
        say("a generator alone has no codes of pictures to measure: --data is checked but gives no figures yet")
    folder = publish(name, networks, card, arrays, card["training"]["command"], attributes)
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
