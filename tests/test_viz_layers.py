"""Tests of nnlib.viz.layers (chapter 3 figures and the layer-sizes explorer)."""
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

import nnlib
from nnlib.viz import layers as viz_layers
from nnlib.explore.explorer import Explorer


def formula(sizes):
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


@pytest.mark.parametrize("hidden1", [1, 8])
@pytest.mark.parametrize("hidden2", [0, 1, 8])
def test_layer_sizes_figure_renders_extremes_without_warnings(hidden1, hidden2):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = viz_layers.layer_sizes_figure(hidden1, hidden2)
        fig.canvas.draw()
    sizes = [3, hidden1] + ([hidden2] if hidden2 else []) + [2]
    assert f"{formula(sizes)} parameters" in fig._suptitle.get_text()


@pytest.mark.parametrize("hidden1, hidden2", [(1, 0), (4, 3), (8, 8), (2, 7)])
def test_explorer_network_parameter_count_matches_formula(hidden1, hidden2):
    model = viz_layers.explorer_network(hidden1, hidden2)
    sizes = [3, hidden1] + ([hidden2] if hidden2 else []) + [2]
    assert sum(p.data.size for p in model.parameters()) == formula(sizes)
    out = model(viz_layers.EXPLORER_INPUT[None]).data
    assert out.shape == (1, 2) and np.all((out > 0) & (out < 1))


def test_explorer_network_widening_keeps_existing_neurons():
    small = viz_layers.explorer_network(3, 0)
    large = viz_layers.explorer_network(5, 0)
    x = viz_layers.EXPLORER_INPUT[None]
    h_small = small[1](small[0](x)).data
    h_large = large[1](large[0](x)).data
    np.testing.assert_allclose(h_large[:, :3], h_small)


def test_explorer_network_is_differentiable():
    model = viz_layers.explorer_network(3, 2)
    x = np.random.default_rng(0).normal(size=(2, 3))
    assert nnlib.gradcheck(lambda t: model(t), x) < 1e-6


@pytest.mark.parametrize("bad", [0, 9, 2.5, True])
def test_explorer_network_rejects_bad_width(bad):
    with pytest.raises(ValueError, match="hidden1"):
        viz_layers.explorer_network(bad, 0)


def test_controls_grid_is_small_and_has_defaults():
    controls = viz_layers.layer_sizes_controls()
    explorer = Explorer(viz_layers.layer_sizes_figure, controls)
    assert len(explorer) == 72
    assert isinstance(viz_layers.layer_sizes_figure(**explorer.defaults()), Figure)


def test_image_and_vector_flattens_row_by_row():
    image = np.arange(12, dtype=float).reshape(3, 4) / 11
    fig = viz_layers.image_and_vector(image, show_values=True)
    strip = fig.axes[1].images[0].get_array()
    np.testing.assert_allclose(strip.reshape(-1), image.reshape(-1))
    with pytest.raises(ValueError, match="image"):
        viz_layers.image_and_vector(np.zeros(5))
    with pytest.raises(ValueError, match="vmax"):
        viz_layers.image_and_vector(image, vmax=0)


def test_labelled_network_hides_zero_weights_and_checks_shapes():
    w = np.array([[1.0, 0.0], [0.0, -2.0]])
    fig = viz_layers.labelled_network([2, 2], weights=[w], values=[[0.1, 0.9], [0.5, 0.0]])
    assert len(fig.axes[0].lines) == 2            # the two zero weights are not drawn
    fig = viz_layers.labelled_network([2, 2], weights=[w], hide_zero_weights=False)
    assert len(fig.axes[0].lines) == 4
    with pytest.raises(ValueError, match=r"weights\[0\]"):
        viz_layers.labelled_network([2, 3], weights=[w])
    with pytest.raises(ValueError, match=r"values\[1\]"):
        viz_layers.labelled_network([2, 2], values=[[0, 1], [0, 1, 2]])
    with pytest.raises(ValueError, match="layer_sizes"):
        viz_layers.labelled_network([2, 0])


def test_labelled_network_draws_ellipsis_for_wide_layers():
    fig = viz_layers.labelled_network([128, 4], max_neurons=6)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "⋮" in texts
    assert len(fig.axes[0].patches) == 5 + 4     # 6 rows: 5 neurons and the ellipsis


def test_hidden_space_draws_output_line_and_merges_labels():
    H = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    fig = viz_layers.hidden_space(H, [0, 1, 1, 0], [1.0, -1.0], -0.5,
                                  point_labels=["a", "b", "c", "d"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "b & c" in texts
    with pytest.raises(ValueError, match="H"):
        viz_layers.hidden_space(np.zeros((4, 3)), [0, 1, 1, 0], [1, 1], 0)


def test_weight_images_one_panel_per_column():
    W = np.random.default_rng(0).normal(size=(64, 5))
    fig = viz_layers.weight_images(W, ncols=4)
    assert sum(1 for ax in fig.axes if ax.images) == 5
    with pytest.raises(ValueError, match="W"):
        viz_layers.weight_images(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="names"):
        viz_layers.weight_images(W, names=["a"])


# ------------------------------------------------------------ Z = XW + b as boxes
def test_matmul_figure_labels_every_shape_and_the_lit_entry():
    from matplotlib.patches import Rectangle
    fig = viz_layers.matmul_figure(4, 64, 16, row=0, col=5)
    fig.canvas.draw()
    text = "\n".join(t.get_text() for t in fig.axes[0].texts)
    for shape in ("(N, D) = (4, 64)", "(D, H) = (64, 16)", "(H,) = (16,)",
                  "(N, H) = (4, 16)"):
        assert shape in text
    assert "Z[0, 5] = (row 0 of X) · (column 5 of W) + b[5]" in text
    assert "copied to every row" in text
    cells = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    lit = [p for p in cells if p.get_facecolor()[:3] == (0.9019607843137255,
                                                          0.6235294117647059, 0.0)]
    # X's row (8 cells drawn), W's column (8), b's entry (1), Z's framed entry (1)
    assert len(lit) == 8 + 8 + 1 + 1


def test_matmul_figure_small_shapes_are_drawn_in_full():
    fig = viz_layers.matmul_figure(2, 3, 2, row=1, col=1)
    text = "\n".join(t.get_text() for t in fig.axes[0].texts)
    assert "⋯" not in text and "⋮" not in text
    assert "(D, H) = (3, 2)" in text


@pytest.mark.parametrize("kwargs, message", [
    ({"n_examples": 0}, "n_examples"), ({"n_inputs": 2.5}, "n_inputs"),
    ({"row": 4}, "row"), ({"col": 7}, "col"), ({"col": -1}, "col"), ({"cap": 2}, "cap"),
])
def test_matmul_figure_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz_layers.matmul_figure(**kwargs)
