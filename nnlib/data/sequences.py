"""Sequences for chapter 13 (*Recurrent networks*): a noisy time series and a memory task.

Both are made here from a seeded generator, nothing is downloaded:

* :func:`noisy_series`: a made-up hourly measurement (think of a temperature) with a daily
  cycle of 24 steps, a slower wave on top and random noise, for forecasting one step ahead;
  :func:`forecast_windows` cuts it into training examples.
* :func:`memory_task`: sequences of symbols where the answer is the *first* symbol and
  everything after it is a distraction. The number of distractors ``T`` sets how long the
  network must remember, so the task measures memory.

Shapes, batch first as everywhere in nnlib: N sequences, T time steps, D features per step
(1 for the series, K one-hot columns for the symbols).

>>> import numpy as np
>>> x, y = memory_task(2, 3, rng=np.random.default_rng(0))
>>> x.shape, y.shape            # 1 symbol to remember + 3 distractors, 4 symbols one-hot
((2, 4, 4), (2,))
"""
import numbers

import numpy as np

from nnlib._checks import as_rng, check_size

__all__ = ["DAY", "SERIES_NOISE", "SYMBOLS", "DISTRACTORS", "noisy_series",
           "forecast_windows", "memory_task"]

#: Steps in one cycle of the series' daily pattern (hours in a day).
DAY = 24
#: Standard deviation of the series' noise: no forecast can beat a squared error of its
#: square on average, because the noise of the next step cannot be known in advance.
SERIES_NOISE = 0.3
#: Symbols of the memory task (K): the answer is one of them, so chance is 1 / K.
SYMBOLS = 4
#: What fills the steps after the first symbol in :func:`memory_task`.
DISTRACTORS = ("random", "blank")


def _check_nonnegative(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
    return float(value)


def noisy_series(n_steps, rng=None, *, noise=SERIES_NOISE):
    """A noisy synthetic series of ``n_steps`` values and the clean signal under it.

    ``clean[t] = sin(2 pi t / 24 + a) + 0.5 sin(2 pi t / 90 + b)``: a daily cycle and a slower
    wave of about four days, with random phases a and b; ``series = clean + noise * e_t``,
    e_t standard normal and independent from step to step.

    Parameters
    ----------
    n_steps : int >= 2, the length T
    rng : np.random.Generator, int seed or None (seed 0)
    noise : float >= 0, the noise's standard deviation

    Returns
    -------
    series, clean : float arrays (T,)
    """
    n_steps = check_size("n_steps", n_steps)
    if n_steps < 2:
        raise ValueError(f"n_steps: expected at least 2 steps, got {n_steps}")
    noise = _check_nonnegative("noise", noise)
    rng = as_rng(rng)
    t = np.arange(n_steps)
    a, b = rng.uniform(0, 2 * np.pi, size=2)
    clean = np.sin(2 * np.pi * t / DAY + a) + 0.5 * np.sin(2 * np.pi * t / 90 + b)
    return clean + noise * rng.standard_normal(n_steps), clean


def forecast_windows(series, length):
    """Every stretch of ``length`` steps of ``series`` and, for each step, the next value.

    ``x[i] = series[i : i + length]`` and ``y[i] = series[i + 1 : i + length + 1]``: a
    network that reads ``x[i]`` one step at a time should output ``y[i, t]`` after step t,
    the value one step ahead.

    Parameters
    ----------
    series : 1-D array (S,) of finite numbers
    length : int, T, with T < S

    Returns
    -------
    x, y : float arrays (N, T, 1) with N = S - T windows
    """
    s = np.asarray(series, dtype=float)
    if s.ndim != 1 or not np.isfinite(s).all():
        raise ValueError(f"series: expected a 1-D array of finite numbers, got shape {s.shape}")
    length = check_size("length", length)
    if length >= len(s):
        raise ValueError(f"length: expected fewer steps than the series has ({len(s)}), "
                         f"got {length}")
    rows = np.arange(len(s) - length)[:, None] + np.arange(length + 1)[None, :]
    windows = s[rows]                                      # (N, T + 1)
    return windows[:, :-1, None], windows[:, 1:, None]


def memory_task(n, length, rng=None, *, symbols=SYMBOLS, distractors="random"):
    """``n`` sequences whose answer is their first symbol, followed by ``length`` distractors.

    Each sequence has ``length + 1`` steps, one symbol per step written one-hot (a row of
    ``symbols`` numbers, a 1 in the symbol's column). Step 0 holds the symbol to remember;
    steps 1 to ``length`` hold the distractors:

    * ``"random"``: random symbols from the same alphabet, so a distractor looks exactly
      like a symbol to remember; the network must keep its memory while new symbols arrive;
    * ``"blank"``: all zeros, nothing arrives; the network only has to hold on.

    Parameters
    ----------
    n : int, the number of sequences N
    length : int >= 0, the number of distractors T
    rng : np.random.Generator, int seed or None (seed 0)
    symbols : int >= 2, the number of symbols K (chance is 1 / K)
    distractors : "random" or "blank"

    Returns
    -------
    x : float array (N, T + 1, K), the sequences
    y : int array (N,), the first symbol of each, 0 to K - 1
    """
    n = check_size("n", n)
    if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 0:
        raise ValueError(f"length: expected a whole number >= 0 of distractors, got {length!r}")
    symbols = check_size("symbols", symbols)
    if symbols < 2:
        raise ValueError(f"symbols: expected at least 2 symbols, got {symbols}")
    if distractors not in DISTRACTORS:
        raise ValueError(f"distractors: expected one of {DISTRACTORS}, got {distractors!r}")
    rng = as_rng(rng)
    length = int(length)
    first = rng.integers(0, symbols, size=n)
    x = np.zeros((n, length + 1, symbols))
    x[np.arange(n), 0, first] = 1
    if distractors == "random" and length:
        later = rng.integers(0, symbols, size=(n, length))
        x[np.arange(n)[:, None], np.arange(1, length + 1)[None, :], later] = 1
    return x, first
