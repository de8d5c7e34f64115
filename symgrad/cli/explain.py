"""Explain the derivative of an expression typed as text, step by step by the chain rule.

EXPRESSION is plain text such as "sigma(w*x + b)" or "mse(w**2*x, y)", read by a whitelist reader
(never eval): variables are any names, functions are symgrad's (sigma, relu, tanh, softmax_2(z1,
z2, z3), exp, log, sqrt, mse, bce, ...). With --loss, EXPRESSION is the model, its output is named
--name (default: yhat) and the loss, written in that name, is derived: "bce(p, y)" --name p. --at
gives the point (w=0.5,b=-1,x=sqrt(2)): the forward pass, each partial's value and the answer as
numbers. --format: text (the default), latex, pdf (a one-page document with the model's graph),
html (one self-contained page: the graph, then the steps revealed one at a time) or svg (the graph,
with each value and adjoint at the point); -o FILE writes the file whole, its format taken from its
suffix (.txt, .tex, .pdf, .html, .svg) unless --format is given.
"""

import re
import sys
import tempfile
from pathlib import Path

import sympy

from ..core.errors import SymgradError
from ..core.files import write_atomically
from ..core.graph import Graph
from ..explain.derivation import derive
from ..explain.diagram import caption
from ..explain.figures import Figure
from ..explain.latex import LatexRenderer
from ..explain.layout import document
from ..worksheets.document import derivation_tex
from ..worksheets.html import derivation_html
from ..worksheets.pdf import build_pdf
from .reading import TextError, read_expression

LOSS = "L"  # the loss's node when --loss is given
SUFFIXES = {".txt": "text", ".tex": "latex", ".pdf": "pdf", ".html": "html", ".svg": "svg"}
_NAME = re.compile(r"[A-Za-z]\w*")


def add_arguments(parser):
    parser.add_argument("expression", metavar="EXPRESSION", help='the model or loss, as text: "sigma(w*x + b)"')
    parser.add_argument("--wrt", metavar="NAMES", help="the variables to differentiate by, comma separated "
                        "(default: every variable)")
    parser.add_argument("--at", metavar="POINT", help="the point, as name=value pairs: w=0.5,b=-1,x=sqrt(2)")
    parser.add_argument("--loss", metavar="LOSS", help='the loss of the model\'s output: "bce(p, y)"')
    parser.add_argument("--name", default="yhat", help="the name of the model's output in --loss (default: yhat)")
    parser.add_argument("--format", choices=sorted(FORMATS), help="text, latex, pdf, html or svg (default: text, or "
                        "what -o's suffix says)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the file whole instead of printing")


def run(args):
    fmt = args.format or (SUFFIXES.get(Path(args.output).suffix.lower(), "text") if args.output else "text")
    if fmt == "pdf" and not args.output:
        raise SymgradError("--format pdf needs -o FILE")
    loss = _loss(args.expression, args.loss, args.name)
    graph = loss if isinstance(loss, Graph) else None
    leaves = sorted(graph.leaves(graph.output) if graph else loss.free_symbols, key=lambda s: s.name)
    wrt = _names(args.wrt, leaves + ([sympy.Symbol(args.name)] if graph else [])) if args.wrt else leaves
    derivation = derive(loss, wrt, at=_point(args.at, leaves) if args.at else None)
    title = args.expression if graph is None else f"{args.loss} where {args.name} = {args.expression}"
    content = FORMATS[fmt](derivation, title)
    if args.output:
        write_atomically(args.output, content)
        print(args.output)
    else:
        sys.stdout.write(content if content.endswith("\n") else content + "\n")
    return 0


def _loss(expression, loss, name):
    """The expression to derive: ``expression`` itself, or with ``loss`` the graph ``name =
    expression``, ``L = loss``."""
    model = read_expression(expression, "the expression")
    if loss is None:
        return model
    if not _NAME.fullmatch(name):
        raise SymgradError(f"--name must be a name of letters, digits and _, starting with a letter, not {name!r}")
    output = sympy.Symbol(name)
    of = read_expression(loss, "--loss")
    if output in model.free_symbols:
        raise SymgradError(f"the expression uses {name}, the name of its own output (--name)")
    if output not in of.free_symbols:
        raise SymgradError(f"--loss does not use the model's output {name} (--name)")
    if sympy.Symbol(LOSS) in model.free_symbols | of.free_symbols:
        raise SymgradError(f"the name {LOSS} is the loss's own: give the variable another name")
    graph = Graph()
    graph.define(name, model)
    graph.define(LOSS, of)
    return graph


def _names(text, variables, option="--wrt"):
    """The variables ``text`` names, comma separated."""
    known = {v.name: v for v in variables}
    chosen = []
    for name in (n.strip() for n in text.split(",")):
        if name not in known:
            raise SymgradError(f"{option}: {name!r} is not a variable of the expression (its variables: "
                               f"{', '.join(known)})")
        chosen.append(known[name])
    return chosen


def _point(text, variables):
    """``{variable: exact number}`` from ``name=value,...``; each value read as an expression."""
    known, point, start = {v.name: v for v in variables}, {}, 0
    for part in _top_level_commas(text):
        name, equals, value = part.partition("=")
        if not equals:
            raise SymgradError(f"--at: {part.strip()!r} is not name=value")
        if name.strip() not in known:
            raise SymgradError(f"--at: {name.strip()!r} is not a variable of the expression (its variables: "
                               f"{', '.join(known)})")
        offset = start + len(name) + 1
        try:
            number = read_expression(value, f"--at {name.strip()}")
        except TextError as error:
            raise TextError(f"--at: {error.problem}", text, offset + error.column) from None
        if not number.is_number:
            raise SymgradError(f"--at: the value of {name.strip()} must be a number, not {value.strip()!r}")
        point[known[name.strip()]] = number
        start += len(part) + 1
    return point


def _top_level_commas(text):
    """``text`` split at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += (c in "([") - (c in ")]")
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _text(derivation, title):
    return str(derivation)


def _latex(derivation, title):
    renderer = LatexRenderer(derivation.graph)
    return document(renderer.derivation(derivation) + [renderer.answer(derivation)])


def _pdf(derivation, title):
    """A one-page PDF: the derivation and the model's graph (its values and adjoints at the point)."""
    with tempfile.TemporaryDirectory(prefix="symgrad-explain-") as folder:
        folder = Path(folder)
        derivation.diagram().write(folder / "graph.pdf")
        tex = folder / "explain.tex"
        tex.write_text(derivation_tex(derivation, title, Figure("graph.pdf", caption(bool(derivation.point)))), encoding="utf-8")
        return build_pdf(tex, [folder / "graph.pdf"]).read_bytes()


def _html(derivation, title):
    """One self-contained page: the graph, then the steps revealed one at a time."""
    return derivation_html(derivation, title, derivation.diagram())


def _svg(derivation, title):
    return derivation.diagram().svg()


FORMATS = {"text": _text, "latex": _latex, "pdf": _pdf, "html": _html, "svg": _svg}
"""Each format: a function of the derivation and a title (the expression as typed) to the file's content."""
