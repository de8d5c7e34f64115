"""A worksheet's answer key, as the JSON the answer checker reads.

``{"worksheet": NAME, "title", "nodes": {node: {"sympy", "tree"}}, "forward": {node: {"sympy",
"tree", "value"}} (the forward pass at the point), "questions": [{"id", "kind",
"prompt", "function", "function_tree", "of", "wrt", "point", "learning_rate", "steps", "direction",
"answer": {"sympy", "latex", "value", "tree"}}]}``. Every exact value can be read back without
``eval``: numbers are exact strings (``"479/500"``, read by :func:`symgrad.numbers.exact`) and
expressions are trees (:func:`symgrad.serialize.from_tree`); ``sympy`` is ``str(expr)``, for
people; ``value`` is the float (or list of floats), or null where the answer is symbolic. A node
kept in an answer (``dL/dz = sigma(z) - y``) is defined in ``nodes``.
"""

from .latex import LatexRenderer
from .numbers import exact
from .prompts import prompt
from .serialize import to_tree
from .worksheet import GradientStep, answer_values

__all__ = ["answer_key", "worksheet_key"]


def worksheet_key(sheet):
    """The key of ``sheet``, its questions derived here (``symgrad render`` writes the same)."""
    return answer_key(sheet, tuple(q.derivation(sheet) for q in sheet.questions))


def answer_key(sheet, derivations):
    """The key of ``sheet``, whose questions derive to ``derivations``."""
    renderer = LatexRenderer(sheet.model)
    graph = sheet.model
    at_point = next((d for d in derivations if d.forward and d.graph.output == graph.output), None)
    return {
        "worksheet": sheet.name,
        "title": sheet.title,
        "nodes": {n.name: {"sympy": str(graph.definition(n)), "tree": to_tree(graph.definition(n))}
                  for n in graph.nodes},
        "forward": {n.name: {"sympy": str(v), "tree": to_tree(v), "value": answer_values(v)}
                    for n, v in at_point.forward} if at_point else None,
        "questions": [_question(i, q, d, renderer) for i, (q, d) in enumerate(zip(sheet.questions, derivations), 1)],
    }


def _question(number, question, derivation, renderer):
    """One question, self-contained: its function is written in the variables it asks about (an
    intermediate node among them is cut loose from what defines it), and so is its answer; the
    point gives those variables' values (a node's value at the point, as a tree when irrational)."""
    nodes = [w for w in derivation.wrt if derivation.graph.is_node(w)]
    written = derivation.graph.cut(nodes) if nodes else derivation.graph
    function = written.expand(derivation.output)
    at_point = bool(derivation.point)
    result = derivation.result
    written_result = tuple(written.expand(r) for r in result) if isinstance(result, tuple) else written.expand(result)
    point = dict(derivation.point)
    if at_point:
        forward = dict(derivation.forward)
        point.update({n: forward[n] for n in nodes})
    return {
        "id": f"q{number}",
        "kind": question.kind,
        "prompt": prompt(question, derivation, renderer),
        "function": str(function),
        "function_tree": to_tree(function),
        "of": derivation.output.name,
        "wrt": [w.name for w in derivation.wrt],
        "point": {s.name: str(v) if v.is_Rational else to_tree(v) for s, v in point.items()} if at_point else None,
        "learning_rate": str(exact(question.learning_rate)) if isinstance(question, GradientStep) else None,
        "steps": question.steps if isinstance(question, GradientStep) else None,
        "direction": [str(exact(c)) for c in question.direction] if hasattr(question, "direction") else None,
        "answer": {
            "sympy": str(result),
            "latex": renderer.value_piece(result).text,
            "value": answer_values(result),
            "tree": [to_tree(r) for r in written_result] if isinstance(result, tuple) else to_tree(written_result),
        },
    }
