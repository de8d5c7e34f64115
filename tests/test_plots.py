"""Plots of training runs: a PNG with the loss (log scale when positive) and the parameters."""

import sympy as sp

from symgrad.loops import train
from symgrad.plots import plot_history
from symgrad.worksheet import Training

w, x, y = sp.symbols("w x y")


def _run(mode):
    return train(Training(loss=(x * w - y) ** 2, parameters={w: 1}, data={x: [1, 2, 3], y: [2, 4, 6]},
                          epochs=3, batch_size=1, mode=mode))


def test_a_float_run_and_an_exact_run_are_plotted(tmp_path):
    for mode in ("float64", "exact"):
        path = plot_history(_run(mode), tmp_path / f"{mode}.png", title="S0")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
