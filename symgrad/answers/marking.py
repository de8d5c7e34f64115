"""Marking one answer: read it, compare each component with the right answer, diagnose a wrong one
against the typical mistakes, and write the verdict.

A :class:`MarkingScheme` is prepared once per question (the right answer's values, the typical
wrong answers and theirs, the points symbolic answers are compared at); :func:`mark` then costs one
reading and one evaluation of the answer per point. Both run inside the checking worker
(:mod:`~symgrad.answers.sandbox`), under its time and memory limits.
"""

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field

import sympy

from ..core.differentiation import derivative
from ..core.errors import SymgradError
from ..explain.simplification import simplest as simplest_form
from .equivalence import Probes, agree, equivalent, number_value
from .feedback import REASONS, UNDECIDED, sentence, truncated_note, why_wrong
from .mistakes import PRIORITY, candidates
from .parsing import read_answer, typed_size
from .problems import AnswerProblem
from .tokens import tokenize
from .verdict import NOT_CHECKED, Verdict

__all__ = ["MarkingScheme", "mark"]

MESSY = 4  # symbols typed beyond the simplest right form that make a right answer "not simplified"
LONG = 10 ** 300  # numbers from this size on are shown rounded


@dataclass(frozen=True)
class MarkingScheme:
    """What a question's answers are compared with, per component of the answer: the right value(s),
    the simplest right form and how many symbols it is typed with, and the typical wrong answers with
    their values, in order of priority. ``probes`` is None for numeric tasks (values are then numbers)."""

    probes: Probes | None
    right: tuple
    simplest: tuple
    simplest_sizes: tuple
    wrong: tuple  # per component: ((Candidate, values), ...)

    @classmethod
    def prepare(cls, question, seed=None):
        """The scheme of ``question``; ``seed`` chooses the points (None: at random, in secret)."""
        answer = question.answer
        probes = None if question.task.numeric else Probes.choose(question.notation.variables, answer, seed=seed)
        value = (lambda e: probes.values(e)) if probes else number_value
        right = tuple(value(a) for a in answer)
        wrong = [[] for _ in answer]
        for c in candidates(question.function, question.wrt, question.partials, question.task,
                            question.slippings, question.point):
            values = value(c.value)
            if c.derivative_of is None and _same(values, right[c.component], question, probes):
                continue  # this "mistake" gives the right answer here: it cannot be told apart
            if any(_same(values, v, question, probes) for other, v in wrong[c.component]
                   if other.derivative_of is None and c.derivative_of is None):
                continue  # an earlier (more specific) kind gives the same wrong answer
            wrong[c.component].append((c, values))
        simplest = tuple(simplest_form(a) for a in answer) if probes else tuple(answer)
        notation = question.notation
        sizes = tuple(_typed_size(notation, a) for a in simplest)
        return cls(probes, right, simplest, sizes, tuple(tuple(w) for w in wrong))


def _typed_size(notation, answer):
    """How many symbols a student types ``answer`` with; unbounded when answers cannot write it (a
    ``Max`` or a ``Piecewise`` of the question's function), so that no answer is judged messier."""
    try:
        return typed_size(tokenize(notation.show(answer), notation.words, folded=notation.function_words))
    except AnswerProblem:
        return math.inf


def _same(values, reference, question, probes):
    if probes is not None:
        return agree(values, reference) is True
    return values is not None and reference is not None and question.tolerance.accepts(values, reference)


@dataclass(frozen=True)
class _Judgement:
    """The verdict on one component: ``kind`` None when right; ``detail`` (and ``fields``) for the feedback."""

    kind: str | None
    detail: object = None
    messy: bool = False
    component: int = 0
    fields: dict = field(default_factory=dict)


def mark(question, scheme, answer):
    """The :class:`Verdict` on ``answer`` (LaTeX, a number, a SymPy object or a list of them)."""
    notation = question.notation
    try:
        reading = read_answer(answer, notation, question.limits)
    except AnswerProblem as problem:
        return Verdict(False, 0.0, problem.kind, sentence(problem.kind, _plain(problem)))
    interpreted = _interpreted(reading, notation)
    try:
        verdict = _mark_reading(question, scheme, reading, interpreted)
    except AnswerProblem as problem:  # its value is too large to compute
        verdict = Verdict(False, 0.0, problem.kind, sentence(problem.kind, _plain(problem)), interpreted)
    if reading.truncated:
        verdict = dataclasses.replace(verdict, feedback=f"{verdict.feedback} {truncated_note(reading.truncated)}")
    return verdict


def _mark_reading(question, scheme, reading, interpreted):
    notation = question.notation
    restated = [wrt for of, wrt in reading.derivatives.values()
                if wrt in question.wrt and notation.expand(of) == question.function]
    if restated:
        return Verdict(False, 0.0, "other", why_wrong("restated"), interpreted)
    cells = [notation.expand(c.xreplace(reading.values)) for c in reading.cells]
    sizes = reading.sizes
    if reading.labels:
        order, problem = _by_name(reading.labels, question)
        if problem:
            return Verdict(False, 0.0, "other", problem, interpreted)
        cells, sizes = [cells[k] for k in order], [sizes[k] for k in order]
    cells, transposed, problem = _arrange(cells, reading.shape, question)
    if problem:
        return Verdict(False, 0.0, "other", problem, interpreted)
    sizes = sizes if not transposed else (0,) * len(cells)
    judgements = [dataclasses.replace(_judge(question, scheme, i, cell, sizes[i]), component=i)
                  for i, cell in enumerate(cells)]
    if transposed:
        if all(j.kind is None for j in judgements):
            rows, columns = question.task.shape
            return Verdict(False, 0.0, "transposed", sentence("transposed", f"{rows}x{columns}"), interpreted)
        return Verdict(False, 0.0, "other", _shape_message(question), interpreted)
    kinds = {j.kind for j in judgements}
    if len(cells) > 1 and kinds - {None, "transposed"} and not reading.labels and _reordered(question, scheme, cells):
        order = ", ".join(question.notation.show(w) for w in question.wrt)
        return Verdict(False, 0.0, "wrong_variable", why_wrong("reordered", order), interpreted)
    return Verdict(*_aggregate(question, judgements), interpreted)


def _reordered(question, scheme, cells):
    """Whether the cells are the right components, each exactly once, in another order."""
    unused = set(range(len(cells)))
    for cell in cells:
        value = number_value(cell) if question.task.numeric else scheme.probes.values(cell)
        match = next((j for j in sorted(unused) if _same(value, scheme.right[j], question, scheme.probes)), None)
        if match is None:
            return False
        unused.discard(match)
    return True


def _by_name(labels, question):
    """``(order, problem)``: for entries named by variables (``b = -0.415, w = 0.669``), the index of the
    entry of each of the question's variables, in their order; or a message when the names are not those
    variables, each once."""
    variables = ", ".join(question.notation.show(w) for w in question.wrt)
    if len(question.answer) != len(question.wrt):
        return None, _shape_message(question)
    given = {}
    for k, label in enumerate(labels):
        shown = question.notation.show(label)
        if label not in question.wrt:
            return None, why_wrong("not_a_variable", shown, order=variables)
        if label in given:
            return None, why_wrong("named_twice", shown, order=variables)
        given[label] = k
    missing = [w for w in question.wrt if w not in given]
    if missing:
        return None, why_wrong("not_named", question.notation.show(missing[0]), order=variables)
    return [given[w] for w in question.wrt], None


def _arrange(cells, shape, question):
    """``(cells, transposed, problem)``: the cells in the order of the answer's components (a matrix of
    the transposed shape is transposed back, and says so), or a message when the shape is wrong."""
    wanted = question.task.shape
    if wanted and shape == (wanted[1], wanted[0]) and wanted[0] != wanted[1]:
        return list(sympy.Matrix(*shape, cells).T), True, None
    if len(cells) != len(question.answer) or (wanted and shape is not None and shape != wanted):
        return cells, False, _shape_message(question)
    return cells, False, None


def _shape_message(question):
    wanted, n = question.task.shape, len(question.answer)
    if wanted:
        return why_wrong("shape", f"a {wanted[0]}x{wanted[1]} matrix")
    return why_wrong("shape", "one expression" if n == 1 else f"{n} entries")


def _judge(question, scheme, i, cell, size):
    """The judgement on component ``i``; ``size`` is how many symbols it was typed with."""
    if question.task.numeric:
        return _judge_number(question, scheme, i, cell, size > scheme.simplest_sizes[i])
    values = scheme.probes.values(cell)
    if all(v is None for v in values):
        return _Judgement("other", "undefined") if _undefined_everywhere(cell) else _Judgement(
            "undecided", UNDECIDED["undefined"])
    same = equivalent(cell, question.answer[i], scheme.probes, scheme.right[i], values)
    if same is None:
        return _Judgement("undecided", UNDECIDED["partly_undefined"])
    if same:
        return _Judgement(None, question.notation.show(scheme.simplest[i]), size > scheme.simplest_sizes[i] + MESSY)
    derivatives = {}
    for candidate, wrong_values in scheme.wrong[i]:
        if candidate.derivative_of is not None:
            var = candidate.derivative_of
            if var not in derivatives:
                derivatives[var] = _values_of_derivative(cell, var, scheme.probes)
            if agree(derivatives[var], wrong_values) is True:
                return _Judgement(candidate.kind, candidate.detail)
        elif agree(values, wrong_values) is True:
            return _Judgement(candidate.kind, candidate.detail)
    return _Judgement("other")


def _undefined_everywhere(cell):
    r"""Whether ``cell`` has no value anywhere, not just at the probes: a constant (``1/0``) or an
    expression with an infinity in it (``x/0``, ``x \log 0``)."""
    return not cell.free_symbols or cell.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity)


def _values_of_derivative(cell, var, probes):
    """The values of d(cell)/d(var) at the probes; none where SymPy cannot differentiate the answer."""
    try:
        return probes.values(derivative(cell, var))
    except SymgradError:
        return (None,) * len(probes.points)


def _judge_number(question, scheme, i, cell, messy):
    if cell.free_symbols:
        at_point = cell.xreplace(question.point)
        value = number_value(at_point) if not at_point.free_symbols else None
        if value is not None and question.tolerance.accepts(value, scheme.right[i]):
            return _Judgement("other", "unevaluated")
        return _Judgement("other", "symbolic")
    value = number_value(cell)
    if value is None:
        return _Judgement("other", "undefined")
    if question.tolerance.accepts(value, scheme.right[i]):
        return _Judgement(None, question.notation.show(question.answer[i]), messy)
    for candidate, wrong_value in scheme.wrong[i]:
        if wrong_value is not None and question.tolerance.accepts(value, wrong_value):
            return _Judgement(candidate.kind, candidate.detail)
    right = scheme.right[i]
    if isinstance(value, complex) and isinstance(right, complex) and not value.imag and not right.imag \
            and question.tolerance.rounded_too_early(value.real, right.real):
        figures = question.tolerance.figures(right.real)
        return _Judgement("rounded_too_early", f"{right.real:.{figures}g}",
                          fields={"yours": f"{value.real:.15g}", "figures": figures})
    return _Judgement("other")


def _aggregate(question, judgements):
    """``(correct, score, mistake, feedback)`` from the components' judgements: the most common mistake
    among the wrong entries symgrad could decide, or, when it could decide none, the undecided one (the
    answer is then not checked, and scores 0)."""
    n = len(judgements)
    wrong = [j for j in judgements if j.kind is not None]
    if not wrong:
        messy = [j for j in judgements if j.messy]
        if messy:
            return True, 1.0, "not_simplified_but_correct", sentence("not_simplified_but_correct", messy[0].detail)
        return True, 1.0, None, sentence(None)
    decided = [j for j in wrong if j.kind not in NOT_CHECKED] or wrong
    counts = Counter(j.kind for j in decided)
    kind = min(counts, key=lambda k: (-counts[k], PRIORITY[k]))
    first = next(j for j in decided if j.kind == kind)
    if kind == "other" and first.detail in REASONS:
        feedback = why_wrong(first.detail)
    else:
        feedback = sentence(kind, _detail(question, kind, first.detail), wrt=_wrt(question, first.component),
                            **first.fields)
    if n > 1:
        feedback = f"{n - len(wrong)} of {n} entries are right. " + feedback
    if kind in NOT_CHECKED:
        return False, 0.0, kind, feedback
    rounded = sum(1 for j in wrong if j.kind == "rounded_too_early")
    return False, (n - len(wrong) + question.rounding_credit * rounded) / n, kind, feedback


def _detail(question, kind, detail):
    if detail is None or kind == "other":
        return None
    return detail if isinstance(detail, str) else question.notation.show(detail)


def _wrt(question, component):
    """The variable a component is about (all of them for a directional derivative)."""
    if len(question.answer) == len(question.wrt):
        return question.notation.show(question.wrt[component])
    return ", ".join(question.notation.show(w) for w in question.wrt)


def _interpreted(reading, notation):
    """The answer as symgrad read it, in LaTeX; numbers too long to print whole shown to 15 digits."""
    def show(e):
        long = {n: n.evalf(15) for n in e.atoms(sympy.Rational) if max(abs(n.p), n.q) > LONG}
        return notation.show(e.xreplace(long) if long else e, reading.latex)

    if reading.labels:
        return ", ".join(f"{show(label)} = {show(cell)}" for label, cell in zip(reading.labels, reading.cells))
    if len(reading.cells) == 1 and reading.shape is None:
        return show(reading.cells[0])
    if reading.shape is not None:
        return show(sympy.Matrix(*reading.shape, list(reading.cells)))
    return r"\left(" + ", ".join(show(c) for c in reading.cells) + r"\right)"


def _plain(problem):
    return str(problem).rstrip(".")
