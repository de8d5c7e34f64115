import pytest
import sympy as sp

from symgrad import Question, sigmoid
from symgrad.answers.marking import MarkingScheme, mark

w, x, y, z, b = sp.symbols("w x y z b")


def test_a_scheme_holds_no_wrong_answer_that_equals_the_right_one():
    # at x = 1 dropping the inner factor x changes nothing: that "mistake" cannot be told apart
    q = Question.derivative_at((w * x - y) ** 2, w, {w: 2, x: 1, y: 1})
    scheme = MarkingScheme.prepare(q)
    kinds = [c.kind for c, _ in scheme.wrong[0]]
    assert "missing_chain_factor" not in kinds and "sign_error" in kinds
    values = [v for _, v in scheme.wrong[0]]
    assert all(v != scheme.right[0] for v in values) and len(set(values)) == len(values)


def test_a_scheme_keeps_the_simplest_right_form():
    q = Question.derivative((x + 1) ** 2 - x ** 2, x)
    assert q.answer == (2 * (x + 1) - 2 * x,)
    scheme = MarkingScheme.prepare(q)
    assert scheme.simplest == (2,) and scheme.simplest_sizes == (1,)
    assert mark(q, scheme, "2").mistake is None
    assert mark(q, scheme, "2(x + 1) - 2x").mistake == "not_simplified_but_correct"  # 8 symbols > 1 + 4


def test_marking_in_process_gives_the_same_verdicts_as_the_worker():
    q = Question.derivative(sigmoid(z), z)
    scheme = MarkingScheme.prepare(q)
    assert mark(q, scheme, r"\sigma'(z)").correct
    assert mark(q, scheme, r"-\sigma(z)(1-\sigma(z))").mistake == "sign_error"
    assert mark(q, scheme, r"\frac{e^{-z}}{(1+e^{-z})^2}").mistake == "not_simplified_but_correct"
    assert mark(q, scheme, r"\frac{e^{-z}}{(1+e^{-z})^2}").correct


def test_a_numeric_answer_typed_as_an_expression_of_the_variables():
    q = Question.derivative_at((w * x - y) ** 2, w, {w: 1, x: 2, y: 4})
    scheme = MarkingScheme.prepare(q)
    assert mark(q, scheme, "2x(xw - y)").feedback == ("Your expression is right, but the question asks for its "
                                                      "value: put in the numbers.")
    assert mark(q, scheme, "2x(xw + y)").feedback == ("The question asks for a number: put in the values of "
                                                      "the variables.")


def test_a_decimal_with_an_ellipsis_is_read_as_truncated_and_the_feedback_says_so():
    q = Question.derivative_at(sp.exp(w), w, {w: 1})
    scheme = MarkingScheme.prepare(q)
    right, wrong = mark(q, scheme, r"2.718\ldots"), mark(q, scheme, "(-2.718...)")
    assert (right.correct, right.mistake) == (True, None)
    assert right.feedback == "Correct. The decimals ending in an ellipsis were read as typed, truncated: 2.718."
    assert wrong.mistake == "sign_error" and wrong.feedback.endswith("read as typed, truncated: 2.718.")
    assert "truncated" not in mark(q, scheme, "2.718").feedback


@pytest.mark.parametrize("answer, feedback, interpreted", [
    ("b = -2, w = -4", "Correct.", "b = -2, w = -4"),
    (r"\frac{\partial L}{\partial b} = -2, \frac{\partial L}{\partial w} = -4", "Correct.", "b = -2, w = -4"),
    ("w = -4, x = -2", "$x$ names none of the variables: name each entry by one of $w, b$.", "w = -4, x = -2"),
    ("L = -4, b = -2", "$L$ names none of the variables: name each entry by one of $w, b$.", "L = -4, b = -2"),
    ("w = -4, w = -2", "$w$ is given twice: give each of $w, b$ once.", "w = -4, w = -2"),
    ("w = -4, b = -2, w = 1", "$w$ is given twice: give each of $w, b$ once.", "w = -4, b = -2, w = 1"),
])
def test_entries_named_by_their_variables_are_matched_by_name(answer, feedback, interpreted):
    q = Question.gradient((w * x + b - y) ** 2, [w, b], {w: 1, x: 2, b: 0, y: 3})
    verdict = mark(q, MarkingScheme.prepare(q), answer)
    assert (verdict.feedback, verdict.interpreted) == (feedback, interpreted)


def test_named_entries_need_a_question_with_one_per_variable():
    q = Question.directional_derivative(x ** 2 + y ** 2, [x, y], (3, 4), {x: 1, y: 2})
    verdict = mark(q, MarkingScheme.prepare(q), "x = 1, y = 2")
    assert (verdict.mistake, verdict.feedback) == ("other", "The answer should be one expression.")


def test_a_variable_with_no_named_entry_is_named():
    q = Question.gradient(w * x * y, [w, x, y], {w: 1, x: 2, y: 3})
    verdict = mark(q, MarkingScheme.prepare(q), "y = 2, w = 6")
    assert verdict.feedback == "No entry is named $x$: give one for each of $w, x, y$."
    assert mark(q, MarkingScheme.prepare(q), "y = 2, x = 3, w = 6").correct


def test_an_answer_rounded_too_early_gets_the_questions_credit():
    q = Question.derivative_at(sp.exp(2 * w), w, {w: sp.Rational(1, 2)})
    verdict = mark(q, MarkingScheme.prepare(q), "5.4")
    assert (verdict.mistake, verdict.score) == ("rounded_too_early", 0.5)
    assert verdict.feedback == "You rounded $5.44$ to $5.4$, too early: give 3 significant figures."
    q = Question.gradient((w * x + b - y) ** 2, [w, b], {w: 1, x: sp.Rational(7, 3), b: 0, y: 3}, rounding_credit=0.2)
    verdict = mark(q, MarkingScheme.prepare(q), "(-3.11, -1.33)")
    assert (verdict.mistake, verdict.score) == ("rounded_too_early", 0.6)  # (1 + 0.2) / 2
    assert verdict.feedback == ("1 of 2 entries are right. You rounded $-1.333$ to $-1.33$, too early: give 4 "
                                "significant figures.")
