"""Figures of chapter 12, *Convolutional networks*, and its explorer (kernel -> feature map).

Each helper returns a :class:`matplotlib.figure.Figure` in the course style. The numbers
come from :mod:`nnlib.explore.convolution`:

- :func:`sliding_figure`: a 3x3 filter at a few positions on a digit, with the arithmetic;
- :func:`pooling_figure`: a feature map, its 2x2 max pooling and average pooling;
- :func:`kernel_gallery`: several hand-set filters and the feature maps they make;
- :func:`shift_maps_figure`: a digit and its one-pixel shift, their feature maps and pooled
  maps (the feature map moves with the digit; the pooled map only partly stays put);
- :func:`shift_accuracy_figure`: accuracy of CNN and dense network on shifted test digits;
- :func:`learned_filters_figure`, :func:`learned_maps_figure`: what a trained CNN learned;
- :func:`photo_trace_figure`, :func:`parameter_bars`: the 224x224x3 photo traced through a
  CNN, and parameter counts against a dense network;
- :func:`kernel_figure` (with :func:`kernel_controls`, :func:`kernel_explorer`): the
  explorer, a kernel slid over a digit, then ReLU and max pooling.

Digits are drawn dark on white (``gray_r``); feature maps in a diverging map, blue for
positive and red for negative, white at 0, each map scaled to its own largest size unless
stated.
"""
import numpy as np
from matplotlib.patches import Rectangle

from nnlib.explore import convolution as cv
from nnlib.viz.basics import format_count
from nnlib.viz.style import OKABE_ITO, _styled, subplots

__all__ = [
    "sliding_figure", "pooling_figure", "kernel_gallery", "shift_maps_figure",
    "shift_accuracy_figure", "learned_filters_figure", "learned_maps_figure",
    "photo_trace_figure", "parameter_bars", "layer_data_table", "kernel_figure",
    "kernel_controls", "kernel_explorer",
]

_HIGHLIGHT = OKABE_ITO["orange"]
_SIGNED = "RdBu"
_INK = "gray_r"


# ---------------------------------------------------------------------------- drawing helpers

def _fmt(values):
    """A format for the numbers of a grid: whole numbers plainly, others with 1 decimal."""
    values = np.asarray(values, dtype=float)
    whole = np.all(np.abs(values - np.round(values)) < 1e-9)
    return "{:.0f}" if whole else "{:.1f}"


def _limit(values):
    """Half-width of a symmetric colour scale for ``values`` (1 when all are 0)."""
    biggest = float(np.max(np.abs(values))) if np.size(values) else 0.0
    return biggest if biggest > 0 else 1.0


def _grid(ax, values, signed=True, limit=None, fmt=None, fontsize=7, numbers=True):
    """Draw a 2-D array as coloured cells with its numbers, without ticks.

    signed: diverging colours around 0 (feature maps, kernels); else ink (digits, 0-16).
    """
    values = np.asarray(values, dtype=float)
    if signed:
        limit = _limit(values) if limit is None else limit
        style = {"cmap": _SIGNED, "vmin": -limit, "vmax": limit}
    else:
        limit = 16.0 if limit is None else limit
        style = {"cmap": _INK, "vmin": 0, "vmax": limit}
    ax.imshow(values, interpolation="nearest", **style)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("#999999")
    if numbers:
        fmt = fmt or _fmt(values)
        for (r, c), v in np.ndenumerate(values):
            dark = abs(v) > 0.55 * limit if signed else v > 0.55 * limit
            text = fmt.format(v)
            if text in ("-0", "-0.0"):
                text = text[1:]
            ax.text(c, r, text, ha="center", va="center", fontsize=fontsize,
                    color="white" if dark else "black")
    return ax


def _box(ax, row, col, height, width, colour=_HIGHLIGHT, linewidth=2.5, **kwargs):
    """Outline cells [row, row + height) x [col, col + width) of an image drawn by imshow."""
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height, fill=False,
                           edgecolor=colour, linewidth=linewidth, **kwargs))


def _op(fig, x, y, text, size=16):
    fig.text(x, y, text, ha="center", va="center", fontsize=size, fontweight="bold")


# ---------------------------------------------------------------------------- sliding a filter

@_styled
def sliding_figure(image, kernel="vertical edge", positions=((0, 1), (2, 1), (2, 3)),
                   title=None):
    """A filter sliding over ``image`` (H, W), one row per position in ``positions``.

    Each row: the image with the patch under the filter outlined, the patch's numbers,
    the filter, their products, and the feature map (stride 1, no padding) filled in up to
    this position in reading order, the new entry outlined. ``positions``: (row, column) of
    the output entry (= the patch's top-left corner). Returns the Figure.
    """
    image, k = np.asarray(image, dtype=float), cv.as_kernel(kernel)
    if len(positions) < 1:
        raise ValueError("positions: expected at least one (row, column) pair, got none")
    steps = [cv.slide_step(image, k, r, c) for r, c in positions]
    fmap = cv.feature_map(image, k)
    limit = _limit(fmap)
    n = len(steps)
    width, row_h, head = 10.4, 2.3, 0.55          # inches
    fig, _ = subplots(figsize=(width, row_h * n + head), layout=None)
    fig.axes[0].remove()
    height = row_h * n + head

    def axes_at(x, y, side):                      # a square Axes, position in inches
        return fig.add_axes([x / width, y / height, side / width, side / height])

    name = kernel if isinstance(kernel, str) else "hand-set"
    big, small = 0.8 * row_h, 1.15
    for i, step in enumerate(steps):
        y0 = (n - 1 - i) * row_h + 0.12
        mid = y0 + big / 2
        ax_img = axes_at(0.1, y0, big)
        _grid(ax_img, image, signed=False, fontsize=6.5)
        _box(ax_img, step.row, step.col, *k.shape)
        ax_img.set_title(f"digit, patch at row {step.row}, col {step.col}", fontsize=9,
                         fontweight="normal")
        small_panels = [(2.3, "patch", step.patch, False), (4.0, f"filter: {name}", k, True),
                        (5.7, "products", step.products, True)]
        for x, label, values, signed in small_panels:
            ax = axes_at(x, mid - small / 2, small)
            _grid(ax, values, signed=signed, fontsize=9, limit=None if signed else 16.0)
            ax.set_title(label, fontsize=9, fontweight="normal")
        _op(fig, 3.72 / width, mid / height, "×")
        _op(fig, 5.42 / width, mid / height, "=")
        fig.text(7.55 / width, mid / height, f"sum\n= {step.total:g}\n→", ha="center",
                 va="center", fontsize=12, fontweight="bold", color=_HIGHLIGHT)
        ax_map = axes_at(8.35, y0, big)
        shown = np.full(fmap.shape, np.nan)
        order = np.arange(fmap.size).reshape(fmap.shape)
        done = order <= order[step.row, step.col]
        shown[done] = fmap[done]
        ax_map.imshow(np.ma.masked_invalid(shown), cmap=_SIGNED, vmin=-limit, vmax=limit,
                      interpolation="nearest")
        ax_map.set_facecolor("#f2f2f2")
        for spine in ax_map.spines.values():
            spine.set_visible(True)
            spine.set_color("#999999")
        for (r, c), v in np.ndenumerate(fmap):
            if done[r, c]:
                ax_map.text(c, r, f"{v:g}", ha="center", va="center", fontsize=7.5,
                            color="white" if abs(v) > 0.55 * limit else "black")
        _box(ax_map, step.row, step.col, 1, 1)
        ax_map.set_xticks([])
        ax_map.set_yticks([])
        ax_map.set_title(f"feature map {fmap.shape[0]}x{fmap.shape[1]} so far", fontsize=9,
                         fontweight="normal")
    fig.suptitle(title or f"A 3x3 {name} filter slides over the digit", fontweight="bold",
                 y=0.995)
    return fig


# ---------------------------------------------------------------------------- pooling

@_styled
def pooling_figure(fmap, size=2, title="Pooling: one number per 2x2 window"):
    """A feature map (H, W), its max pooling and its average pooling (``size`` windows).

    Left: the map with the windows outlined and each window's largest entry boxed.
    Middle and right: the pooled maps, in the same colour scale. Returns the Figure.
    """
    fmap = np.asarray(fmap, dtype=float)
    if fmap.ndim != 2 or min(fmap.shape) < size:
        raise ValueError(f"fmap: expected a 2-D map at least {size}x{size}, got shape "
                         f"{fmap.shape}")
    pooled = cv.max_pool_map(fmap, size)
    ho, wo = pooled.shape
    windows = fmap[:ho * size, :wo * size].reshape(ho, size, wo, size)
    average = windows.mean(axis=(1, 3))
    limit = _limit(fmap)
    fig, axes = subplots(1, 3, figsize=(10.0, 3.9), layout=None,
                         gridspec_kw={"width_ratios": (2, 1, 1), "wspace": 0.15})
    fig.subplots_adjust(left=0.02, right=0.98, top=0.8, bottom=0.04)
    _grid(axes[0], fmap, limit=limit, fontsize=7)
    for r in range(ho):
        for c in range(wo):
            _box(axes[0], r * size, c * size, size, size, colour="#555555", linewidth=1.2)
            w = windows[r, :, c, :]
            pr, pc = np.unravel_index(np.argmax(w), w.shape)
            if w.max() > 0:                     # all-zero windows have no winner to show
                _box(axes[0], r * size + pr, c * size + pc, 1, 1, linewidth=1.8)
    axes[0].set_title(f"feature map {fmap.shape[0]}x{fmap.shape[1]} (after ReLU)\n"
                      "orange: the largest in each window (if not 0)", fontsize=10)
    _grid(axes[1], pooled, limit=limit, fontsize=8)
    axes[1].set_title(f"max pooling\n{ho}x{wo}: keep the largest", fontsize=10)
    _grid(axes[2], average, limit=limit, fontsize=8, fmt="{:.1f}")
    axes[2].set_title(f"average pooling\n{ho}x{wo}: keep the mean", fontsize=10)
    fig.suptitle(title, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- hand-set filters

@_styled
def kernel_gallery(image, kernels=cv.PRESETS + ("vertical edge, flipped",), padding=1,
                   title="One digit, six hand-set filters, six feature maps"):
    """The digit ``image`` and, for each kernel name, the kernel (top row) and the
    feature map it makes on the digit (bottom row, stride 1, ``padding``). Returns the
    Figure."""
    image = np.asarray(image, dtype=float)
    n = len(kernels)
    fig, axes = subplots(2, n + 1, figsize=(1.55 * (n + 1), 3.9), layout=None,
                         gridspec_kw={"height_ratios": (1, 1.6)})
    fig.subplots_adjust(left=0.01, right=0.99, top=0.84, bottom=0.02, wspace=0.12,
                        hspace=0.35)
    axes[0, 0].axis("off")
    axes[0, 0].text(0.5, 0.5, "each filter\n(here) and the\nfeature map it\nmakes (below)",
                    transform=axes[0, 0].transAxes, ha="center", va="center", fontsize=9.5)
    _grid(axes[1, 0], image, signed=False, numbers=False)
    axes[1, 0].set_title("the digit", fontsize=10)
    for j, name in enumerate(kernels, start=1):
        k = cv.as_kernel(name)
        _grid(axes[0, j], k, fontsize=7, fmt="{:.2g}")
        axes[0, j].set_title(name, fontsize=9)
        _grid(axes[1, j], cv.feature_map(image, k, padding=padding), numbers=False)
    fig.suptitle(title, fontweight="bold")
    return fig


# ---------------------------------------------------------------------------- shifts

@_styled
def shift_maps_figure(image, kernel="vertical edge", shift=(0, 1), size=2,
                      title="Shift the digit: the feature map moves, the pooled map only "
                            "partly stays"):
    """The digit and the digit moved by ``shift`` (rows, columns), their feature maps
    (after ReLU, padding 1) and their max-pooled maps; pooled entries that differ between
    the two are outlined. Returns the Figure."""
    from nnlib.explore.generalisation import shift_images

    image = np.asarray(image, dtype=float)
    moved = shift_images(image[None], *shift)[0]
    k = cv.as_kernel(kernel)
    maps = [cv.relu_map(cv.feature_map(x, k, padding=1)) for x in (image, moved)]
    pooled = [cv.max_pool_map(m, size) for m in maps]
    changed = ~np.isclose(pooled[0], pooled[1])
    limit = _limit(maps[0])
    fig, axes = subplots(2, 3, figsize=(8.4, 6.0), layout=None,
                         gridspec_kw={"width_ratios": (1, 1, 0.6)})
    fig.subplots_adjust(left=0.1, right=0.98, top=0.84, bottom=0.03, wspace=0.15,
                        hspace=0.3)
    names = ("original", f"moved {_shift_words(shift)}")
    for i in range(2):
        _grid(axes[i, 0], (image, moved)[i], signed=False, numbers=False)
        _grid(axes[i, 1], maps[i], limit=limit, fontsize=6.5)
        _grid(axes[i, 2], pooled[i], limit=limit, fontsize=7)
        axes[i, 0].set_ylabel(names[i], fontsize=11)
    for r, c in zip(*np.nonzero(changed)):
        _box(axes[1, 2], r, c, 1, 1)
    axes[0, 0].set_title("digit", fontsize=10)
    axes[0, 1].set_title(f"{kernel} map, after ReLU", fontsize=10)
    axes[0, 2].set_title(f"max pooled {pooled[0].shape[0]}x{pooled[0].shape[1]}",
                         fontsize=10)
    axes[1, 2].set_title(f"{int(changed.sum())} of {changed.size} changed", fontsize=10,
                         color=_HIGHLIGHT)
    fig.suptitle(title, fontweight="bold")
    return fig


def _shift_words(shift):
    dy, dx = shift
    parts = []
    if dx:
        parts.append(f"{abs(dx)} right" if dx > 0 else f"{abs(dx)} left")
    if dy:
        parts.append(f"{abs(dy)} down" if dy > 0 else f"{abs(dy)} up")
    return " and ".join(parts) or "not at all"


_SERIES = {("cnn", False): ("CNN", OKABE_ITO["blue"], "-", "o"),
           ("mlp", False): ("dense network (MLP)", OKABE_ITO["vermillion"], "-", "s"),
           ("cnn", True): ("CNN + shifted copies", OKABE_ITO["blue"], "--", "o"),
           ("mlp", True): ("MLP + shifted copies", OKABE_ITO["vermillion"], "--", "s"),
           ("cnn_global_pool", False): ("CNN, global max pool", OKABE_ITO["green"], "-", "^"),
           ("cnn_global_pool", True): ("CNN, global max pool + shifted copies",
                                       OKABE_ITO["green"], "--", "^")}


@_styled
def shift_accuracy_figure(summary, image=None,
                          title="How far does a shift fool the networks?"):
    """Test accuracy against how far the test digits are moved, for every series of
    ``summary`` (from :func:`nnlib.explore.convolution.shift_summary`): the median over the
    seeds, with a bar from the lowest to the highest seed. ``image``: an optional (8, 8)
    digit drawn moved 0, 1 and 2 pixels to the right on the left. Returns the Figure."""
    distances = np.array(cv.SHIFT_DISTANCES)
    if image is None:
        fig, ax = subplots(figsize=(7.2, 4.3))
    else:
        fig, axes = subplots(1, 2, figsize=(9.6, 4.3),
                             gridspec_kw={"width_ratios": (0.32, 1)})
        _moved_column(axes[0], np.asarray(image, dtype=float), distances)
        ax = axes[1]
    for key, scores in summary.items():
        label, colour, style, marker = _SERIES[key]
        scores = 100 * np.asarray(scores)
        median = np.median(scores, axis=0)
        low, high = scores.min(axis=0), scores.max(axis=0)
        ax.errorbar(distances, median, yerr=[median - low, high - median], color=colour,
                    linestyle=style, marker=marker, capsize=4, linewidth=2, label=label)
    ax.set_xticks(distances)
    ax.set_xlabel("test digits moved by (pixels, in each of 4 directions)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 102)
    ax.grid(True, axis="y")
    n_seeds = len(next(iter(summary.values())))
    ax.set_title(f"{title}\n(median of {n_seeds} seeds, bars from lowest to highest)",
                 fontsize=11)
    ax.legend(loc="lower left", fontsize=9)
    return fig


def _moved_column(ax, image, distances):
    """The digit moved 0, 1, 2, ... pixels right, stacked in one panel with gaps."""
    from nnlib.explore.generalisation import shift_images

    tiles = []
    for d in distances:
        tiles += [shift_images(image[None], 0, int(d))[0], np.full((2, 8), np.nan)]
    ax.imshow(np.ma.masked_invalid(np.vstack(tiles[:-1])), cmap=_INK, vmin=0,
              vmax=image.max() or 1, interpolation="nearest")
    ax.set_facecolor("white")
    ax.set_xticks([])
    ax.set_yticks([4 + 10 * i - 0.5 for i in range(len(distances))],
                  [f"moved {d}" for d in distances])
    ax.set_title("one test digit", fontsize=10)


# ---------------------------------------------------------------------------- what a CNN learned

@_styled
def learned_filters_figure(model, title="The 16 filters the CNN's first layer learned",
                           threshold=0.7):
    """The 3x3 weights of the first Conv2d of ``model`` (F, 1, 3, 3), one small image
    per filter, each in its own symmetric colour scale (blue positive, red negative).
    A filter whose closest hand-set kernel
    (:func:`nnlib.explore.convolution.closest_kernels`) has a similarity of at least
    ``threshold`` in size is labelled with it ("flipped" when the similarity is negative).
    Returns the Figure."""
    weight = np.asarray(model[0].weight.data)
    if weight.ndim != 4 or weight.shape[1:] != (1, 3, 3):
        raise ValueError(f"model: expected a first Conv2d with one input channel and 3x3 "
                         f"filters, got a weight of shape {weight.shape}")
    matches = cv.closest_kernels(weight[:, 0])
    n = weight.shape[0]
    ncols = 8
    nrows = -(-n // ncols)
    fig, axes = subplots(nrows, ncols, figsize=(10.4, 1.7 * nrows + 0.7))
    for f, ax in enumerate(np.ravel(axes)):
        if f >= n:
            ax.axis("off")
            continue
        _grid(ax, weight[f, 0], numbers=False)
        name, similarity = matches[f]
        label = f"filter {f + 1}"
        if abs(similarity) >= threshold:
            flipped = "flipped, " if similarity < 0 else ""
            label += f"\n≈ {name}\n({flipped}{abs(similarity):.2f})"
        ax.set_title(label, fontsize=8, fontweight="normal")
    fig.suptitle(title, fontweight="bold")
    return fig


@_styled
def learned_maps_figure(model, image, title="What the trained CNN computes for one digit"):
    """The digit ``image`` (8, 8, pixels in [0, 1]) and the maps of the CNN ``model``
    (:func:`nnlib.explore.convolution.digits_cnn`) after its first and its second
    convolution (each after ReLU), plus the 10 class probabilities. Returns the Figure."""
    outputs = cv.layer_outputs(model, image)
    relus = [out for name, out in outputs if name == "ReLU"]
    scores = outputs[-1][1]
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    first, second = relus[0], relus[1]
    fig = subplots(figsize=(11.0, 6.6), layout=None)[0]
    fig.axes[0].remove()
    ax = fig.add_axes([0.01, 0.55, 0.16, 0.3])
    _grid(ax, np.asarray(image) * 16, signed=False, numbers=False)
    ax.set_title("the digit", fontsize=10)
    bars = fig.add_axes([0.04, 0.08, 0.13, 0.33])
    bars.barh(np.arange(10), probs, color=OKABE_ITO["blue"])
    bars.set_yticks(np.arange(10))
    bars.invert_yaxis()
    bars.set_xlim(0, 1)
    bars.set_xlabel("probability")
    bars.set_title(f"answer: {int(np.argmax(probs))}", fontsize=10)
    for maps, (left, bottom, width, height), label in (
            (first, (0.21, 0.5, 0.78, 0.36), "after conv 1 + ReLU: 16 maps of 8x8"),
            (second, (0.21, 0.03, 0.78, 0.4), "after conv 2 + ReLU: 32 maps of 4x4")):
        n = len(maps)
        ncols = 8
        nrows = -(-n // ncols)
        limit = _limit(maps)
        for f in range(n):
            r, c = divmod(f, ncols)
            w, h = width / ncols, height / nrows
            ax = fig.add_axes([left + c * w + 0.005, bottom + (nrows - 1 - r) * h + 0.005,
                               w - 0.01, h - 0.01])
            ax.imshow(maps[f], cmap="Blues", vmin=0, vmax=limit, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color("#bbbbbb")
        fig.text(left, bottom + height + 0.012, label, fontsize=11, fontweight="bold")
    fig.suptitle(title, fontweight="bold", y=0.98)
    return fig


# ---------------------------------------------------------------------------- the photo

def _stages(rows):
    """The rows worth drawing: the input and each layer that changes the shape or has
    weights (ReLU and softmax change neither)."""
    return [r for r in rows if r.name not in ("ReLU",)]


@_styled
def photo_trace_figure(rows, classes=cv.CAT_CLASSES,
                       title="A 224 x 224 colour photo through a CNN"):
    """The rows of :func:`nnlib.explore.convolution.layer_table` for a photo CNN drawn as
    blocks: each feature-map stage as a box whose height grows with its rows and columns
    and whose width grows with its channels, each vector as a bar; under each, its shape
    and its parameters. ``classes``: the probabilities drawn at the end (the source's
    example answer). Returns the Figure."""
    stages = [r for r in _stages(rows) if r.name != "softmax"]
    fig, ax = subplots(figsize=(12.0, 4.6), layout=None)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.02)
    x = 0.0
    colours = {"input": OKABE_ITO["sky_blue"], "conv": OKABE_ITO["blue"],
               "max": OKABE_ITO["green"], "flatten": OKABE_ITO["yellow"],
               "dense": OKABE_ITO["orange"]}
    names = {"input": "photo", "max": "pool", "flatten": "flatten"}
    for row in stages:
        kind = row.name.split()[0].rstrip(",")
        if len(row.shape) == 3:
            c, h, w = row.shape
            height = 0.6 + 2.4 * np.log2(h / 7) / np.log2(32)
            width = 0.25 + 0.14 * np.log2(c)
            label = f"{c} x\n{h}x{w}"
        else:
            height = 0.25 + 3.0 * np.log10(row.size) / np.log10(150528)
            width = 0.3
            label = f"{row.size:,}"
            x += 0.2
        ax.add_patch(Rectangle((x, -height / 2), width, height, facecolor=colours[kind],
                               edgecolor="#333333", alpha=0.85))
        name = names.get(kind)
        if kind == "conv":
            name = f"conv\n{row.shape[0]}"
        elif kind == "dense":
            name = f"dense\n{row.shape[0]}"
        ax.text(x + width / 2, 1.75, name, ha="center", va="bottom", fontsize=9)
        ax.text(x + width / 2, -1.75, label, ha="center", va="top", fontsize=8.5)
        if row.parameters:
            ax.text(x + width / 2, -2.75, format_count(row.parameters).replace(" ", "\n"),
                    ha="center", va="top", fontsize=8.5, color=OKABE_ITO["vermillion"])
        x += width + (0.36 if len(row.shape) == 3 else 0.8)
    # the answer
    probs = list(classes.items())
    for i, (name, p) in enumerate(probs):
        y = 0.9 - 0.75 * i
        ax.add_patch(Rectangle((x + 0.1, y - 0.25), 1.6 * p, 0.5,
                               facecolor=OKABE_ITO["purple"], alpha=0.85))
        ax.text(x + 0.1, y + 0.3, f"{name} {p:.2f}", fontsize=9, va="bottom")
    ax.text(x + 0.9, 1.75, "softmax", ha="center", va="bottom", fontsize=8.5)
    ax.text(0.0, -4.6, "under each block: what it holds for one photo (channels x rows x "
            "columns, or a list of numbers); in red: the layer's parameters", fontsize=9.5,
            va="bottom")
    ax.set_xlim(-0.2, x + 2.0)
    ax.set_ylim(-4.7, 2.3)
    ax.axis("off")
    total = sum(r.parameters for r in rows)
    ax.set_title(f"{title}: {format_count(total)} parameters in all", fontsize=12)
    return fig


@_styled
def parameter_bars(bars, title="Parameters: sharing filters against connecting everything"):
    """Horizontal bars on a log scale: ``bars`` is a list of (label, count, colour key)
    with colour key "cnn" or "dense". Each bar is labelled with its count. Returns the
    Figure."""
    fig, ax = subplots(figsize=(9.0, 0.55 * len(bars) + 1.4))
    colours = {"cnn": OKABE_ITO["blue"], "dense": OKABE_ITO["vermillion"]}
    ys = np.arange(len(bars))
    for y, (label, count, key) in zip(ys, bars):
        ax.barh(y, count, color=colours[key], alpha=0.9)
        short = format_count(count)
        text = f"{count:,}" if short == f"{count:,}" else f"{count:,}  ({short})"
        ax.text(count * 1.4, y, text, va="center", fontsize=9)
    ax.set_xscale("log")
    ax.set_yticks(ys, [b[0] for b in bars], fontsize=9)
    ax.invert_yaxis()
    top = max(b[1] for b in bars)
    ax.set_xlim(1e2, top * 3000)
    ax.set_xlabel("parameters (log scale: each tick is 100 times more)")
    ax.set_title(title)
    return fig


def layer_data_table(rows, caption=None):
    """The rows of :func:`nnlib.explore.convolution.layer_table` as a
    :class:`nnlib.viz.fitting.DataTable` (HTML in the book, aligned text elsewhere)."""
    from nnlib.viz.fitting import DataTable

    body = []
    for r in rows:
        shape = " x ".join(f"{s:,}" for s in r.shape)
        body.append([r.name, shape, f"{r.size:,}", f"{r.parameters:,}",
                     f"{r.multiply_adds:,}"])
    total_params = sum(r.parameters for r in rows)
    total_madds = sum(r.multiply_adds for r in rows)
    body.append(["total", "", "", f"{total_params:,}", f"{total_madds:,}"])
    return DataTable(["layer", "output shape", "numbers out", "parameters", "multiply-adds"],
                     body, caption=caption)


# ---------------------------------------------------------------------------- the explorer

#: The digits the explorer offers (keys of :data:`nnlib.explore.convolution.DIGIT_EXAMPLES`).
EXPLORER_DIGITS = tuple(cv.DIGIT_EXAMPLES)


def kernel_figure(kernel="vertical edge", digit=2, stride=1, padding=1):
    """Explorer: ``kernel`` slid over a digit with ``stride`` and ``padding``, then ReLU,
    then 2x2 max pooling.

    kernel: a name of :data:`nnlib.explore.convolution.KERNELS` or a 3x3 array of your own;
    digit: 0, 2 or 7 (an example of that digit); stride: 1 or 2; padding: 0 or 1. Panels:
    the padded digit (the first patch outlined), the kernel, the feature map, the map after
    ReLU, and after max pooling, all maps in the feature map's colour scale. Returns the
    Figure.
    """
    if digit not in cv.DIGIT_EXAMPLES:
        raise ValueError(f"digit: expected one of {list(cv.DIGIT_EXAMPLES)}, got {digit!r}")
    k = cv.as_kernel(kernel)
    image = cv.digit_image(cv.DIGIT_EXAMPLES[digit])
    fmap = cv.feature_map(image, k, stride=stride, padding=padding)
    after_relu = cv.relu_map(fmap)
    pooled = cv.max_pool_map(after_relu, 2)
    name = kernel if isinstance(kernel, str) else "your kernel"
    return _kernel_panels(image, k, name, fmap, after_relu, pooled, stride, padding)


@_styled
def _kernel_panels(image, k, name, fmap, after_relu, pooled, stride, padding):
    fig, axes = subplots(1, 5, figsize=(12.0, 3.7), layout=None,
                         gridspec_kw={"width_ratios": (1.25, 0.55, 1, 1, 0.62)})
    fig.subplots_adjust(left=0.01, right=0.99, top=0.74, bottom=0.03, wspace=0.22)
    padded = np.pad(image, padding)
    _grid(axes[0], padded, signed=False, fontsize=6)
    if padding:
        _box(axes[0], padding, padding, *image.shape, colour="#888888", linewidth=1,
             linestyle="--")
    _box(axes[0], 0, 0, *k.shape)
    if stride > 1 and padded.shape[1] >= k.shape[1] + stride:
        _box(axes[0], 0, stride, *k.shape, linestyle=":")
    second = ", dotted: the next" if stride > 1 else ""
    axes[0].set_title(f"digit with padding {padding}: {padded.shape[0]}x{padded.shape[1]}\n"
                      f"orange: the first patch{second}", fontsize=10)
    _grid(axes[1], k, fontsize=9, fmt="{:.2g}")
    axes[1].set_title(f"kernel\n{name}", fontsize=10)
    limit = _limit(fmap)
    size = fmap.shape[0]
    font = 7 if size > 6 else 8.5
    _grid(axes[2], fmap, limit=limit, fontsize=font)
    axes[2].set_title(f"feature map {fmap.shape[0]}x{fmap.shape[1]}\nstride {stride}",
                      fontsize=10)
    _grid(axes[3], after_relu, limit=limit, fontsize=font)
    axes[3].set_title("after ReLU\n(negatives become 0)", fontsize=10)
    _grid(axes[4], pooled, limit=limit, fontsize=8.5)
    axes[4].set_title(f"after 2x2 max pool\n{pooled.shape[0]}x{pooled.shape[1]}",
                      fontsize=10)
    fig.suptitle(f"{name}: output size = ({image.shape[0]} + 2 × {padding} − {k.shape[0]}) "
                 f"÷ {stride}, rounded down, + 1 = {fmap.shape[0]}", fontweight="bold", y=0.97)
    return fig


def kernel_controls():
    """The explorer's controls: kernel (8 names), digit (3), stride (2), padding (2):
    96 frames in the static book."""
    from nnlib.explore import Dropdown

    return (Dropdown("kernel", list(cv.KERNELS), "vertical edge", label="kernel"),
            Dropdown("digit", list(EXPLORER_DIGITS), 2, label="digit"),
            Dropdown("stride", [1, 2], 1, label="stride"),
            Dropdown("padding", [0, 1], 1, label="padding"))


def kernel_explorer():
    """Live (JupyterLab) or static (book) explorer of :func:`kernel_figure` (chapter 12)."""
    from nnlib.explore import explore

    return explore(kernel_figure, *kernel_controls(),
                   title="Kernel explorer: a filter, its feature map, ReLU and pooling")
