"""S0, second half: the same fit as PyTorch's nn.Linear(1, 1) with MSELoss, full batch."""

import sympy as sp

from symgrad import Graph, mse
from symgrad.worksheets.worksheet import Derivative, Gradient, GradientStep, Prediction, Training, Worksheet

w, b, x, y = sp.symbols("w b x y")

model = Graph()
yhat = model.define("yhat", w * x + b)
model.define("L", mse(yhat, y))

WORKSHEET = Worksheet(
    name="s0_linear_in_pytorch",
    title="A linear model with a bias: what nn.Linear(1, 1) and MSELoss compute",
    notes=r"PyTorch's nn.Linear(1, 1) computes $\hat y = w x + b$; MSELoss averages "
          r"$(\hat y - y)^2$ over the batch. We fix the initial weight and bias so the run is reproducible.",
    model=model,
    point={w: 0.5, b: -0.25, x: 2, y: 4},
    variants={w: (0, 1, 0.25), b: (-0.5, 0.5, 0.25), x: (1, 3, 1), y: (2, 6, 2), "learning_rate": (0.01, 0.05, 0.01)},
    questions=[
        Derivative(w),
        Derivative(b),
        Gradient([w, b]),
        GradientStep([w, b], learning_rate=0.01),
    ],
    training=Training(parameters={w: 0.5, b: -0.25}, data={x: [1, 2, 3], y: [2, 4, 6]},
                      optimizer="SGD", options={"lr": 0.01}, batch_size=None, epochs=1000),
    predictions=[Prediction(yhat, at={x: 5})],
)
