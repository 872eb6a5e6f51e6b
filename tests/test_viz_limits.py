"""nnlib.viz.limits (chapter 17): figures and the adversarial explorer."""
import numpy as np
import pytest

from figure_helpers import render
from nnlib.explore import limits as lm
from nnlib.viz import limits as vl


def test_saliency_figure_two_rows():
    data = lm.digit_data(0)
    fig = render(vl.saliency_figure(lm.make_model("cnn", rng=0), "cnn", data, [0, 1, 2]))
    assert len(fig.axes) == 6


def test_curve_figures():
    eps = (0.0, 0.1, 0.2)
    fig = render(vl.eps_curve_figure(eps, {"a": np.full((3, 2), 0.5), "b": np.ones((3, 2))}))
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_title()
    fig = render(vl.learning_curve_figure((1, 10), np.array([[0.5, 0.6], [0.9, 0.92]])))
    assert fig.axes[0].get_xscale() == "log"


def test_ood_figure():
    data = lm.digit_data(0)
    summary = lm.ood_summary(lm.make_model("mlp", rng=0), "mlp", n_noise=20, rng=0)
    fig = render(vl.ood_figure(summary, data))
    assert len(fig.axes) == 4


def test_example_index():
    data = lm.digit_data(0)
    for d in range(10):
        assert data.y_test[vl.example_index(d)] == d
    with pytest.raises(ValueError, match="digit"):
        vl.example_index(10)


def test_adversarial_explorer_grid_and_extremes_render_with_a_fixed_size():
    controls = vl.adversarial_controls()
    n_frames = np.prod([len(c.options) for c in controls])
    assert n_frames == 60
    sizes = set()
    for eps in (vl.EXPLORER_EPS[0], vl.EXPLORER_EPS[-1]):
        for digit in (0, 9):
            fig = render(vl.adversarial_figure(eps=eps, digit=digit))
            sizes.add(tuple(fig.get_size_inches()))
    assert len(sizes) == 1
