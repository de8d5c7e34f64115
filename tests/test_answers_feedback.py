import pytest

from symgrad.answers.feedback import REASONS, SENTENCES, sentence, why_wrong
from symgrad.answers.mistakes import MISTAKES


@pytest.mark.parametrize("kind", [None, *MISTAKES])
def test_every_verdict_has_a_sentence(kind):
    text = sentence(kind, "x", wrt="w", yours="1.7", figures=4)  # the fields of wrong_variable and rounded_too_early
    assert text.endswith(".") and "{" not in text.replace("{n-1}", "")


@pytest.mark.parametrize("kind, detail, expected", [
    ("missing_chain_factor", "x", "A chain-rule factor is missing: multiply by the derivative of the inner expression, $x$."),
    ("missing_chain_factor", None, "A chain-rule factor is missing: multiply by the derivative of each inner expression."),
    ("log_base_confusion", "10", "Your answer treats the logarithm as base $10$: here $\\log$ is the natural logarithm."),
    ("log_base_confusion", "e", "Your answer treats the logarithm as base $e$: here $\\log$ is the base-10 logarithm."),
    ("power_rule_error", "u^{2}", "The power rule is misapplied at $u^{2}$: the derivative of $u^n$ is $n u^{n-1} u'$, "
                                  "the exponent drops by one."),
    ("wrong_variable", "x", "You differentiated with respect to $x$; the question asks for $w$."),
    ("rounded_too_early", "-1.692", "You rounded $-1.692$ to $-1.7$, too early: give 4 significant figures."),
])
def test_sentences(kind, detail, expected):
    assert sentence(kind, detail, wrt="w", yours="-1.7", figures=4) == expected


def test_reasons():
    assert set(REASONS) == {"restated", "reordered", "unevaluated", "symbolic", "undefined", "shape", "not_a_variable",
                            "named_twice", "not_named", "unworked"}
    assert why_wrong("shape", "3 entries") == "The answer should be 3 entries."
    assert why_wrong("not_named", "b", order="w, b") == "No entry is named $b$: give one for each of $w, b$."
    assert set(SENTENCES) - {"missing_chain_factor*"} == {None, *MISTAKES}
