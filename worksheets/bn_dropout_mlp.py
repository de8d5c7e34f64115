"""An MLP with batch normalisation and dropout: by hand, a batch of three values of one feature through
batch norm (training mode), ReLU, dropout with a given mask and a linear output, with a squared error;
and the MLP Linear(784,32) -> BatchNorm1d -> ReLU -> Dropout(0.2) -> Linear(32,10) trained in matrix
mode, derived layer by layer with shapes and repeated step by step against PyTorch."""

import sympy as sp

from symgrad import Graph, batch_norm, dropout, relu
from symgrad.matrix import Activation, BatchNorm1d, Dropout, Linear, Network
from symgrad.matrix.training import MatrixTraining
from symgrad.worksheets.worksheet import DerivativeAt, Gradient, Worksheet

x = [[sp.Symbol(f"x_{i}")] for i in range(1, 4)]
t = sp.symbols("t_1:4")
gamma, beta, v, c = sp.symbols("gamma beta v c")
MASK = [[1], [1], [0]]  # the dropout's mask for this batch: the third sample's unit is dropped

model = Graph()
h = batch_norm(x, [gamma], [beta], graph=model, name="h")
a = [[model.define(f"a_{i + 1}", relu(row[0]))] for i, row in enumerate(h)]
d = dropout(a, MASK, sp.Rational(1, 5), graph=model, name="d")
s = [model.define(f"s_{i + 1}", v * row[0] + c) for i, row in enumerate(d)]
model.define("L", sp.Add(*[(s[i] - t[i]) ** 2 for i in range(3)]) / 3, latex=r"\mathcal{L}")

# The MLP trained in matrix mode: Linear(784,32,bias=False) -> BatchNorm1d(32) -> ReLU -> Dropout(0.2) ->
# Linear(32,10), CrossEntropyLoss, SGD(lr=0.1, momentum=0.9), batch 64, 2 epochs in DataLoader's order, on
# the digits demo (scikit-learn's 8x8 digits scaled to 28x28); the dropout's masks are those torch draws
# after torch.manual_seed(seed).
MLP = Network([Linear(784, 32, bias=False), BatchNorm1d(32), Activation("relu"), Dropout(0.2), Linear(32, 10)])

WORKSHEET = Worksheet(
    name="bn_dropout_mlp",
    title="An MLP with batch normalisation and dropout",
    notes=r"A batch of three values $x_i$ of one feature goes through batch normalisation in training mode "
          r"(the batch's mean $\mu$ and biased variance, $\sigma = \sqrt{\operatorname{var} + \epsilon}$, "
          r"$\epsilon = 10^{-5}$, $h_i = \gamma (x_i - \mu)/\sigma + \beta$), a ReLU $a_i = \operatorname{relu}(h_i)$, "
          r"dropout with $p = 0.2$ and the mask $m = (1, 1, 0)$ ($d_i = a_i m_i / (1 - p)$, as PyTorch in "
          r"training mode), and a linear output $s_i = v d_i + c$; the loss is the mean squared error "
          r"$\frac13 \sum_i (s_i - t_i)^2$. At this point the first sample's ReLU is off and the third "
          r"sample is dropped, yet $x_1$ still moves the loss: through $\mu$ and $\sigma$, which every sample "
          r"of the batch shares.",
    model=model,
    point={x[0][0]: 1, x[1][0]: 2, x[2][0]: 4, gamma: 2, beta: 1, v: sp.Rational(1, 2), c: 0, t[0]: 0, t[1]: 1,
           t[2]: 2},
    variants={x[0][0]: (0, 2, 1), x[2][0]: (3, 5, 1), v: (0.5, 1.5, 0.5)},
    training=MatrixTraining(MLP, loss="cross_entropy", data="digits", optimizer="SGD",
                            options={"lr": 0.1, "momentum": 0.9}, epochs=2, batch_size=64, shuffle="torch", seed=0),
    questions=[
        DerivativeAt(x[0][0]),
        DerivativeAt(x[1][0]),
        Gradient([gamma, beta]),
        Gradient([v, c]),
    ],
)
