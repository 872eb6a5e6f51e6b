"""The lookup table :class:`Embedding` (chapter 14: tokens become vectors).

An embedding turns integer ids (words, characters, positions) into learned vectors: row
``i`` of ``weight`` is the vector of id ``i``. Looking up a row is the same as multiplying a
one-hot vector by ``weight``, without building the one-hot vector; the gradient of a row is
the sum of the gradients of every place where its id appeared.
"""
import numbers

import numpy as np

from .._checks import as_rng, check_size
from ..tensor import Tensor
from .module import Module, Parameter
from .normalization import float_dtype

__all__ = ["Embedding"]


def as_indices(name, indices, size):
    """``indices`` as an integer ndarray with values in [0, size), or a ValueError.

    Accepts integer arrays, nested lists, and float arrays or Tensors holding whole
    numbers (nnlib's Tensor stores numbers as floats).
    """
    if isinstance(indices, Tensor):
        indices = indices.data
    array = np.asarray(indices)
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.round(array))
        if not whole.all():
            bad = array[~whole].flat[0].item()
            raise ValueError(f"{name}: expected integer indices, got value {bad!r}")
        array = array.astype(np.intp)
    elif array.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected integer indices, got dtype {array.dtype}")
    if array.size:
        low, high = array.min(), array.max()
        if low < 0 or high >= size:
            bad = low if low < 0 else high
            raise ValueError(f"{name}: expected integers in [0, {size}), got value {int(bad)}")
    return array


class Embedding(Module):
    """A table of ``num_embeddings`` learned vectors of size ``embedding_dim``, as
    ``torch.nn.Embedding`` (chapter 14).

    Parameters
    ----------
    num_embeddings : int, V, the number of ids (the vocabulary size)
    embedding_dim : int, D, the size of each vector
    padding_idx : int, optional
        An id whose vector starts at zero and never learns (gets no gradient), for the
        padding token of sequences of different lengths.
    rng : np.random.Generator or int seed, optional (seed 0 when None)
    dtype : float dtype of the table (float64 by default)

    Attributes
    ----------
    weight : Parameter, shape (num_embeddings, embedding_dim), initialised N(0, 1) as in
        PyTorch

    Input: integer ids of any shape, e.g. (N, T), with values in [0, num_embeddings)
    -> output (..., embedding_dim), e.g. (N, T, D): ``output[n, t] = weight[ids[n, t]]``.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, rng=None,
                 dtype=np.float64):
        self.num_embeddings = check_size("num_embeddings", num_embeddings)
        self.embedding_dim = check_size("embedding_dim", embedding_dim)
        if padding_idx is not None:
            if (isinstance(padding_idx, bool) or not isinstance(padding_idx, numbers.Integral)
                    or not -self.num_embeddings <= padding_idx < self.num_embeddings):
                raise ValueError(f"padding_idx: expected an id in [0, {self.num_embeddings}),"
                                 f" got {padding_idx!r}")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        rng = as_rng(rng)
        dtype = float_dtype(dtype)
        weight = rng.standard_normal((self.num_embeddings, self.embedding_dim))
        if padding_idx is not None:
            weight[padding_idx] = 0
        self.weight = Parameter(weight.astype(dtype))

    def forward(self, indices):
        ids = as_indices("indices", indices, self.num_embeddings)
        w = self.weight
        out = w.data[ids]

        def backward(g):
            grad = np.zeros_like(w.data)
            np.add.at(grad, ids.reshape(-1), g.reshape(-1, self.embedding_dim))
            if self.padding_idx is not None:
                grad[self.padding_idx] = 0
            return (grad,)

        return Tensor.from_op(out, (w,), backward, "embedding")

    def extra_repr(self):
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
