"""Saving and loading a model's weights: ``nnlib.save`` and ``nnlib.load`` (chapter 9 on).

The file is a numpy ``.npz`` archive: one array per entry of the model's
:meth:`~nnlib.nn.module.Module.state_dict` (``"0.weight"``, ``"0.bias"``, ...). It holds numbers
only, never pickled Python objects, so loading a file from someone else cannot run their
code. As in PyTorch, you save the weights and rebuild the model in code::

    nnlib.save(model, "digits.npz")               # or nnlib.save(model.state_dict(), ...)
    model = make_model()                          # the same architecture, fresh weights
    model.load_state_dict(nnlib.load("digits.npz"))
"""
from collections import OrderedDict

import numpy as np

from ._checks import ArgumentTypeError

__all__ = ["save", "load"]


def save(obj, path):
    """Write a model's state dict (or a state dict itself) to ``path`` as an ``.npz`` file.

    Parameters
    ----------
    obj : Module or dict
        A model (its ``state_dict()`` is saved) or a dict mapping names to ndarrays.
    path : str or pathlib.Path
        The file to write, used exactly as given (no ``.npz`` is appended).
    """
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not isinstance(state, dict):
        raise ArgumentTypeError(
            f"obj: expected a Module or a state dict (name -> ndarray), got {type(obj).__name__}"
        )
    arrays = OrderedDict()
    for name, value in state.items():
        if not isinstance(name, str):
            raise ValueError(f"obj: expected string keys, got key {name!r}")
        array = np.asarray(getattr(value, "data", value))
        if array.dtype.kind not in "biuf":
            raise ValueError(
                f"obj[{name!r}]: expected an array of real numbers, got "
                f"{type(value).__name__} of dtype {array.dtype}"
            )
        if name in _RESERVED:
            raise ValueError(f"obj: expected keys other than {_RESERVED}, got key {name!r}")
        arrays[name] = array
    with open(path, "wb") as file:  # an open file: np.savez would append ".npz" to a name
        np.savez(file, allow_pickle=False, **arrays)  # each array is stored under its key


_RESERVED = ("file", "allow_pickle")  # np.savez's own argument names


def load(path):
    """Read a file written by :func:`save`: an ``OrderedDict`` name -> ndarray, in the saved
    order, ready for ``model.load_state_dict``."""
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError) as error:
        raise ValueError(
            f"path: expected an .npz file written by nnlib.save, got {str(path)!r} ({error})"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"path: expected an .npz file written by nnlib.save, got {str(path)!r} "
            f"(a single array saved with np.save)"
        )
    with archive:
        return OrderedDict((name, archive[name]) for name in archive.files)
