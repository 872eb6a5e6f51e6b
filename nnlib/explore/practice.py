"""The experiments of chapter 16, *In practice*: transfer learning, compression (pruning,
int8 quantisation, distillation), data-parallel gradients and the sentiment starter project.

Every run is small (digit networks of a few thousand to fifty thousand weights, a few
hundred examples), seeded and cached, so the chapter's notebook and its explorer redo them
in seconds. Training uses one short loop, :func:`train`, rather than ``nnlib.fit`` because
several experiments need to act between steps (keep pruned weights at zero, freeze a body).
The networks train in float64 with one BLAS thread so the numbers come out the same on
every machine.
"""
import contextlib
import functools
from dataclasses import dataclass

import numpy as np

from nnlib import nn, optim
from nnlib._checks import as_rng
from nnlib.losses import cross_entropy
from nnlib.tensor import Tensor, no_grad

__all__ = [
    "single_thread", "train", "accuracy_of", "mlp", "digits_cnn", "split_digits",
    "TRANSFER_MODES", "SOURCES", "transfer_run", "transfer_table", "n_weights", "dense_kib",
    "sparse_kib", "int8_kib", "teacher", "prune", "pruned_model", "quantize_int8",
    "distil_run", "compression_table", "worker_gradients", "sentiment_run",
]

LR = 1e-2
BATCH = 32


@contextlib.contextmanager
def single_thread():
    """One BLAS thread: the products are small and the machine's cores are shared."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# ----------------------------------------------------------------------------- training

def _soft_cross_entropy(logits, soft):
    """Cross-entropy against probability targets (N, C): ``-mean(sum(p * log q))``."""
    return -(logits.log_softmax(axis=1) * soft).sum(axis=1).mean()


def train(model, X, y, *, epochs, lr=LR, batch_size=BATCH, rng=0, params=None, masks=None,
          soft=None, temperature=1.0):
    """Adam on softmax cross-entropy for ``epochs`` passes over ``(X, y)``; returns model.

    params: the parameters to learn (default all: pass a subset to freeze the rest);
    masks: {parameter id: 0/1 array}, re-applied after every step (pruned weights stay 0);
    soft: (N, C) teacher probabilities to learn instead of the labels ``y`` (distillation;
    the logits are divided by ``temperature`` first).
    """
    rng = as_rng(rng)
    params = list(model.parameters()) if params is None else list(params)
    opt = optim.Adam(params, lr=lr)
    with single_thread():
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                idx = order[start:start + batch_size]
                out = model(X[idx])
                loss = (cross_entropy(out, y[idx]) if soft is None
                        else _soft_cross_entropy(out * (1.0 / temperature), soft[idx]))
                opt.zero_grad()
                loss.backward()
                opt.step()
                for p in params:
                    if masks and id(p) in masks:
                        p.data *= masks[id(p)]
    return model


def predict_logits(model, X):
    with no_grad(), single_thread():
        return model(X).data


def accuracy_of(model, X, y):
    """Share of rows of X whose highest score is the label y."""
    return float(np.mean(predict_logits(model, X).argmax(axis=1) == y))


def mlp(sizes, rng=0):
    """``Linear -> ReLU -> ... -> Linear`` through ``sizes``, e.g. (64, 256, 128, 10)."""
    rng = as_rng(rng)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, rng=rng))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def digits_cnn(n_out=10, rng=0):
    """Chapter 12's small CNN on (N, 1, 8, 8) digits with ``n_out`` classes."""
    rng = as_rng(rng)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, n_out, rng=rng))


@functools.lru_cache(maxsize=4)
def split_digits(seed=0):
    """``nnlib.datasets.digits(test_size=0.25, rng=seed)`` (1,347 train, 450 test), cached."""
    from nnlib.data.datasets import digits

    return digits(test_size=0.25, rng=seed)


# ----------------------------------------------------------------------------- transfer

#: scratch: a new network trained on the few target examples; finetune: the pre-trained
#: body with a new head, everything trained; frozen: only the new head is trained.
TRANSFER_MODES = ("scratch", "finetune", "frozen")
_HIDDEN = 64


#: What the body is pre-trained on, from closely related to unrelated: other writers'
#: 5-9 (the target's own classes), digits 0-4 (other shapes, same kind of image), digits
#: 0-4 with their pixels scrambled (same ink, no strokes).
SOURCES = ("digits 5-9", "digits 0-4", "scrambled 0-4")


@functools.lru_cache(maxsize=4)
def _pools(seed):
    """Training rows of digits 5-9 split in two halves: one for pre-training (source
    "digits 5-9"), one to draw the few target examples from. Never the same image."""
    d = split_digits(seed)
    rows = np.random.default_rng(seed + 2).permutation(np.flatnonzero(d.y_train >= 5))
    return rows[: len(rows) // 2], rows[len(rows) // 2:]


def _few_shot(seed, per_class, rng):
    """``per_class`` random training rows of each digit 5-9 (labels renumbered 0-4)."""
    d = split_digits(seed)
    pool = _pools(seed)[1]
    idx = np.concatenate([rng.choice(pool[d.y_train[pool] == c], per_class, replace=False)
                          for c in range(5, 10)])
    return d.X_train[idx], d.y_train[idx] - 5


def _scrambled(X, seed):
    """Every image's pixels put in one fixed random order: same ink, no strokes."""
    return X[:, np.random.default_rng(1000 + seed).permutation(X.shape[1])]


@functools.lru_cache(maxsize=32)
def _pretrained(source, n_source, seed):
    """An MLP 64-64-64-5 trained on up to ``n_source`` images of ``source``."""
    d = split_digits(seed)
    rng = np.random.default_rng(seed)
    rows = _pools(seed)[0] if source == "digits 5-9" else np.flatnonzero(d.y_train < 5)
    rows = rng.choice(rows, min(n_source, len(rows)), replace=False)
    X, y = d.X_train[rows], d.y_train[rows] % 5
    if source == "scrambled 0-4":
        X = _scrambled(X, seed)
    model = mlp((64, _HIDDEN, _HIDDEN, 5), rng=rng)
    return train(model, X, y, epochs=max(20, 6000 // len(rows)), rng=seed)


def transfer_run(mode, per_class, seed=0, source="digits 0-4", n_source=10_000):
    """Test accuracy on digits 5-9 after learning from ``per_class`` examples of each.

    mode: one of :data:`TRANSFER_MODES`; source: one of :data:`SOURCES`, what the body
    was pre-trained on; n_source: at most this many pre-training images (there are about
    670 of 0-4 and 340 in the 5-9 pre-training half).
    """
    if mode not in TRANSFER_MODES:
        raise ValueError(f"mode: expected one of {TRANSFER_MODES}, got {mode!r}")
    if source not in SOURCES:
        raise ValueError(f"source: expected one of {SOURCES}, got {source!r}")
    if mode == "scratch":  # no pre-training: the same run whatever the source
        source, n_source = None, 0
    return _transfer_run(mode, int(per_class), int(seed), source, int(n_source))


@functools.lru_cache(maxsize=512)
def _transfer_run(mode, per_class, seed, source, n_source):
    d = split_digits(seed)
    rng = np.random.default_rng(seed + 1)
    X, y = _few_shot(seed, per_class, rng)
    test = d.y_test >= 5
    X_test, y_test = d.X_test[test], d.y_test[test] - 5
    model = mlp((64, _HIDDEN, _HIDDEN, 5), rng=rng)
    params = None
    if mode != "scratch":
        body = _pretrained(source, n_source, seed)
        model.load_state_dict({k: v for k, v in body.state_dict().items()
                               if not k.startswith("4.")}, strict=False)
        if mode == "frozen":
            params = list(model[4].parameters())
    train(model, X, y, epochs=max(30, 1500 // len(X)), rng=seed, params=params)
    return accuracy_of(model, X_test, y_test)


def transfer_table(per_class_values, seeds, source="digits 0-4", n_source=10_000):
    """{mode: (len(per_class_values), len(seeds)) accuracies} for every mode."""
    return {mode: np.array([[transfer_run(mode, k, s, source, n_source) for s in seeds]
                            for k in per_class_values]) for mode in TRANSFER_MODES}


# ----------------------------------------------------------------------------- compression

def n_weights(model):
    """Number of parameters (weights and biases)."""
    return int(sum(p.data.size for p in model.parameters()))


def dense_kib(model):
    """Size when every parameter is stored as a 4-byte float32, in KiB."""
    return 4 * n_weights(model) / 1024


def sparse_kib(model):
    """Size of a pruned model stored sparsely: each non-zero weight as a 4-byte value and
    a 2-byte position in its matrix; biases dense (4 bytes), in KiB."""
    total = 0
    for name, p in model.named_parameters():
        total += 6 * int(np.count_nonzero(p.data)) if name.endswith("weight") \
            else 4 * p.data.size
    return float(total / 1024)


def int8_kib(model):
    """Size with every weight matrix stored as 1-byte integers plus one 4-byte scale per
    matrix, biases as float32, in KiB."""
    total = 0
    for name, p in model.named_parameters():
        total += p.data.size + 4 if name.endswith("weight") else 4 * p.data.size
    return total / 1024


TEACHER_SIZES = (64, 256, 128, 10)
STUDENT_SIZES = (64, 16, 10)


@functools.lru_cache(maxsize=4)
def teacher(seed=0):
    """The model to compress: an MLP 64-256-128-10 (50,826 parameters, 199 KiB as
    float32) trained on the digits' 1,347 training images for 30 epochs."""
    d = split_digits(seed)
    return train(mlp(TEACHER_SIZES, rng=seed), d.X_train, d.y_train, epochs=30, lr=1e-3,
                 rng=seed)


def _copy(model, sizes):
    clone = mlp(sizes, rng=0)
    clone.load_state_dict(model.state_dict())
    return clone


def prune(model, fraction):
    """Magnitude pruning in place: the ``fraction`` of all weights (not biases) with the
    smallest absolute values, across every layer together, set to 0. Returns the masks
    {parameter id: 0/1 array}."""
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction: expected a number in [0, 1), got {fraction!r}")
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    magnitudes = np.concatenate([np.abs(p.data).ravel() for p in weights])
    cut = np.quantile(magnitudes, fraction) if fraction > 0 else -1.0
    masks = {}
    for p in weights:
        mask = (np.abs(p.data) > cut).astype(p.data.dtype)
        p.data *= mask
        masks[id(p)] = mask
    return masks


@functools.lru_cache(maxsize=64)
def pruned_model(fraction, finetune, seed=0):
    """The teacher pruned to ``fraction`` zeros, then (``finetune``) trained 5 more epochs
    with the zeros kept. Returns ``(model, test accuracy)``."""
    d = split_digits(seed)
    model = _copy(teacher(seed), TEACHER_SIZES)
    masks = prune(model, fraction)
    if finetune:
        train(model, d.X_train, d.y_train, epochs=5, lr=1e-3, rng=seed, masks=masks)
    return model, accuracy_of(model, d.X_test, d.y_test)


def quantize_int8(model, bits=8):
    """A copy of ``model`` whose weight matrices went through ``bits``-bit integers and
    back: each matrix scaled so its largest absolute value is ``2**(bits-1) - 1`` (127 for
    int8), rounded to whole numbers, scaled back. Returns ``(copy, {name: integer array})``."""
    if bits not in (2, 3, 4, 8):
        raise ValueError(f"bits: expected 2, 3, 4 or 8, got {bits!r}")
    top = 2 ** (bits - 1) - 1
    clone = _copy(model, TEACHER_SIZES)
    codes = {}
    for name, p in clone.named_parameters():
        if name.endswith("weight"):
            scale = np.abs(p.data).max() / top
            q = np.round(p.data / scale).astype(np.int8)
            codes[name] = q
            p.data[...] = q * scale
    return clone, codes


@functools.lru_cache(maxsize=32)
def distil_run(n_labelled, distil, seed=0, temperature=4.0):
    """Test accuracy of the small student (64-16-10, 1,210 parameters) trained on
    ``n_labelled`` labelled training images (``distil=False``), or on the teacher's softened
    answers (temperature 4) for every training image, labelled or not (``distil=True``)."""
    d = split_digits(seed)
    rng = np.random.default_rng(seed + 7)
    labelled = rng.choice(len(d.X_train), n_labelled, replace=False)
    student = mlp(STUDENT_SIZES, rng=rng)
    if distil:
        logits = predict_logits(teacher(seed), d.X_train) / temperature
        soft = np.exp(logits - logits.max(axis=1, keepdims=True))
        soft /= soft.sum(axis=1, keepdims=True)
        train(student, d.X_train, d.y_train, epochs=20, rng=seed, soft=soft,
              temperature=temperature)
    else:
        epochs = max(20, 10_000 // n_labelled)
        train(student, d.X_train[labelled], d.y_train[labelled], epochs=epochs, rng=seed)
    return accuracy_of(student, d.X_test, d.y_test)


@dataclass(frozen=True)
class CompressionRow:
    method: str
    accuracy: float
    kib: float


def compression_table(seed=0, fractions=(0.5, 0.8, 0.9, 0.95)):
    """Rows of (method, test accuracy, size in KiB) for the teacher, pruning with and
    without fine-tuning, int8 quantisation and the distilled student."""
    d = split_digits(seed)
    big = teacher(seed)
    rows = [CompressionRow("original (float32)", accuracy_of(big, d.X_test, d.y_test),
                           dense_kib(big))]
    for f in fractions:
        for ft in (False, True):
            model, acc = pruned_model(f, ft, seed)
            label = f"pruned {round(100 * f)} %" + (", fine-tuned" if ft else "")
            rows.append(CompressionRow(label, acc, sparse_kib(model)))
    q, _ = quantize_int8(big)
    rows.append(CompressionRow("int8 quantised", accuracy_of(q, d.X_test, d.y_test),
                               int8_kib(big)))
    student = mlp(STUDENT_SIZES, rng=0)
    rows.append(CompressionRow("distilled student 64-16-10",
                               distil_run(len(d.X_train), True, seed), dense_kib(student)))
    return rows


# ----------------------------------------------------------------------------- data parallel

def _gradients(model, X, y):
    for p in model.parameters():
        p.grad = None
    cross_entropy(model(X), y).backward()
    return [p.grad.copy() for p in model.parameters()]


def worker_gradients(model, X, y, workers):
    """Data parallelism: the batch split into ``workers`` equal parts, each part's mean
    loss gradient computed separately (as each GPU would), then averaged.

    Returns ``(averaged, whole)``: lists of gradient arrays, one per parameter, from the
    workers and from one pass over the whole batch. They agree when the parts are equal.
    """
    if len(X) % workers:
        raise ValueError(f"workers: expected a divisor of the batch size {len(X)}, "
                         f"got {workers}")
    with single_thread():
        whole = _gradients(model, X, y)
        parts = [_gradients(model, Xp, yp) for Xp, yp in
                 zip(np.split(X, workers), np.split(y, workers))]
    averaged = [sum(g) / workers for g in zip(*parts)]
    return averaged, whole


# ----------------------------------------------------------------------------- sentiment

@functools.lru_cache(maxsize=4)
def sentiment_run(seed=0, n=400, hidden=8):
    """The sentiment starter project: :func:`nnlib.data.reviews.reviews` (n reviews),
    three quarters for training, a bag of words, a network V-hidden-2.

    Returns a dict with the vectoriser, the model, train/test texts, labels and accuracy.
    """
    from nnlib.data.reviews import BagOfWords, reviews

    texts, labels = reviews(n, rng=seed)
    cut = 3 * n // 4
    bow = BagOfWords().fit(texts[:cut])
    X_train, X_test = bow.transform(texts[:cut]), bow.transform(texts[cut:])
    model = mlp((len(bow.words), hidden, 2), rng=seed)
    train(model, X_train, labels[:cut], epochs=30, rng=seed)
    return {"bow": bow, "model": model, "texts_test": texts[cut:], "y_test": labels[cut:],
            "accuracy": accuracy_of(model, X_test, labels[cut:]), "n_train": cut,
            "X_test": X_test}
