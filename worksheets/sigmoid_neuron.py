"""A sigmoid neuron with binary cross-entropy, backpropagated by the chain rule."""

import sympy as sp

from symgrad import Graph, bce, sigmoid
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Gradient, GradientStep, Worksheet

w, b, x, y = sp.symbols("w b x y")

model = Graph()
z = model.define("z", w * x + b)
p = model.define("p", sigmoid(z))
model.define("L", bce(p, y))

WORKSHEET = Worksheet(
    name="sigmoid_neuron",
    title="A sigmoid neuron with binary cross-entropy",
    notes=r"$z = w x + b$, $p = \sigma(z)$, $L = -[y \log p + (1 - y)\log(1 - p)]$. "
          r"At $z = 0$, $\sigma'(z) = \sigma(z)(1 - \sigma(z)) = 1/4$.",
    model=model,
    diagram=True,
    point={w: 0.5, b: -1, x: 2, y: 1},
    variants={w: (-1, 1, 0.5), b: (-1, 1, 0.5), x: (1, 3, 1), y: (0, 1, 1), "learning_rate": (0.1, 0.5, 0.1)},
    questions=[
        DerivativeAt(z, of=p),
        Derivative(z),
        DerivativeAt(z),
        DerivativeAt(w),
        Gradient([w, b]),
        GradientStep([w, b], learning_rate=0.1),
    ],
)
