"""core.judges: the Frechet distance against references, the Judge wrapper, the shipped judge's accuracy, and
clearest_style (the style the judge reads most clearly) with a scripted judge."""
import numpy as np
import pytest
from scipy import linalg

from core.judges import clearest_style, frechet_distance, precision_recall


def reference_fd(a, b):
    """The textbook formula with scipy.linalg.sqrtm, as in the original FID code."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s_a @ s_b)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a + s_b - 2 * covmean.real))


def test_zero_for_identical_sets():
    a = np.random.default_rng(0).normal(size=(500, 16))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_matches_sqrtm_reference_on_random_full_rank_data():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(400, 10)) @ rng.normal(size=(10, 10))
    b = rng.normal(size=(300, 10)) @ rng.normal(size=(10, 10)) + 0.5
    got = frechet_distance(a, b)
    assert got > 1.0
    assert got == pytest.approx(reference_fd(a, b), rel=1e-7)


def test_symmetric():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(200, 5)), 1.5 * rng.normal(size=(250, 5)) + 0.3
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def test_shifted_copy_gives_squared_shift():
    # Same covariance, means differ by `shift`: the distance is exactly ||shift||^2.
    a = np.random.default_rng(3).normal(size=(1000, 4))
    shift = np.array([1.0, -2.0, 0.5, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(shift @ shift, rel=1e-9)


def test_known_value_for_gaussians_with_different_means_and_scales():
    # N(m1, s1^2 I) vs N(m2, s2^2 I) in d dims: ||m1 - m2||^2 + d (s1 - s2)^2.
    d, n = 3, 200_000
    rng = np.random.default_rng(4)
    a = rng.normal(0.0, 1.0, (n, d))
    b = rng.normal(2.0, 3.0, (n, d))
    assert frechet_distance(a, b) == pytest.approx(d * 2.0 ** 2 + d * (3.0 - 1.0) ** 2, rel=0.01)


def test_scaled_copy_exact_value():
    # b = 2a: Tr(S + 4S - 2*2S) = Tr(S), plus ||mu||^2.
    a = np.random.default_rng(5).normal(size=(300, 6))
    s = np.cov(a, rowvar=False)
    assert frechet_distance(a, 2 * a) == pytest.approx(np.trace(s) + a.mean(0) @ a.mean(0), rel=1e-9)


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # the sqrtm reference, not the code under test
def test_singular_covariances_stay_finite():
    # Dead ReLU units: constant feature columns make the covariances singular.
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(50, 8)), rng.normal(size=(60, 8))
    a[:, :3] = 0.0
    b[:, 5:] = 0.0
    fd = frechet_distance(a, b)
    assert np.isfinite(fd) and fd >= 0
    assert fd == pytest.approx(reference_fd(a, b), rel=1e-4, abs=1e-6)


def test_one_dimensional_features():
    a = np.random.default_rng(7).normal(size=(100, 1))
    assert frechet_distance(a, a + 3.0) == pytest.approx(9.0)


# ------------------------------------------------------------------ the Judge wrapper (untrained, tiny input)

def test_judge_wrapper_labels_and_features_match_the_classifier():
    keras = pytest.importorskip("keras")
    from core.judges import FEATURES_LAYER, Judge, build_judge
    keras.utils.set_random_seed(0)
    clf = build_judge((28, 28, 1))
    judge = Judge(clf, {"id": "t"})
    x = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    xf = x[..., None].astype(np.float32) / 255
    logits = clf(xf, training=False).numpy()
    feats_ref = keras.Model(clf.input, clf.get_layer(FEATURES_LAYER).output)(xf, training=False).numpy()
    np.testing.assert_array_equal(judge.predict_labels(x), logits.argmax(1))
    feats = judge.features(x)
    assert feats.shape == (7, 128)
    np.testing.assert_allclose(feats, feats_ref, rtol=1e-5, atol=1e-5)
    # batching does not change the answer
    np.testing.assert_allclose(judge._outputs(x, batch=3)[1], feats, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ the shipped judge on real data

@pytest.mark.requires_data
def test_shipped_judge_accuracy_matches_its_card(data_dir, shipped_pretrained):
    import core
    from core.data import load_mnist
    if not (shipped_pretrained / "mnist-judge" / "card.json").is_file():
        pytest.skip("the shipped judge is not in pretrained/ yet (python -m core.train mnist-judge)")
    judge = core.load_judge()
    recorded = judge.card["metrics"]["heldout_accuracy"]
    assert recorded >= 0.99
    (_, _), (x_test, y_test) = load_mnist(data_dir, download=False)
    assert judge.card["metrics"]["heldout_digits"] == len(x_test) == 2000
    accuracy = float((judge.predict_labels(x_test) == y_test).mean())
    assert accuracy == pytest.approx(recorded, abs=0.002)


def test_confidence_threshold_is_the_lowest_whose_confident_readings_are_right_often_enough():
    from core.judges import confidence_threshold
    confidence = np.array([0.6] * 10 + [0.92] * 10 + [0.999] * 1000)
    correct = np.array([False] * 10 + [True] * 8 + [False] * 2 + [True] * 1000)
    assert confidence_threshold(confidence, correct, max_error=0.001) == 0.95  # 0.9 still admits 2 errors in 1,010
    assert confidence_threshold(confidence, correct, max_error=0.005) == 0.7   # 0.5 also admits the ten at 0.6
    assert confidence_threshold(confidence, correct, max_error=0.02) == 0.5
    assert confidence_threshold(confidence, np.zeros_like(correct), max_error=0.001) == 0.999  # never good enough


def test_judge_read_is_the_softmax_argmax_and_its_probability():
    keras = pytest.importorskip("keras")
    from scipy.special import softmax

    from core.judges import Judge, build_judge
    keras.utils.set_random_seed(1)
    clf = build_judge((28, 28, 1))
    x = np.random.default_rng(1).integers(0, 256, (9, 28, 28), dtype=np.uint8)
    logits = clf(x[..., None].astype(np.float32) / 255, training=False).numpy().astype(np.float64)
    read, probability = Judge(clf, {}).read(x)
    want = softmax(logits, axis=1)
    np.testing.assert_array_equal(read, logits.argmax(1))
    np.testing.assert_allclose(probability, want.max(1), rtol=1e-5)
    assert np.all((probability > 0.1) & (probability < 1))  # a probability, not a logit


def test_judge_confidence_threshold_comes_from_its_card():
    pytest.importorskip("keras")
    from core.judges import Judge, build_judge
    clf = build_judge((28, 28, 1), classes=3)
    assert Judge(clf, {"metrics": {"confidence_threshold": 0.97}}).confidence_threshold == 0.97
    got = Judge(clf, {"metrics": {}}).confidence_threshold
    assert got == 0.0 and type(got) is float       # no threshold measured yet: every reading counts
    assert Judge(clf, {}).confidence_threshold == 0.0


def test_confidence_threshold_candidates_and_default_error():
    from core.judges import THRESHOLD_CANDIDATES, confidence_threshold
    assert THRESHOLD_CANDIDATES == (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999)
    # one error in 1,000 confident readings is allowed by default (0.1%), two are not
    confidence = np.array([0.5] * 1000 + [0.7] * 1000)
    correct = np.ones(2000, bool)
    correct[0] = False
    assert confidence_threshold(confidence, correct) == 0.5       # 1 wrong in 2,000
    correct[1:3] = False
    assert confidence_threshold(confidence, correct) == 0.7       # 3 wrong in 2,000 at 0.5; none at 0.7
    # exactly at a candidate counts as confident; nothing confident at all gives the top candidate
    assert confidence_threshold(np.array([0.8, 0.79]), np.array([True, False])) == 0.8
    assert confidence_threshold(np.array([0.4, 0.3]), np.array([True, True])) == 0.999
    # the error bound is inclusive: 1 wrong in 4 with max_error=0.25 (both exact in binary)
    assert confidence_threshold(np.full(4, 0.6), np.arange(4) > 0, max_error=0.25) == 0.5


def test_judge_architecture_is_the_documented_cnn():
    """Two conv blocks (32 and 64 filters, 3x3 'same', ReLU, 2x2 max-pool, dropout 0.25), a 128-unit ReLU
    'features' layer (the Frechet space), dropout 0.5 and 10 linear logits: what the shipped judge was trained as."""
    pytest.importorskip("keras")
    from core.judges import build_judge
    model = build_judge()
    assert model.name == "judge" and model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    assert model.inputs[0].name == "images"
    got = []
    for layer in model.layers[1:]:
        c = layer.get_config()
        got.append((type(layer).__name__, *(c[k] for k in ("filters", "kernel_size", "padding", "activation", "rate",
                                                             "units", "pool_size") if k in c)))
    conv = lambda f: ("Conv2D", f, (3, 3), "same", "relu")  # noqa: E731
    assert got == [conv(32), conv(32), ("MaxPooling2D", "valid", (2, 2)), ("Dropout", 0.25),
                   conv(64), conv(64), ("MaxPooling2D", "valid", (2, 2)), ("Dropout", 0.25),
                   ("Flatten",), ("Dense", "relu", 128), ("Dropout", 0.5), ("Dense", "linear", 10)]
    assert model.layers[-3].name == "features" and model.layers[-1].name == "logits"
    assert build_judge((14, 14, 3), classes=4).output_shape == (None, 4)


def test_augmenter_shifts_rotates_and_zooms_a_little():
    pytest.importorskip("keras")
    from core.judges import augmenter
    aug = augmenter()
    assert aug.name == "augment"
    rotation, zoom, shift = (layer.get_config() for layer in aug.layers)
    assert [type(layer).__name__ for layer in aug.layers] == ["RandomRotation", "RandomZoom", "RandomTranslation"]
    assert rotation["factor"] == (-0.04, 0.04)
    assert (zoom["height_factor"], zoom["width_factor"]) == (0.08, None)
    assert (shift["height_factor"], shift["width_factor"]) == (0.08, 0.08)


# ------------------------------------------------------------------ improved precision and recall

def test_precision_and_recall_by_hand_on_a_line():
    """Real points 0, 1, 2, 10 (k = 1: each ball reaches the nearest other point: radii 1, 1, 1, 8); generated points
    0.5, 1.9, 5, 20, 21 (radii 1.4, 1.4, 3.1, 1, 1). Precision: 0.5 and 1.9 lie in a ball around 0, 1 or 2, 5 lies
    within 8 of 10, 20 and 21 lie more than 8 beyond 10: 3 of 5. Recall: 0 lies within 1.4 of 0.5, 1 and 2 within
    1.4 of 1.9, 10 is 5 from 5 (radius 3.1) and 10 from 20 (radius 1): 3 of 4."""
    real = np.array([[0.0], [1.0], [2.0], [10.0]])
    fake = np.array([[0.5], [1.9], [5.0], [20.0], [21.0]])
    assert precision_recall(real, fake, k=1) == (pytest.approx(3 / 5), pytest.approx(3 / 4))


def test_precision_and_recall_ball_edges_count_as_inside():
    real, fake = np.array([[0.0], [2.0]]), np.array([[4.0], [6.0]])  # radii 2; a generated point at 4 is on the edge
    assert precision_recall(real, fake, k=1) == (0.5, 0.5)


def test_precision_and_recall_tell_missed_modes_from_samples_off_the_data():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(600, 6))
    same, narrow, off = rng.normal(size=(600, 6)), 0.2 * rng.normal(size=(600, 6)), rng.normal(size=(600, 6)) + 4
    p_same, r_same = precision_recall(real, same)
    p_narrow, r_narrow = precision_recall(real, narrow)
    p_off, r_off = precision_recall(real, off)
    assert p_same > 0.7 and r_same > 0.7            # the same distribution: both high
    assert p_narrow > 0.95 and r_narrow < 0.2       # a model that covers only the middle: precise, low recall
    assert p_off < 0.05 and r_off < 0.05            # off the data: both low


def test_second_judge_architecture_differs_and_names_its_features():
    from core.judges import FEATURES_LAYER, build_judge
    first, second = build_judge(), build_judge(architecture="strided")
    assert second.get_layer(FEATURES_LAYER).units == 64 and first.get_layer(FEATURES_LAYER).units == 128
    assert any(type(layer).__name__ == "BatchNormalization" for layer in second.layers)
    assert not any(type(layer).__name__ == "MaxPooling2D" for layer in second.layers)
    with pytest.raises(ValueError, match="pooled or strided"):
        build_judge(architecture="resnet")


# ------------------------------------------------------------------ clearest_style with a scripted judge


class StyleModel:
    """Decodes (style, label) into an 'image' that is just that pair, so the judge below can look it up."""
    num_classes = 3

    def __init__(self):
        self.calls = []

    def decode(self, codes, labels):
        """`codes` are (N, 2) latent means whose first coordinate names the style."""
        assert codes.shape == (len(labels), 2)
        self.calls.append((codes[:, 0].tolist(), np.asarray(labels).tolist()))
        return np.stack([codes[:, 0], labels], 1)


class TableJudge:
    """Reads each (style, label) image from a table: probability `table[style, label]`, misread where `wrong`."""

    def __init__(self, table, wrong=()):
        self.table, self.wrong = np.asarray(table, float), set(wrong)

    def read(self, images):
        styles, labels = images[:, 0].astype(int), images[:, 1].astype(int)
        read = np.array([(lab + 1) % 3 if (s, lab) in self.wrong else lab for s, lab in zip(styles, labels)])
        return read, self.table[styles, labels]


def test_clearest_style_is_the_highest_lowest_probability_over_the_labels():
    table = [[0.90, 0.90, 0.30],   # style 0: one label read weakly
             [0.60, 0.70, 0.65],   # style 1: the best lowest probability (0.6)
             [0.99, 0.99, 0.99],   # style 2: the surest of all, but its 1 is misread: counts as 0
             [0.55, 0.95, 0.97]]   # style 3: the best mean (0.82), lowest 0.55
    model = StyleModel()
    means = np.column_stack([np.arange(4), np.full(4, -1.5)])  # 2-D codes; the first coordinate names the style
    got = clearest_style(model, TableJudge(table, wrong={(2, 1)}), means, np.array([0, 1, 2, 0]))
    assert got == 1 and type(got) is int
    # every candidate decoded once as each label, in candidate-major order
    assert model.calls == [([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], [0, 1, 2] * 4)]
    # a correct reading of the 1 makes style 2 the clearest
    assert clearest_style(StyleModel(), TableJudge(table), means, np.array([0, 1, 2, 0])) == 2


def test_clearest_style_returns_an_index_into_all_digits_among_the_candidates():
    from core.latent import stratified_indices
    labels = np.arange(101) % 3
    means = np.column_stack([np.arange(101), np.zeros(101)])  # digit i has style i
    table = np.full((101, 3), 0.5)
    left_out = np.setdiff1d(np.arange(101), stratified_indices(labels, 100))
    assert left_out.size == 1
    table[left_out[0]] = 0.99                  # the clearest digit is the one 100 candidates leave out ...
    runner_up = 60 if left_out[0] != 60 else 61
    table[runner_up] = 0.9                     # ... so the default picks the runner-up
    assert clearest_style(StyleModel(), TableJudge(table), means, labels) == runner_up
    assert clearest_style(StyleModel(), TableJudge(table), means, labels, candidates=101) == left_out[0]
    few = stratified_indices(labels, 3)
    table[few[2]] = 0.95                       # three candidates: the best of them, as an index into all digits
    assert clearest_style(StyleModel(), TableJudge(table), means, labels, candidates=3) == few[2]
