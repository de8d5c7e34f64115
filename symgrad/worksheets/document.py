r"""A worksheet as a LaTeX document: the title and notes (escaped), the model, the point, each
question's prompt and, in the teacher's version, its derivation and answer; figures; the training
run (its section, as the run prints itself: :mod:`symgrad.worksheets.training_section`,
:mod:`symgrad.matrix.section`); and a closing line saying how every number was verified.

The preamble asks TeX for a reproducible file (no trailer ID, fixed dates come from
``SOURCE_DATE_EPOCH``) and serves both engines :func:`~symgrad.worksheets.pdf.build_pdf` picks: with
pdfLaTeX (ASCII and Latin text), Latin Modern in T1 from Debian's texlive-latex-base and
-recommended; with LuaLaTeX (any other script), Latin Modern with Debian's Noto fonts (Greek,
Cyrillic, CJK, Arabic and Hebrew, right to left through babel) and Symbola (emoji) as fallbacks.
"""

from ..explain.escaping import escape, escape_text
from ..explain.figures import figure_tex
from ..explain.latex import LatexRenderer
from ..explain.layout import document as layout_document
from .content import answer_blocks, point_values, version_line
from .prompts import prompt

__all__ = ["worksheet_tex", "derivation_tex", "PREAMBLE"]

PREAMBLE = r"""\documentclass[11pt]{article}
\ifdefined\pdftrailerid \pdftrailerid{}\fi
\ifdefined\pdfsuppressptexinfo \pdfsuppressptexinfo=-1\fi
\ifdefined\directlua
\pdfvariable suppressoptionalinfo \numexpr 512 + 15\relax
\tracinglostchars=3
\usepackage{lmodern}
\usepackage{fontspec}
\directlua{luaotfload.add_fallback("symgrad", {"NotoSerif:mode=harf;", "NotoSerifCJKsc:mode=harf;",
  "Symbola:mode=harf;"})}
\setmainfont{Latin Modern Roman}[RawFeature={fallback=symgrad}]
\usepackage[bidi=basic]{babel}
\babelprovide[import, main]{english}
\babelprovide[import, onchar=ids fonts]{arabic}
\babelprovide[import, onchar=ids fonts]{hebrew}
\babelfont[arabic]{rm}[Renderer=HarfBuzz]{Noto Naskh Arabic}
\babelfont[hebrew]{rm}[Renderer=HarfBuzz]{Noto Serif Hebrew}
\else
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\fi
\usepackage{amsmath,amssymb}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{graphicx}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
"""


def worksheet_tex(sheet, derivations, *, answers, check, figures=(), training=None, training_figures=()):
    """The document of ``sheet``: its questions' prompts, with ``answers`` their derivations and
    ``figures``; its training run when ``training`` (the run's section: ``training.tex(sheet,
    answers=..., figures=...)``) is given, with ``training_figures``; and the closing line of
    ``check`` (a :class:`~symgrad.twin.crosscheck.CrossCheck`)."""
    renderer = LatexRenderer(sheet.model)
    body = [r"\begin{center}{\LARGE %s}\end{center}" % escape(sheet.title)]
    body.append(r"\begin{center}\small %s --- %s\end{center}" % (escape_text(sheet.name), version_line(answers)))
    if sheet.notes:
        body.append(escape(sheet.notes))
    body.append(_model(sheet.model, tuple(sheet.point.items()), renderer))
    prompts = [prompt(q, d, renderer) for q, d in zip(sheet.questions, derivations)]
    blocks = answer_blocks(renderer, derivations) if answers else [None] * len(prompts)
    for number_, (text, shown) in enumerate(zip(prompts, blocks), 1):
        body.append(r"\subsection*{Question %d}" % number_)
        body.append(text)
        body.append(layout_document(shown) if answers else r"\vspace{6\baselineskip}")
    body.extend(figure_tex(f) for f in figures)
    if training is not None:
        body.append(training.tex(sheet, answers=answers, figures=training_figures))
    body.append(r"\vfill\noindent\rule{\textwidth}{0.4pt}\\ \small %s" % escape_text(check.sentence()))
    return PREAMBLE + "\\begin{document}\n" + "\n\n".join(body) + "\n\\end{document}\n"


ONE_PAGE = r"""\ifdim\dimexpr\ht0+\dp0\relax<15000pt
\ifdefined\pageheight\pageheight\else\pdfpageheight\fi=\dimexpr\ht0+\dp0+5cm\relax
\textheight=\dimexpr\ht0+\dp0+1pt\relax \vsize=\textheight
\box0
\else\unvbox0\fi
"""  # box 0's page made as tall as box 0 (TeX's dimensions end near 16384 pt: a longer one is paged)


def derivation_tex(derivation, title, figure=None):
    """A one-page document of ``derivation``: ``title`` (text, escaped), the model's definitions and
    point, the derivation and its answer, and ``figure`` (a :class:`~symgrad.explain.figures.Figure`)."""
    renderer = LatexRenderer(derivation.graph)
    body = [r"\begin{center}{\Large %s}\end{center}" % escape_text(title),
            _model(derivation.graph, derivation.point, renderer)]
    body.append(layout_document(renderer.derivation(derivation) + [renderer.answer(derivation)]))
    body.extend([figure_tex(figure)] if figure is not None else [])
    return PREAMBLE + "\\begin{document}\n\\setbox0=\\vbox{" + "\n\n".join(body) + "}\n" + ONE_PAGE + "\\end{document}\n"


def _model(graph, point, renderer):
    """The model's definitions, then the point (``(symbol, value)`` pairs) when there is one."""
    text = "\\subsection*{The model}\n" + layout_document([renderer.definitions(graph)])
    if point:
        text += "\nThe point: " + ", ".join(f"${v}$" for v in point_values(point, renderer)) + "."
    return text
