"""Every number a worksheet prints, against finite differences and torch autograd; its training run
against the torch twin's."""

import dataclasses

import pytest
import sympy as sp

import symgrad as sg
from symgrad import DerivationError
from symgrad.twin import crosscheck as crosscheck_module
from symgrad.twin.crosscheck import CrossCheck, crosscheck, crosscheck_training
from symgrad.twin.oracles import GradientMismatch

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
    # the forward values (once: both derivations print the same ones), then the partials at each point
    assert result.checked == (3 + 3) + 2 * 2
    assert result.torch and "torch autograd" in result.sentence()


def test_a_partial_that_disagrees_with_the_numbers_is_an_error(monkeypatch):
    g, _ = tanh_unit()
    d = sg.derive(g, [w], at={w: 0.5, b: -1, x: 2, y: 1})

    class Wrong(dict):
        skipped = {}

    monkeypatch.setattr(crosscheck_module, "matching_gradients",
                        lambda *a, **k: Wrong(finite_difference=(-0.9,)))
    with pytest.raises(DerivationError, match=r"dL/dw \(finite_difference\) is -4 = -4.0 exactly, but -0.9"):
        crosscheck([d])


def test_a_disagreement_between_the_numeric_methods_is_an_error(monkeypatch):
    g, _ = tanh_unit()
    d = sg.derive(g, [w], at={w: 0.5, b: -1, x: 2, y: 1})

    def disagree(*args, **kwargs):
        raise GradientMismatch("gradients disagree")

    monkeypatch.setattr(crosscheck_module, "matching_gradients", disagree)
    with pytest.raises(DerivationError, match="disagree"):
        crosscheck([d])


def test_without_torch_only_finite_differences(monkeypatch):
    monkeypatch.setattr(crosscheck_module, "_torch_version", lambda: None)
    g, _ = tanh_unit()
    result = crosscheck([sg.derive(g, [w], at={w: 0.5, b: -1, x: 2, y: 1})])
    assert result.torch is None and "torch is not installed" in result.sentence()


def _summary(name):
    from pathlib import Path

    from symgrad.numeric.training_summary import summarise
    from symgrad.worksheets.worksheet import load_worksheet

    return summarise(load_worksheet(Path(__file__).parent.parent / "worksheets" / f"{name}.py"))


@pytest.mark.parametrize("name, mode, iterations", [("s3_backprop_by_hand", "exact", 5),
                                                    ("s0_sgd_by_hand", "float64", 300)])
def test_a_training_run_is_compared_with_the_torch_twins(name, mode, iterations):
    pytest.importorskip("torch")
    check = crosscheck_training(name, _summary(name))
    assert check.tolerance == 1e-12
    assert [r.quantity for r in check.rows] == ["loss", "gradients", "parameters"] and all(r.passed for r in check.rows)
    largest = max(r.max_rel for r in check.rows)
    assert check.sentence() == (f"Its training run ({mode}, {iterations} iterations) was compared iteration by "
                                f"iteration with the same run by torch.optim.SGD in float64: the loss, the gradients "
                                f"and the parameters differ by at most {largest:.1e} relative to their size "
                                f"(tolerance 1e-12).")


def test_a_training_run_that_differs_from_torchs_is_an_error():
    pytest.importorskip("torch")
    summary = _summary("s3_backprop_by_hand")
    history = summary.history
    nudged = dataclasses.replace(history, parameters=history.parameters + sp.Rational(1, 10 ** 9))  # w2 is 0.5
    with pytest.raises(DerivationError, match=r"worksheet s3: the training run disagrees with PyTorch's in its "
                                              r"parameters, by 2e-09 relative to their size \(tolerance 1e-12\)"):
        crosscheck_training("s3", dataclasses.replace(summary, history=nudged))


def test_without_torch_the_training_run_is_said_not_compared(monkeypatch):
    monkeypatch.setattr(crosscheck_module, "_torch_version", lambda: None)
    check = crosscheck_training("s3", _summary("s3_backprop_by_hand"))
    assert check.rows == () and check.sentence() == ("Its training run was not compared with PyTorch's "
                                                     "(torch is not installed).")
    closing = CrossCheck(3, 1e-8, 1e-10, None, training=check).sentence()
    assert closing.endswith("to a relative tolerance of 1e-08. Its training run was not compared with PyTorch's "
                            "(torch is not installed).")
