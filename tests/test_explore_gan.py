"""Tests of nnlib.explore.gan: chapter 15's players, losses, training runs, mode coverage,
latent maps and the x*y game."""
import numpy as np
import pytest

from nnlib import losses, nn
from nnlib.data.gaussian_ring import ring_centres
from nnlib.explore import gan
from nnlib.numerical import gradcheck, numerical_gradient
from nnlib.tensor import Tensor


def _constant_generator(point):
    """A generator whose every output is ``point`` (zero weights, bias = point)."""
    G = gan.generator(rng=0)
    G[-1].weight.data[...] = 0.0
    G[-1].bias.data[...] = point
    return G


def _silent_discriminator(logit=0.0):
    """A discriminator whose score is ``logit`` for every point."""
    D = gan.discriminator(rng=0)
    D[-1].weight.data[...] = 0.0
    D[-1].bias.data[...] = logit
    return D


def _softplus(x):
    return np.logaddexp(0.0, x)


# ---------------------------------------------------------------------------- players

def test_players_have_the_documented_shapes(rng):
    G, D = gan.generator(rng=rng), gan.discriminator(rng=rng)
    z = rng.standard_normal((7, gan.LATENT_DIM))
    assert G(z).shape == (7, 2)
    assert D(G(z)).shape == (7, 1)
    assert sum(p.data.size for p in G.parameters()) == 2 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2
    assert isinstance(D[1], nn.LeakyReLU) and D[1].negative_slope == 0.2
    with pytest.raises(ValueError, match="hidden"):
        gan.discriminator(hidden=0)
    with pytest.raises(ValueError, match="latent_dim"):
        gan.generator(latent_dim=-1)


# ---------------------------------------------------------------------------- losses

def test_losses_at_a_tie():
    D = _silent_discriminator(0.0)                         # D(x) = 1/2 everywhere
    real, fake = np.ones((4, 2)), np.zeros((5, 2))
    assert gan.discriminator_loss(D, real, fake).item() == pytest.approx(2 * np.log(2))
    assert gan.generator_loss(D, Tensor(fake)).item() == pytest.approx(np.log(2))
    assert gan.generator_loss(D, Tensor(fake), "minimax").item() == pytest.approx(-np.log(2))


def test_losses_match_their_formulas(rng):
    D = gan.discriminator(rng=rng)
    real, fake = rng.normal(size=(6, 2)), rng.normal(size=(4, 2))
    s_real, s_fake = D(real).data, D(fake).data
    expected = _softplus(-s_real).mean() + _softplus(s_fake).mean()    # -log D, -log(1 - D)
    assert gan.discriminator_loss(D, real, fake).item() == pytest.approx(expected)
    p = 1 / (1 + np.exp(-s_fake))
    assert gan.generator_loss(D, Tensor(fake)).item() == pytest.approx(-np.log(p).mean())
    assert gan.generator_loss(D, Tensor(fake), "minimax").item() == pytest.approx(
        np.log(1 - p).mean())
    with pytest.raises(ValueError, match="kind"):
        gan.generator_loss(D, Tensor(fake), "wasserstein")


def test_discriminator_gradient_is_the_sum_of_both_batches(rng):
    D = gan.discriminator(rng=rng)
    real, fake = rng.normal(size=(6, 2)), rng.normal(size=(4, 2))
    D.zero_grad()
    gan.discriminator_loss(D, real, fake).backward()
    both = [p.grad.copy() for p in D.parameters()]
    parts = []
    for points, label in ((real, 1.0), (fake, 0.0)):
        D.zero_grad()
        logits = D(points)
        losses.binary_cross_entropy_with_logits(logits, np.full(logits.shape, label)).backward()
        parts.append([p.grad.copy() for p in D.parameters()])
    for b, r, f in zip(both, *parts):
        np.testing.assert_allclose(b, r + f, rtol=0, atol=1e-13)
        assert np.abs(r).max() > 0 and np.abs(f).max() > 0


def test_discriminator_loss_gradient_matches_finite_differences(rng):
    D = gan.discriminator(rng=rng)
    real, fake = rng.normal(size=(5, 2)), rng.normal(size=(3, 2))
    weight = D[2].weight
    D.zero_grad()
    gan.discriminator_loss(D, real, fake).backward()
    numeric = numerical_gradient(lambda w: gan.discriminator_loss(D, real, fake).item(),
                                 weight.data)
    # entries are 1e-5 to 1e-2; central differences with eps 1e-6 are good to ~1e-10
    np.testing.assert_allclose(weight.grad, numeric, rtol=1e-5, atol=1e-9)
    assert np.abs(weight.grad).max() > 1e-3


@pytest.mark.parametrize("kind", gan.GENERATOR_LOSSES)
def test_generator_loss_gradient_reaches_the_points(rng, kind):
    D = gan.discriminator(rng=rng)
    assert gradcheck(lambda x: gan.generator_loss(D, x, kind), rng.normal(size=(4, 2))) < 1e-6


def test_minimax_gradient_vanishes_when_the_detective_is_sure():
    fake = Tensor(np.zeros((3, 2)), requires_grad=True)
    sizes = {}
    for kind in gan.GENERATOR_LOSSES:
        D = gan.discriminator(rng=0)
        D[-1].bias.data[...] = -12.0                       # D(G(z)) ~ 6e-6: "surely fake"
        fake.grad = None
        gan.generator_loss(D, fake, kind).backward()
        sizes[kind] = np.abs(fake.grad).max()
    assert sizes["minimax"] < 1e-4 * sizes["non-saturating"]


def test_generator_gradient_reports_a_size_and_clears_gradients(rng):
    G, D = gan.generator(rng=rng), gan.discriminator(rng=rng)
    z = rng.standard_normal((20, 2))
    size = gan.generator_gradient(D, G, z, "non-saturating")
    assert size > 0
    assert all(p.grad is None for p in G.parameters() + D.parameters())


# ---------------------------------------------------------------------------- mode coverage

def test_coverage_counts_modes():
    c = ring_centres(8, 2.0)
    everywhere = np.repeat(c, 10, axis=0)
    cov = gan.mode_coverage(everywhere)
    assert cov.covered == 8 and cov.on_ring == 1.0
    np.testing.assert_array_equal(cov.counts, np.full(8, 10))
    one = gan.mode_coverage(np.repeat(c[:1], 50, axis=0) + 0.05)
    assert one.covered == 1 and one.counts[0] == 50
    nowhere = gan.mode_coverage(np.zeros((30, 2)))
    assert nowhere.covered == 0 and nowhere.on_ring == 0.0


def test_coverage_thresholds():
    c = ring_centres(8, 2.0)
    points = np.vstack([np.repeat(c[:1], 97, axis=0), c[1:2], np.array([[0.29, 0.0]]) + c[2],
                        [[0.0, 0.0]]])
    cov = gan.mode_coverage(points)                       # 100 points
    assert cov.counts.tolist()[:3] == [97, 1, 1]          # 0.29 < 3 * 0.1: near mode 3
    assert cov.covered == 1                               # 1 % < min_share 2 %
    assert gan.mode_coverage(points, min_share=0.01).covered == 3
    assert gan.mode_coverage(points, within=2.0).counts[2] == 0
    with pytest.raises(ValueError, match="samples"):
        gan.mode_coverage(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="min_share"):
        gan.mode_coverage(points, min_share=0)
    with pytest.raises(ValueError, match="centres"):
        gan.mode_coverage(points, centres=np.zeros(3))


# ---------------------------------------------------------------------------- training

@pytest.fixture(scope="module")
def short_run():
    return gan.train_gan("balanced", seed=0, steps=30, snapshot_every=10)


def test_a_run_keeps_losses_and_snapshots(short_run):
    run = short_run
    assert run.steps == (0, 10, 20, 30)
    assert run.d_losses.shape == run.g_losses.shape == (30,)
    assert np.isfinite(run.d_losses).all() and np.isfinite(run.g_losses).all()
    snap = run.snapshot(20)
    assert snap.samples.shape == (gan.N_SAMPLES, 2)
    assert snap.surface.shape == (gan.GRID_SIZE, gan.GRID_SIZE)
    assert 0 <= snap.surface.min() and snap.surface.max() <= 1
    assert run.final.step == 30
    assert run.settings["lr_d"] == run.settings["lr_g"] == 2e-3
    with pytest.raises(ValueError, match="step"):
        run.snapshot(15)


def test_snapshots_are_the_networks_at_that_step(short_run):
    run = short_run
    np.testing.assert_allclose(run.final.samples, run.G(gan.latent_vectors()).data)
    _, points = gan.grid()
    p = 1 / (1 + np.exp(-run.D(points).data.ravel()))
    np.testing.assert_allclose(run.final.surface.ravel(), p, rtol=1e-12)
    assert not np.allclose(run.snapshot(0).samples, run.final.samples)   # G has learned


def test_runs_are_cached_and_repeatable(short_run):
    assert gan.train_gan("balanced", 0, steps=30, snapshot_every=10) is short_run
    again = gan._train.__wrapped__("balanced", 0, 30, 2e-3, 2e-3, "non-saturating", 10)
    np.testing.assert_array_equal(again.d_losses, short_run.d_losses)
    other = gan.train_gan("balanced", 1, steps=30, snapshot_every=10)
    assert not np.array_equal(other.d_losses, short_run.d_losses)


def test_learning_rates_and_loss_can_be_overridden():
    run = gan.train_gan("generator too fast", 0, steps=5, lr_g=0.05, loss="minimax")
    assert run.settings == {"lr_d": 5e-4, "lr_g": 0.05, "loss": "minimax", "steps": 5,
                            "batch_size": gan.BATCH_SIZE, "hidden": gan.HIDDEN}
    assert run.steps == (0, 5)


@pytest.mark.parametrize("kwargs, name", [
    ({"setting": "fast"}, "setting"), ({"seed": -1}, "seed"), ({"steps": 0}, "steps"),
    ({"snapshot_every": 0}, "snapshot_every"), ({"lr_d": 0.0}, "lr_d"),
    ({"loss": "hinge"}, "kind"),
])
def test_train_gan_refuses_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        gan.train_gan(**{"steps": 2, **kwargs})


def test_coverage_table_collects_the_final_counts(short_run):
    table = gan.coverage_table(seeds=(0,), settings=("balanced",), steps=30, snapshot_every=10)
    np.testing.assert_array_equal(table["balanced"], [short_run.final.coverage.covered])


def test_head_start_makes_the_detective_surer_and_starves_minimax():
    result = gan.head_start(steps=(0, 150), lr=5e-3)
    assert result.steps.tolist() == [0, 150]
    assert result.fooled[1] < result.fooled[0]
    assert result.gradient["minimax"][1] < result.gradient["non-saturating"][1]
    with pytest.raises(ValueError, match="steps"):
        gan.head_start(steps=(10, 5))


# ---------------------------------------------------------------------------- latent space

def test_latent_map_and_walk_follow_the_generator():
    centre = ring_centres(8, 2.0)[3]
    G = _constant_generator(centre)
    zs, labels = gan.latent_map(G, limit=2.0, size=5)
    np.testing.assert_allclose(zs, [-2, -1, 0, 1, 2])
    assert labels.shape == (5, 5) and (labels == 3).all()
    points, walk_labels, visited = gan.latent_walk(G, np.zeros((4, 2)))
    np.testing.assert_allclose(points, np.tile(centre, (4, 1)))
    assert visited == [3] and walk_labels.tolist() == [3, 3, 3, 3]
    _, far = gan.latent_map(_constant_generator([0.0, 0.0]), size=3)
    assert (far == -1).all()
    with pytest.raises(ValueError, match="z_path"):
        gan.latent_walk(G, np.zeros((4, 3)))


def test_walk_counts_a_mode_again_after_another():
    G = gan.generator(rng=0)
    # a generator that copies z (scaled by 2) into the plane: z on the circle of radius 1
    # lands on the ring of radius 2
    for layer in (G[0], G[2], G[4]):
        layer.weight.data[...] = 0.0
        layer.bias.data[...] = 0.0
    G[0].weight.data[0, 0], G[0].weight.data[1, 1] = 1.0, 1.0
    G[0].weight.data[0, 2], G[0].weight.data[1, 3] = -1.0, -1.0
    for k in range(4):
        G[2].weight.data[k, k] = 1.0
    G[-1].weight.data[0, 0], G[-1].weight.data[1, 1] = 2.0, 2.0
    G[-1].weight.data[2, 0], G[-1].weight.data[3, 1] = -2.0, -2.0
    angles = np.linspace(0, 2 * np.pi, 721)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    np.testing.assert_allclose(G(circle).data, 2 * circle, atol=1e-12)
    _, _, visited = gan.latent_walk(G, circle)
    assert visited == [0, 1, 2, 3, 4, 5, 6, 7, 0]


# ---------------------------------------------------------------------------- the x*y game

def test_simultaneous_play_spirals_out_by_a_known_factor():
    path = gan.bilinear_game(steps=50, lr=0.2)
    distance = np.hypot(path[:, 0], path[:, 1])
    np.testing.assert_allclose(distance[1:] / distance[:-1], np.sqrt(1.04), rtol=1e-12)
    np.testing.assert_allclose(path[1], [1 - 0.2, 1 + 0.2])


def test_alternating_play_circles_without_converging():
    path = gan.bilinear_game(steps=2000, lr=0.2, alternating=True)
    distance = np.hypot(path[:, 0], path[:, 1])
    assert distance.max() < 1.5 and distance.min() > 1.2        # bounded, never near (0, 0)
    np.testing.assert_allclose(path[1], [0.8, 1 + 0.2 * 0.8])    # y reacts to the new x
    with pytest.raises(ValueError, match="lr"):
        gan.bilinear_game(lr=0)
    with pytest.raises(ValueError, match="steps"):
        gan.bilinear_game(steps=0)
