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


def test_a_stopped_render_writes_nothing_half_done_and_says_so(tmp_path):
    """SIGTERM (as Ctrl-C) stops any command with one line and 128 + the signal: the worksheets rendered
    before it are complete, the one being rendered leaves nothing behind (no staging folder, no .tex)."""
    import signal
    import time

    out = tmp_path / "out"
    render = subprocess.Popen([sys.executable, "-m", "symgrad", "render", str(WORKSHEETS), "-o", str(out),
                               "--tex-only", "--quiet"], cwd=WORKSHEETS.parent, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob("*.key.json")) and time.monotonic() < deadline:  # the first worksheet is written
        time.sleep(0.05)
    render.send_signal(signal.SIGTERM)
    _, err = render.communicate(timeout=60)
    assert render.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("symgrad render: stopped by SIGTERM")
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".stage")]
    stems = {n.split(".")[0] for n in names}
    assert all({f"{s}.tex", f"{s}.key.json"} <= set(names) for s in stems)  # each worksheet written whole
    assert len(stems) < len(list(WORKSHEETS.glob("*.py")))


def test_demo_takes_a_worksheet_file_and_names_a_missing_one(capsys):
    sheet = WORKSHEETS / "s3_backprop_by_hand.py"
    assert main(["demo", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert out.count("== ") == 1 and "1 worksheet derived" in out
    assert main(["demo", str(sheet), str(WORKSHEETS / "missing.py")]) == 2
    assert "no worksheet file or folder at" in capsys.readouterr().err
