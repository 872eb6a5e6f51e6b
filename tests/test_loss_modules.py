"""Losses as Modules (nn.MSELoss, ...) and the reduction argument of the functional losses."""
import numpy as np
import pytest

from nnlib import losses, nn
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor

TOL = 1e-6


def cases(rng):
    """name -> (function, prediction, target, per-entry losses computed by hand)."""
    pred = rng.normal(size=(4, 3))
    target = rng.normal(size=(4, 3))
    probs = rng.uniform(0.05, 0.95, size=(5, 1))
    bits = (rng.random((5, 1)) > 0.5).astype(float)
    logits = rng.normal(size=(6, 4)) * 1.5
    labels = rng.integers(0, 4, size=6)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return {
        "mse": (losses.mse, pred, target, (pred - target) ** 2),
        "bce": (losses.binary_cross_entropy, probs, bits,
                -(bits * np.log(probs) + (1 - bits) * np.log(1 - probs))),
        "bce_with_logits": (losses.binary_cross_entropy_with_logits, logits[:5, :1], bits,
                            -(bits * np.log(1 / (1 + np.exp(-logits[:5, :1])))
                              + (1 - bits) * np.log(1 - 1 / (1 + np.exp(-logits[:5, :1]))))),
        "cross_entropy": (losses.cross_entropy, logits, labels,
                          -log_probs[np.arange(6), labels]),
    }


NAMES = ["mse", "bce", "bce_with_logits", "cross_entropy"]
MODULES = {"mse": nn.MSELoss, "bce": nn.BCELoss, "bce_with_logits": nn.BCEWithLogitsLoss,
           "cross_entropy": nn.CrossEntropyLoss}


@pytest.mark.parametrize("name", NAMES)
def test_reductions_match_the_per_entry_losses(rng, name):
    fn, x, t, per_entry = cases(rng)[name]
    np.testing.assert_allclose(fn(x, t, reduction="none").data, per_entry, rtol=1e-10)
    np.testing.assert_allclose(fn(x, t, reduction="sum").item(), per_entry.sum(), rtol=1e-10)
    np.testing.assert_allclose(fn(x, t).item(), per_entry.mean(), rtol=1e-10)
    assert fn(x, t, reduction="mean").item() == fn(x, t).item()  # the default


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_reduction_gradients(rng, name, reduction):
    fn, x, t, _ = cases(rng)[name]
    w = rng.normal(size=np.shape(fn(x, t, reduction=reduction).data))
    assert gradcheck(lambda p: fn(p, t, reduction=reduction) * w, x) < TOL


def test_mse_none_gradient_reaches_a_target_that_requires_grad(rng):
    pred, target = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    assert gradcheck(lambda p, q: losses.mse(p, q, reduction="none"), pred, target) < TOL


def test_bce_none_clips_like_the_mean(rng):
    probs = np.array([[0.0], [0.5], [1.0]])
    target = np.array([[0.0], [1.0], [0.0]])
    none = losses.binary_cross_entropy(probs, target, reduction="none")
    np.testing.assert_allclose(none.data.mean(), losses.binary_cross_entropy(probs, target).item())
    p = Tensor(probs, requires_grad=True)
    losses.binary_cross_entropy(p, target, reduction="sum").backward()
    assert p.grad[0, 0] == 0 and p.grad[2, 0] == 0 and p.grad[1, 0] != 0


def test_bce_with_logits_none_is_finite_for_huge_logits():
    z = np.array([1e4, -1e4, 0.0])
    out = losses.binary_cross_entropy_with_logits(z, np.array([0.0, 1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(out.data, [1e4, 1e4, np.log(2)])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_modules_call_the_function(rng, name, reduction):
    fn, x, t, _ = cases(rng)[name]
    module = MODULES[name](reduction=reduction)
    assert isinstance(module, nn.Module) and module.parameters() == []
    np.testing.assert_array_equal(module(x, t).data, fn(x, t, reduction=reduction).data)
    xt = Tensor(x, requires_grad=True)
    module(xt, t).sum().backward()
    assert xt.grad.shape == x.shape


def test_module_repr_and_default():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    assert nn.BCELoss().reduction == "mean"


def test_pytorch_training_step_with_a_loss_module(rng):
    model = nn.Sequential(nn.Linear(4, 8, rng=rng), nn.ReLU(), nn.Linear(8, 3, rng=rng))
    loss_fn = nn.CrossEntropyLoss()
    x, y = rng.normal(size=(16, 4)), rng.integers(0, 3, size=16)
    from nnlib import optim
    opt = optim.SGD(model.parameters(), lr=0.5)
    first = loss_fn(model(x), y).item()
    for _ in range(20):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    assert loss_fn(model(x), y).item() < first / 2


@pytest.mark.parametrize("bad", ["avg", "Mean", None, 1, "elementwise_mean"])
def test_bad_reduction_is_refused(rng, bad):
    with pytest.raises(ValueError, match="reduction: expected one of 'mean', 'sum', 'none'"):
        nn.MSELoss(reduction=bad)
    with pytest.raises(ValueError, match="reduction"):
        losses.cross_entropy(np.zeros((2, 3)), [0, 1], reduction=bad)


def test_module_checks_inputs_like_the_function():
    with pytest.raises(ValueError, match="targets: expected integers in \\[0, 3\\), got value 3"):
        nn.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="target: expected the same shape"):
        nn.MSELoss(reduction="none")(np.zeros((2, 3)), np.zeros(3))
