"""Forward/backward pairs on plain numpy arrays (no autograd).

Each layer or loss is two functions, in the style of Stanford's CS231n assignments::

    out, cache = relu_forward(x)        # compute, and keep what the backward needs
    dx = relu_backward(dout, cache)      # dout = dL/dout  ->  dx = dL/dx

:mod:`nnlib.tensor` and :mod:`nnlib.nn` wire these pairs into a computation graph; the
chapters call them directly to show one layer at a time.

Shape letters: N batch size, D input features, M output features, C classes. Arrays keep
their dtype: float32 in gives float32 out (and float32 gradients).

The table :data:`ACTIVATIONS` maps a name to ``(function, derivative)`` (both take the
pre-activation ``x``), ready for a dropdown in the activation-functions chapter.
"""
import numpy as np

__all__ = [
    "linear_forward", "linear_backward",
    "relu_forward", "relu_backward",
    "leaky_relu_forward", "leaky_relu_backward",
    "sigmoid_forward", "sigmoid_backward",
    "tanh_forward", "tanh_backward",
    "step_forward", "step_backward",
    "softmax_forward", "softmax_backward",
    "log_softmax_forward", "log_softmax_backward",
    "dropout_forward", "dropout_backward",
    "mse_forward", "mse_backward",
    "bce_forward", "bce_backward",
    "bce_with_logits_forward", "bce_with_logits_backward",
    "softmax_cross_entropy_forward", "softmax_cross_entropy_backward",
    "sigmoid", "softmax", "log_softmax", "ACTIVATIONS",
]


# ---------------------------------------------------------------------------------------
# Linear (affine) layer
# ---------------------------------------------------------------------------------------
def linear_forward(x, w, b=None):
    """Affine map ``out = x @ w + b``.

    Parameters
    ----------
    x : ndarray, shape (N, D) (or (..., D): leading axes are flattened into the batch)
    w : ndarray, shape (D, M)  (weights stored (in, out); PyTorch stores (out, in))
    b : ndarray, shape (M,), or None for no bias

    Returns
    -------
    out : ndarray, shape (N, M) (or (..., M))
    cache : tuple (x, w, has_bias)
    """
    x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
    out = x2 @ w
    if b is not None:
        out += b
    if x.ndim != 2:
        out = out.reshape(*x.shape[:-1], w.shape[1])
    return out, (x, w, b is not None)


def linear_backward(dout, cache, need_dx=True):
    """Gradients of the affine map.

    Parameters
    ----------
    dout : ndarray, shape (N, M) (or (..., M)), upstream gradient dL/dout
    cache : from :func:`linear_forward`
    need_dx : bool
        Set False when ``x`` is data, not a parameter or a hidden activation: saves one
        matrix product (``dx`` is then None).

    Returns
    -------
    dx : ndarray, shape of x (or None) -- ``dout @ w.T``
    dw : ndarray, shape (D, M)         -- ``x.T @ dout``
    db : ndarray, shape (M,) (or None without bias) -- ``dout.sum(0)``
    """
    x, w, has_bias = cache
    x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
    d2 = dout.reshape(-1, dout.shape[-1]) if dout.ndim != 2 else dout
    dw = x2.T @ d2
    db = d2.sum(axis=0) if has_bias else None
    dx = None
    if need_dx:
        dx = (d2 @ w.T).reshape(x.shape)
    return dx, dw, db


# ---------------------------------------------------------------------------------------
# Activations (elementwise; x and out have any shape, the same shape)
# ---------------------------------------------------------------------------------------
def relu_forward(x):
    """``max(0, x)``. x: ndarray, any shape. Returns (out, cache)."""
    out = np.maximum(x, 0)
    return out, out


def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0. dout: shape of x."""
    return dout * (cache > 0)


def leaky_relu_forward(x, negative_slope=0.01):
    """``x`` where x > 0, else ``negative_slope * x``. x: any shape."""
    positive = x > 0
    out = np.where(positive, x, negative_slope * x)
    return out, (positive, negative_slope)


def leaky_relu_backward(dout, cache):
    """dx = dout where x > 0, else negative_slope * dout."""
    positive, slope = cache
    return np.where(positive, dout, slope * dout)


def sigmoid(x):
    """Numerically stable logistic function ``1 / (1 + exp(-x))`` on an ndarray.

    Never overflows: for negative x it uses ``exp(x) / (1 + exp(x))``.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_forward(x):
    """Logistic function; x any shape. Returns (out, cache=out)."""
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """dx = dout * s * (1 - s) with s = sigmoid(x)."""
    s = cache
    return dout * s * (1 - s)


def tanh_forward(x):
    """Hyperbolic tangent; x any shape. Returns (out, cache=out)."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """dx = dout * (1 - tanh(x)**2)."""
    t = cache
    return dout * (1 - t * t)


def step_forward(x, threshold=0.0):
    """Heaviside step (the perceptron's activation): 1.0 where x > threshold, else 0.0."""
    out = (x > threshold).astype(x.dtype)
    return out, None


def step_backward(dout, cache):
    """The step is flat almost everywhere: its gradient is zero (why perceptrons cannot
    be trained by backpropagation)."""
    return np.zeros_like(dout)


# ---------------------------------------------------------------------------------------
# Softmax family
# ---------------------------------------------------------------------------------------
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``, computed stably (shift by the max first)."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """``exp(x) / exp(x).sum(axis)``, stable for large inputs; rows sum to 1."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_forward(x, axis=-1):
    """Softmax along ``axis``. x: e.g. (N, C). Returns (out, cache=(out, axis))."""
    out = softmax(x, axis)
    return out, (out, axis)


def softmax_backward(dout, cache):
    """dx = s * (dout - sum(dout * s, axis)) (the softmax Jacobian applied to dout)."""
    s, axis = cache
    return s * (dout - (dout * s).sum(axis=axis, keepdims=True))


def log_softmax_forward(x, axis=-1):
    """Log-softmax along ``axis``. x: e.g. (N, C). Returns (out, cache)."""
    out = log_softmax(x, axis)
    return out, (out, axis)


def log_softmax_backward(dout, cache):
    """dx = dout - softmax(x) * sum(dout, axis)."""
    out, axis = cache
    return dout - np.exp(out) * dout.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------
def dropout_forward(x, p, rng=None, mask=None, training=True):
    """Inverted dropout: zero each entry with probability ``p``, scale the rest by 1/(1-p).

    Parameters
    ----------
    x : ndarray, any shape
    p : float in [0, 1), probability of dropping an entry
    rng : np.random.Generator, used to draw the mask (ignored if ``mask`` is given)
    mask : ndarray, shape of x, optional: a precomputed keep-mask of 0/1 values
    training : bool; when False dropout is the identity (nothing to rescale at test
        time, which is the point of the *inverted* variant)

    Returns
    -------
    out : ndarray, shape of x
    cache : the scaled mask (or None in evaluation mode)
    """
    if not training or p == 0:
        return x, None
    if mask is None:
        if rng is None:
            rng = np.random.default_rng()
        mask = rng.random(x.shape) >= p
    scaled = (np.asarray(mask) / (1 - p)).astype(x.dtype, copy=False)
    return x * scaled, scaled


def dropout_backward(dout, cache):
    """dx = dout * scaled mask (identity in evaluation mode)."""
    return dout if cache is None else dout * cache


# ---------------------------------------------------------------------------------------
# Losses: forward returns a 0-d array (the mean loss), backward takes dloss (a scalar)
# ---------------------------------------------------------------------------------------
def _mean_scalar(values, dtype):
    return np.asarray(values.mean(), dtype=dtype)


def mse_forward(pred, target):
    """Mean squared error ``mean((pred - target)**2)`` over all entries.

    pred, target : ndarray, same shape (e.g. (N,) or (N, D)).
    Returns (loss 0-d array, cache).
    """
    diff = pred - target
    return _mean_scalar(diff * diff, diff.dtype), diff


def mse_backward(dloss, cache):
    """Returns (dpred, dtarget) = (2 (pred - target) / size, minus that)."""
    diff = cache
    dpred = diff * (2 * dloss / diff.size)
    return dpred, -dpred


def bce_forward(probs, target, eps=1e-7):
    """Binary cross-entropy on probabilities, clipped to [eps, 1 - eps] so log stays finite.

    probs, target : ndarray, same shape, values in [0, 1]. Mean over all entries.
    """
    p = np.clip(probs, eps, 1 - eps)
    losses = -(target * np.log(p) + (1 - target) * np.log1p(-p))
    inside = (probs >= eps) & (probs <= 1 - eps)
    return _mean_scalar(losses, losses.dtype), (p, target, inside)


def bce_backward(dloss, cache):
    """dprobs = (p - t) / (p (1 - p)) / size, and 0 where probs was clipped."""
    p, target, inside = cache
    grad = (p - target) / (p * (1 - p)) * (dloss / p.size)
    return grad * inside


def bce_with_logits_forward(logits, target):
    """Binary cross-entropy of ``sigmoid(logits)``, computed from the logits directly.

    Uses ``max(z, 0) - z t + log(1 + exp(-|z|))``, finite for any finite z.
    logits, target : ndarray, same shape; target in [0, 1]. Mean over all entries.
    """
    z = logits
    losses = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
    return _mean_scalar(losses, losses.dtype), (z, target)


def bce_with_logits_backward(dloss, cache):
    """dlogits = (sigmoid(z) - t) / size."""
    z, target = cache
    return (sigmoid(z) - target) * (dloss / z.size)


def softmax_cross_entropy_forward(logits, targets):
    """Softmax followed by cross-entropy, fused (one stable log-sum-exp).

    Parameters
    ----------
    logits : ndarray, shape (N, C), unnormalised class scores
    targets : int ndarray, shape (N,), class indices in [0, C)

    Returns
    -------
    loss : 0-d array, ``mean_n -log softmax(logits)[n, targets[n]]``; finite even for
        logits of +-1e4 because the log-probabilities never go through ``exp`` and ``log``
        separately.
    cache : (probs (N, C), targets)
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    # -log softmax[n, y_n] = log(sum_c exp(shifted[n, c])) - shifted[n, y_n]
    loss = (np.log(total).sum() - shifted[np.arange(n), targets].sum()) / n
    exp /= total  # now the probabilities
    return np.asarray(loss, dtype=logits.dtype), (exp, targets)


def softmax_cross_entropy_backward(dloss, cache):
    """dlogits = (softmax(logits) - one_hot(targets)) / N, shape (N, C)."""
    probs, targets = cache
    n = probs.shape[0]
    scale = dloss / n
    dx = probs * scale  # a new array: the cache stays valid for a second backward
    dx[np.arange(n), targets] -= scale
    return dx


# ---------------------------------------------------------------------------------------
# Activation table for plots and dropdowns: name -> (f(x), f'(x)) on plain ndarrays
# ---------------------------------------------------------------------------------------
def _identity(x):
    return np.asarray(x)


def _identity_derivative(x):
    return np.ones_like(np.asarray(x, dtype=float))


def _step(x):
    return (np.asarray(x) > 0).astype(float)


def _step_derivative(x):
    return np.zeros_like(np.asarray(x, dtype=float))


def _sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


def _tanh_derivative(x):
    t = np.tanh(x)
    return 1 - t * t


def _relu(x):
    return np.maximum(x, 0)


def _relu_derivative(x):
    return (np.asarray(x) > 0).astype(float)


def _leaky_relu(x, negative_slope=0.01):
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x)


def _leaky_relu_derivative(x, negative_slope=0.01):
    return np.where(np.asarray(x) > 0, 1.0, negative_slope)


#: name -> (function, derivative), both functions of the pre-activation x.
ACTIVATIONS = {
    "identity": (_identity, _identity_derivative),
    "step": (_step, _step_derivative),
    "sigmoid": (sigmoid, _sigmoid_derivative),
    "tanh": (np.tanh, _tanh_derivative),
    "relu": (_relu, _relu_derivative),
    "leaky_relu": (_leaky_relu, _leaky_relu_derivative),
}
