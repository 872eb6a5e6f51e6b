"""Helpers shared by the figure tests (tests/ is on sys.path when pytest runs them)."""
import warnings

from matplotlib.figure import Figure


def render(fig):
    """Draw the figure (catches layout errors) and fail on any warning. Returns it."""
    assert isinstance(fig, Figure)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
    return fig


def texts(fig, skip_prefix=None):
    """Every text drawn on the figure (annotations, notes, titles), except those that
    start with ``skip_prefix``."""
    drawn = [t.get_text() for ax in fig.axes for t in ax.texts]
    drawn = [s for s in drawn if not (skip_prefix and s.startswith(skip_prefix))]
    return drawn + [ax.get_title() for ax in fig.axes]
