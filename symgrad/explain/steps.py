r"""Derivations as data: one frozen dataclass per kind of step, its rule as its docstring.

A step's ``result`` is always ``rebuild`` of its sub-steps' results, computed when the step is made;
so a consumer can alter one step and recombine the tree (:func:`recombine`): this is how typical
mistakes are generated from a correct derivation. ``check`` holds a step against an independent
oracle (``sympy.diff`` for a rule). Nothing here knows LaTeX: :mod:`symgrad.explain.latex` prints steps.

Rule steps differentiate ``expr`` with respect to ``var``. Above them, a derivative over a graph:
the local partial of one edge, the chain-rule product along a path, the sum over paths, the partial
in the leaves, its value at a point, the update $\theta \leftarrow \theta - \eta g$, the
directional derivative, a second partial (an entry of the Hessian) with its value at a point, and
Newton's step $\theta \leftarrow \theta - H^{-1} \nabla L$.
"""

from dataclasses import dataclass, field

import sympy

from ..core.activations import Softmax
from ..core.calculus import newton_update
from ..core.differentiation import derivative
from ..core.equality import equal
from ..core.errors import DerivationError
from ..core.operations import Operation
from .simplification import simplest

__all__ = [
    "Step", "Rule", "ConstantRule", "VariableRule", "SumRule", "ConstantMultipleRule", "ProductRule",
    "QuotientRule", "PowerRule", "ChainRule", "ExpRule", "FunctionRule", "CrossEntropyRule", "FallbackRule",
    "PiecewiseRule",
    "LocalPartial", "ChainProduct", "PathSum", "Simplification", "Partial", "PartialAt", "Given", "Update",
    "Directional", "SecondPartial", "SecondPartialAt", "Symmetric", "NewtonStep", "recombine", "walk_steps",
    "path_sum", "local_partials", "update_chain", "second_order",
]


@dataclass(frozen=True)
class Step:
    """A step of a derivation: ``result = rebuild(results of substeps)``."""

    result: object = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "result", self.rebuild(tuple(s.result for s in self.substeps)))

    @property
    def substeps(self):
        """The steps whose results this one combines, in the order ``rebuild`` takes them."""
        return ()

    def rebuild(self, results):
        """This step's result from its sub-steps' results (altered ones included)."""
        raise NotImplementedError(type(self).__name__)

    def oracle(self):
        """What ``result`` must equal, computed another way; None when the step above checks it."""
        return None

    @property
    def name(self):
        """What the step is called in messages: its class's name."""
        return type(self).__name__

    def check(self):
        """Raise :class:`DerivationError` unless ``result`` equals the oracle."""
        expected = self.oracle()
        if expected is not None and not equal(self.result, expected):
            raise DerivationError(f"{self.name} failed its check: it gives {self.result}, "
                                  f"but the result must be {expected}")


def recombine(step, alter=None):
    """``step``'s result recomputed from the leaves up.

    ``alter(step, results)``, called at every step with its sub-steps' recombined results, may
    return an expression to use instead of ``step.rebuild(results)`` (None keeps the rule).
    """
    memo = {}

    def visit(s):
        if id(s) not in memo:
            results = tuple(visit(t) for t in s.substeps)
            altered = alter(s, results) if alter is not None else None
            memo[id(s)] = s.rebuild(results) if altered is None else altered
        return memo[id(s)]

    return visit(step)


def walk_steps(step):
    """Every step of the tree below ``step``, each shared step once and after all of its sub-steps
    (``step`` itself last)."""
    seen, order = set(), []
    stack = [(step, False)]
    while stack:
        s, expanded = stack.pop()
        if expanded:
            order.append(s)
        elif id(s) not in seen:
            seen.add(id(s))
            stack.append((s, True))
            stack.extend((t, False) for t in reversed(s.substeps))
    return order


# -- the rules of differentiation ----------------------------------------------------------------


@dataclass(frozen=True)
class Rule(Step):
    """$d(\\text{expr})/d(\\text{var})$ by one rule of differentiation."""

    expr: sympy.Expr
    var: sympy.Symbol

    def oracle(self):
        return derivative(self.expr, self.var)


@dataclass(frozen=True)
class ConstantRule(Rule):
    r"""$\frac{d}{dx} c = 0$ for $c$ free of $x$."""

    def rebuild(self, results):
        return sympy.S.Zero


@dataclass(frozen=True)
class VariableRule(Rule):
    r"""$\frac{d}{dx} x = 1$."""

    def rebuild(self, results):
        return sympy.S.One


@dataclass(frozen=True)
class SumRule(Rule):
    r"""$(u + v)' = u' + v'$."""

    terms: tuple

    @property
    def substeps(self):
        return self.terms

    def rebuild(self, results):
        return sympy.Add(*results)


@dataclass(frozen=True)
class ConstantMultipleRule(Rule):
    r"""$(c\,u)' = c\,u'$ for $c$ free of $x$."""

    constant: sympy.Expr
    body: Rule

    @property
    def substeps(self):
        return (self.body,)

    def rebuild(self, results):
        return self.constant * results[0]


@dataclass(frozen=True)
class ProductRule(Rule):
    r"""$(u v)' = u' v + u v'$ (for $n$ factors: each factor's derivative times the others)."""

    factors: tuple

    @property
    def substeps(self):
        return self.factors

    def rebuild(self, results):
        exprs = [f.expr for f in self.factors]
        return sympy.Add(*[sympy.Mul(*exprs[:i], r, *exprs[i + 1:]) for i, r in enumerate(results)])


@dataclass(frozen=True)
class QuotientRule(Rule):
    r"""$(u / v)' = (u' v - u v') / v^2$."""

    numerator: Rule
    denominator: Rule

    @property
    def substeps(self):
        return (self.numerator, self.denominator)

    def rebuild(self, results):
        u, v = self.numerator.expr, self.denominator.expr
        du, dv = results
        return (du * v - u * dv) / v ** 2


@dataclass(frozen=True)
class PowerRule(Rule):
    r"""$\frac{d}{dx} x^n = n\,x^{n-1}$ for $n$ free of $x$."""

    def rebuild(self, results):
        base, n = self.expr.args
        return n * base ** (n - 1)


@dataclass(frozen=True)
class ChainRule(Rule):
    r"""$\frac{d}{dx} f(g(x)) = f'(g(x))\,g'(x)$; with several arguments, $\sum_k \partial_k f \cdot g_k'$.

    ``function`` is $f$ applied to ``placeholders`` (one per argument ``arguments`` that contains
    $x$); ``outer[k]`` differentiates it with respect to ``placeholders[k]``, ``inner[k]`` the
    argument with respect to $x$.
    """

    function: sympy.Expr
    placeholders: tuple
    arguments: tuple
    outer: tuple
    inner: tuple

    @property
    def substeps(self):
        return self.outer + self.inner

    def rebuild(self, results):
        n = len(self.outer)
        back = dict(zip(self.placeholders, self.arguments))
        return sympy.Add(*[o.xreplace(back) * i for o, i in zip(results[:n], results[n:])])


@dataclass(frozen=True)
class ExpRule(Rule):
    r"""$\frac{d}{dx} a^x = a^x \ln a$, for a base $a$ free of $x$."""

    def rebuild(self, results):
        return self.expr * sympy.log(self.expr.base)


@dataclass(frozen=True)
class FunctionRule(Rule):
    r"""$\frac{d}{dx} f(x) = f'(x)$ by the rule of the registered operation $f$ (its exact
    derivative; for the softmax family, summed over the logits that are $x$:
    $\partial s_i / \partial z_j = s_i\,([i = j] - s_j)$)."""

    operation: Operation

    @property
    def name(self):
        return f"the {self.operation.rule_name}"

    def rebuild(self, results):
        return self.operation.differentiate(self.expr, self.var)


def _positions(logits, var):
    return [j for j, z in enumerate(logits) if z == var]


def _delta(i, j):
    return sympy.S.One if i == j else sympy.S.Zero


@dataclass(frozen=True)
class CrossEntropyRule(Rule):
    r"""$\partial(-\log s_k)/\partial z_j = s_j - [j = k]$: softmax minus the one-hot target."""

    def rebuild(self, results):
        s = -self.expr  # the log-softmax of the target class
        return sympy.Add(*[Softmax(j, *s.logits) - _delta(s.index, j) for j in _positions(s.logits, self.var)])


@dataclass(frozen=True)
class PiecewiseRule(Rule):
    r"""$\frac{d}{dx} \begin{cases} f_i(x) & c_i \end{cases} = \begin{cases} f_i'(x) & c_i \end{cases}$: piece
    by piece, under the same conditions (at a boundary, the derivative of the piece whose condition
    holds there, as torch's ``where`` takes the gradient of the branch it picks)."""

    pieces: tuple  # the steps differentiating each piece, in order

    @property
    def substeps(self):
        return self.pieces

    def rebuild(self, results):
        return sympy.Piecewise(*[(r, c) for r, (_, c) in zip(results, self.expr.args)])


@dataclass(frozen=True)
class FallbackRule(Rule):
    r"""$\frac{d}{dx} f = $ SymPy's derivative: no rule of symgrad's applies (flagged in print)."""

    def rebuild(self, results):
        return derivative(self.expr, self.var)


# -- a derivative over a graph --------------------------------------------------------------------


@dataclass(frozen=True)
class LocalPartial(Step):
    r"""$\partial c / \partial p$ for an edge $p \to c$: the rule result of $c$'s definition, each
    node's definition written as the node (``fold``), until none is left (a definition that holds
    another node, $\hat x = f(\sigma, x)$, is found once that node is written: $f(g(x), x)$ is $\hat x$)."""

    node: sympy.Symbol
    parent: sympy.Symbol
    rule: Rule
    fold: tuple = field(repr=False)  # (definition, node) pairs

    @property
    def substeps(self):
        return (self.rule,)

    def rebuild(self, results):
        fold, expr = dict(self.fold), results[0]
        while True:
            folded = expr.xreplace(fold)
            if folded == expr:
                return expr
            expr = folded

    def check(self):
        unfold = {}  # every node written in the leaves (the fold is in the graph's order)
        for definition, node in self.fold:
            unfold[node] = definition.xreplace(unfold)
        if not equal(self.result.xreplace(unfold), self.rule.result.xreplace(unfold)):
            raise DerivationError(f"the local partial d{self.node}/d{self.parent} = {self.result} "
                                  f"does not equal its rule's result {self.rule.result}")


@dataclass(frozen=True)
class ChainProduct(Step):
    r"""$\frac{\partial L}{\partial v} \text{ along } L = n_0 \to \dots \to n_k = v$: $\prod_i \partial n_{i-1}/\partial n_i$."""

    path: tuple
    factors: tuple

    @property
    def substeps(self):
        return self.factors

    def rebuild(self, results):
        return sympy.Mul(*results)


@dataclass(frozen=True)
class PathSum(Step):
    r"""$\frac{\partial L}{\partial v} = \sum_{\text{paths } L \to v} \prod \text{local partials}$, in node symbols
    (checked by the :class:`Partial` above it)."""

    of: sympy.Symbol
    wrt: sympy.Symbol
    paths: tuple

    @property
    def substeps(self):
        return self.paths

    def rebuild(self, results):
        return sympy.Add(*results)


@dataclass(frozen=True)
class Simplification(Step):
    """$e = e'$: the same expression in a shorter, exactly equal form (:func:`~symgrad.explain.simplification.simplest`)."""

    body: Step

    @property
    def substeps(self):
        return (self.body,)

    def rebuild(self, results):
        return simplest(results[0])

    def oracle(self):
        return self.body.result


@dataclass(frozen=True)
class Partial(Step):
    r"""$\frac{\partial L}{\partial v}$ in the leaves: the chain rule's result with every node expanded.

    ``expansion`` maps each node to its definition in the leaves (and in ``wrt``, when it is a node);
    the oracle is ``sympy.diff`` of the expanded ``of``.
    """

    of: sympy.Symbol
    wrt: sympy.Symbol
    chain: Step  # the PathSum, or its Simplification
    expansion: tuple = field(repr=False, compare=False)  # (node, expanded definition) pairs

    @property
    def substeps(self):
        return (self.chain,)

    def rebuild(self, results):
        return results[0].xreplace(dict(self.expansion))

    def oracle(self):
        return derivative(dict(self.expansion).get(self.of, self.of), self.wrt)


@dataclass(frozen=True)
class PartialAt(Step):
    r"""$\left.\frac{\partial L}{\partial v}\right|_{x_0}$: the partial with the point's numbers substituted.

    ``point`` holds the leaves' values, ``nodes`` the forward pass's; ``expected`` is the engine's
    value (the reverse walk's adjoint at the point), the oracle.
    """

    partial: Step  # the Partial, or its Simplification
    point: tuple = field(repr=False)  # (leaf, value) pairs
    nodes: tuple = field(repr=False)  # (node, value) pairs
    expected: sympy.Expr = field(repr=False, compare=False)

    @property
    def substeps(self):
        return (self.partial,)

    def rebuild(self, results):
        return results[0].xreplace(dict(self.point + self.nodes))

    def oracle(self):
        return self.expected


@dataclass(frozen=True)
class Given(Step):
    """A value the derivation starts from (a parameter's value at the point)."""

    symbol: sympy.Symbol
    value: sympy.Expr

    def rebuild(self, results):
        return self.value


@dataclass(frozen=True)
class Update(Step):
    r"""$\theta \leftarrow \theta - \eta\,g$: one step of gradient descent on one parameter."""

    variable: sympy.Symbol
    previous: Step  # the parameter's value before the step: Given, or the previous Update
    learning_rate: sympy.Expr
    gradient: Step

    @property
    def substeps(self):
        return (self.previous, self.gradient)

    def rebuild(self, results):
        theta, g = results
        return theta - self.learning_rate * g


@dataclass(frozen=True)
class Directional(Step):
    r"""$D_v f = \nabla f \cdot v / \lVert v \rVert$: the rate of change along the unit vector of $v$."""

    direction: tuple
    gradient: tuple

    @property
    def norm(self):
        return sympy.sqrt(sympy.Add(*[c ** 2 for c in self.direction]))

    @property
    def substeps(self):
        return self.gradient

    def rebuild(self, results):
        return sympy.Add(*[g * c for g, c in zip(results, self.direction)]) / self.norm


# -- second order: the entries of the Hessian -----------------------------------------------------


def _twice(function, u, v, point):
    """``sympy.diff`` of ``function`` by ``u``, then by ``v``, at ``point`` ((leaf, value) pairs)."""
    return derivative(derivative(function, u), v).xreplace(dict(point))


@dataclass(frozen=True)
class SecondPartial(Step):
    r"""$\frac{\partial^2 L}{\partial v\,\partial u} = \frac{\partial}{\partial v}
    \Bigl(\frac{\partial L}{\partial u}\Bigr)$: the first partial (derived over the graph, written in the
    leaves) differentiated by the rules again (``rule``); ``wrt`` is ``(u, v)``. The oracle is
    ``sympy.diff`` of the loss ``function`` (in the leaves) by $u$, then by $v$."""

    of: sympy.Symbol
    wrt: tuple  # (u, v): first by u, then by v
    partial: Step  # dL/du: the Partial, or its Simplification
    rule: Rule  # d/dv of the partial's result
    function: sympy.Expr = field(repr=False, compare=False)

    @property
    def substeps(self):
        return (self.partial, self.rule)

    def rebuild(self, results):
        return results[1]

    def oracle(self):
        return _twice(self.function, *self.wrt, ())


@dataclass(frozen=True)
class SecondPartialAt(Step):
    r"""$\left.\frac{\partial^2 L}{\partial v\,\partial u}\right|_{x_0}$: the second partial with the
    point's numbers substituted; ``expected`` (the oracle) is the Hessian's entry computed by
    :func:`symgrad.core.calculus.hessian` at the point."""

    second: Step  # the SecondPartial, or its Simplification
    point: tuple = field(repr=False)  # (leaf, value) pairs
    expected: sympy.Expr = field(repr=False, compare=False)

    @property
    def substeps(self):
        return (self.second,)

    def rebuild(self, results):
        return results[0].xreplace(dict(self.point))

    def oracle(self):
        return self.expected


@dataclass(frozen=True)
class Symmetric(Step):
    r"""$\frac{\partial^2 L}{\partial u\,\partial v} = \frac{\partial^2 L}{\partial v\,\partial u}$ (Schwarz: the
    second partials of a smooth function commute): the entry ``mirror`` (by $u$, then $v$) read for
    ``wrt = (v, u)``; the oracle is ``sympy.diff`` by $v$, then by $u$, at ``point``."""

    of: sympy.Symbol
    wrt: tuple  # (v, u): this entry's order, the mirror's reversed
    mirror: Step
    function: sympy.Expr = field(repr=False, compare=False)
    point: tuple = field(default=(), repr=False)

    @property
    def substeps(self):
        return (self.mirror,)

    def rebuild(self, results):
        return results[0]

    def oracle(self):
        return _twice(self.function, *self.wrt, self.point)


@dataclass(frozen=True)
class NewtonStep(Step):
    r"""$\theta \leftarrow \theta - H^{-1} \nabla L$: Newton's step, for the parameter ``variables[index]``
    (the step solves for all of them at once). ``values``, ``gradient`` and ``hessian`` (row by row)
    are the steps giving $\theta$, $\nabla L$ and $H$ at the point; the oracle solves the same system
    with SymPy's own Hessian and gradient of ``function`` at ``point``."""

    variables: tuple
    index: int
    values: tuple  # Given steps: the parameters at the point
    gradient: tuple
    hessian: tuple
    function: sympy.Expr = field(repr=False, compare=False)
    point: tuple = field(repr=False, compare=False)

    @property
    def variable(self):
        return self.variables[self.index]

    @property
    def substeps(self):
        return self.values + self.gradient + self.hessian

    def rebuild(self, results):
        n = len(self.variables)
        new = newton_update(results[:n], results[2 * n:], results[n:2 * n])
        return sympy.nan if new is None else new[self.index]

    def oracle(self):
        point = dict(self.point)
        h = sympy.hessian(self.function, self.variables).xreplace(point)
        g = sympy.Matrix([sympy.diff(self.function, v) for v in self.variables]).xreplace(point)
        return point[self.variable] - (h.inv() * g)[self.index]


# -- reading a derivation's trees, for its renderers ---------------------------------------------


def path_sum(step):
    """The sum over paths inside a partial, its value, or their simplifications."""
    while not isinstance(step, PathSum):
        step = step.substeps[0]
    return step


def local_partials(chain):
    """The local partials of a :class:`PathSum`'s paths, each once, in the order they first appear."""
    return list(dict.fromkeys(f for path in chain.paths for f in path.factors))


def update_chain(step):
    """The updates of one parameter that end in ``step``, the first one first."""
    chain = []
    while isinstance(step, Update):
        chain.append(step)
        step = step.previous
    return chain[::-1]


def second_order(answer):
    """Whether an answer is an entry of a Hessian."""
    inner = answer.body if isinstance(answer, Simplification) else answer
    return isinstance(inner, (SecondPartial, SecondPartialAt, Symmetric))
