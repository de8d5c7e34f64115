"""Softmax with cross-entropy for three classes."""

import sympy as sp

from symgrad import Graph, cross_entropy
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Gradient, Worksheet

x = sp.Symbol("x")
w = sp.symbols("w1:4")
b = sp.symbols("b1:4")

model = Graph()
z = [model.define(f"z{k + 1}", w[k] * x + b[k]) for k in range(3)]
model.define("L", cross_entropy(z, 1))

WORKSHEET = Worksheet(
    name="softmax_cross_entropy",
    title="Softmax and cross-entropy for three classes",
    notes=r"Three class scores $z_k = w_k x + b_k$; the true class is the second. "
          r"The loss is $-\log \operatorname{softmax}_2(z)$, whose gradient with respect to the "
          r"scores is $\operatorname{softmax}(z) - \text{onehot}(y)$.",
    model=model,
    point={x: 2, w[0]: 0.5, w[1]: -0.25, w[2]: 1, b[0]: 0, b[1]: 0.5, b[2]: -1},
    variants={x: (1, 3, 1), w[0]: (-1, 1, 0.25), w[1]: (-1, 1, 0.25), w[2]: (-1, 1, 0.25)},
    questions=[
        Derivative(z[0]),
        DerivativeAt(z[1]),
        Gradient(z),
        Gradient(list(w)),
    ],
)
