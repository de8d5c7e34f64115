r"""The seven kinds of question, defined once: worksheets ask them, answer keys record them, the answer
checker checks them.

A task is immutable data naming what is asked: the variable(s) ``wrt``, the node ``of`` that is
differentiated (None: the function's output, the loss), and the task's own fields (whether numbers
are asked at the point, a direction, a learning rate and a number of steps). Each kind knows

- ``kind``, its name in answer keys (:data:`TASKS` maps each name to its kind);
- ``answer_from(function, wrt, partials, point)``, the components of the exact answer from the
  function's exact partials (in ``wrt`` order, written in its leaves). Given partials a student got
  wrong, the same call gives the answer that student would reach, which is how
  :mod:`symgrad.answers.mistakes` lifts a wrong derivative into a wrong answer of any task;
- ``slips(function, wrt, partials, point)``, the wrong answers the task itself invites (stepping
  uphill, forgetting to normalise a direction), as ``(mistake, answer, detail)``;
- ``derivation(sheet)`` and ``answer(sheet)``, the task derived step by step (:func:`symgrad.derive`)
  and answered on a worksheet (``sheet``: its ``point``, ``graph_of(of)`` and ``walk(wrt, of)``).

:class:`KeyQuestion` is a task as an answer key holds it, self-contained and exact;
:func:`read_question` reads one from a key's JSON without evaluating any text.
"""

from dataclasses import dataclass, fields

import sympy

from ..core.errors import DirectionError, ShapeError, SymgradError
from ..core.calculus import newton_update, second_partials
from ..core.numbers import exact
from ..core.serialize import from_tree
from .derivation import derive

__all__ = ["Task", "Derivative", "DerivativeAt", "Gradient", "DirectionalDerivative", "GradientStep", "Hessian",
           "NewtonStep", "TASKS", "KeyQuestion", "read_question"]


def _at(expr, point):
    return expr if point is None else expr.xreplace(point)


@dataclass(frozen=True)
class Task:
    """What every task shares. ``at_point``: numbers are asked, at the point; ``single_variable``: ``wrt``
    is one variable (else a sequence); ``single_answer``: a worksheet's answer is one value (else a tuple);
    ``second_order``: it needs second partials, so ``wrt`` are the model's variables, not its nodes."""

    kind = None
    single_variable = False
    single_answer = False
    second_order = False
    shape = None

    @property
    def numeric(self):
        """Whether the answer is numbers (the task is asked at a point)."""
        return self.at_point

    @property
    def variables(self):
        """``wrt`` as a list."""
        return [self.wrt] if self.single_variable else list(self.wrt)

    @property
    def symbols(self):
        """The symbols the task itself brings into its answer (a learning rate left symbolic)."""
        return set()

    def answer_from(self, function, wrt, partials, point=None):  # pragma: no cover - each kind defines it
        """The components of the answer, from the exact ``partials`` of ``function`` by ``wrt``; ``point``
        is used when the task is asked at it."""
        raise NotImplementedError(type(self).__name__)

    def slips(self, function, wrt, partials, point=None):
        """The wrong answers this task invites, as ``(mistake, answer, detail)``: none by default."""
        return ()

    def answer(self, sheet):
        """The exact answer on ``sheet``, from the engine's reverse walk: an expression or number, or a
        tuple of them for a gradient or an update step."""
        walk = sheet.walk(self.variables, self.of)
        components = self.answer_from(sheet.graph_of(self.of).expand(), walk.wrt, walk.gradient, sheet.point)
        return components[0] if self.single_answer else components

    def derivation(self, sheet):
        """The answer derived step by step (:func:`symgrad.derive`); its ``result`` is the answer."""
        asked = self.wrt if self.single_variable else list(self.wrt)
        return self._finish(derive(sheet.graph_of(self.of), asked, at=sheet.point if self.at_point else None))

    def _finish(self, derivation):
        """The task's last step on the derivation of its partials: none by default."""
        return derivation

    def _point(self, point):
        return point if self.at_point else None


@dataclass(frozen=True)
class Derivative(Task):
    r"""$\partial f/\partial w$ as an expression."""

    wrt: object
    of: object = None
    kind = "derivative"
    at_point = False
    single_variable = single_answer = True

    def answer_from(self, function, wrt, partials, point=None):
        return (partials[0],)


@dataclass(frozen=True)
class DerivativeAt(Task):
    r"""$\partial f/\partial w$ at the point: a number."""

    wrt: object
    of: object = None
    kind = "derivative_at"
    at_point = True
    single_variable = single_answer = True

    def answer_from(self, function, wrt, partials, point=None):
        return (_at(partials[0], point),)


@dataclass(frozen=True)
class Gradient(Task):
    r"""$\nabla f$: one partial per variable, at the point (numbers) or symbolic; ``shape`` is the shape of a
    matrix of parameters (the gradient has it), None for a list."""

    wrt: tuple
    of: object = None
    at_point: bool = True
    shape: tuple | None = None
    kind = "gradient"

    def answer_from(self, function, wrt, partials, point=None):
        return tuple(_at(p, self._point(point)) for p in partials)

    def slips(self, function, wrt, partials, point=None):
        if self.shape is None or self.shape[0] != self.shape[1] or self.shape[0] < 2:
            return ()
        matrix = sympy.Matrix(*self.shape, self.answer_from(function, wrt, partials, point))
        return (("transposed", tuple(matrix.T), None),)


@dataclass(frozen=True)
class DirectionalDerivative(Task):
    r"""$D_v f = \nabla f \cdot v / \lVert v \rVert$ along ``direction``, at the point or symbolic."""

    wrt: tuple
    direction: tuple
    of: object = None
    at_point: bool = True
    kind = "directional_derivative"
    single_answer = True

    def __post_init__(self):
        if isinstance(self.direction, (str, sympy.Basic)) or not hasattr(self.direction, "__iter__"):
            raise ShapeError(f"the direction must be a sequence of numbers, got {self.direction!r}")
        v, n = self.vector, len(self.variables)
        if len(v) != n:
            raise ShapeError(f"the direction has {len(v)} components but there are {n} variables")
        if all(c == 0 for c in v):
            raise DirectionError("the direction is the zero vector, which has no unit vector")

    def answer_from(self, function, wrt, partials, point=None):
        return (_at(self._along(partials) / self.norm, self._point(point)),)

    def slips(self, function, wrt, partials, point=None):
        (right,) = self.answer_from(function, wrt, partials, point)
        return (("sign_error", (-right,), None),
                ("missing_constant_factor", (_at(self._along(partials), self._point(point)),), 1 / self.norm))

    @property
    def vector(self):
        """The direction, exactly."""
        return tuple(exact(c) for c in self.direction)

    @property
    def norm(self):
        return sympy.sqrt(sympy.Add(*[c ** 2 for c in self.vector]))

    def _along(self, partials):
        return sympy.Add(*[g * c for g, c in zip(partials, self.vector)])

    def _finish(self, derivation):
        return derivation.along(self.direction)


@dataclass(frozen=True)
class GradientStep(Task):
    r"""$w \leftarrow w - \eta\, \partial f/\partial w$ for each variable, ``steps`` times from the point
    (numbers), or once symbolically when it is not asked at the point."""

    wrt: tuple
    learning_rate: object
    steps: int = 1
    of: object = None
    at_point: bool = True
    kind = "gradient_step"

    def __post_init__(self):
        if self.learning_rate is None:
            raise SymgradError("a gradient_step question needs a learning_rate")
        exact(self.learning_rate)  # a learning rate that is no number fails here, not when it is answered
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or self.steps < 1:
            raise SymgradError(f"steps must be a whole number of at least 1, got {self.steps!r}")

    @property
    def rate(self):
        """The learning rate, exactly (a symbol when left symbolic)."""
        return exact(self.learning_rate)

    @property
    def symbols(self):
        return {self.learning_rate} if isinstance(self.learning_rate, sympy.Symbol) else set()

    def answer_from(self, function, wrt, partials, point=None):
        return self._descend(function, wrt, partials, self._point(point), _downhill)

    def slips(self, function, wrt, partials, point=None):
        point = self._point(point)
        return (("gd_wrong_sign", self._descend(function, wrt, partials, point, _uphill), None),
                ("gd_used_loss_not_gradient", self._descend(function, wrt, partials, point, _by_loss), None),
                ("gd_missing_learning_rate", self._descend(function, wrt, partials, point, _without_rate),
                 self.rate))

    def _descend(self, function, wrt, partials, point, rule):
        eta = self.rate
        if point is None:
            return tuple(rule(w, g, function, eta) for w, g in zip(wrt, partials))
        point = dict(point)
        for _ in range(self.steps):
            loss = _at(function, point)
            point.update({w: rule(point[w], _at(g, point), loss, eta) for w, g in zip(wrt, partials)})
        return tuple(point[w] for w in wrt)

    def _finish(self, derivation):
        return derivation.descend(self.learning_rate, self.steps)


def _downhill(w, g, loss, eta):
    return w - eta * g


def _uphill(w, g, loss, eta):
    return w + eta * g


def _by_loss(w, g, loss, eta):
    return w - eta * loss


def _without_rate(w, g, loss, eta):
    return w - g


@dataclass(frozen=True)
class Hessian(Task):
    r"""$H_{ij} = \partial^2 f/(\partial w_i\, \partial w_j)$: the matrix of second partials, at the point
    (numbers) or symbolic; its components are the entries row by row, and its ``shape`` is $n \times n$."""

    wrt: tuple
    of: object = None
    at_point: bool = True
    kind = "hessian"
    second_order = True

    @property
    def shape(self):
        return (len(self.wrt),) * 2

    def answer_from(self, function, wrt, partials, point=None):
        return tuple(_at(h, self._point(point)) for h in second_partials(partials, wrt))

    def _finish(self, derivation):
        return derivation.hessian()


@dataclass(frozen=True)
class NewtonStep(Task):
    r"""Newton's step $\theta \leftarrow \theta - H^{-1} \nabla f$ on the variables ``wrt`` from the point:
    their new values (numbers; NaN where the Hessian at the point is singular, as it may be for partials
    a student got wrong: :meth:`~symgrad.explain.derivation.Derivation.newton` refuses the right one)."""

    wrt: tuple
    of: object = None
    at_point = True
    kind = "newton_step"
    second_order = True

    def answer_from(self, function, wrt, partials, point=None):
        hessian = second_partials(partials, wrt).xreplace(point)
        new = newton_update([point[w] for w in wrt], hessian, [_at(g, point) for g in partials])
        return (sympy.nan,) * len(wrt) if new is None else new

    def _finish(self, derivation):
        return derivation.newton()


TASKS = {task.kind: task for task in (Derivative, DerivativeAt, Gradient, DirectionalDerivative, GradientStep,
                                      Hessian, NewtonStep)}


@dataclass(frozen=True)
class KeyQuestion:
    """One question of an answer key, exact: the function, the variables asked about (symbols of the
    function, or new ones, whose partial is 0), the point (None for a symbolic question), and the exact
    answer as a tuple (one entry per variable, or per updated weight)."""

    id: str
    kind: str
    prompt: str
    function: sympy.Expr
    wrt: tuple
    point: dict | None
    answer: tuple
    learning_rate: sympy.Expr | None = None
    steps: int = 1
    direction: tuple | None = None
    of: str | None = None

    @property
    def task(self):
        """The task this question sets, its fields as the key gives them (its function already ends at
        ``of``)."""
        kind = TASKS[self.kind]
        if kind.single_variable and len(self.wrt) != 1:
            raise SymgradError(f"key question {self.id}: a {self.kind} question has one variable")
        given = {"wrt": self.wrt[0] if kind.single_variable else self.wrt, "learning_rate": self.learning_rate,
                 "steps": self.steps, "direction": self.direction, "at_point": bool(self.point)}
        names = {f.name for f in fields(kind)}
        try:
            return kind(**{name: value for name, value in given.items() if name in names})
        except SymgradError as error:
            raise SymgradError(f"key question {self.id}: {error}") from None


def read_question(entry):
    """A key's question (a dict from ``NAME.key.json``) as a :class:`KeyQuestion`, without evaluating
    any text: expressions come from their trees, numbers from their exact strings."""
    if not isinstance(entry, dict):
        raise SymgradError("a key's question is a JSON object")
    ident = str(entry.get("id", "?"))
    kind = entry.get("kind")
    if kind not in TASKS:
        raise SymgradError(f"key question {ident}: unknown kind {kind!r}; choose from {', '.join(TASKS)}")
    if "function_tree" not in entry:
        raise SymgradError(f"key question {ident} has no function_tree (symgrad never evaluates the text "
                           "of a function)")
    function = from_tree(entry["function_tree"])
    symbols = {s.name: s for s in function.free_symbols}

    def symbol(name):
        if not isinstance(name, str):
            raise SymgradError(f"key question {ident}: a variable is named by a string, got {name!r}")
        return symbols.get(name) or sympy.Symbol(name)

    names = entry.get("wrt")
    wrt = tuple(symbol(n) for n in (names if isinstance(names, list) else [names]))
    point = entry.get("point")
    if point is not None:
        point = {symbol(k): exact(v) if isinstance(v, str) else from_tree(v) for k, v in point.items()}
    answer = entry.get("answer") or {}
    tree = answer.get("tree")
    trees = [] if tree is None else tree if isinstance(tree, list) else [tree]
    rate = entry.get("learning_rate")
    if rate is not None:
        try:
            rate = exact(rate)
        except SymgradError:  # a learning rate left symbolic: eta
            rate = symbol(rate)
    direction = entry.get("direction")
    return KeyQuestion(ident, kind, str(entry.get("prompt", "")), function, wrt, point,
                       tuple(from_tree(t) for t in trees), rate,
                       int(entry.get("steps") or 1), None if direction is None else tuple(exact(c) for c in direction),
                       entry.get("of"))
