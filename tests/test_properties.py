"""Properties of the engine over random models (tests/strategies.py): the graph walk's gradient
equals sympy.diff of the expanded expression, central finite differences and torch autograd; every
derivation step checks itself; printed LaTeX reads back through the answer checker.

The examples' count and seed come from the Hypothesis profile in conftest.py (200, derandomised).
"""

import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import symgrad as sg
from symgrad import Question, SymgradError
from symgrad.answers.limits import DEFAULT_LIMITS
from symgrad.explain.latex import LatexRenderer
from symgrad.core.numbers import approximate
from symgrad.testing.assertions import assert_gradient_matches

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


@given(models(max_depth=2, max_width=2))
def test_every_derivation_step_checks_itself(model):
    """derive() holds each step against sympy.diff or the walk and raises DerivationError on a
    failure; its results at the point are the walk's."""
    wrt = model.parameters[:3]
    derivation = sg.derive(model.loss, wrt, at=model.point)
    walk = sg.backward(sg.Graph.from_expression(model.loss), wrt).at(model.point)
    for ours, theirs in zip(derivation.result, walk.gradient):
        assert abs(approximate(ours, 30) - approximate(theirs, 30)) <= sp.Float("1e-25") * (1 + abs(approximate(theirs, 30)))


@given(model=models(max_depth=2, max_width=2), choice=st.data())
def test_printed_latex_reads_back_through_the_answer_checker(model, choice, sandbox):
    """The LaTeX a worksheet prints for a derivative, typed in as a student's answer, is read by
    the answer checker's parser as an equivalent expression: the verdict is correct."""
    parameter = choice.draw(st.sampled_from(model.parameters))
    printed = LatexRenderer(sg.Graph.from_expression(model.loss)).value_piece(sg.partial(model.loss, parameter)).text
    assume(len(printed) <= DEFAULT_LIMITS.max_length)  # students' answers are read up to this length
    try:
        verdict = Question.derivative(model.loss, parameter).check(printed, sandbox)
    except SymgradError as error:  # the question's own right answer is longer than an answer may be
        assume("at most" not in str(error))
        raise
    assert verdict.correct, (model.description, parameter, printed, verdict)
