"""Dropout (chapter 10: a fix for overfitting)."""
import numbers

import numpy as np

from .. import functional as F
from .._checks import as_rng
from ..tensor import fused_op
from .module import Module, as_input

__all__ = ["Dropout"]


class Dropout(Module):
    """Inverted dropout: in training mode zero each entry with probability ``p`` and
    scale the others by ``1 / (1 - p)``; in evaluation mode do nothing.

    Parameters
    ----------
    p : float in [0, 1)
    rng : np.random.Generator or int seed, optional (pass one for reproducible masks)

    Shape: any input (N, ...) gives an output of the same shape. Chapter 10 measures what it
    does against overfitting.
    """

    def __init__(self, p=0.5, rng=None):
        if (isinstance(p, bool) or not isinstance(p, numbers.Real)
                or not 0 <= p < 1):
            raise ValueError(f"p: expected a probability in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng() if rng is None else as_rng(rng)

    def forward(self, x):
        x = as_input(x)
        if not self.training or self.p == 0:
            return x
        return fused_op(F.dropout_forward, F.dropout_backward, x, p=self.p, rng=self.rng,
                        op="dropout")

    def extra_repr(self):
        return f"p={self.p}"
