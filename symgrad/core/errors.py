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


class DomainError(SymgradError, ValueError):
    """A point is outside the domain of the model: a value or a partial there is infinite, undefined
    (``zoo``, ``nan``) or complex (the message names the variables, their values and the expression)."""


class UnsupportedOperationError(SymgradError, NotImplementedError):
    """A function in the model is neither a registered operation nor one SymPy's printer for the
    consumer knows (compiled NumPy or torch code)."""


class NoDerivativeRuleError(SymgradError, NotImplementedError):
    """An operation in the model has no derivative rule."""


class DirectionError(SymgradError, ValueError):
    """A direction for a directional derivative cannot be normalised (it is zero)."""


class GraphError(SymgradError, ValueError):
    """A graph is ill-formed: a node defined twice, a node name that is not a valid symbol."""


class TrainingError(SymgradError, ValueError):
    """A training run is ill-specified: an unknown optimizer or option, an invalid hyperparameter or
    number mode, a batch size the data cannot fill."""


class DivergenceError(SymgradError, ArithmeticError):
    """A training run produced a NaN or infinite loss, gradient or parameter (the message names the
    iteration and the parameter)."""


class ParameterFileError(SymgradError, ValueError):
    """A parameters file cannot be written or read: not symgrad's format, or a value it cannot keep."""


class DerivationError(SymgradError, ArithmeticError):
    """A step of a derivation failed its own check: its result differs from the independent oracle."""


class DataError(SymgradError, ValueError):
    """A data file or data set is missing or malformed (an IDX file with a bad header, too few bytes)."""


class OutputError(SymgradError, OSError):
    """An output file cannot be written: its folder is missing or read-only, it is a folder or one of
    the inputs, or the disk is full (the file that was there is left as it was)."""


class SettingError(SymgradError, ValueError):
    """An operation's setting (leaky_relu's negative_slope, hardtanh's bounds) is not an exact real number
    of its range, or is not one of the operation's settings."""
