"""Activations as SymPy functions: each knows its exact derivative, its LaTeX, and a stable numeric kernel.

Numeric code is printed as calls into :mod:`symgrad.numeric.kernels` (NumPy) and :mod:`symgrad.twin.torch_kernels`
(PyTorch), so ``lambdify`` produces the numerically stable forms, never ``1/(1+exp(-z))``.
Components of ``softmax`` are numbered from 0 in code (as PyTorch's class indices) and from 1 in print.
"""

import mpmath
import sympy
from sympy import S
from sympy.core.logic import fuzzy_and

from .errors import ShapeError

__all__ = ["sigmoid", "relu", "softplus", "tanh", "softmax", "log_softmax", "Softmax", "LogSoftmax", "step"]

tanh = sympy.tanh


def _sign(z):
    """The sign of ``z`` when it is known without evaluating ``z``: a number's, or what a symbol's
    assumptions say (``Symbol('x', positive=True)``); None otherwise. Asking SymPy's assumptions of a
    numeric expression evaluates it numerically, which takes time exponential in the depth of the
    nested values a deep network has at a point, so an activation never asks that."""
    if z.is_Number:
        return sympy.sign(z) if z.is_finite else (1 if z.is_positive else -1)
    if z.is_Symbol:
        if z.is_positive:
            return 1
        if z.is_negative:
            return -1
        if z.is_zero:
            return 0
        if z.is_nonnegative:
            return "nonnegative"
        if z.is_nonpositive:
            return "nonpositive"
    return None


def _call(printer, kernel, args):
    return "%s(%s)" % (printer._module_format(kernel), ", ".join(printer._print(a) for a in args))


class _Activation(sympy.Function):
    """Shared printing: ``\\name\\left(z\\right)`` in LaTeX, a kernel call in NumPy and PyTorch code."""

    latex_name = None  # LaTeX of the function's name, set by each subclass
    kernel = None  # name of its numeric kernel in symgrad.numeric.kernels and symgrad.twin.torch_kernels

    @property
    def inputs(self):
        """The arguments the function is differentiable in."""
        return self.args

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        head = self.latex_name if exp is None else "%s^{%s}" % (self.latex_name, exp)
        return r"%s\left(%s\right)" % (head, args)

    def _numpycode(self, printer):
        return _call(printer, "symgrad.numeric.kernels." + self.kernel, self.args)

    def _torchcode(self, printer):
        return _call(printer, "symgrad.twin.torch_kernels." + self.kernel, self.args)

    def _eval_is_extended_real(self):
        return fuzzy_and(a.is_extended_real for a in self.inputs)


class sigmoid(_Activation):
    r"""The logistic function: $\sigma(z) = 1/(1+e^{-z})$, $\sigma'(z) = \sigma(z)\,(1-\sigma(z))$."""

    kernel = "sigmoid"
    nargs = 1
    latex_name = r"\sigma"

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return S.Half
        if z is S.Infinity:
            return S.One
        if z is S.NegativeInfinity:
            return S.Zero
        # sigma(log a) = a/(1+a), exactly, for a positive rational a
        if isinstance(z, sympy.log) and z.args[0].is_Rational and z.args[0].is_positive:
            a = z.args[0]
            return a / (1 + a)

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sympy.exp(-z))

    def _eval_mpmath(self):
        return (lambda z: 1 / (1 + mpmath.exp(-z))), self.args

    def _eval_is_positive(self):
        return self.args[0].is_extended_real or None

    def _eval_is_finite(self):
        return self.args[0].is_extended_real or None


class step(_Activation):
    r"""The derivative of relu: $[z > 0]$, which is 0 at $z = 0$ (as PyTorch); its own derivative is 0."""

    nargs = 1
    kernel = "step"
    latex_name = r"\mathbb{1}"

    @classmethod
    def eval(cls, z):
        sign = _sign(z)
        if sign == 1:
            return S.One
        if sign in (0, -1, "nonpositive"):
            return S.Zero

    def fdiff(self, argindex=1):
        return S.Zero

    def _latex(self, printer, exp=None):
        inner = r"\mathbb{1}\left[%s > 0\right]" % printer._print(self.args[0])
        return inner if exp is None else r"%s^{%s}" % (inner, exp)

    def _eval_rewrite_as_Heaviside(self, z, **kwargs):
        return sympy.Heaviside(z, 0)

    def _eval_mpmath(self):
        return (lambda z: mpmath.mpf(1) if z > 0 else mpmath.mpf(0)), self.args

    def _eval_is_nonnegative(self):
        return True


class relu(_Activation):
    r"""The rectifier: $\operatorname{relu}(z) = \max(0, z)$, derivative $1$ if $z > 0$ else $0$ (0 at 0, as PyTorch)."""

    kernel = "relu"
    nargs = 1
    latex_name = r"\operatorname{relu}"

    @classmethod
    def eval(cls, z):
        sign = _sign(z)
        if sign in (0, 1, "nonnegative"):
            return z
        if sign in (-1, "nonpositive"):
            return S.Zero

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((z, z > 0), (0, True))

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sympy.Max(0, z)

    def _eval_mpmath(self):
        return (lambda z: max(mpmath.mpf(0), z)), self.args

    def _eval_is_nonnegative(self):
        return self.args[0].is_extended_real or None


class softplus(_Activation):
    r"""The smooth rectifier: $\operatorname{softplus}(z) = \log(1+e^{z})$, derivative $\sigma(z)$."""

    kernel = "softplus"
    nargs = 1
    latex_name = r"\operatorname{softplus}"

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return sympy.log(2)
        if isinstance(z, sympy.log) and z.args[0].is_Rational and z.args[0].is_positive:
            return sympy.log(1 + z.args[0])

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sympy.log(1 + sympy.exp(z))

    def _eval_mpmath(self):
        return (lambda z: mpmath.log1p(mpmath.exp(z))), self.args

    def _eval_is_positive(self):
        return self.args[0].is_extended_real or None


class _SoftmaxFamily(_Activation):
    """Arguments ``(i, z_0, ..., z_{n-1})``: component ``i`` (from 0) of a function of the vector ``z``."""

    @classmethod
    def _check(cls, i, zs):
        if not zs:
            raise ShapeError(f"{cls.__name__} needs at least one logit")
        if not (i.is_Integer and 0 <= int(i) < len(zs)):
            raise ShapeError(f"{cls.__name__}: component {i} is out of range for {len(zs)} logits")

    @property
    def index(self):
        return int(self.args[0])

    @property
    def logits(self):
        return self.args[1:]

    inputs = logits

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.logits)
        head = r"%s_{%d}" % (self.latex_name, self.index + 1)
        if exp is not None:
            return r"\left(%s\left(%s\right)\right)^{%s}" % (head, args, exp)
        return r"%s\left(%s\right)" % (head, args)

    def _softmax(self, j):
        return Softmax(j, *self.logits)


class Softmax(_SoftmaxFamily):
    r"""Component $i$ of softmax: $s_i = e^{z_i} / \sum_j e^{z_j}$, $\partial s_i/\partial z_j = s_i([i=j] - s_j)$.

    Of exact rational logits it evaluates to that closed form."""

    kernel = "softmax"
    latex_name = r"\operatorname{softmax}"

    @classmethod
    def eval(cls, i, *zs):
        cls._check(i, zs)
        if len(set(zs)) == 1:
            return S.One / len(zs)
        if all(z.is_Rational for z in zs):
            return sympy.exp(zs[int(i)]) / sympy.Add(*[sympy.exp(z) for z in zs])

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sympy.ArgumentIndexError(self, argindex)
        j = argindex - 2
        return self * ((1 if j == self.index else 0) - self._softmax(j))

    def _eval_rewrite_as_exp(self, i, *zs, **kwargs):
        return sympy.exp(zs[int(i)]) / sympy.Add(*[sympy.exp(z) for z in zs])

    def _eval_mpmath(self):
        i = self.index
        return (lambda *zs: mpmath.exp(zs[i]) / mpmath.fsum(mpmath.exp(z) for z in zs)), self.logits

    def _eval_is_positive(self):
        return all(z.is_extended_real for z in self.logits) or None


class LogSoftmax(_SoftmaxFamily):
    r"""Component $i$ of log-softmax: $z_i - \log\sum_j e^{z_j}$, $\partial/\partial z_j = [i=j] - \operatorname{softmax}_j$."""

    kernel = "log_softmax"
    latex_name = r"\log\operatorname{softmax}"

    @classmethod
    def eval(cls, i, *zs):
        cls._check(i, zs)
        if len(set(zs)) == 1:
            return -sympy.log(len(zs))
        if all(z.is_Rational for z in zs):
            return zs[int(i)] - sympy.log(sympy.Add(*[sympy.exp(z) for z in zs]))

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sympy.ArgumentIndexError(self, argindex)
        j = argindex - 2
        return (1 if j == self.index else 0) - self._softmax(j)

    def _eval_rewrite_as_log(self, i, *zs, **kwargs):
        return zs[int(i)] - sympy.log(sympy.Add(*[sympy.exp(z) for z in zs]))

    def _eval_mpmath(self):
        i = self.index
        return (lambda *zs: zs[i] - mpmath.log(mpmath.fsum(mpmath.exp(z) for z in zs))), self.logits

    def _eval_is_extended_nonpositive(self):
        return all(z.is_extended_real for z in self.logits) or None


def _logits(z):
    from .variables import as_scalar

    if isinstance(z, sympy.MatrixBase):
        z = list(z)
    try:
        zs = [as_scalar(v, "logit") for v in z]
    except TypeError:
        raise ShapeError(f"softmax needs a sequence of logits, got {z!r}") from None
    if not zs:
        raise ShapeError("softmax needs at least one logit")
    return zs


def softmax(z):
    """The softmax of a sequence of logits, as a tuple of components ``Softmax(i, *z)``."""
    zs = _logits(z)
    return tuple(Softmax(i, *zs) for i in range(len(zs)))


def log_softmax(z):
    """The log-softmax of a sequence of logits, as a tuple of components ``LogSoftmax(i, *z)`` (stable)."""
    zs = _logits(z)
    return tuple(LogSoftmax(i, *zs) for i in range(len(zs)))
