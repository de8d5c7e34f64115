r"""The tasks a question can set, as data: derivative, derivative_at, gradient,
directional_derivative and gradient_step (the kinds of :mod:`symgrad.worksheets.worksheet`).

A task turns the function's exact partials into the answer's components: ``answer(function, wrt,
partials)``. Given partials a student got wrong, the same call gives the answer that student would
reach, which is how :mod:`~symgrad.answers.mistakes` lifts a wrong derivative into a wrong answer
of any task. ``slips`` are the wrong answers the task itself invites (stepping uphill, forgetting to
normalise a direction), as ``(kind, answer, detail)``.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import sympy

__all__ = ["Derivative", "DerivativeAt", "Gradient", "DirectionalDerivative", "GradientStep"]


def _at(expr, point):
    return expr if point is None else expr.xreplace(point)


class _Task:
    """What every task shares: numbers are asked for when there is a point; no shape; no slips of its own."""

    point = None
    shape = None

    @property
    def numeric(self):
        return self.point is not None

    def slips(self, function, wrt, partials):
        return ()


@dataclass(frozen=True)
class Derivative(_Task):
    r"""$\partial f/\partial w$ as an expression."""

    kind = "derivative"

    def answer(self, function, wrt, partials):
        return (partials[0],)


@dataclass(frozen=True)
class DerivativeAt(_Task):
    r"""$\partial f/\partial w$ at ``point``: a number."""

    point: Mapping
    kind = "derivative_at"

    def answer(self, function, wrt, partials):
        return (_at(partials[0], self.point),)


@dataclass(frozen=True)
class Gradient(_Task):
    r"""$\nabla f$: one partial per variable, at ``point`` (numbers) or symbolic; ``shape`` is the shape of a
    matrix of parameters (the gradient has it), None for a list."""

    point: Mapping | None = None
    shape: tuple | None = None
    kind = "gradient"

    def answer(self, function, wrt, partials):
        return tuple(_at(p, self.point) for p in partials)

    def slips(self, function, wrt, partials):
        if self.shape is None or self.shape[0] != self.shape[1] or self.shape[0] < 2:
            return ()
        matrix = sympy.Matrix(*self.shape, self.answer(function, wrt, partials))
        return (("transposed", tuple(matrix.T), None),)


@dataclass(frozen=True)
class DirectionalDerivative(_Task):
    r"""$D_v f = \nabla f \cdot v / \lVert v \rVert$ along ``direction``, at ``point`` or symbolic."""

    direction: tuple
    point: Mapping | None = None
    kind = "directional_derivative"

    def answer(self, function, wrt, partials):
        return (_at(self._along(partials) / self.norm, self.point),)

    def slips(self, function, wrt, partials):
        (right,) = self.answer(function, wrt, partials)
        return (("sign_error", (-right,), None),
                ("missing_constant_factor", (_at(self._along(partials), self.point),), 1 / self.norm))

    @property
    def norm(self):
        return sympy.sqrt(sympy.Add(*[c ** 2 for c in self.direction]))

    def _along(self, partials):
        return sympy.Add(*[g * c for g, c in zip(partials, self.direction)])


@dataclass(frozen=True)
class GradientStep(_Task):
    r"""$w \leftarrow w - \eta\, \partial f/\partial w$ for each variable, ``steps`` times from ``point``
    (numbers), or once symbolically when there is no point."""

    learning_rate: object
    point: Mapping | None = None
    steps: int = 1
    kind = "gradient_step"

    def answer(self, function, wrt, partials):
        return self._descend(function, wrt, partials, _downhill)

    def slips(self, function, wrt, partials):
        return (("gd_wrong_sign", self._descend(function, wrt, partials, _uphill), None),
                ("gd_used_loss_not_gradient", self._descend(function, wrt, partials, _by_loss), None),
                ("gd_missing_learning_rate", self._descend(function, wrt, partials, _without_rate),
                 self.learning_rate))

    def _descend(self, function, wrt, partials, rule):
        eta = self.learning_rate
        if self.point is None:
            return tuple(rule(w, g, function, eta) for w, g in zip(wrt, partials))
        point = dict(self.point)
        for _ in range(self.steps):
            loss = _at(function, point)
            point.update({w: rule(point[w], _at(g, point), loss, eta) for w, g in zip(wrt, partials)})
        return tuple(point[w] for w in wrt)


def _downhill(w, g, loss, eta):
    return w - eta * g


def _uphill(w, g, loss, eta):
    return w + eta * g


def _by_loss(w, g, loss, eta):
    return w - eta * loss


def _without_rate(w, g, loss, eta):
    return w - g
