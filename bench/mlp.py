"""Milliseconds per training step of S2's MNIST network (784-128-64-10, ReLU, LogSoftmax + NLLLoss,
SGD lr 0.003) at batch 64 in float32: symgrad's matrix mode against torch eager (and torch.compile
when it works here), in one run, with 1 thread and with 2.

Each measurement runs in its own subprocess with OMP/OPENBLAS/MKL_NUM_THREADS set to the thread
count (and ``torch.set_num_threads``), so that one library's idle worker threads, which keep
spinning for a while, never take a core from the other. A step is forward, loss, backward and
the optimizer's update (symgrad's: ``symgrad.numeric.optimizers.SGD``); forward + backward alone is timed
too. The contenders take turns, in alternating order, ``REPEATS`` times; each subprocess reports
its fastest round (other processes on the machine only ever slow a round down), each ratio is the
median over repeats of symgrad's time over torch's in the same repeat, and the milliseconds shown
are the fastest over repeats.
"""

import sys

import common  # noqa: F401  (pins threads before NumPy loads; workers get their own count)

BATCH, SIZES, LR = 64, (784, 128, 64, 10), 0.003
THREADS = (1, 2)
REPEATS, ROUNDS, STEPS, WARMUP = 3, 15, 40, 30
BUDGET = 1.0  # seconds of rounds per subprocess at most (at least 3 rounds)
CONTENDERS = ("symgrad_step", "torch_eager_step", "torch_compile_step", "symgrad_fwd_bwd", "torch_eager_fwd_bwd")
RATIOS = {"ratio": ("symgrad_step", "torch_eager_step"),
          "fwd_bwd_ratio": ("symgrad_fwd_bwd", "torch_eager_fwd_bwd"),
          "compile_ratio": ("symgrad_step", "torch_compile_step")}


def main():
    return common.side_by_side(__doc__, __file__, worker, CONTENDERS, RATIOS, THREADS, REPEATS,
                               "ms per step, batch 64, float32")


def worker(threads, name):
    """Time one contender (:func:`common.time_worker`)."""
    import numpy as np

    rng = np.random.default_rng(0)
    batches = [(rng.uniform(-1, 1, (BATCH, SIZES[0])).astype(np.float32), rng.integers(0, SIZES[-1], BATCH))
               for _ in range(8)]
    make = _symgrad if name.startswith("symgrad") else _torch
    return common.time_worker(lambda: make(name, batches, threads), WARMUP, ROUNDS, STEPS, BUDGET)


def _symgrad(name, batches, threads):
    """symgrad's step; torch is not imported in this process."""
    from symgrad.matrix import Activation, Linear, Model, Network, Program

    network = Network([Linear(784, 128), Activation("relu"), Linear(128, 64), Activation("relu"), Linear(64, 10),
                       Activation("log_softmax")])
    program = Program(Model.initialised(network, seed=0, dtype="float32"), "nll")
    from symgrad.numeric.optimizers import SGD

    return common.symgrad_step(program, SGD(lr=LR), batches, update=name != "symgrad_fwd_bwd")


def _torch(name, batches, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                        nn.LogSoftmax(dim=1))
    criterion, optimizer = nn.NLLLoss(), torch.optim.SGD(net.parameters(), lr=LR)
    loss = torch.compile(lambda x, y: criterion(net(x), y)) if name == "torch_compile_step" else \
        (lambda x, y: criterion(net(x), y))
    step = common.torch_step(loss, optimizer, batches, update=name != "torch_eager_fwd_bwd")
    step()  # torch.compile compiles here, and fails here if it cannot
    return step


if __name__ == "__main__":
    sys.exit(main())
