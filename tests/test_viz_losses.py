"""Tests for nnlib.viz.losses: the figures and the explorer of chapter 5."""
import itertools

import numpy as np
import pytest

from nnlib import losses
from nnlib.viz import losses as V

from figure_helpers import render, texts


@pytest.mark.parametrize("p, t", [(0.92, 1.0), (0.35, 1.0), (0.2, 0.0), (0.7, 0.0)])
def test_curves_agree_with_nnlib_losses(p, t):
    probs, target = np.array([p]), np.array([t])
    assert V.squared_error(p, t) == pytest.approx(losses.mse(probs, target).item())
    assert V.binary_cross_entropy_curve(p, t) == pytest.approx(
        losses.binary_cross_entropy(probs, target).item())


def test_cross_entropy_curve_rejects_certain_predictions():
    with pytest.raises(ValueError, match="prediction: expected probabilities strictly"):
        V.binary_cross_entropy_curve([0.5, 1.0], 1)


def test_distance_line_writes_each_error():
    fig = render(V.distance_line({"good": 0.92, "poor": 0.35}))
    written = texts(fig)
    assert "error = |1 - 0.92| = 0.08" in written
    assert "error = |1 - 0.35| = 0.65" in written
    with pytest.raises(ValueError, match=r"predictions\['bad'\]: expected a number in \[0, 1\]"):
        V.distance_line({"bad": 1.5})


def test_house_price_fit_draws_one_error_segment_per_house():
    size = np.array([50.0, 100.0, 150.0])
    price = np.array([120.0, 210.0, 260.0])
    predicted = 1.5 * size + 50
    fig = render(V.house_price_fit(size, price, predicted))
    segments = fig.axes[0].collections[0].get_segments()
    assert len(segments) == 3
    np.testing.assert_allclose([s[:, 1] for s in segments], np.c_[price, predicted])
    with pytest.raises(ValueError, match="expected the same length"):
        V.house_price_fit(size, price[:2], predicted)


def test_neg_log_curve_labels_the_marked_points():
    fig = render(V.neg_log_curve((0.9, 0.01)))
    written = texts(fig)
    assert f"p = 0.01: loss {-np.log(0.01):.2f}" in written
    assert f"p = 0.9: loss {-np.log(0.9):.2f}" in written


@pytest.mark.parametrize("prediction, target", list(itertools.product((0.01, 0.35, 0.99), (0, 1))))
def test_loss_figure_renders_at_every_extreme(prediction, target):
    fig = render(V.loss_figure(prediction, target))
    ce = -np.log(prediction if target == 1 else 1 - prediction)
    assert f"cross-entropy = {ce:.3f}" in texts(fig)
    assert f"squared error = {(prediction - target) ** 2:.3f}" in texts(fig)


def test_loss_figure_tick_labels_of_the_two_panels_do_not_touch():
    fig = render(V.loss_figure(0.35, 1))
    left, right = fig.axes
    last = left.get_xticklabels()[-1].get_window_extent()
    first = right.get_xticklabels()[0].get_window_extent()
    assert first.x0 - last.x1 > 25       # pixels: not read as one number "1.0 0.0"


def test_loss_figure_confident_wrong_answer_costs_most_in_cross_entropy():
    fig = render(V.loss_figure(0.01, 1))
    mse_panel, ce_panel = fig.axes
    assert mse_panel.get_ylim()[1] < 1.5          # squared error never exceeds 1
    assert ce_panel.get_ylim()[1] > -np.log(0.01)   # cross-entropy at 0.01 is 4.6 and fits


def test_loss_figure_rejects_bad_inputs():
    with pytest.raises(ValueError, match="prediction: expected a probability strictly"):
        V.loss_figure(0.0, 1)
    with pytest.raises(ValueError, match="target: expected 0 or 1"):
        V.loss_figure(0.5, 0.5)


def test_loss_explorer_grid():
    explorer = V.loss_explorer()
    assert len(explorer) == 100
    grid = explorer.grid()
    assert {g["prediction"] for g in grid} >= {0.01, 0.99}
    assert explorer.defaults() == {"prediction": 0.35, "target": 1}
