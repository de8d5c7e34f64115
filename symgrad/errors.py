"""The errors symgrad raises: each names what was wrong with the input, never SymPy's internals."""


class SymgradError(Exception):
    """Base class of every error symgrad raises on purpose."""


class UnknownVariableError(SymgradError, KeyError):
    """A variable was named that the expression or graph does not contain."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ShapeError(SymgradError, ValueError):
    """A value has the wrong shape: a non-scalar where a scalar is needed, a vector of the wrong length."""


class CycleError(SymgradError, ValueError):
    """A graph's named intermediates depend on each other in a cycle."""


class NoDerivativeRuleError(SymgradError, NotImplementedError):
    """An operation in the model has no derivative rule."""


class DirectionError(SymgradError, ValueError):
    """A direction for a directional derivative cannot be normalised (it is zero)."""


class GraphError(SymgradError, ValueError):
    """A graph is ill-formed: a node defined twice, a node name that is not a valid symbol."""


class DataError(SymgradError, ValueError):
    """A data file or data set is missing or malformed (an IDX file with a bad header, too few bytes)."""
