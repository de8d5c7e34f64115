import pytest

from symgrad import GraphError, NoDerivativeRuleError, UnknownVariableError
from symgrad.matrix import Activation, Linear, Network, derive
from symgrad.matrix import graph as mg

S2 = Network([Linear(784, 128), Activation("relu"), Linear(128, 64), Activation("relu"), Linear(64, 10),
              Activation("log_softmax")])


def _steps(derivation):
    return [(s.target.name, s.consumer.name, s.rule, s.role, tuple(o.name for o in s.operands),
             tuple(t.name for t in s.through)) for s in derivation.backward]


def test_s2s_backward_walk_layer_by_layer():
    derivation = derive(S2.loss("nll"))
    assert [n.name for n in derivation.forward] == ["Z1", "A1", "Z2", "A2", "Z3", "A3", "L"]
    assert [n.name for n in derivation.wrt] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [n.name for n in derivation.leaves] == ["X", "W1", "b1", "W2", "b2", "W3", "b3", "y"]
    assert _steps(derivation) == [
        ("Z3", "L", "cross_entropy", "Z", ("Z3", "y", "A3"), ("A3",)),  # softmax(Z3) - onehot(y), over N
        ("A2", "Z3", "linear", "A", ("A2", "W3", "b3"), ()),        # delta_3 W3
        ("W3", "Z3", "linear", "W", ("A2", "W3", "b3"), ()),        # delta_3^T A2
        ("b3", "Z3", "linear", "b", ("A2", "W3", "b3"), ()),
        ("Z2", "A2", "relu", "Z", ("Z2",), ()),                      # delta * 1[Z2 > 0]
        ("A1", "Z2", "linear", "A", ("A1", "W2", "b2"), ()),
        ("W2", "Z2", "linear", "W", ("A1", "W2", "b2"), ()),
        ("b2", "Z2", "linear", "b", ("A1", "W2", "b2"), ()),
        ("Z1", "A1", "relu", "Z", ("Z1",), ()),
        ("W1", "Z1", "linear", "W", ("X", "W1", "b1"), ()),         # no adjoint of the data X
        ("b1", "Z1", "linear", "b", ("X", "W1", "b1"), ()),
    ]
    assert all(s.first for s in derivation.backward)


def test_only_what_reaches_the_variables_is_walked():
    derivation = derive(S2.loss("nll"), ["W3"])
    assert [s.target.name for s in derivation.backward] == ["Z3", "W3"]
    assert derivation.node("Z2").op == "linear"


def test_cross_entropy_on_logits_is_one_step():
    network = Network([Linear(3, 2)])
    assert _steps(derive(network.loss("cross_entropy"), ["W1"])) == [
        ("Z1", "L", "cross_entropy", "Z", ("Z1", "y"), ()), ("W1", "Z1", "linear", "W", ("X", "W1", "b1"), ())]


@pytest.mark.parametrize("loss, wrt, error, message", [
    (mg.data("X", 3), None, GraphError, "starts from a loss node"),
    (None, ["V"], UnknownVariableError, "unknown variable 'V': the loss L has X, W1, b1, y, Z1"),
    (None, ["y"], GraphError, "y holds class indices"),
])
def test_bad_derivations(loss, wrt, error, message):
    loss = Network([Linear(3, 2)]).loss("nll") if loss is None else loss
    with pytest.raises(error, match=message):
        derive(loss, wrt)


def test_targets_have_no_rule():
    with pytest.raises(NoDerivativeRuleError, match="Y is a target: matrix mode has no rule for dL/dY"):
        derive(Network([Linear(3, 2)]).loss("mse"), ["Y"])


def test_two_nodes_with_one_name_are_refused():
    x = mg.data("X", 2)
    z = mg.linear(mg.relu(mg.linear(x, mg.parameter("W", 2, 2), name="Z"), name="A"), mg.parameter("V", 2, 2),
                  name="Z")
    with pytest.raises(GraphError, match="two different nodes are named 'Z'"):
        derive(mg.mse(z, mg.targets("Y", 2)))


def test_a_step_binds_its_templates_names_to_nodes_with_shapes():
    derivation = derive(S2.loss("nll"))
    weight = derivation.backward[2]
    assert {k: (v.name, v.shape) for k, v in weight.bindings.items()} == {
        "A": ("A2", ("N", 64)), "W": ("W3", (10, 64)), "b": ("b3", (10,)), "delta": ("Z3", ("N", 10)),
        "out": ("Z3", ("N", 10))}
    assert {k: v.name for k, v in derivation.backward[0].bindings.items()} == {"Z": "Z3", "y": "y", "delta": "L",
                                                                              "out": "L"}
