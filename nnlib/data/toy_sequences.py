"""Toy sequence tasks for chapter 14 (*Attention and transformers*): short strings of digits
and what a network should turn them into.

Every example is a sequence of ``length`` random tokens drawn uniformly from ``0 ..
vocab - 1`` (digits, with the default ``vocab=10``), and a target sequence of the same
length, one answer per position:

========== ================================ =========================================
task       target at position t             what a network must find out
========== ================================ =========================================
reverse    the token at position T - 1 - t  where to look: a fixed position (order)
sort       the t-th smallest token          what to look for: the tokens' values
copy       the token at position t          nothing, each token answers for itself
shift      the token at position t - 1      where to look: the previous position
           (the last token moves to 0)
========== ================================ =========================================

Nothing is stored: a seeded generator draws as many fresh examples as a training run
needs, so a network never sees the same batch twice and its test sequences are (almost
all) new to it.

>>> import numpy as np
>>> ids, targets = toy_sequences(2, "reverse", length=5, rng=np.random.default_rng(0))
>>> ids
array([[8, 6, 5, 2, 3],
       [0, 0, 0, 1, 8]])
>>> targets
array([[3, 2, 5, 6, 8],
       [8, 1, 0, 0, 0]])
"""
import numbers

import numpy as np

from nnlib._checks import as_rng, check_size

__all__ = ["TASKS", "toy_targets", "toy_sequences"]

#: The tasks :func:`toy_sequences` knows, in the order of the table above.
TASKS = ("reverse", "sort", "copy", "shift")


def _check_task(task):
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(f"task: expected one of {', '.join(map(repr, TASKS))}, "
                         f"got {task!r}")
    return task


def toy_targets(ids, task):
    """The targets of ``task`` for token sequences ``ids``.

    ids : integer array (N, T) (or (T,) for one sequence)
    task : one of :data:`TASKS`

    Returns an integer array of the same shape.
    """
    task = _check_task(task)
    array = np.asarray(ids)
    if array.dtype.kind not in "iu" or array.ndim not in (1, 2) or array.shape[-1] == 0:
        raise ValueError(f"ids: expected a non-empty integer array (N, T) or (T,), got "
                         f"shape {array.shape} and dtype {array.dtype}")
    if task == "reverse":
        return np.ascontiguousarray(array[..., ::-1])
    if task == "sort":
        return np.sort(array, axis=-1)
    if task == "copy":
        return array.copy()
    return np.roll(array, 1, axis=-1)


def toy_sequences(n, task="reverse", length=8, vocab=10, rng=None):
    """``n`` random sequences and their targets for ``task``.

    Parameters
    ----------
    n : int, the number of sequences N
    task : one of :data:`TASKS` ("reverse", "sort", "copy", "shift")
    length : int >= 2, the number of tokens per sequence T
    vocab : int >= 2, the number of different tokens V (10: the digits 0-9)
    rng : np.random.Generator or int seed (seed 0 when None)

    Returns
    -------
    ids : int64 array (N, T), tokens in [0, vocab)
    targets : int64 array (N, T), see the module's table
    """
    n = check_size("n", n)
    task = _check_task(task)
    for name, value in (("length", length), ("vocab", vocab)):
        if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                or value < 2):
            raise ValueError(f"{name}: expected a whole number >= 2, got {value!r}")
    rng = as_rng(rng)
    ids = rng.integers(0, int(vocab), size=(n, int(length)), dtype=np.int64)
    return ids, toy_targets(ids, task)
