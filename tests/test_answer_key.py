"""Answer keys: the seed examples' numbers exactly, and every exact value readable without eval."""

import json
from pathlib import Path

import pytest
import sympy as sp

from symgrad.worksheets.answer_key import answer_key
from symgrad.core.numbers import exact
from symgrad.core.serialize import from_tree
from symgrad.worksheets.worksheet import load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def key_of(name):
    sheet = load_worksheet(WORKSHEETS / f"{name}.py")
    return answer_key(sheet, [q.derivation(sheet) for q in sheet.questions])


def test_the_s3_key_holds_the_tutorials_numbers_exactly():
    key = key_of("s3_backprop_by_hand")
    assert key["worksheet"] == "s3_backprop_by_hand"
    assert key["forward"]["L"]["sympy"] == "441/100" and key["forward"]["ystar"]["value"] == 2.9
    q = {x["id"]: x for x in key["questions"]}
    assert q["q1"]["answer"]["sympy"] == "21/5" and q["q1"]["wrt"] == ["ystar"]   # dL/dy* = 4.2
    assert q["q3"]["answer"]["sympy"] == "21/5"                                    # dL/dw5 = 4.2
    assert q["q4"]["answer"]["sympy"] == "21/10" and q["q4"]["answer"]["value"] == 2.1
    assert q["q5"]["answer"]["value"] == [2.1, 4.2, 4.2, 8.4, 4.2, 3.99]           # all six gradients
    assert q["q6"]["answer"]["sympy"] == "(479/500, 979/1000)"                     # one SGD step
    assert q["q6"]["answer"]["value"] == [0.958, 0.979] and q["q6"]["learning_rate"] == "1/100"
    assert q["q6"]["answer"]["latex"] == r"\left(0.958, 0.979\right)"
    assert q["q2"]["answer"]["value"] is None and q["q2"]["point"] is None           # symbolic
    assert q["q4"]["point"]["w4"] == "7/10"


@pytest.mark.parametrize("name, question, exact_answer", [
    ("s0_sgd_by_hand", "q2", "-2"),                              # 2x(xw - y) at x=1, y=2, w=1
    ("s0_sgd_by_hand", "q3", "(51/50,)"),                        # w = 1 - 0.01 (-2)
    ("s1_batch_gradient_descent", "q2", "-28/3"),                # (1/N) sum 2x(xw - y) at w = 1
    ("s1_batch_gradient_descent", "q3", "(29/15,)"),
    ("s4_linear_regression", "q3", "(-9/2, -17)"),               # X^T (X theta - y) / m at theta = 0
    ("s4_linear_regression", "q4", "(9/200, 17/100)"),
    ("sigmoid_neuron", "q1", "1/4"),                             # sigma'(0) = 0.25
    ("directional_derivative", "q4", "22/5"),
    ("s0_linear_in_pytorch", "q3", "(-13, -13/2)"),
])
def test_seed_keys(name, question, exact_answer):
    answer = next(q for q in key_of(name)["questions"] if q["id"] == question)["answer"]
    assert answer["sympy"] == exact_answer


@pytest.mark.parametrize("path", sorted(WORKSHEETS.glob("*.py")), ids=lambda p: p.stem)
def test_every_exact_value_reads_back_without_eval(path):
    sheet = load_worksheet(path)
    derivations = [q.derivation(sheet) for q in sheet.questions]
    key = json.loads(json.dumps(answer_key(sheet, derivations)))
    assert [q["kind"] for q in key["questions"]] == [q.kind for q in sheet.questions]
    for q, d in zip(key["questions"], derivations):
        nodes = [w for w in d.wrt if d.graph.is_node(w)]  # asked about: cut loose, so written in them
        written = d.graph.cut(nodes) if nodes else d.graph
        trees = q["answer"]["tree"] if isinstance(q["answer"]["tree"], list) else [q["answer"]["tree"]]
        results = d.result if isinstance(d.result, tuple) else (d.result,)
        assert [from_tree(t) for t in trees] == [written.expand(r) for r in results]
        assert from_tree(q["function_tree"]) == written.expand(d.output)
        values = {**{s.name: v for s, v in d.point}, **{n.name: v for n, v in d.forward if n in nodes}}
        for name, value in (q["point"] or {}).items():
            assert values[name] == (exact(value) if isinstance(value, str) else from_tree(value))
        assert set(q) >= {"id", "kind", "prompt", "function", "wrt", "point", "learning_rate", "answer"}
    for name, node in key["nodes"].items():
        assert from_tree(node["tree"]) == sheet.model.definition(sp.Symbol(name))
        assert node["latex"] == sheet.model.latex_name(sp.Symbol(name))
