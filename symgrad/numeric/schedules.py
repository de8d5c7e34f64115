r"""Learning-rate schedules with torch 2.13's formulas, stepped once per epoch as torch's are.

A schedule is immutable data named and parametrised as its ``torch.optim.lr_scheduler`` class.
``next_lr(lr, base_lr, epoch)`` is torch's recursive ``get_lr``: the rate for ``epoch`` (torch's
``last_epoch`` after the step, 1, 2, ...) from the rate before it. Exact rates (SymPy numbers) stay
exact: the cosine is then SymPy's.
"""

import math
import numbers as _abc
from dataclasses import dataclass

import sympy

from ..core.errors import TrainingError
from ..core.numbers import exact

__all__ = ["StepLR", "ExponentialLR", "CosineAnnealingLR", "SCHEDULES"]


@dataclass(frozen=True)
class StepLR:
    r"""$\eta \leftarrow \gamma\,\eta$ every ``step_size`` epochs."""

    step_size: int
    gamma: float = 0.1

    def __post_init__(self):
        _positive_int(self, "step_size")
        _number(self, "gamma")

    def next_lr(self, lr, base_lr, epoch):
        return lr * _like(lr, self.gamma) if epoch % self.step_size == 0 else lr


@dataclass(frozen=True)
class ExponentialLR:
    r"""$\eta \leftarrow \gamma\,\eta$ every epoch."""

    gamma: float

    def __post_init__(self):
        _number(self, "gamma")

    def next_lr(self, lr, base_lr, epoch):
        return lr * _like(lr, self.gamma)


@dataclass(frozen=True)
class CosineAnnealingLR:
    r"""$\eta_e = \eta_{\min} + \frac12(\eta_0 - \eta_{\min})(1 + \cos(\pi e / T_{\max}))$, computed as torch
    does, recursively: $\eta_e = \frac{1 + \cos(\pi e/T)}{1 + \cos(\pi (e-1)/T)}(\eta_{e-1} - \eta_{\min})
    + \eta_{\min}$, and $\eta_{e-1} + \frac12(\eta_0 - \eta_{\min})(1 - \cos(\pi/T))$ where the cosine
    restarts (``(e - 1 - T) % 2T == 0``). Exact rates use the closed form, the same number."""

    T_max: int
    eta_min: float = 0.0

    def __post_init__(self):
        _positive_int(self, "T_max")
        _number(self, "eta_min")

    def next_lr(self, lr, base_lr, epoch):
        T = self.T_max
        if isinstance(lr, sympy.Basic):  # exactly, the recursion and the closed form are one number
            eta_min = exact(self.eta_min)
            return eta_min + (base_lr - eta_min) * (1 + sympy.cos(sympy.pi * epoch / T)) / 2
        if (epoch - 1 - T) % (2 * T) == 0:
            return lr + (base_lr - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
        return ((1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
                * (lr - self.eta_min) + self.eta_min)


SCHEDULES = {cls.__name__: cls for cls in (StepLR, ExponentialLR, CosineAnnealingLR)}


def _like(lr, value):
    """``value`` in the arithmetic of ``lr``: exact when the rate is exact."""
    return exact(value) if isinstance(lr, sympy.Basic) else value


def _positive_int(schedule, field):
    value = getattr(schedule, field)
    if isinstance(value, bool) or not isinstance(value, _abc.Integral) or value < 1:
        raise TrainingError(f"{type(schedule).__name__}: {field} must be a positive integer, got {value!r}")


def _number(schedule, field):
    value = getattr(schedule, field)
    if isinstance(value, bool) or not isinstance(value, (_abc.Real, sympy.Rational)):
        raise TrainingError(f"{type(schedule).__name__}: {field} must be a number, got {value!r}")
