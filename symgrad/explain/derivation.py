r"""Derivations: the chain rule over a model's graph, step by step, as data that checks itself.

``derive(loss, wrt, at=None)`` builds, for each variable $v$ of ``wrt``: each local partial of
the graph's edges by the rules (:mod:`symgrad.explain.rules`), the chain-rule product along each path from
the loss down to $v$, the sum over paths, the result in the leaves (simplified, exactly equal),
and at a point, its value. ``.descend(eta)`` adds the updates $\theta \leftarrow \theta - \eta g$,
``.along(v)`` the directional derivative, ``.hessian()`` the second partials (each first partial
differentiated again by the same rules), ``.newton()`` Newton's step $\theta - H^{-1} g$. Every step
is checked (:meth:`Step.check`) before the derivation is returned: one that fails is a
:class:`~symgrad.core.errors.DerivationError`.
"""

from dataclasses import dataclass, field

import sympy

from ..core.backprop import Backprop, backward
from ..core.calculus import as_graph, newton_update, second_partials
from ..core.errors import DerivationError, DirectionError, ShapeError, SymgradError
from ..core.graph import Graph
from .diagram import diagram_of
from .latex import latex
from .text import text
from ..core.numbers import exact
from .rules import differentiate
from .steps import (ChainProduct, Directional, Given, LocalPartial, Partial, PartialAt, NewtonStep, PathSum,
                    SecondPartial, SecondPartialAt, Simplification, Symmetric, Update, walk_steps)
from ..core.variables import as_point, resolve_all

__all__ = ["Derivation", "derive", "MAX_PATHS"]

MAX_PATHS = 256  # paths from the loss to one variable beyond which a derivation is not written out


@dataclass(frozen=True)
class Derivation:
    """Derivatives of ``graph``'s output with respect to ``wrt``, as step trees.

    ``partials`` holds the symbolic partial of each variable; ``answers`` one root step per answer
    (those partials, their values at the point, the updates, or a directional derivative), and
    ``result`` their results: one value when a single variable was asked for, else a tuple.
    ``point`` and ``forward`` are the leaves' values and the forward pass: ``(symbol, value)`` pairs.
    """

    walk: Backprop = field(repr=False)
    partials: tuple
    answers: tuple
    point: tuple = ()
    forward: tuple = ()
    single: bool = False

    @property
    def graph(self):
        return self.walk.graph

    @property
    def output(self):
        return self.walk.output

    @property
    def wrt(self):
        return self.walk.wrt

    @property
    def result(self):
        results = tuple(a.result for a in self.answers)
        return results[0] if self.single and len(results) == 1 else results

    def descend(self, learning_rate, steps=1):
        r"""The derivation of ``steps`` steps of $\theta \leftarrow \theta - \eta\, g$ from the point,
        on every variable of ``wrt``: its answers are the new values."""
        self._require_gradient_at_point("an update step")
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise SymgradError(f"steps must be a whole number of at least 1, got {steps!r}")
        point = dict(self.point)
        missing = [w.name for w in self.wrt if w not in point]
        if missing:
            raise SymgradError(f"the point gives no value for {', '.join(missing)}, so it cannot be updated")
        eta = exact(learning_rate)
        values, gradient = [Given(w, point[w]) for w in self.wrt], self.answers
        for _ in range(steps):
            values = [Update(w, p, eta, g) for w, p, g in zip(self.wrt, values, gradient)]
            point.update({u.variable: u.result for u in values})
            gradient = _values_at(self.walk, self.partials, point)[1]
        return _checked(Derivation(self.walk, self.partials, tuple(values), self.point, self.forward, self.single))

    def along(self, direction):
        r"""The derivation of $D_v f = \nabla f \cdot v / \lVert v \rVert$ for ``direction`` $v$."""
        self._require_gradient_at_point(None)
        step = Directional(_direction(direction, len(self.wrt)), self.answers)
        return _checked(Derivation(self.walk, self.partials, (step,), self.point, self.forward, True))

    def hessian(self):
        r"""The derivation of the Hessian $H_{ij} = \partial^2 L / (\partial w_i\, \partial w_j)$ over ``wrt``
        (the model's variables, not its nodes), symbolically or at the point: its answers are the
        entries row by row. Entry $(i, j)$ for $j \ge i$ differentiates the derived $\partial L/\partial w_i$
        by $w_j$ by the rules; an entry below the diagonal is its mirror's (:class:`~.steps.Symmetric`)."""
        self._require_gradient_at_point(None)
        nodes = [w.name for w in self.wrt if self.graph.is_node(w)]
        if nodes:
            raise SymgradError(f"a Hessian is taken with respect to the model's variables, not its node "
                               f"{nodes[0]}")
        function, point = self.graph.expand(self.output), self.point
        expected = second_partials(self.walk.gradient, self.wrt).xreplace(dict(point)) if point else None
        n, entries = len(self.wrt), {}
        for i, u in enumerate(self.wrt):
            for j in range(i, n):
                v = self.wrt[j]
                entry = Simplification(SecondPartial(self.output, (u, v), self.partials[i],
                                                     differentiate(self.partials[i].result, v), function))
                entries[i, j] = Simplification(SecondPartialAt(entry, point, expected[i, j])) if point else entry
        for i in range(n):
            for j in range(i):
                entries[i, j] = Symmetric(self.output, (self.wrt[i], self.wrt[j]), entries[j, i], function, point)
        answers = tuple(entries[i, j] for i in range(n) for j in range(n))
        return _checked(Derivation(self.walk, self.partials, answers, self.point, self.forward))

    def newton(self):
        r"""The derivation of Newton's step $\theta \leftarrow \theta - H^{-1} \nabla L$ from the point, on every
        variable of ``wrt`` at once: its answers are the new values. A singular Hessian is an error."""
        self._require_gradient_at_point("Newton's step")
        hessian = self.hessian()
        point = dict(self.point)
        missing = [w.name for w in self.wrt if w not in point]
        if missing:
            raise SymgradError(f"the point gives no value for {', '.join(missing)}, so it cannot be updated")
        if newton_update([point[w] for w in self.wrt], [a.result for a in hessian.answers],
                         [a.result for a in self.answers]) is None:
            raise SymgradError(f"the Hessian of {self.output} at the point is singular, so Newton's step "
                               f"is undefined there")
        values = tuple(Given(w, point[w]) for w in self.wrt)
        function = self.graph.expand(self.output)
        steps = tuple(NewtonStep(tuple(self.wrt), i, values, self.answers, hessian.answers, function, self.point)
                      for i in range(len(self.wrt)))
        return _checked(Derivation(self.walk, self.partials, steps, self.point, self.forward, self.single))

    def _require_gradient_at_point(self, purpose):
        if any(_combines(a) for a in self.answers):
            raise SymgradError("this derivation already combines its partials; derive the gradient again")
        if purpose and not self.point:
            raise SymgradError(f"{purpose} needs a point: derive(..., at={{...}})")

    def __str__(self):
        """The derivation as plain Unicode text (:func:`~symgrad.explain.text.text`)."""
        return text(self)

    def __repr__(self):
        at = f" at {', '.join(f'{k}={v}' for k, v in self.point)}" if self.point else ""
        return (f"<Derivation of {self.output} with respect to {', '.join(map(str, self.wrt))}{at}: "
                f"{self.result}>")

    def _repr_latex_(self):
        """The derivation displayed in Jupyter."""
        return latex(self, jupyter=True)

    def diagram(self, partials=False):
        """The graph drawn with each value and adjoint (:func:`~symgrad.explain.diagram.diagram_of`)."""
        return diagram_of(self, partials)

    def every_step(self):
        """Every step of every answer's tree, each shared step once and after its sub-steps."""
        seen, out = set(), []
        for answer in self.answers:
            for s in walk_steps(answer):
                if id(s) not in seen:
                    seen.add(id(s))
                    out.append(s)
        return out


def derive(loss, wrt, at=None):
    """The derivation of ``loss`` (an expression or a Graph; its output) with respect to ``wrt``
    (a variable or a sequence of them), symbolically or at the point ``at``.

    With respect to a leaf, the result is written in the leaves; with respect to a node, in that
    node and the nodes that do not depend on it, which the partial holds fixed (``sigma(z) - y``).
    """
    graph = as_graph(loss)
    single = isinstance(wrt, (str, sympy.Symbol))
    known = graph.leaves() + (graph.nodes if isinstance(loss, Graph) else ())
    variables = resolve_all(wrt, known, "graph" if isinstance(loss, Graph) else "expression", strict=False)
    walk = backward(graph, variables)
    builder = _Builder(graph, walk)
    partials = tuple(builder.partial(v) for v in variables)
    if at is None:
        return _checked(Derivation(walk, partials, partials, single=single))
    point = as_point(at, graph.leaves() + variables, "graph")
    forward, answers = _values_at(walk, partials, point)
    return _checked(Derivation(walk, partials, answers, tuple(point.items()), forward, single))


def _values_at(walk, partials, point):
    """The forward pass at ``point`` and each partial's value there, the engine's value its oracle."""
    values = walk.defined_at(point)
    nodes = tuple((n, values.nodes[n]) for n in walk.graph.nodes if n in values.nodes)
    leaves = tuple((k, v) for k, v in point.items() if not walk.graph.is_node(k))
    answers = tuple(Simplification(PartialAt(p, leaves, nodes, g)) for p, g in zip(partials, values.gradient))
    return nodes, answers


def _combines(answer):
    """Whether an answer already combines partials: an update, a directional derivative, a Hessian entry."""
    inner = answer.body if isinstance(answer, Simplification) else answer
    return isinstance(inner, (Update, Directional, SecondPartial, SecondPartialAt, Symmetric, NewtonStep))


def _checked(derivation):
    """``derivation``, once every one of its steps has passed its check (innermost first)."""
    for step in derivation.every_step():
        step.check()
    return derivation


def _direction(direction, n):
    if isinstance(direction, (str, sympy.Basic)) or not hasattr(direction, "__iter__"):
        raise ShapeError(f"the direction must be a sequence of numbers, got {direction!r}")
    v = tuple(exact(c) for c in direction)
    if len(v) != n:
        raise ShapeError(f"the direction has {len(v)} components but there are {n} variables")
    if sympy.Add(*[c ** 2 for c in v]).is_zero:
        raise DirectionError("the direction is the zero vector, which has no unit vector")
    return v


class _Builder:
    """Makes the steps of one graph's derivations, each local partial once per edge."""

    def __init__(self, graph, walk):
        self.graph, self.walk = graph, walk
        self.fold = tuple((graph.definition(n), n) for n in graph.nodes if not graph.definition(n).is_Atom)
        self.locals = {}

    def partial(self, v):
        of = self.walk.output
        paths = self.paths(v)
        chain = PathSum(of, v, tuple(ChainProduct(p, tuple(self.local(c, q) for c, q in zip(p, p[1:])))
                                     for p in paths))
        partial = Partial(of, v, Simplification(chain), self.expansion(v))
        return Simplification(partial)

    def local(self, node, parent):
        if (node, parent) not in self.locals:
            rule = differentiate(self.graph.definition(node), parent)
            self.locals[node, parent] = LocalPartial(node, parent, rule, self.fold)
        return self.locals[node, parent]

    def paths(self, v):
        """Every path from the output down to ``v``, as tuples of symbols (the output first)."""
        count = {}
        for u in self.walk.order + (v,):  # the output first, each node after its consumers
            count[u] = 1 if u == self.walk.output else sum(count.get(c, 0) for c, _ in self.walk.consumers(u))
        if count.get(v, 0) > MAX_PATHS:
            raise DerivationError(f"{v} reaches {self.walk.output} by {count[v]} paths, too many to write out "
                                  f"(at most {MAX_PATHS}); symgrad.gradient computes the derivative itself")

        position = {n: i for i, n in enumerate(self.graph.nodes)}

        def down(u):
            if u == self.walk.output:
                return [(u,)]
            consumers = sorted((c for c, _ in self.walk.consumers(u)), key=position.get)
            return [p + (u,) for c in consumers for p in down(c)]

        return down(v) if count.get(v, 0) else []

    def expansion(self, v):
        """Each node the output needs, written in the leaves. When ``v`` is a node, only the nodes
        that depend on it are expanded, and in ``v`` and the nodes that do not (held fixed, as
        the partial holds them): dL/dz for ``p = sigma(z)`` is ``sigma(z) - y``."""
        dependent = {v}
        for n in self.graph.nodes:
            if any(q in dependent for q in self.graph.parents(n)):
                dependent.add(n)
        expand_all = not self.graph.is_node(v)
        expanded = {}
        for n, definition in self.graph.assignments(self.walk.output):
            if n != v and (expand_all or n in dependent):
                expanded[n] = definition.xreplace(expanded)
        return tuple(expanded.items())
