"""Figures of chapter 13, *Recurrent networks*, and its explorer (cell and length ->
gradient through time).

Each helper returns a :class:`matplotlib.figure.Figure` in the course style; the numbers
come from :mod:`nnlib.explore.recurrent`:

- :func:`fading_memory_figure`: a one-neuron RNN after a single pulse, for a few weights;
- :func:`unrolled_figure`: a recurrent layer folded (a loop) and unrolled over time, with
  the forward pass and backpropagation through time;
- :func:`forecast_figure`: a noisy series forecast one step ahead, against the baselines;
- :func:`gradient_decay_figure`: the gradient reaching each input, relative to the last;
- :func:`memory_results_figure`: the memory task's accuracies by cell and length;
- :func:`gates_figure`: an LSTM's or a GRU's gates at every step of one sequence;
- :func:`speech_beliefs_figure`: a recurrent recogniser's answer after each chunk;
- :func:`gradient_explorer_figure` (with :func:`gradient_controls`,
  :func:`gradient_explorer`): the explorer.
"""
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from nnlib.data import sequences, speech
from nnlib.explore import recurrent as rc
from nnlib.viz.style import OKABE_ITO, PALETTE, _styled, subplots

__all__ = [
    "SYMBOL_NAMES", "symbol_text", "fading_memory_figure", "unrolled_figure",
    "forecast_figure", "gradient_decay_figure", "memory_results_figure", "gates_figure",
    "speech_beliefs_figure", "shift_figure", "gradient_explorer_figure", "gradient_controls",
    "gradient_explorer",
]

#: How the memory task's symbols are written: 0 -> "A", 1 -> "B", ...
SYMBOL_NAMES = "ABCDEFGHIJ"
_FORWARD = OKABE_ITO["blue"]
_BACKWARD = OKABE_ITO["vermillion"]
_SIGNED = "RdBu"
_GATE = "viridis"


def symbol_text(x):
    """One memory-task sequence (T, K) one-hot as letters, blanks as '·': 'C|ADDB...'."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected one sequence of shape (T, K), got shape {x.shape}")
    letters = ["·" if row.max() == 0 else SYMBOL_NAMES[int(row.argmax())] for row in x]
    return letters[0] + " | " + "".join(letters[1:])


def _one_neuron_memory(weight, steps):
    """h_t of the RNN h_t = tanh(weight * h_{t-1} + x_t) after one pulse x_0 = 1."""
    from nnlib import nn
    from nnlib.tensor import no_grad
    cell = nn.RNN(1, 1, bias=False)
    cell.weight_ih.data[:] = 1.0
    cell.weight_hh.data[:] = weight
    x = np.zeros((1, steps, 1))
    x[0, 0, 0] = 1.0
    with no_grad():
        return np.array(cell(x)[0].data[0, :, 0])


@_styled
def fading_memory_figure(weights=(0.5, 0.9, 1.0, 2.0), steps=30):
    """A one-neuron RNN, h_t = tanh(w h_{t-1} + x_t), fed a single pulse (x_0 = 1, then 0).

    One line per recurrent weight w: how much of the pulse the hidden state still holds
    after each step (computed with ``nn.RNN(1, 1)`` and hand-set weights).
    """
    if len(weights) == 0:
        raise ValueError("weights: expected at least one recurrent weight, got none")
    fig, ax = subplots(figsize=(7.0, 3.8))
    t = np.arange(steps)
    for k, w in enumerate(weights):
        h = _one_neuron_memory(float(w), steps)
        ax.plot(t, h, marker="o", markersize=3, color=PALETTE[k % len(PALETTE)],
                label=f"w = {w:g}")
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_xlabel("time step t (the pulse arrives at t = 0)")
    ax.set_ylabel("hidden state $h_t$")
    ax.set_title("One recurrent neuron remembers a pulse")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(title="recurrent weight", loc="upper right")
    return fig


# ---------------------------------------------------------------------------- the unrolled graph
def _box(ax, x, y, text, colour, width=1.0, height=0.62, fontsize=10):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.03,rounding_size=0.1",
                                facecolor=colour + "30", edgecolor=colour, linewidth=1.6))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, colour, style="-", rad=0.0, width=1.5):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>,head_length=6,head_width=3.5",
                                 connectionstyle=f"arc3,rad={rad}", color=colour,
                                 linewidth=width, linestyle=style, shrinkA=2, shrinkB=2))


@_styled
def unrolled_figure(steps=4):
    """The recurrent layer as a loop (left) and unrolled over ``steps`` steps (right).

    Unrolled, every copy of the cell has the same weights; the hidden state flows to the
    right (forward pass) and the gradient of the loss flows back to the left through the
    same connections (backpropagation through time).
    """
    if not 2 <= int(steps) <= 6:
        raise ValueError(f"steps: expected 2 to 6 steps to draw, got {steps!r}")
    steps = int(steps)
    fig, ax = subplots(figsize=(10.0, 4.2), layout=None)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.9)
    cell, inp, hid, grad = OKABE_ITO["blue"], OKABE_ITO["green"], "#555555", _BACKWARD
    # folded: one cell with a loop
    _box(ax, 0.6, 1.6, "cell\n$W$", cell)
    _box(ax, 0.6, 0.3, "$x_t$", inp, width=0.7, height=0.5)
    _box(ax, 0.6, 2.9, "$h_t$", hid, width=0.7, height=0.5)
    _arrow(ax, (0.6, 0.55), (0.6, 1.28), inp)
    _arrow(ax, (0.6, 1.92), (0.6, 2.65), hid)
    ax.add_patch(FancyArrowPatch((1.1, 1.72), (1.1, 1.48), connectionstyle="bar,fraction=-1.6",
                                 arrowstyle="-|>,head_length=6,head_width=3.5", color=_FORWARD,
                                 linewidth=1.5, shrinkA=1, shrinkB=1))
    ax.text(1.5, 2.02, "$h_{t-1}$", fontsize=10, ha="center", color=_FORWARD)
    ax.text(1.95, 1.6, "=", fontsize=22, ha="center", va="center")
    # unrolled
    xs = 3.6 + 1.65 * np.arange(steps)
    _box(ax, xs[0] - 1.1, 1.6, "$h_0$\n= 0", hid, width=0.6, height=0.62, fontsize=9)
    for k, x in enumerate(xs):
        _box(ax, x, 1.6, f"cell\n$W$", cell)
        _box(ax, x, 0.3, f"$x_{k + 1}$", inp, width=0.7, height=0.5)
        _arrow(ax, (x, 0.55), (x, 1.28), inp)
        start = xs[0] - 0.78 if k == 0 else xs[k - 1] + 0.52
        _arrow(ax, (start, 1.68), (x - 0.52, 1.68), _FORWARD)
        _arrow(ax, (x - 0.52, 1.44), (start, 1.44), grad, style="--")
        ax.text((start + x - 0.52) / 2, 1.83, f"$h_{k}$" if k else "", ha="center",
                fontsize=9, color=_FORWARD)
    last = xs[-1]
    _box(ax, last + 1.45, 1.6, "loss $L$", OKABE_ITO["orange"], width=0.95, height=0.55)
    _arrow(ax, (last + 0.52, 1.68), (last + 0.97, 1.68), _FORWARD)
    _arrow(ax, (last + 0.97, 1.44), (last + 0.52, 1.44), grad, style="--")
    ax.text(last + 0.75, 1.83, f"$h_{steps}$", ha="center", fontsize=9, color=_FORWARD)
    ax.text((xs[0] + last) / 2, 2.55, "forward pass: the hidden state carries the past "
            "to the right", ha="center", color=_FORWARD, fontsize=10)
    ax.text((xs[0] + last) / 2, 0.95, "backpropagation through time: "
            r"$\partial L / \partial h$ flows back, step by step", ha="center", color=grad,
            fontsize=10)
    ax.text((xs[0] + last) / 2, 2.95, "the same weights $W$ in every copy", ha="center",
            fontsize=10, style="italic", color="#333333")
    ax.set_xlim(0, last + 2.05)
    ax.set_ylim(-0.05, 3.25)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"A recurrent layer, folded (left) and unrolled over {steps} steps (right)")
    return fig


# ---------------------------------------------------------------------------- forecasting
@_styled
def forecast_figure(run, span=120):
    """The test part of the series with the forecasts (left), and each forecast's mean
    squared error (right). ``run``: a :class:`~nnlib.explore.recurrent.ForecastRun`."""
    span = int(span)
    if not 2 <= span <= len(run.targets):
        raise ValueError(f"span: expected 2 to {len(run.targets)} steps, got {span}")
    fig, (ax, bars) = subplots(1, 2, figsize=(10.5, 3.9), width_ratios=(2.6, 1))
    t = np.arange(span)
    ax.plot(t, run.targets[:span], "o", markersize=3, color="#888888", label="measured (noisy)")
    truth = run.clean[run.n_train + rc.FORECAST_LENGTH:][:span]
    ax.plot(t, truth, color="#222222", linewidth=1, linestyle=":", label="signal under the noise")
    ax.plot(t, run.naive[:span], color=OKABE_ITO["orange"], linewidth=1.2,
            label="naive: repeat the last value")
    ax.plot(t, run.predicted[:span], color=OKABE_ITO["blue"], linewidth=2,
            label=f"{run.model.kind.upper()} forecast")
    ax.set_xlabel("test step (hours)")
    ax.set_ylabel("value")
    ax.set_title("One step ahead on the test part of the series")
    ax.legend(loc="lower left", fontsize=8.5, ncols=2)
    low = min(run.targets[:span].min(), run.predicted[:span].min())
    ax.set_ylim(low - 0.9, None)
    names = [("naive", "naive"), ("linear", "linear,\n24 values"),
             ("rnn", run.model.kind.upper()), ("noise", "noise\n(floor)")]
    colours = [OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["blue"], "#999999"]
    values = [run.mse[key] for key, _ in names]
    bars.bar(range(4), values, color=colours)
    for k, v in enumerate(values):
        bars.text(k, v, f"{v:.3f}", ha="center", va="bottom", fontsize=9)
    bars.set_xticks(range(4), [label for _, label in names], fontsize=8.5)
    bars.set_ylabel("mean squared error")
    bars.set_title("Error on the test part")
    bars.set_ylim(0, max(values) * 1.2)
    return fig


# ---------------------------------------------------------------------------- gradients
@_styled
def gradient_decay_figure(runs, title="How much gradient reaches each input"):
    """The gradient reaching each input, relative to the last input's, on a log scale.

    runs : list of :class:`~nnlib.explore.recurrent.GradientRun`; each is drawn against
    "steps before the last input", so all curves end at 1 on the right, and its first
    input is marked with a dot and its value.
    """
    if not runs:
        raise ValueError("runs: expected at least one GradientRun, got none")
    fig, ax = subplots(figsize=(8.6, 4.4))
    for k, run in enumerate(runs):
        colour = PALETTE[k % len(PALETTE)]
        back = np.arange(run.length)[::-1]
        ax.semilogy(back, run.ratios, color=colour, linewidth=1.6 + 0.6 * (k == 0),
                    alpha=0.85, label=f"{run.cell}, T = {run.length}")
        ax.plot(run.length - 1, run.ratios[0], "o", color=colour, markersize=7)
        ax.annotate(rc.sci(run.first_to_last), (run.length - 1, run.ratios[0]),
                    xytext=(6, -4), textcoords="offset points", fontsize=9, color=colour,
                    ha="left", va="top")
    ax.axhline(1, color="#999999", linewidth=0.8, linestyle=":")
    ax.invert_xaxis()
    ax.set_xlabel("steps before the last input")
    ax.set_ylabel("gradient reaching the input\n(relative to the last input)")
    ax.set_title(title)
    ax.legend(fontsize=8.5, loc="lower left")
    return fig


# ---------------------------------------------------------------------------- memory task
@_styled
def memory_results_figure(table, variants=()):
    """Accuracy on the memory task.

    table : dict ``label -> {length: accuracy}`` (one group of bars per length);
    variants : optional list of ``(label, accuracy)`` for a second panel (other setups).
    """
    if not table:
        raise ValueError("table: expected at least one row of accuracies, got none")
    lengths = sorted({T for row in table.values() for T in row})
    panels = 2 if variants else 1
    fig, axes = subplots(1, panels, figsize=(5.2 * panels + 0.6, 4.0),
                         width_ratios=(1, 1.15)[:panels])
    ax = axes[0] if panels == 2 else axes
    width = 0.8 / len(table)
    for k, (label, row) in enumerate(table.items()):
        xs = np.arange(len(lengths)) + (k - (len(table) - 1) / 2) * width
        values = [100 * row.get(T, np.nan) for T in lengths]
        ax.bar(xs, values, width * 0.92, color=PALETTE[k % len(PALETTE)], label=label)
        for x, v in zip(xs, values):
            if np.isfinite(v):
                ax.text(x, v + 1, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
    ax.axhline(100 / sequences.SYMBOLS, color="#666666", linestyle="--", linewidth=1)
    ax.text(-0.5, 100 / sequences.SYMBOLS + 2, "chance", ha="left", fontsize=8.5,
            color="#666666")
    ax.set_xticks(range(len(lengths)), [f"T = {T}" for T in lengths])
    ax.set_xlabel("distractors between the symbol and the question")
    ax.set_ylabel("test sequences recalled (%)")
    ax.set_ylim(0, 128)
    ax.set_yticks(range(0, 101, 20))
    ax.set_title("Recall the first symbol")
    ax.legend(fontsize=8.5, loc="upper right", ncols=len(table))
    if variants:
        side = axes[1]
        labels = [label for label, _ in variants]
        values = [100 * acc for _, acc in variants]
        ys = np.arange(len(variants))[::-1]
        side.barh(ys, values, color=[OKABE_ITO["green"] if v >= 90 else "#bbbbbb"
                                     for v in values])
        for y, v in zip(ys, values):
            side.text(v + 1, y, f"{v:.0f} %", va="center", fontsize=8.5)
        side.axvline(100 / sequences.SYMBOLS, color="#666666", linestyle="--", linewidth=1)
        side.set_yticks(ys, labels, fontsize=8.5)
        side.set_xlim(0, 118)
        side.set_xlabel("test sequences recalled (%)")
        side.set_title("The setup matters")
    return fig


# ---------------------------------------------------------------------------- gates
_GATE_ROWS = {
    "lstm": (("input", "input gate i", _GATE, (0, 1)),
             ("forget", "forget gate f", _GATE, (0, 1)),
             ("output", "output gate o", _GATE, (0, 1)),
             ("cell", "cell state c", _SIGNED, None)),
    "gru": (("update", "update gate z (keep)", _GATE, (0, 1)),
            ("reset", "reset gate r", _GATE, (0, 1)),
            ("hidden", "hidden state h", _SIGNED, None)),
}


@_styled
def gates_figure(gates, x, kind, units=None, title=None):
    """An LSTM's or a GRU's gates at every step of one sequence, as pictures.

    gates : dict from :func:`~nnlib.explore.recurrent.gate_values` for ONE sequence (each
    (T, H)); x : that sequence (T, K), shown as letters along the time axis; kind : "lstm"
    or "gru"; units : which hidden units to show (default: all). Gates go from 0 (shut,
    dark) to 1 (open, yellow); states are blue where positive and red where negative.
    """
    if kind not in _GATE_ROWS:
        raise ValueError(f"kind: expected 'lstm' or 'gru', got {kind!r}")
    rows = _GATE_ROWS[kind]
    T, H = gates["hidden"].shape
    units = np.arange(H) if units is None else np.asarray(units)
    fig, axes = subplots(len(rows), 1, figsize=(10.0, 1.1 + 1.55 * len(rows)), sharex=True)
    letters = symbol_text(x).replace(" | ", "")
    for ax, (key, label, cmap, limits) in zip(axes, rows):
        values = gates[key][:, units].T
        if limits is None:
            big = max(float(np.abs(values).max()), 1e-9)
            limits = (-big, big)
        image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=limits[0], vmax=limits[1],
                          interpolation="nearest")
        ax.set_ylabel("unit", fontsize=9)
        ax.set_yticks([])
        ax.set_title(label, fontsize=10.5, loc="left")
        fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
    axes[-1].set_xticks(range(T), list(letters), fontsize=7)
    axes[-1].get_xticklabels()[0].set_color(_BACKWARD)
    axes[-1].get_xticklabels()[0].set_fontweight("bold")
    axes[-1].set_xlabel("the sequence, one symbol per step (the first, in red, is to be "
                        "remembered)")
    fig.suptitle(title or f"Inside a trained {kind.upper()}: gates at every step",
                 fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- speech
@_styled
def speech_beliefs_figure(features, beliefs, words, title=None):
    """For a few recordings: the chunk frequencies (top) and the recogniser's belief in
    each word after every chunk (bottom).

    features : (R, 128) kHz; beliefs : (R, 128, 4) from
    :func:`~nnlib.explore.recurrent.word_beliefs`; words : the R true words.
    """
    features, beliefs = np.asarray(features), np.asarray(beliefs)
    if features.ndim != 2 or beliefs.shape != features.shape + (len(speech.WORDS),):
        raise ValueError(f"beliefs: expected shape {features.shape + (len(speech.WORDS),)} "
                         f"for features of shape {features.shape}, got {beliefs.shape}")
    R, D = features.shape
    fig, axes = subplots(2, R, figsize=(5.0 * R, 5.2), sharex=True, height_ratios=(1, 1.4))
    axes = np.asarray(axes).reshape(2, R)
    chunks = np.arange(1, D + 1)
    for r in range(R):
        top, bottom = axes[0, r], axes[1, r]
        top.step(chunks, features[r], where="mid", color="#444444", linewidth=1.2)
        top.set_title(f"a recording of {words[r]}")
        top.set_ylabel("frequency (kHz)")
        for k, word in enumerate(speech.WORDS):
            bottom.plot(chunks, beliefs[r, :, k], color=PALETTE[k], linewidth=2,
                        label=word)
        bottom.set_ylim(-0.03, 1.03)
        bottom.set_xlabel("chunks read so far")
        bottom.set_ylabel("probability of each word")
    axes[1, 0].legend(fontsize=8.5, loc="center left")
    fig.suptitle(title or "Reading a recording chunk by chunk", fontweight="bold")
    return fig


@_styled
def shift_figure(shifts, accuracy, example=None):
    """Test accuracy of the dense and the recurrent recogniser on recordings moved in time.

    shifts : the shifts in chunks; accuracy : dict ``name -> accuracies`` (one per shift),
    from :func:`~nnlib.explore.recurrent.shift_accuracy`; example : optional features
    (128,) of one recording, drawn moved by the smallest and largest shift (left panel).
    """
    shifts = list(shifts)
    panels = 1 if example is None else 2
    fig, axes = subplots(1, panels, figsize=(4.9 * panels + 0.4, 3.8))
    ax = axes[-1] if panels == 2 else axes
    labels = {"dense": "dense network (chapter 9)", "gru": "GRU reading the chunks in order"}
    for k, (name, values) in enumerate(accuracy.items()):
        if len(values) != len(shifts):
            raise ValueError(f"accuracy: expected {len(shifts)} values for {name!r} (one per "
                             f"shift), got {len(values)}")
        ax.plot(shifts, 100 * np.asarray(values), marker="o", color=PALETTE[k],
                linewidth=2, label=labels.get(name, name))
    ax.axhline(100 / len(speech.WORDS), color="#666666", linestyle="--", linewidth=1)
    ax.text(shifts[0], 100 / len(speech.WORDS) + 2, "guessing", fontsize=8.5, color="#666666")
    ax.set_xlabel("recording moved by (chunks of 6 ms; negative: earlier)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Words that start earlier or later")
    ax.legend(fontsize=8.5, loc="lower center")
    if example is not None:
        from nnlib.explore.recurrent import shift_chunks
        side = axes[0]
        chunks = np.arange(1, len(example) + 1)
        for k, s in enumerate((min(shifts), 0, max(shifts))):
            side.step(chunks, shift_chunks(np.asarray(example)[None], s)[0] + 0.35 * k,
                      where="mid", color=("#999999", "#222222", "#999999")[k], linewidth=1.2)
            side.text(chunks[-1], 0.35 * k + 0.03, f"{s:+d}", ha="right", fontsize=9)
        side.set_yticks([])
        side.set_xlabel("chunk")
        side.set_ylabel("frequency (offset per row)")
        side.set_title("One recording, moved")
    return fig


# ---------------------------------------------------------------------------- the explorer
_LENGTHS = (10, 20, 50, 100)
_SCALES = (0.5, 1.0, 2.0, 4.0)
_FLOOR, _CEILING = 1e-45, 1e30


@_styled
def gradient_explorer_figure(cell="RNN (tanh)", length=20, weight_scale=1.0):
    """The explorer: an untrained recurrent layer reads ``length`` random symbols.

    Left: how much gradient reaches each input, relative to the last (log scale from at
    most 1e-7 to at least 100, wider when the values need it; values beyond 1e-45 and 1e30
    are drawn at those limits).
    Right: the hidden state of one sequence at every step (top) and, for an LSTM or a GRU,
    the mean of its memory gate, forget or update (bottom). ``weight_scale`` multiplies
    the recurrent weights ``weight_hh``.
    """
    run = rc.gradient_over_time(cell, int(length), weight_scale=float(weight_scale))
    fig = subplots(figsize=(10.0, 4.3), layout=None)[0]
    fig.clear()
    grid = fig.add_gridspec(2, 2, width_ratios=(1.15, 1), height_ratios=(1.6, 1),
                            left=0.125, right=0.975, bottom=0.13, top=0.84, wspace=0.28,
                            hspace=0.55)
    ax = fig.add_subplot(grid[:, 0])
    back = np.arange(run.length)[::-1]
    ratios = np.clip(np.nan_to_num(run.ratios, nan=_CEILING, posinf=_CEILING), _FLOOR, _CEILING)
    ax.semilogy(back, ratios, color=_BACKWARD, linewidth=2, marker="o", markersize=2.5)
    ax.axhline(1, color="#999999", linewidth=0.8, linestyle=":")
    ax.set_ylim(min(ratios.min(), 1e-6) / 10, max(ratios.max(), 10) * 10)
    ax.yaxis.set_major_locator(LogLocator(numticks=7))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(max(run.length - 1, 1) + 0.5, -0.5)
    ax.set_xlabel("steps before the last input")
    ax.set_ylabel("gradient reaching the input\n(relative to the last input)")
    first = run.ratios[0]
    said = rc.sci(first) if np.isfinite(first) and first > 0 else "overflow"
    ax.set_title(f"first input gets {said} of the last's", fontsize=11)
    top = fig.add_subplot(grid[0, 1])
    states = run.hidden.T
    top.imshow(states, aspect="auto", cmap=_SIGNED, vmin=-1, vmax=1, interpolation="nearest")
    top.set_yticks([])
    top.xaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_ylabel("unit")
    biggest = float(np.nanmax(np.abs(states))) if np.isfinite(states).any() else np.inf
    top.set_title(f"hidden state h (largest |h|: {biggest:.2g})", fontsize=10.5)
    bottom = fig.add_subplot(grid[1, 1])
    if run.memory_gate is None:
        bottom.axis("off")
        bottom.text(0.5, 0.5, "a plain RNN has no gate: every step multiplies the\n"
                    "gradient by the recurrent weights and by\nthe slope of its activation", ha="center",
                    va="center", fontsize=9.5, transform=bottom.transAxes)
    else:
        name = "forget" if "LSTM" in cell else "update"
        bottom.plot(np.arange(run.length), run.memory_gate, color=OKABE_ITO["green"])
        bottom.set_ylim(0, 1)
        bottom.set_xlim(-0.5, run.length - 0.5)
        bottom.set_ylabel("mean")
        bottom.set_xlabel("step")
        bottom.set_title(f"{name} gate: share of memory kept per step", fontsize=10.5)
    fig.suptitle(f"{cell}, T = {run.length}, recurrent weights x {float(weight_scale):g}",
                 fontweight="bold")
    return fig


def gradient_controls():
    """The explorer's controls: cell (6), length T (4) and recurrent weight scale (4):
    96 frames in the static book."""
    from nnlib.explore import Dropdown

    return (Dropdown("cell", list(rc.CELLS), "RNN (tanh)", label="cell"),
            Dropdown("length", list(_LENGTHS), 20, label="sequence length T"),
            Dropdown("weight_scale", list(_SCALES), 1.0, label="recurrent weights x"))


def gradient_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`gradient_explorer_figure`."""
    from nnlib.explore import explore

    return explore(gradient_explorer_figure, *gradient_controls(),
                   title="Gradient through time: cell, length and recurrent weights")
