"""The bad-input battery (issue 9): every public entry point of nnlib's core given wrong
shapes, dtypes, strings, complex numbers, None, NaN/inf and wrong types. Each case must give
a clear error (ValueError, or TypeError where PyTorch raises one, naming the argument, what
was expected and what came) or the right result. At the end, snippets written for PyTorch
and for micrograd, ported to nnlib, must run.
"""
import math

import numpy as np
import pytest

import nnlib
from nnlib import losses, nn, optim
from nnlib._checks import ArgumentTypeError
from nnlib.nn import init
from nnlib.scalar import Value
from nnlib.tensor import Tensor, no_grad

BAD_DATA = {
    "None": None, "string": "abc", "complex": 1 + 2j, "complex_array": np.ones((2, 3)) * 1j,
    "object_array": np.array([[1, None, 2]], dtype=object), "strings": np.array([["a"] * 3]),
    "ragged": [[1, 2, 3], [4]], "dict": {"x": 1},
}


def raises(match, error=ValueError):
    return pytest.raises(error, match=match)


# ---------------------------------------------------------------------------- Tensor

@pytest.mark.parametrize("name", sorted(BAD_DATA))
def test_tensor_refuses_what_is_not_real_numbers(name):
    with raises("data: expected real numbers"):
        Tensor(BAD_DATA[name])


def test_tensor_accepts_ints_and_bools_as_float64():
    assert Tensor(np.arange(3)).dtype == np.float64
    assert Tensor([True, False]).dtype == np.float64


@pytest.mark.parametrize("flag", ["yes", 1, None, np.ones(2)])
def test_requires_grad_must_be_a_bool(flag):
    with raises("requires_grad: expected True or False"):
        Tensor([1.0], requires_grad=flag)


@pytest.mark.parametrize("other", ["a", None, 1j, [1, "b"]])
def test_arithmetic_with_non_numbers(other):
    with raises("expected real numbers"):
        Tensor(np.ones(3)) + other
    with raises("expected real numbers"):
        Tensor(np.ones(3)) * other


def test_arithmetic_shape_errors_name_both_shapes():
    with raises(r"\(4,3\) \(5,\)"):  # numpy's message names both shapes
        Tensor(np.ones((4, 3))) + np.ones(5)
    with raises(r"got shapes \(4, 3\) and \(2, 5\)"):
        Tensor(np.ones((4, 3))) @ np.ones((2, 5))
    with raises("at least one dimension"):
        Tensor(np.ones(3)) @ Tensor(2.0)


@pytest.mark.parametrize("exponent", [Tensor(2.0), "2", None, np.ones(2), True])
def test_power_needs_a_constant_number(exponent):
    with raises("exponent: expected a constant number"):
        Tensor(np.ones(3)) ** exponent


def test_backward_misuse():
    x = Tensor(np.ones(3), requires_grad=True)
    with raises(r"grad: expected an explicit gradient for a non-scalar tensor"):
        (x * 2).backward()
    with raises(r"grad: expected shape \(3,\), got shape \(2,\)"):
        (x * 2).backward(np.ones(2))
    with raises("expected real numbers"):
        (x * 2).backward("ones")
    with raises("backward: expected a tensor that requires grad"):
        Tensor(np.ones(3)).sum().backward()
    with no_grad():
        y = (x * 2).sum()
    with raises("backward: expected a tensor that requires grad"):
        y.backward()


def test_item_bool_astype():
    with raises(r"item: expected a tensor with one element, got shape \(2, 2\)"):
        Tensor(np.ones((2, 2))).item()
    assert float(Tensor([2.5])) == 2.5 and Tensor(3.0).item() == 3.0
    with raises("ambiguous"):
        bool(Tensor(np.ones(3)))
    assert bool(Tensor(1.0)) and not bool(Tensor(0.0))
    for dtype in (int, "foo", np.complex128, None.__class__):
        with raises("dtype: expected a float dtype"):
            Tensor(np.ones(2)).astype(dtype)


def test_reductions_and_shape_ops_with_bad_axes():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(np.exceptions.AxisError, match="axis 5 is out of bounds"):
        x.sum(axis=5)  # numpy's AxisError is a ValueError too
    assert issubclass(np.exceptions.AxisError, ValueError)
    with raises(r"shape: expected a shape with 6 entries"):
        x.reshape(4, 2)
    with raises("dims: expected a permutation"):
        x.permute(0, 0)
    with raises("dim: expected an integer axis"):
        x.unsqueeze("0")


def test_in_place_rules():
    w = Tensor(np.ones(3), requires_grad=True)
    with raises("a leaf Tensor that requires grad is being used in an in-place operation"):
        w -= 0.1
    with no_grad():
        w -= 0.5
    np.testing.assert_array_equal(w.data, 0.5)
    y = w * 2
    with raises("result of an operation"):
        y += 1
    with no_grad():
        with raises(r"broadcasts to the tensor's shape \(3,\), got shape \(2, 3\)"):
            w += np.ones((2, 3))


# ---------------------------------------------------------------------------- Linear

@pytest.mark.parametrize("value", [3.0, "3", 0, -2, None, True, np.ones(3)])
def test_linear_sizes(value):
    with raises("in_features: expected a positive integer"):
        nn.Linear(value, 2)
    with raises("out_features: expected a positive integer"):
        nn.Linear(2, value)


def test_linear_accepts_numpy_ints_and_int_seeds():
    layer = nn.Linear(np.int64(3), 2, rng=0)
    again = nn.Linear(3, 2, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(layer.weight.data, again.weight.data)  # rng=0 is a seed


@pytest.mark.parametrize("rng, match", [("a", "rng: expected a numpy Generator"),
                                        (1.5, "rng: expected a numpy Generator"),
                                        (-1, "rng: expected a seed >= 0"),
                                        (np.random.RandomState(0), "got RandomState")])
def test_linear_bad_rng(rng, match):
    with raises(match):
        nn.Linear(3, 2, rng=rng)


@pytest.mark.parametrize("kwargs, match", [
    (dict(dtype=int), "dtype: expected a float dtype"),
    (dict(dtype="foo"), "dtype: expected a float dtype.*'foo'"),
    (dict(dtype=np.complex64), "dtype: expected a float dtype"),
    (dict(bias="no"), "bias: expected True or False"),
    (dict(init="kaiming"), "init: expected 'he' or 'xavier'"),
])
def test_linear_bad_options(kwargs, match):
    with raises(match):
        nn.Linear(3, 2, **kwargs)


@pytest.mark.parametrize("name", sorted(BAD_DATA))
def test_linear_forward_refuses_non_numbers(name):
    with raises("expected real numbers"):
        nn.Linear(3, 2, rng=0)(BAD_DATA[name])


@pytest.mark.parametrize("x, match", [
    (np.ones((4, 2)), r"Linear\(in_features=3, out_features=2\) expected input with last "
                      r"dimension 3, got shape \(4, 2\)"),
    (np.array(2.0), r"got shape \(\)"),
    (np.full((2, 3), np.nan), "x: expected finite values, got 6 NaN"),
    (np.full((2, 3), np.inf), "x: expected finite values, got 0 NaN and 6 inf"),
])
def test_linear_forward_bad_shapes_and_values(x, match):
    with raises(match):
        nn.Linear(3, 2, rng=0)(x)


def test_linear_forward_on_ints_bools_lists_and_empty_batches():
    layer = nn.Linear(3, 2, rng=0)
    np.testing.assert_allclose(layer(np.ones((1, 3), dtype=int)).data,
                               layer(np.ones((1, 3))).data)
    assert layer([[1, 0, 1]]).shape == (1, 2)
    assert layer(np.ones((0, 3))).shape == (0, 2)


def test_pytorch_layout_weight_assigned_to_linear():
    layer = nn.Linear(3, 2, rng=0)
    with raises(r"weight: Linear\(in_features=3, out_features=2, bias=True\)\.weight expected "
                r"shape \(3, 2\), got shape \(2, 3\).*\(in_features, out_features\).*w\.T"):
        layer.weight = nn.Parameter(np.zeros((2, 3)))
    layer.weight = nn.Parameter(np.zeros((2, 3)).T)  # the fix the message suggests
    assert layer.weight.shape == (3, 2)


def test_ndarray_assigned_to_weight_is_wrapped_and_trains():
    layer = nn.Linear(3, 2, rng=0)
    layer.weight = np.ones((3, 2))
    assert isinstance(layer.weight, nn.Parameter)
    layer(np.ones((1, 3))).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad, np.ones((3, 2)))
    with raises(r"weight.*expected shape \(3, 2\), got shape \(3,\)"):
        layer.weight = np.ones(3)
    with pytest.raises(TypeError, match="weight"):
        layer.weight = "ones"
    with pytest.raises(ValueError, match="weight"):
        layer.weight = None.__class__  # a class is not an array of numbers


# ---------------------------------------------------------------------------- Sequential

@pytest.mark.parametrize("layer, match", [
    (nn.ReLU, "got the class ReLU: write ReLU"),
    ([nn.ReLU()], "Sequential\\(\\*layers\\)"),
    (np.tanh, "expected a Module, got ufunc"),
    (None, "expected a Module, got NoneType"),
    ("relu", "expected a Module, got str"),
])
def test_sequential_refuses_what_is_not_a_module(layer, match):
    with pytest.raises(ValueError, match=match):
        nn.Sequential(nn.Linear(2, 2, rng=0), layer)
    with pytest.raises(TypeError, match=match):  # both families catch it
        nn.Sequential(layer)
    with raises(match.replace("layers[1]", "layer")):
        nn.Sequential().append(layer)


def test_sequential_indexing_errors():
    model = nn.Sequential(nn.ReLU(), nn.Tanh())
    with pytest.raises(IndexError, match=r"index: expected an int in \[-2, 1\], got 5"):
        model[5]
    with raises("index: expected an int or a slice, got str", TypeError):
        model["0"]
    assert isinstance(model[-1], nn.Tanh) and len(model[0:1]) == 1


def test_module_without_forward():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(np.ones(2))


# ---------------------------------------------------------------------------- losses

LOSS_CASES = {
    "mse": (losses.mse, np.zeros((4, 2)), np.zeros((4, 2))),
    "bce": (losses.binary_cross_entropy, np.full((4, 1), 0.5), np.ones((4, 1))),
    "bce_with_logits": (losses.binary_cross_entropy_with_logits, np.zeros((4, 1)),
                        np.ones((4, 1))),
    "cross_entropy": (losses.cross_entropy, np.zeros((4, 3)), np.array([0, 1, 2, 0])),
}


@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
@pytest.mark.parametrize("bad", ["None", "string", "complex_array", "object_array"])
def test_losses_refuse_non_numbers(loss, bad):
    fn, pred, target = LOSS_CASES[loss]
    with pytest.raises(ValueError):
        fn(BAD_DATA[bad], target)
    with pytest.raises(ValueError):
        fn(pred, BAD_DATA[bad])


@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
def test_losses_refuse_nan_and_inf(loss):
    fn, pred, target = LOSS_CASES[loss]
    with raises("expected finite values"):
        fn(np.full_like(pred, np.nan), target)
    if loss != "cross_entropy":
        with raises("target: expected finite values"):
            fn(pred, np.full_like(target, np.inf))


@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
@pytest.mark.parametrize("reduction", ["avg", None, "MEAN", 0])
def test_losses_refuse_bad_reduction(loss, reduction):
    fn, pred, target = LOSS_CASES[loss]
    with raises("reduction: expected one of 'mean', 'sum', 'none'"):
        fn(pred, target, reduction=reduction)


@pytest.mark.parametrize("targets, match", [
    (np.array([0, 1, 3, 0]), r"targets: expected integers in \[0, 3\), got value 3"),
    (np.array([0, 1, -1, 0]), "got value -1"),
    (np.array([0.5, 1, 2, 0]), "targets: expected integer class indices, got value 0.5"),
    (np.array(["a"] * 4), "targets: expected integer class indices, got dtype <U1"),
    (np.eye(3)[[0, 1, 2, 0]], r"targets: expected a 1-D array of class indices, got shape "
                              r"\(4, 3\)"),
    (np.array([0, 1]), r"targets: expected 4 labels"),
    (None, "targets: expected a 1-D array"),
])
def test_cross_entropy_labels(targets, match):
    with raises(match):
        losses.cross_entropy(np.zeros((4, 3)), targets)
    with raises(match):
        nn.CrossEntropyLoss()(np.zeros((4, 3)), targets)


def test_binary_losses_ranges_and_shapes():
    with raises(r"probs: expected values in \[0, 1\], got 1.5"):
        losses.binary_cross_entropy(np.array([1.5]), np.array([1.0]))
    with raises(r"target: expected values in \[0, 1\], got 2.0"):
        nn.BCEWithLogitsLoss()(np.array([0.3]), np.array([2.0]))
    with raises(r"target: expected the same shape as probs \(4, 1\), got shape \(4,\).*reshape"):
        losses.binary_cross_entropy(np.full((4, 1), 0.5), np.ones(4))
    for eps in (-1, 0, 0.7, "a", None):
        with raises("eps: expected a small number"):
            losses.binary_cross_entropy(np.array([0.5]), np.array([1.0]), eps=eps)


def test_loss_module_misuse():
    with raises("reduction: expected one of"):
        nn.CrossEntropyLoss(np.zeros((2, 3)))  # logits given to the constructor
    with pytest.raises(TypeError, match="target"):
        nn.MSELoss()(np.zeros(3))


# ---------------------------------------------------------------------------- optimisers

@pytest.fixture
def model():
    return nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))


@pytest.mark.parametrize("opt", [optim.SGD, optim.Adam])
def test_optimizer_given_one_tensor_the_model_the_class_or_a_method(model, opt):
    with raises(r"params: expected an iterable of Tensors such as model.parameters\(\), got a "
                r"single Parameter: put it in a list, \[w\]", TypeError):
        opt(model[0].weight, lr=0.1)
    with raises("got the Sequential itself"):
        opt(model, lr=0.1)
    with raises("got the class Linear"):
        opt(nn.Linear, lr=0.1)
    with raises(r"got the method or function 'parameters' itself: call it, "
                r"model.parameters\(\)"):
        opt(model.parameters, lr=0.1)


@pytest.mark.parametrize("params, match", [
    (None, "params: expected an iterable of Tensors.*got NoneType"),
    (3, "got int"),
    ([], "params: expected at least one parameter Tensor, got an empty list"),
    ([np.ones(3)], r"params\[0\]: expected a Tensor with .data and .grad, got ndarray"),
    ([{"params": []}], r"params\[0\]: expected a Tensor, got a dict \(parameter groups"),
    ([Tensor(np.ones(2), requires_grad=True) * 2], r"params\[0\]: expected a leaf Tensor"),
])
def test_optimizer_bad_params(params, match):
    with raises(match):
        optim.SGD(params, lr=0.1)


@pytest.mark.parametrize("lr", [math.inf, -math.inf, math.nan, -0.1, 0, "0.1", None, True,
                                1j, np.array([0.1])])
@pytest.mark.parametrize("opt", [optim.SGD, optim.Adam])
def test_optimizer_bad_learning_rates(model, opt, lr):
    with raises("lr: expected a positive number"):
        opt(model.parameters(), lr=lr)


def test_learning_rate_is_checked_when_changed_later(model):
    opt = optim.Adam(model.parameters(), lr=0.01)
    opt.lr = 0.001  # schedules change it between steps
    assert opt.lr == 0.001
    with raises(r"lr: expected a positive number, got inf \(it must be finite\)"):
        opt.lr = math.inf
    assert opt.lr == 0.001


@pytest.mark.parametrize("kwargs, match", [
    (dict(momentum=1.0), r"momentum: expected a number in \[0, 1\)"),
    (dict(momentum=-0.5), "momentum"),
    (dict(momentum="0.9"), "momentum"),
    (dict(weight_decay=math.inf), "weight_decay: expected a number >= 0, got inf"),
    (dict(weight_decay=-1e-4), "weight_decay"),
    (dict(weight_decay=math.nan), "weight_decay"),
])
def test_sgd_bad_settings(model, kwargs, match):
    with raises(match):
        optim.SGD(model.parameters(), lr=0.1, **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(betas=0.9), "betas: expected a pair"),
    (dict(betas=(0.9,)), "betas: expected a pair"),
    (dict(betas=(0.9, 1.0)), r"betas\[1\]"),
    (dict(eps=0), "eps: expected a positive number"),
    (dict(eps=math.inf), "eps"),
])
def test_adam_bad_settings(model, kwargs, match):
    with raises(match):
        optim.Adam(model.parameters(), **kwargs)


def test_optimizer_step_with_a_gradient_of_the_wrong_shape(model):
    opt = optim.SGD(model.parameters(), lr=0.1)
    model[0].weight.grad = np.ones((4, 3))
    with raises(r"params\[0\].grad: expected shape \(3, 4\)"):
        opt.step()


# ---------------------------------------------------------------------------- init, save, load

@pytest.mark.parametrize("fn", [init.zeros_, init.normal_, init.xavier_uniform_,
                                init.kaiming_normal_])
def test_init_refuses_non_tensors(fn):
    for bad in ([1.0, 2.0], None, "w"):
        with raises("tensor: expected a Parameter, Tensor or ndarray", TypeError):
            fn(bad)
    with raises("tensor: expected a float array"):
        fn(np.zeros((2, 2), dtype=int))


def test_save_and_load_bad_input(tmp_path, model):
    with raises("obj: expected a Module or a state dict", TypeError):
        nnlib.save("model", tmp_path / "m.npz")
    with raises("obj: expected a Module or a state dict"):
        nnlib.save(None, tmp_path / "m.npz")
    with raises(r"obj\['w'\]: expected an array of real numbers"):
        nnlib.save({"w": np.ones(2) * 1j}, tmp_path / "m.npz")
    with pytest.raises(FileNotFoundError):
        nnlib.load(tmp_path / "nothing.npz")
    (tmp_path / "text.npz").write_text("not numpy")
    with raises("path: expected an .npz file written by nnlib.save"):
        nnlib.load(tmp_path / "text.npz")
    nnlib.save(model, tmp_path / "m.npz")
    other = nn.Sequential(nn.Linear(3, 5, rng=0), nn.ReLU(), nn.Linear(5, 2, rng=1))
    with raises(r"state_dict\['0.weight'\]: expected shape \(3, 5\) \(the model's\), got shape "
                r"\(3, 4\)"):
        other.load_state_dict(nnlib.load(tmp_path / "m.npz"))
    with raises("missing keys '2.weight', '2.bias'"):
        nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).load_state_dict(
            {k: v for k, v in model.state_dict().items() if k.startswith("0.")})
    with raises("state_dict: expected a dict", TypeError):
        model.load_state_dict(tmp_path / "m.npz")  # a path, not nnlib.load(path)


# ---------------------------------------------------------------------------- ported snippets

def test_port_of_the_pytorch_training_loop():
    """PyTorch's tutorial loop, with torch -> nnlib and the weights (in, out)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 16, rng=0, dtype=np.float32)
            self.fc2 = nn.Linear(16, 2, rng=1, dtype=np.float32)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    model = Net()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train()
    for epoch in range(30):
        for start in range(0, len(X), 16):
            xb, yb = X[start:start + 16], y[start:start + 16]
            pred = model(xb)
            loss = loss_fn(pred, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with nnlib.no_grad():
        correct = (model(X).argmax(1) == y).mean()
    assert correct > 0.95
    assert [n for n, _ in model.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                        "fc2.bias"]


def test_port_of_the_manual_update_loop():
    """The pre-optimiser PyTorch idiom: ``with torch.no_grad(): p -= lr * p.grad``."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(100, 1))
    y = 3 * x + 0.5
    w = Tensor(np.zeros((1, 1)), requires_grad=True)
    b = Tensor(np.zeros(1), requires_grad=True)
    arrays = (w.data, b.data)
    for _ in range(200):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with nnlib.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad = None  # PyTorch: w.grad.zero_(); in nnlib .grad is an ndarray
            b.grad = None
    assert w.data is arrays[0] and b.data is arrays[1]  # updated in place
    np.testing.assert_allclose([w.item(), b.item()], [3, 0.5], atol=1e-6)


def test_port_of_micrograd_sanity_check():
    """micrograd's test_sanity_check (values from its PyTorch twin), on Value and Tensor."""
    for make in (Value, lambda v: Tensor(v, requires_grad=True)):
        x = make(-4.0)
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        y = h + q + q * x
        y.backward()
        assert float(y.data) == -20.0 and float(x.grad) == 46.0


def test_port_of_micrograd_more_ops():
    """micrograd's test_more_ops (``c += ...`` rebinds a Value; on Tensors write c = c + ...)."""
    expected_g, expected_a, expected_b = 24.70408163265306, 138.83381924198252, 645.5772594752186
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert math.isclose(g.data, expected_g) and math.isclose(a.grad, expected_a)
    assert math.isclose(b.grad, expected_b)

    a, b = Tensor(-4.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b ** 3
    with raises("in place"):  # PyTorch would allow it here; nnlib asks for c = c + ...
        c += c + 1
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    g = (c - d) ** 2 / 2.0
    g = g + 10.0 / ((c - d) ** 2)
    g.backward()
    assert math.isclose(g.item(), expected_g) and math.isclose(a.grad.item(), expected_a)
    assert math.isclose(b.grad.item(), expected_b)


def test_errors_for_wrong_types_are_both_type_and_value_errors():
    assert issubclass(ArgumentTypeError, TypeError) and issubclass(ArgumentTypeError, ValueError)


# ---------------------------------------------------------------------------- fit, evaluate, predict

def digits_like(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(np.int64)


def fit_args(model, **changes):
    """Keyword arguments of a small working fit call, with some replaced."""
    args = dict(loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
                epochs=1, batch_size=8, progress=False)
    args.update(changes)
    return args


def test_fit_with_a_loss_module_reports_accuracy_like_the_name(model):
    X, y = digits_like()
    twin = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    by_module = nnlib.fit(model, X, y, **fit_args(model, loss=nn.CrossEntropyLoss()))
    by_name = nnlib.fit(twin, X, y, **fit_args(twin))
    assert by_module.as_dict() == by_name.as_dict() and "accuracy" in by_module.as_dict()
    assert nnlib.evaluate(model, X, y, nn.CrossEntropyLoss()) == nnlib.evaluate(
        model, X, y, "cross_entropy")
    with raises(r"loss: expected a loss with reduction='mean'.*reduction='sum'"):
        nnlib.fit(model, X, y, **fit_args(model, loss=nn.CrossEntropyLoss(reduction="sum")))


def test_fit_refuses_an_optimizer_built_on_another_model(model):
    X, y = digits_like()
    other = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    before = model.state_dict()
    with raises("optimizer: expected an optimizer built on this model's parameters.*none of "
                "which belong to the model"):
        nnlib.fit(model, X, y, **fit_args(model, optimizer=optim.Adam(other.parameters())))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    # fine-tuning only the last layer is fine: some of the optimiser's tensors are the model's
    nnlib.fit(model, X, y, **fit_args(model, optimizer=optim.SGD(model[2].parameters(), lr=0.1)))
    np.testing.assert_array_equal(model[0].weight.data, before["0.weight"])
    assert not np.array_equal(model[2].weight.data, before["2.weight"])


@pytest.mark.parametrize("optimizer, match", [
    (optim.Adam, "optimizer: expected an optimizer such as .* got the class Adam itself"),
    (None, "optimizer: expected an optimizer with step"),
    ("adam", "got str"),
])
def test_fit_bad_optimizer(model, optimizer, match):
    X, y = digits_like()
    with pytest.raises(TypeError, match=match):
        nnlib.fit(model, X, y, **fit_args(model, optimizer=optimizer))
    with raises(match):
        nnlib.fit(model, X, y, **fit_args(model, optimizer=optimizer))


@pytest.mark.parametrize("bad, match", [
    (None, "model: expected a Module .* got NoneType"),
    ("mlp", "got str"),
    (nn.Sequential, "model: expected a model such as nn.Sequential.*got the class Sequential"),
])
def test_fit_evaluate_predict_bad_model(model, bad, match):
    X, y = digits_like()
    with raises(match):
        nnlib.fit(bad, X, y, **fit_args(model))
    with raises(match):
        nnlib.evaluate(bad, X, y, "cross_entropy")
    with raises(match):
        nnlib.predict(bad, X)


def test_fit_with_frozen_parameters_says_so(model):
    X, y = digits_like()
    for p in model.parameters():
        p.requires_grad = False
    with raises("model: expected outputs that depend on parameters with requires_grad=True"):
        nnlib.fit(model, X, y, **fit_args(model))


@pytest.mark.parametrize("loss, match", [
    (None, "loss: expected a loss name or a callable, got NoneType"),
    (nn.CrossEntropyLoss, "got the class CrossEntropyLoss: write CrossEntropyLoss()"),
    ("xent", "loss: expected one of"),
    (3, "got int"),
])
def test_fit_bad_loss(model, loss, match):
    X, y = digits_like()
    with raises(match):
        nnlib.fit(model, X, y, **fit_args(model, loss=loss))
    with raises(match):
        nnlib.evaluate(model, X, y, loss)


@pytest.mark.parametrize("callbacks, match", [
    ("stop", "callbacks: expected objects with an on_epoch_end"),
    ([1], "got int"),
    ([nnlib.EarlyStopping], "got the class EarlyStopping: write EarlyStopping"),
    (nnlib.EarlyStopping, "got the class EarlyStopping"),
])
def test_fit_bad_callbacks(model, callbacks, match):
    X, y = digits_like()
    with raises(match):
        nnlib.fit(model, X, y, **fit_args(model, callbacks=callbacks))


@pytest.mark.parametrize("X_bad, match", [
    (None, "X: expected an array with at least one sample"),
    ("abc", "X: expected an array of real numbers, got dtype <U3"),
    (np.ones((40, 3)) * 1j, "X: expected an array of real numbers, got dtype complex128"),
    (np.array([[1, "a", 2]] * 40, dtype=object), "X: expected an array of real numbers"),
    ([[1, 2, 3], [4]] * 20, "X: expected an array of real numbers"),
    (np.full((40, 3), np.nan), "X: expected finite values, got 120 NaN"),
    (np.full((40, 3), np.inf), "X: expected finite values, got 0 NaN and 120 inf"),
    (np.ones((40, 2)), r"Linear\(in_features=3, out_features=4\) expected input with last "
                       r"dimension 3, got shape \(1, 2\)"),
    (np.ones((0, 3)), "X: expected an array with at least one sample, got shape \\(0, 3\\)"),
])
def test_fit_bad_features(model, X_bad, match):
    _, y = digits_like()
    with raises(match):
        nnlib.fit(model, X_bad, y, **fit_args(model))


def test_fit_accepts_ints_bools_and_numeric_object_arrays(model):
    X, y = digits_like()
    for variant in (X > 0, (X * 10).astype(int), X.astype(object)):
        nnlib.fit(model, variant, y, **fit_args(model))


@pytest.mark.parametrize("y_bad, match", [
    (None, "y: expected one target per sample, got None"),
    (np.array(["a"] * 40), "y: expected integer class indices, got dtype <U1"),
    (np.full(40, 2), r"y: expected integers in \[0, 2\), got value 2"),
    (np.full(40, -1), "got value -1"),
    (np.full(40, 0.5), "y: expected integer class indices, got value 0.5"),
    (np.zeros(40) * 1j, "y: expected real numbers, got dtype complex128"),
    (np.full(40, np.nan), "y: expected finite values"),
    (np.zeros(10, dtype=int), "X, y: expected the same number of samples, got 40 and 10"),
    (np.zeros((40, 2), dtype=int), "y: expected a 1-D array of class indices"),
])
def test_fit_bad_labels(model, y_bad, match):
    X, _ = digits_like()
    with raises(match):
        nnlib.fit(model, X, y_bad, **fit_args(model))


def test_fit_bad_regression_targets():
    X, _ = digits_like()
    model = nn.Linear(3, 1, rng=0)
    args = fit_args(model, loss="mse")
    with raises("y: expected an array of real numbers, got dtype <U1"):
        nnlib.fit(model, X, np.array(["a"] * 40), **args)
    with raises(r"y: expected targets in \[0, 1\] for binary_cross_entropy_with_logits"):
        nnlib.fit(model, X, np.full(40, 2.0), **fit_args(model, loss="bce_with_logits"))


@pytest.mark.parametrize("changes, match", [
    (dict(epochs=0), "epochs: expected a positive integer, got 0"),
    (dict(epochs=2.5), "epochs: expected a positive integer, got 2.5"),
    (dict(epochs=None), "epochs"),
    (dict(batch_size=math.inf), "batch_size: expected a positive integer, got inf"),
    (dict(batch_size="32"), "batch_size"),
    (dict(rng="seed"), "rng: expected a numpy Generator"),
    (dict(rng=-3), "rng: expected a seed >= 0"),
    (dict(shuffle="yes"), "shuffle: expected True or False"),
    (dict(progress=None), "progress: expected True or False"),
    (dict(live_plot=1), "live_plot: expected True or False"),
    (dict(validation_data=np.ones((4, 3))), r"validation_data: expected a pair \(X_val, y_val\)"),
    (dict(validation_data=(np.ones((4, 3)),)), "got a sequence of length 1"),
])
def test_fit_bad_settings(model, changes, match):
    X, y = digits_like()
    with raises(match):
        nnlib.fit(model, X, y, **fit_args(model, **changes))


def test_evaluate_and_predict_bad_input(model):
    X, y = digits_like()
    with raises("batch_size: expected a positive integer"):
        nnlib.predict(model, X, batch_size=0)
    with raises("X: expected an array of real numbers"):
        nnlib.predict(model, "abc")
    with raises("X: expected finite values"):
        nnlib.predict(model, np.full((2, 3), np.nan))
    with raises(r"y: expected integers in \[0, 2\)"):
        nnlib.evaluate(model, X, y + 2, "cross_entropy")
    assert nnlib.predict(model, X).shape == (40, 2)
