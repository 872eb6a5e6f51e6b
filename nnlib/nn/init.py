"""Initialisation of weights, in place, with PyTorch's names (``nnlib.nn.init``, also
reachable as ``nnlib.init``). Chapter 7 explains why the starting scale matters, chapter 11
compares the schemes.

Each function fills a :class:`~nnlib.nn.Parameter`, a Tensor or an ndarray **in place**
(the array object is kept, so an optimiser built on it stays valid) and returns it::

    init.xavier_uniform_(layer.weight, rng=rng)
    init.zeros_(layer.bias)

Random ones take ``rng``: a seeded ``np.random.default_rng(seed)`` or an int seed for
reproducible results (None draws from a fresh, unseeded generator).

**Fans.** ``fan_in`` is the number of inputs that feed one output unit, ``fan_out`` the number
of outputs one input feeds. nnlib's dense weights are stored (in, out), so for a 2-D weight
``fan_in = shape[0]`` and ``fan_out = shape[1]`` (PyTorch stores (out, in) and reads them the
other way round: the same numbers for the same layer). Convolution weights have PyTorch's
layout (out_channels, in_channels, kH, kW): ``fan_in = in_channels * kH * kW`` and
``fan_out = out_channels * kH * kW``.

=====================  ==============================================================
``xavier_uniform_``    U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))   (Glorot)
``xavier_normal_``     N(0, std), std = gain * sqrt(2 / (fan_in + fan_out))
``kaiming_uniform_``   U(-b, b), b = gain * sqrt(3 / fan)                   (He)
``kaiming_normal_``    N(0, std), std = gain / sqrt(fan)
=====================  ==============================================================

with ``fan`` = fan_in (``mode="fan_in"``, keeps the forward pass's scale) or fan_out, and
``gain`` from :func:`calculate_gain` (sqrt(2) for ReLU: it zeroes half its inputs).
"""
import math
import numbers

import numpy as np

from .._checks import ArgumentTypeError, as_rng
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "zeros_", "ones_", "constant_", "normal_", "uniform_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]

_LINEAR_LIKE = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps the signal's scale through ``nonlinearity`` (PyTorch's values).

    ``"linear"``, the conv names and ``"sigmoid"``: 1; ``"tanh"``: 5/3; ``"relu"``:
    sqrt(2); ``"leaky_relu"``: sqrt(2 / (1 + slope**2)) with slope ``param`` (0.01 by
    default); ``"selu"``: 3/4.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"param: expected a negative slope (a number), got {param!r}")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"nonlinearity: expected one of {list(_LINEAR_LIKE) + ['tanh', 'relu', 'leaky_relu', 'selu']}"
        f", got {nonlinearity!r}"
    )


def _array(tensor):
    """The float ndarray to fill in place: ``tensor.data`` for a Tensor."""
    array = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(array, np.ndarray):
        raise ArgumentTypeError(
            f"tensor: expected a Parameter, Tensor or ndarray to fill in place, "
            f"got {type(tensor).__name__}"
        )
    if array.dtype.kind != "f":
        raise ValueError(f"tensor: expected a float array, got dtype {array.dtype}")
    return array


def _fill(tensor, values):
    _array(tensor)[...] = values
    return tensor


def _rng(rng):
    return np.random.default_rng() if rng is None else as_rng(rng)


def _fans(tensor):
    """``(fan_in, fan_out)``: (in, out) dense weights, (out, in, kH, kW) conv weights."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(
            f"tensor: expected a weight with at least 2 dimensions to compute fan_in and "
            f"fan_out, got shape {shape}"
        )
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode: expected 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"tensor: expected a non-empty weight, got shape {_array(tensor).shape}")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _check_gain(gain):
    if isinstance(gain, bool) or not isinstance(gain, numbers.Real) or not 0 < gain < math.inf:
        raise ValueError(f"gain: expected a positive number, got {gain!r}")
    return float(gain)


def _check_real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------- constants

def constant_(tensor, val):
    """Fill with the number ``val``."""
    return _fill(tensor, _check_real("val", val))


def zeros_(tensor):
    """Fill with 0 (biases usually start here)."""
    return _fill(tensor, 0)


def ones_(tensor):
    """Fill with 1 (e.g. a normalisation layer's scale)."""
    return _fill(tensor, 1)


# ---------------------------------------------------------------------------- random

def normal_(tensor, mean=0.0, std=1.0, rng=None):
    """Fill with samples of N(mean, std**2)."""
    mean, std = _check_real("mean", mean), _check_real("std", std)
    if std < 0:
        raise ValueError(f"std: expected a number >= 0, got {std!r}")
    shape = _array(tensor).shape
    return _fill(tensor, _rng(rng).normal(mean, std, size=shape))


def uniform_(tensor, a=0.0, b=1.0, rng=None):
    """Fill with samples of the uniform distribution on [a, b)."""
    a, b = _check_real("a", a), _check_real("b", b)
    if not a <= b:
        raise ValueError(f"b: expected a number >= a = {a}, got {b!r}")
    shape = _array(tensor).shape
    return _fill(tensor, _rng(rng).uniform(a, b, size=shape))


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and of gradients about constant across layers of
    tanh or sigmoid units (Glorot and Bengio, 2010).
    """
    fan_in, fan_out = _fans(tensor)
    limit = _check_gain(gain) * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -limit, limit, rng=rng)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    std = _check_gain(gain) * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, rng=rng)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015).

    ``a`` is the negative slope of a leaky ReLU; PyTorch's default (``"leaky_relu"`` with
    ``a=0``) is the ReLU gain sqrt(2). ``mode="fan_in"`` keeps the forward pass's scale,
    ``"fan_out"`` the backward pass's.
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, rng=rng)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He normal: N(0, std**2) with std = gain / sqrt(fan); ``nn.Linear``'s default
    ("he") initialisation."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), rng=rng)
