"""Figures and the explorer of chapter 11, *Deep networks*.

Why depth:

- :func:`folding_figure`: the hand-set folding network (:func:`nnlib.explore.deep.folding_network`)
  layer by layer, and what one trained hidden layer with the same number of weights makes
  of the same sawtooth.
- :func:`features_figure`: what the neurons of each hidden layer of a trained deep network
  compute over the plane (features built on features), beside its answer.
- :func:`budget_figure`: deep-narrow against shallow-wide networks of the same budget.

Vanishing and exploding gradients:

- :func:`profiles_figure`: the signal after every layer and every layer's gradient at
  initialisation, for the rows of the chapter's table; :func:`loss_curves_figure`: their
  training.
- :func:`deep_figure`, :func:`controls`, :func:`explorer`: depth, activation,
  initialisation, normalisation and skip connections -> signal, gradients and training.

:func:`sci` writes a number as the prose shows it (``1.3 × 10¹⁵``).
"""
import math

import matplotlib
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from nnlib import viz
from nnlib.explore import deep as runs
from nnlib.functional import softmax
from nnlib.train.loop import predict

__all__ = [
    "sci", "folding_figure", "features_figure", "budget_figure", "ROW_STYLES",
    "profiles_figure", "loss_curves_figure", "DEPTH_OPTIONS", "NORM_OPTIONS",
    "deep_figure", "controls", "explorer",
]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_WARN = viz.OKABE_ITO["vermillion"]
_CHANCE = math.log(10)  # the loss of a network that spreads its belief evenly over 10 digits


def sci(value, digits=2):
    """``value`` for the page: ``1.3 × 10¹⁵`` or ``4.5 × 10⁻⁴`` from 1,000 up and below 0.01,
    else rounded to ``digits`` significant figures (``2.5``, ``0.56``, ``21``); nan and
    inf as words."""
    if not math.isfinite(value):
        return "not a number" if math.isnan(value) else "infinite"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -2 <= exponent <= 2:
        decimals = max(0, digits - 1 - exponent)
        return f"{value:.{decimals}f}"
    mantissa = value / 10 ** exponent
    if round(mantissa, digits - 1) >= 10:       # 9.96 -> 10.0: carry into the exponent
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits - 1}f} × 10{str(exponent).translate(_SUPERSCRIPT)}"


# ---------------------------------------------------------------------------- why depth

def _folds_of(network, x):
    """The fold ``t_k`` after each hidden layer of a folding network, read from the
    network's own neurons: ``t_k = 2 a_k - 4 b_k``. Returns a list of (N,) arrays."""
    return [2 * h[:, 0] - 4 * h[:, 1] for h in runs.hidden_outputs(network, x[:, None])]


def folding_figure(folds=5, fit=None):
    """Left: the folding network of ``folds`` layers, the fold after each layer (one small
    panel per layer, the number of straight pieces in its title). Right: the final
    sawtooth and, if ``fit`` (a :class:`nnlib.explore.deep.SawtoothFit`) is given, the
    curve of that trained network. Returns a Figure."""
    network = runs.folding_network(folds)
    x = np.linspace(0.0, 1.0, 2 ** folds * 8 + 1)
    curves = _folds_of(network, x)
    with matplotlib.rc_context(viz.STYLE):
        fig = Figure(figsize=(10.0, 4.8), layout="constrained")
        left, right = fig.subfigures(1, 2, width_ratios=(1, 1.35))
        axes = left.subplots(folds, 1, sharex=True)
        for k, (ax, t) in enumerate(zip(np.atleast_1d(axes), curves), start=1):
            ax.plot(x, t, color=viz.PALETTE[0], linewidth=1.4)
            ax.set_ylim(-0.1, 1.15)
            ax.set_yticks([0, 1])
            ax.set_title(f"after layer {k}: {runs.count_pieces(x, t)} pieces", fontsize=9.5,
                         loc="left", pad=2)
        axes[-1].set_xlabel("input x")
        left.suptitle(f"One fold per layer ({runs.n_weights(network)} weights)", fontsize=11,
                      fontweight="bold")
        ax = right.subplots()
        ax.plot(x, curves[-1], color="#222222", linewidth=1.2,
                label=f"deep: {folds} layers of 2 neurons, {runs.n_weights(network)} weights")
        if fit is not None:
            hidden = fit.widths[1]
            ax.plot(fit.x, fit.prediction, color=viz.OKABE_ITO["orange"], linewidth=2.5,
                    label=f"trained: 1 layer of {hidden} neurons, {fit.n_weights} weights")
        ax.set_ylim(-0.1, 1.45)
        ax.set_xlabel("input x")
        ax.set_ylabel("output")
        ax.set_title(f"A sawtooth of {2 ** (folds - 1)} teeth", fontsize=11)
        ax.legend(loc="upper left", fontsize=9.5)
    return fig


_MAP_CMAP = LinearSegmentedColormap.from_list("off_on", ["#ffffff", viz.OKABE_ITO["blue"]])
_CLASS_CMAP = LinearSegmentedColormap.from_list(
    "classes", [viz.CLASS_COLOURS[0], "#ffffff", viz.CLASS_COLOURS[1]])


def _plane(resolution):
    ticks = np.linspace(-1.0, 1.0, resolution)
    x1, x2 = np.meshgrid(ticks, ticks)
    return np.column_stack([x1.ravel(), x2.ravel()])


def features_figure(run, per_layer=4, resolution=60):
    """What the hidden neurons of ``run`` (a rings :class:`nnlib.explore.deep.BudgetRun`)
    compute over the plane: one row per hidden layer, its ``per_layer`` neurons whose
    outputs vary most (white: 0, blue: large), and on the right the network's answer with
    the true ring borders. Returns a Figure."""
    points = _plane(resolution)
    layers = runs.hidden_outputs(run.model, points)
    n_layers = len(layers)
    with matplotlib.rc_context(viz.STYLE):
        fig = Figure(figsize=(10.0, 1.55 * n_layers + 0.9), layout="constrained")
        left, right = fig.subfigures(1, 2, width_ratios=(1.15, 1))
        grid = left.subplots(n_layers, per_layer)
        for k, (row, out) in enumerate(zip(np.atleast_2d(grid), layers), start=1):
            chosen = np.argsort(-out.std(axis=0), kind="stable")[:per_layer]
            for ax, j in zip(row, chosen):
                values = out[:, j].reshape(resolution, resolution)
                top = values.max() if values.max() > 0 else 1.0
                ax.imshow(values, origin="lower", extent=(-1, 1, -1, 1), cmap=_MAP_CMAP,
                          vmin=0, vmax=top, interpolation="bilinear")
                if values.max() <= 0:
                    ax.text(0, 0, "dead", ha="center", va="center", fontsize=9, color=_WARN)
                ax.set_xticks([])
                ax.set_yticks([])
            row[0].set_ylabel(f"layer {k}", fontsize=10)
        left.suptitle("Hidden neurons over the plane (white: 0)", fontsize=11,
                      fontweight="bold")
        ax = right.subplots()
        probs = softmax(predict(run.model, points), axis=1)[:, 1]
        ax.imshow(probs.reshape(resolution, resolution), origin="lower",
                  extent=(-1, 1, -1, 1), cmap=_CLASS_CMAP, vmin=0, vmax=1,
                  interpolation="bilinear")
        theta = np.linspace(0, 2 * np.pi, 200)
        for k in range(1, runs.RINGS_BANDS + 2):
            r = k / runs.RINGS_BANDS
            ax.plot(r * np.cos(theta), r * np.sin(theta), color="#222222", linewidth=0.8,
                    linestyle="--")
        ax.set_xlim(-1, 1)
        ax.set_ylim(-1, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title(f"Output: {100 * run.test_accuracy:.0f} % of test points right\n"
                     "(dashed: the true ring borders)", fontsize=10.5)
    return fig


def budget_figure(groups, title="The same budget: shallow-wide or deep-narrow"):
    """Test accuracy of groups of :class:`nnlib.explore.deep.BudgetRun` (one group per
    network, several seeds): ``groups`` maps a panel title ("rings", "digits") to a dict
    {network label: list of runs}. A bar per network at the median, a dot per seed.
    Returns a Figure."""
    with matplotlib.rc_context(viz.STYLE):
        fig, axes = viz.subplots(1, len(groups), figsize=(4.9 * len(groups), 4.0))
        axes = np.atleast_1d(axes)
        for ax, (panel, networks) in zip(axes, groups.items()):
            for i, (label, group) in enumerate(networks.items()):
                accs = 100 * np.array([r.test_accuracy for r in group])
                ax.bar(i, np.median(accs), color=viz.PALETTE[i], width=0.6, alpha=0.85)
                ax.plot(np.full(len(accs), i), accs, "o", color="#222222", markersize=4)
                ax.text(i, 3, f"{np.median(accs):.0f} %", ha="center", va="bottom",
                        color="white", fontweight="bold")
            ax.set_xticks(range(len(networks)),
                          [f"{label}\n{group[0].n_weights:,} weights"
                           for label, group in networks.items()], fontsize=9)
            ax.set_ylim(0, 100)
            ax.set_ylabel("test accuracy (%)")
            ax.set_title(panel)
            ax.grid(True, axis="y")
        fig.suptitle(title, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- gradients

#: Colour and marker of each row of the chapter's table, in the figures.
ROW_STYLES = {
    "sigmoid, Xavier": (viz.OKABE_ITO["vermillion"], "v"),
    "sigmoid, N(0, 1)": (viz.OKABE_ITO["orange"], "s"),
    "ReLU, N(0, 1)": (viz.OKABE_ITO["purple"], "^"),
    "ReLU, Xavier": (viz.OKABE_ITO["sky_blue"], "D"),
    "ReLU, He": (viz.OKABE_ITO["blue"], "o"),
    "ReLU, He, plain skips": (viz.OKABE_ITO["black"], "x"),
    "ReLU, He, scaled skips": (viz.OKABE_ITO["green"], "P"),
    "sigmoid, Xavier, batch norm": ("#9a7d00", "*"),   # a darker Okabe-Ito yellow
}
_SIGNAL_LIM = (1e-5, 1e18)
_GRAD_LIM = (1e-15, 1e18)


def _style(label, index):
    return ROW_STYLES.get(label, (viz.PALETTE[index % len(viz.PALETTE)], "o"))


def _log_panel(ax, values_by_label, ylim, ylabel, title, depth):
    for i, (label, values) in enumerate(values_by_label.items()):
        colour, marker = _style(label, i)
        layers = np.arange(1, len(values) + 1)
        ax.plot(layers, np.clip(values, *ylim), color=colour, marker=marker, markersize=4,
                linewidth=1.5, label=label)
    ax.set_yscale("log")
    ax.set_ylim(*ylim)
    ax.set_xlim(0.5, depth + 0.5)
    ax.set_xticks([1, 5, 10, 15, 20] if depth >= 20 else range(1, depth + 1))
    ax.set_xlabel("layer")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="major")


def profiles_figure(table):
    """For each row of :func:`nnlib.explore.deep.gradient_table` (its first seed): the
    size of the signal after every layer (left) and of every layer's weight gradient
    (right), at initialisation, on log scales. Returns a Figure."""
    first = {row["label"]: row["runs"][0] for row in table}
    depth = max(r.depth for r in first.values())
    with matplotlib.rc_context(viz.STYLE):
        fig, (a, b) = viz.subplots(1, 2, figsize=(10.0, 5.2))
        _log_panel(a, {k: r.profile.signal for k, r in first.items()}, _SIGNAL_LIM,
                   "size of the layer's output (RMS)", "Signal going forward", depth)
        _log_panel(b, {k: r.profile.grad_norms for k, r in first.items()}, _GRAD_LIM,
                   "size of the weights' gradient", "Gradient coming back", depth)
        fig.legend(*a.get_legend_handles_labels(), loc="outside lower center", ncols=4,
                   fontsize=9)
        fig.suptitle(f"A {depth}-layer network at initialisation, before any training",
                     fontweight="bold")
    return fig


def _loss_curve(ax, run, colour, marker, label, top):
    """Initial loss (epoch 0) then the mean loss of every epoch; off-scale values on the
    top edge; a cross where a run diverged."""
    curve = np.concatenate([[run.profile.loss], run.epoch_loss()])
    epochs = np.arange(len(curve))
    ax.plot(epochs, np.minimum(curve, top), color=colour, marker=marker, markersize=4,
            linewidth=1.5, label=label)
    if run.diverged_at is not None:
        ax.plot([len(curve) - 0.5], [top], marker="X", color=colour, markersize=10,
                clip_on=False)


def loss_curves_figure(table, top=4.0):
    """Training of each row of :func:`nnlib.explore.deep.gradient_table` (its first seed):
    the loss at initialisation (epoch 0) and the mean loss of every epoch of plain SGD.
    Losses above ``top`` run along the top edge; a cross marks a run that blew up.
    Returns a Figure."""
    with matplotlib.rc_context(viz.STYLE):
        fig, ax = viz.subplots(figsize=(10.0, 4.6))
        for i, row in enumerate(table):
            colour, marker = _style(row["label"], i)
            _loss_curve(ax, row["runs"][0], colour, marker, row["label"], top)
        ax.axhline(_CHANCE, color="#666666", linestyle=":", linewidth=1.2)
        ax.text(runs.EPOCHS + 0.5, _CHANCE + 0.05, "guessing (ln 10)", ha="right",
                va="bottom", fontsize=9, color="#444444")
        blown = [row["label"] for row in table if row["runs"][0].diverged_at is not None]
        if blown:
            ax.text(0.9, top - 0.12, "✖ blew up in the first epoch: " + "; ".join(blown),
                    ha="left", va="top", fontsize=9.5, color=_WARN)
        ax.set_xlim(-0.2, runs.EPOCHS + 0.6)
        ax.set_ylim(0, top)
        ax.set_xlabel("epoch (0: at initialisation)")
        ax.set_ylabel("training loss (cross-entropy)")
        ax.set_title("Training with plain SGD: the same budget for every network")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", fontsize=9)
        ax.grid(True)
    return fig


# ---------------------------------------------------------------------------- explorer

#: The explorer's depths (number of Linear layers) and normalisation menu.
DEPTH_OPTIONS = (5, 10, 20)
NORM_OPTIONS = ("none", "batch norm")
_INIT_NAMES = {"normal": "N(0, 1)", "xavier": "Xavier", "he": "He"}
_SKIP_NAMES = {"none": "no skips", "plain": "plain skips", "scaled": "scaled skips"}
_LOSS_TOP = 4.0


def _check_option(name, value, options):
    if value not in options:
        raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")


def deep_figure(depth=20, activation="sigmoid", init="xavier", norm="none", skip="none"):
    """One network of :func:`nnlib.explore.deep.deep_run` (seed 0), in three panels: the
    signal after each layer and each layer's weight gradient at initialisation (log
    scales, the same axes for every setting), and the training loss per epoch with the
    test accuracy reached. Returns a Figure of fixed size (chapter 11's explorer)."""
    _check_option("depth", depth, DEPTH_OPTIONS)
    _check_option("norm", norm, NORM_OPTIONS)
    run = runs.deep_run(depth, activation, init, norm == "batch norm", skip, seed=0)
    colour = viz.OKABE_ITO["blue"]
    with matplotlib.rc_context(viz.STYLE):
        fig = Figure(figsize=(11.0, 4.0))
        fig.subplots_adjust(left=0.065, right=0.985, bottom=0.14, top=0.8, wspace=0.36)
        a, b, c = fig.subplots(1, 3)
        for ax, values, lim, ylabel, title in (
                (a, run.profile.signal, _SIGNAL_LIM, "RMS of the layer's output",
                 "Signal going forward"),
                (b, run.profile.grad_norms, _GRAD_LIM, "norm of the weights' gradient",
                 "Gradient coming back")):
            _log_panel(ax, {"": values}, lim, ylabel, title, max(DEPTH_OPTIONS))
            ax.get_lines()[0].set_color(colour)
        ratio = run.profile.ratio
        b.text(0.03, 0.04, f"first / last layer: {sci(ratio)}", transform=b.transAxes,
               fontsize=10, fontweight="bold", color=_WARN if not 1e-2 < ratio < 1e2
               else "#222222")
        _training_panel(c, run)
        parts = [f"{depth} layers", activation if activation == "sigmoid" else "ReLU",
                 f"{_INIT_NAMES[init]} initialisation", norm if norm != "none" else
                 "no normalisation", _SKIP_NAMES[skip]]
        fig.suptitle(", ".join(parts), fontweight="bold")
    return fig


def _training_panel(ax, run):
    _loss_curve(ax, run, viz.OKABE_ITO["blue"], "o", "training loss", _LOSS_TOP)
    ax.axhline(_CHANCE, color="#666666", linestyle=":", linewidth=1.2)
    ax.text(runs.EPOCHS + 0.5, _CHANCE - 0.06, "guessing", fontsize=9, color="#444444",
            va="top", ha="right")
    ax.set_xlim(-0.3, runs.EPOCHS + 0.7)
    ax.set_ylim(0, _LOSS_TOP)
    ax.set_xlabel("epoch (0: before training)")
    ax.set_ylabel("training loss")
    ax.set_title(f"Training: {runs.EPOCHS} epochs of plain SGD", fontsize=11)
    ax.grid(True)
    lines = []
    if run.profile.loss > _LOSS_TOP:
        lines.append(f"starts at {sci(run.profile.loss)}")
    if run.diverged_at is not None:
        lines.append(f"blew up at step {run.diverged_at}:\nthe numbers overflowed")
        colour = _WARN
    else:
        lines.append(f"test accuracy {100 * run.test_accuracy:.1f} %")
        colour = _WARN if run.test_accuracy < 0.5 else "#222222"
    ax.text(0.97, 0.96, "\n".join(lines), transform=ax.transAxes, ha="right", va="top",
            fontsize=10, fontweight="bold", color=colour,
            bbox=dict(boxstyle="round,pad=0.3", facecolor="white", edgecolor="none"))


def controls():
    """The explorer's controls: depth (3), activation (2), initialisation (3),
    normalisation (2) and skip connections (3): 108 frames, one training run each."""
    from nnlib.explore import Dropdown
    return (Dropdown("depth", list(DEPTH_OPTIONS), 20, label="layers"),
            Dropdown("activation", list(runs.ACTIVATIONS), "sigmoid", label="activation"),
            Dropdown("init", list(runs.INITS), "xavier", label="initialisation"),
            Dropdown("norm", list(NORM_OPTIONS), "none", label="normalisation"),
            Dropdown("skip", list(runs.SKIPS), "none", label="skip connections"))


def explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`deep_figure` (chapter 11)."""
    from nnlib.explore import explore
    return explore(deep_figure, *controls(),
                   title="Gradient flow: depth, activation, initialisation, batch norm, skips")
