"""Figures for backpropagation (chapter 7) and training end to end (chapter 8).

- :func:`value_graph`: the computational graph of an :class:`nnlib.Value` expression, each
  node showing its value and its gradient (chapter 7).
- :func:`backward_shapes_figure`: the three matrix products of a dense layer (forward,
  gradient of the weights, gradient passed down), each matrix a grid of boxes whose
  numbers are written in, so that the shapes visibly fit (chapter 7).
- :func:`stepper_figure`: a one-hidden-layer network drawn at step ``k`` of a
  :class:`nnlib.explore.stepper.BackpropStepper`: values on the neurons, gradients beside them and
  on the weights (chapter 7); :func:`backprop_explorer` is the chapter's explorer.
- :func:`confusion_matrix_plot` and :func:`misclassified_grid` (chapter 8).

Every function returns a :class:`matplotlib.figure.Figure` drawn in the course style of
:mod:`nnlib.viz`.
"""
import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from nnlib.scalar import Value, trace
from nnlib.explore.stepper import BackpropStepper
from nnlib.viz.style import OKABE_ITO, _fig_ax, _styled, subplots

__all__ = [
    "value_graph", "backward_shapes_figure", "stepper_figure", "backprop_explorer", "EXAMPLE_NETWORK",
    "EXAMPLE_INPUTS", "example_stepper", "confusion_matrix_plot", "misclassified_grid",
]

VALUE_COLOUR = OKABE_ITO["blue"]
GRAD_COLOUR = OKABE_ITO["vermillion"]
HIGHLIGHT = OKABE_ITO["orange"]


# ---------------------------------------------------------------------------------------
# Computational graph of a Value expression
# ---------------------------------------------------------------------------------------
def _graph_layout(root):
    """x (column) and y (row) of every node: the root on the right, inputs to the left.

    A node's column is its longest distance from the root; leaves get consecutive rows in
    depth-first order and every other node sits at the mean row of its inputs.
    """
    nodes, edges = trace(root)
    dist = {id(root): 0}
    for node in reversed(nodes):  # root first: parents are placed before their inputs
        for child in node._prev:
            dist[id(child)] = max(dist.get(id(child), 0), dist[id(node)] + 1)
    depth = max(dist.values())
    ys, seen, stack = {}, set(), [root]
    while stack:  # leaves get rows in depth-first order from the root
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not node._prev:
            ys[id(node)] = float(len(ys))
        stack.extend(reversed(node._prev))
    n_rows = len(ys)
    for node in nodes:  # inputs first, so every child already has a row
        if node._prev:
            ys[id(node)] = float(np.mean([ys[id(c)] for c in node._prev]))
    pos = {id(n): (depth - dist[id(n)], n_rows - 1 - ys[id(n)]) for n in nodes}
    return nodes, edges, pos, n_rows


def _node_text(node, show_grad):
    name = node.label or ("constant" if not node._prev else "")
    text = f"{name}\n= {node.data + 0.0:.4f}"
    if show_grad:
        text += f"\ngrad {node.grad + 0.0:.4f}"
    return text


@_styled
def value_graph(root, show_grad=True, title=None, ax=None):
    """Draw the computational graph that produced ``root`` (an :class:`nnlib.Value`).

    Each box is a value: its label, its number and, with ``show_grad``, its ``.grad``
    (call ``root.backward()`` first). Each small circle is the operation that combined
    the boxes on its left into the box on its right. Returns the Figure.
    """
    if not isinstance(root, Value):
        raise ValueError(f"root: expected an nnlib.Value, got {type(root).__name__}")
    nodes, edges, pos, n_rows = _graph_layout(root)
    n_cols = 1 + max(x for x, _ in pos.values())
    # 1.15 inch per column: the 7 columns of chapter 7's neuron fit the book's 672 px
    # unshrunk, so the 9-point text stays readable.
    fig, ax = _fig_ax(ax, figsize=(1.15 * n_cols + 0.3, 0.78 * max(n_rows, 2) + 0.9))
    box_w, box_h = 0.72, 0.68 if show_grad else 0.48
    op_x = box_w / 2 + 0.13  # an operation's circle sits this far left of its result
    for child, parent in edges:
        (xc, yc), (xp, yp) = pos[id(child)], pos[id(parent)]
        ax.plot([xc + box_w / 2, xp - op_x], [yc, yp], color="#888888", linewidth=1,
                zorder=1)
    for node in nodes:
        x, y = pos[id(node)]
        if node._prev:
            ax.plot([x - op_x, x - box_w / 2], [y, y], color="#888888", linewidth=1, zorder=1)
            ax.plot([x - op_x], [y], marker="o", markersize=16, markerfacecolor="white",
                    markeredgecolor="#555555", zorder=2)  # a marker stays round
            ax.text(x - op_x, y, _op_symbol(node._op), ha="center", va="center", fontsize=8,
                    zorder=3)
        edge = HIGHLIGHT if node is root else "#333333"
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02", facecolor="#f4f8fc",
                                    edgecolor=edge, linewidth=1.2, zorder=2))
        lines = _node_text(node, show_grad).split("\n")
        offsets = np.linspace(box_h * 0.3, -box_h * 0.3, len(lines))
        colours = ["black", VALUE_COLOUR, GRAD_COLOUR]
        for line, dy, colour in zip(lines, offsets, colours):
            ax.text(x, y + dy, line, ha="center", va="center", fontsize=9, color=colour,
                    zorder=3, fontweight="bold" if colour == "black" else "normal")
    ax.set_xlim(-box_w / 2 - 0.04, n_cols - 1 + box_w / 2 + 0.04)
    ax.set_ylim(-box_h / 2 - 0.04, n_rows - 1 + box_h / 2 + 0.04)
    ax.axis("off")
    ax.set_title(title or ("Computational graph: values (blue) and gradients (red)"
                           if show_grad else "Computational graph: values"))
    return fig


def _op_symbol(op):
    return {"+": "+", "*": "×", "exp": "exp", "log": "log", "tanh": "tanh",
            "sigmoid": "σ", "relu": "relu"}.get(op, op.replace("**", "^"))


# ---------------------------------------------------------------------------------------
# The matrix products of a dense layer, shapes drawn as boxes
# ---------------------------------------------------------------------------------------
_CELL_FILL = {"input": "#e8f1fa", "weight": "#fdf0dc", "grad": "#fbe4d8"}


def _entry(v):
    """A matrix entry as short text: 7, -1.5, 0.25 (no '-0')."""
    v = float(v) + 0.0
    return f"{v:.0f}" if v == round(v) else f"{v:.3g}"


def _draw_matrix(ax, M, x0, name, letters, kind, lit=()):
    """Draw matrix ``M`` (r, c) as r x c unit boxes, left edge at ``x0``, centred on y = 0,
    with its name and its shape written under it (1.3 units). ``lit``: (row, col) boxes to
    outline in orange. Returns the x of its right edge.
    """
    rows, cols = M.shape
    top = rows / 2
    for (i, j), v in np.ndenumerate(M):
        ax.add_patch(Rectangle((x0 + j, top - i - 1), 1, 1, facecolor=_CELL_FILL[kind],
                               edgecolor="#999999", linewidth=0.8, zorder=1))
        ax.text(x0 + j + 0.5, top - i - 0.5, _entry(v), ha="center", va="center",
                fontsize=10, zorder=3,
                color=GRAD_COLOUR if kind == "grad" else "#222222")
    for i, j in lit:
        ax.add_patch(Rectangle((x0 + j + 0.04, top - i - 0.96), 0.92, 0.92, fill=False,
                               edgecolor=HIGHLIGHT, linewidth=2.4, zorder=2))
    ax.add_patch(Rectangle((x0, -top), cols, rows, fill=False, edgecolor="#333333",
                           linewidth=1.4, zorder=2))
    ax.text(x0 + cols / 2, -top - 0.12, name, ha="center", va="top", fontsize=11)
    ax.text(x0 + cols / 2, -top - 0.72, f"{letters} = ({rows}, {cols})", ha="center",
            va="top", fontsize=9, color="#555555")
    return x0 + cols


def _check_layer(X, W, dZ):
    arrays = []
    for name, a in (("X", X), ("W", W), ("dZ", dZ)):
        a = np.asarray(a, dtype=float)
        if a.ndim != 2 or min(a.shape) < 1 or max(a.shape) > 4:
            raise ValueError(f"{name}: expected a 2-D array with 1 to 4 rows and columns "
                             f"(small enough to write every number), got shape {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError(f"{name}: expected finite numbers, got NaN or inf")
        arrays.append(a)
    X, W, dZ = arrays
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"W: expected {X.shape[1]} rows, one per column of X (shape "
                         f"{X.shape}), got shape {W.shape}")
    if dZ.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"dZ: expected the shape of Z = X @ W, {(X.shape[0], W.shape[1])}, "
                         f"got shape {dZ.shape}")
    return X, W, dZ


@_styled
def backward_shapes_figure(X, W, dZ, highlight=(0, 1), title=None):
    """The three matrix products of a dense layer ``Z = X @ W``, drawn as boxes (chapter 7).

    Rows: the forward pass ``Z = X W``; the gradient of the weights ``dL/dW = X^T dL/dZ``;
    the gradient passed down ``dL/dX = dL/dZ W^T``. Every matrix is a grid of unit boxes
    with its numbers written in, named, with its shape in letters and in numbers, so the
    reader sees that the inner sizes match and that every gradient has the shape of its
    variable. ``highlight = (i, j)`` (0-based) outlines entry (i, j) of dL/dW and the row
    of X^T and the column of dL/dZ that make it; ``None`` outlines nothing.

    X: (N, D), W: (D, H), dZ: (N, H), each at most 4 x 4. Returns the Figure.
    """
    X, W, dZ = _check_layer(X, W, dZ)
    D, H = W.shape
    if highlight is not None:
        i, j = highlight
        if not (0 <= i < D and 0 <= j < H):
            raise ValueError(f"highlight: expected (i, j) with 0 <= i < {D} and 0 <= j < {H} "
                             f"(an entry of W), got {highlight!r}")
    rows = [
        ("Forward: $Z = X\\,W$",
         [(X, "$X$", "(N, D)", "input"), (W, "$W$", "(D, H)", "weight"),
          (X @ W, "$Z$", "(N, H)", "input")]),
        ("Gradient of the weights: $\\partial L/\\partial W = X^\\top\\,\\partial L/\\partial Z$",
         [(X.T, r"$X^\top$", "(D, N)", "input"),
          (dZ, r"$\partial L/\partial Z$", "(N, H)", "grad"),
          (X.T @ dZ, r"$\partial L/\partial W$", "(D, H)", "grad")]),
        ("Gradient passed down: $\\partial L/\\partial X = \\partial L/\\partial Z\\,W^\\top$",
         [(dZ, r"$\partial L/\partial Z$", "(N, H)", "grad"),
          (W.T, r"$W^\top$", "(H, D)", "weight"),
          (dZ @ W.T, r"$\partial L/\partial X$", "(N, D)", "grad")]),
    ]
    widths = [sum(m.shape[1] for m, *_ in parts) + 2 * 1.2 for _, parts in rows]
    widest = max(max(widths), 10.0) + 0.4
    tallest = max(m.shape[0] for _, parts in rows for m, *_ in parts)
    low, high = -tallest / 2 - 1.35, tallest / 2 + 0.1     # room for the names and shapes
    unit = 0.55                                            # inches per box
    fig, axes = subplots(len(rows), 1, figsize=(unit * widest + 0.4,
                                               unit * (high - low) * len(rows) + 1.3))
    for r, (ax, (heading, parts), width) in enumerate(zip(axes, rows, widths)):
        x = (widest - width) / 2
        for k, (M, name, letters, kind) in enumerate(parts):
            lit = ()
            if highlight is not None and r == 1:
                i, j = highlight
                lit = {0: [(i, n) for n in range(M.shape[1])],
                       1: [(n, j) for n in range(M.shape[0])], 2: [(i, j)]}[k]
            x = _draw_matrix(ax, M, x, name, letters, kind, lit)
            if k < 2:
                ax.text(x + 0.6, 0, "×" if k == 0 else "=", ha="center", va="center",
                        fontsize=16)
                x += 1.2
        ax.set_xlim(0, widest)
        ax.set_ylim(low, high)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(heading, fontsize=11)
    fig.suptitle(title or "A dense layer: one product forward, two backward",
                 fontweight="bold")
    return fig


# ---------------------------------------------------------------------------------------
# The backprop stepper
# ---------------------------------------------------------------------------------------
#: The 2-2-1 sigmoid network of chapter 7 (weights chosen by hand, stored (in, out)).
EXAMPLE_NETWORK = {
    "W1": np.array([[0.5, -0.4], [0.3, 0.8]]),
    "b1": np.array([0.1, -0.2]),
    "W2": np.array([[0.9], [-0.7]]),
    "b2": np.array([0.05]),
}

#: Example inputs for the explorer's dropdown: label -> (x, y).
EXAMPLE_INPUTS = {
    "x = (1, 0), y = 1": ([1.0, 0.0], 1.0),
    "x = (0, 1), y = 1": ([0.0, 1.0], 1.0),
    "x = (1, 1), y = 0": ([1.0, 1.0], 0.0),
}


def example_stepper(example="x = (1, 0), y = 1", activation="sigmoid", loss="mse"):
    """A :class:`BackpropStepper` for :data:`EXAMPLE_NETWORK` and one of
    :data:`EXAMPLE_INPUTS`."""
    if example not in EXAMPLE_INPUTS:
        raise ValueError(f"example: expected one of {list(EXAMPLE_INPUTS)}, got {example!r}")
    x, y = EXAMPLE_INPUTS[example]
    return BackpropStepper(**EXAMPLE_NETWORK, x=x, y=y, activation=activation, loss=loss)


def _column_positions(n, x):
    ys = np.linspace(1.2, -1.2, n) if n > 1 else np.array([0.0])
    return [(x, float(y)) for y in ys]


def _fmt(v, digits=3):
    """A number for the drawing ('?' while unknown, no '-0.000')."""
    return "?" if not np.isfinite(v) else f"{float(v) + 0.0:.{digits}f}"


def _changed(state):
    """Set of (array name, index) filled by the step just taken."""
    if state.step is None:
        return set()
    out = set()
    for name, index in state.step.updates:
        if isinstance(index, tuple):  # a weight column: every row of it
            rows = state.values[name].shape[0]
            out.update((name, (i, index[1])) for i in range(rows))
        else:
            out.add((name, index))
    return out


def _draw_edge(ax, a, b, w, g, lit, frac):
    ax.plot([a[0], b[0]], [a[1], b[1]], color=HIGHLIGHT if lit else "#aaaaaa",
            linewidth=2.6 if lit else 1.0, zorder=1)
    mx, my = a[0] + frac * (b[0] - a[0]), a[1] + frac * (b[1] - a[1])
    text = f"w {w:.2f}" + ("" if not np.isfinite(g) else f"\n∂ {_fmt(g, 4)}")
    ax.text(mx, my, text, ha="center", va="center", fontsize=7.5, zorder=4,
            color=GRAD_COLOUR if np.isfinite(g) else "#333333",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                  "edgecolor": "none", "alpha": 0.9})


def _draw_neuron(ax, centre, lines, lit, colour="#f4f8fc"):
    ax.add_patch(Circle(centre, 0.52, facecolor=colour, zorder=2,
                        edgecolor=HIGHLIGHT if lit else "#333333",
                        linewidth=3 if lit else 1.2))
    offsets = np.linspace(0.27, -0.27, len(lines)) if len(lines) > 1 else [0.0]
    for (text, c), dy in zip(lines, offsets):
        ax.text(centre[0], centre[1] + dy, text, ha="center", va="center", fontsize=8,
                color=c, zorder=3)


def _neuron_lines(state, pre, post, j, pre_name, post_name):
    v, g = state.values, state.grads
    lines = [(f"{pre_name} {_fmt(v[pre][j])}", VALUE_COLOUR),
             (f"{post_name} {_fmt(v[post][j])}", VALUE_COLOUR)]
    if np.isfinite(g[post][j]):
        lines.append((f"∂{post_name} {_fmt(g[post][j])}", GRAD_COLOUR))
    if np.isfinite(g[pre][j]):
        lines.append((f"∂{pre_name} {_fmt(g[pre][j])}", GRAD_COLOUR))
    return lines


@_styled
def stepper_figure(stepper, k, ax=None, title=None):
    """Draw ``stepper``'s network after its first ``k`` steps (0 <= k <= len(steps)).

    Neurons show their weighted sum z and activation (blue) once computed, and their
    gradients ∂L/∂z, ∂L/∂h (red) once the backward pass reaches them; every edge shows its
    weight and, once known, ∂L/∂w. What step ``k`` just computed is outlined in orange and
    its arithmetic is written under the drawing. Returns the Figure.
    """
    if not isinstance(stepper, BackpropStepper):
        raise ValueError(f"stepper: expected a BackpropStepper, got {type(stepper).__name__}")
    state = stepper.state_at(k)
    D, H, O = stepper.sizes
    v, g = state.values, state.grads
    changed = _changed(state)
    fig, ax = _fig_ax(ax, figsize=(9.6, 5.0))
    xs, hs, os_ = (_column_positions(D, 0.0), _column_positions(H, 3.2),
                   _column_positions(O, 6.4))
    loss_pos = (8.6, 0.0)
    for W, src, dst, name, frac in (("W1", xs, hs, "W1", 0.3), ("W2", hs, os_, "W2", 0.45)):
        for i, a in enumerate(src):
            for j, b in enumerate(dst):
                lit = (name, (i, j)) in changed
                _draw_edge(ax, a, b, v[W][i, j], g[W][i, j], lit, frac)
    for o, a in enumerate(os_):
        ax.plot([a[0], loss_pos[0]], [a[1], loss_pos[1]], color="#aaaaaa", linewidth=1,
                zorder=1)
    for i, c in enumerate(xs):
        _draw_neuron(ax, c, [(f"x{i + 1}", "black"), (f"{v['x'][i]:.2f}", VALUE_COLOUR)],
                     False, colour="white")
    for layer, pos, pre, post, bias, pre_n, post_n in (
            ("hidden", hs, "z1", "h", "b1", "z", "h"),
            ("output", os_, "z2", "yhat", "b2", "z", "ŷ")):
        for j, c in enumerate(pos):
            lit = (pre, j) in changed or (post, j) in changed
            _draw_neuron(ax, c, _neuron_lines(state, pre, post, j, pre_n, post_n), lit)
            bias_lit = (bias, j) in changed
            text = f"b {v[bias][j]:.2f}" + (f"  ∂ {_fmt(g[bias][j], 4)}"
                                            if np.isfinite(g[bias][j]) else "")
            ax.text(c[0], c[1] - 0.62, text, ha="center", va="top", fontsize=7.5,
                    color=GRAD_COLOUR if np.isfinite(g[bias][j]) else "#333333",
                    fontweight="bold" if bias_lit else "normal")
    loss_lit = ("L", None) in changed
    loss_lines = [(f"target y {_fmt(v['y'][0])}", "black"), (f"L {_fmt(v['L'])}", VALUE_COLOUR)]
    if np.isfinite(g["L"]):
        loss_lines.append(("∂L/∂L 1", GRAD_COLOUR))
    ax.add_patch(FancyBboxPatch((loss_pos[0] - 0.7, -0.45), 1.4, 0.9,
                                boxstyle="round,pad=0.05", facecolor="#fdf3e7", zorder=2,
                                edgecolor=HIGHLIGHT if loss_lit else "#333333",
                                linewidth=3 if loss_lit else 1.2))
    for (text, c), dy in zip(loss_lines, np.linspace(0.25, -0.25, len(loss_lines))):
        ax.text(loss_pos[0], dy, text, ha="center", va="center", fontsize=8, color=c,
                zorder=3)
    for x, label in ((0.0, "input"), (3.2, "hidden layer"), (6.4, "output"),
                     (loss_pos[0], f"loss ({stepper.loss})")):
        ax.text(x, 1.95, label, ha="center", va="bottom", fontsize=9, fontweight="bold")
    caption = ("Start: the input, the target and the weights are known. Press step."
               if state.step is None else state.step.formula)
    ax.text(4.3, -2.15, caption, ha="center", va="top", fontsize=8.5, wrap=True,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#fffbe6",
                  "edgecolor": HIGHLIGHT})
    ax.text(9.4, -2.75, "blue: values   red: gradients ∂L/∂(·)   orange: this step",
            ha="right", va="top", fontsize=7.5, color="#555555")
    ax.set_xlim(-0.7, 9.5)
    ax.set_ylim(-3.0, 2.3)
    ax.set_aspect("equal")
    ax.axis("off")
    n = len(stepper.steps)
    if title is None:
        phase = "before the forward pass" if state.step is None else f"{state.step.phase} pass"
        title = f"Step {k} of {n} ({phase})"
    ax.set_title(title)
    return fig


def backprop_explorer(step=0, example="x = (1, 0), y = 1"):
    """The chapter 7 explorer: :data:`EXAMPLE_NETWORK` on one of :data:`EXAMPLE_INPUTS`,
    drawn after ``step`` steps (0..17). Returns the Figure."""
    # A fixed layout (what automatic layout gives this figure): automatic layout would
    # take a quarter of the time of each of the book's frames.
    fig, ax = subplots(figsize=(9.6, 5.0), layout=None)
    fig.subplots_adjust(left=0.004, right=0.996, bottom=0.008, top=0.95)
    return stepper_figure(example_stepper(example), int(step), ax=ax)


# ---------------------------------------------------------------------------------------
# Classification results (chapter 8)
# ---------------------------------------------------------------------------------------
@_styled
def confusion_matrix_plot(matrix, class_names=None, ax=None, title="Confusion matrix"):
    """Heatmap of a confusion matrix (rows: true class, columns: predicted class), every
    cell labelled with its count. matrix: (C, C) non-negative integers. Returns the Figure.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 1:
        raise ValueError(f"matrix: expected a square (C, C) array, got shape {matrix.shape}")
    if matrix.dtype.kind not in "iu" or matrix.min() < 0:
        raise ValueError("matrix: expected non-negative integer counts, "
                         f"got dtype {matrix.dtype} with minimum {matrix.min()}")
    n = matrix.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(n))]
    if len(names) != n:
        raise ValueError(f"class_names: expected {n} names, got {len(names)}")
    fig, ax = _fig_ax(ax, figsize=(0.5 * n + 2.6, 0.45 * n + 2.2))
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(int(matrix.max()), 1))
    threshold = matrix.max() / 2
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    fontsize=9 if n <= 10 else 7,
                    color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(range(n), names, rotation=0 if max(map(len, names)) <= 3 else 30)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="number of examples", shrink=0.8)
    return fig


@_styled
def misclassified_grid(images, y_true, y_pred, max_images=16, ncols=8, image_shape=(8, 8),
                       title="Examples the network got wrong"):
    """A grid of the first ``max_images`` wrongly classified images.

    images: (N, P) or (N, h, w) pixel arrays (the 8x8 digits: (N, 64)); y_true, y_pred:
    (N,) integer labels. Each panel is titled ``true → predicted``. Returns the Figure.
    """
    images = np.asarray(images, dtype=float)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if images.ndim == 2:
        if images.shape[1] != int(np.prod(image_shape)):
            raise ValueError(f"images: expected {int(np.prod(image_shape))} pixels per row "
                             f"for image_shape {image_shape}, got shape {images.shape}")
        images = images.reshape(-1, *image_shape)
    elif images.ndim != 3:
        raise ValueError(f"images: expected shape (N, P) or (N, h, w), got {images.shape}")
    if not len(images) == len(y_true) == len(y_pred):
        raise ValueError(f"images, y_true, y_pred: expected the same number of samples, got "
                         f"{len(images)}, {len(y_true)} and {len(y_pred)}")
    if max_images < 1 or ncols < 1:
        raise ValueError(f"max_images, ncols: expected positive integers, got "
                         f"{max_images} and {ncols}")
    wrong = np.flatnonzero(y_true != y_pred)[:max_images]
    if len(wrong) == 0:
        fig, ax = subplots(figsize=(4, 1.2))
        ax.text(0.5, 0.5, "No mistakes: every example is classified correctly.",
                ha="center", va="center")
        ax.axis("off")
        ax.set_title(title)
        return fig
    ncols = min(ncols, len(wrong))
    nrows = int(np.ceil(len(wrong) / ncols))
    fig, axes = subplots(nrows, ncols, figsize=(1.2 * ncols + 0.3, 1.35 * nrows + 0.6))
    axes = np.atleast_1d(axes).ravel()
    for ax, idx in zip(axes, wrong):
        ax.imshow(images[idx], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"{y_true[idx]} → {y_pred[idx]}", fontsize=9, color=GRAD_COLOUR,
                     fontweight="normal")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(wrong):]:
        ax.axis("off")
    fig.suptitle(f"{title} (true → predicted)", fontweight="bold")
    return fig
