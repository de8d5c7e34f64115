"""Steps as data: each result is its rebuild, a tree recombines with one step altered, and a step
that does not hold against its oracle fails its check."""

import importlib
import dataclasses

import pytest
import sympy as sp

import symgrad as sg
from symgrad import DerivationError
from symgrad.explain.rules import differentiate
from symgrad.core.operations import operation, operations
from symgrad.explain.steps import (ChainRule, ConstantMultipleRule, FunctionRule, Given, PowerRule, ProductRule,
                                   Step, Update, recombine, walk_steps)

x, y, w, b, z = sp.symbols("x y w b z")


def _drop_inner_factor(step, results):
    """Chain rule without the inner derivative: f'(g(x)) only."""
    if isinstance(step, ChainRule):
        back = dict(zip(step.placeholders, step.arguments))
        return sp.Add(*[r.xreplace(back) for r in results[:len(step.outer)]])


def _product_of_derivatives(step, results):
    """(uv)' = u'v' instead of the product rule."""
    if isinstance(step, ProductRule):
        return sp.Mul(*results)


def _exponent_not_lowered(step, results):
    """(x^n)' = n x^n."""
    if isinstance(step, PowerRule):
        return step.expr.exp * step.expr


def _constant_dropped(step, results):
    """(c u)' = u'."""
    if isinstance(step, ConstantMultipleRule):
        return results[0]


MISTAKES = [
    # (expression, variable, mistake, the wrong answer it leads to)
    (sg.sigmoid(w * x + b), w, _drop_inner_factor, sg.sigmoid(w * x + b) * (1 - sg.sigmoid(w * x + b))),
    ((3 * x + 1) ** 2, x, _drop_inner_factor, 2 * (3 * x + 1)),
    (x * sp.exp(x), x, _product_of_derivatives, sp.exp(x)),
    (x ** 3 + x, x, _exponent_not_lowered, 3 * x ** 3 + 1),
    ((x - y) ** 2, x, _exponent_not_lowered, 2 * (x - y) ** 2),
    (5 * x ** 2, x, _constant_dropped, 2 * x),
    (-sp.log(x), x, _constant_dropped, 1 / x),
]


@pytest.mark.parametrize("expr, var, mistake, wrong", MISTAKES, ids=[f"{m[2].__name__}:{m[0]}" for m in MISTAKES])
def test_a_mistake_in_one_step_recombines_up_the_tree(expr, var, mistake, wrong):
    step = differentiate(expr, var)
    assert sp.expand(recombine(step, mistake) - wrong) == 0
    assert recombine(step) == step.result  # without alteration, the rules give the result back


def test_every_result_is_the_rebuild_of_its_substeps_results():
    root = differentiate(sp.exp(-x) * sp.log(1 + x ** 2) / (1 + sg.sigmoid(x)), x)
    for s in walk_steps(root):
        assert s.result == s.rebuild(tuple(t.result for t in s.substeps))


def test_steps_are_immutable_data_without_latex():
    step = differentiate(x ** 2, x)
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.result = 0
    assert step == differentiate(x ** 2, x)
    assert "latex" not in " ".join(dir(step)).lower()


def test_every_step_class_states_its_rule():
    classes = [c for c in vars(importlib.import_module("symgrad.explain.steps")).values()
               if isinstance(c, type) and issubclass(c, Step)]
    assert len(classes) >= 23
    for c in classes:
        assert c.__doc__ and c.__doc__.strip(), c.__name__
    for op in operations():  # a function's rule is stated by its operation
        assert op.rule is None or op.rule.strip(), op.name


def test_a_rule_applied_to_the_wrong_expression_fails_its_check():
    with pytest.raises(DerivationError, match=r"the sigmoid rule failed its check: it gives .*tanh"):
        FunctionRule(sp.tanh(x), x, operation("sigmoid")).check()


def test_an_update_recombines_from_its_gradient():
    g = differentiate(x ** 2, x)
    update = Update(x, Given(x, sp.Integer(3)), sp.Rational(1, 10), g)
    assert update.result == 3 - 2 * x / 10
    assert recombine(update, lambda s, r: -s.result if s is g else None) == 3 + x / 5  # a sign slip in g


def test_shared_steps_are_walked_once():
    inner = differentiate(x ** 2, x)
    update = Update(x, Given(x, sp.Integer(1)), sp.Integer(1), inner)
    twice = Update(x, update, sp.Integer(1), inner)
    assert sum(s is inner for s in walk_steps(twice)) == 1
