"""Figures and explorers of chapter 10, *Generalisation*, in the course style of :mod:`nnlib.viz`.

The runs they draw come from :mod:`nnlib.explore.generalisation` (cached, so a figure never
trains a network twice). Each helper returns a :class:`matplotlib.figure.Figure`.

- Polynomials: :func:`polynomial_fits` (four degrees side by side),
  :func:`polynomial_error_curve` (training and held-out error against the degree).
- Two moons: :func:`overfitting_curves` (loss and accuracy per epoch of one run),
  :func:`validation_curves` (the validation loss of several runs),
  :func:`probability_regions` (what each network believes, point by point of the plane),
  :func:`right_class_histograms` (how much probability the right answers get).
- Shifted digits: :func:`shifted_digit_row`, :func:`augmentation_bars`.
- Explorers: :func:`polynomial_figure` (degree and number of points -> fitted curve and
  errors) and :func:`capacity_figure` (hidden units and training points -> the network's
  regions and its training and validation scores), with their controls and
  :func:`polynomial_explorer` / :func:`capacity_explorer`.
"""
import matplotlib
import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from nnlib.explore import generalisation as gen
from nnlib.viz.style import (CLASS_COLOURS, CLASS_MARKERS, OKABE_ITO, STYLE, _fig_ax, _styled,
                             panel_grid, subplots)

__all__ = [
    "polynomial_fits", "polynomial_error_curve", "overfitting_curves", "validation_curves",
    "probability_regions", "right_class_histograms", "shifted_digit_row", "augmentation_bars",
    "polynomial_figure", "polynomial_controls", "polynomial_explorer", "POLY_DEGREES",
    "POLY_SIZES", "capacity_figure", "capacity_controls", "capacity_explorer",
    "CAPACITY_WIDTHS", "CAPACITY_SIZES",
]

_TRAIN, _HELD_OUT = OKABE_ITO["blue"], OKABE_ITO["orange"]
_TRUE = OKABE_ITO["black"]
_FIT = OKABE_ITO["vermillion"]
#: y range of the curve panels: a wild polynomial leaves it, and the panel says so.
_CURVE_YLIM = (-2.0, 2.0)
#: y range of the error-against-degree panels.
_ERROR_YLIM = (1e-3, 1e13)
#: The part of the plane the moons panels show.
_MOONS_XLIM, _MOONS_YLIM = (-2.0, 3.0), (-1.75, 2.25)
#: From "surely class 0" (vermillion) through "no idea" (white) to "surely class 1" (blue).
_BELIEF = LinearSegmentedColormap.from_list(
    "belief", [CLASS_COLOURS[0], "#ffffff", CLASS_COLOURS[1]])


# ---------------------------------------------------------------------------- formatting

def format_mse(value):
    """An error for a title: 3 decimals when small, else a power of ten (``3.2 x 10^6``)."""
    if value < 100:
        return f"{value:.3f}"
    exponent = int(np.floor(np.log10(value)))
    return f"${value / 10 ** exponent:.1f} \\times 10^{{{exponent}}}$"


def _check_choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")
    return value


# ---------------------------------------------------------------------------- polynomials

def _curve_panel(ax, degree, n_train, seed, show_val=False):
    """Training points, the true curve and the fitted polynomial of ``degree``."""
    data = gen.curve_split(seed)
    x, y = data.train(n_train)
    p = gen.fit_polynomial(x, y, degree)
    grid = np.linspace(0, 1, 600)
    if show_val:
        ax.scatter(data.x_val, data.y_val, s=8, color=_HELD_OUT, alpha=0.3, linewidths=0,
                   label="validation points", zorder=1)
    ax.plot(grid, gen.true_curve(grid), color=_TRUE, linestyle="--", linewidth=1.2,
            label="true curve", zorder=2)
    fitted = p(grid)
    ax.plot(grid, np.clip(fitted, *_CURVE_YLIM), color=_FIT, linewidth=2,
            label=f"degree-{degree} fit", zorder=3)
    ax.scatter(x, y, s=22 if n_train <= 30 else 12, color=_TRAIN, zorder=4,
               label=f"{n_train} training points")
    if np.any(fitted < _CURVE_YLIM[0]) or np.any(fitted > _CURVE_YLIM[1]):
        peak = np.max(np.abs(fitted))
        ax.text(0.5, 0.03, f"the fit leaves the plot (reaches {format_mse(peak)})",
                transform=ax.transAxes, ha="center", va="bottom", fontsize=9, color=_FIT)
    ax.set_xlim(0, 1)
    ax.set_ylim(*_CURVE_YLIM)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return p, x, y


@_styled
def polynomial_fits(degrees=(1, 3, 9, 14), n_train=15, seed=gen.CURVE_SEED):
    """One panel per degree: the ``n_train`` noisy points, the true curve and the
    least-squares polynomial, titled with its training and test mean squared error."""
    degrees = list(degrees)
    if not degrees:
        raise ValueError("degrees: expected at least one degree, got none")
    data = gen.curve_split(seed)
    fig, axes = panel_grid(len(degrees), (4.4, 3.3), ncols=2, sharex=True, sharey=True)
    for ax, degree in zip(axes, degrees):
        p, x, y = _curve_panel(ax, degree, n_train, seed)
        train = gen.mse(p(x), y)
        test = gen.mse(p(data.x_test), data.y_test)
        ax.set_title(f"Degree {degree}: training {format_mse(train)}, test {format_mse(test)}",
                     fontsize=11)
        ax.label_outer()
    axes[0].legend(loc="upper right", fontsize=8)
    fig.suptitle(f"Polynomials fitted to {n_train} noisy points (mean squared errors)",
                 fontweight="bold")
    return fig


@_styled
def polynomial_error_curve(n_train=15, seed=gen.CURVE_SEED, held_out="test", degree=None,
                           max_degree=None, ax=None):
    """Training and held-out ('test' or 'val') mean squared error against the degree
    (log scale), with the noise floor; ``degree`` marks one degree."""
    _check_choice("held_out", held_out, ("test", "val"))
    max_degree = min(14, n_train - 1) if max_degree is None else max_degree
    errors = gen.polynomial_errors(range(max_degree + 1), n_train, seed)
    fig, ax = _fig_ax(ax, figsize=(6.4, 4.0))
    name = "test" if held_out == "test" else "validation"
    low, high = _ERROR_YLIM
    for key, marker, colour, label in (("train", "o", _TRAIN, "training error"),
                                       (held_out, "s", _HELD_OUT, f"{name} error")):
        # values beyond the axis sit on its edge (a training error of 1e-20 is zero here)
        ax.semilogy(errors["degree"], np.clip(errors[key], low * 1.2, high / 1.2),
                    marker=marker, color=colour, label=label)
    ax.axhline(gen.CURVE_NOISE ** 2, color=_TRUE, linestyle=":", linewidth=1.2,
               label=f"noise floor {gen.CURVE_NOISE ** 2:.2f}")
    if degree is not None:
        ax.axvline(degree, color=_FIT, linewidth=1.5, alpha=0.6)
    ax.set_ylim(low, high)
    ax.set_yticks([10.0 ** k for k in range(-3, 14, 3)])
    ax.set_xlim(-0.5, max_degree + 0.5)
    ax.set_xticks(range(0, max_degree + 1, 2))
    ax.set_xlabel("degree of the polynomial (capacity)")
    ax.set_ylabel("mean squared error (log scale)")
    ax.set_title(f"Error against degree, {n_train} training points")
    ax.legend(loc="upper left", fontsize=9, frameon=True, framealpha=0.9)
    return fig


# ---------------------------------------------------------------------------- moons: curves

@_styled
def overfitting_curves(run, title="One network, 100 training points"):
    """Loss and accuracy per epoch of a :class:`~nnlib.explore.generalisation.MoonsRun`,
    on the training and the validation set; the epoch of lowest validation loss is
    marked."""
    h = run.history
    epochs = np.arange(1, h.epochs_run + 1)
    best = int(np.argmin(h.val_loss)) + 1
    fig, (left, right) = subplots(1, 2, figsize=(10.0, 3.9))
    left.plot(epochs, h.loss, color=_TRAIN, label="training loss")
    left.plot(epochs, h.val_loss, color=_HELD_OUT, label="validation loss")
    left.axvline(best, color=_TRUE, linestyle=":", linewidth=1.2)
    left.annotate(f"lowest validation loss\n(epoch {best})", xy=(best, h.val_loss[best - 1]),
                  xytext=(best + 25, 1.2), fontsize=9,
                  arrowprops={"arrowstyle": "->", "color": _TRUE})
    left.set_ylim(0, 2.0)
    left.set_xlabel("epoch (one gradient step each)")
    left.set_ylabel("loss (cross-entropy)")
    left.set_title("Loss")
    left.legend(loc="upper right", fontsize=9)
    right.plot(epochs, 100 * np.asarray(h.accuracy), color=_TRAIN, label="training")
    right.plot(epochs, 100 * np.asarray(h.val_accuracy), color=_HELD_OUT, label="validation")
    right.axvline(best, color=_TRUE, linestyle=":", linewidth=1.2)
    right.set_ylim(50, 101)
    right.set_xlabel("epoch (one gradient step each)")
    right.set_ylabel("accuracy (%)")
    right.set_title("Accuracy")
    right.legend(loc="lower right", fontsize=9)
    fig.suptitle(title, fontweight="bold")
    return fig


@_styled
def validation_curves(runs, ax=None, title="Validation loss during training"):
    """The validation loss per epoch of each run in ``runs`` (a dict label -> MoonsRun);
    a run stopped early ends with a dot at the epoch it kept."""
    fig, ax = _fig_ax(ax, figsize=(7.2, 4.0))
    for (label, run), colour in zip(runs.items(), matplotlib.rcParams["axes.prop_cycle"]
                                    .by_key()["color"]):
        h = run.history
        epochs = np.arange(1, h.epochs_run + 1)
        ax.plot(epochs, h.val_loss, color=colour, label=label, linewidth=1.8)
        if run.best_epoch is not None:
            ax.plot(run.best_epoch, h.val_loss[run.best_epoch - 1], "o", color=colour,
                    markersize=7)
    ax.set_ylim(0, 2.0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation loss (cross-entropy)")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(True)
    return fig


# ---------------------------------------------------------------------------- moons: regions

def _belief_panel(ax, model, X, y, resolution=80):
    """Shade the plane by the network's probability of class 1; draw its 50 % line and the
    points (X (N, 2), y (N,))."""
    gx, gy = np.meshgrid(np.linspace(*_MOONS_XLIM, resolution),
                         np.linspace(*_MOONS_YLIM, resolution))
    p1 = gen.class1_probability(model, np.column_stack([gx.ravel(), gy.ravel()]))
    p1 = p1.reshape(gx.shape)
    image = ax.imshow(p1, origin="lower", extent=(*_MOONS_XLIM, *_MOONS_YLIM), aspect="auto",
                      cmap=_BELIEF, vmin=0, vmax=1, alpha=0.75, interpolation="bilinear")
    if p1.min() < 0.5 < p1.max():
        ax.contour(gx, gy, p1, levels=[0.5], colors=_TRUE, linewidths=1.0)
    for label in (0, 1):
        ax.scatter(*np.asarray(X)[y == label].T, s=14, color=CLASS_COLOURS[label],
                   marker=CLASS_MARKERS[label], edgecolors="white", linewidths=0.5)
    ax.set_xlim(*_MOONS_XLIM)
    ax.set_ylim(*_MOONS_YLIM)
    ax.set_xticks([-2, 0, 2])
    ax.set_yticks([-1, 0, 1, 2])
    return image


@_styled
def probability_regions(runs, ncols=2):
    """One panel per run (a dict label -> MoonsRun): the plane shaded by the network's
    probability of class 1 (deep colour = sure, white = unsure), its decision boundary
    and the training points, titled with training and test accuracy."""
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    fig, axes = panel_grid(len(runs), (4.0, 3.4), ncols=ncols, sharex=True, sharey=True,
                           title_room=0.9)
    for ax, (label, run) in zip(axes, runs.items()):
        X, y = gen.moons_split().train(run.n_train)
        image = _belief_panel(ax, run.model, X, y)
        s = run.scores
        ax.set_title(f"{label}\ntrain {100 * s['train_accuracy']:.0f} %, "
                     f"test {100 * s['test_accuracy']:.1f} %", fontsize=10)
        ax.label_outer()
    bar = fig.colorbar(image, ax=axes, shrink=0.8, pad=0.02)
    bar.set_label("probability of the blue class")
    fig.supxlabel("feature 1", fontsize=10)
    fig.supylabel("feature 2", fontsize=10)
    fig.suptitle("What each network believes about every point of the plane",
                 fontweight="bold")
    return fig


@_styled
def right_class_histograms(runs, X, y, bins=20):
    """For each run (a dict label -> MoonsRun), a histogram of the probability the network
    gives to the right class of every point of X (N, 2) with labels y (N,), with its mean
    cross-entropy. Bars left of 0.5 are mistakes; the leftmost bar holds the confident
    mistakes, the ones cross-entropy punishes hardest."""
    if not runs:
        raise ValueError("runs: expected at least one run, got none")
    fig, axes = panel_grid(len(runs), (4.6, 3.2), ncols=2, sharey=True, title_room=0.5)
    edges = np.linspace(0, 1, bins + 1)
    for ax, (label, run) in zip(axes, runs.items()):
        report = gen.confidence_report(run.model, X, y)
        p = gen.true_class_probability(run.model, X, y)
        counts, _ = np.histogram(p, edges)
        colours = [CLASS_COLOURS[0] if right < 0.5 + 1e-9 else _TRAIN
                   for right in edges[1:]]
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=colours,
               edgecolor="white", linewidth=0.5)
        ax.set_yscale("log")
        ax.set_ylim(0.8, 2 * len(X))
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability given to the right class")
        ax.set_title(f"{label}: cross-entropy {report['loss']:.2f}", fontsize=11)
        ax.text(0.03, 0.95, f"wrong: {100 * report['wrong']:.1f} %\n"
                f"wrong and >99 % sure: {100 * report['confidently_wrong']:.1f} %",
                transform=ax.transAxes, ha="left", va="top", fontsize=9)
    axes[0].set_ylabel("test points (log scale)")
    fig.suptitle("How sure the networks are of the right answer on the test set",
                 fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- shifted digits

@_styled
def shifted_digit_row(image, title="One digit and its four one-pixel shifts"):
    """An 8x8 image (8, 8) and its copies moved one pixel right, left, down and up."""
    image = np.asarray(image, dtype=float)
    if image.shape != (8, 8):
        raise ValueError(f"image: expected one 8x8 image (8, 8), got shape {image.shape}")
    names = ["original", "right", "left", "down", "up"]
    images = [image] + [gen.shift_images(image[None], dy, dx)[0] for dy, dx in gen.SHIFTS]
    fig, axes = subplots(1, 5, figsize=(8.0, 2.2))
    for ax, picture, name in zip(axes, images, names):
        ax.imshow(picture, cmap="gray_r", vmin=0, vmax=image.max() or 1)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():  # a frame, so the shift shows against the edges
            spine.set_visible(True)
            spine.set_color("#999999")
        ax.set_title(name, fontsize=10)
    fig.suptitle(title, fontweight="bold")
    return fig


@_styled
def augmentation_bars(plain, augmented, ax=None):
    """Accuracy on the ordinary and on the shifted test digits of two runs
    (:class:`~nnlib.explore.generalisation.AugmentationRun`): trained without and with
    shifted copies."""
    fig, ax = _fig_ax(ax, figsize=(6.4, 3.8))
    groups = ["ordinary test digits", "test digits shifted\nby one pixel"]
    width = 0.36
    for k, (run, label, colour) in enumerate(((plain, "trained on the originals", _TRAIN),
                                              (augmented, "trained with shifted copies",
                                               _HELD_OUT))):
        values = 100 * np.array([run.test_accuracy, run.shifted_accuracy])
        xs = np.arange(2) + (k - 0.5) * width
        bars = ax.bar(xs, values, width=width, color=colour, label=label)
        for bar, value in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, value + 1.5, f"{value:.1f} %",
                    ha="center", va="bottom", fontsize=10)
    ax.set_xticks(np.arange(2), groups)
    ax.set_xlabel("test images")
    ax.set_ylim(0, 125)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Data augmentation: shifted copies teach the shift")
    ax.legend(loc="upper center", fontsize=9, ncol=2)
    return fig


# ---------------------------------------------------------------------------- explorers

#: Degrees of the polynomial explorer's slider.
POLY_DEGREES = (0, 14)
#: Training-set sizes of the polynomial explorer's menu.
POLY_SIZES = (15, 30, 100)


def polynomial_figure(degree=3, n_points=15):
    """Explorer: a polynomial of ``degree`` (0-14) fitted to ``n_points`` noisy points.

    Left: the points, the true curve, the fit and its training and validation errors.
    Right: both errors for every degree at this data size, the chosen degree marked.
    """
    _check_choice("n_points", n_points, POLY_SIZES)
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) \
            or not POLY_DEGREES[0] <= degree <= POLY_DEGREES[1]:
        raise ValueError(f"degree: expected a whole number from {POLY_DEGREES[0]} to "
                         f"{POLY_DEGREES[1]}, got {degree!r}")
    fig, (left, right) = subplots(1, 2, figsize=(10.4, 4.0), layout=None,
                                  gridspec_kw={"width_ratios": (1.15, 1), "wspace": 0.3})
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9)
    with matplotlib.rc_context(STYLE):
        data = gen.curve_split(gen.CURVE_SEED)
        p, x, y = _curve_panel(left, degree, n_points, gen.CURVE_SEED, show_val=True)
        train = gen.mse(p(x), y)
        val = gen.mse(p(data.x_val), data.y_val)
        left.set_title(f"Degree {degree}: training {format_mse(train)}, "
                       f"validation {format_mse(val)}", fontsize=11)
        left.legend(loc="upper right", fontsize=8, frameon=True, framealpha=0.9)
        polynomial_error_curve(n_points, gen.CURVE_SEED, held_out="val", degree=degree,
                               max_degree=POLY_DEGREES[1], ax=right)
    return fig


def polynomial_controls():
    """Degree 0-14 (15 values) and the number of points (3): 45 frames."""
    from nnlib.explore import Dropdown, Slider
    return (Slider("degree", POLY_DEGREES[0], POLY_DEGREES[1], 1, 3, label="degree"),
            Dropdown("n_points", list(POLY_SIZES), 15, label="training points"))


def polynomial_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`polynomial_figure`."""
    from nnlib.explore import explore
    return explore(polynomial_figure, *polynomial_controls(),
                   title="Capacity and data: a polynomial fitted to noisy points")


#: Hidden units per layer in the capacity explorer's menu (a 2-w-w-2 network).
CAPACITY_WIDTHS = (2, 8, 32, 256)
#: Training-set sizes in the capacity explorer's menu.
CAPACITY_SIZES = (25, 100, 400, 1000)


def capacity_figure(width=256, n_train=100):
    """Explorer: a 2-``width``-``width``-2 network trained on ``n_train`` moons points
    (the chapter's budget, seed 0).

    Left: the plane shaded by the network's belief, its decision boundary and the training
    points. Right: training and validation accuracy and cross-entropy.
    """
    _check_choice("width", width, CAPACITY_WIDTHS)
    _check_choice("n_train", n_train, CAPACITY_SIZES)
    run = gen.train_moons(0, n_train=n_train, width=width)
    X, y = gen.moons_split().train(n_train)
    fig, (left, right) = subplots(1, 2, figsize=(10.0, 4.2), layout=None,
                                  gridspec_kw={"width_ratios": (1.25, 1), "wspace": 0.3})
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.87)
    with matplotlib.rc_context(STYLE):
        _belief_panel(left, run.model, X, y)
        n_params = sum(p.data.size for p in run.model.parameters())
        left.set_title(f"2-{width}-{width}-2 network ({n_params:,} parameters),\n"
                       f"{n_train} training points", fontsize=11)
        left.set_xlabel("feature 1")
        left.set_ylabel("feature 2")
        _scores_panel(right, run)
    return fig


def _scores_panel(ax, run):
    """Bars of training and validation accuracy, with the cross-entropy written on them."""
    s = run.scores
    values = 100 * np.array([s["train_accuracy"], s["val_accuracy"]])
    losses = [s["train_loss"], s["val_loss"]]
    bars = ax.bar([0, 1], values, color=[_TRAIN, _HELD_OUT], width=0.6)
    for bar, value, loss in zip(bars, values, losses):
        centre = bar.get_x() + bar.get_width() / 2
        ax.text(centre, value + 1.5, f"{value:.0f} %", ha="center", va="bottom",
                fontsize=12, fontweight="bold")
        ax.text(centre, 6, f"cross-\nentropy\n{loss:.2f}", ha="center", va="bottom",
                fontsize=10, color="white", fontweight="bold")
    gap = values[0] - values[1]
    ax.set_title(f"Accuracy gap: {gap:.0f} percentage points", fontsize=11)
    ax.set_xticks([0, 1], ["training", "validation"])
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("accuracy (%)")
    ax.grid(True, axis="y")


def capacity_controls():
    """Hidden units (4 choices) and training points (4 choices): 16 frames, 16 runs."""
    from nnlib.explore import Dropdown
    return (Dropdown("width", list(CAPACITY_WIDTHS), 256, label="hidden units per layer"),
            Dropdown("n_train", list(CAPACITY_SIZES), 100, label="training points"))


def capacity_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`capacity_figure`."""
    from nnlib.explore import explore
    return explore(capacity_figure, *capacity_controls(),
                   title="Capacity and data: a network on two moons")
