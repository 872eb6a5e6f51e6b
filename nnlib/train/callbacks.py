"""Callbacks that ``fit`` calls during training: ``EarlyStopping`` (chapter 10).

A callback is any object with some of these methods, all optional:
``on_train_begin(model)``, ``on_epoch_end(epoch, logs) -> bool`` (True stops training)
and ``on_train_end(model, history)``.
"""
import numbers

import numpy as np

from nnlib.train.history import METRICS

__all__ = ["EarlyStopping", "as_callbacks"]


class EarlyStopping:
    """Stop training when a metric has not improved for ``patience`` epochs (chapter 10).

    Parameters
    ----------
    monitor : str, the metric to watch: 'val_loss' (default), 'val_accuracy', 'loss', ...
    patience : int >= 0, how many epochs without improvement to accept before stopping
    min_delta : float >= 0, the smallest change that counts as an improvement
    restore_best : bool, put back the weights of the best epoch when training ends
    mode : 'min', 'max' or 'auto' ('max' for accuracies, 'min' otherwise)

    After ``fit``: ``best_epoch`` (1-based), ``best`` (its metric value), ``stopped_epoch``
    (None if it never stopped training).
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, restore_best=True,
                 mode="auto"):
        if monitor not in METRICS:
            raise ValueError(f"monitor: expected one of {list(METRICS)}, got {monitor!r}")
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 0:
            raise ValueError(f"patience: expected an integer >= 0, got {patience!r}")
        if (isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real)
                or not min_delta >= 0):
            raise ValueError(f"min_delta: expected a number >= 0, got {min_delta!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode: expected 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.restore_best = bool(restore_best)
        self.mode = ("max" if "accuracy" in monitor else "min") if mode == "auto" else mode
        self._reset(None)

    def _reset(self, model):
        self._params = [] if model is None else list(model.parameters())
        self._saved = None
        self.best, self.best_epoch, self.stopped_epoch, self._wait = None, None, None, 0

    def _improved(self, value):
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, model):
        self._reset(model)

    def on_epoch_end(self, epoch, logs):
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self._wait = value, epoch, 0
            if self.restore_best:
                self._snapshot()
            return False
        self._wait += 1
        if self._wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def _snapshot(self):
        """Copy the current weights into buffers allocated once."""
        if self._saved is None:
            self._saved = [p.data.copy() for p in self._params]
        else:
            for buf, p in zip(self._saved, self._params):
                np.copyto(buf, p.data)

    def on_train_end(self, model, history):
        if self.best_epoch is None:
            return
        history.best_epoch = self.best_epoch
        if self.restore_best and self._saved is not None and self.best_epoch != history.epochs_run:
            for buf, p in zip(self._saved, self._params):
                np.copyto(p.data, buf)

    def __repr__(self):
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"min_delta={self.min_delta}, restore_best={self.restore_best})")


def as_callbacks(callbacks):
    """``callbacks`` (None, one callback or a list of them) as a checked list."""
    if callbacks is None:
        return []
    if hasattr(callbacks, "on_epoch_end") or hasattr(callbacks, "on_train_begin"):
        callbacks = [callbacks]
    callbacks = list(callbacks)
    for cb in callbacks:
        hooks = ("on_epoch_end", "on_train_begin", "on_train_end")
        if not any(hasattr(cb, name) for name in hooks):
            raise ValueError(
                f"callbacks: expected objects with an on_epoch_end(epoch, logs) method, "
                f"got {type(cb).__name__}"
            )
    return callbacks
