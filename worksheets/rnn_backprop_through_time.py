"""Backpropagation through time in a three-step recurrent network."""

import sympy as sp

from symgrad import Graph, rnn
from symgrad.worksheets.worksheet import DerivativeAt, Gradient, Worksheet

xs = sp.symbols("x_1:4")
u, w, b, y = sp.symbols("u w b y")

model = Graph()
hs = rnn([[x] for x in xs], weight_ih=[[u]], weight_hh=[[w]], bias=[b], graph=model)
model.define("L", (hs[-1][0] - y) ** 2, latex=r"\mathcal{L}")

WORKSHEET = Worksheet(
    name="rnn_backprop_through_time",
    title="Backpropagation through time",
    notes=r"A recurrent unit unrolled over three steps, $h_{t,1} = \tanh(w\,h_{t-1,1} + u\,x_t + b)$ "
          r"(step $t$, unit 1) from $h_{0,1} = 0$, as PyTorch's nn.RNNCell; the loss is $(h_{3,1} - y)^2$. The weights are shared by "
          r"the steps, so a weight's gradient is a sum over the paths through every step.",
    model=model,
    point={xs[0]: 1, xs[1]: -0.5, xs[2]: 0.25, u: 0.5, w: 0.75, b: 0.1, y: 0.5},
    variants={u: (0.25, 1, 0.25), w: (0.25, 1, 0.25)},
    questions=[
        DerivativeAt(hs[1][0]),
        DerivativeAt(w),
        Gradient([u, b]),
    ],
)
