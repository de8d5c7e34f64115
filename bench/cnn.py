"""Milliseconds per training step of the issue's LeNet (Conv2d(1,6,5) -> ReLU -> MaxPool2d(2) ->
Conv2d(6,16,5) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256,120) -> ReLU -> Linear(120,84) -> ReLU ->
Linear(84,10), cross-entropy, SGD with momentum) at batch 64 on 1 x 28 x 28 images in float32: symgrad's
matrix mode (NumPy: im2col by sliding_window_view + tensordot) against torch eager (oneDNN's
convolutions), in one run, with 1 thread and with 2.

As bench/mlp.py: each measurement runs in its own subprocess with the thread count pinned
(OMP/OPENBLAS/MKL_NUM_THREADS and ``torch.set_num_threads``); the contenders take turns, in alternating
order, ``REPEATS`` times; each subprocess reports its fastest round, each ratio is the median over
repeats of symgrad's time over torch's in the same repeat. A step is forward, loss, backward and the
optimizer's update; forward + backward alone is timed too.
"""

import sys

import common  # noqa: F401  (pins threads before NumPy loads; workers get their own count)

BATCH, IMAGE, CLASSES = 64, (1, 28, 28), 10
OPTIONS = {"lr": 0.01, "momentum": 0.9}
THREADS = (1, 2)
REPEATS, ROUNDS, STEPS, WARMUP = 3, 10, 10, 5
BUDGET = 1.5  # seconds of rounds per subprocess at most (at least 3 rounds)
CONTENDERS = ("symgrad_step", "torch_eager_step", "symgrad_fwd_bwd", "torch_eager_fwd_bwd")
RATIOS = {"ratio": ("symgrad_step", "torch_eager_step"), "fwd_bwd_ratio": ("symgrad_fwd_bwd", "torch_eager_fwd_bwd")}


def main():
    return common.side_by_side(__doc__, __file__, worker, CONTENDERS, RATIOS, THREADS, REPEATS,
                               "ms per LeNet step, batch 64, float32")


def worker(threads, name):
    """Time one contender (:func:`common.time_worker`)."""
    import numpy as np

    rng = np.random.default_rng(0)
    batches = [(rng.uniform(-1, 1, (BATCH, *IMAGE)).astype(np.float32), rng.integers(0, CLASSES, BATCH))
               for _ in range(4)]
    make = _symgrad if name.startswith("symgrad") else _torch
    return common.time_worker(lambda: make(name, batches, threads), WARMUP, ROUNDS, STEPS, BUDGET)


def _symgrad(name, batches, threads):
    """symgrad's step; torch is not imported in this process."""
    from symgrad.matrix import Activation, Conv2d, Flatten, Linear, MaxPool2d, Model, Network, Program
    from symgrad.numeric.optimizers import make_optimizer

    network = Network([Conv2d(1, 6, 5), Activation("relu"), MaxPool2d(2), Conv2d(6, 16, 5), Activation("relu"),
                       MaxPool2d(2), Flatten(), Linear(256, 120), Activation("relu"), Linear(120, 84),
                       Activation("relu"), Linear(84, 10)], input_shape=IMAGE)
    program = Program(Model.initialised(network, seed=0, dtype="float32"), "cross_entropy")
    return common.symgrad_step(program, make_optimizer("SGD", OPTIONS), batches, update=name != "symgrad_fwd_bwd")


def _torch(name, batches, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                        nn.Linear(84, 10))
    criterion, optimizer = nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), **OPTIONS)
    return common.torch_step(lambda x, y: criterion(net(x), y), optimizer, batches,
                             update=name != "torch_eager_fwd_bwd")


if __name__ == "__main__":
    sys.exit(main())
