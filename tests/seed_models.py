"""S3's network (../shared/SEEDS.md), shared by the tests of the walk, the derivation and the LaTeX."""

from typing import NamedTuple

import sympy as sp

import symgrad as sg

w1, w2, w3, w4, w5, w6, x1, x2, y = sp.symbols("w1:7 x1 x2 y")


class Seed(NamedTuple):
    graph: sg.Graph
    weights: tuple
    nodes: tuple
    point: dict


def s3():
    """h1 = w1 x1 + w3 x2, h2 = w2 x1 + w4 x2, y* = w5 h1 + w6 h2, L = (y - y*)^2, with the
    tutorial's weights and sample (x = (0.5, 1), y = 0.8)."""
    g = sg.Graph()
    h1 = g.define("h1", w1 * x1 + w3 * x2)
    h2 = g.define("h2", w2 * x1 + w4 * x2)
    ystar = g.define("ystar", w5 * h1 + w6 * h2, latex="y^*")
    loss = g.define("L", (y - ystar) ** 2)
    point = {w1: 1.0, w2: 0.5, w3: 0.5, w4: 0.7, w5: 1.0, w6: 2.0, x1: 0.5, x2: 1.0, y: 0.8}
    return Seed(g, (w1, w2, w3, w4, w5, w6), (h1, h2, ystar, loss), point)
