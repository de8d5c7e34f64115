"""What symgrad train prints of a matrix-mode run: the epochs' mean losses and the accuracy."""

import pytest

from symgrad.matrix import Activation, Linear, Network
from symgrad.matrix.loop import Epoch, History
from symgrad.matrix.reports import report
from symgrad.matrix.training import MatrixTraining, TrainingResult

SPEC = MatrixTraining(Network([Linear(784, 32), Activation("relu"), Linear(32, 10), Activation("log_softmax")]),
                      epochs=2)
RESULT = TrainingResult(History((2.5, 2.0, 1.5, 1.25), (2.25, 1.375), 2), 0.8421)


def test_the_report_shows_each_epochs_mean_loss_and_the_accuracy():
    assert report(SPEC, RESULT) == (
        "   SGD(lr=0.003), batch size 64, 2 iterations per epoch, 4 iterations, network 784-32-10 "
        "(relu, log_softmax), loss nll, float32, data: digits\n"
        "epoch  mean training loss\n"
        "    1  2.250000\n"
        "    2  1.375000\n"
        "accuracy on the test split: 84.21%")


@pytest.mark.parametrize("every, shown", [(None, [1, 2, 3, 4, 5]), (2, [1, 2, 4, 5]), (10, [1, 5])])
def test_every_nth_epoch_and_an_early_stop(every, shown):
    result = TrainingResult(History((3.0,) * 5, (3.0, 2.5, 2.0, 1.5, 1.0), 1, "the loss 1 reached stop_loss=1"), 0.5,
                            "float64")
    lines = report(SPEC, result, every).splitlines()
    assert [int(line.split()[0]) for line in lines[2:-2]] == shown and "float64" in lines[0]
    assert lines[-2:] == ["stopped early: the loss 1 reached stop_loss=1", "accuracy on the test split: 50.00%"]


def test_a_history_lists_its_epochs():
    assert RESULT.history.epochs == (Epoch(1, 2.25), Epoch(2, 1.375))
