r"""A whole derivation, checked line by line (``Question.check_derivation``, ``marking.check_lines``): the
first line that does not follow, the mistake made there, and whether the final line is right anyway."""

import pytest
import sympy as sp

from symgrad import Question, SymgradError, sigmoid
from symgrad.answers.limits import DEFAULT_LIMITS
from symgrad.answers.marking import DerivationCheck, lines_of

w, x, y, b = sp.symbols("w x y b")
HALF = sp.Rational(1, 2)
QUESTIONS = {  # name: the question, and what it asks
    "square": lambda: Question.derivative_at((w * x - y) ** 2, w, {w: HALF, x: 2, y: 3}),  # 2x(wx - y) = -8
    "brief": lambda: Question.derivative_at((w * x - y) ** 2, w, {w: HALF, x: 2, y: 1}),  # = 0
    "cube": lambda: Question.derivative_at((w * x + b) ** 3, w, {w: 1, x: 2, b: 0}),  # 3x(wx + b)^2 = 24
    "product": lambda: Question.derivative_at(w * sp.exp(-w * x), w, {w: 1, x: 2}),  # e^{-wx}(1 - wx) = -e^{-2}
    "symbolic": lambda: Question.derivative((w * x - y) ** 2, w),
    "sigmoid": lambda: Question.derivative(sigmoid(w * x + b), w),
}
D = r"\frac{\partial}{\partial w}"

# (question, lines, first_wrong, its mistake, final_correct)
ROWS = [
    # every line follows
    ("brief", [r"\frac{\partial L}{\partial w} = 2(wx-y) \cdot " + D + "(wx - y)", "= 2(wx-y) x",
               r"= 2(0.5 \cdot 2 - 1) \cdot 2", "= 0"], None, None, True),
    ("square", [rf"\frac{{\partial L}}{{\partial w}} = 2(wx-y) \cdot {D}(wx - y)", "= 2(wx-y) x",
                r"= 2(0.5 \cdot 2 - 3) \cdot 2", "= -8"], None, None, True),
    ("square", ["= 2x(wx-y)", "= 2wx^2 - 2xy", r"= 2 \cdot 0.5 \cdot 4 - 2 \cdot 2 \cdot 3", "= 4 - 12", "= -8"],
     None, None, True),
    ("square", r"\frac{dL}{dw} = 2(wx-y)x \\ = 2(1 - 3) \cdot 2 \\ = -8", None, None, True),
    ("square", "&= 2(wx - y)x\n&= 2(0.5 \\cdot 2 - 3)(2)\n\n&= -8", None, None, True),
    ("square", [f"= {D}(wx-y)^2", "= 2x(wx-y)", "= -8"], None, None, True),
    ("product", [r"= e^{-wx} + w \cdot (-x) e^{-wx}", "= e^{-2} - 2e^{-2}", "= -e^{-2}"], None, None, True),
    ("symbolic", [rf"\frac{{\partial L}}{{\partial w}} = 2(wx-y) {D}(wx-y)", "= 2x(wx-y)", "= 2x^2w - 2xy"],
     None, None, True),
    # a chain-rule factor missing
    ("square", ["= 2(wx-y)", r"= 2(0.5 \cdot 2 - 3)", "= -4"], 1, "missing_chain_factor", False),
    ("square", [rf"= 2(wx-y){D}(wx-y)", "= 2(wx-y)", "= 2(1-3)", "=-4"], 2, "missing_chain_factor", False),
    ("sigmoid", [rf"= \sigma(wx+b)(1-\sigma(wx+b)) \cdot {D}(wx+b)", r"= \sigma(wx+b)(1-\sigma(wx+b))"], 2,
     "missing_chain_factor", False),
    # a wrong middle line, the final one right anyway
    ("square", ["= 2(wx-y)", r"= 2(0.5 \cdot 2 - 3) \cdot 2", "= -8"], 1, "missing_chain_factor", True),
    # the power rule
    ("square", ["= 2(wx-y)^2 x", r"= 2(1-3)^2 \cdot 2", "= 16"], 1, "power_rule_error", False),
    ("square", [f"= {D}(wx-y)^2", "= 2(wx-y)^3 x", r"= 2(1-3)^3 \cdot 2", "= -32"], 2, "power_rule_error", False),
    ("cube", ["= 3x(wx+b)^3", r"= 3 \cdot 2 \cdot 2^3", "= 48"], 1, "power_rule_error", False),
    # a sign lost when expanding
    ("square", ["= 2x(wx-y)", "= 2wx^2 + 2xy", r"= 2 \cdot 0.5 \cdot 4 + 2 \cdot 2 \cdot 3", "= 16"], 2,
     "sign_lost_expanding", False),
    ("square", ["= 2x(wx-y)", "= 2wx^2 + 2xy", "= -8"], 2, "sign_lost_expanding", True),
    ("symbolic", ["= 2x(wx - y)", "= 2x^2 w - 2xy", "= -2x^2w - 2xy"], 3, "sign_lost_expanding", False),
    # a wrong number substituted
    ("square", ["= 2x(wx-y)", r"= 2 \cdot 2(2 \cdot 2 - 3)", "= 4"], 2, "wrong_number_substituted", False),
    ("square", ["= 2x(wx-y)", r"= 2 \cdot 3 (0.5 \cdot 3 - 2)", "= -3"], 2, "wrong_number_substituted", False),
    ("square", ["= 2(wx-y)x", r"= 2(0.5 \cdot 2 - 3) \cdot 3", "= -12"], 2, "wrong_number_substituted", False),
    ("square", ["= 2x(wx-y)", r"= 2 \cdot 2 (-0.5 \cdot 2 - 3)", "= -16"], 2, "wrong_number_substituted", False),
    ("brief", ["= 2(wx-y) x", r"= 2(0.5 \cdot 1 - 2) \cdot 2", "= -6"], 2, "wrong_number_substituted", False),
    # the other typical mistakes
    ("square", ["= -2x(wx-y)", r"= -2 \cdot 2(1 - 3)", "= 8"], 1, "sign_error", False),
    ("square", ["= 2w(wx-y)", r"= 2 \cdot 0.5 (1 - 3)", "= -2"], 1, "wrong_variable", False),
    ("product", [rf"= {D}(w) \cdot {D}(e^{{-wx}})", "= -x e^{-wx}", "= -2e^{-2}"], 1, "product_rule_error", False),
    ("product", ["= e^{-wx}", "= e^{-2}"], 1, "product_rule_error", False),
    ("square", ["= 2x(wx-y)", "= 3x(wx-y)", "= -12"], 2, "other", False),
    # a line with no value is no line's equal: wrong when it has none anywhere, else not checked
    ("square", ["= 2x(wx-y)", "= 1/0", "= 0^0", "= -8"], 2, "other", True),
    ("symbolic", ["= 2x(wx-y)", r"= \frac{x}{w^2 - |w|^2}", "= 1"], 3, "other", False),  # line 2 is not checked
    # a line with numbers in a question without a point is compared as an expression
    ("symbolic", ["= 2x(wx-y)", "= -8"], 2, "other", False),
    # unreadable lines are skipped: the next is compared with the line before
    ("square", ["= 2x(wx-y)", r"= \input{x}", "= -8"], None, None, True),
    ("square", ["= 2q(wx-y)", "= 2x(wx - y)", "= -8"], None, None, True),
    ("square", ["__import__('os').system('rm')", "= 2^{2^{2^{40}}}", "= (1, 2)", "= 2x(wx-y)", "= -8"],
     None, None, True),
    ("square", ["= 2x(wx-y)", "w" * 3000, "= 2(1-3)2", "\x00 = -8"], None, None, False),
]


@pytest.fixture(scope="module")
def questions():
    return {name: build() for name, build in QUESTIONS.items()}


@pytest.mark.parametrize("name, lines, first_wrong, mistake, final_correct", ROWS)
def test_derivations(sandbox, questions, name, lines, first_wrong, mistake, final_correct):
    check = questions[name].check_derivation(lines, sandbox)
    assert isinstance(check, DerivationCheck)
    assert check.first_wrong == first_wrong, check
    assert check.final_correct is final_correct, check
    if first_wrong is not None:
        line = check.lines[first_wrong - 1]
        assert (line.number, line.status, line.follows, line.mistake) == (first_wrong, "wrong", False, mistake)
        assert check.feedback.startswith(f"Line {first_wrong} does not follow: {line.feedback}")
    assert all(c.mistake is None for c in check.lines if c.follows)


def test_the_mistakes_are_named_in_the_feedback(sandbox, questions):
    q = questions["square"]
    swapped = q.check_derivation(["= 2x(wx-y)", r"= 2 \cdot 3 (0.5 \cdot 3 - 2)"], sandbox)
    assert swapped.lines[1].feedback == "A wrong number is substituted: the values of $x$ and $y$ are swapped."
    changed = q.check_derivation(["= 2x(wx-y)", r"= 2 \cdot 2(2 \cdot 2 - 3)"], sandbox)
    assert changed.lines[1].feedback == r"A wrong number is substituted: $w = 2$ instead of $w = \frac{1}{2}$."
    lost = q.check_derivation(["= 2x(wx-y)", "= 2wx^2 + 2xy", "= -8"], sandbox)
    assert [c.status for c in lost.lines] == ["ok", "wrong", "ok"]
    assert lost.lines[1].feedback == "A sign is lost when expanding: the term $- 2 x y$ changed sign."
    assert lost.lines[2].feedback == "Right, though it does not follow from line 2."
    assert lost.feedback == ("Line 2 does not follow: A sign is lost when expanding: the term $- 2 x y$ changed "
                             "sign. The final line is right anyway.")
    undefined = q.check_derivation(["= 2x(wx-y)", "= 1/0", "= 0^0"], sandbox)
    assert undefined.lines[1].feedback == ("Your answer has no finite value where the question's function is "
                                           "defined (a division by zero, say, or the logarithm of a negative number).")
    assert (undefined.lines[2].follows, undefined.lines[2].mistake) == (False, "other")
    undecided = questions["symbolic"].check_derivation(["= 2x(wx-y)", r"= \frac{x}{w^2 - |w|^2}", "= 2x(wx-y)"], sandbox)
    assert [(c.status, c.mistake) for c in undecided.lines] == [("ok", None), ("not_checked", "undecided"),
                                                              ("ok", None)]
    assert undecided.lines[1].feedback.startswith("Not checked: your answer has no finite value at any of the points")
    assert undecided.lines[2].feedback == "Right."  # compared with line 1
    carried = q.check_derivation(["= 2(wx-y)", r"= 2(0.5 \cdot 2 - 3)"], sandbox)
    assert carried.lines[1].feedback == "Follows from line 1, but carries its mistake."
    assert carried.lines[0].feedback == ("A chain-rule factor is missing: multiply by the derivative of the inner "
                                         "expression, $x$.")


def test_unreadable_lines_say_why(sandbox, questions):
    check = questions["square"].check_derivation(["= 2q(wx-y)", r"= \input{x}", "= 2^{2^{2^{40}}}", "= -8"], sandbox)
    assert [(c.status, c.mistake) for c in check.lines] == [
        ("unreadable", "unknown_symbol"), ("unreadable", "unparseable"), ("unreadable", "too_complex"), ("ok", None)]
    assert check.lines[0].feedback.startswith("Your answer uses a name the question does not have: the question "
                                              "has no symbol q.")
    assert check.feedback == "Every line follows. The result is right. 3 lines could not be read or checked."
    after = questions["square"].check_derivation(["= 2(wx-y)", r"\input{x}", r"= 2(0.5 \cdot 2 - 3)"], sandbox)
    assert after.lines[2].feedback == "Follows from line 1, but carries its mistake."
    nothing = questions["square"].check_derivation([r"\input{x}"], sandbox)
    assert (nothing.first_wrong, nothing.final_correct) == (None, False)
    assert nothing.feedback == "No line of the derivation could be read and checked."


@pytest.mark.parametrize("working, feedback", [
    (["= -8"] * 31, "This answer is too complex to check: a derivation has at most 30 lines."),
    ("= -8 \\\\ " * 31, "This answer is too complex to check: a derivation has at most 30 lines."),
    ("w" * 70000, "This answer is too complex to check: a derivation has at most 60000 characters."),
    ([], "symgrad could not read this answer: the derivation is empty."),
    (" \\\\ \n ", "symgrad could not read this answer: the derivation is empty."),
    (["= 2x(wx-y)", 8], "symgrad could not read this answer: each line of a derivation is text."),
    (-8, "symgrad could not read this answer: a derivation is a list of lines or a text, not a int."),
])
def test_a_derivation_is_refused_whole_when_over_the_limits(sandbox, questions, working, feedback):
    check = questions["square"].check_derivation(working, sandbox)
    assert check == DerivationCheck((), None, False, feedback)


def test_lines_are_split_at_double_backslashes_and_line_ends():
    assert lines_of("a = 1 \\\\ &= 2\r\n= 3\n\n", DEFAULT_LIMITS) == ("a = 1", "= 2", "= 3")
    assert lines_of(["  = 1 ", "", "&= 2"], DEFAULT_LIMITS) == ("= 1", "= 2")


def test_only_a_derivative_is_checked_line_by_line(questions):
    with pytest.raises(SymgradError, match="a derivation is checked line by line for a derivative, not a gradient"):
        Question.gradient((w * x - y) ** 2, [w, x]).check_derivation(["= 1"])
