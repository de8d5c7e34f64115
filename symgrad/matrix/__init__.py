"""Matrix mode: networks whose weights are matrices, derived layer by layer in matrix form.

A model is a graph of shaped nodes (:mod:`.graph`); one table of rules (:mod:`.rules`) gives each
operation's forward and backward maps; :func:`derive` walks the graph back from the loss into a
:class:`MatrixDerivation` (steps as data), which runs in NumPy (:class:`Program`, float32 or
float64, in place) or exactly with SymPy matrices (:mod:`.exact`), to be checked entry by entry
against scalar mode.
"""

from .derivation import BackwardStep, MatrixDerivation, derive
from .evaluation import Evaluation, evaluate
from . import graph
from .graph import activation, bce_with_logits, classes, cross_entropy, data, linear, mse, nll, parameter, targets
from .graph import batch_norm, layer_norm
from .graph import avg_pool2d, conv2d, flatten, images, max_pool2d
from .graph import batch_norm2d
from .network import Activation, BatchNorm1d, Dropout, LayerNorm, Linear, Model, Network
from .network import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .network import BatchNorm2d
from .graph import embedding, mix, scores, tokens
from .network import Embedding, SelfAttention
from .program import Program, TorchMasks
from .rules import RULES

__all__ = ["derive", "MatrixDerivation", "BackwardStep", "evaluate", "Evaluation", "RULES",
           "data", "classes", "targets", "parameter", "linear", "activation", "mse", "nll", "cross_entropy",
           "bce_with_logits",
           "Linear", "Activation", "Network", "Model", "Program",
           "Dropout", "TorchMasks", "batch_norm", "layer_norm", "BatchNorm1d", "LayerNorm",
           "images", "conv2d", "max_pool2d", "avg_pool2d", "flatten", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten",
           "batch_norm2d", "BatchNorm2d",
           "tokens", "embedding", "scores", "mix", "Embedding", "SelfAttention"]


def __getattr__(kind):
    """The builder of a registered activation by its name (``symgrad.matrix.relu``), from :mod:`.graph`."""
    return getattr(graph, kind)
