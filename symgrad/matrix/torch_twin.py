"""A matrix-mode training run next to torch's: the same network (:func:`~.torch_import.to_torch`),
the same initial parameters and batches, ``torch.optim``'s optimizer; compared step by step.

Each run is kept as a :class:`Trace`: the loss of every step, the gradients of the last step, and
the parameters after each epoch (not after each step: S2's network has 109,386 of them). A
difference is measured per array (:func:`symgrad.twin.comparison.difference`), relative to the
array's largest torch value (a weight matrix as a whole, since single weights cross zero), and the
largest over the arrays is reported.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..numeric.training import DataOrder
from ..numeric.optimizers import make_optimizer
from ..twin.comparison import TOLERANCES, Comparison, difference
from .torch_import import to_torch
from .loop import fit

__all__ = ["Trace", "symgrad_trace", "torch_trace", "verify_training", "TORCH_LOSSES", "TORCH_ENTRY_LOSSES",
           "torch_criterion"]

TORCH_LOSSES = {"nll": "NLLLoss", "cross_entropy": "CrossEntropyLoss"}  # torch.nn's class of each class loss
# torch.nn's class of each loss of numeric targets (matrix/graph.py LOSSES), which takes the node's settings
TORCH_ENTRY_LOSSES = {"mse": "MSELoss", "bce_with_logits": "BCEWithLogitsLoss", "l1": "L1Loss",
                      "smooth_l1": "SmoothL1Loss", "huber": "HuberLoss", "kl_div": "KLDivLoss",
                      "poisson_nll": "PoissonNLLLoss", "bce": "BCELoss", "hinge_embedding": "HingeEmbeddingLoss"}


def torch_criterion(loss):
    """torch's ``nn`` loss module of a matrix loss node, with its reduction and settings
    (``nn.HuberLoss(reduction="sum", delta=2.0)``)."""
    import torch

    name = {**TORCH_LOSSES, **TORCH_ENTRY_LOSSES}[loss.op]
    return getattr(torch.nn, name)(**dict(loss.options))


@dataclass(frozen=True)
class Trace:
    """One run as it is compared: ``losses`` per step, ``gradients`` of the last step and
    ``parameters`` after each epoch (lists of arrays in the model's order)."""

    losses: np.ndarray
    gradients: list
    parameters: list


def symgrad_trace(spec, dtype, epochs):
    """``spec`` (a :class:`~.training.MatrixTraining`) run by symgrad for ``epochs`` epochs."""
    train, _ = spec.datasets()
    program = spec.program(dtype)
    per_epoch, snapshots = DataOrder(len(train), spec.batch_size).batches_per_epoch, []

    def keep(step, loss):
        if step % per_epoch == 0:
            snapshots.append([p.copy() for p in program.parameters])

    history = fit(program, train, make_optimizer(spec.optimizer, dict(spec.options)), epochs=epochs,
                  batch_size=spec.batch_size, shuffle=spec.shuffle, seed=spec.seed, progress=False, on_step=keep)
    return Trace(np.array(history.step_losses), [g.copy() for g in program.gradients], snapshots)


def torch_trace(spec, dtype, epochs):
    """``spec`` run by torch: ``nn.Sequential``, torch's loss and ``torch.optim``, over the same batches."""
    import torch

    train, _ = spec.datasets()
    net = to_torch(spec.model(dtype))
    criterion = getattr(torch.nn, TORCH_LOSSES[spec.loss])(reduction=spec.reduction)
    optimizer = getattr(torch.optim, make_optimizer(spec.optimizer).name)(net.parameters(), **spec.options)
    torch.manual_seed(spec.seed)  # the dropouts' masks: symgrad's program draws them from this seed too
    inputs, classes = torch.from_numpy(np.asarray(train.inputs, dtype=dtype)), torch.from_numpy(train.classes)
    losses, snapshots = [], []
    for batches in DataOrder(len(train), spec.batch_size, spec.shuffle, spec.seed).epochs(epochs):
        for indices in batches:
            index = torch.from_numpy(indices)
            optimizer.zero_grad()
            loss = criterion(net(inputs[index]), classes[index])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        snapshots.append([p.detach().numpy().copy() for p in net.parameters()])
    return Trace(np.array(losses), [p.grad.numpy().copy() for p in net.parameters()], snapshots)


def verify_training(spec, worksheet, modes=("float64", "float32"), iterations=None):
    """:class:`~symgrad.twin.comparison.Comparison` s of symgrad's run of ``spec`` with torch's in each mode, over whole epochs (at most
    about ``iterations`` steps when given)."""
    epochs = spec.epochs
    if iterations is not None:
        per_epoch = DataOrder(len(spec.datasets()[0]), spec.batch_size).batches_per_epoch
        epochs = min(epochs, max(1, math.ceil(iterations / per_epoch)))
    rows = []
    for mode in modes:
        ours, theirs = symgrad_trace(spec, mode, epochs), torch_trace(spec, mode, epochs)
        for quantity, mine, reference in (("loss", [ours.losses], [theirs.losses]),
                                          ("gradients (last step)", ours.gradients, theirs.gradients),
                                          ("parameters (each epoch)", sum(ours.parameters, []),
                                           sum(theirs.parameters, []))):
            rows.append(Comparison(worksheet, f"matrix {mode} {quantity}", *difference(mine, reference),
                                   TOLERANCES[f"matrix run {mode}"].rtol))
    return rows

