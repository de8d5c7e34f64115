import pytest
import sympy as sp

from symgrad import SymgradError, relu, sigmoid
from symgrad.answers.spellings import Spellings
from symgrad.answers.tokens import Name

w5, yhat, theta0, lr, W, w, eta, x = sp.symbols("w5 yhat theta0 lr W w eta x")


@pytest.mark.parametrize("symbol, keys", [
    (w5, {"w_5"}),
    (yhat, {"hat(y)", "yhat"}),
    (theta0, {"theta_0"}),
    (lr, {"lr"}),
    (W, {"W"}),
    (eta, {"eta"}),
])
def test_each_variable_is_typed_as_sympy_writes_it_and_by_its_word(symbol, keys):
    notation = Spellings.declare([symbol])
    assert {k for k, v in notation.names.items() if v == symbol} == keys


def test_spellings_given_by_the_teacher_come_first_in_print():
    notation = Spellings.declare([lr, x], symbols={"lr": [r"\alpha", "lr"], x: r"\xi"})
    assert notation.names["alpha"] == lr and notation.names["xi"] == x
    assert notation.show(lr * x) == r"\alpha \xi"


def test_aliases_and_nodes_stand_for_expressions():
    notation = Spellings.declare([w, x], aliases={r"\hat{p}": sigmoid(w * x)},
                                nodes={sp.Symbol("h1"): (w * x, None)})
    p, h1 = notation.names["hat(p)"], notation.names["h_1"]
    assert notation.expand(p + h1) == sigmoid(w * x) + w * x
    assert notation.show(p * h1) == r"\hat{p} h_{1}"


def test_functions_and_constants():
    notation = Spellings.declare([x], functions={"swish": lambda t: t * sigmoid(t)})
    assert notation.function(Name("ReLU")) == relu and notation.function(Name("sigma")) == sigmoid
    assert notation.function(Name("swish"))(x) == x * sigmoid(x)
    assert "swish" in notation.function_words
    assert notation.names["e"] == sp.E and notation.names["pi"] == sp.pi
    assert notation.function(Name("Sigma")) is None  # Greek names keep their case


def test_a_node_named_like_a_variable_is_skipped_quietly():
    notation = Spellings.declare([x], nodes={sp.Symbol("x"): (2 * w, None)})
    assert notation.names["x"] == x


@pytest.mark.parametrize("build, message", [
    (lambda: Spellings.declare([sp.Symbol("w5"), sp.Symbol("w_5")]), "are both typed 'w_5'"),
    (lambda: Spellings.declare([x], symbols={"x": "x^2"}), "is not one name"),
    (lambda: Spellings.declare([x], symbols={"x": r"\input{x}"}), "is not valid: the command \\\\input"),
    (lambda: Spellings.declare([x], aliases={"x": w}), "already the name of x"),
    (lambda: Spellings.declare([x], log_base=-2), "positive and not 1"),
    (lambda: Spellings.declare([sp.Symbol("a.b")]), "cannot be typed in LaTeX"),
])
def test_bad_notations(build, message):
    with pytest.raises(SymgradError, match=message):
        build()
