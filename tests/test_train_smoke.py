"""`core.train` / `core.evaluate` end to end on a tiny data set the tests write themselves (one short epoch each).

The judge is trained first into the same folder, so the VAE's evaluation also
exercises the judge metrics (accuracy on reconstructions, Frechet distance).
"""
import hashlib
import json

import numpy as np
import pytest

pytest.importorskip("keras")

N_TRAIN, N_TEST = 256, 64
N_VAL = round(N_TRAIN * 0.1)


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory, make_data):
    folder = tmp_path_factory.mktemp("data")
    x, y = make_data.blob_digits(N_TRAIN, seed=0)
    xt, yt = make_data.blob_digits(N_TEST, seed=1)
    make_data.write_npz(folder / "mnist.npz", ((x, y), (xt, yt)))
    return folder, (x, y), (xt, yt)


@pytest.fixture(scope="module")
def trained(tiny_data, tmp_path_factory):
    """Train mnist-judge, then mnist-vae-2d and mnist-cvae, for one epoch each into a temporary pretrained folder."""
    from core.train import train
    data, _, _ = tiny_data
    base = tmp_path_factory.mktemp("train")
    out, runs = base / "pretrained", base / "runs"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATENT_LAB_PRETRAINED", str(out))  # evaluate(root=...) sets it; restored afterwards
        judge_card = train("mnist-judge", data=data, epochs=1, out=out, runs=runs, verbose=0)
        vae_card = train("mnist-vae-2d", data=data, epochs=1, out=out, runs=runs, verbose=0)
        train("mnist-cvae", data=data, epochs=1, out=out, runs=runs, verbose=0)
    return out, runs, judge_card, vae_card


@pytest.fixture
def registry_at(trained, monkeypatch):
    out = trained[0]
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(out))
    return out


def read_json(path):
    return json.loads(path.read_text())


# ------------------------------------------------------------------ what training wrote

def test_files_and_manifest(trained):
    out, _, _, _ = trained
    assert sorted(p.name for p in (out / "mnist-vae-2d").iterdir()) == [
        "card.json", "decoder.keras", "encoder.keras", "latents.npz"]
    assert sorted(p.name for p in (out / "mnist-judge").iterdir()) == ["card.json", "classifier.keras"]
    manifest = read_json(out / "manifest.json")
    assert list(manifest["models"]) == ["mnist-cvae", "mnist-judge", "mnist-vae-2d"]
    for model_id, entry in manifest["models"].items():
        assert entry["rebuild"] == f"python -m core.train {model_id}"
        assert sorted(entry["files"]) == sorted(p.name for p in (out / model_id).iterdir()), model_id
        for name, digest in entry["files"].items():  # hashes match the files as evaluation left them
            assert digest == hashlib.sha256((out / model_id / name).read_bytes()).hexdigest(), name


def test_vae_card(trained):
    out, _, _, returned = trained
    card = read_json(out / "mnist-vae-2d" / "card.json")
    assert card["id"] == returned["id"] == "mnist-vae-2d"
    assert card["kind"] == "generative" and card["family"] == "vae"
    assert card["latent_dim"] == 2 and card["image_shape"] == [28, 28, 1]
    assert card["files"] == {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz"}
    assert card["dataset"]["name"] == "mnist"
    assert (card["dataset"]["fit"], card["dataset"]["validation"], card["dataset"]["heldout"]) == (
        N_TRAIN - N_VAL, N_VAL, N_TEST)
    assert "256" in card["dataset"]["description"]
    t = card["training"]
    assert t["command"] == "python -m core.train mnist-vae-2d"
    assert t["epochs_run"] == 1 and t["best_epoch"] == 1 and t["recipe"]["epochs"] == 1
    assert set(t["final"]) >= {"loss", "reconstruction", "kl", "val_loss"}
    assert "prior" not in card  # a VAE samples from N(0, I)


def test_evaluation_metrics_in_card(trained):
    out, _, _, _ = trained
    card = read_json(out / "mnist-vae-2d" / "card.json")
    m = card["metrics"]
    assert m["heldout_digits"] == N_TEST
    assert 0 <= m["reconstruction_mse"] <= 1
    for key in ("neg_elbo_nats", "neg_log_likelihood_iwae_nats", "kl_nats", "reconstruction_nats"):
        assert np.isfinite(m[key]), key
    assert m["neg_elbo_nats"] == pytest.approx(m["reconstruction_nats"] + m["kl_nats"], rel=1e-6)
    assert m["kl_nats"] >= 0
    # IWAE with 128 samples is a tighter bound than the 16-sample ELBO (allowing a little Monte Carlo noise)
    assert m["neg_log_likelihood_iwae_nats"] <= m["neg_elbo_nats"] + 0.5
    # the judge trained first was used
    assert 0 <= m["judge_accuracy_on_reconstructions"] <= 1
    assert np.isfinite(m["frechet_distance_samples"]) and m["frechet_distance_samples"] > 0
    assert card["evaluation"]["command"] == "python -m core.evaluate mnist-vae-2d"


def test_latents_are_the_heldout_means(trained, tiny_data, registry_at):
    import core
    _, _, (xt, yt) = tiny_data
    with np.load(registry_at / "mnist-vae-2d" / "latents.npz") as d:
        means, labels = d["means"], d["labels"]
        assert set(d.files) == {"means", "labels"}  # 2-D latents need no projections
    assert means.shape == (N_TEST, 2) and means.dtype == np.float32
    np.testing.assert_array_equal(labels, yt)
    model = core.load_model("mnist-vae-2d")
    np.testing.assert_allclose(model.encode(xt), means, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(model.heldout["means"], means)


def test_trained_model_loads_through_the_registry(registry_at):
    import core
    assert [c["id"] for c in core.list_models()] == ["mnist-cvae", "mnist-vae-2d"]
    assert [c["id"] for c in core.list_models(kind="judge")] == ["mnist-judge"]
    model = core.load_model("mnist-vae-2d")
    x = model.decode(np.zeros((3, 2)))
    assert x.shape == (3, 28, 28) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1


def test_judge_card_and_accuracy(trained, tiny_data, registry_at):
    import core
    _, _, (xt, yt) = tiny_data
    card = read_json(registry_at / "mnist-judge" / "card.json")
    assert card["kind"] == "judge" and card["files"] == {"classifier": "classifier.keras"}
    assert card["training"]["epochs_run"] == 1 and "val_accuracy" in card["training"]["final"]
    m = card["metrics"]
    assert m["heldout_digits"] == N_TEST
    judge = core.load_judge()
    pred = judge.predict_labels(xt)
    assert m["heldout_accuracy"] == pytest.approx(float((pred == yt).mean()), abs=1e-9)
    assert set(m["per_class_accuracy"]) == {str(c) for c in np.unique(yt)}
    for c, acc in m["per_class_accuracy"].items():
        assert acc == pytest.approx(float((pred[yt == int(c)] == int(c)).mean()))
    assert np.isfinite(m["frechet_distance_real_train_vs_heldout"])


def test_successful_run_leaves_no_backup(trained):
    _, runs, _, _ = trained
    assert not (runs / "mnist-vae-2d" / "backup").exists()


def test_evaluate_again_is_reproducible(trained, tiny_data, registry_at):
    """Re-running `python -m core.evaluate` rewrites the same numbers and keeps the manifest valid."""
    import core
    from core.evaluate import evaluate
    data, _, _ = tiny_data
    before = read_json(registry_at / "mnist-vae-2d" / "card.json")["metrics"]
    again = evaluate("mnist-vae-2d", data=data, root=registry_at)
    for key in ("reconstruction_mse", "neg_elbo_nats", "neg_log_likelihood_iwae_nats", "frechet_distance_samples"):
        assert again[key] == pytest.approx(before[key], rel=1e-5), key
    core.load_model("mnist-vae-2d")  # hashes still verify


def test_conditional_vae_end_to_end(trained, tiny_data, registry_at):
    """mnist-cvae: a conditional card, label-aware evaluation, and a model that needs labels both ways."""
    import core
    _, _, (xt, yt) = tiny_data
    card = read_json(registry_at / "mnist-cvae" / "card.json")
    assert card["conditional"] is True and card["family"] == "cvae" and card["num_classes"] == 10
    m = card["metrics"]
    assert m["likelihood_conditioned_on_label"] is True
    assert m["neg_elbo_nats"] == pytest.approx(m["reconstruction_nats"] + m["kl_nats"], rel=1e-6)
    assert 0 <= m["label_accuracy_prior_samples"] <= 1 and m["label_accuracy_prior_samples_n"] == 10 * 1000
    assert 0 <= m["style_transfer_label_accuracy"] <= 1 and m["style_transfer_n"] == N_TEST * 10
    model = core.load_model("mnist-cvae")
    assert model.conditional and model.latent_dim == card["latent_dim"]
    with pytest.raises(ValueError, match="pass labels"):
        model.encode(xt)
    codes = model.encode(xt, yt)
    with np.load(registry_at / "mnist-cvae" / "latents.npz") as d:
        np.testing.assert_allclose(codes, d["means"], rtol=1e-4, atol=1e-5)
        assert set(d.files) >= {"means", "labels", "pca", "tsne"}  # 8-D codes come with 2-D projections
        assert d["pca"].shape == d["tsne"].shape == (N_TEST, 2)
    x = model.decode(codes[:3], labels=[1, 2, 3])
    assert x.shape == (3, 28, 28) and 0 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(model.reconstruct(xt[:3], yt[:3]), model.decode(codes[:3], yt[:3]), rtol=1e-5,
                               atol=1e-6)


# ------------------------------------------------------------------ resuming an interrupted run

class Interrupted(Exception):
    pass


def test_interrupted_run_resumes_from_its_backup(tiny_data, tmp_path, monkeypatch):
    import keras

    from core.train import train
    data, _, _ = tiny_data
    out, runs = tmp_path / "pretrained", tmp_path / "runs"
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(out))
    real_early_stopping = keras.callbacks.EarlyStopping
    seen = []

    class Spy(real_early_stopping):
        """EarlyStopping that records the epochs it sees and can simulate a crash at the end of one."""
        crash_at = None

        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)
            if epoch == Spy.crash_at:
                raise Interrupted  # before BackupAndRestore saves this epoch (it comes later in the list)
            super().on_epoch_end(epoch, logs)

    monkeypatch.setattr(keras.callbacks, "EarlyStopping", Spy)

    Spy.crash_at = 1
    with pytest.raises(Interrupted):
        train("mnist-ae-2d", data=data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    backup = runs / "mnist-ae-2d" / "backup"
    assert seen == [0, 1]
    assert read_json(backup / "training_metadata.json")["epoch"] == 1  # epoch 0 finished and saved
    assert not (out / "mnist-ae-2d").exists()

    seen.clear()
    Spy.crash_at = None
    card = train("mnist-ae-2d", data=data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    assert seen == [1, 2]  # continued where it stopped, not from epoch 0
    assert card["training"]["epochs_run"] == 3
    assert 1 <= card["training"]["best_epoch"] <= 3
    assert not backup.exists()  # finished: the backup is cleared

    # --fresh discards a backup and starts over
    Spy.crash_at = 1
    seen.clear()
    with pytest.raises(Interrupted):
        train("mnist-ae-2d", data=data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    Spy.crash_at = None
    seen.clear()
    card = train("mnist-ae-2d", data=data, epochs=2, out=out, runs=runs, verbose=0, evaluate_after=False,
                 fresh=True)
    assert seen == [0, 1]
    assert card["training"]["epochs_run"] == 2
    # an autoencoder card carries the Gaussian fitted to its training codes
    prior = card["prior"]
    assert len(prior["mean"]) == 2 and np.array(prior["cov"]).shape == (2, 2)
    assert np.all(np.linalg.eigvalsh(np.array(prior["cov"])) >= 0)


# ------------------------------------------------------------------ recipes and the command line

def test_split_train_is_seeded_and_disjoint():
    from core.trainers.common import split_train
    x = np.arange(100)
    (xf, yf), (xv, yv) = split_train(x, x * 10, 0.1, seed=3)
    assert len(xv) == 10 and len(xf) == 90
    assert set(xf).isdisjoint(xv) and set(xf) | set(xv) == set(range(100))
    np.testing.assert_array_equal(yf, xf * 10)
    (xf2, _), (xv2, _) = split_train(x, x, 0.1, seed=3)
    np.testing.assert_array_equal(xv, xv2)
    assert not np.array_equal(xv, split_train(x, x, 0.1, seed=4)[1][0])


def test_every_recipe_builds():
    import keras

    from core.data import LOADERS
    from core.recipes import RECIPES, get_recipe
    from core.train import build
    assert set(RECIPES) >= {"mnist-judge", "mnist-ae-2d", "mnist-vae-2d", "mnist-vae-16d"}
    for model_id, r in RECIPES.items():
        assert r.model_id == model_id and r.dataset in LOADERS
        assert (r.latent_dim is None) == (r.family in ("judge", "pixelcnn"))  # a PixelCNN has no latent
        assert isinstance(build(r, (28, 28, 1)), keras.Model), model_id  # `python -m core.train <id>` can start
    assert get_recipe("mnist-vae-16d").latent_dim == 16
    with pytest.raises(KeyError, match="mnist-vae-2d"):
        get_recipe("mnist-vae-3d")


def test_command_line_rejects_unknown_models(capsys):
    from core.train import main
    with pytest.raises(SystemExit):
        main(["mnist-vae-3d"])
    assert "invalid choice" in capsys.readouterr().err
