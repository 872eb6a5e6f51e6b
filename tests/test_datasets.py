"""Tests for nnlib.datasets: shapes, dtypes, determinism, and the facts the chapters quote."""
import numpy as np
import pytest

from nnlib import datasets


def test_xor_truth_table():
    X, y = datasets.xor()
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert y.shape == (4,) and y.dtype.kind == "i"
    for (a, b), label in zip(X, y):
        assert label == (int(a) ^ int(b))


def test_travel_insurance_neuron_sums_to_0_7_and_fires():
    neuron = datasets.travel_insurance()
    assert neuron.weighted_sum() == 0.7
    assert neuron.threshold == 0.5
    assert neuron.output() == 1
    assert len(neuron.feature_names) == len(neuron.inputs) == len(neuron.weights)
    terms = [row[3] for row in neuron.table()]
    assert sum(terms) == pytest.approx(0.7)


def test_travel_insurance_customers_follow_the_neuron():
    X, y, names = datasets.travel_insurance_customers(500, rng=1, noise=0.0)
    neuron = datasets.travel_insurance()
    assert X.shape == (500, 4) and y.shape == (500,) and list(names) == list(neuron.feature_names)
    assert set(np.unique(X)) <= {0.0, 1.0}
    expected = (X @ np.array(neuron.weights) > neuron.threshold).astype(int)
    np.testing.assert_array_equal(y, expected)
    assert 0.1 < y.mean() < 0.9  # both answers occur


def test_travel_insurance_customers_noise_flips_some_labels():
    X, y, _ = datasets.travel_insurance_customers(2000, rng=1, noise=0.2)
    rule = (X @ np.array(datasets.travel_insurance().weights) > 0.5).astype(int)
    disagreement = np.mean(y != rule)
    assert 0.01 < disagreement < 0.3


def test_bank_churn_shapes_names_and_ranges():
    X, y, names = datasets.bank_churn(3000, rng=0)
    assert X.shape == (3000, 12) and X.dtype == np.float64
    assert y.shape == (3000,) and y.dtype.kind == "i"
    assert len(names) == 12 and "age" in names and "num_products" in names
    col = {name: X[:, i] for i, name in enumerate(names)}
    assert col["credit_score"].min() >= 350 and col["credit_score"].max() <= 850
    assert col["age"].min() >= 18 and col["age"].max() <= 92
    assert set(np.unique(col["num_products"])) <= {1, 2, 3, 4}
    geo = col["geography_france"] + col["geography_germany"] + col["geography_spain"]
    np.testing.assert_array_equal(geo, 1.0)  # exactly one country per customer
    assert 0.25 < np.mean(col["balance"] == 0) < 0.5


def test_bank_churn_base_rate_is_about_one_in_five():
    _, y, _ = datasets.bank_churn(10_000, rng=3)
    assert 0.15 <= y.mean() <= 0.3


def test_bank_churn_labels_depend_on_the_features_nonlinearly():
    X, y, names = datasets.bank_churn(20_000, rng=0)
    products = X[:, names.index("num_products")]
    rate = {k: y[products == k].mean() for k in (1, 2, 3)}
    assert rate[2] < rate[1] < rate[3]  # U-shape: two products is safest
    age = X[:, names.index("age")]
    middle, young = y[(age >= 45) & (age <= 60)].mean(), y[age < 30].mean()
    assert middle > 2 * young


def test_spirals_shapes_and_classes():
    X, y = datasets.spirals(n_per_class=50, n_classes=4, noise=0.1, rng=0)
    assert X.shape == (200, 2) and X.dtype == np.float64
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)


@pytest.mark.parametrize("make", [
    lambda rng: datasets.bank_churn(200, rng=rng),
    lambda rng: datasets.spirals(20, rng=rng),
    lambda rng: datasets.travel_insurance_customers(200, rng=rng),
    lambda rng: datasets.train_test_split(np.arange(40.0)[:, None], np.arange(40) % 2, rng=rng),
])
def test_generators_are_deterministic_and_seed_dependent(make):
    same_a, same_b = make(np.random.default_rng(7)), make(7)
    other = make(8)
    default_a, default_b = make(None), make(None)
    for a, b in zip(same_a[:2], same_b[:2]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(default_a[:2], default_b[:2]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(same_a[0], other[0])


def test_train_test_split_stratified_sizes():
    y = np.array([0] * 80 + [1] * 20)
    X = np.arange(100.0)[:, None]
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.25, rng=0)
    assert len(X_test) == 25 and len(X_train) == 75
    assert np.sum(y_test == 1) == 5 and np.sum(y_test == 0) == 20
    assert set(X_train[:, 0]).isdisjoint(X_test[:, 0])
    np.testing.assert_array_equal(y_train, y[X_train[:, 0].astype(int)])


def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(0)
    X_train = rng.normal(5.0, 3.0, size=(200, 3))
    X_train[:, 2] = 4.0  # a constant column
    X_test = rng.normal(5.0, 3.0, size=(50, 3))
    Z_train, Z_test = datasets.standardize(X_train, X_test)
    np.testing.assert_allclose(Z_train[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train[:, :2].std(axis=0), 1.0)
    np.testing.assert_array_equal(Z_train[:, 2], 0.0)
    mean, std = X_train[:, 0].mean(), X_train[:, 0].std()
    np.testing.assert_allclose(Z_test[:, 0], (X_test[:, 0] - mean) / std)
    assert datasets.standardize(X_train).shape == (200, 3)


def test_digits_split_is_stratified_scaled_and_complete():
    data = datasets.digits(test_size=0.25, rng=0)
    assert len(data.X_train) + len(data.X_test) == 1797
    assert data.X_train.shape[1] == 64 and data.images.shape == (1797, 8, 8)
    assert data.images_train.shape == (len(data.X_train), 8, 8)
    for X in (data.X_train, data.X_test):
        assert X.min() >= 0.0 and X.max() <= 1.0
    assert data.X_train.max() == 1.0
    share_all = np.bincount(data.target) / 1797
    share_test = np.bincount(data.y_test, minlength=10) / len(data.y_test)
    np.testing.assert_allclose(share_test, share_all, atol=0.01)
    assert data.X_val is None


def test_digits_with_validation_and_determinism():
    a = datasets.digits(test_size=0.2, validation_size=0.1, rng=1)
    b = datasets.digits(test_size=0.2, validation_size=0.1, rng=1)
    c = datasets.digits(test_size=0.2, validation_size=0.1, rng=2)
    assert len(a.X_train) + len(a.X_val) + len(a.X_test) == 1797
    assert abs(len(a.X_val) - 180) <= 10 and abs(len(a.X_test) - 359) <= 10
    np.testing.assert_array_equal(a.y_test, b.y_test)
    np.testing.assert_array_equal(a.X_val, b.X_val)
    assert not np.array_equal(a.y_test, c.y_test)


def test_digits_unscaled_keeps_16_grey_levels():
    data = datasets.digits(scale=False)
    assert data.X_train.max() == 16.0


@pytest.mark.parametrize("call, pattern", [
    (lambda: datasets.bank_churn(0), r"n: expected a positive integer, got 0"),
    (lambda: datasets.bank_churn(10.5), r"n: expected a positive integer, got 10.5"),
    (lambda: datasets.bank_churn(10, rng="seed"), r"rng: expected a numpy Generator"),
    (lambda: datasets.spirals(n_classes=0), r"n_classes: expected a positive integer"),
    (lambda: datasets.spirals(noise=-1), r"noise: expected a number >= 0, got -1"),
    (lambda: datasets.travel_insurance_customers(-3), r"n: expected a positive integer, got -3"),
    (lambda: datasets.digits(test_size=1.2), r"test_size: expected a fraction in \(0, 1\), got 1.2"),
    (lambda: datasets.digits(test_size=0.6, validation_size=0.5),
     r"test_size \+ validation_size: expected a total below 1"),
    (lambda: datasets.train_test_split(np.zeros((3, 1)), np.zeros(4)),
     r"X, y: expected the same number of samples, got 3 and 4"),
    (lambda: datasets.standardize(np.zeros((3, 2)), np.zeros((3, 5))),
     r"others\[0\]: expected shape \(N, 2\)"),
])
def test_invalid_arguments_are_named(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
