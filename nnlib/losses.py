"""Loss functions: each takes predictions and targets and returns a scalar Tensor.

Every loss checks its inputs (matching shapes, finite values, valid labels) and averages
over the batch; with that default it is ONE node of the graph (a fused forward/backward
pair from :mod:`nnlib.functional`), the fast path ``fit`` uses.

============================================  ======================================
``mse(pred, target)``                          regression
``binary_cross_entropy(probs, target)``        two classes, after a Sigmoid
``binary_cross_entropy_with_logits(z, t)``     two classes, raw scores (more stable)
``cross_entropy(logits, targets)``             C classes, raw scores, integer labels
============================================  ======================================

``reduction`` (PyTorch's argument) says what to return: ``"mean"`` (the default) the average
over the batch (every entry for the elementwise losses, every row for ``cross_entropy``),
``"sum"`` the total, ``"none"`` one loss per entry (per row for ``cross_entropy``). The same
losses as Modules, ``nn.MSELoss()`` and friends, are in :mod:`nnlib.nn.loss`.

:data:`LOSSES` maps these names to the functions (for dropdowns).
"""
import numbers

import numpy as np

from . import functional as F
from ._checks import check_finite, check_labels
from .ops import where
from .tensor import Tensor, as_tensor

__all__ = [
    "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "LOSSES", "REDUCTIONS",
]

#: The values of every loss's ``reduction`` argument.
REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction: expected one of {', '.join(map(repr, REDUCTIONS))}, got {reduction!r}"
        )
    return reduction


def _reduce(losses, reduction):
    """``losses`` (a Tensor of per-entry losses) summed, or as they are for "none"."""
    return losses.sum() if reduction == "sum" else losses


def _prediction(name, x):
    t = as_tensor(x)
    check_finite(name, t.data)
    return t


def _target_like(name, target, pred, pred_name):
    """Target as an array of pred's dtype and shape (no broadcasting allowed)."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.shape != pred.shape:
        raise ValueError(
            f"{name}: expected the same shape as {pred_name} {pred.shape}, got shape "
            f"{t.shape}" + (" (reshape one of them, e.g. with .reshape(-1))"
                            if t.size == pred.size else "")
        )
    check_finite(name, t)
    return t.astype(pred.dtype, copy=False)


def _check_unit_interval(name, values):
    if values.size and (values.min() < 0 or values.max() > 1):
        bad = values.min() if values.min() < 0 else values.max()
        raise ValueError(f"{name}: expected values in [0, 1], got {float(bad)!r}")


def mse(pred, target, reduction="mean"):
    """Squared error ``(pred - target)**2``, averaged over all entries by default.

    pred : Tensor or ndarray, shape (N,) or (N, D)
    target : Tensor or ndarray, same shape as pred (gradients flow to both if needed)
    reduction : "mean", "sum" or "none" (a loss per entry, shape of pred)
    """
    _check_reduction(reduction)
    pred = _prediction("pred", pred)
    target_t = as_tensor(target)
    _target_like("target", target_t, pred, "pred")
    if target_t.dtype != pred.dtype and not target_t.requires_grad:
        target_t = Tensor(target_t.data.astype(pred.dtype))
    if reduction != "mean":
        return _reduce((pred - target_t) ** 2, reduction)
    loss, cache = F.mse_forward(pred.data, target_t.data)
    return Tensor.from_op(loss, (pred, target_t), lambda g: F.mse_backward(g, cache), "mse")


def binary_cross_entropy(probs, target, eps=1e-7, reduction="mean"):
    """Binary cross-entropy on probabilities (e.g. the output of a Sigmoid).

    ``-(t log p + (1 - t) log(1 - p))``, averaged by default, with p clipped to
    [eps, 1 - eps] so that the loss stays finite (the gradient is zero where clipping
    happened).

    probs : Tensor or ndarray, values in [0, 1], shape (N,) or (N, 1) ...
    target : ndarray, same shape, values in [0, 1] (usually 0 or 1)
    reduction : "mean", "sum" or "none" (a loss per entry, shape of probs)
    """
    _check_reduction(reduction)
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < 0.5:
        raise ValueError(f"eps: expected a small number in (0, 0.5), got {eps!r}")
    probs = _prediction("probs", probs)
    _check_unit_interval("probs", probs.data)
    t = _target_like("target", target, probs, "probs")
    _check_unit_interval("target", t)
    if reduction != "mean":
        inside = (probs.data >= eps) & (probs.data <= 1 - eps)
        p = where(inside, probs, np.clip(probs.data, eps, 1 - eps))  # no gradient if clipped
        return _reduce(-(t * p.log() + (1 - t) * (1 - p).log()), reduction)
    loss, cache = F.bce_forward(probs.data, t, eps)
    return Tensor.from_op(loss, (probs,), lambda g: F.bce_backward(g, cache), "bce")


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Binary cross-entropy of ``sigmoid(logits)``, computed stably from the logits.

    logits : Tensor or ndarray, any real values, shape (N,) or (N, 1) ...
    target : ndarray, same shape, values in [0, 1]
    reduction : "mean", "sum" or "none" (a loss per entry, shape of logits)
    """
    _check_reduction(reduction)
    logits = _prediction("logits", logits)
    t = _target_like("target", target, logits, "logits")
    _check_unit_interval("target", t)
    if reduction != "mean":
        # max(z, 0) - z t + log(1 + exp(-|z|)): finite for any finite z
        z = logits
        return _reduce(z.relu() - z * t + ((-z.abs()).exp() + 1).log(), reduction)
    loss, cache = F.bce_with_logits_forward(logits.data, t)
    return Tensor.from_op(loss, (logits,), lambda g: F.bce_with_logits_backward(g, cache),
                          "bce_with_logits")


def cross_entropy(logits, targets, reduction="mean"):
    """Softmax cross-entropy with integer class labels, averaged over the batch by default.

    ``-log softmax(logits[n])[targets[n]]`` for each row n, with softmax and log fused
    (log-sum-exp), so it is finite even for logits of +-1e4.

    logits : Tensor or ndarray, shape (N, C), raw scores (no softmax before!)
    targets : int ndarray, shape (N,), class indices in [0, C)
    reduction : "mean", "sum" or "none" (a loss per row, shape (N,))
    """
    _check_reduction(reduction)
    logits = _prediction("logits", logits)
    if logits.ndim != 2:
        raise ValueError(f"logits: expected shape (N, C), got shape {logits.shape}")
    y = targets.data if isinstance(targets, Tensor) else targets
    y = check_labels("targets", y, logits.shape[1])
    if len(y) != logits.shape[0]:
        raise ValueError(
            f"targets: expected {logits.shape[0]} labels (one per row of logits "
            f"{logits.shape}), got {len(y)}"
        )
    if reduction != "mean":
        return _reduce(-logits.log_softmax(axis=1)[np.arange(len(y)), y], reduction)
    loss, cache = F.softmax_cross_entropy_forward(logits.data, y)
    return Tensor.from_op(loss, (logits,),
                          lambda g: F.softmax_cross_entropy_backward(g, cache),
                          "cross_entropy")


#: name -> loss function, ready for a dropdown.
LOSSES = {
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
}
