"""A convolutional face VAE with residual blocks and a perceptual loss (deep-feature-consistent VAE, Hou et al. 2017).

Why not the book's model: a pixel loss alone with KL weight 1 gives every face
the same soft average look. Here the decoder is a Gaussian of fixed spread
`sigma` per pixel (smaller sigma weighs the pixels more against the KL term),
plus the squared difference of the face judge's convolutional activations
between a face and its reconstruction, which rewards edges, eyes and mouths
that pixel error barely sees. The KL weight warms up linearly over the first
`warmup_steps` steps; validation always uses the full weight so epochs compare.

Encoder and decoder are plain Keras functional models of built-in layers, so
they save as .keras files that load with safe_mode=True.
"""
from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers, ops

from .losses import kl_divergence, reparameterize

WIDTHS = (32, 64, 128, 256)  # encoder, per stride-2 stage; the decoder mirrors them


def _conv_bn(x, width, kernel=3, strides=1, name=None):
    x = layers.Conv2D(width, kernel, strides=strides, padding="same", use_bias=False,
                      name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(name=None if name is None else f"{name}_bn")(x)
    return layers.LeakyReLU(0.2, name=None if name is None else f"{name}_act")(x)


def _residual(x, name):
    """x + conv(conv(x)): lets the stage add detail without losing what it was given."""
    width = x.shape[-1]
    h = _conv_bn(x, width, name=f"{name}_a")
    h = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"{name}_b_conv")(h)
    h = layers.BatchNormalization(name=f"{name}_b_bn")(h)
    return layers.LeakyReLU(0.2, name=f"{name}_out")(layers.Add(name=f"{name}_add")([x, h]))


def build_encoder(latent_dim, image_shape=(64, 64, 3), widths=WIDTHS, residual=True):
    """Image -> (z_mean, z_log_var): a stride-2 convolution per stage (64 -> 32 -> 16 -> 8 -> 4)."""
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i, width in enumerate(widths):
        x = _conv_bn(x, width, kernel=4, strides=2, name=f"down{i + 1}")
        if residual and i == len(widths) - 1:  # the smallest, cheapest map: detail is the decoder's job
            x = _residual(x, name=f"down{i + 1}_res")
    x = layers.Flatten()(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    # Starts at log-variance 0 (the prior's): a random start over 4,096 inputs can give exp(log_var) of 1e12.
    z_log_var = layers.Dense(latent_dim, kernel_initializer="zeros", name="z_log_var")(x)
    return keras.Model(images, [z_mean, z_log_var], name="encoder")


def build_decoder(latent_dim, image_shape=(64, 64, 3), widths=WIDTHS, residual=True):
    """z -> image in [0, 1]: nearest-neighbour upsampling then convolution per stage (no checkerboard of
    transposed convolutions); an image side that is not a multiple of 2**stages is cropped to size."""
    stages = len(widths)
    h, w, channels = image_shape
    base_h, base_w = -(-h // 2 ** stages), -(-w // 2 ** stages)
    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(base_h * base_w * widths[-1], name="project")(z)
    x = layers.Reshape((base_h, base_w, widths[-1]))(x)
    x = layers.LeakyReLU(0.2)(x)
    for i, width in enumerate(reversed(widths)):
        x = layers.UpSampling2D(name=f"up{i + 1}_upsample")(x)
        x = _conv_bn(x, max(width // 2, 16), name=f"up{i + 1}")
        if residual and i < 2:
            x = _residual(x, name=f"up{i + 1}_res")
    x = layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="pixels")(x)
    extra_h, extra_w = base_h * 2 ** stages - h, base_w * 2 ** stages - w
    if extra_h or extra_w:
        x = layers.Cropping2D(((extra_h // 2, extra_h - extra_h // 2), (extra_w // 2, extra_w - extra_w // 2)))(x)
    return keras.Model(z, layers.Identity(name="images")(x), name="decoder")


class FaceVAE(keras.Model):
    """Loss per face = 0.5 * SSE / sigma^2 + perceptual_weight * judge-feature SE + beta(step) * KL.

    `perceptual` is a frozen model mapping images to a list of activations (the face judge's blocks), or None.
    """

    def __init__(self, latent_dim, image_shape=(64, 64, 3), beta=1.0, sigma=0.1, perceptual=None,
                 perceptual_weight=1.0, warmup_steps=0, widths=WIDTHS, residual=True, flip=True, seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.encoder = build_encoder(latent_dim, tuple(image_shape), widths, residual)
        self.decoder = build_decoder(latent_dim, tuple(image_shape), widths, residual)
        self.perceptual = perceptual
        self.beta, self.sigma, self.perceptual_weight = float(beta), float(sigma), float(perceptual_weight)
        self.warmup_steps, self.flip = int(warmup_steps), bool(flip)
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ("loss", "pixel", "perceptual", "kl", "mse")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in names}

    def config_for_card(self) -> dict:
        """The hyperparameters not in the recipe, for the model card."""
        return {"sigma": self.sigma, "perceptual_weight": self.perceptual_weight if self.perceptual else 0.0,
                "perceptual_layers": [t._keras_history.operation.name for t in self.perceptual.outputs]
                if self.perceptual else [], "kl_warmup_steps": self.warmup_steps, "horizontal_flip": self.flip,
                "encoder_parameters": self.encoder.count_params(), "decoder_parameters": self.decoder.count_params()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, images, training=False):
        z_mean, _ = self.encoder(images, training=training)
        return self.decoder(z_mean, training=training)

    def kl_weight(self, training):
        if not training or self.warmup_steps <= 0:
            return self.beta
        step = ops.cast(self.optimizer.iterations, "float32")
        return self.beta * ops.minimum(1.0, (step + 1.0) / float(self.warmup_steps))

    def _terms(self, images, training):
        if training and self.flip:  # mirrored faces are faces too: twice the variety for free
            mirror = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=self.seed_generator) < 0.5
            images = ops.where(mirror, ops.flip(images, axis=2), images)
        z_mean, z_log_var = self.encoder(images, training=training)
        z = reparameterize(z_mean, z_log_var, self.seed_generator)
        recon = self.decoder(z, training=training)
        sse = ops.sum(ops.square(images - recon), axis=(1, 2, 3))
        pixel = ops.mean(0.5 * sse / self.sigma ** 2)
        perceptual = ops.convert_to_tensor(0.0)
        if self.perceptual is not None and self.perceptual_weight:
            real = self.perceptual(images, training=False)
            fake = self.perceptual(recon, training=False)
            perceptual = sum(ops.mean(ops.sum(ops.square(ops.stop_gradient(a) - b), axis=(1, 2, 3)))
                             for a, b in zip(real, fake))
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        loss = pixel + self.perceptual_weight * perceptual + self.kl_weight(training) * kl
        pixels = math.prod(images.shape[1:])
        return {"loss": loss, "pixel": pixel, "perceptual": perceptual, "kl": kl, "mse": ops.mean(sse) / pixels}

    def _track(self, terms):
        for name, value in terms.items():
            self.trackers[name].update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, images):
        with tf.GradientTape() as tape:
            terms = self._terms(images, training=True)
            scaled = terms["loss"] / tf.distribute.get_strategy().num_replicas_in_sync
        weights = self.encoder.trainable_weights + self.decoder.trainable_weights
        grads = tape.gradient(scaled, weights)
        self.optimizer.apply_gradients(zip(grads, weights))
        return self._track(terms)

    def test_step(self, images):
        return self._track(self._terms(images, training=False))
