"""Expressions as JSON trees, read back exactly and safely: no ``eval``, no ``sympify``.

A tree is ``{"symbol": NAME}``, ``{"number": "479/500"}``, ``{"constant": "E"}`` (``pi``, ``true``,
``false``), ``{"matrix": NAME, "shape": [dim, dim]}`` (a MatrixSymbol: a dimension is a name or a number)
or ``{"op": NAME, "args": [tree, ...]}`` (a softmax component also has ``"index"``; a
``Piecewise`` has its pieces' values and conditions in turn: ``[e_1, c_1, e_2, c_2, ...]``). Only sums,
products, powers, comparisons, ``And``/``Or``/``Not``, ``Piecewise``, the functions registered in
:mod:`.operations` and the matrix products, sums, transposes and Hadamard products are written or read, and a tree read back is limited in size, depth and digits, so a
key file cannot make the reader build something huge.
"""

import re

import sympy

from .errors import SettingError, SymgradError
from .numbers import exact
from .operations import find, operation_of, operations, unknown

__all__ = ["to_tree", "from_tree", "matrix_symbol", "TreeError", "MAX_NODES", "MAX_DEPTH", "MAX_DIGITS",
           "MAX_MATRIX_SIZE"]

STRUCTURAL = {"Add": sympy.Add, "Mul": sympy.Mul, "Pow": sympy.Pow}  # read back as written, unevaluated
LOGICAL = {c.__name__: c for c in (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan, sympy.GreaterThan,
                                   sympy.Equality, sympy.Unequality, sympy.And, sympy.Or, sympy.Not)}
CONSTANTS = {"E": sympy.E, "pi": sympy.pi, "true": sympy.true, "false": sympy.false}
MATRIX = {c.__name__: c for c in (sympy.MatMul, sympy.MatAdd, sympy.Transpose, sympy.HadamardProduct)}
MAX_NODES, MAX_DEPTH, MAX_DIGITS, MAX_NAME, MAX_EXPONENT = 20_000, 200, 2_000, 100, 1_000
MAX_MATRIX_SIZE = 32  # a matrix's fixed dimensions, at most (a named one, n, is left free)
_RATIONAL = re.compile(r"-?\d+(/[1-9]\d*)?")


class TreeError(SymgradError, ValueError):
    """A tree is not one this module writes: an unknown operation, a malformed node, too large."""


def to_tree(expr):
    """The JSON tree of a SymPy expression made of the whitelisted operations."""
    expr = sympy.sympify(expr)
    if isinstance(expr, sympy.Symbol):
        return {"symbol": expr.name}
    if isinstance(expr, sympy.MatrixSymbol):
        rows, columns = expr.shape
        return {"matrix": expr.name, "shape": [_dimension_tree(rows)] + ([] if columns == 1 else
                                                                          [_dimension_tree(columns)])}
    if type(expr) in MATRIX.values():
        return {"op": type(expr).__name__, "args": [to_tree(a) for a in expr.args]}
    if expr.is_Rational:
        return {"number": str(expr)}
    name = next((k for k, v in CONSTANTS.items() if expr == v), None)
    if name is not None:
        return {"constant": name}
    if isinstance(expr, sympy.Piecewise):
        return {"op": "Piecewise", "args": [to_tree(part) for pair in expr.args for part in pair]}
    op = operation_of(expr)
    if op is None and LOGICAL.get(type(expr).__name__) is type(expr):
        return {"op": type(expr).__name__, "args": [to_tree(a) for a in expr.args]}
    if op is not None and op.indexed:
        return {"op": op.name, "index": int(expr.args[0]), "args": [to_tree(a) for a in op.inputs(expr)]}
    if op is None and STRUCTURAL.get(type(expr).__name__) is not type(expr):
        names = sorted([*STRUCTURAL, *LOGICAL, *MATRIX, "Piecewise", *_functions()])
        raise TreeError(f"{unknown(expr, 'write ... as a tree')}; a tree holds {', '.join(names)}")
    return {"op": type(expr).__name__ if op is None else op.name, "args": [to_tree(a) for a in expr.args]}


def _dimension_tree(dim):
    return dim.name if isinstance(dim, sympy.Symbol) else int(dim)


def matrix_symbol(name, shape):
    """The MatrixSymbol ``name`` of ``shape``, ``("n", "d")``: a dimension is a name (a positive integer
    symbol) or a number from 1 to ``MAX_MATRIX_SIZE``; a vector, of one dimension, is a column."""
    if not isinstance(shape, (list, tuple)) or len(shape) not in (1, 2):
        raise TreeError(f"{name} has {len(shape) if isinstance(shape, (list, tuple)) else shape!r:.60} dimensions: "
                        "a vector has one, a matrix two")
    dims = []
    for d in shape:
        if isinstance(d, str) and d.isidentifier() and d.isascii() and len(d) <= MAX_NAME:
            dims.append(sympy.Symbol(d, integer=True, positive=True))
        elif isinstance(d, (int, sympy.Integer)) and not isinstance(d, bool) and 1 <= d <= MAX_MATRIX_SIZE:
            dims.append(sympy.Integer(d))
        else:
            raise TreeError(f"{name}'s dimension {d!r:.60} is neither a name nor a number from 1 to "
                            f"{MAX_MATRIX_SIZE} (name it, as n, to leave it free)")
    return sympy.MatrixSymbol(name, *dims, *([1] if len(dims) == 1 else []))


def _functions():
    """The registered functions a tree may hold, by name."""
    return {op.name: op for op in operations() if isinstance(op.function, type)}


def from_tree(tree):
    """The SymPy expression of a tree written by :func:`to_tree`, checked node by node; sums,
    products and powers are rebuilt as written, without evaluating them again."""
    budget = [MAX_NODES]
    return _read(tree, budget, 0)


def _read(tree, budget, depth):
    budget[0] -= 1
    if budget[0] < 0:
        raise TreeError(f"the tree has more than {MAX_NODES} nodes")
    if depth > MAX_DEPTH:
        raise TreeError(f"the tree is deeper than {MAX_DEPTH}")
    if not isinstance(tree, dict):
        raise TreeError(f"a tree node must be an object, got {type(tree).__name__}")
    keys = set(tree)
    if keys == {"symbol"}:
        return _symbol(tree["symbol"])
    if keys == {"number"}:
        return _number(tree["number"])
    if keys == {"matrix", "shape"}:
        return matrix_symbol(_symbol(tree["matrix"]).name, tree["shape"])
    if keys == {"constant"}:
        if tree["constant"] not in CONSTANTS:
            raise TreeError(f"unknown constant {tree['constant']!r}")
        return CONSTANTS[tree["constant"]]
    if "op" in keys and "args" in keys and isinstance(tree["args"], list):
        args = [_read(a, budget, depth + 1) for a in tree["args"]]
        op = tree["op"]
        function = find(op) if isinstance(op, str) else None
        function = function if function is not None and isinstance(function.function, type) else None
        if function is not None and function.indexed and keys == {"op", "index", "args"}:
            index = tree["index"]
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(args):
                raise TreeError(f"{op}: index {index!r} is not a component of {len(args)} logits")
            return function.function(index, *args)
        if isinstance(op, str) and op in MATRIX and keys == {"op", "args"} and args:
            return _matrix(op, args)
        if isinstance(op, str) and op in STRUCTURAL and keys == {"op", "args"} and args:
            if op == "Pow" and (len(args) != 2 or (args[1].is_Number and abs(args[1]) > MAX_EXPONENT)):
                raise TreeError(f"a power needs a base and an exponent of at most {MAX_EXPONENT} in size")
            return STRUCTURAL[op](*args, evaluate=False)  # as written: 2*(x + 1) stays a product, not 2*x + 2
        if keys == {"op", "args"} and args and (op == "Piecewise" or op in LOGICAL
                                                 or function is not None and not function.indexed):
            build = sympy.Piecewise if op == "Piecewise" else LOGICAL[op] if op in LOGICAL else function.function
            return _apply(op, build, args)
        raise TreeError(f"unknown operation {op!r}")
    raise TreeError(f"a tree node has the keys {sorted(keys)}, which is not a node this reader knows")


def _apply(op, build, args):
    """``build(*args)``, a Piecewise from its pieces in turn; a malformed application (a piece's
    condition that is not a truth value, a wrong number of arguments) is a TreeError."""
    try:
        if op == "Piecewise":
            if len(args) % 2:
                raise TypeError("a Piecewise needs a value and a condition for each piece")
            return build(*zip(args[::2], args[1::2]))
        return build(*args)
    except SettingError as error:  # leaky_relu's slope a symbol, hardtanh's bounds in the wrong order
        raise TreeError(f"{op}: {error}") from None
    except (TypeError, ValueError) as error:
        raise TreeError(f"{op}: cannot apply it to {len(args)} arguments ({error})") from None


def _matrix(op, args):
    """A matrix product, sum, transpose or Hadamard product of ``args``, their shapes agreeing as
    written (``n`` is not ``d``)."""
    shapes = [a.shape for a in args if isinstance(a, sympy.MatrixExpr)]
    if op == "MatMul":
        aligned = bool(shapes) and all(a[1] == b[0] for a, b in zip(shapes, shapes[1:]))
    else:
        aligned = len(shapes) == len(args) and len(set(shapes)) == 1 and (op != "Transpose" or len(args) == 1)
    if not aligned:
        raise TreeError(f"{op}: the shapes {', '.join(f'{r} x {c}' for r, c in shapes) or 'of scalars'} "
                        "do not agree")
    return MATRIX[op](*args)


def _symbol(name):
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise TreeError(f"a symbol's name must be a string of 1 to {MAX_NAME} characters, got {name!r}")
    return sympy.Symbol(name)


def _number(text):
    if not isinstance(text, str) or len(text) > MAX_DIGITS or not _RATIONAL.fullmatch(text):
        raise TreeError(f"a number must be an integer or a fraction p/q of at most {MAX_DIGITS} characters, "
                        f"got {str(text)[:40]!r}")
    return exact(text)
