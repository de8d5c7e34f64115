r"""The registry of operations: one definition per operation, read by every consumer.

A new operation, swish (SiLU) $z\,\sigma(z)$, is defined and registered here, in the test module
only, without touching the package; it then derives, renders with its rule, serializes, compiles to
NumPy and torch, is read in students' answers and works in matrix mode. It is unregistered after.
"""

import json

import mpmath
import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad import SymgradError
from symgrad.answers.sandbox import Sandbox
from symgrad.core.operations import (ElementWise, Operation, find, from_torch_module, matrix_activations, operation,
                                     operation_of, operations, register, spelled, unregister)
from symgrad.core.serialize import TreeError, from_tree, to_tree
from symgrad.explain.latex import latex
from symgrad.explain.rules import differentiate
from symgrad.explain.steps import FunctionRule
from symgrad import matrix
from symgrad.matrix import RULES, Activation, Linear, Network, arrays, exact
from symgrad.matrix import graph as mg
from symgrad.matrix.latex import MatrixRenderer
from symgrad.testing import assert_gradient_matches

x, w, b, y = sp.symbols("x w b y")
RULE = r"\operatorname{swish}' = \sigma\,(1 + z\,(1 - \sigma))"


class swish(sp.Function):
    r"""SiLU: $z\,\sigma(z)$, a function of the test module's own."""

    nargs = 1

    def _latex(self, printer, exp=None):
        head = r"\operatorname{swish}" if exp is None else r"\operatorname{swish}^{%s}" % exp
        return r"%s\left(%s\right)" % (head, printer._print(self.args[0]))

    def _eval_mpmath(self):
        return (lambda z: z / (1 + mpmath.exp(-z))), self.args


def _swish_derivative(application, k):
    z = application.args[0]
    return sg.sigmoid(z) * (1 + z * (1 - sg.sigmoid(z)))


SWISH = Operation(
    swish,
    derivative=_swish_derivative,
    rule=RULE,
    numpy=lambda z: z * np.exp(-np.logaddexp(0.0, -z)),
    torch=lambda torch, z: z * torch.sigmoid(torch.as_tensor(z, dtype=torch.float64)),
    spellings=(r"\operatorname{swish}", "silu"),
    matrix=ElementWise(r"\operatorname{swish}", r"\operatorname{swish}'($Z)"),  # f' from the scalar facets
    torch_module="SiLU",
)


@pytest.fixture
def registered():
    """swish registered, with symgrad's own silu (the same function, torch's SiLU) set aside meanwhile."""
    assert operation_of(swish(x)) is None
    silu = operation("silu")
    unregister("silu")
    register(SWISH)
    yield SWISH
    unregister("swish")
    register(silu)
    assert "swish" not in {op.name for op in operations()} and "fdiff" not in vars(swish)


def test_the_vocabulary_is_registered_once_with_its_facets():
    names = [op.name for op in operations()]
    assert len(names) == len(set(names))
    assert {"sigmoid", "relu", "step", "softplus", "Softmax", "LogSoftmax", "exp", "log", "tanh", "sin", "cos",
            "Abs", "sqrt", "tan", "sinh", "cosh"} <= set(names)
    assert operation_of(sg.sigmoid(x)).rule == r"\sigma' = \sigma\,(1 - \sigma)"
    assert operation_of(sg.softmax([x, y])[0]).indexed and not operation("sigmoid").indexed
    assert ("sigma", True, operation("sigmoid")) in spelled() and ("relu", False, operation("relu")) in spelled()
    assert ("exp", True, operation("exp")) in spelled()
    assert set(matrix_activations()) == {"relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax", "leaky_relu",
                                         "elu", "selu", "gelu", "gelu_tanh", "silu", "mish", "softsign", "hardtanh",
                                         "hardsigmoid", "hardswish", "logsigmoid"}
    assert from_torch_module("ReLU") is operation("relu") and from_torch_module("Dropout") is None


def test_registering_twice_or_a_bad_spelling_is_a_clear_error(registered):
    with pytest.raises(SymgradError, match="an operation named 'swish' is already registered"):
        register(Operation(swish))
    with pytest.raises(SymgradError, match=r"the spelling '\\\\swish\{' of other is not"):
        Operation(swish, name="other", spellings=("\\swish{",))
    with pytest.raises(SymgradError, match="an operation with a kernel must be a function class named by an"):
        register(Operation(sp.Function("foo.bar"), name="foobar", numpy=np.abs))
    assert find("foobar") is None
    with pytest.raises(SymgradError, match="no operation is named 'swiglu'"):
        operation("swiglu")


def test_sympy_differentiates_it_by_its_registered_derivative(registered):
    assert sp.diff(swish(w * x), w) == x * sg.sigmoid(w * x) * (1 + w * x * (1 - sg.sigmoid(w * x)))


def test_it_derives_by_its_own_rule(registered):
    step = differentiate(swish(x), x)
    assert type(step) is FunctionRule and step.operation is SWISH and step.name == "the swish rule"
    assert step.result == sg.sigmoid(x) * (1 + x * (1 - sg.sigmoid(x)))
    step.check()
    chain = differentiate(swish(w * x + b), w)
    assert [s.operation for s in chain.outer] == [SWISH]
    point = {w: sp.Rational(1, 2), b: -1, x: 3}
    derivation = sg.derive(swish(w * x + b), w, at=point)
    expected = 3 * sg.sigmoid(sp.Rational(1, 2)) * (1 + sp.Rational(1, 2) * (1 - sg.sigmoid(sp.Rational(1, 2))))
    assert sp.simplify(derivation.answers[0].result - expected) == 0
    assert sg.backward(sg.Graph.from_expression(swish(w * x + b)), [w]).at(point).gradient[0] == expected


def test_it_renders_with_its_rules_name_and_formula(registered):
    tex = latex(differentiate(swish(x), x))
    assert tex == ("\\begin{align*}\n" r"\frac{\partial}{\partial x} \operatorname{swish}\left(x\right) &= "
                   r"\left(x \left(1 - \sigma\left(x\right)\right) + 1\right) \sigma\left(x\right) \qquad " + RULE
                   + "\n\\end{align*}")
    assert RULE in latex(sg.derive(swish(w * x + b) ** 2, w, at={w: 1, b: 0, x: 2}))


def test_it_serializes_to_a_json_tree_and_back(registered):
    expr = swish(w * x + b) - y
    tree = json.loads(json.dumps(to_tree(expr)))
    assert {"op": "swish", "args": [{"symbol": "x"}]} == to_tree(swish(x))
    assert from_tree(tree) == expr


def test_an_unregistered_function_is_refused_by_the_tree_writer_and_reader():
    assert operation_of(swish(x)) is None
    with pytest.raises(TreeError, match="cannot write swish"):
        to_tree(swish(x))
    with pytest.raises(TreeError, match="unknown operation 'swish'"):
        from_tree({"op": "swish", "args": [{"symbol": "x"}]})


def test_it_compiles_to_numpy_with_its_kernel(registered):
    loss = (swish(w * x + b) - y) ** 2
    walk = sg.backward(sg.Graph.from_expression(loss), [w, b])
    compiled = sg.compile_gradient(walk)
    values = {"w": 0.5, "b": -1.0, "x": np.array([3.0, -2.0, 800.0]), "y": 0.25}
    output, (gw, gb) = compiled(values)
    for i, xi in enumerate([3, -2, 800]):
        point = {w: sp.Rational(1, 2), b: -1, x: xi, y: sp.Rational(1, 4)}
        exact = walk.at(point)
        assert output[i] == pytest.approx(float(exact.output.evalf(30)), rel=1e-13)
        assert gw[i] == pytest.approx(float(exact.gradient[0].evalf(30)), rel=1e-13)
        assert gb[i] == pytest.approx(float(exact.gradient[1].evalf(30)), rel=1e-13)
    with np.errstate(over="raise"):  # the kernel, not z / (1 + exp(-z)): no overflow at z = -800
        assert compiled({"w": 1.0, "b": 0.0, "x": -800.0, "y": 0.0})[0] == pytest.approx(0.0, abs=1e-300)


def test_its_gradient_matches_finite_differences_and_torch(registered):
    pytest.importorskip("torch")
    loss = (swish(w * x + b) - y) ** 2 + sg.sigmoid(swish(w))
    results = assert_gradient_matches(loss, [w, b], at={w: 0.3, b: -0.1, x: 2.0, y: 1},
                                      methods=("exact", "finite_difference", "torch"), rtol=1e-9)
    assert set(results) == {"exact", "finite_difference", "torch"}


@pytest.fixture
def sandbox(registered):
    """A checker forked after the registration (the default one may have been forked before it)."""
    checker = Sandbox()
    yield checker
    checker.close()


def test_students_may_type_it_in_answers(registered, sandbox):
    question = sg.Question.derivative(swish(w * x), w)
    right = [r"x\left(\sigma(wx) + \operatorname{swish}(wx)(1 - \sigma(wx))\right)",
             r"x \operatorname{swish}'(wx)", r"\mathrm{SiLU}'(xw) x"]
    for answer in right:
        verdict = question.check(answer, sandbox=sandbox)
        assert verdict.correct, (answer, verdict)
    wrong = question.check(r"\operatorname{swish}(wx)", sandbox=sandbox)
    assert not wrong.correct and wrong.mistake != "unparseable"


def _matrix(name, rows, cols):
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}"))


def test_it_works_in_matrix_mode_against_scalar_mode(registered):
    """A 2-2-1 network with a swish layer: its matrix derivation, run exactly, equals the scalar walk
    of the same network entry by entry; run in NumPy, it gives the same numbers."""
    network = Network([Linear(2, 2), Activation("swish"), Linear(2, 1)])
    derivation = matrix.derive(network.loss("mse", "sum"))
    assert "swish" in RULES and mg.swish(mg.data("X", 2), name="A").op == "swish"
    X, W1, b1, W2, b2, Y = (_matrix("x", 2, 2), _matrix("w", 2, 2), _matrix("b", 1, 2), _matrix("v", 1, 2),
                            _matrix("c", 1, 1), _matrix("y", 2, 1))
    leaves = dict(zip([derivation.node(n) for n in ("X", "W1", "b1", "W2", "b2", "Y")], (X, W1, b1, W2, b2, Y)))
    run = matrix.evaluate(derivation, exact, leaves)
    scalar = sp.Add(*[(sum(W2[0, k] * swish(sum(W1[k, j] * X[n, j] for j in range(2)) + b1[0, k]) for k in range(2))
                       + b2[0, 0] - Y[n, 0]) ** 2 for n in range(2)])
    assert sp.expand(run.loss - scalar) == 0
    walk = sg.backward(sg.Graph.from_expression(scalar), list(W1))
    for entry, expected in zip(run.gradient(derivation.node("W1")), walk.gradient):
        assert sp.expand(entry - expected) == 0
    numbers = {s: sp.Rational(k - 4, 3) for k, s in enumerate(sorted(scalar.free_symbols, key=str))}
    floats = {n: np.array(v.xreplace(numbers).tolist(), dtype=float) for n, v in leaves.items()}
    floats = {n: a.ravel() if len(n.shape) == 1 else a for n, a in floats.items()}  # vectors: biases
    fast = matrix.evaluate(derivation, arrays, floats)
    np.testing.assert_allclose(fast.gradient(derivation.node("W1")),
                               np.array(run.gradient(derivation.node("W1")).xreplace(numbers).evalf(30).tolist(),
                                        dtype=float), rtol=1e-12)
    notes = [row.note for block in MatrixRenderer().render(derivation) for row in block.rows]
    assert r"\text{swish}" in notes


def test_from_torch_reads_its_module_and_to_torch_writes_it(registered):
    torch = pytest.importorskip("torch")
    from symgrad.matrix.torch_import import to_torch

    model = sg.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.SiLU(), torch.nn.Linear(2, 1)))
    assert model.network.layers[1] == Activation("swish")
    assert [type(m).__name__ for m in to_torch(model)] == ["Linear", "SiLU", "Linear"]
