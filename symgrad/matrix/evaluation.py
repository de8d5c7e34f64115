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
    buffer = (buffers or {}).get
    values = dict(leaves)
    for node in derivation.forward:
        values[node] = _FORWARD[node.op](xp, node, [values[i] for i in node.inputs], buffer(node))
    adjoints = {}
    for step in derivation.backward if backward else ():
        share = _BACKWARD[step.rule, step.role]
        target, consumer = step.target, step.consumer
        operands = [values[o] for o in step.operands]
        if step.first:
            adjoints[target] = share(xp, consumer, adjoints.get(consumer), values[consumer], operands,
                                     buffer(("adjoint", target)))
        else:
            more = share(xp, consumer, adjoints.get(consumer), values[consumer], operands, None)
            adjoints[target] = xp.add(adjoints[target], more, buffer(("adjoint", target)))
    return Evaluation(values[derivation.loss], values, adjoints)


# The table's maps by key, looked up once per step.
_FORWARD = {op: rule.forward for op, rule in RULES.items()}
_BACKWARD = {(op, role): f for op, rule in RULES.items() for role, f in rule.backward.items()}
