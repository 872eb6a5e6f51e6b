"""Tests of nnlib.viz.activations (chapter 4 figures and its two explorers)."""
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib import functional as F
from nnlib.viz import activations as va
from nnlib.explore.explorer import Explorer


def _no_warnings(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = fn(*args, **kwargs)
        fig.canvas.draw()
    return fig


@pytest.mark.parametrize("name", va.EXPLORER_ACTIVATIONS)
@pytest.mark.parametrize("z", [-6, 0, 6])
@pytest.mark.parametrize("derivative", [True, False])
def test_activation_figure_extremes(name, z, derivative):
    fig = _no_warnings(va.activation_figure, name, z, derivative)
    f, df = F.ACTIVATIONS[name]
    ax = fig.axes[0]
    tangent = [line for line in ax.lines if line.get_label().startswith("tangent")][0]
    xs, ys = tangent.get_data()
    slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    assert slope == pytest.approx(float(df(np.array([float(z)]))[0]))
    assert f"{float(f(np.array([float(z)]))[0]):.3f}" in ax.get_title()


def test_activation_figure_rejects_bad_arguments():
    with pytest.raises(ValueError, match="name"):
        va.activation_figure("softplus", 0)
    with pytest.raises(ValueError, match="z"):
        va.activation_figure("relu", float("nan"))


@pytest.mark.parametrize("cat", [-2, 4])
@pytest.mark.parametrize("dog", [-2, 4])
@pytest.mark.parametrize("temperature", [0.5, 5.0])
def test_softmax_figure_extremes_show_softmax(cat, dog, temperature):
    fig = _no_warnings(va.softmax_figure, cat, dog, temperature)
    bars = [p.get_height() for p in fig.axes[1].patches]
    expected = F.softmax(np.array([cat, dog, 0.0]) / temperature)
    np.testing.assert_allclose(bars, expected)
    assert sum(bars) == pytest.approx(1.0)


def test_softmax_figure_rejects_bad_temperature():
    with pytest.raises(ValueError, match="temperature"):
        va.softmax_figure(1, 1, 0.0)
    with pytest.raises(ValueError, match="cat"):
        va.softmax_figure(float("inf"), 1, 1.0)


@pytest.mark.parametrize("controls, fn, frames", [
    (va.activation_controls, va.activation_figure, 130),
    (va.softmax_controls, va.softmax_figure, 196),
])
def test_explorer_grids_fit_the_book(controls, fn, frames):
    explorer = Explorer(fn, controls())
    assert len(explorer) == frames <= 400
    assert isinstance(fn(**explorer.defaults()), Figure)


def test_softmax_bars_temperature_sharpens():
    logits = np.array([2.0, 1.0, 0.0])
    cold = [p.get_height() for p in va.softmax_bars(logits, temperature=0.5).axes[0].patches]
    hot = [p.get_height() for p in va.softmax_bars(logits, temperature=5.0).axes[0].patches]
    assert cold[0] > hot[0] and cold[2] < hot[2]
    with pytest.raises(ValueError, match="logits"):
        va.softmax_bars([1.0])
    with pytest.raises(ValueError, match="labels"):
        va.softmax_bars(logits, labels=["a", "b"])


def test_temperature_panels_one_panel_each():
    fig = _no_warnings(va.temperature_panels, [3.0, 1.0], ["a", "b"], (0.5, 1.0, 2.0))
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="temperature"):
        va.temperature_panels([3.0, 1.0], ["a", "b"], (1.0, -1.0))


def test_temperature_panels_two_a_row_with_every_name_shown():
    fig = _no_warnings(va.temperature_panels, [3.0, 1.0], ["a", "b"], (0.5, 1.0, 2.0, 5.0))
    assert len({round(ax.get_position().x0, 3) for ax in fig.axes}) == 2
    fig = _no_warnings(va.temperature_panels, [3.0, 1.0], ["a", "b"], (0.5, 1.0, 2.0))
    shown = [ax for ax in fig.axes if ax.xaxis.get_tick_params()["labelbottom"]]
    assert len(shown) == 2          # the bottom panel and the one above the empty slot


def test_activation_grid_and_saturation_plot():
    fig = _no_warnings(va.activation_grid)
    assert sum(1 for ax in fig.axes if ax.lines) == len(va.EXPLORER_ACTIVATIONS)
    fig = _no_warnings(va.saturation_plot, threshold=5.0)
    assert any("0.0066" in t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="names"):
        va.activation_grid([])
    with pytest.raises(ValueError, match="threshold"):
        va.saturation_plot(threshold=0)


def test_stacked_lines_plot_checks_shapes():
    x = np.linspace(-1, 1, 5)
    fig = va.stacked_lines_plot(x, np.zeros((2, 5)), np.ones((2, 5)), depth=3)
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="outputs"):
        va.stacked_lines_plot(x, np.zeros((2, 4)), np.ones((2, 5)), depth=3)


# ------------------------------------------------------------- the softmax Jacobian
CAT_DOG_BIRD = np.array([3.86, 0.41, 0.0])


def test_softmax_jacobian_matches_finite_differences():
    jac = va.softmax_jacobian(CAT_DOG_BIRD)
    eps = 1e-6
    for j in range(3):
        up, down = CAT_DOG_BIRD.copy(), CAT_DOG_BIRD.copy()
        up[j] += eps
        down[j] -= eps
        column = (F.softmax(up) - F.softmax(down)) / (2 * eps)
        np.testing.assert_allclose(jac[:, j], column, atol=1e-9)
    p = F.softmax(CAT_DOG_BIRD)
    assert jac[0, 0] == pytest.approx(p[0] * (1 - p[0]))
    assert jac[0, 1] == pytest.approx(-p[0] * p[1])
    np.testing.assert_allclose(jac.sum(axis=1), 0, atol=1e-15)
    np.testing.assert_allclose(jac, jac.T)


def test_softmax_jacobian_figure_shows_the_table_and_the_nudge():
    fig = _no_warnings(va.softmax_jacobian_figure, CAT_DOG_BIRD, ["cat", "dog", "bird"])
    table = [t.get_text() for t in fig.axes[0].texts]
    jac = va.softmax_jacobian(CAT_DOG_BIRD)
    assert table == [f"{v:+.4f}" for v in jac.ravel()]
    bars = [p.get_height() for p in fig.axes[1].patches]
    shifted = CAT_DOG_BIRD + np.array([0.1, 0, 0])
    np.testing.assert_allclose(bars, F.softmax(shifted) - F.softmax(CAT_DOG_BIRD))
    np.testing.assert_allclose(bars, 0.1 * jac[:, 0], atol=5e-4)   # a good first guess
    assert "cat" in fig.axes[1].get_title()


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": ["a", "b"]}, "labels"), ({"wrt": 3}, "wrt"), ({"wrt": True}, "wrt"),
    ({"nudge": 0}, "nudge"), ({"nudge": 5}, "nudge"),
])
def test_softmax_jacobian_figure_rejects_bad_arguments(kwargs, message):
    args = {"logits": CAT_DOG_BIRD, "labels": ["cat", "dog", "bird"]} | kwargs
    with pytest.raises(ValueError, match=message):
        va.softmax_jacobian_figure(**args)
