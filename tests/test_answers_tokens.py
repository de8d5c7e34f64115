import pytest
import sympy as sp

from symgrad.answers.limits import Limits
from symgrad.answers.problems import TooComplex, Unreadable
from symgrad.answers.tokens import tokenize


def kinds(text, words=frozenset(), folded=frozenset()):
    return [(t.kind, t.value.key if t.kind == "name" else t.value) for t in tokenize(text, words, folded=folded)]


@pytest.mark.parametrize("text, expected", [
    (r"2x(xw-y)", [("number", 2), ("name", "x"), ("open", "("), ("name", "x"), ("name", "w"), ("op", "-"),
                   ("name", "y"), ("close", ")")]),
    ("w5 + w_5 + w_{5} + w_{ 5 }", [("name", "w_5"), ("op", "+"), ("name", "w_5"), ("op", "+"), ("name", "w_5"),
                                    ("op", "+"), ("name", "w_5")]),
    (r"\theta_0 \theta0 \theta_{0}", [("name", "theta_0")] * 3),
    ("W w", [("name", "W"), ("name", "w")]),
    (r"\hat{y} \hat y \widehat{y}_1", [("name", "hat(y)"), ("name", "hat(y)"), ("name", "hat(y)_1")]),
    (r"y^* y^{*} y^{\ast}", [("name", "y^*")] * 3),
    ("2.5e-3", [("number", sp.Rational(1, 400))]),
    ("2.5E+2", [("number", 250)]),
    ("0.958", [("number", sp.Rational(479, 500))]),
    ("2e", [("number", 2), ("name", "e")]),
    ("x^23", [("name", "x"), ("sup", None), ("number", 2), ("number", 3)]),
    (r"\frac12", [("frac", None), ("number", 1), ("number", 2)]),
    (r"\frac{1}2", [("frac", None), ("open", "{"), ("number", 1), ("close", "}"), ("number", 2)]),
    (r"\sigma'(z)", [("name", "sigma"), ("prime", None), ("open", "("), ("name", "z"), ("close", ")")]),
    (r"\log_{10} x", [("name", "log_10"), ("name", "x")]),
    (r"\left( x \right) \bigl[ y \bigr]", [("open", "("), ("name", "x"), ("close", ")"), ("open", "["),
                                           ("name", "y"), ("close", "]")]),
    (r"\left| x \right| \lvert y \rvert", [("bar", None), ("name", "x"), ("bar", None), ("bar", None),
                                           ("name", "y"), ("bar", None)]),
    (r"a \cdot b \times c \div d * e", [("name", "a"), ("op", "*"), ("name", "b"), ("op", "*"), ("name", "c"),
                                        ("op", "/"), ("name", "d"), ("op", "*"), ("name", "e")]),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
     [("begin", "pmatrix"), ("number", 1), ("amp", None), ("number", 2), ("row", None), ("number", 3),
      ("amp", None), ("number", 4), ("end", "pmatrix")]),
    ("$x$", [("name", "x")]),
    (r"\nabla L \nabla_w \nabla_{w, b} \nabla_\theta", [("nabla", ""), ("name", "L"), ("nabla", "w"), ("nabla", "w,b"),
                                                         ("nabla", "theta")]),
    (r"\(x\)", [("name", "x")]),
    (r"x \, y \; z \quad w", [("name", "x"), ("name", "y"), ("name", "z"), ("name", "w")]),
    ("σ(z)·2 − η", [("name", "sigma"), ("open", "("), ("name", "z"), ("close", ")"), ("op", "*"), ("number", 2),
                    ("op", "-"), ("name", "eta")]),
    (r"\operatorname{relu}(x) \mathrm{ReLU} \text{lr}", [("name", "relu"), ("open", "("), ("name", "x"),
                                                         ("close", ")"), ("name", "ReLU"), ("name", "lr")]),
    ("x = 2", [("name", "x"), ("equals", None), ("number", 2)]),
    ("a, b", [("name", "a"), ("comma", None), ("name", "b")]),
    (r"\mathbb{1}[x > 0] \mathbb 1[y \gt 0]", [("indicator", None), ("open", "["), ("name", "x"), ("greater", None),
                                            ("number", 0), ("close", "]"), ("indicator", None), ("open", "["),
                                            ("name", "y"), ("greater", None), ("number", 0), ("close", "]")]),
    (r"\operatorname{softmax}_{2}", [("name", "softmax_2")]),
    # matrix answers
    (r"X^\top X^\intercal X^{\mathsf T} X^\mathsf{T}", [("name", "X"), ("sup", None), ("transpose", None)] * 2 + [
        ("name", "X"), ("sup", None), ("open", "{"), ("transpose", None), ("close", "}"), ("name", "X"), ("sup", None),
        ("transpose", None)]),
    (r"a \odot b \otimes c", [("name", "a"), ("matop", "odot"), ("name", "b"), ("matop", "otimes"), ("name", "c")]),
    (r"\|x\| \lVert x \rVert", [("norm", None), ("name", "x"), ("norm", None)] * 2),
    (r"\mathbf{1} \mathbf 1_n \mathbf{x}", [("ones", ""), ("ones", "n"), ("name", "bf(x)")]),
])
def test_tokens(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize("text, words, folded, expected", [
    ("lr x", {"lr"}, set(), [("name", "lr"), ("name", "x")]),
    ("lr", set(), set(), [("name", "l"), ("name", "r")]),
    ("yhat", {"yhat"}, set(), [("name", "yhat")]),
    ("ReLU(x)", set(), {"relu"}, [("name", "ReLU"), ("open", "("), ("name", "x"), ("close", ")")]),
    ("exp(x)", set(), set(), [("name", "exp"), ("open", "("), ("name", "x"), ("close", ")")]),
    ("tanh", set(), set(), [("name", "tanh")]),
])
def test_declared_words_are_one_name(text, words, folded, expected):
    assert kinds(text, frozenset(words), frozenset(folded)) == expected


@pytest.mark.parametrize("text, message", [
    (r"\input{/etc/passwd}", r"the command \\input is not allowed"),
    (r"\def\x{1}", r"the command \\def is not allowed"),
    (r"\write18{ls}", r"the command \\write is not allowed"),
    ("x\x00", "control character U\\+0000"),
    ("x\x1b[31m", "control character U\\+001B"),
    ("\u202ex", "control character U\\+202E"),
    ("x€", "character U\\+20AC is not allowed"),
    ("x!", "factorials"),
    ("x % comment", "comments"),
    ("a $ b", "dollar signs"),
    ("x < y", "inequality"),
    ("(x]", r"brackets do not match: '\)' was expected"),
    ("x)", "closes a bracket that was never opened"),
    ("(x", "is not closed"),
    (r"\left. x \right|", "invisible delimiter"),
    (r"\begin{array}{c} 1 \end{array}", "environment array is not allowed"),
    (r"\hat{xy}", "must apply to one letter"),
    (r"\mathrm{}", r"must be followed by a word"),
    ("x_", "is not a plain label|subscript"),
    ("_x", "a subscript"),
    (r"\infty", "infinity"),
    ("x @ y", "'@' is not allowed"),
    (r"x \ldots", "an ellipsis can only end a decimal"),
    ("2...", "an ellipsis can only end a decimal"),
    (r"\dots", "an ellipsis can only end a decimal"),
    ("2.5e-3...", "an ellipsis can only end a decimal"),
    ("1.692....", "'.' is not allowed"),
    (r"1.5\dotsb", r"the command \\dotsb is not allowed"),
])
def test_unreadable(text, message):
    with pytest.raises(Unreadable, match=message):
        tokenize(text)


@pytest.mark.parametrize("text, message", [
    ("x" * 2001, "2001 characters long; at most 2000"),
    ("(" * 21 + "x" + ")" * 21, "nested more than 20 deep"),
    ("2^{2^{2^{2^{1}}}}", "exponents are nested more than 3 deep"),
    ("1" * 31, "more than 30 digits"),
    ("1e1000", "exponent of 1e1000 is too large"),
    ("x+" * 301 + "x", "more than 600 symbols"),
])
def test_too_complex(text, message):
    with pytest.raises(TooComplex, match=message):
        tokenize(text)


def test_limits_are_configurable():
    with pytest.raises(TooComplex, match="at most 10"):
        tokenize("x" * 11, limits=Limits(max_length=10))
    assert len(tokenize("(" * 25 + "x" + ")" * 25, limits=Limits(max_depth=30))) == 51


@pytest.mark.parametrize("text", [r"-1.692\ldots", r"-1.692 \dots", "-1.692...", "-1.692…"])
def test_a_decimal_before_an_ellipsis_is_the_decimal_marked_truncated(text):
    sign, number = tokenize(text)
    assert (sign.value, number.value, number.truncated) == ("-", sp.Rational(1692, 1000), "1.692")
    assert tokenize("1.692")[0].truncated is None


def test_an_answer_must_be_text():
    with pytest.raises(Unreadable, match="must be text"):
        tokenize(b"x")
