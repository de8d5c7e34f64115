r"""No file from outside the build folder reaches a PDF. A notation (``define(latex=...)``) may hold
only math commands; symbol names, titles and notes print literally. TeX's file primitives
(``\pdfobj file``) are not covered by ``openin_any=p``, and what they embed sits in a compressed
object that ``pdftotext`` never shows, so every PDF here is searched decompressed (``qpdf --qdf``)."""

import shutil
import subprocess

import pytest
import sympy as sp

import symgrad as sg
from symgrad.cli import main
from symgrad.core.errors import GraphError
from symgrad.core.math_commands import forbidden
from symgrad.explain.notation import NAMES, NOTATION
from symgrad.worksheets import pdf

MARK = "SYMGRAD-SECRET-7c1e0b"
needs_tools = pytest.mark.skipif(not pdf.tex_available() or shutil.which("qpdf") is None,
                                 reason="TeX or qpdf is not installed")
EMBED = r"\immediate\pdfobj file {%s}\pdfrefobj\pdflastobj"


@pytest.fixture
def secret(tmp_path):
    """A file outside any build folder, holding the marker."""
    path = tmp_path / "secret.txt"
    path.write_text(f"{MARK}\n")
    return path


def decompressed(pdf_file):
    """The PDF's bytes with every stream and object stream uncompressed, unreferenced objects kept
    (``\\pdfobj`` writes one that no page refers to; qpdf drops those by default)."""
    return subprocess.run(["qpdf", "--qdf", "--object-streams=disable", "--preserve-unreferenced", "--warning-exit-0",
                           str(pdf_file), "-"], capture_output=True, check=True).stdout


@needs_tools
def test_the_search_finds_a_file_pdftex_embeds(tmp_path, secret):
    """The attack itself, written straight into TeX: the file is in the PDF, only decompressed."""
    tex = tmp_path / "doc.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\n$h\\mbox{%s}$\n\\end{document}\n" % (EMBED % secret))
    built = pdf.build_pdf(tex)
    assert MARK.encode() not in built.read_bytes() and MARK.encode() in decompressed(built)


@pytest.mark.parametrize("latex, part", [
    (EMBED % "/etc/passwd", r"the command \\immediate"),
    (r"h\mbox{x}", r"the command \\mbox"),
    (r"\input{/etc/passwd}", r"the command \\input"),
    (r"\def\x{1}", r"the command \\def"),
    (r"\csname input\endcsname", r"the command \\csname"),
    (r"\begin{input}{x}", r"the command \\begin"),
    (r"\directlua{os.exit()}", r"the command \\directlua"),
    (r"y^^5cinput", r"TeX's \^\^ character code"),
    ("a}{b", "an unmatched '}'"),
    ("{a", "an unmatched '{'"),
    ("100%", "the character '%'"),
    ("#1", "the character '#'"),
    ("$x$", r"the character '\$'"),
    ("y\n", r"the character '\\n'"),
    ("\u03b1", "the character '\u03b1' \\(U\\+03B1\\)"),
])
def test_a_notation_that_is_not_math_is_refused_when_the_node_is_defined(latex, part):
    graph = sg.Graph()
    with pytest.raises(GraphError, match=rf"^node h: latex= {part} is not allowed in a notation \(math commands"):
        graph.define("h", sp.Symbol("x") * 2, latex=latex)
    assert not graph.nodes


@pytest.mark.parametrize("latex", ["y^*", r"\hat{y}", r"\mathcal{L}", r"\tilde{\theta}_{1}", r"\boldsymbol{w}",
                                   r"h^{(1)}_{j}", r"\left\|{x}\right\|", r"\, \{a\}", r"\operatorname{ReLU}(z)",
                                   r"\mathbf{W}^{\top}", r"\ell'"])
def test_a_notation_of_math_commands_is_kept(latex):
    graph = sg.Graph()
    node = graph.define("h", sp.Symbol("x") * 2, latex=latex)
    assert graph.latex_name(node) == latex


def test_the_notation_table_and_sympys_symbol_names_pass_the_check():
    greek = ["alpha", "beta", "gamma", "Gamma", "delta", "Delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
             "Theta", "vartheta", "iota", "kappa", "varkappa", "lamda", "lambda", "Lambda", "mu", "nu", "xi", "Xi",
             "omicron", "pi", "Pi", "varpi", "rho", "varrho", "sigma", "Sigma", "varsigma", "tau", "upsilon",
             "Upsilon", "phi", "Phi", "varphi", "chi", "psi", "Psi", "omega", "Omega", "Alpha", "Eta", "ell", "hbar",
             "aleph"]
    modifiers = ["", "hat", "bar", "tilde", "vec", "dot", "ddot", "dddot", "ddddot", "check", "breve", "acute",
                 "grave", "mathring", "prime", "prm", "bold", "bm", "cal", "frak", "norm", "avg", "abs", "mag"]
    printed = [sp.latex(sp.Symbol(f"{g}{m}_{g}1__2")) for g in greek for m in modifiers]
    printed += list(NAMES.values()) + [NOTATION.symbol(sp.Symbol(n)) for n in ("ystar", "y_hat", "w_bar", "theta0")]
    assert [p for p in printed if forbidden(p)] == []


@pytest.mark.parametrize("name, printed", [
    (r"\input{/etc/passwd}", r"\text{\textbackslash{}input\{/etc/passwd\}}"),
    (r"a\immediate", r"\text{a\textbackslash{}immediate}"),
    ("x~", r"\text{x\~{}}"),
    ("x^^5c", "x^{ 5c}"),  # SymPy reads the carets as a superscript
    ("x%", r"\text{x\%}"),
    ("w1", "w_{1}"),
])
def test_a_symbol_name_that_sympy_would_print_as_tex_prints_literally(name, printed):
    assert NOTATION.symbol(sp.Symbol(name)) == printed


@needs_tools
@pytest.mark.parametrize("script", ["", " \u039a\u03bb\u03af\u03c3\u03b7"], ids=["pdflatex", "lualatex"])
def test_no_file_outside_the_build_folder_reaches_a_worksheets_pdf(tmp_path, secret, script):
    if script and not pdf.unicode_available():
        pytest.skip("LuaLaTeX or its fonts are not installed")
    embed, read = EMBED % secret, r"\input{%s}" % secret
    lua = r"\directlua{tex.print(io.open('%s'):read('*a'))} \pdfextension obj file {%s}" % (secret, secret)
    sheet = tmp_path / "hostile.py"
    sheet.write_text(
        "import sympy as sp\nfrom symgrad.worksheets.worksheet import Derivative, DerivativeAt, Worksheet\n"
        f"a, b = sp.Symbol({embed!r}), sp.Symbol({read!r})\nx = sp.Symbol('x')\n"
        f"WORKSHEET = Worksheet(name='hostile', title={(embed + script)!r},\n"
        f"    notes={('Math: $%s$ and %s, $%s$ and %s' % (embed, embed, lua, lua))!r},\n"
        "    model=(a * x - b) ** 2, questions=[Derivative(x), DerivativeAt(a)], point={a: 2, b: 1, x: 3})\n",
        encoding="utf-8")
    assert main(["render", str(sheet), "-o", str(tmp_path / "out"), "--answers", "--quiet"]) == 0
    built = tmp_path / "out" / "hostile.pdf"
    tex = (tmp_path / "out" / "hostile.tex").read_text(encoding="utf-8")
    assert pdf.engine(tex) == ("lualatex" if script else "pdflatex")
    assert MARK.encode() not in decompressed(built) and b"root:x:0:0" not in decompressed(built)
    text = subprocess.run(["pdftotext", str(built), "-"], capture_output=True, text=True, check=True).stdout
    assert "\\immediate\\pdfobj file" in text and "\\directlua" in text  # printed, not run


def test_a_bound_symbol_that_is_not_a_notation_prints_as_its_name():
    index, n = sp.Symbol(r"\input{/etc/passwd}", integer=True), sp.Symbol("n")
    assert NOTATION.expression(sp.Sum(sp.Symbol("x") ** index, (index, 1, n))) == (
        r"\sum_{\text{\textbackslash{}input\{/etc/passwd\}}=1}^{n} x^{\text{\textbackslash{}input\{/etc/passwd\}}}")
