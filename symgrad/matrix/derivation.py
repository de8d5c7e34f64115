r"""The matrix derivation of a loss: the forward nodes in order, then the backward steps, as data.

One reverse walk applies the chain rule in matrix form: the adjoint of a node is the sum, over
its consumers ``c``, of the rule of ``c`` for that input applied to ``c``'s adjoint
(``dL/dA = delta W``, ``dL/dW = delta^T A``, ``dZ = delta * relu'(Z)``, ...). Where the table
:data:`~.rules.FUSED` composes two operations into one rule (``nll`` of ``log_softmax`` is
``cross_entropy``: ``softmax(Z) - onehot(y)``), the walk takes the composed rule. Nothing here
computes or prints: :mod:`.evaluation` runs a derivation, a renderer prints it.
"""

from dataclasses import dataclass
from functools import cached_property

from ..core.errors import GraphError, NoDerivativeRuleError, UnknownVariableError
from ..core.graph import topological_order
from .graph import LOSSES, Node
from .rules import FUSED, RULES

__all__ = ["BackwardStep", "MatrixDerivation", "derive"]


@dataclass(frozen=True)
class BackwardStep:
    r"""$\bar{\text{target}} \mathrel{+}= \text{rule}_{\text{role}}(\bar{\text{consumer}})$: one input's share of
    its adjoint, by the rule ``rule`` read at ``role``.

    ``operands`` are the nodes the rule's roles stand for, in order; ``through`` lists nodes the
    step passes over when it uses a composed rule (the ``log_softmax`` under an ``nll``), which
    follow the roles' nodes in ``operands`` (their values are computed already: a rule may use them).
    ``first`` is True for the first share of ``target``'s adjoint (it is set, not added to).
    """

    target: Node
    consumer: Node
    rule: str
    role: str
    operands: tuple
    through: tuple = ()
    first: bool = True

    @property
    def bindings(self):
        """What each name of the rule's LaTeX template stands for: its roles' nodes, and ``delta``
        and ``out`` the consumer's (its adjoint, its value); each node carries its shape."""
        return {**dict(zip(RULES[self.rule].roles, self.operands)), "delta": self.consumer, "out": self.consumer}


@dataclass(frozen=True)
class MatrixDerivation:
    """A loss's forward computation and its backward walk to the variables ``wrt``.

    ``forward`` lists the operation nodes in the order they are computed; ``backward`` the steps
    from the loss back, each after every step its consumer's adjoint needs.
    """

    loss: Node
    wrt: tuple
    forward: tuple
    backward: tuple

    @cached_property
    def leaves(self):
        """The data, targets and parameters the loss depends on, in the order they are first used."""
        seen = []
        for node in self.forward:
            seen.extend(i for i in node.inputs if i.is_leaf and i not in seen)
        return tuple(seen)

    def node(self, name):
        """The node named ``name``."""
        for n in self.leaves + self.forward:
            if n.name == name:
                return n
        raise UnknownVariableError(f"the derivation of {self.loss.name} has no node named {name!r}")


def derive(loss, wrt=None):
    """The matrix derivation of ``loss`` (a loss node) with respect to ``wrt`` (nodes or their
    names; default: every parameter, in the order the forward pass first uses them)."""
    if not isinstance(loss, Node) or loss.op not in LOSSES:
        raise GraphError(f"a matrix derivation starts from a loss node ({', '.join(LOSSES)}), got {loss!r}")
    order = _operations(loss)
    leaves = [i for n in order for i in n.inputs if i.is_leaf]
    wrt = _variables(wrt, list(dict.fromkeys(leaves)), order, loss)
    consumers = {}
    for n in order:
        for i in n.inputs:
            consumers.setdefault(i, []).append(n)
    reaches = set(wrt)
    for n in order:
        if any(i in reaches for i in n.inputs):
            reaches.add(n)
    steps, started, has_adjoint = [], set(), {loss}
    for c in reversed(order):
        if c not in has_adjoint:
            continue
        for rule, role, target, operands, through in _shares(c, consumers, wrt):
            if target not in reaches:
                continue
            steps.append(BackwardStep(target, c, rule, role, operands, through, first=target not in started))
            started.add(target)
            has_adjoint.add(target)
    return MatrixDerivation(loss, tuple(wrt), tuple(order), tuple(steps))


def _shares(c, consumers, wrt):
    """``(rule, role, target, operands, through)`` for each input of ``c`` that has a backward rule;
    a composed rule when ``c``'s first input is used by ``c`` alone and is not asked for."""
    inner = c.inputs[0]
    fused = FUSED.get((inner.op, c.op))
    if fused and consumers[inner] == [c] and inner not in wrt:
        operands = (inner.inputs[0],) + c.inputs[1:] + (inner,)  # the inner value last: the rule may reuse it
        return [(fused, RULES[fused].roles[0], operands[0], operands, (inner,))]
    rule = RULES[c.op]
    return [(c.op, role, i, c.inputs, ()) for role, i in zip(rule.roles, c.inputs) if role in rule.backward]


def _operations(loss):
    """The operation nodes ``loss`` depends on, each after its inputs (as the engine's graph orders)."""
    inputs, stack = {}, [loss]
    while stack:
        node = stack.pop()
        if node not in inputs:
            inputs[node] = node.inputs
            stack.extend(i for i in node.inputs if not i.is_leaf)
    order = list(topological_order(inputs, inputs))
    names = {}
    for n in [*order, *(i for n in order for i in n.inputs)]:
        if names.setdefault(n.name, n) is not n:
            raise GraphError(f"two different nodes are named {n.name!r}")
    return order


def _variables(wrt, leaves, order, loss):
    parameters = [n for n in leaves if n.op == "parameter"]
    if wrt is None:
        return parameters
    by_name = {n.name: n for n in [*leaves, *order]}
    out = []
    for v in [wrt] if isinstance(wrt, (str, Node)) else wrt:
        node = by_name.get(v) if isinstance(v, str) else v
        if node not in by_name.values():
            names = ", ".join(by_name)
            raise UnknownVariableError(f"unknown variable {getattr(v, 'name', v)!r}: the loss {loss.name} has {names}")
        if node.op == "classes":
            raise GraphError(f"{node.name} holds class indices: a loss has no derivative with respect to them")
        if node.op == "tokens":
            raise GraphError(f"{node.name} holds token indices: a loss has no derivative with respect to them")
        if node.op == "targets":
            raise NoDerivativeRuleError(f"{node.name} is a target: matrix mode has no rule for d{loss.name}/d{node.name}")
        out.append(node)
    return out
