"""Derivations in LaTeX: one exact table row per rule, and a graph's derivation read as a textbook."""

import importlib
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.activations import LogSoftmax, Softmax
from symgrad.core.losses import clamp_min, clamped_log, unit_huber, variance_clamp
from symgrad.core.layers import Deviation, Standardized
from symgrad.core.losses import clamped_log
from symgrad.core.operations import operations
from symgrad.explain.latex import RULE_NOTES, LatexRenderer, latex, rule_note
from symgrad.explain.layout import WIDTH, document, width
from symgrad.explain.rules import differentiate
from symgrad.explain.steps import FunctionRule, Rule

from seed_models import s3

x, y, w, b, z = sp.symbols("x y w b z")
w1, w5 = sp.symbols("w1 w5")
D = r"\frac{\partial}{\partial %s} "
CHAIN = r"\text{chain rule}"
POWER = r"(x^n)' = n x^{n-1}"
LINEAR = r"\text{sum rule},\ \text{constant factor}"

RULES = [
    # (expression, variable, the rows of its derivation)
    (y, x, [D % "x" + "y &= 0"]),
    (x, x, [D % "x" + "x &= 1"]),
    (w * x + b, w, [D % "w" + r"\Bigl(b + w x\Bigr) &= x \qquad \text{sum rule},\ \text{constant factor}"]),
    (3 * x ** 2, x, [D % "x" + r"\Bigl(3 x^{2}\Bigr) &= 3 \cdot 2 x \qquad \text{constant factor},\ " + POWER,
                     " &= 6 x"]),
    (x * sp.exp(x), x, [D % "x" + r"\Bigl(x e^{x}\Bigr) &= e^{x} + x e^{x} \qquad \text{product rule},\ "
                        r"(a^x)' = a^x \log a", " &= x e^{x} + e^{x}"]),
    (x / (1 + x), x, [D % "x" + r"\Bigl(\frac{x}{x + 1}\Bigr) &= \frac{x + 1 - x}{\left(x + 1\right)^{2}} "
                      r"\qquad \text{quotient rule},\ \text{sum rule}", r" &= \frac{1}{\left(x + 1\right)^{2}}"]),
    (x ** 3, x, [D % "x" + r"x^{3} &= 3 x^{2} \qquad " + POWER]),
    ((y - z) ** 2, z, [D % "z" + r"\left(y - z\right)^{2} &= 2 \left(y - z\right) \cdot \left(-1\right)",
                       r"&\qquad \qquad " + CHAIN + r",\ " + POWER + r",\ " + LINEAR, " &= 2 z - 2 y"]),
    (sp.exp(x), x, [D % "x" + r"e^{x} &= e^{x} \qquad (a^x)' = a^x \log a"]),
    (2 ** x, x, [D % "x" + r"2^{x} &= 2^{x} \log{\left(2 \right)} \qquad (a^x)' = a^x \log a"]),
    (sp.log(x), x, [D % "x" + r"\log{\left(x \right)} &= \frac{1}{x} \qquad (\log x)' = 1/x"]),
    (clamped_log(x), x, [D % "x" + r"\max\left(\log{\left(x \right)}, -100\right) &= \frac{\left[\log{\left(x "
                         r"\right)} \geq -100\right]}{x} \qquad \max(\log x, -100)' = [\log x \geq -100] / x \quad "
                         r"\text{(torch's clamp)}"]),
    (clamp_min(x), x, [D % "x" + r"\max\left(0, x\right) &= \left[x \geq 0\right] \qquad "
                       r"\max(0, u)' = [u \geq 0] \quad \text{(torch's clamp\_min: 1 at 0)}"]),
    (unit_huber(x), x, [D % "x" + r"\operatorname{huber}\left(x\right) &= \operatorname{hardtanh}\left(x\right) "
                        r"\qquad \operatorname{huber}'(u) = \operatorname{hardtanh}(u) = \operatorname{clip}(u, -1, 1)"]),
    (variance_clamp(x, sp.Rational(1, 10 ** 6)), x, [
        D % "x" + r"\max\left(x, \frac{1}{1000000}\right) &= 1",
        r"&\qquad \qquad \max(v, \epsilon)' = 1 \quad \text{(torch clamps the variance without gradient)}"]),
    (sg.sigmoid(x), x, [D % "x" + r"\sigma\left(x\right) &= \left(1 - \sigma\left(x\right)\right) "
                        r"\sigma\left(x\right) \qquad \sigma' = \sigma\,(1 - \sigma)"]),
    (sp.log(1 - x), x, [D % "x" + r"\log{\left(1 - x \right)} &= \frac{1}{1 - x} \cdot \left(-1\right) \qquad "
                        + CHAIN + r",\ (\log x)' = 1/x,\ " + LINEAR, r" &= - \frac{1}{1 - x}"]),
    (sg.sigmoid(w * x + b), w, [D % "w" + r"\sigma\left(b + w x\right) &= \left(1 - \sigma\left(b + w x\right)"
                                r"\right) \sigma\left(b + w x\right) \cdot x",
                                r"&\qquad \qquad " + CHAIN + r",\ \sigma' = \sigma\,(1 - \sigma),\ " + LINEAR,
                                r" &= x \left(1 - \sigma\left(b + w x\right)\right) \sigma\left(b + w x\right)"]),
    (sp.tanh(x), x, [D % "x" + r"\tanh{\left(x \right)} &= 1 - \tanh^{2}{\left(x \right)} \qquad "
                     r"\tanh' = 1 - \tanh^2"]),
    (sg.relu(x), x, [D % "x" + r"\operatorname{relu}\left(x\right) &= \left[x > 0\right] \qquad "
                     r"\operatorname{relu}'(z) = [z > 0]"]),
    (sg.softplus(x), x, [D % "x" + r"\operatorname{softplus}\left(x\right) &= \sigma\left(x\right) \qquad "
                         r"\operatorname{softplus}' = \sigma"]),
    (Softmax(0, x, y, z), y, [D % "y" + r"\operatorname{softmax}_{1}\left(x, y, z\right) &= - "
                              r"\operatorname{softmax}_{1}\left(x, y, z\right) "
                              r"\operatorname{softmax}_{2}\left(x, y, z\right)",
                              r"&\qquad \qquad \partial s_i / \partial z_j = s_i\,([i = j] - s_j)"]),
    (LogSoftmax(0, x, y, z), x, [D % "x" + r"\log\operatorname{softmax}_{1}\left(x, y, z\right) &= 1 - "
                                 r"\operatorname{softmax}_{1}\left(x, y, z\right) \qquad "
                                 r"\partial \log s_i / \partial z_j = [i = j] - s_j"]),
    (sg.cross_entropy([x, y, z], 1), y, [D % "y" + r"\Bigl(- \log\operatorname{softmax}_{2}\left(x, y, z\right)"
                                         r"\Bigr) &= \operatorname{softmax}_{2}\left(x, y, z\right) - 1 \qquad "
                                         r"\partial(-\log s_k) / \partial z_j = s_j - [j = k]"]),
    (sp.sin(x), x, [D % "x" + r"\sin{\left(x \right)} &= \cos{\left(x \right)} \qquad \sin' = \cos"]),
    (sp.cos(x), x, [D % "x" + r"\cos{\left(x \right)} &= - \sin{\left(x \right)} \qquad \cos' = -\sin"]),
    (sp.tan(x), x, [D % "x" + r"\tan{\left(x \right)} &= \tan^{2}{\left(x \right)} + 1 \qquad \tan' = 1 + \tan^2"]),
    (sp.sinh(x), x, [D % "x" + r"\sinh{\left(x \right)} &= \cosh{\left(x \right)} \qquad \sinh' = \cosh"]),
    (sp.cosh(x), x, [D % "x" + r"\cosh{\left(x \right)} &= \sinh{\left(x \right)} \qquad \cosh' = \sinh"]),
    (sp.asin(x), x, [D % "x" + r"\operatorname{asin}{\left(x \right)} &= \frac{1}{\sqrt{1 - x^{2}}} \qquad \arcsin'(x) = 1/\sqrt{1 - x^2}"]),
    (sp.acos(x), x, [D % "x" + r"\operatorname{acos}{\left(x \right)} &= - \frac{1}{\sqrt{1 - x^{2}}} \qquad \arccos'(x) = -1/\sqrt{1 - x^2}"]),
    (sp.atan(x), x, [D % "x" + r"\operatorname{atan}{\left(x \right)} &= \frac{1}{x^{2} + 1} \qquad \arctan'(x) = 1/(1 + x^2)"]),
    (sp.Abs(x), x, [D % "x" + r"\left|{x}\right| &= \operatorname{sign}{\left(x \right)} \qquad |x|' = \operatorname{sign}(x)"]),
    (sp.sign(x), x, [D % "x" + r"\operatorname{sign}{\left(x \right)} &= 0 \qquad \operatorname{sign}' = 0"]),
    (sp.Max(x, y), x, [D % "x" + r"\max\left(x, y\right) &= \left(\left[x > y\right] + \frac{1}{2} \left[x = y\right]\right) \qquad "
                          r"\frac{\partial}{\partial x_i} \max_j x_j = [x_i > x_j] + \tfrac{1}{2} [x_i = x_j]"]),
    (sp.Min(x, 1), x, [D % "x" + r"\min\left(1, x\right) &= \left(\left[1 > x\right] + \frac{1}{2} \left[1 = x\right]\right) \qquad "
                          r"\frac{\partial}{\partial x_i} \min_j x_j = [x_i < x_j] + \tfrac{1}{2} [x_i = x_j]"]),
    (sp.Heaviside(x), x, [D % "x" + r"\left(\left[x > 0\right] + \frac{1}{2} \left[x = 0\right]\right) &= 0 \qquad [x > 0]' = 0"]),
    (sp.erf(x), x, [D % "x" + r"\operatorname{erf}{\left(x \right)} &= \frac{2 e^{- x^{2}}}{\sqrt{\pi}} \qquad \operatorname{erf}'(x) = \frac{2}{\sqrt{\pi}} e^{-x^2}"]),
    (sp.erfc(x), x, [D % "x" + r"\operatorname{erfc}{\left(x \right)} &= - \frac{2 e^{- x^{2}}}{\sqrt{\pi}} \qquad \operatorname{erfc}'(x) = -\frac{2}{\sqrt{\pi}} e^{-x^2}"]),
    (sp.Piecewise((x ** 2 / 2, sp.Abs(x) < 1), (sp.Abs(x) - sp.S(1) / 2, True)), x, [D % "x" + r"\begin{cases} \frac{x^{2}}{2} & \text{for}\: \left|{x}\right| < 1 \\\left|{x}\right| - \frac{1}{2} & \text{otherwise} \end{cases} &= \begin{cases} x & \text{for}\: \left|{x}\right| < 1 \\\operatorname{sign}{\left(x \right)} & \text{otherwise} \end{cases}",
          r"&\qquad \qquad \text{piece by piece}"]),
    (sg.leaky_relu(x), x, [D % "x" + r"\operatorname{leakyrelu}\left(x\right) &= \frac{99 \left[x > "
                                     r"0\right]}{100} + \frac{1}{100} \qquad "
                                     r"\operatorname{leakyrelu}'(z) = [z > 0] + a\,[z \leq 0]"]),
    (sg.elu(x), x, [D % "x" + r"\operatorname{elu}\left(x\right) &= \left(1 - \left[x > "
                              r"0\right]\right) \left(\operatorname{elu}\left(x\right) + 1\right) + "
                              r"\left[x > 0\right] \qquad \operatorname{elu}'(z) = [z > 0] + [z \leq "
                              r"0]\,(\operatorname{elu}(z) + \alpha)"]),
    (sg.selu(x), x, [D % "x" + r"\operatorname{selu}\left(x\right) &= \left(1 - \left[x > "
                               r"0\right]\right) \left(\operatorname{selu}\left(x\right) + "
                               r"\frac{8790496704236883}{5000000000000000}\right)",
        r"&\quad + \frac{2101401974710961 \left[x > 0\right]}{2000000000000000} \qquad "
        r"\operatorname{selu}'(z) = \lambda\,[z > 0] + [z \leq 0]\,(\operatorname{selu}(z) + "
        r"\lambda\alpha)"]),
    (sg.normal_cdf(x), x, [D % "x" + r"\Phi\left(x\right) &= \frac{\sqrt{2} e^{- \frac{x^{2}}{2}}}{2 "
                                     r"\sqrt{\pi}} \qquad \Phi'(z) = e^{-z^2/2} / \sqrt{2\pi}"]),
    (sg.gelu(x), x, [D % "x" + r"\operatorname{gelu}\left(x\right) &= \frac{\sqrt{2} x e^{- "
                               r"\frac{x^{2}}{2}}}{2 \sqrt{\pi}} + \Phi\left(x\right) \qquad "
                               r"\operatorname{gelu}'(z) = \Phi(z) + z\,e^{-z^2/2} / \sqrt{2\pi}"]),
    (sg.gelu_tanh(x), x, [D % "x" + r"\operatorname{gelutanh}\left(x\right) &= \frac{\sqrt{2} x "
                                    r"\left(1 - \tanh^{2}{\left(\frac{\sqrt{2} \left(\frac{8943 "
                                    r"x^{3}}{200000} + x\right)}{\sqrt{\pi}} \right)}\right) "
                                    r"\left(\frac{26829 x^{2}}{200000} + 1\right)}{2 \sqrt{\pi}}",
        r"&\quad + \frac{\tanh{\left(\frac{\sqrt{2} \left(\frac{8943 x^{3}}{200000} + "
        r"x\right)}{\sqrt{\pi}} \right)}}{2} + \frac{1}{2}",
        r"&\qquad \qquad \operatorname{gelutanh}'(z) = \tfrac12 (1 + \tanh u) + \tfrac12 z\,(1 - "
        r"\tanh^2 u)\, u'(z),\ u = \sqrt{2/\pi}\,(z + 0.044715\,z^3)"]),
    (sg.silu(x), x, [D % "x" + r"\operatorname{silu}\left(x\right) &= \left(x \left(1 - "
                               r"\sigma\left(x\right)\right) + 1\right) \sigma\left(x\right) \qquad "
                               r"\operatorname{silu}'(z) = \sigma(z)\,(1 + z\,(1 - \sigma(z)))"]),
    (sg.mish(x), x, [D % "x" + r"\operatorname{mish}\left(x\right) &= x \left(1 - "
                               r"\tanh^{2}{\left(\operatorname{softplus}\left(x\right) "
                               r"\right)}\right) \sigma\left(x\right) + "
                               r"\tanh{\left(\operatorname{softplus}\left(x\right) \right)}",
        r"&\qquad \qquad \operatorname{mish}'(z) = \tanh(\operatorname{softplus} z) + "
        r"z\,\sigma(z)\,(1 - \tanh^2(\operatorname{softplus} z))"]),
    (sg.softsign(x), x, [D % "x" + r"\operatorname{softsign}\left(x\right) &= "
                                   r"\frac{1}{\left(\left|{x}\right| + 1\right)^{2}} \qquad "
                                   r"\operatorname{softsign}'(z) = 1 / (1 + |z|)^2"]),
    (sg.hardtanh(x), x, [D % "x" + r"\operatorname{hardtanh}\left(x\right) &= \left[1 - x > 0\right] "
                                   r"\left[x + 1 > 0\right] \qquad \operatorname{hardtanh}'(z) = [a < "
                                   r"z < b]"]),
    (sg.hardsigmoid(x), x, [D % "x" + r"\operatorname{hardsigmoid}\left(x\right) &= \frac{\left[3 - x "
                                      r"> 0\right] \left[x + 3 > 0\right]}{6} \qquad "
                                      r"\operatorname{hardsigmoid}'(z) = [-3 < z < 3] / 6"]),
    (sg.hardswish(x), x, [D % "x" + r"\operatorname{hardswish}\left(x\right) &= \left(\frac{x}{3} + "
                                    r"\frac{1}{2}\right) \left[3 - x > 0\right] \left[x + 3 > "
                                    r"0\right] + 1 - \left[3 - x > 0\right]",
        r"&\qquad \qquad \operatorname{hardswish}'(z) = [-3 < z < 3]\,(z/3 + 1/2) + [z \geq 3]"]),
    (sg.logsigmoid(x), x, [D % "x" + r"\log\sigma\left(x\right) &= \sigma\left(- x\right) \qquad "
                                     r"(\log\sigma)'(z) = \sigma(-z)"]),
    (x ** x, x, [D % "x" + r"x^{x} &= x^{x} \left(\log{\left(x \right)} + 1\right) \qquad "
                 r"\text{by SymPy: no rule of symgrad's applies}"]),
    (Deviation(sp.Rational(1, 100000), x, y), x, [
        D % "x" + r"\sqrt{\operatorname{var}\left(x, y\right) + \frac{1}{100000}} &= \frac{\bigl(x - \operatorname{mean}"
        r"\left(x, y\right)\bigr) / \sqrt{\operatorname{var}\left(x, y\right) + \frac{1}{100000}}}{2}",
        r"&\qquad \qquad \partial \sigma / \partial x_k = \hat x_k / N"]),
    (Standardized(0, z, x, y), x, [
        D % "x" + r"\bigl(x - \operatorname{mean}\left(x, y\right)\bigr) / z &= \frac{1}{2 z} \qquad \partial \hat x_i / "
        r"\partial x_k = ([i = k] - 1/N) / \sigma,\ \partial \hat x_i / \partial \sigma = -\hat x_i / \sigma"]),
]


@pytest.mark.parametrize("expr, var, rows", RULES, ids=[f"{differentiate(e, v).name}:{e}" for e, v, _ in RULES])
def test_each_rule_prints_exactly(expr, var, rows):
    tex = latex(differentiate(expr, var))
    assert tex == "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def test_every_rule_has_a_note_and_a_row_in_the_table():
    """Every structural rule has a note in RULE_NOTES, every registered operation with a rule prints
    its formula, and each has a row in the table above."""
    steps = [differentiate(e, v) for e, v, _ in RULES]
    kinds = {type(s) for s in steps} | {s.operation for s in steps if isinstance(s, FunctionRule)}
    rule_classes = {c for c in vars(importlib.import_module("symgrad.explain.steps")).values()
                    if isinstance(c, type) and issubclass(c, Rule) and c is not Rule}
    assert rule_classes - {type(differentiate(y, x)), type(differentiate(x, x)), FunctionRule} <= set(RULE_NOTES)
    assert rule_classes <= kinds
    with_rules = {op for op in operations() if op.rule is not None}
    assert with_rules <= kinds
    assert all(rule_note(s) == s.operation.rule and s.operation.rule.strip()
               for s in steps if isinstance(s, FunctionRule))


def test_s3_reads_like_the_tutorial():
    g, _, _, point = s3()
    tex = latex(sg.derive(g, [w5, w1], at=point).descend(0.01))
    for line in [
        r"y^* &= h_{1} w_{5} + h_{2} w_{6}",  # the forward pass, with y* as the node was named
        r" &= 0.5 \cdot 0.5 + 0.7 \cdot 1",  # equal numbers stay a product, not a square
        r" &= 1 \cdot 1 + 0.95 \cdot 2",
        r"\mathcal{L} &= \left(y - y^*\right)^{2}",
        r" &= 4.41",
        r"\frac{\partial \mathcal{L}}{\partial w_{1}} &= \frac{\partial \mathcal{L}}{\partial y^*} \cdot "
        r"\frac{\partial y^*}{\partial h_{1}} \cdot \frac{\partial h_{1}}{\partial w_{1}}",  # the chain rule
        r" &= 2 \left(y - y^*\right) \cdot \left(-1\right)",  # the outer derivative, not distributed
        r" &= 2 \cdot 2.9 - 2 \cdot 0.8",  # numbers substituted
        r"\frac{\partial \mathcal{L}}{\partial w_{1}} &= 4.2 \cdot 1 \cdot 0.5",
        r" &= 2.1",
        r"w_{5} &\leftarrow w_{5} - \eta\, \frac{\partial \mathcal{L}}{\partial w_{5}}",  # the update
        r" &= 1 - 0.01 \cdot 4.2",
        r" &= 0.958",
        r" &= 0.979",
    ]:
        assert line in tex, line


def test_negative_numbers_are_parenthesised_and_irrational_values_approximated():
    g = sg.Graph()
    z = g.define("z", w * x + b)
    g.define("L", sg.sigmoid(z))
    tex = latex(sg.derive(g, w, at={w: -0.5, x: 2, b: 1}))
    assert r" &= 1 + \left(-0.5\right) \cdot 2" in tex
    assert r" &\approx 0.5" not in tex and r" &= 0.5" in tex  # sigma(0): exact
    tex = latex(sg.derive(g, w, at={w: 1, x: 2, b: 1}))
    assert r" &= \sigma\left(3\right)" in tex and r" &\approx 0.952574" in tex


def test_a_local_partial_shared_by_two_questions_is_derived_once():
    g, _, _, point = s3()
    renderer = LatexRenderer(g)
    first = document(renderer.derivation(sg.derive(g, w5, at=point)))
    second = document(renderer.derivation(sg.derive(g, w1, at=point), forward=False))
    derived = r"\frac{\partial \mathcal{L}}{\partial y^*} &= \frac{\partial}{\partial y^*} \left(y - y^*\right)^{2}"
    assert derived in first and derived not in second
    assert r"\frac{\partial \mathcal{L}}{\partial y^*} &= 4.2" in second  # its value, recalled
    assert "The forward pass" in first and "The forward pass" not in second


def test_bces_gradient_is_also_read_where_no_clamp_is_active():
    """The exact result keeps torch's clamp in brackets; the row after it is the familiar sigma(z) - y,
    said to hold where no clamp is active, in the derivation and in the answer."""
    g = sg.Graph()
    p = g.define("p", sg.sigmoid(z))
    g.define("L", sg.bce(p, y))
    derivation = sg.derive(g, z)
    tex, answer = latex(derivation), document([LatexRenderer(g).answer(derivation)])
    familiar = r" &= \sigma\left(z\right) - y \qquad \text{where no clamp of torch's is active}"
    assert r"\geq -100\right]" in tex and familiar in tex
    assert r"\geq -100\right]" in answer and familiar in answer
    assert "where no clamp" not in latex(sg.derive(sp.log(z) * y, z))  # an ordinary log: nothing to add


def test_an_operation_without_a_rule_is_flagged():
    assert r"\text{by SymPy: no rule of symgrad's applies}" in latex(sg.derive(sp.gamma(w * x), w))
    assert "by SymPy" not in latex(sg.derive(sp.sin(w * x), w))


def test_an_argument_raised_to_a_power_is_in_parentheses():
    """The chain rule writes f'(u) with u printed as its argument: a fraction under a power needs brackets."""
    tex = latex(differentiate(sp.erf(x / sp.sqrt(2)), x))
    assert r"e^{- \left(\frac{\sqrt{2} x}{2}\right)^{2}}" in tex and r"\frac{\sqrt{2} x}{2}^{2}" not in tex


def test_a_derivation_displays_itself_in_jupyter():
    g, _, _, point = s3()
    shown = sg.derive(g, w1, at=point)._repr_latex_()
    assert shown.startswith("$$\\begin{aligned}") and shown.endswith("\\end{aligned}$$")
    assert r"\text{At the point:}" in shown and "$" not in shown[2:-2]


def test_long_expressions_are_broken_to_fit():
    terms = sp.Add(*[sp.Symbol(f"w{i}") * sp.Symbol(f"x{i}") for i in range(1, 30)])
    tex = latex(sg.derive(sg.sigmoid(terms) ** 2, sp.Symbol("w1")))
    for line in tex.splitlines():
        assert width(line.split(r"\qquad")[0]) <= WIDTH + 10, line
