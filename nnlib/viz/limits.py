"""Figures and the adversarial explorer of chapter 17, *Limits*.

The experiments live in :mod:`nnlib.explore.limits`; these functions draw their results.
:func:`adversarial_figure` is the explorer's pure figure function (eps and a digit -> the
digit, the FGSM perturbation, the altered digit and the CNN's probabilities on both).
"""
import numpy as np
from matplotlib.figure import Figure

from nnlib.explore import limits as lm
from nnlib.viz.style import OKABE_ITO, _styled, subplots

__all__ = ["saliency_figure", "eps_curve_figure", "learning_curve_figure", "ood_figure",
           "adversarial_figure", "adversarial_controls", "adversarial_explorer",
           "EXPLORER_EPS", "example_index"]

#: The explorer's perturbation sizes (shares of full ink).
EXPLORER_EPS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
_GREY = "#999999"


def example_index(digit, seed=0):
    """Index in the test set of split ``seed`` of the first test image of ``digit``."""
    digit = int(digit)
    if not 0 <= digit <= 9:
        raise ValueError(f"digit: expected a whole number from 0 to 9, got {digit!r}")
    return int(np.flatnonzero(lm.digit_data(seed).y_test == digit)[0])


@_styled
def saliency_figure(model, kind, data, indices,
                    title="Saliency maps: which pixels move the score of the right digit?"):
    """Top row: test images ``indices``; bottom row: their saliency maps (``|d score / d
    pixel|`` for the true class), each scaled to its own maximum, over a faint outline of
    the digit."""
    fig, axes = subplots(2, len(indices), figsize=(1.7 * len(indices), 3.9))
    for col, i in enumerate(indices):
        image = lm.to_pixels(data.X_test[i], data)[0]
        label = int(data.y_test[i])
        sal = lm.saliency(model, kind, data.X_test[i], label)
        axes[0, col].imshow(image, cmap="gray_r", vmin=0, vmax=1)
        axes[0, col].set_title(f"a {label}", fontsize=10)
        axes[1, col].imshow(sal / sal.max(), cmap="magma", vmin=0, vmax=1)
        axes[1, col].contour(image, levels=[0.5], colors="white", linewidths=0.6)
        for ax in axes[:, col]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("saliency")
    fig.suptitle(title)
    return fig


@_styled
def eps_curve_figure(eps_values, curves,
                     title="Accuracy under FGSM attack: how big a nudge breaks the model?"):
    """Test accuracy against eps: median over seeds with a band from the lowest to the
    highest. curves: {label: (E, S) accuracies}."""
    fig, ax = subplots(figsize=(6.6, 4.0))
    colours = [OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"]]
    for (label, acc), colour in zip(curves.items(), colours):
        acc = np.asarray(acc)
        ax.plot(eps_values, np.median(acc, axis=1), "o-", color=colour, label=label)
        ax.fill_between(eps_values, acc.min(axis=1), acc.max(axis=1), color=colour, alpha=0.2)
    ax.axhline(0.1, color=_GREY, ls=":", lw=1)
    ax.text(eps_values[-1], 0.12, "guessing (0.1)", ha="right", fontsize=9, color="#555555")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("eps: change of every pixel (share of full ink)")
    ax.set_ylabel("test accuracy")
    ax.legend(loc="upper right")
    ax.set_title(title)
    return fig


@_styled
def learning_curve_figure(per_class_values, acc,
                          title="Accuracy against the number of training examples"):
    """Test accuracy (median over seeds, band min-max) against examples per digit, on a
    log axis."""
    acc = np.asarray(acc)
    fig, ax = subplots(figsize=(6.6, 4.0))
    ax.plot(per_class_values, np.median(acc, axis=1), "o-", color=OKABE_ITO["blue"],
            label="dense network (median of seeds)")
    ax.fill_between(per_class_values, acc.min(axis=1), acc.max(axis=1),
                    color=OKABE_ITO["blue"], alpha=0.2, label="lowest to highest seed")
    ax.set_xscale("log")
    ax.set_xticks(per_class_values, [str(k) for k in per_class_values])
    ax.axhline(0.1, color=_GREY, ls=":", lw=1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("training examples per digit (log scale)")
    ax.set_ylabel("test accuracy")
    ax.legend(loc="lower right")
    ax.set_title(title)
    return fig


@_styled
def ood_figure(summary, data, title="Confident on static: top probability on digits and on noise"):
    """Left: histograms of the top softmax probability on real test digits and on uniform
    noise (from :func:`nnlib.explore.limits.ood_summary`); right: three noise images."""
    fig = Figure(figsize=(9.0, 3.8))
    grid = fig.add_gridspec(3, 3, width_ratios=[3, 0.1, 1], left=0.08, right=0.97,
                            bottom=0.15, top=0.85, hspace=0.35)
    ax = fig.add_subplot(grid[:, 0])
    bins = np.linspace(0, 1, 21)
    ax.hist(summary["conf_real"], bins=bins, alpha=0.7, color=OKABE_ITO["blue"],
            label="real test digits")
    ax.hist(summary["conf_noise"], bins=bins, alpha=0.7, color=OKABE_ITO["orange"],
            label="uniform noise")
    ax.set_xlabel("top softmax probability (the model's confidence)")
    ax.set_ylabel("number of images")
    ax.legend(loc="upper left")
    for row in range(3):
        a = fig.add_subplot(grid[row, 2])
        a.imshow(lm.to_pixels(summary["noise"][row], data)[0], cmap="gray_r", vmin=0, vmax=1)
        a.set_xticks([])
        a.set_yticks([])
        probs = summary["noise_probs"][row]
        a.set_title(f"'{probs.argmax()}' at {probs.max():.2f}", fontsize=9)
    fig.suptitle(title, fontweight="bold")
    return fig


@_styled
def adversarial_figure(eps=0.1, digit=3):
    """The adversarial explorer (chapter 17): the first test image of ``digit``, the FGSM
    perturbation of size ``eps`` against chapter 12's CNN, the altered image, and the
    CNN's probabilities before and after."""
    data = lm.digit_data(0)
    model = lm.trained_model("cnn", 0)
    i = example_index(digit)
    x, y = data.X_test[i:i + 1], data.y_test[i:i + 1]
    adv = lm.fgsm(model, "cnn", x, y, float(eps), data)
    before = lm.probabilities(model, "cnn", x)[0]
    after = lm.probabilities(model, "cnn", adv)[0]
    raw, raw_adv = lm.to_pixels(x, data)[0, 0], lm.to_pixels(adv, data)[0, 0]
    fig, axes = subplots(1, 4, figsize=(11.0, 3.3), layout=None,
                         gridspec_kw={"width_ratios": [1, 1, 1, 1.8]})
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.17, top=0.78, wspace=0.3)
    axes[0].imshow(raw, cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title(f"original: '{before.argmax()}' ({before.max():.2f})", fontsize=10)
    axes[1].imshow(raw_adv - raw, cmap="coolwarm", vmin=-0.3, vmax=0.3)
    axes[1].set_title(f"change (at most {eps:.2f})", fontsize=10)
    axes[2].imshow(raw_adv, cmap="gray_r", vmin=0, vmax=1)
    flipped = after.argmax() != y[0]
    axes[2].set_title(f"altered: '{after.argmax()}' ({after.max():.2f})", fontsize=10,
                      color=OKABE_ITO["vermillion"] if flipped else "#222222")
    for ax in axes[:3]:
        ax.set_xticks([])
        ax.set_yticks([])
    width = 0.4
    classes = np.arange(10)
    axes[3].bar(classes - width / 2, before, width, color=_GREY, label="original")
    axes[3].bar(classes + width / 2, after, width, color=OKABE_ITO["vermillion"],
                label="altered")
    axes[3].set_xticks(classes)
    axes[3].set_ylim(0, 1.05)
    axes[3].set_xlabel("digit")
    axes[3].set_ylabel("probability")
    axes[3].legend(loc="upper left", fontsize=8)
    axes[3].set_title("the CNN's probabilities", fontsize=10)
    verdict = "answer flipped" if flipped else "answer unchanged"
    fig.suptitle(f"FGSM on a {y[0]}: every pixel nudged by eps = {eps:.2f}, {verdict}")
    return fig


def adversarial_controls():
    """eps (6 values) x digit (10 values): 60 frames."""
    from nnlib.explore import Dropdown

    return (Dropdown("eps", list(EXPLORER_EPS), 0.1, label="eps"),
            Dropdown("digit", list(range(10)), 3, label="digit"))


def adversarial_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`adversarial_figure`."""
    from nnlib.explore import explore

    return explore(adversarial_figure, *adversarial_controls(),
                   title="Adversarial explorer: nudge every pixel, watch the answer")
