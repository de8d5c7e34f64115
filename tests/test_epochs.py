"""The epochs a table of a training run shows (symgrad train)."""

import pytest

from symgrad.numeric.epochs import table_rows
from symgrad.core.errors import TrainingError
from symgrad.matrix.loop import Epoch


@pytest.mark.parametrize("count, every, shown", [
    (5, None, [1, 2, 3, 4, 5]),
    (100, None, [1, *range(5, 101, 5)]),
    (7, 3, [1, 3, 6, 7]),
    (7, 10, [1, 7]),
    (1, None, [1]),
    (0, None, []),
])
def test_the_first_every_nth_and_the_last(count, every, shown):
    epochs = tuple(Epoch(e, 1.0 / e) for e in range(1, count + 1))
    assert [row.epoch for row in table_rows(epochs, every)] == shown


def test_every_must_be_positive():
    with pytest.raises(TrainingError, match="--every must be at least 1, got -2"):
        table_rows((Epoch(1, 1.0),), -2)
