"""Normalisation layers: :class:`BatchNorm1d`, :class:`BatchNorm2d` (chapter 11: deep
networks) and :class:`LayerNorm` (chapter 14: transformers).

All three standardise their input, ``x_hat = (x - mean) / sqrt(var + eps)``, then scale and
shift it with learned ``weight`` (gamma, starts at 1) and ``bias`` (beta, starts at 0):
``y = weight * x_hat + bias``. They differ in *which* entries share a mean and a variance:

* batch norm: one per channel, over the batch (and over L, or H and W);
* layer norm: one per example (per position of a sequence), over its last dimensions.

Each layer is one graph node: the forward and backward passes below are written with numpy.
The backward pass of the standardisation, with ``dx_hat = dy * weight`` and means taken over
the normalised axes, is ``dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / std``.
"""
import numbers

import numpy as np

from .._checks import check_positive, check_size
from ..tensor import Tensor
from .module import Module, Parameter, as_input

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "layer_norm_forward",
           "layer_norm_backward"]


def float_dtype(dtype):
    """``np.dtype(dtype)``, which must be a float dtype (ValueError otherwise)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype: expected a float dtype such as np.float32, got {dtype}")
    return dtype


# ---------------------------------------------------------------------------------------
# standardisation over some axes, on plain arrays
# ---------------------------------------------------------------------------------------
def _mean(x, axes):
    """Mean over ``axes``, keeping them as 1s (``np.add.reduce`` directly: the same as
    ``x.mean(axes, keepdims=True)`` without its Python-level overhead)."""
    count = 1
    for axis in axes:
        count *= x.shape[axis]
    return np.add.reduce(x, axis=axes, keepdims=True) * (1.0 / count)


def standardize_forward(x, axes, eps, overwrite=False):
    """``x_hat = (x - mean) / sqrt(var + eps)`` with mean and (biased) var over ``axes``.

    overwrite : bool, whether ``x`` may be overwritten by ``x_hat`` (saves an array)
    Returns ``x_hat`` (shape of x), ``inv_std``, ``mean`` and ``var`` (the reduced axes
    kept as 1s).
    """
    mean = _mean(x, axes)
    if overwrite:
        x -= mean
        centred = x
    else:
        centred = x - mean
    var = _mean(centred * centred, axes)
    inv_std = 1.0 / np.sqrt(var + eps)
    centred *= inv_std
    return centred, inv_std, mean, var


def standardize_backward(dx_hat, x_hat, inv_std, axes, overwrite=False):
    """dL/dx from dL/dx_hat when mean and variance were taken over ``axes``.

    overwrite : bool, whether ``dx_hat`` may be overwritten by the result
    """
    mean_d = _mean(dx_hat, axes)
    mean_dx = _mean(dx_hat * x_hat, axes)
    dx = dx_hat if overwrite else dx_hat.copy()
    dx -= mean_d
    dx -= x_hat * mean_dx
    dx *= inv_std
    return dx


def _affine(x_hat, weight, bias):
    """``weight * x_hat + bias`` (either may be None)."""
    out = x_hat * weight if weight is not None else x_hat.copy()
    if bias is not None:
        out += bias
    return out


def layer_norm_forward(x, weight, bias, eps, ndim=1, overwrite=False):
    """Layer normalisation on arrays: standardise over the last ``ndim`` axes, then
    ``weight * x_hat + bias``.

    x : ndarray (..., S) with S the normalised shape (``ndim`` axes)
    weight, bias : ndarray of shape S, or None
    overwrite : bool, whether ``x`` may be overwritten (saves an array)
    Returns ``out`` (shape of x) and the cache for :func:`layer_norm_backward`.
    """
    axes = tuple(range(x.ndim - ndim, x.ndim))
    x_hat, inv_std, _, _ = standardize_forward(x, axes, eps, overwrite)
    return _affine(x_hat, weight, bias), (x_hat, inv_std, weight, bias is not None, axes)


def layer_norm_backward(dout, cache, need_dx=True):
    """Gradients of :func:`layer_norm_forward`: ``dx`` (or None), ``dweight`` and
    ``dbias`` (None for a missing parameter)."""
    x_hat, inv_std, weight, has_bias, axes = cache
    lead = tuple(range(dout.ndim - len(axes)))
    dweight = None if weight is None else np.add.reduce(dout * x_hat, axis=lead)
    dbias = np.add.reduce(dout, axis=lead) if has_bias else None
    dx = None
    if need_dx:
        dx_hat = dout if weight is None else dout * weight
        dx = standardize_backward(dx_hat, x_hat, inv_std, axes, overwrite=weight is not None)
    return dx, dweight, dbias


# ---------------------------------------------------------------------------------------
# batch normalisation
# ---------------------------------------------------------------------------------------
class _BatchNorm(Module):
    """Shared code of BatchNorm1d and BatchNorm2d (subclasses set ``_ranks``)."""

    _ranks = ()        # input ranks accepted, e.g. (2, 3)
    _layout = ""       # shapes for error messages

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=np.float64):
        self.num_features = check_size("num_features", num_features)
        self.eps = float(check_positive("eps", eps))
        if momentum is not None and (isinstance(momentum, bool)
                                     or not isinstance(momentum, numbers.Real)
                                     or not 0 <= momentum <= 1):
            raise ValueError(f"momentum: expected a number in [0, 1] or None, got {momentum!r}")
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dtype = float_dtype(dtype)
        c = self.num_features
        self.weight = Parameter(np.ones(c, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(c, dtype=dtype)) if affine else None
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, dtype=dtype))
            self.register_buffer("running_var", np.ones(c, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self):
        """Running mean back to 0, running variance to 1, batch count to 0."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def _check_input(self, x):
        if x.ndim not in self._ranks or x.shape[1] != self.num_features:
            raise ValueError(
                f"x: {type(self).__name__}(num_features={self.num_features}) expected input "
                f"of shape {self._layout.format(C=self.num_features)}, got shape {x.shape}"
            )

    def forward(self, x):
        """Normalise ``x`` per channel (axis 1): batch statistics in training mode (and
        the running ones updated), running statistics in evaluation mode."""
        x = as_input(x)
        self._check_input(x)
        axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel axis
        shape = (-1,) + (1,) * (x.ndim - 2)     # a (C,) vector broadcast against x
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            count = x.size // self.num_features
            if count < 2:
                raise ValueError(
                    f"x: {type(self).__name__} in training mode needs more than one value "
                    f"per channel to compute batch statistics, got shape {x.shape} (use "
                    "eval() to apply the running statistics to a single example)"
                )
            x_hat, inv_std, mean, var = standardize_forward(x.data, axes, self.eps)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean.reshape(-1), var.reshape(-1), count)
        else:
            inv_std = (1.0 / np.sqrt(self.running_var + self.eps)).reshape(shape)
            x_hat = (x.data - self.running_mean.reshape(shape)) * inv_std
        return self._node(x, x_hat, inv_std, axes, shape, use_batch)

    def _update_running_stats(self, mean, var, count):
        """running = (1 - momentum) running + momentum batch, with the *unbiased* batch
        variance (times count / (count - 1)); momentum None: a cumulative average."""
        self.num_batches_tracked += 1
        m = (1.0 / float(self.num_batches_tracked) if self.momentum is None
             else self.momentum)
        unbiased = var * (count / (count - 1))
        self.running_mean *= 1 - m
        self.running_mean += m * mean
        self.running_var *= 1 - m
        self.running_var += m * unbiased

    def _node(self, x, x_hat, inv_std, axes, shape, batch_stats):
        w, b = self.weight, self.bias
        out = _affine(x_hat, None if w is None else w.data.reshape(shape),
                      None if b is None else b.data.reshape(shape))

        def backward(g):
            dx_hat = g if w is None else g * w.data.reshape(shape)
            if not x.requires_grad:
                dx = None
            elif batch_stats:
                dx = standardize_backward(dx_hat, x_hat, inv_std, axes,
                                          overwrite=w is not None)
            else:  # running statistics are constants: a plain per-channel scaling
                dx = dx_hat * inv_std
            if w is None:
                return (dx,)
            return dx, (g * x_hat).sum(axis=axes), g.sum(axis=axes)

        parents = (x,) if w is None else (x, w, b)
        return Tensor.from_op(out, parents, backward, type(self).__name__.lower())

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features (chapter 11), as ``torch.nn.BatchNorm1d``.

    Input (N, C) or (N, C, L) -> output of the same shape. Each channel c is standardised
    with the mean and variance of ``x[:, c]`` (over N, and L when present), then scaled by
    ``weight[c]`` and shifted by ``bias[c]``.

    * Training mode: batch statistics (biased variance, dividing by the count) normalise,
      and the running estimates are updated with the *unbiased* batch variance:
      ``running = (1 - momentum) * running + momentum * batch``.
    * Evaluation mode (``model.eval()``): the running estimates normalise, so one example
      gives the same output whatever else is in its batch.

    Parameters
    ----------
    num_features : int, C
    eps : float, added to the variance before the square root
    momentum : float in [0, 1], or None for a cumulative average over all batches seen
    affine : bool, whether to learn ``weight`` and ``bias``
    track_running_stats : bool; if False, batch statistics are used in both modes
    dtype : float dtype of the parameters and buffers (float64 by default)

    Attributes
    ----------
    weight : Parameter (C,), starts at 1;  bias : Parameter (C,), starts at 0
    running_mean : buffer (C,), starts at 0;  running_var : buffer (C,), starts at 1
    num_batches_tracked : buffer, int, the number of training batches seen
    """

    _ranks = (2, 3)
    _layout = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of image channels (chapter 11), as ``torch.nn.BatchNorm2d``.

    Input (N, C, H, W) -> output (N, C, H, W). Each channel c is standardised with the mean
    and variance of ``x[:, c]`` over the batch and every pixel, then scaled by ``weight[c]``
    and shifted by ``bias[c]``. Training and evaluation modes, parameters and buffers as in
    :class:`BatchNorm1d`.
    """

    _ranks = (4,)
    _layout = "(N, {C}, H, W)"


# ---------------------------------------------------------------------------------------
# layer normalisation
# ---------------------------------------------------------------------------------------
class LayerNorm(Module):
    """Layer normalisation (chapter 14: transformers), as ``torch.nn.LayerNorm``.

    Standardises each example over its last ``len(normalized_shape)`` dimensions (for a
    sequence (N, T, D) with ``normalized_shape=D``: each position's D features), then
    ``y = weight * x_hat + bias`` elementwise. Same computation in training and evaluation
    mode; no running statistics.

    Parameters
    ----------
    normalized_shape : int or tuple of ints, the trailing shape to normalise, e.g. D
    eps : float, added to the variance before the square root
    elementwise_affine : bool, whether to learn ``weight`` and ``bias``
    bias : bool, whether to learn ``bias`` (when elementwise_affine)
    dtype : float dtype of the parameters (float64 by default)

    Attributes
    ----------
    weight : Parameter of shape normalized_shape, starts at 1
    bias : Parameter of shape normalized_shape, starts at 0

    Input (..., *normalized_shape) -> output of the same shape.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 dtype=np.float64):
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        try:
            shape = tuple(check_size("normalized_shape", n) for n in normalized_shape)
        except TypeError:
            raise ValueError(f"normalized_shape: expected an int or a tuple of ints, "
                             f"got {normalized_shape!r}") from None
        if not shape:
            raise ValueError("normalized_shape: expected at least one dimension, got ()")
        self.normalized_shape = shape
        self.eps = float(check_positive("eps", eps))
        self.elementwise_affine = bool(elementwise_affine)
        dtype = float_dtype(dtype)
        self.weight = (Parameter(np.ones(shape, dtype=dtype)) if elementwise_affine
                       else None)
        self.bias = (Parameter(np.zeros(shape, dtype=dtype))
                     if elementwise_affine and bias else None)

    def forward(self, x):
        x = as_input(x)
        k = len(self.normalized_shape)
        if x.ndim < k or x.shape[x.ndim - k:] != self.normalized_shape:
            raise ValueError(
                f"x: LayerNorm({self.normalized_shape}) expected input whose last "
                f"dimensions are {self.normalized_shape}, got shape {x.shape}"
            )
        w, b = self.weight, self.bias
        out, cache = layer_norm_forward(x.data, None if w is None else w.data,
                                        None if b is None else b.data, self.eps, k)

        def backward(g):
            dx, dw, db = layer_norm_backward(g, cache, need_dx=x.requires_grad)
            return (dx,) + tuple(d for d, p in ((dw, w), (db, b)) if p is not None)

        parents = (x,) + tuple(p for p in (w, b) if p is not None)
        return Tensor.from_op(out, parents, backward, "layer_norm")

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
