"""Hypothesis strategies: random models built from symgrad's vocabulary, with points away from
singularities (probabilities strictly inside (0, 1), relu arguments away from its kink)."""

from dataclasses import dataclass

import sympy as sp
from hypothesis import assume
from hypothesis import strategies as st

import symgrad as sg

ACTIVATIONS = {
    "sigmoid": sg.sigmoid,
    "tanh": sg.tanh,
    "relu": sg.relu,
    "softplus": sg.softplus,
    "identity": lambda z: z,
}
LOSSES = ("mse", "sse", "bce", "bce_with_logits", "cross_entropy", "nll")


@dataclass(frozen=True)
class Model:
    """A random network: its loss, its parameters and a point giving every leaf a value."""

    loss: sp.Expr
    parameters: tuple
    point: dict
    description: str


def _rationals(low, high, denominator=8):
    return st.integers(low * denominator, high * denominator).map(lambda n: sp.Rational(n, denominator))


@st.composite
def models(draw, max_depth=3, max_width=3):
    """A network of 1-3 dense layers (widths 1-3, an activation each) and a loss on its outputs."""
    n_inputs = draw(st.integers(1, 3))
    loss_name = draw(st.sampled_from(LOSSES))
    depth = draw(st.integers(1, max_depth))
    n_out = draw(st.integers(2, 3)) if loss_name in ("cross_entropy", "nll") else draw(st.integers(1, 2))
    widths = [draw(st.integers(1, max_width)) for _ in range(depth - 1)] + [n_out]
    xs = sp.symbols(f"x1:{n_inputs + 1}")
    point = {x: draw(_rationals(-2, 2)) for x in xs}
    layer_in, parameters, parts = list(xs), [], []
    for depth_index, width in enumerate(widths):
        layer = sg.linear(layer_in, out_features=width, weight_name=f"w{depth_index + 1}",
                          bias_name=f"b{depth_index + 1}")
        point.update({p: draw(_rationals(-3, 3)) for p in layer.parameters})
        parameters += layer.parameters
        last = depth_index == len(widths) - 1
        name = "identity" if last and loss_name in ("bce_with_logits", "cross_entropy") else draw(
            st.sampled_from(sorted(ACTIVATIONS)))
        if name == "relu":  # no pre-activation at (or too near) the kink, where no derivative exists
            assume(all(abs(z.xreplace(point)) > sp.Rational(1, 50) for z in layer))
        layer_in = [ACTIVATIONS[name](z) for z in layer]
        parts.append(f"linear({width})->{name}")
    loss = _loss(draw, loss_name, layer_in, point)
    return Model(loss, tuple(parameters), point, " ".join(parts) + f" -> {loss_name}")


def _loss(draw, name, outputs, point):
    if name in ("mse", "sse"):
        targets = sp.symbols(f"y1:{len(outputs) + 1}")
        point.update({t: draw(_rationals(-2, 2)) for t in targets})
        return getattr(sg, name)(outputs, list(targets))
    if name == "bce":
        probabilities = [sg.sigmoid(o) for o in outputs]
        targets = sp.symbols(f"y1:{len(outputs) + 1}")
        point.update({t: draw(st.sampled_from([0, 1, sp.Rational(1, 4)])) for t in targets})
        return sg.bce(probabilities, list(targets))
    if name == "bce_with_logits":
        targets = sp.symbols(f"y1:{len(outputs) + 1}")
        point.update({t: draw(st.sampled_from([0, 1, sp.Rational(3, 4)])) for t in targets})
        return sg.bce_with_logits(outputs, list(targets))
    target = draw(st.integers(0, len(outputs) - 1))
    if name == "nll":
        return sg.nll(sg.log_softmax(outputs), target)
    return sg.cross_entropy(outputs, target)
