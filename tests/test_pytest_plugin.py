"""The pytest plugin, run in a throwaway pytest (pytester) over worksheets written by the tests."""

import textwrap
from importlib.metadata import entry_points

pytest_plugins = ["pytester"]

# Installed, symgrad's plugin loads through its pytest11 entry point; from a source tree, ask for it.
INSTALLED = any(e.value == "symgrad.testing.plugin" for e in entry_points(group="pytest11"))
PLUGIN = [] if INSTALLED else ["-p", "symgrad.testing.plugin"]

GOOD = '''
import sympy as sp
from symgrad import Graph, sigmoid
from symgrad.worksheets.worksheet import Derivative, DerivativeAt, Gradient, GradientStep, Worksheet
w, b, x = sp.symbols("w b x")
g = Graph()
z = g.define("z", w * x + b)
g.define("L", sigmoid(z) ** 2)
WORKSHEET = Worksheet("good", "good", g, [Derivative(w), DerivativeAt(z), Gradient([w, b]),
                                          GradientStep([w, b], learning_rate=0.5, steps=2)],
                      point={w: 0.5, b: -1, x: 3})
'''

# A custom activation whose hand-derived rule is wrong: softsign(z) = z/(1+|z|) has derivative
# 1/(1+|z|)^2, but the rule below forgets the square.
WRONG_RULE = '''
import sympy as sp
from symgrad.worksheets.worksheet import DerivativeAt, Worksheet

class softsign(sp.Function):
    def fdiff(self, argindex=1):
        return 1 / (1 + sp.Abs(self.args[0]))
    def _numpycode(self, printer):
        z = printer._print(self.args[0])
        return f"({z})/(1 + numpy.abs({z}))"
    def _torchcode(self, printer):
        z = printer._print(self.args[0])
        return f"({z})/(1 + torch.abs({z}))"

w, x = sp.symbols("w x")
WORKSHEET = Worksheet("wrong", "wrong", softsign(w * x) ** 2, [DerivativeAt(w)], point={w: 0.5, x: 3})
'''


def _folder(pytester, **files):
    folder = pytester.mkdir("sheets")
    for name, source in files.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


def test_every_question_becomes_a_passing_item(pytester):
    _folder(pytester, good=GOOD)
    result = pytester.runpytest_subprocess(*PLUGIN, "--symgrad-worksheets", "sheets", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*good.py::q1-derivative PASSED*", "*good.py::q4-gradient_step PASSED*"])


def test_a_wrong_gradient_is_caught_with_the_worksheet_the_question_and_the_numbers(pytester):
    _folder(pytester, good=GOOD, wrong=WRONG_RULE)
    result = pytester.runpytest_subprocess(*PLUGIN, "--symgrad-worksheets", "sheets")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*worksheet wrong, question q1 (derivative_at of L with respect to w)*",
        "*the key's exact answer disagrees with finite differences*",
        "*w: exact 1.44*, finite differences 0.576*",
    ])


def test_the_ini_option_collects_only_when_pytest_runs_its_configured_paths(pytester):
    _folder(pytester, good=GOOD)
    pytester.makeini("[pytest]\ntestpaths = tests\nsymgrad_worksheets = sheets\n")
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_one.py").write_text("def test_one():\n    assert True\n")
    pytester.runpytest_subprocess(*PLUGIN).assert_outcomes(passed=5)
    pytester.runpytest_subprocess(*PLUGIN, "tests/test_one.py").assert_outcomes(passed=1)


def test_assert_gradient_matches_in_a_users_test_fails_with_a_table(pytester):
    rule = WRONG_RULE.split("w, x =")[0].replace("from symgrad.worksheets.worksheet import DerivativeAt, Worksheet", "")
    pytester.makepyfile(test_user=rule + textwrap.dedent('''
        from symgrad.testing import assert_gradient_matches

        def test_softsign_gradient():
            w, x = sp.symbols("w x")
            assert_gradient_matches(softsign(w * x), [w, x], {w: 0.5, x: 3})
        '''))
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*gradients disagree*", "*variable*exact*finite_difference*torch*",
                                 "*w *1.2 *0.47999*0.4800*<-*"])
