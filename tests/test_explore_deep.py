"""Tests of chapter 11's experiments: nnlib.data.compositional and nnlib.explore.deep."""
import math

import numpy as np
import pytest

from nnlib import nn
from nnlib.data import compositional
from nnlib.explore import deep
from nnlib.numerical import gradcheck

pytestmark = pytest.mark.filterwarnings("error")


# ---------------------------------------------------------------------------- data

def test_tent_and_sawtooth_by_hand():
    np.testing.assert_allclose(compositional.tent([0, 0.25, 0.5, 0.75, 1]),
                               [0, 0.5, 1, 0.5, 0])
    # two folds: teeth at 1/4 and 3/4, zeros at 0, 1/2 and 1
    np.testing.assert_allclose(compositional.sawtooth([0, 0.25, 0.5, 0.75, 1], 2),
                               [0, 1, 0, 1, 0])
    x = np.linspace(0, 1, 9)
    np.testing.assert_array_equal(compositional.sawtooth(x, 0), x)
    with pytest.raises(ValueError, match="folds"):
        compositional.sawtooth(x, -1)


def test_rings_labels_follow_the_distance_from_the_centre():
    X, y = compositional.rings(500, bands=4, rng=0)
    assert X.shape == (500, 2) and y.shape == (500,) and y.dtype == np.int64
    assert np.all(np.abs(X) <= 1)
    r = np.sqrt((X ** 2).sum(axis=1))
    assert np.all(y[r < 0.25] == 0) and np.all(y[(r > 0.25) & (r < 0.5)] == 1)
    assert np.all(y[(r > 0.5) & (r < 0.75)] == 0)
    X2, y2 = compositional.rings(500, bands=4, rng=0)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError, match="bands"):
        compositional.rings(10, bands=0)


# ---------------------------------------------------------------------------- folding

@pytest.mark.parametrize("folds", [1, 2, 5, 8])
def test_the_folding_network_computes_the_sawtooth_with_6k_plus_1_weights(folds):
    net = deep.folding_network(folds)
    x = np.linspace(0, 1, 2 ** folds * 4 + 1)[:, None]
    np.testing.assert_allclose(net(x).data, compositional.sawtooth(x, folds), atol=1e-12)
    assert deep.n_weights(net) == 6 * folds + 1
    assert deep.count_pieces(x, net(x).data) == 2 ** folds


def test_count_pieces_counts_kinks_not_samples():
    x = np.linspace(-1, 1, 201)
    assert deep.count_pieces(x, 3 * x + 1) == 1
    assert deep.count_pieces(x, np.abs(x)) == 2
    assert deep.count_pieces(x, np.maximum(x, 0) - 2 * np.maximum(x - 0.5, 0)) == 3
    with pytest.raises(ValueError, match="x"):
        deep.count_pieces(x[::-1], x)


def test_one_hidden_layer_bends_at_most_once_per_neuron():
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(1, 7, rng=rng), nn.ReLU(), nn.Linear(7, 1, rng=rng))
    x = np.linspace(-3, 3, 4001)[:, None]
    assert deep.count_pieces(x, net(x).data) <= 7 + 1


def test_fit_sawtooth_is_cached_and_reports_its_budget():
    fit = deep.fit_sawtooth((1, 10, 1), 5, seed=0)
    assert deep.fit_sawtooth((1, 10, 1), 5, seed=0) is fit
    assert fit.n_weights == 31 and fit.prediction.shape == fit.x.shape == (deep.SAWTOOTH_POINTS,)
    flat = np.mean((compositional.sawtooth(fit.x, 5) - 0.5) ** 2)
    assert fit.mse <= flat + 1e-3           # no worse than a flat line, and not much better
    assert fit.mse > 0.5 * flat
    with pytest.raises(ValueError, match="widths"):
        deep.fit_sawtooth((2, 10, 1), 5)


# ---------------------------------------------------------------------------- same budget

def test_budget_runs_are_cached_and_checked():
    run = deep.budget_run("digits", (64, 16, 10), seed=0)
    assert deep.budget_run("digits", (64, 16, 10), seed=0) is run
    assert run.n_weights == 64 * 16 + 16 + 16 * 10 + 10
    assert run.test_accuracy > 0.85
    with pytest.raises(ValueError, match="widths"):
        deep.budget_run("rings", (64, 16, 10))
    with pytest.raises(ValueError, match="task"):
        deep.budget_run("moons", (2, 4, 2))


def test_rings_split_is_seeded_and_read_only():
    data = deep.rings_split()
    assert data.X_train.shape == (deep.RINGS_TRAIN, 2) and len(data.y_test) == deep.RINGS_TEST
    with pytest.raises(ValueError):
        data.X_train[0, 0] = 0.0


def test_hidden_outputs_are_the_relu_layers():
    rng = np.random.default_rng(1)
    net = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.ReLU(), nn.Linear(3, 4, rng=rng),
                        nn.ReLU(), nn.Linear(4, 2, rng=rng))
    X = rng.normal(size=(5, 2))
    first, second = deep.hidden_outputs(net, X)
    np.testing.assert_allclose(first, np.maximum(X @ net[0].weight.data + net[0].bias.data, 0))
    assert second.shape == (5, 4) and np.all(second >= 0)


# ---------------------------------------------------------------------------- deep networks

def test_residual_adds_the_scaled_block_and_backpropagates_through_both_paths():
    rng = np.random.default_rng(2)
    block = nn.Sequential(nn.Linear(4, 4, rng=rng), nn.Tanh())
    res = deep.Residual(block, scale=0.5)
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(res(x).data, x + 0.5 * block(x).data)
    w = block[0].weight.data.copy()

    def through(x_t, w_t):
        block[0].weight = w_t                 # the Parameter slot takes the tensor
        return res(x_t)
    assert gradcheck(lambda x_t: res(x_t), x) < 1e-7
    assert gradcheck(through, x, w) < 1e-7
    block[0].weight = w
    assert "scale=0.5" in repr(res)


def test_build_network_layout_and_initialisation():
    net = deep.build_network(depth=6, activation="relu", init="he", batch_norm=True,
                             skip="scaled", rng=0)
    assert len(net) == 6 and len(deep.linear_layers(net)) == 6
    assert isinstance(net[1], deep.Residual) and net[1].scale == pytest.approx(1 / math.sqrt(6))
    assert isinstance(net[0][1], nn.BatchNorm1d) and isinstance(net[0][2], nn.ReLU)
    big = deep.build_network(depth=3, init="normal", width=400, rng=0)
    assert np.std(big[1][0].weight.data) == pytest.approx(1.0, rel=0.02)
    he = deep.build_network(depth=3, init="he", width=400, rng=0)
    assert np.std(he[1][0].weight.data) == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    xavier = deep.build_network(depth=3, init="xavier", width=400, rng=0)
    assert np.std(xavier[1][0].weight.data) == pytest.approx(1 / 20, rel=0.02)
    assert all(np.all(layer.bias.data == 0) for layer in deep.linear_layers(xavier))
    for bad in (dict(depth=1), dict(activation="tanh"), dict(init="lecun"),
                dict(skip="dense"), dict(batch_norm="yes")):
        with pytest.raises(ValueError, match=next(iter(bad))):
            deep.build_network(**bad)


def test_gradient_profile_matches_the_gradients_of_a_plain_backward_pass():
    net = deep.build_network(depth=4, activation="sigmoid", init="xavier", rng=3)
    data = deep.digits_split()
    X, y = data.X_train[:50], data.y_train[:50]
    profile = deep.gradient_profile(net, X, y)
    norms = [np.linalg.norm(layer.weight.grad) for layer in deep.linear_layers(net)]
    np.testing.assert_allclose(profile.grad_norms, norms)
    assert profile.ratio == pytest.approx(norms[0] / norms[-1])
    assert profile.signal.shape == (4,) and profile.loss > 0


def test_sigmoid_with_xavier_weights_shrinks_the_gradient_about_fourfold_per_layer():
    run = deep.deep_run(depth=10, activation="sigmoid", init="xavier")
    per_layer = run.profile.ratio ** (1 / 9)
    assert 0.15 < per_layer < 0.3


def test_relu_with_normal_weights_explodes_and_the_run_reports_it():
    run = deep.deep_run(depth=10, activation="relu", init="normal")
    assert run.profile.signal[-1] > 1e6 * run.profile.signal[0]
    assert run.diverged_at is not None and math.isnan(run.test_accuracy)
    assert len(run.step_loss) == run.diverged_at - 1


def test_a_shallow_he_network_trains_and_its_curves_have_the_budgets_length():
    run = deep.deep_run(depth=3, activation="relu", init="he", seed=1)
    assert deep.deep_run(depth=3, activation="relu", init="he", seed=1) is run
    assert run.diverged_at is None and run.test_accuracy > 0.9
    n = len(deep.digits_split().y_train)
    assert len(run.step_loss) == deep.EPOCHS * (n // deep.BATCH_SIZE)
    assert run.epoch_loss().shape == (deep.EPOCHS,)
    assert run.epoch_loss()[-1] < run.epoch_loss()[0]


def test_a_nudge_changes_the_starting_weights_by_that_fraction():
    plain = deep.deep_run(depth=3, activation="relu", init="he", seed=1)
    nudged = deep.deep_run(depth=3, activation="relu", init="he", seed=1, nudge=1e-6)
    np.testing.assert_allclose(nudged.profile.signal, plain.profile.signal, rtol=1e-5)
    assert not np.array_equal(nudged.profile.signal, plain.profile.signal)


def test_gradient_table_summarises_medians_and_divergence():
    rows = (("a", dict(activation="relu", init="he")),
            ("b", dict(activation="relu", init="normal")))
    table = deep.gradient_table(seeds=(0, 1), depth=3, rows=rows)
    assert [row["label"] for row in table] == ["a", "b"]
    a = table[0]
    accs = [r.test_accuracy for r in a["runs"]]
    assert a["accuracy"] == pytest.approx(np.median(accs))
    assert a["acc_low"] == min(accs) and a["diverged"] == 0
    with pytest.raises(ValueError, match="seeds"):
        deep.gradient_table(seeds=())


def test_deep_run_rejects_bad_settings():
    for bad in (dict(depth=0), dict(seed=-1), dict(skip="all"), dict(drop_last=1),
                dict(nudge=0.1)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            deep.deep_run(**bad)
