"""GANs on MNIST: the dense "vanilla" GAN, a DCGAN and a conditional GAN, with the adversarial maths in `train_step`.

Goodfellow et al. (2014), Radford et al. (2016), Mirza & Osindero (2014). Generators
end in tanh (pixels in [-1, 1], as GANs are trained); `LatentModel` maps every
family to [0, 1]. Only generators ship; discriminators exist for training.

The losses, written out (D outputs a logit, softplus(t) = log(1 + e^t)):
    discriminator: -log sigmoid(D(x)) * s - log(1 - sigmoid(D(x))) * (1 - s) + softplus(D(G(z)))
                   (s = 0.9 for a one-sided smoothed real label, Salimans et al. 2016; s = 1 is the plain loss)
    generator:     softplus(-D(G(z))) = -log sigmoid(D(G(z)))   (the non-saturating loss)
A conditional GAN feeds the label to both networks. The DCGAN and conditional GAN
sample from an exponential moving average of the generator's weights (Karras et
al. 2018; Yazici et al. 2019), which smooths away the last steps' oscillations.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

NOISE_DIM = 100
LABEL_EMBEDDING = 50


def _generator_inputs(latent_dim: int, num_classes: int):
    """z, and for a conditional generator the one-hot label through a bias-free Dense(50): the chapter's
    Embedding(10, 50) table, as a matrix product so that weight vectors between labels mix them."""
    z = keras.Input(shape=(latent_dim,), name="z")
    if not num_classes:
        return [z], z
    labels = keras.Input(shape=(num_classes,), name="labels")
    embedded = layers.Dense(LABEL_EMBEDDING, use_bias=False, name="label_embedding")(labels)
    return [z, labels], layers.Concatenate()([z, embedded])


def _model(inputs, outputs, name):
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs, name=name)


def build_dense_generator(latent_dim=NOISE_DIM, image_shape=(28, 28, 1), num_classes=0):
    """The chapter's vanilla generator: three dense layers (LeakyReLU, batch norm), tanh pixels."""
    inputs, x = _generator_inputs(latent_dim, num_classes)
    for width in (256, 512, 1024):
        x = layers.Dense(width)(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.BatchNormalization(momentum=0.8)(x)
    pixels = image_shape[0] * image_shape[1] * image_shape[2]
    x = layers.Dense(pixels, activation="tanh")(x)
    return _model(inputs, layers.Reshape(image_shape, name="images")(x), "generator")


def build_conv_generator(latent_dim=NOISE_DIM, image_shape=(28, 28, 1), num_classes=0, width=128):
    """DCGAN generator: a dense layer to a 7x7 map, two stride-2 transposed convolutions to 28x28.

    Kept narrow (128 then 64 channels) so that 64 samples decode in a few milliseconds on two cores.
    """
    inputs, x = _generator_inputs(latent_dim, num_classes)
    x = layers.Dense(7 * 7 * width, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, width))(x)
    x = layers.Conv2DTranspose(width // 2, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same", activation="tanh", name="images")(x)
    return _model(inputs, x, "generator")


def build_dense_discriminator(image_shape=(28, 28, 1)):
    """The chapter's vanilla discriminator: flatten, two LeakyReLU dense layers, one logit."""
    images = keras.Input(shape=image_shape, name="images")
    x = layers.Flatten()(images)
    for width in (512, 256):
        x = layers.Dense(width)(x)
        x = layers.LeakyReLU(0.2)(x)
    return keras.Model(images, layers.Dense(1, name="logit")(x), name="discriminator")


class MinibatchStddev(layers.Layer):
    """Appends the batch's mean per-feature standard deviation as one more channel (Karras et al. 2018): a
    discriminator that sees how varied a batch is can punish a generator that draws one digit again and again."""

    def call(self, x):
        spread = ops.mean(ops.std(x, axis=0))
        return ops.concatenate([x, ops.ones_like(x[..., :1]) * spread], axis=-1)


def build_conv_discriminator(image_shape=(28, 28, 1), num_classes=0, width=64):
    """DCGAN discriminator: stride-2 convolutions with LeakyReLU and dropout, a minibatch-spread channel, a logit.

    Conditional: the label enters as an extra image channel (the chapter's way) and again at the end as a
    projection, <embedding(label), features> (Miyato & Koyama 2018), which ties the logit to the label directly.
    """
    images = keras.Input(shape=image_shape, name="images")
    inputs, x = [images], images
    if num_classes:
        labels = keras.Input(shape=(num_classes,), name="labels")
        inputs.append(labels)
        plane = layers.Reshape((*image_shape[:2], 1))(layers.Dense(image_shape[0] * image_shape[1])(labels))
        x = layers.Concatenate()([images, plane])
    for filters in (width, width * 2):
        x = layers.Conv2D(filters, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Dropout(0.3)(x)
    x = MinibatchStddev()(x)
    x = layers.Conv2D(width * 2, 3, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    features = layers.Flatten()(x)
    logit = layers.Dense(1, name="logit")(features)
    if num_classes:
        projected = layers.Dense(features.shape[-1], use_bias=False, name="label_projection")(labels)
        logit = logit + ops.sum(projected * features, axis=-1, keepdims=True)
    return keras.Model(inputs if num_classes else images, logit, name="discriminator")


def discriminator_loss(real_logits, fake_logits, real_label: float = 1.0):
    """Binary cross-entropy of D: real images towards `real_label` (0.9 smooths), fakes towards 0 (per item)."""
    real = real_label * ops.softplus(-real_logits) + (1.0 - real_label) * ops.softplus(real_logits)
    return ops.mean(real) + ops.mean(ops.softplus(fake_logits))


def generator_loss(fake_logits):
    """The non-saturating generator loss, -log D(G(z)): strong gradients while D still rejects the fakes."""
    return ops.mean(ops.softplus(-fake_logits))


FAMILIES = {"gan": (build_dense_generator, build_dense_discriminator),
            "dcgan": (build_conv_generator, build_conv_discriminator),
            "cgan": (build_conv_generator, build_conv_discriminator)}


class GAN(keras.Model):
    """Generator and discriminator trained against each other; `ema_generator` follows the generator's weights.

    Batches are images in [-1, 1], or (images, one-hot labels) when conditional. compile() takes one optimizer
    a network: `compile(d_optimizer=..., g_optimizer=...)`.
    """

    def __init__(self, family="dcgan", latent_dim=NOISE_DIM, image_shape=(28, 28, 1), num_classes=0,
                 real_label=1.0, ema_decay=None, pack=1, seed=0, **kwargs):
        super().__init__(**kwargs)
        build_g, build_d = FAMILIES[family]
        self.conditional = bool(num_classes)
        if pack > 1 and self.conditional:
            raise ValueError("packing is for unconditional GANs (a pack would mix labels)")
        g_kwargs = {"num_classes": num_classes}
        self.generator = build_g(latent_dim, image_shape, **g_kwargs)
        d_shape = (*image_shape[:-1], image_shape[-1] * pack)
        self.discriminator = (build_d(d_shape, num_classes=num_classes) if family != "gan" else build_d(d_shape))
        self.pack = pack
        self.ema_generator = build_g(latent_dim, image_shape, **g_kwargs) if ema_decay else None
        if self.ema_generator is not None:
            self.ema_generator.set_weights(self.generator.get_weights())
        self.latent_dim, self.real_label, self.ema_decay = latent_dim, real_label, ema_decay
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {n: keras.metrics.Mean(name=n) for n in ("d_loss", "g_loss", "d_real", "d_fake")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def sampler(self):
        """The generator that ships: the moving average where there is one."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _packed(self, images):
        """PacGAN (Lin et al. 2018): the discriminator judges `pack` images at once, stacked as channels, so a
        generator that draws the same few digits is caught by the lack of variety within each pack."""
        if self.pack == 1:
            return images
        h, w, c = images.shape[1:]
        x = ops.reshape(images, (-1, self.pack, h, w, c))
        return ops.reshape(ops.transpose(x, (0, 2, 3, 1, 4)), (-1, h, w, self.pack * c))

    def _split(self, data):
        return data if self.conditional else (data, None)

    def _with(self, x, labels):
        return [x, labels] if self.conditional else x

    def _judge(self, images, labels):
        return self.discriminator(self._with(self._packed(images), labels), training=True)

    def train_step(self, data):
        real, labels = self._split(data)
        n = ops.shape(real)[0]
        z = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:  # the discriminator's move: tell real from generated
            fake = self.generator(self._with(z, labels), training=True)
            real_logits, fake_logits = self._judge(real, labels), self._judge(fake, labels)
            d_loss = discriminator_loss(real_logits, fake_logits, self.real_label)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        z = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:  # the generator's move: be read as real
            g_logits = self._judge(self.generator(self._with(z, labels), training=True), labels)
            g_loss = generator_loss(g_logits)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        if self.ema_generator is not None:
            # The average warms up over the first steps, (1 + t) / (10 + t), so early epochs' samples are not
            # dominated by the random initial weights.
            t = ops.cast(self.g_optimizer.iterations, "float32")
            decay = ops.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
            for ema, w in zip(self.ema_generator.weights, self.generator.weights):
                ema.assign(decay * ema + (1.0 - decay) * w)
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", ops.mean(ops.sigmoid(real_logits))),
                            ("d_fake", ops.mean(ops.sigmoid(fake_logits)))):
            self.trackers[name].update_state(value)
        return {m.name: m.result() for m in self.metrics}
