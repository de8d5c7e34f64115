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


def log_softmax(i, *zs):
    """z_i - logsumexp(z), with the logits given as separate (broadcastable) arrays."""
    dtype = np.result_type(*zs, 0.0)
    return zs[i] - np.logaddexp.reduce(np.stack(np.broadcast_arrays(*zs)).astype(dtype, copy=False), axis=0)


def softmax(i, *zs):
    return np.exp(log_softmax(i, *zs))
