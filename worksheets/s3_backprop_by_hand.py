"""S3: backpropagation by hand through a network with two inputs, two hidden units and one output."""

import sympy as sp

from symgrad import Graph
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Gradient, GradientStep, Training, Worksheet

w1, w2, w3, w4, w5, w6, x1, x2, y = sp.symbols("w1:7 x1 x2 y")

model = Graph()
h1 = model.define("h1", w1 * x1 + w3 * x2)
h2 = model.define("h2", w2 * x1 + w4 * x2)
ystar = model.define("ystar", w5 * h1 + w6 * h2, latex="y^*")
model.define("L", (y - ystar) ** 2)

WORKSHEET = Worksheet(
    name="s3_backprop_by_hand",
    title="Backpropagation by hand",
    notes=r"Two inputs, two hidden linear units, one output, no biases and no activation: "
          r"$y^* = w_5 (w_1 x_1 + w_3 x_2) + w_6 (w_2 x_1 + w_4 x_2)$, loss $(y - y^*)^2$.",
    model=model,
    diagram=True,
    point={w1: 1.0, w2: 0.5, w3: 0.5, w4: 0.7, w5: 1.0, w6: 2.0, x1: 0.5, x2: 1.0, y: 0.8},
    variants={w1: (0.5, 1.5, 0.1), w5: (0.5, 1.5, 0.1), x1: (0.5, 1, 0.1), x2: (0.5, 1, 0.1), y: (0.5, 1, 0.1),
              "learning_rate": (0.01, 0.05, 0.01)},
    questions=[
        DerivativeAt(ystar),
        Derivative(w5),
        DerivativeAt(w5),
        DerivativeAt(w1),
        Gradient([w1, w2, w3, w4, w5, w6]),
        GradientStep([w5, w1], learning_rate=0.01),
    ],
    training=Training(parameters={w1: 1.0, w2: 0.5, w3: 0.5, w4: 0.7, w5: 1.0, w6: 2.0},
                      data={x1: [0.5], x2: [1.0], y: [0.8]},
                      optimizer="SGD", options={"lr": 0.01}, batch_size=1, epochs=5, mode="exact"),
    surface=(w1, w5),
)
