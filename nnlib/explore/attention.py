"""The computations of chapter 14, *Attention and transformers*: a lookup by hand, the
scale of the scores, a tiny transformer on toy sequences, and timings against an LSTM.

Four parts, each used by the chapter's notebook, its figures (:mod:`nnlib.viz.attention`)
and its explorer:

- **A soft dictionary lookup** (:data:`WORDS`, :data:`KEYS`, :data:`VALUES`,
  :data:`QUERIES`, :func:`soft_lookup`): three words with hand-set 2-number keys and values,
  and a query compared with every key. Every intermediate number is returned, so that the
  chapter can print the table a reader checks by hand.
- **Why the scores are scaled** (:func:`softmax_saturation`, :func:`softmax_gradient_size`):
  random queries and keys of growing size d; without the factor ``1 / sqrt(d)`` the scores
  spread out like ``sqrt(d)`` and the softmax saturates (one weight near 1, gradients near 0).
- **A tiny transformer** (:class:`TinyTransformer`, :data:`PRESETS`, :func:`train_toy`,
  :class:`ToyRun`, :func:`mirror_share`): an embedding, sinusoidal positions, ONE
  ``TransformerEncoderLayer`` and a linear read-out, trained with Adam on the tasks of
  :mod:`nnlib.data.toy_sequences` (reverse or sort 8 digits). A run keeps snapshots of its
  attention maps and predictions during training (the explorer scrubs through them); runs
  are cached, so the notebook, the figures and the explorer train each one once.
- **Sequential against parallel** (:func:`time_layers`, :func:`one_position`): forward +
  backward time of nnlib's LSTM and transformer layer for growing sequence lengths, and the
  transformer's output at one position computed from the inputs alone.

Every run is seeded and deterministic, in float64 and with one BLAS thread: float32's
last-bit rounding differs between processors and, over hundreds of Adam steps, could move
a reported accuracy; the book's numbers must come out the same on every machine.
"""
import functools
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from nnlib import losses, nn, optim
from nnlib.data.toy_sequences import TASKS, toy_sequences
from nnlib.tensor import Tensor
from nnlib.explore.runs import check_int, one_blas_thread

__all__ = [
    "WORDS", "FEATURES", "KEYS", "VALUE_NAMES", "VALUES", "QUERIES", "Lookup",
    "soft_lookup", "softmax", "softmax_gradient_size", "softmax_saturation",
    "TinyTransformer", "PRESETS", "TEST_SEED", "TEST_SIZE", "EVAL_SIZE", "PROBES",
    "Snapshot", "ToyRun", "train_toy", "accuracy", "mirror_share", "diagonal_share",
    "attention_by_value",
    "time_layers", "one_position",
]


# ---------------------------------------------------------------------------- lookup by hand

#: The three words of the hand-worked lookup.
WORDS = ("cat", "dog", "car")
#: What each number of a key or query measures.
FEATURES = ("alive (+) or machine (-)", "big (+) or small (-)")
#: Keys (3, 2): one row per word of :data:`WORDS`, in the units of :data:`FEATURES`.
KEYS = np.array([[2.0, -1.0],
                 [2.0, 1.0],
                 [-2.0, 1.0]])
#: What each number of a value holds.
VALUE_NAMES = ("legs", "wheels")
#: Values (3, 2): the facts stored under each word.
VALUES = np.array([[4.0, 0.0],
                   [4.0, 0.0],
                   [0.0, 4.0]])
#: Queries by name: words that are NOT in the dictionary, described in the keys' units.
QUERIES = {"kitten": np.array([2.0, -2.0]), "robot dog": np.array([0.0, 1.0])}


@dataclass(frozen=True)
class Lookup:
    """Every number of one soft lookup (see :func:`soft_lookup`).

    query (d,); scores, scaled, exps, weights (S,); contributions (S, dv) = weights[:, None]
    * values; output (dv,); scale = 1 / sqrt(d) (or 1).
    """

    query: np.ndarray
    scores: np.ndarray
    scale: float
    scaled: np.ndarray
    exps: np.ndarray
    weights: np.ndarray
    contributions: np.ndarray
    output: np.ndarray


def softmax(scores, axis=-1):
    """exp(s) / sum(exp(s)) along ``axis`` (computed after subtracting the largest score)."""
    scores = np.asarray(scores, dtype=float)
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def soft_lookup(query, keys=KEYS, values=VALUES, scaled=True):
    """A soft dictionary lookup: compare ``query`` with every key, blend the values.

    query : (d,) or the name of one of :data:`QUERIES`
    keys : (S, d);  values : (S, dv)
    scaled : bool, divide the scores by sqrt(d) (scaled dot-product attention) or not

    Steps: ``scores = keys @ query``; ``scaled = scores / sqrt(d)``; ``weights =
    softmax(scaled)`` (they are positive and sum to 1); ``output = weights @ values``.
    Returns a :class:`Lookup` holding every intermediate number.
    """
    if isinstance(query, str):
        if query not in QUERIES:
            raise ValueError(f"query: expected a vector or one of {sorted(QUERIES)}, "
                             f"got {query!r}")
        query = QUERIES[query]
    q = np.asarray(query, dtype=float)
    k = np.asarray(keys, dtype=float)
    v = np.asarray(values, dtype=float)
    if k.ndim != 2 or q.shape != (k.shape[1],):
        raise ValueError(f"query, keys: expected shapes (d,) and (S, d), got {q.shape} and "
                         f"{k.shape}")
    if v.ndim != 2 or len(v) != len(k):
        raise ValueError(f"values: expected shape (S, dv) with S = {len(k)} (one row per "
                         f"key), got {v.shape}")
    scores = k @ q                                          # (S,)
    scale = 1.0 / math.sqrt(len(q)) if scaled else 1.0
    s = scores * scale
    exps = np.exp(s - s.max())
    weights = exps / exps.sum()
    contributions = weights[:, None] * v                    # (S, dv)
    return Lookup(q, scores, scale, s, np.exp(s), weights, contributions,
                  contributions.sum(axis=0))


# ---------------------------------------------------------------------------- the scale

def softmax_gradient_size(weights):
    """How strongly softmax weights react to their scores: the Frobenius norm of the
    Jacobian ``d weights / d scores = diag(p) - p p^T``, for each row of ``weights``
    (..., S) -> (...). About 0.33 for 8 equal weights; 0 when one weight is 1 and the
    others 0 (the softmax is saturated: nudging a score changes nothing).
    """
    p = np.asarray(weights, dtype=float)
    jac = -p[..., :, None] * p[..., None, :]
    idx = np.arange(p.shape[-1])
    jac[..., idx, idx] += p
    return np.sqrt(np.sum(jac * jac, axis=(-2, -1)))


def softmax_saturation(dims=(2, 8, 32, 128, 512), n_keys=8, trials=2000, rng=None):
    """Random queries and keys (entries N(0, 1)) of each size d in ``dims``: how spread
    their dot products are, and what the softmax makes of them, with and without the
    scale ``1 / sqrt(d)``.

    Returns a dict of arrays, one value per d: ``"dims"``; ``"score_std"`` and
    ``"scaled_std"`` (standard deviation of the raw and scaled scores); ``"top_weight"``
    and ``"scaled_top_weight"`` (mean largest weight of the ``n_keys``); ``"gradient"``
    and ``"scaled_gradient"`` (mean :func:`softmax_gradient_size`); and ``"n_keys"``.
    """
    dims = tuple(check_int("dims", d, 1) for d in dims)
    n_keys = check_int("n_keys", n_keys, 2)
    trials = check_int("trials", trials, 1)
    rng = np.random.default_rng(0) if rng is None else np.random.default_rng(rng)
    out = {name: [] for name in ("score_std", "scaled_std", "top_weight",
                                 "scaled_top_weight", "gradient", "scaled_gradient")}
    for d in dims:
        q = rng.standard_normal((trials, 1, d))
        k = rng.standard_normal((trials, n_keys, d))
        scores = np.sum(q * k, axis=-1)                     # (trials, n_keys)
        for prefix, s in (("", scores), ("scaled_", scores / math.sqrt(d))):
            w = softmax(s)
            out[f"{prefix}top_weight"].append(w.max(axis=-1).mean())
            out[f"{prefix}gradient"].append(softmax_gradient_size(w).mean())
        out["score_std"].append(scores.std())
        out["scaled_std"].append((scores / math.sqrt(d)).std())
    result = {name: np.array(values) for name, values in out.items()}
    result["dims"] = np.array(dims)
    result["n_keys"] = n_keys
    return result


# ---------------------------------------------------------------------------- the model

class TinyTransformer(nn.Module):
    """Chapter 14's transformer: tokens -> vectors -> one encoder layer -> scores.

    ``embedding`` (V -> D) turns each token into a learned vector, ``positions`` adds the
    sinusoidal position code (unless ``positional=False``), ``encoder`` is ONE
    :class:`~nnlib.nn.TransformerEncoderLayer` (self-attention and a feed-forward block,
    post-norm, ReLU, no dropout) and ``head`` (D -> V) gives every position one score per
    possible token.

    Parameters
    ----------
    vocab : int, V, the number of different tokens
    d_model : int, D, the size of every position's vector
    nhead : int, the number of attention heads (divides d_model)
    dim_feedforward : int, the hidden size of the feed-forward block
    length : int, the longest sequence T (the table of position codes)
    positional : bool, add the position codes
    causal : bool, position t may only attend to positions <= t
    rng : np.random.Generator or int seed, the initial weights

    Input ids (N, T) of integers in [0, V) -> logits (N, T, V).
    """

    def __init__(self, vocab=10, d_model=16, nhead=1, dim_feedforward=64, length=8,
                 positional=True, causal=False, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.embedding = nn.Embedding(vocab, d_model, rng=rng)
        self.positions = nn.PositionalEncoding(d_model, max_len=length)
        self.encoder = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, rng=rng)
        self.head = nn.Linear(d_model, vocab, rng=rng, init="xavier")
        self.positional = bool(positional)
        self.causal = bool(causal)
        self.length = length

    def _mask(self, length):
        return nn.generate_square_subsequent_mask(length) if self.causal else None

    def embed(self, ids):
        """ids (N, T) -> the encoder's input (N, T, D): token vectors plus positions."""
        x = self.embedding(ids)
        return self.positions(x) if self.positional else x

    def forward(self, ids):
        x = self.embed(ids)                                     # (N, T, D)
        return self.head(self.encoder(x, src_mask=self._mask(x.shape[1])))   # (N, T, V)

    def predict(self, ids):
        """The most likely token at every position, int array (N, T)."""
        return self(ids).data.argmax(axis=-1)

    def attention_maps(self, ids):
        """The attention weights of every head, array (N, heads, T, T): row t says how
        much position t's output looks at each input position."""
        x = self.embed(ids)
        _, weights = self.encoder.self_attn(x, x, x, attn_mask=self._mask(x.shape[1]),
                                            need_weights=True, average_attn_weights=False)
        return weights.data


#: The chapter's two settings: the task and the model, the number of Adam steps and the
#: learning rate (batches of 64 fresh sequences of 8 digits).
PRESETS = {
    "reverse": {"d_model": 16, "nhead": 1, "dim_feedforward": 64, "steps": 500, "lr": 0.01},
    "sort": {"d_model": 32, "nhead": 2, "dim_feedforward": 128, "steps": 1000,
             "lr": 0.003},
}
#: Seed of the test sequences (the same for every run); TEST_SIZE of them.
TEST_SEED, TEST_SIZE = 2024, 2000
#: Sequences scored at every snapshot (a fixed set drawn with seed TEST_SEED + 1).
EVAL_SIZE = 256
#: The example sequences whose attention maps every snapshot keeps.
PROBES = (np.array([3, 8, 1, 9, 4, 0, 6, 2]), np.array([7, 2, 9, 2, 0, 5, 7, 1]))
BATCH_SIZE, LENGTH, VOCAB = 64, 8, 10


@dataclass
class Snapshot:
    """The state of a run after ``step`` Adam steps: accuracy on the EVAL_SIZE sequences,
    and for each of the :data:`PROBES` its attention maps (P, heads, T, T) and
    predictions (P, T)."""

    step: int
    accuracy: float
    maps: np.ndarray
    predictions: np.ndarray


@dataclass
class ToyRun:
    """One training run of :func:`train_toy`.

    ``losses``: the training loss of every step; ``snapshots``: list of :class:`Snapshot`
    (step 0 first); ``test_accuracy``: share of the TEST_SIZE test sequences' digits
    predicted right; ``test_sequence_accuracy``: share of test sequences entirely right;
    ``seconds``: CPU time of the training loop (varies from machine to machine).
    """

    task: str
    seed: int
    settings: dict
    model: TinyTransformer
    losses: np.ndarray
    snapshots: list = field(default_factory=list)
    test_accuracy: float = 0.0
    test_sequence_accuracy: float = 0.0
    seconds: float = 0.0

    @property
    def steps(self):
        return len(self.losses)

    def snapshot(self, step):
        """The snapshot taken after exactly ``step`` steps (ValueError if there is none)."""
        for snap in self.snapshots:
            if snap.step == step:
                return snap
        taken = [s.step for s in self.snapshots]
        raise ValueError(f"step: expected one of the snapshot steps {taken}, got {step!r}")


def accuracy(model, ids, targets):
    """(share of tokens right, share of sequences entirely right) of ``model`` on ids
    (N, T) against targets (N, T)."""
    right = model.predict(ids) == targets
    return float(right.mean()), float(right.all(axis=1).mean())


def train_toy(task="reverse", seed=0, steps=None, lr=None, d_model=None, nhead=None,
              dim_feedforward=None, positional=True, causal=False, snapshot_every=None):
    """Train a :class:`TinyTransformer` on ``task`` (cached: the same arguments return
    the same :class:`ToyRun` object).

    Settings left as None come from :data:`PRESETS` (the task's own, or the reversal's
    for "copy" and "shift"). Each step draws a fresh batch of BATCH_SIZE sequences of
    LENGTH digits; the loss is the cross-entropy over all N * T positions; the optimiser
    is Adam. ``seed`` sets the initial weights and the batches. A snapshot is taken
    every ``snapshot_every`` steps (default: steps // 20) and after the last step.
    """
    if task not in TASKS:
        raise ValueError(f"task: expected one of {', '.join(map(repr, TASKS))}, got {task!r}")
    preset = PRESETS.get(task, PRESETS["reverse"])
    given = {"steps": steps, "lr": lr, "d_model": d_model, "nhead": nhead,
             "dim_feedforward": dim_feedforward}
    settings = {name: preset[name] if value is None else value
                for name, value in given.items()}
    settings["steps"] = check_int("steps", settings["steps"], 0)
    for name in ("d_model", "nhead", "dim_feedforward"):
        settings[name] = check_int(name, settings[name], 1)
    lr = settings["lr"]
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 < lr < math.inf:
        raise ValueError(f"lr: expected a positive number, got {lr!r}")
    settings["lr"] = float(lr)
    if snapshot_every is None:
        snapshot_every = max(1, settings["steps"] // 20)
    snapshot_every = check_int("snapshot_every", snapshot_every, 1)
    seed = check_int("seed", seed, 0)
    return _train_toy(task, seed, tuple(sorted(settings.items())), bool(positional),
                      bool(causal), snapshot_every)


@functools.lru_cache(maxsize=32)
def _train_toy(task, seed, settings, positional, causal, snapshot_every):
    """:func:`train_toy` without the checks; ``settings`` is a sorted tuple of pairs."""
    settings = dict(settings)
    rng = np.random.default_rng(seed)
    model = TinyTransformer(VOCAB, settings["d_model"], settings["nhead"],
                            settings["dim_feedforward"], LENGTH, positional, causal, rng=rng)
    opt = optim.Adam(model.parameters(), lr=settings["lr"])
    eval_ids, eval_targets = toy_sequences(EVAL_SIZE, task, LENGTH, VOCAB, rng=TEST_SEED + 1)
    probes = np.stack(PROBES)
    run = ToyRun(task, seed, settings, model, np.zeros(settings["steps"]))

    def take_snapshot(step):
        acc, _ = accuracy(model, eval_ids, eval_targets)
        run.snapshots.append(Snapshot(step, acc, model.attention_maps(probes),
                                      model.predict(probes)))

    with one_blas_thread():
        start = time.process_time()
        take_snapshot(0)
        for step in range(1, settings["steps"] + 1):
            ids, targets = toy_sequences(BATCH_SIZE, task, LENGTH, VOCAB, rng=rng)
            logits = model(ids)                                   # (N, T, V)
            loss = losses.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            run.losses[step - 1] = loss.item()
            if step % snapshot_every == 0 or step == settings["steps"]:
                take_snapshot(step)
        run.seconds = time.process_time() - start
        test_ids, test_targets = toy_sequences(TEST_SIZE, task, LENGTH, VOCAB, rng=TEST_SEED)
        run.test_accuracy, run.test_sequence_accuracy = accuracy(model, test_ids,
                                                                 test_targets)
    return run


def diagonal_share(maps, offset=0):
    """Mean attention weight on the positions ``s = t - offset`` (wrapping around), over
    every query position t and every leading index: maps (..., T, T) -> float.
    offset 0: the diagonal (each position looks at itself); 1: the previous position."""
    maps = np.asarray(maps, dtype=float)
    length = maps.shape[-1]
    t = np.arange(length)
    return float(maps[..., t, (t - offset) % length].mean())


def mirror_share(maps):
    """Mean attention weight on the mirrored position ``s = T - 1 - t`` (the anti-diagonal),
    over every query position t and every leading index: maps (..., T, T) -> float.
    1 for a perfect reversal map; 1 / T for attention spread evenly."""
    maps = np.asarray(maps, dtype=float)
    length = maps.shape[-1]
    t = np.arange(length)
    return float(maps[..., t, length - 1 - t].mean())


def attention_by_value(model, ids, vocab=VOCAB):
    """How much attention a key gets for the digit it holds, by output position.

    model : a :class:`TinyTransformer`; ids : (N, T) sequences. Returns (heads, T, vocab):
    entry [h, t, v] is head h's mean weight from output position t to a key holding digit
    v, times T (so 1 means "as much as an even spread over the T positions"; NaN for a
    digit that never occurs in ``ids``).
    """
    ids = np.asarray(ids)
    maps = model.attention_maps(ids)                             # (N, H, T, T)
    length = ids.shape[1]
    out = np.full((maps.shape[1], length, vocab), np.nan)
    for v in range(vocab):
        holds = ids == v                                         # (N, T) keys holding v
        if holds.any():
            total = np.einsum("nhts,ns->ht", maps, holds)
            out[:, :, v] = total / holds.sum() * length
    return out


# ---------------------------------------------------------------------------- parallel

def _median_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        function()
        times.append(time.thread_time() - start)
    return float(np.median(times))


def time_layers(lengths=(8, 16, 32, 64, 128), batch=32, tokens=None, d_model=32, nhead=2,
                repeats=5, rng=None):
    """Forward + backward time of nnlib's LSTM and one transformer layer, per length T.

    Both map (N, T, d_model) to (N, T, d_model): ``nn.LSTM(d_model, d_model)`` and
    ``nn.TransformerEncoderLayer(d_model, nhead, 4 * d_model)``; the loss is the sum of the
    outputs. N is ``batch`` sequences, or, when ``tokens`` is given, ``tokens // T``
    sequences (the same number of positions, so the same arithmetic, for every T). Each
    time is the median of ``repeats`` runs, CPU time of the calling thread with one BLAS
    thread (steadier than the wall clock on a shared machine, but still different from run
    to run and machine to machine).

    Returns a dict: ``"lengths"``, ``"batches"`` (N per length) and, for ``"LSTM"`` and
    ``"transformer layer"``, an array of seconds per length.
    """
    lengths = tuple(check_int("lengths", t, 1) for t in lengths)
    batch = check_int("batch", batch, 1)
    if tokens is not None:
        tokens = check_int("tokens", tokens, max(lengths))
    repeats = check_int("repeats", repeats, 1)
    rng = np.random.default_rng(0) if rng is None else np.random.default_rng(rng)
    lstm = nn.LSTM(d_model, d_model, batch_first=True, rng=rng)
    layer = nn.TransformerEncoderLayer(d_model, nhead, 4 * d_model, rng=rng)

    def lstm_pass(x):
        out, _ = lstm(Tensor(x, requires_grad=True))
        out.sum().backward()

    def transformer_pass(x):
        layer(Tensor(x, requires_grad=True)).sum().backward()

    result = {"lengths": np.array(lengths), "batches": [], "LSTM": [],
              "transformer layer": []}
    with one_blas_thread():
        for length in lengths:
            n = batch if tokens is None else tokens // length
            x = rng.standard_normal((n, length, d_model))
            lstm_pass(x)                                          # warm up
            transformer_pass(x)
            result["batches"].append(n)
            result["LSTM"].append(_median_time(lambda: lstm_pass(x), repeats))
            result["transformer layer"].append(_median_time(lambda: transformer_pass(x),
                                                            repeats))
    return {k: np.array(v) for k, v in result.items()}


def one_position(layer, x, t):
    """A post-norm :class:`~nnlib.nn.TransformerEncoderLayer`'s output at position ``t``
    alone, from the layer's inputs x (N, T, D) and nothing else -> (N, D).

    Position t's query is compared with every position's key, and the result goes through
    the same residual, normalisation and feed-forward steps as the whole layer's; no other
    position's OUTPUT is needed, so all T positions could be computed at the same time.
    """
    if layer.norm_first:
        raise ValueError("layer: expected a post-norm layer (norm_first=False), got "
                         "norm_first=True")
    x = np.asarray(x, dtype=float)
    if x.ndim != 3:
        raise ValueError(f"x: expected shape (N, T, D), got {x.shape}")
    t = check_int("t", t, 0, x.shape[1] - 1)
    query = x[:, t:t + 1]                                        # (N, 1, D)
    attended, _ = layer.self_attn(query, x, x, need_weights=False)
    y = layer.norm1(Tensor(query) + attended)
    out = layer.norm2(y + layer.linear2(layer.linear1(y).relu()))
    return out.data[:, 0]
