"""nnlib.nn.init (also nnlib.init): in-place initialisation with PyTorch's formulas."""
import math

import numpy as np
import pytest

import nnlib
from nnlib import nn
from nnlib.nn import Parameter, init
from nnlib.tensor import Tensor

BIG = (400, 300)  # 120,000 samples: the sample std is within ~0.5 % of the true one


def test_reachable_as_nnlib_init_and_nn_init():
    assert nnlib.init is init and nnlib.nn.init is init
    assert nnlib.init.xavier_uniform_ is init.xavier_uniform_


def test_fills_in_place_and_returns_the_tensor():
    p = Parameter(np.zeros((3, 2), dtype=np.float32))
    array = p.data
    assert init.normal_(p, rng=0) is p
    assert p.data is array and p.dtype == np.float32 and p.data.std() > 0
    a = np.zeros(4)
    assert init.ones_(a) is a and (a == 1).all()
    t = Tensor(np.ones(3))
    assert init.zeros_(t) is t and (t.data == 0).all()
    assert (init.constant_(t, 2.5).data == 2.5).all()


def test_same_seed_same_values_and_int_seeds():
    a = init.kaiming_normal_(np.empty((5, 4)), rng=np.random.default_rng(3))
    b = init.kaiming_normal_(np.empty((5, 4)), rng=3)
    np.testing.assert_array_equal(a, b)


def test_fans_of_dense_and_conv_weights():
    # nnlib's dense weights are (in, out): fan_in is the first dimension
    assert init._fans(np.empty((20, 7))) == (20, 7)
    # conv weights have PyTorch's layout (out, in, kH, kW)
    assert init._fans(np.empty((16, 3, 5, 5))) == (75, 400)
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(5,\)"):
        init.xavier_uniform_(np.empty(5))


def test_normal_and_uniform_statistics(rng):
    w = init.normal_(np.empty(BIG), mean=2.0, std=0.5, rng=rng)
    assert abs(w.mean() - 2.0) < 0.01 and abs(w.std() - 0.5) < 0.005
    w = init.uniform_(np.empty(BIG), a=-3.0, b=1.0, rng=rng)
    assert -3.0 <= w.min() < -2.99 and 0.99 < w.max() < 1.0
    assert abs(w.mean() + 1.0) < 0.02


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier_uniform_limit_and_xavier_normal_std(rng, gain):
    fan_in, fan_out = BIG
    limit = gain * math.sqrt(6 / (fan_in + fan_out))
    w = init.xavier_uniform_(np.empty(BIG), gain=gain, rng=rng)
    assert w.max() <= limit and w.max() > 0.999 * limit and w.min() >= -limit
    assert abs(w.std() / (limit / math.sqrt(3)) - 1) < 0.01
    w = init.xavier_normal_(np.empty(BIG), gain=gain, rng=rng)
    assert abs(w.std() / (gain * math.sqrt(2 / (fan_in + fan_out))) - 1) < 0.01


def test_kaiming_normal_and_uniform(rng):
    w = init.kaiming_normal_(np.empty(BIG), rng=rng)  # ReLU gain, fan_in = 400
    assert abs(w.std() / math.sqrt(2 / 400) - 1) < 0.01
    w = init.kaiming_normal_(np.empty(BIG), mode="fan_out", nonlinearity="relu", rng=rng)
    assert abs(w.std() / math.sqrt(2 / 300) - 1) < 0.01
    w = init.kaiming_uniform_(np.empty(BIG), rng=rng)
    bound = math.sqrt(2) * math.sqrt(3 / 400)
    assert bound * 0.999 < w.max() <= bound and w.min() >= -bound
    # a leaky ReLU slope a: gain sqrt(2 / (1 + a^2))
    w = init.kaiming_uniform_(np.empty(BIG), a=math.sqrt(5), rng=rng)  # nn.Linear in PyTorch
    assert w.max() <= 1 / math.sqrt(400) and w.max() > 0.999 / math.sqrt(400)


def test_conv_weight_statistics(rng):
    w = init.kaiming_normal_(np.empty((64, 32, 3, 3)), rng=rng)  # fan_in = 32 * 9
    assert abs(w.std() / math.sqrt(2 / 288) - 1) < 0.01


def test_kaiming_matches_linear_default(rng):
    layer = nn.Linear(30, 20, rng=np.random.default_rng(1))
    w = init.kaiming_normal_(np.empty((30, 20)), nonlinearity="relu", rng=1)
    np.testing.assert_allclose(w, layer.weight.data, rtol=1e-14)


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 == init.calculate_gain("sigmoid")
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / 1.0001))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="nonlinearity.*'softplus'"):
        init.calculate_gain("softplus")
    with pytest.raises(ValueError, match="param"):
        init.calculate_gain("leaky_relu", "0.1")


@pytest.mark.parametrize("call, match", [
    (lambda: init.zeros_([1.0, 2.0]), "tensor: expected a Parameter"),
    (lambda: init.zeros_(None), "got NoneType"),
    (lambda: init.normal_(np.zeros(3, dtype=int)), "float array"),
    (lambda: init.normal_(np.zeros(3), std=-1.0), "std"),
    (lambda: init.normal_(np.zeros(3), std=float("nan")), "std"),
    (lambda: init.uniform_(np.zeros(3), a=1.0, b=0.0), "b: expected"),
    (lambda: init.constant_(np.zeros(3), "1"), "val"),
    (lambda: init.constant_(np.zeros(3), float("inf")), "val"),
    (lambda: init.xavier_uniform_(np.zeros((2, 2)), gain=0), "gain"),
    (lambda: init.kaiming_normal_(np.zeros((2, 2)), mode="in"), "mode"),
    (lambda: init.kaiming_normal_(np.zeros((2, 2)), rng="seed"), "rng"),
    (lambda: init.kaiming_normal_(np.zeros((0, 2))), "non-empty"),
])
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError):
        init.ones_("weights")
