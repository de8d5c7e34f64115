"""Running a matrix derivation in an algebra: NumPy arrays (:mod:`.arrays`) or SymPy matrices
(:mod:`.exact`). The same walk, over the same table of rules, serves both.

:func:`compile_walk` lays a derivation out once as a :class:`Walk`: every value and every adjoint
gets a numbered slot, and each forward node and backward step becomes one instruction naming its
rule's map and its operands' slots; :func:`run` executes it. A :class:`~.program.Program` compiles
its walk once and runs it every batch; :func:`evaluate` does both for one run.
"""

from dataclasses import dataclass, field

from ..core.errors import UnknownVariableError
from .rules import RULES

__all__ = ["Evaluation", "Walk", "compile_walk", "run", "evaluate"]


@dataclass(frozen=True)
class Walk:
    """A derivation as instructions over slots. Slots ``0 .. len(leaves) - 1`` hold the leaves'
    values in the derivation's order; ``slot[node]`` is a node's value, ``adjoint[node]`` its
    adjoint's. ``forward`` holds ``(map, node, input slots, slot)``; ``backward`` holds ``(map,
    consumer, consumer's adjoint slot or None, consumer's value slot, operand slots, target's adjoint
    slot, first)``, a later share (``first`` False) being added into the target's adjoint."""

    leaves: tuple
    loss: int
    size: int
    slot: dict = field(repr=False)
    adjoint: dict = field(repr=False)
    forward: tuple = field(repr=False)
    backward: tuple = field(repr=False)


def compile_walk(derivation):
    """The :class:`Walk` of ``derivation``."""
    slot = {node: i for i, node in enumerate(derivation.leaves + derivation.forward)}
    adjoint = {}
    for step in derivation.backward:
        adjoint.setdefault(step.target, len(slot) + len(adjoint))
    forward = tuple((RULES[n.op].forward, n, tuple(slot[i] for i in n.inputs), slot[n]) for n in derivation.forward)
    backward = tuple((RULES[s.rule].backward[s.role], s.consumer, adjoint.get(s.consumer), slot[s.consumer],
                      tuple(slot[o] for o in s.operands), adjoint[s.target], s.first) for s in derivation.backward)
    return Walk(derivation.leaves, slot[derivation.loss], len(slot) + len(adjoint), slot, adjoint, forward, backward)


def run(walk, xp, leaves, buffers=None, backward=True):
    """Execute ``walk`` in the algebra ``xp`` from the leaves' values (in ``walk.leaves``' order);
    return the list of slots. ``buffers`` (a list by slot, or None) gives arrays that values and
    adjoints are written into; ``backward`` False computes the forward values only."""
    values = [*leaves, *[None] * (walk.size - len(leaves))]
    out = buffers or [None] * walk.size
    for rule, node, inputs, slot in walk.forward:
        values[slot] = rule(xp, node, [values[i] for i in inputs], out[slot])
    if backward:
        for share, consumer, delta, value, operands, slot, first in walk.backward:
            result = share(xp, consumer, None if delta is None else values[delta], values[value],
                           [values[i] for i in operands], out[slot] if first else None)
            values[slot] = result if first else xp.add(values[slot], result, out[slot])
    return values


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
    walk = compile_walk(derivation)
    given = buffers or {}
    out = [given.get(node) for node in walk.slot] + [given.get(("adjoint", node)) for node in walk.adjoint]
    values = run(walk, xp, [leaves[n] for n in walk.leaves], out, backward)
    adjoints = {node: values[i] for node, i in walk.adjoint.items()} if backward else {}
    return Evaluation(values[walk.loss], {node: values[i] for node, i in walk.slot.items()}, adjoints)
