"""The pytest plugin: every question of every worksheet becomes a test item.

``pytest --symgrad-worksheets worksheets/`` (or ``symgrad_worksheets = worksheets`` under
``[tool:pytest]``, used when pytest runs its configured test paths) collects each worksheet file and
yields one item per question. An item computes the question's exact answer and holds it against
central finite differences and torch autograd (float64) at the worksheet's point; an update step is
held against ``torch.optim.SGD``. A failing item names the worksheet, the question and the numbers.
"""

import random
from pathlib import Path

import pytest
import sympy

from .errors import SymgradError
from .numbers import exact
from .testing import finite_difference_gradient, to_float, torch_gradient
from .worksheet import load_worksheet

RTOL_FD, ATOL_FD = 1e-8, 1e-10
RTOL_TORCH, ATOL_TORCH = 1e-10, 1e-12


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
    """A worksheet file: one item per question."""

    def collect(self):
        sheet = load_worksheet(self.path)
        for number, question in enumerate(sheet.questions, 1):
            yield QuestionItem.from_parent(self, name=f"q{number}-{question.kind}", sheet=sheet,
                                           question=question, number=number)


class QuestionCheckFailed(Exception):
    """An exact answer disagrees with its numeric check."""


class QuestionItem(pytest.Item):
    def __init__(self, *, sheet, question, number, **kwargs):
        super().__init__(**kwargs)
        self.sheet, self.question, self.number = sheet, question, number

    def runtest(self):
        check = _CHECKS[self.question.kind]
        for point in _points(self.sheet, self.question):
            check(self.sheet, self.question, point)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, (QuestionCheckFailed, SymgradError)):
            return (f"worksheet {self.sheet.name}, question {self.number} ({self.question.kind}, "
                    f"{_describe(self.question)}):\n{excinfo.value}")
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.sheet.name} question {self.number}: {self.question.kind}"


def _points(sheet, question):
    """The worksheet's point, or, where it leaves variables out, three random points that fill them."""
    graph = sheet.graph_of(question.of)
    missing = [s for s in graph.leaves(graph.output) if s not in sheet.point]
    if not missing:
        return [sheet.point]
    rng = random.Random(f"{sheet.name}:{question}")
    return [{**sheet.point, **{s: exact(f"{rng.randint(20, 150)}/100") for s in missing}} for _ in range(3)]


def _check_partials(sheet, question, point, exact_values, wrt):
    graph = sheet.graph_of(question.of)
    numbers = [to_float(sympy.sympify(v).xreplace(point)) for v in exact_values]
    _compare("finite differences", numbers, finite_difference_gradient(graph, wrt, point), wrt, RTOL_FD, ATOL_FD)
    if _torch():
        _compare("torch autograd", numbers, torch_gradient(graph, wrt, point), wrt, RTOL_TORCH, ATOL_TORCH)


def _check_derivative(sheet, question, point):
    _check_partials(sheet, question, point, [_answer(sheet, question, point)], [question.wrt])


def _check_gradient(sheet, question, point):
    _check_partials(sheet, question, point, _answer(sheet, question, point), list(question.wrt))


def _check_directional(sheet, question, point):
    graph = sheet.graph_of(question.of)
    direction = [exact(d) for d in question.direction]
    unit = [float(d / sympy.sqrt(sum(c ** 2 for c in direction))) for d in direction]
    value = to_float(sympy.sympify(_answer(sheet, question, point)).xreplace(point))
    for method, grad in [("finite differences", finite_difference_gradient(graph, question.wrt, point)),
                         *([("torch autograd", torch_gradient(graph, question.wrt, point))] if _torch() else [])]:
        numeric = sum(g * u for g, u in zip(grad, unit))
        _compare(method, [value], [numeric], ["D_v f"], RTOL_FD, ATOL_FD)


def _check_update(sheet, question, point):
    if not _torch():
        return
    import torch

    from .torch_twin import torch_function

    graph = sheet.graph_of(question.of)
    leaves = graph.leaves(graph.output)
    wrt = [s for s in leaves if s in set(sheet.walk(question.wrt, question.of).wrt)]
    tensors = {s: torch.tensor(float(point[s]), dtype=torch.float64, requires_grad=s in wrt) for s in leaves}
    optimizer = torch.optim.SGD([tensors[s] for s in wrt], lr=float(exact(question.learning_rate)))
    forward = torch_function(graph.expand(), leaves)
    for _ in range(question.steps):
        optimizer.zero_grad()
        forward(*[tensors[s] for s in leaves]).backward()
        optimizer.step()
    answer = dict(zip(sheet.walk(question.wrt, question.of).wrt, _answer(sheet, question, point)))
    _compare("torch.optim.SGD", [to_float(answer[s]) for s in wrt],
             [float(tensors[s].detach()) for s in wrt], wrt, RTOL_TORCH, ATOL_TORCH)


def _answer(sheet, question, point):
    """The exact answer at ``point`` (the worksheet's own or one filling its symbolic variables)."""
    if point is sheet.point:
        return question.answer(sheet)
    return question.answer(type(sheet)(sheet.name, sheet.title, sheet.model, sheet.questions, point))


def _compare(method, exact_values, numeric, names, rtol, atol):
    rows = [(str(n), e, v) for n, e, v in zip(names, exact_values, numeric)]
    bad = [r for r in rows if not abs(r[1] - r[2]) <= atol + rtol * abs(r[1])]
    if bad:
        lines = [f"  {n}: exact {e!r}, {method} {v!r}, difference {abs(e - v):.3g}" for n, e, v in rows]
        raise QuestionCheckFailed(f"the exact answer disagrees with {method} "
                                  f"(tolerance {atol:g} + {rtol:g}|exact|):\n" + "\n".join(lines))


def _describe(question):
    fields = [f"{k}={v}" for k, v in vars(question).items() if v is not None]
    return ", ".join(fields)


def _torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


_CHECKS = {
    "derivative": _check_derivative,
    "derivative_at": _check_derivative,
    "gradient": _check_gradient,
    "directional_derivative": _check_directional,
    "gradient_step": _check_update,
}
