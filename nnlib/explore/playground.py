"""The training runs behind chapter 8's playground: small networks learning 2-D data.

A network with two inputs (the point's coordinates x1, x2), one hidden layer of
``hidden`` neurons and one output score learns to tell two classes of points apart, as in
TensorFlow Playground. Each setting (data set, hidden neurons, activation, learning rate)
is trained **once** with :func:`nnlib.train.loop.fit` and cached; a callback keeps a copy of the
weights after every epoch (a *snapshot*), so a figure for any epoch is drawn from the
snapshots without training again. The figures are in :mod:`nnlib.viz.playground`.

- :func:`playground_data`: the three seeded data sets ("circles", "xor", "spiral"), each
  200 training and 200 validation points.
- :func:`playground_run`: one cached, deterministic training run as a :class:`PlaygroundRun`,
  which can evaluate its hidden neurons and its output anywhere on the plane at any epoch.
"""
import functools
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DATASETS", "ACTIVATIONS", "MAX_EPOCHS", "BATCH_SIZE", "MAX_HIDDEN", "EXTENT", "SEED",
    "playground_data", "PlaygroundRun", "playground_run",
]

#: The data sets, in the order of the explorer's menu.
DATASETS = ("circles", "xor", "spiral")
#: Activations of the hidden layer ("identity" = none: the network stays linear).
ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")
#: Every run trains this many epochs (fewer if it diverges).
MAX_EPOCHS = 120
#: Points per mini-batch: 200 training points make 10 gradient steps per epoch.
BATCH_SIZE = 20
#: The most hidden neurons a run may have (the figure has room for this many maps).
MAX_HIDDEN = 8
#: The plane shown by the figures: x1 and x2 both run over this interval.
EXTENT = (-1.6, 1.6)
SEED = 8
N_TRAIN = N_VAL = 200


# --------------------------------------------------------------------------- data
def _circles(n, rng):
    """A ring (class 0) around a disc of half its radius (class 1): sklearn's make_circles."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n, noise=0.08, factor=0.5,
                        random_state=int(rng.integers(2**31)))
    return X, y.astype(np.int64)  # make_circles labels the ring 0 and the disc 1


def _xor(n, rng):
    """Points spread evenly over the square [-1, 1]^2; class 1 where x1 and x2 have the same
    sign (the XOR of "x1 < 0" and "x2 < 0" is 0), then jittered a little, so a few points
    near the axes land on the other side."""
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + 0.05 * rng.standard_normal(X.shape), y


def _spiral(n, rng, turns=1.25):
    """Two spiral arms half a turn apart, each winding ``turns`` times from the centre out
    to radius 1.2 (the TensorFlow Playground shape; ``nnlib.datasets.spirals`` is the
    cs231n version, whose two-class case a nearly straight cut separates)."""
    t = np.sqrt(rng.uniform(0.02, 1.0, size=n))  # sqrt: points spread evenly over the area
    y = rng.integers(0, 2, size=n)
    angle = 2 * np.pi * turns * t + np.pi * y
    X = 1.2 * np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    return X + 0.05 * rng.standard_normal(X.shape), y.astype(np.int64)


_GENERATORS = {"circles": _circles, "xor": _xor, "spiral": _spiral}


def _check_dataset(dataset):
    if not isinstance(dataset, str) or dataset not in DATASETS:
        raise ValueError(f"dataset: expected one of {list(DATASETS)}, got {dataset!r}")


def playground_data(dataset):
    """The seeded points of ``dataset`` ("circles", "xor" or "spiral").

    Returns ``(X_train, y_train, X_val, y_val)``: X (200, 2) float64 coordinates in about
    [-1.3, 1.3], y (200,) int labels 0 or 1. The arrays are read-only and the same on
    every call (seed :data:`SEED`).
    """
    _check_dataset(dataset)
    return _data(dataset)


@functools.lru_cache(maxsize=None)
def _data(dataset):
    rng = np.random.default_rng([SEED, DATASETS.index(dataset)])
    X, y = _GENERATORS[dataset](N_TRAIN + N_VAL, rng)
    arrays = (X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:])
    for a in arrays:
        a.flags.writeable = False
    return arrays


# --------------------------------------------------------------------------- forward pass
def _activate(activation, z):
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid without overflow
    return z


def _bce_with_logits(z, y):
    """Mean binary cross-entropy of scores z (N,) against labels y (N,), stably."""
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


@dataclass(frozen=True)
class PlaygroundRun:
    """One training run of a 2-``hidden``-1 network (chapter 8's playground).

    ``snapshots[k]`` holds the weights after epoch k (k = 0: the random start) as a tuple
    ``(W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,))``, read-only, with H = ``hidden`` and
    weights stored (in, out) as in :class:`nnlib.nn.Linear`. ``loss``, ``val_loss``,
    ``accuracy`` and ``val_accuracy`` are (K + 1,) arrays measured on the whole training
    and validation sets at each snapshot, K = :attr:`epochs_done`. ``diverged_at`` is the
    epoch (1-based) in which :func:`nnlib.train.loop.fit` stopped a run whose loss blew up, else None.
    """

    dataset: str
    hidden: int
    activation: str
    lr: float
    snapshots: tuple
    loss: np.ndarray
    val_loss: np.ndarray
    accuracy: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: int | None = None

    @property
    def epochs_done(self):
        """How many epochs finished (MAX_EPOCHS, or fewer if the run diverged)."""
        return len(self.snapshots) - 1

    def _weights(self, epoch):
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) \
                or not 0 <= epoch <= self.epochs_done:
            raise ValueError(f"epoch: expected a whole number from 0 to {self.epochs_done}, "
                             f"got {epoch!r}")
        return self.snapshots[int(epoch)]

    def hidden_outputs(self, epoch, points):
        """The hidden neurons' outputs (M, H) at ``points`` (M, 2) after ``epoch`` epochs."""
        W1, b1, _, _ = self._weights(epoch)
        with np.errstate(over="ignore", invalid="ignore"):
            return _activate(self.activation, np.asarray(points, dtype=float) @ W1 + b1)

    def scores(self, epoch, points):
        """The output scores (logits) (M,) at ``points`` (M, 2) after ``epoch`` epochs."""
        _, _, W2, b2 = self._weights(epoch)
        with np.errstate(over="ignore", invalid="ignore"):
            return (self.hidden_outputs(epoch, points) @ W2 + b2)[:, 0]

    def probabilities(self, epoch, points):
        """sigmoid(score) (M,): the network's probability of class 1 at each point."""
        with np.errstate(over="ignore", invalid="ignore"):
            return 0.5 * (1.0 + np.tanh(0.5 * self.scores(epoch, points)))


def _check_args(dataset, hidden, activation, lr):
    _check_dataset(dataset)
    if isinstance(hidden, bool) or not isinstance(hidden, numbers.Integral) \
            or not 1 <= hidden <= MAX_HIDDEN:
        raise ValueError(f"hidden: expected a whole number from 1 to {MAX_HIDDEN}, "
                         f"got {hidden!r}")
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {list(ACTIVATIONS)}, "
                         f"got {activation!r}")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 < lr < np.inf:
        raise ValueError(f"lr: expected a positive finite number, got {lr!r}")


def playground_run(dataset="circles", hidden=4, activation="tanh", lr=0.3):
    """Train (once) a 2-``hidden``-1 network on :func:`playground_data` ``(dataset)``.

    Plain SGD at learning rate ``lr`` on mini-batches of :data:`BATCH_SIZE` points for
    :data:`MAX_EPOCHS` epochs, binary cross-entropy on the output score; the weights start
    from the same seed for every data set and learning rate, so runs that differ only in
    ``lr`` start from the same network. A run whose loss blows up is returned, not raised
    (see :attr:`PlaygroundRun.diverged_at`). Cached: the same arguments return the same
    :class:`PlaygroundRun` object.
    """
    _check_args(dataset, hidden, activation, lr)
    return _train(dataset, int(hidden), activation, float(lr))


class _Snapshots:
    """A :func:`nnlib.train.loop.fit` callback that copies the weights before training and after
    every epoch."""

    def on_train_begin(self, model):
        self.params = list(model.parameters())
        self.snapshots = [self._copy()]

    def on_epoch_end(self, epoch, logs):
        self.snapshots.append(self._copy())
        return False

    def _copy(self):
        arrays = tuple(p.data.copy() for p in self.params)
        for a in arrays:
            a.flags.writeable = False
        return arrays


def _model(hidden, activation, rng):
    from nnlib import nn

    layers = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}
    middle = [layers[activation]()] if activation in layers else []
    return nn.Sequential(nn.Linear(2, hidden, rng=rng), *middle, nn.Linear(hidden, 1, rng=rng))


@functools.lru_cache(maxsize=None)
def _train(dataset, hidden, activation, lr):
    """:func:`playground_run` without the argument checks (cached)."""
    from nnlib.optim import SGD
    from nnlib.train.loop import TrainingDiverged, fit

    X_train, y_train, X_val, y_val = _data(dataset)
    rng = np.random.default_rng([SEED, hidden])
    model = _model(hidden, activation, rng)
    recorder, diverged_at = _Snapshots(), None
    try:
        fit(model, X_train, y_train, loss="bce_with_logits",
            optimizer=SGD(model.parameters(), lr=lr), epochs=MAX_EPOCHS,
            batch_size=BATCH_SIZE, rng=rng, callbacks=[recorder], progress=False)
    except TrainingDiverged as err:
        diverged_at = err.epoch
    return PlaygroundRun(dataset, hidden, activation, lr, tuple(recorder.snapshots),
                         *_curves(dataset, hidden, activation, recorder.snapshots),
                         diverged_at=diverged_at)


def _curves(dataset, hidden, activation, snapshots):
    """Loss and accuracy on the training and validation sets at every snapshot."""
    X_train, y_train, X_val, y_val = _data(dataset)
    probe = PlaygroundRun(dataset, hidden, activation, 0.0, tuple(snapshots), *([None] * 4))
    curves = {"loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}
    for k in range(len(snapshots)):
        for prefix, X, y in (("", X_train, y_train), ("val_", X_val, y_val)):
            z = probe.scores(k, X)
            with np.errstate(over="ignore", invalid="ignore"):
                curves[prefix + "loss"].append(_bce_with_logits(z, y))
            curves[prefix + "accuracy"].append(float(np.mean((z > 0) == (y == 1))))
    out = []
    for name in ("loss", "val_loss", "accuracy", "val_accuracy"):
        array = np.array(curves[name])
        array.flags.writeable = False
        out.append(array)
    return out
