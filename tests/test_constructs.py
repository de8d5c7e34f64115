"""A table of SymPy constructs, each through every consumer: exact calculus and ``derive``, LaTeX,
keys (JSON trees), ``compile_gradient`` (NumPy), the torch twin (``assert_gradient_matches``: exact
vs central differences vs float64 autograd), the pytest plugin's check of a worksheet's key, and the
answer checker; and worksheets of them rendered and verified."""

import json
import textwrap

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad.cli import main
from symgrad.core.graph import normalise
from symgrad.core.serialize import from_tree, to_tree
from symgrad.explain.latex import latex
from symgrad.testing import assert_gradient_matches
from symgrad.testing.plugin import _check, _points
from symgrad.twin.oracles import to_float
from symgrad.worksheets import pdf
from symgrad.worksheets.answer_key import key_questions
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Worksheet

pytest.importorskip("torch")

w, x = sp.symbols("w x")
POINT = {w: sp.Rational(3, 10), x: sp.Rational(-7, 5)}  # a negative x: negative numbers in every derivation
half = sp.S.Half

# (id, expression of w and x): no kink within w in [0.2, 1.5] (the plugin's random points), |w x| < 1
CONSTRUCTS = [
    ("rational", sp.Rational(3, 7) * w ** 2 * x),
    ("sqrt2", sp.sqrt(2) * w * x),
    ("log2", sp.log(2) * w ** 2),
    ("pi", sp.pi * w ** 3 + x),
    ("E", sp.E * w * x),
    ("exp_of_constant", sp.exp(2) * w + sp.exp(w * x)),
    ("log_of_constant", sp.log(w ** 2 + 1) - sp.log(3) * x * w),
    ("attention_scale", w * x / sp.sqrt(3)),
    ("abs", sp.Abs(w * x)),
    ("sign", sp.sign(w) * w ** 2 + sp.sign(x) * w),
    ("leaky_relu_max", sp.Max(w * x / 100, w * x)),
    ("max_three_and_constant", sp.Max(w, 3 * w - 5, -1)),
    ("min_three_and_constant", sp.Min(2, w, w ** 2 + 3)),
    ("min_of_one", sp.Min(1, w * x)),
    ("hardtanh", sp.Min(sp.Max(-1, w * x), 1)),
    ("relu_max", sp.Max(0, w * x)),
    ("huber", sp.Piecewise((w ** 2 / 2, sp.Abs(w) <= 1), (sp.Abs(w) - half, True))),
    ("elu", sp.Piecewise((w * x, w * x > 0), (sp.exp(w * x) - 1, True))),
    ("piecewise_and", sp.Piecewise((w ** 2, sp.And(w > 0, x < 0)), (w, True))),
    ("heaviside", w * sp.Heaviside(w) + w * sp.Heaviside(x, 0)),
    ("erf", sp.erf(w * x)),
    ("erfc", sp.erfc(w)),
    ("gelu", w * x / 2 * (1 + sp.erf(w * x / sp.sqrt(2)))),
    ("gelu_tanh", w / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (w + sp.Rational(44715, 1000000) * w ** 3)))),
    ("softsign", w * x / (1 + sp.Abs(w * x))),
    ("sin", sp.sin(w * x)),
    ("cos", sp.cos(w) * x),
    ("tan", sp.tan(w)),
    ("sinh", sp.sinh(w * x)),
    ("cosh", sp.cosh(w)),
    ("tanh", sp.tanh(w * x)),
    ("asin", sp.asin(w / 2)),
    ("atan", sp.atan(w * x)),
    ("log_cosh", sp.log(sp.cosh(w * x - 1))),
    ("gaussian", sp.exp(-w ** 2 / 2) / sp.sqrt(2 * sp.pi)),
    ("kl_numeric_target", sp.Rational(1, 3) * sp.log(sp.Rational(1, 3) / sg.sigmoid(w * x))),
    ("deep", sp.exp(sp.sin(sp.log(1 + sp.Abs(sp.tanh(w * x) - sp.sqrt(3))))) * sp.Max(w, sp.cos(w))),
]
IDS = [name for name, _ in CONSTRUCTS]
EXPRESSIONS = [e for _, e in CONSTRUCTS]


def _at(expr):
    """The point, for the variables ``expr`` has (a point may not name others)."""
    return {s: v for s, v in POINT.items() if s in expr.free_symbols}


def _derivative(expr):
    (d,) = sg.gradient(expr, [w])
    return d


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=IDS)
def test_exact_calculus_and_the_derivation_agree_and_print_by_rules(expr):
    d = _derivative(expr)
    assert not d.has(sp.DiracDelta, sp.Derivative)
    expected = sp.diff(normalise(expr), w)  # Max(0, z) is relu, whose derivative at 0 is torch's 0
    assert sp.simplify(expected - d) == 0 or d.equals(expected)
    derivation = sg.derive(expr, [w], at=_at(expr))  # every step checks itself against sympy.diff
    (value,) = sg.gradient(expr, [w], at=_at(expr))
    assert to_float(derivation.answers[0].result) == pytest.approx(to_float(value), rel=1e-14, abs=1e-300)
    for tex in (latex(derivation), latex(sg.derive(expr, [w]))):
        assert "by SymPy" not in tex and r"\theta\left(" not in tex  # Heaviside as brackets
        assert "- -" not in tex and "+ -" not in tex and "}^{-1}" not in tex


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=IDS)
def test_the_key_tree_reads_back_the_same_expression(expr):
    for e in (expr, _derivative(expr)):
        assert from_tree(json.loads(json.dumps(to_tree(e)))) == e


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=IDS)
def test_compiled_numpy_gradient_equals_the_exact_one(expr):
    walk = sg.backward(sg.Graph.from_expression(expr), [w])
    compiled = sg.compile_gradient(walk)
    ws, xs = np.array([0.3, 0.55, 1.2]), np.array([-1.4, -0.5, 0.6])
    values = {s: v for s, v in {"w": ws, "x": xs}.items() if s in {a.name for a in compiled.args}}
    output, (gradient,) = compiled(values)
    for i in range(3):
        point = {w: sp.Float(ws[i], 30), x: sp.Float(xs[i], 30)}
        assert output[i] == pytest.approx(to_float(expr.xreplace(point)), rel=1e-12, abs=1e-15)
        assert gradient[i] == pytest.approx(to_float(_derivative(expr).xreplace(point)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=IDS)
def test_exact_finite_differences_and_torch_autograd_agree(expr):
    report = assert_gradient_matches(expr, sorted(expr.free_symbols, key=str), at=_at(expr), rtol=1e-10, atol=1e-12)
    assert set(report) == {"exact", "finite_difference", "torch"}


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=IDS)
def test_the_pytest_plugin_checks_a_worksheet_of_it(expr):
    sheet = Worksheet(name="construct", title="construct", model=expr, point=_at(expr),
                      questions=[Derivative(w), DerivativeAt(w)])
    questions = key_questions(sheet)
    assert [q.kind for q in questions] == ["derivative", "derivative_at"]
    for q in questions:
        for point in _points(q):
            _check(q, point)  # raises with the numbers when the key disagrees with them


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=IDS)
def test_the_answer_checker_accepts_the_exact_derivative(expr, sandbox):
    d = _derivative(expr)
    verdict = sg.Question.derivative(expr, w).check(d, sandbox)
    assert verdict.correct, verdict
    value = sg.gradient(expr, [w], at=_at(expr))[0]
    verdict = sg.Question.derivative_at(expr, w, _at(expr)).check(f"{to_float(value):.15g}", sandbox)
    assert verdict.correct, verdict


@pytest.mark.parametrize("expr, typed", [
    (sp.erf(w) * w, r"\operatorname{erf}(w) + \frac{2w}{\sqrt{\pi}} e^{-w^2}"),
    (sp.sin(w) ** 2, r"2\sin w \cos w"),
    (sp.cosh(w) * sp.tanh(w), r"\cosh w"),  # cosh(w) tanh(w) is sinh(w)
    (sp.Abs(w) * w, r"2|w|"),
    (sp.Abs(w), r"\operatorname{sign}(w)"),
    (sp.atan(w), r"\frac{1}{1 + w^2}"),
    (sp.asin(w), r"\frac{1}{\sqrt{1 - w^2}}"),
])
def test_a_typed_answer_in_these_functions_is_read(expr, typed, sandbox):
    assert sg.Question.derivative(expr, w).check(typed, sandbox).correct


# -- whole worksheets ------------------------------------------------------------------------------

ACTIVATIONS = '''
"""Leaky ReLU as Max, softsign, GELU with erf and a Huber loss as Piecewise."""

import sympy as sp

from symgrad import Graph
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Gradient, GradientStep, Worksheet

w, b, x, y = sp.symbols("w b x y")
model = Graph()
z = model.define("z", w * x + b)
a = model.define("a", sp.Max(z / 100, z))
s = model.define("s", a / (1 + sp.Abs(a)))
g = model.define("g", s / 2 * (1 + sp.erf(s / sp.sqrt(2))))
r = model.define("r", g - y)
model.define("L", sp.Piecewise((r ** 2 / 2, sp.Abs(r) <= 1), (sp.Abs(r) - sp.S(1) / 2, True)))

WORKSHEET = Worksheet(
    name="activations", title="Leaky ReLU, softsign, GELU and Huber", model=model,
    point={w: -0.85, b: 0.3, x: 1.1, y: 2},
    questions=[DerivativeAt(z), Derivative(w), DerivativeAt(w), Gradient([w, b]),
               GradientStep([w, b], learning_rate=0.1)],
)
'''

TRIGONOMETRY = '''
"""Trigonometric and hyperbolic functions, constants and a hard tanh."""

import sympy as sp

from symgrad.worksheets.worksheet import DerivativeAt, Gradient, Worksheet

w, x = sp.symbols("w x")
WORKSHEET = Worksheet(
    name="trigonometry", title="Waves",
    model=(sp.sin(w * x) * sp.cosh(w) + sp.atan(x) / sp.sqrt(2) - sp.Min(sp.Max(-1, w * x), 1) * sp.pi) ** 2,
    point={w: 0.4, x: -1.5},
    questions=[DerivativeAt(w), Gradient([w, x])],
)
'''


@pytest.mark.parametrize("name, source", [("activations", ACTIVATIONS), ("trigonometry", TRIGONOMETRY)])
def test_a_worksheet_of_them_verifies_and_renders(tmp_path, capsys, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    assert main(["verify", str(path)]) == 0
    assert "FAILED" not in capsys.readouterr().out
    if not pdf.tex_available():
        pytest.skip("TeX is not installed")
    assert main(["render", str(path), "--answers", "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / f"{name}.pdf").stat().st_size > 0
    tex = (tmp_path / "out" / f"{name}.tex").read_text()
    assert "by SymPy" not in tex and "- -" not in tex and r"\theta\left(" not in tex  # Heaviside as brackets


# -- at the kinks, torch's conventions -----------------------------------------------------------


@pytest.mark.parametrize("expr, at, expected", [
    (sp.Max(w, x), {w: 1, x: 1}, (half, half)),  # a tie splits evenly, as torch.maximum's gradient
    (sp.Min(w, 2 * x), {w: 2, x: 1}, (half, 1)),  # as torch.minimum's
    (sp.Max(w, 1), {w: 1}, (half,)),  # a constant beside a tensor: the same
    (sp.Abs(w), {w: 0}, (0,)),  # torch.abs: sign(0) = 0
    (sp.sign(w) * x, {w: 0, x: 2}, (0, 0)),  # torch.sign's gradient is 0 (no Dirac delta)
    (sp.Heaviside(w) * x, {w: 0, x: 2}, (0, half)),  # torch.heaviside(w, values=1/2), SymPy's H(0)
    (sp.Heaviside(w, 0) * x, {w: 0, x: 2}, (0, 0)),  # values=0: relu's step
    (sp.Heaviside(w), {w: 1}, (0,)),  # a step alone: constant, gradient 0
])
def test_at_a_kink_the_exact_derivative_is_torchs(expr, at, expected):
    from symgrad.testing import torch_gradient

    variables = sorted(expr.free_symbols, key=str)
    assert tuple(sg.gradient(expr, variables, at=at)) == expected
    assert torch_gradient(expr, variables, at) == tuple(float(e) for e in expected)


# -- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("expr, at, message", [
    (sp.log(w), {w: 0}, r"the point w = 0 is outside the domain: log\(w\) is zoo there"),
    (sp.log(w) * x, {w: -1, x: 2}, r"the point w = -1 is outside the domain: log\(w\) is I\*pi there"),
    (sp.sqrt(w) + x, {w: 0, x: 1}, r"the point w = 0, x = 1 is outside the domain: the partial of sqrt\(w\) \+ x "
                                   r"by w is zoo there"),
])
def test_a_point_outside_the_domain_is_an_error_naming_it(expr, at, message):
    with pytest.raises(sg.DomainError, match=message):
        sg.gradient(expr, [w], at=at)
    with pytest.raises(sg.DomainError, match=message):
        sg.derive(expr, [w], at=at)
    with pytest.raises(sg.DomainError, match=message):
        assert_gradient_matches(expr, [w], at=at)


def test_a_function_nothing_knows_is_refused_alike_by_trees_and_compiled_code():
    from symgrad.core.errors import UnsupportedOperationError
    from symgrad.core.serialize import TreeError

    f = sp.Function("f")(w)
    with pytest.raises(TreeError, match=r"cannot write f \(f\(w\)\) as a tree: it is not a registered operation"):
        to_tree(f)
    with pytest.raises(UnsupportedOperationError, match=r"cannot compile f \(f\(w\)\) to numpy: it is not a "
                                                        "registered operation"):
        sg.compile_gradient(sg.backward(sg.Graph.from_expression(w * f + x), [x]))
    with pytest.raises(UnsupportedOperationError, match=r"cannot compile zeta \(zeta\(x\)\) to torch"):
        from symgrad.testing import torch_gradient

        torch_gradient(sp.zeta(x) * w, [w], {w: 3, x: 2})
    with pytest.raises(sg.NoDerivativeRuleError, match="no derivative rule for zeta"):
        sg.gradient(sp.zeta(w), [w])


MISSING = '''
import sympy as sp

from symgrad import Graph
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Worksheet

x, y = sp.symbols("x y")
model = Graph()
model.define("L", x ** 2 * y)
WORKSHEET = Worksheet(name="missing", title="A point without y", model=model, point={x: 1},
                      questions=[Derivative(x), DerivativeAt(x)])
'''

OUTSIDE = '''
import sympy as sp

from symgrad.worksheets.worksheet import DerivativeAt, Worksheet

x, y = sp.symbols("x y")
WORKSHEET = Worksheet(name="outside", title="log at 0", model=sp.log(x) * y, point={x: 0, y: 1},
                      questions=[DerivativeAt(x)])
'''


@pytest.mark.parametrize("source, message", [
    (MISSING, "worksheet missing, question q2 (derivative_at): the point gives no value for y"),
    (OUTSIDE, "the point x = 0 is outside the domain: log(x) is zoo there"),
])
@pytest.mark.parametrize("command", ["verify", "render"])
def test_a_worksheet_at_a_bad_point_is_one_line_naming_it(tmp_path, capsys, source, message, command):
    path = tmp_path / "sheet.py"
    path.write_text(textwrap.dedent(source))
    assert main([command, str(path), "-o", str(tmp_path / "out")] if command == "render" else [command, str(path)]) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
