"""`LatentModel`: what pages and notebooks hold after `core.load_model(id)`.

Encoding and decoding run through `tf.function`s with a fixed input signature,
in batches, so one point costs about a millisecond and a 900-image grid tens of
milliseconds. Images come back as float32 in [0, 1], shaped (N, H, W) for
grayscale and (N, H, W, 3) for colour.
"""
from __future__ import annotations

import numpy as np

from .images import as_model_input

BATCH = 1024


class LatentModel:
    def __init__(self, card: dict, encoder, decoder, heldout: dict | None = None):
        import tensorflow as tf
        self.card = card
        self.id = card["id"]
        self.latent_dim = int(card["latent_dim"])
        self.image_shape = tuple(card["image_shape"])
        self.num_classes = int(card.get("num_classes", 0))
        self.conditional = bool(card.get("conditional", False))
        self.heldout = heldout  # latent means, labels and 2-D projections of the held-out split
        self.encoder, self.decoder = encoder, decoder
        z_spec = tf.TensorSpec([None, self.latent_dim], tf.float32)
        if self.conditional:
            c_spec = tf.TensorSpec([None, self.num_classes], tf.float32)
            self._decode = tf.function(lambda z, c: decoder([z, c], training=False), input_signature=[z_spec, c_spec])
        else:
            self._decode = tf.function(lambda z: decoder(z, training=False), input_signature=[z_spec])
        if encoder is not None:
            x_spec = tf.TensorSpec([None, *self.image_shape], tf.float32)
            self._encode = tf.function(lambda x: encoder(x, training=False), input_signature=[x_spec])

    @property
    def has_encoder(self) -> bool:
        return self.encoder is not None

    def encode(self, images) -> np.ndarray:
        """Latent means (N, latent_dim) of images (uint8 0-255 or float 0-1)."""
        if not self.has_encoder:
            raise ValueError(f"{self.id} is a generator with no encoder")
        x = as_model_input(images)
        if x.shape[1:] != self.image_shape:
            raise ValueError(f"{self.id} encodes images of shape {self.image_shape}, got {x.shape[1:]}")
        outs = []
        for i in range(0, len(x), BATCH):
            out = self._encode(x[i:i + BATCH])
            outs.append((out[0] if isinstance(out, (list, tuple)) else out).numpy())
        return np.concatenate(outs) if outs else np.zeros((0, self.latent_dim), np.float32)

    def decode(self, z, labels=None) -> np.ndarray:
        """Images for latent points z (N, latent_dim); `labels` (class indices or weight vectors) for conditional models."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.latent_dim)
        args = [z]
        if self.conditional:
            if labels is None:
                raise ValueError(f"{self.id} is conditional: pass labels")
            args.append(self.label_weights(labels, len(z)))
        elif labels is not None:
            raise ValueError(f"{self.id} is not conditional; it takes no labels")
        outs = [self._decode(*(a[i:i + BATCH] for a in args)).numpy() for i in range(0, len(z), BATCH)]
        x = np.concatenate(outs) if outs else np.zeros((0, *self.image_shape), np.float32)
        return x[..., 0] if x.shape[-1] == 1 else x

    def label_weights(self, labels, n: int) -> np.ndarray:
        """Class indices (N,) or weight vectors (N, classes) -> (n, classes) float weights."""
        c = np.asarray(labels)
        if c.ndim <= 1 and np.issubdtype(c.dtype, np.integer):
            c = np.eye(self.num_classes, dtype=np.float32)[np.broadcast_to(c, (n,))]
        c = np.broadcast_to(np.asarray(c, np.float32), (n, self.num_classes))
        return np.ascontiguousarray(c)

    def reconstruct(self, images) -> np.ndarray:
        return self.decode(self.encode(images))

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance to sample from: N(0, I) for a VAE; for an autoencoder, a Gaussian fitted to its training codes."""
        p = self.card.get("prior")
        if p is None:
            return np.zeros(self.latent_dim, np.float32), np.eye(self.latent_dim, dtype=np.float32)
        return np.asarray(p["mean"], np.float32), np.asarray(p["cov"], np.float32)

    def sample_latents(self, n: int, seed: int = 0) -> np.ndarray:
        mean, cov = self.prior()
        return np.random.default_rng(seed).multivariate_normal(mean, cov, size=n).astype(np.float32)

    def sample(self, n: int, seed: int = 0, labels=None) -> np.ndarray:
        return self.decode(self.sample_latents(n, seed), labels)
