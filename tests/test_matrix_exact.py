"""Every matrix rule against scalar mode: on small shapes, the matrix derivation evaluated with SymPy
matrices equals, entry by entry and exactly, the scalar graph walk of the same network built with
symgrad.linear, the activations and the losses."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad.matrix import derive, evaluate, exact
from symgrad.matrix import graph as mg
from symgrad.matrix.network import Activation, Dropout, Linear, Network

BATCH = 2


def _symbols(node):
    """A matrix of symbols for a data or parameter node (biases as 1 x k rows)."""
    rows, cols = (BATCH, node.shape[1]) if node.shape[0] == "N" else ((1, node.shape[0]) if len(node.shape) == 1
                                                                      else node.shape)
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{node.name}_{i + 1}{j + 1}"))


MASK = (1, 0, 1, 1, 0, 1, 1, 1)  # a dropout mask's entries, row by row


def _leaves(derivation, classes=(1, 0)):
    """Symbols for data, parameters and numeric targets; class indices for classes; a fixed 0/1 mask."""
    return {n: list(classes[:BATCH]) if n.op == "classes" else
            sp.ImmutableMatrix(BATCH, n.shape[1], MASK[:BATCH * n.shape[1]]) if n.op == "mask" else _symbols(n)
            for n in derivation.leaves}


# The scalar twin: the same network built node by node with scalar mode's functions, row by row.
def _rows(m):
    return [list(m.row(i)) for i in range(m.rows)]


def _scalar_loss(derivation, leaves):
    value = {n: (v if n.op == "classes" else _rows(v)) for n, v in leaves.items()}
    for node in derivation.forward:
        ins = [value[i] for i in node.inputs]
        if node.op == "linear":
            weight = sp.Matrix(ins[1])
            bias = ins[2][0] if len(ins) > 2 else False
            value[node] = [list(sg.linear(row, weight, bias)) for row in ins[0]]
        elif node.op == "dropout":
            value[node] = [sg.dropout(row, mask, node.option("p")) for row, mask in zip(*ins)]
        elif node.op in mg.NORMS:
            value[node] = getattr(sg, node.op)(ins[0], list(ins[1][0]), list(ins[2][0]), node.option("eps"))
        elif node.op in ("softmax", "log_softmax"):
            value[node] = [list(getattr(sg, node.op)(row)) for row in ins[0]]
        elif node.op in mg.activations():
            value[node] = [[getattr(sg, node.op)(z) for z in row] for row in ins[0]]
        else:
            value[node] = _scalar_reduction(node, *ins)
    return value[derivation.loss]


def _scalar_reduction(node, prediction, target):
    flat = lambda rows: [e for row in rows for e in row]  # noqa: E731
    if node.op in ("nll", "cross_entropy"):
        mean, count = getattr(sg, node.op)(prediction, list(target)), len(prediction)
    else:
        mean = getattr(sg, node.op)(flat(prediction), flat(target))
        count = len(flat(prediction))
    return mean * count if node.option("reduction") == "sum" else mean


def _assert_matches_scalar_walk(derivation, leaves):
    matrix = evaluate(derivation, exact, leaves)
    scalar_loss = _scalar_loss(derivation, leaves)
    assert sp.expand(matrix.loss - scalar_loss) == 0
    symbols = [list(leaves[w]) for w in derivation.wrt]
    walk = sg.backward(sg.Graph.from_expression(scalar_loss), [s for group in symbols for s in group])
    gradient = iter(walk.gradient)
    for w, group in zip(derivation.wrt, symbols):
        entries = list(matrix.gradient(w))
        assert len(entries) == len(group)
        for entry, (symbol, expected) in zip(entries, zip(group, gradient)):
            assert sp.expand(entry - expected) == 0, f"d{derivation.loss.name}/d{symbol}"


def _network(*layers):
    return Network([Linear(3, 4), *layers[:-2], Linear(4, 2, bias=layers[-2]), *([layers[-1]] if layers[-1] else [])])


# (hidden activation, output has a bias, output activation, loss, reduction): every rule, both reductions.
NETWORKS = [
    ("relu", True, "log_softmax", "nll", "mean"),
    ("relu", True, "log_softmax", "nll", "sum"),
    ("sigmoid", False, "softmax", "mse", "mean"),
    ("tanh", True, None, "cross_entropy", "sum"),
    ("softplus", True, None, "cross_entropy", "mean"),
    ("tanh", True, None, "bce_with_logits", "mean"),
    ("sigmoid", True, "log_softmax", "mse", "sum"),
    ("relu", True, None, "mse", "mean"),
    ("softplus", False, "sigmoid", "bce_with_logits", "sum"),
]


@pytest.mark.parametrize("hidden, bias, output, loss, reduction", NETWORKS,
                         ids=["-".join(map(str, case)) for case in NETWORKS])
def test_a_3_4_2_network_matches_the_scalar_walk(hidden, bias, output, loss, reduction):
    layers = [Linear(3, 4), Activation(hidden), Linear(4, 2, bias=bias)]
    network = Network(layers + ([Activation(output)] if output else []))
    derivation = derive(network.loss(loss, reduction))
    _assert_matches_scalar_walk(derivation, _leaves(derivation))


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_dropout_with_a_given_mask_matches_the_scalar_walk(p):
    network = Network([Linear(3, 4), Activation("tanh"), Dropout(p), Linear(4, 2)])
    derivation = derive(network.loss("cross_entropy"))
    leaves = _leaves(derivation)
    _assert_matches_scalar_walk(derivation, leaves)
    a1, d1 = derivation.node("A1"), derivation.node("D1")
    values = evaluate(derivation, exact, leaves).values
    assert values[d1] == values[a1].multiply_elementwise(leaves[derivation.node("M1")]) / (1 - sp.Rational(p))


def test_nll_and_log_softmax_rules_apart_match_the_scalar_walk():
    """Asking for the log-probabilities' adjoint keeps nll and log_softmax as two steps."""
    network = Network([Linear(3, 4), Activation("relu"), Linear(4, 2), Activation("log_softmax")])
    loss = network.loss("nll")
    derivation = derive(loss, ["A2", "W1", "b1", "W2", "b2"])
    assert [s.rule for s in derivation.backward][:2] == ["nll", "log_softmax"]
    leaves = _leaves(derivation)
    matrix = evaluate(derivation, exact, leaves)
    assert list(matrix.gradient(derivation.node("A2"))) == [0, -sp.Rational(1, 2), -sp.Rational(1, 2), 0]
    derivation = derive(loss, ["W1", "b1", "W2", "b2"])
    assert derivation.backward[0].rule == "cross_entropy"
    fused = evaluate(derivation, exact, leaves)
    for name in ("W1", "b1", "W2", "b2"):
        assert sp.expand(matrix.gradient(derivation.node(name)) - fused.gradient(derivation.node(name))) \
            == sp.zeros(*matrix.gradient(derivation.node(name)).shape)


def test_a_weight_used_twice_gets_the_sum_of_both_shares():
    x, w = mg.data("X", 3), mg.parameter("W", 3, 3)
    z1 = mg.linear(x, w, name="Z1")
    z2 = mg.linear(mg.tanh(z1, name="A1"), w, mg.parameter("c", 3), name="Z2")
    derivation = derive(mg.mse(z2, mg.targets("Y", 3)))
    assert [(s.target.name, s.first) for s in derivation.backward if s.target.name == "W"] == \
        [("W", True), ("W", False)]
    _assert_matches_scalar_walk(derivation, _leaves(derivation))


def test_the_input_adjoint_is_delta_times_w():
    x, w = mg.data("X", 2), mg.parameter("W", 1, 2)
    derivation = derive(mg.mse(mg.linear(x, w, name="Z"), mg.targets("Y", 1), "sum"), ["X"])
    leaves = _leaves(derivation)
    _assert_matches_scalar_walk(derivation, leaves)
    dx = evaluate(derivation, exact, leaves).gradient(x)
    X, W, Y = leaves[x], leaves[w], leaves[derivation.node("Y")]
    assert dx == 2 * (X * W.T - Y) * W


@pytest.mark.parametrize("norm", mg.NORMS)
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_a_normalisation_matches_the_scalar_walk(norm, loss):
    """Batch norm (statistics of each column over the batch) and layer norm (of each row), with gamma
    and beta, between two linear layers: every gradient, and the input's adjoint, exactly."""
    x, w1, b1, w2 = mg.data("X", 2), mg.parameter("W1", 3, 2), mg.parameter("b1", 3), mg.parameter("W2", 2, 3)
    z1 = mg.linear(x, w1, b1, name="Z1")
    h = getattr(mg, norm)(z1, mg.parameter("gamma1", 3), mg.parameter("beta1", 3), name="H1")
    z2 = mg.linear(mg.tanh(h, name="A1"), w2, name="Z2")
    target = mg.classes("y", 2) if loss == "cross_entropy" else mg.targets("Y", 2)
    derivation = derive(getattr(mg, loss)(z2, target), ["X", "W1", "b1", "gamma1", "beta1", "W2"])
    _assert_matches_scalar_walk(derivation, _leaves(derivation))
