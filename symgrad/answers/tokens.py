r"""LaTeX answers as validated tokens: the only characters and commands an answer may contain.

Everything a student types is lexed here first, against a whitelist, before any parser sees it:
an unknown command (``\input``, ``\def``), a control character or a stray symbol is
:class:`~symgrad.answers.problems.Unreadable`, naming what was wrong; an answer longer, deeper or
with longer numbers than :class:`~symgrad.answers.limits.Limits` allow is
:class:`~symgrad.answers.problems.TooComplex`.

Names are read as LaTeX reads them (``xw`` is ``x`` times ``w``) with two conveniences: a letter
followed by digits is subscripted (``w5`` is ``w_5``), and the multi-letter ``words`` the question
declares (``relu``, ``lr``) are one name each. Numbers are exact: ``2.5e-3`` is ``1/400``; a decimal
followed by an ellipsis (``1.692\ldots``, ``\dots``, ``...``) is the decimal, marked truncated. ``>`` and
``\mathbb{1}`` are tokens for an Iverson bracket, ``\mathbb{1}[z > 0]``, and ``\nabla`` (with its subscript,
``\nabla_w``) for the name of a gradient, ``\nabla L = ...``; the parser refuses them elsewhere. So are
the tokens of matrix answers: ``\top``, ``\intercal`` and ``\mathsf{T}`` (a transpose after ``^``),
``\odot`` and ``\otimes`` (matrix operators), ``\|`` (a norm's bar) and ``\mathbf{1}`` (a ones vector,
its subscript its length).
"""

import re
import unicodedata
from dataclasses import dataclass

from ..core.numbers import exact
from ..core.operations import spelled
from .limits import DEFAULT_LIMITS
from .problems import TooComplex, Unreadable

__all__ = ["Name", "Token", "tokenize", "function_words"]

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
    "rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon "
    "Phi Psi Omega".split())
# Accents and fonts that make a new name of the letter they apply to: \hat{y} is not y.
ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde",
           "widetilde": "tilde", "vec": "vec", "dot": "dot", "mathbf": "bf", "boldsymbol": "bf", "bm": "bf",
           "mathcal": "cal"}
# Commands whose argument is a word: \operatorname{relu}, \mathrm{lr}, \text{sigmoid}.
WORD_COMMANDS = frozenset("mathrm text textrm textit operatorname mathit mathsf".split())
OPERATORS = {"+": "+", "-": "-", "*": "*", "/": "/", "cdot": "*", "times": "*", "ast": "*", "div": "/"}
FRACTIONS = frozenset("frac dfrac tfrac cfrac".split())
SIZES = frozenset("big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm".split())
IGNORED = frozenset("displaystyle textstyle quad qquad".split())
OPENERS = {"(": ")", "[": "]", "{": "}", r"\{": r"\}", "langle": "rangle", "begin": "end"}
BARS = frozenset("lvert rvert vert mid".split())
NORMS = frozenset("lVert rVert Vert".split())
MATRIX_OPERATORS = {"odot": "odot", "otimes": "otimes"}  # Hadamard product, outer product
TRANSPOSES = frozenset("top intercal".split())
ENVIRONMENTS = frozenset("pmatrix bmatrix Bmatrix matrix smallmatrix".split())
SPACES = frozenset(",;:! ")  # \, \; \: \! and "\ "
UNICODE = {"−": "-", "–": "-", "·": r"\cdot ", "⋅": r"\cdot ", "×": r"\times ", "÷": r"\div ",
           "∂": r"\partial ", "²": "^2", "³": "^3", "√": r"\sqrt ", "′": "'", "…": r"\ldots "}
WHY_NOT = {"!": "factorials are not part of these answers", "<": "an answer is not an inequality",
           "%": "comments (%) are not allowed",
           "$": "dollar signs are only allowed around the whole answer", "#": "# is not allowed",
           "infty": "infinity is not an answer here",
           **dict.fromkeys(("ldots", "dots", "..."), "an ellipsis can only end a decimal, as 1.692... does")}

_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_SCIENTIFIC = re.compile(r"[eE]([+-]?)(\d+)")
ELLIPSES = (r"\ldots", r"\dots", "...")
_ELLIPSIS = re.compile(r"\s*(?:\\l?dots(?![A-Za-z])|\.\.\.)")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LETTERS = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"\d+")
_WORD_ARGUMENT = re.compile(r"\s*\{\s*([A-Za-z]+)\s*\}")
_ENV_ARGUMENT = re.compile(r"\s*\{\s*([A-Za-z]+\*?)\s*\}")
_STAR = re.compile(r"\^\s*(?:\*|\{\s*\*\s*\}|\\ast\b|\{\s*\\ast\s*\})")
_SUBSCRIPT = re.compile(r"_\s*(?:\{([^{}]*)\}|([A-Za-z0-9])|\\([A-Za-z]+))")
_SUBSCRIPT_TEXT = re.compile(r"(?:[A-Za-z0-9,]|\\[A-Za-z]+)*")
_ONE = re.compile(r"\s*(?:\{\s*1\s*\}|1)")
_SANS_T = re.compile(r"\s*(?:\{\s*T\s*\}|T(?![A-Za-z]))")
_ACCENT_ARGUMENT = re.compile(r"\s*(?:\{\s*(\\?[A-Za-z]+)\s*\}|([A-Za-z])|(\\[A-Za-z]+))")
_DELIMITERS = (r"\{", r"\}", "(", ")", "[", "]", "|", ".")


@dataclass(frozen=True)
class Name:
    r"""A name as typed, canonicalised: ``base`` (``w``, ``theta``, ``hat(y)``, ``relu``), ``sub`` (the
    subscript without braces or spaces: ``5``, ``1,2``) and ``star`` (``y^*``). ``w_5``, ``w_{5}``
    and ``w5`` have the same key."""

    base: str
    sub: str = ""
    star: bool = False

    @property
    def key(self):
        return self.base + (f"_{self.sub}" if self.sub else "") + ("^*" if self.star else "")


@dataclass(frozen=True)
class Token:
    r"""One lexeme. ``kind`` is number, name, op, sup, frac, sqrt, partial, prime, open, close, bar,
    comma, amp, row, equals, greater, indicator (a blackboard-bold 1), nabla, begin, end, transpose,
    matop (``odot``, ``otimes``), norm or ones (a bold 1); ``value`` is the exact number, the :class:`Name`,
    the operator (``+ - * /``, ``odot``), the bracket, the environment or the subscript of a nabla or of
    a ones vector (``w`` of ``\nabla_{w}``, ``n`` of ``\mathbf{1}_n``, "" for none);
    ``text`` is what was typed."""

    kind: str
    text: str
    position: int
    value: object = None

    @property
    def truncated(self):
        r"""The digits of a decimal typed with an ellipsis after it (``1.692`` of ``1.692\ldots``, whose
        value they are), else None."""
        return _NUMBER.match(self.text).group() if self.kind == "number" and self.text.endswith(ELLIPSES) else None


def function_words():
    r"""The functions' names that are LaTeX commands (``\exp``, ``\sin``, ``\log``)."""
    return frozenset(name for name, command, _ in spelled() if command and name not in GREEK)


def tokenize(text, words=frozenset(), limits=DEFAULT_LIMITS, folded=frozenset()):
    """The tokens of ``text``; ``words`` are the multi-letter names the question declares, and
    ``folded`` the lower-case words (function names) matched whatever their case (``ReLU``)."""
    if not isinstance(text, str):
        raise Unreadable(f"an answer must be text, got {type(text).__name__}")
    if len(text) > limits.max_length:
        raise TooComplex(f"the answer is {len(text)} characters long; at most {limits.max_length} are read")
    return _Lexer(_strip_math_delimiters(_plain_ascii(text)), words, folded, limits).run()


def _plain_ascii(text):
    """Common Unicode math (Greek letters, the minus sign, ·, ×) as LaTeX; other non-ASCII characters and
    control characters are refused, named by their code point only."""
    out = []
    for c in text:
        if c in "\t\n\r" or " " <= c <= "~":
            out.append(c)
        elif c in UNICODE:
            out.append(UNICODE[c])
        elif unicodedata.category(c) == "Zs":
            out.append(" ")
        elif (greek := _greek_command(c)) is not None:
            out.append(greek)
        elif unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn"):
            raise Unreadable(f"the answer contains the control character U+{ord(c):04X}")
        else:
            raise Unreadable(f"the character U+{ord(c):04X} is not allowed in an answer")
    return "".join(out)


def _greek_command(c):
    name = unicodedata.name(c, "")
    for case, prefix in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.capitalize)):
        if name.startswith(case):
            command = prefix(name[len(case):])
            if command in GREEK:
                return "\\" + command + " "
    return None


def _strip_math_delimiters(text):
    stripped = text.strip()
    for left, right in (("$$", "$$"), ("$", "$"), (r"\(", r"\)"), (r"\[", r"\]")):
        if len(stripped) >= len(left) + len(right) and stripped.startswith(left) and stripped.endswith(right):
            return stripped[len(left):len(stripped) - len(right)]
    return text


class _Lexer:
    def __init__(self, text, words, folded, limits):
        self.text, self.limits = text, limits
        self.commands = function_words()
        self.words = sorted(words | self.commands, key=len, reverse=True)
        self.folded = sorted(folded | self.commands, key=len, reverse=True)
        self.tokens = []
        self.i = 0
        self.groups = []  # open brackets: (closing text, is a superscript group)
        self.single = 0  # arguments of ^, \frac, \sqrt still to come without braces: one character each
        self.after_sup = False

    def run(self):
        while self.i < len(self.text):
            c = self.text[self.i]
            if c.isspace() or c == "~":
                self.i += 1
                continue
            if c == "\\":
                self._command()
            elif c.isdigit() or (c == "." and self.text[self.i + 1:self.i + 2].isdigit()):
                self._number()
            elif self.text.startswith("...", self.i):
                raise Unreadable(WHY_NOT["..."])
            elif c.isalpha():
                self._letters()
            elif c in "+-*/":
                self._emit("op", c, OPERATORS[c])
            elif c in "([{":
                self._open(c, c)
            elif c in ")]}":
                self._close(c)
            elif c == "^":
                self._emit("sup", c)
                self.after_sup = True
                self.single = 1
                continue
            elif c == "'":
                self._emit("prime", c)
            elif c == "|":
                self._emit("bar", c)
            elif c == ",":
                self._emit("comma", c)
            elif c == "&":
                self._emit("amp", c)
            elif c == "=":
                self._emit("equals", c)
            elif c == ">":
                self._emit("greater", c)
            elif c == "_":
                raise Unreadable(f"a subscript (_) must follow a name, at character {self.i + 1}")
            else:
                raise Unreadable(WHY_NOT.get(c) or f"the character {c!r} is not allowed in an answer")
            self.after_sup = False
        if self.groups:
            raise Unreadable(f"a bracket is not closed: {self.groups[-1][0]!r} is missing")
        return self.tokens

    # -- tokens ----------------------------------------------------------------------------------

    def _emit(self, kind, text, value=None, length=None):
        self.tokens.append(Token(kind, text, self.i, value))
        if len(self.tokens) > self.limits.max_tokens:
            raise TooComplex(f"the answer has more than {self.limits.max_tokens} symbols and operators")
        self.i += len(text) if length is None else length
        if kind not in ("open", "sup") and self.single:
            self.single -= 1

    def _open(self, text, bracket, length=None):
        script = self.after_sup and bracket == "{"
        self.groups.append((OPENERS[bracket], script, self.single))
        if len(self.groups) > self.limits.max_depth:
            raise TooComplex(f"brackets are nested more than {self.limits.max_depth} deep")
        if sum(1 for g in self.groups if g[1]) > self.limits.max_script_depth:
            raise TooComplex(f"exponents are nested more than {self.limits.max_script_depth} deep")
        self.single = 0
        self._emit("open", text, bracket, length)

    def _close(self, text, bracket=None, length=None):
        bracket = bracket or text
        if not self.groups:
            raise Unreadable(f"{text!r} closes a bracket that was never opened")
        expected, _, single = self.groups.pop()
        if bracket != expected:
            raise Unreadable(f"brackets do not match: {expected!r} was expected, not {text!r}")
        self.single = single
        self._emit("close", text, bracket, length)

    def _number(self):
        match = _NUMBER.match(self.text, self.i)
        digits = match.group()
        if self.single:  # x^23 is x^2 times 3, as in LaTeX
            digits = digits[0]
            self._check_digits(digits)
            self._emit("number", digits, exact(digits))
            return
        if digits.endswith(".") and self.text.startswith("...", match.end() - 1):  # 2... is 2 and ...
            digits = digits[:-1]
        ellipsis = _ELLIPSIS.match(self.text, self.i + len(digits))
        if ellipsis:
            if "." not in digits:
                raise Unreadable(WHY_NOT["..."])
            self._check_digits(digits)
            self._emit("number", self.text[self.i:ellipsis.end()], exact(digits))
            return
        scientific = _SCIENTIFIC.match(self.text, match.end())
        text = self.text[self.i:scientific.end()] if scientific else digits
        self._check_digits(digits)
        if scientific and len(scientific.group(2)) > 3:
            raise TooComplex(f"the exponent of {text[:20]} is too large")
        self._emit("number", text, exact(text.rstrip(".") if not scientific else text))

    def _check_digits(self, digits):
        if len(digits.replace(".", "")) > self.limits.max_digits:
            raise TooComplex(f"a number has more than {self.limits.max_digits} digits")

    def _letters(self):
        run = _LETTERS.match(self.text, self.i).group()
        if self.single:
            self._name(Name(run[0]), 1)
            return
        pieces, j, lower = [], 0, run.lower()
        while j < len(run):
            word = next((w for w in self.words if len(w) > 1 and run.startswith(w, j)), None) or next(
                (run[j:j + len(w)] for w in self.folded if len(w) > 1 and lower.startswith(w, j)), run[j])
            pieces.append(word)
            j += len(word)
        for k, piece in enumerate(pieces):
            sub = ""
            if k == len(pieces) - 1 and len(piece) == 1:  # w5 is w_5
                trailing = _DIGITS.match(self.text, self.i + len(piece))
                sub = trailing.group() if trailing else ""
            self._name(Name(piece, sub), len(piece) + len(sub))

    def _name(self, name, length):
        """Emit a name, taking the subscript and star that follow it (``w_{5}``, ``y^*``)."""
        start, end = self.i, self.i + length
        sub, star = name.sub, False
        for _ in range(2):
            if not sub and (m := _SUBSCRIPT.match(self.text, end)):
                sub = self._subscript(m)
                end = m.end()
            elif not star and (m := _STAR.match(self.text, end)):
                star, end = True, m.end()
        self._emit("name", self.text[start:end], Name(name.base, sub, star), end - start)

    def _subscript(self, match):
        braced, char, command = match.groups()
        if braced is not None:
            content = re.sub(r"\s+", "", braced)
            if not content or len(content) > 12 or _SUBSCRIPT_TEXT.fullmatch(content) is None:
                raise Unreadable(f"the subscript {{{braced.strip()[:12]}}} is not a plain label")
            return content.replace("\\", "")
        return char or command

    def _command(self):
        nxt = self.text[self.i + 1:self.i + 2]
        if nxt in SPACES:
            self.i += 2
            return
        if nxt == "\\":
            self._emit("row", "\\\\")
            return
        if nxt == "|":
            self._emit("norm", "\\|")
            return
        if nxt and nxt in "{}":
            return self._open("\\{", "\\{") if nxt == "{" else self._close("\\}", "\\}")
        match = _COMMAND.match(self.text, self.i)
        if match is None:
            raise Unreadable(f"the command \\{nxt} is not allowed in an answer")
        name, end = match.group(1), match.end()
        if name in ("left", "right") or name in SIZES:
            self.i = end
            self._delimiter(name)
        elif name in IGNORED:
            self.i = end
        elif name in OPERATORS:
            self._emit("op", match.group(), OPERATORS[name])
        elif name in FRACTIONS:
            self._emit("frac", match.group())
            self.single = 2
        elif name == "sqrt":
            self._emit("sqrt", match.group())
            self.single = 1
        elif name == "partial":
            self._emit("partial", match.group())
        elif name == "prime":
            self._emit("prime", match.group())
        elif name in ("gt", "geq", "ge"):  # > and >=, only inside an Iverson bracket
            self._emit("greater", match.group())
        elif name == "nabla":
            sub = _SUBSCRIPT.match(self.text, end)
            self._emit("nabla", self.text[self.i:sub.end() if sub else end], self._subscript(sub) if sub else "")
        elif name == "mathbb":
            one = _ONE.match(self.text, end)
            if one is None:
                raise Unreadable("\\mathbb can only be \\mathbb{1}, before [z > 0]")
            self._emit("indicator", self.text[self.i:one.end()])
        elif name == "langle":
            self._open(match.group(), "langle", len(match.group()))
        elif name == "rangle":
            self._close(match.group(), "rangle", len(match.group()))
        elif name in BARS:
            self._emit("bar", match.group())
        elif name in NORMS:
            self._emit("norm", match.group())
        elif name in TRANSPOSES:
            self._emit("transpose", match.group())
        elif name in MATRIX_OPERATORS:
            self._emit("matop", match.group(), MATRIX_OPERATORS[name])
        elif name == "mathsf" and (sans := _SANS_T.match(self.text, end)):
            self._emit("transpose", self.text[self.i:sans.end()])
        elif name in ("mathbf", "boldsymbol", "bm") and (one := _ONE.match(self.text, end)):
            sub = _SUBSCRIPT.match(self.text, one.end())
            self._emit("ones", self.text[self.i:sub.end() if sub else one.end()], self._subscript(sub) if sub else "")
        elif name in ("begin", "end"):
            self._environment(name, end)
        elif name in GREEK:  # \theta0 is \theta_0, as w5 is w_5
            trailing = _DIGITS.match(self.text, end) if not self.single else None
            sub = trailing.group() if trailing else ""
            self._name(Name(name, sub), end - self.i + len(sub))
        elif name in self.commands:
            self._name(Name(name), end - self.i)
        elif name in ACCENTS:
            self._accent(name, end)
        elif name in WORD_COMMANDS:
            word = _WORD_ARGUMENT.match(self.text, end)
            if word is None:
                raise Unreadable(f"\\{name} must be followed by a word in braces, as in \\{name}{{relu}}")
            self._name(Name(word.group(1)), word.end() - self.i)
        else:
            raise Unreadable(WHY_NOT.get(name) or f"the command \\{name[:20]} is not allowed in an answer")

    def _delimiter(self, size):
        """After \\left, \\right or \\big: the delimiter it sizes."""
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1
        rest = self.text[self.i:]
        for d in _DELIMITERS:
            if rest.startswith(d):
                if d == ".":
                    raise Unreadable(f"\\{size}. (an invisible delimiter) is not allowed in an answer")
                if d == "|":
                    return self._emit("bar", d)
                if d in ("(", "[", "\\{"):
                    return self._open(d, d)
                return self._close(d)
        match = _COMMAND.match(self.text, self.i)
        if match and match.group(1) in BARS | {"langle", "rangle"}:
            return self._command()
        raise Unreadable(f"\\{size} must be followed by a bracket")

    def _accent(self, accent, end):
        match = _ACCENT_ARGUMENT.match(self.text, end)
        letter = match and (match.group(1) or match.group(2) or match.group(3))
        if not letter or (letter.startswith("\\") and letter[1:] not in GREEK) or (
                not letter.startswith("\\") and len(letter) > 1):
            raise Unreadable(f"\\{accent} must apply to one letter, as in \\{accent}{{y}}")
        self._name(Name(f"{ACCENTS[accent]}({letter.lstrip(chr(92))})"), match.end() - self.i)

    def _environment(self, which, end):
        match = _ENV_ARGUMENT.match(self.text, end)
        if match is None or match.group(1) not in ENVIRONMENTS:
            shown = match.group(1) if match else "?"
            raise Unreadable(f"the environment {shown[:20]} is not allowed; write vectors and matrices with "
                             "pmatrix or bmatrix")
        text = self.text[self.i:match.end()]
        if which == "begin":
            self._open(text, "begin", len(text))
        else:
            self._close(text, "end", len(text))
        last = self.tokens[-1]
        self.tokens[-1] = Token(which, last.text, last.position, match.group(1))
