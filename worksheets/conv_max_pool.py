"""A 1-D convolution followed by max-pooling."""

import sympy as sp

from symgrad import Graph, conv1d, max_pool1d
from symgrad.worksheets.worksheet import DerivativeAt, Gradient, Worksheet

x = sp.symbols("x_1:6")
w = sp.symbols("w_1:4")
b, y1, y2 = sp.symbols("b y_1 y_2")

model = Graph()
z = conv1d(list(x), list(w), [b], graph=model)
m = max_pool1d(z, 2, stride=1, graph=model)
model.define("L", (m[0] - y1) ** 2 + (m[1] - y2) ** 2, latex=r"\mathcal{L}")

WORKSHEET = Worksheet(
    name="conv_max_pool",
    title="Convolution and max-pooling",
    notes=r"An input of width 5, a kernel of width 3 (a cross-correlation, as PyTorch's F.conv1d): "
          r"$z_t = b + \sum_k w_k x_{t+k-1}$ for $t = 1, 2, 3$; then max-pooling over windows of 2 with stride 1, "
          r"written $m_t = \max(z_t, z_{t+1}) = z_t + \operatorname{relu}(z_{t+1} - z_t)$, so only the larger "
          r"of the two passes the gradient on (at a tie, the first, as PyTorch). The loss is "
          r"$(m_1 - y_1)^2 + (m_2 - y_2)^2$.",
    model=model,
    point={x[0]: 1, x[1]: 2, x[2]: -1, x[3]: 0.5, x[4]: 3, w[0]: 0.5, w[1]: -1, w[2]: 0.25, b: 0.1,
           y1: 1, y2: 0},
    variants={w[0]: (-1, 1, 0.25), w[2]: (-1, 1, 0.25), x[4]: (1, 3, 1)},
    questions=[
        DerivativeAt(sp.Symbol("z_2")),
        DerivativeAt(w[0]),
        Gradient(list(w) + [b]),
    ],
)
