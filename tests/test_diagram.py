"""Graph diagrams (symgrad.explain.diagram): S3's boxes, values and adjoints read back from what
Graphviz drew, escaping, collapsing a wide graph, a matrix network's shapes, the worksheets' figure."""

import subprocess
import xml.etree.ElementTree as ET

import pytest
import sympy as sp

import symgrad
from symgrad import Graph, sigmoid
from symgrad.core.errors import SymgradError
from symgrad.explain.diagram import LIMIT, diagram_of
from symgrad.matrix import Activation, Conv2d, Flatten, Linear, MaxPool2d, Network
from symgrad.matrix.reports import network_diagram
from symgrad.worksheets.rendering import render_worksheet
from seed_models import s3

pytestmark = pytest.mark.skipif(subprocess.run(["which", "dot"], capture_output=True).returncode != 0,
                                reason="Graphviz's dot is installed by make setup")

SVG = "{http://www.w3.org/2000/svg}"


def _boxes(svg):
    """``{title: [the box's lines of text]}`` of an SVG Graphviz drew: each node group's texts."""
    root = ET.fromstring(svg)
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            texts = ["".join(t.itertext()).strip() for t in group.iter(f"{SVG}text")]
            boxes[texts[0]] = texts[1:]
    return boxes


def _edges(svg):
    root = ET.fromstring(svg)
    return [" ".join("".join(t.itertext()) for t in g.iter(f"{SVG}text"))
            for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]


@pytest.fixture(scope="module")
def s3_svg():
    seed = s3()
    return symgrad.derive(seed.graph, list(seed.weights), at=seed.point).diagram(partials=True).svg()


def test_s3_draws_the_six_weights_the_intermediates_and_the_loss(s3_svg):
    boxes = _boxes(s3_svg)
    assert {"w" + "₀₁₂₃₄₅₆"[i] for i in range(1, 7)} <= set(boxes)
    assert {"h₁", "h₂", "y*", "L", "x₁", "x₂", "y"} <= set(boxes)
    assert len(boxes) == 13


def test_s3_boxes_carry_the_forward_values_and_the_adjoints(s3_svg):
    boxes = _boxes(s3_svg)

    def read(title, prefix):
        line = next(t for t in boxes[title] if t.startswith(prefix))
        return sp.Rational(line.rsplit(" ", 1)[1])

    assert [read(n, "value") for n in ("h₁", "h₂", "y*", "L")] == [1, sp.Rational("0.95"), sp.Rational("2.9"),
                                                                   sp.Rational("4.41")]
    assert read("y*", "∂L/∂y*") == sp.Rational("4.2")
    assert read("w₅", "∂L/∂w₅") == sp.Rational("4.2")
    assert read("w₁", "∂L/∂w₁") == sp.Rational("2.1")
    assert boxes["h₁"][0] == "h₁ = w₁·x₁ + w₃·x₂"


def test_the_adjoints_drawn_are_the_derivations_answers(s3_svg):
    seed = s3()
    derived = symgrad.derive(seed.graph, list(seed.weights), at=seed.point).result
    boxes = _boxes(s3_svg)
    drawn = [sp.Rational(next(t for t in boxes["w" + "₀₁₂₃₄₅₆"[i]] if t.startswith("∂")).rsplit(" ", 1)[1]) for i in range(1, 7)]
    assert drawn == list(derived)


def test_edges_carry_the_local_partials_and_their_values(s3_svg):
    edges = _edges(s3_svg)
    assert "∂h₁/∂w₁ = x₁ = 0.5" in edges
    assert "∂y*/∂w₅ = h₁ = 1" in edges
    assert len(edges) == 14


def test_without_a_point_boxes_give_definitions_only():
    diagram = symgrad.derive(s3().graph, "w1").diagram()
    assert "value" not in diagram.dot() and "∂L/∂" not in diagram.dot()
    assert "h₂ = w₂·x₁ + w₄·x₂" in diagram.dot()


def test_hostile_names_are_escaped_in_the_labels():
    a, b = sp.Symbol("<b>a&</b>"), sp.Symbol('x"];evil->n0[label="')
    graph = Graph()
    graph.define("z", a * b)
    graph.define("L", graph.nodes[0] ** 2)
    diagram = symgrad.derive(graph, [a], at={a: 1, b: 2}).diagram()
    assert "<b>a&" not in diagram.dot() and "&lt;b&gt;a&amp;&lt;/b&gt;" in diagram.dot()
    assert 'evil->n0[label="' not in diagram.dot()
    assert {"<b>a&</b>", 'x"];evil->n0[label="'} <= set(_boxes(diagram.svg()))  # drawn as text


def _wide(hidden=16, inputs=4):
    xs, vs = sp.symbols(f"x1:{inputs + 1}"), sp.symbols(f"v1:{hidden + 1}")
    ws, y, graph = sp.symbols(f"w1:{inputs * hidden + 1}"), sp.Symbol("y"), Graph()
    hs = [graph.define(f"h{j + 1}", sigmoid(sum(ws[inputs * j + i] * xs[i] for i in range(inputs))))
          for j in range(hidden)]
    out = graph.define("yhat", sum(v * h for v, h in zip(vs, hs)))
    graph.define("L", (y - out) ** 2)
    point = {**{w: sp.Rational(i % 5, 10) for i, w in enumerate(ws)}, **{v: sp.Rational(1, 7) for v in vs},
             **{x: 1 for x in xs}, y: 1}
    return graph, vs, point


def test_a_wide_graph_is_collapsed_into_one_box_per_layer():
    graph, vs, point = _wide()
    assert len(graph.leaves()) + len(graph.nodes) > LIMIT
    svg = symgrad.derive(graph, list(vs[:2]), at=point).diagram().svg()
    boxes = _boxes(svg)
    assert set(boxes) == {"x ×4", "w ×64", "h ×16", "v ×16", "y", "y\u0302", "L"}  # y\u0302: ŷ, as text writes yhat
    assert any(t.startswith("values ") and "…" in t for t in boxes["h ×16"])
    assert len(_edges(svg)) == 6


def test_a_small_graph_is_not_collapsed():
    graph, vs, point = _wide(hidden=2, inputs=2)
    assert len(_boxes(symgrad.derive(graph, list(vs), at=point).diagram().svg())) == 4 + 2 + 2 + 1 + 2 + 1 + 1


def test_png_pdf_and_files(tmp_path):
    diagram = symgrad.derive(s3().graph, "w1", at=s3().point).diagram()
    assert diagram.png().startswith(b"\x89PNG") and diagram.pdf().startswith(b"%PDF")
    assert diagram._repr_svg_().lstrip().startswith("<?xml")
    assert diagram.write(tmp_path / "g.svg").read_text().count("class=\"node\"") == 13
    with pytest.raises(SymgradError, match="written as .svg"):
        diagram.write(tmp_path / "g.exe")
    assert not (tmp_path / "g.exe").exists()


def test_a_matrix_network_draws_one_box_per_layer_with_shapes_on_the_edges():
    network = Network([Conv2d(1, 6, 5), Activation("relu"), MaxPool2d(2), Flatten(), Linear(864, 10)],
                      input_shape=(1, 28, 28))
    svg = network_diagram(network, loss="cross_entropy", batch=64).svg()
    boxes = _boxes(svg)
    assert set(boxes) == {"X", "Z1", "A1", "P1", "F1", "Z2", "y", "L"}
    assert "W1: 6 × 1 × 5 × 5" in boxes["Z1"] and "conv2d" in boxes["Z1"]
    assert set(_edges(svg)) == {"64 × 1 × 28 × 28", "64 × 6 × 24 × 24", "64 × 6 × 12 × 12", "64 × 864",
                                "64 × 10", "64"}
    assert "N × 6 × 24 × 24" in network_diagram(network).dot()


@pytest.mark.parametrize("answers", [True, False])
def test_a_worksheet_with_diagram_includes_the_graph(tmp_path, answers):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parent.parent / "worksheets" / "s3_backprop_by_hand.py"
    spec = importlib.util.spec_from_file_location("s3_sheet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sheet = module.WORKSHEET
    assert sheet.diagram
    rendered = render_worksheet(sheet, tmp_path, answers=answers, pdf=False)
    graph = tmp_path / "s3_backprop_by_hand-graph.pdf"
    assert graph in rendered.figures
    text = subprocess.run(["pdftotext", str(graph), "-"], capture_output=True, text=True, check=True).stdout
    assert "h₁ = w₁·x₁ + w₃·x₂" in text
    assert ("4.41" in text) == answers and ("∂L/∂w₁ = 2.1" in text) == answers
    assert "s3_backprop_by_hand-graph.pdf" in rendered.tex.read_text()
