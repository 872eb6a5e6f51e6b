"""The 2-D convolution :class:`Conv2d` (chapter 12: a filter sliding over an image).

A convolution slides a small filter of shape (C, kH, kW) over an image (C, H, W) and at
every position takes the dot product of the filter with the patch under it. Computed that
way it is a Python loop over pixels, far too slow. The standard trick, *im2col*, copies
every patch into one row of a matrix (one row per output pixel), so that the whole layer is
ONE matrix product: ``(N*Ho*Wo, kH*kW*C) @ (kH*kW*C, F)``.

* :func:`patches` makes the patches without copying anything: a strided *view* of the
  input (``numpy.lib.stride_tricks.as_strided``), shape (N, Ho, Wo, kH, kW, C);
* :func:`im2col` copies them into the matrix, with a last column of ones when there is a
  bias: the bias then rides along in the product as one more row of the weight matrix, and
  its gradient comes out of the weight gradient's product for free;
* :func:`add_patches` is the way back (col2im): it adds gradients of patches into the image
  they came from, with one loop over the kH*kW positions inside the kernel (9 steps for a
  3x3 kernel), never over pixels;
* :func:`conv2d_forward` / :func:`conv2d_backward` are the layer as a cs231n-style pair of
  pure functions on ndarrays; :class:`Conv2d` wires them into the autograd graph as one
  node.

Arrays are (N, C, H, W) as in PyTorch: N images, C channels, H rows, W columns; F filters
(output channels); Ho, Wo the output's rows and columns. Internally the functions work on
channels-last *views* (N, H, W, C) of those arrays, so that the C numbers of one pixel sit
side by side in memory: copying patches is then a run of short contiguous copies, and the
layer's output (a view of the matrix product's result) costs no transpose at all.

The weights follow PyTorch exactly: ``weight`` (F, C, kH, kW), ``bias`` (F,), so trained
PyTorch weights copy across unchanged.
"""
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._checks import as_rng, check_size
from ..tensor import Tensor
from . import init
from .module import Module, Parameter, as_input

__all__ = ["Conv2d", "conv2d_forward", "conv2d_backward", "output_size", "patches",
           "im2col", "add_patches"]


# ---------------------------------------------------------------------------------------
# argument helpers (shared with pooling.py)
# ---------------------------------------------------------------------------------------
def _pair(name, value, allow_zero=False):
    """``value`` (an int or a pair of ints) as a tuple ``(along H, along W)``.

    Sizes and strides must be positive; paddings (``allow_zero=True``) may be 0.
    """
    low = 0 if allow_zero else 1
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int \
            and type(value[1]) is int and min(value) >= low:
        return value  # already checked (the layers pass their own pairs on every call)
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    ok = len(items) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= low
        for v in items)
    if not ok:
        what = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name}: expected a {what} integer or a pair of them, got {value!r}")
    return int(items[0]), int(items[1])


def output_size(size, kernel, stride, padding):
    """Output length along one axis: ``(size + 2 * padding - kernel) // stride + 1``.

    >>> output_size(8, 3, 1, 1)     # 'same' size for a 3x3 kernel with padding 1
    8
    >>> output_size(8, 2, 2, 0)     # 2x2 pooling halves it
    4
    """
    return (size + 2 * padding - kernel) // stride + 1


def _check_image(x, layer):
    """Raise ValueError unless ``x`` is 4-D (N, C, H, W). ``layer`` names the caller in the
    message: a string, or the Module itself (its repr is only built for the message)."""
    if x.ndim != 4:
        raise ValueError(
            f"x: {layer} expected a 4-D input (N, C, H, W), got shape {x.shape}"
        )


def _check_fits(x_shape, kernel, padding, layer):
    """Raise ValueError if the kernel is larger than the padded input."""
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        raise ValueError(
            f"x: {layer} has kernel_size {kernel}, larger than the padded input "
            f"{padded} (H, W) (input shape {tuple(x_shape)}, padding {padding})"
        )


# ---------------------------------------------------------------------------------------
# im2col and col2im
# ---------------------------------------------------------------------------------------
def channels_last(x):
    """The (N, H, W, C) view of an (N, C, H, W) array (no copy)."""
    return x.transpose(0, 2, 3, 1)


def channels_first(x):
    """The (N, C, H, W) view of an (N, H, W, C) array (no copy)."""
    return x.transpose(0, 3, 1, 2)


def pad_channels_last(xh, padding, fill=0.0):
    """Copy of ``xh`` (N, H, W, C) with ``padding = (ph, pw)`` rows/columns of ``fill``
    added on every side: (N, H + 2 ph, W + 2 pw, C). Returns ``xh`` itself if no padding."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return xh
    n, h, w, c = xh.shape
    shape = (n, h + 2 * ph, w + 2 * pw, c)
    out = np.zeros(shape, xh.dtype) if fill == 0 else np.full(shape, fill, xh.dtype)
    out[:, ph:ph + h, pw:pw + w, :] = xh
    return out


def patches(xh, kernel, stride):
    """Every kernel-sized patch of ``xh``, as a read-only strided view (no copy).

    Parameters
    ----------
    xh : ndarray (N, H, W, C), already padded (any memory layout)
    kernel : pair (kH, kW)
    stride : pair (sH, sW)

    Returns
    -------
    ndarray (N, Ho, Wo, kH, kW, C): entry ``[n, i, j, p, q, c]`` is
    ``xh[n, i * sH + p, j * sW + q, c]``. Moving one output row down (i + 1) moves sH rows
    in ``xh``, hence the strides ``sH * stride_H`` below; p and q walk inside the patch.
    """
    n, h, w, c = xh.shape
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    s_n, s_h, s_w, s_c = xh.strides
    return as_strided(xh, shape=(n, ho, wo, kh, kw, c),
                      strides=(s_n, sh * s_h, sw * s_w, s_h, s_w, s_c), writeable=False)


def im2col(xh, kernel, stride, ones_column=False):
    """The im2col matrix: one row per output pixel, holding the patch under the kernel.

    Parameters
    ----------
    xh : ndarray (N, Hp, Wp, C), already padded
    kernel, stride : pairs (along H, along W)
    ones_column : bool, end every row with a 1 (then ``cols @ [W; b]`` adds the bias
        inside the matrix product, and ``cols.T @ dout`` yields the bias gradient as its
        last row: cheaper than a separate broadcast add and column sum)

    Returns ndarray (N * Ho * Wo, kH * kW * C [+ 1]); row ``(n, i, j)`` is the patch
    ``patches(xh)[n, i, j]`` flattened in (p, q, c) order. This copy is the price of
    turning the convolution into one matrix product.
    """
    win = patches(xh, kernel, stride)                       # (N, Ho, Wo, kH, kW, C) view
    n, ho, wo, kh, kw, c = win.shape
    k = kh * kw * c
    if not ones_column:
        return win.reshape(n * ho * wo, k)                  # reshape of a view: a copy
    cols = np.empty((n, ho, wo, k + 1), dtype=xh.dtype)
    cols[..., k] = 1
    cols[..., :k].reshape(win.shape)[...] = win  # splitting the last axis: a view of cols
    return cols.reshape(n * ho * wo, k + 1)


def add_patches(dpatches, padded_shape, stride):
    """col2im, the adjoint of :func:`patches`: add each patch's gradient back where the
    patch came from (overlapping patches add up).

    Parameters
    ----------
    dpatches : ndarray (N, Ho, Wo, kH, kW, C), a gradient for every patch
    padded_shape : tuple (N, Hp, Wp, C), the shape that was passed to :func:`patches`
    stride : pair (sH, sW)

    Returns ndarray (N, Hp, Wp, C). One loop step per position (p, q) inside the kernel:
    that position of every patch lands on a strided grid of the image.
    """
    n, ho, wo, kh, kw, c = dpatches.shape
    sh, sw = stride
    dx = np.zeros(padded_shape, dtype=dpatches.dtype)
    for p in range(kh):
        for q in range(kw):
            dx[:, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw, :] += \
                dpatches[:, :, :, p, q, :]
    return dx


def _crop(xh, padding):
    """Remove ``padding = (ph, pw)`` from the borders of ``xh`` (N, Hp, Wp, C) (a view)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return xh
    return xh[:, ph:xh.shape[1] - ph, pw:xh.shape[2] - pw, :]


# ---------------------------------------------------------------------------------------
# the layer as a forward/backward pair
# ---------------------------------------------------------------------------------------
def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as in PyTorch) by im2col and one matrix product.

    Parameters
    ----------
    x : ndarray (N, C, H, W)
    w : ndarray (F, C, kH, kW), the F filters
    b : ndarray (F,), or None for no bias
    stride, padding : int or pair (along H, along W); zeros are padded on every side

    Returns
    -------
    out : ndarray (N, F, Ho, Wo) with ``Ho = (H + 2 padding - kH) // stride + 1`` (same for
        Wo); ``out[n, f, i, j] = b[f] + sum over c, p, q of
        w[f, c, p, q] * x_padded[n, c, i * stride + p, j * stride + q]``.
        (A channels-first view of a channels-last array: see the module's docstring.)
    cache : what :func:`conv2d_backward` needs
    """
    stride = _pair("stride", stride)
    padding = _pair("padding", padding, allow_zero=True)
    _check_image(x, "conv2d_forward")
    if w.ndim != 4 or w.shape[1] != x.shape[1]:
        raise ValueError(
            f"w: expected shape (F, {x.shape[1]}, kH, kW) for an input with {x.shape[1]} "
            f"channels, got shape {w.shape}"
        )
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"b: expected shape ({w.shape[0]},), got shape {b.shape}")
    kernel = w.shape[2:]
    _check_fits(x.shape, kernel, padding, "conv2d_forward")
    f, c, kh, kw = w.shape
    xp = pad_channels_last(channels_last(x), padding)       # (N, Hp, Wp, C)
    cols = im2col(xp, kernel, stride, ones_column=b is not None)  # (M, K [+ 1])
    wk = w.transpose(2, 3, 1, 0).reshape(kh * kw * c, f)    # (K, F), rows in (p, q, c) order
    if b is not None:
        wk = np.concatenate([wk, b[None, :].astype(wk.dtype, copy=False)])  # (K + 1, F)
    out = cols @ wk                                         # (M, F): the one product
    ho = output_size(x.shape[2], kh, stride[0], padding[0])
    wo = output_size(x.shape[3], kw, stride[1], padding[1])
    out = channels_first(out.reshape(x.shape[0], ho, wo, f))  # (N, F, Ho, Wo) view
    return out, (cols, w, xp.shape, padding, stride, b is not None)


def conv2d_backward(dout, cache, need_dx=True):
    """Gradients of :func:`conv2d_forward`.

    Parameters
    ----------
    dout : ndarray (N, F, Ho, Wo), the upstream gradient dL/dout
    cache : from :func:`conv2d_forward`
    need_dx : bool; False skips dx (when x is the data batch, not a hidden activation)

    Returns
    -------
    dx : ndarray (N, C, H, W), or None
    dw : ndarray (F, C, kH, kW)
    db : ndarray (F,), or None without bias
    """
    cols, w, padded_shape, padding, stride, has_bias = cache
    f, c, kh, kw = w.shape
    k = kh * kw * c
    d2 = channels_last(dout).reshape(-1, f)                 # (M, F)
    dwk = cols.T @ d2                                       # (K [+ 1], F)
    dw = np.ascontiguousarray(dwk[:k].reshape(kh, kw, c, f).transpose(3, 2, 0, 1))
    db = dwk[k].copy() if has_bias else None                # the ones column's row
    dx = None
    if need_dx:
        n, ho, wo = padded_shape[0], dout.shape[2], dout.shape[3]
        w2 = w.transpose(0, 2, 3, 1).reshape(f, k)          # (F, K)
        dcols = (d2 @ w2).reshape(n, ho, wo, kh, kw, c)     # gradient of every patch
        dxp = add_patches(dcols, padded_shape, stride)      # (N, Hp, Wp, C)
        dx = channels_first(_crop(dxp, padding))
    return dx, dw, db


# ---------------------------------------------------------------------------------------
# the Module
# ---------------------------------------------------------------------------------------
class Conv2d(Module):
    """2-D convolution over a batch of images (chapter 12), one graph node.

    Parameters
    ----------
    in_channels : int, C (1 for grey images, 3 for RGB)
    out_channels : int, F, the number of filters (feature maps produced)
    kernel_size : int or pair (kH, kW)
    stride : int or pair, step between neighbouring patches (default 1)
    padding : int or pair, zeros added on every side of the image (default 0;
        ``padding = kernel_size // 2`` keeps H and W for an odd kernel and stride 1);
        also ``"valid"`` (0) and ``"same"`` (that, for an odd kernel and stride 1)
    bias : bool, whether to learn one additive bias per filter
    rng : np.random.Generator or int seed (None: seed 0), source of the initial weights
    dtype : numpy float dtype, float64 by default (np.float32 for speed)

    Attributes
    ----------
    weight : Parameter (out_channels, in_channels, kH, kW), exactly PyTorch's layout
    bias : Parameter (out_channels,), or None

    Input (N, C, H, W) -> output (N, F, Ho, Wo) with
    ``Ho = (H + 2 * padding - kH) // stride + 1`` (and the same for Wo).

    Weights and biases start uniform in ``+-1 / sqrt(in_channels * kH * kW)``, as
    PyTorch's default (``kaiming_uniform_`` with ``a = sqrt(5)``).

    >>> conv = Conv2d(1, 16, 3, padding=1, rng=0)
    >>> conv(np.zeros((5, 1, 8, 8))).shape
    (5, 16, 8, 8)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 bias=True, rng=None, dtype=np.float64):
        self.in_channels = check_size("in_channels", in_channels)
        self.out_channels = check_size("out_channels", out_channels)
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.stride = _pair("stride", stride)
        self.padding = self._padding(padding)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"dtype: expected a float dtype, got {dtype}")
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(rng)

    def _padding(self, padding):
        """The padding pair; also PyTorch's ``"valid"`` (no padding) and ``"same"`` (output
        as large as the input: stride 1 and, here, an odd kernel)."""
        if not isinstance(padding, str):
            return _pair("padding", padding, allow_zero=True)
        if padding == "valid":
            return (0, 0)
        if padding == "same":
            if self.stride != (1, 1) or self.kernel_size[0] % 2 == 0 \
                    or self.kernel_size[1] % 2 == 0:
                raise ValueError(
                    f"padding: 'same' needs stride 1 and an odd kernel_size, got stride "
                    f"{self.stride} and kernel_size {self.kernel_size} (give the padding "
                    f"as numbers instead)"
                )
            return (self.kernel_size[0] // 2, self.kernel_size[1] // 2)
        raise ValueError(f"padding: expected an integer, a pair, 'valid' or 'same', "
                         f"got {padding!r}")

    def reset_parameters(self, rng=None):
        """PyTorch's default start: weight and bias uniform in +-1 / sqrt(fan_in), with
        fan_in = in_channels * kH * kW (``kaiming_uniform_`` with ``a = sqrt(5)``).
        ``rng``: a Generator or an int seed (None: seed 0)."""
        rng = as_rng(rng)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, x):
        x = as_input(x)
        _check_image(x, self)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"x: {self!r} expected {self.in_channels} input channel"
                f"{'' if self.in_channels == 1 else 's'} (N, {self.in_channels}, H, W), "
                f"got shape {x.shape}"
            )
        _check_fits(x.shape, self.kernel_size, self.padding, self)
        w, b = self.weight, self.bias
        out, cache = conv2d_forward(x.data, w.data, None if b is None else b.data,
                                    self.stride, self.padding)
        need_dx = x.requires_grad  # no dx for the data batch: saves the col2im

        def backward(g):
            return conv2d_backward(g, cache, need_dx)

        parents = (x, w) if b is None else (x, w, b)
        return Tensor.from_op(out, parents, backward, "conv2d")

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.bias is None:
            text += ", bias=False"
        return text
