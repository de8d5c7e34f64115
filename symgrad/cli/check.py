"""Check a class's answers against a worksheet's key: a verdict, score, mistake and feedback per answer
and a total per student, written as CSV (and, with --report, a PDF summary per class).

Answers are CSV with the columns student, question, answer (or JSON: a list of such objects), and
optionally worksheet: the key an answer is to, as its copy of the worksheet is named (NAME-01 for the
variants symgrad render --variants writes; needed when several keys have a question of that id). Keys
are the NAME.key.json files symgrad render writes; give --key once per key (per-student variants may
also name their student). One bad answer never stops the batch.
"""

import sys

from ..answers.grading import grade, read_answers, totals, write_grades
from ..answers.keys import load_key
from ..answers.sandbox import Sandbox


def add_arguments(parser):
    parser.add_argument("--key", action="append", required=True, metavar="KEY.json",
                        help="an answer key (repeat for several worksheets or per-student variants)")
    parser.add_argument("--answers", required=True, metavar="ANSWERS.csv",
                        help="the answers (CSV or JSON): student, question, answer and optionally worksheet")
    parser.add_argument("-o", "--output", required=True, metavar="GRADES.csv", help="where to write the grades")
    parser.add_argument("--report", metavar="REPORT.pdf", help="also write a one-page summary per class")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--seed", type=int, help="draw the points symbolic answers are compared at from this seed, "
                        "to grade reproducibly (by default they are secret, drawn afresh each run)")


def run(args):
    sandbox = Sandbox(seed=args.seed)
    keys = [load_key(path, sandbox=sandbox) for path in args.key]
    submissions = read_answers(args.answers)
    grades = grade(submissions, keys, sandbox=sandbox, progress=not args.quiet)
    sandbox.close()
    student_totals = totals(grades, keys)
    write_grades(args.output, grades, student_totals)
    if args.report:
        from ..answers.report import write_report

        write_report(args.report, grades)
    right = sum(1 for g in grades if g.verdict.correct)
    print(f"checked {len(grades)} answers from {len(student_totals)} students: {right} right; "
          f"grades in {args.output}" + (f", summary in {args.report}" if args.report else ""), file=sys.stdout)
    return 0
