"""Why an answer could not be read. Each becomes a verdict (``unparseable``, ``unknown_symbol``,
``too_complex``, or ``wrong_shape`` for a matrix answer whose shapes do not fit) with a message a
student can act on, never a traceback."""

from ..core.errors import SymgradError

__all__ = ["AnswerProblem", "Unreadable", "UnknownSymbols", "TooComplex", "WrongShape"]


class AnswerProblem(SymgradError):
    """An answer symgrad will not grade; ``kind`` is the verdict's mistake, the message its feedback."""

    kind = None


class Unreadable(AnswerProblem):
    """The answer is not an expression symgrad can read (a stray command, unbalanced brackets...)."""

    kind = "unparseable"


class UnknownSymbols(AnswerProblem):
    """The answer uses names the question does not declare; ``names`` lists them as typed."""

    kind = "unknown_symbol"

    def __init__(self, names):
        self.names = tuple(names)
        listed = ", ".join(self.names)
        super().__init__(f"the question has no symbol {listed}" if len(self.names) == 1
                         else f"the question has no symbols {listed}")


class TooComplex(AnswerProblem):
    """The answer exceeds a size, nesting, exponent, time or memory limit."""

    kind = "too_complex"


class WrongShape(AnswerProblem):
    """A matrix answer multiplies or adds matrices whose shapes do not fit, or has another shape than
    the right answer: a wrong answer (not one that could not be checked), with its own diagnosis."""

    kind = "wrong_shape"
