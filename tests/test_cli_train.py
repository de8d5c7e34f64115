"""``symgrad train``: the per-epoch table, exact mode, the plot next to the worksheet, saved parameters."""

import shutil
from pathlib import Path

import pytest

from symgrad.numeric.checkpoints import load_parameters
from symgrad.cli import main
from symgrad.numeric import loops

WORKSHEETS = Path(__file__).parent.parent / "worksheets"


def test_s0_prints_the_epochs_and_writes_the_plot(tmp_path, capsys):
    plot = tmp_path / "s0.png"
    assert main(["train", str(WORKSHEETS / "s0_sgd_by_hand.py"), "--plot", str(plot), "--no-progress"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1] == "   SGD(lr=0.01), batch size 1, 3 iteration(s) per epoch, 300 iterations, float64"
    assert lines[2].split() == ["epoch", "w", "loss", "(last", "batch)", "mean", "loss"]
    assert lines[3].split()[:2] == ["1", "1.260688"]
    assert any(line.split()[:2] == ["100", "1.9999999999999236"] for line in lines)
    assert len([line for line in lines if line.strip()[:1].isdigit()]) == 21  # epochs 1, 5, 10, ..., 100
    assert plot.stat().st_size > 10_000 and f"plot written to {plot}" in out


def test_exact_mode_shows_the_exact_step(tmp_path, capsys):
    assert main(["train", str(WORKSHEETS / "s3_backprop_by_hand.py"), "--mode", "exact", "--no-plot",
                 "--every", "5"]) == 0
    out = capsys.readouterr().out
    first = next(line for line in out.splitlines() if line.strip().startswith("1 "))
    assert first.split() == ["1", "979/1000", "229/500", "229/500", "77/125", "479/500", "19601/10000", "441/100"]
    assert "exact rationals of up to" in out  # five exact steps of S3 are long rationals


def test_the_plot_goes_next_to_the_worksheet_and_parameters_can_be_saved(tmp_path, capsys):
    sheet = tmp_path / "s4_linear_regression.py"
    shutil.copy(WORKSHEETS / sheet.name, sheet)
    saved = tmp_path / "theta.json"
    assert main(["train", str(sheet), "--save", str(saved), "--no-progress"]) == 0
    assert (tmp_path / "s4_linear_regression.training.png").exists()
    theta = load_parameters(saved)
    assert abs(theta["theta0"] - 0.70941875) < 1e-8 and abs(theta["theta1"] - 1.07582298) < 1e-8


def test_early_stopping_is_reported(capsys):
    assert main(["train", str(WORKSHEETS / "s1_batch_gradient_descent.py"), "--no-plot", "--stop-loss", "1e-6"]) == 0
    assert "stopped early: the loss" in capsys.readouterr().out


def test_a_worksheet_without_training_is_a_clear_error(capsys):
    assert main(["train", str(WORKSHEETS / "sigmoid_neuron.py"), "--no-plot"]) == 2
    assert "symgrad train: error: worksheet sigmoid_neuron has no training run" in capsys.readouterr().err


def test_s2_trains_its_mnist_network_in_matrix_mode(tmp_path, capsys):
    """S2: 784-128-64-10, ReLU, LogSoftmax + NLLLoss, SGD(lr=0.003), batch 64, 5 epochs on the digits demo."""
    pytest.importorskip("sklearn")
    plot, saved = tmp_path / "s2.png", tmp_path / "s2.npz"
    assert main(["train", str(WORKSHEETS / "s2_two_layer_network.py"), "--plot", str(plot), "--save", str(saved),
                 "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("   SGD(lr=0.003), batch size 64, 24 iterations per epoch, 120 iterations, network "
                        "784-128-64-10 (relu, log_softmax), loss nll, float32, data: digits")
    assert lines[2] == "epoch  mean training loss"
    losses = [float(line.split()[1]) for line in lines[3:8]]
    assert [line.split()[0] for line in lines[3:8]] == ["1", "2", "3", "4", "5"]
    assert all(b < a for a, b in zip(losses, losses[1:])) and 2.0 < losses[-1] < losses[0] < 2.31
    assert lines[8].startswith("accuracy on the test split: ") and lines[8].endswith("%")
    assert lines[9:] == [f"parameters saved to {saved}", f"plot written to {plot}"]
    assert saved.stat().st_size > 4 * 109_386 and plot.stat().st_size > 10_000


def test_s2_refuses_exact_mode(capsys):
    pytest.importorskip("sklearn")
    assert main(["train", str(WORKSHEETS / "s2_two_layer_network.py"), "--mode", "exact", "--no-plot"]) == 2
    assert "matrix training computes in float32 or float64, not 'exact'" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, message", [
    (["--plot", "{tmp}"], "it is a folder"),
    (["--plot", "{tmp}/missing/s0.png"], "the folder {tmp}/missing does not exist"),
    (["--save", "{sheet}"], "it is the input {sheet}"),
    (["--save", "{tmp}/theta.json", "--plot", "{tmp}/theta.json"], "it is the input {tmp}/theta.json"),
])
def test_outputs_that_cannot_be_written_are_refused_before_the_run(tmp_path, capsys, monkeypatch, arguments, message):
    sheet = tmp_path / "s0_sgd_by_hand.py"
    shutil.copy(WORKSHEETS / sheet.name, sheet)
    before = sheet.read_bytes()
    monkeypatch.setattr(loops, "train", lambda *a, **k: pytest.fail("the run started"))
    arguments = [a.format(tmp=tmp_path, sheet=sheet) for a in arguments]
    assert main(["train", str(sheet), *arguments, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message.format(tmp=tmp_path, sheet=sheet) in err
    assert sheet.read_bytes() == before


def test_the_plot_and_parameters_replace_symlinks_and_leave_their_targets_unchanged(tmp_path):
    for name in ("s0.png", "theta.json"):
        (tmp_path / f"target-{name}").write_text("not symgrad's")
        (tmp_path / name).symlink_to(tmp_path / f"target-{name}")
    assert main(["train", str(WORKSHEETS / "s0_sgd_by_hand.py"), "--plot", str(tmp_path / "s0.png"),
                 "--save", str(tmp_path / "theta.json"), "--no-progress"]) == 0
    assert [(tmp_path / f"target-{n}").read_text() for n in ("s0.png", "theta.json")] == ["not symgrad's"] * 2
    assert (tmp_path / "s0.png").read_bytes().startswith(b"\x89PNG") and load_parameters(tmp_path / "theta.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s0.png", "target-s0.png", "target-theta.json",
                                                          "theta.json"]


def test_exact_seconds_from_the_command_line_bounds_an_exact_run(tmp_path, capsys):
    sheet = tmp_path / "growing.py"
    sheet.write_text("import sympy as sp\nfrom symgrad.worksheets.worksheet import Derivative, Training, Worksheet\n"
                     "w, x = sp.symbols('w x')\nWORKSHEET = Worksheet(name='growing', title='t', model=sp.exp(w * x),\n"
                     "    questions=[Derivative(w)], point={w: 1, x: 800},\n"
                     "    training=Training(parameters={w: 1}, data={x: [800]}, epochs=40, mode='exact'))\n")
    assert main(["train", str(sheet), "--exact-seconds", "1", "--no-plot", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "past its budget of 1 s" in err and "--exact-seconds" in err
