"""The one comparison metric, its record and its table of tolerances (:mod:`symgrad.twin.comparison`)."""

import math

import numpy as np
import pytest

from symgrad.twin.comparison import TOLERANCES, Comparison, Tolerance, columns, difference


@pytest.mark.parametrize("ours, theirs, expected", [
    ([1.0, 2.0], [1.0, 2.0], (0.0, 0.0)),
    ([1.0, 2.5], [1.0, 2.0], (0.5, 0.25)),                       # relative to the largest |value|: 2
    ([[1e-9, 1.0], [2e-9, 0.5]], [[0.0, 1.0], [0.0, 0.5]], (2e-9, 2e-9 / 1.0)),  # a column of zeros: absolute
    ([[4.0, 1.0], [0.0, 0.5]], [[2.0, 1.0], [0.0, 0.5]], (2.0, 1.0)),  # per column: 2 over the column's 2
    ([1e-20, 1.0], [2e-20, 1.0], (1e-20, 1e-20)),                # an entry near 0 is measured by the column's size
    ([np.nan], [1.0], (np.inf, np.inf)),
    ([1.0, 2.0], [1.0], (np.inf, np.inf)),                       # different lengths never pass
])
def test_a_run_is_compared_column_by_column_relative_to_the_size_of_the_quantity(ours, theirs, expected):
    assert difference(columns(ours), columns(theirs)) == pytest.approx(expected)


@pytest.mark.parametrize("ours, theirs, expected", [
    ([np.array([1.0, 2.0])], [np.array([1.0, 4.0])], (2.0, 0.5)),  # relative to the array's largest value
    ([np.array([1.0, 0.0]), np.array([10.0])], [np.array([1.0, 1e-9]), np.array([9.0])], (1.0, 0.1111111111111111)),
    ([np.zeros(2)], [np.zeros(2)], (0.0, 0.0)),
    ([np.array([1e-3])], [np.array([0.0])], (1e-3, 1e-3)),  # all zeros in torch: measured absolutely
    ([np.array([np.nan])], [np.array([1.0])], (math.inf, math.inf)),
    ([np.zeros(2)], [np.zeros(3)], (math.inf, math.inf)),
    ([np.zeros(2)], [], (math.inf, math.inf)),
])
def test_a_matrix_run_is_compared_array_by_array(ours, theirs, expected):
    assert difference(ours, theirs) == pytest.approx(expected)


def test_a_comparison_passes_within_its_tolerance_and_reads_as_json():
    row = Comparison("s0", "float64 loss", 1e-15, 5e-13, 1e-12)
    assert row.passed and not Comparison("s0", "loss", 1.0, 2e-12, 1e-12).passed
    assert row.as_dict() == {"worksheet": "s0", "quantity": "float64 loss", "max_abs": 1e-15, "max_rel": 5e-13,
                             "tolerance": 1e-12, "pass": True}


def test_a_number_holds_within_atol_plus_rtol_of_the_reference():
    tolerance = Tolerance(1e-8, 1e-10)
    assert tolerance.holds(1.0 + 1e-9, 1.0) and not tolerance.holds(1.0 + 1e-7, 1.0)
    assert tolerance.holds(5e-11, 0.0) and not tolerance.holds(2e-10, 0.0)
    assert not tolerance.holds(math.nan, 1.0)


def test_each_tolerance_is_named_by_what_it_compares():
    assert TOLERANCES["scalar run float64"] == Tolerance(1e-12) and TOLERANCES["scalar run float32"] == Tolerance(1e-5)
    assert TOLERANCES["matrix run float64"] == Tolerance(1e-10) and TOLERANCES["matrix run float32"] == Tolerance(1e-4)
    assert TOLERANCES["gradient methods"] == Tolerance(1e-8, 1e-10)
    assert TOLERANCES["torch autograd"] == Tolerance(1e-10, 1e-12)
