import json
from pathlib import Path

import pytest
import sympy as sp

from answer_keys import key_of_file
from symgrad import Question, SymgradError
from symgrad.answers.keys import load_key
from symgrad.answers.question import MatrixQuestion

WORKSHEETS = sorted((Path(__file__).parent.parent / "worksheets").glob("*.py"))


def typed(question):
    """The right answer as a student would type it: decimals for numbers, LaTeX otherwise (a matrix
    answer as SymPy writes it, X^{T})."""
    if isinstance(question, MatrixQuestion):
        return sp.latex(question.reference)

    def one(a):
        return f"{complex(sp.N(a, 20)).real:.8g}" if question.task.numeric else sp.latex(a)
    cells = [one(a) for a in question.answer]
    return cells[0] if len(cells) == 1 else "(" + ", ".join(cells) + ")"


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.stem)
def test_every_worksheet_key_is_questions_whose_right_answers_are_accepted(path, sandbox):
    key = load_key(json.loads(json.dumps(key_of_file(path))))  # through JSON, as from a file
    assert key.worksheet == path.stem and key.student is None
    for ident, question in key.questions.items():
        answer = typed(question)
        verdict = question.check(answer, sandbox)
        assert verdict.correct, (path.stem, ident, answer, verdict)


def test_the_s3_key_reproduces_the_seed(sandbox):
    key = load_key(key_of_file(WORKSHEETS[[p.stem for p in WORKSHEETS].index("s3_backprop_by_hand")]))
    assert key.questions["q6"].answer == (sp.Rational(479, 500), sp.Rational(979, 1000))
    assert key.questions["q6"].check("(0.958, 0.979)", sandbox).correct
    assert key.questions["q6"].check("(1.042, 1.021)", sandbox).mistake == "gd_wrong_sign"
    assert key.questions["q1"].check("4.2", sandbox).correct  # dL/dy*, written in y*


def test_key_questions_are_asked_of_the_worksheets_graph(sandbox):
    """The key's nodes make each question a graph question: answers may name the nodes as the
    worksheet does, and a local partial forgotten along the chain rule is diagnosed."""
    key = load_key(json.loads(json.dumps(key_of_file(WORKSHEETS[[p.stem for p in WORKSHEETS].index("s3_backprop_by_hand")]))))
    q2 = key.questions["q2"]  # dL/dw5 as an expression
    assert q2.check(r"-2(y - y^*) h_1", sandbox).correct
    assert q2.check(r"-2(y - \mathrm{ystar}) h_1", sandbox).correct
    assert q2.check(r"-2(y - y^*)", sandbox).mistake == "missing_chain_factor"
    assert key.questions["q1"].check("4.2", sandbox).correct  # about y*, a node cut loose: written in it


def test_a_key_whose_nodes_do_not_give_its_function_is_refused():
    key = key_of_file(WORKSHEETS[[p.stem for p in WORKSHEETS].index("sigmoid_neuron")])
    key["nodes"]["z"]["tree"] = {"op": "Mul", "args": [{"symbol": "w"}, {"symbol": "x"}]}  # b dropped
    with pytest.raises(SymgradError, match="key question q4: the key's nodes give the function"):
        load_key(key)
    key["nodes"]["p"]["tree"] = None
    with pytest.raises(SymgradError, match="the key: nodes.p must be an object with a tree"):
        load_key(key)


def entry(**fields):
    base = {"id": "q1", "kind": "derivative", "wrt": "w", "point": None, "learning_rate": None,
            "function": "w**2", "function_tree": {"op": "Pow", "args": [{"symbol": "w"}, {"number": "2"}]}}
    base.update(fields)
    return base


@pytest.mark.parametrize("fields, message", [
    (dict(kind="integral"), "unknown kind 'integral'"),
    (dict(function_tree=None), "key question q1: function_tree must be a tree \\(an object\\), not None"),
    (dict(kind="derivative_at"), "needs a point"),
    (dict(kind="gradient_step", wrt=["w"], point={"w": "1"}), "needs a learning_rate"),
    (dict(kind="derivative", wrt=["w", "x"]), "has one variable"),
    (dict(wrt=3), "key question q1: wrt must be a variable's name or a list of them, not 3"),
    (dict(answer={"tree": {"op": "Mul", "args": [{"number": "3"}, {"symbol": "w"}]}}),
     "the key's answer 3\\*w is not symgrad's 2\\*w"),
    (dict(answer={"tree": [{"number": "1"}, {"number": "2"}]}), "has 2 entries, symgrad's 1"),
])
def test_bad_entries(fields, message):
    with pytest.raises(SymgradError, match=message):
        Question.from_key(entry(**fields))


def test_an_entry_without_a_tree_is_refused_rather_than_evaluated():
    bad = entry()
    del bad["function_tree"]
    with pytest.raises(SymgradError, match="no function_tree .*never evaluates"):
        Question.from_key(bad)


def test_an_entry_can_set_tolerance_and_spellings(sandbox):
    q = Question.from_key(entry(kind="derivative_at", point={"w": "3"}, tolerance=0.1,
                                symbols={"w": r"\omega"}))
    assert q.check("6.5", sandbox).correct and q.check(r"2\omega", sandbox).mistake == "other"


def test_key_files(tmp_path):
    path = tmp_path / "k.key.json"
    path.write_text(json.dumps({"worksheet": "k", "student": "ada", "questions": [entry(), entry(id="q2")]}))
    key = load_key(path)
    assert key.student == "ada" and list(key.questions) == ["q1", "q2"]
    path.write_text(json.dumps({"worksheet": "k", "questions": [entry(), entry()]}))
    with pytest.raises(SymgradError, match="two questions with id 'q1'"):
        load_key(path)
    path.write_text("{not json")
    with pytest.raises(SymgradError, match="cannot read the key"):
        load_key(path)
    with pytest.raises(SymgradError, match="a list of questions"):
        load_key({"questions": "q1"})
