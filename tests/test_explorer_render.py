"""Frames of the explorers: palette PNGs, same content as a plain savefig, fixed layouts fit."""
import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from nnlib.explore import explorer as explorer

from nnlib.viz import landscapes as viz_landscapes

from nnlib.viz import losses as viz_losses

from nnlib.viz import speech as viz_speech

from nnlib.viz import training as viz_training

from nnlib.viz import neurons as widgets
from nnlib.explore.explorer import FRAME_RC, render_png


def _savefig_rgb(fig):
    """The figure as plain ``savefig`` draws it (the reference), as an RGB array."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, facecolor="white")
    return np.asarray(Image.open(buf).convert("RGB")).astype(int)


def _rgb(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _neuron():
    return widgets.neuron_figure(1, -1, 0.5, "sigmoid")


def test_full_colour_frame_has_exactly_the_pixels_of_savefig():
    assert np.array_equal(_rgb(render_png(_neuron(), colors=None)), _savefig_rgb(_neuron()))


def test_palette_frame_keeps_every_large_area_colour_and_is_much_smaller():
    reference = _savefig_rgb(_neuron())
    png = render_png(_neuron())
    assert Image.open(io.BytesIO(png)).mode == "P"
    pixels = _rgb(png)
    codes = reference @ np.array([1 << 16, 1 << 8, 1])
    values, where, counts = np.unique(codes, return_inverse=True, return_counts=True)
    error = np.zeros(len(values), dtype=int)
    np.maximum.at(error, where.ravel(), np.abs(pixels - reference).max(axis=-1).ravel())
    assert error[counts >= 100].max() <= 2          # backgrounds, fills, bands, lines
    assert (pixels[reference.sum(-1) == 765] == 255).all()   # white stays pure white
    assert len(png) < 0.6 * len(render_png(_neuron(), colors=None))


def test_faint_tints_survive_the_palette():
    """The backprop explorer's neurons are filled with #f4f8fc, barely off white."""
    fig = viz_training.backprop_explorer(13, "x = (0, 1), y = 1")
    pixels = _rgb(render_png(fig)).reshape(-1, 3)
    assert (np.all(pixels == [244, 248, 252], axis=1)).sum() > 1000


@pytest.mark.parametrize("colors", [1, 257, 2.5, "256"])
def test_render_png_rejects_a_bad_palette_size(colors):
    with pytest.raises(ValueError, match="colors"):
        render_png(_neuron(), colors=colors)


def test_a_shared_renderer_leaves_nothing_behind_between_figures():
    first = render_png(_neuron())
    render_png(widgets.neuron_figure(-2, 2, 1.5, "relu"))   # same size, other content
    assert render_png(_neuron()) == first


def test_frame_settings_do_not_change_what_the_frames_show():
    e = widgets.neuron_explorer()
    with plt.style.context("default"):
        plain = render_png(e.figure_fn(**e.defaults()))
    assert FRAME_RC and e.render() == plain


@pytest.mark.parametrize("figure", [
    lambda: viz_landscapes.descent_figure(1.0, "(5, -2.5)", "adam", 15),
    lambda: viz_landscapes.descent_figure(0.003, "(-5, 2)", "sgd", 100),
    lambda: viz_losses.loss_figure(0.01, 1),
    lambda: viz_losses.loss_figure(0.99, 0),
    lambda: viz_speech.speech_explorer("Reindeer", 3, 0.3),
    lambda: viz_training.backprop_explorer(17, "x = (1, 1), y = 0"),
], ids=["descent-15", "descent-100", "loss-low", "loss-high", "speech", "backprop"])
def test_fixed_layouts_keep_every_label_inside_the_figure(figure):
    with plt.style.context("default"), matplotlib.rc_context(FRAME_RC):
        fig = figure()
    fig.set_dpi(explorer.DEFAULT_DPI)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    assert fig.get_layout_engine() is None
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= 0 and box.y0 >= 0, ax.get_title()
        assert box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height, ax.get_title()


def _render_some(indices):
    e = widgets.neuron_explorer()
    grid = e.grid()
    return [e.render(grid[i]) for i in indices]


def test_forked_workers_render_the_same_frames_as_their_parent():
    """The book forks two workers after rendering a first frame; the parent's shared
    renderer holds open font files that the workers must not read at the same time."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    e = widgets.neuron_explorer()
    grid = e.grid()
    expected = [e.render(grid[i]) for i in range(24)]   # the parent's renderer is warm
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        halves = list(pool.map(_render_some, [range(0, 24, 2), range(1, 24, 2)]))
    assert halves[0] == expected[0::2] and halves[1] == expected[1::2]
