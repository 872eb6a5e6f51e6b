"""Tests of nnlib.explore.recurrent: chapter 13's building blocks, gate values, gradient
measurements and training runs."""
import numpy as np
import pytest

from nnlib import nn
from nnlib.data import sequences, speech
from nnlib.explore import recurrent as rc
from nnlib.numerical import gradcheck, numerical_gradient, rel_error
from nnlib.tensor import Tensor


# ---------------------------------------------------------------------------- building blocks
@pytest.mark.parametrize("kind, bias", [("lstm", 3.0), ("gru", 3.0), ("lstm", 0.0)])
def test_recurrent_layer_sets_the_memory_gate_bias_exactly(kind, bias):
    layer = rc.recurrent_layer(kind, 4, 6, gate_bias=bias, rng=0)
    total = layer.bias_ih.data + layer.bias_hh.data
    np.testing.assert_array_equal(total[6:12], bias)
    assert np.any(total[:6] != bias)                  # the other gates keep their random start
    gates = rc.gate_values(layer, np.zeros((3, 4)))   # with zero input and state, at step 0
    name = "forget" if kind == "lstm" else "update"
    np.testing.assert_allclose(gates[name][0], 1 / (1 + np.exp(-bias)), atol=1e-12)


def test_recurrent_layer_refuses_settings_it_cannot_have():
    with pytest.raises(ValueError, match="gate_bias"):
        rc.recurrent_layer("rnn", 2, 3, gate_bias=3)
    with pytest.raises(ValueError, match="nonlinearity"):
        rc.recurrent_layer("gru", 2, 3, nonlinearity="relu")
    with pytest.raises(ValueError, match="kind"):
        rc.recurrent_layer("transformer", 2, 3)
    with pytest.raises(ValueError, match="cell"):
        rc.cell_settings("LSTM")


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_gate_values_reproduce_the_layers_outputs(rng, kind):
    layer = rc.recurrent_layer(kind, 3, 5, gate_bias=0.0, rng=rng)
    x = rng.normal(size=(4, 7, 3))
    gates = rc.gate_values(layer, x)
    result = layer(x)
    np.testing.assert_allclose(gates["hidden"], result[0].data, atol=1e-12, rtol=0)
    if kind == "lstm":
        np.testing.assert_allclose(gates["cell"][:, -1], result[1][1].data, atol=1e-12, rtol=0)
        c = gates["forget"][:, 3] * gates["cell"][:, 2] + gates["input"][:, 3] * \
            gates["candidate"][:, 3]
        np.testing.assert_allclose(gates["cell"][:, 3], c, atol=1e-12)
    single = rc.gate_values(layer, x[1])
    np.testing.assert_allclose(single["hidden"], gates["hidden"][1], atol=1e-12)
    for name, values in gates.items():
        if name in ("input", "forget", "output", "reset", "update"):
            assert values.min() > 0 and values.max() < 1, name


def test_gate_values_checks_its_input():
    layer = nn.GRU(3, 2)
    with pytest.raises(ValueError, match="x"):
        rc.gate_values(layer, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="ReLU"):
        rc.gate_values(nn.RNN(3, 2, nonlinearity="relu"), np.zeros((2, 3)))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_sequence_classifier_gradients_match_finite_differences(rng, kind):
    model = rc.SequenceClassifier(kind, 3, 4, 2, gate_bias=0.0 if kind == "rnn" else 1.5,
                                  rng=rng)
    x = rng.normal(size=(2, 5, 3))
    signs = Tensor(np.array([[1.0, -2.0]]))
    assert gradcheck(lambda t: model(t) * signs, x) < 1e-6           # dL/dx
    model.zero_grad()
    (model(x) * signs).sum().backward()
    for p in model.parameters():                                      # dL/dw, every weight
        numeric = numerical_gradient(lambda _: (model(x).data * signs.data).sum(), p.data)
        assert rel_error(p.grad, numeric) < 1e-5      # tiny entries: the estimate's noise


def test_classifier_and_forecaster_shapes(rng):
    model = rc.SequenceClassifier("lstm", 4, 6, 3, gate_bias=3, rng=rng)
    x = rng.normal(size=(2, 9, 4))
    assert model(x).shape == (2, 3)
    over_time = model.scores_over_time(x)
    assert over_time.shape == (2, 9, 3)
    np.testing.assert_allclose(over_time[:, -1], model(x).data, atol=1e-12)
    assert rc.Forecaster("gru", 5, rng=rng)(rng.normal(size=(3, 8, 1))).shape == (3, 8, 1)


# ---------------------------------------------------------------------------- gradients
def test_the_measured_gradient_is_the_layers_true_gradient(rng):
    layer = rc.recurrent_layer("rnn", 4, 3, rng=rng)
    x, _ = sequences.memory_task(2, 5, rng)
    assert gradcheck(lambda t: layer(t)[1].sum(), x) < 1e-6


def test_gradient_over_time_vanishes_for_the_rnn_and_not_for_a_biased_lstm():
    rnn = [rc.gradient_over_time("RNN (tanh)", T).first_to_last for T in (10, 20, 50)]
    assert rnn[0] > rnn[1] > rnn[2] and rnn[2] < 1e-9
    assert rc.gradient_over_time("LSTM, forget bias 0", 50).first_to_last < 1e-6
    assert 0.05 < rc.gradient_over_time("LSTM, forget bias 3", 100).first_to_last < 20
    run = rc.gradient_over_time("GRU, update bias 3", 20)
    assert run.ratios.shape == (20,) and run.ratios[-1] == 1.0
    assert run.hidden.shape == (20, 32) and run.memory_gate.shape == (20,)
    assert np.all(run.memory_gate > 0.8)                 # sigmoid(3) = 0.95, before training
    assert rc.gradient_over_time("RNN (tanh)", 5).memory_gate is None
    # large recurrent weights and ReLU: the gradient explodes instead
    assert rc.gradient_over_time("RNN (ReLU)", 50, weight_scale=4.0).first_to_last > 1e6
    assert rc.gradient_over_time("RNN (tanh)", 10) is rc.gradient_over_time("RNN (tanh)", 10)


def test_gradient_over_time_bad_arguments():
    with pytest.raises(ValueError, match="cell"):
        rc.gradient_over_time("GRU", 10)
    with pytest.raises(ValueError, match="length"):
        rc.gradient_over_time("RNN (tanh)", 0)
    with pytest.raises(ValueError, match="weight_scale"):
        rc.gradient_over_time("RNN (tanh)", 10, weight_scale=-1)


def test_sci_writes_powers_of_ten_for_readers():
    assert rc.sci(3.2e-13) == "3 × 10⁻¹³"
    assert rc.sci(5e-3) == "5 × 10⁻³"
    assert rc.sci(0.43) == "0.4"
    assert rc.sci(1.0) == "1"
    assert rc.sci(2.5e25) == "2 × 10²⁵" or rc.sci(2.5e25) == "3 × 10²⁵"
    assert rc.superscript(-12) == "⁻¹²"
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="value"):
            rc.sci(bad)


# ---------------------------------------------------------------------------- forecasting
def test_linear_forecast_is_exact_on_a_pure_sine():
    t = np.arange(300)
    s = np.sin(2 * np.pi * t / 24)
    guess = rc.linear_forecast(s[:200], s, order=24)
    assert guess.shape == (276,)
    np.testing.assert_allclose(guess, s[24:], atol=1e-8)


def test_train_forecaster_beats_the_naive_forecast():
    run = rc.train_forecaster("rnn", hidden_size=8, steps=150, seed=1)
    assert set(run.mse) == {"rnn", "naive", "linear", "noise"}
    assert len(run.targets) == len(run.predicted) == len(run.naive) == len(run.linear) == 452
    np.testing.assert_array_equal(run.naive[1:], run.targets[:-1])   # yesterday's value
    assert run.mse["rnn"] < 0.8 * run.mse["naive"]
    assert run.mse["noise"] < run.mse["rnn"]
    assert rc.train_forecaster("rnn", hidden_size=8, steps=150, seed=1) is run


# ---------------------------------------------------------------------------- memory task
def test_train_memory_learns_a_short_memory_and_is_cached():
    run = rc.train_memory("rnn", 3, seed=4)
    assert run.learned and run.accuracy >= 0.9
    assert run.steps <= rc.MEMORY_STEPS and run.curve[-1] == (run.steps, 1.0)
    assert rc.train_memory("rnn", 3, seed=4, gate_bias=0, distractors="random") is run


def test_train_memory_bad_arguments():
    with pytest.raises(ValueError, match="distractors"):
        rc.train_memory("rnn", 5, distractors="noise")
    with pytest.raises(ValueError, match="length"):
        rc.train_memory("rnn", 0)
    with pytest.raises(ValueError, match="gate_bias"):
        rc.train_memory("rnn", 5, gate_bias=1)


# ---------------------------------------------------------------------------- speech
def test_dense_recogniser_is_chapter_9s_network():
    ours, accuracy = rc.dense_recogniser(seed=1, n=120, epochs=2)
    theirs = speech.trained_recogniser(seed=1, n=120, epochs=2)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert 0 <= accuracy <= 1


def test_shift_chunks_moves_the_recording_and_fills_with_silence():
    f = np.arange(1.0, 9.0)[None]
    np.testing.assert_array_equal(rc.shift_chunks(f, 2), [[0, 0, 1, 2, 3, 4, 5, 6]])
    np.testing.assert_array_equal(rc.shift_chunks(f, -3), [[4, 5, 6, 7, 8, 0, 0, 0]])
    np.testing.assert_array_equal(rc.shift_chunks(f, 0), f)
    with pytest.raises(ValueError, match="chunks"):
        rc.shift_chunks(f, 8)


def test_word_beliefs_are_probabilities_after_every_chunk(rng):
    model = rc.SequenceClassifier("gru", 1, 4, len(speech.WORDS), rng=rng)
    features = rng.uniform(0, 0.3, size=(3, 128))
    beliefs = rc.word_beliefs(model, features)
    assert beliefs.shape == (3, 128, 4)
    np.testing.assert_allclose(beliefs.sum(axis=-1), 1, atol=1e-12)
    assert rc.word_beliefs(model, features[0]).shape == (128, 4)
    x = rc.speech_sequences(features)
    assert x.shape == (3, 128, 1)
    np.testing.assert_allclose(x[..., 0] * rc.SPEECH_UNIT_KHZ, features)
