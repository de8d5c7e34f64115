"""Laying out rows: pieces, widths, and chains broken to fit the page."""

import pytest

from symgrad.explain.layout import (ATOM, PRODUCT, SUM, Block, Piece, Row, display, document, product, total,
                                    width)


@pytest.mark.parametrize("latex, expected", [
    ("w x + b", 4),
    (r"\frac{\partial \mathcal{L}}{\partial w_{1}}", 3),
    (r"\sigma\left(z\right)", 4),
    (r"\operatorname{softmax}_{1}\left(s_{1}, s_{2}\right)", 15),
    (r"x^{2}", 2),
    (r"\underset{N \times 784}{X} \; \underset{784 \times 128}{W_{1}^\top}", 7),  # the shapes are the wider
    (r"\underset{10}{\frac{\partial \mathcal{L}}{\partial b_{3}}}", 3),  # the fraction is the wider
    (r"\underset{N}{\left(\operatorname{softmax}(Z_{3}) - y\right)}", 15),
])
def test_width(latex, expected):
    assert width(latex) == expected


@pytest.mark.parametrize("pieces, dot, ones, text", [
    ([Piece.of("2"), Piece.of("y - z", SUM)], False, False, r"2 \left(y - z\right)"),
    ([Piece.of("0.01"), Piece.of("4.2")], False, False, r"0.01 \cdot 4.2"),           # digits never run together
    ([Piece.of("4.2"), Piece.of("-0.5", SUM)], True, False, r"4.2 \cdot \left(-0.5\right)"),
    ([Piece.of("1"), Piece.of("x")], True, False, "x"),
    ([Piece.of("4.2"), Piece.of("1")], True, True, r"4.2 \cdot 1"),
])
def test_product(pieces, dot, ones, text):
    assert product(pieces, dot=dot, ones=ones).text == text


@pytest.mark.parametrize("pieces, text, binding", [
    ([Piece.of("a"), Piece.of("-b")], "a - b", SUM),
    ([Piece.of("0"), Piece.of("x")], "x", ATOM),
    ([Piece.of("0")], "0", ATOM),
    ([Piece.of("-x"), Piece.of("y")], "-x + y", SUM),
])
def test_total(pieces, text, binding):
    piece = total(pieces)
    assert (piece.text, piece.binding) == (text, binding)


def test_a_long_row_is_broken_between_terms_and_fits():
    terms = total([Piece.of(r"w_{%d} x_{%d}" % (i, i)) for i in range(1, 40)])
    tex = document([Block(((False, "A sum:"),), (Row("y", terms, r"\text{sum rule}"),))], budget=40)
    lines = tex.splitlines()[2:-1]
    assert len(lines) > 3 and lines[0].startswith("y &= w_{1} x_{1}") and lines[1].startswith(r"&\quad +")
    assert all(width(line) <= 40 for line in lines)
    assert lines[-1].endswith(r"\text{sum rule}")


def test_a_broken_product_starts_its_next_line_with_a_dot():
    long = Piece(tuple(("" if i == 0 else "", r"\left(a_{%d} + b_{%d}\right)" % (i, i)) for i in range(12)), PRODUCT)
    lines = document([Block((), (Row("p", long),))], budget=40).splitlines()[1:-1]
    assert lines[1].startswith(r"&\quad \cdot \left(")


def test_document_and_display():
    block = Block(((False, "Since "), (True, "x > 0"), (False, ":")), (Row("y", Piece.of("x")),))
    assert document([block]) == "\\noindent Since $x > 0$:\n\\begin{align*}\ny &= x\n\\end{align*}"
    assert display([block]) == ("$$\\begin{aligned}\n&\\hspace{-3em}\\text{Since }x > 0\\text{:} \\\\\n"
                                "y &= x\n\\end{aligned}$$")
