"""The fully connected layer :class:`Linear` (chapter 3: a layer as a matrix product).

One difference from PyTorch: nnlib stores a linear layer's weights as
``(in_features, out_features)`` so that the forward pass reads ``x @ W + b`` for a batch
``x`` of shape (N, in_features); PyTorch stores ``(out_features, in_features)`` and computes
``x @ W.T + b``.
"""
import numpy as np

from .. import functional as F
from .._checks import as_rng, check_float_dtype, check_size
from ..tensor import Tensor
from .module import Module, Parameter, as_input

__all__ = ["Linear"]


class Linear(Module):
    """Fully connected layer ``y = x @ weight + bias`` (one graph node).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, whether to learn an additive bias
    rng : np.random.Generator or int, optional
        Source of the initial weights (an int is a seed). Notebooks pass their seeded
        generator so that results are reproducible; if None a fresh unseeded
        ``default_rng()`` is used.
    dtype : numpy float dtype, float64 by default (use np.float32 for speed)
    init : "he" or "xavier"
        "he": normal with std sqrt(2 / in_features) (suits ReLU);
        "xavier" (Glorot): uniform in +-sqrt(6 / (in_features + out_features)) (suits
        tanh/sigmoid). Biases start at zero.

    Attributes
    ----------
    weight : Parameter, shape (in_features, out_features)  (PyTorch stores (out, in));
        assigning an array of another shape raises a ValueError naming both shapes
    bias : Parameter, shape (out_features,), or None

    Input (N, in_features) -> output (N, out_features); any leading axes are allowed.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=np.float64,
                 init="he"):
        self.in_features = check_size("in_features", in_features)
        self.out_features = check_size("out_features", out_features)
        dtype = check_float_dtype("dtype", dtype)
        if not isinstance(bias, (bool, np.bool_)):
            raise ValueError(f"bias: expected True or False, got {bias!r}")
        if init not in ("he", "xavier"):
            raise ValueError(f"init: expected 'he' or 'xavier', got {init!r}")
        rng = np.random.default_rng() if rng is None else as_rng(rng)
        shape = (self.in_features, self.out_features)
        if init == "he":
            w = rng.standard_normal(shape) * np.sqrt(2.0 / self.in_features)
        else:
            limit = np.sqrt(6.0 / (self.in_features + self.out_features))
            w = rng.uniform(-limit, limit, size=shape)
        self.init = init
        self.weight = Parameter(w.astype(dtype))
        self.bias = (Parameter(np.zeros(self.out_features, dtype=dtype))
                     if bias else None)

    def forward(self, x):
        x = as_input(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"x: Linear(in_features={self.in_features}, out_features="
                f"{self.out_features}) expected input with last dimension "
                f"{self.in_features}, got shape {x.shape}"
            )
        w, b = self.weight, self.bias
        out, cache = F.linear_forward(x.data, w.data, None if b is None else b.data)
        need_dx = x.requires_grad  # no dx for the data batch: saves a matrix product

        def backward(g):
            return F.linear_backward(g, cache, need_dx)

        parents = (x, w) if b is None else (x, w, b)
        return Tensor.from_op(out, parents, backward, "linear")

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
