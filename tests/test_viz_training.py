"""Tests for nnlib.viz.training: the figures of chapters 7 and 8."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.scalar import Value
from nnlib.explore.stepper import BackpropStepper
from nnlib.viz import training as vt

from figure_helpers import render, texts as all_texts


def texts(fig):
    """Every text drawn (titles included), except the stepper figure's colour legend."""
    return all_texts(fig, skip_prefix="blue: values")


def neuron_loss():
    x1, x2 = Value(1.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(0.5, label="w1"), Value(0.3, label="w2"), Value(0.1, label="b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    L = (z.sigmoid() - 1.0) ** 2
    L.label = "L"
    return L, w1


def test_value_graph_shows_every_value_and_gradient():
    L, w1 = neuron_loss()
    L.backward()
    fig = render(vt.value_graph(L))
    assert isinstance(fig, Figure)
    shown = "\n".join(texts(fig))
    assert f"grad {w1.grad:.4f}" in shown
    assert f"= {L.data:.4f}" in shown
    assert "σ" in shown and "^2" in shown  # the operations are drawn
    without = "\n".join(texts(vt.value_graph(L, show_grad=False)))
    assert "grad" not in without


def test_value_graph_of_a_neuron_fits_the_book_unshrunk():
    L, _ = neuron_loss()
    L.backward()
    fig = render(vt.value_graph(L))
    assert fig.get_figwidth() * 80 <= 672       # 80 dpi: 672 px is the page width
    assert min(t.get_fontsize() for t in fig.axes[0].texts if "grad" in t.get_text()) >= 9


def test_value_graph_handles_a_value_used_twice():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    fig = render(vt.value_graph(y))
    assert "grad 6.0000" in "\n".join(texts(fig))


def test_value_graph_rejects_non_values():
    with pytest.raises(ValueError, match="root: expected an nnlib.Value, got float"):
        vt.value_graph(1.0)


@pytest.mark.parametrize("example", list(vt.EXAMPLE_INPUTS))
@pytest.mark.parametrize("step", [0, 1, 7, 8, 11, 17])
def test_backprop_explorer_renders_at_every_extreme(step, example):
    fig = render(vt.backprop_explorer(step=step, example=example))
    assert fig.axes[0].get_title() == f"Step {step} of 17" + (
        " (before the forward pass)" if step == 0
        else " (forward pass)" if step <= 7 else " (backward pass)")


def test_stepper_figure_reveals_values_then_gradients():
    stepper = vt.example_stepper()
    start = "\n".join(texts(vt.stepper_figure(stepper, 0)))
    assert "∂" not in start and f"{stepper.h[0]:.3f}" not in start
    forward = "\n".join(texts(vt.stepper_figure(stepper, 7)))
    assert f"h {stepper.h[0]:.3f}" in forward and f"L {stepper.L:.3f}" in forward
    assert "∂" not in forward
    end = "\n".join(texts(vt.stepper_figure(stepper, 17)))
    assert f"∂ {stepper.dW1[0, 0]:.4f}" in end
    assert stepper.steps[-1].formula in end


def test_stepper_figure_works_for_other_sizes():
    rng = np.random.default_rng(0)
    s = BackpropStepper(rng.normal(size=(3, 2)), np.zeros(2), rng.normal(size=(2, 1)),
                        np.zeros(1), x=[1.0, 2.0, 3.0], y=0.0)
    render(vt.stepper_figure(s, len(s.steps)))


def test_stepper_figure_validates():
    with pytest.raises(ValueError, match="stepper: expected a BackpropStepper"):
        vt.stepper_figure("not a stepper", 0)
    with pytest.raises(ValueError, match="k: expected an integer"):
        vt.stepper_figure(vt.example_stepper(), 18)
    with pytest.raises(ValueError, match="example: expected one of"):
        vt.example_stepper("x = (2, 2)")


def test_confusion_matrix_plot_labels_every_cell():
    m = np.array([[50, 3], [7, 40]])
    fig = render(vt.confusion_matrix_plot(m, class_names=["stays", "leaves"]))
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["50", "3", "7", "40"])
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["stays", "leaves"]


@pytest.mark.parametrize("matrix, names, match", [
    (np.ones((2, 3), dtype=int), None, "matrix: expected a square"),
    (np.array([[1, -1], [0, 2]]), None, "matrix: expected non-negative integer counts"),
    (np.ones((2, 2)), None, "matrix: expected non-negative integer counts"),
    (np.ones((2, 2), dtype=int), ["a"], "class_names: expected 2 names, got 1"),
])
def test_confusion_matrix_plot_validates(matrix, names, match):
    with pytest.raises(ValueError, match=match):
        vt.confusion_matrix_plot(matrix, class_names=names)


def test_misclassified_grid_shows_only_mistakes():
    rng = np.random.default_rng(1)
    images = rng.random((30, 64))
    y_true = np.arange(30) % 10
    y_pred = y_true.copy()
    y_pred[[3, 8, 20]] = [5, 1, 9]
    fig = render(vt.misclassified_grid(images, y_true, y_pred))
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == ["3 → 5", "8 → 1", "0 → 9"]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), images[3].reshape(8, 8))


def test_misclassified_grid_caps_and_handles_no_mistakes():
    images = np.zeros((40, 8, 8))
    y_true, y_pred = np.zeros(40, int), np.ones(40, int)
    fig = render(vt.misclassified_grid(images, y_true, y_pred, max_images=10, ncols=5))
    assert sum(1 for ax in fig.axes if ax.images) == 10
    fig = render(vt.misclassified_grid(images, y_true, y_true))
    assert "No mistakes" in "\n".join(texts(fig))


def test_misclassified_grid_validates():
    with pytest.raises(ValueError, match="images: expected 64 pixels per row"):
        vt.misclassified_grid(np.zeros((3, 10)), [0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="expected the same number of samples"):
        vt.misclassified_grid(np.zeros((3, 64)), [0, 1], [0, 1, 2])


def test_backprop_explorer_is_publishable():
    explorer_mod = pytest.importorskip("nnlib.explore.explorer")
    stepper = vt.example_stepper()
    explorer = explorer_mod.explore(
        vt.backprop_explorer,
        explorer_mod.Slider("step", 0, len(stepper.steps), 1, 0),
        explorer_mod.Dropdown("example", list(vt.EXAMPLE_INPUTS), "x = (1, 0), y = 1"))
    assert len(explorer) == 18 * len(vt.EXAMPLE_INPUTS) <= explorer_mod.MAX_FRAMES
    assert explorer.spec()["function"] == "nnlib.viz.training:backprop_explorer"
    png = explorer.render({"step": 17, "example": "x = (1, 1), y = 0"})
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# ---- backward_shapes_figure: the matrix products of a dense layer as boxes -----------
LAYER_X = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 1.0]])     # (N, D) = (2, 3)
LAYER_W = np.array([[0.5, -1.0], [1.0, 0.0], [0.0, 2.0]])  # (D, H) = (3, 2)
LAYER_DZ = np.array([[1.0, -1.0], [2.0, 0.0]])             # (N, H) = (2, 2)


def boxes(ax):
    """The unit boxes of the matrices drawn on ``ax`` (every box of width and height 1)."""
    return [p for p in ax.patches if p.get_width() == 1 and p.get_height() == 1]


def test_backward_shapes_figure_draws_every_entry_of_the_three_products():
    fig = render(vt.backward_shapes_figure(LAYER_X, LAYER_W, LAYER_DZ))
    forward, weights, passed_down = fig.axes
    # one box per entry: X, W, Z / X^T, dZ, dW / dZ, W^T, dX
    assert len(boxes(forward)) == 6 + 6 + 4
    assert len(boxes(weights)) == 6 + 4 + 6
    assert len(boxes(passed_down)) == 4 + 6 + 6
    dW = LAYER_X.T @ LAYER_DZ                 # [[7, -1], [2, -2], [2, 0]]
    dX = LAYER_DZ @ LAYER_W.T                 # [[1.5, 1, -2], [1, 2, 0]]
    weight_texts = [t.get_text() for t in weights.texts]
    assert weight_texts[-6 - 2:-2] == ["7", "-1", "2", "-2", "2", "0"]  # dW, then its labels
    down_texts = [t.get_text() for t in passed_down.texts]
    assert down_texts[-6 - 2:-2] == ["1.5", "1", "-2", "1", "2", "0"]
    assert np.allclose(dW, [[7, -1], [2, -2], [2, 0]]) and np.allclose(dX[0], [1.5, 1, -2])


def test_backward_shapes_figure_writes_every_shape_in_letters_and_numbers():
    shown = "\n".join(texts(vt.backward_shapes_figure(LAYER_X, LAYER_W, LAYER_DZ)))
    for label in ("(N, D) = (2, 3)", "(D, H) = (3, 2)", "(N, H) = (2, 2)",
                  "(D, N) = (3, 2)", "(H, D) = (2, 3)"):
        assert label in shown
    assert "X^\\top" in shown and "partial L/\\partial W" in shown


def test_backward_shapes_figure_outlines_the_row_and_column_behind_one_gradient():
    fig = vt.backward_shapes_figure(LAYER_X, LAYER_W, LAYER_DZ, highlight=(2, 0))
    outlined = [p for p in fig.axes[1].patches if not p.get_fill()
                and p.get_width() < 1]        # orange outlines sit inside a box
    # row 3 of X^T (2 entries), column 1 of dZ (2 entries) and the entry dW[3, 1]
    assert len(outlined) == 2 + 2 + 1
    assert all(len([p for p in ax.patches if not p.get_fill() and p.get_width() < 1]) == 0
               for ax in (fig.axes[0], fig.axes[2]))
    none = vt.backward_shapes_figure(LAYER_X, LAYER_W, LAYER_DZ, highlight=None)
    assert not [p for p in none.axes[1].patches if not p.get_fill() and p.get_width() < 1]


@pytest.mark.parametrize("args, message", [
    ((LAYER_X, LAYER_W.T, LAYER_DZ), r"W: expected 3 rows, one per column of X"),
    ((LAYER_X, LAYER_W, LAYER_DZ.T[:, :1]), r"dZ: expected the shape of Z = X @ W, \(2, 2\)"),
    ((np.ones((5, 3)), LAYER_W, np.ones((5, 2))), r"X: expected a 2-D array with 1 to 4 rows"),
    ((LAYER_X[0], LAYER_W, LAYER_DZ), r"X: expected a 2-D array .* got shape \(3,\)"),
    ((LAYER_X, LAYER_W * np.nan, LAYER_DZ), r"W: expected finite numbers"),
])
def test_backward_shapes_figure_rejects_shapes_that_do_not_fit(args, message):
    with pytest.raises(ValueError, match=message):
        vt.backward_shapes_figure(*args)


def test_backward_shapes_figure_rejects_a_highlight_outside_the_weights():
    with pytest.raises(ValueError, match=r"highlight: expected \(i, j\) with 0 <= i < 3"):
        vt.backward_shapes_figure(LAYER_X, LAYER_W, LAYER_DZ, highlight=(3, 0))
