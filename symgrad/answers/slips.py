r"""Slips of the differentiation rules, made on purpose: the wrong derivatives a student reaches by
dropping a chain-rule factor, dropping a constant factor, or misapplying the power, product or
quotient rule at one place of the expression.

STAND-IN until the step-by-step derivation (``symgrad.derive``, issue 3) is merged: it
re-differentiates the expression tree with one rule broken at one node. The derivation will give
the same candidates from its own steps (recombining a step's result from altered sub-step results);
:mod:`~symgrad.answers.mistakes` only calls :func:`slipped_derivatives`, so replacing this module
means replacing that one function.

Each slip is ``(kind, wrong derivative, detail)``; ``detail`` is the factor dropped or the node
where the rule was broken, for the feedback.
"""

import sympy

from ..differentiation import derivative

__all__ = ["slipped_derivatives"]

KINDS = ("missing_chain_factor", "missing_constant_factor", "power_rule_error", "product_rule_error",
         "quotient_rule_error")


def slipped_derivatives(expr, var, per_kind=6):
    """The slips of d(expr)/d(var), at most ``per_kind`` of each kind, outermost nodes first."""
    counts = dict.fromkeys(KINDS, 0)
    clean = {}
    for node, kind, variant, detail in _sites(expr, var):
        if counts[kind] == per_kind:
            continue
        counts[kind] += 1
        yield kind, _Differentiator(var, (node, kind, variant), clean).d(expr), detail


def _sites(expr, var):
    """``(node, kind, variant, detail)`` for every place where a rule can be broken."""
    for node in sympy.preorder_traversal(expr):
        if var not in node.free_symbols or node == var:
            continue
        if node.is_Mul:
            number, rest, numerators, denominators = _factors(node, var)
            if rest != 1:
                yield node, "missing_chain_factor", "constant", rest
            if abs(number) != 1:
                yield node, "missing_constant_factor", "constant", number
            if numerators and denominators:
                yield node, "quotient_rule_error", "numerator_sign", None
                yield node, "quotient_rule_error", "unsquared", None
            elif len(numerators) > 1:
                yield node, "product_rule_error", "product", None
        elif node.is_Pow and var not in node.exp.free_symbols:
            inner = derivative(node.base, var)
            if inner != 1:
                yield node, "missing_chain_factor", "inner", inner
            yield node, "power_rule_error", "kept_exponent", node
            yield node, "power_rule_error", "raised_exponent", node
        elif isinstance(node, sympy.Function):
            inner = [derivative(a, var) for a in node.args if var in a.free_symbols]
            if any(d != 1 for d in inner):
                yield node, "missing_chain_factor", "inner", inner[0] if len(inner) == 1 else None


def _factors(mul, var):
    """``(number, rest, numerators, denominators)`` of a product with respect to ``var``: its numeric
    factor, its other factors free of ``var``, and those with ``var`` above and below the line. (The
    number is kept apart: ``-1 * (w_1 x_1)`` would otherwise be multiplied out into ``-w_1 x_1``.)"""
    constant = [f for f in mul.args if var not in f.free_symbols]
    dependent = [f for f in mul.args if var in f.free_symbols]
    numerators = [f for f in dependent if not (f.is_Pow and f.exp.is_negative)]
    denominators = [f for f in dependent if f.is_Pow and f.exp.is_negative]
    number = sympy.Mul(*[f for f in constant if f.is_Number])
    return number, sympy.Mul(*[f for f in constant if not f.is_Number]), numerators, denominators


class _Differentiator:
    """d/d(var) by the rules, with ``fault = (node, kind, variant)`` broken wherever ``node`` occurs;
    ``clean`` caches derivatives of subtrees the fault does not touch (shared between faults)."""

    def __init__(self, var, fault, clean):
        self.var, self.fault, self.clean = var, fault, clean

    def d(self, e):
        if self.var not in e.free_symbols:
            return sympy.S.Zero
        if e == self.var:
            return sympy.S.One
        if not e.has(self.fault[0]):
            if e not in self.clean:
                self.clean[e] = derivative(e, self.var)
            return self.clean[e]
        broken = self.fault[1:] if e == self.fault[0] else (None, None)
        if e.is_Add:
            return sympy.Add(*[self.d(a) for a in e.args])
        if e.is_Mul:
            return self._product(e, *broken)
        if e.is_Pow and self.var not in e.exp.free_symbols:
            return self._power(e, *broken)
        if isinstance(e, sympy.Function):
            return self._function(e, *broken)
        return derivative(e, self.var)

    def _product(self, e, kind, variant):
        number, rest, numerators, denominators = _factors(e, self.var)
        if kind == "missing_chain_factor":
            rest = sympy.S.One
        if kind == "missing_constant_factor":
            number = sympy.S.One
        if kind == "quotient_rule_error":
            u, v = sympy.Mul(*numerators), sympy.Mul(*[f.base ** -f.exp for f in denominators])
            du, dv = self.d(u), self.d(v)
            wrong = (du * v + u * dv) / v ** 2 if variant == "numerator_sign" else (du * v - u * dv) / v
            return number * rest * wrong
        dependent = numerators + denominators
        if kind == "product_rule_error":
            return number * rest * sympy.Mul(*[self.d(f) for f in dependent])
        terms = [sympy.Mul(*dependent[:k], self.d(f), *dependent[k + 1:]) for k, f in enumerate(dependent)]
        return number * rest * sympy.Add(*terms)

    def _power(self, e, kind, variant):
        base, n = e.args
        inner = sympy.S.One if kind == "missing_chain_factor" else self.d(base)
        if kind == "power_rule_error":
            return n * base ** (n if variant == "kept_exponent" else n + 1) * inner
        return n * base ** (n - 1) * inner

    def _function(self, e, kind, variant):
        terms = []
        for i, a in enumerate(e.args):
            if self.var not in a.free_symbols:
                continue
            inner = sympy.S.One if kind == "missing_chain_factor" else self.d(a)
            try:
                outer = e.fdiff(i + 1)
            except (sympy.ArgumentIndexError, NotImplementedError, TypeError):
                return derivative(e, self.var)  # no rule of its own: differentiated correctly
            terms.append(outer * inner)
        return sympy.Add(*terms)
