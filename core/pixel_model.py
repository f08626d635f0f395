"""`PixelCNNModel`: what notebooks and pages hold after `core.load_model("mnist-pixelcnn")`.

A model of pixels with no latent space: it scores a digit exactly (`log_prob`, each pixel's conditional
probability in `conditionals`, its surprise in `surprise`) and draws digits pixel by pixel in raster order
(`sample`, `complete`, and `draw`, which also returns each drawn pixel's probability for an animation). Every
image it reads is binarised at 0.5 first (grey level > 0.5 is 1), the binarisation it was trained on; images come
back as float32 0/1, shaped (N, H, W).

Drawing runs `core.models.pixelcnn.RasterSampler` (one XLA-compiled loop over the pixels, batched). XLA compiles
once for each batch size, so batches are padded up to a few fixed sizes (BUCKETS): the first draw at a size
pays for its compilation (seconds), later ones do not.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .images import threshold
from .models.pixelcnn import RasterSampler  # also registers MaskedConv2D, which loading the .keras file needs

BATCH = 256  # forward passes and draws are run this many images at a time at most
BUCKETS = (16, 64, BATCH)  # draw batches are padded up to one of these sizes (one compilation each)
MAX_TEMPERATURE = 10.0


class Drawing(NamedTuple):
    images: np.ndarray         # (N, H, W) of 0/1
    probabilities: np.ndarray  # (N, H, W): p(pixel = 1) as it was drawn (temperature applied); 0 for given pixels


class PixelCNNModel:
    def __init__(self, card: dict, network):
        import tensorflow as tf
        self.card = card
        self.id = card["id"]
        self.image_shape = tuple(card["image_shape"])
        self.network = network
        spec = tf.TensorSpec([None, *self.image_shape], tf.float32)
        self._logits = tf.function(lambda x: network(x, training=False), input_signature=[spec])
        self._sampler = RasterSampler(network)

    @property
    def pixels(self) -> int:
        return self.image_shape[0] * self.image_shape[1]

    def binarise(self, images) -> np.ndarray:
        """Images (N, H, W[, 1]), uint8 or float in [0, 1] -> (N, H, W) float32 of 0/1, thresholded at 0.5."""
        x = threshold(images)
        if x.shape[1:] != self.image_shape:
            raise ValueError(f"{self.id} reads images of shape {self.image_shape[:2]}, got {x.shape[1:3]}")
        return x[..., 0]

    def conditionals(self, images) -> np.ndarray:
        """p(x_ij = 1 | every pixel before it), for each pixel of each (binarised) image: (N, H, W)."""
        from scipy.special import expit
        return expit(self._pixel_logits(self.binarise(images)))

    def surprise(self, images) -> np.ndarray:
        """-log p(x_ij | every pixel before it) in nats, each pixel of each binarised image (N, H, W): how surprised
        the model is, pixel by pixel. Summed over the pixels it is `log_prob`."""
        x = self.binarise(images)
        logits = self._pixel_logits(x).astype(np.float64)
        return np.logaddexp(0.0, logits) - x * logits

    def log_prob(self, images) -> np.ndarray:
        """-log p(x) of each binarised image in nats (N,): the negative log-likelihood, positive, lower is likelier.
        Bits per dimension: divide by H * W * ln 2."""
        return self.surprise(images).sum(axis=(1, 2))

    def _pixel_logits(self, x: np.ndarray) -> np.ndarray:
        outs = [self._logits(x[i:i + BATCH, ..., None]).numpy()[..., 0] for i in range(0, len(x), BATCH)]
        return np.concatenate(outs) if outs else np.zeros((0, *self.image_shape[:2]), np.float32)

    def draw(self, n: int, seed: int = 0, temperature: float = 1.0, given=None, known_rows: int = 0) -> Drawing:
        """n images drawn pixel by pixel, with each drawn pixel's probability. `given` (n images, or one for all)
        fixes their first `known_rows` rows; the rest is drawn. Temperature divides the logits: below 1 the
        model's likelier choice is taken more often, above 1 less."""
        h, w = self.image_shape[:2]
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a whole number of images, 0 or more, got {n!r}")
        if not 0.0 < float(temperature) <= MAX_TEMPERATURE:
            raise ValueError(f"temperature must lie in (0, {MAX_TEMPERATURE:g}], got {temperature}")
        if not isinstance(known_rows, (int, np.integer)) or not 0 <= known_rows <= h:
            raise ValueError(f"known_rows must be a whole number from 0 to {h}, got {known_rows!r}")
        start = np.zeros((n, h, w), np.float32)
        if known_rows:
            if given is None:
                raise ValueError("known_rows needs the images whose rows are known: pass given")
            given = self.binarise(given)
            if len(given) not in (1, n):
                raise ValueError(f"given holds {len(given)} images: pass one, or one for each of the {n} drawn")
            start[:, :known_rows] = given[:, :known_rows]
        uniforms = np.random.default_rng(seed).random((n, h * w), dtype=np.float32)
        images, probs = [], []
        for i in range(0, n, BATCH):
            size = min(BATCH, n - i)
            padded = next(b for b in BUCKETS if b >= size) - size  # a batch of a compiled size
            out, p = self._sampler.draw(np.pad(start[i:i + size], [(0, padded), (0, 0), (0, 0)]),
                                        known_rows * w, np.pad(uniforms[i:i + size], [(0, padded), (0, 0)]),
                                        float(temperature))
            images.append(out[:size])
            probs.append(p[:size])
        if not images:
            return Drawing(np.zeros((0, h, w), np.float32), np.zeros((0, h, w), np.float32))
        return Drawing(np.concatenate(images), np.concatenate(probs))

    def sample(self, n: int, seed: int = 0, temperature: float = 1.0) -> np.ndarray:
        """n digits drawn from the model (N, H, W) of 0/1; the same seed draws the same digits."""
        return self.draw(n, seed, temperature).images

    def complete(self, images, known_rows: int = 14, n: int = 1, seed: int = 0, temperature: float = 1.0) -> np.ndarray:
        """n completions of each image that keep its first `known_rows` rows (binarised) and draw the rest:
        (N, n, H, W) for images (N, H, W), or (n, H, W) for a single image (H, W)."""
        single = np.ndim(images) == 2
        x = self.binarise(np.asarray(images)[None] if single else images)
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a whole number of completions, 1 or more, got {n!r}")
        drawn = self.draw(len(x) * n, seed, temperature, np.repeat(x, n, axis=0), known_rows).images
        drawn = drawn.reshape(len(x), n, *self.image_shape[:2])
        return drawn[0] if single else drawn
