"""Figures of chapter 4, *Activation functions*: every activation beside its derivative,
saturation, what stacking layers without activations does, softmax bars and temperature,
and the two explorers of the chapter.

The activations come from the table :data:`nnlib.functional.ACTIVATIONS` (name ->
(function, derivative)); softmax from :func:`nnlib.functional.softmax`. Every helper
returns a :class:`matplotlib.figure.Figure` drawn in the course style of :mod:`nnlib.viz`.
"""
import numbers

import numpy as np

from nnlib import viz
from nnlib.functional import softmax
from nnlib.viz.style import OKABE_ITO, PALETTE, _fig_ax, _styled, subplots

__all__ = [
    "EXPLORER_ACTIVATIONS", "activation_grid", "saturation_plot", "stacked_lines_plot",
    "softmax_bars", "temperature_panels", "softmax_jacobian", "softmax_jacobian_figure", "activation_figure", "activation_controls",
    "activation_explorer", "SOFTMAX_CLASSES", "softmax_figure", "softmax_controls",
    "softmax_explorer",
]

#: Activations offered by the chapter's first explorer, in the order they are taught.
EXPLORER_ACTIVATIONS = ("step", "sigmoid", "tanh", "relu", "leaky_relu")


@_styled
def activation_grid(names=EXPLORER_ACTIVATIONS, z=None, ncols=3):
    """One panel per activation: the function (solid) and its derivative (dashed) over z
    (default -5..5). names: keys of ``nnlib.functional.ACTIVATIONS``. Returns the Figure."""
    names = list(names)
    if not names:
        raise ValueError("names: expected at least one activation name, got none")
    z = np.linspace(-5, 5, 501) if z is None else np.asarray(z, dtype=float)
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = subplots(nrows, ncols, figsize=(4.3 * ncols, 3.3 * nrows))
    axes = np.atleast_1d(axes).ravel()
    for ax, name in zip(axes, names):
        viz.activation_plot(name, ax=ax, x=z, title=name)
        ax.set_ylim(-1.3, 2.3)
    for ax in axes[len(names):]:
        ax.axis("off")
    fig.suptitle("Activation functions (solid) and their derivatives (dashed)",
                 fontweight="bold")
    return fig


@_styled
def saturation_plot(threshold=5.0, z=None, ax=None):
    """The sigmoid's derivative, with its peak 0.25 at z = 0 marked and the saturated
    regions ``|z| > threshold`` shaded, where the slope is almost zero (chapter 4).
    Returns the Figure."""
    if not isinstance(threshold, numbers.Real) or threshold <= 0:
        raise ValueError(f"threshold: expected a positive number, got {threshold!r}")
    _, slope = viz.activation_function("sigmoid")
    z = np.linspace(-10, 10, 801) if z is None else np.asarray(z, dtype=float)
    fig, ax = _fig_ax(ax, figsize=(6.0, 3.6))
    ax.plot(z, slope(z), color=OKABE_ITO["orange"], linewidth=2,
            label="derivative of sigmoid, σ(z)(1 − σ(z))")
    for lo, hi in ((z.min(), -threshold), (threshold, z.max())):
        ax.axvspan(lo, hi, color=OKABE_ITO["sky_blue"], alpha=0.25)
    ax.plot([0], [0.25], "o", color="black")
    ax.annotate("peak 0.25 at z = 0", (0, 0.25), xytext=(12, -4), textcoords="offset points",
                fontsize=9)
    edge = float(slope(np.array([threshold]))[0])
    ax.annotate(f"{edge:.4f} at z = {threshold:g}", (threshold, edge), xytext=(6, 22),
                textcoords="offset points", fontsize=9,
                arrowprops={"arrowstyle": "->", "color": "#333333"})
    ax.text(0.98, 0.55, f"saturated:\n|z| > {threshold:g}", transform=ax.transAxes,
            ha="right", fontsize=9)
    ax.set_ylim(0, 0.3)
    ax.set_xlabel("weighted sum z")
    ax.set_ylabel("slope of the sigmoid")
    ax.set_title("Sigmoid saturation: far from 0 the slope vanishes")
    ax.legend(loc="upper left", fontsize=8)
    return fig


@_styled
def stacked_lines_plot(x, linear_outputs, relu_outputs, depth):
    """Outputs of several random networks over a 1-D input x (M,): left, networks whose
    layers have no activation (every curve is a straight line); right, the same networks
    with ReLU between layers (curves with bends). ``*_outputs``: (K, M), one row per
    network. Returns the Figure."""
    x = np.asarray(x, dtype=float)
    panels = (("no activation between layers", linear_outputs),
              ("ReLU between layers", relu_outputs))
    fig, axes = subplots(1, 2, figsize=(10.0, 3.8), sharex=True)
    for ax, (label, outputs) in zip(axes, panels):
        outputs = np.asarray(outputs, dtype=float)
        if outputs.ndim != 2 or outputs.shape[1] != x.shape[0]:
            raise ValueError(f"outputs: expected shape (K, {x.shape[0]}), got {outputs.shape}")
        for k, row in enumerate(outputs):
            ax.plot(x, row, color=PALETTE[k % len(PALETTE)], linewidth=1.8)
        ax.set_title(f"{len(outputs)} random {depth}-layer networks:\n{label}")
        ax.set_xlabel("input x")
        ax.set_ylabel("network output")
    return fig


# ---------------------------------------------------------------------------------------
# Softmax
# ---------------------------------------------------------------------------------------
def _check_logits(logits, labels):
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1 or logits.size < 2:
        raise ValueError(f"logits: expected a 1-D array of at least 2 scores, got shape "
                         f"{logits.shape}")
    if labels is not None and len(labels) != logits.size:
        raise ValueError(f"labels: expected {logits.size} names, got {len(labels)}")
    return logits


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) \
            or not temperature > 0:
        raise ValueError(f"temperature: expected a positive number, got {temperature!r}")
    return float(temperature)


@_styled
def softmax_bars(logits, labels=None, temperature=1.0, ax=None, title=None, decimals=1):
    """Bars of ``softmax(logits / temperature)`` with each probability written above its
    bar in percent, and the logit under each name. logits: (C,). Returns the Figure."""
    logits = _check_logits(logits, labels)
    temperature = _check_temperature(temperature)
    labels = labels or [f"class {k + 1}" for k in range(logits.size)]
    probs = softmax(logits / temperature)
    fig, ax = _fig_ax(ax, figsize=(5.2, 3.6))
    ticks = [f"{name}\nscore {z:.2f}" for name, z in zip(labels, logits)]
    ax.bar(range(logits.size), probs, color=PALETTE[:logits.size], edgecolor="black")
    for k, p in enumerate(probs):
        ax.text(k, p + 0.02, f"{100 * p:.{decimals}f} %", ha="center", va="bottom",
                fontsize=9)
    ax.set_xticks(range(logits.size), ticks)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("probability")
    ax.set_title(title or f"softmax, temperature {temperature:g}")
    return fig


@_styled
def temperature_panels(logits, labels, temperatures=(0.5, 1.0, 2.0, 5.0)):
    """One :func:`softmax_bars` panel per temperature for the same logits (chapter 4).
    Returns the Figure."""
    temperatures = [_check_temperature(t) for t in temperatures]
    fig, axes = viz.panel_grid(len(temperatures), panel_size=(4.2, 3.0), title_room=0.6,
                               sharex=True, sharey=True)
    for k, (ax, t) in enumerate(zip(axes, temperatures)):
        softmax_bars(logits, labels, temperature=t, ax=ax, title=f"temperature T = {t:g}")
        if k % 2:
            ax.set_ylabel("")
    fig.suptitle("The same scores through softmax(z / T): low T sharpens, high T flattens",
                 fontweight="bold")
    return fig


def softmax_jacobian(logits):
    """The Jacobian of softmax at ``logits`` (C,): the (C, C) matrix whose entry (i, j) is
    how fast p_i changes when z_j rises, ``p_i * (delta_ij - p_j)`` (chapter 4)."""
    p = softmax(_check_logits(logits, None))
    return np.diag(p) - np.outer(p, p)


@_styled
def softmax_jacobian_figure(logits, labels, wrt=0, nudge=0.1):
    """The softmax Jacobian as a table, and what one of its columns predicts (chapter 4).

    Left: the (C, C) Jacobian of :func:`softmax_jacobian`, each entry written in its cell
    (blue positive, vermillion negative), rows the probabilities p_i, columns the scores
    z_j. Right: raise score ``wrt`` by ``nudge``; bars show how much each probability
    really changes, dots what column ``wrt`` of the Jacobian times ``nudge`` predicts.
    logits: (C,) with C from 2 to 6; labels: C names. Returns the Figure.
    """
    logits = _check_logits(logits, labels)
    if logits.size > 6:
        raise ValueError(f"logits: expected at most 6 scores, got {logits.size}")
    if isinstance(wrt, bool) or not isinstance(wrt, numbers.Integral) \
            or not 0 <= wrt < logits.size:
        raise ValueError(f"wrt: expected a class index from 0 to {logits.size - 1}, "
                         f"got {wrt!r}")
    if isinstance(nudge, bool) or not isinstance(nudge, numbers.Real) \
            or not 0 < abs(nudge) <= 1:
        raise ValueError(f"nudge: expected a non-zero number between -1 and 1, got {nudge!r}")
    labels = list(labels)
    jac = softmax_jacobian(logits)
    c = logits.size
    fig, (left, right) = subplots(1, 2, figsize=(8.4, 3.9),
                                  gridspec_kw={"width_ratios": [1.0, 1.1]})
    limit = np.abs(jac).max()
    left.imshow(jac, cmap="RdBu", vmin=-limit * 1.6, vmax=limit * 1.6)
    for i in range(c):
        for j in range(c):
            left.text(j, i, f"{jac[i, j]:+.4f}", ha="center", va="center", fontsize=10,
                      fontweight="bold" if i == j else "normal")
    left.set_xticks(range(c), [f"z {name}" for name in labels])
    left.set_yticks(range(c), [f"p {name}" for name in labels])
    left.tick_params(length=0)
    for spine in left.spines.values():
        spine.set_visible(False)
    left.set_title("entry (i, j) = $\\partial p_i / \\partial z_j$\ndiagonal $p_i(1 - p_i)$, "
                   "elsewhere $-p_i p_j$", fontsize=10.5)
    shifted = logits.copy()
    shifted[wrt] += nudge
    actual = softmax(shifted) - softmax(logits)
    predicted = jac[:, wrt] * nudge
    colours = [OKABE_ITO["blue"] if a >= 0 else OKABE_ITO["vermillion"] for a in actual]
    right.bar(range(c), actual, width=0.6, color=colours, edgecolor="black", label="real change")
    right.plot(range(c), predicted, "D", color=OKABE_ITO["orange"], markeredgecolor="black",
               markersize=8, label=f"Jacobian column × {nudge:g}")
    right.axhline(0, color="#555555", linewidth=0.8)
    for k, a in enumerate(actual):
        right.text(k + 0.42, a / 2, f"{a:+.4f}", ha="left", va="center", fontsize=9)
    span = np.abs(actual).max()
    right.set_ylim(-1.35 * span, 1.35 * span)
    right.set_xticks(range(c), [f"p {name}" for name in labels])
    right.set_xlim(-0.6, c - 0.1)
    right.set_ylabel("change in probability")
    right.set_title(f"Raise the {labels[wrt]} score by {nudge:g}", fontsize=11)
    right.legend(loc="lower left", fontsize=8.5)
    fig.suptitle("How softmax's outputs respond to its scores", fontweight="bold")
    return fig


# ---------------------------------------------------------------------------------------
# Explorer (a): an activation, its derivative, and one point z
# ---------------------------------------------------------------------------------------
def activation_figure(name="sigmoid", z=1.0, derivative=True):
    """Explorer (chapter 4): activation ``name`` with the point (z, f(z)) marked and the
    tangent line there, whose slope is the derivative f'(z); with ``derivative`` also the
    derivative curve and the point (z, f'(z)). Returns a Figure."""
    if name not in EXPLORER_ACTIVATIONS:
        raise ValueError(f"name: expected one of {list(EXPLORER_ACTIVATIONS)}, got {name!r}")
    if isinstance(z, bool) or not isinstance(z, numbers.Real) or not np.isfinite(z):
        raise ValueError(f"z: expected a finite number, got {z!r}")
    function, slope = viz.activation_function(name)
    value = float(function(np.array([z], dtype=float))[0])
    gradient = float(slope(np.array([z], dtype=float))[0])
    fig, ax = subplots(figsize=(6.4, 4.2), layout=None)
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.13, top=0.88)
    viz.activation_plot(name, ax=ax, x=np.linspace(-6.5, 6.5, 521), derivative=derivative,
                        marks={"point": float(z)},
                        title=f"{name}({z:g}) = {value:.3f},  slope {name}'({z:g}) = "
                              f"{gradient:.3f}")
    span = np.array([z - 1.5, z + 1.5])
    ax.plot(span, value + gradient * (span - z), color="black", linestyle=":", linewidth=2,
            label="tangent (slope = derivative)")
    if derivative:
        ax.plot([z], [gradient], "D", color=OKABE_ITO["orange"], markeredgecolor="black",
                markersize=7, zorder=4, label=f"derivative at z: {gradient:.3f}")
    ax.set_xlim(-6.5, 6.5)
    ax.set_ylim(-1.6, 2.6)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def activation_controls():
    """Explorer (a)'s controls: the activation (5), z from -6 to 6 in steps of 1 (13) and
    whether to draw the derivative (2): 130 frames in the static book."""
    from nnlib.explore import Dropdown, Slider
    return (Dropdown("name", list(EXPLORER_ACTIVATIONS), "sigmoid", label="activation"),
            Slider("z", -6, 6, 1, 2, label="weighted sum z"),
            Dropdown("derivative", [True, False], True, label="show derivative"))


def activation_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`activation_figure`."""
    from nnlib.explore import explore
    return explore(activation_figure, *activation_controls(),
                   title="An activation function, its slope, and one weighted sum z")


# ---------------------------------------------------------------------------------------
# Explorer (b): logits and temperature -> softmax
# ---------------------------------------------------------------------------------------
#: The classes of the softmax explorer; the last one's score is fixed at 0.
SOFTMAX_CLASSES = ("cat", "dog", "bird")


def softmax_figure(cat=4, dog=0, temperature=1.0):
    """Explorer (chapter 4): the scores (cat, dog, bird = 0) and the probabilities
    ``softmax(scores / temperature)`` side by side. Fixing the bird's score loses
    nothing: softmax only sees differences between scores. Returns a Figure."""
    for name, value in (("cat", cat), ("dog", dog)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
    temperature = _check_temperature(temperature)
    logits = np.array([cat, dog, 0.0], dtype=float)
    fig, (left, right) = subplots(1, 2, figsize=(9.0, 3.8), layout=None,
                                  gridspec_kw={"width_ratios": [1, 1.3], "wspace": 0.3})
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.86)
    left.bar(range(3), logits, color=PALETTE[:3], edgecolor="black")
    left.axhline(0, color="#333333", linewidth=0.8)
    for k, z in enumerate(logits):
        left.text(k, z + (0.15 if z >= 0 else -0.15), f"{z:g}", ha="center",
                  va="bottom" if z >= 0 else "top", fontsize=9)
    left.set_xticks(range(3), SOFTMAX_CLASSES)
    left.set_ylim(-3, 5)
    left.set_ylabel("score (logit)")
    left.set_title("scores from the last layer")
    softmax_bars(logits, list(SOFTMAX_CLASSES), temperature=temperature, ax=right,
                 title=f"softmax(scores / {temperature:g})")
    return fig


def softmax_controls():
    """Explorer (b)'s controls: the cat and dog scores in -2..4 (steps of 1; the bird's
    score stays 0) and the temperature in {0.5, 1, 2, 5}: 7 x 7 x 4 = 196 frames."""
    from nnlib.explore import Dropdown, Slider
    return (Slider("cat", -2, 4, 1, 4, label="cat score"),
            Slider("dog", -2, 4, 1, 0, label="dog score"),
            Dropdown("temperature", [0.5, 1.0, 2.0, 5.0], 1.0, label="temperature T"))


def softmax_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`softmax_figure`."""
    from nnlib.explore import explore
    return explore(softmax_figure, *softmax_controls(),
                   title="Scores in, probabilities out: softmax with a temperature")
