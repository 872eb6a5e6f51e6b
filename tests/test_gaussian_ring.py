"""Tests of nnlib.data.gaussian_ring: chapter 15's ring of Gaussians."""
import numpy as np
import pytest

from nnlib.data.gaussian_ring import ring_centres, ring_of_gaussians


def test_centres_lie_evenly_on_the_circle():
    c = ring_centres(8, radius=2.0)
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.hypot(c[:, 0], c[:, 1]), 2.0)
    np.testing.assert_allclose(c[0], [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(c[2], [0.0, 2.0], atol=1e-12)          # a quarter turn later
    gaps = np.linalg.norm(np.diff(np.vstack([c, c[:1]]), axis=0), axis=1)
    np.testing.assert_allclose(gaps, gaps[0])                           # equal spacing


def test_points_sit_around_their_own_mode(rng):
    X, mode = ring_of_gaussians(4000, modes=8, radius=2.0, std=0.1, rng=rng)
    assert X.shape == (4000, 2) and X.dtype == np.float64
    assert mode.shape == (4000,) and mode.dtype == np.int64
    assert mode.min() == 0 and mode.max() == 7
    offsets = X - ring_centres(8, 2.0)[mode]
    assert offsets.std(axis=0) == pytest.approx([0.1, 0.1], rel=0.05)
    assert np.abs(offsets.mean(axis=0)).max() < 0.01
    counts = np.bincount(mode, minlength=8)
    assert counts.min() > 400 and counts.max() < 600                  # about 500 each


def test_seeded_and_repeatable():
    a, ma = ring_of_gaussians(10, rng=3)
    b, mb = ring_of_gaussians(10, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ma, mb)
    c, _ = ring_of_gaussians(10, rng=4)
    assert not np.array_equal(a, c)


def test_other_shapes_of_ring():
    X, mode = ring_of_gaussians(50, modes=3, radius=5.0, std=1e-9, rng=0)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), 5.0)
    assert set(mode.tolist()) <= {0, 1, 2}


@pytest.mark.parametrize("kwargs, name", [
    ({"n": 0}, "n"), ({"n": 2.5}, "n"), ({"modes": 0}, "modes"), ({"modes": True}, "modes"),
    ({"radius": -1.0}, "radius"), ({"std": 0.0}, "std"), ({"std": float("inf")}, "std"),
    ({"rng": "seed"}, "rng"),
])
def test_bad_arguments_are_named(kwargs, name):
    args = {"n": 5, **kwargs}
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        ring_of_gaussians(**args)
