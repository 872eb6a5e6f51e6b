"""Figures for chapter 5, *Loss functions*: how far off a prediction is, as a number.

Every helper returns a matplotlib Figure in the course style (:mod:`nnlib.viz`); helpers
that draw one panel accept ``ax=`` and then return ``ax.figure``. The losses themselves
come from :mod:`nnlib.losses`; the curves here are computed with the same formulas on a
grid of predictions.

The explorer :func:`loss_figure` (controls :func:`loss_controls`, wrapper
:func:`loss_explorer`) marks one prediction on the squared-error and cross-entropy curves.
"""
import numpy as np

from nnlib.viz.style import OKABE_ITO, _fig_ax, _styled, subplots

__all__ = [
    "squared_error", "binary_cross_entropy_curve", "distance_line", "house_price_fit",
    "neg_log_curve", "loss_figure", "loss_controls", "loss_explorer",
]

#: The smallest and largest predicted probability the curves draw (log(0) is -inf).
P_MIN, P_MAX = 0.005, 0.995


def squared_error(prediction, target):
    """``(prediction - target)**2``, elementwise (ndarrays or floats)."""
    return (np.asarray(prediction, dtype=float) - target) ** 2


def binary_cross_entropy_curve(prediction, target):
    """``-(t log p + (1 - t) log(1 - p))`` elementwise, for p strictly inside (0, 1)."""
    p = np.asarray(prediction, dtype=float)
    if p.size and (p.min() <= 0 or p.max() >= 1):
        raise ValueError(f"prediction: expected probabilities strictly between 0 and 1, "
                         f"got values from {p.min()!r} to {p.max()!r}")
    return -(target * np.log(p) + (1 - target) * np.log1p(-p))


def _check_probability(name, value):
    if not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


@_styled
def distance_line(predictions, target=1.0, ax=None, title=None):
    """Predictions and the target on a 0-1 number line, with each error as a gap.

    predictions: dict label -> predicted probability (e.g. {"good guess": 0.92}).
    Each prediction gets its own row; the distance ``|target - prediction|`` is drawn
    as a bracket and written above it. Returns the Figure.
    """
    if not isinstance(predictions, dict) or not predictions:
        raise ValueError(f"predictions: expected a non-empty dict label -> probability, "
                         f"got {predictions!r}")
    target = _check_probability("target", target)
    fig, ax = _fig_ax(ax, figsize=(6.4, 1.2 + 0.8 * len(predictions)))
    colours = [OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"],
               OKABE_ITO["purple"]]
    for row, (label, p) in enumerate(predictions.items()):
        p = _check_probability(f"predictions[{label!r}]", p)
        y = -row
        colour = colours[row % len(colours)]
        ax.plot([0, 1], [y, y], color="#bbbbbb", linewidth=1)
        ax.plot([p, target], [y, y], color=colour, linewidth=5, alpha=0.45,
                solid_capstyle="butt")
        ax.scatter([p], [y], s=80, color=colour, edgecolors="black", zorder=3)
        ax.scatter([target], [y], s=120, marker="*", color=OKABE_ITO["yellow"],
                   edgecolors="black", zorder=4)
        ax.text((p + target) / 2, y + 0.18, f"error = |{target:g} - {p:g}| = "
                f"{abs(target - p):.2f}", ha="center", va="bottom", fontsize=9)
        ax.text(-0.03, y, label, ha="right", va="center", fontsize=10)
    ax.set_xlim(-0.02, 1.04)
    ax.set_ylim(-len(predictions) + 0.4, 0.75)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("predicted probability (the star is the right answer)")
    ax.set_title(title or "Error as a distance from the right answer")
    return fig


@_styled
def house_price_fit(size, price, predicted, ax=None, title=None,
                    xlabel="size (square metres)", ylabel="price (thousands)"):
    """House prices against size, a model's predictions, and each error as a segment.

    size, price, predicted: 1-D arrays of the same length N (predicted = the model's
    price for each house). Returns the Figure.
    """
    size, price, predicted = (np.asarray(a, dtype=float).reshape(-1)
                              for a in (size, price, predicted))
    if not size.shape == price.shape == predicted.shape:
        raise ValueError(f"size, price, predicted: expected the same length, got "
                         f"{size.shape[0]}, {price.shape[0]} and {predicted.shape[0]}")
    fig, ax = _fig_ax(ax, figsize=(5.6, 3.8))
    ax.vlines(size, price, predicted, color=OKABE_ITO["vermillion"], linewidth=1.2,
              label="error (prediction - price)")
    ax.scatter(size, price, s=28, color=OKABE_ITO["blue"], edgecolors="black",
               linewidths=0.5, zorder=3, label="real price")
    order = np.argsort(size)
    ax.plot(size[order], predicted[order], color="#333333", linewidth=2,
            label="model's prediction")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Predicted against real house prices")
    ax.legend(loc="upper left", fontsize=9)
    return fig


@_styled
def neg_log_curve(marked=(0.99, 0.9, 0.5, 0.1, 0.01), ax=None,
                  title="Cross-entropy: the cost of the right answer's probability"):
    """The curve ``-log p`` for p in (0, 1], with the points in ``marked`` labelled.

    p is the probability the model gave to the right answer. Returns the Figure.
    """
    marked = np.asarray(marked, dtype=float)
    if marked.size and (marked.min() <= 0 or marked.max() > 1):
        raise ValueError(f"marked: expected probabilities in (0, 1], got {marked.tolist()}")
    fig, ax = _fig_ax(ax, figsize=(5.6, 3.8))
    p = np.linspace(P_MIN, 1.0, 400)
    ax.plot(p, -np.log(p), color=OKABE_ITO["blue"], linewidth=2, label="$-\\log p$")
    ax.scatter(marked, -np.log(marked), s=45, color=OKABE_ITO["vermillion"],
               edgecolors="black", zorder=3)
    high = 0
    for q in sorted(marked):
        if q > 0.6:  # points near the bottom right: stack their labels upwards, to the left
            high += 1
            offset, align = (-6, 40 + 22 * high), "right"
        else:
            offset, align = (8, 4), "left"
        ax.annotate(f"p = {q:g}: loss {-np.log(q):.2f}", (q, -np.log(q)), xytext=offset,
                    textcoords="offset points", fontsize=9, ha=align,
                    arrowprops={"arrowstyle": "-", "color": "#999999", "linewidth": 0.8})
    ax.set_xlim(0, 1.05)
    ax.set_ylim(-0.2, -np.log(P_MIN) + 0.3)
    ax.set_xlabel("probability given to the right answer, p")
    ax.set_ylabel("loss $-\\log p$")
    ax.set_title(title)
    return fig


# ---------------------------------------------------------------------------------------
# The chapter 5 explorer
# ---------------------------------------------------------------------------------------
def _loss_panel(ax, p_grid, curve, prediction, value, colour, name):
    ax.plot(p_grid, curve, color=colour, linewidth=2)
    ax.scatter([prediction], [value], s=80, color=colour, edgecolors="black", zorder=3)
    ax.vlines(prediction, 0, value, color=colour, linestyle=":", linewidth=1)
    ax.text(0.5, 0.95, f"{name} = {value:.3f}", transform=ax.transAxes, ha="center",
            va="top", fontsize=10, fontweight="bold", color=colour,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#cccccc"})
    ax.set_xlim(0, 1)
    ax.set_xlabel("predicted probability p")


@_styled
def loss_figure(prediction=0.35, target=1):
    """Squared error and cross-entropy of one predicted probability (chapter 5's explorer).

    prediction: the model's probability for class 1, in (0, 1); target: the right
    answer, 0 or 1. Left: ``(p - t)^2`` against p; right: ``-(t log p + (1-t) log(1-p))``
    against p; the current prediction is marked on both. Returns the Figure.
    """
    p = _check_probability("prediction", prediction)
    if not 0 < p < 1:
        raise ValueError(f"prediction: expected a probability strictly between 0 and 1, "
                         f"got {prediction!r}")
    if target not in (0, 1):
        raise ValueError(f"target: expected 0 or 1, got {target!r}")
    grid = np.linspace(P_MIN, P_MAX, 300)
    # A fixed layout (what automatic layout gives this figure): it is drawn 100 times for
    # the book, and automatic layout would take half of each frame's time.
    fig, (left, right) = subplots(1, 2, figsize=(8.8, 3.4), sharex=True, layout=None,
                                  gridspec_kw={"wspace": 0.2})  # room between 1.0 and 0.0
    fig.subplots_adjust(left=0.069, right=0.981, bottom=0.15, top=0.841)
    _loss_panel(left, grid, squared_error(grid, target), p,
                float(squared_error(p, target)), OKABE_ITO["orange"], "squared error")
    left.set_ylim(0, 1.35)
    left.set_ylabel("loss")
    left.set_title("Squared error $(p - t)^2$", fontsize=11)
    ce = binary_cross_entropy_curve(grid, target)
    _loss_panel(right, grid, ce, p, float(binary_cross_entropy_curve(p, target)),
                OKABE_ITO["blue"], "cross-entropy")
    right.set_ylim(0, ce.max() * 1.2)
    right.set_title("Cross-entropy $-\\log$ p(right answer)", fontsize=11)
    fig.suptitle(f"Right answer t = {target}, prediction p = {p:g}", fontweight="bold")
    return fig


def loss_controls():
    """Controls of :func:`loss_figure`: prediction 0.01 to 0.99 (step 0.02) and the target
    0 or 1: 50 x 2 = 100 frames for the static book."""
    from nnlib.explore import Dropdown, Slider
    return (Slider("prediction", 0.01, 0.99, 0.02, 0.35, label="prediction p"),
            Dropdown("target", [1, 0], 1, label="right answer t"))


def loss_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`loss_figure`."""
    from nnlib.explore import explore
    return explore(loss_figure, *loss_controls(),
                   title="Squared error and cross-entropy of one prediction")
