"""Tests for nnlib.explore.stepper: the step-by-step backpropagation of chapter 7.

The stepper's gradients are checked three independent ways: against nnlib.Tensor's
autograd, against nnlib.Value's scalar autograd, and against finite differences
(nnlib.gradcheck).
"""
import numpy as np
import pytest

import nnlib
from nnlib.scalar import Value
from nnlib.explore.stepper import ACTIVATIONS, BackpropStepper

OUTPUT_FNS = {"sigmoid": lambda t: t.sigmoid(), "tanh": lambda t: t.tanh(),
              "relu": lambda t: t.relu(), "identity": lambda t: t}


def random_network(rng, sizes=(2, 2, 1)):
    D, H, O = sizes
    return {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=H),
            "W2": rng.normal(size=(H, O)), "b2": rng.normal(size=O)}


def tensor_loss(W1, b1, W2, b2, x, y, activation="sigmoid", loss="mse",
                output_activation="sigmoid"):
    """The same network and loss written with nnlib.Tensor operations."""
    h = OUTPUT_FNS[activation](nnlib.Tensor(x.reshape(1, -1)) @ W1 + b1)
    yhat = OUTPUT_FNS[output_activation](h @ W2 + b2)
    target = nnlib.Tensor(y.reshape(1, -1))
    if loss == "mse":
        return ((yhat - target) ** 2).mean()
    return (-(target * yhat.log() + (1 - target) * (1 - yhat).log())).mean()


CASES = [("sigmoid", "mse", "sigmoid"), ("tanh", "mse", "sigmoid"),
         ("sigmoid", "bce", "sigmoid"), ("tanh", "mse", "identity"),
         ("relu", "mse", "tanh")]


@pytest.mark.parametrize("activation, loss, output_activation", CASES)
@pytest.mark.parametrize("sizes", [(2, 2, 1), (3, 4, 2)])
def test_gradients_match_tensor_autograd(activation, loss, output_activation, sizes):
    rng = np.random.default_rng(0)
    net = random_network(rng, sizes)
    x, y = rng.normal(size=sizes[0]), rng.random(sizes[2])
    stepper = BackpropStepper(**net, x=x, y=y, activation=activation, loss=loss,
                              output_activation=output_activation)
    params = {k: nnlib.Tensor(v.copy(), requires_grad=True) for k, v in net.items()}
    L = tensor_loss(**params, x=x, y=y, activation=activation, loss=loss,
                    output_activation=output_activation)
    L.backward()
    assert stepper.L == pytest.approx(L.item(), rel=1e-12)
    grads = stepper.gradients()
    for name, tensor in params.items():
        np.testing.assert_allclose(grads[name], tensor.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation, loss, output_activation", CASES[:4])
def test_gradients_match_finite_differences(activation, loss, output_activation):
    rng = np.random.default_rng(1)
    net = random_network(rng, (2, 3, 1))
    x, y = rng.normal(size=2), rng.random(1)
    stepper = BackpropStepper(**net, x=x, y=y, activation=activation, loss=loss,
                              output_activation=output_activation)
    grads = stepper.gradients()
    for name in net:  # finite differences on each parameter, the others held fixed
        def loss_of(param, name=name):
            p = {k: nnlib.Tensor(v) for k, v in net.items()}
            p[name] = param
            return tensor_loss(**p, x=x, y=y, activation=activation, loss=loss,
                               output_activation=output_activation)
        assert nnlib.gradcheck(loss_of, net[name]) < 1e-6
        numeric = nnlib.numerical_gradient(
            lambda a, name=name: tensor_loss(**{**net, name: a}, x=x, y=y,
                                             activation=activation, loss=loss,
                                             output_activation=output_activation).item(),
            net[name].copy())
        assert nnlib.rel_error(grads[name], numeric) < 1e-6


def test_gradients_match_scalar_value_autograd():
    rng = np.random.default_rng(2)
    net = random_network(rng)
    x, y = rng.normal(size=2), 0.3
    stepper = BackpropStepper(**net, x=x, y=y)
    W1 = [[Value(w) for w in row] for row in net["W1"]]
    b1 = [Value(b) for b in net["b1"]]
    W2 = [Value(w) for w in net["W2"][:, 0]]
    b2 = Value(net["b2"][0])
    h = [(sum(x[i] * W1[i][j] for i in range(2)) + b1[j]).sigmoid() for j in range(2)]
    yhat = (h[0] * W2[0] + h[1] * W2[1] + b2).sigmoid()
    L = (yhat - y) ** 2
    L.backward()
    grads = stepper.gradients()
    assert stepper.L == pytest.approx(L.data, rel=1e-12)
    np.testing.assert_allclose(grads["W1"], [[w.grad for w in row] for row in W1], rtol=1e-10)
    np.testing.assert_allclose(grads["b1"], [b.grad for b in b1], rtol=1e-10)
    np.testing.assert_allclose(grads["W2"][:, 0], [w.grad for w in W2], rtol=1e-10)
    assert grads["b2"][0] == pytest.approx(b2.grad, rel=1e-10)


def test_step_list_of_a_2_2_1_network():
    s = BackpropStepper(**random_network(np.random.default_rng(3)), x=[1.0, 0.0], y=1.0)
    assert len(s.steps) == len(s) == 17
    names = [step.name for step in s.steps]
    assert names[:7] == ["z1[0]", "h[0]", "z1[1]", "h[1]", "z2[0]", "yhat[0]", "L"]
    assert names[7:10] == ["L", "yhat[0]", "z2[0]"]
    assert [step.phase for step in s.steps] == ["forward"] * 7 + ["backward"] * 10
    assert all(step.grad is None for step in s.steps[:7])
    assert all(step.grad is not None for step in s.steps[7:])
    assert s.steps[5].value == pytest.approx(s.yhat[0])
    assert s.steps[9].grad == pytest.approx(s.dz2[0])
    assert "=" in s.steps[0].formula


def test_hand_worked_2_2_1_example():
    """The numbers of a well-known worked example (sigmoid, squared error)."""
    s = BackpropStepper([[0.15, 0.25], [0.2, 0.3]], [0.35, 0.35], [[0.4], [0.45]], [0.6],
                        x=[0.05, 0.1], y=0.01)
    # z1[0] = 0.05*0.15 + 0.1*0.2 + 0.35 = 0.3775 by hand
    assert s.z1[0] == pytest.approx(0.3775)
    assert s.h[0] == pytest.approx(1 / (1 + np.exp(-0.3775)))
    # dL/dW2[0] = 2 (yhat - y) * yhat (1 - yhat) * h[0]
    expected = 2 * (s.yhat[0] - 0.01) * s.yhat[0] * (1 - s.yhat[0]) * s.h[0]
    assert s.dW2[0, 0] == pytest.approx(expected)


def test_state_fills_in_step_by_step():
    s = BackpropStepper(**random_network(np.random.default_rng(4)), x=[0.5, -1.0], y=0.0)
    start = s.state_at(0)
    assert start.step is None and start.k == 0
    assert np.isnan(start.values["z1"]).all() and np.isnan(start.values["L"])
    assert all(np.isnan(g).all() for g in start.grads.values())
    np.testing.assert_array_equal(start.values["W1"], s.W1)
    assert s.state_at(1).known("z1", 0) and not s.state_at(1).known("h", 0)
    forward_done = s.state_at(7)
    assert forward_done.values["L"] == pytest.approx(s.L)
    assert all(np.isnan(g).all() for g in forward_done.grads.values())
    after_w2 = s.state_at(11)
    assert after_w2.known("W2", grad=True) and not after_w2.known("W1", grad=True)
    end = s.state_at(len(s.steps))
    for name, grad in s.gradients().items():
        np.testing.assert_allclose(end.grads[name], grad)
    previous = 0
    for k in range(len(s.steps) + 1):  # every step reveals something new
        state = s.state_at(k)
        known = sum(np.isfinite(a).sum() for a in (*state.values.values(), *state.grads.values()))
        assert known > previous or k == 0
        previous = known


def test_state_at_rejects_out_of_range_k():
    s = BackpropStepper(**random_network(np.random.default_rng(5)), x=[0.0, 1.0], y=1.0)
    for bad in (-1, 18, 2.5, True):
        with pytest.raises(ValueError, match="k: expected an integer in \\[0, 17\\]"):
            s.state_at(bad)


@pytest.mark.parametrize("kwargs, match", [
    ({"W1": np.ones(3)}, "W1: expected a 2-D"),
    ({"W2": np.ones((3, 1))}, "W2: expected shape \\(2, O\\)"),
    ({"b1": np.ones(3)}, "b1: expected shape \\(2,\\)"),
    ({"x": [1.0, 2.0, 3.0]}, "x: expected shape \\(2,\\)"),
    ({"x": [np.nan, 1.0]}, "x: expected finite values"),
    ({"activation": "softsign"}, "activation: expected one of"),
    ({"loss": "hinge"}, "loss: expected one of"),
    ({"loss": "bce", "y": 2.0}, "y: expected targets in \\[0, 1\\]"),
    ({"loss": "bce", "output_activation": "tanh"}, "output_activation: expected 'sigmoid'"),
])
def test_invalid_arguments_name_the_argument(kwargs, match):
    args = {**random_network(np.random.default_rng(6)), "x": [1.0, 0.0], "y": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        BackpropStepper(**args)


def test_sigmoid_is_stable_for_large_inputs():
    sigmoid, _ = ACTIVATIONS["sigmoid"]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])
