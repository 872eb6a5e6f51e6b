"""Backpropagation one step at a time (chapter 7, *Backpropagation*).

:class:`BackpropStepper` takes a small dense network with one hidden layer (the chapter
uses a 2-2-1 sigmoid network), one input ``x`` and its target ``y``, and writes down the
forward pass and the backward pass as an ordered list of small steps. Each step computes
one number (a neuron's weighted sum, its activation, the loss, a gradient) or the
gradients of the weights that enter one neuron. ``state_at(k)`` tells what is known after
the first ``k`` steps, which is what the chapter's explorer draws.

Notation (batch of one, weights stored ``(in, out)`` as everywhere in nnlib)::

    z1 = x @ W1 + b1        shape (H,)    hidden weighted sums
    h  = act(z1)            shape (H,)    hidden activations
    z2 = h @ W2 + b2        shape (O,)    output weighted sums
    yhat = out_act(z2)      shape (O,)    the prediction
    L  = loss(yhat, y)      scalar        mse: mean((yhat - y)**2); bce: binary cross-entropy

The backward pass applies the chain rule in reverse order: dL/dyhat, dL/dz2, the output
weights, dL/dh, dL/dz1, the hidden weights.

>>> import numpy as np
>>> s = BackpropStepper(np.eye(2), np.zeros(2), np.ones((2, 1)), np.zeros(1),
...                     x=[1.0, 0.0], y=1.0)
>>> len(s.steps), s.steps[0].name, s.steps[-1].phase
(17, 'z1[0]', 'backward')
"""
from dataclasses import dataclass

import numpy as np

from nnlib._checks import check_finite

__all__ = ["BackpropStepper", "Step", "StepperState", "ACTIVATIONS", "LOSSES"]


def _sigmoid(z):
    """1 / (1 + e**-z) without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# name -> (function, derivative written in terms of the input z and the output a)
ACTIVATIONS = {
    "sigmoid": (lambda z: _sigmoid(z), lambda z, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)),
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
}

_ACT_FORMULA = {
    "sigmoid": ("sigmoid({z})", "{a}(1-{a})"),
    "tanh": ("tanh({z})", "1-{a}^2"),
    "relu": ("max(0, {z})", "[{z}>0]"),
    "identity": ("{z}", "1"),
}


def _mse(yhat, y):
    return float(np.mean((yhat - y) ** 2)), 2.0 * (yhat - y) / yhat.size


def _bce(yhat, y):
    p = np.clip(yhat, 1e-12, 1 - 1e-12)
    loss = float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
    return loss, (p - y) / (p * (1 - p)) / yhat.size


# name -> function (yhat, y) -> (loss, dL/dyhat)
LOSSES = {"mse": _mse, "bce": _bce}


@dataclass(frozen=True)
class Step:
    """One step of the forward or backward pass.

    Attributes
    ----------
    phase : str
        ``"forward"`` or ``"backward"``.
    name : str
        The node computed, e.g. ``"h[1]"``; in the backward phase the node whose
        gradient is found (``"W2[:,0], b2[0]"`` for the weights into output neuron 0).
    value : float or ndarray
        The node's value (for weights: their current values).
    grad : float, ndarray or None
        dL/d(node) found by this step; ``None`` in the forward phase.
    formula : str
        The arithmetic of the step with the numbers filled in.
    updates : tuple of (array name, index)
        Which entries of the state this step fills, e.g. ``(("h", 1),)``.
    """

    phase: str
    name: str
    value: object
    grad: object
    formula: str
    updates: tuple


@dataclass
class StepperState:
    """What is known after some steps: every array, with ``nan`` where still unknown.

    Attributes
    ----------
    values : dict of str -> ndarray
        Keys ``x, W1, b1, z1, h, W2, b2, z2, yhat, y, L``.
    grads : dict of str -> ndarray
        dL/d(key) for keys ``L, yhat, z2, W2, b2, h, z1, W1, b1``.
    step : Step or None
        The step just taken (``None`` before the first step).
    k : int
        How many steps have been taken.
    """

    values: dict
    grads: dict
    step: object
    k: int

    def known(self, name, index=None, grad=False):
        """True if the value (or gradient, with ``grad=True``) is already computed."""
        array = (self.grads if grad else self.values)[name]
        entry = array if index is None else array[index]
        return bool(np.all(np.isfinite(entry)))


def _as_matrix(name, value, shape):
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got shape {array.shape}")
    return check_finite(name, array.copy())


class BackpropStepper:
    """Forward and backward pass of a one-hidden-layer network, as a list of steps.

    Parameters
    ----------
    W1 : array-like, shape (D, H)
        Input-to-hidden weights (``W1[i, j]`` joins input i to hidden neuron j).
    b1 : array-like, shape (H,)
    W2 : array-like, shape (H, O)
    b2 : array-like, shape (O,)
    x : array-like, shape (D,)
        One input example.
    y : float or array-like, shape (O,)
        Its target.
    activation : {"sigmoid", "tanh", "relu", "identity"}
        Activation of the hidden layer.
    loss : {"mse", "bce"}
        ``mse`` = mean over outputs of (yhat - y)**2; ``bce`` = binary cross-entropy on
        the output probabilities (needs targets in [0, 1] and a sigmoid output).
    output_activation : {"sigmoid", "tanh", "relu", "identity"}, default "sigmoid"

    Attributes
    ----------
    steps : list of Step
        Forward steps then backward steps: ``2H + 2O + 1`` forward (two per neuron, one
        for the loss) plus ``1 + 3O + 3H`` backward, 17 in all for a 2-2-1 network.
    """

    def __init__(self, W1, b1, W2, b2, x, y, activation="sigmoid", loss="mse",
                 output_activation="sigmoid"):
        W1 = np.asarray(W1, dtype=np.float64)
        if W1.ndim != 2:
            raise ValueError(f"W1: expected a 2-D array of shape (D, H), got shape {W1.shape}")
        D, H = W1.shape
        W2 = np.asarray(W2, dtype=np.float64)
        if W2.ndim != 2 or W2.shape[0] != H:
            raise ValueError(f"W2: expected shape ({H}, O), got shape {W2.shape}")
        O = W2.shape[1]
        self.W1 = _as_matrix("W1", W1, (D, H))
        self.b1 = _as_matrix("b1", b1, (H,))
        self.W2 = _as_matrix("W2", W2, (H, O))
        self.b2 = _as_matrix("b2", b2, (O,))
        self.x = _as_matrix("x", x, (D,))
        self.y = _as_matrix("y", np.reshape(np.asarray(y, dtype=np.float64), -1), (O,))
        for name, choice in (("activation", activation),
                             ("output_activation", output_activation)):
            if choice not in ACTIVATIONS:
                raise ValueError(f"{name}: expected one of {sorted(ACTIVATIONS)}, got {choice!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")
        if loss == "bce" and output_activation != "sigmoid":
            raise ValueError(
                f"output_activation: expected 'sigmoid' with loss='bce', got {output_activation!r}"
            )
        if loss == "bce" and np.any((self.y < 0) | (self.y > 1)):
            raise ValueError(f"y: expected targets in [0, 1] with loss='bce', got {self.y}")
        self.activation, self.output_activation, self.loss = activation, output_activation, loss
        self.sizes = (D, H, O)
        self._compute()
        self.steps = self._forward_steps() + self._backward_steps()

    # ---- the whole computation, vectorised ------------------------------------------
    def _compute(self):
        act, dact = ACTIVATIONS[self.activation]
        out, dout = ACTIVATIONS[self.output_activation]
        self.z1 = self.x @ self.W1 + self.b1                       # (H,)
        self.h = act(self.z1)                                      # (H,)
        self.z2 = self.h @ self.W2 + self.b2                       # (O,)
        self.yhat = out(self.z2)                                   # (O,)
        self.L, self.dyhat = LOSSES[self.loss](self.yhat, self.y)  # scalar, (O,)
        self.dz2 = self.dyhat * dout(self.z2, self.yhat)           # (O,)
        self.dW2 = np.outer(self.h, self.dz2)                      # (H, O)
        self.db2 = self.dz2.copy()                                 # (O,)
        self.dh = self.W2 @ self.dz2                               # (H,)
        self.dz1 = self.dh * dact(self.z1, self.h)                 # (H,)
        self.dW1 = np.outer(self.x, self.dz1)                      # (D, H)
        self.db1 = self.dz1.copy()                                 # (H,)

    def gradients(self):
        """dL/d(parameter) for every parameter: dict with keys W1, b1, W2, b2."""
        return {"W1": self.dW1.copy(), "b1": self.db1.copy(),
                "W2": self.dW2.copy(), "b2": self.db2.copy()}

    # ---- the steps --------------------------------------------------------------------
    def _forward_steps(self):
        D, H, O = self.sizes
        steps = []
        fa, _ = _ACT_FORMULA[self.activation]
        for j in range(H):
            terms = _weighted_sum(self.x, self.W1[:, j], self.b1[j])
            steps.append(Step("forward", f"z1[{j}]", float(self.z1[j]), None,
                              f"z1[{j}] = {terms} = {_num(self.z1[j])}",
                              (("z1", j),)))
            steps.append(Step("forward", f"h[{j}]", float(self.h[j]), None,
                              f"h[{j}] = {fa.format(z=_num(self.z1[j]))} = {_num(self.h[j])}",
                              (("h", j),)))
        fo, _ = _ACT_FORMULA[self.output_activation]
        for o in range(O):
            terms = _weighted_sum(self.h, self.W2[:, o], self.b2[o])
            steps.append(Step("forward", f"z2[{o}]", float(self.z2[o]), None,
                              f"z2[{o}] = {terms} = {_num(self.z2[o])}",
                              (("z2", o),)))
            steps.append(Step("forward", f"yhat[{o}]", float(self.yhat[o]), None,
                              f"yhat[{o}] = {fo.format(z=_num(self.z2[o]))} "
                              f"= {_num(self.yhat[o])}", (("yhat", o),)))
        what = "mean((yhat - y)^2)" if self.loss == "mse" else "-mean(y log yhat + (1-y) log(1-yhat))"
        steps.append(Step("forward", "L", self.L, None,
                          f"L = {what} with y = {_fmt(self.y)} -> L = {_num(self.L)}", (("L", None),)))
        return steps

    def _backward_steps(self):
        D, H, O = self.sizes
        _, do = _ACT_FORMULA[self.output_activation]
        _, dh = _ACT_FORMULA[self.activation]
        steps = [Step("backward", "L", self.L, 1.0, "dL/dL = 1 (start at the loss)",
                      (("L", None),))]
        for o in range(O):
            rule = (f"2(yhat[{o}] - y[{o}])/{O}" if self.loss == "mse"
                    else f"(yhat[{o}] - y[{o}]) / (yhat[{o}](1 - yhat[{o}]))/{O}")
            steps.append(Step("backward", f"yhat[{o}]", float(self.yhat[o]), float(self.dyhat[o]),
                              f"dL/dyhat[{o}] = {rule} = {_num(self.dyhat[o])}", (("yhat", o),)))
        for o in range(O):
            local = do.format(a=_num(self.yhat[o]), z=_num(self.z2[o]))
            steps.append(Step("backward", f"z2[{o}]", float(self.z2[o]), float(self.dz2[o]),
                              f"dL/dz2[{o}] = dL/dyhat[{o}] * {local} = {_num(self.dz2[o])}",
                              (("z2", o),)))
        for o in range(O):
            steps.append(Step("backward", f"W2[:,{o}], b2[{o}]",
                              np.append(self.W2[:, o], self.b2[o]),
                              np.append(self.dW2[:, o], self.db2[o]),
                              f"dL/dW2[j,{o}] = h[j] * dL/dz2[{o}] = {_fmt(self.dW2[:, o])}; "
                              f"dL/db2[{o}] = dL/dz2[{o}] = {_num(self.db2[o])}",
                              (("W2", (slice(None), o)), ("b2", o))))
        for j in range(H):
            steps.append(Step("backward", f"h[{j}]", float(self.h[j]), float(self.dh[j]),
                              f"dL/dh[{j}] = sum_o W2[{j},o] * dL/dz2[o] = {_num(self.dh[j])}",
                              (("h", j),)))
        for j in range(H):
            local = dh.format(a=_num(self.h[j]), z=_num(self.z1[j]))
            steps.append(Step("backward", f"z1[{j}]", float(self.z1[j]), float(self.dz1[j]),
                              f"dL/dz1[{j}] = dL/dh[{j}] * {local} = {_num(self.dz1[j])}",
                              (("z1", j),)))
        for j in range(H):
            steps.append(Step("backward", f"W1[:,{j}], b1[{j}]",
                              np.append(self.W1[:, j], self.b1[j]),
                              np.append(self.dW1[:, j], self.db1[j]),
                              f"dL/dW1[i,{j}] = x[i] * dL/dz1[{j}] = {_fmt(self.dW1[:, j])}; "
                              f"dL/db1[{j}] = dL/dz1[{j}] = {_num(self.db1[j])}",
                              (("W1", (slice(None), j)), ("b1", j))))
        return steps

    # ---- states ---------------------------------------------------------------------
    def state_at(self, k):
        """Everything known after the first ``k`` steps, ``0 <= k <= len(steps)``.

        At ``k = 0`` only the input, the target and the parameters are known.
        """
        n = len(self.steps)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
            raise ValueError(f"k: expected an integer in [0, {n}], got {k!r}")
        D, H, O = self.sizes
        values = {"x": self.x.copy(), "y": self.y.copy(), "W1": self.W1.copy(),
                  "b1": self.b1.copy(), "W2": self.W2.copy(), "b2": self.b2.copy(),
                  "z1": np.full(H, np.nan), "h": np.full(H, np.nan),
                  "z2": np.full(O, np.nan), "yhat": np.full(O, np.nan), "L": np.array(np.nan)}
        grads = {name: np.full_like(np.asarray(values[name], dtype=float), np.nan)
                 for name in ("L", "yhat", "z2", "W2", "b2", "h", "z1", "W1", "b1")}
        full = {"z1": self.z1, "h": self.h, "z2": self.z2, "yhat": self.yhat,
                "L": np.array(self.L)}
        full_grads = {"L": np.array(1.0), "yhat": self.dyhat, "z2": self.dz2, "W2": self.dW2,
                      "b2": self.db2, "h": self.dh, "z1": self.dz1, "W1": self.dW1,
                      "b1": self.db1}
        for step in self.steps[:k]:
            target, source = (values, full) if step.phase == "forward" else (grads, full_grads)
            for name, index in step.updates:
                index = () if index is None else index
                target[name][index] = source[name][index]
        return StepperState(values, grads, self.steps[k - 1] if k else None, int(k))

    def __len__(self):
        return len(self.steps)

    def __repr__(self):
        D, H, O = self.sizes
        return (f"BackpropStepper({D}-{H}-{O}, activation={self.activation!r}, "
                f"loss={self.loss!r}, {len(self.steps)} steps, L={self.L:.4f})")


def _num(v, digits=4):
    """A number with ``digits`` decimals, never printed as -0.0000."""
    return f"{float(v) + 0.0:.{digits}f}"


def _fmt(array):
    return "[" + ", ".join(_num(v) for v in np.ravel(array)) + "]"


def _weighted_sum(inputs, weights, bias):
    """'1·0.5 + 0·(-0.4) - 0.2': the weighted sum written out, negatives in brackets."""
    def short(v):
        text = f"{float(v) + 0.0:.3g}"
        return f"({text})" if text.startswith("-") else text
    terms = " + ".join(f"{short(a)}·{short(w)}" for a, w in zip(inputs, weights))
    sign = "-" if bias < 0 else "+"
    return f"{terms} {sign} {abs(float(bias)):.3g}"
