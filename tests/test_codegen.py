"""Compiling expressions: a straight-line program, and no user name ever in the source."""

import inspect

import numpy as np
import pytest
import sympy as sp

from symgrad import UnknownVariableError, sigmoid
from symgrad.core.errors import UnsupportedOperationError
from symgrad.numeric.codegen import compile_expressions

x, y, h, a = sp.symbols("x y h a")


def test_a_program_is_emitted_line_by_line_and_each_line_reduced():
    program = [(h, x * y + 1), (a, sigmoid(h) * (1 - sigmoid(h)))]
    f = compile_expressions([x, y], [a, h], "numpy", program)
    source = inspect.getsource(f)
    assert source.count("sigmoid(") == 1  # the repeated sigma(h) is computed once
    value = 1 / (1 + np.exp(-7.0))
    np.testing.assert_allclose(f(2.0, 3.0), [value * (1 - value), 7.0])


def test_a_line_that_is_a_number_or_a_name_is_substituted_not_emitted():
    f = compile_expressions([x], [a], "numpy", [(h, sp.Integer(1)), (a, h * x)])
    assert "1*" not in inspect.getsource(f)
    assert f(3.0) == [3.0]


@pytest.mark.parametrize("name", ["os.system", "__import__('os')", "lambda: 1", "a b", "x[0]"])
def test_user_names_never_reach_the_source(name):
    s = sp.Symbol(name)
    f = compile_expressions([s], [s ** 2], "numpy")
    assert name not in inspect.getsource(f) and f(3.0) == [9.0]


def test_a_missing_argument_is_named():
    with pytest.raises(UnknownVariableError, match="no value is given for y"):
        compile_expressions([x], [x * y], "numpy")
    with pytest.raises(UnknownVariableError, match="no value is given for q"):
        compile_expressions([x], [h], "numpy", [(h, sp.Symbol("q"))])


@pytest.mark.parametrize("expr, math_function", [(sp.gamma(x), "gamma"), (sp.loggamma(x), "lgamma")])
def test_a_function_numpy_lacks_is_math_s_taken_over_arrays(expr, math_function):
    """SymPy's NumPy printer writes these as Python's math functions, of one number: compiled, they
    take arrays, value by value."""
    import math

    values = np.array([0.3, 1.5, 4.0])
    (out,) = compile_expressions([x], [expr], "numpy")(values)
    assert out.tolist() == [getattr(math, math_function)(v) for v in values]


def test_a_function_torch_lacks_is_refused_by_name():
    pytest.importorskip("torch")
    with pytest.raises(UnsupportedOperationError, match=r"cannot compile gamma \(gamma\(x\)\) to torch"):
        compile_expressions([x], [1 + sp.gamma(x) ** 2], "torch")
