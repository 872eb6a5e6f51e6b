"""Tests of nnlib.nn.Flatten."""
import numpy as np
import pytest

from nnlib import nn
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor


def test_default_keeps_the_batch_axis(rng):
    x = rng.normal(size=(4, 3, 2, 5))
    out = nn.Flatten()(x)
    assert out.shape == (4, 30)
    np.testing.assert_array_equal(out.data, x.reshape(4, -1))   # row-major order


@pytest.mark.parametrize("start, end, shape", [
    (0, -1, (120,)), (1, 2, (2, 12, 5)), (2, 3, (2, 3, 20)), (-2, -1, (2, 3, 20)),
    (1, 1, (2, 3, 4, 5)), (0, 1, (6, 4, 5)),
])
def test_start_and_end_dims(rng, start, end, shape):
    x = rng.normal(size=(2, 3, 4, 5))
    out = nn.Flatten(start, end)(x)
    assert out.shape == shape
    np.testing.assert_array_equal(out.data.ravel(), x.ravel())


def test_gradient_returns_to_the_input_shape(rng):
    weights = rng.normal(size=(3, 8))
    assert gradcheck(lambda x: nn.Flatten()(x) * weights, rng.normal(size=(3, 2, 2, 2))) < 1e-8
    x = Tensor(rng.normal(size=(3, 2, 2, 2)).astype(np.float32), requires_grad=True)
    out = nn.Flatten()(x)
    out.backward(np.arange(24, dtype=np.float32).reshape(3, 8))
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.arange(24).reshape(3, 2, 2, 2))


def test_empty_batch_and_repr():
    assert nn.Flatten()(np.zeros((0, 3, 2))).shape == (0, 6)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


@pytest.mark.parametrize("args, shape, match", [
    ((3,), (2, 3), r"start_dim: expected an axis in \[-2, 1\] for an input of shape \(2, 3\), "
                   r"got 3"),
    ((1, -4), (2, 3, 4), r"end_dim: expected an axis in \[-3, 2\]"),
    ((2, 1), (2, 3, 4), r"start_dim, end_dim: expected start_dim to come no later than "
                        r"end_dim, got axes 2 and 1"),
])
def test_bad_axes(args, shape, match):
    with pytest.raises(ValueError, match=match):
        nn.Flatten(*args)(np.zeros(shape))


@pytest.mark.parametrize("kwargs", [dict(start_dim=1.0), dict(end_dim="last"),
                                    dict(start_dim=True)])
def test_non_integer_axes(kwargs):
    with pytest.raises(ValueError, match=r"_dim: expected an integer axis"):
        nn.Flatten(**kwargs)
