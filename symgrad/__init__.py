"""symgrad: the calculus of machine learning, exact, explained and verified.

Models and losses are SymPy expressions or graphs of named intermediates; symgrad derives their
exact derivatives by one symbolic reverse walk, evaluates them exactly or compiles them to NumPy.
"""

from .core.activations import log_softmax, relu, sigmoid, softmax, softplus, tanh
from .core.activations import (elu, gelu, gelu_tanh, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish,
                               normal_cdf, selu, silu, softsign)
from .answers import Question
from .core.backprop import backward
from .core.calculus import directional_derivative, gradient, hessian, jacobian, partial
from .explain.derivation import derive
from .core.errors import (CycleError, DerivationError, DirectionError, GraphError, NoDerivativeRuleError,
                          SettingError, ShapeError, SymgradError, UnknownVariableError)
from .core.graph import Graph
from .core.layers import linear
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
    "leaky_relu", "elu", "selu", "gelu", "gelu_tanh", "normal_cdf", "silu", "mish", "softsign", "hardtanh",
    "hardsigmoid", "hardswish", "logsigmoid",
    "mse", "sse", "bce", "bce_with_logits", "nll", "cross_entropy", "Question", "from_torch",
    "SymgradError", "UnknownVariableError", "ShapeError", "CycleError", "NoDerivativeRuleError",
    "DirectionError", "GraphError", "DerivationError", "SettingError",
]
