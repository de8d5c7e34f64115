"""The layers of a course in scalar mode: each layer's output and gradients equal torch's ``F.*``
functions in float64 (autograd) to 1e-10, and central finite differences (through
``assert_gradient_matches``, which also runs the torch twin of the SymPy expression); batch norm's
input gradient is derived in its compact textbook form, equal to the expanded one."""

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F

import symgrad as sg
from symgrad import ShapeError, SymgradError
from symgrad.core.equality import equal
from symgrad.core.layers import Deviation, Standardized
from symgrad.testing import assert_gradient_matches

RTOL = 1e-10
RNG = np.random.default_rng(12)


def grid(name, *shape):
    """Nested lists of symbols ``name_{...}``."""
    if len(shape) == 1:
        return [sp.Symbol(f"{name}_{i}") for i in range(shape[0])]
    return [grid(f"{name}_{i}", *shape[1:]) for i in range(shape[0])]


def flat(a):
    return [v for row in a for v in flat(row)] if isinstance(a, list) else [a]


def values(symbols, shape=None, low=-2.0, high=2.0):
    """Random float values (rounded to 3 places: exact as decimals) for the nested symbols."""
    return {s: round(float(RNG.uniform(low, high)), 3) for s in flat(symbols)}


def weighted(outputs):
    """A scalar loss: the outputs weighted by fixed numbers (so every output's gradient is seen),
    and the weights as a tensor of the outputs' shape."""
    out = flat(outputs)
    c = [sp.Rational(int(RNG.integers(1, 10)) * int(RNG.choice([-1, 1])), 7) for _ in out]
    return sp.Add(*[a * b for a, b in zip(c, out)]), [float(v) for v in c]


def tensor(symbols, point):
    a = np.array([point[s] for s in flat(symbols)], dtype=np.float64)
    shape = np.array(symbols, dtype=object).shape
    return torch.tensor(a.reshape(shape), dtype=torch.float64, requires_grad=True)


def check(outputs, leaves, point, torch_outputs, tensors):
    """Values of ``outputs`` and the gradient of a weighted sum of them, exact, against torch."""
    got = np.array([float(sp.N(o.xreplace(point), 30)) if isinstance(o, sp.Basic) else float(o)
                    for o in flat(outputs)])
    want = torch_outputs.detach().reshape(-1).numpy()
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-12)
    loss, c = weighted(outputs)
    wrt = [s for group in leaves for s in flat(group)]
    present = [s for s in wrt if s in loss.free_symbols]  # a causal mask hides the first query
    by_symbol = dict(zip(present, sg.gradient(loss, present, at={s: point[s] for s in loss.free_symbols})))
    exact = [by_symbol.get(s, 0) for s in wrt]
    (torch_outputs.reshape(-1) * torch.tensor(c, dtype=torch.float64)).sum().backward()
    want_grad = np.concatenate([t.grad.reshape(-1).numpy() for t in tensors])
    np.testing.assert_allclose(np.array([float(sp.N(g, 30)) for g in exact]), want_grad, rtol=RTOL, atol=1e-12)
    return loss, wrt


# -- normalisation -------------------------------------------------------------------------------


def test_batch_norm_equals_torch_in_training_mode():
    x, gamma, beta = grid("x", 4, 3), grid("gamma", 3), grid("beta", 3)
    point = values(x) | values(gamma, low=0.5) | values(beta)
    y = sg.batch_norm(x, gamma, beta)
    tx, tg, tb = tensor(x, point), tensor(gamma, point), tensor(beta, point)
    expected = F.batch_norm(tx, None, None, tg, tb, training=True, eps=1e-5)
    loss, wrt = check(y, [x, gamma, beta], point, expected, [tx, tg, tb])
    assert_gradient_matches(loss, wrt[:4] + wrt[-6:], point, rtol=RTOL)


def test_batch_norm_of_a_constant_batch_divides_by_the_square_root_of_eps():
    x, gamma, beta = grid("x", 3, 2), grid("gamma", 2), grid("beta", 2)
    point = {**{s: 0.5 for s in flat(x)}, **values(gamma, low=0.5), **values(beta)}
    y = sg.batch_norm(x, gamma, beta)
    tx, tg, tb = tensor(x, point), tensor(gamma, point), tensor(beta, point)
    expected = F.batch_norm(tx, None, None, tg, tb, training=True, eps=1e-5)
    check(y, [x, gamma, beta], point, expected, [tx, tg, tb])
    assert [sg.exact(v.xreplace(point)) for v in flat(y)][:2] == [sg.exact(point[beta[0]]), sg.exact(point[beta[1]])]
    # the input gradient at a constant batch: gamma (g_i - mean g) / sqrt(eps), exactly
    g = sg.Graph()
    out = sg.batch_norm(x, gamma, beta, graph=g)
    L = g.define("L", out[0][0])
    d = sg.derive(g, x[0][0], at=point)
    assert d.result == sg.exact(point[gamma[0]]) * sp.Rational(2, 3) / sp.sqrt(sp.Rational(1, 100000))


def test_layer_norm_equals_torch():
    x, gamma, beta = grid("x", 2, 4), grid("gamma", 4), grid("beta", 4)
    point = values(x) | values(gamma, low=0.5) | values(beta)
    y = sg.layer_norm(x, gamma, beta, eps=1e-5)
    tx, tg, tb = tensor(x, point), tensor(gamma, point), tensor(beta, point)
    expected = F.layer_norm(tx, (4,), tg, tb, eps=1e-5)
    loss, wrt = check(y, [x, gamma, beta], point, expected, [tx, tg, tb])
    assert_gradient_matches(loss, wrt[:5], point, rtol=RTOL)


def test_batch_norm_input_gradient_is_the_compact_textbook_form_equal_to_the_expanded_one():
    n, x, gamma, beta, up = 4, grid("x", 4, 3), grid("gamma", 3), grid("beta", 3), grid("g", 4, 3)
    g = sg.Graph()
    y = sg.batch_norm(x, gamma, beta, graph=g)
    g.define("L", sp.Add(*[y[i][j] * up[i][j] for i in range(4) for j in range(3)]))
    d = sg.derive(g, x[0][0])
    compact = d.partials[0].body.chain.result  # the chain rule's sum, simplified, in the graph's names
    xhat = [sp.Symbol(f"xhat_{i}1") for i in range(1, 5)]
    sigma, g1 = sp.Symbol("sigma_1"), [up[i][0] for i in range(4)]
    textbook = gamma[0] / (n * sigma) * (n * g1[0] - sum(g1) - xhat[0] * sum(a * b for a, b in zip(g1, xhat)))
    assert sp.expand(compact - textbook) == 0  # CS231n's dx, exactly
    assert compact.free_symbols == set(xhat) | {sigma, gamma[0]} | set(g1)
    # expanded: every node and operation written out, against sympy.diff of the explicit loss
    explicit = g.expand(compact).rewrite(sp.sqrt)
    assert not explicit.has(Standardized, Deviation)
    loss = g.expand().rewrite(sp.sqrt)
    assert equal(explicit, sp.diff(loss, x[0][0]))
    assert equal(d.result.rewrite(sp.sqrt), explicit)


def test_layer_norm_input_gradient_is_compact_too():
    x, up = grid("x", 2, 3), grid("g", 2, 3)
    g = sg.Graph()
    y = sg.layer_norm(x, False, False, graph=g)
    g.define("L", sp.Add(*[y[i][j] * up[i][j] for i in range(2) for j in range(3)]))
    compact = sg.derive(g, x[0][0]).partials[0].body.chain.result
    xhat, sigma = [sp.Symbol(f"xhat_1{j}") for j in range(1, 4)], sp.Symbol("sigma_1")
    g1 = up[0]
    assert sp.expand(compact - (3 * g1[0] - sum(g1) - xhat[0] * sum(a * b for a, b in zip(g1, xhat))) / (3 * sigma)) == 0


# -- dropout, attention ---------------------------------------------------------------------------


def test_dropout_with_torchs_mask_equals_torchs_dropout():
    x = grid("x", 2, 5)
    point = values(x)
    tx = tensor(x, point)
    torch.manual_seed(3)
    expected = F.dropout(tx, p=0.4, training=True)
    mask = (expected != 0).to(torch.int64).tolist()
    y = sg.dropout(x, mask, 0.4)
    check(y, [x], point, expected, [tx])
    assert y[0][0] in (0, x[0][0] * sp.Rational(5, 3))


@pytest.mark.parametrize("causal", [False, True])
def test_attention_equals_torchs_scaled_dot_product_attention(causal):
    q, k, v = grid("q", 3, 4), grid("k", 3, 4), grid("v", 3, 2)
    point = values(q) | values(k) | values(v)
    o = sg.attention(q, k, v, causal=causal)
    tq, tk, tv = tensor(q, point), tensor(k, point), tensor(v, point)
    expected = F.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
    loss, wrt = check(o, [q, k, v], point, expected, [tq, tk, tv])
    at = {s: point[s] for s in loss.free_symbols}
    assert_gradient_matches(loss, [q[2][0], k[1][3], v[0][1]], at, rtol=RTOL)
    if causal:
        assert not o[0][0].has(*flat(v[1:]))  # the first token sees only itself


def test_attention_derivation_uses_the_softmaxs_jacobian_and_names():
    q, k, v = grid("q", 2, 2), grid("k", 2, 2), grid("v", 2, 2)
    g = sg.Graph()
    o = sg.attention(q, k, v, graph=g)
    g.define("L", o[0][0] + 2 * o[1][1])
    d = sg.derive(g, q[0][0])
    rules = {f.rule.name for s in d.every_step() if hasattr(s, "paths") for p in s.paths for f in p.factors}
    assert "the Softmax rule" in rules
    assert sp.Symbol("a_11") in d.partials[0].body.chain.result.free_symbols


# -- convolution, pooling, embedding --------------------------------------------------------------


def test_conv1d_with_stride_2_and_padding_1_equals_torch():
    x, w, b = grid("x", 2, 5), grid("w", 3, 2, 3), grid("b", 3)
    point = values(x) | values(w) | values(b)
    z = sg.conv1d(x, w, b, stride=2, padding=1)
    tx, tw, tb = tensor(x, point), tensor(w, point), tensor(b, point)
    loss, wrt = check(z, [x, w, b], point, F.conv1d(tx, tw, tb, stride=2, padding=1), [tx, tw, tb])
    assert_gradient_matches(loss, wrt[:3], point, rtol=RTOL)


def test_conv1d_of_one_channel_is_a_flat_list():
    x, w = grid("x", 5), grid("w", 3)
    z = sg.conv1d(x, w, bias=False)
    assert z == [w[0] * x[0] + w[1] * x[1] + w[2] * x[2], w[0] * x[1] + w[1] * x[2] + w[2] * x[3],
                 w[0] * x[2] + w[1] * x[3] + w[2] * x[4]]


def test_conv2d_with_stride_2_and_padding_1_equals_torch():
    x, w, b = grid("x", 2, 4, 5), grid("w", 2, 2, 3, 3), grid("b", 2)
    point = values(x) | values(w) | values(b)
    z = sg.conv2d(x, w, b, stride=2, padding=1)
    tx, tw, tb = tensor(x, point), tensor(w, point), tensor(b, point)
    check(z, [x, w, b], point, F.conv2d(tx, tw, tb, stride=2, padding=1), [tx, tw, tb])


def test_max_pooling_gives_a_ties_gradient_to_the_first_maximum_as_torch():
    x = grid("x", 2, 6)
    point = values(x)
    point[x[0][1]] = point[x[0][0]] = 1.5  # a tie in the first window
    point[x[1][4]] = point[x[1][5]] = -0.25
    tx = tensor(x, point)
    m = sg.max_pool1d(x, 2)
    check(m, [x], point, F.max_pool1d(tx, 2), [tx])
    x2 = grid("y", 4, 4)
    p2 = values(x2)
    p2[x2[0][0]] = p2[x2[1][1]] = p2[x2[0][1]] = 3.0
    t2 = tensor(x2, p2)
    check(sg.max_pool2d(x2, 2), [x2], p2, F.max_pool2d(t2[None], 2)[0], [t2])


def test_average_pooling_equals_torch():
    x = grid("x", 1, 6)
    point = values(x)
    tx = tensor(x, point)
    check(sg.avg_pool1d(x, 3, stride=1), [x], point, F.avg_pool1d(tx, 3, stride=1), [tx])
    x2 = grid("y", 4, 4)
    p2 = values(x2)
    t2 = tensor(x2, p2)
    check(sg.avg_pool2d(x2, 2), [x2], p2, F.avg_pool2d(t2[None], 2)[0], [t2])


def test_embedding_picks_rows_and_its_gradient_accumulates_as_torch():
    e = grid("e", 4, 3)
    point = values(e)
    te = tensor(e, point)
    rows = sg.embedding([2, 0, 2], e)
    assert rows[0] == e[2]
    check(rows, [e], point, F.embedding(torch.tensor([2, 0, 2]), te), [te])


# -- recurrent cells -------------------------------------------------------------------------------


def test_rnn_over_three_steps_equals_torchs_rnn_cell():
    xs = grid("x", 3, 2)
    u, w, b = grid("u", 2, 2), grid("w", 2, 2), grid("b", 2)
    point = values(xs) | values(u) | values(w) | values(b)
    hs = sg.rnn(xs, None, u, w, b)
    cell = torch.nn.RNNCell(2, 2, dtype=torch.float64)
    tx, tu, tw, tb = (tensor(a, point) for a in (xs, u, w, b))
    with torch.no_grad():
        cell.weight_ih.copy_(tu), cell.weight_hh.copy_(tw), cell.bias_ih.copy_(tb), cell.bias_hh.zero_()
    h = torch.zeros(2, dtype=torch.float64)
    for t in range(3):
        h = cell(tx[t], h)
    loss, c = weighted(hs[-1])
    exact = sg.gradient(loss, flat(u) + flat(xs), at=point)
    (h * torch.tensor(c, dtype=torch.float64)).sum().backward()
    want = np.concatenate([cell.weight_ih.grad.reshape(-1).numpy(), tx.grad.reshape(-1).numpy()])
    np.testing.assert_allclose([float(sp.N(v, 30)) for v in exact], want, rtol=RTOL)
    np.testing.assert_allclose([float(sp.N(v.xreplace(point), 30)) for v in hs[-1]], h.detach().numpy(), rtol=RTOL)
    assert_gradient_matches(loss, [w[0][1], u[1][0]], point, rtol=RTOL)


def test_lstm_over_three_steps_equals_torchs_lstm_cell_with_copied_weights():
    xs, H = grid("x", 3, 2), 2
    u, w, b = grid("u", 4 * H, 2), grid("w", 4 * H, H), grid("b", 4 * H)
    point = values(xs) | values(u, low=-1, high=1) | values(w, low=-1, high=1) | values(b)
    g = sg.Graph()
    hs, cs = sg.lstm(xs, None, None, u, w, b, graph=g)
    assert [n.name for n in hs[0]] == ["h1_1", "h1_2"] and g.latex_name(cs[2][1]) == "c_{3,2}"
    cell = torch.nn.LSTMCell(2, H, dtype=torch.float64)
    tx = tensor(xs, point)
    with torch.no_grad():
        cell.weight_ih.copy_(tensor(u, point)), cell.weight_hh.copy_(tensor(w, point))
        cell.bias_ih.copy_(tensor(b, point)), cell.bias_hh.zero_()
    h = c = torch.zeros(H, dtype=torch.float64)
    for t in range(3):
        h, c = cell(tx[t], (h, c))
    loss, coefficients = weighted(hs[-1] + cs[-1])
    g.define("L", loss)
    wrt = flat(u) + flat(w) + flat(b) + flat(xs)
    # the symbolic walk compiled to float64 (exact values of three nested steps are needlessly slow)
    output, gradient = sg.compile_gradient(sg.backward(g, wrt))({s.name: v for s, v in point.items()})
    torch_loss = (torch.cat([h, c]) * torch.tensor(coefficients, dtype=torch.float64)).sum()
    torch_loss.backward()
    want = np.concatenate([cell.weight_ih.grad.reshape(-1).numpy(), cell.weight_hh.grad.reshape(-1).numpy(),
                           cell.bias_ih.grad.numpy(), tx.grad.reshape(-1).numpy()])
    np.testing.assert_allclose(np.array(gradient, dtype=float), want, rtol=RTOL, atol=1e-13)
    assert float(output) == pytest.approx(torch_loss.item(), rel=RTOL)
    assert_gradient_matches(g.expand(), [u[5][0], w[0][1], b[7], xs[0][0]], point,
                            methods=("torch", "finite_difference"), rtol=RTOL)


# -- derivations and bad input -----------------------------------------------------------------------


def test_a_cell_creates_its_weights_when_left_out():
    x = sp.Symbol("x")
    assert sg.rnn_cell([x], [0]) == [sp.tanh(sp.Symbol("b_1") + sp.Symbol("u_11") * x)]


def test_layers_name_their_intermediates_in_a_graph():
    g = sg.Graph()
    y = sg.batch_norm(grid("x", 2, 2), graph=g)
    assert [n.name for n in g.nodes][:3] == ["sigma_1", "xhat_11", "y_11"]
    assert g.latex_name(sp.Symbol("xhat_21")) == r"\hat{x}_{21}" and y[1][0] == sp.Symbol("y_21")


@pytest.mark.parametrize("build, error, message", [
    (lambda: sg.batch_norm([[1, 2], [3]]), ShapeError, "batch_norm: the input must be rectangular"),
    (lambda: sg.batch_norm([1, 2]), ShapeError, "batch_norm: the input must be nested 2 deep"),
    (lambda: sg.batch_norm([[1, 2]], eps=-1), SymgradError, "eps must be a number of at least 0"),
    (lambda: sg.dropout([1, 2], [1, 2], 0.5), SymgradError, r"mask holds 2 at \(2,\)"),
    (lambda: sg.dropout([1, 2], [1], 0.5), ShapeError, r"the mask has shape \(1,\) but the input \(2,\)"),
    (lambda: sg.dropout([1], [1], 1), SymgradError, r"p must be a number in \[0, 1\)"),
    (lambda: sg.attention([[1, 2]], [[1]], [[1]]), ShapeError, "q has 2 columns but k has 1"),
    (lambda: sg.conv1d([1, 2], [1, 2, 3]), ShapeError, "a kernel of 3 does not fit an input of 2"),
    (lambda: sg.conv1d([[1, 2, 3]], [[[1, 2]], [[1, 2]]], bias=[1]), ShapeError, "1 biases for 2 output channels"),
    (lambda: sg.conv2d([[1, 2], [3, 4]], [[1]], stride=0), ShapeError, "stride must be at least 1"),
    (lambda: sg.embedding([4], [[1], [2]]), ShapeError, "index 4 is out of range for 2 embeddings"),
    (lambda: sg.rnn([[1]]), SymgradError, "rnn needs hidden_size=, h0= or weight_hh="),
    (lambda: sg.lstm_cell([1], [0], [0, 1]), ShapeError, "lstm_cell: h has 1 units but c has 2"),
    (lambda: sg.rnn_cell([1], [0], weight_ih=[[1, 2]]), ShapeError, r"weight_ih has shape \(1, 2\), expected \(1, 1\)"),
    (lambda: sg.max_pool1d([1, 2, 3], 0), ShapeError, "kernel_size must be a whole number of at least 1"),
])
def test_bad_input_is_one_clear_error(build, error, message):
    with pytest.raises(error, match=message):
        build()
