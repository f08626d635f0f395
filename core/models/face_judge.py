"""The face judge: a multi-label CNN reading CelebA's 40 attributes in 64 x 64 RGB faces.

It plays for faces the part `mnist-judge` plays for digits: it scores
reconstructions and edits, its "features" layer feeds the Frechet distance, and
its convolutional blocks ("block1" ...) give the face VAE a perceptual loss
(Hou et al., 2017, with this judge in place of VGG, which is not available offline).
A reading is "present" when the attribute's probability reaches its threshold,
chosen per attribute on the validation partition for the best balanced accuracy.
The registry loads it (`registry.load_face_judge`), as it loads the digit judge.
"""
from __future__ import annotations

import numpy as np

FEATURES_LAYER = "features"
BLOCKS = ("block1", "block2", "block3", "block4")
THRESHOLD_GRID = np.round(np.arange(0.01, 0.991, 0.01), 2)
FACE_JUDGE = "celeba-judge"  # the judge that scores face models: never the network a VAE learned through


def build_face_judge(image_shape=(64, 64, 3), attributes: int = 40, widths=(32, 64, 128, 256),
                     features: int = 256, convs_per_block: int = 1):
    """Conv blocks (`convs_per_block` times conv, batch norm, ReLU; then a 2x2 max-pool), global average pooling,
    a 256-D "features" layer, then one logit an attribute (sigmoid, not softmax: a face can be smiling and blond
    at once)."""
    import keras
    from keras import layers
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i, width in enumerate(widths, start=1):
        for j in range(convs_per_block):
            last = j == convs_per_block - 1  # the block's last conv keeps the plain names
            tag = f"{i}" if last else f"{i}{'abcdefgh'[j]}"
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv{tag}")(x)
            x = layers.BatchNormalization(name=f"bn{tag}")(x)
            x = layers.ReLU(name=f"block{i}" if last else f"relu{tag}")(x)  # a perceptual loss reads block{i}
        x = layers.MaxPooling2D(name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dense(features, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.3)(x)
    logits = layers.Dense(attributes, name="logits")(x)
    return keras.Model(images, logits, name="face_judge")


def feature_extractor(classifier, blocks=BLOCKS[:3]):
    """A frozen model giving the judge's activations at `blocks`, for a perceptual loss."""
    import keras
    model = keras.Model(classifier.input, [classifier.get_layer(b).output for b in blocks], name="judge_blocks")
    model.trainable = False
    return model


# ------------------------------------------------------------------ readings and their scores

def choose_thresholds(probs: np.ndarray, truth: np.ndarray, grid=THRESHOLD_GRID) -> np.ndarray:
    """Per attribute, the grid threshold with the best balanced accuracy on (validation) faces; ties: nearest 0.5."""
    truth = np.asarray(truth, bool)
    order = np.argsort(np.abs(grid - 0.5), kind="stable")  # try thresholds from 0.5 outwards
    best = np.empty(probs.shape[1])
    for a in range(probs.shape[1]):
        scores = [balanced_accuracy(probs[:, a] >= grid[i], truth[:, a]) for i in order]
        best[a] = grid[order[int(np.nanargmax(scores))]] if not np.all(np.isnan(scores)) else 0.5
    return best


def balanced_accuracy(read: np.ndarray, truth: np.ndarray) -> float:
    """Mean of the recall on faces with the attribute and on faces without it; NaN when one side is absent.

    Plain accuracy flatters rare attributes: always reading "no Eyeglasses" is 93% accurate.
    """
    read, truth = np.asarray(read, bool), np.asarray(truth, bool)
    if truth.all() or not truth.any():
        return float("nan")
    return float(((read[truth]).mean() + (~read[~truth]).mean()) / 2)


def per_attribute_scores(read: np.ndarray, truth: np.ndarray, names: list[str]) -> dict:
    """{name: {"accuracy", "balanced_accuracy", "positives"}} for readings (N, A) against labels (N, A)."""
    read, truth = np.asarray(read, bool), np.asarray(truth, bool)
    return {n: {"accuracy": float((read[:, a] == truth[:, a]).mean()),
                "balanced_accuracy": balanced_accuracy(read[:, a], truth[:, a]),
                "positives": int(truth[:, a].sum())} for a, n in enumerate(names)}


def best_judged(val_balanced: dict, k: int = 15) -> list[str]:
    """The k attributes the judge reads best on validation faces (balanced accuracy), best first."""
    ranked = sorted((n for n, v in val_balanced.items() if not np.isnan(v)), key=lambda n: -val_balanced[n])
    return ranked[:k]


def agreement(read_a: np.ndarray, read_b: np.ndarray) -> np.ndarray:
    """Per attribute, the share of faces read the same way in both sets of readings (N, A) -> (A,)."""
    return (np.asarray(read_a, bool) == np.asarray(read_b, bool)).mean(axis=0)


class FaceJudge:
    """A trained face judge: compiled, batched probabilities, readings and features."""

    def __init__(self, classifier, card: dict):
        import keras
        import tensorflow as tf
        self.card = card
        self.attribute_names = list(card.get("attribute_names") or [])
        thresholds = card.get("metrics", {}).get("thresholds")
        self.thresholds = (np.array([thresholds[n] for n in self.attribute_names]) if thresholds
                           else np.full(classifier.output.shape[-1], 0.5))
        both = keras.Model(classifier.input, [classifier.output, classifier.get_layer(FEATURES_LAYER).output])
        self._run = tf.function(lambda x: both(x, training=False), reduce_retracing=True)

    def _outputs(self, images, batch=500):
        from ..images import as_model_input
        x = as_model_input(images)
        logits, feats = zip(*(self._run(x[i:i + batch]) for i in range(0, len(x), batch))) if len(x) else ((), ())
        return np.concatenate([l.numpy() for l in logits]), np.concatenate([f.numpy() for f in feats])

    def probabilities(self, images) -> np.ndarray:
        """(N, 40) probability of each attribute (independent sigmoids)."""
        return 1.0 / (1.0 + np.exp(-self._outputs(images)[0].astype(np.float64)))

    def read(self, images) -> np.ndarray:
        """(N, 40) bool: the judge reads the attribute as present (probability at least its threshold)."""
        return self.probabilities(images) >= self.thresholds

    def features(self, images) -> np.ndarray:
        return self._outputs(images)[1]
