"""nnlib.viz.practice (chapter 16): figures and the pruning explorer."""
import numpy as np

from figure_helpers import render
from nnlib import flops
from nnlib.explore import practice as pr
from nnlib.viz import practice as vp


def test_transfer_figure():
    tables = {"digits 5-9": {m: np.full((2, 3), 0.5) for m in pr.TRANSFER_MODES},
              "digits 0-4": {m: np.full((2, 3), 0.7) for m in pr.TRANSFER_MODES}}
    fig = render(vp.transfer_figure(tables, (1, 10)))
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel()


def test_compression_and_flops_and_words_figures():
    rows = [pr.CompressionRow("original (float32)", 0.98, 198.5),
            pr.CompressionRow("pruned 90 %", 0.5, 31.0),
            pr.CompressionRow("pruned 90 %, fine-tuned", 0.95, 31.0),
            pr.CompressionRow("int8 quantised", 0.98, 50.8),
            pr.CompressionRow("distilled student 64-16-10", 0.97, 4.7)]
    fig = render(vp.compression_figure(rows))
    assert fig.axes[0].get_xscale() == "log"
    costs = flops.count_macs(pr.mlp(pr.TEACHER_SIZES), (32, 64))
    render(vp.flops_figure(costs))
    render(vp.word_scores_figure(["good", "bad", "the"], np.array([2.0, -2.0, 0.1]), n=1))


def test_pruning_explorer_extremes_render_with_a_fixed_size():
    sizes = set()
    for fraction in (vp.FRACTIONS[0], vp.FRACTIONS[-1]):
        for finetune in (False, True):
            fig = render(vp.pruning_figure(fraction, finetune))
            sizes.add(tuple(fig.get_size_inches()))
    assert len(sizes) == 1


def test_pruning_controls_grid_is_small():
    controls = vp.pruning_controls()
    frames = np.prod([len(c.values()) for c in controls])
    assert frames == 14
