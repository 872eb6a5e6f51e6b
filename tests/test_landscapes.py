"""Tests for nnlib.data.landscapes: surfaces, their gradients, and optimiser runs on them."""
import numpy as np
import pytest

from nnlib.data import landscapes as L
from nnlib.numerical import numerical_gradient, rel_error
from nnlib.optim import SGD, Adam
from nnlib.tensor import Tensor


def random_points(surface, rng, n=7):
    lows = np.array([lo for lo, _ in surface.bounds])
    highs = np.array([hi for _, hi in surface.bounds])
    return lows + (highs - lows) * rng.random((n, surface.dim))


# ------------------------------------------------------------------------- surfaces
@pytest.mark.parametrize("name", sorted(L.SURFACES))
def test_gradient_matches_finite_differences(name):
    surface = L.SURFACES[name]
    rng = np.random.default_rng(0)
    for point in random_points(surface, rng):
        numeric = numerical_gradient(surface, point.copy())
        assert rel_error(surface.grad(point), numeric) < 1e-6


@pytest.mark.parametrize("name", sorted(L.SURFACES))
def test_minimum_is_a_flat_lowest_point(name):
    surface = L.SURFACES[name]
    np.testing.assert_allclose(surface.grad(surface.minimum), 0, atol=1e-9)
    assert surface.min_value == pytest.approx(0.0, abs=1e-12)
    grid = random_points(surface, np.random.default_rng(1), n=500)
    assert surface(grid).min() >= surface.min_value - 1e-12


@pytest.mark.parametrize("name", sorted(L.SURFACES))
def test_surface_evaluates_grids_of_points(name):
    surface = L.SURFACES[name]
    grid = random_points(surface, np.random.default_rng(2), n=12).reshape(3, 4, -1)
    values, grads = surface(grid), surface.grad(grid)
    assert values.shape == (3, 4)
    assert grads.shape == (3, 4, surface.dim)
    assert values[1, 2] == pytest.approx(surface(grid[1, 2]))
    np.testing.assert_allclose(grads[2, 3], surface.grad(grid[2, 3]))


def test_bumpy_has_a_higher_local_minimum_on_the_right():
    surface = L.SURFACES["bumpy"]
    w = np.linspace(-2.3, 2.3, 4601)[:, None]
    loss = surface(w)
    interior = (loss[1:-1] < loss[:-2]) & (loss[1:-1] < loss[2:])
    minima = w[1:-1][interior, 0]
    assert len(minima) == 2
    assert minima[0] < 0 < minima[1]
    assert surface([minima[1]]) > surface([minima[0]]) + 0.5


def test_valley_is_a_hundred_times_steeper_across_than_along():
    surface = L.SURFACES["valley"]
    along, across = surface([1.0, 0.0]), surface([0.0, 1.0])
    assert across / along == pytest.approx(100.0)


def test_surface_rejects_points_of_the_wrong_size():
    with pytest.raises(ValueError, match="w: expected points with last axis of size 2"):
        L.SURFACES["bowl"]([1.0, 2.0, 3.0])


def test_get_surface_by_name_and_unknown_name():
    assert L.get_surface("valley") is L.SURFACES["valley"]
    with pytest.raises(ValueError, match="surface: expected a Surface or one of"):
        L.get_surface("everest")


# ------------------------------------------------------------------------- optimisers
def test_one_sgd_step_is_w_minus_lr_times_gradient():
    traj = L.run_optimizer("valley", [-5.0, 2.0], "sgd", lr=0.1, steps=1)
    # gradient at (-5, 2) is (0.05 * -5, 5 * 2) = (-0.25, 10)
    np.testing.assert_allclose(traj.points, [[-5.0, 2.0], [-4.975, 1.0]])
    assert traj.points.shape == (2, 2)
    assert traj.losses[1] == pytest.approx(0.025 * 4.975 ** 2 + 2.5 * 1.0 ** 2)


@pytest.mark.parametrize("name, cls, kw", [
    ("sgd", SGD, {}),
    ("momentum", SGD, {"momentum": 0.9}),
    ("adam", Adam, {}),
])
def test_run_matches_a_hand_loop_with_the_real_optimiser(name, cls, kw):
    surface = L.SURFACES["rosenbrock"]
    traj = L.run_optimizer(surface, [-1.5, 2.0], name, lr=0.01, steps=30)
    w = Tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = cls([w], lr=0.01, **kw)
    for k in range(30):
        w.grad = surface.grad(w.data)
        opt.step()
        np.testing.assert_allclose(traj.points[k + 1], w.data, rtol=1e-12)


def test_extra_keywords_reach_the_optimiser():
    slow = L.run_optimizer("valley", [-5.0, 2.0], "momentum", 0.01, 20, momentum=0.5)
    fast = L.run_optimizer("valley", [-5.0, 2.0], "momentum", 0.01, 20)
    assert not np.allclose(slow.points, fast.points)


def test_learning_rates_too_small_right_and_too_large_on_the_parabola():
    start, steps = [-2.0], 50
    slow = L.run_optimizer("parabola", start, "sgd", 0.01, steps)
    good = L.run_optimizer("parabola", start, "sgd", 0.3, steps)
    bouncy = L.run_optimizer("parabola", start, "sgd", 0.9, steps)
    wild = L.run_optimizer("parabola", start, "sgd", 1.1, steps)
    assert slow.steps_to_converge() is None and slow.final_loss > 1
    assert good.steps_to_converge() < bouncy.steps_to_converge() < steps
    # lr 0.9 overshoots: the weight jumps to the other side of the minimum at w = 2
    assert (bouncy.points[1:6, 0] > 2).tolist() == [True, False, True, False, True]
    assert wild.diverged and not good.diverged
    assert wild.final_loss > 1e6
    assert wild.points.shape == (wild.diverged_at + 1, 1)


def test_divergence_is_detected_at_the_first_exploding_step():
    traj = L.run_optimizer("valley", [-5.0, 2.0], "sgd", lr=1.0, steps=100, max_loss=1e3)
    over = np.flatnonzero(traj.losses > 1e3)
    assert traj.diverged_at == over[0] == len(traj.points) - 1
    assert np.all(traj.losses[:-1] <= 1e3)


def test_huge_learning_rate_stops_cleanly_without_warnings():
    with np.errstate(all="raise"):
        traj = L.run_optimizer("rosenbrock", [-1.5, 2.0], "sgd", lr=1e3, steps=50)
    assert traj.diverged_at is not None and traj.diverged_at <= 3


def test_momentum_and_adam_beat_plain_sgd_on_the_valley():
    # each at its best learning rate among 0.01, 0.03, ..., 1: SGD's is capped by the
    # steep direction (it diverges above lr = 2 / 5 = 0.4), so it crawls along the valley
    best = {name: min(L.run_optimizer("valley", [-5.0, 2.0], name, lr, 100).final_loss
                      for lr in (0.01, 0.03, 0.1, 0.3, 1.0))
            for name in L.OPTIMIZERS}
    assert best["momentum"] < best["sgd"] / 100
    assert best["adam"] < best["sgd"] / 100


def test_zero_steps_gives_only_the_start():
    traj = L.run_optimizer("bowl", [1.0, 2.0], "adam", 0.1, 0)
    np.testing.assert_array_equal(traj.points, [[1.0, 2.0]])
    assert traj.steps_to_converge(tol=10.0) == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"start": [1.0]}, r"start: expected shape \(2,\)"),
    ({"optimizer_name": "rmsprop"}, "optimizer_name: expected one of"),
    ({"lr": 0.0}, "lr: expected a positive number"),
    ({"steps": -1}, "steps: expected an integer >= 0"),
    ({"steps": 2.5}, "steps: expected an integer >= 0"),
])
def test_run_optimizer_rejects_bad_arguments(kwargs, message):
    args = {"surface": "bowl", "start": [1.0, 1.0], "optimizer_name": "sgd", "lr": 0.1,
            "steps": 5} | kwargs
    with pytest.raises(ValueError, match=message):
        L.run_optimizer(**args)
