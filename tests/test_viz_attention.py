"""Tests of nnlib.viz.attention: chapter 14's figures and its training explorer."""
import numpy as np
import pytest
from figure_helpers import render, texts

from nnlib.explore import attention as at
from nnlib.explore import explore
from nnlib.viz import attention as va

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def short_run():
    """A short reversal run with snapshots at 0, 25, 50."""
    return at.train_toy("reverse", seed=0, steps=50, snapshot_every=25)


def test_lookup_figure_shows_the_weights():
    fig = render(va.lookup_figure())
    drawn = texts(fig)
    kitten = at.soft_lookup("kitten").weights
    assert f"{kitten[0]:.2f}" in drawn and "0.00" in drawn
    assert any("query: kitten" in t for t in drawn)
    assert any("key of car" in t for t in drawn)
    with pytest.raises(ValueError, match="queries"):
        va.lookup_figure(("puppy",))


def test_lookup_table_holds_every_number():
    table = va.lookup_table("robot dog", caption="c")
    assert table.columns[0] == "word" and len(table.rows) == 4
    lk = at.soft_lookup("robot dog")
    assert table.rows[1][6] == f"{lk.weights[1]:.4f}"
    assert table.rows[-1][-1] == f"({lk.output[0]:.3f}, {lk.output[1]:.3f})"
    assert "e^(score ÷ √2)" in table.columns
    assert "<table" in table._repr_html_()


def test_saturation_figure_renders_both_panels():
    fig = render(va.saturation_figure(at.softmax_saturation(dims=(2, 8), trials=50)))
    titles = [ax.get_title() for ax in fig.axes]
    assert any("√d" in t for t in titles) and any("8 weights" in t for t in titles)


def test_weights_figure_writes_the_numbers():
    w = at.softmax(at.KEYS @ at.KEYS.T / np.sqrt(2))
    fig = render(va.weights_figure(w, at.WORDS))
    assert f"{w[0, 1]:.2f}" in texts(fig)
    with pytest.raises(ValueError, match="weights"):
        va.weights_figure(np.ones((2, 3)), at.WORDS)


def test_positional_figure_renders():
    fig = render(va.positional_figure(length=10, d_model=8))
    assert "10 positions" in fig.axes[0].get_title()


def test_maps_figure_colours_right_and_wrong_predictions():
    ids = np.array([1, 2, 3, 4])
    weights = np.eye(4)[::-1]
    predictions = np.array([4, 3, 0, 1])                        # position 2 is wrong
    fig = render(va.maps_figure([("a map", weights, predictions)], ids, task="reverse"))
    labels = fig.axes[0].get_yticklabels()
    colours = [label.get_color() for label in labels]
    assert colours[2] != colours[0] and colours[0] == colours[1]
    assert [label.get_text() for label in labels][0] == "0: 4"
    with pytest.raises(ValueError, match="panels"):
        va.maps_figure([], ids)
    with pytest.raises(ValueError, match="panels"):
        va.maps_figure([("bad", np.eye(3), None)], ids)
    with pytest.raises(ValueError, match="ids"):
        va.maps_figure([("a", weights, None)], np.array([0.5, 1.0, 2.0, 3.0]))


def test_training_strip_titles_give_the_accuracy(short_run):
    fig = render(va.training_strip(short_run, (0, 50)))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == f"step 0: {100 * short_run.snapshot(0).accuracy:.0f} % right"
    with pytest.raises(ValueError, match="step"):
        va.training_strip(short_run, (10,))
    with pytest.raises(ValueError, match="steps"):
        va.training_strip(short_run, ())


def test_value_map_figure():
    by_value = np.ones((2, 8, 10))
    by_value[0, 0, 0] = 3
    fig = render(va.value_map_figure(by_value))
    assert [ax.get_title() for ax in fig.axes[:2]] == ["head 1", "head 2"]
    with pytest.raises(ValueError, match="by_value"):
        va.value_map_figure(np.ones((8, 10)))


def test_sequential_and_timing_figures():
    fig = render(va.sequential_figure(4))
    assert "4 steps" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="length"):
        va.sequential_figure(1)
    result = {"lengths": np.array([8, 16]), "batches": np.array([4, 2]),
              "LSTM": np.array([1e-3, 2e-3]), "transformer layer": np.array([1e-3, 1.2e-3])}
    fig = render(va.timing_figure(result, result))
    assert "32 positions in all" in fig.axes[1].get_title()


def test_training_explorer_corners_render():
    explorer = explore(va.training_figure, *va.training_controls())
    assert len(explorer) == 84 <= 150
    for step in (0, 1000):
        for head in va.EXPLORER_HEADS:
            fig = render(va.training_figure(step, head, 2 if step else 1))
            assert f"after {step} steps" in fig._suptitle.get_text()
            assert f"Head {head} of 2" in fig.axes[0].get_title()
    sizes = {tuple(va.training_figure(s, 1, 1).get_size_inches()) for s in (0, 500)}
    assert len(sizes) == 1                                      # fixed figure size


@pytest.mark.parametrize("kwargs, match", [
    ({"step": 25}, "step"), ({"step": 1050}, "step"), ({"step": 50.0}, "step"),
    ({"head": 3}, "head"), ({"head": True}, "head"), ({"example": 0}, "example"),
])
def test_training_figure_refuses_values_off_the_grid(kwargs, match):
    with pytest.raises(ValueError, match=match):
        va.training_figure(**kwargs)
