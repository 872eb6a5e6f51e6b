"""Tests of nnlib.viz.convolution: chapter 12's figures and its kernel explorer."""
import itertools

import numpy as np
import pytest
from figure_helpers import render, texts

from nnlib.explore import convolution as cv
from nnlib.viz import convolution as vc

pytestmark = pytest.mark.filterwarnings("error")

DIGIT = cv.digit_image(cv.DIGIT_EXAMPLES[2])


def test_sliding_figure_shows_the_sums_of_the_feature_map():
    positions = ((0, 1), (2, 1), (4, 3))
    fig = render(vc.sliding_figure(DIGIT, "vertical edge", positions))
    fmap = cv.feature_map(DIGIT, "vertical edge")
    shown = " ".join(t.get_text() for t in fig.texts)
    for r, c in positions:
        assert f"= {fmap[r, c]:g}" in shown
    assert "vertical edge" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="positions"):
        vc.sliding_figure(DIGIT, positions=())
    with pytest.raises(ValueError, match="row"):
        vc.sliding_figure(DIGIT, positions=((6, 0),))


def test_pooling_figure_shows_max_and_average():
    fmap = cv.relu_map(cv.feature_map(DIGIT, "vertical edge", padding=1))
    fig = render(vc.pooling_figure(fmap))
    drawn = texts(fig)
    pooled = cv.max_pool_map(fmap)
    for v in pooled.ravel():
        assert f"{v:.0f}" in drawn
    average = fmap.reshape(4, 2, 4, 2).mean(axis=(1, 3))
    assert f"{average[0, 1]:.1f}" in drawn
    with pytest.raises(ValueError, match="fmap"):
        vc.pooling_figure(np.ones((1, 5)))


def test_kernel_gallery_draws_every_kernel():
    fig = render(vc.kernel_gallery(DIGIT, kernels=("blur", "outline")))
    titles = texts(fig)
    assert "blur" in titles and "outline" in titles


def test_shift_maps_figure_counts_the_changed_pooled_values():
    fig = render(vc.shift_maps_figure(DIGIT, "vertical edge", (0, 1)))
    moved = np.zeros_like(DIGIT)
    moved[:, 1:] = DIGIT[:, :-1]
    pooled = [cv.max_pool_map(cv.relu_map(cv.feature_map(x, "vertical edge", padding=1)))
              for x in (DIGIT, moved)]
    changed = int(np.sum(pooled[0] != pooled[1]))
    assert f"{changed} of 16 changed" in texts(fig)
    assert 0 < changed < 16


def test_shift_accuracy_figure_plots_medians():
    summary = {("cnn", False): np.array([[0.98, 0.6, 0.2], [0.99, 0.7, 0.3],
                                         [0.97, 0.65, 0.25]]),
               ("mlp", True): np.array([[0.95, 0.93, 0.3], [0.96, 0.94, 0.35],
                                        [0.94, 0.92, 0.32]])}
    fig = render(vc.shift_accuracy_figure(summary, image=DIGIT))
    ax = fig.axes[-1]
    medians = [line.get_ydata() for line in ax.lines if len(line.get_ydata()) == 3]
    np.testing.assert_allclose(medians[0], [98, 65, 25])
    assert "median of 3 seeds" in ax.get_title()
    render(vc.shift_accuracy_figure(summary))


def test_learned_figures_render_for_any_cnn():
    model = cv.digits_cnn(3)
    fig = render(vc.learned_filters_figure(model))
    assert sum(1 for ax in fig.axes if ax.images) == 16
    fig = render(vc.learned_maps_figure(model, DIGIT / 16))
    assert sum(1 for ax in fig.axes if ax.images) == 1 + 16 + 32
    with pytest.raises(ValueError, match="model"):
        vc.learned_filters_figure(cv.build([cv.conv(4)], (3, 8, 8)))


def test_photo_figures_and_table():
    rows = cv.layer_table(cv.cat_cnn(), cv.CAT_INPUT)
    fig = render(vc.photo_trace_figure(rows))
    drawn = texts(fig)
    assert "1,792" in drawn and "25,088" in drawn and "64 x\n224x224" in drawn
    assert "10.3 M parameters" in fig.axes[0].get_title()
    table = vc.layer_data_table(rows)
    assert table.rows[-1][3] == f"{cv.table_totals(rows)[0]:,}"
    assert table.rows[1][:4] == ["conv 3x3, 64 filters", "64 x 224 x 224", "3,211,264",
                                 "1,792"]
    assert "<table" in table._repr_html_()
    fig = render(vc.parameter_bars([("CNN", 10_334_339, "cnn"), ("dense", 154_404_867,
                                                                  "dense")]))
    assert "154,404,867  (154 M)" in texts(fig)


def test_explorer_grid_is_small_and_every_extreme_renders():
    controls = vc.kernel_controls()
    assert [c.name for c in controls] == ["kernel", "digit", "stride", "padding"]
    assert np.prod([len(c.values()) for c in controls]) <= 150
    for kernel in ("vertical edge", "outline"):
        for digit, stride, padding in itertools.product((0, 7), (1, 2), (0, 1)):
            fig = vc.kernel_figure(kernel, digit, stride, padding)
            size = (8 + 2 * padding - 3) // stride + 1
            assert f"+ 1 = {size}" in fig._suptitle.get_text()
            render(fig)


def test_explorer_takes_a_kernel_of_your_own():
    fig = render(vc.kernel_figure([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], 0, 1, 0))
    assert "your kernel" in fig._suptitle.get_text()
    fmap_panel = fig.axes[2].images[0].get_array()
    expected = cv.feature_map(cv.digit_image(0), [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    np.testing.assert_allclose(fmap_panel, expected)
    with pytest.raises(ValueError, match="digit"):
        vc.kernel_figure("blur", digit=5)
    with pytest.raises(ValueError, match="kernel"):
        vc.kernel_figure("nonsense")
