"""Expressions as JSON trees, written and read without ``eval``: how answer keys carry functions and answers.

A tree is a symbol's name (a JSON string), or a list ``[operation, *arguments]``: ``["Number", "479/500"]``
(exact), ``["Constant", "E"]``, ``["Add", a, b, ...]``, ``["Pow", base, exponent]``,
``["sigmoid", z]``... Only the operations in :data:`OPERATIONS` are read; anything else is an error
naming it.
"""

import sympy

from .activations import LogSoftmax, Softmax, relu, sigmoid, softplus, step
from .errors import SymgradError
from .numbers import exact

__all__ = ["to_tree", "from_tree", "OPERATIONS"]

OPERATIONS = {
    "Add": sympy.Add, "Mul": sympy.Mul, "Pow": sympy.Pow, "exp": sympy.exp, "log": sympy.log,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "tanh": sympy.tanh, "Abs": sympy.Abs, "sigmoid": sigmoid, "relu": relu, "softplus": softplus,
    "step": step, "Softmax": Softmax, "LogSoftmax": LogSoftmax,
}
CONSTANTS = {"E": sympy.E, "pi": sympy.pi}
MAX_DEPTH = 200


def to_tree(expr):
    """The JSON tree of a SymPy expression (numbers exact; floats are read as the decimals they print as)."""
    expr = exact(expr)
    if isinstance(expr, sympy.Symbol):
        return expr.name
    if isinstance(expr, sympy.Rational):
        return ["Number", str(expr)]
    for name, constant in CONSTANTS.items():
        if expr == constant:
            return ["Constant", name]
    name = type(expr).__name__
    if name not in OPERATIONS or not isinstance(expr, OPERATIONS[name]):
        raise SymgradError(f"cannot write {name} in an answer key: it is not one of {', '.join(OPERATIONS)}")
    return [name, *(to_tree(a) for a in expr.args)]


def from_tree(tree, depth=0):
    """The SymPy expression of a JSON tree; an unknown operation or malformed node is a SymgradError."""
    if depth > MAX_DEPTH:
        raise SymgradError(f"an expression tree is nested more than {MAX_DEPTH} deep")
    if isinstance(tree, str):
        if not tree:
            raise SymgradError("an expression tree has a symbol with an empty name")
        return sympy.Symbol(tree)
    if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
        raise SymgradError(f"not an expression tree: {str(tree)[:60]}")
    head, args = tree[0], tree[1:]
    if head == "Number":
        if len(args) != 1 or not isinstance(args[0], str):
            raise SymgradError(f"a Number node holds one string, got {str(args)[:60]}")
        return exact(args[0])
    if head == "Constant":
        if len(args) != 1 or args[0] not in CONSTANTS:
            raise SymgradError(f"unknown constant {str(args)[:60]}: choose from {', '.join(CONSTANTS)}")
        return CONSTANTS[args[0]]
    if head not in OPERATIONS:
        raise SymgradError(f"unknown operation {head[:40]!r} in an expression tree")
    try:
        return OPERATIONS[head](*(from_tree(a, depth + 1) for a in args))
    except (TypeError, ValueError) as error:
        raise SymgradError(f"the {head} node is malformed: {error}") from None
