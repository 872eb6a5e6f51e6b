"""Tests for nnlib.viz.landscapes: the loss-surface figures and the explorer of chapter 6."""
import itertools

import numpy as np
import pytest

from nnlib.data import landscapes as L
from nnlib.viz import landscapes as V

from figure_helpers import render, texts


def test_curve_with_steps_marks_every_step_and_reports_the_loss():
    traj = L.run_optimizer("parabola", [-2.0], "sgd", 0.3, 5)
    fig = render(V.curve_with_steps("parabola", traj))
    ax = fig.axes[0]
    offsets = np.vstack([c.get_offsets() for c in ax.collections])
    for w, loss in zip(traj.points[:, 0], traj.losses):
        assert np.any(np.all(np.isclose(offsets, [w, loss]), axis=1))
    assert any(t.startswith("loss after 5 steps") for t in texts(fig))


def test_diverging_run_is_labelled_and_the_view_stays_on_the_curve():
    traj = L.run_optimizer("parabola", [-2.0], "sgd", 1.1, 50)
    fig = render(V.curve_with_steps("parabola", traj))
    assert f"diverged at step {traj.diverged_at}" in texts(fig)
    assert fig.axes[0].get_xlim() == pytest.approx(L.SURFACES["parabola"].bounds[0])


def test_slope_plot_shows_tangent_and_secant_slopes():
    fig = render(V.slope_plot("bumpy", 0.8, h=0.5))
    labels = [line.get_label() for line in fig.axes[0].lines]
    exact = L.SURFACES["bumpy"].grad([0.8])[0]
    assert any(f"slope {exact:.3f}" in label for label in labels)
    with pytest.raises(ValueError, match="h: expected a positive step"):
        V.slope_plot("bumpy", 0.8, h=0.0)


def test_learning_rate_panels_one_panel_per_run():
    runs = [L.run_optimizer("parabola", [-2.0], "sgd", lr, 20) for lr in (0.01, 0.3, 1.1)]
    fig = render(V.learning_rate_panels(runs))
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == [
        "learning rate 0.01", "learning rate 0.3", "learning rate 1.1"]
    with pytest.raises(ValueError, match="titles: expected 3 titles"):
        V.learning_rate_panels(runs, titles=["a"])


def test_learning_rate_panels_two_a_row_and_the_note_above_the_curve():
    runs = [L.run_optimizer("parabola", [-2.0], "sgd", lr, 50) for lr in (0.01, 0.3, 0.9, 1.1)]
    fig = render(V.learning_rate_panels(runs))
    rows = sorted({round(ax.get_position().y0, 3) for ax in fig.axes})
    assert len(rows) == 2 and fig.get_figwidth() * 80 <= 672
    for ax in fig.axes:
        note, = ax.texts
        assert note.get_position()[1] > 1           # above the axes, below the title


def test_curve_with_steps_bunched_steps_share_one_label():
    traj = L.run_optimizer("parabola", [-2.0], "sgd", 0.3, 5)   # steps 3, 4, 5 bunch up
    fig = render(V.curve_with_steps("parabola", traj))
    labels = [a.get_text() for a in fig.axes[0].texts if hasattr(a, "xyann")]
    assert labels == ["0", "1", "2", "3–5"]


def test_contour_paths_draws_each_optimiser_from_the_same_start():
    runs = [L.run_optimizer("valley", [-5.0, 2.0], name, 0.03, 30) for name in L.OPTIMIZERS]
    fig = render(V.contour_paths("valley", runs))
    paths = [line for line in fig.axes[0].lines if line.get_label() in V.OPTIMIZER_LABELS.values()]
    assert len(paths) == 3
    for line, run in zip(paths, runs):
        np.testing.assert_allclose(line.get_xydata(), run.points)


def test_contour_paths_rejects_a_1d_surface():
    with pytest.raises(ValueError, match="surface: expected a 2-D surface"):
        V.contour_paths("parabola")


def test_surface_views_and_loss_vs_updates_render():
    render(V.surface_views("valley"))
    fig = render(V.loss_vs_updates({"full batch": [4, 2, 1], "mini-batch": [4, 1, 0.5]}))
    assert [line.get_label() for line in fig.axes[0].lines] == ["full batch", "mini-batch"]
    with pytest.raises(ValueError, match="curves: expected a non-empty dict"):
        V.loss_vs_updates([1, 2])


def test_parse_point():
    np.testing.assert_array_equal(V.parse_point("(-5, 2)"), [-5.0, 2.0])
    with pytest.raises(ValueError, match="start: expected text like"):
        V.parse_point("(a, b)")


def test_descent_controls_fit_the_static_book():
    from nnlib.explore.explorer import MAX_FRAMES, explore
    explorer = explore(V.descent_figure, *V.descent_controls())
    assert len(explorer) == 6 * 4 * 3 * 4 <= MAX_FRAMES
    assert V.descent_explorer().defaults() == {"learning_rate": 0.1, "start": "(-5, 2)",
                                               "optimizer": "sgd", "steps": 40}


@pytest.mark.parametrize("lr, optimizer", list(itertools.product(
    (min(V.DESCENT_LEARNING_RATES), max(V.DESCENT_LEARNING_RATES)), L.OPTIMIZERS)))
def test_descent_figure_renders_at_every_extreme(lr, optimizer):
    for start, steps in itertools.product(V.DESCENT_STARTS,
                                          (min(V.DESCENT_STEPS), max(V.DESCENT_STEPS))):
        render(V.descent_figure(lr, start, optimizer, steps))


def test_descent_figure_reports_divergence():
    traj = L.run_optimizer("valley", V.parse_point("(-5, 2)"), "sgd", 1.0, 100)
    assert traj.diverged
    fig = render(V.descent_figure(1.0, "(-5, 2)", "sgd", 100))
    assert any(f"diverged at step {traj.diverged_at}" in t for t in texts(fig))
    calm = render(V.descent_figure(0.01, "(-5, 2)", "sgd", 5))
    assert not any("diverged at" in t for t in texts(calm))
