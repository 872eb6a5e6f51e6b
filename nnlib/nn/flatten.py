"""The :class:`Flatten` layer (chapter 12: from feature maps to the dense layers)."""
import math
import numbers

from .module import Module, as_input

__all__ = ["Flatten"]


def _dim(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: expected an integer axis, got {value!r}")
    return int(value)


class Flatten(Module):
    """Merge the axes ``start_dim`` to ``end_dim`` (both included) into one.

    Parameters
    ----------
    start_dim : int, first axis to merge (default 1: keep the batch axis)
    end_dim : int, last axis to merge (default -1: the last axis)

    With the defaults, input (N, C, H, W) -> output (N, C*H*W): the feature maps of a
    convolutional network become one row per image, ready for a :class:`Linear` layer.
    The order of the entries is numpy's (and PyTorch's) row-major order, so a PyTorch
    ``Linear`` placed after ``Flatten`` keeps its meaning when its weights are copied
    (transposed) into nnlib.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim = _dim("start_dim", start_dim)
        self.end_dim = _dim("end_dim", end_dim)

    def _axes(self, shape):
        """``(start, end)`` as non-negative axes of an input of ``shape``."""
        ndim = max(len(shape), 1)  # PyTorch treats a 0-d tensor as 1-d here
        axes = []
        for name, dim in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            if not -ndim <= dim < ndim:
                raise ValueError(
                    f"{name}: expected an axis in [{-ndim}, {ndim - 1}] for an input of "
                    f"shape {shape}, got {dim}"
                )
            axes.append(dim % ndim)
        if axes[0] > axes[1]:
            raise ValueError(
                f"start_dim, end_dim: expected start_dim to come no later than end_dim, "
                f"got axes {axes[0]} and {axes[1]} for an input of shape {shape}"
            )
        return axes

    def forward(self, x):
        x = as_input(x)
        start, end = self._axes(x.shape)
        if x.ndim == 0:
            return x.reshape(1)
        merged = math.prod(x.shape[start:end + 1])
        return x.reshape(x.shape[:start] + (merged,) + x.shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
