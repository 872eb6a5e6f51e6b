"""Scoring a classifier's predictions (chapter 8, *Training a network, end to end*).

Every function takes integer class labels: ``y_true`` is what the data says, ``y_pred``
is what the model answered (for example ``probabilities.argmax(axis=1)``). Both are 1-D
arrays of length N.

>>> accuracy([0, 1, 1, 0], [0, 1, 0, 0])
0.75
>>> confusion_matrix([0, 1, 1, 0], [0, 1, 0, 0], n_classes=2)
array([[2, 0],
       [1, 1]])
"""
import numpy as np

from nnlib._checks import check_labels, check_same_length

__all__ = [
    "accuracy", "confusion_matrix", "precision_recall", "majority_baseline",
]


def _labels(y_true, y_pred, n_classes=None):
    """Validate a pair of label arrays; return them as integer arrays and the class count."""
    if n_classes is None:
        n_classes = _infer_n_classes(y_true, y_pred)
    elif isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
            or n_classes < 1:
        raise ValueError(f"n_classes: expected a positive integer, got {n_classes!r}")
    y_true = check_labels("y_true", y_true, n_classes)
    y_pred = check_labels("y_pred", y_pred, n_classes)
    check_same_length("y_true", y_true, "y_pred", y_pred)
    if len(y_true) == 0:
        raise ValueError("y_true: expected at least one sample, got an empty array")
    return y_true, y_pred, int(n_classes)


def _infer_n_classes(y_true, y_pred):
    """One more than the largest label seen (labels are checked afterwards)."""
    largest = 0
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        y = np.asarray(y)
        if y.size and y.dtype.kind in "iubf" and np.all(np.isfinite(y)):
            largest = max(largest, int(np.max(y)))
        elif y.size:
            raise ValueError(f"{name}: expected integer class indices, got dtype {y.dtype}")
    return largest + 1


def accuracy(y_true, y_pred):
    """Fraction of samples whose predicted class equals the true class.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (N,)

    Returns
    -------
    float in [0, 1]
    """
    y_true, y_pred, _ = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (N,)
        Labels in ``[0, n_classes)``.
    n_classes : int, optional
        Number of classes C; defaults to one more than the largest label present.

    Returns
    -------
    ndarray of int, shape (C, C)
        Entry ``[i, j]`` counts the samples of true class ``i`` predicted as ``j``:
        rows are the truth, columns the answer, the diagonal the correct answers.
    """
    y_true, y_pred, n_classes = _labels(y_true, y_pred, n_classes)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def precision_recall(y_true, y_pred, n_classes=None):
    """Precision and recall of every class.

    Precision of class c: of the samples predicted as c, the fraction that really are c.
    Recall of class c: of the samples that really are c, the fraction predicted as c.
    A class that is never predicted (or never present) gets ``nan`` for that score.

    Returns
    -------
    precision, recall : ndarray of float, shape (C,)
    """
    matrix = confusion_matrix(y_true, y_pred, n_classes).astype(float)
    correct = np.diag(matrix)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, correct / predicted, np.nan)
        recall = np.where(actual > 0, correct / actual, np.nan)
    return precision, recall


def majority_baseline(y_train, y_test):
    """Accuracy on ``y_test`` of always answering the most common class of ``y_train``.

    Any model worth training must beat this number: on data where 80 % of customers
    stay, a "model" that always says *stays* is already 80 % accurate.

    Returns
    -------
    majority_class : int
    accuracy : float
    """
    y_train = check_labels("y_train", y_train, _infer_n_classes(y_train, y_train))
    if len(y_train) == 0:
        raise ValueError("y_train: expected at least one sample, got an empty array")
    majority = int(np.bincount(y_train).argmax())
    y_test = np.asarray(y_test)
    return majority, accuracy(y_test, np.full(len(y_test), majority))
