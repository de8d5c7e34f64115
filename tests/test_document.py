"""The worksheet document: escaped text, the student's and the teacher's versions, the closing line."""

import pytest
import sympy as sp

from symgrad.document import worksheet_tex
from symgrad.crosscheck import CrossCheck
from symgrad.worksheet import DerivativeAt, GradientStep, Worksheet

x, w = sp.symbols("x w")
CHECKED = CrossCheck(checked=3, rtol=1e-8, atol=1e-10, torch="2.13.0+cpu")


def tex_of(answers, title="A title", notes=""):
    sheet = Worksheet("t_1", title, (w * x - 1) ** 2, [DerivativeAt(w), GradientStep([w], 0.1)],
                      point={w: 0.5, x: 2}, notes=notes)
    return worksheet_tex(sheet, [q.derivation(sheet) for q in sheet.questions], answers=answers,
                         check=CHECKED)


@pytest.mark.parametrize("title, printed", [
    (r"\input{/etc/passwd}", r"\textbackslash{}input\{/etc/passwd\}"),
    (r"\write18{rm -rf ~}", r"\textbackslash{}write18\{rm -rf \~{}\}"),
    (r"Loss $\mathcal L = (y - \hat y)^2$", r"Loss $\mathcal L = (y - \hat y)^2$"),
    (r"Sneaky $\input{/etc/passwd}$", r"Sneaky $\text{\textbackslash{}input}{/etc/passwd}$"),
])
def test_the_title_is_escaped(title, printed):
    tex = tex_of(False, title=title)
    assert r"\begin{center}{\LARGE %s}\end{center}" % printed in tex
    assert "\\input{" not in tex and "\\write18" not in tex


def test_the_students_version_asks_and_the_teachers_answers():
    student, teacher = tex_of(False), tex_of(True)
    prompt = r"Find $\partial \mathcal{L} / \partial w$ at the point."
    assert prompt in student and prompt in teacher
    assert "Answer:" not in student and "Student's version" in student
    assert "Answer:" in teacher and "Teacher's version" in teacher
    assert r"\frac{\partial \mathcal{L}}{\partial w} &= 0" in teacher  # 2x(wx - 1) = 0 at w = 0.5, x = 2


def test_the_closing_line_says_how_the_numbers_were_verified():
    assert ("Every number in this worksheet (3 checked) was verified against central finite differences and torch "
            "autograd in float64 (torch 2.13.0+cpu), to a relative tolerance of 1e-08.") in tex_of(False)
    assert "torch is not installed" in CrossCheck(1, 1e-8, 1e-10, None).sentence()


def test_the_document_asks_for_a_reproducible_pdf():
    tex = tex_of(True)
    assert "\\pdftrailerid{}" in tex and "\\today" not in tex and "\\date" not in tex
