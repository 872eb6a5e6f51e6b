"""Reverse-mode automatic differentiation on numpy arrays.

A :class:`Tensor` wraps an ndarray. Operations on tensors that require gradients record
a graph: each result remembers its parents and a *backward function* that turns the
gradient of the result into gradients of the parents. :meth:`Tensor.backward` walks that
graph from the output back to the inputs (the same idea as :class:`nnlib.scalar.Value`,
one array at a time instead of one number).

>>> x = Tensor([[1.0, 2.0]], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([[2., 4.]])

Rules worth knowing:

* Gradients *accumulate*: a tensor used twice receives the sum of both contributions,
  and leaf gradients add up across ``backward`` calls until you reset them
  (``zero_grad``).
* Broadcasting works as in numpy; the backward pass sums the gradient over the
  broadcast axes (:func:`_unbroadcast`).
* Dtypes are kept: float32 data gives float32 results and float32 gradients. Python
  numbers and lists become float64.
* Inside ``with no_grad():`` operations build no graph (evaluation, optimiser updates).

New fused operations (one graph node for a whole layer, the key to speed) are built with
:meth:`Tensor.from_op` or, from a forward/backward pair of :mod:`nnlib.functional`, with
:func:`fused_op`.
"""
import contextlib
import threading

import numpy as np

from . import functional as F

__all__ = ["Tensor", "no_grad", "enable_grad", "is_grad_enabled", "fused_op", "as_tensor"]

_state = threading.local()


def is_grad_enabled():
    """True unless inside a :func:`no_grad` block (per thread)."""
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def _grad_mode(enabled):
    previous = is_grad_enabled()
    _state.enabled = enabled
    try:
        yield
    finally:
        _state.enabled = previous


def no_grad():
    """Context manager: operations inside it record no graph and results need no grad.

    >>> with no_grad():
    ...     y = model(x)          # cheaper: nothing is kept for backward
    """
    return _grad_mode(False)


def enable_grad():
    """Context manager that turns graph recording back on inside a ``no_grad`` block."""
    return _grad_mode(True)


def _to_array(data):
    """ndarray for ``data``: float arrays keep their dtype, everything else is float64."""
    if isinstance(data, np.ndarray):
        if data.dtype.kind == "f":
            return data
        if data.dtype.kind in "iub":
            return data.astype(np.float64)
        raise ValueError(f"data: expected real numbers, got an array of dtype {data.dtype}")
    if isinstance(data, np.floating):
        return np.asarray(data)
    array = np.asarray(data, dtype=np.float64)
    return array


def _unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing numpy broadcasting.

    grad : ndarray of the broadcast result's shape, e.g. (N, M)
    shape : tuple, the operand's shape, e.g. (M,) or (N, 1) or ()
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


class Tensor:
    """An ndarray that can record the operations applied to it and backpropagate.

    Parameters
    ----------
    data : array_like
        Float ndarrays are used as they are (no copy, dtype kept: a float32 array stays
        float32). Python numbers, lists and integer arrays become float64.
    requires_grad : bool
        Whether gradients should be computed for this tensor (True for parameters).

    Attributes
    ----------
    data : ndarray
    grad : ndarray or None
        dL/d(this tensor), same shape and dtype as ``data``; None until a backward pass
        reaches it.
    requires_grad : bool
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_op",
                 "__weakref__")
    # No __eq__ on purpose: tensors hash by identity, which the graph code relies on.
    __array_priority__ = 1000
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, requires_grad=False):
        if isinstance(data, Tensor):
            data = data.data
        self.data = _to_array(data)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self._op = ""

    # ---- building the graph -------------------------------------------------------
    @classmethod
    def from_op(cls, data, parents, backward, op=""):
        """Make the result of an operation (a new graph node).

        Parameters
        ----------
        data : ndarray
            The forward result.
        parents : tuple of Tensor
            The operation's tensor inputs.
        backward : callable ``grad -> tuple``
            Receives dL/d(result) (shape of ``data``) and returns one gradient per
            parent, in order (an ndarray of that parent's shape, or None when the parent
            needs no gradient). Called only if some parent requires grad.
        op : str
            A short name shown in ``repr`` and graph drawings.

        Returns a Tensor that records the graph only when gradients are enabled and at
        least one parent requires grad.
        """
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        out._op = op
        if _state.__dict__.get("enabled", True):
            for p in parents:
                if p.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    return out
        out.requires_grad = False
        out._parents = ()
        out._backward = None
        return out

    def backward(self, grad=None):
        """Backpropagate from this tensor: fill ``.grad`` of every tensor it depends on.

        Parameters
        ----------
        grad : array_like, optional
            dL/d(self), same shape as ``self``. May be omitted only for a scalar
            (one-element) tensor, where it defaults to 1.

        Leaf tensors (parameters, inputs) *add* the new gradient to any existing
        ``.grad``; intermediate results get fresh gradients on every call.
        """
        if not self.requires_grad:
            raise ValueError(
                "backward: expected a tensor that requires grad (built from a tensor "
                "with requires_grad=True outside no_grad()), got one that does not"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"grad: expected an explicit gradient for a non-scalar tensor, "
                    f"got None for shape {self.shape}"
                )
            grad = np.array(1, dtype=self.data.dtype).reshape(self.data.shape)
        else:
            grad = np.array(grad.data if isinstance(grad, Tensor) else grad,
                            dtype=self.data.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"grad: expected shape {self.shape}, got shape {grad.shape}")
        order = _topological_order(self)
        for node in order:
            if node._parents:  # intermediate results start from scratch
                node.grad = None
        assigned = set()
        _accumulate(self, grad, assigned)
        for node in reversed(order):
            g_out = node.grad
            if g_out is None or node._backward is None:
                continue
            grads = node._backward(g_out)
            if type(grads) is not tuple:
                grads = tuple(grads) if isinstance(grads, list) else (grads,)
            for parent, g in zip(node._parents, grads):
                if g is not None and parent.requires_grad:
                    _accumulate(parent, g, assigned, node)

    # ---- small helpers --------------------------------------------------------------
    def detach(self):
        """A tensor sharing the same data but outside the graph (requires_grad=False)."""
        return Tensor(self.data)

    def zero_grad(self):
        """Forget the accumulated gradient (``grad = None``)."""
        self.grad = None

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python float."""
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self._op:
            extra += f", op={self._op!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    # ---- elementwise arithmetic ---------------------------------------------------
    def _operand(self, other):
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float, np.integer, np.floating)):
            return Tensor(np.asarray(other, dtype=self.data.dtype))
        return Tensor(other)

    def __add__(self, other):
        other = self._operand(other)
        a, b = self, other

        def backward(g):
            return _unbroadcast(g, a.shape), _unbroadcast(g, b.shape)

        return Tensor.from_op(a.data + b.data, (a, b), backward, "+")

    def __sub__(self, other):
        other = self._operand(other)
        a, b = self, other

        def backward(g):
            return _unbroadcast(g, a.shape), _unbroadcast(-g, b.shape)

        return Tensor.from_op(a.data - b.data, (a, b), backward, "-")

    def __mul__(self, other):
        other = self._operand(other)
        a, b = self, other

        def backward(g):
            ga = _unbroadcast(g * b.data, a.shape) if a.requires_grad else None
            gb = _unbroadcast(g * a.data, b.shape) if b.requires_grad else None
            return ga, gb

        return Tensor.from_op(a.data * b.data, (a, b), backward, "*")

    def __truediv__(self, other):
        other = self._operand(other)
        a, b = self, other

        def backward(g):
            ga = _unbroadcast(g / b.data, a.shape) if a.requires_grad else None
            gb = (_unbroadcast(-g * a.data / (b.data * b.data), b.shape)
                  if b.requires_grad else None)
            return ga, gb

        return Tensor.from_op(a.data / b.data, (a, b), backward, "/")

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor) or not np.isscalar(exponent):
            raise ValueError(
                f"exponent: expected a constant number, got {type(exponent).__name__} "
                "(use exp/log for a tensor exponent)"
            )
        if isinstance(exponent, np.generic):
            exponent = exponent.item()  # a Python number keeps float32 data float32
        a = self

        def backward(g):
            return g * (exponent * a.data ** (exponent - 1))

        return Tensor.from_op(a.data ** exponent, (a,), backward, f"**{exponent}")

    def __rpow__(self, base):
        """``base ** self`` for a constant positive ``base``."""
        out_data = np.power(np.asarray(base, dtype=self.data.dtype), self.data)
        log_base = np.log(np.asarray(base, dtype=self.data.dtype))

        def backward(g):
            return g * out_data * log_base

        return Tensor.from_op(out_data, (self,), backward, "rpow")

    def __neg__(self):
        return Tensor.from_op(-self.data, (self,), lambda g: -g, "neg")

    def __radd__(self, other):
        return self._operand(other) + self

    def __rsub__(self, other):
        return self._operand(other) - self

    def __rmul__(self, other):
        return self._operand(other) * self

    def __rtruediv__(self, other):
        return self._operand(other) / self

    # ---- matrix product -----------------------------------------------------------
    def __matmul__(self, other):
        other = self._operand(other)
        a, b = self, other
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"@: expected operands with at least one dimension, "
                f"got shapes {a.shape} and {b.shape}"
            )
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != inner_b:
            raise ValueError(
                f"@: expected the last dimension of the left operand to equal the "
                f"{'first' if b.ndim == 1 else 'second-to-last'} dimension of the right "
                f"one, got shapes {a.shape} and {b.shape} ({a.shape[-1]} != {inner_b})"
            )

        def backward(g):
            a2 = a.data[None, :] if a.ndim == 1 else a.data
            b2 = b.data[:, None] if b.ndim == 1 else b.data
            g2 = g
            if a.ndim == 1 and b.ndim == 1:
                g2 = np.reshape(g, (1, 1))
            elif a.ndim == 1:
                g2 = np.expand_dims(g, -2)
            elif b.ndim == 1:
                g2 = np.expand_dims(g, -1)
            ga = gb = None
            if a.requires_grad:
                ga = _unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            if b.requires_grad:
                gb = _unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            return ga, gb

        return Tensor.from_op(a.data @ b.data, (a, b), backward, "@")

    def __rmatmul__(self, other):
        return self._operand(other) @ self

    # ---- reductions -----------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (int, tuple or None for all entries)."""
        a = self

        def backward(g):
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            return np.broadcast_to(g, a.shape).copy()

        out = np.asarray(a.data.sum(axis=axis, keepdims=keepdims))
        return Tensor.from_op(out, (a,), backward, "sum")

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (int, tuple or None for all entries)."""
        if axis is None:
            count = self.data.size
        else:
            axes = axis if isinstance(axis, tuple) else (axis,)
            count = int(np.prod([self.shape[i] for i in axes]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / max(count, 1))

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; the gradient goes to the maximal entries (shared
        equally between ties)."""
        a = self
        out_keep = a.data.max(axis=axis, keepdims=True)

        def backward(g):
            g = g if keepdims or axis is None else np.expand_dims(g, axis)
            if axis is None:
                g = np.reshape(g, (1,) * a.ndim)
            mask = a.data == out_keep
            return mask * (g / mask.sum(axis=axis, keepdims=True))

        out = out_keep if keepdims else np.asarray(a.data.max(axis=axis))
        return Tensor.from_op(out, (a,), backward, "max")

    # ---- shape --------------------------------------------------------------------
    def reshape(self, *shape):
        """Same data, new shape (``x.reshape(2, 3)`` or ``x.reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        a = self
        return Tensor.from_op(a.data.reshape(shape), (a,),
                              lambda g: g.reshape(a.shape), "reshape")

    def transpose(self, *axes):
        """Permute the axes (reverse them when no axes are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        axes = axes or None
        inverse = None if axes is None else tuple(np.argsort(axes))
        return Tensor.from_op(self.data.transpose(axes), (self,),
                              lambda g: g.transpose(inverse), "transpose")

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return self.transpose()

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        a = self
        basic = _is_basic_index(index)

        def backward(g):
            full = np.zeros_like(a.data)
            if basic:
                full[index] = g
            else:
                np.add.at(full, index, g)
            return full

        return Tensor.from_op(a.data[index], (a,), backward, "getitem")

    def astype(self, dtype):
        """Convert to another float dtype; the gradient is converted back."""
        a = self
        return Tensor.from_op(a.data.astype(dtype), (a,),
                              lambda g: g.astype(a.dtype), "astype")

    # ---- elementwise functions ----------------------------------------------------
    def exp(self):
        out = np.exp(self.data)
        return Tensor.from_op(out, (self,), lambda g: g * out, "exp")

    def log(self):
        """Natural logarithm (entries must be positive)."""
        a = self
        return Tensor.from_op(np.log(a.data), (a,), lambda g: g / a.data, "log")

    def sqrt(self):
        out = np.sqrt(self.data)
        return Tensor.from_op(out, (self,), lambda g: g / (2 * out), "sqrt")

    def abs(self):
        a = self
        return Tensor.from_op(np.abs(a.data), (a,), lambda g: g * np.sign(a.data), "abs")

    def relu(self):
        return fused_op(F.relu_forward, F.relu_backward, self, op="relu")

    def leaky_relu(self, negative_slope=0.01):
        return fused_op(F.leaky_relu_forward, F.leaky_relu_backward, self,
                        negative_slope=negative_slope, op="leaky_relu")

    def sigmoid(self):
        return fused_op(F.sigmoid_forward, F.sigmoid_backward, self, op="sigmoid")

    def tanh(self):
        return fused_op(F.tanh_forward, F.tanh_backward, self, op="tanh")

    def softmax(self, axis=-1):
        return fused_op(F.softmax_forward, F.softmax_backward, self, axis=axis, op="softmax")

    def log_softmax(self, axis=-1):
        return fused_op(F.log_softmax_forward, F.log_softmax_backward, self, axis=axis,
                        op="log_softmax")


def as_tensor(x):
    """``x`` if it is already a Tensor, else ``Tensor(x)`` (no copy for float arrays)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def fused_op(forward, backward, *inputs, op=None, **kwargs):
    """Apply a :mod:`nnlib.functional` forward/backward pair as ONE graph node.

    Parameters
    ----------
    forward : callable ``(*arrays, **kwargs) -> (out, cache)``
    backward : callable ``(dout, cache) -> grad or tuple of grads`` (one per input)
    *inputs : Tensor or array_like, the differentiable inputs
    op : str, name of the node (defaults to the forward's name)
    **kwargs : constant arguments passed to ``forward`` (e.g. ``axis=1``)

    >>> y = fused_op(F.tanh_forward, F.tanh_backward, x)
    """
    tensors = tuple(as_tensor(t) for t in inputs)
    out, cache = forward(*(t.data for t in tensors), **kwargs)

    def node_backward(g):
        grads = backward(g, cache)
        return grads if isinstance(grads, (tuple, list)) else (grads,)

    name = op or forward.__name__.replace("_forward", "")
    return Tensor.from_op(out, tensors, node_backward, name)


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
        for i in items
    )


def _topological_order(root):
    """Tensors of root's graph that require grad, inputs first, ``root`` last.

    Iterative depth-first search, so deep graphs (long RNN unrolls, many small ops)
    never hit Python's recursion limit.
    """
    order, visited = [], {root}
    stack = [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent.requires_grad and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent._parents)))
                break
        else:  # every parent is placed: the node can follow them
            stack.pop()
            order.append(node)
    return order


def _accumulate(tensor, g, assigned, node=None):
    """Add gradient ``g`` into ``tensor.grad`` (assign on the first write).

    The sum is out of place and an array already given to another tensor is copied, so
    no two tensors ever share (and later corrupt) one gradient array.
    """
    data = tensor.data
    if g.shape != data.shape:
        op = node._op if node is not None else "backward"
        raise ValueError(
            f"{op}: expected a gradient of shape {data.shape} for its input, "
            f"got shape {g.shape}"
        )
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    if tensor.grad is None:
        if id(g) in assigned or not g.flags.writeable:
            g = g.copy()
        assigned.add(id(g))
        tensor.grad = g
    else:
        tensor.grad = tensor.grad + g
