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
  broadcast axes (``_unbroadcast``).
* Dtypes are kept: float32 data gives float32 results and float32 gradients. Python
  numbers and lists become float64.
* Inside ``with no_grad():`` operations build no graph (evaluation, optimiser updates).

* In-place arithmetic (``p -= lr * p.grad``) changes the array itself and follows
  PyTorch's rules: on a parameter only inside ``with no_grad():``, never on a result that
  is part of a graph.

New fused operations (one graph node for a whole layer, the key to speed) are built with
:meth:`Tensor.from_op` or, from a forward/backward pair of :mod:`nnlib.functional`, with
:func:`fused_op`. The backward walk itself is in :mod:`nnlib.autograd`; functions of
several tensors (``cat``, ``stack``, ``where``) are in :mod:`nnlib.ops`.

Sections of the class: building the graph, arithmetic (``+ - * / ** @``), comparisons,
in-place updates, reductions (``sum``, ``mean``, ``var``, ``max``, ...), shape and indexing
(``reshape``, ``permute``, ``x[i]``, ``masked_fill``, ...), elementwise functions.
"""
import numbers

import numpy as np

from . import functional as F
from ._checks import check_float_dtype
from .autograd import (_state, backpropagate, enable_grad, is_grad_enabled,
                       next_sequence_number, no_grad)

__all__ = ["Tensor", "no_grad", "enable_grad", "is_grad_enabled", "fused_op", "as_tensor"]

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
    try:
        array = np.asarray(data)
    except (TypeError, ValueError):  # e.g. ragged nested lists
        array = None
    if array is None or array.dtype.kind not in "iubf":
        raise ValueError(
            f"data: expected real numbers (a number, a nested list of numbers or an "
            f"array), got {type(data).__name__}: {_preview(data)}"
        )
    return array.astype(np.float64, copy=False)


def _preview(value, width=60):
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


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

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_op", "_seq",
                 "__weakref__")
    # No __eq__ on purpose: tensors hash by identity, which the graph code relies on.
    __array_priority__ = 1000
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, requires_grad=False):
        if isinstance(data, Tensor):
            data = data.data
        self.data = _to_array(data)
        self.grad = None
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise ValueError(f"requires_grad: expected True or False, got {requires_grad!r}")
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
                    out._seq = next_sequence_number()  # newer than its parents
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
            grad = _to_array(grad.data if isinstance(grad, Tensor) else grad)
            grad = np.array(grad, dtype=self.data.dtype)  # a copy: never the caller's
            if grad.shape != self.shape:
                raise ValueError(f"grad: expected shape {self.shape}, got shape {grad.shape}")
        backpropagate(self, grad)

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
        if self.data.size != 1:
            raise ValueError(
                f"item: expected a tensor with one element, got shape {self.shape} "
                f"(reduce it first, e.g. .sum() or .mean())"
            )
        return self.data.item()

    def __float__(self):
        return float(self.item())

    def __bool__(self):
        """Truth of a one-element tensor; ambiguous (an error) for more, as in numpy."""
        if self.data.size != 1:
            raise ValueError(
                f"bool: the truth value of a tensor of shape {self.shape} is ambiguous; "
                f"use (x > 0).any() or (x > 0).all()"
            )
        return bool(self.data)

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
        if isinstance(exponent, (bool, np.bool_)) or \
                not isinstance(exponent, (numbers.Real, np.integer, np.floating)):
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

    # ---- comparisons: boolean ndarrays (masks), outside the graph -------------------------
    # (no __eq__: tensors hash by identity; compare x.data == y for an elementwise test)
    def __lt__(self, other):
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

    # ---- in-place updates, with PyTorch's rules ---------------------------------------
    # ``p -= lr * p.grad`` changes p.data itself (the same array: optimisers and the model
    # see the change) and is allowed on a parameter only inside ``with no_grad():``.
    def _check_inplace(self, op, other=None):
        """Raise ValueError unless changing this tensor in place keeps autograd right."""
        if self._parents:
            raise ValueError(
                f"{op}: this Tensor is the result of an operation ({self._op!r}) in a graph "
                f"and cannot be changed in place (its backward pass needs the old values); "
                f"compute a new tensor instead, e.g. y = y * 2"
            )
        if not is_grad_enabled():
            return
        if self.requires_grad:
            raise ValueError(
                f"{op}: a leaf Tensor that requires grad is being used in an in-place "
                f"operation; wrap the update in `with nnlib.no_grad():` (as optimisers do)"
            )
        if isinstance(other, Tensor) and other.requires_grad:
            raise ValueError(
                f"{op}: an operand that requires grad cannot be used in an in-place "
                f"operation (the graph would not record it); write x = x + y instead, or "
                f"wrap the update in `with nnlib.no_grad():`"
            )

    def _inplace(self, ufunc, other, op):
        self._check_inplace(op, other)
        value = other.data if isinstance(other, Tensor) else _to_array(other)
        if not _broadcasts_to(value.shape, self.shape):
            raise ValueError(
                f"{op}: expected an operand that broadcasts to the tensor's shape "
                f"{self.shape}, got shape {value.shape}"
            )
        ufunc(self.data, value, out=self.data)
        return self

    def __iadd__(self, other):
        return self._inplace(np.add, other, "+=")

    def __isub__(self, other):
        return self._inplace(np.subtract, other, "-=")

    def __imul__(self, other):
        return self._inplace(np.multiply, other, "*=")

    def __itruediv__(self, other):
        return self._inplace(np.true_divide, other, "/=")

    def __setitem__(self, index, value):
        """``x[index] = value`` changes the data in place (same rules as ``-=``)."""
        self._check_inplace("x[...] =", value)
        self.data[index.data if isinstance(index, Tensor) else index] = _data(value)

    def fill_(self, value):
        """Set every entry to the number ``value`` in place; returns self."""
        self._check_inplace("fill_", value)
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating)):
            raise ValueError(f"value: expected a number, got {_preview(value)}")
        self.data[...] = value
        return self

    def zero_(self):
        """Set every entry to 0 in place; returns self."""
        return self.fill_(0)

    def copy_(self, src):
        """Copy the entries of ``src`` (broadcastable to this shape) in place; returns self."""
        return self._inplace(lambda dst, value, out: np.copyto(out, value), src, "copy_")

    def requires_grad_(self, requires_grad=True):
        """Switch gradient tracking of a leaf tensor on or off in place; returns self."""
        if self._parents:
            raise ValueError(
                "requires_grad_: expected a leaf tensor (data or a parameter), got the result "
                f"of an operation ({self._op!r}); use .detach() to cut it from the graph"
            )
        self.requires_grad = bool(requires_grad)
        return self

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
            return np.broadcast_to(_keep_reduced_axes(g, a.shape, axis, keepdims), a.shape)

        out = np.asarray(a.data.sum(axis=axis, keepdims=keepdims))
        return Tensor.from_op(out, (a,), backward, "sum")

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (int, tuple or None for all entries)."""
        a = self
        out = np.asarray(a.data.mean(axis=axis, keepdims=keepdims))
        scale = 1.0 / max(a.data.size // max(out.size, 1), 1)  # 1 / entries per mean

        def backward(g):
            return np.broadcast_to(_keep_reduced_axes(g, a.shape, axis, keepdims) * scale,
                                   a.shape)

        return Tensor.from_op(out, (a,), backward, "mean")

    def var(self, axis=None, keepdims=False, *, correction=None, unbiased=None):
        """Variance over ``axis``: ``sum((x - mean)**2) / (n - correction)``.

        As in PyTorch the default is ``correction=1`` (``unbiased=True``): the unbiased
        estimate from a sample. ``correction=0`` (``unbiased=False``, numpy's default)
        divides by n: what batch normalisation uses to normalise its batch.
        """
        ddof = _correction(correction, unbiased)
        a = self
        mean = a.data.mean(axis=axis, keepdims=True)
        centered = a.data - mean
        n = a.data.size // max(mean.size, 1)  # entries per variance
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf/nan
            scale = np.asarray(1.0, dtype=a.dtype) / (n - ddof)
        out = np.asarray((centered * centered).sum(axis=axis, keepdims=keepdims) * scale)

        def backward(g):
            return _keep_reduced_axes(g, a.shape, axis, keepdims) * (2 * scale) * centered

        return Tensor.from_op(out, (a,), backward, "var")

    def std(self, axis=None, keepdims=False, *, correction=None, unbiased=None):
        """Standard deviation ``sqrt(var(...))`` (same arguments as :meth:`var`)."""
        return self.var(axis, keepdims, correction=correction, unbiased=unbiased).sqrt()

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis`` (int, tuple or None for all entries).

        Ties share the gradient equally, as PyTorch's ``amax`` and full ``max()`` do
        (PyTorch's ``max(dim)`` sends it to one of the tied entries).
        """
        return self._extreme(np.max, axis, keepdims, "max")

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis``; ties share the gradient equally (see :meth:`max`)."""
        return self._extreme(np.min, axis, keepdims, "min")

    def _extreme(self, reduce, axis, keepdims, op):
        a = self
        out_keep = reduce(a.data, axis=axis, keepdims=True)

        def backward(g):
            mask = a.data == out_keep
            share = np.reshape(g, out_keep.shape) / mask.sum(axis=axis, keepdims=True)
            return mask * share.astype(g.dtype, copy=False)

        out = out_keep if keepdims else np.squeeze(out_keep, axis=axis)
        return Tensor.from_op(out, (a,), backward, op)

    def argmax(self, axis=None):
        """Index of the maximum (an integer ndarray, no gradient), e.g. predicted classes."""
        return self.data.argmax(axis=axis)

    def argmin(self, axis=None):
        """Index of the minimum (an integer ndarray, no gradient)."""
        return self.data.argmin(axis=axis)

    # ---- shape --------------------------------------------------------------------
    def _reshaped(self, data, op):
        """A node whose data is ``data`` (this tensor's entries in a new shape)."""
        a = self
        return Tensor.from_op(data, (a,), lambda g: g.reshape(a.shape), op)

    def reshape(self, *shape):
        """Same data, new shape (``x.reshape(2, 3)`` or ``x.reshape((2, 3))``; one -1)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(
                f"shape: expected a shape with {self.size} entries (one -1 allowed) for a "
                f"tensor of shape {self.shape}, got {shape}"
            ) from None
        return self._reshaped(data, "reshape")

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge the axes ``start_dim..end_dim`` into one (PyTorch's ``flatten``):
        (N, C, H, W).flatten(1) is (N, C*H*W)."""
        start, end = (_axis("start_dim", start_dim, max(self.ndim, 1)),
                      _axis("end_dim", end_dim, max(self.ndim, 1)))
        if self.ndim == 0:
            return self.reshape(1)
        if start > end:
            raise ValueError(f"end_dim: expected an axis >= start_dim={start_dim}, got {end_dim}")
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self._reshaped(self.data.reshape(shape), "flatten")

    def unsqueeze(self, dim):
        """Insert an axis of length 1 at ``dim``: (3,).unsqueeze(0) is (1, 3)."""
        dim = _axis("dim", dim, self.ndim + 1)
        return self._reshaped(np.expand_dims(self.data, dim), "unsqueeze")

    def squeeze(self, dim=None):
        """Remove axes of length 1: all of them, or only ``dim`` (left alone, as in
        PyTorch, if its length is not 1)."""
        if dim is None:
            return self._reshaped(self.data.squeeze(), "squeeze")
        dim = _axis("dim", dim, self.ndim)
        if self.shape[dim] != 1:
            return self._reshaped(self.data, "squeeze")
        return self._reshaped(self.data.squeeze(dim), "squeeze")

    def permute(self, *dims):
        """Reorder the axes: ``x.permute(0, 2, 1)`` of (N, T, D) is (N, D, T)."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        normal = tuple(_axis("dims", d, self.ndim) for d in dims)
        if sorted(normal) != list(range(self.ndim)):
            raise ValueError(
                f"dims: expected a permutation of the {self.ndim} axes of a tensor of shape "
                f"{self.shape}, got {dims}"
            )
        inverse = tuple(np.argsort(normal))
        return Tensor.from_op(self.data.transpose(normal), (self,),
                              lambda g: g.transpose(inverse), "permute")

    def transpose(self, *axes):
        """Swap two axes, or permute them all.

        ``x.transpose(0, 1)``: two axes are swapped (PyTorch's meaning, so (N, T, D) becomes
        (T, N, D)); ``x.transpose(2, 0, 1)`` or a tuple: a full permutation (numpy's
        meaning, as :meth:`permute`); ``x.transpose()``: all axes reversed (``x.T``).
        """
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes:
            return self.permute(*reversed(range(self.ndim)))
        if len(axes) == 2:
            order = list(range(self.ndim))
            i, j = (_axis("axes", d, self.ndim) for d in axes)
            order[i], order[j] = order[j], order[i]
            return self.permute(*order)
        return self.permute(*axes)

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return self.transpose()

    def __getitem__(self, index):
        """Indexing and slicing as in numpy, with backward: basic indices (ints, slices)
        scatter the gradient back; integer-array indices add it up where an entry was
        picked several times (``np.add.at``)."""
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

    def masked_fill(self, mask, value):
        """A copy with ``value`` wherever ``mask`` is True (a boolean array broadcastable to
        this tensor's shape). No gradient reaches the filled entries. Chapter 16 fills the
        attention scores a position may not see with ``-inf``.
        """
        mask = _boolean("mask", mask)
        if not _broadcasts_to(mask.shape, self.shape):
            raise ValueError(
                f"mask: expected a shape that broadcasts to {self.shape}, got {mask.shape}"
            )
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating)):
            raise ValueError(f"value: expected a number, got {_preview(value)}")
        out = np.where(mask, float(value), self.data).astype(self.dtype, copy=False)
        return Tensor.from_op(out, (self,), lambda g: np.where(mask, 0, g), "masked_fill")

    def astype(self, dtype):
        """Convert to another float dtype; the gradient is converted back."""
        dtype = check_float_dtype("dtype", dtype)
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

    def sin(self):
        a = self
        return Tensor.from_op(np.sin(a.data), (a,), lambda g: g * np.cos(a.data), "sin")

    def cos(self):
        a = self
        return Tensor.from_op(np.cos(a.data), (a,), lambda g: -g * np.sin(a.data), "cos")

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
        """Softmax along ``axis`` (entries along it are positive and sum to 1)."""
        return fused_op(F.softmax_forward, F.softmax_backward, self, axis=axis, op="softmax")

    def log_softmax(self, axis=-1):
        """``log(softmax(x))`` along ``axis``, computed stably."""
        return fused_op(F.log_softmax_forward, F.log_softmax_backward, self, axis=axis,
                        op="log_softmax")


def as_tensor(x):
    """``x`` if it is already a Tensor, else ``Tensor(x)`` (no copy for float arrays)."""
    return x if isinstance(x, Tensor) else Tensor(x)


# ---- small helpers ----------------------------------------------------------------------
def _data(value):
    """The ndarray (or number) behind ``value``."""
    return value.data if isinstance(value, Tensor) else value


def _broadcasts_to(shape, target):
    """Whether an array of ``shape`` broadcasts to ``target`` without growing it."""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _keep_reduced_axes(g, shape, axis, keepdims):
    """Gradient of a reduction, with the reduced axes put back (as length 1)."""
    if keepdims:
        return g
    if axis is None:
        return np.reshape(g, (1,) * len(shape))
    return np.expand_dims(g, axis)


def _correction(correction, unbiased):
    """The ``ddof`` of a variance from PyTorch's ``correction`` / ``unbiased`` arguments."""
    if correction is not None and unbiased is not None:
        raise ValueError("correction, unbiased: expected at most one of them, got both")
    if unbiased is not None:
        if not isinstance(unbiased, (bool, np.bool_)):
            raise ValueError(f"unbiased: expected True or False, got {unbiased!r}")
        return 1 if unbiased else 0
    if correction is None:
        return 1
    if isinstance(correction, bool) or not isinstance(correction, numbers.Real) \
            or correction < 0:
        raise ValueError(f"correction: expected a number >= 0, got {correction!r}")
    return correction


def _axis(name, axis, ndim):
    """``axis`` as a non-negative int below ``ndim`` (negative axes count from the end)."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"{name}: expected an integer axis, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name}: expected an axis in [{-ndim}, {ndim - 1}], got {axis}"
        )
    return int(axis) % ndim


def _boolean(name, mask):
    """A boolean ndarray (PyTorch requires boolean masks too)."""
    mask = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(
            f"{name}: expected a boolean array (e.g. x > 0), got dtype {mask.dtype}"
        )
    return mask


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
