"""Tests of nnlib.nn.pooling: MaxPool2d, AvgPool2d and their forward/backward pairs."""
import numpy as np
import pytest

from nnlib import nn
from nnlib.nn.pooling import (avgpool2d_backward, avgpool2d_forward, maxpool2d_backward,
                              maxpool2d_forward)
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor

TOL = 1e-7

# (kernel_size, stride, padding, input (N, C, H, W))
CONFIGS = [
    (2, None, 0, (2, 3, 6, 6)),
    (2, None, 0, (2, 2, 7, 5)),      # odd sizes: the last row/column is dropped
    (3, 2, 1, (2, 2, 7, 7)),
    (3, 1, 0, (1, 2, 5, 6)),         # overlapping windows
    ((2, 3), (1, 2), (1, 1), (2, 2, 5, 6)),
    (2, 1, 1, (1, 3, 4, 4)),
]
IDS = [f"k{c[0]}-s{c[1]}-p{c[2]}" for c in CONFIGS]


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def naive_pool(x, kernel, stride, padding, reduce, fill):
    """Reference: every window reduced one at a time (slow, tiny)."""
    (kh, kw), (ph, pw) = pair(kernel), pair(padding)
    sh, sw = pair(stride) if stride is not None else (kh, kw)
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * ph, w + 2 * pw), fill)
    xp[:, :, ph:ph + h, pw:pw + w] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = reduce(xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw],
                                     axis=(2, 3))
    return out


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_maxpool_forward_matches_the_naive_loop(rng, config):
    k, s, p, shape = config
    x = rng.normal(size=shape)
    out = nn.MaxPool2d(k, s, p)(x).data
    np.testing.assert_array_equal(out, naive_pool(x, k, s, p, np.max, -np.inf))


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_avgpool_forward_matches_the_naive_loop(rng, config):
    k, s, p, shape = config
    x = rng.normal(size=shape)
    out = nn.AvgPool2d(k, s, p)(x).data
    np.testing.assert_allclose(out, naive_pool(x, k, s, p, np.mean, 0.0), rtol=1e-13,
                               atol=1e-15)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("layer", [nn.MaxPool2d, nn.AvgPool2d])
def test_gradients(rng, config, layer):
    """Distinct inputs (gaps of 4 / size >= 0.02) have no ties, so max pooling is
    differentiable at them. Both layers are piecewise linear: a step of 1e-4 (far below the
    gaps) has no truncation error and less rounding error than the default 1e-6."""
    k, s, p, shape = config
    weights = rng.normal(size=naive_pool(np.zeros(shape), k, s, p, np.mean, 0.0).shape)
    pool = layer(k, s, p)
    size = int(np.prod(shape))
    x = rng.permutation(size).reshape(shape) * (4 / size) - 2
    assert gradcheck(lambda x: pool(x) * weights, x, eps=1e-4) < TOL


def test_max_gradient_goes_to_the_first_of_tied_maxima():
    x = np.array([[[[1.0, 3.0, 0.0, 0.0],
                    [3.0, 2.0, 0.0, 0.0]]]])
    x_t = Tensor(x, requires_grad=True)
    out = nn.MaxPool2d(2)(x_t)
    np.testing.assert_array_equal(out.data, [[[[3.0, 0.0]]]])
    out.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(x_t.grad, [[[[0.0, 10.0, 20.0, 0.0],
                                               [0.0, 0.0, 0.0, 0.0]]]])


def test_overlapping_windows_add_their_gradients():
    """With stride 1 a pixel that is the maximum of four 2x2 windows gets all four."""
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    x_t = Tensor(x, requires_grad=True)
    out = nn.MaxPool2d(2, stride=1)(x_t)
    np.testing.assert_array_equal(out.data, np.full((1, 1, 2, 2), 5.0))
    out.sum().backward()
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 4.0
    np.testing.assert_array_equal(x_t.grad, expected)


def test_max_padding_is_never_the_maximum():
    x = -np.ones((1, 1, 2, 2)) - np.arange(4).reshape(1, 1, 2, 2)
    out = nn.MaxPool2d(2, stride=1, padding=1)(x).data
    assert out.max() == -1.0 and out.shape == (1, 1, 3, 3)


def test_avg_padding_counts_as_zeros():
    out = nn.AvgPool2d(2, stride=1, padding=1)(np.ones((1, 1, 2, 2))).data
    np.testing.assert_array_equal(out[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5],
                                              [0.25, 0.5, 0.25]])


def test_avg_gradient_is_shared_equally():
    x_t = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    nn.AvgPool2d(2)(x_t).sum().backward()
    np.testing.assert_array_equal(x_t.grad, np.full((1, 1, 4, 4), 0.25))


def test_pure_functions(rng):
    x = rng.normal(size=(2, 3, 4, 4))
    out, cache = maxpool2d_forward(x, 2)
    assert out.shape == (2, 3, 2, 2)
    dx = maxpool2d_backward(np.ones_like(out), cache)
    assert dx.shape == x.shape and dx.sum() == out.size and set(np.unique(dx)) == {0.0, 1.0}
    assert np.all(x[dx == 1] == np.repeat(np.repeat(out, 2, 2), 2, 3)[dx == 1])
    out, cache = avgpool2d_forward(x, 2, stride=2)
    np.testing.assert_allclose(out, x.reshape(2, 3, 2, 2, 2, 2).mean(axis=(3, 5)))
    np.testing.assert_allclose(avgpool2d_backward(np.ones_like(out), cache), 0.25)


def test_stride_defaults_to_kernel_and_repr():
    pool = nn.MaxPool2d(3)
    assert pool.kernel_size == (3, 3) and pool.stride == (3, 3) and pool.padding == (0, 0)
    assert repr(pool) == "MaxPool2d(kernel_size=(3, 3), stride=(3, 3))"
    assert repr(nn.AvgPool2d(2, 1, 1)) == \
        "AvgPool2d(kernel_size=(2, 2), stride=(1, 1), padding=(1, 1))"
    assert nn.MaxPool2d(2).parameters() == [] and nn.AvgPool2d(2).parameters() == []


@pytest.mark.parametrize("layer", [nn.MaxPool2d, nn.AvgPool2d])
def test_float32_keeps_dtype(rng, layer):
    x = Tensor(rng.normal(size=(2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    out = layer(2)(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [nn.MaxPool2d, nn.AvgPool2d])
def test_wrong_rank(layer):
    with pytest.raises(ValueError, match=rf"x: {layer.__name__}\(kernel_size=\(2, 2\).*"
                                         r"expected a 4-D input \(N, C, H, W\), got shape "
                                         r"\(3, 8, 8\)"):
        layer(2)(np.zeros((3, 8, 8)))


@pytest.mark.parametrize("layer", [nn.MaxPool2d, nn.AvgPool2d])
def test_kernel_larger_than_the_input(layer):
    with pytest.raises(ValueError, match=r"kernel_size \(3, 3\), larger than the padded input "
                                         r"\(2, 5\)"):
        layer(3)(np.zeros((1, 1, 2, 5)))


@pytest.mark.parametrize("layer", [nn.MaxPool2d, nn.AvgPool2d])
@pytest.mark.parametrize("args, match", [
    ((0,), r"kernel_size: expected a positive integer"),
    ((2, 0), r"stride: expected a positive integer"),
    ((2, (1, -1)), r"stride: "),
    ((2, None, -1), r"padding: expected a non-negative integer"),
    ((2, None, 2), r"padding: expected at most half the kernel size \(2, 2\).*got \(2, 2\)"),
    ((3, 1, (1, 2)), r"padding: expected at most half"),
])
def test_bad_arguments(layer, args, match):
    with pytest.raises(ValueError, match=match):
        layer(*args)
