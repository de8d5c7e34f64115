"""Central differences with Ridders' extrapolation: accuracy on smooth functions, and staying
clear of kinks and singularities."""

import numpy as np
import pytest

from symgrad.numeric.finite_differences import central_differences


def _columns(f):
    return lambda points: f(*points)


@pytest.mark.parametrize("f, x, derivative", [
    (np.exp, 1.0, np.e),
    (np.sin, 2.0, np.cos(2.0)),
    (np.log, 1e-3, 1e3),  # a singularity at 0, 1e-3 away: every step stays on the right side
    (np.log, 1000.0, 1e-3),
    (lambda z: np.log1p(np.exp(z)), 40.0, 1 / (1 + np.exp(-40.0))),
    (lambda z: z ** 3, 0.0, 0.0),
    (np.tanh, -3.0, 1 - np.tanh(-3.0) ** 2),
])
def test_smooth_functions_to_about_1e_12(f, x, derivative):
    (estimate,) = central_differences(_columns(f), [x], [0])
    assert estimate == pytest.approx(derivative, rel=1e-11, abs=1e-13)


def test_a_kink_near_the_point_is_not_jumped():
    """relu(x - 1/50) at x = 0.05: the large steps cross the kink and look self-consistent; the
    small-step estimate decides."""
    (estimate,) = central_differences(_columns(lambda z: np.maximum(z - 0.02, 0.0)), [0.05], [0])
    assert estimate == pytest.approx(1.0, rel=1e-12)


def test_several_coordinates_at_once():
    def f(a, b, c):
        return a * b ** 2 + np.sin(c)

    estimates = central_differences(_columns(f), [1.0, 2.0, 0.5], [0, 1, 2])
    np.testing.assert_allclose(estimates, [4.0, 4.0, np.cos(0.5)], rtol=1e-11)


def test_nowhere_finite_is_nan():
    (estimate,) = central_differences(_columns(lambda z: np.full_like(z, np.nan)), [1.0], [0])
    assert np.isnan(estimate)
