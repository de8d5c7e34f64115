r"""Reading a student's answer: symgrad's adapter around latex2sympy2_extended, which owns the conventions.

The pipeline: the text is lexed against a whitelist (:mod:`~symgrad.answers.tokens`); each number,
name, function call, bracketed group, absolute value, square root and exponent is read here and
stands in the text given to latex2sympy as a one-letter placeholder; latex2sympy reads what is left
(sums, products, implicit multiplication, ``/`` and ``\frac``, powers), and the tree it returns is
rebuilt with the placeholders' values, under the size limits. So latex2sympy only ever sees input
built here from validated tokens: no student text, no digits (it would ``sympify`` them), nothing it
could misread.

The conventions: ``\log`` is natural unless the question says otherwise (``\log_{10}``, ``\log_2``
name their base); ``\sigma(wx+b)`` and ``\sigma'(z)`` call the declared function; ``2.5e-3`` is a
number; ``\frac{\partial L}{\partial w_5}`` is a derivative; ``W`` and ``w`` are different symbols;
``2x(xw-y)`` is a product; ``\operatorname{softmax}_2(z_1, z_2, z_3)`` is a component of softmax,
``\log\operatorname{softmax}_2(...)`` of log-softmax, and ``[z > 0]`` relu's derivative, when the question
has them. A name the question does not declare is reported, never made a new symbol.
"""

import string
from dataclasses import dataclass, field

import sympy
from sympy.matrices.expressions.diagonal import DiagMatrix
from antlr4.atn.PredictionMode import PredictionMode
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, _Latex2Sympy

from ..core.activations import LogSoftmax, Softmax, sigmoid, step
from ..core.differentiation import derivative
from ..core.errors import SymgradError
from ..core.numbers import exact
from ..core.losses import bce
from .equivalence import TOO_LARGE
from .limits import DEFAULT_LIMITS, bounded_power
from .spellings import LOG, Spellings
from .problems import TooComplex, UnknownSymbols, Unreadable, WrongShape
from .tokens import tokenize

__all__ = ["Reading", "read_answer", "read_matrix_answer", "shape_text", "typed_size", "warm_up"]

# Letters latex2sympy reads as plain symbols (e is Euler's number, I the imaginary unit, d a differential).
PLACEHOLDERS = tuple(c for c in string.ascii_letters if c not in "deEiI")
_CONFIG = ConversionConfig(lowercase_symbols=False, interpret_as_mixed_fractions=False,
                           interpret_simple_eq_as_assignment=False, interpret_contains_as_eq=False)
_OPERATORS = {"+": "+", "-": "-", "*": r"\cdot", "/": "/"}
NABLA = r"\nabla can only name a gradient before its value, as in \nabla L = (a, b) or \nabla_w L = a"
_PRIMARY_ENDS = ("number", "name", "close")


@dataclass(frozen=True)
class Reading:
    """An answer as symgrad read it: ``cells`` (one expression, a list, or a matrix of ``shape``);
    ``sizes[i]`` is how many symbols cell ``i`` was typed with (brackets and a leading sign aside; 0 for
    an answer given as an object), to tell a messy right answer from a simple one;
    ``derivatives`` maps each derivative the student wrote to ``(of, wrt)``, ``values`` to its value and
    ``latex`` to how it prints; ``truncated`` are the digits of the decimals typed with an ellipsis;
    ``labels`` the symbol each cell is named by (``w = 0.669, b = -0.415``), when the answer names them."""

    cells: tuple
    shape: tuple | None = None
    sizes: tuple = ()
    derivatives: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    latex: dict = field(default_factory=dict)
    truncated: tuple = ()
    labels: tuple = ()


def read_answer(answer, notation, limits=DEFAULT_LIMITS):
    """The :class:`Reading` of an answer: LaTeX text, a number, a SymPy expression or matrix, or a
    list of them. Raises :class:`~symgrad.answers.problems.AnswerProblem` when it cannot be read."""
    if isinstance(answer, str):
        return _read_latex(answer, notation, limits)
    return _read_object(answer, notation, limits)


def warm_up():
    """Read a few typical answers once, so that latex2sympy's parser has built its prediction tables
    (shared by the process and by workers forked from it) before the first student's answer."""
    global _warm
    if _warm:
        return
    x, y, w = sympy.symbols("x y w")
    notation = Spellings.declare([x, y, w], function=bce(sigmoid(w * x), y))  # which has brackets
    for text in _WARM_UP:
        read_answer(text, notation)
    _warm = True


_warm = False
_WARM_UP = (r"2x(xw-y)", r"2 x^2 w - 2xy", r"-2x \cdot (x w - y)", r"\frac{e^{-x}}{(1+e^{-x})^2}", r"-\frac{21}{5}",
            r"\sigma(x)(1-\sigma(x))", r"1/2x", r"w - 0.01 \cdot 2x(xw - y)", r"|x - y| + \sqrt{x}",
            r"\ln(x) - \log_{10} y", r"x^{-1} + y^2 w^3", r"(2x, 2y)", r"\frac{x}{y} \cdot \frac{1}{2} - 3",
            r"\tanh^2(x) + e^{xy}", r"- x - - y", r"4.2", r"-8",
            # what symgrad prints, typed back: \left( \right), \cdot, subscripts, bce's clamp brackets
            r"x \cdot \left(1 - \sigma\left(w x\right)\right) \cdot \left(-y \frac{\left[\log{\left("
            r"\sigma\left(x\right) \right)} \geq -100\right]}{\sigma\left(x\right)} - \left(y - 1\right) "
            r"\frac{\left[\log{\left(1 - x \right)} \geq -100\right]}{1 - x}\right)")


# -- objects ------------------------------------------------------------------------------------


def _read_object(answer, notation, limits):
    shape = None
    if isinstance(answer, sympy.MatrixBase):
        shape, values = answer.shape, list(answer)
    elif isinstance(answer, (list, tuple)) and answer and all(isinstance(r, (list, tuple)) for r in answer):
        shape, values = _shape(answer), [v for r in answer for v in r]  # a matrix as a list of its rows
    elif isinstance(answer, (list, tuple)):
        values = list(answer)
    else:
        values = [answer]
    cells = []
    for value in values:
        if isinstance(value, str):
            raise Unreadable("a list answer must hold numbers or SymPy expressions, not text")
        try:
            cell = exact(value)
        except SymgradError as error:
            raise Unreadable(str(error)) from None
        except Exception:
            raise Unreadable(f"cannot read an answer of type {type(value).__name__}") from None
        if not isinstance(cell, sympy.Expr):
            raise Unreadable(f"the answer is a {type(cell).__name__}, not an expression")
        _check_size(cell, limits)
        unknown = sorted(s.name for s in cell.free_symbols if s not in notation.variables)
        if unknown:
            raise UnknownSymbols(unknown)
        cells.append(cell)
    return Reading(tuple(cells), shape, (0,) * len(cells))


# -- LaTeX ----------------------------------------------------------------------------------------


def _read_latex(text, notation, limits):
    tokens = tokenize(text, notation.words, limits, notation.function_words)
    reader = _Reader(notation, limits)
    entries = _named_entries(tokens)
    if entries:
        labels = tuple(reader.label(name) for name, _ in entries)
        rows, shape = [[value for _, value in entries]], None
    else:
        labels = ()
        rows, shape = _layout(_after_last_equals(tokens))
    cells = tuple(reader.expression(cell, 0) for row in rows for cell in row)
    if reader.unknown:
        raise UnknownSymbols(dict.fromkeys(reader.unknown))
    sizes = tuple(typed_size(cell) for row in rows for cell in row)
    truncated = tuple(t.truncated for row in rows for cell in row for t in cell if t.truncated)
    return Reading(cells, shape, sizes, reader.derivatives, reader.values, reader.latex, truncated, labels)


def _named_entries(tokens):
    r"""``[(name, value)]`` token lists when the answer is entries each named before its ``=`` (``w = 0.669,
    b = -0.415``, ``\frac{\partial L}{\partial b} = ..., \frac{\partial L}{\partial w} = ...``, in brackets
    or not), else None (``\nabla L = (a, b)`` has one ``=`` for the whole answer)."""
    parts = _split(tokens[1:-1] if _is_tuple(tokens) else tokens, "comma")
    named = [_has_top_level(part, "equals") for part in parts]
    if len(parts) < 2 or not any(named[1:]):
        return None
    if not all(named):
        raise Unreadable("name every entry or none, as in w = 0.669, b = -0.415")
    return [(_split(part, "equals")[0], _after_last_equals(part)) for part in parts]


def _after_last_equals(tokens):
    r"""``\frac{dL}{dw} = 2x(xw - y)`` and ``\nabla L = (-1.692, -0.846)`` answer with the right-hand side
    (the last one in a chain); a ``\nabla`` before it names what it is the gradient of."""
    depth, last = 0, -1
    for k, t in enumerate(tokens):
        depth += (t.kind in ("open", "begin")) - (t.kind in ("close", "end"))
        if t.kind == "equals" and depth == 0:
            last = k
    if any(t.kind == "nabla" and tokens[k + 1].kind != "name" for k, t in enumerate(tokens[:max(last, 0)])):
        raise Unreadable(NABLA)
    return tokens[last + 1:]


def _layout(tokens):
    """The cells of the answer: ``([[tokens]], None)`` for one expression, one row of cells for a
    list (``(a, b)``, ``a, b``), rows of cells and their shape for a pmatrix/bmatrix or a tuple of
    tuples (``((a, b), (c, d))``)."""
    if not tokens:
        raise Unreadable("the answer is empty")
    if tokens[0].kind == "begin" and _matching(tokens, 0) == len(tokens) - 1:
        if tokens[0].value != tokens[-1].value:
            raise Unreadable(f"\\begin{{{tokens[0].value}}} is closed by \\end{{{tokens[-1].value}}}")
        rows = [_split(row, "amp") for row in _split(tokens[1:-1], "row")]
        if rows and not any(rows[-1]):  # a trailing \\
            rows.pop()
        return rows, _shape(rows)
    inner = tokens[1:-1] if _is_tuple(tokens) else tokens
    cells = _split(inner, "comma")
    if len(cells) > 1 and all(_is_tuple(c) for c in cells):  # ((a, b), (c, d)): a matrix row by row
        rows = [_split(c[1:-1], "comma") for c in cells]
        return rows, _shape(rows)
    return [cells], None


def _shape(rows):
    """``(rows, columns)`` of a matrix given row by row; its rows must be of one length."""
    if not rows or len({len(r) for r in rows}) != 1:
        raise Unreadable("the rows of the matrix have different lengths")
    return len(rows), len(rows[0])


def _is_tuple(tokens):
    """Whether ``tokens`` are one bracketed list of at least two entries, ``(a, b)``."""
    return (bool(tokens) and tokens[0].kind == "open" and _matching(tokens, 0) == len(tokens) - 1
            and _has_top_level(tokens[1:-1], "comma"))


def _split(tokens, kind):
    parts, depth, start = [], 0, 0
    for k, t in enumerate(tokens):
        depth += (t.kind in ("open", "begin")) - (t.kind in ("close", "end"))
        if t.kind == kind and depth == 0:
            parts.append(tokens[start:k])
            start = k + 1
    parts.append(tokens[start:])
    return parts


def _has_top_level(tokens, kind):
    return len(_split(tokens, kind)) > 1


def _argument(tokens, j, after):
    """``(start, end, next)`` of the argument at ``j``: a braced or bracketed group (its inside) or
    one number or name."""
    if j >= len(tokens):
        raise Unreadable(f"{after} is missing its argument")
    t = tokens[j]
    if t.kind == "open":
        end = _matching(tokens, j)
        return j + 1, end, end + 1
    if t.kind in ("number", "name", "prime"):
        return j, j + 1, j + 1
    raise Unreadable(f"{after} must be followed by a group in braces or a single symbol")


def _matching(tokens, k):
    """The index of the bracket closing the one opened at ``k`` (the lexer checked they balance)."""
    depth = 0
    for j in range(k, len(tokens)):
        depth += (tokens[j].kind in ("open", "begin")) - (tokens[j].kind in ("close", "end"))
        if depth == 0:
            return j
    raise Unreadable("a bracket is not closed")


def typed_size(tokens):
    """How many symbols an expression was typed with: its tokens, less brackets and a leading sign."""
    kept = [t for t in tokens if t.kind not in ("open", "close")]
    if kept and kept[0].kind == "op" and kept[0].value in "+-":
        kept = kept[1:]
    return len(kept)


class _Reader:
    """Reads token lists into expressions; collects the unknown names and derivatives on the way."""

    def __init__(self, notation, limits):
        self.notation, self.limits = notation, limits
        self.unknown = []
        self.derivatives, self.values, self.latex = {}, {}, {}

    def expression(self, tokens, depth):
        if not tokens:
            raise Unreadable("an expression is empty, as in () or an operator with nothing after it")
        if depth > self.limits.max_depth:
            raise TooComplex(f"the answer is nested more than {self.limits.max_depth} deep")
        depth = 0
        for t in tokens:  # inside brackets, the part read on its own checks its own
            if depth == 0 and t.kind in _MISPLACED:
                raise Unreadable(_MISPLACED[t.kind] if t.kind != "greater" or self.notation.iverson else
                                 "an answer is not an inequality")
            depth += (t.kind == "open") - (t.kind == "close")
        emitter = _Emitter(self, tokens, depth)
        latex = emitter.run()
        tree = _latex2sympy(latex)
        expr = _Builder(emitter.bindings, self.limits).build(tree)
        _check_size(expr, self.limits)
        return expr

    def derivative(self, of_token, wrt_token):
        """``\\frac{\\partial X}{\\partial Y}``: a placeholder whose value is dX/dY."""
        of = self._lookup(of_token)
        wrt = self._lookup(wrt_token)
        if wrt is not None and wrt not in self.notation.variables:
            raise Unreadable(f"{wrt_token.text} in \\partial {wrt_token.text} is not a variable of the question")
        if of is None or wrt is None:
            return sympy.Dummy("unknown")
        shown = r"\frac{\partial %s}{\partial %s}" % (self.notation.latex.get(of, sympy.latex(of)),
                                                     self.notation.latex.get(wrt, sympy.latex(wrt)))
        placeholder = sympy.Dummy("derivative")
        self.latex[placeholder] = shown
        self.derivatives[placeholder] = (of, wrt)
        self.values[placeholder] = derivative(self.notation.expand(of), wrt)
        return placeholder

    def derivative_of(self, expr, wrt_token):
        r"""``\frac{\partial}{\partial Y}(X)``: a placeholder whose value is dX/dY, X an expression."""
        wrt = self._lookup(wrt_token)
        if wrt is None:
            return sympy.Dummy("unknown")
        if wrt not in self.notation.variables:
            raise Unreadable(f"{wrt_token.text} in \\partial {wrt_token.text} is not a variable of the question")
        placeholder = sympy.Dummy("derivative")
        self.latex[placeholder] = r"\frac{\partial}{\partial %s}\left(%s\right)" % (
            self.notation.latex.get(wrt, sympy.latex(wrt)), self.notation.show(expr, self.latex))
        self.derivatives[placeholder] = (expr, wrt)
        self.values[placeholder] = derivative(self.notation.expand(expr.xreplace(self.values)), wrt)
        return placeholder

    def label(self, tokens):
        r"""The symbol an entry is named by (None when unknown): ``w``, ``\frac{\partial L}{\partial w}``,
        ``\frac{dL}{dw}`` and ``\nabla_w L`` name ``w``."""
        name = tokens[0] if len(tokens) == 1 and tokens[0].kind == "name" else None
        if len(tokens) == 2 and tokens[0].kind == "nabla" and tokens[1].kind == "name" and tokens[0].value:
            sub = tokenize(tokens[0].value, self.notation.words, self.limits, self.notation.function_words)
            name = sub[0] if len(sub) == 1 and sub[0].kind == "name" else None
        elif tokens and tokens[0].kind == "frac":
            top = _argument(tokens, 1, "\\frac")
            bottom = _argument(tokens, top[2], "\\frac")
            leibniz = bottom[2] == len(tokens) and _leibniz(tokens[top[0]:top[1]], tokens[bottom[0]:bottom[1]])
            name = leibniz[1] if leibniz else None
        if name is None:
            raise Unreadable(r"an entry is named by a variable or its derivative, as in w = 0.669 or "
                             r"\frac{\partial L}{\partial w} = 0.669")
        return self._lookup(name)

    def _lookup(self, token):
        value = self.notation.names.get(token.value.key)
        if value is None:
            self.unknown.append(token.text)
        return value


_MISPLACED = {"comma": "a comma can only separate the entries of the whole answer, as in (a, b)",
              "amp": "& can only separate the entries of a matrix", "row": "\\\\ can only end a row of a matrix",
              "begin": "a matrix can only be the whole answer", "end": "a matrix can only be the whole answer",
              "equals": "= can only come before the answer", "nabla": NABLA,
              "greater": "> can only appear in relu's derivative, written [z > 0]"}


class _Emitter:
    """Turns one token list into latex2sympy input in which every operand is a placeholder letter."""

    def __init__(self, reader, tokens, depth):
        self.reader, self.notation = reader, reader.notation
        self.tokens, self.depth = tokens, depth
        self.bindings, self._letters = {}, {}
        self.out = []  # pieces: placeholders, "{A}^{B}", operators, "\frac{A}{B}"
        self.last_is_operand = False

    def run(self):
        i = 0
        while i < len(self.tokens):
            i = self._step(i)
        return " ".join(self.out)

    def bind(self, value):
        key = (type(value), value)
        if key not in self._letters:
            if len(self.bindings) == len(PLACEHOLDERS):
                raise TooComplex(f"one expression holds more than {len(PLACEHOLDERS)} distinct numbers, "
                                 "names and groups")
            letter = PLACEHOLDERS[len(self.bindings)]
            self.bindings[letter] = value
            self._letters[key] = letter
        return self._letters[key]

    def sub(self, tokens):
        """A bracketed part, read on its own."""
        return self.reader.expression(tokens, self.depth + 1)

    def _operand(self, value):
        self.out.append(self.bind(value))
        self.last_is_operand = True

    def _step(self, i):
        t = self.tokens[i]
        kind = t.kind
        if kind == "number":
            self._operand(t.value)
            return i + 1
        if kind == "name":
            return self._name(i)
        if kind == "op":
            self.out.append(_OPERATORS[t.value])
            self.last_is_operand = False
            return i + 1
        if kind == "open":
            if t.value == "[" and _has_top_level(self.tokens[i + 1:_matching(self.tokens, i)], "greater"):
                return self._iverson(i)
            j = _matching(self.tokens, i)
            self._operand(self.sub(self.tokens[i + 1:j]))
            return j + 1
        if kind == "indicator":  # \mathbb{1}[z > 0]
            return self._iverson(i + 1)
        if kind == "bar":
            j = self._closing_bar(i)
            self._operand(sympy.Abs(self.sub(self.tokens[i + 1:j])))
            return j + 1
        if kind == "frac":
            return self._fraction(i)
        if kind == "sqrt":
            return self._root(i)
        if kind == "sup":
            return self._power(i)
        if kind == "prime":
            raise Unreadable("a prime ' must follow a function's name, as in \\sigma'(z)")
        if kind == "partial":
            raise Unreadable("\\partial can only appear in a derivative, as in \\frac{\\partial L}{\\partial w}")
        raise Unreadable(f"{t.text} is not allowed here")

    # -- operands ----------------------------------------------------------------------------------

    def _name(self, i):
        t = self.tokens[i]
        name = t.value
        value = self.notation.names.get(name.key)
        function = self.notation.function(name)
        calls = i + 1 < len(self.tokens) and self.tokens[i + 1].kind in ("open", "prime", "sup")
        if name.base == LOG and (value is None or calls):
            return self._call(i, self._logarithm(name))
        if function is not None and (value is None or (calls and self.tokens[i + 1].kind == "prime")):
            return self._call(i, function)
        if value is None:
            self.reader.unknown.append(t.text)
            if calls and self.tokens[i + 1].value == "(":  # an unknown function: what follows cannot be read
                raise UnknownSymbols(dict.fromkeys(self.reader.unknown))
            value = sympy.Dummy("unknown")
        self._operand(value)
        return i + 1

    def _logarithm(self, name):
        if not name.sub:
            base = self.notation.log_base
        elif name.sub == "e":
            base = sympy.E
        else:
            try:
                base = exact(name.sub)
            except Exception:
                base = self.notation.names.get(name.sub)
            if base is None or (base.is_number and (base <= 0 or base == 1)):
                raise Unreadable(f"\\log_{{{name.sub}}} has no valid base")
        return sympy.Lambda(_T, sympy.log(_T) if base == sympy.E else sympy.log(_T, base))

    def _call(self, i, function):
        """A function's name, its primes or power, and its arguments: ``\\sigma'(z)``, ``\\tanh^2(x)``,
        ``\\ln x``, ``f(x, y)``."""
        shown = self.tokens[i].text
        j, order, power = i + 1, 0, None
        while j < len(self.tokens) and self.tokens[j].kind == "prime":
            order, j = order + 1, j + 1
        if j < len(self.tokens) and self.tokens[j].kind == "sup":
            script = _argument(self.tokens, j + 1, "^")
            if all(t.kind == "prime" for t in self.tokens[script[0]:script[1]]):  # \sigma^{\prime}
                order += script[1] - script[0]
            else:
                power = self.sub(self.tokens[script[0]:script[1]])
            j = script[2]
        if j < len(self.tokens) and self.tokens[j].kind == "open" and self.tokens[j].value == "(":
            end = _matching(self.tokens, j)
            arguments = [self.sub(part) for part in _split(self.tokens[j + 1:end], "comma")]
            j = end + 1
        elif j < len(self.tokens):
            end = self._factor_end(j)
            arguments = [self.sub(self.tokens[j:end])]
            j = end
        else:
            raise Unreadable(f"{shown} has no argument")
        value = _apply(function, arguments, order, shown)
        if isinstance(value, sympy.log) and isinstance(value.args[0], Softmax):
            value = LogSoftmax(*value.args[0].args)  # \log\operatorname{softmax}_k, as symgrad prints it
        self._operand(value if power is None else bounded_power(value, power, self.reader.limits))
        return j

    def _iverson(self, i):
        """``[a > b]``: 1 where a > b, else 0, relu's derivative ``step(a - b)``; ``[a \\geq b]``: 1
        where a >= b, ``1 - step(b - a)`` (the bracket of bce's clamped log, ``[\\log p \\geq -100]``)."""
        if i == len(self.tokens) or self.tokens[i].kind != "open" or self.tokens[i].value != "[":
            raise Unreadable("\\mathbb{1} must be followed by [z > 0]")
        if not self.notation.iverson:
            raise Unreadable("an answer is not an inequality ([z > 0] is for questions about relu)")
        j = _matching(self.tokens, i)
        inside = self.tokens[i + 1:j]
        sides = _split(inside, "greater")
        if len(sides) != 2:
            raise Unreadable("a bracket [a > b] compares two sides, once")
        left, right = (self.sub(side) for side in sides)
        at_least = inside[len(sides[0])].value in ("\\geq", "\\ge")
        self._operand(1 - step(right - left) if at_least else step(left - right))
        return j + 1

    def _fraction(self, i):
        numerator = _argument(self.tokens, i + 1, "\\frac")
        denominator = _argument(self.tokens, numerator[2], "\\frac")
        top, bottom = self.tokens[numerator[0]:numerator[1]], self.tokens[denominator[0]:denominator[1]]
        leibniz = _leibniz(top, bottom)
        operator = _differential(bottom) if len(top) == 1 and _is_d(top[0]) else None
        if leibniz:
            self._operand(self.reader.derivative(*leibniz))
        elif operator is not None:
            return self._derivative_of(denominator[2], operator)
        else:
            self.out.append(r"\frac{%s}{%s}" % (self.bind(self.sub(top)), self.bind(self.sub(bottom))))
            self.last_is_operand = True
        return denominator[2]

    def _derivative_of(self, j, wrt_token):
        r"""``\frac{\partial}{\partial w}(...)``: the derivative, not yet worked out, of the bracket at ``j``
        (with its power, if it has one: ``\frac{\partial}{\partial w}(wx - y)^2``)."""
        if j >= len(self.tokens) or self.tokens[j].kind != "open" or self.tokens[j].value != "(":
            raise Unreadable("\\frac{\\partial}{\\partial w} must be followed by what it differentiates, in "
                             "brackets: \\frac{\\partial}{\\partial w}(w x - y)")
        end = _matching(self.tokens, j)
        inner, j = self.sub(self.tokens[j + 1:end]), end + 1
        if j < len(self.tokens) and self.tokens[j].kind == "sup":
            script = _argument(self.tokens, j + 1, "^")
            inner = bounded_power(inner, self.sub(self.tokens[script[0]:script[1]]), self.reader.limits)
            j = script[2]
        self._operand(self.reader.derivative_of(inner, wrt_token))
        return j

    def _root(self, i):
        j, index = i + 1, 2
        if j < len(self.tokens) and self.tokens[j].kind == "open" and self.tokens[j].value == "[":
            end = _matching(self.tokens, j)
            index = self.sub(self.tokens[j + 1:end])
            j = end + 1
        radicand = _argument(self.tokens, j, "\\sqrt")
        value = self.sub(self.tokens[radicand[0]:radicand[1]])
        self._operand(bounded_power(value, 1 / index, self.reader.limits) if index != 2 else sympy.sqrt(value))
        return radicand[2]

    def _power(self, i):
        if not self.last_is_operand:
            raise Unreadable("^ must follow what it raises to a power")
        script = _argument(self.tokens, i + 1, "^")
        exponent = self.sub(self.tokens[script[0]:script[1]])
        base = self.out.pop()
        self.out.append("{%s}^{%s}" % (base, self.bind(exponent)))
        return script[2]

    # -- spans ---------------------------------------------------------------------------------------

    def _factor_end(self, j):
        """The end of the factor a function applies to without parentheses: ``\\ln x``, ``\\exp 2x``
        reads ``\\exp(2) x``; an exponent belongs to a bare factor (``\\ln x^2``), but not to a
        bracketed one (``\\log{(w)}^{2}`` is the square of the logarithm, as SymPy prints it)."""
        t = self.tokens[j]
        if t.kind == "name" and self._calls(j):  # \log \operatorname{softmax}_2(z_1, z_2), \ln \sigma(z)
            return _matching(self.tokens, j + 1) + 1
        if t.kind in ("number", "name"):
            end = j + 1
        elif t.kind == "open":
            return _matching(self.tokens, j) + 1
        elif t.kind == "bar":
            end = self._closing_bar(j) + 1
        elif t.kind in ("frac", "sqrt"):
            end = _argument(self.tokens, j + 1, t.text)[2]
            if t.kind == "frac":
                end = _argument(self.tokens, end, t.text)[2]
        else:
            raise Unreadable("a function must be followed by its argument, as in \\ln(x)")
        if end < len(self.tokens) and self.tokens[end].kind == "sup":
            end = _argument(self.tokens, end + 1, "^")[2]
        return end

    def _calls(self, j):
        """Whether the name at ``j`` calls a function (it is no declared symbol) on arguments in ``(...)``."""
        name = self.tokens[j].value
        following = self.tokens[j + 1] if j + 1 < len(self.tokens) else None
        return (following is not None and following.kind == "open" and following.value == "("
                and self.notation.names.get(name.key) is None
                and (self.notation.function(name) is not None or name.base == LOG))

    def _closing_bar(self, i):
        """The bar closing the absolute value opened at ``i``: a bar after an operand closes one."""
        depth, previous_closed, k = 0, False, i + 1
        while k < len(self.tokens):
            t = self.tokens[k]
            if t.kind == "open":
                k = _matching(self.tokens, k)
            elif t.kind == "bar":
                before = self.tokens[k - 1].kind
                closes = k > i + 1 and (before in _PRIMARY_ENDS or before == "bar" and previous_closed)
                previous_closed = closes
                if closes and depth == 0:
                    return k
                depth += -1 if closes else 1
            k += 1
        raise Unreadable("an absolute value |...| is not closed")


_T = sympy.Dummy("t")


def _is_d(token):
    return token.kind == "partial" or token.kind == "name" and token.value.key == "d"


def _differential(tokens):
    """The name token of ``\\partial X`` or ``dX``, else None."""
    return tokens[1] if len(tokens) == 2 and tokens[1].kind == "name" and _is_d(tokens[0]) else None


def _leibniz(top, bottom):
    """``(of, wrt)`` name tokens when ``top/bottom`` is ``\\partial X / \\partial Y`` or ``dX / dY``."""
    of, wrt = _differential(top), _differential(bottom)
    return (of, wrt) if of is not None and wrt is not None else None


def _apply(function, arguments, order, shown):
    r"""``function`` (differentiated ``order`` times) at ``arguments``; SymPy may evaluate it as it
    builds it (``\cosh`` of ``\cosh(10)`` asks whether it is positive): a value too large for that
    is :class:`TooComplex`."""
    arity = function.nargs
    if len(arguments) not in arity:
        raise Unreadable(f"{shown} takes {_count(arity)}, not {len(arguments)}")
    if order and len(arguments) != 1:
        raise Unreadable(f"a prime on {shown} needs a function of one argument")
    try:
        if order == 0:
            return function(*arguments)
        value = function(_T)
        for _ in range(order):
            value = derivative(value, _T)
        return value.xreplace({_T: arguments[0]})
    except OverflowError:
        raise TooComplex(TOO_LARGE) from None


def _count(arity):
    sizes = sorted(arity) if arity.is_finite_set else []
    return f"{sizes[0]} argument" + ("s" if sizes[0] != 1 else "") if len(sizes) == 1 else "other arguments"


def _latex2sympy(latex):
    """latex2sympy's reading of placeholder text: SLL prediction first (fast), LL when SLL cannot decide."""
    for mode in (PredictionMode.SLL, PredictionMode.LL):
        try:
            return _Parser(mode).parse(latex)
        except (MemoryError, RecursionError):
            raise TooComplex("the answer is too large to read") from None
        except Exception:  # latex2sympy signals syntax errors with a bare Exception
            continue
    raise Unreadable("the expression is not well formed: check the operators and that nothing is missing")


class _Parser(_Latex2Sympy):
    """latex2sympy2_extended's converter with the prediction mode chosen (its default, LL, is slow)."""

    def __init__(self, mode):
        super().__init__(config=_CONFIG)
        self.mode = mode

    def create_parser(self, latex_str):
        parser = super().create_parser(latex_str)
        parser._interp.predictionMode = self.mode
        return parser


class _Builder:
    """latex2sympy's tree with each placeholder replaced by its value, every power checked first."""

    def __init__(self, bindings, limits):
        self.bindings, self.limits = bindings, limits

    def build(self, tree):
        if isinstance(tree, sympy.Symbol):
            if tree.name not in self.bindings:
                raise Unreadable("the expression is not well formed")
            return self.bindings[tree.name]
        if isinstance(tree, sympy.Rational):
            return tree
        if isinstance(tree, sympy.UnevaluatedExpr):
            return self.build(tree.args[0])
        args = [self.build(a) for a in tree.args]
        if isinstance(tree, sympy.Add):
            return sympy.Add(*args)
        if isinstance(tree, sympy.Mul):
            return sympy.Mul(*args)
        if isinstance(tree, sympy.Pow):
            return bounded_power(*args, self.limits)
        raise Unreadable("the expression is not well formed")


def _check_size(expr, limits):
    count = 0
    for _ in sympy.preorder_traversal(expr):
        count += 1
        if count > limits.max_operations:
            raise TooComplex(f"the answer has more than {limits.max_operations} operations")


# -- matrix answers -------------------------------------------------------------------------------

MATRIX_WORDS = frozenset(("diag", "tr"))
_OPERAND_ENDS = ("number", "name", "close", "transpose", "ones")


def read_matrix_answer(text, matrices, notation, limits=DEFAULT_LIMITS):
    r"""A matrix answer as a SymPy matrix expression in ``matrices`` (``{name: MatrixSymbol}``, vectors
    as columns). The rules: juxtaposition and ``\cdot`` multiply (matrices by their shapes, a 1 x 1 one
    as a number, also as a divisor), ``\odot`` is the Hadamard product and ``\otimes`` the outer product
    ``a b^\top`` of two columns, both left to right with the product; ``^\top``, ``^T``, ``^{\mathsf T}``
    and ``^\intercal`` transpose; ``\|x\|^2`` is ``x^\top x``; ``\operatorname{diag}(v)`` the diagonal
    matrix of a column, ``\operatorname{tr}(A)`` the trace of a square matrix, ``\mathbf{1}_n`` (or
    ``\mathbf{1}`` after a matrix it multiplies) a column of ones; a function (``\sigma'(z)``) applies
    entry by entry. A product or sum of shapes that do not fit is
    :class:`~symgrad.answers.problems.WrongShape`."""
    tokens = tokenize(text, notation.words | MATRIX_WORDS | set(matrices), limits, notation.function_words)
    reader = _MatrixReader(matrices, notation, limits)
    try:
        value = reader.expression(_after_last_equals(tokens), 0)
    except WrongShape:  # an unknown name (read as a number) is the answer's first problem
        if not reader.unknown:
            raise
    if reader.unknown:
        raise UnknownSymbols(dict.fromkeys(reader.unknown))
    _check_size(value, limits)
    return value


def shape_text(value):
    """``n x d`` for a matrix, ``1 x 1`` for a number."""
    rows, columns = value.shape if isinstance(value, sympy.MatrixExpr) else (1, 1)
    return f"{rows} x {columns}"


class _MatrixReader:
    """Reads the tokens of a matrix answer (:func:`read_matrix_answer`); collects unknown names."""

    def __init__(self, matrices, notation, limits):
        self.matrices, self.notation, self.limits = matrices, notation, limits
        self.dims = {str(s): s for m in matrices.values() for s in m.shape if isinstance(s, sympy.Symbol)}
        self.unknown = []

    def expression(self, tokens, depth):
        """A sum of terms, each with its sign."""
        if not tokens:
            raise Unreadable("an expression is empty, as in () or an operator with nothing after it")
        if depth > self.limits.max_depth:
            raise TooComplex(f"the answer is nested more than {self.limits.max_depth} deep")
        for t in tokens:
            if t.kind in _MISPLACED:
                raise Unreadable(_MISPLACED[t.kind] if t.kind != "greater" else "an answer is not an inequality")
        total, start, sign, level, in_norm = None, 0, 1, 0, False
        for k in range(len(tokens) + 1):
            t = tokens[k] if k < len(tokens) else None
            if t is not None:
                level += (t.kind == "open") - (t.kind == "close")
                in_norm ^= t.kind == "norm"
            ends = t is None or (level == 0 and not in_norm and t.kind == "op" and t.value in "+-"
                                 and k > start and tokens[k - 1].kind in _OPERAND_ENDS + ("norm",))
            if t is not None and not ends and k == start and t.kind == "op" and t.value in "+-":
                sign, start = (-sign if t.value == "-" else sign), k + 1
                continue
            if ends:
                term = self._term(tokens[start:k], depth)
                term = -term if sign < 0 else term
                total = term if total is None else self._add(total, term)
                if t is not None:
                    sign, start = (-1 if t.value == "-" else 1), k + 1
        return total

    def _add(self, a, b):
        if _shape_of(a) != _shape_of(b):
            raise WrongShape(f"your answer adds terms of shapes {shape_text(a)} and {shape_text(b)}")
        return a + b

    def _term(self, tokens, depth):
        """Factors multiplied left to right: by juxtaposition or ``\\cdot``, ``/``, ``\\odot``, ``\\otimes``."""
        if not tokens:
            raise Unreadable("an operator has nothing after it")
        value, operator, i = None, "*", 0
        while i < len(tokens):
            t = tokens[i]
            if t.kind in ("op", "matop"):
                if value is None or operator != "*" or t.value in "+-":
                    raise Unreadable(f"{t.text} must stand between two factors")
                operator, i = t.value, i + 1
                continue
            factor, i = self._factor(tokens, i, value, depth)
            value = factor if value is None else self._combine(value, operator, factor)
            operator = "*"
        if operator != "*":
            raise Unreadable("an operator has nothing after it")
        return value

    def _combine(self, a, operator, b):
        if operator == "/":
            if _shape_of(b) == (1, 1):
                b = sympy.Trace(b)
            if _shape_of(b) is not None:
                raise WrongShape(f"your answer divides by a matrix of shape {shape_text(b)}")
            return a / b
        if operator == "odot":
            if _shape_of(a) is None or _shape_of(b) is None:
                return a * b
            if a.shape != b.shape:
                raise WrongShape(f"your answer's Hadamard product has sides of shapes {shape_text(a)} and "
                                 f"{shape_text(b)}")
            return sympy.HadamardProduct(a, b)
        if operator == "otimes":
            if _shape_of(a) is None or _shape_of(b) is None or a.shape[1] != 1 or b.shape[1] != 1:
                raise WrongShape(r"\otimes is read as the outer product a b^\top of two columns, here "
                                 f"of shapes {shape_text(a)} and {shape_text(b)}")
            return a * b.T
        return _product(a, b)

    def _factor(self, tokens, i, before, depth):
        """A primary and the transposes and powers after it; the index after them."""
        value, i, norm = self._primary(tokens, i, before, depth)
        while i < len(tokens) and tokens[i].kind == "sup":
            start, end, after = _argument_or_transpose(tokens, i + 1)
            script = tokens[start:end]
            if len(script) == 1 and (script[0].kind == "transpose" or script[0].kind == "name"
                                     and script[0].value.key == "T" and "T" not in self.matrices):
                value, i, norm = (value.T if _shape_of(value) else value), after, None
                continue
            exponent = self.expression(script, depth + 1)
            if norm is not None and exponent == 2:
                value = _product(norm.T, norm)
            elif _shape_of(value) is None and _shape_of(exponent) is None:
                value = bounded_power(value, exponent, self.limits)
            else:
                raise Unreadable("a matrix is raised to a power only as a norm, \\|x\\|^2, or transposed, X^\\top")
            i, norm = after, None
        return value, i

    def _primary(self, tokens, i, before, depth):
        """``(value, next index, the vector of a norm or None)`` of the operand at ``i``."""
        t = tokens[i]
        if t.kind == "number":
            return t.value, i + 1, None
        if t.kind == "open":
            end = _matching(tokens, i)
            return self.expression(tokens[i + 1:end], depth + 1), end + 1, None
        if t.kind == "norm":
            end = next((k for k in range(i + 1, len(tokens)) if tokens[k].kind == "norm"), None)
            if end is None:
                raise Unreadable("a norm \\|x\\| is not closed")
            inner = self.expression(tokens[i + 1:end], depth + 1)
            if _shape_of(inner) is None or inner.shape[1] != 1:
                raise WrongShape(f"the norm is taken of shape {shape_text(inner)}, not of a column vector")
            return sympy.sqrt(sympy.Trace(_product(inner.T, inner))), end + 1, inner
        if t.kind == "ones":
            return self._ones(t, before), i + 1, None
        if t.kind == "frac":
            top = _argument(tokens, i + 1, "\\frac")
            bottom = _argument(tokens, top[2], "\\frac")
            value = self._combine(self.expression(tokens[top[0]:top[1]], depth + 1), "/",
                                  self.expression(tokens[bottom[0]:bottom[1]], depth + 1))
            return value, bottom[2], None
        if t.kind == "name":
            return self._name(tokens, i, depth)
        raise Unreadable(f"{t.text} is not allowed here")

    def _name(self, tokens, i, depth):
        name = tokens[i].value
        if name.key in self.matrices:
            return self.matrices[name.key], i + 1, None
        if name.key in MATRIX_WORDS:
            j = i + 1
            if j == len(tokens) or tokens[j].kind != "open":
                raise Unreadable(f"\\operatorname{{{name.key}}} must be followed by its argument in brackets")
            end = _matching(tokens, j)
            return _matrix_function(name.key, self.expression(tokens[j + 1:end], depth + 1)), end + 1, None
        function = self.notation.function(name)
        if function is None:
            self.unknown.append(tokens[i].text)
            return sympy.Dummy("unknown"), i + 1, None
        j, order = i + 1, 0
        while j < len(tokens) and tokens[j].kind == "prime":
            order, j = order + 1, j + 1
        if j == len(tokens) or tokens[j].kind != "open":
            raise Unreadable(f"{tokens[i].text} must be followed by its argument in brackets")
        end = _matching(tokens, j)
        argument, shown = self.expression(tokens[j + 1:end], depth + 1), tokens[i].text
        if _shape_of(argument) is None:
            return _apply(function, [argument], order, shown), end + 1, None
        return argument.applyfunc(sympy.Lambda(_T, _apply(function, [_T], order, shown))), end + 1, None

    def _ones(self, token, before):
        if token.value:
            if token.value not in self.dims:
                raise Unreadable(f"\\mathbf{{1}}_{token.value} names no dimension of the question")
            return sympy.OneMatrix(self.dims[token.value], 1)
        if _shape_of(before) is None:
            raise Unreadable("write a column of ones with its length, as \\mathbf{1}_n, unless a matrix "
                             "multiplies it")
        return sympy.OneMatrix(before.shape[1], 1)


def _shape_of(value):
    return value.shape if isinstance(value, sympy.MatrixExpr) else None


def _product(a, b):
    """``a b``: a 1 x 1 matrix multiplies as the number it holds (its trace); other shapes must fit."""
    shape_a, shape_b = _shape_of(a), _shape_of(b)
    if shape_a is None or shape_b is None:
        return a * b
    if shape_a[1] != shape_b[0]:
        if shape_a == (1, 1) or shape_b == (1, 1):
            return sympy.Trace(a) * b if shape_a == (1, 1) else a * sympy.Trace(b)
        raise WrongShape(f"your answer multiplies a matrix of shape {shape_text(a)} by one of shape {shape_text(b)}")
    return a * b


def _matrix_function(word, value):
    """``diag`` of a column vector, ``tr`` of a square matrix."""
    shape = _shape_of(value)
    if word == "diag":
        if shape is None or shape[1] != 1:
            raise WrongShape(f"\\operatorname{{diag}} makes a diagonal matrix of a column, not of shape "
                             f"{shape_text(value)}")
        return DiagMatrix(value)
    if shape is None or shape[0] != shape[1]:
        raise WrongShape(f"\\operatorname{{tr}} is the trace of a square matrix, not of shape {shape_text(value)}")
    return sympy.Trace(value)


def _argument_or_transpose(tokens, j):
    """The argument of ``^`` at ``j``; ``^\\top`` is one token."""
    if j < len(tokens) and tokens[j].kind == "transpose":
        return j, j + 1, j + 1
    return _argument(tokens, j, "^")
