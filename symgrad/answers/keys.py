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

import functools
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SymgradError
from .limits import DEFAULT_LIMITS, check_key, key_question_name, read_json
from .question import Question
from .sandbox import default_sandbox

__all__ = ["Key", "load_key"]


@dataclass(frozen=True)
class Key:
    """A worksheet's questions by id; ``student`` is None for the whole class, or the one student
    this variant was made for."""

    worksheet: str
    questions: dict
    student: str | None = None


def load_key(source, question_type=Question, sandbox=None, limits=DEFAULT_LIMITS, tolerance=None):
    """The :class:`Key` in a JSON file (or an already-loaded dict). Its fields are checked here, and its
    questions built by ``question_type.from_key`` in ``sandbox``'s worker (the default one), each within
    ``limits.prepare_seconds`` and the worker's memory: a key is data from outside, as an answer is.
    ``tolerance`` (a :class:`~symgrad.answers.equivalence.Tolerance`), when given, is every question's
    instead of the key's."""
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
    build = question_type.from_key if tolerance is None else functools.partial(question_type.from_key,
                                                                                 tolerance=tolerance)
    for entry in data["questions"]:
        question = (sandbox or default_sandbox()).run(key_question_name(entry), limits.prepare_seconds,
                                                      build, entry, data.get("nodes"))
        if question.id in questions:
            raise SymgradError(f"the key {worksheet} has two questions with id {question.id!r}")
        questions[question.id] = question
    student = data.get("student")
    return Key(worksheet, questions, str(student) if student is not None else None)
