"""S0: one weight, stochastic gradient descent by hand."""

import sympy as sp

from symgrad import Graph
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, GradientStep, Training, Worksheet

w, x, y = sp.symbols("w x y")

model = Graph()
yhat = model.define("yhat", w * x)
model.define("L", (yhat - y) ** 2)

WORKSHEET = Worksheet(
    name="s0_sgd_by_hand",
    title="One weight, stochastic gradient descent by hand",
    notes=r"The model is $\hat y = w x$ and the loss of one sample is $(\hat y - y)^2$. "
          r"The data are $x = 1, 2, 3$ with $y = 2, 4, 6$; we start from $w = 1$.",
    model=model,
    point={w: 1.0, x: 1, y: 2},
    variants={w: (0.5, 1.5, 0.5), x: (1, 3, 1), y: (2, 6, 2), "learning_rate": (0.01, 0.05, 0.01)},
    questions=[
        Derivative(w),
        DerivativeAt(w),
        GradientStep([w], learning_rate=0.01),
    ],
    training=Training(parameters={w: 1.0}, data={x: [1, 2, 3], y: [2, 4, 6]},
                      optimizer="SGD", options={"lr": 0.01}, batch_size=1, epochs=100),
)
