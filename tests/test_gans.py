"""GANs: core.models.gan (networks, losses, the adversarial train_step and its EMA generator), LatentModel's output
range and truncation for generators, slerp, and the GAN trainer (core/trainers/gans.py) and measures
(core/evaluators/gans.py) end to end through core.train / core.evaluate on tiny data: mnist-dcgan trained one
epoch, resumed for a second, loaded in safe mode and evaluated with an untrained judge; mnist-cgan trained one
epoch and evaluated the same way (label accuracy too).

Everything runs on digits the tests write into tmp_path (256 training digits: four batches of 64 an epoch).
"""
from __future__ import annotations

import hashlib
import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.models import gan  # noqa: E402

SHAPE, Z, CLASSES = (28, 28, 1), gan.NOISE_DIM, 10
FAMILIES = ("gan", "dcgan", "cgan")
N_TRAIN, N_TEST = 256, 40


def noise(n, seed=0, scale=1.0):
    return (scale * np.random.default_rng(seed).standard_normal((n, Z))).astype(np.float32)


def onehot(labels):
    return np.eye(CLASSES, dtype=np.float32)[np.asarray(labels)]


def networks(family):
    build_g, build_d = gan.FAMILIES[family]
    classes = CLASSES if family == "cgan" else 0
    generator = build_g(Z, SHAPE, num_classes=classes)
    discriminator = build_d(SHAPE, num_classes=classes) if family != "gan" else build_d(SHAPE)
    return generator, discriminator


# ------------------------------------------------------------------ 1. shapes of both networks, every family

@pytest.mark.parametrize("family", FAMILIES)
def test_generator_and_discriminator_shapes(family):
    keras.utils.set_random_seed(0)
    generator, discriminator = networks(family)
    n, conditional = 3, family == "cgan"
    z, labels = noise(n, scale=10.0), onehot([1, 4, 7])  # large z drives tanh towards both ends
    if conditional:
        assert [tuple(i.shape) for i in generator.inputs] == [(None, Z), (None, CLASSES)], "G takes [z, labels]"
        assert [tuple(i.shape) for i in discriminator.inputs] == [(None, *SHAPE), (None, CLASSES)], \
            "D takes [x, labels]"
        images = np.asarray(generator([z, labels], training=False))
    else:
        assert [tuple(i.shape) for i in generator.inputs] == [(None, Z)]
        assert [tuple(i.shape) for i in discriminator.inputs] == [(None, *SHAPE)]
        images = np.asarray(generator(z, training=False))
    assert images.shape == (n, *SHAPE)
    assert images.min() >= -1.0 and images.max() <= 1.0, "tanh pixels lie in [-1, 1]"
    assert images.min() < 0.0 < images.max(), "tanh, not sigmoid: generated pixels take both signs"
    tanh_layers = [l for l in generator.layers if getattr(l, "activation", None) is keras.activations.tanh]
    assert tanh_layers and generator.layers.index(tanh_layers[-1]) >= len(generator.layers) - 2, \
        "the generator ends in tanh"

    x = np.random.default_rng(1).uniform(-1, 1, (n, *SHAPE)).astype(np.float32)
    logits = np.asarray(discriminator([x, labels] if conditional else x, training=False))
    assert logits.shape == (n, 1) and np.isfinite(logits).all()
    assert discriminator.get_layer("logit").activation is keras.activations.linear, "D outputs logits"
    if conditional:  # the label reaches both networks
        other = onehot([2, 2, 2])
        assert not np.allclose(generator([z, other], training=False), images)
        assert not np.allclose(discriminator([x, other], training=False), logits)


# ------------------------------------------------------------------ 2. one adversarial step, and the EMA generator

def weights(model, trainable=False):
    return [np.array(w) for w in (model.trainable_weights if trainable else model.weights)]


@pytest.mark.parametrize("family", FAMILIES)
def test_one_train_step_moves_both_networks_and_the_average(family):
    import tensorflow as tf

    from core.recipes import get_recipe
    from core.trainers.gans import build_gan
    keras.utils.set_random_seed(0)
    recipe = get_recipe(f"mnist-{family}")
    model = build_gan(recipe, SHAPE)
    remedies = family != "gan"
    assert model.real_label == (0.9 if remedies else 1.0)
    assert (model.ema_generator is not None) == remedies
    assert model.sampler is (model.ema_generator if remedies else model.generator), "the average ships"

    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, *SHAPE)).astype(np.float32)
    batch = (real, onehot(rng.integers(0, 10, 8))) if family == "cgan" else real
    batch = tf.nest.map_structure(tf.constant, batch)  # as fit() hands batches over: tensors
    g0, d0 = weights(model.generator, True), weights(model.discriminator, True)
    g_all0 = weights(model.generator)
    if remedies:
        ema0 = weights(model.ema_generator)
        for a, b in zip(ema0, g_all0):
            np.testing.assert_array_equal(a, b, err_msg="the average starts as the generator")

    logs = {k: float(v) for k, v in model.train_step(batch).items()}
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert np.isfinite([logs["d_loss"], logs["g_loss"]]).all() and 0 < logs["d_real"] < 1 and 0 < logs["d_fake"] < 1
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 1

    lr = recipe.learning_rate
    for name, before, after in (("generator", g0, weights(model.generator, True)),
                                ("discriminator", d0, weights(model.discriminator, True))):
        steps = [np.abs(a - b) for a, b in zip(after, before)]
        assert all(s.max() > 0 for s in steps), f"every trainable weight of the {name} moved"
        flat = np.concatenate([s.ravel() for s in steps])
        # Adam's first step moves each weight by lr * |g| / (|g| + eps'): at most lr, about lr for most. A network
        # updated twice in one train_step (e.g. D also stepped on the generator's loss) would move up to 2 lr.
        assert flat.max() <= 1.01 * lr, f"the {name} took more than one Adam step ({flat.max():.2e} > lr {lr})"
        assert np.median(flat) > 0.5 * lr, f"the {name} took no full Adam step"

    if remedies:
        decay = min(0.999, (1 + 1) / (10 + 1))  # the warm-up (1 + t) / (10 + t) at t = 1
        g1, ema1 = weights(model.generator), weights(model.ema_generator)
        for start, gen, ema in zip(ema0, g1, ema1):
            np.testing.assert_allclose(ema, decay * start + (1 - decay) * gen, rtol=1e-5, atol=1e-7)
        kernel = [i for i, w in enumerate(model.generator.weights) if w.trainable][0]
        start, gen, ema = ema0[kernel], g1[kernel], ema1[kernel]
        assert not np.array_equal(ema, start) and not np.array_equal(ema, gen), \
            "the average lies strictly between the start and the generator"
        assert np.linalg.norm(ema - gen) < np.linalg.norm(start - gen), "the average moved towards the generator"


# ------------------------------------------------------------------ 3. the losses, by hand

def softplus(t):
    return np.logaddexp(0.0, t)


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def test_packing_stacks_consecutive_images_as_channels_of_one_discriminator_input():
    """PacGAN-2: images 2k and 2k+1 of a batch become channels 0 and 1 of the k-th input, and the discriminator is
    built for that many channels; a conditional GAN refuses to pack (a pack would mix labels)."""
    model = gan.GAN("dcgan", pack=2)
    x = np.random.default_rng(0).uniform(-1, 1, (6, 28, 28, 1)).astype(np.float32)
    packed = np.asarray(model._packed(x))
    assert packed.shape == (3, 28, 28, 2)
    for k in range(3):
        np.testing.assert_array_equal(packed[k, ..., 0], x[2 * k, ..., 0])
        np.testing.assert_array_equal(packed[k, ..., 1], x[2 * k + 1, ..., 0])
    assert model.discriminator.input.shape[-1] == 2 and model.generator.output.shape[-1] == 1
    assert np.asarray(model.discriminator(packed)).shape == (3, 1)
    np.testing.assert_array_equal(np.asarray(gan.GAN("dcgan")._packed(x)), x)  # pack 1: unchanged
    with pytest.raises(ValueError, match="unconditional"):
        gan.GAN("cgan", num_classes=10, pack=2)


@pytest.mark.parametrize("real_label", [1.0, 0.9])
def test_discriminator_loss_is_binary_cross_entropy_with_one_sided_smoothing(real_label):
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 3, (16, 1)), rng.normal(0, 3, (16, 1))
    got = float(gan.discriminator_loss(real.astype(np.float32), fake.astype(np.float32), real_label))
    p_real, p_fake = sigmoid(real), sigmoid(fake)
    expected = (np.mean(-real_label * np.log(p_real) - (1 - real_label) * np.log(1 - p_real))
                + np.mean(-np.log(1 - p_fake)))  # fakes always aim at 0: the smoothing is one-sided
    assert got == pytest.approx(expected, rel=1e-5)


def test_discriminator_loss_extremes_and_smoothing_optimum():
    sure = np.full((8, 1), 30.0, np.float32)
    assert float(gan.discriminator_loss(sure, -sure)) == pytest.approx(0.0, abs=1e-6), "a perfect D's loss is ~0"
    assert float(gan.discriminator_loss(-sure, sure)) == pytest.approx(60.0, rel=1e-4), "a fooled D pays ~2 * 30"
    # With smoothing, the loss on the real half is smallest where sigmoid(D(x)) = 0.9, i.e. D(x) = log 9.
    grid = np.linspace(-2, 6, 801, dtype=np.float32)[:, None]
    losses = [float(gan.discriminator_loss(g[None], -sure[:1], 0.9)) for g in grid]
    assert grid[int(np.argmin(losses)), 0] == pytest.approx(np.log(9.0), abs=0.01)
    smoothed_perfect = float(gan.discriminator_loss(sure, -sure, 0.9))
    assert smoothed_perfect == pytest.approx(0.1 * 30.0, rel=1e-3), "smoothing punishes over-confidence on reals"
    assert float(gan.discriminator_loss(sure, sure, 0.9)) - smoothed_perfect == pytest.approx(30.0, rel=1e-3)


def test_generator_loss_is_non_saturating():
    import tensorflow as tf
    fake = np.array([[-8.0], [-1.0], [0.0], [2.5], [9.0]], np.float32)
    got = float(gan.generator_loss(fake))
    assert got == pytest.approx(np.mean(-np.log(sigmoid(fake.astype(np.float64)))), rel=1e-5)
    assert got == pytest.approx(np.mean(softplus(-fake.astype(np.float64))), rel=1e-6)
    # Non-saturating: while D rejects a fake (logit -8), the gradient is about -1, not about 0 as for log(1 - D).
    t = tf.constant([[-8.0]])
    with tf.GradientTape() as tape:
        tape.watch(t)
        loss = gan.generator_loss(t)
    assert float(tape.gradient(loss, t)[0, 0]) == pytest.approx(-sigmoid(8.0), rel=1e-5)
    fooled = np.full((4, 1), 30.0, np.float32)
    assert float(gan.generator_loss(fooled)) == pytest.approx(0.0, abs=1e-6)


# ------------------------------------------------------------------ 4 and 6. LatentModel on generators

def generator_model(family="dcgan", output_range=(-1.0, 1.0), seed=0):
    """A LatentModel around an untrained generator of the family, with a GAN-style card."""
    from core.latent_model import LatentModel
    keras.utils.set_random_seed(seed)
    generator, _ = networks(family)
    card = {"id": f"tiny-{family}", "kind": "generative", "family": family, "latent_dim": Z,
            "image_shape": list(SHAPE), "conditional": family == "cgan", "num_classes": CLASSES}
    if output_range is not None:
        card["output_range"] = list(output_range)
    return LatentModel(card, None, generator), generator


def test_samples_are_seeded_and_truncation_scales_z():
    m, _ = generator_model("dcgan")
    assert not m.has_encoder
    a, b, c = m.sample(6, seed=3), m.sample(6, seed=3), m.sample(6, seed=4)
    assert a.shape == (6, 28, 28) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3, "another seed, other samples"

    z = m.sample_latents(6, seed=3)
    assert z.shape == (6, Z) and z.dtype == np.float32
    np.testing.assert_array_equal(m.sample_latents(6, seed=3, truncation=0.5), 0.5 * z)  # zero-mean prior: psi z
    np.testing.assert_allclose(m.sample_latents(6, seed=3, truncation=1.25), 1.25 * z, rtol=1e-6)  # rounding
    np.testing.assert_allclose(m.sample(6, seed=3, truncation=0.5), m.decode(0.5 * z), rtol=1e-6, atol=1e-6)
    assert np.abs(m.sample(6, seed=3, truncation=0.5) - a).max() > 1e-3
    for psi in (0.0, -0.5, 4.5, float("nan")):
        with pytest.raises(ValueError, match="truncation"):
            m.sample_latents(2, truncation=psi)
        with pytest.raises(ValueError, match="truncation"):
            m.sample(2, truncation=psi)
    m.sample_latents(2, truncation=4.0)  # the upper end is allowed


def test_conditional_generator_samples_need_labels():
    m, _ = generator_model("cgan")
    with pytest.raises(ValueError, match="pass labels"):
        m.sample(2, seed=0)
    threes, sevens = m.sample(4, seed=1, labels=3), m.sample(4, seed=1, labels=7)
    np.testing.assert_array_equal(threes, m.sample(4, seed=1, labels=[3, 3, 3, 3]))
    assert np.abs(threes - sevens).max() > 1e-4, "the label changes the picture"


@pytest.mark.parametrize("family", FAMILIES)
def test_tanh_generators_are_handed_out_in_0_1(family):
    m, generator = generator_model(family)
    z = noise(5, seed=2, scale=10.0)
    labels = [0, 3, 5, 8, 9]
    raw = np.asarray(generator([z, onehot(labels)] if family == "cgan" else z, training=False))[..., 0]
    assert raw.min() < 0, "the raw generator gives negative pixels (tanh)"
    got = m.decode(z, labels if family == "cgan" else None)
    assert got.shape == (5, 28, 28)
    assert got.min() >= 0.0 and got.max() <= 1.0
    np.testing.assert_allclose(got, (raw + 1.0) / 2.0, rtol=1e-5, atol=1e-6)


def test_a_card_without_output_range_is_unchanged():
    from core.latent_model import LatentModel
    from core.models import networks as nets
    keras.utils.set_random_seed(0)
    decoder = nets.mlp_decoder(2, SHAPE)
    m = LatentModel({"id": "tiny-vae", "latent_dim": 2, "image_shape": list(SHAPE), "num_classes": 10}, None,
                    decoder)
    z = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    np.testing.assert_allclose(m.decode(z), np.asarray(decoder(z, training=False))[..., 0], rtol=1e-6, atol=1e-7)
    explicit = LatentModel({"id": "tiny-vae", "latent_dim": 2, "image_shape": list(SHAPE), "num_classes": 10,
                            "output_range": [0.0, 1.0]}, None, decoder)
    np.testing.assert_allclose(explicit.decode(z), m.decode(z), rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------ 5. slerp keeps norms

def test_slerp_keeps_the_norm_and_linear_does_not():
    from core.latent import interpolate
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(Z), rng.standard_normal(Z)
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    r = np.linalg.norm(a)
    path = interpolate(a, b, 9, method="slerp")
    assert path.shape == (9, Z)
    np.testing.assert_allclose(path[[0, -1]], np.stack([a, b]), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), r, rtol=1e-5)
    overshoot = interpolate(a, b, 7, method="slerp", overshoot=0.5)  # further along the same great circle
    np.testing.assert_allclose(np.linalg.norm(overshoot, axis=1), r, rtol=1e-5)

    e0, e1 = np.zeros(Z), np.zeros(Z)
    e0[0], e1[1] = 5.0, 5.0  # orthogonal ends of equal norm
    np.testing.assert_allclose(np.linalg.norm(interpolate(e0, e1, 5, method="slerp"), axis=1), 5.0, rtol=1e-6)
    line = np.linalg.norm(interpolate(e0, e1, 5, method="linear"), axis=1)
    assert line[2] == pytest.approx(5.0 / np.sqrt(2), rel=1e-6), "a straight line cuts inside the sphere"
    assert line[0] == pytest.approx(5.0) and line[-1] == pytest.approx(5.0)


# ------------------------------------------------------------------ 7. train, resume, ship, load

@pytest.fixture(scope="module")
def gan_data(tmp_path_factory, make_data):
    folder = tmp_path_factory.mktemp("gan-data")
    x, y = make_data.blob_digits(N_TRAIN, seed=0)
    xt, yt = make_data.blob_digits(N_TEST, seed=1)
    make_data.write_npz(folder / "mnist.npz", ((x, y), (xt, yt)))
    return folder, (xt, yt)


@pytest.fixture(scope="module")
def trained(gan_data, tmp_path_factory):
    """mnist-dcgan trained for one epoch, then again with epochs=2 (it resumes), and mnist-cgan for one epoch,
    into a temporary pretrained folder and runs folder; spies record what each call did."""
    from core.models.gan import GAN
    from core.train import train
    from core.trainers import gans as tg
    data, _ = gan_data
    base = tmp_path_factory.mktemp("gan-train")
    out, runs = base / "pretrained", base / "runs"
    saves, fits = [], []
    real_save, real_fit = tg.GanCheckpoint.save, keras.Model.fit

    def save(self, model, epoch_log, frame):
        saves.append({"model_id": self.dir.name, "epoch": epoch_log["epoch"],
                      "noise_state": np.array(model.seed_generator.state).tolist(),
                      "g_iterations": int(model.g_optimizer.iterations),
                      "d_iterations": int(model.d_optimizer.iterations),
                      "weights": {n: weights(getattr(model, n)) for n in tg.GanCheckpoint.NETWORKS
                                  if getattr(model, n) is not None}})
        return real_save(self, model, epoch_log, frame)

    def fit(self, *args, **kwargs):
        fits.append({"initial_epoch": kwargs.get("initial_epoch", 0), "epochs": kwargs.get("epochs"),
                     "noise_state": np.array(self.seed_generator.state).tolist(),
                     "g_iterations": int(self.g_optimizer.iterations),
                     "weights": {n: weights(getattr(self, n)) for n in tg.GanCheckpoint.NETWORKS
                                 if getattr(self, n) is not None}})
        return real_fit(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATENT_LAB_PRETRAINED", str(out))
        mp.setattr(tg.GanCheckpoint, "save", save)
        mp.setattr(GAN, "fit", fit)
        card1 = train("mnist-dcgan", data=data, epochs=1, out=out, runs=runs, verbose=0, evaluate_after=False)
        with np.load(out / "mnist-dcgan" / tg.STORY_FILE) as d:
            story1 = {k: d[k] for k in d.files}
        progress1 = json.loads((runs / "mnist-dcgan" / "progress.json").read_text())
        n_first = len(saves), len(fits)
        card2 = train("mnist-dcgan", data=data, epochs=2, out=out, runs=runs, verbose=0, evaluate_after=False)
        cgan_card = train("mnist-cgan", data=data, epochs=1, out=out, runs=runs, verbose=0,
                          evaluate_after=False)
    # The same two epochs without an interruption, elsewhere (for the resume-equivalence test).
    straight = base / "straight-runs"
    train("mnist-dcgan", data=data, epochs=2, out=base / "straight-out", runs=straight, verbose=0,
          evaluate_after=False)
    return SimpleNamespace(out=out, runs=runs, data=data, card1=card1, card2=card2, cgan_card=cgan_card,
                           story1=story1, progress1=progress1, saves=saves, fits=fits, n_first=n_first,
                           straight_runs=straight)


def test_second_call_resumes_at_epoch_two(trained):
    t = trained
    dc_saves = [s for s in t.saves if s["model_id"] == "mnist-dcgan"]
    assert [s["epoch"] for s in dc_saves] == [1, 2], "epoch 1 once, then only epoch 2"
    assert t.n_first == (1, 1)
    first_fit, second_fit = t.fits[0], t.fits[1]
    assert (first_fit["initial_epoch"], first_fit["epochs"]) == (0, 1)
    assert (second_fit["initial_epoch"], second_fit["epochs"]) == (1, 2)
    steps = N_TRAIN // 64
    assert [s["g_iterations"] for s in dc_saves] == [steps, 2 * steps]
    assert [s["d_iterations"] for s in dc_saves] == [steps, 2 * steps]
    assert second_fit["g_iterations"] == steps, "the optimizers' state was restored before epoch 2"
    for name, saved in dc_saves[0]["weights"].items():  # every network restored as epoch 1 left it
        assert set(second_fit["weights"]) == {"generator", "discriminator", "ema_generator"}
        for a, b in zip(second_fit["weights"][name], saved):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} not restored from the checkpoint")

    progress = json.loads((t.runs / "mnist-dcgan" / "progress.json").read_text())
    assert [e["epoch"] for e in progress] == [1, 2]
    assert progress[0] == t.progress1[0], "epoch 1's record is kept, not rewritten"
    for e in progress:
        assert set(e) >= {"epoch", "wall_s", "cpu_s", "images_per_s", "d_loss", "g_loss", "d_real", "d_fake"}


def test_resumed_run_matches_an_uninterrupted_one(trained):
    """KNOWN BUG (fails): 'resumable after any epoch' restores weights and optimizers but not the randomness.

    GanCheckpoint saves the three networks and both optimizers, not the GAN's SeedGenerator (its z draws), the
    discriminator's Dropout seed generators, nor where the seeded tf.data shuffle had got to; train() re-seeds
    everything with keras.utils.set_random_seed(recipe.seed) and fit() builds a fresh iterator. So a resumed
    epoch 2 draws exactly the noise of epoch 1 (seed state back at its start) over the batches in epoch 1's
    order, and the shipped generator differs from the one an uninterrupted run of the same command ships."""
    import h5py

    from core.trainers import gans as tg
    t = trained
    first_save = [s for s in t.saves if s["model_id"] == "mnist-dcgan"][0]
    resumed_fit = t.fits[1]

    def stored(path):
        found = []
        with h5py.File(path, "r") as f:
            f.visititems(lambda name, item: found.append(np.array(item)) if isinstance(item, h5py.Dataset) else None)
        return found

    for name in tg.GanCheckpoint.NETWORKS:
        resumed = stored(t.runs / "mnist-dcgan" / f"{name}.weights.h5")
        uninterrupted = stored(t.straight_runs / "mnist-dcgan" / f"{name}.weights.h5")
        worst = max(float(np.abs(a - b).max()) for a, b in zip(resumed, uninterrupted))
        assert worst <= 1e-5, (
            f"BUG (core/trainers/gans.py GanCheckpoint): after `train(epochs=1)` then `train(epochs=2)` the {name} "
            f"differs from an uninterrupted `train(epochs=2)` by up to {worst:.2e}: the checkpoint does not keep the "
            f"RNG state (noise SeedGenerator state after epoch 1 {first_save['noise_state']}, at the resumed fit's "
            f"start {resumed_fit['noise_state']}: epoch 1's noise is drawn again), nor the tf.data shuffle position")


def test_story_and_card_hold_both_epochs(trained):
    from core.trainers import gans as tg
    t = trained
    folder = t.out / "mnist-dcgan"
    with np.load(folder / tg.STORY_FILE) as d:
        assert d["samples"].shape == (2, tg.STORY_SAMPLES, 28, 28) == (2, 20, 28, 28)
        assert d["samples"].dtype == np.uint8
        np.testing.assert_array_equal(d["epochs"], [1, 2])
        np.testing.assert_array_equal(d["samples"][0], t.story1["samples"][0], err_msg="epoch 1's frame is kept")
        assert not np.array_equal(d["samples"][0], d["samples"][1])
        assert int(d["inputs_seed"]) == tg.STORY_SEED
    assert t.story1["samples"].shape == (1, 20, 28, 28)

    card = json.loads((folder / "card.json").read_text())
    assert card == t.card2
    assert card["family"] == "dcgan" and card["kind"] == "generative" and card["conditional"] is False
    assert card["output_range"] == [-1.0, 1.0] and card["latent_dim"] == Z and card["image_shape"] == [28, 28, 1]
    assert card["files"] == {"generator": "generator.keras", "story": "training_story.npz"}
    tr_ = card["training"]
    assert tr_["epochs_run"] == 2 and tr_["recipe"]["epochs"] == 2
    assert tr_["options"] == {"real_label": 0.9, "ema_decay": 0.999, "pack": 2}
    assert set(tr_["history"]) == {"d_loss", "g_loss", "d_real", "d_fake"}
    for key, values in tr_["history"].items():
        assert len(values) == 2 and np.isfinite(values).all(), key
    progress = json.loads((t.runs / "mnist-dcgan" / "progress.json").read_text())
    assert tr_["history"]["g_loss"] == [e["g_loss"] for e in progress]
    assert tr_["wall_time_s"] == pytest.approx(sum(e["wall_s"] for e in progress), abs=0.11)
    assert card["dataset"]["fit"] == N_TRAIN and card["dataset"]["heldout"] == N_TEST
    assert t.card1["training"]["epochs_run"] == 1 and len(t.card1["training"]["history"]["d_loss"]) == 1


def test_manifest_lists_the_generator_and_story(trained):
    out = trained.out
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["models"]["mnist-dcgan"]
    assert sorted(entry["files"]) == ["card.json", "generator.keras", "training_story.npz"]
    assert entry["rebuild"] == "python -m core.train mnist-dcgan"
    for name, digest in entry["files"].items():
        assert digest == hashlib.sha256((out / "mnist-dcgan" / name).read_bytes()).hexdigest(), name
    assert not (out / "mnist-dcgan" / "discriminator.keras").exists(), "only the generator ships"


def test_trained_gan_loads_in_safe_mode(trained, monkeypatch):
    import core
    from core.images import to_uint8
    from core.recipes import get_recipe
    from core.trainers import gans as tg
    t = trained
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(t.out))
    seen = []
    real_load = keras.saving.load_model

    def load(*args, **kwargs):
        seen.append(kwargs.get("safe_mode"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", load)
    m = core.load_model("mnist-dcgan")
    assert seen == [True], "the generator loads once, in safe mode"
    assert m.has_encoder is False and m.latent_dim == Z and not m.conditional
    assert m.story["samples"].shape == (2, 20, 28, 28)
    np.testing.assert_array_equal(m.story["epochs"], [1, 2])
    with pytest.raises(ValueError, match="no encoder"):
        m.encode(np.zeros((1, 28, 28), np.uint8))
    x = m.sample(8, seed=0)
    assert x.shape == (8, 28, 28) and 0.0 <= x.min() and x.max() <= 1.0

    # What ships is the moving average (as the last checkpoint left it), and the story's last frame is its picture.
    keras.utils.set_random_seed(0)
    ema = gan.build_conv_generator(Z, SHAPE)
    ema.load_weights(t.runs / "mnist-dcgan" / "ema_generator.weights.h5")
    z = m.sample_latents(8, seed=0)
    np.testing.assert_allclose(x, (np.asarray(ema(z, training=False))[..., 0] + 1) / 2, rtol=1e-5, atol=1e-5)
    story_z = tg.story_inputs(get_recipe("mnist-dcgan"))
    frame = to_uint8(m.decode(story_z))
    assert np.abs(frame.astype(int) - m.story["samples"][-1].astype(int)).max() <= 1


def test_conditional_gan_trains_with_labels(trained, monkeypatch):
    import core
    t = trained
    card = t.cgan_card
    assert card["conditional"] is True and card["family"] == "cgan" and card["num_classes"] == 10
    assert card["training"]["epochs_run"] == 1
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(t.out))
    m = core.load_model("mnist-cgan")
    assert m.conditional and m.story["samples"].shape == (1, 20, 28, 28)
    x = m.sample(4, seed=0, labels=[0, 1, 2, 3])
    assert x.shape == (4, 28, 28) and 0.0 <= x.min() and x.max() <= 1.0


# ------------------------------------------------------------------ 8. evaluate_gan with a tiny judge

N_SAMPLES, PER_CLASS = 200, 20


def tiny_judge():
    """An untrained judge network with the parts core.judges.Judge reads: a "features" layer, then ten logits."""
    from core.judges import FEATURES_LAYER
    keras.utils.set_random_seed(0)
    images = keras.Input(SHAPE)
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(images)
    features = keras.layers.Dense(16, activation="relu", name=FEATURES_LAYER)(keras.layers.Flatten()(x))
    return keras.Model(images, keras.layers.Dense(10, name="logits")(features))


@pytest.fixture(scope="module")
def evaluated(trained, gan_data, tmp_path_factory):
    """A copy of the trained folder, both GANs evaluated with a tiny untrained judge on few samples (patched in:
    200 samples a truncation, 20 a class for label accuracy)."""
    from core import evaluate as ev
    from core import registry
    from core.evaluators import gans as ev_gans
    from core.judges import Judge
    root = tmp_path_factory.mktemp("gan-eval") / "pretrained"
    shutil.copytree(trained.out, root)
    # Rival cards for the DCGAN's goals: a 2-D VAE measured alike (same sample count), a vanilla GAN not alike.
    for rival, n in (("mnist-vae-2d", N_SAMPLES), ("mnist-gan", 5000)):
        (root / rival).mkdir()
        (root / rival / "card.json").write_text(json.dumps(
            {"id": rival, "kind": "generative", "metrics": {"frechet_distance_samples": 1e12,
                                                            "frechet_distance_samples_n": n}}))
    judge = Judge(tiny_judge(), {"metrics": {"confidence_threshold": 0.5}})
    real_scores, real_accuracy = ev_gans.sample_scores, ev_gans.sample_label_accuracy
    truncations = []

    def small_scores(model, judge, real, truncation=1.0, n=None):
        truncations.append(truncation)
        return real_scores(model, judge, real, truncation, n=N_SAMPLES)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ev_gans, "SAMPLE_FID", N_SAMPLES)
        mp.setattr(ev_gans, "sample_scores", small_scores)  # its default n was bound to 5,000 at import
        mp.setattr(ev_gans, "sample_label_accuracy", lambda model, judge, per_class=1000: real_accuracy(
            model, judge, per_class=PER_CLASS))
        mp.setattr(registry, "load_judge", lambda model_id="mnist-judge": judge)
        metrics = {i: ev.evaluate(i, data=trained.data, root=root) for i in ("mnist-dcgan", "mnist-cgan")}
    return SimpleNamespace(root=root, judge=judge, metrics=metrics, truncations=truncations)


def test_evaluate_dcgan_figures(evaluated, gan_data, monkeypatch):
    import core
    from core.evaluators import gans as ev_gans
    from core.judges import frechet_distance
    e = evaluated
    _, (xt, _) = gan_data
    card = json.loads((e.root / "mnist-dcgan" / "card.json").read_text())
    m = card["metrics"]
    assert json.dumps(m) == json.dumps(e.metrics["mnist-dcgan"]), "the card holds what evaluate returned"
    assert card["evaluation"] == {"command": "python -m core.evaluate mnist-dcgan", "method": ev_gans.GAN_METHOD}
    assert e.truncations[:len(ev_gans.TRUNCATIONS)] == list(ev_gans.TRUNCATIONS)
    assert m["heldout_digits"] == N_TEST and m["frechet_distance_samples_n"] == N_SAMPLES

    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(e.root))
    model = core.load_model("mnist-dcgan")  # the manifest still verifies after evaluation rewrote the card
    real = e.judge.features(xt)
    x = model.sample(N_SAMPLES, seed=0)
    read, confidence = e.judge.read(x)
    assert m["frechet_distance_samples"] == pytest.approx(frechet_distance(e.judge.features(x), real), rel=1e-4)
    assert len(m["class_shares"]) == 10 and sum(m["class_shares"]) == pytest.approx(1.0)
    np.testing.assert_allclose(m["class_shares"], np.bincount(read, minlength=10) / N_SAMPLES)
    assert m["mean_confidence"] == pytest.approx(float(confidence.mean()), rel=1e-5)
    assert m["share_confident"] == pytest.approx(float((confidence >= 0.5).mean()))

    assert [s["truncation"] for s in m["truncation"]] == list(ev_gans.TRUNCATIONS)
    for s in m["truncation"]:
        assert sum(s["class_shares"]) == pytest.approx(1.0)
        assert s["smallest_class_share"] == min(s["class_shares"]) and s["largest_class_share"] == max(s["class_shares"])
        assert "label_accuracy" not in s
    half = m["truncation"][list(ev_gans.TRUNCATIONS).index(0.5)]
    x_half = model.sample(N_SAMPLES, seed=0, truncation=0.5)
    assert half["frechet_distance"] == pytest.approx(frechet_distance(e.judge.features(x_half), real), rel=1e-4)
    plain = m["truncation"][list(ev_gans.TRUNCATIONS).index(1.0)]
    assert plain["frechet_distance"] == m["frechet_distance_samples"]

    assert m["goals"] == ev_gans.GAN_GOALS
    # The vanilla GAN's card, measured on another sample count, is no rival; the tiny judge stands in for both
    # judges, so the two-judge precision goal is judged; no 16-D VAE card, so no two-judge Fréchet goal.
    assert set(m["goals_met"]) == {"mode_coverage", "frechet_at_most_half_of_vae_2d",
                                   "precision_and_recall_both_judges"}
    assert set(m["sample_quality"]) == {"mnist-judge", "mnist-judge-b"}
    assert m["goals_met"]["mode_coverage"] == (0.05 <= min(m["class_shares"]) and max(m["class_shares"]) <= 0.15)
    assert m["goals_met"]["frechet_at_most_half_of_vae_2d"] is True
    assert "label_accuracy_prior_samples" not in m


def test_evaluate_cgan_label_accuracy(evaluated, monkeypatch):
    import core
    from core.evaluators import gans as ev_gans
    e = evaluated
    m = json.loads((e.root / "mnist-cgan" / "card.json").read_text())["metrics"]
    assert json.dumps(m) == json.dumps(e.metrics["mnist-cgan"]), "the card holds what evaluate returned"
    assert [s["truncation"] for s in m["truncation"]] == list(ev_gans.TRUNCATIONS)
    assert all(0.0 <= s["label_accuracy"] <= 1.0 for s in m["truncation"])
    assert sum(m["class_shares"]) == pytest.approx(1.0)
    assert m["label_accuracy_prior_samples_n"] == 10 * PER_CLASS
    assert set(m["label_accuracy_prior_samples_per_class"]) == {str(c) for c in range(10)}

    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(e.root))
    model = core.load_model("mnist-cgan")
    wanted = np.repeat(np.arange(10), PER_CLASS)
    got = e.judge.predict_labels(model.sample(len(wanted), seed=0, labels=wanted))
    assert m["label_accuracy_prior_samples"] == pytest.approx(float((got == wanted).mean()))
    labels = np.arange(N_SAMPLES) % 10
    read, _ = e.judge.read(model.sample(N_SAMPLES, seed=0, labels=labels))
    plain = m["truncation"][list(ev_gans.TRUNCATIONS).index(1.0)]
    assert plain["label_accuracy"] == pytest.approx(float((read == labels).mean()))

    assert set(m["goals_met"]) == {"label_accuracy", "label_accuracy_per_class"}
    assert m["goals_met"]["label_accuracy"] == (m["label_accuracy_prior_samples"] >= 0.97)
    assert m["goals_met"]["label_accuracy_per_class"] == (
        min(m["label_accuracy_prior_samples_per_class"].values()) >= 0.93)
