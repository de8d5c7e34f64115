"""Holding exact derivatives against numeric ones, three ways: exact (SymPy), finite differences
(central, Richardson-extrapolated), and torch autograd in float64.

``assert_gradient_matches`` is the entry point; the three ``*_gradient`` functions each return
the gradient at a point as Python floats, in the order of ``wrt``.
"""

import importlib.util

import sympy

from ..core.backprop import backward
from ..core.calculus import as_graph
from ..core.graph import Graph
from ..core.numbers import approximate, exact
from ..core.errors import SymgradError
from ..numeric.finite_differences import central_differences
from ..numeric.codegen import compile_expressions
from ..core.equality import counterexample
from ..numeric.compilation import compile_function
from ..core.variables import as_point, resolve_all

__all__ = ["assert_gradient_matches", "assert_derivative_equal", "check_user_gradient", "exact_gradient",
           "finite_difference_gradient", "torch_gradient", "to_float", "torch_available"]

METHODS = ("exact", "finite_difference", "torch")


def exact_gradient(expr, wrt, at):
    """The exact gradient at ``at``, rounded to float only at the end (30 significant digits first)."""
    graph = as_graph(expr)
    walk = backward(graph, wrt)
    return tuple(to_float(g) for g in walk.at(_complete_point(graph, at, walk.wrt)).gradient)


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
    from ..twin.torch_twin import autograd_gradient

    graph, wrt, point = _numeric_setting(expr, wrt, at)
    return autograd_gradient(graph, wrt, point)[1]


def assert_gradient_matches(expr, wrt, at, methods=METHODS, rtol=1e-8, atol=1e-10):
    """Compute the gradient each way and fail with a table when two ways disagree.

    Each method is compared with the first (``exact`` by default): ``|a - b| <= atol + rtol |b|``.
    ``torch`` is left out, with the reason in the returned report, when torch is not installed.
    Returns ``{method: gradient}`` for the methods that ran.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SymgradError(f"unknown method {unknown[0]!r}: choose from {', '.join(METHODS)}")
    graph = as_graph(expr)
    wrt = resolve_all(wrt, graph.leaves() + graph.nodes, "expression", strict=False)
    compute = {"exact": exact_gradient, "finite_difference": finite_difference_gradient,
               "torch": torch_gradient}
    results, skipped = {}, {}
    for m in methods:
        if m == "torch" and not torch_available():
            skipped[m] = "torch is not installed (pip install symgrad[torch])"
            continue
        results[m] = compute[m](graph, wrt, at)
    reference = next(iter(results))
    bad = [(w, m) for m in results for w, a, b in zip(wrt, results[m], results[reference])
           if not abs(a - b) <= atol + rtol * abs(b)]
    if bad:
        raise AssertionError(_table(wrt, results, reference, rtol, atol, bad))
    return GradientReport(results, skipped)


class GradientReport(dict):
    """``{method: gradient}`` for the methods that ran, with ``skipped``: ``{method: reason}``."""

    def __init__(self, results, skipped):
        super().__init__(results)
        self.skipped = skipped


def assert_derivative_equal(actual, expected, wrt):
    """Fail unless the derivative ``actual`` equals ``expected`` as a function of its variables:
    structurally, or by an exact zero test, else at random rational probe points (the rule of
    :mod:`symgrad.core.equality`). Sequences (a gradient) are compared entry by entry, ``wrt`` naming the
    variable of each. The failure shows both expressions and a point where they differ."""
    actual, expected = _expressions(actual), _expressions(expected)
    names = list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    if not len(actual) == len(expected) == len(names):
        raise SymgradError(f"{len(actual)} derivatives, {len(expected)} expected and {len(names)} variables")
    failures = []
    for a, e, w in zip(actual, expected, names):
        point = counterexample(a, e)
        if point is not None:
            at = ", ".join(f"{s} = {v}" for s, v in point.items())
            values = (f"{_shown(a.xreplace(point))} against {_shown(e.xreplace(point))}"
                      + (f" at {at}" if at else ""))
            failures.append(f"d/d{w}: {a}\n  is not {e}\n  ({values})")
    if failures:
        raise AssertionError("derivatives differ:\n" + "\n".join(failures))


def _expressions(values):
    """A derivative, or a sequence of them, as SymPy expressions; text is refused, never parsed."""
    values = list(values) if isinstance(values, (list, tuple, sympy.MatrixBase)) else [values]
    for v in values:
        if isinstance(v, str):
            raise SymgradError(f"compare SymPy expressions, not the string {v!r} (symgrad never evaluates text)")
    return [v if isinstance(v, sympy.Basic) else exact(v) for v in values]


def _shown(value):
    number = approximate(value, 15)
    return f"{float(number):.12g}" if number.is_number and number.is_real else str(number)


def check_user_gradient(f, grad_f, at, rtol=1e-6, atol=1e-9):
    """Check a hand-written gradient ``grad_f`` of ``f`` at the point ``at``, as
    ``torch.autograd.gradcheck`` does for torch code, for plain Python or NumPy code.

    ``at`` is a mapping from variables (symbols or names) to numbers, or a sequence of numbers;
    ``grad_f`` is called with the point's values as positional arguments, in that order, and returns
    one partial per value. When ``f`` is a SymPy expression (or a symgrad Graph) the reference is
    its exact gradient; when ``f`` is a Python function (called the same way as ``grad_f``) the
    reference is central finite differences. Fails with a table; returns
    ``{"user": ..., "reference": ..., "method": "exact" | "finite_difference"}``.
    """
    names, values = _user_point(f, at)
    user = tuple(float(g) for g in _sequence(grad_f(*values), "grad_f's result"))
    if len(user) != len(values):
        raise SymgradError(f"grad_f returned {len(user)} partials for {len(values)} variables")
    if callable(f) and not isinstance(f, (sympy.Basic, Graph)):
        method = "finite_difference"
        partials = central_differences(lambda points: [float(f(*column)) for column in points.T], values,
                                       range(len(values)))
        reference = tuple(float(p) for p in partials)
    else:
        method = "exact"
        reference = exact_gradient(f, names, dict(zip(names, values)))
    bad = [(n, "user") for n, a, b in zip(names, user, reference) if not abs(a - b) <= atol + rtol * abs(b)]
    if bad:
        raise AssertionError(_table(names, {method: reference, "user": user}, method, rtol, atol, bad))
    return {"user": user, "reference": reference, "method": method}


def _user_point(f, at):
    """The variables (symbols or positions) and float values of a point given as a mapping or a sequence."""
    if hasattr(at, "items"):
        names = list(at)
        values = [float(exact(v)) for v in at.values()]
    else:
        values = [float(exact(v)) for v in _sequence(at, "point")]
        if not callable(f) or isinstance(f, (sympy.Basic, Graph)):
            raise SymgradError("for a SymPy expression, give the point as a mapping from its variables to numbers")
        names = [f"x[{i}]" for i in range(len(values))]
    return names, values


def _sequence(values, what):
    try:
        return list(values)
    except TypeError:
        raise SymgradError(f"{what} must be a sequence of numbers, got {values!r}") from None


def _table(wrt, results, reference, rtol, atol, bad):
    methods = list(results)
    header = ["variable", *methods, "largest difference"]
    rows = []
    for i, w in enumerate(wrt):
        ref = results[reference][i]
        diff = max(abs(results[m][i] - ref) for m in methods)
        mark = " <-" if any(v == w for v, _ in bad) else ""
        rows.append([str(w), *(repr(results[m][i]) for m in methods), f"{diff:.3g}{mark}"])
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(wd) for cell, wd in zip(r, widths)) for r in [header, *rows]]
    return (f"gradients disagree (|a - {reference}| > {atol:g} + {rtol:g}|{reference}|):\n"
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
