"""Variational autoencoder (Kingma & Welling, 2014), in the shape of keras.io's VAE example.

The encoder outputs the mean and log-variance of q(z|x); the decoder outputs
Bernoulli (or fixed-variance Gaussian) means. Loss = reconstruction NLL + beta * KL.
Subclasses change only `networks` and `split_batch` (see cvae.py).
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from .losses import kl_divergence, reconstruction_nll, reparameterize
from .networks import conv_features, mlp_decoder


def build_encoder(latent_dim, image_shape):
    images, h = conv_features(image_shape)
    z_mean = layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(h)
    return keras.Model(images, [z_mean, z_log_var], name="encoder")


class VAE(keras.Model):
    def __init__(self, latent_dim, image_shape=(28, 28, 1), beta=1.0, likelihood="bernoulli",
                 binarize=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = self.networks(latent_dim, tuple(image_shape))
        self.beta, self.likelihood, self.binarize = beta, likelihood, binarize
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {n: keras.metrics.Mean(name=n) for n in ("loss", "reconstruction", "kl")}

    def networks(self, latent_dim, image_shape):
        return build_encoder(latent_dim, image_shape), mlp_decoder(latent_dim, image_shape)

    @staticmethod
    def split_batch(data):
        """(inputs the encoder and decoder share besides image/z, images). Plain VAE: no conditioning."""
        return [], data

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, data, training=False):
        cond, images = self.split_batch(data)
        z_mean, _ = self.encoder([images, *cond] if cond else images, training=training)
        return self.decoder([z_mean, *cond] if cond else z_mean, training=training)

    def _terms(self, data, training):
        cond, images = self.split_batch(data)
        targets = images
        if self.binarize and self.likelihood == "bernoulli":
            # Dynamic binarisation: each epoch sees a fresh binary sample of every digit.
            u = keras.random.uniform(ops.shape(images), seed=self.seed_generator)
            targets = ops.cast(u < images, images.dtype)
        # q(z|x) sees the grey-level digit; the likelihood scores its binary sample.
        # Any q gives a valid lower bound, and uploads encode the way training did.
        z_mean, z_log_var = self.encoder([images, *cond] if cond else images, training=training)
        z = reparameterize(z_mean, z_log_var, self.seed_generator)
        probs = self.decoder([z, *cond] if cond else z, training=training)
        recon = ops.mean(reconstruction_nll(targets, probs, self.likelihood))
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        return recon + self.beta * kl, recon, kl

    def _track(self, loss, recon, kl):
        for name, value in zip(("loss", "reconstruction", "kl"), (loss, recon, kl)):
            self.trackers[name].update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss, recon, kl = self._terms(data, training=True)
            scaled = loss / tf.distribute.get_strategy().num_replicas_in_sync
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self._track(loss, recon, kl)

    def test_step(self, data):
        return self._track(*self._terms(data, training=False))
