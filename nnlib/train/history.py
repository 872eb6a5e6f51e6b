"""``History``: what ``fit`` measured, one entry per epoch (chapter 8)."""
from dataclasses import dataclass, field

import numpy as np

__all__ = ["History", "METRICS"]

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
"""The per-epoch metrics ``fit`` can record, in the order they are reported."""


@dataclass(repr=False)
class History:
    """What happened during ``fit``, one entry per epoch.

    ``loss`` and ``accuracy`` are on the training set, ``val_loss`` and ``val_accuracy`` on
    the validation set; a list stays empty when it does not apply (no accuracy for a
    regression loss such as ``mse``, no ``val_*`` without ``validation_data``).
    Epochs are numbered from 1: ``history.loss[0]`` belongs to epoch 1.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    stopped_early: bool = False
    _best_epoch: int = None

    def append(self, logs):
        """Add one epoch's metrics (a dict with some of the keys in ``METRICS``)."""
        for key, value in logs.items():
            getattr(self, key).append(value)

    @property
    def epochs_run(self):
        """How many epochs were completed."""
        return len(self.loss)

    @property
    def epochs(self):
        """Epoch numbers ``[1, 2, ..., epochs_run]`` (an x-axis for plots)."""
        return list(range(1, self.epochs_run + 1))

    @property
    def best_epoch(self):
        """The best epoch (1-based): the one :class:`EarlyStopping` restored if it was used,
        else the one with the lowest ``val_loss`` (or ``loss`` without validation)."""
        if self._best_epoch is not None:
            return self._best_epoch
        series = self.val_loss or self.loss
        return int(np.argmin(series)) + 1 if series else None

    @best_epoch.setter
    def best_epoch(self, epoch):
        self._best_epoch = epoch

    def as_dict(self):
        """The non-empty metric lists, e.g. ``{'loss': [...], 'accuracy': [...]}``."""
        return {key: list(getattr(self, key)) for key in METRICS if getattr(self, key)}

    def __repr__(self):
        if not self.epochs_run:
            return "History(epochs_run=0)"
        last = ", ".join(f"{k}={format_metric(v[-1])}" for k, v in self.as_dict().items())
        return (f"History(epochs_run={self.epochs_run}, last: {last}, "
                f"best_epoch={self.best_epoch}, stopped_early={self.stopped_early})")


def format_metric(value):
    """A metric as short text: 4 decimals for everyday sizes, scientific otherwise."""
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"
