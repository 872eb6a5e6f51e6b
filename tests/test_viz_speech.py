"""Tests of nnlib.viz.speech: the chapter 9 figures and the speech explorer."""
import itertools
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.data import speech as speech

from nnlib.viz import speech as viz_speech
from nnlib.explore.explorer import MAX_FRAMES, render_png


@pytest.fixture(scope="module")
def data():
    waveforms, labels, words = speech.toy_speech(24, np.random.default_rng(0))
    return waveforms, labels, speech.speech_features(waveforms)


def titled(fig):
    """Every panel has a title; every row of panels has a y label, every column an x label."""
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for ax in panels:
        assert ax.get_title() or ax.get_title(loc="left"), "untitled panel"
    assert any(ax.get_ylabel() for ax in panels), "no y label"
    assert any(ax.get_xlabel() or ax.get_xticklabels() for ax in panels), "no x label"
    return fig


def test_waveform_pair(data):
    waveforms, labels, _ = data
    fig = titled(viz_speech.waveform_pair(waveforms[0], waveforms[1], "Reindeer"))
    lines = [ax.lines[0].get_ydata() for ax in fig.axes]
    np.testing.assert_array_equal(lines[0], waveforms[0])
    np.testing.assert_array_equal(lines[1], waveforms[1])
    with pytest.raises(ValueError, match="second"):
        viz_speech.waveform_pair(waveforms[0], waveforms[:2], "Reindeer")


def test_chunk_slicing_writes_each_zoomed_chunk_frequency(data):
    waveforms, _, features = data
    fig = titled(viz_speech.chunk_slicing(waveforms[0], features[0], zoom=(40, 44)))
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert texts == [f"#{k + 1}\n{features[0, k]:.3f}" for k in range(40, 44)]  # from 1
    with pytest.raises(ValueError, match="zoom"):
        viz_speech.chunk_slicing(waveforms[0], features[0], zoom=(120, 130))
    with pytest.raises(ValueError, match="features"):
        viz_speech.chunk_slicing(waveforms[0], features[:2])


def test_features_by_word_draws_per_word_utterances(data):
    _, labels, features = data
    fig = titled(viz_speech.features_by_word(features, labels, per_word=2))
    assert [len(ax.lines) for ax in fig.axes] == [2, 2, 2, 2]
    assert "RAIN + DEER" in fig.axes[0].get_title(loc="left")
    x = fig.axes[0].lines[0].get_xdata()
    assert x[0] == 1 and x[-1] == features.shape[1]          # chunks 1 to 128, as the text
    with pytest.raises(ValueError, match="features"):
        viz_speech.features_by_word(features[:5], labels)


def test_training_curves_draw_training_and_validation_per_epoch():
    history = {"loss": [1.2, 0.6, 0.3], "val_loss": [1.1, 0.7, 0.5],
               "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.45, 0.75, 0.85]}
    fig = titled(viz_speech.training_curves(history))
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in acc_ax.lines] == ["training", "validation"]
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), [45, 75, 85])   # in percent
    np.testing.assert_allclose(loss_ax.lines[0].get_xdata(), [1, 2, 3])    # epochs from 1
    with pytest.raises(ValueError, match="history: expected per-epoch .* val_loss, val_accuracy"):
        viz_speech.training_curves({"loss": [1.0], "accuracy": [0.5]})


def test_probability_bars_heights_and_labels():
    probs = np.array([0.96, 0.02, 0.019, 0.001])
    fig = titled(viz_speech.probability_bars(probs, true_word="Reindeer"))
    ax = fig.axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], probs * 100)
    assert [t.get_text() for t in ax.texts] == ["96.0 %", "2.0 %", "1.9 %", "0.1 %"]
    with pytest.raises(ValueError, match="probs"):
        viz_speech.probability_bars(np.ones(3) / 3)


def test_probability_bars_breaks_a_long_title_after_its_colon():
    probs = np.array([0.96, 0.02, 0.019, 0.001])
    title = "One utterance of “Reindeer”: the network's answer"
    fig = viz_speech.probability_bars(probs, title=title)
    assert fig.axes[0].get_title() == "One utterance of “Reindeer”:\nthe network's answer"
    assert viz_speech.probability_bars(probs, title="Short").axes[0].get_title() == "Short"


def test_hidden_bars_reports_the_sum():
    values = np.array([0.0, 2.5, 1.0, 0.0])
    fig = titled(viz_speech.hidden_bars(values))
    assert "3.50" in fig.axes[0].get_title()
    assert [p.get_x() + p.get_width() / 2 for p in fig.axes[0].patches] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="values"):
        viz_speech.hidden_bars(np.ones((2, 2)))


def test_unit_word_heatmap():
    fig = titled(viz_speech.unit_word_heatmap(np.arange(24.0).reshape(4, 6) / 10))
    assert len(fig.axes[0].texts) == 24
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1", "2", "3", "4", "5", "6"]
    with pytest.raises(ValueError, match="mean_values"):
        viz_speech.unit_word_heatmap(np.ones((3, 6)))


def test_unit_word_heatmap_numbers_stay_readable_in_the_book():
    fig = viz_speech.unit_word_heatmap(np.ones((4, 16)))
    assert fig.get_figwidth() * 80 <= 672       # not shrunk on a 672 px page
    assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 9


def test_explorer_grid_is_small_enough_and_importable():
    explorer = viz_speech.explorer()
    assert len(explorer) <= MAX_FRAMES
    assert explorer.spec()["function"] == "nnlib.viz.speech:speech_explorer"


def test_explorer_utterance_depends_only_on_its_arguments():
    a = viz_speech.explorer_utterance("Adding", 2, 0.1)
    b = viz_speech.explorer_utterance("Adding", 2, 0.1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, viz_speech.explorer_utterance("Adding", 3, 0.1))
    # more noise: the same speaker, more hiss
    clean = viz_speech.explorer_utterance("Adding", 2, 0.0)
    assert np.std(a - clean) == pytest.approx(0.1, rel=0.05)


def _extremes():
    controls = viz_speech.speech_explorer_controls()
    ends = [c.values() if len(c.values()) <= 4 else [c.values()[0], c.values()[-1]]
            for c in controls]
    ends = [v if c.name == "word" else [v[0], v[-1]] for c, v in zip(controls, ends)]
    return [dict(zip([c.name for c in controls], combo)) for combo in itertools.product(*ends)]


@pytest.mark.parametrize("params", _extremes(), ids=lambda p: "-".join(map(str, p.values())))
def test_explorer_renders_every_extreme_without_warnings(params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = viz_speech.speech_explorer(**params)
        png = render_png(fig)
    assert png[:4] == b"\x89PNG"
    wave_ax, feat_ax, bar_ax = fig.axes
    assert params["word"] in wave_ax.get_title()
    heights = np.array([p.get_height() for p in bar_ax.patches])
    assert heights.sum() == pytest.approx(100.0)
    assert bar_ax.get_title() == f"Answer: {speech.WORDS[int(np.argmax(heights))]}"


def test_explorer_is_a_pure_function_and_mostly_right_on_clean_speech():
    first = render_png(viz_speech.speech_explorer("Raining", 1, 0.15))
    again = render_png(viz_speech.speech_explorer("Raining", 1, 0.15))
    assert first == again
    model = speech.trained_recogniser()
    waves = [viz_speech.explorer_utterance(w, u, 0.0) for w in speech.WORDS for u in range(4)]
    probs = speech.word_probabilities(model, speech.speech_features(np.stack(waves)))
    assert (probs.argmax(axis=1) == np.repeat(np.arange(4), 4)).sum() >= 12
