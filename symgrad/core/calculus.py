"""Exact calculus on SymPy expressions and graphs: partials, gradients, Jacobians, Hessians,
Hessian-vector products, Newton's step and directional derivatives, all through the graph walk of
:mod:`symgrad.core.backprop`.

Each function takes a SymPy expression (split into a graph at its function applications) or a
:class:`~symgrad.core.graph.Graph` (its output is differentiated), and ``at=``, an optional point: a
mapping from variables (symbols or names) to numbers, decimals kept exact.
"""

import sympy

from .backprop import UNDEFINED, backward
from .differentiation import derivative
from .equality import equal
from .errors import DirectionError, DomainError, ShapeError
from .graph import Graph
from .numbers import exact
from .variables import as_point, as_scalar, resolve_all

__all__ = ["partial", "gradient", "jacobian", "hessian", "second_partials", "hvp", "newton_update",
           "directional_derivative", "as_graph", "Partials"]


class Partials(tuple):
    """A gradient's partials, in the order of the variables: a tuple that compares equal to any
    sequence (list, tuple) with the same entries, so ``gradient(f, [x, y]) == [2*x, 2*y]``."""

    def __eq__(self, other):
        if isinstance(other, (list, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = tuple.__hash__


def as_graph(expr):
    """A graph to walk: ``expr`` itself if it is a Graph, else the expression split into nodes."""
    return expr if isinstance(expr, Graph) else Graph.from_expression(as_scalar(expr))


def _walk(expr, wrt):
    """The graph of ``expr`` and its walk to ``wrt``; names are looked up among the expression's
    own symbols (a split expression's generated nodes are not the user's)."""
    graph = as_graph(expr)
    _, variables = _flatten(wrt)
    if not isinstance(expr, Graph):
        variables = resolve_all(variables, graph.leaves(), "expression", strict=False)
    return graph, backward(graph, variables)


def partial(expr, var, at=None):
    """The exact partial derivative of ``expr`` with respect to one variable."""
    (d,) = gradient(expr, [var], at=at)
    return d


def gradient(expr, wrt, at=None):
    """One exact partial per variable of ``wrt``, in the order given.

    ``wrt`` is a variable, a sequence of them (the result is a tuple) or a SymPy Matrix of them
    (the result is a Matrix of the same shape: a gradient has the shape of its parameter).
    """
    shape, _ = _flatten(wrt)
    _, walk = _walk(expr, wrt)
    partials = walk.defined_at(at).gradient if at is not None else walk.gradient
    return sympy.ImmutableMatrix(*shape, partials) if shape else Partials(partials)


def jacobian(exprs, wrt, at=None):
    """The matrix of partials ``J[i, j] = d exprs[i] / d wrt[j]``."""
    graphs = [as_graph(e) for e in _sequence(exprs, "expressions")]
    if not graphs:
        raise ShapeError("jacobian needs at least one expression")
    every = tuple(set().union(*(g.leaves() for g in graphs)))
    _, variables = _flatten(wrt)
    variables = resolve_all(variables, every, "expressions", strict=False)
    point = as_point(at, every + variables, "expressions") if at is not None else None
    rows = []
    for g in graphs:
        own = None if point is None else {k: x for k, x in point.items() if k in g.leaves() or k in variables}
        rows.append(list(gradient(g, variables, at=own)))
    return sympy.ImmutableMatrix(rows)


def hessian(expr, wrt, at=None):
    """The symmetric matrix of second partials ``H[i, j] = d^2 expr / (d wrt[i] d wrt[j])``."""
    graph, first = _walk(expr, wrt)
    matrix = second_partials(first.gradient, first.wrt)
    if at is None:
        return matrix
    first.defined_at(at)
    point = as_point(at, graph.leaves() + first.wrt, "expression")
    value = matrix.xreplace(point)
    bad = next(((i, j) for i in range(value.rows) for j in range(i, value.cols) if value[i, j].has(*UNDEFINED)),
               None)
    if bad is not None:
        i, j = bad
        raise DomainError(f"the point {', '.join(f'{s} = {v}' for s, v in point.items())} is outside the domain: "
                          f"the second partial d2/d{first.wrt[i]}d{first.wrt[j]} is {value[i, j]} there")
    return value


def second_partials(partials, wrt):
    """The matrix ``H[i, j] = d partials[i] / d wrt[j]`` from first partials written in the leaves;
    the upper triangle is differentiated and mirrored (the Hessian is symmetric, by Schwarz)."""
    n = len(wrt)
    entries = {}
    for i, g in enumerate(partials):
        for j in range(i, n):
            entries[i, j] = entries[j, i] = derivative(g, wrt[j])
    return sympy.ImmutableMatrix(n, n, lambda i, j: entries[i, j])


def hvp(expr, wrt, v, at=None):
    r"""The Hessian-vector product $H v$, ``(H v)_i = sum_j H[i, j] v[j]``, exactly and not normalised
    (as ``torch.autograd.functional.hvp``); a tuple in the order of ``wrt``."""
    _, variables = _flatten(wrt)
    vector = [exact(c) for c in _sequence(v, "vector")]
    if len(vector) != len(variables):
        raise ShapeError(f"the vector has {len(vector)} components but there are {len(variables)} variables")
    return Partials(hessian(expr, variables, at=at) * sympy.Matrix(vector))


def newton_update(values, hessian, gradient):
    r"""Newton's step $\theta - H^{-1} g$ from the parameters' ``values``, with the exact ``hessian`` (a
    matrix, or its entries row by row) and ``gradient`` there: a tuple, or None when $H$ is singular."""
    n = len(values)
    matrix = sympy.Matrix(n, n, list(hessian))
    if equal(matrix.det(), 0):
        return None
    step = matrix.LUsolve(sympy.Matrix(list(gradient)))
    return tuple(t - s for t, s in zip(values, step))


def directional_derivative(expr, wrt, direction, at=None):
    r"""$D_v f = \nabla f \cdot v / \lVert v \rVert$: the rate of change of ``expr`` along ``direction``,
    normalised to a unit vector; a zero direction is an error."""
    graph = as_graph(expr)
    _, variables = _flatten(wrt)
    v = [exact(d) for d in _sequence(direction, "direction")]
    if len(v) != len(variables):
        raise ShapeError(f"the direction has {len(v)} components but there are {len(variables)} variables")
    norm_squared = sympy.Add(*[c ** 2 for c in v])
    if norm_squared.is_zero:
        raise DirectionError("the direction is the zero vector, which has no unit vector")
    norm = sympy.sqrt(norm_squared)
    return sympy.Add(*[g * c / norm for g, c in zip(gradient(graph, variables, at=at), v)])


def _flatten(wrt):
    """``(shape, variables)``: the shape to give the result (None for a tuple) and the variables."""
    if isinstance(wrt, sympy.MatrixBase):
        return wrt.shape, list(wrt)
    if isinstance(wrt, (str, sympy.Symbol)):
        return None, [wrt]
    return None, _sequence(wrt, "variables")


def _sequence(values, what):
    if isinstance(values, sympy.MatrixBase):
        return list(values)
    if isinstance(values, (str, sympy.Basic)) or not hasattr(values, "__iter__"):
        raise ShapeError(f"the {what} must be a sequence, got {values!r}")
    return list(values)

