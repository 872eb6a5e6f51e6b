"""Figures and the pruning explorer of chapter 16, *In practice*.

The experiments themselves live in :mod:`nnlib.explore.practice`; these functions only
draw their results. :func:`pruning_figure` is the explorer's pure figure function
(fraction pruned, fine-tuning on or off -> the first layer's weights, accuracy and size).
"""
import numpy as np

from nnlib.explore import practice as pr
from nnlib.viz.style import OKABE_ITO, _styled, subplots

__all__ = ["transfer_figure", "compression_figure", "flops_figure", "word_scores_figure",
           "pruning_figure", "pruning_controls", "pruning_explorer", "MODE_LABELS"]

MODE_LABELS = {"scratch": "from scratch", "finetune": "pre-trained, fine-tuned",
               "frozen": "pre-trained body frozen"}
#: The explorer's pruning fractions.
FRACTIONS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98)
_MODE_COLOURS = {"scratch": "#999999",
                 "finetune": OKABE_ITO["blue"], "frozen": OKABE_ITO["green"]}


@_styled
def transfer_figure(tables, per_class_values,
                    title="Digits 5-9 from a few examples: does pre-training help?"):
    """One panel per pre-training source: test accuracy (median over seeds, bars from the
    lowest to the highest seed) for each mode and number of examples per class.

    tables: {source: {mode: (K, S) accuracies}} as :func:`nnlib.explore.practice.transfer_table`
    returns per source; per_class_values: the K numbers of examples per class.
    """
    fig, axes = subplots(1, len(tables), figsize=(3.6 * len(tables), 4.0), sharey=True)
    axes = np.atleast_1d(axes)
    width = 0.8 / len(pr.TRANSFER_MODES)
    x = np.arange(len(per_class_values))
    for ax, (source, table) in zip(axes, tables.items()):
        for i, mode in enumerate(pr.TRANSFER_MODES):
            acc = table[mode]
            med = np.median(acc, axis=1)
            err = [med - acc.min(axis=1), acc.max(axis=1) - med]
            ax.bar(x + (i - 1) * width, med, width, yerr=err, capsize=3,
                   color=_MODE_COLOURS[mode], label=MODE_LABELS[mode])
        ax.set_xticks(x, [f"{k} per class" for k in per_class_values])
        ax.set_title(f"pre-trained on {source}", fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_xlabel("labelled examples of 5-9")
    axes[0].set_ylabel("test accuracy on digits 5-9")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=9)
    fig.suptitle(title)
    return fig


@_styled
def compression_figure(rows, title="Accuracy against size: four ways to shrink a digit model"):
    """Test accuracy against stored size (log scale) for the rows of
    :func:`nnlib.explore.practice.compression_table`."""
    fig, ax = subplots(figsize=(7.5, 4.4))
    styles = {"original": ("black", "*"), "pruned, not fine-tuned": (OKABE_ITO["vermillion"], "o"),
              "pruned, fine-tuned": (OKABE_ITO["blue"], "o"),
              "int8 quantised": (OKABE_ITO["green"], "s"),
              "distilled student": (OKABE_ITO["purple"], "D")}
    for row in rows:
        kind = _kind(row.method)
        colour, marker = styles[kind]
        ax.scatter(row.kib, row.accuracy, color=colour, marker=marker, s=60, zorder=3,
                   label=kind)
        if row.method.startswith("pruned"):
            ax.annotate(row.method.split()[1] + " %", (row.kib, row.accuracy),
                        textcoords="offset points", xytext=(6, -3), fontsize=8)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("stored size (KiB, log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    return fig


def _kind(method):
    if method.startswith("pruned"):
        return "pruned, fine-tuned" if "fine-tuned" in method else "pruned, not fine-tuned"
    for kind in ("int8 quantised", "distilled student"):
        if method.startswith(kind.split()[0]):
            return kind
    return "original"


@_styled
def flops_figure(costs, title="Multiply-adds of one training step, layer by layer"):
    """Stacked bars: forward and backward multiply-adds of each layer (a list of
    :class:`nnlib.flops.LayerCost`)."""
    fig, ax = subplots(figsize=(6.5, 3.6))
    names = [c.name for c in costs]
    fwd = np.array([c.forward for c in costs], dtype=float)
    bwd = np.array([c.backward for c in costs], dtype=float)
    ax.barh(names, fwd, color=OKABE_ITO["blue"], label="forward")
    ax.barh(names, bwd, left=fwd, color=OKABE_ITO["green"], label="backward")
    ax.invert_yaxis()
    ax.set_xlabel("multiply-adds for the batch")
    ax.set_ylabel("layer")
    ax.legend(loc="lower right")
    ax.set_title(title)
    return fig


@_styled
def word_scores_figure(words, scores, n=8,
                       title="The sentiment network, one word at a time"):
    """Horizontal bars of the ``n`` most positive and most negative word scores."""
    order = np.argsort(scores)
    pick = np.concatenate([order[:n], order[-n:]])
    fig, ax = subplots(figsize=(7.0, 4.6))
    values = np.asarray(scores)[pick]
    colours = [OKABE_ITO["vermillion"] if v < 0 else OKABE_ITO["green"] for v in values]
    ax.barh([words[i] for i in pick], values, color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("positive minus negative score, for a text of that word alone")
    ax.set_ylabel("word")
    ax.set_title(title)
    return fig


@_styled
def pruning_figure(fraction=0.5, finetune=True):
    """The pruning explorer (chapter 16): the teacher's first weight matrix (64 x 256)
    after magnitude pruning of ``fraction`` of all weights, with its test accuracy and
    sparse size, fine-tuned for 5 epochs or not."""
    fraction = float(fraction)
    model, acc = pr.pruned_model(round(fraction, 2), bool(finetune))
    base = pr.accuracy_of(pr.teacher(), pr.split_digits(0).X_test, pr.split_digits(0).y_test)
    fig, (ax_w, ax_b) = subplots(1, 2, figsize=(9.0, 3.8), layout=None,
                                 gridspec_kw={"width_ratios": [2.2, 1]})
    fig.subplots_adjust(left=0.07, right=0.97, bottom=0.15, top=0.82, wspace=0.35)
    w = model[0].weight.data
    limit = np.abs(pr.teacher()[0].weight.data).max()
    shown = np.where(w == 0, np.nan, w)
    ax_w.imshow(shown.T, aspect="auto", cmap="coolwarm", vmin=-limit, vmax=limit,
                interpolation="nearest")
    ax_w.set_facecolor("white")
    ax_w.set_xlabel("input pixel (0-63)")
    ax_w.set_ylabel("hidden unit (0-255)")
    kept = np.count_nonzero(w) / w.size
    ax_w.set_title(f"first layer: {100 * kept:.0f} % of its weights left (white = 0)",
                   fontsize=10)
    kib = pr.sparse_kib(model) if fraction > 0 else pr.dense_kib(model)
    ax_b.bar(["original", "pruned"], [base, acc], color=["#999999", OKABE_ITO["blue"]])
    ax_b.set_ylim(0, 1)
    ax_b.set_ylabel("test accuracy")
    for i, v in enumerate((base, acc)):
        ax_b.text(i, v + 0.02, f"{v:.3f}", ha="center", fontsize=9)
    ax_b.set_title(f"{kib:.0f} KiB against {pr.dense_kib(model):.0f} KiB", fontsize=10)
    tuned = "fine-tuned 5 epochs" if finetune else "no fine-tuning"
    fig.suptitle(f"Magnitude pruning: {100 * fraction:.0f} % of the weights removed, {tuned}")
    return fig


def pruning_controls():
    """fraction pruned (7 values) x fine-tuning on/off: 14 frames."""
    from nnlib.explore import Dropdown

    return (Dropdown("fraction", list(FRACTIONS), 0.5, label="fraction pruned"),
            Dropdown("finetune", [False, True], True, label="fine-tune"))


def pruning_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`pruning_figure`."""
    from nnlib.explore import explore

    return explore(pruning_figure, *pruning_controls(),
                   title="Pruning explorer: remove the smallest weights, then fine-tune or not")
