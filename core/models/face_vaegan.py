"""Sharpening a trained face VAE's decoder with a patch critic (VAE-GAN, Larsen et al. 2016; the adaptive
adversarial weight of VQGAN, Esser et al. 2021).

Why: a pixel and perceptual loss are met on average by a soft face, so decoded faces lack the fine detail
of photographs. A critic that judges 8 x 8 patches of a face, real against decoded, rewards that detail.
The encoder stays frozen, so every code, attribute vector and upload keeps its meaning; only the decoder
moves, starting from its trained weights, its batch-norm statistics frozen (moving averages are used).

The decoder's loss is the VAE's reconstruction terms (pixel + perceptual) plus `adversarial_weight` times
lambda times the non-saturating adversarial loss, where lambda = |grad of reconstruction| / |grad of
adversarial| taken at the decoded pixels (VQGAN takes it at the last layer's weights; at the pixels one pass
back through the decoder serves both): the two pulls stay in proportion however large either loss is.
Decoded faces come both from training faces' codes and from the prior (N(0, I) and the training codes'
per-dimension Gaussian), so samples sharpen too. The critic (spectral norm, hinge loss) never ships.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from .losses import reparameterize


def build_patch_critic(image_shape=(64, 64, 3), widths=(64, 128, 256)):
    """Image in [0, 1] -> a logit per patch (64 -> 8 x 8 for three stride-2 stages), spectrally normalised."""
    images = keras.Input(shape=image_shape, name="images")
    x = layers.Rescaling(2.0, offset=-1.0)(images)
    for i, width in enumerate(widths):
        x = layers.SpectralNormalization(layers.Conv2D(width, 4, strides=2, padding="same"), name=f"critic{i + 1}")(x)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.SpectralNormalization(layers.Conv2D(1, 3, padding="same"), name="patch_logits")(x)
    return keras.Model(images, logits, name="patch_critic")


class SharpenedDecoder(keras.Model):
    """Trains `decoder` (trained weights) against a patch critic; `encoder` and `perceptual` stay frozen.

    `code_mean`, `code_std`: the training codes' per-dimension statistics (the sampling trick's prior).
    """

    def __init__(self, encoder, decoder, perceptual, code_mean, code_std, sigma=0.05, perceptual_weight=0.4,
                 adversarial_weight=0.5, warmup_steps=250, flip=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.perceptual = encoder, decoder, perceptual
        self.encoder.trainable = False
        self.critic = build_patch_critic(tuple(decoder.output.shape[1:]))
        self.code_mean = ops.convert_to_tensor(np.asarray(code_mean, np.float32))
        self.code_std = ops.convert_to_tensor(np.asarray(code_std, np.float32))
        self.sigma, self.perceptual_weight = float(sigma), float(perceptual_weight)
        self.adversarial_weight, self.warmup_steps, self.flip = float(adversarial_weight), int(warmup_steps), flip
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ("pixel", "perceptual", "adversarial", "balance", "critic", "real_score", "fake_score", "mse")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in names}

    def compile(self, decoder_optimizer, critic_optimizer, **kwargs):
        super().compile(optimizer=decoder_optimizer, **kwargs)
        self.critic_optimizer = critic_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, images, training=False):
        z_mean, _ = self.encoder(images, training=False)
        return self.decoder(z_mean, training=False)

    def config_for_card(self) -> dict:
        return {"sigma": self.sigma, "perceptual_weight": self.perceptual_weight,
                "adversarial_weight": self.adversarial_weight, "adversarial_warmup_steps": self.warmup_steps,
                "horizontal_flip": self.flip, "critic_parameters": self.critic.count_params(),
                "critic": "3 spectrally normalised stride-2 convolutions (64, 128, 256) and a 3x3 logit per "
                          "8x8-pixel patch; hinge loss"}

    def _faces_and_codes(self, images):
        if self.flip:
            mirror = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=self.seed_generator) < 0.5
            images = ops.where(mirror, ops.flip(images, axis=2), images)
        z_mean, z_log_var = self.encoder(images, training=False)
        z = reparameterize(z_mean, z_log_var, self.seed_generator)
        noise = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        half = ops.shape(noise)[0] // 2  # half from N(0, I), half from the training codes' Gaussian
        trick = self.code_mean + self.code_std * noise
        prior = ops.concatenate([noise[:half], trick[half:]], axis=0)
        return images, z, prior

    def _reconstruction(self, images, recon):
        sse = ops.sum(ops.square(images - recon), axis=(1, 2, 3))
        pixel = ops.mean(0.5 * sse / self.sigma ** 2)
        real = self.perceptual(images, training=False)
        fake = self.perceptual(recon, training=False)
        perceptual = sum(ops.mean(ops.sum(ops.square(ops.stop_gradient(a) - b), axis=(1, 2, 3)))
                         for a, b in zip(real, fake))
        return pixel, perceptual, ops.mean(sse) / float(np.prod(images.shape[1:]))

    def _ramp(self):
        if self.warmup_steps <= 0:
            return self.adversarial_weight
        step = ops.cast(self.optimizer.iterations, "float32")
        return self.adversarial_weight * ops.minimum(1.0, step / float(self.warmup_steps))

    def train_step(self, images):
        images, z, prior = self._faces_and_codes(images)
        weights = self.decoder.trainable_weights
        with tf.GradientTape() as tape:
            recon = self.decoder(z, training=False)
            drawn = self.decoder(prior, training=False)
        with tf.GradientTape(persistent=True) as pixels:  # the pulls on the decoded pixels, weighed there
            pixels.watch([recon, drawn])
            pixel, perceptual, mse = self._reconstruction(images, recon)
            rebuild = pixel + self.perceptual_weight * perceptual
            fooled = ops.mean(ops.softplus(-self.critic(ops.concatenate([recon, drawn], 0), training=False)))
        rebuild_pull = pixels.gradient(rebuild, recon)
        fooled_recon, fooled_drawn = pixels.gradient(fooled, [recon, drawn])
        del pixels
        norm = lambda *g: ops.sqrt(sum(ops.sum(ops.square(x)) for x in g))
        balance = ops.minimum(norm(rebuild_pull) / (norm(fooled_recon, fooled_drawn) + 1e-8), 1e8)
        scale = balance * self._ramp()
        grads = tape.gradient([recon, drawn], weights,
                              output_gradients=[rebuild_pull + scale * fooled_recon, scale * fooled_drawn])
        self.optimizer.apply_gradients(zip(grads, weights))

        fakes = ops.stop_gradient(ops.concatenate([recon, drawn], 0))
        with tf.GradientTape() as tape:
            real_score = self.critic(images, training=True)
            fake_score = self.critic(fakes, training=True)
            critic_loss = ops.mean(ops.relu(1.0 - real_score)) + ops.mean(ops.relu(1.0 + fake_score))
        grads = tape.gradient(critic_loss, self.critic.trainable_weights)
        self.critic_optimizer.apply_gradients(zip(grads, self.critic.trainable_weights))
        return self._track({"pixel": pixel, "perceptual": perceptual, "adversarial": fooled, "balance": balance,
                            "critic": critic_loss, "real_score": ops.mean(real_score),
                            "fake_score": ops.mean(fake_score), "mse": mse})

    def test_step(self, images):
        z_mean, _ = self.encoder(images, training=False)
        recon = self.decoder(z_mean, training=False)
        pixel, perceptual, mse = self._reconstruction(images, recon)
        return self._track({"pixel": pixel, "perceptual": perceptual, "mse": mse})

    def _track(self, terms):
        for name, value in terms.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in terms}
