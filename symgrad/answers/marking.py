r"""Marking one answer: read it, compare each component with the right answer, diagnose a wrong one
against the typical mistakes, and write the verdict; and marking a whole derivation, line by line
(:func:`check_lines`, rules below).

A :class:`MarkingScheme` is prepared once per question (the right answer's values, the typical
wrong answers and theirs, the points symbolic answers are compared at); :func:`mark` then costs one
reading and one evaluation of the answer per point. Both run inside the checking worker
(:mod:`~symgrad.answers.sandbox`), under its time and memory limits.

The working is a list of lines, or one text split at ``\\`` and line ends; each line is read as an answer
is (its right-hand side: ``\frac{\partial L}{\partial w} = ...`` and ``= ...`` give what follows the last
``=``), under the same limits, and a derivative not yet worked out, ``\frac{\partial}{\partial w}(wx - y)``,
is evaluated exactly. The rules:

- a line is *right* when it equals the question's partial; it *follows* when it equals the line before
  it (the first line: when it is right); an unreadable line is skipped, the next compared with the one
  before it;
- lines are compared symbolically (:func:`~symgrad.answers.equivalence.equivalent`, at random points)
  while they still hold every variable of the partial; from the first line that has lost one (numbers
  substituted), at the question's point (numerically, to the question's tolerance);
- a line that does not follow is diagnosed, in order: a wrong number substituted (the last symbolic line
  at the point with one value negated or given another variable's value, or two values swapped), a sign
  lost when expanding (the line before, expanded, with one term's sign flipped), then the question's
  typical mistakes (:mod:`~symgrad.answers.mistakes`) in their priority; else ``other``;
- the derivation's ``first_wrong`` is the first line that does not follow, and ``final_correct`` says
  whether its last line is right (a number, when the question asks for one).
"""

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

import sympy

from ..core.differentiation import derivative
from ..core.errors import SymgradError
from ..core.variables import sorted_symbols
from ..explain.simplification import simplest as simplest_form
from ..explain.tasks import Derivative
from .equivalence import MatrixProbes, Probes, agree, equivalent, expanded, number_value
from .feedback import LINE_SENTENCES, REASONS, UNDECIDED, sentence, truncated_note, why_wrong
from .mistakes import PRIORITY, candidates, matrix_candidates
from .parsing import read_answer, read_matrix_answer, shape_text, typed_size
from .problems import AnswerProblem, TooComplex, UnknownSymbols, Unreadable
from .tokens import tokenize
from .verdict import NOT_CHECKED, Verdict

__all__ = ["MarkingScheme", "MatrixScheme", "MATRIX_KINDS", "prepare_scheme", "mark", "DerivationCheck",
           "LineCheck", "LineReference", "lines_of", "check_lines",
           "unreadable_line", "refused"]

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
    if isinstance(scheme, MatrixScheme):
        return _mark_matrix(question, scheme, answer)
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
    unworked = [p for p, (of, _) in reading.derivatives.items() if not of.is_Symbol]
    if unworked:
        return Verdict(False, 0.0, "other", why_wrong("unworked", reading.latex[unworked[0]]), interpreted)
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


def _shown(expr, notation, latex=None):
    """``expr`` in LaTeX, as the question spells its symbols; numbers too long to print whole shown to 15 digits."""
    long = {n: n.evalf(15) for n in expr.atoms(sympy.Rational) if max(abs(n.p), n.q) > LONG}
    return notation.show(expr.xreplace(long) if long else expr, latex)


def _interpreted(reading, notation):
    """The answer as symgrad read it, in LaTeX."""
    def show(e):
        return _shown(e, notation, reading.latex)

    if reading.labels:
        return ", ".join(f"{show(label)} = {show(cell)}" for label, cell in zip(reading.labels, reading.cells))
    if len(reading.cells) == 1 and reading.shape is None:
        return show(reading.cells[0])
    if reading.shape is not None:
        return show(sympy.Matrix(*reading.shape, list(reading.cells)))
    return r"\left(" + ", ".join(show(c) for c in reading.cells) + r"\right)"


def _plain(problem):
    return str(problem).rstrip(".")


# -- matrix answers -------------------------------------------------------------------------------

MATRIX_KINDS = ("matrix", "matrix_gradient")


def prepare_scheme(question, seed=None):
    """The marking scheme of ``question``: a :class:`MatrixScheme` for a matrix question, else a
    :class:`MarkingScheme`."""
    return (MatrixScheme if question.kind in MATRIX_KINDS else MarkingScheme).prepare(question, seed)


@dataclass(frozen=True)
class MatrixScheme:
    """What a matrix question's answers are compared with: the random matrices, the right answer's
    entries in each draw, and the typical wrong answers (:func:`~symgrad.answers.mistakes.matrix_candidates`)
    with theirs."""

    probes: MatrixProbes
    right: tuple
    wrong: tuple  # ((Candidate, values), ...)

    @classmethod
    def prepare(cls, question, seed=None):
        probes = MatrixProbes.choose(question.matrices.values(), seed=seed)
        wrong = tuple((c, probes.values(c.value)) for c in matrix_candidates(question.reference))
        return cls(probes, probes.values(question.reference), wrong)


def _mark_matrix(question, scheme, answer):
    """A matrix answer is right when it has the right answer's shape and is equal to it: the same
    expression once expanded, or the same entries for every draw of random matrices. A wrong one is
    the first typical mistake it matches, else ``wrong_shape`` when its shape is not the right one
    (saying both), else ``other`` when it is undefined in every draw, ``undecided`` when in some where
    the right answer is not, else ``other``."""
    try:
        value = _matrix_reading(question, answer)
    except AnswerProblem as problem:
        return Verdict(False, 0.0, problem.kind, sentence(problem.kind, _plain(problem)))
    interpreted = _shown(value, question.notation)
    reference = question.reference
    shape = value.shape if isinstance(value, sympy.MatrixExpr) else (1, 1)
    try:
        if shape == reference.shape and _expanded_equal(value, reference):
            return Verdict(True, 1.0, None, sentence(None), interpreted)
        values = scheme.probes.values(value)
    except AnswerProblem as problem:
        return Verdict(False, 0.0, problem.kind, sentence(problem.kind, _plain(problem)), interpreted)
    same = agree(values, scheme.right) if shape == reference.shape else False
    if same:
        return Verdict(True, 1.0, None, sentence(None), interpreted)
    for candidate, wrong_values in scheme.wrong:
        if candidate.value.shape == shape and agree(values, wrong_values) is True:
            detail = shape_text(reference) if candidate.kind == "transposed" else candidate.detail
            feedback = sentence(candidate.kind, _detail(question, candidate.kind, detail))
            return Verdict(False, 0.0, candidate.kind, feedback, interpreted)
    if shape != reference.shape:
        return Verdict(False, 0.0, "wrong_shape", sentence("wrong_shape", f"your answer is {shape_text(value)}; "
                                                            f"{question.shape_wanted()}"), interpreted)
    if all(v is None for v in values):
        return Verdict(False, 0.0, "other", why_wrong("undefined"), interpreted)
    if same is None:
        return Verdict(False, 0.0, "undecided", sentence("undecided", UNDECIDED["some_matrices"]), interpreted)
    return Verdict(False, 0.0, "other", sentence("other"), interpreted)


def _matrix_reading(question, answer):
    """A matrix answer as a matrix expression: LaTeX, or a SymPy matrix expression in the question's matrices."""
    if isinstance(answer, str):
        return read_matrix_answer(answer, question.matrices, question.notation, question.limits)
    if not isinstance(answer, sympy.MatrixExpr):
        raise Unreadable(f"a matrix answer is LaTeX or a SymPy matrix expression, not {type(answer).__name__}")
    dims = {s for m in question.matrices.values() for s in m.shape}
    unknown = sorted(str(s) for s in answer.free_symbols - set(question.matrices.values()) - dims)
    if unknown:
        raise UnknownSymbols(unknown)
    return answer


def _expanded_equal(a, b):
    """Whether two matrix expressions are the same once expanded (cheap, and exact); an expansion SymPy
    cannot do (of ``zoo w``, a division by zero) decides nothing."""
    try:
        return a == b or sympy.expand(a - b) == sympy.ZeroMatrix(*b.shape)
    except TypeError:
        return False


# -- a derivation, line by line ---------------------------------------------------------------------

_BREAKS = re.compile(r"\\\\|\r\n|\r|\n")
MAX_TERMS = 12  # terms of the line before, expanded, each tried with its sign lost
MAX_PARTS = 16  # parts of the last symbolic line where a wrong number may have been put


@dataclass(frozen=True)
class LineCheck:
    """One line: its ``number`` (from 1) and ``text``; ``status`` is ok (right), wrong, unreadable, or
    not_checked (the equivalence test could not decide: mistake ``undecided``); ``follows`` whether it follows
    from the line before; ``mistake`` the kind of a line that does not follow or cannot be read or checked
    (None otherwise); ``feedback`` a sentence for the student."""

    number: int
    text: str
    status: str
    follows: bool
    mistake: str | None
    feedback: str


@dataclass(frozen=True)
class DerivationCheck:
    """The check of a derivation: its ``lines`` (:class:`LineCheck`), the number of the first line that
    does not follow (None when every readable one does), whether the final line is right, and feedback."""

    lines: tuple
    first_wrong: int | None
    final_correct: bool
    feedback: str


def refused(feedback):
    """The check of a derivation not checked at all (too many lines, too long, over a limit), saying why."""
    return DerivationCheck((), None, False, feedback)


def lines_of(working, limits):
    r"""The lines of ``working`` (a list of strings, or one string split at ``\\`` and line ends), without
    blank ones and a leading ``&`` (of an aligned environment). Raises an AnswerProblem when there are more
    than ``limits.max_lines`` or more characters than that many answers may have."""
    if isinstance(working, str):
        if len(working) > limits.max_lines * limits.max_length:
            raise TooComplex(f"a derivation has at most {limits.max_lines * limits.max_length} characters")
        working = _BREAKS.split(working)
    elif not isinstance(working, (list, tuple)):
        raise Unreadable(f"a derivation is a list of lines or a text, not a {type(working).__name__}")
    elif len(working) > limits.max_lines:
        raise TooComplex(f"a derivation has at most {limits.max_lines} lines")
    elif not all(isinstance(line, str) for line in working):
        raise Unreadable("each line of a derivation is text")
    lines = [line.strip().removeprefix("&").strip() for line in working]
    lines = tuple(line for line in lines if line != "")
    if len(lines) > limits.max_lines:
        raise TooComplex(f"a derivation has at most {limits.max_lines} lines")
    if not lines:
        raise Unreadable("the derivation is empty")
    return lines


@dataclass(frozen=True)
class _Line:
    """A line read: its number, its expression in the variables, and whether it is compared at the point."""

    number: int
    expr: object
    at_point: bool


class LineReference:
    """What the lines of a derivation for ``question`` are compared with: its partial, the points, the
    typical wrong partials. Built once per question, in the checking worker."""

    def __init__(self, question, seed):
        self.question, self.notation = question, question.notation
        wrt = question.wrt[0]
        self.partial = question.partials[0]
        self.point = question.point
        self.probes = Probes.choose(self.notation.variables, [self.partial], seed=seed)
        self.variables = self.partial.free_symbols
        self.wrong = [c for c in candidates(question.function, question.wrt, question.partials, Derivative(wrt),
                                            question.slippings) if c.derivative_of is None]

    def mark(self, number, text, before, symbolic):
        """``(LineCheck, line read)`` of line ``number``, after ``before`` (the last line read, None for
        the first) and ``symbolic`` (the last compared symbolically); the line read is None when it cannot be."""
        question = self.question
        try:
            expr = _read_line(question, text)
            at_point = before.at_point if before is not None else False
            at_point = at_point or (self.point is not None and not self.variables <= expr.free_symbols)
            line = _Line(number, expr, at_point)
            check = _judge_line(self, text, line, before, symbolic)
            return check, line if check.status != "not_checked" else None
        except AnswerProblem as problem:
            return unreadable_line(number, text, problem.kind, sentence(problem.kind, str(problem).rstrip("."))), None

    def same(self, a, b, at_point):
        """Whether expressions ``a`` and ``b`` are equal: at the point, or as functions of the variables
        (never when either is undefined at every probe); None when the equivalence test cannot decide."""
        if not at_point:
            values, reference_values = self.probes.values(a), self.probes.values(b)
            return (_somewhere(values) and _somewhere(reference_values)
                    and equivalent(a, b, self.probes, reference_values, values))
        values = [number_value(e.xreplace(self.point)) for e in (a, b)]
        return None not in values and self.question.tolerance.accepts(*values)

    def defined(self, line):
        """Whether ``line`` has a value: at the point, or at some probe."""
        if line.at_point:
            return number_value(line.expr.xreplace(self.point)) is not None
        return _somewhere(self.probes.values(line.expr))

    def diagnosis(self, line, before, symbolic):
        """``(kind, feedback)`` of ``line``, which does not follow from ``before`` (a _Line, None for the
        first); ``symbolic`` is the last line compared symbolically (None when there was none)."""
        if line.at_point:
            substituted = self._substitution(line, symbolic.expr if symbolic is not None else self.partial)
            if substituted:
                return "wrong_number_substituted", LINE_SENTENCES["wrong_number_substituted"].format(detail=substituted)
        if before is not None:
            terms = expanded(before.expr)
            terms = sympy.Add.make_args(terms) if terms is not None else ()
            for term in terms[:MAX_TERMS] if len(terms) > 1 else ():
                if self.same(line.expr, before.expr - 2 * term, line.at_point):
                    return "sign_lost_expanding", LINE_SENTENCES["sign_lost_expanding"].format(
                        detail=self.notation.show(term))
        for c in self.wrong:
            if self.same(line.expr, c.value, line.at_point):
                detail = c.detail if c.detail is None or isinstance(c.detail, str) else self.notation.show(c.detail)
                return c.kind, sentence(c.kind, detail, wrt=self.notation.show(self.question.wrt[0]))
        return "other", None

    def _substitution(self, line, reference):
        """How the numbers put into ``reference`` give ``line``, one value wrong or two swapped, in the
        whole of it or in one part (a bracket, a factor, a term); None when they do not."""
        value = number_value(line.expr.xreplace(self.point))
        if value is None:
            return None
        point, show = self.point, self.notation.show
        symbols = [v for v in sorted_symbols(reference.free_symbols) if v in point]
        changes = [({v: other}, f"${show(v)} = {show(other)}$ instead of ${show(v)} = {show(point[v])}$")
                   for v in symbols for other in dict.fromkeys([-point[v]] + [point[u] for u in symbols])
                   if other != point[v]]
        changes += [({v: point[u], u: point[v]}, f"the values of ${show(v)}$ and ${show(u)}$ are swapped")
                    for k, v in enumerate(symbols) for u in symbols[k + 1:] if point[u] != point[v]]
        for change, detail in changes:
            for altered in _altered(reference, change):
                at = number_value(altered.xreplace(point))
                if at is not None and self.question.tolerance.accepts(value, at):
                    return detail
        return None


def _somewhere(values):
    return any(v is not None for v in values)


def _altered(expr, change):
    """``expr`` with ``change`` (``{symbol: value}``) made everywhere, then: a swap of two values in one part
    (a bracket, a factor, a term), one value at one occurrence; at most ``MAX_PARTS`` of each."""
    yield expr.xreplace(change)
    if len(change) > 1:
        parts = (p for p in sympy.preorder_traversal(expr) if not p.is_Atom and p != expr)
        yield from (expr.xreplace({p: p.xreplace(change)}) for p in islice(parts, MAX_PARTS))
    else:
        (symbol, value), = change.items()
        yield from islice(_one_replaced(expr, symbol, value), MAX_PARTS)


def _one_replaced(expr, old, new):
    """``expr`` with one occurrence of ``old`` replaced by ``new``, for each occurrence."""
    if expr == old:
        yield new
        return
    for k, arg in enumerate(expr.args):
        for changed in _one_replaced(arg, old, new):
            yield expr.func(*expr.args[:k], changed, *expr.args[k + 1:])


def check_lines(question, lines, mark_line):
    """The :class:`DerivationCheck` of ``lines`` (from :func:`lines_of`) for a derivative ``question``:
    ``mark_line(number, text, before, symbolic)`` is :meth:`LineReference.mark` (run under an answer's
    limits), the ``(LineCheck, line read or None)`` of a line after the last line read and the last
    compared symbolically."""
    checks, before, symbolic = [], None, None
    for number, text in enumerate(lines, 1):
        check, line = mark_line(number, text, before, symbolic)
        checks.append(check)
        if line is not None:
            before, symbolic = line, symbolic if line.at_point else line
    return _summary(question, tuple(checks), before)


def unreadable_line(number, text, kind, feedback):
    """The :class:`LineCheck` of a line that could not be read (or checked: ``too_complex``)."""
    return LineCheck(number, text, "unreadable", False, kind, feedback)


def _read_line(question, text):
    """A line's expression in the variables (its derivatives worked out); it must be one expression."""
    reading = read_answer(text, question.notation, question.limits)
    if len(reading.cells) != 1 or reading.shape is not None or reading.labels:
        raise Unreadable("a line of a derivation is one expression")
    return question.notation.expand(reading.cells[0].xreplace(reading.values))


def _judge_line(reference, text, line, before, symbolic):
    """The :class:`LineCheck` of ``line`` (typed as ``text``), after the line read ``before`` (None: the first);
    a line with no value is wrong when it has none anywhere (``1/0``), else not checked, as an answer is."""
    number = line.number
    if not reference.defined(line):
        if line.at_point or _undefined_everywhere(line.expr):
            return LineCheck(number, text, "wrong", False, "other", why_wrong("undefined"))
        return LineCheck(number, text, "not_checked", False, "undecided", sentence("undecided", UNDECIDED["undefined"]))
    right = reference.same(line.expr, reference.partial, line.at_point)
    if right is None:
        return LineCheck(number, text, "not_checked", False, "undecided",
                         sentence("undecided", UNDECIDED["partly_undefined"]))
    follows = right if before is None else reference.same(line.expr, before.expr, line.at_point)
    status = "ok" if right else "wrong"
    previous = "the question" if before is None else f"line {before.number}"
    if follows:
        feedback = "Right." if right else f"Follows from {previous}, but carries its mistake."
        return LineCheck(number, text, status, True, None, feedback)
    if right:
        return LineCheck(number, text, status, False, None, f"Right, though it does not follow from {previous}.")
    kind, feedback = reference.diagnosis(line, before, symbolic)
    if feedback is None:
        feedback = f"Does not follow from {previous}, and matches none of the typical mistakes."
    return LineCheck(number, text, status, False, kind, feedback)


def _summary(question, checks, last):
    """The derivation's check from its lines' (``last`` is the last line read, None when none was): its
    final line is right when the last line is read and right."""
    read = [c for c in checks if c.status in ("ok", "wrong")]
    first = next((c for c in read if not c.follows), None)
    final = checks[-1].status == "ok" and (question.point is None or not last.expr.free_symbols)
    if not read:
        return DerivationCheck(checks, None, False, "No line of the derivation could be read and checked.")
    if first is None:
        feedback = "Every line follows." + (" The result is right." if final else " The result is not finished.")
    else:
        feedback = f"Line {first.number} does not follow: {first.feedback}"
        feedback += " The final line is right anyway." if final else " The final line is not right."
    unchecked = len(checks) - len(read)
    if unchecked:
        feedback += f" {unchecked} line{'s' if unchecked > 1 else ''} could not be read or checked."
    return DerivationCheck(checks, first.number if first else None, final, feedback)
