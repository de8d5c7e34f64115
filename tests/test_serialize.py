import pytest
import sympy as sp

import symgrad as sg
from symgrad import SymgradError
from symgrad.serialize import from_tree, to_tree

w, x, y, b = sp.symbols("w x y b")


@pytest.mark.parametrize("expr, tree", [
    (w, "w"),
    (sp.Rational(479, 500), ["Number", "479/500"]),
    (sp.Float(0.958), ["Number", "479/500"]),
    (sp.E, ["Constant", "E"]),
    (w * x, ["Mul", "w", "x"]),
    (sp.exp(-w), ["exp", ["Mul", ["Number", "-1"], "w"]]),
    (sg.sigmoid(w), ["sigmoid", "w"]),
    (sg.softmax([w, x])[1], ["Softmax", ["Number", "1"], "w", "x"]),
])
def test_trees(expr, tree):
    assert to_tree(expr) == tree
    assert from_tree(tree) == sp.sympify(expr).xreplace({f: sp.Rational(479, 500) for f in sp.sympify(expr).atoms(sp.Float)})


@pytest.mark.parametrize("expr", [
    sg.bce(sg.sigmoid(w * x + b), y), sg.cross_entropy([w * x, b, y], 1), sp.log(w) / sp.log(10) + sp.pi,
    sg.relu(w - 1) * sg.softplus(x) + sp.tanh(y) ** 3 - sp.Abs(b), sg.mse([w, 2 * w], [1, 2]),
])
def test_round_trip(expr):
    assert sp.simplify(from_tree(to_tree(expr)) - expr) == 0


@pytest.mark.parametrize("tree, message", [
    (["eval", "x"], "unknown operation 'eval'"),
    (["__import__", ["Number", "1"]], "unknown operation"),
    (["Number", "x + 1"], "cannot read 'x \\+ 1' as a number"),
    (["Number", 3], "holds one string"),
    (["Constant", "I"], "unknown constant"),
    ([], "not an expression tree"),
    ({"op": "Add"}, "not an expression tree"),
    ("", "empty name"),
    (["Pow", "x"], "the Pow node is malformed"),
    (["exp"] * 1 + [["exp"] * 1 + ["x"]], None),
])
def test_bad_trees(tree, message):
    if message is None:
        assert from_tree(tree) == sp.exp(sp.exp(x))
        return
    with pytest.raises(SymgradError, match=message):
        from_tree(tree)


def test_deep_trees_are_refused():
    tree = "x"
    for _ in range(300):
        tree = ["exp", tree]
    with pytest.raises(SymgradError, match="nested more than 200 deep"):
        from_tree(tree)


def test_unwritable_expressions():
    with pytest.raises(SymgradError, match="cannot write Integral"):
        to_tree(sp.Integral(w, w))
