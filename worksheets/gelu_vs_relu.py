"""GELU against ReLU: one neuron, the same point, where ReLU is off and GELU still passes a gradient."""

import sympy as sp

from symgrad import Graph, gelu, relu
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, GradientStep, Worksheet

w, b, x, y = sp.symbols("w b x y")

model = Graph()
z = model.define("z", w * x + b)
g = model.define("g", gelu(z))
r = model.define("r", relu(z))
loss_gelu = model.define("L_G", (g - y) ** 2 / 2, latex=r"L_{\mathrm{G}}")
model.define("L_R", (r - y) ** 2 / 2, latex=r"L_{\mathrm{R}}")

WORKSHEET = Worksheet(
    name="gelu_vs_relu",
    title="GELU against ReLU",
    notes=r"One neuron $z = w x + b$ with two activations: $g = \operatorname{gelu}(z) = z\,\Phi(z)$ "
          r"($\Phi$ the standard normal distribution function, as torch's nn.GELU) and "
          r"$r = \operatorname{relu}(z)$, each with the loss $\frac12(a - y)^2$. "
          r"$\operatorname{gelu}'(z) = \Phi(z) + z\,\varphi(z)$ with $\varphi(z) = e^{-z^2/2}/\sqrt{2\pi}$, "
          r"while $\operatorname{relu}'(z) = [z > 0]$: at the point below $z < 0$, so ReLU passes no gradient "
          r"back and its gradient step leaves $w$ and $b$ where they are, while GELU's moves them.",
    model=model,
    point={w: 0.5, b: -1, x: 1, y: 1},
    variants={w: (-1, 0.25, 0.25), b: (-1.5, -1, 0.5), x: (1, 2, 1), y: (1, 2, 1),  # z <= -1/2 in each
              "learning_rate": (0.1, 0.5, 0.1)},
    questions=[
        Derivative(z, of=g),
        DerivativeAt(z, of=g),
        Derivative(z, of=r),
        DerivativeAt(z, of=r),
        DerivativeAt(w, of=loss_gelu),
        DerivativeAt(w),
        GradientStep([w, b], learning_rate=0.1, of=loss_gelu),
        GradientStep([w, b], learning_rate=0.1),
    ],
)
