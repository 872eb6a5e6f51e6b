"""Figures of the speech case study (chapter 9), in the course style of :mod:`nnlib.viz`.

Each helper returns a :class:`matplotlib.figure.Figure`; helpers that draw one panel accept
``ax=`` to draw into an existing figure. :func:`speech_explorer` is the chapter's
explorer: a pure function of (word, utterance, noise) that trains the recogniser once per
process (cached) and draws the waveform, its features and the network's answer.

Chunks and hidden units are numbered from 1 in every figure, as the chapter counts them for
readers ("chunk 1 is the first"); arguments that select them (``zoom``) are Python's
0-based slices.
"""
import textwrap

import numpy as np

from nnlib.data import speech
from nnlib.viz.style import OKABE_ITO, PALETTE, _fig_ax, _styled, subplots

__all__ = [
    "waveform_pair", "chunk_slicing", "features_by_word", "training_curves", "probability_bars",
    "hidden_bars", "unit_word_heatmap", "speech_explorer", "speech_explorer_controls",
    "explorer", "EXPLORER_SEED",
]

#: Seed of the utterances the explorer synthesises (with the word and utterance number).
EXPLORER_SEED = 2024

_WAVE = OKABE_ITO["blue"]
_FEATURE = OKABE_ITO["vermillion"]


def _seconds(n_samples, sample_rate):
    return np.arange(n_samples) / sample_rate


def _check_wave(name, wave):
    wave = np.asarray(wave, dtype=float)
    if wave.ndim != 1 or wave.size < 2:
        raise ValueError(f"{name}: expected one waveform of shape (T,), got shape {wave.shape}")
    return wave


@_styled
def waveform_pair(first, second, word, sample_rate=speech.SAMPLE_RATE):
    """Two waveforms (T,) of the same ``word``, one above the other, on the same axes scale.

    Chapter 9: "waveforms are like snowflakes": same word, different numbers.
    """
    first, second = _check_wave("first", first), _check_wave("second", second)
    fig, axes = subplots(2, 1, figsize=(8.0, 4.2), sharex=True, sharey=True)
    for ax, wave, name, colour in zip(axes, (first, second), ("A", "B"),
                                      (_WAVE, OKABE_ITO["orange"])):
        ax.plot(_seconds(len(wave), sample_rate), wave, color=colour, linewidth=0.6)
        ax.set_ylabel("amplitude")
        ax.set_title(f"Utterance {name} of “{word}”", loc="left", fontsize=11)
    axes[1].set_xlabel("time (seconds)")
    fig.suptitle(f"Two utterances of “{word}”: the same word, two different waveforms",
                 fontweight="bold")
    return fig


@_styled
def chunk_slicing(waveform, features, zoom=(40, 48), sample_rate=speech.SAMPLE_RATE):
    """The waveform cut into ``len(features)`` equal chunks, and a zoom on a few of them.

    Top: the whole waveform with every chunk boundary. Bottom: the chunks of the 0-based
    slice ``zoom`` (numbered from 1 on the figure, so ``zoom=(40, 48)`` shows chunks 41 to
    48) with each chunk's average frequency (from ``features``, kHz) written above it.
    Chapter 9.
    """
    wave = _check_wave("waveform", waveform)
    features = np.asarray(features, dtype=float)
    if features.ndim != 1:
        raise ValueError(f"features: expected shape (D,), got shape {features.shape}")
    edges = speech.chunk_edges(len(wave), len(features))
    lo, hi = zoom
    if not 0 <= lo < hi <= len(features):
        raise ValueError(f"zoom: expected 0 <= start < stop <= {len(features)}, got {zoom!r}")
    t = _seconds(len(wave), sample_rate)
    fig, (top, bottom) = subplots(2, 1, figsize=(8.0, 5.2))
    top.plot(t, wave, color=_WAVE, linewidth=0.5)
    top.vlines(edges / sample_rate, -1.1, 1.1, color="#999999", linewidth=0.3)
    top.axvspan(edges[lo] / sample_rate, edges[hi] / sample_rate, color=OKABE_ITO["yellow"],
                alpha=0.5, zorder=0)
    top.set_ylim(-1.1 * np.abs(wave).max(), 1.1 * np.abs(wave).max())
    top.set(xlabel="time (seconds)", ylabel="amplitude",
            title=f"The waveform cut into {len(features)} equal chunks")
    part = slice(edges[lo], edges[hi] + 1)
    bottom.plot(t[part] * 1000, wave[part], color=_WAVE, linewidth=1.2, marker=".",
                markersize=3)
    peak = 1.15 * np.abs(wave[part]).max() + 1e-9
    for k in range(lo, hi + 1):
        bottom.axvline(edges[k] / sample_rate * 1000, color="#777777", linewidth=0.8)
    for k in range(lo, hi):
        middle = (edges[k] + edges[k + 1]) / 2 / sample_rate * 1000
        bottom.text(middle, peak, f"#{k + 1}\n{features[k]:.3f}", ha="center", va="bottom",
                    fontsize=8, color=_FEATURE)
    bottom.set_ylim(-peak, 1.45 * peak)
    bottom.set(xlabel="time (milliseconds)", ylabel="amplitude",
               title=f"Zoom on chunks {lo + 1}-{hi}: chunk number and average frequency (kHz)")
    return fig


@_styled
def features_by_word(features, labels, words=speech.WORDS, per_word=3):
    """The 128 features of ``per_word`` utterances of each word, one panel per word.

    features (N, D) in kHz, labels (N,). Chapter 9: words that share a syllable share the
    shape of that part of their features.
    """
    features = np.asarray(features, dtype=float)
    labels = np.asarray(labels)
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"features: expected shape (N, D) with N = len(labels) = "
                         f"{len(labels)}, got shape {features.shape}")
    fig, axes = subplots(2, 2, figsize=(9.0, 5.6), sharex=True, sharey=True)
    top = max(0.3, float(np.percentile(features, 99.5)) * 1.05)
    for k, (word, ax) in enumerate(zip(words, axes.ravel())):
        rows = np.flatnonzero(labels == k)[:per_word]
        for i, row in enumerate(rows):
            ax.step(np.arange(1, features.shape[1] + 1), features[row], where="mid",
                    color=PALETTE[i % len(PALETTE)], linewidth=1.0, alpha=0.85)
        syllables = " + ".join(speech.WORD_SYLLABLES.get(word, ()))
        ax.set_title(f"{word}  ({syllables})", loc="left", fontsize=11)
        ax.set_ylim(0, top)
    for ax in axes[1]:
        ax.set_xlabel("chunk number")
    for ax in axes[:, 0]:
        ax.set_ylabel("average frequency (kHz)")
    fig.suptitle(f"The input features of {per_word} utterances of each word",
                 fontweight="bold")
    return fig


@_styled
def training_curves(history, title="Training the recogniser"):
    """Loss (left) and accuracy in % (right) per epoch, on the training and the validation
    set. ``history``: an ``nnlib.History`` from ``fit`` with ``validation_data`` (or a dict
    with the lists ``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``). Chapter 9.
    """
    curves = history.as_dict() if hasattr(history, "as_dict") else dict(history)
    needed = ("loss", "val_loss", "accuracy", "val_accuracy")
    missing = [k for k in needed if len(curves.get(k) or ()) == 0]
    if missing:
        raise ValueError(f"history: expected per-epoch {', '.join(needed)} (train with "
                         f"validation_data), got nothing for {', '.join(missing)}")
    fig, (left, right) = subplots(1, 2, figsize=(8.4, 3.4))
    for ax, (train, val), scale, label in ((left, ("loss", "val_loss"), 1, "loss (cross-entropy)"),
                                           (right, ("accuracy", "val_accuracy"), 100,
                                            "accuracy (%)")):
        for key, colour, name in ((train, _WAVE, "training"), (val, _FEATURE, "validation")):
            values = scale * np.asarray(curves[key], dtype=float)
            ax.plot(np.arange(1, len(values) + 1), values, color=colour, marker="o",
                    markersize=3, linewidth=1.6, label=name)
        ax.set(xlabel="epoch", ylabel=label)
    left.set_title("Loss per epoch")
    right.set_title("Accuracy per epoch")
    right.legend(loc="lower right")
    fig.suptitle(title, fontweight="bold")
    return fig


@_styled
def probability_bars(probs, words=speech.WORDS, ax=None, title=None, true_word=None):
    """Bars of the network's output distribution (4,), labelled in percent. Chapter 9."""
    probs = np.asarray(probs, dtype=float)
    if probs.shape != (len(words),):
        raise ValueError(f"probs: expected shape ({len(words)},), got shape {probs.shape}")
    fig, ax = _fig_ax(ax, figsize=(5.2, 3.4))
    colours = [_FEATURE if w == true_word else _WAVE for w in words]
    ax.bar(range(len(words)), probs * 100, color=colours)
    for k, p in enumerate(probs):
        ax.text(k, p * 100 + 2, _percent(p), ha="center", va="bottom", fontsize=10)
    ax.set_xticks(range(len(words)), words)
    ax.set_ylim(0, 118)
    ax.set_ylabel("probability (%)")
    ax.set_title(_two_lines(title or "The network's answer: a probability for each word"))
    return fig


def _two_lines(title, width=40):
    """A title longer than ``width`` characters on two lines, broken after its colon if
    it has one (a narrow panel would cut it off)."""
    if len(title) <= width:
        return title
    head, colon, tail = title.partition(": ")
    return f"{head}:\n{tail}" if colon else textwrap.fill(title, width)


def _percent(p):
    """A probability as a short percentage: 0.9612 -> '96.1 %', 0.00012 -> '0.01 %'."""
    value = 100 * p
    if value >= 10:
        return f"{value:.1f} %"
    if value >= 0.1:
        return f"{value:.2g} %" if value < 1 else f"{value:.1f} %"
    return "<0.1 %" if value > 0 else "0 %"


@_styled
def hidden_bars(values, ax=None, title=None, xlabel="hidden unit"):
    """Bars of one layer's values (H,) for one utterance, with their sum in the title; the
    units are numbered from 1.

    Chapter 9: hidden values are strengths of belief, not probabilities; they need not add
    up to 1.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"values: expected shape (H,), got shape {values.shape}")
    fig, ax = _fig_ax(ax, figsize=(6.4, 3.2))
    units = np.arange(1, len(values) + 1)
    ax.bar(units, values, color=OKABE_ITO["green"])
    ax.set_xticks(units)
    ax.tick_params(axis="x", labelsize=8)
    ax.set(xlabel=xlabel, ylabel="value")
    ax.set_title(title or f"Values of {len(values)} hidden units (they add up to "
                 f"{values.sum():.2f}, not 1)")
    return fig


@_styled
def unit_word_heatmap(mean_values, words=speech.WORDS, ax=None, title=None):
    """Heatmap of the average value of each hidden unit (columns) for each word (rows).

    mean_values: shape (4, H). Each cell is written in; brighter means a stronger response.
    The units are numbered from 1.
    """
    mean_values = np.asarray(mean_values, dtype=float)
    if mean_values.ndim != 2 or mean_values.shape[0] != len(words):
        raise ValueError(f"mean_values: expected shape ({len(words)}, H), got shape "
                         f"{mean_values.shape}")
    n_units = mean_values.shape[1]
    # 0.4 inch per unit: 16 units fit the book's 672 px, so the numbers are not shrunk.
    fig, ax = _fig_ax(ax, figsize=(max(5.0, 0.4 * n_units + 2.0), 3.2))
    image = ax.imshow(mean_values, aspect="auto", cmap="cividis")
    top = mean_values.max() or 1.0
    for (r, c), v in np.ndenumerate(mean_values):
        ax.text(c, r, f"{v:.1f}", ha="center", va="center", fontsize=9.5,
                color="black" if v > 0.6 * top else "white")
    ax.set_xticks(range(n_units), [str(u) for u in range(1, n_units + 1)])
    ax.set_yticks(range(len(words)), words)
    ax.set(xlabel="hidden unit", ylabel="word")
    ax.set_title(title or "Average value of each hidden unit, per word")
    fig.colorbar(image, ax=ax, label="average value", shrink=0.9)
    return fig


def explorer_utterance(word, utterance, noise):
    """The waveform (T,) the explorer shows: reproducible from (word, utterance, noise)."""
    label = speech._word_index(word)
    rng = np.random.default_rng([EXPLORER_SEED, label, int(utterance)])
    return speech.say(label, rng, noise=noise)


@_styled
def speech_explorer(word="Reindeer", utterance=0, noise=0.0):
    """Chapter 9's explorer: one utterance, its 128 features and the recogniser's answer.

    ``word``: one of :data:`nnlib.data.speech.WORDS`; ``utterance``: which speaker (an int, each
    one a new random speaker); ``noise``: standard deviation of the background hiss (the
    training recordings had 0.02). The recogniser is :func:`nnlib.data.speech.trained_recogniser`
    (trained on first use, a few seconds, then cached), so the figure depends only on the
    arguments.
    """
    noise = float(noise)
    wave = explorer_utterance(word, utterance, noise)
    feats = speech.speech_features(wave)
    probs = speech.word_probabilities(speech.trained_recogniser(), feats[None, :])[0]
    name = speech.WORDS[speech._word_index(word)]
    fig = _explorer_layout()
    wave_ax, feat_ax, bar_ax = fig.axes
    t = _seconds(len(wave), speech.SAMPLE_RATE)
    _envelope(wave_ax, t, wave)
    wave_ax.set(xlabel="time (s)", ylabel="amplitude", ylim=(-2.2, 2.2),
                title=f"“{name}”, speaker {int(utterance)}, noise {noise:g}")
    feat_ax.step(np.arange(1, len(feats) + 1), feats, where="mid", color=_FEATURE,
                 linewidth=1.0)
    feat_ax.set(xlabel="chunk number", ylabel="average frequency (kHz)", ylim=(0, 0.7),
                title="The 128 input features")
    probability_bars(probs, ax=bar_ax, true_word=name,
                     title=f"Answer: {speech.WORDS[int(np.argmax(probs))]}")
    bar_ax.tick_params(axis="x", labelsize=9)
    return fig


def _envelope(ax, t, wave, block=12):
    """Draw a long waveform as the band between its min and max over blocks of samples.

    At a few hundred pixels wide this looks like the full plot and compresses far better.
    """
    n = len(wave) // block * block
    blocks = wave[:n].reshape(-1, block)
    ax.fill_between(t[:n:block], blocks.min(axis=1), blocks.max(axis=1), color=_WAVE,
                    linewidth=0.3, edgecolor=_WAVE, step="post")


def _explorer_layout():
    # A fixed layout (what automatic layout gives this figure): automatic layout would
    # take a large share of the time of each of the book's frames.
    fig, _ = subplots(figsize=(8.4, 4.4), layout=None)
    fig.clear()
    grid = fig.add_gridspec(2, 2, width_ratios=(1.5, 1.0), left=0.072, right=0.995,
                            bottom=0.116, top=0.943, wspace=0.23, hspace=0.529)
    fig.add_subplot(grid[0, 0])
    fig.add_subplot(grid[1, 0])
    fig.add_subplot(grid[:, 1])
    return fig


def speech_explorer_controls():
    """The explorer's controls: word (4) x speaker (4) x noise (3) = 48 frames."""
    from nnlib.explore import Dropdown, Slider
    return (Dropdown("word", speech.WORDS, "Reindeer"),
            Slider("utterance", 0, 3, 1, 0, label="speaker"),
            Slider("noise", 0.0, 0.3, 0.15, 0.0, label="noise"))


def explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`speech_explorer` (chapter 9)."""
    from nnlib.explore import explore
    return explore(speech_explorer, *speech_explorer_controls(),
                   title="The four-word recogniser: one utterance in, four probabilities out")
