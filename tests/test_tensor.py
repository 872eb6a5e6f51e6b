"""Tests of nnlib.tensor (autograd) and nnlib.functional (forward/backward pairs)."""
import numpy as np
import pytest

from nnlib import functional as F
from nnlib.numerical import gradcheck, numerical_gradient, rel_error
from nnlib.tensor import Tensor, _unbroadcast, fused_op, is_grad_enabled, no_grad

TOL = 1e-6  # float64 central differences; correct gradients give ~1e-8 or less


def normal(rng, *shape):
    return rng.normal(size=shape)


# ---------------------------------------------------------------------------------------
# gradient checks of every operation
# ---------------------------------------------------------------------------------------
BROADCAST_CASES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((3, 4), ()),
                   ((2, 3, 4), (3, 1))]
BINARY_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


@pytest.mark.parametrize("op", sorted(BINARY_OPS))
@pytest.mark.parametrize("shapes", BROADCAST_CASES, ids=str)
def test_binary_ops_with_broadcasting(rng, op, shapes):
    a = normal(rng, *shapes[0])
    b = rng.uniform(0.5, 2.0, size=shapes[1])  # away from 0 for the division
    assert gradcheck(BINARY_OPS[op], a, b) < TOL
    out = BINARY_OPS[op](Tensor(a), Tensor(b))
    np.testing.assert_allclose(out.data, BINARY_OPS[op](a, b))


@pytest.mark.parametrize("fn", [
    lambda x: 2.0 + x, lambda x: 2.0 - x, lambda x: 3.0 * x, lambda x: 1.0 / x,
    lambda x: x ** 3, lambda x: x ** 0.5, lambda x: 2.0 ** x, lambda x: -x,
], ids=["radd", "rsub", "rmul", "rtruediv", "pow3", "sqrt_pow", "rpow", "neg"])
def test_scalar_operand_ops(rng, fn):
    x = rng.uniform(0.5, 2.0, size=(3, 2))
    assert gradcheck(fn, x) < TOL
    np.testing.assert_allclose(fn(Tensor(x)).data, fn(x))


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5))],
                         ids=str)
def test_matmul(rng, shapes):
    a, b = normal(rng, *shapes[0]), normal(rng, *shapes[1])
    assert gradcheck(lambda x, y: x @ y, a, b) < TOL
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b)


def test_matmul_with_ndarray_on_the_left(rng):
    a, b = normal(rng, 2, 3), normal(rng, 3, 4)
    out = a @ Tensor(b, requires_grad=True)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, a @ b)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_sum_and_mean(rng, axis, keepdims, reduction):
    x = normal(rng, 2, 3, 4)

    def fn(t):
        return getattr(t, reduction)(axis=axis, keepdims=keepdims)

    assert gradcheck(fn, x) < TOL
    expected = getattr(np, reduction)(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(fn(Tensor(x)).data, expected)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), (0, True), (-1, True)])
def test_max(rng, axis, keepdims):
    x = normal(rng, 3, 4)
    fn = lambda t: t.max(axis=axis, keepdims=keepdims)  # noqa: E731
    assert gradcheck(fn, x) < TOL
    np.testing.assert_allclose(fn(Tensor(x)).data, x.max(axis=axis, keepdims=keepdims))


def test_max_shares_gradient_between_ties():
    x = Tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5]])


@pytest.mark.parametrize("fn", [
    lambda t: t.reshape(4, 3), lambda t: t.reshape((2, 6)), lambda t: t.reshape(-1),
    lambda t: t.T, lambda t: t.transpose(), lambda t: t.reshape(2, 2, 3).transpose(2, 0, 1),
], ids=["reshape", "reshape_tuple", "flatten", "T", "transpose", "transpose_axes"])
def test_shape_ops(rng, fn):
    x = normal(rng, 3, 4)
    weights = normal(rng, *fn(Tensor(x)).shape)  # make every output entry matter differently
    assert gradcheck(lambda t: fn(t) * weights, x) < TOL


@pytest.mark.parametrize("index", [
    1, (slice(None), 2), (slice(0, 2), slice(1, None)), [0, 0, 2],
    (np.array([0, 2, 2]), np.array([1, 1, 3])),
    np.array([[True, False, True, False]] * 3),
], ids=["int", "column", "slices", "repeated_rows", "pairs", "bool_mask"])
def test_getitem(rng, index):
    x = normal(rng, 3, 4)
    weights = normal(rng, *np.shape(x[index]))
    assert gradcheck(lambda t: t[index] * weights, x) < TOL
    np.testing.assert_allclose(Tensor(x)[index].data, x[index])


def test_getitem_repeated_indices_add_up():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 1.0])


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh",
                                  "leaky_relu", "softmax", "log_softmax"])
def test_elementwise_methods(rng, name):
    x = rng.uniform(0.2, 2.0, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    if name in ("log", "sqrt"):
        x = np.abs(x)
    weights = normal(rng, 3, 4)  # softmax rows sum to 1: weight the outputs
    assert gradcheck(lambda t: getattr(t, name)() * weights, x) < TOL


def test_astype_keeps_gradient_dtype(rng):
    x = Tensor(normal(rng, 2, 2), requires_grad=True)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, 2 * x.data, rtol=1e-6)


# ---------------------------------------------------------------------------------------
# accumulation and graph mechanics
# ---------------------------------------------------------------------------------------
def test_tensor_used_twice_accumulates():
    # y = sum(x * x) at x = [3, -1]: dy/dx = 2x = [6, -2] (both factors contribute)
    x = Tensor([3.0, -1.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0, -2.0])


def test_x_matmul_x_transpose(rng):
    x = normal(rng, 3, 2)
    assert gradcheck(lambda t: t @ t.T, x) < TOL
    # d sum(x x^T) / dx = 2 * (row sums of ones) @ x ... check against finite differences
    t = Tensor(x, requires_grad=True)
    (t @ t.T).sum().backward()
    numeric = numerical_gradient(lambda a: (a @ a.T).sum(), x.copy())
    assert rel_error(t.grad, numeric) < TOL


def test_leaf_gradients_accumulate_across_backward_calls():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (3 * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_intermediate_gradients_are_recomputed_not_accumulated():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    loss = (h * h).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)  # fresh each call
    np.testing.assert_allclose(x.grad, 2 * (8 * x.data))  # leaf: two calls added


def test_two_leaves_never_share_a_gradient_array():
    x = Tensor(np.ones(3), requires_grad=True)
    y = Tensor(np.ones(3), requires_grad=True)
    (x + y).sum().backward()
    assert x.grad is not y.grad
    x.grad += 1  # an optimiser may update in place
    np.testing.assert_allclose(y.grad, np.ones(3))


def test_gradients_are_writable_arrays():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    x.sum().backward()
    x.grad *= 2  # would fail on a read-only broadcast view
    np.testing.assert_allclose(x.grad, 2.0)


def test_backward_with_explicit_gradient(rng):
    x = Tensor(normal(rng, 2, 3), requires_grad=True)
    upstream = normal(rng, 2, 3)
    (x * 4).backward(upstream)
    np.testing.assert_allclose(x.grad, 4 * upstream)


def test_deep_graph_does_not_hit_recursion_limit():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_gradient_does_not_flow_into_constants():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([5.0, 5.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, [5.0, 5.0])


def test_detach_cuts_the_graph():
    x = Tensor([2.0], requires_grad=True)
    y = (x * x).detach() * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [4.0])  # only the second factor's path


# ---------------------------------------------------------------------------------------
# no_grad
# ---------------------------------------------------------------------------------------
def test_no_grad_builds_no_graph():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (w * 3).sum()
    assert is_grad_enabled()
    assert not y.requires_grad
    assert y._parents == () and y._backward is None
    with pytest.raises(ValueError, match="backward: expected a tensor that requires grad"):
        y.backward()


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert is_grad_enabled()


# ---------------------------------------------------------------------------------------
# dtypes and construction
# ---------------------------------------------------------------------------------------
def test_float32_stays_float32_with_python_scalars(rng):
    x = Tensor(normal(rng, 2, 3).astype(np.float32), requires_grad=True)
    w = Tensor(normal(rng, 3, 2).astype(np.float32), requires_grad=True)
    y = ((x * 2.0 + 1) @ w / 3.0 - 0.5) ** 2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_construction_rules():
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(3).shape == ()
    assert Tensor(np.arange(3)).dtype == np.float64
    data = np.zeros(3, dtype=np.float32)
    t = Tensor(data)
    assert t.data is data  # no copy
    assert t.ndim == 1 and t.size == 3 and len(t) == 3
    assert Tensor(2.5).item() == 2.5
    assert np.asarray(t) is data
    with pytest.raises(ValueError, match="data: expected real numbers"):
        Tensor(np.array(["a"]))


def test_repr_mentions_dtype_and_grad():
    assert "requires_grad=True" in repr(Tensor([1.0], requires_grad=True))
    assert "float32" in repr(Tensor(np.ones(2, dtype=np.float32)))


# ---------------------------------------------------------------------------------------
# error messages
# ---------------------------------------------------------------------------------------
def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"got shapes \(3, 4\) and \(5, 2\)"):
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))


def test_backward_errors():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"grad: expected an explicit gradient .* \(3,\)"):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"grad: expected shape \(3,\), got shape \(2,\)"):
        (x * 2).backward(np.ones(2))
    with pytest.raises(ValueError, match="exponent: expected a constant number"):
        x ** x


def test_fused_op_with_wrong_gradient_shape_is_reported():
    x = Tensor(np.ones(3), requires_grad=True)
    bad = Tensor.from_op(x.data * 2, (x,), lambda g: np.ones(4), "bad")
    with pytest.raises(ValueError, match=r"bad: expected a gradient of shape \(3,\)"):
        bad.sum().backward()


# ---------------------------------------------------------------------------------------
# custom fused operations
# ---------------------------------------------------------------------------------------
def cube_forward(x):
    return x ** 3, x


def cube_backward(dout, cache):
    return 3 * cache ** 2 * dout


def test_fused_op_is_one_node_with_correct_gradient(rng):
    x = normal(rng, 4)
    assert gradcheck(lambda t: fused_op(cube_forward, cube_backward, t), x) < TOL
    y = fused_op(cube_forward, cube_backward, Tensor(x, requires_grad=True))
    assert y._op == "cube" and len(y._parents) == 1


def test_unbroadcast():
    g = np.ones((2, 3, 4))
    assert _unbroadcast(g, (2, 3, 4)) is g
    np.testing.assert_allclose(_unbroadcast(g, (4,)), np.full(4, 6.0))
    np.testing.assert_allclose(_unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    np.testing.assert_allclose(_unbroadcast(g, ()), 24.0)


# ---------------------------------------------------------------------------------------
# functional: forward/backward pairs on plain arrays
# ---------------------------------------------------------------------------------------
PAIRS = {
    "relu": (F.relu_forward, F.relu_backward, {}),
    "leaky_relu": (F.leaky_relu_forward, F.leaky_relu_backward, {"negative_slope": 0.1}),
    "sigmoid": (F.sigmoid_forward, F.sigmoid_backward, {}),
    "tanh": (F.tanh_forward, F.tanh_backward, {}),
    "softmax_axis0": (F.softmax_forward, F.softmax_backward, {"axis": 0}),
    "log_softmax": (F.log_softmax_forward, F.log_softmax_backward, {"axis": 1}),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_functional_pairs_against_finite_differences(rng, name):
    forward, backward, kwargs = PAIRS[name]
    x = rng.uniform(0.1, 2.0, size=(4, 3)) * rng.choice([-1, 1], size=(4, 3))
    dout = normal(rng, 4, 3)
    _, cache = forward(x, **kwargs)
    dx = backward(dout, cache)
    numeric = numerical_gradient(lambda a: np.sum(forward(a, **kwargs)[0] * dout), x.copy())
    assert rel_error(dx, numeric) < TOL


def test_linear_pair_with_leading_axes(rng):
    x, w, b = normal(rng, 2, 3, 4), normal(rng, 4, 5), normal(rng, 5)
    out, cache = F.linear_forward(x, w, b)
    np.testing.assert_allclose(out, x @ w + b)
    dout = normal(rng, 2, 3, 5)
    dx, dw, db = F.linear_backward(dout, cache)
    for value, arr in ((dx, x), (dw, w), (db, b)):
        numeric = numerical_gradient(
            lambda _: np.sum(F.linear_forward(x, w, b)[0] * dout), arr)
        assert rel_error(value, numeric) < TOL
    assert F.linear_backward(dout, cache, need_dx=False)[0] is None


def test_step_pair_has_zero_gradient():
    out, cache = F.step_forward(np.array([-1.0, 0.0, 0.5]), threshold=0.0)
    np.testing.assert_array_equal(out, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(F.step_backward(np.ones(3), cache), np.zeros(3))


def test_dropout_pair_uses_mask_and_scales(rng):
    x = np.ones((2, 4))
    mask = np.array([[1, 0, 1, 1], [0, 0, 1, 1]], dtype=bool)
    out, cache = F.dropout_forward(x, p=0.5, mask=mask)
    np.testing.assert_allclose(out, mask * 2.0)
    np.testing.assert_allclose(F.dropout_backward(np.ones((2, 4)), cache), mask * 2.0)
    same, cache = F.dropout_forward(x, p=0.5, training=False)
    assert same is x and cache is None


@pytest.mark.parametrize("seed", range(5))
def test_softmax_rows_sum_to_one_and_ignore_row_shifts(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=10.0, size=(6, 5))
    s = F.softmax(x, axis=1)
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    assert (s >= 0).all()
    shift = rng.normal(scale=100.0, size=(6, 1))
    np.testing.assert_allclose(F.softmax(x + shift, axis=1), s, atol=1e-12)
    np.testing.assert_allclose(np.exp(F.log_softmax(x, axis=1)), s)


def test_softmax_and_sigmoid_are_finite_for_huge_inputs():
    x = np.array([[1e4, -1e4, 0.0]])
    assert np.isfinite(F.softmax(x)).all()
    assert np.isfinite(F.log_softmax(x)).all()
    np.testing.assert_array_equal(F.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])


def test_activation_table():
    assert set(F.ACTIVATIONS) == {"identity", "step", "sigmoid", "tanh", "relu", "leaky_relu"}
    x = np.array([-2.0, -0.5, 0.3, 1.7])
    for name, (f, df) in F.ACTIVATIONS.items():
        numeric = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
        np.testing.assert_allclose(df(x), numeric, rtol=1e-5, atol=1e-8, err_msg=name)
        assert f(x).shape == x.shape
    np.testing.assert_allclose(F.ACTIVATIONS["relu"][0](x), [0, 0, 0.3, 1.7])
    np.testing.assert_allclose(F.ACTIVATIONS["step"][0](x), [0, 0, 1, 1])
