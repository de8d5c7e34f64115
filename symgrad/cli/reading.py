"""Reading an expression typed on the command line (untrusted text) without ``eval`` or ``sympify``.

The text is lexed against a whitelist (names, decimal numbers, ``+ - * / ** ^ ( ) [ ] ,``) and read
by a recursive descent with the answer checker's limits (:class:`~symgrad.answers.limits.Limits`):
its length, its nesting, its numbers' digits, each exponent and exact power, the size of the result.
A variable is any name not starting with ``_`` (``w``, ``x1``, ``w_5``, ``yhat``); a function is one
of symgrad's vocabulary, the registered operations (:func:`~symgrad.core.operations.operations`, by
name and by spelling: ``sigma``, ``sigmoid``, ``relu``, ``tanh``, ``exp``, ``log``, ``sqrt``) and
the losses (``mse``, ``bce``, ``cross_entropy``); ``softmax_k(z1, ..., zn)`` is component k (from 1)
of a function of the softmax family, and ``[a, b, c]`` a list, as an argument only
(``cross_entropy([z1, z2], 0)``). Anything else is refused with one line naming the problem and its
column in the text.
"""

import difflib
import inspect
import keyword
import re
from types import MappingProxyType

import sympy

from ..answers.limits import DEFAULT_LIMITS, bounded_power
from ..answers.problems import TooComplex
from ..core import losses
from ..core.errors import SymgradError
from ..core.numbers import exact
from ..core.operations import operations, spelled

__all__ = ["read_expression", "functions", "TextError"]

SHOWN = 60  # characters of the text quoted in an error


class TextError(SymgradError):
    """Text that is not an expression symgrad reads; the message names the problem and its column."""

    def __init__(self, problem, text, column, hint=""):
        quoted = text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"
        super().__init__(f'{problem} at column {column} of "{quoted}"{hint}')
        self.problem, self.column = problem, column


def functions():
    """``{name: (callable, indexed)}``: every function a text may call, by name: each operation with a
    spelling (by it and by its name in snake case) or of the softmax family, and each loss."""
    found = {}
    for op in operations():
        if op.spellings or op.indexed:
            found.setdefault(op.plain_name, (op.function, op.indexed))
    for name, _, op in spelled():
        found.setdefault(name, (op.function, op.indexed))
    for name in losses.__all__:  # a loss of a model's output: huber(p, y), not the unit Huber function
        f = getattr(losses, name)
        if inspect.isfunction(f) and f.__module__ == losses.__name__:
            found[name] = (f, False)
    return MappingProxyType(found)


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),\[\]])
""", re.VERBOSE)
_WHY_NOT = {"'": "strings are not allowed", '"': "strings are not allowed", ".": "attribute access is not allowed",
            "=": "= is not allowed in an expression", "@": "@ is not allowed", ":": ": is not allowed",
            "{": "braces are not allowed", "}": "braces are not allowed", "\\": "backslashes are not allowed",
            "!": "! is not allowed", "%": "% is not allowed", "<": "comparisons are not allowed",
            ">": "comparisons are not allowed", "&": "& is not allowed", "|": "| is not allowed",
            "~": "~ is not allowed", "`": "backquotes are not allowed", "$": "$ is not allowed", "#": "# is not allowed",
            ";": "; is not allowed"}
_INDEXED = re.compile(r"([A-Za-z]\w*?)_(\d+)")


def read_expression(text, what="the expression", limits=DEFAULT_LIMITS, lists=False):
    """The SymPy expression ``text`` denotes, its variables plain Symbols; :class:`TextError` when it
    is not one (``what`` names the text in a message about it as a whole). With ``lists``, the
    result may be a list ``[a, b]``'s tuple."""
    if not isinstance(text, str):
        raise SymgradError(f"{what} must be text, got {type(text).__name__}")
    if len(text) > limits.max_length:
        raise SymgradError(f"{what} is {len(text)} characters long; at most {limits.max_length} are read")
    reader = _Reader(text, _tokens(text, limits), limits)
    value = reader.whole(lists)
    count = 0
    for _ in sympy.preorder_traversal(value if isinstance(value, sympy.Basic) else sympy.Tuple(*value)):
        count += 1
        if count > limits.max_operations:
            raise SymgradError(f"{what} has more than {limits.max_operations} operations once read")
    return value


def _tokens(text, limits):
    """``(kind, text, column)`` for each lexeme, columns from 1; refuses what no lexeme is."""
    tokens, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            c = text[i]
            raise TextError(_WHY_NOT.get(c, f"the character {c!r} is not allowed"), text, i + 1)
        kind, lexeme = m.lastgroup, m.group()
        if kind == "name" and lexeme.startswith("_"):
            raise TextError(f"the name {lexeme[:20]!r} starts with _, which is not allowed", text, i + 1)
        if kind == "name" and keyword.iskeyword(lexeme):
            raise TextError(f"{lexeme!r} is a Python keyword, not allowed", text, i + 1)
        if kind == "number" and sum(c.isdigit() for c in re.split("[eE]", lexeme)[0]) > limits.max_digits:
            raise TextError(f"a number has more than {limits.max_digits} digits", text, i + 1)
        if kind == "number" and (e := re.search(r"[eE][+-]?(\d+)", lexeme)) and len(e.group(1)) > 3:
            raise TextError("a number's exponent is too large", text, i + 1)
        if kind != "space":
            tokens.append((kind, lexeme, i + 1))
        i = m.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


class _Reader:
    """Recursive descent: sum > product > sign > power (right-associative) > atom."""

    def __init__(self, text, tokens, limits):
        self.text, self.tokens, self.limits = text, tokens, limits
        self.k, self.depth = 0, 0
        self.functions = functions()

    def fail(self, problem, column=None, hint=""):
        raise TextError(problem, self.text, self.peek()[2] if column is None else column, hint)

    def peek(self):
        return self.tokens[self.k]

    def take(self):
        token = self.tokens[self.k]
        self.k += 1
        return token

    def expect(self, lexeme):
        kind, text, column = self.peek()
        if text != lexeme or kind != "op":
            self.fail(f"expected {lexeme!r}, found {text!r}" if text else f"expected {lexeme!r} before the end")
        return self.take()

    def whole(self, lists):
        value = self.list() if lists and self.peek()[1] == "[" else self.sum()
        kind, text, column = self.peek()
        if kind != "end":
            self.fail(f"unexpected {text!r}" + (": an operator is missing" if kind in ("name", "number") or text in "([" else ""))
        return value

    def nested(self, column):
        self.depth += 1
        if self.depth > self.limits.max_depth:
            self.fail(f"the expression is nested more than {self.limits.max_depth} deep", column)

    def sum(self):
        value = self.product()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            sign = self.take()[1]
            term = self.product()
            value = value + term if sign == "+" else value - term
        return value

    def product(self):
        value = self.signed()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            factor = self.signed()
            if op == "/" and factor == 0:
                self.fail("division by zero", self.tokens[self.k - 1][2])
            value = value * factor if op == "*" else value / factor
        return value

    def signed(self):
        if self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            _, sign, column = self.take()
            self.nested(column)
            value = self.signed()
            self.depth -= 1
            return value if sign == "+" else -value
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek()[1] in ("**", "^"):
            _, _, column = self.take()
            self.nested(column)
            exponent = self.signed()
            self.depth -= 1
            try:
                return bounded_power(sympy.sympify(base) if isinstance(base, int) else base, exponent, self.limits)
            except TooComplex as problem:
                self.fail(str(problem), column)
        return base

    def atom(self):
        kind, text, column = self.peek()
        if kind == "number":
            self.take()
            return exact(text)
        if kind == "name":
            self.take()
            if self.peek()[1] == "(":
                return self.call(text, column)
            if text in self.functions:
                self.fail(f"{text} is a function: call it, as in {text}(x)", column)
            return sympy.Symbol(text)
        if text == "(":
            self.take()
            self.nested(column)
            value = self.sum()
            self.expect(")")
            self.depth -= 1
            return value
        if text == "[":
            self.fail("a list [...] can only be a function's argument", column)
        self.fail(f"expected a number, a name or '(', found {text!r}" if text else "the expression ends too soon")

    def list(self):
        _, _, column = self.expect("[")
        self.nested(column)
        items = [self.sum()]
        while self.peek()[1] == ",":
            self.take()
            items.append(self.sum())
        self.expect("]")
        self.depth -= 1
        return tuple(items)

    def call(self, name, column):
        function, component = self._function(name, column)
        _, _, opened = self.expect("(")
        self.nested(opened)
        arguments = []
        if self.peek()[1] != ")":
            arguments.append(self.list() if self.peek()[1] == "[" else self.sum())
            while self.peek()[1] == ",":
                self.take()
                arguments.append(self.list() if self.peek()[1] == "[" else self.sum())
        self.expect(")")
        self.depth -= 1
        if component is not None:
            if not 1 <= component <= len(arguments):
                self.fail(f"{name} of {len(arguments)} logits has no component {component} (they count from 1)", column)
            arguments = [component - 1, *arguments]
        try:
            value = function(*arguments)
        except SymgradError as error:
            self.fail(f"{name}: {error}", column)
        except (TypeError, ValueError) as error:
            self.fail(f"{name} cannot take these {len(arguments)} arguments ({str(error)[:80]})", column)
        if not isinstance(value, sympy.Expr):
            self.fail(f"{name} gives {type(value).__name__}, not one expression", column)
        return value

    def _function(self, name, column):
        """The callable ``name`` calls and the component it names (from 1), or None."""
        found = self.functions.get(name)
        indexed = _INDEXED.fullmatch(name)
        if found is None and indexed and self.functions.get(indexed[1], (None, False))[1]:
            return self.functions[indexed[1]][0], int(indexed[2])
        if found is None:
            close = difflib.get_close_matches(name, self.functions, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; the functions are {', '.join(sorted(self.functions))}"
            self.fail(f"unknown function {name!r}", column, hint)
        if found[1]:
            self.fail(f"{name} gives one value per logit: name the component, as in {name}_1(z1, z2, z3)", column)
        return found[0], None
