"""The worksheet document: escaped text, the student's and the teacher's versions, the closing line."""

from pathlib import Path

import pytest
import sympy as sp

from symgrad.worksheets.document import worksheet_tex
from symgrad.worksheets.training_section import section
from symgrad.twin.crosscheck import CrossCheck
from symgrad.worksheets.worksheet import DerivativeAt, GradientStep, Training, Worksheet, load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
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


@pytest.fixture(scope="module")
def s2():
    pytest.importorskip("sklearn")  # the digits demo data
    sheet = load_worksheet(WORKSHEETS / "s2_two_layer_network.py")
    return sheet, section(sheet.training, sheet)


@pytest.mark.parametrize("answers", [False, True])
def test_a_matrix_training_run_gets_a_page_of_its_derivation(s2, answers):
    sheet, section = s2
    tex = worksheet_tex(sheet, [q.derivation(sheet) for q in sheet.questions], answers=answers, check=CHECKED,
                        training=section)
    page = tex[tex.index("\\clearpage\n\\subsection*{The training run, derived in matrix form}"):]
    assert tex.index("\\clearpage") < tex.index("Every number in this worksheet")  # the closing line closes
    assert (r"\underset{10 \times 64}{\frac{\partial \mathcal{L}}{\partial W_{3}}} &= "
            r"\underset{10 \times N}{\delta_{Z_{3}}^\top} \; \underset{N \times 64}{A_{2}}") in page
    assert "every parameter $\\theta$ takes a step of SGD(lr=0.003)" in page and r"\eta = 0.003" in page
    assert r"\lceil N/B\rceil = 24" in page and "$B = 64$" in page


def test_a_matrix_run_shows_its_epochs_and_accuracy_to_the_teacher_and_asks_the_student(s2):
    sheet, section = s2
    derivations = [q.derivation(sheet) for q in sheet.questions]
    teacher = worksheet_tex(sheet, derivations, answers=True, check=CHECKED, training=section)
    student = worksheet_tex(sheet, derivations, answers=False, check=CHECKED, training=section)
    epochs = section.result.history.epochs
    assert len(epochs) == 5
    for epoch in epochs:
        assert f"{epoch.epoch} & ${epoch.mean_loss:.6g}$ \\\\" in teacher
        assert f"${epoch.mean_loss:.6g}$" not in student
    accuracy = f"{100 * section.result.accuracy:.2f}\\% of the 297 test images"
    assert accuracy in teacher and accuracy not in student
    assert "give the mean training loss of each epoch" in student


def test_a_scalar_training_run_adds_no_page():
    sheet = load_worksheet(WORKSHEETS / "s0_sgd_by_hand.py")
    assert isinstance(sheet.training, Training)
    tex = worksheet_tex(sheet, [q.derivation(sheet) for q in sheet.questions], answers=True, check=CHECKED,
                        training=section(sheet.training, sheet))
    assert "\\clearpage" not in tex and "matrix form" not in tex
    assert "\\subsection*{Training}" in tex
