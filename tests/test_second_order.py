"""Second order: the Hessian and the Hessian-vector product exactly, derived by the rules, asked on
worksheets and checked; each held against torch.autograd.functional (float64) and central
differences of the gradient."""

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import DerivationError, Graph, Question, ShapeError, SymgradError, derive
from symgrad.explain.latex import latex
from symgrad.explain.rules import differentiate
from symgrad.explain.steps import NewtonStep, SecondPartial, SecondPartialAt, Simplification, Symmetric
from symgrad.explain.tasks import TASKS, Hessian
from symgrad.twin.comparison import Tolerance
from symgrad.twin.crosscheck import crosscheck
from symgrad.twin.oracles import (GradientMismatch, exact_hessian, finite_difference_hessian, matching_hessians,
                                  newton_step, torch_hessian)
from symgrad.twin.torch_twin import autograd_hvp
from symgrad.worksheets.answer_key import worksheet_key
from symgrad.worksheets.prompts import prompt
from symgrad.worksheets.verification import verify_worksheet
from symgrad.worksheets.worksheet import NewtonStep as NewtonTask, Worksheet, load_worksheet

torch = pytest.importorskip("torch")

w, b, x, y, u, v = sp.symbols("w b x y u v")
w1, w2, w3, w4, v1, v2, c1, x1, x2 = sp.symbols("w1:5 v1 v2 c1 x1 x2")
z1, z2, z3 = sp.symbols("z1:4")
SHEET = Path(__file__).parent.parent / "worksheets" / "hessian_newton.py"
EXACT = Tolerance(1e-10, 1e-12)  # torch and central differences against the exact Hessian


def _mlp():
    """A 2-2-1 network with tanh hidden units and a squared error."""
    g = Graph()
    h1 = g.define("h1", sp.tanh(w1 * x1 + w2 * x2 + c1))
    h2 = g.define("h2", sp.tanh(w3 * x1 + w4 * x2))
    out = g.define("out", v1 * h1 + v2 * h2)
    g.define("L", (out - y) ** 2)
    return g


MODELS = {
    "polynomial": (u ** 3 * v + u * v ** 2 - 2 * u * v, [u, v], {u: 0.7, v: -1.3}),
    "sigmoid_bce": (sg.bce(sg.sigmoid(w * x + b), y), [w, b], {w: 0.3, b: -0.2, x: 1.5, y: 1}),
    "bce_with_logits": (sg.bce_with_logits(w * x + b, y), [w, b, x], {w: -0.8, b: 0.4, x: 2, y: 0}),
    "softmax_cross_entropy": (sg.cross_entropy([w * x, 2 * w + b, b * x], 1), [w, b], {w: 0.6, b: -0.3, x: 1.2}),
    "mlp_tanh": (_mlp(), [w1, w2, w3, w4, c1, v1, v2],
                 {w1: 0.5, w2: -0.3, w3: 0.8, w4: 0.1, c1: 0.2, v1: 1.1, v2: -0.7, x1: 1.0, x2: 0.5, y: 0.3}),
}


@pytest.mark.parametrize("name", MODELS)
def test_the_exact_hessian_equals_torch_and_central_differences_of_the_gradient(name):
    expr, wrt, at = MODELS[name]
    report = matching_hessians(expr, wrt, at, tolerance=EXACT)
    assert set(report) == {"exact", "finite_difference", "torch"}
    n = len(wrt)
    exact = np.array(report["exact"]).reshape(n, n)
    assert np.array_equal(exact, exact.T) and np.abs(exact).max() > 0.01
    matrix = sg.hessian(expr, wrt, at=at)
    assert report["exact"] == tuple(float(h.evalf(30)) for h in matrix)


@pytest.mark.parametrize("name", MODELS)
def test_the_hessian_vector_product_equals_torch_and_the_hessian_times_v(name):
    expr, wrt, at = MODELS[name]
    direction = [sp.Rational(k + 1, 3) * (-1) ** k for k in range(len(wrt))]
    exact = sg.hvp(expr, wrt, direction, at=at)
    assert exact == tuple(sg.hessian(expr, wrt, at=at) * sp.Matrix(direction))  # not normalised
    graph = sg.Graph.from_expression(expr) if not isinstance(expr, Graph) else expr
    theirs = autograd_hvp(graph, wrt, at, direction)
    differences = np.array(finite_difference_hessian(expr, wrt, at)) @ np.array([float(c) for c in direction])
    for mine, torch_value, fd_value in zip(exact, theirs, differences):
        assert EXACT.holds(torch_value, float(mine)) and EXACT.holds(fd_value, float(mine))


def test_hvp_symbolically_and_its_bad_input():
    assert sg.hvp(u ** 3 * v, [u, v], [1, 2]) == (6 * u * v + 6 * u ** 2, 3 * u ** 2)
    assert sg.hvp(u ** 3 * v, [u, v], [1, 2], at={u: 1, v: 2}) == (18, 3)
    with pytest.raises(ShapeError, match="the vector has 3 components but there are 2 variables"):
        sg.hvp(u * v, [u, v], [1, 2, 3])
    with pytest.raises(ShapeError, match="the vector must be a sequence"):
        sg.hvp(u * v, [u, v], 1)


def test_a_hessian_mismatch_names_the_entries():
    with pytest.raises(GradientMismatch, match=r"Hessians disagree[\s\S]*d2/du dv"):
        matching_hessians(sp.exp(u * v), [u, v], {u: 0.3, v: 0.9}, ("exact", "finite_difference"), Tolerance(0.0))


def test_a_variable_the_expression_lacks_has_a_zero_row_every_way():
    for method in (exact_hessian, torch_hessian):
        assert method(u ** 2 * x, [u, v], {u: 1.5, x: 2.0}) == ((4.0, 0.0), (0.0, 0.0))
    (h, zero), zeros = finite_difference_hessian(u ** 2 * x, [u, v], {u: 1.5, x: 2.0})
    assert EXACT.holds(h, 4.0) and (zero, zeros) == (0.0, (0.0, 0.0))


# -- the Hessian derived by the rules -----------------------------------------------------------------


def _neuron():
    g = Graph()
    z = g.define("z", w * x + b)
    g.define("L", sg.bce_with_logits(z, y) + (w ** 2 + b ** 2) / 4)
    return g


NEURON_POINT = {w: 0.5, b: -1, x: 2, y: 1}


def test_derive_hessian_gives_the_exact_hessian_symbolically_and_at_the_point():
    g = _neuron()
    symbolic = derive(g, [w, b]).hessian()
    assert [sp.simplify(d - e) for d, e in zip(symbolic.result, sg.hessian(g, [w, b]))] == [0] * 4
    at = derive(g, [w, b], at=NEURON_POINT).hessian()
    assert at.result == (sp.Rational(3, 2), sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(3, 4))
    kinds = [type(a.body if isinstance(a, Simplification) else a) for a in at.answers]
    assert kinds == [SecondPartialAt, SecondPartialAt, Symmetric, SecondPartialAt]


def test_each_entry_differentiates_the_derived_first_partial_by_the_rules():
    d = derive(_neuron(), [w, b]).hessian()
    entry = d.answers[1].body  # d/db of dL/dw
    assert isinstance(entry, SecondPartial) and entry.wrt == (w, b)
    assert entry.partial is d.partials[0] and entry.rule.expr == d.partials[0].result and entry.rule.var == b
    assert d.answers[2].mirror is d.answers[1]  # below the diagonal: its mirror, by symmetry


def test_a_wrong_second_partial_fails_its_check():
    d = derive(_neuron(), [w, b])
    wrong = SecondPartial(d.output, (w, b), d.partials[0], differentiate(d.partials[0].result, w),
                          d.graph.expand())
    with pytest.raises(DerivationError, match="SecondPartial failed its check"):
        wrong.check()
    point = tuple(NEURON_POINT.items())
    right = Simplification(SecondPartial(d.output, (w, b), d.partials[0], differentiate(d.partials[0].result, b),
                                         d.graph.expand()))
    with pytest.raises(DerivationError, match="Symmetric failed its check"):
        Symmetric(d.output, (b, b), right, d.graph.expand(), point).check()


@pytest.mark.parametrize("build, message", [
    (lambda: derive(_neuron(), ["z"]).hessian(), "with respect to the model's variables, not its node z"),
    (lambda: derive(_neuron(), [w, b], at=NEURON_POINT).descend(0.1).hessian(), "already combines its partials"),
    (lambda: derive(_neuron(), [w, b]).hessian().hessian(), "already combines its partials"),
    (lambda: derive(_neuron(), [w, b], at=NEURON_POINT).hessian().descend(0.1), "already combines its partials"),
    (lambda: derive(_neuron(), [w, b]).newton(), "Newton's step needs a point"),
    (lambda: derive(sg.bce_with_logits(w * x + b, y), [w, b], at=NEURON_POINT).newton(),
     "the Hessian of L at the point is singular"),
    (lambda: derive(u ** 2 + v, [u, w], at={u: 1, v: 0}).newton(), "the point gives no value for w"),
])
def test_what_cannot_be_derived_is_refused(build, message):
    with pytest.raises(SymgradError, match=message):
        build()


def test_the_hessian_prints_each_rule_and_the_matrix():
    text = latex(derive(_neuron(), [w, b], at=NEURON_POINT).hessian())
    assert r"\frac{\partial^{2} \mathcal{L}}{\partial b\, \partial w} &= \frac{\partial}{\partial b} \Bigl(" in text
    assert r"\frac{\partial^{2} \mathcal{L}}{\partial w^{2}}" in text and "By symmetry" in text
    assert text.count("By the chain rule") == 2  # each first partial derived once
    assert r"\sigma' = \sigma\,(1 - \sigma)" in text


def test_crosscheck_checks_every_printed_hessian_entry():
    check = crosscheck([derive(_neuron(), [w, b], at={w: 0.5, b: -1.3, x: 2, y: 1}).hessian()])
    assert check.checked == 2 + 4  # the forward pass's two nodes, the four entries


# -- Newton's step --------------------------------------------------------------------------------


QUADRATIC = u ** 2 + u * v + 2 * v ** 2 - u  # minimised at (4/7, -1/7)


def test_newtons_step_on_a_quadratic_lands_on_its_minimum():
    d = derive(QUADRATIC, [u, v], at={u: 1, v: 1}).newton()
    assert d.result == (sp.Rational(4, 7), sp.Rational(-1, 7))
    assert all(isinstance(a, NewtonStep) for a in d.answers)
    assert Question.newton_step(QUADRATIC, [u, v], {u: 1, v: 1}).answer == d.result
    text = latex(d)
    assert r"H^{-1} &= \begin{pmatrix} \frac{4}{7} & -\frac{1}{7} \\ -\frac{1}{7} & \frac{2}{7} \end{pmatrix}" in text


@pytest.mark.parametrize("method", ["exact", "finite_difference", "torch"])
def test_newtons_step_equals_the_step_solved_numerically(method):
    point = {w: 0.5, b: -1.3, x: 2, y: 1}
    exact = derive(_neuron(), [w, b], at=point).newton().result
    numeric = newton_step(_neuron(), [w, b], point, method)
    assert all(EXACT.holds(n, float(e)) for n, e in zip(numeric, exact))


def test_newtons_answer_from_partials_is_nan_where_the_hessian_is_singular():
    """As it may be for partials a student got wrong; the right answer's is refused (below)."""
    task = NewtonTask([u, v])
    assert task.answer_from(QUADRATIC, (u, v), (2 * u + v - 1, u + 4 * v), {u: 1, v: 1}) == (
        sp.Rational(4, 7), sp.Rational(-1, 7))
    assert task.answer_from((u + v) ** 2, (u, v), (2 * (u + v), 2 * (u + v)), {u: 1, v: 1}) == (sp.nan, sp.nan)


@pytest.mark.parametrize("build", [lambda: Question.hessian(_neuron(), ["z", w]),
                                   lambda: Question.newton_step(_neuron(), [w, "z"], NEURON_POINT)])
def test_a_second_order_question_about_a_node_is_refused_as_the_derivation_refuses_it(build):
    with pytest.raises(SymgradError, match="with respect to the model's variables, not its node z"):
        build()


def test_a_newton_question_with_a_singular_hessian_is_refused():
    with pytest.raises(SymgradError, match="singular, so Newton's step is undefined"):
        Question.newton_step(sg.bce_with_logits(w * x + b, y), [w, b], NEURON_POINT)


# -- the question kinds ------------------------------------------------------------------------------


def test_the_hessian_kinds_are_tasks_once():
    assert TASKS["hessian"] is Hessian and TASKS["newton_step"] is NewtonTask
    assert Hessian([w, b]).shape == (2, 2) and Hessian([w, b, x], at_point=False).shape == (3, 3)
    h = Hessian([w, b], at_point=False).answer_from(w ** 2 * b, (w, b), (2 * w * b, w ** 2))
    assert h == (2 * b, 2 * w, 2 * w, 0)


def test_the_prompts():
    sheet = Worksheet("t", "t", _neuron(), [], point=NEURON_POINT)
    hessian, newton = Hessian([w, b]), NewtonTask([w, b])
    assert prompt(hessian, hessian.derivation(sheet)) == (
        r"Find the Hessian of $\mathcal{L}$, the matrix of its second partial derivatives, with respect to "
        r"$\left(w, b\right)$, at the point.")
    assert prompt(newton, newton.derivation(sheet)).startswith(
        r"From the point, take one step of Newton's method $\theta \leftarrow \theta - H^{-1} \nabla_\theta "
        r"\mathcal{L}$ on $\theta = \left(w, b\right)$")


@pytest.fixture(scope="module")
def hessian_questions():
    return {"symbolic": Question.hessian(u ** 3 * v + u * v ** 2, [u, v]),
            "at": Question.hessian(_neuron(), [w, b], NEURON_POINT),
            "newton": Question.newton_step(QUADRATIC, [u, v], {u: 1, v: 1})}


@pytest.mark.parametrize("question, answer, correct, mistake", [
    ("symbolic", r"\begin{pmatrix} 6uv & 3u^2 + 2v \\ 3u^2 + 2v & 2u \end{pmatrix}", True, None),
    ("symbolic", r"((6uv, 3u^2 + 2v), (3u^2 + 2v, 2u))", True, None),
    ("symbolic", r"6uv, 3u^2 + 2v, 3u^2 + 2v, 2u", True, None),
    ("symbolic", ((6 * u * v, 3 * u ** 2 + 2 * v), (3 * u ** 2 + 2 * v, 2 * u)), True, None),
    ("symbolic", sp.Matrix([[6 * u * v, 3 * u ** 2 + 2 * v], [3 * u ** 2 + 2 * v, 2 * u]]), True, None),
    ("symbolic", r"\begin{pmatrix} -6uv & -3u^2 - 2v \\ -3u^2 - 2v & -2u \end{pmatrix}", False, "sign_error"),
    ("symbolic", r"\begin{pmatrix} 3uv & 3u^2 + 2v \\ 3u^2 + 2v & 2u \end{pmatrix}", False, "other"),
    ("symbolic", r"\begin{pmatrix} 6uv & 3u^2 + 2v \end{pmatrix}", False, "other"),
    ("at", r"\begin{pmatrix} 3/2 & 1/2 \\ 1/2 & 3/4 \end{pmatrix}", True, None),
    ("at", r"((1.5, 0.5), (0.5, 0.75))", True, None),
    ("at", r"\begin{pmatrix} 3/2 & 1/3 \\ 1/3 & 3/4 \end{pmatrix}", False, "other"),
    ("newton", r"(4/7, -1/7)", True, None),
    ("newton", r"\begin{pmatrix} 4/7 \\ -1/7 \end{pmatrix}", True, None),
    ("newton", r"(3/7, 8/7)", False, "other"),
])
def test_a_hessian_or_newton_answer_is_checked(sandbox, hessian_questions, question, answer, correct, mistake):
    verdict = hessian_questions[question].check(answer, sandbox)
    assert (verdict.correct, verdict.mistake) == (correct, mistake), verdict


def test_a_matrix_with_rows_of_different_lengths_is_unreadable(sandbox, hessian_questions):
    verdict = hessian_questions["symbolic"].check(((6 * u * v, 1), (2,)), sandbox)
    assert verdict.mistake == "unparseable" and "different lengths" in verdict.feedback


# -- the worksheet --------------------------------------------------------------------------------


def test_the_hessian_newton_worksheet_answers_verifies_and_its_key_checks_them(sandbox):
    sheet = load_worksheet(SHEET)
    assert [q.answer(sheet) for q in sheet.questions if q.numeric] == [
        (sp.Rational(-3, 4), -1), (sp.Rational(3, 2), sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(3, 4)),
        (sp.Rational(4, 7), sp.Rational(2, 7))]
    rows = verify_worksheet(sheet)
    assert len(rows) == 4 and all(r.passed for r in rows)
    key = worksheet_key(sheet)
    assert [q["kind"] for q in key["questions"]] == ["gradient", "hessian", "hessian", "newton_step"]
    answers = [r"(-3/4, -1)",
               r"\begin{pmatrix} x^2 \sigma(wx+b)(1-\sigma(wx+b)) + \frac{1}{2} & x\sigma(wx+b)(1-\sigma(wx+b)) \\ "
               r"x\sigma(wx+b)(1-\sigma(wx+b)) & \sigma(wx+b)(1-\sigma(wx+b)) + \frac{1}{2} \end{pmatrix}",
               r"\begin{pmatrix} 1.5 & 0.5 \\ 0.5 & 0.75 \end{pmatrix}", r"(4/7, 2/7)"]
    assert key["questions"][2]["answer"]["latex"] == r"\begin{pmatrix} 1.5 & 0.5 \\ 0.5 & 0.75 \end{pmatrix}"
    for entry, answer in zip(key["questions"], answers):
        question = Question.from_key(entry, nodes=key["nodes"])
        for given in (answer, entry["answer"]["latex"]):  # a student's, and the key's own as printed
            verdict = question.check(given, sandbox)
            assert verdict.correct, (entry["id"], given, verdict)

