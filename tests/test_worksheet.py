import re
from pathlib import Path

import pytest
import sympy as sp

import symgrad as sg
from symgrad import ShapeError, SymgradError, UnknownVariableError
from symgrad.core.equality import equal
from symgrad.worksheets.worksheet import (Derivative, DerivativeAt, DirectionalDerivative, Gradient,
                                          GradientStep, Prediction, Range, Training, Worksheet,
                                          load_worksheet)

WORKSHEETS = sorted((Path(__file__).parent.parent / "worksheets").glob("*.py"))
x, y, w = sp.symbols("x y w")


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.stem)
def test_every_worksheet_loads_and_answers_every_question(path):
    sheet = load_worksheet(path)
    assert sheet.name == path.stem
    for q in sheet.questions:
        assert q.answer(sheet) is not None


@pytest.mark.parametrize("path", WORKSHEETS, ids=lambda p: p.stem)
def test_every_questions_derivation_gives_its_answer(path):
    sheet = load_worksheet(path)
    for q in sheet.questions:
        derived, answer = q.derivation(sheet).result, q.answer(sheet)
        derived, answer = (derived, answer) if isinstance(answer, tuple) else ((derived,), (answer,))
        for d, a in zip(derived, answer, strict=True):  # a node kept in a derived form is expanded
            assert equal(sheet.model.expand(d), a), (q, d, a)


def test_s3_worksheet_reproduces_the_seed_exactly():
    sheet = load_worksheet(Path(__file__).parent.parent / "worksheets" / "s3_backprop_by_hand.py")
    answers = [q.answer(sheet) for q in sheet.questions]
    assert answers[0] == sp.Rational(21, 5)  # dL/dy*
    assert answers[2] == sp.Rational(21, 5) and answers[3] == sp.Rational(21, 10)
    assert answers[5] == (sp.Rational(479, 500), sp.Rational(979, 1000))
    assert sheet.model.expand().xreplace(sheet.point) == sp.Rational(441, 100)


def test_question_kinds():
    sheet = Worksheet(name="t", title="t", model=x ** 2 * w, point={x: 3, w: 0.5},
                      questions=[Derivative(x), DerivativeAt("x"), Gradient([x, w]), Gradient([x], at_point=False),
                                 DirectionalDerivative([x, w], (0, 2)), GradientStep([w], 0.1, steps=2)])
    assert [q.kind for q in sheet.questions] == ["derivative", "derivative_at", "gradient", "gradient",
                                                 "directional_derivative", "gradient_step"]
    assert [q.answer(sheet) for q in sheet.questions] == [
        2 * w * x, 3, (3, 9), (2 * w * x,), 9, (sp.Rational(1, 2) - sp.Rational(18, 10),)]


@pytest.mark.parametrize("name", ["-pdflatex=cd ..;touch pwned7;true", "-o", "/tmp/x", "../../x", ".hidden",
                                  "a b", "x$(touch pwned)", "\\input{x}", "caf\u00e9", "", "x" * 101, 7])
def test_a_worksheet_name_that_is_not_a_plain_file_name_is_refused(name):
    with pytest.raises(SymgradError, match=r"worksheet name .* is not allowed: a name is at most 100 ASCII letters"):
        Worksheet(name, "t", x ** 2, [Derivative(x)])


@pytest.mark.parametrize("name", ["s3_backprop_by_hand", "S3-v2.1", "_draft", "9", "x" * 100])
def test_a_plain_worksheet_name_is_kept(name):
    assert Worksheet(name, "t", x ** 2, [Derivative(x)]).name == name


def test_an_error_in_a_worksheet_file_names_the_file(tmp_path):
    path = tmp_path / "evil.py"
    path.write_text("import sympy as sp\nfrom symgrad.worksheets.worksheet import Derivative, Worksheet\n"
                    "x = sp.Symbol('x')\nWORKSHEET = Worksheet(name='../../x', title='t', model=x ** 2, "
                    "questions=[Derivative(x)])\n")
    with pytest.raises(SymgradError, match=rf"^{re.escape(str(path))}: worksheet name '\.\./\.\./x' is not allowed"):
        load_worksheet(path)


@pytest.mark.parametrize("build, error, message", [
    (lambda: Worksheet("t", "t", x ** 2, [Derivative(x)], point={"z": 1}), UnknownVariableError, "'z'"),
    (lambda: Worksheet("t", "t", x ** 2, ["d/dx"]), SymgradError, "is not a question"),
    (lambda: Training(parameters={w: 1}, data={x: [1, 2], y: [1]}), ShapeError, "different lengths"),
    (lambda: Training(parameters={w: 1}, data={x: [1]}, batch_size=0), SymgradError, "at least 1"),
])
def test_bad_worksheets(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_load_worksheet_errors(tmp_path):
    with pytest.raises(SymgradError, match="no worksheet file"):
        load_worksheet(tmp_path / "missing.py")
    (tmp_path / "empty.py").write_text("x = 1\n")
    with pytest.raises(SymgradError, match="does not define WORKSHEET"):
        load_worksheet(tmp_path / "empty.py")


def test_a_question_about_an_intermediate_node():
    g = sg.Graph()
    h = g.define("h", w * x)
    g.define("L", h ** 2)
    sheet = Worksheet("t", "t", g, [DerivativeAt(w, of="h")], point={w: 2, x: 3})
    assert sheet.questions[0].answer(sheet) == 3


@pytest.mark.parametrize("spec, message", [
    ((1, 0, 0.5), "low <= high"),
    ((0, 1, 0), "positive step"),
])
def test_bad_ranges(spec, message):
    with pytest.raises(SymgradError, match=message):
        Range(*spec)


def test_a_variant_draws_its_numbers_from_the_declared_ranges_reproducibly():
    sheet = Worksheet("t", "t", x ** 2 * w, [GradientStep([w], 0.1), Derivative(x)], point={x: 3, w: 0.5},
                      variants={"x": (1, 2, 0.25), "learning_rate": (0.01, 0.05, 0.01)})
    first, again, other = sheet.variant(1, seed=7), sheet.variant(1, seed=7), sheet.variant(2, seed=7)
    assert first == again and first.name == "t-01" and other.name == "t-02"
    assert first.point[w] == sp.Rational(1, 2)  # not declared: kept
    drawn = [sheet.variant(k, seed=7) for k in range(1, 30)]
    assert {v.point[x] for v in drawn} <= {1 + sp.Rational(k, 4) for k in range(5)}
    assert len({v.point[x] for v in drawn}) > 1
    assert {v.questions[0].learning_rate for v in drawn} <= {sp.Rational(k, 100) for k in range(1, 6)}
    assert all(v.questions[1] == Derivative(x) and v.variants == {} for v in drawn)


def test_variants_name_only_the_points_variables():
    with pytest.raises(UnknownVariableError, match="unknown variable 'q'"):
        Worksheet("t", "t", x ** 2, [Derivative(x)], point={x: 1}, variants={"q": (0, 1, 1)})


def _trained(**extras):
    g = sg.Graph()
    yhat = g.define("yhat", w * x)
    g.define("L", (yhat - y) ** 2)
    run = Training(parameters={w: 1}, data={x: [1, 2], y: [2, 4]})
    return Worksheet("t", "t", g, [Derivative(w)], training=run, **extras)


def test_a_prediction_is_an_expression_or_a_node_of_the_model():
    sheet = _trained(predictions=[Prediction(2 * w * x, at={x: 4}), Prediction("yhat", at={"x": 4})],
                     surface=())
    by_expression, by_name = sheet.predictions
    assert by_expression.node(sheet) is None and by_expression.expression(sheet) == 2 * w * x
    assert by_name.node(sheet).name == "yhat" and by_name.expression(sheet) == w * x


@pytest.mark.parametrize("extras, error, message", [
    ({"predictions": [Prediction(w * x, at={})]}, SymgradError, "the prediction w\\*x needs a value for x"),
    ({"predictions": [Prediction(w * x, at={w: 2})]}, UnknownVariableError, "unknown variable 'w'"),  # a parameter
    ({"predictions": [Prediction("zhat", at={x: 1})]}, UnknownVariableError, "unknown variable 'zhat'"),
    ({"predictions": [Prediction("x * w", at={x: 1})]}, UnknownVariableError, "'x \\* w'"),  # text is never code
    ({"predictions": [w * x]}, SymgradError, "is not a Prediction"),
    ({"surface": (w,)}, SymgradError, "a surface is drawn over two parameters, got 1"),
    ({"surface": (w, x)}, UnknownVariableError, "unknown variable 'x'"),  # data, not a parameter
])
def test_bad_predictions_and_surfaces(extras, error, message):
    with pytest.raises(error, match=message):
        _trained(**extras)


def test_predictions_need_a_training_run():
    with pytest.raises(SymgradError, match="predictions and a surface need a scalar training run"):
        Worksheet("t", "t", w * x, [Derivative(w)], predictions=[Prediction(w * x, at={x: 1})])
