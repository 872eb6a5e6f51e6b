"""Automatic differentiation on single numbers (the backpropagation chapter).

A :class:`Value` wraps one float, remembers which values and which operation produced
it, and knows how to pass a gradient back to its inputs (its local derivative sits right
beside its forward computation). Calling :meth:`Value.backward` on the final value
visits the graph in reverse topological order and fills every ``.grad``.

Gradients *accumulate* (``+=``): when a value is used twice, as in ``x * x``, both
paths contribute, so at ``x = 3`` the derivative is 6, not 3.

This follows the design of Andrej Karpathy's micrograd; :mod:`nnlib.tensor` applies the
same idea to whole arrays. :func:`check_value_class` grades a Value-like class that a reader
writes in chapter 7's exercise, against finite differences.

>>> x = Value(3.0, label="x")
>>> y = x * x
>>> y.backward()
>>> x.grad
6.0
"""
import math

__all__ = ["Value", "trace", "check_value_class"]


class Value:
    """One scalar node of a computation graph.

    Parameters
    ----------
    data : float
        The number held by this node.
    label : str, optional
        A name used when printing or drawing the graph.

    Attributes
    ----------
    data : float
    grad : float
        d(output)/d(this value), filled by :meth:`backward` (0.0 before).
    """

    def __init__(self, data, _children=(), _op="", label=""):
        if isinstance(data, Value):
            data = data.data
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward = lambda: None

    # ---- arithmetic -------------------------------------------------------------
    def __add__(self, other):
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise ValueError(
                f"exponent: expected an int or float constant, got {type(exponent).__name__}"
            )
        out = Value(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __truediv__(self, other):
        return self * _as_value(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rtruediv__(self, other):
        return _as_value(other) / self

    # ---- functions --------------------------------------------------------------
    def exp(self):
        """e ** self; derivative exp(x)."""
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        """Natural logarithm; derivative 1 / x. Requires data > 0."""
        if self.data <= 0:
            raise ValueError(f"log: expected a positive value, got {self.data!r}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self):
        """Hyperbolic tangent; derivative 1 - tanh(x)**2."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self):
        """Logistic function 1 / (1 + e**-x); derivative s * (1 - s)."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        """max(0, x); derivative 1 where x > 0, else 0."""
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    # ---- backpropagation --------------------------------------------------------
    def backward(self):
        """Fill ``.grad`` of every value this one depends on (this value's grad = 1).

        Gradients add up across calls: set ``.grad = 0`` (or build a new graph) before
        calling it a second time.
        """
        nodes, _ = trace(self)
        self.grad = 1.0
        for node in reversed(nodes):
            node._backward()

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"


def _as_value(x):
    return x if isinstance(x, Value) else Value(x)


def trace(root):
    """List the graph that produced ``root``, for drawing it.

    Returns
    -------
    nodes : list of Value
        Every value reachable from ``root``, in topological order (inputs first,
        ``root`` last).
    edges : list of (Value, Value)
        ``(child, parent)`` pairs: ``child`` was an input of the operation that made
        ``parent`` (``parent._op`` names that operation).
    """
    nodes, edges, seen = [], [], set()
    stack = [(root, False)]
    while stack:  # iterative depth-first search, no recursion limit
        node, expanded = stack.pop()
        if expanded:
            nodes.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in node._prev:
            edges.append((child, node))
            if id(child) not in seen:
                stack.append((child, False))
    return nodes, edges


# ---- the chapter 7 exercise: grade a reader's own Value-like class -------------------
#: (name, the inputs' names, function of the inputs, the point, a hint shown when wrong)
_EXERCISE_CASES = (
    ("multiplication a * b", "ab", lambda a, b: a * b, (2.0, -3.0),
     "d(a * b)/da = b and d(a * b)/db = a; multiply each by out.grad (the chain rule) "
     "and add it to that input's grad"),
    ("tanh(a)", "a", lambda a: a.tanh(), (0.5,),
     "d tanh(a)/da = 1 - tanh(a)**2, times out.grad, added to self.grad"),
    ("a value used twice, a * a", "a", lambda a: a * a, (3.0,),
     "both uses of a must count: add with +=, never overwrite with ="),
    ("two neurons in a row, tanh(tanh(x * w + b) * v)", "xwbv",
     lambda x, w, b, v: ((x * w + b).tanh() * v).tanh(), (1.5, -0.8, 0.3, 2.0),
     "every local derivative is multiplied by the gradient arriving from above, out.grad"),
)


def _run_case(cls, function, point, eps):
    """(forward value, the inputs' grads after backward, central differences of .data)."""
    inputs = [cls(v) for v in point]
    out = function(*inputs)
    out.backward()
    grads = [float(v.grad) for v in inputs]

    def at(k, shift):
        return float(function(*[cls(v + (shift if i == k else 0.0))
                                for i, v in enumerate(point)]).data)

    numeric = [(at(k, eps) - at(k, -eps)) / (2 * eps) for k in range(len(point))]
    return float(out.data), grads, numeric


def check_value_class(cls, eps=1e-6, tolerance=1e-6):
    """Grade a Value-like class against finite differences; print a verdict per case.

    Chapter 7's exercise asks the reader to write the backward step of multiplication and
    of tanh in a small class of their own. ``cls(number)`` must make a value with ``.data``
    and ``.grad`` (0 at first), support ``+`` and ``*`` between values, a ``.tanh()``
    method and ``.backward()``. Four small expressions are built, ``backward()`` is called,
    and every input's ``.grad`` is compared with the central difference
    ``(f(a + eps) - f(a - eps)) / (2 eps)`` of ``.data``; a gradient is right when the two
    differ by at most ``tolerance`` times ``max(1, |difference|)``.

    Prints one line per case (with a hint when it is wrong) and a summary; never raises for
    a wrong answer or an error inside the class, so a notebook keeps running. Returns True
    when every case is right.
    """
    if not isinstance(cls, type):
        raise ValueError(f"cls: expected a class such as Value (not an instance), got "
                         f"{type(cls).__name__}")
    passed = 0
    for name, names, function, point, hint in _EXERCISE_CASES:
        try:
            _, grads, numeric = _run_case(cls, function, point, eps)
        except Exception as error:  # the reader's class is unfinished: report, keep going
            print(f"not yet  {name}: {type(error).__name__}: {error}")
            continue
        wrong = [(k, g, n) for k, (g, n) in enumerate(zip(grads, numeric))
                 if not abs(g - n) <= tolerance * max(1.0, abs(n))]
        if not wrong:
            passed += 1
            print(f"right    {name}")
            continue
        at = ", ".join(f"{names[k]} = {v:g}" for k, v in enumerate(point))
        k, g, n = wrong[0]
        print(f"not yet  {name} at {at}: {names[k]}.grad is {g:.4g}, the finite difference "
              f"says {n:.4g}\n         hint: {hint}")
    total = len(_EXERCISE_CASES)
    if passed == total:
        print(f"All {total} checks pass: your backward agrees with finite differences.")
    else:
        print(f"{passed} of {total} checks pass.")
    return passed == total
