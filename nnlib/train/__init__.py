"""Training a model: the fit loop, its history, callbacks and progress display (chapter 8).

* :mod:`~nnlib.train.loop`: :func:`~nnlib.train.loop.fit`, :func:`~nnlib.train.loop.evaluate`,
  :func:`~nnlib.train.loop.predict`, :class:`~nnlib.train.loop.TrainingDiverged`
* :mod:`~nnlib.train.history`: :class:`~nnlib.train.history.History` (the numbers of every epoch)
* :mod:`~nnlib.train.callbacks`: :class:`~nnlib.train.callbacks.EarlyStopping`
* :mod:`~nnlib.train.progress`: the progress bar and the live loss curve
"""
from nnlib.train.callbacks import EarlyStopping
from nnlib.train.loop import TrainingDiverged, evaluate, fit, predict
from nnlib.train.history import History
from nnlib.train.progress import LivePlot, ProgressBar

__all__ = ["fit", "evaluate", "predict", "TrainingDiverged", "History", "EarlyStopping",
           "ProgressBar", "LivePlot"]
