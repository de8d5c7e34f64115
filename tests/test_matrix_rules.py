"""The table of matrix rules: one entry per operation, its math as LaTeX templates (data).
The rules' values are checked in test_matrix_exact.py (against scalar mode) and
test_matrix_program.py (against torch)."""

import re
from string import Template

import numpy as np
import pytest
import sympy as sp

from symgrad.matrix import arrays, exact
from symgrad.matrix import graph as mg
from symgrad.matrix.rules import FUSED, RULES, loss_scale


def test_one_rule_per_operation():
    assert set(RULES) == {"linear", "dropout", *mg.NORMS, *mg.IMAGE_OPS, *mg.activations(), *mg.LOSSES, *mg.SEQUENCE_OPS}
    assert all(FUSED[pair] in RULES and all(op in RULES for op in pair) for pair in FUSED)


@pytest.mark.parametrize("op", sorted(RULES))
def test_templates_name_only_the_rules_roles(op):
    rule = RULES[op]
    allowed = {*rule.roles, "delta", "out", "scale"}
    templates = [rule.latex_forward, *rule.latex_backward.values()]
    for template in templates:
        assert set(re.findall(r"\$([A-Za-z]+)", template)) <= allowed
    assert set(rule.latex_backward) == set(rule.backward) <= set(rule.roles)


S2_NAMES = {"out": "Z_3", "A": "A_2", "W": "W_3", "b": "b_3", "delta": r"\delta_3", "Z": "Z_3", "y": "y",
            "scale": r"\frac{1}{N}"}


@pytest.mark.parametrize("op, role, expected", [
    ("linear", None, r"Z_3 = A_2 W_3^\top + \mathbf{1} b_3^\top"),
    ("linear", "W", r"\delta_3^\top A_2"),
    ("linear", "A", r"\delta_3 W_3"),
    ("linear", "b", r"\delta_3^\top \mathbf{1}"),
    ("relu", "Z", r"\delta_3 \odot \left[Z_3 > 0\right]"),
    ("cross_entropy", "Z", r"\frac{1}{N} \left(\operatorname{softmax}(Z_3) - \operatorname{onehot}(y)\right)"),
])
def test_s2s_rules_in_latex(op, role, expected):
    template = RULES[op].latex_forward if role is None else RULES[op].latex_backward[role]
    assert Template(template).substitute(S2_NAMES) == expected


@pytest.mark.parametrize("op, reduction, shape, expected", [
    ("nll", "mean", (4, 3), sp.Rational(1, 4)),
    ("cross_entropy", "mean", (4, 3), sp.Rational(1, 4)),
    ("mse", "mean", (4, 3), sp.Rational(1, 12)),
    ("bce_with_logits", "mean", (4, 3), sp.Rational(1, 12)),
    ("mse", "sum", (4, 3), 1),
    ("nll", "sum", (4, 3), 1),
])
def test_a_mean_divides_by_rows_or_entries_as_torch(op, reduction, shape, expected):
    node = mg.Node(op, "L", options=(("reduction", reduction),))
    assert loss_scale(exact, node, sp.zeros(*shape)) == expected
    assert loss_scale(arrays, node, np.zeros(shape)) == float(expected)
