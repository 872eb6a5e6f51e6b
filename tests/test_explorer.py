"""nnlib.explore.explorer: controls, the frame grid, the spec for the book, the live UI; and the
static twin's HTML and frame writer (nnlib_sphinx)."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib.explore.explorer import (  # noqa: E402
    MIME_TYPE, Dropdown, Slider, explore, from_spec, function_path,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def line_figure(slope=1.0, shift=0, kind="line"):
    """A small figure that visibly depends on every parameter."""
    fig, ax = plt.subplots(figsize=(2, 1.5))
    x = np.linspace(-1, 1, 50)
    y = slope * x + shift
    ax.plot(x, y) if kind == "line" else ax.scatter(x, y, s=2)
    ax.set_ylim(-4, 4)
    return fig


def not_a_figure(**params):
    return "nope"


def small_explorer():
    return explore(line_figure, Slider("slope", -1, 1, 0.5, 0.5), Slider("shift", 0, 2, 1, 0),
                   Dropdown("kind", ["line", "dots"], "dots"), title="Line")


# --------------------------------------------------------------------------- controls
def test_integer_slider_gives_ints_and_float_slider_rounds_to_its_step():
    assert Slider("n", 1, 9, 2, 5).values() == [1, 3, 5, 7, 9]
    assert all(type(v) is int for v in Slider("n", 1, 9, 2, 5).values())
    tenths = Slider("p", 0, 1, 0.1, 0.3).values()
    assert tenths == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert Slider("p", 0, 1, 0.1, 0.3).default == 0.3
    assert Slider("b", -1.5, 1.5, 1.0, 0.5).values() == [-1.5, -0.5, 0.5, 1.5]


@pytest.mark.parametrize("args, argument", [
    (("w", 0, 1, 0.3, 0), "step"),            # 0.3 does not divide 1
    (("w", 0, 1, 0.25, 0.3), "value"),        # off the grid
    (("w", 0, 1, 0.25, 2), "value"),          # outside [min, max]
    (("w", 0, 1, 0, 0), "step"),
    (("w", 1, 0, 0.5, 0.5), "max"),
    (("w", 0, float("nan"), 0.5, 0), "max"),
    (("w", 0, 1, 0.5, "0.5"), "value"),
    (("not a name", 0, 1, 0.5, 0), "name"),
])
def test_slider_rejects_bad_arguments_naming_them(args, argument):
    with pytest.raises(ValueError, match=rf"^{argument}: expected"):
        Slider(*args)


@pytest.mark.parametrize("options, value, argument", [
    ([], None, "options"),
    (["a", "b"], "c", "value"),
    (["a", "a"], "a", "options"),
    ("ab", "a", "options"),
    ([["a"]], ["a"], "options"),
])
def test_dropdown_rejects_bad_arguments_naming_them(options, value, argument):
    with pytest.raises(ValueError, match=rf"^{argument}: expected"):
        Dropdown("kind", options, value)


def test_explore_rejects_a_grid_too_large_duplicate_names_and_no_controls():
    with pytest.raises(ValueError, match=r"controls: .* 101 x 11 = 1111"):
        explore(line_figure, Slider("slope", 0, 100, 1, 0), Slider("shift", 0, 10, 1, 0))
    with pytest.raises(ValueError, match="controls: expected distinct names"):
        explore(line_figure, Slider("slope", 0, 1, 1, 0), Dropdown("slope", [0, 1], 0))
    with pytest.raises(ValueError, match="controls: expected at least one"):
        explore(line_figure)
    with pytest.raises(ValueError, match="figure_fn"):
        explore("line_figure", Slider("slope", 0, 1, 1, 0))


# --------------------------------------------------------------------------- grid and frames
def test_grid_is_the_product_with_the_last_control_fastest():
    e = small_explorer()
    grid = e.grid()
    assert len(grid) == len(e) == 5 * 3 * 2
    assert grid[0] == {"slope": -1.0, "shift": 0, "kind": "line"}
    assert grid[1] == {"slope": -1.0, "shift": 0, "kind": "dots"}
    assert grid[2] == {"slope": -1.0, "shift": 1, "kind": "line"}
    assert [e.frame_index(p) for p in grid] == list(range(len(grid)))
    assert e.defaults() == {"slope": 0.5, "shift": 0, "kind": "dots"}
    with pytest.raises(ValueError, match="params: expected shift in"):
        e.frame_index({"slope": 0.5, "shift": 7, "kind": "line"})


def test_frames_are_distinct_reproducible_pngs_and_figures_get_closed():
    e = small_explorer()
    open_before = plt.get_fignums()
    frames = list(e.frames())
    assert plt.get_fignums() == open_before
    assert [params for params, _ in frames] == e.grid()
    assert all(png.startswith(PNG_SIGNATURE) for _, png in frames)
    assert len({png for _, png in frames}) == len(frames)  # every parameter shows
    assert e.render(e.grid()[7]) == frames[7][1]           # same bytes every time
    assert b"Software" not in frames[0][1]                 # no version stamp


def test_render_names_figure_fn_when_it_returns_no_figure():
    e = explore(not_a_figure, Slider("a", 0, 1, 1, 0))
    with pytest.raises(ValueError, match="figure_fn: expected .* Figure, got str"):
        e.render()


def test_alt_text_names_the_title_and_every_parameter():
    e = small_explorer()
    assert e.alt_text(e.defaults()) == "Line for slope = 0.5, shift = 0, kind = dots"


# --------------------------------------------------------------------------- spec
def test_spec_is_small_json_and_rebuilds_the_same_explorer():
    e = small_explorer()
    spec = json.loads(json.dumps(e.spec()))
    assert spec["function"] == f"{__name__}:line_figure"
    assert len(json.dumps(spec)) < 2000
    again = from_spec(spec)
    assert again.grid() == e.grid() and again.title == "Line"
    assert again.render() == e.render()
    assert again.spec_id() == e.spec_id()
    changed = explore(line_figure, Slider("slope", -1, 1, 0.5, 0.5))
    assert changed.spec_id() != e.spec_id()


def test_functions_that_cannot_be_imported_have_no_path_and_no_static_twin():
    assert function_path(lambda **p: None) is None
    e = explore(lambda slope: line_figure(slope), Slider("slope", 0, 1, 1, 0))
    with pytest.raises(ValueError, match="spec: the figure function is not importable"):
        from_spec(e.spec())
    with pytest.raises(ValueError, match="spec: expected an explorer spec"):
        from_spec({"version": 99})


# --------------------------------------------------------------------------- live UI
def test_mimebundle_carries_the_spec_and_a_widget_view():
    bundle = small_explorer()._repr_mimebundle_()
    assert bundle[MIME_TYPE] == small_explorer().spec()
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
    assert bundle["text/plain"].startswith("Explorer(line_figure")


def test_live_controls_redraw_the_figure_for_their_values(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj.data))
    e = small_explorer()
    ui = e.widget()
    assert shown == [e.render()]                     # drawn once for the defaults
    sliders = [w for w in ui.children[1].children if hasattr(w, "step")]
    dropdown = ui.children[1].children[2]
    assert [type(w).__name__ for w in ui.children[1].children] == [
        "FloatSlider", "IntSlider", "Dropdown"]
    sliders[1].value = 2
    dropdown.value = "line"
    assert shown[-1] == e.render({"slope": 0.5, "shift": 2, "kind": "line"})
    assert len(shown) == 3


# --------------------------------------------------------------------------- static twin
def test_static_html_has_labelled_controls_and_the_default_frame():
    from nnlib_sphinx.html import static_html

    e = small_explorer()
    page = static_html(e, "x1", "../_explorers/abc/", (160, 120))
    index = e.frame_index(e.defaults())
    assert f'src="../_explorers/abc/frame-{index}.png"' in page
    assert '<label for="x1-slope">slope</label>' in page
    assert 'type="range" id="x1-slope" data-control="slope" min="0" max="4"' in page
    assert 'value="3"' in page                            # slope 0.5 is the 4th value
    assert '<option value="1" selected>dots</option>' in page
    assert f'alt="{e.alt_text(e.defaults())}"' in page
    assert "https://" not in page


def test_frame_writer_renders_every_frame_once_then_skips(tmp_path):
    from nnlib_sphinx import _write_frames

    e = small_explorer()
    folder = tmp_path / e.spec_id()
    assert _write_frames(folder, e.spec(), jobs=2) == len(e)
    for i, params in enumerate(e.grid()):
        assert (folder / f"frame-{i}.png").read_bytes() == e.render(params)
    assert _write_frames(folder, e.spec(), jobs=2) == 0    # manifest current: nothing to do
    (folder / "manifest.json").write_text('{"fingerprint": "stale"}')
    assert _write_frames(folder, e.spec(), jobs=1) == len(e)
