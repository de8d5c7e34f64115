"""What each question kind asks, in words and LaTeX."""

import pytest
import sympy as sp

from symgrad.worksheets.prompts import prompt
from symgrad.worksheets.worksheet import (Derivative, DerivativeAt, DirectionalDerivative, Gradient,
                                          GradientStep, Hessian, NewtonStep, Worksheet)

x, y, w1 = sp.symbols("x y w1")
SHEET = Worksheet("t", "t", x ** 2 * w1 + y, [], point={x: 1, y: 2, w1: 0.5})


@pytest.mark.parametrize("question, text", [
    (Derivative(w1), r"Find $\partial \mathcal{L} / \partial w_{1}$ as an expression."),
    (DerivativeAt("x"), r"Find $\partial \mathcal{L} / \partial x$ at the point."),
    (Gradient([x, y]), r"Find the gradient of $\mathcal{L}$ with respect to $\left(x, y\right)$, at the point."),
    (Gradient([x], at_point=False), r"Find the gradient of $\mathcal{L}$ with respect to $\left(x\right)$, "
                                    "as expressions."),
    (DirectionalDerivative([x, y], (3, -4)), r"Find the directional derivative of $\mathcal{L}$ in "
                                             r"$\left(x, y\right)$ along $v = \left(3, -4\right)$ at the point."),
    (GradientStep([w1], 0.01), r"From the point, take one step of gradient descent $\theta \leftarrow \theta - "
                               r"\eta\, \nabla_\theta \mathcal{L}$ with $\eta = 0.01$ on $\theta = \left(w_{1}\right)$: "
                               "what are their new values?"),
    (GradientStep([w1, x], 0.5, steps=3), r"From the point, take 3 steps of gradient descent"),
    (Hessian([x, w1], at_point=False), r"Find the Hessian of $\mathcal{L}$, the matrix of its second partial "
                                       r"derivatives, with respect to $\left(x, w_{1}\right)$, as expressions."),
    (NewtonStep([x, w1]), r"From the point, take one step of Newton's method $\theta \leftarrow \theta - H^{-1} "
                          r"\nabla_\theta \mathcal{L}$ on $\theta = \left(x, w_{1}\right)$, $H$ the Hessian at the "
                          r"point: what are their new values?"),
])
def test_prompt(question, text):
    assert prompt(question, question.derivation(SHEET)).startswith(text)
