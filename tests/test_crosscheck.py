"""Every number a worksheet prints, against finite differences and torch autograd."""

import pytest
import sympy as sp

import symgrad as sg
from symgrad import DerivationError
from symgrad import crosscheck as crosscheck_module
from symgrad.crosscheck import crosscheck

x, w, b, y = sp.symbols("x w b y")


def tanh_unit():
    """A tanh unit with a squared error: z = wx + b, a = tanh(z), L = (a - y)^2."""
    g = sg.Graph()
    z = g.define("z", w * x + b)
    g.define("L", (g.define("a", sp.tanh(z)) - y) ** 2)
    return g, z


def test_the_forward_pass_and_every_partial_are_counted():
    pytest.importorskip("torch")
    g, z = tanh_unit()
    point = {w: 0.5, b: -1, x: 2, y: 1}
    d = sg.derive(g, [w, b, z], at=point)  # z is a node: it is made a leaf for the numeric check
    steps = sg.derive(g, [w, b], at=point).descend(0.1, steps=2)
    result = crosscheck([d, steps])
    assert result.checked == (3 + 3) + (3 + 2 * 2)  # forward values, then the partials at each point
    assert result.torch and "torch autograd" in result.sentence()


def test_a_partial_that_disagrees_with_the_numbers_is_an_error(monkeypatch):
    g, _ = tanh_unit()
    d = sg.derive(g, [w], at={w: 0.5, b: -1, x: 2, y: 1})

    class Wrong(dict):
        skipped = {}

    monkeypatch.setattr(crosscheck_module, "assert_gradient_matches",
                        lambda *a, **k: Wrong(finite_difference=(-0.9,)))
    with pytest.raises(DerivationError, match=r"dL/dw \(finite_difference\) is -4 = -4.0 exactly, but -0.9"):
        crosscheck([d])


def test_a_disagreement_between_the_numeric_methods_is_an_error(monkeypatch):
    g, _ = tanh_unit()
    d = sg.derive(g, [w], at={w: 0.5, b: -1, x: 2, y: 1})

    def disagree(*args, **kwargs):
        raise AssertionError("gradients disagree")

    monkeypatch.setattr(crosscheck_module, "assert_gradient_matches", disagree)
    with pytest.raises(DerivationError, match="disagree"):
        crosscheck([d])


def test_without_torch_only_finite_differences(monkeypatch):
    monkeypatch.setattr(crosscheck_module, "_torch_version", lambda: None)
    g, _ = tanh_unit()
    result = crosscheck([sg.derive(g, [w], at={w: 0.5, b: -1, x: 2, y: 1})])
    assert result.torch is None and "torch is not installed" in result.sentence()
