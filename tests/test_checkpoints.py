"""Saving and loading parameters as JSON: float64 bit for bit, exact rationals exactly, S0's save-load-predict."""

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from outputs import contents, disk_full_after
from symgrad.numeric.checkpoints import load_parameters, save_parameters
from symgrad.core.errors import OutputError, ParameterFileError
from symgrad.numeric.loops import train_worksheet
from symgrad.worksheets.worksheet import load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def test_s0_trains_saves_loads_and_predicts(tmp_path):
    """The tutorial's torch.save(state_dict), load, then f(5), with a fixed initial weight and bias."""
    history = train_worksheet(load_worksheet(WORKSHEETS / "s0_linear_in_pytorch.py"))
    save_parameters(tmp_path / "s0.json", history)
    loaded = load_parameters(tmp_path / "s0.json")
    assert loaded == history.final  # bit for bit
    assert loaded["w"] * 5 + loaded["b"] == history.final["w"] * 5 + history.final["b"]
    assert loaded["w"] * 5 + loaded["b"] == pytest.approx(9.962886434294449, rel=1e-13)


def test_exact_values_stay_exact(tmp_path):
    history = train_worksheet(load_worksheet(WORKSHEETS / "s0_sgd_by_hand.py"), mode="exact")
    save_parameters(tmp_path / "exact.json", history)
    assert load_parameters(tmp_path / "exact.json") == history.final
    assert history.final["w"].q > 10 ** 100  # a 300-update rational survives the round trip


@pytest.mark.parametrize("values, mode, expected", [
    ({"w": 0.1, sp.Symbol("b"): -2.5}, None, {"w": 0.1, "b": -2.5}),
    ({"w": sp.Rational(479, 500)}, None, {"w": sp.Rational(479, 500)}),
    ({"w": np.float32(0.1)}, None, {"w": np.float32(0.1)}),
    ({"w": 0.958}, "exact", {"w": sp.Rational(479, 500)}),  # a decimal read as the rational it denotes
])
def test_round_trips(tmp_path, values, mode, expected):
    save_parameters(tmp_path / "p.json", values, mode)
    loaded = load_parameters(tmp_path / "p.json")
    assert loaded == expected and [type(v) for v in loaded.values()] == [type(v) for v in expected.values()]


def test_errors(tmp_path):
    with pytest.raises(ParameterFileError, match=r"only rational values can be saved exactly: w = sqrt\(2\)"):
        save_parameters(tmp_path / "p.json", {"w": sp.sqrt(2)})
    (tmp_path / "other.json").write_text('{"weights": [1, 2]}')
    with pytest.raises(ParameterFileError, match="is not a symgrad parameters file"):
        load_parameters(tmp_path / "other.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ParameterFileError, match="cannot read parameters from"):
        load_parameters(tmp_path / "bad.json")
    (tmp_path / "code.json").write_text('{"format": "symgrad-parameters", "version": 1, "mode": "exact", '
                                        '"parameters": {"w": "__import__(\'os\')"}}')
    with pytest.raises(ParameterFileError, match="the exact value of w must be a rational like"):
        load_parameters(tmp_path / "code.json")  # text is parsed as a number, never evaluated
    (tmp_path / "str.json").write_text('{"format": "symgrad-parameters", "version": 1, "mode": "float64", '
                                       '"parameters": {"w": "1.5"}}')
    with pytest.raises(ParameterFileError, match="the value of w must be a number"):
        load_parameters(tmp_path / "str.json")


def test_a_full_disk_leaves_the_previous_file_as_it_was(tmp_path):
    path = tmp_path / "theta.json"
    save_parameters(path, {"w": 0.5})
    before = path.read_bytes()
    with disk_full_after(10), pytest.raises(OutputError, match="theta.json: File too large; it was left as it was"):
        save_parameters(path, {f"w{i}": 1 / 3 for i in range(100)})
    assert contents(tmp_path) == {"theta.json": before}
