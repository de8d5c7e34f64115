"""Shared by the benchmarks: one thread per numeric library, and output as a table or one JSON object.

Import this module first, before NumPy or torch: the thread pins only take effect before they load.
"""

import argparse
import json
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_var, "1")


def arguments(description):
    """The command line every benchmark takes: ``--json`` for one JSON object instead of a table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="print one JSON object with the headline figures")
    return parser


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def print_json(obj):
    print(json.dumps(obj))


# -- side-by-side timing in subprocesses (bench/mlp.py, bench/cnn.py) -------------------------------

def measure(script, threads, contenders, ratios, repeats):
    """``{"ms": {contender: fastest ms}, "ratios": {...}, "notes": {...}}`` for one thread count: the
    contenders take turns, in alternating order, ``repeats`` times, each in its own subprocess of
    ``script --worker THREADS NAME``; each ratio (``{key: (mine, theirs)}``) is the median over repeats
    of the two times in the same repeat."""
    import statistics

    runs, notes = {name: [] for name in contenders}, {}
    for repeat in range(repeats):
        for name in contenders if repeat % 2 == 0 else reversed(contenders):
            result = _worker_result(script, threads, name)
            runs[name].append(result["ms"])
            if result.get("note"):
                notes[name] = result["note"]
    ms = {name: min(t) if None not in t else None for name, t in runs.items()}
    figures = {key: statistics.median(a / b for a, b in zip(runs[mine], runs[theirs]))
               if ms[mine] is not None and ms[theirs] is not None else None
               for key, (mine, theirs) in ratios.items()}
    return {"ms": ms, "ratios": figures, "notes": notes}


def _worker_result(script, threads, name):
    import subprocess
    import sys

    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS"):
        env[var] = str(threads)
    out = subprocess.run([sys.executable, script, "--worker", str(threads), name], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def time_worker(make_step, warmup, rounds, steps, budget):
    """Print one JSON line: the fastest round of ``steps`` calls of ``make_step()``'s step, in ms per
    call, after ``warmup`` calls (at least 3 rounds, then at most ``rounds`` within ``budget`` seconds);
    ``null`` and a note when the step cannot be made here."""
    import time

    try:
        step = make_step()
    except Exception as error:  # noqa: BLE001 - "does not work here" is a result, reported
        print_json({"ms": None, "note": f"{type(error).__name__}: {error}"[:300]})
        return 0
    for _ in range(warmup):
        step()
    times, began = [], time.perf_counter()
    while len(times) < rounds and (len(times) < 3 or time.perf_counter() - began < budget):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps * 1e3)
    print_json({"ms": min(times)})
    return 0


def cycle(items):
    while True:
        yield from items


def report(results, as_json, contenders, ratios, title):
    """The results of :func:`measure` by thread count as a table, or one JSON object with each ratio
    as ``{key}_1thread``, ``{key}_2threads``, ... and the milliseconds."""
    suffix = {n: "1thread" if n == 1 else f"{n}threads" for n in results}
    summary = {f"{key}_{suffix[n]}": results[n]["ratios"][key] for key in ratios for n in results}
    notes = {name: note for r in results.values() for name, note in r["notes"].items()}
    if as_json:
        print_json({**summary, **{f"ms_{suffix[n]}": results[n]["ms"] for n in results}, "notes": notes})
        return
    rows = [[name, *(_number(results[n]["ms"][name], 3) for n in results)] for name in contenders]
    rows += [[f"{key} (symgrad / torch)", *(_number(results[n]["ratios"][key], 2) for n in results)] for key in ratios]
    print_table([title, *(f"{n} thread(s)" for n in results)], rows)
    for name, note in notes.items():
        print(f"note: {name}: {note}")


def _number(value, digits):
    return "n/a" if value is None else f"{value:.{digits}f}"


def symgrad_step(program, optimizer, batches, update=True):
    """One symgrad training step on the next of ``batches``: forward and backward, then (``update``)
    the optimizer's step."""
    batch = cycle(batches)

    def step():
        program(*next(batch))
        if update:
            optimizer.step(program.parameters, program.gradients)

    return step


def torch_step(loss, optimizer, batches, update=True):
    """One torch training step on the next of ``batches`` (NumPy pairs, read as tensors once):
    ``loss(x, y).backward()``, then (``update``) the optimizer's step."""
    import torch

    batch = cycle([(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches])

    def step():
        x, y = next(batch)
        optimizer.zero_grad()
        loss(x, y).backward()
        if update:
            optimizer.step()

    return step


def side_by_side(doc, script, worker, contenders, ratios, threads, repeats, title):
    """A side-by-side benchmark's command line: with ``--worker THREADS NAME`` time one contender
    (``worker(threads, name)``), else :func:`measure` every thread count and :func:`report`."""
    parser = arguments(doc.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("THREADS", "CONTENDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(int(args.worker[0]), args.worker[1])
    report({n: measure(script, n, contenders, ratios, repeats) for n in threads}, args.json, contenders, ratios,
           title)
    return 0
