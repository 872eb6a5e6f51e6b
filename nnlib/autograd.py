"""The machinery behind :meth:`Tensor.backward <nnlib.tensor.Tensor.backward>`: when to
record the graph (:func:`no_grad`) and how to walk it backwards (:func:`backpropagate`).

Every tensor made by an operation remembers its parents and a backward function
(:meth:`Tensor.from_op <nnlib.tensor.Tensor.from_op>`). Backpropagation (chapter 7) visits
the graph once, from the output to the inputs, in *reverse topological order*: a node is
visited only after every node that used it, so its gradient is complete (the sum over all
its uses) when it is passed on to its own parents.
"""
import contextlib
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

    Leaf tensors (parameters, inputs) add to their gradient; intermediate results
    start from scratch on every call.
    """
    order = _topological_order(root)
    for node in order:
        if node._parents:  # intermediate results start from scratch
            node.grad = None
    assigned = set()
    _accumulate(root, grad, assigned)
    for node in reversed(order):
        g_out = node.grad
        if g_out is None or node._backward is None:
            continue
        grads = node._backward(g_out)
        if type(grads) is not tuple:
            grads = tuple(grads) if isinstance(grads, list) else (grads,)
        for parent, g in zip(node._parents, grads):
            if g is not None and parent.requires_grad:
                _accumulate(parent, g, assigned, node)


def _topological_order(root):
    """Tensors of root's graph that require grad, inputs first, ``root`` last.

    Iterative depth-first search, so deep graphs (long RNN unrolls, many small ops)
    never hit Python's recursion limit.
    """
    order, visited = [], {root}
    stack = [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent.requires_grad and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent._parents)))
                break
        else:  # every parent is placed: the node can follow them
            stack.pop()
            order.append(node)
    return order


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
