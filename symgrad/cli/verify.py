"""Compare worksheets' numbers with PyTorch's: each numeric question against autograd and each training
run iteration by iteration (loss, gradients, parameters in float64 and float32). Prints a table and
exits with 1 when a difference exceeds its tolerance.

A difference is relative to the size of the quantity: the largest |symgrad - torch| of a column over
the run, divided by the column's largest |torch| value.
"""

from pathlib import Path

from ..core.errors import SymgradError
from ..worksheets.verification import verify_worksheet
from ..worksheets.worksheet import load_worksheet

MODES = {"float64": ("float64",), "float32": ("float32",), "both": ("float64", "float32")}


def add_arguments(parser):
    parser.add_argument("worksheets", nargs="+", help="worksheet files, or folders of them")
    parser.add_argument("--mode", choices=list(MODES), default="both", help="training runs in (default: both)")
    parser.add_argument("--iterations", type=int, help="compare at most about this many iterations of a run")
    parser.add_argument("--json", action="store_true",
                        help='print {"pass": bool, "rows": [{"worksheet", "quantity", "max_abs", "max_rel", '
                             '"tolerance", "pass"}]}')


def run(args):
    import json

    rows, empty = [], []
    for path in _paths(args.worksheets):
        sheet = load_worksheet(path)
        found = verify_worksheet(sheet, MODES[args.mode], args.iterations)
        rows += found
        if not found:
            empty.append(sheet.name)
    passed = all(r.passed for r in rows)
    if args.json:
        print(json.dumps({"pass": passed, "rows": [r.as_dict() for r in rows]}))
    else:
        _print_table(rows)
        for name in empty:
            print(f"{name}: nothing to compare (no question with a number at its point, no training run)")
        print(f"{sum(r.passed for r in rows)} of {len(rows)} comparisons pass" + ("" if passed else ": FAILED"))
    return 0 if passed else 1


def _paths(names):
    paths = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.glob("*.py"))
            if not found:
                raise SymgradError(f"no worksheets (*.py) in {path}")
            paths += found
        else:
            paths.append(path)
    return paths


def _print_table(rows):
    header = ["worksheet", "quantity", "max abs", "max rel", "tolerance", "pass"]
    body = [[r.worksheet, r.quantity, f"{r.max_abs:.3g}", f"{r.max_rel:.3g}", f"{r.tolerance:g}",
             "yes" if r.passed else "NO"] for r in rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    for row in [header, *body]:
        print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
