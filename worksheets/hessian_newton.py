"""A Hessian and Newton's step: a logistic-regression neuron with an L2 penalty, two parameters."""

import sympy as sp

from symgrad import Graph, bce_with_logits
from symgrad.worksheets.worksheet import Gradient, Hessian, NewtonStep, Worksheet

w, b, x, y = sp.symbols("w b x y")

model = Graph()
z = model.define("z", w * x + b)
r = model.define("r", (w ** 2 + b ** 2) / 4)  # the penalty
model.define("L", bce_with_logits(z, y) + r)

WORKSHEET = Worksheet(
    name="hessian_newton",
    title="The Hessian and Newton's step",
    notes=r"$z = w x + b$, $r = \frac{1}{4}(w^2 + b^2)$, $L = \operatorname{softplus}(z) - y z + r$: "
          r"binary cross-entropy on the logit $z$ (as torch's BCEWithLogitsLoss) with an L2 penalty. Newton's step "
          r"$\theta \leftarrow \theta - H^{-1} \nabla_\theta L$ uses the curvature $H$ as well as the slope; "
          r"one sample alone gives a Hessian of rank 1, $\sigma'(z) (x, 1)^\top (x, 1)$, and the penalty "
          r"adds $\frac{1}{2} I$, which makes it invertible.",
    model=model,
    point={w: 0.5, b: -1, x: 2, y: 1},
    questions=[
        Gradient([w, b]),
        Hessian([w, b], at_point=False),
        Hessian([w, b]),
        NewtonStep([w, b]),
    ],
)
