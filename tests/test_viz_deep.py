"""Tests of nnlib.viz.deep: chapter 11's figures and its explorer."""
import math

import numpy as np
import pytest

from figure_helpers import render, texts
from nnlib.explore import deep
from nnlib.explore.explorer import from_spec
from nnlib.viz import deep as vd

pytestmark = pytest.mark.filterwarnings("error")


def test_sci_writes_numbers_as_the_page_shows_them():
    assert vd.sci(1.31e15) == "1.3 × 10¹⁵"
    assert vd.sci(1.49e-12) == "1.5 × 10⁻¹²"
    assert vd.sci(9.97e-5) == "1.0 × 10⁻⁴"         # the mantissa carries into the exponent
    assert vd.sci(2.567) == "2.6" and vd.sci(0.5567) == "0.56" and vd.sci(21.2) == "21"
    assert vd.sci(0.0123) == "0.012" and vd.sci(999.0) == "999"
    assert vd.sci(4496.0) == "4.5 × 10³"
    assert vd.sci(math.nan) == "not a number" and vd.sci(math.inf) == "infinite"
    assert vd.sci(0.0) == "0"


def test_controls_stay_within_the_frame_budget():
    controls = vd.controls()
    assert [c.name for c in controls] == ["depth", "activation", "init", "norm", "skip"]
    assert np.prod([len(c.values()) for c in controls]) <= 150
    explorer = vd.explorer()
    assert len(explorer) == np.prod([len(c.values()) for c in controls])
    assert from_spec(explorer.spec()).grid() == explorer.grid()


@pytest.mark.parametrize("change", [
    {}, {"depth": 5}, {"depth": 10, "activation": "relu"}, {"init": "he", "activation": "relu"},
    {"norm": "batch norm", "depth": 5}, {"skip": "scaled", "depth": 5},
    {"skip": "plain", "activation": "relu", "init": "he", "depth": 10},
])
def test_the_explorer_renders_each_kind_of_setting(change):
    settings = {c.name: c.value for c in vd.controls()} | change
    fig = render(vd.deep_figure(**settings))
    assert fig.get_size_inches().tolist() == [11.0, 4.0]
    assert f"{settings['depth']} layers" in fig._suptitle.get_text()


def test_a_run_that_blows_up_says_so():
    fig = render(vd.deep_figure(depth=10, activation="relu", init="normal"))
    drawn = " ".join(texts(fig))
    assert "blew up at step" in drawn and "starts at" in drawn and "10" in drawn


def test_the_default_frame_shows_the_vanishing_ratio():
    run = deep.deep_run(depth=20, activation="sigmoid", init="xavier")
    fig = vd.deep_figure()
    assert f"first / last layer: {vd.sci(run.profile.ratio)}" in texts(fig)
    assert f"test accuracy {100 * run.test_accuracy:.1f} %" in " ".join(texts(fig))


def test_explorer_rejects_values_off_its_menus():
    with pytest.raises(ValueError, match="depth"):
        vd.deep_figure(depth=7)
    with pytest.raises(ValueError, match="norm"):
        vd.deep_figure(norm="layer norm")


def test_folding_figure_titles_count_the_pieces():
    fig = render(vd.folding_figure(3))
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[:3] == ["after layer 1: 2 pieces", "after layer 2: 4 pieces",
                          "after layer 3: 8 pieces"]


def test_features_and_budget_figures_render():
    small = [deep.budget_run("digits", (64, 8, 10), seed=s) for s in (0, 1)]
    fig = render(vd.budget_figure({"Digits": {"8 neurons": small}}))
    median = np.median([100 * r.test_accuracy for r in small])
    assert f"{median:.0f} %" in texts(fig)
    rings = deep.budget_run("rings", (2, 6, 6, 2), seed=0)
    fig = render(vd.features_figure(rings, per_layer=3, resolution=20))
    assert len(fig.axes) == 2 * 3 + 1


def test_profile_and_loss_figures_draw_one_line_per_row():
    rows = tuple((label, settings) for label, settings in deep.TABLE_ROWS
                 if label in ("ReLU, He", "ReLU, N(0, 1)"))
    table = deep.gradient_table(seeds=(0,), depth=10, rows=rows)
    fig = render(vd.profiles_figure(table))
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)
    fig = render(vd.loss_curves_figure(table))
    assert "blew up in the first epoch: ReLU, N(0, 1)" in " ".join(texts(fig))
