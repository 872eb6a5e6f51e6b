"""The experiments of chapter 17, *Limits*: saliency maps, data efficiency, adversarial
examples (FGSM) and out-of-distribution inputs, all on the 8x8 digits.

The models are chapter 12's small CNN (conv 16 -> pool -> conv 32 -> pool -> dense) and a
dense network (64 -> 128 -> 64 -> 10), trained with :func:`nnlib.explore.practice.train`
(Adam on cross-entropy, float64, one BLAS thread) on *standardised* pixels: each pixel minus
its mean over the training images, divided by its spread (:func:`standardise`). Gradients
with respect to the input come from nnlib's autograd: the input becomes a
:class:`~nnlib.tensor.Tensor` with ``requires_grad=True``, and after ``backward()`` its
``.grad`` says how much each pixel moves the score.

Shapes: images (N, 1, 8, 8) for the CNN, rows (N, 64) for the dense network; every function
here takes images and flattens them for a dense model itself (:func:`model_input`).
"""
import functools
from dataclasses import dataclass

import numpy as np

from nnlib import nn
from nnlib._checks import as_rng
from nnlib.explore import practice as pr
from nnlib.losses import cross_entropy
from nnlib.tensor import Tensor, no_grad

__all__ = [
    "EPOCHS", "STD_FLOOR", "LR", "BATCH", "KINDS", "DigitData", "digit_data", "standardise",
    "to_pixels", "model_input",
    "make_model", "trained_model", "probabilities", "accuracy", "input_gradient", "saliency",
    "fgsm", "random_sign", "accuracy_against_eps", "learning_curve", "uniform_noise", "max_probability",
    "auroc", "ood_summary",
]

#: Training epochs of each kind of model (the CNN is slower per epoch and learns faster).
EPOCHS = {"cnn": 10, "mlp": 20}
#: The smallest per-pixel spread used to standardise (pixels in [0, 1]).
STD_FLOOR = 0.1
LR = 3e-3
BATCH = 64
#: The two digit readers of the chapter.
KINDS = ("cnn", "mlp")


@dataclass(frozen=True)
class DigitData:
    """Standardised digits: images (N, 1, 8, 8), labels (N,), and the per-pixel ``mean`` and
    ``std`` (8, 8) of the training images that turn raw pixels in [0, 1] into model inputs."""
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray


def standardise(X, mean, std):
    """``(X - mean) / std`` for raw pixels X (N, 1, 8, 8) in [0, 1]."""
    return (np.asarray(X, dtype=float) - mean) / std


def to_pixels(X, data):
    """Standardised images back to raw pixels in [0, 1] (for drawing)."""
    return np.asarray(X, dtype=float) * data.std + data.mean


@functools.lru_cache(maxsize=4)
def digit_data(seed=0):
    """The digits split of ``nnlib.datasets.digits(test_size=0.25, rng=seed)``, standardised
    with the training images' per-pixel mean and spread (spreads below :data:`STD_FLOOR`
    are raised to it, so a corner pixel that is almost always blank is not magnified 100x)."""
    d = pr.split_digits(seed)
    train = d.X_train.reshape(-1, 1, 8, 8)
    test = d.X_test.reshape(-1, 1, 8, 8)
    mean = train.mean(axis=0)
    std = np.maximum(train.std(axis=0), STD_FLOOR)
    return DigitData(standardise(train, mean, std), d.y_train, standardise(test, mean, std),
                     d.y_test, mean, std)


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    return kind


def model_input(kind, X):
    """What a model of ``kind`` reads: images (N, 1, 8, 8) as they are for the CNN, rows
    (N, 64) for the dense network."""
    X = np.asarray(X, dtype=float)
    return X if _check_kind(kind) == "cnn" else X.reshape(len(X), -1)


def make_model(kind, rng=0):
    """A new, untrained digit reader: ``"cnn"`` (chapter 12's, 6,090 weights) or ``"mlp"``
    (64 -> 128 -> 64 -> 10, 17,226 weights)."""
    if _check_kind(kind) == "cnn":
        return pr.digits_cnn(10, rng=rng)
    return pr.mlp((64, 128, 64, 10), rng=rng)


def _train(kind, X, y, seed, epochs):
    model = make_model(kind, rng=seed)
    return pr.train(model, model_input(kind, X), y, epochs=epochs, lr=LR, batch_size=BATCH,
                    rng=seed + 1000)


@functools.lru_cache(maxsize=8)
def trained_model(kind="cnn", seed=0, epochs=None):
    """A ``kind`` model trained on the standardised training digits of split ``seed`` for
    ``epochs`` (default :data:`EPOCHS` of that kind); cached: the notebook and the explorer
    share it."""
    data = digit_data(seed)
    epochs = EPOCHS[_check_kind(kind)] if epochs is None else int(epochs)
    return _train(kind, data.X_train, data.y_train, seed, epochs)


def probabilities(model, kind, X):
    """Softmax probabilities (N, 10) of ``model`` on images X (N, 1, 8, 8)."""
    with no_grad(), pr.single_thread():
        return model(Tensor(model_input(kind, X))).softmax(axis=1).data


def accuracy(model, kind, X, y):
    """Share of images X whose most probable class is the label y."""
    return float(np.mean(probabilities(model, kind, X).argmax(axis=1) == np.asarray(y)))


def input_gradient(model, kind, X, y, score="loss"):
    """The gradient (N, 1, 8, 8) of a score with respect to the input images X.

    score ``"loss"``: the cross-entropy of the labels y (summed over the batch, so each
    image's gradient is its own); ``"class"``: the logit of class y[n] for each image.
    """
    if score not in ("loss", "class"):
        raise ValueError(f"score: expected 'loss' or 'class', got {score!r}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    x = Tensor(model_input(kind, X), requires_grad=True)
    with pr.single_thread():
        logits = model(x)
        if score == "loss":
            total = cross_entropy(logits, y, reduction="sum")
        else:
            onehot = np.zeros(logits.shape)
            onehot[np.arange(len(y)), y] = 1.0
            total = (logits * onehot).sum()
        for p in model.parameters():
            p.grad = None
        total.backward()
    return x.grad.reshape(X.shape)


def saliency(model, kind, image, label):
    """Saliency map (8, 8) of one image (1, 8, 8) or (8, 8): the absolute gradient of the
    logit of ``label`` with respect to each pixel. Large: a small change of that pixel
    moves the score a lot."""
    image = np.asarray(image, dtype=float).reshape(1, 1, 8, 8)
    grad = input_gradient(model, kind, image, np.array([int(label)]), score="class")
    return np.abs(grad[0, 0])


def fgsm(model, kind, X, y, eps, data):
    """The fast gradient sign method (Goodfellow et al., 2015) on standardised images X
    (N, 1, 8, 8) with true labels y. Returns the adversarial images, standardised.

    In raw pixels (0 blank, 1 full ink) every pixel moves by ``eps`` in the direction that
    raises the loss of the true label, ``raw + eps * sign(grad)``, and is clipped back to
    [0, 1], so the result is still a possible image. (The gradient with respect to a raw
    pixel is the standardised one divided by a positive spread: same sign.) ``data``: the
    :class:`DigitData` whose mean and std standardise.
    """
    eps = float(eps)
    if not np.isfinite(eps) or not 0 <= eps <= 1:
        raise ValueError(f"eps: expected a number from 0 to 1 (a share of full ink), got "
                         f"{eps!r}")
    X = np.asarray(X, dtype=float)
    if eps == 0:
        return X.copy()
    grad = input_gradient(model, kind, X, y, score="loss")
    raw = np.clip(X * data.std + data.mean + eps * np.sign(grad), 0.0, 1.0)
    return standardise(raw, data.mean, data.std)


def random_sign(X, eps, data, rng=None):
    """The control experiment for :func:`fgsm`: every raw pixel moved by ``eps`` up or down
    at random (clipped to [0, 1]), the same size of change with no aim. Returns standardised
    images like X (N, 1, 8, 8)."""
    rng = as_rng(rng)
    X = np.asarray(X, dtype=float)
    signs = rng.choice([-1.0, 1.0], size=X.shape)
    raw = np.clip(to_pixels(X, data) + float(eps) * signs, 0.0, 1.0)
    return standardise(raw, data.mean, data.std)


def accuracy_against_eps(model, kind, X, y, eps_values, data):
    """Test accuracy (len(eps_values),) of ``model`` on FGSM images made with each eps."""
    return np.array([accuracy(model, kind, fgsm(model, kind, X, y, e, data), y)
                     for e in eps_values])


def _per_class_subset(y, per_class, rng):
    idx = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    return np.concatenate(idx)


def learning_curve(per_class_values, seeds=(0, 1, 2), kind="mlp", steps=150):
    """Test accuracy (K, S) when training on ``per_class`` examples of each digit.

    Each run trains a new ``kind`` model on a random subset of the training split of
    ``seed`` for about ``steps`` Adam steps (at least 5 epochs), so that small sets are
    not short-changed of updates. per_class_values: K numbers, each 1 to 130.
    """
    per_class_values = [int(k) for k in per_class_values]
    if not per_class_values or min(per_class_values) < 1 or max(per_class_values) > 130:
        raise ValueError(f"per_class_values: expected whole numbers from 1 to 130, got "
                         f"{per_class_values}")
    out = np.zeros((len(per_class_values), len(seeds)))
    for j, seed in enumerate(seeds):
        data = digit_data(seed)
        for i, k in enumerate(per_class_values):
            idx = _per_class_subset(data.y_train, k, np.random.default_rng(seed + 7 * k))
            batches = -(-len(idx) // BATCH)
            epochs = max(5, round(steps / batches))
            model = _train(kind, data.X_train[idx], data.y_train[idx], seed, epochs)
            out[i, j] = accuracy(model, kind, data.X_test, data.y_test)
    return out


def uniform_noise(n, data, rng=None):
    """``n`` images of uniform noise: every raw pixel drawn from [0, 1], then standardised
    like the digits (so the model sees them exactly as it would see a scanned page of
    static). Returns (n, 1, 8, 8)."""
    rng = as_rng(rng)
    return standardise(rng.uniform(0, 1, size=(int(n), 1, 8, 8)), data.mean, data.std)


def max_probability(model, kind, X):
    """The model's confidence on each image: its highest softmax probability (N,)."""
    return probabilities(model, kind, X).max(axis=1)


def auroc(scores_in, scores_out):
    """Area under the ROC curve of a detector that calls an input "in distribution" when its
    score is high: the chance that a random in-distribution input scores higher than a
    random outside one (ties count half). 1 separates perfectly, 0.5 is a coin toss."""
    a = np.asarray(scores_in, dtype=float)[:, None]
    b = np.asarray(scores_out, dtype=float)[None, :]
    return float(np.mean((a > b) + 0.5 * (a == b)))


def _smoothness(X, data):
    """Input statistic: minus the mean absolute difference between neighbouring raw pixels
    (strokes are smooth, static is not). X: standardised (N, 1, 8, 8)."""
    raw = X * data.std + data.mean
    dx = np.abs(np.diff(raw, axis=3)).mean(axis=(1, 2, 3))
    dy = np.abs(np.diff(raw, axis=2)).mean(axis=(1, 2, 3))
    return -(dx + dy) / 2


def ood_summary(model, kind, seed=0, n_noise=450, rng=None):
    """Confidence on real test digits against uniform noise, and two detectors' AUROC.

    Returns a dict: ``conf_real`` (N,) and ``conf_noise`` (n_noise,) top probabilities,
    ``share_noise_over_90`` (share of noise images with confidence above 0.9),
    ``auroc_confidence`` (detector: max softmax probability), ``auroc_smoothness`` (detector:
    how smooth the raw image is, an input statistic that ignores the model), and
    ``noise_classes`` (10,), how often each digit is the answer on noise, and the
    ``noise`` images (n_noise, 1, 8, 8) with the model's ``noise_probs`` (n_noise, 10).
    """
    data = digit_data(seed)
    noise = uniform_noise(n_noise, data, rng)
    conf_real = max_probability(model, kind, data.X_test)
    noise_probs = probabilities(model, kind, noise)
    conf_noise = noise_probs.max(axis=1)
    answers = noise_probs.argmax(axis=1)
    return {
        "conf_real": conf_real, "conf_noise": conf_noise,
        "share_noise_over_90": float(np.mean(conf_noise > 0.9)),
        "auroc_confidence": auroc(conf_real, conf_noise),
        "auroc_smoothness": auroc(_smoothness(data.X_test, data), _smoothness(noise, data)),
        "noise_classes": np.bincount(answers, minlength=10),
        "noise": noise, "noise_probs": noise_probs,
    }
