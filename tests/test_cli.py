from pathlib import Path

from symgrad.cli import main

WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def test_demo_derives_every_worksheet(capsys):
    assert main(["demo", str(WORKSHEETS)]) == 0
    out = capsys.readouterr().out
    assert "== s3_backprop_by_hand" in out
    assert "(479/500  ≈ 0.958, 979/1000  ≈ 0.979)" in out
    assert f"{len(list(WORKSHEETS.glob('*.py')))} worksheets derived" in out


def test_errors_are_one_line_not_a_traceback(tmp_path, capsys):
    assert main(["demo", str(tmp_path)]) == 2
    assert "symgrad demo: error: no worksheets" in capsys.readouterr().err
