import pytest
import sympy as sp

from symgrad import sigmoid
from symgrad.answers.slips import KINDS, slipped_derivatives

w, x, y, b = sp.symbols("w x y b")


def slips(expr, var, **options):
    return [(kind, sp.expand(wrong)) for kind, wrong, _ in slipped_derivatives(expr, var, **options)]


@pytest.mark.parametrize("expr, var, kind, wrong", [
    ((w * x - y) ** 2, w, "missing_chain_factor", 2 * (w * x - y)),
    ((w * x - y) ** 2, w, "power_rule_error", 2 * (w * x - y) ** 2 * x),
    ((w * x - y) ** 2, w, "power_rule_error", 2 * (w * x - y) ** 3 * x),
    ((y - w * x) ** 2, w, "missing_chain_factor", 2 * (y - w * x)),       # the inner -x dropped: a sign slip too
    (3 * w ** 2, w, "missing_constant_factor", 2 * w),
    (x * w ** 2, w, "missing_chain_factor", 2 * w),                        # the local derivative x of x w^2
    (w * sp.exp(w), w, "product_rule_error", sp.exp(w)),
    (w / (1 + w), w, "quotient_rule_error", (1 + 2 * w) / (1 + w) ** 2),   # + instead of - in the numerator
    (w / (1 + w), w, "quotient_rule_error", 1 / (1 + w)),                  # v, not v^2, below
    (sigmoid(w * x + b), w, "missing_chain_factor", sigmoid(w * x + b) * (1 - sigmoid(w * x + b))),
    (sp.exp(-w * x), w, "missing_chain_factor", sp.exp(-w * x)),
    (sp.log(1 + w ** 2), w, "missing_chain_factor", 1 / (1 + w ** 2)),
    (sp.sqrt(w * x), w, "power_rule_error", sp.sqrt(w * x) * x / 2),
])
def test_a_slip_of_each_rule(expr, var, kind, wrong):
    assert (kind, sp.expand(wrong)) in slips(expr, var)


@pytest.mark.parametrize("expr, var", [
    ((w * x - y) ** 2, w), (w * sp.exp(w), w), (w / (1 + w), w), (sigmoid(w * x + b) ** 2, w),
    (sp.log(sigmoid(w * x)) * y, w),
])
def test_every_slip_is_a_wrong_derivative_of_a_known_kind(expr, var):
    right = sp.diff(expr, var)
    found = slips(expr, var)
    assert found
    for kind, wrong in found:
        assert kind in KINDS
        assert sp.simplify(wrong - right) != 0, kind


def test_no_slip_where_no_rule_applies():
    assert slips(w, w) == [] and slips(x, w) == []
    assert [k for k, _ in slips(w * x, w)] == ["missing_chain_factor"]


def test_at_most_per_kind_slips_outermost_first():
    expr = sp.Add(*[(w * k + 1) ** 2 for k in range(1, 12)])
    found = slips(expr, w, per_kind=3)
    assert sum(1 for kind, _ in found if kind == "missing_chain_factor") == 3
