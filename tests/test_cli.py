import subprocess
import sys
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


def test_a_missing_optional_dependency_is_one_line_with_the_extra_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now fails, as without the extra
    assert main(["verify", str(WORKSHEETS / "s3_backprop_by_hand.py")]) == 2
    err = capsys.readouterr().err
    assert "symgrad verify: error: torch is not installed (pip install 'symgrad[torch]')" in err
    assert "Traceback" not in err


def test_a_closed_pipe_ends_the_output_quietly():
    reader = subprocess.run(f"{sys.executable} -m symgrad demo worksheets | head -n 2", shell=True,
                            capture_output=True, text=True, cwd=WORKSHEETS.parent)
    assert len(reader.stdout.splitlines()) == 2
    assert "Traceback" not in reader.stderr and "BrokenPipe" not in reader.stderr
