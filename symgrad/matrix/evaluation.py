"""Running a matrix derivation in an algebra: NumPy arrays (:mod:`.arrays`) or SymPy matrices
(:mod:`.exact`). The same walk, over the same table of rules, serves both.
"""

from dataclasses import dataclass, field

from ..errors import UnknownVariableError
from .rules import RULES

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """The loss, and every forward value and adjoint of one run, by node."""

    loss: object
    values: dict = field(repr=False)
    adjoints: dict = field(repr=False)

    def gradient(self, node):
        """d(loss)/d(node), of ``node``'s shape."""
        return self.adjoints[node]


def evaluate(derivation, xp, leaves, buffers=None, backward=True):
    """Run ``derivation`` in the algebra ``xp`` from ``leaves`` (a value for each of
    ``derivation.leaves``, by node).

    ``buffers`` maps nodes to arrays that their values and adjoints are written into: each node
    that is not a leaf to its value's buffer, and each variable or node that gets an adjoint to
    ``("adjoint", node)``'s buffer. Steps that share a target add into it. With ``backward``
    False only the forward values are computed.
    """
    missing = [n.name for n in derivation.leaves if n not in leaves]
    if missing:
        raise UnknownVariableError(f"no value is given for {', '.join(missing)}")
    buffers = buffers or {}
    values = dict(leaves)
    for node in derivation.forward:
        values[node] = RULES[node.op].forward(xp, node, [values[i] for i in node.inputs], buffers.get(node))
    adjoints = {}
    for step in derivation.backward if backward else ():
        rule = RULES[step.rule].backward[step.role]
        operands = [values[o] for o in step.operands]
        delta = adjoints.get(step.consumer)
        if step.first:
            out = buffers.get(("adjoint", step.target))
            adjoints[step.target] = rule(xp, step.consumer, delta, values[step.consumer], operands, out)
        else:
            share = rule(xp, step.consumer, delta, values[step.consumer], operands, None)
            adjoints[step.target] = xp.add(adjoints[step.target], share, buffers.get(("adjoint", step.target)))
    return Evaluation(values[derivation.loss], values, adjoints)
