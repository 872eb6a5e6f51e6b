"""Tests of nnlib.scalar.Value: every derivative against a finite difference."""
import math

import pytest

from nnlib.scalar import Value, trace

EPS = 1e-6


def numeric_derivative(f, x):
    return (f(x + EPS) - f(x - EPS)) / (2 * EPS)


UNARY = {
    "exp": (lambda v: v.exp(), math.exp),
    "log": (lambda v: v.log(), math.log),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "relu": (lambda v: v.relu(), lambda x: max(0.0, x)),
    "square": (lambda v: v ** 2, lambda x: x ** 2),
    "cube_root": (lambda v: v ** (1 / 3), lambda x: x ** (1 / 3)),
    "neg": (lambda v: -v, lambda x: -x),
    "reciprocal": (lambda v: 1 / v, lambda x: 1 / x),
    "rsub": (lambda v: 2 - v, lambda x: 2 - x),
    "radd_rmul": (lambda v: 3 * v + 1, lambda x: 3 * x + 1),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.7, 2.3, -1.1])
def test_unary_derivatives_match_finite_differences(name, x):
    op, plain = UNARY[name]
    if name in ("log", "cube_root"):
        x = abs(x)  # stay inside the domain
    v = Value(x)
    out = op(v)
    out.backward()
    assert out.data == pytest.approx(plain(x))
    assert v.grad == pytest.approx(numeric_derivative(plain, x), rel=1e-6, abs=1e-9)


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_derivatives_match_finite_differences(op):
    f = BINARY[op]
    a, b = Value(1.5), Value(-0.8)
    out = f(a, b)
    out.backward()
    assert out.data == pytest.approx(f(1.5, -0.8))
    assert a.grad == pytest.approx(numeric_derivative(lambda x: f(x, -0.8), 1.5), rel=1e-6)
    assert b.grad == pytest.approx(numeric_derivative(lambda x: f(1.5, x), -0.8), rel=1e-6)


def test_value_used_twice_accumulates():
    # y = x * x at x = 3: both factors contribute 3, so dy/dx = 6 (not 3).
    x = Value(3.0)
    y = x * x
    y.backward()
    assert x.grad == 6.0


def test_value_reused_across_branches():
    # f = (a * b) + a ; df/da = b + 1 = 5, df/db = a = 2
    a, b = Value(2.0), Value(4.0)
    f = a * b + a
    f.backward()
    assert (a.grad, b.grad) == (5.0, 2.0)


def test_neuron_worked_example():
    # o = tanh(x1*w1 + x2*w2 + b) with x1=2, x2=0, w1=-3, w2=1 and b chosen so n = 0.8814,
    # where tanh(n) = 1/sqrt(2) ~ 0.7071. do/dn = 1 - o**2 = 0.5, then:
    # dw1 = x1 * 0.5 = 1.0, dx1 = w1 * 0.5 = -1.5, dw2 = x2 * 0.5 = 0, dx2 = w2 * 0.5 = 0.5.
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.0 + math.atanh(1 / math.sqrt(2)), label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(1 / math.sqrt(2))
    assert w1.grad == pytest.approx(1.0)
    assert x1.grad == pytest.approx(-1.5)
    assert w2.grad == pytest.approx(0.0)
    assert x2.grad == pytest.approx(0.5)


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_trace_lists_nodes_in_topological_order_and_edges():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    d = c + a
    nodes, edges = trace(d)
    assert nodes[-1] is d
    position = {id(n): i for i, n in enumerate(nodes)}
    assert len(position) == 4  # a, b, c, d each once
    for child, parent in edges:
        assert position[id(child)] < position[id(parent)]
    assert len(edges) == 4  # a->c, b->c, c->d, a->d


def test_deep_graph_does_not_hit_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y + 1
    y.backward()
    assert x.grad == 1.0
    assert y.data == 5001.0


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="exponent"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="log: expected a positive value, got -1.0"):
        Value(-1.0).log()


def test_repr_shows_label_data_and_grad():
    v = Value(1.5, label="w")
    assert repr(v) == "Value(w=1.5, grad=0)"


def test_composite_expression_reusing_a_value_in_every_operation():
    # every op's backward must add (+=) to grads that other paths already filled
    def f(v):
        if isinstance(v, Value):
            return (v.exp() * v + v.tanh() * v.sigmoid() + v.log() / v - v ** 2 + v.relu()
                    * v)
        sig = 1 / (1 + math.exp(-v))
        return math.exp(v) * v + math.tanh(v) * sig + math.log(v) / v - v ** 2 + max(v, 0) * v

    x = Value(0.8)
    out = f(x)
    out.backward()
    assert out.data == pytest.approx(f(0.8))
    assert x.grad == pytest.approx(numeric_derivative(f, 0.8), rel=1e-6)
