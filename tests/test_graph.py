import pytest
import sympy as sp

import symgrad as sg
from symgrad import CycleError, GraphError, ShapeError

x, y, w, b, a, c = sp.symbols("x y w b a c")


def test_nodes_are_symbols_that_compose_as_sympy():
    g = sg.Graph()
    z = g.define("z", w * x + b)
    p = g.define("p", sg.sigmoid(z))
    loss = g.define("L", (y - p) ** 2)
    assert isinstance(z, sp.Symbol) and z.name == "z"
    assert g.nodes == (z, p, loss)
    assert g.output == loss
    assert g.leaves() == (b, w, x, y)
    assert g.parents(loss) == (p, y)
    assert g.expand() == (y - sg.sigmoid(w * x + b)) ** 2


def test_nodes_may_be_defined_before_the_nodes_they_use():
    g = sg.Graph()
    h = sp.Symbol("h")
    out = g.define("out", 2 * h)
    g.define("h", x + 1)
    assert g.nodes.index(h) < g.nodes.index(out)
    assert g.with_output(out).expand() == 2 * x + 2


def test_definitions_keep_decimals_exact_and_read_max_as_relu():
    g = sg.Graph()
    n = g.define("n", 0.958 * x + sp.Max(0, w))
    assert g.definition(n) == sp.Rational(479, 500) * x + sg.relu(w)


@pytest.mark.parametrize("expr, nodes", [
    (x ** 2 + y ** 2, ["L = x**2 + y**2"]),
    ((y - sg.sigmoid(w * x + b)) ** 2, ["z1 = b + w*x", "a1 = sigmoid(z1)", "z2 = -a1 + y", "L = z2**2"]),
    (sg.sigmoid(sg.sigmoid(x)), ["a1 = sigmoid(x)", "a2 = sigmoid(a1)", "L = a2"]),
    (sp.exp(w * x) + sp.exp(w * x), ["z1 = w*x", "a1 = exp(z1)", "L = 2*a1"]),
])
def test_a_plain_expression_is_split_at_function_applications(expr, nodes):
    g = sg.Graph.from_expression(expr)
    assert [f"{n} = {g.definition(n)}" for n in g.nodes] == nodes
    assert sp.simplify(g.expand() - expr) == 0


def test_split_names_avoid_the_expressions_own_symbols():
    z1, a1 = sp.symbols("z1 a1")
    g = sg.Graph.from_expression(sg.sigmoid(z1 * a1 + 1))
    assert [n.name for n in g.nodes] == ["z2", "a2", "L"]


@pytest.mark.parametrize("definitions, message", [
    ([("a", a + 1)], "a -> a"),
    ([("a", b + 1), ("b", a * 2)], "b -> a -> b"),
    ([("a", b + 1), ("b", c * 2), ("c", a - 1)], "c -> a -> b -> c"),
])
def test_a_cycle_is_an_error_that_names_it(definitions, message):
    g = sg.Graph()
    with pytest.raises(CycleError, match=message):
        for name, expr in definitions:
            g.define(name, expr)
    assert len(g.nodes) == len(definitions) - 1  # the offending definition was not kept


@pytest.mark.parametrize("name, expr, error, message", [
    ("", x, GraphError, "non-empty"),
    (3, x, GraphError, "non-empty string"),
    ("h", sp.Matrix([x, y]), ShapeError, "must be a scalar, got a 2x1 matrix"),
    ("h", [x, y], ShapeError, "sequence of length 2"),
    ("h", "x + 1", sg.SymgradError, "never evaluates strings"),
])
def test_bad_definitions(name, expr, error, message):
    with pytest.raises(error, match=message):
        sg.Graph().define(name, expr)


def test_a_node_defined_twice():
    g = sg.Graph()
    g.define("h", x)
    with pytest.raises(GraphError, match="defined twice"):
        g.define("h", y)


def test_an_empty_graph_has_no_output():
    with pytest.raises(GraphError, match="no nodes"):
        sg.Graph().output


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    g = sg.Graph()
    prev = x
    for i in range(3000):
        prev = g.define(f"n{i}", prev + 1)
    assert len(g.nodes) == 3000
    assert sg.partial(g, x) == 1
