"""Tests of nnlib.explore.convolution: hand-set filters, digit CNNs and the shape table of
chapter 12."""
import math

import numpy as np
import pytest

from nnlib.explore import convolution as cv

pytestmark = pytest.mark.filterwarnings("error")


def _slow_feature_map(image, kernel, stride, padding):
    """A filter slid over an image with two Python loops: the definition, written out."""
    padded = np.pad(image, padding)
    kh, kw = kernel.shape
    rows = (padded.shape[0] - kh) // stride + 1
    cols = (padded.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            patch = padded[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = np.sum(patch * kernel)
    return out


# ---------------------------------------------------------------------------- filters by hand

@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
def test_feature_map_is_the_sum_of_kernel_times_patch(stride, padding):
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(8, 7)), rng.normal(size=(3, 3))
    expected = _slow_feature_map(image, kernel, stride, padding)
    np.testing.assert_allclose(cv.feature_map(image, kernel, stride, padding), expected,
                               atol=1e-12)


def test_identity_kernel_with_padding_returns_the_image():
    image = cv.digit_image(cv.DIGIT_EXAMPLES[7])
    np.testing.assert_array_equal(cv.feature_map(image, "identity", padding=1), image)
    assert cv.feature_map(image, "identity").shape == (6, 6)      # no padding: 8 - 3 + 1


def test_vertical_edge_is_positive_left_of_a_stroke_and_negative_right_of_it():
    image = np.zeros((5, 7))
    image[:, 3] = 16                                        # a vertical stroke in column 3
    fmap = cv.feature_map(image, "vertical edge", padding=1)
    assert np.all(fmap[:, 2] > 0) and np.all(fmap[:, 4] < 0)
    assert np.all(fmap[:, [0, 3, 6]] == 0)
    flipped = cv.feature_map(image, "vertical edge, flipped", padding=1)
    np.testing.assert_array_equal(flipped, -fmap)
    assert np.all(cv.feature_map(image, "horizontal edge", padding=1)[1:-1] == 0)


def test_blur_preserves_a_blank_or_uniform_image_inside():
    uniform = np.full((6, 6), 9.0)
    np.testing.assert_allclose(cv.feature_map(uniform, "blur"), 9.0)
    np.testing.assert_allclose(cv.feature_map(uniform, "sharpen"), 9.0)
    np.testing.assert_allclose(cv.feature_map(uniform, "outline"), 0.0, atol=1e-12)


def test_kernels_are_read_only_and_presets_exist():
    assert set(cv.PRESETS) <= set(cv.KERNELS)
    assert all(k.shape == (3, 3) for k in cv.KERNELS.values())
    with pytest.raises(ValueError):
        cv.KERNELS["blur"][0, 0] = 5.0
    assert cv.as_kernel("blur").sum() == pytest.approx(1.0)


def test_slide_step_matches_the_feature_map():
    image = cv.digit_image(cv.DIGIT_EXAMPLES[2])
    fmap = cv.feature_map(image, "vertical edge")
    for row, col in [(0, 0), (2, 1), (5, 5)]:
        step = cv.slide_step(image, "vertical edge", row, col)
        assert step.total == fmap[row, col]
        np.testing.assert_array_equal(step.patch, image[row:row + 3, col:col + 3])
        np.testing.assert_array_equal(step.products, step.patch * cv.KERNELS["vertical edge"])


def test_relu_and_max_pool_maps():
    fmap = np.arange(-12, 13, dtype=float)[:25].reshape(5, 5)
    np.testing.assert_array_equal(cv.relu_map(fmap), np.maximum(fmap, 0))
    pooled = cv.max_pool_map(fmap, 2)                       # 5x5 -> 2x2, last row/col dropped
    np.testing.assert_array_equal(pooled, fmap[:4, :4].reshape(2, 2, 2, 2).max(axis=(1, 3)))
    tiny = np.array([[3.0]])
    np.testing.assert_array_equal(cv.max_pool_map(tiny, 2), tiny)


def test_digit_images_are_raw_grey_levels():
    images = [cv.digit_image(i) for i in cv.DIGIT_EXAMPLES.values()]
    assert all(im.shape == (8, 8) and im.min() == 0 and 12 <= im.max() <= 16 for im in images)
    assert np.all(images[0] == np.round(images[0]))
    from nnlib.data.datasets import digits

    d = digits(rng=0)
    for label, index in cv.DIGIT_EXAMPLES.items():
        assert d.target[index] == label
        np.testing.assert_allclose(d.images[index] * 16, cv.digit_image(index))


@pytest.mark.parametrize("call, name", [
    (lambda: cv.as_kernel("wobble"), "kernel"),
    (lambda: cv.as_kernel(np.ones((2, 2))), "kernel"),
    (lambda: cv.as_kernel([[np.nan, 0, 0]] * 3), "kernel"),
    (lambda: cv.as_kernel([["a"]]), "kernel"),
    (lambda: cv.feature_map(np.ones(8), "blur"), "image"),
    (lambda: cv.feature_map(np.ones((8, 8)), "blur", stride=0), "stride"),
    (lambda: cv.feature_map(np.ones((8, 8)), "blur", padding=-1), "padding"),
    (lambda: cv.feature_map(np.ones((2, 2)), "blur"), "kernel"),
    (lambda: cv.slide_step(np.ones((8, 8)), "blur", 6, 0), "row"),
    (lambda: cv.digit_image(1797), "index"),
    (lambda: cv.max_pool_map(np.ones((4, 4)), 0), "size"),
])
def test_bad_arguments_name_themselves(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ---------------------------------------------------------------------------- digit networks

def test_network_sizes():
    cnn, mlp = cv.digits_cnn(0), cv.digits_mlp(0)
    count = lambda m: sum(p.data.size for p in m.parameters())   # noqa: E731
    assert count(cnn) == (9 * 16 + 16) + (16 * 9 * 32 + 32) + (128 * 10 + 10) == 6090
    assert count(mlp) == 64 * 128 + 128 + 128 * 10 + 10 == 9610
    assert count(cv.digits_cnn(0, head="global max")) == 160 + 4640 + 32 * 10 + 10
    x = np.zeros((3, 1, 8, 8))
    assert cnn(x).shape == cv.digits_cnn(0, head="global max")(x).shape == (3, 10)
    with pytest.raises(ValueError, match="head"):
        cv.digits_cnn(0, head="average")


def test_shifted_test_set_moves_every_image_in_four_directions():
    X = np.zeros((2, 64))
    X[:, 3 * 8 + 4] = 1.0                                  # one ink pixel at row 3, column 4
    y = np.array([5, 6])
    moved, moved_y = cv.shifted_test_set(X, y, 2)
    assert moved.shape == (8, 64) and moved_y.tolist() == [5, 6] * 4
    where = [divmod(int(np.argmax(m)), 8) for m in moved[::2]]
    assert where == [(3, 6), (3, 2), (5, 4), (1, 4)]       # right, left, down, up
    same, same_y = cv.shifted_test_set(X, y, 0)
    assert same is X and same_y.tolist() == [5, 6]
    with pytest.raises(ValueError, match="X"):
        cv.shifted_test_set(np.zeros((2, 8, 8)), y, 1)
    with pytest.raises(ValueError, match="distance"):
        cv.shifted_test_set(X, y, 8)


def test_the_cnn_learns_the_digits_and_tolerates_a_shift_better_than_the_mlp():
    cnn = cv.train_digit_model("cnn", 0)
    mlp = cv.train_digit_model("mlp", 0)
    assert cv.train_digit_model("cnn", 0) is cnn               # cached
    assert cnn.test_accuracy >= 0.975 and mlp.test_accuracy >= 0.95
    assert cnn.shifted_accuracy(1) > mlp.shifted_accuracy(1) + 0.05
    for run in (cnn, mlp):
        assert run.accuracy[0] > run.accuracy[1] > run.accuracy[2]   # further, worse
    assert cnn.epochs == cv.EPOCHS and cnn.n_train == len(cv.digit_split(0).X_train)


def test_augmentation_trains_on_five_times_the_images_for_the_same_steps():
    plain, augmented = cv.train_digit_model("mlp", 0), cv.train_digit_model("mlp", 0, True)
    assert augmented.n_train == 5 * plain.n_train
    assert augmented.epochs * 5 == plain.epochs
    assert augmented.shifted_accuracy(1) > 0.9 > plain.shifted_accuracy(1)


def test_shift_summary_shape_and_arguments():
    summary = cv.shift_summary(kinds=("mlp",), seeds=(0,))
    assert set(summary) == {("mlp", False), ("mlp", True)}
    assert summary[("mlp", False)].shape == (1, len(cv.SHIFT_DISTANCES))
    np.testing.assert_array_equal(summary[("mlp", False)][0],
                                  cv.train_digit_model("mlp", 0).accuracy)
    with pytest.raises(ValueError, match="kind"):
        cv.train_digit_model("rnn", 0)
    with pytest.raises(ValueError, match="augment"):
        cv.train_digit_model("cnn", 0, augment="yes")
    with pytest.raises(ValueError, match="seeds"):
        cv.shift_summary(seeds=())


def test_layer_outputs_of_the_cnn():
    model = cv.digits_cnn(1)
    outputs = cv.layer_outputs(model, np.zeros((8, 8)))
    shapes = [out.shape for _, out in outputs]
    assert shapes == [(16, 8, 8), (16, 8, 8), (16, 4, 4), (32, 4, 4), (32, 4, 4), (32, 2, 2),
                      (128,), (10,)]
    assert [name for name, _ in outputs][:3] == ["Conv2d", "ReLU", "MaxPool2d"]
    with pytest.raises(ValueError, match="image"):
        cv.layer_outputs(model, np.zeros(64))


# ---------------------------------------------------------------------------- shapes and counts

def test_the_photo_cnn_table_by_hand():
    rows = cv.layer_table(cv.cat_cnn(), cv.CAT_INPUT)
    assert rows[0].size == 224 * 224 * 3 == 150_528
    first = rows[1]
    assert first.shape == (64, 224, 224)
    assert first.parameters == 64 * (3 * 3 * 3 + 1) == 1_792
    assert first.multiply_adds == 224 * 224 * 64 * 27
    after_pools = [r.shape for r in rows if r.name.startswith("max pool")]
    assert after_pools == [(64, 112, 112), (128, 56, 56), (256, 28, 28), (512, 14, 14),
                           (512, 7, 7)]
    flat = next(r for r in rows if r.name == "flatten")
    assert flat.size == 512 * 7 * 7 == 25_088
    assert rows[-1].shape == (len(cv.CAT_CLASSES),)
    params, madds = cv.table_totals(rows)
    convs = [64 * (27 + 1), 128 * (64 * 9 + 1), 256 * (128 * 9 + 1), 512 * (256 * 9 + 1),
             512 * (512 * 9 + 1)]
    assert params == sum(convs) + 25_088 * 256 + 256 + 256 * 3 + 3
    assert madds > 3e9


def test_the_dense_network_on_the_photo():
    rows = cv.layer_table(cv.cat_dense(), cv.CAT_INPUT)
    assert rows[2].parameters == 150_528 * 1024 + 1024
    assert cv.table_totals(rows)[0] > 10 * cv.table_totals(
        cv.layer_table(cv.cat_cnn(), cv.CAT_INPUT))[0]


@pytest.mark.parametrize("layers, shape", [
    ([cv.conv(4), cv.relu(), cv.pool(2), cv.conv(6, 5, stride=2, padding=0), cv.flatten(),
      cv.dense(7), cv.relu(), cv.dense(3), cv.softmax()], (3, 16, 16)),
    ([cv.conv(2, 1), cv.pool(3), cv.flatten(), cv.dense(4)], (1, 10, 9)),
    ([cv.dense(5), cv.relu(), cv.dense(2)], (6,)),
])
def test_the_table_agrees_with_real_nnlib_layers(layers, shape):
    rows = cv.layer_table(layers, shape)
    model = cv.build(layers, shape, rng=0)
    x = np.random.default_rng(1).normal(size=(2,) + shape)
    for row, layer in zip(rows[1:], model):
        x = layer(x)
        assert x.shape[1:] == row.shape
        assert sum(p.data.size for p in layer.parameters()) == row.parameters
    assert cv.table_totals(rows)[0] == sum(p.data.size for p in model.parameters())


@pytest.mark.parametrize("layers, shape, name", [
    ([cv.dense(4)], (3, 8, 8), "layers"),
    ([cv.flatten(), cv.conv(4)], (3, 8, 8), "layers"),
    ([cv.flatten(), cv.pool(2)], (3, 8, 8), "layers"),
    ([cv.conv(4, 5, padding=0)], (1, 3, 3), "layers"),
    ([cv.pool(4)], (1, 3, 3), "layers"),
    (["conv"], (1, 8, 8), r"layers\[0\]"),
    ([cv.relu()], (1, 8), "input_shape"),
    ([cv.relu()], (0, 8, 8), "input_shape"),
])
def test_bad_layer_lists_are_refused(layers, shape, name):
    with pytest.raises(ValueError, match=name):
        cv.layer_table(layers, shape)


def test_spec_constructors_check_their_arguments():
    assert cv.conv(8).padding == 1 and cv.conv(8, 5).padding == 2
    assert cv.pool(3).stride == 3
    for call, name in [(lambda: cv.conv(0), "out_channels"), (lambda: cv.dense(2.5),
                       "out_features"), (lambda: cv.pool(0), "kernel_size"),
                       (lambda: cv.conv(4, stride=0), "stride")]:
        with pytest.raises(ValueError, match=name):
            call()
    assert math.prod(cv.layer_table([cv.flatten()], (2, 3, 4))[-1].shape) == 24


def test_closest_kernels_finds_a_scaled_or_flipped_copy():
    filters = np.stack([2 * cv.KERNELS["vertical edge"], -0.5 * cv.KERNELS["outline"],
                        np.zeros((3, 3))])
    matches = cv.closest_kernels(filters)
    assert matches[0] == ("vertical edge", pytest.approx(1.0))
    assert matches[1] == ("outline", pytest.approx(-1.0))
    assert matches[2][1] == 0.0
    with pytest.raises(ValueError, match="filters"):
        cv.closest_kernels(np.zeros((2, 9)))
