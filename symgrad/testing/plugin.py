"""The pytest plugin: every question of every worksheet becomes a test item.

``pytest --symgrad-worksheets worksheets/`` (or ``symgrad_worksheets = worksheets`` under
``[tool:pytest]``, used when pytest runs its configured test paths) collects each worksheet file,
derives its answer key (what ``symgrad render`` writes, kept exact in memory) and yields one item per
question. An item
reads the key's exact answer and holds it against central finite differences and torch autograd
in float64 at the question's point (at three random points for a symbolic answer); an update step
is held against ``torch.optim.SGD`` and against steps along the finite-difference gradient, a Hessian
against ``torch.autograd.functional.hessian`` and central differences of the gradient. A failing item
names the worksheet, the question and the numbers.
"""

import random
from pathlib import Path

import pytest
import sympy

from ..core.errors import SymgradError
from ..worksheets.answer_key import key_questions
from ..core.numbers import exact
from ..twin.comparison import TOLERANCES
from .assertions import to_float, torch_available
from ..worksheets.verification import numeric_answer
from ..worksheets.worksheet import load_worksheet

LABELS = {False: {"finite_difference": "finite differences", "torch": "torch autograd"},
          True: {"finite_difference": "finite-difference steps", "torch": "torch.optim.SGD"}}


def pytest_addoption(parser):
    group = parser.getgroup("symgrad")
    group.addoption("--symgrad-worksheets", action="append", default=[], metavar="DIR",
                    help="collect every worksheet in DIR as tests, one per question")
    parser.addini("symgrad_worksheets", type="paths", default=[],
                  help="worksheet folders collected when pytest runs its configured test paths")


def pytest_configure(config):
    folders = [Path(d).resolve() for d in config.getoption("symgrad_worksheets")]
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        folders += [Path(d).resolve() for d in config.getini("symgrad_worksheets")]
    config._symgrad_worksheet_folders = folders
    config.args.extend(str(d) for d in folders if str(d) not in config.args)


def pytest_collect_file(file_path, parent):
    folders = getattr(parent.config, "_symgrad_worksheet_folders", [])
    if file_path.suffix == ".py" and not file_path.name.startswith("_") and file_path.parent in folders:
        return WorksheetFile.from_parent(parent, path=file_path)
    return None


class WorksheetFile(pytest.File):
    """A worksheet file: its key's questions, one item each."""

    def collect(self):
        sheet = load_worksheet(self.path)
        for question in key_questions(sheet):
            yield QuestionItem.from_parent(self, name=f"{question.id}-{question.kind}", worksheet=sheet.name,
                                           question=question)


class QuestionCheckFailed(Exception):
    """An exact answer disagrees with its numeric check."""


class QuestionItem(pytest.Item):
    """One question of a worksheet's key (a :class:`~symgrad.explain.tasks.KeyQuestion`)."""

    def __init__(self, *, worksheet, question, **kwargs):
        super().__init__(**kwargs)
        self.worksheet, self.question = worksheet, question

    def runtest(self):
        for point in _points(self.question):
            _check(self.question, point)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, (QuestionCheckFailed, SymgradError)):
            q = self.question
            return (f"worksheet {self.worksheet}, question {q.id} ({q.kind} of {q.of} with respect to "
                    f"{', '.join(w.name for w in q.wrt)}):\n{excinfo.value}")
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.worksheet} {self.question.id}: {self.question.kind}"


def _points(question):
    """The question's point, or, for a symbolic question, three random points (seeded by the question)."""
    if question.point is not None:
        return [question.point]
    variables = sorted(question.function.free_symbols | set(question.wrt), key=sympy.default_sort_key)
    rng = random.Random(f"{question.id}:{question.function}")
    return [{s: exact(f"{rng.randint(20, 150)}/100") for s in variables} for _ in range(3)]


def _check(question, point):
    exact_values = [to_float(sympy.sympify(v).xreplace(point)) for v in question.answer]
    names = {"directional_derivative": ["D_v"],
             "hessian": [f"d2/d{u} d{v}" for u in question.wrt for v in question.wrt]}.get(question.kind, question.wrt)
    methods = ["finite_difference", "torch"] if torch_available() else ["finite_difference"]
    for method in methods:
        _compare(LABELS[question.kind == "gradient_step"][method], exact_values,
                 numeric_answer(question, point, method), names)


def _compare(method, exact_values, numeric, names):
    tolerance = TOLERANCES[method]
    rows = [(str(n), e, v) for n, e, v in zip(names, exact_values, numeric)]
    if any(not tolerance.holds(v, e) for _, e, v in rows):
        lines = [f"  {n}: exact {e!r}, {method} {v!r}, difference {abs(e - v):.3g}" for n, e, v in rows]
        raise QuestionCheckFailed(f"the key's exact answer disagrees with {method} "
                                  f"(tolerance {tolerance.atol:g} + {tolerance.rtol:g}|exact|):\n" + "\n".join(lines))
