"""symgrad explain: expressions typed as text derive as the same expressions built in Python."""

import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ElementTree

import pytest
import sympy as sp

from symgrad import Graph, bce, cross_entropy, derive, leaky_relu, mse, relu, sigmoid, softmax, tanh
from symgrad.cli import main
from symgrad.explain.latex import LatexRenderer
from symgrad.explain.layout import document
from symgrad.explain.notation import decimal
from symgrad.worksheets.pdf import tex_available

w, x, b, y, z1, z2, z3, p, yhat, w_1, x1 = sp.symbols("w x b y z1 z2 z3 p yhat w_1 x1")
half = sp.Rational(1, 2)


def _model_and_loss(model, loss, name):
    graph = Graph()
    graph.define(name, model)
    graph.define("L", loss)
    return graph


CASES = [  # (argv after the expression, the expression built by hand, wrt, point)
    ("sigma(w*x + b)", [], sigmoid(w * x + b), [w, b], {w: half, b: -1, x: 2}),
    ("relu(w*x)", [], relu(w * x), [w], {w: 3, x: 2}),
    ("tanh(w*x + b)", [], tanh(w * x + b), [w, b], {w: sp.sqrt(2), x: 1, b: 0}),
    ("softmax_2(z1, z2, z3)", [], softmax([z1, z2, z3])[1], [z1, z2], {z1: 1, z2: 2, z3: 0}),
    ("w*x + b", ["--loss", "mse(yhat, y)"], _model_and_loss(w * x + b, mse(yhat, y), "yhat"), [w, b],
     {w: 2, x: 3, b: 1, y: 4}),
    ("sigma(w*x)", ["--loss", "bce(p, y)", "--name", "p"], _model_and_loss(sigmoid(w * x), bce(p, y), "p"), [w],
     {w: half, x: 2, y: 1}),
    ("sqrt(2)*w**2", [], sp.sqrt(2) * w ** 2, [w], {w: 3}),
    ("w^3 - 2*w", [], w ** 3 - 2 * w, [w], None),
    ("log(1 + exp(w*x))", [], sp.log(1 + sp.exp(w * x)), [w], {w: 0, x: 1}),
    ("exp(-w)/2", [], sp.exp(-w) / 2, [w], {w: 0}),
    ("x1*w_1**2 + yhat", [], x1 * w_1 ** 2 + yhat, [w_1], {w_1: -half, x1: 3, yhat: 1}),
    ("leaky_relu(w - 1, 0.1)", [], leaky_relu(w - 1, sp.Rational(1, 10)), [w], {w: 0}),
    ("cross_entropy([z1, z2], 0)", [], cross_entropy([z1, z2], 0), [z1], {z1: 0, z2: 0}),
]


def _argv(text, extra, wrt, point, *more):
    at = ["--at", ",".join(f"{k}={v}" for k, v in point.items())] if point else []
    return ["explain", text, *extra, "--wrt", ",".join(map(str, wrt)), *at, *more]


@pytest.mark.parametrize("text, extra, expr, wrt, point", CASES, ids=[c[0] for c in CASES])
def test_text_derives_as_the_expression_built_by_hand(text, extra, expr, wrt, point, capsys):
    assert main(_argv(text, extra, wrt, point)) == 0
    printed = capsys.readouterr().out
    derivation = derive(expr, wrt, at=point)
    assert printed == str(derivation) + "\n"
    assert main(_argv(text, extra, wrt, point, "--format", "latex")) == 0
    renderer = LatexRenderer(derivation.graph)
    assert capsys.readouterr().out == document(renderer.derivation(derivation) + [renderer.answer(derivation)]) + "\n"
    function = derivation.graph.expand(derivation.output)
    for partial, v in zip(derivation.partials, wrt):  # and the derivation is the derivative
        assert sp.simplify(partial.result - sp.diff(function, v).doit()) == 0 or point
    if point:
        values = [a.result for a in derivation.answers]
        assert all(decimal(v) in printed for v in values)


def test_the_output_file_takes_its_format_from_its_suffix(tmp_path, capsys):
    argv = ["explain", "sigma(w*x + b)", "--wrt", "w", "--at", "w=1/2,b=-1,x=2"]
    assert main(argv + ["-o", str(tmp_path / "d.tex")]) == 0
    derivation = derive(sigmoid(w * x + b), [w], at={w: half, b: -1, x: 2})
    renderer = LatexRenderer(derivation.graph)
    assert (tmp_path / "d.tex").read_text() == document(renderer.derivation(derivation) + [renderer.answer(derivation)])
    assert main(argv + ["-o", str(tmp_path / "d.txt")]) == 0
    assert (tmp_path / "d.txt").read_text(encoding="utf-8") == str(derivation)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_is_the_graph_with_the_values_at_the_point(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["explain", "sigma(w*x + b)", "--wrt", "w,b", "--at", "w=1/2,b=-1,x=3", "-o", str(out)]) == 0
    texts = [t.text or "" for t in ElementTree.parse(out).iter() if t.tag.endswith("text")]
    derivation = derive(sigmoid(w * x + b), [w, b], at={w: half, b: -1, x: 3})
    node = next(n for n in derivation.graph.nodes if derivation.graph.definition(n).func == sigmoid)
    assert any(decimal(dict(derivation.forward)[node]) in t for t in texts)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_html_is_one_page_with_the_graph_and_the_steps_behind_hints(tmp_path, capsys):
    out = tmp_path / "d.html"
    assert main(["explain", "sigma(w*x + b)", "--wrt", "w", "--at", "w=1/2,b=-1,x=3", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    derivation = derive(sigmoid(w * x + b), w, at={w: half, b: -1, x: 3})
    assert page.count("<svg") >= 1 and decimal(derivation.result) in page  # the graph's dL/dw, inline
    assert page.count('<li class="step"') == page.count('<li class="step" hidden') + 1 > 1  # one at a time
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)  # MathJax's menu code names its site
    assert "<script" in page and not re.search(r"(src|href)=[\"']https?:", markup)


@pytest.mark.skipif(not tex_available() or shutil.which("pdftotext") is None or shutil.which("dot") is None,
                    reason="TeX, pdftotext or Graphviz is not installed")
def test_pdf_is_a_page_with_the_derivative_and_the_graph(tmp_path, capsys):
    out = tmp_path / "d.pdf"
    assert main(["explain", "w**2*x", "--wrt", "w", "--at", "w=3,x=5", "-o", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "30" in text and "graph" in text  # dL/dw = 2 w x = 30; the figure's caption
    assert main(["explain", "w**2*x", "--format", "pdf"]) == 2
    assert "needs -o" in capsys.readouterr().err


@pytest.mark.skipif(not tex_available() or shutil.which("pdfinfo") is None or shutil.which("dot") is None,
                    reason="TeX, pdfinfo or Graphviz is not installed")
def test_a_long_derivation_is_still_one_page(tmp_path):
    out = tmp_path / "d.pdf"  # three partials with their forward pass: three A4 pages' worth
    assert main(["explain", "sigma(w*x + b)", "--loss", "bce(p, y)", "--name", "p", "--at", "w=1,b=0,x=1,y=1",
                 "-o", str(out)]) == 0
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    height = float(re.search(r"Page size:\s+[\d.]+ x ([\d.]+)", info)[1])
    assert height > 842  # taller than A4: the page grew to hold it


HOSTILE = [
    ("sigma(foo(x))", "unknown function 'foo' at column 7"),
    ("__import__('os')", "starts with _"),
    ("x.__class__", "attribute access"),
    ("'text'", "strings are not allowed"),
    ("lambda: 1", "keyword"),
    ("(" * 10_000 + "x" + ")" * 10_000, "characters long"),
    ("(" * 30 + "x" + ")" * 30, "nested more than"),
    ("2**2**2**99", "exponent is larger"),
    ("x" * 5000, "characters long"),
    ("1" * 100, "more than 30 digits"),
    ("1e999999", "exponent is too large"),
    ("sigmoyd(x)", "did you mean sigmoid"),
    ("w x", "an operator is missing at column 3"),
    ("_w + 1", "starts with _"),
    ("softmax(z1, z2)", "name the component"),
    ("relu(x, y, w)", "relu cannot take these 3 arguments"),
]


@pytest.mark.parametrize("text, message", HOSTILE, ids=[h[1] for h in HOSTILE])
def test_hostile_text_is_refused_with_one_line_quickly(text, message, capsys):
    start = time.perf_counter()
    assert main(["explain", text]) == 2
    assert time.perf_counter() - start < 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith("symgrad explain: error: ") and message in captured.err


@pytest.mark.parametrize("argv, message", [
    (["--wrt", "q"], "'q' is not a variable of the expression"),
    (["--at", "w=__import__"], "--at: the name '__import__' starts with _, which is not allowed at column 3"),
    (["--at", "w=sqrt(2"], "--at: expected ')' before the end at column 9"),
    (["--at", "q=1"], "'q' is not a variable"),
    (["--at", "w=x"], "must be a number"),
    (["--loss", "mse(z, y)"], "does not use the model's output yhat"),
])
def test_bad_options_are_one_line(argv, message, capsys):
    assert main(["explain", "w*x", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
