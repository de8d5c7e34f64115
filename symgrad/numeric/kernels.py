"""The namespaces compiled code runs in: each registered operation's stable kernel, by its name.

``lambdify`` prints an application of a registered function as a call of the function's name
(``sigmoid(v0)``, ``Softmax(0, v0, v1)``); these namespaces bind each name to the operation's NumPy
kernel, or to its torch kernel given the torch module (imported only then, so torch stays optional).
Operations without a kernel (SymPy's own functions) are written by SymPy's printers.
"""

import functools

from ..core.operations import operations

__all__ = ["namespace"]


def namespace(backend):
    """``{function name: kernel}`` for ``backend`` ``"numpy"`` or ``"torch"``."""
    if backend == "numpy":
        return {op.function.__name__: op.numpy for op in operations() if op.numpy is not None}
    import torch

    return {op.function.__name__: functools.partial(op.torch, torch) for op in operations() if op.torch is not None}
