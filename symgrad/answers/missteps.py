r"""Missteps: the wrong derivatives a student reaches by doing ONE step of the derivation wrong.

The function is derived by :func:`symgrad.derive`, as symgrad explains it, and each step where a
rule can be misapplied is altered in turn, the rest of the derivation recombined around it
(:func:`symgrad.explain.steps.recombine`): a chain-rule step without its inner derivative, a graph's
local partial left out of the chain-rule products, a constant multiple without its constant, a
product step as the product of the factors' derivatives or with a term dropped, a power step that
does not lower the exponent (or raises it), a quotient step with the wrong sign or without the
denominator squared.

A plain expression is derived as one node, so that its rule steps stay whole (split into a graph
at its function applications, a product or a quotient would become a sum over paths); a graph is
derived through its own nodes, so a local partial missing from the chain-rule product along the
paths through its edge is a misstep too.
"""

import sympy

from ..explain.derivation import derive
from ..core.errors import SymgradError
from ..core.graph import Graph
from ..explain.steps import (ChainRule, ConstantMultipleRule, LocalPartial, Partial, PowerRule, ProductRule,
                             QuotientRule, Rule, Simplification, recombine)

__all__ = ["KINDS", "missteps", "PER_KIND"]

KINDS = ("missing_chain_factor", "missing_constant_factor", "power_rule_error", "product_rule_error",
         "quotient_rule_error")
PER_KIND = 6  # missteps of one kind kept per derivative, the outermost steps first


def missteps(function, var, graph=None, per_kind=PER_KIND):
    """``(kind, wrong derivative, detail)`` for d(function)/d(var) with one step done wrong, at most
    ``per_kind`` of each kind. ``graph`` is the function's graph (None: the function as one node);
    the wrong derivative is written as the derivation writes the partial (in ``var`` and the nodes
    that do not depend on it, when ``var`` is a node). ``detail`` is the factor dropped or the
    power where the rule was broken, for the feedback; None when there is no one thing to name.

    A step is done wrong wherever it occurs: sigma(wx + b) differentiated without its inner
    derivative in both terms of a cross-entropy."""
    graph = graph if graph is not None else _one_node(function)
    try:
        (root,) = derive(graph, [var]).partials
    except SymgradError:  # too many paths to write out: no missteps rather than no question
        return
    counts = dict.fromkeys(KINDS, 0)
    for same in _alike(root):
        step, shown = same[0]
        results = tuple(s.result for s in step.substeps)
        for kind, wrong, detail in MISAPPLIED[type(step)](step, results, shown):
            if counts[kind] < per_kind:
                counts[kind] += 1
                yield kind, _recombined(root, {id(s) for s, _ in same}, wrong), detail


def _one_node(function):
    graph = Graph()
    graph.define(sympy.Dummy("f"), function)
    return graph


def _alike(root):
    """The steps a rule can be misapplied at, as groups of alike steps (the same rule applied to the
    same expression), each a list of ``(step, what it differentiates)``, the outermost first."""
    order, seen, stack = [], set(), [root]
    while stack:  # pre-order: each step before its sub-steps, which come in order
        step = stack.pop()
        if id(step) not in seen:
            seen.add(id(step))
            order.append(step)
            stack.extend(reversed(step.substeps))
    output = next(s.of for s in order if isinstance(s, Partial))
    shown = {}  # an outer step of the chain rule differentiates the chain's expression, not a placeholder
    for step in order:
        if isinstance(step, ChainRule):
            shown.update({id(o): step.expr for o in step.outer})
    groups = {}
    for step in order:
        if type(step) not in MISAPPLIED or isinstance(step, LocalPartial) and step.node == output:
            continue
        expr = shown.get(id(step), getattr(step, "expr", None))
        key = (type(step), expr, step.var) if isinstance(step, Rule) else id(step)
        groups.setdefault(key, []).append((step, expr))
    return list(groups.values())


def _recombined(root, altered, result):
    """The derivation's result with the result of the steps ``altered`` (their ids) replaced by
    ``result``: only the steps above them are rebuilt, and not simplified (wrong answers are
    compared by value)."""
    def alter(step, results):
        if id(step) in altered:
            return result
        if all(r is s.result for r, s in zip(results, step.substeps)):
            return step.result
        if isinstance(step, Simplification):
            return results[0]
        return None

    return recombine(root, alter)


# -- what each step looks like done wrong: (kind, wrong result of the step, detail) ----------------


def _without_inner(step, results, shown):
    n = len(step.outer)
    inner = results[n:]
    if all(i == 1 for i in inner):
        return
    yield "missing_chain_factor", step.rebuild(results[:n] + (sympy.S.One,) * n), inner[0] if n == 1 else None


def _forgotten(step, results, shown):
    """A local partial of a graph's edge left out of every chain-rule product it is a factor of
    (the loss's own local partials aside)."""
    if step.result != 1:
        yield "missing_chain_factor", sympy.S.One, step.result


def _without_constant(step, results, shown):
    if step.constant not in (1, -1):
        yield "missing_constant_factor", results[0], step.constant


def _exponent_kept(step, results, shown):
    base, n = step.expr.args
    yield "power_rule_error", n * base ** n, shown
    yield "power_rule_error", n * base ** (n + 1), shown


def _product_misapplied(step, results, shown):
    yield "product_rule_error", sympy.Mul(*results), None
    exprs = [f.expr for f in step.factors]
    terms = [sympy.Mul(*exprs[:i], r, *exprs[i + 1:]) for i, r in enumerate(results)]
    for k in range(len(terms)):
        yield "product_rule_error", sympy.Add(*terms[:k], *terms[k + 1:]), None


def _quotient_misapplied(step, results, shown):
    u, v = step.numerator.expr, step.denominator.expr
    du, dv = results
    yield "quotient_rule_error", (du * v + u * dv) / v ** 2, None
    yield "quotient_rule_error", (du * v - u * dv) / v, None


# The steps a rule can be misapplied at, and how.
MISAPPLIED = {
    ChainRule: _without_inner,
    LocalPartial: _forgotten,
    ConstantMultipleRule: _without_constant,
    PowerRule: _exponent_kept,
    ProductRule: _product_misapplied,
    QuotientRule: _quotient_misapplied,
}
