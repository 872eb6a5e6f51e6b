"""Tests for nnlib.optim: each update checked against arithmetic worked out by hand."""
import math

import numpy as np
import pytest

from nnlib.optim import SGD, Adam


class Param:
    """The smallest thing an optimiser can update: ``.data`` and ``.grad`` arrays."""

    def __init__(self, data, dtype=np.float64):
        self.data = np.array(data, dtype=dtype)
        self.grad = None


def run(optimizer, param, grads):
    """Apply one step per gradient in ``grads``; return the parameter after each step."""
    values = []
    for g in grads:
        param.grad = np.array(g, dtype=param.data.dtype)
        optimizer.step()
        values.append(param.data.copy())
    return values


# ---------------------------------------------------------------------------- SGD

def test_sgd_plain_step():
    # w = [1, -2], g = [0.5, 1], lr = 0.1: w - lr g = [0.95, -2.1], then [0.9, -2.2]
    p = Param([1.0, -2.0])
    w1, w2 = run(SGD([p], lr=0.1), p, [[0.5, 1.0]] * 2)
    np.testing.assert_allclose(w1, [0.95, -2.1])
    np.testing.assert_allclose(w2, [0.9, -2.2])


def test_sgd_momentum_three_steps():
    # lr 0.1, momentum 0.9, constant g = [0.5, 1]
    # v1 = g = [0.5, 1]              w1 = [1, -2] - 0.1 v1      = [0.95, -2.1]
    # v2 = 0.9 v1 + g = [0.95, 1.9]  w2 = w1 - 0.1 v2           = [0.855, -2.29]
    # v3 = 0.9 v2 + g = [1.355, 2.71] w3 = w2 - 0.1 v3          = [0.7195, -2.561]
    p = Param([1.0, -2.0])
    w1, w2, w3 = run(SGD([p], lr=0.1, momentum=0.9), p, [[0.5, 1.0]] * 3)
    np.testing.assert_allclose(w1, [0.95, -2.1])
    np.testing.assert_allclose(w2, [0.855, -2.29])
    np.testing.assert_allclose(w3, [0.7195, -2.561])


def test_sgd_weight_decay_two_steps():
    # lr 0.1, weight_decay 0.1, g = [0.5, 1]
    # step 1: g' = g + 0.1 [1, -2] = [0.6, 0.8]           w1 = [0.94, -2.08]
    # step 2: g' = g + 0.1 [0.94, -2.08] = [0.594, 0.792]  w2 = [0.8806, -2.1592]
    p = Param([1.0, -2.0])
    w1, w2 = run(SGD([p], lr=0.1, weight_decay=0.1), p, [[0.5, 1.0]] * 2)
    np.testing.assert_allclose(w1, [0.94, -2.08])
    np.testing.assert_allclose(w2, [0.8806, -2.1592])


def test_sgd_momentum_with_weight_decay():
    # lr 0.1, momentum 0.5, weight_decay 1, w = 1, g = 0
    # step 1: g' = 0 + 1 * 1 = 1,    v1 = 1,                  w1 = 0.9
    # step 2: g' = 0.9, v2 = 0.5 * 1 + 0.9 = 1.4,             w2 = 0.9 - 0.14 = 0.76
    p = Param([1.0])
    w1, w2 = run(SGD([p], lr=0.1, momentum=0.5, weight_decay=1.0), p, [[0.0]] * 2)
    np.testing.assert_allclose(w1, [0.9])
    np.testing.assert_allclose(w2, [0.76])


# ---------------------------------------------------------------------------- Adam

def test_adam_constant_gradient_moves_lr_per_step():
    # With a constant gradient, bias correction gives m_hat = g and v_hat = g^2, so every
    # step moves each weight by lr * g / (|g| + eps), i.e. almost exactly lr against the sign.
    p = Param([1.0, -2.0])
    w1, w2 = run(Adam([p], lr=0.1), p, [[0.5, -4.0]] * 2)
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=1e-7)
    np.testing.assert_allclose(w2, [0.8, -1.8], rtol=1e-7)


def test_adam_changing_gradient_two_steps():
    # lr 0.1, betas (0.9, 0.999), eps 1e-8; w = 1; g1 = 0.5, g2 = -1
    # step 1: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25, w1 = 1 - 0.1 * 0.5 / 0.5 = 0.9
    # step 2: m = 0.9 * 0.05 - 0.1 = -0.055,  v = 0.999 * 0.00025 + 0.001 = 0.00124975
    #         m_hat = -0.055 / 0.19, v_hat = 0.00124975 / 0.001999
    #         w2 = 0.9 - 0.1 * m_hat / (sqrt(v_hat) + eps) = 0.93661...
    p = Param([1.0])
    w1, w2 = run(Adam([p], lr=0.1), p, [[0.5], [-1.0]])
    np.testing.assert_allclose(w1, [1 - 0.1 * 0.5 / (0.5 + 1e-8)], rtol=1e-12)
    m_hat, v_hat = -0.055 / 0.19, 0.00124975 / 0.001999
    expected = 0.9 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(w2, [expected], rtol=1e-7)
    assert w2[0] == pytest.approx(0.93661, abs=1e-5)


def test_adam_weight_decay_is_added_to_the_gradient():
    # lr 0.1, weight_decay 0.5, w = 1, g = 0.5 twice
    # step 1: g' = 0.5 + 0.5 = 1 -> constant-gradient case, w1 = 0.9
    # step 2: g' = 0.5 + 0.45 = 0.95, m = 0.09 + 0.095 = 0.185,
    #         v = 0.999 * 0.001 + 0.001 * 0.9025 = 0.0019015
    #         w2 = 0.9 - 0.1 * (0.185 / 0.19) / sqrt(0.0019015 / 0.001999) = 0.800167...
    p = Param([1.0])
    w1, w2 = run(Adam([p], lr=0.1, weight_decay=0.5), p, [[0.5], [0.5]])
    np.testing.assert_allclose(w1, [0.9], rtol=1e-7)
    expected = 0.9 - 0.1 * (0.185 / 0.19) / math.sqrt(0.0019015 / 0.001999)
    np.testing.assert_allclose(w2, [expected], rtol=1e-7)
    assert abs(w2[0] - 0.8) > 1e-4  # without weight decay it would be exactly 0.8


# ---------------------------------------------------------------------------- shared behaviour

@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
    lambda ps: Adam(ps, lr=0.1),
    lambda ps: Adam(ps, lr=0.1, weight_decay=1e-3),
])
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_float32_stays_float32_and_updates_in_place(make, grad_dtype):
    p = Param(np.ones((3, 2)), dtype=np.float32)
    original = p.data
    opt = make([p])
    for _ in range(3):
        p.grad = np.full((3, 2), 0.5, dtype=grad_dtype)
        opt.step()
    assert p.data is original
    assert p.data.dtype == np.float32
    assert np.all(p.data < 1.0)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), Adam])
def test_step_skips_params_without_grad_and_zero_grad_clears(make):
    a, b = Param([1.0, 1.0]), Param([1.0, 1.0])
    opt = make([a, b])
    a.grad = np.array([1.0, 1.0])
    opt.step()
    assert np.all(a.data < 1.0)
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_adam_counts_steps_per_parameter():
    # b gets its first gradient at the second step: its bias correction uses t = 1, so
    # (constant-gradient case) it moves by exactly lr, like a fresh parameter.
    a, b = Param([1.0]), Param([1.0])
    opt = Adam([a, b], lr=0.1)
    a.grad = np.array([0.5])
    opt.step()
    b.grad = np.array([0.5])
    opt.step()
    np.testing.assert_allclose(b.data, [0.9], rtol=1e-7)


def test_weight_decay_can_be_switched_on_later():
    p = Param([1.0])
    opt = Adam([p], lr=0.1)
    opt.weight_decay = 0.5
    _, w2 = run(opt, p, [[0.5], [0.5]])  # same numbers as the weight-decay test above
    expected = 0.9 - 0.1 * (0.185 / 0.19) / math.sqrt(0.0019015 / 0.001999)
    np.testing.assert_allclose(w2, [expected], rtol=1e-7)


def test_a_parameter_listed_twice_is_updated_once():
    p = Param([1.0])
    opt = SGD([p, p], lr=0.1)
    p.grad = np.array([1.0])
    opt.step()
    np.testing.assert_allclose(p.data, [0.9])


def test_lr_can_be_changed_between_steps():
    p = Param([1.0])
    opt = SGD([p], lr=0.1)
    p.grad = np.array([1.0])
    opt.step()
    opt.lr = 0.5
    opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 - 0.5])


def test_works_with_nnlib_tensors():
    tensor = pytest.importorskip("nnlib.tensor")
    w = tensor.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    loss = (w * w).sum()  # d/dw = 2w = [2, -4]
    loss.backward()
    SGD([w], lr=0.25).step()
    np.testing.assert_allclose(w.data, [0.5, -1.0])


# ---------------------------------------------------------------------------- errors

@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), "0.1", None])
@pytest.mark.parametrize("cls", [SGD, Adam])
def test_lr_must_be_positive(cls, lr):
    with pytest.raises(ValueError, match=r"lr: expected a positive number, got"):
        cls([Param([1.0])], lr=lr)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_empty_params_rejected(cls):
    with pytest.raises(ValueError, match=r"params: expected at least one"):
        cls([], lr=0.1)


def test_params_must_have_data_and_grad():
    with pytest.raises(ValueError,
                       match=r"params\[0\]: expected a Tensor with .data and .grad, got ndarray"):
        SGD([np.zeros(3)], lr=0.1)


def test_passing_a_model_instead_of_its_parameters_is_explained():
    class Model:
        def parameters(self):
            return [Param([1.0])]

    with pytest.raises(ValueError, match=r"params: .*model.parameters\(\).*got the Model"):
        SGD(Model(), lr=0.1)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"momentum": 1.0}, r"momentum: expected a number in \[0, 1\), got 1.0"),
    ({"momentum": -0.5}, r"momentum: expected a number in \[0, 1\), got -0.5"),
    ({"weight_decay": -1}, r"weight_decay: expected a number >= 0, got -1"),
])
def test_sgd_hyperparameter_errors(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        SGD([Param([1.0])], lr=0.1, **kwargs)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"betas": (1.0, 0.999)}, r"betas\[0\]: expected a number in \[0, 1\), got 1.0"),
    ({"betas": (0.9, 1.5)}, r"betas\[1\]: expected a number in \[0, 1\), got 1.5"),
    ({"betas": 0.9}, r"betas: expected a pair"),
    ({"eps": 0}, r"eps: expected a positive number, got 0"),
    ({"weight_decay": -0.1}, r"weight_decay: expected a number >= 0, got -0.1"),
])
def test_adam_hyperparameter_errors(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Adam([Param([1.0])], **kwargs)


def test_gradient_of_the_wrong_shape_is_reported():
    p = Param([1.0, 2.0])
    p.grad = np.zeros(3)
    with pytest.raises(ValueError, match=r"params\[0\].grad: expected shape \(2,\).*got shape \(3,\)"):
        SGD([p], lr=0.1).step()


# ------------------------------------------------- against PyTorch's documented algorithms

def _torch_sgd_reference(w, grads, lr, momentum, weight_decay):
    """torch.optim.SGD as its documentation writes it (dampening 0, no Nesterov)."""
    buf = None
    for g in grads:
        g = g + weight_decay * w
        buf = g if buf is None else momentum * buf + g
        w = w - lr * buf
    return w


def _torch_adam_reference(w, grads, lr, betas, eps, weight_decay):
    """torch.optim.Adam as its documentation writes it (no amsgrad), one scalar at a time."""
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * w
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
        w = w - lr * m_hat / (v_hat ** 0.5 + eps)
    return w


def test_five_random_steps_follow_pytorchs_documented_updates():
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(4, 3))
    grads = rng.normal(size=(5, 4, 3))
    sgd = Param(w0)
    adam = Param(w0)
    opt_sgd = SGD([sgd], lr=0.05, momentum=0.9, weight_decay=0.01)
    opt_adam = Adam([adam], lr=0.01, weight_decay=0.01)
    for g in grads:
        sgd.grad, adam.grad = g.copy(), g.copy()
        opt_sgd.step()
        opt_adam.step()
    expected_sgd = _torch_sgd_reference(w0, grads, 0.05, 0.9, 0.01)
    expected_adam = np.vectorize(
        lambda i, j: _torch_adam_reference(w0[i, j], grads[:, i, j], 0.01, (0.9, 0.999),
                                           1e-8, 0.01))(*np.indices(w0.shape))
    np.testing.assert_allclose(sgd.data, expected_sgd, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(adam.data, expected_adam, rtol=1e-12, atol=1e-14)
