"""Conditional VAE (Sohn et al., 2015): the one-hot label joins the encoder's input and the latent code.

Because the decoder is told the label, the latent code is free to hold style
(slant, stroke width) while the label holds identity.
"""
from __future__ import annotations

import keras
from keras import layers

from .networks import conv_features, mlp_decoder
from .vae import VAE


def build_encoder(latent_dim, image_shape, num_classes):
    images, h = conv_features(image_shape)
    labels = keras.Input(shape=(num_classes,), name="labels")
    h = layers.Dense(256, activation="relu")(layers.Concatenate()([h, labels]))
    z_mean = layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(h)
    return keras.Model([images, labels], [z_mean, z_log_var], name="encoder")


class CVAE(VAE):
    """Trained on (images, one-hot labels) batches; encoder([x, y]) and decoder([z, y])."""

    def __init__(self, latent_dim, num_classes=10, **kwargs):
        self.num_classes = num_classes
        super().__init__(latent_dim, **kwargs)

    def networks(self, latent_dim, image_shape):
        labels = keras.Input(shape=(self.num_classes,), name="labels")
        return (build_encoder(latent_dim, image_shape, self.num_classes),
                mlp_decoder(latent_dim, image_shape, extra_inputs=(labels,)))

    @staticmethod
    def split_batch(data):
        images, labels = data
        return [labels], images
