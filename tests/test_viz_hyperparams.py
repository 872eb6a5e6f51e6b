"""Tests of nnlib.viz.hyperparams: chapter 8's hyperparameter explorer."""
import io
import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.viz import hyperparams as vh
from nnlib.explore.explorer import from_spec

pytestmark = pytest.mark.filterwarnings("error")


def _extremes(control):
    values = control.values()
    return [values[0], values[-1]]


def _figure_text(fig):
    return " ".join(t.get_text() for ax in fig.axes
                    for t in ax.texts + [ax.title, ax.xaxis.label])


def test_controls_stay_within_the_frame_budget():
    controls = vh.controls()
    assert [c.name for c in controls] == ["lr", "hidden", "epochs"]
    assert tuple(controls[0].values()) == vh.LEARNING_RATES
    assert tuple(controls[1].values()) == vh.WIDTHS
    assert controls[2].values()[-1] == vh.MAX_EPOCHS
    assert np.prod([len(c.values()) for c in controls]) <= 60


def test_every_extreme_renders():
    lr, hidden, epochs = vh.controls()
    for args in itertools.product(_extremes(lr), _extremes(hidden), _extremes(epochs)):
        fig = vh.training_figure(*args)
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png", dpi=40)


def test_the_largest_learning_rate_diverges_and_is_drawn_not_raised():
    lr = max(vh.LEARNING_RATES)
    for hidden in vh.WIDTHS:
        run = vh.training_run(lr, hidden)
        assert run.diverged_at is not None
        assert len(run.loss) == run.diverged_at - 1 < vh.MAX_EPOCHS
        fig = vh.training_figure(lr, hidden, vh.MAX_EPOCHS)
        assert f"diverged at epoch {run.diverged_at}" in _figure_text(fig)
        fig.savefig(io.BytesIO(), format="png", dpi=40)


def test_the_epochs_slider_only_reveals_a_prefix_of_one_run():
    run = vh.training_run(1.0, 8)
    assert run.diverged_at is None and len(run.loss) == vh.MAX_EPOCHS
    assert vh.training_run(1.0, 8) is run          # cached: the same object, not a re-run
    fig = vh.training_figure(1.0, 8, 16)
    train_line = fig.axes[0].lines[0]
    np.testing.assert_array_equal(train_line.get_xdata(), np.arange(1, 17))
    np.testing.assert_allclose(train_line.get_ydata(), np.minimum(run.loss[:16], 1.05))
    with pytest.raises(ValueError):
        run.loss[0] = 0.0


def test_a_good_learning_rate_learns_and_beats_the_baseline():
    _, _, _, y_val = vh.churn_split()
    run = vh.training_run(1.0, 8)
    assert run.loss[-1] < run.loss[0]
    assert run.val_accuracy[-1] > 1 - y_val.mean()


def test_runs_are_deterministic():
    fresh = vh._train.__wrapped__(0.1, 2)          # bypass the cache
    np.testing.assert_array_equal(fresh.val_loss, vh.training_run(0.1, 2).val_loss)


def test_the_data_is_standardised_on_the_training_rows():
    X_train, X_val, y_train, y_val = vh.churn_split()
    assert X_train.shape[1] == X_val.shape[1] == 12
    assert len(X_train) + len(X_val) == vh.N_CUSTOMERS
    np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-9)
    assert set(np.unique(y_train)) == set(np.unique(y_val)) == {0, 1}


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=0.0), "lr"), (dict(lr=True), "lr"), (dict(hidden=0), "hidden"),
    (dict(epochs=0), "epochs"), (dict(epochs=vh.MAX_EPOCHS + 1), "epochs"),
    (dict(epochs=2.5), "epochs"),
])
def test_bad_arguments_are_value_errors_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        vh.training_figure(**kwargs)


def test_the_spec_imports_the_figure_function_by_name():
    explorer = vh.explorer()
    spec = explorer.spec()
    assert spec["function"] == "nnlib.viz.hyperparams:training_figure"
    rebuilt = from_spec(spec)
    assert rebuilt.figure_fn is vh.training_figure
    assert len(rebuilt) == len(explorer) <= 60
    png = rebuilt.render({"lr": 100.0, "hidden": 32, "epochs": 8})
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
