"""S1: batch gradient descent on the mean cost, against stochastic and mini-batch descent."""

import sympy as sp

from symgrad import mse
from symgrad.worksheets.worksheet import (Derivative, DerivativeAt, GradientStep, Prediction, Training,
                                          Worksheet)

w, x, y = sp.symbols("w x y")
xs, ys = [1, 2, 3], [2, 4, 6]

WORKSHEET = Worksheet(
    name="s1_batch_gradient_descent",
    title="Batch gradient descent on the mean cost",
    notes=r"The cost is the mean of the squared errors over all three samples, "
          r"$J(w) = \frac{1}{N}\sum_n (x_n w - y_n)^2$, and each step uses its gradient.",
    model=mse([xi * w for xi in xs], ys),
    point={w: 1.0},
    variants={w: (0, 2, 0.5), "learning_rate": (0.05, 0.1, 0.05)},
    questions=[
        Derivative(w),
        DerivativeAt(w),
        GradientStep([w], learning_rate=0.1),
        GradientStep([w], learning_rate=0.1, steps=3),
    ],
    training=Training(loss=(x * w - y) ** 2, parameters={w: 1.0}, data={x: xs, y: ys},
                      optimizer="SGD", options={"lr": 0.1}, batch_size=None, epochs=100),
    predictions=[Prediction(w * x, at={x: 4})],
)
