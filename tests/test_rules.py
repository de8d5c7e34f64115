"""The rule table: which step differentiates each operation, and what it gives."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad import NoDerivativeRuleError
from symgrad.core.activations import LogSoftmax, Softmax, step
from symgrad.explain.rules import RULES, differentiate
from symgrad.core.operations import operations
from symgrad.explain.steps import (ChainRule, ConstantMultipleRule, ConstantRule, CrossEntropyRule, ExpRule,
                                   FallbackRule, FunctionRule, PiecewiseRule, PowerRule, ProductRule, QuotientRule, SumRule,
                                   VariableRule, recombine, walk_steps)

x, y, w, b, z, u = sp.symbols("x y w b z u")
sigma = sg.sigmoid

CASES = [
    # (expression, variable, the step at the root, its result)
    (y, x, ConstantRule, 0),
    (sp.Integer(7), x, ConstantRule, 0),
    (x, x, VariableRule, 1),
    (x + y, x, SumRule, 1),
    (w * x + b, w, SumRule, x),
    (3 * x, x, ConstantMultipleRule, 3),
    (-x, x, ConstantMultipleRule, -1),
    (x * sp.exp(x), x, ProductRule, x * sp.exp(x) + sp.exp(x)),
    (x / (1 + x), x, QuotientRule, 1 / (x + 1) ** 2),
    (x ** 3, x, PowerRule, 3 * x ** 2),
    (1 / x, x, PowerRule, -1 / x ** 2),
    (sp.sqrt(x), x, PowerRule, 1 / (2 * sp.sqrt(x))),
    ((y - z) ** 2, z, ChainRule, 2 * z - 2 * y),
    (sp.exp(x), x, "exp", sp.exp(x)),
    (2 ** x, x, ExpRule, 2 ** x * sp.log(2)),
    (sp.exp(-x), x, ChainRule, -sp.exp(-x)),
    (sp.log(x), x, "log", 1 / x),
    (sp.log(1 - x), x, ChainRule, -1 / (1 - x)),
    (sigma(x), x, "sigmoid", sigma(x) * (1 - sigma(x))),
    (sigma(w * x + b), w, ChainRule, x * sigma(w * x + b) * (1 - sigma(w * x + b))),
    (sp.tanh(x), x, "tanh", 1 - sp.tanh(x) ** 2),
    (sg.relu(x), x, "relu", step(x)),
    (sg.relu(w * x), w, ChainRule, x * step(w * x)),
    (sg.softplus(x), x, "softplus", sigma(x)),
    (sg.leaky_relu(x, 0.2), x, "leaky_relu", sp.Rational(1, 5) + sp.Rational(4, 5) * step(x)),
    (sg.leaky_relu(w * x), w, ChainRule, x * (sp.Rational(1, 100) + sp.Rational(99, 100) * step(w * x))),
    (sg.gelu(x), x, "gelu", sg.normal_cdf(x) + x * sp.exp(-x ** 2 / 2) / sp.sqrt(2 * sp.pi)),
    (sg.hardtanh(x, 0, 6), x, "hardtanh", step(x) * step(6 - x)),
    (sg.logsigmoid(x), x, "logsigmoid", sigma(-x)),
    (Softmax(0, x, y, z), y, "Softmax", -Softmax(0, x, y, z) * Softmax(1, x, y, z)),
    (Softmax(1, x, y, z), y, "Softmax", Softmax(1, x, y, z) * (1 - Softmax(1, x, y, z))),
    (LogSoftmax(0, x, y, z), x, "LogSoftmax", 1 - Softmax(0, x, y, z)),
    (LogSoftmax(0, x, y, z), z, "LogSoftmax", -Softmax(2, x, y, z)),
    (sg.cross_entropy([x, y, z], 1), y, CrossEntropyRule, Softmax(1, x, y, z) - 1),
    (sg.cross_entropy([x, y, z], 1), z, CrossEntropyRule, Softmax(2, x, y, z)),
    (Softmax(0, w * x, y), w, ChainRule, x * Softmax(0, w * x, y) * (1 - Softmax(0, w * x, y))),
    (sp.sin(x ** 2), x, ChainRule, 2 * x * sp.cos(x ** 2)),
    (sp.sin(x), x, "sin", sp.cos(x)),
    (sp.gamma(x), x, FallbackRule, sp.gamma(x) * sp.polygamma(0, x)),
    (x ** x, x, FallbackRule, x ** x * (sp.log(x) + 1)),
    (sp.Piecewise((x, x > 0), (0, True)), x, PiecewiseRule, sp.Piecewise((1, x > 0), (0, True))),
]


def _kind(step_):
    """A structural rule's class, or the name of the operation whose function rule the step is."""
    return step_.operation.name if type(step_) is FunctionRule else type(step_)


@pytest.mark.parametrize("expr, var, kind, result", CASES, ids=[f"{getattr(c[2], '__name__', c[2])}:{c[0]}"
                                                               for c in CASES])
def test_each_operation_is_differentiated_by_its_rule(expr, var, kind, result):
    step_ = differentiate(expr, var)
    assert _kind(step_) == kind
    assert sp.expand(step_.result - result) == 0
    for s in walk_steps(step_):
        s.check()  # every step holds against sympy.diff
    assert recombine(step_) == step_.result


def test_the_chain_rule_holds_its_outer_and_inner_steps():
    step_ = differentiate(sigma(w * x + b), w)
    assert step_.function == sigma(u) and step_.placeholders == (u,) and step_.arguments == (w * x + b,)
    assert [_kind(s) for s in step_.outer] == ["sigmoid"] and [type(s) for s in step_.inner] == [SumRule]
    assert step_.outer[0].result == sigma(u) * (1 - sigma(u))


def test_placeholders_are_named_apart_from_the_expressions_symbols():
    step_ = differentiate(sp.exp(u * x), x)
    assert step_.placeholders == (sp.Symbol("u'"),)


def test_a_product_of_varying_factors_and_a_constant_is_a_constant_multiple_first():
    step_ = differentiate(3 * x * sp.exp(x), x)
    assert type(step_) is ConstantMultipleRule and step_.constant == 3
    assert type(step_.body) is ProductRule and [f.expr for f in step_.body.factors] == [x, sp.exp(x)]


def test_an_undefined_function_is_a_clear_error():
    f = sp.Function("f")
    with pytest.raises(NoDerivativeRuleError, match="no derivative rule for f"):
        differentiate(f(x), x)


def test_the_table_names_every_operation_with_a_rule():
    assert {t.__name__ for t in RULES} == {"Add", "Mul", "Pow", "Piecewise"}
    with_rules = {op.name for op in operations() if op.rule is not None}
    assert with_rules == {"exp", "log", "sigmoid", "tanh", "relu", "softplus", "Softmax", "LogSoftmax", "clamped_log",
                          "sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan", "Abs", "sign", "Max", "Min", "Heaviside",
                          "erf", "erfc", "clamp_min", "unit_huber", "variance_clamp",
                          "leaky_relu", "elu", "selu", "normal_cdf", "gelu", "gelu_tanh", "silu", "mish", "softsign",
                          "hardtanh", "hardsigmoid", "hardswish", "logsigmoid",
                          "Deviation", "Standardized"}
