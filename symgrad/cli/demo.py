"""Derive the answers of worksheets and print them, exactly and as decimals.

Each WORKSHEET is a worksheet file (symgrad demo mine.py) or a folder of them (default: worksheets).
"""


import sympy

from ..worksheets.worksheet import load_worksheet, worksheet_files


def add_arguments(parser):
    parser.add_argument("worksheets", nargs="*", default=["worksheets"], metavar="WORKSHEET",
                        help="worksheet files or folders of them (default: worksheets)")


def run(args):
    paths = worksheet_files(args.worksheets)
    for path in paths:
        sheet = load_worksheet(path)
        print(f"== {sheet.name}: {sheet.title}")
        for node in sheet.model.nodes:
            print(f"   {node} = {sheet.model.definition(node)}")
        if sheet.point:
            print("   at " + ", ".join(f"{k} = {v}" for k, v in sheet.point.items()))
        for number, question in enumerate(sheet.questions, 1):
            print(f"  {number}. {_describe(question)}")
            print(f"     = {_show(question.answer(sheet))}")
        print()
    print(f"{len(paths)} worksheet{'s' if len(paths) != 1 else ''} derived from {', '.join(args.worksheets)}")
    return 0


def _describe(q):
    wrt = getattr(q, "wrt", None)
    wrt = ", ".join(map(str, wrt)) if isinstance(wrt, (list, tuple)) else str(wrt)
    of = q.of if q.of is not None else "the loss"
    extra = f", learning rate {q.learning_rate}, {q.steps} step(s)" if q.kind == "gradient_step" else ""
    extra += f", direction {tuple(q.direction)}" if q.kind == "directional_derivative" else ""
    return f"{q.kind} of {of} with respect to {wrt}{extra}"


def _show(value):
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    value = sympy.sympify(value)
    if value.is_number and not value.is_Rational or (value.is_Rational and not value.is_Integer):
        return f"{value}  ≈ {float(value.evalf(30)):.10g}"
    return str(value)
