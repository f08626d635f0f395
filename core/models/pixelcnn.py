"""PixelCNN (van den Oord et al., 2016): a digit as a chain of binary pixels, each predicted from those before it.

log p(x) = sum over pixels, in raster order (row by row, left to right), of log p(x_ij | every pixel before it).
One network gives all 784 conditionals at once: its convolutions are masked so that an output never sees its
own pixel or a later one. The first, 7x7, is of type A (its centre hidden too: a pixel must not see itself);
the residual blocks' 3x3 convolutions are of type B (centre kept: there it holds what the layers below made of
earlier pixels only), and may be dilated so that a pixel sees more rows above it. 1x1 convolutions and the
residual sums act on one position, so they keep the order. The network ends in one Bernoulli logit a pixel.
Digits have one colour channel, so no channel groups.

Drawing a digit takes one step a pixel. `RasterSampler` runs the steps as one compiled loop that computes each
layer at the new position only, from caches of the masked convolutions' inputs at the positions before it
(the idea of Fast PixelCNN++, Ramachandran et al., 2017): a step costs one position's worth of the network, not
a whole forward pass, and gives exactly what the whole network gives (tests/test_pixelcnn.py checks it).

Every layer is built in, or `MaskedConv2D` (registered as serializable), so the network saves as a .keras file
that loads with safe_mode=True.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

STEM_KERNEL, BLOCK_KERNEL = 7, 3


def causal_mask(size: int, mask_type: str) -> np.ndarray:
    """(size, size) of 0/1: the rows above the centre, and the centre row left of it; type B also the centre."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
    mask = np.zeros((size, size), np.float32)
    centre = size // 2
    mask[:centre] = 1.0
    mask[centre, :centre + (mask_type == "B")] = 1.0
    return mask


@keras.saving.register_keras_serializable(package="latent_lab")
class MaskedConv2D(layers.Conv2D):
    """A "same" convolution whose kernel is multiplied by `causal_mask` on every call (so training never moves
    a hidden weight away from what the mask applies)."""

    def __init__(self, filters, kernel_size, mask_type="B", **kwargs):
        if kwargs.setdefault("padding", "same") != "same":
            raise ValueError("a masked convolution keeps the image size: padding must be 'same'")
        super().__init__(filters, kernel_size, **kwargs)
        if self.kernel_size[0] != self.kernel_size[1] or self.kernel_size[0] % 2 == 0:
            raise ValueError(f"a masked kernel is square and odd, got {self.kernel_size}")
        self.mask_type = mask_type
        self.mask = causal_mask(self.kernel_size[0], mask_type)[:, :, None, None]

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.mask)

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type}


def build_pixelcnn(image_shape=(28, 28, 1), filters: int = 64, blocks: int = 5, head: int = 64,
                   dilations=(1,)) -> keras.Model:
    """Binary images (N, H, W, 1) in {0, 1} -> one Bernoulli logit a pixel (N, H, W, 1).

    The residual block is the PixelCNN paper's: ReLU, 1x1 to filters/2, ReLU, masked 3x3, ReLU, 1x1 back to
    filters, added to its input. Block i's masked 3x3 is dilated by dilations[i % len(dilations)]: a dilation d
    lets it see d rows up instead of one, so a few dilated blocks let a pixel see far more of the digit above it.
    The layer names are what `RasterSampler` reads the weights by."""
    if len(image_shape) != 3 or image_shape[-1] != 1:
        raise ValueError(f"a PixelCNN here models one binary channel: image_shape (H, W, 1), got {image_shape}")
    if blocks < 1:
        raise ValueError("a PixelCNN needs at least one residual block")
    images = keras.Input(shape=tuple(image_shape), name="images")
    x = layers.Rescaling(2.0, offset=-1.0, name="centre")(images)  # 0/1 -> -1/1: the zero padding is neither
    x = MaskedConv2D(filters, STEM_KERNEL, "A", name="stem")(x)
    for i in range(blocks):
        h = layers.ReLU(name=f"block{i}_relu")(x)
        h = layers.Conv2D(filters // 2, 1, name=f"block{i}_in")(h)
        h = layers.ReLU(name=f"block{i}_in_relu")(h)  # the masked convolution's input: what sampling caches
        h = MaskedConv2D(filters // 2, BLOCK_KERNEL, "B", dilation_rate=dilations[i % len(dilations)],
                         name=f"block{i}_masked")(h)
        h = layers.ReLU(name=f"block{i}_masked_relu")(h)
        h = layers.Conv2D(filters, 1, name=f"block{i}_out")(h)
        x = layers.Add(name=f"block{i}_add")([x, h])
    x = layers.ReLU(name="head_relu")(x)
    x = layers.Conv2D(head, 1, activation="relu", name="head")(x)
    logits = layers.Conv2D(1, 1, name="logits")(x)
    return keras.Model(images, logits, name="pixelcnn")


def pixel_nll(images, logits):
    """-log p(x_ij | pixels before it) for every pixel, in nats: the sigmoid cross-entropy written stably."""
    return ops.softplus(logits) - images * logits


def image_nll(images, logits):
    """-log p(x) of each image in nats: the pixels' terms summed (the training loss, averaged over a batch)."""
    return ops.sum(pixel_nll(images, logits), axis=(1, 2, 3))


class RasterSampler:
    """Draws pixels in raster order with one compiled loop (tf.function, XLA) over the positions.

    State: the image drawn so far (zero-padded for the 7x7 stem) and, for each block, its masked convolution's
    input (zero-padded by its dilation), laid out (rows, columns, batch, channels) so that a step reads a window and
    writes one position. A step at (r, c) computes the stem, every block and the head at (r, c) only: every value
    a masked window reads there was written at an earlier step, or at this one for a type-B centre. Positions
    before `start` are given: their cached values come from one forward pass of the network up to the blocks'
    masked inputs (`prefill`), which is exact there because nothing before a position depends on what follows.
    """

    def __init__(self, network: keras.Model, jit_compile: bool = True):
        self.height, self.width = network.input.shape[1:3]
        blocks = sorted({layer.name.split("_")[0] for layer in network.layers if layer.name.startswith("block")},
                        key=lambda name: int(name[5:]))

        def weights(name, masked=False):
            layer = network.get_layer(name)
            kernel = layer.kernel.numpy() * (layer.mask if masked else 1.0)
            return tf.constant(kernel if masked else kernel[0, 0]), tf.constant(layer.bias.numpy())

        self.stem = weights("stem", masked=True)
        self.blocks = [(weights(f"{b}_in"), weights(f"{b}_masked", masked=True), weights(f"{b}_out")) for b in blocks]
        self.dilations = [network.get_layer(f"{b}_masked").dilation_rate[0] for b in blocks]
        self.head, self.logits = weights("head"), weights("logits")
        self.prefill = keras.Model(network.input, [network.get_layer(f"{b}_in_relu").output for b in blocks])
        self._loop = tf.function(self._draw, jit_compile=jit_compile, reduce_retracing=True)

    def draw(self, images: np.ndarray, start: int, uniforms: np.ndarray, temperature: float):
        """Images (N, H, W) of 0/1 whose pixels before raster position `start` are kept; the rest drawn with
        `uniforms` (N, H*W) in [0, 1). Returns the images and each drawn pixel's probability of 1 (N, H, W) as
        it was drawn (the given pixels' entries are 0)."""
        x = tf.constant(images[..., None], tf.float32)
        caches = self.prefill(x, training=False)
        caches = caches if isinstance(caches, (list, tuple)) else [caches]  # one block: Keras returns a tensor
        out, probs = self._loop(x[..., 0], list(caches), tf.constant(start, tf.int32),
                                tf.constant(uniforms, tf.float32), tf.constant(temperature, tf.float32))
        return out.numpy(), probs.numpy()

    def _draw(self, images, caches, start, uniforms, temperature):
        h, w = self.height, self.width
        s = STEM_KERNEL // 2
        # (rows, columns, batch[, channels]): one position's values are one contiguous slice.
        canvas = tf.pad(tf.transpose(2.0 * images - 1.0, [1, 2, 0]), [[s, s], [s, s], [0, 0]])
        pads = [BLOCK_KERNEL // 2 * d for d in self.dilations]
        caches = [tf.pad(tf.transpose(c, [1, 2, 0, 3]), [[q, q], [q, q], [0, 0], [0, 0]]) for c, q in zip(caches, pads)]
        probs = tf.zeros([h * w, tf.shape(images)[0]])

        def step(p, canvas, caches, probs):
            r, c = p // w, p % w
            window = tf.slice(canvas, [r, c, 0], [2 * s + 1, 2 * s + 1, -1])
            x = tf.einsum("hwn,hwf->nf", window, self.stem[0][:, :, 0]) + self.stem[1]
            new = []
            for ((w_in, b_in), (k_mask, b_mask), (w_out, b_out)), cache, d, q in zip(self.blocks, caches,
                                                                                      self.dilations, pads):
                a = tf.nn.relu(tf.nn.relu(x) @ w_in + b_in)
                cache = tf.tensor_scatter_nd_update(cache, [[r + q, c + q]], a[None])
                window = tf.slice(cache, [r, c, 0, 0], [2 * q + 1, 2 * q + 1, -1, -1])[::d, ::d]  # the taps
                x = x + tf.nn.relu(tf.einsum("hwnc,hwcd->nd", window, k_mask) + b_mask) @ w_out + b_out
                new.append(cache)
            logit = (tf.nn.relu(tf.nn.relu(x) @ self.head[0] + self.head[1]) @ self.logits[0] + self.logits[1])[:, 0]
            prob = tf.sigmoid(logit / temperature)
            pixel = tf.cast(uniforms[:, p] < prob, tf.float32)
            canvas = tf.tensor_scatter_nd_update(canvas, [[r + s, c + s]], (2.0 * pixel - 1.0)[None])
            probs = tf.tensor_scatter_nd_update(probs, [[p]], prob[None])
            return p + 1, canvas, new, probs

        _, canvas, _, probs = tf.while_loop(lambda p, *_: p < h * w, step, [start, canvas, caches, probs])
        drawn = (tf.transpose(canvas[s:s + h, s:s + w], [2, 0, 1]) + 1.0) / 2.0
        return drawn, tf.reshape(tf.transpose(probs), [-1, h, w])
