"""Tests for nnlib.metrics (chapter 8)."""
import numpy as np
import pytest

from nnlib.metrics import accuracy, confusion_matrix, majority_baseline, precision_recall


def test_accuracy_counts_matches():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    assert accuracy(np.array([1, 1]), np.array([0, 0])) == 0.0
    assert accuracy([0.0, 1.0], [0, 1]) == 1.0  # whole-number floats are accepted


def test_confusion_matrix_rows_are_truth_columns_are_predictions():
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    m = confusion_matrix(y_true, y_pred, n_classes=3)
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 2, 1], [1, 0, 0]])
    assert m.sum() == len(y_true)
    assert np.trace(m) / m.sum() == accuracy(y_true, y_pred)


def test_confusion_matrix_keeps_absent_classes():
    m = confusion_matrix([0, 0], [0, 0], n_classes=4)
    assert m.shape == (4, 4) and m[0, 0] == 2 and m.sum() == 2
    assert confusion_matrix([0, 2], [2, 0]).shape == (3, 3)  # inferred from the labels


def test_confusion_matrix_agrees_with_scikit_learn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 5),
                                  sklearn_metrics.confusion_matrix(y_true, y_pred, labels=range(5)))


def test_precision_and_recall_per_class():
    precision, recall = precision_recall([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 0], n_classes=4)
    np.testing.assert_allclose(precision[:3], [1 / 2, 2 / 3, 0.0])
    np.testing.assert_allclose(recall[:3], [1 / 2, 2 / 3, 0.0])
    assert np.isnan(precision[3]) and np.isnan(recall[3])  # class 3 never seen


def test_majority_baseline_uses_the_training_majority():
    majority, acc = majority_baseline([0, 0, 0, 1], [1, 1, 0, 1])
    assert majority == 0
    assert acc == 0.25


@pytest.mark.parametrize("y_true, y_pred, kwargs, match", [
    ([0, 1], [0], {}, "y_true, y_pred: expected the same number of samples, got 2 and 1"),
    ([0, 1], [0, 3], {"n_classes": 2}, "y_pred: expected integers in \\[0, 2\\), got value 3"),
    ([[0, 1]], [[0, 1]], {}, "y_true: expected a 1-D array"),
    ([0, 1.5], [0, 1], {}, "y_true: expected integer class indices, got value .*1.5"),
    (["a", "b"], [0, 1], {}, "y_true: expected integer class indices"),
    ([], [], {}, "y_true: expected at least one sample"),
    ([0, 1], [0, 1], {"n_classes": 0}, "n_classes: expected a positive integer"),
    ([-1, 1], [0, 1], {"n_classes": 2}, "y_true: expected integers in \\[0, 2\\), got value -1"),
])
def test_invalid_labels_raise_named_errors(y_true, y_pred, kwargs, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(y_true, y_pred, **kwargs)


def test_accuracy_validates_too():
    with pytest.raises(ValueError, match="same number of samples"):
        accuracy([0, 1, 1], [0, 1])
