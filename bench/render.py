"""Rendering worksheets to PDF: the seconds to render the S3 worksheet, and every worksheet in
worksheets/, each the teacher's version (derivations, checks, verification, key, figures, latexmk).

Each figure is the best of --repeat runs, in a fresh temporary folder. Numbers measured while
other work runs on the machine are noisy.
"""

import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (pins threads before NumPy loads)

from symgrad.worksheets.rendering import render_worksheet
from symgrad.worksheets.worksheet import load_worksheet

WORKSHEETS = Path(__file__).resolve().parent.parent / "worksheets"


def seconds(paths, repeat):
    best = float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            for p in paths:
                render_worksheet(load_worksheet(p), out, answers=True)
            best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = common.arguments(__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure; the best counts (default: 2)")
    args = parser.parse_args()
    paths = sorted(WORKSHEETS.glob("*.py"))
    seconds([WORKSHEETS / "s0_sgd_by_hand.py"], 1)  # warm up: imports, torch, first TeX run
    s3 = seconds([WORKSHEETS / "s3_backprop_by_hand.py"], args.repeat)
    every = seconds(paths, args.repeat)
    if args.json:
        common.print_json({"s3_s": s3, "all_s": every, "worksheets": len(paths)})
    else:
        common.print_table(["what", "worksheets", "seconds", "per worksheet"],
                           [["S3 (s3_backprop_by_hand)", 1, f"{s3:.2f}", f"{s3:.2f}"],
                            ["every worksheet", len(paths), f"{every:.2f}", f"{every / len(paths):.2f}"]])


if __name__ == "__main__":
    main()
