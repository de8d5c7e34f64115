"""Figures: each writes a PDF, the same bytes every time."""

import pytest

from symgrad.figures import directions_plot, loss_surface

FIGURES = {
    "directions": lambda path: directions_plot(path, lambda a, b: a ** 2 + b ** 2, ["x", "y"], (1.0, 2.0), (2.0, 4.0),
                                               [("$v = (3, 4)$", (0.6, 0.8), 4.4)]),
    "loss surface": lambda path: loss_surface(path, lambda a, b: (0.8 - b * (0.5 * a + 0.5) - 1.9) ** 2,
                                              ["w_1", "w_5"], [(1, 1, 4.41), (0.979, 0.958, 3.9)]),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_plot(name, tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    FIGURES[name](first)
    FIGURES[name](second)
    assert first.read_bytes().startswith(b"%PDF") and first.stat().st_size > 5000
    assert first.read_bytes() == second.read_bytes()
