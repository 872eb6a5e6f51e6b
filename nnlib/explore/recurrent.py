"""The computations of chapter 13, *Recurrent networks*: small sequence models, trained and
taken apart.

Used by the chapter's notebook, its figures (:mod:`nnlib.viz.recurrent`) and its explorer:

- **Building blocks** (:data:`CELLS`, :func:`recurrent_layer`, :class:`SequenceClassifier`,
  :class:`Forecaster`): ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` with a linear layer on top,
  and the *gate bias* that decides how much an LSTM or a GRU keeps of its memory at the
  start of training.
- **Inside the cells** (:func:`gate_values`): the gates of an LSTM or a GRU at every step,
  computed again from the layer's weights with the equations written out in numpy.
- **Gradients through time** (:func:`gradient_over_time`): how much of the gradient of
  the last hidden state reaches each input, for an untrained layer.
- **Training runs**, each cached so that the notebook, the figures and the exercises train
  it once: :func:`train_forecaster` (a noisy series one step ahead),
  :func:`train_memory` (recall the first symbol, :func:`~nnlib.data.sequences.memory_task`)
  and :func:`train_speech` (chapter 9's recordings read chunk by chunk).

Everything runs in float64 with seeded generators and one BLAS thread (the products are
small, and on a busy 2-core machine more threads only fight). That is not quite enough for
the same numbers on every machine: processors round the last bit of a matrix product
differently, and a recurrent network that suddenly "gets" a memory task amplifies such
differences until it gets it a few steps earlier or later. So after every update the
training loops here round each weight to 8 decimals (:func:`snap`): two machines then hold
the very same weights unless a weight lands within about 1e-16 of a rounding boundary, and
a change of 1e-8 is far too small to matter for training.
"""
import functools
import numbers
from dataclasses import dataclass

import numpy as np

from nnlib.explore.runs import one_blas_thread
from nnlib import losses, nn, optim
from nnlib._checks import check_size
from nnlib.data import sequences, speech
from nnlib.tensor import Tensor, no_grad

__all__ = [
    "KINDS", "CELLS", "SNAP_DECIMALS", "snap", "cell_settings", "recurrent_layer", "SequenceClassifier", "Forecaster",
    "gate_values", "GradientRun", "gradient_over_time", "superscript", "sci",
    "FORECAST_LENGTH", "ForecastRun", "train_forecaster", "linear_forecast",
    "MEMORY_HIDDEN", "MEMORY_LR", "MEMORY_STEPS", "MEMORY_BATCH", "MemoryRun", "train_memory",
    "SPEECH_SEED", "SPEECH_UNIT_KHZ", "SpeechData", "speech_data", "dense_recogniser",
    "speech_sequences", "SpeechRun", "train_speech", "word_beliefs", "shift_chunks",
    "SHIFTS", "shift_accuracy",
]

#: The recurrent layers by name.
KINDS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

#: The cells of the explorer's menu: label -> (kind, nonlinearity, gate bias).
CELLS = {
    "RNN (tanh)": ("rnn", "tanh", 0.0),
    "RNN (ReLU)": ("rnn", "relu", 0.0),
    "LSTM, forget bias 0": ("lstm", "tanh", 0.0),
    "LSTM, forget bias 3": ("lstm", "tanh", 3.0),
    "GRU, update bias 0": ("gru", "tanh", 0.0),
    "GRU, update bias 3": ("gru", "tanh", 3.0),
}


#: Decimals every weight is rounded to after each update (see the module's doc).
SNAP_DECIMALS = 8


def snap(parameters):
    """Round every parameter's values to :data:`SNAP_DECIMALS` decimals, in place."""
    for p in parameters:
        np.round(p.data, SNAP_DECIMALS, out=p.data)


def _step(model, optimizer, loss):
    """One update: backpropagate ``loss``, let ``optimizer`` step, round the weights."""
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    snap(model.parameters())


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {list(KINDS)}, got {kind!r}")
    return kind


def _check_number(name, value, low=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or (low is not None and value < low):
        bound = "" if low is None else f" >= {low}"
        raise ValueError(f"{name}: expected a finite number{bound}, got {value!r}")
    return float(value)


def cell_settings(cell):
    """``(kind, nonlinearity, gate_bias)`` of a label of :data:`CELLS`."""
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {list(CELLS)}, got {cell!r}")
    return CELLS[cell]


# ---------------------------------------------------------------------------- building blocks
def recurrent_layer(kind, input_size, hidden_size, *, gate_bias=0.0, nonlinearity="tanh",
                    rng=None):
    """``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` with its memory gate's bias set to ``gate_bias``.

    The gate that decides how much of the old state to keep is the second block of four
    (LSTM: i, **f**, g, o) or of three (GRU: r, **z**, n) in PyTorch's order: the LSTM's
    *forget* gate keeps ``f * c`` and the GRU's *update* gate keeps ``z * h``. Its total
    bias (``bias_ih + bias_hh``) is set to exactly ``gate_bias``: 0 is about where PyTorch's
    random start puts it, 3 starts the gate at sigmoid(3) = 0.95, keeping 95 % per step.
    A plain RNN has no gate: ``gate_bias`` must be 0.
    """
    layer_class = KINDS[_check_kind(kind)]
    gate_bias = _check_number("gate_bias", gate_bias)
    if kind == "rnn":
        if gate_bias != 0:
            raise ValueError(f"gate_bias: a plain RNN has no gate, expected 0, got {gate_bias}")
        return nn.RNN(input_size, hidden_size, nonlinearity=nonlinearity, rng=rng)
    if nonlinearity != "tanh":
        raise ValueError(f"nonlinearity: {kind.upper()} cells use tanh, got {nonlinearity!r}")
    layer = layer_class(input_size, hidden_size, rng=rng)
    H = layer.hidden_size
    layer.bias_ih.data[H:2 * H] = gate_bias
    layer.bias_hh.data[H:2 * H] = 0.0
    return layer


def _last_state(result):
    """h_n of a layer's result: ``(output, h_n)`` or, for the LSTM, ``(output, (h_n, c_n))``."""
    h_n = result[1]
    return h_n[0] if isinstance(h_n, tuple) else h_n


class SequenceClassifier(nn.Module):
    """A recurrent layer reads a sequence; a linear layer turns its last hidden state into
    scores, one per class (chapter 13).

    ``forward(x)``: x (N, T, D) -> logits (N, C). The layer is ``self.rnn`` (see
    :func:`recurrent_layer` for ``gate_bias``), the head ``self.head`` (H -> C).
    """

    def __init__(self, kind, input_size, hidden_size, n_classes, *, gate_bias=0.0,
                 nonlinearity="tanh", rng=None):
        self.kind = _check_kind(kind)
        self.rnn = recurrent_layer(kind, input_size, hidden_size, gate_bias=gate_bias,
                                   nonlinearity=nonlinearity, rng=rng)
        self.head = nn.Linear(hidden_size, n_classes, rng=rng)

    def forward(self, x):
        return self.head(_last_state(self.rnn(x)))

    def scores_over_time(self, x):
        """The head applied to the hidden state after every step: (N, T, C), no graph.

        Only the last step's scores were trained; the earlier ones show what the network
        would answer if the sequence stopped there."""
        with no_grad():
            output = self.rnn(x)[0]
            return np.array(self.head(output).data)


class Forecaster(nn.Module):
    """A recurrent layer and a linear layer on every hidden state: after each step of a
    series, a guess of the next value (chapter 13).

    ``forward(x)``: x (N, T, 1) -> predictions (N, T, 1), ``predictions[:, t]`` the guess of
    ``x[:, t + 1]``.
    """

    def __init__(self, kind, hidden_size, *, rng=None):
        self.kind = _check_kind(kind)
        self.rnn = recurrent_layer(kind, 1, hidden_size, rng=rng)
        self.head = nn.Linear(hidden_size, 1, rng=rng)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


# ---------------------------------------------------------------------------- inside the cells
def _sigmoid(a):
    return 0.5 * (1 + np.tanh(0.5 * a))


def gate_values(layer, x):
    """Every gate and state of ``layer`` at every step of ``x``, from the equations.

    layer : an ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` (tanh); x : (N, T, D) or (T, D)

    Returns a dict of arrays (N, T, H) (or (T, H) for one sequence), computed in numpy from
    the layer's weights, with ``a_t = x_t W_ih + b_ih + h_{t-1} W_hh + b_hh`` split by gate:

    * RNN: ``h = tanh(a)``;
    * LSTM: ``input`` i, ``forget`` f, ``output`` o (sigmoids), ``candidate`` g (tanh),
      ``cell`` c = f c + i g, ``hidden`` h = o tanh(c);
    * GRU: ``reset`` r, ``update`` z (sigmoids), ``candidate`` n = tanh(x W_in + b_in +
      r (h W_hn + b_hn)), ``hidden`` h = (1 - z) n + z h.

    The ``hidden`` entry equals the layer's own output (the tests check it).
    """
    x = np.asarray(x, dtype=float)
    single = x.ndim == 2
    x = x[None] if single else x
    if x.ndim != 3 or x.shape[2] != layer.input_size:
        raise ValueError(f"x: expected shape (N, T, {layer.input_size}) or "
                         f"(T, {layer.input_size}), got {np.shape(x)}")
    if getattr(layer, "nonlinearity", "tanh") != "tanh":
        raise ValueError("layer: gate_values follows the tanh equations, got a ReLU RNN")
    w_ih, w_hh = layer.weight_ih.data, layer.weight_hh.data
    b_ih = 0 if layer.bias_ih is None else layer.bias_ih.data
    b_hh = 0 if layer.bias_hh is None else layer.bias_hh.data
    N, T, _ = x.shape
    H = layer.hidden_size
    h, c = np.zeros((N, H)), np.zeros((N, H))
    names = {nn.LSTM: ("input", "forget", "candidate", "output", "cell", "hidden"),
             nn.GRU: ("reset", "update", "candidate", "hidden")}.get(type(layer), ("hidden",))
    out = {name: np.empty((N, T, H)) for name in names}
    for t in range(T):
        ax, ah = x[:, t] @ w_ih + b_ih, h @ w_hh + b_hh
        if isinstance(layer, nn.LSTM):
            a = ax + ah
            i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
            g = np.tanh(a[:, 2 * H:3 * H])
            c = f * c + i * g
            h = o * np.tanh(c)
            values = (i, f, g, o, c, h)
        elif isinstance(layer, nn.GRU):
            r = _sigmoid(ax[:, :H] + ah[:, :H])
            z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
            n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
            h = (1 - z) * n + z * h
            values = (r, z, n, h)
        else:
            h = np.tanh(ax + ah)
            values = (h,)
        for name, value in zip(names, values):
            out[name][:, t] = value
    return {name: v[0] for name, v in out.items()} if single else out


# ---------------------------------------------------------------------------- gradients
@dataclass(frozen=True)
class GradientRun:
    """What :func:`gradient_over_time` measured.

    ``ratios`` (T,): the gradient reaching input t relative to the one reaching the last
    input (median over the sequences), so ``ratios[-1] == 1``. ``hidden`` (T, H): the
    hidden state of the first sequence at every step. ``memory_gate`` (T,) or None: the
    mean forget (LSTM) or update (GRU) gate of the first sequence at every step.
    """

    cell: str
    length: int
    weight_scale: float
    ratios: np.ndarray
    hidden: np.ndarray
    memory_gate: object

    @property
    def first_to_last(self):
        """The gradient reaching the first input relative to the last: ``ratios[0]``."""
        return float(self.ratios[0])


def gradient_over_time(cell="RNN (tanh)", length=20, *, weight_scale=1.0, hidden_size=32,
                       n=64, seed=0):
    """How much gradient reaches each input of an untrained recurrent layer.

    The layer (``cell``, a label of :data:`CELLS`; ``weight_hh`` multiplied by
    ``weight_scale``) reads ``n`` sequences of ``length`` random one-hot symbols (the
    memory task's distractors). The loss is the sum of the last hidden state; backward
    gives dL/dx_t for every step t, and its length ``|dL/dx_t|`` is compared with the last
    step's, ``|dL/dx_t| / |dL/dx_{T-1}|``, sequence by sequence (median over the n).
    Returns a :class:`GradientRun` (cached).
    """
    cell_settings(cell)
    length = check_size("length", length)
    weight_scale = _check_number("weight_scale", weight_scale, low=0)
    return _gradient_over_time(cell, length, weight_scale, check_size("hidden_size",
                               hidden_size), check_size("n", n), int(seed))


@functools.lru_cache(maxsize=128)
@one_blas_thread
def _gradient_over_time(cell, length, weight_scale, hidden_size, n, seed):
    kind, nonlinearity, gate_bias = CELLS[cell]
    rng = np.random.default_rng(seed)
    layer = recurrent_layer(kind, sequences.SYMBOLS, hidden_size, gate_bias=gate_bias,
                            nonlinearity=nonlinearity, rng=rng)
    layer.weight_hh.data *= weight_scale
    symbols, _ = sequences.memory_task(n, length - 1, rng)
    x = Tensor(symbols, requires_grad=True)
    with np.errstate(over="ignore", invalid="ignore"):
        _last_state(layer(x)).sum().backward()
        size = np.linalg.norm(x.grad, axis=2)                    # (n, T)
        ratios = np.median(size / size[:, -1:], axis=0)
    gates = None if kind == "rnn" else gate_values(layer, symbols[0])
    memory_gate = None if gates is None else \
        gates["forget" if kind == "lstm" else "update"].mean(axis=1)
    with no_grad():
        states = np.array(layer(symbols[:1])[0].data[0])
    return GradientRun(cell, length, weight_scale, ratios, states, memory_gate)


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(number):
    """An integer written in superscript digits: -13 -> '⁻¹³'."""
    return str(int(number)).translate(_SUPERSCRIPTS)


def sci(value):
    """A positive number to one significant digit in words a reader knows: 0.4 -> '0.4',
    3.2e-13 -> '3 × 10⁻¹³' (for the book's text; the digits are stable across machines)."""
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"value: expected a positive finite number, got {value!r}")
    mantissa, exponent = f"{value:.0e}".split("e")
    exponent = int(exponent)
    if -2 <= exponent <= 2:
        return f"{float(f'{value:.1g}'):g}"
    return f"{mantissa} × 10{superscript(exponent)}"


# ---------------------------------------------------------------------------- forecasting
#: Steps a forecaster reads before each guess (two days of the hourly series).
FORECAST_LENGTH = 48


@dataclass
class ForecastRun:
    """A trained :class:`Forecaster` and its scores on the test part of the series.

    series, clean : the whole series (S,) and the signal under its noise; ``n_train``: the
    first n_train values are for training, the rest for testing. ``targets`` (M,) are the
    test values that each have FORECAST_LENGTH values before them in the test part, and
    ``predicted``, ``naive`` and ``linear`` the three forecasts of them. ``mse`` holds the
    mean squared error of each (and of the clean signal: the noise, which no forecast can
    predict).
    """

    model: Forecaster
    series: np.ndarray
    clean: np.ndarray
    n_train: int
    targets: np.ndarray
    predicted: np.ndarray
    naive: np.ndarray
    linear: np.ndarray
    mse: dict


def linear_forecast(train, series, order=24):
    """A straight weighted sum of the last ``order`` values (plus a constant), fitted by least
    squares on ``train``: the forecast of ``series[t]`` from ``series[t - order : t]`` for
    every t >= order. Returns an array (len(series) - order,)."""
    def lagged(s):
        rows = np.arange(len(s) - order)[:, None] + np.arange(order)[None, :]
        return np.column_stack([s[rows], np.ones(len(rows))])
    train, series = np.asarray(train, float), np.asarray(series, float)
    weights = np.linalg.lstsq(lagged(train), train[order:], rcond=None)[0]
    return lagged(series) @ weights


def train_forecaster(kind="rnn", hidden_size=16, steps=400, seed=0):
    """Train a :class:`Forecaster` on a noisy series, one step ahead (cached).

    The series (:func:`~nnlib.data.sequences.noisy_series`, 2,000 steps) is split in time:
    the first 1,500 values for training, the last 500 for testing. Training: ``steps`` of
    Adam (learning rate 0.01) on 32 random windows of FORECAST_LENGTH steps, mean squared
    error at every step of the window. Test: at each test value the forecaster reads the
    FORECAST_LENGTH values before it; the naive forecast repeats the last value; the linear
    one is :func:`linear_forecast`. Returns a :class:`ForecastRun`.
    """
    return _train_forecaster(_check_kind(kind), check_size("hidden_size", hidden_size),
                             check_size("steps", steps), int(seed))


@functools.lru_cache(maxsize=8)
@one_blas_thread
def _train_forecaster(kind, hidden_size, steps, seed):
    rng = np.random.default_rng(seed)
    series, clean = sequences.noisy_series(2000, rng)
    n_train, L = 1500, FORECAST_LENGTH
    x_train, y_train = sequences.forecast_windows(series[:n_train], L)
    model = Forecaster(kind, hidden_size, rng=rng)
    snap(model.parameters())
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        rows = rng.integers(0, len(x_train), size=32)
        _step(model, optimizer, losses.mse(model(x_train[rows]), y_train[rows]))
    test = series[n_train:]
    x_test, y_test = sequences.forecast_windows(test, L)
    with no_grad():
        predicted = np.array(model(x_test).data[:, -1, 0])
    targets = y_test[:, -1, 0]
    naive = x_test[:, -1, 0]
    linear = linear_forecast(series[:n_train], test)[L - 24:]
    truth = clean[n_train + L:]
    mse = {name: float(np.mean((guess - targets) ** 2)) for name, guess in
           (("rnn", predicted), ("naive", naive), ("linear", linear), ("noise", truth))}
    return ForecastRun(model, series, clean, n_train, targets, predicted, naive, linear, mse)


# ---------------------------------------------------------------------------- the memory task
#: Hidden size, learning rate (Adam), most gradient steps and sequences per step of every
#: memory-task run.
MEMORY_HIDDEN, MEMORY_LR, MEMORY_STEPS, MEMORY_BATCH = 32, 0.003, 600, 32
_CHECK_EVERY, _CHECK_SIZE, _TEST_SIZE = 50, 128, 1000


@dataclass
class MemoryRun:
    """One training run on the memory task.

    accuracy : share of 1,000 new test sequences whose first symbol is recalled (chance
        1 / 4); steps : gradient steps taken (training stops early once the check batch is
        answered perfectly); curve : (step, accuracy on the check batch) every 50 steps.
    """

    kind: str
    length: int
    gate_bias: float
    distractors: str
    seed: int
    model: SequenceClassifier
    accuracy: float
    steps: int
    curve: list

    @property
    def learned(self):
        """Whether the run recalls at least 90 % of the test sequences."""
        return self.accuracy >= 0.9


def train_memory(kind, length, *, gate_bias=0.0, distractors="random", seed=0):
    """Train a :class:`SequenceClassifier` to recall the first of ``length + 1`` symbols.

    Every gradient step draws :data:`MEMORY_BATCH` fresh sequences
    (:func:`~nnlib.data.sequences.memory_task`); Adam with learning rate
    :data:`MEMORY_LR`; a hidden state of :data:`MEMORY_HIDDEN` numbers. Every 50 steps the
    network answers a check batch of 128 sequences; training stops when it gets them all
    right, or after :data:`MEMORY_STEPS` steps. Cached: the same arguments return the same
    :class:`MemoryRun` without training again.
    """
    if distractors not in sequences.DISTRACTORS:
        raise ValueError(f"distractors: expected one of {sequences.DISTRACTORS}, got "
                         f"{distractors!r}")
    if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 1:
        raise ValueError(f"length: expected a whole number >= 1 of distractors, got {length!r}")
    return _train_memory(_check_kind(kind), int(length), _check_number("gate_bias", gate_bias),
                         distractors, int(seed))


@functools.lru_cache(maxsize=64)
@one_blas_thread
def _train_memory(kind, length, gate_bias, distractors, seed):
    rng = np.random.default_rng(seed)
    K = sequences.SYMBOLS
    model = SequenceClassifier(kind, K, MEMORY_HIDDEN, K, gate_bias=gate_bias, rng=rng)
    snap(model.parameters())
    optimizer = optim.Adam(model.parameters(), lr=MEMORY_LR)
    check_rng, test_rng = np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2])
    x_check, y_check = sequences.memory_task(_CHECK_SIZE, length, check_rng,
                                             distractors=distractors)
    curve, step = [], 0
    while step < MEMORY_STEPS:
        x, y = sequences.memory_task(MEMORY_BATCH, length, rng, distractors=distractors)
        _step(model, optimizer, losses.cross_entropy(model(x), y))
        step += 1
        if step % _CHECK_EVERY == 0:
            curve.append((step, _accuracy(model, x_check, y_check)))
            if curve[-1][1] == 1.0:
                break
    x_test, y_test = sequences.memory_task(_TEST_SIZE, length, test_rng,
                                           distractors=distractors)
    return MemoryRun(kind, length, gate_bias, distractors, seed, model,
                     _accuracy(model, x_test, y_test), step, curve)


def _accuracy(model, x, y):
    with no_grad():
        return float(np.mean(model(x).data.argmax(axis=1) == y))


# ---------------------------------------------------------------------------- speech
#: The seed of chapter 9's data and recogniser.
SPEECH_SEED = 0


@dataclass
class SpeechData:
    """Chapter 9's 2,000 recordings as 128 chunk frequencies each (kHz), its split, and the
    state of the generator after drawing them (chapter 9 goes on with it)."""

    features: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    rng_state: dict


def speech_data(seed=SPEECH_SEED, n=2000):
    """Chapter 9's data (``n`` recordings), made the way its notebook makes it (cached)."""
    return _speech_data(int(seed), check_size("n", n))


@functools.lru_cache(maxsize=4)
@one_blas_thread
def _speech_data(seed, n):
    rng = np.random.default_rng(seed)
    waveforms, labels, _ = speech.toy_speech(n, rng)
    features = speech.speech_features(waveforms)
    train, validation, test = speech.split_indices(labels)
    return SpeechData(features, labels, train, validation, test, rng.bit_generator.state)


def _generator(state):
    """A generator that continues from a saved ``bit_generator.state``."""
    bits = np.random.PCG64()
    bits.state = state
    return np.random.Generator(bits)


def dense_recogniser(seed=SPEECH_SEED, n=2000, epochs=20):
    """Chapter 9's dense network (128 -> 32 -> 16 -> 4), trained with chapter 9's recipe on
    :func:`speech_data`: the same weights as ``speech.trained_recogniser(seed, n, epochs)``,
    without making the recordings twice. Returns ``(model, test accuracy)`` (cached)."""
    return _dense_recogniser(int(seed), check_size("n", n), check_size("epochs", epochs))


@functools.lru_cache(maxsize=4)
@one_blas_thread
def _dense_recogniser(seed, n, epochs):
    from nnlib.train.loop import fit
    data = speech_data(seed, n)
    rng = _generator(data.rng_state)
    model = speech.speech_model(rng)
    fit(model, data.features[data.train], data.labels[data.train], loss=losses.cross_entropy,
        optimizer=optim.Adam(model.parameters(), lr=0.01), epochs=epochs, batch_size=32,
        rng=rng, progress=False)
    model.eval()
    with no_grad():
        scores = model(data.features[data.test]).data
    return model, float(np.mean(scores.argmax(axis=1) == data.labels[data.test]))


#: The recurrent recogniser reads each chunk's frequency in units of 200 Hz (the voices lie
#: around 0.1 to 0.25 kHz, so its inputs are about 0.5 to 1.2, and 0 for silence).
SPEECH_UNIT_KHZ = 0.2


@dataclass
class SpeechRun:
    """A recurrent recogniser trained on the chunk sequences.

    validation : accuracy on the validation recordings after each epoch; test_accuracy :
    on the test recordings, once, at the end.
    """

    kind: str
    model: SequenceClassifier
    validation: list
    test_accuracy: float


def speech_sequences(features):
    """Chunk frequencies (N, 128) in kHz as sequences (N, 128, 1) in units of 200 Hz."""
    return np.asarray(features, dtype=float)[:, :, None] / SPEECH_UNIT_KHZ


def train_speech(kind="gru", hidden_size=16, epochs=10, gate_bias=2.0, seed=SPEECH_SEED):
    """Train a :class:`SequenceClassifier` to tell the four words apart from the 128 chunks
    read in order, one chunk per step (cached).

    Chapter 9's training recordings and recipe: Adam (learning rate 0.01), batches of 32,
    cross-entropy; one new generator seeded ``seed + 13`` for the weights and the shuffling.
    Returns a :class:`SpeechRun`.
    """
    kind = _check_kind(kind)
    if kind == "rnn":
        gate_bias = 0.0
    return _train_speech(kind, check_size("hidden_size", hidden_size),
                         check_size("epochs", epochs), _check_number("gate_bias", gate_bias),
                         int(seed))


@functools.lru_cache(maxsize=4)
@one_blas_thread
def _train_speech(kind, hidden_size, epochs, gate_bias, seed):
    data = speech_data(seed)
    x = speech_sequences(data.features)
    rng = np.random.default_rng(seed + 13)
    model = SequenceClassifier(kind, 1, hidden_size, len(speech.WORDS), gate_bias=gate_bias,
                               rng=rng)
    snap(model.parameters())
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    x_train, y_train = x[data.train], data.labels[data.train]
    validation = []
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 32):
            rows = order[start:start + 32]
            _step(model, optimizer, losses.cross_entropy(model(x_train[rows]), y_train[rows]))
        validation.append(_accuracy(model, x[data.validation], data.labels[data.validation]))
    test = _accuracy(model, x[data.test], data.labels[data.test])
    return SpeechRun(kind, model, validation, test)


def word_beliefs(model, features):
    """What a recurrent recogniser would answer after each chunk: softmax of the scores
    over time, (N, 128, 4) for features (N, 128) in kHz (or (128, 4) for one recording)."""
    f = np.asarray(features, dtype=float)
    single = f.ndim == 1
    scores = model.scores_over_time(speech_sequences(f[None] if single else f))
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs = scores / scores.sum(axis=-1, keepdims=True)
    return probs[0] if single else probs


#: Shifts (in chunks, 6 ms each) of the speech explorer and figure: negative = earlier.
SHIFTS = (-20, -10, -5, 0, 5, 10, 20)


def shift_chunks(features, chunks):
    """Recordings moved in time by ``chunks`` chunks: features (N, 128) shifted right
    (the word starts later) for chunks > 0, left for chunks < 0, with silence (0) filling
    the chunks left empty. Returns a new array of the same shape."""
    f = np.asarray(features, dtype=float)
    if isinstance(chunks, bool) or not isinstance(chunks, numbers.Integral) \
            or abs(chunks) >= f.shape[-1]:
        raise ValueError(f"chunks: expected a whole number of chunks between "
                         f"-{f.shape[-1] - 1} and {f.shape[-1] - 1}, got {chunks!r}")
    out = np.zeros_like(f)
    if chunks >= 0:
        out[..., chunks:] = f[..., :f.shape[-1] - chunks]
    else:
        out[..., :chunks] = f[..., -chunks:]
    return out


@one_blas_thread
def shift_accuracy(shifts=SHIFTS, seed=SPEECH_SEED):
    """Test accuracy of chapter 9's dense recogniser and of :func:`train_speech`'s GRU on
    the test recordings moved by each of ``shifts`` chunks: ``{"dense": [...], "gru":
    [...]}``, one accuracy per shift."""
    data = speech_data(seed)
    dense, _ = dense_recogniser(seed)
    gru = train_speech(seed=seed).model
    x, y = data.features[data.test], data.labels[data.test]
    result = {"dense": [], "gru": []}
    for chunks in shifts:
        moved = shift_chunks(x, int(chunks))
        result["dense"].append(_accuracy(dense, moved, y))
        result["gru"].append(_accuracy(gru, speech_sequences(moved), y))
    return result
