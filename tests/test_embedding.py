"""Tests of nnlib.nn.Embedding."""
import numpy as np
import pytest

from nnlib import nn
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor


@pytest.mark.parametrize("ids", [np.array(3), np.array([4, 0, 4]),
                                 np.array([[1, 2, 3], [3, 2, 1]]),
                                 np.arange(8).reshape(2, 2, 2)])
def test_embedding_looks_up_rows_for_any_shape(ids):
    emb = nn.Embedding(8, 5, rng=0)
    out = emb(ids)
    assert out.shape == ids.shape + (5,)
    np.testing.assert_array_equal(out.data, emb.weight.data[ids])


def test_embedding_equals_one_hot_times_weight(rng):
    emb = nn.Embedding(6, 3, rng=rng)
    ids = np.array([5, 0, 2])
    np.testing.assert_allclose(emb(ids).data, np.eye(6)[ids] @ emb.weight.data)


def test_embedding_gradient_accumulates_for_repeated_ids(rng):
    emb = nn.Embedding(5, 2, rng=rng)
    ids = np.array([[1, 3, 1], [1, 0, 3]])                   # id 1 three times, 3 twice
    g = rng.normal(size=(2, 3, 2))
    emb(ids).backward(g)
    expected = np.zeros((5, 2))
    expected[1] = g[0, 0] + g[0, 2] + g[1, 0]
    expected[3] = g[0, 1] + g[1, 2]
    expected[0] = g[1, 1]                                    # rows 2 and 4 unused: 0
    np.testing.assert_allclose(emb.weight.grad, expected)


def test_embedding_gradcheck(rng):
    emb = nn.Embedding(4, 3, rng=rng)
    ids = np.array([[0, 2, 2], [3, 2, 0]])
    coefficients = Tensor(rng.normal(size=(2, 3, 3)))

    def fn(weight):
        emb.weight = weight
        return (emb(ids) * coefficients).tanh()

    assert gradcheck(fn, emb.weight) < 1e-7


def test_embedding_accepts_lists_whole_floats_and_tensors():
    emb = nn.Embedding(4, 2, rng=0)
    expected = emb.weight.data[[[1, 2], [3, 0]]]
    for ids in ([[1, 2], [3, 0]], np.array([[1.0, 2.0], [3.0, 0.0]]),
                Tensor([[1, 2], [3, 0]]), np.array([[1, 2], [3, 0]], dtype=np.uint8)):
        np.testing.assert_array_equal(emb(ids).data, expected)


@pytest.mark.parametrize("ids, match", [
    (np.array([0, 4]), r"indices: expected integers in \[0, 4\), got value 4"),
    (np.array([-1, 2]), r"indices: expected integers in \[0, 4\), got value -1"),
    (np.array([0.5, 1.0]), "indices: expected integer indices, got value 0.5"),
    (np.array([np.nan]), "indices: expected integer indices, got value nan"),
    (np.array([True, False]), "indices: expected integer indices, got dtype bool"),
    (np.array(["a"]), "indices: expected integer indices, got dtype <U1"),
])
def test_embedding_rejects_bad_ids(ids, match):
    with pytest.raises(ValueError, match=match):
        nn.Embedding(4, 2)(ids)


def test_embedding_padding_idx_starts_at_zero_and_never_learns(rng):
    emb = nn.Embedding(5, 3, padding_idx=2, rng=rng)
    np.testing.assert_array_equal(emb.weight.data[2], 0)
    emb(np.array([2, 2, 1])).backward(np.ones((3, 3)))
    np.testing.assert_array_equal(emb.weight.grad[2], 0)
    np.testing.assert_array_equal(emb.weight.grad[1], 1)
    assert nn.Embedding(5, 3, padding_idx=-1).padding_idx == 4     # as PyTorch


def test_embedding_initialisation_is_standard_normal_and_seeded():
    emb = nn.Embedding(2000, 50, rng=1)
    assert emb.weight.shape == (2000, 50)
    assert abs(emb.weight.data.mean()) < 0.01 and abs(emb.weight.data.std() - 1) < 0.01
    np.testing.assert_array_equal(emb.weight.data, nn.Embedding(2000, 50, rng=1).weight.data)
    assert not np.array_equal(emb.weight.data, nn.Embedding(2000, 50, rng=2).weight.data)
    assert [name for name, _ in emb.named_parameters()] == ["weight"]


def test_embedding_float32():
    emb = nn.Embedding(5, 3, dtype=np.float32)
    out = emb(np.array([[1, 1]]))
    out.backward(np.ones((1, 2, 3)))
    assert out.dtype == emb.weight.grad.dtype == np.float32
    np.testing.assert_array_equal(emb.weight.grad[1], 2)


@pytest.mark.parametrize("args, kwargs, match", [
    ((0, 3), {}, "num_embeddings"), ((4, 0), {}, "embedding_dim"),
    ((4, 2.5), {}, "embedding_dim"), ((4, 3), {"padding_idx": 4}, "padding_idx"),
    ((4, 3), {"padding_idx": 1.0}, "padding_idx"), ((4, 3), {"dtype": int}, "dtype"),
    ((4, 3), {"rng": "seed"}, "rng"),
])
def test_embedding_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.Embedding(*args, **kwargs)
