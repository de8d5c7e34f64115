"""Checking answers: the time per answer (median, 95th percentile) over 1,000 answers to the worksheets'
questions, and the time of the whole batch (starting the worker and preparing every question included).

The answers are what a class would hand in: right answers typed as LaTeX or decimals, the typical wrong
answers symgrad generates for each question, answers with unknown names, malformed LaTeX and a few hostile
ones, in a fixed shuffled order. Targets (issue 5): median < 20 ms, batch < 30 s. Then a five-line
derivation, checked line by line (the median of 20 checks; target, issue 15: < 200 ms), and a matrix answer,
least squares' gradient with w of 3 entries (the median of 20 checks; target, issue 15: < 50 ms).
"""

import random
import statistics
import sys
import time
from pathlib import Path

import common  # noqa: F401  (pins threads before NumPy loads)
import sympy

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from symgrad.answers.keys import load_key  # noqa: E402
from symgrad.answers.question import Question, matrix_symbols  # noqa: E402
from symgrad.worksheets.answer_key import worksheet_key  # noqa: E402
from symgrad.worksheets.worksheet import load_worksheet  # noqa: E402
from symgrad.answers.mistakes import candidates  # noqa: E402
from symgrad.answers.sandbox import Sandbox  # noqa: E402

WORKSHEETS = ("s0_sgd_by_hand", "s0_linear_in_pytorch", "s1_batch_gradient_descent", "s3_backprop_by_hand",
              "s4_linear_regression", "sigmoid_neuron", "softmax_cross_entropy", "directional_derivative")
ANSWERS = 1000
DERIVATION = [r"\frac{\partial L}{\partial w} = 2(wx - y) \cdot \frac{\partial}{\partial w}(wx - y)", "= 2(wx - y) x",
              "= 2wx^2 - 2xy", r"= 2 \cdot 0.5 \cdot 4 - 2 \cdot 2 \cdot 3", "= -8"]
JUNK = [r"2x(xw - q)", r"\frac{1}{", r"x +", r"\input{/etc/passwd}", r"2^{2^{2^{40}}}", "(" * 30 + "x" + ")" * 30,
        r"__import__('os')", "w" * 3000]
MATRIX_ANSWER = r"2X^\top X w - 2X^{\mathsf T} y"


def typed(value, numeric):
    if numeric:
        return f"{complex(sympy.N(value, 20)).real:.6g}"
    return sympy.latex(value)


def answer_text(question, components):
    cells = [typed(c, question.task.numeric) for c in components]
    return cells[0] if len(cells) == 1 else "(" + ", ".join(cells) + ")"


def class_answers(questions, rng):
    """Right answers, each question's generated wrong answers, and junk, ANSWERS in all."""
    pool = []
    for q in questions:
        pool += [(q, answer_text(q, q.answer))] * 3
        wrong = [c for c in candidates(q.function, q.wrt, q.partials, q.task, q.slippings, q.point)
                 if c.derivative_of is None]
        for c in wrong[:8]:
            components = list(q.answer)
            components[c.component] = c.value
            pool.append((q, answer_text(q, components)))
        pool += [(q, rng.choice(JUNK))]
    return [pool[i % len(pool)] for i in rng.sample(range(max(ANSWERS, len(pool))), ANSWERS)]


def derivation_ms(box):
    """The median time of checking DERIVATION, line by line, once the question is prepared."""
    w, x, y = sympy.symbols("w x y")
    question = Question.derivative_at((w * x - y) ** 2, w, {w: sympy.Rational(1, 2), x: 2, y: 3})
    return _median_ms(box, question, lambda: question.check_derivation(DERIVATION, box),
                      lambda check: check.first_wrong is None and check.final_correct)


def matrix_ms(box):
    """The median time of checking MATRIX_ANSWER to least squares' gradient, once the question is prepared."""
    X, w, y = matrix_symbols({"X": ("n", 3), "w": (3,), "y": ("n",)}).values()
    question = Question.matrix_gradient((X * w - y).T * (X * w - y), w)
    return _median_ms(box, question, lambda: question.check(MATRIX_ANSWER, box), lambda verdict: verdict.correct)


def _median_ms(box, question, check, right, times=20):
    """The median of ``times`` calls of ``check()`` in ms, after preparing ``question``; each result
    must be ``right``."""
    box.prepare(question)
    measured = []
    for _ in range(times):
        t = time.perf_counter()
        result = check()
        measured.append(1000 * (time.perf_counter() - t))
        assert right(result), result
    return statistics.median(measured)


def main():
    args = common.arguments(__doc__.splitlines()[0]).parse_args()
    rng = random.Random(5)
    questions = [q for name in WORKSHEETS
                 for q in load_key(worksheet_key(load_worksheet(ROOT / "worksheets" / f"{name}.py"))).questions.values()]
    answers = class_answers(questions, rng)
    start = time.perf_counter()
    box = Sandbox()
    times, kinds = [], {}
    for question, answer in answers:
        t = time.perf_counter()
        verdict = question.check(answer, box)
        times.append(time.perf_counter() - t)
        kinds[verdict.mistake] = kinds.get(verdict.mistake, 0) + 1
    batch = time.perf_counter() - start
    derivation = derivation_ms(box)
    matrix = matrix_ms(box)
    box.close()
    ms = sorted(1000 * t for t in times)
    result = {"median_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * len(ms)) - 1], "batch_s": batch,
              "answers": len(answers), "derivation_ms": derivation, "matrix_ms": matrix}
    if args.json:
        common.print_json(result)
        return
    common.print_table(["answers", "questions", "median ms", "p95 ms", "max ms", "batch s", "5-line derivation ms",
                        "matrix answer ms"],
                       [[len(answers), len(questions), f"{result['median_ms']:.2f}", f"{result['p95_ms']:.1f}",
                         f"{ms[-1]:.0f}", f"{batch:.1f}", f"{derivation:.1f}", f"{matrix:.1f}"]])
    print()
    common.print_table(["verdict", "answers"], [[k or "right", n] for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])])


if __name__ == "__main__":
    main()
