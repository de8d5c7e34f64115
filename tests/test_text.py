"""Derivations as text: str(derivation) of S3, the worked example, reads as a derivation."""

from pathlib import Path

import pytest
import sympy as sp

from symgrad import derive, sigmoid
from symgrad.explain.notation import decimal
from symgrad.explain.text import TextRenderer
from symgrad.worksheets.worksheet import load_worksheet

S3 = load_worksheet(Path(__file__).parent.parent / "worksheets" / "s3_backprop_by_hand.py")
w1, w5, w = sp.symbols("w1 w5 w")


@pytest.fixture(scope="module")
def s3():
    return derive(S3.model, [w5, w1], at=S3.point)


def test_s3_shows_the_forward_values_and_the_partials(s3):
    shown = str(s3)
    assert "Derivation(" not in shown and "Simplification(" not in shown
    renderer = TextRenderer(s3.graph)
    forward = shown[shown.index("The forward pass"):shown.index("by the chain rule")]
    for node, value in s3.forward:
        assert f"{renderer.symbol(node)} = " in forward and decimal(value) in forward
    assert "y* = " in shown and "h₁ = w₁⋅x₁ + w₃⋅x₂" in shown.replace("x₁⋅w₁", "w₁⋅x₁")
    answer = shown[shown.index("Answer:"):]
    for v, a in zip((w5, w1), s3.answers):
        assert f"∂L/∂{renderer.symbol(v)} = {decimal(a.result)}" in answer


def test_repr_is_one_line_with_the_result(s3):
    assert "\n" not in repr(s3) and str(s3.result[0]) in repr(s3) and repr(s3).startswith("<Derivation of L")


def test_updates_directions_and_hessians_print_their_numbers():
    d = derive(sigmoid(w * w1), [w, w1], at={w: 1, w1: 2})
    step = d.descend(sp.Rational(1, 10))
    assert all(decimal(u.result) in str(step) for u in step.answers) and "←" in str(step)
    along = d.along((3, 4))
    assert "D_v" in str(along) and decimal(along.result) in str(along)
    hessian = str(d.hessian())
    assert "∂²" in hessian and "H = " in hessian
