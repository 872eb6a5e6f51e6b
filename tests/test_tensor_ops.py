"""Tensor operations the Part II-IV layers need: each gradient-checked in float64 by
finite differences, and run in float32 (dtype kept)."""
import numpy as np
import pytest

import nnlib
from nnlib.numerical import gradcheck
from nnlib.ops import cat, stack, where
from nnlib.tensor import Tensor, no_grad

TOL = 1e-6


def weighted(fn, weights):
    """``fn`` followed by a weighted sum: every output entry matters differently."""
    return lambda *ts: fn(*ts) * weights


def check(rng, fn, *arrays):
    """Gradcheck in float64, then run in float32 and compare to float64."""
    out64 = fn(*(Tensor(a) for a in arrays))
    w = rng.normal(size=out64.shape)
    assert gradcheck(weighted(fn, w), *arrays) < TOL
    tensors32 = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out32 = fn(*tensors32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.data, out64.data, rtol=1e-4, atol=1e-5)
    (out32 * w.astype(np.float32)).sum().backward()
    assert all(t.grad.dtype == np.float32 for t in tensors32)


# ---------------------------------------------------------------------------- elementwise

@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid",
                                  "relu", "abs"])
def test_elementwise(rng, name):
    x = rng.uniform(0.3, 2.0, size=(3, 4))
    if name in ("relu", "abs", "sin", "cos", "tanh", "sigmoid"):
        x = x * rng.choice([-1, 1], size=x.shape)
    check(rng, lambda t: getattr(t, name)(), x)
    reference = {"relu": lambda a: np.maximum(a, 0),
                 "sigmoid": lambda a: 1 / (1 + np.exp(-a))}
    expected = reference[name](x) if name in reference else getattr(np, name)(x)
    np.testing.assert_allclose(getattr(Tensor(x), name)().data, expected)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.0, np.float32(2.0)])
def test_power(rng, exponent):
    x = rng.uniform(0.5, 2.0, size=(2, 3))
    check(rng, lambda t: t ** exponent, x)


@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((3, 1), (1, 5))],
                         ids=str)
def test_broadcasting_arithmetic_chain(rng, shapes):
    a, b = rng.uniform(0.5, 2, size=shapes[0]), rng.uniform(0.5, 2, size=shapes[1])
    check(rng, lambda x, y: (x * y + x / y - y) ** 2, a, b)


# ---------------------------------------------------------------------------- reductions

@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions(rng, axis, keepdims, name):
    x = rng.normal(size=(2, 3, 4))
    check(rng, lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x)
    np.testing.assert_allclose(getattr(Tensor(x), name)(axis=axis, keepdims=keepdims).data,
                               getattr(np, name)(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_var_and_std(rng, axis, correction, keepdims):
    x = rng.normal(size=(4, 3))
    check(rng, lambda t: t.var(axis, keepdims, correction=correction), x)
    check(rng, lambda t: t.std(axis, keepdims, correction=correction), x)
    np.testing.assert_allclose(Tensor(x).var(axis, keepdims, correction=correction).data,
                               np.var(x, axis=axis, ddof=correction, keepdims=keepdims))


def test_var_defaults_to_unbiased_like_pytorch(rng):
    x = rng.normal(size=10)
    assert np.isclose(Tensor(x).var().item(), np.var(x, ddof=1))
    assert np.isclose(Tensor(x).var(unbiased=False).item(), np.var(x))
    with pytest.raises(ValueError, match="correction, unbiased"):
        Tensor(x).var(correction=1, unbiased=True)
    with pytest.raises(ValueError, match="correction"):
        Tensor(x).var(correction=-1)


def test_min_ties_share_the_gradient_like_max():
    x = Tensor([[2.0, 1.0, 1.0, 5.0]], requires_grad=True)
    x.min().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5, 0]])
    y = Tensor([[2.0, 2.0], [1.0, 3.0]], requires_grad=True)
    y.max(axis=1).sum().backward()
    np.testing.assert_allclose(y.grad, [[0.5, 0.5], [0, 1]])


def test_argmax_and_comparisons_give_arrays():
    x = Tensor([[1.0, 3.0], [4.0, 2.0]])
    np.testing.assert_array_equal(x.argmax(axis=1), [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=0), [0, 1])
    assert (x > 2).dtype == bool
    np.testing.assert_array_equal(x >= Tensor([[1.0, 4.0], [0.0, 2.0]]),
                                  [[True, False], [True, True]])
    np.testing.assert_array_equal(x < 2, [[True, False], [False, False]])
    np.testing.assert_array_equal(x <= 2, [[True, False], [False, True]])


# ---------------------------------------------------------------------------- shape

@pytest.mark.parametrize("fn", [
    lambda t: t.reshape(4, 6), lambda t: t.reshape(-1), lambda t: t.permute(2, 0, 1),
    lambda t: t.permute((1, 2, 0)), lambda t: t.transpose(0, 1), lambda t: t.transpose(-1, 0),
    lambda t: t.transpose(2, 1, 0), lambda t: t.T, lambda t: t.unsqueeze(1),
    lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(0).squeeze(), lambda t: t.squeeze(1),
    lambda t: t[:, :1].squeeze(1), lambda t: t.flatten(), lambda t: t.flatten(1),
    lambda t: t.flatten(0, 1),
], ids=["reshape", "reshape_-1", "permute", "permute_tuple", "transpose_swap",
        "transpose_neg", "transpose_perm", "T", "unsqueeze", "unsqueeze_neg",
        "squeeze_all", "squeeze_noop", "squeeze_dim", "flatten", "flatten1", "flatten01"])
def test_shape_ops(rng, fn):
    check(rng, fn, rng.normal(size=(2, 3, 4)))


def test_shape_ops_follow_pytorch():
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.transpose(0, 1).shape == (3, 2, 4)  # PyTorch: swap two axes
    assert x.transpose(2, 0, 1).shape == (4, 2, 3)  # numpy: a permutation
    assert Tensor(np.zeros((2, 3))).transpose(0, 1).shape == (3, 2)
    assert x.permute(0, 2, 1).shape == (2, 4, 3)
    assert x.unsqueeze(0).shape == (1, 2, 3, 4) and x.unsqueeze(3).shape == (2, 3, 4, 1)
    assert x.squeeze(0).shape == (2, 3, 4)  # not length 1: left alone
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4) and Tensor(3.0).flatten().shape == (1,)


@pytest.mark.parametrize("call, match", [
    (lambda x: x.reshape(5, 5), r"shape: expected a shape with 24 entries.*\(5, 5\)"),
    (lambda x: x.permute(0, 1), r"dims: expected a permutation of the 3 axes"),
    (lambda x: x.permute(0, 1, 1), "dims"),
    (lambda x: x.unsqueeze(4), r"dim: expected an axis in \[-4, 3\], got 4"),
    (lambda x: x.squeeze(3), "dim"),
    (lambda x: x.transpose(0, 3), "axes"),
    (lambda x: x.flatten(2, 1), "end_dim"),
    (lambda x: x.unsqueeze(1.0), "integer"),
])
def test_shape_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(Tensor(np.zeros((2, 3, 4))))


# ---------------------------------------------------------------------------- indexing

@pytest.mark.parametrize("index", [
    (slice(None), 1), (Ellipsis, slice(1, 3)), (None, 0), (slice(None, None, -1),),
    (np.array([0, 1, 1]),), (slice(None), np.array([2, 2, 0])),
    (np.array([[0, 1], [1, 1]]), np.array([[0, 0], [3, 3]])), (np.array([True, False, True]),),
    (1, slice(None), np.array([0, 3, 3])),
], ids=["column", "ellipsis", "newaxis", "reverse", "rows_repeated", "cols_repeated",
        "pairs_2d", "bool_rows", "mixed"])
def test_indexing_with_backward(rng, index):
    x = rng.normal(size=(3, 4)) if len(index) < 3 or index[0] is None else None
    if x is None:
        x = rng.normal(size=(2, 3, 4))
    check(rng, lambda t: t[index], x)
    np.testing.assert_array_equal(Tensor(x)[index].data, x[index])


def test_repeated_integer_indices_accumulate():
    x = Tensor(np.zeros((3, 2)), requires_grad=True)
    x[np.array([2, 0, 2, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 1], [0, 0], [3, 3]])
    emb = Tensor(np.ones((5, 2)), requires_grad=True)  # an embedding lookup (N, T)
    emb[np.array([[1, 1], [4, 1]])].sum().backward()
    np.testing.assert_array_equal(emb.grad[:, 0], [0, 3, 0, 0, 1])


def test_masked_fill(rng):
    x = rng.normal(size=(2, 3, 3))
    causal = np.triu(np.ones((3, 3), dtype=bool), k=1)  # True: may not attend
    check(rng, lambda t: t.masked_fill(causal, -4.0), x)
    out = Tensor(x).masked_fill(causal, -np.inf)
    assert np.isneginf(out.data[:, causal]).all() and np.isfinite(out.data[:, ~causal]).all()
    t = Tensor(x, requires_grad=True)
    t.masked_fill(causal, 0.0).sum().backward()
    np.testing.assert_array_equal(t.grad, np.broadcast_to(~causal, x.shape))
    softmax = Tensor(x).masked_fill(causal, -np.inf).softmax(axis=-1).data
    assert (softmax[:, causal] == 0).all()
    assert Tensor(x.astype(np.float32)).masked_fill(causal, -1e9).dtype == np.float32


@pytest.mark.parametrize("mask, value, match", [
    (np.ones((3, 3)), 0.0, "mask: expected a boolean array"),
    (np.ones((4, 3), dtype=bool), 0.0, r"mask: expected a shape that broadcasts to"),
    (np.ones(3, dtype=bool), "x", "value: expected a number"),
    (np.ones(3, dtype=bool), None, "value"),
])
def test_masked_fill_errors(mask, value, match):
    with pytest.raises(ValueError, match=match):
        Tensor(np.zeros((2, 3, 3))).masked_fill(mask, value)


# ---------------------------------------------------------------------------- softmax

@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_along_an_axis(rng, axis, name):
    x = rng.normal(size=(2, 3, 4))
    check(rng, lambda t: getattr(t, name)(axis=axis), x)
    s = Tensor(x).softmax(axis=axis).data
    np.testing.assert_allclose(s.sum(axis=axis), 1)
    np.testing.assert_allclose(Tensor(x).log_softmax(axis=axis).data, np.log(s), atol=1e-12)


# ---------------------------------------------------------------------------- matmul

@pytest.mark.parametrize("shapes", [
    ((2, 3, 4), (2, 4, 5)),        # batched
    ((2, 3, 4), (4, 5)),           # weights shared over the batch
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),     # batch dims broadcast against each other
    ((4,), (2, 4, 5)),             # 1-D on the left
    ((2, 3, 4), (4,)),             # 1-D on the right
    ((2, 2, 3, 4), (2, 2, 4, 3)),  # (N, heads, L, d) @ (N, heads, d, S)
], ids=str)
def test_batched_matmul(rng, shapes):
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    check(rng, lambda x, y: x @ y, a, b)
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b)


def test_batched_matmul_gradient_sums_over_broadcast_batch(rng):
    x = rng.normal(size=(6, 3, 4))
    w = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    (Tensor(x) @ w).sum().backward()
    np.testing.assert_allclose(w.grad, np.einsum("nij,nik->jk", x, np.ones((6, 3, 2))))


def test_matmul_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3, 4\) and \(2, 5, 6\)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((2, 5, 6)))


# ---------------------------------------------------------------------------- cat, stack, where

@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat(rng, axis):
    shapes = {0: [(2, 3), (1, 3), (4, 3)], 1: [(2, 1), (2, 3), (2, 2)],
              -1: [(2, 1), (2, 3), (2, 2)]}[axis]
    arrays = [rng.normal(size=s) for s in shapes]
    check(rng, lambda *ts: cat(ts, axis=axis), *arrays)
    np.testing.assert_array_equal(cat([Tensor(a) for a in arrays], axis).data,
                                  np.concatenate(arrays, axis))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(rng, axis):
    arrays = [rng.normal(size=(2, 3)) for _ in range(4)]
    check(rng, lambda *ts: stack(ts, axis=axis), *arrays)
    np.testing.assert_array_equal(stack(arrays, axis).data, np.stack(arrays, axis))


def test_where(rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    cond = rng.random((3, 4)) > 0.5
    check(rng, lambda x, y: where(cond, x, y), a, b)
    np.testing.assert_array_equal(where(cond, Tensor(a), Tensor(b)).data, np.where(cond, a, b))
    x = Tensor(a.astype(np.float32))
    leaky = where(x > 0, x, x * 0.1)
    assert leaky.dtype == np.float32
    assert where(x > 0, x, 0.0).dtype == np.float32  # a number takes the tensor's dtype
    assert where(x > 0, 1.0, x).dtype == np.float32


def test_cat_stack_where_are_exported():
    assert nnlib.cat is cat and nnlib.stack is stack and nnlib.where is where


@pytest.mark.parametrize("call, match", [
    (lambda: cat([], 0), "at least one tensor"),
    (lambda: cat(Tensor(np.ones(3)), 0), "expected a list of tensors"),
    (lambda: cat([np.ones((2, 3)), np.ones((2, 4))], 0),
     r"agree except along axis 0, got \[\(2, 3\), \(2, 4\)\]"),
    (lambda: cat([np.ones((2, 3))], 2), "axis"),
    (lambda: stack([np.ones(2), np.ones(3)]), r"one shape, got \[\(2,\), \(3,\)\]"),
    (lambda: stack([np.ones(2)], axis=3), "axis"),
    (lambda: where(np.ones(3), np.ones(3), np.ones(3)), "condition: expected a boolean"),
    (lambda: where(np.ones(3, dtype=bool), np.ones(2), np.ones(3)), "broadcast"),
])
def test_cat_stack_where_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------- in place

def test_manual_sgd_update_in_place_under_no_grad(rng):
    w = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    array = w.data
    (w * w).sum().backward()
    expected = array - 0.1 * 2 * array
    with no_grad():
        w -= 0.1 * w.grad
    assert w.data is array  # the same array: optimisers and models see the change
    np.testing.assert_allclose(w.data, expected)
    assert w.requires_grad and not w._parents and isinstance(w.grad, np.ndarray)
    w.grad = None
    (w * w).sum().backward()  # the next backward works
    np.testing.assert_allclose(w.grad, 2 * expected)


def test_in_place_operators_and_methods(rng):
    t = Tensor(np.ones((2, 3), dtype=np.float32))
    t += 1
    t *= Tensor(np.full(3, 3.0))  # broadcasts; float64 operand, float32 kept
    t /= 2
    t -= np.ones(3)
    np.testing.assert_array_equal(t.data, 2.0)
    assert t.dtype == np.float32
    t[0, 1] = 7.0
    assert t.data[0, 1] == 7.0
    assert t.fill_(4).data.max() == 4 and t.zero_().data.max() == 0
    t.copy_(np.arange(3.0))
    np.testing.assert_array_equal(t.data, [[0, 1, 2]] * 2)


def test_in_place_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = Tensor(np.ones(3), requires_grad=True)
    for action in (lambda: w.__isub__(1.0), lambda: w.__iadd__(1.0), lambda: w.zero_(),
                   lambda: w.fill_(2), lambda: w.copy_(np.zeros(3)),
                   lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(ValueError, match="leaf Tensor that requires grad.*no_grad"):
            action()
    np.testing.assert_array_equal(w.data, 1)  # nothing changed


def test_in_place_on_a_graph_result_is_refused():
    w = Tensor(np.ones(3), requires_grad=True)
    y = w * 2
    with pytest.raises(ValueError, match=r"result of an operation \('\*'\)"):
        y += 1
    with no_grad():
        with pytest.raises(ValueError, match="graph"):
            y *= 2
    z = Tensor(np.zeros(3))
    with pytest.raises(ValueError, match="operand that requires grad"):
        z += w


def test_in_place_shape_and_value_errors():
    t = Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"broadcasts to the tensor's shape \(3,\).*\(2, 3\)"):
        t += np.ones((2, 3))
    with pytest.raises(ValueError, match="value: expected a number"):
        t.fill_("1")
    with pytest.raises(ValueError, match="data: expected real numbers"):
        t -= "a"


def test_requires_grad_():
    x = Tensor(np.ones(2)).requires_grad_()
    assert x.requires_grad
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, 3)
    with pytest.raises(ValueError, match="leaf"):
        (x * 3).requires_grad_(False)


# ---------------------------------------------------------------------------- construction

@pytest.mark.parametrize("data", [None, "abc", 1 + 2j, [1, "a"], [[1, 2], [3]],
                                  {"a": 1}, np.array([1j]), [None, 1.0],
                                  np.array(["x"]), object()])
def test_construction_refuses_what_is_not_real_numbers(data):
    with pytest.raises(ValueError, match="data: expected real numbers"):
        Tensor(data)


def test_construction_accepts_numbers_bools_and_keeps_float32():
    assert Tensor(True).dtype == np.float64 and Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.float32(2)).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float16)).dtype == np.float16
