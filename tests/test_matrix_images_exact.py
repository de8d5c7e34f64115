"""The image layers' matrix rules held exactly against scalar mode: on small N x C x H x W batches,
every adjoint of conv2d (input, kernel, bias), max and average pooling and flatten that the rules give in
exact mode (SymPy arrays) equals, entry by entry, the scalar engine's derivative of symgrad's scalar
conv2d / pooling (core.layers) of each image; and a small conv net's exact gradient equals the scalar
graph's. Symbols where the derivative is a polynomial (``expand(a - b) == 0``), rational points where
max pooling's brackets decide (``==`` of rationals)."""

import itertools

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.activations import step
from symgrad.matrix import (Activation, AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, Network, derive, evaluate,
                            exact)
from symgrad.matrix import graph as mg
from symgrad.matrix.rules import RULES

N = 2


def _symbols(name, shape):
    return sp.ImmutableDenseNDimArray([sp.Symbol(f"{name}_{'_'.join(map(str, i))}")
                                       for i in itertools.product(*map(range, shape))], shape)


def _rationals(shape, seed, denominator=3):
    """Rationals k / denominator, k in -6..6: small, so pooling windows have ties."""
    values = np.random.default_rng(seed).integers(-6, 7, size=shape)
    return sp.ImmutableDenseNDimArray([sp.Rational(int(v), denominator) for v in values.ravel()], shape)


def _flat(a):
    return sp.flatten(a.tolist())


def _scalar_walk(outputs, delta, wrt):
    """The scalar engine's walk of ``sum(delta * outputs)`` (nested lists, one per image) to ``wrt``."""
    loss = sp.Add(*[d * y for d, y in zip(_flat(delta), sp.flatten(outputs))])
    return sg.backward(sg.Graph.from_expression(loss), wrt)


def _share(op, role, node, delta, ins):
    """The rule's backward map of ``role`` in exact mode."""
    value = RULES[op].forward(exact, node, ins, None)
    return RULES[op].backward[role](exact, node, delta, value, ins, None)


def _assert_expands_equal(mine, expected, what):
    assert len(mine) == len(expected)
    for k, (a, b) in enumerate(zip(mine, expected)):
        assert sp.expand(a - b) == 0, f"{what}, entry {k}: {a} != {b}"


CONVS = [(c_in, c_out, size, kernel, stride, padding, bias)
         for (c_in, c_out, size, kernel) in [(1, 2, 4, 3), (2, 2, 5, 2), (2, 1, 5, 3)]
         for stride, padding in [(1, 0), (2, 0), (1, 1), (2, 1)]
         for bias in (True, False)]


@pytest.mark.parametrize("c_in, c_out, size, kernel, stride, padding, bias", CONVS,
                         ids=["c{}-o{}-{}x{}-k{}-s{}-p{}-{}".format(c, o, n, n, k, s, p, "bias" if b else "nobias")
                              for c, o, n, k, s, p, b in CONVS])
def test_conv2d_adjoints_are_the_scalar_derivatives(c_in, c_out, size, kernel, stride, padding, bias):
    """The transposed convolution (input), the correlation with delta (kernel) and delta's sum (bias)
    are d/dX, d/dW, d/db of sum(D * conv2d(X)) in scalar mode, symbol by symbol."""
    x, w = mg.images("X", c_in, size, size), mg.parameter("W", c_out, c_in, kernel, kernel)
    b = mg.parameter("b", c_out) if bias else None
    node = mg.conv2d(x, w, b, stride=stride, padding=padding, name="Z")
    X, W = _symbols("x", (N, c_in, size, size)), _symbols("w", w.shape)
    B = sp.ImmutableMatrix(1, c_out, sp.symbols(f"b_0:{c_out}")) if bias else None
    D = _symbols("d", (N, *node.shape[1:]))
    ins = [X, W] + ([B] if bias else [])
    scalar = [sg.conv2d(image, W.tolist(), list(B) if bias else False, stride=stride, padding=padding)
              for image in X.tolist()]
    assert exact.shape(RULES["conv2d"].forward(exact, node, ins, None)) == (N, *node.shape[1:])
    assert _flat(RULES["conv2d"].forward(exact, node, ins, None)) == sp.flatten(scalar)
    walk = _scalar_walk(scalar, D, _flat(X) + _flat(W) + (list(B) if bias else []))
    gradient = list(walk.gradient)
    for role, value in zip(("A", "W", "b"), (X, W, B)):
        if value is None:
            continue
        share = _share("conv2d", role, node, D, ins)
        assert share.shape == (value.shape if role != "b" else (1, c_out))
        expected, gradient = gradient[:len(_flat(share))], gradient[len(_flat(share)):]
        _assert_expands_equal(_flat(share), expected, f"conv2d's {role}")


POOLS = [(pool, channels, size, kernel, stride) for pool in ("max_pool2d", "avg_pool2d")
         for channels, size in [(1, 4), (2, 5)] for kernel, stride in [(2, 2), (2, 1), (3, 1), (3, 2)]]


def _pool_node(pool, channels, size, kernel, stride):
    return getattr(mg, pool)(mg.images("X", channels, size, size), kernel, stride, name="P")


@pytest.mark.parametrize("pool, channels, size, kernel, stride", POOLS,
                         ids=["-".join(map(str, case)) for case in POOLS])
def test_pooling_adjoints_are_the_scalar_derivatives_at_rational_points(pool, channels, size, kernel, stride):
    """At rational images with ties, the rule's adjoint (each window's delta to its first maximum, or
    delta / k^2 to each pixel) equals the scalar engine's derivative of scalar mode's pooling (max as
    m + relu(v - m) folded along the window) evaluated there, exactly; the forward values agree too."""
    node = _pool_node(pool, channels, size, kernel, stride)
    X, point = _symbols("x", (N, channels, size, size)), _rationals((N, channels, size, size), size + kernel)
    D = _rationals((N, *node.shape[1:]), stride, denominator=2)
    scalar = [getattr(sg, pool)(image, kernel, stride) for image in X.tolist()]
    values = dict(zip(_flat(X), _flat(point)))
    assert _flat(RULES[pool].forward(exact, node, [point], None)) == [e.xreplace(values) for e in sp.flatten(scalar)]
    walk = _scalar_walk(scalar, D, _flat(X))
    assert _flat(_share(pool, "A", node, D, [point])) == list(walk.at(values).gradient)
    if pool == "avg_pool2d":  # linear: the adjoint of symbols is the scalar derivative itself
        _assert_expands_equal(_flat(_share(pool, "A", node, D, [X])), walk.gradient, "avg_pool2d's A")


def test_max_pooling_with_symbols_keeps_the_brackets_and_agrees_at_each_point():
    """With symbolic pixels the adjoint is written with relu's step (0 at 0, so a tie goes to the first
    maximum); at rational points (ties included) it is the scalar derivative's value."""
    node = _pool_node("max_pool2d", 1, 4, 2, 2)
    X, D = _symbols("x", (N, 1, 4, 4)), _rationals((N, 1, 2, 2), 7)
    share = _share("max_pool2d", "A", node, D, [X])
    walk = _scalar_walk([sg.max_pool2d(image, 2, 2) for image in X.tolist()], D, _flat(X))
    for seed in range(3):
        values = dict(zip(_flat(X), _flat(_rationals(X.shape, seed, denominator=1))))
        assert [e.xreplace(values) for e in _flat(share)] == list(walk.at(values).gradient)
    x = _flat(X)
    assert share[0, 0, 0, 1] == D[0, 0, 0, 0] * step(x[1] - x[0]) * (1 - step(x[4] - x[1])) \
        * (1 - step(x[5] - x[1]))


def test_a_tie_sends_the_whole_exact_gradient_to_the_first_maximum():
    node = _pool_node("max_pool2d", 1, 2, 2, 2)
    x = sp.ImmutableDenseNDimArray([sp.Rational(1, 2)] * 4, (1, 1, 2, 2))
    share = _share("max_pool2d", "A", node, sp.ImmutableDenseNDimArray([3], (1, 1, 1, 1)), [x])
    assert share.tolist() == [[[[3, 0], [0, 0]]]]


def test_flatten_and_its_adjoint_are_torchs_row_major_order():
    """flatten's N x (C H W) rows read each image channel by channel, row by row, as scalar mode's
    flattened list; its adjoint reshapes the rows' adjoint back: d/dX sum(D * flatten(X)) = D."""
    node = mg.flatten(mg.images("X", 2, 2, 3), name="F")
    X, D = _symbols("x", (N, 2, 2, 3)), sp.ImmutableMatrix(N, 12, sp.symbols("d_0:24"))
    rows = RULES["flatten"].forward(exact, node, [X], None)
    assert rows == sp.ImmutableMatrix([sp.flatten(image) for image in X.tolist()])
    walk = _scalar_walk(sp.flatten(X.tolist()), D, _flat(X))
    share = _share("flatten", "A", node, D, [X])
    assert share.shape == X.shape
    assert _flat(share) == list(walk.gradient) == list(D)


# -- whole networks: the matrix derivation in exact mode against the scalar graph ----------------------


def _scalar_loss(derivation, leaves):
    """The network node by node with scalar mode's layers, image by image and row by row."""
    value = {n: v.tolist() for n, v in leaves.items()}
    for node in derivation.forward:
        ins = [value[i] for i in node.inputs]
        if node.op == "conv2d":
            bias = sp.flatten(ins[2]) if len(ins) > 2 else False
            value[node] = [sg.conv2d(image, ins[1], bias, stride=node.option("stride"), padding=node.option("padding"))
                           for image in ins[0]]
        elif node.op in ("max_pool2d", "avg_pool2d"):
            value[node] = [getattr(sg, node.op)(image, node.option("kernel"), node.option("stride"))
                           for image in ins[0]]
        elif node.op == "flatten":
            value[node] = [sp.flatten(image) for image in ins[0]]
        elif node.op == "linear":
            bias = sp.flatten(ins[2]) if len(ins) > 2 else False
            value[node] = [list(sg.linear(row, sp.Matrix(ins[1]), bias)) for row in ins[0]]
        elif node.op == "mse":
            value[node] = sg.mse(sp.flatten(ins[0]), sp.flatten(ins[1]))
        else:
            value[node] = [[[[getattr(sg, node.op)(e) for e in row] for row in c] for c in image] for image in ins[0]]
    return value[derivation.loss]


def _leaves(derivation, symbolic):
    """Each leaf's value as exact mode takes it: images and kernels as arrays, matrices, biases as
    1 x k rows; symbols or rationals."""
    leaves = {}
    for k, n in enumerate(derivation.leaves):
        shape = tuple(N if d == "N" else d for d in n.shape)
        shape = (1, *shape) if len(shape) == 1 else shape
        value = _symbols(n.name.lower(), shape) if symbolic else _rationals(shape, k, denominator=4)
        leaves[n] = sp.ImmutableMatrix(value.tolist()) if len(shape) == 2 else value
    return leaves


def _with_the_input(network):
    """The derivation of the network's mean squared error to its parameters and its images X."""
    loss = network.loss("mse")
    return derive(loss, ["X", *(w.name for w in derive(loss).wrt)])


NETS = [
    ([Conv2d(1, 2, 3, padding=1), Activation("relu"), MaxPool2d(2), Flatten(), Linear(8, 3)], (1, 4, 4)),
    ([Conv2d(2, 2, 2, stride=2, padding=1, bias=False), Activation("relu"), MaxPool2d(3, 1), Conv2d(2, 1, 1),
      AvgPool2d(2, 2), Flatten(), Linear(1, 2)], (2, 6, 6)),
]


@pytest.mark.parametrize("layers, shape", NETS, ids=["conv-relu-maxpool-linear", "two-convs-both-pools"])
def test_a_conv_nets_exact_gradient_is_the_scalar_graphs_at_a_rational_point(layers, shape):
    network = Network(layers, shape)
    derivation = _with_the_input(network)
    symbols, point = _leaves(derivation, True), _leaves(derivation, False)
    matrix = evaluate(derivation, exact, point)
    walk = sg.backward(sg.Graph.from_expression(_scalar_loss(derivation, symbols)),
                       [s for w in derivation.wrt for s in _flat(symbols[w])])
    values = {s: v for n in derivation.leaves for s, v in zip(_flat(symbols[n]), _flat(point[n]))}
    at = walk.at(values)
    assert matrix.loss == at.output
    expected = iter(at.gradient)
    for w in derivation.wrt:
        mine = _flat(matrix.gradient(w))
        assert all(isinstance(e, sp.Rational) for e in mine)
        assert mine == [next(expected) for _ in mine], f"dL/d{w.name}"
    assert any(e != 0 for e in _flat(matrix.gradient(derivation.node("X"))))


def test_a_conv_nets_symbolic_gradient_expands_to_the_scalar_graphs():
    """Conv2d -> tanh -> AvgPool2d -> Flatten -> Linear, every leaf a symbol: the matrix rules' gradient
    (tanh's as 1 - out * out) and the scalar graph's expand to the same expressions."""
    network = Network([Conv2d(1, 1, 2, stride=2), Activation("tanh"), AvgPool2d(2, 1), Flatten(), Linear(1, 2)],
                      (1, 5, 5))
    derivation = _with_the_input(network)
    leaves = _leaves(derivation, True)
    matrix = evaluate(derivation, exact, leaves)
    loss = _scalar_loss(derivation, leaves)
    assert sp.expand(matrix.loss - loss) == 0
    walk = sg.backward(sg.Graph.from_expression(loss), [s for w in derivation.wrt for s in _flat(leaves[w])])
    expected = iter(walk.gradient)
    for w in derivation.wrt:
        mine = _flat(matrix.gradient(w))
        _assert_expands_equal(mine, [next(expected) for _ in mine], f"dL/d{w.name}")
