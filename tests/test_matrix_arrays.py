"""The NumPy algebra: values as NumPy computes them naively, kept dtypes, and results written
into the buffers given."""

import functools

import numpy as np
import pytest

from symgrad.core.operations import operation
from symgrad.matrix import arrays

Z = np.array([[1.0, -2.0, 0.5], [1000.0, -1000.0, 999.0]])


def _naive_log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _applied(name):
    """A registered operation applied entry by entry by the algebra."""
    return functools.partial(arrays.apply, operation(name))


@pytest.mark.parametrize("function, expected", [
    (_applied("relu"), np.maximum(Z, 0)),
    (_applied("sigmoid"), np.array([[1 / (1 + np.exp(-1)), 1 / (1 + np.exp(2)), 1 / (1 + np.exp(-0.5))],
                                    [1.0, 0.0, 1.0]])),
    (_applied("tanh"), np.tanh(Z)),
    (_applied("softplus"), np.array([[np.log1p(np.e), np.log1p(np.exp(-2)), np.log1p(np.exp(0.5))],
                                     [1000.0, 0.0, 999.0]])),
    (_applied("sin"), np.sin(Z)),  # no NumPy form of its own: SymPy's NumPy code, into the buffer
    (arrays.log_softmax, _naive_log_softmax(Z)),
    (arrays.softmax, np.exp(_naive_log_softmax(Z))),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functions_into_a_buffer_and_without(function, expected, dtype):
    z = Z.astype(dtype)
    out = np.empty_like(z, order="F")
    assert function(z, out) is out
    fresh = function(z)
    assert fresh.dtype == dtype and out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=1e-6 if dtype == np.float32 else 1e-15, atol=1e-30)
    np.testing.assert_array_equal(out, fresh)
    assert (z == Z.astype(dtype)).all()  # the input is left alone


def test_affine_is_a_w_transposed_plus_b_in_every_row():
    a, w, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(4, 3), np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(arrays.affine(a, w, b), a @ w.T + b)
    np.testing.assert_array_equal(arrays.affine(a, w, None), a @ w.T)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_hot_rows(dtype):
    a = np.full((3, 4), 0.5, dtype=dtype)
    classes = np.array([3, 0, 3])
    expected = np.array([[0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=dtype)
    np.testing.assert_array_equal(arrays.onehot(classes, a), expected)
    assert arrays.sub_onehot(a, classes, a) is a
    np.testing.assert_array_equal(a, 0.5 - expected)
    assert arrays.pick(a, classes) == pytest.approx(-1.5)
    assert arrays.sub_onehot(a, classes).dtype == dtype


def test_reductions():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert arrays.sum_rows(a).tolist() == [9.0, 12.0]
    assert arrays.row_sum(a).tolist() == [[3.0], [7.0], [11.0]]
    assert arrays.total(a) == 21.0 and (arrays.rows(a), arrays.size(a)) == (3, 6)
    assert arrays.apply(operation("step"), np.array([-1.0, 0.0, 2.0])).tolist() == [False, False, True]
    np.testing.assert_allclose(arrays.derivative(operation("sigmoid"), np.array([0.0, 800.0, -800.0])),
                               [0.25, 0.0, 0.0], atol=1e-300)  # from its exact derivative, without overflow


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_rows_into_a_buffer_in_the_arrays_dtype(dtype):
    a = np.asfortranarray(np.arange(12.0).reshape(4, 3)).astype(dtype, order="F")
    out = np.empty(3, dtype)
    assert arrays.sum_rows(a, out) is out and out.tolist() == [18.0, 22.0, 26.0]
    assert arrays.sum_rows(a).dtype == dtype
    ones = arrays._ones(4, np.dtype(dtype))
    assert ones is arrays._ones(4, np.dtype(dtype)) and not ones.flags.writeable  # made once, never changed


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_from_the_log_softmax_computed_already(dtype):
    z = Z.astype(dtype)
    out = np.empty_like(z)
    assert arrays.softmax_of_log(z, arrays.log_softmax(z), out) is out
    np.testing.assert_allclose(out, arrays.softmax(z), rtol=1e-6 if dtype == np.float32 else 1e-15, atol=1e-30)
