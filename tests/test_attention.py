"""Tests of nnlib.nn.attention: scaled_dot_product_attention and MultiheadAttention."""
import numpy as np
import pytest

from nnlib import nn
from nnlib.numerical import gradcheck
from nnlib.tensor import Tensor

TOL = 1e-6
N, L, S, E, HEADS = 2, 3, 4, 6, 2


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def reference_attention(q, k, v, blocked=None):
    """One (L, d) query block against (S, d) keys, written out plainly."""
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if blocked is not None:
        scores = np.where(blocked, -np.inf, scores)
    weights = softmax(scores)
    return weights @ v, weights


def reference_mha(mha, query, key, value, blocked=None):
    """Multi-head attention with a Python loop over examples and heads."""
    def project(x, layer):
        return x @ layer.weight.data + layer.bias.data
    q, k, v = project(query, mha.q_proj), project(key, mha.k_proj), project(value, mha.v_proj)
    d = mha.head_dim
    out = np.zeros(q.shape)
    weights = np.zeros((len(query), mha.num_heads, query.shape[1], key.shape[1]))
    for n in range(len(query)):
        for h in range(mha.num_heads):
            cols = slice(h * d, (h + 1) * d)
            out[n, :, cols], weights[n, h] = reference_attention(q[n, :, cols], k[n, :, cols],
                                                                 v[n, :, cols], blocked)
    return project(out, mha.out_proj), weights


def randomise_biases(mha, rng):
    for layer in (mha.q_proj, mha.k_proj, mha.v_proj, mha.out_proj):
        layer.bias.data[:] = rng.normal(size=layer.bias.shape)
    return mha


def qkv(rng, n=N, length=L, source=S, e=E):
    return (rng.normal(size=(n, length, e)), rng.normal(size=(n, source, e)),
            rng.normal(size=(n, source, e)))


# ---------------------------------------------------------------------------------------
# scaled_dot_product_attention
# ---------------------------------------------------------------------------------------
def test_sdpa_matches_the_formula(rng):
    q, k, v = rng.normal(size=(L, 5)), rng.normal(size=(S, 5)), rng.normal(size=(S, 3))
    out, weights = nn.scaled_dot_product_attention(q, k, v, need_weights=True)
    expected_out, expected_weights = reference_attention(q, k, v)
    np.testing.assert_allclose(out.data, expected_out, rtol=1e-12)
    np.testing.assert_allclose(weights.data, expected_weights, rtol=1e-12)
    np.testing.assert_allclose(weights.data.sum(-1), 1)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_sdpa_gradient_of_each_input(rng, which):
    inputs = [rng.normal(size=(2, L, 5)), rng.normal(size=(2, S, 5)), rng.normal(size=(2, S, 3))]
    mask = rng.random((L, S)) < 0.7
    mask[:, 0] = True
    coefficients = Tensor(rng.normal(size=(2, L, 3)))

    def fn(x):
        args = list(inputs)
        args[which] = x
        return nn.scaled_dot_product_attention(*args, attn_mask=mask) * coefficients

    assert gradcheck(fn, inputs[which]) < TOL


def test_sdpa_gradient_with_broadcast_batch_dimensions(rng):
    q, k, v = rng.normal(size=(2, 3, L, 4)), rng.normal(size=(1, 3, S, 4)), rng.normal(size=(S, 4))
    coefficients = Tensor(rng.normal(size=(2, 3, L, 4)))

    def fn(q, k, v):
        return nn.scaled_dot_product_attention(q, k, v) * coefficients

    assert gradcheck(fn, q, k, v) < TOL


def test_sdpa_weights_are_differentiable(rng):
    q, k, v = rng.normal(size=(L, 4)), rng.normal(size=(S, 4)), rng.normal(size=(S, 2))
    coefficients = Tensor(rng.normal(size=(L, S)))

    def fn(q, k):
        return nn.scaled_dot_product_attention(q, k, v, need_weights=True)[1] * coefficients

    assert gradcheck(fn, q, k) < TOL


def test_sdpa_boolean_mask_follows_pytorch_true_means_attend(rng):
    q, k, v = rng.normal(size=(L, 4)), rng.normal(size=(S, 4)), rng.normal(size=(S, 2))
    allowed = np.ones((L, S), dtype=bool)
    allowed[:, 2] = False                                     # nobody may look at key 2
    q_t, k_t, v_t = (Tensor(a, requires_grad=True) for a in (q, k, v))
    out, weights = nn.scaled_dot_product_attention(q_t, k_t, v_t, attn_mask=allowed,
                                                   need_weights=True)
    assert np.all(weights.data[:, 2] == 0)
    out.backward(rng.normal(size=out.shape))
    assert np.all(k_t.grad[2] == 0) and np.all(v_t.grad[2] == 0)
    assert np.all(k_t.grad[[0, 1, 3]] != 0)
    float_mask = np.where(allowed, 0.0, -np.inf)
    np.testing.assert_allclose(nn.scaled_dot_product_attention(q, k, v, float_mask).data,
                               out.data)


def test_sdpa_is_causal_and_float_mask(rng):
    q, k, v = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    causal = ~nn.generate_square_subsequent_mask(4)
    np.testing.assert_allclose(nn.scaled_dot_product_attention(q, k, v, is_causal=True).data,
                               nn.scaled_dot_product_attention(q, k, v, attn_mask=causal).data)
    bias = rng.normal(size=(4, 4))
    expected = softmax(q @ k.transpose(0, 2, 1) / np.sqrt(3) + bias) @ v
    np.testing.assert_allclose(nn.scaled_dot_product_attention(q, k, v, bias).data, expected)
    expected = softmax(q @ k.transpose(0, 2, 1) * 0.25) @ v
    np.testing.assert_allclose(nn.scaled_dot_product_attention(q, k, v, scale=0.25).data,
                               expected)


def test_sdpa_dropout_is_seeded_and_rescales(rng):
    q, k, v = rng.normal(size=(50, 6, 4)), rng.normal(size=(50, 6, 4)), np.ones((50, 6, 1))
    out = nn.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=3).data
    again = nn.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=3).data
    np.testing.assert_array_equal(out, again)
    assert abs(out.mean() - 1) < 0.05 and out.std() > 0.1   # weights kept are doubled
    generator = np.random.default_rng(3)
    first = nn.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=generator).data
    second = nn.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=generator).data
    assert not np.array_equal(first, second)
    with pytest.raises(ValueError, match="rng: expected a numpy Generator when dropout_p > 0"):
        nn.scaled_dot_product_attention(q, k, v, dropout_p=0.5)


@pytest.mark.parametrize("args, kwargs, match", [
    (((3, 4), (5, 3), (5, 2)), {}, "query, key: expected the same last dimension"),
    (((3, 4), (5, 4), (6, 2)), {}, "key, value: expected the same number"),
    (((4,), (5, 4), (5, 2)), {}, "query: expected at least 2 dimensions"),
    (((3, 4), (5, 4), (5, 2)), {"attn_mask": np.ones((3, 4), bool)},
     "attn_mask: expected a shape"),
    (((3, 4), (5, 4), (5, 2)), {"attn_mask": np.ones((3, 5), int)},
     "attn_mask: expected a boolean or float"),
    (((3, 4), (5, 4), (5, 2)), {"attn_mask": np.ones((3, 5), bool), "is_causal": True},
     "attn_mask: expected None"),
    (((2, 3, 4), (3, 5, 4), (5, 2)), {}, "expected leading dimensions that broadcast"),
    (((3, 4), (5, 4), (5, 2)), {"dropout_p": 1.0}, "dropout"),
])
def test_sdpa_errors(rng, args, kwargs, match):
    arrays = [rng.normal(size=shape) for shape in args]
    with pytest.raises(ValueError, match=match):
        nn.scaled_dot_product_attention(*arrays, **kwargs)


# ---------------------------------------------------------------------------------------
# MultiheadAttention: values
# ---------------------------------------------------------------------------------------
def test_mha_matches_a_loop_over_heads(rng):
    mha = randomise_biases(nn.MultiheadAttention(E, HEADS, rng=rng), rng)
    query, key, value = qkv(rng)
    out, weights = mha(query, key, value)
    expected_out, expected_weights = reference_mha(mha, query, key, value)
    assert out.shape == (N, L, E) and weights.shape == (N, L, S)
    np.testing.assert_allclose(out.data, expected_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(weights.data, expected_weights.mean(axis=1), rtol=1e-12)
    _, per_head = mha(query, key, value, average_attn_weights=False)
    np.testing.assert_allclose(per_head.data, expected_weights, rtol=1e-12)
    np.testing.assert_allclose(per_head.data.mean(axis=1), weights.data)
    np.testing.assert_allclose(weights.data.sum(-1), 1)


def test_mha_layout_and_parameters(rng):
    mha = nn.MultiheadAttention(E, HEADS, rng=rng)
    names = [name for name, _ in mha.named_parameters()]
    assert names == [f"{p}.{w}" for p in ("q_proj", "k_proj", "v_proj", "out_proj")
                     for w in ("weight", "bias")]
    assert all(isinstance(getattr(mha, p), nn.Linear) for p in ("q_proj", "out_proj"))
    assert mha.q_proj.weight.shape == (E, E) and mha.head_dim == E // HEADS
    assert nn.MultiheadAttention(E, HEADS, bias=False).parameters()[1].shape == (E, E)
    kv = nn.MultiheadAttention(E, HEADS, kdim=5, vdim=3)
    assert kv.k_proj.weight.shape == (5, E) and kv.v_proj.weight.shape == (3, E)
    out, weights = kv(rng.normal(size=(N, L, E)), rng.normal(size=(N, S, 5)),
                      rng.normal(size=(N, S, 3)))
    assert out.shape == (N, L, E) and weights.shape == (N, L, S)


def test_mha_need_weights_false_returns_none(rng):
    mha = nn.MultiheadAttention(E, HEADS, rng=rng)
    x = rng.normal(size=(N, L, E))
    out, weights = mha(x, x, x, need_weights=False)
    assert weights is None
    np.testing.assert_array_equal(out.data, mha(x, x, x)[0].data)


def test_mha_boolean_mask_blocks_where_true(rng):
    mha = randomise_biases(nn.MultiheadAttention(E, HEADS, rng=rng), rng)
    query, key, value = qkv(rng)
    blocked = np.zeros((L, S), dtype=bool)
    blocked[:, 1] = True                                      # key 1 is hidden from everyone
    blocked[0, 3] = True
    out, weights = mha(query, key, value, attn_mask=blocked, average_attn_weights=False)
    expected_out, expected_weights = reference_mha(mha, query, key, value, blocked)
    np.testing.assert_allclose(out.data, expected_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(weights.data, expected_weights, rtol=1e-12)
    assert np.all(weights.data[..., 1] == 0) and np.all(weights.data[:, :, 0, 3] == 0)


def test_mha_masked_key_gets_zero_gradient(rng):
    mha = nn.MultiheadAttention(E, HEADS, rng=rng)
    query, key, value = (Tensor(a, requires_grad=True) for a in qkv(rng))
    blocked = np.zeros((L, S), dtype=bool)
    blocked[:, 2] = True
    out, _ = mha(query, key, value, attn_mask=blocked)
    out.backward(rng.normal(size=out.shape))
    assert np.all(key.grad[:, 2] == 0) and np.all(value.grad[:, 2] == 0)
    assert np.all(key.grad[:, [0, 1, 3]] != 0) and np.all(value.grad[:, [0, 1, 3]] != 0)


def test_mha_float_mask_and_per_head_mask(rng):
    mha = nn.MultiheadAttention(E, HEADS, rng=rng)
    query, key, value = qkv(rng)
    blocked = rng.random((L, S)) < 0.4
    blocked[:, 0] = False
    as_float = np.where(blocked, -np.inf, 0.0)
    np.testing.assert_allclose(mha(query, key, value, attn_mask=as_float)[0].data,
                               mha(query, key, value, attn_mask=blocked)[0].data)
    per_head = np.broadcast_to(blocked, (N * HEADS, L, S))
    np.testing.assert_allclose(mha(query, key, value, attn_mask=per_head)[0].data,
                               mha(query, key, value, attn_mask=blocked)[0].data)
    head_specific = np.zeros((N * HEADS, L, S), dtype=bool)
    head_specific[1::HEADS, :, 0] = True                      # head 1 of every example
    _, weights = mha(query, key, value, attn_mask=head_specific, average_attn_weights=False)
    assert np.all(weights.data[:, 1, :, 0] == 0) and np.all(weights.data[:, 0, :, 0] > 0)


def test_mha_key_padding_mask(rng):
    mha = nn.MultiheadAttention(E, HEADS, rng=rng)
    query, key, value = qkv(rng)
    padding = np.zeros((N, S), dtype=bool)
    padding[1, 2:] = True                                     # example 1 has 2 real keys
    out, weights = mha(query, key, value, key_padding_mask=padding)
    assert np.all(weights.data[1, :, 2:] == 0) and np.all(weights.data[0] > 0)
    short, _ = mha(query[1:], key[1:, :2], value[1:, :2])
    np.testing.assert_allclose(out.data[1:], short.data, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# MultiheadAttention: gradients
# ---------------------------------------------------------------------------------------
PARAMETERS = [f"{p}.{w}" for p in ("q_proj", "k_proj", "v_proj", "out_proj")
              for w in ("weight", "bias")]


def set_parameter(module, dotted, value):
    *path, name = dotted.split(".")
    for part in path:
        module = getattr(module, part)
    setattr(module, name, value)


def get_parameter(module, dotted):
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


@pytest.mark.parametrize("which", ["query", "key", "value"])
@pytest.mark.parametrize("masked", [False, True])
def test_mha_gradient_of_each_input(rng, which, masked):
    mha = randomise_biases(nn.MultiheadAttention(E, HEADS, rng=rng), rng)
    inputs = dict(zip(("query", "key", "value"), qkv(rng)))
    mask = nn.generate_square_subsequent_mask(max(L, S))[:L, :S] if masked else None
    coefficients = Tensor(rng.normal(size=(N, L, E)))

    def fn(x):
        args = dict(inputs, **{which: x})
        return mha(**args, attn_mask=mask, need_weights=False)[0] * coefficients

    assert gradcheck(fn, inputs[which]) < TOL


def test_mha_gradient_of_every_parameter(rng):
    mha = randomise_biases(nn.MultiheadAttention(E, HEADS, rng=rng), rng)
    query, key, value = qkv(rng)
    padding = np.zeros((N, S), dtype=bool)
    padding[0, -1] = True
    coefficients = Tensor(rng.normal(size=(N, L, E)))
    # k_proj.bias adds the same q.b to every score of a query: the softmax ignores it, so
    # its gradient is 0 and a relative error would compare rounding noise (checked below).
    names = [name for name in PARAMETERS if name != "k_proj.bias"]

    def fn(*params):
        for name, p in zip(names, params):
            set_parameter(mha, name, p)
        return mha(query, key, value, key_padding_mask=padding)[0] * coefficients

    assert gradcheck(fn, *[get_parameter(mha, name) for name in names]) < TOL
    mha.zero_grad()
    fn(*[get_parameter(mha, name) for name in names]).sum().backward()
    np.testing.assert_allclose(mha.k_proj.bias.grad, 0, atol=1e-12)
    assert np.abs(mha.q_proj.bias.grad).max() > 0.1


def test_mha_self_attention_gradient_sums_three_paths(rng):
    mha = randomise_biases(nn.MultiheadAttention(E, 3, rng=rng), rng)
    coefficients = Tensor(rng.normal(size=(N, L, E)))

    def fn(x):
        return mha(x, x, x)[0] * coefficients

    assert gradcheck(fn, rng.normal(size=(N, L, E))) < TOL


@pytest.mark.parametrize("bias", [True, False])
def test_mha_packed_self_attention_equals_three_separate_inputs(rng, bias):
    """mha(x, x, x) with one object takes a packed (E, 3E) product: same numbers."""
    mha = nn.MultiheadAttention(E, HEADS, bias=bias, rng=rng)
    if bias:
        randomise_biases(mha, rng)
    x = rng.normal(size=(N, L, E))
    g_out, g_weights = rng.normal(size=(N, L, E)), rng.normal(size=(N, L, L))
    mask = nn.generate_square_subsequent_mask(L)
    results = []
    for packed in (True, False):
        mha.zero_grad()
        inputs = [Tensor(x, requires_grad=True)] * 3 if packed else [
            Tensor(x, requires_grad=True) for _ in range(3)]
        out, weights = mha(*inputs, attn_mask=mask)
        ((out * Tensor(g_out)).sum() + (weights * Tensor(g_weights)).sum()).backward()
        x_grad = sum(t.grad for t in inputs[:1 if packed else 3])
        results.append([out.data, weights.data, x_grad]
                       + [p.grad for p in mha.parameters()])
    for packed, separate in zip(*results):
        np.testing.assert_allclose(packed, separate, rtol=1e-10, atol=1e-13)


def test_mha_packed_self_attention_weights_gradient(rng):
    mha = randomise_biases(nn.MultiheadAttention(E, HEADS, rng=rng), rng)
    coefficients = Tensor(rng.normal(size=(N, L, L)))

    def fn(x, q_weight, v_weight):
        mha.q_proj.weight, mha.v_proj.weight = q_weight, v_weight
        return mha(x, x, x)[1] * coefficients

    assert gradcheck(fn, rng.normal(size=(N, L, E)), mha.q_proj.weight,
                     mha.v_proj.weight) < TOL


def test_mha_weights_are_differentiable(rng):
    mha = nn.MultiheadAttention(E, HEADS, rng=rng)
    _, key, value = qkv(rng)
    coefficients = Tensor(rng.normal(size=(N, L, S)))

    def fn(query, k_weight):
        mha.k_proj.weight = k_weight
        return mha(query, key, value)[1] * coefficients

    assert gradcheck(fn, rng.normal(size=(N, L, E)), mha.k_proj.weight) < TOL


# ---------------------------------------------------------------------------------------
# MultiheadAttention: dropout, dtype, errors
# ---------------------------------------------------------------------------------------
def test_mha_dropout_only_in_training(rng):
    mha = nn.MultiheadAttention(E, HEADS, dropout=0.5, rng=rng)
    x = rng.normal(size=(N, L, E))
    a, b = mha(x, x, x)[1].data, mha(x, x, x)[1].data
    assert not np.allclose(a, b)                              # fresh masks each call
    mha.eval()
    a, b = mha(x, x, x)[1].data, mha(x, x, x)[1].data
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a.sum(-1), 1)


def test_mha_float32(rng):
    mha = nn.MultiheadAttention(E, HEADS, rng=0, dtype=np.float32)
    mha64 = nn.MultiheadAttention(E, HEADS, rng=0)
    x64 = rng.normal(size=(N, L, E))
    x = Tensor(x64.astype(np.float32), requires_grad=True)
    out, weights = mha(x, x, x)
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert out.dtype == weights.dtype == x.grad.dtype == np.float32
    assert mha.q_proj.weight.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, mha64(x64, x64, x64)[0].data, atol=1e-5)


@pytest.mark.parametrize("shapes, match", [
    (((N, L), (N, S, E), (N, S, E)),
     r"query: MultiheadAttention\(embed_dim=6\) expected shape \(N, L, 6\)"),
    (((N, L, E, 1), (N, S, E), (N, S, E)), "query: .* expected shape"),
    (((N, L, 4), (N, S, E), (N, S, E)),
     r"query: .* expected shape \(N, L, 6\), got shape \(2, 3, 4\)"),
    (((N, L, E), (N, S, 5), (N, S, E)), r"key: .* expected shape \(N, S, 6\)"),
    (((N, L, E), (N, S, E), (N, S)), r"value: .* expected shape \(N, S, 6\)"),
    (((N, L, E), (N + 1, S, E), (N + 1, S, E)), "query, key, value: expected the same batch size"),
    (((N, L, E), (N, S, E), (N, S + 1, E)), "key, value: expected the same sequence length"),
])
def test_mha_rejects_wrong_input_shapes(rng, shapes, match):
    mha = nn.MultiheadAttention(E, HEADS)
    with pytest.raises(ValueError, match=match):
        mha(*[rng.normal(size=shape) for shape in shapes])


@pytest.mark.parametrize("kwargs, match", [
    ({"attn_mask": np.zeros((S, L), bool)},
     r"attn_mask: expected shape \(L, S\) = \(3, 4\) or \(N \* num_heads, L, S\) = "
     r"\(4, 3, 4\), got shape \(4, 3\)"),
    ({"attn_mask": np.zeros((N, L, S), bool)}, "attn_mask: expected shape"),
    ({"attn_mask": np.zeros((L, S), int)},
     "attn_mask: expected a boolean or float mask, got dtype int64"),
    ({"attn_mask": np.full((L, S), np.nan)}, "attn_mask: expected no NaN"),
    ({"key_padding_mask": np.zeros((N, L), bool)},
     r"key_padding_mask: expected shape \(N, S\) = \(2, 4\)"),
])
def test_mha_rejects_bad_masks(rng, kwargs, match):
    mha = nn.MultiheadAttention(E, HEADS)
    with pytest.raises(ValueError, match=match):
        mha(*qkv(rng), **kwargs)


@pytest.mark.parametrize("args, kwargs, match", [
    ((6, 4), {}, "num_heads: expected a divisor of embed_dim=6, got 4"),
    ((0, 1), {}, "embed_dim"), ((6, 0), {}, "num_heads"),
    ((6, 2), {"dropout": -0.1}, "dropout"), ((6, 2), {"batch_first": False}, "batch_first"),
    ((6, 2), {"dtype": np.int32}, "dtype"), ((6, 2), {"kdim": 0}, "kdim"),
])
def test_mha_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.MultiheadAttention(*args, **kwargs)
