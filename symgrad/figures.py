"""Figures for worksheets, drawn with matplotlib into PDF files that are the same bytes every time:
the directional derivatives asked about, and a loss surface with a descent trajectory.

No pyplot and no global backend: each plot is a ``matplotlib.figure.Figure`` saved to a file, so
a notebook's own backend is never touched. Each function takes plain numbers (floats, NumPy
arrays and a vectorised function); the worksheet renderer computes them.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["directions_plot", "loss_surface"]

_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


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
    _save(fig, path)


_COLOURS = ("tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:cyan")


def _arrow(ax, start, delta, color, label, width):
    ax.annotate("", xy=(start[0] + delta[0], start[1] + delta[1]), xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": width, "mutation_scale": 14})
    return Line2D([], [], color=color, lw=width, label=label)


def loss_surface(path, function, names, trajectory, span=None):
    """The loss ``function(A, B)`` over two weights as a 3-D surface, its contour lines projected
    underneath, and the descent ``trajectory`` (points ``(a, b, loss)``) drawn on both, each point
    labelled with its coordinates."""
    points = np.asarray(trajectory, dtype=float)
    centre = points[:, :2].mean(axis=0)
    span = span or 1.5 * max(float(np.ptp(points[:, 0])), float(np.ptp(points[:, 1])), 0.5)
    a, b = np.meshgrid(np.linspace(centre[0] - span, centre[0] + span, 61),
                       np.linspace(centre[1] - span, centre[1] + span, 61))
    z = np.broadcast_to(function(a, b), a.shape)
    floor = float(z.min()) - 0.25 * float(np.ptp(z) or 1.0)
    fig = Figure(figsize=(7, 5.5))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(a, b, z, cmap="viridis", alpha=0.55, linewidth=0, antialiased=True)
    ax.contour(a, b, z, levels=15, zdir="z", offset=floor, cmap="viridis", linewidths=0.8)
    ax.plot(points[:, 0], points[:, 1], points[:, 2], "o-", color="crimson", markersize=3, lw=1.5)
    ax.plot(points[:, 0], points[:, 1], np.full(len(points), floor), "o--", color="crimson", markersize=3, lw=1)
    for k, (pa, pb, loss) in enumerate(points):
        ax.text(pa, pb, loss, f" {k}: ({pa:.3g}, {pb:.3g})", fontsize=7)
    ax.set_zlim(floor, float(z.max()))
    ax.set_xlabel(f"${names[0]}$")
    ax.set_ylabel(f"${names[1]}$")
    ax.set_zlabel("loss")
    _save(fig, path)


def _save(fig, path):
    fig.savefig(path, format="pdf", metadata=_METADATA, bbox_inches="tight")
