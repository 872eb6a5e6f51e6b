"""The building blocks every layer shares: :class:`Parameter`, :class:`Module` and
:class:`Sequential`.

The names follow PyTorch's ``torch.nn`` so that learners can move on easily. Every module
accepts an ndarray or a :class:`~nnlib.tensor.Tensor` and rejects data that contains NaN or
inf (arrays and leaf tensors are checked; outputs of earlier layers are not re-checked, to
keep training fast, and the losses check their inputs). Modules keep the input's float
dtype (float32 in, float32 out) when their own parameters have it. With mixed dtypes
numpy's promotion rules apply (a float64 layer fed float32 data computes in float64);
parameter gradients always keep the parameter's dtype.

What a module holds, and how it finds it (by looking at its attributes, in the order they
were assigned; lists, tuples and dicts of them are looked into too):

* **parameters**: :class:`Parameter` objects (and, for older code, any Tensor with
  ``requires_grad=True``), learned by the optimiser: ``named_parameters()``;
* **buffers**: ndarrays registered with :meth:`Module.register_buffer`, state that is not
  learned by gradient descent but belongs to the model, such as BatchNorm's running mean:
  ``named_buffers()``;
* **sub-modules**: ``named_modules()``, ``children()``.

``state_dict()`` gathers parameters and buffers under dotted names (``"0.weight"``,
``"encoder.layers.1.bias"``, as in PyTorch) and ``load_state_dict()`` copies them back.

Introduced in chapter 3 (layers) and used from chapter 7 on.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from .._checks import ArgumentTypeError, check_finite
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


def _is_parameter(value):
    """Parameters: Parameter objects (frozen ones too, ``requires_grad=False``), and, for
    older code, any Tensor with ``requires_grad=True``."""
    return isinstance(value, Parameter) or (isinstance(value, Tensor) and value.requires_grad)


#: What ``load_state_dict(..., strict=False)`` returns (PyTorch's names).
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model.

    Subclasses define ``forward(x)``; calling the module calls ``forward``. Parameters,
    buffers and sub-modules are found among the attributes (directly, inside
    lists/tuples/dicts, or inside sub-modules), in attribute order, each once.

    Assigning to an attribute that holds a parameter checks the new value: it must have
    the old shape (a transposed 2-D weight gets a hint: nnlib's dense weights are
    (in, out)); an ndarray or a plain Tensor is wrapped into a :class:`Parameter`.
    """

    training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ---- assigning attributes: parameters keep their shape, buffers stay buffers ----------
    def __setattr__(self, name, value):
        old = self.__dict__.get(name)
        if old is not None and _is_parameter(old) and value is not None:
            value = self._replacement_parameter(name, old, value)
        elif name in self.__dict__.get("_buffer_names", ()):
            value = _as_buffer(name, value)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        self.__dict__.get("_buffer_names", set()).discard(name)

    def _replacement_parameter(self, name, old, value):
        """``value`` checked to replace parameter ``name`` (same shape; arrays wrapped)."""
        if isinstance(value, (Module, str)) or value is True or value is False:
            raise ArgumentTypeError(
                f"{name}: cannot assign a {type(value).__name__} to the parameter "
                f"{type(self).__name__}.{name} (expected an nn.Parameter, an ndarray or None)"
            )
        if not isinstance(value, Tensor):
            array = np.asarray(value)
            if array.dtype.kind not in "iuf":
                raise ArgumentTypeError(
                    f"{name}: cannot assign an array of dtype {array.dtype} to the parameter "
                    f"{type(self).__name__}.{name} (expected real numbers)"
                )
            value = Parameter(array.astype(old.dtype))
        elif not value.requires_grad:  # a plain Tensor: make it learnable, as it was
            value = Parameter(value.data)
        if value.shape != old.shape:
            raise ValueError(_shape_message(self, name, old.shape, value.shape))
        return value

    # ---- registering state explicitly ------------------------------------------------
    def register_buffer(self, name, array):
        """Add a non-learnable ndarray ``name`` to the module's state (or None: empty slot).

        A buffer is reachable as ``self.<name>``, listed by ``named_buffers()`` and saved by
        ``state_dict()``; the optimiser never sees it. Assigning a new array to
        ``self.<name>`` keeps it a buffer. Example: BatchNorm's ``running_mean``.
        """
        _check_attribute_name(name)
        if name in self.__dict__ and name not in self.__dict__.get("_buffer_names", ()):
            raise ValueError(f"name: expected a new attribute name, got {name!r} (already set)")
        names = self.__dict__.setdefault("_buffer_names", set())
        names.add(name)
        setattr(self, name, array)

    def register_parameter(self, name, param):
        """Add ``param`` (a :class:`Parameter`, or None) as attribute ``name``."""
        _check_attribute_name(name)
        if param is not None and not isinstance(param, Parameter):
            raise ArgumentTypeError(
                f"param: expected an nn.Parameter or None, got {type(param).__name__}"
            )
        setattr(self, name, param)

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

    def named_modules(self, prefix=""):
        """List ``(name, module)`` for this module (name ``""``) and every sub-module below
        it, each once, e.g. ``[("", model), ("0", model[0]), ...]``."""
        result, seen = [], set()

        def visit(module, name):
            if id(module) in seen:
                return
            seen.add(id(module))
            result.append((name, module))
            for child_name, child in module.named_children():
                visit(child, f"{name}.{child_name}" if name else child_name)

        visit(self, prefix)
        return result

    def modules(self):
        """This module and every sub-module below it, each once."""
        return [module for _, module in self.named_modules()]

    def _state_items(self, prefix, seen=None):
        """Yield ``(dotted name, kind, value)`` for parameters ("param") and buffers
        ("buffer") in attribute order. With a ``seen`` set, shared objects appear once."""
        buffers = self.__dict__.get("_buffer_names", ())
        for name, value in self._items():
            if isinstance(value, Module):
                if seen is None or id(value) not in seen:
                    if seen is not None:
                        seen.add(id(value))
                    yield from value._state_items(prefix + name + ".", seen)
                continue
            if _is_parameter(value):
                kind = "param"
            elif name in buffers and value is not None:
                kind = "buffer"
            else:
                continue
            if seen is None or id(value) not in seen:
                if seen is not None:
                    seen.add(id(value))
                yield prefix + name, kind, value

    def named_parameters(self, prefix=""):
        """List ``(name, tensor)`` for every parameter, e.g. ``("0.weight", W)``.

        Parameters are the :class:`Parameter` objects (and any Tensor with
        ``requires_grad=True``) found in the attributes (and inside lists, tuples, dicts
        and sub-modules), each listed once.
        """
        return [(name, value) for name, kind, value in self._state_items(prefix, set())
                if kind == "param"]

    def parameters(self):
        """List of the parameter Tensors (each once, in a stable order)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix=""):
        """List ``(name, ndarray)`` for every buffer, e.g. ``("1.running_mean", array)``."""
        return [(name, value) for name, kind, value in self._state_items(prefix, set())
                if kind == "buffer"]

    def buffers(self):
        """List of the buffer arrays (each once)."""
        return [b for _, b in self.named_buffers()]

    # ---- saving and loading -------------------------------------------------------
    def state_dict(self):
        """Everything needed to rebuild the trained model: an ``OrderedDict`` mapping
        dotted names (``"0.weight"``, ``"layers.1.bias"``, ``"bn.running_mean"``) to
        copies of the parameters' and buffers' arrays.

        As in PyTorch, a module reachable under two names is saved under both.
        """
        return OrderedDict(
            (name, np.array(value.data if kind == "param" else value, copy=True))
            for name, kind, value in self._state_items("")
        )

    def load_state_dict(self, state_dict, strict=True):
        """Copy the arrays of ``state_dict`` into this module's parameters and buffers.

        The copy is in place (an optimiser built on ``parameters()`` keeps working) and
        converts to each parameter's dtype. With ``strict=True`` (the default) the keys
        must match ``state_dict()``'s exactly; shapes must always match.

        Returns ``IncompatibleKeys(missing_keys, unexpected_keys)``, two lists.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise ArgumentTypeError(
                f"state_dict: expected a dict of name -> ndarray (from state_dict() or "
                f"nnlib.load), got {type(state_dict).__name__}"
            )
        targets = OrderedDict((name, (kind, value))
                              for name, kind, value in self._state_items(""))
        missing = [name for name in targets if name not in state_dict]
        unexpected = [name for name in state_dict.keys() if name not in targets]
        if strict and (missing or unexpected):
            raise ValueError(_keys_message(type(self).__name__, missing, unexpected))
        arrays = {}
        for name, (kind, target) in targets.items():
            if name in state_dict:
                arrays[name] = _loadable_array(name, state_dict[name], target)
        for name, array in arrays.items():  # only once everything was checked
            kind, target = targets[name]
            np.copyto(target.data if kind == "param" else target, array, casting="unsafe")
        return IncompatibleKeys(missing, unexpected)

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


def _check_attribute_name(name):
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name: expected an attribute name such as 'running_mean', got {name!r}")


def _as_buffer(name, value):
    """A buffer's new value: an ndarray of numbers (a Tensor gives its data), or None."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.data
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        raise ArgumentTypeError(
            f"{name}: expected an ndarray of numbers for the buffer {name!r} (or None), "
            f"got {type(value).__name__}"
            + (f" of dtype {value.dtype}" if isinstance(value, np.ndarray) else "")
        )
    return value


def _shape_message(module, name, expected, got):
    """Why a replacement parameter does not fit, with the fix for a PyTorch-layout weight."""
    layer = f"{type(module).__name__}({module.extra_repr()})"
    message = f"{name}: {layer}.{name} expected shape {expected}, got shape {got}"
    if len(expected) == 2 and tuple(got) == tuple(expected[::-1]):
        message += (" (PyTorch's (out_features, in_features) layout? nnlib stores dense "
                    "weights as (in_features, out_features): transpose it, w.T)")
    return message


def _keys_message(model_name, missing, unexpected):
    parts = []
    if missing:
        parts.append("missing keys " + ", ".join(repr(k) for k in missing))
    if unexpected:
        parts.append("unexpected keys " + ", ".join(repr(k) for k in unexpected))
    return (f"state_dict: expected the keys of {model_name}.state_dict(), got "
            + " and ".join(parts) + " (pass strict=False to load the matching keys only)")


def _loadable_array(name, value, target):
    """``value`` as an ndarray that fits ``target`` (a Tensor or a buffer ndarray)."""
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"state_dict[{name!r}]: expected an array of real numbers, got dtype {array.dtype}"
        )
    expected = np.shape(target.data if isinstance(target, Tensor) else target)
    if array.shape != expected:
        raise ValueError(
            f"state_dict[{name!r}]: expected shape {expected} (the model's), got shape "
            f"{array.shape}"
            + (" (a PyTorch (out, in) weight? nnlib's dense weights are (in, out): "
               "transpose it)" if len(expected) == 2 and array.shape == expected[::-1] else "")
        )
    return array


def _check_module(name, layer):
    """Raise a clear error unless ``layer`` is a Module instance."""
    if isinstance(layer, Module):
        return
    if isinstance(layer, type) and issubclass(layer, Module):
        raise ArgumentTypeError(
            f"{name}: expected a Module, got the class {layer.__name__}: write "
            f"{layer.__name__}(...) to make one"
        )
    hint = (" (pass the layers as separate arguments: Sequential(*layers))"
            if isinstance(layer, (list, tuple)) else "")
    raise ArgumentTypeError(f"{name}: expected a Module, got {type(layer).__name__}{hint}")


class Sequential(Module):
    """Chain of modules: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Indexable (``model[0]``, ``model[1:]``), has ``len`` and can be iterated.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            _check_module(f"layers[{i}]", layer)
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
        _check_module("layer", layer)
        self.layers.append(layer)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        n = len(self.layers)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise ArgumentTypeError(
                f"index: expected an int or a slice, got {type(index).__name__}"
            )
        if not -n <= index < n:
            raise IndexError(f"index: expected an int in [{-n}, {n - 1}], got {index}")
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
