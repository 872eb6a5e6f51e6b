"""Data for the course, all offline: generated here or bundled with scikit-learn.

* :mod:`~nnlib.data.datasets`: XOR, travel insurance, bank churn, spirals, the 8x8 digits,
  splitting and standardising (also reachable as ``nnlib.datasets``)
* :mod:`~nnlib.data.speech`: the four-word toy speech set of chapter 9 and its features
* :mod:`~nnlib.data.landscapes`: toy loss surfaces for gradient descent (chapter 6)
* :mod:`~nnlib.data.compositional` (chapter 11), :mod:`~nnlib.data.sequences` (13),
  :mod:`~nnlib.data.toy_sequences` (14), :mod:`~nnlib.data.gaussian_ring` (15),
  :mod:`~nnlib.data.reviews` (16): small generated data sets for Parts II-IV

``nnlib.data.digits()`` and ``nnlib.datasets.digits()`` are the same function.
"""
from nnlib.data.datasets import *  # noqa: F401,F403
from nnlib.data import datasets as _datasets

__all__ = list(_datasets.__all__)
