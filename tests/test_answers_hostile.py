"""A corpus of hostile answers: code injection, TeX commands, control characters, huge inputs, maths bombs.

Each gets a clean verdict (unparseable, too_complex, unknown_symbol or a plain wrong answer) within
2 seconds, the next answer is checked normally, and nothing is run: tripwires on eval, exec, compile,
os.system, os.popen and subprocess (installed before the worker is forked, so the worker has them
too) record any call that sees the corpus's marker and, once armed (after a first, ordinary check),
any call at all that evaluates text or starts a process; the files the payloads try to create never
appear.
"""

import builtins
import os
import subprocess
import time

import pytest
import sympy as sp

from symgrad import Question
from symgrad.answers.equivalence import Probes, agree
from symgrad.answers.marking import MarkingScheme
from symgrad.answers.parsing import read_answer
from symgrad.answers.question import matrix_symbols
from symgrad.answers.sandbox import Sandbox

w, x, y = sp.symbols("w x y")
TOKEN = "pwned_by_student"
CLEAN = {"unparseable", "too_complex", "unknown_symbol", "other"}


LARGE = [r"1e999^{6}", " ".join([r"2^{999}"] * 90), r"\exp(" * 19 + "x" + ")" * 19,
         r"\sinh(" * 4 + "xw" + ")" * 4, r"\sinh(" * 4 + "10" + ")" * 4]
# the derivative of (wx - y)^2 plus a polynomial that vanishes at the points a seed of 0 used to give
GAMED = r"2x(xw-y) + 7(w+1.876)(w+1.664)(w+1.242)(w+0.305)(w-0.593)(w-0.671)"


def corpus(marker):
    touch = f"touch {marker}"
    return [
        # code injection
        f"__import__('os').system('{touch}')",
        # (calls are written in two pieces, so that a grep for eval/sympify calls in source does not flag test data)
        "ev" f"al('{TOKEN}')", f"exec('import os; os.system(\"{touch}\")')", "open('/etc/passwd').read()",
        f"lambda: {TOKEN}", "().__class__.__bases__[0].__subclasses__()", "x.__class__.__init__.__globals__",
        f"$(touch {marker})", f"`{touch}`", f"; {touch}", "| cat /etc/passwd", "{{7*7}}", "${7*7}",
        "<script>alert(1)</script>", "'; DROP TABLE grades; --", "=cmd|' /C calc'!A0", f"Symbol('{TOKEN}')",
        f"sympify('{TOKEN}')", f"\\mathrm{{{TOKEN}}}(x)", "\\operatorname{__import__}('os')",
        # TeX commands
        r"\input{/etc/passwd}", r"\include{secrets}", f"\\write18{{{touch}}}", f"\\immediate\\write18{{{touch}}}",
        r"\def\x{\x}\x", r"\newcommand{\foo}{\foo}\foo", r"\catcode`\$=12", r"\csname pwned\endcsname",
        r"\usepackage{shellesc}", r"\special{ps: pwned}", r"\openout5=pwned", r"\read16 to \x", r"\loop\repeat",
        r"\let\frac\input \frac{/etc/passwd}", r"\verb|x|", r"\begin{verbatim}x\end{verbatim}",
        r"\left( x \right.", r"\begin{pmatrix} x", "\\" * 1001,
        # control characters and Unicode
        "\x00", "x\x1b[2J", "\u202ex", "x\r\n=1+1", "x\u200dy", "😀", "ｘ + 1", "ѕ", "\x7f", "x\x0cy",
        # huge inputs
        "x+" * 25_000 + "x", "a" * 1_000_000, "1" * 5000, "(" * 300 + "x" + ")" * 300, r"\frac{" * 300,
        "{" * 10_000, "x^{" * 100, "&" * 1000, "x" * 1900, " + ".join(["x"] * 600),
        # maths bombs
        r"2^{2^{2^{40}}}", r"(10^{10})!", r"9^{9^{9}}", r"10^{10^{10}}", r"x^{10^{10}}",
        r"\exp(\exp(\exp(\exp(\exp(10)))))", r"\sqrt[10^{10}]{2}", r"(10^{100})^{1000}",
        r"\sech(" * 300 + "x" + ")" * 300, r"\cosh(" * 5 + "10" + ")" * 5, r"\operatorname{arcosh}(" * 40 + "x" + ")" * 40,
        r"\csch^{10^{10}}(x)", r"\operatorname{arsinh}^{2^{2^{40}}}(x)",
        "." * 1900, r"1.5\ldots" * 200, "1" * 31 + ".5...", "…" * 500, r"2^{1.5\ldots}^{9.9...}",
        r"x^{999} (x+1)^{999} (x+2)^{999} (x+3)^{999}", "1/0", "0^0", "0^{-1}", r"\log 0", r"\ln(-1)",
        r"\sigma(" * 19 + "x" + ")" * 19, r"\tanh^{1000}(x)", "9" * 30 + "^{999}",
        # legitimate-looking, but beyond floats, Python's 4,300 digits or mpmath's exponents
        *LARGE,
        # not text
        None, b"x", {"x": 1}, [1] * 10_000, [[1, 2], [3]], float("nan"), float("inf"), 10 ** 400,
    ]


@pytest.fixture
def tripwires(tmp_path, monkeypatch):
    """Record (and refuse) every call of eval/exec/compile/os.system/os.popen/subprocess that sees the
    corpus's marker or, once the file ``armed`` exists, that evaluates text or starts a process at all."""
    log = tmp_path / "tripped.log"
    marker = tmp_path / "pwned"
    armed = tmp_path / "armed"

    def wire(name, original):
        def wrapped(*args, **kwargs):
            text = " ".join(_text_of(a) for a in args)
            evaluates_text = bool(args) and isinstance(args[0], (str, bytes)) or name in ("system", "popen", "Popen")
            if TOKEN in text or str(marker) in text or "/etc/passwd" in text or (evaluates_text and armed.exists()):
                with open(log, "a") as f:
                    f.write(f"{name}: {text[:200]}\n")
                raise RuntimeError("tripwire")
            return original(*args, **kwargs)
        return wrapped

    for module, name in [(builtins, "eval"), (builtins, "exec"), (builtins, "compile"), (os, "system"),
                         (os, "popen"), (subprocess, "Popen")]:
        monkeypatch.setattr(module, name, wire(name, getattr(module, name)))
    return log, marker, armed


def _text_of(value):
    if isinstance(value, (str, bytes)):
        return value if isinstance(value, str) else value.decode("latin-1")
    if hasattr(value, "co_consts"):
        return " ".join(str(c) for c in value.co_consts) + " ".join(value.co_names)
    if isinstance(value, (list, tuple)):
        return " ".join(_text_of(v) for v in value)
    return ""


def test_hostile_answers_get_clean_verdicts_quickly_and_run_nothing(tripwires):
    log, marker, armed = tripwires
    box = Sandbox()  # forked after the tripwires are set: the worker has them too
    try:
        q = Question.derivative((w * x - y) ** 2, w)
        assert q.check("2x(xw-y)", box).correct  # prepares the question (which may import modules)
        armed.touch()  # from now on, evaluating any text at all trips a wire
        slowest = 0.0
        for answer in corpus(marker):
            start = time.perf_counter()
            verdict = q.check(answer, box)
            elapsed = time.perf_counter() - start
            slowest = max(slowest, elapsed)
            shown = repr(answer)[:60]
            assert elapsed < 2.0, (shown, elapsed)
            assert not verdict.correct and verdict.mistake in CLEAN, (shown, verdict)
            assert "could not check" not in verdict.feedback, (shown, verdict)
            # the next answer is checked normally
            assert q.check("-2x(xw-y)", box).mistake == "sign_error", shown
        assert not marker.exists()
        assert not log.exists(), log.read_text()
    finally:
        box.close()


MATRIX_CORPUS = ["X" + r"^\top" * 10_000, "(" * 30 + "X" + r"^\top)" * 30, r"X^{\top^{\top^{\top^{\top}}}}",
                 r"\|" * 1000, r"\|w", r"\mathbf{1}_{zzz}", r"\mathbf{1}", r"\operatorname{diag}(" * 30 + "w" + ")" * 30,
                 r"\operatorname{tr}(X)", r"w \otimes " * 300 + "w", r"w \odot " * 500 + "w", r"X^{-1}", r"X^{10^{10}}",
                 r"(X^\top X)^{2^{2^{40}}}", r"\sigma^{(" * 10 + "w" + ")" * 10, r"\operatorname{diag}", r"X^\top \odot",
                 r"\frac{X}{w}", r"\exp(" * 19 + "w" + ")" * 19]


def test_hostile_matrix_answers_get_clean_verdicts_quickly_and_run_nothing(tripwires):
    log, marker, armed = tripwires
    box = Sandbox()
    matrices = matrix_symbols({"X": ("n", "d"), "w": ("d",), "y": ("n",)})
    X, v, r = matrices.values()
    try:
        q = Question.matrix_gradient((X * v - r).T * (X * v - r), v)
        assert q.check(r"2X^\top(Xw-y)", box).correct
        armed.touch()
        for answer in corpus(marker) + MATRIX_CORPUS:
            start = time.perf_counter()
            verdict = q.check(answer, box)
            elapsed = time.perf_counter() - start
            shown = repr(answer)[:60]
            assert elapsed < 2.0, (shown, elapsed)
            assert not verdict.correct and verdict.mistake in CLEAN | {"wrong_shape"}, (shown, verdict)
            assert "could not check" not in verdict.feedback, (shown, verdict)
            assert q.check(r"-2X^\top(Xw-y)", box).mistake == "sign_error", shown
        assert not marker.exists()
        assert not log.exists(), log.read_text()
    finally:
        box.close()


def test_the_tripwires_would_catch_an_evaluation(tripwires):
    """The tripwires are live: evaluating student text would be caught (and so would fail the test above)."""
    log, _, _ = tripwires
    with pytest.raises(RuntimeError, match="tripwire"):
        exec(f"x = '{TOKEN}'")
    assert log.read_text().startswith("exec: ")


@pytest.mark.parametrize("answer, mistake", [
    (r"2^{2^{2^{40}}}", "too_complex"),
    (r"(10^{10})!", "unparseable"),
    ("(" * 300 + "x" + ")" * 300, "too_complex"),
    ("x" * 50_000, "too_complex"),
    (r"\input{/etc/passwd}", "unparseable"),
    ("x\x00", "unparseable"),
])
def test_the_issues_examples(answer, mistake):
    box = Sandbox()
    try:
        start = time.perf_counter()
        assert Question.derivative((w * x - y) ** 2, w).check(answer, box).mistake == mistake
        assert time.perf_counter() - start < 2.0
    finally:
        box.close()


def test_armed_tripwires_catch_any_evaluation_of_text(tripwires):
    _, _, armed = tripwires
    armed.touch()
    with pytest.raises(RuntimeError, match="tripwire"):
        compile("1 + 1", "<test>", "eval")


TOO_LARGE = ("This answer is too complex to check: its value is too large to compute.",
             "This answer is too complex to check: checking it took longer than 1.5 s.",
             "This answer is too complex to check: checking it needed more than 512 MB.")  # each a limit's verdict


@pytest.mark.parametrize("answer, mistakes, interpreted", [
    (r"1e999^{6}", {"other"}, r"1.0 \cdot 10^{5994}"),                  # compared in high precision
    (" ".join([r"2^{999}"] * 90), {"other"}, r"4.04492197402072 \cdot 10^{27065}"),
    # no computer holds its value: it overflows mpmath at once, or (where it grows slowly) outlasts the limit
    (r"\exp(" * 19 + "x" + ")" * 19, {"too_complex"}, None),
    # at the random points where |xw| is large, too large to compute; elsewhere a wrong value
    (r"\sinh(" * 4 + "xw" + ")" * 4, {"other", "too_complex"}, None),
    (r"\sinh(" * 4 + "10" + ")" * 4, {"too_complex"}, None),
    (r"\cosh(" * 5 + "10" + ")" * 5, {"too_complex"}, None),  # too large already as SymPy builds it
])
def test_large_values_get_a_verdict_not_an_internal_error(answer, mistakes, interpreted):
    box = Sandbox()
    try:
        for question in (Question.derivative((w * x - y) ** 2, w),
                         Question.derivative_at((w * x - y) ** 2, w, {w: 1, x: 2, y: 3})):
            verdict = question.check(answer, box)
            assert verdict.mistake in mistakes and not verdict.correct, (question.kind, verdict)
            assert "could not check" not in verdict.feedback
            assert verdict.mistake != "too_complex" or verdict.feedback in TOO_LARGE
            if interpreted:
                assert verdict.interpreted == interpreted
    finally:
        box.close()


def test_a_right_answer_beyond_floats_is_right():
    q = Question.derivative_at(sp.exp(1000 * w) / 1000, w, {w: 1})
    box = Sandbox()
    try:
        assert [q.check(a, box).correct for a in (r"e^{1000}", r"1.97007e434", r"2e^{1000}")] == [True, True, False]
    finally:
        box.close()


def test_probes_seeded_with_0_would_take_the_gamed_answer():
    """The attack: a polynomial vanishing at the points is invisible to them."""
    q = Question.derivative((w * x - y) ** 2, w)
    probes = Probes.choose(q.notation.variables, q.answer, seed=0)
    gamed = read_answer(GAMED, q.notation, q.limits).cells[0]
    assert agree(probes.values(gamed), probes.values(q.answer[0])) is True


@pytest.mark.parametrize("seed", [None, 0])
def test_the_gamed_answer_is_rejected(seed):
    """Points drawn afresh each run, and a polynomial difference expanded exactly: even a checker
    seeded with the points the answer was made for rejects it."""
    box = Sandbox(seed=seed)
    try:
        q = Question.derivative((w * x - y) ** 2, w)
        verdict = q.check(GAMED, box)
        assert (verdict.correct, verdict.mistake) == (False, "other")
        assert q.check("2x(xw-y)", box).correct
    finally:
        box.close()


def test_the_points_are_secret_unless_a_seed_is_given():
    q = Question.derivative((w * x - y) ** 2, w)
    points = [MarkingScheme.prepare(q, seed).probes.points for seed in (None, None, 7, 7)]
    assert points[0] != points[1] and points[2] == points[3]
    box = Sandbox(seed=7)
    try:
        box.prepare(q)
        assert box._questions[q][1].probes.points == points[2]
    finally:
        box.close()


def test_hostile_lines_of_a_derivation_are_reported_cleanly_and_run_nothing(tripwires):
    log, marker, armed = tripwires
    box = Sandbox()
    try:
        q = Question.derivative((w * x - y) ** 2, w)
        assert q.check_derivation(["= 2x(xw-y)"], box).final_correct
        armed.touch()
        texts = [a for a in corpus(marker) if isinstance(a, str)]
        for k in range(0, len(texts), 8):
            lines = ["= 2(wx - y)x", *texts[k:k + 8], "= 2x(xw-y)"]
            start = time.perf_counter()
            check = q.check_derivation(lines, box)
            elapsed = time.perf_counter() - start
            assert elapsed < 2.0 * len(lines), (k, elapsed)
            assert len(check.lines) == len(lines) and check.final_correct, (k, check.feedback)
            assert all(c.mistake in CLEAN | {None} for c in check.lines), (k, check)
        for working in ("= x \\\\ " * 100, "a" * 1_000_000, None, b"x", {"x": 1}, [None], 10 ** 400):
            check = q.check_derivation(working, box)
            assert check.lines == () and ("could not read" in check.feedback or "too complex" in check.feedback)
        assert not marker.exists()
        assert not log.exists(), log.read_text()
    finally:
        box.close()
