"""Problems built by composing a simple step many times (chapter 11: why depth helps).

* :func:`tent` and :func:`sawtooth`: the tent map folds [0, 1] onto itself; applied ``k``
  times it gives a sawtooth of ``2**(k - 1)`` teeth (``2**k`` straight pieces). A deep
  network with two ReLU neurons per layer computes it exactly with ``6k + 1`` weights
  (:func:`nnlib.explore.deep.folding_network`); one hidden layer needs about ``2**k``
  neurons.
* :func:`rings`: points of the square [-1, 1]^2 labelled by the concentric band they fall
  in, alternating 0, 1, 0, ...: the distance from the centre first, then a fold on it.
"""
import numbers

import numpy as np

from nnlib._checks import as_rng

__all__ = ["tent", "sawtooth", "rings"]


def _check_count(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name}: expected a whole number >= {low}, got {value!r}")
    return int(value)


def tent(x):
    """The tent map ``1 - |2x - 1|``: 0 at x = 0 and 1, 1 at x = 0.5, straight in between.

    x : array of numbers (any shape), usually in [0, 1]; returns an array of the same shape.
    """
    x = np.asarray(x, dtype=np.float64)
    return 1.0 - np.abs(2.0 * x - 1.0)


def sawtooth(x, folds):
    """The tent map applied ``folds`` times: a sawtooth with ``2**(folds - 1)`` teeth on
    [0, 1], each rising from 0 to 1 and falling back (``folds = 0`` returns x itself).

    x : array of numbers in [0, 1] (any shape); returns an array of the same shape.
    """
    folds = _check_count("folds", folds, 0)
    y = np.asarray(x, dtype=np.float64)
    for _ in range(folds):
        y = tent(y)
    return y


def rings(n, bands=4, rng=None):
    """``n`` points drawn uniformly from the square [-1, 1]^2, labelled by their ring.

    The distance r from the centre is cut into bands of width ``1 / bands``; the label is
    the band's number modulo 2 (0 in the middle disc, then 1, 0, ...), so the classes form
    concentric rings (the corners of the square continue the pattern).

    Returns ``(X, y)``: X (n, 2) float64, y (n,) int64 of 0s and 1s.
    """
    n = _check_count("n", n, 1)
    bands = _check_count("bands", bands, 1)
    rng = as_rng(rng)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    radius = np.sqrt((X ** 2).sum(axis=1))
    y = (np.floor(radius * bands) % 2).astype(np.int64)
    return X, y
