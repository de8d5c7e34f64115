"""symgrad's own activations: each a SymPy function registered with all of its facets beside it.

Each class knows its LaTeX, how it evaluates exactly and what SymPy may assume of it; its
registration (:func:`~symgrad.core.operations.register`) adds its exact derivative, its rule as
printed, its stable NumPy and torch kernels (never ``1/(1+exp(-z))``), its spellings in answers and
its matrix-mode rule. Components of ``softmax`` are numbered from 0 in code (as PyTorch's class
indices) and from 1 in print.
"""

import functools

import mpmath
import numpy as np
import sympy
from sympy import S
from sympy.core.logic import fuzzy_and

from .errors import ShapeError
from .operations import ElementWise, Operation, RowWise, register

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
    r"""The smooth rectifier: $\operatorname{softplus}(z) = \log(1+e^{z})$, derivative $\sigma(z)$."""

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
