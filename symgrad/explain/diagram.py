r"""Computational-graph diagrams, as CS231n draws backpropagation: one box per named intermediate and
leaf, left to right, each with its definition, its forward value at the point and, under it in red,
its adjoint $\partial L / \partial \text{node}$; an edge may carry its local partial.

Layout by Graphviz's ``dot`` (a layered drawing: inputs on the left, the loss on the right), run as
a program with a time limit: :class:`Diagram` holds the DOT source and renders SVG (notebooks show it),
PNG or PDF (worksheets include it; its creation date fixed, so the same diagram gives the same bytes). A graph of more than ``limit`` boxes is drawn collapsed: boxes of
the same structure at the same depth (a layer's ``h`` units, its weights) become one box with a count.
Every label is text escaped for Graphviz's HTML-like labels.
"""

import html
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone

import sympy
from sympy.printing.str import StrPrinter

from ..core.backprop import backward
from ..core.errors import SymgradError
from ..core.files import SOURCE_DATE_EPOCH, write_atomically
from .notation import decimal
from .text import TextRenderer

__all__ = ["Diagram", "Box", "diagram", "diagram_of", "caption", "LIMIT"]

LIMIT = 40  # boxes beyond which a graph is drawn collapsed
GRADIENT_COLOUR = "#c0392b"
WIDTH = 60  # characters of a definition or a local partial in a box or on an edge
SECONDS = 30  # the longest dot may take to draw one diagram


@dataclass(frozen=True)
class Diagram:
    """A diagram as Graphviz DOT source, rendered by ``dot`` on request."""

    source: str

    def dot(self):
        return self.source

    def render(self, format):
        """The diagram drawn by ``dot`` as ``format`` (``svg``, ``png``, ``pdf``), bytes."""
        try:
            done = subprocess.run(["dot", f"-T{format}"], input=self.source.encode(), capture_output=True,
                                  timeout=SECONDS, check=False)
        except FileNotFoundError:
            raise SymgradError("Graphviz's dot is not installed (Debian: apt-get install graphviz; "
                               "`make setup` installs it)") from None
        except subprocess.TimeoutExpired:
            raise SymgradError(f"Graphviz took more than {SECONDS} s to draw the diagram") from None
        if done.returncode != 0:
            raise SymgradError(f"Graphviz could not draw the diagram: {done.stderr.decode(errors='replace')[:200]}")
        return _fixed_date(done.stdout) if format == "pdf" else done.stdout

    def svg(self):
        return self.render("svg").decode()

    def png(self):
        return self.render("png")

    def pdf(self):
        return self.render("pdf")

    def _repr_svg_(self):
        """The diagram displayed in Jupyter."""
        return self.svg()

    def write(self, path):
        """The diagram written whole to ``path``, in the format its suffix names (``.svg``, ``.png``,
        ``.pdf``, ``.dot``)."""
        suffix = str(path).rsplit(".", 1)[-1].lower()
        if suffix not in ("svg", "png", "pdf", "dot"):
            raise SymgradError(f"a diagram is written as .svg, .png, .pdf or .dot, not {path}")
        write_atomically(path, self.source.encode() if suffix == "dot" else self.render(suffix))
        return path


def caption(values):
    """The caption of a derivation's diagram, with the values and adjoints at a point or without."""
    if values:
        return ("The model's graph at the point: each box gives a leaf or a named intermediate, its definition, "
                "its value in the forward pass and, in red, its adjoint, the partial of the output by it, "
                "which the backward pass sends from right to left.")
    return "The model's graph: each box gives a leaf or a named intermediate and its definition."


def _fixed_date(pdf):
    """``pdf`` with cairo's creation date replaced by ``SOURCE_DATE_EPOCH``'s (the TeX builds' date), in
    as many bytes, so the cross-reference offsets stay right."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH))
    date = datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y%m%d%H%M%S").encode()
    return re.sub(rb"/CreationDate \(D:\d{14}", b"/CreationDate (D:" + date, pdf)


@dataclass(frozen=True)
class Box:
    """One box of a diagram: its ``title`` and rows of text under it, each ``(text, colour or None)``."""

    key: str
    title: str
    rows: tuple = ()
    leaf: bool = False


def diagram(boxes, edges, title=""):
    """The :class:`Diagram` of ``boxes`` and ``edges`` (``(from key, to key, label or "")``), left to right."""
    ids = {box.key: f"n{i}" for i, box in enumerate(boxes)}
    lines = ["digraph G {", "  rankdir=LR;", '  node [shape=plaintext, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10, color="#555555"];']
    if title:
        lines.append(f'  labelloc=t; label=<<B>{_text(title)}</B>>;')
    for box in boxes:
        lines.append(f"  {ids[box.key]} [label=<{_table(box)}>];")
    for a, b, label in edges:
        attributes = f" [label=<{_text(label)}>]" if label else ""
        lines.append(f"  {ids[a]} -> {ids[b]}{attributes};")
    return Diagram("\n".join(lines + ["}"]) + "\n")


def _table(box):
    fill = "#eef3fb" if box.leaf else "#fdf6e3"
    cells = [f'<TR><TD BGCOLOR="{fill}"><B>{_text(box.title)}</B></TD></TR>']
    for text, colour in box.rows:
        shown = f'<FONT COLOR="{colour}">{_text(text)}</FONT>' if colour else _text(text)
        cells.append(f"<TR><TD>{shown}</TD></TR>")
    return f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4">{"".join(cells)}</TABLE>'


def _text(text):
    """Text for an HTML-like label: escaped, and printable (control characters dropped)."""
    return html.escape("".join(c for c in str(text) if c.isprintable()), quote=True)


# -- scalar mode: a derivation's graph of named intermediates -------------------------------------

def diagram_of(derivation, partials=False, limit=LIMIT):
    """The diagram of ``derivation``'s graph: a box per leaf and named intermediate the output
    depends on, labelled with its definition, its value at the derivation's point and its adjoint
    (every leaf's, not only those of ``wrt``), values where the point gives them; ``partials``
    labels each edge with its local partial (and its value). More than ``limit`` boxes: collapsed."""
    graph, output = derivation.graph, derivation.output
    shown = [*graph.leaves(output), *[n for n in graph.nodes if n == output or n in graph.ancestors(output)]]
    walk = backward(graph, graph.leaves(output), output)
    point = dict(derivation.point)
    values = walk.at({k: v for k, v in point.items() if not graph.is_node(k)}) if point else None
    value = {**point, **values.nodes} if values else {}
    adjoint = values.adjoints if values else {}
    name = _Names(graph)
    if len(shown) > limit:
        return _collapsed(graph, output, shown, name, value, adjoint)
    boxes = []
    for s in shown:
        rows = [] if not graph.is_node(s) else [(f"{name(s)} = {name.expression(graph.definition(s))}", None)]
        rows += _value_rows(s, value, adjoint, name, output)
        boxes.append(Box(s.name, name(s), tuple(rows), leaf=not graph.is_node(s)))
    edges = []
    for node in shown:
        for parent in graph.parents(node) if graph.is_node(node) else ():
            label = ""
            if partials and (node, parent) in walk.local:
                local = walk.local[node, parent]
                label = f"∂{name(node)}/∂{name(parent)} = {name.expression(local)}"
                at = local.xreplace(value) if value else None
                label += f" = {_number(at)}" if at is not None and at.is_number else ""
            edges.append((parent.name, node.name, label))
    return diagram(boxes, edges)


def _value_rows(s, value, adjoint, name, output):
    rows = []
    if s in value and value[s].is_number:
        rows.append((f"value {_number(value[s])}", None))
    if s in adjoint and adjoint[s].is_number:
        rows.append((f"∂{name(output)}/∂{name(s)} = {_number(adjoint[s])}", GRADIENT_COLOUR))
    return rows


def _number(value):
    """An exact number as a short decimal (``0.95``, ``4.41``, ``0.731059``)."""
    return str(value) if value.is_Integer else decimal(value)


class _Names:
    """Symbols as the terminal's text writes them (:meth:`TextRenderer.symbol`: w₁, ŷ, y*), and
    expressions with them on one line."""

    def __init__(self, graph):
        self.printer = _Plain(self)
        self.symbol = TextRenderer(graph).symbol

    def __call__(self, s):
        return self.symbol(s)

    def expression(self, expr, width=WIDTH):
        """``expr`` on one line, cut at ``width`` characters with an ellipsis."""
        text = self.printer.doprint(expr).replace(_STAR, "*")
        return text if len(text) <= width else text[:width - 1] + "…"


_STAR = "\ue000"


class _Plain(StrPrinter):
    """SymPy's str printer with the model's names, ``·`` for products, superscripts for the powers 2
    to 9 and ``^`` for the others."""

    def __init__(self, names):
        super().__init__({"order": "none"})
        self.names = names

    def _print_Symbol(self, expr):  # a name's * kept apart from the products' until printed
        return self.names(expr).replace("*", _STAR)

    def _print_Mul(self, expr):
        return super()._print_Mul(expr).replace("*", "·")

    def _print_Pow(self, expr, rational=False):
        text = super()._print_Pow(expr, rational)
        if expr.exp.is_Integer and 1 < expr.exp < 10:  # (y - y*)², as the notes write it
            return text[:-len(f"**{expr.exp}")] + "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(expr.exp)]
        return text.replace("**", "^")


# -- collapsing a large graph ----------------------------------------------------------------------

def _collapsed(graph, output, shown, name, value, adjoint):
    """One box per class of symbols of the same structure at the same depth: a leaf's class is its
    name without its index (``w12`` is ``w``), a node's is its definition with each symbol replaced by
    its class; a box of several says how many, with the range of their values and adjoints."""
    depth, key = {}, {}
    for s in shown:
        parents = graph.parents(s) if graph.is_node(s) else ()
        depth[s] = 1 + max((depth[p] for p in parents), default=-1)
        key[s] = (depth[s], _structure(graph.definition(s), key) if graph.is_node(s) else
                  ("leaf", _unindexed(s.name)))
    groups = {}
    for s in shown:
        groups.setdefault(key[s], []).append(s)
    boxes, edges = [], set()
    for k, members in groups.items():
        first = members[0]
        title = name(first) if len(members) == 1 else f"{_unindexed(name(first))} ×{len(members)}"
        rows = [] if not graph.is_node(first) else [(f"{name(first)} = {name.expression(graph.definition(first))}"
                                                    + (" (and the like)" if len(members) > 1 else ""), None)]
        rows += _range_rows(members, value, adjoint, name, output)
        boxes.append(Box(str(k), title, tuple(rows), leaf=not graph.is_node(first)))
        for s in members:
            for p in graph.parents(s) if graph.is_node(s) else ():
                edges.add((str(key[p]), str(k)))
    order = {box.key: i for i, box in enumerate(boxes)}
    return diagram(boxes, [(a, b, "") for a, b in sorted(edges, key=lambda e: (order[e[0]], order[e[1]]))])


def _unindexed(name):
    """A name without its index: ``w12``, ``w_3`` and ``w₁₂`` are ``w``."""
    return re.sub(r"_?[0-9₀-₉]+$", "", name)


def _structure(expr, key):
    """``expr``'s tree with each symbol as its class, arguments sorted: equal for ``w1 x1 + w2 x2`` and
    ``w3 x1 + w4 x2``."""
    if isinstance(expr, sympy.Symbol):
        return key.get(expr, ("symbol", expr.name))
    if not expr.args:
        return ("atom", str(expr))
    return (type(expr).__name__, tuple(sorted((_structure(a, key) for a in expr.args), key=repr)))


def _range_rows(members, value, adjoint, name, output):
    if len(members) == 1:
        return _value_rows(members[0], value, adjoint, name, output)
    rows = []
    for label, table, colour in (("values", value, None), ("adjoints", adjoint, GRADIENT_COLOUR)):
        numbers = [table[s] for s in members if s in table and table[s].is_number]
        if numbers:
            low, high = min(numbers, key=float), max(numbers, key=float)
            shown = f"{_number(low)} … {_number(high)}" if low != high else f"{_number(low)} each"
            rows.append((f"{label} {shown}", colour))
    return rows
