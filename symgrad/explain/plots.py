r"""Every plot symgrad draws, with matplotlib, into files that are the same bytes every time: a
training run's loss curve and parameter trajectories (``symgrad train``, worksheets), the
directional derivatives a worksheet asks about, and a loss surface with a descent trajectory.

No pyplot and no global backend: each plot is a ``matplotlib.figure.Figure`` saved to a file (PDF,
or PNG when the file's name ends in ``.png``), so a notebook's own backend is never touched. Each
function takes plain numbers (floats, exact numbers, NumPy arrays and vectorised functions); the
callers compute them.
"""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..core.files import atomic_path

__all__ = ["plot_history", "loss_curve", "directions_plot", "loss_surface"]

_METADATA = {".pdf": {"Creator": None, "Producer": None, "CreationDate": None}, ".png": {"Software": None}}
_COLOURS = ("tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:cyan")
MARKERS_UP_TO = 40  # a curve of at most this many points shows each point
LOG_FROM = 100  # the loss axis is logarithmic when the positive losses span this factor or more


def plot_history(history, path, title=""):
    """A :class:`~symgrad.numeric.loops.History` in two panels, written to ``path``: the batch loss per
    iteration (with the epochs' mean losses when an epoch has several batches) and each
    parameter's trajectory. Returns the path."""
    fig = Figure(figsize=(10, 4), layout="tight")
    loss_axes, parameter_axes = fig.subplots(1, 2)
    _draw_losses(loss_axes, history.losses, history.iterations_per_epoch)
    parameters = np.asarray(history.parameters, dtype=float)
    steps = np.arange(len(parameters))
    for column, name in enumerate(history.names):
        parameter_axes.plot(steps, parameters[:, column], label=name, **_markers(len(steps)))
    parameter_axes.set(xlabel="iteration", ylabel="value", title="parameters")
    parameter_axes.grid(True, alpha=0.3)
    if len(history.names) <= 10:
        parameter_axes.legend(loc="best", fontsize="small")
    loss_axes.set_title("loss")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def loss_curve(path, losses, iterations_per_epoch=1, title=""):
    """The batch loss per iteration of a run (``losses``), with the epochs' mean losses when an
    epoch has several batches, under ``title``. Returns the path."""
    fig = Figure(figsize=(6, 3.4), layout="tight")
    ax = fig.add_subplot()
    _draw_losses(ax, losses, iterations_per_epoch)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def _draw_losses(ax, losses, per_epoch):
    """The loss curve on ``ax``: logarithmic when the positive losses span :data:`LOG_FROM` or more,
    in which case losses of exactly 0 cannot be drawn and a note says how many there are."""
    losses = np.asarray(losses, dtype=float)
    steps = np.arange(1, len(losses) + 1)
    positive = losses[losses > 0]
    log = len(positive) > 0 and np.all(losses >= 0) and positive.max() >= LOG_FROM * positive.min()
    shown = np.where(losses > 0, losses, np.nan) if log else losses
    ax.plot(steps, shown, color="tab:red", lw=1.2, label="batch loss", **_markers(len(steps)))
    if per_epoch > 1 and len(losses) >= per_epoch:
        epochs = len(losses) // per_epoch
        means = losses[:epochs * per_epoch].reshape(epochs, per_epoch).mean(axis=1)
        ends = per_epoch * np.arange(1, epochs + 1)
        ax.plot(ends, np.where(means > 0, means, np.nan) if log else means, color="black", lw=1.2,
                label="mean over the epoch", **_markers(epochs))
        ax.legend(loc="best", fontsize="small")
    if log:
        ax.set_yscale("log")
        zeros = int(np.sum(losses == 0))
        if zeros:
            ax.text(0.98, 0.95, f"{zeros} of {len(losses)} losses are exactly 0 (not drawn on a log scale)",
                    transform=ax.transAxes, ha="right", va="top", fontsize=8)
    pad = max(0.5, 0.02 * len(losses))
    ax.set(xlabel="iteration", ylabel="loss", xlim=(1 - pad, len(losses) + pad))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(True, alpha=0.3)


def _markers(count):
    return {"marker": "o", "markersize": 3} if count <= MARKERS_UP_TO else {}


def directions_plot(path, function, names, point, gradient, directions):
    r"""Contour lines of ``function(X, Y)`` around ``point``, the gradient there, and each direction
    ``(label, unit vector, rate)`` of ``directions`` drawn from the point; the legend gives each
    arrow's direction and rate $D_v f$. ``names`` are the two variables' LaTeX names."""
    x0, y0 = point
    span = 1.5 * max(abs(x0), abs(y0), float(np.hypot(*gradient)) / 2, 1.0)
    xs, ys = np.meshgrid(np.linspace(x0 - span, x0 + span, 201), np.linspace(y0 - span, y0 + span, 201))
    fig = Figure(figsize=(5.5, 6))
    ax = fig.add_subplot()
    contours = ax.contour(xs, ys, np.broadcast_to(function(xs, ys), xs.shape), levels=14, colors="0.45",
                          linewidths=0.8)
    ax.clabel(contours, fontsize=8, fmt="%.3g")
    handles = [_arrow(ax, (x0, y0), np.asarray(gradient) / max(float(np.hypot(*gradient)), 1e-12) * span * 0.6,
                      "crimson", r"$\nabla f = (%.4g, %.4g)$" % tuple(gradient), 2.2)]
    for k, (label, (vx, vy), rate) in enumerate(directions):
        color = _COLOURS[k % len(_COLOURS)]
        handles.append(_arrow(ax, (x0, y0), (span * 0.5 * vx, span * 0.5 * vy), color,
                              f"{label}: $D_v f = {rate:.4g}$", 1.5))
    ax.plot([x0], [y0], "o", color="black", markersize=5)
    ax.set_xlabel(f"${names[0]}$", fontsize=11)
    ax.set_ylabel(f"${names[1]}$", fontsize=11)
    ax.set_aspect("equal")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9, frameon=False)
    return _save(fig, path)


def _arrow(ax, start, delta, color, label, width):
    ax.annotate("", xy=(start[0] + delta[0], start[1] + delta[1]), xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": width, "mutation_scale": 14})
    return Line2D([], [], color=color, lw=width, label=label)


def loss_surface(path, function, names, trajectory, span=None):
    """The loss ``function(A, B)`` over two weights as a 3-D surface, its contour lines projected
    underneath, and the descent ``trajectory`` (points ``(a, b)``) drawn on both: on the surface at
    its height there, and on the contour plane. Each point on the surface is labelled with its
    number and coordinates, the labels stacked beside the trajectory so that none overlap."""
    points = np.asarray(trajectory, dtype=float)
    heights = np.broadcast_to(function(points[:, 0], points[:, 1]), len(points))
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    span = span or 3 * max(float(np.ptp(points[:, 0])), float(np.ptp(points[:, 1])), 0.05)
    a, b = np.meshgrid(np.linspace(centre[0] - span, centre[0] + span, 41),
                       np.linspace(centre[1] - span, centre[1] + span, 41))
    z = np.broadcast_to(function(a, b), a.shape)
    floor = float(z.min()) - 0.35 * float(np.ptp(z) or 1.0)
    fig = Figure(figsize=(7, 5.6))
    ax = fig.add_subplot(projection="3d", computed_zorder=False)
    ax.plot_surface(a, b, z, cmap="viridis", alpha=0.45, linewidth=0, antialiased=True, zorder=1)
    ax.contour(a, b, z, levels=15, zdir="z", offset=floor, cmap="viridis", linewidths=0.8, zorder=0)
    ax.plot(points[:, 0], points[:, 1], heights, "o-", color="crimson", markersize=3.5, lw=1.6, zorder=3)
    ax.plot(points[:, 0], points[:, 1], np.full(len(points), floor), "o--", color="crimson", markersize=3,
            lw=1, zorder=2)
    ax.set_zlim(floor, float(z.max()))
    ax.set_xlabel(f"${names[0]}$")
    ax.set_ylabel(f"${names[1]}$")
    ax.set_zlabel("loss")
    ax.view_init(elev=28, azim=-125)
    labels = [f"{k}: ({pa:.4g}, {pb:.4g})" for k, (pa, pb) in enumerate(points)]
    _stacked_labels(ax, points[:, 0], points[:, 1], heights, labels)
    return _save(fig, path)


def _stacked_labels(ax, xs, ys, zs, labels, fontsize=7.5):
    """Label 3-D points from the right of the rightmost one, in a column one line apart, each
    label joined to its point by a thin line (points close together would hide each other's labels)."""
    from mpl_toolkits.mplot3d import proj3d

    x2, y2, _ = proj3d.proj_transform(xs, ys, zs, ax.get_proj())
    pixels = ax.transData.transform(np.column_stack([x2, y2]))
    per_point = ax.figure.dpi / 72
    gap = 1.6 * fontsize * per_point
    order = np.argsort(-pixels[:, 1])  # top to bottom
    wanted = pixels[order, 1]
    placed = wanted.copy()
    for i in range(1, len(placed)):
        placed[i] = min(placed[i], placed[i - 1] - gap)
    placed += (wanted.mean() - placed.mean())  # the column centred on the points
    column = pixels[:, 0].max() + 40 * per_point
    for rank, k in enumerate(order):
        offset = ((column - pixels[k, 0]) / per_point, (placed[rank] - pixels[k, 1]) / per_point)
        ax.annotate(labels[k], xy=(x2[k], y2[k]), xytext=offset, textcoords="offset points", fontsize=fontsize,
                    va="center", color="crimson", zorder=5,
                    bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                    arrowprops={"arrowstyle": "-", "color": "crimson", "lw": 0.5, "alpha": 0.7})


def _save(fig, path):
    path = Path(path)
    png = path.suffix.lower() == ".png"
    with atomic_path(path) as temporary:  # written whole or not at all
        fig.savefig(temporary, format="png" if png else "pdf", dpi=120 if png else None,
                    metadata=_METADATA[".png" if png else ".pdf"], bbox_inches="tight")
    return path
