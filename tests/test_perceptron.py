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


def test_trace_records_every_example_and_matches_fit():
    traced = Perceptron(2, lr=0.1, rng=np.random.default_rng(3))
    fitted = Perceptron(2, lr=0.1, rng=np.random.default_rng(3))
    steps = traced.trace(X, AND, epochs=6)
    errors = fitted.fit(X, AND, epochs=6)
    assert len(steps) == 6 * 4
    assert [s.index for s in steps[:5]] == [0, 1, 2, 3, 0]
    assert [s.epoch for s in steps[3:5]] == [1, 2]
    per_epoch = [sum(s.mistake for s in steps if s.epoch == e) for e in range(1, 7)]
    assert per_epoch == errors
    np.testing.assert_allclose(steps[-1].w, traced.w)
    np.testing.assert_allclose(traced.w, fitted.w)
    assert steps[-1].b == traced.b == fitted.b


def test_trace_steps_follow_the_rule():
    p = Perceptron(2, lr=0.5)                 # zero start: (0,0), (0,1), (1,0) are right
    steps = p.trace(X, AND, epochs=1)
    assert [s.mistake for s in steps] == [False, False, False, True]
    first_update = steps[3]
    assert first_update.answer == 0.0 and first_update.target == 1.0
    np.testing.assert_allclose(first_update.w, [0.5, 0.5])   # w += 0.5 * (1 - 0) * (1, 1)
    assert first_update.b == 0.5
    np.testing.assert_allclose(steps[0].w, [0.0, 0.0])       # right answer: no change


def test_trace_steps_do_not_share_arrays():
    p = Perceptron(2, lr=1.0)
    steps = p.trace(X, XOR, epochs=2)
    steps[0].w[:] = 99.0
    assert not np.any(steps[1].w == 99.0) and not np.any(p.w == 99.0)


def test_the_final_line_can_disagree_with_the_last_epochs_count():
    """The count of an epoch is taken while the line moves; the final line is scored after."""
    p = Perceptron(2, lr=0.1)
    errors = p.fit(X, XOR, epochs=20)
    final_wrong = int((p.predict(X) != XOR).sum())
    assert errors[-1] == 4 and final_wrong == 2
