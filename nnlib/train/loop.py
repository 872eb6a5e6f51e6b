"""The training loop: ``fit``, ``evaluate``, ``predict``, and what goes with them (chapter 8).

``fit`` runs the five steps of chapter 8 over mini-batches for a number of epochs::

    for each epoch:                      one pass over the (shuffled) training set
        for each batch (xb, yb):         batch_size rows at a time
            out = model(xb)              1-2. forward pass
            l = loss(out, yb)            3. how wrong is it?
            l.backward()                 4. backpropagate
            optimizer.step()             5. nudge every weight, then repeat

and returns a :class:`History` of the per-epoch loss and accuracy on the training set
(running averages over the epoch's batches, as Keras reports them) and, when
``validation_data`` is given, on the validation set (measured after the epoch).

Progress is a widget in JupyterLab and one plain line per epoch elsewhere (no timings,
so stored notebook outputs stay identical from run to run). If the loss stops being a
finite number, or a batch's loss grows to more than ``BLOW_UP_FACTOR`` times the first
batch's (at least 1), ``fit`` raises :class:`TrainingDiverged` and says which epoch and batch.
"""
import math
import numbers

import numpy as np

from nnlib._checks import (ArgumentTypeError, as_rng, check_finite, check_labels,
                           check_same_length)
from nnlib.train.callbacks import EarlyStopping, as_callbacks
from nnlib.train.history import History
from nnlib.losses import LOSSES
from nnlib.train.progress import LivePlot, ProgressBar
from nnlib.tensor import Tensor, no_grad

__all__ = [
    "fit", "evaluate", "predict", "History", "EarlyStopping", "TrainingDiverged",
    "ProgressBar", "LivePlot",
]

_ALIASES = {
    "bce": "binary_cross_entropy",
    "bce_with_logits": "binary_cross_entropy_with_logits",
    "ce": "cross_entropy",
    "mean_squared_error": "mse",
}
_THRESHOLDS = {"binary_cross_entropy": 0.5, "binary_cross_entropy_with_logits": 0.0}
# A batch loss this many times the first batch's (or times 1, if that was smaller) means the
# weights are running away: a cross-entropy of 2.3 at the start does not reach 2,300 by learning.
BLOW_UP_FACTOR = 1e3


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite, or blew up, during ``fit``: the weights ran away.

    Attributes: ``epoch`` and ``batch`` (1-based) where it happened, ``lr`` (or None),
    and ``history`` with the epochs completed before.
    """

    def __init__(self, message, epoch, batch, lr=None, history=None):
        super().__init__(message)
        self.epoch, self.batch, self.lr, self.history = epoch, batch, lr, history


# ---------------------------------------------------------------------------- argument checks

def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def _check_model(model):
    """The model must be a Module instance (or another callable mapping a batch to outputs)."""
    if isinstance(model, type):
        raise ArgumentTypeError(
            f"model: expected a model such as nn.Sequential(...), got the class "
            f"{model.__name__}: build one first, {model.__name__}(...)"
        )
    if not callable(model):
        raise ArgumentTypeError(
            f"model: expected a Module (a callable that maps a batch to outputs), got "
            f"{type(model).__name__}"
        )


def _resolve_loss(loss):
    """``(function, name)``; name is None for a custom callable that is not in LOSSES.

    A loss Module (``nn.CrossEntropyLoss()``) counts as its function; fit averages over
    each batch, so the Module must use ``reduction="mean"``.
    """
    if isinstance(loss, type):
        raise ArgumentTypeError(
            f"loss: expected a loss name, function or Module, got the class {loss.__name__}: "
            f"write {loss.__name__}()"
        )
    if getattr(loss, "function", None) is not None and hasattr(loss, "reduction"):
        if loss.reduction != "mean":
            raise ValueError(
                f"loss: expected a loss with reduction='mean' (fit averages over each batch), "
                f"got {type(loss).__name__}(reduction={loss.reduction!r})"
            )
        loss = loss.function
    if isinstance(loss, str):
        name = _ALIASES.get(loss, loss)
        if name not in LOSSES:
            raise ValueError(
                f"loss: expected one of {sorted(LOSSES)} (or a callable), got {loss!r}"
            )
        return LOSSES[name], name
    if callable(loss):
        name = next((n for n, f in LOSSES.items() if f is loss), None)
        return loss, name
    raise ArgumentTypeError(
        f"loss: expected a loss name or a callable, got {type(loss).__name__}"
    )


def _model_dtype(model):
    """The float dtype of the model's first parameter (None if it has none)."""
    params = model.parameters() if hasattr(model, "parameters") else []
    for p in params:
        if p.data.dtype.kind == "f":
            return p.data.dtype
    return None


def _features(name, X, dtype):
    """``X`` as an ndarray with at least one row, finite, in the model's float dtype."""
    X = X.data if isinstance(X, Tensor) else _real_array(name, X)
    if X.ndim == 0 or len(X) == 0:
        raise ValueError(f"{name}: expected an array with at least one sample, got shape {X.shape}")
    check_finite(name, X)  # as given, so the message names the caller's dtype
    if dtype is not None and X.dtype != dtype:
        with np.errstate(over="ignore"):  # reported just below
            X = X.astype(dtype)  # once, up front: float32 models then run in float32
        check_finite(name, X)  # values too large for float32 became inf
    return X


def _real_array(name, values):
    """``values`` as an ndarray of real numbers (bools and ints included)."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):  # e.g. ragged nested lists
        array = None
    if array is not None and array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            array = None
    if array is None or array.dtype.kind not in "biuf":
        what = f"dtype {array.dtype}" if array is not None else type(values).__name__
        raise ValueError(f"{name}: expected an array of real numbers, got {what}")
    return array


class _Task:
    """What the loss implies: how to prepare targets and whether accuracy makes sense."""

    def __init__(self, loss):
        self.fn, self.name = _resolve_loss(loss)
        self.threshold = _THRESHOLDS.get(self.name)
        self.classes = self.name == "cross_entropy"
        self.has_accuracy = self.classes or self.threshold is not None

    def targets(self, name, y, out_shape, dtype):
        """``y`` checked and shaped for the loss, given the model's output shape for one row."""
        y = y.data if isinstance(y, Tensor) else np.asarray(y)
        if y.dtype.kind == "c":
            raise ValueError(f"{name}: expected real numbers, got dtype {y.dtype}")
        check_finite(name, y)
        if self.classes:
            return check_labels(name, y, out_shape[-1])
        if self.name is None:  # a custom loss gets the targets as they are
            return y
        y = _real_array(name, y).astype(dtype or np.float64, copy=False)
        if y.ndim == 1 and len(out_shape) == 2 and out_shape[1] == 1:
            y = y.reshape(-1, 1)  # (N,) labels for an (N, 1) output
        if self.threshold is not None and y.size and (y.min() < 0 or y.max() > 1):
            bad = y.min() if y.min() < 0 else y.max()
            raise ValueError(
                f"{name}: expected targets in [0, 1] for {self.name}, got {float(bad):g}"
            )
        return y

    def correct(self, out, y):
        """How many predictions in the batch are right (fractional for multi-output)."""
        if self.classes:
            return int(np.count_nonzero(out.argmax(axis=1) == y))
        hits = np.count_nonzero((out > self.threshold) == (y > 0.5))
        return hits * len(out) / out.size


def _output_shape(model, X):
    """Shape of the model's output for the first row (eval mode, no graph)."""
    was_training = getattr(model, "training", True)
    _set_mode(model, False)
    try:
        with no_grad():
            out = model(X[:1])
    finally:
        _set_mode(model, was_training)
    return np.shape(out.data if isinstance(out, Tensor) else out)


def _set_mode(model, training):
    if training and hasattr(model, "train"):
        model.train()
    elif not training and hasattr(model, "eval"):
        model.eval()


def _prepare(model, task, X, y, names, dtype):
    X = _features(names[0], X, dtype)
    if y is None or np.ndim(y) == 0:
        raise ValueError(f"{names[1]}: expected one target per sample, got {y!r}")
    check_same_length(names[0], X, names[1], y)
    y = task.targets(names[1], y, _output_shape(model, X), dtype)
    return X, y


def _check_validation_pair(validation_data):
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        got = (f"a sequence of length {len(validation_data)}"
               if isinstance(validation_data, (tuple, list)) else type(validation_data).__name__)
        raise ValueError(f"validation_data: expected a pair (X_val, y_val), got {got}")
    return validation_data


def _check_optimizer(optimizer, model):
    example = "nnlib.optim.Adam(model.parameters(), lr=1e-3)"
    if isinstance(optimizer, type):
        raise ArgumentTypeError(
            f"optimizer: expected an optimizer such as {example}, got the class "
            f"{optimizer.__name__} itself: build it on the model's parameters"
        )
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
        raise ArgumentTypeError(
            f"optimizer: expected an optimizer with step() and zero_grad() such as "
            f"{example}, got {type(optimizer).__name__}"
        )
    _check_optimizer_params(optimizer, model)


def _check_optimizer_params(optimizer, model):
    """An optimiser built on another model's parameters would train nothing: refuse it."""
    updated = getattr(optimizer, "params", None)
    if updated is None or not hasattr(model, "parameters"):
        return  # a custom optimiser or model: nothing to compare
    own = {id(p) for p in model.parameters()}
    if own and not any(id(p) in own for p in updated):
        raise ValueError(
            f"optimizer: expected an optimizer built on this model's parameters, "
            f"{type(optimizer).__name__}(model.parameters(), ...), got one that updates "
            f"{len(updated)} tensors none of which belong to the model (another model's, or "
            f"an earlier copy of it?), so training would change nothing"
        )


# ---------------------------------------------------------------------------- the loop

def _divergence(epoch, batch, where, what, optimizer):
    """The TrainingDiverged to raise; ``where`` says where in the epoch ("batch 4 of 8"),
    ``what`` what happened to the loss ("became NaN")."""
    lr = getattr(optimizer, "lr", None)
    advice = ("the weights grew without bound. Check that the inputs are scaled "
              "(standardize them)")
    if lr is not None:
        advice = (f"the learning rate lr={lr:g} is probably too large; try a value 10x "
                  f"smaller (lr={lr / 10:g}), and check that the inputs are scaled")
    return TrainingDiverged(
        f"training diverged at epoch {epoch}, {where}: the loss {what}; {advice}.",
        epoch=epoch, batch=batch, lr=lr,
    )


def _not_finite(value):
    """How a loss that is not a finite number went wrong, or None if it is finite."""
    if value is None:
        return "became not finite (values inside the network overflowed)"
    if math.isnan(value):
        return "became NaN"
    return None if math.isfinite(value) else "became infinite"


class _LossWatch:
    """Watches the batch losses of one ``fit`` for the two signs of runaway weights."""

    def __init__(self, optimizer):
        self.optimizer, self.first = optimizer, None

    def check(self, value, epoch, batch, n_batches):
        where = f"batch {batch} of {n_batches}"
        what = _not_finite(value)
        if what is None and self.first is None:
            self.first = value
        elif what is None and value > BLOW_UP_FACTOR * max(self.first, 1.0):
            what = (f"grew from {self.first:.3g} on the first batch to {value:.3g}, "
                    f"more than {BLOW_UP_FACTOR:,.0f} times as large")
        if what is not None:
            raise _divergence(epoch, batch, where, what, self.optimizer)


def _forward_loss(model, task, xb, yb):
    """Forward pass and loss. Core layers refuse non-finite values with a ValueError; since
    X and y were checked up front, such values can only come from runaway weights."""
    try:
        out = model(xb)
        return out, task.fn(out, yb)
    except ValueError as err:
        if "finite" in str(err):
            return None, None
        raise


def _train_epoch(model, task, optimizer, X, y, batch_size, order, epoch, watch):
    """One pass over the data; returns ``{'loss': ..., 'accuracy': ...}`` (running averages).
    ``watch`` (a _LossWatch) raises TrainingDiverged when a batch's loss runs away."""
    if order is not None:
        X, y = X[order], y[order]  # one gather per epoch; batches below are views
    n = len(X)
    n_batches = -(-n // batch_size)
    total_loss = correct = 0.0
    for batch, start in enumerate(range(0, n, batch_size), 1):
        xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        out, loss = _forward_loss(model, task, xb, yb)
        value = None if loss is None else loss.item()
        watch.check(value, epoch, batch, n_batches)
        if not loss.requires_grad:
            raise ValueError(
                "model: expected outputs that depend on parameters with requires_grad=True, "
                "got a loss that needs no gradient (are all parameters frozen?)"
            )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += value * len(xb)
        if task.has_accuracy:
            correct += task.correct(out.data, yb)
    logs = {"loss": total_loss / n}
    if task.has_accuracy:
        logs["accuracy"] = correct / n
    return logs


def _measure(model, task, X, y, batch_size):
    """Loss and accuracy of the model on (X, y), in eval mode without building a graph."""
    was_training = getattr(model, "training", True)
    _set_mode(model, False)
    total_loss = correct = 0.0
    try:
        with no_grad():
            for start in range(0, len(X), batch_size):
                xb, yb = X[start:start + batch_size], y[start:start + batch_size]
                out = model(xb)
                total_loss += task.fn(out, yb).item() * len(xb)
                if task.has_accuracy:
                    correct += task.correct(out.data, yb)
    finally:
        _set_mode(model, was_training)
    result = {"loss": total_loss / len(X)}
    if task.has_accuracy:
        result["accuracy"] = correct / len(X)
    return result


def fit(model, X, y, *, loss, optimizer, epochs, batch_size=32, validation_data=None,
        shuffle=True, rng=None, callbacks=(), progress=True, live_plot=False):
    """Train ``model`` on ``(X, y)`` with mini-batch gradient descent (chapter 8).

    Parameters
    ----------
    model : nnlib.nn.Module, maps a batch (B, ...) to outputs (B, C)
    X : ndarray (N, ...) of finite numbers; cast once to the model's float dtype
    y : ndarray (N,) integer labels for 'cross_entropy'; (N,) or (N, C) numbers otherwise
        ((N,) targets are reshaped to (N, 1) when the model outputs one column)
    loss : a name from ``nnlib.losses.LOSSES`` ('cross_entropy', 'mse',
        'binary_cross_entropy', 'binary_cross_entropy_with_logits'; aliases 'bce',
        'bce_with_logits'), a loss Module such as ``nn.CrossEntropyLoss()`` (the same
        as its name), or a callable ``(pred Tensor, target) -> scalar Tensor``.
        Accuracy is reported for the classification losses only.
    optimizer : e.g. ``nnlib.optim.Adam(model.parameters(), lr=1e-3)``, built on (some of)
        this model's parameters
    epochs : int > 0, passes over the training set
    batch_size : int > 0, rows per gradient step (the last batch may be smaller)
    validation_data : optional pair ``(X_val, y_val)`` measured after every epoch
    shuffle : bool, visit the rows in a new random order every epoch
    rng : np.random.Generator or int seed for the shuffling; None means seed 0
    callbacks : objects with optional ``on_train_begin(model)``,
        ``on_epoch_end(epoch, logs) -> bool`` (True stops training) and
        ``on_train_end(model, history)``; e.g. :class:`EarlyStopping`
    progress : bool, show a progress bar (Jupyter) or print one line per epoch
    live_plot : bool, in Jupyter redraw a loss curve after every epoch

    Returns a :class:`History`. The model is left in eval mode. Raises
    :class:`TrainingDiverged` if the loss becomes NaN or infinite, or if a batch's loss
    grows to more than ``BLOW_UP_FACTOR`` (1,000) times the first batch's (or times 1).
    """
    _check_model(model)
    task = _Task(loss)
    _check_optimizer(optimizer, model)
    epochs = _positive_int("epochs", epochs)
    batch_size = _positive_int("batch_size", batch_size)
    shuffle, progress, live_plot = (_check_bool("shuffle", shuffle),
                                    _check_bool("progress", progress),
                                    _check_bool("live_plot", live_plot))
    callbacks = _check_callbacks(callbacks)
    rng = as_rng(rng)
    dtype = _model_dtype(model)
    X, y = _prepare(model, task, X, y, ("X", "y"), dtype)
    val = _check_validation_pair(validation_data)
    if val is not None:
        val = _prepare(model, task, val[0], val[1], ("X_val", "y_val"), dtype)
    _check_monitors(callbacks, task, val is not None)
    history = _run(model, task, optimizer, X, y, val, epochs, batch_size, shuffle, rng,
                   callbacks, ProgressBar(epochs, progress), LivePlot(live_plot))
    _set_mode(model, False)
    return history


def _check_callbacks(callbacks):
    """``as_callbacks``, refusing callback classes (their hooks would be unbound)."""
    for cb in (callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]):
        if isinstance(cb, type):
            raise ArgumentTypeError(
                f"callbacks: expected callback objects, got the class {cb.__name__}: "
                f"write {cb.__name__}(...)"
            )
    return as_callbacks(callbacks)


def _check_monitors(callbacks, task, has_validation):
    logged = ["loss"] + (["accuracy"] if task.has_accuracy else [])
    if has_validation:
        logged += [f"val_{k}" for k in logged]
    for cb in callbacks:
        monitor = getattr(cb, "monitor", None)
        if monitor is not None and monitor not in logged:
            hint = " (pass validation_data to fit)" if monitor.startswith("val_") else ""
            raise ValueError(
                f"{type(cb).__name__}.monitor: expected one of the metrics fit records "
                f"{logged}, got {monitor!r}{hint}"
            )


def _validate(model, task, val, batch_size, epoch, optimizer):
    """Validation metrics as ``{'val_loss': ..., 'val_accuracy': ...}``; runaway weights that
    first show on the validation set raise :class:`TrainingDiverged` like a training batch."""
    try:
        measured = _measure(model, task, val[0], val[1], max(batch_size, 1024))
    except ValueError as err:
        if "finite" not in str(err):
            raise
        measured = {"loss": None}
    what = _not_finite(measured["loss"])
    if what is not None:
        raise _divergence(epoch, None, "on the validation set", what, optimizer)
    return {f"val_{k}": v for k, v in measured.items()}


def _run(model, task, optimizer, X, y, val, epochs, batch_size, shuffle, rng, callbacks,
         bar, plot):
    history = History()
    for cb in callbacks:
        if hasattr(cb, "on_train_begin"):
            cb.on_train_begin(model)
    ok, watch = False, _LossWatch(optimizer)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            for epoch in range(1, epochs + 1):
                _set_mode(model, True)
                order = rng.permutation(len(X)) if shuffle else None
                logs = _train_epoch(model, task, optimizer, X, y, batch_size, order, epoch,
                                    watch)
                if val is not None:
                    logs.update(_validate(model, task, val, batch_size, epoch, optimizer))
                history.append(logs)
                bar.update(epoch, logs)
                plot.update(history)
                stops = [cb.on_epoch_end(epoch, dict(logs))
                         for cb in callbacks if hasattr(cb, "on_epoch_end")]
                if any(stops):
                    history.stopped_early = True
                    break
        ok = True
    except TrainingDiverged as err:
        err.history = history
        raise
    finally:
        bar.close(ok)
        plot.close()
    for cb in callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(model, history)
    return history


# ---------------------------------------------------------------------------- after training

def evaluate(model, X, y, loss, *, batch_size=1024):
    """Loss (and accuracy, for classification losses) of ``model`` on ``(X, y)``.

    Runs in eval mode (dropout off) without building a graph, ``batch_size`` rows at a time.
    Returns ``{'loss': float, 'accuracy': float}`` (no 'accuracy' for regression losses).
    """
    _check_model(model)
    task = _Task(loss)
    batch_size = _positive_int("batch_size", batch_size)
    X, y = _prepare(model, task, X, y, ("X", "y"), _model_dtype(model))
    return _measure(model, task, X, y, batch_size)


def predict(model, X, batch_size=1024):
    """The model's outputs for ``X`` (N, ...) as an ndarray (N, C), in eval mode, no graph.

    The model's train/eval mode is restored afterwards.
    """
    _check_model(model)
    batch_size = _positive_int("batch_size", batch_size)
    X = _features("X", X, _model_dtype(model))
    was_training = getattr(model, "training", True)
    _set_mode(model, False)
    try:
        with no_grad():
            outs = [model(X[s:s + batch_size]) for s in range(0, len(X), batch_size)]
    finally:
        _set_mode(model, was_training)
    outs = [o.data if isinstance(o, Tensor) else np.asarray(o) for o in outs]
    return outs[0] if len(outs) == 1 else np.concatenate(outs)
