"""Huber vs MSE: one gradient step of a linear model on two samples, one of them an outlier."""

import sympy as sp

from symgrad import Graph, huber, mse
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, GradientStep, Worksheet

w, b, x1, y1, x2, y2 = sp.symbols("w b x1 y1 x2 y2")

model = Graph()
yhat1 = model.define("yhat1", w * x1 + b, latex=r"\hat y_1")
yhat2 = model.define("yhat2", w * x2 + b, latex=r"\hat y_2")
model.define("M", mse([yhat1, yhat2], [y1, y2]), latex=r"L_{\mathrm{MSE}}")
model.define("H", huber([yhat1, yhat2], [y1, y2]), latex=r"L_{\mathrm{Huber}}")

WORKSHEET = Worksheet(
    name="huber_vs_mse",
    title="Huber vs MSE: how far an outlier pulls a gradient step",
    notes=r"A linear model $\hat y = w x + b$ and two samples: $(x_1, y_1)$ fits well, $(x_2, y_2)$ is an "
          r"outlier. $L_{\mathrm{MSE}} = \frac12 \sum_n (\hat y_n - y_n)^2$ and "
          r"$L_{\mathrm{Huber}} = \frac12 \sum_n \operatorname{huber}(\hat y_n - y_n)$, as torch's "
          r"nn.MSELoss and nn.HuberLoss ($\delta = 1$, mean over the samples): "
          r"$\operatorname{huber}(r) = r^2/2$ where $|r| < 1$ and $|r| - 1/2$ where $|r| \geq 1$ "
          r"(torch's linear branch at $|r| = 1$). Its derivative is $\operatorname{hardtanh}(r)$, $r$ clipped to $[-1, 1]$: a "
          r"residual beyond $\delta$ pulls with strength $\delta$, however large it is, where the squared "
          r"error's pull $2r$ grows with it.",
    model=model,
    point={w: 1, b: 0, x1: 1, y1: 1.5, x2: 2, y2: 6},
    variants={w: (0.5, 1.5, 0.5), y2: (5, 8, 1), "learning_rate": (0.05, 0.2, 0.05)},
    questions=[
        Derivative(yhat2, of="H"),
        DerivativeAt(yhat2, of="M"),
        DerivativeAt(yhat2, of="H"),
        DerivativeAt(w, of="M"),
        DerivativeAt(w, of="H"),
        GradientStep([w, b], learning_rate=0.1, of="M"),
        GradientStep([w, b], learning_rate=0.1, of="H"),
    ],
)
