"""What ``symgrad train`` shows of a matrix-mode run: each epoch's mean training loss and the final
accuracy, as S2 prints them, and the loss curve."""

from ..explain.diagram import Box, diagram
from ..explain.plots import loss_curve
from ..numeric.epochs import table_rows
from ..numeric.optimizers import make_optimizer

__all__ = ["report", "plot", "network_shape", "network_diagram"]


def report(spec, result, every=None):
    """The run's settings, the mean training loss of the shown epochs, how the run ended, and the
    accuracy on the test split, as one text."""
    history = result.history
    lines = [f"   {make_optimizer(spec.optimizer, spec.options)!r}, batch size {spec.batch_size}, "
             f"{history.iterations_per_epoch} iterations per epoch, {len(history.step_losses)} iterations, "
             f"network {network_shape(spec.network)}, loss {spec.loss}, {result.dtype}, data: {spec.data}",
             "epoch  mean training loss"]
    lines += [f"{row.epoch:>5}  {row.mean_loss:.6f}" for row in table_rows(history.epochs, every)]
    if history.stopped:
        lines.append(f"stopped early: {history.stopped}")
    lines.append(f"accuracy on the test split: {result.accuracy:.2%}")
    return "\n".join(lines)


def plot(result, path, title=""):
    """The loss of every step of ``result`` and each epoch's mean, as a figure at ``path``."""
    return loss_curve(path, result.history.step_losses, result.history.iterations_per_epoch, title)


def network_shape(network):
    """``784-128-64-10 (relu, dropout 0.2, log_softmax)``: the widths, then the activations, dropouts and
    normalisations (``BatchNorm1d``, ``LayerNorm``) used; a network of images as its layers in order
    (``1x28x28 images: Conv2d(1, 6, 5), relu, MaxPool2d(2), ..., Linear(84, 10)``)."""
    if network.input_shape is not None:
        return "x".join(map(str, network.input_shape)) + " images: " + ", ".join(map(_layer_name, network.layers))
    widths = [network.in_features] + [layer.out_features for layer in network.layers if hasattr(layer, "out_features")]
    kinds = dict.fromkeys(layer.kind if hasattr(layer, "kind") else f"dropout {layer.p:g}" if hasattr(layer, "p")
                          else type(layer).__name__ for layer in network.layers if not hasattr(layer, "out_features"))
    return "-".join(map(str, widths)) + (f" ({', '.join(kinds)})" if kinds else "")


def _layer_name(layer):
    """A layer as torch writes its module (``Conv2d(1, 6, 5)``, stride and padding when not 1 and 0), an
    activation by its kind."""
    if hasattr(layer, "kind"):
        return layer.kind
    if hasattr(layer, "out_channels"):
        settings = [str(v) for v in (layer.in_channels, layer.out_channels, layer.kernel_size)]
        settings += [f"{key}={getattr(layer, key)}" for key, default in (("stride", 1), ("padding", 0))
                     if getattr(layer, key) != default]
        return f"Conv2d({', '.join(settings)})"
    if hasattr(layer, "out_features"):
        return f"Linear({layer.in_features}, {layer.out_features})"
    if hasattr(layer, "kernel_size"):
        stride = f", {layer.stride}" if layer.stride != layer.kernel_size else ""
        return f"{type(layer).__name__}({layer.kernel_size}{stride})"
    if hasattr(layer, "num_features"):
        return f"{type(layer).__name__}({layer.num_features})"
    return f"dropout {layer.p:g}" if hasattr(layer, "p") else type(layer).__name__


def network_diagram(network, loss=None, batch=None):
    """A network drawn left to right, one box per layer (its node, operation and parameters with their
    shapes), each edge labelled with the shape of the tensor it carries (``N x 6 x 24 x 24``, or
    ``batch`` for ``N``); with ``loss`` (as :meth:`Network.loss` takes it) the loss node too."""
    _, output, _ = network.graph()
    if loss is not None:
        output = network.loss(loss)
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.inputs:
            visit(parent)
        order.append(node)

    visit(output)
    drawn = [n for n in order if n.op != "parameter"]
    boxes = [Box(str(id(n)), n.name, _layer_rows(n, batch), leaf=n.is_leaf) for n in drawn]
    edges = [(str(id(p)), str(id(n)), _dims(p.shape, batch)) for n in drawn for p in n.inputs if p.op != "parameter"]
    return diagram(boxes, edges)


def _layer_rows(node, batch):
    parameters = [p for p in node.inputs if p.op == "parameter"]
    rows = [(node.op, None)] if not node.is_leaf else [(f"{node.op} {_dims(node.shape, batch)}", None)]
    rows += [(f"{p.name}: {_dims(p.shape, batch)}", "#1f5fa8") for p in parameters]
    return tuple(rows)


def _dims(shape, batch):
    return " × ".join(str(batch) if d == "N" and batch is not None else str(d) for d in shape) or "scalar"
