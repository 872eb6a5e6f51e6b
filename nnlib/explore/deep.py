"""The experiments of chapter 11, *Deep networks*: runs, measurements and their tables.

**Why depth** (the first half of the chapter):

- :func:`folding_network`: a ReLU network with two neurons per layer and hand-set weights
  that folds [0, 1] once per layer, computing :func:`nnlib.data.compositional.sawtooth`
  exactly; :func:`count_pieces` counts the straight pieces of such a curve.
- :func:`fit_sawtooth`: the best a network *trained* by gradient descent does on the same
  sawtooth (one hidden layer of the same weight budget, or the folding architecture
  started from random weights).
- :func:`budget_run`: a network of given layer widths trained on the concentric rings of
  :func:`nnlib.data.compositional.rings` or on the digits, to compare deep-narrow with
  shallow-wide networks of about the same number of weights; :func:`hidden_outputs` gives
  what every hidden neuron computes (features built on features).

**Vanishing and exploding gradients** (the second half):

- :class:`Residual`: a skip connection around a block, ``x + scale * block(x)``.
- :func:`build_network`: a ``depth``-layer network for the digits with a choice of
  activation, initialisation, batch normalisation and skip connections.
- :func:`gradient_profile`: the size of the signal after every layer and of every layer's
  weight gradient, at one forward and backward pass.
- :func:`deep_run`: both, at initialisation, then :data:`EPOCHS` epochs of plain SGD
  (Adam rescales every gradient and would hide part of the problem); cached, so the
  chapter's table, figures and explorer share runs. :func:`gradient_table` summarises
  :data:`TABLE_ROWS` over a few seeds.

Every run is seeded and deterministic, float64 and on one BLAS thread (small matrices gain
nothing from threads, and several threads on a busy machine made runs much slower).
"""
import contextlib
import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

from nnlib.explore.runs import check_int
from nnlib._checks import as_rng
from nnlib.nn import init as nn_init
from nnlib.nn.module import Module

__all__ = [
    "folding_network", "count_pieces", "SawtoothFit", "fit_sawtooth", "RINGS_BANDS",
    "rings_split", "digits_split", "BudgetRun", "budget_run", "n_weights", "hidden_outputs",
    "Residual", "ACTIVATIONS", "INITS", "SKIPS", "WIDTH", "DEPTH", "LR", "BATCH_SIZE",
    "EPOCHS", "SEEDS", "build_network", "linear_layers", "GradientProfile",
    "gradient_profile", "DeepRun", "deep_run", "TABLE_ROWS", "gradient_table",
]


# ---------------------------------------------------------------------------- shared helpers

def _check_choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")
    return value


def _read_only(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays


@contextlib.contextmanager
def _quiet_one_thread():
    """One BLAS thread (if threadpoolctl, a scikit-learn dependency, is installed) and no
    numpy warnings: exploding runs overflow on purpose, and the runs report it."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - scikit-learn always brings it
            yield
            return
        with threadpool_limits(limits=1, user_api="blas"):
            yield


def n_weights(model):
    """Number of learned numbers (weights and biases) of ``model``."""
    return int(sum(p.data.size for p in model.parameters()))


def _mlp(widths, rng):
    """A ReLU network with layer sizes ``widths`` (He initialisation, zero biases)."""
    from nnlib.nn import Linear, ReLU, Sequential

    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(Linear(n_in, n_out, rng=rng))
        if k < len(widths) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def _check_widths(widths):
    widths = tuple(widths)
    if len(widths) < 2:
        raise ValueError(f"widths: expected at least an input and an output size, got {widths!r}")
    return tuple(check_int("widths", w, 1) for w in widths)


# ---------------------------------------------------------------------------- folding

def folding_network(folds):
    """A ReLU network with ``folds`` hidden layers of 2 neurons whose weights are set by
    hand so that it computes ``sawtooth(x, folds)`` on [0, 1] (chapter 11, "Why depth").

    Each hidden layer computes ``a = relu(t)`` and ``b = relu(t - 1/2)`` from the previous
    fold ``t``; the next layer reads the fold ``tent(t) = 2a - 4b`` from them. So every
    layer folds the interval once more and doubles the number of straight pieces.

    Input (N, 1) -> output (N, 1). Has ``6 * folds + 1`` weights and biases.
    """
    from nnlib.nn import Linear, ReLU, Sequential

    folds = check_int("folds", folds, 1)
    split = np.array([0.0, -0.5])             # biases of a and b: t and t - 1/2
    fold = np.array([[2.0], [-4.0]])          # tent(t) = 2a - 4b

    def linear(n_in, n_out, weight, bias):
        layer = Linear(n_in, n_out)
        layer.weight.data[...] = weight
        layer.bias.data[...] = bias
        return layer

    layers = [linear(1, 2, [[1.0, 1.0]], split), ReLU()]
    for _ in range(folds - 1):                # t = 2a - 4b, fed to both neurons
        layers += [linear(2, 2, fold @ np.ones((1, 2)), split), ReLU()]
    layers.append(linear(2, 1, fold, [0.0]))
    return Sequential(*layers)


def count_pieces(x, y, tol=1e-6):
    """Number of straight pieces of the piecewise-linear curve through the points (x, y).

    x, y : (N,) arrays, x increasing, sampled finely enough that every kink falls between
    two samples. Neighbouring slopes that differ by less than ``tol`` (relative to the
    largest slope) count as one piece.
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or len(x) < 2:
        raise ValueError(f"x, y: expected two 1-D arrays of the same length >= 2, got shapes "
                         f"{x.shape} and {y.shape}")
    if not np.all(np.diff(x) > 0):
        raise ValueError("x: expected increasing values")
    slopes = np.diff(y) / np.diff(x)
    scale = max(1.0, float(np.max(np.abs(slopes))))
    return int(1 + np.count_nonzero(np.abs(np.diff(slopes)) > tol * scale))


@dataclass(frozen=True)
class SawtoothFit:
    """A network trained on the sawtooth: ``widths`` (layer sizes), ``seed``, the number
    of weights, the final mean squared error on the training points and the network's
    curve ``prediction`` (N,) at ``x`` (N,)."""

    widths: tuple
    seed: int
    n_weights: int
    mse: float
    x: np.ndarray
    prediction: np.ndarray


#: Points on [0, 1] the sawtooth networks learn from (and are drawn at).
SAWTOOTH_POINTS = 513
#: Full-batch Adam steps of every sawtooth fit, at this learning rate.
SAWTOOTH_STEPS, SAWTOOTH_LR = 2000, 0.01


def fit_sawtooth(widths, folds, seed=0):
    """Train a ReLU network with layer sizes ``widths`` (e.g. ``(1, 10, 1)``) to the
    ``folds``-fold sawtooth by gradient descent: ``SAWTOOTH_STEPS`` full-batch Adam
    steps on ``SAWTOOTH_POINTS`` evenly spaced points, mean squared error, He
    initialisation from ``seed``. Returns a :class:`SawtoothFit` (cached)."""
    widths = _check_widths(widths)
    if widths[0] != 1 or widths[-1] != 1:
        raise ValueError(f"widths: expected one input and one output, got {widths!r}")
    return _fit_sawtooth(widths, check_int("folds", folds, 1), check_int("seed", seed, 0))


@functools.lru_cache(maxsize=32)
def _fit_sawtooth(widths, folds, seed):
    from nnlib.data.compositional import sawtooth
    from nnlib.losses import mse
    from nnlib.optim import Adam

    x = np.linspace(0.0, 1.0, SAWTOOTH_POINTS)[:, None]
    target = sawtooth(x, folds)
    with _quiet_one_thread():
        model = _mlp(widths, np.random.default_rng(seed))
        optimizer = Adam(model.parameters(), lr=SAWTOOTH_LR)
        for _ in range(SAWTOOTH_STEPS):
            optimizer.zero_grad()
            loss = mse(model(x), target)
            loss.backward()
            optimizer.step()
        prediction = model(x).data.ravel()
    error = float(np.mean((prediction - target.ravel()) ** 2))
    x_flat, prediction = _read_only(x.ravel(), prediction)
    return SawtoothFit(widths, seed, n_weights(model), error, x_flat, prediction)


# ---------------------------------------------------------------------------- same budget

#: Concentric bands of the rings problem (4: a disc and three rings inside the unit circle).
RINGS_BANDS = 4
RINGS_TRAIN, RINGS_TEST, RINGS_SEED = 1000, 2000, 11
#: Adam's budget on the rings: epochs of mini-batches, learning rate.
RINGS_EPOCHS, RINGS_BATCH, RINGS_LR = 100, 50, 0.01
#: The digits' budget (the inputs are 64 pixels): epochs, batch size, learning rate.
DIGITS_EPOCHS, DIGITS_BATCH, DIGITS_LR = 20, 32, 1e-3
DIGITS_SEED = 11


@dataclass(frozen=True)
class Split:
    """Training and test data: X (N, D) float64, y (N,) int64 labels (read-only)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@functools.lru_cache(maxsize=1)
def rings_split():
    """The chapter's rings data (:func:`nnlib.data.compositional.rings`, 4 bands): 1,000
    training and 2,000 test points, one seeded draw."""
    from nnlib.data.compositional import rings

    rng = np.random.default_rng(RINGS_SEED)
    X_train, y_train = rings(RINGS_TRAIN, RINGS_BANDS, rng)
    X_test, y_test = rings(RINGS_TEST, RINGS_BANDS, rng)
    return Split(*_read_only(X_train, y_train, X_test, y_test))


@functools.lru_cache(maxsize=1)
def digits_split():
    """The 8x8 digits, pixels in [0, 1], 75 % for training and 25 % for testing (seeded,
    stratified)."""
    from nnlib.data.datasets import digits

    d = digits(test_size=0.25, rng=DIGITS_SEED)
    return Split(*_read_only(d.X_train, d.y_train, d.X_test, d.y_test))


@dataclass(frozen=True)
class BudgetRun:
    """One network trained with Adam: its ``task`` ("rings" or "digits"), layer ``widths``,
    ``seed``, number of weights, training and test accuracy, and the trained ``model``."""

    task: str
    widths: tuple
    seed: int
    n_weights: int
    train_accuracy: float
    test_accuracy: float
    model: Module


def budget_run(task, widths, seed=0):
    """Train a ReLU network with layer sizes ``widths`` on ``task`` and measure it.

    ``task`` is "rings" (``widths`` from 2 inputs to 2 outputs; ``RINGS_EPOCHS`` epochs
    of Adam on mini-batches of 50) or "digits" (64 inputs, 10 outputs;
    ``DIGITS_EPOCHS`` epochs on mini-batches of 32). Returns a :class:`BudgetRun`
    (cached on the arguments).
    """
    task = _check_choice("task", task, ("rings", "digits"))
    widths = _check_widths(widths)
    ends = (2, 2) if task == "rings" else (64, 10)
    if (widths[0], widths[-1]) != ends:
        raise ValueError(f"widths: expected {ends[0]} inputs and {ends[1]} outputs for "
                         f"{task!r}, got {widths!r}")
    return _budget_run(task, widths, check_int("seed", seed, 0))


@functools.lru_cache(maxsize=32)
def _budget_run(task, widths, seed):
    from nnlib.optim import Adam
    from nnlib.train.loop import fit, predict

    data = rings_split() if task == "rings" else digits_split()
    epochs, batch, lr = ((RINGS_EPOCHS, RINGS_BATCH, RINGS_LR) if task == "rings"
                         else (DIGITS_EPOCHS, DIGITS_BATCH, DIGITS_LR))
    rng = np.random.default_rng(seed)
    with _quiet_one_thread():
        model = _mlp(widths, rng)
        fit(model, data.X_train, data.y_train, loss="cross_entropy",
            optimizer=Adam(model.parameters(), lr=lr), epochs=epochs, batch_size=batch,
            rng=rng, progress=False)
        train_acc = float(np.mean(predict(model, data.X_train).argmax(1) == data.y_train))
        test_acc = float(np.mean(predict(model, data.X_test).argmax(1) == data.y_test))
    return BudgetRun(task, widths, seed, n_weights(model), train_acc, test_acc, model)


def hidden_outputs(model, X):
    """What every hidden neuron of a Linear/ReLU ``Sequential`` computes on the inputs X.

    X : (N, D) array. Returns a list with one (N, H_k) array per hidden layer k: the
    outputs of its ReLUs, in layer order.
    """
    from nnlib.nn import ReLU
    from nnlib.tensor import no_grad

    outputs = []
    h = np.asarray(X, dtype=np.float64)
    with no_grad(), _quiet_one_thread():
        for layer in model:
            h = layer(h)
            if isinstance(layer, ReLU):
                outputs.append(np.array(h.data))
    return outputs


# ---------------------------------------------------------------------------- deep networks

class Residual(Module):
    """A skip connection around ``block`` (chapter 11): ``y = x + scale * block(x)``.

    The input goes straight past the block and is added to its output, so the block only
    has to learn a correction to x, and in backpropagation the gradient reaches x through
    the ``+`` unchanged, whatever the block does to it. ``scale`` below 1 (e.g.
    ``1 / sqrt(depth)``) keeps many stacked blocks from inflating the signal.
    Input (N, D) -> output (N, D): the block must keep the shape.
    """

    def __init__(self, block, scale=1.0):
        self.block = block
        self.scale = float(scale)

    def forward(self, x):
        """``x + scale * block(x)``, shape (N, D)."""
        return x + self.block(x) * self.scale

    def extra_repr(self):
        return f"scale={self.scale:g}"


#: The activations, initialisations and kinds of skip connection the chapter compares.
ACTIVATIONS = ("sigmoid", "relu")
#: "normal": N(0, 1); "xavier": Glorot normal, std sqrt(2 / (fan_in + fan_out)), which is
#: 1/sqrt(n) for an n-to-n layer; "he": std sqrt(2 / fan_in) (``kaiming_normal_``).
INITS = ("normal", "xavier", "he")
#: "none": a plain stack; "plain": x + block(x); "scaled": x + block(x) / sqrt(depth).
SKIPS = ("none", "plain", "scaled")
#: Neurons in every hidden layer.
WIDTH = 64
#: Number of Linear layers of the chapter's deep network.
DEPTH = 20
#: The training budget of every run: plain SGD at this learning rate ...
LR = 0.03
#: ... on mini-batches of this many images (each epoch's last, smaller batch is dropped) ...
BATCH_SIZE = 32
#: ... for this many epochs.
EPOCHS = 10
#: The seeds (random starts) of the chapter's table.
SEEDS = (0, 1, 2)


def _initialise(linear, init, rng):
    """Fill ``linear.weight`` by the scheme ``init`` and zero its bias."""
    if init == "normal":
        nn_init.normal_(linear.weight, 0.0, 1.0, rng=rng)
    elif init == "xavier":
        nn_init.xavier_normal_(linear.weight, rng=rng)
    else:
        nn_init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
    nn_init.zeros_(linear.bias)
    return linear


def build_network(depth=DEPTH, activation="relu", init="he", batch_norm=False, skip="none",
                  rng=None, width=None, n_in=64, n_out=10):
    """A network of ``depth`` Linear layers for the digits (chapter 11).

    Layout, with ``act`` the activation and [BN] a ``BatchNorm1d`` when ``batch_norm``::

        Linear(n_in, width) [BN] act                      the first block
        Linear(width, width) [BN] act   x (depth - 2)     hidden blocks, each wrapped in a
                                                          Residual when skip is not "none"
        Linear(width, n_out)                              the output scores

    activation : "sigmoid" or "relu";  init : "normal", "xavier" or "he" (every Linear)
    skip : "none", "plain" (``x + block(x)``) or "scaled" (``x + block(x) / sqrt(depth)``)
    rng : seeded Generator or int for the weights;  width : hidden width (None: WIDTH)
    Returns a ``Sequential`` of ``depth`` blocks, the last one the output Linear.
    """
    from nnlib.nn import BatchNorm1d, Linear, ReLU, Sequential, Sigmoid

    depth = check_int("depth", depth, 2)
    _check_choice("activation", activation, ACTIVATIONS)
    _check_choice("init", init, INITS)
    _check_choice("skip", skip, SKIPS)
    if not isinstance(batch_norm, (bool, np.bool_)):
        raise ValueError(f"batch_norm: expected True or False, got {batch_norm!r}")
    width = WIDTH if width is None else check_int("width", width, 1)
    rng = as_rng(rng)
    act = {"sigmoid": Sigmoid, "relu": ReLU}[activation]

    def block(n_from):
        layers = [_initialise(Linear(n_from, width, rng=rng), init, rng)]
        if batch_norm:
            layers.append(BatchNorm1d(width))
        layers.append(act())
        return Sequential(*layers)

    blocks = [block(n_in)]
    for _ in range(depth - 2):
        hidden = block(width)
        if skip != "none":
            hidden = Residual(hidden, 1.0 if skip == "plain" else 1.0 / math.sqrt(depth))
        blocks.append(hidden)
    blocks.append(_initialise(Linear(width, n_out, rng=rng), init, rng))
    return Sequential(*blocks)


def linear_layers(model):
    """The Linear layers of ``model`` in the order the data passes them."""
    from nnlib.nn import Linear

    return [m for m in model.modules() if isinstance(m, Linear)]


@dataclass(frozen=True)
class GradientProfile:
    """One forward and backward pass through a network built by :func:`build_network`.

    ``signal``: (L,) root mean square of each block's output (the last entry: the scores);
    ``grad_norms``: (L,) size (Frobenius norm) of the loss's gradient with respect to each
    Linear layer's weights, first layer first; ``loss``: the mean cross-entropy (inf if the
    scores overflowed).
    """

    signal: np.ndarray
    grad_norms: np.ndarray
    loss: float

    @property
    def ratio(self):
        """First layer's gradient norm divided by the last layer's."""
        return float(self.grad_norms[0] / self.grad_norms[-1])


def gradient_profile(model, X, y):
    """Measure :class:`GradientProfile` of ``model`` on the batch X (N, 64), y (N,).

    The model is used in training mode (batch norm takes the batch's statistics) and its
    gradients are left filled in.
    """
    from nnlib.losses import cross_entropy

    model.train()
    model.zero_grad()
    signal = []
    with _quiet_one_thread():
        h = np.asarray(X, dtype=np.float64)
        for block in model:
            h = block(h)
            signal.append(float(np.sqrt(np.mean(h.data ** 2))))
        loss = math.inf
        if np.isfinite(h.data).all():
            loss_t = cross_entropy(h, y)
            loss = loss_t.item()
            loss_t.backward()
        norms = [np.linalg.norm(layer.weight.grad) if layer.weight.grad is not None
                 else math.nan for layer in linear_layers(model)]
    return GradientProfile(*_read_only(np.array(signal), np.array(norms, dtype=float)), loss)


@dataclass(frozen=True)
class DeepRun:
    """One network of :func:`build_network`, measured at initialisation and trained.

    The settings (depth, activation, init, batch_norm, skip, seed); ``profile``: the
    :class:`GradientProfile` at initialisation on the whole training set; ``step_loss``:
    (S,) the loss of every SGD step, S = EPOCHS x steps per epoch, or fewer if the run
    diverged: then ``diverged_at`` is the step (1-based) whose loss was no longer a finite
    number, else None; ``test_accuracy``: after training (nan if it diverged).
    """

    depth: int
    activation: str
    init: str
    batch_norm: bool
    skip: str
    seed: int
    drop_last: bool
    profile: GradientProfile
    step_loss: np.ndarray
    diverged_at: int | None
    test_accuracy: float

    @property
    def steps_per_epoch(self):
        """SGD steps in one epoch of this run."""
        n = len(digits_split().y_train)
        return n // BATCH_SIZE if self.drop_last else -(-n // BATCH_SIZE)

    def epoch_loss(self):
        """(E,) mean loss of each complete epoch (fewer than EPOCHS if it diverged)."""
        k = self.steps_per_epoch
        n = len(self.step_loss) // k
        return self.step_loss[:n * k].reshape(n, k).mean(axis=1)


def deep_run(depth=DEPTH, activation="relu", init="he", batch_norm=False, skip="none",
             seed=0, drop_last=True, nudge=0.0):
    """Build a network (:func:`build_network`) for the digits, profile it at
    initialisation, train it with plain SGD and test it: a :class:`DeepRun`.

    Budget: :data:`EPOCHS` epochs at learning rate :data:`LR` on shuffled mini-batches of
    :data:`BATCH_SIZE`. ``drop_last``: skip each epoch's last, smaller batch (as PyTorch's
    ``DataLoader(drop_last=True)``); here it would hold 3 examples, too few for batch
    norm's statistics. ``nudge``: multiply every starting weight by ``1 + nudge`` (e.g.
    1e-12, about the size of the rounding differences between two processors) to measure
    how sensitive training is to them. Cached on the arguments.
    """
    depth = check_int("depth", depth, 2)
    _check_choice("activation", activation, ACTIVATIONS)
    _check_choice("init", init, INITS)
    _check_choice("skip", skip, SKIPS)
    if not isinstance(batch_norm, (bool, np.bool_)):
        raise ValueError(f"batch_norm: expected True or False, got {batch_norm!r}")
    if not isinstance(drop_last, (bool, np.bool_)):
        raise ValueError(f"drop_last: expected True or False, got {drop_last!r}")
    if isinstance(nudge, bool) or not isinstance(nudge, numbers.Real) \
            or not abs(nudge) < 1e-3:
        raise ValueError(f"nudge: expected a small number (|nudge| < 1e-3), got {nudge!r}")
    return _deep_run(depth, activation, init, bool(batch_norm), skip,
                     check_int("seed", seed, 0), bool(drop_last), float(nudge))


@functools.lru_cache(maxsize=None)
def _deep_run(depth, activation, init, batch_norm, skip, seed, drop_last=True, nudge=0.0):
    from nnlib.losses import cross_entropy
    from nnlib.optim import SGD
    from nnlib.tensor import no_grad

    data = digits_split()
    rng = np.random.default_rng(seed)
    model = build_network(depth, activation, init, batch_norm, skip, rng)
    if nudge:
        for layer in linear_layers(model):
            layer.weight.data *= 1.0 + nudge
    profile = gradient_profile(model, data.X_train, data.y_train)
    optimizer = SGD(model.parameters(), lr=LR)
    n_used = len(data.y_train) - (len(data.y_train) % BATCH_SIZE if drop_last else 0)
    losses, diverged_at = [], None
    with _quiet_one_thread():
        model.train()
        for _ in range(EPOCHS):
            order = rng.permutation(len(data.y_train))[:n_used]
            for start in range(0, n_used, BATCH_SIZE):
                batch = order[start:start + BATCH_SIZE]
                optimizer.zero_grad()
                scores = model(data.X_train[batch])
                loss = (cross_entropy(scores, data.y_train[batch])
                        if np.isfinite(scores.data).all() else None)
                if loss is None or not math.isfinite(loss.item()):
                    diverged_at = len(losses) + 1
                    break
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            if diverged_at is not None:
                break
        accuracy = math.nan
        if diverged_at is None:
            model.eval()
            with no_grad():
                scores = model(data.X_test).data
            if np.isfinite(scores).all():
                accuracy = float(np.mean(scores.argmax(axis=1) == data.y_test))
    (step_loss,) = _read_only(np.array(losses, dtype=float))
    return DeepRun(depth, activation, init, batch_norm, skip, seed, drop_last, profile,
                   step_loss, diverged_at, accuracy)


#: The rows of the chapter's table: a label and the settings of :func:`deep_run` (all at
#: depth 20).
TABLE_ROWS = (
    ("sigmoid, Xavier", dict(activation="sigmoid", init="xavier")),
    ("sigmoid, N(0, 1)", dict(activation="sigmoid", init="normal")),
    ("ReLU, N(0, 1)", dict(activation="relu", init="normal")),
    ("ReLU, Xavier", dict(activation="relu", init="xavier")),
    ("ReLU, He", dict(activation="relu", init="he")),
    ("ReLU, He, plain skips", dict(activation="relu", init="he", skip="plain")),
    ("ReLU, He, scaled skips", dict(activation="relu", init="he", skip="scaled")),
    ("sigmoid, Xavier, batch norm", dict(activation="sigmoid", init="xavier", batch_norm=True)),
)


def gradient_table(seeds=SEEDS, depth=DEPTH, rows=TABLE_ROWS):
    """One dict per row of ``rows``, summarising :func:`deep_run` over ``seeds``.

    Keys: 'label', 'settings', 'runs' (the DeepRuns), medians over the seeds of
    'initial_loss', 'first_grad', 'last_grad' (gradient norms of the first and the last
    layer), 'ratio' (first / last) and 'accuracy' (nan if any seed diverged), the finite
    accuracies' 'acc_low' and 'acc_high', and 'diverged' (how many seeds diverged).
    """
    seeds = tuple(check_int("seeds", s, 0) for s in seeds)
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got ()")
    table = []
    for label, settings in rows:
        runs = [deep_run(depth=depth, seed=s, **settings) for s in seeds]
        accs = np.array([r.test_accuracy for r in runs])
        finite = accs[np.isfinite(accs)]
        table.append({
            "label": label, "settings": dict(settings), "runs": runs,
            "initial_loss": float(np.median([r.profile.loss for r in runs])),
            "first_grad": float(np.median([r.profile.grad_norms[0] for r in runs])),
            "last_grad": float(np.median([r.profile.grad_norms[-1] for r in runs])),
            "ratio": float(np.median([r.profile.ratio for r in runs])),
            "accuracy": float(np.median(accs)) if len(finite) == len(accs) else math.nan,
            "acc_low": float(finite.min()) if len(finite) else math.nan,
            "acc_high": float(finite.max()) if len(finite) else math.nan,
            "diverged": int(sum(r.diverged_at is not None for r in runs)),
        })
    return table
