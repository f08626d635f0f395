"""Encoder and decoder stacks shared by the model families.

Decoders are MLPs on purpose: a 30x30 manifold sweep is 900 decodes and must
finish in tens of milliseconds on two CPU cores, which GEMM-shaped layers do
and transposed convolutions of useful width do not.
"""
from __future__ import annotations

import keras
from keras import layers


def conv_features(image_shape, inputs=None, name="features"):
    """Image -> 256-D feature vector (two strided convolutions, as in keras.io's VAE)."""
    images = inputs if inputs is not None else keras.Input(shape=image_shape, name="images")
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(images)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    return images, layers.Dense(256, activation="relu", name=name)(x)


def mlp_decoder(latent_dim, image_shape, extra_inputs=(), name="decoder", widths=(256, 512)):
    """Latent code (plus optional conditioning inputs) -> pixel intensities in [0, 1]."""
    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Concatenate()([z, *extra_inputs]) if extra_inputs else z
    for width in widths:
        x = layers.Dense(width, activation="relu")(x)
    pixels = 1
    for s in image_shape:
        pixels *= s
    x = layers.Dense(pixels, activation="sigmoid")(x)
    images = layers.Reshape(image_shape, name="images")(x)
    return keras.Model([z, *extra_inputs] if extra_inputs else z, images, name=name)
