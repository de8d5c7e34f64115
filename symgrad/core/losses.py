"""Losses, as PyTorch defines them: each takes predictions and targets, one sample or several.

Each takes torch's ``reduction`` with torch's default: ``"mean"`` over the samples, written as
``(1/N) * (sum)`` so that the mean stays visible in print (one sample: its loss); ``"sum"``; and
``"none"``, the tuple of the per-sample losses (a tuple of one for one sample). ``sse`` is
``mse``'s sum. Bad input (sequences of different lengths, an unknown reduction) is a one-line
:class:`ShapeError` or :class:`SymgradError` naming the loss.

Where torch takes a kink or a clamp its own way, the loss is written with an operation registered
here with its facets and torch's derivative there: ``bce``'s log clamped below at -100
(:class:`clamped_log`, its derivative :class:`clamped_log_slope`, which simplification sees as
:class:`log_unclamped` over ``x``), :class:`clamp_min` (gradient 1 at 0: ``Heaviside(u, 1)``, printed [u >= 0]),
Huber's function :class:`unit_huber` (its slope is ``hardtanh``) and ``nn.GaussianNLLLoss``'s
:class:`variance_clamp` (without gradient). ``l1`` takes SymPy's ``Abs``, whose derivative ``sign``
is 0 at 0, as torch's.
"""

import operator

import mpmath
import numpy as np
import sympy
from sympy.printing.pretty.stringpict import prettyForm

from .activations import _tensor, hardtanh, log_softmax, sigmoid, softplus, step
from .errors import ShapeError, SymgradError
from .numbers import exact
from .operations import Operation, register
from .variables import as_scalar

__all__ = ["mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy", "l1", "smooth_l1", "huber",
           "hinge_embedding", "hinge", "margin_ranking", "kl_div", "focal", "poisson_nll", "gaussian_nll",
           "cosine_embedding", "l1_penalty", "l2_penalty", "REDUCTIONS", "clamped_log", "clamped_log_slope",
           "log_unclamped", "LOG_FLOOR", "clamp_min", "unit_huber", "variance_clamp"]

LOG_FLOOR = -100  # nn.BCELoss clamps each log below at this
_THRESHOLD = sympy.exp(LOG_FLOOR)  # log x >= LOG_FLOOR exactly when x >= e^{-100}


def _unclamped(x):
    """Whether ``log x >= -100`` for a number ``x``: decided on its value to 30 digits (a value
    cancelled to nothing, as 1 - sigma(1000), is below); None for an expression of variables or a
    number that is negative or not real."""
    if not x.is_number:
        return None
    value = x.evalf(30)
    if value is sympy.S.Infinity or value.is_zero:
        return value is sympy.S.Infinity
    if not value.is_Float or value < 0:
        return None
    return bool(value >= _THRESHOLD.evalf(30))


class _OfTheClamp(sympy.Function):
    """A function of ``x`` that depends on whether torch's clamp of ``log x`` at -100 is active:
    of a number it is evaluated exactly (``value(x, unclamped)``); ``latex`` is its LaTeX, a
    template of ``%(log)s``, the LaTeX of ``log x``, and ``%(x)s``."""

    nargs = 1
    latex = None

    @classmethod
    def eval(cls, x):
        unclamped = _unclamped(x)
        if unclamped is not None:
            return cls.value(x, unclamped)

    def _latex(self, printer, exp=None):
        x = self.args[0]
        inner = self.latex % {"log": printer._print(sympy.log(x)), "x": printer._print(x)}
        return inner if exp is None else r"\left(%s\right)^{%s}" % (inner, exp)

    def _pretty(self, printer):
        """As the LaTeX reads, in SymPy's pretty printer (the terminal's text)."""
        log = printer._print(sympy.log(self.args[0]))
        return self.pretty(log, lambda: printer._print(self.args[0]))

    @staticmethod
    def _bracket(log):
        return prettyForm(*prettyForm(*log.left("[")).right(" ≥ -100]"))


class clamped_log(_OfTheClamp):
    r"""torch's log as ``nn.BCELoss`` takes it: $\max(\log x, -100)$. Of a number it is ``log(x)``
    exactly, or -100 where that is below; its derivative is :class:`clamped_log_slope`."""

    latex = r"\max\left(%(log)s, -100\right)"

    @staticmethod
    def pretty(log, x):
        return prettyForm(*prettyForm(*log.left("max(")).right(", -100)"))

    @staticmethod
    def value(x, unclamped):
        return sympy.log(x) if unclamped else sympy.Integer(LOG_FLOOR)

    def _eval_mpmath(self):
        return (lambda x: mpmath.nan if x < 0 else max(mpmath.log(x), LOG_FLOOR)), self.args

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_positive


class clamped_log_slope(_OfTheClamp):
    r"""The derivative of :class:`clamped_log`, $[\log x \geq -100] / x$: $1/x$ where the log is not
    clamped (at -100 too, as torch's ``clamp(min=-100)`` passes gradients there), 0 below, also at
    $x = 0$ (never $0/0$)."""

    latex = r"\frac{\left[%(log)s \geq -100\right]}{%(x)s}"

    @classmethod
    def pretty(cls, log, x):
        return cls._bracket(log) / x()

    @staticmethod
    def value(x, unclamped):
        return 1 / x if unclamped else sympy.S.Zero

    def _eval_mpmath(self):
        return (lambda x: 1 / x if x >= mpmath.exp(LOG_FLOOR) else mpmath.mpf(0)), self.args


class log_unclamped(_OfTheClamp):
    r"""$[\log x \geq -100]$: 1 where :class:`clamped_log` is the log, 0 where it is clamped. It is
    what simplification sees the slope as, times $1/x$ (so that $p\,(1-p)$ cancels through it)."""

    latex = r"\left[%(log)s \geq -100\right]"

    @classmethod
    def pretty(cls, log, x):
        return cls._bracket(log)

    @staticmethod
    def value(x, unclamped):
        return sympy.S.One if unclamped else sympy.S.Zero

    def _eval_mpmath(self):
        return (lambda x: mpmath.mpf(x >= mpmath.exp(LOG_FLOOR))), self.args

    def _eval_is_nonnegative(self):
        return True


def _numpy_log(x):
    """log x, with log 0 = -inf and log of a negative number NaN, without NumPy's warnings."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


_BELOW = float(sympy.exp(LOG_FLOOR - 1))  # e^{-101}: any argument below it has the same clamped log


def _numpy_slope(x):
    """[log x >= -100] / x, dividing by at least e^{-101} (so 0, not 0/0, below the clamp)."""
    return (_numpy_log(x) >= LOG_FLOOR) / np.maximum(x, _BELOW)


def _torch_clamped_log(torch, x):
    """max(log x, -100) whose gradient is 0, never NaN, below the clamp: the argument is first raised
    to e^{-101} (whose log the clamp then replaces), so that log's backward never divides by 0."""
    return torch.log(_tensor(torch, x).clamp(min=_BELOW)).clamp(min=LOG_FLOOR)


def _torch_unclamped(torch, x):
    x = _tensor(torch, x)
    return (torch.log(x) >= LOG_FLOOR).to(x.dtype)


register(Operation(
    clamped_log,
    derivative=lambda a, k: clamped_log_slope(a.args[0]),
    rule=r"\max(\log x, -100)' = [\log x \geq -100] / x \quad \text{(torch's clamp)}",
    rule_name="clamped log rule",
    numpy=lambda x: np.maximum(_numpy_log(x), LOG_FLOOR),
    torch=_torch_clamped_log,
    ordinary=lambda a: sympy.log(a.args[0]),  # a student writes \log
))
register(Operation(
    clamped_log_slope,
    derivative=lambda a, k: -clamped_log_slope(a.args[0]) ** 2,
    numpy=_numpy_slope,
    torch=lambda torch, x: _torch_unclamped(torch, x) / _tensor(torch, x).clamp(min=_BELOW),
    algebraic=lambda a: log_unclamped(a.args[0]) / a.args[0],
    ordinary=lambda a: 1 / a.args[0],
))
register(Operation(
    log_unclamped,
    derivative=lambda a, k: sympy.S.Zero,
    numpy=lambda x: (_numpy_log(x) >= LOG_FLOOR) * 1.0,
    torch=_torch_unclamped,
    ordinary=lambda a: sympy.S.One,
))


def _decided(x, bound=0):
    """The sign of ``x - bound`` for a number ``x`` (-1, 0 or 1): exactly for a rational, else on
    its value to 30 digits; None for an expression of variables, or a value too close to call."""
    if not x.is_number:
        return None
    difference = x - bound
    if difference.is_Rational:
        return int(sympy.sign(difference))
    value = difference.evalf(30)
    if not value.is_Float or value == 0:
        return None
    return 1 if value > 0 else -1


class _Kinked(sympy.Function):
    """A function with a kink, of one argument: of a number it is evaluated exactly (``value``)."""

    nargs = 1

    @classmethod
    def eval(cls, u):
        sign = _decided(u)
        if sign is not None:
            return cls.value(u, sign)  # None where its branch is too close to call

    def _latex(self, printer, exp=None):
        inner = self.latex % printer._print(self.args[0])
        return inner if exp is None else r"\left(%s\right)^{%s}" % (inner, exp)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real


class clamp_min(_Kinked):
    r"""$\max(0, u)$ as torch's ``u.clamp_min(0)``, whose derivative is $[u \geq 0]$: 1 at $u = 0$
    (its gradient passes there, unlike relu's). Hinge, margin-ranking and cosine-embedding losses
    take it."""

    latex = r"\max\left(0, %s\right)"

    @staticmethod
    def value(u, sign):
        return u if sign >= 0 else sympy.S.Zero

    def _eval_mpmath(self):
        return (lambda u: max(u, mpmath.mpf(0))), self.args

    def _eval_is_nonnegative(self):
        return self.args[0].is_extended_real


class unit_huber(_Kinked):
    r"""Huber's function with $\delta = 1$: $u^2/2$ where $|u| < 1$, $|u| - 1/2$ where $|u| \geq 1$
    (torch's ``huber_loss`` takes the linear branch at $|u| = \delta$; the two branches and their
    slopes meet there). Its derivative is :class:`~symgrad.core.activations.hardtanh`, $u$ clipped to $[-1, 1]$."""

    latex = r"\operatorname{huber}\left(%s\right)"

    @staticmethod
    def value(u, sign):
        branch = _decided(sign * u, 1)
        if branch is not None:
            return u ** 2 / 2 if branch < 0 else sign * u - sympy.S.Half

    def _eval_mpmath(self):
        return (lambda u: u ** 2 / 2 if abs(u) < 1 else abs(u) - mpmath.mpf(1) / 2), self.args

    def _eval_is_nonnegative(self):
        return self.args[0].is_extended_real


class variance_clamp(sympy.Function):
    r"""$\max(v, \epsilon)$ as ``nn.GaussianNLLLoss`` clamps the variance: without gradient (torch
    clamps a copy under ``no_grad``), so its derivative in $v$ is 1 even where the clamp is active
    (there torch's gradient, and symgrad's, is not the slope of the loss: central differences give
    0). ``eps`` is a number."""

    nargs = 2

    @classmethod
    def eval(cls, v, eps):
        sign = _decided(v, eps)
        if sign is not None:
            return v if sign >= 0 else eps

    def _latex(self, printer, exp=None):
        inner = r"\max\left(%s, %s\right)" % (printer._print(self.args[0]), printer._print(self.args[1]))
        return inner if exp is None else r"\left(%s\right)^{%s}" % (inner, exp)

    def _eval_mpmath(self):
        return (lambda v, eps: max(v, eps)), self.args

    def _eval_is_positive(self):
        return self.args[1].is_positive


def _numpy_huber(a):
    """Huber's function of ``a = |u|``, squaring at most 1 (no overflow in the branch not taken)."""
    return np.where(a < 1, 0.5 * np.square(np.minimum(a, 1.0)), a - 0.5)


def _torch_variance_clamp(torch, v, eps):
    """torch's own: a copy of ``v`` clamped in place under ``no_grad`` (the gradient passes unchanged)."""
    v = _tensor(torch, v).clone()
    with torch.no_grad():
        v.clamp_(min=float(eps))
    return v


register(Operation(
    clamp_min,
    derivative=lambda a, k: sympy.Heaviside(a.args[0], 1),  # [u >= 0]
    rule=r"\max(0, u)' = [u \geq 0] \quad \text{(torch's clamp\_min: 1 at 0)}",
    rule_name="clamp rule",
    numpy=lambda u: np.maximum(u, 0.0),
    torch=lambda torch, u: _tensor(torch, u).clamp_min(0),
))
register(Operation(
    unit_huber,
    derivative=lambda a, k: hardtanh(a.args[0]),
    rule=r"\operatorname{huber}'(u) = \operatorname{hardtanh}(u) = \operatorname{clip}(u, -1, 1)",
    rule_name="Huber rule",
    numpy=lambda u: _numpy_huber(np.abs(u)),
    torch=lambda torch, u: torch.nn.functional.huber_loss(
        _tensor(torch, u), torch.zeros_like(_tensor(torch, u)), reduction="none", delta=1.0),
    spellings=(r"\operatorname{huber}",),
))
register(Operation(
    variance_clamp,
    derivative=lambda a, k: sympy.S.One if k == 0 else sympy.S.Zero,
    rule=r"\max(v, \epsilon)' = 1 \quad \text{(torch clamps the variance without gradient)}",
    rule_name="variance clamp rule",
    numpy=lambda v, eps: np.maximum(v, eps),
    torch=_torch_variance_clamp,
    ordinary=lambda a: a.args[0],  # a student writes the variance
))


REDUCTIONS = ("mean", "sum", "none")  # torch's: "none" gives the per-sample losses as a tuple


def mse(prediction, target, reduction="mean"):
    r"""Mean squared error $\frac1N \sum_n (\hat y_n - y_n)^2$ (``nn.MSELoss``)."""
    return _elementwise("mse", _squared_error, reduction, ("prediction", prediction), ("target", target))


def sse(prediction, target):
    r"""Sum of squared errors $\sum_n (\hat y_n - y_n)^2$: ``mse``'s ``reduction="sum"``."""
    return _elementwise("sse", _squared_error, "sum", ("prediction", prediction), ("target", target))


def _squared_error(p, t):
    return (p - t) ** 2


def bce(probability, target, reduction="mean"):
    r"""Binary cross-entropy $-\frac1N \sum_n [y_n \log p_n + (1-y_n)\log(1-p_n)]$ (``nn.BCELoss``).

    As torch's, each log is clamped below at -100 (:class:`clamped_log`): where $p$ is 0 or 1 the
    loss is 100 per unit of target, not infinite, and that log's derivative is 0 (so at
    $p = \sigma(\pm 1000)$ the gradient is torch's, 0, not NaN). Where the clamp is inactive it is
    the exact log. Torch's backward divides by $\max(p(1-p), 10^{-12})$ rather than $p(1-p)$, so
    where $p(1-p) < 10^{-12}$ its gradient is not quite the derivative of its loss; symgrad's is.
    """
    return _elementwise("bce", lambda p, t: -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p)), reduction,
                        ("prediction", probability), ("target", target))


def bce_with_logits(logit, target, reduction="mean"):
    r"""Binary cross-entropy of $\sigma(z)$, stably: $\operatorname{softplus}(z) - y z$ (``nn.BCEWithLogitsLoss``)."""
    return _elementwise("bce_with_logits", _bce_of_logit, reduction, ("prediction", logit), ("target", target))


def _bce_of_logit(z, t):
    return softplus(z) - t * z


def nll(log_probabilities, target, reduction="mean"):
    r"""Negative log-likelihood $-\frac1N \sum_n \log p_{n, y_n}$ (``nn.NLLLoss``).

    One sample: a sequence of class log-probabilities and a class index (from 0). Several samples:
    a sequence of such sequences and a sequence of class indices.
    """
    rows, targets = _classes(log_probabilities, target, "nll")
    return _reduce([-row[k] for row, k in zip(rows, targets)], reduction, "nll")


def cross_entropy(logits, target, reduction="mean"):
    r"""Cross-entropy of class scores: ``nll(log_softmax(z), y)`` (``nn.CrossEntropyLoss``)."""
    rows, targets = _classes(logits, target, "cross_entropy")
    return _reduce([-log_softmax(row)[k] for row, k in zip(rows, targets)], reduction, "cross_entropy")


def l1(prediction, target, reduction="mean"):
    r"""Mean absolute error $\frac1N \sum_n |\hat y_n - y_n|$ (``nn.L1Loss``). At $\hat y_n = y_n$
    its derivative is 0, torch's ``sign(0)`` (``Abs``, whose derivative is ``sign``)."""
    return _elementwise("l1", lambda p, t: sympy.Abs(p - t), reduction, ("prediction", prediction), ("target", target))


def huber(prediction, target, reduction="mean", delta=1.0):
    r"""Huber's loss of $r = \hat y - y$ (``nn.HuberLoss``): $r^2/2$ where $|r| < \delta$, else
    $\delta\,(|r| - \delta/2)$, written $\delta^2 \operatorname{huber}(r/\delta)$ with the
    $\delta = 1$ function :class:`unit_huber`. At $|r| = \delta$ torch takes the linear branch (its
    value and slope, $\pm\delta$, are the quadratic's there; its second derivative is 0)."""
    delta = _positive(delta, "huber", "delta")
    return _elementwise("huber", lambda p, t: delta ** 2 * unit_huber((p - t) / delta), reduction,
                        ("prediction", prediction), ("target", target))


def smooth_l1(prediction, target, reduction="mean", beta=1.0):
    r"""Smooth L1 loss of $r = \hat y - y$ (``nn.SmoothL1Loss``): $r^2/(2\beta)$ where $|r| < \beta$,
    else $|r| - \beta/2$: Huber's loss divided by $\beta$, $\beta \operatorname{huber}(r/\beta)$;
    :func:`l1` when $\beta = 0$, as torch. At $|r| = \beta$ torch takes the linear branch."""
    beta = exact(beta)
    if beta == 0:
        return l1(prediction, target, reduction)
    beta = _positive(beta, "smooth_l1", "beta")
    return _elementwise("smooth_l1", lambda p, t: beta * unit_huber((p - t) / beta), reduction,
                        ("prediction", prediction), ("target", target))


def hinge_embedding(prediction, target, reduction="mean", margin=1.0):
    r"""Hinge embedding loss (``nn.HingeEmbeddingLoss``): $x_n$ where $y_n = 1$, $\max(0, m - x_n)$
    where $y_n = -1$ (each target a number, 1 or -1). At the margin, $x_n = m$, its derivative is
    -1, as torch's ``clamp_min`` (:class:`clamp_min`), not relu's 0."""
    margin = exact(margin)
    return _elementwise("hinge_embedding", lambda x, y: x if _sign_target(y, "hinge_embedding") == 1
                        else clamp_min(margin - x), reduction, ("prediction", prediction), ("target", target))


hinge = hinge_embedding  # the and the course's short name


def margin_ranking(first, second, target, reduction="mean", margin=0.0):
    r"""Margin ranking loss $\max(0, -y_n (a_n - b_n) + m)$ (``nn.MarginRankingLoss``), $y_n = 1$ when
    $a_n$ should rank higher. Where the bracket is 0 its gradient passes, as torch's ``clamp_min``."""
    margin = exact(margin)
    return _elementwise("margin_ranking", lambda a, b, y: clamp_min(-y * (a - b) + margin), reduction,
                        ("first input", first), ("second input", second), ("target", target))


def kl_div(log_prediction, target, reduction="mean", log_target=False):
    r"""Kullback-Leibler divergence as ``nn.KLDivLoss``: the prediction is given as log-probabilities
    $\ell$; each element is $y\,(\log y - \ell)$, or $e^{y}(y - \ell)$ with ``log_target=True``
    (the target given as its log). A target of 0 contributes 0 (torch's ``xlogy``). The default,
    torch's, ``"mean"``, is the mean over every element; ``"batchmean"`` divides the sum by the
    number of samples, which is the divergence of the distributions; "none" gives each element's term
    (a tuple, of tuples for several samples). One sample: a sequence; several: a sequence of them."""
    rows, batched = _rows(log_prediction, "kl_div", "log-prediction")
    targets, _ = _rows(target, "kl_div", "target")
    _same_length("kl_div", "samples", rows, "targets", targets)
    terms = []
    for row, goal in zip(rows, targets):
        _same_length("kl_div", "log-predictions", row, "targets", goal)
        terms.append([sympy.exp(y) * (y - l) if log_target else _xlogx(y) - y * l for l, y in zip(row, goal)])
    if reduction == "none":
        return tuple(tuple(r) for r in terms) if batched else tuple(terms[0])
    # torch's batch size: the number of samples, or of elements of one sample given as a sequence
    return _reduce([t for r in terms for t in r], reduction, "kl_div", batch=len(rows) if batched else len(rows[0]))


def _xlogx(y):
    """$y \\log y$, 0 at $y = 0$ (torch's ``xlogy(y, y)``)."""
    return sympy.S.Zero if y == 0 else y * sympy.log(y)


def focal(logit, target, alpha=0.25, gamma=2, reduction="none"):
    r"""The focal loss of torchvision's ``ops.sigmoid_focal_loss`` (Lin et al., 2017): with
    $p = \sigma(z)$, $p_t = p\,y + (1 - p)(1 - y)$ and $\alpha_t = \alpha y + (1 - \alpha)(1 - y)$,
    $\alpha_t (1 - p_t)^\gamma \operatorname{bce\_with\_logits}(z, y)$; no $\alpha_t$ when
    $\alpha < 0$. The default reduction is torchvision's, ``"none"``: a tuple, one loss per sample."""
    alpha, gamma = exact(alpha), exact(gamma)

    def term(z, y):
        p = sigmoid(z)
        loss = _bce_of_logit(z, y) * (1 - (p * y + (1 - p) * (1 - y))) ** gamma
        return loss if alpha < 0 else (alpha * y + (1 - alpha) * (1 - y)) * loss

    return _elementwise("focal", term, reduction, ("prediction", logit), ("target", target))


def poisson_nll(prediction, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    r"""Poisson negative log-likelihood (``nn.PoissonNLLLoss``): $e^{x} - y\,x$ with the prediction
    given as a log-rate (``log_input=True``, torch's default), else $x - y \log(x + \epsilon)$.
    ``full=True`` adds Stirling's term $y \log y - y + \frac12 \log(2\pi y)$ where $y > 1$ (the
    targets must then be numbers)."""
    eps = exact(eps)

    def term(x, y):
        loss = sympy.exp(x) - y * x if log_input else x - y * sympy.log(x + eps)
        if not full:
            return loss
        if not y.is_number:
            raise SymgradError(f"poisson_nll: full=True needs numeric targets (Stirling's term is added where the "
                               f"target is above 1), got {y}")
        return loss + (y * sympy.log(y) - y + sympy.log(2 * sympy.pi * y) / 2 if y > 1 else 0)

    return _elementwise("poisson_nll", term, reduction, ("prediction", prediction), ("target", target))


def gaussian_nll(prediction, target, var, full=False, eps=1e-6, reduction="mean"):
    r"""Gaussian negative log-likelihood (``nn.GaussianNLLLoss``):
    $\frac12\left(\log v + (\hat y - y)^2 / v\right)$ with $v = \max(\sigma^2, \epsilon)$, the
    variance clamped as torch clamps it, without gradient (:class:`variance_clamp`); ``full=True``
    adds $\frac12 \log 2\pi$. ``var``: one variance for every sample or one per sample; a variance
    that is a negative number is an error, as in torch."""
    eps = exact(eps)
    variances = _scalars(var, "gaussian_nll variance")
    if not isinstance(var, (list, tuple, sympy.MatrixBase)):
        variances *= len(_scalars(prediction, "gaussian_nll prediction"))  # one variance for every sample
    for v in variances:
        if v.is_number and v.is_negative:
            raise ShapeError(f"gaussian_nll: the variance {v} is negative")
    constant = sympy.log(2 * sympy.pi) / 2 if full else 0
    return _elementwise(
        "gaussian_nll",
        lambda x, y, v: (sympy.log(variance_clamp(v, eps)) + (x - y) ** 2 / variance_clamp(v, eps)) / 2 + constant,
        reduction, ("prediction", prediction), ("target", target), ("variance", variances))


COSINE_EPSILON = sympy.Rational(1, 10 ** 12)  # torch adds it to each squared norm


def cosine_embedding(first, second, target, reduction="mean", margin=0.0):
    r"""Cosine embedding loss (``nn.CosineEmbeddingLoss``) of two vectors $a$, $b$ (one pair: two
    sequences; several: two sequences of them): $1 - \cos(a, b)$ where $y = 1$, $\max(0, \cos(a, b)
    - m)$ where $y = -1$ (each target a number, 1 or -1), with torch's
    $\cos(a, b) = a \cdot b / \sqrt{(\|a\|^2 + 10^{-12})(\|b\|^2 + 10^{-12})}$. Where the bracket is
    0 its gradient passes, as torch's ``clamp_min``."""
    margin = exact(margin)
    rows, batched = _rows(first, "cosine_embedding", "first input")
    others, _ = _rows(second, "cosine_embedding", "second input")
    targets = _scalars(target, "cosine_embedding target")
    _same_length("cosine_embedding", "first inputs", rows, "second inputs", others)
    _same_length("cosine_embedding", "pairs", rows, "targets", targets)
    terms = []
    for a, b, y in zip(rows, others, targets):
        _same_length("cosine_embedding", "entries in the first input", a, "in the second", b)
        squares = [sympy.Add(*[v ** 2 for v in u]) + COSINE_EPSILON for u in (a, b)]
        cosine = sympy.Add(*[u * v for u, v in zip(a, b)]) / sympy.sqrt(squares[0] * squares[1])
        terms.append(1 - cosine if _sign_target(y, "cosine_embedding") == 1 else clamp_min(cosine - margin))
    return _reduce(terms, reduction, "cosine_embedding")


def l1_penalty(parameters, weight):
    r"""The L1 regulariser $\lambda \sum_i |w_i|$, as a loss term to add; its derivative in $w_i$ is
    $\lambda \operatorname{sign}(w_i)$, 0 at $w_i = 0$ as torch's ``abs``."""
    return _penalty(parameters, exact(weight), sympy.Abs, "l1_penalty")


def l2_penalty(parameters, weight):
    r"""Weight decay as a loss term: $\frac{\lambda}{2} \sum_i w_i^2$, whose derivative in $w_i$ is
    $\lambda w_i$, what ``torch.optim.SGD(weight_decay=λ)`` adds to each gradient (so SGD on
    ``loss + l2_penalty(w, λ)`` is SGD on ``loss`` with that weight decay; not AdamW's decoupled
    decay)."""
    return _penalty(parameters, exact(weight) / 2, lambda w: w ** 2, "l2_penalty")


def _penalty(parameters, factor, term, what):
    total = sympy.Add(*[term(w) for w in _scalars(parameters, f"{what} parameter")])
    return sympy.Mul(factor, total, evaluate=False) if factor != 1 else total


def _reduce(terms, reduction, loss, batch=None):
    """torch's reduction of the per-sample losses ``terms``: ``"mean"`` their mean, written
    ``(1/N) * (sum)`` so that the mean stays visible (one term: itself); ``"sum"`` their sum;
    ``"none"`` the tuple of them; ``"batchmean"`` (where ``batch`` is given) the sum over ``batch``."""
    allowed = REDUCTIONS + (("batchmean",) if batch is not None else ())
    if reduction not in allowed:
        raise SymgradError(f"{loss}: unknown reduction {reduction!r}: choose from {', '.join(map(repr, allowed))}")
    if reduction == "none":
        return tuple(terms)
    count = {"mean": len(terms), "sum": 1, "batchmean": batch}[reduction]
    total = sympy.Add(*terms)
    return total if count == 1 else sympy.Mul(sympy.Rational(1, count), total, evaluate=False)


def _elementwise(loss, term, reduction, *named):
    """``term`` of each sample's values, reduced: ``named`` are ``(what, values)``, of one sample
    each or of the same number of samples."""
    columns = [_scalars(values, f"{loss} {what}") for what, values in named]
    for (what, _), column in zip(named[1:], columns[1:]):
        _same_length(loss, f"{named[0][0]}s", columns[0], f"{what}s", column)
    return _reduce([term(*values) for values in zip(*columns)], reduction, loss)


def _same_length(loss, what, first, other, second):
    if len(first) != len(second):
        raise ShapeError(f"{loss}: {len(first)} {what} but {len(second)} {other}")


def _positive(value, loss, name):
    value = exact(value)
    if not (value.is_number and value > 0):
        raise SymgradError(f"{loss}: {name} must be a positive number, got {value}")
    return value


def _sign_target(y, loss):
    if y not in (1, -1):
        raise ShapeError(f"{loss}: a target must be 1 or -1, got {y}")
    return y


def _scalars(values, what):
    if isinstance(values, sympy.MatrixBase):
        values = list(values)
    if isinstance(values, (list, tuple)):
        return [as_scalar(v, what) for v in values]
    return [as_scalar(values, what)]


def _rows(values, loss, what):
    """``(rows, batched)``: a sequence of scalars is one row, a sequence of sequences (or a matrix of
    several rows and columns) several."""
    if isinstance(values, sympy.MatrixBase):
        values = values.tolist() if values.shape[1] > 1 and values.shape[0] > 1 else list(values)
    if not isinstance(values, (list, tuple)):
        raise ShapeError(f"{loss}: the {what} must be a sequence, got {values!r}")
    batched = bool(values) and isinstance(values[0], (list, tuple, sympy.MatrixBase))
    rows = list(values) if batched else [values]
    return [_scalars(r, f"{loss} {what}") for r in rows], batched


def _classes(scores, target, loss):
    """Rows of class scores and their class indices, checked: one sample or a batch."""
    rows, batched = _rows(scores, loss, "score")
    targets = list(target) if batched and isinstance(target, (list, tuple)) else [target]
    if len(rows) != len(targets):
        raise ShapeError(f"{loss}: {len(rows)} samples but {len(targets)} targets")
    return rows, [_class_index(k, len(row), loss) for row, k in zip(rows, targets)]


def _class_index(k, n_classes, loss):
    try:
        index = operator.index(k) if not isinstance(k, bool) else None
    except TypeError:
        index = None
    if index is None or not 0 <= index < n_classes:
        raise ShapeError(f"{loss}: target {k!r} is not a class index from 0 to {n_classes - 1}")
    return index
