r"""A worksheet as a LaTeX document: the title and notes (escaped), the model, the point, each
question's prompt and, in the teacher's version, its derivation and answer; figures; the training
run (:mod:`symgrad.training_section`); and a closing line saying how every number was verified.

The preamble asks pdfTeX for a reproducible file (no trailer ID, fixed dates come from
``SOURCE_DATE_EPOCH``), and uses only the packages of Debian's texlive-latex-base and -recommended.
"""

from dataclasses import dataclass

from .escaping import escape, escape_text
from .latex import LatexRenderer
from .layout import document as layout_document
from .matrix.latex import MatrixRenderer
from .notation import number
from .optimizers import make_optimizer
from .prompts import prompt
from .training_section import result_tex, setup_tex, table_tex, task_tex

__all__ = ["Figure", "worksheet_tex", "PREAMBLE"]

PREAMBLE = r"""\documentclass[11pt]{article}
\ifdefined\pdftrailerid \pdftrailerid{}\fi
\ifdefined\pdfsuppressptexinfo \pdfsuppressptexinfo=-1\fi
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{graphicx}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
"""


@dataclass(frozen=True)
class Figure:
    """A plot to include: a file name in the build folder and its caption (text with ``$...$`` math)."""

    file: str
    caption: str


def worksheet_tex(sheet, derivations, *, answers, check, figures=(), training=None, training_figures=()):
    """The document of ``sheet``: its questions' prompts, with ``answers`` their derivations and
    ``figures``; its training run when ``training`` (a :class:`~symgrad.training_summary.TrainingSummary`)
    is given, with ``answers`` its table, ``training_figures`` and result; and the closing line of
    ``check`` (a :class:`~symgrad.crosscheck.CrossCheck`)."""
    renderer = LatexRenderer(sheet.model)
    body = [r"\begin{center}{\LARGE %s}\end{center}" % escape(sheet.title)]
    version = "Teacher's version, with the derivations and answers" if answers else "Student's version"
    body.append(r"\begin{center}\small %s --- %s\end{center}" % (escape_text(sheet.name), version))
    if sheet.notes:
        body.append(escape(sheet.notes))
    body.append(_model(sheet, renderer))
    forward_shown = False
    for number_, (question, derivation) in enumerate(zip(sheet.questions, derivations), 1):
        body.append(r"\subsection*{Question %d}" % number_)
        body.append(prompt(question, derivation, renderer))
        if not answers:
            body.append(r"\vspace{6\baselineskip}")
            continue
        forward = bool(derivation.point) and not forward_shown
        forward_shown = forward_shown or forward
        body.append(layout_document(renderer.derivation(derivation, forward=forward) + [renderer.answer(derivation)]))
    body.extend(_figure(f) for f in figures)
    if training is not None:
        body += [r"\subsection*{Training}", setup_tex(sheet, training)]
        if answers:
            body += [table_tex(training), *map(_figure, training_figures), result_tex(training)]
        else:
            body.append(task_tex(training))
    body.append(r"\vfill\noindent\rule{\textwidth}{0.4pt}\\ \small %s" % escape_text(check.sentence()))
    if sheet.training is not None and sheet.training.derivation() is not None:
        body.append(_training_page(sheet.training))
    return PREAMBLE + "\\begin{document}\n" + "\n\n".join(body) + "\n\\end{document}\n"


def _training_page(training):
    """A page deriving the training run's model (matrix mode: layer by layer), and its update rule."""
    optimizer = make_optimizer(training.optimizer, training.options)
    return ("\\clearpage\n\\subsection*{The training run, derived in matrix form}\n"
            + layout_document(MatrixRenderer().render(training.derivation()))
            + "\n\n\\noindent After each batch, every parameter $\\theta$ takes a step of %s:\n\\[%s\\]"
            % (escape_text(repr(optimizer)), optimizer.latex()))


def _figure(figure):
    return ("\\begin{center}\n\\includegraphics[width=0.8\\textwidth]{%s}\n\n\\small %s\n\\end{center}"
            % (figure.file, escape(figure.caption)))


def _model(sheet, renderer):
    text = "\\subsection*{The model}\n" + layout_document([renderer.definitions(sheet.model)])
    if sheet.point:
        values = ", ".join(f"${renderer.symbol(s)} = {number(v)}$" for s, v in sheet.point.items())
        text += "\nThe point: " + values + "."
    return text
