"""Explorers: one pure figure function, live in JupyterLab or as a static twin in the book.

* :mod:`~nnlib.explore.explorer`: the mechanism (:func:`~nnlib.explore.explorer.explore`,
  :class:`~nnlib.explore.explorer.Slider`, :class:`~nnlib.explore.explorer.Dropdown`, the static
  twin's frames)
* :mod:`~nnlib.explore.stepper`: backpropagation one step at a time (chapter 7's explorer)

The explorers' figure functions live beside each chapter's other figures in :mod:`nnlib.viz`.
"""
from nnlib.explore.explorer import Dropdown, Explorer, Slider, explore, from_spec

__all__ = ["explore", "Explorer", "Slider", "Dropdown", "from_spec"]
