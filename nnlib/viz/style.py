"""The course's figure style: palette, rcParams, styled figures, and figures frozen for glue.

Every figure of :mod:`nnlib.viz` is drawn under this style. Each helper builds a :class:`matplotlib.figure.Figure` (not a pyplot figure, so nothing is
shown twice in a notebook and nothing needs closing) and returns it. Helpers that draw into
one panel accept ``ax=`` so that several can share a figure; they then return ``ax.figure``.

The style is light on purpose: a white background that reads well in both the light and the
dark theme of the book, and the Okabe-Ito palette, which stays distinguishable for readers
with the common forms of colour blindness.
"""
import base64
import functools
import html
import io

import matplotlib
import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "OKABE_ITO", "PALETTE", "CLASS_COLOURS", "CLASS_MARKERS", "STYLE", "use_style", "subplots",
    "panel_grid", "embed", "EmbeddedFigure",
]

#: The Okabe-Ito colour-blind-safe palette (Okabe and Ito, 2008).
OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
}

#: The order in which series take colours.
PALETTE = [OKABE_ITO[k] for k in
           ("blue", "orange", "green", "vermillion", "purple", "sky_blue", "yellow", "black")]

#: Colours of class 0 and class 1 in every classification figure.
CLASS_COLOURS = (OKABE_ITO["vermillion"], OKABE_ITO["blue"])
CLASS_MARKERS = ("o", "s")

#: matplotlib rcParams of the course style.
STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "text.color": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "axes.grid": False,
    "grid.color": "#dddddd",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "legend.frameon": False,
    "image.cmap": "cividis",
}


def use_style():
    """Apply the course style to every matplotlib figure made from now on (your own too)."""
    matplotlib.rcParams.update(STYLE)


def _styled(function):
    """Decorator: run a plotting helper under the course style without changing globals."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return function(*args, **kwargs)
    return wrapper


@_styled
def subplots(nrows=1, ncols=1, figsize=None, layout="constrained", **kwargs):
    """A styled ``(fig, axes)`` pair, like ``plt.subplots`` but not registered with pyplot.

    ``axes`` is a single Axes for a 1 x 1 grid, else an ndarray of Axes. ``layout=None``
    skips the (slow) automatic layout, for figures drawn hundreds of times.
    """
    if figsize is None:
        figsize = (4.8 * ncols, 3.6 * nrows)
    fig = Figure(figsize=figsize, layout=layout)
    axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def panel_grid(n_panels, panel_size, ncols=2, title_room=0.4, **kwargs):
    """``(fig, axes)`` for ``n_panels`` panels, ``ncols`` a row (the book's text column is
    too narrow for four side by side), ``axes`` a flat list of exactly ``n_panels`` Axes.

    panel_size: (width, height) of one panel in inches; title_room: extra height in inches
    (for a suptitle); ``kwargs`` go to :func:`subplots` (e.g. ``sharey=True``). A panel
    above an empty slot of the last row shows its x tick labels.
    """
    ncols = min(ncols, n_panels)
    nrows = -(-n_panels // ncols)
    width, height = panel_size
    fig, axes = subplots(nrows, ncols, figsize=(width * ncols, height * nrows + title_room),
                         **kwargs)
    axes = list(np.atleast_1d(axes).ravel())
    for k in range(n_panels, len(axes)):
        axes[k].remove()
        axes[k - ncols].xaxis.set_tick_params(labelbottom=True)
    return fig, axes[:n_panels]


def _fig_ax(ax, figsize=(6.0, 4.0)):
    """Return (fig, ax): the given Axes and its figure, or a new styled pair."""
    if ax is not None:
        return ax.figure, ax
    return subplots(figsize=figsize)


class EmbeddedFigure:
    """A figure frozen as PNG bytes plus its alt text, shown as an HTML ``<figure>``.

    Gluing one of these (``myst_nb.glue``) lets a book page paste the figure with a real
    ``alt`` attribute for screen readers, and no image file to copy around.
    """

    def __init__(self, png, alt, caption=None):
        if not alt or not str(alt).strip():
            raise ValueError(f"alt: expected a non-empty description, got {alt!r}")
        self.png = png
        self.alt = str(alt)
        self.caption = caption

    def _repr_html_(self):
        data = base64.b64encode(self.png).decode("ascii")
        img = (f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
               'style="max-width:100%;height:auto">')
        cap = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return f'<figure class="nnlib-figure">{img}{cap}</figure>'

    def __repr__(self):
        return f"<figure: {self.alt}>"


def embed(fig, alt, caption=None, dpi=80):
    """Freeze ``fig`` as an :class:`EmbeddedFigure` (PNG at ``dpi``) with alt text.

    Use it to glue a figure into a book page: ``glue("fig_key", embed(fig, alt="..."))``.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white",
                metadata={"Software": None})
    return EmbeddedFigure(buffer.getvalue(), alt, caption)
