"""Finite-difference gradients: check backpropagation against the definition.

The derivative is a limit, ``(f(x + eps) - f(x - eps)) / (2 eps)`` for small eps (the
*central* difference, error O(eps**2)). It costs two evaluations of f per input entry,
far too slow for training but perfect to test a hand-written backward pass.

:func:`gradcheck` returns the largest relative error between the two. Typical values in
float64 with ``eps=1e-6``:

* below ``1e-7``: the gradient is right;
* ``1e-7`` to ``1e-4``: suspicious, unless the function has kinks (ReLU at 0, max with
  ties, clipping) close to the checked point;
* above ``1e-4``: almost certainly a bug.

Never gradcheck in float32: rounding errors alone reach 1e-3.
"""
import numpy as np

from .tensor import Tensor, no_grad

__all__ = ["numerical_gradient", "rel_error", "gradcheck"]


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function of an array.

    Parameters
    ----------
    f : callable ``ndarray -> number`` (if it returns an array, its sum is used)
    x : ndarray (or a view), float, any shape; modified in place during the call and
        restored
    eps : float, the step

    Returns
    -------
    grad : ndarray, shape of x, ``d f / d x``
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):  # works for views too: x is changed where it lives
        old = x[index]
        x[index] = old + eps
        f_plus = float(np.sum(f(x)))
        x[index] = old - eps
        f_minus = float(np.sum(f(x)))
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b, floor=1e-8):
    """Maximum relative error ``|a - b| / max(floor, |a| + |b|)`` over all entries.

    The ``floor`` avoids dividing by zero where both are (nearly) zero.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))


def gradcheck(fn, *inputs, eps=1e-6):
    """Compare backpropagation with finite differences for every input.

    Parameters
    ----------
    fn : callable ``(*tensors) -> Tensor``
        Must be deterministic (no fresh random dropout masks). A non-scalar result is
        summed. Pass constants (labels, masks) through a closure, not as inputs.
    *inputs : ndarray or Tensor, the points at which to check; float64 copies are made
    eps : float, finite-difference step

    Returns
    -------
    float : the largest relative error over all inputs and entries (see module doc for
        thresholds; below 1e-7 is great in float64).

    >>> gradcheck(lambda x, w: (x @ w).tanh(), rng.normal(size=(3, 4)), rng.normal(size=(4, 2)))
    """
    if not inputs:
        raise ValueError("inputs: expected at least one array to check, got none")
    tensors = [
        Tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64),
               requires_grad=True)
        for x in inputs
    ]
    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise ValueError(f"fn: expected it to return a Tensor, got {type(out).__name__}")
    if out.data.size != 1:
        out = out.sum()
    if out.requires_grad:  # else fn is flat in its inputs (e.g. a step): grads stay 0
        out.backward()

    def value(_):
        with no_grad():
            return np.sum(fn(*tensors).data)

    worst = 0.0
    for t in tensors:
        analytic = t.grad if t.grad is not None else np.zeros_like(t.data)
        numeric = numerical_gradient(value, t.data, eps)
        worst = max(worst, rel_error(analytic, numeric))
    return worst
