r"""Grading a class: every student's answer to every question of a worksheet's key, one verdict each,
and a total per student. One bad answer, one row that cannot be read, or a question that cannot be
checked never stops the batch: that row is not checked, saying why and where.

Answers come as CSV (columns ``student``, ``question``, ``answer`` or ``derivation`` or both, and
optionally ``worksheet``) or JSON (a list of such objects, or ``{"answers": [...]}``). A row gives an
answer or a derivation (a student's working, lines separated by ``\\`` or line ends), not both; with
``derivation=True`` every answer is a derivation. A derivation of a derivative is checked line by line
(:meth:`~symgrad.answers.sandbox.Sandbox.check_derivation`) and scores its final line's verdict; one to
another question is checked as one answer. Keys are :class:`~symgrad.answers.keys.Key` s:
one for the class, per-student variants (a key naming its ``student``), or the numbered variants
``symgrad render --variants`` writes (``NAME-01``, ...): an answer to one of those names it in its
``worksheet`` column, as the student's copy of the worksheet is titled.

CSV is read by the ``csv`` module, split into rows only at line ends outside quotes; a row with more or
fewer fields than the header, or with a stray or unclosed quote, is refused (a header naming a column
twice refuses the file). The grades are written whole (:func:`~symgrad.core.files.write_atomically`).
"""

import csv
import io
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SymgradError
from ..core.files import write_atomically
from .feedback import sentence
from .limits import read_json
from .marking import DerivationCheck, lines_of
from .problems import AnswerProblem
from .question import DERIVATIONS
from .verdict import OUTCOMES, Verdict

__all__ = ["Submission", "Grade", "Total", "read_answers", "grade", "grading", "totals", "write_grades",
           "spreadsheet_cell", "mistake_counts", "outcome_counts", "derivation_counts", "MAX_FIELD"]

COLUMNS = ("student", "question", "answer")  # a row's answer may instead be in a "derivation" column
GRADE_COLUMNS = ("student", "worksheet", "question", "answer", "correct", "score", "mistake", "feedback",
                 "interpreted", "outcome", "first_wrong_line")
TOTAL = "TOTAL"
MAX_FIELD = 2 ** 20  # characters of a field that are read; a longer one is its row's verdict
MAX_RECORD_LINES = 100  # lines a row may span (inside quotes)
MAX_NESTING = 10  # levels of lists and objects in a JSON row (an answer is a value, a tuple or a matrix)
SHOWN = 200  # characters of a refused row's field that are echoed in the grades
_SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable bytes (surrogateescape) and lone surrogates
_NUMBER = re.compile(r"-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")  # a negative number, as a spreadsheet reads one


@dataclass(frozen=True)
class Submission:
    """One answer: who gave it, to which question (its id in the key), and what they wrote;
    ``worksheet`` names the key when the answer says which (a numbered variant). ``problem`` says why
    its row could not be read whole (where it is, and what is wrong): it is then not checked.
    ``derivation`` says the answer is a derivation (the student's working, line by line)."""

    student: str
    question: str
    answer: object
    worksheet: str | None = None
    problem: str | None = None
    derivation: bool = False


@dataclass(frozen=True)
class Grade:
    """A submission, the worksheet its question is from, and the verdict on it; ``derivation`` is the
    check of its lines when it is a derivation of a derivative (the verdict is then its final line's)."""

    submission: Submission
    worksheet: str | None
    verdict: Verdict
    derivation: DerivationCheck | None = None

    @property
    def feedback(self):
        """The verdict's feedback, after the derivation's when its lines were checked."""
        if self.derivation is None:
            return self.verdict.feedback
        return f"{self.derivation.feedback} Final line: {self.verdict.feedback}"


@dataclass(frozen=True)
class Total:
    """A student's total: the sum of scores over the questions of their key(s), how many were right, and
    how many could not be checked (to be read by hand)."""

    student: str
    score: float
    out_of: int
    right: int
    not_checked: int = 0


def read_answers(path, derivation=False):
    """The submissions in a CSV or JSON file (every answer a derivation with ``derivation``). A row that
    cannot be read whole (malformed CSV, bytes that are not UTF-8, a field over :data:`MAX_FIELD`
    characters, a number too long to read, JSON nested over :data:`MAX_NESTING` levels, both an answer
    and a derivation) is a submission with its ``problem``, graded as not checked; a file that cannot be
    read at all raises SymgradError."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    except OSError as error:
        raise SymgradError(f"cannot read the answers {path}: {error.strerror or error}") from None
    if path.suffix.lower() == ".json":
        rows = [(row, f"answer {number}", None) for number, row in enumerate(_json_rows(text, path), 1)]
    else:
        rows = [(row, f"line {line}", problem) for line, row, problem in _csv_rows(text, path)]
    return [_submission(row, where, problem, derivation) for row, where, problem in rows]


def _submission(row, where, problem=None, derivation=False):
    """The :class:`Submission` of one row (a dict of its fields), refused with a ``problem`` when the
    row, or one of its fields, cannot be read whole, or when it gives both an answer and a derivation."""
    problem = problem or next(filter(None, map(_unreadable, row.values())), None)
    fields = {c: row.get(c) for c in (*COLUMNS, "derivation", "worksheet")}
    if problem is None and not _blank(fields["answer"]) and not _blank(fields["derivation"]):
        problem = "has both an answer and a derivation"
    if problem is not None:
        fields = {c: _shown(v) for c, v in fields.items()}
    derivation = derivation or not _blank(fields["derivation"])
    answer = next((v for v in (fields["derivation"], fields["answer"]) if not _blank(v)), "")
    worksheet = fields["worksheet"]
    return Submission(str(fields["student"] or ""), str(fields["question"] or ""), answer,
                      str(worksheet) if not _blank(worksheet) else None,
                      f"{where} {problem}" if problem is not None else None, derivation)


def _blank(value):
    return value in (None, "")


def _unreadable(value):
    """Why a field's value cannot be read whole, or None."""
    for item, depth in _leaves(value):
        if depth > MAX_NESTING:
            return f"has a value nested more than {MAX_NESTING} levels deep"
        if isinstance(item, _LongNumber):
            return f"has a number of {item.digits:,} digits"
        if isinstance(item, str):
            if len(item) > MAX_FIELD:
                return f"has a field of {len(item):,} characters (at most {MAX_FIELD:,} are read)"
            bad = _SURROGATE.search(item)
            if bad:
                return f"is not valid UTF-8 text ({_shown(bad.group())})"
    return None


def _leaves(value):
    """``(item, depth)`` for the strings and numbers in a JSON value, and for anything nested deeper
    than :data:`MAX_NESTING` (where the walk stops); without recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)) and depth <= MAX_NESTING:
            items = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((i, depth + 1) for i in items)
        else:
            yield item, depth


def _shown(value):
    """A refused row's value as it is echoed: undecodable bytes as ``\\xff``, other lone surrogates as
    ``\\ud800``, a field over :data:`SHOWN` characters cut short (with its length)."""
    if isinstance(value, _LongNumber):
        return f"(a number of {value.digits:,} digits)"
    if not isinstance(value, str):
        return value if not isinstance(value, (list, dict)) else "(not read)"
    if len(value) > SHOWN:
        value = f"{value[:SHOWN]}... ({len(value):,} characters)"
    return _SURROGATE.sub(lambda m: (f"\\x{ord(m.group()) - 0xDC00:02x}" if "\udc80" <= m.group() <= "\udcff"
                                     else f"\\u{ord(m.group()):04x}"), value)


def _csv_rows(text, path):
    """``(line, {column: field}, problem)`` for each row of a CSV text: a row with more or fewer fields
    than the header, or that is not valid CSV (a stray quote, a quote never closed), is refused with
    its problem, and reading goes on at the line after the one it started on."""
    records = _csv_records(text)
    header = next(((line, fields) for line, fields, _ in records if fields != []), None)
    line, columns = header if header is not None else (1, [])
    if columns is None:
        raise SymgradError(f"{path}, line {line}: the header is not valid CSV")
    missing = _missing(columns)
    if missing:
        raise SymgradError(f"{path}: the CSV header lacks {', '.join(missing)} (it needs {', '.join(COLUMNS)}, "
                           "or derivation for answer)")
    twice = next((c for c, n in Counter(columns).items() if n > 1), None)
    if twice is not None:
        raise SymgradError(f"{path}, line {line}: the column {twice!r} appears twice in the header")
    rows = []
    for number, fields, problem in records:
        if number <= line or fields == []:
            continue
        if fields is None:
            fields = next(csv.reader([problem[1].rstrip("\r\n")], strict=False), [])
            problem = problem[0]
        elif len(fields) != len(columns):
            problem = f"has {len(fields)} field{'s' if len(fields) != 1 else ''} where the header has {len(columns)}"
        rows.append((number, dict(zip(columns, fields)), problem))
    return rows


def _csv_records(text):
    """``(line, fields, None)`` per record of ``text``, split by the ``csv`` module (at ``\\n``, ``\\r``
    and ``\\r\\n`` outside quotes only), or ``(line, None, (problem, the line's text))`` for one it
    refused; reading then goes on at the next line. A record spans at most :data:`MAX_RECORD_LINES`
    lines, so that refusing many quotes never closed takes linear time."""
    lines = io.StringIO(text, newline="").readlines()
    records, source = [], _Lines(lines, 0)
    limit = csv.field_size_limit()
    csv.field_size_limit(min(len(text) + 1, 2 ** 31 - 1))  # no field is cut: the over-long are refused by name
    try:
        while source.record < len(lines):
            try:
                for fields in csv.reader(source, strict=True):
                    records.append((source.record + 1, fields, None))
                    source.record = source.next
                break
            except csv.Error as error:
                first = source.record
                if str(error) != "unexpected end of data":
                    problem = f"is not valid CSV ({error})"
                elif source.next < len(lines):
                    problem = f"has a quote not closed within {MAX_RECORD_LINES} lines"
                else:
                    problem = "has a quote that is never closed"
                records.append((first + 1, None, (problem, lines[first])))
                source = _Lines(lines, first + 1)
    finally:
        csv.field_size_limit(limit)
    return records


class _Lines:
    """The lines from ``start`` on, for ``csv.reader``, ending early when the record that began at
    line ``record`` (an index) would run over :data:`MAX_RECORD_LINES` lines."""

    def __init__(self, lines, start):
        self.lines, self.record, self.next = lines, start, start

    def __iter__(self):
        return self

    def __next__(self):
        if self.next >= len(self.lines) or self.next - self.record >= MAX_RECORD_LINES:
            raise StopIteration
        self.next += 1
        return self.lines[self.next - 1]


def _missing(names):
    """The :data:`COLUMNS` that ``names`` (a header, or a JSON row's keys) lack; a derivation stands for an answer."""
    return [c for c in COLUMNS if c not in names and not (c == "answer" and "derivation" in names)]


def _json_rows(text, path):
    data = read_json(text, str(path), parse_int=_json_int, max_depth=None)  # a deep answer: its row's verdict
    rows = data.get("answers") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise SymgradError(f"{path}: expected a list of answers or {{\"answers\": [...]}}")
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or _missing(row):
            raise SymgradError(f"{path}: answer {number} lacks one of the fields {', '.join(COLUMNS)} "
                               "(or derivation for answer)")
    return rows


@dataclass(frozen=True)
class _LongNumber:
    """A JSON integer too long for Python to read (over ``sys.get_int_max_str_digits()`` digits)."""

    digits: int


def _json_int(text):
    try:
        return int(text)
    except ValueError:
        return _LongNumber(len(text.lstrip("-")))


class _Keys:
    """Which question an answer is about: in the key its ``worksheet`` names, else in the student's
    own variant's (a key naming the student), else in the class's keys."""

    def __init__(self, keys, submissions):
        self.by_name, self.variants = {}, {}  # by (worksheet, student or None); by student
        for key in keys:
            if (key.worksheet, key.student) in self.by_name:
                raise SymgradError(f"two keys are for the worksheet {key.worksheet!r}"
                                   + (f" and the student {key.student!r}" if key.student is not None else ""))
            self.by_name[key.worksheet, key.student] = key
            if key.student is not None:
                self.variants.setdefault(key.student, []).append(key)
        self.shared = [k for k in keys if k.student is None]
        named = {s.worksheet for s in submissions}
        self.common = [k for k in self.shared if k.worksheet not in named]  # every student's, in totals

    def find(self, submission):
        """``(worksheet, question)``, or ``(None, verdict)`` when the answer is to no one question: not
        checked (``not_in_key``) when its worksheet or question is in no key, ``other`` when in several."""
        if submission.worksheet is not None:
            key = self._named(submission)
            if key is None:
                return None, _not_in_key(f"key for the worksheet {submission.worksheet!r}")
            keys = [key]
        else:
            keys = self.variants.get(submission.student, self.shared)
        found = [(k.worksheet, k.questions[submission.question]) for k in keys if submission.question in k.questions]
        if len(found) > 1:
            return None, Verdict(False, 0.0, "other", f"The question {submission.question!r} is in the keys of "
                                 f"{', '.join(w for w, _ in found)}: say which in a worksheet column.")
        return found[0] if found else (None, _not_in_key(f"question {submission.question!r} in the key"))

    def keys_of(self, student, worksheets):
        """The keys a student's total counts: their own variants, or the keys no answer names (the
        class's) and those their answers were to (by the names of their ``worksheets``)."""
        if student in self.variants:
            return self.variants[student]
        answered = [self.by_name[w, None] for w in worksheets if (w, None) in self.by_name]
        return list({id(k): k for k in self.common + answered}.values())

    def _named(self, submission):
        return self.by_name.get((submission.worksheet, submission.student),
                                self.by_name.get((submission.worksheet, None)))


def _not_in_key(what):
    return Verdict(False, 0.0, "not_in_key", sentence("not_in_key", what))


def grade(submissions, keys, sandbox=None, progress=True):
    """A :class:`Grade` per submission, in order (see :func:`grading`)."""
    return list(grading(submissions, keys, sandbox, progress))


def grading(submissions, keys, sandbox=None, progress=True):
    """The :class:`Grade` of each submission, in order, one at a time (a caller may stop early);
    ``progress`` shows a bar on stderr. A submission with a ``problem`` is not checked. An interruption
    (KeyboardInterrupt) stops the worker, which may be in the middle of a check."""
    from tqdm import tqdm

    from .sandbox import default_sandbox

    sandbox = sandbox or default_sandbox()
    sandbox.start()  # forked before the progress bar starts its thread
    table = _Keys(keys, submissions)
    unusable = {}  # questions that could not be prepared: the reason
    try:
        for s in tqdm(submissions, desc="checking", unit="answer", disable=not progress, file=sys.stderr):
            worksheet, question = table.find(s)
            lines = None  # the check of a derivation's lines
            if s.problem is not None:
                verdict = Verdict(False, 0.0, "unparseable", f"This answer was not checked: {s.problem}.")
            elif worksheet is None:
                verdict = question
            elif question in unusable:
                verdict = unusable[question]
            else:
                try:
                    verdict, lines = _checked(sandbox, question, s)
                except SymgradError as error:
                    print(f"symgrad check: question {s.question}: {error}", file=sys.stderr)
                    verdict = unusable[question] = Verdict(False, 0.0, "undecided",
                                                           f"This question could not be checked: {error}")
            yield Grade(s, worksheet, verdict, lines)
    except KeyboardInterrupt:
        sandbox.close()
        raise


def _checked(sandbox, question, submission):
    """``(verdict, the check of its lines or None)``: a derivation of a derivative is checked line by line
    and its verdict is its final line's (its lines' problem when they cannot be split: too many, too
    long); any other answer is checked as one."""
    if not submission.derivation or question.kind not in DERIVATIONS:
        return sandbox.check(question, submission.answer), None
    try:
        lines = lines_of(submission.answer, question.limits)
    except AnswerProblem as problem:
        return Verdict(False, 0.0, problem.kind, sentence(problem.kind, str(problem).rstrip("."))), None
    if not lines:
        return sandbox.check(question, ""), None
    return sandbox.check(question, lines[-1]), sandbox.check_derivation(question, lines)


def totals(grades, keys):
    """Each student's :class:`Total` (an unanswered question scores 0; a repeated answer counts once: the last)."""
    table = _Keys(keys, [g.submission for g in grades])
    last, answered = {}, {}
    for g in grades:
        last[(g.submission.student, g.worksheet, g.submission.question)] = g.verdict
        answered.setdefault(g.submission.student, []).append(g.worksheet)
    out = []
    for student, worksheets in answered.items():
        questions = [(k.worksheet, q) for k in table.keys_of(student, worksheets) for q in k.questions]
        verdicts = [last[(student, w, q)] for w, q in questions if (student, w, q) in last]
        outcomes = Counter(v.outcome for v in verdicts)
        out.append(Total(student, sum(v.score for v in verdicts), len(questions), outcomes["correct"],
                         outcomes["not_checked"]))
    return out


def write_grades(path, grades, student_totals):
    """The grades as CSV, written whole: one row per answer (its ``outcome``, correct, incorrect or
    not_checked, then a derivation's ``first_wrong_line``, empty when every line follows), each student's
    rows followed by their TOTAL row, every cell made inert for spreadsheets (:func:`spreadsheet_cell`)."""
    by_student = {}
    for g in grades:
        by_student.setdefault(g.submission.student, []).append(g)
    rows = [GRADE_COLUMNS]
    for total in student_totals:
        for g in by_student.get(total.student, []):
            v = g.verdict
            rows.append([g.submission.student, g.worksheet or g.submission.worksheet or "", g.submission.question,
                         g.submission.answer, "yes" if v.correct else "no", f"{v.score:g}", v.mistake or "",
                         g.feedback, v.interpreted or "", v.outcome, _first_wrong(g.derivation) or ""])
        unchecked = f", {total.not_checked} not checked" if total.not_checked else ""
        rows.append([total.student, "", TOTAL, "", "", f"{total.score:g}", "",
                     f"{total.right} of {total.out_of} questions right{unchecked}", "", "", ""])
    text = io.StringIO()
    csv.writer(text).writerows([spreadsheet_cell(c) for c in row] for row in rows)
    write_atomically(path, text.getvalue())


def spreadsheet_cell(value):
    """A cell's text, a ``'`` put before what a spreadsheet would run as a formula: text beginning with
    ``=``, ``+``, ``@``, a tab or a carriage return, or with ``-`` unless it is a plain number (``-1.692``)."""
    text = str(value)
    if text.startswith(("=", "+", "@", "\t", "\r")) or (text.startswith("-") and not _NUMBER.fullmatch(text)):
        return "'" + text
    return text


def outcome_counts(grades):
    """``{outcome: answers}`` for each of :data:`~symgrad.answers.verdict.OUTCOMES`, in that order."""
    counts = Counter(g.verdict.outcome for g in grades)
    return {outcome: counts[outcome] for outcome in OUTCOMES}


def derivation_counts(grades):
    """``(derivations checked line by line, those with a line that does not follow)``."""
    checked = [g.derivation for g in grades if g.derivation is not None]
    return len(checked), sum(_first_wrong(d) is not None for d in checked)


def _first_wrong(derivation):
    return derivation.first_wrong if derivation is not None else None


def mistake_counts(grades):
    """``{(worksheet, question): Counter}`` of the incorrect answers' mistakes, and of the answers whose
    outcome is ``correct`` or ``not_checked`` under those names, for the report."""
    counts = {}
    for g in grades:
        v = g.verdict
        counts.setdefault((g.worksheet, g.submission.question), Counter())[
            v.mistake if v.outcome == "incorrect" else v.outcome] += 1
    return counts
