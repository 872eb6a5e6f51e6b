"""Tests of nnlib.widgets: the neuron explorer's figure function and its controls."""
import io
import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib import widgets
from nnlib.explorer import MAX_FRAMES, Dropdown, Slider

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
    assert explorer.spec()["function"] == "nnlib.widgets:neuron_figure"
    png = explorer.render()
    assert png[:4] == b"\x89PNG"
