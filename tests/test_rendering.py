"""Rendering one worksheet: every check before any file, then the TeX, the key, the figures."""

import json
from pathlib import Path

import pytest
import sympy as sp

from outputs import contents, disk_full_after
from symgrad import DerivationError
from symgrad.core.errors import OutputError
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
    ("s3_backprop_by_hand", True, ["s3_backprop_by_hand-graph.pdf", "s3_backprop_by_hand-loss.pdf",
                                   "s3_backprop_by_hand-surface.pdf"]),
    ("s3_backprop_by_hand", False, ["s3_backprop_by_hand-graph.pdf"]),  # the graph's definitions only
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


def test_symlinks_in_the_output_folder_are_replaced_and_their_targets_left_unchanged(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    names = ["directional_derivative.tex", "directional_derivative.key.json", "directional_derivative-directions.pdf"]
    for name in names:
        (elsewhere / name).write_text("not symgrad's")
        (out / name).symlink_to(elsewhere / name)
    render_worksheet(load_worksheet(WORKSHEETS / "directional_derivative.py"), out, answers=True, pdf=False)
    assert [(elsewhere / name).read_text() for name in names] == ["not symgrad's"] * 3
    assert not any((out / name).is_symlink() for name in names)
    assert (out / names[0]).read_text().startswith("\\documentclass")
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no staging folder left


@pytest.mark.parametrize("answers", [True, False])  # the figure fails first, or the TeX
def test_a_full_disk_leaves_the_previous_files_as_they_were(tmp_path, answers):
    sheet = load_worksheet(WORKSHEETS / "directional_derivative.py")
    render_worksheet(sheet, tmp_path, answers=True, pdf=False)
    before = contents(tmp_path)
    with disk_full_after(min(map(len, before.values())) // 2), pytest.raises(OutputError, match="File too large"):
        render_worksheet(sheet, tmp_path, answers=answers, pdf=False)
    assert contents(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == sorted(before)
