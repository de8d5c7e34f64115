"""A corpus of hostile key files: keys travel between teachers, and a key is data from outside as an
answer is. Each gets a one-line SymgradError naming the question and the field, within a bounded
time and memory (its expressions are built in the checking worker), and the grader goes on: the
next key loads normally."""

import json
import time

import pytest
import sympy as sp

from symgrad import Question, SymgradError
from symgrad.answers.grading import read_answers
from symgrad.answers.keys import load_key
from symgrad.answers.limits import Limits
from symgrad.answers.sandbox import Sandbox

W, X = {"symbol": "w"}, {"symbol": "x"}
HASTY = Limits(prepare_seconds=3)


def number(text):
    return {"number": text}


def op(name, *args):
    return {"op": name, "args": list(args)}


def entry(**fields):
    base = {"id": "q1", "kind": "derivative", "wrt": "w", "function_tree": op("Pow", W, number("2"))}
    base.update(fields)
    return base


def key(*entries, **fields):
    return {"worksheet": "k", "questions": list(entries), **fields}


@pytest.fixture(scope="module")
def box():
    sandbox = Sandbox()
    yield sandbox
    sandbox.close()


def tower(levels):
    """2^(2^(...^2)) of numbers, written unevaluated."""
    tree = number("2")
    for _ in range(levels):
        tree = op("Pow", number("2"), tree)
    return tree


def nested(name, depth):
    tree = W
    for _ in range(depth):
        tree = op(name, tree)
    return tree


def doubling_nodes(count):
    """Nodes h1 = w x, h(k+1) = hk (hk + 1): each doubles the expression the graph expands to."""
    nodes = {"h1": {"tree": op("Mul", W, X), "latex": None}}
    for k in range(1, count):
        h = {"symbol": f"h{k}"}
        nodes[f"h{k + 1}"] = {"tree": op("Mul", h, op("Add", h, number("1"))), "latex": None}
    return nodes


FIELDS = [
    (entry(kind="gradient_step", point={"w": "1"}, learning_rate="1/10", steps=10 ** 9),
     r"key question q1: steps must be a whole number from 1 to 1000, not 1000000000"),
    (entry(kind="gradient_step", point={"w": "1"}, learning_rate="1/10", steps="abc"),
     r"key question q1: steps must be a whole number from 1 to 1000, not 'abc'"),
    (entry(kind="derivative_at", point={"w": "1e999999999"}),
     r"key question q1: point.w must be a number with an exponent of at most 1000, not '1e999999999'"),
    (entry(kind="gradient_step", point={"w": "1"}, learning_rate="1e999999999"),
     r"key question q1: learning_rate must be a number with an exponent of at most 1000, not '1e999999999'"),
    (entry(answer="x"), r"key question q1: answer must be an object with a tree, not 'x'"),
    (entry(kind="derivative_at", point=[]),
     r"key question q1: point must be an object of values by variable, not \[\]"),
    (entry(kind="directional_derivative", wrt=["w"], direction=5),
     r"key question q1: direction must be a list of numbers, not 5"),
    (entry(symbols=[]), r"key question q1: symbols must be an object of LaTeX spellings by variable, not \[\]"),
    (entry(id="q7", wrt=[]), r"key question q7: wrt must be a variable's name or a list of them, not \[\]"),
    (entry(tolerance={"relative": "lots"}), r"key question q1: tolerance.relative must be a number such as"),
    (entry(kind="derivative_at", point={"w": float("nan")}), r"key question q1: point.w must be a finite number"),
    (entry(prompt="x" * 30_000), r"key question q1: prompt must be text of at most 20,000 characters"),
    ("q1", r"a key's question is a JSON object"),
]


@pytest.mark.parametrize("bad, message", FIELDS)
def test_a_bad_field_is_a_one_line_error_naming_the_question_and_the_field(bad, message, box):
    start = time.perf_counter()
    with pytest.raises(SymgradError, match=message) as caught:
        load_key(key(bad), sandbox=box)
    assert "\n" not in str(caught.value) and time.perf_counter() - start < 1.0




BOMBS = [  # each would hang the grader, or fill its memory, if its expressions were built there
    pytest.param(entry(kind="derivative_at", point={"w": tower(5)}, function_tree=op("Pow", W, number("3"))),
                 id="a power tower of numbers"),
    pytest.param(entry(kind="derivative_at", point={"w": "10"},
                       function_tree=op("Pow", number("2"), op("Pow", number("2"), op("Pow", number("2"), W)))),
                 id="2^(2^(2^w)) at w = 10"),
    pytest.param(entry(function_tree=W), id="60 nodes that each double the expression"),
    pytest.param(entry(function_tree=nested("exp", 190)), id="exp nested 190 deep"),
]


@pytest.mark.parametrize("bad", BOMBS)
def test_a_key_that_would_hang_or_exhaust_the_grader_is_stopped_by_the_worker(bad, box, request):
    nodes = doubling_nodes(60) if "60 nodes" in request.node.name else None
    start = time.perf_counter()
    with pytest.raises(SymgradError, match=r"^key question q1: (preparing it took longer than 3 s|preparing it "
                                           r"needed more than 512 MB|it is nested too deeply)$"):
        load_key(key(bad, **({"nodes": nodes} if nodes else {})), sandbox=box, limits=HASTY)
    assert time.perf_counter() - start < 6
    good = load_key(key(entry()), sandbox=box, limits=HASTY)  # the grader goes on
    assert good.questions["q1"].check("2w", box).correct


def _deep(depth):
    return "[" * depth + "]" * depth


def test_json_nested_100000_deep_is_refused_in_keys_and_answer_files(tmp_path):
    path = tmp_path / "k.key.json"
    path.write_text(_deep(100_000))
    with pytest.raises(SymgradError, match=r"^cannot read the key .*k.key.json: nested more than 250 deep$"):
        load_key(path)
    path.write_text(json.dumps(key(entry(function_tree=json.loads(_deep(300))))))
    with pytest.raises(SymgradError, match="nested more than 250 deep"):
        load_key(path)
    answers = tmp_path / "answers.json"
    answers.write_text(_deep(100_000))
    with pytest.raises(SymgradError, match=r"answers.json: nested more than 250 deep$"):
        read_answers(answers)


def test_a_key_within_the_limits_loads_as_before(tmp_path, box):
    path = tmp_path / "k.key.json"
    path.write_text(json.dumps(key(entry(), entry(id=3, kind="gradient_step", point={"w": "1"}, learning_rate="1e-1",
                                              steps=2, tolerance={"relative": 0.01}, symbols={"w": r"\omega"}))))
    questions = load_key(path, sandbox=box).questions
    assert questions["3"].answer == (sp.Rational(16, 25),)
    assert questions["3"].check("0.64", box).correct and questions["q1"].check(r"2w", box).correct


def test_question_from_key_checks_the_fields_too():
    with pytest.raises(SymgradError, match=r"^key question q1: symbols must be an object of LaTeX spellings"):
        Question.from_key(entry(symbols=[]))
