"""Shared by the benchmarks: one thread per numeric library, and output as a table or one JSON object.

Import this module first, before NumPy or torch: the thread pins only take effect before they load.
"""

import argparse
import json
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_var, "1")


def arguments(description):
    """The command line every benchmark takes: ``--json`` for one JSON object instead of a table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="print one JSON object with the headline figures")
    return parser


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def print_json(obj):
    print(json.dumps(obj))
