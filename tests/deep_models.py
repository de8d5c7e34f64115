"""Helpers for the tests that hold deep networks to linear work: a deep sigmoid chain, and a count
of SymPy's numerical evaluations (nested exact values re-evaluated cost time exponential in depth)."""

import sympy as sp
import sympy.core.evalf as evalf_module

import symgrad as sg


def deep_sigmoid_chain(depth, x, w):
    """``L = h_depth^2`` where ``h_i = sigmoid(w h_{i-1} + 1/3)`` and ``h_0 = x``, as a graph."""
    g = sg.Graph()
    h = x
    for i in range(depth):
        h = g.define(f"h{i}", sg.sigmoid(w * h + sp.Rational(1, 3)))
    g.define("L", h ** 2)
    return g


def evalf_calls(monkeypatch, action):
    """How many times SymPy's numerical evaluation runs during ``action()``."""
    calls = [0]
    original = evalf_module.evalf

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(evalf_module, "evalf", counting)
    action()
    monkeypatch.undo()
    return calls[0]
