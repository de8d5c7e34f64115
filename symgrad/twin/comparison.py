r"""How symgrad's numbers are held against a reference's: one metric, one record, one table of tolerances.

Two comparisons, each with its tolerances in :data:`TOLERANCES`, named by what they compare:

- a **run** (symgrad's training run next to torch's, a question's numbers next to autograd's) is
  measured by :func:`difference`: per array, the largest ``|ours - theirs|`` divided by the array's
  largest ``|theirs|`` (absolutely when that array is all zeros), the largest over the arrays; it
  passes when that is at most the tolerance's ``rtol``. An entry-by-entry ratio means nothing where
  a value crosses or converges to zero, as gradients do: there both programs round differently sums
  that nearly cancel. A history's quantity (iterations by parameters) is compared column by column
  (:func:`columns`: each parameter's trajectory is one array); a matrix run array by array.
- a **number** (an exact value next to finite differences, autograd or a float64 evaluation) passes
  when ``|value - reference| <= atol + rtol |reference|`` (:meth:`Tolerance.holds`).
"""

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Tolerance", "TOLERANCES", "Comparison", "difference", "columns", "compare_histories"]


@dataclass(frozen=True)
class Tolerance:
    """``rtol`` relative to the reference's size, and ``atol`` absolutely (a run uses ``rtol`` only)."""

    rtol: float
    atol: float = 0.0

    def holds(self, value, reference):
        """Whether ``|value - reference| <= atol + rtol |reference|`` (never for a NaN)."""
        return bool(abs(value - reference) <= self.atol + self.rtol * abs(reference))


TOLERANCES = {
    # runs next to torch's, by the relative difference of :func:`difference`
    "scalar run float64": Tolerance(1e-12),  # a scalar training run, iteration by iteration
    "scalar run float32": Tolerance(1e-5),
    "matrix run float64": Tolerance(1e-10),  # a matrix-mode run: 100 float64 steps of S2's network
    "matrix run float32": Tolerance(1e-4),   # its float32 epochs
    "questions float64": Tolerance(1e-12),   # a worksheet's numeric answers next to autograd's (symgrad verify)
    # single numbers, |value - reference| <= atol + rtol |reference|
    "gradient methods": Tolerance(1e-8, 1e-10),  # exact, finite differences and autograd on one gradient, and
                                                 # every number a worksheet prints (its cross-check)
    "hand-written gradient": Tolerance(1e-6, 1e-9),  # a user's own gradient code (check_user_gradient)
    "finite differences": Tolerance(1e-8, 1e-10),    # a key's exact answer next to them (the pytest plugin)
    "torch autograd": Tolerance(1e-10, 1e-12),
    "torch.optim.SGD": Tolerance(1e-10, 1e-12),      # a key's gradient step next to torch's
    "finite-difference steps": Tolerance(1e-8, 1e-10),  # ... and next to steps along finite differences
}


@dataclass(frozen=True)
class Comparison:
    """One compared quantity: the largest absolute and relative differences (:func:`difference`) and
    whether the relative one is within the tolerance."""

    worksheet: str
    quantity: str
    max_abs: float
    max_rel: float
    tolerance: float

    @property
    def passed(self):
        return bool(self.max_rel <= self.tolerance)

    def as_dict(self):
        return {"worksheet": self.worksheet, "quantity": self.quantity, "max_abs": self.max_abs,
                "max_rel": self.max_rel, "tolerance": self.tolerance, "pass": self.passed}


def difference(ours, theirs):
    """``(max_abs, max_rel)`` over pairs of arrays, each relative to its largest ``|theirs|`` value
    (absolute when that is 0); another number of arrays, another shape, or a NaN never passes."""
    ours, theirs = list(ours), list(theirs)
    if len(ours) != len(theirs):
        return math.inf, math.inf
    worst_abs = worst_rel = 0.0
    for a, b in zip(ours, theirs):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return math.inf, math.inf
        if a.size == 0:
            continue
        diff = np.abs(a - b)
        largest = float(np.where(np.isnan(diff), math.inf, diff).max())
        scale = float(np.abs(b).max())
        relative = 0.0 if largest == 0 else largest if math.isinf(largest) or not scale else largest / scale
        worst_abs, worst_rel = max(worst_abs, largest), max(worst_rel, relative)
    return worst_abs, worst_rel


def columns(values):
    """A quantity of a run as the arrays :func:`difference` compares: a sequence (the loss of each
    iteration) is one array; rows of several values (each iteration's parameters) are cut into columns."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim <= 1:
        return [values]
    return list(values.reshape(len(values), -1).T)


def compare_histories(worksheet, ours, theirs, tolerance, label=""):
    """:class:`Comparison` s of the loss, the gradients and the parameters of two histories of the
    same run (:class:`~symgrad.numeric.loops.History`), ``tolerance`` being a relative one."""
    return [Comparison(worksheet, f"{label}{name}",
                       *difference(columns(getattr(ours, field)), columns(getattr(theirs, field))), tolerance)
            for name, field in (("loss", "losses"), ("gradients", "gradients"), ("parameters", "parameters"))]
