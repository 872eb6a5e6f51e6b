"""Losses as Modules, with PyTorch's names (chapter 5 introduces the losses, chapter 8
trains with them)::

    loss_fn = nn.CrossEntropyLoss()
    loss = loss_fn(model(x), y)          # the same as nnlib.losses.cross_entropy(...)

Each one calls its function in :mod:`nnlib.losses` (where the formulas, shapes and checks
are documented) with the ``reduction`` given when it was built: ``"mean"`` (default),
``"sum"`` or ``"none"``. ``nnlib.fit(model, X, y, loss=nn.CrossEntropyLoss(), ...)``
works too, with the default reduction.
"""
from .. import losses
from .module import Module

__all__ = ["MSELoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss"]


class _Loss(Module):
    """A loss with no parameters: ``forward(input, target)`` calls ``function``."""

    function = None  # the functional loss, set by each subclass

    def __init__(self, reduction="mean"):
        self.reduction = losses._check_reduction(reduction)

    def forward(self, input, target):
        return type(self).function(input, target, reduction=self.reduction)

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error between ``input`` and ``target`` (same shape, e.g. (N,) or
    (N, D)). See :func:`nnlib.losses.mse`."""

    function = staticmethod(losses.mse)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C) against integer labels (N,); takes raw
    scores, never probabilities. See :func:`nnlib.losses.cross_entropy`."""

    function = staticmethod(losses.cross_entropy)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (after a Sigmoid) against targets in [0, 1] of
    the same shape, e.g. (N, 1) and (N, 1) (chapter 5). See
    :func:`nnlib.losses.binary_cross_entropy`."""

    function = staticmethod(losses.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits: logits
    and targets of the same shape, e.g. (N, 1) (chapters 5 and 8). See
    :func:`nnlib.losses.binary_cross_entropy_with_logits`."""

    function = staticmethod(losses.binary_cross_entropy_with_logits)
