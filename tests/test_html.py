r"""HTML worksheets: one self-contained page (MathJax inlined, nothing fetched), text from a worksheet
escaped and its math filtered, each derivation's steps hidden behind hints, S3's graph with its
values as inline SVG, and ``symgrad render --format html``."""

import html
import re
from pathlib import Path

import pytest
import sympy as sp

from symgrad.cli import main
from symgrad.core.errors import SymgradError
from symgrad.explain.derivation import derive
from symgrad.twin.crosscheck import CrossCheck
from symgrad.worksheets.html import MATHJAX_VARIABLE, derivation_html, mathjax_path, worksheet_html
from symgrad.worksheets.rendering import render_html
from symgrad.worksheets.worksheet import DerivativeAt, GradientStep, Worksheet, load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
S3 = WORKSHEETS / "s3_backprop_by_hand.py"
x, w = sp.symbols("x w")
CHECKED = CrossCheck(checked=3, rtol=1e-8, atol=1e-10, torch="2.13.0+cpu")
HOSTILE = r"<script>alert(1)</script> </script> <img src=x onerror=alert(1)> \(\href{javascript:alert(2)}{y}\)"
HOSTILE_MATH = r"$\href{javascript:alert(1)}{x} \style{color:red}{x} \require{html} \class{a}{b} </script>$"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """S3's page, the teacher's and the student's versions."""
    sheet = load_worksheet(S3)
    out = tmp_path_factory.mktemp("html")
    return {answers: render_html(sheet, out / str(answers), answers=answers).read_text(encoding="utf-8")
            for answers in (True, False)}


def body(page):
    return page[page.index("<body>"):]


def math_sources(page):
    """The TeX of every element MathJax typesets."""
    return [html.unescape(t) for t in re.findall(r'<span class="tex(?: display)?">(.*?)</span>', page, re.S)]


def sheet_of(title="A title", notes=""):
    return Worksheet("t_1", title, (w * x - 1) ** 2, [DerivativeAt(w), GradientStep([w], 0.1)],
                     point={w: 0.5, x: 2}, notes=notes)


def page_of(sheet, answers=True):
    return worksheet_html(sheet, [q.derivation(sheet) for q in sheet.questions], answers=answers, check=CHECKED)


@pytest.mark.parametrize("answers", [True, False])
def test_the_page_is_self_contained(pages, answers):
    page = pages[answers]
    bundled = mathjax_path().read_text(encoding="utf-8")
    bundled = bundled.replace("<!--", "<\\!--")  # in a regular expression of its: escaped, it means the same
    assert page.count(bundled) == 1  # MathJax itself, inlined whole
    markup = page.replace(bundled, "")  # its strings link to mathjax.org in the menu's dialogs (disabled)
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:|//)""", markup, re.I)
    assert not re.search(r"<(link|iframe|img|object|embed)\b", markup, re.I)
    scripts = re.findall(r"<script\b[^>]*>", page, re.I)
    assert scripts == ["<script>"] * 3  # the configuration, MathJax, the step buttons: all inline
    assert len(re.findall(r"</script", page, re.I)) == 3
    assert "default-src 'none'" in page  # and the browser may fetch nothing


@pytest.mark.parametrize("text", [HOSTILE, HOSTILE_MATH])
@pytest.mark.parametrize("field", ["title", "notes"])
def test_hostile_worksheet_text_is_escaped_and_its_math_filtered(text, field):
    page = page_of(sheet_of(**{field: text}))
    shown = body(page) if field == "notes" else page
    assert "<script>alert" not in shown and "<img" not in shown
    assert len(re.findall(r"</script", page, re.I)) == 3  # none from the worksheet
    for tex in math_sources(page):
        assert not re.search(r"\\(href|style|require|class|cssId|html)", tex), tex
    if text == HOSTILE:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_mathjax_defines_no_command_that_links_styles_or_loads():
    page = page_of(sheet_of())
    assert "packages: {'[-]': ['autoload', 'require', 'newcommand']}" in page
    assert "loader: {load: []}" in page


def test_a_bundled_script_cannot_close_its_element(tmp_path, monkeypatch):
    fake = tmp_path / "tex-svg.js"
    fake.write_text('var a = "</script><script>alert(1)</SCRIPT>"; // <!-- x', encoding="utf-8")
    monkeypatch.setenv(MATHJAX_VARIABLE, str(fake))
    page = page_of(sheet_of())
    assert r'var a = "<\/script><script>alert(1)<\/SCRIPT>"; // <\!-- x' in page
    assert len(re.findall(r"</script", page, re.I)) == 3


def test_missing_mathjax_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv(MATHJAX_VARIABLE, str(tmp_path / "none.js"))
    with pytest.raises(SymgradError, match=r"^MathJax is missing: no .*none\.js; `make setup` installs it"):
        page_of(sheet_of())


def steps_of(section):
    return re.findall(r'<li class="step"( hidden)?><button type="button" class="reveal" aria-controls="(\S+) (\S+)">'
                      r'(.*?)</button><div class="hint" id="\2" aria-live="polite" hidden>(.*?)</div>'
                      r'<div class="work" id="\3" aria-live="polite" hidden>(.*?)</div></li>', section, re.S)


def test_each_questions_steps_are_hidden_behind_a_hint(pages):
    sheet = load_worksheet(S3)
    sections = re.findall(r'<section class="question" id="q\d+">(.*?)</section>', pages[True], re.S)
    assert len(sections) == len(sheet.questions)
    for section in sections:
        steps = steps_of(section)
        assert len(steps) >= 2 and section.count('<li class="step"') == len(steps)
        assert [s[0] for s in steps] == [""] + [" hidden"] * (len(steps) - 1)  # one step at a time
        for index, (_, _, _, button, hint, work) in enumerate(steps, 1):
            assert button == f"Step {index} of {len(steps)}: show a hint"
            assert re.sub(r"<[^>]*>", "", hint).strip()
            assert work.startswith('<span class="tex display">\\begin{aligned}')
        assert "Answer:" in steps[-1][4]
    first = steps_of(sections[3])  # dL/dw1: the chain rule along the paths, first
    assert first[0][4].startswith("By the chain rule, along each path from")
    assert "sum rule" in "".join(s[4] for s in first)


def test_the_students_page_asks_without_the_steps(pages):
    assert 'class="step"' not in pages[False] and "Question 6" in pages[False]
    assert "Student's version" in pages[False] and "Teacher's version" in pages[True]
    assert "The training run is in the PDF worksheet" in pages[True]


def diagram_boxes(page):
    """Each box of the inline SVG diagram, by its name (its first line): the lines of text in it."""
    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    boxes = [[html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", g, re.S)]
             for g in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S)]
    return {lines[0]: lines for lines in boxes}


def test_the_s3_page_draws_the_graph_with_its_values(pages):
    boxes = diagram_boxes(pages[True])
    values = {name: next(t for t in lines if t.startswith("value ")) for name, lines in boxes.items()}
    assert (values["h₁"], values["h₂"], values["L"]) == ("value 1", "value 0.95", "value 4.41")
    assert "∂L/∂h₁ = 4.2" in boxes["h₁"]
    student = diagram_boxes(pages[False])
    assert student["h₁"] == ["h₁", "h₁ = w₁·x₁ + w₃·x₂"]  # the definitions only
    assert "<?xml" not in body(pages[True]) and "<!DOCTYPE svg" not in body(pages[True])


def test_a_derivation_is_a_page_of_its_own():
    graph_sheet = sheet_of()
    derivation = derive(graph_sheet.model, [w], at={w: sp.Rational(1, 2), x: 2})
    page = derivation_html(derivation, title=r"Why $\partial L / \partial w$ <b>is</b> what it is")
    assert "<title>Why \\partial L / \\partial w &lt;b&gt;is&lt;/b&gt; what it is</title>" in page
    steps = steps_of(page)
    assert steps and "Answer:" in steps[-1][4]
    assert "<svg" not in page and "<svg" in derivation_html(derivation, diagram=derivation.diagram())


def test_render_writes_html_pages(tmp_path, capsys):
    assert main(["render", str(S3), "-o", str(tmp_path), "--format", "html", "--answers", "--quiet"]) == 0
    page = (tmp_path / "s3_backprop_by_hand.html").read_text(encoding="utf-8")
    assert 'class="step"' in page and "<svg" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s3_backprop_by_hand.html"]
    assert "1 worksheet rendered into" in capsys.readouterr().out


def test_render_writes_each_variant_as_a_page(tmp_path):
    sigmoid = WORKSHEETS / "sigmoid_neuron.py"
    assert main(["render", str(sigmoid), "-o", str(tmp_path), "--format", "html", "--variants", "2", "--quiet"]) == 0
    first, second = (tmp_path / f"sigmoid_neuron-0{k}.html" for k in (1, 2))
    assert "Student's version" in first.read_text(encoding="utf-8")
    assert first.read_text(encoding="utf-8") != second.read_text(encoding="utf-8")


def test_html_does_not_go_with_tex_only(tmp_path, capsys):
    assert main(["render", str(S3), "-o", str(tmp_path), "--format", "html", "--tex-only"]) == 2
    assert "--tex-only writes TeX, so it cannot go with --format html" in capsys.readouterr().err
