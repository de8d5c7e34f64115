"""The cross-check of every number a worksheet prints against numeric computations: each value of the forward
pass by float64 evaluation, each partial derivative at a point by central finite differences and,
where torch is installed, by torch autograd in float64 (:mod:`.oracles`), each entry of a Hessian at a
point by central differences of the gradient and ``torch.autograd.functional.hessian``, and Newton's step
solved with each method's Hessian and gradient; and its training run,
iteration by iteration, against the torch twin's run in float64 (:mod:`.comparison`).

A number that disagrees is a :class:`~symgrad.core.errors.DerivationError`: a worksheet whose numbers
are not all verified is not printed.
"""

import dataclasses
import math
from dataclasses import dataclass

from ..core.errors import DerivationError
from ..core.numbers import approximate
from ..numeric.compilation import compile_function
from ..numeric.optimizers import make_optimizer
from ..explain.steps import NewtonStep, PartialAt, SecondPartialAt, Simplification, Symmetric, walk_steps
from .comparison import TOLERANCES, Tolerance, compare_histories
from .oracles import GradientMismatch, matching_gradients, matching_hessians, newton_step
from .torch_twin import torch_train

__all__ = ["CrossCheck", "TrainingCheck", "crosscheck", "crosscheck_training", "training_check"]

_NUMBERS = TOLERANCES["gradient methods"]  # every number printed, against its numeric computations


@dataclass(frozen=True)
class TrainingCheck:
    """A training run against PyTorch's: ``compared`` says in words what was compared with what,
    ``rows`` (:class:`~.comparison.Comparison`) by how much; no rows when torch is not installed."""

    compared: str
    tolerance: float
    rows: tuple

    def sentence(self):
        if not self.rows:
            return "Its training run was not compared with PyTorch's (torch is not installed)."
        largest = max(r.max_rel for r in self.rows)
        return f"{self.compared} differ by at most {largest:.1e} relative to their size (tolerance {self.tolerance:g})."


def training_check(name, compared, tolerance, rows):
    """The :class:`TrainingCheck` of worksheet ``name``'s run; a row beyond the tolerance raises."""
    for row in rows:
        if not row.passed:
            raise DerivationError(f"worksheet {name}: the training run disagrees with PyTorch's in its "
                                  f"{row.quantity}, by {row.max_rel:.3g} relative to their size "
                                  f"(tolerance {tolerance:g})")
    return TrainingCheck(compared, tolerance, tuple(rows))


@dataclass(frozen=True)
class CrossCheck:
    """How many numbers were checked, to what tolerance, and against which torch (None: not installed);
    ``training`` is the check of the worksheet's training run, if it has one."""

    checked: int
    rtol: float
    atol: float
    torch: str | None
    training: TrainingCheck | None = None

    def sentence(self):
        """The closing line of a worksheet, in words."""
        torch = (f"and torch autograd in float64 (torch {self.torch})" if self.torch
                 else "(torch is not installed, so not against autograd)")
        return (f"Every number in this worksheet ({self.checked} checked) was verified against central finite "
                f"differences {torch}, to a relative tolerance of {self.rtol:g}."
                + (" " + self.training.sentence() if self.training else ""))


def crosscheck(derivations, rtol=_NUMBERS.rtol, atol=_NUMBERS.atol):
    """Check the forward pass and every partial at a point of each derivation; raise on a mismatch."""
    torch = _torch_version()
    methods = ("exact", "finite_difference", "torch") if torch else ("exact", "finite_difference")
    checked, seen = 0, set()
    for d in derivations:
        checked += _forward(d, seen, rtol, atol)
        groups = {}
        for step in (s for answer in d.answers for s in walk_steps(answer) if isinstance(s, PartialAt)):
            groups.setdefault((step.point, step.nodes), {})[_wrt(step)] = step
        for (point, nodes), steps in groups.items():
            leaves = [s for w, s in steps.items() if not d.graph.is_node(w)]
            batches = ([leaves] if leaves else []) + [[s] for w, s in steps.items() if d.graph.is_node(w)]
            for batch in batches:  # the leaves together; each node alone, made a leaf of its own
                checked += _partials(d, batch, dict(point), dict(nodes), methods, rtol, atol)
        entries = [s for s in d.every_step()
                   if isinstance(s, SecondPartialAt) or (isinstance(s, Symmetric) and s.point)]
        if entries:
            checked += _second_partials(d, entries, methods, rtol, atol)
        for step in (a for a in d.answers if isinstance(a, NewtonStep)):
            for method in methods:
                value = newton_step(d.graph, list(d.wrt), dict(d.point), method)[step.index]
                _compare(f"Newton's step on {step.variable} ({method})", step.result, value, rtol, atol)
            checked += 1
    return CrossCheck(checked, rtol, atol, torch)


def crosscheck_training(name, summary):
    """The training run of :class:`~symgrad.numeric.training_summary.TrainingSummary` ``summary`` (of worksheet
    ``name``) against the torch twin's in float64; raise on a difference beyond the tolerance."""
    run, history = summary.plan, summary.history
    tolerance = TOLERANCES["scalar run float64"].rtol
    rows = ()
    if _torch_version():
        theirs = torch_train(dataclasses.replace(run, mode="float64"), iterations=history.iterations)
        rows = compare_histories(name, history, theirs, tolerance)
    compared = (f"Its training run ({history.mode}, {history.iterations} iterations) was compared iteration by "
                f"iteration with the same run by torch.optim.{make_optimizer(run.optimizer).name} in float64: the "
                f"loss, the gradients and the parameters")
    return training_check(name, compared, tolerance, rows)


def _forward(derivation, seen, rtol, atol):
    """Each node's exact value against its definition evaluated in float64, once per value printed:
    ``seen`` holds the (node, value, point) already checked by earlier derivations. Returns how many
    were checked here."""
    point = dict(derivation.point)
    graph = derivation.graph
    checked = 0
    for node, value in derivation.forward:
        leaves = graph.leaves(node)
        key = (node, value, derivation.point)
        if key in seen or any(s not in point for s in leaves):
            continue
        seen.add(key)
        numeric = float(compile_function(graph.with_output(node), leaves)(*[float(point[s]) for s in leaves]))
        _compare(f"the value of {node}", value, numeric, rtol, atol)
        checked += 1
    return checked


def _partials(derivation, steps, point, nodes, methods, rtol, atol):
    """The partials of ``steps`` (all at one point) against finite differences and torch, with the
    nodes they are taken with respect to made leaves."""
    wrt = [_wrt(s) for s in steps]
    nodes_asked = [w for w in wrt if derivation.graph.is_node(w)]
    graph = derivation.graph.cut(nodes_asked)
    values = {**point, **nodes}
    at = {s: values[s] for s in graph.leaves(graph.output)}
    try:
        report = matching_gradients(graph, wrt, at, methods, Tolerance(rtol, atol))
    except GradientMismatch as error:
        raise DerivationError(f"the partials of {derivation.output} at the point disagree: {error}") from None
    for i, (w, step) in enumerate(zip(wrt, steps)):
        for method, gradient in report.items():
            _compare(f"d{derivation.output}/d{w} ({method})", step.result, gradient[i], rtol, atol)
    return len(steps)


def _second_partials(derivation, entries, methods, rtol, atol):
    """The Hessian entries ``entries`` (at the derivation's point) against finite differences of the
    gradient and torch's Hessian."""
    wrt, point = list(derivation.wrt), dict(derivation.point)
    try:
        report = matching_hessians(derivation.graph, wrt, point, methods, Tolerance(rtol, atol))
    except GradientMismatch as error:
        raise DerivationError(f"the second partials of {derivation.output} at the point disagree: {error}") from None
    for step in entries:
        u, v = step.wrt if isinstance(step, Symmetric) else _second(step).wrt
        index = wrt.index(u) * len(wrt) + wrt.index(v)
        for method, hessian in report.items():
            _compare(f"d2{derivation.output}/d{u} d{v} ({method})", step.result, hessian[index], rtol, atol)
    return len(entries)


def _second(step):
    """The second partial inside its value at a point."""
    inner = step.second
    return inner.body if isinstance(inner, Simplification) else inner


def _wrt(step):
    inner = step.partial
    while not hasattr(inner, "wrt"):
        inner = inner.body
    return inner.wrt


def _compare(what, exact, numeric, rtol, atol):
    value = complex(approximate(exact, 30))
    if value.imag or not math.isfinite(value.real) or not Tolerance(rtol, atol).holds(value.real, numeric):
        raise DerivationError(f"{what} is {exact} = {value.real!r} exactly, but {numeric!r} numerically")


def _torch_version():
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__
