from pathlib import Path

import pytest
import sympy as sp

import symgrad as sg
from symgrad import Question, SymgradError, bce, sigmoid
from symgrad.answers import Verdict
from symgrad.answers.question import matrix_symbols
from symgrad.worksheets.worksheet import load_worksheet
from symgrad.testing.assertions import finite_difference_gradient, torch_gradient

w, x, y, b, z, eta = sp.symbols("w x y b z eta")
w1, w5 = sp.symbols("w1 w5")
LOSS = (w * x - y) ** 2
MATRICES = matrix_symbols({"X": ("n", "d"), "w": ("d",)})


@pytest.mark.parametrize("question, kind, answer", [
    (lambda: Question.derivative(LOSS, w), "derivative", (2 * x * (w * x - y),)),
    (lambda: Question.derivative(LOSS, "w"), "derivative", (2 * x * (w * x - y),)),
    (lambda: Question.derivative_at(LOSS, w, {w: 1, x: 2, y: 4}), "derivative_at", (-8,)),
    (lambda: Question.derivative_at(LOSS, w, {"w": 0.5, "x": 2, "y": 4}), "derivative_at", (-12,)),
    (lambda: Question.gradient(LOSS, [w, y]), "gradient", (2 * x * (w * x - y), -2 * (w * x - y))),
    (lambda: Question.gradient(LOSS, [w, y], {w: 1, x: 2, y: 4}), "gradient", (-8, 4)),
    (lambda: Question.directional_derivative(x ** 2 + y ** 2, [x, y], (3, 4), {x: 1, y: 2}),
     "directional_derivative", (sp.Rational(22, 5),)),
    (lambda: Question.directional_derivative(x ** 2 + y ** 2, [x, y], (1, 1)), "directional_derivative",
     (sp.sqrt(2) * (x + y),)),
    (lambda: Question.gradient_step(LOSS, w, 0.01, {w: 1, x: 2, y: 4}), "gradient_step", (sp.Rational(27, 25),)),
    (lambda: Question.gradient_step(LOSS, [w], eta), "gradient_step", (w - 2 * eta * x * (w * x - y),)),
    (lambda: Question.gradient_step(LOSS, w, 0.01, {w: 1, x: 2, y: 4}, steps=2), "gradient_step",
     (sp.Rational(27, 25) - sp.Rational(1, 100) * 2 * 2 * (sp.Rational(27, 25) * 2 - 4),)),
])
def test_constructors(question, kind, answer):
    q = question()
    assert q.kind == kind
    assert all(sp.simplify(a - e) == 0 for a, e in zip(q.answer, answer)) and len(q.answer) == len(answer)


def test_the_seed_s3_step_through_a_graph():
    sheet = load_worksheet(Path(__file__).parent.parent / "worksheets" / "s3_backprop_by_hand.py")
    assert Question.gradient_step(sheet.model, [w5, w1], 0.01, sheet.point).answer == (
        sp.Rational(479, 500), sp.Rational(979, 1000))
    assert Question.derivative_at(sheet.model, "ystar", sheet.point).answer == (sp.Rational(21, 5),)


def graph_neuron():
    g = sg.Graph()
    zz = g.define("z", w * x + b)
    p = g.define("p", sigmoid(zz), latex=r"\hat{y}")
    g.define("L", bce(p, y))
    return g


@pytest.mark.parametrize("question, answer, correct", [
    # a graph's nodes are names a student may use, spelled as the graph spells them
    (lambda: Question.derivative(graph_neuron(), w), r"(\hat{y} - y) x", True),
    (lambda: Question.derivative(graph_neuron(), w), r"(\sigma(z) - y) x", True),
    (lambda: Question.derivative(graph_neuron(), w), r"(p - y) x", True),
    (lambda: Question.derivative(graph_neuron(), w), r"(\sigma(wx + b) - y) x", True),
    # a question about an intermediate node
    (lambda: Question.derivative(graph_neuron(), "z"), r"\sigma(z) - y", True),
    (lambda: Question.derivative_at(graph_neuron(), "z", {w: 0.5, b: -1, x: 2, y: 1}), "-0.5", True),
    # options
    (lambda: Question.derivative(LOSS, w, symbols={"x": [r"\xi", "x"]}), r"2\xi(\xi w - y)", True),
    (lambda: Question.derivative(sp.Symbol("yhat") ** 2, "yhat"), r"2\hat{y}", True),
    (lambda: Question.derivative(sp.Symbol("lr") * w, w), "lr", True),
    (lambda: Question.derivative(LOSS, w, aliases={"e_1": w * x - y}), "2x e_1", True),
    (lambda: Question.derivative(LOSS, w, aliases={sp.Symbol("r"): w * x - y}), "2 x r", True),
    (lambda: Question.derivative(sp.log(w), w, log_base=10), r"\frac{1}{w \ln 10}", False),
    (lambda: Question.derivative(sp.log(w) / sp.log(10), w, log_base=10), r"\frac{d}{dw} \log w", None),
    (lambda: Question.derivative(sp.log(w) / sp.log(10), w, log_base=10), r"\frac{1}{w \ln 10}", True),
    (lambda: Question.derivative(w ** 3, w, functions={"g": lambda t: t ** 3}), "g'(w)", True),
    (lambda: Question.derivative(w ** 3, w, functions={"g": sp.Lambda(z, z ** 3)}), "g'(w)", True),
    (lambda: Question.derivative_at(LOSS, w, {w: 1, x: 2, y: 4}, tolerance=0.05), "-8.3", True),
    (lambda: Question.derivative_at(LOSS, w, {w: 1, x: 2, y: 4}), "-8.3", False),
    (lambda: Question.derivative_at(LOSS, w, {w: 1, x: 2, y: 4}, tolerance={"absolute": 0.5}), "-8.3", True),
    (lambda: Question.gradient_step(LOSS, w, eta), r"w - \eta \frac{\partial J}{\partial w}", False),
    (lambda: Question.gradient_step(LOSS, w, eta, names=["E"]), r"w - \eta \frac{\partial E}{\partial w}", False),
])
def test_checking_with_options(sandbox, question, answer, correct):
    verdict = question().check(answer, sandbox)
    assert isinstance(verdict, Verdict)
    if correct is None:
        assert verdict.mistake in ("unknown_symbol", "unparseable")
    else:
        assert verdict.correct is correct, verdict


@pytest.mark.parametrize("answer, fields", [
    ("2x(xw-y)", dict(correct=True, score=1.0, mistake=None, feedback="Correct.",
                      interpreted=r"2 x \left(w x - y\right)")),
    ("-2x(xw-y)", dict(correct=False, score=0.0, mistake="sign_error", interpreted=r"- 2 x \left(w x - y\right)")),
    ("2(xw-y)", dict(correct=False, mistake="missing_chain_factor",
                     feedback="A chain-rule factor is missing: multiply by the derivative of the inner expression, $x$.")),
    ("2w(xw-y)", dict(mistake="wrong_variable",
                      feedback="You differentiated with respect to $x$; the question asks for $w$.")),
    ("q x", dict(mistake="unknown_symbol", interpreted=None,
                 feedback="Your answer uses a name the question does not have: the question has no symbol q. "
                          "Use the question's symbols.")),
    (r"\frac{\partial L}{\partial w}", dict(mistake="other", feedback="Your answer contains the derivative the "
                                                                       "question asks for: work it out.")),
    ("(2x, 1)", dict(mistake="other", feedback="The answer should be one expression.")),
    (r"\frac{\partial}{\partial w}(x^2w^2 - 2xwy + y^2)", dict(mistake="other", feedback=(
        r"Your answer still holds a derivative to work out, $\frac{\partial}{\partial w}\left(w^{2} x^{2} - "
        r"2 w x y + y^{2}\right)$."))),
])
def test_verdict_fields(sandbox, answer, fields):
    verdict = Question.derivative(LOSS, w).check(answer, sandbox)
    for name, value in fields.items():
        assert getattr(verdict, name) == value, verdict


def test_check_uses_a_default_sandbox():
    assert Question.derivative(LOSS, w).check("2x(xw-y)").correct


def test_a_gradient_with_some_entries_right_gets_partial_credit(sandbox):
    q = Question.gradient(w ** 2 * b + b, [w, b])
    verdict = q.check("(2wb, -w^2 - 1)", sandbox)
    assert (verdict.correct, verdict.score, verdict.mistake) == (False, 0.5, "sign_error")
    assert verdict.feedback.startswith("1 of 2 entries are right.")


def test_a_matrix_of_parameters_wants_its_shape(sandbox):
    W = sp.Matrix(2, 3, sp.symbols("a1:7"))
    q = Question.gradient(sum(W[i, j] * (i + 1) * (j + 2) for i in range(2) for j in range(3)), W)
    right = r"\begin{pmatrix} 2 & 3 & 4 \\ 4 & 6 & 8 \end{pmatrix}"
    assert q.check(right, sandbox).correct
    assert q.check(r"\begin{pmatrix} 2 & 4 \\ 3 & 6 \\ 4 & 8 \end{pmatrix}", sandbox).mistake == "transposed"
    assert q.check("(2, 3, 4, 4, 6, 8)", sandbox).correct  # entries in the matrix's order
    assert q.check(r"\begin{pmatrix} 2 & 3 \\ 4 & 4 \end{pmatrix}", sandbox).feedback == \
        "The answer should be a 2x3 matrix."


@pytest.mark.parametrize("build, message", [
    (lambda: Question.derivative(LOSS, w, colour="red"), "unknown option 'colour'"),
    (lambda: Question.derivative(LOSS, w, rounding_credit=2), "rounding_credit is a number from 0 to 1, not 2"),
    (lambda: Question.derivative(LOSS, w, rounding_credit="half"), "rounding_credit is a number from 0 to 1"),
    (lambda: Question.derivative("x**2", x), "not a string"),
    (lambda: Question.derivative_at(LOSS, w, {w: 1}), "the point gives no value for x, y"),
    (lambda: Question.derivative_at(LOSS, w, {"v": 1, x: 1, y: 1}), "unknown variable 'v'"),
    (lambda: Question.directional_derivative(LOSS, [w, x], (0, 0)), "zero vector"),
    (lambda: Question.directional_derivative(LOSS, [w, x], (1, 2, 3)), "3 components but there are 2"),
    (lambda: Question.gradient_step(LOSS, w, eta, steps=2), "need a point"),
    (lambda: Question.derivative(sp.Symbol("w5") + sp.Symbol("w_5"), "w5"), "both typed 'w_5'"),
    (lambda: Question.derivative(LOSS, w, symbols={"x": "x + 1"}), "is not one name"),
    (lambda: Question.derivative(LOSS, w, aliases={"w": x}), "already the name of w"),
    (lambda: Question.derivative(LOSS, w, aliases={"r": "w x - y"}), "not a string"),
    (lambda: Question.derivative(LOSS, w, log_base=1), "log_base must be positive and not 1"),
    (lambda: Question.derivative(LOSS, w, functions={"f": 3}), "must be a SymPy function"),
    (lambda: Question.derivative(sp.Symbol("foo.bar") * w, w), "cannot be typed in LaTeX"),
    # matrix questions: shapes bounded, matrices only, a gradient of a scalar
    (lambda: Question.matrix(sp.MatrixSymbol("X", 10 ** 6, 3) * sp.MatrixSymbol("v", 3, 1)), "fixed dimension is from 1 to 32"),
    (lambda: Question.matrix(MATRICES["w"] * w), "not w"),
    (lambda: Question.matrix(LOSS), "SymPy matrix expression"),
    (lambda: Question.matrix(MATRICES["w"], limits=None, tolerance=0.1), "unknown option 'tolerance'"),
    (lambda: Question.matrix_gradient(MATRICES["X"] * MATRICES["w"], MATRICES["w"]), "of a scalar function"),
    (lambda: Question.matrix_gradient(MATRICES["w"].T * MATRICES["w"], w), "MatrixSymbol"),
    (lambda: matrix_symbols({"T": ("a", "b", "c")}), "3 dimensions"),
])
def test_bad_questions(build, message):
    with pytest.raises(SymgradError, match=message):
        build()


@pytest.mark.parametrize("function, wrt, point", [
    (LOSS, [w, x, y], {w: 0.5, x: 2, y: 4}),
    (bce(sigmoid(w * x + b), y), [w, b], {w: 0.3, b: -0.1, x: 2.0, y: 1}),
    (sg.cross_entropy([w * x, b * x, w + b], 2), [w, b], {w: 0.5, b: -0.25, x: 2}),
    (sp.log(1 + sp.exp(w * x)) / (1 + b ** 2), [w, b], {w: 0.7, b: 1.5, x: -1.25}),
])
def test_the_answers_checked_against_are_right_three_ways(function, wrt, point):
    """Exact (symgrad's answer), central differences and torch autograd in float64 agree."""
    exact = [float(a) for a in Question.gradient(function, wrt, point).answer]
    for other in (finite_difference_gradient(function, wrt, point), torch_gradient(function, wrt, point)):
        assert other == pytest.approx(exact, rel=1e-8, abs=1e-10)


def test_a_function_the_teacher_names_and_defines_is_differentiated_through_its_definition(sandbox):
    sigma, f, t = sp.Function("sigma"), sp.Function("f"), sp.Symbol("t")
    logistic = {"sigma": sp.Lambda(t, 1 / (1 + sp.exp(-t)))}
    q = Question.derivative(sigma(z), z, functions=logistic)
    assert q.answer == (sp.exp(-z) / (1 + sp.exp(-z)) ** 2,)
    assert q.check(r"\sigma'(z)", sandbox).correct and q.check(r"\sigma(z)(1 - \sigma(z))", sandbox).correct
    g = sg.Graph()
    g.define("z", w * x + b)
    g.define("p", sigma(sp.Symbol("z")), latex="p")
    g.define("L", (sp.Symbol("p") - y) ** 2)
    q = Question.derivative(g, w, functions=logistic)
    assert q.check(r"2(p - y) \sigma'(z) x", sandbox).correct  # the graph's nodes are still names
    assert q.check(r"2(p - y) x", sandbox).mistake == "missing_chain_factor"
    q = Question.derivative_at(f(w) * w, w, {w: 3}, functions={"f": lambda u: u ** 2})  # (w^3)' = 27
    assert q.answer == (27,) and q.check("27", sandbox).correct


def test_a_matrix_question_reads_its_shapes_and_says_what_shape_it_wants(sandbox):
    X, v = MATRICES["X"], MATRICES["w"]
    question = Question.matrix_gradient(v.T * X.T * X * v, v, id="quadratic")
    assert (question.kind, question.id, set(question.matrices)) == ("matrix_gradient", "quadratic", {"X", "w"})
    assert question.shape_wanted() == "the gradient has the shape of w, d x 1"
    assert Question.matrix(X * v).shape_wanted() == "the answer is n x 1"
    assert question.check(r"2X^\top X w", sandbox).correct
    assert question.check(2 * X.T * X * v, sandbox).correct  # a SymPy matrix expression
    verdict = question.check(r"2 w^\top X^\top", sandbox)
    assert (verdict.mistake, verdict.feedback) == ("wrong_shape", "The shapes do not fit: your answer is 1 x n; the "
                                                                  "gradient has the shape of w, d x 1.")
