"""Tests of nnlib.losses (and the validation helpers in nnlib._checks)."""
import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_squared_error

from nnlib import _checks, losses
from nnlib.functional import log_softmax, sigmoid
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor

TOL = 1e-6


# ---------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------
def test_mse_gradient_wrt_pred_and_target(rng):
    assert gradcheck(losses.mse, rng.normal(size=(5, 2)), rng.normal(size=(5, 2))) < TOL


def test_bce_gradient(rng):
    t = rng.integers(0, 2, size=(6, 1)).astype(float)
    probs = rng.uniform(0.05, 0.95, size=(6, 1))
    assert gradcheck(lambda p: losses.binary_cross_entropy(p, t), probs) < TOL


def test_bce_with_logits_gradient(rng):
    t = rng.uniform(0, 1, size=7)  # soft targets are allowed
    assert gradcheck(lambda z: losses.binary_cross_entropy_with_logits(z, t),
                     rng.normal(scale=3, size=7)) < TOL


def test_cross_entropy_gradient(rng):
    y = rng.integers(0, 4, size=6)
    assert gradcheck(lambda z: losses.cross_entropy(z, y), rng.normal(size=(6, 4))) < TOL


# ---------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------
def test_cross_entropy_matches_sklearn_and_direct_formula(rng):
    logits = rng.normal(scale=2, size=(20, 5))
    y = rng.integers(0, 5, size=20)
    ours = losses.cross_entropy(logits, y).item()
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert ours == pytest.approx(log_loss(y, probs, labels=range(5)), rel=1e-10)
    assert ours == pytest.approx(-np.mean(np.log(probs[np.arange(20), y])), rel=1e-12)


def test_cross_entropy_is_finite_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]])
    y = np.array([0, 1])
    loss = losses.cross_entropy(Tensor(logits, requires_grad=True), y)
    # row 0: the right class dominates -> loss 0; row 1: loss = logsumexp - z_1 = 1e4 + 1e4
    assert loss.item() == pytest.approx((0.0 + 2e4) / 2)
    loss.backward()
    assert np.isfinite(loss._parents[0].grad).all()
    np.testing.assert_allclose(loss._parents[0].grad, [[0, 0, 0], [0.5, -0.5, 0]], atol=1e-12)


def test_cross_entropy_equals_minus_log_softmax_after_row_shift(rng):
    logits = rng.normal(size=(4, 3))
    y = np.array([2, 0, 1, 1])
    shifted = logits + rng.normal(scale=50, size=(4, 1))
    direct = -np.mean(log_softmax(logits, axis=1)[np.arange(4), y])
    assert losses.cross_entropy(shifted, y).item() == pytest.approx(direct, rel=1e-10)


def test_mse_matches_sklearn(rng):
    pred, target = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    assert losses.mse(pred, target).item() == pytest.approx(mean_squared_error(target, pred))


def test_bce_matches_sklearn_and_logit_version(rng):
    t = rng.integers(0, 2, size=30)
    z = rng.normal(scale=2, size=30)
    p = sigmoid(z)
    expected = log_loss(t, p, labels=[0, 1])
    assert losses.binary_cross_entropy(p, t).item() == pytest.approx(expected, rel=1e-9)
    assert losses.binary_cross_entropy_with_logits(z, t).item() == pytest.approx(expected,
                                                                                 rel=1e-9)


def test_bce_clips_probabilities():
    probs = Tensor(np.array([0.0, 1.0, 0.5]), requires_grad=True)
    loss = losses.binary_cross_entropy(probs, np.array([1.0, 0.0, 1.0]), eps=1e-7)
    # two clipped terms give -log(1e-7) each, the third -log(0.5)
    assert loss.item() == pytest.approx((2 * -np.log(1e-7) - np.log(0.5)) / 3, rel=1e-6)
    loss.backward()
    np.testing.assert_allclose(probs.grad, [0.0, 0.0, (0.5 - 1) / 0.25 / 3])


def test_bce_with_logits_is_finite_for_huge_logits():
    z = np.array([1e4, -1e4])
    assert losses.binary_cross_entropy_with_logits(z, np.array([1.0, 0.0])).item() == 0.0
    assert losses.binary_cross_entropy_with_logits(z, np.array([0.0, 1.0])).item() == 1e4


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_every_loss_returns_a_scalar_tensor_and_keeps_float32(rng, name):
    fn = losses.LOSSES[name]
    if name == "cross_entropy":
        pred, target = rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])
    else:
        pred, target = rng.uniform(0.1, 0.9, size=(4, 1)), rng.integers(0, 2, (4, 1)) * 1.0
    loss = fn(Tensor(pred.astype(np.float32), requires_grad=True), target)
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32
    loss.backward()
    assert loss._parents[0].grad.dtype == np.float32
    assert len(loss._parents) <= 2  # one fused node, straight onto its inputs


# ---------------------------------------------------------------------------------------
# error messages
# ---------------------------------------------------------------------------------------
def test_mse_shape_mismatch_names_both():
    with pytest.raises(ValueError, match=r"target: expected the same shape as pred \(5, 1\), "
                                         r"got shape \(5,\)"):
        losses.mse(np.zeros((5, 1)), np.zeros(5))


@pytest.mark.parametrize("fn,first,second", [
    (losses.mse, "pred", "target"),
    (losses.binary_cross_entropy, "probs", "target"),
    (losses.binary_cross_entropy_with_logits, "logits", "target"),
])
def test_non_finite_inputs_are_named(fn, first, second):
    good, bad = np.full(3, 0.5), np.array([0.5, np.nan, 0.5])
    with pytest.raises(ValueError, match=f"{first}: expected finite values, got 1 NaN"):
        fn(bad, good)
    with pytest.raises(ValueError, match=f"{second}: expected finite values"):
        fn(good, np.array([0.5, np.inf, 0.5]))
    with pytest.raises(ValueError, match=rf"{second}: expected the same shape as {first}"):
        fn(good, np.full((3, 1), 0.5))


def test_bce_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"probs: expected values in \[0, 1\], got 1.5"):
        losses.binary_cross_entropy(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target: expected values in \[0, 1\], got -1.0"):
        losses.binary_cross_entropy_with_logits(np.zeros(2), np.array([-1.0, 1.0]))


def test_cross_entropy_errors():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"targets: expected integers in \[0, 4\), got value 4"):
        losses.cross_entropy(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"targets: expected integers in \[0, 4\), got value -1"):
        losses.cross_entropy(logits, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match="targets: expected integer class indices, got value 0.5"):
        losses.cross_entropy(logits, np.array([0, 0.5, 1]))
    with pytest.raises(ValueError, match=r"targets: expected a 1-D array .* got shape \(3, 1\)"):
        losses.cross_entropy(logits, np.zeros((3, 1), dtype=int))
    with pytest.raises(ValueError, match=r"targets: expected 3 labels .* got 2"):
        losses.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"logits: expected shape \(N, C\), got shape \(4,\)"):
        losses.cross_entropy(np.zeros(4), np.array([0]))
    with pytest.raises(ValueError, match="logits: expected finite values, got 0 NaN and 1 inf"):
        losses.cross_entropy(np.array([[0.0, np.inf]]), np.array([0]))
    # whole-number floats are fine
    assert losses.cross_entropy(logits, np.array([0.0, 3.0, 1.0])).item() == pytest.approx(
        np.log(4))


# ---------------------------------------------------------------------------------------
# nnlib._checks helpers (shared with train.py and datasets.py)
# ---------------------------------------------------------------------------------------
def test_check_helpers():
    x = np.ones((4, 3))
    assert _checks.check_finite("X", x) is x
    assert _checks.check_shape("X", x, (None, 3)) is x
    with pytest.raises(ValueError, match=r"X: expected shape \(N, 2\), got shape \(4, 3\)"):
        _checks.check_shape("X", x, (None, 2))
    with pytest.raises(ValueError, match=r"b: expected shape \(3,\), got shape \(4, 3\)"):
        _checks.check_shape("b", x, (3,))
    np.testing.assert_array_equal(_checks.check_labels("y", [0.0, 2.0], 3), [0, 2])
    with pytest.raises(ValueError, match="y: expected integer class indices, got dtype <U1"):
        _checks.check_labels("y", np.array(["a"]), 3)
    with pytest.raises(ValueError, match="X, y: expected the same number of samples, got 4 and 2"):
        _checks.check_same_length("X", x, "y", [0, 1])
    assert _checks.check_positive("lr", 0.1) == 0.1
    for bad in (0, -1.0, float("nan"), True, "1"):
        with pytest.raises(ValueError, match="lr: expected a positive number"):
            _checks.check_positive("lr", bad)
