"""Counting the arithmetic of a network: multiply-adds per layer (chapter 16, *In practice*).

A **multiply-add** (MAC) is one ``a * b + c``: the unit of work of a matrix product. A dense
layer with D inputs and H outputs costs ``D * H`` multiply-adds per example; a FLOP count is
twice that (one multiplication and one addition). :func:`count_macs` walks a model layer by
layer with shape arithmetic only (nothing is computed, so a 224x224 photo costs nothing) and
returns one :class:`LayerCost` per layer that does arithmetic worth counting.

What is counted: the matrix products of :class:`~nnlib.nn.Linear`, :class:`~nnlib.nn.Conv2d`,
the recurrent layers (:class:`~nnlib.nn.RNN`, :class:`~nnlib.nn.LSTM`, :class:`~nnlib.nn.GRU`)
and :class:`~nnlib.nn.MultiheadAttention` (self-attention). Biases, activations, pooling and
softmax are left out: they touch each number once, the products touch it hundreds of times.

A **training step** adds the backward pass. For every weight matrix it computes two more
products of the same size as the forward one: the gradient of the weights (``x.T @ g``) and
the gradient of the layer's input (``g @ W.T``). The first layer skips the second (nobody
needs the gradient of the data; nnlib skips it too), so a training step costs about three
forward passes.
"""
import numbers
from dataclasses import dataclass

__all__ = ["LayerCost", "count_macs", "linear_macs", "conv2d_macs", "recurrent_macs",
           "attention_macs", "total", "training_flops"]


@dataclass(frozen=True)
class LayerCost:
    """The multiply-adds of one layer for a whole batch.

    name: the layer's position and class, e.g. ``"0 Linear(64, 256)"``; forward: MACs of
    the forward pass; backward: MACs of the backward pass; train: forward + backward;
    params: the layer's number of parameters; out_shape: the layer's output shape.
    """

    name: str
    forward: int
    backward: int
    params: int
    out_shape: tuple

    @property
    def train(self):
        return self.forward + self.backward


def _check_shape(name, shape):
    shape = tuple(shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1
                        for s in shape):
        raise ValueError(f"{name}: expected a tuple of positive whole numbers, got {shape!r}")
    return tuple(int(s) for s in shape)


def linear_macs(n, in_features, out_features):
    """``n * in_features * out_features``: a batch of n rows through a dense layer."""
    return n * in_features * out_features


def conv2d_macs(n, in_channels, out_channels, kernel_size, out_hw):
    """Each of the n x F x Ho x Wo outputs is a dot product of C * kH * kW numbers."""
    (kh, kw), (ho, wo) = kernel_size, out_hw
    return n * out_channels * ho * wo * in_channels * kh * kw


def recurrent_macs(n, steps, input_size, hidden_size, gates=1):
    """Per step and example, ``gates`` products of x (D) and h (H) with their weights:
    ``n * steps * gates * (D * H + H * H)`` (RNN: 1 gate, GRU: 3, LSTM: 4)."""
    return n * steps * gates * (input_size * hidden_size + hidden_size * hidden_size)


def attention_macs(n, length, embed_dim):
    """Self-attention over (n, L, E): four projections (query, key, value, output:
    ``4 * L * E * E``), the scores ``Q @ K.T`` (``L * L * E``) and the weighted sum of values
    (``L * L * E``), per example."""
    return n * (4 * length * embed_dim * embed_dim + 2 * length * length * embed_dim)


def _count_params(module):
    return sum(p.data.size for p in module.parameters())


def _linear(layer, shape):
    if shape[-1] != layer.in_features:
        raise ValueError(f"input_shape: {type(layer).__name__} expects a last dimension of "
                         f"{layer.in_features}, got shape {shape}")
    rows = 1
    for s in shape[:-1]:
        rows *= s
    return linear_macs(rows, layer.in_features, layer.out_features), \
        shape[:-1] + (layer.out_features,)


def _conv(layer, shape):
    if len(shape) != 4 or shape[1] != layer.in_channels:
        raise ValueError(f"input_shape: Conv2d expects (N, {layer.in_channels}, H, W), got "
                         f"{shape}")
    n, _, h, w = shape
    (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    macs = conv2d_macs(n, layer.in_channels, layer.out_channels, (kh, kw), (ho, wo))
    return macs, (n, layer.out_channels, ho, wo)


def _pool(layer, shape):
    (kh, kw), (sh, sw), (ph, pw) = (_pair(layer.kernel_size), _pair(layer.stride),
                                    _pair(layer.padding))
    n, c, h, w = shape
    return 0, (n, c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _recurrent(layer, shape):
    if len(shape) != 3 or shape[2] != layer.input_size:
        raise ValueError(f"input_shape: {type(layer).__name__} expects (N, T, "
                         f"{layer.input_size}), got {shape}")
    n, steps, _ = shape
    macs = recurrent_macs(n, steps, layer.input_size, layer.hidden_size, layer._n_gates)
    return macs, (n, steps, layer.hidden_size)


def _attention(layer, shape):
    if len(shape) != 3 or shape[2] != layer.embed_dim:
        raise ValueError(f"input_shape: MultiheadAttention expects (N, L, "
                         f"{layer.embed_dim}), got {shape}")
    return attention_macs(shape[0], shape[1], layer.embed_dim), shape


def _flatten(layer, shape):
    size = 1
    for s in shape[1:]:
        size *= s
    return 0, (shape[0], size)


def _rule(layer):
    """The shape-and-cost rule for one layer, or None for shape-keeping layers."""
    from nnlib import nn

    rules = [(nn.Linear, _linear), (nn.Conv2d, _conv), ((nn.MaxPool2d, nn.AvgPool2d), _pool),
             ((nn.RNN, nn.LSTM, nn.GRU), _recurrent), (nn.MultiheadAttention, _attention),
             (nn.Flatten, _flatten)]
    for kind, rule in rules:
        if isinstance(layer, kind):
            return rule
    return None


def _keeps_shape(layer):
    """Normalisation layers have parameters but only scale each number: not counted."""
    from nnlib import nn

    return isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm))


def _layers(model):
    from nnlib import nn

    if isinstance(model, nn.Sequential):
        return [(str(i), layer) for i, layer in enumerate(model)]
    return [("0", model)]


def count_macs(model, input_shape):
    """Multiply-adds of a forward pass and of a training step, layer by layer (chapter 16).

    model : a :class:`~nnlib.nn.Sequential` (its layers are walked in order) or one layer
        (Linear, Conv2d, RNN/LSTM/GRU, or MultiheadAttention used as self-attention)
    input_shape : the batch's shape, e.g. ``(32, 64)`` for 32 flattened digits or
        ``(32, 1, 8, 8)`` for 32 digit images

    Returns a list of :class:`LayerCost`, one per layer that multiplies by weights (layers
    that only keep or reshape their input, such as ReLU or pooling, are walked through but
    not listed). Backward = forward for the weight gradient, plus forward again for the
    input gradient except in the first such layer.
    """
    shape = _check_shape("input_shape", input_shape)
    rows, first = [], True
    for name, layer in _layers(model):
        rule = _rule(layer)
        if rule is None:
            if _count_params(layer) and not _keeps_shape(layer):  # cannot count: say so
                raise ValueError(f"model: count_macs counts Linear, Conv2d, RNN/LSTM/GRU and "
                                 f"MultiheadAttention layers, got {type(layer).__name__} "
                                 f"(layer {name}) with parameters")
            continue
        macs, shape = rule(layer, shape)
        if rule in (_flatten, _pool):
            continue
        backward = macs if first else 2 * macs
        label = f"{name} {type(layer).__name__}"
        rows.append(LayerCost(label, macs, backward, _count_params(layer), shape))
        first = False
    return rows


def total(costs, kind="train"):
    """Sum of ``kind`` ("forward", "backward" or "train") over a list of :class:`LayerCost`."""
    if kind not in ("forward", "backward", "train"):
        raise ValueError(f"kind: expected 'forward', 'backward' or 'train', got {kind!r}")
    return sum(getattr(c, kind) for c in costs)


def training_flops(params, examples):
    """The rule of thumb for a dense network: ``6 * params * examples`` FLOPs of training
    (each weight is used once per example: 1 multiply-add forward, 2 backward; 2 FLOPs per
    multiply-add). For a language model, "examples" are tokens."""
    return 6 * params * examples
