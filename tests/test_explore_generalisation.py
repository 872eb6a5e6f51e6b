"""Tests of nnlib.explore.generalisation: the data and training runs of chapter 10."""
import numpy as np
import pytest

from nnlib import losses, nn
from nnlib.explore import generalisation as gen

pytestmark = pytest.mark.filterwarnings("error")


# ---------------------------------------------------------------------------- polynomials

def test_curve_split_is_seeded_nested_and_read_only():
    data = gen.curve_split(1)
    assert gen.curve_split(1) is data
    assert data.x_pool.shape == (gen.CURVE_POOL,) and data.x_test.shape == (gen.CURVE_TEST,)
    x15, y15 = data.train(15)
    x30, _ = data.train(30)
    np.testing.assert_array_equal(x30[:15], x15)
    assert 0 <= data.x_pool.min() and data.x_pool.max() <= 1
    with pytest.raises(ValueError):
        data.x_pool[0] = 0.5
    with pytest.raises(ValueError, match="n"):
        data.train(1)


def test_the_noise_floor_is_the_noise_variance():
    data = gen.curve_split(gen.CURVE_SEED)
    floor = gen.mse(gen.true_curve(data.x_test), data.y_test)
    assert floor == pytest.approx(gen.CURVE_NOISE ** 2, rel=0.15)


def test_a_polynomial_of_degree_n_minus_1_passes_through_every_point():
    x, y = gen.curve_split(gen.CURVE_SEED).train(8)
    p = gen.fit_polynomial(x, y, 7)
    np.testing.assert_allclose(p(x), y, atol=1e-8)


def test_least_squares_matches_the_normal_equations():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 20)
    y = 1 - 2 * x + 3 * x ** 2 + rng.normal(0, 0.1, 20)
    p = gen.fit_polynomial(x, y, 2)
    A = np.vander(x, 3, increasing=True)
    coef = np.linalg.solve(A.T @ A, A.T @ y)
    np.testing.assert_allclose(p(x), A @ coef, atol=1e-10)


def test_training_error_never_rises_with_the_degree_but_test_error_explodes():
    errors = gen.polynomial_errors(range(15), n_train=15)
    assert np.all(np.diff(errors["train"]) <= 1e-12)
    assert errors["train"][14] < 1e-12
    assert errors["test"][14] > 1e6
    assert errors["test"][3] < 2 * gen.CURVE_NOISE ** 2
    assert errors["degree"].tolist() == list(range(15))


def test_polynomial_arguments_are_checked():
    with pytest.raises(ValueError, match="degree"):
        gen.fit_polynomial([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], 3)
    with pytest.raises(ValueError, match="x, y"):
        gen.fit_polynomial([0.0, 1.0], [1.0], 1)
    with pytest.raises(ValueError, match="prediction"):
        gen.mse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="seed"):
        gen.curve_split(-1)


# ---------------------------------------------------------------------------- moons

def test_moons_split_sizes_and_nesting():
    data = gen.moons_split()
    assert data.X_test.shape == (gen.MOONS_TEST, 2) and data.X_val.shape == (gen.MOONS_VAL, 2)
    assert data.X_pool.dtype == gen.DTYPE == np.float64
    X100, y100 = data.train(100)
    np.testing.assert_array_equal(data.train(400)[0][:100], X100)
    assert set(np.unique(y100)) == {0, 1}
    assert 0.35 < y100.mean() < 0.65
    with pytest.raises(ValueError):
        data.X_test[0, 0] = 1.0


def test_moons_mlp_layout_and_parameter_count():
    model = gen.moons_mlp(256, rng=np.random.default_rng(0))
    assert sum(p.data.size for p in model.parameters()) == 2 * 256 + 256 + 256 * 256 + 256 \
        + 256 * 2 + 2 == 67_074
    dropped = gen.moons_mlp(8, dropout=0.5, rng=np.random.default_rng(0))
    assert sum(isinstance(m, nn.Dropout) for m in dropped.modules()) == 2
    assert all(p.data.dtype == gen.DTYPE for p in dropped.parameters())
    with pytest.raises(ValueError, match="dropout"):
        gen.moons_mlp(8, dropout=1.0)


def test_train_moons_is_cached_deterministic_and_keeps_the_budget():
    run = gen.train_moons(0, n_train=25, width=8)
    assert gen.train_moons(0, n_train=25, width=8) is run
    fresh = gen._train_moons.__wrapped__(0, 25, 8, 0.0, 0.0, False)
    np.testing.assert_array_equal(fresh.history.val_loss, run.history.val_loss)
    assert run.epochs_run == gen.STEPS              # 25 points: one full batch per epoch
    assert gen.train_moons(0, n_train=400, width=2).epochs_run == gen.STEPS // 4
    for key in ("train_accuracy", "val_accuracy", "test_accuracy"):
        assert 0.5 < run.scores[key] <= 1
    other = gen.train_moons(1, n_train=25, width=8)
    assert other.scores["val_loss"] != run.scores["val_loss"]


def test_early_stopping_keeps_the_epoch_of_lowest_validation_loss():
    run = gen.train_moons(0, n_train=100, width=32, early_stopping=True)
    val = np.asarray(run.history.val_loss)
    assert run.epochs_run < gen.STEPS
    assert run.best_epoch == int(np.argmin(val)) + 1
    assert run.epochs_run == run.best_epoch + gen.PATIENCE
    assert run.scores["val_loss"] == pytest.approx(val.min(), rel=1e-5)


def test_weight_decay_shrinks_the_weights():
    def size(run):
        return sum(float(np.sum(p.data.astype(float) ** 2)) for p in run.model.parameters())
    plain = gen.train_moons(0, n_train=100, width=32)
    decayed = gen.train_moons(0, n_train=100, width=32, weight_decay=0.01)
    assert size(decayed) < 0.5 * size(plain)


def test_train_moons_checks_its_arguments():
    for kwargs, name in (({"seed": -1}, "seed"), ({"n_train": 1}, "n_train"),
                         ({"n_train": 5000}, "n_train"), ({"width": 0}, "width"),
                         ({"weight_decay": -0.1}, "weight_decay"),
                         ({"dropout": 1.5}, "dropout"), ({"early_stopping": "yes"},
                                                         "early_stopping")):
        with pytest.raises(ValueError, match=name):
            gen.train_moons(**kwargs)


def test_fixes_table_summarises_the_seeds():
    fixes = {"tiny": {"n_train": 25, "width": 8}}
    table = gen.fixes_table(seeds=(0, 1), fixes=fixes)
    runs = [gen.train_moons(s, n_train=25, width=8) for s in (0, 1)]
    median, low, high = table["tiny"]["test_accuracy"]
    values = sorted(r.scores["test_accuracy"] for r in runs)
    assert (low, high) == pytest.approx(tuple(values))
    assert median == pytest.approx(np.mean(values))
    assert set(gen.FIXES) >= {"no fix", "early stopping", "dropout 0.5"}
    with pytest.raises(ValueError, match="seeds"):
        gen.fixes_table(seeds=())


def _hand_model(weight, bias):
    model = nn.Sequential(nn.Linear(2, 2, rng=0))
    model[0].weight.data[...] = weight
    model[0].bias.data[...] = bias
    return model


def test_confidence_report_against_the_cross_entropy_loss():
    model = _hand_model(np.array([[0.0, 30.0], [0.0, -1.0]]), np.zeros(2))
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.1, 0.0], [-1.0, 0.0]])
    y = np.array([1, 0, 0, 1])     # right, right, wrong (logit gap 3), wrong (gap 30)
    report = gen.confidence_report(model, X, y)
    expected = losses.cross_entropy(model(X), y).item()
    assert report["loss"] == pytest.approx(expected, rel=1e-12)
    assert report["wrong"] == 0.5 and report["accuracy"] == 0.5
    assert report["confidently_wrong"] == 0.25       # only the gap-30 point is > 99 % sure
    p = gen.true_class_probability(model, X, y)
    np.testing.assert_allclose(p[:2], 1 / (1 + np.exp(-30.0)))
    per_row = -np.log(p)
    assert report["loss_share_of_wrong"] == pytest.approx(per_row[2:].sum() / per_row.sum())
    np.testing.assert_allclose(gen.class1_probability(model, X[:1]), 1 / (1 + np.exp(-30.0)))


def test_a_confident_mistake_costs_its_logit_gap_not_infinity():
    model = _hand_model(np.array([[0.0, 1000.0], [0.0, 0.0]]), np.zeros(2))
    report = gen.confidence_report(model, np.array([[1.0, 0.0]]), np.array([0]))
    assert report["loss"] == pytest.approx(1000.0)


# ---------------------------------------------------------------------------- shifted digits

def test_shift_images_moves_pixels_and_fills_with_zeros():
    image = np.arange(1, 10, dtype=float).reshape(1, 3, 3)
    right = gen.shift_images(image, 0, 1)[0]
    np.testing.assert_array_equal(right, [[0, 1, 2], [0, 4, 5], [0, 7, 8]])
    up = gen.shift_images(image, -1, 0)[0]
    np.testing.assert_array_equal(up, [[4, 5, 6], [7, 8, 9], [0, 0, 0]])
    np.testing.assert_array_equal(gen.shift_images(image, 0, 0), image)
    with pytest.raises(ValueError, match="dx"):
        gen.shift_images(image, 0, 3)
    with pytest.raises(ValueError, match="images"):
        gen.shift_images(image[0], 0, 1)


def test_shifted_copies_stacks_one_block_per_shift():
    rng = np.random.default_rng(0)
    X = rng.random((3, 64))
    copies = gen.shifted_copies(X)
    assert copies.shape == (4 * 3, 64)
    for k, (dy, dx) in enumerate(gen.SHIFTS):
        expected = gen.shift_images(X.reshape(-1, 8, 8), dy, dx).reshape(3, 64)
        np.testing.assert_array_equal(copies[3 * k:3 * k + 3], expected)
    with pytest.raises(ValueError, match="X"):
        gen.shifted_copies(X[:, :10])


def test_augmentation_teaches_the_shift():
    plain, augmented = gen.augmentation_run(False), gen.augmentation_run(True)
    assert augmented.n_train == 5 * plain.n_train
    assert plain.test_accuracy > 0.9 and plain.shifted_accuracy < 0.6
    assert augmented.shifted_accuracy > 0.9
    with pytest.raises(ValueError, match="augment"):
        gen.augmentation_run("yes")
