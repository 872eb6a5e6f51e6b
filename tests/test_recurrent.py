"""Tests of nnlib.nn.recurrent: RNN, LSTM, GRU, their cells and the pure BPTT functions.

Gradients are checked against central differences in float64 for the input, the initial
states and every parameter; the cells, unrolled step by step with ordinary Tensor
operations, must give the layers' outputs and gradients; a plain numpy step written from
the equations pins down the gate order.
"""
import numpy as np
import pytest

from nnlib import losses, nn, optim
from nnlib.nn import recurrent as R
from nnlib.numerical import numerical_gradient, rel_error
from nnlib.tensor import Tensor, no_grad

TOL = 1e-6  # relative error; finite-difference noise alone reaches ~1e-7 on small entries
EPS = 1e-5  # finite-difference step: noise ~1e-16/EPS, truncation ~EPS**2
N, T, D, H = 3, 4, 2, 3
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
CELLS = {"RNN": nn.RNNCell, "LSTM": nn.LSTMCell, "GRU": nn.GRUCell}
CONFIGS = [  # (kind, keyword arguments)
    ("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("RNN", {"bias": False}),
    ("LSTM", {}), ("LSTM", {"bias": False}), ("GRU", {}), ("GRU", {"bias": False}),
]
IDS = [kind + "".join(f"-{k}={v}" for k, v in kw.items()) for kind, kw in CONFIGS]


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def initial_state(kind, rng, n=N):
    """Random initial state: (h0, c0) for the LSTM, h0 otherwise (ndarrays)."""
    if kind == "LSTM":
        return rng.normal(size=(n, H)), rng.normal(size=(n, H))
    return rng.normal(size=(n, H))


def flat(result):
    """A layer's or cell's result as a list of Tensors: output, h_n (, c_n)."""
    out = []
    for item in result if isinstance(result, tuple) else (result,):
        out.extend(flat(item) if isinstance(item, tuple) else [item])
    return out


def projection_loss(results, rng):
    """Scalar ``sum(result * random weights)`` over every result, so that every output
    (the per-step outputs, h_n, c_n) carries its own gradient."""
    weights = [rng.normal(size=r.shape) for r in results]

    def loss(rs):
        total = None
        for r, w in zip(rs, weights):
            term = (r * w).sum()
            total = term if total is None else total + term
        return total

    return loss


def check_gradients(run, arrays, rng):
    """Largest relative error between backprop and finite differences.

    run : callable ``() -> list of Tensors`` (reads the arrays below in place)
    arrays : dict name -> (ndarray, Tensor whose .grad holds its analytic gradient)
    """
    loss = projection_loss(run(), rng)
    loss(run()).backward()
    errors = {}
    for name, (array, tensor) in arrays.items():
        def value(_):
            with no_grad():
                return loss(run()).data
        numeric = numerical_gradient(value, array, eps=EPS)
        errors[name] = rel_error(tensor.grad, numeric)
    return errors


def layer_and_inputs(kind, kw, rng, with_state=True):
    layer = LAYERS[kind](D, H, rng=rng, **kw)
    x = Tensor(rng.normal(size=(N, T, D)), requires_grad=True)
    state = None
    if with_state:
        init = initial_state(kind, rng)
        state = (tuple(Tensor(s, requires_grad=True) for s in init) if kind == "LSTM"
                 else Tensor(init, requires_grad=True))
    return layer, x, state


def tracked_arrays(layer, x, state):
    """name -> (array, tensor) for the input, the initial states and the parameters."""
    arrays = {"x": (x.data, x)}
    states = state if isinstance(state, tuple) else (state,)
    for name, s in zip(("h0", "c0"), states):
        if s is not None:
            arrays[name] = (s.data, s)
    for name, p in layer.named_parameters():
        arrays[name] = (p.data, p)
    return arrays


# ---------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, kw", CONFIGS, ids=IDS)
def test_layer_gradients_for_input_states_and_parameters(rng, kind, kw):
    layer, x, state = layer_and_inputs(kind, kw, rng)
    errors = check_gradients(lambda: flat(layer(x, state)), tracked_arrays(layer, x, state),
                             rng)
    n_params = 4 if kw.get("bias", True) else 2
    assert len(errors) == 1 + (2 if kind == "LSTM" else 1) + n_params
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_layer_gradients_without_initial_state(rng, kind):
    layer, x, _ = layer_and_inputs(kind, {}, rng, with_state=False)
    errors = check_gradients(lambda: flat(layer(x)), tracked_arrays(layer, x, None), rng)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("kind, kw", CONFIGS, ids=IDS)
def test_cell_gradients_for_input_states_and_parameters(rng, kind, kw):
    cell = CELLS[kind](D, H, rng=rng, **kw)
    x = Tensor(rng.normal(size=(N, D)), requires_grad=True)
    init = initial_state(kind, rng)
    state = (tuple(Tensor(s, requires_grad=True) for s in init) if kind == "LSTM"
             else Tensor(init, requires_grad=True))
    errors = check_gradients(lambda: flat(cell(x, state)), tracked_arrays(cell, x, state), rng)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_pure_backward_matches_finite_differences(rng, kind):
    """The cs231n-style functions on their own: dout, dh_n (and dc_n) all at once."""
    forward = getattr(R, f"{kind.lower()}_forward")
    backward = getattr(R, f"{kind.lower()}_backward")
    G = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    x = rng.normal(size=(N, T, D))
    states = [rng.normal(size=(N, H)) for _ in range(2 if kind == "LSTM" else 1)]
    params = [rng.normal(size=(D, G * H)), rng.normal(size=(H, G * H)) * 0.5,
              rng.normal(size=G * H), rng.normal(size=G * H)]
    n_results = 3 if kind == "LSTM" else 2
    weights = [rng.normal(size=(N, T, H))] + [rng.normal(size=(N, H))
                                              for _ in range(n_results - 1)]

    def loss(_):
        results = forward(x, *states, *params)[:n_results]
        return sum(np.sum(r * w) for r, w in zip(results, weights))

    cache = forward(x, *states, *params)[-1]
    grads = backward(*weights, cache)
    for array, grad in zip([x, *states, *params], grads):
        assert grad.shape == array.shape
        assert rel_error(grad, numerical_gradient(loss, array, eps=EPS)) < TOL


def test_stacked_layers_and_a_linear_head_train_end_to_end(rng):
    """LSTM -> GRU -> RNN -> Linear on the last state: gradients reach every layer's
    parameters and the input through the other layers' output nodes."""
    lstm, gru, rnn = nn.LSTM(D, H, rng=rng), nn.GRU(H, H, rng=rng), nn.RNN(H, 2, rng=rng)
    head = nn.Linear(2, 1, rng=rng)
    x = Tensor(rng.normal(size=(N, T, D)), requires_grad=True)

    def run():
        out, _ = lstm(x)
        out, _ = gru(out)
        _, h_n = rnn(out)
        return [head(h_n)]

    arrays = {"x": (x.data, x)}
    for prefix, module in [("lstm", lstm), ("gru", gru), ("rnn", rnn), ("head", head)]:
        for name, p in module.named_parameters():
            arrays[f"{prefix}.{name}"] = (p.data, p)
    errors = check_gradients(run, arrays, rng)
    assert max(errors.values()) < TOL, errors


# ---------------------------------------------------------------------------------------
# the layers against the cells and against the equations
# ---------------------------------------------------------------------------------------
def copy_parameters(source, target):
    for name, p in source.named_parameters():
        setattr(target, name, p.data.copy())


@pytest.mark.parametrize("kind, kw", CONFIGS, ids=IDS)
def test_cells_unrolled_give_the_layer_outputs_and_gradients(rng, kind, kw):
    layer, x, state = layer_and_inputs(kind, kw, rng)
    cell = CELLS[kind](D, H, **kw)
    copy_parameters(layer, cell)
    w_out, w_last = rng.normal(size=(N, T, H)), rng.normal(size=(2, N, H))

    def loss(outputs, last):
        """sum_t h_t . w_out[:, t]  +  h_n . w_last[0]  (+ c_n . w_last[1])"""
        total = (outputs[0] * w_out[:, 0]).sum()
        for t in range(1, T):
            total = total + (outputs[t] * w_out[:, t]).sum()
        for k, r in enumerate(last):
            total = total + (r * w_last[k]).sum()
        return total

    results = flat(layer(x, state))
    loss([results[0][:, t] for t in range(T)], results[1:]).backward()
    tracked = tracked_arrays(layer, x, state)
    layer_grads = {name: t.grad.copy() for name, (_, t) in tracked.items()}
    for _, t in tracked.values():
        t.grad = None

    hidden, outputs = state, []
    for t in range(T):
        hidden = cell(x[:, t], hidden)
        outputs.append(flat(hidden)[0])
        np.testing.assert_allclose(outputs[-1].data, results[0].data[:, t], atol=1e-12)
    for r_cell, r_layer in zip(flat(hidden), results[1:]):
        np.testing.assert_allclose(r_cell.data, r_layer.data, atol=1e-12)
    loss(outputs, flat(hidden)).backward()
    for name, (_, t) in tracked_arrays(cell, x, state).items():
        np.testing.assert_allclose(t.grad, layer_grads[name], rtol=0, atol=1e-12,
                                   err_msg=name)


def test_lstm_follows_the_equations_with_pytorch_gate_order(rng):
    lstm = nn.LSTM(D, H, rng=rng)
    x, (h, c) = rng.normal(size=(N, 1, D)), initial_state("LSTM", rng)
    a = x[:, 0] @ lstm.weight_ih.data + lstm.bias_ih.data + h @ lstm.weight_hh.data \
        + lstm.bias_hh.data
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), \
        sigmoid(a[:, 3 * H:])
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    out, (h_n, c_n) = lstm(x, (h, c))
    np.testing.assert_allclose(c_n.data, c_new, atol=1e-14)
    np.testing.assert_allclose(h_n.data, h_new, atol=1e-14)
    np.testing.assert_allclose(out.data[:, 0], h_new, atol=1e-14)


def test_gru_follows_the_equations_with_pytorch_gate_order(rng):
    gru = nn.GRU(D, H, rng=rng)
    x, h = rng.normal(size=(N, 1, D)), rng.normal(size=(N, H))
    ax = x[:, 0] @ gru.weight_ih.data + gru.bias_ih.data
    ah = h @ gru.weight_hh.data + gru.bias_hh.data
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    _, h_n = gru(x, h)
    np.testing.assert_allclose(h_n.data, (1 - z) * n + z * h, atol=1e-14)


@pytest.mark.parametrize("nonlinearity, act", [("tanh", np.tanh),
                                               ("relu", lambda a: np.maximum(a, 0))])
def test_rnn_follows_the_equation_over_several_steps(rng, nonlinearity, act):
    rnn = nn.RNN(D, H, nonlinearity=nonlinearity, rng=rng)
    x = rng.normal(size=(N, T, D))
    h = np.zeros((N, H))
    out, h_n = rnn(x)
    for t in range(T):
        h = act(x[:, t] @ rnn.weight_ih.data + rnn.bias_ih.data + h @ rnn.weight_hh.data
                + rnn.bias_hh.data)
        np.testing.assert_allclose(out.data[:, t], h, atol=1e-14)
    np.testing.assert_allclose(h_n.data, h, atol=1e-14)


def test_lstm_forget_gate_keeps_the_cell_state(rng):
    """With the forget gate saturated open and the input gate shut, c_n = c0."""
    lstm = nn.LSTM(D, H, rng=rng)
    lstm.bias_ih.data[:H] = -50        # input gate closed
    lstm.bias_ih.data[H:2 * H] = 50    # forget gate open
    h0, c0 = initial_state("LSTM", rng)
    _, (_, c_n) = lstm(rng.normal(size=(N, 10, D)), (h0, c0))
    np.testing.assert_allclose(c_n.data, c0, atol=1e-12)


# ---------------------------------------------------------------------------------------
# parameters, dtypes, graph
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_parameter_names_shapes_and_pytorch_initialisation(kind):
    G = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    for module in (LAYERS[kind](5, 16, rng=0), CELLS[kind](5, 16, rng=0)):
        names = [name for name, _ in module.named_parameters()]
        assert names == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        shapes = [p.shape for p in module.parameters()]
        assert shapes == [(5, G * 16), (16, G * 16), (G * 16,), (G * 16,)]
        values = np.concatenate([p.data.ravel() for p in module.parameters()])
        assert np.abs(values).max() <= 0.25 and np.abs(values).max() > 0.24   # 1/sqrt(16)
        assert abs(values.mean()) < 0.02
    no_bias = LAYERS[kind](5, 16, bias=False)
    assert no_bias.bias_ih is None and len(no_bias.parameters()) == 2


def test_rng_seed_makes_weights_repeatable():
    a, b = nn.LSTM(3, 4, rng=7), nn.LSTM(3, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight_hh.data, b.weight_hh.data)
    assert not np.array_equal(a.weight_hh.data, nn.LSTM(3, 4, rng=8).weight_hh.data)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_float32_layers_and_cells_work_in_float32(rng, kind):
    layer64 = LAYERS[kind](D, H, rng=1)
    layer32 = LAYERS[kind](D, H, rng=1, dtype=np.float32)
    x = rng.normal(size=(N, T, D))
    x32 = Tensor(x.astype(np.float32), requires_grad=True)
    results32, results64 = flat(layer32(x32)), flat(layer64(x))
    for r32, r64 in zip(results32, results64):
        assert r32.dtype == np.float32
        np.testing.assert_allclose(r32.data, r64.data, atol=1e-5)
    (results32[0].sum() + results32[1].sum()).backward()
    assert x32.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer32.parameters())
    cell = CELLS[kind](D, H, rng=1, dtype=np.float32)
    assert all(r.dtype == np.float32 for r in flat(cell(x32[:, 0])))


def test_no_graph_under_no_grad_and_no_input_gradient_for_data(rng):
    lstm = nn.LSTM(D, H, rng=rng)
    with no_grad():
        out, (h_n, c_n) = lstm(rng.normal(size=(N, T, D)))
    assert not out.requires_grad and not h_n.requires_grad and not c_n.requires_grad
    out, _ = lstm(rng.normal(size=(N, T, D)))
    out.sum().backward()                   # the data needs no gradient, the weights do
    assert all(p.grad is not None for p in lstm.parameters())


def test_output_is_every_step_and_h_n_is_the_last(rng):
    for kind, layer in LAYERS.items():
        out, h_n = flat(layer(D, H, rng=rng)(rng.normal(size=(N, T, D))))[:2]
        assert out.shape == (N, T, H) and h_n.shape == (N, H)
        np.testing.assert_array_equal(out.data[:, -1], h_n.data)


def test_learns_to_remember_the_first_input(rng):
    """An LSTM with a linear head learns to output the sign of the first step's input."""
    lstm, head = nn.LSTM(1, 8, rng=rng), nn.Linear(8, 2, rng=rng)
    lstm.bias_ih.data[8:16] = 1.0
    opt = optim.Adam(lstm.parameters() + head.parameters(), lr=0.05)
    x = rng.normal(size=(64, 6, 1))
    y = (x[:, 0, 0] > 0).astype(int)
    for _ in range(60):
        _, (h_n, _) = lstm(x)
        loss = losses.cross_entropy(head(h_n), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        accuracy = np.mean(head(lstm(x)[1][0]).data.argmax(axis=1) == y)
    assert accuracy > 0.95


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_wrong_input_rank_or_size(kind):
    layer = LAYERS[kind](4, 3)
    with pytest.raises(ValueError, match=r"x: .*expected input of shape \(N, T, 4\).*"
                                         r"got shape \(2, 4\).*Cell"):
        layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"shape \(N, T, 4\).*got shape \(2, 5, 3\)"):
        layer(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"T >= 1.*got shape \(2, 0, 4\)"):
        layer(np.zeros((2, 0, 4)))
    with pytest.raises(ValueError, match="x: expected finite values"):
        layer(np.full((2, 5, 4), np.nan))


def test_wrong_initial_state_shapes():
    rnn, lstm, x = nn.RNN(4, 3), nn.LSTM(4, 3), np.zeros((2, 5, 4))
    with pytest.raises(ValueError,
                       match=r"hx: expected h0 of shape \(N, H\) = \(2, 3\), got shape \(2, 4\)"):
        rnn(x, np.zeros((2, 4)))
    with pytest.raises(ValueError,
                       match=r"got shape \(1, 2, 3\) \(nnlib's layers .* drop the first axis\)"):
        nn.GRU(4, 3)(x, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match=r"hx: expected None or a pair \(h0, c0\)"):
        lstm(x, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"hx: expected c0 of shape \(N, H\) = \(2, 3\)"):
        lstm(x, (np.zeros((2, 3)), np.zeros((3, 3))))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="nonlinearity: expected 'tanh' or 'relu', got 'sigmoid'"):
        nn.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNNCell(2, 3, nonlinearity="Tanh")
    with pytest.raises(ValueError, match="hidden_size: expected a positive integer, got 0"):
        nn.LSTM(2, 0)
    with pytest.raises(ValueError, match="input_size"):
        nn.GRUCell(2.5, 3)
    with pytest.raises(ValueError, match="batch_first: expected True"):
        nn.LSTM(2, 3, batch_first=False)
    with pytest.raises(ValueError, match="num_layers: expected 1"):
        nn.GRU(2, 3, num_layers=2)
    with pytest.raises(ValueError, match="dtype: expected a float dtype"):
        nn.RNN(2, 3, dtype=np.int32)
    with pytest.raises(TypeError):
        nn.LSTM(2, 3, 1)       # PyTorch's third positional argument is num_layers


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_cell_errors(kind):
    cell = CELLS[kind](4, 3)
    with pytest.raises(ValueError, match=r"x: .*Cell\(4, 3\) expected input of shape \(N, 4\) "
                       r"\(one time step\), got shape \(2, 5, 4\) \(a whole sequence\? use "
                       + kind):
        cell(np.zeros((2, 5, 4)))
    state = (np.zeros((2, 2)), np.zeros((2, 3))) if kind == "LSTM" else np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"hx: expected h0? of shape \(N, H\) = \(2, 3\)"):
        cell(np.zeros((2, 4)), state)


def test_repr_names_the_configuration():
    assert repr(nn.RNN(2, 3, nonlinearity="relu")) == "RNN(2, 3, nonlinearity='relu')"
    assert repr(nn.LSTM(2, 3, bias=False)) == "LSTM(2, 3, bias=False)"
    assert repr(nn.GRUCell(2, 3)) == "GRUCell(2, 3)"
