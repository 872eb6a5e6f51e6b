"""The machinery behind :meth:`Tensor.backward <nnlib.tensor.Tensor.backward>`: when to
record the graph (:func:`no_grad`) and how to walk it backwards (:func:`backpropagate`).

Every tensor made by an operation remembers its parents, a backward function and when it
was made (:meth:`Tensor.from_op <nnlib.tensor.Tensor.from_op>`). Backpropagation (chapter
7) visits the graph once, from the output to the inputs, in *reverse topological order*: a
node is visited only after every node that used it, so its gradient is complete (the sum
over all its uses) when it is passed on to its own parents. Visiting the newest node first
gives exactly that order.
"""
import contextlib
import heapq
import itertools
import threading

__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "backpropagate"]

_state = threading.local()


def is_grad_enabled():
    """True unless inside a :func:`no_grad` block (per thread)."""
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def _grad_mode(enabled):
    previous = is_grad_enabled()
    _state.enabled = enabled
    try:
        yield
    finally:
        _state.enabled = previous


def no_grad():
    """Context manager: operations inside it record no graph and results need no grad.

    >>> with no_grad():
    ...     y = model(x)          # cheaper: nothing is kept for backward
    """
    return _grad_mode(False)


def enable_grad():
    """Context manager that turns graph recording back on inside a ``no_grad`` block."""
    return _grad_mode(True)


def backpropagate(root, grad):
    """Fill ``.grad`` of every tensor ``root`` depends on, given ``grad`` = dL/d(root).

    Nodes are visited newest first: every node was created after its inputs, so by the
    time a node is visited, every node that used it has passed its share of the gradient
    back (a reverse topological order, without a separate pass to sort the graph). Leaf
    tensors (parameters, inputs) add to their gradient; intermediate results start from
    scratch on every call.
    """
    reached, assigned, queue = {root}, set(), []
    if root._parents:
        root.grad = None
        heapq.heappush(queue, (-root._seq, root))
    _accumulate(root, grad, assigned)
    while queue:
        node = heapq.heappop(queue)[1]
        grads = node._backward(node.grad)
        if type(grads) is not tuple:
            grads = tuple(grads) if isinstance(grads, list) else (grads,)
        for parent, g in zip(node._parents, grads):
            if g is None or not parent.requires_grad:
                continue
            if parent._parents and parent not in reached:  # first visit: fresh gradient
                reached.add(parent)
                parent.grad = None
                heapq.heappush(queue, (-parent._seq, parent))
            _accumulate(parent, g, assigned, node)


def next_sequence_number():
    """A number larger than every earlier one: graph nodes are stamped with it when made."""
    return next(_sequence)


_sequence = itertools.count()


def _accumulate(tensor, g, assigned, node=None):
    """Add gradient ``g`` into ``tensor.grad`` (assign on the first write).

    The sum is out of place and an array already given to another tensor is copied, so
    no two tensors ever share (and later corrupt) one gradient array.
    """
    data = tensor.data
    if g.shape != data.shape:
        op = node._op if node is not None else "backward"
        raise ValueError(
            f"{op}: expected a gradient of shape {data.shape} for its input, "
            f"got shape {g.shape}"
        )
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    if tensor.grad is None:
        if id(g) in assigned or not g.flags.writeable:
            g = g.copy()
        assigned.add(id(g))
        tensor.grad = g
    else:
        tensor.grad = tensor.grad + g
