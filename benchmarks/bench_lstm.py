"""LSTM speed benchmark: nnlib against a hand-written numpy LSTM and PyTorch (issue 10).

Run with ``.venv/bin/python benchmarks/bench_lstm.py [--threads N]`` (``main()`` is what
``make bench`` calls). It prints the seconds per training step of each implementation and
PASS/FAIL for the target; the exit status is 1 if the target fails.

Workload: sequence classification, float32. Batches of N = 64 sequences of T steps with
8 features each (standard normal); the label (one of 4) is the feature among the first four
whose sum over the sequence is largest. The network is ``nn.LSTM(8, H)`` followed by
``nn.Linear(H, 4)`` on the last hidden state, trained with softmax cross-entropy and Adam
(lr 1e-3). Four sizes: H = 32 and 64, T = 20 and 50.

Implementations, all starting from the same weights and fed the same batches:

- ``nnlib``: ``nn.LSTM`` + ``nn.Linear``, ``losses.cross_entropy``, ``optim.Adam``;
- ``numpy``: :class:`NumpyLSTM` below, the reference: what a careful person writes with
  numpy alone (the inputs' products for all steps in one matrix product before the loop, one
  product per step for all four gates, BPTT by hand with the weight gradients summed in one
  product after the loop, Adam in place);
- ``torch``: ``torch.nn.LSTM(batch_first=True)`` + ``torch.nn.Linear``, ``torch.optim.Adam``,
  only if PyTorch is installed (never a dependency of the course).

Timing: the implementations take turns, one training step each, round after round, so all
see the same machine load; the figure is the median over the rounds. As in ``run.py``, one
BLAS (and torch) thread by default with the process's CPU time as the clock, which other
programs on a shared machine barely disturb; ``--threads N`` uses N threads and wall time.
The losses of the three implementations are compared step by step as a check that they
compute the same thing (they agree to float32 rounding).

Target (issue 10): nnlib's time per step at most 1.2x the numpy reference's, on every size.
For orientation, the issue measured the careful numpy LSTM at about 0.9x PyTorch's time per
step at T=20 and 1.7x at T=50 (H=32, 2 threads); nnlib aims at or below PyTorch.
"""
import argparse
import math
import os
import sys
import time

import numpy as np

SIZES = ((32, 20), (32, 50), (64, 20), (64, 50))   # (hidden size H, sequence length T)
BATCH, INPUT_SIZE, CLASSES, LR = 64, 8, 4, 1e-3
N_BATCHES = 8          # distinct batches, cycled
WARMUP, ROUNDS = 5, 40
MAX_RATIO_TO_REFERENCE = 1.2
SEED = 0

_CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}
_clock_kind = "cpu"


def clock():
    """Seconds on the benchmark's clock: CPU time with one thread, else wall time."""
    return _CLOCK[_clock_kind]()


def make_batches(T, rng):
    """``N_BATCHES`` pairs (x (BATCH, T, INPUT_SIZE) float32, y (BATCH,) int64)."""
    batches = []
    for _ in range(N_BATCHES):
        x = rng.standard_normal((BATCH, T, INPUT_SIZE)).astype(np.float32)
        y = x[:, :, :CLASSES].sum(axis=1).argmax(axis=1).astype(np.int64)
        batches.append((x, y))
    return batches


# ---------------------------------------------------------------------------- the reference

def sigmoid(a):
    """Logistic function without overflow: ``sigmoid(a) = (1 + tanh(a / 2)) / 2``."""
    return 0.5 * (np.tanh(0.5 * a) + 1)


class NumpyLSTM:
    """LSTM -> linear head on the last state, softmax cross-entropy, Adam: numpy only.

    Weights (in, out) as nnlib's, gates in PyTorch's order (i, f, g, o), the two biases of
    PyTorch kept apart so that all implementations train the same parameters.
    """

    def __init__(self, w_ih, w_hh, b_ih, b_hh, w_out, b_out, lr, betas=(0.9, 0.999),
                 eps=1e-8):
        self.params = [np.array(p, dtype=np.float32)
                       for p in (w_ih, w_hh, b_ih, b_hh, w_out, b_out)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.zeros_like(p) for p in self.params]
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0

    def loss_and_grads(self, x, y):
        w_ih, w_hh, b_ih, b_hh, w_out, b_out = self.params
        N, T, D = x.shape
        H = w_hh.shape[0]
        # forward: the inputs' part of all steps in one product, time-major (T, N, 4H)
        x_rows = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)
        xw = (x_rows @ w_ih + (b_ih + b_hh)).reshape(T, N, 4 * H)
        hs = np.zeros((T + 1, N, H), np.float32)
        cs = np.zeros((T + 1, N, H), np.float32)
        gates = np.empty((T, N, 4 * H), np.float32)
        tanh_c = np.empty((T, N, H), np.float32)
        for t in range(T):
            a = xw[t] + hs[t] @ w_hh
            gate = gates[t]
            gate[:, :2 * H] = sigmoid(a[:, :2 * H])         # i, f
            gate[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])  # g
            gate[:, 3 * H:] = sigmoid(a[:, 3 * H:])         # o
            i, f, g, o = np.split(gate, 4, axis=1)
            cs[t + 1] = f * cs[t] + i * g
            tanh_c[t] = np.tanh(cs[t + 1])
            hs[t + 1] = o * tanh_c[t]
        logits = hs[T] @ w_out + b_out
        # softmax cross-entropy
        z = logits - logits.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = float(np.mean(log_sum[:, 0] - z[np.arange(N), y]))
        dlogits = np.exp(z - log_sum)
        dlogits[np.arange(N), y] -= 1
        dlogits /= N
        # backward through the head, then through time
        dw_out, db_out = hs[T].T @ dlogits, dlogits.sum(axis=0)
        dh = dlogits @ w_out.T
        dc = np.zeros((N, H), np.float32)
        da = np.empty((T, N, 4 * H), np.float32)     # dL/d(pre-activation), every step
        for t in reversed(range(T)):
            i, f, g, o = np.split(gates[t], 4, axis=1)
            dc += dh * o * (1 - tanh_c[t] ** 2)
            da[t, :, :H] = dc * g * i * (1 - i)
            da[t, :, H:2 * H] = dc * cs[t] * f * (1 - f)
            da[t, :, 2 * H:3 * H] = dc * i * (1 - g * g)
            da[t, :, 3 * H:] = dh * tanh_c[t] * o * (1 - o)
            dh = da[t] @ w_hh.T
            dc *= f
        da_rows = da.reshape(T * N, 4 * H)
        dw_ih = x_rows.T @ da_rows
        dw_hh = hs[:T].reshape(T * N, H).T @ da_rows
        db = da_rows.sum(axis=0)
        return loss, [dw_ih, dw_hh, db, db, dw_out, db_out]

    def adam_step(self, grads):
        """In-place Adam, as in ``run.py``'s reference MLP."""
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

    def step(self, x, y):
        loss, grads = self.loss_and_grads(x, y)
        self.adam_step(grads)
        return loss


# ---------------------------------------------------------------------------- the three runners

class NnlibRunner:
    def __init__(self, H):
        from nnlib import losses, nn, optim

        self.losses = losses
        self.lstm = nn.LSTM(INPUT_SIZE, H, rng=SEED, dtype=np.float32)
        self.head = nn.Linear(H, CLASSES, rng=SEED, dtype=np.float32)
        self.opt = optim.Adam(self.lstm.parameters() + self.head.parameters(), lr=LR)

    def weights(self):
        """Initial weights as arrays: w_ih, w_hh, b_ih, b_hh, w_out, b_out."""
        return [p.data.copy() for p in self.lstm.parameters() + self.head.parameters()]

    def step(self, x, y):
        _, (h_n, _) = self.lstm(x)
        loss = self.losses.cross_entropy(self.head(h_n), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


class NumpyRunner:
    def __init__(self, weights):
        self.model = NumpyLSTM(*weights, lr=LR)

    def step(self, x, y):
        return self.model.step(x, y)


class TorchRunner:
    def __init__(self, weights):
        import torch

        self.torch = torch
        w_ih, w_hh, b_ih, b_hh, w_out, b_out = weights
        H = w_hh.shape[0]
        self.lstm = torch.nn.LSTM(INPUT_SIZE, H, batch_first=True)
        self.head = torch.nn.Linear(H, CLASSES)
        with torch.no_grad():   # PyTorch stores the weights (out, in): transpose
            for name, value in [("weight_ih_l0", w_ih.T), ("weight_hh_l0", w_hh.T),
                                ("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)]:
                getattr(self.lstm, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
            self.head.weight.copy_(torch.from_numpy(np.ascontiguousarray(w_out.T)))
            self.head.bias.copy_(torch.from_numpy(b_out))
        params = list(self.lstm.parameters()) + list(self.head.parameters())
        self.opt = torch.optim.Adam(params, lr=LR)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def step(self, x, y):
        x, y = self.torch.from_numpy(x), self.torch.from_numpy(y)
        self.opt.zero_grad()
        _, (h_n, _) = self.lstm(x)
        loss = self.loss_fn(self.head(h_n[0]), y)
        loss.backward()
        self.opt.step()
        return loss.item()


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_size(H, T, with_torch):
    """Seconds per step (median) and the largest loss difference to nnlib, per runner."""
    batches = make_batches(T, np.random.default_rng(SEED))
    nnlib_runner = NnlibRunner(H)
    weights = nnlib_runner.weights()
    runners = {"nnlib": nnlib_runner, "numpy": NumpyRunner(weights)}
    if with_torch:
        runners["torch"] = TorchRunner(weights)
    times = {name: [] for name in runners}
    losses = {name: [] for name in runners}
    for step in range(WARMUP + ROUNDS):
        x, y = batches[step % N_BATCHES]
        for name, runner in runners.items():
            begin = clock()
            loss = runner.step(x, y)
            elapsed = clock() - begin
            losses[name].append(loss)
            if step >= WARMUP:
                times[name].append(elapsed)
    reference = np.array(losses["nnlib"])
    return {name: (float(np.median(times[name])),
                   float(np.max(np.abs(np.array(losses[name]) - reference))))
            for name in runners}


# ---------------------------------------------------------------------------- report

def blas_description():
    from threadpoolctl import threadpool_info

    libs = [f"{i['internal_api']} {i.get('version') or '?'} ({i['num_threads']} thread"
            f"{'' if i['num_threads'] == 1 else 's'})"
            for i in threadpool_info() if i["user_api"] == "blas"]
    return ", ".join(libs) or "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS (and torch) threads for every implementation (default 1)")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    global _clock_kind
    _clock_kind = "cpu" if args.threads == 1 else "wall"
    start = time.perf_counter()
    with_torch = torch_available()
    if with_torch:
        import torch
        torch.set_num_threads(args.threads)
    results = {}
    with threadpool_limits(limits=args.threads, user_api="blas"):
        print(f"LSTM benchmark: numpy {np.__version__}, BLAS {blas_description()}, "
              f"{os.cpu_count()} CPUs; {_clock_kind} seconds per training step "
              f"(median of {ROUNDS})")
        print(f"LSTM({INPUT_SIZE}, H) -> Linear(H, {CLASSES}) on the last state, batch {BATCH}, "
              f"float32, cross-entropy, Adam lr {LR:g}")
        if not with_torch:
            print("PyTorch is not installed: its column is skipped.")
        header = "    H   T      nnlib      numpy" + ("      torch" if with_torch else "")
        print(header + "   nnlib/numpy" + ("   nnlib/torch   numpy/torch" if with_torch else ""))
        for H, T in SIZES:
            res = results[(H, T)] = run_size(H, T, with_torch)
            line = f"  {H:3d} {T:3d}" + "".join(f"  {res[k][0] * 1e3:6.2f} ms" for k in res)
            line += f"   {res['nnlib'][0] / res['numpy'][0]:10.2f}x"
            if with_torch:
                line += (f"   {res['nnlib'][0] / res['torch'][0]:10.2f}x"
                         f"   {res['numpy'][0] / res['torch'][0]:10.2f}x")
            print(line)
    print("\nTargets")
    failed = 0
    for (H, T), res in results.items():
        ratio = res["nnlib"][0] / res["numpy"][0]
        ok = ratio <= MAX_RATIO_TO_REFERENCE
        failed += not ok
        print(f"    {'PASS' if ok else 'FAIL'}  H={H} T={T}: nnlib / numpy reference = "
              f"{ratio:.2f}x (<= {MAX_RATIO_TO_REFERENCE}x)")
    worst = max(res[k][1] for res in results.values() for k in res)
    agree = worst < 1e-3
    failed += not agree
    print(f"    {'PASS' if agree else 'FAIL'}  the implementations' losses agree step by step "
          f"(largest difference {worst:.1e} < 1e-3)")
    print(f"\nbenchmark took {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
