"""Tests of nnlib.numerical: finite differences, rel_error and gradcheck."""
import numpy as np
import pytest

import nnlib
from nnlib.numerical import gradcheck, numerical_gradient, rel_error
from nnlib.tensor import Tensor


def test_numerical_gradient_of_known_functions(rng):
    x = rng.normal(size=(3, 4))
    before = x.copy()
    np.testing.assert_allclose(numerical_gradient(lambda a: np.sum(a ** 2), x), 2 * x,
                               rtol=1e-6)
    np.testing.assert_allclose(numerical_gradient(lambda a: np.sin(a).sum(), x), np.cos(x),
                               rtol=1e-6)
    np.testing.assert_array_equal(x, before)  # restored after the perturbations


def test_numerical_gradient_sums_array_outputs():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(numerical_gradient(lambda a: 3 * a, x), [3.0, 3.0])


def test_numerical_gradient_perturbs_views_in_place(rng):
    base = rng.normal(size=(4, 4))
    view = base.T[:, :2]  # neither C- nor F-contiguous
    grad = numerical_gradient(lambda a: np.sum(a ** 3), view)
    np.testing.assert_allclose(grad, 3 * view ** 2, rtol=1e-6)


def test_rel_error():
    a = np.array([1.0, 2.0, 0.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, a + [0, 0, 1e-12]) == pytest.approx(1e-4)  # floor 1e-8 at zero
    assert rel_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)
    assert rel_error([3.0], [-3.0]) == 1.0


def square_wrong_backward(t):
    """x**2 whose backward forgets the factor 2: gradcheck must notice."""
    return Tensor.from_op(t.data ** 2, (t,), lambda g: g * t.data, "bad_square")


def test_gradcheck_detects_a_wrong_gradient(rng):
    x = rng.uniform(0.5, 1.0, size=5)
    assert gradcheck(lambda t: t ** 2, x) < 1e-8
    assert gradcheck(square_wrong_backward, x) > 0.3  # |2x - x| / (2x + x) = 1/3


def test_gradcheck_uses_float64_copies(rng):
    x = rng.normal(size=3).astype(np.float32)
    before = x.copy()
    seen = []

    def fn(t):
        seen.append(t.dtype)
        return (t * t).sum()

    assert gradcheck(fn, x) < 1e-7
    assert set(seen) == {np.dtype(np.float64)}
    np.testing.assert_array_equal(x, before)


def test_gradcheck_of_flat_function_is_zero():
    assert gradcheck(lambda t: Tensor(np.ones(2)) * 1.0, np.ones(2)) == 0.0


def test_gradcheck_errors():
    with pytest.raises(ValueError, match="inputs: expected at least one array"):
        gradcheck(lambda: Tensor(1.0))
    with pytest.raises(ValueError, match="fn: expected it to return a Tensor, got float"):
        gradcheck(lambda t: 1.0, np.ones(2))


def test_top_level_exports():
    assert nnlib.gradcheck is gradcheck
    assert nnlib.numerical_gradient is numerical_gradient
    assert nnlib.rel_error is rel_error
    assert nnlib.Tensor is Tensor
    assert nnlib.Value.__module__ == "nnlib.scalar"
    with nnlib.no_grad():
        assert not (Tensor(1.0, requires_grad=True) * 2).requires_grad
