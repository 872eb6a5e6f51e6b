"""Figures of chapters 1 and 2 that later chapters reuse.

Chapter 1 uses :func:`nested_fields`, :func:`neuron_diagram` and :func:`model_sizes_chart`;
chapter 2 uses :func:`neuron_diagram`, :func:`decision_boundary`, :func:`boundary_line`,
:func:`loss_curve` and :func:`activation_plot`; later chapters add :func:`network_diagram`
and friends.
Every helper returns a :class:`matplotlib.figure.Figure` drawn in the course style
(:mod:`nnlib.viz.style`).
"""
import numbers

import matplotlib
import matplotlib.ticker
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from nnlib.viz.style import (CLASS_COLOURS, CLASS_MARKERS, OKABE_ITO, PALETTE, _fig_ax,
                             _styled, subplots)

__all__ = [
    "nested_fields", "model_sizes_chart", "format_count", "activation_function",
    "activation_plot", "output_plane", "decision_boundary", "boundary_line", "scatter_classes",
    "candidate_lines", "loss_curve", "network_diagram", "neuron_diagram",
]


# ---------------------------------------------------------------------------------------
# Chapter 1: the field, and how big networks are
# ---------------------------------------------------------------------------------------
@_styled
def nested_fields():
    """Three nested circles: artificial intelligence contains machine learning, which
    contains deep learning (chapter 1). Returns a Figure."""
    fig, ax = subplots(figsize=(6.4, 5.2))
    rings = [  # (label, example, radius, centre y, colour)
        ("Artificial intelligence", "computers doing tasks that seem to need intelligence,\n"
         "e.g. a chess program with hand-written rules", 3.0, 0.0, OKABE_ITO["sky_blue"]),
        ("Machine learning", "programs that learn from data,\ne.g. a fraud detector",
         2.05, -0.9, OKABE_ITO["orange"]),
        ("Deep learning", "neural networks\nwith many layers", 1.1, -1.8, OKABE_ITO["green"]),
    ]
    for label, example, radius, cy, colour in rings:
        ax.add_patch(Circle((0, cy), radius, facecolor=colour, alpha=0.35,
                            edgecolor=colour, linewidth=2))
        top = cy + radius
        ax.text(0, top - 0.32, label, ha="center", va="center", fontsize=12,
                fontweight="bold")
        ax.text(0, top - 0.78, example, ha="center", va="center", fontsize=9)
    ax.set_xlim(-3.2, 3.2)
    ax.set_ylim(-3.2, 3.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Deep learning sits inside machine learning, inside AI")
    return fig


def format_count(n):
    """Human-readable parameter count: 9 -> '9', 2410 -> '2,410', 25e6 -> '25 M',
    1.5e9 -> '1.5 B', 1e12 -> '1 T'."""
    if isinstance(n, bool) or not isinstance(n, numbers.Real) or n < 0:
        raise ValueError(f"n: expected a non-negative number, got {n!r}")
    for scale, suffix in ((1e12, " T"), (1e9, " B"), (1e6, " M")):
        if n >= scale:
            return f"{n / scale:.3g}{suffix}"
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:.3g}"


@_styled
def model_sizes_chart(sizes, ours=(), ax=None, title="How many parameters networks have"):
    """Horizontal bars of parameter counts on a logarithmic axis (chapter 1).

    sizes: dict name -> parameter count (> 0). ours: names drawn in a second colour
    (the book's own small networks). Returns the Figure.
    """
    if not sizes:
        raise ValueError("sizes: expected a non-empty dict name -> parameter count, got {}")
    bad = {k: v for k, v in sizes.items() if not isinstance(v, numbers.Real) or v <= 0}
    if bad:
        raise ValueError(f"sizes: expected positive parameter counts, got {bad}")
    fig, ax = _fig_ax(ax, figsize=(7.5, 0.45 * len(sizes) + 1.6))
    names = list(sizes)[::-1]
    counts = np.array([sizes[n] for n in names], dtype=float)
    colours = [OKABE_ITO["orange"] if n in ours else OKABE_ITO["blue"] for n in names]
    ax.barh(names, counts, color=colours)
    ax.set_xscale("log")
    top = int(np.ceil(np.log10(counts.max() * 30) / 3) * 3)
    ax.set_xlim(1, 10.0 ** top)
    ticks = 10.0 ** np.arange(0, top + 1, 3)
    ax.set_xticks(ticks, [_TICK_NAMES.get(int(t), f"{t:.0e}") for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    for y, c in enumerate(counts):
        ax.text(c * 1.3, y, format_count(c), va="center", fontsize=9)
    ax.set_xlabel("number of parameters (log scale: each step is 1,000 times the last)")
    ax.set_ylabel("network")
    ax.set_title(title)
    if ours:
        from matplotlib.patches import Patch
        ax.legend(handles=[Patch(color=OKABE_ITO["orange"], label="networks in this book"),
                           Patch(color=OKABE_ITO["blue"], label="real-world networks")],
                  loc="upper right")
    return fig


_TICK_NAMES = {1: "1", 10**3: "thousand", 10**6: "million", 10**9: "billion",
               10**12: "trillion", 10**15: "quadrillion"}


# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------
def activation_function(name):
    """The pair (function, derivative) of activation ``name`` from
    ``nnlib.functional.ACTIVATIONS``; ValueError naming the choices for an unknown name."""
    from nnlib.functional import ACTIVATIONS
    if name not in ACTIVATIONS:
        raise ValueError(f"name: expected one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


@_styled
def activation_plot(name, ax=None, x=None, derivative=True, marks=None, title=None):
    """Plot activation ``name`` (a key of ``nnlib.functional.ACTIVATIONS``) and, unless
    ``derivative=False``, its derivative, over ``x`` (default -6..6).

    marks: optional dict label -> weighted sum z; each is drawn as a dot on the curve with
    its label, e.g. ``{"x = (1, 1)": 0.7}``. Returns the Figure.
    """
    function, slope = activation_function(name)
    x = np.linspace(-6, 6, 601) if x is None else np.asarray(x, dtype=float)
    fig, ax = _fig_ax(ax, figsize=(5.0, 3.6))
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.axvline(0, color="#999999", linewidth=0.8)
    _plot_curve(ax, x, function(x), label=f"{name}(z)", color=OKABE_ITO["blue"])
    if derivative:
        _plot_curve(ax, x, slope(x), label=f"derivative of {name}", color=OKABE_ITO["orange"],
                    linestyle="--")
    for k, (label, z) in enumerate((marks or {}).items()):
        out = float(function(np.array([z], dtype=float))[0])
        ax.plot([z], [out], "o", color=PALETTE[2 + k % 4], markersize=8,
                markeredgecolor="black", zorder=4, label=f"{label}: z = {z:.3g}")
    ax.set_xlabel("weighted sum z")
    ax.set_ylabel("output")
    ax.set_title(title or f"The {name} activation")
    ax.legend(loc="upper left", fontsize=8)
    return fig


#: Colours of :func:`output_plane`: cividis in 10 bands, which read as contour levels and
#: keep the PNG files of the explorers' hundreds of frames small.
_BANDED = matplotlib.colormaps["cividis"].resampled(10)


@_styled
def output_plane(fn, ax=None, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), vmin=0.0, vmax=1.0,
                 resolution=161, label="output", title="Output over the input plane"):
    """Shade the plane by ``fn(points)`` (points: (M, 2) -> M values) with a colour bar.

    Colours run from ``vmin`` to ``vmax`` in ten bands (values outside are clipped and the
    bar shows an arrow). Returns the Figure.
    """
    fig, ax = _fig_ax(ax, figsize=(4.8, 4.0))
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    values = _as_array(fn(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    image = ax.imshow(values, origin="lower", extent=(*xlim, *ylim), aspect="auto",
                      vmin=vmin, vmax=vmax, cmap=_BANDED, interpolation="nearest")
    low, high = values.min() < vmin - 1e-12, values.max() > vmax + 1e-12
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max",
              (True, True): "both"}[(bool(low), bool(high))]
    fig.colorbar(image, ax=ax, label=label, extend=extend, shrink=0.9)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("input $x_1$")
    ax.set_ylabel("input $x_2$")
    ax.set_title(title)
    return fig


def _plot_curve(ax, x, y, **kwargs):
    """Plot y(x), breaking the line at jumps (so a step is not drawn with a vertical bar)."""
    y = np.asarray(y, dtype=float).copy()
    jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.5)
    y[jumps] = np.nan
    ax.plot(x, y, linewidth=2, **kwargs)


# ---------------------------------------------------------------------------------------
# Classification in the plane
# ---------------------------------------------------------------------------------------
def _as_array(values):
    """ndarray from an ndarray, a list or an nnlib Tensor (anything with ``.data``)."""
    return np.asarray(getattr(values, "data", values), dtype=float)


def _check_points(X, y):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X: expected shape (N, 2), got shape {X.shape}")
    if y is not None:
        y = np.asarray(y).reshape(-1)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y: expected {X.shape[0]} labels (one per row of X), "
                             f"got {y.shape[0]}")
    return X, y


@_styled
def scatter_classes(X, y, ax=None, labels=("class 0", "class 1"), annotate=False):
    """Scatter 2-D points X (N, 2) coloured and shaped by their 0/1 label y (N,).

    annotate: also write each point's label next to it. Returns the Figure.
    """
    X, y = _check_points(X, y)
    fig, ax = _fig_ax(ax, figsize=(4.5, 4.0))
    y = y.astype(int)
    for cls in (0, 1):
        pts = X[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=70, c=CLASS_COLOURS[cls],
                   marker=CLASS_MARKERS[cls], edgecolors="black", linewidths=0.8,
                   label=labels[cls], zorder=3)
    if annotate:
        for (a, b), cls in zip(X, y):
            ax.annotate(str(cls), (a, b), xytext=(7, 7), textcoords="offset points",
                        fontsize=10, fontweight="bold")
    ax.set_xlabel("input $x_1$")
    ax.set_ylabel("input $x_2$")
    return fig


def _few_ticks(ax, n=5):
    """At most about ``n`` ticks per axis, so small panels stay readable."""
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(n))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(n))


def _limits(X, padding):
    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    return (low[0], high[0]), (low[1], high[1])


@_styled
def decision_boundary(predict_fn, X, y, ax=None, threshold=0.5, resolution=200, padding=0.5,
                      title="Decision boundary", labels=("class 0", "class 1"), line=None):
    """Shade the plane by the class ``predict_fn`` gives it, and scatter the points.

    predict_fn: a callable (an nnlib Module, a Perceptron's ``predict``, a function)
    mapping an (M, 2) array to M scores (shape (M,) or (M, 1)); a score above
    ``threshold`` means class 1. X: (N, 2) points. y: (N,) labels 0/1.
    Regions are shaded with the class colours, lighter than the points. line: optional
    ``(w, b)`` of a neuron, whose line ``w . x + b = 0`` is drawn too. Returns the Figure.
    """
    X, y = _check_points(X, y)
    fig, ax = _fig_ax(ax, figsize=(4.8, 4.2))
    (x0, x1), (y0, y1) = _limits(X, padding)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    scores = _as_array(predict_fn(grid)).reshape(-1)
    if scores.shape[0] != grid.shape[0]:
        raise ValueError(f"predict_fn: expected one score per input row ({grid.shape[0]}), "
                         f"got {scores.shape[0]} values")
    region = (scores > threshold).astype(float).reshape(gx.shape)
    ax.imshow(region, origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
              cmap=ListedColormap(CLASS_COLOURS), vmin=0, vmax=1, alpha=0.25,
              interpolation="nearest")
    scatter_classes(X, y, ax=ax, labels=labels)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    _few_ticks(ax)
    if line is not None:
        boundary_line(ax, *line)
    ax.set_title(title)
    _legend_below(ax)
    return fig


def _legend_below(ax):
    """The legend in one row under the x label, where it cannot hide a point. A figure
    with a fixed layout (an explorer's) has no room there: the legend goes inside."""
    if ax.figure.get_layout_engine() is None:
        ax.legend(loc="best", fontsize=9, framealpha=0.8, frameon=True)
        return
    n_entries = len(ax.get_legend_handles_labels()[1])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=n_entries, fontsize=9,
              handletextpad=0.3, columnspacing=1.0, borderaxespad=0)


def boundary_line(ax, w, b, **kwargs):
    """Draw the line ``w[0]*x1 + w[1]*x2 + b = 0`` across ``ax``'s current view.

    Returns the Line2D, or None when w is zero (the neuron then gives every input the same
    output, so there is no boundary to draw).
    """
    w = np.asarray(w, dtype=float).reshape(-1)
    if w.shape != (2,):
        raise ValueError(f"w: expected 2 weights, got {w.shape[0]}")
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    style = {"color": "black", "linewidth": 2, "label": "$w \\cdot x + b = 0$"} | kwargs
    if w[1] != 0:
        xs = np.array([x0, x1])
        line, = ax.plot(xs, -(w[0] * xs + b) / w[1], **style)
    elif w[0] != 0:
        line, = ax.plot([-b / w[0]] * 2, [y0, y1], **style)
    else:
        return None
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return line


@_styled
def candidate_lines(X, y, lines, ax=None, title="Candidate lines", labels=("class 0", "class 1"),
                    padding=0.5):
    """Scatter labelled 2-D points and draw candidate neuron lines through them.

    X: (N, 2). y: (N,) of 0/1. lines: list of ``(w, b, label)`` with w of 2 weights, each
    drawn as the dashed line ``w . x + b = 0``. Returns the Figure.
    """
    X, y = _check_points(X, y)
    fig, ax = _fig_ax(ax, figsize=(6.4, 4.0))
    scatter_classes(X, y, ax=ax, labels=labels, annotate=True)
    (x0, x1), (y0, y1) = _limits(X, padding)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    _few_ticks(ax)
    for k, (w, b, label) in enumerate(lines):
        boundary_line(ax, w, b, color=PALETTE[(k + 1) % len(PALETTE)], linestyle="--",
                      label=label)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
    return fig


# ---------------------------------------------------------------------------------------
# Training curves
# ---------------------------------------------------------------------------------------
def _series(history):
    """Normalise a History, a dict of lists or one list into {name: 1-D array}."""
    if callable(getattr(history, "as_dict", None)):           # nnlib.train.history.History
        history = history.as_dict()
    elif isinstance(getattr(history, "history", None), dict):  # Keras-style
        history = history.history
    if isinstance(history, dict):
        series = {k: np.asarray(v, dtype=float) for k, v in history.items() if len(v)}
    else:
        series = {"loss": np.asarray(history, dtype=float)}
    if not series or any(v.ndim != 1 for v in series.values()):
        raise ValueError("history: expected a History, a dict of 1-D lists or one 1-D list, "
                         f"got {type(history).__name__}")
    return series


@_styled
def loss_curve(history, ax=None, keys=None, ylabel="loss", title="Loss during training",
               log=False, xlabel="epoch"):
    """Plot per-epoch values: an ``nnlib.History``, a dict name -> list, or one list.

    keys: which series to draw (default: every non-empty one; pass e.g.
    ``keys=["loss", "val_loss"]`` to leave accuracy, on another scale, out). Returns the
    Figure.
    """
    series = _series(history)
    if keys is not None:
        missing = [k for k in keys if k not in series]
        if missing:
            raise ValueError(f"keys: expected names among {sorted(series)}, got {missing}")
        series = {k: series[k] for k in keys}
    fig, ax = _fig_ax(ax, figsize=(5.5, 3.6))
    for name, values in series.items():
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker="o" if len(values) <= 30 else None, markersize=4,
                linewidth=2, label=name)
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if all(np.all(v == np.round(v)) for v in series.values()):
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    return fig


# ---------------------------------------------------------------------------------------
# Network diagrams
# ---------------------------------------------------------------------------------------
def _shown_neurons(size, max_neurons):
    """Indices of the neurons drawn for a layer of ``size``, and where the ellipsis goes."""
    if size <= max_neurons:
        return list(range(size)), None
    head, tail = (max_neurons + 1) // 2, max_neurons // 2
    return list(range(head)) + list(range(size - tail, size)), head


@_styled
def network_diagram(layer_sizes, values=None, weights=None, ax=None, max_neurons=8,
                    layer_names=None, title=None):
    """Draw a fully connected network as circles (neurons) joined by lines (weights).

    layer_sizes: e.g. [2, 3, 1]. values: optional list with one 1-D array per layer; each
    neuron is then shaded by and labelled with its value. weights: optional list with one
    (in, out) array per pair of layers; each line's width follows ``|w|`` and its colour the
    sign (blue positive, vermillion negative). A layer wider than ``max_neurons`` shows
    only ``max_neurons`` of them, its first and last, around a vertical ellipsis.
    Returns the Figure.
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 1 or min(sizes) < 1:
        raise ValueError(f"layer_sizes: expected positive layer sizes, got {list(layer_sizes)}")
    if max_neurons < 3:
        raise ValueError(f"max_neurons: expected at least 3, got {max_neurons}")
    _check_layers("values", values, [(s,) for s in sizes])
    _check_layers("weights", weights, list(zip(sizes[:-1], sizes[1:])))
    shown = [_shown_neurons(s, max_neurons) for s in sizes]
    height = max(len(idx) + (gap is not None) for idx, gap in shown)
    fig, ax = _fig_ax(ax, figsize=(1.6 * len(sizes) + 1.2, 0.5 * height + 1.2))
    pos = [_layer_positions(_COL * col, idx, gap, height)
           for col, (idx, gap) in enumerate(shown)]
    if weights is not None:
        scale = max(np.abs(np.asarray(w)).max() for w in weights) or 1.0
    for layer in range(len(sizes) - 1):
        for i, (xa, ya) in pos[layer].items():
            for j, (xb, yb) in pos[layer + 1].items():
                style = {"color": "#bbbbbb", "linewidth": 0.8}
                if weights is not None:
                    w = float(np.asarray(weights[layer])[i, j])
                    style = {"color": CLASS_COLOURS[int(w >= 0)],
                             "linewidth": 0.4 + 3.0 * abs(w) / scale}
                ax.plot([xa, xb], [ya, yb], zorder=1, **style)
    for layer, (idx, gap) in enumerate(shown):
        _draw_layer(ax, pos[layer], None if values is None else np.asarray(values[layer]))
        if gap is not None:
            ax.text(_COL * layer, _row_y(gap, height, len(idx) + 1), "⋮", ha="center",
                    va="center", fontsize=18)
        name = layer_names[layer] if layer_names else _default_layer_name(layer, len(sizes))
        ax.text(_COL * layer, -0.6, f"{name}\n({sizes[layer]})", ha="center", va="top",
                fontsize=9)
    ax.set_xlim(-0.8, _COL * (len(sizes) - 1) + 0.8)
    ax.set_ylim(-1.7, height - 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or "A network with layers " + " → ".join(map(str, sizes)))
    return fig


_COL = 2.5  # horizontal distance between layers, in neuron rows


def _check_layers(name, arrays, shapes):
    if arrays is None:
        return
    if len(arrays) != len(shapes):
        raise ValueError(f"{name}: expected {len(shapes)} arrays, got {len(arrays)}")
    for k, (a, shape) in enumerate(zip(arrays, shapes)):
        if np.shape(a) != shape:
            raise ValueError(f"{name}[{k}]: expected shape {shape}, got {np.shape(a)}")


def _row_y(row, height, n_rows):
    """y coordinate of row ``row`` of ``n_rows``, centred in a column of ``height``."""
    return (height - 1) / 2 + (n_rows - 1) / 2 - row


def _layer_positions(col, idx, gap, height):
    n_rows = len(idx) + (gap is not None)
    rows = [r if gap is None or r < gap else r + 1 for r in range(len(idx))]
    return {i: (col, _row_y(r, height, n_rows)) for i, r in zip(idx, rows)}


def _draw_layer(ax, positions, values):
    from matplotlib import colormaps
    cmap = colormaps["Blues"]
    for i, (x, y) in positions.items():
        face = "white" if values is None else cmap(0.15 + 0.7 * float(np.clip(values[i], 0, 1)))
        ax.add_patch(Circle((x, y), 0.3, facecolor=face, edgecolor="#333333",
                            linewidth=1.2, zorder=2))
        if values is not None:
            v = float(values[i])
            ax.text(x, y, f"{v:.2f}", ha="center", va="center", fontsize=7, zorder=3,
                    color="white" if v > 0.6 else "black")


def _default_layer_name(layer, n_layers):
    if layer == 0:
        return "input"
    return "output" if layer == n_layers - 1 else f"hidden {layer}"


# ---------------------------------------------------------------------------------------
# One neuron, drawn with its numbers (chapters 1 and 2)
# ---------------------------------------------------------------------------------------
def _num(value):
    """A number as the book prints it: 0.7 (not 0.7000000000000001), −0.5 with a real minus."""
    text = f"{round(float(value), 4):g}"
    return "0" if text == "-0" else text.replace("-", "−")


def _signed_terms(values):
    """'0.4 + 0.3 + 0 − 0.5' from [0.4, 0.3, 0, -0.5]."""
    text = _num(values[0])
    for v in values[1:]:
        text += f" {'−' if v < 0 else '+'} {_num(abs(v))}"
    return text


def _neuron_output(activation, z, threshold):
    """The neuron's output for weighted sum z: step compares with ``threshold``."""
    if activation == "step":
        return float(z > threshold)
    function, _ = activation_function(activation)
    return float(function(np.array([z - threshold]))[0])


_DIAGRAM_ACTIVATIONS = ("step", "sigmoid", "tanh", "relu")


@_styled
def neuron_diagram(inputs, weights, bias=0.0, activation="step", threshold=0.0,
                   input_names=None, output_name=None, ax=None,
                   title="One neuron: inputs, weights, weighted sum, activation, output"):
    """Draw one neuron with its numbers, left to right (chapters 1 and 2).

    inputs, weights: D numbers each (D from 1 to 8). Each input is a circle holding its
    value, joined to the summing node by a line labelled with its weight (blue positive,
    vermillion negative, faded when the input is 0 and adds nothing). The summing node
    writes out the weighted sum ``z = x1 w1 + ... + xD wD + b`` (the bias drawn as one more
    input, when it is not 0). The activation box shows the curve with z marked; a step
    compares z with ``threshold`` (0 unless given), the other activations
    (sigmoid, tanh, relu) take ``z - threshold``. The output circle holds the result.
    input_names: optional D labels written left of the inputs; output_name: a label
    under the output. Returns the Figure.
    """
    x = np.asarray(inputs, dtype=float).reshape(-1)
    w = np.asarray(weights, dtype=float).reshape(-1)
    if not 1 <= x.size <= 8:
        raise ValueError(f"inputs: expected 1 to 8 numbers, got {x.size}")
    if w.size != x.size:
        raise ValueError(f"weights: expected {x.size} numbers (one per input), got {w.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))):
        raise ValueError("inputs, weights: expected finite numbers, got inf or nan")
    for name, value in (("bias", bias), ("threshold", threshold)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if activation not in _DIAGRAM_ACTIVATIONS:
        raise ValueError(f"activation: expected one of {list(_DIAGRAM_ACTIVATIONS)}, "
                         f"got {activation!r}")
    if input_names is not None and len(input_names) != x.size:
        raise ValueError(f"input_names: expected {x.size} labels, got {len(input_names)}")
    products = x * w
    z = float(products.sum() + bias)
    out = _neuron_output(activation, z, threshold)

    n = x.size
    rows = n + (bias != 0)
    fig, ax = _fig_ax(ax, figsize=(8.4, 0.7 * rows + 1.7))
    top = rows - 1
    first = top - (bias != 0)          # the bias, when drawn, takes the top row
    x_in, x_sum, x_act, x_out = 3.2, 6.6, 8.9, 11.0
    y_sum = top / 2
    for i in range(n):
        y_i = first - i
        colour = CLASS_COLOURS[int(w[i] >= 0)]
        faded = x[i] == 0
        ax.plot([x_in, x_sum], [y_i, y_sum], color=colour, zorder=1,
                linewidth=1.0 + 2.5 * min(abs(w[i]), 1.0), alpha=0.3 if faded else 1.0)
        ax.add_patch(Circle((x_in, y_i), 0.3, facecolor="white", edgecolor="#333333",
                            linewidth=1.3, zorder=2))
        ax.text(x_in, y_i, _num(x[i]), ha="center", va="center", fontsize=11, zorder=3)
        if input_names is not None:
            ax.text(x_in - 0.45, y_i, str(input_names[i]), ha="right", va="center",
                    fontsize=10)
        t = 0.36   # the weight's label sits a little way along its line
        ax.text(x_in + t * (x_sum - x_in), y_i + t * (y_sum - y_i), f"× {_num(w[i])}",
                ha="center", va="center", fontsize=9.5, color=colour, zorder=4,
                bbox={"facecolor": "white", "edgecolor": colour, "pad": 1.5,
                      "alpha": 0.95, "linewidth": 0.8})
    terms = list(products)
    if bias != 0:
        y_b = top
        ax.plot([x_in, x_sum], [y_b, y_sum], color="#555555", linewidth=1.5, zorder=1,
                linestyle="--")
        ax.add_patch(FancyBboxPatch((x_in - 0.35, y_b - 0.25), 0.7, 0.5,
                                    boxstyle="round,pad=0.02", facecolor="#eeeeee",
                                    edgecolor="#333333", zorder=2))
        ax.text(x_in, y_b, _num(bias), ha="center", va="center", fontsize=11, zorder=3)
        ax.text(x_in - 0.45, y_b, "bias b", ha="right", va="center", fontsize=10)
        terms.append(bias)
    ax.add_patch(Circle((x_sum, y_sum), 0.45, facecolor=OKABE_ITO["sky_blue"],
                        edgecolor="#333333", linewidth=1.3, zorder=2))
    ax.text(x_sum, y_sum, "Σ", ha="center", va="center", fontsize=18, zorder=3)
    ax.text(x_sum, y_sum - 0.62, f"weighted sum\nz = {_signed_terms(terms)}\n= {_num(z)}",
            ha="center", va="top", fontsize=9.5, zorder=3,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.9})
    _arrow(ax, (x_sum + 0.47, y_sum), (x_act - 0.75, y_sum))
    _activation_box(ax, activation, threshold, z, out, (x_act, y_sum))
    _arrow(ax, (x_act + 0.75, y_sum), (x_out - 0.37, y_sum))
    ax.add_patch(Circle((x_out, y_sum), 0.35, facecolor=OKABE_ITO["orange"],
                        edgecolor="#333333", linewidth=1.3, zorder=2))
    ax.text(x_out, y_sum, _num(out) if activation == "step" else f"{out:.2f}",
            ha="center", va="center", fontsize=12, fontweight="bold", zorder=3)
    ax.text(x_out, y_sum + 0.5, "output", ha="center", va="bottom", fontsize=10)
    if output_name:
        ax.text(x_out, y_sum - 0.5, str(output_name), ha="center", va="top", fontsize=9.5)
    for x_head, label in ((x_in, "inputs x"), (x_sum, "sum"), (x_act, "activation")):
        ax.text(x_head, top + 0.75, label, ha="center", va="bottom", fontsize=10,
                color="#555555")
    ax.text((x_in + x_sum) / 2, top + 0.75, "weights w", ha="center", va="bottom",
            fontsize=10, color="#555555")
    ax.set_xlim(0.0, 12.0)
    ax.set_ylim(min(-0.6, y_sum - 1.9), top + 1.25)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return fig


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=15,
                                 color="#333333", linewidth=1.5, zorder=1))


def _activation_box(ax, activation, threshold, z, out, centre):
    """The activation as a box holding its curve, with the neuron's z marked on it."""
    cx, cy = centre
    ax.add_patch(FancyBboxPatch((cx - 0.75, cy - 0.55), 1.5, 1.1, boxstyle="round,pad=0.03",
                                facecolor="white", edgecolor="#333333", linewidth=1.3,
                                zorder=2))
    inset = ax.inset_axes((cx - 0.65, cy - 0.45, 1.3, 0.9), transform=ax.transData, zorder=3)
    span = max(2.0, abs(z - threshold) * 1.5)
    grid = np.linspace(threshold - span, threshold + span, 201)
    curve = np.array([_neuron_output(activation, g, threshold) for g in grid])
    _plot_curve(inset, grid, curve, color=OKABE_ITO["blue"])
    inset.plot([z], [out], "o", color=OKABE_ITO["orange"], markeredgecolor="black",
               markersize=6, zorder=4)
    inset.axvline(threshold, color="#999999", linewidth=0.8, linestyle=":")
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_visible(False)
    if activation == "step":
        rule = f"step: 1 if z > {_num(threshold)}, else 0"
        verdict = (f"{_num(z)} {'>' if z > threshold else '≤'} {_num(threshold)}, "
                   f"so {_num(out)}")
    else:
        shifted = f"z − {_num(threshold)}" if threshold else "z"
        rule = f"{activation}({shifted})"
        verdict = f"{activation}({_num(z - threshold)}) = {out:.2f}"
    ax.text(cx, cy - 0.68, f"{rule}\n{verdict}", ha="center", va="top", fontsize=9.5)
