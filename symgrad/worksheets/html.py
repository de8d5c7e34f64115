r"""Worksheets and derivations as self-contained HTML pages, readable offline.

One file holds everything: MathJax 3.2.2 (its single-file component ``es5/tex-svg.js``, whose SVG
output needs no fonts) inlined in a script, the model's graph as inline SVG, and a few lines of
script that reveal a derivation one step at a time: a button shows the step's hint (its caption, the
rules named beside its lines), then the step. Without script (``<noscript>``) and in print every step shows.

Nothing a worksheet supplies reaches the page unescaped: text is HTML-escaped, math is the filtered
TeX of :func:`~symgrad.explain.escaping.escape_math`, typeset by MathJax from each element's text (no
delimiters are searched for, so text is never read as math) with its ``autoload`` and ``require``
packages left out: ``\href``, ``\class``, ``\style``, ``\cssId``, ``\html...`` and ``\require``
cannot be defined. A ``</script`` or ``<!--`` in an inline script is escaped; a Content-Security-
Policy forbids every fetch.
"""

import html
import os
import re
import sys
from pathlib import Path

from ..core.errors import SymgradError
from ..explain.escaping import escape_math, segments
from ..explain.latex import LatexRenderer
from ..explain.layout import chain
from .content import answer_blocks, point_values, version_line
from .prompts import prompt

__all__ = ["worksheet_html", "derivation_html", "mathjax_path", "MATHJAX_VARIABLE"]

MATHJAX_VARIABLE = "SYMGRAD_MATHJAX"
INSTALL_HINT = ("`make setup` installs it (npm pack mathjax@3.2.2, its es5/tex-svg.js kept in the venv's "
                f"share/mathjax/es5/), or set {MATHJAX_VARIABLE} to a copy of that file")

_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"

_STYLE = """
body { font: 17px/1.5 Georgia, "Times New Roman", serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; }
h1 { text-align: center; margin-bottom: .2rem; }
.version { text-align: center; color: #555; margin-top: 0; }
.display { display: block; overflow-x: auto; margin: .6rem 0; }
figure { margin: 1.2rem 0; text-align: center; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; color: #444; }
ol.steps { padding-left: 1.4rem; }
li.step { margin: .6rem 0; }
.hint { background: #fdf6e3; border-left: 4px solid #e0b050; padding: .3rem .7rem; }
.work { border-left: 4px solid #4a7ab0; padding: 0 .7rem; }
button.reveal { font: inherit; font-size: .9rem; padding: .2rem .8rem; cursor: pointer; border: 1px solid #4a7ab0;
                border-radius: 4px; background: #eef4fb; }
button.reveal:focus { outline: 3px solid #e0b050; }
footer { margin-top: 2rem; border-top: 1px solid #999; font-size: .9rem; }
@media print { .steps [hidden] { display: block !important; } button.reveal { display: none; } }
"""

_NOSCRIPT = """<noscript><style>.steps [hidden] { display: block !important; } button.reveal { display: none; }
</style></noscript>"""

# MathJax's configuration: typeset by the script below, from each .tex element's text; no package is
# loaded on demand (autoload, require: they would fetch files and define \href, \class, \style, \cssId);
# a buffer large enough for LeNet's longest formula (MathJax's default, 5 KiB, is not).
_CONFIG = r"""window.MathJax = {
  loader: {load: []},
  tex: {packages: {'[-]': ['autoload', 'require', 'newcommand']}, macros: {boldsymbol: ['\\mathbf{#1}', 1]},
        maxBuffer: 256 * 1024},
  svg: {fontCache: 'global'},
  options: {enableMenu: false},
  startup: {typeset: false, pageReady: function () {
    document.querySelectorAll('.tex').forEach(function (el) {
      var svg = MathJax.tex2svg(el.textContent, {display: el.classList.contains('display')});
      el.textContent = '';
      el.appendChild(svg);
    });
    MathJax.startup.document.clear();
    MathJax.startup.document.updateDocument();
  }}
};"""

# A step's button shows its hint, then the step, then the next step's button.
_REVEAL = """document.querySelectorAll('button.reveal').forEach(function (button) {
  button.addEventListener('click', function () {
    var step = button.closest('.step'), hint = step.querySelector('.hint'), work = step.querySelector('.work');
    if (hint.hidden) {
      hint.hidden = false;
      button.textContent = 'Show the step';
      return;
    }
    work.hidden = false;
    button.hidden = true;
    var next = step.nextElementSibling;
    if (next) { next.hidden = false; next.querySelector('button.reveal').focus(); }
  });
});"""


def mathjax_path():
    """Where MathJax's ``tex-svg.js`` is read from: ``$SYMGRAD_MATHJAX``, else the venv's
    ``share/mathjax/es5/tex-svg.js`` (under ``sys.prefix``)."""
    return Path(os.environ.get(MATHJAX_VARIABLE) or Path(sys.prefix, "share", "mathjax", "es5", "tex-svg.js"))


def worksheet_html(sheet, derivations, *, answers, check, diagram=None):
    """The page of ``sheet``: title, notes, model, point, ``diagram`` (the ``(Diagram, caption)`` of
    :func:`~symgrad.worksheets.content.graph_diagram`, or None), each question's prompt and, with
    ``answers``, its derivation revealed step by step; the closing line of ``check`` (a
    :class:`~symgrad.twin.crosscheck.CrossCheck`). A training run is left to the PDF, and the page says so."""
    renderer = LatexRenderer(sheet.model)
    body = [f"<header><h1>{_text(sheet.title)}</h1>",
            f'<p class="version">{html.escape(sheet.name)} — {version_line(answers)}</p></header>']
    if sheet.notes:
        body.append(f"<p>{_text(sheet.notes)}</p>")
    body.append(_model(sheet.model, renderer, point_values(sheet.point.items(), renderer) if sheet.point else ()))
    if diagram is not None:
        body.append(_figure(diagram[0], diagram[1]))
    prompts = [prompt(q, d, renderer) for q, d in zip(sheet.questions, derivations)]
    blocks = answer_blocks(renderer, derivations) if answers else [()] * len(prompts)
    for number, (text, shown) in enumerate(zip(prompts, blocks), 1):
        body.append(f'<section class="question" id="q{number}"><h2>Question {number}</h2>'
                    f"<p>{_text(text, trusted=True)}</p>{_steps(shown, f'q{number}')}</section>")
    if sheet.training is not None:
        body.append("<section><h2>Training</h2><p>The training run is in the PDF worksheet "
                    "(<code>symgrad render</code> without <code>--format html</code>).</p></section>")
    body.append(f"<footer><p>{html.escape(check.sentence())}</p></footer>")
    return _page(_plain(sheet.title), "\n".join(body))


def derivation_html(derivation, title=None, diagram=None):
    """One derivation as a page: ``title`` (text with ``$...$`` math; a default when None), its graph's
    definitions, ``diagram`` (a :class:`~symgrad.explain.diagram.Diagram`, or None) and its steps,
    revealed one at a time, the answer last."""
    renderer = LatexRenderer(derivation.graph)
    title = "A derivation, step by step" if title is None else title
    body = [f"<header><h1>{_text(title)}</h1></header>"]
    body += [_model(derivation.graph, renderer, point_values(derivation.point, renderer))]
    if diagram is not None:
        body.append(_figure(diagram, ""))
    body.append(_steps(answer_blocks(renderer, [derivation])[0], "d"))
    return _page(_plain(title), "\n".join(body))


def _model(graph, renderer, point):
    """The model's definitions, then the point (math strings) when given."""
    out = f"<section><h2>The model</h2>{_display(renderer.definitions(graph))}"
    if point:
        out += "<p>The point: " + ", ".join(_math(v) for v in point) + ".</p>"
    return out + "</section>"


def _figure(diagram, caption):
    """A diagram as inline SVG (Graphviz's XML prolog and namespace declarations left out: HTML needs
    neither), with its caption."""
    svg = diagram.svg()
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg[svg.index("<svg"):])
    text = f"<figcaption>{_text(caption, trusted=True)}</figcaption>" if caption else ""
    return f'<figure class="diagram">{svg}{text}</figure>'


def _steps(blocks, prefix):
    """The blocks as an ordered list of steps, each with its hint and its work hidden behind one
    button; every step after the first hidden until the one before it is shown. A block with a caption
    and no rows is the next step's hint."""
    steps, pending = [], []
    for block in blocks:
        pending.extend([block.caption] if block.caption else [])
        if block.rows:
            steps.append((pending, block))
            pending = []
    items = []
    for index, (captions, block) in enumerate(steps, 1):
        name = f"{prefix}-{index}"
        hint = " ".join(_segments(c) for c in captions)
        notes = list(dict.fromkeys(r.note for r in block.rows if r.note))
        if notes:
            hint += " Beside its lines: " + ", ".join(map(_math, notes)) + "."
        items.append(
            f'<li class="step"{" hidden" if index > 1 else ""}>'
            f'<button type="button" class="reveal" aria-controls="{name}-hint {name}-work">'
            f"Step {index} of {len(steps)}: show a hint</button>"
            f'<div class="hint" id="{name}-hint" aria-live="polite" hidden>'
            f'{hint.strip() or "Apply the rules once more."}</div>'
            f'<div class="work" id="{name}-work" aria-live="polite" hidden>{_display(block)}</div></li>')
    return f'<ol class="steps">{"".join(items)}</ol>' if items else ""


def _display(block):
    return _math(r"\begin{aligned}%s\end{aligned}" % chain(block), display=True)


def _math(tex, display=False):
    """An element MathJax typesets from its text, ``tex`` as it is (filter a worksheet's math first)."""
    if display:
        return f'<span class="tex display">{html.escape(tex)}</span>'
    return f'<span class="tex">{html.escape(tex)}</span>'


def _segments(parts):
    """``(is_math, text)`` segments as HTML, the math as it is, the text escaped."""
    return "".join(_math(p) if is_math else html.escape(p) for is_math, p in parts if p)


def _text(text, trusted=False):
    """Text with ``$...$`` math as HTML: text escaped, math filtered unless symgrad wrote it (``trusted``)."""
    return _segments((m, p if trusted or not m else escape_math(p)) for m, p in segments(text))


def _plain(text):
    """Text with ``$...$`` math as a page title: the math's source, without its dollars, escaped."""
    return html.escape("".join(p for _, p in segments(text)))


def _script(source):
    """Source inlined in a ``<script>``: an end tag or a comment opening in it escaped."""
    return re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _mathjax():
    path = mathjax_path()
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise SymgradError(f"MathJax is missing: no {path}; {INSTALL_HINT}") from None


def _page(title, body):
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{_STYLE}</style>
{_NOSCRIPT}
<script>{_script(_CONFIG)}</script>
<script>{_script(_mathjax())}</script>
</head>
<body>
{body}
<script>{_script(_REVEAL)}</script>
</body>
</html>
"""
