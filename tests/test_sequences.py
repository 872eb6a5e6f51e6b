"""Tests of nnlib.data.sequences: chapter 13's noisy series, forecasting windows and memory task."""
import numpy as np
import pytest

from nnlib.data import sequences


def test_noisy_series_is_the_clean_signal_plus_noise_of_the_given_size():
    series, clean = sequences.noisy_series(5000, rng=3, noise=0.3)
    assert series.shape == clean.shape == (5000,)
    noise = series - clean
    assert abs(noise.std() - 0.3) < 0.02 and abs(noise.mean()) < 0.02
    # the clean signal repeats its daily cycle up to the slow wave: a lag of 24 is closer
    # than a lag of 12 (half a day: the daily part flips sign)
    assert np.mean((clean[24:] - clean[:-24]) ** 2) < np.mean((clean[12:] - clean[:-12]) ** 2)
    assert np.abs(clean).max() <= 1.5 + 1e-12


def test_noisy_series_is_repeatable_and_noise_zero_gives_the_signal():
    a = sequences.noisy_series(100, rng=np.random.default_rng(7))
    b = sequences.noisy_series(100, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    series, clean = sequences.noisy_series(50, rng=1, noise=0)
    np.testing.assert_array_equal(series, clean)


def test_forecast_windows_pair_each_step_with_the_next_value():
    s = np.arange(10.0)
    x, y = sequences.forecast_windows(s, 4)
    assert x.shape == y.shape == (6, 4, 1)
    np.testing.assert_array_equal(x[2, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(y[2, :, 0], [3, 4, 5, 6])
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])


def test_memory_task_answer_is_the_first_symbol():
    x, y = sequences.memory_task(200, 7, rng=0)
    assert x.shape == (200, 8, 4) and y.shape == (200,)
    np.testing.assert_array_equal(x.sum(axis=2), 1)          # one symbol per step
    np.testing.assert_array_equal(x[:, 0].argmax(axis=1), y)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    # the distractors are random symbols, independent of the answer
    later = x[:, 1:].argmax(axis=2)
    assert set(np.unique(later)) == {0, 1, 2, 3}
    assert abs(np.mean(later == y[:, None]) - 0.25) < 0.05


def test_memory_task_blank_distractors_are_zeros():
    x, y = sequences.memory_task(5, 3, rng=1, symbols=6, distractors="blank")
    assert x.shape == (5, 4, 6)
    np.testing.assert_array_equal(x[:, 1:], 0)
    np.testing.assert_array_equal(x[:, 0].argmax(axis=1), y)
    x0, _ = sequences.memory_task(3, 0, rng=1)
    assert x0.shape == (3, 1, 4)


@pytest.mark.parametrize("call, match", [
    (lambda: sequences.noisy_series(1), "n_steps"),
    (lambda: sequences.noisy_series(10, noise=-1), "noise"),
    (lambda: sequences.forecast_windows(np.arange(5.0), 5), "length"),
    (lambda: sequences.forecast_windows(np.ones((3, 3)), 1), "series"),
    (lambda: sequences.memory_task(0, 3), "n"),
    (lambda: sequences.memory_task(4, -1), "length"),
    (lambda: sequences.memory_task(4, 2, symbols=1), "symbols"),
    (lambda: sequences.memory_task(4, 2, distractors="noise"), "distractors"),
    (lambda: sequences.memory_task(4, 2, rng="seed"), "rng"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
