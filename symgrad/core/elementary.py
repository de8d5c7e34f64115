r"""SymPy's elementary functions that symgrad gives facets to: rules of their own (exp, log, the
trigonometric and hyperbolic functions, ``Abs``, ``Max``/``Min``, ``erf``, ``Heaviside``, ``sign``),
JSON trees, spellings in answers, tanh's matrix-mode rule.

Their exact derivatives are SymPy's (``fdiff``) except where torch defines another (``Heaviside``
and ``sign``: 0 everywhere, no Dirac delta), and their NumPy and torch code is written by SymPy's
own printers (``NumPyPrinter``, the torch printer), except where those fail on arrays or on a
Python number beside a tensor: ``erf``/``erfc`` in NumPy (printed as ``math.erf``), and ``Max``,
``Min`` and ``Heaviside`` in torch (``torch.maximum``/``torch.heaviside`` take tensors only), whose
kernels make each number a tensor of its tensor argument's dtype (float64 if none); their NumPy
kernels are NumPy's same functions, so that each kernel has its twin.
"""

import functools
import math

import numpy as np
import sympy
from sympy import S

from .operations import ElementWise, Operation, over_arrays, register

__all__ = ["HEAVISIDE_AT_ZERO"]

HEAVISIDE_AT_ZERO = S.Half  # SymPy's Heaviside(0), torch.heaviside's ``values`` for it


def _tensors(torch, args):
    """The arguments as tensors: each Python number in the dtype of the first tensor (float64 if none)."""
    like = next((a for a in args if isinstance(a, torch.Tensor)), None)
    dtype = torch.float64 if like is None else like.dtype
    return [a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=dtype) for a in args]


register(Operation(sympy.exp, rule=r"(a^x)' = a^x \log a", spellings=(r"\exp",)))
register(Operation(sympy.log, rule=r"(\log x)' = 1/x", spellings=(r"\ln", r"\log")))
register(Operation(
    sympy.tanh,
    rule=r"\tanh' = 1 - \tanh^2",
    spellings=(r"\tanh",),
    array=lambda z, out=None: np.tanh(z, out=out),
    matrix=ElementWise(r"\tanh", r"(1 - $out \odot $out)", lambda xp, z, t: xp.one_minus(xp.mul(t, t))),
    torch_module="Tanh",
))
for _function, _rule in ((sympy.sin, r"\sin' = \cos"), (sympy.cos, r"\cos' = -\sin"),
                         (sympy.tan, r"\tan' = 1 + \tan^2"), (sympy.sinh, r"\sinh' = \cosh"),
                         (sympy.cosh, r"\cosh' = \sinh")):
    register(Operation(_function, rule=_rule, rule_name=f"{_function.__name__} rule",
                       spellings=("\\" + _function.__name__,)))
# The other trigonometric and hyperbolic functions and the inverses, as students write them (sech^2
# for tanh', sec^2 for tan'); SymPy differentiates them. \sech and \csch are no LaTeX commands, but
# typed as such.
for _function in (sympy.sec, sympy.csc, sympy.cot, sympy.coth, sympy.sech, sympy.csch):
    register(Operation(_function, spellings=("\\" + _function.__name__,)))
for _function in (sympy.asinh, sympy.acosh, sympy.atanh, sympy.acoth, sympy.asech, sympy.acsch):
    _inverse = _function.__name__[1:]  # arsinh (ISO 80000-2), arcsinh, asinh (as SymPy prints it)
    register(Operation(_function, spellings=tuple(r"\operatorname{%s%s}" % (prefix, _inverse)
                                                  for prefix in ("ar", "arc", "a"))))
register(Operation(sympy.asin, rule=r"\arcsin'(x) = 1/\sqrt{1 - x^2}", spellings=(r"\arcsin",)))
register(Operation(sympy.atan, rule=r"\arctan'(x) = 1/(1 + x^2)", spellings=(r"\arctan",)))
register(Operation(sympy.acos, rule=r"\arccos'(x) = -1/\sqrt{1 - x^2}", spellings=(r"\arccos",)))
register(Operation(sympy.Abs, rule=r"|x|' = \operatorname{sign}(x)", rule_name="absolute value rule",
                   derivative=lambda a, k: sympy.sign(a.args[0])))  # typed |x|; 0 at 0, as torch.abs
register(Operation(sympy.sign, rule=r"\operatorname{sign}' = 0", rule_name="sign rule",
                   derivative=lambda a, k: S.Zero,  # torch.sign's gradient is 0, also at 0
                   spellings=(r"\operatorname{sign}",)))
register(Operation(sympy.sqrt, spellings=(r"\sqrt",)))  # a power to SymPy: in trees as Pow


def _max_rule(symbol, relation):
    return r"\frac{\partial}{\partial x_i} \%s_j x_j = [x_i %s x_j] + \tfrac{1}{2} [x_i = x_j]" % (symbol, relation)


# Max and Min: SymPy's derivative is Heaviside(x_i - the others' max), 1/2 at a tie, which is
# torch.maximum's / torch.minimum's gradient at a tie of two (each gets half; the rule's 1/2 says so).
register(Operation(sympy.Max, rule=_max_rule("max", ">"), rule_name="max rule",
                   numpy=lambda *args: functools.reduce(np.maximum, args),
                   torch=lambda torch, *args: functools.reduce(torch.maximum, _tensors(torch, args))))
register(Operation(sympy.Min, rule=_max_rule("min", "<"), rule_name="min rule",
                   numpy=lambda *args: functools.reduce(np.minimum, args),
                   torch=lambda torch, *args: functools.reduce(torch.minimum, _tensors(torch, args))))


def _heaviside_torch(torch, x, at_zero=HEAVISIDE_AT_ZERO):
    """``torch.heaviside(x, values=at_zero)``, with gradient 0 (torch's heaviside has no backward)."""
    x, values = _tensors(torch, [x, float(at_zero)])
    return torch.heaviside(x.detach(), values)


def _iverson(printer, application):
    r"""Heaviside as Iverson brackets, its argument as a comparison ($[a > b]$ for $H(a - b)$, $[z < 0]$
    for $H(-2z)$): $[x > 0]$ (value 0 at 0), $[x \geq 0]$ (1 at 0), else $([x > 0] + h_0 [x = 0])$."""
    x = application.args[0]
    at_zero = application.args[1] if len(application.args) > 1 else HEAVISIDE_AT_ZERO
    coefficient, rest = x.as_coeff_Mul()
    x = rest if coefficient.is_positive else -rest if coefficient.is_negative else x  # the sign is what counts
    terms = sympy.Add.make_args(x)
    left = sympy.Add(*[t for t in terms if not t.could_extract_minus_sign()])
    right = -sympy.Add(*[t for t in terms if t.could_extract_minus_sign()])
    a, b = printer._print(left), printer._print(right)
    greater, equal = (r"%s > %s" % (a, b), r"%s = %s" % (a, b)) if left != 0 else (r"%s < 0" % b, r"%s = 0" % b)
    if at_zero == 0:
        return r"\left[%s\right]" % greater
    if at_zero == 1:
        return r"\left[%s\right]" % (greater.replace(">", r"\geq").replace("<", r"\leq"))
    return r"\left(\left[%s\right] + %s \left[%s\right]\right)" % (greater, printer._print(at_zero), equal)


register(Operation(
    sympy.Heaviside,
    derivative=lambda a, k: S.Zero,  # no Dirac delta: 0 everywhere, as a step's gradient in torch
    rule=r"[x > 0]' = 0", rule_name="step rule",
    numpy=lambda x, at_zero=HEAVISIDE_AT_ZERO: np.heaviside(x, float(at_zero)),
    torch=_heaviside_torch,  # the value at 0 is Heaviside's own (SymPy's default 1/2): values=H0
    notation=_iverson,
))

_erf, _erfc = over_arrays(math.erf), over_arrays(math.erfc)
register(Operation(sympy.erf, rule=r"\operatorname{erf}'(x) = \frac{2}{\sqrt{\pi}} e^{-x^2}", rule_name="erf rule",
                   numpy=lambda x: _erf(x), torch=lambda torch, x: torch.erf(_tensors(torch, [x])[0]),
                   spellings=(r"\operatorname{erf}",)))
register(Operation(sympy.erfc, rule=r"\operatorname{erfc}'(x) = -\frac{2}{\sqrt{\pi}} e^{-x^2}",
                   rule_name="erfc rule", numpy=lambda x: _erfc(x),
                   torch=lambda torch, x: torch.erfc(_tensors(torch, [x])[0]), spellings=(r"\operatorname{erfc}",)))
