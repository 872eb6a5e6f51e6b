"""Tests for nnlib.train: fit, evaluate, predict, History, EarlyStopping, progress."""
import numpy as np
import pytest

from nnlib import datasets, losses, nn
from nnlib.optim import SGD, Adam
import nnlib.train.loop as train
from nnlib.train import progress
from nnlib.train.loop import EarlyStopping, TrainingDiverged, evaluate, fit, predict


def mlp(sizes, seed=0, act=nn.ReLU, dtype=np.float64, out=None, init="he"):
    """A Sequential of Linear layers with ``act`` between them (and ``out`` at the end)."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, rng=rng, dtype=dtype, init=init))
        if i < len(sizes) - 2:
            layers.append(act())
    if out is not None:
        layers.append(out())
    return nn.Sequential(*layers)


def blobs(n=60, seed=0):
    """Three well separated Gaussian clusters in 2-D: X (n, 2), y (n,) in {0, 1, 2}."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    return centres[y] + rng.normal(size=(n, 2)), y


def regression(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)


# ---------------------------------------------------------------------------- learning

def test_fit_learns_xor_with_a_2_4_1_network():
    X, y = datasets.xor()
    model = mlp([2, 4, 1], act=nn.Tanh, out=nn.Sigmoid, init="xavier")
    history = fit(model, X, y, loss="binary_cross_entropy", epochs=300, batch_size=4,
                  optimizer=Adam(model.parameters(), lr=0.1), progress=False)
    assert history.accuracy[-1] == 1.0
    np.testing.assert_array_equal((predict(model, X)[:, 0] > 0.5).astype(int), y)
    assert history.loss[-1] < 0.1 * history.loss[0]


def test_fit_classifies_blobs_and_evaluate_agrees_with_predict():
    X, y = blobs()
    model = mlp([2, 8, 3])
    history = fit(model, X, y, loss="cross_entropy", epochs=30, batch_size=8,
                  optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9), progress=False)
    result = evaluate(model, X, y, "cross_entropy")
    predicted = predict(model, X).argmax(axis=1)
    assert result["accuracy"] == np.mean(predicted == y) >= 0.95
    assert result["loss"] == pytest.approx(losses.cross_entropy(predict(model, X), y).item())
    assert history.loss[-1] < history.loss[0]


def test_regression_with_mse_reports_no_accuracy():
    X, y = regression()
    model = mlp([3, 1])
    history = fit(model, X, y, loss="mse", epochs=50, batch_size=8, validation_data=(X, y),
                  optimizer=SGD(model.parameters(), lr=0.05), progress=False)
    assert history.accuracy == [] and history.val_accuracy == []
    assert set(history.as_dict()) == {"loss", "val_loss"}
    assert history.loss[-1] < 0.05
    assert set(evaluate(model, X, y, "mse")) == {"loss"}


def test_custom_loss_callable_is_used():
    X, y = regression()
    calls = []

    def my_loss(pred, target):
        calls.append(pred.shape)
        return ((pred - target.reshape(-1, 1)) ** 2).mean()

    model = mlp([3, 1])
    history = fit(model, X, y, loss=my_loss, epochs=2, batch_size=10,
                  optimizer=SGD(model.parameters(), lr=0.05), progress=False)
    assert calls == [(10, 1)] * 8
    assert history.accuracy == []


def test_bce_with_logits_accuracy_thresholds_logits_at_zero():
    task = train._Task("bce_with_logits")
    out = np.array([[-0.1], [0.2], [3.0], [-2.0]])
    y = np.array([[0.0], [1.0], [0.0], [1.0]])
    assert task.correct(out, y) == 2
    task = train._Task("binary_cross_entropy")
    assert task.correct(np.array([[0.4], [0.6], [0.9]]), np.array([[0.0], [1.0], [0.0]])) == 2


# ---------------------------------------------------------------------------- history

def test_history_lengths_and_contents():
    X, y = blobs()
    model = mlp([2, 5, 3])
    history = fit(model, X, y, loss="cross_entropy", epochs=7, batch_size=16,
                  validation_data=(X[:30], y[:30]), optimizer=Adam(model.parameters(), lr=0.01),
                  progress=False)
    assert history.epochs_run == 7 and history.epochs == list(range(1, 8))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(getattr(history, key)) == 7
        assert len(history.as_dict()[key]) == 7
    assert all(0 <= a <= 1 for a in history.accuracy + history.val_accuracy)
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert not history.stopped_early
    text = repr(history)
    assert "epochs_run=7" in text and "val_loss=" in text


def test_callback_receives_one_based_epochs_and_can_stop_training():
    seen = []

    class StopAtThree:
        def on_epoch_end(self, epoch, logs):
            seen.append((epoch, sorted(logs)))
            return epoch == 3

    X, y = blobs()
    model = mlp([2, 3])
    history = fit(model, X, y, loss="cross_entropy", epochs=10, callbacks=[StopAtThree()],
                  optimizer=SGD(model.parameters(), lr=0.1), progress=False)
    assert [e for e, _ in seen] == [1, 2, 3]
    assert seen[0][1] == ["accuracy", "loss"]
    assert history.epochs_run == 3 and history.stopped_early


def overfitting_problem():
    """20 training points with random labels: validation loss rises once memorising starts."""
    rng = np.random.default_rng(3)
    X, X_val = rng.normal(size=(20, 5)), rng.normal(size=(200, 5))
    y, y_val = rng.integers(0, 2, 20), rng.integers(0, 2, 200)
    return X, y, X_val, y_val


@pytest.mark.parametrize("restore_best", [True, False])
def test_early_stopping_stops_and_restores_the_best_weights(restore_best):
    X, y, X_val, y_val = overfitting_problem()
    model = mlp([5, 64, 64, 2], seed=1)
    stopper = EarlyStopping(patience=4, restore_best=restore_best)
    history = fit(model, X, y, loss="cross_entropy", epochs=300, batch_size=5,
                  validation_data=(X_val, y_val), callbacks=[stopper],
                  optimizer=Adam(model.parameters(), lr=0.01), progress=False)
    assert history.stopped_early and history.epochs_run < 300
    best = int(np.argmin(history.val_loss)) + 1
    assert history.best_epoch == stopper.best_epoch == best
    assert history.epochs_run == best + 4  # patience epochs without improvement
    val_loss_now = evaluate(model, X_val, y_val, "cross_entropy")["loss"]
    expected = history.val_loss[best - 1] if restore_best else history.val_loss[-1]
    assert val_loss_now == pytest.approx(expected, rel=1e-12)
    assert val_loss_now != pytest.approx(history.val_loss[-1 if restore_best else best - 1])


def test_early_stopping_on_accuracy_maximises():
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    stopper.on_train_begin(mlp([2, 2]))
    assert stopper.on_epoch_end(1, {"val_accuracy": 0.5}) is False
    assert stopper.on_epoch_end(2, {"val_accuracy": 0.7}) is False
    assert stopper.on_epoch_end(3, {"val_accuracy": 0.6}) is True
    assert stopper.best_epoch == 2 and stopper.best == 0.7


# ---------------------------------------------------------------------------- divergence

def test_divergence_raises_with_epoch_batch_and_learning_rate():
    X, y = regression(n=64)
    X = X * 100  # unscaled inputs make it worse, as in real life
    model = mlp([3, 16, 1])
    with pytest.raises(TrainingDiverged, match=r"epoch \d+, batch \d+ of 8.*lr=1e\+06.*10x smaller") as info:
        fit(model, X, y, loss="mse", epochs=20, batch_size=8,
            optimizer=SGD(model.parameters(), lr=1e6), progress=False)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.lr == 1e6 and err.epoch >= 1 and 1 <= err.batch <= 8
    assert err.history.epochs_run == err.epoch - 1


def scripted_loss(values):
    """A loss callable whose successive batches are worth ``values`` (then the last one)."""
    values = list(values)

    def loss(pred, target):
        value = values.pop(0) if len(values) > 1 else values[0]
        return (pred * 0.0).sum() + value

    return loss


def test_a_nan_loss_names_the_epoch_batch_and_what_happened():
    X, y = regression(n=16)
    model = mlp([3, 4, 1])
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 1 of 2: the loss became NaN"):
        fit(model, X, y, loss=scripted_loss([1.0, 1.0, float("nan")]), epochs=3,
            batch_size=8, optimizer=SGD(model.parameters(), lr=0.1), progress=False)


def test_a_loss_that_blows_up_while_staying_finite_stops_training():
    X, y = regression(n=16)
    model = mlp([3, 4, 1])
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 2 of 2: the loss grew from "
                       r"2\.3 on the first batch to 3e\+03, more than 1,000 times as large; "
                       r"the learning rate lr=0\.1 is probably too large") as info:
        fit(model, X, y, loss=scripted_loss([2.3, 3000.0]), epochs=3, batch_size=8,
            optimizer=SGD(model.parameters(), lr=0.1), progress=False)
    assert info.value.history.epochs_run == 0


@pytest.mark.parametrize("losses_seen", [[2.3, 2000.0], [1e-6, 900.0], [5e9, 4e12]])
def test_a_loss_that_grows_less_than_the_limit_is_left_alone(losses_seen):
    """The limit is 1,000 times the first batch's loss, or 1,000 if that was below 1."""
    X, y = regression(n=16)
    model = mlp([3, 4, 1])
    history = fit(model, X, y, loss=scripted_loss(losses_seen), epochs=2, batch_size=8,
                  optimizer=SGD(model.parameters(), lr=0.1), progress=False)
    assert history.epochs_run == 2


def test_a_far_too_large_learning_rate_on_the_digits_is_reported():
    data = datasets.digits()
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 32, rng=rng), nn.ReLU(), nn.Linear(32, 10, rng=rng))
    with pytest.raises(TrainingDiverged, match=r"epoch 1, .*lr=1000 is probably too large"):
        fit(model, data.X_train, data.y_train, loss="cross_entropy", epochs=5,
            optimizer=SGD(model.parameters(), lr=1e3), rng=rng, progress=False)


# ---------------------------------------------------------------------------- determinism

def train_once(seed, fit_rng):
    X, y = blobs(seed=seed)
    model = mlp([2, 6, 3], seed=seed)
    history = fit(model, X, y, loss="cross_entropy", epochs=5, batch_size=7, rng=fit_rng,
                  optimizer=Adam(model.parameters(), lr=0.01), progress=False)
    return history, [p.data.copy() for p in model.parameters()]


def test_same_seed_same_result_and_shuffle_seed_matters():
    (h1, w1), (h2, w2) = train_once(0, 5), train_once(0, np.random.default_rng(5))
    assert h1.loss == h2.loss
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    h3, _ = train_once(0, 6)
    assert h3.loss != h1.loss


def test_no_shuffle_visits_rows_in_order():
    seen = []

    class Recorder(nn.Module):
        def __init__(self):
            self.inner = nn.Linear(1, 2, rng=np.random.default_rng(0))

        def forward(self, x):
            if self.training:
                seen.append(np.asarray(x.data if hasattr(x, "data") else x)[:, 0].copy())
            return self.inner(x)

    X = np.arange(10.0)[:, None]
    model = Recorder()
    fit(model, X, np.arange(10) % 2, loss="cross_entropy", epochs=2, batch_size=4,
        shuffle=False, optimizer=SGD(model.parameters(), lr=1e-3), progress=False)
    np.testing.assert_array_equal(np.concatenate(seen), np.concatenate([X[:, 0], X[:, 0]]))


# ---------------------------------------------------------------------------- modes and dtypes

def test_train_mode_for_batches_eval_mode_for_validation_and_after():
    modes = []

    class Spy(nn.Module):
        def __init__(self):
            self.inner = nn.Linear(2, 3, rng=np.random.default_rng(0))
            self.drop = nn.Dropout(0.5, rng=np.random.default_rng(0))

        def forward(self, x):
            modes.append((len(x), self.training))
            return self.inner(self.drop(x))

    X, y = blobs(n=30)
    model = Spy()
    fit(model, X, y, loss="cross_entropy", epochs=1, batch_size=10, validation_data=(X[:7], y[:7]),
        optimizer=SGD(model.parameters(), lr=0.1), progress=False)
    assert (10, True) in modes and (7, False) in modes
    assert all(not training for n, training in modes if n in (1, 7))  # probes and validation
    assert model.training is False and model.drop.training is False
    model.train()
    predict(model, X)
    assert model.training is True  # predict restores the mode it found


def test_float32_model_stays_float32_when_given_float64_data():
    X, y = blobs()
    model = mlp([2, 6, 3], dtype=np.float32)
    fit(model, X, y, loss="cross_entropy", epochs=2, optimizer=Adam(model.parameters()),
        progress=False)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert predict(model, X).dtype == np.float32


def test_predict_in_batches_equals_one_pass():
    X, _ = blobs(n=50)
    model = mlp([2, 4, 3])
    np.testing.assert_allclose(predict(model, X, batch_size=7), predict(model, X, batch_size=1000))
    assert predict(model, X).shape == (50, 3)


# ---------------------------------------------------------------------------- progress output

def quick_fit(progress, **kwargs):
    X, y = blobs(n=30)
    model = mlp([2, 3])
    return fit(model, X, y, loss="cross_entropy", epochs=4, batch_size=10, progress=progress,
               optimizer=SGD(model.parameters(), lr=0.1), **kwargs)


def test_progress_false_prints_nothing(capsys):
    quick_fit(False, live_plot=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_prints_one_identical_line_per_epoch(capsys):
    history = quick_fit(True, validation_data=blobs(n=9, seed=1))
    first = capsys.readouterr().out
    quick_fit(True, validation_data=blobs(n=9, seed=1))
    assert capsys.readouterr().out == first  # no timings: re-runs print the same text
    lines = first.splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("epoch 3/4  loss ")
    assert f"loss {history.loss[2]:.4f}" in lines[2]
    assert f"val_acc {history.val_accuracy[2]:.4f}" in lines[2]


def test_progress_bar_uses_a_widget_in_a_kernel(monkeypatch, capsys):
    pytest.importorskip("ipywidgets")
    monkeypatch.setattr(progress, "_in_kernel", lambda: True)
    bar = train.ProgressBar(5)
    assert bar.is_widget
    bar.update(2, {"loss": 0.5, "accuracy": 0.75})
    bar.close()
    assert bar._bar.value == 2 and bar._bar.max == 5 and bar._bar.bar_style == "success"
    assert "epoch 2/5  loss 0.5000  acc 0.7500" in bar._label.value
    assert "epoch 2/5" not in capsys.readouterr().out  # no plain line as well


def test_live_plot_draws_loss_curves_in_a_kernel(monkeypatch):
    pytest.importorskip("matplotlib")
    pytest.importorskip("IPython")
    monkeypatch.setattr(progress, "_in_kernel", lambda: True)
    shown = []
    import IPython.display

    class Handle:
        def update(self, fig):
            shown.append(("update", fig))

    def fake_display(obj, display_id=False):
        shown.append(("display", obj))
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    plot = train.LivePlot(True)
    history = train.History(loss=[1.0, 0.5], val_loss=[1.1, 0.7])
    plot.update(history)
    axes = plot._figure.axes
    assert len(axes) == 1 and len(axes[0].lines) == 2
    plot.update(history)
    assert [kind for kind, _ in shown] == ["display", "update"]
    assert shown[0][1].png.startswith(b"\x89PNG")  # an image, whatever the backend
    assert "training loss from 1 to 0.5" in shown[0][1].alt


def test_live_plot_is_inert_outside_jupyter():
    plot = train.LivePlot(True)
    plot.update(train.History(loss=[1.0]))
    assert not plot.enabled and plot._figure is None


# ---------------------------------------------------------------------------- argument errors

def fit_args(**changes):
    X, y = blobs(n=12)
    model = mlp([2, 3])
    kwargs = dict(loss="cross_entropy", optimizer=SGD(model.parameters(), lr=0.1), epochs=1,
                  progress=False)
    kwargs.update(changes)
    X = kwargs.pop("X", X)
    y = kwargs.pop("y", y)
    return model, X, y, kwargs


def nan_at(array, index):
    array = np.array(array, dtype=float)
    array[index] = np.nan
    return array


@pytest.mark.parametrize("changes, pattern", [
    ({"X": nan_at(blobs(n=12)[0], (3, 1))}, r"X: expected finite values, got 1 NaN"),
    ({"y": np.arange(11) % 3}, r"X, y: expected the same number of samples, got 12 and 11"),
    ({"y": np.arange(12) % 4}, r"y: expected integers in \[0, 3\), got value 3"),
    ({"y": np.full(12, 0.5)}, r"y: expected integer class indices, got value .*0.5"),
    ({"epochs": 0}, r"epochs: expected a positive integer, got 0"),
    ({"epochs": 2.5}, r"epochs: expected a positive integer, got 2.5"),
    ({"batch_size": -4}, r"batch_size: expected a positive integer, got -4"),
    ({"loss": "hinge"}, r"loss: expected one of \[.*'cross_entropy'.*\] \(or a callable\), got 'hinge'"),
    ({"optimizer": "adam"}, r"optimizer: expected an optimizer with step\(\) and zero_grad\(\)"),
    ({"validation_data": np.zeros((3, 2))}, r"validation_data: expected a pair \(X_val, y_val\), got ndarray"),
    ({"validation_data": (np.zeros((3, 2)),)}, r"validation_data: expected a pair .*length 1"),
    ({"validation_data": (np.zeros((3, 2)), np.array([0, 1, 5]))}, r"y_val: expected integers in \[0, 3\), got value 5"),
    ({"validation_data": (nan_at(np.zeros((3, 2)), 0), np.zeros(3, int))}, r"X_val: expected finite values"),
    ({"validation_data": (np.zeros((3, 2)), np.zeros(2, int))}, r"X_val, y_val: expected the same number of samples, got 3 and 2"),
    ({"callbacks": [EarlyStopping()]}, r"EarlyStopping.monitor: expected one of .*got 'val_loss' \(pass validation_data"),
    ({"callbacks": [object()]}, r"callbacks: expected objects with an on_epoch_end"),
    ({"rng": "seed"}, r"rng: expected a numpy Generator"),
])
def test_fit_argument_errors_name_the_argument(changes, pattern):
    model, X, y, kwargs = fit_args(**changes)
    with pytest.raises(ValueError, match=pattern):
        fit(model, X, y, **kwargs)


def test_regression_targets_must_be_finite():
    X, y = regression()
    model = mlp([3, 1])
    with pytest.raises(ValueError, match=r"y: expected finite values, got 0 NaN and 1 inf"):
        fit(model, X, np.where(np.arange(40) == 5, np.inf, y), loss="mse", epochs=1,
            optimizer=SGD(model.parameters(), lr=0.1), progress=False)


def test_binary_targets_must_be_in_unit_interval():
    X, _ = blobs(n=12)
    model = mlp([2, 1], out=nn.Sigmoid)
    with pytest.raises(ValueError, match=r"y: expected targets in \[0, 1\] for binary_cross_entropy, got 2"):
        fit(model, X, np.arange(12) % 3, loss="bce", epochs=1,
            optimizer=SGD(model.parameters(), lr=0.1), progress=False)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"monitor": "val_los"}, r"monitor: expected one of \['loss'.*got 'val_los'"),
    ({"patience": -1}, r"patience: expected an integer >= 0, got -1"),
    ({"min_delta": -0.1}, r"min_delta: expected a number >= 0, got -0.1"),
    ({"mode": "up"}, r"mode: expected 'auto', 'min' or 'max', got 'up'"),
])
def test_early_stopping_argument_errors(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        EarlyStopping(**kwargs)


def test_evaluate_and_predict_argument_errors():
    X, y = blobs(n=12)
    model = mlp([2, 3])
    with pytest.raises(ValueError, match=r"X: expected finite values"):
        predict(model, nan_at(X, (0, 0)))
    with pytest.raises(ValueError, match=r"batch_size: expected a positive integer, got 0"):
        predict(model, X, batch_size=0)
    with pytest.raises(ValueError, match=r"y: expected integers in \[0, 3\)"):
        evaluate(model, X, y + 1, "cross_entropy")


def test_a_float32_model_names_the_dtype_it_was_given_and_values_too_large_for_float32():
    X, y = blobs(n=12)
    model = mlp([2, 3], dtype=np.float32)
    with pytest.raises(ValueError, match=r"X: expected finite values, got 1 NaN .*float64"):
        predict(model, nan_at(X, (0, 0)))
    X[2, 1] = 1e300  # finite in float64, inf once cast to the model's float32
    with pytest.raises(ValueError, match=r"X: expected finite values, got 0 NaN and 1 inf"
                                         r".*float32"):
        fit(model, X, y, loss="cross_entropy", epochs=1, progress=False,
            optimizer=SGD(model.parameters(), lr=0.1))


def test_weights_that_run_away_on_the_validation_set_raise_training_diverged():
    # one huge SGD step: the training batch's loss is still finite when measured, but the
    # updated weights overflow on the validation set at the end of epoch 1
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = nn.Sequential(nn.Linear(3, 1, rng=rng))
    with pytest.raises(TrainingDiverged, match=r"epoch 1, on the validation set.*lr=1e\+200"):
        fit(model, X, y[:, None], loss="mse", epochs=3, batch_size=8,
                  optimizer=SGD(model.parameters(), lr=1e200),
                  validation_data=(X, y[:, None]), progress=False)
