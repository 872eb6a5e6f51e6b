"""Figures of loss surfaces and of optimisers walking down them (chapter 6).

Every helper returns a matplotlib Figure in the course style (:mod:`nnlib.viz`); helpers
that draw one panel accept ``ax=`` and then return ``ax.figure``. Paths that run off the
plotted window are clipped to it, and a run that diverged says so on the figure
("diverged at step k"), so every learning rate, however large, gives a readable picture.

The explorer :func:`descent_figure` (controls :func:`descent_controls`, wrapper
:func:`descent_explorer`) shows one optimiser on the elongated valley of
:mod:`nnlib.data.landscapes` for a chosen learning rate, start point and number of steps.
"""
import functools

import numpy as np
from matplotlib.ticker import MaxNLocator

from nnlib.data import landscapes as L
from nnlib.viz.style import OKABE_ITO, PALETTE, _fig_ax, _styled, panel_grid, subplots

__all__ = [
    "OPTIMIZER_COLOURS", "OPTIMIZER_LABELS", "curve_with_steps", "slope_plot",
    "learning_rate_panels", "contour_paths", "surface_views", "loss_vs_updates",
    "DESCENT_LEARNING_RATES", "DESCENT_STARTS", "DESCENT_STEPS", "descent_figure",
    "descent_controls", "descent_explorer", "parse_point",
]

OPTIMIZER_COLOURS = {"sgd": OKABE_ITO["vermillion"], "momentum": OKABE_ITO["blue"],
                     "adam": OKABE_ITO["green"]}
OPTIMIZER_LABELS = {"sgd": "gradient descent (SGD)", "momentum": "SGD with momentum",
                    "adam": "Adam"}


def _status(trajectory):
    """A short note for the figure: diverged, left the window, or the final loss."""
    if trajectory.diverged:
        return f"diverged at step {trajectory.diverged_at}"
    left = _left_window_at(trajectory)
    if left is not None:
        return f"left the plotted area at step {left}"
    return f"loss after {len(trajectory.points) - 1} steps: {trajectory.final_loss:.3g}"


def _left_window_at(trajectory):
    """First step whose point lies outside the surface's plotting window, or None."""
    lows = np.array([b[0] for b in trajectory.surface.bounds])
    highs = np.array([b[1] for b in trajectory.surface.bounds])
    outside = ((trajectory.points < lows) | (trajectory.points > highs)).any(axis=1)
    return int(np.argmax(outside)) if outside.any() else None


def _drawable(points, bounds, margin=100.0):
    """Points clipped to a box ``margin`` window-widths around ``bounds`` (for drawing).

    Matplotlib clips lines at the axes edge by itself; this only keeps huge numbers from
    a diverging run out of the renderer (non-finite values become gaps) while keeping
    the direction of every segment that crosses the window.
    """
    lows = np.array([lo for lo, _ in bounds])
    highs = np.array([hi for _, hi in bounds])
    width = highs - lows
    pts = np.where(np.isfinite(points), points, np.nan)
    return np.clip(pts, lows - margin * width, highs + margin * width)


def _check_dim(surface, dim):
    """The named surface, which must have ``dim`` weights (1 or 2)."""
    surface = L.get_surface(surface)
    if surface.dim != dim:
        raise ValueError(f"surface: expected a {dim}-D surface, got {surface.name!r} "
                         f"with {surface.dim} weight{'s' if surface.dim > 1 else ''}")
    return surface


def _curve(surface, n=400):
    (lo, hi), = surface.bounds
    w = np.linspace(lo, hi, n)
    return w, surface(w[:, None])


# ---------------------------------------------------------------------------------------
# 1-D curves
# ---------------------------------------------------------------------------------------
@_styled
def curve_with_steps(surface, trajectory=None, ax=None, title=None, colour=None,
                     max_markers=60):
    """The loss curve of a 1-D ``surface`` and, optionally, the steps of ``trajectory``.

    Each step is a dot on the curve joined to the next one by a line, numbered 0 (start)
    onwards when there are few. Steps off the window are clipped; a diverged run is
    labelled on the figure. Returns the Figure.
    """
    surface = _check_dim(surface, 1)
    fig, ax = _fig_ax(ax, figsize=(5.2, 3.6))
    w, loss = _curve(surface)
    ax.plot(w, loss, color="#444444", linewidth=2, label=surface.description)
    top = loss.max() * 1.08
    ax.set_xlim(w[0], w[-1])
    ax.set_ylim(-0.05 * top, top)
    ax.set_xlabel("weight w")
    ax.set_ylabel("loss L(w)")
    if trajectory is not None:
        colour = colour or OPTIMIZER_COLOURS.get(trajectory.optimizer, PALETTE[0])
        pts = _drawable(trajectory.points, surface.bounds)[:, 0]
        losses = surface(pts[:, None])
        ax.plot(pts, losses, color=colour, linewidth=1.2, alpha=0.8)
        shown = slice(None) if len(pts) <= max_markers else slice(None, max_markers)
        ax.scatter(pts[shown], losses[shown], s=22, color=colour, zorder=3,
                   edgecolors="black", linewidths=0.5)
        ax.scatter(pts[:1], losses[:1], s=60, color="white", edgecolors=colour,
                   linewidths=2, zorder=4, label="start")
        if len(pts) <= 8:
            _number_steps(ax, pts, losses)
        _subtitle(ax, _status(trajectory), alarm=trajectory.diverged)
    ax.set_title(title or f"Loss curve {surface.description}", pad=24)
    return fig


def _number_steps(ax, xs, ys, min_gap=12):
    """Number the dots 0, 1, 2, ...; dots within ``min_gap`` pixels of the first of a run
    share one label ("3–5"), so bunched-up steps do not print over each other."""
    pixels = ax.transData.transform(np.column_stack([xs, ys]))
    runs = [[0]]
    for k in range(1, len(xs)):
        if np.hypot(*(pixels[k] - pixels[runs[-1][0]])) < min_gap:
            runs[-1].append(k)
        else:
            runs.append([k])
    for run in runs:
        text = str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}"
        ax.annotate(text, (xs[run[0]], ys[run[0]]), xytext=(4, 5),
                    textcoords="offset points", fontsize=9)


def _subtitle(ax, text, alarm=False):
    """Write ``text`` between the title (give it ``pad=24``) and the axes: it can never
    cover the curve or the path."""
    ax.text(0.5, 1.05, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=9,
            color=OKABE_ITO["vermillion"] if alarm else "#222222",
            fontweight="bold" if alarm else "normal")


def _note(ax, text, alarm=False):
    """Write ``text`` in a box in the upper right corner of ``ax``."""
    ax.text(0.98, 0.96, text, transform=ax.transAxes, ha="right", va="top", fontsize=9,
            color=OKABE_ITO["vermillion"] if alarm else "#222222",
            fontweight="bold" if alarm else "normal",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#cccccc"})


@_styled
def slope_plot(surface, w, h=0.5, ax=None, title=None):
    """The slope of a 1-D loss curve at weight ``w``.

    Draws the curve, its tangent at ``w`` (slope = the analytic derivative) and the
    secant through ``w - h`` and ``w + h`` (slope = the central-difference estimate),
    with both slopes in the legend. Returns the Figure.
    """
    surface = _check_dim(surface, 1)
    if not h > 0:
        raise ValueError(f"h: expected a positive step, got {h!r}")
    fig, ax = _fig_ax(ax, figsize=(5.6, 3.8))
    x, loss = _curve(surface)
    ax.plot(x, loss, color="#444444", linewidth=2, label="loss L(w)")
    at = float(surface([w]))
    exact = float(surface.grad([w])[0])
    numeric = (surface([w + h]) - surface([w - h])) / (2 * h)
    span = np.array([x[0], x[-1]])
    ax.plot(span, at + exact * (span - w), color=OKABE_ITO["blue"], linewidth=1.8,
            label=f"tangent, slope {exact:.3f} (derivative)")
    ax.plot(span, at + numeric * (span - w), color=OKABE_ITO["orange"], linewidth=1.5,
            linestyle="--", label=f"secant over ±{h:g}, slope {numeric:.3f}")
    ax.scatter([w - h, w + h], surface(np.array([[w - h], [w + h]])), s=30,
               color=OKABE_ITO["orange"], zorder=3)
    ax.scatter([w], [at], s=60, color=OKABE_ITO["blue"], edgecolors="black", zorder=4)
    top = loss.max() * 1.08
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(-0.05 * top, top)
    ax.set_xlabel("weight w")
    ax.set_ylabel("loss L(w)")
    ax.set_title(title or f"The slope of the loss at w = {w:g}")
    ax.legend(loc="upper center", fontsize=8)
    return fig


@_styled
def learning_rate_panels(trajectories, titles=None):
    """1-D panels, two a row, one trajectory each (e.g. one per learning rate).

    trajectories: list of :class:`nnlib.data.landscapes.Trajectory` on 1-D surfaces.
    titles: optional list of panel titles (default "learning rate <lr>"). Returns the Figure.
    """
    trajectories = list(trajectories)
    if not trajectories:
        raise ValueError("trajectories: expected at least one Trajectory, got none")
    if titles is not None and len(titles) != len(trajectories):
        raise ValueError(f"titles: expected {len(trajectories)} titles, got {len(titles)}")
    fig, axes = panel_grid(len(trajectories), panel_size=(3.6, 3.2), title_room=0.2,
                           sharey=True)
    for k, (ax, traj) in enumerate(zip(axes, trajectories)):
        title = titles[k] if titles else f"learning rate {traj.lr:g}"
        curve_with_steps(traj.surface, traj, ax=ax, title=title, colour=PALETTE[k % 8])
        if k % 2:
            ax.set_ylabel("")
    return fig


# ---------------------------------------------------------------------------------------
# 2-D surfaces
# ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _grid(surface, n=120):
    """Meshgrid (gx, gy) over the surface's window and the loss z there, each (n, n)."""
    (x0, x1), (y0, y1) = surface.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return gx, gy, surface(np.stack([gx, gy], axis=-1))


def _contours(ax, surface, n_levels=12, filled=False):
    """Contour lines of a 2-D surface (filled bands too if ``filled``), and its minimum."""
    gx, gy, z = _grid(surface)
    levels = np.quantile(z, np.linspace(0.03, 0.95, n_levels) ** 2)
    levels = np.unique(np.round(levels, 6))
    if filled:
        ax.contourf(gx, gy, z, levels=np.append(levels, z.max()), cmap="Greys_r", alpha=0.35)
    ax.contour(gx, gy, z, levels=levels, colors="#8a8a8a", linewidths=0.7)
    ax.scatter(*surface.minimum, marker="*", s=180, color=OKABE_ITO["yellow"],
               edgecolors="black", zorder=5, label="minimum")
    (x0, x1), (y0, y1) = surface.bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("weight $w_1$")
    ax.set_ylabel("weight $w_2$")


@_styled
def contour_paths(surface, trajectories=(), ax=None, title=None, legend=True):
    """Contour map of a 2-D ``surface`` with optimiser paths drawn on it.

    trajectories: a list of Trajectory, or a dict label -> Trajectory. Each path is a
    line with a dot per step (from a white start marker); diverged runs are clipped to the
    window and labelled "diverged at step k". Returns the Figure.
    """
    surface = _check_dim(surface, 2)
    if isinstance(trajectories, dict):
        items = list(trajectories.items())
    else:
        items = [(OPTIMIZER_LABELS.get(t.optimizer, t.optimizer), t) for t in trajectories]
    fig, ax = _fig_ax(ax, figsize=(6.4, 4.0))
    _contours(ax, surface)
    notes = []
    for k, (label, traj) in enumerate(items):
        colour = OPTIMIZER_COLOURS.get(traj.optimizer, PALETTE[k % 8])
        if len({t.optimizer for _, t in items}) < len(items):
            colour = PALETTE[k % 8]
        pts = _drawable(traj.points, surface.bounds)
        ax.plot(pts[:, 0], pts[:, 1], color=colour, linewidth=1.6, label=label,
                marker="o", markersize=3 if len(pts) > 30 else 4, zorder=3)
        ax.scatter(*pts[0], s=70, color="white", edgecolors=colour, linewidths=2, zorder=4)
        if traj.diverged or _left_window_at(traj) is not None:
            notes.append((f"{label}: {_status(traj)}", traj.diverged))
    if notes:
        _note(ax, "\n".join(text for text, _ in notes), alarm=any(a for _, a in notes))
    if legend and items:
        ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.85)
    ax.set_title(title or f"Loss surface {surface.description}", fontsize=10)
    return fig


@_styled
def surface_views(surface, title=None):
    """A 2-D ``surface`` seen two ways: as a 3-D landscape and as a contour map.

    Returns the Figure (left: 3-D surface, right: contour lines, like a hiking map).
    """
    surface = _check_dim(surface, 2)
    fig = subplots(1, 1, figsize=(10.0, 4.0))[0]
    fig.clf()
    left = fig.add_subplot(1, 2, 1, projection="3d")
    right = fig.add_subplot(1, 2, 2)
    gx, gy, z = _grid(surface, n=60)
    left.plot_surface(gx, gy, z, cmap="cividis", linewidth=0, antialiased=True, alpha=0.9)
    left.set_xlabel("$w_1$")
    left.set_ylabel("$w_2$")
    left.set_zlabel("loss")
    left.set_title("as a landscape")
    left.view_init(elev=35, azim=-60)
    for axis in (left.xaxis, left.yaxis, left.zaxis):  # 3 ticks each: more run together
        axis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10]))
    _contours(right, surface, filled=True)
    right.set_title("as a map (contour lines)")
    # Outside the map, so the legend's star is not read as a second minimum.
    right.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=10, borderaxespad=0)
    fig.suptitle(title or f"Loss surface {surface.description}", fontweight="bold")
    return fig


@_styled
def loss_vs_updates(curves, ax=None, title="Loss against the number of updates",
                    log=True):
    """Loss curves against the number of weight updates.

    curves: dict label -> 1-D array of losses, entry k measured after k updates (entry
    0 = before training). Returns the Figure.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"curves: expected a non-empty dict label -> losses, "
                         f"got {type(curves).__name__}")
    fig, ax = _fig_ax(ax, figsize=(6.0, 3.8))
    for k, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 1:
            raise ValueError(f"curves[{label!r}]: expected a 1-D array, got shape "
                             f"{values.shape}")
        ax.plot(np.arange(len(values)), values, color=PALETTE[k % 8], linewidth=1.6,
                label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("number of weight updates")
    ax.set_ylabel("loss on the whole training set")
    ax.set_title(title)
    ax.legend()
    return fig


# ---------------------------------------------------------------------------------------
# The chapter 6 explorer
# ---------------------------------------------------------------------------------------
#: Log-spaced learning rates offered by the explorer (SGD diverges on the valley above 0.5).
DESCENT_LEARNING_RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
#: Start points (as text, for a dropdown) on the valley surface.
DESCENT_STARTS = ("(-5, 2)", "(5, -2.5)", "(-5.5, 0.2)", "(1, 2.8)")
#: Step counts offered by the explorer.
DESCENT_STEPS = (5, 15, 40, 100)


def parse_point(text):
    """"(-5, 2)" -> array([-5., 2.]): a start point chosen in a dropdown."""
    try:
        values = [float(v) for v in str(text).strip().strip("()").split(",")]
    except ValueError:
        raise ValueError(f"start: expected text like '(-5, 2)', got {text!r}") from None
    return np.array(values)


@_styled
def descent_figure(learning_rate=0.1, start="(-5, 2)", optimizer="sgd", steps=40):
    """One optimiser on the elongated valley (chapter 6's explorer).

    Left: the path on the contour map, clipped to the window, with "diverged at step k"
    when the loss explodes. Right: the loss after each step (log scale). Works for any
    positive learning rate, start point "(x, y)", optimiser "sgd" / "momentum" / "adam"
    and number of steps. Returns the Figure.
    """
    surface = L.get_surface("valley")
    traj = L.run_optimizer(surface, parse_point(start), optimizer, learning_rate, steps)
    # A fixed layout (what automatic layout gives this figure): it is drawn 288 times for
    # the book, and automatic layout would take half of each frame's time.
    fig, (left, right) = subplots(1, 2, figsize=(8.8, 3.3), layout=None,
                                  gridspec_kw={"width_ratios": [1.6, 1], "wspace": 0.225})
    fig.subplots_adjust(left=0.066, right=0.975, bottom=0.155, top=0.928)
    contour_paths(surface, {OPTIMIZER_LABELS[optimizer]: traj}, ax=left,
                  title=f"{OPTIMIZER_LABELS[optimizer]}, learning rate {learning_rate:g}, "
                        f"{steps} steps")
    if not (traj.diverged or _left_window_at(traj) is not None):
        _note(left, _status(traj))
    losses = np.clip(traj.losses, 1e-12, None)
    right.plot(np.arange(len(losses)), losses, color=OPTIMIZER_COLOURS[optimizer],
               marker="o" if len(losses) <= 30 else None, markersize=3, linewidth=1.6)
    right.set_yscale("log")
    right.set_xlim(0, steps)
    right.set_ylim(1e-8, 1e7)
    right.axhline(1e6, color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1)
    right.text(0.02, 1.5e6, "diverged above this line", fontsize=8,
               color=OKABE_ITO["vermillion"], transform=right.get_yaxis_transform())
    right.set_xlabel("step")
    right.set_ylabel("loss (log scale)")
    right.set_title("Loss after each step", fontsize=10)
    return fig


def descent_controls():
    """Controls of :func:`descent_figure`: 6 learning rates x 4 starts x 3 optimisers x
    4 step counts = 288 frames for the static book (about 0.15 s and 22 kB each)."""
    from nnlib.explore import Dropdown
    return (Dropdown("learning_rate", list(DESCENT_LEARNING_RATES), 0.1,
                     label="learning rate"),
            Dropdown("start", list(DESCENT_STARTS), DESCENT_STARTS[0], label="start point"),
            Dropdown("optimizer", list(L.OPTIMIZERS), "sgd", label="optimiser"),
            Dropdown("steps", list(DESCENT_STEPS), 40, label="steps"))


def descent_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`descent_figure`."""
    from nnlib.explore import explore
    return explore(descent_figure, *descent_controls(),
                   title="Gradient descent on a long, narrow valley")
