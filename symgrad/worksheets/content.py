r"""What a worksheet shows, whichever format writes it (:mod:`~symgrad.worksheets.document` for TeX,
:mod:`~symgrad.worksheets.html` for HTML): the line naming its version, the model's point, and each
question's derivation as blocks of rows (:mod:`symgrad.explain.layout`); the model's graph."""

import sympy

from ..explain.derivation import derive
from ..explain.layout import Block, Piece, Row, caption as block_caption
from ..explain.diagram import caption, diagram_of
from ..explain.notation import number

__all__ = ["version_line", "point_values", "answer_blocks", "graph_diagram"]


def version_line(answers):
    """Which version a worksheet is: the teacher's (``answers``) or the student's."""
    return "Teacher's version, with the derivations and answers" if answers else "Student's version"


def point_values(point, renderer):
    """The point (``(symbol, value)`` pairs) as math, one ``symbol = value`` per variable, in order."""
    return [f"{renderer.symbol(s)} = {number(v)}" for s, v in point]


def answer_blocks(renderer, derivations):
    """Each derivation's blocks, its answer last; the forward pass only in the first derivation at a
    point. ``renderer`` is the document's one :class:`~symgrad.explain.latex.LatexRenderer` (a partial
    shown once is recalled after), so the derivations must be rendered in order, all of them."""
    shown, out = False, []
    for derivation in derivations:
        if not derivation.answers:  # a matrix gradient: its answer alone
            answer = Row(r"\nabla_{%s}" % sympy.latex(derivation.wrt[0]), Piece((("", sympy.latex(derivation.result)),)))
            out.append([Block(block_caption("Answer:"), (answer,))])
            continue
        forward = bool(derivation.point) and not shown
        shown = shown or forward
        out.append(renderer.derivation(derivation, forward=forward) + [renderer.answer(derivation)])
    return out


def graph_diagram(sheet, answers):
    """The model's graph (``sheet.diagram``) and its caption, with the values and adjoints at the point
    for the teacher (``answers``), the definitions only for the student; None when not asked for."""
    if not sheet.diagram:
        return None
    graph = sheet.model
    derivation = derive(graph, graph.leaves(graph.output), at=sheet.point if answers else None)
    return diagram_of(derivation), caption(answers)
