r"""The one table of matrix-form rules: for each operation, its forward map and, per input, the
backward map that turns the consumer's adjoint $\delta = \partial\mathcal L/\partial(\text{output})$
into that input's share of $\partial\mathcal L/\partial(\text{input})$. The linear layer and the
losses are written here; each activation's rule is read from its registered operation
(:func:`~symgrad.core.operations.matrix_activations`): an element-wise one is
$\delta \odot f'(Z)$, a row-wise one (softmax) brings its own backward map.

Each map is written once, over an *algebra* ``xp`` (:mod:`.arrays` computes it in NumPy, in place;
:mod:`.exact` computes it with SymPy matrices, entry by entry). The math is also kept as LaTeX
templates (data, for a renderer): ``$delta`` is the consumer's adjoint, ``$out`` its value,
``$scale`` a loss's reduction factor (a dropout's ``1 / (1 - p)``), and every other ``$name`` one of
the rule's ``roles``.

A loss is always a derivation's output, so its own adjoint is 1 and its backward maps do not
take one. ``mean`` divides by the number of rows (``nll``, ``cross_entropy``) or of entries
(``mse``, ``bce_with_logits``), as torch's losses do.
"""

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import sympy

from ..core.operations import RowWise, matrix_activations, operation
from ..explain.notation import NOTATION
from .graph import ENTRY_LOSSES, entry_term

__all__ = ["Rule", "RULES", "FUSED", "loss_scale", "rule_of"]


@dataclass(frozen=True)
class Rule:
    """An operation's forward and backward maps, with their math as LaTeX templates.

    ``forward(xp, node, inputs, out)`` returns the node's value; ``backward[role](xp, node, delta,
    value, inputs, out)`` returns the role's share of the adjoint. ``out`` is a buffer to write into
    (or None). ``per`` is what a loss's mean divides by: ``"rows"`` or ``"entries"``.
    """

    roles: tuple
    forward: Callable
    backward: Mapping
    latex_forward: str
    latex_backward: Mapping
    per: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "backward", MappingProxyType(dict(self.backward)))
        object.__setattr__(self, "latex_backward", MappingProxyType(dict(self.latex_backward)))


def loss_scale(xp, node, value):
    """The factor a loss's reduction multiplies its sum by: 1/rows or 1/entries for mean, 1 for sum."""
    if node.option("reduction") == "sum":
        return xp.number(1)
    per_rows = RULES[node.op].per == "rows" or node.option("reduction") == "batchmean"  # kl_div's
    count = xp.rows(value) if per_rows else xp.size(value)
    return xp.reciprocal(count)


@functools.lru_cache(maxsize=64)
def _activation(op):
    """The rule of a registered activation: row-wise by its own maps, or element-wise ``out = f(Z)``,
    ``dZ = delta * f'(Z)`` (f' given over the algebra, where it may use ``out``, else the exact one)."""
    facet = op.matrix
    if isinstance(facet, RowWise):
        return Rule(
            roles=("Z",),
            forward=lambda xp, node, ins, out: facet.forward(xp, ins[0], out),
            backward={"Z": lambda xp, node, delta, value, ins, out: facet.backward(xp, delta, value, ins[0], out)},
            latex_forward=r"$out = %s($Z)" % facet.latex,
            latex_backward={"Z": facet.latex_backward},
        )
    derivative = facet.derivative or (lambda xp, z, value: xp.derivative(op, z))
    return Rule(
        roles=("Z",),
        forward=lambda xp, node, ins, out: xp.apply(op, ins[0], out, node.options),
        # a node's settings other than the defaults (its options): the exact derivative with them
        backward={"Z": lambda xp, node, delta, value, ins, out: xp.mul(
            delta, xp.derivative(op, ins[0], None, node.options) if node.options else derivative(xp, ins[0], value),
            out)},
        latex_forward=r"$out = %s($Z)" % facet.latex,
        latex_backward={"Z": r"$delta \odot %s" % facet.latex_derivative},
    )


@functools.lru_cache(maxsize=128)
def _printed_activation(op, settings):
    r"""An element-wise activation's rule printed with its settings: its application and its exact
    derivative, in symgrad's notation (``\operatorname{leakyrelu}\left($Z, \frac{1}{5}\right)``)."""
    z = sympy.Dummy("z", real=True)
    application = op.function(z, **dict(settings))
    return dataclasses.replace(
        _activation(op), latex_forward=r"$out = %s" % _latex(application, {z: "Z"}),
        latex_backward={"Z": r"$delta \odot \left(%s\right)" % _latex(op.partial(application, 0), {z: "Z"})})


def _scaled(unscaled, factor=1):
    """A loss's backward map: ``factor * scale * unscaled(xp, inputs, out)``."""
    return lambda xp, node, delta, value, ins, out: xp.scale(unscaled(xp, ins, out),
                                                             factor * loss_scale(xp, node, ins[0]), out)


def _probabilities(xp, ins, out):
    """softmax(Z) of a cross-entropy's operands ``(Z, y)``, or of ``(Z, y, log_softmax(Z))`` when
    the walk fused an nll with the log_softmax below it: then from that log_softmax's value."""
    return xp.softmax(ins[0], out) if len(ins) == 2 else xp.softmax_of_log(ins[0], ins[2], out)


def _mse(xp, node, ins, out):
    error = xp.sub(ins[0], ins[1])
    return xp.scale(xp.total(xp.mul(error, error)), loss_scale(xp, node, ins[0]))


def _nll(xp, node, ins, out):
    return xp.scale(xp.pick(ins[0], ins[1]), -loss_scale(xp, node, ins[0]))


def _cross_entropy(xp, node, ins, out):
    return xp.scale(xp.pick(xp.log_softmax(ins[0]), ins[1]), -loss_scale(xp, node, ins[0]))


def _bce_with_logits(xp, node, ins, out):
    z, y = ins
    return xp.scale(xp.total(xp.sub(xp.apply(operation("softplus"), z), xp.mul(y, z))), loss_scale(xp, node, z))


LINEAR = MappingProxyType({
    "linear": Rule(
        roles=("A", "W", "b"),
        forward=lambda xp, node, ins, out: xp.affine(ins[0], ins[1], ins[2] if len(ins) > 2 else None, out),
        backward={
            "A": lambda xp, node, delta, value, ins, out: xp.matmul(delta, ins[1], out),
            "W": lambda xp, node, delta, value, ins, out: xp.matmul_tn(delta, ins[0], out),
            "b": lambda xp, node, delta, value, ins, out: xp.sum_rows(delta, out),
        },
        latex_forward=r"$out = $A $W^\top + \mathbf{1} $b^\top",
        latex_backward={"A": r"$delta $W", "W": r"$delta^\top $A", "b": r"$delta^\top \mathbf{1}"},
    ),
})

def _kept(xp, node, mask):
    """A dropout's mask scaled as torch scales it: ``M / (1 - p)`` (0 or ``1/(1-p)``)."""
    return xp.kept(mask, node.option("p"))


# Dropout, as torch's CPU kernel computes it: ``Z * (M / (1 - p))``, and ``delta * (M / (1 - p))`` back.
DROPOUT = MappingProxyType({
    "dropout": Rule(
        roles=("Z", "M"),
        forward=lambda xp, node, ins, out: xp.mul(ins[0], _kept(xp, node, ins[1]), out),
        backward={"Z": lambda xp, node, delta, value, ins, out: xp.mul(delta, _kept(xp, node, ins[1]), out)},
        latex_forward=r"$out = $scale $Z \odot $M",
        latex_backward={"Z": r"$scale $delta \odot $M"},
    ),
})


def _norm_axis(node):
    """The axis a normalisation's statistics run over: the batch (0), each row's features (1), or the
    samples and pixels of each channel (0, 2, 3: BatchNorm2d's)."""
    return {"batch_norm": 0, "batch_norm2d": (0, 2, 3)}.get(node.op, 1)


def _per_channel(xp, node, v):
    """gamma or beta as it multiplies or shifts the input: a row's ``k`` entries, or over images one
    value per channel (``C x 1 x 1``)."""
    return xp.channels(v) if node.op == "batch_norm2d" else v


def _summed(xp, node, a, out):
    """The sum of ``a`` into one entry per feature: over the rows, or over images the samples and pixels."""
    return xp.sum_images(a, out) if node.op == "batch_norm2d" else xp.sum_rows(a, out)


def _standardized(xp, node, ins):
    return xp.standardized(ins[0], node.option("eps"), _norm_axis(node))


def _norm_input_adjoint(xp, node, delta, value, ins, out):
    r"""With $G = \delta \odot \mathbf 1 \gamma^\top$ (the adjoint of $\hat X$), each group's
    $(G - \operatorname{mean} G - \hat X \odot \operatorname{mean}(G \odot \hat X)) / \sigma$,
    the means over the group (a column for batch norm, a row for layer norm, the N H W entries of a
    channel for BatchNorm2d)."""
    axis, (xhat, sigma) = _norm_axis(node), _standardized(xp, node, ins)
    g = xp.mul(delta, _per_channel(xp, node, ins[1]))
    centred = xp.sub(g, xp.mean_over(g, axis))
    return xp.divide(xp.sub(centred, xp.mul(xhat, xp.mean_over(xp.mul(g, xhat), axis))), sigma, out)


def _norm_rule(latex_forward, latex_input, latex_affine=r"\odot \mathbf{1} $gamma^\top + \mathbf{1} $beta^\top",
               latex_gamma=r"\operatorname{diag}\left(\hat{$X}^\top $delta\right)",
               latex_beta=r"$delta^\top \mathbf{1}"):
    """A normalisation's rule: the standardized input (``latex_forward``) scaled by gamma and shifted by
    beta (``latex_affine``), and the adjoints of its input, gamma and beta."""
    return Rule(
        roles=("X", "gamma", "beta"),
        forward=lambda xp, node, ins, out: xp.add(xp.mul(_standardized(xp, node, ins)[0],
                                                         _per_channel(xp, node, ins[1])),
                                                  _per_channel(xp, node, ins[2]), out),
        backward={
            "X": _norm_input_adjoint,
            "gamma": lambda xp, node, delta, value, ins, out: _summed(
                xp, node, xp.mul(delta, _standardized(xp, node, ins)[0]), out),
            "beta": lambda xp, node, delta, value, ins, out: _summed(xp, node, delta, out),
        },
        latex_forward=r"$out = %s %s" % (latex_forward, latex_affine),
        latex_backward={"X": latex_input, "gamma": latex_gamma, "beta": latex_beta},
    )


# Batch norm's statistics are each column's over the batch (mu, sigma: 1 x k), layer norm's each
# row's over its D features (N x 1); eps is under the root of sigma. Batch norm's input adjoint is
# printed in CS231n's compact form.
NORMALISATION = MappingProxyType({
    "batch_norm": _norm_rule(
        r"\frac{$X - \mathbf{1} \mu^\top}{\mathbf{1} \sigma^\top}",
        r"\frac{1}{N} \frac{\mathbf{1} $gamma^\top}{\mathbf{1} \sigma^\top} \odot \left(N $delta - "
        r"\mathbf{1} \mathbf{1}^\top $delta - \hat{$X} \odot \mathbf{1} \mathbf{1}^\top \left($delta \odot "
        r"\hat{$X}\right)\right)"),
    "layer_norm": _norm_rule(
        r"\frac{$X - \mu \mathbf{1}^\top}{\sigma \mathbf{1}^\top}",
        r"\frac{1}{D} \frac{1}{\sigma \mathbf{1}^\top} \odot \left(D G - G \mathbf{1} \mathbf{1}^\top - "
        r"\hat{$X} \odot \left(G \odot \hat{$X}\right) \mathbf{1} \mathbf{1}^\top\right), \quad G = $delta "
        r"\odot \mathbf{1} $gamma^\top"),
    # BatchNorm2d: mu, sigma, gamma, beta per channel (C), broadcast over its M = N H W entries; the
    # input adjoint in CS231n's compact form over those entries.
    "batch_norm2d": _norm_rule(
        r"\frac{$X - \mu}{\sigma}",
        r"\frac{1}{M} \frac{$gamma}{\sigma} \odot \left(M $delta - \textstyle\sum_{n,i,j} $delta - \hat{$X} "
        r"\odot \textstyle\sum_{n,i,j} \left($delta \odot \hat{$X}\right)\right)",
        r"\odot $gamma + $beta",
        r"\textstyle\sum_{n,i,j}\left($delta \odot \hat{$X}\right)", r"\textstyle\sum_{n,i,j} $delta"),
})

def _bias(ins):
    return ins[2] if len(ins) > 2 else None


# The image layers (NCHW). $A \star $W is the cross-correlation with stride s and zero padding p,
# $delta \star_{\text{full}} \operatorname{rot180}(W)^\top the transposed convolution (the adjoint
# spread s apart, padded by k - 1, correlated with the kernel flipped, its channels swapped).
IMAGES = MappingProxyType({
    "conv2d": Rule(
        roles=("A", "W", "b"),
        forward=lambda xp, node, ins, out: xp.conv2d(ins[0], ins[1], _bias(ins), node.option("stride"),
                                                     node.option("padding"), out),
        backward={
            "A": lambda xp, node, delta, value, ins, out: xp.conv2d_input(
                delta, ins[1], xp.shape(ins[0]), node.option("stride"), node.option("padding"), out),
            "W": lambda xp, node, delta, value, ins, out: xp.conv2d_weight(
                delta, ins[0], xp.shape(ins[1])[2:], node.option("stride"), node.option("padding"), out),
            "b": lambda xp, node, delta, value, ins, out: xp.sum_images(delta, out),
        },
        latex_forward=r"$out = $A \star $W + $b",
        latex_backward={"A": r"$delta \star_{\mathrm{full}} \operatorname{rot180}($W)^\top",
                        "W": r"$A \star $delta", "b": r"\textstyle\sum_{n,i,j} $delta"},
    ),
    "max_pool2d": Rule(
        roles=("A",),
        forward=lambda xp, node, ins, out: xp.max_pool2d(ins[0], node.option("kernel"), node.option("stride"), out),
        backward={"A": lambda xp, node, delta, value, ins, out: xp.max_pool2d_input(
            delta, ins[0], node.option("kernel"), node.option("stride"), out, maximum=value)},
        latex_forward=r"$out = \operatorname{maxpool}($A)",
        latex_backward={"A": r"\operatorname{unpool}_{\arg\max}($delta)"},
    ),
    "avg_pool2d": Rule(
        roles=("A",),
        forward=lambda xp, node, ins, out: xp.avg_pool2d(ins[0], node.option("kernel"), node.option("stride"), out),
        backward={"A": lambda xp, node, delta, value, ins, out: xp.avg_pool2d_input(
            delta, xp.shape(ins[0]), node.option("kernel"), node.option("stride"), out)},
        latex_forward=r"$out = \operatorname{avgpool}($A)",
        latex_backward={"A": r"\operatorname{unpool}_{1/k^2}($delta)"},
    ),
    "flatten": Rule(
        roles=("A",),
        forward=lambda xp, node, ins, out: xp.reshape(ins[0], node.shape, out),
        backward={"A": lambda xp, node, delta, value, ins, out: xp.reshape(delta, node.inputs[0].shape, out)},
        latex_forward=r"$out = \operatorname{flatten}($A)",
        latex_backward={"A": r"\operatorname{reshape}($delta)"},
    ),
})

def _root(xp, node):
    """Attention's scale ``1 / sqrt(d)``, ``d`` the width of the queries."""
    return xp.inverse_root(node.inputs[0].shape[1])


# Embedding and one head of self-attention over the N rows of a batch as one sequence. An embedding
# picks rows, W[idx] = onehot(idx) W; its gradient is the scatter-add of delta's rows (the tokens have
# no adjoint). Attention is S = Q K^T / sqrt(d), P = softmax(S) (the row-wise rule of softmax), O = P V.
SEQUENCES = MappingProxyType({
    "embedding": Rule(
        roles=("x", "W"),
        forward=lambda xp, node, ins, out: xp.gather(ins[1], ins[0], out),
        backward={"W": lambda xp, node, delta, value, ins, out: xp.scatter_rows(delta, ins[0], ins[1], out)},
        latex_forward=r"$out = \operatorname{onehot}($x) $W",
        latex_backward={"W": r"\operatorname{onehot}($x)^\top $delta"},
    ),
    "scores": Rule(
        roles=("Q", "K"),
        forward=lambda xp, node, ins, out: xp.scale(xp.affine(ins[0], ins[1], None, out), _root(xp, node), out),
        backward={
            "Q": lambda xp, node, delta, value, ins, out: xp.scale(xp.matmul(delta, ins[1], out), _root(xp, node), out),
            "K": lambda xp, node, delta, value, ins, out: xp.scale(xp.matmul_tn(delta, ins[0], out), _root(xp, node),
                                                                   out),
        },
        latex_forward=r"$out = \frac{1}{\sqrt{d}} $Q $K^\top",
        latex_backward={"Q": r"\frac{1}{\sqrt{d}} $delta $K", "K": r"\frac{1}{\sqrt{d}} $delta^\top $Q"},
    ),
    "mix": Rule(
        roles=("P", "V"),
        forward=lambda xp, node, ins, out: xp.matmul(ins[0], ins[1], out),
        backward={
            "P": lambda xp, node, delta, value, ins, out: xp.affine(delta, ins[1], None, out),
            "V": lambda xp, node, delta, value, ins, out: xp.matmul_tn(ins[0], delta, out),
        },
        latex_forward=r"$out = $P $V",
        latex_backward={"P": r"$delta $V^\top", "V": r"$P^\top $delta"},
    ),
})

LOSS_RULES = MappingProxyType({
    "mse": Rule(
        roles=("P", "Y"),
        forward=_mse,
        backward={"P": _scaled(lambda xp, ins, out: xp.sub(ins[0], ins[1], out), 2)},
        latex_forward=r"$out = $scale \sum_{n,j} \left($P - $Y\right)_{nj}^2",
        latex_backward={"P": r"2 $scale \left($P - $Y\right)"},
        per="entries",
    ),
    "nll": Rule(
        roles=("P", "y"),
        forward=_nll,
        backward={"P": _scaled(lambda xp, ins, out: xp.onehot(ins[1], ins[0], out), -1)},
        latex_forward=r"$out = -$scale \sum_n \left($P\right)_{n, y_n}",
        latex_backward={"P": r"-$scale \operatorname{onehot}($y)"},
        per="rows",
    ),
    "cross_entropy": Rule(
        roles=("Z", "y"),
        forward=_cross_entropy,
        backward={"Z": _scaled(lambda xp, ins, out: xp.sub_onehot(_probabilities(xp, ins, out), ins[1], out))},
        latex_forward=r"$out = -$scale \sum_n \left(\log\operatorname{softmax}($Z)\right)_{n, y_n}",
        latex_backward={"Z": r"$scale \left(\operatorname{softmax}($Z) - \operatorname{onehot}($y)\right)"},
        per="rows",
    ),
    "bce_with_logits": Rule(
        roles=("Z", "Y"),
        forward=_bce_with_logits,
        backward={"Z": _scaled(lambda xp, ins, out: xp.sub(xp.apply(operation("sigmoid"), ins[0], out), ins[1],
                                                           out))},
        latex_forward=r"$out = $scale \sum_{n,j} \left(\operatorname{softplus}($Z) - $Y \odot $Z\right)_{nj}",
        latex_backward={"Z": r"$scale \left(\sigma($Z) - $Y\right)"},
        per="entries",
    ),
})


def _term(node):
    """Scalar mode's loss of one entry, for a loss node of :data:`~.graph.ENTRY_LOSSES` and its settings."""
    return entry_term(node.op, node.options[1:])


def _entry_loss_rule(latex_term=r"\ell($P, $Y)", latex_slope=r"\ell'($P, $Y)"):
    """An element-wise loss: ``scale * sum_nj term(P_nj, Y_nj)``, and ``dP = scale * term'(P, Y)``
    (its derivative in the prediction, entry by entry), the term read from scalar mode."""
    return Rule(
        roles=("P", "Y"),
        forward=lambda xp, node, ins, out: xp.scale(xp.total(xp.entrywise(_term(node), ins[0], ins[1])),
                                                    loss_scale(xp, node, ins[0])),
        backward={"P": lambda xp, node, delta, value, ins, out: xp.scale(
            xp.entrywise(_term(node), ins[0], ins[1], True, out), loss_scale(xp, node, ins[0]), out)},
        latex_forward=r"$out = $scale \sum_{n,j} %s_{nj}" % latex_term,
        latex_backward={"P": r"$scale %s" % latex_slope},
        per="entries",
    )


# Scalar mode's element-wise losses (symgrad.core.losses): each entry's term is scalar mode's own; a
# node's rule (:func:`rule_of`) prints that term and its derivative with the node's settings.
ENTRY_LOSS_RULES = MappingProxyType({kind: _entry_loss_rule() for kind in ENTRY_LOSSES})


def _latex(expr, roles):
    """The LaTeX of ``expr`` (in symgrad's notation) with each symbol of ``roles`` (symbol -> role)
    printed as that role's template name, ``$P``."""
    placeholders = {s: sympy.Symbol(f"ROLEPLACEHOLDER{role}") for s, role in roles.items()}
    latex = NOTATION.expression(expr.xreplace(placeholders))
    for role in roles.values():
        latex = latex.replace(f"ROLEPLACEHOLDER{role}", "$" + role)
    return latex


@functools.lru_cache(maxsize=128)
def _printed_entry_loss(kind, settings):
    p, y = sympy.Dummy("p", real=True), sympy.Dummy("y", real=True)
    term = entry_term(kind, settings)
    if term.signs is not None:  # a branch for each target's value: [Y = 1] (...) + [Y = -1] (...)
        def branches(f):
            return r"\left(%s\right)" % " + ".join(r"\left[$Y = %d\right] \left(%s\right)" % (
                sign, _latex(f(term(p, sign)), {p: "P"})) for sign in term.signs)

        return _entry_loss_rule(branches(lambda e: e), branches(lambda e: sympy.diff(e, p)))
    names = {p: "P", y: "Y"}
    return _entry_loss_rule(r"\left(%s\right)" % _latex(term(p, y), names),
                            r"\left(%s\right)" % _latex(sympy.diff(term(p, y), p), names))


def rule_of(op, node):
    """The rule ``op`` as it is printed for ``node``: :data:`RULES`'s, but with the node's settings
    in its LaTeX where it has some (an element-wise loss's term, an activation's settings)."""
    if op in ENTRY_LOSSES and op == node.op:
        return _printed_entry_loss(op, node.options[1:])
    if op == node.op and node.options and op in matrix_activations():
        return _printed_activation(matrix_activations()[op], node.options)
    return RULES[op]


class _Rules(Mapping):
    """The linear layer's rule, dropout's, the normalisations', the image layers', each registered
    activation's (read from the registry at each lookup, so an operation registered later has its rule
    too), the losses' and the sequences' (embedding, attention's scores and mix), in that order."""

    def __getitem__(self, op):
        for fixed in (LINEAR, DROPOUT, NORMALISATION, IMAGES, LOSS_RULES, ENTRY_LOSS_RULES, SEQUENCES):
            if op in fixed:
                return fixed[op]
        activation = matrix_activations().get(op)
        if activation is None:
            raise KeyError(op)
        return _activation(activation)

    def __iter__(self):
        yield from LINEAR
        yield from DROPOUT
        yield from NORMALISATION
        yield from IMAGES
        yield from matrix_activations()
        yield from LOSS_RULES
        yield from ENTRY_LOSS_RULES
        yield from SEQUENCES

    def __len__(self):
        return (len(LINEAR) + len(DROPOUT) + len(NORMALISATION) + len(IMAGES) + len(matrix_activations())
                + len(LOSS_RULES) + len(ENTRY_LOSS_RULES) + len(SEQUENCES))


RULES = _Rules()

# Pairs whose backward maps compose into one rule: (inner op, loss op) -> the rule of the pair.
# nll(log_softmax(Z)) is cross_entropy(Z): its adjoint of Z is scale * (softmax(Z) - onehot(y)).
FUSED = MappingProxyType({("log_softmax", "nll"): "cross_entropy"})
