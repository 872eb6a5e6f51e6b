"""The experiments of chapter 10, *Generalisation*: data, training runs and their scores.

Three experiments, each a few small functions that the chapter's notebook, figures and
explorers share (runs are cached, so a figure and a table that need the same run train it
once):

- **Polynomials** (:func:`curve_split`, :func:`fit_polynomial`, :func:`polynomial_errors`):
  noisy points of ``sin(2 pi x)`` fitted by least squares with polynomials of growing degree.
  A polynomial of degree d has d + 1 coefficients, so the degree plays the part of a
  network's number of parameters.
- **Two moons** (:func:`moons_split`, :func:`train_moons`, :data:`FIXES`,
  :func:`fixes_table`): a 2-``width``-``width``-2 ReLU network on noisy two-moons data,
  trained with the same budget of :data:`STEPS` Adam steps, with or without each fix for
  overfitting (L2 weight decay, early stopping, dropout, more data, a smaller network).
- **Shifted digits** (:func:`shift_images`, :func:`shifted_copies`,
  :func:`augmentation_run`): a digit network tested on images moved by one pixel, trained
  with and without shifted copies of its training images (data augmentation).

Every run is seeded and deterministic, and uses one BLAS thread: these matrices are small,
and on a busy machine several threads fighting over two cores made a run ten times slower.
The networks are float64, not float32 (PyTorch's default, about 1.5 times as fast here): in
float32 the last-bit rounding differences between processors grow, over 300 training
steps, into a different answer for a test point or two, and the book's numbers must be the
same on every machine.
"""
import functools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from nnlib.explore.runs import check_int, one_blas_thread

__all__ = [
    "CURVE_NOISE", "CURVE_SEED", "true_curve", "curve_split", "fit_polynomial", "mse",
    "polynomial_errors", "MOONS_NOISE", "MOONS_SEED", "STEPS", "LR", "BATCH_SIZE",
    "PATIENCE", "moons_split", "moons_mlp", "MoonsRun", "train_moons", "FIXES",
    "fixes_table", "class1_probability", "true_class_probability", "confidence_report",
    "SHIFTS", "shift_images", "shifted_copies", "AugmentationRun", "augmentation_run",
]

# ---------------------------------------------------------------------------- shared helpers


def _check_fraction(name, value, low=0.0, high=1.0, closed_high=False):
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and low <= value and (value <= high if closed_high else value < high))
    if not ok:
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{name}: expected a number in [{low:g}, {high:g}{bracket}, "
                         f"got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------- polynomials

#: Standard deviation of the noise on the curve's points; its square (0.04) is the
#: "noise floor", the smallest mean squared error any model can expect on new points.
CURVE_NOISE = 0.2
#: Seed of the chapter's draw of curve points.
CURVE_SEED = 3
#: Sizes of the curve data: a pool the training sets are taken from, then validation, test.
CURVE_POOL, CURVE_VAL, CURVE_TEST = 200, 200, 1000


def true_curve(x):
    """The curve the noisy points come from: ``sin(2 pi x)`` for x (N,) in [0, 1]."""
    return np.sin(2 * np.pi * np.asarray(x, dtype=float))


@dataclass(frozen=True)
class CurveSplit:
    """Noisy points of :func:`true_curve`, x uniform on [0, 1] and y = curve + noise.

    ``x_pool, y_pool`` (200,): training sets are their first n points, so a larger training
    set contains the smaller ones; ``x_val, y_val`` (200,) and ``x_test, y_test`` (1000,)
    are separate draws from the same source.
    """

    x_pool: np.ndarray
    y_pool: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def train(self, n):
        """The first ``n`` points of the pool, ``(x, y)`` each (n,)."""
        n = check_int("n", n, 2, len(self.x_pool))
        return self.x_pool[:n], self.y_pool[:n]


@functools.lru_cache(maxsize=32)
def curve_split(seed=CURVE_SEED):
    """The curve data for ``seed`` (an int): a :class:`CurveSplit` (cached, read-only)."""
    seed = check_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    arrays = []
    for n in (CURVE_POOL, CURVE_VAL, CURVE_TEST):
        x = rng.uniform(0.0, 1.0, n)
        y = true_curve(x) + rng.normal(0.0, CURVE_NOISE, n)
        for a in (x, y):
            a.flags.writeable = False
        arrays += [x, y]
    return CurveSplit(*arrays)


def fit_polynomial(x, y, degree):
    """The least-squares polynomial of ``degree`` through the points ``(x, y)``, each (N,).

    Returns a ``numpy.polynomial.Polynomial`` (call it on an array to evaluate it). numpy
    rescales x to [-1, 1] before solving, which keeps high degrees accurate. With
    ``degree = N - 1`` the polynomial passes through every point exactly.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x, y: expected two 1-D arrays of the same length, got shapes "
                         f"{x.shape} and {y.shape}")
    degree = check_int("degree", degree, 0, len(x) - 1)
    return np.polynomial.Polynomial.fit(x, y, degree)


def mse(prediction, target):
    """Mean squared error between two arrays of the same shape (chapter 5)."""
    prediction, target = np.asarray(prediction, dtype=float), np.asarray(target, dtype=float)
    if prediction.shape != target.shape:
        raise ValueError(f"prediction: expected the shape of target {target.shape}, got "
                         f"{prediction.shape}")
    return float(np.mean((prediction - target) ** 2))


def polynomial_errors(degrees, n_train=15, seed=CURVE_SEED):
    """Training, validation and test MSE of a polynomial of each degree in ``degrees``.

    Fitted to the first ``n_train`` points of :func:`curve_split` ``(seed)``. Returns a dict
    of (len(degrees),) arrays: 'degree', 'train', 'val', 'test'.
    """
    data = curve_split(seed)
    x, y = data.train(n_train)
    rows = []
    for degree in degrees:
        p = fit_polynomial(x, y, degree)
        rows.append((degree, mse(p(x), y), mse(p(data.x_val), data.y_val),
                     mse(p(data.x_test), data.y_test)))
    columns = np.array(rows, dtype=float).reshape(-1, 4).T
    return {"degree": columns[0].astype(int), "train": columns[1], "val": columns[2],
            "test": columns[3]}


# ---------------------------------------------------------------------------- two moons

#: Noise of ``sklearn.datasets.make_moons``: the two classes overlap, so no model can be
#: right everywhere.
MOONS_NOISE = 0.4
#: Seed of the one shuffled draw of moons points that is cut into test, validation, training.
MOONS_SEED = 10
#: Sizes: 1,000 test points, 100 validation points, then a pool of up to 1,000 training points.
MOONS_TEST, MOONS_VAL, MOONS_POOL = 1000, 100, 1000
#: The training budget of every moons run: this many Adam steps ...
STEPS = 300
#: ... at this learning rate ...
LR = 0.01
#: ... on mini-batches of (at most) this many points.
BATCH_SIZE = 100
#: Float type of the networks (see the module docstring for why not float32).
DTYPE = np.float64
#: Early stopping waits this many epochs for the validation loss to improve.
PATIENCE = 20


@dataclass(frozen=True)
class MoonsSplit:
    """Two-moons points, X (N, 2) floats and labels y (N,) 0 or 1, already split.

    The training set of size n is the first n points of ``X_pool``, so larger training
    sets contain the smaller ones. All arrays are read-only.
    """

    X_pool: np.ndarray
    y_pool: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def train(self, n=100):
        """The first ``n`` pool points, ``(X (n, 2), y (n,))``."""
        n = check_int("n_train", n, 2, len(self.X_pool))
        return self.X_pool[:n], self.y_pool[:n]


@functools.lru_cache(maxsize=1)
def moons_split():
    """The chapter's moons data: one shuffled draw of 2,100 points of
    ``make_moons(noise=0.4)``, cut into 1,000 test, 100 validation and 1,000 pool points
    (:class:`MoonsSplit`)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(MOONS_TEST + MOONS_VAL + MOONS_POOL, noise=MOONS_NOISE,
                      random_state=MOONS_SEED)
    X, y = X.astype(DTYPE), y.astype(np.int64)
    cuts = np.cumsum([MOONS_TEST, MOONS_VAL])
    parts = []
    for a in np.split(X, cuts) + np.split(y, cuts):
        a.flags.writeable = False
        parts.append(a)
    X_test, X_val, X_pool, y_test, y_val, y_pool = parts
    return MoonsSplit(X_pool, y_pool, X_val, y_val, X_test, y_test)


def moons_mlp(width=256, dropout=0.0, rng=None, dtype=None):
    """The 2-``width``-``width``-2 ReLU network of the moons runs (``dtype``: default
    :data:`DTYPE`).

    With ``dropout`` > 0 a :class:`~nnlib.nn.Dropout` follows each hidden ReLU. The two
    outputs are class scores (logits) for the cross-entropy loss.
    """
    from nnlib.nn import Dropout, Linear, ReLU, Sequential

    width = check_int("width", width, 1)
    dropout = _check_fraction("dropout", dropout)
    rng = np.random.default_rng(0) if rng is None else rng
    dtype = DTYPE if dtype is None else dtype
    layers = []
    for n_in in (2, width):
        layers += [Linear(n_in, width, rng=rng, dtype=dtype), ReLU()]
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
    layers.append(Linear(width, 2, rng=rng, dtype=dtype))
    return Sequential(*layers)


@dataclass(frozen=True)
class MoonsRun:
    """One training run on the moons (see :func:`train_moons`).

    ``model`` is the trained network (in eval mode; do not train it further: runs are
    cached). ``history`` is ``fit``'s per-epoch record (training values are running
    averages in training mode, validation values are measured after each epoch).
    ``scores`` holds the final model's accuracy and mean cross-entropy in eval mode:
    'train_accuracy', 'train_loss', 'val_accuracy', 'val_loss', 'test_accuracy',
    'test_loss'. ``best_epoch`` is where early stopping found the lowest validation loss
    (None without early stopping), ``epochs_run`` how many epochs were trained.
    """

    seed: int
    n_train: int
    width: int
    weight_decay: float
    dropout: float
    early_stopping: bool
    model: object = field(repr=False)
    history: object = field(repr=False)
    scores: dict = field(repr=False)
    best_epoch: int | None
    epochs_run: int


def train_moons(seed=0, n_train=100, width=256, weight_decay=0.0, dropout=0.0,
                early_stopping=False):
    """Train :func:`moons_mlp` on the first ``n_train`` moons points with the fixed budget.

    Budget: :data:`STEPS` Adam steps at learning rate :data:`LR` on mini-batches of
    ``min(n_train, BATCH_SIZE)`` points, i.e. ``STEPS / ceil(n_train / BATCH_SIZE)``
    epochs. ``weight_decay``: L2 strength (Adam's ``weight_decay``); ``dropout``: drop
    probability after each hidden layer; ``early_stopping``: watch the validation loss,
    stop after :data:`PATIENCE` epochs without improvement and keep the best epoch's
    weights. ``seed`` sets the initial weights, the batch order and the dropout masks; the
    data is the same for every seed. Cached: the same arguments return the same
    :class:`MoonsRun`.
    """
    seed = check_int("seed", seed, 0)
    n_train = check_int("n_train", n_train, 2, MOONS_POOL)
    width = check_int("width", width, 1)
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, numbers.Real) \
            or not 0 <= weight_decay < math.inf:
        raise ValueError(f"weight_decay: expected a number >= 0, got {weight_decay!r}")
    dropout = _check_fraction("dropout", dropout)
    if not isinstance(early_stopping, (bool, np.bool_)):
        raise ValueError(f"early_stopping: expected True or False, got {early_stopping!r}")
    return _train_moons(seed, n_train, width, float(weight_decay), dropout,
                        bool(early_stopping))


@functools.lru_cache(maxsize=64)
def _train_moons(seed, n_train, width, weight_decay, dropout, early_stopping):
    """:func:`train_moons` without the argument checks, cached."""
    from nnlib.optim import Adam
    from nnlib.train.callbacks import EarlyStopping
    from nnlib.train.loop import evaluate, fit

    data = moons_split()
    X, y = data.train(n_train)
    batch_size = min(n_train, BATCH_SIZE)
    epochs = max(1, STEPS // math.ceil(n_train / batch_size))
    rng = np.random.default_rng(seed)
    model = moons_mlp(width, dropout, rng)
    stopper = EarlyStopping("val_loss", patience=PATIENCE) if early_stopping else None
    with one_blas_thread():
        history = fit(model, X, y, loss="cross_entropy",
                      optimizer=Adam(model.parameters(), lr=LR, weight_decay=weight_decay),
                      epochs=epochs, batch_size=batch_size,
                      validation_data=(data.X_val, data.y_val), rng=rng,
                      callbacks=[stopper] if stopper else (), progress=False)
        scores = {}
        for part, (Xp, yp) in (("train", (X, y)), ("val", (data.X_val, data.y_val)),
                               ("test", (data.X_test, data.y_test))):
            measured = evaluate(model, Xp, yp, "cross_entropy")
            scores[f"{part}_accuracy"] = measured["accuracy"]
            scores[f"{part}_loss"] = measured["loss"]
    return MoonsRun(seed, n_train, width, weight_decay, dropout, early_stopping, model,
                    history, scores, stopper.best_epoch if stopper else None,
                    history.epochs_run)


#: The rows of the chapter's table: a label and the :func:`train_moons` arguments. Every
#: row starts from the overfitting network (2-256-256-2, 100 training points) and changes
#: one thing.
FIXES = {
    "no fix": {},
    "L2 weight decay 0.01": {"weight_decay": 1e-2},
    "early stopping": {"early_stopping": True},
    "dropout 0.5": {"dropout": 0.5},
    "10x more data (1,000 points)": {"n_train": 1000},
    "smaller network (2-8-8-2)": {"width": 8},
}

_SCORE_KEYS = ("train_accuracy", "test_accuracy", "test_loss")


def fixes_table(seeds=(0, 1, 2), fixes=None):
    """Median, minimum and maximum over ``seeds`` of each fix's scores.

    ``fixes``: a dict label -> :func:`train_moons` keyword arguments (default
    :data:`FIXES`). Returns a dict label -> {score: (median, low, high)} for the scores
    'train_accuracy', 'test_accuracy' (fractions) and 'test_loss' (cross-entropy), plus
    'epochs' -> (median, low, high) epochs trained.
    """
    fixes = FIXES if fixes is None else fixes
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    table = {}
    for label, kwargs in fixes.items():
        runs = [train_moons(seed, **kwargs) for seed in seeds]
        row = {key: _summary([r.scores[key] for r in runs]) for key in _SCORE_KEYS}
        row["epochs"] = _summary([r.epochs_run for r in runs])
        table[label] = row
    return table


def _summary(values):
    values = np.asarray(values, dtype=float)
    return float(np.median(values)), float(values.min()), float(values.max())


def _logits(model, X):
    from nnlib.train.loop import predict

    with one_blas_thread():
        return predict(model, np.asarray(X)).astype(np.float64)


def class1_probability(model, X):
    """The network's probability of class 1 for each row of X (M, 2): softmax of its two
    scores, (M,) floats."""
    logits = _logits(model, X)
    return np.exp(-np.logaddexp(0.0, logits[:, 0] - logits[:, 1]))  # no overflow


def _true_class_margin(model, X, y):
    """Score of the right class minus the other score, (N,): positive means right."""
    logits = _logits(model, X)
    y = np.asarray(y)
    if y.shape != (len(logits),):
        raise ValueError(f"y: expected {len(logits)} labels (N,), got shape {y.shape}")
    rows = np.arange(len(y))
    return logits[rows, y] - logits[rows, 1 - y]


def true_class_probability(model, X, y):
    """The probability the network gives to the right class of each row, (N,) floats."""
    return np.exp(-np.logaddexp(0.0, -_true_class_margin(model, X, y)))


def confidence_report(model, X, y, confident=0.99):
    """How the mistakes of a two-class network weigh in its cross-entropy.

    Returns a dict: 'accuracy', 'loss' (mean cross-entropy), 'wrong' (share of rows it
    gets wrong), 'confidently_wrong' (share of rows where it gives the right class less
    than ``1 - confident``), 'loss_share_of_wrong' (the part of the total loss that comes
    from the rows it gets wrong).
    """
    confident = _check_fraction("confident", confident, 0.5, 1.0)
    margin = _true_class_margin(model, X, y)
    per_row = np.logaddexp(0.0, -margin)  # -log p(right class), exact for any margin
    wrong = margin < 0
    p_right = np.exp(-per_row)
    return {"accuracy": float(1 - wrong.mean()), "loss": float(per_row.mean()),
            "wrong": float(wrong.mean()),
            "confidently_wrong": float((p_right < 1 - confident).mean()),
            "loss_share_of_wrong": float(per_row[wrong].sum() / per_row.sum())}


# ---------------------------------------------------------------------------- shifted digits

#: One pixel right, left, down and up, as (rows, columns) moves.
SHIFTS = ((0, 1), (0, -1), (1, 0), (-1, 0))
DIGITS_SEED = 10
DIGITS_EPOCHS = 20


def shift_images(images, dy, dx):
    """Move every image of ``images`` (N, H, W) by ``dy`` rows down and ``dx`` columns
    right; pixels moved in from outside are 0 (blank) and pixels moved out are lost."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images: expected an array (N, H, W), got shape {images.shape}")
    H, W = images.shape[1:]
    for name, d, size in (("dy", dy, H), ("dx", dx, W)):
        check_int(name, d, -(size - 1), size - 1)
    out = np.zeros_like(images)
    out[:, max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
        images[:, max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return out


def shifted_copies(X, shifts=SHIFTS, shape=(8, 8)):
    """Every row of X (N, H*W) moved by each shift in ``shifts``: (len(shifts) * N, H*W),
    all images moved by the first shift, then all by the second, and so on."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"X: expected flattened {shape[0]}x{shape[1]} images "
                         f"(N, {shape[0] * shape[1]}), got shape {X.shape}")
    images = X.reshape(-1, *shape)
    return np.concatenate([shift_images(images, dy, dx).reshape(len(X), -1)
                           for dy, dx in shifts])


@dataclass(frozen=True)
class AugmentationRun:
    """One digit network (64-128-10, Adam, :data:`DIGITS_EPOCHS` epochs) and its scores.

    ``augment``: trained on the training images plus their four one-pixel shifts.
    ``n_train``: training images seen per epoch. ``test_accuracy``: on the ordinary test
    images; ``shifted_accuracy``: on the test images moved one pixel in each of the four
    directions (4 x as many).
    """

    augment: bool
    seed: int
    n_train: int
    test_accuracy: float
    shifted_accuracy: float


@functools.lru_cache(maxsize=1)
def _digits():
    from nnlib.data.datasets import digits

    return digits(test_size=0.25, rng=DIGITS_SEED)


def augmentation_run(augment, seed=0):
    """Train the digit network with (``augment=True``) or without shifted training copies
    and test it on plain and on shifted test digits. Cached; returns an
    :class:`AugmentationRun`."""
    if not isinstance(augment, (bool, np.bool_)):
        raise ValueError(f"augment: expected True or False, got {augment!r}")
    return _augmentation_run(bool(augment), check_int("seed", seed, 0))


@functools.lru_cache(maxsize=8)
def _augmentation_run(augment, seed):
    from nnlib.nn import Linear, ReLU, Sequential
    from nnlib.optim import Adam
    from nnlib.train.loop import fit, predict

    d = _digits()
    X, y = d.X_train, d.y_train
    if augment:
        X = np.concatenate([X, shifted_copies(X)])
        y = np.tile(d.y_train, 1 + len(SHIFTS))
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(64, 128, rng=rng, dtype=DTYPE), ReLU(),
                       Linear(128, 10, rng=rng, dtype=DTYPE))
    with one_blas_thread():
        fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=1e-3),
            epochs=DIGITS_EPOCHS, batch_size=32, rng=rng, progress=False)
        plain = predict(model, d.X_test).argmax(axis=1)
        shifted = predict(model, shifted_copies(d.X_test)).argmax(axis=1)
    return AugmentationRun(augment, seed, len(X), float(np.mean(plain == d.y_test)),
                           float(np.mean(shifted == np.tile(d.y_test, len(SHIFTS)))))
