"""The training loops: data order, the seeds' runs (S0, S1, S3, S4), number modes, history,
early stopping, divergence, schedules and progress."""

import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symgrad as sg
from symgrad.core.errors import DivergenceError, TrainingError, UnknownVariableError
from symgrad.numeric.loops import History, compile_objective, train, train_worksheet
from symgrad.numeric.training import DataOrder, plan
from symgrad.numeric.schedules import StepLR
from symgrad.worksheets.worksheet import Training, load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
w, b, x, y = sp.symbols("w b x y")
S0_DATA = {x: [1, 2, 3], y: [2, 4, 6]}


def _sheet(name):
    return load_worksheet(WORKSHEETS / f"{name}.py")


# -- data order ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, drop_last, per_epoch, sizes", [
    (50_000, 256, False, 196, {256, 80}),   # S4's example: 196 iterations per epoch (not N/B + 1 = 196.3)
    (50_000, 256, True, 195, {256}),
    (3, None, False, 1, {3}),                # batch gradient descent
    (3, 1, False, 3, {1}),                   # SGD
    (3, 2, False, 2, {2, 1}),
    (3, 2, True, 1, {2}),
    (4, 2, False, 2, {2}),
    (3, 5, False, 1, {3}),
])
def test_batches_per_epoch_is_ceil_n_over_b(n, batch_size, drop_last, per_epoch, sizes):
    order = DataOrder(n, batch_size, drop_last=drop_last)
    (batches,) = order.epochs(1)
    assert order.batches_per_epoch == len(batches) == per_epoch
    assert {len(batch) for batch in batches} == sizes
    if not drop_last:
        assert sorted(np.concatenate(batches).tolist()) == list(range(n))


def test_s4_iterations_in_ten_epochs():
    assert 10 * DataOrder(50_000, 256).batches_per_epoch == 1960


def test_shuffling_is_a_fresh_permutation_each_epoch_and_repeats_with_the_seed():
    first, second = DataOrder(10, 3, shuffle=True, seed=1).epochs(2)
    again, _ = DataOrder(10, 3, shuffle=True, seed=1).epochs(2)
    other, _ = DataOrder(10, 3, shuffle=True, seed=2).epochs(2)
    flat = [np.concatenate(e).tolist() for e in (first, second, again, other)]
    assert sorted(flat[0]) == sorted(flat[1]) == list(range(10))
    assert flat[0] != flat[1] and flat[0] == flat[2] and flat[0] != flat[3]


def test_drop_last_with_too_few_samples_is_an_error():
    with pytest.raises(TrainingError, match="batch_size 5 with drop_last leaves no full batch of the 3 samples"):
        DataOrder(3, 5, drop_last=True)


# -- the seeds -------------------------------------------------------------------------------------

def test_s0_per_sample_sgd_300_updates():
    history = train_worksheet(_sheet("s0_sgd_by_hand"))
    assert history.iterations == 300 and history.iterations_per_epoch == 3
    assert history.final["w"] == pytest.approx(1.9999999999999236, abs=1e-12)
    # the tutorial's first epoch: 2x(xw - y) per sample, w moving after each
    assert history.gradients[:3, 0] == pytest.approx([-2.0, -7.84, -16.2288], rel=1e-14)
    assert history.parameters[1:4, 0] == pytest.approx([1.02, 1.0984, 1.260688], rel=1e-15)


def test_s0_exact_mode_shows_the_exact_rational():
    history = train_worksheet(_sheet("s0_sgd_by_hand"), mode="exact")
    final = history.final["w"]
    assert isinstance(final, sp.Rational) and final.q > 10 ** 100
    reference = Fraction(1)  # the same recurrence, by hand, in Python's rationals
    for _ in range(100):
        for xi, yi in zip([1, 2, 3], [2, 4, 6]):
            reference -= Fraction(1, 100) * 2 * xi * (xi * reference - yi)
    assert final == sp.Rational(reference.numerator, reference.denominator)
    assert float(final) == pytest.approx(1.9999999999999236, abs=1e-12)


def test_s0_linear_1000_full_batch_epochs_equal_torchs_nn_linear():
    torch = pytest.importorskip("torch")
    history = train_worksheet(_sheet("s0_linear_in_pytorch"))
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(0.5)
        model.bias.fill_(-0.25)
    opt, criterion = torch.optim.SGD(model.parameters(), lr=0.01), torch.nn.MSELoss()
    inputs = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    targets = 2 * inputs
    rows = []
    for _ in range(1000):
        loss = criterion(model(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        rows.append([model.weight.item(), model.bias.item(), loss.item()])
    rows = np.array(rows)
    assert history.iterations == 1000
    np.testing.assert_allclose(history.parameters[1:], rows[:, :2], rtol=1e-13, atol=0)
    np.testing.assert_allclose(history.losses, rows[:, 2], rtol=1e-12, atol=0)
    final = history.final
    assert final["w"] * 5 + final["b"] == pytest.approx(model(torch.tensor([[5.0]], dtype=torch.float64)).item(),
                                                        rel=1e-13)


def test_s1_batch_gradient_descent_predicts_8_at_4():
    history = train_worksheet(_sheet("s1_batch_gradient_descent"))
    assert history.iterations == 100 and history.iterations_per_epoch == 1
    assert 4 * history.parameters[0, 0] == 4.0
    assert 4 * history.final["w"] == pytest.approx(8.0, abs=1e-12)
    assert history.gradients[0, 0] == pytest.approx(-28 / 3, rel=1e-15)  # the mean cost's gradient at w = 1


def test_s3_one_step_exact_and_five_for_the_plot():
    sheet = _sheet("s3_backprop_by_hand")
    history = train_worksheet(sheet, mode="exact")
    names = history.names
    one = dict(zip(names, history.parameters[1]))
    assert (one["w5"], one["w1"]) == (sp.Rational(479, 500), sp.Rational(979, 1000))
    assert history.losses[0] == sp.Rational(441, 100)
    assert history.iterations == 5 and history.parameters.shape == (6, 6)
    by_hand = sheet.questions[-1].__class__(list(sheet.training.parameters), 0.01, steps=5).answer(sheet)
    assert tuple(history.parameters[5]) == by_hand  # five steps of the plain update rule, exactly
    floats = train_worksheet(sheet, mode="float64")
    np.testing.assert_allclose(floats.parameters, history.parameters.astype(float), rtol=1e-15)


def test_s4_theta_and_the_cost_history_match_numpys_loop():
    history = train_worksheet(_sheet("s4_linear_regression"))
    X, Y = np.array([[1, 2], [1, 3], [1, 4], [1, 5]], dtype=float), np.array([3, 4, 5, 6], dtype=float)
    theta, m, costs = np.zeros(2), len(Y), []
    for _ in range(1000):  # the tutorial's NumPy loop: the cost of theta, then the update
        costs.append(np.sum((X.dot(theta) - Y) ** 2) / (2 * m))
        theta = theta - 0.01 * X.T.dot(X.dot(theta) - Y) / m
    np.testing.assert_allclose(history.final["theta0"], 0.70941875, atol=1e-8)
    np.testing.assert_allclose(history.final["theta1"], 1.07582298, atol=1e-8)
    np.testing.assert_allclose(history.parameters[-1], theta, rtol=1e-13)
    np.testing.assert_allclose(history.losses, costs, rtol=1e-12)
    assert history.losses[-1] == pytest.approx(0.0039175, abs=5e-8)


# -- modes, batches, history -----------------------------------------------------------------------

def _s0(**options):
    fields = {"parameters": {w: 1.0}, "data": S0_DATA, "optimizer": "SGD", "options": {"lr": 0.01},
              "epochs": 3, "batch_size": 1, "loss": (x * w - y) ** 2}
    return Training(**{**fields, **options})


def test_float32_runs_in_float32_and_close_to_float64():
    f32, f64 = train(_s0(mode="float32", epochs=30)), train(_s0(epochs=30))
    assert f32.mode == "float32" and f32.parameters.dtype == f32.gradients.dtype == f32.losses.dtype == np.float32
    np.testing.assert_allclose(f32.parameters, f64.parameters, rtol=1e-6)


def test_a_mini_batch_gradient_is_the_mean_of_its_samples_gradients():
    history = train(_s0(batch_size=2, epochs=1, mode="exact"))
    assert history.iterations == 2  # ceil(3 / 2)
    g1 = (2 * 1 * (1 - 2) + 2 * 2 * (2 - 4)) / sp.Integer(2)  # samples 1 and 2 at w = 1
    assert history.gradients[0, 0] == g1 == sp.Rational(-5)
    w1 = 1 - sp.Rational(1, 100) * g1
    assert history.gradients[1, 0] == 2 * 3 * (3 * w1 - 6)  # the last batch holds sample 3 alone
    assert train(_s0(batch_size=2, epochs=1, drop_last=True)).iterations == 1


def test_mini_batches_in_float_follow_the_exact_run():
    exact = train(_s0(batch_size=2, epochs=4, shuffle=True, seed=3, mode="exact"))
    floats = train(_s0(batch_size=2, epochs=4, shuffle=True, seed=3))
    np.testing.assert_allclose(floats.parameters, exact.parameters.astype(float), rtol=1e-14)
    np.testing.assert_allclose(floats.losses, exact.losses.astype(float), rtol=1e-13)


def test_shuffled_runs_repeat_with_their_seed():
    a, b_, c = (train(_s0(shuffle=True, seed=s)) for s in (5, 5, 6))
    assert np.array_equal(a.parameters, b_.parameters) and not np.array_equal(a.parameters, c.parameters)


def test_a_gradient_that_does_not_depend_on_the_data_is_its_own_mean():
    training = Training(loss=(w * x - y) ** 2 + b ** 2, parameters={w: 1, b: 0.5}, data=S0_DATA,
                        options={"lr": 0.1}, epochs=2, batch_size=2)
    exact, floats = train(training, mode="exact"), train(training)
    assert exact.gradients[0, 1] == 1  # d(b^2)/db at b = 1/2, whatever the samples
    np.testing.assert_allclose(floats.parameters, exact.parameters.astype(float), rtol=1e-15)


def test_exact_mode_keeps_a_sigmoid_model_exact():
    loss = sg.bce(sg.sigmoid(w * x + b), y)
    training = Training(loss=loss, parameters={w: 0.5, b: 0}, data={x: [1, -2], y: [1, 0]},
                        options={"lr": 0.1, "momentum": 0.9}, epochs=2)
    exact, floats = train(training, mode="exact"), train(training)
    assert exact.parameters.dtype == object and exact.parameters[2, 0].has(sg.sigmoid)
    np.testing.assert_allclose(floats.parameters, [[float(sp.N(v, 30)) for v in row] for row in exact.parameters],
                               rtol=1e-13)


def test_adam_in_exact_mode_on_a_polynomial_loss():
    """Square roots stay exact: Adam's first step moves w by lr * g / (|g| + eps), exactly."""
    history = train(_s0(optimizer="Adam", options={"lr": 0.1}, epochs=1, mode="exact"))
    first = 1 + sp.Rational(1, 10) * 2 / (2 + sp.Rational(1, 10 ** 8))  # g = -2 at w = 1 (sample 1)
    assert history.parameters[1, 0] == first
    floats = train(_s0(optimizer="Adam", options={"lr": 0.1}, epochs=1))
    np.testing.assert_allclose(floats.parameters[:, 0], [float(sp.N(v, 30)) for v in history.parameters[:, 0]],
                               rtol=1e-14)


def test_the_history_contract():
    history = train(_s0(epochs=4))
    assert isinstance(history, History) and history.names == ("w",)
    assert history.parameters.shape == (13, 1) and history.gradients.shape == (12, 1) and history.losses.shape == (12,)
    assert history.parameters[0, 0] == 1.0 and history.losses[0] == 1.0  # (1*1 - 2)^2 at the initial w
    with pytest.raises(ValueError):
        history.parameters[0, 0] = 5.0  # read-only
    rows = history.epochs
    assert [r.epoch for r in rows] == [1, 2, 3, 4] and [r.iterations for r in rows] == [3, 6, 9, 12]
    assert rows[0].parameters == (history.parameters[3, 0],) and rows[0].loss == history.losses[2]
    assert rows[0].mean_loss == pytest.approx(history.losses[:3].mean()) and rows[0].lr == 0.01
    assert np.array_equal(history.trajectory("w"), history.parameters[:, 0])
    with pytest.raises(TrainingError, match="no parameter 'v': the run trained w"):
        history.trajectory("v")


def test_a_schedule_changes_the_rate_after_each_epoch():
    history = train(_s0(epochs=5, schedule=StepLR(step_size=2, gamma=0.5)))
    assert history.learning_rates == (0.01, 0.01, 0.005, 0.005, 0.0025)
    exact = train(_s0(epochs=3, schedule=StepLR(step_size=2, gamma=0.5), mode="exact"))
    assert exact.learning_rates == (sp.Rational(1, 100), sp.Rational(1, 100), sp.Rational(1, 200))


def test_early_stopping_on_the_loss_and_on_the_gradient_norm():
    by_loss = train(_s0(epochs=100, batch_size=None, options={"lr": 0.05}), stop_loss=1e-6)
    assert by_loss.iterations < 100 and by_loss.losses[-1] > 1e-6
    assert by_loss.stopped.startswith("the loss ") and f"after {by_loss.iterations} iterations" in by_loss.stopped
    by_norm = train(_s0(epochs=100, batch_size=None, options={"lr": 0.05}), stop_grad_norm=1e-3)
    assert by_norm.iterations < 100 and abs(by_norm.gradients[-1, 0]) > 1e-3
    assert "gradient norm" in by_norm.stopped
    assert train(_s0()).stopped is None


def test_divergence_names_the_iteration_and_the_parameter():
    with pytest.raises(DivergenceError, match=r"training diverged at iteration \d+ \(epoch \d+, batch \d\): "
                                              r"the loss is inf at w = -2\.7\d*e\+154") as caught:
        train(_s0(epochs=200, options={"lr": 1.0}))
    assert caught.value.history.iterations > 10  # the run up to the divergence, for plotting


def test_a_nan_loss_names_the_parameters():
    training = Training(loss=sp.log(w * x), parameters={w: 0.5}, data={x: [1.0]}, options={"lr": 1.0}, epochs=3)
    with pytest.raises(DivergenceError, match=r"iteration 2 \(epoch 2, batch 1\): the loss is nan at w = -1.5"):
        train(training)


def test_progress_bar_on_request(capsys):
    train(_s0(), progress=True)
    assert "training" in capsys.readouterr().err
    train(_s0(), progress=False)
    assert capsys.readouterr().err == ""


def test_a_compiled_objective_is_reused():
    training = _s0()
    objective = compile_objective(plan(training))
    assert np.array_equal(train(training, objective=objective).parameters, train(training).parameters)
    other = compile_objective(plan(_s0(loss=(x * w + b - y) ** 2, parameters={w: 1, b: 0})))
    with pytest.raises(TrainingError, match="compiled objective is for other parameters"):
        train(training, objective=other)


@pytest.mark.parametrize("training, model, error, message", [
    (_s0(loss=None), None, TrainingError, "the training run has no loss"),
    (_s0(loss=(x * w - y) ** 2 + b), None, TrainingError, "the loss uses b, which is neither a parameter nor"),
    (_s0(parameters={"v": 1.0}), None, UnknownVariableError, "unknown variable 'v'"),
    (_s0(parameters={w: 1, x: 1}), None, TrainingError, "x is both a parameter and a data column"),
    (_s0(parameters={}), None, TrainingError, "no parameters to train"),
    (_s0(data={x: ["one", "two", "three"], y: [2, 4, 6]}), None, TrainingError, "cannot be read as numbers"),
])
def test_bad_training_runs(training, model, error, message):
    with pytest.raises(error, match=message):
        train(training, model)


@pytest.mark.parametrize("fields, message", [
    ({"mode": "float16"}, "unknown number mode 'float16': choose from exact, float64, float32"),
    ({"optimizer": "LBFGS"}, "unknown optimizer 'LBFGS'"),
    ({"options": {"lr": 0.1, "momentum": -1}}, "Invalid momentum value: -1"),
    ({"epochs": 0}, "epochs must be a positive integer, got 0"),
    ({"schedule": "cosine"}, "schedule must be one of symgrad.numeric.schedules"),
])
def test_bad_training_specs_fail_when_written(fields, message):
    with pytest.raises(TrainingError, match=message):
        _s0(**fields)


def test_a_worksheet_without_training():
    with pytest.raises(TrainingError, match="worksheet sigmoid_neuron has no training run"):
        train_worksheet(_sheet("sigmoid_neuron"))



def test_a_plan_can_be_run_again_and_in_another_mode():
    run_plan = plan(_s0())
    objective = compile_objective(run_plan)
    assert np.array_equal(train(run_plan, objective=objective).parameters, train(_s0()).parameters)
    assert train(run_plan, mode="float32", objective=objective).parameters.dtype == np.float32
    with pytest.raises(TrainingError, match="unknown number mode 'half'"):
        train(run_plan, mode="half")


@pytest.mark.parametrize("batch_size", [2, 8, 9])
def test_small_batches_by_sample_and_large_ones_by_array_agree_with_exact(batch_size):
    """float64 batches of up to 8 samples are averaged sample by sample, larger ones as arrays."""
    xs = [0.5 * i for i in range(1, 19)]
    training = _s0(data={x: xs, y: [2 * v + 0.1 for v in xs]}, batch_size=batch_size, epochs=2,
                   options={"lr": 0.005})
    exact, floats = train(training, mode="exact"), train(training)
    np.testing.assert_allclose(floats.parameters, exact.parameters.astype(float), rtol=1e-14)
    losses = exact.losses.astype(float)  # small losses are sums that nearly cancel: measured by the largest
    np.testing.assert_allclose(floats.losses, losses, rtol=0, atol=1e-14 * np.abs(losses).max())


def test_an_overflow_in_a_small_batch_is_a_divergence():
    with pytest.raises(DivergenceError, match=r"the loss is inf at w = "):
        train(_s0(batch_size=2, epochs=300, options={"lr": 1.0}))


# -- exact mode's time budget ----------------------------------------------------------------------

GROWING = {  # exact values that nest at every step: each iteration several times slower than the last
    "sigmoid at ±1000": (lambda: sg.bce(sg.sigmoid(w * x), y),
                         dict(parameters={w: 1}, data={x: [1000, -1000], y: [1, 0]})),  # no log clamped
    "softmax of 1e4": (lambda: sg.cross_entropy([w * x, b * x], 0), dict(parameters={w: 1, b: 0}, data={x: [10_000]})),
    "exp(800)": (lambda: sp.exp(w * x), dict(parameters={w: 1}, data={x: [800]})),
    "the log of a negative": (lambda: sp.log(w * x), dict(parameters={w: 1}, data={x: [-1]})),
    "Adam with lr=100": (lambda: (w * x - y) ** 2, dict(parameters={w: 1}, data={x: [1, 2], y: [2, 4]},
                                                         optimizer="Adam", options={"lr": 100})),
}


@pytest.mark.parametrize("case", GROWING)
def test_an_exact_run_stops_within_its_budget_naming_the_iteration(case):
    loss, spec = GROWING[case]
    start = time.perf_counter()
    stopped = (r"^exact-mode training stopped before iteration (\d+) \(epoch \1, batch 1\) of 40: the next "
               r"iteration would take the run past its budget of 2 s")
    with pytest.raises(TrainingError, match=stopped) as caught:
        train(Training(mode="exact", epochs=40, **spec), loss(), exact_seconds=2)
    assert time.perf_counter() - start < 10  # the budget, an iteration that grew more than foreseen, compiling
    history = caught.value.history
    assert 1 <= history.iterations < 40 and history.stopped.endswith("over the exact-mode budget")


def test_an_exact_run_within_its_budget_is_not_stopped():
    history = train(_s0(epochs=30, mode="exact"), exact_seconds=30)
    assert history.iterations == 90 and history.stopped is None


def test_the_budget_is_the_runs_own_and_a_bad_one_is_refused():
    loss, spec = GROWING["exp(800)"]
    with pytest.raises(TrainingError, match=r"past its budget of 1 s"):
        train(Training(mode="exact", epochs=40, exact_seconds=1, **spec), loss())
    with pytest.raises(TrainingError, match=r"exact_seconds must be a positive number of seconds, got 0"):
        Training(mode="exact", exact_seconds=0, **spec)
