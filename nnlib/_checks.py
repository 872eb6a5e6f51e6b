"""Small validation helpers shared by nnlib's modules.

Every helper raises ``ValueError`` with a message of the form
``"<name>: expected <what>, got <what came>"`` so that a learner sees at once which
argument is wrong, what was expected and what arrived. An argument of the wrong *type*
raises :class:`ArgumentTypeError`, which is both a ``ValueError`` (nnlib's rule) and a
``TypeError`` (what Python and PyTorch raise there), so either ``except`` catches it.
"""
import numbers

import numpy as np

__all__ = [
    "ArgumentTypeError", "check_finite", "check_shape", "check_labels", "check_same_length", "check_positive",
    "check_size", "check_number", "check_float_dtype", "as_rng",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a class where an instance belongs, a string where a
    number belongs, ...). Like numpy's ``AxisError`` (both ValueError and IndexError) it
    belongs to two families: ``except TypeError`` and ``except ValueError`` both catch it."""


def _describe(array):
    """Short text for an array: its shape and dtype."""
    array = np.asarray(array)
    return f"array of shape {array.shape} and dtype {array.dtype}"


def check_finite(name, array):
    """Raise ValueError if ``array`` contains NaN or +-inf.

    Returns ``array`` unchanged so the call can be used inline.
    """
    values = np.asarray(array)
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        n_nan = int(np.isnan(values).sum())
        n_inf = int(np.isinf(values).sum())
        raise ValueError(
            f"{name}: expected finite values, got {n_nan} NaN and {n_inf} inf "
            f"in an {_describe(values)}"
        )
    return array


def check_shape(name, array, expected):
    """Raise ValueError unless ``array.shape`` matches ``expected``.

    ``expected`` is a tuple whose entries are ints or ``None`` (any size), e.g.
    ``(None, 3)`` for "a batch of rows with 3 columns".
    """
    shape = np.shape(array)
    ok = len(shape) == len(expected) and all(
        e is None or e == s for e, s in zip(expected, shape)
    )
    if not ok:
        want = "(" + ", ".join("N" if e is None else str(e) for e in expected)
        want += ",)" if len(expected) == 1 else ")"
        raise ValueError(f"{name}: expected shape {want}, got shape {shape}")
    return array


def check_labels(name, y, n_classes):
    """Raise ValueError unless ``y`` is a 1-D array of integers in ``[0, n_classes)``.

    Float arrays holding whole numbers (e.g. ``[0., 1.]``) are accepted.
    Returns ``y`` as an integer ndarray.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of class indices, got shape {y.shape}")
    if y.dtype.kind in "f":
        check_finite(name, y)
        if not np.all(y == np.round(y)):
            bad = y[y != np.round(y)][0].item()
            raise ValueError(f"{name}: expected integer class indices, got value {bad!r}")
        y = y.astype(np.intp)
    elif y.dtype.kind not in "iub":
        raise ValueError(f"{name}: expected integer class indices, got dtype {y.dtype}")
    if y.size:
        low, high = np.minimum.reduce(y), np.maximum.reduce(y)
        if low < 0 or high >= n_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"{name}: expected integers in [0, {n_classes}), got value {int(bad)}"
            )
    return y


def check_same_length(name_a, a, name_b, b):
    """Raise ValueError unless ``a`` and ``b`` have the same length (first dimension)."""
    len_a, len_b = len(a), len(b)
    if len_a != len_b:
        raise ValueError(
            f"{name_a}, {name_b}: expected the same number of samples, "
            f"got {len_a} and {len_b}"
        )


def check_positive(name, value):
    """Raise ValueError unless ``value`` is a finite real number > 0. Returns ``value``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0 < value < float("inf")):
        finite = " (it must be finite)" if value == float("inf") else ""
        raise ValueError(f"{name}: expected a positive number, got {value!r}{finite}")
    return value


DEFAULT_SEED = 0
"""The seed used where a function takes ``rng=None``: results repeat from run to run."""


def as_rng(rng, name="rng"):
    """Turn ``rng`` (a Generator, an int seed, or None for seed 0) into a Generator."""
    if rng is None:
        return np.random.default_rng(DEFAULT_SEED)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name}: expected a seed >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"{name}: expected a numpy Generator (np.random.default_rng(seed)), an int seed or "
        f"None, got {type(rng).__name__}"
    )


def check_int(name, value, low, high=None):
    """``value`` as an int in [low, high] (high None: no upper bound), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < low or (high is not None and value > high):
        expected = f"a whole number >= {low}" if high is None else \
            f"a whole number from {low} to {high}"
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return int(value)


def check_size(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def check_number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


def check_float_dtype(name, dtype):
    """``np.dtype(dtype)``; raise ValueError unless it is a float dtype (float32, float64)."""
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result.kind != "f":
        raise ValueError(f"{name}: expected a float dtype such as np.float32, got {dtype!r}")
    return result
