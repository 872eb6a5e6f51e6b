"""Activation functions as layers (chapter 4): ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, Step."""
import numbers

import numpy as np

from .. import functional as F
from .._checks import check_number
from ..tensor import Tensor, fused_op
from .module import Module, as_input

__all__ = ["ReLU", "Sigmoid", "Tanh", "LeakyReLU", "Softmax", "Step"]


class ReLU(Module):
    """``max(0, x)`` elementwise.

    Shape: any input (N, ...) gives an output of the same shape (chapter 4).
    """

    def forward(self, x):
        x = as_input(x)
        out = np.maximum(x.data, 0)
        return Tensor.from_op(out, (x,), lambda g: g * (out > 0), "relu")


class Sigmoid(Module):
    """Logistic function ``1 / (1 + exp(-x))`` elementwise (outputs between 0 and 1).

    Shape: any input (N, ...) gives an output of the same shape (chapter 4).
    """

    def forward(self, x):
        return fused_op(F.sigmoid_forward, F.sigmoid_backward, as_input(x), op="sigmoid")


class Tanh(Module):
    """Hyperbolic tangent elementwise (outputs between -1 and 1).

    Shape: any input (N, ...) gives an output of the same shape (chapter 4).
    """

    def forward(self, x):
        return fused_op(F.tanh_forward, F.tanh_backward, as_input(x), op="tanh")


class LeakyReLU(Module):
    """``x`` where x > 0, else ``negative_slope * x``.

    Shape: any input (N, ...) gives an output of the same shape (chapter 4).
    """

    def __init__(self, negative_slope=0.01):
        self.negative_slope = check_number("negative_slope", negative_slope)

    def forward(self, x):
        return fused_op(F.leaky_relu_forward, F.leaky_relu_backward, as_input(x),
                        negative_slope=self.negative_slope, op="leaky_relu")

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """Softmax along ``axis``: non-negative outputs that sum to 1 (class probabilities).

    Shape: logits (N, C) give probabilities (N, C); any shape works along ``axis`` (chapter 4).

    For training, feed the logits to :func:`nnlib.losses.cross_entropy` instead: it
    fuses softmax and log and stays finite for huge logits.
    """

    def __init__(self, axis=-1):
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ValueError(f"axis: expected an integer, got {axis!r}")
        self.axis = int(axis)

    def forward(self, x):
        return fused_op(F.softmax_forward, F.softmax_backward, as_input(x), axis=self.axis,
                        op="softmax")

    def extra_repr(self):
        return f"axis={self.axis}"


class Step(Module):
    """Heaviside step (perceptron): 1.0 where x > threshold, else 0.0.

    Shape: any input (N, ...) gives an output of the same shape (chapter 2).

    Its gradient is zero everywhere (defined as 0 at the jump), so a network of steps
    cannot learn by gradient descent.
    """

    def __init__(self, threshold=0.0):
        self.threshold = check_number("threshold", threshold)

    def forward(self, x):
        return fused_op(F.step_forward, F.step_backward, as_input(x),
                        threshold=self.threshold, op="step")

    def extra_repr(self):
        return f"threshold={self.threshold}"
