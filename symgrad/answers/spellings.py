r"""How a question's symbols and functions are typed in LaTeX, and what each typed name stands for.

Every variable is declared with its spellings: SymPy's own LaTeX for it (``w5`` as ``w_{5}``,
``yhat`` as ``\hat{y}``, ``theta0`` as ``\theta_{0}``), its plain name when that is a word, and any
the teacher adds. A typed name is looked up by its canonical key (:class:`~symgrad.answers.tokens.Name`),
so ``w_5``, ``w_{5}`` and ``w5`` are the same variable and ``W`` and ``w`` are not. Aliases (``\hat y``
for ``sigma(z)``), a graph's intermediate nodes and the function's own name (``L``) stand for
expressions; ``e`` and ``\pi`` are the constants unless the question declares symbols of that name.

The functions are those registered with spellings (:func:`~symgrad.core.operations.spelled`):
``\sigma``, ``\exp``, ``\operatorname{relu}``. A question whose function has a softmax (or that
declares one with ``functions=``) reads
``\operatorname{softmax}_k(z_1, ..., z_n)``, component $k$ numbered from 1 as symgrad prints it; one
whose function has relu (whose derivative is :class:`~symgrad.core.activations.step`) reads the Iverson
bracket ``[z > 0]``, also written ``\mathbb{1}[z > 0]``.
"""

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy

from ..core.activations import step
from ..core.losses import log_unclamped
from ..core.errors import SymgradError
from ..core.numbers import exact
from ..core.operations import operation_of, operations, spelled, written_as
from .problems import AnswerProblem, Unreadable
from .tokens import GREEK, tokenize

__all__ = ["Spellings", "standard_functions", "as_callable"]

LOG = "log"  # \log: natural unless the question says otherwise; \log_{10}, \log_2 name their base
CONSTANTS = {"e": sympy.E, "pi": sympy.pi}
# the operations that are Iverson brackets or printed with them: typed [z > 0], [\log p \geq -100]
BRACKETS = (step, log_unclamped, sympy.sign, sympy.Heaviside)


@dataclass(frozen=True)
class Spellings:
    r"""What each typed name means in one question.

    ``names`` maps a name's key to a variable (a Symbol) or to a Dummy that stands for an expression
    (``expansions``: aliases, graph nodes, the function's own name). ``functions`` maps a function's
    key to a SymPy callable. ``words`` are the multi-letter names the lexer must keep whole (and
    ``function_words`` those it matches whatever their case: ``ReLU``); ``latex``
    says how to print each symbol; ``log_base`` is what ``\log`` means; ``iverson`` whether
    ``[z > 0]`` may be written.
    """

    names: Mapping
    expansions: Mapping
    functions: Mapping
    words: frozenset
    function_words: frozenset
    latex: Mapping
    log_base: object = sympy.E
    variables: tuple = field(default=())
    iverson: bool = False

    @classmethod
    def declare(cls, variables, *, symbols=None, functions=None, aliases=None, nodes=None,
                function_names=(), function=None, log_base=None):
        """The notation of a question about ``variables`` (Symbols).

        ``symbols`` maps a variable (or its name) to a spelling or a list of them; ``functions`` maps a
        function's name to a SymPy function class, a ``Lambda`` or a one-argument Python callable;
        ``aliases`` maps a spelling (or a Symbol) to the expression it abbreviates; ``nodes`` maps a
        graph's intermediate symbols to their expanded definitions and spellings (``{node: (expr,
        latex)}``); ``function_names`` are spellings of the function itself (``function``).
        """
        builder = _Builder([*variables, *(nodes or ())], {**_used_by(function), **(functions or {})})
        for v in variables:
            builder.add_variable(v, _spellings_of(symbols, v))
        for node, (expr, spelling) in (nodes or {}).items():
            builder.add_expansion(sympy.Dummy(node.name), expr, [spelling or sympy.latex(node), node.name],
                                  quiet=True)
        for spelling, expr in (aliases or {}).items():
            name = spelling.name if isinstance(spelling, sympy.Symbol) else str(spelling)
            shown = sympy.latex(spelling) if isinstance(spelling, sympy.Symbol) else str(spelling)
            builder.add_expansion(sympy.Dummy(name), _expression(expr, f"alias {shown}"), [shown])
        if function is not None:
            for spelling in function_names:
                builder.add_expansion(sympy.Dummy("f"), function, [spelling], quiet=True)
        for key, constant in CONSTANTS.items():
            builder.names.setdefault(key, constant)
        base = sympy.E if log_base in (None, "e", sympy.E) else exact(log_base)
        if base.is_number and (base <= 0 or base == 1):
            raise SymgradError(f"log_base must be positive and not 1, got {log_base}")
        iverson = step in builder.functions.values() or function is not None and _has_bracket(function)
        return cls(builder.names, builder.expansions, builder.functions, frozenset(builder.words),
                   frozenset(k for k in builder.functions if k.isalpha() and k.islower()), builder.latex,
                   base, tuple(variables), iverson)

    def function(self, name):
        """The function a typed name calls, or None: ``ReLU`` and ``relu`` are the same function;
        ``softmax_2`` is the second component of a declared softmax."""
        key = name.key if name.base in GREEK else name.key.lower()
        found = self.functions.get(key)
        family = found if found is not None or name.star else self.functions.get(name.base.lower())
        op = operation_of(family) if isinstance(family, type) else None
        if op is not None and op.indexed:
            return Component(family, name)
        return found

    def expand(self, expr):
        """``expr`` with every alias, node and derivative placeholder replaced by what it stands for."""
        if not self.expansions:
            return expr
        previous = None
        while previous != expr:  # an alias may be written with another alias
            previous, expr = expr, expr.xreplace(self.expansions)
        return expr

    def show(self, expr, extra=None):
        """``expr`` in LaTeX, each symbol printed as the question spells it (``extra``: more symbols'
        LaTeX, such as the derivatives an answer wrote)."""
        return sympy.latex(expr, symbol_names={**self.latex, **extra} if extra else self.latex)


@dataclass(frozen=True)
class Component:
    r"""What ``\operatorname{softmax}_k`` calls: component k (from 1) of ``family`` of the logits."""

    family: type
    name: object  # the typed Name: the family's and the component's

    nargs = sympy.Naturals

    def __call__(self, *logits):
        base, k = self.name.base, self.name.sub
        if not k.isdigit() or int(k) < 1:
            raise Unreadable(f"a component of {base} is written with its number, from 1, as in "
                             f"{base}_2(z_1, z_2, z_3)")
        if int(k) > len(logits):
            raise Unreadable(f"{base}_{{{k}}} of {len(logits)} logits has no component {k}")
        return self.family(int(k) - 1, *logits)


def _has_bracket(function):
    """Whether ``function`` or the derivative of one of its operations has an Iverson bracket:
    ``step`` (relu's has) or ``log_unclamped`` (bce's clamped log has, in its slope's algebraic form)."""
    t = sympy.Dummy("t")
    for application in function.atoms(sympy.Function):
        op = operation_of(application)
        if isinstance(application, BRACKETS) or op is not None and not op.indexed and len(op.inputs(application)) == 1 \
                and written_as(op.partial(application.func(t, *application.args[1:]), 0), "algebraic").has(*BRACKETS):
            return True
    return False


def standard_functions():
    r"""``{name: function}`` of every function a student may type in any question: the registered
    spellings, except those of functions of an index (the softmax family) and of ``\log`` (whose
    base the question says)."""
    return {name: op.function for name, _, op in spelled() if not op.indexed and name != LOG}


def _used_by(function):
    """The functions a student may write because the question's function uses them: the softmax
    family's (log-softmax is written as the log of softmax)."""
    indexed = [op for op in operations() if op.indexed]
    if function is not None and indexed and function.has(*[op.function for op in indexed]):
        return {name: op.function for name, _, op in spelled() if op.indexed}
    return {}


class _Builder:
    def __init__(self, symbols, functions):
        self.names, self.expansions, self.latex = {}, {}, {}
        self.words = {s.name for s in symbols if s.name.isalpha() and len(s.name) > 1}
        self.functions = standard_functions()
        self.words |= {k for k in self.functions if len(k) > 1}
        for name, f in (functions or {}).items():
            self.words |= {name} if name.isalpha() and len(name) > 1 else set()
            key = _key(sympy.latex(sympy.Symbol(name)), self.words, f"function {name}")
            self.functions[key if key.split("_")[0] in GREEK else key.lower()] = as_callable(name, f)

    def add_variable(self, v, extra):
        spellings = [*extra, sympy.latex(v)] + ([v.name] if v.name in self.words else [])
        keys = []
        for spelling in spellings:
            try:
                keys.append(_key(spelling, self.words, f"variable {v.name}"))
            except SymgradError:
                if spelling in extra:
                    raise
        if not keys:
            raise SymgradError(f"the variable {v.name!r} cannot be typed in LaTeX: give its spelling with "
                               f"symbols={{{v.name!r}: ...}}")
        for key in keys:
            other = self.names.setdefault(key, v)
            if other != v:
                raise SymgradError(f"the variables {other} and {v} are both typed {key!r}: give one another "
                                   "spelling with symbols=")
        self.latex[v] = spellings[0] if not extra else extra[0]

    def add_expansion(self, dummy, expr, spellings, quiet=False):
        """A name that stands for ``expr``; with ``quiet``, a spelling a variable already has is skipped."""
        keys = []
        for spelling in spellings:
            try:
                key = _key(spelling, self.words, f"alias {spelling}")
            except SymgradError:
                if quiet:
                    continue
                raise
            if key in self.names:
                if quiet:
                    continue
                raise SymgradError(f"the alias {spelling!r} is already the name of {self.names[key]}")
            keys.append(key)
        if keys:
            self.names.update(dict.fromkeys(keys, dummy))
            self.expansions[dummy] = expr
            self.latex[dummy] = spellings[0]


def _key(spelling, words, what):
    try:
        tokens = tokenize(spelling, frozenset(words))
    except AnswerProblem as problem:
        raise SymgradError(f"the spelling {spelling!r} of {what} is not valid: {problem}") from None
    if len(tokens) != 1 or tokens[0].kind != "name":
        raise SymgradError(f"the spelling {spelling!r} of {what} is not one name")
    return tokens[0].value.key


def _spellings_of(symbols, v):
    if not symbols:
        return []
    given = symbols.get(v, symbols.get(v.name))
    if given is None:
        return []
    return [given] if isinstance(given, str) else list(given)


def _expression(expr, what):
    if isinstance(expr, str):
        raise SymgradError(f"the {what} must be a SymPy expression, not a string (symgrad never evaluates "
                           "strings as code)")
    return exact(expr)


def as_callable(name, f):
    """A picklable SymPy callable: a function class or a Lambda (a Python callable becomes a Lambda)."""
    if isinstance(f, (sympy.FunctionClass, sympy.Lambda)):
        return f
    if callable(f):
        arguments = len(inspect.signature(f).parameters)
        dummies = sympy.symbols(f"t1:{arguments + 1}", cls=sympy.Dummy)
        return sympy.Lambda(dummies, exact(f(*dummies)))
    raise SymgradError(f"the function {name!r} must be a SymPy function, a Lambda or a callable")
