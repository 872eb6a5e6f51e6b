"""Chapter 8's playground: watch a small network learn 2-D data, neuron by neuron.

- :func:`playground_figure`: after ``epochs`` epochs of one run of
  :func:`nnlib.explore.playground.playground_run`, each hidden neuron's output over the
  plane as a small heat map (with the weight that carries it to the output), the network's
  decision region with the training points, and the training and validation loss so far.
- :func:`controls` and :func:`explorer`: the explorer (data set, hidden neurons,
  activation, learning rate, epochs), live in JupyterLab and a static twin in the book.

The book's 216 frames need only 54 training runs: the epochs slider picks a snapshot of a
run that was trained once (see :mod:`nnlib.explore.playground`).
"""
import functools

import matplotlib
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nnlib import viz
from nnlib.explore import playground as runs

__all__ = [
    "DATASET_OPTIONS", "HIDDEN_OPTIONS", "ACTIVATION_OPTIONS", "LR_OPTIONS", "EPOCH_STEP",
    "CMAP", "playground_figure", "controls", "explorer",
]

#: The menus of the explorer (a grid of 3 x 3 x 2 x 3 x 4 = 216 frames).
DATASET_OPTIONS = runs.DATASETS
HIDDEN_OPTIONS = (2, 4, 8)
ACTIVATION_OPTIONS = ("tanh", "relu")
#: Too small (slow), about right, far too large (the loss jumps around or blows up).
LR_OPTIONS = (0.03, 0.3, 30.0)
#: The epochs slider: 0 (the random start), 40, 80, 120.
EPOCH_STEP = 40

_CLASS0, _CLASS1 = viz.CLASS_COLOURS
#: Class 0 (vermillion) through white to class 1 (blue): negative hidden outputs and
#: "class 0" outputs are red, positive ones and "class 1" blue.
CMAP = LinearSegmentedColormap.from_list("playground", [_CLASS0, "#ffffff", _CLASS1])
_HIDDEN_RES, _OUTPUT_RES = 36, 90
_LOSS_TOP = 1.2
#: Loss curves in black and grey: red and blue already mean the two classes (and a thin
#: coloured line would lose its colour in the book's 256-colour frames).
_TRAIN_COLOUR, _VAL_COLOUR = "#222222", "#808080"
_WARN = viz.OKABE_ITO["vermillion"]


@functools.lru_cache(maxsize=2)
def _plane(resolution):
    """Points (R*R, 2) on a regular grid over the plane, rows from bottom to top."""
    ticks = np.linspace(*runs.EXTENT, resolution)
    x1, x2 = np.meshgrid(ticks, ticks)
    points = np.column_stack([x1.ravel(), x2.ravel()])
    points.flags.writeable = False
    return points


def _check_epochs(epochs):
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) \
            or not 0 <= epochs <= runs.MAX_EPOCHS:
        raise ValueError(f"epochs: expected a whole number from 0 to {runs.MAX_EPOCHS}, "
                         f"got {epochs!r}")


def playground_figure(dataset="circles", hidden=4, activation="tanh", lr=0.3,
                      epochs=runs.MAX_EPOCHS):
    """The playground after ``epochs`` epochs of training (chapter 8, "Playground").

    dataset: "circles", "xor" or "spiral"; hidden: 1 to 8 hidden neurons; activation:
    "tanh", "relu", "sigmoid" or "identity"; lr: the learning rate of plain SGD; epochs:
    0 (before training) to 120. Left: one heat map per hidden neuron (its output over the
    plane, red negative, blue positive) titled with the weight that carries it to the
    output, and the loss curves up to ``epochs``. Right: the network's probability of
    class 1 over the plane, the 50 % line, and the 200 training points. A run that blew up
    shows its last good weights and says so. Returns a matplotlib Figure of fixed size.
    """
    _check_epochs(epochs)
    run = runs.playground_run(dataset, hidden, activation, lr)
    epoch = min(epochs, run.epochs_done)
    with matplotlib.rc_context(viz.STYLE):
        fig = Figure(figsize=(10.0, 4.6))
        _hidden_maps(fig.add_axes((0.06, 0.47, 0.39, 0.42)), run, epoch)
        _loss_panel(fig.add_axes((0.07, 0.11, 0.38, 0.26)), run, epoch)
        _output_panel(fig.add_axes((0.565, 0.11, 0.35, 0.76)), run, epoch, epochs)
        fig.text(0.5, 0.965, _headline(run), ha="center", va="center", fontsize=12,
                 fontweight="bold")
    return fig


def _headline(run):
    name = {"circles": "Circles", "xor": "XOR", "spiral": "Spiral"}[run.dataset]
    neurons = "neuron" if run.hidden == 1 else "neurons"
    return (f"{name}: 2 inputs, {run.hidden} hidden {run.activation} {neurons}, 1 output; "
            f"learning rate {run.lr:g}")


def _hidden_maps(ax, run, epoch):
    """One small heat map per hidden neuron, four to a row, all in one axes ``ax`` (one
    axes instead of eight keeps a frame fast to draw)."""
    points = _plane(_HIDDEN_RES)
    outputs = run.hidden_outputs(epoch, points)
    out_weights = run.snapshots[epoch][2][:, 0]
    for j in range(run.hidden):
        row, col = divmod(j, 4)
        left, bottom = col * 1.3, -row * 1.42
        values = np.nan_to_num(outputs[:, j].reshape(_HIDDEN_RES, _HIDDEN_RES))
        ax.imshow(values, origin="lower", extent=(left, left + 1, bottom, bottom + 1),
                  cmap=CMAP, vmin=-1, vmax=1, interpolation="bilinear")
        ax.add_patch(Rectangle((left, bottom), 1, 1, fill=False, edgecolor="#888888",
                               linewidth=0.8))
        dead = run.activation == "relu" and not np.any(values > 0)
        label = "dead" if dead else f"w = {_signed(out_weights[j])}"
        ax.text(left, bottom + 1.05, f"{j + 1}: {label}", fontsize=9, va="bottom",
                color=_WARN if dead else "#222222")
    ax.set_xlim(-0.02, 3 * 1.3 + 1.02)
    ax.set_ylim(-1.42 - 0.02, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Hidden neurons over the plane (weight to the output)", fontsize=10,
                 loc="left")
    below = -1.48 if run.hidden > 4 else -0.42  # under the last row of maps
    ax.text(0, below, "blue: output > 0,  white: 0,  red: < 0", fontsize=8.5, va="top",
            color="#555555")


def _signed(value):
    """``+1.23`` / ``-0.45``, and ``0.00`` rather than ``-0.00``."""
    text = f"{value:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def _loss_panel(ax, run, epoch):
    """Training and validation loss from epoch 0 to ``epoch``; the axes stay fixed."""
    done = np.arange(epoch + 1)
    for name, curve, colour, style in (("training", run.loss, _TRAIN_COLOUR, "-"),
                                       ("validation", run.val_loss, _VAL_COLOUR, "--")):
        shown = np.minimum(curve[:epoch + 1], _LOSS_TOP)  # larger losses run along the top
        ax.plot(done, shown, color=colour, linewidth=2, linestyle=style,
                label=f"{name} {curve[epoch]:.2f}")
        ax.plot(done[-1:], shown[-1:], color=colour, marker="o", markersize=6)
    ax.set_xlim(0, runs.MAX_EPOCHS)
    ax.set_ylim(0, _LOSS_TOP)
    ax.set_xlabel("epoch", labelpad=1)
    ax.set_ylabel("loss")
    ax.set_title(f"Loss (binary cross-entropy) up to epoch {epoch}", fontsize=10, loc="left")
    ax.legend(loc="upper right", fontsize=9, ncols=2, frameon=True, facecolor="white",
              edgecolor="none", framealpha=1)
    ax.grid(True)


def _output_panel(ax, run, epoch, asked):
    """Probability of class 1 over the plane, the 50 % line and the training points."""
    resolution = _OUTPUT_RES
    points = _plane(resolution)
    probs = run.probabilities(epoch, points).reshape(resolution, resolution)
    probs = np.nan_to_num(probs, nan=0.5)
    extent = (*runs.EXTENT, *runs.EXTENT)
    ax.imshow(probs, origin="lower", extent=extent, cmap=CMAP, vmin=0, vmax=1, alpha=0.75,
              interpolation="bilinear")
    if probs.min() < 0.5 < probs.max():
        ticks = np.linspace(*runs.EXTENT, resolution)
        ax.contour(ticks, ticks, probs, levels=[0.5], colors="#222222", linewidths=1.5)
    X, y, _, _ = runs.playground_data(run.dataset)
    for label, colour, marker in ((0, _CLASS0, "o"), (1, _CLASS1, "s")):
        chosen = X[y == label]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=16, c=colour, marker=marker,
                   edgecolors="white", linewidths=0.6, label=f"class {label}")
    ax.set_xlim(*runs.EXTENT)
    ax.set_ylim(*runs.EXTENT)
    ax.set_aspect("equal")
    ax.set_xlabel("x1", labelpad=1)
    ax.set_ylabel("x2", labelpad=1)
    when = "before training" if epoch == 0 else f"after epoch {epoch}"
    ax.set_title(f"Output {when}: {100 * run.accuracy[epoch]:.0f} % of training points right",
                 fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, handletextpad=0.2)
    message = _message(run, epoch, asked)
    if message:
        ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
                fontsize=11, fontweight="bold", color=_WARN,
                bbox=dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor=_WARN))


def _message(run, epoch, asked):
    """A warning for a run that blew up or got worse, else None."""
    if run.diverged_at is not None and asked >= run.diverged_at:
        shown = "before training" if epoch == 0 else f"after epoch {epoch}"
        return (f"Diverged in epoch {run.diverged_at}: the loss blew up\n"
                f"and training stopped. Shown: the weights\n{shown}. "
                "Try a smaller learning rate.")
    if epoch > 0 and run.loss[epoch] > run.loss[0]:
        return ("Worse than before training:\nevery step overshoots, so the loss\n"
                "jumps around instead of falling.\nTry a smaller learning rate.")
    return None


def controls():
    """The explorer's controls: data set (3), hidden neurons (3), activation (2), learning
    rate (3) and epochs 0..120 in steps of 40 (4): 216 frames, 54 training runs."""
    from nnlib.explore import Dropdown, Slider
    return (Dropdown("dataset", list(DATASET_OPTIONS), "circles", label="data"),
            Dropdown("hidden", list(HIDDEN_OPTIONS), 4, label="hidden neurons"),
            Dropdown("activation", list(ACTIVATION_OPTIONS), "tanh", label="activation"),
            Dropdown("lr", list(LR_OPTIONS), 0.3, label="learning rate"),
            Slider("epochs", 0, runs.MAX_EPOCHS, EPOCH_STEP, runs.MAX_EPOCHS, label="epochs"))


def explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`playground_figure` (chapter 8)."""
    from nnlib.explore import explore
    return explore(playground_figure, *controls(),
                   title="Playground: a small network learning 2-D data")
