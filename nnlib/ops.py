"""Functions that combine several tensors, with PyTorch's names: :func:`cat`,
:func:`stack` and :func:`where` (also ``nnlib.cat``, ``nnlib.stack``, ``nnlib.where``).

Chapter 14's recurrent layers stack their per-step outputs, chapter 16's attention picks
masked scores with ``where``.
"""
import numpy as np

from .tensor import Tensor, _axis, _boolean, _unbroadcast, as_tensor

__all__ = ["cat", "stack", "where"]


def _tensors(name, tensors):
    """A non-empty list of Tensors (arrays and numbers are wrapped)."""
    if isinstance(tensors, (Tensor, np.ndarray)) or not hasattr(tensors, "__iter__"):
        raise ValueError(
            f"{name}: expected a list of tensors, got {type(tensors).__name__}"
        )
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(f"{name}: expected at least one tensor, got an empty list")
    return tensors


def cat(tensors, axis=0):
    """Join tensors along an existing ``axis``: (N1, D) and (N2, D) give (N1 + N2, D).

    The shapes must agree except along ``axis``; the gradient is split back into pieces.
    """
    tensors = _tensors("tensors", tensors)
    try:
        out = np.concatenate([t.data for t in tensors], axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ValueError(
            f"tensors: expected shapes that agree except along axis {axis}, got "
            f"{[t.shape for t in tensors]} ({error})"
        ) from None
    axis = _axis("axis", axis, tensors[0].ndim)
    ends = np.cumsum([t.shape[axis] for t in tensors])[:-1]
    return Tensor.from_op(out, tuple(tensors),
                          lambda g: tuple(np.split(g, ends, axis=axis)), "cat")


def stack(tensors, axis=0):
    """Join tensors of one shape along a new ``axis``: T tensors (N, D) give (T, N, D) with
    ``axis=0`` or (N, T, D) with ``axis=1``."""
    tensors = _tensors("tensors", tensors)
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(
            f"tensors: expected tensors of one shape, got {[t.shape for t in tensors]}"
        )
    axis = _axis("axis", axis, tensors[0].ndim + 1)
    out = np.stack([t.data for t in tensors], axis=axis)

    def backward(g):
        pieces = np.moveaxis(g, axis, 0)
        return tuple(pieces[i] for i in range(len(tensors)))

    return Tensor.from_op(out, tuple(tensors), backward, "stack")


def where(condition, x, y):
    """Entries of ``x`` where ``condition`` is True, of ``y`` elsewhere (all three
    broadcast together). Each gradient flows to the branch that was chosen.

    >>> where(x > 0, x, 0.1 * x)      # a leaky ReLU
    """
    condition = _boolean("condition", condition)
    x, y = _pair(x, y)
    try:
        out = np.where(condition, x.data, y.data)
    except ValueError:
        raise ValueError(
            f"condition, x, y: expected shapes that broadcast together, got "
            f"{condition.shape}, {x.shape} and {y.shape}"
        ) from None

    def backward(g):
        return (_unbroadcast(np.where(condition, g, 0), x.shape),
                _unbroadcast(np.where(condition, 0, g), y.shape))

    return Tensor.from_op(out, (x, y), backward, "where")


def _pair(x, y):
    """Two Tensors; a plain number takes the other operand's dtype (float32 stays float32)."""
    if isinstance(x, Tensor) and not isinstance(y, Tensor):
        return x, x._operand(y)
    if isinstance(y, Tensor) and not isinstance(x, Tensor):
        return y._operand(x), y
    return as_tensor(x), as_tensor(y)
