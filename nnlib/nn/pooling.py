"""Pooling layers :class:`MaxPool2d` and :class:`AvgPool2d` (chapter 12: pooling).

Pooling shrinks every feature map on its own: it slides a window over each channel and
keeps the largest value (max pooling) or the mean (average pooling) of each window. It
has no weights. A 2x2 window with stride 2 halves H and W; max pooling also makes the
network indifferent to a shift of a pixel or so inside each window.

Both layers reuse the convolution's im2col view (:func:`~nnlib.nn.conv.patches`): every
window at once, without a loop over pixels. The backward pass routes the gradient back
with :func:`~nnlib.nn.conv.add_patches`: for max pooling all of a window's gradient goes to
the entry that was the maximum (the first one when several tie, as in PyTorch); for
average pooling each entry of the window gets an equal share.

Arrays are (N, C, H, W) as in PyTorch; (Ho, Wo) is the pooled size.
"""
import numpy as np

from ..tensor import fused_op
from .conv import (_check_fits, _check_image, _crop, _pair, add_patches, channels_first,
                   channels_last, pad_channels_last, patches)
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


def _windows(x, kernel, stride, padding, fill, layer):
    """Every pooling window of ``x`` (N, C, H, W) as (N, Ho, Wo, kH * kW, C) (a copy)."""
    _check_image(x, layer)
    _check_fits(x.shape, kernel, padding, layer)
    xp = pad_channels_last(channels_last(x), padding, fill)     # (N, Hp, Wp, C)
    win = patches(xp, kernel, stride)                           # (N, Ho, Wo, kH, kW, C)
    n, ho, wo, kh, kw, c = win.shape
    return win.reshape(n, ho, wo, kh * kw, c), xp.shape


def _back_to_image(dwin, kernel, padded_shape, stride, padding):
    """Gradients of the windows (N, Ho, Wo, kH * kW, C) -> dx (N, C, H, W)."""
    n, ho, wo, _, c = dwin.shape
    dpatches = dwin.reshape(n, ho, wo, kernel[0], kernel[1], c)
    return channels_first(_crop(add_patches(dpatches, padded_shape, stride), padding))


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
    cache : for :func:`maxpool2d_backward` (the position of each window's maximum)
    """
    kernel, stride, padding = _pool_settings(kernel_size, stride, padding)
    win, padded_shape = _windows(x, kernel, stride, padding, -np.inf, "maxpool2d_forward")
    where = win.argmax(axis=3)[:, :, :, None, :]        # (N, Ho, Wo, 1, C); first on ties
    out = np.take_along_axis(win, where, axis=3)[:, :, :, 0, :]
    return channels_first(out), (where, win.shape, kernel, padded_shape, stride, padding)


def maxpool2d_backward(dout, cache):
    """Gradient of :func:`maxpool2d_forward`: each window's gradient goes to its maximum.

    dout : ndarray (N, C, Ho, Wo). Returns dx : ndarray (N, C, H, W).
    """
    where, win_shape, kernel, padded_shape, stride, padding = cache
    dwin = np.zeros(win_shape, dtype=dout.dtype)
    np.put_along_axis(dwin, where, channels_last(dout)[:, :, :, None, :], axis=3)
    return _back_to_image(dwin, kernel, padded_shape, stride, padding)


# ---------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------
def avgpool2d_forward(x, kernel_size, stride=None, padding=0):
    """Average pooling (zero padding counts in the mean, PyTorch's default).

    x : ndarray (N, C, H, W); kernel_size, stride, padding as in :func:`maxpool2d_forward`.
    Returns ``(out (N, C, Ho, Wo), cache)``.
    """
    kernel, stride, padding = _pool_settings(kernel_size, stride, padding)
    win, padded_shape = _windows(x, kernel, stride, padding, 0.0, "avgpool2d_forward")
    out = win.mean(axis=3)
    return channels_first(out), (win.shape, kernel, padded_shape, stride, padding)


def avgpool2d_backward(dout, cache):
    """Gradient of :func:`avgpool2d_forward`: every entry of a window gets
    ``1 / (kH * kW)`` of the window's gradient. Returns dx (N, C, H, W)."""
    win_shape, kernel, padded_shape, stride, padding = cache
    share = channels_last(dout)[:, :, :, None, :] / win_shape[3]
    dwin = np.broadcast_to(share, win_shape)
    return _back_to_image(dwin, kernel, padded_shape, stride, padding)


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
        name = f"{type(self).__name__}({self.extra_repr()})"
        _check_image(x, name)
        _check_fits(x.shape, self.kernel_size, self.padding, name)
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
