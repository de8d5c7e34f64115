r"""What each question asks, in words with inline LaTeX math: the prompt a worksheet prints and its
answer key records. One function per question kind, looked up by the kind's name."""

import sympy

from ..explain.latex import LatexRenderer
from ..explain.notation import number
from ..core.numbers import exact

__all__ = ["prompt"]


def prompt(question, derivation, renderer=None):
    """The prompt of ``question``, whose derivation is ``derivation``: text with ``$...$`` math."""
    renderer = renderer or LatexRenderer(derivation.graph)
    return _PROMPTS[question.kind](question, renderer, derivation.output, derivation.wrt)


def _variables(renderer, wrt):
    return ", ".join(renderer.symbol(w) for w in wrt)


def _slashed(r, of, w):
    """$\\partial L / \\partial w$: a partial derivative as it reads best inline."""
    return f"\\partial {r.symbol(of)} / \\partial {r.symbol(w)}"


def _derivative(q, r, of, wrt):
    return f"Find ${_slashed(r, of, wrt[0])}$ as an expression."


def _derivative_at(q, r, of, wrt):
    return f"Find ${_slashed(r, of, wrt[0])}$ at the point."


def _gradient(q, r, of, wrt):
    where = "at the point" if q.at_point else "as expressions"
    return f"Find the gradient of ${r.symbol(of)}$ with respect to $\\left({_variables(r, wrt)}\\right)$, {where}."


def _directional_derivative(q, r, of, wrt):
    v = ", ".join(number(exact(c)) for c in q.direction)
    where = " at the point" if q.at_point else ""
    return (f"Find the directional derivative of ${r.symbol(of)}$ in $\\left({_variables(r, wrt)}\\right)$ "
            f"along $v = \\left({v}\\right)${where}.")


def _gradient_step(q, r, of, wrt):
    steps = "one step" if q.steps == 1 else f"{q.steps} steps"
    return (f"From the point, take {steps} of gradient descent "
            f"$\\theta \\leftarrow \\theta - \\eta\\, \\nabla_\\theta {r.symbol(of)}$ with "
            f"$\\eta = {number(exact(q.learning_rate))}$ on $\\theta = \\left({_variables(r, wrt)}\\right)$: "
            "what are their new values?")


def _hessian(q, r, of, wrt):
    where = "at the point" if q.at_point else "as expressions"
    return (f"Find the Hessian of ${r.symbol(of)}$, the matrix of its second partial derivatives, with respect to "
            f"$\\left({_variables(r, wrt)}\\right)$, {where}.")


def _newton_step(q, r, of, wrt):
    return (f"From the point, take one step of Newton's method $\\theta \\leftarrow \\theta - H^{{-1}} \\nabla_\\theta "
            f"{r.symbol(of)}$ on $\\theta = \\left({_variables(r, wrt)}\\right)$, $H$ the Hessian at the point: "
            "what are their new values?")


def _matrix_gradient(q, r, of, wrt):
    matrices = sorted(q.function.atoms(sympy.MatrixSymbol), key=lambda m: m.name)
    shapes = ", ".join(r"$%s \in \mathbb{R}^{%s}$" % (sympy.latex(m), r" \times ".join(map(sympy.latex, m.shape)))
                       for m in matrices)
    return (f"With {shapes}, find the gradient of ${sympy.latex(q.function)}$ with respect to ${sympy.latex(q.wrt)}$, "
            "as a matrix expression.")


_PROMPTS = {"derivative": _derivative, "derivative_at": _derivative_at, "gradient": _gradient,
            "directional_derivative": _directional_derivative, "gradient_step": _gradient_step,
            "hessian": _hessian, "newton_step": _newton_step,
            "matrix_gradient": _matrix_gradient}
