"""nnlib.explore.practice (chapter 16): pruning, quantisation, distillation, transfer,
data-parallel gradients and the sentiment project."""
import numpy as np
import pytest

from nnlib.explore import practice as pr


def small_model():
    return pr.mlp((6, 5, 3), rng=0)


def test_prune_removes_the_smallest_fraction_across_layers():
    model = small_model()
    before = np.concatenate([np.abs(p.data).ravel() for n, p in model.named_parameters()
                             if n.endswith("weight")])
    masks = pr.prune(model, 0.6)
    after = [p.data for n, p in model.named_parameters() if n.endswith("weight")]
    zeros = sum(int((w == 0).sum()) for w in after)
    assert zeros == round(0.6 * before.size)
    kept = np.concatenate([np.abs(w[w != 0]) for w in after])
    assert kept.min() >= np.sort(before)[zeros - 1]      # only the smallest went
    assert all(set(np.unique(m)) <= {0.0, 1.0} for m in masks.values())
    assert all(id(p) not in masks for n, p in model.named_parameters() if n.endswith("bias"))


def test_masks_keep_pruned_weights_at_zero_while_training():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 6)), rng.integers(0, 3, 40)
    model = small_model()
    masks = pr.prune(model, 0.5)
    pr.train(model, X, y, epochs=3, masks=masks)
    for p in model.parameters():
        if id(p) in masks:
            assert np.all(p.data[masks[id(p)] == 0] == 0)
            assert np.any(p.data[masks[id(p)] == 1] != 0)


def test_frozen_parameters_do_not_move():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 6)), rng.integers(0, 3, 20)
    model = small_model()
    body = model[0].weight.data.copy()
    head = model[2].weight.data.copy()
    pr.train(model, X, y, epochs=2, params=list(model[2].parameters()))
    assert np.array_equal(model[0].weight.data, body)
    assert not np.array_equal(model[2].weight.data, head)


def test_sizes_by_hand():
    model = small_model()         # weights 6x5 + 5x3 = 45, biases 5 + 3 = 8
    assert pr.n_weights(model) == 53
    assert pr.dense_kib(model) == 53 * 4 / 1024
    assert pr.int8_kib(model) == (45 + 2 * 4 + 8 * 4) / 1024
    pr.prune(model, 0.5)
    nonzero = sum(int(np.count_nonzero(p.data)) for n, p in model.named_parameters()
                  if n.endswith("weight"))
    assert pr.sparse_kib(model) == (6 * nonzero + 8 * 4) / 1024


def test_quantisation_error_is_at_most_half_a_step():
    model = pr.mlp(pr.TEACHER_SIZES, rng=0)
    q, codes = pr.quantize_int8(model)
    for name, p in model.named_parameters():
        if name.endswith("weight"):
            step = np.abs(p.data).max() / 127
            restored = dict(q.named_parameters())[name].data
            assert np.abs(restored - p.data).max() <= step / 2 + 1e-15
            assert codes[name].dtype == np.int8 and np.abs(codes[name]).max() == 127


def test_worker_gradients_equal_whole_batch():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((12, 6)), rng.integers(0, 3, 12)
    averaged, whole = pr.worker_gradients(small_model(), X, y, 3)
    for a, w in zip(averaged, whole):
        np.testing.assert_allclose(a, w, atol=1e-12)
    with pytest.raises(ValueError, match="workers"):
        pr.worker_gradients(small_model(), X, y, 5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="fraction"):
        pr.prune(small_model(), 1.0)
    with pytest.raises(ValueError, match="mode"):
        pr.transfer_run("borrowed", 1)
    with pytest.raises(ValueError, match="source"):
        pr.transfer_run("frozen", 1, source="cats")
    with pytest.raises(ValueError, match="bits"):
        pr.quantize_int8(small_model(), bits=5)


def test_transfer_from_related_data_beats_scratch_with_one_example():
    """The chapter's claim, on one seed: a body pre-trained on other people's 5-9 helps
    with one example per class; one pre-trained on scrambled pixels does not."""
    scratch = pr.transfer_run("scratch", 1, seed=0)
    assert pr.transfer_run("frozen", 1, seed=0, source="digits 5-9") > scratch + 0.1
    assert pr.transfer_run("frozen", 1, seed=0, source="scrambled 0-4") < scratch


def test_compression_table_shape_and_claims():
    rows = {r.method: r for r in pr.compression_table()}
    orig = rows["original (float32)"]
    assert orig.kib == pytest.approx(50_826 * 4 / 1024)
    assert rows["int8 quantised"].kib < orig.kib / 3.9
    assert rows["int8 quantised"].accuracy >= orig.accuracy - 0.01
    assert rows["pruned 90 %, fine-tuned"].accuracy > rows["pruned 90 %"].accuracy
    assert rows["distilled student 64-16-10"].kib < 5


def test_sentiment_project_learns():
    result = pr.sentiment_run()
    assert result["accuracy"] > 0.9
    assert result["X_test"].shape == (100, len(result["bow"].words))
