"""Training runs as tables of epochs: what ``symgrad train`` prints for a scalar run (the optimizer,
one row per shown epoch with the parameters and the losses, how the run ended, the exact final values).
"""

from ..core.errors import TrainingError
from .optimizers import make_optimizer
from .training_summary import shown_epochs

__all__ = ["table_rows", "report", "ROWS"]

ROWS = 20  # epochs shown by default (the first, the last, and evenly spaced ones between)
WIDE = 24  # an exact value longer than this is shown as its decimal approximation in the table
LONGEST = 400  # exact final values are printed when none is longer than this


def table_rows(epochs, every=None):
    """The epochs (rows with an ``epoch`` number) a table shows: the first, every ``every``-th
    (default: about :data:`ROWS` rows) and the last."""
    every = every or max(1, len(epochs) // ROWS)
    if every < 1:
        raise TrainingError(f"--every must be at least 1, got {every}")
    return shown_epochs(epochs, every)


def report(spec, history, every=None):
    """The lines of a :class:`~symgrad.numeric.loops.History` of the run ``spec``, as one text."""
    batch = "full batch" if spec.batch_size is None else f"batch size {spec.batch_size}"
    lines = [f"   {make_optimizer(spec.optimizer, spec.options)!r}, {batch}, {history.iterations_per_epoch} "
             f"iteration(s) per epoch, {history.iterations} iterations, {history.mode}",
             _table(history, every)]
    if history.stopped:
        lines.append(f"stopped early: {history.stopped}")
    if history.mode == "exact":
        exact = {k: str(v) for k, v in history.final.items()}
        longest = max(len(v) for v in exact.values())
        if longest <= LONGEST:
            lines.append("final parameters, exactly: " + ", ".join(f"{k} = {v}" for k, v in exact.items()))
        else:
            lines.append(f"the final parameters are exact rationals of up to {longest} characters: --save writes them")
    return "\n".join(lines)


def _table(history, every):
    several = history.iterations_per_epoch > 1
    header = ["epoch", *history.names, "loss (last batch)" if several else "loss"] + (["mean loss"] if several else [])
    body = [[str(r.epoch), *map(_number, r.parameters), _number(r.loss)] + ([_number(r.mean_loss)] if several else [])
            for r in table_rows(history.epochs, every)]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in [header, *body])


def _number(value):
    if hasattr(value, "is_Rational"):  # exact
        text = str(value)
        return text if len(text) <= WIDE else f"≈{float(value.evalf(20))!r}"
    return repr(float(value))
