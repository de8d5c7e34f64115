"""Losses, as PyTorch defines them: each takes predictions and targets, one sample or several.

With several samples the loss is the mean over them (PyTorch's default ``reduction="mean"``),
written as ``(1/N) * (sum)`` so that the mean stays visible in print; ``sse`` is the plain sum.
"""

import operator

import sympy

from .activations import log_softmax, softplus
from .errors import ShapeError
from .variables import as_scalar

__all__ = ["mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy"]


def mse(prediction, target):
    r"""Mean squared error $\frac1N \sum_n (\hat y_n - y_n)^2$ (``nn.MSELoss``)."""
    return _mean(_pairs(prediction, target, "mse"), lambda p, t: (p - t) ** 2)


def sse(prediction, target):
    r"""Sum of squared errors $\sum_n (\hat y_n - y_n)^2$ (``nn.MSELoss(reduction="sum")``)."""
    return sympy.Add(*[(p - t) ** 2 for p, t in _pairs(prediction, target, "sse")])


def bce(probability, target):
    r"""Binary cross-entropy $-\frac1N \sum_n [y_n \log p_n + (1-y_n)\log(1-p_n)]$ (``nn.BCELoss``)."""
    return _mean(_pairs(probability, target, "bce"),
                 lambda p, t: -(t * sympy.log(p) + (1 - t) * sympy.log(1 - p)))


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
