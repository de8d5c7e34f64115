r"""A peer suite for the answer checker: the real-valued expression pairs of Math-Verify's tests
(``tests/data/math_verify_pairs.json``), each judged by symgrad's own reading and equivalence test.

Both LaTeX strings are read by the checker's safe parser (:func:`~symgrad.answers.parsing.read_answer`),
with the free letters it reports unknown (``y`` in ``\tan^2(y)+1``) declared as the variables. Two
numbers are compared as the checker compares a numeric answer, within its default
:class:`~symgrad.answers.equivalence.Tolerance` (0.1% relative); anything else by
:func:`~symgrad.answers.equivalence.equivalent` at points drawn for the gold answer. Nothing is
evaluated or sympified from the text.
"""

import json
from collections import Counter
from pathlib import Path

import sympy

from symgrad.answers.equivalence import Probes, Tolerance, equivalent, number_value
from symgrad.answers.parsing import read_answer
from symgrad.answers.problems import AnswerProblem, UnknownSymbols
from symgrad.answers.spellings import Spellings

__all__ = ["PAIRS", "judge", "outcome", "load_pairs", "summary"]

PAIRS = Path(__file__).resolve().parent / "data" / "math_verify_pairs.json"


def load_pairs(path=PAIRS):
    """The ``(header, pairs)`` of a peer data file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["header"], data["pairs"]


def judge(gold, prediction, seed=15):
    """Whether symgrad finds the LaTeX ``prediction`` equal to ``gold``; None if it cannot read one of
    them (an :class:`~symgrad.answers.problems.AnswerProblem`: a command it does not allow, a set...)."""
    names = dict.fromkeys(_unknown(gold) + _unknown(prediction))
    variables = [sympy.Symbol(name) for name in names]
    notation = Spellings.declare(variables, symbols={v: name for v, name in zip(variables, names)})
    try:
        golds = read_answer(gold, notation).cells
        predictions = read_answer(prediction, notation).cells
    except AnswerProblem:
        return None
    if len(golds) != len(predictions):
        return False
    if not any(cell.free_symbols for cell in golds + predictions):
        return all(_same_number(p, g) for p, g in zip(predictions, golds))
    probes = Probes.choose(variables, golds, seed=seed)
    return all(equivalent(p, g, probes) for p, g in zip(predictions, golds))


def _same_number(prediction, gold):
    value, reference = number_value(prediction), number_value(gold)
    return value is not None and reference is not None and Tolerance().accepts(value, reference)


def _unknown(text):
    """The names ``text`` uses that a question declaring no variable does not know, as typed."""
    try:
        read_answer(text, Spellings.declare([]))
    except UnknownSymbols as problem:
        return list(problem.names)
    except AnswerProblem:
        pass
    return []


def outcome(pair):
    """``"agree"``, ``"disagree"`` or ``"unreadable"``: symgrad's judgement of a pair against its expected one."""
    verdict = judge(pair["gold"], pair["prediction"])
    if verdict is None:
        return "unreadable"
    return "agree" if verdict == pair["expected"] else "disagree"


def summary(pairs):
    """``{"all": Counter, category: Counter}`` of the outcomes of ``pairs``, and the outcome of each."""
    outcomes = [outcome(p) for p in pairs]
    counts = {"all": Counter(outcomes)}
    for pair, result in zip(pairs, outcomes):
        counts.setdefault(pair["category"], Counter())[result] += 1
    return counts, outcomes
