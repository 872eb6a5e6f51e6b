"""The course's explorers: pure ``parameters -> Figure`` functions and their controls.

Each explorer is two things: a pure function that draws one figure from plain numbers
(testable, and usable without any widget library), and a small wrapper that hands that
function to :func:`nnlib.explorer.explore` with the controls to show. ``explore`` gives
live ipywidgets in JupyterLab and a precomputed static twin in the published book, so the
controls' grids are kept small: every combination becomes one frame of the static twin.
"""
import numpy as np

from . import viz

__all__ = ["NEURON_ACTIVATIONS", "NEURON_RANGES", "neuron_figure", "neuron_controls",
           "neuron_explorer"]

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
    from .explorer import Dropdown, Slider
    return (Slider("w1", -2, 2, 1, 1),
            Slider("w2", -2, 2, 1, 1),
            Slider("b", -1.5, 1.5, 1.0, -1.5),
            Dropdown("activation", list(NEURON_ACTIVATIONS), "sigmoid"))


def neuron_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`neuron_figure` (chapter 2)."""
    from .explorer import explore
    return explore(neuron_figure, *neuron_controls(),
                   title="One neuron: output = activation(w1·x1 + w2·x2 + b)")
