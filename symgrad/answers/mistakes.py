r"""Typical mistakes, generated from the question: for each kind, the wrong answers a student who
makes that mistake would give. A student's answer is diagnosed by matching it against them with the
same equivalence test as the right answer (:mod:`~symgrad.answers.marking`).

Two layers. *Derivative slips* turn one exact partial $\partial f/\partial w$ into wrong ones (flip
its sign, differentiate by another variable, read ``\log`` in the other base, forget the $1/N$ of a
mean, return $f$ itself, break a differentiation rule); the task lifts each into a wrong answer
(:mod:`~symgrad.explain.tasks`), so a slip in a derivative is recognised inside a gradient step or a
directional derivative too. *Task slips* come from the task itself (stepping uphill, ...).

A derivative slip is a generator registered with :func:`derivative_slip`: it takes a
:class:`Slipping` and yields ``(kind, wrong partial, detail)``. The rule-based kinds
(missing_chain_factor, missing_constant_factor, power_rule_error, product_rule_error,
quotient_rule_error) are :mod:`~symgrad.answers.missteps`: the derivation of the partial
(``symgrad.derive``) with one of its steps done wrong.
"""

from dataclasses import dataclass

import sympy

from ..core.differentiation import derivative
from ..core.variables import sorted_symbols
from .missteps import missteps

__all__ = ["MISTAKES", "NOT_FROM_ANSWERS", "Candidate", "Slipping", "derivative_slip", "candidates", "matrix_candidates"]

# Every kind a verdict can name, exactly so. Among wrong answers, the order is the priority when one
# wrong answer fits several kinds (stepping uphill is also a sign error: it is reported as the former;
# w e^w for (w e^w)' is the function itself before it is a product rule with the term e^w dropped).
# unparseable, unknown_symbol, too_complex and undecided are answers that could not be checked
# (verdict.NOT_CHECKED): a gradient is not checked only when none of its wrong entries is decided.
# check_failed and not_in_key are not checked either, and no answer shows them (NOT_FROM_ANSWERS).
# wrong_shape is a matrix answer whose shapes do not fit, or of another shape than the right one.
MISTAKES = (
    "gd_wrong_sign", "gd_used_loss_not_gradient", "gd_missing_learning_rate", "transposed",
    "sign_error", "missing_mean_factor", "log_base_confusion", "missing_chain_factor",
    "missing_constant_factor", "power_rule_error", "wrong_variable", "returned_function_value", "wrong_shape",
    "product_rule_error", "quotient_rule_error", "integrated_instead", "rounded_too_early",
    "not_simplified_but_correct", "unparseable", "unknown_symbol", "too_complex", "undecided",
    "check_failed", "not_in_key", "other",
)
# The kinds no answer itself shows, so no answer-test fixture has them: symgrad's worker failing on an
# answer (a bug, or the process dying: sandbox.Sandbox.check), and an answer to no question of the key
# (grading). tests/test_answers_sandbox.py and tests/test_answers_grading.py produce them.
NOT_FROM_ANSWERS = ("check_failed", "not_in_key")
PRIORITY = {kind: rank for rank, kind in enumerate(MISTAKES)}
MAX_OTHER_VARIABLES = 12


@dataclass(frozen=True)
class Candidate:
    """A wrong answer for one component of the answer. ``value`` is what that component would be; with
    ``derivative_of`` set (``integrated_instead``), ``value`` is what the student's answer
    differentiated by that variable would be. ``detail`` is a SymPy expression the feedback names."""

    kind: str
    component: int
    value: object
    detail: object = None
    derivative_of: object = None


@dataclass(frozen=True)
class Slipping:
    """What a derivative slip starts from: the function of ``var``, and its exact partial; ``graph``
    is the function's graph when it has one (its derivation goes through its nodes). When ``var`` is
    an intermediate node, the function is written in it, and ``back`` maps the nodes to their
    definitions (a wrong partial is written back in the leaves before the task uses it)."""

    function: object
    var: object
    partial: object
    back: dict
    graph: object = None


_DERIVATIVE_SLIPS = []


def derivative_slip(generator):
    """Register a generator of wrong partials: ``generator(slipping)`` yields ``(kind, partial, detail)``."""
    _DERIVATIVE_SLIPS.append(generator)
    return generator


@derivative_slip
def _sign(s):
    yield "sign_error", -s.partial, None


@derivative_slip
def _mean(s):
    n = mean_size(s.function)
    if n:
        yield "missing_mean_factor", n * s.partial, sympy.Integer(n)


@derivative_slip
def _log_base(s):
    """``\\log`` read in the other base: natural logarithms as base 10, base-10 ones as natural."""
    natural = [g for g in s.function.atoms(sympy.log) if s.var in g.free_symbols]
    if natural:
        wrong = s.function.xreplace({g: g / sympy.log(10) for g in natural})
        yield "log_base_confusion", derivative(wrong, s.var), sympy.Integer(10)
    if s.function.has(sympy.log(10)):
        yield "log_base_confusion", derivative(s.function.xreplace({sympy.log(10): 1}), s.var), sympy.E


@derivative_slip
def _missteps(s):
    yield from missteps(s.function, s.var, s.graph)


@derivative_slip
def _other_variable(s):
    others = sorted_symbols(s.function.free_symbols - {s.var})[:MAX_OTHER_VARIABLES]
    for v in others:
        yield "wrong_variable", derivative(s.function, v), v


@derivative_slip
def _function_itself(s):
    yield "returned_function_value", s.function, None


def mean_size(function):
    """N when ``function`` is a mean of N terms, ``(1/N)(t_1 + ... + t_N)`` (perhaps times a constant,
    as in ``1/(2m)``), written as a product or with the factor spread over the terms; else None."""
    if function.is_Mul:
        coefficient, rest = function.as_coeff_Mul()
        terms = rest.args if rest.is_Add else ()
        coefficients = [coefficient] * len(terms)
    elif function.is_Add:
        terms = function.args
        coefficients = [t.as_coeff_Mul()[0] for t in terms]
    else:
        return None
    n = len(terms)
    if n > 1 and all(c.is_Rational and c.q % n == 0 for c in coefficients):
        return n
    return None


def candidates(function, wrt, partials, task, slippings, point=None):
    """Every typical wrong answer of the task (at ``point`` when it is asked there), as :class:`Candidate` s
    in order of priority; ``slippings[j]`` is where the slips of the partial by ``wrt[j]`` start from."""
    answer = task.answer_from(function, wrt, partials, point)
    out = []

    def lift(kind, wrong_answer, detail):
        out.extend(Candidate(kind, i, bad, detail)
                   for i, (good, bad) in enumerate(zip(answer, wrong_answer)) if bad != good)

    for kind, wrong_answer, detail in task.slips(function, wrt, partials, point):
        lift(kind, wrong_answer, detail)
    for j, slipping in enumerate(slippings):
        for generator in _DERIVATIVE_SLIPS:
            for kind, wrong, detail in generator(slipping):
                wrong = wrong.xreplace(slipping.back)
                lift(kind, task.answer_from(function, wrt, partials[:j] + (wrong,) + partials[j + 1:], point), detail)
    if not task.numeric and task.kind in ("derivative", "gradient"):
        out.extend(Candidate("integrated_instead", j, function, None, var) for j, var in enumerate(wrt))
    return sorted(out, key=lambda c: PRIORITY[c.kind])


def matrix_candidates(reference):
    """The typical wrong answers to a matrix question whose right answer is ``reference`` (a matrix
    expression), in order of priority: transposed (a row for a column), the sign flipped, a numeric
    factor forgotten (``X^T(Xw - y)`` for ``2X^T(Xw - y)``)."""
    out = []
    if reference.shape[0] != reference.shape[1]:
        out.append(Candidate("transposed", 0, reference.T))
    out.append(Candidate("sign_error", 0, -reference))
    factor, rest = reference.as_coeff_mmul() if isinstance(reference, sympy.MatMul) else (1, reference)
    if factor not in (1, -1) and factor.is_Number:
        out.append(Candidate("missing_constant_factor", 0, rest, factor))
    return sorted(out, key=lambda c: PRIORITY[c.kind])
