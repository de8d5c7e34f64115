"""Partial derivatives, the gradient and the directional derivative of f(x, y) = x^2 + y^2."""

import sympy as sp

from symgrad.worksheets.worksheet import Derivative, DirectionalDerivative, Gradient, Worksheet

x, y = sp.symbols("x y")

WORKSHEET = Worksheet(
    name="directional_derivative",
    title="Partial derivatives, the gradient and directional derivatives",
    notes=r"For $f(x, y) = x^2 + y^2$, the directional derivative along $v$ is "
          r"$D_v f = \nabla f \cdot v / \lVert v \rVert$: the gradient points where $f$ rises fastest.",
    model=x ** 2 + y ** 2,
    point={x: 1, y: 2},
    variants={x: (-3, 3, 1), y: (1, 4, 1)},
    questions=[
        Derivative(x),
        Derivative(y),
        Gradient([x, y]),
        DirectionalDerivative([x, y], direction=(3, 4)),
        DirectionalDerivative([x, y], direction=(1, 1)),
        DirectionalDerivative([x, y], direction=(-1, -2)),
    ],
)
