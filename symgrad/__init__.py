"""symgrad: the calculus of machine learning, exact, explained and verified.

Models and losses are SymPy expressions or graphs of named intermediates; symgrad derives their
exact derivatives by one symbolic reverse walk, evaluates them exactly or compiles them to NumPy.
"""

from .core.activations import log_softmax, relu, sigmoid, softmax, softplus, tanh
from .core.activations import (elu, gelu, gelu_tanh, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish,
                               normal_cdf, selu, silu, softsign)
from .answers import Question
from .core.backprop import backward
from .core.calculus import directional_derivative, gradient, hessian, hvp, jacobian, partial
from .explain.derivation import derive
from .core.errors import (CycleError, DerivationError, DirectionError, DomainError, GraphError,
                          NoDerivativeRuleError, SettingError, ShapeError, SymgradError, UnknownVariableError)
from .core.graph import Graph
from .core.layers import (attention, avg_pool1d, avg_pool2d, batch_norm, conv1d, conv2d, dropout, embedding,
                          layer_norm, linear, lstm, lstm_cell, max_pool1d, max_pool2d, rnn, rnn_cell)
from .numeric.loops import train
from .core.losses import bce, bce_with_logits, cross_entropy, mse, nll, sse
from .core.losses import (cosine_embedding, focal, gaussian_nll, hinge, hinge_embedding, huber, kl_div, l1, l1_penalty,
                          l2_penalty, margin_ranking, poisson_nll, smooth_l1)
from .matrix.torch_import import from_torch
from .core.numbers import exact
from .numeric.compilation import compile_gradient

__version__ = "0.1.0"

__all__ = [
    "partial", "gradient", "jacobian", "hessian", "directional_derivative",
    "Graph", "backward", "compile_gradient", "exact", "derive", "train",
    "sigmoid", "relu", "softplus", "tanh", "softmax", "log_softmax", "linear",
    "leaky_relu", "elu", "selu", "gelu", "gelu_tanh", "normal_cdf", "silu", "mish", "softsign", "hardtanh",
    "hardsigmoid", "hardswish", "logsigmoid",
    "mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy", "Question", "from_torch",
    "l1", "smooth_l1", "huber", "hinge_embedding", "hinge", "margin_ranking", "kl_div", "focal", "poisson_nll",
    "gaussian_nll", "cosine_embedding", "l1_penalty", "l2_penalty",
    "SymgradError", "UnknownVariableError", "ShapeError", "CycleError", "NoDerivativeRuleError",
    "DirectionError", "GraphError", "DerivationError",
    "DomainError", "hvp", "SettingError",
    "batch_norm", "layer_norm", "dropout", "attention", "conv1d", "conv2d", "max_pool1d", "max_pool2d",
    "avg_pool1d", "avg_pool2d", "embedding", "rnn_cell", "rnn", "lstm_cell", "lstm",
]
