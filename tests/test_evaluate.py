"""core.evaluate and the digit measures (core/evaluators/likelihood.py, digits.py) against independent
computations: binarisation, the Bernoulli likelihood, the bounds' documented
procedure re-done in NumPy/SciPy (conditional too), label fidelity with a scripted judge, projections, and the
card, latents and manifest that `evaluate` writes for tiny untrained models.

The cards say their figures are reproducible from a stated procedure (binarised with NumPy seed 0, 16 ELBO
samples, 128 IWAE samples); the reference below follows that text, so a change to the procedure fails here.
tests/test_likelihood_exact.py checks the same bounds against log p(x) itself.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from core import evaluate as ev
from core.evaluators import digits as ev_digits
from core.evaluators import likelihood

# ------------------------------------------------------------------ binarise and the Bernoulli likelihood


def test_binarise_draws_each_pixel_once_with_its_grey_level():
    grey = np.random.default_rng(5).random((40, 7, 7)).astype(np.float32)
    got = likelihood.binarise(grey)
    assert got.dtype == np.float32 and got.shape == grey.shape
    np.testing.assert_array_equal(got, np.random.default_rng(0).random(grey.shape) < grey)  # NumPy seed 0
    np.testing.assert_array_equal(likelihood.binarise(grey, 3), np.random.default_rng(3).random(grey.shape) < grey)
    assert abs(got.mean() - grey.mean()) < 0.03
    np.testing.assert_array_equal(likelihood.binarise(np.zeros((2, 3, 3))), 0)
    np.testing.assert_array_equal(likelihood.binarise(np.ones((2, 3, 3))), 1)


def test_bernoulli_loglik_matches_scipy_and_flattens_images():
    rng = np.random.default_rng(0)
    x = (rng.random((5, 4, 3)) < 0.5).astype(np.float32)
    p = rng.uniform(0.02, 0.98, x.shape).astype(np.float32)
    got = likelihood.bernoulli_loglik(x, p)
    assert got.shape == (5,) and got.dtype == np.float64
    np.testing.assert_allclose(got, stats.bernoulli.logpmf(x.astype(int), p.astype(np.float64)).sum((1, 2)),
                               rtol=1e-12)


def test_bernoulli_loglik_clips_certain_wrong_pixels_at_one_in_a_million():
    got = likelihood.bernoulli_loglik(np.array([[1.0, 0.0, 1.0, 0.0]]), np.array([[0.0, 1.0, 1.0, 0.0]]))
    np.testing.assert_allclose(got, [2 * np.log(1e-6) + 2 * np.log1p(-1e-6)], rtol=1e-9)


# ------------------------------------------------------------------ the bounds' procedure, re-done by hand

PIXELS, LATENT, CLASSES = (2, 3), 2, 3


def linear_vae(conditional: bool):
    """A LatentModel of single Dense layers with random weights, and NumPy twins of its encoder and decoder."""
    import keras

    from core.latent_model import LatentModel
    rng = np.random.default_rng(1 + conditional)
    n_pix, n_c = PIXELS[0] * PIXELS[1], CLASSES if conditional else 0
    w_mean, w_log_var = rng.normal(0, 0.8, (n_pix + n_c, LATENT)), rng.normal(0, 0.5, (n_pix + n_c, LATENT))
    b_mean, b_log_var = rng.normal(0, 0.3, LATENT), np.full(LATENT, -1.0)
    w_dec, b_dec = rng.normal(0, 1.5, (LATENT + n_c, n_pix)), rng.normal(0, 0.5, n_pix)

    images, labels = keras.Input((*PIXELS, 1)), keras.Input((CLASSES,))
    h = keras.layers.Flatten()(images)
    if conditional:
        h = keras.layers.Concatenate()([h, labels])
    mean_layer, log_var_layer = keras.layers.Dense(LATENT), keras.layers.Dense(LATENT)
    encoder = keras.Model([images, labels] if conditional else images, [mean_layer(h), log_var_layer(h)])
    mean_layer.set_weights([w_mean, b_mean])
    log_var_layer.set_weights([w_log_var, b_log_var])
    z = keras.Input((LATENT,))
    g = keras.layers.Concatenate()([z, labels]) if conditional else z
    dec_layer = keras.layers.Dense(n_pix, activation="sigmoid")
    decoder = keras.Model([z, labels] if conditional else z, keras.layers.Reshape((*PIXELS, 1))(dec_layer(g)))
    dec_layer.set_weights([w_dec, b_dec])
    card = {"id": "linear", "latent_dim": LATENT, "image_shape": [*PIXELS, 1], "conditional": conditional,
            "num_classes": CLASSES}

    def with_labels(a, y):
        return np.hstack([a, np.eye(CLASSES)[y]]) if conditional else a

    def enc(x, y):
        h = with_labels(x.reshape(len(x), -1).astype(np.float64), y)
        return h @ w_mean + b_mean, h @ w_log_var + b_log_var

    def dec(z, y):
        return 1 / (1 + np.exp(-(with_labels(z, y) @ w_dec + b_dec)))
    return LatentModel(card, encoder, decoder), enc, dec


def reference_bounds(enc, dec, x_grey, y, seed, elbo_samples, iwae_samples):
    """The cards' stated procedure, written with SciPy densities: binarise with NumPy seed `seed`; draw the ELBO's
    samples, then the IWAE's, from NumPy seed `seed + 1`; closed-form KL."""
    x_bin = (np.random.default_rng(seed).random(x_grey.shape) < x_grey).reshape(len(x_grey), -1).astype(int)
    mean, log_var = enc(x_grey, y)
    sd = np.exp(0.5 * log_var)
    rng = np.random.default_rng(seed + 1)

    def log_lik(z):
        return stats.bernoulli.logpmf(x_bin, np.clip(dec(z, y), 1e-6, 1 - 1e-6)).sum(1)
    rec = np.mean([log_lik(mean + sd * rng.standard_normal(mean.shape)) for _ in range(elbo_samples)], axis=0)
    kl = (np.log(1 / sd) + (sd ** 2 + mean ** 2) / 2 - 0.5).sum(1)
    log_w = []
    for _ in range(iwae_samples):
        z = mean + sd * rng.standard_normal(mean.shape)
        log_w.append(log_lik(z) + stats.norm.logpdf(z).sum(1) - stats.norm.logpdf(z, mean, sd).sum(1))
    iwae = logsumexp(log_w, axis=0) - np.log(iwae_samples)
    return {"neg_elbo_nats": -(rec - kl).mean(), "neg_log_likelihood_iwae_nats": -iwae.mean(),
            "kl_nats": kl.mean(), "reconstruction_nats": -rec.mean()}


@pytest.mark.parametrize("conditional", [False, True], ids=["plain", "conditional"])
@pytest.mark.parametrize("seed,samples", [(0, {}), (4, {"elbo_samples": 3, "iwae_samples": 5})],
                         ids=["card-defaults", "other-seed-and-counts"])
def test_likelihood_bounds_follow_the_stated_procedure(conditional, seed, samples):
    model, enc, dec = linear_vae(conditional)
    x = np.random.default_rng(7).random((30, *PIXELS)).astype(np.float32)
    y = np.arange(30) % CLASSES if conditional else None
    got = likelihood.likelihood_bounds(model, x, y, **({"seed": seed} if seed else {}), **samples)
    counts = {"elbo_samples": likelihood.ELBO_SAMPLES, "iwae_samples": likelihood.IWAE_SAMPLES, **samples}
    assert (likelihood.ELBO_SAMPLES, likelihood.IWAE_SAMPLES) == (16, 128)  # what the cards and Home's help text say
    want = reference_bounds(enc, dec, x, y, seed, **counts)
    assert set(got) == set(want)
    for key, value in want.items():
        assert isinstance(got[key], float)
        assert got[key] == pytest.approx(value, abs=2e-5), key


def test_conditional_bounds_depend_on_the_labels():
    """The labels reach both the encoder and the decoder: wrong labels give other figures."""
    model, _, _ = linear_vae(True)
    x = np.random.default_rng(7).random((30, *PIXELS)).astype(np.float32)
    right = likelihood.likelihood_bounds(model, x, np.arange(30) % CLASSES)
    wrong = likelihood.likelihood_bounds(model, x, (np.arange(30) + 1) % CLASSES)
    assert all(abs(right[k] - wrong[k]) > 1e-3 for k in right)


# ------------------------------------------------------------------ label fidelity with a scripted judge


class ScriptedModel:
    """'Images' are (label, style) pairs, so a scripted judge can read what was asked for."""
    num_classes = 3

    def __init__(self):
        self.calls = []

    def sample(self, n, seed=None, labels=None):
        self.calls.append(("sample", n, seed))
        return np.stack([labels, np.arange(n)], 1)

    def encode(self, x, labels=None):
        self.calls.append(("encode", labels.tolist()))
        return x

    def decode(self, style, labels):
        return np.stack([labels, style], 1)


class ScriptedJudge:
    """Reads every label right, except that it calls a 2 with an odd style a 0."""
    def predict_labels(self, images):
        return np.where((images[:, 0] == 2) & (images[:, 1] % 2 == 1), 0, images[:, 0])


def test_label_fidelity_counts_what_the_judge_reads():
    model = ScriptedModel()
    y_test = np.array([0, 1, 2, 0, 1])
    got = ev_digits.label_fidelity(model, ScriptedJudge(), np.arange(5), y_test, per_class=4)
    # Prior samples: 4 a class, indices 8-11 are the 2s, and 9 and 11 are odd.
    assert got["label_accuracy_prior_samples"] == pytest.approx(10 / 12)
    assert got["label_accuracy_prior_samples_per_class"] == {"0": 1.0, "1": 1.0, "2": 0.5}
    assert got["label_accuracy_prior_samples_n"] == 12
    # Style transfer: 5 styles x 3 labels; as a 2, styles 1 and 3 are misread.
    assert got["style_transfer_label_accuracy"] == pytest.approx(13 / 15)
    assert got["style_transfer_n"] == 15
    assert model.calls == [("sample", 12, 0), ("encode", [0, 1, 2, 0, 1])]


def test_sample_label_accuracy_default_is_a_thousand_samples_a_class():
    model = ScriptedModel()
    got = ev_digits.sample_label_accuracy(model, ScriptedJudge())
    assert got["label_accuracy_prior_samples_n"] == 3000
    assert model.calls == [("sample", 3000, 0)]


def test_label_fidelity_default_is_a_thousand_samples_a_class():
    got = ev_digits.label_fidelity(ScriptedModel(), ScriptedJudge(), np.arange(2), np.array([0, 1]))
    assert got["label_accuracy_prior_samples_n"] == 3000
    assert got["label_accuracy_prior_samples_per_class"]["2"] == 0.5


# ------------------------------------------------------------------ projections


def test_projections_only_above_two_dimensions():
    codes = np.random.default_rng(0).normal(size=(100, 2))
    assert ev_digits.projections(codes) == {}
    assert ev_digits.projections(codes[:, :1]) == {}


def test_projections_are_seeded_pca_and_tsne():
    from sklearn.decomposition import PCA
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(100, 3)) * [3.0, 1.0, 0.2]
    got = ev_digits.projections(codes)
    assert set(got) == {"pca", "tsne"}
    for view in got.values():
        assert view.shape == (100, 2) and view.dtype == np.float32
    np.testing.assert_allclose(got["pca"], PCA(2, random_state=0).fit_transform(codes), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got["tsne"], ev_digits.projections(codes)["tsne"])
    # t-SNE keeps neighbours: each point's nearest neighbour in 3-D is among its 5 nearest in the map.
    from scipy.spatial.distance import cdist
    d3, d2 = cdist(codes, codes), cdist(got["tsne"], got["tsne"])
    np.fill_diagonal(d3, np.inf)
    np.fill_diagonal(d2, np.inf)
    near = np.argsort(d2, axis=1)[:, :5]
    assert np.mean([d3[i].argmin() in near[i] for i in range(100)]) > 0.8


# ------------------------------------------------------------------ evaluate: the card, latents and manifest


@pytest.fixture
def tiny_world(tiny_pretrained, tmp_path, make_data):
    """tiny-vae and tiny-ae (untrained) plus an untrained judge, all reading a tiny MNIST-shaped npz."""
    import keras

    from core import registry
    from core.judges import build_judge
    data = tmp_path / "data"
    arrays = make_data.tiny_arrays(n_train=40, n_test=24, seed=3)
    make_data.write_npz(data / "mnist.npz", arrays)
    for model_id in ("tiny-vae", "tiny-ae"):
        path = tiny_pretrained / model_id / registry.CARD
        card = json.loads(path.read_text())
        card["dataset"] = {"name": "mnist"}
        path.write_text(json.dumps(card))
        registry.write_manifest_entry(model_id)
    keras.utils.set_random_seed(0)
    (tiny_pretrained / "tiny-judge").mkdir()
    build_judge().save(tiny_pretrained / "tiny-judge" / "classifier.keras")
    (tiny_pretrained / "tiny-judge" / registry.CARD).write_text(json.dumps(
        {"id": "tiny-judge", "kind": "judge", "dataset": {"name": "mnist"}, "files": {"classifier": "classifier.keras"}}))
    registry.write_manifest_entry("tiny-judge")
    return tiny_pretrained, data, arrays


def test_evaluate_writes_independently_checked_figures(tiny_world, monkeypatch, capsys):
    import core
    from core import registry
    from core.images import as_model_input
    from core.judges import frechet_distance
    root, data, ((x_train, _), (x_test, y_test)) = tiny_world
    judge = registry.load_judge("tiny-judge")
    monkeypatch.setattr(registry, "load_judge", lambda model_id="mnist-judge": judge)  # the tiny judge stands in

    metrics = ev.evaluate("tiny-vae", data)
    model = core.load_model("tiny-vae", heldout=False)  # hashes in the manifest match what evaluate rewrote
    grey = as_model_input(x_test)[..., 0]
    means = model.encode(x_test)
    recon = model.decode(means)
    assert metrics["heldout_digits"] == len(x_test) == 24
    assert metrics["reconstruction_mse"] == pytest.approx(float(((recon - grey) ** 2).mean()), rel=1e-6)
    assert metrics["reconstruction_nll_binarised_nats"] == pytest.approx(
        -likelihood.bernoulli_loglik(likelihood.binarise(grey), recon).mean(), rel=1e-6)
    for key, value in likelihood.likelihood_bounds(model, grey).items():
        assert metrics[key] == pytest.approx(value, rel=1e-6), key
    assert metrics["judge_accuracy_on_reconstructions"] == pytest.approx(
        float((judge.predict_labels(recon) == y_test).mean()))
    samples = model.sample(5000, seed=0)
    assert metrics["frechet_distance_samples_n"] == 5000
    assert metrics["frechet_distance_samples"] == pytest.approx(
        frechet_distance(judge.features(samples), judge.features(x_test)), rel=1e-5)
    assert "likelihood_conditioned_on_label" not in metrics
    # Both judges (the tiny one stands in for each) measure the samples in their features.
    from core.judges import precision_recall
    real, fake = judge.features(x_test), judge.features(samples)
    precision, recall = precision_recall(real, fake, k=3)
    one = {"frechet_distance": pytest.approx(frechet_distance(fake, real), rel=1e-5), "precision": precision,
           "recall": recall}
    assert metrics["sample_quality"] == {"mnist-judge": one, "mnist-judge-b": one}

    text = (root / "tiny-vae" / "card.json").read_text()
    card = json.loads(text)
    assert text == json.dumps(card, indent=2) + "\n"  # cards are committed: two-space indent, final newline
    assert card["metrics"] == json.loads(json.dumps(metrics))
    assert card["evaluation"]["command"] == "python -m core.evaluate tiny-vae"
    assert card["evaluation"]["method"].startswith("each held-out digit's grey levels are binarised once")
    assert card["evaluation"]["method"].endswith("improved precision and recall with k = 3 nearest neighbours "
                                                 "(Kynkaanniemi et al., 2019).")
    assert "\n" not in card["evaluation"]["method"]
    with np.load(root / "tiny-vae" / "latents.npz") as saved:
        assert set(saved.files) == {"means", "labels"}  # a 2-D latent needs no projections
        np.testing.assert_allclose(saved["means"], means, rtol=1e-6)
        assert saved["means"].dtype == np.float32 and saved["labels"].dtype == np.uint8
        np.testing.assert_array_equal(saved["labels"], y_test)


def test_evaluate_an_autoencoder_without_a_judge(tiny_world, capsys):
    """No likelihood bounds for an autoencoder; with no judge shipped the judge figures are left out, with a note."""
    root, data, _ = tiny_world
    metrics = ev.evaluate("tiny-ae", data)
    assert "no mnist-judge metrics" in capsys.readouterr().out
    assert set(metrics) == {"heldout_digits", "reconstruction_mse", "reconstruction_nll_binarised_nats"}


def test_evaluate_measures_a_model_whose_heldout_codes_are_not_written_yet(tiny_world, capsys):
    """A freshly trained model has no latents.npz until its first evaluation writes it."""
    root, data, _ = tiny_world
    (root / "tiny-ae" / "latents.npz").unlink()
    metrics = ev.evaluate("tiny-ae", data)
    assert metrics["heldout_digits"] == 24
    assert (root / "tiny-ae" / "latents.npz").is_file()


def test_evaluate_ships_the_projections_of_the_heldout_codes(tiny_world, monkeypatch):
    """Whatever views `projections` makes of the held-out codes land in latents.npz beside them."""
    root, data, _ = tiny_world
    seen = []
    monkeypatch.setattr(ev_digits, "projections",
                        lambda means: seen.append(means.copy()) or {"pca": means[:, ::-1] * 2})
    ev.evaluate("tiny-ae", data)
    with np.load(root / "tiny-ae" / "latents.npz") as saved:
        assert set(saved.files) == {"means", "labels", "pca"}
        np.testing.assert_array_equal(saved["means"], seen[0])
        np.testing.assert_array_equal(saved["pca"], seen[0][:, ::-1] * 2)


def test_evaluate_judge_figures(tiny_world):
    from core import registry
    from core.judges import frechet_distance
    root, data, ((x_train, _), (x_test, y_test)) = tiny_world
    metrics = ev.evaluate("tiny-judge", data)
    judge = registry.load_judge("tiny-judge")
    pred = judge.predict_labels(x_test)
    assert metrics["heldout_digits"] == 24
    assert metrics["heldout_accuracy"] == pytest.approx(float((pred == y_test).mean()))
    assert metrics["per_class_accuracy"] == pytest.approx(
        {str(c): float((pred[y_test == c] == c).mean()) for c in np.unique(y_test)})
    pick = np.random.default_rng(0).choice(len(x_train), size=len(x_train), replace=False)  # all 40, seeded order
    assert metrics["frechet_distance_real_train_vs_heldout"] == pytest.approx(
        frechet_distance(judge.features(x_train[pick]), judge.features(x_test)), rel=1e-6)
    from core.judges import precision_recall
    assert (metrics["precision_real_train_vs_heldout"], metrics["recall_real_train_vs_heldout"]) == \
        precision_recall(judge.features(x_test), judge.features(x_train[pick]), k=3)
    assert "what a perfect generator would reach" in metrics["note"]
    written = json.loads((root / "tiny-judge" / "card.json").read_text())["metrics"]
    assert json.dumps(written) == json.dumps(metrics)  # as text: an untrained judge may give NaN figures


def test_command_line_evaluates_all_judge_first(tmp_path, monkeypatch, capsys):
    """`python -m core.evaluate all` measures the judge first (the others use it), the GANs last, and the rest in
    manifest order."""
    from core import registry
    for model_id, kind, family in (("tiny-gan", "generative", "dcgan"), ("tiny-ae", "generative", "ae"),
                                   ("tiny-judge", "judge", "judge"), ("tiny-vae", "generative", "vae")):
        (tmp_path / model_id).mkdir()
        (tmp_path / model_id / registry.CARD).write_text(json.dumps({"id": model_id, "kind": kind,
                                                                     "family": family}))
        registry.write_manifest_entry(model_id, tmp_path)
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path))
    done = []
    monkeypatch.setattr(ev, "evaluate", lambda model_id, d: done.append((model_id, d)) or {"ok": model_id})
    ev.main(["all", "--data", "somewhere"])
    # A GAN last, whatever its place in the manifest: its goals compare with the VAEs' fresh figures.
    assert done == [("tiny-judge", "somewhere"), ("tiny-ae", "somewhere"), ("tiny-vae", "somewhere"),
                    ("tiny-gan", "somewhere")]
    assert 'tiny-vae {\n  "ok": "tiny-vae"\n}' in capsys.readouterr().out
    done.clear()
    ev.main(["tiny-ae"])
    assert done == [("tiny-ae", None)]


def test_command_line_help_and_out(tmp_path, monkeypatch, capsys):
    """`--help` says what the command and each argument are; `--out` reads and writes another pretrained folder."""
    from core import registry
    with pytest.raises(SystemExit):
        ev.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for want in ("usage: python -m core.evaluate [-h] [--data DATA] [--out OUT] model_id",
                 "Measure a shipped model on the held-out split and write the figures into its model card.",
                 "model_id a shipped model id, or 'all'",
                 "--data DATA data folder (default: $LATENT_LAB_DATA, then the usual caches)",
                 "--out OUT pretrained folder to read and write (default: pretrained/)"):
        assert want in text
    assert "How the likelihood is measured" not in text  # the description is the docstring's first line only
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "tiny-ae").mkdir(parents=True)
    (elsewhere / "tiny-ae" / registry.CARD).write_text(json.dumps({"id": "tiny-ae", "kind": "generative"}))
    registry.write_manifest_entry("tiny-ae", elsewhere)
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path / "empty"))
    roots = []
    monkeypatch.setattr(ev, "evaluate", lambda model_id, d: roots.append((model_id, registry.pretrained_root())) or {})
    ev.main(["all", "--out", str(elsewhere)])
    assert roots == [("tiny-ae", elsewhere)]
    assert registry.pretrained_root() == tmp_path / "empty"  # put back afterwards


class ReadingJudge:
    """Stands in for a judge: reads the held-out digits as scripted, and gives each image a 3-D 'feature'."""

    def __init__(self, x_test, read, confidence):
        self.x_test, self.reading = x_test, (read, confidence)

    def read(self, images):
        np.testing.assert_array_equal(images, self.x_test)  # the held-out digits, as loaded
        return self.reading

    def features(self, images):
        return images.reshape(len(images), -1)[:, :3].astype(np.float64)


def test_evaluate_judge_confidence_figures_with_a_scripted_judge(tiny_world, monkeypatch):
    from core import registry
    from core.judges import frechet_distance
    root, data, ((x_train, _), (x_test, y_test)) = tiny_world
    assert len(y_test) == 24
    pred = y_test.copy()
    pred[[0, 5]] = (y_test[[0, 5]] + 1) % 10                       # two misreadings, both unsure
    confidence = np.full(24, 0.95)
    confidence[[0, 5, 6, 7]] = 0.6
    confidence[[8, 9, 10, 11]] = 0.7                                # exactly the threshold: confident
    judge = ReadingJudge(x_test, pred, confidence)
    monkeypatch.setattr(registry, "load_judge", lambda model_id: judge)
    got = ev_digits.evaluate_judge("tiny-judge", data)
    assert got["heldout_accuracy"] == pytest.approx(22 / 24)
    assert got["per_class_accuracy"] == pytest.approx(
        {str(c): float((pred[y_test == c] == c).mean()) for c in np.unique(y_test)})
    assert got["confidence_threshold"] == 0.7                         # 0.5 admits the two misreadings
    assert got["heldout_share_confident"] == pytest.approx(20 / 24)
    assert got["heldout_accuracy_confident"] == 1.0
    pick = np.random.default_rng(0).choice(40, size=40, replace=False)
    assert got["frechet_distance_real_train_vs_heldout"] == pytest.approx(
        frechet_distance(judge.features(x_train[pick]), judge.features(x_test)), rel=1e-9)
    assert got["note"] == (  # the card's explanation of both figures, word for word
        "The Frechet distance, precision and recall of 40 real training digits against the held-out digits are "
        "what a perfect generator would reach with the models' sample size. A reading counts as confident when "
        "the judge gives it at least the confidence threshold: the lowest at which its confident readings of "
        "held-out digits are wrong at most 0.1% of the time.")
    # a judge never sure enough: no reading counts as confident, and no accuracy is made up for them
    judge.reading = (pred, np.full(24, 0.3))
    unsure = ev_digits.evaluate_judge("tiny-judge", data)
    assert unsure["confidence_threshold"] == 0.999
    assert unsure["heldout_share_confident"] == 0.0 and unsure["heldout_accuracy_confident"] is None
    # more training digits than the 5,000 the Frechet floor uses (the models' sample count): a seeded draw
    # without replacement (seed 0)
    many = np.random.default_rng(9).integers(0, 256, (5100, 28, 28), dtype=np.uint8)
    monkeypatch.setattr(ev_digits, "load_dataset", lambda name, d: ((many, None), (x_test, y_test)))
    pick = np.random.default_rng(0).choice(5100, size=5000, replace=False)
    floor = ev_digits.evaluate_judge("tiny-judge", data)
    got = floor["frechet_distance_real_train_vs_heldout"]
    assert floor["frechet_floor_samples"] == 5000 and "recall of 5,000 real training digits" in floor["note"]
    assert got == pytest.approx(frechet_distance(judge.features(many[pick]), judge.features(x_test)), rel=1e-9)
    other = np.random.default_rng(1).choice(5100, size=5000, replace=False)
    assert abs(got - frechet_distance(judge.features(many[other]), judge.features(x_test))) > 1e-6 * got


def test_evaluate_a_conditional_vae_conditions_everything_on_the_labels(tiny_world, monkeypatch):
    """A conditional VAE: bounds on -log p(x | label), FID samples cycling through the labels, label fidelity."""
    from conftest import build_tiny_cvae

    import core
    from core import registry
    from core.images import as_model_input
    from core.judges import frechet_distance
    root, data, ((_, _), (x_test, y_test)) = tiny_world
    build_tiny_cvae(root)
    judge = registry.load_judge("tiny-judge")
    monkeypatch.setattr(registry, "load_judge", lambda model_id="mnist-judge": judge)
    monkeypatch.setattr(ev_digits, "label_fidelity", lambda model, j, x, y: {
        "fidelity_of": (model.id, j is judge, x.shape, y.tolist())})
    metrics = ev.evaluate("tiny-cvae", data)
    model = core.load_model("tiny-cvae", heldout=False)
    labels = y_test.astype(np.int64)
    grey = as_model_input(x_test)[..., 0]
    recon = model.decode(model.encode(x_test, labels), labels)
    assert metrics["likelihood_conditioned_on_label"] is True
    assert metrics["reconstruction_mse"] == pytest.approx(float(((recon - grey) ** 2).mean()), rel=1e-6)
    for key, value in likelihood.likelihood_bounds(model, grey, labels).items():
        assert metrics[key] == pytest.approx(value, rel=1e-6), key
    assert metrics["judge_accuracy_on_reconstructions"] == pytest.approx(
        float((judge.predict_labels(recon) == y_test).mean()))
    samples = model.sample(5000, seed=0, labels=np.arange(5000) % 10)
    assert metrics["frechet_distance_samples"] == pytest.approx(
        frechet_distance(judge.features(samples), judge.features(x_test)), rel=1e-5)
    assert metrics["fidelity_of"] == ("tiny-cvae", True, x_test.shape, y_test.tolist())


def test_tsne_projection_is_the_stated_tsne():
    """t-SNE as stated: PCA initialisation, perplexity 30, seeded (the seed argument reaching both views)."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    codes = np.random.default_rng(1).normal(size=(60, 3)) * [3.0, 1.0, 0.2]
    got = ev_digits.projections(codes, seed=2)
    want = TSNE(2, init="pca", perplexity=30, random_state=2).fit_transform(codes)
    np.testing.assert_allclose(got["tsne"], want.astype(np.float32), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["pca"], PCA(2, random_state=2).fit_transform(codes), rtol=1e-5, atol=1e-5)


def test_evaluate_root_points_the_registry_elsewhere_for_the_call(tmp_path, monkeypatch):
    from core import registry
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(tmp_path / "usual"))
    seen = []
    monkeypatch.setattr(ev, "_evaluate", lambda model_id, data: seen.append((model_id, data, registry.pretrained_root()))
                        or {"done": model_id})
    assert ev.evaluate("m", "somewhere", root=tmp_path / "other") == {"done": "m"}
    assert ev.evaluate("n") == {"done": "n"}
    assert seen == [("m", "somewhere", tmp_path / "other"), ("n", None, tmp_path / "usual")]
