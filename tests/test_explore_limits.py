"""nnlib.explore.limits (chapter 17): saliency, FGSM, learning curves, out-of-distribution."""
import numpy as np
import pytest

from nnlib.explore import limits as lm
from nnlib.losses import cross_entropy
from nnlib.numerical import numerical_gradient, rel_error
from nnlib.tensor import Tensor


@pytest.fixture(scope="module")
def data():
    return lm.digit_data(0)


@pytest.mark.parametrize("kind", lm.KINDS)
@pytest.mark.parametrize("score", ["loss", "class"])
def test_input_gradient_matches_finite_differences(data, kind, score):
    model = lm.make_model(kind, rng=3)
    # a little jitter keeps pooling windows free of exact ties (blank pixels are all equal)
    X = data.X_test[:3] + np.random.default_rng(0).normal(0, 0.01, (3, 1, 8, 8))
    y = data.y_test[:3]

    def total(X_):
        logits = model(Tensor(lm.model_input(kind, X_)))
        if score == "loss":
            return float(cross_entropy(logits, y, reduction="sum").data)
        return float(logits.data[np.arange(len(y)), y].sum())

    analytic = lm.input_gradient(model, kind, X, y, score=score)
    assert analytic.shape == X.shape
    numeric = numerical_gradient(total, X.copy(), eps=1e-5)
    assert rel_error(analytic, numeric) < 1e-5


def test_saliency_is_the_absolute_class_gradient(data):
    model = lm.make_model("cnn", rng=1)
    grad = lm.input_gradient(model, "cnn", data.X_test[:1], data.y_test[:1], score="class")
    sal = lm.saliency(model, "cnn", data.X_test[0], data.y_test[0])
    assert sal.shape == (8, 8)
    assert np.array_equal(sal, np.abs(grad[0, 0]))
    assert (sal >= 0).all() and sal.max() > 0


def test_input_gradient_leaves_weights_without_gradient_and_refuses_bad_score(data):
    model = lm.make_model("mlp", rng=0)
    lm.input_gradient(model, "mlp", data.X_test[:2], data.y_test[:2])
    with pytest.raises(ValueError, match="score"):
        lm.input_gradient(model, "mlp", data.X_test[:2], data.y_test[:2], score="logit")


def test_digit_data_is_standardised_with_a_floor(data):
    assert data.X_train.shape[1:] == (1, 8, 8) and len(data.X_train) == 1347
    assert np.allclose(data.X_train.mean(axis=0), 0, atol=1e-12)
    assert data.std.min() >= lm.STD_FLOOR
    raw = lm.to_pixels(data.X_test, data)
    assert raw.min() >= -1e-12 and raw.max() <= 1 + 1e-12


def test_fgsm_moves_every_pixel_by_eps_and_raises_the_loss(data):
    model = lm.make_model("mlp", rng=0)
    X, y = data.X_test[:20], data.y_test[:20]
    adv = lm.fgsm(model, "mlp", X, y, 0.1, data)
    raw, raw_adv = lm.to_pixels(X, data), lm.to_pixels(adv, data)
    change = np.abs(raw_adv - raw)
    clipped = (raw_adv <= 1e-12) | (raw_adv >= 1 - 1e-12)
    assert np.allclose(change[~clipped], 0.1)
    assert (change <= 0.1 + 1e-12).all()
    def loss(Z):
        return float(cross_entropy(model(Tensor(lm.model_input("mlp", Z))), y).data)
    assert loss(adv) > loss(X)
    assert np.array_equal(lm.fgsm(model, "mlp", X, y, 0, data), X)


@pytest.mark.parametrize("eps", [-0.1, 1.5, float("nan")])
def test_fgsm_refuses_bad_eps(data, eps):
    with pytest.raises(ValueError, match="eps"):
        lm.fgsm(lm.make_model("mlp"), "mlp", data.X_test[:2], data.y_test[:2], eps, data)


def test_random_sign_changes_by_eps_with_both_signs(data):
    X = data.X_test[:10]
    new = lm.to_pixels(lm.random_sign(X, 0.2, data, rng=0), data)
    diff = new - lm.to_pixels(X, data)
    clipped = (new <= 1e-12) | (new >= 1 - 1e-12)
    assert np.allclose(np.abs(diff[~clipped]), 0.2)
    assert (np.abs(diff) <= 0.2 + 1e-12).all()
    assert (diff > 0.1).any() and (diff < -0.1).any()


def test_fgsm_beats_random_signs_on_a_trained_model(data):
    model = lm.trained_model("mlp", 0)
    X, y = data.X_test, data.y_test
    clean = lm.accuracy(model, "mlp", X, y)
    aimed = lm.accuracy(model, "mlp", lm.fgsm(model, "mlp", X, y, 0.1, data), y)
    random = lm.accuracy(model, "mlp", lm.random_sign(X, 0.1, data, rng=0), y)
    assert clean > 0.95 and aimed < 0.6 and random > 0.9
    curve = lm.accuracy_against_eps(model, "mlp", X, y, (0.0, 0.1, 0.3), data)
    assert curve[0] == clean and curve[0] > curve[1] > curve[2]


def test_auroc_against_known_cases():
    assert lm.auroc([2, 3], [0, 1]) == 1.0
    assert lm.auroc([0, 1], [2, 3]) == 0.0
    assert lm.auroc([1, 1], [1, 1]) == 0.5
    assert lm.auroc([1, 3], [2]) == 0.5
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 300), rng.normal(0, 1, 200)
    from sklearn.metrics import roc_auc_score
    expected = roc_auc_score(np.r_[np.ones(300), np.zeros(200)], np.r_[a, b])
    assert abs(lm.auroc(a, b) - expected) < 1e-12


def test_ood_summary_shapes_and_smoothness_detector(data):
    out = lm.ood_summary(lm.make_model("mlp", rng=0), "mlp", n_noise=50, rng=0)
    assert out["conf_real"].shape == (450,) and out["conf_noise"].shape == (50,)
    assert out["noise"].shape == (50, 1, 8, 8) and out["noise_probs"].shape == (50, 10)
    assert out["noise_classes"].sum() == 50
    assert ((out["conf_noise"] > 0.1 - 1e-12) & (out["conf_noise"] <= 1)).all()
    assert out["auroc_smoothness"] > 0.95       # static is rough, ink is smooth
    raw = lm.to_pixels(out["noise"], data)
    assert raw.min() >= -1e-12 and raw.max() <= 1 + 1e-12


def test_learning_curve_shape_and_bad_input():
    acc = lm.learning_curve((1, 30), seeds=(0,), steps=40)
    assert acc.shape == (2, 1)
    assert acc[1, 0] > acc[0, 0] > 0.1
    with pytest.raises(ValueError, match="per_class_values"):
        lm.learning_curve((0, 5))
    with pytest.raises(ValueError, match="per_class_values"):
        lm.learning_curve((500,))


def test_bad_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        lm.make_model("rnn")
    with pytest.raises(ValueError, match="kind"):
        lm.model_input("transformer", np.zeros((1, 1, 8, 8)))
