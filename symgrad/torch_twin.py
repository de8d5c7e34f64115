"""The torch twin: the same SymPy model compiled to PyTorch, differentiated by autograd in float64.

It is the oracle symgrad's exact results are checked against; torch is an optional dependency,
imported only when the twin is used.
"""

from .codegen import compile_expressions
from .errors import UnknownVariableError
from .variables import as_point, resolve_all

__all__ = ["torch_function", "autograd_gradient"]


def torch_function(expr, args):
    """``expr`` (a SymPy expression of ``args``) as a function of torch tensors."""
    fn = compile_expressions(args, [expr], "torch")
    return lambda *tensors: fn(*tensors)[0]


def autograd_gradient(graph, wrt, at, dtype="float64"):
    """The output of ``graph`` and its gradient with respect to ``wrt`` at the point ``at``, by autograd.

    Every leaf of the graph needs a value in ``at``; returns ``(output, gradient)`` as Python floats.
    """
    import torch

    leaves = graph.leaves(graph.output)
    wrt = resolve_all(wrt, graph.leaves(), "graph", strict=False)
    point = as_point(at, graph.leaves() + wrt, "graph")
    tdtype = getattr(torch, dtype)
    missing = [s.name for s in leaves if s not in point]
    if missing:
        raise UnknownVariableError(f"the point gives no value for {', '.join(missing)}")
    tensors = [torch.tensor(float(point[s]), dtype=tdtype, requires_grad=s in wrt) for s in leaves]
    output = torch_function(graph.expand(), leaves)(*tensors)
    used = [w for w in wrt if w in leaves]
    grads = dict(zip(used, torch.autograd.grad(output, [tensors[leaves.index(w)] for w in used],
                                               allow_unused=True))) if used else {}
    return float(output.detach()), tuple(0.0 if grads.get(w) is None else float(grads[w]) for w in wrt)
