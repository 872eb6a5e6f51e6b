"""Loss landscapes: small 1-D and 2-D loss surfaces to watch gradient descent on (chapter 6).

A real network's loss depends on millions of weights, so nobody can draw it. These toy
surfaces depend on one or two "weights" only, which makes them easy to plot, and each comes
with its exact (analytic) gradient. :func:`run_optimizer` walks down a surface with the
real optimisers of :mod:`nnlib.optim` (SGD, SGD with momentum, Adam) acting on an
:class:`nnlib.Tensor` parameter, and records the path. It stops early, and says so, when
a too-large learning rate makes the loss explode.

Points are arrays whose last axis holds the coordinates: shape (dim,) for one point and
(..., dim) for a grid of points, so ``surface(points)`` evaluates a whole grid at once.

>>> traj = run_optimizer("parabola", [-2.0], "sgd", lr=0.3, steps=20)
>>> traj.points.shape
(21, 1)
>>> round(float(traj.points[-1, 0]), 4)        # the minimum of (w - 2)^2 is at w = 2
2.0
>>> run_optimizer("parabola", [-2.0], "sgd", lr=1.1, steps=50).diverged_at
31
"""
from dataclasses import dataclass, field
import math
import numbers

import numpy as np

__all__ = [
    "Surface", "Trajectory", "SURFACES", "OPTIMIZERS",
    "get_surface", "run_optimizer", "make_optimizer",
]


# ---------------------------------------------------------------------------------------
# Surfaces
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface ``L(w)`` of ``dim`` weights with its analytic gradient.

    Attributes
    ----------
    name : str
    dim : int, 1 or 2
    value : callable, points (..., dim) -> losses (...)
    gradient : callable, points (..., dim) -> gradients (..., dim)
    minimum : ndarray, shape (dim,), where the global minimum lies
    bounds : tuple of ``dim`` (low, high) pairs, the window the plots show
    description : str, one line for legends and titles (matplotlib mathtext)
    """

    name: str
    dim: int
    value: object = field(repr=False)
    gradient: object = field(repr=False)
    minimum: np.ndarray = field(repr=False)
    bounds: tuple = field(repr=False)
    description: str = ""

    def _points(self, w, name="w"):
        w = np.asarray(w, dtype=np.float64)
        if w.ndim == 0 or w.shape[-1] != self.dim:
            raise ValueError(
                f"{name}: expected points with last axis of size {self.dim} "
                f"(surface {self.name!r}), got shape {w.shape}"
            )
        return w

    def __call__(self, w):
        """Loss at ``w`` (..., dim): returns an array of shape (...), a float for one point."""
        out = self.value(self._points(w))
        return float(out) if np.ndim(out) == 0 else out

    def grad(self, w):
        """Gradient dL/dw at ``w`` (..., dim): returns an array of shape (..., dim)."""
        return self.gradient(self._points(w))

    @property
    def min_value(self):
        """The lowest loss on the surface (its value at :attr:`minimum`)."""
        return self(self.minimum)


def _parabola_value(w):
    return (w[..., 0] - 2.0) ** 2


def _parabola_grad(w):
    return 2.0 * (w - 2.0)


# A non-convex curve: a shallow local minimum on the right, the global one on the left.
# L(w) = w^4/4 - w^2 + 0.4 w + c, with c chosen so that the global minimum is exactly 0.
_BUMPY_CRITICAL = np.sort(np.roots([1.0, 0.0, -2.0, 0.4]).real)   # L'(w) = w^3 - 2w + 0.4


def _bumpy_raw(w):
    return w ** 4 / 4 - w ** 2 + 0.4 * w


_BUMPY_OFFSET = -_bumpy_raw(_BUMPY_CRITICAL[0])


def _bumpy_value(w):
    return _bumpy_raw(w[..., 0]) + _BUMPY_OFFSET


def _bumpy_grad(w):
    return w ** 3 - 2.0 * w + 0.4


def _bowl_value(w):
    return 0.5 * (w[..., 0] ** 2 + w[..., 1] ** 2)


def _bowl_grad(w):
    return np.array(w, dtype=np.float64, copy=True)


# An elongated valley: 100 times steeper across (w2) than along (w1).
_VALLEY_CURVATURE = np.array([0.05, 5.0])    # second derivatives along w1 and w2


def _valley_value(w):
    return 0.5 * (_VALLEY_CURVATURE * w ** 2).sum(axis=-1)


def _valley_grad(w):
    return _VALLEY_CURVATURE * w


# Rosenbrock's banana-shaped valley, scaled down (b = 10 instead of 100) so it fits a plot.
_ROSEN_B = 10.0


def _rosenbrock_value(w):
    x, y = w[..., 0], w[..., 1]
    return (1.0 - x) ** 2 + _ROSEN_B * (y - x ** 2) ** 2


def _rosenbrock_grad(w):
    x, y = w[..., 0], w[..., 1]
    dx = -2.0 * (1.0 - x) - 4.0 * _ROSEN_B * x * (y - x ** 2)
    dy = 2.0 * _ROSEN_B * (y - x ** 2)
    return np.stack([dx, dy], axis=-1)


SURFACES = {
    "parabola": Surface(
        "parabola", 1, _parabola_value, _parabola_grad, np.array([2.0]), ((-3.0, 7.0),),
        r"$L(w) = (w - 2)^2$",
    ),
    "bumpy": Surface(
        "bumpy", 1, _bumpy_value, _bumpy_grad, np.array([_BUMPY_CRITICAL[0]]),
        ((-2.3, 2.3),), r"$L(w) = w^4/4 - w^2 + 0.4\,w + c$ (two valleys)",
    ),
    "bowl": Surface(
        "bowl", 2, _bowl_value, _bowl_grad, np.zeros(2), ((-3.0, 3.0), (-3.0, 3.0)),
        r"$L(w_1, w_2) = (w_1^2 + w_2^2)\,/\,2$ (a round bowl)",
    ),
    "valley": Surface(
        "valley", 2, _valley_value, _valley_grad, np.zeros(2), ((-6.0, 6.0), (-3.0, 3.0)),
        r"$L(w_1, w_2) = 0.025\,w_1^2 + 2.5\,w_2^2$ (a long, narrow valley)",
    ),
    "rosenbrock": Surface(
        "rosenbrock", 2, _rosenbrock_value, _rosenbrock_grad, np.ones(2),
        ((-2.0, 2.0), (-1.0, 3.0)),
        r"$L(w_1, w_2) = (1 - w_1)^2 + 10\,(w_2 - w_1^2)^2$ (a curved valley)",
    ),
}


def get_surface(surface):
    """Return a :class:`Surface` given one or its name (a key of ``SURFACES``)."""
    if isinstance(surface, Surface):
        return surface
    if isinstance(surface, str) and surface in SURFACES:
        return SURFACES[surface]
    raise ValueError(
        f"surface: expected a Surface or one of {sorted(SURFACES)}, got {surface!r}"
    )


# ---------------------------------------------------------------------------------------
# Optimisers and trajectories
# ---------------------------------------------------------------------------------------
OPTIMIZERS = ("sgd", "momentum", "adam")


def make_optimizer(name, params, lr, **kw):
    """Build one of :mod:`nnlib.optim`'s optimisers by name.

    ``"sgd"`` is plain gradient descent, ``"momentum"`` is SGD with ``momentum=0.9``
    unless ``kw`` says otherwise, ``"adam"`` is Adam; ``kw`` goes to the constructor.
    """
    from nnlib.optim import SGD, Adam

    if name == "sgd":
        return SGD(params, lr=lr, **kw)
    if name == "momentum":
        kw.setdefault("momentum", 0.9)
        return SGD(params, lr=lr, **kw)
    if name == "adam":
        return Adam(params, lr=lr, **kw)
    raise ValueError(f"optimizer_name: expected one of {OPTIMIZERS}, got {name!r}")


@dataclass
class Trajectory:
    """The path an optimiser took on a surface.

    Attributes
    ----------
    points : ndarray, shape (k + 1, dim), the start and the weights after each of k steps
    losses : ndarray, shape (k + 1,), the loss at each point
    surface : Surface
    optimizer : str, lr : float
    steps : int, the number of steps asked for (k == steps unless the run diverged)
    diverged_at : int or None, the step at which the loss exploded (the last point)
    """

    points: np.ndarray
    losses: np.ndarray
    surface: Surface
    optimizer: str
    lr: float
    steps: int
    diverged_at: object = None

    @property
    def diverged(self):
        return self.diverged_at is not None

    @property
    def final_loss(self):
        return float(self.losses[-1])

    def steps_to_converge(self, tol=1e-3):
        """First step after which the loss stays within ``tol`` of the surface's minimum.

        Returns None if that never happens (too slow, diverged, or stuck in a local dip).
        """
        above = self.losses - self.surface.min_value > tol
        if above[-1] or self.diverged:
            return None
        if not above.any():
            return 0
        return int(np.flatnonzero(above)[-1] + 1)


def _check_steps(steps):
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps: expected an integer >= 0, got {steps!r}")
    return int(steps)


def run_optimizer(surface, start, optimizer_name, lr, steps, *, max_loss=1e6, **kw):
    """Walk down ``surface`` from ``start`` with a real :mod:`nnlib.optim` optimiser.

    The weights live in an :class:`nnlib.Tensor` of shape (dim,). At each step the
    surface's analytic gradient is written into ``.grad`` (exactly what ``backward()``
    would leave there) and ``optimizer.step()`` moves the weights.

    Parameters
    ----------
    surface : Surface or str (a key of ``SURFACES``)
    start : array-like, shape (dim,), the starting weights
    optimizer_name : "sgd", "momentum" or "adam"
    lr : float > 0, the learning rate
    steps : int >= 0, how many updates to make
    max_loss : float, the run is declared diverged (and stops) as soon as the loss is
        above this value or stops being a finite number
    **kw : passed to the optimiser (e.g. ``momentum=0.5``, ``betas=(0.9, 0.99)``)

    Returns
    -------
    Trajectory with ``points`` of shape (steps + 1, dim), or fewer rows if it diverged:
    then ``diverged_at`` is the step whose loss exploded, and that point is the last row.
    """
    from nnlib.tensor import Tensor

    surface = get_surface(surface)
    steps = _check_steps(steps)
    start = np.asarray(start, dtype=np.float64)
    if start.shape != (surface.dim,):
        raise ValueError(
            f"start: expected shape ({surface.dim},) for surface {surface.name!r}, "
            f"got shape {start.shape}"
        )
    w = Tensor(start.copy(), requires_grad=True)
    optimizer = make_optimizer(optimizer_name, [w], lr, **kw)
    points, losses = [start.copy()], [surface(start)]
    diverged_at = None
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        with np.errstate(over="ignore", invalid="ignore"):
            w.grad = surface.grad(w.data)
            optimizer.step()
            loss = surface(w.data)
        points.append(w.data.copy())
        losses.append(loss)
        if not (math.isfinite(loss) and loss <= max_loss):
            diverged_at = step
            break
    return Trajectory(np.array(points), np.array(losses), surface, optimizer_name,
                      float(lr), steps, diverged_at)
