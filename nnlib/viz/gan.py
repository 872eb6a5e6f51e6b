"""Figures of chapter 15, *Generative adversarial networks*, and its explorer (training step
and setting -> generated points and the discriminator's decision surface).

Each helper returns a :class:`matplotlib.figure.Figure` in the course style. The numbers
come from :mod:`nnlib.explore.gan`:

- :func:`setup_figure`: latent noise, what an untrained generator makes of it, the real ring;
- :func:`snapshots_figure`: small multiples of one run, generated points over the
  discriminator's probability "real", at a few training steps;
- :func:`losses_figure`: both players' losses during training, with the values of a tie;
- :func:`coverage_figure`: modes covered during training, every seed of each setting;
- :func:`saturation_figure`: the two generator losses, their slopes, and the gradient each
  gives while the discriminator trains alone;
- :func:`latent_figure`: which mode each latent vector z is sent to, for trained generators;
- :func:`game_figure`: gradient play on ``x * y``, simultaneous and alternating;
- :func:`training_figure` (with :func:`training_controls`, :func:`training_explorer`): the
  explorer, scrubbing through the snapshots of one run of each setting.

The discriminator's surface is drawn white (sure the point is fake, probability 0) to
blue (sure it is real, 1) on that fixed scale, with its 0.5 line dashed: the boundary
between what it calls real and fake. Real points are small and grey; generated points
orange.
"""
import numbers

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from nnlib.data.gaussian_ring import ring_centres
from nnlib.explore import gan
from nnlib.viz.style import OKABE_ITO, PALETTE, _styled, subplots

__all__ = [
    "setup_figure", "snapshots_figure", "losses_figure", "coverage_figure",
    "saturation_figure", "latent_figure", "game_figure", "training_figure", "training_controls",
    "training_explorer", "smooth", "EXPLORER_STEPS", "EXPLORER_SETTINGS",
]

_SURFACE = "Blues"
_FAKE = OKABE_ITO["orange"]
_REAL = "#555555"
_D_COLOUR, _G_COLOUR = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
_SETTING_COLOURS = {"balanced": OKABE_ITO["blue"], "generator too fast": OKABE_ITO["vermillion"]}


def smooth(values, window=50):
    """Moving average of ``values`` (S,) over the last ``window`` entries (fewer at the
    start): entry s is the mean of values[max(0, s - window + 1) : s + 1]."""
    values = np.asarray(values, dtype=float)
    if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window < 1:
        raise ValueError(f"window: expected a whole number >= 1, got {window!r}")
    total = np.cumsum(np.concatenate([[0.0], values]))
    idx = np.arange(1, len(values) + 1)
    start = np.maximum(0, idx - window)
    return (total[idx] - total[start]) / (idx - start)


def _plane(ax, title=None, fontsize=10.5):
    limit = gan.GRID_LIMIT
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if title:
        ax.set_title(title, fontsize=fontsize)


def _surface(ax, surface):
    """The discriminator's probability "real" as an image, with its 0.5 line dashed."""
    xs, _ = gan.grid()
    limit = gan.GRID_LIMIT
    ax.imshow(surface, origin="lower", extent=(-limit, limit, -limit, limit), cmap=_SURFACE,
              vmin=0, vmax=1, interpolation="bilinear", alpha=0.85)
    if surface.min() < 0.5 < surface.max():
        ax.contour(xs, xs, surface, levels=[0.5], colors="#08306b", linewidths=1.0,
                   linestyles="--")


def _snapshot_panel(ax, snap, title=None, markersize=4):
    _surface(ax, snap.surface)
    real = gan.real_points()[:500]
    ax.plot(real[:, 0], real[:, 1], ".", color=_REAL, markersize=2, alpha=0.6)
    fake = snap.samples[:500]
    inside = np.all(np.abs(fake) < gan.GRID_LIMIT, axis=1)
    ax.plot(fake[inside, 0], fake[inside, 1], ".", color=_FAKE, markersize=markersize,
            alpha=0.8, markeredgewidth=0)
    _plane(ax, title)
    return ax


def _check_run(run):
    if not isinstance(run, gan.GanRun):
        raise ValueError(f"run: expected a GanRun from nnlib.explore.gan.train_gan, got "
                         f"{type(run).__name__}")
    return run


# ---------------------------------------------------------------------------- the set-up

@_styled
def setup_figure(G):
    """Three panels: the latent vectors z (2-D standard normal noise), what the generator
    ``G`` (untrained) makes of them, and the real points of the ring."""
    z = gan.latent_vectors()[:500]
    fake = G(z).data
    real = gan.real_points()[:500]
    fig, axes = subplots(1, 3, figsize=(11.5, 4.0))
    left, middle, right = axes
    left.plot(z[:, 0], z[:, 1], ".", color=PALETTE[4], markersize=3)
    _plane(left, "Latent vectors z: random noise")
    left.set_xlabel("z₁")
    left.set_ylabel("z₂")
    middle.plot(fake[:, 0], fake[:, 1], ".", color=_FAKE, markersize=3)
    _plane(middle, "G(z) before training")
    right.plot(real[:, 0], real[:, 1], ".", color=_REAL, markersize=3)
    centres = ring_centres(gan.RING["modes"], gan.RING["radius"])
    for k, (cx, cy) in enumerate(centres):
        right.text(1.28 * cx, 1.28 * cy, str(k + 1), ha="center", va="center", fontsize=9,
                   color="#333333")
    _plane(right, f"Real data: {gan.RING['modes']} modes on a ring")
    return fig


# ---------------------------------------------------------------------------- snapshots

@_styled
def snapshots_figure(run, steps, ncols=3, suptitle=None):
    """Small multiples: the run's snapshot at each of ``steps``, generated points (orange)
    and real points (grey) over the discriminator's probability "real"."""
    run = _check_run(run)
    steps = list(steps)
    if not steps:
        raise ValueError("steps: expected at least one step, got none")
    snaps = [run.snapshot(s) for s in steps]
    ncols = min(ncols, len(snaps))
    nrows = -(-len(snaps) // ncols)
    fig, axes = subplots(nrows, ncols, figsize=(3.5 * ncols, 3.55 * nrows + 0.5))
    axes = np.atleast_1d(axes)
    for ax, snap in zip(axes.ravel(), snaps):
        _snapshot_panel(ax, snap, f"step {snap.step}: {snap.coverage.covered} of "
                                  f"{gan.RING['modes']} modes", markersize=3)
        ax.set_xticks([-2, 0, 2])
        ax.set_yticks([-2, 0, 2])
    for ax in axes.ravel()[len(snaps):]:
        ax.remove()
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- losses

def _loss_panel(ax, run, upto=None, window=50, legend=True):
    steps = np.arange(1, len(run.d_losses) + 1)
    end = len(steps) if upto is None else max(int(upto), 1)
    for values, colour, name in ((run.d_losses, _D_COLOUR, "discriminator"),
                                 (run.g_losses, _G_COLOUR, "generator")):
        ax.plot(steps[:end], values[:end], color=colour, alpha=0.18, linewidth=0.7)
        ax.plot(steps[:end], smooth(values, window)[:end], color=colour, linewidth=1.8,
                label=f"{name} (mean of {window} steps)")
    ax.axhline(2 * np.log(2), color=_D_COLOUR, linestyle=":", linewidth=1)
    ax.axhline(np.log(2), color=_G_COLOUR, linestyle=":", linewidth=1)
    ax.set_xlim(0, len(steps))
    ax.set_ylim(0, 3.0)
    ax.set_xlabel("training step")
    ax.set_ylabel("loss")
    if legend:
        ax.legend(loc="upper right", fontsize=9)


@_styled
def losses_figure(runs):
    """One panel per run: both losses at every step (faint) and their moving average
    (bold); dotted lines at the values of a tie, where the discriminator answers 1/2
    everywhere (2 log 2 for its loss, log 2 for the generator's)."""
    runs = [_check_run(r) for r in runs]
    if not runs:
        raise ValueError("runs: expected at least one GanRun, got none")
    fig, axes = subplots(1, len(runs), figsize=(5.4 * len(runs), 3.9), sharey=True)
    for k, (ax, run) in enumerate(zip(np.atleast_1d(axes), runs)):
        _loss_panel(ax, run, legend=k == 0)
        ax.set_title(f"{run.setting}, seed {run.seed}")
        ax.text(len(run.d_losses) * 0.02, 2 * np.log(2) + 0.05, "tie: 2 log 2", fontsize=8.5,
                color=_D_COLOUR)
        ax.text(len(run.d_losses) * 0.02, np.log(2) - 0.2, "tie: log 2", fontsize=8.5,
                color=_G_COLOUR)
    return fig


# ---------------------------------------------------------------------------- coverage

@_styled
def coverage_figure(runs_by_setting):
    """Modes covered against the training step: one thin line per run (seed), the median
    of the setting bold. ``runs_by_setting``: {setting: [GanRun, ...]}."""
    if not runs_by_setting:
        raise ValueError("runs_by_setting: expected {setting: [runs]}, got nothing")
    fig, ax = subplots(figsize=(7.0, 3.9))
    for name, runs in runs_by_setting.items():
        runs = [_check_run(r) for r in runs]
        colour = _SETTING_COLOURS.get(name, PALETTE[2])
        steps = np.array(runs[0].steps)
        counts = np.array([[s.coverage.covered for s in r.snapshots] for r in runs])
        for row in counts:
            ax.plot(steps, row, color=colour, alpha=0.35, linewidth=1)
        ax.plot(steps, np.median(counts, axis=0), color=colour, linewidth=2.4,
                label=f"{name} (median of {len(runs)} seeds)")
    ax.set_ylim(-0.3, gan.RING["modes"] + 0.5)
    ax.set_yticks(range(gan.RING["modes"] + 1))
    ax.set_xlabel("training step")
    ax.set_ylabel("modes covered")
    ax.set_title("How many of the 8 modes the generator covers")
    ax.grid(True, axis="y")
    ax.legend(loc="upper left", fontsize=9)
    return fig


# ---------------------------------------------------------------------------- saturation

@_styled
def saturation_figure(result):
    """Left: the two generator losses against D(G(z)), the probability "real" the
    discriminator gives a generated point. Middle: their slopes with respect to the
    discriminator's score (the logit). Right: measured, the generator's gradient with each
    loss while the discriminator trains alone (``result``: a
    :class:`nnlib.explore.gan.HeadStart`)."""
    p = np.linspace(0.005, 0.995, 199)
    fig, axes = subplots(1, 3, figsize=(12.5, 3.9))
    left, middle, right = axes
    ns, mm = _G_COLOUR, PALETTE[0]
    left.plot(p, -np.log(p), color=ns, linewidth=2, label="non-saturating: −log D")
    left.plot(p, np.log(1 - p), color=mm, linewidth=2, label="minimax: log(1 − D)")
    left.set_xlabel("D(G(z)): how real the detective finds a fake")
    left.set_ylabel("generator's loss")
    left.set_title("Two losses for the forger", fontsize=11)
    left.legend(fontsize=9, loc="upper right")
    middle.plot(p, -(1 - p), color=ns, linewidth=2, label="non-saturating: −(1 − D)")
    middle.plot(p, -p, color=mm, linewidth=2, label="minimax: −D")
    middle.axvspan(0, 0.1, color="#eeeeee")
    middle.text(0.12, -0.93, "detective winning:\nminimax slope ≈ 0", fontsize=9,
                va="center")
    middle.set_xlabel("D(G(z))")
    middle.set_ylabel("slope with respect to the score")
    middle.set_ylim(-1.05, 0.05)
    middle.set_title("Their slopes: how hard G is pushed", fontsize=11)
    middle.legend(fontsize=9, loc="lower right")
    for kind, colour, marker in (("non-saturating", ns, "o"), ("minimax", mm, "s")):
        right.plot(result.steps, result.gradient[kind], marker + "-", color=colour,
                   label=kind)
    right.set_xlabel("steps of the detective alone")
    right.set_ylabel("size of G's gradient (rms)")
    right.set_title("Measured: G's gradient as D pulls ahead", fontsize=11)
    right.set_ylim(bottom=0)
    right.legend(fontsize=9, loc="upper left")
    return fig


# ---------------------------------------------------------------------------- latent space

#: One colour per mode (mode k+1 = _MODE_COLOURS[k]); grey: near no mode.
_MODE_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["sky_blue"], OKABE_ITO["green"],
                 OKABE_ITO["yellow"], OKABE_ITO["blue"], OKABE_ITO["vermillion"],
                 OKABE_ITO["purple"], "#444444")
_NO_MODE = "#f2f2f2"


def _mode_cmap():
    from matplotlib.colors import ListedColormap

    return ListedColormap((_NO_MODE,) + _MODE_COLOURS[:gan.RING["modes"]])


def _latent_panel(ax, G, title, path=None):
    zs, labels = gan.latent_map(G)
    limit = zs[-1]
    modes = gan.RING["modes"]
    ax.imshow(labels + 1, origin="lower", extent=(-limit, limit, -limit, limit),
              cmap=_mode_cmap(), vmin=0, vmax=modes, interpolation="nearest")
    for radius in (1, 2):
        ax.add_patch(Circle((0, 0), radius, fill=False, edgecolor="#333333",
                            linewidth=0.8, linestyle=":"))
    if path is not None:
        ax.plot(path[:, 0], path[:, 1], "-", color="black", linewidth=1.6)
        ax.plot(*path[0], "o", color="black", markersize=5)
    used = len(np.unique(labels[labels >= 0]))
    ax.set_title(f"{title}: z sent to {used} modes", fontsize=10)
    ax.set_xlabel("z₁")
    ax.set_ylabel("z₂")
    ax.set_aspect("equal")


@_styled
def latent_figure(generators, titles, path=None):
    """Left: the ring's modes, each in its colour. Then, for each generator in
    ``generators``, its latent space: every z of a grid coloured by the mode G(z) lands
    near (light grey: near none). Dotted circles: radius 1 and 2, inside which 39 % and
    86 % of the latent vectors fall. ``path`` (P, 2), optional: a latent walk drawn on
    every map."""
    generators, titles = list(generators), list(titles)
    if not generators or len(generators) != len(titles):
        raise ValueError(f"titles: expected one title per generator ({len(generators)}), "
                         f"got {len(titles)}")
    n = len(generators) + 1
    fig, axes = subplots(1, n, figsize=(3.9 * n, 4.3))
    key = axes[0]
    centres = ring_centres(gan.RING["modes"], gan.RING["radius"])
    real = gan.real_points()[:600]
    labels = gan._nearest_mode(real)
    for k, (cx, cy) in enumerate(centres):
        mine = real[labels == k]
        key.plot(mine[:, 0], mine[:, 1], ".", color=_MODE_COLOURS[k], markersize=3)
        key.text(1.3 * cx, 1.3 * cy, str(k + 1), ha="center", va="center", fontsize=10,
                 fontweight="bold", color=_MODE_COLOURS[k])
    _plane(key, "The modes of the real data", fontsize=10)
    for ax, G, title in zip(axes[1:], generators, titles):
        _latent_panel(ax, G, title, path)
    return fig


# ---------------------------------------------------------------------------- the x*y game

@_styled
def game_figure(steps=60, lr=0.2):
    """Gradient play on ``V(x, y) = x * y`` from (1, 1): simultaneous steps (left) spiral
    away from the balance point (0, 0); alternating steps (right) circle it for ever."""
    fig, axes = subplots(1, 2, figsize=(9.0, 4.2))
    for ax, alternating in zip(axes, (False, True)):
        path = gan.bilinear_game(steps, lr, alternating=alternating)
        colour = PALETTE[3] if not alternating else PALETTE[0]
        ax.plot(path[:, 0], path[:, 1], "-", color=colour, linewidth=1.2)
        ax.plot(path[:, 0], path[:, 1], ".", color=colour, markersize=4)
        ax.plot(*path[0], "o", color="black", markersize=7)
        ax.annotate("start", path[0], xytext=(6, 6), textcoords="offset points", fontsize=9)
        ax.plot(0, 0, "*", color=OKABE_ITO["green"], markersize=14)
        ax.annotate("balance (0, 0)", (0, 0), xytext=(6, -14), textcoords="offset points",
                    fontsize=9)
        ax.set_aspect("equal")
        lim = max(3.2, 1.1 * np.abs(path).max())
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.axhline(0, color="#cccccc", linewidth=0.8)
        ax.axvline(0, color="#cccccc", linewidth=0.8)
        ax.set_xlabel("x (wants x·y small)")
        ax.set_ylabel("y (wants x·y large)")
        distance = np.hypot(*path[-1])
        kind = "alternating" if alternating else "simultaneous"
        ax.set_title(f"{kind} steps: distance {np.hypot(*path[0]):.2f} → {distance:.2f}",
                     fontsize=11)
    fig.suptitle(f"Gradient play on x·y, {steps} steps of size {lr:g}", fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- explorer

#: The explorer's training steps: step 0, then every snapshot (every 50 steps).
EXPLORER_STEPS = (0, gan.STEPS, gan.SNAPSHOT_EVERY)
#: The explorer's settings (keys of :data:`nnlib.explore.gan.SETTINGS`).
EXPLORER_SETTINGS = tuple(gan.SETTINGS)


def _explorer_run(setting):
    return gan.train_gan(setting, seed=gan.SEEDS[0])


def training_figure(step=gan.STEPS, setting="balanced"):
    """Explorer: the chapter's run of ``setting`` (seed 0) after ``step`` training steps
    (0, 50, ..., 1000). Left: generated points over the discriminator's probability
    "real". Top right: both losses up to this step. Bottom right: how many generated
    points sit near each of the 8 modes.
    """
    low, high, every = EXPLORER_STEPS
    if (isinstance(step, bool) or not isinstance(step, numbers.Integral)
            or not low <= step <= high or step % every):
        raise ValueError(f"step: expected a multiple of {every} from {low} to {high}, "
                         f"got {step!r}")
    if not isinstance(setting, str) or setting not in EXPLORER_SETTINGS:
        raise ValueError(f"setting: expected one of {list(EXPLORER_SETTINGS)}, "
                         f"got {setting!r}")
    return _training_panels(_explorer_run(setting), int(step))


@_styled
def _training_panels(run, step):
    snap = run.snapshot(step)
    fig = Figure(figsize=(11.0, 5.0))
    grid = fig.add_gridspec(2, 2, width_ratios=(1, 1.15), left=0.06, right=0.98,
                            bottom=0.1, top=0.86, wspace=0.28, hspace=0.55)
    left = fig.add_subplot(grid[:, 0])
    top = fig.add_subplot(grid[0, 1])
    bottom = fig.add_subplot(grid[1, 1])
    modes = gan.RING["modes"]
    _snapshot_panel(left, snap, f"{snap.coverage.covered} of {modes} modes covered")
    _loss_panel(top, run, upto=max(step, 1), legend=False)
    top.axvline(step, color=OKABE_ITO["orange"], linestyle="--", linewidth=1)
    top.set_title("Losses (blue: discriminator, red: generator)", fontsize=10.5)
    counts = snap.coverage.counts
    share = 100 * counts / len(snap.samples)
    colours = [_FAKE if c >= 0.02 * len(snap.samples) else "#bbbbbb" for c in counts]
    bottom.bar(np.arange(1, modes + 1), share, color=colours)
    bottom.axhline(100 / modes, color="#777777", linestyle=":", linewidth=1)
    bottom.text(0.45, 100 / modes + 2, "fair share: 1/8", fontsize=8.5, ha="left",
                color="#555555")
    bottom.set_ylim(0, 100)
    bottom.set_xticks(np.arange(1, modes + 1))
    bottom.set_xlabel("mode (numbered counter-clockwise from the right)")
    bottom.set_ylabel("generated points (%)")
    bottom.set_title(f"Points near each mode: {100 * snap.coverage.on_ring:.0f} % near "
                     f"some mode", fontsize=10.5)
    fig.suptitle(f"{run.setting.capitalize()} (lr D {run.settings['lr_d']:g}, lr G "
                 f"{run.settings['lr_g']:g}): step {step} of {len(run.d_losses)}",
                 fontweight="bold")
    return fig


def training_controls():
    """Step (21 values) and setting (2): 42 frames in the static book."""
    from nnlib.explore import Dropdown, Slider

    low, high, every = EXPLORER_STEPS
    return (Slider("step", low, high, every, high, label="training step"),
            Dropdown("setting", list(EXPLORER_SETTINGS), EXPLORER_SETTINGS[0],
                     label="setting"))


def training_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`training_figure`."""
    from nnlib.explore import explore

    return explore(training_figure, *training_controls(),
                   title="A GAN learning a ring of Gaussians: samples and the detective's view")
