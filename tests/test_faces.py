"""Face models: the multi-label face judge, the face VAE, their training and evaluation.

Everything runs on tiny networks and a tiny fake CelebA folder written into
tmp_path (coloured squares whose colour follows two attributes), so no real
face is needed; the cache goes to tmp_path too.
"""
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("keras")

import keras  # noqa: E402

from core.models import face_judge as fj  # noqa: E402
from core.models.face_vae import FaceVAE, build_decoder, build_encoder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
         "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
         "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
         "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
         "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()
SMALL = (4, 8)  # conv widths of the tiny test networks


# ------------------------------------------------------------------ the face judge

def tiny_judge(shape=(16, 16, 3)):
    keras.utils.set_random_seed(0)
    return fj.build_face_judge(shape, widths=SMALL, features=16)


def test_judge_gives_one_logit_per_attribute_and_a_features_layer():
    model = tiny_judge()
    x = np.random.default_rng(0).random((5, 16, 16, 3)).astype(np.float32)
    assert model(x).shape == (5, 40)
    assert model.get_layer(fj.FEATURES_LAYER).output.shape[-1] == 16
    blocks = fj.feature_extractor(model, blocks=("block1", "block2"))
    a, b = blocks(x)
    assert a.shape == (5, 16, 16, 4) and b.shape == (5, 8, 8, 8)
    assert not blocks.trainable and blocks.trainable_weights == []


def test_face_judge_reads_several_attributes_at_once_with_its_thresholds():
    model = tiny_judge()
    logits = model.get_layer("logits")
    kernel, bias = logits.get_weights()
    bias = np.full(40, -6.0, np.float32)
    bias[[NAMES.index("Smiling"), NAMES.index("Male")]] = 6.0  # two attributes present at once
    bias[NAMES.index("Young")] = 0.2  # p = 0.55: present at 0.5, absent at a threshold of 0.6
    logits.set_weights([np.zeros_like(kernel), bias])
    thresholds = {n: (0.6 if n == "Young" else 0.5) for n in NAMES}
    judge = fj.FaceJudge(model, {"attribute_names": NAMES, "metrics": {"thresholds": thresholds}})
    faces = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    p = judge.probabilities(faces)
    assert p.shape == (3, 40) and np.all((p > 0) & (p < 1))
    assert p.sum(axis=1).min() > 1.5  # independent sigmoids, not a softmax
    read = judge.read(faces)
    assert read.dtype == bool and read.sum(axis=1).tolist() == [2, 2, 2]
    assert read[:, NAMES.index("Smiling")].all() and read[:, NAMES.index("Male")].all()
    assert not read[:, NAMES.index("Young")].any()
    assert judge.features(faces).shape == (3, 16)
    plain = fj.FaceJudge(model, {"attribute_names": NAMES})  # no thresholds yet: 0.5
    assert plain.read(faces)[:, NAMES.index("Young")].all()


def test_judge_training_lowers_the_multilabel_loss():
    model = tiny_judge()
    rng = np.random.default_rng(0)
    x = rng.random((64, 16, 16, 3)).astype(np.float32)
    y = np.zeros((64, 40), np.float32)
    y[:, 0] = x[..., 0].mean(axis=(1, 2)) > 0.5  # learnable: redness
    y[:, 1] = 1.0
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * before


# ------------------------------------------------------------------ scores of readings

def test_balanced_accuracy():
    truth = np.array([1, 1, 0, 0, 0, 0, 0, 0], bool)
    assert fj.balanced_accuracy(np.zeros(8, bool), truth) == 0.5  # "never" is 75% accurate, 50% balanced
    assert fj.balanced_accuracy(truth, truth) == 1.0
    assert fj.balanced_accuracy(np.array([1, 0, 1, 0, 0, 0, 0, 0], bool), truth) == pytest.approx((0.5 + 5 / 6) / 2)
    assert np.isnan(fj.balanced_accuracy(np.zeros(3, bool), np.zeros(3, bool)))


def test_thresholds_are_chosen_for_balanced_accuracy():
    truth = np.array([[1, 1], [1, 0], [0, 0], [0, 1]], bool)
    probs = np.array([[0.30, 0.9], [0.25, 0.2], [0.10, 0.1], [0.12, 0.8]])
    t = fj.choose_thresholds(probs, truth)
    assert 0.12 < t[0] <= 0.25  # separates 0.25 / 0.30 from 0.10 / 0.12
    assert t[1] == 0.5  # any threshold in (0.2, 0.8] is perfect: the one nearest 0.5
    assert fj.choose_thresholds(probs, np.zeros((4, 2), bool)).tolist() == [0.5, 0.5]  # nothing to choose on


def test_per_attribute_scores_best_judged_and_agreement():
    truth = np.array([[1, 0], [0, 0], [1, 1], [0, 1]], bool)
    read = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], bool)
    s = fj.per_attribute_scores(read, truth, ["A", "B"])
    assert s["A"] == {"accuracy": 1.0, "balanced_accuracy": 1.0, "positives": 2}
    assert s["B"]["accuracy"] == 0.5 and s["B"]["balanced_accuracy"] == 0.5
    assert fj.best_judged({"A": 0.7, "B": 0.9, "C": float("nan"), "D": 0.8}, k=2) == ["B", "D"]
    np.testing.assert_allclose(fj.agreement(read, truth), [1.0, 0.5])


# ------------------------------------------------------------------ the face VAE

@pytest.mark.parametrize("shape", [(64, 64, 3), (32, 32, 3), (28, 28, 1)])
def test_encoder_and_decoder_shapes(shape):
    enc, dec = build_encoder(16, shape, widths=SMALL), build_decoder(16, shape, widths=SMALL)
    x = np.random.default_rng(0).random((2, *shape)).astype(np.float32)
    mean, log_var = enc(x)
    assert mean.shape == log_var.shape == (2, 16)
    np.testing.assert_array_equal(log_var, 0.0)  # starts at the prior's variance
    out = dec(mean).numpy()
    assert out.shape == (2, *shape) and out.min() >= 0 and out.max() <= 1


def test_the_default_face_vae_is_at_least_128_d_and_64_px():
    from core.recipes import get_recipe
    from core.train import build
    r = get_recipe("celeba-vae")
    assert r.latent_dim >= 128 and r.dataset == "celeba"
    vae = build(r, (64, 64, 3))
    assert vae.decoder.output.shape[1:] == (64, 64, 3) and vae.encoder.output[0].shape[-1] == r.latent_dim


def tiny_vae(perceptual=True, **kwargs):
    keras.utils.set_random_seed(0)
    blocks = fj.feature_extractor(tiny_judge(), blocks=("block1", "block2")) if perceptual else None
    vae = FaceVAE(8, (16, 16, 3), widths=SMALL, perceptual=blocks, **kwargs)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    return vae


def smooth_faces(n=32, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.random((n, 1, 1, 3)) * np.linspace(0, 1, 16)[None, :, None, None]
    return np.repeat(base, 16, axis=2).astype(np.float32)


def test_train_steps_lower_the_loss_and_train_only_the_vae():
    vae = tiny_vae()
    x = smooth_faces()
    before = vae.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    judge_weights = [w.numpy().copy() for w in vae.perceptual.weights]
    dec_weights = [w.numpy().copy() for w in vae.decoder.trainable_weights]
    vae.fit(x, batch_size=16, epochs=8, verbose=0)
    after = vae.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    assert after["loss"] < before["loss"] and after["mse"] < before["mse"]
    assert before["perceptual"] > 0
    assert any(not np.allclose(a, w.numpy()) for a, w in zip(dec_weights, vae.decoder.trainable_weights))
    for a, w in zip(judge_weights, vae.perceptual.weights):  # the judge is frozen, batch norm statistics too
        np.testing.assert_array_equal(a, w.numpy())


def test_loss_terms_add_up():
    vae = tiny_vae(beta=0.5, sigma=0.2, perceptual_weight=0.3)
    terms = {k: float(v) for k, v in vae._terms(smooth_faces(8), training=False).items()}
    assert terms["loss"] == pytest.approx(terms["pixel"] + 0.3 * terms["perceptual"] + 0.5 * terms["kl"], rel=1e-5)
    assert terms["pixel"] == pytest.approx(0.5 * terms["mse"] * 16 * 16 * 3 / 0.2 ** 2, rel=1e-4)
    without = tiny_vae(perceptual=False)
    assert float(without._terms(smooth_faces(8), training=False)["perceptual"]) == 0.0


def test_kl_weight_warms_up_then_stays():
    vae = tiny_vae(perceptual=False, beta=0.8, warmup_steps=4)
    vae.optimizer.build(vae.trainable_weights)
    seen = []
    for step in range(6):
        vae.optimizer.iterations.assign(step)
        seen.append(float(vae.kl_weight(training=True)))
    np.testing.assert_allclose(seen, [0.2, 0.4, 0.6, 0.8, 0.8, 0.8], rtol=1e-6)
    assert vae.kl_weight(training=False) == 0.8  # validation always uses the full weight


def test_saved_networks_load_in_safe_mode(tmp_path):
    vae = tiny_vae(perceptual=False)
    vae.fit(smooth_faces(), batch_size=16, epochs=1, verbose=0)
    x = smooth_faces(4, seed=1)
    z = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    for net, inputs in ((vae.encoder, x), (vae.decoder, z)):
        net.save(tmp_path / f"{net.name}.keras")
        loaded = keras.saving.load_model(tmp_path / f"{net.name}.keras", compile=False, safe_mode=True)
        want, got = net(inputs, training=False), loaded(inputs, training=False)
        for a, b in zip(keras.tree.flatten(want), keras.tree.flatten(got)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    judge = tiny_judge()
    judge.save(tmp_path / "judge.keras")
    again = keras.saving.load_model(tmp_path / "judge.keras", compile=False, safe_mode=True)
    np.testing.assert_allclose(again(x[..., :3] if x.shape[-1] == 3 else x), judge(x), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ training and evaluation end to end

def write_fake_celeba(root: Path, n=30, seed=0) -> Path:
    """An official-layout folder of n generated 178x218 'faces': Smiling paints the face box red, Male blue."""
    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    rng = np.random.default_rng(seed)
    values = np.where(rng.random((n, 40)) < 0.4, 1, -1)
    names = [f"{i:06d}.jpg" for i in range(1, n + 1)]
    smiling, male = NAMES.index("Smiling"), NAMES.index("Male")
    for name, v in zip(names, values):
        a = np.full((218, 178, 3), 90, np.uint8)
        a[60:160, 30:150] = (220 if v[smiling] > 0 else 40, 120, 220 if v[male] > 0 else 40)
        Image.fromarray(a).save(folder / "img_align_celeba" / name, quality=90)
    parts = [0] * (n // 2) + [1] * (n // 4) + [2] * (n - n // 2 - n // 4)
    (folder / "list_attr_celeba.txt").write_text("\n".join(
        [str(n), " ".join(NAMES)] + [f"{f} " + " ".join(f"{x:2d}" for x in v) for f, v in zip(names, values)]) + "\n")
    (folder / "list_eval_partition.txt").write_text("\n".join(f"{f} {p}" for f, p in zip(names, parts)) + "\n")
    return root


@pytest.fixture(scope="module")
def faces_trained(tmp_path_factory):
    """celeba-perceptual, celeba-judge, then celeba-vae (narrow), trained and evaluated into a temporary folder."""
    from core import recipes
    from core.train import train
    base = tmp_path_factory.mktemp("faces")
    data = write_fake_celeba(base / "data")
    out, runs = base / "pretrained", base / "runs"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATENT_LAB_CACHE", str(base / "cache"))
        mp.setenv("LATENT_LAB_PRETRAINED", str(out))
        mp.delenv("LATENT_LAB_DATA", raising=False)
        narrow = {**recipes.MODEL_OPTIONS["celeba-vae"], "widths": [8, 8, 16, 16]}
        mp.setitem(recipes.MODEL_OPTIONS, "celeba-vae", narrow)
        train("celeba-perceptual", data=data, epochs=1, out=out, runs=runs, verbose=0)
        judge = train("celeba-judge", data=data, epochs=1, out=out, runs=runs, verbose=0)
        vae = train("celeba-vae", data=data, epochs=2, out=out, runs=runs, verbose=0)
    return data, out, runs, judge, vae


def test_face_training_writes_cards_and_files(faces_trained):
    data, out, runs, judge, vae = faces_trained
    assert sorted(p.name for p in (out / "celeba-judge").iterdir()) == ["card.json", "classifier.keras"]
    assert sorted(p.name for p in (out / "celeba-vae").iterdir()) == [
        "attributes.npz", "card.json", "decoder.keras", "encoder.keras", "latents.npz"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["models"]) == ["celeba-judge", "celeba-perceptual", "celeba-vae"]
    for card, kind in ((judge, "judge"), (vae, "generative")):
        assert card["kind"] == kind and card["dataset"]["name"] == "celeba"
        assert card["dataset"]["fit"] == 15 and card["dataset"]["validation"] == 7 and card["dataset"]["heldout"] == 8
        assert card["attribute_names"] == NAMES and card["num_classes"] == 0
        t = card["training"]
        assert len(t["epoch_times_s"]) == t["epochs_run"] and t["wall_time_s"] == pytest.approx(sum(t["epoch_times_s"]),
                                                                                                 abs=0.2)
        assert t["cpu_time_s"] > 0
    assert vae["image_shape"] == [64, 64, 3] and vae["latent_dim"] == 128 and vae["training"]["epochs_run"] == 2
    assert vae["training"]["perceptual_judge"]["id"] == "celeba-perceptual"  # learned through one network,
    assert vae["metrics"]["judge"] == "celeba-judge"  # scored by another
    assert vae["training"]["options"]["perceptual_layers"] == ["block1", "block2", "block3"]
    metadata = json.loads((runs / "celeba-vae" / "backup" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 2  # kept, so a larger --epochs goes on from it


def test_face_vae_training_goes_on_from_the_shipped_weights(faces_trained, tmp_path, monkeypatch):
    """--extend: a checkpoint seeded from pretrained/celeba-vae, so the run starts at its epoch count with its last
    learning rate, and the card counts the shipped epochs' times too; a finished run goes on by a larger --epochs."""
    from core import recipes
    from core.train import train
    data, out, runs, _, vae = faces_trained
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(out))
    monkeypatch.setitem(recipes.MODEL_OPTIONS, "celeba-vae", {**recipes.MODEL_OPTIONS["celeba-vae"],
                                                              "widths": [8, 8, 16, 16]})
    fresh_runs, extended_out = tmp_path / "runs", tmp_path / "out"
    shutil.copytree(out, extended_out)
    with pytest.raises(RuntimeError, match="no epoch was run"):  # the seeded checkpoint says 2 epochs are done
        train("celeba-vae", data=data, epochs=2, out=extended_out, runs=fresh_runs, verbose=0, evaluate_after=False,
              extend=True)
    with pytest.raises(RuntimeError, match="already holds a run"):
        train("celeba-vae", data=data, epochs=3, out=extended_out, runs=fresh_runs, verbose=0, extend=True)
    card = train("celeba-vae", data=data, epochs=3, out=extended_out, runs=fresh_runs, verbose=0,
                 evaluate_after=False)
    t = card["training"]
    assert t["epochs_run"] == 3 and len(t["epoch_times_s"]) == 3
    assert t["epoch_times_s"][:2] == vae["training"]["epoch_times_s"]  # the shipped epochs, from the card
    seeded = t["extended_from"]  # kept beside the checkpoint, so a resumed run's card still says so
    assert seeded["epochs"] == 2 and seeded["learning_rate"] == vae["training"]["final"]["learning_rate"]
    assert seeded["encoder_sha256"] == hashlib.sha256((out / "celeba-vae" / "encoder.keras").read_bytes()).hexdigest()
    again = train("celeba-vae", data=data, epochs=4, out=extended_out, runs=fresh_runs, verbose=0,
                  evaluate_after=False)["training"]
    assert again["epochs_run"] == 4 and len(again["epoch_times_s"]) == 4


def test_face_judge_card_gives_per_attribute_accuracy(faces_trained):
    _, out, _, judge, _ = faces_trained
    m = judge["metrics"]
    assert m["heldout_faces"] == 8 and set(m["per_attribute"]) == set(NAMES)
    for name, s in m["per_attribute"].items():
        assert 0 <= s["accuracy"] <= 1 and 0.01 <= s["threshold"] <= 0.99
        assert np.isnan(s["balanced_accuracy"]) or 0 <= s["balanced_accuracy"] <= 1
        assert m["thresholds"][name] == s["threshold"]
    assert len(m["best_judged"]) <= 15 and set(m["best_judged"]) <= set(NAMES)
    assert m["mean_accuracy"] == pytest.approx(np.mean([s["accuracy"] for s in m["per_attribute"].values()]))
    from core.registry import load_face_judge
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATENT_LAB_PRETRAINED", str(out))
        loaded = load_face_judge()
    np.testing.assert_array_equal(loaded.thresholds, [m["thresholds"][n] for n in NAMES])


def test_face_vae_card_figures_and_no_per_face_codes(faces_trained):
    import core
    from core.data.celeba import load_celeba
    data, out, _, _, vae = faces_trained
    m = vae["metrics"]
    assert m["heldout_faces"] == 8 and 0 < m["reconstruction_mse"] < 1 and 0 <= m["judge_agreement"] <= 1
    assert m["goals"] == {"reconstruction_mse_max": 0.0075, "judge_agreement_min": 0.9}
    assert set(m["validation"]) == {"faces", "reconstruction_mse", "judge_agreement", "judge_agreement_at_0.5"}
    assert 0 <= m["judge_agreement_at_0.5"] <= 1
    with np.load(out / "celeba-vae" / "latents.npz") as d:  # aggregate statistics only
        assert set(d.files) == {"train_mean", "train_std", "train_faces", "train_components", "train_component_std"}
        assert d["train_mean"].shape == d["train_std"].shape == (128,) and int(d["train_faces"]) == 15
        assert d["train_components"].shape == (8, 128) and d["train_component_std"].shape == (8,)
        np.testing.assert_allclose(d["train_components"] @ d["train_components"].T, np.eye(8), atol=1e-5)
        assert np.all(np.diff(d["train_component_std"]) <= 0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATENT_LAB_PRETRAINED", str(out))
        mp.setenv("LATENT_LAB_CACHE", str(out.parent / "cache"))
        model = core.load_model("celeba-vae")
        test = load_celeba(data, size=64, split="test")
    recon = model.reconstruct(test.images)
    assert recon.shape == (8, 64, 64, 3) and recon.dtype == np.float32
    assert m["reconstruction_mse"] == pytest.approx(float(((recon - test.images / 255.0) ** 2).mean()), rel=1e-4)
    assert model.sample(3, seed=0).shape == (3, 64, 64, 3)


def test_evaluate_command_prints_the_face_figures(faces_trained, monkeypatch, capsys):
    from core import evaluate as ev
    data, out, _, _, vae = faces_trained
    monkeypatch.setenv("LATENT_LAB_CACHE", str(out.parent / "cache"))
    monkeypatch.delenv("LATENT_LAB_PRETRAINED", raising=False)  # --out alone names the folder
    ev.main(["celeba-vae", "--out", str(out), "--data", str(data)])
    printed = capsys.readouterr().out
    assert printed.startswith("celeba-vae {")
    figures = json.loads(printed[printed.index("{"):])
    assert figures["reconstruction_mse"] == pytest.approx(vae["metrics"]["reconstruction_mse"], rel=1e-5)
    assert figures["judge_agreement"] == pytest.approx(vae["metrics"]["judge_agreement"], abs=1e-9)
    assert "LATENT_LAB_PRETRAINED" not in __import__("os").environ  # the folder was only borrowed


def test_the_face_vae_needs_its_judge_first(tmp_path, monkeypatch):
    from core.registry import PretrainedError
    from core.train import train
    data = write_fake_celeba(tmp_path / "data", n=8)
    monkeypatch.setenv("LATENT_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(PretrainedError, match="python -m core.train celeba-perceptual --out"):
        train("celeba-vae", data=data, epochs=1, out=tmp_path / "empty", runs=tmp_path / "runs", verbose=0)


def test_face_targets():
    from core.trainers.faces import face_targets
    np.testing.assert_array_equal(face_targets(np.array([[1, -1], [-1, 1]], np.int8)), [[1.0, 0.0], [0.0, 1.0]])


class Interrupted(Exception):
    pass


def test_an_interrupted_face_run_resumes_and_its_card_counts_every_epoch(tmp_path, monkeypatch):
    """Epoch times live in runs/<id>/progress.json, so a resumed run's card still sums the whole training."""
    from core.train import train
    data = write_fake_celeba(tmp_path / "data", n=12)
    out, runs = tmp_path / "pretrained", tmp_path / "runs"
    monkeypatch.setenv("LATENT_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LATENT_LAB_PRETRAINED", str(out))
    real = keras.callbacks.EarlyStopping

    class CrashAfterFirstEpoch(real):
        crash = True

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1 and CrashAfterFirstEpoch.crash:
                raise Interrupted  # epoch 0 is saved, epoch 1 is not
            super().on_epoch_end(epoch, logs)

    monkeypatch.setattr(keras.callbacks, "EarlyStopping", CrashAfterFirstEpoch)
    with pytest.raises(Interrupted):
        train("celeba-judge", data=data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    progress = json.loads((runs / "celeba-judge" / "progress.json").read_text())
    assert [e["epoch"] for e in progress] == [1]  # the crash came before epoch 2 was logged or saved
    CrashAfterFirstEpoch.crash = False
    card = train("celeba-judge", data=data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    t = card["training"]
    assert t["epochs_run"] == 3 and len(t["epoch_times_s"]) == 3  # epoch 1 from the first run, 2 and 3 resumed
    assert t["epoch_times_s"][0] == progress[0]["wall_s"]
    assert t["wall_time_s"] == pytest.approx(sum(t["epoch_times_s"]), abs=0.2)
    # the finished run's checkpoint stays: the same epochs again run nothing; --fresh starts the times afresh
    with pytest.raises(RuntimeError, match="no epoch was run"):
        train("celeba-judge", data=data, epochs=3, out=out, runs=runs, verbose=0, evaluate_after=False)
    card = train("celeba-judge", data=data, epochs=1, out=out, runs=runs, fresh=True, verbose=0, evaluate_after=False)
    assert len(card["training"]["epoch_times_s"]) == 1


# ------------------------------------------------------------------ attribute vectors and their edits

def test_face_vae_ships_attribute_vectors_from_the_training_faces(faces_trained):
    """Mean code of training faces with an attribute minus without, for each attribute with both sides, shipped;
    model.edit adds strength times that vector; the card gives default strengths and success / kept figures."""
    import core
    from core.data.celeba import load_celeba
    data, out, _, _, vae = faces_trained
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LATENT_LAB_PRETRAINED", str(out))
        mp.setenv("LATENT_LAB_CACHE", str(out.parent / "cache"))
        model = core.load_model("celeba-vae")
        train = load_celeba(data, size=64, split="train")
    codes, present = model.encode(train.images), train.attributes > 0
    both = [n for a, n in enumerate(NAMES) if 0 < present[:, a].sum() < len(present)]
    assert model.attribute_names == both and len(both) > 30
    smiling = NAMES.index("Smiling")
    expected = codes[present[:, smiling]].mean(0) - codes[~present[:, smiling]].mean(0)
    np.testing.assert_allclose(model.attribute_vectors["Smiling"], expected, rtol=1e-4, atol=1e-6)
    z = codes[:2]
    np.testing.assert_allclose(model.edit(z, {"Smiling": 1.5}), z + 1.5 * expected, rtol=1e-4, atol=1e-5)
    edits = vae["metrics"]["attribute_edits"]
    assert set(edits["default_strengths"]) <= set(both) and model.default_strengths == edits["default_strengths"]
    assert all(s in edits["strength_grid"] for s in edits["default_strengths"].values())
    for name, row in edits["per_attribute"].items():
        assert row["strength"] == edits["default_strengths"][name]
        for kind in ("plain", "held_fixed"):
            assert 0 <= row[kind]["success"] <= 1 and 0 <= row[kind]["kept"] <= 1 and row[kind]["faces"] >= 1
    assert set(edits["goals_met"]) <= {"Smiling", "Eyeglasses", "Male", "Blond_Hair"}
