"""Batch normalisation backward, as CS231n derives it: a batch of three, one feature."""

import sympy as sp

from symgrad import Graph, batch_norm
from symgrad.worksheets.worksheet import DerivativeAt, Gradient, Worksheet

x = [[sp.Symbol(f"x_{i}")] for i in range(1, 4)]
g = sp.symbols("g_1:4")
gamma, beta = sp.symbols("gamma beta")

model = Graph()
y = batch_norm(x, [gamma], [beta], graph=model)
model.define("L", sp.Add(*[y[i][0] * g[i] for i in range(3)]), latex=r"\mathcal{L}")

WORKSHEET = Worksheet(
    name="batch_norm_backward",
    title="Batch normalisation backward",
    notes=r"A batch of three values of one feature, normalised in training mode as PyTorch does: "
          r"$\mu = \frac13 \sum_i x_i$, $\sigma = \sqrt{\frac13 \sum_i (x_i - \mu)^2 + \epsilon}$ "
          r"(the biased variance, $\epsilon = 10^{-5}$), $\hat x_i = (x_i - \mu)/\sigma$, "
          r"$y_i = \gamma \hat x_i + \beta$. The upstream gradient is $g_i = \partial \mathcal{L}/\partial y_i$, "
          r"so $\mathcal{L} = \sum_i g_i y_i$. The chain rule gives the input gradient in the textbook form "
          r"$\frac{\gamma}{N\sigma}\bigl(N g_1 - \sum_i g_i - \hat x_1 \sum_i g_i \hat x_i\bigr)$.",
    model=model,
    point={x[0][0]: 1, x[1][0]: 2, x[2][0]: 4, gamma: 2, beta: 0.5, g[0]: 0.5, g[1]: -1, g[2]: 0.25},
    variants={x[0][0]: (0, 2, 1), x[2][0]: (3, 5, 1), gamma: (1, 3, 0.5)},
    questions=[
        DerivativeAt(x[0][0]),
        Gradient([gamma, beta]),
    ],
)
