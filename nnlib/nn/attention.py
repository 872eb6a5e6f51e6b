"""Attention (chapter 14): :func:`scaled_dot_product_attention` and
:class:`MultiheadAttention`.

Attention is a soft lookup. Each query is compared with every key (a dot product, divided
by ``sqrt(d)`` so that the scores do not grow with the vector size); a softmax along the
keys turns the scores into weights that sum to 1; the output is the weighted average of
the values::

    weights = softmax(q @ k.T / sqrt(d) + mask)     # (L, S): query l looks at key s
    output  = weights @ v                           # (L, dv)

A mask adds ``-inf`` to the scores of pairs that may not attend, so their weight is exactly
0 (and so is their gradient).

The forward and backward passes are written with numpy on arrays (:func:`attention_forward`,
:func:`attention_backward`) and wrapped as one graph node. Multi-head attention runs every
head at once: the projected (N, L, E) arrays are viewed as (N, heads, L, E / heads) and one
batched matrix product handles all heads, with no Python loop over them.
"""
import numbers

import numpy as np

from .._checks import as_rng, check_size
from ..tensor import Tensor, _unbroadcast
from .linear import Linear
from .module import Module, as_input
from .normalization import float_dtype

__all__ = ["scaled_dot_product_attention", "MultiheadAttention",
           "attention_forward", "attention_backward", "split_heads", "merge_heads",
           "qkv_forward", "qkv_backward"]


# ---------------------------------------------------------------------------------------
# attention on plain arrays
# ---------------------------------------------------------------------------------------
def attention_forward(q, k, v, mask=None, scale=None, dropout_p=0.0, rng=None):
    """Scaled dot-product attention on arrays.

    Parameters
    ----------
    q : ndarray (..., L, d), the queries
    k : ndarray (..., S, d), the keys
    v : ndarray (..., S, dv), the values
    mask : ndarray broadcastable to (..., L, S), optional, *added* to the scores
        (0 = may attend, -inf = may not)
    scale : float, the factor of the scores, ``1 / sqrt(d)`` by default
    dropout_p : float in [0, 1), probability of zeroing a weight (with ``rng``)

    Returns
    -------
    out : ndarray (..., L, dv)
    cache : tuple for :func:`attention_backward`; ``cache[3]`` holds the weights
        (..., L, S) after the softmax, ``cache[4]`` the weights used (after dropout)
    """
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2)                 # (..., L, S)
    scores *= scale
    if mask is not None:
        if np.broadcast_shapes(mask.shape, scores.shape) == scores.shape:
            scores += mask
        else:
            scores = scores + mask
    scores -= np.maximum.reduce(scores, axis=-1, keepdims=True)   # softmax, in place
    np.exp(scores, out=scores)
    scores /= np.add.reduce(scores, axis=-1, keepdims=True)
    weights = used = scores
    keep = None
    if dropout_p > 0:
        keep = (rng.random(weights.shape) >= dropout_p) * (1.0 / (1.0 - dropout_p))
        keep = keep.astype(weights.dtype)
        used = weights * keep
    out = used @ v                                      # (..., L, dv)
    return out, (q, k, v, weights, used, keep, scale)


def scores_backward(d_used, cache):
    """Gradients of q and k from dL/d(weights used), through dropout, softmax and scores.

    d_used : ndarray (..., L, S). Returns dq (..., L, d) and dk (..., S, d) (with the
    broadcast leading shape; see :func:`attention_backward`).
    """
    q, k, _, weights, _, keep, scale = cache
    d_weights = d_used * keep if keep is not None else d_used
    # softmax backward: dS = P * (dP - sum_s dP * P), then the scale
    d_scores = d_weights * weights
    d_scores -= weights * np.add.reduce(d_scores, axis=-1, keepdims=True)
    d_scores *= scale
    return d_scores @ k, np.swapaxes(d_scores, -1, -2) @ q


def attention_backward(dout, cache):
    """Gradients of :func:`attention_forward`.

    dout : ndarray (..., L, dv), dL/d(out). Returns dq, dk, dv with the leading (batch)
    shape of the broadcast result; ``_unbroadcast`` them if q, k or v were broadcast.
    """
    v, used = cache[2], cache[4]
    dv = np.swapaxes(used, -1, -2) @ dout               # (..., S, dv)
    d_used = dout @ np.swapaxes(v, -1, -2)              # (..., L, S)
    dq, dk = scores_backward(d_used, cache)
    return dq, dk, dv


def split_heads(x, num_heads):
    """(N, X, E) -> (N, heads, X, E // heads), a view: head h gets columns h*d:(h+1)*d."""
    n, length, _ = x.shape
    return x.reshape(n, length, num_heads, -1).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(N, heads, X, d) -> (N, X, heads * d): the heads side by side (a copy)."""
    n, heads, length, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, length, heads * d)


def qkv_forward(x, w_qkv, b_qkv, num_heads):
    """Self-attention's queries, keys and values from ONE matrix product.

    Parameters
    ----------
    x : ndarray (N, L, E)
    w_qkv : ndarray (E, 3E)
        The q, k and v weights side by side ``[Wq | Wk | Wv]`` (PyTorch's
        ``in_proj_weight`` transposed).
    b_qkv : ndarray (3E,) or None
    num_heads : int

    Returns q, k, v, each (N, heads, L, E // heads) (views), and the cache for
    :func:`qkv_backward`.
    """
    n, length, e = x.shape
    x2 = x.reshape(n * length, e)
    qkv = x2 @ w_qkv                                             # (N * L, 3E)
    if b_qkv is not None:
        qkv += b_qkv
    q, k, v = qkv.reshape(n, length, 3, num_heads, -1).transpose(2, 0, 3, 1, 4)
    return q, k, v, (x2, w_qkv, x.shape, b_qkv is not None)


def qkv_backward(dq, dk, dv, cache, need_dx=True):
    """Gradients of :func:`qkv_forward` from those of q, k and v (dv may be None: 0).

    Returns dx (N, L, E) (or None), dw_qkv (E, 3E) and db_qkv (3E,) (or None).
    """
    x2, w_qkv, shape, has_bias = cache
    if dv is None:
        dv = np.zeros_like(dq)
    d_qkv = np.stack([dq, dk, dv]).transpose(1, 3, 0, 2, 4).reshape(len(x2), -1)
    dx = (d_qkv @ w_qkv.T).reshape(shape) if need_dx else None
    db = np.add.reduce(d_qkv, axis=0) if has_bias else None
    return dx, x2.T @ d_qkv, db


# ---------------------------------------------------------------------------------------
# masks
# ---------------------------------------------------------------------------------------
def _mask_array(name, mask):
    """The ndarray of a mask (Tensor or array_like), which must be bool or float."""
    array = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if array.dtype.kind not in "bf":
        raise ValueError(f"{name}: expected a boolean or float mask, got dtype {array.dtype}")
    if array.dtype.kind == "f" and np.isnan(array).any():
        raise ValueError(f"{name}: expected no NaN in a float mask, got "
                         f"{int(np.isnan(array).sum())}")
    return array


def _additive(array, blocked_when, dtype):
    """A float mask to add to the scores: booleans equal to ``blocked_when`` become -inf,
    the others 0; a float mask is used as it is."""
    if array.dtype.kind == "b":
        blocked = array if blocked_when else ~array
        return np.where(blocked, -np.inf, 0.0).astype(dtype)
    return array.astype(dtype, copy=False)


def _causal_mask(length, source_length, dtype):
    """Additive (L, S) mask: query l may attend keys s <= l."""
    blocked = np.triu(np.ones((length, source_length), dtype=bool), k=1)
    return _additive(blocked, True, dtype)


# ---------------------------------------------------------------------------------------
# graph nodes
# ---------------------------------------------------------------------------------------
def _identity(x):
    return x


def _attention_nodes(parents, arrays, to_parents, mask, scale, dropout_p, rng,
                     need_weights, split=_identity, merge=_identity,
                     reduce_weights=_identity, expand_weights=_identity):
    """Attention as graph nodes: the output, and (if ``need_weights``) the weights.

    parents : the tensors q, k and v were computed from
    arrays : (q, k, v) in the (..., L, d) layout attention works in
    to_parents : callable ``(dq, dk, dv) -> one gradient per parent`` (dv may be None)
    split, merge : map the output's gradient into that layout, the output out of it
    reduce_weights : turns the weights (..., L, S) into what is returned (e.g. the mean
        over heads); ``expand_weights`` is its backward
    """
    out, cache = attention_forward(*arrays, mask, scale, dropout_p, rng)

    def backward(g):
        return to_parents(*attention_backward(split(g), cache))

    output = Tensor.from_op(merge(out), parents, backward, "attention")
    if not need_weights:
        return output, None

    def weights_backward(g):
        return to_parents(*scores_backward(expand_weights(g), cache), None)

    weights = Tensor.from_op(reduce_weights(cache[4]), parents, weights_backward,
                             "attention_weights")
    return output, weights


def interleave_qkv_grads(dw_qkv, db_qkv):
    """Split packed gradients (E, 3E) and (3E,) into the order of the q, k, v Linear
    layers' parameters: dWq, dbq, dWk, dbk, dWv, dbv (biases left out when None)."""
    e = dw_qkv.shape[1] // 3
    grads = []
    for i in range(3):
        grads.append(dw_qkv[:, i * e:(i + 1) * e].copy())
        if db_qkv is not None:
            grads.append(db_qkv[i * e:(i + 1) * e].copy())
    return grads


def _check_dropout(dropout):
    if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Real)
            or not 0 <= dropout < 1):
        raise ValueError(f"dropout: expected a probability in [0, 1), got {dropout!r}")
    return float(dropout)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, rng=None, need_weights=False):
    """``softmax(query @ key.T * scale + mask) @ value``, as
    ``torch.nn.functional.scaled_dot_product_attention`` (chapter 14).

    Parameters
    ----------
    query : Tensor or ndarray (..., L, E)
    key : Tensor or ndarray (..., S, E)
    value : Tensor or ndarray (..., S, Ev)
        Leading (batch, head) dimensions broadcast against each other.
    attn_mask : optional, broadcastable to (..., L, S)
        As in PyTorch's function: a **boolean mask is True where the query MAY attend**
        the key (the opposite of :class:`MultiheadAttention`'s ``attn_mask`` and of
        :func:`~nnlib.nn.transformer.generate_square_subsequent_mask`, where True blocks: pass
        ``~mask`` or ``is_causal=True``); a float mask is added to the scores
        (0 = attend, -inf = blocked).
    dropout_p : float in [0, 1), dropout on the weights (pass 0 when evaluating)
    is_causal : bool, query l attends only keys s <= l (no attn_mask then)
    scale : float, default ``1 / sqrt(E)``
    rng : np.random.Generator (or int seed), required when dropout_p > 0 (an nnlib extra:
        pass the same Generator on every call)
    need_weights : bool (an nnlib extra)
        Also return the attention weights (..., L, S), for attention maps.

    Returns
    -------
    output : Tensor (..., L, Ev), or ``(output, weights)`` when ``need_weights``
    """
    q, k, v = _check_sdpa_inputs(query, key, value)
    dropout_p = _check_dropout(dropout_p)
    if dropout_p > 0 and rng is None:
        raise ValueError("rng: expected a numpy Generator when dropout_p > 0 (the same one "
                         "on every call, so that the masks change), got None")
    rng = as_rng(rng) if dropout_p > 0 else None
    mask = _sdpa_mask(attn_mask, is_causal, q, k, v)
    scale = None if scale is None else float(scale)

    def to_parents(dq, dk, dv):  # undo the broadcasting of leading dimensions
        return tuple(None if d is None or not t.requires_grad else _unbroadcast(d, t.shape)
                     for d, t in ((dq, q), (dk, k), (dv, v)))

    out, weights = _attention_nodes((q, k, v), (q.data, k.data, v.data), to_parents, mask,
                                    scale, dropout_p, rng, need_weights)
    return (out, weights) if need_weights else out


def _check_sdpa_inputs(query, key, value):
    """query (..., L, E), key (..., S, E), value (..., S, Ev) as Tensors, or ValueError."""
    q, k, v = (as_input(t, name) for t, name in ((query, "query"), (key, "key"),
                                                 (value, "value")))
    for t, name in ((q, "query"), (k, "key"), (v, "value")):
        if t.ndim < 2:
            raise ValueError(f"{name}: expected at least 2 dimensions (..., L, E), got "
                             f"shape {t.shape}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"query, key: expected the same last dimension E, got shapes "
                         f"{q.shape} and {k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"key, value: expected the same number of keys and values S, got "
                         f"shapes {k.shape} and {v.shape}")
    return q, k, v


def _sdpa_mask(attn_mask, is_causal, q, k, v):
    """The additive mask of :func:`scaled_dot_product_attention` (PyTorch's convention:
    boolean True = may attend), or None; checks that every leading dimension broadcasts."""
    length, source_length = q.shape[-2], k.shape[-2]
    dtype = np.result_type(q.data, k.data)
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("attn_mask: expected None when is_causal=True, got a mask")
        mask = _causal_mask(length, source_length, dtype)
    elif attn_mask is not None:
        mask = _mask_array("attn_mask", attn_mask)
        if mask.ndim < 2 or any(m not in (1, t) for m, t in
                                zip(mask.shape[-2:], (length, source_length))):
            raise ValueError(f"attn_mask: expected a shape broadcastable to (..., L, S) = "
                             f"(..., {length}, {source_length}), got shape {mask.shape}")
        mask = _additive(mask, False, dtype)
    shapes = [q.shape[:-2], k.shape[:-2], v.shape[:-2]]
    if mask is not None:
        shapes.append(mask.shape[:-2])
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"query, key, value, attn_mask: expected leading dimensions that "
                         f"broadcast, got shapes {q.shape}, {k.shape}, {v.shape}"
                         f"{'' if mask is None else ' and ' + str(mask.shape)}") from None
    return mask


# ---------------------------------------------------------------------------------------
# the layer
# ---------------------------------------------------------------------------------------
class MultiheadAttention(Module):
    """Multi-head attention, as ``torch.nn.MultiheadAttention`` with ``batch_first=True``
    (chapter 14).

    The query, key and value are projected (``q_proj``, ``k_proj``, ``v_proj``), split into
    ``num_heads`` heads of size ``head_dim = embed_dim // num_heads``, each head attends on
    its own (scaled dot-product attention), the heads are concatenated and projected again
    (``out_proj``). Self-attention passes the same sequence three times: ``mha(x, x, x)``.

    Parameters
    ----------
    embed_dim : int, E (must be a multiple of num_heads)
    num_heads : int
    dropout : float in [0, 1), dropout on the attention weights in training mode
    bias : bool, whether the four projections have biases
    kdim, vdim : int, optional, the feature sizes of key and value (default E)
    batch_first : must be True (nnlib is batch first); accepted for PyTorch's spelling
    rng : np.random.Generator or int seed (seed 0 when None): initial weights, dropout
    dtype : float dtype of the parameters (float64 by default)

    Attributes
    ----------
    q_proj, k_proj, v_proj, out_proj : :class:`~nnlib.nn.Linear`, weights (in, E) in
        nnlib's (in, out) layout, Xavier-uniform, biases 0. PyTorch packs the first three
        into ``in_proj_weight`` (3E, E) = the transposed q, k and v weights stacked.
    head_dim : int, E // num_heads

    Shapes: query (N, L, E), key (N, S, kdim), value (N, S, vdim) -> output (N, L, E) and
    weights (N, L, S) averaged over the heads (or (N, num_heads, L, S)).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None,
                 batch_first=True, rng=None, dtype=np.float64):
        self.embed_dim = check_size("embed_dim", embed_dim)
        self.num_heads = check_size("num_heads", num_heads)
        if self.embed_dim % self.num_heads:
            raise ValueError(f"num_heads: expected a divisor of embed_dim={self.embed_dim}, "
                             f"got {num_heads}")
        if batch_first is not True:
            raise ValueError(f"batch_first: nnlib's layers are batch first (N, L, E); "
                             f"expected True, got {batch_first!r}")
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout = _check_dropout(dropout)
        self.kdim = self.embed_dim if kdim is None else check_size("kdim", kdim)
        self.vdim = self.embed_dim if vdim is None else check_size("vdim", vdim)
        self.batch_first = True
        rng = as_rng(rng)
        dtype = float_dtype(dtype)
        e = self.embed_dim
        self.q_proj = Linear(e, e, bias=bias, rng=rng, dtype=dtype, init="xavier")
        self.k_proj = Linear(self.kdim, e, bias=bias, rng=rng, dtype=dtype, init="xavier")
        self.v_proj = Linear(self.vdim, e, bias=bias, rng=rng, dtype=dtype, init="xavier")
        self.out_proj = Linear(e, e, bias=bias, rng=rng, dtype=dtype, init="xavier")
        self.rng = rng

    def forward(self, query, key, value, attn_mask=None, need_weights=True,
                key_padding_mask=None, average_attn_weights=True):
        """Attend from each query position to every key position.

        Parameters
        ----------
        query : (N, L, E);  key : (N, S, kdim);  value : (N, S, vdim)
        attn_mask : optional, (L, S) or (N * num_heads, L, S)
            Boolean: **True = may NOT attend** (as PyTorch's MultiheadAttention), e.g.
            :func:`~nnlib.nn.transformer.generate_square_subsequent_mask`; float: added to the scores.
        need_weights : bool, also return the attention weights
        key_padding_mask : optional, (N, S); boolean True marks keys to ignore (padding)
        average_attn_weights : bool, weights averaged over heads (N, L, S) or per head
            (N, num_heads, L, S)

        Returns
        -------
        output : Tensor (N, L, E)
        weights : Tensor (N, L, S) or (N, num_heads, L, S), or None if not need_weights
        """
        packed = query is key and key is value  # self-attention: one packed product
        query, key, value = self._check_inputs(query, key, value)
        (n, length, _), source_length = query.shape, key.shape[1]
        dtype = np.result_type(self.q_proj.weight.data, query.data)
        mask = self._mask(attn_mask, key_padding_mask, n, length, source_length, dtype)
        if packed:
            parents, arrays, to_parents = self._packed_projections(query)
        else:
            parents, arrays, to_parents = self._projections(query, key, value)
        heads = self.num_heads
        dropout_p = self.dropout if self.training else 0.0

        def mean_heads(w):
            return w.mean(axis=1)

        def expand_mean(g):
            return np.broadcast_to(g[:, None] * (1.0 / heads), (n, heads) + g.shape[1:])

        average = average_attn_weights
        out, weights = _attention_nodes(
            parents, arrays, to_parents, mask, None, dropout_p, self.rng, need_weights,
            lambda g: split_heads(g, heads), merge_heads,
            mean_heads if average else _identity, expand_mean if average else _identity)
        return self.out_proj(out), weights

    def _projections(self, query, key, value):
        """q, k and v from the three Linear layers: the parents (their outputs), the
        arrays in the heads layout (N, heads, X, head_dim), and the map from the arrays'
        gradients to the parents' gradients."""
        projected = (self.q_proj(query), self.k_proj(key), self.v_proj(value))

        def to_parents(dq, dk, dv):
            return tuple(None if d is None else merge_heads(d) for d in (dq, dk, dv))

        arrays = tuple(split_heads(t.data, self.num_heads) for t in projected)
        return projected, arrays, to_parents

    def _packed_projections(self, x):
        """Self-attention: q, k and v from ONE product ``x @ [Wq | Wk | Wv]`` (E, 3E)
        (:func:`qkv_forward`, as PyTorch's packed ``in_proj_weight``): the same numbers
        as :meth:`_projections`, fewer and larger matrix products. Returns what
        :meth:`_projections` returns, with x and the projections' parameters as parents."""
        w_qkv, b_qkv = self.packed_in_proj()
        q, k, v, cache = qkv_forward(x.data, w_qkv, b_qkv, self.num_heads)
        params = [p for layer in (self.q_proj, self.k_proj, self.v_proj)
                  for p in (layer.weight, layer.bias) if p is not None]

        def to_parents(dq, dk, dv):
            dx, dw, db = qkv_backward(dq, dk, dv, cache, need_dx=x.requires_grad)
            return (dx,) + tuple(interleave_qkv_grads(dw, db))

        return (x, *params), (q, k, v), to_parents

    def packed_in_proj(self):
        """``(w_qkv (E, 3E), b_qkv (3E,) or None)``: the q, k and v projections side by
        side (a copy; PyTorch's ``in_proj_weight`` is ``w_qkv.T``)."""
        layers = (self.q_proj, self.k_proj, self.v_proj)
        w_qkv = np.concatenate([layer.weight.data for layer in layers], axis=1)
        if self.q_proj.bias is None:
            return w_qkv, None
        return w_qkv, np.concatenate([layer.bias.data for layer in layers])

    def _check_inputs(self, query, key, value):
        query, key, value = (as_input(t, name) for t, name in ((query, "query"),
                                                               (key, "key"),
                                                               (value, "value")))
        for t, name, size in ((query, "query", self.embed_dim), (key, "key", self.kdim),
                              (value, "value", self.vdim)):
            if t.ndim != 3 or t.shape[2] != size:
                letters = {"query": "L", "key": "S", "value": "S"}[name]
                raise ValueError(f"{name}: MultiheadAttention(embed_dim={self.embed_dim}) "
                                 f"expected shape (N, {letters}, {size}), got shape {t.shape}")
        if not query.shape[0] == key.shape[0] == value.shape[0]:
            raise ValueError(f"query, key, value: expected the same batch size N, got shapes "
                             f"{query.shape}, {key.shape} and {value.shape}")
        if key.shape[1] != value.shape[1]:
            raise ValueError(f"key, value: expected the same sequence length S, got shapes "
                             f"{key.shape} and {value.shape}")
        return query, key, value

    def _mask(self, attn_mask, key_padding_mask, n, length, source_length, dtype):
        """One additive float mask broadcastable to (N, heads, L, S), or None."""
        mask = None
        if attn_mask is not None:
            array = _mask_array("attn_mask", attn_mask)
            full = (n * self.num_heads, length, source_length)
            if array.shape == full:
                array = array.reshape(n, self.num_heads, length, source_length)
            elif array.shape != (length, source_length):
                raise ValueError(f"attn_mask: expected shape (L, S) = ({length}, "
                                 f"{source_length}) or (N * num_heads, L, S) = {full}, "
                                 f"got shape {array.shape}")
            mask = _additive(array, True, dtype)
        if key_padding_mask is not None:
            array = _mask_array("key_padding_mask", key_padding_mask)
            if array.shape != (n, source_length):
                raise ValueError(f"key_padding_mask: expected shape (N, S) = ({n}, "
                                 f"{source_length}), got shape {array.shape}")
            padding = _additive(array, True, dtype)[:, None, None, :]
            mask = padding if mask is None else mask + padding
        return mask

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
