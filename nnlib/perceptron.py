"""The perceptron: one neuron with a step activation and Rosenblatt's learning rule.

Chapter 2 ("Neurons") uses it to show that a single neuron learns AND and OR but can never
learn XOR. It is pure numpy and deliberately separate from ``nnlib.nn``: the rule below
needs no gradients, only the sign of each mistake.

The rule, for one example ``x`` with target ``y`` (0 or 1) and prediction ``y_hat``::

    w <- w + lr * (y - y_hat) * x
    b <- b + lr * (y - y_hat)

A correct prediction changes nothing; a wrong one tilts the line towards the example.
"""
import numpy as np

from ._checks import check_positive, check_same_length, check_shape

__all__ = ["Perceptron"]


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
        examples seen during each epoch (0 means that epoch made no update).
        """
        X = check_shape("X", np.asarray(X, dtype=float), (None, self.n_inputs))
        y = np.asarray(y, dtype=float).reshape(-1)
        check_same_length("X", X, "y", y)
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"y: expected labels 0 or 1, got {np.unique(y)}")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs: expected a positive integer, got {epochs!r}")
        errors = []
        for _ in range(epochs):
            mistakes = 0
            for xi, yi in zip(X, y):
                update = self.lr * (yi - float(xi @ self.w + self.b > 0))
                if update:
                    self.w = self.w + update * xi
                    self.b += update
                    mistakes += 1
            errors.append(mistakes)
        return errors

    def __repr__(self):
        return f"Perceptron(w={np.round(self.w, 4).tolist()}, b={self.b:.4g}, lr={self.lr})"
