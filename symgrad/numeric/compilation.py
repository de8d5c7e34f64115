"""Numeric evaluation: a walk's output and gradient compiled once into a NumPy function of batches."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .codegen import compile_expressions
from ..core.errors import UnknownVariableError
from ..core.variables import resolve, resolve_all

__all__ = ["CompiledGradient", "compile_gradient", "compile_function"]


@dataclass(frozen=True)
class CompiledGradient:
    """The output and its gradient as one NumPy function of ``args``, vectorised over a batch.

    Called with a mapping from each of ``args`` (symbol or name) to a number or an array, it returns
    ``(output, gradient)``: arrays of the broadcast shape of the inputs, one per variable of ``wrt``
    (per-sample values; average them for a mean loss).
    """

    args: tuple
    wrt: tuple
    function: Callable

    def __call__(self, values):
        by_symbol = {resolve(k, self.args, "compiled function's arguments"): v for k, v in values.items()}
        missing = [a.name for a in self.args if a not in by_symbol]
        if missing:
            raise UnknownVariableError(f"no value given for {', '.join(missing)}")
        arrays = [np.asarray(by_symbol[a], dtype=float) if not hasattr(by_symbol[a], "dtype")
                  else by_symbol[a] for a in self.args]
        return self.evaluate(*arrays)

    def evaluate(self, *arrays):
        """The fast path: arrays in the order of ``args``, no name lookup."""
        out = self.function(*arrays)
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
        return (np.broadcast_to(out[0], shape),
                tuple(np.broadcast_to(g, shape) for g in out[1:]))


def compile_gradient(backprop, args=None):
    """Compile a :class:`~symgrad.core.backprop.Backprop` over ``args`` (default: every leaf below the
    output, then each variable of the walk that the output does not reach, whose gradient is 0): the
    walk's straight-line program, each line reduced by ``cse``."""
    graph = backprop.graph
    if args is None:
        below = graph.leaves(backprop.output)
        args = tuple(below) + tuple(w for w in backprop.wrt if w not in below)
    else:
        args = resolve_all(args, graph.leaves(), "graph")
    program, outputs = backprop.program()
    return CompiledGradient(args, backprop.wrt, compile_expressions(args, outputs, "numpy", program))


def compile_function(graph, args=None):
    """The graph's output alone as a NumPy function of ``args`` (positional; default: every leaf
    below the output), computed node by node as the graph defines it."""
    args = graph.leaves(graph.output) if args is None else resolve_all(args, graph.leaves(), "graph")
    function = compile_expressions(args, [graph.output], "numpy", graph.assignments())
    return lambda *arrays: function(*arrays)[0]
