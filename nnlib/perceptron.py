"""The perceptron: one neuron with a step activation and Rosenblatt's learning rule.

Chapter 2 ("Neurons") uses it to show that a single neuron learns AND and OR but can never
learn XOR. It is pure numpy and deliberately separate from ``nnlib.nn``: the rule below
needs no gradients, only the sign of each mistake.

The rule, for one example ``x`` with target ``y`` (0 or 1) and prediction ``y_hat``::

    w <- w + lr * (y - y_hat) * x
    b <- b + lr * (y - y_hat)

A correct prediction changes nothing; a wrong one tilts the line towards the example.
:meth:`Perceptron.trace` records every example the rule sees, so that chapter 2 can draw the
line after each mistake.
"""
from dataclasses import dataclass

import numpy as np

from ._checks import check_positive, check_same_length, check_shape

__all__ = ["Perceptron", "PerceptronStep"]


@dataclass(frozen=True)
class PerceptronStep:
    """One example seen by the perceptron rule (a row of :meth:`Perceptron.trace`).

    epoch: 1-based pass over the data. index: the example's row of X (0-based).
    x (D,), target (0 or 1), answer: the neuron's answer *before* the update.
    w (D,), b: the weights and bias *after* the rule has seen the example (unchanged
    when the answer was right).
    """

    epoch: int
    index: int
    x: np.ndarray
    target: float
    answer: float
    w: np.ndarray
    b: float

    @property
    def mistake(self):
        """True when the neuron answered wrongly, so that the rule moved the line."""
        return self.answer != self.target


class Perceptron:
    """A single neuron ``y_hat = step(x @ w + b)`` trained by the perceptron rule.

    Parameters
    ----------
    n_inputs : int, number of input features D.
    lr : float > 0, the learning rate (how far one mistake moves the weights).
    rng : np.random.Generator, for the small random initial weights; None starts at zero.

    Attributes: ``w`` (D,), ``b`` float.
    """

    def __init__(self, n_inputs, lr=0.1, rng=None):
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) \
                or n_inputs < 1:
            raise ValueError(f"n_inputs: expected a positive integer, got {n_inputs!r}")
        self.lr = check_positive("lr", lr)
        self.n_inputs = int(n_inputs)
        if rng is None:
            self.w = np.zeros(self.n_inputs)
        else:
            self.w = rng.normal(0.0, 0.1, size=self.n_inputs)
        self.b = 0.0

    def weighted_sum(self, X):
        """z = X @ w + b. X: (N, D). Returns (N,)."""
        X = check_shape("X", np.asarray(X, dtype=float), (None, self.n_inputs))
        return X @ self.w + self.b

    def predict(self, X):
        """Step of the weighted sum: 1.0 where z > 0, else 0.0. X: (N, D). Returns (N,)."""
        return (self.weighted_sum(X) > 0).astype(float)

    def fit(self, X, y, epochs=10):
        """Apply the rule to every example, in order, ``epochs`` times.

        X: (N, D). y: (N,) of 0/1. Returns a list with the number of misclassified
        examples seen during each epoch (0 means that epoch made no update). The line
        moves during an epoch, so this count can differ from the number of examples the
        final line gets wrong (``(self.predict(X) != y).sum()``).
        """
        steps = self.trace(X, y, epochs)
        errors = [0] * epochs
        for step in steps:
            errors[step.epoch - 1] += step.mistake
        return errors

    def trace(self, X, y, epochs=10):
        """Train exactly as :meth:`fit` does, and return every example seen on the way.

        X: (N, D). y: (N,) of 0/1. Returns a list of ``epochs * N``
        :class:`PerceptronStep`, in the order the rule saw the examples; the steps with
        ``mistake`` True are the updates.
        """
        X = check_shape("X", np.asarray(X, dtype=float), (None, self.n_inputs))
        y = np.asarray(y, dtype=float).reshape(-1)
        check_same_length("X", X, "y", y)
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"y: expected labels 0 or 1, got {np.unique(y)}")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs: expected a positive integer, got {epochs!r}")
        steps = []
        for epoch in range(1, epochs + 1):
            for index, (xi, yi) in enumerate(zip(X, y)):
                answer = float(xi @ self.w + self.b > 0)
                update = self.lr * (yi - answer)
                if update:
                    self.w = self.w + update * xi
                    self.b += update
                steps.append(PerceptronStep(epoch, index, xi.copy(), float(yi), answer,
                                            self.w.copy(), float(self.b)))
        return steps

    def __repr__(self):
        return f"Perceptron(w={np.round(self.w, 4).tolist()}, b={self.b:.4g}, lr={self.lr})"
