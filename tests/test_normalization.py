"""Tests of nnlib.nn.normalization: BatchNorm1d, BatchNorm2d, LayerNorm."""
import numpy as np
import pytest

from nnlib import nn
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor

# The input gradients of a normalisation sum to zero over the normalised axes, so some
# entries are tiny (1e-4) and their finite-difference estimate carries a relative error of
# about 1e-6 from rounding alone; a wrong formula gives errors near 1e-1.
TOL = 1e-5
EPS = 1e-5


def module_gradcheck(module, x, rng, names=("weight", "bias")):
    """Largest finite-difference error for the input and the named parameters.

    The output is multiplied by fixed random numbers before summing: a plain sum of a
    normalised output is constant in x, which would make the check vacuous.
    """
    coefficients = rng.normal(size=module(x).shape)
    params = [getattr(module, name) for name in names]

    def fn(x, *tensors):
        for name, tensor in zip(names, tensors):
            setattr(module, name, tensor)
        return module(x) * Tensor(coefficients)

    return gradcheck(fn, x, *params)


def with_random_affine(module, rng):
    module.weight.data[...] = rng.normal(size=module.weight.shape)
    module.bias.data[...] = rng.normal(size=module.bias.shape)
    return module


# ---------------------------------------------------------------------------------------
# BatchNorm: gradients
# ---------------------------------------------------------------------------------------
BATCHNORM_SHAPES = [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5)),
                    (nn.BatchNorm2d, (3, 3, 2, 4))]


@pytest.mark.parametrize("cls, shape", BATCHNORM_SHAPES)
def test_batchnorm_training_gradients(rng, cls, shape):
    bn = with_random_affine(cls(3), rng)
    x = rng.normal(size=shape) * 2 + 1
    assert module_gradcheck(bn, x, rng) < TOL


@pytest.mark.parametrize("cls, shape", BATCHNORM_SHAPES)
def test_batchnorm_eval_gradients(rng, cls, shape):
    bn = with_random_affine(cls(3), rng)
    bn.running_mean[...] = rng.normal(size=3)
    bn.running_var[...] = rng.uniform(0.5, 2, size=3)
    bn.eval()
    assert module_gradcheck(bn, rng.normal(size=shape), rng) < TOL


def test_batchnorm_without_affine_gradient(rng):
    bn = nn.BatchNorm1d(3, affine=False)
    assert bn.weight is None and bn.bias is None and bn.parameters() == []
    assert module_gradcheck(bn, rng.normal(size=(5, 3)), rng, names=()) < TOL


# ---------------------------------------------------------------------------------------
# BatchNorm: training and evaluation modes
# ---------------------------------------------------------------------------------------
def test_batchnorm_training_standardises_each_channel(rng):
    x = rng.normal(size=(50, 4, 3, 3)) * np.array([1, 2, 3, 4])[None, :, None, None] + 5
    out = nn.BatchNorm2d(4)(x).data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, atol=1e-3)  # var / (var + eps)


def test_batchnorm_running_stats_by_hand():
    bn = nn.BatchNorm1d(1)  # momentum 0.1, running_mean 0, running_var 1
    # batch 1: values 1, 3 -> mean 2, biased var 1 (normalises), unbiased var 2 (tracked)
    out = bn(np.array([[1.0], [3.0]])).data
    np.testing.assert_allclose(out[:, 0], np.array([-1, 1]) / np.sqrt(1 + EPS))
    np.testing.assert_allclose(bn.running_mean, [0.9 * 0 + 0.1 * 2])        # 0.2
    np.testing.assert_allclose(bn.running_var, [0.9 * 1 + 0.1 * 2])         # 1.1
    # batch 2: values 0, 4, 8 -> mean 4, unbiased var (16 + 0 + 16) / 2 = 16
    bn(np.array([[0.0], [4.0], [8.0]]))
    np.testing.assert_allclose(bn.running_mean, [0.9 * 0.2 + 0.1 * 4])     # 0.58
    np.testing.assert_allclose(bn.running_var, [0.9 * 1.1 + 0.1 * 16])     # 2.59
    assert int(bn.num_batches_tracked) == 2
    # evaluation: (x - 0.58) / sqrt(2.59 + eps), running statistics unchanged
    bn.eval()
    out = bn(np.array([[1.58]])).data
    np.testing.assert_allclose(out, [[1 / np.sqrt(2.59 + EPS)]])
    np.testing.assert_allclose(bn.running_mean, [0.58])
    assert int(bn.num_batches_tracked) == 2


def test_batchnorm_running_stats_over_channels_and_positions(rng):
    bn = nn.BatchNorm1d(3, momentum=0.25)
    expected_mean, expected_var = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.normal(size=(4, 3, 5)) * 3 + 2
        bn(x)
        values = x.transpose(1, 0, 2).reshape(3, -1)         # (C, N * L)
        expected_mean = 0.75 * expected_mean + 0.25 * values.mean(axis=1)
        expected_var = 0.75 * expected_var + 0.25 * values.var(axis=1, ddof=1)
    np.testing.assert_allclose(bn.running_mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, expected_var, rtol=1e-12)


def test_batchnorm_momentum_none_is_a_cumulative_average(rng):
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.normal(size=(n, 2)) + i for i, n in enumerate((3, 5, 4))]
    for x in batches:
        bn(x)
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(0) for x in batches], 0))
    np.testing.assert_allclose(bn.running_var,
                               np.mean([x.var(0, ddof=1) for x in batches], 0))


def test_batchnorm_eval_uses_running_stats_and_ignores_the_batch(rng):
    bn = with_random_affine(nn.BatchNorm2d(2), rng)
    for _ in range(4):
        bn(rng.normal(size=(8, 2, 3, 3)) * 2 - 1)
    bn.eval()
    x = rng.normal(size=(5, 2, 3, 3))
    shape = (1, 2, 1, 1)
    expected = ((x - bn.running_mean.reshape(shape)) / np.sqrt(bn.running_var.reshape(shape) + EPS)
                * bn.weight.data.reshape(shape) + bn.bias.data.reshape(shape))
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-12)
    np.testing.assert_allclose(bn(x[:1]).data, expected[:1], rtol=1e-12)  # one example works
    bn.train()
    assert not np.allclose(bn(x).data, expected)


def test_batchnorm_without_running_stats_uses_the_batch_in_both_modes(rng):
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    x = rng.normal(size=(6, 3))
    train_out = bn(x).data
    np.testing.assert_allclose(bn.eval()(x).data, train_out)


def test_batchnorm_buffers_in_state_dict(rng):
    bn = nn.BatchNorm1d(3)
    bn(rng.normal(size=(5, 3)))
    state = bn.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var",
                           "num_batches_tracked"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.running_var, bn.running_var)
    fresh.eval(), bn.eval()
    x = rng.normal(size=(2, 3))
    np.testing.assert_array_equal(fresh(x).data, bn(x).data)
    bn.reset_running_stats()
    assert np.all(bn.running_mean == 0) and np.all(bn.running_var == 1)


def test_batchnorm_inside_sequential_follows_train_and_eval(rng):
    model = nn.Sequential(nn.Linear(4, 3, rng=rng), nn.BatchNorm1d(3), nn.ReLU())
    x = rng.normal(size=(10, 4))
    model(x)
    before = model[1].running_mean.copy()
    model.eval()
    model(x)
    np.testing.assert_array_equal(model[1].running_mean, before)
    assert [n for n, _ in model.named_buffers()][:2] == ["1.running_mean", "1.running_var"]


def test_batchnorm_float32(rng):
    bn = nn.BatchNorm2d(2, dtype=np.float32)
    x64 = rng.normal(size=(4, 2, 3, 3))
    x = Tensor(x64.astype(np.float32), requires_grad=True)
    out = bn(x)
    out.backward(np.ones_like(out.data))
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert bn.weight.grad.dtype == np.float32 and bn.running_var.dtype == np.float32
    np.testing.assert_allclose(out.data, nn.BatchNorm2d(2)(x64).data, atol=1e-5)
    bn.eval()
    assert bn(x).dtype == np.float32


# ---------------------------------------------------------------------------------------
# BatchNorm: errors
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, shape", [(nn.BatchNorm1d, (4, 2)), (nn.BatchNorm1d, (4,)),
                                        (nn.BatchNorm1d, (2, 3, 4, 5)),
                                        (nn.BatchNorm2d, (4, 3, 5)),
                                        (nn.BatchNorm2d, (4, 2, 5, 5))])
def test_batchnorm_rejects_wrong_rank_or_channels(rng, cls, shape):
    with pytest.raises(ValueError, match=r"x: BatchNorm.d\(num_features=3\) expected"):
        cls(3)(rng.normal(size=shape))


def test_batchnorm_training_needs_more_than_one_value_per_channel(rng):
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(rng.normal(size=(1, 3)))
    assert bn.eval()(rng.normal(size=(1, 3))).shape == (1, 3)


@pytest.mark.parametrize("kwargs, match", [
    ({"num_features": 0}, "num_features"), ({"num_features": 2.5}, "num_features"),
    ({"num_features": 3, "eps": 0}, "eps"), ({"num_features": 3, "momentum": 1.5}, "momentum"),
    ({"num_features": 3, "momentum": "0.1"}, "momentum"),
    ({"num_features": 3, "dtype": np.int64}, "dtype"),
])
def test_batchnorm_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.BatchNorm1d(**kwargs)


# ---------------------------------------------------------------------------------------
# LayerNorm
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 5), 5),
                                               ((2, 3, 4), (3, 4))])
def test_layernorm_gradients(rng, shape, normalized):
    ln = with_random_affine(nn.LayerNorm(normalized), rng)
    assert module_gradcheck(ln, rng.normal(size=shape) * 3 + 1, rng) < TOL


def test_layernorm_without_affine_or_bias(rng):
    ln = nn.LayerNorm(4, elementwise_affine=False)
    assert ln.parameters() == []
    assert module_gradcheck(ln, rng.normal(size=(3, 4)), rng, names=()) < TOL
    ln = nn.LayerNorm(4, bias=False)
    assert ln.bias is None and [n for n, _ in ln.named_parameters()] == ["weight"]
    ln.weight.data[:] = rng.normal(size=4)
    assert module_gradcheck(ln, rng.normal(size=(3, 4)), rng, names=("weight",)) < TOL


def test_layernorm_standardises_each_position(rng):
    x = rng.normal(size=(2, 6, 8)) * 4 + 3
    ln = with_random_affine(nn.LayerNorm(8), rng)
    out = ln(x).data
    x_hat = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + EPS)
    np.testing.assert_allclose(out, x_hat * ln.weight.data + ln.bias.data, rtol=1e-12)
    ln.eval()  # no running statistics: the same in evaluation mode
    np.testing.assert_allclose(ln(x).data, out)
    np.testing.assert_allclose(ln(x[:1, :2]).data, out[:1, :2])  # each position on its own


def test_layernorm_over_two_dimensions(rng):
    x = rng.normal(size=(3, 4, 5))
    out = nn.LayerNorm((4, 5))(x).data
    np.testing.assert_allclose(out.reshape(3, -1).mean(1), 0, atol=1e-12)
    np.testing.assert_allclose(out.reshape(3, -1).var(1), 1, atol=1e-4)


def test_layernorm_float32(rng):
    ln = nn.LayerNorm(6, dtype=np.float32)
    x = Tensor(rng.normal(size=(3, 6)).astype(np.float32), requires_grad=True)
    out = ln(x)
    out.backward(rng.normal(size=out.shape))
    assert out.dtype == x.grad.dtype == ln.weight.grad.dtype == np.float32


@pytest.mark.parametrize("shape", [(4, 6), (5,), (2, 5, 4)])
def test_layernorm_rejects_wrong_trailing_shape(rng, shape):
    with pytest.raises(ValueError, match=r"x: LayerNorm\(\(4, 5\)\) expected input whose last"):
        nn.LayerNorm((4, 5))(rng.normal(size=shape))


@pytest.mark.parametrize("normalized, match", [(0, "normalized_shape"), ((), "normalized_shape"),
                                               ("abc", "normalized_shape"),
                                               ((3, -1), "normalized_shape")])
def test_layernorm_rejects_bad_shape(normalized, match):
    with pytest.raises(ValueError, match=match):
        nn.LayerNorm(normalized)
