"""Matrix-mode activations with settings other than their defaults (``Activation("leaky_relu",
negative_slope=0.2)``, from_torch of ``nn.LeakyReLU(0.2)``, ``nn.ELU(alpha=0.5)``, ``nn.Hardtanh(-2, 2)``):
the settings go into the graph node, the printed rule, the NumPy and exact kernels and to_torch;
held exactly against scalar mode's activation with the same settings and against torch in float64."""

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.errors import GraphError, NoDerivativeRuleError, SettingError
from symgrad.matrix import Program, derive, evaluate, exact
from symgrad.matrix import graph as mg
from symgrad.matrix.latex import MatrixRenderer
from symgrad.matrix.network import Activation, Linear, Model, Network
from symgrad.matrix.rules import RULES, rule_of

SETTINGS = [
    ("leaky_relu", {"negative_slope": 0.2}),
    ("leaky_relu", {"negative_slope": -0.5}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.0}),
    ("hardtanh", {"min_val": -2.0, "max_val": 2.0}),
    ("hardtanh", {"min_val": 0.0, "max_val": 6.0}),  # relu6
]
IDS = [f"{kind}-{'-'.join(f'{k}={v}' for k, v in settings.items())}" for kind, settings in SETTINGS]


def test_the_node_keeps_the_settings_that_are_not_defaults_exactly():
    z = mg.data("Z", 3)
    assert mg.activation("leaky_relu", z, name="A", negative_slope=0.2).options == \
        (("negative_slope", sp.Rational(1, 5)),)
    assert mg.leaky_relu(z, name="A", negative_slope=0.01).options == ()  # the default: the rule of before
    assert mg.hardtanh(z, name="A", max_val=6).options == (("max_val", 6),)
    assert Activation("elu", alpha=1) == Activation("elu")
    assert Activation("elu", alpha=0.5).settings == (("alpha", sp.Rational(1, 2)),)


def test_the_rule_is_printed_with_the_setting_and_the_shapes():
    network = Network([Linear(3, 2), Activation("leaky_relu", negative_slope=0.2)])
    rows = [r for b in MatrixRenderer().render(derive(network.loss("mse"))) for r in b.rows]
    forward = next(r for r in rows if r.lhs == r"\underset{N \times 2}{A_{1}}")
    assert forward.rhs.text == r"\underset{N \times 2}{\operatorname{leakyrelu}\left(Z_{1}, \frac{1}{5}\right)}"
    backward = next(r for r in rows if r.lhs == r"\underset{N \times 2}{\delta_{Z_{1}}}")
    assert backward.rhs.text == (r"\underset{N \times 2}{\delta_{A_{1}}} \odot \underset{N \times 2}{\left(\frac{4 "
                                 r"\left[Z_{1} > 0\right]}{5} + \frac{1}{5}\right)}")


def test_defaults_keep_their_own_rule():
    node = mg.hardtanh(mg.data("Z", 2), name="A")
    assert rule_of("hardtanh", node) is RULES["hardtanh"]
    assert rule_of("hardtanh", mg.hardtanh(mg.data("Z", 2), name="A", min_val=0, max_val=6)).latex_forward == \
        r"$out = \operatorname{hardtanh}\left($Z, 0, 6\right)"


# -- exactly scalar mode's activation with the same settings ----------------------------------------

@pytest.mark.parametrize("kind, settings", SETTINGS, ids=IDS)
def test_the_rule_is_scalar_modes_activation_exactly(kind, settings):
    network = Network([Linear(2, 2), Activation(kind, **settings)])
    derivation = derive(network.loss("mse", "sum"))
    x = sp.ImmutableMatrix([[3, -1], [sp.Rational(-1, 2), 2]])
    weight = sp.ImmutableMatrix(2, 2, lambda i, j: sp.Symbol(f"W_{i + 1}{j + 1}", real=True))
    y = sp.ImmutableMatrix(2, 2, lambda i, j: sp.Symbol(f"Y_{i + 1}{j + 1}", real=True))
    leaves = {derivation.node("X"): x, derivation.node("W1"): weight, derivation.node("b1"): sp.zeros(1, 2),
              next(n for n in derivation.leaves if n.op == "targets"): y}
    matrix = evaluate(derivation, exact, leaves)
    z = x * weight.T
    scalar = sum((getattr(sg, kind)(z[i, j], **settings) - y[i, j]) ** 2 for i in range(2) for j in range(2))
    assert sp.expand(matrix.loss - scalar) == 0
    walk = sg.backward(sg.Graph.from_expression(scalar), list(weight))
    for mine, expected in zip(matrix.gradient(derivation.node("W1")), walk.gradient):
        assert sp.expand(mine - expected) == 0


# -- torch: from_torch of each module with its setting, to_torch back ---------------------------------

torch = pytest.importorskip("torch")
nn = torch.nn
MODULES = [nn.LeakyReLU(0.2), nn.LeakyReLU(negative_slope=-0.5), nn.ELU(alpha=0.5), nn.ELU(2.0),
           nn.Hardtanh(-2, 2), nn.Hardtanh(0.0, 6.0), nn.GELU(approximate="tanh")]


@pytest.mark.parametrize("module", MODULES, ids=repr)
def test_from_torch_gives_torchs_loss_and_gradients_in_float64(module):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), module, nn.Linear(5, 2)).double()
    with torch.no_grad():
        net[0].weight.mul_(3.0)  # inputs on both sides of every kink and beyond the clamps
    program = Program(sg.from_torch(net), "mse")
    x = np.random.default_rng(1).normal(size=(16, 3))
    y = np.random.default_rng(2).normal(size=(16, 2))
    ours = program(x, y)
    loss = nn.functional.mse_loss(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    assert ours == pytest.approx(loss.item(), rel=1e-10)
    for mine, p in zip(program.gradients, net.parameters()):
        np.testing.assert_allclose(mine, p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_from_torch_reads_the_settings_into_the_layer():
    layers = sg.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Hardtanh(0.0, 6.0), nn.LeakyReLU(0.2))).network.layers
    assert layers[1:] == (Activation("hardtanh", min_val=0, max_val=6), Activation("leaky_relu", negative_slope=0.2))


@pytest.mark.parametrize("module", MODULES[:6], ids=repr)
def test_to_torch_writes_the_settings_back(module):
    net = nn.Sequential(nn.Linear(3, 5), module, nn.Linear(5, 2)).double()
    back = sg.matrix.torch_import.to_torch(sg.from_torch(net))[1]
    assert type(back) is type(module)
    names = [k for k in ("negative_slope", "alpha", "min_val", "max_val") if hasattr(module, k)]
    assert [getattr(back, k) for k in names] == [float(getattr(module, k)) for k in names]


# -- bad settings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, message", [
    (lambda: Activation("leaky_relu", slope=0.2), SettingError,
     r"leaky_relu: 'slope' is not a setting of its own or is given twice \(its settings: negative_slope\)"),
    (lambda: Activation("elu", alpha="big"), SettingError, r"elu's alpha must be an exact real number, got 'big'"),
    (lambda: Activation("hardtanh", min_val=2, max_val=-2), SettingError,
     "hardtanh's min_val must be below its max_val, got 2 and -2"),
    (lambda: Activation("relu", negative_slope=0.2), SettingError, r"relu has no settings, got negative_slope=0.2"),
    (lambda: Activation("swish"), GraphError, "unknown activation 'swish'"),
])
def test_bad_settings(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_from_torch_names_the_layer_of_a_bad_setting():
    with pytest.raises(SettingError, match=r"layer 1 \(LeakyReLU\): leaky_relu's negative_slope must be an exact "
                                           r"real number, got nan"):
        sg.from_torch(nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(float("nan"))))


def test_softplus_with_a_beta_is_still_refused():
    with pytest.raises(NoDerivativeRuleError, match=r"layer 1 \(Softplus\): matrix mode's softplus has beta=1"):
        sg.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softplus(beta=2.0)))
