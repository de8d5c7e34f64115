import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import UnknownVariableError

x, y, w, b = sp.symbols("x y w b")


def _neuron():
    return sg.backward(sg.Graph.from_expression(sg.bce(sg.sigmoid(w * x + b), y)), [w, b])


def test_compiled_gradient_evaluates_a_batch_and_equals_the_exact_values():
    walk = _neuron()
    compiled = sg.compile_gradient(walk)
    xs, ys = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, 1.0])
    loss, (gw, gb) = compiled({"x": xs, "y": ys, "w": 0.3, "b": -0.1})
    for i in range(3):
        exact = walk.at({x: xs[i], y: ys[i], w: 0.3, b: -0.1})
        assert loss[i] == pytest.approx(float(exact.output.evalf(30)), rel=1e-14)
        assert gw[i] == pytest.approx(float(exact.gradient[0].evalf(30)), rel=1e-14)
        assert gb[i] == pytest.approx(float(exact.gradient[1].evalf(30)), rel=1e-14)


def test_results_broadcast_to_the_batch_even_when_constant():
    compiled = sg.compile_gradient(sg.backward(sg.Graph.from_expression(w * x), [w]))
    _, (gw,) = compiled({"w": 2.0, "x": np.arange(4.0)})
    assert gw.shape == (4,)


def test_float32_inputs_stay_float32():
    compiled = sg.compile_gradient(_neuron())
    loss, grads = compiled({k: np.float32([0.5, 1.0]) for k in "xywb"})
    assert loss.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_a_missing_value_is_named():
    with pytest.raises(UnknownVariableError, match="no value given for y"):
        sg.compile_gradient(_neuron())({"x": 1.0, "w": 1.0, "b": 0.0})
