"""Speed benchmark: a small transformer encoder, nnlib against hand-written numpy and PyTorch.

Run with ``.venv/bin/python benchmarks/bench_transformer.py [--threads N] [--torch-threads N]``
(``make bench`` calls :func:`main`). Not part of ``make test``; it takes about 15 seconds
on a quiet two-core machine.

Workload: reverse a sequence of tokens. Batches of 64 random sequences of T = 8 or 16
tokens from a vocabulary of 16; the target at position t is the token at position T-1-t.
The network, float32::

    Embedding(16, 32) + sinusoidal positions                  # (N, T, 32)
    2 x TransformerEncoderLayer(d_model=32, nhead=2, dim_feedforward=128)
                                                              # post-norm, ReLU, no dropout
    Linear(32, 16)                                            # logits (N, T, 16)

trained with softmax cross-entropy over all N * T positions and Adam (lr 3e-3). One step =
forward, backward, Adam update.

Implementations, all starting from the same weights and fed the same batches:

- ``nnlib``: the layers of ``nnlib.nn`` (Embedding, PositionalEncoding, TransformerEncoder,
  Linear), ``nnlib.losses.cross_entropy`` and ``nnlib.optim.Adam``; each encoder layer runs
  as one graph node (its forward and backward written with numpy);
- ``numpy``: :class:`NumpyTransformer` below, the same network written directly with numpy
  by someone who knows the tricks: the query, key and value projections packed into one
  (D, 3D) matrix product, all heads in one batched product through a reshape, layer norm
  and softmax with hand-derived backward passes, ReLU and Adam in place. nnlib must stay
  within 1.2x of its time per step;
- ``torch``: ``torch.nn.TransformerEncoder`` (``batch_first=True``) and
  ``torch.optim.Adam``, only if PyTorch is installed (never a dependency of the course),
  with ``--torch-threads`` threads (2).

Timing: the implementations take turns, 15 steps each (nnlib, numpy, torch, nnlib, ...), so
all of them run under the same machine load; each figure is the median over the timed
steps, after a few warm-up steps. (Turns of one step each made every implementation pay for
the others' use of the memory allocator: page faults after glibc returned memory to the
system moved the ratio by up to 0.3.) With one BLAS thread (the default) nnlib and numpy
are timed by the CPU time of the thread that runs them (all their work), which other
programs on a shared machine barely disturb and PyTorch's idle worker threads do not
inflate. PyTorch's time is the wall time when it uses more than one thread (its CPU time
would add up both cores); on a busy machine its threads wait for each other and that
figure can grow tenfold, so ``--torch-threads 1`` (timed by CPU time) gives the steadier
comparison there. The first step's loss is printed for each implementation: they compute
the same function from the same weights. The exit status of ``main`` is 1 if a target
fails.
"""
import argparse
import math
import os
import sys
import time

import numpy as np

VOCAB, D_MODEL, HEADS, FEEDFORWARD, LAYERS = 16, 32, 2, 128, 2
BATCH, LENGTHS, LR = 64, (8, 16), 3e-3
WARMUP, STEPS, BLOCK = 5, 100, 15
MAX_RATIO_TO_NUMPY = 1.2
SEED = 0

# "cpu" is the calling thread's CPU time, not the process's: PyTorch's worker threads keep
# spinning for a moment after each of its steps, and the process's CPU time would charge
# that to whichever implementation runs next.
_CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}


def batches(length, count, seed=SEED):
    """``count`` pairs ``(ids, targets)``, each int64 (BATCH, length): reverse the ids."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        ids = rng.integers(0, VOCAB, size=(BATCH, length))
        out.append((ids, np.ascontiguousarray(ids[:, ::-1])))
    return out


# ---------------------------------------------------------------------------- nnlib

class NnlibRunner:
    """The network built from nnlib's layers, one training step at a time."""

    def __init__(self, max_len):
        from nnlib import losses, nn, optim

        f32 = np.float32
        rng = np.random.default_rng(SEED)
        self.embedding = nn.Embedding(VOCAB, D_MODEL, rng=rng, dtype=f32)
        self.positions = nn.PositionalEncoding(D_MODEL, max_len=max_len, dtype=f32)
        self.encoder = nn.TransformerEncoder(
            lambda: nn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, rng=rng,
                                               dtype=f32), LAYERS)
        self.head = nn.Linear(D_MODEL, VOCAB, rng=rng, dtype=f32, init="xavier")
        self.model = nn.Sequential(self.embedding, self.positions, self.encoder, self.head)
        self.opt = optim.Adam(self.model.parameters(), lr=LR)
        self.cross_entropy = losses.cross_entropy

    def step(self, ids, targets):
        logits = self.model(ids)                               # (N, T, V)
        loss = self.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


# ---------------------------------------------------------------------------- the reference

def _layer_norm(x, gain, shift, eps=1e-5):
    """Layer norm over the last axis of (M, D); returns y and what the backward needs."""
    centred = x - x.mean(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(np.mean(centred * centred, axis=1, keepdims=True) + eps)
    x_hat = centred
    x_hat *= inv_std
    return x_hat * gain + shift, (x_hat, inv_std, gain)


def _layer_norm_backward(dy, cache):
    x_hat, inv_std, gain = cache
    d_hat = dy * gain
    dx = d_hat - d_hat.mean(axis=1, keepdims=True)
    dx -= x_hat * np.mean(d_hat * x_hat, axis=1, keepdims=True)
    dx *= inv_std
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


class NumpyTransformer:
    """The benchmark's network in plain numpy: forward, backward and Adam by hand.

    Activations are (M, D) with M = N * T rows; attention reshapes them to (N, H, T, d).
    Per layer: ``w_qkv`` (D, 3D) and ``b_qkv``, ``w_out`` (D, D), ``w1`` (D, F), ``w2`` (F, D)
    and biases, layer-norm gains and shifts ``g1, s1, g2, s2``.
    """

    def __init__(self, embedding, layers, head_w, head_b, pe, lr=LR, betas=(0.9, 0.999),
                 eps=1e-8):
        self.embedding, self.layers, self.pe = embedding, layers, pe
        self.head_w, self.head_b = head_w, head_b
        self.params = [embedding] + [p for layer in layers for p in layer.values()]
        self.params += [head_w, head_b]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.zeros_like(p) for p in self.params]
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0

    def _layer_forward(self, x, p, n, length):
        d = D_MODEL // HEADS
        qkv = x @ p["w_qkv"]
        qkv += p["b_qkv"]
        q, k, v = qkv.reshape(n, length, 3, HEADS, d).transpose(2, 0, 3, 1, 4)
        weights = q @ k.transpose(0, 1, 3, 2)                  # (N, H, T, T)
        weights *= 1 / math.sqrt(d)
        weights -= weights.max(axis=-1, keepdims=True)
        np.exp(weights, out=weights)
        weights /= weights.sum(axis=-1, keepdims=True)
        heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n * length, D_MODEL)
        attended = heads @ p["w_out"]
        attended += p["b_out"]
        attended += x
        y1, ln1 = _layer_norm(attended, p["g1"], p["s1"])
        hidden = y1 @ p["w1"]
        hidden += p["b1"]
        np.maximum(hidden, 0, out=hidden)
        out = hidden @ p["w2"]
        out += p["b2"]
        out += y1
        y2, ln2 = _layer_norm(out, p["g2"], p["s2"])
        return y2, (x, q, k, v, weights, heads, y1, ln1, hidden, ln2)

    def _layer_backward(self, dy, cache, p, n, length):
        x, q, k, v, weights, heads, y1, ln1, hidden, ln2 = cache
        d = D_MODEL // HEADS
        d_out, dg2, ds2 = _layer_norm_backward(dy, ln2)
        dw2, db2 = hidden.T @ d_out, d_out.sum(axis=0)
        d_hidden = d_out @ p["w2"].T
        d_hidden *= hidden > 0
        dw1, db1 = y1.T @ d_hidden, d_hidden.sum(axis=0)
        dy1 = d_hidden @ p["w1"].T
        dy1 += d_out
        d_att, dg1, ds1 = _layer_norm_backward(dy1, ln1)
        dw_out, db_out = heads.T @ d_att, d_att.sum(axis=0)
        d_heads = (d_att @ p["w_out"].T).reshape(n, length, HEADS, d).transpose(0, 2, 1, 3)
        dv = weights.transpose(0, 1, 3, 2) @ d_heads
        d_weights = d_heads @ v.transpose(0, 1, 3, 2)
        d_scores = d_weights * weights                         # softmax backward
        d_scores -= weights * d_scores.sum(axis=-1, keepdims=True)
        d_scores *= 1 / math.sqrt(d)
        dq, dk = d_scores @ k, d_scores.transpose(0, 1, 3, 2) @ q
        d_qkv = np.stack([dq, dk, dv]).transpose(1, 3, 0, 2, 4).reshape(n * length, -1)
        dw_qkv, db_qkv = x.T @ d_qkv, d_qkv.sum(axis=0)
        dx = d_qkv @ p["w_qkv"].T
        dx += d_att
        grads = {"w_qkv": dw_qkv, "b_qkv": db_qkv, "w_out": dw_out, "b_out": db_out,
                 "g1": dg1, "s1": ds1, "w1": dw1, "b1": db1, "w2": dw2, "b2": db2,
                 "g2": dg2, "s2": ds2}
        return dx, [grads[name] for name in p]

    def loss_and_grads(self, ids, targets):
        n, length = ids.shape
        x = (self.embedding[ids] + self.pe[:length]).reshape(n * length, D_MODEL)
        caches = []
        for p in self.layers:
            x, cache = self._layer_forward(x, p, n, length)
            caches.append(cache)
        logits = x @ self.head_w
        logits += self.head_b
        y, m = targets.reshape(-1), n * length
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        total = probs.sum(axis=1, keepdims=True)
        loss = float(np.log(total).sum() - logits[np.arange(m), y].sum()) / m
        probs /= total
        probs[np.arange(m), y] -= 1
        probs *= 1 / m                                         # dL/dlogits
        grads_head = [x.T @ probs, probs.sum(axis=0)]
        dx = probs @ self.head_w.T
        grads_layers = []
        for p, cache in zip(reversed(self.layers), reversed(caches)):
            dx, grads = self._layer_backward(dx, cache, p, n, length)
            grads_layers = grads + grads_layers
        d_embedding = np.zeros_like(self.embedding)
        np.add.at(d_embedding, ids.reshape(-1), dx)
        return loss, [d_embedding] + grads_layers + grads_head

    def adam_step(self, grads):
        """In-place Adam, as ``torch.optim.Adam`` (one scratch array per parameter)."""
        self.t += 1
        beta1, beta2 = self.betas
        step = self.lr / (1 - beta1 ** self.t)
        scale = 1 / math.sqrt(1 - beta2 ** self.t)
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp):
            m *= beta1
            np.multiply(g, 1 - beta1, out=tmp)
            m += tmp
            v *= beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - beta2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp *= scale
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp

    def step(self, ids, targets):
        loss, grads = self.loss_and_grads(ids, targets)
        self.adam_step(grads)
        return loss


def numpy_reference(runner):
    """A :class:`NumpyTransformer` holding copies of the nnlib runner's initial weights."""
    def c(tensor):
        return np.array(tensor.data, copy=True)

    layers = []
    for layer in runner.encoder.layers:
        attn = layer.self_attn
        layers.append({
            "w_qkv": np.concatenate([c(attn.q_proj.weight), c(attn.k_proj.weight),
                                     c(attn.v_proj.weight)], axis=1),
            "b_qkv": np.concatenate([c(attn.q_proj.bias), c(attn.k_proj.bias),
                                     c(attn.v_proj.bias)]),
            "w_out": c(attn.out_proj.weight), "b_out": c(attn.out_proj.bias),
            "g1": c(layer.norm1.weight), "s1": c(layer.norm1.bias),
            "w1": c(layer.linear1.weight), "b1": c(layer.linear1.bias),
            "w2": c(layer.linear2.weight), "b2": c(layer.linear2.bias),
            "g2": c(layer.norm2.weight), "s2": c(layer.norm2.bias),
        })
    return NumpyTransformer(c(runner.embedding.weight), layers, c(runner.head.weight),
                            c(runner.head.bias), np.array(runner.positions.pe))


# ---------------------------------------------------------------------------- PyTorch

class TorchRunner:
    """The same network in PyTorch, with the nnlib runner's initial weights."""

    def __init__(self, runner):
        import torch

        self.torch = torch
        t = torch.nn
        self.embedding = t.Embedding(VOCAB, D_MODEL)
        layer = t.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dropout=0.0,
                                          batch_first=True)
        self.encoder = t.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.head = t.Linear(D_MODEL, VOCAB)
        self.pe = torch.from_numpy(np.array(runner.positions.pe))
        self._copy_weights(runner)
        self.modules = t.ModuleList([self.embedding, self.encoder, self.head])
        self.opt = torch.optim.Adam(self.modules.parameters(), lr=LR)
        self.loss_fn = t.CrossEntropyLoss()

    def _copy_weights(self, runner):
        torch = self.torch

        def put(target, array, transpose=False):
            array = np.array(array.data, copy=True)
            target.copy_(torch.from_numpy(array.T.copy() if transpose else array))

        with torch.no_grad():
            put(self.embedding.weight, runner.embedding.weight)
            put(self.head.weight, runner.head.weight, True)
            put(self.head.bias, runner.head.bias)
            for ours, theirs in zip(runner.encoder.layers, self.encoder.layers):
                attn = ours.self_attn
                w = np.concatenate([attn.q_proj.weight.data, attn.k_proj.weight.data,
                                    attn.v_proj.weight.data], axis=1)
                b = np.concatenate([attn.q_proj.bias.data, attn.k_proj.bias.data,
                                    attn.v_proj.bias.data])
                put(theirs.self_attn.in_proj_weight, w, True)
                put(theirs.self_attn.in_proj_bias, b)
                put(theirs.self_attn.out_proj.weight, attn.out_proj.weight, True)
                put(theirs.self_attn.out_proj.bias, attn.out_proj.bias)
                for name in ("linear1", "linear2"):
                    put(getattr(theirs, name).weight, getattr(ours, name).weight, True)
                    put(getattr(theirs, name).bias, getattr(ours, name).bias)
                for name in ("norm1", "norm2"):
                    put(getattr(theirs, name).weight, getattr(ours, name).weight)
                    put(getattr(theirs, name).bias, getattr(ours, name).bias)

    def step(self, ids, targets):
        torch = self.torch
        ids, targets = torch.from_numpy(ids), torch.from_numpy(targets)
        x = self.embedding(ids) + self.pe[: ids.shape[1]]
        logits = self.head(self.encoder(x))
        loss = self.loss_fn(logits.reshape(-1, VOCAB), targets.reshape(-1))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------- timing

def time_steps(runners, clocks, length):
    """Train every runner on the same batches, taking turns block by block.

    Each runner does ``BLOCK`` steps, then the next one does the same ``BLOCK`` batches,
    and so on: all of them run under the same machine load, and each one runs long enough
    in a row to find its own steady state in the memory allocator (steps that alternate
    one by one make each implementation pay for the other's heap). Returns
    ``{name: (median seconds per step, first loss, last loss)}``.
    """
    data = batches(length, WARMUP + STEPS)
    times = {name: [] for name in runners}
    losses = {name: [] for name in runners}
    for start in range(0, len(data), BLOCK):
        for name, runner in runners.items():
            clock = clocks[name]
            for i in range(start, min(start + BLOCK, len(data))):
                ids, targets = data[i]
                begin = clock()
                losses[name].append(runner.step(ids, targets))
                if i >= WARMUP:
                    times[name].append(clock() - begin)
    return {name: (float(np.median(times[name])), losses[name][0], losses[name][-1])
            for name in runners}


def run(threads=1, torch_threads=2):
    """Time every implementation at each length; returns (results, checks)."""
    from threadpoolctl import threadpool_limits

    with_torch = torch_available()
    clock_kind = "cpu" if threads == 1 else "wall"
    clocks = {"nnlib": _CLOCKS[clock_kind], "numpy": _CLOCKS[clock_kind]}
    if with_torch:
        import torch

        torch.set_num_threads(torch_threads)
        clocks["torch"] = _CLOCKS["cpu" if torch_threads == 1 else "wall"]
    print(f"transformer encoder: d_model {D_MODEL}, {HEADS} heads, feed-forward "
          f"{FEEDFORWARD}, {LAYERS} layers, vocabulary {VOCAB}, batch {BATCH}, float32, "
          f"Adam lr {LR:g}; median of {STEPS} steps after {WARMUP} warm-up steps")
    print(f"nnlib and numpy: {threads} BLAS thread(s), {clock_kind} time"
          + (f"; torch: {torch_threads} thread(s), "
             f"{'cpu' if torch_threads == 1 else 'wall'} time" if with_torch
             else "; PyTorch is not installed: its row is skipped"))
    results, checks = {}, []
    with threadpool_limits(limits=threads, user_api="blas"):
        for length in LENGTHS:
            nnlib_runner = NnlibRunner(max(LENGTHS))
            runners = {"nnlib": nnlib_runner, "numpy": numpy_reference(nnlib_runner)}
            if with_torch:
                runners["torch"] = TorchRunner(nnlib_runner)
            res = time_steps(runners, clocks, length)
            results[length] = res
            print(f"\n  T = {length}")
            for name, (seconds, first, last) in res.items():
                print(f"    {name:<6} {seconds * 1e3:8.2f} ms/step   loss {first:.4f} "
                      f"(step 1) -> {last:.4f} (step {WARMUP + STEPS})")
            ratio = res["nnlib"][0] / res["numpy"][0]
            checks.append((f"T={length}: nnlib / numpy = {ratio:.2f}x (<= "
                           f"{MAX_RATIO_TO_NUMPY}x)", ratio <= MAX_RATIO_TO_NUMPY))
            same = all(abs(r[1] - res["nnlib"][1]) < 1e-4 for r in res.values())
            checks.append((f"T={length}: every implementation's first loss agrees "
                           f"(to 1e-4)", same))
            if with_torch:
                print(f"    nnlib / torch = {res['nnlib'][0] / res['torch'][0]:.2f}x, "
                      f"numpy / torch = {res['numpy'][0] / res['torch'][0]:.2f}x")
    return results, checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for nnlib and numpy (default 1: CPU-time clock)")
    parser.add_argument("--torch-threads", type=int, default=2,
                        help="PyTorch threads (default 2)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(f"nnlib transformer benchmark: numpy {np.__version__}, {os.cpu_count()} CPUs")
    _, checks = run(args.threads, args.torch_threads)
    print("\nTargets")
    failed = 0
    for text, ok in checks:
        failed += not ok
        print(f"    {'PASS' if ok else 'FAIL'}  {text}")
    print(f"\nbenchmark took {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
