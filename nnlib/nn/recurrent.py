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

How the layers are computed (the same ideas as PyTorch's CPU kernels):

* the inputs' contribution ``x_t @ W_ih`` does not depend on the hidden state, so it is
  computed for all T steps in ONE matrix product before the loop over time;
* every step then needs one more product, ``h_{t-1} @ W_hh``, for all gates at once;
* the whole sequence is ONE node of the autograd graph, whose backward function is
  *backpropagation through time* (BPTT) written by hand: the same loop run backwards,
  carrying ``dL/dh`` (and ``dL/dc``) from step t to step t-1; the weight gradients are
  summed over all steps in one product after the loop.

The pure functions :func:`rnn_forward` / :func:`rnn_backward`, :func:`lstm_forward` /
:func:`lstm_backward` and :func:`gru_forward` / :func:`gru_backward` (cs231n style, ndarrays
in, ndarrays out) hold all the mathematics; the Modules wire them into the graph. Inside,
arrays are *time-major* (T, N, ...), so that the rows of one step sit together in memory.

The cells :class:`RNNCell`, :class:`LSTMCell` and :class:`GRUCell` compute one step from
ordinary Tensor operations, the equations written out as they are on paper: use them to
look at a network step by step. Unrolled over a sequence they give the layers' results.
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
# shared pieces of the pure functions
# ---------------------------------------------------------------------------------------
def _project_inputs(x, w_ih, bias):
    """The inputs' part of every step's pre-activations, all steps in one product.

    x : (N, T, D); w_ih : (D, G*H); bias : (G*H,) or None.
    Returns ``x_rows`` (T*N, D), time-major rows of x (kept for dW_ih), and
    ``xw`` (T, N, G*H) with ``xw[t] = x[:, t] @ w_ih + bias``.
    """
    N, T, D = x.shape
    x_rows = np.ascontiguousarray(x.swapaxes(0, 1)).reshape(T * N, D)
    xw = x_rows @ w_ih
    if bias is not None:
        xw += bias
    return x_rows, xw.reshape(T, N, -1)


def _initial(state, N, H, dtype):
    """The initial state (N, H) as an array of ``dtype`` (zeros when None)."""
    if state is None:
        return np.zeros((N, H), dtype)
    return state


def _states_gradient(states, dout, dh_n):
    """dL/d(hs) for a time-major state array hs (T+1, N, H) from the gradients of the
    outputs (N, T, H) and of the last state (N, H) (either may be None)."""
    dhs = np.zeros_like(states)
    if dout is not None:
        dhs[1:] = dout.swapaxes(0, 1)
    if dh_n is not None:
        dhs[-1] += dh_n
    return dhs


def _weight_gradients(da, cache, need_dx):
    """Gradients of x and of the weights from the pre-activation gradients of all steps.

    da : (T, N, G*H), dL/d(pre-activation) of every gate at every step (the input side);
    ``cache["da_h"]``, if present: the same on the hidden side (the GRU's differs in n).
    Returns ``(dx (N, T, D) or None, dw_ih, dw_hh, db_ih, db_hh)``; the biases' gradients
    are None when the layer has none.
    """
    da_h = cache.get("da_h", da)
    T, N, GH = da.shape
    da_rows, da_h_rows = da.reshape(T * N, GH), da_h.reshape(T * N, GH)
    h_rows = cache["hs"][:T].reshape(T * N, -1)  # h_{t-1} for every step t
    dw_ih = cache["x_rows"].T @ da_rows
    dw_hh = h_rows.T @ da_h_rows
    db_ih = db_hh = None
    if cache["has_bias"]:
        db_ih, db_hh = da_rows.sum(axis=0), da_h_rows.sum(axis=0)
    dx = None
    if need_dx:
        dx = (da_rows @ cache["w_ih"].T).reshape(T, N, -1).swapaxes(0, 1)
    return dx, dw_ih, dw_hh, db_ih, db_hh


def _sigmoid_scale(H, n_gates, tanh_gates, dtype):
    """Column scale and shift that turn ONE tanh into every gate's activation.

    ``sigmoid(a) = (1 + tanh(a / 2)) / 2``: if the pre-activations of the sigmoid gates are
    halved (``scale = 0.5``), ``tanh`` then ``* scale + shift`` (shift 0.5) gives the sigmoid,
    while tanh gates keep ``scale = 1, shift = 0``. One pass over all gates instead of one
    per gate, and ``tanh`` never overflows. Returns two arrays of shape (n_gates*H,).
    """
    scale = np.full((n_gates, H), 0.5, dtype)
    shift = np.full((n_gates, H), 0.5, dtype)
    scale[tanh_gates], shift[tanh_gates] = 1, 0
    return scale.reshape(-1), shift.reshape(-1)


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
    out : (N, T, H), h_t for every step (a view of the time-major ``cache["hs"]``)
    h_n : (N, H), the last state
    cache : dict for :func:`rnn_backward`
    """
    N, T, _ = x.shape
    H = w_hh.shape[0]
    bias = None if b_ih is None else b_ih + b_hh
    x_rows, xw = _project_inputs(x, w_ih, bias)
    hs = np.empty((T + 1, N, H), np.result_type(xw, w_hh))  # h_0 .. h_T
    hs[0] = _initial(h0, N, H, hs.dtype)
    for t in range(T):
        h = hs[t + 1]
        np.matmul(hs[t], w_hh, out=h)
        h += xw[t]
        if nonlinearity == "tanh":
            np.tanh(h, out=h)
        else:
            np.maximum(h, 0, out=h)
    cache = {"x_rows": x_rows, "w_ih": w_ih, "w_hh": w_hh, "hs": hs,
             "nonlinearity": nonlinearity, "has_bias": b_ih is not None}
    return hs[1:].swapaxes(0, 1), hs[T], cache


def _rnn_bptt(dhs, cache, need_dx=True):
    """Backpropagation through time for the RNN.

    dhs : (T+1, N, H), dL/dh_t coming from outside the layer (row 0 is ignored).
    Returns ``(dx, dh0, dw_ih, dw_hh, db_ih, db_hh)``.
    """
    hs, w_hh = cache["hs"], cache["w_hh"]
    T = len(hs) - 1
    # the activation's derivative at every step, from its output: tanh' = 1 - h^2
    if cache["nonlinearity"] == "tanh":
        local = 1 - hs[1:] * hs[1:]
    else:
        local = (hs[1:] > 0).astype(hs.dtype)
    da = np.empty_like(local)              # dL/d(pre-activation), (T, N, H)
    dh_prev = np.zeros_like(hs[0])         # dL/dh_t through the later steps
    for t in reversed(range(T)):
        dh = dhs[t + 1] + dh_prev
        np.multiply(dh, local[t], out=da[t])
        dh_prev = da[t] @ w_hh.T
    return _with_initial(_weight_gradients(da, cache, need_dx), dh_prev)


def _with_initial(grads, *d_initial):
    """``(dx, *d_initial, dw_ih, dw_hh, db_ih, db_hh)`` from _weight_gradients' tuple."""
    dx, *rest = grads
    return (dx, *d_initial, *rest)


def rnn_backward(dout, dh_n, cache):
    """Gradients of :func:`rnn_forward`.

    dout : (N, T, H) or None, dL/d(out); dh_n : (N, H) or None, dL/d(h_n).
    Returns ``(dx (N, T, D), dh0 (N, H), dw_ih, dw_hh, db_ih, db_hh)`` (bias grads None
    without biases).
    """
    return _rnn_bptt(_states_gradient(cache["hs"], dout, dh_n), cache)


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
    out : (N, T, H); h_n, c_n : (N, H); cache : dict for :func:`lstm_backward`
        (``cache["hc"]`` (2, T+1, N, H) holds h_0..h_T and c_0..c_T; the results are
        views of it)
    """
    N, T, _ = x.shape
    H = w_hh.shape[0]
    dtype = np.result_type(x, w_ih, w_hh)
    scale, shift = _sigmoid_scale(H, 4, 2, dtype)
    bias = None if b_ih is None else (b_ih + b_hh) * scale
    # the pre-activations come out already scaled (halved for the sigmoid gates)
    x_rows, xw = _project_inputs(x, w_ih * scale, bias)
    w_hh_scaled = w_hh * scale
    hc = np.empty((2, T + 1, N, H), dtype)
    hs, cs = hc
    hs[0], cs[0] = _initial(h0, N, H, dtype), _initial(c0, N, H, dtype)
    gates = np.empty((T, N, 4 * H), dtype)   # i, f, g, o at every step
    tanh_c = np.empty((T, N, H), dtype)
    for t in range(T):
        a = gates[t]
        np.matmul(hs[t], w_hh_scaled, out=a)
        a += xw[t]
        np.tanh(a, out=a)
        a *= scale                           # i, f, o: sigmoid; g: tanh
        a += shift
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        c = cs[t + 1]
        np.multiply(f, cs[t], out=c)
        c += i * g
        np.tanh(c, out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])
    cache = {"x_rows": x_rows, "w_ih": w_ih, "w_hh": w_hh, "hc": hc, "hs": hs,
             "gates": gates, "tanh_c": tanh_c, "has_bias": b_ih is not None}
    return hs[1:].swapaxes(0, 1), hs[T], cs[T], cache


def _lstm_bptt(dhc, cache, need_dx=True):
    """Backpropagation through time for the LSTM.

    dhc : (2, T+1, N, H), dL/dh_t (``dhc[0]``) and dL/dc_T (``dhc[1, T]``) coming from
    outside the layer. Returns ``(dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh)``.
    """
    hs, cs = cache["hc"]
    gates, tanh_c, w_hh = cache["gates"], cache["tanh_c"], cache["w_hh"]
    T, N, H = tanh_c.shape
    i, f, g, o = (gates[:, :, k * H:(k + 1) * H] for k in range(4))
    # Everything that does not depend on the incoming gradient, for all steps at once.
    # h = o * tanh(c): dh reaches c through dc_dh = o * (1 - tanh(c)^2).
    dc_dh = o * (1 - tanh_c * tanh_c)
    # dL/da for each gate = (dL/dgate) * (the activation's derivative), where
    # dL/di = dc * g, dL/df = dc * c_{t-1}, dL/dg = dc * i, dL/do = dh * tanh(c);
    # sigmoid' = s (1 - s), tanh' = 1 - g^2. The first three scale dc, the last dh.
    local = np.empty((T, N, 4, H), gates.dtype)
    local[:, :, 0] = g * i * (1 - i)
    local[:, :, 1] = cs[:T] * f * (1 - f)
    local[:, :, 2] = i * (1 - g * g)
    local[:, :, 3] = tanh_c * o * (1 - o)
    da = np.empty((T, N, 4 * H), gates.dtype)
    da4 = da.reshape(T, N, 4, H)
    dh_prev = np.zeros_like(hs[0])            # dL/dh_t through the later steps
    dc = dhc[1, T].copy()                     # dL/dc_t
    for t in reversed(range(T)):
        dh = dhc[0, t + 1] + dh_prev
        dc += dh * dc_dh[t]
        np.multiply(dc[:, None, :], local[t, :, :3], out=da4[t, :, :3])
        np.multiply(dh, local[t, :, 3], out=da4[t, :, 3])
        dh_prev = da[t] @ w_hh.T
        dc *= f[t]                            # c_t = f * c_{t-1} + ...
    return _with_initial(_weight_gradients(da, cache, need_dx), dh_prev, dc)


def lstm_backward(dout, dh_n, dc_n, cache):
    """Gradients of :func:`lstm_forward`.

    dout : (N, T, H) or None; dh_n, dc_n : (N, H) or None.
    Returns ``(dx (N, T, D), dh0, dc0 (N, H), dw_ih, dw_hh, db_ih, db_hh)``.
    """
    dhc = np.zeros_like(cache["hc"])
    dhc[0] = _states_gradient(cache["hs"], dout, dh_n)
    if dc_n is not None:
        dhc[1, -1] = dc_n
    return _lstm_bptt(dhc, cache)


# ---------------------------------------------------------------------------------------
# GRU
# ---------------------------------------------------------------------------------------
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
    out : (N, T, H); h_n : (N, H); cache : dict for :func:`gru_backward`
    """
    N, T, _ = x.shape
    H = w_hh.shape[0]
    dtype = np.result_type(x, w_ih, w_hh)
    scale, shift = _sigmoid_scale(H, 3, 2, dtype)
    bias, b_hn = None, None
    if b_ih is not None:  # b_hr and b_hz simply add to the input side; b_hn sits inside r * (...)
        bias = (b_ih + np.concatenate([b_hh[:2 * H], np.zeros(H, b_hh.dtype)])) * scale
        b_hn = b_hh[2 * H:]
    x_rows, xw = _project_inputs(x, w_ih * scale, bias)
    w_hh_scaled = w_hh * scale
    hs = np.empty((T + 1, N, H), dtype)
    hs[0] = _initial(h0, N, H, dtype)
    gates = np.empty((T, N, 3 * H), dtype)       # r, z, n at every step
    hw = np.empty((T, N, 3 * H), dtype)          # h_{t-1} @ w_hh (+ b_hn for n)
    for t in range(T):
        a, ah = gates[t], hw[t]
        np.matmul(hs[t], w_hh_scaled, out=ah)
        rz, ah_n = a[:, :2 * H], ah[:, 2 * H:]
        np.add(xw[t, :, :2 * H], ah[:, :2 * H], out=rz)
        np.tanh(rz, out=rz)
        rz *= 0.5                                # sigmoid = (1 + tanh(a / 2)) / 2
        rz += 0.5
        if b_hn is not None:
            ah_n += b_hn
        r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
        np.multiply(r, ah_n, out=n)
        n += xw[t, :, 2 * H:]
        np.tanh(n, out=n)
        h = hs[t + 1]
        np.subtract(hs[t], n, out=h)             # h_t = n + z * (h_{t-1} - n)
        h *= z
        h += n
    cache = {"x_rows": x_rows, "w_ih": w_ih, "w_hh": w_hh, "hs": hs, "gates": gates,
             "hw_n": hw[:, :, 2 * H:], "has_bias": b_ih is not None}
    return hs[1:].swapaxes(0, 1), hs[T], cache


def _gru_bptt(dhs, cache, need_dx=True):
    """Backpropagation through time for the GRU.

    dhs : (T+1, N, H), dL/dh_t coming from outside the layer.
    Returns ``(dx, dh0, dw_ih, dw_hh, db_ih, db_hh)``.
    """
    hs, gates, hw_n, w_hh = cache["hs"], cache["gates"], cache["hw_n"], cache["w_hh"]
    T, N, H = hw_n.shape
    r, z, n = (gates[:, :, k * H:(k + 1) * H] for k in range(3))
    # h_t = (1 - z) n + z h_{t-1}. On the hidden side the gradient of n's pre-activation is
    # multiplied by r (it enters as r * (h W_hn + b_hn)); r's by its sigmoid' and by
    # (h W_hn + b_hn). All local factors, for all steps at once:
    dn_pre = (1 - z) * (1 - n * n)               # dL/d(n's pre-activation) per dL/dh_t
    local = np.empty((T, N, 2, H), gates.dtype)
    local[:, :, 0] = (hs[:T] - n) * z * (1 - z)  # z's pre-activation
    local[:, :, 1] = dn_pre * r                  # n's pre-activation, hidden side
    r_local = hw_n * (1 - r)                     # r's pre-activation per hidden-side dn
    da_h = np.empty((T, N, 3 * H), gates.dtype)  # hidden side: (dr, dz, dn * r)
    da_h3 = da_h.reshape(T, N, 3, H)
    dh_all = np.empty_like(hw_n)                 # dL/dh_t, kept for the input side
    dh_prev = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        dh = np.add(dhs[t + 1], dh_prev, out=dh_all[t])
        np.multiply(dh[:, None, :], local[t], out=da_h3[t, :, 1:])
        np.multiply(da_h3[t, :, 2], r_local[t], out=da_h3[t, :, 0])
        dh_prev = da_h[t] @ w_hh.T
        dh_prev += dh * z[t]
    da = da_h.copy()                             # input side: (dr, dz, dn)
    np.multiply(dh_all, dn_pre, out=da[:, :, 2 * H:])
    cache = dict(cache, da_h=da_h)
    return _with_initial(_weight_gradients(da, cache, need_dx), dh_prev)


def gru_backward(dout, dh_n, cache):
    """Gradients of :func:`gru_forward`.

    dout : (N, T, H) or None; dh_n : (N, H) or None.
    Returns ``(dx (N, T, D), dh0 (N, H), dw_ih, dw_hh, db_ih, db_hh)``.
    """
    return _gru_bptt(_states_gradient(cache["hs"], dout, dh_n), cache)


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


def _take(states, index, op, batch_first=False):
    """A graph node for ``states.data[index]``, a view (no copy) of a layer's time-major
    state array; ``batch_first`` swaps the first two axes, (T, N, H) -> (N, T, H)."""
    data = states.data[index]
    if batch_first:
        data = data.swapaxes(0, 1)

    def backward(g):
        full = np.zeros_like(states.data)
        full[index] = g.swapaxes(0, 1) if batch_first else g
        return full

    return Tensor.from_op(data, (states,), backward, op)


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
        states = _node(cache["hs"], [x, h0, *params],
                       lambda g: _rnn_bptt(g, cache, x.requires_grad), "rnn")
        return (_take(states, slice(1, None), "rnn.output", batch_first=True),
                _take(states, -1, "rnn.h_n"))


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
        states = _node(cache["hc"], [x, h0, c0, *params],
                       lambda g: _lstm_bptt(g, cache, x.requires_grad), "lstm")
        return (_take(states, (0, slice(1, None)), "lstm.output", batch_first=True),
                (_take(states, (0, -1), "lstm.h_n"), _take(states, (1, -1), "lstm.c_n")))


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
        states = _node(cache["hs"], [x, h0, *params],
                       lambda g: _gru_bptt(g, cache, x.requires_grad), "gru")
        return (_take(states, slice(1, None), "gru.output", batch_first=True),
                _take(states, -1, "gru.h_n"))


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

    >>> cell = RNNCell(3, 5, rng=0)
    >>> h = None
    >>> for t in range(7):
    ...     h = cell(x[:, t], h)         # the same as RNN(3, 5, rng=0)(x)[1]
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
