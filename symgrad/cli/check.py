r"""Check a class's answers against a worksheet's key: a verdict, score, mistake, feedback and outcome
(correct, incorrect, or not checked: to be read by hand) per answer, and a derivation's first line that
does not follow, and a total per student, written as CSV (and, with --report, a PDF summary per class).

Answers are CSV with the columns student, question, answer (or JSON: a list of such objects), and
optionally derivation (instead of answer: a student's working, lines separated by \\ or line ends;
--derivation reads every answer so; the final line is graded) and worksheet: the key an answer is to,
as its copy of the worksheet is named (NAME-01 for the variants symgrad render --variants writes;
needed when several keys have a question of that id). Keys
are the NAME.key.json files symgrad render writes; give --key once per key (per-student variants may
also name their student). One bad answer, or one row that cannot be read, never stops the batch.
The output files are checked before any answer is, and written whole at the end; Ctrl-C or SIGTERM
stops the batch, leaving no half-written file, and says how far it got.
"""

import argparse
import sys

from ..answers.equivalence import Tolerance
from ..answers.grading import derivation_counts, grading, outcome_counts, read_answers, totals, write_grades
from ..answers.keys import load_key
from ..answers.sandbox import Sandbox
from ..core.errors import SymgradError
from ..core.files import check_output
from .signals import exit_status, signal_name

SHOWN_PROBLEMS = 10  # rows that could not be read, listed on stderr (all are in the grades)


def add_arguments(parser):
    parser.add_argument("--key", action="append", required=True, metavar="KEY.json",
                        help="an answer key (repeat for several worksheets or per-student variants)")
    parser.add_argument("--answers", required=True, metavar="ANSWERS.csv",
                        help="the answers (CSV or JSON): student, question, answer and optionally worksheet")
    parser.add_argument("-o", "--output", required=True, metavar="GRADES.csv", help="where to write the grades")
    parser.add_argument("--report", metavar="REPORT.pdf", help="also write a one-page summary per class")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--tolerance", type=_tolerance, metavar="1%",
                        help="the relative tolerance of numeric answers, 1%% or 0.01, instead of each key's")
    parser.add_argument("--derivation", action="store_true",
                        help="read every answer as a derivation: lines separated by \\\\ or line ends, each "
                        "checked; the final line is graded")
    parser.add_argument("--seed", type=int, help="draw the points symbolic answers are compared at from this seed, "
                        "to grade reproducibly (by default they are secret, drawn afresh each run)")


def run(args):
    inputs = [args.answers, *args.key]
    check_output(args.output, inputs)
    if args.report:
        check_output(args.report, [*inputs, args.output])
    submissions, grades, written = [], [], []
    sandbox = Sandbox(seed=args.seed)  # one worker prepares the keys and checks the answers
    try:
        keys = [load_key(path, sandbox=sandbox, tolerance=args.tolerance) for path in args.key]
        submissions = read_answers(args.answers, derivation=args.derivation)
        _show_problems(args.answers, [s.problem for s in submissions if s.problem is not None])
        for g in grading(submissions, keys, sandbox=sandbox, progress=not args.quiet):
            grades.append(g)
        student_totals = totals(grades, keys)
        write_grades(args.output, grades, student_totals)
        written.append(args.output)
        if args.report:
            from ..answers.report import write_report

            write_report(args.report, grades)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM as main() raises it: say how far it got
        print(f"\nsymgrad check: stopped by {signal_name(stop)} after checking {len(grades)} of {len(submissions)} "
              "answers; " + (f"only {written[0]} was written" if written else "nothing was written"), file=sys.stderr)
        return exit_status(stop)
    print(f"checked {len(grades)} answers from {len(student_totals)} students: {_summary(outcome_counts(grades))}"
          f"{_derivations(*derivation_counts(grades))}; "
          f"grades in {args.output}" + (f", summary in {args.report}" if args.report else ""), file=sys.stdout)
    return 0


def _summary(counts):
    """``12 correct, 5 incorrect, 2 not checked (read these by hand)``, from :func:`outcome_counts`."""
    unchecked = counts["not_checked"]
    return (f"{counts['correct']} correct, {counts['incorrect']} incorrect, {unchecked} not checked"
            + (" (read these by hand)" if unchecked else ""))


def _derivations(checked, broken):
    """``; 1 of 2 derivations has a line that does not follow`` (nothing without derivations)."""
    if not checked:
        return ""
    return (f"; {broken} of {checked} derivation{'s' if checked > 1 else ''} "
            f"{'has' if broken == 1 else 'have'} a line that does not follow")


def _tolerance(text):
    try:
        return Tolerance.parse(text)
    except SymgradError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _show_problems(path, problems):
    for problem in problems[:SHOWN_PROBLEMS]:
        print(f"symgrad check: {path}: {problem}: not checked", file=sys.stderr)
    if len(problems) > SHOWN_PROBLEMS:
        print(f"symgrad check: {path}: {len(problems) - SHOWN_PROBLEMS} more rows were not checked "
              "(see the grades)", file=sys.stderr)
