"""Sharpening the face decoder against a patch critic (core/models/face_vaegan.py, core/trainers/sharpen.py): the
critic's patch map, the detail measure, one training step that moves the decoder and the critic but never the
encoder, and the rule that picks the shipped epoch on validation figures."""
from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.models.face_judge import build_face_judge, feature_extractor  # noqa: E402
from core.models.face_vae import build_decoder, build_encoder  # noqa: E402
from core.images import laplacian_energy  # noqa: E402
from core.models.face_vaegan import SharpenedDecoder, build_patch_critic  # noqa: E402
from core.trainers.sharpen import GOAL_MSE, choose_epoch  # noqa: E402

SHAPE = (16, 16, 3)


def test_the_critic_gives_one_logit_per_8_by_8_patch():
    critic = build_patch_critic((64, 64, 3))
    assert critic(np.zeros((2, 64, 64, 3), np.float32)).shape == (2, 8, 8, 1)


def test_laplacian_energy_is_zero_on_flat_faces_and_falls_with_blur():
    from scipy.ndimage import gaussian_filter
    rng = np.random.default_rng(0)
    sharp = rng.random((4, 32, 32, 3)).astype(np.float32)
    blurred = gaussian_filter(sharp, sigma=(0, 1.5, 1.5, 0))
    assert laplacian_energy(np.full((2, 32, 32, 3), 0.4)) == 0.0
    assert laplacian_energy(blurred) < 0.1 * laplacian_energy(sharp)


def tiny_sharpener():
    encoder = build_encoder(8, SHAPE, widths=(8, 16), residual=False)
    decoder = build_decoder(8, SHAPE, widths=(8, 16), residual=False)
    perceptual = feature_extractor(build_face_judge(SHAPE, widths=(8, 16, 16, 16), features=8),
                                   blocks=("block1", "block2"))
    model = SharpenedDecoder(encoder, decoder, perceptual, np.zeros(8), np.ones(8), warmup_steps=1)
    model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5))
    return model


def test_a_training_step_moves_the_decoder_and_the_critic_never_the_encoder():
    model = tiny_sharpener()
    faces = np.random.default_rng(1).random((16, *SHAPE)).astype(np.float32)
    model(faces[:1])
    before = {part: [w.copy() for w in getattr(model, part).get_weights()]
              for part in ("encoder", "decoder", "critic")}
    history = model.fit(faces, batch_size=8, epochs=2, verbose=0).history
    for part, moved in (("encoder", False), ("decoder", True), ("critic", True)):
        after = getattr(model, part).get_weights()
        changed = any(not np.array_equal(a, b) for a, b in zip(before[part], after))
        assert changed is moved, part
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert history["balance"][-1] > 0  # the adversarial pull is scaled to the reconstruction's


def epoch(n, mse, frechet):
    return {"epoch": n, "val_mse": mse, "val_frechet_reconstructions": frechet}


def test_the_shipped_epoch_has_the_lowest_val_frechet_among_those_within_the_mse_goal():
    log = [epoch(1, 0.006, 9.0), epoch(2, 0.007, 6.0), epoch(3, GOAL_MSE + 0.001, 3.0), epoch(4, 0.0071, 7.0)]
    assert choose_epoch(log)["epoch"] == 2
    assert choose_epoch([epoch(1, 0.01, 5.0), epoch(2, 0.02, 3.0)])["epoch"] == 1  # none within: the least moved
