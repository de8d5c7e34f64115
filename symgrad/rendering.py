"""Rendering one worksheet: derive every question, check the derivations against the engine's
answers and every number against numeric computations, run its training (checked against the
torch twin's run), then write ``NAME.tex``, ``NAME.key.json``, the figures, and ``NAME.pdf``.

Nothing is written before every check has passed, so a worksheet with a wrong number gets no files.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .crosscheck import crosscheck, crosscheck_training
from .document import Figure, worksheet_tex
from .equality import equal
from .errors import DerivationError
from .key import answer_key, derive_questions
from .latex import LatexRenderer
from .notation import number
from .numeric import compile_function
from .pdf import build_pdf
from .plots import directions_plot, loss_curve, loss_surface
from .steps import Directional
from .variables import resolve_all

__all__ = ["Rendered", "render_worksheet"]


@dataclass(frozen=True)
class Rendered:
    """The files a worksheet was rendered to (``pdf`` is None when only TeX was asked for)."""

    tex: Path
    key: Path
    pdf: Path | None
    figures: tuple


def render_worksheet(sheet, folder, *, answers=False, pdf=True):
    """Write ``sheet`` into ``folder`` as TeX, key and (with ``pdf``) PDF; the figures, which show
    answers, only in the teacher's version (``answers``). Raises :class:`~symgrad.pdf.TexMissingError`
    after writing the TeX and key when TeX is missing."""
    folder = Path(folder)
    derivations = derive_questions(sheet)
    _agree(sheet, derivations)
    check = crosscheck(derivations)
    training = sheet.training.summary(sheet) if sheet.training is not None else None
    if training is not None:
        check = replace(check, training=crosscheck_training(sheet.name, training))
    folder.mkdir(parents=True, exist_ok=True)
    figures = _figures(sheet, derivations, folder) if answers else ()
    training_figures = _training_figures(sheet, training, folder) if answers and training is not None else ()
    tex = folder / f"{sheet.name}.tex"
    tex.write_text(worksheet_tex(sheet, derivations, answers=answers, check=check, figures=figures,
                                 training=training, training_figures=training_figures))
    key = folder / f"{sheet.name}.key.json"
    key.write_text(json.dumps(answer_key(sheet, derivations), indent=1, ensure_ascii=False) + "\n")
    files = tuple(folder / f.file for f in figures + training_figures)
    built = build_pdf(tex, files) if pdf else None
    return Rendered(tex, key, built, files)


def _agree(sheet, derivations):
    """Each derivation's result equals the engine's answer (a node kept in it expanded)."""
    for index, (question, derivation) in enumerate(zip(sheet.questions, derivations), 1):
        derived, answer = derivation.result, question.answer(sheet)
        pairs = zip(derived, answer) if isinstance(answer, tuple) else [(derived, answer)]
        for d, a in pairs:
            if not equal(sheet.model.expand(d), a):
                raise DerivationError(f"worksheet {sheet.name}, question {index}: the derivation gives {d}, "
                                      f"but the engine's answer is {a}")


def _figures(sheet, derivations, folder):
    """A contour plot of the directional derivatives asked at the point, over two variables."""
    asked = [d for d in derivations if isinstance(d.answers[0], Directional) and d.point and len(d.wrt) == 2]
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


def _training_figures(sheet, summary, folder):
    """The run's loss curve and, when the worksheet names a ``surface``, the loss over those two
    parameters with the run's trajectory."""
    history = summary.history
    name = f"{sheet.name}-loss.pdf"
    loss_curve(folder / name, history.losses, history.iterations_per_epoch)
    means = " and its mean over each epoch" if history.iterations_per_epoch > 1 else ""
    figures = [Figure(name, f"The loss of the batch at each of the {history.iterations} iterations{means}.")]
    if sheet.surface:
        figures.append(_surface(sheet, summary, folder))
    return tuple(figures)


def _surface(sheet, summary, folder):
    """The mean loss over the data as a function of the two ``surface`` parameters, the others held
    at their initial values, with the run's trajectory in those two."""
    run, history = summary.plan, summary.history
    pair = resolve_all(sheet.surface, run.parameters, "training run's parameters")
    others = [p for p in run.parameters if p not in pair]
    initial = dict(zip(run.parameters, run.initial))
    f = compile_function(run.loss, list(pair) + others + list(run.data))
    fixed = [float(initial[p]) for p in others]
    samples = list(zip(*run.data_arrays("float64"))) or [()]

    def mean_loss(a, b):
        return sum(f(a, b, *fixed, *sample) for sample in samples) / len(samples)

    renderer = LatexRenderer(run.loss)
    names = [renderer.symbol(p) for p in pair]
    trajectory = list(zip(*(history.trajectory(p.name) for p in pair)))
    name = f"{sheet.name}-surface.pdf"
    loss_surface(folder / name, mean_loss, names, trajectory)
    held = ", ".join(f"${renderer.symbol(p)} = {number(initial[p])}$" for p in others)
    data = "of the sample" if len(samples) == 1 else f"averaged over the {len(samples)} samples"
    caption = (f"The loss {data} over ${names[0]}$ and ${names[1]}$, with its contour lines underneath, and the "
               f"run's {len(trajectory) - 1} steps drawn on both, each point numbered from the start and labelled "
               f"$({names[0]}, {names[1]})$.")
    if others:
        caption += (f" The other parameters are held where they start ({held}); they move too during training, "
                    "so the run's own losses (in the table) are not the heights of this surface.")
    return Figure(name, caption)
