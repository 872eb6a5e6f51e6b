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


# ---- check_value_class: the grader of chapter 7's exercise ---------------------------
import textwrap  # noqa: E402

from nnlib.scalar import check_value_class  # noqa: E402

SKELETON = textwrap.dedent('''
    import math

    class Mini:
        def __init__(self, data, children=()):
            self.data, self.grad, self._prev = float(data), 0.0, children
            self._backward = lambda: None

        def __add__(self, other):
            other = other if isinstance(other, Mini) else Mini(other)
            out = Mini(self.data + other.data, (self, other))
            def _backward():
                self.grad += out.grad
                other.grad += out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Mini) else Mini(other)
            out = Mini(self.data * other.data, (self, other))
            def _backward():
                MUL
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Mini(t, (self,))
            def _backward():
                TANH
            out._backward = _backward
            return out

        def backward(self):
            order, seen = [], set()
            def visit(v):
                if v not in seen:
                    seen.add(v)
                    for child in v._prev:
                        visit(child)
                    order.append(v)
            visit(self)
            self.grad = 1.0
            for v in reversed(order):
                v._backward()
''')
RIGHT_MUL = "self.grad += other.data * out.grad; other.grad += self.data * out.grad"
RIGHT_TANH = "self.grad += (1 - t * t) * out.grad"


def mini_class(mul, tanh):
    scope = {}
    exec(SKELETON.replace("MUL", mul).replace("TANH", tanh), scope)
    return scope["Mini"]


def test_check_value_class_passes_nnlib_value_and_a_correct_solution(capsys):
    assert check_value_class(Value) is True
    assert check_value_class(mini_class(RIGHT_MUL, RIGHT_TANH)) is True
    assert "All 4 checks pass" in capsys.readouterr().out


def test_check_value_class_reports_the_unfinished_skeleton(capsys):
    assert check_value_class(mini_class("pass", "pass")) is False
    out = capsys.readouterr().out
    assert "not yet  multiplication a * b at a = 2, b = -3: a.grad is 0" in out
    assert "the finite difference says -3" in out
    assert "not yet  tanh(a)" in out and "0.7864" in out
    assert "0 of 4 checks pass" in out


@pytest.mark.parametrize("mul, tanh, failing", [
    # overwriting instead of adding: right for a * b, wrong when a value is used twice
    ("self.grad = other.data * out.grad; other.grad = self.data * out.grad", RIGHT_TANH,
     ["a value used twice"]),
    # forgetting the incoming gradient (the chain rule): wrong inside the neuron only
    (RIGHT_MUL, "self.grad += 1 - t * t", ["two neurons"]),
    # the derivative of tanh taken as tanh itself
    (RIGHT_MUL, "self.grad += t * out.grad", ["tanh(a)", "two neurons"]),
    # the gradients of a and b swapped
    ("self.grad += self.data * out.grad; other.grad += other.data * out.grad", RIGHT_TANH,
     ["multiplication", "two neurons"]),
])
def test_check_value_class_catches_each_typical_bug(capsys, mul, tanh, failing):
    assert check_value_class(mini_class(mul, tanh)) is False
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith("not yet")]
    assert len(lines) == len(failing)
    for line, name in zip(lines, failing):
        assert name in line


def test_check_value_class_reports_errors_inside_the_class_and_keeps_going(capsys):
    broken = mini_class(RIGHT_MUL, "raise RuntimeError('unfinished')")
    assert check_value_class(broken) is False
    out = capsys.readouterr().out
    assert "not yet  tanh(a): RuntimeError: unfinished" in out
    assert "right    multiplication a * b" in out
    assert "2 of 4 checks pass" in out  # a * b and a * a still pass


def test_check_value_class_wants_a_class():
    with pytest.raises(ValueError, match="cls: expected a class such as Value .* got Value"):
        check_value_class(Value(1.0))
