"""NumPy kernels that compiled expressions call: the numerically stable forms of symgrad's functions.

Each takes scalars or arrays (a batch) and broadcasts; none overflows for large arguments.
"""

import numpy as np

__all__ = ["sigmoid", "relu", "step", "softplus", "softmax", "log_softmax"]


def sigmoid(z):
    """1/(1+e^{-z}) computed as e^{-softplus(-z)}: no overflow for any z."""
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    return np.maximum(z, 0.0)


def softplus(z):
    """log(1+e^z) as logaddexp(0, z)."""
    return np.logaddexp(0.0, z)


def step(z):
    """1 where z > 0, else 0: the derivative of relu."""
    return np.heaviside(z, 0.0)


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


def log_softmax(i, *zs):
    """z_i - logsumexp(z), with the logits given as separate (broadcastable) arrays."""
    return zs[i] - _logsumexp(zs)


def softmax(i, *zs):
    return np.exp(zs[i] - _logsumexp(zs))
