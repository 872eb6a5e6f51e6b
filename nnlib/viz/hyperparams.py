"""The hyperparameter explorer of chapter 8: learning rate, width and epochs on bank churn.

- :func:`churn_split`: the explorer's data, 2,000 customers, split and standardised.
- :func:`training_run`: one training run of a 12-``hidden``-1 network with plain SGD at
  learning rate ``lr``, always for :data:`MAX_EPOCHS` epochs, cached on ``(lr, hidden)``.
- :func:`training_figure`: the loss curves of that run up to ``epochs`` and the accuracies
  reached; :func:`explorer` shows it with a slider and two menus.

The epochs slider only reveals more of a run that was trained once, so the 60 frames of the
book need 12 training runs (about 2 s in all), not 60.
"""
import functools
from dataclasses import dataclass

import matplotlib
import numpy as np

from nnlib import viz

__all__ = [
    "LEARNING_RATES", "WIDTHS", "MAX_EPOCHS", "EPOCH_STEP", "HyperRun", "churn_split",
    "training_run", "training_figure", "controls", "explorer",
]

#: The learning-rate menu: too small, good, good and fast, far too large (diverges).
LEARNING_RATES = (0.01, 0.1, 1.0, 100.0)
#: The hidden-layer widths in the menu.
WIDTHS = (2, 8, 32)
#: Every run trains this many epochs; the slider shows a prefix of the run.
MAX_EPOCHS = 40
#: The slider's step (and its smallest value).
EPOCH_STEP = 8
N_CUSTOMERS = 2000
BATCH_SIZE = 64
SEED = 8
#: Loss axis, fixed so that frames compare; larger losses leave the top of the plot.
_LOSS_LIMIT = 1.0
_TRAIN_COLOUR, _VAL_COLOUR = viz.OKABE_ITO["blue"], viz.OKABE_ITO["orange"]


@functools.lru_cache(maxsize=1)
def churn_split():
    """2,000 seeded bank-churn customers, 75 % for training and 25 % for validation.

    Returns ``(X_train, X_val, y_train, y_val)``: X (N, 12) standardised with the training
    rows' mean and standard deviation, y (N,) 0 (stays) or 1 (leaves).
    """
    from nnlib.data.datasets import bank_churn, standardize, train_test_split

    rng = np.random.default_rng(SEED)
    X, y, _ = bank_churn(N_CUSTOMERS, rng)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, rng=rng)
    X_train, X_val = standardize(X_train, X_val)
    return X_train, X_val, y_train, y_val


@dataclass(frozen=True)
class HyperRun:
    """One training run; entry k of every array is *after epoch k + 1*.

    loss, val_loss, accuracy, val_accuracy: (E,) read-only arrays, with E = MAX_EPOCHS, or
    fewer if the run diverged: then ``diverged_at`` is the epoch (1-based) in which ``fit``
    stopped it (the loss blew up or stopped being a number), else None.
    """

    lr: float
    hidden: int
    loss: np.ndarray
    val_loss: np.ndarray
    accuracy: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: int | None = None


def training_run(lr, hidden):
    """Train a 12-``hidden``-1 ReLU network on :func:`churn_split` for MAX_EPOCHS epochs.

    Plain SGD at learning rate ``lr``, mini-batches of 64, binary cross-entropy on the
    output score, all seeded. A run that diverges is returned, not raised: its arrays stop
    at the last full epoch and ``diverged_at`` says when it blew up. Cached on
    ``(lr, hidden)``, so repeated calls return the same :class:`HyperRun` object.
    """
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < np.inf:
        raise ValueError(f"lr: expected a positive number, got {lr!r}")
    if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or hidden < 1:
        raise ValueError(f"hidden: expected a whole number >= 1, got {hidden!r}")
    return _train(float(lr), int(hidden))


@functools.lru_cache(maxsize=16)
def _train(lr, hidden):
    """:func:`training_run` without the argument checks, cached on ``(lr, hidden)``."""
    from nnlib.nn import Linear, ReLU, Sequential
    from nnlib.optim import SGD
    from nnlib.train.loop import TrainingDiverged, fit

    X_train, X_val, y_train, y_val = churn_split()
    rng = np.random.default_rng(SEED)
    model = Sequential(Linear(12, hidden, rng=rng), ReLU(), Linear(hidden, 1, rng=rng))
    diverged_at = None
    try:
        history = fit(model, X_train, y_train, loss="bce_with_logits",
                      optimizer=SGD(model.parameters(), lr=lr), epochs=MAX_EPOCHS,
                      batch_size=BATCH_SIZE, validation_data=(X_val, y_val), rng=rng,
                      progress=False)
    except TrainingDiverged as err:
        history, diverged_at = err.history, err.epoch
    curves = []
    for name in ("loss", "val_loss", "accuracy", "val_accuracy"):
        curve = np.array(getattr(history, name), dtype=float)
        curve.flags.writeable = False
        curves.append(curve)
    return HyperRun(lr, hidden, *curves, diverged_at=diverged_at)


def _check_epochs(epochs):
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) \
            or not 1 <= epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs: expected a whole number from 1 to {MAX_EPOCHS}, "
                         f"got {epochs!r}")


def training_figure(lr=0.1, hidden=8, epochs=MAX_EPOCHS):
    """Loss curves and accuracies of :func:`training_run` ``(lr, hidden)`` after ``epochs``.

    Left: training and validation loss for epochs 1..``epochs`` (axes fixed so frames
    compare; a diverged run stops where it blew up and says so). Right: training and
    validation accuracy at the last epoch shown, against the always-"stays" baseline.
    ``epochs``: 1 to :data:`MAX_EPOCHS`. Returns a matplotlib Figure.
    """
    _check_epochs(epochs)
    run = training_run(lr, hidden)
    shown = min(epochs, len(run.loss))
    # A fixed layout: automatic layout would double the time of each frame.
    fig, (left, right) = viz.subplots(1, 2, figsize=(9.6, 4.0), layout=None,
                                      gridspec_kw={"width_ratios": (2.2, 1), "wspace": 0.3})
    fig.subplots_adjust(left=0.075, right=0.98, bottom=0.13, top=0.9)
    with matplotlib.rc_context(viz.STYLE):
        _loss_panel(left, run, shown, epochs)
        _accuracy_panel(right, run, shown, epochs)
    return fig


def _diverged_here(run, epochs):
    return run.diverged_at is not None and epochs >= run.diverged_at


def _loss_panel(ax, run, shown, epochs):
    """Training and validation loss of ``run`` for its first ``shown`` epochs."""
    done = np.arange(1, shown + 1)
    for name, curve, colour in (("training loss", run.loss, _TRAIN_COLOUR),
                                ("validation loss", run.val_loss, _VAL_COLOUR)):
        ax.plot(done, np.minimum(curve[:shown], _LOSS_LIMIT * 1.05), color=colour,
                linewidth=2, marker="o", markersize=3, label=name)
    if _diverged_here(run, epochs):
        ax.axvline(run.diverged_at, color=viz.OKABE_ITO["vermillion"], linestyle="--")
        message = (f"diverged at epoch {run.diverged_at}:\n"
                   "the loss shot off the top,\nso training stopped")
        ax.text(0.97, 0.95, message, transform=ax.transAxes, ha="right", va="top", fontsize=11,
                fontweight="bold", color=viz.OKABE_ITO["vermillion"])
    elif shown:
        ax.text(0.97, 0.95, f"epoch {shown}: validation loss {run.val_loss[shown - 1]:.3f}",
                transform=ax.transAxes, ha="right", va="top", fontsize=11,
                fontweight="bold")
    ax.set_xlim(0, MAX_EPOCHS + 1)
    ax.set_ylim(0, _LOSS_LIMIT)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (binary cross-entropy)")
    ax.set_title(f"Learning rate {run.lr:g}, {run.hidden} hidden neurons")
    ax.legend(loc="lower left")
    ax.grid(True)


def _accuracy_panel(ax, run, shown, epochs):
    """Bars of the training and validation accuracy after ``shown`` epochs."""
    _, _, y_train, y_val = churn_split()
    baseline = 1 - y_val.mean()
    ax.axhline(100 * baseline, color=viz.OKABE_ITO["black"], linestyle=":", linewidth=1.5,
               zorder=3)
    if shown:
        values = 100 * np.array([run.accuracy[shown - 1], run.val_accuracy[shown - 1]])
        bars = ax.bar([0, 1], values, color=[_TRAIN_COLOUR, _VAL_COLOUR], width=0.6)
        for bar, value in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, 4, f"{value:.1f} %", ha="center",
                    va="bottom", fontsize=11, fontweight="bold", color="white")
    else:
        ax.text(0.5, 50, "no full epoch", ha="center", va="center", fontsize=11)
    title = f"Accuracy, epoch {shown}"
    if not shown:
        title = "Accuracy: no epoch finished"
    elif _diverged_here(run, epochs):
        title += " (last good)"
    ax.set_title(title)
    ax.set_xlabel(f'dotted: always "stays", {100 * baseline:.1f} %', fontsize=10)
    ax.set_xticks([0, 1], ["training", "validation"])
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("accuracy (%)")
    ax.grid(True, axis="y")


def controls():
    """The explorer's controls: learning rate (4), width (3) and epochs 8..40 in steps of 8
    (5): 60 frames for the static book."""
    from nnlib.explore import Dropdown, Slider
    return (Dropdown("lr", list(LEARNING_RATES), 0.1, label="learning rate"),
            Dropdown("hidden", list(WIDTHS), 8, label="hidden neurons"),
            Slider("epochs", EPOCH_STEP, MAX_EPOCHS, EPOCH_STEP, MAX_EPOCHS, label="epochs"))


def explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`training_figure` (chapter 8)."""
    from nnlib.explore import explore
    return explore(training_figure, *controls(),
                   title="Hyperparameters: learning rate, width and epochs")
