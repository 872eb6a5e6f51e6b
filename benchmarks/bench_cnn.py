"""Speed benchmark: the chapter-12 CNN on the digits, nnlib against hand-written numpy and PyTorch.

Run with ``.venv/bin/python benchmarks/bench_cnn.py [--threads N] [--torch-threads N]``
(``make bench`` calls :func:`main`). Not part of ``make test``; about 15 s on two cores.

Workload: ``load_digits`` via ``nnlib.datasets.digits`` (1797 images of 8x8, pixels / 16),
a stratified 75/25 split, float32; the network of chapter 12::

    Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2)       # (N, 16, 4, 4)
    Conv2d(16, 32, 3, padding=1) -> ReLU -> MaxPool2d(2)      # (N, 32, 2, 2)
    Flatten -> Linear(128, 10)                                # logits (N, 10)

trained with softmax cross-entropy and Adam (lr 3e-3), batch 64, 30 epochs, for three
seeds (the seed picks the split, the initial weights and the shuffling). With these
settings nnlib reached 98.2-98.9 % test accuracy over seeds 0-5; with lr 2e-3, or batch
128, one seed in four or six fell to 97.3-97.8 %.

Implementations:

- ``nnlib``: ``nnlib.fit`` with ``progress=False`` on a float32 ``nnlib.nn.Sequential``
  (convolutions initialised as PyTorch does, the dense layer with nnlib's default He init);
- ``numpy``: :class:`NumpyCNN` below, the same network written directly with numpy the way
  a careful person writes it from the textbook: channels-last arrays throughout (the C
  numbers of one pixel side by side), im2col on a strided view and one matrix product per
  convolution, weights stored ready for that product, the 2x2 pooling as a reshape and a
  max over the window axes (its gradient to the first maximum of each window, as in
  PyTorch: ties are common, since every blank patch gives the same value), ReLU and Adam
  in place. Its loss and gradients agree with nnlib's to 1e-16 in float64 once the
  weights are copied across. nnlib must stay within 1.2x of its time per epoch. nnlib's
  own kernels go two measured steps further, which the reference does not take: max
  pooling as kH*kW elementwise maxima instead of a reduction over the window axes (about
  4x faster on these shapes), and the bias folded into the im2col product as a column of
  ones (which spares a broadcast add and a column sum that numpy does slowly on a tall
  (N*H*W, 16) array);
- ``torch``: ``torch.nn`` and ``torch.optim.Adam`` with the same layers, only if PyTorch is
  installed (never a dependency of the course).

Timing follows ``benchmarks/run.py``: nnlib trains in one ``nnlib.fit`` call whose callback,
after every nnlib epoch, runs one epoch of the numpy reference and one of PyTorch, so all
three alternate under the same machine load; seconds per epoch are the median over all
epochs of all seeds. With one thread (the default, for BLAS and PyTorch alike) every
implementation is timed by the process's CPU time, which other programs on a shared
machine disturb far less than the wall time. ``--torch-threads 2`` gives PyTorch two threads
(timed by the wall clock, since its CPU time would add up both cores); on a busy 2-core
machine that collapses (3.2 s of wall time per epoch at a load of 8, against 63 ms of CPU
time with one thread), so it is not the default.

Before timing, the benchmark allocates and frees one 16 MB array. That raises glibc's
thresholds for handing freed memory back to the system: without it, a process could
spend a third of its time in page faults, giving memory back after every step and
faulting it in again, and which implementation suffers depended on the run (the numpy
reference's epoch took 31 ms in one process and 50-70 ms in the next). Both
implementations benefit alike. The exit status of ``main`` is 1 if a target fails.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import as_strided

LR, EPOCHS, BATCH = 3e-3, 30, 64
SEEDS = (0, 1, 2)
MAX_RATIO_TO_NUMPY = 1.2
ACCURACY_TARGET = 0.98

_CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


# ---------------------------------------------------------------------------- data

def load_data(seed):
    """``(X_train, X_test, y_train, y_test)``: images (N, 1, 8, 8) float32, labels int64."""
    from nnlib import datasets

    d = datasets.digits(test_size=0.25, rng=seed)
    images = [x.reshape(-1, 1, 8, 8).astype(np.float32) for x in (d.X_train, d.X_test)]
    return images[0], images[1], d.y_train.astype(np.int64), d.y_test.astype(np.int64)


# ---------------------------------------------------------------------------- the reference

def _pytorch_uniform(rng, shape, fan_in):
    """PyTorch's default init for conv weights and biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


class NumpyCNN:
    """The chapter-12 CNN in plain numpy, channels last: activations (N, H, W, C).

    Convolution weights are stored (kH * kW * C, F), rows in the order of the im2col
    patches, so each convolution is ``patches @ W``; the dense weight is (128, 10) on the
    channels-last flattening (a fixed permutation of nnlib's, the same network).
    """

    def __init__(self, rng, lr, betas=(0.9, 0.999), eps=1e-8):
        self.W1 = _pytorch_uniform(rng, (9 * 1, 16), 9 * 1)
        self.b1 = _pytorch_uniform(rng, (16,), 9 * 1)
        self.W2 = _pytorch_uniform(rng, (9 * 16, 32), 9 * 16)
        self.b2 = _pytorch_uniform(rng, (32,), 9 * 16)
        self.W3 = (rng.standard_normal((128, 10)) * math.sqrt(2 / 128)).astype(np.float32)
        self.b3 = np.zeros(10, dtype=np.float32)
        self.params = [self.W1, self.b1, self.W2, self.b2, self.W3, self.b3]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.zeros_like(p) for p in self.params]
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0

    # ---- layers (3x3 kernels, padding 1, stride 1; 2x2 pooling) ----------------------
    @staticmethod
    def conv_relu(x, W, b):
        """(N, H, W, C) -> ReLU(conv) (N, H, W, F) and the im2col matrix for the backward."""
        n, h, w, c = x.shape
        xp = np.zeros((n, h + 2, w + 2, c), dtype=x.dtype)
        xp[:, 1:-1, 1:-1] = x
        s = xp.strides
        cols = as_strided(xp, (n, h, w, 3, 3, c), (s[0], s[1], s[2], s[1], s[2], s[3]))
        cols = cols.reshape(n * h * w, 9 * c)
        out = cols @ W
        out += b
        np.maximum(out, 0, out=out)
        return out.reshape(n, h, w, -1), cols

    @staticmethod
    def conv_backward(d, a, cols, W, need_dx):
        """Gradients of conv_relu given d = dL/d(output) and the output a."""
        n, h, w, f = d.shape
        d *= a > 0                                        # through the ReLU, in place
        d2 = d.reshape(-1, f)
        dW, db = cols.T @ d2, d2.sum(axis=0)
        if not need_dx:
            return None, dW, db
        c = W.shape[0] // 9
        dcols = (d2 @ W.T).reshape(n, h, w, 3, 3, c)
        dxp = np.zeros((n, h + 2, w + 2, c), dtype=d.dtype)
        for p in range(3):
            for q in range(3):
                dxp[:, p:p + h, q:q + w] += dcols[:, :, :, p, q]
        return dxp[:, 1:-1, 1:-1], dW, db

    @staticmethod
    def pool(a):
        """2x2 max pooling of (N, H, W, C) (H, W even) as a reshape."""
        n, h, w, c = a.shape
        r = a.reshape(n, h // 2, 2, w // 2, 2, c)
        return r.max(axis=(2, 4))

    @staticmethod
    def pool_backward(d, a, out):
        """Each window's gradient to its maximum, the first one on ties (as PyTorch).

        Ties are common here: every background patch of an image gives the same value
        (the bias), so a mask ``r == max`` would hand the gradient to all four entries.
        ``left`` is the gradient not yet given out; it drops to 0 once a window's maximum
        has been found.
        """
        n, h, w, c = a.shape
        r = a.reshape(n, h // 2, 2, w // 2, 2, c)
        dr = np.empty_like(r)
        left = d.copy()
        for p in range(2):
            for q in range(2):
                np.multiply(left, r[:, :, p, :, q, :] == out, out=dr[:, :, p, :, q, :])
                left -= dr[:, :, p, :, q, :]
        return dr.reshape(n, h, w, c)

    # ---- the network -----------------------------------------------------------------
    def forward(self, X):
        """Logits (N, 10) for images (N, 1, 8, 8), and what the backward needs."""
        x = X.reshape(len(X), 8, 8, 1)                    # C = 1: a free reshape
        a1, cols1 = self.conv_relu(x, self.W1, self.b1)   # (N, 8, 8, 16)
        p1 = self.pool(a1)                                # (N, 4, 4, 16)
        a2, cols2 = self.conv_relu(p1, self.W2, self.b2)  # (N, 4, 4, 32)
        p2 = self.pool(a2)                                # (N, 2, 2, 32)
        flat = p2.reshape(len(X), -1)                     # (N, 128)
        logits = flat @ self.W3
        logits += self.b3
        return logits, (cols1, a1, p1, cols2, a2, p2, flat)

    def loss_and_grads(self, X, y):
        logits, (cols1, a1, p1, cols2, a2, p2, flat) = self.forward(X)
        n = len(X)
        z = logits - logits.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = float(np.mean(log_sum[:, 0] - z[np.arange(n), y]))
        g = np.exp(z - log_sum)                           # softmax probabilities
        g[np.arange(n), y] -= 1
        g /= n
        dW3, db3 = flat.T @ g, g.sum(axis=0)
        d = (g @ self.W3.T).reshape(p2.shape)
        d = self.pool_backward(d, a2, p2)
        d, dW2, db2 = self.conv_backward(d, a2, cols2, self.W2, need_dx=True)
        d = self.pool_backward(d, a1, p1)
        _, dW1, db1 = self.conv_backward(d, a1, cols1, self.W1, need_dx=False)
        return loss, [dW1, db1, dW2, db2, dW3, db3]

    def adam_step(self, grads):
        """In-place Adam (as torch.optim.Adam) with one scratch array per parameter."""
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

    def predict(self, X):
        return self.forward(X)[0].argmax(axis=1)


# ---------------------------------------------------------------------------- runners

class NumpyRunner:
    """The reference, one epoch at a time: shuffle, then Adam steps over mini-batches."""

    def __init__(self, data, seed):
        self.data = data
        self.rng = np.random.default_rng(seed)
        self.model = NumpyCNN(self.rng, LR)

    def epoch(self):
        X_train, _, y_train, _ = self.data
        order = self.rng.permutation(len(X_train))
        X, y = X_train[order], y_train[order]
        for s in range(0, len(X), BATCH):
            _, grads = self.model.loss_and_grads(X[s:s + BATCH], y[s:s + BATCH])
            self.model.adam_step(grads)

    def accuracy(self):
        _, X_test, _, y_test = self.data
        return float(np.mean(self.model.predict(X_test) == y_test))


def torch_model(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 2 * 2, 10))


class TorchRunner:
    """The same network in PyTorch (only when it is installed), one epoch at a time."""

    def __init__(self, data, seed):
        import torch

        self.torch = torch
        self.data = [torch.from_numpy(a) for a in data]
        torch.manual_seed(seed)
        self.model = torch_model(torch)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(self):
        X_train, _, y_train, _ = self.data
        order = self.torch.randperm(len(X_train))
        X, y = X_train[order], y_train[order]
        for s in range(0, len(X), BATCH):
            self.opt.zero_grad()
            loss = self.loss_fn(self.model(X[s:s + BATCH]), y[s:s + BATCH])
            loss.backward()
            self.opt.step()
            loss.item()

    def accuracy(self):
        _, X_test, _, y_test = self.data
        with self.torch.no_grad():
            return (self.model(X_test).argmax(dim=1) == y_test).float().mean().item()


def nnlib_model(seed):
    from nnlib import nn

    rng = np.random.default_rng(seed)
    f32 = np.float32
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, rng=rng, dtype=f32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, rng=rng, dtype=f32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10, rng=rng, dtype=f32),
    )


class Interleave:
    """A ``fit`` callback: times each nnlib epoch, then runs and times one epoch of every
    other implementation before nnlib's next epoch starts."""

    def __init__(self, others, clocks):
        self.others, self.clocks = others, clocks
        self.times = {name: [] for name in ["nnlib", *others]}

    def start(self):
        self._last = self.clocks["nnlib"]()

    def on_epoch_end(self, epoch, logs):
        self.times["nnlib"].append(self.clocks["nnlib"]() - self._last)
        for name, runner in self.others.items():
            clock = self.clocks[name]
            begin = clock()
            runner.epoch()
            self.times[name].append(clock() - begin)
        self._last = self.clocks["nnlib"]()


def run_seed(seed, with_torch, clocks):
    """Train all implementations on one seed's split. Returns ``{name: (times, accuracy)}``."""
    import nnlib
    from nnlib import optim

    data = load_data(seed)
    X_train, X_test, y_train, y_test = data
    others = {"numpy": NumpyRunner(data, seed)}
    if with_torch:
        others["torch"] = TorchRunner(data, seed)
    model = nnlib_model(seed)
    timer = Interleave(others, clocks)
    timer.start()
    nnlib.fit(model, X_train, y_train, loss="cross_entropy", epochs=EPOCHS, batch_size=BATCH,
              optimizer=optim.Adam(model.parameters(), lr=LR), rng=seed, callbacks=[timer],
              progress=False)
    accuracy = nnlib.evaluate(model, X_test, y_test, "cross_entropy")["accuracy"]
    results = {"nnlib": (timer.times["nnlib"], accuracy)}
    for name, runner in others.items():
        results[name] = (timer.times[name], runner.accuracy())
    return results


# ---------------------------------------------------------------------------- report

def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def warm_allocator():
    """Allocate and free one 16 MB block: glibc then keeps freed memory (up to twice that)
    instead of returning it to the system after every training step (see the module
    docstring). Harmless elsewhere."""
    np.empty(16 << 20, dtype=np.uint8)


def run(threads=1, torch_threads=None):
    """Run the benchmark and print the report. Returns ``(results, checks)``:
    ``results[name] = (median s/epoch, [accuracy per seed])``; checks are
    ``(text, passed)`` pairs."""
    from threadpoolctl import threadpool_limits

    warm_allocator()
    torch_threads = threads if torch_threads is None else torch_threads
    with_torch = torch_available()
    numpy_clock = "cpu" if threads == 1 else "wall"
    clocks = {"nnlib": _CLOCKS[numpy_clock], "numpy": _CLOCKS[numpy_clock],
              "torch": _CLOCKS["cpu" if torch_threads == 1 else "wall"]}
    print(f"\nCNN on the digits (chapter 12): conv16-pool-conv32-pool-linear, float32, Adam "
          f"lr={LR:g}, batch {BATCH}, {EPOCHS} epochs, seeds {', '.join(map(str, SEEDS))}")
    print(f"    {threads} BLAS thread{'s' if threads > 1 else ''} ({numpy_clock} time)", end="")
    if with_torch:
        import torch

        torch.set_num_threads(torch_threads)
        print(f"; PyTorch {torch.__version__}, {torch_threads} thread"
              f"{'s' if torch_threads > 1 else ''} ({'cpu' if torch_threads == 1 else 'wall'} "
              "time)")
    else:
        print("; PyTorch is not installed: its row is skipped")
    with threadpool_limits(limits=threads, user_api="blas"):
        runs = [run_seed(seed, with_torch, clocks) for seed in SEEDS]
    results = {}
    for name in runs[0]:
        times = [t for r in runs for t in r[name][0]]
        accuracies = [r[name][1] for r in runs]
        results[name] = (float(np.median(times)), accuracies)
        print(f"    {name:<8} {results[name][0]:9.4f} s/epoch   test accuracy "
              + ", ".join(f"{a:.4f}" for a in accuracies))
    checks = []
    ratio = results["nnlib"][0] / results["numpy"][0]
    checks.append((f"(cnn) nnlib / numpy reference = {ratio:.2f}x (<= {MAX_RATIO_TO_NUMPY}x)",
                   ratio <= MAX_RATIO_TO_NUMPY))
    if "torch" in results:
        ratio = results["nnlib"][0] / results["torch"][0]
        checks.append((f"(cnn) nnlib / torch = {ratio:.2f}x (< 1, faster)", ratio < 1))
    worst = min(results["nnlib"][1])
    checks.append((f"(cnn) nnlib test accuracy >= {ACCURACY_TARGET} on every seed "
                   f"(lowest {worst:.4f})", worst >= ACCURACY_TARGET))
    return results, checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for nnlib and numpy (default 1: CPU-time clock)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="PyTorch threads (default: as --threads)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(f"nnlib CNN benchmark: numpy {np.__version__}, {os.cpu_count()} CPUs")
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
