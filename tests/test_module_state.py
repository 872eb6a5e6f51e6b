"""Module state: Parameters, buffers, named_modules, state_dict / load_state_dict, and
nnlib.save / nnlib.load."""
import numpy as np
import pytest

import nnlib
from nnlib import nn, optim
from nnlib.nn import Parameter
from nnlib.tensor import Tensor


class Norm(nn.Module):
    """A toy layer with a parameter and two buffers (like BatchNorm's running stats)."""

    def __init__(self, n):
        self.weight = Parameter(np.ones(n))
        self.register_buffer("running_mean", np.zeros(n))
        self.register_buffer("num_batches", np.zeros((), dtype=np.int64))

    def forward(self, x):
        if self.training:
            self.running_mean = 0.9 * self.running_mean + 0.1 * x.data.mean(axis=0)
            self.num_batches += 1
        return x * self.weight


def make_model(rng):
    return nn.Sequential(nn.Linear(3, 4, rng=rng), Norm(4), nn.ReLU(), nn.Linear(4, 2, rng=rng))


# ---------------------------------------------------------------------------- buffers

def test_buffer_is_an_attribute_listed_saved_and_not_a_parameter(rng):
    layer = Norm(3)
    assert isinstance(layer.running_mean, np.ndarray)
    assert [n for n, _ in layer.named_buffers()] == ["running_mean", "num_batches"]
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight", "running_mean", "num_batches"]


def test_reassigned_buffer_stays_a_buffer_and_state_dict_copies(rng):
    layer = Norm(3)
    layer(Tensor(np.ones((2, 3))))
    np.testing.assert_allclose(layer.running_mean, 0.1)
    assert [n for n, _ in layer.named_buffers()] == ["running_mean", "num_batches"]
    state = layer.state_dict()
    np.testing.assert_allclose(state["running_mean"], 0.1)
    assert state["num_batches"] == 1
    state["running_mean"][:] = 5  # a copy: the layer is not changed
    np.testing.assert_allclose(layer.running_mean, 0.1)


def test_buffer_can_be_none_and_is_then_skipped():
    layer = Norm(2)
    layer.running_mean = None
    assert [n for n, _ in layer.named_buffers()] == ["num_batches"]
    layer.running_mean = np.ones(2)
    assert [n for n, _ in layer.named_buffers()] == ["running_mean", "num_batches"]


def test_buffer_rejects_non_arrays_and_bad_names():
    layer = Norm(2)
    with pytest.raises(TypeError, match="running_mean"):
        layer.running_mean = "zeros"
    with pytest.raises(TypeError, match="object"):
        layer.running_mean = np.array([None, 1])
    with pytest.raises(ValueError, match="name"):
        layer.register_buffer("not a name", np.zeros(2))
    with pytest.raises(ValueError, match="weight"):
        layer.register_buffer("weight", np.zeros(2))


def test_deleted_buffer_is_forgotten():
    layer = Norm(2)
    del layer.running_mean
    assert [n for n, _ in layer.named_buffers()] == ["num_batches"]
    layer.running_mean = "anything"  # a plain attribute again
    assert layer.running_mean == "anything"


# ---------------------------------------------------------------------------- parameters

def test_assigned_parameter_is_registered_and_frozen_ones_stay_listed():
    layer = nn.Module()
    layer.scale = Parameter(np.ones(2))
    layer.offset = Parameter(np.zeros(2))
    layer.offset.requires_grad = False  # frozen (transfer learning): still a parameter
    layer.constant = Tensor(np.ones(2))  # a plain tensor: not a parameter
    assert [n for n, _ in layer.named_parameters()] == ["scale", "offset"]
    assert list(layer.state_dict()) == ["scale", "offset"]


def test_register_parameter():
    layer = nn.Module()
    layer.register_parameter("gain", Parameter(np.ones(1)))
    layer.register_parameter("shift", None)
    assert [n for n, _ in layer.named_parameters()] == ["gain"]
    with pytest.raises(TypeError, match="Parameter"):
        layer.register_parameter("other", np.ones(1))


def test_linear_uses_parameters(rng):
    layer = nn.Linear(3, 2, rng=rng)
    assert type(layer.weight) is Parameter and type(layer.bias) is Parameter


def test_array_assigned_to_weight_is_wrapped_with_the_layer_dtype(rng):
    layer = nn.Linear(3, 2, rng=rng, dtype=np.float32)
    new = np.arange(6.0).reshape(3, 2)
    layer.weight = new
    assert isinstance(layer.weight, Parameter) and layer.weight.requires_grad
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.weight.data, new)
    layer.bias = Tensor(np.ones(2))  # a plain tensor becomes a Parameter again
    assert isinstance(layer.bias, Parameter)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]


def test_pytorch_layout_weight_gets_a_clear_error(rng):
    layer = nn.Linear(3, 2, rng=rng)
    with pytest.raises(ValueError) as info:
        layer.weight = Parameter(np.zeros((2, 3)))
    message = str(info.value)
    assert "Linear(in_features=3, out_features=2" in message
    assert "(3, 2)" in message and "(2, 3)" in message and "transpose" in message


def test_wrong_shape_and_wrong_type_for_a_parameter(rng):
    layer = nn.Linear(3, 2, rng=rng)
    with pytest.raises(ValueError, match=r"bias.*\(2,\).*\(5,\)"):
        layer.bias = np.zeros(5)
    with pytest.raises(TypeError, match="weight"):
        layer.weight = "ones"
    with pytest.raises(TypeError, match="weight"):
        layer.weight = np.array([["a", "b"]] * 3)
    layer.bias = None  # allowed, as in PyTorch: a layer without bias
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


# ---------------------------------------------------------------------------- module tree

def test_named_modules_lists_each_module_once(rng):
    shared = nn.Linear(2, 2, rng=rng)
    model = nn.Sequential(shared, nn.ReLU(), nn.Sequential(shared, nn.Tanh()))
    names = [n for n, _ in model.named_modules()]
    assert names == ["", "0", "1", "2", "2.1"]
    assert model.modules()[0] is model and model.modules()[1] is shared


def test_state_dict_names_like_pytorch(rng):
    class Net(nn.Module):
        def __init__(self):
            self.layers = [nn.Linear(2, 3, rng=rng), nn.Linear(3, 1, rng=rng)]
            self.head = nn.Sequential(nn.Linear(1, 1, rng=rng))

    assert list(Net().state_dict()) == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "head.0.weight", "head.0.bias",
    ]
    model = make_model(rng)
    assert list(model.state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.running_mean", "1.num_batches",
        "3.weight", "3.bias",
    ]


# ---------------------------------------------------------------------------- loading

def test_load_state_dict_copies_in_place_and_optimizer_keeps_working(rng):
    source, target = make_model(np.random.default_rng(1)), make_model(np.random.default_rng(2))
    source(Tensor(rng.normal(size=(5, 3))))  # moves the buffers
    arrays = [p.data for p in target.parameters()]
    opt = optim.SGD(target.parameters(), lr=0.1)
    result = target.load_state_dict(source.state_dict())
    assert result == ([], []) and result.missing_keys == []
    assert all(p.data is a for p, a in zip(target.parameters(), arrays))  # same arrays
    for name, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[name], value)
    x = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(target(x).data, source(x).data)
    target(x).sum().backward()
    before = target[0].weight.data.copy()
    opt.step()  # the optimiser still updates the model's own arrays
    assert not np.array_equal(before, target[0].weight.data)


def test_load_state_dict_converts_dtype(rng):
    source = nn.Linear(2, 2, rng=rng)
    target = nn.Linear(2, 2, rng=rng, dtype=np.float32)
    target.load_state_dict(source.state_dict())
    assert target.weight.dtype == np.float32
    np.testing.assert_allclose(target.weight.data, source.weight.data, rtol=1e-6)


def test_load_state_dict_errors_name_the_keys_and_shapes(rng):
    model = make_model(rng)
    state = model.state_dict()
    del state["0.bias"]
    state["extra.weight"] = np.zeros(1)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    assert "'0.bias'" in str(info.value) and "'extra.weight'" in str(info.value)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["0.bias"] and unexpected == ["extra.weight"]

    state = model.state_dict()
    state["0.weight"] = state["0.weight"].T
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"0\.weight.*\(3, 4\).*\(4, 3\).*transpose"):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():  # nothing was half-loaded
        np.testing.assert_array_equal(value, before[name])
    with pytest.raises(TypeError, match="state_dict"):
        model.load_state_dict([1, 2])
    state = model.state_dict()
    state["0.bias"] = np.array(["a"] * 4)
    with pytest.raises(ValueError, match="0.bias"):
        model.load_state_dict(state)


def test_shared_module_saved_under_both_names_and_loads(rng):
    shared = nn.Linear(2, 2, rng=rng)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    state["0.weight"] = state["2.weight"] = np.eye(2)
    model.load_state_dict(state)
    np.testing.assert_array_equal(shared.weight.data, np.eye(2))


# ---------------------------------------------------------------------------- save / load

def test_save_and_load_round_trip(tmp_path, rng):
    model = make_model(rng)
    model(Tensor(rng.normal(size=(3, 3))))
    path = tmp_path / "model.pt"  # the name is kept as given
    nnlib.save(model, path)
    assert path.exists() and not (tmp_path / "model.pt.npz").exists()
    state = nnlib.load(path)
    assert list(state) == list(model.state_dict())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(state[name], value)
        assert state[name].dtype == value.dtype
    fresh = make_model(np.random.default_rng(9))
    fresh.load_state_dict(state)
    x = rng.normal(size=(2, 3))
    np.testing.assert_array_equal(fresh(x).data, model(x).data)


def test_save_a_state_dict_and_loads_with_numpy_without_pickle(tmp_path, rng):
    path = str(tmp_path / "w.npz")
    nnlib.save({"w": np.ones((2, 2), dtype=np.float32), "step": np.array(3)}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["w", "step"]
        assert archive["w"].dtype == np.float32


def test_save_and_load_bad_input(tmp_path):
    with pytest.raises(TypeError, match="obj"):
        nnlib.save([np.ones(2)], tmp_path / "a.npz")
    with pytest.raises(ValueError, match="'w'.*object"):
        nnlib.save({"w": np.array([None])}, tmp_path / "a.npz")
    with pytest.raises(ValueError, match="file"):
        nnlib.save({"file": np.ones(1)}, tmp_path / "a.npz")
    with pytest.raises(FileNotFoundError):
        nnlib.load(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="nnlib.save"):
        nnlib.load(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.ones(2))
    with pytest.raises(ValueError, match="nnlib.save"):
        nnlib.load(tmp_path / "single.npy")
    np.savez(tmp_path / "pickled.npz", w=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError):
        nnlib.load(tmp_path / "pickled.npz")["w"]
