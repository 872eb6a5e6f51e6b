"""Tests of nnlib.viz.neurons: the neuron explorer's figure function and its controls."""
import io
import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.viz import neurons as widgets
from nnlib.explore.explorer import MAX_FRAMES, Dropdown, Slider

pytestmark = pytest.mark.filterwarnings("error")


def _extremes(control):
    values = control.values()
    return [values[0], values[-1]]


def test_controls_stay_within_the_static_frame_budget():
    controls = widgets.neuron_controls()
    sizes = [len(c.values()) for c in controls]
    assert np.prod(sizes) <= MAX_FRAMES
    names = [c.name for c in controls]
    assert names == ["w1", "w2", "b", "activation"]
    assert isinstance(controls[-1], Dropdown)
    assert set(controls[-1].values()) == set(widgets.NEURON_ACTIVATIONS)


@pytest.mark.parametrize("activation", widgets.NEURON_ACTIVATIONS)
def test_neuron_figure_renders_at_every_slider_extreme(activation):
    sliders = [c for c in widgets.neuron_controls() if isinstance(c, Slider)]
    for w1, w2, b in itertools.product(*(_extremes(s) for s in sliders)):
        fig = widgets.neuron_figure(w1, w2, b, activation)
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png", dpi=40)


@pytest.mark.parametrize("activation", widgets.NEURON_ACTIVATIONS)
def test_neuron_figure_renders_with_zero_weights(activation):
    fig = widgets.neuron_figure(0, 0, 0.5, activation)
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    assert any("no boundary" in t.get_text() for t in fig.axes[0].texts)


def _corner_labels(fig):
    return [float(t.get_text()) for t in fig.axes[0].texts]


@pytest.mark.parametrize("w1, w2, b, gate", [
    (1, 1, -1.5, [0, 0, 0, 1]),      # AND
    (1, 1, -0.5, [0, 1, 1, 1]),      # OR
    (-1, -1, 1.5, [1, 1, 1, 0]),     # NAND
])
def test_grid_holds_the_gates_the_docstring_promises(w1, w2, b, gate):
    controls = {c.name: c for c in widgets.neuron_controls()}
    for name, value in (("w1", w1), ("w2", w2), ("b", b)):
        assert value in controls[name].values()
    fig = widgets.neuron_figure(w1, w2, b, "step")
    # corners in the order (0,0), (0,1), (1,0), (1,1)
    assert _corner_labels(fig) == gate


def test_corner_labels_are_the_neuron_outputs():
    fig = widgets.neuron_figure(2, -1, 0.5, "sigmoid")
    z = widgets.CORNERS @ np.array([2.0, -1.0]) + 0.5
    np.testing.assert_allclose(_corner_labels(fig), np.round(1 / (1 + np.exp(-z)), 2))
    right = fig.axes[1]          # axes: plane, activation curve, colour bar
    assert "weighted sums" in right.get_title()
    marks = [line for line in right.lines if len(line.get_xdata()) == 1]
    np.testing.assert_allclose([m.get_xdata()[0] for m in marks], z)


def test_neuron_figure_rejects_unknown_activation():
    with pytest.raises(ValueError, match="activation: expected one of"):
        widgets.neuron_figure(1, 1, 0, "softmax")


def test_weighted_sum_text_uses_signs():
    assert widgets._weighted_sum_text(2, -1, 0.5) == "2·x1 − 1·x2 + 0.5"
    assert widgets._weighted_sum_text(-2, 1, -1.5) == "-2·x1 + 1·x2 − 1.5"


def test_neuron_explorer_default_frame_is_on_the_grid():
    explorer = widgets.neuron_explorer()
    assert len(explorer) == len(explorer.grid()) <= MAX_FRAMES
    assert explorer.frame_index(explorer.defaults()) < len(explorer)
    assert explorer.spec()["function"] == "nnlib.viz.neurons:neuron_figure"
    png = explorer.render()
    assert png[:4] == b"\x89PNG"


# ---------------------------------------------------------------------------------------
# Chapter 1: the learning explorer
# ---------------------------------------------------------------------------------------
def _numpy_gradient_descent(lr, steps):
    """The same training as learning_run, written out by hand: sigmoid neuron, mean
    binary cross-entropy, gradient X.T (p - y) / N and (p - y).mean() for the bias."""
    X, y, model = widgets.learning_problem()
    w = model[0].weight.data.reshape(-1).copy()
    b = model[0].bias.data.item()
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        w, b = w - lr * X.T @ (p - y) / len(y), b - lr * np.mean(p - y)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return w, b, loss


def test_learning_controls_stay_small():
    controls = widgets.learning_controls()
    assert [c.name for c in controls] == ["steps", "lr"]
    steps, lr = controls
    assert steps.values()[0] == 0 and steps.values()[-1] == widgets.LEARNING_MAX_STEPS
    assert tuple(lr.values()) == widgets.LEARNING_RATES
    assert np.prod([len(c.values()) for c in controls]) <= 60


@pytest.mark.parametrize("lr", widgets.LEARNING_RATES)
def test_learning_run_matches_gradient_descent_by_hand(lr):
    run = widgets.learning_run(lr)
    for steps in (0, 1, widgets.LEARNING_MAX_STEPS):
        w, b, loss = _numpy_gradient_descent(lr, steps)
        np.testing.assert_allclose(run.weights[steps], w, rtol=1e-9)
        np.testing.assert_allclose(run.biases[steps], b, rtol=1e-9)
        np.testing.assert_allclose(run.losses[steps], loss, rtol=1e-9)


def test_learning_run_learns_and_is_cached_read_only():
    run = widgets.learning_run(0.1)
    assert run.accuracies[0] == 0.5 and run.accuracies[-1] > 0.9
    assert np.all(np.diff(run.losses) < 0)
    assert widgets.learning_run(0.1) is run
    with pytest.raises(ValueError):
        run.losses[0] = 0.0
    # a larger learning rate gets further in the same number of steps
    losses = [widgets.learning_run(lr).losses[10] for lr in widgets.LEARNING_RATES]
    assert losses == sorted(losses, reverse=True)


def test_learning_problem_is_the_labs_seeded_data():
    X, y, model = widgets.learning_problem()
    again, _, other = widgets.learning_problem()
    assert X.shape == (100, 2) and y.shape == (100,) and set(y) == {0, 1}
    np.testing.assert_array_equal(X, again)
    np.testing.assert_array_equal(model[0].weight.data, other[0].weight.data)
    assert X[y == 0, 1].mean() > X[y == 1, 1].mean()   # label 0 cloud sits higher


@pytest.mark.parametrize("lr", widgets.LEARNING_RATES)
def test_learning_figure_renders_at_every_extreme(lr):
    steps = widgets.learning_controls()[0]
    for s in _extremes(steps):
        fig = widgets.learning_figure(s, lr)
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png", dpi=40)


def test_learning_figure_shows_the_run_so_far():
    run = widgets.learning_run(1.0)
    fig = widgets.learning_figure(20, 1.0)
    left, right = fig.axes
    assert "After 20 steps" in left.get_title()
    assert f"{run.accuracies[20]:.0%}" in left.get_title()
    curve, marker = right.lines
    np.testing.assert_allclose(curve.get_ydata(), run.losses[:21])
    np.testing.assert_allclose(marker.get_ydata(), [run.losses[20]])
    line = [l for l in left.lines if l.get_label().startswith("$w")][0]
    (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
    w, b = run.weights[20], run.biases[20]
    np.testing.assert_allclose([w @ (x0, y0) + b, w @ (x1, y1) + b], 0, atol=1e-9)
    assert "Before training" in widgets.learning_figure(0, 1.0).axes[0].get_title()


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=51), "steps: expected a whole number from 0 to 50"),
    (dict(steps=2.5), "steps: expected a whole number"),
    (dict(steps=5, lr=0), "lr: expected a positive number"),
    (dict(steps=5, lr="fast"), "lr: expected a positive number"),
])
def test_learning_figure_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.learning_figure(**kwargs)


def test_learning_explorer_spec_imports_by_name():
    from nnlib.explore.explorer import from_spec
    explorer = widgets.learning_explorer()
    spec = explorer.spec()
    assert spec["function"] == "nnlib.viz.neurons:learning_figure"
    rebuilt = from_spec(spec)
    assert rebuilt.figure_fn is widgets.learning_figure
    assert len(rebuilt) == len(explorer) == 33
    assert explorer.defaults() == {"steps": 10, "lr": 0.1}
    assert explorer.render()[:4] == b"\x89PNG"


# ------------------------------------------------------------- the perceptron stepper
def test_perceptron_controls_stay_small():
    controls = widgets.perceptron_controls()
    assert [c.name for c in controls] == ["gate", "update"]
    assert np.prod([len(c.values()) for c in controls]) == 3 * 13
    assert controls[0].values() == ["AND", "OR", "XOR"]


@pytest.mark.parametrize("gate", ["AND", "OR", "XOR"])
def test_perceptron_run_replays_the_rule(gate):
    from nnlib.perceptron import Perceptron
    run = widgets.perceptron_run(gate)
    p = Perceptron(2, lr=widgets.STEPPER_LR)
    errors = p.fit(widgets.CORNERS, run.targets, epochs=widgets.STEPPER_EPOCHS)
    assert len(run.updates) == sum(errors)
    np.testing.assert_allclose(run.weights[-1], p.w)
    assert run.biases[-1] == pytest.approx(p.b)
    for k, step in enumerate(run.updates, start=1):
        w_before, b_before = run.weights[k - 1], run.biases[k - 1]
        assert float(step.x @ w_before + b_before > 0) == step.answer != step.target
        sign = step.target - step.answer
        np.testing.assert_allclose(run.weights[k], w_before + 0.1 * sign * step.x)
        assert run.biases[k] == pytest.approx(b_before + 0.1 * sign)
    assert not run.weights.flags.writeable


def test_perceptron_run_and_or_stop_xor_does_not():
    assert 0 < len(widgets.perceptron_run("OR").updates) <= widgets.STEPPER_MAX_UPDATES
    assert 0 < len(widgets.perceptron_run("AND").updates) <= widgets.STEPPER_MAX_UPDATES
    assert len(widgets.perceptron_run("XOR").updates) > widgets.STEPPER_MAX_UPDATES


@pytest.mark.parametrize("gate", ["AND", "OR", "XOR"])
@pytest.mark.parametrize("update", [0, 1, widgets.STEPPER_MAX_UPDATES])
def test_perceptron_step_figure_renders_every_extreme(gate, update):
    fig = widgets.perceptron_step_figure(gate, update)
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    assert fig.get_size_inches()[0] <= 8.4


def _stepper_note(fig):
    return fig.axes[1].texts[0].get_text()


@pytest.mark.parametrize("gate", ["AND", "OR", "XOR"])
@pytest.mark.parametrize("update", range(0, widgets.STEPPER_MAX_UPDATES + 1, 3))
def test_perceptron_step_text_agrees_with_the_line_drawn(gate, update):
    """The number of corners the text calls wrong is computed from the line it draws."""
    run = widgets.perceptron_run(gate)
    k = min(update, len(run.updates))
    fig = widgets.perceptron_step_figure(gate, update)
    answers = (widgets.CORNERS @ run.weights[k] + run.biases[k] > 0).astype(float)
    wrong = int((answers != run.targets).sum())
    note = _stepper_note(fig)
    expected = (f"gets {wrong} of the 4 corners wrong" if wrong
                else "gets all 4 corners right")
    assert expected in note


def test_perceptron_step_figure_names_the_mistake():
    run = widgets.perceptron_run("AND")
    first = run.updates[0]
    note = _stepper_note(widgets.perceptron_step_figure("AND", 1))
    assert f"x = ({first.x[0]:g}, {first.x[1]:g}) should give {int(first.target)}" in note
    assert "b ← 0 + 0.1 = 0.1" in note
    assert "update 1 (epoch 1)" in fig_title(widgets.perceptron_step_figure("AND", 1))
    last = widgets.perceptron_step_figure("OR", widgets.STEPPER_MAX_UPDATES)
    assert "no more mistakes" in fig_title(last)


def fig_title(fig):
    return fig._suptitle.get_text()


@pytest.mark.parametrize("kwargs, message", [
    ({"gate": "NAND"}, "gate"), ({"gate": "AND", "update": -1}, "update"),
    ({"gate": "AND", "update": 13}, "update"), ({"gate": "AND", "update": 1.5}, "update"),
])
def test_perceptron_step_figure_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.perceptron_step_figure(**kwargs)


@pytest.mark.parametrize("gate, panels", [("OR", 5), ("AND", 11), ("XOR", 12)])
def test_perceptron_steps_grid_has_one_panel_per_update(gate, panels):
    fig = widgets.perceptron_steps_grid(gate)
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == panels
    assert titled[0].get_title().startswith("start")
    run = widgets.perceptron_run(gate)
    for k, ax in enumerate(titled[1:], start=1):
        answers = (widgets.CORNERS @ run.weights[k] + run.biases[k] > 0).astype(float)
        assert ax.get_title().endswith(f"{int((answers != run.targets).sum())} wrong")


def test_perceptron_steps_grid_rejects_bad_panel_count():
    with pytest.raises(ValueError, match="max_panels"):
        widgets.perceptron_steps_grid("AND", max_panels=1)


def test_perceptron_explorer_spec_imports_by_name():
    from nnlib.explore.explorer import from_spec
    explorer = widgets.perceptron_explorer()
    spec = explorer.spec()
    assert spec["function"] == "nnlib.viz.neurons:perceptron_step_figure"
    assert from_spec(spec).figure_fn is widgets.perceptron_step_figure
    assert len(explorer) == 39
    assert explorer.render()[:4] == b"\x89PNG"


def test_perceptron_step_text_says_when_the_line_leaves_the_picture():
    run = widgets.perceptron_run("XOR")
    w, b = run.weights[4], run.biases[4]
    corners = np.array([[x, y] for x in (-0.5, 1.5) for y in (-0.5, 1.5)])
    assert len(set((corners @ w + b > 0).tolist())) == 1     # the line misses the picture
    assert "outside the picture" in _stepper_note(widgets.perceptron_step_figure("XOR", 4))
    assert "outside the picture" not in _stepper_note(widgets.perceptron_step_figure("AND", 3))
