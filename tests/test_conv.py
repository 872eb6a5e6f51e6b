"""Tests of nnlib.nn.conv: Conv2d and the conv2d_forward / conv2d_backward pair."""
import numpy as np
import pytest

from nnlib import losses, nn, optim
from nnlib.nn.conv import (add_patches, conv2d_backward, conv2d_forward, output_size,
                           patches)
from nnlib.numerical import gradcheck, numerical_gradient, rel_error
from nnlib.tensor import Tensor

TOL = 1e-7

# (in_channels, out_channels, kernel_size, stride, padding, input (N, H, W))
CONFIGS = [
    (1, 2, 3, 1, 0, (2, 5, 5)),
    (1, 3, 3, 1, 1, (2, 5, 5)),
    (2, 3, 3, 2, 0, (2, 7, 7)),
    (2, 2, 3, 2, 1, (3, 6, 5)),
    (3, 2, (2, 3), (1, 2), (1, 0), (2, 5, 6)),
    (2, 4, (3, 1), (2, 1), (0, 1), (2, 6, 4)),
    (2, 2, 1, 1, 0, (2, 3, 4)),
    (2, 3, 4, 3, 2, (2, 6, 7)),  # stride leaves the last rows/columns unused
]
IDS = [f"c{c[0]}-f{c[1]}-k{c[2]}-s{c[3]}-p{c[4]}" for c in CONFIGS]


def naive_conv(x, w, b, stride, padding):
    """Reference: the definition of the layer, one output value at a time (slow, tiny)."""
    (sh, sw), (ph, pw) = stride, padding
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = np.zeros((n, f, ho, wo))
    for i_n in range(n):
        for i_f in range(f):
            for i in range(ho):
                for j in range(wo):
                    patch = xp[i_n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[i_n, i_f, i, j] = np.sum(patch * w[i_f]) + (0 if b is None else b[i_f])
    return out


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def make(config, rng, **kwargs):
    c, f, k, s, p, (n, h, w) = config
    layer = nn.Conv2d(c, f, k, stride=s, padding=p, rng=rng, **kwargs)
    return layer, rng.normal(size=(n, c, h, w))


def conv_fn(layer):
    """fn(x, w, b) running ``layer`` with the given parameters (for gradcheck)."""
    def fn(x, w, b=None):
        layer.weight, layer.bias = w, b
        return layer(x)
    return fn


# ---------------------------------------------------------------------------------------
# forward
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_forward_matches_the_naive_loop(rng, config):
    layer, x = make(config, rng)
    out = layer(x).data
    expected = naive_conv(x, layer.weight.data, layer.bias.data, layer.stride, layer.padding)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_output_shape_formula(rng, config):
    layer, x = make(config, rng)
    (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
    n, _, h, w = x.shape
    expected = (n, config[1], output_size(h, kh, sh, ph), output_size(w, kw, sw, pw))
    assert layer(x).shape == expected
    assert expected[2] == (h + 2 * ph - kh) // sh + 1


def test_a_hand_set_edge_filter():
    """A vertical-edge filter answers where the image steps from dark to bright."""
    image = np.zeros((1, 1, 4, 5))
    image[..., 3:] = 1.0                          # bright from column 3 on
    w = np.array([[[[-1.0, 1.0]]]])               # (1, 1, 1, 2): right minus left
    out, _ = conv2d_forward(image, w, np.zeros(1))
    np.testing.assert_array_equal(out[0, 0], np.tile([0.0, 0.0, 1.0, 0.0], (4, 1)))


def test_without_bias(rng):
    layer, x = make(CONFIGS[3], rng, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    expected = naive_conv(x, layer.weight.data, None, layer.stride, layer.padding)
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12, atol=1e-12)


def test_patches_view_and_its_adjoint(rng):
    """``patches`` is a view with the documented indexing; ``add_patches`` is its adjoint:
    <patches(x), g> == <x, add_patches(g)> for any x and g."""
    x = rng.normal(size=(2, 6, 7, 3))
    view = patches(x, (3, 2), (2, 1))
    assert view.shape == (2, 2, 6, 3, 2, 3) and np.shares_memory(view, x)
    assert view[1, 1, 4, 2, 1, 2] == x[1, 1 * 2 + 2, 4 + 1, 2]
    g = rng.normal(size=view.shape)
    back = add_patches(g, x.shape, (2, 1))
    assert np.isclose(np.sum(view * g), np.sum(x * back), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_gradients_for_input_weight_and_bias(rng, config):
    layer, x = make(config, rng)
    assert gradcheck(conv_fn(layer), x, layer.weight.data, layer.bias.data) < TOL


def test_gradients_without_bias(rng):
    layer, x = make(CONFIGS[4], rng, bias=False)

    def fn(x, w):
        layer.weight = w
        return layer(x)

    assert gradcheck(fn, x, layer.weight.data) < TOL


def test_gradient_through_a_weighted_loss(rng):
    """A non-uniform upstream gradient (a random weighting of the outputs) reaches x, w, b."""
    layer, x = make(CONFIGS[3], rng)
    weights = rng.normal(size=layer(x).shape)
    fn = conv_fn(layer)
    assert gradcheck(lambda x, w, b: fn(x, w, b) * weights, x, layer.weight.data,
                     layer.bias.data) < TOL


@pytest.mark.parametrize("config", CONFIGS[2:6], ids=IDS[2:6])
def test_pure_backward_matches_finite_differences(rng, config):
    c, f, k, s, p, (n, h, w) = config
    kh, kw = pair(k)
    x = rng.normal(size=(n, c, h, w))
    wt = rng.normal(size=(f, c, kh, kw))
    b = rng.normal(size=f)
    out, cache = conv2d_forward(x, wt, b, s, p)
    dout = rng.normal(size=out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == wt.shape and db.shape == b.shape

    def loss(_):
        return np.sum(conv2d_forward(x, wt, b, s, p)[0] * dout)

    # The loss is linear in each argument: a larger step has no truncation error and
    # less rounding error than the default 1e-6.
    for analytic, at in ((dx, x), (dw, wt), (db, b)):
        assert rel_error(analytic, numerical_gradient(loss, at, eps=1e-3)) < TOL


def test_no_input_gradient_for_the_data_batch(rng):
    layer, x = make(CONFIGS[1], rng)
    _, cache = conv2d_forward(x, layer.weight.data, layer.bias.data, 1, 1)
    dx, dw, db = conv2d_backward(np.ones((2, 3, 5, 5)), cache, need_dx=False)
    assert dx is None and dw.shape == (3, 1, 3, 3) and db.shape == (3,)
    x_data = Tensor(x)                               # the data: requires no gradient
    layer(x_data).sum().backward()
    assert x_data.grad is None and layer.weight.grad.shape == (3, 1, 3, 3)
    np.testing.assert_allclose(layer.bias.grad, [25.0 * 2] * 3)   # 2 images of 5x5 each


def test_gradients_accumulate_over_calls(rng):
    layer, x = make(CONFIGS[0], rng)
    layer(x).sum().backward()
    once = layer.weight.grad.copy()
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, 2 * once)


# ---------------------------------------------------------------------------------------
# dtype, initialisation, bookkeeping
# ---------------------------------------------------------------------------------------
def test_float32_keeps_dtype_and_agrees_with_float64(rng):
    config = CONFIGS[3]
    layer32, x = make(config, np.random.default_rng(5), dtype=np.float32)
    layer64, _ = make(config, np.random.default_rng(5))
    x32 = Tensor(x.astype(np.float32), requires_grad=True)
    out32 = layer32(x32)
    assert out32.dtype == np.float32 and layer32.weight.dtype == np.float32
    out32.sum().backward()
    assert x32.grad.dtype == np.float32
    assert layer32.weight.grad.dtype == np.float32 and layer32.bias.grad.dtype == np.float32
    x64 = Tensor(x, requires_grad=True)
    out64 = layer64(x64)
    out64.sum().backward()
    np.testing.assert_allclose(out32.data, out64.data, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x32.grad, x64.grad, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer32.weight.grad, layer64.weight.grad, rtol=1e-4, atol=1e-4)


def test_init_matches_pytorch_default_bounds():
    layer = nn.Conv2d(4, 50, (3, 2), rng=1)
    bound = 1 / np.sqrt(4 * 3 * 2)
    assert layer.weight.shape == (50, 4, 3, 2) and layer.bias.shape == (50,)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound       # fills the interval
    assert abs(layer.weight.data.std() - bound / np.sqrt(3)) < 0.1 * bound
    assert layer.weight.dtype == np.float64
    assert isinstance(layer.weight, nn.Parameter) and isinstance(layer.bias, nn.Parameter)


def test_rng_seed_or_generator_reproduces_weights():
    a = nn.Conv2d(2, 3, 3, rng=7)
    b = nn.Conv2d(2, 3, 3, rng=np.random.default_rng(7))
    c = nn.Conv2d(2, 3, 3, rng=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_attributes_and_repr():
    layer = nn.Conv2d(1, 16, 3, padding=1, rng=0)
    assert (layer.kernel_size, layer.stride, layer.padding) == ((3, 3), (1, 1), (1, 1))
    assert repr(layer) == "Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.Conv2d(2, 4, (3, 1), stride=2, bias=False)) == \
        "Conv2d(2, 4, kernel_size=(3, 1), stride=(2, 2), bias=False)"
    assert [n for n, _ in nn.Sequential(layer).named_parameters()] == ["0.weight", "0.bias"]


def test_padding_valid_and_same(rng):
    same = nn.Conv2d(2, 3, (3, 5), padding="same", rng=0)
    assert same.padding == (1, 2) and same(rng.normal(size=(1, 2, 6, 7))).shape == (1, 3, 6, 7)
    assert nn.Conv2d(2, 3, 3, padding="valid").padding == (0, 0)
    with pytest.raises(ValueError, match=r"padding: 'same' needs stride 1 and an odd "
                                         r"kernel_size, got stride \(2, 2\)"):
        nn.Conv2d(2, 3, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"padding: 'same' .*kernel_size \(2, 2\)"):
        nn.Conv2d(2, 3, 2, padding="same")
    with pytest.raises(ValueError, match=r"padding: expected an integer, a pair, 'valid' or "
                                         r"'same', got 'full'"):
        nn.Conv2d(2, 3, 3, padding="full")


def test_a_small_cnn_learns_bar_orientation(rng):
    """Conv -> ReLU -> MaxPool -> Flatten -> Linear separates horizontal from vertical
    bars placed anywhere in a 6x6 image."""
    n = 64
    X = np.zeros((n, 1, 6, 6))
    y = rng.integers(0, 2, size=n)
    where = rng.integers(0, 6, size=n)
    for i in range(n):
        if y[i]:
            X[i, 0, :, where[i]] = 1.0
        else:
            X[i, 0, where[i], :] = 1.0
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 3 * 3, 2, rng=rng))
    opt = optim.Adam(model.parameters(), lr=0.02)
    first = None
    for _ in range(60):
        loss = losses.cross_entropy(model(X), y)
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first
    assert np.mean(model(X).data.argmax(axis=1) == y) == 1.0


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
def test_wrong_rank_is_reported():
    layer = nn.Conv2d(1, 2, 3)
    with pytest.raises(ValueError, match=r"x: Conv2d\(1, 2, .*expected a 4-D input "
                                         r"\(N, C, H, W\), got shape \(8, 8\)"):
        layer(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="4-D input"):
        layer(np.zeros((2, 1, 1, 8, 8)))


def test_wrong_channel_count_names_the_layer():
    layer = nn.Conv2d(3, 2, 3)
    with pytest.raises(ValueError, match=r"x: Conv2d\(3, 2, kernel_size=\(3, 3\).*expected 3 "
                                         r"input channels \(N, 3, H, W\), got shape "
                                         r"\(4, 1, 8, 8\)"):
        layer(np.zeros((4, 1, 8, 8)))


def test_kernel_larger_than_the_padded_input():
    with pytest.raises(ValueError, match=r"kernel_size \(5, 5\), larger than the padded "
                                         r"input \(4, 4\)"):
        nn.Conv2d(1, 2, 5, padding=1)(np.zeros((1, 1, 2, 2)))
    nn.Conv2d(1, 2, 5, padding=2)(np.zeros((1, 1, 1, 1)))       # 5x5 padded: fits
    with pytest.raises(ValueError, match=r"kernel_size \(1, 3\)"):
        nn.Conv2d(1, 2, (1, 3))(np.zeros((1, 1, 5, 2)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(kernel_size=0), r"kernel_size: expected a positive integer or a pair of them, got 0"),
    (dict(kernel_size=(3, -1)), r"kernel_size: .*got \(3, -1\)"),
    (dict(kernel_size=(3, 3, 3)), r"kernel_size: .*got \(3, 3, 3\)"),
    (dict(kernel_size=2.5), r"kernel_size: .*got 2.5"),
    (dict(kernel_size=3, stride=0), r"stride: expected a positive integer"),
    (dict(kernel_size=3, stride=(1, 0)), r"stride: "),
    (dict(kernel_size=3, padding=-1), r"padding: expected a non-negative integer"),
    (dict(kernel_size=3, padding=(0, -2)), r"padding: "),
    (dict(kernel_size=3, dtype=np.int64), r"dtype: expected a float dtype"),
    (dict(kernel_size=3, rng="seed"), r"rng: expected a numpy Generator"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.Conv2d(1, 2, **kwargs)


@pytest.mark.parametrize("args, name", [((0, 2, 3), "in_channels"), ((1, 0, 3), "out_channels"),
                                        ((1.5, 2, 3), "in_channels")])
def test_bad_channel_counts(args, name):
    with pytest.raises(ValueError, match=f"{name}: expected a positive integer"):
        nn.Conv2d(*args)


def test_pure_function_checks_shapes(rng):
    x = rng.normal(size=(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"w: expected shape \(F, 3, kH, kW\)"):
        conv2d_forward(x, np.zeros((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"b: expected shape \(4,\), got shape \(3,\)"):
        conv2d_forward(x, np.zeros((4, 3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"x: conv2d_forward expected a 4-D input"):
        conv2d_forward(x[0], np.zeros((4, 3, 3, 3)))


def test_non_finite_input_is_refused():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 2] = np.nan
    with pytest.raises(ValueError, match="x: expected finite values"):
        nn.Conv2d(1, 2, 3)(x)
