"""symgrad's own activations: each a SymPy function registered with all of its facets beside it.

Beside sigmoid, relu, softplus and the softmax family are the activations of a course, each as
``torch.nn.functional`` defines it (its kink's derivative torch's autograd's, its torch kernel
torch's own function); those with settings (leaky_relu's ``negative_slope``, elu's ``alpha``,
hardtanh's bounds) carry them as exact trailing arguments (:class:`_Configured`).

Each class knows its LaTeX, how it evaluates exactly and what SymPy may assume of it; its
registration (:func:`~symgrad.core.operations.register`) adds its exact derivative, its rule as
printed, its stable NumPy and torch kernels (never ``1/(1+exp(-z))``), its spellings in answers and
its matrix-mode rule. Components of ``softmax`` are numbered from 0 in code (as PyTorch's class
indices) and from 1 in print.
"""

import functools
import math

import mpmath
import numpy as np
import sympy
from sympy import S
from sympy.core.logic import fuzzy_and

from .errors import SettingError, ShapeError, SymgradError
from .operations import ElementWise, Operation, RowWise, over_arrays, register

__all__ = ["sigmoid", "relu", "softplus", "tanh", "softmax", "log_softmax", "Softmax", "LogSoftmax", "step",
           "leaky_relu", "elu", "selu", "normal_cdf", "gelu", "gelu_tanh", "silu", "mish", "softsign", "hardtanh",
           "hardsigmoid", "hardswish", "logsigmoid", "SELU_SCALE", "SELU_SCALE_ALPHA", "GELU_KAPPA", "GELU_BETA"]

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


def _tensor(torch, z, like=None):
    """``z`` as a torch tensor (a Python number in the dtype of ``like``, else float64)."""
    if isinstance(z, torch.Tensor):
        return z
    dtype = like.dtype if isinstance(like, torch.Tensor) else torch.float64
    return torch.as_tensor(z, dtype=dtype)


@functools.lru_cache(maxsize=64)
def _zeros(shape, dtype):
    """An array of zeros (read-only), made once per shape."""
    zeros = np.zeros(shape, dtype)
    zeros.flags.writeable = False
    return zeros


def _sigmoid_array(z, out=None):
    """1/(1+e^{-z}) as e^{-logaddexp(0, -z)}, in ``out``."""
    out = np.negative(z, out=out)
    np.logaddexp(0.0, out, out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


def _symmetric_distribution(z):
    """The value at 0 and at the infinities of a distribution function symmetric about 0 (sigma, Phi):
    1/2, 1 and 0; None elsewhere."""
    if _sign(z) == 0:
        return S.Half
    if z is S.Infinity:
        return S.One
    if z is S.NegativeInfinity:
        return S.Zero
    return None


class _Activation(sympy.Function):
    """Shared printing: ``\\name\\left(z\\right)`` in LaTeX."""

    latex_name = None  # LaTeX of the function's name, set by each subclass

    @property
    def inputs(self):
        """The arguments the function is differentiable in."""
        return self.args

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        head = self.latex_name if exp is None else "%s^{%s}" % (self.latex_name, exp)
        return r"%s\left(%s\right)" % (head, args)

    def _eval_is_extended_real(self):
        return fuzzy_and(a.is_extended_real for a in self.inputs)


class sigmoid(_Activation):
    r"""The logistic function: $\sigma(z) = 1/(1+e^{-z})$, $\sigma'(z) = \sigma(z)\,(1-\sigma(z))$."""

    nargs = 1
    latex_name = r"\sigma"

    @classmethod
    def eval(cls, z):
        limit = _symmetric_distribution(z)
        if limit is not None:
            return limit
        # sigma(log a) = a/(1+a), exactly, for a positive rational a
        if isinstance(z, sympy.log) and z.args[0].is_Rational and z.args[0].is_positive:
            a = z.args[0]
            return a / (1 + a)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sympy.exp(-z))

    def _eval_mpmath(self):
        return (lambda z: 1 / (1 + mpmath.exp(-z))), self.args

    def _eval_is_positive(self):
        return self.args[0].is_extended_real or None

    def _eval_is_finite(self):
        return self.args[0].is_extended_real or None


SIGMOID = register(Operation(
    sigmoid,
    derivative=lambda s, k: s * (1 - s),
    rule=r"\sigma' = \sigma\,(1 - \sigma)",
    numpy=lambda z: np.exp(-np.logaddexp(0.0, -z)),  # 1/(1+e^{-z}) as e^{-softplus(-z)}: no overflow
    torch=lambda torch, z: torch.sigmoid(_tensor(torch, z)),
    array=_sigmoid_array,
    spellings=(r"\sigma", "sigmoid"),
    matrix=ElementWise(r"\sigma", r"$out \odot (1 - $out)", lambda xp, z, s: xp.mul(s, xp.one_minus(s))),
    torch_module="Sigmoid",
))


class step(_Activation):
    r"""The derivative of relu: $[z > 0]$, which is 0 at $z = 0$ (as PyTorch); its own derivative is 0."""

    nargs = 1
    latex_name = r"\mathbb{1}"

    @classmethod
    def eval(cls, z):
        sign = _sign(z)
        if sign == 1:
            return S.One
        if sign in (0, -1, "nonpositive"):
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


def _iverson(printer, application):
    return r"\left[%s > 0\right]" % printer._print(application.args[0])


STEP = register(Operation(
    step,
    derivative=lambda a, k: S.Zero,
    numpy=lambda z: np.heaviside(z, 0.0),
    torch=lambda torch, z: torch.heaviside(_tensor(torch, z), torch.zeros_like(_tensor(torch, z))),
    array=lambda z, out=None: z > 0,  # as booleans: a mask to multiply by
    notation=_iverson,  # in a derivation, the Iverson bracket relu's rule names
))


class relu(_Activation):
    r"""The rectifier: $\operatorname{relu}(z) = \max(0, z)$, derivative $1$ if $z > 0$ else $0$ (0 at 0, as PyTorch)."""

    nargs = 1
    latex_name = r"\operatorname{relu}"

    @classmethod
    def eval(cls, z):
        sign = _sign(z)
        if sign in (0, 1, "nonnegative"):
            return z
        if sign in (-1, "nonpositive"):
            return S.Zero

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((z, z > 0), (0, True))

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sympy.Max(0, z)

    def _eval_mpmath(self):
        return (lambda z: max(mpmath.mpf(0), z)), self.args

    def _eval_is_nonnegative(self):
        return self.args[0].is_extended_real or None


def _max_with_zero(m):
    """``relu(z)`` for ``Max(0, z)``, else None."""
    if len(m.args) == 2 and S.Zero in m.args:
        return relu(next(a for a in m.args if a != 0))
    return None


register(Operation(
    relu,
    derivative=lambda a, k: step(a.args[0]),
    rule=r"\operatorname{relu}'(z) = [z > 0]",
    numpy=lambda z: np.maximum(z, 0.0),
    torch=lambda torch, z: torch.relu(_tensor(torch, z)),
    # against an array of zeros: NumPy's loop for two arrays is faster than for an array and a number
    array=lambda z, out=None: np.maximum(z, _zeros(z.shape, z.dtype), out=out),
    spellings=(r"\operatorname{relu}",),
    replaces=(sympy.Max, _max_with_zero),  # whose derivative at 0 is 0, as torch's
    matrix=ElementWise(r"\operatorname{relu}", r"\left[$Z > 0\right]", lambda xp, z, s: xp.apply(STEP, z)),
    torch_module="ReLU",
))


class softplus(_Activation):
    r"""The smooth rectifier: $\operatorname{softplus}(z) = \log(1+e^{z})$, derivative $\sigma(z)$.

    It is torch's ``F.softplus`` with ``beta=1`` everywhere but above its ``threshold`` (20): there
    torch's ``nn.Softplus`` switches to the identity ($z$, derivative 1), symgrad's does not (its
    kernels are ``logaddexp(0, z)``, stable at any $z$). The two differ there by less than
    $e^{-20} \approx 2 \cdot 10^{-9}$ in value and in slope; ``beta`` other than 1 is not supported
    (:func:`symgrad.matrix.torch_import.from_torch` refuses it)."""

    nargs = 1
    latex_name = r"\operatorname{softplus}"

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return sympy.log(2)
        if isinstance(z, sympy.log) and z.args[0].is_Rational and z.args[0].is_positive:
            return sympy.log(1 + z.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sympy.log(1 + sympy.exp(z))

    def _eval_mpmath(self):
        return (lambda z: mpmath.log1p(mpmath.exp(z))), self.args

    def _eval_is_positive(self):
        return self.args[0].is_extended_real or None


register(Operation(
    softplus,
    derivative=lambda a, k: sigmoid(a.args[0]),
    rule=r"\operatorname{softplus}' = \sigma",
    numpy=lambda z: np.logaddexp(0.0, z),
    # log(1+e^z) without torch's linear cut-off at z > 20, so that it is the same function as SymPy's
    torch=lambda torch, z: torch.logaddexp(_tensor(torch, z), torch.zeros_like(_tensor(torch, z))),
    array=lambda z, out=None: np.logaddexp(0.0, z, out=out),
    spellings=(r"\operatorname{softplus}",),
    matrix=ElementWise(r"\operatorname{softplus}", r"\sigma($Z)", lambda xp, z, s: xp.apply(SIGMOID, z)),
    torch_module="Softplus",
))


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

    def _delta(self, j):
        """$[i = j]$."""
        return S.One if j == self.index else S.Zero


class Softmax(_SoftmaxFamily):
    r"""Component $i$ of softmax: $s_i = e^{z_i} / \sum_j e^{z_j}$, $\partial s_i/\partial z_j = s_i([i=j] - s_j)$.

    Of exact rational logits it evaluates to that closed form."""

    latex_name = r"\operatorname{softmax}"

    @classmethod
    def eval(cls, i, *zs):
        cls._check(i, zs)
        if len(set(zs)) == 1:
            return S.One / len(zs)
        if all(z.is_Rational for z in zs):
            return sympy.exp(zs[int(i)]) / sympy.Add(*[sympy.exp(z) for z in zs])

    def _eval_rewrite_as_exp(self, i, *zs, **kwargs):
        return sympy.exp(zs[int(i)]) / sympy.Add(*[sympy.exp(z) for z in zs])

    def _eval_mpmath(self):
        i = self.index
        return (lambda *zs: mpmath.exp(zs[i]) / mpmath.fsum(mpmath.exp(z) for z in zs)), self.logits

    def _eval_is_positive(self):
        return all(z.is_extended_real for z in self.logits) or None


def _logsumexp(zs):
    """log(sum_k e^{z_k}) as m + log(sum_k e^{z_k - m}) with m the largest logit: element by element,
    one operation per logit (no stacking: a few classes over a batch cost a dozen array operations)."""
    m = zs[0]
    for z in zs[1:]:
        m = np.maximum(m, z)
    total = np.exp(zs[0] - m)
    for z in zs[1:]:
        total = total + np.exp(z - m)
    return m + np.log(total)


def _stack(torch, zs):
    """The logits as one tensor whose last axis runs over the classes."""
    like = next((z for z in zs if isinstance(z, torch.Tensor)), None)
    return torch.stack(torch.broadcast_tensors(*[_tensor(torch, z, like) for z in zs]), dim=-1)


register(Operation(
    Softmax,
    derivative=lambda s, j: s * (s._delta(j) - Softmax(j, *s.logits)),
    rule=r"\partial s_i / \partial z_j = s_i\,([i = j] - s_j)",
    numpy=lambda i, *zs: np.exp(zs[i] - _logsumexp(zs)),
    torch=lambda torch, i, *zs: torch.softmax(_stack(torch, zs), dim=-1)[..., i],
    spellings=(r"\operatorname{softmax}",),
    indexed=True,
    matrix=RowWise(r"\operatorname{softmax}",
                   r"$out \odot \left($delta - ($delta \odot $out) \mathbf{1} \mathbf{1}^\top\right)",
                   forward=lambda xp, z, out: xp.softmax(z, out),
                   # s * (delta - rowsum(delta * s))
                   backward=lambda xp, delta, s, z, out: xp.mul(s, xp.sub(delta, xp.row_sum(xp.mul(delta, s))), out)),
    matrix_name="softmax",
    torch_module="Softmax",
))


class LogSoftmax(_SoftmaxFamily):
    r"""Component $i$ of log-softmax: $z_i - \log\sum_j e^{z_j}$, $\partial/\partial z_j = [i=j] - \operatorname{softmax}_j$."""

    latex_name = r"\log\operatorname{softmax}"

    @classmethod
    def eval(cls, i, *zs):
        cls._check(i, zs)
        if len(set(zs)) == 1:
            return -sympy.log(len(zs))
        if all(z.is_Rational for z in zs):
            return zs[int(i)] - sympy.log(sympy.Add(*[sympy.exp(z) for z in zs]))

    def _eval_rewrite_as_log(self, i, *zs, **kwargs):
        return zs[int(i)] - sympy.log(sympy.Add(*[sympy.exp(z) for z in zs]))

    def _eval_mpmath(self):
        i = self.index
        return (lambda *zs: zs[i] - mpmath.log(mpmath.fsum(mpmath.exp(z) for z in zs))), self.logits

    def _eval_is_extended_nonpositive(self):
        return all(z.is_extended_real for z in self.logits) or None


register(Operation(
    LogSoftmax,
    derivative=lambda s, j: s._delta(j) - Softmax(j, *s.logits),
    rule=r"\partial \log s_i / \partial z_j = [i = j] - s_j",
    numpy=lambda i, *zs: zs[i] - _logsumexp(zs),
    torch=lambda torch, i, *zs: torch.log_softmax(_stack(torch, zs), dim=-1)[..., i],
    indexed=True,  # typed as \log of softmax
    matrix=RowWise(r"\log\operatorname{softmax}",
                   r"$delta - \operatorname{softmax}($Z) \odot ($delta \mathbf{1} \mathbf{1}^\top)",
                   forward=lambda xp, z, out: xp.log_softmax(z, out),
                   # delta - softmax(Z) * rowsum(delta), softmax from the forward value
                   backward=lambda xp, delta, value, z, out: xp.sub(
                       delta, xp.mul(xp.softmax_of_log(z, value), xp.row_sum(delta)), out)),
    matrix_name="log_softmax",
    torch_module="LogSoftmax",
))


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


# -- the activations of a course, as torch.nn.functional defines them ----------------------------------


def _functional(name, **fixed):
    """The torch kernel ``torch.nn.functional.<name>(z, *settings, **fixed)``: torch's own function,
    so the twin is torch's to the bit (its settings as Python numbers, as torch takes them)."""
    def kernel(torch, z, *settings):
        return getattr(torch.nn.functional, name)(_tensor(torch, z), *[float(v) for v in settings], **fixed)

    return kernel


def _exactly(z):
    """``z`` when it is an exact real number (a rational), else None: an activation made of
    maxima and minima evaluates exactly there."""
    return z if z.is_Rational else None


class _Configured(_Activation):
    r"""An activation with settings: ``settings`` are ``(name, default)`` pairs, torch's keyword
    arguments, given by position or name. They are kept as the trailing arguments of each application,
    as exact real numbers (a decimal is read as the rational it denotes, ``0.2`` as ``1/5``), so that
    JSON trees and comparisons keep them; only the first argument is an input. In print the settings
    appear as further arguments, and not at all when each is its default:
    ``\operatorname{leakyrelu}\left(z, \frac{1}{5}\right)``."""

    settings = ()

    def __new__(cls, z, *values, **options):
        from .numbers import exact

        names = [name for name, _ in cls.settings]
        if len(values) > len(names):
            raise SettingError(f"{cls.__name__} takes {len(names)} setting(s) ({', '.join(names) or 'none'}) "
                               f"after its input, got {len(values)}")
        given = dict(zip(names, values))
        for name in [k for k in options if k not in ("evaluate",)]:
            if name not in names or name in given:
                raise SettingError(f"{cls.__name__}: {name!r} is not a setting of its own or is given twice "
                                   f"(its settings: {', '.join(names) or 'none'})")
            given[name] = options.pop(name)
        settings = []
        for name, default in cls.settings:
            value = given.get(name, default)
            try:
                number = exact(value)
            except SymgradError:
                number = None
            if number is None or not (number.is_number and number.is_extended_real and number.is_finite):
                raise SettingError(f"{cls.__name__}'s {name} must be an exact real number, got {value!r}")
            settings.append(number)
        cls._check(*settings)
        return super().__new__(cls, z, *settings, **options)

    @classmethod
    def _check(cls, *settings):
        """Raise a SettingError for settings out of their range (none by default)."""

    @property
    def inputs(self):
        return self.args[:1]

    @property
    def z(self):
        return self.args[0]

    def _latex(self, printer, exp=None):
        shown = self.args if any(v != d for v, (_, d) in zip(self.args[1:], self.settings)) else self.args[:1]
        args = ", ".join(printer._print(a) for a in shown)
        head = self.latex_name if exp is None else "%s^{%s}" % (self.latex_name, exp)
        return r"%s\left(%s\right)" % (head, args)


def _geq(z, a):
    """$[z \\geq a]$ as ``1 - [a - z > 0]``, the bracket at a kink where torch's derivative takes the upper side."""
    return 1 - step(a - z)


class leaky_relu(_Configured):
    r"""torch's ``F.leaky_relu(z, negative_slope=0.01)``: $z$ for $z > 0$, else $a z$ ($a$ the
    ``negative_slope``, 1/100 by default); derivative $[z > 0] + a\,[z \leq 0]$, which is $a$ at
    $z = 0$ as torch's autograd gives."""

    nargs = (1, 2)
    latex_name = r"\operatorname{leakyrelu}"
    settings = (("negative_slope", S(1) / 100),)

    @classmethod
    def eval(cls, z, a):
        sign = _sign(z)
        if sign in (0, 1, "nonnegative"):
            return z
        if sign == -1:
            return a * z

    def _eval_rewrite_as_Piecewise(self, z, a, **kwargs):
        return sympy.Piecewise((z, z > 0), (a * z, True))

    def _eval_mpmath(self):
        return (lambda z, a: z if z > 0 else a * z), self.args


register(Operation(
    leaky_relu,
    derivative=lambda f, k: f.args[1] + (1 - f.args[1]) * step(f.z),
    rule=r"\operatorname{leakyrelu}'(z) = [z > 0] + a\,[z \leq 0]",
    numpy=lambda z, a: np.where(z > 0, z, np.multiply(a, z)),
    torch=_functional("leaky_relu"),
    spellings=(r"\operatorname{leakyrelu}",),
    matrix=ElementWise(r"\operatorname{leakyrelu}",
                       r"\left(\tfrac{1}{100} + \tfrac{99}{100} \left[$Z > 0\right]\right)"),
    torch_module="LeakyReLU",
))


class elu(_Configured):
    r"""torch's ``F.elu(z, alpha=1)``: $z$ for $z > 0$, else $\alpha(e^{z} - 1)$; derivative
    $[z > 0] + [z \leq 0]\,(\operatorname{elu}(z) + \alpha)$ (that is $\alpha e^z$ below 0, written
    with the value so that it never overflows), $\alpha$ at $z = 0$ as torch's autograd gives.
    Its NumPy kernel is ``expm1`` of $\min(z, 0)$: $-\alpha$ at $-1000$, no overflow at $+1000$."""

    nargs = (1, 2)
    latex_name = r"\operatorname{elu}"
    settings = (("alpha", S.One),)

    @classmethod
    def eval(cls, z, alpha):
        sign = _sign(z)
        if sign in (0, 1, "nonnegative"):
            return z
        if sign == -1 and z.is_Number:
            return alpha * (sympy.exp(z) - 1)

    def _eval_rewrite_as_Piecewise(self, z, alpha, **kwargs):
        return sympy.Piecewise((z, z > 0), (alpha * (sympy.exp(z) - 1), True))

    def _eval_mpmath(self):
        return (lambda z, alpha: z if z > 0 else alpha * mpmath.expm1(z)), self.args


def _elu_array(z, alpha):
    return np.where(z > 0, z, np.multiply(alpha, np.expm1(np.minimum(z, 0.0))))


register(Operation(
    elu,
    derivative=lambda f, k: step(f.z) + (1 - step(f.z)) * (f + f.args[1]),
    rule=r"\operatorname{elu}'(z) = [z > 0] + [z \leq 0]\,(\operatorname{elu}(z) + \alpha)",
    numpy=_elu_array,
    torch=_functional("elu"),
    spellings=(r"\operatorname{elu}",),
    matrix=ElementWise(r"\operatorname{elu}",
                       r"\left(\left[$Z > 0\right] + \left[$Z \leq 0\right] \odot ($out + 1)\right)"),
    torch_module="ELU",
))

# torch's selu computes with doubles: its scale, and its alpha times its scale rounded as torch rounds it
SELU_SCALE = sympy.Rational("1.0507009873554805")  # 1.0507009873554804934193349852946 as a double
SELU_SCALE_ALPHA = sympy.Rational("1.7580993408473766")  # 1.6732632423543772848170429916717 * scale, as a double


class selu(_Activation):
    r"""torch's ``F.selu``: $\lambda z$ for $z > 0$, else $\lambda\alpha\,(e^z - 1)$, with the
    numbers torch computes with, exactly: $\lambda$ = 1.0507009873554805 and $\lambda\alpha$ =
    1.7580993408473766 (torch's 32-digit constants as doubles, and their product as torch rounds it;
    :data:`SELU_SCALE`, :data:`SELU_SCALE_ALPHA`); derivative
    $\lambda [z > 0] + [z \leq 0]\,(\operatorname{selu}(z) + \lambda\alpha)$, which is $\lambda\alpha$
    at $z = 0$ as torch's autograd gives. Stable as :class:`elu`."""

    nargs = 1
    latex_name = r"\operatorname{selu}"

    @classmethod
    def eval(cls, z):
        sign = _sign(z)
        if sign in (0, 1, "nonnegative"):
            return SELU_SCALE * z
        if sign == -1 and z.is_Number:
            return SELU_SCALE_ALPHA * (sympy.exp(z) - 1)

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((SELU_SCALE * z, z > 0), (SELU_SCALE_ALPHA * (sympy.exp(z) - 1), True))

    def _eval_mpmath(self):
        def selu_(z):
            scale, negative = (mpmath.mpf(c.p) / c.q for c in (SELU_SCALE, SELU_SCALE_ALPHA))
            return scale * z if z > 0 else negative * mpmath.expm1(z)

        return selu_, self.args


register(Operation(
    selu,
    derivative=lambda f, k: SELU_SCALE * step(f.args[0]) + (1 - step(f.args[0])) * (f + SELU_SCALE_ALPHA),
    rule=r"\operatorname{selu}'(z) = \lambda\,[z > 0] + [z \leq 0]\,(\operatorname{selu}(z) + \lambda\alpha)",
    numpy=lambda z: np.where(z > 0, np.multiply(float(SELU_SCALE), z),
                             np.multiply(float(SELU_SCALE_ALPHA), np.expm1(np.minimum(z, 0.0)))),
    torch=_functional("selu"),
    spellings=(r"\operatorname{selu}",),
    matrix=ElementWise(r"\operatorname{selu}",
                       r"\left(\lambda \left[$Z > 0\right]"
                       r" + \left[$Z \leq 0\right] \odot ($out + \lambda\alpha)\right)"),
    torch_module="SELU",
))


_erfc = over_arrays(math.erfc)


def _normal_density(z):
    r"""$\varphi(z) = e^{-z^2/2} / \sqrt{2\pi}$, the derivative of $\Phi$."""
    return sympy.exp(-z ** 2 / 2) / sympy.sqrt(2 * sympy.pi)


class normal_cdf(_Activation):
    r"""The standard normal distribution function $\Phi(z) = \tfrac12(1 + \operatorname{erf}(z/\sqrt2))$,
    $\Phi'(z) = e^{-z^2/2}/\sqrt{2\pi}$: GELU is $z\,\Phi(z)$. Its NumPy kernel is
    $\tfrac12\operatorname{erfc}(-z/\sqrt2)$, exact to the last digits far in the lower tail (where
    $1 + \operatorname{erf}$ cancels to 0); its torch kernel is ``torch.special.ndtr``."""

    nargs = 1
    latex_name = r"\Phi"

    @classmethod
    def eval(cls, z):
        return _symmetric_distribution(z)

    def _eval_rewrite_as_erf(self, z, **kwargs):
        return (1 + sympy.erf(z / sympy.sqrt(2))) / 2

    def _eval_mpmath(self):
        return mpmath.ncdf, self.args

    def _eval_is_positive(self):
        return self.args[0].is_extended_real or None


register(Operation(
    normal_cdf,
    derivative=lambda f, k: _normal_density(f.args[0]),
    rule=r"\Phi'(z) = e^{-z^2/2} / \sqrt{2\pi}",
    numpy=lambda z: 0.5 * _erfc(np.multiply(-math.sqrt(0.5), z)),
    torch=lambda torch, z: torch.special.ndtr(_tensor(torch, z)),
    spellings=(r"\Phi",),
))


class gelu(_Activation):
    r"""torch's ``F.gelu(z)``: $z\,\Phi(z)$, $\Phi$ the standard normal distribution function
    (:class:`normal_cdf`); derivative $\Phi(z) + z\,e^{-z^2/2}/\sqrt{2\pi}$. ``gelu(z,
    approximate="tanh")`` is :class:`gelu_tanh`, as ``F.gelu``'s option. Stable: 0 at $z = -40$
    (exactly $-40\,\Phi(-40) \approx -10^{-348}$, below float64), $z$ at $z = 40$, no overflow."""

    nargs = 1
    latex_name = r"\operatorname{gelu}"

    def __new__(cls, z, approximate="none", **options):
        if approximate == "tanh":
            return gelu_tanh(z, **options)
        if approximate != "none":
            raise SettingError(f"gelu's approximate must be 'none' or 'tanh', as torch's, got {approximate!r}")
        return super().__new__(cls, z, **options)

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return S.Zero

    def _eval_rewrite_as_erf(self, z, **kwargs):
        return z * (1 + sympy.erf(z / sympy.sqrt(2))) / 2

    def _eval_mpmath(self):
        return (lambda z: z * mpmath.ncdf(z)), self.args


register(Operation(
    gelu,
    derivative=lambda f, k: normal_cdf(f.args[0]) + f.args[0] * _normal_density(f.args[0]),
    rule=r"\operatorname{gelu}'(z) = \Phi(z) + z\,e^{-z^2/2} / \sqrt{2\pi}",
    numpy=lambda z: np.multiply(z, 0.5 * _erfc(np.multiply(-math.sqrt(0.5), z))),
    torch=_functional("gelu"),
    spellings=(r"\operatorname{gelu}",),
    matrix=ElementWise(r"\operatorname{gelu}", r"\left(\Phi($Z) + $Z \odot \phi($Z)\right)"),
    torch_module="GELU",
    torch_options=(("approximate", "none"),),
))

GELU_KAPPA = sympy.Rational(44715, 1000000)  # torch's 0.044715
GELU_BETA = sympy.sqrt(2 / sympy.pi)  # torch's kBeta = sqrt(2) * (2/sqrt(pi)) / 2


def _gelu_tanh_inner(z):
    return GELU_BETA * (z + GELU_KAPPA * z ** 3)


class gelu_tanh(_Activation):
    r"""torch's ``F.gelu(z, approximate="tanh")``: $\tfrac12 z\,(1 + \tanh u)$ with
    $u = \sqrt{2/\pi}\,(z + \kappa z^3)$, $\kappa = 0.044715$ (exactly 44715/10^6); derivative
    $\tfrac12 (1 + \tanh u) + \tfrac12 z\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,(1 + 3\kappa z^2)$, as torch's
    backward. Stable at $z = \pm 40$ ($\tanh u = \pm 1$)."""

    nargs = 1
    latex_name = r"\operatorname{gelutanh}"

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return S.Zero

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        return z * (1 + sympy.tanh(_gelu_tanh_inner(z))) / 2

    def _eval_mpmath(self):
        def gelu_tanh_(z):  # the constants at the working precision
            beta, kappa = mpmath.sqrt(2 / mpmath.pi), mpmath.mpf(GELU_KAPPA.p) / GELU_KAPPA.q
            return z * (1 + mpmath.tanh(beta * (z + kappa * z ** 3))) / 2

        return gelu_tanh_, self.args


def _gelu_tanh_slope(f, k):
    z = f.args[0]
    t = sympy.tanh(_gelu_tanh_inner(z))
    return (1 + t) / 2 + z * (1 - t ** 2) * GELU_BETA * (1 + 3 * GELU_KAPPA * z ** 2) / 2


register(Operation(
    gelu_tanh,
    derivative=_gelu_tanh_slope,
    rule=r"\operatorname{gelutanh}'(z) = \tfrac12 (1 + \tanh u) + \tfrac12 z\,(1 - \tanh^2 u)\, u'(z),\ "
         r"u = \sqrt{2/\pi}\,(z + 0.044715\,z^3)",
    numpy=lambda z: 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z * z * z))),
    torch=_functional("gelu", approximate="tanh"),
    spellings=(r"\operatorname{gelutanh}",),
    matrix=ElementWise(r"\operatorname{gelutanh}", r"\operatorname{gelutanh}'($Z)"),
    torch_module="GELU",
    torch_options=(("approximate", "tanh"),),
))


class silu(_Activation):
    r"""torch's ``F.silu`` (swish): $z\,\sigma(z)$; derivative $\sigma(z)\,(1 + z\,(1 - \sigma(z)))$,
    as torch's backward. Stable: $\sigma$ as e^{-softplus(-z)}, 0 at $z = -1000$."""

    nargs = 1
    latex_name = r"\operatorname{silu}"

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return S.Zero

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return z / (1 + sympy.exp(-z))

    def _eval_mpmath(self):
        return (lambda z: z / (1 + mpmath.exp(-z))), self.args


register(Operation(
    silu,
    derivative=lambda f, k: sigmoid(f.args[0]) * (1 + f.args[0] * (1 - sigmoid(f.args[0]))),
    rule=r"\operatorname{silu}'(z) = \sigma(z)\,(1 + z\,(1 - \sigma(z)))",
    numpy=lambda z: np.multiply(z, np.exp(-np.logaddexp(0.0, np.negative(z)))),
    torch=_functional("silu"),
    spellings=(r"\operatorname{silu}",),
    matrix=ElementWise(r"\operatorname{silu}", r"\sigma($Z) \odot \left(1 + $Z \odot (1 - \sigma($Z))\right)"),
    torch_module="SiLU",
))


class mish(_Activation):
    r"""torch's ``F.mish``: $z \tanh(\operatorname{softplus}(z))$; derivative
    $\tanh(\operatorname{softplus} z) + z\,\sigma(z)\,(1 - \tanh^2(\operatorname{softplus} z))$, as
    torch's backward. Stable: softplus as ``logaddexp``, $z$ at $z = 1000$ and 0 at $z = -1000$."""

    nargs = 1
    latex_name = r"\operatorname{mish}"

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return S.Zero

    def _eval_rewrite_as_log(self, z, **kwargs):
        return z * sympy.tanh(sympy.log(1 + sympy.exp(z)))

    def _eval_mpmath(self):
        return (lambda z: z * mpmath.tanh(mpmath.log1p(mpmath.exp(z)))), self.args


def _mish_slope(f, k):
    z = f.args[0]
    t = sympy.tanh(softplus(z))
    return t + z * sigmoid(z) * (1 - t ** 2)


register(Operation(
    mish,
    derivative=_mish_slope,
    rule=r"\operatorname{mish}'(z) = \tanh(\operatorname{softplus} z)"
         r" + z\,\sigma(z)\,(1 - \tanh^2(\operatorname{softplus} z))",
    numpy=lambda z: np.multiply(z, np.tanh(np.logaddexp(0.0, z))),
    torch=_functional("mish"),
    spellings=(r"\operatorname{mish}",),
    matrix=ElementWise(r"\operatorname{mish}", r"\operatorname{mish}'($Z)"),
    torch_module="Mish",
))


class softsign(_Activation):
    r"""torch's ``F.softsign``: $z / (1 + |z|)$; derivative $1 / (1 + |z|)^2$ (1 at $z = 0$, as torch)."""

    nargs = 1
    latex_name = r"\operatorname{softsign}"

    @classmethod
    def eval(cls, z):
        if _exactly(z) is not None:
            return z / (1 + abs(z))

    def _eval_rewrite_as_Abs(self, z, **kwargs):
        return z / (1 + sympy.Abs(z))

    def _eval_mpmath(self):
        return (lambda z: z / (1 + abs(z))), self.args


register(Operation(
    softsign,
    derivative=lambda f, k: 1 / (1 + sympy.Abs(f.args[0])) ** 2,
    rule=r"\operatorname{softsign}'(z) = 1 / (1 + |z|)^2",
    numpy=lambda z: np.divide(z, 1 + np.abs(z)),
    torch=_functional("softsign"),
    spellings=(r"\operatorname{softsign}",),
    matrix=ElementWise(r"\operatorname{softsign}", r"(1 + |$Z|)^{\odot -2}"),
    torch_module="Softsign",
))


class hardtanh(_Configured):
    r"""torch's ``F.hardtanh(z, min_val=-1, max_val=1)``: $z$ clamped to $[a, b]$; derivative
    $[a < z < b]$, which is 0 at both kinks as torch's autograd gives. ``min_val < max_val``."""

    nargs = (1, 2, 3)
    latex_name = r"\operatorname{hardtanh}"
    settings = (("min_val", -S.One), ("max_val", S.One))

    @classmethod
    def _check(cls, low, high):
        if not low < high:
            raise SettingError(f"hardtanh's min_val must be below its max_val, got {low} and {high}")

    @classmethod
    def eval(cls, z, low, high):
        if _exactly(z) is not None:
            return min(max(z, low), high)

    def _eval_rewrite_as_Piecewise(self, z, low, high, **kwargs):
        return sympy.Piecewise((low, z < low), (high, z > high), (z, True))

    def _eval_mpmath(self):
        return (lambda z, low, high: mpmath.mpf(min(max(z, low), high))), self.args


register(Operation(
    hardtanh,
    derivative=lambda f, k: step(f.z - f.args[1]) * step(f.args[2] - f.z),
    rule=r"\operatorname{hardtanh}'(z) = [a < z < b]",
    numpy=lambda z, low, high: np.clip(z, low, high),
    torch=_functional("hardtanh"),
    spellings=(r"\operatorname{hardtanh}", r"\operatorname{clip}"),  # clip(u, a, b) as a student types it
    matrix=ElementWise(r"\operatorname{hardtanh}", r"\left[-1 < $Z < 1\right]"),
    torch_module="Hardtanh",
))


class hardsigmoid(_Activation):
    r"""torch's ``F.hardsigmoid``: $\min(\max(z + 3, 0), 6) / 6$; derivative $[-3 < z < 3] / 6$,
    which is 0 at both kinks as torch's autograd gives. Between them torch's backward, even in
    float64, multiplies by 1/6 rounded to float32 (0.16666667163...), 3e-8 from symgrad's exact 1/6."""

    nargs = 1
    latex_name = r"\operatorname{hardsigmoid}"

    @classmethod
    def eval(cls, z):
        if _exactly(z) is not None:
            return min(max(z + 3, S.Zero), S(6)) / 6

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((0, z < -3), (1, z > 3), ((z + 3) / 6, True))

    def _eval_mpmath(self):
        return (lambda z: mpmath.mpf(min(max(z + 3, 0), 6)) / 6), self.args


register(Operation(
    hardsigmoid,
    derivative=lambda f, k: step(f.args[0] + 3) * step(3 - f.args[0]) / 6,
    rule=r"\operatorname{hardsigmoid}'(z) = [-3 < z < 3] / 6",
    numpy=lambda z: np.clip(np.add(z, 3.0), 0.0, 6.0) / 6.0,
    torch=_functional("hardsigmoid"),
    spellings=(r"\operatorname{hardsigmoid}",),
    matrix=ElementWise(r"\operatorname{hardsigmoid}", r"\tfrac16 \left[-3 < $Z < 3\right]"),
    torch_module="Hardsigmoid",
))


class hardswish(_Activation):
    r"""torch's ``F.hardswish``: $z \min(\max(z + 3, 0), 6) / 6$; derivative
    $[-3 < z < 3]\,(z/3 + 1/2) + [z \geq 3]$, which is 0 at $z = -3$ and 1 at $z = 3$ as torch's
    autograd gives."""

    nargs = 1
    latex_name = r"\operatorname{hardswish}"

    @classmethod
    def eval(cls, z):
        if _exactly(z) is not None:
            return z * min(max(z + 3, S.Zero), S(6)) / 6

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((0, z < -3), (z, z > 3), (z * (z + 3) / 6, True))

    def _eval_mpmath(self):
        return (lambda z: z * mpmath.mpf(min(max(z + 3, 0), 6)) / 6), self.args


register(Operation(
    hardswish,
    derivative=lambda f, k: step(f.args[0] + 3) * step(3 - f.args[0]) * (f.args[0] / 3 + S.Half) + _geq(f.args[0], 3),
    rule=r"\operatorname{hardswish}'(z) = [-3 < z < 3]\,(z/3 + 1/2) + [z \geq 3]",
    numpy=lambda z: np.multiply(z, np.clip(np.add(z, 3.0), 0.0, 6.0)) / 6.0,
    torch=_functional("hardswish"),
    spellings=(r"\operatorname{hardswish}",),
    matrix=ElementWise(r"\operatorname{hardswish}",
                       r"\left(\left[-3 < $Z < 3\right] \odot (\tfrac13 $Z + \tfrac12)"
                       r" + \left[$Z \geq 3\right]\right)"),
    torch_module="Hardswish",
))


class logsigmoid(_Activation):
    r"""torch's ``F.logsigmoid``: $\log\sigma(z) = -\operatorname{softplus}(-z)$; derivative
    $\sigma(-z)$. Stable: $-1000$ at $z = -1000$ (``-logaddexp(0, -z)``), never $\log 0$."""

    nargs = 1
    latex_name = r"\log\sigma"

    @classmethod
    def eval(cls, z):
        if _sign(z) == 0:
            return -sympy.log(2)

    def _eval_rewrite_as_log(self, z, **kwargs):
        return -sympy.log(1 + sympy.exp(-z))

    def _eval_mpmath(self):
        return (lambda z: -mpmath.log1p(mpmath.exp(-z))), self.args

    def _eval_is_negative(self):
        return self.args[0].is_extended_real or None


register(Operation(
    logsigmoid,
    derivative=lambda f, k: sigmoid(-f.args[0]),
    rule=r"(\log\sigma)'(z) = \sigma(-z)",
    numpy=lambda z: np.negative(np.logaddexp(0.0, np.negative(z))),
    torch=_functional("logsigmoid"),
    spellings=(r"\operatorname{logsigmoid}",),
    matrix=ElementWise(r"\log\sigma", r"\sigma(-$Z)"),
    torch_module="LogSigmoid",
))
