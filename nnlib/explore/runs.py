"""What the chapters' experiment runners share: one BLAS thread and argument checks.

The runners of :mod:`nnlib.explore` train small networks on small data (chapters 8 and
10-17). Their matrices are small, so a second BLAS thread buys nothing, and on a busy
two-core machine threads fighting over the cores only slow every run down.
"""
import contextlib
import functools

from nnlib._checks import check_int

__all__ = ["one_blas_thread", "check_int"]


@contextlib.contextmanager
def _blas_limit():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn always brings it
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def one_blas_thread(function=None):
    """Run with a single BLAS thread (through threadpoolctl, which scikit-learn brings).

    Use it as a context manager, ``with one_blas_thread(): ...``, or as a decorator,
    ``@one_blas_thread`` above a function.
    """
    if function is None:
        return _blas_limit()

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with _blas_limit():
            return function(*args, **kwargs)
    return wrapper
