"""Tests of nnlib.viz.generalisation: chapter 10's figures and its two explorers."""
import io
import itertools

import numpy as np
import pytest
from figure_helpers import render, texts

from nnlib.explore import generalisation as gen
from nnlib.explore.explorer import explore
from nnlib.viz import generalisation as vg

pytestmark = pytest.mark.filterwarnings("error")


def _labelled(fig):
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_title() for ax in panels), "untitled panel"
    assert any(ax.get_xlabel() for ax in panels) or fig._supxlabel is not None
    assert any(ax.get_ylabel() for ax in panels) or fig._supylabel is not None
    return fig


def _small_runs():
    return {"tiny": gen.train_moons(0, n_train=25, width=8),
            "stopped": gen.train_moons(0, n_train=100, width=32, early_stopping=True)}


def test_format_mse():
    assert vg.format_mse(0.0612) == "0.061"
    assert vg.format_mse(3.2e6) == "$3.2 \\times 10^{6}$"


def test_polynomial_fits_titles_carry_the_errors():
    fig = _labelled(render(vg.polynomial_fits((1, 14))))
    data = gen.curve_split(gen.CURVE_SEED)
    x, y = data.train(15)
    p = gen.fit_polynomial(x, y, 1)
    assert fig.axes[0].get_title() == (
        f"Degree 1: training {vg.format_mse(gen.mse(p(x), y))}, "
        f"test {vg.format_mse(gen.mse(p(data.x_test), data.y_test))}")
    assert any("leaves the plot" in t for t in texts(fig))   # degree 14 goes wild
    with pytest.raises(ValueError, match="degrees"):
        vg.polynomial_fits(())


def test_polynomial_error_curve_plots_the_errors_within_the_axis():
    fig = _labelled(render(vg.polynomial_error_curve(15, degree=3)))
    train_line, test_line = fig.axes[0].lines[:2]
    errors = gen.polynomial_errors(range(15), 15)
    np.testing.assert_allclose(train_line.get_ydata()[:5], errors["train"][:5])
    low, high = fig.axes[0].get_ylim()
    assert np.all(test_line.get_ydata() < high) and np.all(train_line.get_ydata() > low)
    with pytest.raises(ValueError, match="held_out"):
        vg.polynomial_error_curve(held_out="train")


def test_moons_figures_render():
    runs = _small_runs()
    data = gen.moons_split()
    for fig in (vg.overfitting_curves(runs["tiny"]), vg.validation_curves(runs),
                vg.probability_regions(runs),
                vg.right_class_histograms(runs, data.X_test, data.y_test)):
        _labelled(render(fig))
    fig = vg.right_class_histograms({"tiny": runs["tiny"]}, data.X_test, data.y_test)
    counts = [patch.get_height() for patch in fig.axes[0].patches]
    assert sum(counts) == len(data.X_test)
    with pytest.raises(ValueError, match="runs"):
        vg.probability_regions({})


def test_validation_curves_mark_the_kept_epoch():
    runs = _small_runs()
    fig = vg.validation_curves(runs)
    marker = fig.axes[0].lines[-1]
    assert marker.get_xdata()[0] == runs["stopped"].best_epoch


def test_digit_figures():
    d = gen._digits()
    fig = render(vg.shifted_digit_row(d.X_test[0].reshape(8, 8)))   # pictures: no axes
    assert [ax.get_title() for ax in fig.axes] == ["original", "right", "left", "down", "up"]
    shown = fig.axes[1].images[0].get_array()
    np.testing.assert_array_equal(shown, gen.shift_images(d.X_test[:1].reshape(1, 8, 8), 0, 1)[0])
    with pytest.raises(ValueError, match="image"):
        vg.shifted_digit_row(np.zeros(64))
    plain, augmented = gen.augmentation_run(False), gen.augmentation_run(True)
    fig = _labelled(render(vg.augmentation_bars(plain, augmented)))
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_allclose(heights, 100 * np.array(
        [plain.test_accuracy, plain.shifted_accuracy, augmented.test_accuracy,
         augmented.shifted_accuracy]))


def test_polynomial_explorer_every_corner_renders_and_grid_is_small():
    controls = vg.polynomial_controls()
    assert len(explore(vg.polynomial_figure, *controls)) <= 60
    degree, n_points = (c.values() for c in controls)
    for args in itertools.product((degree[0], degree[-1]), (n_points[0], n_points[-1])):
        fig = vg.polynomial_figure(*args)
        fig.savefig(io.BytesIO(), format="png", dpi=40)
        assert f"Degree {args[0]}:" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="degree"):
        vg.polynomial_figure(15, 15)
    with pytest.raises(ValueError, match="n_points"):
        vg.polynomial_figure(3, 16)


def test_capacity_explorer_corners_render_and_share_the_table_runs():
    controls = vg.capacity_controls()
    assert len(explore(vg.capacity_figure, *controls)) <= 20
    for width, n_train in ((2, 25), (8, 100)):
        fig = vg.capacity_figure(width, n_train)
        fig.savefig(io.BytesIO(), format="png", dpi=40)
        run = gen.train_moons(0, n_train=n_train, width=width)
        heights = [p.get_height() for p in fig.axes[1].patches]
        np.testing.assert_allclose(heights, [100 * run.scores["train_accuracy"],
                                             100 * run.scores["val_accuracy"]])
    with pytest.raises(ValueError, match="width"):
        vg.capacity_figure(3, 100)
    with pytest.raises(ValueError, match="n_train"):
        vg.capacity_figure(8, 50)


def test_explorers_are_importable_by_the_book():
    for explorer in (vg.polynomial_explorer(), vg.capacity_explorer()):
        assert explorer.spec()["function"].startswith("nnlib.viz.generalisation:")
