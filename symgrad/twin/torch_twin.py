"""The torch twin: the same SymPy model compiled to PyTorch, differentiated by autograd in float64.

It is the oracle symgrad's exact results are checked against: single gradients
(:func:`autograd_gradient`), Hessians and Hessian-vector products (:func:`autograd_hessian`,
:func:`autograd_hvp`: ``torch.autograd.functional``) and whole training runs (:func:`torch_train`: torch.optim and
torch.optim.lr_scheduler on the same data order). Torch is an optional dependency, imported only
when the twin is used.
"""

import numpy as np
import sympy

from ..numeric.codegen import compile_expressions
from ..core.errors import TrainingError, UnknownVariableError
from ..core.numbers import exact
from ..numeric.optimizers import make_optimizer
from ..core.variables import as_point, resolve_all

__all__ = ["torch_function", "autograd_gradient", "autograd_hessian", "autograd_hvp", "torch_train",
           "torch_sgd_steps"]


def torch_function(expr, args):
    """``expr`` (a SymPy expression of ``args``) as a function of torch tensors."""
    fn = compile_expressions(args, [expr], "torch")
    return lambda *tensors: fn(*tensors)[0]


def autograd_gradient(graph, wrt, at, dtype="float64"):
    """The output of ``graph`` and its gradient with respect to ``wrt`` at the point ``at``, by autograd.

    Every leaf of the graph needs a value in ``at``; returns ``(output, gradient)`` as Python floats.
    """
    import torch

    function, inputs, wrt = _of_wrt(graph, wrt, at, dtype)
    inputs = [x.requires_grad_() for x in inputs]
    output = function(*inputs)
    grads = torch.autograd.grad(output, inputs, allow_unused=True) if inputs and output.requires_grad else ()
    grads = dict(zip(wrt, grads))
    return float(output.detach()), tuple(0.0 if grads.get(w) is None else float(grads[w]) for w in wrt)


def autograd_hessian(graph, wrt, at, dtype="float64"):
    """The Hessian of ``graph``'s output with respect to ``wrt`` at ``at`` by
    ``torch.autograd.functional.hessian``: its rows, as tuples of Python floats."""
    import torch

    function, inputs, wrt = _of_wrt(graph, wrt, at, dtype)
    rows = torch.autograd.functional.hessian(function, tuple(inputs))
    return tuple(tuple(float(h) for h in row) for row in rows)


def autograd_hvp(graph, wrt, at, v, dtype="float64"):
    """The Hessian-vector product $H v$ (not normalised) of ``graph``'s output with respect to ``wrt``
    at ``at`` by ``torch.autograd.functional.hvp``, as Python floats."""
    import torch

    function, inputs, wrt = _of_wrt(graph, wrt, at, dtype)
    vector = tuple(torch.tensor(float(exact(c)), dtype=inputs[0].dtype) for c in v) if inputs else ()
    _, product = torch.autograd.functional.hvp(function, tuple(inputs), vector)
    return tuple(float(p) for p in product)


def _of_wrt(graph, wrt, at, dtype):
    """``(function, inputs, wrt)``: the graph's output as a torch function of the variables ``wrt`` alone
    (the other leaves fixed at their values in ``at``, which must give every leaf) and their values as
    0-d tensors of ``dtype`` (0 for a variable the output does not depend on, which needs no value)."""
    import torch

    leaves = graph.leaves(graph.output)
    wrt = resolve_all(wrt, graph.leaves(), "graph", strict=False)
    point = as_point(at, graph.leaves() + wrt, "graph")
    tdtype = getattr(torch, dtype)
    missing = [s.name for s in leaves if s not in point]
    if missing:
        raise UnknownVariableError(f"the point gives no value for {', '.join(missing)}")
    fixed = {s: torch.tensor(float(point[s]), dtype=tdtype) for s in leaves if s not in wrt}
    output = torch_function(graph.expand(), leaves)

    def function(*values):
        given = dict(zip(wrt, values))
        return output(*[given[s] if s in given else fixed[s] for s in leaves])

    return function, [torch.tensor(float(point.get(w, 0)), dtype=tdtype) for w in wrt], wrt


def torch_train(run_plan, mode=None, iterations=None):
    """Run a :class:`~symgrad.numeric.training.Plan` with PyTorch and return the same kind of
    :class:`~symgrad.numeric.loops.History`.

    Each parameter is a 0-d tensor (float64, or float32 in float32 mode); the per-sample loss is the
    plan's graph compiled node by node to torch, averaged over the batch with ``mean``; gradients come
    from autograd; the update is ``torch.optim``'s (``foreach=False``) with the same options, the
    schedule ``torch.optim.lr_scheduler``'s, stepped after each epoch. The batches are the plan's, in
    the same order. ``iterations`` stops the run early (to match a run that stopped early).
    """
    import torch

    from ..numeric.loops import History

    mode = run_plan.mode if mode is None else mode
    if mode == "exact":
        raise TrainingError("the torch twin computes in float64 or float32, not exactly")
    dtype = getattr(torch, mode)
    graph = run_plan.loss
    forward = compile_expressions(run_plan.parameters + run_plan.data, [graph.output], "torch", graph.assignments())
    params = [torch.tensor(v, dtype=dtype, requires_grad=True) for v in run_plan.initial_array(mode).tolist()]
    optimizer = getattr(torch.optim, make_optimizer(run_plan.optimizer).name)(
        params, foreach=False, **{k: _torch_option(v) for k, v in run_plan.options.items()})
    scheduler = None
    if run_plan.schedule is not None:
        options = {k: _torch_option(v) for k, v in vars(run_plan.schedule).items()}
        scheduler = getattr(torch.optim.lr_scheduler, type(run_plan.schedule).__name__)(optimizer, **options)
    columns = [torch.from_numpy(c) for c in run_plan.data_arrays(mode)]
    limit = run_plan.iterations if iterations is None else iterations
    trail, grads, losses, rates = [[p.item() for p in params]], [], [], []
    for batches in run_plan.order.epochs(run_plan.epochs):
        if len(losses) == limit:
            break
        rates.append(optimizer.param_groups[0]["lr"])
        for indices in batches[:limit - len(losses)]:
            index = torch.from_numpy(indices)
            optimizer.zero_grad()
            loss = forward(*params, *(c[index] for c in columns))[0].mean()
            loss.backward()
            losses.append(loss.item())
            grads.append([0.0 if p.grad is None else p.grad.item() for p in params])
            optimizer.step()
            trail.append([p.item() for p in params])
        if scheduler is not None:
            scheduler.step()
    width = len(params)
    return History(run_plan.names, np.array(trail, dtype=mode).reshape(-1, width),
                   np.array(grads, dtype=mode).reshape(-1, width), np.array(losses, dtype=mode),
                   run_plan.order.batches_per_epoch, tuple(rates), mode)


def _torch_option(value):
    """An option as torch takes it: pairs of floats (Adam rejects integer betas), SymPy numbers as
    Python numbers, anything else as it is."""
    if isinstance(value, (tuple, list)):
        return tuple(float(v) for v in value)
    if isinstance(value, sympy.Basic):
        return int(value) if value.is_Integer else float(value)
    return value


def torch_sgd_steps(graph, wrt, at, lr, steps=1):
    """``steps`` steps of ``torch.optim.SGD(lr)`` on the leaves ``wrt`` of ``graph`` from the point
    ``at`` (every leaf needs a value), in float64: the values of ``wrt`` after them, as floats."""
    import torch

    leaves = graph.leaves(graph.output)
    wrt = resolve_all(wrt, graph.leaves(), "graph")
    point = as_point(at, graph.leaves(), "graph")
    missing = [s.name for s in leaves if s not in point]
    if missing:
        raise UnknownVariableError(f"the point gives no value for {', '.join(missing)}")
    tensors = {s: torch.tensor(float(point[s]), dtype=torch.float64, requires_grad=s in wrt) for s in leaves}
    loss = torch_function(graph.expand(), leaves)
    optimizer = torch.optim.SGD([tensors[w] for w in wrt], lr=float(exact(lr)), foreach=False)
    for _ in range(steps):
        optimizer.zero_grad()
        loss(*tensors.values()).backward()
        optimizer.step()
    return tuple(tensors[w].item() for w in wrt)
