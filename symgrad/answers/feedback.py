r"""The sentences a student reads: one per verdict, filled in with the detail of the mistake.

A detail is a SymPy expression printed with the question's own notation, so nothing a student typed
reaches a sentence except through symgrad's reading of it.
"""

__all__ = ["sentence", "why_wrong", "truncated_note", "UNDECIDED", "LINE_SENTENCES"]

SENTENCES = {
    None: "Correct.",
    "not_simplified_but_correct": "Correct, though it can be written more simply, for example as ${detail}$.",
    "sign_error": "The sign is wrong: your answer is the negative of the right one. Check the sign of each "
                  "factor of the chain rule.",
    "missing_chain_factor": "A chain-rule factor is missing: multiply by the derivative of the inner "
                            "expression, ${detail}$.",
    "missing_chain_factor*": "A chain-rule factor is missing: multiply by the derivative of each inner "
                             "expression.",
    "missing_constant_factor": "A constant factor, ${detail}$, is missing: constant factors stay in the "
                               "derivative.",
    "power_rule_error": "The power rule is misapplied at ${detail}$: the derivative of $u^n$ is "
                        "$n u^{{n-1}} u'$, the exponent drops by one.",
    "product_rule_error": "The product rule is misapplied: the derivative of $uv$ is $u'v + uv'$, both terms "
                          "(not $u'v'$).",
    "quotient_rule_error": "The quotient rule is misapplied: the derivative of $u/v$ is "
                           "$(u'v - uv')/v^2$.",
    "integrated_instead": "You integrated instead of differentiating: the derivative of your answer is the "
                          "function itself.",
    "wrong_variable": "You differentiated with respect to ${detail}$; the question asks for ${wrt}$.",
    "log_base_confusion": "Your answer treats the logarithm as base ${detail}$: here $\\log$ is the "
                          "{base} logarithm.",
    "returned_function_value": "That is the function itself, not its derivative.",
    "missing_mean_factor": "The factor $1/N$ of the mean is missing: the loss averages over $N = {detail}$ "
                           "samples.",
    "gd_wrong_sign": "Gradient descent steps downhill: the update is $w - \\eta\\, \\partial L/\\partial w$, "
                     "not $w + \\eta\\, \\partial L/\\partial w$.",
    "gd_used_loss_not_gradient": "The step uses the loss instead of its gradient: the update is "
                                 "$w - \\eta\\, \\partial L/\\partial w$.",
    "gd_missing_learning_rate": "The learning rate is missing: the update is "
                                "$w - \\eta\\, \\partial L/\\partial w$ with $\\eta = {detail}$.",
    "rounded_too_early": "You rounded ${detail}$ to ${yours}$, too early: give {figures} significant figures.",
    "transposed": "Your matrix is transposed: a gradient has the shape of its parameter ({detail}).",
    "wrong_shape": "The shapes do not fit: {detail}.",
    "unparseable": "symgrad could not read this answer: {detail}.",
    "unknown_symbol": "Your answer uses a name the question does not have: {detail}. Use the question's "
                      "symbols.",
    "too_complex": "This answer is too complex to check: {detail}.",
    "undecided": "Not checked: {detail}. Your teacher will read it.",
    "check_failed": "symgrad could not check this answer ({detail}); please tell your teacher.",
    "not_in_key": "There is no {detail}.",
    "other": "Not correct, and it matches none of the typical mistakes for this question.",
}


def sentence(mistake, detail=None, **fields):
    """The sentence for a verdict with ``mistake`` (None when right); ``detail`` is LaTeX or plain text."""
    key = mistake
    if mistake == "missing_chain_factor" and detail is None:
        key = "missing_chain_factor*"
    if mistake == "log_base_confusion":
        fields.setdefault("base", "natural" if detail == "10" else "base-10")
    return SENTENCES[key].format(detail=detail, **fields)


# Why an answer is wrong when it is none of the typical mistakes (its mistake is "other" or, for
# entries in the wrong order, "wrong_variable").
REASONS = {
    "restated": "Your answer contains the derivative the question asks for: work it out.",
    "reordered": "These are the right entries in the wrong order: give them in the order of the variables, "
                 "${detail}$.",
    "unevaluated": "Your expression is right, but the question asks for its value: put in the numbers.",
    "symbolic": "The question asks for a number: put in the values of the variables.",
    "undefined": "Your answer has no finite value where the question's function is defined (a division by "
                 "zero, say, or the logarithm of a negative number).",
    "shape": "The answer should be {detail}.",
    "not_a_variable": "${detail}$ names none of the variables: name each entry by one of ${order}$.",
    "named_twice": "${detail}$ is given twice: give each of ${order}$ once.",
    "not_named": "No entry is named ${detail}$: give one for each of ${order}$.",
    "unworked": "Your answer still holds a derivative to work out, ${detail}$.",
}

# The mistakes only a line of a derivation shows, against the line before it (symgrad.answers.marking.check_lines).
LINE_SENTENCES = {
    "wrong_number_substituted": "A wrong number is substituted: {detail}.",
    "sign_lost_expanding": "A sign is lost when expanding: the term ${detail}$ changed sign.",
}


# Why the equivalence test could not decide (the detail of an "undecided" verdict).
UNDECIDED = {
    "undefined": "your answer has no finite value at any of the points where it was compared with the right "
                 "answer",
    "partly_undefined": "symgrad could not decide whether your answer is right: it has no finite value at some "
                        "of the points where it was compared with the right answer, and is too long to simplify",
    "some_matrices": "your answer has no finite value for some of the random matrices it was compared at, where the "
                     "right answer has one",
}


def truncated_note(decimals):
    """The note added to a verdict on an answer with decimals typed with an ellipsis (their digits)."""
    return f"The decimals ending in an ellipsis were read as typed, truncated: {', '.join(decimals)}."


def why_wrong(reason, detail=None, **fields):
    """The sentence for a wrong answer's ``reason`` (a key of :data:`REASONS`)."""
    return REASONS[reason].format(detail=detail, **fields)
