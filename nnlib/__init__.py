"""nnlib: a small neural-network library written from scratch with numpy.

It accompanies the course *How Neural Networks Work*; every chapter's notebook calls it.
The core (tensors, layers, losses, optimisers, training) needs only numpy; plotting
(`nnlib.viz`) needs matplotlib and the explorers (`nnlib.explorer`) need ipywidgets.

Submodules and the names re-exported here are imported lazily, on first use, so that
``import nnlib`` stays fast and works without the optional packages.
"""
import importlib
from pathlib import Path

__version__ = "0.1.0"

# every module and sub-package (nnlib/*.py, nnlib/*/) is reachable as an attribute:
# nnlib.nn, nnlib.viz, ...
_HERE = Path(__file__).parent
_SUBMODULES = tuple(sorted(
    {p.stem for p in _HERE.glob("*.py")} | {p.parent.name for p in _HERE.glob("*/__init__.py")}
    - {"__init__"}
))
_SUBMODULES = tuple(name for name in _SUBMODULES if not name.startswith("_"))

# name -> submodule that defines it
_EXPORTS = {
    "Tensor": "tensor",
    "no_grad": "tensor",
    "Value": "scalar",
    "fit": "train",
    "evaluate": "train",
    "predict": "train",
    "History": "train",
    "EarlyStopping": "train",
    "TrainingDiverged": "train",
    "gradcheck": "numerical",
    "numerical_gradient": "numerical",
    "rel_error": "numerical",
    "save": "serialization",
    "load": "serialization",
    "init": "nn",  # nnlib.init is nnlib.nn.init (PyTorch writes torch.nn.init)
    "cat": "ops",
    "stack": "ops",
    "where": "ops",
    "enable_grad": "tensor",
}

# older or shorter names of sub-packages: nnlib.datasets is nnlib.data
_ALIASES = {"datasets": "data"}

__all__ = sorted(set(_SUBMODULES) | set(_EXPORTS) | set(_ALIASES))


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _ALIASES:
        return importlib.import_module(f"{__name__}.{_ALIASES[name]}")
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'nnlib' has no attribute {name!r}")


def __dir__():
    return __all__
