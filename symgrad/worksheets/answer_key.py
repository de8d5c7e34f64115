"""A worksheet's answer key, written as the JSON the answer checker reads (:mod:`symgrad.answers.keys`).

``{"worksheet": NAME, "title", "nodes": {node: {"sympy", "tree", "latex"}}, "forward": {node: {"sympy",
"tree", "value"}} (the forward pass at the point), "questions": [{"id", "kind",
"prompt", "function", "function_tree", "of", "wrt", "point", "learning_rate", "steps", "direction",
"answer": {"sympy", "latex", "value", "tree"}}]}``. Every exact value can be read back without
``eval``: numbers are exact strings (``"479/500"``, read by :func:`symgrad.core.numbers.exact`) and
expressions are trees (:func:`symgrad.core.serialize.from_tree`); ``sympy`` is ``str(expr)``, for
people; ``value`` is the float (or list of floats), or null where the answer is symbolic. A node
kept in an answer (``dL/dz = sigma(z) - y``) is defined in ``nodes`` (in the graph's order), with the
LaTeX it was given (``y^*``; null when none), so an answer may name it as the worksheet does.
"""

from sympy import MatrixSymbol, latex

from ..core.serialize import to_tree
from ..explain.latex import LatexRenderer
from ..explain.tasks import KeyQuestion
from .prompts import prompt
from .worksheet import answer_values

__all__ = ["answer_key", "worksheet_key", "key_questions", "derive_questions"]


def worksheet_key(sheet):
    """The key of ``sheet``, its questions derived here (``symgrad render`` writes the same)."""
    return answer_key(sheet, derive_questions(sheet))


def derive_questions(sheet):
    """Each question of ``sheet`` derived step by step (:func:`symgrad.derive`)."""
    return tuple(q.derivation(sheet) for q in sheet.questions)


def key_questions(sheet, derivations=None):
    """The questions of ``sheet`` as :class:`~symgrad.explain.tasks.KeyQuestion` objects, exact, in
    memory: what its key holds, for any functions (the JSON key can only write the operations
    :mod:`symgrad.core.serialize` knows)."""
    derivations = derive_questions(sheet) if derivations is None else derivations
    renderer = LatexRenderer(sheet.model)
    return tuple(_key_question(i, q, d, renderer)
                 for i, (q, d) in enumerate(zip(sheet.questions, derivations), 1) if d.answers)


def answer_key(sheet, derivations):
    """The key of ``sheet``, whose questions derive to ``derivations``, as JSON-ready data."""
    renderer = LatexRenderer(sheet.model)
    graph = sheet.model
    scalar = iter(key_questions(sheet, derivations))
    at_point = next((d for d in derivations if d.forward and d.graph.output == graph.output), None)
    return {
        "worksheet": sheet.name,
        "title": sheet.title,
        "nodes": {n.name: {"sympy": str(graph.definition(n)), "tree": to_tree(graph.definition(n)),
                           "latex": graph.latex_name(n)} for n in graph.nodes},
        "forward": {n.name: {"sympy": str(v), "tree": to_tree(v), "value": answer_values(v)}
                    for n, v in at_point.forward} if at_point else None,
        "questions": [_entry(next(scalar), d, renderer) if d.answers else _matrix_entry(i, q, d, renderer)
                      for i, (q, d) in enumerate(zip(sheet.questions, derivations), 1)],
    }


def _key_question(number, question, derivation, renderer):
    """One question, self-contained: its function is written in the variables it asks about (an
    intermediate node among them is cut loose from what defines it), and so is its answer; the
    point gives the values of the function's variables (a node's value at the point), and of no
    others."""
    nodes = [w for w in derivation.wrt if derivation.graph.is_node(w)]
    written = derivation.graph.cut(nodes) if nodes else derivation.graph
    function = written.expand(derivation.output)
    result = derivation.result
    point = None
    if derivation.point:
        values = {**dict(derivation.point), **{n: v for n, v in derivation.forward if n in nodes}}
        point = {s: v for s, v in values.items() if s in function.free_symbols or s in derivation.wrt}
    return KeyQuestion(
        f"q{number}", question.kind, prompt(question, derivation, renderer), function, derivation.wrt, point,
        tuple(written.expand(r) for r in (result if isinstance(result, tuple) else (result,))),
        getattr(question, "rate", None), getattr(question, "steps", 1), getattr(question, "vector", None),
        derivation.output.name)


def _matrix_entry(number, question, derivation, renderer):
    """A matrix gradient as JSON-ready data: its matrices' shapes, its function and answer as trees."""
    shape = lambda m: [d.name if d.is_Symbol else int(d) for d in (m.shape[:1] if m.shape[1] == 1 else m.shape)]
    return {"id": f"q{number}", "kind": question.kind, "prompt": prompt(question, derivation, renderer),
            "function": str(question.function), "function_tree": to_tree(question.function),
            "wrt": question.wrt.name, "point": None, "learning_rate": None,
            "shapes": {m.name: shape(m) for m in sorted(question.function.atoms(MatrixSymbol), key=lambda m: m.name)},
            "answer": {"sympy": str(derivation.result), "latex": latex(derivation.result), "value": None,
                       "tree": to_tree(derivation.result)}}


def _entry(q, derivation, renderer):
    """A key question as JSON-ready data, numbers as exact strings and expressions as trees (what
    :func:`symgrad.explain.tasks.read_question` reads back)."""
    result = derivation.result
    shape = q.task.shape  # a matrix answer (a Hessian) is written as one
    return {
        "id": q.id,
        "kind": q.kind,
        "prompt": q.prompt,
        "function": str(q.function),
        "function_tree": to_tree(q.function),
        "of": q.of,
        "wrt": [w.name for w in q.wrt],
        "point": {s.name: str(v) if v.is_Rational else to_tree(v) for s, v in q.point.items()}
        if q.point is not None else None,
        "learning_rate": str(q.learning_rate) if q.learning_rate is not None else None,
        "steps": q.steps if q.kind == "gradient_step" else None,
        "direction": [str(c) for c in q.direction] if q.direction is not None else None,
        "answer": {
            "sympy": str(result),
            "latex": renderer.value_matrix(result, shape[1]) if shape else renderer.value_piece(result).text,
            "value": answer_values(result),
            "tree": [to_tree(r) for r in q.answer] if isinstance(result, tuple) else to_tree(q.answer[0]),
        },
    }
