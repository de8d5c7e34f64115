r"""A question a teacher sets, and ``question.check(answer) -> Verdict``.

One constructor per task (:mod:`symgrad.explain.tasks`): :meth:`Question.derivative`,
:meth:`Question.derivative_at`, :meth:`Question.gradient`, :meth:`Question.directional_derivative`,
:meth:`Question.gradient_step`, :meth:`Question.hessian`, :meth:`Question.newton_step`, and
:meth:`Question.from_key` for an entry of a worksheet's answer key (:mod:`symgrad.answers.keys` loads a
whole key). The function is a SymPy expression or a :class:`~symgrad.core.graph.Graph` (its nodes may then
be written by name in answers, and asked about). Options, for every constructor:

- ``symbols``: how variables are typed, ``{"yhat": r"\hat{y}"}`` (SymPy's LaTeX is always accepted);
- ``functions``: named functions, ``{"f": sympy.Lambda(t, t**2)}`` (``\sigma``, relu, softplus and
  the elementary functions are known); the function may apply them as ``sympy.Function("f")``, and is
  differentiated through their definitions;
- ``aliases``: abbreviations, ``{r"\hat{y}": sigmoid(z)}``;
- ``names``: how the function itself is written in a derivative such as ``\frac{\partial L}{\partial w}``
  (default ``L``, ``f``, ``J``, ``\mathcal{L}``); an answer holding the very derivative asked for is wrong;
- ``tolerance``: for numeric answers, relative (a number) or ``{"relative": r, "absolute": a}``;
- ``rounding_credit``: the credit (0 to 1, 0.5 by default) for a number rounded too early, within ten
  times the tolerance but not within it;
- ``log_base``: what ``\log`` means in answers (natural by default);
- ``limits``: :class:`~symgrad.answers.limits.Limits`; ``id``: a name for the question.
"""

from dataclasses import dataclass, field, replace

import sympy
from sympy.core.function import AppliedUndef

from ..core.backprop import backward
from ..core.differentiation import derivative
from ..core.equality import equal
from ..core.errors import SymgradError
from ..core.graph import Graph
from ..core.operations import written_as
from ..core.serialize import MAX_MATRIX_SIZE, TreeError, from_tree, matrix_symbol
from ..core.variables import as_point, resolve_all, sorted_symbols
from ..explain.tasks import (Derivative, DerivativeAt, DirectionalDerivative, Gradient, GradientStep, Hessian,
                             NewtonStep, Task, read_question)
from .equivalence import Probes, Tolerance, equivalent, number_value
from .limits import DEFAULT_LIMITS, MAX_MATRICES, Limits, check_key_entry
from .mistakes import Slipping
from .spellings import Spellings, as_callable

__all__ = ["Question", "MatrixQuestion", "matrix_symbols"]

FUNCTION_NAMES = ("L", "f", "J", r"\mathcal{L}")
OPTIONS = frozenset("symbols functions aliases names tolerance rounding_credit log_base limits id".split())
ROUNDING_CREDIT = 0.5
DERIVATIONS = ("derivative", "derivative_at")  # the tasks a derivation is checked line by line for


@dataclass(frozen=True, eq=False)
class Question:
    """A task about ``function`` (in its leaves) with respect to ``wrt``, at ``point`` (None: symbolic);
    ``partials`` are its exact partials and ``answer`` the components of the right answer. Build one
    with a constructor."""

    task: Task
    function: object
    wrt: tuple
    point: dict | None
    partials: tuple
    answer: tuple
    notation: Spellings
    slippings: tuple = field(repr=False)
    tolerance: Tolerance = Tolerance()
    limits: Limits = DEFAULT_LIMITS
    id: str | None = None
    rounding_credit: float = ROUNDING_CREDIT

    # -- constructors ------------------------------------------------------------------------------

    @classmethod
    def derivative(cls, function, wrt, **options):
        """d(function)/d(wrt) as an expression."""
        return cls._make(Derivative(wrt), function, None, options)

    @classmethod
    def derivative_at(cls, function, wrt, point, **options):
        """d(function)/d(wrt) at ``point``: a number."""
        return cls._make(DerivativeAt(wrt), function, point, options)

    @classmethod
    def gradient(cls, function, wrt, point=None, **options):
        """Every partial, at ``point`` or symbolic. ``wrt`` is a list, or a SymPy Matrix of parameters
        (the answer is then a matrix of its shape)."""
        shape = wrt.shape if isinstance(wrt, sympy.MatrixBase) else None
        return cls._make(Gradient(list(wrt), at_point=point is not None, shape=shape), function, point, options)

    @classmethod
    def directional_derivative(cls, function, wrt, direction, point=None, **options):
        r"""$\nabla f \cdot v / \lVert v \rVert$ along ``direction``, at ``point`` or symbolic."""
        task = DirectionalDerivative(list(wrt), direction, at_point=point is not None)
        return cls._make(task, function, point, options)

    @classmethod
    def gradient_step(cls, function, wrt, learning_rate, point=None, steps=1, **options):
        r"""The update $w - \eta\, \partial f/\partial w$ of each of ``wrt``: symbolic, or numbers after
        ``steps`` steps from ``point``."""
        wrt = [wrt] if isinstance(wrt, (str, sympy.Symbol)) else list(wrt)
        if point is None and steps != 1:
            raise SymgradError("several gradient steps need a point to start from")
        return cls._make(GradientStep(wrt, learning_rate, steps, at_point=point is not None), function, point, options)

    @classmethod
    def hessian(cls, function, wrt, point=None, **options):
        """The matrix of second partials, at ``point`` or symbolic: answered as a matrix (a pmatrix, a
        SymPy Matrix, or its rows as a tuple of tuples) or its entries row by row."""
        return cls._make(Hessian(list(wrt), at_point=point is not None), function, point, options)

    @classmethod
    def newton_step(cls, function, wrt, point, **options):
        r"""Newton's step $\theta - H^{-1} \nabla f$ on ``wrt`` from ``point``: their new values (a Hessian
        singular at the point is an error)."""
        question = cls._make(NewtonStep(list(wrt)), function, point, options)
        if any(a is sympy.nan for a in question.answer):
            raise SymgradError("the Hessian at the point is singular, so Newton's step is undefined there")
        return question

    @classmethod
    def matrix(cls, reference, **options):
        r"""A matrix expression (:class:`MatrixQuestion`): ``reference`` in SymPy ``MatrixSymbol`` s (from
        :func:`matrix_symbols`), answered in ML notation, ``(W_2^\top \delta_2) \odot \sigma'(z_1)``."""
        return MatrixQuestion.of(reference, None, options)

    @classmethod
    def matrix_gradient(cls, function, wrt, **options):
        r"""The gradient of a scalar ``function`` of matrices with respect to the matrix ``wrt``, of its
        shape (SymPy's matrix derivative): ``2X^\top(Xw - y)`` for $\lVert Xw - y \rVert^2$."""
        if not isinstance(wrt, sympy.MatrixSymbol):
            raise SymgradError("a matrix gradient is taken with respect to a MatrixSymbol")
        if not isinstance(function, sympy.Basic) or isinstance(function, sympy.MatrixExpr) and function.shape != (1, 1):
            raise SymgradError("a matrix gradient is of a scalar function: a SymPy expression or a 1 x 1 matrix one")
        return MatrixQuestion.of(function.diff(wrt), wrt, options)

    @classmethod
    def from_key(cls, entry, nodes=None, **options):
        """A question of a worksheet's answer key (``NAME.key.json``, one entry of ``questions``); ``nodes``
        are the key's (None: the function is a plain expression). Each field is checked before it is read."""
        check_key_entry(entry)
        if entry.get("kind") == "matrix_gradient":
            return MatrixQuestion.from_key(entry, options.get("limits", DEFAULT_LIMITS))
        read = read_question(entry)
        for name in ("tolerance", "log_base", "symbols"):
            if name in entry and name not in options:
                options[name] = entry[name]
        options.setdefault("id", read.id)
        function = _key_graph(nodes, entry, read.function, read.id, options) if nodes else read.function
        point = None
        if read.point:  # keep the values this question uses
            point = {s: v for s, v in read.point.items() if s in read.function.free_symbols or s in read.wrt}
        question = cls._make(read.task, function, point, options, f"key question {read.id}: ")
        _agrees_with_key(question, read)
        return question

    # -- checking ----------------------------------------------------------------------------------

    def check(self, answer, sandbox=None):
        """The :class:`~symgrad.answers.verdict.Verdict` on ``answer``: LaTeX text, a number, a SymPy
        expression or matrix, or a list of them. Checked in a worker process, under time and memory
        limits, so no answer can hang or crash the caller."""
        from .sandbox import default_sandbox  # not a cycle: the parser (65 ms to import) loads when first used

        return (sandbox or default_sandbox()).check(self, answer)

    def check_derivation(self, lines, sandbox=None):
        r"""The :class:`~symgrad.answers.marking.DerivationCheck` of a student's working, line by line:
        a list of lines or one text split at ``\\`` and line ends (:mod:`symgrad.answers.marking` has
        the rules). Only for a derivative, symbolic or at a point."""
        from .sandbox import default_sandbox

        if self.task.kind not in DERIVATIONS:
            raise SymgradError(f"a derivation is checked line by line for a derivative, not a {self.task.kind}")
        return (sandbox or default_sandbox()).check_derivation(self, lines)

    @property
    def kind(self):
        return self.task.kind

    # -- building ----------------------------------------------------------------------------------

    @classmethod
    def _make(cls, task, function, point, options, where=""):
        """The question setting ``task`` about ``function`` (which ends at the node asked about, so the
        task's ``of`` is not used), at ``point`` when the task asks for numbers; ``where`` begins errors."""
        unknown = set(options) - OPTIONS
        if unknown:
            raise SymgradError(f"unknown option {sorted(unknown)[0]!r}: choose from {', '.join(sorted(OPTIONS))}")
        if task.numeric and not point:
            raise SymgradError(f"{where}a {task.kind} question needs a point")
        model = _Model(_through_definitions(function, options.get("functions")))
        wrt = tuple(resolve_all(task.variables, model.leaves + model.nodes, "function", strict=False))
        nodes = [w.name for w in wrt if model.is_node(w)] if task.second_order else []
        if nodes:
            raise SymgradError(f"{where}a Hessian is taken with respect to the model's variables, not its node "
                               f"{nodes[0]}")
        task = replace(task, wrt=wrt[0] if task.single_variable else wrt)
        point = model.point(point) if task.numeric else None
        partials = tuple(backward(model.graph, wrt).gradient)
        answer = task.answer_from(model.function, wrt, partials, point)
        if task.numeric:
            missing = sorted_symbols(set().union(*(a.free_symbols for a in answer)))
            if missing:
                raise SymgradError(f"the point gives no value for {', '.join(s.name for s in missing)}")
        else:  # compared where torch's guards (bce's clamp) are inactive: as students write it
            answer = [written_as(a, "ordinary") for a in answer]
        variables = tuple(sorted_symbols(set(model.leaves) | {w for w in wrt if not model.is_node(w)}
                                         | task.symbols))
        notation = Spellings.declare(
            variables, symbols=options.get("symbols"), functions=options.get("functions"),
            aliases=options.get("aliases"), nodes=model.node_spellings(), function=model.function,
            function_names=options.get("names", FUNCTION_NAMES), log_base=options.get("log_base"))
        credit = options.get("rounding_credit", ROUNDING_CREDIT)
        if not isinstance(credit, (int, float)) or isinstance(credit, bool) or not 0 <= credit <= 1:
            raise SymgradError(f"rounding_credit is a number from 0 to 1, not {credit!r}")
        return cls(task, model.function, wrt, point, partials, tuple(answer), notation,
                   tuple(model.slipping(w) for w in wrt), Tolerance.of(options.get("tolerance")),
                   options.get("limits", DEFAULT_LIMITS), options.get("id"), float(credit))


def matrix_symbols(shapes):
    """``{name: MatrixSymbol}`` of the declared ``shapes``, ``{"X": ("n", "d"), "w": ("d",)}``: a
    dimension is a name (a positive integer symbol) or a number; a vector, of one dimension, is a column."""
    try:
        return {name: matrix_symbol(name, shape) for name, shape in shapes.items()}
    except TreeError as error:
        raise SymgradError(str(error)) from None


@dataclass(frozen=True, eq=False)
class MatrixQuestion:
    """A question whose answer is a matrix expression: the right answer ``reference`` in ``matrices``
    (``{name: MatrixSymbol}``), the gradient with respect to ``wrt`` (None: a plain expression).
    Answers are read by :func:`~symgrad.answers.parsing.read_matrix_answer` and marked by
    :mod:`~symgrad.answers.marking` (exactly, else at random matrices of random sizes). Build one with
    :meth:`Question.matrix` or :meth:`Question.matrix_gradient`; options ``limits`` and ``id``."""

    reference: object
    matrices: dict
    wrt: object
    notation: Spellings
    limits: Limits = DEFAULT_LIMITS
    id: str | None = None

    @classmethod
    def of(cls, reference, wrt, options):
        unknown = set(options) - {"limits", "id"}
        if unknown:
            raise SymgradError(f"unknown option {sorted(unknown)[0]!r} for a matrix question: choose from id, limits")
        if not isinstance(reference, sympy.MatrixExpr):
            raise SymgradError("a matrix question's answer is a SymPy matrix expression (MatrixSymbols, .T, ...)")
        matrices = {m.name: m for m in sorted(reference.atoms(sympy.MatrixSymbol) | ({wrt} if wrt else set()),
                                             key=lambda m: m.name)}
        if len(matrices) > MAX_MATRICES:
            raise SymgradError(f"a matrix question has at most {MAX_MATRICES} matrices")
        dims = set()
        for m in matrices.values():
            for d in m.shape:
                if isinstance(d, sympy.Symbol):
                    dims.add(d)
                elif not (isinstance(d, sympy.Integer) and 1 <= d <= MAX_MATRIX_SIZE):
                    raise SymgradError(f"{m.name} has the dimension {d}: a fixed dimension is from 1 to "
                                       f"{MAX_MATRIX_SIZE} (name it, as n, to leave it free)")
        scalars = reference.free_symbols - set(matrices.values()) - dims
        if scalars:
            raise SymgradError(f"a matrix question's symbols are its matrices and their dimensions, not "
                               f"{sorted(map(str, scalars))[0]}")
        return cls(reference, matrices, wrt, Spellings.declare([]), options.get("limits", DEFAULT_LIMITS),
                   options.get("id"))

    @classmethod
    def from_key(cls, entry, limits=DEFAULT_LIMITS):
        """The matrix gradient of a key's entry (checked by :func:`~symgrad.answers.limits.check_key_entry`):
        its function's tree in the matrices of ``shapes``, its answer's tree symgrad's own."""
        ident = str(entry.get("id", "?"))
        matrices = matrix_symbols(entry.get("shapes") or {})
        function = from_tree(entry.get("function_tree"))
        stray = sorted(m.name for m in function.atoms(sympy.MatrixSymbol) if matrices.get(m.name) != m)
        if stray or entry.get("wrt") not in matrices:
            raise SymgradError(f"key question {ident}: {stray[0] if stray else entry.get('wrt')!r} is not a "
                               "matrix of its shapes")
        question = Question.matrix_gradient(function, matrices[entry["wrt"]], id=ident, limits=limits)
        theirs = from_tree((entry.get("answer") or {}).get("tree") or {"number": "0"})
        if theirs != question.reference and (theirs - question.reference).expand().doit() != sympy.ZeroMatrix(
                *question.reference.shape):
            raise SymgradError(f"key question {ident}: the key's answer {theirs} is not symgrad's {question.reference}")
        return question

    @property
    def kind(self):
        return "matrix_gradient" if self.wrt is not None else "matrix"

    def shape_wanted(self):
        """What the right answer's shape is, in words."""
        rows, columns = self.reference.shape
        if self.wrt is not None:
            return f"the gradient has the shape of {self.wrt.name}, {rows} x {columns}"
        return f"the answer is {rows} x {columns}"

    def check(self, answer, sandbox=None):
        """The :class:`~symgrad.answers.verdict.Verdict` on ``answer`` (LaTeX or a SymPy matrix
        expression), checked in a worker process as :meth:`Question.check` is."""
        from .sandbox import default_sandbox

        return (sandbox or default_sandbox()).check(self, answer)


def _through_definitions(function, functions):
    """``function`` (an expression or a Graph) with each application of a function the question defines
    (``functions``, by name) written as its definition, so that it is differentiated through it:
    ``sigma(z)``, ``sigma = sympy.Function("sigma")``, with ``{"sigma": Lambda(t, 1 / (1 + exp(-t)))}``."""
    defined = {name: as_callable(name, f) for name, f in (functions or {}).items()}

    def written(expr):
        return expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in defined,
                            lambda e: defined[e.func.__name__](*e.args))

    if not defined:
        return function
    if isinstance(function, Graph):
        graph = Graph()
        for node in function.nodes:
            graph.define(node, written(function.definition(node)), latex=function.latex_name(node))
        return graph.with_output(function.output)
    return written(function) if isinstance(function, sympy.Basic) else function


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


def _key_graph(nodes, entry, function, ident, options):
    """The worksheet's graph as the question sees it: the nodes its output (``of``) needs, the nodes it
    is about cut loose as leaves (spelled as the worksheet spells them)."""
    if not isinstance(nodes, dict):
        raise SymgradError("a key's nodes are a JSON object")
    full = Graph()
    for name, node in nodes.items():
        if not isinstance(node, dict) or not isinstance(name, str):
            raise SymgradError(f"the key's node {name!r} is not an object with a tree")
        latex = node.get("latex")
        full.define(name, from_tree(node.get("tree")), latex=latex if isinstance(latex, str) else None)
    wrt = entry.get("wrt")
    about = [sympy.Symbol(n) for n in (wrt if isinstance(wrt, list) else [wrt]) if isinstance(n, str)]
    about = [n for n in about if full.is_node(n)]
    of = entry.get("of") or full.output.name
    if not isinstance(of, str) or not full.is_node(sympy.Symbol(of)):
        raise SymgradError(f"key question {ident}: {of!r} is not a node of the key")
    cut = full.with_output(sympy.Symbol(of)).cut(about)
    graph = Graph()
    for node, definition in cut.assignments():
        graph.define(node, definition, latex=cut.latex_name(node))
    expanded = graph.expand()
    if expanded != function and not equal(expanded, function):
        raise SymgradError(f"key question {ident}: the key's nodes give the function {expanded}, "
                           f"not {function}")
    spellings = {n.name: full.latex_name(n) for n in about if full.latex_name(n)}
    options["symbols"] = {**spellings, **(options.get("symbols") or {})}
    return graph


def _agrees_with_key(question, read):
    """The key's own answer (its ``tree``), when present, must be symgrad's."""
    if not read.answer:
        return
    ident, theirs = read.id, read.answer
    if len(theirs) != len(question.answer):
        raise SymgradError(f"key question {ident}: the key's answer has {len(theirs)} entries, symgrad's "
                           f"{len(question.answer)}")
    for mine, other in zip(question.answer, theirs):
        if mine == other:
            continue
        if question.task.numeric:
            a, b = number_value(mine), number_value(other)
            same = a is not None and b is not None and abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1)
        else:
            same = equivalent(other, mine, Probes.choose(question.notation.variables, [mine]))
        if not same:
            raise SymgradError(f"key question {ident}: the key's answer {other} is not symgrad's {mine}")
