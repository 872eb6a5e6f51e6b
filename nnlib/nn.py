"""Layers as objects: :class:`Module`, :class:`Sequential`, :class:`Linear`, activations.

The names follow PyTorch's ``torch.nn`` so that learners can move on easily. One
difference: nnlib stores a linear layer's weights as ``(in_features, out_features)`` so
that the forward pass reads ``x @ W + b`` for a batch ``x`` of shape (N, in_features);
PyTorch stores ``(out_features, in_features)`` and computes ``x @ W.T + b``.

Every module accepts an ndarray or a :class:`~nnlib.tensor.Tensor` and rejects data that
contains NaN or inf (arrays and leaf tensors are checked; outputs of earlier layers are
not re-checked, to keep training fast, and the losses check their inputs). Modules keep
the input's float dtype (float32 in, float32 out) when their own parameters have it. With mixed dtypes numpy's promotion rules apply (a
float64 layer fed float32 data computes in float64); parameter gradients always keep the
parameter's dtype.
"""
import numbers

import numpy as np

from . import functional as F
from ._checks import check_finite
from .tensor import Tensor, fused_op

__all__ = [
    "Module", "Sequential", "Linear", "ReLU", "Sigmoid", "Tanh", "LeakyReLU",
    "Softmax", "Step", "Dropout",
]


def _input(x, name="x"):
    """``x`` as a Tensor. Data entering the network (an ndarray or a leaf Tensor) is
    checked for NaN/inf; results of earlier operations are not re-checked (that would
    cost time on every layer, and the losses check their input)."""
    if isinstance(x, Tensor):
        if x._parents:
            return x
    else:
        x = Tensor(x)
    if not np.isfinite(x.data).all():
        check_finite(name, x.data)
    return x


class Module:
    """Base class of every layer and model.

    Subclasses define ``forward(x)``; calling the module calls ``forward``. Parameters
    are the Tensors with ``requires_grad=True`` stored as attributes (directly, inside
    lists/tuples/dicts, or inside sub-modules); :meth:`parameters` finds them all, in
    attribute order, each once.
    """

    training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ---- the module tree ----------------------------------------------------------
    def _items(self):
        """Yield ``(name, value)`` for the attributes, list/tuple/dict items expanded."""
        for name, value in self.__dict__.items():
            if isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    yield f"{name}.{i}", item
            elif isinstance(value, dict):
                for key, item in value.items():
                    yield f"{name}.{key}", item
            else:
                yield name, value

    def named_children(self):
        """List ``(name, module)`` for the direct sub-modules."""
        return [(name, value) for name, value in self._items() if isinstance(value, Module)]

    def children(self):
        """The direct sub-modules."""
        return [module for _, module in self.named_children()]

    def _collect(self, prefix, result, seen):
        for name, value in self._items():
            if isinstance(value, Tensor):
                if value.requires_grad and id(value) not in seen:
                    seen.add(id(value))
                    result.append((prefix + name, value))
            elif isinstance(value, Module):
                value._collect(prefix + name + ".", result, seen)

    def named_parameters(self, prefix=""):
        """List ``(name, tensor)`` for every parameter, e.g. ``("0.weight", W)``.

        Parameters are the Tensors with ``requires_grad=True`` found in the attributes
        (and inside lists, tuples, dicts and sub-modules), each listed once.
        """
        result = []
        self._collect(prefix, result, set())
        return result

    def parameters(self):
        """List of the parameter Tensors (each once, in a stable order)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        """Reset every parameter's gradient to None."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Switch this module and all sub-modules to training mode (returns self)."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Switch to evaluation mode (dropout off). Returns self."""
        return self.train(False)

    # ---- printing -----------------------------------------------------------------
    def extra_repr(self):
        """The text between the parentheses of ``repr`` (override in subclasses)."""
        return ""

    def __repr__(self):
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Chain of modules: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Indexable (``model[0]``, ``model[1:]``), has ``len`` and can be iterated.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ValueError(
                    f"layers[{i}]: expected a Module, got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def _items(self):
        for i, layer in enumerate(self.layers):
            yield str(i), layer
        for name, value in super()._items():
            if not name.startswith("layers."):
                yield name, value

    def append(self, layer):
        """Add a layer at the end (returns self)."""
        if not isinstance(layer, Module):
            raise ValueError(f"layer: expected a Module, got {type(layer).__name__}")
        self.layers.append(layer)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)


def _check_size(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


class Linear(Module):
    """Fully connected layer ``y = x @ weight + bias`` (one graph node).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, whether to learn an additive bias
    rng : np.random.Generator, optional
        Source of the initial weights. Notebooks pass their seeded generator so that
        results are reproducible; if None a fresh unseeded ``default_rng()`` is used.
    dtype : numpy float dtype, float64 by default (use np.float32 for speed)
    init : "he" or "xavier"
        "he": normal with std sqrt(2 / in_features) (suits ReLU);
        "xavier" (Glorot): uniform in +-sqrt(6 / (in_features + out_features)) (suits
        tanh/sigmoid). Biases start at zero.

    Attributes
    ----------
    weight : Tensor, shape (in_features, out_features)  (PyTorch stores (out, in))
    bias : Tensor, shape (out_features,), or None

    Input (N, in_features) -> output (N, out_features); any leading axes are allowed.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=np.float64,
                 init="he"):
        self.in_features = _check_size("in_features", in_features)
        self.out_features = _check_size("out_features", out_features)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"dtype: expected a float dtype, got {dtype}")
        if init not in ("he", "xavier"):
            raise ValueError(f"init: expected 'he' or 'xavier', got {init!r}")
        rng = np.random.default_rng() if rng is None else rng
        shape = (self.in_features, self.out_features)
        if init == "he":
            w = rng.standard_normal(shape) * np.sqrt(2.0 / self.in_features)
        else:
            limit = np.sqrt(6.0 / (self.in_features + self.out_features))
            w = rng.uniform(-limit, limit, size=shape)
        self.init = init
        self.weight = Tensor(w.astype(dtype), requires_grad=True)
        self.bias = (Tensor(np.zeros(self.out_features, dtype=dtype), requires_grad=True)
                     if bias else None)

    def forward(self, x):
        x = _input(x)
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


class ReLU(Module):
    """``max(0, x)`` elementwise."""

    def forward(self, x):
        x = _input(x)
        out = np.maximum(x.data, 0)
        return Tensor.from_op(out, (x,), lambda g: g * (out > 0), "relu")


class Sigmoid(Module):
    """Logistic function ``1 / (1 + exp(-x))`` elementwise (outputs in (0, 1))."""

    def forward(self, x):
        return fused_op(F.sigmoid_forward, F.sigmoid_backward, _input(x), op="sigmoid")


class Tanh(Module):
    """Hyperbolic tangent elementwise (outputs in (-1, 1))."""

    def forward(self, x):
        return fused_op(F.tanh_forward, F.tanh_backward, _input(x), op="tanh")


def _check_number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


class LeakyReLU(Module):
    """``x`` where x > 0, else ``negative_slope * x``."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = _check_number("negative_slope", negative_slope)

    def forward(self, x):
        return fused_op(F.leaky_relu_forward, F.leaky_relu_backward, _input(x),
                        negative_slope=self.negative_slope, op="leaky_relu")

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """Softmax along ``axis``: non-negative outputs that sum to 1 (class probabilities).

    For training, feed the logits to :func:`nnlib.losses.cross_entropy` instead: it
    fuses softmax and log and stays finite for huge logits.
    """

    def __init__(self, axis=-1):
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ValueError(f"axis: expected an integer, got {axis!r}")
        self.axis = int(axis)

    def forward(self, x):
        return fused_op(F.softmax_forward, F.softmax_backward, _input(x), axis=self.axis,
                        op="softmax")

    def extra_repr(self):
        return f"axis={self.axis}"


class Step(Module):
    """Heaviside step (perceptron): 1.0 where x > threshold, else 0.0.

    Its gradient is zero everywhere (defined as 0 at the jump), so a network of steps
    cannot learn by gradient descent.
    """

    def __init__(self, threshold=0.0):
        self.threshold = _check_number("threshold", threshold)

    def forward(self, x):
        return fused_op(F.step_forward, F.step_backward, _input(x),
                        threshold=self.threshold, op="step")

    def extra_repr(self):
        return f"threshold={self.threshold}"


class Dropout(Module):
    """Inverted dropout: in training mode zero each entry with probability ``p`` and
    scale the others by ``1 / (1 - p)``; in evaluation mode do nothing.

    Parameters
    ----------
    p : float in [0, 1)
    rng : np.random.Generator, optional (pass a seeded one for reproducible masks)
    """

    def __init__(self, p=0.5, rng=None):
        if (isinstance(p, bool) or not isinstance(p, numbers.Real)
                or not 0 <= p < 1):
            raise ValueError(f"p: expected a probability in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng() if rng is None else rng

    def forward(self, x):
        x = _input(x)
        if not self.training or self.p == 0:
            return x
        return fused_op(F.dropout_forward, F.dropout_backward, x, p=self.p, rng=self.rng,
                        op="dropout")

    def extra_repr(self):
        return f"p={self.p}"
