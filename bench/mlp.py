"""Milliseconds per training step of S2's MNIST network (784-128-64-10, ReLU, LogSoftmax + NLLLoss,
SGD lr 0.003) at batch 64 in float32: symgrad's matrix mode against torch eager (and torch.compile
when it works here), measured side by side in one process, with 1 thread and with 2.

Each thread count runs in its own subprocess with OMP/OPENBLAS/MKL_NUM_THREADS set and
``torch.set_num_threads``, so NumPy's BLAS and torch use exactly that many threads. A step is
forward, loss, backward and the optimizer's update; symgrad's optimizer is ``symgrad.optimizers``'
SGD (issue 4). Without it the step ratios are null and only forward + backward is compared.
Short rounds of the contenders alternate; the milliseconds reported are each contender's median
round, and each ratio is the median over rounds of the ratio of two adjacent rounds (so that load
from other processes, which comes and goes, falls on both sides of a ratio alike).
"""

import argparse
import json
import os
import subprocess
import sys

import common  # noqa: F401  (pins threads before NumPy loads; workers override the pins)

BATCH, SIZES, LR = 64, (784, 128, 64, 10), 0.003
THREADS = (1, 2)
ROUNDS, STEPS, WARMUP = 31, 40, 30


def main():
    parser = common.arguments(__doc__.splitlines()[0])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    results = {n: measure(n) for n in THREADS}
    report(results, args.json)


def measure(threads):
    """Run this script as a worker with ``threads`` threads; its last line is a JSON object."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS"):
        env[var] = str(threads)
    out = subprocess.run([sys.executable, __file__, "--worker", str(threads)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def worker(threads):
    import statistics
    import time

    import numpy as np
    import torch

    torch.set_num_threads(threads)
    contenders = _contenders(np, torch)
    for fn in contenders.values():
        if fn is not None:
            for _ in range(WARMUP):
                fn()
    rounds = {name: [] for name, fn in contenders.items() if fn is not None}
    for _ in range(ROUNDS):
        for name in rounds:
            fn = contenders[name]
            start = time.perf_counter()
            for _ in range(STEPS):
                fn()
            rounds[name].append((time.perf_counter() - start) / STEPS * 1e3)
    medians = {name: statistics.median(times) for name, times in rounds.items()}
    medians.update({name: None for name, fn in contenders.items() if fn is None})
    ratios = {key: statistics.median(a / b for a, b in zip(rounds[mine], rounds[theirs]))
              if mine in rounds and theirs in rounds else None for key, (mine, theirs) in RATIOS.items()}
    common.print_json({"threads": threads, "ms": medians, "ratios": ratios, "notes": _NOTES})


RATIOS = {"ratio": ("symgrad_step", "torch_eager_step"), "fwd_bwd_ratio": ("symgrad_fwd_bwd", "torch_eager_fwd_bwd"),
          "compile_ratio": ("symgrad_step", "torch_compile_step")}


_NOTES = {}


def _contenders(np, torch):
    from symgrad.matrix.torch_import import from_torch
    from symgrad.matrix import Program

    rng = np.random.default_rng(0)
    batches = [(rng.uniform(-1, 1, (BATCH, SIZES[0])).astype(np.float32), rng.integers(0, 10, BATCH))
               for _ in range(8)]
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                        nn.LogSoftmax(dim=1))
    program = Program(from_torch(net), "nll")
    try:
        from symgrad.optimizers import SGD
        optimizer = SGD(lr=LR)
    except ImportError:
        optimizer = None
        _NOTES["symgrad_step"] = "symgrad.optimizers is not available (issue 4): no full step measured"
    cycle = _cycler(batches)
    torch_batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]
    torch_cycle = _cycler(torch_batches)

    def symgrad_fwd_bwd():
        program(*next(cycle))

    def symgrad_step():
        program(*next(cycle))
        optimizer.step(program.parameters, program.gradients)

    criterion = nn.NLLLoss()
    torch_opt = torch.optim.SGD(net.parameters(), lr=LR)

    def torch_fwd_bwd():
        x, y = next(torch_cycle)
        net.zero_grad()
        criterion(net(x), y).backward()

    def torch_step():
        x, y = next(torch_cycle)
        torch_opt.zero_grad()
        criterion(net(x), y).backward()
        torch_opt.step()

    return {"symgrad_step": symgrad_step if optimizer else None, "torch_eager_step": torch_step,
            "torch_compile_step": _compiled_step(torch, net, criterion, torch_cycle),
            "symgrad_fwd_bwd": symgrad_fwd_bwd, "torch_eager_fwd_bwd": torch_fwd_bwd}


def _compiled_step(torch, net, criterion, torch_cycle):
    """torch.compile of the forward and loss (backward through AOTAutograd), or None with the reason."""
    import copy

    model = copy.deepcopy(net)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    try:
        compiled = torch.compile(lambda x, y: criterion(model(x), y))

        def step():
            x, y = next(torch_cycle)
            opt.zero_grad()
            compiled(x, y).backward()
            opt.step()

        step()
        return step
    except Exception as error:  # noqa: BLE001 - any failure means "does not work here", reported
        _NOTES["torch_compile_step"] = f"torch.compile does not work here: {type(error).__name__}: {error}"[:300]
        return None


def _cycler(items):
    while True:
        yield from items


def report(results, as_json):
    summary = {}
    for n, r in results.items():
        suffix = "1thread" if n == 1 else f"{n}threads"
        summary.update({f"{key}_{suffix}": r["ratios"][key] for key in RATIOS})
        summary[f"ms_{suffix}"] = r["ms"]
    notes = {k: v for r in results.values() for k, v in r["notes"].items()}
    if as_json:
        common.print_json({**summary, "notes": notes})
        return
    names = list(next(iter(results.values()))["ms"])
    rows = [[name, *(_ms(results[n]["ms"][name]) for n in THREADS)] for name in names]
    rows += [[f"{key} (symgrad / torch)", *(_ratio(results[n]["ratios"][key]) for n in THREADS)] for key in RATIOS]
    common.print_table(["ms per step, batch 64, float32", *(f"{n} thread(s)" for n in THREADS)], rows)
    for key, note in notes.items():
        print(f"note: {key}: {note}")


def _ms(value):
    return "n/a" if value is None else f"{value:.3f}"


def _ratio(value):
    return "n/a" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
