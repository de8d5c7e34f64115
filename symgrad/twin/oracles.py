"""The oracles the engine checks itself with: a gradient at a point computed three ways, exactly
(SymPy), by central finite differences (Ridders-extrapolated, float64) and by torch autograd in
float64, each returned as Python floats in the order of ``wrt``; and :func:`matching_gradients`,
which computes it each way and fails with a table where two ways disagree. The same for the
Hessian, row by row (:func:`matching_hessians`): exactly, by central differences of the exact
gradient, and by ``torch.autograd.functional.hessian``; and Newton's step from the Hessian and gradient
of one method (:func:`newton_step`).

:mod:`symgrad.testing` offers the same to library authors' tests.
"""

import importlib.util

import numpy as np
import sympy

from ..core.backprop import backward
from ..core.calculus import as_graph, second_partials
from ..core.errors import SymgradError
from ..core.numbers import approximate
from ..core.variables import as_point, resolve_all
from ..numeric.codegen import compile_expressions
from ..numeric.compilation import compile_function, compile_gradient
from ..numeric.finite_differences import central_differences
from .comparison import TOLERANCES
from .torch_twin import autograd_gradient, autograd_hessian

__all__ = ["METHODS", "exact_gradient", "finite_difference_gradient", "torch_gradient", "matching_gradients",
           "GradientReport", "GradientMismatch", "disagreement", "to_float", "torch_available", "exact_hessian",
           "finite_difference_hessian", "torch_hessian", "matching_hessians", "newton_step"]

METHODS = ("exact", "finite_difference", "torch")


def exact_gradient(expr, wrt, at):
    """The exact gradient at ``at``, rounded to float only at the end (30 significant digits first)."""
    graph = as_graph(expr)
    walk = backward(graph, wrt)
    return tuple(to_float(g) for g in walk.defined_at(_complete_point(graph, at, walk.wrt)).gradient)


def finite_difference_gradient(expr, wrt, at):
    """The gradient at ``at`` by central finite differences (Ridders' extrapolation, float64), every
    evaluation in one vectorised call of the compiled function. A variable may be an intermediate
    node: its partial is then taken with the node cut loose as an input."""
    graph, wrt, point = _numeric_setting(expr, wrt, at)
    args = graph.leaves(graph.output)
    present = [w for w in wrt if w in args]
    if not present:
        return tuple(0.0 for _ in wrt)
    function = compile_function(graph, args)
    partials = central_differences(lambda points: function(*points), [float(point[a]) for a in args],
                                   [args.index(w) for w in present])
    found = dict(zip(present, partials))
    return tuple(float(found.get(w, 0.0)) for w in wrt)


def torch_gradient(expr, wrt, at):
    """The gradient at ``at`` by torch autograd in float64, from the same SymPy expression."""
    graph, wrt, point = _numeric_setting(expr, wrt, at)
    return autograd_gradient(graph, wrt, point)[1]


class GradientMismatch(AssertionError):
    """Two ways of computing a gradient disagree (an ``AssertionError``, so that pytest shows it)."""


class GradientReport(dict):
    """``{method: gradient}`` for the methods that ran, with ``skipped``: ``{method: reason}``."""

    def __init__(self, results, skipped):
        super().__init__(results)
        self.skipped = skipped


def matching_gradients(expr, wrt, at, methods=METHODS, tolerance=TOLERANCES["gradient methods"]):
    """Compute the gradient each way and raise :class:`GradientMismatch` with a table when a method
    disagrees with the first (``exact`` by default) beyond ``tolerance``. ``torch`` is left out, with
    the reason in the returned :class:`GradientReport`, when torch is not installed."""
    return _matching(_GRADIENTS, lambda wrt: wrt, expr, wrt, at, methods, tolerance, "gradients")


def exact_hessian(expr, wrt, at):
    """The exact Hessian at ``at``, row by row, each entry rounded to float only at the end."""
    graph = as_graph(expr)
    walk = backward(graph, wrt)
    point = _complete_point(graph, at, walk.wrt)
    matrix = second_partials(walk.gradient, walk.wrt).xreplace(point)
    return tuple(tuple(to_float(h) for h in matrix.row(i)) for i in range(matrix.rows))


def finite_difference_hessian(expr, wrt, at):
    """The Hessian at ``at`` by central finite differences (Ridders' extrapolation, float64) of the
    exact gradient compiled to NumPy: row ``j`` is the derivative of the gradient by ``wrt[j]``, the
    rows symmetrised (their mean with the columns: each mixed partial is estimated twice)."""
    graph, wrt, point = _numeric_setting(expr, wrt, at)
    args = graph.leaves(graph.output)
    present = [w for w in wrt if w in args]
    gradient = compile_gradient(backward(graph, wrt), args)
    base, indices = [float(point[a]) for a in args], [args.index(w) for w in present]
    rows = [dict(zip(present, central_differences(lambda points, i=i: gradient.evaluate(*points)[1][i], base,
                                                  indices))) if present else {} for i in range(len(wrt))]
    n = len(wrt)
    derivative = [[float(rows[i].get(v, 0.0)) for v in wrt] for i in range(n)]
    return tuple(tuple((derivative[i][j] + derivative[j][i]) / 2 for j in range(n)) for i in range(n))


def torch_hessian(expr, wrt, at):
    """The Hessian at ``at`` by ``torch.autograd.functional.hessian`` in float64, row by row."""
    graph, wrt, point = _numeric_setting(expr, wrt, at)
    return autograd_hessian(graph, wrt, point)


def matching_hessians(expr, wrt, at, methods=METHODS, tolerance=TOLERANCES["gradient methods"]):
    """The Hessian each way, row by row, as :func:`matching_gradients` does for the gradient: a
    :class:`GradientReport` of flattened Hessians, or :class:`GradientMismatch` with a table."""
    compute = {m: _flat(hessian) for m, hessian in _HESSIANS.items()}
    return _matching(compute, lambda wrt: [f"d2/d{u} d{v}" for u in wrt for v in wrt], expr, wrt, at, methods,
                     tolerance, "Hessians")


def newton_step(expr, wrt, at, method):
    r"""$\theta - H^{-1} \nabla f$ at ``at``, the Hessian and the gradient both computed by ``method`` (one of
    :data:`METHODS`) and the system solved by NumPy: the new values of ``wrt``, as floats."""
    if method not in METHODS:
        raise SymgradError(f"unknown method {method!r}: choose from {', '.join(METHODS)}")
    graph = as_graph(expr)
    wrt = resolve_all(wrt, graph.leaves(), "expression", strict=False)
    theta = [float(_complete_point(graph, at, wrt)[w]) for w in wrt]
    step = np.linalg.solve(np.array(_HESSIANS[method](graph, wrt, at)), np.array(_GRADIENTS[method](graph, wrt, at)))
    return tuple(float(t - s) for t, s in zip(theta, step))


_GRADIENTS = {"exact": exact_gradient, "finite_difference": finite_difference_gradient, "torch": torch_gradient}
_HESSIANS = {"exact": exact_hessian, "finite_difference": finite_difference_hessian, "torch": torch_hessian}


def _flat(hessian):
    """The method ``hessian`` with its rows joined into one tuple."""
    return lambda *args: tuple(h for row in hessian(*args) for h in row)


def _matching(compute, labels, expr, wrt, at, methods, tolerance, what):
    """Each method of ``methods`` (keys of ``compute``) at ``at``, checked against the first; ``labels``
    names the entries of a result (from ``wrt``) in the table of a disagreement."""
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SymgradError(f"unknown method {unknown[0]!r}: choose from {', '.join(METHODS)}")
    graph = as_graph(expr)
    wrt = resolve_all(wrt, graph.leaves() + graph.nodes, "expression", strict=False)
    results, skipped = {}, {}
    for m in methods:
        if m == "torch" and not torch_available():
            skipped[m] = "torch is not installed (pip install symgrad[torch])"
            continue
        results[m] = compute[m](graph, wrt, at)
    failure = disagreement(labels(wrt), results, next(iter(results)), tolerance, what=what)
    if failure:
        raise GradientMismatch(failure)
    return GradientReport(results, skipped)


def disagreement(wrt, results, reference, tolerance, compared=None, what="gradients"):
    """A table of ``results`` (``{method: gradient}``) where a method of ``compared`` (default: all)
    disagrees with the method ``reference`` beyond ``tolerance``, the rows at fault marked; None
    when they all agree."""
    compared = list(results) if compared is None else compared
    bad = {w for m in compared for w, a, b in zip(wrt, results[m], results[reference]) if not tolerance.holds(a, b)}
    if not bad:
        return None
    methods = list(results)
    header = ["variable", *methods, "largest difference"]
    rows = []
    for i, w in enumerate(wrt):
        ref = results[reference][i]
        diff = max(abs(results[m][i] - ref) for m in methods)
        rows.append([str(w), *(repr(results[m][i]) for m in methods), f"{diff:.3g}{' <-' if w in bad else ''}"])
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(wd) for cell, wd in zip(r, widths)) for r in [header, *rows]]
    return (f"{what} disagree (|a - {reference}| > {tolerance.atol:g} + {tolerance.rtol:g}|{reference}|):\n"
            + "\n".join(lines))


def _numeric_setting(expr, wrt, at):
    """``(graph, wrt, point)`` for a numeric method: intermediate nodes among ``wrt`` are cut into
    leaves whose values are the nodes' exact values at the point."""
    graph = as_graph(expr)
    wrt = resolve_all(wrt, graph.leaves() + graph.nodes, "expression", strict=False)
    nodes = [w for w in wrt if graph.is_node(w)]
    point = _complete_point(graph, at, wrt)
    if nodes:
        values = backward(graph, nodes).at(point).nodes
        graph = graph.cut(nodes)
        kept = set(graph.leaves()) | set(wrt)
        point = {**{k: v for k, v in point.items() if k in kept}, **{n: values[n] for n in nodes}}
    return graph, wrt, point


def _complete_point(graph, at, wrt):
    """The point as exact values; it may also name variables of ``wrt`` that the expression lacks."""
    point = as_point(at, graph.leaves() + tuple(wrt), "expression")
    missing = [s.name for s in graph.leaves(graph.output) if s not in point]
    if missing:
        raise SymgradError(f"the point gives no value for {', '.join(missing)}")
    return point


def to_float(value):
    """An exact number as a float: by SymPy's evalf (30 digits), or, for functions SymPy cannot
    evaluate (a user's own, with a NumPy printer), by the compiled expression."""
    number = approximate(value, 20)
    if number.is_number and number.is_real:
        return float(number)
    if sympy.sympify(value).free_symbols:
        raise SymgradError(f"the value {value} is not a number: the point leaves variables out")
    return float(compile_expressions([], [value], "numpy")()[0])


def torch_available():
    """Whether torch can be imported (it is an optional dependency)."""
    return importlib.util.find_spec("torch") is not None
