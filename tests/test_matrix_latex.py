"""Matrix derivations in LaTeX: each forward and backward row of S2's network with its factors' shapes,
the loss's scale, a later share of an adjoint, and how templates are cut into factors."""

import pytest

from symgrad.explain.layout import document
from symgrad.matrix import Activation, Linear, Network, derive
from symgrad.matrix import graph as mg
from symgrad.matrix.latex import MatrixRenderer, _top_level

S2 = Network([Linear(784, 128), Activation("relu"), Linear(128, 64), Activation("relu"), Linear(64, 10),
              Activation("log_softmax")]).loss("nll")


def u(shape, latex):
    return r"\underset{%s}{%s}" % (shape, latex)


def rows(derivation):
    blocks = MatrixRenderer().render(derivation)
    return {row.lhs: (row.rhs.text, row.note, row.relation) for block in blocks for row in block.rows}


S2_ROWS = rows(derive(S2))


@pytest.mark.parametrize("lhs, rhs, note", [
    (u(r"N \times 128", "Z_{1}"), u(r"N \times 784", "X") + r" \; " + u(r"784 \times 128", r"W_{1}^\top") + " + "
     + u(r"N \times 1", r"\mathbf{1}") + r" \; " + u(r"1 \times 128", r"b_{1}^\top"), ""),
    (u(r"N \times 64", "A_{2}"), u(r"N \times 64", r"\operatorname{relu}(Z_{2})"), ""),
    (r"\mathcal{L}", r"-\frac{1}{N} \sum_n \left(A_{3}\right)_{n, y_n}", ""),
    (u(r"N \times 10", r"\delta_{Z_{3}}"),
     r"\frac{1}{N} " + u(r"N \times 10", r"\left(\operatorname{softmax}(Z_{3}) - \operatorname{onehot}(y)\right)"),
     r"\text{cross-entropy (NLL of log-softmax)}"),
    (u(r"10 \times 64", r"\frac{\partial \mathcal{L}}{\partial W_{3}}"),
     u(r"10 \times N", r"\delta_{Z_{3}}^\top") + r" \; " + u(r"N \times 64", "A_{2}"), r"\text{linear layer, weight}"),
    (u("10", r"\frac{\partial \mathcal{L}}{\partial b_{3}}"),
     u(r"10 \times N", r"\delta_{Z_{3}}^\top") + r" \; " + u(r"N \times 1", r"\mathbf{1}"), r"\text{linear layer, bias}"),
    (u(r"N \times 64", r"\delta_{A_{2}}"), u(r"N \times 10", r"\delta_{Z_{3}}") + r" \; " + u(r"10 \times 64", "W_{3}"),
     r"\text{linear layer, input}"),
    (u(r"N \times 64", r"\delta_{Z_{2}}"),
     u(r"N \times 64", r"\delta_{A_{2}}") + r" \odot " + u(r"N \times 64", r"\left[Z_{2} > 0\right]"), r"\text{relu}"),
    (u(r"128 \times 784", r"\frac{\partial \mathcal{L}}{\partial W_{1}}"),
     u(r"128 \times N", r"\delta_{Z_{1}}^\top") + r" \; " + u(r"N \times 784", "X"), r"\text{linear layer, weight}"),
])
def test_s2s_rows(lhs, rhs, note):
    assert S2_ROWS[lhs] == (rhs, note, "=")


def test_s2s_page_lists_the_forward_pass_then_the_gradients_layer_by_layer():
    blocks = MatrixRenderer().render(derive(S2))
    assert [len(b.rows) for b in blocks] == [0, 7, 11]
    backward = [row.lhs for row in blocks[2].rows]
    order = [next(n for n in ("delta_{Z_{3}}", "W_{3}", "b_{3}", "delta_{A_{2}}", "delta_{Z_{2}}", "W_{2}", "b_{2}",
                              "delta_{A_{1}}", "delta_{Z_{1}}", "W_{1}", "b_{1}") if n in lhs) for lhs in backward]
    assert order == ["delta_{Z_{3}}", "W_{3}", "b_{3}", "delta_{A_{2}}", "delta_{Z_{2}}", "W_{2}", "b_{2}",
                     "delta_{A_{1}}", "delta_{Z_{1}}", "W_{1}", "b_{1}"]  # the parameters' gradients first
    text = document(blocks)
    assert "a batch $X$ is $N \\times 784$" in text and text.count("\\begin{align*}") == 2


@pytest.mark.parametrize("loss, reduction, row", [
    (mg.mse, "mean", r"2 \frac{1}{N \cdot 3} " + u(r"N \times 3", r"\left(Z - Y\right)")),
    (mg.mse, "sum", r"2 " + u(r"N \times 3", r"\left(Z - Y\right)")),
    (mg.nll, "sum", r"- " + u(r"N \times 3", r"\operatorname{onehot}(y)")),
    (mg.bce_with_logits, "mean", r"\frac{1}{N \cdot 3} " + u(r"N \times 3", r"\left(\sigma(Z) - Y\right)")),
])
def test_a_losss_scale_follows_its_reduction(loss, reduction, row):
    z = mg.linear(mg.data("X", 4), mg.parameter("W", 3, 4), name="Z")
    target = mg.classes("y", 3) if loss is mg.nll else mg.targets("Y", 3)
    assert rows(derive(loss(z, target, reduction), ["Z"]))[u(r"N \times 3", r"\delta_{Z}")][0] == row


def test_a_weight_used_twice_gets_its_second_share_added():
    w = mg.parameter("W", 4, 4)
    a = mg.tanh(mg.linear(mg.data("X", 4), w, name="Z1"), name="A1")
    loss = mg.mse(mg.linear(a, w, name="Z2"), mg.targets("Y", 4))
    steps = [r for b in MatrixRenderer().render(derive(loss)) for r in b.rows
             if r.lhs == u(r"4 \times 4", r"\frac{\partial \mathcal{L}}{\partial W}")]
    assert [r.relation for r in steps] == ["=", r"\mathrel{+}="]
    assert steps[1].rhs.text == u(r"4 \times N", r"\delta_{Z_{1}}^\top") + r" \; " + u(r"N \times 4", "X")


@pytest.mark.parametrize("template, factors", [
    (r"$delta W", ["$delta", "W"]),
    (r"$delta \odot \left[$Z > 0\right]", ["$delta", r"\odot", r"\left[$Z > 0\right]"]),
    (r"-$scale \sum_n \left($P\right)_{n, y_n}", ["-$scale", r"\sum_n", r"\left($P\right)_{n, y_n}"]),
    (r"$delta - \operatorname{softmax}($Z) \odot ($delta \mathbf{1} \mathbf{1}^\top)",
     ["$delta", "-", r"\operatorname{softmax}($Z)", r"\odot", r"($delta \mathbf{1} \mathbf{1}^\top)"]),
])
def test_templates_are_cut_at_their_top_level_spaces(template, factors):
    assert _top_level(template) == factors


def test_a_linear_layer_without_bias_has_no_bias_term():
    z = mg.linear(mg.data("X", 4), mg.parameter("W", 3, 4), name="Z")
    forward = rows(derive(mg.mse(z, mg.targets("Y", 3))))[u(r"N \times 3", "Z")][0]
    assert forward == u(r"N \times 4", "X") + r" \; " + u(r"4 \times 3", r"W^\top")
