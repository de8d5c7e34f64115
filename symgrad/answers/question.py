r"""A question a teacher sets, and ``question.check(answer) -> Verdict``.

One constructor per task: :meth:`Question.derivative`, :meth:`Question.derivative_at`,
:meth:`Question.gradient`, :meth:`Question.directional_derivative`, :meth:`Question.gradient_step`,
and :meth:`Question.from_key` for an entry of a worksheet's answer key. The function is a SymPy
expression or a :class:`~symgrad.core.graph.Graph` (its nodes may then be written by name in answers, and
asked about). Options, for every constructor:

- ``symbols``: how variables are typed, ``{"yhat": r"\hat{y}"}`` (SymPy's LaTeX is always accepted);
- ``functions``: named functions, ``{"f": sympy.Lambda(t, t**2)}`` (``\sigma``, relu, softplus and
  the elementary functions are known);
- ``aliases``: abbreviations, ``{r"\hat{y}": sigmoid(z)}``;
- ``names``: how the function itself is written in a derivative such as ``\frac{\partial L}{\partial w}``
  (default ``L``, ``f``, ``J``, ``\mathcal{L}``); an answer holding the very derivative asked for is wrong;
- ``tolerance``: for numeric answers, relative (a number) or ``{"relative": r, "absolute": a}``;
- ``log_base``: what ``\log`` means in answers (natural by default);
- ``limits``: :class:`~symgrad.answers.limits.Limits`; ``id``: a name for the question.
"""

from dataclasses import dataclass, field

import sympy

from ..core.backprop import backward
from ..core.differentiation import derivative
from ..core.errors import ShapeError, SymgradError
from ..core.graph import Graph
from ..core.numbers import exact
from ..core.variables import as_point, resolve_all, sorted_symbols
from .equivalence import Tolerance
from .limits import DEFAULT_LIMITS, Limits
from .mistakes import Slipping
from .notation import Notation
from .tasks import Derivative, DerivativeAt, DirectionalDerivative, Gradient, GradientStep

__all__ = ["Question"]

FUNCTION_NAMES = ("L", "f", "J", r"\mathcal{L}")
OPTIONS = frozenset("symbols functions aliases names tolerance log_base limits id".split())


@dataclass(frozen=True, eq=False)
class Question:
    """A task about ``function`` (in its leaves) with respect to ``wrt``; ``partials`` are its exact
    partials and ``answer`` the components of the right answer. Build one with a constructor."""

    task: object
    function: object
    wrt: tuple
    partials: tuple
    answer: tuple
    notation: Notation
    slippings: tuple = field(repr=False)
    tolerance: Tolerance = Tolerance()
    limits: Limits = DEFAULT_LIMITS
    id: str | None = None

    # -- constructors ------------------------------------------------------------------------------

    @classmethod
    def derivative(cls, function, wrt, **options):
        """d(function)/d(wrt) as an expression."""
        return cls._make(function, [wrt], lambda model: Derivative(), options)

    @classmethod
    def derivative_at(cls, function, wrt, point, **options):
        """d(function)/d(wrt) at ``point``: a number."""
        return cls._make(function, [wrt], lambda model: DerivativeAt(model.point(point)), options)

    @classmethod
    def gradient(cls, function, wrt, point=None, **options):
        """Every partial, at ``point`` or symbolic. ``wrt`` is a list, or a SymPy Matrix of parameters
        (the answer is then a matrix of its shape)."""
        shape = wrt.shape if isinstance(wrt, sympy.MatrixBase) else None
        return cls._make(function, list(wrt),
                         lambda model: Gradient(model.point(point) if point is not None else None, shape), options)

    @classmethod
    def directional_derivative(cls, function, wrt, direction, point=None, **options):
        r"""$\nabla f \cdot v / \lVert v \rVert$ along ``direction``, at ``point`` or symbolic."""
        wrt = list(wrt)
        v = tuple(exact(c) for c in direction)
        if len(v) != len(wrt):
            raise ShapeError(f"the direction has {len(v)} components but there are {len(wrt)} variables")
        if all(c == 0 for c in v):
            raise SymgradError("the direction is the zero vector, which has no unit vector")
        return cls._make(function, wrt, lambda model: DirectionalDerivative(
            v, model.point(point) if point is not None else None), options)

    @classmethod
    def gradient_step(cls, function, wrt, learning_rate, point=None, steps=1, **options):
        r"""The update $w - \eta\, \partial f/\partial w$ of each of ``wrt``: symbolic, or numbers after
        ``steps`` steps from ``point``."""
        wrt = [wrt] if isinstance(wrt, (str, sympy.Symbol)) else list(wrt)
        if point is None and steps != 1:
            raise SymgradError("several gradient steps need a point to start from")
        eta = learning_rate if isinstance(learning_rate, sympy.Symbol) else exact(learning_rate)
        return cls._make(function, wrt, lambda model: GradientStep(
            eta, model.point(point) if point is not None else None, int(steps)), options, extra=[eta])

    @classmethod
    def from_key(cls, entry, **options):
        """A question of a worksheet's answer key (``NAME.key.json``, one entry of ``questions``)."""
        from .keys import question_from_key

        return question_from_key(cls, entry, **options)

    # -- checking ----------------------------------------------------------------------------------

    def check(self, answer, sandbox=None):
        """The :class:`~symgrad.answers.verdict.Verdict` on ``answer``: LaTeX text, a number, a SymPy
        expression or matrix, or a list of them. Checked in a worker process, under time and memory
        limits, so no answer can hang or crash the caller."""
        from .sandbox import default_sandbox

        return (sandbox or default_sandbox()).check(self, answer)

    @property
    def kind(self):
        return self.task.kind

    # -- building ----------------------------------------------------------------------------------

    @classmethod
    def _make(cls, function, wrt, make_task, options, extra=()):
        unknown = set(options) - OPTIONS
        if unknown:
            raise SymgradError(f"unknown option {sorted(unknown)[0]!r}: choose from {', '.join(sorted(OPTIONS))}")
        model = _Model(function)
        wrt = resolve_all(wrt, model.leaves + model.nodes, "function", strict=False)
        task = make_task(model)
        partials = tuple(backward(model.graph, wrt).gradient)
        answer = task.answer(model.function, wrt, partials)
        if task.numeric:
            missing = sorted_symbols(set().union(*(a.free_symbols for a in answer)))
            if missing:
                raise SymgradError(f"the point gives no value for {', '.join(s.name for s in missing)}")
        variables = tuple(sorted_symbols(set(model.leaves) | {w for w in wrt if not model.is_node(w)}
                                         | {e for e in extra if isinstance(e, sympy.Symbol)}))
        notation = Notation.declare(
            variables, symbols=options.get("symbols"), functions=options.get("functions"),
            aliases=options.get("aliases"), nodes=model.node_spellings(), function=model.function,
            function_names=options.get("names", FUNCTION_NAMES), log_base=options.get("log_base"))
        return cls(task, model.function, wrt, partials, tuple(answer), notation,
                   tuple(model.slipping(w) for w in wrt), Tolerance.of(options.get("tolerance")),
                   options.get("limits", DEFAULT_LIMITS), options.get("id"))


class _Model:
    """The function as a graph: its expansion in the leaves, its nodes, and the function of one node."""

    def __init__(self, function):
        if isinstance(function, Graph):
            self.graph = function
        else:
            if isinstance(function, str):
                raise SymgradError("the function must be a SymPy expression or a Graph, not a string "
                                   "(symgrad never evaluates strings as code)")
            self.graph = Graph.from_expression(function)
        self.own_nodes = isinstance(function, Graph)
        self.function = self.graph.expand()
        self.leaves = self.graph.leaves(self.graph.output)
        self.nodes = self.graph.nodes if self.own_nodes else ()

    def is_node(self, symbol):
        return self.graph.is_node(symbol)

    def point(self, point):
        return as_point(point, self.graph.leaves() + self.graph.nodes, "function")

    def node_spellings(self):
        """The user's own nodes, as aliases of their definitions: ``{node: (expansion, latex)}``."""
        return {n: (self.graph.expand(n), self.graph.latex_name(n)) for n in self.nodes}

    def slipping(self, var):
        """The function as a function of ``var`` (a node stays a symbol), for the typical mistakes."""
        graph = self.graph if self.own_nodes else None
        if not self.is_node(var):
            return Slipping(self.function, var, derivative(self.function, var), {}, graph)
        expanded = {}
        for n in self.graph.nodes:
            expanded[n] = n if n == var else self.graph.definition(n).xreplace(expanded)
        of_var = expanded[self.graph.output]
        back = {n: self.graph.expand(n) for n in self.graph.nodes}
        return Slipping(of_var, var, derivative(of_var, var), back, graph)
