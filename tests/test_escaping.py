"""Text from a worksheet or a student reaches TeX escaped: math filtered, everything else literal."""

import pytest

from symgrad.explain.escaping import escape, escape_text


@pytest.mark.parametrize("text, tex", [
    ("Backpropagation by hand", "Backpropagation by hand"),
    (r"\input{/etc/passwd}", r"\textbackslash{}input\{/etc/passwd\}"),
    (r"\write18{rm -rf /}", r"\textbackslash{}write18\{rm -rf /\}"),
    ("50% of #1 & co_x ^ ~ <b>", r"50\% of \#1 \& co\_x \^{} \~{} \textless{}b\textgreater{}"),
    ("cost: $5", r"cost: \$5"),
    (r"the loss $(y - \hat y)^2$ is mean", r"the loss $(y - \hat y)^2$ is mean"),
    (r"$\frac{1}{N}\sum_n \sigma(z_n)$", r"$\frac{1}{N}\sum_n \sigma(z_n)$"),
    (r"$\nabla f \cdot v / \lVert v \rVert$", r"$\nabla f \cdot v / \lVert v \rVert$"),
    (r"$x \input{/etc/passwd}$", r"$x \text{\textbackslash{}input}{/etc/passwd}$"),
    (r"$\write18{ls}$", r"$\text{\textbackslash{}write}18{ls}$"),
    (r"$\def\x{1}\catcode`\^^5c$", r"$\text{\textbackslash{}def}\text{\textbackslash{}x}{1}"
                                    r"\text{\textbackslash{}catcode}`\text{\textbackslash{}\^{}}^5c$"),
    (r"$\csname input\endcsname$", r"$\text{\textbackslash{}csname} input\text{\textbackslash{}endcsname}$"),
    ("$x^^5cinput$", "$x^{}^5cinput$"),
    ("$a}{b$", r"$a\}\{b$"),
    (r"$\, \{ x \}$", r"$\, \{ x \}$"),
    (r"$100\%$ & $x$", r"$100\%$ \& $x$"),
    (r"$a \\ b$", r"$a \text{\textbackslash{}\textbackslash{}} b$"),
    ("é and $é$", r"é and $\text{é}$"),
    ("a\x00b\x0cc\x7fd\u2028e\u2029f\r\n\tg", "a b c d e f \n\tg"),
    ("$x\x00\x1b$", "$x  $"),
])
def test_escape(text, tex):
    assert escape(text) == tex


def test_escape_text_escapes_dollars_too():
    assert escape_text("$x$") == r"\$x\$"
