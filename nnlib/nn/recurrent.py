"""Recurrent layers (chapter 13): a hidden state carried from one time step to the next.

A recurrent layer reads a sequence one step at a time. At step t it combines the input
``x_t`` with its own previous output ``h_{t-1}`` (the *hidden state*, its memory of what
came before) through the same weights at every step:

* :class:`RNN`: ``h_t = tanh(x_t @ W_ih + b_ih + h_{t-1} @ W_hh + b_hh)`` (or ReLU);
* :class:`LSTM`: four *gates* computed the same way decide what a second state, the
  *cell* ``c_t``, forgets, what it writes and what it shows: ``c_t = f * c_{t-1} + i * g``,
  ``h_t = o * tanh(c_t)``;
* :class:`GRU`: two gates mix the old state and a candidate: ``h_t = (1 - z) * n + z * h_{t-1}``.

Shapes, batch first as everywhere in nnlib: N sequences, T time steps, D = ``input_size``
features per step, H = ``hidden_size``, G gates (RNN 1, LSTM 4, GRU 3). The layers take
(N, T, D) and return the hidden state at every step (N, T, H) and the last one (N, H).
Weights are stored (in, out) as in :class:`~nnlib.nn.Linear`, all gates side by side in
PyTorch's order: ``weight_ih`` (D, G*H), ``weight_hh`` (H, G*H), ``bias_ih`` and ``bias_hh``
(G*H,). PyTorch stores the transposes, ``weight_ih_l0`` (G*H, D): copy ``w.T`` across.

How the layers are computed
---------------------------
The pure functions :func:`rnn_forward` / :func:`rnn_backward`, :func:`lstm_forward` /
:func:`lstm_backward` and :func:`gru_forward` / :func:`gru_backward` (cs231n style, ndarrays
in and out) hold all the mathematics; the Modules make each call ONE node of the autograd
graph, whose backward function is *backpropagation through time* (BPTT) written by hand:
the loop over time run backwards, carrying ``dL/dh`` (and ``dL/dc``) from step t to step t-1.

* **One product per step.** ``x_t @ W_ih + h_{t-1} @ W_hh + b`` is one matrix product of
  the stacked weights ``[W_ih; W_hh; b]`` (D+H+1, G*H) with the stacked vector
  ``[x_t, h_{t-1}, 1]``, for all gates at once. Going back, the same stacked weights give
  dL/dx_t and dL/dh_{t-1} in one product, and ``dW += [x_t, h_{t-1}, 1]^T dL/da_t`` collects
  the gradients of W_ih, W_hh and the biases in one more.
* **Columns inside.** The loops hold a step's vectors as *columns*, features x batch (H, N),
  the transpose of the layer's (N, H): then every gate is a block of consecutive rows, and
  each elementwise operation runs over one contiguous stretch of memory. One array ``xh``
  (T+1, D+H+1, N) holds, for every step, the column ``[x_t; h_{t-1}; 1]`` (the LSTM adds
  ``c_{t-1}`` below): step t reads ``xh[t]`` and writes its ``h_t`` straight into
  ``xh[t+1]``, and the outputs returned are transposed *views* of it, no copies.
* **One tanh for every gate.** ``sigmoid(a) = (1 + tanh(a / 2)) / 2``: with the rows of the
  sigmoid gates' weights halved, one ``tanh`` over all gates, then ``* scale + shift``
  (0.5 and 0.5 for a sigmoid gate, 1 and 0 for a tanh one) gives every activation, and the
  activations' derivatives are ``scale^2 - (gate - shift)^2`` for all of them.

The cells :class:`RNNCell`, :class:`LSTMCell` and :class:`GRUCell` compute one step from
ordinary Tensor operations, the equations written as they are on paper: use them to look at
a network step by step. Unrolled over a sequence they give the layers' results.
"""
import numbers

import numpy as np

from .._checks import as_rng, check_size
from ..tensor import Tensor
from .module import Module, Parameter, as_input

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           "rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward",
           "gru_forward", "gru_backward"]


# ---------------------------------------------------------------------------------------
# pieces the three layers share
# ---------------------------------------------------------------------------------------
def _stacked_weights(w_ih, w_hh, b_ih, b_hh):
    """``[w_ih; w_hh; b_ih + b_hh]`` (D+H+1, G*H): the weights of the column ``[x; h; 1]``
    (a zero last row without biases)."""
    bias = np.zeros(w_hh.shape[1], np.result_type(w_ih, w_hh)) if b_ih is None else b_ih + b_hh
    return np.concatenate([w_ih, w_hh, bias[None]])


def _stacked_inputs(x, h0, H, dtype, extra_rows=0):
    """The working array ``xh`` (T+1, D+H+1+extra_rows, N) with ``xh[t] = [x_t; h_{t-1}; 1]``.

    x : (N, T, D); h0 : (N, H) or None (zeros). Filled here: the inputs x_0..x_{T-1}
    (row block ``:D``; zeros at T), the ones (row D+H) and h_{-1} = h0; the loop writes
    h_t into ``xh[t+1, D:D+H]``.
    """
    N, T, D = x.shape
    xh = np.empty((T + 1, D + H + 1 + extra_rows, N), dtype)
    xh[:T, :D] = x.transpose(1, 2, 0)
    xh[T, :D] = 0
    xh[0, D:D + H] = 0 if h0 is None else h0.T
    xh[:, D + H] = 1
    return xh


def _activation_rows(H, N, scales, dtype):
    """``scale``, ``shift`` (G*H, N) and ``scale**2``, one (scale, shift) per gate block:
    a gate's activation is ``tanh(scale * a) * scale + shift`` (see the module's doc)."""
    scale = np.repeat(np.asarray(scales, dtype), H)[:, None] * np.ones(N, dtype)
    shift = np.where(scale == 1, 0, 0.5).astype(dtype)
    return scale, shift, scale * scale


def _outputs(xh, D, H):
    """The results as views of ``xh``: output (N, T, H) and h_n (N, H)."""
    return xh[1:, D:D + H].transpose(2, 0, 1), xh[-1, D:D + H].T


def _outside_gradient(cache, dout, dh_n, dc_n=None):
    """dL/d(xh) from the gradients of the results (None: no gradient)."""
    dxh = np.zeros(cache["xh"].shape, cache["xh"].dtype)
    D, H = cache["D"], cache["H"]
    if dout is not None:
        dxh[1:, D:D + H] = dout.transpose(1, 2, 0)
    if dh_n is not None:
        dxh[-1, D:D + H] += dh_n.T
    if dc_n is not None:
        dxh[-1, D + H + 1:] += dc_n.T
    return dxh


def _bptt_buffers(cache, need_dx):
    """Arrays the backward loops share: dW (D+H+1, G*H), its per-step term, dL/d(xh[t])
    (D+H+1, N) and dx (T, D, N) (None if not needed)."""
    xh, w = cache["xh"], cache["w"]
    T, N, D = len(xh) - 1, xh.shape[2], cache["D"]
    dw = np.zeros_like(w)
    dx = np.empty((T, D, N), xh.dtype) if need_dx else None
    return dw, np.empty_like(w), np.zeros((len(w), N), xh.dtype), dx


def _step_weight_gradient(xh_t, da, dw, dw_t):
    """``dw += [x_t; h_{t-1}; 1] @ da^T``: this step's share of every weight's gradient."""
    np.matmul(xh_t, da.T, out=dw_t)
    dw += dw_t


def _gradients(cache, dx, dxh, dw_ih, dw_hh, db_ih, db_hh):
    """``(dx (N, T, D) or None, dh0 (N, H), dw_ih, dw_hh, db_ih, db_hh)`` in the layer's
    layout, from the loop's column arrays (bias gradients None without biases)."""
    D, H = cache["D"], cache["H"]
    if not cache["has_bias"]:
        db_ih = db_hh = None
    return (None if dx is None else dx.transpose(2, 0, 1), dxh[D:D + H].T,
            dw_ih, dw_hh, db_ih, db_hh)


# ---------------------------------------------------------------------------------------
# RNN
# ---------------------------------------------------------------------------------------
def rnn_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """Run a plain RNN over whole sequences.

    ``h_t = act(x_t @ w_ih + b_ih + h_{t-1} @ w_hh + b_hh)``, act = tanh or relu.

    Parameters
    ----------
    x : (N, T, D); h0 : (N, H) or None (zeros)
    w_ih : (D, H); w_hh : (H, H); b_ih, b_hh : (H,) or None
    nonlinearity : "tanh" or "relu"

    Returns
    -------
    out : (N, T, H), h_t for every step; h_n : (N, H), the last one (views of
        ``cache["xh"]``); cache : dict for :func:`rnn_backward`
    """
    N, T, D = x.shape
    H = w_hh.shape[0]
    w = _stacked_weights(w_ih, w_hh, b_ih, b_hh)            # (D+H+1, H)
    xh = _stacked_inputs(x, h0, H, np.result_type(x, w))
    w_rows = np.ascontiguousarray(w.T)                      # (H, D+H+1)
    for t in range(T):
        h = xh[t + 1, D:D + H]
        np.matmul(w_rows, xh[t], out=h)                     # x_t W_ih + h_{t-1} W_hh + b
        if nonlinearity == "tanh":
            np.tanh(h, out=h)
        else:
            np.maximum(h, 0, out=h)
    cache = {"xh": xh, "w": w, "D": D, "H": H, "has_bias": b_ih is not None,
             "nonlinearity": nonlinearity}
    return (*_outputs(xh, D, H), cache)


def _rnn_bptt(dxh_out, cache, need_dx=True):
    """Backpropagation through time for the RNN.

    dxh_out : like ``cache["xh"]``, dL/dh_t from outside the layer in ``[t+1, D:D+H]``.
    Returns ``(dx, dh0, dw_ih, dw_hh, db_ih, db_hh)``.
    """
    xh, w, D, H = cache["xh"], cache["w"], cache["D"], cache["H"]
    dw, dw_t, dxh, dx = _bptt_buffers(cache, need_dx)       # dxh: dL/d[x_t; h_{t-1}; 1]
    da = np.empty_like(xh[0, D:D + H])                      # dL/d(pre-activation), (H, N)
    local = np.empty_like(da)
    for t in reversed(range(len(xh) - 1)):
        h = xh[t + 1, D:D + H]
        np.add(dxh[D:D + H], dxh_out[t + 1, D:D + H], out=da)   # dL/dh_t: later steps + outside
        if cache["nonlinearity"] == "tanh":                 # tanh' = 1 - h^2
            np.multiply(h, h, out=local)
            np.subtract(1, local, out=local)
        else:                                               # relu' = 1 where h > 0
            np.greater(h, 0, out=local)
        da *= local
        np.matmul(w, da, out=dxh)
        _step_weight_gradient(xh[t], da, dw, dw_t)
        if dx is not None:
            dx[t] = dxh[:D]
    return _gradients(cache, dx, dxh, dw[:D], dw[D:D + H], dw[D + H], dw[D + H])


def rnn_backward(dout, dh_n, cache):
    """Gradients of :func:`rnn_forward`.

    dout : (N, T, H) or None, dL/d(out); dh_n : (N, H) or None, dL/d(h_n).
    Returns ``(dx (N, T, D), dh0 (N, H), dw_ih, dw_hh, db_ih, db_hh)`` (bias grads None
    without biases).
    """
    return _rnn_bptt(_outside_gradient(cache, dout, dh_n), cache)


# ---------------------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------------------
def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
    """Run an LSTM over whole sequences (gates in PyTorch's order i, f, g, o).

    With ``a = x_t @ w_ih + b_ih + h_{t-1} @ w_hh + b_hh`` split into four (N, H) blocks:
    ``i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o)``, ``g = tanh(a_g)``,
    ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)``.

    Parameters
    ----------
    x : (N, T, D); h0, c0 : (N, H) or None (zeros)
    w_ih : (D, 4H); w_hh : (H, 4H); b_ih, b_hh : (4H,) or None

    Returns
    -------
    out : (N, T, H); h_n, c_n : (N, H) (views of ``cache["xh"]``, whose rows D+H+1 on hold
        c_{t-1}); cache : dict for :func:`lstm_backward`
    """
    N, T, D = x.shape
    H = w_hh.shape[0]
    K = D + H + 1                                           # rows of [x_t; h_{t-1}; 1]
    w = _stacked_weights(w_ih, w_hh, b_ih, b_hh)            # (K, 4H)
    dtype = np.result_type(x, w)
    scale, shift, _ = _activation_rows(H, N, (0.5, 0.5, 1, 0.5), dtype)
    w_rows = np.ascontiguousarray(w.T * scale[:, :1])       # (4H, K), sigmoid rows halved
    xh = _stacked_inputs(x, h0, H, dtype, extra_rows=H)     # xh[t, K:] = c_{t-1}
    xh[0, K:] = 0 if c0 is None else c0.T
    gates = np.empty((T, 4 * H, N), dtype)                  # i, f, g, o at every step
    tanh_c = np.empty((T, H, N), dtype)
    ig = np.empty((H, N), dtype)
    for t in range(T):
        a = gates[t]
        np.matmul(w_rows, xh[t, :K], out=a)
        np.tanh(a, out=a)
        a *= scale                                          # i, f, o: sigmoid; g: tanh
        a += shift
        i, f, g, o = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        c = xh[t + 1, K:]
        np.multiply(f, xh[t, K:], out=c)                    # c_t = f c_{t-1} + i g
        np.multiply(i, g, out=ig)
        c += ig
        np.tanh(c, out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=xh[t + 1, D:D + H])   # h_t = o tanh(c_t)
    cache = {"xh": xh, "w": w, "gates": gates, "tanh_c": tanh_c, "D": D, "H": H,
             "has_bias": b_ih is not None}
    return (*_outputs(xh, D, H), xh[T, K:].T, cache)


def _lstm_bptt(dxh_out, cache, need_dx=True):
    """Backpropagation through time for the LSTM.

    dxh_out : like ``cache["xh"]``: dL/dh_t from outside in ``[t+1, D:D+H]`` and dL/dc_T
    in ``[T, D+H+1:]``. Returns ``(dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh)``.
    """
    xh, w, gates, tanh_c = cache["xh"], cache["w"], cache["gates"], cache["tanh_c"]
    D, H = cache["D"], cache["H"]
    T, K, N = len(gates), D + H + 1, xh.shape[2]
    _, shift, scale2 = _activation_rows(H, N, (0.5, 0.5, 1, 0.5), xh.dtype)
    dw, dw_t, dxh, dx = _bptt_buffers(cache, need_dx)       # dxh: dL/d[x_t; h_{t-1}; 1]
    dc = dxh_out[T, K:].copy()                              # dL/dc_t
    dh, tmp = np.empty((2, H, N), xh.dtype)
    da = np.empty((4 * H, N), xh.dtype)                     # dL/d(pre-activations)
    slope = np.empty_like(da)
    for t in reversed(range(T)):
        a, tc, h = gates[t], tanh_c[t], xh[t + 1, D:D + H]
        i, f, g, o = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        np.add(dxh[D:D + H], dxh_out[t + 1, D:D + H], out=dh)   # later steps + outside
        # h = o tanh(c): dc += dh o (1 - tanh(c)^2), and o (1 - tanh(c)^2) = o - h tanh(c)
        np.multiply(h, tc, out=tmp)
        np.subtract(o, tmp, out=tmp)
        tmp *= dh
        dc += tmp
        # c = f c_prev + i g and h = o tanh(c): the gradient at each gate's output ...
        np.multiply(dc, g, out=da[:H])
        np.multiply(dc, xh[t, K:], out=da[H:2 * H])
        np.multiply(dc, i, out=da[2 * H:3 * H])
        np.multiply(dh, tc, out=da[3 * H:])
        # ... times its activation's slope, scale^2 - (gate - shift)^2
        np.subtract(a, shift, out=slope)
        slope *= slope
        np.subtract(scale2, slope, out=slope)
        da *= slope
        np.matmul(w, da, out=dxh)                           # dL/d[x_t; h_{t-1}; 1]
        _step_weight_gradient(xh[t, :K], da, dw, dw_t)
        if dx is not None:
            dx[t] = dxh[:D]
        dc *= f                                             # c_t reaches c_{t-1} through f
    dx, dh0, *rest = _gradients(cache, dx, dxh, dw[:D], dw[D:D + H], dw[D + H], dw[D + H])
    return (dx, dh0, dc.T, *rest)


def lstm_backward(dout, dh_n, dc_n, cache):
    """Gradients of :func:`lstm_forward`.

    dout : (N, T, H) or None; dh_n, dc_n : (N, H) or None.
    Returns ``(dx (N, T, D), dh0, dc0 (N, H), dw_ih, dw_hh, db_ih, db_hh)``.
    """
    return _lstm_bptt(_outside_gradient(cache, dout, dh_n, dc_n), cache)


# ---------------------------------------------------------------------------------------
# GRU
# ---------------------------------------------------------------------------------------
def _gru_stacked_weights(w_ih, w_hh, b_ih, b_hh):
    """(D+H+1, 4H) weights of ``[x; h; 1]`` with four column blocks: r and z (input and
    hidden sides summed), then n's input side and n's hidden side apart, because n adds
    ``r * (h W_hn + b_hn)``: one product gives all four."""
    D, H = w_ih.shape[0], w_hh.shape[0]
    w = np.zeros((D + H + 1, 4 * H), np.result_type(w_ih, w_hh))
    w[:D, :3 * H] = w_ih                                    # r, z, n: input side
    w[D:D + H, :2 * H] = w_hh[:, :2 * H]                    # r, z: hidden side
    w[D:D + H, 3 * H:] = w_hh[:, 2 * H:]                    # n: hidden side
    if b_ih is not None:
        w[D + H, :3 * H] = b_ih
        w[D + H, :2 * H] += b_hh[:2 * H]
        w[D + H, 3 * H:] = b_hh[2 * H:]
    return w


def gru_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
    """Run a GRU over whole sequences (gates in PyTorch's order r, z, n).

    ``r = sigmoid(x_t W_ir + b_ir + h W_hr + b_hr)``, ``z`` likewise,
    ``n = tanh(x_t W_in + b_in + r * (h W_hn + b_hn))``, ``h_t = (1 - z) * n + z * h_{t-1}``.

    Parameters
    ----------
    x : (N, T, D); h0 : (N, H) or None (zeros)
    w_ih : (D, 3H); w_hh : (H, 3H); b_ih, b_hh : (3H,) or None

    Returns
    -------
    out : (N, T, H); h_n : (N, H) (views of ``cache["xh"]``); cache : dict for
        :func:`gru_backward`
    """
    N, T, D = x.shape
    H = w_hh.shape[0]
    w = _gru_stacked_weights(w_ih, w_hh, b_ih, b_hh)        # (D+H+1, 4H)
    dtype = np.result_type(x, w)
    w_rows = np.ascontiguousarray(w.T)                      # (4H, D+H+1)
    w_rows[:2 * H] *= 0.5                                   # r, z: sigmoid = (1 + tanh(a/2)) / 2
    xh = _stacked_inputs(x, h0, H, dtype)
    gates = np.empty((T, 4 * H, N), dtype)                  # r, z, n, h W_hn + b_hn
    rn = np.empty((H, N), dtype)
    for t in range(T):
        a = gates[t]
        np.matmul(w_rows, xh[t], out=a)
        rz = a[:2 * H]
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z, n, hn = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        np.multiply(r, hn, out=rn)                          # n = tanh(x W_in + b_in + r hn)
        n += rn
        np.tanh(n, out=n)
        h = xh[t + 1, D:D + H]
        np.subtract(xh[t, D:D + H], n, out=h)               # h_t = n + z (h_{t-1} - n)
        h *= z
        h += n
    cache = {"xh": xh, "w": w, "gates": gates, "D": D, "H": H, "has_bias": b_ih is not None}
    return (*_outputs(xh, D, H), cache)


def _gru_bptt(dxh_out, cache, need_dx=True):
    """Backpropagation through time for the GRU.

    dxh_out : like ``cache["xh"]``, dL/dh_t from outside the layer in ``[t+1, D:D+H]``.
    Returns ``(dx, dh0, dw_ih, dw_hh, db_ih, db_hh)``.
    """
    xh, w, gates, D, H = cache["xh"], cache["w"], cache["gates"], cache["D"], cache["H"]
    dw, dw_t, dxh, dx = _bptt_buffers(cache, need_dx)       # dxh: dL/d[x_t; h_{t-1}; 1]
    dh, tmp, tmp2 = np.empty((3, H, xh.shape[2]), xh.dtype)
    da = np.empty((4 * H, xh.shape[2]), xh.dtype)           # dL/d(r, z, n, hn pre-activations)
    for t in reversed(range(len(gates))):
        r, z, n, hn = (gates[t, k * H:(k + 1) * H] for k in range(4))
        h_prev = xh[t, D:D + H]
        np.add(dxh[D:D + H], dxh_out[t + 1, D:D + H], out=dh)   # later steps + outside
        # n: h = n + z (h_prev - n) gives dL/dn = dh (1 - z); tanh' = 1 - n^2
        dn = da[2 * H:3 * H]
        np.multiply(n, n, out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= dh
        np.multiply(tmp, z, out=dn)
        np.subtract(tmp, dn, out=dn)
        np.multiply(dn, r, out=da[3 * H:])                  # hn enters n as r * hn
        # r: dL/dr = dn hn, sigmoid' = r (1 - r)
        np.subtract(1, r, out=tmp)
        tmp *= hn
        np.multiply(da[3 * H:], tmp, out=da[:H])
        # z: dL/dz = dh (h_prev - n), sigmoid' = z (1 - z)
        np.subtract(h_prev, n, out=tmp)
        tmp *= dh
        np.subtract(1, z, out=tmp2)
        tmp2 *= z
        np.multiply(tmp, tmp2, out=da[H:2 * H])
        np.matmul(w, da, out=dxh)                           # dL/d[x_t; h_{t-1}; 1]
        np.multiply(dh, z, out=tmp)                         # ... plus h_prev's direct path
        dxh[D:D + H] += tmp
        _step_weight_gradient(xh[t], da, dw, dw_t)
        if dx is not None:
            dx[t] = dxh[:D]
    dw_hh = np.concatenate([dw[D:D + H, :2 * H], dw[D:D + H, 3 * H:]], axis=1)
    db_hh = np.concatenate([dw[D + H, :2 * H], dw[D + H, 3 * H:]])
    return _gradients(cache, dx, dxh, dw[:D, :3 * H], dw_hh, dw[D + H, :3 * H], db_hh)


def gru_backward(dout, dh_n, cache):
    """Gradients of :func:`gru_forward`.

    dout : (N, T, H) or None; dh_n : (N, H) or None.
    Returns ``(dx (N, T, D), dh0 (N, H), dw_ih, dw_hh, db_ih, db_hh)``.
    """
    return _gru_bptt(_outside_gradient(cache, dout, dh_n), cache)


# ---------------------------------------------------------------------------------------
# wiring into the autograd graph
# ---------------------------------------------------------------------------------------
def _node(data, inputs, gradients, op):
    """One graph node for a whole recurrent layer.

    inputs : list aligned with the tuple that ``gradients(g)`` returns; entries that are
        None (no initial state given, no biases) are not parents.
    """
    keep = [k for k, t in enumerate(inputs) if t is not None]
    parents = tuple(inputs[k] for k in keep)

    def backward(g):
        grads = gradients(g)
        return tuple(grads[k] for k in keep)

    return Tensor.from_op(data, parents, backward, op)


def _take(states, index, axes, op):
    """A graph node for ``states.data[index].transpose(axes)``: one of a layer's results,
    a view (no copy) of its working array; the backward puts the gradient back in place."""
    inverse = tuple(np.argsort(axes))

    def backward(g):
        # np.zeros, not zeros_like: its pages stay unwritten (and cost nothing) where no
        # gradient lands, e.g. every step but the last when only h_n is used
        full = np.zeros(states.shape, states.dtype)
        full[index] = g.transpose(inverse)
        return full

    return Tensor.from_op(states.data[index].transpose(axes), (states,), backward, op)


def _results(states, D, H, name):
    """Nodes for output (N, T, H) and h_n (N, H), views of the working array ``xh``."""
    rows = slice(D, D + H)
    return (_take(states, (slice(1, None), rows), (2, 0, 1), f"{name}.output"),
            _take(states, (-1, rows), (1, 0), f"{name}.h_n"))


def _make_parameters(module, n_gates, bias, rng, dtype):
    """``weight_ih`` (D, G*H), ``weight_hh`` (H, G*H), ``bias_ih``, ``bias_hh`` (G*H,),
    all uniform in +-1/sqrt(H) as PyTorch initialises them (drawn in that order)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype: expected a float dtype, got {dtype}")
    rng = as_rng(rng)
    D, H = module.input_size, module.hidden_size
    bound = 1.0 / np.sqrt(H)

    def uniform(*shape):
        return Parameter(rng.uniform(-bound, bound, size=shape).astype(dtype))

    module.weight_ih = uniform(D, n_gates * H)
    module.weight_hh = uniform(H, n_gates * H)
    module.bias_ih = uniform(n_gates * H) if bias else None
    module.bias_hh = uniform(n_gates * H) if bias else None


def _check_nonlinearity(nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity: expected 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity


def _check_state(name, state, N, H, what="h0"):
    """An initial state as a Tensor of shape (N, H)."""
    state = as_input(state, name)
    if state.shape != (N, H):
        hint = ""
        if state.ndim == 3 and state.shape[0] == 1:
            hint = (" (nnlib's layers have one layer and take (N, H), not PyTorch's "
                    "(num_layers, N, H): drop the first axis)")
        raise ValueError(f"{name}: expected {what} of shape (N, H) = ({N}, {H}), "
                         f"got shape {state.shape}{hint}")
    return state


def _check_pair(hx):
    """The LSTM's state argument: None or a pair (h, c)."""
    if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
        got = (f"a {type(hx).__name__} of length {len(hx)}" if isinstance(hx, (tuple, list))
               else type(hx).__name__)
        raise ValueError(f"hx: expected None or a pair (h0, c0) of (N, H) arrays, got {got}")
    return (None, None) if hx is None else hx


# ---------------------------------------------------------------------------------------
# the layers: a whole sequence at once
# ---------------------------------------------------------------------------------------
class _RecurrentLayer(Module):
    """What RNN, LSTM and GRU share: parameters, argument checks, printing."""

    _n_gates = 1

    def __init__(self, input_size, hidden_size, *, bias=True, batch_first=True,
                 num_layers=1, rng=None, dtype=np.float64):
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        if batch_first is not True:
            raise ValueError(f"batch_first: expected True (nnlib's recurrent layers take "
                             f"(N, T, input_size)), got {batch_first!r}")
        if (isinstance(num_layers, bool) or not isinstance(num_layers, numbers.Integral)
                or num_layers != 1):
            raise ValueError(f"num_layers: expected 1 (to stack layers, feed one layer's "
                             f"output to the next), got {num_layers!r}")
        self.bias = bool(bias)
        _make_parameters(self, self._n_gates, bias, rng, dtype)

    def _check_input(self, x):
        x = as_input(x)
        D = self.input_size
        if x.ndim != 3 or x.shape[2] != D or x.shape[1] == 0:
            hint = ""
            if x.ndim == 2 and x.shape[1] == D:
                hint = (f" (one step of a batch? use {type(self).__name__}Cell; one sequence? "
                        f"add a batch axis: x[None])")
            raise ValueError(f"x: {self._name()} expected input of shape (N, T, {D}) with "
                             f"T >= 1 (batch first), got shape {x.shape}{hint}")
        return x

    def _inputs(self):
        """Parameter tensors and their arrays, ``(w_ih, w_hh, b_ih, b_hh)`` each."""
        tensors = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return tensors, tuple(None if t is None else t.data for t in tensors)

    def _name(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        if not self.bias:
            text += ", bias=False"
        return text


class RNN(_RecurrentLayer):
    """A plain (Elman) recurrent layer over whole sequences (chapter 13), one graph node.

    ``h_t = tanh(x_t @ weight_ih + bias_ih + h_{t-1} @ weight_hh + bias_hh)``

    Parameters
    ----------
    input_size : int, D, features per time step
    hidden_size : int, H, size of the hidden state
    nonlinearity : "tanh" (default) or "relu"
    bias : bool, whether to learn ``bias_ih`` and ``bias_hh``
    batch_first, num_layers : accepted for PyTorch's code, only True and 1
    rng : np.random.Generator or int seed (None: seed 0), source of the initial weights
    dtype : numpy float dtype, float64 by default (np.float32 for speed)

    Attributes
    ----------
    weight_ih : Parameter (input_size, hidden_size)  (PyTorch's ``weight_ih_l0`` transposed)
    weight_hh : Parameter (hidden_size, hidden_size)
    bias_ih, bias_hh : Parameter (hidden_size,), or None
        All start uniform in +-1/sqrt(hidden_size), as in PyTorch.

    ``forward(x, hx=None)``: x (N, T, input_size), hx the initial state (N, hidden_size)
    (zeros if None). Returns ``(output, h_n)``: output (N, T, hidden_size) holds h_t for
    every step, h_n (N, hidden_size) the last one.

    >>> rnn = RNN(3, 5, rng=0)
    >>> output, h_n = rnn(np.zeros((2, 7, 3)))
    >>> output.shape, h_n.shape
    ((2, 7, 5), (2, 5))
    """

    def __init__(self, input_size, hidden_size, *, nonlinearity="tanh", bias=True,
                 batch_first=True, num_layers=1, rng=None, dtype=np.float64):
        self.nonlinearity = _check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias=bias, batch_first=batch_first,
                         num_layers=num_layers, rng=rng, dtype=dtype)

    def forward(self, x, hx=None):
        x = self._check_input(x)
        h0 = None if hx is None else _check_state("hx", hx, len(x), self.hidden_size)
        params, arrays = self._inputs()
        _, _, cache = rnn_forward(x.data, None if h0 is None else h0.data, *arrays,
                                  nonlinearity=self.nonlinearity)
        states = _node(cache["xh"], [x, h0, *params],
                       lambda g: _rnn_bptt(g, cache, x.requires_grad), "rnn")
        return _results(states, self.input_size, self.hidden_size, "rnn")


class LSTM(_RecurrentLayer):
    """Long short-term memory layer over whole sequences (chapter 13), one graph node.

    Four gates from ``a = x_t @ weight_ih + bias_ih + h_{t-1} @ weight_hh + bias_hh``, in
    PyTorch's order: input ``i``, forget ``f``, candidate ``g`` (tanh), output ``o``;
    ``c_t = f * c_{t-1} + i * g`` and ``h_t = o * tanh(c_t)``. The cell state c carries
    memory across many steps as long as the forget gate stays near 1 (a positive forget
    bias, e.g. ``lstm.bias_ih.data[H:2*H] = 3``, starts it there).

    Parameters
    ----------
    input_size : int, D; hidden_size : int, H
    bias : bool, whether to learn ``bias_ih`` and ``bias_hh``
    batch_first, num_layers : accepted for PyTorch's code, only True and 1
    rng : np.random.Generator or int seed (None: seed 0), source of the initial weights
    dtype : numpy float dtype, float64 by default (np.float32 for speed)

    Attributes
    ----------
    weight_ih : Parameter (input_size, 4*hidden_size), columns [i | f | g | o]
    weight_hh : Parameter (hidden_size, 4*hidden_size)
    bias_ih, bias_hh : Parameter (4*hidden_size,), or None
        All start uniform in +-1/sqrt(hidden_size), as in PyTorch.

    ``forward(x, hx=None)``: x (N, T, input_size), hx a pair ``(h0, c0)`` of (N, H) arrays
    (zeros if None). Returns ``(output, (h_n, c_n))``: output (N, T, H), h_n and c_n (N, H).

    >>> lstm = LSTM(3, 5, rng=0)
    >>> output, (h_n, c_n) = lstm(np.zeros((2, 7, 3)))
    >>> output.shape, c_n.shape
    ((2, 7, 5), (2, 5))
    """

    _n_gates = 4

    def forward(self, x, hx=None):
        x = self._check_input(x)
        N, H = len(x), self.hidden_size
        h0, c0 = _check_pair(hx)
        h0 = None if h0 is None else _check_state("hx", h0, N, H, "h0")
        c0 = None if c0 is None else _check_state("hx", c0, N, H, "c0")
        params, arrays = self._inputs()
        _, _, _, cache = lstm_forward(x.data, None if h0 is None else h0.data,
                                      None if c0 is None else c0.data, *arrays)
        states = _node(cache["xh"], [x, h0, c0, *params],
                       lambda g: _lstm_bptt(g, cache, x.requires_grad), "lstm")
        output, h_n = _results(states, self.input_size, H, "lstm")
        c_n = _take(states, (-1, slice(self.input_size + H + 1, None)), (1, 0), "lstm.c_n")
        return output, (h_n, c_n)


class GRU(_RecurrentLayer):
    """Gated recurrent unit layer over whole sequences (chapter 13), one graph node.

    Gates in PyTorch's order: reset ``r``, update ``z``, candidate ``n``:
    ``r = sigmoid(x_t W_ir + b_ir + h W_hr + b_hr)``, ``z`` likewise,
    ``n = tanh(x_t W_in + b_in + r * (h W_hn + b_hn))``, ``h_t = (1 - z) * n + z * h_{t-1}``.

    Parameters
    ----------
    input_size : int, D; hidden_size : int, H
    bias : bool, whether to learn ``bias_ih`` and ``bias_hh``
    batch_first, num_layers : accepted for PyTorch's code, only True and 1
    rng : np.random.Generator or int seed (None: seed 0), source of the initial weights
    dtype : numpy float dtype, float64 by default (np.float32 for speed)

    Attributes
    ----------
    weight_ih : Parameter (input_size, 3*hidden_size), columns [r | z | n]
    weight_hh : Parameter (hidden_size, 3*hidden_size)
    bias_ih, bias_hh : Parameter (3*hidden_size,), or None
        All start uniform in +-1/sqrt(hidden_size), as in PyTorch.

    ``forward(x, hx=None)``: x (N, T, input_size), hx the initial state (N, H) (zeros if
    None). Returns ``(output (N, T, H), h_n (N, H))``.
    """

    _n_gates = 3

    def forward(self, x, hx=None):
        x = self._check_input(x)
        h0 = None if hx is None else _check_state("hx", hx, len(x), self.hidden_size)
        params, arrays = self._inputs()
        _, _, cache = gru_forward(x.data, None if h0 is None else h0.data, *arrays)
        states = _node(cache["xh"], [x, h0, *params],
                       lambda g: _gru_bptt(g, cache, x.requires_grad), "gru")
        return _results(states, self.input_size, self.hidden_size, "gru")


# ---------------------------------------------------------------------------------------
# the cells: one step, from Tensor operations
# ---------------------------------------------------------------------------------------
class _Cell(Module):
    """What the cells share: parameters, argument checks, the two affine maps."""

    _n_gates = 1

    def __init__(self, input_size, hidden_size, *, bias=True, rng=None, dtype=np.float64):
        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.bias = bool(bias)
        _make_parameters(self, self._n_gates, bias, rng, dtype)

    def _check_input(self, x):
        x = as_input(x)
        D = self.input_size
        if x.ndim != 2 or x.shape[1] != D:
            hint = ""
            if x.ndim == 3 and x.shape[2] == D:
                hint = f" (a whole sequence? use {type(self).__name__[:-4]})"
            raise ValueError(f"x: {type(self).__name__}({self.extra_repr()}) expected input "
                             f"of shape (N, {D}) (one time step), got shape {x.shape}{hint}")
        return x

    def _state(self, state, x, what="h"):
        """The state as a Tensor (N, H): zeros when None."""
        N, H = len(x), self.hidden_size
        if state is None:
            return Tensor(np.zeros((N, H), np.result_type(x.data, self.weight_hh.data)))
        return _check_state("hx", state, N, H, what)

    def _affine(self, x, h):
        """``x @ weight_ih + bias_ih`` and ``h @ weight_hh + bias_hh``, (N, G*H) each."""
        ax, ah = x @ self.weight_ih, h @ self.weight_hh
        if self.bias:
            ax, ah = ax + self.bias_ih, ah + self.bias_hh
        return ax, ah

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        if not self.bias:
            text += ", bias=False"
        return text


class RNNCell(_Cell):
    """One step of :class:`RNN` (chapter 13): ``h' = tanh(x @ W_ih + b_ih + h @ W_hh + b_hh)``.

    Same parameters, names and layout as :class:`RNN` (``weight_ih`` (D, H), ``weight_hh``
    (H, H), ``bias_ih``, ``bias_hh`` (H,)); ``nonlinearity`` "tanh" or "relu".
    ``cell(x, hx=None)``: x (N, input_size), hx (N, H) (zeros if None); returns h' (N, H).

    >>> cell, x = RNNCell(3, 5, rng=0), np.ones((2, 7, 3))
    >>> h = None
    >>> for t in range(7):
    ...     h = cell(x[:, t], h)      # step by step: h ends as RNN(3, 5, rng=0)(x)[1]
    """

    def __init__(self, input_size, hidden_size, *, bias=True, nonlinearity="tanh",
                 rng=None, dtype=np.float64):
        self.nonlinearity = _check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias=bias, rng=rng, dtype=dtype)

    def forward(self, x, hx=None):
        x = self._check_input(x)
        ax, ah = self._affine(x, self._state(hx, x))
        a = ax + ah
        return a.tanh() if self.nonlinearity == "tanh" else a.relu()


class LSTMCell(_Cell):
    """One step of :class:`LSTM` (chapter 13).

    ``i, f, g, o`` from ``a = x @ W_ih + b_ih + h @ W_hh + b_hh``;
    ``c' = f * c + i * g``, ``h' = o * tanh(c')``. Same parameters, names and layout as
    :class:`LSTM`. ``cell(x, hx=None)``: x (N, input_size), hx a pair ``(h, c)`` of (N, H)
    arrays (zeros if None); returns ``(h', c')``.
    """

    _n_gates = 4

    def forward(self, x, hx=None):
        x = self._check_input(x)
        h, c = _check_pair(hx)
        h, c = self._state(h, x, "h0"), self._state(c, x, "c0")
        ax, ah = self._affine(x, h)
        a, H = ax + ah, self.hidden_size
        i = a[:, :H].sigmoid()               # input gate: how much of g to write
        f = a[:, H:2 * H].sigmoid()          # forget gate: how much of c to keep
        g = a[:, 2 * H:3 * H].tanh()         # candidate values
        o = a[:, 3 * H:].sigmoid()           # output gate: how much of the cell to show
        c = f * c + i * g
        return o * c.tanh(), c


class GRUCell(_Cell):
    """One step of :class:`GRU` (chapter 13).

    ``r, z = sigmoid(...)``, ``n = tanh(x W_in + b_in + r * (h W_hn + b_hn))``,
    ``h' = (1 - z) * n + z * h``. Same parameters, names and layout as :class:`GRU`.
    ``cell(x, hx=None)``: x (N, input_size), hx (N, H) (zeros if None); returns h' (N, H).
    """

    _n_gates = 3

    def forward(self, x, hx=None):
        x = self._check_input(x)
        h = self._state(hx, x)
        ax, ah = self._affine(x, h)
        H = self.hidden_size
        r = (ax[:, :H] + ah[:, :H]).sigmoid()                 # reset gate
        z = (ax[:, H:2 * H] + ah[:, H:2 * H]).sigmoid()       # update gate
        n = (ax[:, 2 * H:] + r * ah[:, 2 * H:]).tanh()        # candidate state
        return (1 - z) * n + z * h
