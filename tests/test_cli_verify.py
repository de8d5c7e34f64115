"""``symgrad verify``: the comparison table, its JSON, the exit code on a failure."""

import json
from pathlib import Path

import pytest

from symgrad.twin import comparison
from symgrad.cli import main

pytest.importorskip("torch")

WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def test_s3_and_s4_pass(capsys):
    paths = [str(WORKSHEETS / "s3_backprop_by_hand.py"), str(WORKSHEETS / "s4_linear_regression.py")]
    assert main(["verify", *paths]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["worksheet", "quantity", "max", "abs", "max", "rel", "tolerance", "pass"]
    assert any(line.split()[:3] == ["s4_linear_regression", "float64", "parameters"] and line.endswith("yes")
               for line in out.splitlines())
    assert out.rstrip().endswith("22 of 22 comparisons pass")  # S3: 6 questions, 6 runs; S4: 4 and 6


def test_json(capsys):
    assert main(["verify", str(WORKSHEETS / "s0_sgd_by_hand.py"), "--json", "--mode", "float64"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pass"] is True
    assert [r["quantity"] for r in result["rows"]][-3:] == ["float64 loss", "float64 gradients", "float64 parameters"]
    assert set(result["rows"][0]) == {"worksheet", "quantity", "max_abs", "max_rel", "tolerance", "pass"}


def test_a_failure_exits_with_1(capsys, monkeypatch):
    monkeypatch.setitem(comparison.TOLERANCES, "scalar run float32", comparison.Tolerance(0.0))  # float32 runs differ by rounding
    assert main(["verify", str(WORKSHEETS / "s4_linear_regression.py"), "--mode", "float32"]) == 1
    out = capsys.readouterr().out
    assert "NO" in out and out.rstrip().endswith("comparisons pass: FAILED")


def test_a_worksheet_with_nothing_to_compare_says_so(tmp_path, capsys):
    (tmp_path / "nodes.py").write_text(
        "import sympy as sp\nfrom symgrad import Graph\nfrom symgrad.worksheets.worksheet import Derivative, Worksheet\n"
        "w, x = sp.symbols('w x')\ng = Graph()\nz = g.define('z', w * x)\ng.define('L', z ** 2)\n"
        "WORKSHEET = Worksheet(name='nodes', title='t', model=g, questions=[Derivative(z)])\n")
    assert main(["verify", str(tmp_path)]) == 0
    assert "nodes: nothing to compare" in capsys.readouterr().out


def test_a_matrix_training_run_is_compared_with_torch(capsys):
    pytest.importorskip("sklearn")
    assert main(["verify", str(WORKSHEETS / "s2_two_layer_network.py"), "--mode", "float32", "--iterations", "24"]) == 0
    out = capsys.readouterr().out
    matrix = [line.split() for line in out.splitlines() if " matrix " in line]
    assert [row[2:4] for row in matrix] == [["float32", "loss"], ["float32", "gradients"], ["float32", "parameters"]]
    rows = [line for line in out.splitlines()[1:] if line.startswith("s2_two_layer_network")]
    assert all(row[-1] == "yes" for row in matrix) and out.rstrip().endswith(f"{len(rows)} of {len(rows)} comparisons pass")
