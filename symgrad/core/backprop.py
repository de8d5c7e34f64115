r"""Symbolic backpropagation: one reverse walk over the graph, the chain rule in one place.

The rule: $\bar v = \sum_{c \in \text{consumers}(v)} \bar c \cdot \partial c / \partial v$, with
$\bar{\text{output}} = 1$ and each local partial $\partial c/\partial v$ the exact derivative of the
definition of ``c``. The walk differentiates each edge once, so its cost grows with the number of
edges, not with the size of the expanded expression.
"""

from dataclasses import dataclass, field
from functools import cached_property

import sympy

from .differentiation import partials
from .errors import DomainError, UnknownVariableError
from .graph import Graph
from .variables import as_point, resolve_all

__all__ = ["Backprop", "PointValues", "backward", "UNDEFINED"]

# What a value at a point outside the domain holds: an infinity, an undefined value, or i.
UNDEFINED = (sympy.S.ComplexInfinity, sympy.S.NaN, sympy.S.Infinity, sympy.S.NegativeInfinity, sympy.S.ImaginaryUnit)


@dataclass(frozen=True)
class PointValues:
    """The values of a walk at a point: the output, the gradient (in ``wrt`` order), every node
    and every adjoint, as exact numbers."""

    output: object
    gradient: tuple
    nodes: dict = field(repr=False)
    adjoints: dict = field(repr=False)


@dataclass(frozen=True)
class Backprop:
    """The result of one reverse walk from ``output`` to the variables ``wrt``.

    ``local[(c, v)]`` is the local partial of node ``c`` with respect to ``v``, written in node
    symbols (a node's own definition folded back into its symbol: ``a(1 - a)`` for a sigmoid);
    ``order`` lists the visited nodes from the output backwards.
    """

    graph: Graph
    output: sympy.Symbol
    wrt: tuple
    order: tuple
    local: dict = field(repr=False)

    def consumers(self, v):
        """The ``(consumer, local partial)`` pairs through which ``v`` reaches the output."""
        return self._consumer_table.get(v, [])

    @cached_property
    def _consumer_table(self):
        table = {}
        for (c, p), d in self.local.items():
            table.setdefault(p, []).append((c, d))
        return table

    @cached_property
    def _visit_order(self):
        """The output first, then each node or variable after all of its consumers."""
        visited = set(self.order)
        return self.order + tuple(w for w in self.wrt if w not in visited and self.consumers(w))

    def _accumulate(self, local_value):
        """Adjoints by the rule, with each local partial mapped through ``local_value``."""
        adjoint = {self.output: sympy.S.One}
        for v in self._visit_order[1:]:
            adjoint[v] = sympy.Add(*[adjoint[c] * local_value(d) for c, d in self.consumers(v)])
        return adjoint

    @cached_property
    def _expanded_adjoints(self):
        return self._accumulate(self.graph.expand)

    def adjoint(self, v):
        """d(output)/d(v) as an expression of the graph's leaves (v a node or a variable of ``wrt``)."""
        if v not in self._expanded_adjoints and v not in self.wrt:
            raise UnknownVariableError(f"{v} is not on a path from {', '.join(map(str, self.wrt))} "
                                       f"to {self.output}")
        return self._expanded_adjoints.get(v, sympy.S.Zero)

    @property
    def gradient(self):
        """The partials of the output with respect to ``wrt``, in that order, in the leaves."""
        return tuple(self.adjoint(w) for w in self.wrt)

    def at(self, point):
        """Every value of the walk at ``point`` (a mapping of leaves to numbers), exactly.

        Node values are computed forward and adjoints backward from the local partials, so
        nothing is expanded; variables the point leaves out stay symbolic.
        """
        values = as_point(point, self.graph.leaves() + self.wrt, "graph")
        nodes = {}
        for n in self.graph.nodes:
            nodes[n] = values[n] = self.graph.definition(n).xreplace(values)
        adjoints = self._accumulate(lambda d: d.xreplace(values))
        return PointValues(nodes[self.output], tuple(adjoints.get(w, sympy.S.Zero) for w in self.wrt),
                           nodes, adjoints)

    def defined_at(self, point):
        """The values at ``point``, as :meth:`at` gives them; a point where a node's value or a partial
        of ``wrt`` is infinite, undefined or complex is a :class:`DomainError` naming the expression,
        the variables it depends on with their values, and what it is there."""
        values = self.at(point)
        point = as_point(point, self.graph.leaves() + self.wrt, "graph")
        checked = [*values.nodes.items(), *zip(self.wrt, values.gradient)]
        for k, (symbol, value) in enumerate(checked):
            if value.has(*UNDEFINED):
                node = k < len(values.nodes)
                what = self.graph.expand(symbol) if node else f"the partial of {self._named_output()} by {symbol}"
                depends = what.free_symbols if node else point
                at = ", ".join(f"{s} = {point[s]}" for s in sorted(point, key=str) if s in depends) or "the point"
                raise DomainError(f"the point {at} is outside the domain: {what} is {value} there")
        return values

    def _named_output(self):
        """The output as it is written in the leaves when that is short, else its name."""
        written = str(self.graph.expand(self.output))
        return written if len(written) <= 60 else self.output.name

    def program(self):
        """The walk as straight-line code: ``(assignments, outputs)``.

        ``assignments`` are ``(symbol, expression)`` pairs in order: each node the output depends
        on (forward), then an adjoint symbol for each visited node and variable (backward).
        ``outputs`` are the output node and the adjoints of ``wrt``. Its size grows with the
        number of edges of the graph.
        """
        forward = self.graph.assignments(self.output)
        bar = {v: sympy.Dummy(f"bar_{v.name}") for v in self._visit_order}
        backward_ = [(bar[self.output], sympy.S.One)] if bar else []  # none when no variable of wrt is reached
        for v in self._visit_order[1:]:
            backward_.append((bar[v], sympy.Add(*[bar[c] * d for c, d in self.consumers(v)])))
        return forward + backward_, [self.output, *(bar.get(w, sympy.S.Zero) for w in self.wrt)]


def backward(graph, wrt, output=None):
    """Walk ``graph`` from ``output`` (default: its output) back to the variables ``wrt``.

    A variable may be a leaf or a node; one the output does not depend on has partial 0. A name
    must be the name of a symbol of the graph.
    """
    output = graph.output if output is None else output
    above = graph.ancestors(output)
    wrt = resolve_all(wrt, graph.leaves() + graph.nodes, f"graph of {output}", strict=False)
    reaches = set(wrt)  # the variables of wrt and every node that depends on one of them
    for n in graph.nodes:
        if any(p in reaches for p in graph.parents(n)):
            reaches.add(n)
    order = tuple(n for n in reversed(graph.nodes) if n in reaches and (n == output or n in above))
    fold = {graph.definition(n): n for n in graph.nodes if not graph.definition(n).is_Atom}
    local = {}
    for c in order:
        parents = [p for p in graph.parents(c) if p in reaches]
        for p, d in zip(parents, partials(graph.definition(c), parents)):
            local[(c, p)] = d.xreplace(fold)
    return Backprop(graph, output, wrt, order, local)
