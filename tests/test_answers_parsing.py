import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, latex2sympy

from symgrad import cross_entropy, relu, sigmoid, softplus
from symgrad.core.activations import LogSoftmax, Softmax, step
from symgrad.answers.spellings import Spellings
from symgrad.answers.parsing import read_answer, read_matrix_answer
from symgrad.answers.problems import TooComplex, UnknownSymbols, Unreadable, WrongShape

w, x, y, b, z, W, w5, x1, yhat, eta, t0, lr = sp.symbols("w x y b z W w5 x1 yhat eta theta0 lr")
VARIABLES = [w, x, y, b, z, W, w5, x1, yhat, eta, t0, lr]
NOTATION = Spellings.declare(VARIABLES, aliases={r"\hat{p}": sigmoid(w * x + b)},
                            function=(w * x - y) ** 2, function_names=["L"],
                            functions={"f": sp.Lambda(sp.Symbol("t"), sp.Symbol("t") ** 3)})


def read(text, notation=NOTATION):
    reading = read_answer(text, notation)
    return tuple(notation.expand(c.xreplace(reading.values)) for c in reading.cells)


@pytest.mark.parametrize("text, expected", [
    # the conventions of the issue
    (r"\log x", sp.log(x)),
    (r"\ln(x)", sp.log(x)),
    (r"\log_{10} x", sp.log(x) / sp.log(10)),
    (r"\log_2(x)", sp.log(x) / sp.log(2)),
    (r"\sigma(wx+b)", sigmoid(w * x + b)),
    (r"\sigma'(z)", sigmoid(z) * (1 - sigmoid(z))),
    (r"\sigma^{\prime}(z)", sigmoid(z) * (1 - sigmoid(z))),
    (r"\sigma''(z)", sp.diff(sigmoid(z), z, 2)),
    ("2.5e-3", sp.Rational(1, 400)),
    (r"\frac{\partial L}{\partial w_5}", 0),
    (r"\frac{\partial L}{\partial w}", 2 * x * (w * x - y)),
    (r"\frac{dL}{dx}", 2 * w * (w * x - y)),
    (r"\frac{\partial}{\partial w}(wx - y)", x),  # a derivative not yet worked out, in a derivation's line
    (r"\frac{d}{dw}\left(wx - y\right)^2 + 1", 2 * x * (w * x - y) + 1),
    ("W - w", W - w),
    ("2x(xw-y)", 2 * x * (x * w - y)),
    # numbers are exact
    ("0.958", sp.Rational(479, 500)),
    ("-4.2", sp.Rational(-21, 5)),
    (r"\frac{21}{5}", sp.Rational(21, 5)),
    ("1/3", sp.Rational(1, 3)),
    (r"2.5 \times 10^{-3}", sp.Rational(1, 400)),
    ("0.1 + 0.2", sp.Rational(3, 10)),
    # names
    (r"w5 + w_5 + w_{5}", 3 * w5),
    (r"\theta_0 + \theta0", 2 * t0),
    (r"\hat{y} + yhat", 2 * yhat),
    (r"\eta \cdot eta", eta ** 2),
    ("lr x", lr * x),
    (r"\mathrm{lr}", lr),
    (r"x_1 + x1", 2 * x1),
    (r"\hat{p}", sigmoid(w * x + b)),
    ("e^{x}", sp.exp(x)),
    (r"\exp(-z)", sp.exp(-z)),
    (r"\pi x", sp.pi * x),
    # functions
    (r"\operatorname{relu}(x) + ReLU(y) + \mathrm{relu}(z)", relu(x) + relu(y) + relu(z)),
    (r"\operatorname{softplus}(z)", softplus(z)),
    (r"\tanh^2(x)", sp.tanh(x) ** 2),
    (r"\tanh(x)^2", sp.tanh(x) ** 2),
    (r"1 - \tanh^{2}{\left(x \right)}", 1 - sp.tanh(x) ** 2),
    (r"\sech^2(x) + \operatorname{sech}(y)^2 + \csch x + \coth(z)",
     sp.sech(x) ** 2 + sp.sech(y) ** 2 + sp.csch(x) + sp.coth(z)),
    (r"\sec^2(x) + \csc y + \cot(z) + \arccos(w)", sp.sec(x) ** 2 + sp.csc(y) + sp.cot(z) + sp.acos(w)),
    (r"\operatorname{arsinh}(x) + \operatorname{arcsinh}(y) + \operatorname{asinh}(z)",
     sp.asinh(x) + sp.asinh(y) + sp.asinh(z)),
    (r"\operatorname{artanh} x + \operatorname{arccosh}(y) + \operatorname{arcoth}(z) + \operatorname{arsech}(w)"
     r" + \operatorname{arccsch}(b)", sp.atanh(x) + sp.acosh(y) + sp.acoth(z) + sp.asech(w) + sp.acsch(b)),
    (r"\ln x^2", sp.log(x ** 2)),
    (r"\log{\left(w \right)}^{2}", sp.log(w) ** 2),
    (r"\exp 2x", 2 * sp.exp(2) * x / 2),
    (r"\sqrt{x} + \sqrt[3]{x}", sp.sqrt(x) + x ** sp.Rational(1, 3)),
    (r"|x - |y||", sp.Abs(x - sp.Abs(y))),
    (r"\left|x\right| + \lvert y \rvert", sp.Abs(x) + sp.Abs(y)),
    ("f(x)", x ** 3),
    ("f'(x)", 3 * x ** 2),
    # grammar
    ("x^23", 3 * x ** 2),
    (r"\frac12 x", x / 2),
    ("1/2x", 1 / (2 * x)),
    ("x^{-1}", 1 / x),
    ("- x - - y", y - x),
    (r"x \cdot (- y)", -x * y),
    ("(((x)))", x),
    ("{x+1}^2", (x + 1) ** 2),
    ("[x + 1] y", (x + 1) * y),
    (r"\frac{e^{-z}}{(1+e^{-z})^2}", sp.exp(-z) / (1 + sp.exp(-z)) ** 2),
    (r"w - \eta \cdot 2x(xw - y)", w - 2 * eta * x * (x * w - y)),
    (r"\frac{dL}{dw} = 2x(xw - y)", 2 * x * (x * w - y)),
    (r"\nabla_w L = 2x(xw - y)", 2 * x * (x * w - y)),
    (r"\nabla_{\theta} L = \nabla_{w5} L = 2x", 2 * x),
    (r"= 2x(xw-y) = 2x^2w - 2xy", 2 * x ** 2 * w - 2 * x * y),
    ("$x y$", x * y),
])
def test_reading(text, expected):
    (got,) = read(text)
    assert sp.simplify(got - expected) == 0, got


@pytest.mark.parametrize("text, cells, shape", [
    ("(1, 2)", (1, 2), None),
    ("1, 2", (1, 2), None),
    (r"\left[ x, y \right]", (x, y), None),
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", (1, 2), (2, 1)),
    (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \\ \end{bmatrix}", (1, 2, 3, 4), (2, 2)),
    (r"\begin{pmatrix} 1 & 2 \end{pmatrix}", (1, 2), (1, 2)),
    (r"\nabla = (2x, 2y)", None, None),
    (r"\nabla L = (2x, 2y)", (2 * x, 2 * y), None),
    (r"\nabla_{w,b} L = 2x, 2y", (2 * x, 2 * y), None),
    (r"\nabla L = \begin{pmatrix} 2x \\ 2y \end{pmatrix}", (2 * x, 2 * y), (2, 1)),
    (r"(2x, \nabla L)", None, None),
])
def test_layouts(text, cells, shape):
    if cells is None:
        with pytest.raises(Unreadable):
            read_answer(text, NOTATION)
        return
    reading = read_answer(text, NOTATION)
    assert reading.cells == cells and reading.shape == shape


@pytest.mark.parametrize("text, names", [
    ("q + r", ("q", "r")),
    ("2x + Y", ("Y",)),
    ("g(x)", ("g",)),
    (r"\alpha x", (r"\alpha",)),
    ("w_6", ("w_6",)),
    (r"\frac{\partial M}{\partial w}", ("M",)),
    ("q + q", ("q",)),
])
def test_unknown_symbols_are_named_not_created(text, names):
    with pytest.raises(UnknownSymbols) as caught:
        read_answer(text, NOTATION)
    assert caught.value.names == names


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("x +", "not well formed"),
    ("* x", "not well formed"),
    ("()", "empty"),
    (r"\sigma", "has no argument"),
    ("x'", "a prime"),
    (r"\partial x", r"\\partial can only appear"),
    ("x, (y, z)", "a comma can only separate"),
    ("x & y", "& can only separate"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 \end{pmatrix}", "rows of the matrix have different lengths"),
    (r"\begin{pmatrix} 1 \end{bmatrix}", r"closed by \\end\{bmatrix\}"),
    ("x^", "missing its argument"),
    ("^2", "must follow"),
    (r"\sigma(x, y)", "takes 1 argument, not 2"),
    (r"\log_{1} x", "no valid base"),
    (r"\frac{\partial L}{\partial \hat{p}}", "not a variable of the question"),
    (r"\frac{\partial}{\partial \hat{p}}(w)", "not a variable of the question"),
    (r"\frac{\partial}{\partial w} w x", "must be followed by what it differentiates, in brackets"),
    (r"f'(x, y)", "takes 1 argument"),
])
def test_unparseable(text, message):
    with pytest.raises(Unreadable, match=message):
        read_answer(text, NOTATION)


@pytest.mark.parametrize("text, message", [
    (r"2^{2^{2^{40}}}", "exponent is larger than 1000"),
    ("9^{9^{9}}", "exponent is larger than 1000"),
    (r"x^{10^{10}}", "exponent is larger than 1000"),
    (r"(10^{100})^{1000}", "too large to compute exactly"),
    ("(" * 300 + "x" + ")" * 300, "nested more than 20 deep"),
    ("x" * 50_000, "50000 characters"),
    (" + ".join(f"{k}.5 x" for k in range(60)), "more than 47 distinct"),
])
def test_too_complex(text, message):
    with pytest.raises(TooComplex, match=message):
        read_answer(text, NOTATION)


z1, z2, z3 = sp.symbols("z1:4")
# a question about a softmax and a relu: its answers may write softmax components and relu's derivative
ML = Spellings.declare([z1, z2, z3, w, x, b], function=cross_entropy([z1, z2, z3], 1) + relu(w * x + b))


@pytest.mark.parametrize("text, expected", [
    (r"\operatorname{softmax}_2(z_1, z_2, z_3)", Softmax(1, z1, z2, z3)),     # numbered from 1, as printed
    (r"\mathrm{softmax}_{1}\left(z_{1}, z_{2}, z_{3}\right)", Softmax(0, z1, z2, z3)),
    ("softmax_3(z1, z2, z3) + Softmax_3(z1, z2, z3)", 2 * Softmax(2, z1, z2, z3)),
    (r"\operatorname{softmax}_1(z_1, wx, b)", Softmax(0, z1, w * x, b)),
    (r"\log\operatorname{softmax}_2(z_1, z_2, z_3)", LogSoftmax(1, z1, z2, z3)),
    (r"-\log \mathrm{softmax}_{2}\left(z_1, z_2, z_3\right)", -LogSoftmax(1, z1, z2, z3)),
    (sp.latex(LogSoftmax(2, z1, z2, z3)), LogSoftmax(2, z1, z2, z3)),
    (sp.latex(Softmax(0, z1, z2, z3) - 1), Softmax(0, z1, z2, z3) - 1),
    (r"[z_1 > 0]", step(z1)),
    (r"x[wx + b > 0]", x * step(w * x + b)),
    (r"x \mathbb{1}[wx + b > 0]", x * step(w * x + b)),
    (r"\mathbb 1 \left[b + w x > 0\right] x", x * step(w * x + b)),
    (r"[w \gt x]", step(w - x)),
    (sp.latex(x * step(w * x + b)), x * step(w * x + b)),                     # as symgrad prints relu'
    (r"\ln \sigma(z_1)", sp.log(sigmoid(z1))),
])
def test_softmax_components_and_relus_derivative(text, expected):
    assert read(text, ML) == (expected,)


@pytest.mark.parametrize("text, notation, message", [
    (r"\operatorname{softmax}_4(z_1, z_2, z_3)", ML, "softmax_\\{4\\} of 3 logits has no component 4"),
    (r"\operatorname{softmax}_0(z_1, z_2, z_3)", ML, "written with its number, from 1"),
    (r"\operatorname{softmax}(z_1, z_2, z_3)", ML, "written with its number, from 1"),
    ("z_1 > 0", ML, "> can only appear in relu's derivative"),
    ("(z_1 > 0)", ML, "> can only appear in relu's derivative"),
    ("[z_1 > 0 > z_2]", ML, "compares two sides, once"),
    (r"\mathbb{1} z_1", ML, r"\\mathbb\{1\} must be followed by \[z > 0\]"),
    (r"\mathbb{R}", ML, r"\\mathbb can only be \\mathbb\{1\}"),
    ("[x > 0]", NOTATION, "not an inequality"),      # no relu in this question
    ("x > 0", NOTATION, "not an inequality"),
])
def test_softmax_and_iverson_misread(text, notation, message):
    with pytest.raises(Unreadable, match=message):
        read_answer(text, notation)


def test_a_function_applied_to_a_call_takes_the_whole_call():
    sigma = sp.Symbol("sigma")
    assert read(r"\ln \sigma(x) + \exp \tanh(2x)") == (sp.log(sigmoid(x)) + sp.exp(sp.tanh(2 * x)),)
    assert read(r"\ln \sigma(x)", Spellings.declare([sigma, x])) == (sp.log(sigma) * x,)  # a declared symbol


def test_the_iverson_bracket_is_known_to_questions_that_declare_step():
    assert read("[x > 0]", Spellings.declare([x], functions={"H": step})) == (step(x),)
    assert read(r"\operatorname{H}(x)", Spellings.declare([x], functions={"H": step})) == (step(x),)


def test_softmax_is_known_only_to_questions_that_have_it_or_declare_it():
    with pytest.raises(UnknownSymbols, match="softmax"):
        read_answer(r"\operatorname{softmax}_2(x, y)", NOTATION)
    declared = Spellings.declare([x, y], functions={"softmax": Softmax})
    assert read(r"\operatorname{softmax}_2(x, y)", declared) == (Softmax(1, x, y),)


def test_log_base_is_the_questions():
    base10 = Spellings.declare([x], log_base=10)
    assert read(r"\log x", base10) == (sp.log(x) / sp.log(10),)
    assert read(r"\ln x", base10) == (sp.log(x),)
    assert read(r"\log_e x", base10) == (sp.log(x),)


def test_a_declared_symbol_wins_over_a_function_of_the_same_name():
    sigma = sp.Symbol("sigma")
    notation = Spellings.declare([sigma, x])
    assert read(r"\sigma(x)", notation) == (sigma * x,)
    assert read(r"\sigma'(x)", notation) == (sigmoid(x) * (1 - sigmoid(x)),)


def test_e_is_a_symbol_when_the_question_declares_one():
    e = sp.Symbol("e")
    assert read("e^{x}", Spellings.declare([e, x])) == (e ** x,)
    assert read("e^{x}", Spellings.declare([x])) == (sp.exp(x),)


def test_derivatives_are_recorded_with_what_they_differentiate():
    reading = read_answer(r"w - \eta \frac{\partial L}{\partial w}", NOTATION)
    ((of, wrt),) = reading.derivatives.values()
    assert NOTATION.expand(of) == (w * x - y) ** 2 and wrt == w
    reading = read_answer(r"2 \frac{\partial}{\partial w}(w x)", NOTATION)
    assert list(reading.derivatives.values()) == [(w * x, w)]


@pytest.mark.parametrize("answer, cells, shape", [
    (sp.Rational(21, 5), (sp.Rational(21, 5),), None),
    (0.958, (sp.Rational(479, 500),), None),
    (3, (3,), None),
    (2 * x * (x * w - y), (2 * x * (x * w - y),), None),
    ([1, 2.5], (1, sp.Rational(5, 2)), None),
    (sp.Matrix([[1, 2], [3, 4]]), (1, 2, 3, 4), (2, 2)),
])
def test_objects(answer, cells, shape):
    reading = read_answer(answer, NOTATION)
    assert reading.cells == cells and reading.shape == shape


@pytest.mark.parametrize("answer, problem, message", [
    (sp.Symbol("q") + x, UnknownSymbols, "no symbol q"),
    (["x"], Unreadable, "not text"),
    (sp.Eq(x, 1), Unreadable, "not an expression"),
    (object(), Unreadable, "of type object"),
    (float("nan"), Unreadable, "not a finite number"),
    (sp.Add(*sp.symbols("w0:1600")), TooComplex, "more than 1500 operations"),
])
def test_bad_objects(answer, problem, message):
    with pytest.raises(problem, match=message):
        read_answer(answer, NOTATION)


def test_latex2sympy2_extended_keeps_no_state_between_readings():
    """latex2sympy2 1.9.1 let one answer containing dw break every later parse; the extended one does not."""
    config = ConversionConfig(lowercase_symbols=False)
    before = [latex2sympy(t, conversion_config=config) for t in ("2 x (x w - y)", r"\frac{1}{1+e^{-z}}")]
    for poison in ("dw", "x dw", r"\int x dw", r"\frac{dL}{dw}"):
        latex2sympy(poison, conversion_config=config)
    after = [latex2sympy(t, conversion_config=config) for t in ("2 x (x w - y)", r"\frac{1}{1+e^{-z}}")]
    assert before == after


def test_our_reader_reads_dw_as_names():
    with pytest.raises(UnknownSymbols, match="no symbol d"):
        read_answer("x dw", NOTATION)
    assert read("2x(xw-y)") == (2 * x * (x * w - y),)


# SymPy's own LaTeX of random expressions reads back as the same expression.
LEAVES = st.sampled_from([w, x, y, b, W, w5, x1, eta, t0, sp.Integer(2), sp.Integer(3), sp.Rational(1, 2),
                          sp.Rational(-3, 4)])
UNARY = [sp.exp, sp.log, sigmoid, sp.tanh, sp.sech, sp.asinh, sp.sqrt, relu, softplus, lambda e: -e, sp.Abs]
BINARY = [sp.Add, sp.Mul, lambda a, c: a / c, lambda a, c: a - c, lambda a, c: a ** 2 * c]
EXPRESSIONS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.tuples(st.sampled_from(UNARY), inner).map(lambda t: t[0](t[1])),
                            st.tuples(st.sampled_from(BINARY), inner, inner).map(lambda t: t[0](t[1], t[2]))),
    max_leaves=10)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_sympy_latex_reads_back(expr):
    if not isinstance(expr, sp.Expr) or expr.has(sp.zoo, sp.nan, sp.I, sp.re, sp.im, sp.arg, sp.sign):
        return  # undefined, or complex-analysis notation no answer here uses
    (got,) = read(sp.latex(expr))
    if got == expr:
        return
    point = {s: sp.Rational(k + 3, 7) for k, s in enumerate(sorted(expr.free_symbols, key=str))}
    a, c = complex(got.xreplace(point).evalf(30)), complex(expr.xreplace(point).evalf(30))
    assert abs(a - c) <= 1e-12 * max(1, abs(c)), (sp.latex(expr), got)


@pytest.mark.parametrize("text, labels, cells", [
    ("b = 1, w = 2", (b, w), (1, 2)),
    ("(b = 1, w = 2)", (b, w), (1, 2)),
    (r"\frac{\partial L}{\partial w} = 2x, \frac{dL}{db} = 2", (w, b), (2 * x, 2)),
    (r"\nabla_{w5} L = 1, \nabla_\eta L = 2", (w5, eta), (1, 2)),
    (r"w = \frac{dL}{dw} = 2x, b = 2", (w, b), (2 * x, 2)),
    (r"\nabla L = (1, 2)", (), (1, 2)),  # one name for the whole answer
    ("w = 1, 2", (), (1, 2)),
])
def test_entries_named_by_their_variables(text, labels, cells):
    reading = read_answer(text, NOTATION)
    assert (reading.labels, reading.cells) == (labels, cells)


@pytest.mark.parametrize("text, problem, message", [
    ("1, w = 2", Unreadable, "name every entry or none"),
    ("w + 1 = 1, b = 2", Unreadable, "an entry is named by a variable or its derivative"),
    (r"\nabla_{w,b} L = 1, b = 2", Unreadable, "an entry is named by a variable or its derivative"),
    ("c = 1, w = 2", UnknownSymbols, "c"),
])
def test_entries_named_wrongly(text, problem, message):
    with pytest.raises(problem, match=message):
        read_answer(text, NOTATION)


# -- matrix answers ---------------------------------------------------------------------------------

N, D = sp.symbols("n d", integer=True, positive=True)
MX, MV, MY = sp.MatrixSymbol("X", N, D), sp.MatrixSymbol("w", D, 1), sp.MatrixSymbol("y", N, 1)
MATRICES = {"X": MX, "w": MV, "y": MY}


@pytest.mark.parametrize("text, expected", [
    (r"2X^\top(Xw-y)", 2 * MX.T * (MX * MV - MY)),
    (r"X^T X w", MX.T * MX * MV),
    (r"\nabla_w L = X^{\mathsf T} y", MX.T * MY),
    (r"\|Xw - y\|^2", (MX * MV - MY).T * (MX * MV - MY)),
    (r"\|w\|", sp.sqrt(sp.Trace(MV.T * MV))),
    (r"(w^\top w) w", sp.Trace(MV.T * MV) * MV),                      # a 1 x 1 matrix multiplies as a number
    (r"w \otimes w", MV * MV.T),
    (r"w \odot w", sp.HadamardProduct(MV, MV)),
    (r"X^\top \mathbf{1}", MX.T * sp.OneMatrix(N, 1)),
    (r"\mathbf{1}_d^\top w", sp.OneMatrix(D, 1).T * MV),
    (r"\operatorname{tr}(X^\top X) / 2", sp.Trace(MX.T * MX) / 2),
    (r"\operatorname{diag}(w) w", sp.matrices.expressions.diagonal.DiagMatrix(MV) * MV),
])
def test_matrix_answers(text, expected):
    assert read_matrix_answer(text, MATRICES, Spellings.declare([])) == expected


def test_a_function_applies_to_a_matrix_entry_by_entry():
    value = read_matrix_answer(r"\sigma'(w)", MATRICES, Spellings.declare([]))
    assert value.shape == (D, 1) and value.expr == MV
    assert value.function(z) == sigmoid(z) * (1 - sigmoid(z))


@pytest.mark.parametrize("text, problem, message", [
    (r"2X(Xw-y)", WrongShape, "multiplies a matrix of shape n x d by one of shape n x 1"),
    (r"X + w", WrongShape, "adds terms of shapes n x d and d x 1"),
    (r"w^\top \odot w", WrongShape, "Hadamard product has sides of shapes 1 x d and d x 1"),
    (r"X \otimes w", WrongShape, "outer product"),
    (r"\operatorname{tr}(X)", WrongShape, "trace of a square matrix, not of shape n x d"),
    (r"\operatorname{diag}(X)", WrongShape, "of a column, not of shape n x d"),
    (r"\frac{w}{w}", WrongShape, "divides by a matrix of shape d x 1"),
    (r"\|X\|", WrongShape, "norm is taken of shape n x d"),
    (r"X^2", Unreadable, "only as a norm"),
    (r"\mathbf{1}", Unreadable, r"\\mathbf\{1\}_n"),
    (r"\mathbf{1}_k", Unreadable, "names no dimension"),
    (r"\|w", Unreadable, "norm .* is not closed"),
    (r"X \odot", Unreadable, "nothing after it"),
    (r"X, w", Unreadable, "comma"),
    (r"X + q", UnknownSymbols, "no symbol q"),
    ("X" + "^T" * 400, TooComplex, "more than 600 symbols"),
])
def test_matrix_answers_refused(text, problem, message):
    with pytest.raises(problem, match=message):
        read_matrix_answer(text, MATRICES, Spellings.declare([]))
