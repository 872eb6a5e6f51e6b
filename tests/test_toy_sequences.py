"""Tests of nnlib.data.toy_sequences: the toy tasks of chapter 14."""
import numpy as np
import pytest

from nnlib.data.toy_sequences import TASKS, toy_sequences, toy_targets


@pytest.mark.parametrize("task", TASKS)
def test_shapes_dtypes_and_range(task):
    ids, targets = toy_sequences(50, task, length=6, vocab=7, rng=3)
    assert ids.shape == targets.shape == (50, 6)
    assert ids.dtype == targets.dtype == np.int64
    assert ids.min() >= 0 and ids.max() < 7
    assert len(np.unique(ids)) == 7                      # every token appears in 300 draws


def test_each_task_follows_its_rule():
    ids, _ = toy_sequences(40, "copy", length=8, rng=1)
    length = ids.shape[1]
    rev = toy_targets(ids, "reverse")
    for t in range(length):
        np.testing.assert_array_equal(rev[:, t], ids[:, length - 1 - t])
    srt = toy_targets(ids, "sort")
    assert np.all(np.diff(srt, axis=1) >= 0)
    np.testing.assert_array_equal(np.sort(ids, axis=1), np.sort(srt, axis=1))  # same digits
    np.testing.assert_array_equal(toy_targets(ids, "copy"), ids)
    shift = toy_targets(ids, "shift")
    np.testing.assert_array_equal(shift[:, 1:], ids[:, :-1])
    np.testing.assert_array_equal(shift[:, 0], ids[:, -1])


def test_targets_of_one_sequence_and_the_docstring_example():
    np.testing.assert_array_equal(toy_targets(np.array([3, 1, 2]), "reverse"), [2, 1, 3])
    np.testing.assert_array_equal(toy_targets(np.array([3, 1, 2]), "sort"), [1, 2, 3])
    ids, targets = toy_sequences(2, "reverse", length=5, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(ids, [[8, 6, 5, 2, 3], [0, 0, 0, 1, 8]])
    np.testing.assert_array_equal(targets, [[3, 2, 5, 6, 8], [8, 1, 0, 0, 0]])


def test_seeded_and_fresh():
    a, _ = toy_sequences(20, rng=5)
    b, _ = toy_sequences(20, rng=5)
    c, _ = toy_sequences(20, rng=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    gen = np.random.default_rng(0)
    first, _ = toy_sequences(20, rng=gen)
    second, _ = toy_sequences(20, rng=gen)                 # a Generator moves on
    assert not np.array_equal(first, second)


def test_targets_are_new_arrays():
    ids, targets = toy_sequences(3, "copy", rng=0)
    targets[0, 0] = 99
    assert ids[0, 0] != 99


@pytest.mark.parametrize("kwargs, match", [
    ({"task": "rotate"}, "task"),
    ({"task": None}, "task"),
    ({"n": 0}, "n"),
    ({"length": 1}, "length"),
    ({"length": 2.5}, "length"),
    ({"vocab": True}, "vocab"),
    ({"rng": "seed"}, "rng"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = {"n": 4, "task": "reverse", "length": 8, "vocab": 10, "rng": 0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        toy_sequences(**args)


def test_bad_ids():
    with pytest.raises(ValueError, match="ids"):
        toy_targets(np.array([[0.5, 1.0]]), "reverse")
    with pytest.raises(ValueError, match="ids"):
        toy_targets(np.zeros((2, 2, 2), dtype=int), "sort")
    with pytest.raises(ValueError, match="task"):
        toy_targets(np.array([1, 2]), "Sort")
