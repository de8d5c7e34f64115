"""Properties of the engine over random models (tests/strategies.py): the graph walk's gradient
equals sympy.diff of the expanded expression, central finite differences and torch autograd.

The examples' count and seed come from the Hypothesis profile in conftest.py (200, derandomised).
"""

import sympy as sp
from hypothesis import given

import symgrad as sg
from symgrad.numbers import approximate
from symgrad.testing import assert_gradient_matches

from strategies import models


@given(models())
def test_the_walk_equals_sympy_diff_of_the_expanded_loss(model):
    walk = sg.backward(sg.Graph.from_expression(model.loss), model.parameters)
    at_point = walk.at(model.point).gradient
    for parameter, ours in zip(model.parameters, at_point):
        reference = approximate(sp.diff(model.loss, parameter).xreplace(model.point), 50)
        assert abs(approximate(ours, 50) - reference) <= sp.Float("1e-40") * (1 + abs(reference)), \
            (model.description, parameter)


@given(models())
def test_the_walk_equals_finite_differences_and_torch(model):
    assert_gradient_matches(model.loss, model.parameters, model.point, rtol=1e-8, atol=1e-10)
