"""Pooling layers :class:`MaxPool2d` and :class:`AvgPool2d` (chapter 12: pooling).

Pooling shrinks every feature map on its own: it slides a window over each channel and
keeps the largest value (max pooling) or the mean (average pooling) of each window. It
has no weights. A 2x2 window with stride 2 halves H and W; max pooling also makes the
network indifferent to a shift of a pixel or so inside each window.

Both layers look at every window at once, without a loop over pixels: the loops below
run over the kH*kW positions inside the kernel (4 for a 2x2 window), and each step is one
elementwise operation on a strided view holding that position of every window. In the
backward pass, all of a window's gradient goes to the entry that was the maximum (the first
one when several tie, as in PyTorch) for max pooling; for average pooling each entry of
the window gets an equal share.

Arrays are (N, C, H, W) as in PyTorch; (Ho, Wo) is the pooled size.
"""
import numpy as np

from ..tensor import fused_op
from .conv import (_check_fits, _check_image, _crop, _pair, channels_first, channels_last,
                   output_size, pad_channels_last)
from .module import Module, as_input

__all__ = ["MaxPool2d", "AvgPool2d", "maxpool2d_forward", "maxpool2d_backward",
           "avgpool2d_forward", "avgpool2d_backward"]


def _pool_settings(kernel_size, stride, padding):
    """Checked ``(kernel, stride, padding)`` pairs; stride None means the kernel size."""
    kernel = _pair("kernel_size", kernel_size)
    stride = kernel if stride is None else _pair("stride", stride)
    padding = _pair("padding", padding, allow_zero=True)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"padding: expected at most half the kernel size {kernel} on each axis, "
            f"got {padding} (a window must never lie in the padding only)"
        )
    return kernel, stride, padding


def _padded(x, kernel, stride, padding, fill, layer):
    """``x`` (N, C, H, W) checked and padded, channels last: ``(xp (N, Hp, Wp, C),
    (Ho, Wo))``. No copy without padding."""
    _check_image(x, layer)
    _check_fits(x.shape, kernel, padding, layer)
    xp = pad_channels_last(channels_last(x), padding, fill)
    out_shape = tuple(output_size(x.shape[2 + i], kernel[i], stride[i], padding[i])
                      for i in (0, 1))
    return xp, out_shape


def window_entries(xp, kernel, stride, out_shape):
    """For each position (p, q) inside the kernel, in reading order, the entries of ``xp``
    (N, Hp, Wp, C) at that position of every window: an (N, Ho, Wo, C) strided view
    (entry ``[n, i, j, c]`` is ``xp[n, i * sH + p, j * sW + q, c]``). Writing into the
    views writes into ``xp``."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_shape
    for p in range(kh):
        for q in range(kw):
            yield xp[:, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw, :]


# ---------------------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------------------
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling.

    Parameters
    ----------
    x : ndarray (N, C, H, W)
    kernel_size : int or pair (kH, kW)
    stride : int or pair, None for ``kernel_size`` (non-overlapping windows)
    padding : int or pair, at most half the kernel; padded entries count as -inf

    Returns
    -------
    out : ndarray (N, C, Ho, Wo), ``Ho = (H + 2 padding - kH) // stride + 1``
    cache : for :func:`maxpool2d_backward` (the padded input and the maxima)

    The maximum is taken one kernel position at a time (kH * kW elementwise
    ``np.maximum`` calls over all windows at once), which numpy does several times faster
    than a reduction over the two kernel axes of an im2col view.
    """
    kernel, stride, padding = _pool_settings(kernel_size, stride, padding)
    xp, out_shape = _padded(x, kernel, stride, padding, -np.inf, "maxpool2d_forward")
    out = None
    for values in window_entries(xp, kernel, stride, out_shape):
        out = values.copy() if out is None else np.maximum(out, values, out=out)
    return channels_first(out), (xp, out, kernel, stride, padding)


def maxpool2d_backward(dout, cache):
    """Gradient of :func:`maxpool2d_forward`: each window's gradient goes to its maximum,
    to the first one in reading order when several entries tie (as in PyTorch).

    dout : ndarray (N, C, Ho, Wo). Returns dx : ndarray (N, C, H, W).

    ``left`` holds the gradient of every window not yet handed out: at each kernel
    position it goes to the entries equal to the maximum, and is then 0 for those windows,
    so a later tie receives nothing.
    """
    xp, out, kernel, stride, padding = cache
    overlap = stride[0] < kernel[0] or stride[1] < kernel[1]
    dxp = np.zeros(xp.shape, dtype=dout.dtype)
    left = channels_last(dout).copy()                   # (N, Ho, Wo, C), channels last
    given = np.empty_like(left)
    positions = zip(window_entries(xp, kernel, stride, out.shape[1:3]),
                    window_entries(dxp, kernel, stride, out.shape[1:3]))
    for values, target in positions:
        np.multiply(left, values == out, out=given)
        if overlap:
            target += given                             # windows share entries: add up
        else:
            target[...] = given                         # each entry in one window at most
        left -= given
    return channels_first(_crop(dxp, padding))


# ---------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------
def avgpool2d_forward(x, kernel_size, stride=None, padding=0):
    """Average pooling (zero padding counts in the mean, PyTorch's default).

    x : ndarray (N, C, H, W); kernel_size, stride, padding as in :func:`maxpool2d_forward`.
    Returns ``(out (N, C, Ho, Wo), cache)``.
    """
    kernel, stride, padding = _pool_settings(kernel_size, stride, padding)
    xp, out_shape = _padded(x, kernel, stride, padding, 0.0, "avgpool2d_forward")
    total = None
    for values in window_entries(xp, kernel, stride, out_shape):
        total = values.copy() if total is None else np.add(total, values, out=total)
    total *= 1 / (kernel[0] * kernel[1])                # a Python float keeps float32
    return channels_first(total), (xp.shape, out_shape, kernel, stride, padding)


def avgpool2d_backward(dout, cache):
    """Gradient of :func:`avgpool2d_forward`: every entry of a window gets
    ``1 / (kH * kW)`` of the window's gradient. Returns dx (N, C, H, W)."""
    padded_shape, out_shape, kernel, stride, padding = cache
    share = channels_last(dout) * (1 / (kernel[0] * kernel[1]))
    dxp = np.zeros(padded_shape, dtype=dout.dtype)
    for target in window_entries(dxp, kernel, stride, out_shape):
        target += share
    return channels_first(_crop(dxp, padding))


# ---------------------------------------------------------------------------------------
# the Modules
# ---------------------------------------------------------------------------------------
class _Pool2d(Module):
    _forward = _backward = None
    _op = ""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = _pool_settings(
            kernel_size, stride, padding)

    def forward(self, x):
        x = as_input(x)
        _check_image(x, self)
        _check_fits(x.shape, self.kernel_size, self.padding, self)
        return fused_op(type(self)._forward, type(self)._backward, x, op=self._op,
                        kernel_size=self.kernel_size, stride=self.stride,
                        padding=self.padding)

    def extra_repr(self):
        text = f"kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text


class MaxPool2d(_Pool2d):
    """Max pooling over each channel (chapter 12); no parameters.

    Parameters
    ----------
    kernel_size : int or pair (kH, kW), the window
    stride : int or pair, default ``kernel_size`` (windows side by side, no overlap)
    padding : int or pair, default 0; at most half the kernel (padding counts as -inf)

    Input (N, C, H, W) -> output (N, C, Ho, Wo), ``Ho = (H + 2 padding - kH) // stride + 1``;
    ``MaxPool2d(2)`` halves H and W (rounding down). The gradient of each window goes to
    its largest entry (the first one in reading order when several tie, as in PyTorch).
    """

    _forward = staticmethod(maxpool2d_forward)
    _backward = staticmethod(maxpool2d_backward)
    _op = "maxpool2d"


class AvgPool2d(_Pool2d):
    """Average pooling over each channel (chapter 12); no parameters.

    Parameters
    ----------
    kernel_size : int or pair (kH, kW), the window
    stride : int or pair, default ``kernel_size``
    padding : int or pair, default 0; at most half the kernel (zeros, counted in the mean
        as in PyTorch's default ``count_include_pad=True``)

    Input (N, C, H, W) -> output (N, C, Ho, Wo), ``Ho = (H + 2 padding - kH) // stride + 1``.
    """

    _forward = staticmethod(avgpool2d_forward)
    _backward = staticmethod(avgpool2d_backward)
    _op = "avgpool2d"
