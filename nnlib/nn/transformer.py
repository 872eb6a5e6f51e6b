"""The transformer encoder (chapter 14): :class:`TransformerEncoderLayer`,
:class:`TransformerEncoder`, positional encodings and the causal mask.

One encoder layer is self-attention followed by a small two-layer network applied to every
position on its own (the feed-forward block), each wrapped in a residual connection and a
layer normalisation. Attention alone ignores the order of the positions, so the input gets
a positional encoding added first (:func:`sinusoidal_positional_encoding`).
"""
import copy

import numpy as np

from .. import functional as F
from .._checks import as_rng, check_positive, check_size
from ..tensor import Tensor
from .attention import (MultiheadAttention, _check_dropout, attention_backward,
                        attention_forward, interleave_qkv_grads, merge_heads, qkv_backward,
                        qkv_forward, split_heads)
from .dropout import Dropout
from .linear import Linear
from .module import Module, as_input
from .normalization import LayerNorm, float_dtype, layer_norm_backward, layer_norm_forward

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "PositionalEncoding",
           "generate_square_subsequent_mask", "sinusoidal_positional_encoding",
           "encoder_layer_forward", "encoder_layer_backward"]


def generate_square_subsequent_mask(size):
    """Causal mask for a sequence of ``size`` positions: boolean (T, T), True above the
    diagonal, i.e. where position t would look at a later position s > t.

    Pass it as ``attn_mask`` (or ``src_mask``) to :class:`MultiheadAttention` and
    :class:`TransformerEncoderLayer`, where True means "may not attend". (PyTorch's
    ``nn.Transformer.generate_square_subsequent_mask`` returns the float version: -inf
    where this is True, 0 elsewhere; both mask the same pairs.)

    >>> generate_square_subsequent_mask(3)
    array([[False,  True,  True],
           [False, False,  True],
           [False, False, False]])
    """
    size = check_size("size", size)
    return np.triu(np.ones((size, size), dtype=bool), k=1)


def sinusoidal_positional_encoding(length, d_model, dtype=np.float64):
    """The sine/cosine position codes of Vaswani et al. (2017), array (T, d_model).

    ``pe[t, 2i] = sin(t / 10000**(2i / d_model))`` and ``pe[t, 2i + 1] = cos(...)`` with the
    same angle: each pair of columns turns at its own speed, from one turn every 2 pi
    positions (columns 0, 1) to very slowly (the last columns).
    """
    length = check_size("length", length)
    d_model = check_size("d_model", d_model)
    position = np.arange(length)[:, None]                       # (T, 1)
    rates = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)    # (ceil(D / 2),)
    angles = position * rates                                   # (T, ceil(D / 2))
    pe = np.empty((length, d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return pe.astype(float_dtype(dtype))


class PositionalEncoding(Module):
    """Adds :func:`sinusoidal_positional_encoding` to a sequence (chapter 14), then
    dropout (as in PyTorch's transformer tutorial).

    Parameters
    ----------
    d_model : int, D
    max_len : int, the longest sequence accepted
    dropout : float in [0, 1), applied in training mode
    rng : np.random.Generator or int seed, for dropout (seed 0 when None)
    dtype : float dtype of the stored table

    Attributes
    ----------
    pe : buffer (max_len, d_model), a fixed table (not learned, saved by state_dict)

    Input (N, T, D) -> output (N, T, D): ``x + pe[:T]``, in the input's dtype.
    """

    def __init__(self, d_model, max_len=5000, dropout=0.0, rng=None, dtype=np.float64):
        self.d_model = check_size("d_model", d_model)
        self.max_len = check_size("max_len", max_len)
        self.register_buffer("pe", sinusoidal_positional_encoding(self.max_len, self.d_model,
                                                                  dtype))
        self.dropout = Dropout(_check_dropout(dropout), rng=as_rng(rng))

    def forward(self, x):
        x = as_input(x)
        if x.ndim != 3 or x.shape[2] != self.d_model or x.shape[1] > self.max_len:
            raise ValueError(f"x: PositionalEncoding(d_model={self.d_model}, max_len="
                             f"{self.max_len}) expected shape (N, T, {self.d_model}) with "
                             f"T <= {self.max_len}, got shape {x.shape}")
        out = x.data + self.pe[: x.shape[1]].astype(x.dtype, copy=False)  # keeps float32
        return self.dropout(Tensor.from_op(out, (x,), lambda g: g, "positional_encoding"))

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}, dropout={self.dropout.p}"


def encoder_layer_forward(x, p, num_heads, mask=None, norm_first=False, eps=(1e-5, 1e-5)):
    """One encoder layer on arrays, without dropout: the forward pass of
    :class:`TransformerEncoderLayer` as one function (cs231n style).

    Parameters
    ----------
    x : ndarray (N, T, D)
    p : dict of arrays
        ``w_qkv`` (D, 3D) and ``b_qkv`` (3D,) (the q, k, v projections side by side),
        ``w_out`` (D, D), ``b_out``, ``w1`` (D, F), ``b1``, ``w2`` (F, D), ``b2``, and the
        layer norms' ``g1``, ``s1``, ``g2``, ``s2`` (D,); biases may be None.
    num_heads : int
    mask : additive float mask broadcastable to (N, heads, T, T), or None
    norm_first : bool, pre-norm (True) or post-norm (False)
    eps : the two layer norms' eps

    Returns ``out`` (N, T, D) and the cache for :func:`encoder_layer_backward`.
    """
    def attention(y):                                         # (N, T, D) -> (N, T, D)
        q, k, v, c_qkv = qkv_forward(y, p["w_qkv"], p["b_qkv"], num_heads)
        heads, c_att = attention_forward(q, k, v, mask)
        out, c_out = F.linear_forward(merge_heads(heads), p["w_out"], p["b_out"])
        return out, (c_qkv, c_att, c_out)

    def feedforward(y):                                       # (N, T, D) -> (N, T, D)
        hidden, c1 = F.linear_forward(y, p["w1"], p["b1"])
        np.maximum(hidden, 0, out=hidden)                     # ReLU, in place
        out, c2 = F.linear_forward(hidden, p["w2"], p["b2"])
        return out, (c1, c2)

    if norm_first:                    # x + attention(norm1(x)), then h + ff(norm2(h))
        y1, c_n1 = layer_norm_forward(x, p["g1"], p["s1"], eps[0])
        a, c_a = attention(y1)
        h = a
        h += x
        y2, c_n2 = layer_norm_forward(h, p["g2"], p["s2"], eps[1])
        out, c_f = feedforward(y2)
        out += h
    else:                             # norm1(x + attention(x)), then norm2(y + ff(y))
        a, c_a = attention(x)
        a += x
        y1, c_n1 = layer_norm_forward(a, p["g1"], p["s1"], eps[0], overwrite=True)
        f, c_f = feedforward(y1)
        f += y1
        out, c_n2 = layer_norm_forward(f, p["g2"], p["s2"], eps[1], overwrite=True)
    return out, (c_a, c_f, c_n1, c_n2, num_heads, norm_first)


def encoder_layer_backward(dout, cache, need_dx=True):
    """Gradients of :func:`encoder_layer_forward`.

    dout : ndarray (N, T, D). Returns ``dx`` (N, T, D) (or None) and a dict of the
    parameters' gradients under the names of ``p`` (None for missing biases).
    """
    c_a, c_f, c_n1, c_n2, num_heads, norm_first = cache
    grads = {}

    def attention_block_backward(d, need):
        c_qkv, c_att, c_out = c_a
        d_heads, grads["w_out"], grads["b_out"] = F.linear_backward(d, c_out)
        dq, dk, dv = attention_backward(split_heads(d_heads, num_heads), c_att)
        dy, grads["w_qkv"], grads["b_qkv"] = qkv_backward(dq, dk, dv, c_qkv, need)
        return dy

    def feedforward_block_backward(d):
        c1, c2 = c_f
        d_hidden, grads["w2"], grads["b2"] = F.linear_backward(d, c2)
        d_hidden *= c2[0] > 0                                 # ReLU: hidden > 0
        dy, grads["w1"], grads["b1"] = F.linear_backward(d_hidden, c1)
        return dy

    if norm_first:
        dy2 = feedforward_block_backward(dout)
        dh, grads["g2"], grads["s2"] = layer_norm_backward(dy2, c_n2)
        dh += dout                                            # the residual h + ff
        dy1 = attention_block_backward(dh, True)
        dx, grads["g1"], grads["s1"] = layer_norm_backward(dy1, c_n1)
        dx += dh                                              # the residual x + attention
    else:
        d_sum, grads["g2"], grads["s2"] = layer_norm_backward(dout, c_n2)
        dy1 = feedforward_block_backward(d_sum)
        dy1 += d_sum                                          # the residual y1 + ff
        d_sum, grads["g1"], grads["s1"] = layer_norm_backward(dy1, c_n1)
        dx = attention_block_backward(d_sum, need_dx)
        if need_dx:
            dx += d_sum                                       # the residual x + attention
    return dx, grads


class TransformerEncoderLayer(Module):
    """One transformer encoder layer, as ``torch.nn.TransformerEncoderLayer`` with
    ``batch_first=True`` (chapter 14).

    With ``norm_first=False`` (post-norm, PyTorch's default and the original paper's)::

        x = norm1(x + self_attn(x, x, x))
        x = norm2(x + linear2(relu(linear1(x))))

    With ``norm_first=True`` (pre-norm, easier to train deep)::

        x = x + self_attn(norm1(x), ...)
        x = x + linear2(relu(linear1(norm2(x))))

    Dropout, when ``dropout > 0`` and in training mode, acts on the attention weights,
    after the attention (``dropout1``), after the ReLU (``dropout``) and after ``linear2``
    (``dropout2``), as in PyTorch.

    For speed, the standard layer (ReLU, no active dropout) runs as one graph node written
    with numpy (:func:`encoder_layer_forward`, :func:`encoder_layer_backward`); otherwise
    the sub-modules are called one after the other. Both give the numbers of the formulas
    above.

    Parameters
    ----------
    d_model : int, D, the feature size of every position
    nhead : int, the number of attention heads (must divide d_model)
    dim_feedforward : int, the hidden size of the feed-forward block
    dropout : float in [0, 1) (PyTorch's default is 0.1; nnlib's is 0)
    activation : "relu", or a callable Tensor -> Tensor (e.g. ``nnlib.nn.Tanh()``)
    layer_norm_eps : float
    batch_first : must be True; accepted for PyTorch's spelling
    norm_first : bool, pre-norm (True) or post-norm (False)
    bias : bool, biases in the linear layers, attention and layer norms
    rng : np.random.Generator or int seed (seed 0 when None): weights and dropout
    dtype : float dtype of the parameters (float64 by default)

    Attributes
    ----------
    self_attn : :class:`MultiheadAttention`
    linear1 : Linear (D, dim_feedforward);  linear2 : Linear (dim_feedforward, D)
    norm1, norm2 : :class:`LayerNorm` (D)
    dropout, dropout1, dropout2 : :class:`Dropout`

    Input src (N, T, D) -> output (N, T, D).
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.0, activation="relu",
                 layer_norm_eps=1e-5, batch_first=True, norm_first=False, bias=True,
                 rng=None, dtype=np.float64):
        self.d_model = check_size("d_model", d_model)
        dim_feedforward = check_size("dim_feedforward", dim_feedforward)
        p = _check_dropout(dropout)
        eps = check_positive("layer_norm_eps", layer_norm_eps)
        if activation != "relu" and not callable(activation):
            raise ValueError(f"activation: expected 'relu' or a callable, got {activation!r}")
        rng = as_rng(rng)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=p, bias=bias,
                                            batch_first=batch_first, rng=rng, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, rng=rng, dtype=dtype,
                              init="xavier")
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, rng=rng, dtype=dtype,
                              init="xavier")
        self.norm1 = LayerNorm(d_model, eps=eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=eps, bias=bias, dtype=dtype)
        self.dropout = Dropout(p, rng=rng)
        self.dropout1 = Dropout(p, rng=rng)
        self.dropout2 = Dropout(p, rng=rng)
        self.activation = activation
        self.norm_first = bool(norm_first)
        self.batch_first = True

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (N, T, D) -> (N, T, D).

        Parameters
        ----------
        src_mask : optional (T, T) mask for the self-attention
            Boolean True = may not attend (see :func:`generate_square_subsequent_mask`),
            or float, added to the scores.
        src_key_padding_mask : optional (N, T), boolean True = a padding position
        is_causal : bool, a causal mask is used when src_mask is None
        """
        x = as_input(src, "src")
        if x.ndim != 3 or x.shape[2] != self.d_model:
            raise ValueError(f"src: TransformerEncoderLayer(d_model={self.d_model}) expected "
                             f"shape (N, T, {self.d_model}), got shape {x.shape}")
        if is_causal and src_mask is None:
            src_mask = generate_square_subsequent_mask(x.shape[1])
        if self._fusable():
            return self._forward_fused(x, src_mask, src_key_padding_mask)
        if self.norm_first:
            x = x + self._attention_block(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._feedforward_block(self.norm2(x))
        x = self.norm1(x + self._attention_block(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._feedforward_block(x))

    def _attention_block(self, x, mask, key_padding_mask):
        out, _ = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask,
                                need_weights=False)
        return self.dropout1(out)

    def _feedforward_block(self, x):
        hidden = self.linear1(x)
        hidden = hidden.relu() if self.activation == "relu" else self.activation(hidden)
        return self.dropout2(self.linear2(self.dropout(hidden)))

    # ---- the same layer as one graph node --------------------------------------------
    def _fusable(self):
        """True when the layer is the standard one (ReLU, the usual sub-modules) and no
        dropout is active: then :meth:`_forward_fused` computes it as one node."""
        dropout = (self.dropout.p, self.dropout1.p, self.dropout2.p, self.self_attn.dropout)
        return (self.activation == "relu" and not (self.training and any(dropout))
                and isinstance(self.self_attn, MultiheadAttention)
                and all(isinstance(m, Linear) for m in (self.linear1, self.linear2))
                and all(isinstance(m, LayerNorm) for m in (self.norm1, self.norm2)))

    def _forward_fused(self, x, mask, key_padding_mask):
        """The layer as ONE graph node (:func:`encoder_layer_forward` and
        :func:`encoder_layer_backward`): the same numbers as the sub-modules, without a
        graph node, a closure and a kept gradient for every step inside the layer."""
        attn = self.self_attn
        n, length, _ = x.shape
        dtype = np.result_type(attn.q_proj.weight.data, x.data)
        mask = attn._mask(mask, key_padding_mask, n, length, length, dtype)
        w_qkv, b_qkv = attn.packed_in_proj()
        named = {"w_out": attn.out_proj.weight, "b_out": attn.out_proj.bias,
                 "w1": self.linear1.weight, "b1": self.linear1.bias,
                 "w2": self.linear2.weight, "b2": self.linear2.bias,
                 "g1": self.norm1.weight, "s1": self.norm1.bias,
                 "g2": self.norm2.weight, "s2": self.norm2.bias}
        p = {name: None if t is None else t.data for name, t in named.items()}
        p.update(w_qkv=w_qkv, b_qkv=b_qkv)
        out, cache = encoder_layer_forward(x.data, p, attn.num_heads, mask, self.norm_first,
                                           (self.norm1.eps, self.norm2.eps))
        qkv_params = [t for layer in (attn.q_proj, attn.k_proj, attn.v_proj)
                      for t in (layer.weight, layer.bias) if t is not None]
        other = [name for name, t in named.items() if t is not None]

        def backward(g):
            dx, grads = encoder_layer_backward(g, cache, need_dx=x.requires_grad)
            qkv = interleave_qkv_grads(grads["w_qkv"], grads["b_qkv"])
            return (dx, *qkv, *(grads[name] for name in other))

        parents = (x, *qkv_params, *(named[name] for name in other))
        return Tensor.from_op(out, parents, backward, "transformer_encoder_layer")

    def extra_repr(self):
        return f"norm_first={self.norm_first}"


class TransformerEncoder(Module):
    """A stack of ``num_layers`` encoder layers, as ``torch.nn.TransformerEncoder``
    (chapter 14).

    Parameters
    ----------
    encoder_layer : TransformerEncoderLayer, or a callable returning a new layer
        A layer is copied ``num_layers`` times, as PyTorch does (so every copy starts from
        the same weights; each copy's dropout gets its own random stream). A callable (e.g.
        ``lambda: TransformerEncoderLayer(32, 2, 64, rng=rng)``) is called once per layer,
        giving each its own initial weights.
    num_layers : int
    norm : Module, optional, applied after the last layer (e.g. ``LayerNorm(D)`` with
        pre-norm layers)
    enable_nested_tensor, mask_check : accepted for PyTorch's spelling; no effect

    Attributes
    ----------
    layers : list of the layers (``layers.0.self_attn.q_proj.weight``, ...)

    Input src (N, T, D) -> output (N, T, D).
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        num_layers = check_size("num_layers", num_layers)
        if isinstance(encoder_layer, Module):
            layers = [copy.deepcopy(encoder_layer) for _ in range(num_layers)]
            for i, layer in enumerate(layers):
                _reseed_dropout(layer, i)
        elif callable(encoder_layer):
            layers = [encoder_layer() for _ in range(num_layers)]
        else:
            raise ValueError(f"encoder_layer: expected a TransformerEncoderLayer or a "
                             f"callable returning one, got {type(encoder_layer).__name__}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ValueError(f"encoder_layer: expected the callable to return a Module, "
                                 f"got {type(layer).__name__} for layer {i}")
        if norm is not None and not isinstance(norm, Module):
            raise ValueError(f"norm: expected a Module or None, got {type(norm).__name__}")
        self.layers = layers
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=False):
        """src (N, T, D) -> (N, T, D); the masks are passed to every layer."""
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal)
        return x if self.norm is None else self.norm(x)


def _reseed_dropout(module, index):
    """Give every Dropout inside ``module`` a generator of its own, derived from its
    current one and ``index``, so copied layers do not share dropout masks."""
    for child in [module] + _descendants(module):
        if isinstance(child, (Dropout, MultiheadAttention)):
            seed = int(child.rng.integers(2**63)) + index
            child.rng = np.random.default_rng(seed)


def _descendants(module):
    result = []
    for child in module.children():
        result.append(child)
        result.extend(_descendants(child))
    return result
