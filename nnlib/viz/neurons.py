"""The course's explorers: pure ``parameters -> Figure`` functions and their controls.

Each explorer is two things: a pure function that draws one figure from plain numbers
(testable, and usable without any widget library), and a small wrapper that hands that
function to :func:`nnlib.explore.explorer.explore` with the controls to show. ``explore`` gives
live ipywidgets in JupyterLab and a precomputed static twin in the published book, so the
controls' grids are kept small: every combination becomes one frame of the static twin.
"""
import functools
from dataclasses import dataclass

import matplotlib
import numpy as np

from nnlib import viz
from nnlib.viz.style import _styled

__all__ = ["NEURON_ACTIVATIONS", "NEURON_RANGES", "neuron_figure", "neuron_controls",
           "neuron_explorer", "LEARNING_RATES", "LEARNING_MAX_STEPS", "LearningRun",
           "learning_problem", "learning_run", "learning_figure", "learning_controls",
           "learning_explorer", "PERCEPTRON_GATES", "STEPPER_LR", "STEPPER_EPOCHS",
           "STEPPER_MAX_UPDATES", "PerceptronRun", "perceptron_run", "perceptron_step_figure",
           "perceptron_steps_grid", "perceptron_controls", "perceptron_explorer"]

#: Activations offered by the neuron explorer (chapter 2).
NEURON_ACTIVATIONS = ("step", "sigmoid", "tanh", "relu")

#: Colour-bar range of each activation's output over the explorer's plane.
NEURON_RANGES = {"step": (0.0, 1.0), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
                 "relu": (0.0, 4.0)}

#: The four corners of the unit square: the inputs of AND, OR and XOR.
CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def neuron_figure(w1, w2, b, activation="sigmoid"):
    """Draw one neuron ``activation(w1*x1 + w2*x2 + b)`` (chapter 2, "Neurons").

    Left: the neuron's output over the input plane, the line ``w . x + b = 0`` where the
    weighted sum changes sign, and the four inputs (0,0), (0,1), (1,0), (1,1) with the
    output at each. Right: the activation curve with those four weighted sums marked.
    Returns a matplotlib Figure.
    """
    if activation not in NEURON_ACTIVATIONS:
        raise ValueError(f"activation: expected one of {list(NEURON_ACTIVATIONS)}, "
                         f"got {activation!r}")
    w = np.array([w1, w2], dtype=float)
    function, _ = viz.activation_function(activation)

    def neuron(points):
        return function(points @ w + b)

    # A fixed layout: this figure is drawn 400 times for the book, and automatic layout
    # would double the time.
    fig, (left, right) = viz.subplots(1, 2, figsize=(9.6, 3.9), layout=None,
                                      gridspec_kw={"wspace": 0.45})
    fig.subplots_adjust(left=0.075, right=0.985, bottom=0.13, top=0.91)
    vmin, vmax = NEURON_RANGES[activation]
    viz.output_plane(neuron, ax=left, vmin=vmin, vmax=vmax, label=f"{activation} output",
                     title=f"{activation}({_weighted_sum_text(w1, w2, b)})")
    left.set_xticks([-0.5, 0, 0.5, 1, 1.5])
    left.set_yticks([-0.5, 0, 0.5, 1, 1.5])
    if viz.boundary_line(left, w, b, color="white", linewidth=2.5) is None:
        left.text(0.5, 0.5, "w1 = w2 = 0:\nno boundary, same output everywhere",
                  ha="center", va="center", fontsize=9, color="white",
                  bbox={"facecolor": "black", "alpha": 0.5})
    outputs = neuron(CORNERS)
    left.scatter(CORNERS[:, 0], CORNERS[:, 1], s=60, c="white", edgecolors="black", zorder=4)
    for (x1, x2), out in zip(CORNERS, outputs):
        left.annotate(f"{out:.2f}", (x1, x2), xytext=(6, -14), textcoords="offset points",
                      fontsize=9, fontweight="bold", color="black",
                      bbox={"facecolor": "white", "alpha": 0.8, "pad": 1, "linewidth": 0})
    marks = {f"x=({x1:g},{x2:g})": float(z) for (x1, x2), z in zip(CORNERS, CORNERS @ w + b)}
    viz.activation_plot(activation, ax=right, derivative=False, marks=marks,
                        x=np.linspace(-7, 7, 561),
                        title=f"{activation} of the four weighted sums")
    return fig


def _weighted_sum_text(w1, w2, b):
    """'2·x1 − 1·x2 + 0.5': the weighted sum written with proper signs."""
    text = f"{w1:g}·x1"
    for value, name in ((w2, "·x2"), (b, "")):
        text += f" {'−' if value < 0 else '+'} {abs(value):g}{name}"
    return text


def neuron_controls():
    """The explorer's controls: w1 and w2 in -2..2 (step 1), b in -1.5..1.5 (step 1) and
    the activation: 5 x 5 x 4 x 4 = 400 frames for the static book. With a bias at
    half-integers no corner input ever sits exactly on the boundary, and the grid still
    holds AND (1, 1, -1.5), OR (1, 1, -0.5), NAND (-1, -1, 1.5) and NOR (-1, -1, 0.5)."""
    from nnlib.explore import Dropdown, Slider
    return (Slider("w1", -2, 2, 1, 1),
            Slider("w2", -2, 2, 1, 1),
            Slider("b", -1.5, 1.5, 1.0, -1.5),
            Dropdown("activation", list(NEURON_ACTIVATIONS), "sigmoid"))


def neuron_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`neuron_figure` (chapter 2)."""
    from nnlib.explore import explore
    return explore(neuron_figure, *neuron_controls(),
                   title="One neuron: output = activation(w1·x1 + w2·x2 + b)")


# ---------------------------------------------------------------------------------------
# Chapter 1: the recipe of learning from examples
# ---------------------------------------------------------------------------------------
#: Learning rates offered by the learning explorer (chapter 1): too small, the lab's, large.
LEARNING_RATES = (0.01, 0.1, 1.0)

#: Longest training run the learning explorer shows.
LEARNING_MAX_STEPS = 50

#: Seed of the chapter 1 lab: its 100 points and its neuron's starting weights.
LEARNING_SEED = 0


def learning_problem(seed=LEARNING_SEED):
    """Chapter 1's toy problem and untrained neuron, drawn exactly as the lab draws them.

    Returns ``(X, y, model)``: X (100, 2) points in two overlapping clouds, y (100,) labels
    0/1 ("not spam"/"spam"), and ``Sequential(Linear(2, 1), Sigmoid())`` with random
    starting weights from the same generator, so seed 0 gives the lab's neuron.
    """
    from nnlib.nn import Linear, Sequential, Sigmoid

    rng = np.random.default_rng(seed)
    n = 100
    X = np.vstack([rng.normal([1.0, 3.0], 0.7, size=(n // 2, 2)),    # label 0
                   rng.normal([3.0, 1.0], 0.7, size=(n // 2, 2))])   # label 1
    y = np.repeat([0, 1], n // 2)
    return X, y, Sequential(Linear(2, 1, rng=rng), Sigmoid())


@dataclass(frozen=True)
class LearningRun:
    """One training run of the chapter 1 neuron; row k of every array is *after k steps*.

    weights (steps + 1, 2), biases (steps + 1,), losses (steps + 1,) (binary
    cross-entropy on all 100 points), accuracies (steps + 1,) (fraction right).
    """

    lr: float
    weights: np.ndarray
    biases: np.ndarray
    losses: np.ndarray
    accuracies: np.ndarray


def learning_run(lr, steps=LEARNING_MAX_STEPS):
    """Train the lab's neuron for ``steps`` steps of gradient descent at learning rate ``lr``.

    The recipe of chapter 1 on all 100 points at once: predict, measure the binary
    cross-entropy, ``backward()``, ``SGD.step()``. Cached, so the explorer's frames for one
    learning rate share one run. Returns a :class:`LearningRun` of read-only arrays.
    """
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < np.inf:
        raise ValueError(f"lr: expected a positive number, got {lr!r}")
    _check_steps(steps, limit=10_000)
    return _train(float(lr), int(steps))


@functools.lru_cache(maxsize=8)
def _train(lr, steps):
    """:func:`learning_run` without the argument checks, cached on ``(lr, steps)``."""
    from nnlib.losses import binary_cross_entropy
    from nnlib.optim import SGD

    X, y, model = learning_problem()
    optimizer = SGD(model.parameters(), lr=lr)
    linear = model[0]
    rows = []
    for step in range(steps + 1):
        probs = model(X)                                          # 1. predict
        loss = binary_cross_entropy(probs, y.reshape(-1, 1))      # 2. measure the error
        right = np.mean((probs.data.reshape(-1) > 0.5) == y)
        rows.append((linear.weight.data.reshape(-1).copy(), linear.bias.data.item(),
                     float(loss.data), right))
        if step < steps:
            optimizer.zero_grad()
            loss.backward()                                       # 3. work out the nudges
            optimizer.step()                                      # 4. nudge
    weights, biases, losses, accuracies = (np.array(column, dtype=float)
                                           for column in zip(*rows))
    for array in (weights, biases, losses, accuracies):
        array.flags.writeable = False
    return LearningRun(float(lr), weights, biases, losses, accuracies)


def _check_steps(steps, limit, name="steps"):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) \
            or not 0 <= steps <= limit:
        raise ValueError(f"{name}: expected a whole number from 0 to {limit}, got {steps!r}")


#: Loss axis of the explorer, fixed so frames of different learning rates compare.
_LOSS_LIMIT = 1.5


def learning_figure(steps, lr=0.1):
    """Draw chapter 1's neuron after ``steps`` training steps at learning rate ``lr``.

    Left: the 100 points, the plane shaded by the neuron's answer and its dividing line
    ``w . x + b = 0``. Right: the loss after every step so far, with the current step
    marked; both axes are fixed so frames compare. ``steps``: 0 to
    :data:`LEARNING_MAX_STEPS`. Returns a matplotlib Figure.
    """
    _check_steps(steps, limit=LEARNING_MAX_STEPS)
    run = learning_run(lr)
    X, y, _ = learning_problem()
    w, b = run.weights[steps], run.biases[steps]

    def answer(points):
        return 1.0 / (1.0 + np.exp(-(points @ w + b)))

    # A fixed layout: automatic layout would double the time of each frame.
    fig, (left, right) = viz.subplots(1, 2, figsize=(9.6, 4.0), layout=None,
                                      gridspec_kw={"wspace": 0.3})
    fig.subplots_adjust(left=0.065, right=0.985, bottom=0.13, top=0.91)
    title = "Before training" if steps == 0 else f"After {steps} steps"
    viz.decision_boundary(answer, X, y, ax=left, resolution=120, line=(w, b),
                          labels=("not spam (0)", "spam (1)"),
                          title=f"{title}: {run.accuracies[steps]:.0%} right")
    with matplotlib.rc_context(viz.STYLE):
        _loss_so_far(right, run, steps)
    return fig


def _loss_so_far(ax, run, steps):
    """The loss curve of ``run`` up to ``steps``, the current step marked and labelled."""
    done = np.arange(steps + 1)
    ax.plot(done, run.losses[:steps + 1], color=viz.OKABE_ITO["blue"], linewidth=2,
            marker="o", markersize=3)
    loss = run.losses[steps]
    ax.plot([steps], [min(loss, _LOSS_LIMIT)], "o", color=viz.OKABE_ITO["vermillion"],
            markersize=10, markeredgecolor="black", zorder=4)
    # top right: the curve starts top left and falls, so this corner stays clear
    ax.text(0.97, 0.95, f"step {steps}: loss {loss:.2f}", transform=ax.transAxes,
            ha="right", va="top", fontsize=11, fontweight="bold")
    ax.set_xlim(-1, LEARNING_MAX_STEPS + 1)
    ax.set_ylim(0, _LOSS_LIMIT)
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (binary cross-entropy)")
    ax.set_title(f"The loss so far (learning rate {run.lr:g})")
    ax.grid(True)


def learning_controls():
    """The explorer's controls: training steps 0..50 in steps of 5, and the learning rate
    (0.01, 0.1, 1): 11 x 3 = 33 frames for the static book."""
    from nnlib.explore import Dropdown, Slider
    return (Slider("steps", 0, LEARNING_MAX_STEPS, 5, 10, label="training steps"),
            Dropdown("lr", list(LEARNING_RATES), 0.1, label="learning rate"))


def learning_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`learning_figure` (chapter 1)."""
    from nnlib.explore import explore
    return explore(learning_figure, *learning_controls(),
                   title="One neuron learning from 100 examples")


# ---------------------------------------------------------------------------------------
# Chapter 2: the perceptron rule, one mistake at a time
# ---------------------------------------------------------------------------------------
#: The gates the perceptron stepper offers, as targets for the inputs of :data:`CORNERS`.
PERCEPTRON_GATES = {"AND": (0, 0, 0, 1), "OR": (0, 1, 1, 1), "XOR": (0, 1, 1, 0)}

#: The stepper's training: from w = (0, 0), b = 0, learning rate 0.1, at most 20 epochs.
STEPPER_LR = 0.1
STEPPER_EPOCHS = 20

#: The most updates the stepper shows (XOR never stops making mistakes).
STEPPER_MAX_UPDATES = 12


@dataclass(frozen=True)
class PerceptronRun:
    """The stepper's run on one gate: ``updates[k]`` is the k-th mistake (1-based k; row 0
    is the start), each a :class:`nnlib.perceptron.PerceptronStep`; ``weights`` (K + 1, 2)
    and ``biases`` (K + 1,) hold the line before any update and after each one."""

    gate: str
    targets: np.ndarray
    updates: tuple
    weights: np.ndarray
    biases: np.ndarray


def perceptron_run(gate):
    """Train a perceptron on ``gate`` ("AND", "OR" or "XOR") with the stepper's settings
    (:data:`STEPPER_LR`, :data:`STEPPER_EPOCHS`, zero start) and keep every update.
    Cached. Returns a :class:`PerceptronRun`."""
    if gate not in PERCEPTRON_GATES:
        raise ValueError(f"gate: expected one of {list(PERCEPTRON_GATES)}, got {gate!r}")
    return _perceptron_run(gate)


@functools.lru_cache(maxsize=None)
def _perceptron_run(gate):
    from nnlib.perceptron import Perceptron

    targets = np.array(PERCEPTRON_GATES[gate], dtype=float)
    p = Perceptron(n_inputs=2, lr=STEPPER_LR)
    updates = tuple(s for s in p.trace(CORNERS, targets, STEPPER_EPOCHS) if s.mistake)
    weights = np.array([[0.0, 0.0]] + [s.w for s in updates])
    biases = np.array([0.0] + [s.b for s in updates])
    for array in (targets, weights, biases):
        array.flags.writeable = False
    return PerceptronRun(gate, targets, updates, weights, biases)


_PLANE = (-0.5, 1.5)


def _perceptron_panel(ax, targets, w, b, previous=None, ringed=None):
    """One step of the stepper in ``ax``: the plane shaded by the answers of the line
    (w, b), the four corners, the line before this update dashed and the line after it
    solid, and the example that caused the update ringed. Returns the number of corners
    the line (w, b) gets wrong."""
    from matplotlib.colors import ListedColormap

    grid = np.linspace(*_PLANE, 121)
    gx, gy = np.meshgrid(grid, grid)
    region = (gx * w[0] + gy * w[1] + b > 0).astype(float)
    ax.imshow(region, origin="lower", extent=(*_PLANE, *_PLANE), aspect="auto",
              cmap=ListedColormap(viz.CLASS_COLOURS), vmin=0, vmax=1, alpha=0.22,
              interpolation="nearest")
    for cls in (0, 1):
        pts = CORNERS[targets == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=80, c=viz.CLASS_COLOURS[cls],
                   marker=viz.CLASS_MARKERS[cls], edgecolors="black", linewidths=0.8,
                   zorder=3, label=f"should be {cls}")
    ax.set_xlim(*_PLANE)
    ax.set_ylim(*_PLANE)
    if previous is not None:
        viz.boundary_line(ax, *previous, color="#777777", linestyle="--", linewidth=1.5,
                          label="line before")
    viz.boundary_line(ax, w, b, color="black", linewidth=2, label="line now")
    if ringed is not None:
        ax.scatter([ringed[0]], [ringed[1]], s=420, facecolors="none",
                   edgecolors=viz.OKABE_ITO["orange"], linewidths=2.5, zorder=4,
                   label="the mistake")
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    answers = (CORNERS @ np.asarray(w) + b > 0).astype(float)
    return int((answers != targets).sum())


def perceptron_step_figure(gate="AND", update=0):
    """The perceptron stepper (chapter 2): the line of a perceptron learning ``gate``
    after its first ``update`` mistakes (0 = the start, w = (0, 0), b = 0).

    The plane is shaded by the neuron's answers, the dashed line is where it was before
    the update and the solid line where the update moved it; the example it got wrong is
    ringed, and the text gives the rule's arithmetic and how many of the four corners the
    new line gets wrong. Past the run's last update (AND and OR stop making mistakes) the
    line stays. ``update``: 0 to :data:`STEPPER_MAX_UPDATES`. Returns a Figure.
    """
    run = perceptron_run(gate)
    _check_steps(update, limit=STEPPER_MAX_UPDATES, name="update")
    k = min(update, len(run.updates))
    fig, (ax, note) = viz.subplots(1, 2, figsize=(8.4, 4.3), layout=None,
                                   gridspec_kw={"width_ratios": [1.0, 0.95]})
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.24, top=0.87, wspace=0.08)
    w, b = run.weights[k], run.biases[k]
    step = run.updates[k - 1] if k else None
    with matplotlib.rc_context(viz.STYLE):
        wrong = _perceptron_panel(ax, run.targets, w, b,
                                  previous=(run.weights[k - 1], run.biases[k - 1]) if k else None,
                                  ringed=step.x if step else None)
        ax.set_xlabel("input $x_1$")
        ax.set_ylabel("input $x_2$")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8.5,
                  frameon=False)
        note.axis("off")
        note.text(0.0, 1.0, _stepper_text(run, k, wrong), va="top", ha="left",
                  fontsize=10.5, family="DejaVu Sans", linespacing=1.5,
                  transform=note.transAxes)
    total = len(run.updates)
    if k == 0:
        heading = f"{gate}: the start, w = (0, 0), b = 0"
    elif update > total:
        heading = f"{gate}: no more mistakes after update {total}"
    else:
        heading = f"{gate}: update {k} (epoch {step.epoch})"
    fig.suptitle(heading, fontweight="bold", fontsize=13)
    return fig


def _stepper_text(run, k, wrong):
    """The rule's arithmetic for update ``k`` of ``run``, as lines of text."""
    verdict = (f"This line gets {wrong} of the 4 corners wrong." if wrong
               else "This line gets all 4 corners right.")
    if k == 0:
        lines = ["Every weighted sum is 0, and the step",
                 "says 0 for every input: no line yet.", "",
                 "The rule visits (0,0), (0,1), (1,0), (1,1)",
                 "in turn and moves the line only",
                 "after a mistake.", "", verdict]
        return "\n".join(lines)
    s = run.updates[k - 1]
    sign = "+" if s.target > s.answer else "−"
    x = f"({_n(s.x[0])}, {_n(s.x[1])})"
    before_w, before_b = run.weights[k - 1], run.biases[k - 1]
    z = float(s.x @ before_w + before_b)
    new_w = f"({_n(run.weights[k][0])}, {_n(run.weights[k][1])})"
    lines = [f"Example x = {x} should give {int(s.target)}.",
             f"Its weighted sum was z = {_n(z)},",
             f"so the neuron said {int(s.answer)}: a mistake.", "",
             "The rule moves the line:",
             f"w ← ({_n(before_w[0])}, {_n(before_w[1])}) {sign} 0.1 × {x} = {new_w}",
             f"b ← {_n(before_b)} {sign} 0.1 = {_n(run.biases[k])}", "", verdict]
    view = np.array([[x, y] for x in _PLANE for y in _PLANE])   # the picture's corners
    says = (view @ run.weights[k] + run.biases[k] > 0).astype(int)
    if says.min() == says.max():
        lines[-1:-1] = ["(The new line lies outside the picture:",
                        f"the neuron says {says[0]} everywhere in it.)"]
    if k < len(run.updates) or run.gate == "XOR":
        lines.append(f"Updates so far: {k}.")
    else:
        lines.append(f"That was the last of {k} updates.")
    return "\n".join(lines)


def _n(value):
    """A weight as the stepper prints it: 0.1, −0.2, 0 (never −0)."""
    text = f"{round(float(value), 3):g}"
    return "0" if text in ("0", "-0") else text.replace("-", "−")


@_styled
def perceptron_steps_grid(gate="AND", max_panels=12, ncols=4):
    """Small multiples of the perceptron stepper (chapter 2): the start and the line after
    each update of :func:`perceptron_run`, up to ``max_panels`` panels, ``ncols`` a row.
    Each panel's title names the mistake and how many corners the new line gets wrong.
    Returns a Figure."""
    run = perceptron_run(gate)
    if isinstance(max_panels, bool) or not isinstance(max_panels, int) or max_panels < 2:
        raise ValueError(f"max_panels: expected an integer of at least 2, got {max_panels!r}")
    n = min(max_panels, len(run.updates) + 1)
    fig, axes = viz.panel_grid(n, (2.1, 2.25), ncols=ncols, title_room=0.7)
    for k, ax in enumerate(axes):
        step = run.updates[k - 1] if k else None
        wrong = _perceptron_panel(ax, run.targets, run.weights[k], run.biases[k],
                                  previous=(run.weights[k - 1], run.biases[k - 1]) if k else None,
                                  ringed=step.x if step else None)
        if k == 0:
            title = "start"
        else:
            title = (f"{k}: ({_n(step.x[0])},{_n(step.x[1])}) said {int(step.answer)}, "
                     f"not {int(step.target)}")
        ax.set_title(f"{title}\n{wrong} wrong", fontsize=9.5, fontweight="normal")
        ax.tick_params(labelsize=8)
    legend = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(legend.values(), legend.keys(), loc="outside lower center", ncol=len(legend), fontsize=9,
               frameon=False)
    shown = "every update" if n == len(run.updates) + 1 else f"the first {n - 1} updates"
    fig.suptitle(f"A perceptron learning {gate}, one mistake at a time ({shown})",
                 fontweight="bold")
    return fig


def perceptron_controls():
    """The stepper's controls: the gate (AND, OR, XOR) and the update, 0 to
    :data:`STEPPER_MAX_UPDATES`: 3 x 13 = 39 frames for the static book."""
    from nnlib.explore import Dropdown, Slider
    return (Dropdown("gate", list(PERCEPTRON_GATES), "AND", label="logic gate"),
            Slider("update", 0, STEPPER_MAX_UPDATES, 1, 0, label="updates (mistakes) so far"))


def perceptron_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`perceptron_step_figure`."""
    from nnlib.explore import explore
    return explore(perceptron_step_figure, *perceptron_controls(),
                   title="The perceptron rule, one mistake at a time")
