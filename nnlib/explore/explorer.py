"""Interactive explorers: one pure figure function, shown live or as a static twin.

An explorer wraps a function ``figure_fn(**params) -> matplotlib.figure.Figure`` and a few
controls (:class:`Slider`, :class:`Dropdown`)::

    from nnlib.explore import explore, Slider, Dropdown
    explore(neuron_figure,
            Slider("w1", -2, 2, 0.5, 1.0),
            Dropdown("activation", ["sigmoid", "relu"], "sigmoid"))

Displayed in a running kernel (JupyterLab, Colab, Binder) it is a live ipywidgets UI that calls
the function on every change. Displayed output also carries a small JSON spec under the MIME
type ``MIME_TYPE`` (the function's import path and the controls, never the frames). When the
book is built, the Sphinx extension ``nnlib_sphinx`` reads that spec, evaluates the same
function over the grid of every control value and writes one PNG per grid point next to the
page, with plain HTML controls that swap the frames: the "static twin", usable with no kernel.

Grid order: the frames are numbered in ``itertools.product`` order over the controls as given,
the last control varying fastest (see :meth:`Explorer.grid` and :meth:`Explorer.frame_index`).
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import io
import itertools
import json
import math
import numbers
import os
from dataclasses import dataclass

__all__ = [
    "Slider", "Dropdown", "Explorer", "explore", "from_spec", "render_png",
    "MIME_TYPE", "MAX_FRAMES", "FRAME_COLORS", "FRAME_RC",
]

MIME_TYPE = "application/vnd.nnlib.explorer+json"
SPEC_VERSION = 1
MAX_FRAMES = 400
"""Largest grid an explorer may have: every grid point becomes a PNG in the book."""
DEFAULT_DPI = 80


def _is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _decimals(x, limit=10):
    """Number of decimal places needed to write ``x`` exactly (0.25 -> 2, 3 -> 0)."""
    for d in range(limit + 1):
        if abs(round(x, d) - x) < 1e-12:
            return d
    return limit


# --------------------------------------------------------------------------- controls
@dataclass(frozen=True)
class Slider:
    """A numeric control taking the values ``min, min + step, ..., max``.

    ``value`` (the starting position) must lie on that grid. When ``min``, ``max`` and
    ``step`` are all integers the values are ints, otherwise floats rounded to the step's
    decimals (so 0.1 + 0.2 shows as 0.3).
    """

    name: str
    min: float
    max: float
    step: float
    value: float
    label: str | None = None

    def __post_init__(self):
        _check_name(self.name)
        for arg in ("min", "max", "step", "value"):
            got = getattr(self, arg)
            if not _is_number(got) or not math.isfinite(got):
                raise ValueError(f"{arg}: expected a finite number, got {got!r}")
        if self.step <= 0:
            raise ValueError(f"step: expected a positive number, got {self.step!r}")
        if self.max < self.min:
            raise ValueError(f"max: expected max >= min = {self.min!r}, got {self.max!r}")
        n = (self.max - self.min) / self.step
        if abs(n - round(n)) > 1e-9 * max(1.0, abs(n)):
            raise ValueError(
                f"step: expected a step that divides max - min = {self.max - self.min!r} "
                f"into whole steps, got {self.step!r}")
        if not self.min <= self.value <= self.max:
            raise ValueError(
                f"value: expected a number in [{self.min!r}, {self.max!r}], got {self.value!r}")
        k = (self.value - self.min) / self.step
        if abs(k - round(k)) > 1e-9 * max(1.0, abs(k)):
            raise ValueError(
                f"value: expected a point of the grid {self.min!r}, "
                f"{self._round(self.min + self.step)!r}, ..., {self.max!r}, got {self.value!r}")

    @property
    def is_int(self):
        return all(float(v).is_integer() and not isinstance(v, float)
                   for v in (self.min, self.max, self.step))

    def _round(self, x):
        if self.is_int:
            return int(round(x))
        digits = max(_decimals(self.min), _decimals(self.step))
        return float(round(x, digits))

    def values(self):
        """Every value the slider can take, in order."""
        n = int(round((self.max - self.min) / self.step))
        return [self._round(self.min + k * self.step) for k in range(n + 1)]

    @property
    def default(self):
        """The starting value, snapped exactly onto :meth:`values`."""
        return self.values()[self.default_index]

    @property
    def default_index(self):
        return int(round((self.value - self.min) / self.step))

    def spec(self):
        return {"type": "slider", "name": self.name, "label": self.label or self.name,
                "min": self.min, "max": self.max, "step": self.step, "value": self.value,
                "values": self.values()}

    def widget(self):
        import ipywidgets as w
        common = dict(description=self.label or self.name, continuous_update=False,
                      style={"description_width": "initial"})
        if self.is_int:
            return w.IntSlider(min=self.min, max=self.max, step=self.step,
                               value=self.default, **common)
        digits = max(_decimals(self.min), _decimals(self.step))
        return w.FloatSlider(min=self.min, max=self.max, step=self.step, value=self.default,
                             readout_format=f".{digits}f", **common)


@dataclass(frozen=True)
class Dropdown:
    """A choice among ``options`` (strings, numbers or booleans: they go into JSON)."""

    name: str
    options: tuple
    value: object
    label: str | None = None

    def __post_init__(self):
        _check_name(self.name)
        if isinstance(self.options, (str, bytes)) or not hasattr(self.options, "__iter__"):
            raise ValueError(f"options: expected a list of choices, got {self.options!r}")
        options = tuple(self.options)
        object.__setattr__(self, "options", options)
        if not options:
            raise ValueError("options: expected at least one choice, got an empty list")
        for o in options:
            if not isinstance(o, (str, numbers.Real)):
                raise ValueError(
                    f"options: expected strings, numbers or booleans, got {o!r}")
        if len(set(map(repr, options))) != len(options):
            raise ValueError(f"options: expected distinct choices, got {list(options)!r}")
        if self.value not in options:
            raise ValueError(f"value: expected one of {list(options)!r}, got {self.value!r}")

    def values(self):
        return list(self.options)

    @property
    def default(self):
        return self.value

    @property
    def default_index(self):
        return self.options.index(self.value)

    def spec(self):
        return {"type": "dropdown", "name": self.name, "label": self.label or self.name,
                "options": list(self.options), "value": self.value,
                "values": list(self.options)}

    def widget(self):
        import ipywidgets as w
        return w.Dropdown(options=[(str(o), o) for o in self.options], value=self.value,
                          description=self.label or self.name,
                          style={"description_width": "initial"})


def _check_name(name):
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name: expected a Python identifier (a keyword of figure_fn), "
                         f"got {name!r}")


def _control_from_spec(c):
    kind = c.get("type")
    if kind == "slider":
        return Slider(c["name"], c["min"], c["max"], c["step"], c["value"], c.get("label"))
    if kind == "dropdown":
        return Dropdown(c["name"], c["options"], c["value"], c.get("label"))
    raise ValueError(f"controls: expected type 'slider' or 'dropdown', got {kind!r}")


# --------------------------------------------------------------------------- rendering
FRAME_RC = {"axes.titley": 1.0}
"""matplotlib settings of every frame. A fixed title height skips matplotlib's search for
top tick labels under each title (about a tenth of a frame's time); the explorers' axes have
none, so their frames are the same. A figure with labels on top of an axes must place its
title itself (``ax.set_title(..., y=1.1)``)."""

FRAME_COLORS = 256
"""Palette size of a rendered frame: flat-coloured figures lose nothing visible, and the
PNG weighs about 40% of a full-colour one."""


def render_png(fig, dpi=DEFAULT_DPI, colors=FRAME_COLORS):
    """PNG bytes of a matplotlib Figure, then close it.

    The bytes are reproducible (no software/version metadata, a deterministic palette) and
    the background is white so the figure stays readable on a dark page. ``colors``: size
    of the adaptive palette (2-256), or None for a full-colour (RGB) PNG.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from PIL import Image

    if not isinstance(fig, Figure):
        raise ValueError(f"figure_fn: expected it to return a matplotlib Figure, "
                         f"got {type(fig).__name__}")
    if colors is not None and (not isinstance(colors, int) or not 2 <= colors <= 256):
        raise ValueError(f"colors: expected a whole number from 2 to 256 or None, "
                         f"got {colors!r}")
    try:
        image = _draw_rgb(fig, dpi)
    finally:
        plt.close(fig)
    if colors is not None:
        # Median cut (deterministic) keeps every colour of a large area exact, down to faint
        # tints; the fast octree, 8 times quicker, merges them. No dithering: flat areas
        # stay flat and compress well.
        image = image.quantize(colors, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
    buf = io.BytesIO()
    image.save(buf, format="png")
    return buf.getvalue()


def _draw_rgb(fig, dpi):
    """Draw ``fig`` once at ``dpi`` on a white background; return a PIL RGB image.

    Like ``savefig`` (same pixels) minus its extra layout pass and its full-colour PNG
    encoding, and on a renderer shared with earlier figures of the same size (see
    :func:`_shared_canvas`).
    """
    from PIL import Image

    fig.set_dpi(dpi)
    fig.patch.set_facecolor("white")
    canvas = _shared_canvas()(fig)
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    return rgba.convert("RGB")


@functools.lru_cache(maxsize=None)
def _shared_canvas():
    """An Agg canvas class whose figures share one renderer per (width, height, dpi).

    matplotlib caches text measurements and parsed math per renderer, so the frames of an
    explorer (same size, same labels) measure each text once instead of once per frame.
    The pixels are the same as with a fresh renderer. One figure at a time: do not draw
    from several threads at once. A forked process starts with no renderer: the cached
    measurements hold the parent's open font files, which two processes must not share
    (matplotlib empties its own font cache on fork for the same reason).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

    renderers = {}
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=renderers.clear)

    class SharedRendererCanvas(FigureCanvasAgg):
        def get_renderer(self):
            key = (*self.get_width_height(physical=True), self.figure.dpi)
            if key not in renderers:
                if len(renderers) >= 4:  # a live session resizing its figures
                    renderers.clear()
                renderers[key] = RendererAgg(*key)
            self.renderer = renderers[key]
            return self.renderer

    return SharedRendererCanvas


def function_path(fn):
    """``"module:qualname"`` if ``fn`` can be imported back by that name, else None."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname:
        return None
    try:
        return f"{module}:{qualname}" if _import_function(f"{module}:{qualname}") is fn else None
    except (ImportError, AttributeError, ValueError):
        return None


def _import_function(path):
    module_name, sep, qualname = path.partition(":")
    if not sep or not qualname:
        raise ValueError(f"function: expected 'module:name', got {path!r}")
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


# --------------------------------------------------------------------------- explorer
class Explorer:
    """A figure function plus controls; see the module docstring.

    Display it (last expression of a cell) to get the live UI; use :meth:`grid`,
    :meth:`frames` and :meth:`spec` for the static twin.
    """

    def __init__(self, figure_fn, controls, title=None, dpi=DEFAULT_DPI,
                 max_frames=MAX_FRAMES):
        if not callable(figure_fn):
            raise ValueError(f"figure_fn: expected a function returning a Figure, "
                             f"got {figure_fn!r}")
        controls = tuple(controls)
        if not controls:
            raise ValueError("controls: expected at least one Slider or Dropdown, got none")
        for c in controls:
            if not isinstance(c, (Slider, Dropdown)):
                raise ValueError(f"controls: expected Slider or Dropdown, got {c!r}")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls: expected distinct names, got {names}")
        size = math.prod(len(c.values()) for c in controls)
        if size > max_frames:
            raise ValueError(
                f"controls: expected a grid of at most {max_frames} frames (each one is an "
                f"image in the book), got {' x '.join(str(len(c.values())) for c in controls)}"
                f" = {size}; use coarser steps or fewer options")
        if not _is_number(dpi) or dpi <= 0:
            raise ValueError(f"dpi: expected a positive number, got {dpi!r}")
        self.figure_fn = figure_fn
        self.controls = controls
        self.title = title
        self.dpi = dpi

    def __repr__(self):
        names = ", ".join(c.name for c in self.controls)
        fn = getattr(self.figure_fn, "__name__", repr(self.figure_fn))
        return f"Explorer({fn}: {names}; {len(self)} frames)"

    def __len__(self):
        return math.prod(len(c.values()) for c in self.controls)

    # ---- the grid
    def defaults(self):
        """The starting parameters, ``{name: value}``."""
        return {c.name: c.default for c in self.controls}

    def grid(self):
        """Every parameter combination, as dicts, in frame order (last control fastest)."""
        names = [c.name for c in self.controls]
        return [dict(zip(names, combo))
                for combo in itertools.product(*(c.values() for c in self.controls))]

    def frame_index(self, params):
        """Position in :meth:`grid` of ``params`` (a dict with one value per control)."""
        index = 0
        for c in self.controls:
            values = c.values()
            if c.name not in params:
                raise ValueError(f"params: expected a value for {c.name!r}, got {params!r}")
            try:
                position = values.index(params[c.name])
            except ValueError:
                raise ValueError(f"params: expected {c.name} in {values}, "
                                 f"got {params[c.name]!r}") from None
            index = index * len(values) + position
        return index

    def render(self, params=None):
        """PNG bytes of the figure for ``params`` (default: the starting values).

        The function runs under matplotlib's default style (it may apply its own, e.g.
        nnlib.viz's), so a frame is the same in a notebook, in JupyterLab and in the build,
        with one speed-up: :data:`FRAME_RC` (axes titles at a fixed height).
        """
        import matplotlib
        import matplotlib.pyplot as plt

        params = self.defaults() if params is None else params
        with plt.style.context("default"), matplotlib.rc_context(FRAME_RC):
            return render_png(self.figure_fn(**params), dpi=self.dpi)

    def frames(self):
        """Yield ``(params, png_bytes)`` for every grid point, in frame order."""
        for params in self.grid():
            yield params, self.render(params)

    def alt_text(self, params):
        """A description of the figure for ``params``, for the image's alt attribute."""
        described = ", ".join(f"{c.label or c.name} = {params[c.name]}" for c in self.controls)
        return f"{self.title or 'Figure'} for {described}"

    # ---- the static twin's spec
    def spec(self):
        """JSON-ready description: function import path, controls, title and dpi."""
        return {"version": SPEC_VERSION, "function": function_path(self.figure_fn),
                "title": self.title, "dpi": self.dpi,
                "controls": [c.spec() for c in self.controls]}

    def spec_id(self):
        """A short stable hash of :meth:`spec` (names the frames' folder in the book)."""
        text = json.dumps(self.spec(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    # ---- the live UI
    def widget(self):
        """The live ipywidgets UI: the controls above an Output showing the figure."""
        import ipywidgets as w
        from IPython.display import Image, display

        controls = {c.name: c.widget() for c in self.controls}
        # one label width for all controls, so the sliders start in one column
        width = max(len(c.label or c.name) for c in self.controls) * 0.6 + 0.5
        for control in controls.values():
            control.style.description_width = f"{width:.1f}em"

        def show(**params):
            display(Image(data=self.render(params), format="png"))

        output = w.interactive_output(show, controls)
        children = [w.HTML(f"<b>{_escape(self.title)}</b>")] if self.title else []
        children += [w.VBox(list(controls.values())), output]
        return w.VBox(children, layout=w.Layout(align_items="flex-start"))

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/plain": repr(self), MIME_TYPE: self.spec()}
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            data["image/png"] = self.render()
            return data
        data.update(self.widget()._repr_mimebundle_())
        data["text/plain"] = repr(self)
        return data


def _escape(text):
    import html
    return html.escape(str(text))


def explore(figure_fn, *controls, title=None, dpi=DEFAULT_DPI, max_frames=MAX_FRAMES):
    """Build an :class:`Explorer` of ``figure_fn`` over ``controls``.

    ``figure_fn(**params)`` must return a matplotlib Figure and, for the published book, be
    a module-level function of an installed package (``nnlib.viz.neurons``, ``nnlib.viz``) so the
    book build can import it. The grid (product of every control's number of values) must
    stay at most ``max_frames``.
    """
    return Explorer(figure_fn, controls, title=title, dpi=dpi, max_frames=max_frames)


def from_spec(spec):
    """Rebuild the :class:`Explorer` described by a :meth:`Explorer.spec` dict."""
    if not isinstance(spec, dict) or spec.get("version") != SPEC_VERSION:
        raise ValueError(f"spec: expected an explorer spec of version {SPEC_VERSION}, "
                         f"got {spec!r:.200}")
    if not spec.get("function"):
        raise ValueError("spec: the figure function is not importable (defined in a notebook "
                         "or a lambda?); move it into a module such as nnlib.viz.neurons")
    fn = _import_function(spec["function"])
    controls = [_control_from_spec(c) for c in spec["controls"]]
    return Explorer(fn, controls, title=spec.get("title"), dpi=spec.get("dpi", DEFAULT_DPI),
                    max_frames=max(MAX_FRAMES, math.prod(len(c.values()) for c in controls)))
