"""LeNet on the digits: a 2-D convolution, ReLU and max pooling by hand on a 3 x 3 image, and the
course's LeNet (two convolutions, two max poolings, three linear layers) derived layer by layer in
matrix mode and trained on the 8x8 digits scaled to 28x28, against PyTorch."""

import sympy as sp

from symgrad import Graph, conv2d, max_pool2d, relu
from symgrad.matrix import Activation, Conv2d, Flatten, Linear, MaxPool2d, Network
from symgrad.matrix.training import MatrixTraining
from symgrad.worksheets.worksheet import DerivativeAt, Gradient, Worksheet

x = [[sp.Symbol(f"x_{i}{j}") for j in range(1, 4)] for i in range(1, 4)]
w = [[sp.Symbol(f"w_{i}{j}") for j in range(1, 3)] for i in range(1, 3)]
b, y = sp.symbols("b y")

model = Graph()
z = conv2d(x, w, [b], graph=model)  # a 2 x 2 map: z_ij = b + sum_kl w_kl x_{i+k-1, j+l-1}
a = [[model.define(f"a_{i + 1}{j + 1}", relu(zij)) for j, zij in enumerate(row)] for i, row in enumerate(z)]
m = max_pool2d(a, 2, graph=model)  # the 2 x 2 window's maximum
model.define("L", (m[0][0] - y) ** 2, latex=r"\mathcal{L}")

# The LeNet of the course: Conv2d(1,6,5) -> ReLU -> MaxPool2d(2) -> Conv2d(6,16,5) -> ReLU -> MaxPool2d(2)
# -> Flatten -> Linear(256,120) -> ReLU -> Linear(120,84) -> ReLU -> Linear(84,10), cross-entropy, SGD with
# momentum, batch 64, in DataLoader's order.
LENET = Network([Conv2d(1, 6, 5), Activation("relu"), MaxPool2d(2), Conv2d(6, 16, 5), Activation("relu"),
                 MaxPool2d(2), Flatten(), Linear(256, 120), Activation("relu"), Linear(120, 84), Activation("relu"),
                 Linear(84, 10)], input_shape=(1, 28, 28))

WORKSHEET = Worksheet(
    name="lenet_digits",
    title="LeNet: convolution, ReLU and max pooling, by hand and on the digits",
    notes=r"By hand: a $3 \times 3$ image $x$, a $2 \times 2$ kernel $w$ and a bias $b$ give the "
          r"$2 \times 2$ map $z_{ij} = b + \sum_{k,l} w_{kl}\, x_{i+k-1,\, j+l-1}$ (a cross-correlation, as "
          r"PyTorch's F.conv2d), then $a = \operatorname{relu}(z)$ and one $2 \times 2$ max pooling $m$ "
          r"(the gradient goes to the first maximum, as PyTorch); the loss is $(m - y)^2$. Then the course's "
          r"LeNet, derived with matrices: each convolution's input adjoint is the transposed convolution "
          r"(the adjoint correlated with the kernel turned by 180 degrees) and its kernel's gradient a "
          r"correlation of the input with the adjoint.",
    model=model,
    point={**{x[i][j]: v for i, row in enumerate([[1, 0, 2], [-1, 1, 0], [0.5, 2, -1]]) for j, v in enumerate(row)},
           **{w[i][j]: v for i, row in enumerate([[0.5, -1], [0.25, 1]]) for j, v in enumerate(row)},
           b: 0.1, y: 1},
    variants={w[0][0]: (-1, 1, 0.25), w[1][1]: (0.5, 1.5, 0.25), x[1][1]: (0, 2, 1)},
    training=MatrixTraining(LENET, loss="cross_entropy", data="digits", optimizer="SGD",
                            options={"lr": 0.05, "momentum": 0.9}, epochs=2, batch_size=64, shuffle="torch", seed=0),
    questions=[
        DerivativeAt(sp.Symbol("a_12")),
        DerivativeAt(w[0][0]),
        Gradient([w[0][0], w[0][1], w[1][0], w[1][1], b]),
    ],
)
