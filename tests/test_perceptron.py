"""Tests of nnlib.perceptron: the rule's arithmetic, AND/OR convergence, XOR failure."""
import numpy as np
import pytest

from nnlib.perceptron import Perceptron

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND, OR, XOR = np.array([0, 0, 0, 1]), np.array([0, 1, 1, 1]), np.array([0, 1, 1, 0])


def test_one_update_follows_the_rule():
    p = Perceptron(2, lr=0.5)                 # starts at w = 0, b = 0
    errors = p.fit(np.array([[1.0, 2.0]]), np.array([1]), epochs=1)
    # prediction step(0) = 0, target 1: w += 0.5 * (1 - 0) * (1, 2), b += 0.5
    np.testing.assert_allclose(p.w, [0.5, 1.0])
    assert p.b == 0.5 and errors == [1]


def test_wrong_positive_moves_weights_down():
    p = Perceptron(2, lr=0.25)
    p.w, p.b = np.array([1.0, 1.0]), 0.0
    p.fit(np.array([[2.0, 0.0]]), np.array([0]), epochs=1)
    np.testing.assert_allclose(p.w, [0.5, 1.0])
    assert p.b == -0.25


def test_correct_predictions_change_nothing():
    p = Perceptron(2, lr=1.0)
    p.w, p.b = np.array([1.0, 1.0]), -1.5     # already computes AND
    assert p.fit(X, AND, epochs=3) == [0, 0, 0]
    np.testing.assert_allclose(p.w, [1.0, 1.0])
    assert p.b == -1.5


@pytest.mark.parametrize("target", [AND, OR], ids=["AND", "OR"])
@pytest.mark.parametrize("seed", range(5))
def test_learns_linearly_separable_gates(target, seed):
    p = Perceptron(2, lr=0.1, rng=np.random.default_rng(seed))
    errors = p.fit(X, target, epochs=50)
    assert errors[-1] == 0
    np.testing.assert_array_equal(p.predict(X), target)


@pytest.mark.parametrize("seed", range(10))
def test_never_learns_xor(seed):
    p = Perceptron(2, lr=0.1, rng=np.random.default_rng(seed))
    errors = p.fit(X, XOR, epochs=50)
    assert min(errors) >= 1
    assert (p.predict(X) != XOR).any()


def test_same_seed_same_result():
    a = Perceptron(3, rng=np.random.default_rng(7))
    b = Perceptron(3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.w, b.w)
    assert a.w.shape == (3,)


def test_predict_and_weighted_sum_shapes():
    p = Perceptron(2)
    p.w, p.b = np.array([1.0, -1.0]), 0.5
    np.testing.assert_allclose(p.weighted_sum(X), [0.5, -0.5, 1.5, 0.5])
    np.testing.assert_array_equal(p.predict(X), [1, 0, 1, 1])


@pytest.mark.parametrize("kwargs, match", [
    ({"n_inputs": 0}, "n_inputs"), ({"n_inputs": 2.5}, "n_inputs"),
    ({"n_inputs": 2, "lr": 0}, "lr"), ({"n_inputs": 2, "lr": -1.0}, "lr"),
])
def test_constructor_validates(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Perceptron(**kwargs)


def test_fit_validates_inputs():
    p = Perceptron(2)
    with pytest.raises(ValueError, match="X: expected shape"):
        p.fit(np.zeros((4, 3)), AND)
    with pytest.raises(ValueError, match="expected the same number"):
        p.fit(X, AND[:3])
    with pytest.raises(ValueError, match="y: expected labels 0 or 1"):
        p.fit(X, np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match="epochs"):
        p.fit(X, AND, epochs=0)
