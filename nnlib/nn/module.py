"""The building blocks every layer shares: :class:`Module` and :class:`Sequential`.

The names follow PyTorch's ``torch.nn`` so that learners can move on easily. Every module
accepts an ndarray or a :class:`~nnlib.tensor.Tensor` and rejects data that contains NaN or
inf (arrays and leaf tensors are checked; outputs of earlier layers are not re-checked, to
keep training fast, and the losses check their inputs). Modules keep the input's float
dtype (float32 in, float32 out) when their own parameters have it. With mixed dtypes
numpy's promotion rules apply (a float64 layer fed float32 data computes in float64);
parameter gradients always keep the parameter's dtype.

Introduced in chapter 3 (layers) and used from chapter 7 on.
"""
import numpy as np

from .._checks import check_finite
from ..tensor import Tensor

__all__ = ["Parameter", "Module", "Sequential"]


class Parameter(Tensor):
    """A Tensor that is a learnable parameter of a Module (``requires_grad=True``).

    Assigning a Parameter to an attribute of a Module registers it: it is then listed by
    ``parameters()`` and ``named_parameters()`` and saved by ``state_dict()``.

    >>> layer.scale = Parameter(np.ones(3))
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def as_input(x, name="x"):
    """``x`` as a Tensor. Data entering the network (an ndarray or a leaf Tensor) is
    checked for NaN/inf; results of earlier operations are not re-checked (that would
    cost time on every layer, and the losses check their input)."""
    if isinstance(x, Tensor):
        if x._parents:
            return x
    else:
        x = Tensor(x)
    if not np.isfinite(x.data).all():
        check_finite(name, x.data)
    return x


class Module:
    """Base class of every layer and model.

    Subclasses define ``forward(x)``; calling the module calls ``forward``. Parameters
    are the Tensors with ``requires_grad=True`` stored as attributes (directly, inside
    lists/tuples/dicts, or inside sub-modules); :meth:`parameters` finds them all, in
    attribute order, each once.
    """

    training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ---- the module tree ----------------------------------------------------------
    def _items(self):
        """Yield ``(name, value)`` for the attributes, list/tuple/dict items expanded."""
        for name, value in self.__dict__.items():
            if isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    yield f"{name}.{i}", item
            elif isinstance(value, dict):
                for key, item in value.items():
                    yield f"{name}.{key}", item
            else:
                yield name, value

    def named_children(self):
        """List ``(name, module)`` for the direct sub-modules."""
        return [(name, value) for name, value in self._items() if isinstance(value, Module)]

    def children(self):
        """The direct sub-modules."""
        return [module for _, module in self.named_children()]

    def _collect(self, prefix, result, seen):
        for name, value in self._items():
            if isinstance(value, Tensor):
                if value.requires_grad and id(value) not in seen:
                    seen.add(id(value))
                    result.append((prefix + name, value))
            elif isinstance(value, Module):
                value._collect(prefix + name + ".", result, seen)

    def named_parameters(self, prefix=""):
        """List ``(name, tensor)`` for every parameter, e.g. ``("0.weight", W)``.

        Parameters are the Tensors with ``requires_grad=True`` found in the attributes
        (and inside lists, tuples, dicts and sub-modules), each listed once.
        """
        result = []
        self._collect(prefix, result, set())
        return result

    def parameters(self):
        """List of the parameter Tensors (each once, in a stable order)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        """Reset every parameter's gradient to None."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Switch this module and all sub-modules to training mode (returns self)."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Switch to evaluation mode (dropout off). Returns self."""
        return self.train(False)

    # ---- printing -----------------------------------------------------------------
    def extra_repr(self):
        """The text between the parentheses of ``repr`` (override in subclasses)."""
        return ""

    def __repr__(self):
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Chain of modules: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Indexable (``model[0]``, ``model[1:]``), has ``len`` and can be iterated.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ValueError(
                    f"layers[{i}]: expected a Module, got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def _items(self):
        for i, layer in enumerate(self.layers):
            yield str(i), layer
        for name, value in super()._items():
            if not name.startswith("layers."):
                yield name, value

    def append(self, layer):
        """Add a layer at the end (returns self)."""
        if not isinstance(layer, Module):
            raise ValueError(f"layer: expected a Module, got {type(layer).__name__}")
        self.layers.append(layer)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
