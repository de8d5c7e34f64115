"""symgrad: the calculus of machine learning, exact, explained and verified.

Models and losses are SymPy expressions or graphs of named intermediates; symgrad derives their
exact derivatives by one symbolic reverse walk, evaluates them exactly or compiles them to NumPy.
"""

from .core.activations import log_softmax, relu, sigmoid, softmax, softplus, tanh
from .answers import Question
from .core.backprop import backward
from .core.calculus import directional_derivative, gradient, hessian, jacobian, partial
from .explain.derivation import derive
from .core.errors import (CycleError, DerivationError, DirectionError, GraphError, NoDerivativeRuleError,
                          ShapeError, SymgradError, UnknownVariableError)
from .core.graph import Graph
from .core.layers import (attention, avg_pool1d, avg_pool2d, batch_norm, conv1d, conv2d, dropout, embedding,
                          layer_norm, linear, lstm, lstm_cell, max_pool1d, max_pool2d, rnn, rnn_cell)
from .numeric.loops import train
from .core.losses import bce, bce_with_logits, cross_entropy, mse, nll, sse
from .matrix.torch_import import from_torch
from .core.numbers import exact
from .numeric.compilation import compile_gradient

__version__ = "0.1.0"

__all__ = [
    "partial", "gradient", "jacobian", "hessian", "directional_derivative",
    "Graph", "backward", "compile_gradient", "exact", "derive", "train",
    "sigmoid", "relu", "softplus", "tanh", "softmax", "log_softmax", "linear",
    "mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy", "Question", "from_torch",
    "SymgradError", "UnknownVariableError", "ShapeError", "CycleError", "NoDerivativeRuleError",
    "DirectionError", "GraphError", "DerivationError",
    "batch_norm", "layer_norm", "dropout", "attention", "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "embedding", "rnn_cell", "rnn", "lstm_cell", "lstm",
]
