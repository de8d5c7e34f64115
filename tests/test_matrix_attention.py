"""Matrix-mode Embedding and one head of self-attention: the rules exactly against scalar mode
(symgrad.embedding, symgrad.attention), the NumPy program against torch autograd in float64 and
against central differences, from_torch / to_torch (nn.Embedding, nn.MultiheadAttention with one head
in a SelfAttentionBlock), the refused settings and the checks of token inputs."""

import copy

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.errors import GraphError, NoDerivativeRuleError, ShapeError
from symgrad.matrix import Embedding, Linear, Model, Network, Program, SelfAttention, derive, evaluate, exact
from symgrad.matrix import Activation
from symgrad.matrix.latex import MatrixRenderer
from symgrad.matrix.torch_import import from_torch, to_torch

torch = pytest.importorskip("torch")

EMBEDDING_LINEAR = Network([Embedding(5, 4), Linear(4, 3)])
ATTENTION = Network([Embedding(5, 4), SelfAttention(4), Linear(4, 3)])
DEEP = Network([Embedding(6, 4), SelfAttention(4), Activation("tanh"), SelfAttention(4), Linear(4, 3)])
TOKENS = np.array([0, 3, 1, 3, 4, 2, 3])  # token 3 three times: its embedding's gradient adds up
CLASSES = np.array([0, 2, 1, 1, 0, 2, 2])


# -- exactly against scalar mode --------------------------------------------------------------------


def _symbols(node, rows):
    shape = (rows, node.shape[1]) if node.shape[0] == "N" else (1, node.shape[0]) if len(node.shape) == 1 \
        else node.shape
    return sp.ImmutableMatrix(*shape, lambda i, j: sp.Symbol(f"{node.name}_{i + 1}{j + 1}"))


def _scalar_loss(derivation, leaves):
    """The same network built with scalar mode's embedding, linear, attention and cross-entropy."""
    value = {n: v if n.op in ("tokens", "classes") else [list(v.row(i)) for i in range(v.rows)]
             for n, v in leaves.items()}
    for node in derivation.forward:
        if node.op in ("scores", "softmax"):  # inside scalar mode's attention, at the mix
            continue
        ins = [value.get(i) for i in node.inputs]
        if node.op == "embedding":
            value[node] = sg.embedding(ins[0], ins[1])
        elif node.op == "linear":
            value[node] = [list(sg.linear(row, sp.Matrix(ins[1]), ins[2][0])) for row in ins[0]]
        elif node.op == "mix":  # O = attention(Q, K, V): the scores and the softmax are inside
            q, k = node.inputs[0].inputs[0].inputs
            value[node] = sg.attention(value[q], value[k], ins[1])
        elif node.op == "tanh":
            value[node] = [[sg.tanh(z) for z in row] for row in ins[0]]
        elif node.op == "cross_entropy":
            value[node] = sg.cross_entropy(ins[0], list(ins[1]))
    return value[derivation.loss]


# Symbolic attention grows fast (its softmax's arguments are sums of products): the d = 2 head runs
# with the embedding, the output projection and the output layer fixed to small rationals (their rules are
# the d = 1 case's), derived by W_q, b_q, W_k, W_v, b_v (b_k's gradient is 0: q_i . b_k shifts a whole row
# of scores, which the softmax does not see; its expansion is the slowest).
@pytest.mark.parametrize("network, tokens, fixed", [
    (Network([Embedding(3, 2), Linear(2, 2)]), [2, 0, 2], ()),
    (Network([Embedding(2, 1), SelfAttention(1), Linear(1, 2)]), [1, 0, 1], ()),
    (Network([Embedding(3, 2), SelfAttention(2), Linear(2, 2)]), [2, 0], ("W1", "W3", "b3", "bk2", "Wo2", "bo2")),
], ids=["embedding-linear", "embedding-attention1-linear", "attention2"])
def test_the_rules_match_the_scalar_walk_exactly(network, tokens, fixed):
    parameters = [p.name for p in network.graph()[2] if p.name not in fixed]
    derivation = derive(network.loss("cross_entropy"), parameters)
    rows = len(tokens)

    def value(n):
        if n.op in ("tokens", "classes"):
            return tokens if n.op == "tokens" else [1, 0, 1][:rows]
        symbols = _symbols(n, rows)
        if n.name not in fixed:
            return symbols
        return sp.ImmutableMatrix(*symbols.shape, lambda i, j: sp.Rational((3 * i + 5 * j + 1) % 7 - 3, 2))

    leaves = {n: value(n) for n in derivation.leaves}
    matrix = evaluate(derivation, exact, leaves)
    scalar = _scalar_loss(derivation, leaves)
    assert sp.expand(matrix.loss - scalar) == 0
    symbols = [list(leaves[w]) for w in derivation.wrt]
    walk = sg.backward(sg.Graph.from_expression(scalar), [s for group in symbols for s in group])
    expected = iter(walk.gradient)
    for w, group in zip(derivation.wrt, symbols):
        entries = list(matrix.gradient(w))
        assert len(entries) == len(group)
        for entry, symbol in zip(entries, group):
            assert sp.expand(entry - next(expected)) == 0, f"dL/d{symbol}"


def test_the_embeddings_gradient_adds_the_rows_of_a_repeated_token():
    derivation = derive(Network([Embedding(3, 2), Linear(2, 2)]).loss("cross_entropy"), ["W1"])
    delta = sp.ImmutableMatrix(3, 2, sp.symbols("d:6"))
    table = sp.zeros(3, 2)
    rule = exact.scatter_rows(delta, [2, 0, 2], table)
    assert rule == sp.ImmutableMatrix([[delta[1, 0], delta[1, 1]], [0, 0],
                                       [delta[0, 0] + delta[2, 0], delta[0, 1] + delta[2, 1]]])
    assert derivation.backward[-1].rule == "embedding"


# -- the NumPy program against torch autograd (float64) and central differences --------------------


def _torch_gradients(net):
    """The gradients of the torch twin by symgrad's names: the twin with each parameter set to its
    gradient, read by from_torch (which splits in_proj_weight into Wq, Wk, Wv)."""
    grads = copy.deepcopy(net)
    for p, grad in zip(grads.parameters(), net.parameters()):
        p.data = grad.grad.clone()
    return from_torch(grads).parameters


@pytest.mark.parametrize("network", [EMBEDDING_LINEAR, ATTENTION, DEEP], ids=["embedding", "attention", "two-heads"])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll"])
def test_loss_and_every_gradient_equal_torch_autograd(network, loss):
    if loss == "nll":
        network = Network([*network.layers, Activation("log_softmax")])
    model = Model.initialised(network, seed=3, dtype="float64")
    program = Program(model, loss)
    value = program(TOKENS, CLASSES)
    net = to_torch(model)
    criterion = torch.nn.CrossEntropyLoss() if loss == "cross_entropy" else torch.nn.NLLLoss()
    reference = criterion(net(torch.from_numpy(TOKENS)), torch.from_numpy(CLASSES))
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-12)
    theirs = _torch_gradients(net)
    ours = {p.name: g for p, g in zip(program.derivation.wrt, program.gradients)}
    assert set(ours) == set(theirs) == set(model.parameters)
    largest = max(np.abs(g).max() for g in theirs.values())
    for name, gradient in ours.items():
        if name.startswith("bk"):  # q_i . b_k shifts a whole row of scores: softmax's value does not move
            assert np.abs(gradient).max() <= 1e-15 * largest and np.abs(theirs[name]).max() <= 1e-15 * largest
            continue
        scale = np.abs(theirs[name]).max()
        assert np.abs(gradient - theirs[name]).max() <= 1e-10 * scale, name


def test_every_gradient_equals_central_differences():
    model = Model.initialised(ATTENTION, seed=5, dtype="float64")
    program = Program(model, "cross_entropy")
    program(TOKENS, CLASSES)
    gradients = {p.name: g.copy() for p, g in zip(program.derivation.wrt, program.gradients)}
    h = 1e-6
    for name, value in model.parameters.items():
        numeric = np.empty_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + h
            up = program(TOKENS, CLASSES)
            value[index] = saved - h
            down = program(TOKENS, CLASSES)
            value[index] = saved
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(gradients[name], numeric, rtol=1e-6, atol=1e-9, err_msg=name)


def test_float32_runs_and_the_scores_buffers_follow_the_batch():
    model = Model.initialised(ATTENTION, seed=1, dtype="float32")
    program = Program(model, "cross_entropy")
    for n in (7, 3):
        loss, output = program.outputs(TOKENS[:n], CLASSES[:n])
        assert output.shape == (n, 3) and output.dtype == np.float32
        assert program(TOKENS[:n], CLASSES[:n]) == pytest.approx(loss)


# -- from_torch and to_torch ---------------------------------------------------------------------


def test_to_torch_and_back_keeps_every_parameter_and_output():
    model = Model.initialised(DEEP, seed=2, dtype="float64")
    net = to_torch(model)
    assert [type(m).__name__ for m in net] == ["Embedding", "SelfAttentionBlock", "Tanh", "SelfAttentionBlock",
                                               "Linear"]
    back = from_torch(net)
    assert back.network == DEEP and list(back.parameters) == list(model.parameters)
    for name, value in model.parameters.items():
        np.testing.assert_array_equal(back.parameters[name], value)
    _, ours = Program(model, "cross_entropy").outputs(TOKENS, CLASSES)
    np.testing.assert_allclose(ours, net(torch.from_numpy(TOKENS)).detach().numpy(), rtol=1e-12, atol=1e-14)


def test_from_torch_splits_in_proj_and_reads_a_bare_multihead_attention():
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(4, 1, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_bias.normal_()
    model = from_torch(torch.nn.Sequential(torch.nn.Embedding(5, 4, dtype=torch.float64), mha,
                                           torch.nn.Linear(4, 3, dtype=torch.float64)))
    assert model.network == ATTENTION
    weight, bias = mha.in_proj_weight.detach().numpy(), mha.in_proj_bias.detach().numpy()
    for i, p in enumerate("qkv"):
        np.testing.assert_array_equal(model.parameters[f"W{p}2"], weight[4 * i:4 * (i + 1)])
        np.testing.assert_array_equal(model.parameters[f"b{p}2"], bias[4 * i:4 * (i + 1)])
    np.testing.assert_array_equal(model.parameters["Wo2"], mha.out_proj.weight.detach().numpy())


def test_the_self_attention_block_is_mha_of_x_x_x():
    from symgrad.matrix.torch_import import SelfAttentionBlock

    block = SelfAttentionBlock(4, dtype=torch.float64)
    x = torch.randn(6, 4, dtype=torch.float64)
    assert torch.equal(block(x), block.mha(x, x, x, need_weights=False)[0])
    assert SelfAttentionBlock.__module__ == "symgrad.matrix.torch_import"


@pytest.mark.parametrize("module, message", [
    (lambda: torch.nn.MultiheadAttention(4, 2), "layer 1 \\(MultiheadAttention\\) with num_heads=2"),
    (lambda: torch.nn.MultiheadAttention(4, 1, kdim=3), "with kdim=3"),
    (lambda: torch.nn.MultiheadAttention(4, 1, vdim=2), "with vdim=2"),
    (lambda: torch.nn.MultiheadAttention(4, 1, add_bias_kv=True), "with add_bias_kv=True"),
    (lambda: torch.nn.MultiheadAttention(4, 1, add_zero_attn=True), "with add_zero_attn=True"),
    (lambda: torch.nn.MultiheadAttention(4, 1, dropout=0.1), "with dropout=0.1"),
    (lambda: torch.nn.MultiheadAttention(4, 1, bias=False), "with bias=False"),
])
def test_from_torch_refuses_attention_it_does_not_compute(module, message):
    net = torch.nn.Sequential(torch.nn.Embedding(5, 4), module(), torch.nn.Linear(4, 3))
    with pytest.raises(NoDerivativeRuleError, match=f"matrix mode has no rule for .*{message}"):
        from_torch(net)


@pytest.mark.parametrize("options, message", [
    ({"padding_idx": 0}, "padding_idx=0"), ({"max_norm": 1.0}, "max_norm=1.0"),
    ({"scale_grad_by_freq": True}, "scale_grad_by_freq=True"), ({"sparse": True}, "sparse=True"),
])
def test_from_torch_refuses_embedding_settings_by_name(options, message):
    with pytest.raises(NoDerivativeRuleError, match=f"layer 0 \\(Embedding\\) with {message}"):
        from_torch(torch.nn.Sequential(torch.nn.Embedding(5, 4, **options), torch.nn.Linear(4, 3)))


# -- bad networks and bad inputs -----------------------------------------------------------------


@pytest.mark.parametrize("build, error, message", [
    (lambda: Network([Linear(4, 4), Embedding(5, 4), Linear(4, 3)]), GraphError, "Embedding is a network's first"),
    (lambda: Network([Embedding(5, 4), SelfAttention(3), Linear(3, 2)]), ShapeError,
     "SelfAttention\\(3\\) follows a layer with 4 outputs"),
    (lambda: Network([Embedding(5, 4), Linear(3, 2)]), ShapeError, "4 outputs is followed by one with 3 inputs"),
    (lambda: Embedding(0, 4), ShapeError, "a parameter's size must be a positive integer, got 0"),
    (lambda: derive(ATTENTION.loss("cross_entropy"), ["x"]), GraphError, "x holds token indices"),
])
def test_bad_networks(build, error, message):
    with pytest.raises(error, match=message):
        build()


@pytest.mark.parametrize("tokens, message", [
    (np.array([0.0, 1.0, 2.0]), "x must be a vector of integer token indices, got float64 of shape \\(3,\\)"),
    (np.array([[0, 1, 2]]), "x must be a vector of integer token indices, got int64 of shape \\(1, 3\\)"),
    (np.array([0, 5, 2]), "x: token indices go from 0 to 4, got 0 to 5"),
    (np.array([-1, 1, 2]), "x: token indices go from 0 to 4, got -1 to 2"),
])
def test_a_program_checks_its_token_indices(tokens, message):
    program = Program(Model.initialised(ATTENTION, dtype="float64"), "cross_entropy")
    with pytest.raises(ShapeError, match=message):
        program(tokens, np.array([0, 1, 2]))


# -- the derivation in LaTeX ---------------------------------------------------------------------


def u(shape, latex):
    return r"\underset{%s}{%s}" % (shape, latex)


def test_the_derivation_prints_the_scatter_add_and_the_attention_backward_with_shapes():
    blocks = MatrixRenderer().render(derive(ATTENTION.loss("cross_entropy")))
    rows = {row.lhs: (row.rhs.text, row.note) for block in blocks for row in block.rows}
    assert rows[u("5 \\times 4", r"\frac{\partial \mathcal{L}}{\partial W_{1}}")] == (
        u(r"5 \times N", r"\operatorname{onehot}(x)^\top") + r" \; " + u(r"N \times 4", r"\delta_{Z_{1}}"),
        r"\text{embedding, weight}")
    assert rows[u(r"N \times 4", "Z_{1}")][0] == (u(r"N \times 5", r"\operatorname{onehot}(x)") + r" \; "
                                                  + u(r"5 \times 4", "W_{1}"))
    assert rows[u(r"N \times 4", r"\delta_{V_{2}}")][0] == (u(r"N \times N", r"P_{2}^\top") + r" \; "
                                                           + u(r"N \times 4", r"\delta_{O_{2}}"))
    assert rows[u(r"N \times N", r"\delta_{S_{2}}")][0] == (
        u(r"N \times N", "P_{2}") + r" \odot " + u(r"N \times N", r"\left(\delta_{P_{2}} - (\delta_{P_{2}} \odot "
                                                                  r"P_{2}) \mathbf{1} \mathbf{1}^\top\right)"))
    assert rows[u(r"N \times 4", r"\delta_{Q_{2}}")] == (
        r"\frac{1}{\sqrt{d}} " + u(r"N \times N", r"\delta_{S_{2}}") + r" \; " + u(r"N \times 4", "K_{2}"),
        r"\text{attention scores}")
    assert rows[u(r"N \times 4", r"\delta_{K_{2}}")][0] == (
        r"\frac{1}{\sqrt{d}} " + u(r"N \times N", r"\delta_{S_{2}}^\top") + r" \; " + u(r"N \times 4", "Q_{2}"))
    intro = "".join(text for _, text in blocks[0].caption)
    assert "a batch x is N token indices" in intro and "(d = 4)" in intro
