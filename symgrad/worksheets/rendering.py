"""Rendering one worksheet: derive every question, check the derivations against the engine's
answers and every number against numeric computations, run its training (checked against
PyTorch's run), then write ``NAME.tex``, ``NAME.key.json``, the figures, and ``NAME.pdf``; or, as a
page, ``NAME.html`` alone (:func:`render_html`: the same checks, the training run left to the PDF).

Nothing is written before every check has passed, so a worksheet with a wrong number gets no files.
The files are drawn and written into a staging folder inside the output folder, then each replaces
its old version by a rename (:func:`~symgrad.core.files.staging_folder`): a full disk or an interruption
leaves the old files, and a symlink in the output folder is replaced, never written through.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..twin.crosscheck import crosscheck
from .document import worksheet_tex
from ..core.equality import equal
from ..core.errors import DerivationError
from ..core.files import staging_folder, write_atomically
from ..explain.figures import Figure
from .answer_key import answer_key, derive_questions
from .content import graph_diagram
from .html import worksheet_html
from ..explain.latex import LatexRenderer
from ..explain.notation import number
from ..numeric.compilation import compile_function
from .pdf import build_pdf
from .training_section import section
from ..explain.plots import directions_plot
from ..explain.steps import Directional

__all__ = ["Rendered", "render_worksheet", "render_html"]


@dataclass(frozen=True)
class Rendered:
    """The files a worksheet was rendered to (``pdf`` is None when only TeX was asked for)."""

    tex: Path
    key: Path
    pdf: Path | None
    figures: tuple


def render_worksheet(sheet, folder, *, answers=False, pdf=True):
    """Write ``sheet`` into ``folder`` as TeX, key and (with ``pdf``) PDF; the figures, which show
    answers, only in the teacher's version (``answers``). Raises :class:`~symgrad.worksheets.pdf.TexMissingError`
    after writing the TeX and key when TeX is missing."""
    folder = Path(folder)
    derivations = derive_questions(sheet)
    _agree(sheet, derivations)
    check = crosscheck(derivations)
    training = section(sheet.training, sheet) if sheet.training is not None else None
    if training is not None:
        check = replace(check, training=training.check)
    tex, key = folder / f"{sheet.name}.tex", folder / f"{sheet.name}.key.json"
    with staging_folder(folder) as stage:  # the files appear together, each whole, or none does
        figures = _graph_figure(sheet, stage, answers) + (_figures(sheet, derivations, stage) if answers else ())
        training_figures = training.figures(sheet, stage) if answers and training is not None else ()
        write_atomically(stage / tex.name, worksheet_tex(sheet, derivations, answers=answers, check=check,
                                                         figures=figures, training=training,
                                                         training_figures=training_figures))
        write_atomically(stage / key.name, json.dumps(answer_key(sheet, derivations), indent=1,
                                                      ensure_ascii=False) + "\n")
    files = tuple(folder / f.file for f in figures + training_figures)
    built = build_pdf(tex, files) if pdf else None
    return Rendered(tex, key, built, files)


def render_html(sheet, folder, *, answers=False):
    """Write ``sheet`` into ``folder`` as one self-contained page, ``NAME.html``, once its derivations
    have been checked as :func:`render_worksheet` checks them (its training run is not run: the PDF has
    it); with ``answers`` the derivations, step by step. Returns the page's path."""
    derivations = derive_questions(sheet)
    _agree(sheet, derivations)
    page = worksheet_html(sheet, derivations, answers=answers, check=crosscheck(derivations),
                          diagram=graph_diagram(sheet, answers))
    path = Path(folder) / f"{sheet.name}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, page)
    return path


def _agree(sheet, derivations):
    """Each derivation's result equals the engine's answer (a node kept in it expanded)."""
    for index, (question, derivation) in enumerate(zip(sheet.questions, derivations), 1):
        derived, answer = derivation.result, question.answer(sheet)
        pairs = zip(derived, answer) if isinstance(answer, tuple) else [(derived, answer)]
        for d, a in pairs:
            if not equal(sheet.model.expand(d), a):
                raise DerivationError(f"worksheet {sheet.name}, question {index}: the derivation gives {d}, "
                                      f"but the engine's answer is {a}")


def _graph_figure(sheet, folder, answers):
    """The model's graph (:func:`~symgrad.worksheets.content.graph_diagram`) drawn as a PDF figure."""
    drawn = graph_diagram(sheet, answers)
    if drawn is None:
        return ()
    name = f"{sheet.name}-graph.pdf"
    drawn[0].write(folder / name)
    return (Figure(name, drawn[1]),)


def _figures(sheet, derivations, folder):
    """A contour plot of the directional derivatives asked at the point, over two variables."""
    asked = [d for d in derivations if d.answers and isinstance(d.answers[0], Directional) and d.point and len(d.wrt) == 2]
    if not asked:
        return ()
    first = asked[0]
    wrt = first.wrt
    graph = first.graph
    point = dict(first.point)
    others = [s for s in graph.leaves(graph.output) if s not in wrt]
    f = compile_function(graph, list(wrt) + others)
    fixed = [float(point[s]) for s in others]
    gradient = [float(g.result) for g in first.answers[0].gradient]
    directions = []
    renderer = LatexRenderer(sheet.model)
    for d in asked:
        v = np.array([float(c) for c in d.answers[0].direction])
        label = "$v = (%s)$" % ", ".join(number(c) for c in d.answers[0].direction)
        directions.append((label, tuple(v / np.linalg.norm(v)), float(d.result)))
    name = f"{sheet.name}-directions.pdf"
    directions_plot(folder / name, lambda a, b: f(a, b, *fixed), [renderer.symbol(w) for w in wrt],
                    (float(point[wrt[0]]), float(point[wrt[1]])), gradient, directions)
    return (Figure(name, "Contour lines of the function around the point, its gradient, and the unit "
                         "directions of the questions, each labelled with the directional derivative."),)
