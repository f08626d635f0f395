"""`LatentModel`: what pages and notebooks hold after `core.load_model(id)`.

Encoding and decoding run through `tf.function`s with a fixed input signature,
in batches, so one point costs about a millisecond and a 900-image grid tens of
milliseconds. Images come back as float32 in [0, 1], shaped (N, H, W) for
grayscale and (N, H, W, 3) for colour.

A model shipped with attribute vectors (the face VAE) also edits codes:
`m.edit(z, {"Smiling": 1.0}, hold=["Male"])`, strengths in multiples of each
attribute's mean-difference vector.
"""
from __future__ import annotations

import numpy as np

from .images import as_model_input
from .measured_edits import MeasuredEdits

BATCH = 1024


class LatentModel:
    def __init__(self, card: dict, encoder, decoder, heldout: dict | None = None, attributes: dict | None = None,
                 story: dict | None = None):
        import tensorflow as tf
        self.card = card
        self.id = card["id"]
        self.latent_dim = int(card["latent_dim"])
        self.image_shape = tuple(card["image_shape"])
        self.num_classes = int(card.get("num_classes", 0))
        self.conditional = bool(card.get("conditional", False))
        self.heldout = heldout  # latent means, labels and 2-D projections of the held-out split (digits), or
        # for faces only aggregate statistics of the training codes (train_mean, train_std, train_components,
        # train_component_std): no face's own code
        attributes = attributes or {}
        self.attribute_vectors = {str(n): np.asarray(v, np.float32)
                                  for n, v in zip(attributes.get("names", ()), attributes.get("vectors", ()))}
        edits = card.get("metrics", {}).get("attribute_edits", {})
        self.default_strengths = {n: float(s) for n, s in edits.get("default_strengths", {}).items()}
        # the sliders' edits: each attribute's method that won on val, in units of its measured default
        self.measured_edits = MeasuredEdits(attributes, edits) if "vectors" in attributes else None
        self.story = story  # a GAN's training story: per-epoch samples of fixed noise (card: training.story)
        self.encoder, self.decoder = encoder, decoder
        z_spec = tf.TensorSpec([None, self.latent_dim], tf.float32)
        c_specs = [tf.TensorSpec([None, self.num_classes], tf.float32)] if self.conditional else []
        # GAN generators end in tanh, [-1, 1]; every family hands out [0, 1].
        low, high = card.get("output_range", (0.0, 1.0))

        def decode(*a):  # Keras models take a single tensor, or a list when conditioned on labels
            x = decoder(list(a) if len(a) > 1 else a[0], training=False)
            return x if (low, high) == (0.0, 1.0) else (x - low) / (high - low)

        self._decode = tf.function(decode, input_signature=[z_spec, *c_specs])
        if encoder is not None:
            x_spec = tf.TensorSpec([None, *self.image_shape], tf.float32)
            self._encode = tf.function(lambda *a: encoder(list(a) if len(a) > 1 else a[0], training=False),
                                       input_signature=[x_spec, *c_specs])

    @property
    def has_encoder(self) -> bool:
        return self.encoder is not None

    def _conditioning(self, labels, n: int) -> list[np.ndarray]:
        if self.conditional:
            if labels is None:
                raise ValueError(f"{self.id} is conditional: pass labels")
            return [self.label_weights(labels, n)]
        if labels is not None:
            raise ValueError(f"{self.id} is not conditional; it takes no labels")
        return []

    def encode_distribution(self, images, labels=None) -> tuple[np.ndarray, np.ndarray]:
        """Mean and log-variance of q(z|x) (N, latent_dim) each; an autoencoder's log-variance is None."""
        if not self.has_encoder:
            raise ValueError(f"{self.id} is a generator with no encoder")
        x = as_model_input(images)
        if x.shape[1:] != self.image_shape:
            raise ValueError(f"{self.id} encodes images of shape {self.image_shape}, got {x.shape[1:]}")
        args = [x, *self._conditioning(labels, len(x))]
        means, log_vars = [], []
        for i in range(0, len(x), BATCH):
            out = self._encode(*(a[i:i + BATCH] for a in args))
            mean, log_var = out if isinstance(out, (list, tuple)) else (out, None)
            means.append(mean.numpy())
            log_vars.append(None if log_var is None else log_var.numpy())
        if not means:
            return np.zeros((0, self.latent_dim), np.float32), None
        return np.concatenate(means), (None if log_vars[0] is None else np.concatenate(log_vars))

    def encode(self, images, labels=None) -> np.ndarray:
        """Latent means (N, latent_dim) of images (uint8 0-255 or float 0-1); labels for conditional models."""
        return self.encode_distribution(images, labels)[0]

    def decode(self, z, labels=None) -> np.ndarray:
        """Images for latent points z (N, latent_dim); `labels` (class indices or weight vectors) for conditional models."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.latent_dim)
        args = [z, *self._conditioning(labels, len(z))]
        outs = [self._decode(*(a[i:i + BATCH] for a in args)).numpy() for i in range(0, len(z), BATCH)]
        x = np.concatenate(outs) if outs else np.zeros((0, *self.image_shape), np.float32)
        return x[..., 0] if x.shape[-1] == 1 else x

    def label_weights(self, labels, n: int) -> np.ndarray:
        """Integer class indices (scalar or (n,)) or float weight vectors ((classes,) or (n, classes)) -> (n, classes).

        Weight vectors mix labels (0.5 on 3 and 0.5 on 8 blends the two digits); they are used as given.
        """
        c = np.asarray(labels)
        if c.ndim <= 1 and np.issubdtype(c.dtype, np.integer):
            if c.size and (c.min() < 0 or c.max() >= self.num_classes):
                raise ValueError(f"class indices must lie in 0..{self.num_classes - 1}")
            c = np.eye(self.num_classes, dtype=np.float32)[np.broadcast_to(c, (n,))]
        c = np.asarray(c, np.float32)
        if c.shape[-1] != self.num_classes or c.ndim > 2:
            raise ValueError(f"label weights must have {self.num_classes} entries per item, got shape {c.shape}")
        return np.ascontiguousarray(np.broadcast_to(c, (n, self.num_classes)))

    def reconstruct(self, images, labels=None) -> np.ndarray:
        return self.decode(self.encode(images, labels), labels)

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance to sample from: N(0, I) for a VAE; for an autoencoder, a Gaussian fitted to its training codes."""
        p = self.card.get("prior")
        if p is None:
            return np.zeros(self.latent_dim, np.float32), np.eye(self.latent_dim, dtype=np.float32)
        return np.asarray(p["mean"], np.float32), np.asarray(p["cov"], np.float32)

    def sample_latents(self, n: int, seed: int = 0, trick: bool = False, truncation: float = 1.0) -> np.ndarray:
        """n points from the prior; `trick` draws from N(mean, spread^2) of the training codes instead (the
        "sampling trick": where the encoder actually put faces, which a VAE's aggregate codes do not fill evenly).

        `truncation` psi < 1 shrinks every draw towards the prior's mean (N(0, psi^2 I) for a GAN): typical,
        cleaner samples at the cost of variety (the truncation trick, as a reduced spread)."""
        if not 0.0 < truncation <= 4.0:
            raise ValueError(f"truncation must lie in (0, 4], got {truncation}")
        if trick:
            from .latent import trick_latents
            mean, std = self.training_code_stats()
            z = trick_latents(mean, std, n, seed)
        elif self.card.get("prior") is None:  # N(0, I): the same draws as multivariate_normal gives, without
            mean = np.zeros(self.latent_dim)  # its SVD, whose BLAS threads stalled decodes under load (bench)
            z = np.random.default_rng(seed).standard_normal((n, self.latent_dim))
        else:
            mean, cov = self.prior()
            z = np.random.default_rng(seed).multivariate_normal(mean, cov, size=n)
        return (z if truncation == 1.0 else mean + truncation * (z - mean)).astype(np.float32)

    def sample(self, n: int, seed: int = 0, labels=None, trick: bool = False, truncation: float = 1.0) -> np.ndarray:
        return self.decode(self.sample_latents(n, seed, trick, truncation), labels)

    def training_code_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-dimension mean and standard deviation of the training items' latent means (shipped for faces)."""
        if not self.heldout or "train_mean" not in self.heldout:
            raise ValueError(f"{self.id} ships no statistics of its training codes")
        return (np.asarray(self.heldout["train_mean"], np.float32),
                np.asarray(self.heldout["train_std"], np.float32))

    def principal_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """The principal axes of the training items' latent means, as shipped for faces: unit vectors (k, d),
        largest variance first, and the standard deviation of the training codes along each (k,). Aggregate
        statistics, like training_code_stats; the plane of Decoded grid and the axes of Latent scatter."""
        if not self.heldout or "train_components" not in self.heldout:
            raise ValueError(f"{self.id} ships no principal axes of its training codes: write them with "
                             f"`python -m core.evaluate {self.id}`")
        components = np.asarray(self.heldout["train_components"], np.float32)
        stds = np.asarray(self.heldout["train_component_std"], np.float32)
        if components.ndim != 2 or components.shape[1] != self.latent_dim or stds.shape != components.shape[:1]:
            raise ValueError(f"{self.id}'s principal axes have the wrong shape ({components.shape}, {stds.shape} for "
                             f"a {self.latent_dim}-D latent): write them again with "
                             f"`python -m core.evaluate {self.id}`")
        return components, stds

    @property
    def attribute_names(self) -> list[str]:
        return list(self.attribute_vectors)

    def edit(self, z, strengths: dict, hold=()) -> np.ndarray:
        """z (d,) or (N, d) plus each attribute's vector times its strength; the directions are first made
        orthogonal to the `hold` attributes' vectors, so those stay as they were (core.latent.edit_latents)."""
        from .latent import edit_latents
        if not self.attribute_vectors:
            raise ValueError(f"{self.id} ships no attribute vectors")
        return edit_latents(z, self.attribute_vectors, strengths, hold)

    def measured_edit(self, z, amounts: dict, holds: dict | None = None) -> np.ndarray:
        """z (d,) or (N, d) moved by each attribute's measured edit (core.measured_edits): an amount of 1 is the
        edit whose figures the card reports, by the method that won on validation faces; `holds` (attribute ->
        attributes held fixed) overrides the measured holds, `m.default_holds`."""
        if self.measured_edits is None:
            raise ValueError(f"{self.id} ships no measured edits: write them with `python -m core.evaluate {self.id}`")
        return self.measured_edits.edit(z, amounts, holds)

    @property
    def default_holds(self) -> dict:
        """Per attribute, what its slider holds fixed unless unticked: what the measured edit held."""
        return {n: self.measured_edits.default_holds(n) for n in self.attribute_names} if self.measured_edits else {}
