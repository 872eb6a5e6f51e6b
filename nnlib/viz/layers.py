"""Figures of chapter 3, *Layers*: inputs as images and vectors, labelled network
diagrams, hidden-layer coordinates, first-layer weights, and the layer-sizes explorer.

Every helper returns a :class:`matplotlib.figure.Figure` drawn in the course style of
:mod:`nnlib.viz`. Shapes follow the course convention: a batch is (N, D), a weight matrix
is (in, out).
"""
import numbers

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from nnlib import viz
from nnlib.viz.basics import _default_layer_name
from nnlib.viz.style import CLASS_COLOURS, OKABE_ITO, _fig_ax, _styled, subplots

__all__ = [
    "image_and_vector", "labelled_network", "hidden_space", "weight_images",
    "EXPLORER_INPUT", "explorer_network", "layer_sizes_figure", "layer_sizes_controls",
    "layer_sizes_explorer", "matmul_figure",
]


# ---------------------------------------------------------------------------------------
# Inputs: an image is a grid of numbers, flattened into one input vector
# ---------------------------------------------------------------------------------------
@_styled
def image_and_vector(image, title="An image becomes a vector", vmax=1.0, show_values=True,
                     value_fmt="{:g}"):
    """Draw a 2-D image (H, W) above its flattened vector (H*W,) (chapter 3).

    Top: the image, one square per pixel, each with its number when ``show_values``.
    Bottom: the same numbers in reading order (row after row), one cell per input neuron,
    with a tick at the start of every image row. Pixel values run from 0 (black) to
    ``vmax`` (white). Returns the Figure.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image: expected a 2-D array (height, width), got shape {image.shape}")
    if not vmax > 0:
        raise ValueError(f"vmax: expected a positive number, got {vmax!r}")
    height, width = image.shape
    vector = image.reshape(1, -1)
    fig = Figure(figsize=(9.0, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[4, 1])
    style = {"cmap": "gray", "vmin": 0, "vmax": vmax, "interpolation": "nearest"}
    top.imshow(image, **style)
    top.set_title(f"{title}: {height} x {width} pixels")
    top.set_xticks(range(width))
    top.set_yticks(range(height))
    top.set_xlabel("column")
    top.set_ylabel("row")
    bottom.imshow(vector, aspect="auto", **style)
    bottom.set_yticks([])
    bottom.set_xticks(np.arange(0, height * width, width))
    bottom.set_xlabel(f"input neuron (position in the vector of {height * width} numbers)")
    bottom.set_title("the same pixels, row after row: the input layer")
    for x in np.arange(width, height * width, width) - 0.5:
        bottom.axvline(x, color=OKABE_ITO["orange"], linewidth=1.5)
    if show_values:
        _write_values(top, image, vmax, value_fmt, fontsize=9)
        if height * width <= 64:
            _write_values(bottom, vector, vmax, value_fmt, fontsize=7)
    return fig


def _write_values(ax, grid, vmax, value_fmt, fontsize):
    for (r, c), v in np.ndenumerate(grid):
        ax.text(c, r, value_fmt.format(v), ha="center", va="center", fontsize=fontsize,
                color="black" if v > 0.5 * vmax else "white")


# ---------------------------------------------------------------------------------------
# Network diagrams with labelled neurons
# ---------------------------------------------------------------------------------------
_COL = 3.0      # horizontal distance between layers (one neuron row = 1)
_RADIUS = 0.34


def _check_per_layer(name, items, sizes):
    if items is None:
        return None
    if len(items) != len(sizes):
        raise ValueError(f"{name}: expected one entry per layer ({len(sizes)}), got {len(items)}")
    for k, (item, size) in enumerate(zip(items, sizes)):
        if item is not None and len(item) != size:
            raise ValueError(f"{name}[{k}]: expected {size} entries (the layer size), "
                             f"got {len(item)}")
    return items


def _shown(size, max_neurons):
    """Indices drawn for a layer of ``size`` and the row of the ellipsis (or None)."""
    if size <= max_neurons:
        return list(range(size)), None
    head = (max_neurons + 1) // 2
    tail = max_neurons - 1 - head
    return list(range(head)) + list(range(size - tail, size)), head


def _positions(column, idx, gap, height):
    rows = len(idx) + (gap is not None)
    ys = [(height - 1) / 2 + (rows - 1) / 2 - (r if gap is None or r < gap else r + 1)
          for r in range(len(idx))]
    return {i: (column * _COL, y) for i, y in zip(idx, ys)}


@_styled
def labelled_network(layer_sizes, values=None, weights=None, neuron_labels=None,
                     layer_names=None, ax=None, max_neurons=8, value_fmt="{:.2f}",
                     hide_zero_weights=True, title=None, min_rows=1):
    """Draw a layered network with optional names, values and weights (chapter 3).

    Parameters
    ----------
    layer_sizes : list of int, e.g. [128, 10, 5, 4]
    values : optional list, one 1-D array (or None) per layer
        Each neuron is shaded by its value (0 white .. 1 dark blue) and the value is
        written inside.
    weights : optional list, one (in, out) array (or None) per pair of layers
        A line's colour shows the sign (blue positive, vermillion negative), its width
        ``|w|``. Zero weights are not drawn when ``hide_zero_weights``. Pairs given as
        None are drawn as thin grey lines.
    neuron_labels : optional list, one list of strings (or None) per layer
        Written beside each neuron (left of the first layer, right of the others).
    layer_names : optional list of strings written under each layer
    max_neurons : int
        A wider layer is drawn in max_neurons rows: its first and last neurons around a
        "⋮".
    min_rows : int
        Draw at the scale of a layer this tall even if all layers are smaller (keeps an
        explorer's frames at one scale).

    Returns the Figure.
    """
    sizes = [int(s) for s in layer_sizes]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"layer_sizes: expected positive layer sizes, got {list(layer_sizes)}")
    if max_neurons < 3:
        raise ValueError(f"max_neurons: expected at least 3, got {max_neurons}")
    _check_per_layer("values", values, sizes)
    _check_per_layer("neuron_labels", neuron_labels, sizes)
    if layer_names is not None and len(layer_names) != len(sizes):
        raise ValueError(f"layer_names: expected {len(sizes)} names, got {len(layer_names)}")
    _check_weights(weights, sizes)
    shown = [_shown(s, max_neurons) for s in sizes]
    height = max([min_rows] + [len(i) + (g is not None) for i, g in shown])
    # At most the book's 672 px (8.4 inches) wide, so that the text is never shrunk.
    fig, ax = _fig_ax(ax, figsize=(min(2.3 * len(sizes) + 1.5, 8.4), 0.62 * height + 1.4))
    pos = [_positions(c, i, g, height) for c, (i, g) in enumerate(shown)]
    _draw_edges(ax, pos, weights, hide_zero_weights)
    for layer, (idx, gap) in enumerate(shown):
        layer_values = None if values is None else values[layer]
        labels = None if neuron_labels is None else neuron_labels[layer]
        _draw_neurons(ax, pos[layer], layer_values, labels, value_fmt, left=layer == 0)
        x = layer * _COL
        if gap is not None:
            ax.text(x, (height - 1) / 2 + (len(idx)) / 2 - gap, "⋮", ha="center",
                    va="center", fontsize=18)
        name = (layer_names[layer] if layer_names is not None
                else _default_layer_name(layer, len(sizes)))
        ax.text(x, -0.7, f"{name}\n({sizes[layer]} neuron{'s' if sizes[layer] > 1 else ''})",
                ha="center", va="top", fontsize=9.5)
    ax.set_xlim(-1.6, _COL * (len(sizes) - 1) + 1.6)
    ax.set_ylim(-1.9, height - 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or "A network with layers " + " → ".join(map(str, sizes)))
    return fig


def _check_weights(weights, sizes):
    if weights is None:
        return
    if len(weights) != len(sizes) - 1:
        raise ValueError(f"weights: expected {len(sizes) - 1} arrays (one per pair of "
                         f"layers), got {len(weights)}")
    for k, w in enumerate(weights):
        if w is not None and np.shape(w) != (sizes[k], sizes[k + 1]):
            raise ValueError(f"weights[{k}]: expected shape {(sizes[k], sizes[k + 1])}, "
                             f"got {np.shape(w)}")


def _draw_edges(ax, pos, weights, hide_zero):
    for layer in range(len(pos) - 1):
        w = None if weights is None else weights[layer]
        w = None if w is None else np.asarray(w, dtype=float)
        scale = 1.0 if w is None else (np.abs(w).max() or 1.0)
        for i, (xa, ya) in pos[layer].items():
            for j, (xb, yb) in pos[layer + 1].items():
                if w is None:
                    style = {"color": "#bbbbbb", "linewidth": 0.7}
                elif hide_zero and w[i, j] == 0:
                    continue
                else:
                    style = {"color": CLASS_COLOURS[int(w[i, j] >= 0)],
                             "linewidth": 0.5 + 2.5 * abs(w[i, j]) / scale}
                ax.plot([xa, xb], [ya, yb], zorder=1, **style)


def _draw_neurons(ax, positions, values, labels, value_fmt, left):
    cmap = colormaps["Blues"]
    for i, (x, y) in positions.items():
        v = None if values is None else float(values[i])
        face = "white" if v is None else cmap(0.1 + 0.75 * float(np.clip(v, 0, 1)))
        ax.add_patch(Circle((x, y), _RADIUS, facecolor=face, edgecolor="#333333",
                            linewidth=1.2, zorder=2))
        if v is not None:
            ax.text(x, y, value_fmt.format(v), ha="center", va="center", fontsize=8.5,
                    zorder=3, color="white" if v > 0.6 else "black")
        if labels is not None and labels[i]:  # on a white box above the lines
            dx = -(_RADIUS + 0.12) if left else _RADIUS + 0.12
            ax.text(x + dx, y, labels[i], ha="right" if left else "left", va="center",
                    fontsize=10, zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})


# ---------------------------------------------------------------------------------------
# XOR: what the hidden layer does to the four points
# ---------------------------------------------------------------------------------------
@_styled
def hidden_space(H, y, w, b, ax=None, point_labels=None, title="The hidden layer's view",
                 xlabel="hidden neuron 1", ylabel="hidden neuron 2", padding=0.3):
    """Scatter points at their hidden-layer coordinates H (N, 2), coloured by label y (N,),
    and draw the output neuron's line ``w[0]*h1 + w[1]*h2 + b = 0`` (chapter 3, XOR).

    point_labels : optional N strings written next to the points (e.g. "(0,1)"); points
    landing on the same spot share one label line. Returns the Figure.
    """
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[1] != 2:
        raise ValueError(f"H: expected shape (N, 2), got shape {H.shape}")
    if point_labels is not None and len(point_labels) != len(H):
        raise ValueError(f"point_labels: expected {len(H)} labels, got {len(point_labels)}")
    fig, ax = _fig_ax(ax, figsize=(4.6, 4.2))
    viz.scatter_classes(H, y, ax=ax, labels=("XOR = 0", "XOR = 1"))
    low, high = H.min(axis=0) - padding, H.max(axis=0) + padding
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    viz.boundary_line(ax, w, b, label="output neuron's line")
    if point_labels is not None:
        _label_points(ax, H, point_labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8, frameon=True, framealpha=0.85)
    return fig


def _label_points(ax, H, labels):
    spots = {}
    for h, text in zip(np.round(H, 6), labels):
        spots.setdefault(tuple(h), []).append(text)
    for (a, b), texts in spots.items():
        ax.annotate(" & ".join(texts), (a, b), xytext=(8, -4), textcoords="offset points",
                    fontsize=9, bbox={"facecolor": "white", "edgecolor": "none",
                                      "alpha": 0.8, "pad": 1})


# ---------------------------------------------------------------------------------------
# What a first layer looks for
# ---------------------------------------------------------------------------------------
@_styled
def weight_images(W, image_shape=(8, 8), ncols=8, title="What each hidden neuron looks for",
                  signed=True, each=True, names=None):
    """Show each column of W (D, H) as an image of ``image_shape`` (D = height * width).

    signed=True (weights): blue pixels push the neuron up, vermillion pixels push it down,
    white is 0. signed=False (e.g. average images): dark is high. each=True scales every
    image to its own largest value, so weak neurons stay visible. names: optional H
    titles (default "neuron k"). Chapter 3. Returns the Figure.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != int(np.prod(image_shape)):
        raise ValueError(f"W: expected shape ({int(np.prod(image_shape))}, H) for images of "
                         f"{image_shape}, got shape {W.shape}")
    n = W.shape[1]
    if names is not None and len(names) != n:
        raise ValueError(f"names: expected {n} titles, got {len(names)}")
    nrows = int(np.ceil(n / ncols))
    fig, axes = subplots(nrows, ncols, figsize=(1.3 * ncols, 1.45 * nrows + 0.6))
    axes = np.atleast_1d(axes).ravel()
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k >= n:
            continue
        column = W[:, k] if each else W
        limit = np.abs(column).max() or 1.0
        style = ({"cmap": "RdBu", "vmin": -limit, "vmax": limit} if signed
                 else {"cmap": "gray_r", "vmin": 0, "vmax": limit})
        ax.imshow(W[:, k].reshape(image_shape), interpolation="nearest", **style)
        ax.set_title(names[k] if names is not None else f"neuron {k + 1}", fontsize=8,
                     fontweight="normal")
    fig.suptitle(title, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------------------
# Explorer: layer sizes -> network, parameter count, activations of one example
# ---------------------------------------------------------------------------------------
#: The example the explorer feeds through every network it draws: 3 input values.
EXPLORER_INPUT = np.array([0.9, 0.2, 0.6])

_MAX_WIDTH = 8
_N_OUT = 2


def _check_width(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or not low <= value <= _MAX_WIDTH:
        raise ValueError(f"{name}: expected an integer in [{low}, {_MAX_WIDTH}], got {value!r}")
    return int(value)


def explorer_network(hidden1, hidden2, seed=3):
    """The explorer's network: 3 inputs -> hidden1 -> (hidden2, skipped if 0) -> 2 outputs,
    sigmoid after every layer, built with :class:`nnlib.nn.Linear` (chapter 3).

    The weights are cut from fixed 8-wide random matrices, so widening a layer adds
    neurons without changing the ones already there. Returns a ``nnlib.nn.Sequential``.
    """
    from nnlib import nn
    from nnlib.tensor import Tensor
    hidden1 = _check_width("hidden1", hidden1, 1)
    hidden2 = _check_width("hidden2", hidden2, 0)
    rng = np.random.default_rng(seed)
    full = [rng.normal(0, 1.5, size=shape) for shape in
            ((3, _MAX_WIDTH), (_MAX_WIDTH, _MAX_WIDTH), (_MAX_WIDTH, _N_OUT))]
    biases = [rng.normal(0, 0.5, size=n) for n in (_MAX_WIDTH, _MAX_WIDTH, _N_OUT)]
    sizes = [3, hidden1] + ([hidden2] if hidden2 else []) + [_N_OUT]
    blocks = [(full[0], biases[0])] + ([(full[1], biases[1])] if hidden2 else [])
    blocks.append((full[2], biases[2]))
    layers = []
    for (w, b), n_in, n_out in zip(blocks, sizes[:-1], sizes[1:]):
        linear = nn.Linear(n_in, n_out, rng=rng)
        linear.weight = Tensor(w[:n_in, :n_out].copy(), requires_grad=True)
        linear.bias = Tensor(b[:n_out].copy(), requires_grad=True)
        layers += [linear, nn.Sigmoid()]
    return nn.Sequential(*layers)


def _layer_outputs(model, x):
    """Values of every layer for one example x (D,): the input, then each sigmoid's output."""
    values, h = [np.asarray(x, dtype=float)], x.reshape(1, -1)
    for layer in model:
        h = layer(h)
        if type(layer).__name__ == "Sigmoid":
            values.append(h.data.reshape(-1))
    return values


def layer_sizes_figure(hidden1=4, hidden2=3):
    """The layer-sizes explorer (chapter 3): draw the network 3 -> hidden1 -> hidden2 -> 2
    (hidden2 = 0 removes the second hidden layer) with the values every neuron takes for
    the fixed input :data:`EXPLORER_INPUT`, its weights, and its parameter count worked out
    as a sum of (inputs + 1) x outputs per layer. Returns a Figure.
    """
    model = explorer_network(hidden1, hidden2)
    linears = [m for m in model if type(m).__name__ == "Linear"]
    sizes = [3] + [m.out_features for m in linears]
    terms = [f"({m.in_features}+1)·{m.out_features}" for m in linears]
    total = sum(p.data.size for p in model.parameters())
    names = ["input"] + [f"hidden {k}" for k in range(1, len(sizes) - 1)] + ["output"]
    fig, ax = subplots(figsize=(9.0, 5.6), layout=None)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.88)
    labelled_network(sizes, values=_layer_outputs(model, EXPLORER_INPUT),
                     weights=[m.weight.data for m in linears], layer_names=names, ax=ax,
                     neuron_labels=[["x1", "x2", "x3"]] + [None] * (len(sizes) - 2)
                     + [["output 1", "output 2"]], min_rows=_MAX_WIDTH,
                     title="parameters = " + " + ".join(terms) + f" = {total}")
    ax.title.set_fontweight("normal")
    spare = _COL * (4 - len(sizes)) / 2  # one scale for 3 and 4 layers: centre the network
    ax.set_xlim(-1.6 - spare, _COL * (len(sizes) - 1) + 1.6 + spare)
    fig.suptitle("Network " + " → ".join(map(str, sizes)) + f": {total} parameters",
                 fontweight="bold", fontsize=13)
    return fig


def layer_sizes_controls():
    """Controls of the layer-sizes explorer: hidden1 in 1..8 and hidden2 in 0..8 (0 means
    no second hidden layer): 8 x 9 = 72 frames in the static book."""
    from nnlib.explore import Slider
    return (Slider("hidden1", 1, _MAX_WIDTH, 1, 4, label="neurons in hidden layer 1"),
            Slider("hidden2", 0, _MAX_WIDTH, 1, 3, label="neurons in hidden layer 2 (0 = none)"))


def layer_sizes_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`layer_sizes_figure`."""
    from nnlib.explore import explore
    return explore(layer_sizes_figure, *layer_sizes_controls(),
                   title="Layer sizes: the network, its parameter count and one example's "
                         "values")


# ---------------------------------------------------------------------------------------
# The forward pass as a matrix product, with shapes drawn as boxes
# ---------------------------------------------------------------------------------------
def _check_index(name, value, size, limit):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or not 0 <= value < min(size, limit):
        raise ValueError(f"{name}: expected an integer from 0 to {min(size, limit) - 1}, "
                         f"got {value!r}")
    return int(value)


def _grid_box(ax, left, top, rows, cols, cap, highlight_row=None, highlight_col=None,
              copies=0):
    """Draw a rows x cols matrix as cells (at most ``cap`` a side; the last drawn cell of
    a longer side holds an ellipsis). Returns (width, height) drawn, in cells."""
    shown_r, shown_c = min(rows, cap), min(cols, cap)
    for r in range(shown_r + copies):
        copy = r >= shown_r
        for c in range(shown_c):
            lit = (highlight_row is not None and r == highlight_row) or \
                  (highlight_col is not None and c == highlight_col and not copy)
            face = OKABE_ITO["orange"] if lit else ("#f4f4f4" if copy else "#dbe9f6")
            ax.add_patch(Rectangle((left + c, top - r - 1), 1, 1, facecolor=face,
                                   edgecolor="#777777" if copy else "#333333",
                                   linewidth=0.6, linestyle="--" if copy else "-",
                                   alpha=0.55 if copy else 1.0, zorder=2))
            more_cols = cols > cap and c == shown_c - 1
            more_rows = rows > cap and r == shown_r - 1 and not copy
            if more_cols or more_rows:
                ax.text(left + c + 0.5, top - r - 0.5, "⋱" if more_cols and more_rows
                        else ("⋯" if more_cols else "⋮"), ha="center", va="center",
                        fontsize=9, zorder=3)
    return shown_c, shown_r + copies


@_styled
def matmul_figure(n_examples=4, n_inputs=64, n_neurons=16, row=0, col=5, cap=8):
    """The forward pass of one layer, Z = XW + b, with every matrix drawn as a box of
    cells and its shape written under it (chapter 3).

    X is (N, D) = (n_examples, n_inputs), W is (D, H), b is (H,) and Z is (N, H). A side
    longer than ``cap`` cells is drawn with ``cap`` cells, the last holding an ellipsis.
    Row ``row`` of X, column ``col`` of W, entry ``col`` of b and the entry
    ``Z[row, col]`` they make are coloured orange; b's dashed copies show it added to
    every row (broadcasting). Returns the Figure.
    """
    for name, value in (("n_examples", n_examples), ("n_inputs", n_inputs),
                        ("n_neurons", n_neurons)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    if isinstance(cap, bool) or not isinstance(cap, numbers.Integral) or cap < 3:
        raise ValueError(f"cap: expected an integer of at least 3, got {cap!r}")
    row = _check_index("row", row, n_examples, cap)
    col = _check_index("col", col, n_neurons, cap - (n_neurons > cap))
    fig, ax = subplots(figsize=(8.4, 3.6))
    gap = 2.6
    tall = min(n_inputs, cap)
    top = tall
    boxes = [  # (name, shape text, rows, cols, highlight row, highlight col, copies)
        ("X", f"(N, D) = ({n_examples}, {n_inputs})", n_examples, n_inputs, row, None, 0),
        ("W", f"(D, H) = ({n_inputs}, {n_neurons})", n_inputs, n_neurons, None, col, 0),
        ("b", f"(H,) = ({n_neurons},)", 1, n_neurons, None, col, min(n_examples, cap) - 1),
        ("Z", f"(N, H) = ({n_examples}, {n_neurons})", n_examples, n_neurons, None, None, 0),
    ]
    left = 0.0
    signs = ["×", "+", "=", None]
    for (name, shape, rows, cols, hr, hc, copies), sign in zip(boxes, signs):
        box_top = top if name == "W" else top - (tall - min(n_examples, cap)) / 2
        width, height = _grid_box(ax, left, box_top, rows, cols, cap, hr, hc, copies)
        if name == "Z":
            ax.add_patch(Rectangle((left + col, box_top - row - 1), 1, 1, zorder=3,
                                   facecolor=OKABE_ITO["orange"], edgecolor="black",
                                   linewidth=1.5))
        ax.text(left + width / 2, top + 0.4, name, ha="center", va="bottom", fontsize=14,
                fontweight="bold", fontstyle="italic")
        ax.text(left + width / 2, -0.5, shape, ha="center", va="top", fontsize=9.5)
        if name == "b":
            ax.text(left + width / 2, box_top - height - 0.2, "copied to every row",
                    ha="center", va="top", fontsize=8, color="#555555")
        if sign:
            ax.text(left + width + gap / 2, top / 2, sign, ha="center", va="center",
                    fontsize=18)
        left += width + gap
    ax.text(0, -1.6, f"The D's must match: X has {n_inputs} columns and W has {n_inputs} "
            f"rows.\nIn orange: Z[{row}, {col}] = (row {row} of X) · (column {col} of W) "
            f"+ b[{col}]", ha="left", va="top", fontsize=10, linespacing=1.5)
    ax.set_xlim(-0.3, left - gap + 0.3)
    ax.set_ylim(-3.6, top + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("One layer's forward pass: Z = XW + b")
    return fig
