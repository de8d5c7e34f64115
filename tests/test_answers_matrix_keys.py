r"""A matrix-mode worksheet's key carries its matrix gradient: written, loaded, graded by ``symgrad check``."""

import csv
import json
from pathlib import Path

import pytest

from answer_keys import key_of_file
from symgrad.answers.keys import load_key
from symgrad.cli import main
from symgrad.core.errors import SymgradError

SHEET = Path(__file__).parent.parent / "worksheets" / "s4_linear_regression.py"


@pytest.fixture(scope="module")
def key():
    data = key_of_file(SHEET)
    return data, next(q for q in data["questions"] if q["kind"] == "matrix_gradient")


def test_the_key_holds_the_matrix_gradient(key):
    _, entry = key
    assert entry["shapes"] == {"X": ["n", "d"], "w": ["d"], "y": ["n"]}
    assert entry["wrt"] == "w" and entry["answer"]["sympy"] == "2*X.T*(X*w - y)"
    assert entry["answer"]["latex"] == r"2 X^{T} \left(X w - y\right)"


def test_symgrad_check_grades_matrix_answers(key, tmp_path, capsys):
    data, entry = key
    (tmp_path / "k.json").write_text(json.dumps(data))
    with open(tmp_path / "a.csv", "w", newline="") as f:
        csv.writer(f).writerows([["student", "question", "answer"], ["ada", entry["id"], r"2X^\top(Xw-y)"],
                                 ["bob", entry["id"], r"2X(Xw-y)"]])
    assert main(["check", "--key", str(tmp_path / "k.json"), "--answers", str(tmp_path / "a.csv"),
                 "-o", str(tmp_path / "g.csv")]) == 0
    capsys.readouterr()
    with open(tmp_path / "g.csv", newline="") as f:
        rows = [(r["student"], r["correct"], r["mistake"]) for r in csv.DictReader(f) if r["question"] != "TOTAL"]
    assert rows == [("ada", "yes", ""), ("bob", "no", "wrong_shape")]


@pytest.mark.parametrize("change, message", [
    (lambda e: e["shapes"].update(X=[10 ** 9, "d"]), "shapes must be an object of at most 26 shapes"),
    (lambda e: e["shapes"].update({"X; rm": ["n"]}), "shapes must be"),
    (lambda e: e.update(function_tree={"op": "MatMul", "args": [{"matrix": "X", "shape": ["n", "d"]}] * 2}),
     "MatMul: the shapes n x d, n x d do not agree"),
    (lambda e: e["answer"].update(tree={"matrix": "w", "shape": ["d"]}), "is not symgrad's"),
])
def test_a_hostile_matrix_entry_is_refused_in_one_line(key, change, message):
    data, entry = key
    entry = json.loads(json.dumps(entry))
    change(entry)
    with pytest.raises(SymgradError, match=message) as error:
        load_key({"worksheet": "w", "questions": [entry]})
    assert "\n" not in str(error.value)
