"""The computations of chapter 15, *Generative adversarial networks*: a generator and a
discriminator playing their game on a ring of Gaussians, with snapshots of the training.

Four parts, each used by the chapter's notebook, its figures (:mod:`nnlib.viz.gan`) and its
explorer:

- **The two players** (:func:`generator`, :func:`discriminator`): small multi-layer networks.
  The generator turns a **latent vector**, two numbers of random noise, into a point of the
  plane; the discriminator turns a point into one score, the logit of "this point is real".
- **The two losses** (:func:`discriminator_loss`, :func:`generator_loss`,
  :func:`generator_gradient`, :func:`head_start`): binary cross-entropy for the discriminator
  (real points labelled 1, generated points 0), and for the generator either the
  *non-saturating* loss ``-log D(G(z))`` or the original *minimax* loss ``log(1 - D(G(z)))``,
  whose gradient vanishes when the discriminator is winning.
- **Training** (:data:`SETTINGS`, :func:`train_gan`, :class:`GanRun`, :class:`Snapshot`,
  :func:`mode_coverage`): Adam for both players, one discriminator step then one generator
  step, on fresh batches of the ring (:mod:`nnlib.data.gaussian_ring`). A run keeps both
  losses at every step, and every ``snapshot_every`` steps a snapshot: generated points for
  a fixed set of latent vectors, the discriminator's probability "real" on a grid of the
  plane, and how many of the ring's modes the points cover. Runs are cached, so the
  notebook, the figures and the explorer train each one once.
- **Why the game is hard** (:func:`bilinear_game`): the smallest two-player game, ``x * y``,
  played by gradient steps; simultaneous steps spiral away from the balance point.

Every run is seeded and deterministic, in float64 with one BLAS thread: float32's last-bit
rounding differs between processors, and a GAN's training amplifies small differences.
"""
import functools
import numbers
from dataclasses import dataclass, field

import numpy as np

from nnlib.explore.runs import check_int, one_blas_thread
from nnlib import losses, nn, optim
from nnlib._checks import as_rng, check_positive, check_size
from nnlib.data.gaussian_ring import ring_centres, ring_of_gaussians
from nnlib.ops import cat
from nnlib.tensor import as_tensor

__all__ = [
    "LATENT_DIM", "HIDDEN", "BATCH_SIZE", "STEPS", "SNAPSHOT_EVERY", "RING", "SETTINGS",
    "SEEDS", "GRID_LIMIT", "GRID_SIZE", "N_SAMPLES", "GENERATOR_LOSSES",
    "generator", "discriminator", "discriminator_loss", "generator_loss",
    "latent_vectors", "real_points", "grid", "Coverage", "mode_coverage",
    "Snapshot", "GanRun", "train_gan", "coverage_table",
    "generator_gradient", "HeadStart", "head_start", "latent_map", "latent_walk", "bilinear_game",
]

#: Numbers of random noise the generator starts from (the latent vector z).
LATENT_DIM = 2
#: Neurons in each of the two hidden layers of both players.
HIDDEN = 32
#: Real points and generated points per step (each).
BATCH_SIZE = 128
#: Training steps of a run (one discriminator step and one generator step each).
STEPS = 1000
#: A snapshot every this many steps (and one at step 0).
SNAPSHOT_EVERY = 50
#: The data: 8 blobs of standard deviation 0.1 on a circle of radius 2.
RING = {"modes": 8, "radius": 2.0, "std": 0.1}
#: The two settings the chapter compares: the learning rates of Adam for each player.
SETTINGS = {
    "balanced": {"lr_d": 2e-3, "lr_g": 2e-3},
    "generator too fast": {"lr_d": 5e-4, "lr_g": 1e-2},
}
#: The seeds of the chapter's runs (the first one is the explorer's).
SEEDS = (0, 1, 2)
#: The snapshots' grid covers [-GRID_LIMIT, GRID_LIMIT] in x and y ...
GRID_LIMIT = 3.0
#: ... with this many points along each axis.
GRID_SIZE = 61
#: Generated points per snapshot, from the same latent vectors every time.
N_SAMPLES = 1000
_LATENT_SEED = 1234
_REAL_SEED = 4321
#: The generator losses :func:`generator_loss` knows.
GENERATOR_LOSSES = ("non-saturating", "minimax")
_ADAM_BETAS = (0.5, 0.999)


# ---------------------------------------------------------------------------- the players

def _mlp(sizes, activation, rng):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out, rng=rng))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def generator(latent_dim=LATENT_DIM, hidden=HIDDEN, rng=None):
    """The forger: latent vectors z (N, latent_dim) -> points (N, 2).

    Linear(latent_dim, hidden) -> ReLU -> Linear(hidden, hidden) -> ReLU -> Linear(hidden, 2),
    float64, weights drawn from ``rng`` (a Generator or an int seed).
    """
    latent_dim = check_size("latent_dim", latent_dim)
    hidden = check_size("hidden", hidden)
    return _mlp((latent_dim, hidden, hidden, 2), nn.ReLU, as_rng(rng))


def discriminator(hidden=HIDDEN, rng=None):
    """The detective: points (N, 2) -> logits (N, 1), the score of "this point is real"
    (its sigmoid is the probability the discriminator gives).

    Linear(2, hidden) -> LeakyReLU(0.2) -> Linear(hidden, hidden) -> LeakyReLU(0.2) ->
    Linear(hidden, 1). The leaky slope keeps a gradient flowing back to the generator
    where a plain ReLU would be switched off.
    """
    hidden = check_size("hidden", hidden)
    return _mlp((2, hidden, hidden, 1), lambda: nn.LeakyReLU(0.2), as_rng(rng))


# ---------------------------------------------------------------------------- the losses

def discriminator_loss(D, real, fake):
    """The detective's loss: binary cross-entropy with real points labelled 1 and generated
    points labelled 0, ``mean(-log D(x)) + mean(-log(1 - D(G(z))))``.

    Parameters
    ----------
    D : the discriminator (a Module giving logits (N, 1))
    real : (N, 2) real points
    fake : (M, 2) generated points (pass ``fake.detach()`` so that this loss trains the
        discriminator only)

    D looks at both batches in one pass (stacked, N + M rows); its weights serve every row,
    so ``backward`` adds the gradients from the real rows and from the generated rows, as if
    D had been called twice. Returns a scalar Tensor; its smallest value is 0, and it is
    ``2 log 2 = 1.386`` when D answers 1/2 everywhere.
    """
    real, fake = as_tensor(real), as_tensor(fake)
    logits = D(cat([real, fake]))                          # (N + M, 1)
    n = len(real)
    real_logits, fake_logits = logits[:n], logits[n:]
    ones = np.ones(real_logits.shape)
    zeros = np.zeros(fake_logits.shape)
    return (losses.binary_cross_entropy_with_logits(real_logits, ones)
            + losses.binary_cross_entropy_with_logits(fake_logits, zeros))


def _check_generator_loss(kind):
    if not isinstance(kind, str) or kind not in GENERATOR_LOSSES:
        raise ValueError(f"kind: expected one of {', '.join(map(repr, GENERATOR_LOSSES))}, "
                         f"got {kind!r}")
    return kind


def generator_loss(D, fake, kind="non-saturating"):
    """The forger's loss on generated points ``fake`` (N, 2), a Tensor built by G so that
    the gradient reaches G's weights.

    kind "non-saturating" (the default, used in practice): ``mean(-log D(G(z)))``, binary
    cross-entropy with the *real* label 1: small when the detective is fooled. Its gradient
    stays large while the detective is winning. ``log 2 = 0.693`` when D answers 1/2.

    kind "minimax" (the game as first written): ``mean(log(1 - D(G(z))))``, minus the
    detective's loss on fakes. When the detective is sure a point is fake, D(G(z)) ~ 0 and
    the gradient vanishes.
    """
    kind = _check_generator_loss(kind)
    logits = D(fake)
    if kind == "non-saturating":
        return losses.binary_cross_entropy_with_logits(logits, np.ones(logits.shape))
    return -losses.binary_cross_entropy_with_logits(logits, np.zeros(logits.shape))


# ---------------------------------------------------------------------------- fixed inputs

@functools.lru_cache(maxsize=1)
def _latent_cache():
    z = np.random.default_rng(_LATENT_SEED).standard_normal((N_SAMPLES, LATENT_DIM))
    z.flags.writeable = False
    return z


def latent_vectors():
    """The N_SAMPLES fixed latent vectors (N_SAMPLES, LATENT_DIM) that every snapshot sends
    through the generator, so that frames show the same points moving (read-only)."""
    return _latent_cache()


@functools.lru_cache(maxsize=1)
def _real_cache():
    X, _ = ring_of_gaussians(N_SAMPLES, rng=_REAL_SEED, **RING)
    X.flags.writeable = False
    return X


def real_points():
    """N_SAMPLES fixed real points of the ring (N_SAMPLES, 2), for figures (read-only)."""
    return _real_cache()


def grid():
    """The snapshots' grid: ``(xs, points)``, xs (GRID_SIZE,) the coordinates along each
    axis, points (GRID_SIZE**2, 2) every (x, y) pair, x varying fastest (row-major, as
    ``surface.reshape(GRID_SIZE, GRID_SIZE)`` with rows = y expects)."""
    xs = np.linspace(-GRID_LIMIT, GRID_LIMIT, GRID_SIZE)
    gx, gy = np.meshgrid(xs, xs)
    return xs, np.stack([gx.ravel(), gy.ravel()], axis=1)


# ---------------------------------------------------------------------------- mode coverage

@dataclass(frozen=True)
class Coverage:
    """How generated points sit on the ring's modes (see :func:`mode_coverage`).

    covered : int, the number of modes holding at least ``min_share`` of the points
    counts : (K,) int, points within ``within`` standard deviations of each mode
    on_ring : float, the share of all points that are near some mode
    """

    covered: int
    counts: np.ndarray
    on_ring: float


def mode_coverage(samples, centres=None, std=RING["std"], within=3.0, min_share=0.02):
    """Count the modes a set of generated points covers.

    Parameters
    ----------
    samples : (N, 2) points
    centres : (K, 2) the modes' centres (default: the chapter's ring)
    std : the blobs' standard deviation
    within : a point is *near* a mode if it lies within ``within * std`` of its centre
        (3 standard deviations hold 98.9 % of a real blob)
    min_share : a mode is *covered* if at least this share of all points are near it
        (0.02: a sixth of its fair share 1/8)

    Returns
    -------
    Coverage
    """
    x = np.asarray(samples, dtype=float)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"samples: expected points of shape (N, 2) with N >= 1, "
                         f"got shape {x.shape}")
    c = ring_centres(RING["modes"], RING["radius"]) if centres is None \
        else np.asarray(centres, dtype=float)
    if c.ndim != 2 or c.shape[1] != 2 or len(c) == 0:
        raise ValueError(f"centres: expected shape (K, 2), got shape {c.shape}")
    check_positive("std", std)
    check_positive("within", within)
    if isinstance(min_share, bool) or not isinstance(min_share, numbers.Real) \
            or not 0 < min_share <= 1:
        raise ValueError(f"min_share: expected a number in (0, 1], got {min_share!r}")
    distances = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=2)     # (N, K)
    nearest = distances.argmin(axis=1)
    near = distances.min(axis=1) < within * std
    counts = np.bincount(nearest[near], minlength=len(c))
    covered = int(np.sum(counts >= min_share * len(x)))
    return Coverage(covered, counts, float(near.mean()))


# ---------------------------------------------------------------------------- training

@dataclass(frozen=True)
class Snapshot:
    """The game after ``step`` steps.

    Attributes
    ----------
    samples : (N_SAMPLES, 2) the generator's points for :func:`latent_vectors`
    surface : (GRID_SIZE, GRID_SIZE) the discriminator's probability "real" on :func:`grid`
        (rows: y from -GRID_LIMIT up, columns: x)
    coverage : :class:`Coverage` of ``samples``
    """

    step: int
    samples: np.ndarray
    surface: np.ndarray
    coverage: Coverage


@dataclass
class GanRun:
    """One training run of :func:`train_gan`.

    d_losses, g_losses : (steps,) the discriminator's and the generator's loss at every step
    snapshots : list of :class:`Snapshot`, step 0 first, then every ``snapshot_every`` steps
    """

    setting: str
    seed: int
    settings: dict
    G: nn.Sequential
    D: nn.Sequential
    d_losses: np.ndarray
    g_losses: np.ndarray
    snapshots: list = field(default_factory=list)

    @property
    def steps(self):
        """The snapshots' steps, a tuple."""
        return tuple(s.step for s in self.snapshots)

    def snapshot(self, step):
        """The snapshot taken after ``step`` steps (ValueError if there is none)."""
        for snap in self.snapshots:
            if snap.step == step:
                return snap
        raise ValueError(f"step: expected one of the snapshots' steps {list(self.steps)}, "
                         f"got {step!r}")

    @property
    def final(self):
        """The last snapshot."""
        return self.snapshots[-1]


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _take_snapshot(step, G, D, points):
    samples = G(latent_vectors()).data
    surface = _sigmoid(D(points).data).reshape(GRID_SIZE, GRID_SIZE)
    for a in (samples, surface):
        a.flags.writeable = False
    return Snapshot(step, samples, surface, mode_coverage(samples))


def train_gan(setting="balanced", seed=0, steps=STEPS, lr_d=None, lr_g=None,
              loss="non-saturating", snapshot_every=SNAPSHOT_EVERY):
    """Train a generator against a discriminator on the ring (cached: the same arguments
    return the same :class:`GanRun` object).

    Parameters
    ----------
    setting : a key of :data:`SETTINGS`, giving the learning rates
    seed : int, sets both players' starting weights, the latent vectors and the real
        batches of every step
    steps : int, the number of training steps
    lr_d, lr_g : float, optional, override the setting's learning rates
    loss : the generator's loss, "non-saturating" or "minimax" (:func:`generator_loss`)
    snapshot_every : a snapshot every this many steps, and at step 0

    Each step: draw BATCH_SIZE real points and BATCH_SIZE latent vectors; one Adam step of
    the discriminator on :func:`discriminator_loss` (generated points detached), then one
    Adam step of the generator on :func:`generator_loss` against the updated discriminator.
    """
    if not isinstance(setting, str) or setting not in SETTINGS:
        raise ValueError(f"setting: expected one of {', '.join(map(repr, SETTINGS))}, "
                         f"got {setting!r}")
    seed = check_int("seed", seed, 0)
    steps = check_int("steps", steps, 1)
    snapshot_every = check_int("snapshot_every", snapshot_every, 1)
    loss = _check_generator_loss(loss)
    rates = dict(SETTINGS[setting])
    for name, value in (("lr_d", lr_d), ("lr_g", lr_g)):
        if value is not None:
            rates[name] = float(check_positive(name, value))
    return _train(setting, seed, steps, rates["lr_d"], rates["lr_g"], loss, snapshot_every)


@functools.lru_cache(maxsize=16)
def _train(setting, seed, steps, lr_d, lr_g, loss, snapshot_every):
    rng = np.random.default_rng(seed)
    G, D = generator(rng=rng), discriminator(rng=rng)
    opt_g = optim.Adam(G.parameters(), lr=lr_g, betas=_ADAM_BETAS)
    opt_d = optim.Adam(D.parameters(), lr=lr_d, betas=_ADAM_BETAS)
    settings = {"lr_d": lr_d, "lr_g": lr_g, "loss": loss, "steps": steps,
                "batch_size": BATCH_SIZE, "hidden": HIDDEN}
    run = GanRun(setting, seed, settings, G, D, np.zeros(steps), np.zeros(steps))
    _, points = grid()
    # every step's batch of real points and of latent vectors, drawn at once (faster)
    reals, _ = ring_of_gaussians(steps * BATCH_SIZE, rng=rng, **RING)
    reals = reals.reshape(steps, BATCH_SIZE, 2)
    latents = rng.standard_normal((steps, BATCH_SIZE, LATENT_DIM))
    with one_blas_thread():
        run.snapshots.append(_take_snapshot(0, G, D, points))
        for step in range(steps):
            real, fake = reals[step], G(latents[step])
            # the detective's turn: real -> 1, fake -> 0 (fake detached: G is not trained)
            d_loss = discriminator_loss(D, real, fake.detach())
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            # the forger's turn: make the (updated) detective say "real"
            g_loss = generator_loss(D, fake, loss)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            run.d_losses[step], run.g_losses[step] = d_loss.item(), g_loss.item()
            if (step + 1) % snapshot_every == 0 or step + 1 == steps:
                run.snapshots.append(_take_snapshot(step + 1, G, D, points))
    for a in (run.d_losses, run.g_losses):
        a.flags.writeable = False
    return run


def coverage_table(seeds=SEEDS, settings=tuple(SETTINGS), **kwargs):
    """Modes covered at the end of training: {setting: (len(seeds),) int array}.

    ``kwargs`` go to :func:`train_gan` (e.g. ``steps``, ``loss``)."""
    return {name: np.array([train_gan(name, seed, **kwargs).final.coverage.covered
                            for seed in seeds]) for name in settings}


# ---------------------------------------------------------------------------- saturation

def generator_gradient(D, G, z, kind):
    """The size of the generator's gradient: the root-mean-square of d loss / d weight over
    all of G's parameters, for :func:`generator_loss` of ``kind`` on G(z). G's and D's
    gradients are cleared afterwards."""
    loss = generator_loss(D, G(z), kind)
    G.zero_grad()
    D.zero_grad()
    loss.backward()
    grads = np.concatenate([p.grad.ravel() for p in G.parameters()])
    G.zero_grad()
    D.zero_grad()
    return float(np.sqrt(np.mean(grads ** 2)))


@dataclass(frozen=True)
class HeadStart:
    """A detective trained alone against an untrained forger (see :func:`head_start`).

    steps : the discriminator steps taken so far, (S,)
    fooled : (S,) the mean probability "real" D gives the forger's points
    gradient : {kind: (S,)} the size of the generator's gradient with each loss
    """

    steps: np.ndarray
    fooled: np.ndarray
    gradient: dict


def head_start(steps=(0, 10, 25, 50, 100, 200), seed=0, lr=2e-3):
    """Train only the discriminator, against a generator that stays as it started, and
    measure after each number of ``steps`` how sure D is and how much gradient each
    generator loss would give G. Returns a :class:`HeadStart`."""
    steps = [check_int(f"steps[{i}]", s, 0) for i, s in enumerate(steps)]
    if not steps or steps != sorted(steps):
        raise ValueError(f"steps: expected increasing whole numbers, got {steps!r}")
    rng = np.random.default_rng(seed)
    G, D = generator(rng=rng), discriminator(rng=rng)
    opt = optim.Adam(D.parameters(), lr=lr, betas=_ADAM_BETAS)
    z_probe = latent_vectors()
    fooled, grads = [], {kind: [] for kind in GENERATOR_LOSSES}
    done = 0
    with one_blas_thread():
        for target in steps:
            while done < target:
                real, _ = ring_of_gaussians(BATCH_SIZE, rng=rng, **RING)
                fake = G(rng.standard_normal((BATCH_SIZE, LATENT_DIM))).detach()
                loss = discriminator_loss(D, real, fake)
                opt.zero_grad()
                loss.backward()
                opt.step()
                done += 1
            fooled.append(float(_sigmoid(D(G(z_probe).data).data).mean()))
            for kind in GENERATOR_LOSSES:
                grads[kind].append(generator_gradient(D, G, z_probe, kind))
    return HeadStart(np.array(steps), np.array(fooled),
                     {k: np.array(v) for k, v in grads.items()})


# ---------------------------------------------------------------------------- latent space

def latent_map(G, limit=3.0, size=81):
    """Where the generator sends each latent vector: a square grid of z in
    [-limit, limit]^2 (size x size points), each labelled with the mode its G(z) lands
    near (within 3 standard deviations of the centre), or -1 if it lands near none.

    Returns ``(zs, labels)``: zs (size,) the coordinates along each axis; labels
    (size, size) int, rows = z2 from -limit up, columns = z1.
    """
    limit = float(check_positive("limit", limit))
    size = check_int("size", size, 2)
    zs = np.linspace(-limit, limit, size)
    z1, z2 = np.meshgrid(zs, zs)
    z = np.stack([z1.ravel(), z2.ravel()], axis=1)
    with one_blas_thread():
        points = G(z).data
    return zs, _nearest_mode(points).reshape(size, size)


def _nearest_mode(points, within=3.0):
    """For each point (N, 2): the index of the ring's mode it lies near, or -1."""
    centres = ring_centres(RING["modes"], RING["radius"])
    distances = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
    labels = distances.argmin(axis=1)
    labels[distances.min(axis=1) >= within * RING["std"]] = -1
    return labels


def latent_walk(G, z_path):
    """Send the latent vectors ``z_path`` (P, LATENT_DIM), a path through the latent space,
    through G. Returns ``(points, labels, visited)``: points (P, 2); labels (P,) the mode
    each point lies near or -1; visited, the modes in the order the path meets them (a
    mode met again after another one counts again; points near none are skipped)."""
    z = np.asarray(z_path, dtype=float)
    if z.ndim != 2 or z.shape[1] != LATENT_DIM or len(z) == 0:
        raise ValueError(f"z_path: expected shape (P, {LATENT_DIM}) with P >= 1, "
                         f"got shape {z.shape}")
    with one_blas_thread():
        points = G(z).data
    labels = _nearest_mode(points)
    visited = []
    for label in labels:
        if label >= 0 and (not visited or visited[-1] != label):
            visited.append(int(label))
    return points, labels, visited


# ---------------------------------------------------------------------------- the x*y game

def bilinear_game(steps=60, lr=0.2, start=(1.0, 1.0), alternating=False):
    """Gradient play on the game ``V(x, y) = x * y``: player x wants V small, player y wants
    it large. Its only balance point is (0, 0): there neither player gains by moving.

    Each step, x moves against its gradient (``x -= lr * y``) and y along its gradient
    (``y += lr * x``). Simultaneous: both use the old values, and the distance from (0, 0)
    grows by ``sqrt(1 + lr**2)`` every step, a spiral outwards. Alternating (``alternating=
    True``): y reacts to the new x, and the pair circles forever without getting closer.

    Returns the path, an array (steps + 1, 2).
    """
    steps = check_int("steps", steps, 1)
    lr = float(check_positive("lr", lr))
    x, y = (float(v) for v in np.asarray(start, dtype=float).reshape(2))
    path = [(x, y)]
    for _ in range(steps):
        new_x = x - lr * y
        y = y + lr * (new_x if alternating else x)
        x = new_x
        path.append((x, y))
    return np.array(path)
