r"""Matrix derivations in LaTeX: the forward pass and the layer-by-layer backward pass of a network,
each row a rule of :data:`~.rules.RULES` with the shape of each factor written under it.

:class:`MatrixRenderer` adds render methods for the matrix steps to the
:class:`~symgrad.explain.latex.LatexRenderer` (dispatch on step class: ``_render_MatrixDerivation``,
``_render_Node`` for a forward row, ``_render_BackwardStep``). Names print in the notation of
:mod:`symgrad.explain.notation` (``W1`` is $W_{1}$, ``L`` is $\mathcal{L}$); $\delta_V$ is
$\partial\mathcal{L}/\partial V$, of the shape of $V$.

A rule's template is cut into factors where its top level has a space. A factor that is one name
(``$W``, ``$delta^\top``) has that node's shape, transposed with it (a kernel turned and transposed,
``\operatorname{rot180}($W)^\top``, has its channels swapped); ``\mathbf{1}`` is a column of
$N$ ones; a number, the loss's scale or an operator has none; any other factor (``\left[$Z > 0\right]``,
``\left(\operatorname{softmax}($Z) - \operatorname{onehot}($y)\right)``) is part of an element-wise
rule and has the shape of the row's result.
"""

import re
from string import Template

import sympy

from ..core.numbers import exact
from ..explain.latex import LatexRenderer
from ..explain.layout import Block, Piece, Row, caption
from .graph import BATCH
from .rules import RULES, rule_of

__all__ = ["MatrixRenderer"]

OPERATORS = {"=", "+", "-", r"\odot", r"\cdot", r"\sum_n", r"\sum_{n,j}"}
ONES = r"\mathbf{1}"
# The names of the rules written here; an activation's rule is named as it is (log_softmax: log-softmax).
RULE_NAMES = {"linear": "linear layer", "conv2d": "convolution", "max_pool2d": "max pooling",
              "avg_pool2d": "average pooling", "mse": "mean squared error", "nll": "NLL", "cross_entropy": "cross-entropy",
              "bce_with_logits": "binary cross-entropy of logits", "batch_norm": "batch norm (training mode)",
              "layer_norm": "layer norm",
              "l1": "L1 loss", "smooth_l1": "smooth L1 loss", "huber": "Huber loss", "kl_div": "KL divergence",
              "poisson_nll": "Poisson NLL", "bce": "binary cross-entropy", "hinge_embedding": "hinge embedding loss",
              "batch_norm2d": "batch norm 2d (training mode)", "scores": "attention scores", "mix": "attention's mix"}
ROLE_NAMES = {"A": "input", "W": "weight", "b": "bias", "X": "input", "gamma": "scale", "beta": "shift"}


def rule_name(op):
    """The name printed beside a row of the rule of ``op``."""
    return RULE_NAMES.get(op, op.replace("_", "-"))


class MatrixRenderer(LatexRenderer):
    """A :class:`~symgrad.explain.latex.LatexRenderer` that also renders matrix derivations."""

    loss = r"\mathcal{L}"  # what adjoints are of: the loss of the derivation rendered last

    def _render_MatrixDerivation(self, derivation):
        self.loss = self.name(derivation.loss)
        first = derivation.leaves[0].shape
        images, tokens = len(first) == 4, derivation.leaves[0].op == "tokens"
        batch = self.shape(first if images else (BATCH, first[-1]))
        sample = "an image" if images else "a token index" if tokens else "a row"
        intro = Block(caption(
            f"Each sample is {sample}, as in PyTorch: a batch ", self.name(derivation.leaves[0]), " is ",
            BATCH if tokens else batch, " token indices" * tokens +
            ", a linear layer computes ", r"Z = A W^\top + \mathbf{1} b^\top", ", and ",
            r"\delta_V = \partial %s / \partial V" % self.loss, " has the shape of ", "V",
            ". The shape of each factor is written under it.", "", *(_convolutions(derivation) if images else ()),
            *_sequences(derivation)), ())
        forward = [row for node in derivation.forward for row in self.render(node)[0].rows]
        backward = [row for step in _parameters_first(derivation.backward) for row in self.render(step)[0].rows]
        return [intro, Block(caption("The forward pass:"), tuple(forward)),
                Block(caption("The backward pass, layer by layer from the loss (the chain rule in matrix form):"),
                      tuple(backward))]

    def _render_Node(self, node):
        """``out = rule(inputs)``, the forward row of an operation node."""
        rule = rule_of(node.op, node)
        bindings = {**dict(zip(rule.roles, node.inputs)), "out": node}
        lhs, rhs = rule.latex_forward.split(" = ", 1)
        row = Row(self.factors(lhs, bindings, node, node), Piece.of(self.factors(rhs, bindings, node, node)))
        return [Block((), (row,))]

    def _render_BackwardStep(self, step):
        r"""``\delta_target = rule_role(...)`` (``+=`` for a later share), the rule named beside it."""
        rule = rule_of(step.rule, step.consumer)
        lhs = self.under(self.adjoint(step.target), step.target.shape)
        rhs = Piece.of(self.factors(rule.latex_backward[step.role], step.bindings, step.target, step.consumer))
        note = rule_name(step.rule) + (f", {ROLE_NAMES[step.role]}" if step.role in ROLE_NAMES else "")
        if step.through:
            fused = ", ".join(rule_name(n.op) for n in step.through)
            note = f"{note} ({rule_name(step.consumer.op)} of {fused})"
        return [Block((), (Row(lhs, rhs, r"\text{%s}" % note, "=" if step.first else r"\mathrel{+}="),))]

    # -- names, shapes, factors --------------------------------------------------------------------

    def name(self, node):
        return self.symbol(sympy.Symbol(node.name))

    def adjoint(self, node):
        r"""$\partial\mathcal{L}/\partial W$ for a parameter, $\delta_Z$ for any other node."""
        if node.op == "parameter":
            return r"\frac{\partial %s}{\partial %s}" % (self.loss, self.name(node))
        return r"\delta_{%s}" % self.name(node)

    def shape(self, shape):
        """A shape in LaTeX: ``N \\times 784``, ``10`` for a vector, nothing for a scalar."""
        return r" \times ".join(map(str, shape))

    def under(self, latex, shape):
        """``latex`` with ``shape`` written under it (in script size), or as it is for a scalar."""
        if not shape:
            return latex
        return r"\underset{%s}{%s}" % (self.shape(shape), latex)

    def factors(self, template, bindings, result, consumer):
        """The template with its names filled in and each factor's shape under it (see the module)."""
        names = {key: self.adjoint(node) if key == "delta" else self.name(node) for key, node in bindings.items()}
        names["scale"] = self.scale(consumer) if consumer.op in RULES and (RULES[consumer.op].per or consumer.op
                                                                           == "dropout") else ""
        factors = _bound(_top_level(template), bindings.keys() | {"scale"})
        out = [(Template(f).substitute(names).strip(), _shape(f, bindings, result)) for f in factors]
        out = [(text, shape) for text, shape in out if text]
        joined = ""
        for i, (text, shape) in enumerate(out):  # shaped factors side by side get room for their shapes
            joined += ("" if i == 0 else r" \; " if shape and out[i - 1][1] else " ") + self.under(text, shape)
        return joined

    def scale(self, loss):
        r"""A loss's reduction factor: $\frac{1}{N}$ per row, $\frac{1}{N k}$ per entry, nothing for a sum;
        a dropout's $\frac{1}{1 - p}$, as a number ($\frac{4}{3}$ for $p = 0.25$)."""
        if loss.op == "dropout":
            return sympy.latex(1 / (1 - exact(loss.option("p"))))
        if loss.option("reduction") == "sum":
            return ""
        if RULES[loss.op].per == "rows" or loss.option("reduction") == "batchmean":
            return r"\frac{1}{%s}" % BATCH
        return r"\frac{1}{%s \cdot %d}" % (BATCH, loss.inputs[0].shape[1])


def _convolutions(derivation):
    """What the image layers' symbols mean, with each convolution's stride and padding: caption segments
    that go on from a formula (so they start with text and end with an empty formula)."""
    settings = "; ".join(f"{n.name}: stride {n.option('stride')}, padding {n.option('padding')}"
                         for n in derivation.forward if n.op == "conv2d")
    return (" Here ", r"A \star W", " is the cross-correlation of each image with each kernel (torch's conv2d, "
            "over the zero-padded image at the layer's stride" + (f"; {settings}" if settings else "") + "), ",
            r"\delta \star_{\mathrm{full}} \operatorname{rot180}(W)^\top",
            " the transposed convolution (the adjoint spread stride apart, padded by k - 1 and correlated with "
            "the kernel turned by 180 degrees, its input and output channels swapped, the padding cut off), ",
            r"\operatorname{unpool}_{\arg\max}", " sends each window's adjoint to its first maximum and ",
            r"\operatorname{unpool}_{1/k^2}", " spreads it evenly over the window.", "", *_channel_norms(derivation))


def _channel_norms(derivation):
    """What a BatchNorm2d's symbols mean: statistics, gamma and beta per channel, over M = N H W entries
    (caption segments going on from a formula, as :func:`_convolutions`')."""
    if not any(n.op == "batch_norm2d" for n in derivation.forward):
        return ()
    return (" In a batch norm of images, ", r"\mu, \sigma, \gamma, \beta", " have one entry per channel (",
            r"\sigma = \sqrt{\operatorname{var} + \epsilon}", ", the biased variance), each applied to the ",
            r"M = N H W", " entries of its channel, and ", r"\sum_{n,i,j}", " sums over them.", "")


def _sequences(derivation):
    """What an embedding's and an attention's symbols mean (nothing when the derivation has neither)."""
    ops = {n.op for n in derivation.forward}
    out = ()
    if "embedding" in ops:
        out += (" Here ", r"\operatorname{onehot}(x)", " has a row per token with a 1 in the token's column, so ",
                r"\operatorname{onehot}(x) W", " picks the rows of ", "W", " and ",
                r"\operatorname{onehot}(x)^\top \delta",
                " adds each row of the adjoint into its token's row (the token indices have no adjoint).", "")
    widths = sorted({n.inputs[0].shape[1] for n in derivation.forward if n.op == "scores"})
    if widths:
        out += (" Self-attention takes the ", BATCH, " rows of a batch as one sequence: ", r"S = Q K^\top / \sqrt{d}",
                f" (d = {', '.join(map(str, widths))}), ", r"P = \operatorname{softmax}(S)",
                " row by row, and the output ", "P V", ".", "")
    return out


def _onehot_shape(factor, bindings):
    r"""The shape of ``\operatorname{onehot}($x)`` of class or token indices, ``N x count`` (transposed with
    a ``^\top``), else None."""
    match = re.fullmatch(r"\\operatorname\{onehot\}\(\$(\w+)\)(\^\\top)?", factor)
    if not match or match.group(1) not in bindings:
        return None
    shape = (BATCH, bindings[match.group(1)].options[0][1])  # the indices' count: classes or embeddings
    return shape[::-1] if match.group(2) else shape


def _bound(factors, names):
    """The factors without the terms (between top-level ``+`` and ``-``) that use a name not in
    ``names``: a linear layer without a bias has no ``+ 1 b^T``."""
    terms, kept = [[]], []
    for factor in factors:
        if factor in ("+", "-") and terms[-1]:
            terms.append([])
        terms[-1].append(factor)
    for term in terms:
        if set(re.findall(r"\$(\w+)", " ".join(term))) <= names:
            kept.extend(term if kept or term[0] != "+" else term[1:])
    return kept


def _shape(factor, bindings, result):
    """The shape of a template's factor, () for none (see the module's docstring)."""
    single = re.fullmatch(r"\$(\w+)(\^\\top)?", factor)
    if single and single.group(1) in bindings:
        shape = bindings[single.group(1)].shape
        if not single.group(2):
            return shape
        return (1, *shape) if len(shape) == 1 else shape[::-1]
    if factor == ONES:
        return (BATCH, 1)
    if _onehot_shape(factor, bindings):
        return _onehot_shape(factor, bindings)
    kernel = re.fullmatch(r"\\operatorname\{rot180\}\(\$(\w+)\)\^\\top", factor)
    if kernel:  # a kernel turned, its channels swapped: in x out x kh x kw
        out, inputs, *size = bindings[kernel.group(1)].shape
        return (inputs, out, *size)
    if factor in OPERATORS or "$" not in factor or re.fullmatch(r"-?\$scale", factor):
        return ()
    return result.shape


def _parameters_first(steps):
    """The steps with, among those of one consumer (independent of each other), the parameters'
    gradients before the adjoint that goes on down the network, as a textbook writes them."""
    consumers = list(dict.fromkeys(step.consumer for step in steps))
    return sorted(steps, key=lambda s: (consumers.index(s.consumer), s.target.op != "parameter"))


def _top_level(template):
    """The template cut at its top-level spaces (outside every bracket)."""
    parts, depth, current = [], 0, ""
    for char in template:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == " " and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p for p in parts + [current] if p]
