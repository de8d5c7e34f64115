"""Losses, as PyTorch defines them: each takes predictions and targets, one sample or several.

With several samples the loss is the mean over them (PyTorch's default ``reduction="mean"``),
written as ``(1/N) * (sum)`` so that the mean stays visible in print; ``sse`` is the plain sum.
``bce`` takes each log as ``nn.BCELoss`` does, clamped below at -100: :class:`clamped_log`, an
operation registered here with its facets, and its derivative's (:class:`clamped_log_slope`, which
simplification sees as :class:`log_unclamped` over ``x``).
"""

import operator

import mpmath
import numpy as np
import sympy

from .activations import _tensor, log_softmax, softplus
from .errors import ShapeError
from .operations import Operation, register
from .variables import as_scalar

__all__ = ["mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy", "clamped_log", "clamped_log_slope",
           "log_unclamped", "LOG_FLOOR"]

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


class clamped_log(_OfTheClamp):
    r"""torch's log as ``nn.BCELoss`` takes it: $\max(\log x, -100)$. Of a number it is ``log(x)``
    exactly, or -100 where that is below; its derivative is :class:`clamped_log_slope`."""

    latex = r"\max\left(%(log)s, -100\right)"

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

    @staticmethod
    def value(x, unclamped):
        return 1 / x if unclamped else sympy.S.Zero

    def _eval_mpmath(self):
        return (lambda x: 1 / x if x >= mpmath.exp(LOG_FLOOR) else mpmath.mpf(0)), self.args


class log_unclamped(_OfTheClamp):
    r"""$[\log x \geq -100]$: 1 where :class:`clamped_log` is the log, 0 where it is clamped. It is
    what simplification sees the slope as, times $1/x$ (so that $p\,(1-p)$ cancels through it)."""

    latex = r"\left[%(log)s \geq -100\right]"

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


def mse(prediction, target):
    r"""Mean squared error $\frac1N \sum_n (\hat y_n - y_n)^2$ (``nn.MSELoss``)."""
    return _mean(_pairs(prediction, target, "mse"), lambda p, t: (p - t) ** 2)


def sse(prediction, target):
    r"""Sum of squared errors $\sum_n (\hat y_n - y_n)^2$ (``nn.MSELoss(reduction="sum")``)."""
    return sympy.Add(*[(p - t) ** 2 for p, t in _pairs(prediction, target, "sse")])


def bce(probability, target):
    r"""Binary cross-entropy $-\frac1N \sum_n [y_n \log p_n + (1-y_n)\log(1-p_n)]$ (``nn.BCELoss``).

    As torch's, each log is clamped below at -100 (:class:`clamped_log`): where $p$ is 0 or 1 the
    loss is 100 per unit of target, not infinite, and that log's derivative is 0 (so at
    $p = \sigma(\pm 1000)$ the gradient is torch's, 0, not NaN). Where the clamp is inactive it is
    the exact log. Torch's backward divides by $\max(p(1-p), 10^{-12})$ rather than $p(1-p)$, so
    where $p(1-p) < 10^{-12}$ its gradient is not quite the derivative of its loss; symgrad's is.
    """
    return _mean(_pairs(probability, target, "bce"),
                 lambda p, t: -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p)))


def bce_with_logits(logit, target):
    r"""Binary cross-entropy of $\sigma(z)$, stably: $\operatorname{softplus}(z) - y z$ (``nn.BCEWithLogitsLoss``)."""
    return _mean(_pairs(logit, target, "bce_with_logits"), lambda z, t: softplus(z) - t * z)


def nll(log_probabilities, target):
    r"""Negative log-likelihood $-\frac1N \sum_n \log p_{n, y_n}$ (``nn.NLLLoss``).

    One sample: a sequence of class log-probabilities and a class index (from 0). Several samples:
    a sequence of such sequences and a sequence of class indices.
    """
    rows, targets = _classes(log_probabilities, target, "nll")
    return _mean(list(zip(rows, targets)), lambda row, k: -row[k])


def cross_entropy(logits, target):
    r"""Cross-entropy of class scores: ``nll(log_softmax(z), y)`` (``nn.CrossEntropyLoss``)."""
    rows, targets = _classes(logits, target, "cross_entropy")
    return nll([log_softmax(r) for r in rows], targets)


def _mean(pairs, term):
    terms = [term(a, b) for a, b in pairs]
    if len(terms) == 1:
        return terms[0]
    return sympy.Mul(sympy.Rational(1, len(terms)), sympy.Add(*terms), evaluate=False)


def _scalars(values, what):
    if isinstance(values, sympy.MatrixBase):
        values = list(values)
    if isinstance(values, (list, tuple)):
        return [as_scalar(v, what) for v in values]
    return [as_scalar(values, what)]


def _pairs(prediction, target, loss):
    ps, ts = _scalars(prediction, f"{loss} prediction"), _scalars(target, f"{loss} target")
    if len(ps) != len(ts):
        raise ShapeError(f"{loss}: {len(ps)} predictions but {len(ts)} targets")
    return list(zip(ps, ts))


def _classes(scores, target, loss):
    """Rows of class scores and their class indices, checked: one sample or a batch."""
    if isinstance(scores, sympy.MatrixBase):
        scores = scores.tolist() if scores.shape[1] > 1 and scores.shape[0] > 1 else list(scores)
    scores = list(scores)
    batched = bool(scores) and isinstance(scores[0], (list, tuple, sympy.MatrixBase))
    rows = [list(r) for r in scores] if batched else [scores]
    targets = list(target) if batched and isinstance(target, (list, tuple)) else [target]
    if len(rows) != len(targets):
        raise ShapeError(f"{loss}: {len(rows)} samples but {len(targets)} targets")
    indices = [_class_index(k, len(row), loss) for row, k in zip(rows, targets)]
    return [_scalars(r, f"{loss} score") for r in rows], indices


def _class_index(k, n_classes, loss):
    try:
        index = operator.index(k) if not isinstance(k, bool) else None
    except TypeError:
        index = None
    if index is None or not 0 <= index < n_classes:
        raise ShapeError(f"{loss}: target {k!r} is not a class index from 0 to {n_classes - 1}")
    return index
