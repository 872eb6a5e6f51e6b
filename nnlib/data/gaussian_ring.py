"""A ring of Gaussian blobs in the plane: the toy data of chapter 15 (*Generative adversarial
networks*).

The distribution has ``modes`` peaks, its **modes**, spaced evenly on a circle of radius
``radius`` around the origin; each is a round Gaussian blob of standard deviation ``std``.
A point is drawn by picking a mode at random (all equally likely) and adding Gaussian noise
to its centre. With the defaults (8 modes, radius 2, std 0.05) the blobs are small and far
apart, so a generator that covers only some of them is easy to see and to count.

>>> import numpy as np
>>> X, mode = ring_of_gaussians(3, rng=np.random.default_rng(0))
>>> X.shape, mode
((3, 2), array([6, 5, 4]))
>>> ring_centres(4).round(3).tolist()
[[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [-0.0, -2.0]]
"""
import numbers

import numpy as np

from nnlib._checks import as_rng, check_positive, check_size

__all__ = ["ring_centres", "ring_of_gaussians"]


def _check_modes(modes):
    if isinstance(modes, bool) or not isinstance(modes, numbers.Integral) or modes < 1:
        raise ValueError(f"modes: expected a whole number >= 1, got {modes!r}")
    return int(modes)


def ring_centres(modes=8, radius=2.0):
    """The centres of the blobs: (modes, 2), mode k at angle ``2 pi k / modes`` (k = 0 on the
    positive x axis, then counter-clockwise)."""
    modes = _check_modes(modes)
    radius = float(check_positive("radius", radius))
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n, modes=8, radius=2.0, std=0.05, rng=None):
    """``n`` points from the ring of Gaussians, and the mode each was drawn from.

    Parameters
    ----------
    n : int, the number of points N
    modes : int >= 1, the number of blobs on the circle
    radius : float > 0, the circle's radius
    std : float > 0, the standard deviation of each blob (the same along x and y)
    rng : np.random.Generator or int seed (seed 0 when None)

    Returns
    -------
    X : float64 array (N, 2), the points
    mode : int64 array (N,), the blob each point came from, in [0, modes)
    """
    n = check_size("n", n)
    centres = ring_centres(modes, radius)
    std = float(check_positive("std", std))
    rng = as_rng(rng)
    mode = rng.integers(0, len(centres), size=n, dtype=np.int64)
    X = centres[mode] + std * rng.standard_normal((n, 2))
    return X, mode
