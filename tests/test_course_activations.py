"""The activations of a course, each against torch.nn.functional in float64, central differences and
SymPy's derivative of its written-out definition; at its kinks, torch's autograd; through JSON trees,
print, matrix mode, from_torch and the answer checker."""

import json

import mpmath
import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import SettingError
from symgrad.core.activations import GELU_KAPPA, SELU_SCALE, SELU_SCALE_ALPHA
from symgrad.core.operations import operation_of
from symgrad.core.serialize import from_tree, to_tree
from symgrad.explain.rules import differentiate
from symgrad.explain.steps import FunctionRule
from symgrad.numeric.codegen import compile_expressions
from symgrad.testing.assertions import assert_gradient_matches

z, w, x, b = sp.symbols("z w x b")
R = sp.Rational


def _written_out(name, z):
    """Each activation as its textbook (and torch's documentation) writes it."""
    sigmoid = 1 / (1 + sp.exp(-z))
    return {
        "leaky_relu": sp.Piecewise((z, z > 0), (z / 100, True)),
        "leaky_relu_02": sp.Piecewise((z, z > 0), (z / 5, True)),
        "elu": sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True)),
        "elu_2": sp.Piecewise((z, z > 0), (2 * (sp.exp(z) - 1), True)),
        "selu": SELU_SCALE * sp.Max(0, z) + sp.Min(0, SELU_SCALE_ALPHA * (sp.exp(z) - 1)),
        "gelu": z / 2 * (1 + sp.erf(z / sp.sqrt(2))),
        "gelu_tanh": z / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + GELU_KAPPA * z ** 3))),
        "normal_cdf": (1 + sp.erf(z / sp.sqrt(2))) / 2,
        "silu": z * sigmoid,
        "mish": z * sp.tanh(sp.log(1 + sp.exp(z))),
        "softsign": z / (1 + sp.Abs(z)),
        "hardtanh": sp.Min(sp.Max(z, -1), 1),
        "hardtanh_06": sp.Min(sp.Max(z, 0), 6),
        "hardsigmoid": sp.Min(sp.Max(z + 3, 0), 6) / 6,
        "hardswish": z * sp.Min(sp.Max(z + 3, 0), 6) / 6,
        "logsigmoid": sp.log(sigmoid),
    }[name]


# (case, the application, torch's function of a float64 tensor)
CASES = {
    "leaky_relu": (sg.leaky_relu(z), lambda F, t: F.leaky_relu(t)),
    "leaky_relu_02": (sg.leaky_relu(z, 0.2), lambda F, t: F.leaky_relu(t, 0.2)),
    "elu": (sg.elu(z), lambda F, t: F.elu(t)),
    "elu_2": (sg.elu(z, alpha=2), lambda F, t: F.elu(t, alpha=2.0)),
    "selu": (sg.selu(z), lambda F, t: F.selu(t)),
    "gelu": (sg.gelu(z), lambda F, t: F.gelu(t)),
    "gelu_tanh": (sg.gelu(z, approximate="tanh"), lambda F, t: F.gelu(t, approximate="tanh")),
    "normal_cdf": (sg.normal_cdf(z), lambda F, t: __import__("torch").special.ndtr(t)),
    "silu": (sg.silu(z), lambda F, t: F.silu(t)),
    "mish": (sg.mish(z), lambda F, t: F.mish(t)),
    "softsign": (sg.softsign(z), lambda F, t: F.softsign(t)),
    "hardtanh": (sg.hardtanh(z), lambda F, t: F.hardtanh(t)),
    "hardtanh_06": (sg.hardtanh(z, 0, 6), lambda F, t: F.hardtanh(t, 0.0, 6.0)),
    "hardsigmoid": (sg.hardsigmoid(z), lambda F, t: F.hardsigmoid(t)),
    "hardswish": (sg.hardswish(z), lambda F, t: F.hardswish(t)),
    "logsigmoid": (sg.logsigmoid(z), lambda F, t: F.logsigmoid(t)),
}
ORDINARY = [0.7, -1.3, 2.9, -0.4]
LARGE = [40, -40, 1000, -1000]
POINTS = [(case, p) for case in CASES for p in ORDINARY + LARGE]
# torch's derivative at each kink, as its autograd gives it (checked against torch below)
KINKS = [
    ("leaky_relu", 0, R(1, 100)), ("leaky_relu_02", 0, R(1, 5)),
    ("elu", 0, 1), ("elu_2", 0, 2), ("selu", 0, SELU_SCALE_ALPHA),
    ("hardtanh", -1, 0), ("hardtanh", 1, 0), ("hardtanh_06", 0, 0), ("hardtanh_06", 6, 0),
    ("hardsigmoid", -3, 0), ("hardsigmoid", 3, 0),
    ("hardswish", -3, 0), ("hardswish", 3, 1),
    ("softsign", 0, 1),
]


def _torch_value_and_slope(case, p):
    torch = pytest.importorskip("torch")
    t = torch.tensor(float(p), dtype=torch.float64, requires_grad=True)
    value = CASES[case][1](torch.nn.functional, t)
    value.backward()
    return value.item(), t.grad.item()


@pytest.mark.parametrize("case, p", POINTS, ids=[f"{c}({p})" for c, p in POINTS])
def test_value_equals_torch_and_the_exact_value(case, p):
    expr = CASES[case][0]
    exact = float(expr.subs(z, p).evalf(40))
    theirs, _ = _torch_value_and_slope(case, p)
    numpy_value = compile_expressions([z], [expr], "numpy")(np.float64(p))[0]
    assert theirs == pytest.approx(exact, rel=1e-12, abs=1e-300)
    assert float(numpy_value) == pytest.approx(exact, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("case, p", POINTS, ids=[f"{c}({p})" for c, p in POINTS])
def test_exact_derivative_equals_central_differences_and_torch(case, p):
    """Three ways, to 1e-10, at ordinary and large inputs. hardsigmoid's torch backward multiplies
    by 1/6 rounded to float32 (0.16666667163...) even in float64: compared with torch to 1e-7."""
    expr = CASES[case][0]
    if case == "hardsigmoid" and -3 < p < 3:
        assert_gradient_matches(expr, [z], {z: p}, methods=("exact", "finite_difference"), rtol=1e-10, atol=1e-10)
        assert_gradient_matches(expr, [z], {z: p}, methods=("exact", "torch"), rtol=1e-7, atol=0)
    else:
        assert_gradient_matches(expr, [z], {z: p}, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case, p, slope", KINKS, ids=[f"{c}({p})" for c, p, _ in KINKS])
def test_the_derivative_at_a_kink_is_torchs(case, p, slope):
    """Central differences are no derivative at a kink; there symgrad's is torch's autograd's."""
    expr = CASES[case][0]
    assert sp.diff(expr, z).subs(z, p) == slope
    _, theirs = _torch_value_and_slope(case, p)
    assert theirs == float(slope)  # selu's too: lambda*alpha as torch rounds it
    assert_gradient_matches(expr, [z], {z: p}, methods=("exact", "torch"), rtol=1e-15, atol=0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_exact_derivative_is_sympys_of_the_written_out_definition(case):
    zr = sp.Symbol("z", real=True)  # |z|' is sign(z) for real z
    expr, definition = CASES[case][0].subs(z, zr), _written_out(case, zr)
    assert sp.N(definition.subs(zr, R(7, 10)) - expr.subs(zr, R(7, 10)), 40) == pytest.approx(0, abs=1e-35)
    for p in (R(7, 10), R(-13, 10), R(29, 10), R(-4, 1), R(9, 2)):
        ours, theirs = sp.diff(expr, zr).subs(zr, p), sp.diff(definition, zr).subs(zr, p)
        assert abs(sp.N(ours - theirs, 50)) < 1e-40, (case, p)


@pytest.mark.parametrize("case", sorted(CASES))
def test_numpy_kernels_are_stable_over_arrays(case):
    expr = CASES[case][0]
    f = compile_expressions([z], [expr, sp.diff(expr, z)], "numpy")
    points = np.array([-1000.0, -40.0, -3.0, -1.0, 0.0, 0.5, 3.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, slope = (np.broadcast_to(v, points.shape) for v in f(points))
    assert np.isfinite(value).all() and np.isfinite(slope).all()
    for p, v in zip(points, value):
        assert v == pytest.approx(float(mpmath.mpf(sp.N(expr.subs(z, sp.Integer(int(p)) if p == int(p) else R(1, 2)),
                                                         40))), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("expr, value", [
    (sg.leaky_relu(-2), R(-1, 50)), (sg.leaky_relu(3, R(1, 5)), 3), (sg.elu(-1), sp.exp(-1) - 1),
    (sg.elu(0), 0), (sg.selu(1), SELU_SCALE), (sg.gelu(0), 0), (sg.normal_cdf(0), R(1, 2)),
    (sg.silu(0), 0), (sg.mish(0), 0), (sg.softsign(-3), R(-3, 4)), (sg.hardtanh(R(3, 2)), 1),
    (sg.hardtanh(-5, 0, 6), 0), (sg.hardsigmoid(0), R(1, 2)), (sg.hardswish(1), R(2, 3)),
    (sg.hardswish(-4), 0), (sg.logsigmoid(0), -sp.log(2)), (sg.gelu(0, approximate="tanh"), 0),
])
def test_exact_values(expr, value):
    assert expr == value


@pytest.mark.parametrize("expr, tex", [
    (sg.leaky_relu(z), r"\operatorname{leakyrelu}\left(z\right)"),
    (sg.leaky_relu(z, 0.2), r"\operatorname{leakyrelu}\left(z, \frac{1}{5}\right)"),
    (sg.hardtanh(z, max_val=2), r"\operatorname{hardtanh}\left(z, -1, 2\right)"),
    (sg.gelu(z), r"\operatorname{gelu}\left(z\right)"),
    (sg.gelu(z, approximate="tanh"), r"\operatorname{gelutanh}\left(z\right)"),
    (sg.normal_cdf(z), r"\Phi\left(z\right)"),
    (sg.logsigmoid(z), r"\log\sigma\left(z\right)"),
    (sg.elu(z) ** 2, r"\operatorname{elu}^{2}\left(z\right)"),
])
def test_latex(expr, tex):
    assert sp.latex(expr) == tex


def test_settings_are_exact_trailing_arguments_and_not_inputs():
    f = sg.leaky_relu(w * x, negative_slope=0.2)
    assert f.args == (w * x, R(1, 5)) and operation_of(f).inputs(f) == (w * x,)
    assert operation_of(f).parameters == ("negative_slope",)
    assert sg.hardtanh(z, 0, 6) == sg.hardtanh(z, min_val=0, max_val=6)
    assert sp.diff(f, w) == x * (R(1, 5) + R(4, 5) * sg.core.activations.step(w * x))


@pytest.mark.parametrize("build, message", [
    (lambda: sg.leaky_relu(z, x), r"leaky_relu's negative_slope must be an exact real number, got x"),
    (lambda: sg.elu(z, alpha=sp.I), "elu's alpha must be an exact real number"),
    (lambda: sg.elu(z, slope=2), r"elu: 'slope' is not a setting of its own or is given twice \(its settings: alpha\)"),
    (lambda: sg.leaky_relu(z, 1, 2), r"leaky_relu takes 1 setting\(s\) \(negative_slope\) after its input, got 2"),
    (lambda: sg.hardtanh(z, 1, -1), "hardtanh's min_val must be below its max_val, got 1 and -1"),
    (lambda: sg.gelu(z, approximate="fast"), "gelu's approximate must be 'none' or 'tanh', as torch's, got 'fast'"),
])
def test_bad_settings_are_named(build, message):
    with pytest.raises(SettingError, match=message):
        build()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_tree_round_trips_with_its_settings(case):
    expr = CASES[case][0].subs(z, w * x + b)
    for e in (expr, sp.diff(expr, w)):
        tree = json.loads(json.dumps(to_tree(e)))
        assert from_tree(tree) == e


@pytest.mark.parametrize("tree, message", [
    ({"op": "leaky_relu", "args": [{"symbol": "z"}, {"symbol": "x"}]},
     "leaky_relu: leaky_relu's negative_slope must be an exact real number, got x"),
    ({"op": "hardtanh", "args": [{"symbol": "z"}, {"number": "1"}, {"number": "-1"}]},
     "hardtanh's min_val must be below its max_val, got 1 and -1"),
    ({"op": "elu", "args": [{"symbol": "z"}, {"number": "1"}, {"number": "2"}]}, r"elu takes 1 setting\(s\)"),
    ({"op": "gelu", "args": [{"symbol": "z"}, {"number": "2"}]}, "gelu's approximate must be 'none' or 'tanh'"),
])
def test_a_tree_with_bad_settings_is_refused(tree, message):
    from symgrad.core.serialize import TreeError

    with pytest.raises(TreeError, match=message):
        from_tree(tree)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_is_differentiated_by_its_named_rule(case):
    expr = CASES[case][0]
    step_ = differentiate(expr, z)
    assert type(step_) is FunctionRule and step_.operation is operation_of(expr)
    assert step_.name == f"the {operation_of(expr).name} rule" and operation_of(expr).rule
    step_.check()


# -- matrix mode -------------------------------------------------------------------------------------------

ELEMENT_WISE = ["leaky_relu", "elu", "selu", "gelu", "gelu_tanh", "silu", "mish", "softsign", "hardtanh",
                "hardsigmoid", "hardswish", "logsigmoid"]
MODULES = {"leaky_relu": "LeakyReLU", "elu": "ELU", "selu": "SELU", "gelu": "GELU", "silu": "SiLU", "mish": "Mish",
           "softsign": "Softsign", "hardtanh": "Hardtanh", "hardsigmoid": "Hardsigmoid", "hardswish": "Hardswish",
           "logsigmoid": "LogSigmoid"}


def _module(kind):
    nn = pytest.importorskip("torch").nn
    return nn.GELU(approximate="tanh") if kind == "gelu_tanh" else getattr(nn, MODULES[kind])()


@pytest.mark.parametrize("kind", ELEMENT_WISE)
def test_matrix_rule_equals_scalar_mode(kind):
    """A 2-3-2 network with the activation, at exact rational values around its kinks: the matrix
    derivation evaluated exactly is the scalar graph walk, entry by entry."""
    from symgrad.matrix import derive, evaluate, exact
    from symgrad.matrix.network import Activation, Linear, Network

    network = Network([Linear(2, 3), Activation(kind), Linear(3, 2)])
    derivation = derive(network.loss("mse", "sum"))
    numbers = iter([R(k, 4) for k in (3, -5, 7, 1, -2, 9, -13, 2, 5, -1, 6, -7, 3, 4, -3, 11, 1, -9, 2, 8)] * 3)
    leaves = {}
    for n in derivation.leaves:
        rows, cols = (2, n.shape[1]) if n.shape[0] == "N" else ((1, n.shape[0]) if len(n.shape) == 1 else n.shape)
        leaves[n] = sp.ImmutableMatrix(rows, cols, lambda i, j: 4 * next(numbers))  # pre-activations reach |z| > 3
    matrix = evaluate(derivation, exact, leaves)
    X, W1, b1, W2, b2, Y = (leaves[derivation.node(k)] for k in ("X", "W1", "b1", "W2", "b2", "Y"))
    w1 = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"w{i}{j}")).T  # 3 x 2 symbols, substituted after the walk
    f = operation_of(getattr(sg, kind)(z)).function
    Z1 = X * w1.T + sp.ones(2, 1) * b1
    A1 = Z1.applyfunc(f)
    loss = sum(((A1 * W2.T + sp.ones(2, 1) * b2) - Y).applyfunc(lambda e: e ** 2))
    at = {w1[i, j]: W1[i, j] for i in range(3) for j in range(2)}
    assert sp.N(matrix.loss - loss.subs(at), 40) == pytest.approx(0, abs=1e-30)
    walk = sg.gradient(loss, list(w1), at=at)
    for ours, theirs in zip(matrix.gradient(derivation.node("W1")), walk):
        assert abs(sp.N(ours - theirs, 40)) < 1e-30


@pytest.mark.parametrize("kind", ELEMENT_WISE)
def test_a_network_from_torch_with_the_activation_has_torchs_gradients(kind):
    torch = pytest.importorskip("torch")
    from symgrad.matrix.program import Program
    from symgrad.matrix.torch_import import from_torch, to_torch

    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Linear(3, 5), _module(kind), nn.Linear(5, 2)).double()
    with torch.no_grad():
        net[0].weight.mul_(8)  # pre-activations from about -10 to 10: every piece of each activation
    model = from_torch(net)
    assert model.network.layers[1].kind == kind
    assert [type(m) for m in to_torch(model)] == [type(m) for m in net]
    program = Program(model, "mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    ours = program(x, y)
    loss = nn.functional.mse_loss(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    assert ours == pytest.approx(loss.item(), rel=1e-12)
    rtol = 1e-7 if kind == "hardsigmoid" else 1e-10  # torch's float32 1/6 (see above)
    for g, p in zip(program.gradients, net.parameters()):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=rtol, atol=1e-12)


def test_from_torch_reads_a_course_network():
    nn = pytest.importorskip("torch").nn
    from symgrad.matrix.network import Activation, Linear
    from symgrad.matrix.torch_import import from_torch

    net = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 8), nn.LeakyReLU(), nn.Linear(8, 3),
                        nn.GELU(approximate="tanh"), nn.Linear(3, 2), nn.LogSigmoid())
    assert from_torch(net).network.layers == (Linear(4, 8), Activation("gelu"), Linear(8, 8), Activation("leaky_relu"),
                                              Linear(8, 3), Activation("gelu_tanh"), Linear(3, 2),
                                              Activation("logsigmoid"))


# LeakyReLU(0.2), ELU(alpha=2.0), Hardtanh(0.0, 6.0) are read with their settings since issue 13
# (tests/test_matrix_activation_settings.py); softplus has no beta in scalar mode.
@pytest.mark.parametrize("module, message", [
    ("Softplus(beta=2.0)", r"layer 1 \(Softplus\): matrix mode's softplus has beta=1, got beta=2.0"),
])
def test_from_torch_names_settings_matrix_mode_does_not_take(module, message):
    torch = pytest.importorskip("torch")
    from symgrad.matrix.torch_import import from_torch

    layer = eval("torch.nn." + module, {"torch": torch})  # noqa: S307  (a module written in the test)
    with pytest.raises(sg.NoDerivativeRuleError, match=message):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), layer))


# -- the answer checker ---------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, answer", [
    (sg.gelu(w * x + b), r"x \Phi(wx + b) + \frac{x (wx + b) e^{-(wx + b)^2/2}}{\sqrt{2\pi}}"),
    (sg.leaky_relu(w * x + b), r"x \left(\frac{1}{100} + \frac{99}{100} [wx + b > 0]\right)"),
    (sg.leaky_relu(w, 0.2), r"\frac15 + \frac45 [w > 0]"),
    (sg.elu(w), r"[w > 0] + (1 - [w > 0]) (\operatorname{elu}(w) + 1)"),
    (sg.silu(w * x), r"x \sigma(wx) (1 + wx (1 - \sigma(wx)))"),
    (sg.mish(w), r"\tanh(\operatorname{softplus}(w)) + w \sigma(w) (1 - \tanh^2(\operatorname{softplus}(w)))"),
    (sg.softsign(w), r"\frac{1}{(1 + |w|)^2}"),
    (sg.hardtanh(w * x), r"x [wx + 1 > 0] [1 - wx > 0]"),
    (sg.hardsigmoid(w), r"\frac{1}{6} [w + 3 > 0] [3 - w > 0]"),
    (sg.logsigmoid(w), r"\sigma(-w)"),
    (sg.logsigmoid(w), r"1 - \sigma(w)"),
    (sg.selu(w), r"\operatorname{selu}'(w)"),
    (sg.gelu(w, approximate="tanh"), r"\operatorname{gelutanh}'(w)"),
    (sg.selu(w), r"\frac{10507009873554805}{10^{16}} [w > 0] + (1 - [w > 0]) (\operatorname{selu}(w) + 1.7580993408473766)"),
])
def test_the_checker_accepts_the_derivative_in_the_ops_spelling(expr, answer):
    verdict = sg.Question.derivative(expr, w).check(answer)
    assert verdict.correct, verdict


def test_the_checker_reads_each_spelling():
    for name in ("leakyrelu", "elu", "selu", "gelu", "gelutanh", "silu", "mish", "softsign", "hardtanh",
                 "hardsigmoid", "hardswish", "logsigmoid"):
        function = getattr(sg, {"leakyrelu": "leaky_relu", "gelutanh": "gelu_tanh"}.get(name, name))
        verdict = sg.Question.derivative(function(w) * x, x).check(r"\operatorname{%s}(w)" % name)
        assert verdict.correct, (name, verdict)
