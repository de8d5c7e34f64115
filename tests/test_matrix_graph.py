import pytest

from symgrad import GraphError, ShapeError
from symgrad.matrix import graph as mg

X = mg.data("X", 3)
W = mg.parameter("W", 4, 3)
b = mg.parameter("b", 4)


@pytest.mark.parametrize("node, op, shape", [
    (X, "data", ("N", 3)),
    (W, "parameter", (4, 3)),
    (b, "parameter", (4,)),
    (mg.linear(X, W, b, name="Z"), "linear", ("N", 4)),
    (mg.linear(X, W, name="Z"), "linear", ("N", 4)),
    (mg.softmax(mg.linear(X, W, name="Z"), name="S"), "softmax", ("N", 4)),
    (mg.nll(mg.log_softmax(mg.linear(X, W, name="Z"), name="A"), mg.classes("y", 4)), "nll", ()),
    (mg.bce_with_logits(mg.linear(X, W, name="Z"), mg.targets("Y", 4), "sum"), "bce_with_logits", ()),
])
def test_nodes_know_their_shapes(node, op, shape):
    assert (node.op, node.shape) == (op, shape)


def test_a_linear_node_holds_its_inputs_and_a_loss_its_reduction():
    z = mg.linear(X, W, b, name="Z1")
    assert z.inputs == (X, W, b) and repr(z) == "Node(Z1: linear, N x 4)"
    loss = mg.mse(z, mg.targets("Y", 4), "sum")
    assert loss.option("reduction") == "sum" and repr(loss) == "Node(L: mse, scalar)"
    assert mg.classes("y", 10).option("classes") == 10


def test_nodes_are_distinct_even_when_alike():
    assert mg.data("X", 3) != mg.data("X", 3)


@pytest.mark.parametrize("build, error, message", [
    (lambda: mg.linear(X, mg.parameter("V", 4, 2), name="Z"), ShapeError, "must be out x 3 for the input X, got 4 x 2"),
    (lambda: mg.linear(X, W, mg.parameter("c", 3), name="Z"), ShapeError, "must have 4 entries, got the shape 3"),
    (lambda: mg.linear(W, W, name="Z"), ShapeError, r"batch of rows \(N x k\), got W of shape 4 x 3"),
    (lambda: mg.linear(X, "W", name="Z"), GraphError, "weight must be a matrix node, got str"),
    (lambda: mg.relu(X, name=""), GraphError, "non-empty string"),
    (lambda: mg.data("X", 0), ShapeError, "positive integer, got 0"),
    (lambda: mg.parameter("T", 2, 2, 2), ShapeError, "vector or a matrix"),
    (lambda: mg.nll(X, mg.classes("y", 4)), ShapeError, "y has 4 classes but X has 3 columns"),
    (lambda: mg.nll(X, mg.targets("Y", 3)), GraphError, "must be a classes node, got Y"),
    (lambda: mg.mse(X, mg.classes("y", 3)), GraphError, "must be a targets node"),
    (lambda: mg.mse(X, mg.targets("Y", 2)), ShapeError, "Y has 2 columns but X has 3"),
    (lambda: mg.mse(X, mg.targets("Y", 3), "max"), GraphError, "reduction must be one of mean, sum, got 'max'"),
])
def test_bad_graphs(build, error, message):
    with pytest.raises(error, match=message):
        build()
