"""Tests of nnlib.viz: every helper returns a titled Figure and draws what it claims."""
import base64
import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Circle

from nnlib import viz
from nnlib.functional import ACTIVATIONS

pytestmark = pytest.mark.filterwarnings("error")


def _render(fig):
    """Draw the figure with Agg and return its RGBA pixels, shape (H, W, 4)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


def _pixel(fig, ax, x, y):
    """RGB (0-255) of the rendered figure at data point (x, y) of ``ax``."""
    pixels = _render(fig)
    px, py = ax.transData.transform((x, y))
    height = pixels.shape[0]
    return pixels[int(round(height - py)), int(round(px)), :3].astype(float)


def _hex_to_rgb(colour):
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _titled(fig):
    return [ax for ax in fig.axes if ax.get_title()]


# ---------------------------------------------------------------------------------- style
def test_subplots_is_styled_and_not_registered_with_pyplot():
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    fig, axes = viz.subplots(1, 2)
    assert isinstance(fig, Figure) and len(axes) == 2
    assert plt.get_fignums() == before
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_use_style_sets_white_background_and_palette(monkeypatch):
    import matplotlib
    with matplotlib.rc_context():
        matplotlib.rcParams["figure.facecolor"] = "black"
        viz.use_style()
        assert matplotlib.rcParams["figure.facecolor"] == "white"
        colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert colours[:2] == viz.PALETTE[:2]


# ---------------------------------------------------------------------------------- embed
def test_embed_writes_png_with_escaped_alt_text():
    fig = viz.nested_fields()
    emb = viz.embed(fig, alt='A "quoted" <alt>', caption="cap & more")
    assert emb.png[:8] == b"\x89PNG\r\n\x1a\n"
    html = emb._repr_html_()
    assert 'alt="A &quot;quoted&quot; &lt;alt&gt;"' in html
    assert "<figcaption>cap &amp; more</figcaption>" in html
    data = html.split("base64,")[1].split('"')[0]
    assert base64.b64decode(data) == emb.png


def test_embed_is_deterministic():
    assert viz.embed(viz.nested_fields(), "x").png == viz.embed(viz.nested_fields(), "x").png


@pytest.mark.parametrize("alt", ["", "   ", None])
def test_embed_requires_alt_text(alt):
    with pytest.raises(ValueError, match="alt"):
        viz.embed(viz.nested_fields(), alt=alt)


# ---------------------------------------------------------------------------------- chapter 1
def test_nested_fields_draws_three_nested_labelled_circles():
    fig = viz.nested_fields()
    ax = fig.axes[0]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 3
    radii = [c.radius for c in circles]
    assert radii == sorted(radii, reverse=True)
    # each smaller circle lies inside the previous one
    for outer, inner in zip(circles, circles[1:]):
        gap = np.hypot(*(np.array(outer.center) - np.array(inner.center)))
        assert gap + inner.radius <= outer.radius + 1e-9
    texts = " ".join(t.get_text() for t in ax.texts)
    for label in ("Artificial intelligence", "Machine learning", "Deep learning"):
        assert label in texts
    assert ax.get_title()


def test_model_sizes_chart_bars_match_counts_on_log_axis():
    sizes = {"one neuron": 3, "classifier": 25e6, "GPT-2": 1.5e9}
    fig = viz.model_sizes_chart(sizes, ours={"one neuron"})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    widths = sorted(bar.get_width() for bar in ax.patches[:3])
    assert widths == sorted(sizes.values())
    colours = {tuple(bar.get_facecolor()) for bar in ax.patches[:3]}
    assert len(colours) == 2        # the book's network stands out
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_xlim()[1] > max(sizes.values())


@pytest.mark.parametrize("sizes", [{}, {"a": 0}, {"a": -5}, {"a": "big"}])
def test_model_sizes_chart_rejects_bad_counts(sizes):
    with pytest.raises(ValueError, match="sizes"):
        viz.model_sizes_chart(sizes)


@pytest.mark.parametrize("n, text", [(3, "3"), (2410, "2,410"), (25e6, "25 M"),
                                     (1.5e9, "1.5 B"), (1e12, "1 T"), (0.5, "0.5")])
def test_format_count(n, text):
    assert viz.format_count(n) == text


def test_format_count_rejects_negative():
    with pytest.raises(ValueError, match="n:"):
        viz.format_count(-1)


# ---------------------------------------------------------------------------------- activations
@pytest.mark.parametrize("name", ["step", "sigmoid", "tanh", "relu"])
def test_activation_plot_draws_function_and_derivative(name):
    x = np.linspace(-3, 3, 61)
    fig = viz.activation_plot(name, x=x)
    ax = fig.axes[0]
    function, slope = ACTIVATIONS[name]
    curves = [line for line in ax.lines if len(line.get_xdata()) == len(x)]
    assert len(curves) == 2
    for line, expected in zip(curves, (function(x), slope(x))):
        y = np.asarray(line.get_ydata(), dtype=float)
        keep = ~np.isnan(y)     # the plot breaks the line at jumps
        assert keep.sum() >= len(x) - 2
        np.testing.assert_allclose(y[keep], expected[keep])
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_activation_plot_marks_points_on_the_curve():
    fig = viz.activation_plot("sigmoid", derivative=False, marks={"a": 0.0, "b": 2.0})
    dots = [line for line in fig.axes[0].lines if len(line.get_xdata()) == 1]
    assert [(d.get_xdata()[0], round(d.get_ydata()[0], 6)) for d in dots] == [
        (0.0, 0.5), (2.0, round(1 / (1 + np.exp(-2.0)), 6))]


def test_activation_plot_rejects_unknown_name():
    with pytest.raises(ValueError, match="name: expected one of"):
        viz.activation_plot("swish")


# ---------------------------------------------------------------------------------- plane
def test_decision_boundary_colours_the_correct_side():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    fig = viz.decision_boundary(lambda P: P[:, 0] > 0, X, y, padding=1.0)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    class0, class1 = (_hex_to_rgb(c) for c in viz.CLASS_COLOURS)
    left = _pixel(fig, ax, -1.5, -1.5)      # empty corners: only the shading shows there
    right = _pixel(fig, ax, 1.5, 1.5)
    # a light tint of the class colour: closer to it than to the other class colour
    assert np.linalg.norm(left - class0) < np.linalg.norm(left - class1)
    assert np.linalg.norm(right - class1) < np.linalg.norm(right - class0)
    assert not np.allclose(left, right)


def test_decision_boundary_draws_the_neuron_line():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    fig = viz.decision_boundary(lambda P: P.sum(axis=1), X, [0, 1], threshold=1.0,
                                line=((1.0, 1.0), -1.0))
    line, = fig.axes[0].lines
    points = np.column_stack([line.get_xdata(), line.get_ydata()])
    np.testing.assert_allclose(points.sum(axis=1), 1.0)


def test_decision_boundary_accepts_tensor_like_column_scores():
    class Out:
        def __init__(self, data):
            self.data = data
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    fig = viz.decision_boundary(lambda P: Out(P.sum(axis=1, keepdims=True)), X, [0, 1],
                                threshold=1.0, resolution=20)
    image = next(a for a in fig.axes[0].get_children() if isinstance(a, AxesImage))
    region = np.asarray(image.get_array())
    assert region.shape == (20, 20)
    assert region[0, 0] == 0 and region[-1, -1] == 1


def test_decision_boundary_legend_never_covers_a_point():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    fig = viz.decision_boundary(lambda P: P[:, 0], X, [0, 1, 0, 1])
    _render(fig)
    ax = fig.axes[0]
    assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0  # below
    fixed, fixed_ax = viz.subplots(layout=None)          # an explorer's fixed layout:
    viz.decision_boundary(lambda P: P[:, 0], X, [0, 1, 0, 1], ax=fixed_ax)
    _render(fixed)                                       # no room below, so inside
    assert fixed_ax.get_window_extent().contains(
        *fixed_ax.get_legend().get_window_extent().get_points().mean(axis=0))


def test_decision_boundary_checks_shapes():
    with pytest.raises(ValueError, match="X: expected shape"):
        viz.decision_boundary(lambda P: P[:, 0], np.zeros((3, 3)), [0, 1, 0])
    with pytest.raises(ValueError, match="y: expected 3 labels"):
        viz.decision_boundary(lambda P: P[:, 0], np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="predict_fn"):
        viz.decision_boundary(lambda P: P[:1, 0], np.zeros((3, 2)), [0, 1, 0])


@pytest.mark.parametrize("w, b", [((1.0, 2.0), -1.0), ((0.0, 1.0), 0.5), ((2.0, 0.0), -1.0)])
def test_boundary_line_lies_where_weighted_sum_is_zero(w, b):
    fig, ax = viz.subplots()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    line = viz.boundary_line(ax, w, b)
    points = np.column_stack([line.get_xdata(), line.get_ydata()])
    np.testing.assert_allclose(points @ np.array(w) + b, 0.0, atol=1e-12)
    assert ax.get_xlim() == (-2, 2)


def test_boundary_line_is_none_without_weights():
    fig, ax = viz.subplots()
    assert viz.boundary_line(ax, (0.0, 0.0), 1.0) is None
    assert not ax.lines


def test_output_plane_shows_function_values():
    fig = viz.output_plane(lambda P: P[:, 0] + P[:, 1], xlim=(0, 1), ylim=(0, 1), vmin=0,
                           vmax=2, resolution=11)
    ax = fig.axes[0]
    image = ax.images[0]
    values = np.asarray(image.get_array())
    assert values[0, 0] == pytest.approx(0.0) and values[-1, -1] == pytest.approx(2.0)
    assert values[0, -1] == pytest.approx(1.0)       # row = x2, column = x1
    assert len(fig.axes) == 2                        # the plane and its colour bar
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_candidate_lines_draws_each_line_and_labelled_points():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    fig = viz.candidate_lines(X, [0, 1, 1, 0], [((1, 1), -0.5, "a"), ((1, -1), 0.2, "b")])
    ax = fig.axes[0]
    assert [l.get_label() for l in ax.lines] == ["a", "b"]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "0", "1", "1"]
    assert ax.get_title()


# ---------------------------------------------------------------------------------- curves
def test_loss_curve_accepts_dict_list_and_history():
    class KerasStyle:
        history = {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0], "empty": []}

    class NnlibStyle:
        def as_dict(self):
            return {"loss": [3.0, 2.0], "accuracy": [0.5, 0.9], "val_loss": [3.1, 2.2]}
    cases = ((KerasStyle(), 2), (NnlibStyle(), 3), ({"a": [1, 0], "b": [2, 1]}, 2),
             ([1.0, 0.5], 1))
    for history, n_lines in cases:
        fig = viz.loss_curve(history)
        ax = fig.axes[0]
        assert len(ax.lines) == n_lines
        assert ax.get_title() and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    line = viz.loss_curve([1.0, 0.5, 0.25]).axes[0].lines[0]
    assert list(line.get_xdata()) == [1, 2, 3]
    assert list(line.get_ydata()) == [1.0, 0.5, 0.25]


def test_loss_curve_draws_a_real_history():
    from nnlib.train.loop import History
    history = History()
    history.append({"loss": 1.0, "accuracy": 0.5})
    history.append({"loss": 0.5, "accuracy": 0.75})
    loss, accuracy = viz.loss_curve(history).axes[0].lines
    assert list(loss.get_ydata()) == [1.0, 0.5]
    assert list(accuracy.get_ydata()) == [0.5, 0.75]
    line, = viz.loss_curve(history, keys=["loss"]).axes[0].lines
    assert line.get_label() == "loss"


def test_loss_curve_keys_select_series():
    fig = viz.loss_curve({"loss": [1, 0], "accuracy": [0, 1]}, keys=["accuracy"])
    assert [l.get_label() for l in fig.axes[0].lines] == ["accuracy"]
    with pytest.raises(ValueError, match="keys"):
        viz.loss_curve({"loss": [1, 0]}, keys=["nope"])


def test_loss_curve_rejects_nested_lists():
    with pytest.raises(ValueError, match="history"):
        viz.loss_curve([[1, 2], [3, 4]])


# ---------------------------------------------------------------------------------- diagrams
def _circles(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Circle)]


@pytest.mark.parametrize("sizes", [[2, 2, 1], [3, 4, 4, 2], [1]])
def test_network_diagram_draws_one_circle_per_neuron(sizes):
    fig = viz.network_diagram(sizes)
    assert len(_circles(fig)) == sum(sizes)
    n_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    assert len(fig.axes[0].lines) == n_edges
    assert fig.axes[0].get_title()


def test_network_diagram_caps_wide_layers_with_an_ellipsis():
    fig = viz.network_diagram([3, 100, 2], max_neurons=8)
    assert len(_circles(fig)) == 3 + 8 + 2
    assert any(t.get_text() == "⋮" for t in fig.axes[0].texts)
    assert any("(100)" in t.get_text() for t in fig.axes[0].texts)


def test_network_diagram_shows_values_and_weight_signs():
    weights = [np.array([[1.0, -2.0]]), np.array([[0.5], [-0.5]])]
    fig = viz.network_diagram([1, 2, 1], values=[[0.25], [0.5, 1.0], [0.75]],
                              weights=weights)
    ax = fig.axes[0]
    labels = {t.get_text() for t in ax.texts}
    assert {"0.25", "0.50", "1.00", "0.75"} <= labels
    widths = [l.get_linewidth() for l in ax.lines]
    assert max(widths) == widths[1]                     # |-2| is the largest weight
    colours = {l.get_color() for l in ax.lines}
    assert colours == set(viz.CLASS_COLOURS)            # both signs present


def test_network_diagram_checks_shapes():
    with pytest.raises(ValueError, match=r"values\[1\]: expected shape \(3,\)"):
        viz.network_diagram([2, 3], values=[[0, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"weights\[0\]: expected shape \(2, 3\)"):
        viz.network_diagram([2, 3], weights=[np.zeros((3, 2))])
    with pytest.raises(ValueError, match="layer_sizes"):
        viz.network_diagram([2, 0])


def test_figures_save_without_warnings():
    figs = [viz.nested_fields(), viz.network_diagram([4, 12, 3]),
            viz.model_sizes_chart({"a": 3, "b": 1e12})]
    for fig in figs:
        fig.savefig(io.BytesIO(), format="png")


def test_panel_grid_gives_exactly_the_panels_asked_for_two_a_row():
    fig, axes = viz.panel_grid(3, panel_size=(3.0, 2.0), sharex=True)
    assert len(axes) == 3 and len(fig.axes) == 3          # the fourth slot is removed
    assert tuple(fig.get_size_inches()) == (6.0, 2 * 2.0 + 0.4)
    assert axes[1].xaxis.get_tick_params()["labelbottom"]  # above the empty slot
    fig, axes = viz.panel_grid(1, panel_size=(3.0, 2.0))
    assert len(axes) == 1 and tuple(fig.get_size_inches()) == (3.0, 2.4)


# ---------------------------------------------------------------- one neuron, drawn
TRAVEL = dict(inputs=[1, 1, 0, 0], weights=[0.4, 0.3, 0.2, -0.5],
              input_names=["expensive", "abroad", "long", "has cover"])


def _all_text(fig):
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_neuron_diagram_writes_the_travel_insurance_numbers():
    fig = viz.neuron_diagram(**TRAVEL, threshold=0.5, output_name="buys")
    fig.canvas.draw()
    text = _all_text(fig)
    assert "z = 0.4 + 0.3 + 0 + 0\n= 0.7" in text
    assert "step: 1 if z > 0.5, else 0\n0.7 > 0.5, so 1" in text
    for label in ("× 0.4", "× 0.3", "× 0.2", "× −0.5", "expensive", "has cover", "buys"):
        assert label in text
    outputs = [t.get_text() for t in fig.axes[0].texts if t.get_fontweight() == "bold"]
    assert outputs == ["1"]
    assert fig.axes[0].get_title()


def test_neuron_diagram_bias_is_an_input_and_the_threshold_moves_to_zero():
    fig = viz.neuron_diagram(**TRAVEL, bias=-0.5)
    text = _all_text(fig)
    assert "bias b" in text and "−0.5" in text
    assert "= 0.4 + 0.3 + 0 + 0 − 0.5\n= 0.2" in text
    assert "0.2 > 0, so 1" in text


def test_neuron_diagram_second_traveller_gets_zero():
    fig = viz.neuron_diagram([1, 1, 1, 1], TRAVEL["weights"], threshold=0.5)
    assert "0.4 ≤ 0.5, so 0" in _all_text(fig)


@pytest.mark.parametrize("activation, expected", [("sigmoid", 0.924), ("relu", 2.5),
                                                  ("tanh", 0.987)])
def test_neuron_diagram_other_activations_compute_the_output(activation, expected):
    fig = viz.neuron_diagram([1, 1, 1], [0.5, 3, 2], bias=-3, activation=activation)
    fig.canvas.draw()
    bold = [t.get_text() for t in fig.axes[0].texts if t.get_fontweight() == "bold"]
    assert bold == [f"{expected:.2f}"]
    assert f"{activation}(2.5) = {expected:.2f}" in _all_text(fig)


def test_neuron_diagram_fades_inputs_that_are_zero():
    fig = viz.neuron_diagram(**TRAVEL)
    alphas = [line.get_alpha() for line in fig.axes[0].lines]
    assert alphas == [1.0, 1.0, 0.3, 0.3]


@pytest.mark.parametrize("kwargs, message", [
    ({"inputs": [], "weights": []}, "inputs"),
    ({"inputs": [1, 2], "weights": [1]}, "weights"),
    ({"inputs": [1, np.nan], "weights": [1, 1]}, "finite"),
    ({"inputs": [1], "weights": [1], "bias": "0"}, "bias"),
    ({"inputs": [1], "weights": [1], "threshold": np.inf}, "threshold"),
    ({"inputs": [1], "weights": [1], "activation": "softmax"}, "activation"),
    ({"inputs": [1], "weights": [1], "input_names": ["a", "b"]}, "input_names"),
])
def test_neuron_diagram_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.neuron_diagram(**kwargs)
