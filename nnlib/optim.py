"""Optimisers: rules that turn gradients into weight updates (chapter 6).

Each optimiser holds a list of parameter tensors (anything with ``.data`` and ``.grad``
ndarrays, e.g. ``model.parameters()``) and, on ``step()``, changes every ``.data`` array
in place using its ``.grad``. ``zero_grad()`` forgets the gradients (sets them to None)
so the next ``backward()`` starts from scratch.

The update rules follow PyTorch's ``torch.optim.SGD`` and ``torch.optim.Adam`` exactly, so
a learner can move from nnlib to PyTorch without surprises. Updates are done in place with
preallocated buffers of the parameter's dtype: float32 parameters stay float32 and no new
arrays are created per step.
"""
import math
import numbers

import numpy as np

from nnlib._checks import ArgumentTypeError, check_positive

__all__ = ["Optimizer", "SGD", "Adam"]


def _check_fraction(name, value):
    """Raise ValueError unless ``0 <= value < 1``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}")
    return float(value)


def _check_non_negative(name, value):
    """Raise ValueError unless ``value`` is a finite real number >= 0."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0 <= value < math.inf):
        finite = " (it must be finite)" if value == math.inf else ""
        raise ValueError(f"{name}: expected a number >= 0, got {value!r}{finite}")
    return float(value)


def _is_tensor_like(p):
    return hasattr(p, "data") and hasattr(p, "grad")


def _collect_params(params):
    """List the distinct parameter tensors in ``params`` (checked, duplicates dropped)."""
    expected = "params: expected an iterable of Tensors such as model.parameters()"
    if isinstance(params, type):
        raise ArgumentTypeError(f"{expected}, got the class {params.__name__}")
    if hasattr(params, "parameters") and callable(params.parameters):
        raise ArgumentTypeError(f"{expected}, got the {type(params).__name__} itself")
    if _is_tensor_like(params):
        raise ArgumentTypeError(
            f"{expected}, got a single {type(params).__name__}: put it in a list, [w]"
        )
    if callable(params):
        raise ArgumentTypeError(
            f"{expected}, got the method or function {getattr(params, '__name__', '?')!r} "
            f"itself: call it, model.parameters()"
        )
    try:
        params = list(params)
    except TypeError:
        raise ArgumentTypeError(f"{expected}, got {type(params).__name__}") from None
    if not params:
        raise ValueError("params: expected at least one parameter Tensor, got an empty list")
    unique, seen = [], set()
    for i, p in enumerate(params):
        if isinstance(p, dict):
            raise ArgumentTypeError(
                f"params[{i}]: expected a Tensor, got a dict (parameter groups are not "
                f"supported: pass model.parameters() and one lr)"
            )
        if not _is_tensor_like(p):
            raise ArgumentTypeError(
                f"params[{i}]: expected a Tensor with .data and .grad, got {type(p).__name__}"
            )
        if getattr(p, "_parents", ()):
            raise ValueError(
                f"params[{i}]: expected a leaf Tensor (a parameter), got the result of an "
                f"operation ({getattr(p, '_op', '')!r}), which an optimiser cannot update"
            )
        if id(p) not in seen:  # a tensor listed twice must still be updated once
            seen.add(id(p))
            unique.append(p)
    return unique


class Optimizer:
    """Base class: holds the parameters and the learning rate, skips missing gradients.

    Subclasses implement ``_update(index, param, grad)`` which changes ``param.data`` in
    place. ``lr`` can be changed between steps (``opt.lr = 0.01``); it is checked like the
    argument.
    """

    def __init__(self, params, lr):
        self.params = _collect_params(params)
        self.lr = lr
        self.step_count = 0

    @property
    def lr(self):
        """The learning rate, a positive finite number."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = float(check_positive("lr", value))

    def zero_grad(self):
        """Forget every parameter's gradient (sets ``.grad`` to None)."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient; parameters with ``grad=None`` are skipped."""
        self.step_count += 1
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            if grad.shape != p.data.shape:
                raise ValueError(
                    f"params[{i}].grad: expected shape {p.data.shape} (the parameter's), "
                    f"got shape {grad.shape}"
                )
            self._update(i, p, grad)

    def _update(self, index, param, grad):
        raise NotImplementedError

    def _zeros(self):
        """One zero array per parameter, with the parameter's shape and dtype."""
        return [np.zeros_like(p.data) for p in self.params]

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"

    def _settings(self):
        return {"lr": self.lr}


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and weight decay (chapter 6).

    For each parameter ``w`` with gradient ``dw`` (PyTorch semantics, no dampening)::

        g = dw + weight_decay * w        # L2 regularisation (chapter 10)
        v = momentum * v + g             # velocity; v = g on the first step
        w = w - lr * v                   # with momentum=0 this is plain w - lr * g
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = _check_fraction("momentum", momentum)
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        self._velocity = [None] * len(self.params)  # created on the first step
        self._scratch = self._zeros()

    def _update(self, index, param, grad):
        w = param.data
        g = grad
        step = self._scratch[index]
        if self.weight_decay:
            g = step
            np.multiply(w, self.weight_decay, out=g)
            g += grad
        if self.momentum:
            v = self._velocity[index]
            if v is None:  # first step: the velocity starts as the gradient itself
                v = self._velocity[index] = np.array(g, dtype=w.dtype, copy=True)
            else:
                v *= self.momentum
                v += g
            g = v
        np.multiply(g, self.lr, out=step)
        w -= step

    def _settings(self):
        return {"lr": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam: momentum plus a per-weight step size (Kingma and Ba, 2015; chapter 6).

    For each parameter ``w`` with gradient ``dw`` at step ``t = 1, 2, ...`` (PyTorch
    semantics; weight decay is added to the gradient, as in ``torch.optim.Adam``)::

        g = dw + weight_decay * w
        m = beta1 * m + (1 - beta1) * g          # running mean of gradients
        v = beta2 * v + (1 - beta2) * g**2       # running mean of squared gradients
        m_hat = m / (1 - beta1**t)               # bias correction: m and v start at 0
        v_hat = v / (1 - beta2**t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas: expected a pair (beta1, beta2), got {betas!r}") from None
        self.betas = (_check_fraction("betas[0]", beta1), _check_fraction("betas[1]", beta2))
        self.eps = float(check_positive("eps", eps))
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        self._m, self._v, self._scratch = self._zeros(), self._zeros(), self._zeros()
        self._decayed = self._zeros() if self.weight_decay else None
        self._steps = [0] * len(self.params)

    def _update(self, index, param, grad):
        w = param.data
        beta1, beta2 = self.betas
        self._steps[index] += 1
        t = self._steps[index]
        m, v, tmp = self._m[index], self._v[index], self._scratch[index]
        g = grad
        if self.weight_decay:
            if self._decayed is None:  # weight_decay was switched on after construction
                self._decayed = self._zeros()
            g = self._decayed[index]
            np.multiply(w, self.weight_decay, out=g)
            g += grad
        np.multiply(g, 1 - beta1, out=tmp)           # m = beta1 m + (1 - beta1) g
        m *= beta1
        m += tmp
        np.multiply(g, g, out=tmp)                   # v = beta2 v + (1 - beta2) g^2
        tmp *= 1 - beta2
        v *= beta2
        v += tmp
        # Python floats (not numpy float64 scalars) keep float32 arithmetic in float32.
        correction1 = 1 - beta1 ** t
        correction2 = 1 - beta2 ** t
        np.sqrt(v, out=tmp)                          # tmp = sqrt(v_hat) + eps
        tmp *= 1 / math.sqrt(correction2)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)                   # tmp = m / (sqrt(v_hat) + eps)
        tmp *= self.lr / correction1
        w -= tmp

    def _settings(self):
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps,
                "weight_decay": self.weight_decay}
