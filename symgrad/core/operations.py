r"""The registry of operations: each function symgrad knows is one :class:`Operation` carrying all
of its facets, registered where the function is defined.

As JAX registers a primitive's JVP and lowerings beside the primitive (or HIPS autograd its
``defvjp`` table), :mod:`.activations` and :mod:`.elementary` each define a function and call
:func:`register` beside it; a test or a user may register one more the same way. Every consumer
reads this registry and keeps no list of its own: the rules of differentiation and the notes printed
beside them, JSON trees, NumPy and torch code, the notation of derivations, students' answers,
graph splitting and matrix mode.
"""

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy
import sympy
from sympy.core.function import ArgumentIndexError

from .errors import SymgradError

__all__ = ["Operation", "ElementWise", "RowWise", "register", "unregister", "operation", "find", "operation_of",
           "operations", "spelled", "written_as", "matrix_activations", "from_torch_module", "unknown",
           "over_arrays"]


@dataclass(frozen=True)
class ElementWise:
    r"""An element-wise activation's matrix-mode rule: ``out = f(Z)`` entry by entry, and
    ``dZ = delta * f'(Z)``. ``latex`` is the LaTeX of $f$'s name, ``latex_derivative`` that of
    $f'$ at ``$Z`` (it may use ``$out``), templates of :mod:`symgrad.matrix.rules`.
    ``derivative(xp, z, value)`` is $f'$ over a matrix algebra ``xp`` (it may use the forward
    value); without it, the algebra takes the operation's exact derivative entry by entry."""

    latex: str
    latex_derivative: str
    derivative: Callable = None


@dataclass(frozen=True)
class RowWise:
    r"""An activation of each row as a vector (the softmax family) in matrix mode:
    ``forward(xp, z, out)`` and ``backward(xp, delta, value, z, out)``, the adjoint of ``z`` given
    the consumer's ``delta``; ``latex`` is its name's LaTeX, ``latex_backward`` the backward map's
    template."""

    latex: str
    latex_backward: str
    forward: Callable
    backward: Callable


@dataclass(frozen=True, eq=False)
class Operation:
    r"""One function with every facet of it (compared by identity: one registration, one operation).

    - ``function``: the SymPy function class (for a spelling such as ``sqrt``, which SymPy writes as
      a power, the callable that builds it); ``name``: the name it is looked up and written in JSON
      trees by (its class's name unless given).
    - ``derivative(application, k)``: the exact partial of an application with respect to its
      ``k``-th input (from 0); registering installs it as the class's ``fdiff`` (and SymPy's chain rule
      in place of a class's own ``_eval_derivative``, such as ``sign``'s Dirac delta). None: SymPy's own.
    - ``rule``: the LaTeX formula of its rule of differentiation, printed beside a derivation's row
      (``\sigma' = \sigma\,(1 - \sigma)``); the step's result is ``derivative``. None: symgrad has
      no rule of its own and SymPy differentiates it (flagged in print). ``rule_name`` names the rule.
    - ``numpy(*args)``: its stable NumPy kernel; ``torch(torch, *args)``: its torch kernel, given the
      torch module (so torch stays optional). None: SymPy's own printers (``NumPyPrinter``, the
      torch printer) write it.
    - JSON trees (keys) hold it as ``{"op": name, ...}`` when ``function`` is a class.
    - ``spellings``: how students type it in answers: ``\exp`` is a LaTeX command, ``\sigma`` a
      Greek letter, ``relu`` or ``\operatorname{relu}`` a word (also typed ``ReLU``, ``\mathrm{relu}``).
    - ``indexed``: its arguments are ``(i, z_0, ..., z_{n-1})``, component ``i`` of a function of the
      vector ``z`` (the softmax family): only the logits are inputs.
    - ``notation(printer, application)``: its LaTeX in a derivation when that differs from its own
      (``step`` is the Iverson bracket its rule names); ``replaces``: ``(SymPy type, rewrite)`` where
      ``rewrite(expr)`` gives the operation's application for another form of the same function, or
      None (``Max(0, z)`` is ``relu(z)``).
    - ``algebraic(application)``: the application as arithmetic of other functions, which
      simplification cancels through (the clamped log's slope is ``log_unclamped(x) / x``); None:
      simplification takes it as an opaque whole. ``ordinary(application)``: the function it is
      wherever a guard of torch's in it is inactive (the clamped log is ``log``), which the checker
      of symbolic answers reads it as, as students write it; None: itself.
    - ``array(z, out)``: its NumPy form for matrix mode, written into the buffer ``out`` (None:
      ``numpy``'s result copied there). ``matrix``: its matrix-mode rule (:class:`ElementWise` or
      :class:`RowWise`), under ``matrix_name`` (its name in lower case unless given), and
      ``torch_module``: the ``torch.nn`` module that :func:`symgrad.matrix.from_torch` reads as it,
      when that module's ``torch_options`` (pairs of a non-numeric attribute and its value) are as
      given: ``gelu_tanh`` is ``nn.GELU`` with ``(("approximate", "tanh"),)``.
    - The function class's ``settings``, ``(name, default)`` pairs (torch's keyword arguments, as
      leaky_relu's ``negative_slope``), are the trailing arguments of each application: exact
      numbers, not inputs (:attr:`parameters` names them).
    """

    function: object
    name: str = None
    derivative: Callable = None
    rule: str = None
    rule_name: str = None
    numpy: Callable = None
    torch: Callable = None
    spellings: tuple = ()
    indexed: bool = False
    notation: Callable = field(default=None, repr=False)
    replaces: tuple = field(default=None, repr=False)
    algebraic: Callable = field(default=None, repr=False)
    ordinary: Callable = field(default=None, repr=False)
    array: Callable = None
    matrix: object = None
    matrix_name: str = None
    torch_module: str = None
    torch_options: tuple = ()

    def __post_init__(self):
        if self.name is None:
            object.__setattr__(self, "name", self.function.__name__)
        for spelling in self.spellings:
            if not isinstance(spelling, str) or not _SPELLING.fullmatch(spelling):
                raise SymgradError(f"the spelling {spelling!r} of {self.name} is not \\name, \\operatorname{{name}} "
                                   "or a word of letters")
        if self.rule_name is None:
            object.__setattr__(self, "rule_name", f"{self.name} rule")
        if self.matrix_name is None:
            object.__setattr__(self, "matrix_name", self.name.lower())

    @property
    def plain_name(self):
        """Its name in snake case, as text calls it: ``LogSoftmax`` is ``log_softmax``."""
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", self.name).lower()

    @property
    def parameters(self):
        """The names of its settings (the trailing arguments of an application that are not inputs)."""
        return tuple(name for name, _ in getattr(self.function, "settings", ()))

    def inputs(self, application):
        """The arguments of an application that it is differentiable in."""
        if self.indexed:
            return application.args[1:]
        return application.args[:len(application.args) - len(self.parameters)]

    def partial(self, application, k):
        """The exact partial of ``application`` with respect to its ``k``-th input (from 0)."""
        if self.derivative is not None:
            return self.derivative(application, k)
        return application.fdiff(k + 1 + self.indexed)

    def differentiate(self, application, var):
        """d(application)/d(var) where ``var`` is some of its inputs, whole: the sum of the partials
        with respect to each input equal to ``var``."""
        return sympy.Add(*[self.partial(application, k)
                           for k, z in enumerate(self.inputs(application)) if z == var])


_SPELLING = re.compile(r"\\operatorname\{([A-Za-z]+)\}|\\([A-Za-z]+)|([A-Za-z]+)")
_BY_NAME = {}  # name -> Operation, in the order of registration
_BY_TYPE = {}  # SymPy function class -> Operation
_INSTALLED = {}  # name -> {attribute: the class's own that registering replaced (or None)}
_DIFFERENTIATION = ("fdiff", "_eval_derivative")
_SPELLED = []  # what spelled() returns, kept up to date by register and unregister


def register(op):
    """Add ``op`` to the registry (and install its derivative as its class's ``fdiff``); returns it."""
    if not isinstance(op, Operation):
        raise SymgradError(f"register takes an Operation, got {type(op).__name__}")
    if op.name in _BY_NAME:
        raise SymgradError(f"an operation named {op.name!r} is already registered")
    if (op.numpy or op.torch) and not (isinstance(op.function, type) and op.function.__name__.isidentifier()
                                       and not keyword.iskeyword(op.function.__name__)):
        raise SymgradError(f"{op.name}: an operation with a kernel must be a function class named by an identifier "
                           "(compiled code calls its kernel by that name)")
    if isinstance(op.function, type):
        if op.function in _BY_TYPE:
            raise SymgradError(f"{op.function.__name__} is already registered as {_BY_TYPE[op.function].name!r}")
        _BY_TYPE[op.function] = op
        if op.derivative is not None:  # SymPy's chain rule then calls it (also where the class had its own)
            _INSTALLED[op.name] = {k: op.function.__dict__.get(k) for k in _DIFFERENTIATION}
            op.function.fdiff = _fdiff(op)
            if "_eval_derivative" in op.function.__dict__:  # sign's: a Dirac delta
                op.function._eval_derivative = sympy.Function._eval_derivative
    _BY_NAME[op.name] = op
    _SPELLED[:] = _spellings()
    return op


def unregister(name):
    """Remove the operation ``name`` (and restore its class's own ``fdiff``)."""
    op = operation(name)
    del _BY_NAME[name]
    _SPELLED[:] = _spellings()
    if isinstance(op.function, type):
        del _BY_TYPE[op.function]
        for attribute, own in _INSTALLED.pop(name, {}).items():
            if own is None:
                if attribute in op.function.__dict__:
                    delattr(op.function, attribute)
            else:
                setattr(op.function, attribute, own)


def _fdiff(op):
    def fdiff(self, argindex=1):
        k = argindex - 1 - op.indexed
        if not 0 <= k < len(op.inputs(self)):
            raise ArgumentIndexError(self, argindex)
        return op.derivative(self, k)

    return fdiff


def operation(name):
    """The operation registered as ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise SymgradError(f"no operation is named {name!r}: choose from {', '.join(_BY_NAME)}") from None


def find(name):
    """The operation registered as ``name``, or None."""
    return _BY_NAME.get(name)


def operation_of(expr):
    """The operation ``expr`` applies (looked up by its type), or that a function class is; or None."""
    return _BY_TYPE.get(expr if isinstance(expr, type) else type(expr))


def operations():
    """Every registered operation, in the order of registration."""
    return tuple(_BY_NAME.values())


def spelled():
    r"""``(name, whether it is a LaTeX command, operation)`` for every way students may type a
    function, in order: ``\exp`` is the command ``exp`` (``\sigma`` the Greek letter ``sigma``),
    ``\operatorname{relu}`` and ``relu`` the word ``relu``."""
    return tuple(_SPELLED)


def _spellings():
    found = []
    for op in _BY_NAME.values():
        for spelling in op.spellings:
            word, command, plain = _SPELLING.fullmatch(spelling).groups()
            found.append((command or word or plain, command is not None, op))
    return found


def written_as(expr, facet):
    """``expr`` with each application of an operation that has the facet ``facet`` (``"algebraic"``
    or ``"ordinary"``) written in that form (``expr`` itself when there is none)."""
    forms = {}
    for f in expr.atoms(sympy.Function):
        op = operation_of(f)
        form = None if op is None else getattr(op, facet)
        if form is not None:
            forms[f] = form(f)
    return expr.xreplace(forms) if forms else expr


def matrix_activations():
    """The operations with a matrix-mode rule (the activations of matrix mode), by ``matrix_name``."""
    return {op.matrix_name: op for op in _BY_NAME.values() if op.matrix is not None}


def from_torch_module(kind):
    """The operation that the ``torch.nn`` module named ``kind`` is, or None."""
    return next((op for op in _BY_NAME.values() if op.torch_module == kind), None)


def unknown(expr, what):
    """The one message for a function that a consumer (``what``: "write ... as a tree", "compile ... to
    torch") has no way for: neither registered nor known to SymPy's printer there."""
    return (f"cannot {what.replace('...', f'{type(expr).__name__} ({expr})')}: it is not a registered operation "
            "(register it with its facets: symgrad.core.operations.register)")


def over_arrays(function):
    """A NumPy kernel from a function of one Python float (``math.erfc``, ``math.gamma``): it takes
    arrays and numbers, value by value, and gives float64 (a number for a number)."""
    ufunc = numpy.frompyfunc(function, 1, 1)
    return lambda z: numpy.asarray(ufunc(numpy.asarray(z, dtype=numpy.float64)), dtype=numpy.float64)[()]
