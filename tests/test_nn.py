"""Tests of nnlib.nn: modules, their gradients, bookkeeping and error messages."""
import numpy as np
import pytest

from nnlib import losses, nn
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor

TOL = 1e-6


def linear_fn(layer):
    """fn(x, w, b) that runs ``layer`` with the given parameters (for gradcheck)."""
    def fn(x, w, b):
        layer.weight, layer.bias = w, b
        return layer(x)
    return fn


# ---------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------
def test_linear_gradients(rng):
    layer = nn.Linear(4, 3, rng=rng)
    x = rng.normal(size=(5, 4))
    assert gradcheck(linear_fn(layer), x, layer.weight, layer.bias) < TOL


def test_linear_without_bias_and_with_leading_axes(rng):
    layer = nn.Linear(4, 3, bias=False, rng=rng)
    assert layer.bias is None and len(layer.parameters()) == 1

    def fn(x, w):
        layer.weight = w
        return layer(x)

    assert gradcheck(fn, rng.normal(size=(2, 5, 4)), layer.weight) < TOL


def test_linear_forward_is_x_at_w_plus_b(rng):
    layer = nn.Linear(3, 2, rng=rng)
    layer.bias.data[:] = [0.5, -1.0]
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data + [0.5, -1.0])
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)


ACTIVATIONS = {
    "ReLU": nn.ReLU(),
    "Sigmoid": nn.Sigmoid(),
    "Tanh": nn.Tanh(),
    "LeakyReLU": nn.LeakyReLU(0.2),
    "Softmax": nn.Softmax(),
    "Softmax_axis0": nn.Softmax(axis=0),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_module_gradients(rng, name):
    module = ACTIVATIONS[name]
    x = rng.uniform(0.1, 2.0, size=(4, 3)) * rng.choice([-1, 1], size=(4, 3))
    weights = rng.normal(size=(4, 3))
    assert gradcheck(lambda t: module(t) * weights, x) < TOL


def test_activation_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(nn.ReLU()(x).data, [[0, 0, 3]])
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(x).data, [[-0.2, 0, 3]])
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x))
    np.testing.assert_allclose(nn.Softmax()(x).data.sum(), 1.0)


def test_step_outputs_ones_above_threshold_and_has_zero_gradient():
    x = Tensor([[-1.0, 0.5, 2.0]], requires_grad=True)
    out = nn.Step(threshold=1.0)(x)
    np.testing.assert_array_equal(out.data, [[0.0, 0.0, 1.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((1, 3)))


def test_dropout_eval_is_identity(rng):
    layer = nn.Dropout(0.5, rng=rng).eval()
    x = Tensor(rng.normal(size=(3, 4)))
    assert layer(x) is x


def test_dropout_train_uses_the_rng_mask_and_inverted_scaling(rng):
    x = np.ones((50, 40))
    out = nn.Dropout(0.25, rng=np.random.default_rng(7))(x).data
    keep = np.random.default_rng(7).random(x.shape) >= 0.25  # the same draws
    np.testing.assert_allclose(out, keep / 0.75)
    assert abs(out.mean() - 1.0) < 0.05  # inverted dropout keeps the expected value


def test_dropout_gradient_with_fixed_mask(rng):
    def fn(t):  # a fresh generator with the same seed: the same mask at every call
        return nn.Dropout(0.3, rng=np.random.default_rng(1))(t)
    assert gradcheck(fn, rng.normal(size=(4, 5))) < TOL


def test_module_called_twice_before_backward_accumulates(rng):
    layer = nn.Linear(3, 2, rng=rng)
    x1, x2 = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))

    def fn(w, b):
        layer.weight, layer.bias = w, b
        return layer(x1).sum() + (layer(x2) ** 2).sum()

    assert gradcheck(fn, layer.weight, layer.bias) < TOL
    # and by hand: d/db of sum(x1 W + b) over 4 rows is 4 per output
    layer = nn.Linear(3, 2, rng=rng)
    (layer(x1).sum() + layer(x1).sum()).backward()
    np.testing.assert_allclose(layer.bias.grad, [8.0, 8.0])


def test_mlp_gradients_end_to_end(rng):
    model = nn.Sequential(nn.Linear(3, 5, rng=rng), nn.Tanh(), nn.Linear(5, 4, rng=rng))
    y = rng.integers(0, 4, size=6)
    params = model.parameters()

    def fn(x, *ps):
        for module, (w, b) in zip([model[0], model[2]], zip(ps[::2], ps[1::2])):
            module.weight, module.bias = w, b
        return losses.cross_entropy(model(x), y)

    assert gradcheck(fn, rng.normal(size=(6, 3)), *params) < TOL


# ---------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------
def test_float32_end_to_end(rng):
    model = nn.Sequential(nn.Linear(4, 8, rng=rng, dtype=np.float32), nn.ReLU(),
                          nn.Linear(8, 3, rng=rng, dtype=np.float32))
    x = rng.normal(size=(5, 4)).astype(np.float32)
    logits = model(x)
    loss = losses.cross_entropy(logits, rng.integers(0, 3, size=5))
    assert logits.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    for p in model.parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32


def test_mixed_dtypes_follow_numpy_promotion_and_keep_parameter_dtype(rng):
    layer = nn.Linear(2, 2, rng=rng, dtype=np.float32)
    out = layer(rng.normal(size=(3, 2)))  # float64 data
    assert out.dtype == np.float64
    out.sum().backward()
    assert layer.weight.grad.dtype == np.float32


def test_activation_modules_keep_float32():
    x = np.ones((2, 3), dtype=np.float32)
    for module in [nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(), nn.Softmax(),
                   nn.Step(), nn.Dropout(0.5, rng=np.random.default_rng(0))]:
        assert module(x).dtype == np.float32, module


# ---------------------------------------------------------------------------------------
# initialisation
# ---------------------------------------------------------------------------------------
def test_initialisations_have_the_documented_scale():
    he = nn.Linear(400, 300, rng=np.random.default_rng(0)).weight.data
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    xavier = nn.Linear(400, 300, rng=np.random.default_rng(0), init="xavier").weight.data
    limit = np.sqrt(6 / 700)
    assert np.abs(xavier).max() <= limit and np.abs(xavier).max() > 0.99 * limit
    assert not nn.Linear(400, 300).bias.data.any()


def test_same_seed_gives_same_weights_in_both_dtypes():
    w64 = nn.Linear(3, 2, rng=np.random.default_rng(5)).weight.data
    w32 = nn.Linear(3, 2, rng=np.random.default_rng(5), dtype=np.float32).weight.data
    np.testing.assert_allclose(w32, w64, rtol=1e-6)


# ---------------------------------------------------------------------------------------
# Module bookkeeping
# ---------------------------------------------------------------------------------------
class TwoBranch(nn.Module):
    def __init__(self, rng):
        self.shared = nn.Linear(2, 2, rng=rng)
        self.heads = [nn.Linear(2, 1, rng=rng), nn.Linear(2, 1, rng=rng)]
        self.scale = Tensor(np.ones(1), requires_grad=True)
        self.constant = Tensor(np.ones(1))  # no grad: not a parameter
        self.again = self.shared  # the same module twice: its parameters listed once

    def forward(self, x):
        h = self.shared(x)
        return (self.heads[0](h) + self.heads[1](h)) * self.scale


def test_parameters_are_found_recursively_in_order_and_once(rng):
    model = TwoBranch(rng)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["shared.weight", "shared.bias", "heads.0.weight", "heads.0.bias",
                     "heads.1.weight", "heads.1.bias", "scale"]
    assert len({id(p) for p in model.parameters()}) == 7


def test_sequential_names_indexing_and_shared_layers(rng):
    shared = nn.Linear(2, 2, rng=rng)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(model) == 3 and model[1].__class__ is nn.ReLU
    assert list(model)[2] is shared
    assert isinstance(model[:2], nn.Sequential) and len(model[:2]) == 2
    model.append(nn.Tanh())
    assert len(model) == 4


def test_zero_grad_train_eval(rng):
    model = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.Dropout(0.5, rng=rng))
    model(np.ones((1, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.eval() is model
    assert not model.training and not model[1].training
    model.train()
    assert model.training and model[1].training


def test_repr_looks_like_pytorch(rng):
    model = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.ReLU(), nn.Dropout(0.1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1)\n"
        ")"
    )


def test_manual_sgd_step_of_a_two_input_neuron():
    # One neuron y = x1*w1 + x2*w2 + b, with w = (0.5, -0.25), b = 0.1,
    # one sample x = (1, 2), target 1, loss = (y - 1)**2.
    #   y = 0.5*1 - 0.25*2 + 0.1 = 0.1            loss = (0.1 - 1)**2 = 0.81
    #   dloss/dy = 2 (y - 1) = -1.8
    #   dw1 = -1.8 * 1 = -1.8, dw2 = -1.8 * 2 = -3.6, db = -1.8
    # SGD with lr = 0.1: w1 = 0.5 + 0.18 = 0.68, w2 = -0.25 + 0.36 = 0.11, b = 0.1 + 0.18 = 0.28
    #   new y = 0.68 + 0.22 + 0.28 = 1.18          new loss = 0.18**2 = 0.0324
    layer = nn.Linear(2, 1)
    layer.weight.data[:] = [[0.5], [-0.25]]
    layer.bias.data[:] = [0.1]
    x, target = np.array([[1.0, 2.0]]), np.array([[1.0]])
    loss = losses.mse(layer(x), target)
    assert loss.item() == pytest.approx(0.81)
    loss.backward()
    np.testing.assert_allclose(layer.weight.grad, [[-1.8], [-3.6]])
    np.testing.assert_allclose(layer.bias.grad, [-1.8])
    for p in layer.parameters():
        p.data -= 0.1 * p.grad
    np.testing.assert_allclose(layer.weight.data, [[0.68], [0.11]])
    np.testing.assert_allclose(layer.bias.data, [0.28])
    assert losses.mse(layer(x), target).item() == pytest.approx(0.0324)


# ---------------------------------------------------------------------------------------
# error messages
# ---------------------------------------------------------------------------------------
def test_linear_rejects_wrong_input_width(rng):
    layer = nn.Linear(3, 2, rng=rng)
    with pytest.raises(ValueError, match=r"x: Linear\(in_features=3, out_features=2\) "
                                         r"expected input with last dimension 3, "
                                         r"got shape \(5, 4\)"):
        layer(np.ones((5, 4)))


@pytest.mark.parametrize("module", [nn.Linear(2, 2), nn.ReLU(), nn.Sigmoid(), nn.Tanh(),
                                    nn.LeakyReLU(), nn.Softmax(), nn.Step(), nn.Dropout(0.5)],
                         ids=lambda m: type(m).__name__)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_modules_reject_non_finite_inputs(module, bad):
    x = np.ones((3, 2))
    x[1, 0] = bad
    with pytest.raises(ValueError, match="x: expected finite values, got"):
        module(x)
    with pytest.raises(ValueError, match="x: expected finite values"):
        module(Tensor(x))


@pytest.mark.parametrize("kwargs,match", [
    ({"in_features": 0, "out_features": 2}, "in_features: expected a positive integer, got 0"),
    ({"in_features": 2, "out_features": 2.5}, "out_features: expected a positive integer"),
    ({"in_features": 2, "out_features": 2, "init": "lecun"}, "init: expected 'he' or 'xavier'"),
    ({"in_features": 2, "out_features": 2, "dtype": np.int64}, "dtype: expected a float dtype"),
])
def test_linear_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.Linear(**kwargs)


def test_other_argument_errors():
    for p in (1.0, -0.1, "0.5"):
        with pytest.raises(ValueError, match=r"p: expected a probability in \[0, 1\)"):
            nn.Dropout(p)
    with pytest.raises(ValueError, match="negative_slope: expected a finite number"):
        nn.LeakyReLU(float("nan"))
    with pytest.raises(ValueError, match="threshold: expected a finite number"):
        nn.Step(threshold="0")
    with pytest.raises(ValueError, match="axis: expected an integer, got 1.5"):
        nn.Softmax(axis=1.5)
    with pytest.raises(ValueError, match=r"layers\[1\]: expected a Module, got function"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    with pytest.raises(NotImplementedError):
        nn.Module()(1.0)
