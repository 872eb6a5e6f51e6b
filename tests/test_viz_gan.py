"""Tests of nnlib.viz.gan: chapter 15's figures and its training explorer."""
import numpy as np
import pytest
from figure_helpers import render, texts

from nnlib.explore import explore
from nnlib.explore import gan
from nnlib.viz import gan as vg

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def short_run():
    return gan.train_gan("balanced", seed=0, steps=30, snapshot_every=10)


def test_smooth_is_a_trailing_mean():
    np.testing.assert_allclose(vg.smooth([1, 2, 3, 4, 5], window=2), [1, 1.5, 2.5, 3.5, 4.5])
    np.testing.assert_allclose(vg.smooth([2.0, 4.0], window=10), [2.0, 3.0])
    with pytest.raises(ValueError, match="window"):
        vg.smooth([1.0], window=0)


def test_setup_figure_has_three_labelled_panels():
    fig = render(vg.setup_figure(gan.generator(rng=0)))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("Latent vectors") and "8 modes" in titles[2]
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    assert {"1", "8"} <= set(texts(fig))                    # the modes are numbered


def test_snapshots_figure_titles_count_the_modes(short_run):
    fig = render(vg.snapshots_figure(short_run, (0, 10, 20, 30), suptitle="run"))
    titles = [ax.get_title() for ax in fig.axes]
    cov = short_run.snapshot(20).coverage.covered
    assert titles[2] == f"step 20: {cov} of 8 modes"
    assert len(fig.axes) == 4                              # the empty fifth/sixth removed
    with pytest.raises(ValueError, match="step"):
        vg.snapshots_figure(short_run, (5,))
    with pytest.raises(ValueError, match="steps"):
        vg.snapshots_figure(short_run, ())
    with pytest.raises(ValueError, match="run"):
        vg.snapshots_figure("not a run", (0,))


def test_losses_and_coverage_figures_render(short_run):
    fig = render(vg.losses_figure([short_run, short_run]))
    assert [ax.get_title() for ax in fig.axes] == ["balanced, seed 0"] * 2
    assert any("2 log 2" in t for t in texts(fig))
    fig = render(vg.coverage_figure({"balanced": [short_run]}))
    assert fig.axes[0].get_ylabel() == "modes covered"
    with pytest.raises(ValueError, match="runs"):
        vg.losses_figure([])


def test_saturation_figure_plots_the_measurement():
    result = gan.head_start(steps=(0, 20), lr=5e-3)
    fig = render(vg.saturation_figure(result))
    right = fig.axes[2]
    ys = [line.get_ydata() for line in right.get_lines()]
    np.testing.assert_allclose(ys[0], result.gradient["non-saturating"])
    np.testing.assert_allclose(ys[1], result.gradient["minimax"])


def test_latent_figure_titles_count_the_modes_reached():
    centre = np.array([2.0, 0.0])
    G = gan.generator(rng=0)
    G[-1].weight.data[...] = 0.0
    G[-1].bias.data[...] = centre                            # every z -> mode 1
    path = np.stack([np.linspace(-1, 1, 5), np.zeros(5)], axis=1)
    fig = render(vg.latent_figure([G], ["constant"], path=path))
    assert fig.axes[1].get_title() == "constant: z sent to 1 modes"
    with pytest.raises(ValueError, match="titles"):
        vg.latent_figure([G], [])


def test_game_figure_reports_the_distances():
    fig = render(vg.game_figure(steps=10, lr=0.2))
    titles = [ax.get_title() for ax in fig.axes]
    end = np.hypot(*gan.bilinear_game(10, 0.2)[-1])
    assert titles[0] == f"simultaneous steps: distance 1.41 → {end:.2f}"
    assert titles[1].startswith("alternating steps")


# ---------------------------------------------------------------------------- explorer

def test_explorer_grid_is_small():
    controls = vg.training_controls()
    assert [c.name for c in controls] == ["step", "setting"]
    explorer = explore(vg.training_figure, *controls)
    assert len(explorer) == 42


@pytest.mark.parametrize("setting", vg.EXPLORER_SETTINGS)
@pytest.mark.parametrize("step", [0, gan.STEPS])
def test_explorer_extremes_render(step, setting):
    fig = render(vg.training_figure(step=step, setting=setting))
    assert fig.get_size_inches().tolist() == [11.0, 5.0]      # every frame the same size
    run = gan.train_gan(setting, gan.SEEDS[0])
    cov = run.snapshot(step).coverage
    assert fig.axes[0].get_title() == f"{cov.covered} of 8 modes covered"
    assert f"step {step} of {gan.STEPS}" in fig._suptitle.get_text()


@pytest.mark.parametrize("kwargs, name", [
    ({"step": 25}, "step"), ({"step": -50}, "step"), ({"step": True}, "step"),
    ({"step": gan.STEPS + 50}, "step"), ({"setting": "slow"}, "setting"),
])
def test_explorer_refuses_values_off_the_grid(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        vg.training_figure(**kwargs)
