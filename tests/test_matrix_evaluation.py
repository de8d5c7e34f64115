import numpy as np
import pytest

from symgrad import UnknownVariableError
from symgrad.matrix import arrays, evaluate
from symgrad.matrix import graph as mg
from symgrad.matrix.derivation import derive

X, W = mg.data("X", 2), mg.parameter("W", 1, 2)
Z = mg.linear(X, W, name="Z")
LOSS = mg.mse(Z, mg.targets("Y", 1), "sum")
LEAVES = {X: np.array([[1.0, 2.0], [3.0, 4.0]]), W: np.array([[0.5, -1.0]]), LOSS.inputs[1]: np.array([[0.0], [1.0]])}


def test_forward_values_adjoints_and_buffers():
    derivation = derive(LOSS)
    buffers = {Z: np.empty((2, 1)), ("adjoint", Z): np.empty((2, 1)), ("adjoint", W): np.empty((1, 2))}
    run = evaluate(derivation, arrays, LEAVES, buffers)
    assert run.values[Z].tolist() == [[-1.5], [-2.5]] and run.values[Z] is buffers[Z]
    assert run.loss == (-1.5) ** 2 + (-3.5) ** 2
    assert run.gradient(Z).tolist() == [[-3.0], [-7.0]]
    assert run.gradient(W) is buffers[("adjoint", W)]
    assert run.gradient(W).tolist() == [[-3.0 - 21.0, -6.0 - 28.0]]


def test_forward_only():
    run = evaluate(derive(LOSS), arrays, LEAVES, backward=False)
    assert run.adjoints == {} and run.loss == pytest.approx(14.5)


def test_every_leaf_needs_a_value():
    with pytest.raises(UnknownVariableError, match="no value is given for W, Y"):
        evaluate(derive(LOSS), arrays, {X: LEAVES[X]})
