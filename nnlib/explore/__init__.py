"""Explorers: one pure figure function, live in JupyterLab or as a static twin in the book.

* :mod:`~nnlib.explore.explorer`: the mechanism (:func:`~nnlib.explore.explorer.explore`,
  :class:`~nnlib.explore.explorer.Slider`, :class:`~nnlib.explore.explorer.Dropdown`, the static
  twin's frames)
* :mod:`~nnlib.explore.stepper`: backpropagation one step at a time (chapter 7's explorer)
* the experiments of chapters 8 and 10-17, each run once with a fixed seed and cached, whose
  numbers the chapters quote and whose snapshots the explorers show:
  :mod:`~nnlib.explore.playground` (8), :mod:`~nnlib.explore.generalisation` (10),
  :mod:`~nnlib.explore.deep` (11), :mod:`~nnlib.explore.convolution` (12),
  :mod:`~nnlib.explore.recurrent` (13), :mod:`~nnlib.explore.attention` (14),
  :mod:`~nnlib.explore.gan` (15), :mod:`~nnlib.explore.practice` (16),
  :mod:`~nnlib.explore.limits` (17)

The explorers' figure functions live beside each chapter's other figures in :mod:`nnlib.viz`.
"""
from nnlib.explore.explorer import Dropdown, Explorer, Slider, explore, from_spec

__all__ = ["explore", "Explorer", "Slider", "Dropdown", "from_spec"]
