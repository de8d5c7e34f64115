"""For library authors' tests: exact derivatives held against numeric ones, three ways: exact
(SymPy), finite differences (central, Richardson-extrapolated), and torch autograd in float64.

``assert_gradient_matches`` is the entry point; the three ``*_gradient`` functions each return
the gradient at a point as Python floats, in the order of ``wrt``. They are the oracles the engine
checks itself with (:mod:`symgrad.twin.oracles`), with pytest's failures.
"""

import sympy

from ..core.equality import counterexample
from ..core.errors import SymgradError
from ..core.graph import Graph
from ..core.numbers import approximate, exact
from ..numeric.finite_differences import central_differences
from ..twin.comparison import TOLERANCES, Tolerance
from ..twin.oracles import (METHODS, disagreement, exact_gradient, finite_difference_gradient, matching_gradients,
                            to_float, torch_available, torch_gradient)

__all__ = ["assert_gradient_matches", "assert_derivative_equal", "check_user_gradient", "exact_gradient",
           "finite_difference_gradient", "torch_gradient", "to_float", "torch_available"]

_GRADIENTS, _USER = TOLERANCES["gradient methods"], TOLERANCES["hand-written gradient"]


def assert_gradient_matches(expr, wrt, at, methods=METHODS, rtol=_GRADIENTS.rtol, atol=_GRADIENTS.atol):
    """Compute the gradient each way and fail with a table when two ways disagree.

    Each method is compared with the first (``exact`` by default): ``|a - b| <= atol + rtol |b|``.
    ``torch`` is left out, with the reason in the returned report, when torch is not installed.
    Returns ``{method: gradient}`` for the methods that ran (:func:`symgrad.twin.oracles.matching_gradients`).
    """
    return matching_gradients(expr, wrt, at, methods, Tolerance(rtol, atol))


def assert_derivative_equal(actual, expected, wrt):
    """Fail unless the derivative ``actual`` equals ``expected`` as a function of its variables:
    structurally, or by an exact zero test, else at random rational probe points (the rule of
    :mod:`symgrad.core.equality`). Sequences (a gradient) are compared entry by entry, ``wrt`` naming the
    variable of each. The failure shows both expressions and a point where they differ."""
    actual, expected = _expressions(actual), _expressions(expected)
    names = list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    if not len(actual) == len(expected) == len(names):
        raise SymgradError(f"{len(actual)} derivatives, {len(expected)} expected and {len(names)} variables")
    failures = []
    for a, e, w in zip(actual, expected, names):
        point = counterexample(a, e)
        if point is not None:
            at = ", ".join(f"{s} = {v}" for s, v in point.items())
            values = (f"{_shown(a.xreplace(point))} against {_shown(e.xreplace(point))}"
                      + (f" at {at}" if at else ""))
            failures.append(f"d/d{w}: {a}\n  is not {e}\n  ({values})")
    if failures:
        raise AssertionError("derivatives differ:\n" + "\n".join(failures))


def _expressions(values):
    """A derivative, or a sequence of them, as SymPy expressions; text is refused, never parsed."""
    values = list(values) if isinstance(values, (list, tuple, sympy.MatrixBase)) else [values]
    for v in values:
        if isinstance(v, str):
            raise SymgradError(f"compare SymPy expressions, not the string {v!r} (symgrad never evaluates text)")
    return [v if isinstance(v, sympy.Basic) else exact(v) for v in values]


def _shown(value):
    number = approximate(value, 15)
    return f"{float(number):.12g}" if number.is_number and number.is_real else str(number)


def check_user_gradient(f, grad_f, at, rtol=_USER.rtol, atol=_USER.atol):
    """Check a hand-written gradient ``grad_f`` of ``f`` at the point ``at``, as
    ``torch.autograd.gradcheck`` does for torch code, for plain Python or NumPy code.

    ``at`` is a mapping from variables (symbols or names) to numbers, or a sequence of numbers;
    ``grad_f`` is called with the point's values as positional arguments, in that order, and returns
    one partial per value. When ``f`` is a SymPy expression (or a symgrad Graph) the reference is
    its exact gradient; when ``f`` is a Python function (called the same way as ``grad_f``) the
    reference is central finite differences. Fails with a table; returns
    ``{"user": ..., "reference": ..., "method": "exact" | "finite_difference"}``.
    """
    names, values = _user_point(f, at)
    user = tuple(float(g) for g in _sequence(grad_f(*values), "grad_f's result"))
    if len(user) != len(values):
        raise SymgradError(f"grad_f returned {len(user)} partials for {len(values)} variables")
    if callable(f) and not isinstance(f, (sympy.Basic, Graph)):
        method = "finite_difference"
        partials = central_differences(lambda points: [float(f(*column)) for column in points.T], values,
                                       range(len(values)))
        reference = tuple(float(p) for p in partials)
    else:
        method = "exact"
        reference = exact_gradient(f, names, dict(zip(names, values)))
    failure = disagreement(names, {method: reference, "user": user}, method, Tolerance(rtol, atol), ("user",))
    if failure:
        raise AssertionError(failure)
    return {"user": user, "reference": reference, "method": method}


def _user_point(f, at):
    """The variables (symbols or positions) and float values of a point given as a mapping or a sequence."""
    if hasattr(at, "items"):
        names = list(at)
        values = [float(exact(v)) for v in at.values()]
    else:
        values = [float(exact(v)) for v in _sequence(at, "point")]
        if not callable(f) or isinstance(f, (sympy.Basic, Graph)):
            raise SymgradError("for a SymPy expression, give the point as a mapping from its variables to numbers")
        names = [f"x[{i}]" for i in range(len(values))]
    return names, values


def _sequence(values, what):
    try:
        return list(values)
    except TypeError:
        raise SymgradError(f"{what} must be a sequence of numbers, got {values!r}") from None
