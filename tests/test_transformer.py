"""Tests of nnlib.nn.transformer: the encoder layer and stack, positional encodings, the
causal mask."""
import numpy as np
import pytest

from nnlib import losses, nn, optim
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor

TOL = 1e-6
N, T, D, HEADS, FF = 2, 4, 4, 2, 6


def set_parameter(module, dotted, value):
    *path, name = dotted.split(".")
    for part in path:
        module = getattr(module, part)
    setattr(module, name, value)


def randomise(module, rng):
    """Random biases and layer-norm gains, so that no gradient is trivially simple."""
    for name, p in module.named_parameters():
        if name.endswith("bias") or "norm" in name:
            p.data[...] = rng.normal(size=p.shape) * 0.5 + ("weight" in name)
    return module


def manual_layer(layer, x, mask=None):
    """The encoder layer written with its sub-modules, PyTorch's formulas."""
    def attention(y):
        return layer.self_attn(y, y, y, attn_mask=mask)[0].data

    def feedforward(y):
        return layer.linear2(layer.linear1(y).relu()).data

    if layer.norm_first:
        x = x + attention(layer.norm1(x).data)
        return x + feedforward(layer.norm2(x).data)
    x = layer.norm1(x + attention(x)).data
    return layer.norm2(x + feedforward(x)).data


# ---------------------------------------------------------------------------------------
# TransformerEncoderLayer
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_encoder_layer_follows_the_formulas(rng, norm_first, masked):
    layer = randomise(nn.TransformerEncoderLayer(D, HEADS, FF, norm_first=norm_first,
                                                 rng=rng), rng)
    x = rng.normal(size=(N, T, D))
    mask = nn.generate_square_subsequent_mask(T) if masked else None
    out = layer(x, src_mask=mask)
    assert out.shape == (N, T, D)
    np.testing.assert_allclose(out.data, manual_layer(layer, x, mask), rtol=1e-12, atol=1e-14)


def test_encoder_layer_submodules_and_defaults(rng):
    layer = nn.TransformerEncoderLayer(8, 2, rng=rng)
    assert isinstance(layer.self_attn, nn.MultiheadAttention)
    assert layer.linear1.weight.shape == (8, 2048) and layer.linear2.weight.shape == (2048, 8)
    assert isinstance(layer.norm1, nn.LayerNorm) and isinstance(layer.norm2, nn.LayerNorm)
    assert layer.norm_first is False
    assert all(isinstance(getattr(layer, d), nn.Dropout) and getattr(layer, d).p == 0
               for d in ("dropout", "dropout1", "dropout2"))
    names = [name for name, _ in layer.named_parameters()]
    assert names[:2] == ["self_attn.q_proj.weight", "self_attn.q_proj.bias"]
    assert "linear1.weight" in names and "norm2.bias" in names and len(names) == 16


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradient_of_input(rng, norm_first):
    layer = randomise(nn.TransformerEncoderLayer(D, HEADS, FF, norm_first=norm_first,
                                                 rng=rng), rng)
    coefficients = Tensor(rng.normal(size=(N, T, D)))
    mask = nn.generate_square_subsequent_mask(T)
    assert gradcheck(lambda x: layer(x, src_mask=mask) * coefficients,
                     rng.normal(size=(N, T, D))) < TOL


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradient_of_every_parameter(rng, norm_first):
    layer = randomise(nn.TransformerEncoderLayer(D, HEADS, FF, norm_first=norm_first,
                                                 rng=rng), rng)
    x = rng.normal(size=(N, T, D))
    coefficients = Tensor(rng.normal(size=(N, T, D)))
    # the key bias cannot change a softmax over keys: its gradient is 0 (test_attention)
    named = [(n, p) for n, p in layer.named_parameters() if n != "self_attn.k_proj.bias"]

    def fn(*params):
        for (name, _), p in zip(named, params):
            set_parameter(layer, name, p)
        return layer(x, src_key_padding_mask=np.array([[0, 0, 0, 1], [0, 0, 0, 0]], bool)
                     ) * coefficients

    assert gradcheck(fn, *[p for _, p in named]) < TOL


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_fused_layer_equals_its_submodules(rng, norm_first, bias):
    """The standard layer is one graph node; with a ReLU *module* as activation it calls
    its sub-modules one by one: same outputs and gradients."""
    fused = randomise(nn.TransformerEncoderLayer(D, HEADS, FF, norm_first=norm_first,
                                                 bias=bias, rng=0), rng)
    separate = nn.TransformerEncoderLayer(D, HEADS, FF, norm_first=norm_first, bias=bias,
                                          activation=nn.ReLU(), rng=0)
    separate.load_state_dict(fused.state_dict())
    assert fused._fusable() and not separate._fusable()
    x, g = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, D))
    padding = np.array([[False] * (T - 1) + [True], [False] * T])
    results = []
    for layer in (fused, separate):
        x_t = Tensor(x, requires_grad=True)
        out = layer(x_t, src_mask=nn.generate_square_subsequent_mask(T),
                    src_key_padding_mask=padding)
        out.backward(g)
        results.append([out.data, x_t.grad] + [p.grad for p in layer.parameters()])
    assert len(results[0]) == len(fused.parameters()) + 2
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("norm_first", [False, True])
def test_parameter_gradients_without_input_gradient(rng, norm_first):
    """Data straight into the layer (no gradient wanted for it): same parameter grads."""
    layer = randomise(nn.TransformerEncoderLayer(D, HEADS, FF, norm_first=norm_first,
                                                 rng=rng), rng)
    x, g = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, D))
    layer(Tensor(x, requires_grad=True)).backward(g)
    expected = [p.grad.copy() for p in layer.parameters()]
    layer.zero_grad()
    layer(x).backward(g)
    for p, grad in zip(layer.parameters(), expected):
        np.testing.assert_allclose(p.grad, grad, rtol=1e-12)


def test_feedforward_gradient_without_biases(rng):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, bias=False, rng=rng)
    assert layer.linear1.bias is None and layer.norm1.bias is None
    coefficients = Tensor(rng.normal(size=(N, T, D)))

    def fn(x, w1, w2):
        layer.linear1.weight, layer.linear2.weight = w1, w2
        return layer(x) * coefficients

    assert gradcheck(fn, rng.normal(size=(N, T, D)), layer.linear1.weight,
                     layer.linear2.weight) < TOL


def test_causal_mask_hides_the_future(rng):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, rng=rng)
    x = rng.normal(size=(N, T, D))
    changed = x.copy()
    changed[:, 2:] += rng.normal(size=(N, T - 2, D))            # change positions 2, 3
    mask = nn.generate_square_subsequent_mask(T)
    before, after = layer(x, src_mask=mask).data, layer(changed, src_mask=mask).data
    np.testing.assert_allclose(after[:, :2], before[:, :2], rtol=1e-12)
    assert not np.allclose(after[:, 2:], before[:, 2:])
    np.testing.assert_array_equal(layer(x, is_causal=True).data, before)
    unmasked = layer(changed).data
    assert not np.allclose(unmasked[:, :2], before[:, :2])     # without it the past changes


def test_encoder_layer_is_permutation_equivariant_without_positions(rng):
    layer = randomise(nn.TransformerEncoderLayer(D, HEADS, FF, rng=rng), rng)
    x = rng.normal(size=(N, T, D))
    order = np.array([2, 0, 3, 1])
    np.testing.assert_allclose(layer(x[:, order]).data, layer(x).data[:, order], rtol=1e-12)


def test_encoder_layer_dropout_only_in_training(rng):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.3, rng=rng)
    assert layer.dropout.p == layer.dropout1.p == layer.self_attn.dropout == 0.3
    x = rng.normal(size=(N, T, D))
    assert not np.allclose(layer(x).data, layer(x).data)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, layer(x).data)


def test_encoder_layer_float32(rng):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, rng=0, dtype=np.float32)
    layer64 = nn.TransformerEncoderLayer(D, HEADS, FF, rng=0)
    x64 = rng.normal(size=(N, T, D))
    x = Tensor(x64.astype(np.float32), requires_grad=True)
    out = layer(x)
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert out.dtype == x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())
    np.testing.assert_allclose(out.data, layer64(x64).data, atol=1e-4)


def test_encoder_layer_custom_activation(rng):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, activation=nn.Tanh(), rng=rng)
    x = rng.normal(size=(N, T, D))
    hidden = np.tanh(layer.linear1(x).data)
    y = layer.norm1(x + layer.self_attn(x, x, x)[0].data).data
    expected = layer.norm2(y + layer.linear2(np.tanh(layer.linear1(y).data)).data).data
    assert hidden.shape == (N, T, FF)
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)


@pytest.mark.parametrize("shape, kwargs, match", [
    ((N, T, D + 1), {}, r"src: TransformerEncoderLayer\(d_model=4\) expected shape \(N, T, 4\)"),
    ((T, D), {}, "src: .* expected shape"),
    ((N, T, D), {"src_mask": np.zeros((T, T + 1), bool)}, "attn_mask: expected shape"),
    ((N, T, D), {"src_key_padding_mask": np.zeros((N, T + 1), bool)}, "key_padding_mask"),
])
def test_encoder_layer_rejects_bad_input(rng, shape, kwargs, match):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    with pytest.raises(ValueError, match=match):
        layer(rng.normal(size=shape), **kwargs)


@pytest.mark.parametrize("args, kwargs, match", [
    ((D, 3), {}, "num_heads: expected a divisor of embed_dim=4, got 3"),
    ((D, HEADS, 0), {}, "dim_feedforward"), ((D, HEADS), {"dropout": 1}, "dropout"),
    ((D, HEADS), {"activation": "gelu"}, "activation"),
    ((D, HEADS), {"layer_norm_eps": -1}, "layer_norm_eps"),
    ((D, HEADS), {"batch_first": False}, "batch_first"),
])
def test_encoder_layer_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.TransformerEncoderLayer(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# TransformerEncoder
# ---------------------------------------------------------------------------------------
def test_encoder_copies_a_layer_as_pytorch(rng):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, rng=rng)
    encoder = nn.TransformerEncoder(layer, num_layers=3)
    assert len(encoder.layers) == 3 and encoder.layers[0] is not layer
    first, second = encoder.layers[0], encoder.layers[1]
    np.testing.assert_array_equal(first.linear1.weight.data, second.linear1.weight.data)
    assert first.linear1.weight is not second.linear1.weight
    assert len(encoder.parameters()) == 3 * len(layer.parameters())
    assert encoder.named_parameters()[0][0] == "layers.0.self_attn.q_proj.weight"
    x = rng.normal(size=(N, T, D))
    mask = nn.generate_square_subsequent_mask(T)
    expected = x
    for each in encoder.layers:
        expected = each(expected, src_mask=mask).data
    np.testing.assert_allclose(encoder(x, mask=mask).data, expected)


def test_encoder_from_a_factory_and_a_final_norm(rng):
    encoder = nn.TransformerEncoder(
        lambda: nn.TransformerEncoderLayer(D, HEADS, FF, norm_first=True, rng=rng), 2,
        norm=nn.LayerNorm(D))
    assert not np.array_equal(encoder.layers[0].linear1.weight.data,
                              encoder.layers[1].linear1.weight.data)
    out = encoder(rng.normal(size=(N, T, D))).data
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-12)       # the final LayerNorm


def test_encoder_copies_draw_their_own_dropout_masks(rng):
    layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.5, rng=rng)
    encoder = nn.TransformerEncoder(layer, num_layers=2)
    a, b = encoder.layers
    assert a.dropout.rng is not b.dropout.rng
    assert a.dropout.rng.random() != b.dropout.rng.random()


def test_encoder_gradient(rng):
    encoder = nn.TransformerEncoder(
        lambda: randomise(nn.TransformerEncoderLayer(D, HEADS, FF, rng=rng), rng), 2)
    coefficients = Tensor(rng.normal(size=(N, T, D)))
    assert gradcheck(lambda x: encoder(x, is_causal=True) * coefficients,
                     rng.normal(size=(N, T, D))) < TOL


@pytest.mark.parametrize("args, match", [((None, 2), "encoder_layer"),
                                         ((lambda: 3, 2), "encoder_layer"),
                                         ((nn.Linear(2, 2), 0), "num_layers")])
def test_encoder_rejects_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        nn.TransformerEncoder(*args)


def test_tiny_transformer_learns_to_reverse_sequences():
    """Embedding + positions + one encoder layer + a linear head, trained with Adam."""
    rng = np.random.default_rng(0)
    vocab, length, d = 5, 5, 16
    emb = nn.Embedding(vocab, d, rng=rng)
    positions = nn.PositionalEncoding(d, max_len=length)
    encoder = nn.TransformerEncoderLayer(d, 2, 32, rng=rng)
    head = nn.Linear(d, vocab, rng=rng)
    params = emb.parameters() + encoder.parameters() + head.parameters()
    opt = optim.Adam(params, lr=0.01)
    for step in range(150):
        ids = rng.integers(0, vocab, size=(32, length))
        logits = head(encoder(positions(emb(ids))))
        loss = losses.cross_entropy(logits.reshape(-1, vocab), ids[:, ::-1].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step == 0:
            first = loss.item()
    ids = rng.integers(0, vocab, size=(200, length))
    predicted = head(encoder(positions(emb(ids)))).data.argmax(-1)
    assert first > 1.4 and loss.item() < 0.2
    assert np.mean(predicted == ids[:, ::-1]) > 0.95


# ---------------------------------------------------------------------------------------
# masks and positional encodings
# ---------------------------------------------------------------------------------------
def test_generate_square_subsequent_mask():
    mask = nn.generate_square_subsequent_mask(3)
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, [[False, True, True], [False, False, True],
                                         [False, False, False]])
    with pytest.raises(ValueError, match="size: expected a positive integer"):
        nn.generate_square_subsequent_mask(0)


def test_sinusoidal_positional_encoding_values():
    pe = nn.sinusoidal_positional_encoding(50, 6)
    assert pe.shape == (50, 6) and pe.dtype == np.float64
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1, 0, 1])
    t = np.arange(50)
    for i in range(3):                      # column pair i turns at 1 / 10000**(2i / 6)
        angle = t / 10000 ** (2 * i / 6)
        np.testing.assert_allclose(pe[:, 2 * i], np.sin(angle), atol=1e-12)
        np.testing.assert_allclose(pe[:, 2 * i + 1], np.cos(angle), atol=1e-12)
    odd = nn.sinusoidal_positional_encoding(10, 5, dtype=np.float32)
    assert odd.shape == (10, 5) and odd.dtype == np.float32
    np.testing.assert_allclose(odd[:, :2], pe[:10, :2], atol=1e-6)   # sin t, cos t
    np.testing.assert_allclose(odd[:, 4], np.sin(np.arange(10) / 10000 ** (4 / 5)), atol=1e-6)
    with pytest.raises(ValueError, match="d_model"):
        nn.sinusoidal_positional_encoding(5, 0)


def test_positional_encoding_module(rng):
    module = nn.PositionalEncoding(6, max_len=10)
    x = Tensor(rng.normal(size=(2, 7, 6)), requires_grad=True)
    out = module(x)
    np.testing.assert_allclose(out.data, x.data + nn.sinusoidal_positional_encoding(7, 6))
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad, 1)
    assert module.parameters() == [] and list(module.state_dict()) == ["pe"]
    with pytest.raises(ValueError, match=r"x: PositionalEncoding\(d_model=6, max_len=10\)"):
        module(rng.normal(size=(2, 11, 6)))
    with pytest.raises(ValueError, match="expected shape"):
        module(rng.normal(size=(2, 5, 4)))
