"""The torch twin's training runs against symgrad's loops: every optimizer and option (with the three
schedules) on S0, S3, S4 and a small sigmoid MLP, 200 iterations, float64 and float32."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.errors import TrainingError
from symgrad.numeric.loops import compile_objective, train
from symgrad.numeric.training import plan
from symgrad.numeric.schedules import CosineAnnealingLR, ExponentialLR, StepLR
from symgrad.twin.comparison import TOLERANCES, compare_histories
from symgrad.worksheets.worksheet import Training, load_worksheet

torch = pytest.importorskip("torch")
from symgrad.twin.torch_twin import torch_sgd_steps, torch_train  # noqa: E402

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
ITERATIONS = 200

# (optimizer, options, schedule); the learning rate is scaled per model
CONFIGS = [
    ("SGD", {"lr": 0.01}, None),
    ("SGD", {"lr": 0.01, "momentum": 0.9}, StepLR(step_size=10, gamma=0.7)),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.3}, None),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}, None),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1}, None),
    ("RMSprop", {"lr": 0.002}, None),
    ("RMSprop", {"lr": 0.002, "alpha": 0.9, "eps": 1e-6}, ExponentialLR(gamma=0.98)),
    ("RMSprop", {"lr": 0.002, "momentum": 0.9}, None),
    ("RMSprop", {"lr": 0.002, "centered": True}, None),
    ("RMSprop", {"lr": 0.002, "centered": True, "momentum": 0.5, "weight_decay": 0.1}, None),
    ("Adagrad", {"lr": 0.02}, None),
    ("Adagrad", {"lr": 0.02, "lr_decay": 0.01, "initial_accumulator_value": 0.5}, None),
    ("Adagrad", {"lr": 0.02, "eps": 1e-6, "weight_decay": 0.1}, None),
    ("Adam", {"lr": 0.002}, CosineAnnealingLR(T_max=7, eta_min=1e-4)),
    ("Adam", {"lr": 0.002, "amsgrad": True}, None),
    ("Adam", {"lr": 0.002, "betas": (0.8, 0.99), "eps": 1e-6}, None),
    ("Adam", {"lr": 0.002, "weight_decay": 0.1}, None),
    ("AdamW", {"lr": 0.002}, None),
    ("AdamW", {"lr": 0.002, "weight_decay": 0.1, "amsgrad": True}, None),
]


def _small_mlp():
    """2 inputs, 3 sigmoid hidden units, 1 output, squared error; 8 samples in shuffled batches of 4."""
    x1, x2, t = sp.symbols("x1 x2 t")
    hidden = sg.linear([x1, x2], out_features=3)
    output = sg.linear([sg.sigmoid(z) for z in hidden], out_features=1, weight_name="v", bias_name="c")
    parameters = hidden.parameters + output.parameters
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(8, 2)).round(3)
    return Training(loss=(output[0] - t) ** 2,
                    parameters=dict(zip(parameters, rng.uniform(-1, 1, len(parameters)).round(3).tolist())),
                    data={x1: inputs[:, 0].tolist(), x2: inputs[:, 1].tolist(),
                          t: (inputs[:, 0] * inputs[:, 1] > 0).astype(float).tolist()},
                    batch_size=4, shuffle=True, seed=1)


def _worksheet_run(name):
    sheet = load_worksheet(WORKSHEETS / f"{name}.py")
    return sheet.training, sheet.model


MODELS = {"S0": (lambda: _worksheet_run("s0_sgd_by_hand"), 1.0), "S3": (lambda: _worksheet_run("s3_backprop_by_hand"), 1.0),
          "S4": (lambda: _worksheet_run("s4_linear_regression"), 1.0), "MLP": (lambda: (_small_mlp(), None), 10.0)}


@pytest.fixture(scope="module", params=list(MODELS))
def model(request):
    """A model's training run, its loss, its learning-rate scale and its objective, compiled once."""
    build, scale = MODELS[request.param]
    training, loss = build()
    per_epoch = plan(training, loss).order.batches_per_epoch
    training = dataclasses.replace(training, epochs=-(-ITERATIONS // per_epoch))
    return request.param, training, loss, scale, compile_objective(plan(training, loss))


@pytest.mark.parametrize("mode", ["float64", "float32"])
@pytest.mark.parametrize("optimizer, options, schedule", CONFIGS,
                         ids=[f"{o}-{'-'.join(f'{k}={v}' for k, v in opts.items())}-{type(s).__name__ if s else ''}"
                              for o, opts, s in CONFIGS])
def test_every_optimizer_and_option_follows_torch(model, optimizer, options, schedule, mode):
    name, training, loss, scale, objective = model
    options = {**options, "lr": options["lr"] * scale}
    training = dataclasses.replace(training, optimizer=optimizer, options=options, schedule=schedule, mode=mode)
    ours = train(training, loss, objective=objective)
    theirs = torch_train(plan(training, loss))
    assert ours.iterations == theirs.iterations >= ITERATIONS
    assert ours.learning_rates == pytest.approx(theirs.learning_rates, rel=1e-15)
    rows = compare_histories(name, ours, theirs, TOLERANCES[f"scalar run {mode}"].rtol)
    assert all(row.passed for row in rows), [(r.quantity, r.max_rel) for r in rows]


def test_the_twin_computes_in_float32_when_asked(model):
    name, training, loss, scale, _ = model
    history = torch_train(plan(dataclasses.replace(training, epochs=1), loss, mode="float32"))
    assert history.parameters.dtype == history.gradients.dtype == np.float32 and history.mode == "float32"


def test_the_twin_stops_where_it_is_told():
    training, loss = _worksheet_run("s0_sgd_by_hand")
    history = torch_train(plan(training, loss), iterations=7)
    assert history.iterations == 7 and history.parameters.shape == (8, 1)
    assert history.final["w"] == pytest.approx(train(dataclasses.replace(training, epochs=3), loss).parameters[7, 0],
                                               rel=1e-15)


def test_the_twin_has_no_exact_mode():
    training, loss = _worksheet_run("s0_sgd_by_hand")
    with pytest.raises(TrainingError, match="the torch twin computes in float64 or float32, not exactly"):
        torch_train(plan(training, loss, mode="exact"))


def test_sgd_steps_by_torch_match_the_exact_step():
    sheet = load_worksheet(WORKSHEETS / "s3_backprop_by_hand.py")
    w5, w1 = sp.symbols("w5 w1")
    assert torch_sgd_steps(sheet.model, [w5, w1], sheet.point, 0.01) == pytest.approx((0.958, 0.979), rel=1e-15)
    exact = sheet.questions[-1].__class__([w5, w1], 0.01, steps=3).answer(sheet)
    assert torch_sgd_steps(sheet.model, ["w5", "w1"], sheet.point, 0.01, steps=3) == \
        pytest.approx([float(v) for v in exact], rel=1e-14)
