r"""A worksheet's training run in LaTeX: what is run (the loss of one sample, the data, the optimizer's
update rule as :meth:`~symgrad.numeric.optimizers.Optimizer.latex` states it, the batches, epochs and
iterations per epoch counted as S4 counts them), the table of epochs, and the result (the final
parameters and the predictions before and after training). The student's version asks for them.

Numbers: in the table, an exact run's values print exactly where that takes at most ``digits``
significant digits, and otherwise rounded and marked with $\approx$; a float run's values are
rounded to ``digits`` significant digits (8, or 6 when a table has more than four columns of
values). Final values print in full: a float by its shortest repr, an exact value exactly when
short, else to 15 digits with the size of the fraction said.

:func:`section` runs a worksheet's training run for its PDF, dispatched on the run's type: for a
scalar run a :class:`ScalarSection` holds the summary, the check against the torch twin, and draws
the figures (the loss curve, and the loss surface a worksheet's ``surface`` asks for); a matrix-mode
run gets its :class:`~symgrad.matrix.section.MatrixSection`.
"""

import functools
from dataclasses import dataclass

import sympy

from ..core.errors import TrainingError
from ..matrix import section as matrix_section
from ..matrix.training import MatrixTraining
from ..numeric.training import TORCH_ORDER, Training
from ..twin.crosscheck import TrainingCheck, crosscheck_training
from ..explain.escaping import escape_text
from ..explain.figures import Figure, figure_tex
from ..explain.latex import LatexRenderer
from ..explain.layout import Block, Piece, Row, document
from ..explain.notation import decimal, number
from ..core.numbers import exact
from ..numeric.compilation import compile_function
from ..numeric.optimizers import make_optimizer
from ..explain.plots import loss_curve, loss_surface
from ..numeric.training_summary import TrainingSummary, summarise
from ..core.variables import resolve_all

__all__ = ["ScalarSection", "section", "setup_tex", "task_tex", "table_tex", "result_tex"]

COLUMNS = 6  # parameters per table: more continue in another table
LISTED = 8  # a data column of at most this many values is listed in full
SHORT = 24  # an exact final value is printed exactly when it takes at most this many characters
FINAL_DIGITS = 15

_MODES = {"exact": "The run is computed exactly, in rational arithmetic.",
          "float64": "The run is computed in float64, as PyTorch computes in double precision.",
          "float32": "The run is computed in float32, as PyTorch computes by default."}


@dataclass(frozen=True)
class ScalarSection:
    """A scalar run as a worksheet prints it: its summary and its check against the torch twin."""

    summary: TrainingSummary
    check: TrainingCheck

    def figures(self, sheet, folder):
        """The run's loss curve and, when the worksheet names a ``surface``, the loss over those two
        parameters with the run's trajectory, drawn into ``folder``."""
        history = self.summary.history
        name = f"{sheet.name}-loss.pdf"
        loss_curve(folder / name, history.losses, history.iterations_per_epoch)
        means = " and its mean over each epoch" if history.iterations_per_epoch > 1 else ""
        figures = [Figure(name, f"The loss of the batch at each of the {history.iterations} iterations{means}.")]
        if sheet.surface:
            figures.append(_surface(sheet, self.summary, folder))
        return tuple(figures)

    def tex(self, sheet, *, answers, figures=()):
        """The section: what is run, then the table, ``figures`` and result (``answers``) or the task."""
        body = [r"\subsection*{Training}", setup_tex(sheet, self.summary)]
        if answers:
            body += [table_tex(self.summary), *map(figure_tex, figures), result_tex(self.summary)]
        else:
            body.append(task_tex(self.summary))
        return "\n\n".join(body)


@functools.singledispatch
def section(run, sheet):
    """Run ``sheet``'s training run ``run`` for its PDF and check it against PyTorch's run: a section
    with ``check`` (its ``sentence()`` joins the closing line), ``figures(sheet, folder)`` (drawn for
    the teacher's version) and ``tex(sheet, answers=..., figures=...)``."""
    raise TrainingError(f"worksheet {sheet.name}: symgrad cannot print a {type(run).__name__} training run")


@section.register
def _scalar_section(run: Training, sheet):
    """The scalar run, checked against the torch twin's run in float64."""
    summary = summarise(sheet)
    return ScalarSection(summary, crosscheck_training(sheet.name, summary))


@section.register
def _matrix_section(run: MatrixTraining, sheet):
    return matrix_section.section(run, sheet)


def setup_tex(sheet, summary):
    """What is run: the loss of one sample, the data, the batches and epochs, the optimizer, the mode."""
    run = summary.plan
    renderer = LatexRenderer(run.loss)
    loss = renderer.symbol(run.loss.output)
    if sheet.training.loss is None:
        parts = [f"The loss of one sample is the model's ${loss}$ above."]
    else:
        parts = ["The loss of one sample:\n" + document([renderer.definitions(run.loss)])]
    parts.append(_data(run, renderer) + " " + _batches(run, summary.history.iterations_per_epoch))
    optimizer = make_optimizer(run.optimizer, run.options)
    parameters = ", ".join(f"${renderer.symbol(p)}$" for p in run.parameters)  # a line may break between them
    parts.append(f"Each iteration takes one step of PyTorch's {optimizer.name} on the mean loss of its batch, "
                 f"$\\theta$ standing for {parameters}:\n\\[{optimizer.latex()}\\]")
    if run.schedule is not None:
        parts.append(f"After each epoch the learning rate is updated by the schedule "
                     f"\\texttt{{{escape_text(repr(run.schedule))}}}, as torch.optim.lr\\_scheduler's.")
    parts.append(_MODES[run.mode] + f" The parameters start at {_values(renderer, run.parameters, run.initial)}.")
    return "\n\n".join(parts)


def _data(run, renderer):
    n = run.order.n
    columns = ", ".join(f"${renderer.symbol(s)} = {_listed(column)}$" for s, column in zip(run.data, run.columns))
    return f"The data, {'one sample' if n == 1 else f'$N = {n}$ samples'}: {columns}." if run.data else ""


def _listed(column):
    values = [number(exact(v)) for v in column]
    if len(values) == 1:
        return values[0]
    if len(values) > LISTED:
        values = values[:3] + [r"\ldots"] + values[-1:]
    return r"\left(%s\right)" % ", ".join(values)


def _batches(run, per_epoch):
    """The batches as S4 counts them: batch size, batches per epoch, iterations in all."""
    order, epochs = run.order, run.epochs
    if order.batch_size == 1:
        kind = (f"Stochastic gradient descent: batches of one sample ($B = 1$), so an epoch is $N = {order.n}$ "
                f"iteration{'s' if order.n > 1 else ''}")
    elif order.size >= order.n:
        kind = (f"Batch gradient descent: every iteration uses the whole data set ($B = N = {order.n}$), "
                "so an epoch is $1$ iteration")
    else:
        bracket = (r"\lfloor", r"\rfloor") if order.drop_last else (r"\lceil", r"\rceil")
        kind = (f"Mini-batch gradient descent: batches of $B = {order.size}$ samples, so an epoch is "
                f"${bracket[0]} N / B {bracket[1]} = {bracket[0]} {order.n} / {order.size} {bracket[1]} = {per_epoch}$ "
                "iterations" + (" (the incomplete last batch is dropped)" if order.drop_last and order.n % order.size
                                else ""))
    total = f"$E = {epochs}$ epochs make ${epochs} \\times {per_epoch} = {epochs * per_epoch}$ iterations" \
        if per_epoch > 1 else f"$E = {epochs}$ epochs make ${epochs}$ iterations"
    order_text = (f" The samples are shuffled at the start of every epoch (seed {order.seed}"
                  f"{TORCH_ORDER if order.shuffle == 'torch' else ''})." if order.shuffle else "")
    return f"{kind}; {total}.{order_text}"


def _values(renderer, symbols, values):
    return ", ".join(f"${renderer.symbol(s)} = {number(v)}$" for s, v in zip(symbols, values))


def task_tex(summary):
    """The student's task: the table, the final parameters, and the predictions."""
    text = "Run it: give the parameters and the loss after each epoch, and the final parameters."
    renderer = LatexRenderer(summary.plan.loss)
    for p in summary.predictions:
        text += f" What is {_prediction_label(renderer, p)}, before training and after?"
    return text + "\n\n\\vspace{6\\baselineskip}"


def table_tex(summary):
    """The epochs a summary shows, as tables of at most :data:`COLUMNS` parameters each, with a
    line saying which epochs are shown and how the numbers are rounded."""
    run, history = summary.plan, summary.history
    renderer = LatexRenderer(run.loss)
    loss = renderer.symbol(run.loss.output)
    several = history.iterations_per_epoch > 1
    losses = [f"${loss}$ (last batch)", f"mean ${loss}$"] if several else [f"${loss}$"]
    chunks = [list(range(k, min(k + COLUMNS, len(run.parameters)))) for k in range(0, len(run.parameters), COLUMNS)]
    digits = 8 if len(chunks[0]) + len(losses) <= 4 else 6
    exact = history.mode == "exact"
    tables = []
    for number_, columns in enumerate(chunks):
        header = ["epoch"] + [f"${renderer.symbol(run.parameters[c])}$" for c in columns]
        header += losses if number_ == 0 else []
        body = [["0"] + [_cell(history.parameters[0][c], digits, exact) for c in columns]
                + ([""] * len(losses) if number_ == 0 else [])]
        for row in summary.rows:
            cells = [str(row.epoch)] + [_cell(row.parameters[c], digits, exact) for c in columns]
            if number_ == 0:
                cells += [_cell(row.loss, digits, exact)] + ([_cell(row.mean_loss, digits, exact)] if several else [])
            body.append(cells)
        tables.append(_tabular(header, body))
    return "\n\n".join(tables) + "\n\n" + _table_note(summary, loss, several, digits, exact)


def _tabular(header, body):
    lines = [" & ".join(header) + r" \\ \hline"] + [" & ".join(cells) + r" \\" for cells in body]
    return ("\\begin{center}\\small\\setlength{\\tabcolsep}{5pt}\n\\begin{tabular}{r%s}\n%s\n\\end{tabular}"
            "\n\\end{center}" % ("r" * (len(header) - 1), "\n".join(lines)))


def _table_note(summary, loss, several, digits, exact):
    epochs = len(summary.history.epochs)
    if summary.skips:
        shown = (f"Epochs 1 to {summary.first}, every {_ordinal(summary.every)} epoch and the last of the {epochs} "
                 "are shown. ")
    else:
        shown = ""
    which = (f"The loss of an epoch is its last batch's, computed before that batch's step (as the tutorials print "
             f"it); mean ${loss}$ is the mean over the epoch's batches. " if several else
             f"The loss of an epoch is ${loss}$ at the parameters the epoch's step starts from. ")
    rounding = (f"Values are exact, except those marked $\\approx$, rounded to {digits} significant digits."
                if exact else f"Values are rounded to {digits} significant digits.")
    return r"\noindent{\small " + shown + which + rounding + "}"


def _ordinal(k):
    return {2: "second", 3: "third"}.get(k, f"{k}th")


def _cell(value, digits, exact):
    """A table cell: exact when it takes at most ``digits`` significant digits, else rounded (and
    marked when the run is exact)."""
    value = sympy.sympify(value)
    if not exact:
        return f"${decimal(value, digits)}$"
    if value.is_Rational:
        text = number(value)
        if "frac" not in text and _significant(text) <= digits:
            return f"${text}$"
    return f"$\\approx {decimal(value, digits)}$"


def _significant(text):
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    return len(digits)


def result_tex(summary):
    """The final parameters, in full, and each prediction before and after training."""
    run, history = summary.plan, summary.history
    renderer = LatexRenderer(run.loss)
    rows, longest = [], 0
    for symbol, value in zip(run.parameters, history.parameters[-1].tolist()):
        relation, text, size = _final(value)
        longest = max(longest, size)
        rows.append(Row(renderer.symbol(symbol), Piece.of(text), relation=relation))
    text = (f"After the {history.iterations} iterations:\n"  # the values kept together on one page
            + "{\\interdisplaylinepenalty=10000\n" + document([Block((), tuple(rows))]) + "}")
    if longest:
        text += (f"\nExactly, these are fractions whose denominators have up to {longest} digits; they are shown "
                 f"to {FINAL_DIGITS} significant digits.")
    for p in summary.predictions:
        relation, after, _ = _final(p.after)
        after = after if relation == "=" else f"{relation} {after}"
        text += f"\n\nBefore training, {_prediction_label(renderer, p)} is ${number(p.before)}$; after, ${after}$."
    return text


def _final(value):
    """A final value in full: ``(relation, LaTeX, digits)``, the digits of its denominator when it is
    an exact fraction too long to print and shown rounded (else 0)."""
    if isinstance(value, float):
        return "=", _float(value), 0
    value = sympy.sympify(value)
    if value.is_Rational and len(number(value)) <= SHORT:
        return "=", number(value), 0
    return r"\approx", decimal(value, FINAL_DIGITS), len(str(value.q)) if value.is_Rational else 0


def _float(x):
    """A float by its shortest repr, an exponent written as a power of ten."""
    text = repr(float(x))
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"


def _prediction_label(renderer, p):
    at = ", ".join(f"${renderer.symbol(s)} = {number(v)}$" for s, v in p.at.items())
    named = f"{renderer.symbol(p.node)} = " if p.node is not None else ""
    return f"the prediction ${named}{renderer.notation.expression(p.expression)}$ at {at}"


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
