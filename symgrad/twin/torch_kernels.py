"""PyTorch kernels that expressions compiled for the torch twin call: the same functions as
:mod:`symgrad.numeric.kernels`, built from torch operations so that autograd differentiates them.

Only imported when torch code is generated, so torch stays an optional dependency.
"""

import torch

__all__ = ["sigmoid", "relu", "step", "softplus", "softmax", "log_softmax"]


def _tensor(z, like=None):
    if isinstance(z, torch.Tensor):
        return z
    dtype = like.dtype if isinstance(like, torch.Tensor) else torch.float64
    return torch.as_tensor(z, dtype=dtype)


def sigmoid(z):
    return torch.sigmoid(_tensor(z))


def relu(z):
    return torch.relu(_tensor(z))


def step(z):
    z = _tensor(z)
    return torch.heaviside(z, torch.zeros_like(z))


def softplus(z):
    """log(1+e^z) without torch's linear cut-off at z > 20, so that it is the same function as SymPy's."""
    z = _tensor(z)
    return torch.logaddexp(z, torch.zeros_like(z))


def _stack(zs):
    """The logits as one tensor whose last axis runs over the classes."""
    like = next((z for z in zs if isinstance(z, torch.Tensor)), None)
    return torch.stack(torch.broadcast_tensors(*[_tensor(z, like) for z in zs]), dim=-1)


def log_softmax(i, *zs):
    return torch.log_softmax(_stack(zs), dim=-1)[..., i]


def softmax(i, *zs):
    return torch.softmax(_stack(zs), dim=-1)[..., i]
