"""Layers as objects, with PyTorch's names: ``nnlib.nn.Linear``, ``nnlib.nn.ReLU``, ...

One module per family of layers:

* :mod:`~nnlib.nn.module`: :class:`Module` (the base class) and :class:`Sequential`
* :mod:`~nnlib.nn.linear`: :class:`Linear`
* :mod:`~nnlib.nn.activation`: ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, Step
* :mod:`~nnlib.nn.dropout`: :class:`Dropout`
* :mod:`~nnlib.nn.recurrent`: RNN, LSTM, GRU and their one-step cells RNNCell, LSTMCell,
  GRUCell
* :mod:`~nnlib.nn.init`: initialisation in place (``xavier_uniform_``, ``kaiming_normal_``, ...)
* :mod:`~nnlib.nn.loss`: MSELoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss
* :mod:`~nnlib.nn.conv`: :class:`Conv2d`; :mod:`~nnlib.nn.pooling`: MaxPool2d, AvgPool2d;
  :mod:`~nnlib.nn.flatten`: :class:`Flatten`
* :mod:`~nnlib.nn.normalization`: BatchNorm1d, BatchNorm2d, LayerNorm;
  :mod:`~nnlib.nn.embedding`: :class:`Embedding`
* :mod:`~nnlib.nn.attention`: MultiheadAttention, scaled_dot_product_attention;
  :mod:`~nnlib.nn.transformer`: TransformerEncoderLayer, TransformerEncoder,
  PositionalEncoding, generate_square_subsequent_mask, sinusoidal_positional_encoding
"""
from .module import Parameter, Module, Sequential
from .linear import Linear
from .activation import ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, Step
from .dropout import Dropout
from .recurrent import RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell
from . import init
from .loss import MSELoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss
from .conv import Conv2d
from .pooling import MaxPool2d, AvgPool2d
from .flatten import Flatten
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .embedding import Embedding
from .attention import MultiheadAttention, scaled_dot_product_attention
from .transformer import (TransformerEncoderLayer, TransformerEncoder, PositionalEncoding,
                          generate_square_subsequent_mask, sinusoidal_positional_encoding)

__all__ = [
    "Parameter", "Module", "Sequential", "Linear", "ReLU", "Sigmoid", "Tanh", "LeakyReLU",
    "Softmax", "Step", "Dropout", "MSELoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss",
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding", "MultiheadAttention",
    "scaled_dot_product_attention", "TransformerEncoderLayer", "TransformerEncoder",
    "PositionalEncoding", "generate_square_subsequent_mask", "sinusoidal_positional_encoding",
]
