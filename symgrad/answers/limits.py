"""The limits an answer and a key file must stay within. An answer's sizes are checked before and
while parsing, a key's fields when it is loaded; time and memory are enforced by the worker process
that checks answers and reads keys (:mod:`symgrad.answers.sandbox`)."""

import json
import math
import re
from dataclasses import dataclass

import sympy

from ..core.errors import SymgradError
from ..core.serialize import MAX_DIGITS, MAX_MATRIX_SIZE, MAX_NAME
from .problems import TooComplex

__all__ = ["Limits", "DEFAULT_LIMITS", "bounded_power", "read_json", "check_key", "check_key_entry", "key_question_name"]


@dataclass(frozen=True)
class Limits:
    """``max_length`` characters, ``max_tokens`` tokens, brackets nested ``max_depth`` deep and
    superscripts ``max_script_depth`` deep; numbers of at most ``max_digits`` digits; a numeric
    exponent of at most ``max_exponent`` in absolute value and an exact power of at most ``max_bits``
    bits; an answer of at most ``max_operations`` operations once read. A check takes at most
    ``seconds`` of wall-clock time and its worker at most ``memory_mb`` MB above what it started with;
    preparing a question (its right and typical wrong answers) at most ``prepare_seconds``. A derivation
    has at most ``max_lines`` lines, each an answer's size, checked in ``seconds`` per line."""

    max_length: int = 2000
    max_tokens: int = 600
    max_depth: int = 20
    max_script_depth: int = 3
    max_digits: int = 30
    max_exponent: int = 1000
    max_bits: int = 20000
    max_operations: int = 1500
    seconds: float = 1.5
    memory_mb: int = 512
    prepare_seconds: float = 60.0
    max_lines: int = 30


DEFAULT_LIMITS = Limits()


def bounded_power(base, exponent, limits):
    """``base ** exponent``, refused (:class:`~symgrad.answers.problems.TooComplex`) when the exponent or
    the exact result would be too large."""
    if exponent.is_Number:
        if abs(exponent) > limits.max_exponent:
            raise TooComplex(f"an exponent is larger than {limits.max_exponent}")
        if base.is_Rational and exponent.is_Integer:
            bits = max(abs(base.p), abs(base.q)).bit_length() * abs(int(exponent))
            if bits > limits.max_bits:
                raise TooComplex("a power is too large to compute exactly")
    return sympy.Pow(base, exponent)


# -- what a key file must stay within ------------------------------------------------------------
# A key travels between teachers: it is data from outside, read under limits as an answer is. Its
# JSON is checked here, in the grader (types, sizes, number bounds: cheap, and a one-line error naming
# the question and the field); everything that builds expressions from it runs in the checking
# worker, under its time and memory limits (:func:`symgrad.answers.keys.load_key`).

MAX_JSON_DEPTH = 250  # a key's trees are at most 200 deep (symgrad.core.serialize), within a few levels
MAX_JSON_CHARS = 64 * 2 ** 20
MAX_KEY_QUESTIONS = 1000
MAX_KEY_NODES = 1000
MAX_KEY_STEPS = 1000  # gradient steps a gradient_step question may ask for
MAX_KEY_TEXT = 20_000  # characters of a prompt
MAX_KEY_NAME = MAX_NAME  # characters of an id, a variable's name, a spelling (as of a tree's symbol)
MAX_KEY_ENTRIES = 1000  # variables, direction components, spellings
MAX_MATRICES = 26  # matrices a matrix question has, at most
MAX_NUMBER_CHARS = MAX_DIGITS  # of an exact number written as text ("479/500", "2.5e-3"), as in a tree
MAX_NUMBER_EXPONENT = 1000  # of a decimal written with an exponent: 1e999999999 would take hours to read
_DECIMAL = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d{1,9}))?\s*")
_NUMBER_START = re.compile(r"\s*[-+.\d]")
_FRACTION = re.compile(r"\s*[-+]?\d+\s*/\s*[-+]?\d+\s*")


def read_json(text, what, parse_int=None, max_depth=MAX_JSON_DEPTH):
    """The JSON value in ``text``, refused with a one-line SymgradError starting with ``what`` when it is
    not JSON, longer than ``MAX_JSON_CHARS`` or nested deeper than ``MAX_JSON_DEPTH`` (for key and
    answer files: JSON nested 100,000 deep would exhaust Python's recursion). ``parse_int`` is
    ``json.loads``'s: how an integer's digits are read. With ``max_depth`` None only what Python's
    recursion cannot parse is refused (an answers file: a deep answer is that row's verdict)."""
    if len(text) > MAX_JSON_CHARS:
        raise SymgradError(f"{what}: longer than {MAX_JSON_CHARS:,} characters")
    try:
        data = json.loads(text, parse_int=parse_int)
    except RecursionError:
        raise SymgradError(f"{what}: nested more than {MAX_JSON_DEPTH} deep") from None
    except ValueError as error:  # JSONDecodeError, and integers of more than 4,300 digits
        raise SymgradError(f"{what}: not valid JSON: {error}") from None
    level, depth = [data] if max_depth is not None else [], 0
    while level:
        depth += 1
        if depth > max_depth:
            raise SymgradError(f"{what}: nested more than {max_depth} deep")
        level = [v for c in level if isinstance(c, (dict, list)) for v in (c.values() if isinstance(c, dict) else c)
                 if isinstance(v, (dict, list))]
    return data


def check_key(data):
    """Refuse a key (loaded JSON) whose shape, types or sizes are not a key's, naming the question
    and the field; trees are checked where they are read (:func:`symgrad.core.serialize.from_tree`)."""
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise SymgradError("a key is a JSON object with a list of questions")
    _expect(len(data["questions"]) <= MAX_KEY_QUESTIONS, "the key", "questions",
            f"at most {MAX_KEY_QUESTIONS} questions", f"{len(data['questions'])}")
    for field in ("worksheet", "student", "title"):
        _text(data.get(field), "the key", field, MAX_KEY_TEXT)
    nodes = data.get("nodes")
    if nodes is not None:
        _expect(isinstance(nodes, dict) and len(nodes) <= MAX_KEY_NODES, "the key", "nodes",
                f"an object of at most {MAX_KEY_NODES} nodes", nodes)
        for name, node in nodes.items():
            _expect(len(name) <= MAX_KEY_NAME and isinstance(node, dict) and isinstance(node.get("tree"), dict),
                    "the key", f"nodes.{name[:MAX_KEY_NAME]}", "an object with a tree", node)
            _text(node.get("latex"), "the key", f"nodes.{name}.latex", MAX_KEY_NAME)
    for entry in data["questions"]:
        check_key_entry(entry)


def key_question_name(entry):
    """How errors name a key's question: ``key question q3``."""
    ident = entry.get("id", "?") if isinstance(entry, dict) else "?"
    return f"key question {str(ident)[:MAX_KEY_NAME] if isinstance(ident, (str, int)) else '?'}"


def check_key_entry(entry):
    """Refuse one question of a key whose fields have the wrong types or sizes, or numbers too long or
    too large to read (``"steps": 10**9``, ``"point": {"w": "1e999999999"}``)."""
    if not isinstance(entry, dict):
        raise SymgradError("a key's question is a JSON object")
    name = key_question_name(entry)
    ident = entry.get("id")
    _expect(ident is None or isinstance(ident, (str, int)) and not isinstance(ident, bool)
            and len(str(ident)) <= MAX_KEY_NAME, name, "id", f"a name of at most {MAX_KEY_NAME} characters", ident)
    for field in ("kind", "of", "function"):
        _text(entry.get(field), name, field, MAX_KEY_NAME if field != "function" else MAX_KEY_TEXT)
    _text(entry.get("prompt"), name, "prompt", MAX_KEY_TEXT)
    _expect(isinstance(entry.get("function_tree", {}), dict), name, "function_tree", "a tree (an object)",
            entry.get("function_tree"))
    wrt = entry.get("wrt")
    names = wrt if isinstance(wrt, list) else [wrt]
    _expect(0 < len(names) <= MAX_KEY_ENTRIES and all(_is_name(n) for n in names), name, "wrt",
            "a variable's name or a list of them", wrt)
    point = entry.get("point")
    if point is not None:
        _expect(isinstance(point, dict) and len(point) <= MAX_KEY_ENTRIES, name, "point",
                "an object of values by variable", point)
        for variable, value in point.items():
            _expect(_is_name(variable), name, "point", "an object of values by variable", variable)
            if not isinstance(value, dict):  # a tree is read where trees are
                _number(value, name, f"point.{variable}")
    rate = entry.get("learning_rate")
    if rate is not None and not (_is_name(rate) and not _NUMBER_START.match(rate)):  # a name: left symbolic (eta)
        _number(rate, name, "learning_rate")
    steps = entry.get("steps")
    _expect(steps is None or isinstance(steps, int) and not isinstance(steps, bool) and 1 <= steps <= MAX_KEY_STEPS,
            name, "steps", f"a whole number from 1 to {MAX_KEY_STEPS}", steps)
    direction = entry.get("direction")
    if direction is not None:
        _expect(isinstance(direction, list) and 0 < len(direction) <= MAX_KEY_ENTRIES, name, "direction",
                "a list of numbers", direction)
        for i, component in enumerate(direction):
            _number(component, name, f"direction[{i}]")
    answer = entry.get("answer")
    if answer is not None:
        _expect(isinstance(answer, dict), name, "answer", "an object with a tree", answer)
        tree = answer.get("tree")
        _expect(tree is None or isinstance(tree, dict) or isinstance(tree, list)
                and len(tree) <= MAX_KEY_ENTRIES and all(isinstance(t, dict) for t in tree),
                name, "answer.tree", "a tree or a list of trees", tree)
    symbols = entry.get("symbols")
    _expect(symbols is None or isinstance(symbols, dict) and len(symbols) <= MAX_KEY_ENTRIES
            and all(_is_name(k) and isinstance(v, str) and len(v) <= MAX_KEY_NAME for k, v in symbols.items()),
            name, "symbols", "an object of LaTeX spellings by variable", symbols)
    shapes = entry.get("shapes")
    _expect(shapes is None or isinstance(shapes, dict) and len(shapes) <= MAX_MATRICES
            and all(_is_name(k) and k.isidentifier() and k.isascii() and isinstance(v, list) and len(v) in (1, 2)
                    and all(_is_name(d) and d.isidentifier() and d.isascii() or isinstance(d, int)
                            and not isinstance(d, bool) and 1 <= d <= MAX_MATRIX_SIZE for d in v)
                    for k, v in shapes.items()),
            name, "shapes", f"an object of at most {MAX_MATRICES} shapes by matrix, each one or two dimensions "
            f"(a name, or a number from 1 to {MAX_MATRIX_SIZE})", shapes)
    tolerance = entry.get("tolerance")
    if isinstance(tolerance, dict):
        for part, value in tolerance.items():
            _number(value, name, f"tolerance.{str(part)[:MAX_KEY_NAME]}")
    elif tolerance is not None:
        _number(tolerance, name, "tolerance")
    if entry.get("log_base") not in (None, "e"):
        _number(entry["log_base"], name, "log_base")


def _number(value, name, field):
    """A number as a key writes one: a JSON number, or text such as ``479/500`` or ``2.5e-3``, short
    enough and with a small enough exponent to be read exactly at once."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _expect(math.isfinite(value) and abs(value) < 10 ** MAX_NUMBER_EXPONENT, name, field,
                "a finite number", value)
        return
    _expect(isinstance(value, str) and len(value) <= MAX_NUMBER_CHARS, name, field,
            f"a number (at most {MAX_NUMBER_CHARS} characters)", value)
    decimal = _DECIMAL.fullmatch(value)
    _expect(decimal or _FRACTION.fullmatch(value), name, field, "a number such as 479/500 or 2.5e-3", value)
    _expect(not decimal or abs(int(decimal.group(2) or 0)) <= MAX_NUMBER_EXPONENT, name, field,
            f"a number with an exponent of at most {MAX_NUMBER_EXPONENT}", value)


def _text(value, name, field, longest):
    _expect(value is None or isinstance(value, str) and len(value) <= longest, name, field,
            f"text of at most {longest:,} characters", value)


def _is_name(value):
    return isinstance(value, str) and 0 < len(value) <= MAX_KEY_NAME


def _expect(condition, name, field, what, value):
    if not condition:
        shown = repr(value)
        raise SymgradError(f"{name}: {field} must be {what}, not {shown[:60]}{'...' if len(shown) > 60 else ''}")
