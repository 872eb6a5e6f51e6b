"""What ``fit`` shows while it trains: a progress bar and a live loss curve (chapter 8).

In a Jupyter kernel (JupyterLab, nbval, book execution) the bar is an ipywidgets progress
bar and the loss curve a PNG redrawn in place after every epoch; elsewhere (a terminal,
CI) the bar is one plain line per epoch and there is no curve. Nothing shown contains a
timing, so a re-run notebook stores the same text.
"""
import sys

from nnlib.train.history import format_metric

__all__ = ["ProgressBar", "LivePlot"]


def _in_kernel():
    """True when running inside a Jupyter kernel (JupyterLab, nbval, book execution)."""
    ipython = sys.modules.get("IPython")  # never imported outside Jupyter/IPython: cheap test
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _progress_text(epoch, epochs, logs):
    """``epoch  3/10  loss 0.4123  acc 0.8720  val_loss 0.4500  val_acc 0.8600``."""
    width = len(str(epochs))
    parts = [f"epoch {epoch:>{width}}/{epochs}"]
    names = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}
    for key, value in logs.items():
        parts.append(f"{names.get(key, key)} {format_metric(value)}")
    return "  ".join(parts)


class ProgressBar:
    """Per-epoch progress: an ipywidgets bar in a Jupyter kernel, else one line per epoch.

    The plain line (``epoch 3/10  loss 0.4123  acc 0.8720 ...``) goes to ``stream``
    (sys.stdout by default) and contains no timings, so re-running a notebook prints the
    same text.
    """

    def __init__(self, epochs, enabled=True, stream=None):
        self.epochs, self.enabled, self.stream = epochs, bool(enabled), stream
        self._bar = self._label = self._box = None
        if self.enabled and _in_kernel():
            self._make_widget()

    def _make_widget(self):
        try:
            import ipywidgets as widgets
            from IPython.display import display
        except ImportError:
            return
        self._bar = widgets.IntProgress(value=0, min=0, max=self.epochs, description="training")
        self._label = widgets.HTML(value="")
        self._box = widgets.HBox([self._bar, self._label])
        display(self._box)

    @property
    def is_widget(self):
        return self._box is not None

    def update(self, epoch, logs):
        if not self.enabled:
            return
        text = _progress_text(epoch, self.epochs, logs)
        if self.is_widget:
            self._bar.value = epoch
            self._label.value = f"<code>{text}</code>"
        else:
            print(text, file=self.stream or sys.stdout, flush=True)

    def close(self, ok=True):
        if self.is_widget:
            self._bar.bar_style = "success" if ok else "danger"


class LivePlot:
    """A loss curve redrawn after every epoch, in a Jupyter kernel only (else it does nothing).

    Each epoch draws :func:`nnlib.viz.basics.loss_curve` (a Figure not managed by pyplot, so it is
    never shown twice or leaked) and shows it as an HTML image with alt text
    (:func:`nnlib.viz.style.embed`) under a display id, so later epochs update that output in
    place and the stored output stays accessible in the built book.
    """

    def __init__(self, enabled=True):
        self.enabled = bool(enabled) and _in_kernel()
        self._handle = self._figure = None

    def update(self, history):
        if not self.enabled:
            return
        from IPython.display import display

        from nnlib.viz import embed, loss_curve

        curves = {"training loss": history.loss, "validation loss": history.val_loss}
        self._figure = loss_curve(curves, title=f"Loss after epoch {len(history.loss)}")
        image = embed(self._figure, alt=_loss_curve_alt_text(history))
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)

    def close(self):
        self._figure = None


def _loss_curve_alt_text(history):
    """``'Loss curve over 20 epochs: training loss from 0.61 to 0.32, validation ...'``."""
    n = len(history.loss)
    text = f"Loss curve over {n} epoch{'s' if n != 1 else ''}: "
    parts = [f"{name} loss from {values[0]:.3g} to {values[-1]:.3g}"
             for name, values in (("training", history.loss), ("validation", history.val_loss))
             if values]
    return text + ", ".join(parts)
