"""What ``symgrad train`` shows of a matrix-mode run: each epoch's mean training loss and the final
accuracy, as S2 prints them, and a plot of the loss (matplotlib, Agg: files, never windows)."""

from pathlib import Path

import numpy as np

from ..epochs import shown_epochs
from ..optimizers import make_optimizer

__all__ = ["report", "plot_losses"]


def report(spec, result, every=None):
    """The run's settings, the mean training loss of the shown epochs, how the run ended, and the
    accuracy on the test split, as one text."""
    history = result.history
    lines = [f"   {make_optimizer(spec.optimizer, spec.options)!r}, batch size {spec.batch_size}, "
             f"{history.iterations_per_epoch} iterations per epoch, {len(history.step_losses)} iterations, "
             f"network {_shape(spec.network)}, loss {spec.loss}, {result.dtype}, data: {spec.data}",
             "epoch  mean training loss"]
    losses = history.epoch_losses
    lines += [f"{epoch:>5}  {losses[epoch - 1]:.6f}" for epoch in shown_epochs(len(losses), every)]
    if history.stopped:
        lines.append(f"stopped early: {history.stopped}")
    lines.append(f"accuracy on the test split: {result.accuracy:.2%}")
    return "\n".join(lines)


def _shape(network):
    """``784-128-64-10 (relu, log_softmax)``: the widths, then the activations used."""
    widths = [network.in_features] + [layer.out_features for layer in network.layers if hasattr(layer, "out_features")]
    kinds = dict.fromkeys(layer.kind for layer in network.layers if hasattr(layer, "kind"))
    return "-".join(map(str, widths)) + (f" ({', '.join(kinds)})" if kinds else "")


def plot_losses(history, path, title=""):
    """Write the loss of every step and each epoch's mean (drawn at the epoch's middle step) to
    ``path``; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    per = history.iterations_per_epoch
    figure, axes = plt.subplots(figsize=(7, 4))
    steps = np.arange(1, len(history.step_losses) + 1)
    axes.plot(steps, history.step_losses, color="tab:red", alpha=0.45, lw=0.8, label="batch loss")
    middles = [min(e * per + (per + 1) / 2, len(steps)) for e in range(len(history.epoch_losses))]
    axes.plot(middles, history.epoch_losses, "o-", color="tab:blue", label="mean loss of the epoch")
    axes.set(xlabel="iteration", ylabel="loss", title=title or "training loss")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right")
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
