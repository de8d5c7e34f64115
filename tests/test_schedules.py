"""Learning-rate schedules against torch.optim.lr_scheduler, epoch by epoch, and exactly."""

import math

import pytest
import sympy as sp

from symgrad.core.errors import TrainingError
from symgrad.numeric.schedules import CosineAnnealingLR, ExponentialLR, StepLR

torch = pytest.importorskip("torch")

SCHEDULES = [StepLR(step_size=3, gamma=0.5), StepLR(step_size=1), ExponentialLR(gamma=0.9),
             CosineAnnealingLR(T_max=5), CosineAnnealingLR(T_max=4, eta_min=0.001)]


def _ours(schedule, base_lr, epochs):
    lrs = [base_lr]
    for epoch in range(1, epochs + 1):
        lrs.append(schedule.next_lr(lrs[-1], base_lr, epoch))
    return lrs


def _torchs(schedule, base_lr, epochs):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    scheduler = getattr(torch.optim.lr_scheduler, type(schedule).__name__)(opt, **vars(schedule))
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step()
        scheduler.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize("schedule", SCHEDULES, ids=repr)
def test_rates_are_torchs_bit_for_bit(schedule):
    assert _ours(schedule, 0.1, 25) == _torchs(schedule, 0.1, 25)  # 25 epochs: cosine restarts twice


def test_exact_rates_stay_exact():
    assert _ours(StepLR(step_size=2, gamma=0.5), sp.Rational(1, 10), 4) == \
        [sp.Rational(1, 10), sp.Rational(1, 10), sp.Rational(1, 20), sp.Rational(1, 20), sp.Rational(1, 40)]
    assert _ours(ExponentialLR(gamma=0.9), sp.Integer(1), 2)[-1] == sp.Rational(81, 100)
    cosine = _ours(CosineAnnealingLR(T_max=4), sp.Integer(1), 8)
    closed = [(1 + sp.cos(sp.pi * e / 4)) / 2 for e in range(9)]
    assert [sp.simplify(a - b) for a, b in zip(cosine, closed)] == [0] * 9
    assert cosine[2] == sp.Rational(1, 2) and cosine[4] == 0
    assert math.isclose(float(cosine[1]), (1 + math.cos(math.pi / 4)) / 2, rel_tol=1e-15)


@pytest.mark.parametrize("build, message", [
    (lambda: StepLR(step_size=0), "StepLR: step_size must be a positive integer, got 0"),
    (lambda: StepLR(step_size=2.5), "StepLR: step_size must be a positive integer, got 2.5"),
    (lambda: ExponentialLR(gamma="0.9"), "ExponentialLR: gamma must be a number, got '0.9'"),
    (lambda: CosineAnnealingLR(T_max=-1), "CosineAnnealingLR: T_max must be a positive integer"),
])
def test_bad_schedules(build, message):
    with pytest.raises(TrainingError, match=message):
        build()
