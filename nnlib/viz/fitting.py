"""Figures and tables of chapter 8's training workflow.

- :func:`five_steps_diagram`: the training loop as a cycle of five boxes (data, forward
  pass, error, backpropagate, repeat), each in everyday words and in code.
- :func:`data_table`: a few rows of a data set as a :class:`DataTable` (HTML in the book and
  in JupyterLab, aligned text elsewhere).
- :func:`fitting_curves`: training and validation loss of several models side by side, the
  gap between them shaded: underfitting and overfitting at a glance.
"""
import html
import numbers

import matplotlib
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from nnlib.viz.style import OKABE_ITO, STYLE, _styled, subplots

__all__ = ["FIVE_STEPS", "five_steps_diagram", "DataTable", "data_table", "fitting_curves"]

#: (name, everyday words, code) of each step of training (chapter 8).
FIVE_STEPS = (
    ("1. Data", "take a batch of examples\nwith their right answers", "xb, yb = next batch"),
    ("2. Forward pass", "the network makes\na guess for each one", "out = model(xb)"),
    ("3. Error", "measure how far the\nguesses are from the truth", "loss = loss_fn(out, yb)"),
    ("4. Backpropagate", "find each weight's share of\nthe error; nudge it downhill",
     "loss.backward()\noptimizer.step()"),
    ("5. Repeat", "next batch; a pass over\nall batches is an epoch",
     "for epoch ...:\n  for batch ..."),
)
_STEP_COLOURS = (OKABE_ITO["sky_blue"], OKABE_ITO["green"], OKABE_ITO["orange"],
                 OKABE_ITO["vermillion"], OKABE_ITO["purple"])


@_styled
def five_steps_diagram(title="Training: five steps, repeated"):
    """The five steps of training as boxes on a loop, clockwise from the top (chapter 8).

    Each box names the step, says it in everyday words and shows the line of code that
    does it in nnlib; arrows lead from each step to the next and from "repeat" back to
    "data". Returns a matplotlib Figure.
    """
    fig, ax = subplots(figsize=(8.6, 5.6), layout=None)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
    angles = np.deg2rad(90 - 72 * np.arange(5))
    centres = np.column_stack([3.15 * np.cos(angles), 2.2 * np.sin(angles)])
    width, height = 2.9, 1.35
    boxes = []
    for (name, words, code), (x, y), colour in zip(FIVE_STEPS, centres, _STEP_COLOURS):
        box = FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                             boxstyle="round,pad=0.06,rounding_size=0.15",
                             facecolor=matplotlib.colors.to_rgba(colour, 0.16),
                             edgecolor=colour, linewidth=2)
        ax.add_patch(box)
        boxes.append(box)
        ax.text(x, y + 0.43, name, ha="center", va="center", fontsize=11.5,
                fontweight="bold")
        ax.text(x, y + 0.02, words, ha="center", va="center", fontsize=9.5, linespacing=1.1)
        ax.text(x, y - 0.44, code, ha="center", va="center", fontsize=8.5,
                family="monospace", color="#333333", linespacing=1.0, multialignment="left")
    for k in range(5):
        ax.add_patch(FancyArrowPatch(
            centres[k], centres[(k + 1) % 5], patchA=boxes[k], patchB=boxes[(k + 1) % 5],
            connectionstyle="arc3,rad=-0.25", arrowstyle="-|>,head_length=7,head_width=4",
            linewidth=2, color="#444444", shrinkA=4, shrinkB=4))
    ax.text(0, -0.15, "one turn of the loop\n= one gradient step", ha="center", va="center",
            fontsize=10.5, style="italic", color="#444444")
    ax.set_xlim(-4.75, 4.75)
    ax.set_ylim(-3.2, 3.05)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return fig


# --------------------------------------------------------------------------- tables
class DataTable:
    """A small table of formatted values: HTML in a notebook or book page, text elsewhere.

    ``columns``: list of C header strings; ``rows``: list of rows of C strings;
    ``caption``: optional text shown above the table.
    """

    def __init__(self, columns, rows, caption=None):
        columns = [str(c) for c in columns]
        rows = [[str(v) for v in row] for row in rows]
        for i, row in enumerate(rows):
            if len(row) != len(columns):
                raise ValueError(f"rows[{i}]: expected {len(columns)} values (one per "
                                 f"column), got {len(row)}")
        self.columns, self.rows, self.caption = columns, rows, caption

    def _repr_html_(self):
        cell = "padding:0.15em 0.5em;text-align:right;border-bottom:1px solid #ddd"
        head = "".join(f'<th style="{cell};vertical-align:bottom">{html.escape(c)}</th>'
                       for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f'<td style="{cell}">{html.escape(v)}</td>' for v in row)
            + "</tr>" for row in self.rows)
        caption = (f'<caption style="caption-side:top;text-align:left">'
                   f"{html.escape(self.caption)}</caption>" if self.caption else "")
        return ('<div class="nnlib-table" style="overflow-x:auto">'
                '<table style="font-size:0.8em;border-collapse:collapse">'
                f"{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")

    def __repr__(self):
        widths = [max(len(c), *(len(r[j]) for r in self.rows)) if self.rows else len(c)
                  for j, c in enumerate(self.columns)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(self.columns, widths))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in self.rows]
        return "\n".join(([self.caption] if self.caption else []) + lines)


def _format_value(value):
    """1234.56 -> '1,235'; 0.0 -> '0'; 3 -> '3' (whole numbers with thousands commas)."""
    return f"{float(value):,.0f}"


def data_table(X, y, feature_names, n_rows=5, label_name="label", label_values=("no", "yes"),
               caption=None):
    """The first ``n_rows`` rows of ``X`` (N, D) and their labels ``y`` (N,) as a
    :class:`DataTable` (chapter 8: a few real customers of the bank-churn data).

    Feature names have their underscores turned into spaces; values are shown rounded to
    whole numbers with thousands separators; label k is shown as ``label_values[k]``.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X: expected a 2-D array (N, D), got shape {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"y: expected shape ({len(X)},) like X's rows, got shape {y.shape}")
    if len(feature_names) != X.shape[1]:
        raise ValueError(f"feature_names: expected {X.shape[1]} names (one per column of X), "
                         f"got {len(feature_names)}")
    if isinstance(n_rows, bool) or not isinstance(n_rows, numbers.Integral) \
            or not 1 <= n_rows <= len(X):
        raise ValueError(f"n_rows: expected a whole number from 1 to {len(X)}, got {n_rows!r}")
    columns = [str(name).replace("_", " ") for name in feature_names] + [label_name]
    rows = [[_format_value(v) for v in X[i]] + [str(label_values[int(y[i])])]
            for i in range(n_rows)]
    return DataTable(columns, rows, caption)


# --------------------------------------------------------------------------- fitting
def _curve(history, name):
    values = history[name] if isinstance(history, dict) else getattr(history, name)
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"histories: expected a non-empty list of per-epoch '{name}' values, "
                         f"got shape {values.shape}")
    return values


@_styled
def fitting_curves(histories, titles, ylabel="loss", suptitle=None, ylim=None):
    """Training and validation loss of each model in its own panel, sharing the y axis
    (chapter 8: underfitting and overfitting).

    histories: list of M ``nnlib.History`` objects (or dicts) with ``loss`` and
    ``val_loss`` per epoch; titles: M panel titles. The gap between the two curves is
    shaded and the epoch of the lowest validation loss is marked. Returns a Figure.
    """
    histories, titles = list(histories), list(titles)
    if not histories or len(titles) != len(histories):
        raise ValueError(f"titles: expected one title per history ({len(histories)}), "
                         f"got {len(titles)}")
    # a fixed layout: the automatic one doubles the time of this figure
    fig, axes = subplots(1, len(histories), figsize=(3.5 * len(histories), 3.7), sharey=True,
                         layout=None)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.84 if suptitle else 0.9,
                        wspace=0.08)
    axes = np.atleast_1d(axes)
    for ax, history, title in zip(axes, histories, titles):
        train, val = _curve(history, "loss"), _curve(history, "val_loss")
        epochs = np.arange(1, len(train) + 1)
        ax.fill_between(epochs, train, val, color=OKABE_ITO["orange"], alpha=0.15,
                        linewidth=0)
        ax.plot(epochs, train, color=OKABE_ITO["blue"], linewidth=2, label="training")
        ax.plot(epochs, val, color=OKABE_ITO["orange"], linewidth=2, linestyle="--",
                label="validation")
        best = int(np.argmin(val))
        ax.plot(epochs[best], val[best], "o", color=OKABE_ITO["vermillion"], markersize=7,
                label=f"lowest validation (epoch {epochs[best]})")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("epoch")
        ax.grid(True)
        ax.legend(loc="upper right", fontsize=8.5)
    axes[0].set_ylabel(ylabel)
    if ylim is not None:
        axes[0].set_ylim(*ylim)
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    return fig
