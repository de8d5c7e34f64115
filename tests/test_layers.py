import pytest
import sympy as sp

import symgrad as sg
from symgrad import ShapeError, SymgradError

x1, x2, x3 = sp.symbols("x1 x2 x3")


def test_linear_creates_indexed_weights_in_torch_layout():
    layer = sg.linear([x1, x2], out_features=3)
    assert layer.weight.shape == (3, 2)
    assert [s.name for s in layer.parameters] == ["w_11", "w_12", "w_21", "w_22", "w_31", "w_32",
                                                  "b_1", "b_2", "b_3"]
    w21, w22, b2 = sp.symbols("w_21 w_22 b_2")
    assert layer[1] == w21 * x1 + w22 * x2 + b2
    assert sp.latex(layer.weight[1, 0]) == "w_{21}"


def test_linear_with_named_weights_and_no_bias_unpacks_like_a_sequence():
    w1, w2, w3, w4 = sp.symbols("w1:5")
    h1, h2 = sg.linear([x1, x2], [[w1, w3], [w2, w4]], bias=False)
    assert (h1, h2) == (w1 * x1 + w3 * x2, w2 * x1 + w4 * x2)


def test_linear_numbers_are_exact_and_names_grow_a_comma_past_nine():
    layer = sg.linear([x1], [[0.5]], bias=[0.25])
    assert layer[0] == x1 / 2 + sp.Rational(1, 4)
    assert layer.parameters == ()
    big = sg.linear([x1] * 12, out_features=1, bias=False)
    assert big.weight[0, 11].name == "w_{1,12}"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(weight=[[1, 2, 3]]), ShapeError, "3 columns but there are 2 inputs"),
    (dict(weight=[[1, 2], [3]]), ShapeError, "rectangular"),
    (dict(out_features=2, weight=[[1, 2]]), ShapeError, "1 rows but out_features=2"),
    (dict(out_features=2, bias=[1]), ShapeError, "1 biases for 2 outputs"),
    (dict(), SymgradError, "weight= or out_features="),
])
def test_bad_linear_layers(kwargs, error, message):
    with pytest.raises(error, match=message):
        sg.linear([x1, x2], **kwargs)
