"""Tests of nnlib.viz.fitting: chapter 8's five-step diagram, data table and fitting curves."""
import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from nnlib.data.datasets import bank_churn
from nnlib.train.history import History
from nnlib.viz import fitting

pytestmark = pytest.mark.filterwarnings("error")


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_five_steps_diagram_has_five_boxes_five_arrows_and_the_code():
    fig = fitting.five_steps_diagram()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == len(arrows) == 5
    texts = _texts(fig)
    for name, words, code in fitting.FIVE_STEPS:
        assert name in texts and words in texts and code in texts
    assert [t for t in texts if t[:1].isdigit()] == [
        "1. Data", "2. Forward pass", "3. Error", "4. Backpropagate", "5. Repeat"]
    assert ax.get_title()
    fig.savefig(io.BytesIO(), format="png", dpi=40)


def test_the_arrows_go_round_the_loop_in_order():
    fig = fitting.five_steps_diagram()
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    for k, arrow in enumerate(arrows):           # step k -> step k + 1, and 5 -> 1
        assert arrow.patchA is boxes[k] and arrow.patchB is boxes[(k + 1) % 5]


def test_data_table_shows_real_rows_rounded_with_labels():
    X, y, names = bank_churn(20, rng=3)
    table = fitting.data_table(X, y, names, n_rows=4, label_name="leaves?", caption="Four rows")
    assert table.columns[:2] == ["credit score", "age"] and table.columns[-1] == "leaves?"
    assert len(table.rows) == 4 and all(len(r) == 13 for r in table.rows)
    balance = names.index("balance")
    for i, row in enumerate(table.rows):
        assert row[balance] == f"{X[i, balance]:,.0f}"
        assert row[-1] == ("yes" if y[i] == 1 else "no")
    html = table._repr_html_()
    assert html.count("<tr>") == 5 and "<caption" in html and "Four rows" in html
    text = repr(table).splitlines()
    assert text[0] == "Four rows" and len(text) == 6
    assert len({len(line) for line in text[1:]}) == 1      # aligned columns


def test_data_table_escapes_html():
    table = fitting.DataTable(["a<b"], [["<script>"]])
    assert "<script>" not in table._repr_html_() and "&lt;script&gt;" in table._repr_html_()


@pytest.mark.parametrize("kwargs, name", [
    (dict(X=np.zeros(3)), "X"), (dict(y=np.zeros(4)), "y"),
    (dict(feature_names=["a"]), "feature_names"), (dict(n_rows=0), "n_rows"),
    (dict(n_rows=6), "n_rows"), (dict(n_rows=2.0), "n_rows"),
])
def test_data_table_bad_arguments_name_the_argument(kwargs, name):
    args = dict(X=np.zeros((5, 2)), y=np.zeros(5, dtype=int), feature_names=["a", "b"])
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        fitting.data_table(**args)


def test_data_table_rows_must_match_the_columns():
    with pytest.raises(ValueError, match=r"^rows\[1\]: expected 2 values"):
        fitting.DataTable(["a", "b"], [["1", "2"], ["3"]])


def _history(train, val):
    h = History()
    for a, b in zip(train, val):
        h.append({"loss": a, "val_loss": b})
    return h


def test_fitting_curves_draws_both_curves_the_gap_and_the_best_epoch():
    under = _history([0.8, 0.5, 0.45, 0.44], [0.8, 0.52, 0.47, 0.46])
    over = {"loss": [0.6, 0.3, 0.1, 0.05], "val_loss": [0.5, 0.4, 0.45, 0.6]}
    fig = fitting.fitting_curves([under, over], ["Too small", "Too large"], suptitle="sizes")
    left, right = fig.axes
    assert left.get_title() == "Too small" and right.get_title() == "Too large"
    train, val, best = right.lines
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(val.get_ydata(), over["val_loss"])
    assert best.get_xdata()[0] == 2 and best.get_ydata()[0] == 0.4
    assert "epoch 2" in best.get_label()
    assert len(right.collections) == 1                       # the shaded gap
    assert left.get_shared_y_axes().joined(left, right)
    fig.savefig(io.BytesIO(), format="png", dpi=40)


@pytest.mark.parametrize("histories, titles, name", [
    ([], [], "titles"), ([{"loss": [1.0], "val_loss": [1.0]}], ["a", "b"], "titles"),
    ([{"loss": [], "val_loss": []}], ["a"], "histories"),
])
def test_fitting_curves_bad_arguments(histories, titles, name):
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        fitting.fitting_curves(histories, titles)
