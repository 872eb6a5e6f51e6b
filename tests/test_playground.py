"""Tests of chapter 8's playground: the runs (nnlib.explore.playground), the figure and its
controls (nnlib.viz.playground)."""
import io
import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure

import nnlib
from nnlib.explore import playground as pg
from nnlib.explore.explorer import from_spec
from nnlib.viz import playground as vp

pytestmark = pytest.mark.filterwarnings("error")


def _model_at(run, epoch):
    """An nnlib model holding the weights of ``run`` after ``epoch`` epochs."""
    model = pg._model(run.hidden, run.activation, np.random.default_rng(0))
    for param, value in zip(model.parameters(), run.snapshots[epoch]):
        param.data[...] = value
    return model


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts + [ax.title])


# --------------------------------------------------------------------------- data
@pytest.mark.parametrize("dataset", pg.DATASETS)
def test_each_data_set_is_seeded_read_only_and_two_classes(dataset):
    X_train, y_train, X_val, y_val = pg.playground_data(dataset)
    assert X_train.shape == X_val.shape == (200, 2)
    assert y_train.shape == y_val.shape == (200,)
    for y in (y_train, y_val):
        assert set(np.unique(y)) == {0, 1}
        assert 0.35 < y.mean() < 0.65
    assert np.all(np.abs(X_train) < pg.EXTENT[1])       # every point lies on the plane shown
    with pytest.raises(ValueError):
        X_train[0, 0] = 0.0
    fresh = pg._data.__wrapped__(dataset)               # bypass the cache: same points
    np.testing.assert_array_equal(fresh[0], X_train)
    np.testing.assert_array_equal(fresh[3], y_val)


def test_the_shapes_are_circles_xor_and_two_spiral_arms():
    X, y, _, _ = pg.playground_data("circles")
    radius = np.linalg.norm(X, axis=1)
    assert radius[y == 1].max() < radius[y == 0].min() + 0.3   # a disc inside a ring
    assert abs(np.median(radius[y == 0]) - 1.0) < 0.1
    X, y, _, _ = pg.playground_data("xor")
    same_sign = (X[:, 0] * X[:, 1] > 0).astype(int)
    assert 0.9 < np.mean(same_sign == y) < 1.0               # the rule, plus a little jitter
    X, y, _, _ = pg.playground_data("spiral")
    # half a turn (x -> -x) carries one arm onto the other: after it, the nearest point of
    # the other class is close, and much closer than without the turn
    def median_gap(points, others):
        return np.median(np.min(np.linalg.norm(points[:, None] - others[None], axis=2), axis=1))
    assert median_gap(-X[y == 0], X[y == 1]) < 0.1 < median_gap(X[y == 0], X[y == 1])


# --------------------------------------------------------------------------- runs
def test_runs_are_cached_and_deterministic():
    run = pg.playground_run("xor", 4, "tanh", 0.3)
    assert pg.playground_run("xor", 4, "tanh", 0.3) is run
    fresh = pg._train.__wrapped__("xor", 4, "tanh", 0.3)
    assert fresh is not run
    for a, b in zip(fresh.snapshots[-1], run.snapshots[-1]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fresh.loss, run.loss)


def test_one_snapshot_per_epoch_read_only_and_the_same_start_for_every_learning_rate():
    slow = pg.playground_run("circles", 4, "tanh", 0.03)
    good = pg.playground_run("circles", 4, "tanh", 0.3)
    for run in (slow, good):
        assert run.epochs_done == pg.MAX_EPOCHS and run.diverged_at is None
        assert len(run.snapshots) == len(run.loss) == len(run.val_accuracy) == pg.MAX_EPOCHS + 1
        W1, b1, W2, b2 = run.snapshots[0]
        assert W1.shape == (2, 4) and b1.shape == (4,) and W2.shape == (4, 1) and b2.shape == (1,)
        with pytest.raises(ValueError):
            run.snapshots[5][0][0, 0] = 1.0
        with pytest.raises(ValueError):
            run.loss[0] = 0.0
    for a, b in zip(slow.snapshots[0], good.snapshots[0]):
        np.testing.assert_array_equal(a, b)                 # same random start
    assert not np.array_equal(slow.snapshots[1][0], good.snapshots[1][0])


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
def test_the_forward_pass_of_a_snapshot_is_the_nnlib_model(activation):
    run = pg.playground_run("spiral", 4, activation, 0.3)
    points = np.random.default_rng(1).uniform(-1.6, 1.6, size=(50, 2))
    for epoch in (0, 60, run.epochs_done):
        expected = nnlib.predict(_model_at(run, epoch), points)[:, 0]
        np.testing.assert_allclose(run.scores(epoch, points), expected, rtol=1e-12, atol=1e-12)
        probs = run.probabilities(epoch, points)
        np.testing.assert_allclose(probs, 1 / (1 + np.exp(-expected)), rtol=1e-9, atol=1e-15)


def test_the_recorded_losses_are_nnlibs_loss_of_each_snapshot():
    run = pg.playground_run("xor", 2, "relu", 0.3)
    X_train, y_train, X_val, y_val = pg.playground_data("xor")
    for epoch in (0, 1, 57, pg.MAX_EPOCHS):
        model = _model_at(run, epoch)
        for X, y, loss, acc in ((X_train, y_train, run.loss, run.accuracy),
                                (X_val, y_val, run.val_loss, run.val_accuracy)):
            measured = nnlib.evaluate(model, X, y, loss="bce_with_logits")
            assert loss[epoch] == pytest.approx(measured["loss"], rel=1e-12)
            assert acc[epoch] == pytest.approx(measured["accuracy"], abs=1e-12)


def test_the_last_snapshot_is_the_weights_fit_left_in_the_model():
    X_train, y_train, _, _ = pg.playground_data("circles")
    rng = np.random.default_rng([pg.SEED, 2])
    model = pg._model(2, "tanh", rng)
    nnlib.fit(model, X_train, y_train, loss="bce_with_logits",
              optimizer=nnlib.optim.SGD(model.parameters(), lr=0.3), epochs=pg.MAX_EPOCHS,
              batch_size=pg.BATCH_SIZE, rng=rng, progress=False)
    run = pg.playground_run("circles", 2, "tanh", 0.3)
    for param, snap in zip(model.parameters(), run.snapshots[-1]):
        np.testing.assert_array_equal(param.data, snap)


def test_capacity_two_hidden_neurons_cannot_close_a_circle_four_can():
    two = pg.playground_run("circles", 2, "tanh", 0.3)
    four = pg.playground_run("circles", 4, "tanh", 0.3)
    assert two.accuracy[-1] < 0.9
    assert four.accuracy[-1] > 0.97 and four.val_accuracy[-1] > 0.95
    assert four.loss[-1] < four.loss[40] < four.loss[0]


def test_without_an_activation_the_boundary_is_a_straight_line():
    run = pg.playground_run("circles", 8, "identity", 0.3)
    rng = np.random.default_rng(2)
    p, q = rng.uniform(-1, 1, (20, 2)), rng.uniform(-1, 1, (20, 2))
    scores = lambda points: run.scores(pg.MAX_EPOCHS, points)   # noqa: E731
    np.testing.assert_allclose(scores((p + q) / 2), (scores(p) + scores(q)) / 2, atol=1e-12)
    assert run.accuracy[-1] < 0.75


def test_a_run_that_blows_up_is_returned_with_the_epochs_before():
    run = pg.playground_run("spiral", 4, "relu", 30.0)
    assert run.diverged_at == 1
    assert run.epochs_done == run.diverged_at - 1 == 0
    assert len(run.loss) == 1
    with pytest.raises(ValueError, match="^epoch: expected a whole number from 0 to 0"):
        run.scores(1, np.zeros((1, 2)))


def test_a_far_too_large_learning_rate_ends_worse_than_it_started():
    for dataset, hidden in (("circles", 8), ("xor", 2)):
        run = pg.playground_run(dataset, hidden, "tanh", 30.0)
        assert run.loss[-1] > run.loss[0]


@pytest.mark.parametrize("kwargs, name", [
    (dict(dataset="moons"), "dataset"), (dict(dataset=None), "dataset"),
    (dict(hidden=0), "hidden"), (dict(hidden=pg.MAX_HIDDEN + 1), "hidden"),
    (dict(hidden=2.5), "hidden"), (dict(hidden=True), "hidden"),
    (dict(activation="elu"), "activation"), (dict(activation=nnlib.nn.ReLU), "activation"),
    (dict(lr=0), "lr"), (dict(lr=-0.1), "lr"), (dict(lr=float("inf")), "lr"),
    (dict(lr=float("nan")), "lr"), (dict(lr="0.3"), "lr"), (dict(lr=True), "lr"),
])
def test_bad_arguments_are_value_errors_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        pg.playground_run(**kwargs)
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        vp.playground_figure(**kwargs)


# --------------------------------------------------------------------------- the figure
def test_every_extreme_of_every_control_renders():
    controls = vp.controls()
    extremes = [(c.values()[0], c.values()[-1]) for c in controls]
    names = [c.name for c in controls]
    sizes = set()
    for values in itertools.product(*extremes):
        fig = vp.playground_figure(**dict(zip(names, values)))
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png", dpi=30)
        sizes.add(tuple(fig.get_size_inches()))
    assert len(sizes) == 1                                   # every frame the same size


def test_one_heat_map_per_hidden_neuron_and_the_loss_up_to_the_epoch():
    for hidden in vp.HIDDEN_OPTIONS:
        fig = vp.playground_figure("xor", hidden, "tanh", 0.3, 80)
        maps, loss, output = fig.axes
        assert len(maps.images) == hidden
        run = pg.playground_run("xor", hidden, "tanh", 0.3)
        train_line = loss.lines[0]
        np.testing.assert_array_equal(train_line.get_xdata(), np.arange(81))
        np.testing.assert_allclose(train_line.get_ydata(), np.minimum(run.loss[:81], 1.2))
        assert f"{100 * run.accuracy[80]:.0f} % of training points right" in output.get_title()
        assert len(output.collections) >= 2                  # the two classes of points


def test_the_maps_show_the_snapshot_of_the_chosen_epoch():
    run = pg.playground_run("circles", 4, "tanh", 0.3)
    fig = vp.playground_figure("circles", 4, "tanh", 0.3, 40)
    first = fig.axes[0].images[0].get_array()
    expected = run.hidden_outputs(40, vp._plane(vp._HIDDEN_RES))[:, 0]
    np.testing.assert_allclose(np.asarray(first).ravel(), expected)
    assert f"w = {vp._signed(run.snapshots[40][2][0, 0])}" in _texts(fig)


def test_messages_for_before_training_blow_up_and_overshooting():
    assert "before training" in _texts(vp.playground_figure(epochs=0))
    calm = _texts(vp.playground_figure("circles", 4, "tanh", 0.3, 120))
    assert "Diverged" not in calm and "Worse than before" not in calm
    assert "Worse than before training" in _texts(vp.playground_figure("xor", 2, "tanh", 30.0, 80))
    blown = _texts(vp.playground_figure("spiral", 4, "relu", 30.0, 120))
    assert "Diverged in epoch 1" in blown and "before training" in blown


def test_dead_relu_neurons_are_labelled():
    run = pg.playground_run("circles", 8, "relu", 30.0)
    outputs = run.hidden_outputs(120, vp._plane(vp._HIDDEN_RES))
    dead = int(np.sum(~np.any(outputs > 0, axis=0)))
    assert dead >= 1
    assert _texts(vp.playground_figure("circles", 8, "relu", 30.0, 120)).count("dead") == dead


def test_signed_weights_never_read_minus_zero():
    assert vp._signed(-0.001) == "0.00" and vp._signed(1.234) == "+1.23"
    assert vp._signed(-0.456) == "-0.46"


@pytest.mark.parametrize("epochs", [-1, pg.MAX_EPOCHS + 1, 2.5, True, "40"])
def test_bad_epochs_are_value_errors(epochs):
    with pytest.raises(ValueError, match="^epochs: expected"):
        vp.playground_figure(epochs=epochs)


# --------------------------------------------------------------------------- the explorer
def test_controls_make_a_grid_of_216_frames_from_54_runs():
    controls = vp.controls()
    assert [c.name for c in controls] == ["dataset", "hidden", "activation", "lr", "epochs"]
    assert tuple(controls[0].values()) == pg.DATASETS
    assert controls[-1].values() == [0, 40, 80, 120]
    explorer = vp.explorer()
    assert len(explorer) == 216 <= 250
    settings = {tuple(p[n] for n in ("dataset", "hidden", "activation", "lr"))
                for p in explorer.grid()}
    assert len(settings) == 54
    # the epochs slider varies fastest, so each run's frames are rendered one after another
    assert [p["epochs"] for p in explorer.grid()[:4]] == [0, 40, 80, 120]


def test_the_spec_imports_the_figure_function_by_name_and_renders():
    explorer = vp.explorer()
    spec = explorer.spec()
    assert spec["function"] == "nnlib.viz.playground:playground_figure"
    rebuilt = from_spec(spec)
    assert rebuilt.figure_fn is vp.playground_figure and len(rebuilt) == len(explorer)
    png = rebuilt.render({"dataset": "spiral", "hidden": 8, "activation": "relu", "lr": 0.3,
                          "epochs": 40})
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
