"""Deriving the layers of a course at course sizes: ``symgrad.derive`` of each layer's loss at a
point, with every step checked, as a worksheet derives it.

Batch norm over a batch of 4 with 3 features (dL/dx_11, dL/dgamma_1), one head of attention over 3
tokens of dimension 4 (dL/dq_11, dL/dk_11, dL/dv_11), a 1-D convolution of an input of width 5 with a
kernel of 3 then max-pooling (every weight), and a 3-step tanh RNN (dL/dw_11, dL/du_11). Each loss is
the layer's outputs weighted by an upstream gradient; a last, heavier row derives attention's squared
error with respect to all 12 queries at once (the target of 2 s is for the others). It prints the seconds of each derivation (the
best of three, SymPy's cache cleared before each) and the target, 2 s.
"""

import time

import common  # noqa: F401  (pins threads before NumPy loads)
import sympy

import symgrad as sg

TARGET_S = 2.0


def grid(name, rows, cols):
    return [[sympy.Symbol(f"{name}_{i + 1}{j + 1}") for j in range(cols)] for i in range(rows)]


def weighted(graph, outputs, name="g"):
    """L = sum of the outputs times upstream gradients g (numbers at the point)."""
    flat = [o for row in outputs for o in (row if isinstance(row, list) else [row])]
    upstream = [sympy.Symbol(f"{name}_{k + 1}") for k in range(len(flat))]
    graph.define("L", sympy.Add(*[o * u for o, u in zip(flat, upstream)]))
    return upstream


def point(graph):
    """Small rationals, different for every leaf (the same for every run)."""
    return {s: sympy.Rational((7 * k) % 11 - 5, 4) or sympy.Rational(1, 3) for k, s in enumerate(graph.leaves())}


def batch_norm():
    g, x = sg.Graph(), grid("x", 4, 3)
    weighted(g, sg.batch_norm(x, graph=g))
    return g, [x[0][0], sympy.Symbol("gamma_1")]


def attention():
    g, q, k, v = sg.Graph(), grid("q", 3, 4), grid("k", 3, 4), grid("v", 3, 4)
    weighted(g, sg.attention(q, k, v, graph=g))
    return g, [q[0][0], k[0][0], v[0][0]]


def attention_all_queries():
    """The heavy case: squared error against targets, the gradient with respect to all 12 queries."""
    g, q, k, v = sg.Graph(), grid("q", 3, 4), grid("k", 3, 4), grid("v", 3, 4)
    o = [x for row in sg.attention(q, k, v, graph=g) for x in row]
    g.define("L", sympy.Add(*[(x - sympy.Symbol(f"t_{i + 1}")) ** 2 for i, x in enumerate(o)]))
    return g, [x for row in q for x in row]


def conv_pool():
    g, x, w = sg.Graph(), [sympy.Symbol(f"x_{i + 1}") for i in range(5)], [sympy.Symbol(f"w_{i + 1}") for i in range(3)]
    z = sg.conv1d(x, w, bias=[sympy.Symbol("b")], graph=g)
    weighted(g, sg.max_pool1d(z, 2, stride=1, graph=g))
    return g, w + [sympy.Symbol("b")]


def rnn():
    g, xs = sg.Graph(), grid("x", 3, 2)
    hs = sg.rnn(xs, hidden_size=2, graph=g)
    weighted(g, hs[-1])
    return g, [sympy.Symbol("w_11"), sympy.Symbol("u_11")]


LAYERS = {"batch norm 4x3": batch_norm, "attention 3x4": attention, "conv1d 5/3 + max pool": conv_pool,
          "rnn 3 steps": rnn, "attention 3x4, MSE, all 12 queries": attention_all_queries}


def seconds(build):
    best = float("inf")
    for _ in range(3):
        graph, wrt = build()
        at = point(graph)
        sympy.core.cache.clear_cache()
        start = time.perf_counter()
        sg.derive(graph, wrt, at=at)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    args = common.arguments(__doc__.splitlines()[0]).parse_args()
    result = {name: seconds(build) for name, build in LAYERS.items()}
    course = [s for name, s in result.items() if name != "attention 3x4, MSE, all 12 queries"]
    if args.json:
        common.print_json({"seconds": result, "target_s": TARGET_S, "course_sizes_under_target": max(course) < TARGET_S})
    else:
        common.print_table(["layer", "derive s", f"under {TARGET_S:g} s"],
                           [[name, f"{s:.3f}", "yes" if s < TARGET_S else "NO"] for name, s in result.items()])


if __name__ == "__main__":
    main()
