"""Per-update time of symgrad's compiled training loop against PyTorch eager with torch.optim,
measured side by side in one run, on S0 (per-sample SGD), S3, S4 and a 4-8-3 sigmoid MLP with
softmax cross-entropy in batches of 64.

symgrad's time is a whole ``symgrad.numeric.loops.train`` call (batches, gradient, SGD step, history of loss,
gradients and parameters) divided by its iterations; the model is resolved and compiled once, before
timing.
Torch's is the loop a tutorial writes (``zero_grad``, forward, ``backward``, ``step``, ``loss.item()``)
with nn.Linear layers where the seed uses them, in float64. Each side is timed several times,
interleaved (15 short runs each), and the fastest repeat is kept: other work on the machine only
slows a run down.
"""

import time

import common  # noqa: F401  (pins threads before NumPy and torch load)
import numpy as np
import sympy as sp
import torch

import symgrad as sg
from symgrad.numeric.loops import compile_objective, train
from symgrad.numeric.training import plan
from symgrad.worksheets.worksheet import Training

torch.set_num_threads(1)
REPEATS = 15
TARGETS = {"s0": 0.05, "s3": 0.05, "s4": 0.05, "mlp483": 1.0}


def s0():
    w, x, y = sp.symbols("w x y")
    training = Training(loss=(x * w - y) ** 2, parameters={w: 1.0}, data={x: [1, 2, 3], y: [2, 4, 6]},
                        options={"lr": 0.01}, epochs=500, batch_size=1)
    weight = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=0.01)
    xs, ys = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), torch.tensor([2.0, 4.0, 6.0], dtype=torch.float64)

    def torch_epochs(epochs):
        for _ in range(epochs):
            for i in range(3):
                optimizer.zero_grad()
                loss = (xs[i] * weight - ys[i]) ** 2
                loss.backward()
                optimizer.step()
                loss.item()
        return 3 * epochs
    return training, torch_epochs


def s3():
    w1, w2, w3, w4, w5, w6, x1, x2, y = sp.symbols("w1:7 x1 x2 y")
    loss = (y - (w5 * (w1 * x1 + w3 * x2) + w6 * (w2 * x1 + w4 * x2))) ** 2
    start = {w1: 1.0, w2: 0.5, w3: 0.5, w4: 0.7, w5: 1.0, w6: 2.0}
    training = Training(loss=loss, parameters=start, data={x1: [0.5], x2: [1.0], y: [0.8]},
                        options={"lr": 0.01}, epochs=1500, batch_size=1)
    hidden = torch.nn.Linear(2, 2, bias=False).double()
    output = torch.nn.Linear(2, 1, bias=False).double()
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[1.0, 0.5], [0.5, 0.7]], dtype=torch.float64))
        output.weight.copy_(torch.tensor([[1.0, 2.0]], dtype=torch.float64))
    optimizer = torch.optim.SGD([*hidden.parameters(), *output.parameters()], lr=0.01)
    criterion = torch.nn.MSELoss()
    inputs, target = torch.tensor([[0.5, 1.0]], dtype=torch.float64), torch.tensor([[0.8]], dtype=torch.float64)

    def torch_epochs(epochs):
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = criterion(output(hidden(inputs)), target)
            loss.backward()
            optimizer.step()
            loss.item()
        return epochs
    return training, torch_epochs


def s4():
    t0, t1, x, y = sp.symbols("theta0 theta1 x y")
    training = Training(loss=(t0 + t1 * x - y) ** 2 / 2, parameters={t0: 0, t1: 0},
                        data={x: [2, 3, 4, 5], y: [3, 4, 5, 6]}, options={"lr": 0.01}, epochs=1500)
    X = torch.tensor([[1, 2], [1, 3], [1, 4], [1, 5]], dtype=torch.float64)
    Y = torch.tensor([3, 4, 5, 6], dtype=torch.float64)
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([theta], lr=0.01)

    def torch_epochs(epochs):
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = ((X @ theta - Y) ** 2).sum() / (2 * len(Y))
            loss.backward()
            optimizer.step()
            loss.item()
        return epochs
    return training, torch_epochs


def mlp483(samples=512, batch=64):
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(samples, 4))
    labels = (inputs[:, 0] + inputs[:, 1] > 0).astype(int) + (inputs[:, 2] > 0.5).astype(int)
    xs, ys = sp.symbols("x1:5"), sp.symbols("y1:4")
    hidden = sg.linear(xs, out_features=8)
    scores = sg.linear([sg.sigmoid(z) for z in hidden], out_features=3, weight_name="v", bias_name="c")
    loss = -sp.Add(*[yk * lk for yk, lk in zip(ys, sg.log_softmax(list(scores)))])
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Sigmoid(), torch.nn.Linear(8, 3)).double()
    start = [p.detach().numpy().ravel() for p in net.parameters()]  # W1 (8x4), b1, W2 (3x8), b2: as symgrad's
    values = np.concatenate(start).tolist()
    data = {**{s: inputs[:, i].tolist() for i, s in enumerate(xs)},
            **{s: (labels == k).astype(float).tolist() for k, s in enumerate(ys)}}
    training = Training(loss=loss, parameters=dict(zip(hidden.parameters + scores.parameters, values)), data=data,
                        options={"lr": 0.1}, epochs=10, batch_size=batch)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    criterion = torch.nn.CrossEntropyLoss()
    tensor_inputs, tensor_labels = torch.from_numpy(inputs), torch.from_numpy(labels)

    def torch_epochs(epochs):
        for _ in range(epochs):
            for start in range(0, samples, batch):
                optimizer.zero_grad()
                loss = criterion(net(tensor_inputs[start:start + batch]), tensor_labels[start:start + batch])
                loss.backward()
                optimizer.step()
                loss.item()
        return epochs * (samples // batch)
    return training, torch_epochs


def per_update(run):
    start = time.perf_counter()
    iterations = run()
    return (time.perf_counter() - start) / iterations


def measure(build):
    training, torch_epochs = build()
    run_plan = plan(training)
    objective = compile_objective(run_plan)
    ours = lambda: train(run_plan, objective=objective, progress=False).iterations  # noqa: E731
    theirs = lambda: torch_epochs(training.epochs)  # noqa: E731
    ours(), theirs()  # warm up
    times = [(per_update(ours), per_update(theirs)) for _ in range(REPEATS)]
    return min(t for t, _ in times), min(t for _, t in times), run_plan.iterations


def main():
    args = common.arguments(__doc__.splitlines()[0]).parse_args()
    result, rows = {}, []
    for name, build in (("s0", s0), ("s3", s3), ("s4", s4), ("mlp483", mlp483)):
        ours, theirs, iterations = measure(build)
        result[f"ratio_{name}"] = ours / theirs
        rows.append([name, iterations, f"{ours * 1e6:.2f}", f"{theirs * 1e6:.1f}", f"{ours / theirs:.3f}",
                     f"<= {TARGETS[name]}"])
    if args.json:
        common.print_json(result)
    else:
        common.print_table(["model", "iterations", "symgrad us/update", "torch us/update", "ratio", "target"], rows)


if __name__ == "__main__":
    main()
