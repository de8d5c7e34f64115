"""Worksheet answer keys (``NAME.key.json``, written by ``symgrad render``) read as questions.

A key is ``{"worksheet": NAME, "questions": [{"id", "kind", "prompt", "function", "wrt", "point",
"learning_rate", "answer": {"sympy", "latex", "value", "tree"}, "function_tree", ...}]}``, with
exact numbers as strings (``"479/500"``) and expressions as the JSON trees of :mod:`symgrad.core.serialize`
(a point's value too, when it is not rational: the value of an intermediate node).
The function is read from ``function_tree`` only: its text (``function``) is never evaluated. A
question about an intermediate node has its function written in that node, and the node's value in
``point``. When the key has the worksheet's ``nodes`` (``symgrad render`` writes them), each question is
asked of that graph, cut at the nodes it is about, so answers may name the nodes as the worksheet
does (``h_1``, ``y^*``, ``z_2``) and the typical mistakes follow its chain rule; the graph must give
the question's function. A key may name the ``student`` it was made for (a per-student variant). When
the key holds the answer's tree, symgrad's own answer must agree with it.
"""

from dataclasses import dataclass
from pathlib import Path

import sympy

from ..core.equality import equal
from ..core.errors import SymgradError
from ..core.graph import Graph
from ..worksheets.key import read_question
from ..core.serialize import from_tree
from .equivalence import Probes, equivalent, number_value
from .limits import DEFAULT_LIMITS, check_key, check_key_entry, key_question_name, read_json
from .sandbox import default_sandbox

__all__ = ["Key", "load_key", "question_from_key"]


@dataclass(frozen=True)
class Key:
    """A worksheet's questions by id; ``student`` is None for the whole class, or the one student
    this variant was made for."""

    worksheet: str
    questions: dict
    student: str | None = None


def load_key(source, question_type=None, sandbox=None, limits=DEFAULT_LIMITS):
    """The :class:`Key` in a JSON file (or an already-loaded dict). Its fields are checked here, and its
    questions built in ``sandbox``'s worker (the default one), each within ``limits.prepare_seconds``
    and the worker's memory: a key is data from outside, as an answer is."""
    if question_type is None:
        from .question import Question as question_type
    if isinstance(source, (str, Path)):
        try:
            data = read_json(Path(source).read_text(encoding="utf-8"), f"cannot read the key {source}")
        except (OSError, UnicodeDecodeError) as error:
            raise SymgradError(f"cannot read the key {source}: {error}") from None
    else:
        data = source
    check_key(data)
    worksheet = str(data.get("worksheet", "worksheet"))
    questions = {}
    for entry in data["questions"]:
        question = (sandbox or default_sandbox()).run(key_question_name(entry), limits.prepare_seconds,
                                                      question_from_key, question_type, entry, data.get("nodes"))
        if question.id in questions:
            raise SymgradError(f"the key {worksheet} has two questions with id {question.id!r}")
        questions[question.id] = question
    student = data.get("student")
    return Key(worksheet, questions, str(student) if student is not None else None)


def question_from_key(question_type, entry, nodes=None, **options):
    """One entry of a key's ``questions`` as a Question (``question_type`` is its class); ``nodes`` are
    the key's (None: the function is a plain expression)."""
    check_key_entry(entry)
    read = read_question(entry)
    for field in ("tolerance", "log_base", "symbols"):
        if field in entry and field not in options:
            options[field] = entry[field]
    options.setdefault("id", read.id)
    function = _graph(nodes, entry, read.function, read.id, options) if nodes else read.function
    question = _build(question_type, read, function, options)
    _agrees_with_key(question, read)
    return question


def _graph(nodes, entry, function, ident, options):
    """The worksheet's graph as the question sees it: the nodes its output (``of``) needs, the nodes it
    is about cut loose as leaves (spelled as the worksheet spells them)."""
    if not isinstance(nodes, dict):
        raise SymgradError("a key's nodes are a JSON object")
    full = Graph()
    for name, node in nodes.items():
        if not isinstance(node, dict) or not isinstance(name, str):
            raise SymgradError(f"the key's node {name!r} is not an object with a tree")
        latex = node.get("latex")
        full.define(name, from_tree(node.get("tree")), latex=latex if isinstance(latex, str) else None)
    wrt = entry.get("wrt")
    about = [sympy.Symbol(n) for n in (wrt if isinstance(wrt, list) else [wrt]) if isinstance(n, str)]
    about = [n for n in about if full.is_node(n)]
    of = entry.get("of") or full.output.name
    if not isinstance(of, str) or not full.is_node(sympy.Symbol(of)):
        raise SymgradError(f"key question {ident}: {of!r} is not a node of the key")
    cut = full.with_output(sympy.Symbol(of)).cut(about)
    graph = Graph()
    for node, definition in cut.assignments():
        graph.define(node, definition, latex=cut.latex_name(node))
    expanded = graph.expand()
    if expanded != function and not equal(expanded, function):
        raise SymgradError(f"key question {ident}: the key's nodes give the function {expanded}, "
                           f"not {function}")
    spellings = {n.name: full.latex_name(n) for n in about if full.latex_name(n)}
    options["symbols"] = {**spellings, **(options.get("symbols") or {})}
    return graph


def _build(question_type, read, function, options):
    ident, kind, wrt = read.id, read.kind, list(read.wrt)
    point = None
    if read.point:  # keep the values this question uses
        point = {s: v for s, v in read.point.items() if s in read.function.free_symbols or s in read.wrt}
    if kind in ("derivative", "derivative_at"):
        if len(wrt) != 1:
            raise SymgradError(f"key question {ident}: a {kind} question has one variable")
        if kind == "derivative":
            return question_type.derivative(function, wrt[0], **options)
        if not point:
            raise SymgradError(f"key question {ident}: a derivative_at question needs a point")
        return question_type.derivative_at(function, wrt[0], point, **options)
    if kind == "gradient":
        return question_type.gradient(function, wrt, point, **options)
    if kind == "directional_derivative":
        return question_type.directional_derivative(function, wrt, list(read.direction or ()), point, **options)
    if read.learning_rate is None:
        raise SymgradError(f"key question {ident}: a gradient_step question needs a learning_rate")
    return question_type.gradient_step(function, wrt, read.learning_rate, point, read.steps, **options)


def _agrees_with_key(question, read):
    """The key's own answer (its ``tree``), when present, must be symgrad's."""
    if not read.answer:
        return
    ident, theirs = read.id, read.answer
    if len(theirs) != len(question.answer):
        raise SymgradError(f"key question {ident}: the key's answer has {len(theirs)} entries, symgrad's "
                           f"{len(question.answer)}")
    for mine, other in zip(question.answer, theirs):
        if mine == other:
            continue
        if question.task.numeric:
            a, b = number_value(mine), number_value(other)
            same = a is not None and b is not None and abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1)
        else:
            same = equivalent(other, mine, Probes.choose(question.notation.variables, [mine]))
        if not same:
            raise SymgradError(f"key question {ident}: the key's answer {other} is not symgrad's {mine}")
