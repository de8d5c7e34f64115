"""Rendering one worksheet: every check before any file, then the TeX, the key, the figures."""

import json
from pathlib import Path

import pytest
import sympy as sp

from symgrad import DerivationError
from symgrad.worksheets.rendering import render_worksheet
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Worksheet, load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
x, w = sp.symbols("x w")


def test_tex_key_and_figure_are_written(tmp_path):
    rendered = render_worksheet(load_worksheet(WORKSHEETS / "directional_derivative.py"), tmp_path, answers=True,
                                pdf=False)
    assert rendered.pdf is None
    assert rendered.tex.read_text().startswith("\\documentclass")
    assert json.loads(rendered.key.read_text())["worksheet"] == "directional_derivative"
    assert [f.name for f in rendered.figures] == ["directional_derivative-directions.pdf"]
    assert "\\includegraphics[width=0.8\\textwidth]{directional_derivative-directions.pdf}" in rendered.tex.read_text()


@pytest.mark.parametrize("name, answers, figures", [
    ("directional_derivative", False, []),  # the figures show the answers: not in the student's version
    ("s3_backprop_by_hand", True, ["s3_backprop_by_hand-loss.pdf", "s3_backprop_by_hand-surface.pdf"]),
    ("s3_backprop_by_hand", False, []),
    ("s1_batch_gradient_descent", True, ["s1_batch_gradient_descent-loss.pdf"]),
])
def test_figures_are_drawn_for_the_teachers_version(tmp_path, name, answers, figures):
    sheet = load_worksheet(WORKSHEETS / f"{name}.py")
    rendered = render_worksheet(sheet, tmp_path, answers=answers, pdf=False)
    assert [f.name for f in rendered.figures] == figures
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == figures
    tex, trained = rendered.tex.read_text(), sheet.training is not None
    assert ("\\subsection*{Training}" in tex) == trained and ("\\begin{tabular}" in tex) == (trained and answers)


class WrongAnswer(DerivativeAt):
    """The engine's answer off by one: the renderer must notice that the derivation disagrees."""

    def answer(self, sheet):
        return super().answer(sheet) + 1


def test_a_derivation_that_disagrees_with_the_engine_writes_nothing(tmp_path):
    sheet = Worksheet("bad", "Bad", x ** 2 * w, [Derivative(x), WrongAnswer(w)], point={x: 3, w: 1})
    with pytest.raises(DerivationError, match="bad, question 2: the derivation gives 9, but the engine's answer is 10"):
        render_worksheet(sheet, tmp_path / "out", pdf=False)
    assert not (tmp_path / "out").exists()
