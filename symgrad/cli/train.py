"""Run a worksheet's training run: a per-epoch table and a plot of the run.

A scalar run (``Training``) shows each epoch's parameters and losses; a matrix-mode run
(``MatrixTraining``, S2's MNIST network) each epoch's mean training loss and the final accuracy on
the test split. The plot is written next to the worksheet unless --plot names another file. Where
the plot and --save go is checked before the run; each file is written whole.
"""

from dataclasses import replace
from pathlib import Path

from ..core.errors import TrainingError
from ..core.files import check_output
from ..numeric.optimizers import make_optimizer
from ..numeric.training import MODES, Training
from ..worksheets import runs
from ..worksheets.worksheet import load_worksheet


def add_arguments(parser):
    parser.add_argument("worksheet", help="a worksheet file with a training run")
    parser.add_argument("--mode", choices=MODES, help="number mode (default: the worksheet's)")
    parser.add_argument("--every", type=int, help="show every N-th epoch (default: about 20 rows)")
    parser.add_argument("--plot", help="where to write the plot (default: WORKSHEET's folder, NAME.training.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not write a plot")
    parser.add_argument("--save", help="also save the final parameters to this file (JSON; .npz for a matrix run)")
    parser.add_argument("--stop-loss", type=float, help="stop once the batch loss is at most this")
    parser.add_argument("--stop-grad-norm", type=float, help="stop once the gradient norm is at most this")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--exact-seconds", type=float, metavar="S",
                        help="how long an exact-mode run may take before it stops (default: the run's, 60)")


def run(args):
    path = Path(args.worksheet)
    sheet = load_worksheet(path)
    spec = sheet.training
    if spec is None:
        raise TrainingError(f"worksheet {sheet.name} has no training run")
    if args.exact_seconds is not None:
        if not isinstance(spec, Training):
            raise TrainingError(f"--exact-seconds is for a scalar run; worksheet {sheet.name}'s is a matrix run")
        spec = replace(spec, exact_seconds=args.exact_seconds)
    plot = None if args.no_plot else Path(args.plot) if args.plot else path.with_name(f"{sheet.name}.training.png")
    if args.save:
        check_output(args.save, [path])
    if plot is not None:
        check_output(plot, [path, *([args.save] if args.save else [])])
    result = runs.train(spec, sheet, mode=args.mode, stop_loss=args.stop_loss, stop_grad_norm=args.stop_grad_norm,
                        progress=False if args.no_progress else None)
    print(f"== {sheet.name}: {sheet.title}")
    print(runs.report(spec, result, args.every))
    if args.save:
        runs.save(spec, result, args.save)  # every saver writes whole (core.files)
        print(f"parameters saved to {args.save}")
    if plot is not None:
        runs.plot(spec, result, plot, f"{sheet.name}: {make_optimizer(spec.optimizer, spec.options)!r}")
        print(f"plot written to {plot}")
    return 0
