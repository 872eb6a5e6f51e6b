"""Figures of chapter 14, *Attention and transformers*, and its explorer (training steps and
heads -> attention map and predictions).

Each helper returns a :class:`matplotlib.figure.Figure` in the course style. The numbers
come from :mod:`nnlib.explore.attention`:

- :func:`lookup_figure`, :func:`lookup_table`: the soft dictionary lookup by hand (keys and
  queries drawn as arrows, the weights as bars; every number in a table);
- :func:`saturation_figure`: why the scores are divided by sqrt(d);
- :func:`weights_figure`: attention weights as a grid of numbers (self-attention by hand);
- :func:`positional_figure`: the sinusoidal position codes and how alike two positions'
  codes are;
- :func:`maps_figure`: attention maps side by side (with or without positions, heads);
- :func:`training_strip`: one example's attention map at a few moments of training;
- :func:`value_map_figure`: the sorting model's attention by the digit a key holds;
- :func:`sequential_figure`, :func:`timing_figure`: an LSTM's chain of steps against a
  transformer's all-at-once, and measured times;
- :func:`training_figure` (with :func:`training_controls`, :func:`training_explorer`):
  the explorer, scrubbing through the sorting run's snapshots.

Attention maps are drawn white (weight 0) to dark blue (weight 1), always on that fixed
scale: row t is the output position, column s the input position it looks at.
"""
import numbers

import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from nnlib.explore import attention as at
from nnlib.viz.style import OKABE_ITO, PALETTE, _styled, subplots
from nnlib._checks import check_int

__all__ = [
    "lookup_figure", "lookup_table", "saturation_figure", "weights_figure",
    "positional_figure", "maps_figure", "training_strip", "sequential_figure",
    "timing_figure", "value_map_figure", "training_figure", "training_controls", "training_explorer",
    "EXPLORER_STEPS", "EXPLORER_HEADS", "EXPLORER_EXAMPLES",
]

_MAP = "Blues"
_RIGHT = OKABE_ITO["green"]
_WRONG = OKABE_ITO["vermillion"]
_QUERY_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["purple"])


# ---------------------------------------------------------------------------- lookup by hand

@_styled
def lookup_figure(queries=tuple(at.QUERIES)):
    """Left: the three keys and the ``queries`` as arrows in the plane of the two features.
    Right: the attention weight each query gives each word (scaled dot product, softmax)."""
    if not queries or any(q not in at.QUERIES for q in queries):
        raise ValueError(f"queries: expected names from {sorted(at.QUERIES)}, got {queries!r}")
    fig, (left, right) = subplots(1, 2, figsize=(10.0, 4.2),
                                  gridspec_kw={"width_ratios": (1, 1.1)})
    for word, key, colour in zip(at.WORDS, at.KEYS, PALETTE):
        left.add_patch(FancyArrowPatch((0, 0), key, arrowstyle="-|>", mutation_scale=14,
                                       color=colour, linewidth=2))
        left.annotate(f"key of {word}\n({key[0]:g}, {key[1]:g})", key, xytext=(6, 4),
                      textcoords="offset points", fontsize=9, color=colour)
    for name, colour in zip(queries, _QUERY_COLOURS):
        q = at.QUERIES[name]
        left.add_patch(FancyArrowPatch((0, 0), q, arrowstyle="-|>", mutation_scale=14,
                                       color=colour, linewidth=2, linestyle="--"))
        left.annotate(f"query: {name}\n({q[0]:g}, {q[1]:g})", q, xytext=(6, -22),
                      textcoords="offset points", fontsize=9, color=colour,
                      fontweight="bold")
    left.axhline(0, color="#bbbbbb", linewidth=0.8)
    left.axvline(0, color="#bbbbbb", linewidth=0.8)
    left.set_xlim(-3, 4.3)
    left.set_ylim(-2.9, 2.2)
    left.set_aspect("equal")
    left.set_xlabel(f"feature 1: {at.FEATURES[0]}")
    left.set_ylabel(f"feature 2: {at.FEATURES[1]}")
    left.set_title("Keys (solid) and queries (dashed)")
    width = 0.8 / len(queries)
    x = np.arange(len(at.WORDS))
    for i, (name, colour) in enumerate(zip(queries, _QUERY_COLOURS)):
        w = at.soft_lookup(name).weights
        bars = right.bar(x + (i - (len(queries) - 1) / 2) * width, w, width * 0.92,
                         color=colour, label=name)
        for bar, value in zip(bars, w):
            right.text(bar.get_x() + bar.get_width() / 2, value + 0.02, f"{value:.2f}",
                       ha="center", va="bottom", fontsize=9)
    right.set_xticks(x, at.WORDS)
    right.set_ylim(0, 1.12)
    right.set_ylabel("attention weight (sums to 1)")
    right.set_xlabel("dictionary word")
    right.set_title("How much of each word's value is taken")
    right.legend(title="query", loc="upper right")
    return fig


def lookup_table(query="kitten", caption=None):
    """Every number of :func:`nnlib.explore.attention.soft_lookup` for ``query`` as a
    :class:`nnlib.viz.fitting.DataTable`: one row per word, then the output."""
    from nnlib.viz.fitting import DataTable

    lk = at.soft_lookup(query)
    d = len(lk.query)
    rows = []
    for word, key, value, score, scaled, e, w, c in zip(
            at.WORDS, at.KEYS, at.VALUES, lk.scores, lk.scaled, lk.exps, lk.weights,
            lk.contributions):
        rows.append([word, _vector(key), _vector(value), f"{score:g}",
                     f"{scaled:.2f}", f"{e:.3g}", f"{w:.4f}", _vector(c, "{:.3f}")])
    rows.append(["sum", "", "", "", "", f"{lk.exps.sum():.3g}", f"{lk.weights.sum():.4f}",
                 _vector(lk.output, "{:.3f}")])
    columns = ["word", "key", f"value ({', '.join(at.VALUE_NAMES)})", "score q·k",
               f"score ÷ √{d}", f"e^(score ÷ √{d})", "weight", "weight × value"]
    return DataTable(columns, rows, caption)


def _vector(values, fmt="{:g}"):
    return "(" + ", ".join(fmt.format(float(v) + 0.0) for v in values) + ")"


# ---------------------------------------------------------------------------- the scale

@_styled
def saturation_figure(result):
    """Left: spread (standard deviation) of the scores against the vector size d, with and
    without dividing by sqrt(d). Right: the mean largest softmax weight of the keys.

    result: the dict of :func:`nnlib.explore.attention.softmax_saturation`.
    """
    dims = np.asarray(result["dims"])
    fig, (left, right) = subplots(1, 2, figsize=(10.0, 3.9))
    raw, scaled = PALETTE[3], PALETTE[0]
    left.plot(dims, result["score_std"], "o-", color=raw, label="q·k")
    left.plot(dims, result["scaled_std"], "s-", color=scaled, label="q·k ÷ √d")
    left.plot(dims, np.sqrt(dims), ":", color="#777777", label="√d")
    left.set_xscale("log", base=2)
    left.set_yscale("log", base=2)
    left.set_xlabel("size d of queries and keys (log scale)")
    left.set_ylabel("spread of the scores (std)")
    left.set_title("Dot products grow like √d")
    left.legend()
    right.plot(dims, result["top_weight"], "o-", color=raw, label="softmax(q·k)")
    right.plot(dims, result["scaled_top_weight"], "s-", color=scaled,
               label="softmax(q·k ÷ √d)")
    right.set_xscale("log", base=2)
    right.set_ylim(0, 1.05)
    right.set_xlabel("size d of queries and keys (log scale)")
    right.set_ylabel("mean largest weight")
    right.set_title(f"Largest of {int(result['n_keys'])} weights: without √d, one takes all",
                    fontsize=11)
    right.axhline(1, color="#bbbbbb", linewidth=0.8)
    right.legend(loc="lower right")
    return fig


# ---------------------------------------------------------------------------- maps

def _heatmap(ax, weights, xlabels, ylabels, numbers=False, fontsize=9):
    """Draw attention weights (L, S) white (0) to blue (1): rows queries, columns keys."""
    weights = np.asarray(weights, dtype=float)
    ax.imshow(weights, cmap=_MAP, vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks(range(weights.shape[1]), xlabels)
    ax.set_yticks(range(weights.shape[0]), ylabels)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("#999999")
    if numbers:
        for (r, c), v in np.ndenumerate(weights):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=fontsize,
                    color="white" if v > 0.55 else "black")
    return ax


@_styled
def weights_figure(weights, words, title="Self-attention weights",
                   xlabel="looks at (key)", ylabel="word (query)"):
    """A small attention map (L, S) with its numbers, labelled by ``words``."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2 or weights.shape != (len(words), len(words)):
        raise ValueError(f"weights: expected shape ({len(words)}, {len(words)}) for "
                         f"{len(words)} words, got {weights.shape}")
    fig, ax = subplots(figsize=(4.4, 3.8))
    _heatmap(ax, weights, words, words, numbers=True, fontsize=11)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def _check_sequence(name, ids, length=None):
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu" or (length and len(ids) != length):
        raise ValueError(f"{name}: expected a 1-D integer array"
                         f"{'' if not length else f' of length {length}'}, got shape "
                         f"{ids.shape} and dtype {ids.dtype}")
    return ids


def _map_panel(ax, weights, ids, predictions=None, targets=None, fontsize=9):
    """One attention map over a digit sequence: columns labelled by the input digits, rows
    by output position (and the prediction there, green if right, red if wrong)."""
    length = len(ids)
    xlabels = [str(int(d)) for d in ids]
    if predictions is None:
        ylabels = [str(t) for t in range(length)]
    else:
        ylabels = [f"{t}: {int(p)}" for t, p in enumerate(predictions)]
    _heatmap(ax, weights, xlabels, ylabels)
    ax.tick_params(labelsize=fontsize)
    if predictions is not None and targets is not None:
        for label, p, y in zip(ax.get_yticklabels(), predictions, targets):
            label.set_color(_RIGHT if p == y else _WRONG)
            label.set_fontweight("bold")
    ax.set_xlabel("input digit (key position)", fontsize=fontsize)
    ax.set_ylabel("output position: prediction" if predictions is not None
                  else "output position (query)", fontsize=fontsize)


@_styled
def maps_figure(panels, ids, task=None, suptitle=None):
    """Attention maps side by side for ONE input sequence.

    panels : list of (title, weights (T, T), predictions (T,) or None)
    ids : the input digits (T,); task : its targets are computed for colouring the
    predictions (one of :data:`nnlib.data.toy_sequences.TASKS`), or None
    """
    from nnlib.data.toy_sequences import toy_targets

    ids = _check_sequence("ids", ids)
    if not panels:
        raise ValueError("panels: expected at least one (title, weights, predictions), got "
                         "none")
    targets = None if task is None else toy_targets(ids, task)
    fig, axes = subplots(1, len(panels), figsize=(3.6 * len(panels) + 0.4, 4.0))
    axes = np.atleast_1d(axes)
    for ax, (title, weights, predictions) in zip(axes, panels):
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (len(ids), len(ids)):
            raise ValueError(f"panels: expected weights of shape ({len(ids)}, {len(ids)}), "
                             f"got {weights.shape} in panel {title!r}")
        _map_panel(ax, weights, ids, predictions, targets)
        ax.set_title(title, fontsize=11)
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    return fig


@_styled
def training_strip(run, steps, probe=0, head=0, suptitle=None):
    """The attention map of probe example ``probe`` (head ``head``) after each of
    ``steps`` training steps of ``run`` (a :class:`nnlib.explore.attention.ToyRun`),
    with the accuracy at that moment."""
    from nnlib.data.toy_sequences import toy_targets

    if not steps:
        raise ValueError("steps: expected at least one training step, got none")
    ids = at.PROBES[probe]
    targets = toy_targets(ids, run.task)
    fig, axes = subplots(1, len(steps), figsize=(2.55 * len(steps) + 0.5, 3.5))
    axes = np.atleast_1d(axes)
    for i, (ax, step) in enumerate(zip(axes, steps)):
        snap = run.snapshot(step)
        _map_panel(ax, snap.maps[probe, head], ids, snap.predictions[probe], targets,
                   fontsize=8)
        if i:
            ax.set_ylabel("")
        ax.set_title(f"step {step}: {100 * snap.accuracy:.0f} % right", fontsize=10)
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- positions

@_styled
def positional_figure(length=32, d_model=16):
    """Left: the sinusoidal position codes, one row per position. Right: how alike the
    codes of two positions are (dot product divided by d_model, 1 on the diagonal)."""
    from nnlib.nn import sinusoidal_positional_encoding

    pe = sinusoidal_positional_encoding(length, d_model)
    similarity = pe @ pe.T / (d_model / 2)
    fig, (left, right) = subplots(1, 2, figsize=(10.0, 4.3),
                                  gridspec_kw={"width_ratios": (0.8, 1)})
    left.imshow(pe, cmap="RdBu", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    left.set_xlabel("number in the code (column)")
    left.set_ylabel("position t")
    left.set_title(f"Position codes: {length} positions x {d_model}", fontsize=11)
    image = right.imshow(similarity, cmap="RdBu", vmin=-1, vmax=1, interpolation="nearest")
    right.set_xlabel("position s")
    right.set_ylabel("position t")
    right.set_title("How alike two positions' codes are", fontsize=11)
    fig.colorbar(image, ax=[left, right], shrink=0.85,
                 label="code value (left), similarity (right)")
    return fig


# ---------------------------------------------------------------------------- parallel

@_styled
def sequential_figure(length=5):
    """Top: an LSTM reads ``length`` positions as a chain, each step waiting for the
    previous one. Bottom: a transformer layer computes every position at once, each
    output looking at every input."""
    length = check_int("length", length, 2, 12)
    fig, (top, bottom) = subplots(2, 1, figsize=(9.0, 5.0))
    xs = np.arange(length)
    blue, orange = OKABE_ITO["blue"], OKABE_ITO["orange"]
    for ax in (top, bottom):
        ax.set_xlim(-0.7, length - 0.3)
        ax.set_ylim(-0.5, 2.6)
        ax.axis("off")
        for x in xs:
            ax.text(x, 0, f"$x_{{{x + 1}}}$", ha="center", va="center", fontsize=12)
    for x in xs:
        top.add_patch(Rectangle((x - 0.3, 0.85), 0.6, 0.5, color=blue, alpha=0.85))
        top.text(x, 1.1, f"step {x + 1}", ha="center", va="center", color="white",
                 fontsize=9, fontweight="bold")
        top.add_patch(FancyArrowPatch((x, 0.2), (x, 0.85), arrowstyle="-|>",
                                      mutation_scale=10, color="#555555"))
        top.text(x, 1.9, f"$h_{{{x + 1}}}$", ha="center", va="center", fontsize=12)
        top.add_patch(FancyArrowPatch((x, 1.35), (x, 1.75), arrowstyle="-|>",
                                      mutation_scale=10, color="#555555"))
        if x < length - 1:
            top.add_patch(FancyArrowPatch((x + 0.3, 1.1), (x + 0.7, 1.1), arrowstyle="-|>",
                                          mutation_scale=12, color=orange, linewidth=2))
    top.set_title(f"LSTM: {length} steps, one after the other (step t needs step t - 1)",
                  fontsize=11)
    bottom.add_patch(Rectangle((-0.35, 0.85), length - 0.3, 0.5, color=blue, alpha=0.85))
    bottom.text((length - 1) / 2, 1.1, "one step: every position at once",
                ha="center", va="center", color="white", fontsize=10, fontweight="bold")
    for x in xs:
        for s in xs:
            bottom.plot([s, x], [0.2, 0.85], color=orange, linewidth=0.8, alpha=0.6)
        bottom.text(x, 1.9, f"$y_{{{x + 1}}}$", ha="center", va="center", fontsize=12)
        bottom.add_patch(FancyArrowPatch((x, 1.35), (x, 1.75), arrowstyle="-|>",
                                         mutation_scale=10, color="#555555"))
    bottom.set_title("Transformer layer: 1 step (each output looks at every input)",
                     fontsize=11)
    return fig


def _timing_panel(ax, result):
    lengths = np.asarray(result["lengths"])
    for name, colour, marker in (("LSTM", PALETTE[3], "o"), ("transformer layer", PALETTE[0],
                                                            "s")):
        ax.plot(lengths, 1000 * np.asarray(result[name]), marker=marker, color=colour,
                label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(lengths, [str(t) for t in lengths])
    ax.set_xlabel("sequence length T (log scale)")
    ax.set_ylabel("milliseconds (log scale)")
    ax.legend()


@_styled
def timing_figure(fixed_batch, fixed_tokens):
    """Forward + backward time against the sequence length T (both from
    :func:`nnlib.explore.attention.time_layers`). Left: a fixed number of sequences (the
    work grows with T). Right: a fixed number of positions, N = tokens / T sequences (the
    same arithmetic for every T, cut into T steps for the LSTM)."""
    fig, (left, right) = subplots(1, 2, figsize=(10.0, 4.0), sharey=True)
    _timing_panel(left, fixed_batch)
    left.set_title(f"{int(fixed_batch['batches'][0])} sequences of T positions", fontsize=11)
    _timing_panel(right, fixed_tokens)
    batches = np.asarray(fixed_tokens["batches"])
    lengths = np.asarray(fixed_tokens["lengths"])
    right.set_title(f"{int(batches[0] * lengths[0])} positions in all: "
                    f"{int(batches[0])} x {int(lengths[0])} ... {int(batches[-1])} x "
                    f"{int(lengths[-1])}", fontsize=11)
    right.yaxis.set_tick_params(labelleft=True)
    return fig


@_styled
def value_map_figure(by_value, title="Sorting: attention by the digit a key holds"):
    """For each head, the mean attention from each output position to keys holding each
    digit, relative to an even spread (1): ``by_value`` (heads, T, V) from
    :func:`nnlib.explore.attention.attention_by_value`."""
    by_value = np.asarray(by_value, dtype=float)
    if by_value.ndim != 3:
        raise ValueError(f"by_value: expected shape (heads, T, V), got {by_value.shape}")
    heads, length, vocab = by_value.shape
    top = max(2.0, float(np.nanmax(by_value)))
    fig, axes = subplots(1, heads, figsize=(4.3 * heads + 0.8, 3.9))
    axes = np.atleast_1d(axes)
    for h, ax in enumerate(axes):
        image = ax.imshow(by_value[h], cmap=_MAP, vmin=0, vmax=top, interpolation="nearest",
                          aspect="auto")
        ax.set_xticks(range(vocab), [str(v) for v in range(vocab)])
        ax.set_yticks(range(length), [str(t) for t in range(length)])
        ax.set_xlabel("digit held by the key")
        if h == 0:
            ax.set_ylabel("output position (0 = smallest)")
        ax.set_title(f"head {h + 1}", fontsize=11)
    fig.colorbar(image, ax=list(axes), shrink=0.85, label="weight ÷ even share")
    fig.suptitle(title, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- the explorer

#: The explorer's training steps: the sorting run's snapshots, every 50 of its 1,000 steps.
EXPLORER_STEPS = (0, 1000, 50)
#: The explorer's head choices (the sorting model has two heads).
EXPLORER_HEADS = (1, 2)
#: The explorer's example sequences: indices into :data:`nnlib.explore.attention.PROBES`.
EXPLORER_EXAMPLES = (1, 2)


def _explorer_run():
    return at.train_toy("sort", seed=0, snapshot_every=EXPLORER_STEPS[2])


def training_figure(step=1000, head=1, example=1):
    """Explorer: the sorting transformer after ``step`` training steps (0, 50, ..., 1000).

    head: 1 or 2, whose attention map to draw; example: 1 or 2, which of the two example
    sequences. Left: the attention map (rows: output positions with the prediction, green
    if right; columns: the input digits). Middle: input, prediction and target. Right:
    accuracy on 500 test sequences during training, the current step marked.
    """
    low, high, every = EXPLORER_STEPS
    if (isinstance(step, bool) or not isinstance(step, numbers.Integral)
            or not low <= step <= high or step % every):
        raise ValueError(f"step: expected a multiple of {every} from {low} to {high}, "
                         f"got {step!r}")
    if head not in EXPLORER_HEADS or isinstance(head, bool):
        raise ValueError(f"head: expected one of {list(EXPLORER_HEADS)}, got {head!r}")
    if example not in EXPLORER_EXAMPLES or isinstance(example, bool):
        raise ValueError(f"example: expected one of {list(EXPLORER_EXAMPLES)}, "
                         f"got {example!r}")
    return _training_panels(_explorer_run(), int(step), int(head), int(example))


@_styled
def _training_panels(run, step, head, example):
    from nnlib.data.toy_sequences import toy_targets

    snap = run.snapshot(step)
    ids = at.PROBES[example - 1]
    targets = toy_targets(ids, run.task)
    predictions = snap.predictions[example - 1]
    fig, axes = subplots(1, 3, figsize=(12.0, 4.2), layout=None,
                         gridspec_kw={"width_ratios": (1, 0.9, 1.1)})
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.83, wspace=0.35)
    left, middle, right = axes
    _map_panel(left, snap.maps[example - 1, head - 1], ids, predictions, targets)
    left.set_title(f"Head {head} of {run.settings['nhead']}: where each output looks",
                   fontsize=10.5)
    _sequence_panel(middle, ids, predictions, targets)
    steps = [s.step for s in run.snapshots]
    accuracy = [100 * s.accuracy for s in run.snapshots]
    right.plot(steps, accuracy, "o-", color=PALETTE[0], markersize=3)
    right.plot([step], [100 * snap.accuracy], "o", color=OKABE_ITO["orange"], markersize=10)
    right.axvline(step, color=OKABE_ITO["orange"], linewidth=1, linestyle="--")
    right.set_ylim(0, 105)
    right.set_xlim(-30, steps[-1] + 30)
    right.set_xlabel("training step")
    right.set_ylabel("digits sorted right (%)")
    right.set_title(f"Accuracy: {100 * snap.accuracy:.1f} % at step {step}", fontsize=10.5)
    right.grid(True, axis="y")
    fig.suptitle(f"Sorting 8 digits: one transformer layer, d_model "
                 f"{run.settings['d_model']}, {run.settings['nhead']} heads, "
                 f"after {step} steps", fontweight="bold")
    return fig


def _sequence_panel(ax, ids, predictions, targets):
    """Three rows of digit boxes: input, prediction (green right, red wrong), target."""
    length = len(ids)
    rows = (("input", ids, None), ("prediction", predictions, targets),
            ("target (sorted)", targets, None))
    for r, (name, digits, check) in enumerate(rows):
        y = 1.35 * (2 - r)
        ax.text(-0.45, y + 0.5, name, ha="left", va="bottom", fontsize=9)
        for t, d in enumerate(digits):
            colour = "#eeeeee"
            if check is not None:
                colour = "#cfeede" if d == check[t] else "#f6cdb5"
            ax.add_patch(Rectangle((t - 0.45, y - 0.4), 0.9, 0.8, facecolor=colour,
                                   edgecolor="#999999"))
            ax.text(t, y, str(int(d)), ha="center", va="center", fontsize=11,
                    fontweight="bold")
    right = int(np.sum(predictions == targets))
    ax.set_xlim(-0.7, length - 0.3)
    ax.set_ylim(-0.6, 3.6)
    ax.axis("off")
    ax.set_title(f"{right} of {length} digits in the right place", fontsize=10.5)


def training_controls():
    """Step (21 values), head (2), example (2): 84 frames in the static book."""
    from nnlib.explore import Dropdown, Slider

    low, high, every = EXPLORER_STEPS
    return (Slider("step", low, high, every, high, label="training step"),
            Dropdown("head", list(EXPLORER_HEADS), 1, label="head"),
            Dropdown("example", list(EXPLORER_EXAMPLES), 1, label="example"))


def training_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`training_figure`."""
    from nnlib.explore import explore

    return explore(training_figure, *training_controls(),
                   title="A transformer learning to sort: attention maps during training")
