"""Grading a class: every student's answer to every question of a worksheet's key, one verdict each,
and a total per student. One bad answer, or a question that cannot be checked, never stops the batch.

Answers come as CSV (columns ``student``, ``question``, ``answer``, and optionally ``worksheet``) or
JSON (a list of such objects, or ``{"answers": [...]}``). Keys are :class:`~symgrad.answers.keys.Key` s:
one for the class, per-student variants (a key naming its ``student``), or the numbered variants
``symgrad render --variants`` writes (``NAME-01``, ...): an answer to one of those names it in its
``worksheet`` column, as the student's copy of the worksheet is titled.
"""

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SymgradError
from .limits import read_json
from .verdict import Verdict

__all__ = ["Submission", "Grade", "Total", "read_answers", "grade", "totals", "write_grades", "mistake_counts"]

COLUMNS = ("student", "question", "answer")
GRADE_COLUMNS = ("student", "worksheet", "question", "answer", "correct", "score", "mistake", "feedback",
                 "interpreted")
TOTAL = "TOTAL"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Submission:
    """One answer: who gave it, to which question (its id in the key), and what they wrote;
    ``worksheet`` names the key when the answer says which (a numbered variant)."""

    student: str
    question: str
    answer: object
    worksheet: str | None = None


@dataclass(frozen=True)
class Grade:
    """A submission, the worksheet its question is from, and the verdict on it."""

    submission: Submission
    worksheet: str | None
    verdict: Verdict


@dataclass(frozen=True)
class Total:
    """A student's total: the sum of scores over the questions of their key(s), and how many were right."""

    student: str
    score: float
    out_of: int
    right: int


def read_answers(path):
    """The submissions in a CSV or JSON file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SymgradError(f"cannot read the answers {path}: {error}") from None
    rows = _json_rows(text, path) if path.suffix.lower() == ".json" else _csv_rows(text, path)
    submissions = []
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or any(c not in row for c in COLUMNS):
            raise SymgradError(f"{path}: answer {number} lacks one of the fields {', '.join(COLUMNS)}")
        answer = row["answer"] if row["answer"] is not None else ""
        worksheet = row.get("worksheet")
        submissions.append(Submission(str(row["student"]), str(row["question"]), answer,
                                      str(worksheet) if worksheet not in (None, "") else None))
    return submissions


def _csv_rows(text, path):
    csv.field_size_limit(max(csv.field_size_limit(), 10 * 2 ** 20))  # a huge answer is graded, not a crash
    reader = csv.DictReader(text.splitlines(keepends=True))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise SymgradError(f"{path}: the CSV header lacks {', '.join(missing)} (it needs {', '.join(COLUMNS)})")
    try:
        return list(reader)
    except csv.Error as error:
        raise SymgradError(f"{path}: not valid CSV: {error}") from None


def _json_rows(text, path):
    data = read_json(text, str(path))
    rows = data.get("answers") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise SymgradError(f"{path}: expected a list of answers or {{\"answers\": [...]}}")
    return rows


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
        """``(worksheet, question)``, or ``(None, reason)`` when the answer is to no one question."""
        if submission.worksheet is not None:
            key = self._named(submission)
            if key is None:
                return None, f"There is no key for the worksheet {submission.worksheet!r}."
            keys = [key]
        else:
            keys = self.variants.get(submission.student, self.shared)
        found = [(k.worksheet, k.questions[submission.question]) for k in keys if submission.question in k.questions]
        if len(found) > 1:
            return None, (f"The question {submission.question!r} is in the keys of "
                          f"{', '.join(w for w, _ in found)}: say which in a worksheet column.")
        return found[0] if found else (None, f"There is no question {submission.question!r} in the key.")

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


def grade(submissions, keys, sandbox=None, progress=True):
    """A :class:`Grade` per submission, in order; ``progress`` shows a bar on stderr."""
    from tqdm import tqdm

    from .sandbox import default_sandbox

    sandbox = sandbox or default_sandbox()
    sandbox.start()  # forked before the progress bar starts its thread
    table = _Keys(keys, submissions)
    unusable = {}  # questions that could not be prepared: the reason
    grades = []
    for s in tqdm(submissions, desc="checking", unit="answer", disable=not progress, file=sys.stderr):
        worksheet, question = table.find(s)
        if worksheet is None:
            verdict = Verdict(False, 0.0, "other", question)
        elif question in unusable:
            verdict = unusable[question]
        else:
            try:
                verdict = sandbox.check(question, s.answer)
            except SymgradError as error:
                print(f"symgrad check: question {s.question}: {error}", file=sys.stderr)
                verdict = unusable[question] = Verdict(False, 0.0, "other",
                                                       f"This question could not be checked: {error}")
        grades.append(Grade(s, worksheet, verdict))
    return grades


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
        out.append(Total(student, sum(v.score for v in verdicts), len(questions),
                         sum(1 for v in verdicts if v.correct)))
    return out


def write_grades(path, grades, student_totals):
    """The grades as CSV: one row per answer, each student's rows followed by their TOTAL row."""
    by_student = {}
    for g in grades:
        by_student.setdefault(g.submission.student, []).append(g)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(GRADE_COLUMNS)
        for total in student_totals:
            for g in by_student.get(total.student, []):
                v = g.verdict
                writer.writerow([_cell(g.submission.student), _cell(g.worksheet or g.submission.worksheet or ""),
                                 _cell(g.submission.question), _cell(g.submission.answer),
                                 "yes" if v.correct else "no", f"{v.score:g}", v.mistake or "", v.feedback,
                                 v.interpreted or ""])
            writer.writerow([_cell(total.student), "", TOTAL, "", "", f"{total.score:g}", "",
                             f"{total.right} of {total.out_of} questions right", ""])


def mistake_counts(grades):
    """``{(worksheet, question): Counter of mistakes}`` (None counts right answers), for the report."""
    counts = {}
    for g in grades:
        counts.setdefault((g.worksheet, g.submission.question), Counter())[g.verdict.mistake] += 1
    return counts


def _cell(value):
    """Text from a student, made inert for spreadsheets (a leading = + - @ would start a formula)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
