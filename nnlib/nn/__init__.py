"""Layers as objects, with PyTorch's names: ``nnlib.nn.Linear``, ``nnlib.nn.ReLU``, ...

One module per family of layers:

* :mod:`~nnlib.nn.module`: :class:`Module` (the base class) and :class:`Sequential`
* :mod:`~nnlib.nn.linear`: :class:`Linear`
* :mod:`~nnlib.nn.activation`: ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, Step
* :mod:`~nnlib.nn.dropout`: :class:`Dropout`
"""
from .module import Parameter, Module, Sequential
from .linear import Linear
from .activation import ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, Step
from .dropout import Dropout

__all__ = [
    "Parameter", "Module", "Sequential", "Linear", "ReLU", "Sigmoid", "Tanh", "LeakyReLU",
    "Softmax", "Step", "Dropout",
]
