"""Deriving and compiling the full gradient of a 4-h-1 sigmoid MLP with MSE: symgrad's graph walk
against ``sympy.diff`` of the expanded loss, parameter by parameter, measured side by side.

For each h it prints the seconds each route takes (derive + compile to NumPy) and the size of
what each route derives (operation count): for the walk, its straight-line program as compiled;
for the expanded route, the per-parameter derivatives as ``sympy.diff`` returns them, and after
SymPy's ``cse``. SymPy's cache is cleared before each route, so neither reuses the other's work.
"""

import time

import common  # noqa: F401  (pins threads before NumPy loads)
import sympy

import symgrad as sg
from symgrad.numeric.codegen import compile_expressions

HIDDEN = (2, 4, 8, 16, 32, 64, 128)


def mlp(h):
    xs, y = sympy.symbols("x1:5"), sympy.Symbol("y")
    hidden = sg.linear(xs, out_features=h)
    out = sg.linear([sg.sigmoid(z) for z in hidden], out_features=1, weight_name="v", bias_name="c")
    return sg.mse(out[0], y), list(hidden.parameters) + list(out.parameters), list(xs) + [y]


def walk_route(loss, params, data):
    sympy.core.cache.clear_cache()
    start = time.perf_counter()
    walk = sg.backward(sg.Graph.from_expression(loss), params)
    sg.compile_gradient(walk, params + data)
    seconds = time.perf_counter() - start
    program, _ = walk.program()
    return seconds, int(sympy.count_ops([e for _, e in program]))


def expanded_route(loss, params, data):
    sympy.core.cache.clear_cache()
    start = time.perf_counter()
    derivatives = [sympy.diff(loss, p) for p in params]
    compile_expressions(params + data, [loss, *derivatives], "numpy")  # lambdify with cse=True
    seconds = time.perf_counter() - start
    replacements, reduced = sympy.cse(derivatives)
    after_cse = sympy.count_ops([e for _, e in replacements]) + sympy.count_ops(reduced)
    return seconds, int(sympy.count_ops(derivatives)), int(after_cse)


def main():
    args = common.arguments(__doc__.splitlines()[0]).parse_args()
    rows, result = [], {"h": [], "walk_s": [], "expanded_s": [], "ops_walk": [], "ops_expanded": [],
                        "ops_expanded_cse": []}
    walk_route(*mlp(2)), expanded_route(*mlp(2))  # warm up: imports and first-call costs
    for h in HIDDEN:
        loss, params, data = mlp(h)
        walk_s, ops_walk = walk_route(loss, params, data)
        expanded_s, ops_expanded, ops_cse = expanded_route(loss, params, data)
        for key, value in zip(result, (h, walk_s, expanded_s, ops_walk, ops_expanded, ops_cse)):
            result[key].append(value)
        rows.append([h, f"{walk_s:.3f}", f"{expanded_s:.3f}", f"{expanded_s / walk_s:.1f}x",
                     ops_walk, ops_expanded, ops_cse])
    result["ratio_h128"] = result["expanded_s"][-1] / result["walk_s"][-1]
    if args.json:
        common.print_json(result)
    else:
        common.print_table(["h", "walk s", "expanded s", "walk faster by", "ops walk", "ops expanded",
                            "ops expanded+cse"], rows)


if __name__ == "__main__":
    main()
