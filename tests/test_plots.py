"""Plots: a training run's history as a PNG, worksheets' figures as PDFs that are the same bytes every
time, and a loss curve's scale."""

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from symgrad.explain import plots
from symgrad.numeric.loops import train
from symgrad.explain.plots import directions_plot, loss_curve, loss_surface, plot_history
from symgrad.worksheets.worksheet import Training

w, x, y = sp.symbols("w x y")


def _run(mode):
    return train(Training(loss=(x * w - y) ** 2, parameters={w: 1}, data={x: [1, 2, 3], y: [2, 4, 6]},
                          epochs=3, batch_size=1, mode=mode))


def test_a_float_run_and_an_exact_run_are_plotted(tmp_path):
    for mode in ("float64", "exact"):
        path = plot_history(_run(mode), tmp_path / f"{mode}.png", title="S0")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


FIGURES = {
    "directions": lambda path: directions_plot(path, lambda a, b: a ** 2 + b ** 2, ["x", "y"], (1.0, 2.0), (2.0, 4.0),
                                               [("$v = (3, 4)$", (0.6, 0.8), 4.4)]),
    "loss surface": lambda path: loss_surface(path, lambda a, b: (0.8 - b * (0.5 * a + 0.5) - 1.9) ** 2,
                                              ["w_1", "w_5"], [(1, 1), (0.979, 0.958), (0.962, 0.925)]),
    "loss curve": lambda path: loss_curve(path, [4.0, 2.0, 1.0, 0.5, 0.0, 0.0], iterations_per_epoch=2),
    "history": lambda path: plot_history(_run("exact"), path),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_is_a_pdf_and_the_same_bytes_every_time(name, tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    FIGURES[name](first)
    FIGURES[name](second)
    assert first.read_bytes().startswith(b"%PDF") and first.stat().st_size > 5000
    assert first.read_bytes() == second.read_bytes()


def _loss_axes(losses, per_epoch=1):
    axes = Figure().add_subplot()
    plots._draw_losses(axes, losses, per_epoch)
    return axes


@pytest.mark.parametrize("losses, scale, note", [
    ([4.0, 3.0, 2.5], "linear", None),                            # less than a factor 100: linear
    ([10.0, 1e-3, 1e-9], "log", None),
    ([4.0, 1e-3, 0.0, 0.0], "log", "2 of 4 losses are exactly 0 (not drawn on a log scale)"),
    ([1.0, -2.0, 1e-6], "linear", None),                          # a negative loss: no log scale
])
def test_the_loss_axis_is_logarithmic_when_the_loss_spans_decades(losses, scale, note):
    axes = _loss_axes(losses)
    assert axes.get_yscale() == scale
    assert [t.get_text() for t in axes.texts] == ([note] if note else [])


def test_epochs_of_several_batches_also_show_their_mean():
    axes = _loss_axes([4.0, 2.0, 1.0, 3.0], per_epoch=2)
    assert [line.get_label() for line in axes.lines] == ["batch loss", "mean over the epoch"]
    np.testing.assert_allclose(axes.lines[1].get_ydata(), [3.0, 2.0])
    np.testing.assert_allclose(axes.lines[1].get_xdata(), [2, 4])


def test_a_loss_curve_can_have_a_title(tmp_path):
    from symgrad.explain.plots import loss_curve

    path = loss_curve(tmp_path / "run.png", [2.5, 2.0, 1.5, 1.25], 2, "s2: SGD(lr=0.003)")
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 5_000
