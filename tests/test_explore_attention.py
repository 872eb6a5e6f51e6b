"""Tests of nnlib.explore.attention: chapter 14's lookup by hand, the softmax scale, the
tiny transformer and its training runs, the timings."""
import math

import numpy as np
import pytest

from nnlib import losses, nn
from nnlib.data.toy_sequences import toy_sequences
from nnlib.explore import attention as at
from nnlib.numerical import gradcheck, numerical_gradient


# ---------------------------------------------------------------------------- lookup by hand

def test_kitten_lookup_by_hand():
    lk = at.soft_lookup("kitten")
    np.testing.assert_allclose(lk.scores, [6, 2, -6])               # (2, -2) . keys
    np.testing.assert_allclose(lk.scaled, np.array([6, 2, -6]) / math.sqrt(2))
    e = np.exp(np.array([6, 2, -6]) / math.sqrt(2))
    np.testing.assert_allclose(lk.exps, e)
    np.testing.assert_allclose(lk.weights, e / e.sum())
    assert lk.weights[0] == pytest.approx(0.944, abs=5e-4)
    np.testing.assert_allclose(lk.contributions.sum(axis=0), lk.output)
    np.testing.assert_allclose(lk.output, lk.weights @ at.VALUES)
    assert lk.output[0] == pytest.approx(4.0, abs=1e-3)             # four legs, no wheels


def test_robot_dog_splits_between_dog_and_car():
    lk = at.soft_lookup("robot dog")
    assert lk.weights[1] == pytest.approx(lk.weights[2])             # tied scores
    assert lk.weights[0] < lk.weights[1]
    assert lk.weights.sum() == pytest.approx(1.0)


def test_lookup_equals_the_library_attention():
    queries = np.stack(list(at.QUERIES.values()))
    out, weights = nn.scaled_dot_product_attention(queries, at.KEYS, at.VALUES,
                                                   need_weights=True)
    for i, name in enumerate(at.QUERIES):
        lk = at.soft_lookup(name)
        np.testing.assert_allclose(weights.data[i], lk.weights, atol=1e-14)
        np.testing.assert_allclose(out.data[i], lk.output, atol=1e-14)


def test_unscaled_lookup_is_sharper():
    scaled, raw = at.soft_lookup("kitten"), at.soft_lookup("kitten", scaled=False)
    assert raw.scale == 1.0 and raw.weights[0] > scaled.weights[0]


def test_lookup_bad_input():
    with pytest.raises(ValueError, match="query"):
        at.soft_lookup("puppy")
    with pytest.raises(ValueError, match="query"):
        at.soft_lookup(np.ones(3))
    with pytest.raises(ValueError, match="values"):
        at.soft_lookup(np.ones(2), at.KEYS, np.ones((2, 2)))


# ---------------------------------------------------------------------------- the scale

def test_softmax_gradient_size_is_the_jacobian_norm(rng):
    scores = rng.normal(size=5)
    jac = np.stack([numerical_gradient(lambda s, i=i: at.softmax(s)[i], scores.copy())
                    for i in range(5)])
    assert at.softmax_gradient_size(at.softmax(scores)) == pytest.approx(
        np.linalg.norm(jac), rel=1e-6)
    even = np.full(8, 1 / 8)
    assert at.softmax_gradient_size(even) == pytest.approx(math.sqrt(448) / 64)
    assert at.softmax_gradient_size(np.eye(4)[1]) == pytest.approx(0.0)


def test_softmax_is_stable_and_normalised():
    p = at.softmax([1000.0, 1001.0, 1002.0])
    np.testing.assert_allclose(p, at.softmax([0.0, 1.0, 2.0]))
    assert p.sum() == pytest.approx(1.0)


def test_saturation_grows_without_the_scale():
    sat = at.softmax_saturation(dims=(2, 32, 512), n_keys=8, trials=500, rng=1)
    np.testing.assert_allclose(sat["score_std"], np.sqrt(sat["dims"]), rtol=0.1)
    np.testing.assert_allclose(sat["scaled_std"], 1.0, rtol=0.1)
    assert np.all(np.diff(sat["top_weight"]) > 0) and sat["top_weight"][-1] > 0.9
    assert np.ptp(sat["scaled_top_weight"]) < 0.06
    assert np.all(np.diff(sat["gradient"]) < 0) and sat["gradient"][-1] < 0.1
    assert sat["n_keys"] == 8
    again = at.softmax_saturation(dims=(2, 32, 512), n_keys=8, trials=500, rng=1)
    np.testing.assert_array_equal(sat["top_weight"], again["top_weight"])
    with pytest.raises(ValueError, match="dims"):
        at.softmax_saturation(dims=(0,))


# ---------------------------------------------------------------------------- the model

def test_tiny_transformer_shapes_and_maps(rng):
    model = at.TinyTransformer(vocab=10, d_model=8, nhead=2, dim_feedforward=16, rng=rng)
    ids, _ = toy_sequences(3, rng=rng)
    assert model(ids).shape == (3, 8, 10)
    assert model.predict(ids).shape == (3, 8)
    maps = model.attention_maps(ids)
    assert maps.shape == (3, 2, 8, 8)
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0)


def test_causal_model_never_looks_ahead(rng):
    model = at.TinyTransformer(d_model=8, nhead=1, dim_feedforward=16, causal=True, rng=rng)
    ids, _ = toy_sequences(2, rng=rng)
    maps = model.attention_maps(ids)
    assert np.all(np.triu(maps[0, 0], k=1) == 0)
    changed = ids.copy()
    changed[:, -1] = (changed[:, -1] + 1) % 10                    # change the last token
    np.testing.assert_allclose(model(changed).data[:, :-1], model(ids).data[:, :-1],
                               atol=1e-12)


def test_without_positions_the_model_is_blind_to_order(rng):
    model = at.TinyTransformer(d_model=8, nhead=1, dim_feedforward=16, positional=False,
                               rng=rng)
    ids, _ = toy_sequences(2, rng=rng)
    order = rng.permutation(8)
    np.testing.assert_allclose(model(ids[:, order]).data, model(ids).data[:, order],
                               atol=1e-12)
    with_positions = at.TinyTransformer(d_model=8, nhead=1, dim_feedforward=16, rng=0)
    assert not np.allclose(with_positions(ids[:, order]).data,
                           with_positions(ids).data[:, order])


@pytest.mark.parametrize("causal", [False, True])
def test_gradient_through_positions_encoder_and_head(rng, causal):
    model = at.TinyTransformer(vocab=5, d_model=4, nhead=2, dim_feedforward=6, length=4,
                               causal=causal, rng=rng)
    targets = rng.integers(0, 5, size=(2, 4))
    x = rng.normal(size=(2, 4, 4))

    def loss(x):
        mask = model._mask(4)
        logits = model.head(model.encoder(model.positions(x), src_mask=mask))
        return losses.cross_entropy(logits.reshape(-1, 5), targets.reshape(-1))

    assert gradcheck(loss, x) < 1e-6


def test_mirror_and_diagonal_shares():
    length = 8
    anti = np.eye(length)[::-1]
    assert at.mirror_share(anti) == pytest.approx(1.0)
    assert at.mirror_share(np.full((2, length, length), 1 / length)) == pytest.approx(0.125)
    assert at.diagonal_share(np.eye(length)) == pytest.approx(1.0)
    shifted = np.roll(np.eye(length), -1, axis=1)                  # t looks at t - 1
    assert at.diagonal_share(shifted, offset=1) == pytest.approx(1.0)
    assert at.diagonal_share(shifted) == pytest.approx(0.0)


class _FixedMaps:
    """A stand-in model whose attention maps are given."""

    def __init__(self, maps):
        self.maps = maps

    def attention_maps(self, ids):
        return self.maps


def test_attention_by_value_counts_each_digit():
    ids = np.array([[0, 1, 1, 2]])
    even = np.full((1, 1, 4, 4), 0.25)
    by_value = at.attention_by_value(_FixedMaps(even), ids, vocab=4)
    np.testing.assert_allclose(by_value[0, :, :3], 1.0)             # even spread: 1
    assert np.all(np.isnan(by_value[0, :, 3]))                      # digit 3 never occurs
    onto_zero = np.zeros((1, 1, 4, 4))
    onto_zero[..., 0] = 1                                           # all look at the 0
    by_value = at.attention_by_value(_FixedMaps(onto_zero), ids, vocab=4)
    np.testing.assert_allclose(by_value[0, :, 0], 4.0)
    np.testing.assert_allclose(by_value[0, :, 1:3], 0.0)


# ---------------------------------------------------------------------------- training

def test_short_reversal_run_learns_and_looks_at_the_mirror():
    run = at.train_toy("reverse", seed=3, steps=200, snapshot_every=50)
    assert [s.step for s in run.snapshots] == [0, 50, 100, 150, 200]
    assert run.losses.shape == (200,) and run.losses[-20:].mean() < run.losses[:20].mean()
    assert run.test_accuracy > 0.95
    assert at.mirror_share(run.snapshots[-1].maps) > 0.4
    assert at.mirror_share(run.snapshots[0].maps) < 0.3
    snap = run.snapshot(200)
    assert snap.maps.shape == (len(at.PROBES), 1, 8, 8)
    assert snap.predictions.shape == (len(at.PROBES), 8)
    assert at.train_toy("reverse", seed=3, steps=200, snapshot_every=50) is run  # cached
    with pytest.raises(ValueError, match="step"):
        run.snapshot(75)


def test_run_settings_come_from_the_presets():
    run = at.train_toy("sort", seed=0, steps=2, snapshot_every=1)
    expected = dict(at.PRESETS["sort"], steps=2)
    assert run.settings == expected
    assert run.model.encoder.self_attn.num_heads == 2
    assert [s.step for s in run.snapshots] == [0, 1, 2]


@pytest.mark.parametrize("kwargs, match", [
    ({"task": "rotate"}, "task"),
    ({"steps": -1}, "steps"),
    ({"lr": 0}, "lr"),
    ({"lr": True}, "lr"),
    ({"d_model": 0}, "d_model"),
    ({"snapshot_every": 0}, "snapshot_every"),
    ({"seed": -2}, "seed"),
])
def test_train_toy_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        at.train_toy(**{"steps": 1, **kwargs})


# ---------------------------------------------------------------------------- parallel

def test_one_position_equals_the_whole_layer(rng):
    layer = nn.TransformerEncoderLayer(8, 2, 16, rng=rng)
    x = rng.normal(size=(3, 5, 8))
    full = layer(x).data
    for t in range(5):
        np.testing.assert_allclose(at.one_position(layer, x, t), full[:, t], atol=1e-12)
    with pytest.raises(ValueError, match="t"):
        at.one_position(layer, x, 5)
    with pytest.raises(ValueError, match="norm_first"):
        at.one_position(nn.TransformerEncoderLayer(8, 2, 16, norm_first=True), x, 0)


def test_time_layers_reports_both_layers():
    result = at.time_layers(lengths=(2, 4), batch=3, d_model=4, nhead=1, repeats=1)
    np.testing.assert_array_equal(result["lengths"], [2, 4])
    np.testing.assert_array_equal(result["batches"], [3, 3])
    for name in ("LSTM", "transformer layer"):
        assert result[name].shape == (2,) and np.all(result[name] >= 0)
    fixed = at.time_layers(lengths=(2, 4), tokens=8, d_model=4, nhead=1, repeats=1)
    np.testing.assert_array_equal(fixed["batches"], [4, 2])
    with pytest.raises(ValueError, match="tokens"):
        at.time_layers(lengths=(2, 4), tokens=3)
    with pytest.raises(ValueError, match="repeats"):
        at.time_layers(lengths=(2,), repeats=0)

