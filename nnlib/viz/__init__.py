"""The course's figures (matplotlib), one module per chapter after the shared style.

* :mod:`~nnlib.viz.style`: palette, rcParams, :func:`~nnlib.viz.style.subplots`,
  :func:`~nnlib.viz.style.embed` (figures for glue)
* :mod:`~nnlib.viz.basics`: figures of chapters 1-2 reused later (decision boundaries, loss
  curves, network diagrams)
* :mod:`~nnlib.viz.neurons` (chapter 2), :mod:`~nnlib.viz.layers` (3),
  :mod:`~nnlib.viz.activations` (4), :mod:`~nnlib.viz.losses` (5),
  :mod:`~nnlib.viz.landscapes` (6), :mod:`~nnlib.viz.training` (7-8),
  :mod:`~nnlib.viz.fitting`, :mod:`~nnlib.viz.hyperparams` and :mod:`~nnlib.viz.playground` (8),
  :mod:`~nnlib.viz.speech` (9), :mod:`~nnlib.viz.generalisation` (10), :mod:`~nnlib.viz.deep`
  (11), :mod:`~nnlib.viz.convolution` (12), :mod:`~nnlib.viz.recurrent` (13),
  :mod:`~nnlib.viz.attention` (14), :mod:`~nnlib.viz.gan` (15), :mod:`~nnlib.viz.practice` (16),
  :mod:`~nnlib.viz.limits` (17)

Each chapter module also holds its explorers' figure functions (``params -> Figure``) and
controls; the mechanism that shows them live or as a static twin is :mod:`nnlib.explore`.
``nnlib.viz.<name>`` reaches the shared helpers directly, e.g. ``viz.loss_curve(history)``.
"""
from nnlib.viz.style import *  # noqa: F401,F403
from nnlib.viz.basics import *  # noqa: F401,F403
from nnlib.viz import style as _style, basics as _basics

__all__ = list(_style.__all__) + list(_basics.__all__)
