"""Run a worksheet's training spec: a per-epoch table (epoch, parameters, loss) and a plot of the run.

The plot (loss per iteration, parameter trajectories) is written next to the worksheet unless
--plot names another file.
"""

from pathlib import Path

from ..checkpoints import save_parameters
from ..errors import TrainingError
from ..loops import MODES, train_worksheet
from ..optimizers import make_optimizer
from ..plots import plot_history
from ..worksheet import load_worksheet

ROWS = 20  # epochs shown by default (the first, the last, and evenly spaced ones between)
WIDE = 24  # an exact value longer than this is shown as its decimal approximation in the table
LONGEST = 400  # exact final values are printed when none is longer than this


def add_arguments(parser):
    parser.add_argument("worksheet", help="a worksheet file with a training run")
    parser.add_argument("--mode", choices=MODES, help="number mode (default: the worksheet's)")
    parser.add_argument("--every", type=int, help=f"show every N-th epoch (default: about {ROWS} rows)")
    parser.add_argument("--plot", help="where to write the plot (default: WORKSHEET's folder, NAME.training.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not write a plot")
    parser.add_argument("--save", help="also save the final parameters to this JSON file")
    parser.add_argument("--stop-loss", type=float, help="stop once the batch loss is at most this")
    parser.add_argument("--stop-grad-norm", type=float, help="stop once the gradient norm is at most this")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args):
    path = Path(args.worksheet)
    sheet = load_worksheet(path)
    if sheet.training is None:
        raise TrainingError(f"worksheet {sheet.name} has no training run")
    spec = sheet.training
    history = train_worksheet(sheet, mode=args.mode, stop_loss=args.stop_loss, stop_grad_norm=args.stop_grad_norm,
                              progress=False if args.no_progress else None)
    optimizer = make_optimizer(spec.optimizer, spec.options)
    batch = "full batch" if spec.batch_size is None else f"batch size {spec.batch_size}"
    print(f"== {sheet.name}: {sheet.title}")
    print(f"   {optimizer!r}, {batch}, {history.iterations_per_epoch} iteration(s) per epoch, "
          f"{history.iterations} iterations, {history.mode}")
    print(_table(history, args.every))
    if history.stopped:
        print(f"stopped early: {history.stopped}")
    if history.mode == "exact":
        exact = {k: str(v) for k, v in history.final.items()}
        longest = max(len(v) for v in exact.values())
        if longest <= LONGEST:
            print("final parameters, exactly: " + ", ".join(f"{k} = {v}" for k, v in exact.items()))
        else:
            print(f"the final parameters are exact rationals of up to {longest} characters: --save writes them")
    if args.save:
        save_parameters(args.save, history)
        print(f"parameters saved to {args.save}")
    if not args.no_plot:
        target = Path(args.plot) if args.plot else path.with_name(f"{sheet.name}.training.png")
        plot_history(history, target, f"{sheet.name}: {optimizer!r}")
        print(f"plot written to {target}")
    return 0


def _table(history, every):
    rows = history.epochs
    every = every or max(1, len(rows) // ROWS)
    if every < 1:
        raise TrainingError(f"--every must be at least 1, got {every}")
    shown = [r for r in rows if r.epoch == 1 or r.epoch % every == 0 or r is rows[-1]]
    several = history.iterations_per_epoch > 1
    header = ["epoch", *history.names, "loss (last batch)" if several else "loss"] + (["mean loss"] if several else [])
    body = [[str(r.epoch), *map(_number, r.parameters), _number(r.loss)] + ([_number(r.mean_loss)] if several else [])
            for r in shown]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in [header, *body])


def _number(value):
    if hasattr(value, "is_Rational"):  # exact
        text = str(value)
        return text if len(text) <= WIDE else f"≈{float(value.evalf(20))!r}"
    return repr(float(value))
