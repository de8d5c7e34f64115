"""The rules of differentiation: the step that differentiates each operation.

:func:`differentiate` reads an expression's operation and builds its step (a tree of
:mod:`symgrad.explain.steps`), recursing into the operands: sums, products and powers by the table
:data:`RULES` (a ``Piecewise`` piece by piece), a registered function with a rule (:mod:`symgrad.core.operations`) by its
:class:`~symgrad.explain.steps.FunctionRule`. A function of a compound argument goes through the
chain rule; an operation with no rule of its own is differentiated by SymPy, in a
:class:`~symgrad.explain.steps.FallbackRule` that says so.
"""

import sympy

from ..core.activations import LogSoftmax
from ..core.operations import operation_of
from .steps import (ChainRule, ConstantMultipleRule, ConstantRule, CrossEntropyRule, ExpRule, FallbackRule,
                    FunctionRule, PiecewiseRule, PowerRule, ProductRule, QuotientRule, SumRule, VariableRule)

__all__ = ["differentiate", "RULES"]


def differentiate(expr, var):
    """The step that derives d(expr)/d(var), with its sub-steps."""
    expr = sympy.sympify(expr)
    if var not in expr.free_symbols:
        return ConstantRule(expr, var)
    if expr == var:
        return VariableRule(expr, var)
    build = RULES.get(type(expr))
    if build is not None:
        return build(expr, var)
    op = operation_of(expr)
    if op is not None and op.rule is not None:
        return _function(op)(expr, var)
    if isinstance(expr, sympy.Function) and len(expr.args) == 1 and not isinstance(expr, sympy.Piecewise):
        return _applied(FallbackRule)(expr, var)  # an unknown f(g(x)) still goes through the chain rule
    return FallbackRule(expr, var)


def _sum(expr, var):
    return SumRule(expr, var, tuple(differentiate(t, var) for t in expr.args))


def _product(expr, var):
    """``-log softmax_k(z)`` is cross-entropy; a factor free of ``var`` is a constant multiple; two
    or more varying factors are a quotient (when some are divided by) or a product."""
    if _is_cross_entropy(expr, var):
        return CrossEntropyRule(expr, var)
    constant = [f for f in expr.args if var not in f.free_symbols]
    varying = [f for f in expr.args if var in f.free_symbols]
    if constant:
        return ConstantMultipleRule(expr, var, sympy.Mul(*constant), differentiate(sympy.Mul(*varying), var))
    numerator = [f for f in varying if not _is_reciprocal(f)]
    denominator = [1 / f for f in varying if _is_reciprocal(f)]
    if numerator and denominator:
        return QuotientRule(expr, var, differentiate(sympy.Mul(*numerator), var),
                            differentiate(sympy.Mul(*denominator), var))
    return ProductRule(expr, var, tuple(differentiate(f, var) for f in varying))


def _is_reciprocal(factor):
    return factor.is_Pow and factor.exp.is_number and factor.exp.is_negative


def _is_cross_entropy(expr, var):
    if len(expr.args) != 2 or expr.args[0] != -1 or not isinstance(expr.args[1], LogSoftmax):
        return False
    return _logits_only(expr.args[1], var)


def _logits_only(expr, var):
    """Whether ``var`` appears in the softmax-family ``expr`` only as whole logits."""
    return all(z == var or var not in z.free_symbols for z in expr.logits)


def _power(expr, var):
    """``u^n`` by the power rule, ``a^u`` by the exponential rule (each through the chain rule when
    ``u`` is not the variable itself); a variable in both base and exponent is left to SymPy."""
    base, exponent = expr.args
    if var not in exponent.free_symbols:
        return PowerRule(expr, var) if base == var else _chain(expr, var, PowerRule)
    if var not in base.free_symbols:
        return ExpRule(expr, var) if exponent == var else _chain(expr, var, ExpRule)
    return FallbackRule(expr, var)


def _piecewise(expr, var):
    """Piece by piece, under the same conditions; a condition that depends on ``var`` is constant
    on each piece's open set, so it adds nothing."""
    return PiecewiseRule(expr, var, tuple(differentiate(e, var) for e, _ in expr.args))


def _applied(step_class):
    """The rule for ``f(u)``: ``step_class`` when ``u`` is the variable, else the chain rule around it."""
    def build(expr, var):
        return step_class(expr, var) if expr.args[0] == var else _chain(expr, var, step_class)
    return build


def _function(op):
    """The rule of the operation ``op``: its own when ``var`` appears only as whole inputs, else the
    chain rule around it."""
    def step_class(expr, var):
        return FunctionRule(expr, var, op)

    def build(expr, var):
        whole = all(z == var or var not in z.free_symbols for z in op.inputs(expr))
        return step_class(expr, var) if whole else _chain(expr, var, step_class)
    return build


def _chain(expr, var, outer_class):
    """The chain rule: ``expr``'s operation applied to placeholders for the arguments that contain
    ``var``, each differentiated by ``outer_class``, times the arguments' own derivatives."""
    varying = [i for i, a in enumerate(expr.args) if var in a.free_symbols]
    placeholders = _placeholders(expr, len(varying))
    args = list(expr.args)
    for i, u in zip(varying, placeholders):
        args[i] = u
    function = expr.func(*args)
    arguments = tuple(expr.args[i] for i in varying)
    outer = tuple(outer_class(function, u) for u in placeholders)
    inner = tuple(differentiate(a, var) for a in arguments)
    return ChainRule(expr, var, function, placeholders, arguments, outer, inner)


def _placeholders(expr, n):
    """``u`` (or ``u_1, u_2, ...``) named apart from the symbols of ``expr``."""
    taken = {s.name for s in expr.free_symbols}
    names = ["u"] if n == 1 else [f"u_{k}" for k in range(1, n + 1)]
    while taken & set(names):
        names = [name + "'" for name in names]
    return tuple(sympy.Symbol(name) for name in names)


# The structural rules: an expression's type -> the function that builds the step differentiating it.
RULES = {
    sympy.Add: _sum,
    sympy.Mul: _product,
    sympy.Pow: _power,
    sympy.Piecewise: _piecewise,
}
