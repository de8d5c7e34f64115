"""S4: linear regression by batch gradient descent, as in the NumPy tutorial."""

import sympy as sp

from symgrad.answers import matrix_symbols
from symgrad.worksheets.worksheet import Derivative, Gradient, GradientStep, MatrixGradient, Training, Worksheet

t0, t1, x, y = sp.symbols("theta0 theta1 x y")
X, Y = [[1, 2], [1, 3], [1, 4], [1, 5]], [3, 4, 5, 6]
m = len(Y)
M = matrix_symbols({"X": ("n", "d"), "w": ("d",), "y": ("n",)})
residual = M["X"] * M["w"] - M["y"]

WORKSHEET = Worksheet(
    name="s4_linear_regression",
    title="Linear regression by batch gradient descent",
    notes=r"The cost is $J(\theta) = \frac{1}{2m}\sum_i (\theta_0 + \theta_1 x_i - y_i)^2$ over the "
          r"$m = 4$ samples $x = 2, 3, 4, 5$, $y = 3, 4, 5, 6$; its gradient is $X^T(X\theta - y)/m$.",
    model=sp.Rational(1, 2 * m) * sp.Add(*[(r[0] * t0 + r[1] * t1 - yi) ** 2 for r, yi in zip(X, Y)],
                                         evaluate=False),
    point={t0: 0, t1: 0},
    variants={t0: (0, 1, 0.25), t1: (0, 1, 0.25), "learning_rate": (0.01, 0.05, 0.01)},
    questions=[
        Derivative(t0),
        Derivative(t1),
        Gradient([t0, t1]),
        GradientStep([t0, t1], learning_rate=0.01),
        MatrixGradient(residual.T * residual, M["w"]),  # least squares in matrix notation: 2X^T(Xw - y)
    ],
    training=Training(loss=(t0 + t1 * x - y) ** 2 / 2, parameters={t0: 0, t1: 0},
                      data={x: [r[1] for r in X], y: Y},
                      optimizer="SGD", options={"lr": 0.01}, batch_size=None, epochs=1000),
)
