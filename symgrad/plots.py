"""Plots of training runs (matplotlib, Agg backend: files, never windows)."""

from pathlib import Path

import numpy as np

__all__ = ["plot_history"]


def plot_history(history, path, title=""):
    """Write a two-panel figure of a :class:`~symgrad.loops.History` to ``path``: the batch loss per
    iteration (log scale when it stays positive) and each parameter's trajectory. Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    losses = history.losses.astype(float)
    parameters = history.parameters.astype(float)
    figure, (loss_axes, parameter_axes) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axes.plot(np.arange(1, len(losses) + 1), losses, color="tab:red")
    if len(losses) and np.all(losses > 0):
        loss_axes.set_yscale("log")
    loss_axes.set(xlabel="iteration", ylabel="batch loss", title="loss")
    for column, name in enumerate(history.names):
        parameter_axes.plot(np.arange(len(parameters)), parameters[:, column], label=name)
    parameter_axes.set(xlabel="iteration", ylabel="value", title="parameters")
    if len(history.names) <= 10:
        parameter_axes.legend(loc="best", fontsize="small")
    for axes in (loss_axes, parameter_axes):
        axes.grid(True, alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
