"""Expressions as JSON trees: exact round trips, and a reader that refuses anything else."""

import json

import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.activations import LogSoftmax, Softmax, step
from symgrad.core.serialize import MAX_DEPTH, MAX_NODES, TreeError, from_tree, to_tree

x, y, w, b = sp.symbols("x y w b")


@pytest.mark.parametrize("expr", [
    x, sp.Rational(479, 500), sp.Integer(-3), sp.E / (1 + 2 * sp.E), sp.pi * x,
    2 * w * x * (sg.sigmoid(w * x + b) - y), sg.relu(x) + step(x) + sg.softplus(-x) + sp.tanh(x),
    sg.cross_entropy([x, y, w], 2), Softmax(1, x, y) * LogSoftmax(0, x, y), sp.sqrt(x ** 2 + 1) / sp.log(x),
    sp.Abs(x) + sp.sin(x) * sp.cos(x) + sp.exp(-x), sp.Symbol("foo.bar") + sp.Symbol("__import__('os')"),
    sp.Max(x / 100, x), sp.Min(1, x, y), sp.sign(x) * sp.Heaviside(x) + sp.Heaviside(y, 0), x / (1 + sp.Abs(x)),
    x / 2 * (1 + sp.erf(x / sp.sqrt(2))), sp.erfc(x) + sp.asin(x) + sp.atan(x) + sp.tan(x) + sp.sinh(x) * sp.cosh(x),
    sp.Piecewise((x ** 2 / 2, sp.Abs(x) <= 1), (sp.Abs(x) - sp.S(1) / 2, True)),
    sp.Piecewise((x, sp.And(x > 0, y < 1)), (y, sp.Or(sp.Eq(x, y), sp.Ne(y, 2), sp.Not(x >= 3))), (0, True)),
    sp.sqrt(2) * sp.log(2) * sp.pi * sp.E * sp.exp(2) * x,
])
def test_round_trip(expr):
    tree = json.loads(json.dumps(to_tree(expr)))
    assert from_tree(tree) == expr


def test_the_tree_of_a_number_is_an_exact_string():
    assert to_tree(sp.Rational(479, 500)) == {"number": "479/500"}
    assert to_tree(w * 2) == {"op": "Mul", "args": [{"number": "2"}, {"symbol": "w"}]}


def test_an_operation_outside_the_whitelist_is_not_written():
    with pytest.raises(TreeError, match="cannot write gamma"):
        to_tree(sp.gamma(x))


def _deep(n):
    tree = {"symbol": "x"}
    for _ in range(n):
        tree = {"op": "exp", "args": [tree]}
    return tree


@pytest.mark.parametrize("tree, message", [
    ({"op": "eval", "args": [{"symbol": "x"}]}, "unknown operation 'eval'"),
    ({"op": "Add", "args": []}, "unknown operation 'Add'"),
    ({"number": "1e999999999"}, "must be an integer or a fraction"),
    ({"number": "__import__('os')"}, "must be an integer or a fraction"),
    ({"number": "1/0"}, "must be an integer or a fraction"),
    ({"symbol": ""}, "a symbol's name must be"),
    ({"symbol": 3}, "a symbol's name must be"),
    ({"constant": "I"}, "unknown constant"),
    ({"op": "Pow", "args": [{"number": "2"}, {"number": "1000000000"}]}, "a power needs"),
    ({"op": "Softmax", "index": 5, "args": [{"symbol": "x"}]}, "index 5 is not a component"),
    ({"symbol": "x", "extra": 1}, "not a node this reader knows"),
    ([1, 2], "must be an object"),
    (_deep(MAX_DEPTH + 1), "deeper than"),
    ({"op": "Piecewise", "args": [{"symbol": "x"}]}, "Piecewise: cannot apply it to 1 arguments"),
    ({"op": "Piecewise", "args": [{"symbol": "x"}, {"number": "2"}]}, "Piecewise: cannot apply it"),
    ({"op": "StrictLessThan", "args": [{"symbol": "x"}]}, "StrictLessThan: cannot apply it"),
    ({"constant": "nan"}, "unknown constant"),
    ({"op": "Add", "args": [{"symbol": "x"}] * (MAX_NODES + 1)}, f"more than {MAX_NODES} nodes"),
])
def test_the_reader_refuses_what_it_does_not_know(tree, message):
    with pytest.raises(TreeError, match=message):
        from_tree(tree)
