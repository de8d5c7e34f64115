"""S2: a two-layer network with a sigmoid hidden layer and cross-entropy over three classes, derived
in scalar mode; and S2's MNIST network, 784-128-64-10, trained in matrix mode."""

import sympy as sp

from symgrad import Graph, cross_entropy, linear, sigmoid
from symgrad.matrix import Activation, Linear, Network
from symgrad.matrix.training import MatrixTraining
from symgrad.worksheets.worksheet import DerivativeAt, Gradient, Worksheet

x1, x2 = sp.symbols("x1 x2")

model = Graph()
layer1 = linear([x1, x2], out_features=2, weight_name="u", bias_name="c")
z = [model.define(f"z{i + 1}", out) for i, out in enumerate(layer1)]
h = [model.define(f"h{i + 1}", sigmoid(zi)) for i, zi in enumerate(z)]
layer2 = linear(h, out_features=3, weight_name="v", bias_name="d")
s = [model.define(f"s{k + 1}", out) for k, out in enumerate(layer2)]
model.define("L", cross_entropy(s, 0))

point = {x1: 1, x2: -1}
point.update({p: v for p, v in zip(layer1.parameters, [0.5, -0.5, 0.25, 0.75, 0, 0])})
point.update({p: v for p, v in zip(layer2.parameters, [1, -1, 0.5, 0.5, -1, 1, 0, 0, 0])})

# S2's MNIST network, trained in matrix mode: Linear(784,128) -> ReLU -> Linear(128,64) -> ReLU ->
# Linear(64,10) -> LogSoftmax, NLLLoss, SGD(lr=0.003), batch 64, 5 epochs, on the digits demo
# (scikit-learn's 8x8 digits scaled to 28x28); data="path/to/mnist" reads MNIST's IDX files instead.
MNIST_NETWORK = Network([Linear(784, 128), Activation("relu"), Linear(128, 64), Activation("relu"),
                         Linear(64, 10), Activation("log_softmax")])

WORKSHEET = Worksheet(
    name="s2_two_layer_network",
    title="A two-layer network: sigmoid hidden layer, cross-entropy over three classes",
    notes=r"Forward: $x \to$ linear $(u, c) \to \sigma \to$ linear $(v, d) \to$ class scores $s$. "
          r"PyTorch's CrossEntropyLoss is LogSoftmax followed by NLLLoss; "
          r"the true class here is the first one.",
    model=model,
    point=point,
    variants={x1: (-1, 1, 0.5), x2: (-1, 1, 0.5)},
    training=MatrixTraining(MNIST_NETWORK, loss="nll", data="digits", optimizer="SGD", options={"lr": 0.003},
                            epochs=5, batch_size=64, shuffle=True, seed=0),
    questions=[
        DerivativeAt(s[0]),
        DerivativeAt(s[1]),
        DerivativeAt(layer2.weight[0, 0]),
        DerivativeAt(layer1.weight[0, 0]),
        Gradient(list(layer1.parameters)),
    ],
)
