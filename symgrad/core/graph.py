"""The model graph: a DAG of named intermediates, each a SymPy expression of earlier ones.

A node is a plain SymPy ``Symbol`` (``h1``, ``yhat``, ``L``) with a definition, so expressions of nodes
compose as ordinary SymPy. Symbols that are not nodes are the graph's leaves: weights and data.
"""

import sympy

from .errors import CycleError, GraphError
from .math_commands import forbidden
from .numbers import exactify
from .operations import operations
from .variables import as_scalar, resolve, sorted_symbols

__all__ = ["Graph", "normalise"]


def normalise(expr):
    """Decimals become rationals; another SymPy form of a registered operation becomes the operation
    (``Max(0, z)`` is ``relu(z)``, whose derivative at 0 is 0, as torch's)."""
    expr = exactify(expr)
    for op in operations():
        if op.replaces is not None:
            kind, rewrite = op.replaces
            found = {m: rewrite(m) for m in expr.atoms(kind)}
            found = {m: r for m, r in found.items() if r is not None}
            if found:
                expr = expr.xreplace(found)
    return expr


class Graph:
    """A model as named intermediates. ``define`` adds a node; the last one defined is the output."""

    def __init__(self):
        self._definitions = {}
        self._parents = {}
        self._used = set()  # every symbol some definition uses
        self._latex = {}
        self._output = None
        self._cache = {}

    # -- building ---------------------------------------------------------------------------

    def define(self, name, expr, *, latex=None):
        """Add the node ``name = expr`` and return its symbol (usable in later definitions). ``latex``
        is how the node prints: math-mode LaTeX of :mod:`~symgrad.core.math_commands` only."""
        symbol = _node_symbol(name)
        latex = None if latex is None else _notation(symbol, latex)
        if symbol in self._definitions:
            raise GraphError(f"the node {symbol.name!r} is defined twice")
        definition = normalise(as_scalar(expr, f"definition of {symbol.name}"))
        self._check_acyclic(symbol, definition)
        self._definitions[symbol] = definition
        self._parents[symbol] = tuple(sorted_symbols(definition.free_symbols))
        self._used |= definition.free_symbols
        if latex is not None:
            self._latex[symbol] = latex
        self._output = symbol
        self._cache.clear()
        return symbol

    def _check_acyclic(self, symbol, definition):
        """A new node closes a cycle only if its definition reaches back to it; a node no earlier
        definition uses can only do so directly."""
        if symbol not in self._used:
            if symbol in definition.free_symbols:
                raise CycleError(f"the graph has a cycle: {symbol.name} -> {symbol.name}")
            return
        trail, stack = {}, [(p, symbol) for p in definition.free_symbols]
        while stack:
            current, via = stack.pop()
            if current in trail:
                continue
            trail[current] = via
            if current == symbol:
                chain = []
                while via != symbol:
                    chain.append(via.name)
                    via = trail[via]
                raise CycleError("the graph has a cycle: " + " -> ".join([symbol.name, *reversed(chain), symbol.name]))
            if current in self._definitions:
                stack.extend((p, current) for p in self._definitions[current].free_symbols)

    @classmethod
    def from_expression(cls, expr, name="L"):
        """Split a plain expression into nodes at function applications.

        Each application ``f(u)`` becomes a node ``a_k``, and each argument ``u`` that is not a
        symbol or number becomes a node ``z_k`` (a linear map, then an activation); so does the
        base of a power, such as the error inside a squared loss. The whole expression becomes the
        output node ``name``.
        """
        expr = normalise(as_scalar(expr))
        graph = cls()
        taken = {s.name for s in expr.free_symbols} | {name}
        counters = {"z": 0, "a": 0}
        memo = {}

        def fresh(prefix):
            while True:
                counters[prefix] += 1
                candidate = f"{prefix}{counters[prefix]}"
                if candidate not in taken:
                    taken.add(candidate)
                    return candidate

        def node_for(e, prefix):
            if e not in memo:
                memo[e] = graph.define(fresh(prefix), e)
            return memo[e]

        def visit(e):
            if e.is_Atom or not isinstance(e, sympy.Expr):
                return e
            args = [visit(a) for a in e.args]
            if isinstance(e, sympy.Function) and not isinstance(e, sympy.Piecewise):
                return node_for(e.func(*[named(a) for a in args]), "a")
            if isinstance(e, sympy.Pow):
                return e.func(named(args[0]), args[1])
            return e.func(*args)

        def named(arg):
            return arg if arg.is_Atom or not isinstance(arg, sympy.Expr) else node_for(arg, "z")

        root = visit(expr)
        graph.define(name, root)
        return graph

    def with_output(self, node):
        """The same graph with ``node`` as its output (to differentiate an intermediate)."""
        node = resolve(node, self.nodes, "graph's nodes")
        other = Graph()
        other._definitions, other._parents = dict(self._definitions), dict(self._parents)
        other._used, other._latex, other._output = set(self._used), dict(self._latex), node
        return other

    def cut(self, nodes):
        """The graph with ``nodes`` turned into leaves (their definitions dropped): the output's
        partial with respect to such a leaf is the node's adjoint in this graph."""
        cut = set(nodes)
        other = Graph()
        for n in self.nodes:
            if n not in cut:
                other.define(n, self._definitions[n], latex=self._latex.get(n))
        other._output = self._output
        return other

    # -- reading ----------------------------------------------------------------------------

    @property
    def output(self):
        """The node a derivative is taken of by default: the last one defined."""
        if self._output is None:
            raise GraphError("the graph has no nodes")
        return self._output

    @property
    def nodes(self):
        """The nodes in topological order: each after every node its definition uses."""
        if "order" not in self._cache:
            self._cache["order"] = topological_order(self._definitions, self._parents)
        return self._cache["order"]

    def is_node(self, symbol):
        return symbol in self._definitions

    def definition(self, node):
        return self._definitions[node]

    def latex_name(self, symbol):
        """The LaTeX a node was given with ``define(..., latex=)``, or None."""
        return self._latex.get(symbol)

    def parents(self, node):
        """The symbols (nodes and leaves) that the node's definition uses, in a stable order."""
        return self._parents[node]

    def ancestors(self, node):
        """Every node and leaf that ``node`` depends on, not counting itself."""
        seen, stack = set(), [node]
        while stack:
            for p in self._definitions[stack.pop()].free_symbols:
                if p not in seen:
                    seen.add(p)
                    if p in self._definitions:
                        stack.append(p)
        return seen

    def leaves(self, node=None):
        """The symbols that are not nodes (weights and data), of the whole graph or below ``node``."""
        symbols = self.ancestors(node) if node is not None else set().union(
            *(d.free_symbols for d in self._definitions.values()))
        return tuple(sorted_symbols(s for s in symbols if s not in self._definitions))

    def assignments(self, node=None):
        """The definitions ``node`` (default: the output) needs, as ``(node, definition)`` pairs in
        the order they can be computed: the graph as straight-line code."""
        node = self.output if node is None else node
        needed = self.ancestors(node) | {node}
        return [(n, self._definitions[n]) for n in self.nodes if n in needed]

    def expand(self, expr=None):
        """``expr`` (default: the output) with every node replaced by its definition, recursively."""
        if "expanded" not in self._cache:
            expanded = {}
            for n in self.nodes:
                expanded[n] = self._definitions[n].xreplace(expanded)
            self._cache["expanded"] = expanded
        expr = self.output if expr is None else expr
        return sympy.sympify(expr).xreplace(self._cache["expanded"])

    def __repr__(self):
        lines = [f"  {n} = {self._definitions[n]}" for n in self.nodes]
        return "Graph(\n" + "\n".join(lines) + "\n)"


def _node_symbol(name):
    if isinstance(name, sympy.Symbol):
        return name
    if not isinstance(name, str) or not name.strip():
        raise GraphError(f"a node's name must be a non-empty string or a Symbol, got {name!r}")
    return sympy.Symbol(name.strip())


def _notation(symbol, latex):
    latex = str(latex)
    problem = forbidden(latex)
    if problem is not None:
        raise GraphError(f"node {symbol.name}: latex= {problem} is not allowed in a notation (math commands "
                         f"such as \\hat, \\mathcal, \\alpha, sub- and superscripts only), in {latex!r}")
    return latex


def topological_order(definitions, parents):
    """Depth-first post-order of the nodes of ``definitions`` (iterated in its order): each after the
    nodes among its ``parents[node]`` that are themselves in ``definitions``."""
    order, done = [], set()
    for start in definitions:
        stack = [(start, iter(parents[start]))] if start not in done else []
        while stack:
            node, todo = stack[-1]
            for p in todo:
                if p in definitions and p not in done:
                    stack.append((p, iter(parents[p])))
                    break
            else:
                stack.pop()
                if node not in done:
                    done.add(node)
                    order.append(node)
    return tuple(order)
