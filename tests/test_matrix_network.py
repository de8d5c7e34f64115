import numpy as np
import pytest

from symgrad import GraphError, ShapeError, SymgradError
from symgrad.matrix import Activation, Linear, Model, Network

S2 = Network([Linear(784, 128), Activation("relu"), Linear(128, 64), Activation("relu"), Linear(64, 10),
              Activation("log_softmax")])


def test_a_network_names_its_nodes_as_a_textbook():
    inputs, output, parameters = S2.graph()
    assert (inputs.name, inputs.shape) == ("X", ("N", 784))
    assert (output.name, output.op, output.shape) == ("A3", "log_softmax", ("N", 10))
    assert [(p.name, p.shape) for p in parameters] == [("W1", (128, 784)), ("b1", (128,)), ("W2", (64, 128)),
                                                       ("b2", (64,)), ("W3", (10, 64)), ("b3", (10,))]
    assert (S2.in_features, S2.out_features) == (784, 10)


def test_two_activations_in_a_row_get_distinct_names():
    network = Network([Linear(3, 2, bias=False), Activation("tanh"), Activation("softmax")])
    _, output, parameters = network.graph()
    assert (output.name, output.inputs[0].name) == ("A1_2", "A1")
    assert [p.name for p in parameters] == ["W1"]


@pytest.mark.parametrize("loss, target", [("nll", ("classes", "y", ("N",))), ("cross_entropy", ("classes", "y", ("N",))),
                                          ("mse", ("targets", "Y", ("N", 10))),
                                          ("bce_with_logits", ("targets", "Y", ("N", 10)))])
def test_the_loss_takes_the_right_targets(loss, target):
    node = S2.loss(loss, "sum")
    assert (node.op, node.option("reduction")) == (loss, "sum")
    assert (node.inputs[1].op, node.inputs[1].name, node.inputs[1].shape) == target


def test_initial_parameters_are_drawn_as_torch_draws_them():
    values = S2.initial_parameters(seed=1, dtype="float64")
    assert list(values) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for name, fan_in in [("W1", 784), ("b1", 784), ("W2", 128), ("W3", 64)]:
        bound = 1 / np.sqrt(fan_in)
        assert values[name].dtype == np.float64
        assert -bound <= values[name].min() < -0.9 * bound and 0.9 * bound < values[name].max() <= bound
    again = S2.initial_parameters(seed=1, dtype="float32")
    assert again["W1"].dtype == np.float32 and np.allclose(again["W1"], values["W1"], rtol=1e-6)
    assert not np.array_equal(S2.initial_parameters(seed=2)["W1"], again["W1"])


@pytest.mark.parametrize("weight", [np.ones((3, 2)), np.ones((2, 3)).T])
def test_a_model_holds_its_own_contiguous_arrays(weight):
    given = {"W1": weight, "b1": [0, 1, 2], "W2": np.ones((4, 3)).T.T, "b2": np.zeros(4)}
    model = Model(Network([Linear(2, 3), Activation("tanh"), Linear(3, 4)]), given)
    assert model.dtype == np.float64 and model.parameters["b1"].tolist() == [0.0, 1.0, 2.0]
    assert model.parameters["W1"].flags.f_contiguous  # W1^T row by row, for X W1^T
    assert all(model.parameters[name].flags.c_contiguous for name in ("b1", "W2", "b2"))
    assert not np.shares_memory(model.parameters["W1"], weight) and model.parameters["W1"].tolist() == weight.tolist()
    with pytest.raises(TypeError):
        model.parameters["W1"] = np.zeros((3, 2))


@pytest.mark.parametrize("build, error, message", [
    (lambda: Network([Activation("relu")]), GraphError, "at least one Linear"),
    (lambda: Network([Linear(2, 3), Linear(4, 1)]), ShapeError, "3 outputs is followed by one with 4 inputs"),
    (lambda: Network([Linear(2, 3), "relu"]), GraphError,
     "layers are Linear, Activation, Dropout, BatchNorm1d, LayerNorm, Conv2d, MaxPool2d, AvgPool2d, Flatten, "
     "Embedding and SelfAttention, "
     "got 'relu'"),
    (lambda: Activation("swiglu"), GraphError, "unknown activation 'swiglu'"),
    (lambda: S2.loss("hinge"), GraphError, "unknown loss 'hinge'"),
    (lambda: Model(Network([Linear(2, 3)]), {"W1": np.zeros((3, 2))}), SymgradError, r"missing \['b1'\], unknown \[\]"),
    (lambda: Model(Network([Linear(2, 3)]), {"W1": np.zeros((2, 3)), "b1": np.zeros(3)}), ShapeError,
     "W1 must be 3 x 2, got 2 x 3"),
    (lambda: Model(Network([Linear(2, 3)]), {"W1": np.zeros((3, 2)), "b1": np.zeros(3, np.float32)}), SymgradError,
     "mix the dtypes float32, float64"),
    (lambda: S2.initial_parameters(dtype="int8"), SymgradError, "float32 or float64, not 'int8'"),
])
def test_bad_networks_and_models(build, error, message):
    with pytest.raises(error, match=message):
        build()
