import pytest
import sympy as sp

import symgrad as sg
from symgrad import DirectionError, NoDerivativeRuleError, ShapeError, SymgradError, UnknownVariableError

x, y, z, w = sp.symbols("x y z w")
f = x ** 2 + y ** 2


@pytest.mark.parametrize("expr, var, expected", [
    (f, x, 2 * x),
    (f, "y", 2 * y),
    (x ** 2 + 3, y, 0),
    (sp.exp(w * x), w, x * sp.exp(w * x)),
    (sp.Abs(x), x, sp.sign(x)),
    (sg.sigmoid(w * x), w, x * sg.sigmoid(w * x) * (1 - sg.sigmoid(w * x))),
])
def test_partial(expr, var, expected):
    assert sp.simplify(sg.partial(expr, var) - expected) == 0


def test_gradient_is_one_partial_per_variable_in_the_order_given():
    grad = sg.gradient(f * z, [z, x, y])
    assert grad == (f, 2 * x * z, 2 * y * z) and grad == [f, 2 * x * z, 2 * y * z]
    assert grad != [f, 2 * x * z] and grad != [2 * x * z, f, 2 * y * z]
    assert isinstance(grad, tuple)


def test_gradient_has_the_shape_of_its_parameter():
    W = sp.Matrix(2, 2, sp.symbols("w1:5"))
    loss = sum(W) ** 2
    grad = sg.gradient(loss, W)
    assert grad.shape == (2, 2)
    assert grad == sp.ImmutableMatrix(2, 2, [2 * sum(W)] * 4)


def test_decimals_at_a_point_stay_exact():
    assert sg.partial(w * x, w, at={x: 0.958}) == sp.Rational(479, 500)
    assert sg.gradient(f, [x, y], at={"x": 0.1, "y": "0.2"}) == (sp.Rational(1, 5), sp.Rational(2, 5))


def test_jacobian():
    J = sg.jacobian([x * y, x + y ** 2, z], [x, y])
    assert J == sp.Matrix([[y, x], [1, 2 * y], [0, 0]])
    assert sg.jacobian([x * y, x + y ** 2], [x, y], at={x: 1, y: 3}) == sp.Matrix([[3, 1], [1, 6]])


def test_hessian_is_symmetric_and_exact():
    H = sg.hessian(x ** 3 * y + sp.sin(y), [x, y])
    assert H == sp.Matrix([[6 * x * y, 3 * x ** 2], [3 * x ** 2, -sp.sin(y)]])
    assert sg.hessian(sg.sigmoid(x), [x], at={x: 0}) == sp.Matrix([[0]])


@pytest.mark.parametrize("direction, at, expected", [
    ([3, 4], {x: 1, y: 2}, sp.Rational(22, 5)),
    ([1, 1], {x: 1, y: 2}, 3 * sp.sqrt(2)),
    ([0.6, 0.8], {x: 1, y: 2}, sp.Rational(22, 5)),  # already a unit vector
    ([2, 0], None, 2 * x),
    ([-1, 0], {x: 1.5, y: 0}, -3),
])
def test_directional_derivative_normalises_the_direction(direction, at, expected):
    assert sp.simplify(sg.directional_derivative(f, [x, y], direction, at=at) - expected) == 0


@pytest.mark.parametrize("call, error, message", [
    (lambda: sg.directional_derivative(f, [x, y], [0, 0]), DirectionError, "zero vector"),
    (lambda: sg.directional_derivative(f, [x, y], [1, 2, 3]), ShapeError, "3 components but there are 2"),
    (lambda: sg.partial(f, "q"), UnknownVariableError, "unknown variable 'q': the expression has x, y"),
    (lambda: sg.partial(f, x, at={"q": 1}), UnknownVariableError, "unknown variable 'q'"),
    (lambda: sg.gradient(sp.Matrix([x, y]), [x]), ShapeError, "must be a scalar"),
    (lambda: sg.gradient([x, y], [x]), ShapeError, "must be a scalar"),
    (lambda: sg.partial(sp.floor(x), x), NoDerivativeRuleError, "floor"),
    (lambda: sg.partial(f, 3), SymgradError, "must be a SymPy Symbol or its name"),
    (lambda: sg.partial(f, x, at=[1, 2]), SymgradError, "must be a mapping"),
    (lambda: sg.jacobian([], [x]), ShapeError, "at least one expression"),
    (lambda: sg.gradient(f, [x, x]), SymgradError, "listed twice"),
])
def test_bad_input_gets_a_symgrad_error_naming_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_graph_is_differentiated_at_its_output_or_at_a_chosen_node():
    g = sg.Graph()
    h = g.define("h", w * x)
    g.define("L", h ** 2)
    assert sg.partial(g, w) == 2 * w * x ** 2
    assert sg.partial(g.with_output(h), w) == x
