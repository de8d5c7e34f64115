"""Derivations in LaTeX: one exact table row per rule, and a graph's derivation read as a textbook."""

import importlib
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.activations import LogSoftmax, Softmax
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
                              r"\operatorname{softmax}_{1}\left(x, y, z\right) \operatorname{softmax}_{2}\left(x, y, z\right)",
                              r"&\qquad \qquad \partial s_i / \partial z_j = s_i\,([i = j] - s_j)"]),
    (LogSoftmax(0, x, y, z), x, [D % "x" + r"\log\operatorname{softmax}_{1}\left(x, y, z\right) &= 1 - "
                                 r"\operatorname{softmax}_{1}\left(x, y, z\right) \qquad "
                                 r"\partial \log s_i / \partial z_j = [i = j] - s_j"]),
    (sg.cross_entropy([x, y, z], 1), y, [D % "y" + r"\Bigl(- \log\operatorname{softmax}_{2}\left(x, y, z\right)"
                                         r"\Bigr) &= \operatorname{softmax}_{2}\left(x, y, z\right) - 1 \qquad "
                                         r"\partial(-\log s_k) / \partial z_j = s_j - [j = k]"]),
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
    assert r"\text{by SymPy: no rule of symgrad's applies}" in latex(sg.derive(sp.sin(w * x), w))


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
