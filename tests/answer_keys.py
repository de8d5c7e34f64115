"""Answer keys written from the worksheets, in the format ``symgrad render`` writes (NAME.key.json), for
the answer-checking tests until that command lands. A question about an intermediate node is written
as a function of that node, with the node's value in the point."""

import sympy

from symgrad.differentiation import derivative
from symgrad.numbers import exact
from symgrad.serialize import to_tree
from symgrad.variables import resolve_all
from symgrad.worksheet import load_worksheet

__all__ = ["key_of", "key_of_file"]


def key_of_file(path, student=None):
    return key_of(load_worksheet(path), student)


def key_of(sheet, student=None):
    questions = [_entry(sheet, q, k) for k, q in enumerate(sheet.questions, 1)]
    key = {"worksheet": sheet.name, "questions": questions}
    if student is not None:
        key["student"] = student
    return key


def _entry(sheet, q, number):
    graph = sheet.graph_of(q.of)
    wrt = resolve_all(q.wrt, graph.leaves() + graph.nodes, sheet.name)
    nodes = {w for w in wrt if graph.is_node(w)}
    function = _function_of(graph, nodes)
    at_point = getattr(q, "at_point", True) and q.kind != "derivative"
    point = dict(sheet.point) if at_point else None
    if point is not None:
        values = {}
        for n in graph.nodes:
            values[n] = graph.definition(n).xreplace({**sheet.point, **values})
        point.update({n: values[n] for n in nodes})
    answer = q.answer(sheet)
    if nodes and point is None:  # written in the nodes, like the function
        answer = tuple(derivative(function, w) for w in wrt) if q.kind == "gradient" else derivative(function, wrt[0])
    components = list(answer) if isinstance(answer, tuple) else [answer]
    entry = {
        "id": f"q{number}", "kind": q.kind, "prompt": f"{q.kind} with respect to {', '.join(map(str, wrt))}",
        "function": str(function), "function_tree": to_tree(function),
        "wrt": [w.name for w in wrt] if q.kind not in ("derivative", "derivative_at") else wrt[0].name,
        "point": {s.name: str(v) if v.is_Rational else to_tree(v) for s, v in point.items()}
        if point is not None else None,
        "learning_rate": str(q.learning_rate) if q.kind == "gradient_step" else None,
        "answer": {"sympy": str(answer), "latex": sympy.latex(answer),
                   "value": None, "tree": [to_tree(c) for c in components] if len(components) > 1
                   else to_tree(components[0])},
    }
    if q.kind == "directional_derivative":
        entry["direction"] = [str(exact(c)) for c in q.direction]
    if q.kind == "gradient_step":
        entry["steps"] = q.steps
    return entry


def _function_of(graph, nodes):
    """The output as an expression of the leaves, keeping ``nodes`` as symbols."""
    expanded = {}
    for n in graph.nodes:
        expanded[n] = n if n in nodes else graph.definition(n).xreplace(expanded)
    return expanded[graph.output]
