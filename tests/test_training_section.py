"""The training section's LaTeX: what is run, the table of epochs (exact where short), the results."""

import dataclasses
from pathlib import Path

import pytest
import sympy as sp

from symgrad.worksheets import training_section as T
from symgrad.numeric.training import plan
from symgrad.numeric.training_summary import summarise
from symgrad.worksheets.worksheet import Training, load_worksheet

WORKSHEETS = Path(__file__).parent.parent / "worksheets"
w, b, x, y = sp.symbols("w b x y")


def sheet(name, **training):
    s = load_worksheet(WORKSHEETS / f"{name}.py")
    return dataclasses.replace(s, training=dataclasses.replace(s.training, **training)) if training else s


@pytest.mark.parametrize("value, digits, exact, expected", [
    (sp.Rational(979, 1000), 6, True, "$0.979$"),                             # exact and short
    (sp.Rational(19601, 10000), 6, True, "$1.9601$"),
    (sp.Rational(846848083621, 2000000000000), 6, True, r"$\approx 0.423424$"),  # 12 digits: rounded
    (sp.Rational(1, 3), 8, True, r"$\approx 0.33333333$"),                    # no terminating decimal
    (sp.Integer(-2), 8, True, "$-2$"),
    (sp.exp(-1), 6, True, r"$\approx 0.367879$"),                            # exact but irrational: rounded
    (1.9999999999999236, 8, False, "$2$"),                                    # a float run: rounded, unmarked
    (7.888609052210118e-26, 8, False, r"$7.8886091 \cdot 10^{-26}$"),
    (0.70941874728, 8, False, "$0.70941875$"),
])
def test_a_cell_is_exact_when_short_else_rounded(value, digits, exact, expected):
    assert T._cell(value, digits, exact) == expected


@pytest.mark.parametrize("value, expected", [
    (1.9999999999999236, ("=", "1.9999999999999236", 0)),
    (8.0, ("=", "8.0", 0)),
    (1.25e-30, ("=", r"1.25 \cdot 10^{-30}", 0)),
    (sp.Rational(479, 500), ("=", "0.958", 0)),
    (sp.Rational(1, 3), ("=", r"\frac{1}{3}", 0)),
    (sp.Rational(1, 3) + sp.Rational(1, 2 ** 100), (r"\approx", "0.333333333333333", 31)),  # long: 15 digits
    (sp.sqrt(2), (r"\approx", "1.4142135623731", 0)),                       # exact but irrational
])
def test_a_final_value_is_printed_in_full(value, expected):
    assert T._final(value) == expected


def _training(**options):
    return Training(loss=(w * x - y) ** 2, parameters={w: 1}, data={x: [1, 2, 3, 4, 5], y: [2, 4, 6, 8, 10]},
                    **options)


@pytest.mark.parametrize("options, expected", [
    ({"batch_size": None, "epochs": 10}, "Batch gradient descent: every iteration uses the whole data set "
                                         "($B = N = 5$), so an epoch is $1$ iteration; $E = 10$ epochs make $10$ "
                                         "iterations."),
    ({"batch_size": 1, "epochs": 10}, "Stochastic gradient descent: batches of one sample ($B = 1$), so an epoch is "
                                      r"$N = 5$ iterations; $E = 10$ epochs make $10 \times 5 = 50$ iterations."),
    ({"batch_size": 2, "epochs": 3}, r"Mini-batch gradient descent: batches of $B = 2$ samples, so an epoch is "
                                     r"$\lceil N / B \rceil = \lceil 5 / 2 \rceil = 3$ iterations; $E = 3$ epochs "
                                     r"make $3 \times 3 = 9$ iterations."),
    ({"batch_size": 2, "epochs": 3, "drop_last": True, "shuffle": True, "seed": 7},
     r"Mini-batch gradient descent: batches of $B = 2$ samples, so an epoch is $\lfloor N / B \rfloor = "
     r"\lfloor 5 / 2 \rfloor = 2$ iterations (the incomplete last batch is dropped); $E = 3$ epochs make "
     r"$3 \times 2 = 6$ iterations. The samples are shuffled at the start of every epoch (seed 7)."),
    ({"batch_size": 2, "epochs": 3, "shuffle": "torch", "seed": 7},
     r"Mini-batch gradient descent: batches of $B = 2$ samples, so an epoch is $\lceil N / B \rceil = "
     r"\lceil 5 / 2 \rceil = 3$ iterations; $E = 3$ epochs make $3 \times 3 = 9$ iterations. The samples are "
     r"shuffled at the start of every epoch (seed 7, in the order of PyTorch's DataLoader)."),
])
def test_batches_and_iterations_are_counted_as_s4_counts_them(options, expected):
    run = plan(_training(**options))
    assert T._batches(run, run.order.batches_per_epoch) == expected


def test_the_setup_states_the_loss_the_data_and_the_update_rule():
    s4 = sheet("s4_linear_regression")
    text = T.setup_tex(s4, summarise(s4))
    assert r"\theta_{0} + \theta_{1} x - y" in text  # the per-sample loss, printed since it is not the model
    assert r"The data, $N = 4$ samples: $x = \left(2, 3, 4, 5\right)$, $y = \left(3, 4, 5, 6\right)$." in text
    assert r"\theta_t &= \theta_{t-1} - \eta\, g_t" in text and r"\eta = 0.01" in text  # opt.latex()
    assert "The run is computed in float64" in text and r"$\theta_{0} = 0$, $\theta_{1} = 0$" in text


def test_a_long_data_column_is_elided_and_a_schedule_named():
    from symgrad.numeric.schedules import StepLR
    run = _training(batch_size=None, schedule=StepLR(step_size=2, gamma=0.5))
    run = dataclasses.replace(run, data={x: list(range(1, 21)), y: list(range(2, 41, 2))})
    s = dataclasses.replace(load_worksheet(WORKSHEETS / "s1_batch_gradient_descent.py"), training=run,
                            predictions=())
    text = T.setup_tex(s, summarise(s))
    assert r"$x = \left(1, 2, 3, \ldots, 20\right)$" in text
    assert r"\texttt{StepLR(step\_size=2, gamma=0.5)}" in text


def test_s3s_table_is_exact_where_short():
    table = T.table_tex(summarise(sheet("s3_backprop_by_hand")))
    header, row0, row1, row2 = table.splitlines()[2:6]
    assert header == r"epoch & $w_{1}$ & $w_{2}$ & $w_{3}$ & $w_{4}$ & $w_{5}$ & $w_{6}$ & $\mathcal{L}$ \\ \hline"
    assert row0 == r"0 & $1$ & $0.5$ & $0.5$ & $0.7$ & $1$ & $2$ &  \\"
    assert row1 == r"1 & $0.979$ & $0.458$ & $0.458$ & $0.616$ & $0.958$ & $1.9601$ & $4.41$ \\"
    assert row2.startswith(r"2 & $\approx 0.962101$ & $\approx 0.423424$")
    assert "Values are exact, except those marked $\\approx$, rounded to 6 significant digits." in table
    assert "are shown" not in table  # all five epochs


def test_s0_in_exact_mode_shows_exact_values_only_where_short():
    summary = summarise(sheet("s0_sgd_by_hand", mode="exact"))
    table, result = T.table_tex(summary), T.result_tex(summary)
    assert r"1 & $1.260688$ & $\approx 7.315943$ & $\approx 4.0525143$ \\" in table
    assert r"100 & $\approx 2$ & $\approx 7.8012804 \cdot 10^{-26}$" in table
    assert "Epochs 1 to 3, every 10th epoch and the last of the 100 are shown." in table
    assert r"w &\approx 1.99999999999992" in result
    assert "fractions whose denominators have up to 480 digits" in result


def test_many_parameters_continue_in_a_second_table():
    parameters = sp.symbols("p1:9")
    run = Training(loss=sum(parameters) ** 2 * x, parameters={p: 1 for p in parameters}, data={x: [1]}, epochs=2,
                   options={"lr": 0.001})
    s = dataclasses.replace(load_worksheet(WORKSHEETS / "s1_batch_gradient_descent.py"), training=run,
                            predictions=())
    table = T.table_tex(summarise(s))
    assert table.count(r"\begin{tabular}") == 2
    assert r"epoch & $p_{7}$ & $p_{8}$ \\ \hline" in table


def test_the_results_and_the_predictions():
    result = T.result_tex(summarise(sheet("s1_batch_gradient_descent")))
    assert "After the 100 iterations:" in result and "w &= 2.0" in result
    assert "Before training, the prediction $w x$ at $x = 4$ is $4$; after, $8.0$." in result
    result = T.result_tex(summarise(sheet("s0_linear_in_pytorch")))
    assert r"the prediction $\hat{y} = b + w x$ at $x = 5$ is $2.25$" in result


def test_the_students_task_asks_for_the_predictions():
    task = T.task_tex(summarise(sheet("s1_batch_gradient_descent")))
    assert task.startswith("Run it: give the parameters and the loss after each epoch, and the final parameters. "
                           "What is the prediction $w x$ at $x = 4$, before training and after?")
    assert "8.0" not in task
