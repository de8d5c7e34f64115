r"""SymPy's elementary functions that symgrad gives facets to: rules of its own (exp, log, tanh),
JSON trees, spellings in answers, tanh's matrix-mode rule.

Their exact derivatives are SymPy's (``fdiff``), and their NumPy and torch code is written by
SymPy's own printers (``NumPyPrinter``, the torch printer), so none has a kernel here (tanh has an
in-place NumPy form for matrix mode).
"""

import numpy as np
import sympy

from .operations import ElementWise, Operation, register

__all__ = []

register(Operation(sympy.exp, rule=r"(a^x)' = a^x \log a", spellings=(r"\exp",)))
register(Operation(sympy.log, rule=r"(\log x)' = 1/x", spellings=(r"\ln", r"\log")))
register(Operation(
    sympy.tanh,
    rule=r"\tanh' = 1 - \tanh^2",
    spellings=(r"\tanh",),
    array=lambda z, out=None: np.tanh(z, out=out),
    matrix=ElementWise(r"\tanh", r"(1 - $out \odot $out)", lambda xp, z, t: xp.one_minus(xp.mul(t, t))),
    torch_module="Tanh",
))
for _function in (sympy.sin, sympy.cos, sympy.tan, sympy.sinh, sympy.cosh):
    register(Operation(_function, spellings=("\\" + _function.__name__,)))
register(Operation(sympy.Abs))  # typed |x|
register(Operation(sympy.sqrt, spellings=(r"\sqrt",)))  # a power to SymPy: in trees as Pow
