"""Holding exact derivatives against numeric ones, three ways: exact (SymPy), finite differences
(central, Richardson-extrapolated), and torch autograd in float64.

``assert_gradient_matches`` is the entry point; the three ``*_gradient`` functions each return
the gradient at a point as Python floats, in the order of ``wrt``.
"""

import math

import numpy as np
import sympy

from .backprop import backward
from .calculus import as_graph
from .errors import SymgradError
from .numeric import compile_function
from .variables import as_point, resolve_all

__all__ = ["assert_gradient_matches", "exact_gradient", "finite_difference_gradient", "torch_gradient"]

METHODS = ("exact", "finite_difference", "torch")


def exact_gradient(expr, wrt, at):
    """The exact gradient at ``at``, rounded to float only at the end (30 significant digits first)."""
    graph = as_graph(expr)
    walk = backward(graph, wrt)
    return tuple(_to_float(g) for g in walk.at(_complete_point(graph, at, walk.wrt)).gradient)


def finite_difference_gradient(expr, wrt, at, *, shrink=1.4, steps=24):
    r"""Central differences $(f(x+h)-f(x-h))/2h$ for a shrinking sequence of steps per variable,
    extrapolated to $h \to 0$ by Ridders' method.

    Two sequences are tried per variable, one starting at $h = 0.1$ and one at $h = 0.1|x|$ (each at
    most $|x|/2$ when $x \ne 0$); the extrapolation with the smaller error estimate wins. Every
    evaluation runs in one vectorised call of the compiled function, in float64; a step whose
    evaluations are not finite (a singularity nearby) is skipped.
    """
    graph = as_graph(expr)
    args = graph.leaves(graph.output)
    wrt = resolve_all(wrt, graph.leaves(), "expression", strict=False)
    point = _complete_point(graph, at, wrt)
    base = np.array([float(point[a]) for a in args])
    starts = [(w, h0) for w in wrt if w in args for h0 in _first_steps(base[args.index(w)])]
    if not starts:
        return tuple(0.0 for _ in wrt)
    h = np.array([h0 for _, h0 in starts])[:, None] / shrink ** np.arange(steps)[None, :]
    columns = np.repeat(base[:, None], 2 * h.size, axis=1)  # one column per evaluation
    for i, (w, _) in enumerate(starts):
        columns[args.index(w), 2 * i * steps:2 * (i + 1) * steps] += np.concatenate([h[i], -h[i]])
    with np.errstate(all="ignore"):
        values = np.broadcast_to(compile_function(graph, args)(*columns), (2 * h.size,))
    best = {}
    for i, (w, _) in enumerate(starts):
        plus, minus = values[2 * i * steps:(2 * i + 1) * steps], values[(2 * i + 1) * steps:2 * (i + 1) * steps]
        estimate = _ridders((plus - minus) / (2 * h[i]), shrink)
        if w not in best or estimate[1] < best[w][1]:
            best[w] = estimate
    return tuple(best[w][0] if w in best else 0.0 for w in wrt)


def torch_gradient(expr, wrt, at):
    """The gradient at ``at`` by torch autograd in float64, from the same SymPy expression."""
    from .torch_twin import autograd_gradient

    graph = as_graph(expr)
    wrt = resolve_all(wrt, graph.leaves(), "expression", strict=False)
    return autograd_gradient(graph, wrt, _complete_point(graph, at, wrt))[1]


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
    wrt = resolve_all(wrt, graph.leaves(), "expression", strict=False)
    compute = {"exact": exact_gradient, "finite_difference": finite_difference_gradient,
               "torch": torch_gradient}
    results, skipped = {}, {}
    for m in methods:
        if m == "torch" and not _torch_available():
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


def _complete_point(graph, at, wrt):
    """The point as exact values; it may also name variables of ``wrt`` that the expression lacks."""
    point = as_point(at, graph.leaves() + tuple(wrt), "expression")
    missing = [s.name for s in graph.leaves(graph.output) if s not in point]
    if missing:
        raise SymgradError(f"the point gives no value for {', '.join(missing)}")
    return point


def _to_float(value):
    number = sympy.N(value, 30)
    if not number.is_number:
        raise SymgradError(f"the value {value} is not a number")
    return float(number)


def _first_steps(x):
    x = abs(float(x))
    return [0.1] if x == 0 else sorted({min(0.1, x / 2), min(0.1 * x, x / 2)})


def _ridders(differences, shrink):
    """Neville extrapolation of central differences at steps h, h/shrink, ... to h = 0 (Ridders):
    ``(estimate, error estimate)``."""
    finite = np.flatnonzero(np.isfinite(differences))
    if finite.size == 0:
        return math.nan, math.inf
    d = differences[finite[0]:]
    d = d[:np.argmax(~np.isfinite(d))] if not np.isfinite(d).all() else d
    best, error = d[0], math.inf
    previous = [d[0]]
    for i in range(1, len(d)):
        row = [d[i]]
        factor = shrink ** 2
        for j in range(1, i + 1):
            row.append((row[j - 1] * factor - previous[j - 1]) / (factor - 1))
            factor *= shrink ** 2
            estimate = max(abs(row[j] - row[j - 1]), abs(row[j] - previous[j - 1]))
            if estimate <= error:
                error, best = estimate, row[j]
        if abs(row[i] - previous[i - 1]) >= 2 * error:
            break
        previous = row
    return float(best), error


def _torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True
