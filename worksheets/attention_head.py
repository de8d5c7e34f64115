"""One head of scaled dot-product attention over two tokens."""

import sympy as sp

from symgrad import Graph, attention
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Worksheet

q = [[sp.Symbol(f"q_{i}{j}") for j in (1, 2, 3, 4)] for i in (1, 2)]
k = [[sp.Symbol(f"k_{i}{j}") for j in (1, 2, 3, 4)] for i in (1, 2)]
v = [[sp.Symbol(f"v_{i}{j}") for j in (1, 2)] for i in (1, 2)]
t = sp.Symbol("t")

model = Graph()
o = attention(q, k, v, graph=model)
model.define("L", (o[0][0] - t) ** 2, latex=r"\mathcal{L}")

WORKSHEET = Worksheet(
    name="attention_head",
    title="One head of attention",
    notes=r"Two tokens with queries $q_i$ and keys $k_j$ in $\mathbb{R}^4$ and values $v_j$ in $\mathbb{R}^2$: "
          r"scores $s_{ij} = q_i \cdot k_j / \sqrt{4}$, weights $\alpha_{ij} = \operatorname{softmax}_j(s_{i1}, s_{i2})$, "
          r"outputs $o_i = \sum_j \alpha_{ij} v_j$, as PyTorch's F.scaled_dot_product_attention. "
          r"The loss is $(o_{11} - t)^2$. The gradient reaches the scores through the softmax's Jacobian "
          r"$\partial \alpha_{ij} / \partial s_{ik} = \alpha_{ij}([j = k] - \alpha_{ik})$.",
    model=model,
    point={q[0][0]: 1, q[0][1]: 0, q[0][2]: -1, q[0][3]: 0.5, q[1][0]: 0.5, q[1][1]: 1, q[1][2]: 0, q[1][3]: -0.5,
           k[0][0]: 1, k[0][1]: 1, k[0][2]: 0, k[0][3]: 0.5, k[1][0]: 0, k[1][1]: 1, k[1][2]: -1, k[1][3]: 1,
           v[0][0]: 1, v[0][1]: -1, v[1][0]: 2, v[1][1]: 0.5, t: 1},
    variants={q[0][0]: (0, 2, 0.5), v[1][0]: (1, 3, 1)},
    questions=[
        Derivative(sp.Symbol("s_11")),
        DerivativeAt(sp.Symbol("s_11")),
        DerivativeAt(q[0][0]),
        DerivativeAt(v[1][0]),
    ],
)
