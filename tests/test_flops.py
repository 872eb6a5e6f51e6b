"""nnlib.flops (chapter 16): multiply-add counts against counts worked out by hand."""
import numpy as np
import pytest

from nnlib import flops, nn


def test_linear_forward_and_training_step_by_hand():
    # 32 rows x 64 inputs x 256 outputs; the first layer's backward only needs dW
    (cost,) = flops.count_macs(nn.Linear(64, 256, rng=0), (32, 64))
    assert cost.forward == 32 * 64 * 256 == 524_288
    assert cost.backward == cost.forward
    assert cost.train == 1_048_576
    assert cost.params == 64 * 256 + 256
    assert cost.out_shape == (32, 256)


def test_mlp_later_layers_pay_twice_backward():
    model = nn.Sequential(nn.Linear(64, 256, rng=0), nn.ReLU(), nn.Linear(256, 128, rng=0),
                          nn.ReLU(), nn.Linear(128, 10, rng=0))
    costs = flops.count_macs(model, (32, 64))
    assert [c.forward for c in costs] == [32 * 64 * 256, 32 * 256 * 128, 32 * 128 * 10]
    assert [c.backward for c in costs] == [32 * 64 * 256, 2 * 32 * 256 * 128,
                                           2 * 32 * 128 * 10]
    assert flops.total(costs, "forward") == 1_613_824
    assert flops.total(costs) == 1_613_824 + 2_703_360
    assert sum(c.params for c in costs) == 50_826


def test_conv_pool_flatten_by_hand():
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(128, 10, rng=0))
    c1, c2, c3 = flops.count_macs(model, (2, 1, 8, 8))
    assert c1.forward == 2 * 16 * 8 * 8 * (1 * 3 * 3)      # every output: 9 products
    assert c2.forward == 2 * 32 * 4 * 4 * (16 * 3 * 3)     # after one 2x2 pooling
    assert c3.forward == 2 * 128 * 10                      # 32 maps of 2x2 flattened
    assert c2.out_shape == (2, 32, 4, 4) and c3.out_shape == (2, 10)


def test_conv_stride_without_padding():
    (cost,) = flops.count_macs(nn.Conv2d(3, 4, 3, stride=2, rng=0), (1, 3, 9, 9))
    assert cost.out_shape == (1, 4, 4, 4)
    assert cost.forward == 4 * 4 * 4 * 3 * 9


@pytest.mark.parametrize("layer, gates", [(nn.RNN, 1), (nn.GRU, 3), (nn.LSTM, 4)])
def test_recurrent_by_hand(layer, gates):
    (cost,) = flops.count_macs(layer(8, 16, rng=0), (2, 5, 8))
    # per step and example: gates x (x @ W_ih: 8 x 16, h @ W_hh: 16 x 16)
    assert cost.forward == 2 * 5 * gates * (8 * 16 + 16 * 16)
    assert cost.out_shape == (2, 5, 16)


def test_attention_by_hand():
    (cost,) = flops.count_macs(nn.MultiheadAttention(16, 2, rng=0), (2, 5, 16))
    projections = 4 * 5 * 16 * 16          # q, k, v, out: each L x E x E
    scores_and_values = 2 * 5 * 5 * 16     # Q @ K.T and weights @ V
    assert cost.forward == 2 * (projections + scores_and_values)


def test_counts_match_the_products_actually_done():
    """The count of a Linear layer equals the size of the matmul it performs."""
    x = np.ones((7, 5))
    layer = nn.Linear(5, 3, rng=0)
    (cost,) = flops.count_macs(layer, x.shape)
    assert cost.forward == x.shape[0] * x.shape[1] * layer.weight.shape[1]


def test_normalisation_is_walked_through():
    model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.BatchNorm1d(3), nn.ReLU(),
                          nn.Linear(3, 2, rng=0))
    assert [c.forward for c in flops.count_macs(model, (5, 4))] == [5 * 4 * 3, 5 * 3 * 2]


def test_training_flops_rule():
    assert flops.training_flops(1.5e9, 1) == 9e9


def test_bad_input():
    with pytest.raises(ValueError, match="input_shape"):
        flops.count_macs(nn.Linear(4, 2, rng=0), (3, 5))
    with pytest.raises(ValueError, match="input_shape"):
        flops.count_macs(nn.Linear(4, 2, rng=0), (3, 0))
    with pytest.raises(ValueError, match="input_shape"):
        flops.count_macs(nn.Conv2d(3, 4, 3, rng=0), (1, 1, 8, 8))
    with pytest.raises(ValueError, match="Embedding"):
        flops.count_macs(nn.Sequential(nn.Embedding(10, 4, rng=0), nn.Linear(4, 2, rng=0)),
                         (3, 5))
    with pytest.raises(ValueError, match="kind"):
        flops.total([], "sideways")
