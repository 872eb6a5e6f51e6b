"""Tests of nnlib.viz.recurrent: chapter 13's figures and its gradient explorer."""
import numpy as np
import pytest
from figure_helpers import render, texts

from nnlib.data import sequences, speech
from nnlib.explore import recurrent as rc
from nnlib.viz import recurrent as vr

pytestmark = pytest.mark.filterwarnings("error")


def test_symbol_text_writes_letters_and_blanks():
    x, y = sequences.memory_task(1, 4, rng=0)
    text = vr.symbol_text(x[0])
    assert text[0] == vr.SYMBOL_NAMES[y[0]] and text[1:4] == " | " and len(text) == 8
    blank, _ = sequences.memory_task(1, 3, rng=0, distractors="blank")
    assert vr.symbol_text(blank[0]).endswith("···")
    with pytest.raises(ValueError, match="x"):
        vr.symbol_text(x)


def test_fading_memory_figure_draws_one_line_per_weight():
    fig = render(vr.fading_memory_figure(weights=(0.5, 2.0), steps=10))
    lines = [line for line in fig.axes[0].lines if line.get_label().startswith("w =")]
    assert [line.get_label() for line in lines] == ["w = 0.5", "w = 2"]
    fading, locked = (line.get_ydata() for line in lines)
    np.testing.assert_allclose(fading[0], np.tanh(1.0))
    np.testing.assert_allclose(fading[1], np.tanh(0.5 * np.tanh(1.0)))
    assert fading[-1] < 0.01 < 0.9 < locked[-1]
    with pytest.raises(ValueError, match="weights"):
        vr.fading_memory_figure(weights=())


def test_unrolled_figure_labels_every_step():
    fig = render(vr.unrolled_figure(steps=3))
    drawn = " ".join(texts(fig))
    for k in (1, 2, 3):
        assert f"$x_{k}$" in drawn
    assert "backpropagation through time" in drawn and "3 steps" in drawn
    with pytest.raises(ValueError, match="steps"):
        vr.unrolled_figure(steps=9)


def test_forecast_figure_shows_the_errors():
    run = rc.train_forecaster("rnn", hidden_size=8, steps=150, seed=1)
    fig = render(vr.forecast_figure(run, span=50))
    drawn = texts(fig)
    for key in ("naive", "linear", "rnn", "noise"):
        assert f"{run.mse[key]:.3f}" in drawn
    with pytest.raises(ValueError, match="span"):
        vr.forecast_figure(run, span=1)


def test_gradient_decay_figure_marks_the_first_inputs():
    runs = [rc.gradient_over_time("RNN (tanh)", T) for T in (10, 20)]
    fig = render(vr.gradient_decay_figure(runs))
    drawn = texts(fig)
    assert rc.sci(runs[1].first_to_last) in drawn
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="runs"):
        vr.gradient_decay_figure([])


def test_memory_results_figure_writes_every_accuracy():
    table = {"plain RNN": {10: 1.0, 20: 0.25}, "LSTM": {10: 1.0, 20: 0.998}}
    fig = render(vr.memory_results_figure(table, [("blank", 0.5), ("random", 0.26)]))
    drawn = texts(fig)
    assert "25" in drawn and "100" in drawn and "50 %" in drawn and "26 %" in drawn
    assert len(fig.axes) == 2
    assert len(render(vr.memory_results_figure(table)).axes) == 1
    with pytest.raises(ValueError, match="table"):
        vr.memory_results_figure({})


@pytest.mark.parametrize("kind, rows", [("lstm", 4), ("gru", 3)])
def test_gates_figure_draws_each_gate(rng, kind, rows):
    layer = rc.recurrent_layer(kind, 4, 6, gate_bias=3, rng=rng)
    x, _ = sequences.memory_task(1, 9, rng)
    fig = render(vr.gates_figure(rc.gate_values(layer, x[0]), x[0], kind))
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == rows
    assert images[0].images[0].get_array().shape == (6, 10)
    labels = [t.get_text() for t in images[-1].get_xticklabels()]
    assert "".join(labels) == vr.symbol_text(x[0]).replace(" | ", "")
    with pytest.raises(ValueError, match="kind"):
        vr.gates_figure({}, x[0], "rnn")


def test_speech_figures(rng):
    model = rc.SequenceClassifier("gru", 1, 4, 4, rng=rng)
    features = rng.uniform(0, 0.3, size=(2, 128))
    fig = render(vr.speech_beliefs_figure(features, rc.word_beliefs(model, features),
                                          ["Reindeer", "Adding"]))
    assert "a recording of Adding" in texts(fig)
    with pytest.raises(ValueError, match="beliefs"):
        vr.speech_beliefs_figure(features, np.ones((2, 128, 3)), ["a", "b"])
    shifts = (-5, 0, 5)
    fig = render(vr.shift_figure(shifts, {"dense": [0.5, 0.9, 0.4], "gru": [0.9, 0.95, 0.9]},
                                 example=features[0]))
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 3   # two curves and guessing
    with pytest.raises(ValueError, match="accuracy"):
        vr.shift_figure(shifts, {"dense": [0.5]})


def test_explorer_grid_and_extremes_render():
    explorer = vr.gradient_explorer()
    assert len(explorer) == 96
    for cell in rc.CELLS:
        for scale in (0.5, 4.0):
            fig = render(vr.gradient_explorer_figure(cell, 100, scale))
            assert cell in fig._suptitle.get_text()
    fig = render(vr.gradient_explorer_figure("RNN (ReLU)", 100, 4.0))
    assert "10²" in fig.axes[0].get_title()                   # it exploded
    fig = render(vr.gradient_explorer_figure("LSTM, forget bias 3", 10, 1.0))
    assert "forget gate" in texts(fig)[-1] or any("forget gate" in t for t in texts(fig))
