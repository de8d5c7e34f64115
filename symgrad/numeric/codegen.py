"""Compiling expressions into NumPy or PyTorch functions with ``lambdify``, safely.

Every symbol is renamed to a generated identifier before printing, so a user's symbol name
(``foo.bar``, ``__import__``) never becomes Python source. Registered operations run their stable
kernels (:mod:`.kernels`), also those registered from outside the package.
"""

import sympy

from sympy.printing.codeprinter import PrintMethodNotImplementedError

from ..core.errors import UnknownVariableError, UnsupportedOperationError
from ..core.operations import over_arrays, unknown
from .kernels import namespace

__all__ = ["compile_expressions"]


def compile_expressions(args, exprs, modules, program=None):
    """A function of ``args`` (positional, in order) returning the list of ``exprs``' values, in
    ``modules`` ``"numpy"`` or ``"torch"``.

    Without ``program``, common subexpressions are found by SymPy's ``cse``. With it, ``program``
    is straight-line code (``(symbol, expression)`` assignments in order, such as a graph walk's)
    that ``exprs`` are written in; each line is then reduced by ``cse`` on its own.
    """
    args, exprs, program = tuple(args), [sympy.sympify(e) for e in exprs], list(program or ())
    defined = set(args)
    for target, expr in program:
        _check_defined(expr, defined)
        defined.add(target)
    for e in exprs:
        _check_defined(e, defined)
    # Generated names (v0, t0, c0) cannot clash: every symbol the expressions use is renamed.
    safe = {a: sympy.Symbol(f"v{i}") for i, a in enumerate(args)}
    safe.update({t: sympy.Symbol(f"t{i}") for i, (t, _) in enumerate(program)})
    given, exprs = [e for _, e in program] + exprs, [e.xreplace(safe) for e in exprs]
    if program:
        lines, known = _straight_line([(safe[t], e.xreplace(safe)) for t, e in program])
        cse = lambda outputs: (lines, [o.xreplace(known) for o in outputs])  # noqa: E731  (lambdify's cse hook)
    else:
        cse = True
    kernels = namespace(modules)
    try:
        function = _lambdify([safe[a] for a in args], exprs, modules, kernels, cse)
    except (PrintMethodNotImplementedError, AttributeError):  # AttributeError: torch lacks the name printed
        function = next(f for e in given for f in sympy.postorder_traversal(e)  # the innermost first
                        if isinstance(f, sympy.Function) and not _compiles(f, modules, kernels))
        raise UnsupportedOperationError(unknown(function, f"compile ... to {modules}")) from None
    if modules == "numpy":
        _vectorized(function.__globals__)
    return function


def _lambdify(args, exprs, modules, kernels, cse=True):
    return sympy.lambdify(args, exprs, modules=[kernels, modules], printer=_printer(modules, kernels), cse=cse,
                          docstring_limit=0)


def _vectorized(names):
    """The functions of Python's ``math`` that SymPy's NumPy printer writes for some functions
    (``gamma``, ``lgamma``, ``erf``), which take one number, made to take arrays."""
    for name, value in list(names.items()):
        if callable(value) and getattr(value, "__module__", None) == "math":
            names[name] = over_arrays(value)


def _printer(modules, kernels):
    """SymPy's NumPy or torch printer, writing an application of a function with a kernel as a call
    of it (before the printer's own way of writing it); in torch, a constant that is not a rational
    number (``log(2)``, ``sqrt(2)``, ``pi``) as its float64 value, a Python float, which mixes with
    tensors of any dtype as torch's functions of tensors do not take a Python number."""
    if modules == "torch":
        from sympy.printing.pytorch import TorchPrinter as base
    else:
        from sympy.printing.numpy import NumPyPrinter as base

    class Printer(base):
        def _print(self, expr, **kwargs):
            name = type(expr).__name__
            if name in kernels and isinstance(expr, sympy.Basic) and expr.args and not expr.is_Atom:
                return "%s(%s)" % (name, ", ".join(self._print(a) for a in expr.args))
            if modules == "torch" and _is_constant(expr):
                return repr(float(expr.evalf(20)))
            return super()._print(expr, **kwargs)

    return Printer({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False})


def _compiles(f, modules, kernels):
    try:
        _lambdify(sorted(f.free_symbols, key=str), [f], modules, kernels)
        return True
    except (PrintMethodNotImplementedError, AttributeError):
        return False


def _is_constant(expr):
    """A real number that is not written as a rational: a constant or a function of constants."""
    return (isinstance(expr, sympy.Expr) and not expr.is_Rational and expr.is_number and not expr.free_symbols
            and expr.is_extended_real and expr.is_finite)


def _straight_line(assignments):
    """The lines to emit, and the targets not emitted: a line whose value is a number or another
    name (the walk's seed ``1``, an alias) is substituted into the lines after it, so that no
    operation multiplies by 1."""
    temporaries = sympy.numbered_symbols("c")
    lines, known = [], {}
    for target, expr in assignments:
        expr = expr.xreplace(known)
        if expr.is_Atom:
            known[target] = expr
            continue
        if all(a.is_Atom for a in expr.args):  # nothing in it can repeat
            lines.append((target, expr))
            continue
        replacements, (reduced,) = sympy.cse([expr], symbols=temporaries)
        lines.extend(replacements)
        lines.append((target, reduced))
    return lines, known


def _check_defined(expr, defined):
    missing = expr.free_symbols - defined
    if missing:
        names = ", ".join(sorted(s.name for s in missing))
        raise UnknownVariableError(f"cannot compile: no value is given for {names}")
